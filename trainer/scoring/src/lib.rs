//! The AutoDL scorer and the `rate` report, without libtorch (SCORING.md §1–3, §6): NAUC of
//! every prediction, the area under the learning curve (ALC), `scores.txt`, the learning-curve
//! figure, `detailed_results.html` and (module [`report`]) the self-contained `report.html`.
//! `autodl-format score` uses it directly; the `trainer` crate re-exports it.
//!
//! Entry point for a finished run: [`score_run`] reads the dataset's `.solution` and the
//! ingestion layout (`start.txt`, `<task>.predict_<k>`, `end.txt`) and writes the score folder
//! atomically. The metric functions ([`nauc::nauc`], [`alc::alc`], …) are usable on their own;
//! [`python_float`] prints floats as Python's `repr` does ([`pyfloat`] also has `'{:g}'`).
//!
//! Pages are rendered with `maud` (every value escaped) and every chart is drawn by `plotters`
//! (PNG for the learning curves, SVG strings for the report's small charts).
//!
//! It also holds the small numeric pieces every crate above it shares without libtorch: the
//! one seeded generator ([`rng::SplitMix64`]) and the one feature standardisation
//! ([`scaler::Scaler`]).

pub mod error;
pub mod alc;
pub mod decisions;
pub mod files;
pub mod html;
pub mod nauc;
pub mod plot;
pub mod pyfloat;
pub mod report;
pub mod rng;
pub mod scaler;
pub mod run_layout;

use std::path::{Path, PathBuf};

use rng::SplitMix64;

pub use alc::{alc, transform_time, AlcVariant, CurvePoint, DEFAULT_TIME_BUDGET, T0};
pub use files::EndRecord;
pub use nauc::{accuracy, is_multiclass, nauc, NaucScore};
pub use pyfloat::python_float;
pub use error::{Error, Result};


/// A dense row-major matrix of the solution or of one prediction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<f64>,
}

impl Matrix {
    /// Builds a matrix from rows; `None` when rows differ in length.
    pub fn from_rows(rows: &[Vec<f64>]) -> Option<Matrix> {
        let cols = rows.first().map_or(0, Vec::len);
        if rows.iter().any(|r| r.len() != cols) {
            return None;
        }
        Some(Matrix { rows: rows.len(), cols, values: rows.concat() })
    }

    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.cols + j]
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    pub fn column(&self, j: usize) -> Vec<f64> {
        (0..self.rows).map(|i| self.get(i, j)).collect()
    }

    /// The rows at `indices`, in that order (bootstrap resampling).
    pub fn select_rows(&self, indices: &[usize]) -> Matrix {
        let mut values = Vec::with_capacity(indices.len() * self.cols);
        for &i in indices {
            values.extend_from_slice(self.row(i));
        }
        Matrix { rows: indices.len(), cols: self.cols, values }
    }
}

/// How [`score_run`] scores a run.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreOptions {
    /// Which ALC goes to `scores.txt` (the figure always drops late predictions, spec §3/§6).
    pub alc_variant: AlcVariant,
    /// Bootstrap error bars appended to `scores.txt` (spec §1.5); informative only.
    pub error_bars: bool,
    /// Seed of the bootstrap resampling, so a report can be reproduced.
    pub seed: u64,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions { alc_variant: AlcVariant::ClipAtBudget, error_bars: true, seed: 0 }
    }
}

/// The score of one prediction file.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionScore {
    /// k in `<task>.predict_<k>`.
    pub index: usize,
    pub path: PathBuf,
    /// Seconds since ingestion start (from `start.txt`).
    pub time: f64,
    pub nauc: f64,
    /// Only for multiclass tasks (spec §2 "Secondary metric"): the mean probability on the
    /// true class, the `accuracy` of scores.txt; not arg-max accuracy.
    pub accuracy: Option<f64>,
    /// Share of test rows whose arg-max class is the true one (multiclass tasks only; not in
    /// scores.txt).
    pub top1_accuracy: Option<f64>,
    /// Decision counts of each class (arg-max or threshold, see [`decisions::class_counts`]).
    pub class_counts: Vec<decisions::ClassCounts>,
    /// AUC of each class; `None` for classes dropped as degenerate.
    pub per_class_auc: Vec<Option<f64>>,
    /// True when the time exceeds the budget (dropped from the figure and the clipped ALC).
    pub after_budget: bool,
}

/// Mean, standard deviation (population) and variance of bootstrap scores (spec §1.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub mean: f64,
    pub std: f64,
    pub var: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Spread {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        Spread { mean, std: var.sqrt(), var }
    }
    /// The reference writes −1 for all three when the bootstrap cannot be computed.
    const UNAVAILABLE: Spread = Spread { mean: -1.0, std: -1.0, var: -1.0 };
}

/// Everything [`score_run`] computed, also written to the score folder.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreReport {
    pub task: String,
    pub time_budget: f64,
    /// The ALC of [`ScoreOptions::alc_variant`], the `score:` of `scores.txt`.
    pub alc: f64,
    /// ALC with late predictions dropped (the figure's legend).
    pub alc_clipped: f64,
    /// Relative time of the last prediction, 0 when none (`Duration:` of `scores.txt`).
    pub duration: f64,
    pub multiclass: bool,
    /// Rows of the solution (test examples).
    pub test_rows: usize,
    /// Name of each class from the test metadata's `label_to_index_map`, when known.
    pub class_names: Vec<Option<String>>,
    pub predictions: Vec<PredictionScore>,
    /// `end.txt`, or `None` when ingestion did not write it.
    pub ingestion: Option<EndRecord>,
    /// NAUC spread of the last prediction and ALC spread over bootstrap curves.
    pub error_bars: Option<(Spread, Spread)>,
    /// Problems that did not stop scoring (also printed to stderr by the CLI).
    pub warnings: Vec<String>,
    pub out_dir: PathBuf,
}

