//! Scoring one ingestion run: every prediction against the solution, the ALC and the
//! bootstrap error bars, then the score folder.

use std::path::{Path, PathBuf};

use crate::alc::{alc, AlcVariant, CurvePoint, DEFAULT_TIME_BUDGET};
use crate::decisions;
use crate::error::{Error, Result};
use crate::files;
use crate::matrix::Matrix;
use crate::nauc::{accuracy, is_multiclass, nauc};
use crate::rng::SplitMix64;
use crate::score::{PredictionScore, ScoreOptions, ScoreReport, Spread};
use crate::score_dir::write_score_dir;

/// Scores a finished (or killed) ingestion run and writes `scores.txt`,
/// `learning-curve-<task>.png` / `.svg` and `detailed_results.html` into `out_dir`.
///
/// * `dataset_dir`: the folder holding the single `<task>.solution` (or its `<task>.data`);
/// * `predictions_dir`: the ingestion output (`start.txt`, `<task>.predict_<k>`, `end.txt`);
/// * `out_dir`: created or replaced as a whole (written to a temporary sibling, then renamed);
///   an existing folder is replaced only if it holds nothing but scorer outputs.
///
/// Errors name the file at fault: a missing or malformed prediction, a bad `start.txt`, no
/// solution. The inputs are never modified.
pub fn score_run(
    dataset_dir: &Path,
    predictions_dir: &Path,
    out_dir: &Path,
    opts: &ScoreOptions,
) -> Result<ScoreReport> {
    let solution = files::read_solution(dataset_dir)?;
    let task = solution.task.clone();
    let start = files::read_start(predictions_dir)?;
    let ingestion = files::read_end(predictions_dir)?;
    let mut warnings = Vec::new();

    if let Some(name) = start.task_name.as_deref() {
        if name != task {
            warnings.push(format!(
                "start.txt names task {name:?} but the solution is {:?}; scoring {task}.predict_<k>",
                solution.path.display()
            ));
        }
    }
    if start.time_budget_defaulted {
        warnings.push(format!("start.txt has no time_budget; using the default {DEFAULT_TIME_BUDGET} s"));
    }
    match &ingestion {
        None => warnings.push("no end.txt: ingestion did not finish normally (killed or still running)".into()),
        Some(end) if !end.ingestion_success => {
            warnings.push("end.txt reports ingestion_success: 0; predictions made so far are scored".into())
        }
        Some(_) => {}
    }

    let class_names = match files::class_names(&solution.path, &task, solution.matrix.cols) {
        Ok(names) => names,
        Err(why) => {
            warnings.push(why);
            vec![None; solution.matrix.cols]
        }
    };
    let paths = prediction_files(predictions_dir, &task, &start, ingestion.is_some(), &mut warnings)?;
    let multiclass = is_multiclass(&solution.matrix);
    let relative = start.relative_timestamps();
    let (rows, cols) = (solution.matrix.rows, solution.matrix.cols);
    let mut predictions = Vec::with_capacity(paths.len());
    for (k, path) in paths.iter().enumerate() {
        let prediction = files::read_prediction(path, rows, cols)?;
        let score = nauc(&solution.matrix, &prediction);
        if score.no_valid_column() {
            warnings.push(format!(
                "{}: no class has both positive and negative test rows, so no AUC can be computed; NAUC set to 0",
                path.display()
            ));
        }
        predictions.push(PredictionScore {
            index: k,
            path: path.clone(),
            time: relative[k],
            nauc: score.nauc,
            accuracy: multiclass.then(|| accuracy(&solution.matrix, &prediction)),
            top1_accuracy: multiclass.then(|| decisions::top1_accuracy(&solution.matrix, &prediction)),
            class_counts: decisions::class_counts(&solution.matrix, &prediction, multiclass),
            per_class_auc: score.per_class_auc,
            after_budget: relative[k] > start.time_budget,
        });
    }
    let late = predictions.iter().filter(|p| p.after_budget).count();
    if late > 0 {
        warnings.push(format!(
            "{late} prediction(s) made after the time budget of {} s; dropped from the curve{}",
            start.time_budget,
            if opts.alc_variant == AlcVariant::ReferenceUnclipped {
                " (kept in the unclipped score)"
            } else {
                ""
            }
        ));
    }

    let curve: Vec<CurvePoint> =
        predictions.iter().map(|p| CurvePoint { time: p.time, score: p.nauc }).collect();
    let alc_value = alc(&curve, start.time_budget, opts.alc_variant);
    let alc_clipped = alc(&curve, start.time_budget, AlcVariant::ClipAtBudget);
    let error_bars = opts
        .error_bars
        .then(|| error_bars(&solution.matrix, &paths, &curve, start.time_budget, opts))
        .transpose()?;

    let report = ScoreReport {
        task,
        time_budget: start.time_budget,
        alc: alc_value,
        alc_clipped,
        duration: predictions.last().map_or(0.0, |p| p.time),
        multiclass,
        test_rows: rows,
        class_names,
        predictions,
        ingestion,
        error_bars,
        warnings,
        out_dir: out_dir.to_path_buf(),
    };
    write_score_dir(&report, out_dir)?;
    Ok(report)
}

