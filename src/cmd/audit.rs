//! `autodl-format audit INPUT [--json] [--out DIR] [--time-budget S] [--fail-on KIND,…]`:
//! exact and near duplicates, train↔test leakage, label conflicts, class and table-column facts,
//! outliers and suspect labels (the `audit` crate does the work).
//!
//! INPUT is an AutoDL dataset or raw input: raw input is converted first, with `convert`'s
//! options and detection (the `pipeline` crate, as `rate` does), into `DIR/dataset` (kept) or a
//! temporary folder (removed at the end), and every example the audit names carries its input
//! file or data row. `--out DIR` (absent or empty; never an existing folder with content) also
//! receives `audit.json` and `audit.html` (the Data quality section as a page).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use audit::checks::Probabilities;
use audit::{audit_with_probabilities, AuditOptions, AuditReport, FindingKind};

use super::args::ConvertFlags;

#[derive(clap::Args)]
#[command(after_long_help = "INPUT is an AutoDL dataset when it is a folder holding exactly one <name>.data/ \
folder; anything else is raw input (images, video, audio, text, tables), converted first with the \
conversion options below (see `autodl-format convert --help` for the layouts). The examples of a \
raw input are named by their input file (relative path) or data row.\n\nExit status: 0 nothing \
crosses --fail-on, 1 something does, 2 the audit could not run.")]
pub struct Args {
    /// AutoDL dataset folder (holds `<name>.data/`), or raw input to convert first
    pub input: PathBuf,
    /// Print the JSON report (schema: schemas/audit-report.schema.json) instead of the summary
    #[arg(long)]
    pub json: bool,
    /// Folder (absent or empty) that receives audit.json, audit.html and, for raw input, the
    /// converted dataset (DIR/dataset); without it raw input is converted into a temporary folder
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seconds after which the costly checks (near-duplicate search, outlier scoring,
    /// cross-fitting) start no new work; what they skipped is reported
    #[arg(long, value_name = "SECONDS", value_parser = super::args::parse_time_budget)]
    pub time_budget: Option<f64>,
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
    // conversion flags of a raw INPUT, as `convert` takes them (`-q` also hides the audit's bar)
    #[command(flatten)]
    pub flags: ConvertFlags,
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
    let raw = !pipeline::detect::is_autodl_dataset(&args.input);
    if let Some(guidance) = crate::detect::wrong_folder_guidance(&args.input).filter(|g| g.contains("run folder")) {
        eprintln!("error: {guidance}");
        return Ok(2);
    }
    let out = match args.out.as_deref().map(|dir| OutFolder::claim(dir, &args.input)).transpose() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
    let result = audit_input(&args, raw, out.as_ref());
    let (report, probabilities) = match result {
        Ok(done) => done,
        Err(e) => {
            if let Some(out) = &out {
                out.give_back();
            }
            eprintln!("error: {e:#}");
            if !raw {
                eprintln!("(run `autodl-format validate {}` for every problem)", args.input.display());
            }
            return Ok(2);
        }
    };
    match (&args.probabilities, &probabilities) {
        (Some(path), Some(p)) => {
            if let Err(e) = write_probabilities(path, p) {
                // the error names the file
                eprintln!("error: {e}");
                return Ok(2);
            }
        }
        // the audit itself ran: no file, and the reason, but not a failure
        (Some(path), None) => eprintln!(
            "warning: {} not written: no out-of-sample probabilities ({})",
            path.display(),
            report.labels.reason.as_deref().unwrap_or("no labelled train examples")
        ),
        (None, _) => {}
    }
    if let Some(out) = &out {
        if let Err(e) = out.write_reports(&report) {
            out.give_back();
            eprintln!("error: writing into {}: {e:#}", out.dir.display());
            return Ok(2);
        }
    }
    let code = if report.has_any(&fail_on) { 1 } else { 0 };
    let printed = if args.json { super::print_json(&report) } else { print_text(&report, &fail_on) };
    match printed {
        Ok(()) => Ok(code),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(e.into()),
    }
}

/// The audit of INPUT: a dataset as it is, raw input converted first (into `out`'s `dataset/`
/// or a temporary folder) with its examples named by their sources.
fn audit_input(args: &Args, raw: bool, out: Option<&OutFolder>) -> anyhow::Result<(AuditReport, Option<Probabilities>)> {
    let quiet = args.flags.common.quiet;
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
        time_budget: args.time_budget,
        ..Default::default()
    };
    let _temp: Option<tempfile::TempDir>;
    let mut converted = None;
    let dataset = if raw {
        let (dataset, temp) = match out {
            Some(out) => (pipeline::options::rate_dataset_dir(&out.dir), None),
            None => {
                let temp = tempfile::Builder::new().prefix("autodl-audit-").tempdir()?;
                (temp.path().join("dataset"), Some(temp))
            }
        };
        _temp = temp;
        let domain = pipeline::convert::resolve_domain(&args.input, args.flags.domain.chosen())?;
        let options = args.flags.options(&dataset, domain)?;
        pipeline::convert::check_options(&options, domain)?;
        if !quiet {
            eprintln!("converting {} ({domain:?}) into {}", args.input.display(), dataset.display());
        }
        let done = pipeline::convert::convert(&args.input, &options)?;
        if !quiet {
            eprintln!("{}", done.summary);
        }
        let sources = pipeline::convert::record_sources(&args.input, &options, done.sources.as_ref())?;
        converted = Some(sources);
        dataset
    } else {
        _temp = None;
        args.input.clone()
    };
    let bar = progress_bar(quiet, audit::announced_records(&dataset));
    let result = match &bar {
        Some(bar) => audit_with_probabilities(&dataset, &opts, &|n| bar.set_position(n)),
        None => audit_with_probabilities(&dataset, &opts, &|_| {}),
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let (mut report, probabilities) = result?;
    if let Some(sources) = converted {
        report.name_sources(args.input.clone(), sources.as_ref().map(|s| (s.test.as_slice(), s.train.as_slice())));
    }
    if out.is_none() && raw {
        // the converted dataset goes with the temporary folder: the report says so
        report.dataset = PathBuf::from("(temporary; use --out DIR to keep the converted dataset)");
    }
    Ok((report, probabilities))
}

/// `--out DIR`: claimed only when absent or empty; what this run put there goes again when the
/// run fails (never anything that was there before).
struct OutFolder {
    dir: PathBuf,
    created: bool,
}

impl OutFolder {
    fn claim(dir: &Path, input: &Path) -> anyhow::Result<OutFolder> {
        // the input is never written to: an --out inside it (or the input itself) is refused
        // the nearest existing ancestor resolved, the parts still to be created appended
        let absolute = |p: &Path| -> Option<PathBuf> {
            let p = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().ok()?.join(p) };
            let existing = p.ancestors().find(|a| a.exists())?;
            Some(existing.canonicalize().ok()?.join(p.strip_prefix(existing).ok()?))
        };
        if let (Some(out), Ok(inp)) = (absolute(dir), input.canonicalize()) {
            if out.starts_with(&inp) {
                anyhow::bail!("--out {} is inside the input {}; choose a folder outside it", dir.display(), input.display());
            }
        }
        if dir.exists() {
            let empty = dir.is_dir() && std::fs::read_dir(dir)?.next().is_none();
            if !empty {
                anyhow::bail!("--out {} exists and is not an empty folder; the audit writes only into a new or empty one", dir.display());
            }
            return Ok(OutFolder { dir: dir.to_path_buf(), created: false });
        }
        std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
        Ok(OutFolder { dir: dir.to_path_buf(), created: true })
    }

