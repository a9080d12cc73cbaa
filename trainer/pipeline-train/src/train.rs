//! `train`: a learner on a dataset under the AutoDL ingestion protocol (SCORING.md §4), then
//! the run scored (§1–3, §6). Writes `out/predictions/`, `out/scores/` and, with
//! [`Model::Auto`], `out/model/` and `out/leaderboard.csv`.

use std::path::Path;

use trainer::ingestion::StopReason;

use pipeline::bail;
use pipeline::error::{Context, Result};
use crate::leftovers::{self, Leftovers};
use pipeline::options::TrainOptions;
use crate::supervise::Killed;
use crate::session::{select_device, Event, LearnerRun};

/// What `train` writes in its output folder: what `force` replaces (nothing else in it is touched).
pub const TRAIN_ENTRIES: &[&str] = &["predictions", "scores", scoring::run_layout::BUNDLE_DIR];

/// How a `train` run ended.
#[derive(Debug)]
pub struct TrainRun {
    /// The exit status: 0 success, 1 the learner failed or predicted nothing, 2 scoring
    /// failed, or the interrupting signal's status.
    pub code: i32,
    pub predictions: usize,
    /// Why no prediction was recorded (`predictions` is 0 and the run was not interrupted).
    pub no_prediction: Option<String>,
    /// The signal that interrupted the run (its name).
    pub interrupted: Option<&'static str>,
    /// The learner's thread was left running: the process must end without tearing down
    /// libtorch (`trainer::ingestion::exit_without_teardown`).
    pub abandoned: bool,
}

/// Runs `options` (after checking, before any work, the dataset and the output folder).
pub fn train(options: &TrainOptions, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<TrainRun> {
    // A raw folder or file, or a run folder: say what it looks like and what to run instead (issue 21).
    if let Some(guidance) = pipeline::detect::wrong_folder_guidance(&options.dataset) {
        bail!("cannot train: {guidance}");
    }
    let _signals = crate::session::catch_signals(on_event);
    prepare_out(options)?;
    let device = select_device(options.learner.device)?;
    on_event(&Event::Device { name: &device.describe(), fallback: device.fallback_reason.as_deref() });
    let mut debris = Leftovers::new(&options.out, options.out.exists(), TRAIN_ENTRIES, options.keep);
    let run = LearnerRun {
        dataset: &options.dataset,
        out: &options.out,
        budget: options.time_budget,
        learner: options.learner.clone(),
        learner_messages: true,
        live_nauc: false,
    };
    let trained = run.run(&device, on_event)?;
    let outcome = &trained.outcome;
    let interrupted = if outcome.stop == StopReason::Interrupted { leftovers::signal() } else { None };
    let mut result = TrainRun {
        code: 1,
        predictions: outcome.predictions.len(),
        no_prediction: None,
        interrupted: interrupted.map(|(_, name)| name),
        abandoned: outcome.abandoned,
    };
    if outcome.predictions.is_empty() && interrupted.is_none() {
        // Nothing to score: exit 1 and leave nothing behind (issue 21).
        result.no_prediction = Some(crate::session::no_prediction_reason(outcome, options.time_budget));
        return Ok(result);
    }
    // A run with predictions (or an interrupted one) keeps them: they are its result.
    debris.disarm();
    result.code = if outcome.success { 0 } else { 1 };
    if options.score {
        if let Some(code) = score(&options.dataset, &options.out, on_event) {
            result.code = code;
        }
    }
    if let Some((signal_code, _)) = interrupted {
        result.code = signal_code;
    }
    Ok(result)
}

/// Completes a run whose training process was killed at its hard stop ([`crate::supervise`]):
/// the predictions it wrote are scored (unless `score` is off); without any, nothing is kept
/// of what the run created (`debris`, made before the process started).
pub fn train_killed(options: &TrainOptions, killed: &Killed, debris: Leftovers, on_event: &mut dyn FnMut(&Event<'_>)) -> TrainRun {
    let interrupted = leftovers::signal();
    let mut result = TrainRun {
        code: 0,
        predictions: killed.predictions,
        no_prediction: None,
        interrupted: interrupted.map(|(_, name)| name),
        abandoned: false,
    };
    if killed.predictions == 0 && interrupted.is_none() {
        result.code = 1;
        result.no_prediction = Some(format!(
            "the learner did not stop by the end of the {} s budget and was killed before its first prediction",
            options.time_budget
        ));
        drop(debris);
        return result;
    }
    let mut debris = debris;
    debris.disarm();
    if options.score {
        if let Some(code) = score(&options.dataset, &options.out, on_event) {
            result.code = code;
        }
    }
    if let Some((signal_code, _)) = interrupted {
        result.code = signal_code;
    }
    result
}

/// Scores the run in `out` into `out/scores`; `Some(2)` when scoring failed.
fn score(dataset: &Path, out: &Path, on_event: &mut dyn FnMut(&Event<'_>)) -> Option<i32> {
    let (predictions, scores) = (out.join("predictions"), out.join("scores"));
    match scoring::score_run(dataset, &predictions, &scores, &Default::default()) {
        Ok(report) => {
            on_event(&Event::Scored { report: &report, dir: &scores });
            None
        }
        Err(e) => {
            on_event(&Event::ScoringFailed { predictions: &predictions, error: &e.to_string() });
            Some(2)
        }
    }
}

/// Refuses, before any work, an output folder that holds an earlier run unless `force`, which
/// removes only that run's predictions/, scores/ and model/ folders.
fn prepare_out(options: &TrainOptions) -> Result<()> {
    let out = &options.out;
    if out.exists() && !out.is_dir() {
        bail!("{}: exists and is not a folder; choose another --out", out.display());
    }
    let taken: Vec<&str> = TRAIN_ENTRIES
        .iter()
        .copied()
        .filter(|e| {
            let p = out.join(e);
            p.exists() && std::fs::read_dir(&p).map_or(true, |mut d| d.next().is_some())
        })
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    if !options.force {
        bail!(
            "{} already holds a run ({}/ not empty); give --force to replace it, or choose another --out",
            out.display(),
            taken.join("/, ")
        );
    }
    for name in taken {
        let path = out.join(name);
        if !path.is_dir() {
            bail!("{}: not a folder, so --force does not remove it; remove it yourself", path.display());
        }
        std::fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::options::{Device, LearnerOptions, Model};

    #[test]
    fn an_earlier_run_is_replaced_only_with_force() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("run");
        std::fs::create_dir_all(out.join("predictions")).unwrap();
        std::fs::write(out.join("predictions/start.txt"), "x").unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let mut options = TrainOptions {
            dataset: d.path().join("ds"),
            out: out.clone(),
            time_budget: 1.0,
            force: false,
            keep: false,
            learner: LearnerOptions { model: Model::Constant, device: Device::Cpu, seed: 1, ..LearnerOptions::default() },
            score: true,
        };
        assert!(prepare_out(&options).unwrap_err().to_string().contains("--force"));
        options.force = true;
        prepare_out(&options).unwrap();
        assert!(!out.join("predictions").exists() && out.join("notes.txt").is_file());
    }
}
