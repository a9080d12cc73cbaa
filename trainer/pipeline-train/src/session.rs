//! What `train` and `rate` share: the device, one learner run under the ingestion loop
//! (SCORING.md §4) with the model bundle and leaderboard it leaves, the stop reason in words,
//! and the events both report through.

use std::path::Path;

use scoring::report::Leaderboard;
use scoring::ScoreReport;
use trainer::baselines::{ConstantBaseline, LinearBaseline, LinearConfig};
use trainer::data::DatasetSource;
use trainer::device::{DeviceChoice, DeviceRequest};
use trainer::ingestion::{run_ingestion, IngestionConfig, IngestionEvent, IngestionOutcome, StopReason};
use trainer::learner::Learner;

use pipeline::convert::Converted;
use pipeline::error::{Context, Error, Result};
use crate::leftovers;
use pipeline::options::{Device, LearnerOptions, Model};

/// Progress of a `train` or `rate` run, in the order it happens; the caller prints it.
#[derive(Debug)]
pub enum Event<'a> {
    /// Something the user should know that does not stop the run.
    Warning(&'a str),
    /// A line to show as it is ("header: …", "note: …").
    Note(&'a str),
    /// `rate`: step `step` of 5 begins (convert, validate, train, score, report).
    Phase { step: usize, what: &'a str },
    /// `rate`: the raw input was converted.
    Converted(&'a Converted),
    /// `rate`: the dataset is valid (it may hold warnings).
    Validated(&'a formats::validate::Report),
    /// `rate`: what the dataset holds.
    Inspected(&'a formats::inspect::Inspection),
    /// The device chosen; `fallback`: why `auto` did not use CUDA.
    Device { name: &'a str, fallback: Option<&'a str> },
    /// The learner is built; the clock starts next.
    Learner { name: &'a str, task: &'a str, test_rows: usize, output_dim: usize },
    /// A step of the ingestion loop; `latest_nauc`: the NAUC of the last recorded prediction
    /// when the run measures it (`rate`, with test labels).
    Ingestion { event: &'a IngestionEvent<'a>, latest_nauc: Option<f64> },
    /// The model behind prediction `index` was saved in `dir`.
    BundleSaved { index: usize, dir: &'a Path },
    /// The model behind the last prediction was not kept, so no bundle was saved.
    BundleMissing { index: usize },
    /// Every model tried and which made each prediction (written to `csv`).
    Leaderboard { board: &'a Leaderboard, csv: &'a Path },
    /// The run was scored into `dir`.
    Scored { report: &'a ScoreReport, dir: &'a Path },
    /// Scoring failed (the run is kept).
    ScoringFailed { predictions: &'a Path, error: &'a str },
}

/// Installs the SIGINT/SIGTERM handler and defers a first signal to the run for the guard's
/// lifetime (issue 21: an interrupted run scores what it has; issue 9: conversion cleans up).
pub fn catch_signals(on_event: &mut dyn FnMut(&Event<'_>)) -> Option<converters_common::interrupt::WritingGuard> {
    use converters_common::interrupt;
    match interrupt::install() {
        Ok(()) => Some(interrupt::defer()),
        Err(e) => {
            let text = format!("cannot handle SIGINT/SIGTERM ({e}); Ctrl-C ends the run without a report");
            on_event(&Event::Warning(&text));
            None
        }
    }
}

/// The device of `device`; also sets libtorch's CPU thread count.
pub fn select_device(device: Device) -> Result<DeviceChoice> {
    let request = match device {
        Device::Auto => DeviceRequest::Auto,
        Device::Cpu => DeviceRequest::Cpu,
        Device::Cuda => DeviceRequest::Cuda,
    };
    trainer::device::select_device(request).map_err(Error::trainer)
}

/// Why the ingestion loop ended, in a few words (progress lines, report.html).
pub fn stop_text(stop: StopReason) -> &'static str {
    match stop {
        StopReason::DoneTraining => "learner done",
        StopReason::NoPrediction => "learner returned no prediction",
        StopReason::BudgetSpent => "budget spent",
        StopReason::DeadlineCancelled => "stopped at the deadline",
        StopReason::LearnerAbandoned => "deadline reached; learner did not stop and was abandoned",
        StopReason::Failed => "learner failed",
        StopReason::Interrupted => "interrupted",
    }
}

/// Why a run ended without a prediction, in words, with what to do about it.
pub fn no_prediction_reason(outcome: &IngestionOutcome, budget: f64) -> String {
    if let Some(f) = &outcome.failure {
        return format!("the learner failed before its first prediction ({f})");
    }
    match outcome.stop {
        StopReason::NoPrediction => "the learner declined to predict (it returned no prediction)".into(),
        StopReason::DoneTraining => "the learner stopped before predicting".into(),
        _ => format!("the {budget} s budget ran out before the learner's first prediction; give a larger --time-budget"),
    }
}

/// One learner run: what to train on, where, and how.
pub(crate) struct LearnerRun<'a> {
    pub dataset: &'a Path,
    pub out: &'a Path,
    pub budget: f64,
    /// Which learner and its inputs (`device` is already chosen: the run takes a
    /// [`DeviceChoice`]).
    pub learner: LearnerOptions,
    /// Plain-words learner messages on stderr.
    pub learner_messages: bool,
    /// Measure the NAUC of each recorded prediction (needs the test labels).
    pub live_nauc: bool,
}

/// A finished learner run.
pub struct Trained {
    pub outcome: IngestionOutcome,
    pub learner: String,
    /// `--model auto` only.
    pub leaderboard: Option<Leaderboard>,
}

impl LearnerRun<'_> {
    /// Builds the learner (before the clock starts, spec §4 step 3), runs it under the budget,
    /// saves the model behind the last recorded prediction and the leaderboard.
    pub(crate) fn run(&self, device: &DeviceChoice, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<Trained> {
        let source = DatasetSource::open(self.dataset).with_context(|| format!("cannot open dataset {}", self.dataset.display()))?;
        let (test_rows, output_dim) = source.prediction_shape().map_err(Error::trainer)?;
        let task = source.name.clone();
        let config = IngestionConfig::new(&task, self.budget, self.out.join("predictions"), test_rows, output_dim)
            .map_err(Error::trainer)?
            .with_interrupt(leftovers::interrupted);
        let mut slot = None;
        let options = &self.learner;
        let learner: Box<dyn Learner> = match options.model {
            Model::Auto => {
                let config = trainer::deepwisdom::AutoConfig {
                    seed: options.seed,
                    device: device.device,
                    weights_dir: options.weights.clone(),
                    embeddings: options.embeddings.clone(),
                    verbose: self.learner_messages,
                    detail: options.verbose,
                    ..Default::default()
                };
                let (learner, s) = trainer::deepwisdom::auto_learner(source, config).map_err(Error::trainer)?;
                slot = Some(s);
                learner
            }
            Model::Constant => Box::new(ConstantBaseline::new(test_rows, output_dim)),
            Model::Linear => {
                let config = LinearConfig { seed: options.seed, device: device.device, ..LinearConfig::default() };
                Box::new(LinearBaseline::new(source, config).map_err(Error::trainer)?)
            }
        };
        let learner_name = learner.name().to_string();
        on_event(&Event::Learner { name: &learner_name, task: &task, test_rows, output_dim });

        // The live NAUC needs the test labels; without them progress shows times only.
        let solution = if self.live_nauc { scoring::files::read_solution(self.dataset).ok().map(|s| s.matrix) } else { None };
        let mut latest: Option<f64> = None;
        let outcome = run_ingestion(&config, learner, |event: &IngestionEvent<'_>| {
            if let (IngestionEvent::Recorded { prediction }, Some(sol)) = (event, &solution) {
                if let Ok(pred) = scoring::files::read_prediction(&prediction.path, sol.rows, sol.cols) {
                    latest = Some(scoring::nauc(sol, &pred).nauc);
                }
            }
            on_event(&Event::Ingestion { event, latest_nauc: latest });
        })
        .map_err(Error::trainer)?;
        let mut leaderboard = None;
        if let Some(slot) = &slot {
            self.save_bundle(slot, &outcome, on_event)?;
            let board = slot.write_leaderboard(self.out, outcome.predictions.len()).map_err(Error::trainer)?;
            on_event(&Event::Leaderboard { board: &board, csv: &self.out.join(trainer::deepwisdom::LEADERBOARD_CSV) });
            leaderboard = Some(board);
        }
        Ok(Trained { outcome, learner: learner_name, leaderboard })
    }

    /// The model behind the last recorded prediction goes to `out/model` (bundle.json +
    /// safetensors), with the conversion recipe that lets `predict --run` take raw inputs.
    fn save_bundle(&self, slot: &trainer::deepwisdom::BundleSlot, outcome: &IngestionOutcome, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<()> {
        let Some(last) = outcome.predictions.last() else { return Ok(()) };
        match slot.take(last.index) {
            Some(bundle) => {
                let dir = bundle.save(&self.out.join(trainer::bundle::BUNDLE_DIR)).map_err(Error::trainer)?;
                converters_common::recipe::copy_into_bundle(self.dataset, &dir)?;
                on_event(&Event::BundleSaved { index: last.index, dir: &dir });
            }
            None => on_event(&Event::BundleMissing { index: last.index }),
        }
        Ok(())
    }
}