    /// Removes what this run wrote (the whole folder when this run created it).
    fn give_back(&self) {
        if self.created {
            let _ = std::fs::remove_dir_all(&self.dir);
        } else {
            for entry in ["dataset", "audit.json", "audit.html"] {
                let p = self.dir.join(entry);
                let _ = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
            }
        }
    }

    /// `audit.json` and `audit.html`, each written atomically.
    fn write_reports(&self, report: &AuditReport) -> anyhow::Result<()> {
        let mut json = serde_json::to_vec_pretty(report)?;
        json.push(b'\n');
        formats::atomic::write_bytes(&self.dir.join("audit.json"), &json)?;
        let section = audit::section::quality_section(report, &report.dataset);
        let page = audit::section::quality_page(report, &section);
        formats::atomic::write_bytes(&self.dir.join("audit.html"), page.as_bytes())?;
        Ok(())
    }
}

/// The probabilities as TSV, written atomically.
fn write_probabilities(path: &Path, p: &Probabilities) -> Result<(), formats::IoError> {
    formats::atomic::write_with(path, None, |w| {
        for (row, (index, given)) in p.values.chunks(p.classes).zip(&p.rows) {
            // the f32 value written exactly (shortest f64 text), so cleanlab reads the same numbers
            let values: Vec<String> = row.iter().map(|&v| f64::from(v).to_string()).collect();
            writeln!(w, "{index}\t{given}\t{}", values.join("\t"))?;
        }
        Ok(())
    })
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
    let rows = matches!(report.domain, formats::inspect::Domain::Tabular | formats::inspect::Domain::Text);
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
                let ids: Vec<String> = f.examples.iter().map(|e| e.display(rows)).collect();
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
    if let Some(input) = &report.input {
        match &input.note {
            Some(why) => writeln!(out, "converted from {}: {why}", input.path.display())?,
            None => writeln!(out, "converted from {}: examples are named by their input file or data row", input.path.display())?,
        }
    }
    if let Some(budget) = &report.budget {
        for what in &budget.skipped {
            writeln!(out, "time budget {} s (spent {:.1} s): {what}", budget.seconds, budget.elapsed)?;
        }
    }
    if let Some(r) = report.classes.imbalance_ratio {
        writeln!(out, "classes: {} (train imbalance {r:.1}×)", report.classes.output_dim)?;
    }
    out.flush()
}