impl ScoreReport {
    /// The learning-curve points of every prediction, in prediction order.
    pub fn curve(&self) -> Vec<CurvePoint> {
        self.predictions.iter().map(|p| CurvePoint { time: p.time, score: p.nauc }).collect()
    }

    /// `nauc_std` of scores.txt; `None` without a bootstrap (not asked, or no prediction).
    pub fn nauc_std(&self) -> Option<f64> {
        self.error_bars.map(|(n, _)| n.std).filter(|s| *s >= 0.0)
    }

    /// `alc_std` of scores.txt; `None` without a bootstrap.
    pub fn alc_std(&self) -> Option<f64> {
        self.error_bars.map(|(_, a)| a.std).filter(|s| *s >= 0.0)
    }
}

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

/// A list of floats as Python's `repr` prints it: `[0.5, 0.8]`.
pub fn python_list(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(|&v| python_float(v)).collect();
    format!("[{}]", items.join(", "))
}

/// The text of `scores.txt` with the reference keys (spec §1.5).
pub fn scores_txt(report: &ScoreReport) -> String {
    let timestamps: Vec<f64> = report.predictions.iter().map(|p| p.time).collect();
    let naucs: Vec<f64> = report.predictions.iter().map(|p| p.nauc).collect();
    // the reference's empty curve yields the integer 0 for both numbers
    let (score, duration) = if report.predictions.is_empty() {
        ("0".to_string(), "0".to_string())
    } else {
        (python_float(report.alc), python_float(report.duration))
    };
    let mut text = format!(
        "score: {score}\nDuration: {duration}\ntimestamps: {}\nnauc_scores: {}\n",
        python_list(&timestamps),
        python_list(&naucs)
    );
    if report.multiclass {
        let acc: Vec<f64> = report.predictions.iter().filter_map(|p| p.accuracy).collect();
        text += &format!("accuracy: {}\n", python_list(&acc));
    }
    if let Some((nauc_spread, alc_spread)) = report.error_bars {
        for (name, s) in [("nauc", nauc_spread), ("alc", alc_spread)] {
            text += &format!(
                "{name}_mean: {}\n{name}_std: {}\n{name}_var: {}\n",
                python_float(s.mean),
                python_float(s.std),
                python_float(s.var)
            );
        }
    }
    text
}

/// File name of the figure (spec §6).
pub fn figure_name(task: &str, extension: &str) -> String {
    format!("learning-curve-{task}.{extension}")
}

/// Names a score folder may hold for [`score_run`] to replace it.
fn is_scorer_output(name: &str) -> bool {
    name == "scores.txt"
        || name == "detailed_results.html"
        || (name.starts_with("learning-curve-") && (name.ends_with(".png") || name.ends_with(".svg")))
}

fn output_error(path: &Path, message: impl Into<String>) -> Error {
    Error::ScoreOutput { path: path.to_path_buf(), message: message.into() }
}

/// Writes every output into a temporary sibling of `out_dir`, then swaps it into place, so a
/// reader never sees a half-written score folder.
fn write_score_dir(report: &ScoreReport, out_dir: &Path) -> Result<()> {
    if out_dir.exists() {
        let entries = std::fs::read_dir(out_dir).map_err(|e| Error::io(out_dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(out_dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_scorer_output(&name) {
                return Err(output_error(
                    out_dir,
                    format!("exists and holds {name:?}, which the scorer did not write; refusing to replace it"),
                ));
            }
        }
    }
    let name = out_dir
        .file_name()
        .ok_or_else(|| output_error(out_dir, "score folder path has no final component"))?
        .to_string_lossy()
        .into_owned();
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.partial-{pid}"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
    let result = fill_score_dir(report, &staging);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    if out_dir.exists() {
        let old = parent.join(format!(".{name}.old-{pid}"));
        std::fs::rename(out_dir, &old).map_err(|e| Error::io(out_dir, e))?;
        std::fs::rename(&staging, out_dir).map_err(|e| Error::io(out_dir, e))?;
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    } else {
        std::fs::rename(&staging, out_dir).map_err(|e| Error::io(out_dir, e))?;
    }
    Ok(())
}

fn fill_score_dir(report: &ScoreReport, dir: &Path) -> Result<()> {
    let scores = dir.join("scores.txt");
    std::fs::write(&scores, scores_txt(report)).map_err(|e| Error::io(&scores, e))?;
    let figure = plot::LearningCurveFigure::from_report(report);
    let png_path = dir.join(figure_name(&report.task, "png"));
    let png = figure.png()?;
    std::fs::write(&png_path, &png).map_err(|e| Error::io(&png_path, e))?;
    let svg_path = dir.join(figure_name(&report.task, "svg"));
    std::fs::write(&svg_path, figure.svg()?).map_err(|e| Error::io(&svg_path, e))?;
    let html_path = dir.join("detailed_results.html");
    std::fs::write(&html_path, html::detailed_results(report, &png, false))
        .map_err(|e| Error::io(&html_path, e))?;
    Ok(())
}
