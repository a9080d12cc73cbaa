//! `autodl-format rate`: convert, validate, train, score, report (arguments in
//! `autodl_format::cmd::rate`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use autodl_format::cmd::args::{CommonArgs, Domain};
use autodl_format::cmd::convert;
use autodl_format::cmd::rate::{is_autodl_dataset, Args};
use formats::validate::{validate, ValidateOptions};
use trainer::ingestion::{run_ingestion, IngestionConfig, IngestionEvent, Phase, StopReason};
use trainer::report::{build_report, read_skipped_tsv, Rating, ReportInput, RunFacts};
use trainer::scoring::files::{read_prediction, read_solution};
use trainer::scoring::Matrix;

use crate::leftovers::{self, Leftovers};

/// Phase headers and budget progress on stderr, with a clock since the command started.
struct Progress {
    start: Instant,
    quiet: bool,
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
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let progress = Progress { start: Instant::now(), quiet: args.common.quiet };
    let started = unix_time_text();
    let input_name = args
        .input
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "input".to_string());
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from(format!("rate-{input_name}")));
    // Before any work: every option, the device, the output folder (issue 21).
    let _signals = leftovers::catch_signals();
    let converted = !is_autodl_dataset(&args.input);
    let out_existed = out.exists();
    let convert_args = convert::Args {
        input: args.input.clone(),
        out: out.join("dataset"),
        plan: None,
        shard: None,
        domain: args.domain,
        common: CommonArgs { force: true, ..args.common.clone() },
        image: args.image.clone(),
        tabular: args.tabular.clone(),
        text: args.text.clone(),
        video: args.video.clone(),
        audio: args.audio.clone(),
        unlabelled: Default::default(),
    };
    check_options(&args, &convert_args, converted)?;
    let device = crate::device(args.device)?;
    prepare_out(&out, &args.input, args.common.force)?;
    let mut debris = Leftovers::new(&out, out_existed, RATE_ENTRIES, args.keep);

    // 1. Conversion (raw input only).
    let dataset_dir = if converted {
        progress.phase(1, &format!("converting {} (raw input)", args.input.display()));
        let dataset_dir = convert_args.out.clone();
        let result = convert::run(convert_args);
        if let Some((code, name)) = leftovers::signal() {
            eprintln!("interrupted by {name} during the conversion; nothing was trained");
            return Ok(code);
        }
        let code = result.context("conversion failed; nothing was trained")?;
        if code != 0 {
            eprintln!("error: conversion of {} failed (exit {code}); nothing was trained", args.input.display());
            return Ok(2);
        }
        dataset_dir
    } else {
        progress.phase(1, &format!("{} is an AutoDL dataset: no conversion", args.input.display()));
        args.input.clone()
    };

    // 2. Validation: errors stop the run with the validator's report.
    progress.phase(2, "validating");
    let validation = validate(&dataset_dir, &ValidateOptions::default());
    if !validation.valid {
        for f in &validation.findings {
            eprintln!("{}", autodl_format::cmd::validate::finding_line(f));
        }
        eprintln!(
            "error: {} is not a valid AutoDL dataset ({} error(s), {} warning(s)); nothing was trained",
            dataset_dir.display(),
            validation.errors,
            validation.warnings
        );
        return Ok(1);
    }
    progress.note(&format!("valid: 0 errors, {} warning(s)", validation.warnings));
    if let Some((code, name)) = leftovers::signal() {
        eprintln!("interrupted by {name} before training; nothing was trained");
        return Ok(code);
    }
    let inspection = formats::inspect::inspect(&dataset_dir)
        .with_context(|| format!("inspecting {}", dataset_dir.display()))?;
    progress.note(&format!(
        "{}: {} dataset, {} classes, {}",
        inspection.name,
        inspection.domain,
        inspection.output_dim,
        inspection
            .subsets
            .iter()
            .map(|s| format!("{} {}", s.records, s.subset))
            .collect::<Vec<_>>()
            .join(", ")
    ));

    // 3. Training under the budget, with the NAUC of each recorded prediction.
    progress.phase(3, &format!("training the automatic model, budget {} s", args.time_budget));
    let run = train(&args, device, &dataset_dir, &out, &progress)?;

    // 4. Scoring.
    progress.phase(4, "scoring");
    let scores_dir = out.join("scores");
    let score = match trainer::scoring::score_run(&dataset_dir, &out.join("predictions"), &scores_dir, &Default::default()) {
        Ok(report) => {
            for w in &report.warnings {
                eprintln!("warning: {w}");
            }
            Some(report)
        }
        Err(e) => {
            eprintln!("error: scoring: {e}");
            None
        }
    };

    // 5. The report.
    progress.phase(5, "writing report.html");
    let skipped = if converted {
        let tsv = dataset_dir.join(format!("{}_skipped.tsv", inspection.name));
        Some(if tsv.is_file() { read_skipped_tsv(&tsv)? } else { Vec::new() })
    } else {
        None
    };
    let facts = RunFacts {
        input: args.input.clone(),
        converted,
        device: run.device.clone(),
        time_budget: args.time_budget,
        seed: args.common.seed,
        learner: run.learner.clone(),
        versions: vec![
            ("autodl-format".into(), env!("CARGO_PKG_VERSION").into()),
            ("tch (libtorch bindings)".into(), "0.24.0".into()),
        ],
        started,
        ingestion: run.ingestion.clone(),
        interrupted: run.interrupted.map(|(_, name, at)| {
            format!(
                "by {name} at {at:.1} s of the {} s budget; the {} prediction(s) made before it are scored below",
                args.time_budget, run.predictions
            )
        }),
        leaderboard: run.leaderboard.clone(),
    };
    let html = build_report(&ReportInput {
        dataset_dir: &dataset_dir,
        inspection: &inspection,
        validation: &validation,
        score: score.as_ref(),
        run: &facts,
        skipped: skipped.as_deref(),
    });
    let report_path = out.join("report.html");
    write_atomically(&report_path, html.as_bytes())?;
    // The report explains the run, whatever its outcome: the run's files stay with it.
    debris.disarm();

    // One-screen summary.
    println!();
    println!("dataset          {} ({})", inspection.name, dataset_dir.display());
    println!("domain           {}, {} classes", inspection.domain, inspection.output_dim);
    if let Some(rows) = &skipped {
        println!("skipped inputs   {}", rows.len());
    }
    println!("validation       valid, {} warning(s)", validation.warnings);
    print_rating(score.as_ref(), args.time_budget);
    println!("run              {} on {}, budget {} s, {}", run.learner, run.device, args.time_budget, run.ingestion);
    if let Some(board) = &run.leaderboard {
        print_leaderboard(board, &out);
    }
    println!("report           {}", report_path.display());
    let code = if let Some((code, name, _)) = run.interrupted {
        eprintln!("interrupted by {name}: the {} prediction(s) made before it are scored in the report", run.predictions);
        code
    } else if score.is_none() {
        2
    } else if run.predictions == 0 {
        eprintln!("error: not rated: no prediction was recorded: {}", run.no_prediction_reason);
        1
    } else if run.success {
        0
    } else {
        1
    };
    if run.abandoned {
        // The abandoned learner thread may still be inside libtorch: exit handlers would
        // destroy libtorch's globals under it (a crash after a complete run). Everything is
        // written (report renamed into place), so leave without running them.
        trainer::ingestion::exit_without_teardown(code);
    }
    Ok(code)
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

