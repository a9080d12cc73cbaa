//! `autodl-format train`: the run (arguments in `autodl_format::cmd::train`).

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use autodl_format::cmd::train::{Args, ModelChoice};
use trainer::baselines::{ConstantBaseline, LinearBaseline, LinearConfig};
use trainer::data::DatasetSource;
use trainer::ingestion::{exit_without_teardown, run_ingestion, IngestionConfig, IngestionEvent, Phase, StopReason};
use trainer::learner::Learner;

pub fn run(args: Args) -> anyhow::Result<i32> {
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
    let config = IngestionConfig::new(&task, args.time_budget, &predictions_dir, test_rows, output_dim)?;

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

    let mut code = if outcome.success { 0 } else { 1 };
    if !args.no_score {
        code = score(&args, &predictions_dir, &scores_dir).unwrap_or(code);
    } else {
        eprintln!("predictions in {}", predictions_dir.display());
    }
    if outcome.stop == StopReason::LearnerAbandoned {
        // Everything is written; the abandoned thread may still be inside libtorch.
        exit_without_teardown(code);
    }
    Ok(code)
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
            eprintln!("ingestion: {task} started, budget {:.1} s", budget.as_secs_f64())
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
        IngestionEvent::Finished { outcome } => {
            let why = match outcome.stop {
                StopReason::DoneTraining => "learner done",
                StopReason::NoPrediction => "learner returned no prediction",
                StopReason::BudgetSpent => "budget spent",
                StopReason::DeadlineCancelled => "deadline reached",
                StopReason::LearnerAbandoned => "deadline reached; learner did not stop and was abandoned",
                StopReason::Failed => "learner failed",
            };
            eprintln!(
                "ingestion: finished after {:.2} s ({why}), {} predictions, ingestion_success: {}",
                outcome.duration,
                outcome.predictions.len(),
                u8::from(outcome.success)
            );
            if let Some(failure) = &outcome.failure {
                eprintln!("error: {failure}");
            }
        }
    }
}
