//! `autodl-format validate DIR [--json] [--deep] [--quiet]`: every format check, all findings
//! at once. Exit 0 valid (warnings allowed), 1 errors found, 2 could not run.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use formats::validate::{validate, Finding, Progress, Report, ValidateOptions};

#[derive(clap::Args)]
pub struct Args {
    /// Dataset folder (holds `<name>.data/` and `<name>.solution`)
    pub dir: PathBuf,
    /// Print a JSON report (schema: schemas/validate-report.schema.json) instead of text
    #[arg(long)]
    pub json: bool,
    /// Also decode every compressed frame and check its size
    #[arg(long)]
    pub deep: bool,
    /// No progress bar
    #[arg(long, short)]
    pub quiet: bool,
    /// Findings of one code shown per file before they are summarised
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max_per_code: usize,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    // "Could not run" (exit 2) is only for a dataset path we cannot look at; everything inside
    // it is a finding.
    if !args.dir.is_dir() {
        let why = if args.dir.exists() { "is not a folder" } else { "does not exist" };
        match crate::detect::wrong_folder_guidance(&args.dir) {
            Some(guidance) => eprintln!("error: {} {why}; it {}", args.dir.display(), after_name(&guidance, &args.dir)),
            None => eprintln!("error: {} {why}", args.dir.display()),
        }
        return Ok(2);
    }
    let bar = progress_bar(args.quiet);
    let mut opts = ValidateOptions { deep: args.deep, max_per_code: args.max_per_code, ..Default::default() };
    if let Some(bar) = &bar {
        let bar = bar.clone();
        opts.progress = Some(Arc::new(move |p| match p {
            Progress::Start { total_bytes } => bar.set_length(total_bytes),
            Progress::Advance { bytes } => bar.inc(bytes),
            Progress::Finish => bar.finish_and_clear(),
        }));
    }
    let mut report = validate(&args.dir, &opts);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    add_wrong_folder_guidance(&mut report, &args.dir);
    let code = if report.valid { 0 } else { 1 };
    let printed = if args.json { super::print_json(&report) } else { print_text(&report) };
    match printed {
        Ok(()) => Ok(code),
        // A closed pipe (`validate … | head`) ends quietly with the verdict's exit code.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(e.into()),
    }
}

/// A folder without `<name>.data` that holds raw inputs (or is a run folder): its finding says
/// so and what to run instead (the finding's code stays `LAYOUT_NO_DATA_DIR`).
fn add_wrong_folder_guidance(report: &mut Report, dir: &std::path::Path) {
    let Some(finding) = report.findings.iter_mut().find(|f| f.code == "LAYOUT_NO_DATA_DIR") else { return };
    if let Some(guidance) = crate::detect::wrong_folder_guidance(dir) {
        finding.message = format!("{}; this folder {}", finding.message, after_name(&guidance, dir));
    }
}

/// The guidance without the leading path (the sentence already names it).
fn after_name<'a>(guidance: &'a str, path: &std::path::Path) -> &'a str {
    guidance.strip_prefix(&path.display().to_string()).map_or(guidance, str::trim_start)
}

/// A byte-based bar on stderr, only for an interactive terminal and without `--quiet`.
fn progress_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    let style = indicatif::ProgressStyle::with_template(
        "validating {bar:40} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, {eta})",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

/// `error[CODE] file [record N @ byte B, field F, line L]: message`.
pub fn finding_line(f: &Finding) -> String {
    let severity = match f.severity {
        formats::validate::Severity::Error => "error",
        formats::validate::Severity::Warning => "warning",
    };
    let mut at = Vec::new();
    if let Some(r) = f.location.record {
        match f.location.offset {
            Some(o) => at.push(format!("record {r} @ byte {o}")),
            None => at.push(format!("record {r}")),
        }
    }
    if let Some(l) = f.location.line {
        at.push(format!("line {l}"));
    }
    if let Some(field) = &f.location.field {
        at.push(format!("field {field}"));
    }
    let at = if at.is_empty() { String::new() } else { format!(" [{}]", at.join(", ")) };
    format!("{severity}[{}] {}{at}: {}", f.code, f.location.file.display(), f.message)
}

fn print_text(report: &Report) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for f in &report.findings {
        writeln!(out, "{}", finding_line(f))?;
    }
    let records: u64 = report.stats.subsets.iter().map(|s| s.records).sum();
    let files: usize = report.stats.subsets.iter().map(|s| s.files.len()).sum();
    // Without a `<name>.data` there is no dataset name: the folder stands for it.
    let folder = report.dataset.display().to_string();
    let name = report.name.as_deref().unwrap_or(&folder);
    let verdict = if report.valid { "valid" } else { "INVALID" };
    let deep = if report.deep { ", deep" } else { "" };
    writeln!(
        out,
        "{name}: {verdict}: {} error(s), {} warning(s); {records} records in {files} record file(s), {:.1} MB read{deep}",
        report.errors,
        report.warnings,
        report.stats.bytes_read as f64 / 1e6
    )?;
    if report.stats.suppressed > 0 {
        writeln!(out, "({} repeated findings summarised; --max-per-code N shows more)", report.stats.suppressed)?;
    }
    out.flush()
}