/// What the training phase tells the report.
struct TrainFacts {
    device: String,
    learner: String,
    ingestion: String,
    success: bool,
    /// Every model the learner tried and which made each recorded prediction.
    leaderboard: Option<trainer::report::Leaderboard>,
    /// The learner ignored the deadline (or the interrupt) and its thread was left running.
    abandoned: bool,
    /// Predictions recorded.
    predictions: usize,
    /// Why none was recorded, in words (read when `predictions` is 0).
    no_prediction_reason: String,
    /// (exit status, signal name, seconds into the run) of an interrupted run.
    interrupted: Option<(i32, &'static str, f64)>,
}

/// `train --model auto` without its scoring: the same steps (spec SCORING.md §4) with
/// progress that also shows the NAUC of each recorded prediction.
fn train(
    args: &Args,
    device: trainer::device::DeviceChoice,
    dataset_dir: &Path,
    out: &Path,
    progress: &Progress,
) -> anyhow::Result<TrainFacts> {
    progress.note(&format!("device: {}", device.describe()));
    if let (true, Some(why)) = (args.verbose, &device.fallback_reason) {
        progress.note(&format!("device: CUDA not used: {why}"));
    }
    let source = trainer::data::DatasetSource::open(dataset_dir)
        .with_context(|| format!("cannot open dataset {}", dataset_dir.display()))?;
    let (test_rows, output_dim) = source.prediction_shape()?;
    let task = source.name.clone();
    let predictions_dir = out.join("predictions");
    let config = IngestionConfig::new(&task, args.time_budget, &predictions_dir, test_rows, output_dim)?
        .with_interrupt(leftovers::interrupted);
    let auto = trainer::deepwisdom::AutoConfig {
        seed: args.common.seed,
        device: device.device,
        weights_dir: args.weights.clone(),
        verbose: !args.common.quiet,
        detail: args.verbose,
        ..Default::default()
    };
    let (learner, slot) = trainer::deepwisdom::auto_learner(source, auto)?;
    let learner_name = learner.name().to_string();
    let device_name = device.describe();
    progress.note(&format!("{learner_name} on {device_name}, {test_rows} test rows × {output_dim} classes"));

    // The live NAUC needs the test labels; without them progress shows times only.
    let solution: Option<Matrix> = read_solution(dataset_dir).ok().map(|s| s.matrix);
    let mut latest: Option<f64> = None;
    let mut interrupted_at = 0.0;
    let budget = args.time_budget;
    let outcome = run_ingestion(&config, learner, |event: &IngestionEvent<'_>| {
        let nauc_text = |latest: Option<f64>| latest.map_or("not yet measured".to_string(), |n| format!("{n:.4}"));
        match event {
            IngestionEvent::Training { round, elapsed, remaining } | IngestionEvent::Predicting { round, elapsed, remaining } => {
                let what = if matches!(event, IngestionEvent::Training { .. }) { "train" } else { "predict" };
                eprintln!(
                    "    [{:6.1} s of {budget} s, {:6.1} s left] {what} round {round}, latest NAUC {}",
                    elapsed.as_secs_f64(),
                    remaining.as_secs_f64(),
                    nauc_text(latest)
                );
            }
            IngestionEvent::Recorded { prediction } => {
                if let Some(sol) = &solution {
                    if let Ok(pred) = read_prediction(&prediction.path, sol.rows, sol.cols) {
                        latest = Some(trainer::scoring::nauc(sol, &pred).nauc);
                    }
                }
                eprintln!(
                    "    prediction {} recorded at {:.2} s: NAUC {}",
                    prediction.index,
                    prediction.elapsed,
                    nauc_text(latest)
                );
            }
            IngestionEvent::DeadlineReached { phase } => eprintln!(
                "    budget reached while {}; stopping the learner",
                if *phase == Phase::Train { "training" } else { "predicting" }
            ),
            IngestionEvent::LatePredictionDropped { elapsed } => {
                eprintln!("    prediction returned at {:.2} s, after the budget: not recorded", elapsed.as_secs_f64())
            }
            IngestionEvent::Interrupted { elapsed } => {
                interrupted_at = elapsed.as_secs_f64();
                eprintln!("    interrupted at {interrupted_at:.1} s: stopping the learner (Ctrl-C again ends at once)")
            }
            IngestionEvent::Started { .. } | IngestionEvent::Finished { .. } => {}
        }
    })?;
    if let Some(last) = outcome.predictions.last() {
        match slot.take(last.index) {
            Some(bundle) => {
                let dir = bundle.save(&out.join(trainer::bundle::BUNDLE_DIR))?;
                // the conversion recipe lets `predict --run` take raw inputs
                converters_common::recipe::copy_into_bundle(dataset_dir, &dir)?;
            }
            None => eprintln!("warning: the model of prediction {} was not kept; no bundle saved", last.index),
        }
    }
    let leaderboard = Some(slot.write_leaderboard(out, outcome.predictions.len())?);
    let why = match outcome.stop {
        StopReason::DoneTraining => "learner done",
        StopReason::NoPrediction => "learner returned no prediction",
        StopReason::BudgetSpent => "budget spent",
        StopReason::DeadlineCancelled => "stopped at the deadline",
        StopReason::LearnerAbandoned => "learner abandoned at the deadline",
        StopReason::Failed => "learner failed",
        StopReason::Interrupted => "interrupted",
    };
    let mut ingestion = if outcome.predictions.is_empty() {
        format!("no prediction in {:.1} s, {why}", outcome.duration)
    } else {
        // `why` already says a failure; the challenge's success flag stays in end.txt.
        format!("{} prediction(s) in {:.1} s, {why}", outcome.predictions.len(), outcome.duration)
    };
    if let Some(failure) = &outcome.failure {
        eprintln!("error: {failure}");
        ingestion.push_str(&format!(" ({failure})"));
    }
    Ok(TrainFacts {
        device: device_name,
        learner: learner_name,
        ingestion,
        success: outcome.success,
        leaderboard,
        abandoned: outcome.abandoned,
        predictions: outcome.predictions.len(),
        no_prediction_reason: match &outcome.failure {
            Some(f) => format!("the learner failed before its first prediction ({f})"),
            None => crate::train::no_prediction_reason(outcome.stop, args.time_budget),
        },
        interrupted: match (outcome.stop, leftovers::signal()) {
            (StopReason::Interrupted, Some((code, name))) => Some((code, name, interrupted_at)),
            _ => None,
        },
    })
}

