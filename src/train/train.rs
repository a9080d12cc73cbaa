//! `autodl-format train`: prints the run of [`pipeline::train`] (arguments in
//! `autodl_format::cmd::train`).

use std::time::Duration;

use autodl_format::cmd::train::Args;
use pipeline::options::TrainOptions;
use pipeline_train::leftovers::Leftovers;
use pipeline_train::session::{catch_signals, stop_text, Event};
use pipeline_train::supervise::{supervise_run, Supervised};
use pipeline_train::train::{train_killed, TrainRun, TRAIN_ENTRIES};
use trainer::ingestion::{exit_without_teardown, IngestionEvent, Phase};

/// The run in a child process that is killed if its ingestion outlives the budget and the
/// grace (`pipeline_train::supervise`); a killed run is scored here.
pub fn supervised(args: Args) -> anyhow::Result<i32> {
    let options = TrainOptions::from(&args);
    let _signals = catch_signals(&mut |event| print_event(event, &options));
    let mut debris = Leftovers::new(&options.out, options.out.exists(), TRAIN_ENTRIES, options.keep);
    match supervise_run(&options.out, options.time_budget)? {
        Supervised::Exited(code) => {
            // the child kept or removed its own output
            debris.disarm();
            Ok(code)
        }
        Supervised::Killed(killed) => {
            eprintln!("  {}", killed.describe());
            let run = train_killed(&options, &killed, debris, &mut |event| print_event(event, &options));
            Ok(finish(&run, &options))
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let options = TrainOptions::from(&args);
    let run = pipeline_train::train::train(&options, &mut |event| print_event(event, &options))?;
    let code = finish(&run, &options);
    if run.abandoned {
        // Everything is written; the abandoned thread may still be inside libtorch.
        exit_without_teardown(code);
    }
    Ok(code)
}

/// The closing lines of a run; its exit status.
fn finish(run: &TrainRun, options: &TrainOptions) -> i32 {
    if let Some(why) = &run.no_prediction {
        eprintln!("error: no prediction was recorded: {why}; nothing to score");
    } else if !options.score {
        eprintln!("predictions in {}", options.out.join("predictions").display());
    }
    if let Some(name) = run.interrupted {
        eprintln!(
            "interrupted by {name}: {} prediction(s) made before it were kept{}",
            run.predictions,
            if options.score { " and scored" } else { "" }
        );
    }
    run.code
}

fn print_event(event: &Event<'_>, options: &TrainOptions) {
    match event {
        Event::Warning(w) => eprintln!("warning: {w}"),
        Event::Note(n) => eprintln!("{n}"),
        Event::Device { name, fallback } => {
            eprintln!("device: {name}");
            if let (true, Some(why)) = (options.learner.verbose, fallback) {
                eprintln!("device: CUDA not used: {why}");
            }
        }
        Event::Learner { name, task, test_rows, output_dim } => {
            eprintln!("train: {name} on {task} ({test_rows} test rows × {output_dim} classes), budget {} s", options.time_budget)
        }
        Event::Ingestion { event, .. } => print_ingestion(event),
        Event::BundleSaved { index, dir } => eprintln!("model bundle of prediction {index} saved in {}", dir.display()),
        Event::BundleMissing { index } => eprintln!("warning: the model of prediction {index} was not kept; no bundle saved"),
        Event::Leaderboard { board, csv } => {
            println!("final model {}", board.final_models_text().unwrap_or_else(|| "none (no prediction recorded)".into()));
            print!("{}", board.terminal_table(8));
            println!("leaderboard {}", csv.display());
        }
        Event::Scored { report, dir } => {
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            if let Some(last) = report.predictions.last() {
                eprintln!("score: last NAUC {:.4} at {:.1} s", last.nauc, last.time);
            }
            println!("ALC {:.4} ({} predictions) — {}", report.alc, report.predictions.len(), dir.display());
        }
        Event::ScoringFailed { predictions, error } => eprintln!("error: scoring {}: {error}", predictions.display()),
        Event::Phase { .. } | Event::Converted(_) | Event::Validated(_) | Event::Inspected(_) => {}
    }
}

fn print_ingestion(event: &IngestionEvent<'_>) {
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
            let why = stop_text(outcome.stop);
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
