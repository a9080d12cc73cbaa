//! `autodl-format train`: the run (arguments in `autodl_format::cmd::train`).

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use autodl_format::cmd::train::{Args, ModelChoice, TRAIN_ENTRIES};
use trainer::baselines::{ConstantBaseline, LinearBaseline, LinearConfig};
use trainer::data::DatasetSource;
use trainer::ingestion::{exit_without_teardown, run_ingestion, IngestionConfig, IngestionEvent, Phase, StopReason};
use trainer::learner::Learner;

use crate::leftovers::{self, Leftovers};

pub fn run(args: Args) -> anyhow::Result<i32> {
    // A raw folder or file, or a run folder: say what it looks like and what to run instead (issue 21).
    if let Some(guidance) = autodl_format::detect::wrong_folder_guidance(&args.dataset) {
        anyhow::bail!("cannot train: {guidance}");
    }
    // Before any work: the output, then the device (the options were checked by the parser).
    let _signals = leftovers::catch_signals();
    prepare_out(&args)?;
    let device = crate::device(args.device)?;
    eprintln!("device: {}", device.describe());
    if let (true, Some(why)) = (args.verbose, &device.fallback_reason) {
        eprintln!("device: CUDA not used: {why}");
    }

    let source = DatasetSource::open(&args.dataset)
        .with_context(|| format!("cannot open dataset {}", args.dataset.display()))?;
    let (test_rows, output_dim) = source.prediction_shape()?;
    let task = source.name.clone();
    let predictions_dir = args.out.join("predictions");
    let scores_dir = args.out.join("scores");
    let config = IngestionConfig::new(&task, args.time_budget, &predictions_dir, test_rows, output_dim)?
        .with_interrupt(leftovers::interrupted);
    let mut debris = Leftovers::new(&args.out, args.out.exists(), TRAIN_ENTRIES, args.keep);

    // spec §4 step 3: the learner is built before the clock starts.
    let mut bundle_slot = None;
    let learner: Box<dyn Learner> = match args.model {
        ModelChoice::Auto => {
            let config = trainer::deepwisdom::AutoConfig {
                seed: args.seed,
                device: device.device,
                weights_dir: args.weights.clone(),
                embeddings: args.embeddings.clone(),
                verbose: true,
                detail: args.verbose,
                ..Default::default()
            };
            let (learner, slot) = trainer::deepwisdom::auto_learner(source.clone(), config)?;
            bundle_slot = Some(slot);
            learner
        }
        ModelChoice::Baseline0 => Box::new(ConstantBaseline::new(test_rows, output_dim)),
        ModelChoice::Baseline1 => Box::new(LinearBaseline::new(
            source.clone(),
            LinearConfig { seed: args.seed, device: device.device, ..LinearConfig::default() },
        )?),
    };
    eprintln!(
        "train: {} on {task} ({test_rows} test rows × {output_dim} classes), budget {} s",
        learner.name(),
        args.time_budget
    );

    let outcome = run_ingestion(&config, learner, report_progress)?;
    // The model behind the last recorded prediction goes to `--out/model` (bundle.json + safetensors).
    if let (Some(slot), Some(last)) = (&bundle_slot, outcome.predictions.last()) {
        match slot.take(last.index) {
            Some(bundle) => {
                let dir = bundle.save(&args.out.join(trainer::bundle::BUNDLE_DIR))?;
                // the conversion recipe lets `predict --run` take raw inputs
                converters_common::recipe::copy_into_bundle(&args.dataset, &dir)?;
                eprintln!("model bundle of prediction {} saved in {}", last.index, dir.display());
            }
            None => eprintln!("warning: the model of prediction {} was not kept; no bundle saved", last.index),
        }
    }
    // Every model tried, and which made each recorded prediction: leaderboard.csv and a table.
    if let Some(slot) = &bundle_slot {
        let board = slot.write_leaderboard(&args.out, outcome.predictions.len())?;
        println!("final model {}", board.final_models_text().unwrap_or_else(|| "none (no prediction recorded)".into()));
        print!("{}", board.terminal_table(8));
        println!("leaderboard {}", args.out.join(trainer::deepwisdom::LEADERBOARD_CSV).display());
    }

    let interrupted = if outcome.stop == StopReason::Interrupted { leftovers::signal() } else { None };
    if outcome.predictions.is_empty() && interrupted.is_none() {
        // Nothing to score: say why, exit 1 and leave nothing behind (issue 21).
        let why = match outcome.failure {
            Some(_) => "the learner failed before its first prediction (error above)".to_string(),
            None => no_prediction_reason(outcome.stop, args.time_budget),
        };
        eprintln!("error: no prediction was recorded: {why}; nothing to score");
        drop(debris);
        if outcome.abandoned {
            exit_without_teardown(1);
        }
        return Ok(1);
    }
    // A run with predictions (or an interrupted one) keeps them: they are its result.
    debris.disarm();
    let mut code = if outcome.success { 0 } else { 1 };
    if !args.no_score {
        code = score(&args, &predictions_dir, &scores_dir).unwrap_or(code);
    } else {
        eprintln!("predictions in {}", predictions_dir.display());
    }
    if let Some((signal_code, name)) = interrupted {
        eprintln!(
            "interrupted by {name}: {} prediction(s) made before it were kept{}",
            outcome.predictions.len(),
            if args.no_score { "" } else { " and scored" }
        );
        code = signal_code;
    }
    if outcome.abandoned {
        // Everything is written; the abandoned thread may still be inside libtorch.
        exit_without_teardown(code);
    }
    Ok(code)
}

