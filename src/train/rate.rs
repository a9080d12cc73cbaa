//! `autodl-format rate`: prints the run of [`pipeline::rate`] (convert, validate, train, score,
//! report; arguments in `autodl_format::cmd::rate`).

use std::path::Path;
use std::time::Instant;

use autodl_format::cmd::rate::Args;
use pipeline::options::RateOptions;
use pipeline_train::rate::{rate_killed, RateEnd, Rated};
use pipeline_train::supervise::{supervise_run, Supervised};
use pipeline_train::session::{catch_signals, Event};
use trainer::ingestion::{IngestionEvent, Phase};
use trainer::report::Rating;

/// Phase headers and budget progress on stderr, with a clock since the command started.
struct Progress {
    start: Instant,
    quiet: bool,
    budget: f64,
    verbose: bool,
    /// The device's name, for the learner's line.
    device_name: String,
}

impl Progress {
    fn phase(&self, k: usize, what: &str) {
        eprintln!("[rate {k}/5 | {:6.1} s] {what}", self.start.elapsed().as_secs_f64());
    }
    fn note(&self, what: &str) {
        if !self.quiet {
            eprintln!("    {what}");
        }
    }

    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Warning(w) => eprintln!("warning: {w}"),
            Event::Note(n) => eprintln!("{n}"),
            Event::Phase { step, what } => self.phase(*step, what),
            Event::Converted(c) => autodl_format::cmd::convert::print_converted(c),
            Event::Validated(v) => self.note(&format!("valid: 0 errors, {} warning(s)", v.warnings)),
            Event::Inspected(i) => self.note(&format!(
                "{}: {} dataset, {} classes, {}",
                i.name,
                i.domain,
                i.output_dim,
                i.subsets.iter().map(|s| format!("{} {}", s.records, s.subset)).collect::<Vec<_>>().join(", ")
            )),
            Event::Device { name, fallback } => {
                self.device_name = name.to_string();
                self.note(&format!("device: {name}"));
                if let (true, Some(why)) = (self.verbose, fallback) {
                    self.note(&format!("device: CUDA not used: {why}"));
                }
            }
            Event::Learner { name, test_rows, output_dim, .. } => {
                self.note(&format!("{name} on {}, {test_rows} test rows × {output_dim} classes", self.device_name))
            }
            Event::Ingestion { event, latest_nauc } => self.ingestion(event, *latest_nauc),
            Event::BundleMissing { index } => eprintln!("warning: the model of prediction {index} was not kept; no bundle saved"),
            Event::ScoringFailed { error, .. } => eprintln!("error: scoring: {error}"),
            Event::BundleSaved { .. } | Event::Leaderboard { .. } | Event::Scored { .. } => {}
        }
    }

    /// Budget progress with the NAUC of the latest recorded prediction.
    fn ingestion(&self, event: &IngestionEvent<'_>, latest: Option<f64>) {
        let budget = self.budget;
        let nauc_text = latest.map_or("not yet measured".to_string(), |n| format!("{n:.4}"));
        match event {
            IngestionEvent::Training { round, elapsed, remaining } | IngestionEvent::Predicting { round, elapsed, remaining } => {
                let what = if matches!(event, IngestionEvent::Training { .. }) { "train" } else { "predict" };
                eprintln!(
                    "    [{:6.1} s of {budget} s, {:6.1} s left] {what} round {round}, latest NAUC {nauc_text}",
                    elapsed.as_secs_f64(),
                    remaining.as_secs_f64(),
                );
            }
            IngestionEvent::Recorded { prediction } => {
                eprintln!("    prediction {} recorded at {:.2} s: NAUC {nauc_text}", prediction.index, prediction.elapsed)
            }
            IngestionEvent::DeadlineReached { phase } => eprintln!(
                "    budget reached while {}; stopping the learner",
                if *phase == Phase::Train { "training" } else { "predicting" }
            ),
            IngestionEvent::LatePredictionDropped { elapsed } => {
                eprintln!("    prediction returned at {:.2} s, after the budget: not recorded", elapsed.as_secs_f64())
            }
            IngestionEvent::Interrupted { elapsed } => eprintln!(
                "    interrupted at {:.1} s: stopping the learner (Ctrl-C again ends at once)",
                elapsed.as_secs_f64()
            ),
            IngestionEvent::Finished { outcome } => {
                if let Some(failure) = &outcome.failure {
                    eprintln!("error: {failure}");
                }
            }
            IngestionEvent::Started { .. } => {}
        }
    }
}

impl Progress {
    fn new(options: &RateOptions) -> Self {
        Progress { start: Instant::now(), quiet: options.quiet, budget: options.time_budget, verbose: options.learner.verbose, device_name: String::new() }
    }
}

