//! Reading the ingestion layout (SCORING.md §1): the solution, `start.txt`,
//! `<task>.predict_<k>` and `end.txt`.

use std::path::{Path, PathBuf};

use formats::metadata::DataSpec;
use formats::solution::Solution;

use crate::alc::DEFAULT_TIME_BUDGET;
use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// The solution of a dataset and the task name derived from its file name.
#[derive(Debug, Clone)]
pub struct TaskSolution {
    /// File name up to the first `.` (spec §1.1: `miniciao.solution` → `miniciao`).
    pub task: String,
    pub path: PathBuf,
    pub matrix: Matrix,
}

/// Finds the single `*.solution` of `dataset_dir` (spec §1.1). `dataset_dir` is the folder
/// holding `<name>.solution` and `<name>.data/`; the `<name>.data` folder itself is accepted
/// too, its solution then being looked up beside it.
pub fn find_solution(dataset_dir: &Path) -> Result<PathBuf> {
    let mut found = solution_files(dataset_dir)?;
    if found.is_empty() {
        let is_data_dir = dataset_dir
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".data"));
        if let (true, Some(parent)) = (is_data_dir, dataset_dir.parent()) {
            let stem = dataset_dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let name = stem.trim_end_matches(".data");
            let beside = parent.join(format!("{name}.solution"));
            if beside.is_file() {
                found.push(beside);
            }
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::ScoringLayout {
            path: dataset_dir.to_path_buf(),
            message: "no *.solution file found (the scorer needs exactly one)".into(),
        }),
        n => Err(Error::ScoringLayout {
            path: dataset_dir.to_path_buf(),
            message: format!(
                "{n} *.solution files found ({}); the scorer needs exactly one",
                found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
        }),
    }
}

fn solution_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "solution") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Task name of a solution file: its name up to the first `.` (spec §1.1).
pub fn task_name(solution_path: &Path) -> String {
    let name = solution_path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    name.split('.').next().unwrap_or_default().to_string()
}

/// Reads the dataset's solution (through the formats crate's strict reader).
pub fn read_solution(dataset_dir: &Path) -> Result<TaskSolution> {
    let path = find_solution(dataset_dir)?;
    let solution = Solution::read(&path)?;
    let matrix = Matrix { rows: solution.rows, cols: solution.cols, values: solution.values };
    Ok(TaskSolution { task: task_name(&path), path, matrix })
}

/// Class names of columns `0..cols` from `<task>.data/test/metadata.textproto` beside the
/// solution (its `label_to_index_map`), for the report only. Names that the map lacks are
/// `None`; `Err` carries why the metadata could not be read (a warning, not a failure).
pub fn class_names(solution_path: &Path, task: &str, cols: usize) -> std::result::Result<Vec<Option<String>>, String> {
    let dir = solution_path.parent().unwrap_or(Path::new("."));
    let metadata = dir.join(format!("{task}.data")).join("test").join("metadata.textproto");
    if !metadata.is_file() {
        return Ok(vec![None; cols]);
    }
    let spec = DataSpec::read(&metadata).map_err(|e| format!("class names not shown: {e}"))?;
    let mut names = vec![None; cols];
    for (name, index) in spec.label_to_index_map {
        if let Some(slot) = usize::try_from(index).ok().and_then(|i| names.get_mut(i)) {
            *slot = Some(name);
        }
    }
    Ok(names)
}

/// The header and timestamps of `start.txt` (spec §1.3).
#[derive(Debug, Clone, PartialEq)]
pub struct StartRecord {
    pub ingestion_pid: Option<u64>,
    pub task_name: Option<String>,
    /// T in seconds; [`DEFAULT_TIME_BUDGET`] when the file has no `time_budget` line.
    pub time_budget: f64,
    /// True when `time_budget` was absent and the default was used.
    pub time_budget_defaulted: bool,
    /// Unix time at which the budget started.
    pub start_time: f64,
    /// Unix time of prediction k, for k = 0, 1, … (contiguous, non-decreasing).
    pub timestamps: Vec<f64>,
}

