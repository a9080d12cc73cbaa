//! `rate`: the one-shot check of a dataset: a raw input is converted, the dataset validated
//! (errors stop the run), the automatic model trained under the budget and scored, and
//! everything explained in one `report.html`. Layout of the output folder: `dataset/` (raw
//! input only), `predictions/`, `scores/`, `model/`, `leaderboard.csv`, `report.html`.

use std::path::{Path, PathBuf};

use formats::inspect::Inspection;
use formats::validate::{validate, Report, ValidateOptions};
use scoring::report::quality::QualitySection;
use scoring::report::{build_report, read_skipped_tsv, Leaderboard, ReportInput, RunFacts, SkippedInput};
use scoring::ScoreReport;
use trainer::ingestion::{IngestionEvent, StopReason};

use pipeline::bail;
use pipeline::error::{Context, Result};
use crate::leftovers::{self, Leftovers};
use pipeline::options::{LearnerOptions, Model, RateOptions};
use crate::supervise::Killed;
use crate::session::{select_device, stop_text, Event, LearnerRun};

/// What `rate` writes in its output folder: what `force` may replace.
pub const RATE_ENTRIES: &[&str] =
    &["dataset", "scores", "predictions", "report.html", scoring::run_layout::BUNDLE_DIR, scoring::report::leaderboard::CSV_NAME];

/// How a `rate` run ended.
#[derive(Debug)]
pub enum RateEnd {
    /// The run reached its report (whatever the rating).
    Rated(Box<Rated>),
    /// A signal stopped the run before training (`stage`: "during the conversion", …).
    Interrupted { code: i32, signal: &'static str, stage: &'static str },
    /// The dataset is not valid: nothing was trained.
    Invalid { dataset: PathBuf, report: Report },
}

/// A run that reached its report.
#[derive(Debug)]
pub struct Rated {
    pub dataset: PathBuf,
    pub inspection: Inspection,
    pub validation: Report,
    /// Inputs the conversion skipped (raw input only).
    pub skipped: Option<Vec<SkippedInput>>,
    /// `None` when scoring failed.
    pub score: Option<ScoreReport>,
    pub run: TrainFacts,
    pub report: PathBuf,
}

