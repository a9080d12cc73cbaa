//! `autodl-format audit DIR [--json] [--fail-on KIND,…]`: exact duplicates, train↔test
//! leakage, label conflicts, class and table-column facts (the `audit` crate does the work).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use audit::checks::Probabilities;
use audit::{audit_with_probabilities, AuditOptions, AuditReport, FindingKind};

#[derive(clap::Args)]
pub struct Args {
    /// AutoDL dataset folder (holds `<name>.data/`); raw input must be converted first (`autodl-format convert`)
    pub input: PathBuf,
    /// Print the JSON report (schema: schemas/audit-report.schema.json) instead of the summary
    #[arg(long)]
    pub json: bool,
    /// Finding kinds that make the exit status 1, comma-separated, or `none`: duplicate_train,
    /// duplicate_test, duplicate_unlabelled, leakage, conflict, class_imbalance, rare_class,
    /// test_class_not_in_train, constant_column, missing_column, column_leakage,
    /// column_separates_class, near_duplicate_train, near_duplicate_test,
    /// near_duplicate_unlabelled, near_leakage, outlier, suspect_label
    #[arg(long, value_delimiter = ',', default_value = "leakage,conflict", value_name = "KIND[,KIND…]")]
    pub fail_on: Vec<String>,
    /// Classes with fewer train examples than this are reported as rare
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub min_class_examples: usize,
    /// Near duplicates: largest Hamming distance between picture fingerprints, as a
    /// fraction of their bits (grey pictures: --near-grey; video: --near-video; audio: --near-audio)
    #[arg(long, default_value_t = 0.25, value_name = "FRACTION")]
    pub near_hamming: f64,
    /// Near duplicates: largest Hamming fraction between two grey pictures (64 distinct bits)
    #[arg(long, default_value_t = 0.08, value_name = "FRACTION")]
    pub near_grey: f64,
    /// Near duplicates: largest Hamming fraction between video fingerprints (4 frames)
    #[arg(long, default_value_t = 0.12, value_name = "FRACTION")]
    pub near_video: f64,
    /// Near duplicates: largest Hamming fraction between audio fingerprints
    #[arg(long, default_value_t = 0.25, value_name = "FRACTION")]
    pub near_audio: f64,
    /// Near duplicates: least estimated Jaccard similarity of two texts' 3-token shingles
    #[arg(long, default_value_t = 0.7, value_name = "J")]
    pub near_jaccard: f64,
    /// Near duplicates: largest difference of two table rows in any column, in standard deviations
    #[arg(long, default_value_t = 0.05, value_name = "Z")]
    pub near_table: f64,
    /// Outliers: robust z-score of the k-nearest-neighbour distance at which an example is reported
    #[arg(long, default_value_t = 6.0, value_name = "Z")]
    pub outlier_z: f64,
    /// Also write the out-of-sample class probabilities behind the suspect labels to FILE
    /// (tab-separated: train index, given class, one probability per class), e.g. for cleanlab
    #[arg(long, value_name = "FILE")]
    pub probabilities: Option<PathBuf>,
    /// No progress bar
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let fail_on: Vec<FindingKind> = match args.fail_on.iter().map(|k| k.trim()).collect::<Vec<_>>().as_slice() {
        ["none"] => Vec::new(),
        kinds => match kinds.iter().map(|k| k.parse()).collect::<Result<Vec<FindingKind>, String>>() {
            Ok(kinds) => kinds,
            Err(e) => {
                eprintln!("error: --fail-on: {e}");
                return Ok(2);
            }
        },
    };
    if !args.input.exists() {
        eprintln!("error: {} does not exist", args.input.display());
        return Ok(2);
    }
    if let Some(guidance) = crate::detect::wrong_folder_guidance(&args.input) {
        // Raw input: auditing it directly comes later; for now it is converted by hand.
        eprintln!("error: {guidance}; then run `autodl-format audit` on the converted dataset");
        return Ok(2);
    }
    let opts = AuditOptions {
        min_class_examples: args.min_class_examples,
        near: audit::near::NearOptions {
            max_hamming: args.near_hamming,
            max_hamming_audio: args.near_audio,
            max_hamming_grey: args.near_grey,
            max_hamming_video: args.near_video,
            min_jaccard: args.near_jaccard,
            table_tolerance: args.near_table,
        },
        outlier_robust_z: args.outlier_z,
        ..Default::default()
    };
    let bar = progress_bar(args.quiet, audit::announced_records(&args.input));
    let result = match &bar {
        Some(bar) => audit_with_probabilities(&args.input, &opts, &|n| bar.set_position(n)),
        None => audit_with_probabilities(&args.input, &opts, &|_| {}),
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = match result {
        Ok((r, probabilities)) => {
            match (&args.probabilities, &probabilities) {
                (Some(path), Some(p)) => {
                    if let Err(e) = write_probabilities(path, p) {
                        eprintln!("error: {}: {e}", path.display());
                        return Ok(2);
                    }
                }
                // the audit itself ran: no file, and the reason, but not a failure
                (Some(path), None) => eprintln!(
                    "warning: {} not written: no out-of-sample probabilities ({})",
                    path.display(),
                    r.labels.reason.as_deref().unwrap_or("no labelled train examples")
                ),
                (None, _) => {}
            }
            r
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("(run `autodl-format validate {}` for every problem)", args.input.display());
            return Ok(2);
        }
    };
    let code = if report.has_any(&fail_on) { 1 } else { 0 };
    let printed = if args.json { super::print_json(&report) } else { print_text(&report, &fail_on) };
    match printed {
        Ok(()) => Ok(code),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(e.into()),
    }
}

/// The probabilities as TSV, written to a temporary file renamed into place.
fn write_probabilities(path: &std::path::Path, p: &Probabilities) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        for (row, (index, given)) in p.values.chunks(p.classes).zip(&p.rows) {
            let values: Vec<String> = row.iter().map(|v| format!("{v:.6}")).collect();
            writeln!(w, "{index}\t{given}\t{}", values.join("\t"))?;
        }
        w.flush()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A record-count bar on stderr, only for an interactive terminal and without `--quiet`.
fn progress_bar(quiet: bool, total: Option<u64>) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(total, indicatif::ProgressDrawTarget::stderr());
    let template = if total.is_some() { "auditing {bar:40} {pos}/{len} records ({per_sec}, {eta})" } else { "auditing {pos} records ({per_sec})" };
    bar.set_style(indicatif::ProgressStyle::with_template(template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    Some(bar)
}

/// Examples named on a summary line.
const FIRST_IDS: usize = 5;

/// One line per finding kind: counts and the first examples (or columns / classes) involved.
fn print_text(report: &AuditReport, fail_on: &[FindingKind]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let counts: Vec<String> = report.subsets.iter().map(|s| format!("{} {}", s.examples, s.subset)).collect();
    writeln!(out, "{} ({}): {} examples", report.name, report.domain, counts.join(", "))?;
    for s in &report.summary {
        let of_kind: Vec<_> = report.findings.iter().filter(|f| f.kind == s.kind).collect();
        let mut first: Vec<String> = Vec::new();
        for f in &of_kind {
            if let Some(c) = &f.column {
                first.push(format!("column {} ({})", c.index, c.name));
            } else if let Some(c) = f.class {
                first.push(format!("class {c} ({} example(s))", f.example_count));
            } else if !f.examples.is_empty() {
                let ids: Vec<String> = f.examples.iter().map(|e| match e.id {
                    Some(id) => format!("{} #{} (id {id})", e.subset, e.index),
                    None => format!("{} #{}", e.subset, e.index),
                }).collect();
                first.push(if f.content_hash.is_some() { format!("[{}]", ids.join(" = ")) } else { ids.join(", ") });
            }
            if first.len() >= FIRST_IDS {
                break;
            }
        }
        let more = if of_kind.len() > first.len() { ", …" } else { "" };
        let gate = if fail_on.contains(&s.kind) { " [fails]" } else { "" };
        let severity = serde_json::to_value(s.severity).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let what = if first.is_empty() { of_kind.first().map(|f| f.message.clone()).unwrap_or_default() } else { format!("{}{more}", first.join("; ")) };
        writeln!(out, "{severity}[{}]{gate}: {} finding(s), {} example(s): {what}", s.kind, s.findings, s.examples)?;
    }
    if report.summary.is_empty() {
        writeln!(out, "no findings")?;
    }
    if let Some(r) = report.classes.imbalance_ratio {
        writeln!(out, "classes: {} (train imbalance {r:.1}×)", report.classes.output_dim)?;
    }
    out.flush()
}
