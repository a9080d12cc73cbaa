//! The files ingestion writes into the prediction folder, byte-compatible with the original
//! ingestion program: `start.txt`, `<task>.predict_<k>`, `end.txt` (spec SCORING.md §1.2–1.4).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::learner::PredictionMatrix;

pub const START_FILE: &str = "start.txt";
pub const END_FILE: &str = "end.txt";

/// `<task>.predict_<k>` (spec §1.2).
pub fn prediction_file_name(task: &str, index: usize) -> String {
    format!("{task}.predict_{index}")
}

pub use scoring::pyfloat::{format_g, python_float};

/// The text of a prediction file: one row per line, values `{:g}`-formatted and separated by
/// one space, a newline after every row.
pub fn prediction_text(matrix: &PredictionMatrix) -> String {
    let mut out = String::with_capacity(matrix.rows() * matrix.cols() * 9);
    for i in 0..matrix.rows() {
        for (j, v) in matrix.row(i).iter().enumerate() {
            if j > 0 {
                out.push(' ');
            }
            out.push_str(&format_g(f64::from(*v)));
        }
        out.push('\n');
    }
    out
}

/// Writes `<dir>/<task>.predict_<k>` atomically, so a reader polling the folder never sees a
/// half-written prediction (spec §1.2). The temporary keeps the original's prefix.
pub fn write_prediction(dir: &Path, task: &str, index: usize, matrix: &PredictionMatrix) -> Result<PathBuf> {
    let target = dir.join(prediction_file_name(task, index));
    let text = prediction_text(matrix);
    formats::atomic::write_with(&target, Some("temp_prediction_file_"), |w| w.write_all(text.as_bytes()))?;
    Ok(target)
}

/// `start.txt` header (spec §1.3): pid, task name, budget as a float, start time.
pub fn write_start(dir: &Path, task: &str, time_budget: f64, start_time: f64) -> Result<()> {
    let path = dir.join(START_FILE);
    let text = format!(
        "ingestion_pid: {}\ntask_name: {task}\ntime_budget: {}\nstart_time: {}\n",
        std::process::id(),
        python_float(time_budget),
        python_float(start_time)
    );
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
}

/// Appends `k: <unix time>` to `start.txt`, done just before the prediction file is written
/// (spec §1.3).
pub fn append_timestamp(dir: &Path, index: usize, unix_time: f64) -> Result<()> {
    let path = dir.join(START_FILE);
    let mut file = OpenOptions::new().append(true).open(&path).map_err(|e| Error::io(&path, e))?;
    writeln!(file, "{index}: {}", python_float(unix_time)).map_err(|e| Error::io(&path, e))
}

/// `end.txt` (spec §1.4); its presence tells a scorer that ingestion has finished.
pub fn write_end(dir: &Path, duration: f64, success: bool, end_time: f64) -> Result<()> {
    let path = dir.join(END_FILE);
    let text = format!(
        "ingestion_duration: {}\ningestion_success: {}\nend_time: {}\n",
        python_float(duration),
        u8::from(success),
        python_float(end_time)
    );
    let mut file = File::create(&path).map_err(|e| Error::io(&path, e))?;
    file.write_all(text.as_bytes()).map_err(|e| Error::io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_have_the_original_layout() {
        let dir = tempfile::tempdir().unwrap();
        write_start(dir.path(), "miniciao", 20.0, 1557923830.25).unwrap();
        append_timestamp(dir.path(), 0, 1557923831.5).unwrap();
        append_timestamp(dir.path(), 1, 1557923832.0).unwrap();
        let start = std::fs::read_to_string(dir.path().join(START_FILE)).unwrap();
        let pid = std::process::id();
        assert_eq!(
            start,
            format!("ingestion_pid: {pid}\ntask_name: miniciao\ntime_budget: 20.0\nstart_time: 1557923830.25\n0: 1557923831.5\n1: 1557923832.0\n")
        );

        let m = PredictionMatrix::new(2, 3, vec![0.25, 1e-6, 1.0, 0.333333343, 0.0, 0.5]).unwrap();
        let path = write_prediction(dir.path(), "miniciao", 0, &m).unwrap();
        assert_eq!(path.file_name().unwrap(), "miniciao.predict_0");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "0.25 1e-06 1\n0.333333 0 0.5\n");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("temp_prediction_file_"))
            .collect();
        assert!(leftovers.is_empty(), "temporary prediction file left behind");

        write_end(dir.path(), 1.5, false, 1557923831.75).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join(END_FILE)).unwrap(),
            "ingestion_duration: 1.5\ningestion_success: 0\nend_time: 1557923831.75\n"
        );
    }
}