/// What the training step tells the report and the summary.
#[derive(Debug, Clone)]
pub struct TrainFacts {
    pub device: String,
    pub learner: String,
    /// "N prediction(s) in S s, why" (with the failure, if any).
    pub ingestion: String,
    pub success: bool,
    pub leaderboard: Option<Leaderboard>,
    /// The learner ignored the deadline (or the interrupt) and its thread was left running.
    pub abandoned: bool,
    pub predictions: usize,
    /// Why none was recorded, in words (read when `predictions` is 0).
    pub no_prediction_reason: String,
    /// (exit status, signal name, seconds into the run) of an interrupted run.
    pub interrupted: Option<(i32, &'static str, f64)>,
}

impl Rated {
    /// The exit status: the signal's, 2 not scored, 1 no prediction or a failed learner, 0 rated.
    pub fn code(&self) -> i32 {
        match (&self.run.interrupted, &self.score) {
            (Some((code, _, _)), _) => *code,
            (None, None) => 2,
            _ if self.run.predictions == 0 || !self.run.success => 1,
            _ => 0,
        }
    }
}

/// Runs `options`: every option, the device and the output folder are checked before any work.
pub fn rate(options: &RateOptions, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<RateEnd> {
    let started = unix_time_text();
    let _signals = crate::session::catch_signals(on_event);
    let out = &options.out;
    let out_existed = out.exists();
    check_options(options)?;
    let device = select_device(options.learner.device)?;
    prepare_out(out, &options.input, options.force)?;
    let mut debris = Leftovers::new(out, out_existed, RATE_ENTRIES, options.keep);

    // 1. Conversion (raw input only).
    let mut kept_sources = None;
    let dataset_dir = match &options.conversion {
        Some(conversion) => {
            on_event(&Event::Phase { step: 1, what: &format!("converting {} (raw input)", options.input.display()) });
            let result = pipeline::convert::convert(&options.input, conversion);
            if let Some((code, signal)) = leftovers::signal() {
                return Ok(RateEnd::Interrupted { code, signal, stage: "during the conversion" });
            }
            let converted = result.context("conversion failed; nothing was trained")?;
            on_event(&Event::Converted(&converted));
            kept_sources = converted.sources;
            conversion.common.out.clone()
        }
        None => {
            on_event(&Event::Phase { step: 1, what: &format!("{} is an AutoDL dataset: no conversion", options.input.display()) });
            options.input.clone()
        }
    };

    // 2. Validation: errors stop the run with the validator's report.
    on_event(&Event::Phase { step: 2, what: "validating" });
    let validation = validate(&dataset_dir, &ValidateOptions::default());
    if !validation.valid {
        return Ok(RateEnd::Invalid { dataset: dataset_dir, report: validation });
    }
    on_event(&Event::Validated(&validation));
    if let Some((code, signal)) = leftovers::signal() {
        return Ok(RateEnd::Interrupted { code, signal, stage: "before training" });
    }
    let inspection = formats::inspect::inspect(&dataset_dir).with_context(|| format!("inspecting {}", dataset_dir.display()))?;
    on_event(&Event::Inspected(&inspection));

    // 3. Training under the budget, with the NAUC of each recorded prediction.
    on_event(&Event::Phase { step: 3, what: &format!("training the automatic model, budget {} s", options.time_budget) });
    let run = train(options, &device, &dataset_dir, on_event)?;

    let rated = score_and_report(options, Checked { dataset: dataset_dir, validation, inspection, sources: kept_sources }, run, &started, on_event)?;
    // The report explains the run, whatever its outcome: the run's files stay with it.
    debris.disarm();
    Ok(RateEnd::Rated(Box::new(rated)))
}

/// The dataset a run trains on, valid, with what it holds.
struct Checked {
    dataset: PathBuf,
    validation: Report,
    inspection: Inspection,
    /// The sources a per-file conversion kept (the audit names examples by them).
    sources: Option<pipeline::convert::RecordSources>,
}

/// Steps 4 and 5: scores the run in `options.out` and writes report.html.
fn score_and_report(options: &RateOptions, checked: Checked, run: TrainFacts, started: &str, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<Rated> {
    let Checked { dataset: dataset_dir, validation, inspection, sources } = checked;
    let out = &options.out;
    // 4. Scoring.
    on_event(&Event::Phase { step: 4, what: "scoring" });
    let scores_dir = out.join("scores");
    let predictions_dir = out.join("predictions");
    let score = match scoring::score_run(&dataset_dir, &predictions_dir, &scores_dir, &Default::default()) {
        Ok(report) => {
            for w in &report.warnings {
                on_event(&Event::Warning(w));
            }
            Some(report)
        }
        Err(e) => {
            on_event(&Event::ScoringFailed { predictions: &predictions_dir, error: &e.to_string() });
            None
        }
    };

    // 5. The report.
    on_event(&Event::Phase { step: 5, what: "auditing the data, writing report.html" });
    let skipped = match &options.conversion {
        Some(_) => {
            let tsv = dataset_dir.join(format!("{}_skipped.tsv", inspection.name));
            Some(if tsv.is_file() { read_skipped_tsv(&tsv)? } else { Vec::new() })
        }
        None => None,
    };
    let quality = data_quality(&dataset_dir, options, sources.as_ref(), on_event);
    let facts = RunFacts {
        input: options.input.clone(),
        converted: options.conversion.is_some(),
        device: run.device.clone(),
        time_budget: options.time_budget,
        seed: options.learner.seed,
        learner: run.learner.clone(),
        versions: vec![
            ("autodl-format".into(), env!("CARGO_PKG_VERSION").into()),
            ("tch (libtorch bindings)".into(), "0.24.0".into()),
        ],
        started: started.to_string(),
        ingestion: run.ingestion.clone(),
        interrupted: run.interrupted.map(|(_, name, at)| {
            format!(
                "by {name} at {at:.1} s of the {} s budget; the {} prediction(s) made before it are scored below",
                options.time_budget, run.predictions
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
        quality: Some(&quality),
    });
    let report = out.join("report.html");
    formats::atomic::write_bytes(&report, html.as_bytes()).map_err(formats::Error::from)?;
    Ok(Rated { dataset: dataset_dir, inspection, validation, skipped, score, run, report })
}

/// The report's Data quality section: `audit` of the dataset the run trained on (issue 17); for
/// raw input every example it names carries its input file or row. An audit that cannot run
/// leaves a note in the section; it never fails the rating.
fn data_quality(dataset: &Path, options: &RateOptions, kept: Option<&pipeline::convert::RecordSources>, on_event: &mut dyn FnMut(&Event<'_>)) -> QualitySection {
    match audit::audit_dataset(dataset, &audit::AuditOptions::default()) {
        Ok(mut report) => {
            if let Some(conversion) = &options.conversion {
                match pipeline::convert::record_sources(&options.input, conversion, kept) {
                    Ok(s) => report.name_sources(options.input.clone(), s.as_ref().map(|s| (s.test.as_slice(), s.train.as_slice()))),
                    Err(e) => on_event(&Event::Warning(&format!("the audit names no input files: {e}"))),
                }
            }
            let examples: usize = report.findings.iter().map(|f| f.examples.len()).sum();
            let line = match report.findings.len() {
                0 => "audit: nothing to fix found (the report's Data quality section)".to_string(),
                n => format!("audit: {n} finding(s) over {examples} example(s); see the report's Data quality section"),
            };
            on_event(&Event::Note(&line));
            audit::section::quality_section(&report, dataset)
        }
        Err(e) => {
            let why = format!("the audit could not run: {e}");
            on_event(&Event::Warning(&why));
            QualitySection { notes: vec![why], ..Default::default() }
        }
    }
}

/// Completes a run whose training process was killed at its hard stop
/// ([`crate::supervise`]): the dataset is checked again, the predictions it wrote are scored
/// and report.html says what happened.
pub fn rate_killed(options: &RateOptions, killed: &Killed, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<Rated> {
    let started = unix_time_text();
    let dataset = match &options.conversion {
        Some(c) => c.common.out.clone(),
        None => options.input.clone(),
    };
    let validation = validate(&dataset, &ValidateOptions::default());
    let inspection = formats::inspect::inspect(&dataset).with_context(|| format!("inspecting {}", dataset.display()))?;
    let what = if killed.interrupted { "interrupted; the learner did not stop" } else { "deadline reached; the learner did not stop" };
    let run = TrainFacts {
        device: "-".into(),
        learner: "automatic model".into(),
        ingestion: format!("{} prediction(s) in {:.1} s, {what} and its process was killed", killed.predictions, killed.after),
        success: killed.predictions > 0,
        leaderboard: None,
        abandoned: false,
        predictions: killed.predictions,
        no_prediction_reason: format!("the learner did not stop by the end of the {} s budget and was killed", options.time_budget),
        interrupted: leftovers::signal().map(|(code, name)| (code, name, killed.after)),
    };
    let checked = Checked { dataset, validation, inspection, sources: None };
    score_and_report(options, checked, run, &started, on_event)
}

/// `train --model auto` without its scoring, measuring the NAUC of each recorded prediction.
fn train(options: &RateOptions, device: &trainer::device::DeviceChoice, dataset: &Path, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<TrainFacts> {
    let device_name = device.describe();
    on_event(&Event::Device { name: &device_name, fallback: device.fallback_reason.as_deref() });
    let run = LearnerRun {
        dataset,
        out: &options.out,
        budget: options.time_budget,
        learner: LearnerOptions { model: Model::Auto, ..options.learner.clone() },
        learner_messages: !options.quiet,
        live_nauc: true,
    };
    let mut interrupted_at = 0.0;
    let trained = run.run(device, &mut |event: &Event<'_>| {
        if let Event::Ingestion { event: IngestionEvent::Interrupted { elapsed }, .. } = event {
            interrupted_at = elapsed.as_secs_f64();
        }
        on_event(event)
    })?;
    let outcome = &trained.outcome;
    let why = stop_text(outcome.stop);
    let mut ingestion = if outcome.predictions.is_empty() {
        format!("no prediction in {:.1} s, {why}", outcome.duration)
    } else {
        // `why` already says a failure; the challenge's success flag stays in end.txt.
        format!("{} prediction(s) in {:.1} s, {why}", outcome.predictions.len(), outcome.duration)
    };
    if let Some(failure) = &outcome.failure {
        ingestion.push_str(&format!(" ({failure})"));
    }
    Ok(TrainFacts {
        device: device_name,
        learner: trained.learner.clone(),
        ingestion,
        success: outcome.success,
        leaderboard: trained.leaderboard.clone(),
        abandoned: outcome.abandoned,
        predictions: outcome.predictions.len(),
        no_prediction_reason: crate::session::no_prediction_reason(outcome, options.time_budget),
        interrupted: match (outcome.stop, leftovers::signal()) {
            (StopReason::Interrupted, Some((code, name))) => Some((code, name, interrupted_at)),
            _ => None,
        },
    })
}

/// Refuses an output folder that holds, is or lies inside the input, or that is taken by
/// anything but an earlier `rate` output (shared rule: [`converters_common::outdir`]).
fn prepare_out(out: &Path, input: &Path, force: bool) -> Result<()> {
    let kind = converters_common::outdir::OutputKind::Entries(RATE_ENTRIES);
    converters_common::outdir::check_output(out, &[input], force, kind)?;
    if out.exists() && std::fs::read_dir(out).map_or(true, |mut d| d.next().is_some()) {
        std::fs::remove_dir_all(out).with_context(|| format!("removing {}", out.display()))?;
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    Ok(())
}

/// Every option that can be refused, checked before anything is created or converted: the
/// input, the weights folder and the conversion options of a raw input.
fn check_options(options: &RateOptions) -> Result<()> {
    if !options.input.exists() {
        bail!("{}: no such file or folder", options.input.display());
    }
    if let Some(w) = &options.learner.weights {
        if !w.is_dir() {
            bail!("--weights {}: not a folder (it holds resnet18.safetensors)", w.display());
        }
    }
    if let Some(conversion) = &options.conversion {
        let domain = pipeline::convert::resolve_domain(&options.input, conversion.domain)?;
        pipeline::convert::check_options(conversion, domain)?;
    }
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