/// Why a run ended without a prediction, in words, with what to do about it.
pub(crate) fn no_prediction_reason(stop: StopReason, budget: f64) -> String {
    match stop {
        StopReason::NoPrediction => "the learner declined to predict (it returned no prediction)".into(),
        StopReason::DoneTraining => "the learner stopped before predicting".into(),
        _ => format!("the {budget} s budget ran out before the learner's first prediction; give a larger --time-budget"),
    }
}

/// Refuses, before any work, an OUT that holds an earlier run unless `--force`, which removes
/// only that run's predictions/, scores/ and model/ folders.
fn prepare_out(args: &Args) -> anyhow::Result<()> {
    if args.out.exists() && !args.out.is_dir() {
        bail!("{}: exists and is not a folder; choose another --out", args.out.display());
    }
    let taken: Vec<&str> = TRAIN_ENTRIES
        .iter()
        .copied()
        .filter(|e| {
            let p = args.out.join(e);
            p.exists() && std::fs::read_dir(&p).map_or(true, |mut d| d.next().is_some())
        })
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    if !args.force {
        bail!(
            "{} already holds a run ({}/ not empty); give --force to replace it, or choose another --out",
            args.out.display(),
            taken.join("/, ")
        );
    }
    for name in taken {
        let path = args.out.join(name);
        if !path.is_dir() {
            bail!("{}: not a folder, so --force does not remove it; remove it yourself", path.display());
        }
        std::fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(())
}

/// Scores the run into `scores_dir`; `Some(2)` when scoring failed.
fn score(args: &Args, predictions_dir: &Path, scores_dir: &Path) -> Option<i32> {
    match trainer::scoring::score_run(&args.dataset, predictions_dir, scores_dir, &Default::default()) {
        Ok(report) => {
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            if let Some(last) = report.predictions.last() {
                eprintln!("score: last NAUC {:.4} at {:.1} s", last.nauc, last.time);
            }
            println!("ALC {:.4} ({} predictions) — {}", report.alc, report.predictions.len(), scores_dir.display());
        }
        Err(e) => {
            eprintln!("error: scoring {}: {e}", predictions_dir.display());
            return Some(2);
        }
    }
    None
}

fn report_progress(event: &IngestionEvent<'_>) {
    let clock = |elapsed: Duration, remaining: Duration| {
        format!("[{:7.1} s elapsed, {:7.1} s left]", elapsed.as_secs_f64(), remaining.as_secs_f64())
    };
    match event {
        IngestionEvent::Started { task, budget } => {
            eprintln!("ingestion: {task} started, budget {} s", budget.as_secs_f64())
        }
        IngestionEvent::Training { round, elapsed, remaining } => {
            eprintln!("{} train round {round}", clock(*elapsed, *remaining))
        }
        IngestionEvent::Predicting { round, elapsed, remaining } => {
            eprintln!("{} predict round {round}", clock(*elapsed, *remaining))
        }
        IngestionEvent::Recorded { prediction } => eprintln!(
            "  prediction {} recorded at {:.2} s",
            prediction.index, prediction.elapsed
        ),
        IngestionEvent::DeadlineReached { phase } => eprintln!(
            "  deadline reached while {}; cancelling the learner",
            if *phase == Phase::Train { "training" } else { "predicting" }
        ),
        IngestionEvent::LatePredictionDropped { elapsed } => eprintln!(
            "  prediction returned at {:.2} s, after the budget: not recorded",
            elapsed.as_secs_f64()
        ),
        IngestionEvent::Interrupted { elapsed } => eprintln!(
            "  interrupted at {:.1} s: stopping the learner (Ctrl-C again ends at once)",
            elapsed.as_secs_f64()
        ),
        IngestionEvent::Finished { outcome } => {
            let why = match outcome.stop {
                StopReason::DoneTraining => "learner done",
                StopReason::NoPrediction => "learner returned no prediction",
                StopReason::BudgetSpent => "budget spent",
                StopReason::DeadlineCancelled => "deadline reached",
                StopReason::LearnerAbandoned => "deadline reached; learner did not stop and was abandoned",
                StopReason::Failed => "learner failed",
                StopReason::Interrupted => "interrupted",
            };
            if outcome.predictions.is_empty() {
                eprintln!("ingestion: finished after {:.2} s ({why}) with no prediction", outcome.duration);
            } else {
                eprintln!(
                    "ingestion: finished after {:.2} s ({why}), {} predictions, ingestion_success: {}",
                    outcome.duration,
                    outcome.predictions.len(),
                    u8::from(outcome.success)
                );
            }
            if let Some(failure) = &outcome.failure {
                eprintln!("error: {failure}");
            }
        }
    }
}