/// Refuses an output folder that holds, is or lies inside the input, or that is taken by
/// anything but an earlier `rate` output (shared rule: [`converters_common::outdir`]).
fn prepare_out(out: &Path, input: &Path, force: bool) -> anyhow::Result<()> {
    let kind = converters_common::outdir::OutputKind::Entries(RATE_ENTRIES);
    converters_common::outdir::check_output(out, &[input], force, kind)?;
    if out.exists() && std::fs::read_dir(out).map_or(true, |mut d| d.next().is_some()) {
        std::fs::remove_dir_all(out).with_context(|| format!("removing {}", out.display()))?;
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    Ok(())
}

/// Every option that can be refused, checked before anything is created or converted: the
/// input, the weights folder, the domain of a raw input and every conversion option.
fn check_options(args: &Args, convert_args: &convert::Args, converted: bool) -> anyhow::Result<()> {
    if !args.input.exists() {
        bail!("{}: no such file or folder", args.input.display());
    }
    if let Some(w) = &args.weights {
        if !w.is_dir() {
            bail!("--weights {}: not a folder (it holds resnet18.safetensors)", w.display());
        }
    }
    if !converted {
        return Ok(());
    }
    let domain = match args.domain {
        Domain::Auto => autodl_format::detect::detect_domain(&args.input)?,
        d => d,
    };
    convert::check_options(convert_args, domain)
}

/// What `rate` writes in its output folder: what `--force` may replace.
const RATE_ENTRIES: &[&str] =
    &["dataset", "scores", "predictions", "report.html", trainer::bundle::BUNDLE_DIR, trainer::deepwisdom::LEADERBOARD_CSV];

/// Writes through a temporary file and a rename, so a half-written report never appears.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("html.tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

fn unix_time_text() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), UTC.
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_folder_rules() {
        let d = tempfile::tempdir().unwrap();
        let input = d.path().join("raw");
        std::fs::create_dir_all(&input).unwrap();
        let out = d.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("old"), "x").unwrap();
        assert!(prepare_out(&out, &input, false).unwrap_err().to_string().contains("--force"));
        // A folder rate did not write is kept even with --force.
        assert!(prepare_out(&out, &input, true).unwrap_err().to_string().contains("not one"));
        std::fs::remove_file(out.join("old")).unwrap();
        std::fs::create_dir_all(out.join("scores")).unwrap();
        std::fs::write(out.join("report.html"), "x").unwrap();
        prepare_out(&out, &input, true).unwrap();
        assert!(!out.join("report.html").exists());
        // An output folder around the input is never removed.
        assert!(prepare_out(d.path(), &input, true).unwrap_err().to_string().contains("contains the input"));
        assert!(input.exists());
    }

    #[test]
    fn civil_time_text_shape() {
        let t = unix_time_text();
        assert!(t.len() == 23 && t.ends_with(" UTC") && t.starts_with("20"), "{t}");
    }
}
