//! The score folder: `scores.txt`, the learning-curve figure and `detailed_results.html`,
//! written beside it and swapped into place.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::html;
use crate::plot::{figure_name, LearningCurveFigure};
use crate::pyfloat::{python_float, python_list};
use crate::score::ScoreReport;

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

/// Names a score folder may hold for [`crate::score_run`] to replace it.
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
pub(crate) fn write_score_dir(report: &ScoreReport, out_dir: &Path) -> Result<()> {
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
    let figure = LearningCurveFigure::from_report(report);
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
