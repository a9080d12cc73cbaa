//! Predictions on unlabelled data for a finished run: the upload lands in
//! `RUN/predict/<n>/input`, then `autodl-format-train predict --run RUN/rated INPUT -o
//! RUN/predict/<n>/predictions.csv` runs as a child process (its output in `predict.log`).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use axum::extract::Multipart;

use super::error::{Result, ServeError};
use super::jobs::{die_with_parent, error_summary, RATED};
use super::upload::{input_of, receive};
use super::app::App;

pub const CSV: &str = "predictions.csv";

/// The prediction folders of a run that hold a CSV, by number.
pub fn list(run_dir: &Path) -> Vec<u32> {
    let mut out: Vec<u32> = std::fs::read_dir(run_dir.join("predict"))
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
                .filter(|n: &u32| run_dir.join("predict").join(n.to_string()).join(CSV).is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort_unstable();
    out
}

/// The CSV of prediction `n` (which must exist).
pub fn csv_path(run_dir: &Path, n: u32) -> PathBuf {
    run_dir.join("predict").join(n.to_string()).join(CSV)
}

/// A new numbered folder under `RUN/predict/` (created atomically: two uploads never share one).
fn new_slot(run_dir: &Path) -> Result<(u32, PathBuf)> {
    let base = run_dir.join("predict");
    std::fs::create_dir_all(&base).map_err(|e| ServeError::io(format!("creating {}", base.display()), e))?;
    for n in 1..10_000u32 {
        let dir = base.join(n.to_string());
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok((n, dir)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(ServeError::io(format!("creating {}", dir.display()), e)),
        }
    }
    Err(ServeError::Conflict("this run has too many predictions already".into()))
}

/// Receives the upload and runs the prediction; returns (number, CSV rows).
pub async fn predict(app: &App, run_dir: &Path, multipart: Multipart) -> Result<(u32, usize)> {
    let bundle = run_dir.join(RATED);
    if !bundle.join(scoring::run_layout::BUNDLE_DIR).join(scoring::run_layout::CONFIG_FILE).is_file() {
        return Err(ServeError::Conflict("this run saved no model: nothing to predict with".into()));
    }
    let (n, dir) = new_slot(run_dir)?;
    let result = predict_into(app, &bundle, &dir, multipart).await;
    if result.is_err() {
        let _ = tokio::fs::remove_dir_all(&dir).await;
    }
    result.map(|rows| (n, rows))
}

async fn predict_into(app: &App, bundle: &Path, dir: &Path, multipart: Multipart) -> Result<usize> {
    let got = receive(multipart, &dir.join("input"), &dir.join("upload"), app.max_upload, app.caps).await?;
    if let Some((name, _)) = got.fields.first() {
        return Err(ServeError::BadRequest(format!("unknown form field {name:?} (predict takes files only)")));
    }
    let input = input_of(&dir.join("input"))
        .map_err(|e| ServeError::io("reading the upload", e))?
        .ok_or_else(|| ServeError::BadRequest("no data: choose a folder, files or an archive".into()))?;
    let _slot = app.predict_slots.acquire().await.map_err(|e| ServeError::Internal(e.to_string()))?;
    let log_path = dir.join("predict.log");
    let log = std::fs::File::create(&log_path).map_err(|e| ServeError::io("creating predict.log", e))?;
    let log2 = log.try_clone().map_err(|e| ServeError::io("predict.log", e))?;
    let csv = dir.join(CSV);
    let mut command = tokio::process::Command::new(&app.trainer);
    command
        .arg("predict")
        .arg("--run")
        .arg(bundle)
        .arg(&input)
        .arg("-o")
        .arg(&csv)
        .arg(format!("--device={}", if app.device == "cuda" { "cuda" } else { "cpu" }))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log2))
        .kill_on_drop(true);
    die_with_parent(&mut command);
    let status = command
        .status()
        .await
        .map_err(|e| ServeError::Internal(format!("cannot start {}: {e}", app.trainer.display())))?;
    if !status.success() {
        return Err(ServeError::BadRequest(format!("predict failed: {}", error_summary(&log_path))));
    }
    let text = tokio::fs::read_to_string(&csv).await.map_err(|e| ServeError::io("reading predictions.csv", e))?;
    Ok(text.lines().count().saturating_sub(1))
}