impl StartRecord {
    /// Prediction times relative to `start_time`, in prediction order (spec §3).
    pub fn relative_timestamps(&self) -> Vec<f64> {
        self.timestamps.iter().map(|t| t - self.start_time).collect()
    }
}

fn record_error(path: &Path, line: usize, message: impl Into<String>) -> Error {
    Error::IngestionRecord { path: path.to_path_buf(), line, message: message.into() }
}

/// `key: value` lines (a YAML subset: the only form ingestion writes); blank lines and `#`
/// comments skipped. Returns (1-based line, key, value).
fn key_values(text: &str, path: &Path) -> Result<Vec<(usize, String, String)>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(record_error(path, i + 1, format!("expected `key: value`, found {line:?}")));
        };
        let value = value.trim().trim_matches(|c| c == '\'' || c == '"');
        out.push((i + 1, key.trim().to_string(), value.to_string()));
    }
    Ok(out)
}

fn parse_f64(path: &Path, line: usize, key: &str, value: &str) -> Result<f64> {
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| record_error(path, line, format!("{key}: {value:?} is not a finite number")))
}

/// Parses `start.txt` text; `path` labels errors.
pub fn parse_start(text: &str, path: &Path) -> Result<StartRecord> {
    let mut pid = None;
    let mut task = None;
    let mut budget = None;
    let mut start = None;
    let mut stamps: Vec<(usize, u64, f64)> = Vec::new();
    for (line, key, value) in key_values(text, path)? {
        match key.as_str() {
            "ingestion_pid" => {
                pid = Some(value.parse::<u64>().map_err(|_| {
                    record_error(path, line, format!("ingestion_pid: {value:?} is not a process id"))
                })?)
            }
            "task_name" => task = Some(value),
            "time_budget" => {
                let t = parse_f64(path, line, &key, &value)?;
                if t <= 0.0 {
                    return Err(record_error(path, line, format!("time_budget must be > 0, got {t}")));
                }
                budget = Some(t);
            }
            "start_time" => start = Some((line, parse_f64(path, line, &key, &value)?)),
            k if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => {
                let index: u64 = k
                    .parse()
                    .map_err(|_| record_error(path, line, format!("prediction index {k} too large")))?;
                stamps.push((line, index, parse_f64(path, line, k, &value)?));
            }
            // other keys are informative; the reference loads the file as a YAML dict
            _ => {}
        }
    }
    let Some((_, start_time)) = start else {
        return Err(record_error(path, 1, "no `start_time` line"));
    };
    let mut timestamps = Vec::with_capacity(stamps.len());
    for (expected, &(line, index, t)) in stamps.iter().enumerate() {
        if index != expected as u64 {
            return Err(record_error(
                path,
                line,
                format!("prediction timestamps must be numbered 0, 1, 2, … in order; expected {expected}, found {index}"),
            ));
        }
        if t < start_time {
            return Err(record_error(path, line, format!("timestamp {t} of prediction {index} is before start_time {start_time}")));
        }
        if let Some(&prev) = timestamps.last() {
            if t < prev {
                return Err(record_error(path, line, format!("timestamp {t} of prediction {index} is earlier than prediction {} ({prev}); times must not decrease (spec §3)", index - 1)));
            }
        }
        timestamps.push(t);
    }
    Ok(StartRecord {
        ingestion_pid: pid,
        task_name: task,
        time_budget: budget.unwrap_or(DEFAULT_TIME_BUDGET),
        time_budget_defaulted: budget.is_none(),
        start_time,
        timestamps,
    })
}