/// The prediction files to score, in order, checked against the timestamps of `start.txt`.
fn prediction_files(
    predictions_dir: &Path,
    task: &str,
    start: &files::StartRecord,
    ended: bool,
    warnings: &mut Vec<String>,
) -> Result<Vec<PathBuf>> {
    let present = files::prediction_indices(predictions_dir, task)?;
    let stamped = start.timestamps.len();
    if let Some(&k) = present.iter().find(|&&k| k >= stamped) {
        return Err(Error::PredictionFile {
            path: files::prediction_path(predictions_dir, task, k),
            line: None,
            message: format!("no timestamp `{k}:` for it in start.txt ({stamped} recorded)"),
        });
    }
    let mut paths = Vec::with_capacity(stamped);
    for k in 0..stamped {
        let path = files::prediction_path(predictions_dir, task, k);
        if present.binary_search(&k).is_err() {
            // ingestion stamps start.txt just before writing the file (spec §1.3), so a run
            // killed in between leaves one last stamp without file; anything else is an error
            if k + 1 == stamped && !ended {
                warnings.push(format!(
                    "{}: missing but stamped in start.txt; ingestion was stopped while writing it, ignored",
                    path.display()
                ));
                break;
            }
            return Err(Error::PredictionFile {
                path,
                line: None,
                message: format!("missing: start.txt records prediction {k} but the file does not exist"),
            });
        }
        paths.push(path);
    }
    Ok(paths)
}

/// Bootstrap error bars of spec §1.5: 10 row-resamples of the last prediction's NAUC, and 5
/// curves each using one row-resample for every prediction.
fn error_bars(
    solution: &Matrix,
    paths: &[PathBuf],
    curve: &[CurvePoint],
    time_budget: f64,
    opts: &ScoreOptions,
) -> Result<(Spread, Spread)> {
    let Some(last) = paths.last() else {
        return Ok((Spread::UNAVAILABLE, Spread::UNAVAILABLE));
    };
    let (rows, cols) = (solution.rows, solution.cols);
    let mut rng = SplitMix64(opts.seed);
    let last_prediction = files::read_prediction(last, rows, cols)?;
    let nauc_samples: Vec<f64> = (0..10)
        .map(|_| {
            let idx = rng.indices(rows);
            nauc(&solution.select_rows(&idx), &last_prediction.select_rows(&idx)).nauc
        })
        .collect();
    let resamples: Vec<Vec<usize>> = (0..5).map(|_| rng.indices(rows)).collect();
    let resampled_solutions: Vec<Matrix> = resamples.iter().map(|idx| solution.select_rows(idx)).collect();
    let mut curves = vec![Vec::with_capacity(paths.len()); resamples.len()];
    // one prediction in memory at a time: runs can hold many large prediction files
    for (k, path) in paths.iter().enumerate() {
        let prediction = files::read_prediction(path, rows, cols)?;
        for (c, idx) in resamples.iter().enumerate() {
            let score = nauc(&resampled_solutions[c], &prediction.select_rows(idx)).nauc;
            curves[c].push(CurvePoint { time: curve[k].time, score });
        }
    }
    let alc_samples: Vec<f64> = curves.iter().map(|c| alc(c, time_budget, opts.alc_variant)).collect();
    Ok((Spread::of(&nauc_samples), Spread::of(&alc_samples)))
}