/// The run in a child process that is killed if its ingestion outlives the budget and the
/// grace (`pipeline_train::supervise`); the report of a killed run is written here.
pub fn supervised(args: Args) -> anyhow::Result<i32> {
    let options = args.options()?;
    let mut progress = Progress::new(&options);
    let _signals = catch_signals(&mut |event| progress.event(event));
    match supervise_run(&options.out, options.time_budget)? {
        Supervised::Exited(code) => Ok(code),
        Supervised::Killed(killed) => {
            eprintln!("    {}", killed.describe());
            let rated = rate_killed(&options, &killed, &mut |event| progress.event(event))?;
            Ok(close(&rated, &options))
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let options = args.options()?;
    let mut progress = Progress::new(&options);
    let end = pipeline_train::rate::rate(&options, &mut |event| progress.event(event))?;
    let rated = match end {
        RateEnd::Rated(rated) => rated,
        RateEnd::Interrupted { code, signal, stage } => {
            eprintln!("interrupted by {signal} {stage}; nothing was trained");
            return Ok(code);
        }
        RateEnd::Invalid { dataset, report } => {
            for f in &report.findings {
                eprintln!("{}", autodl_format::cmd::validate::finding_line(f));
            }
            eprintln!(
                "error: {} is not a valid AutoDL dataset ({} error(s), {} warning(s)); nothing was trained",
                dataset.display(),
                report.errors,
                report.warnings
            );
            return Ok(1);
        }
    };
    let code = close(&rated, &options);
    if rated.run.abandoned {
        // The abandoned learner thread may still be inside libtorch: exit handlers would
        // destroy libtorch's globals under it (a crash after a complete run). Everything is
        // written (report renamed into place), so leave without running them.
        trainer::ingestion::exit_without_teardown(code);
    }
    Ok(code)
}

/// The summary and closing lines of a rated run; its exit status.
fn close(rated: &Rated, options: &RateOptions) -> i32 {
    print_summary(rated, &options.out, options.time_budget);
    let code = rated.code();
    let run = &rated.run;
    if let Some((_, name, _)) = run.interrupted {
        eprintln!("interrupted by {name}: the {} prediction(s) made before it are scored in the report", run.predictions);
    } else if rated.score.is_some() && run.predictions == 0 {
        eprintln!("error: not rated: no prediction was recorded: {}", run.no_prediction_reason);
    }
    code
}

/// The one-screen summary on standard output.
fn print_summary(rated: &Rated, out: &Path, budget: f64) {
    let (inspection, run) = (&rated.inspection, &rated.run);
    println!();
    println!("dataset          {} ({})", inspection.name, rated.dataset.display());
    println!("domain           {}, {} classes", inspection.domain, inspection.output_dim);
    if let Some(rows) = &rated.skipped {
        println!("skipped inputs   {}", rows.len());
    }
    println!("validation       valid, {} warning(s)", rated.validation.warnings);
    print_rating(rated.score.as_ref(), budget);
    println!("run              {} on {}, budget {budget} s, {}", run.learner, run.device, run.ingestion);
    if let Some(board) = &run.leaderboard {
        print_leaderboard(board, out);
    }
    println!("report           {}", rated.report.display());
}

/// The rating lines of the one-screen summary: ALC and final NAUC with their bootstrap ± and
/// references, top-1 accuracy beside the challenge's accuracy, the verdict and the
/// small-test-set finding (the same words as the top of report.html).
fn print_rating(score: Option<&trainer::scoring::ScoreReport>, budget: f64) {
    let Some(s) = score else {
        println!("ALC              - (not scored)");
        println!("verdict          not rated: the run was not scored");
        return;
    };
    let (Some(r), Some(first), Some(last)) = (Rating::of(s), s.predictions.first(), s.predictions.last()) else {
        println!("ALC              - (no prediction)");
        println!("final NAUC       - (no prediction)");
        println!("first prediction none within the {budget} s budget");
        println!("verdict          not rated: no prediction within the budget");
        return;
    };
    println!("ALC              {} (chance 0; first model alone {:.4})", r.alc_text(), r.first_alc);
    println!(
        "final NAUC       {} (prediction {} at {:.1} s; chance 0; first model {:.4})",
        r.nauc_text(),
        last.index,
        last.time,
        r.first_nauc
    );
    if let (Some(top1), Some(acc)) = (last.top1_accuracy, last.accuracy) {
        println!("top-1 accuracy   {top1:.4} ({} {acc:.4})", trainer::report::CHALLENGE_ACCURACY);
    }
    println!("first prediction {:.1} s", first.time);
    println!("verdict          {}", r.verdict_line());
    if let Some(f) = &r.small_test_set {
        println!(
            "finding          test set too small: {} test rows, about {} needed for a stable rating (see report.html)",
            f.test_rows, f.needed_rows
        );
    }
    if let Some(d) = r.drivers_text() {
        println!("classes          {d}");
    }
}

/// The models behind the final prediction and the best few tried (issue 21).
fn print_leaderboard(board: &trainer::report::Leaderboard, out: &Path) {
    println!("final model      {}", board.final_models_text().unwrap_or_else(|| "none (no prediction recorded)".into()));
    println!("leaderboard      {}", out.join(trainer::deepwisdom::LEADERBOARD_CSV).display());
    print!("{}", board.terminal_table(8));
}