/// Reads `<predictions_dir>/start.txt`.
pub fn read_start(predictions_dir: &Path) -> Result<StartRecord> {
    let path = predictions_dir.join("start.txt");
    if !path.is_file() {
        return Err(Error::ScoringLayout {
            path,
            message: "missing: ingestion writes start.txt when the run starts (SCORING.md §1.3)".into(),
        });
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    parse_start(&text, &path)
}

/// The content of `end.txt` (spec §1.4).
#[derive(Debug, Clone, PartialEq)]
pub struct EndRecord {
    pub ingestion_duration: Option<f64>,
    /// `ingestion_success: 1` (true) or `0`.
    pub ingestion_success: bool,
    pub end_time: Option<f64>,
}

/// Parses `end.txt` text; `path` labels errors.
pub fn parse_end(text: &str, path: &Path) -> Result<EndRecord> {
    let mut duration = None;
    let mut success = None;
    let mut end_time = None;
    for (line, key, value) in key_values(text, path)? {
        match key.as_str() {
            "ingestion_duration" => duration = Some(parse_f64(path, line, &key, &value)?),
            "end_time" => end_time = Some(parse_f64(path, line, &key, &value)?),
            "ingestion_success" => {
                success = Some(match value.as_str() {
                    "1" | "1.0" | "true" | "True" => true,
                    "0" | "0.0" | "false" | "False" => false,
                    other => {
                        return Err(record_error(path, line, format!("ingestion_success must be 1 or 0, found {other:?}")))
                    }
                })
            }
            _ => {}
        }
    }
    let Some(ingestion_success) = success else {
        return Err(record_error(path, 1, "no `ingestion_success` line"));
    };
    Ok(EndRecord { ingestion_duration: duration, ingestion_success, end_time })
}

/// Reads `<predictions_dir>/end.txt`; `None` when ingestion has not written it (still running
/// or killed).
pub fn read_end(predictions_dir: &Path) -> Result<Option<EndRecord>> {
    let path = predictions_dir.join("end.txt");
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    parse_end(&text, &path).map(Some)
}

/// Path of prediction `k` of `task`: `<dir>/<task>.predict_<k>` (spec §1.2).
pub fn prediction_path(predictions_dir: &Path, task: &str, k: usize) -> PathBuf {
    predictions_dir.join(format!("{task}.predict_{k}"))
}

/// Indices k of the `<task>.predict_<k>` files present, sorted.
pub fn prediction_indices(predictions_dir: &Path, task: &str) -> Result<Vec<usize>> {
    let prefix = format!("{task}.predict_");
    let entries = std::fs::read_dir(predictions_dir).map_err(|e| Error::io(predictions_dir, e))?;
    let mut indices = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(predictions_dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(k) = name.strip_prefix(&prefix).and_then(|k| k.parse::<usize>().ok()) {
            indices.push(k);
        }
    }
    indices.sort_unstable();
    Ok(indices)
}

fn prediction_error(path: &Path, line: Option<usize>, message: impl Into<String>) -> Error {
    Error::PredictionFile { path: path.to_path_buf(), line, message: message.into() }
}

/// Parses a prediction matrix and checks it against the solution shape `(rows, cols)`:
/// whitespace-separated finite numbers, one row per non-blank line (spec §1.2).
pub fn parse_prediction(text: &str, path: &Path, rows: usize, cols: usize) -> Result<Matrix> {
    let mut values = Vec::with_capacity(rows * cols);
    let mut row_count = 0usize;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut width = 0usize;
        for token in line.split_whitespace() {
            width += 1;
            let v: f64 = token.parse().map_err(|_| {
                prediction_error(path, Some(line_no), format!("value {width} ({token:?}) is not a number"))
            })?;
            if !v.is_finite() {
                return Err(prediction_error(
                    path,
                    Some(line_no),
                    format!("value {width} is {token}; predictions must be finite (spec §1.2)"),
                ));
            }
            values.push(v);
        }
        if width != cols {
            return Err(prediction_error(
                path,
                Some(line_no),
                format!("row has {width} values, the solution has {cols} columns"),
            ));
        }
        row_count += 1;
        if row_count > rows {
            return Err(prediction_error(
                path,
                Some(line_no),
                format!("more rows than the {rows} test examples of the solution"),
            ));
        }
    }
    if row_count != rows {
        return Err(prediction_error(
            path,
            None,
            format!("wrong shape: {row_count} rows, the solution has {rows} (expected {rows} × {cols})"),
        ));
    }
    Ok(Matrix { rows, cols, values })
}

/// Reads and checks prediction `path` against the solution shape.
pub fn read_prediction(path: &Path, rows: usize, cols: usize) -> Result<Matrix> {
    if !path.is_file() {
        return Err(prediction_error(path, None, "missing prediction file"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_prediction(&text, path, rows, cols)
}
