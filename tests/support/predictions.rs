//! The prediction files of a `train`/`rate` run folder (included with `#[path]` by the
//! `predict` tests, which compare `predict --run` with the run's last prediction).

use std::path::{Path, PathBuf};

/// The rows of the run's last `*.predict_N` file (highest N).
pub fn last_prediction(run: &Path) -> Vec<Vec<f64>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(run.join("predictions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".predict_"))
        .collect();
    files.sort_by_key(|p| p.to_string_lossy().rsplit('_').next().unwrap().parse::<usize>().unwrap());
    let text = std::fs::read_to_string(files.last().expect("a prediction file")).unwrap();
    text.lines().map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect()).collect()
}
