//! `autodl-format score`: score an ingestion run with the AutoDL protocol (SCORING.md).

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use scoring::{self, AlcVariant, ScoreOptions};

#[derive(Parser, Debug)]
#[command(
    about = "Score a run: NAUC of every prediction, ALC, learning-curve figure and HTML report",
    long_about = "Reads the dataset's single <task>.solution and the ingestion output \
(start.txt, <task>.predict_<k>, end.txt), then writes scores.txt (the reference keys), \
learning-curve-<task>.png/.svg and a self-contained detailed_results.html into the score folder. \
Exit code 0 when scored, 2 on any error (the message names the file at fault)."
)]
pub struct Args {
    /// Dataset folder holding <task>.solution (or its <task>.data folder)
    #[arg(long, value_name = "DIR")]
    pub dataset: PathBuf,
    /// Ingestion output folder: start.txt, <task>.predict_<k>, end.txt
    #[arg(long, value_name = "PRED_DIR")]
    pub predictions: PathBuf,
    /// Score folder to write (replaced as a whole) [default: scoring_output next to PRED_DIR]
    #[arg(short = 'o', long, value_name = "SCORE_DIR")]
    pub out: Option<PathBuf>,
    /// Replace SCORE_DIR when it already holds scores (only a folder of scorer outputs is replaced)
    #[arg(long)]
    pub force: bool,
    /// Keep predictions made after the time budget in `score:`, like the reference scores.txt
    /// (the figure always drops them); for bit-compatibility checks only
    #[arg(long)]
    pub unclipped_alc: bool,
    /// Seed of the bootstrap error bars appended to scores.txt (default 0, not the 42 of the
    /// other commands: the seed `train` and `rate` score with, so a rescore prints the same bars)
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,
    /// Do not compute the bootstrap error bars
    #[arg(long)]
    pub no_error_bars: bool,
}

/// Default score folder: `scoring_output` beside the prediction folder, as the reference kit
/// lays out `AutoDL_scoring_output` beside `AutoDL_sample_result_submission`.
fn default_out(predictions: &std::path::Path) -> PathBuf {
    let absolute = std::path::absolute(predictions).unwrap_or_else(|_| predictions.to_path_buf());
    match absolute.parent() {
        Some(parent) => parent.join("scoring_output"),
        None => PathBuf::from("scoring_output"),
    }
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let out = args.out.clone().unwrap_or_else(|| default_out(&args.predictions));
    if !args.force && std::fs::read_dir(&out).is_ok_and(|mut d| d.next().is_some()) {
        anyhow::bail!("{}: already holds scores; give --force to replace them, or choose another -o", out.display());
    }
    let opts = ScoreOptions {
        alc_variant: if args.unclipped_alc {
            AlcVariant::ReferenceUnclipped
        } else {
            AlcVariant::ClipAtBudget
        },
        error_bars: !args.no_error_bars,
        seed: args.seed,
    };
    let report = scoring::score_run(&args.dataset, &args.predictions, &out, &opts)
        .with_context(|| format!("scoring {}", args.predictions.display()))?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    for p in &report.predictions {
        let accuracy = p.accuracy.map(|a| format!("  accuracy {a:.4}")).unwrap_or_default();
        let late = if p.after_budget { "  (after the budget)" } else { "" };
        println!("prediction {:>3}  t = {:>9.2} s  NAUC {:.4}{accuracy}{late}", p.index, p.time, p.nauc);
    }
    println!(
        "{}: ALC {:.4} over {} prediction(s), T = {} s; wrote {}",
        report.task,
        report.alc,
        report.predictions.len(),
        report.time_budget,
        out.display()
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn args(root: &std::path::Path) -> Args {
        Args {
            dataset: root.join("toy"),
            predictions: root.join("res"),
            out: None,
            force: false,
            unclipped_alc: false,
            seed: 0,
            no_error_bars: false,
        }
    }

    fn make_run(root: &std::path::Path, prediction: &str) {
        fs::create_dir_all(root.join("toy")).unwrap();
        fs::write(root.join("toy/toy.solution"), "1 0\n0 1\n1 0\n").unwrap();
        fs::create_dir_all(root.join("res")).unwrap();
        fs::write(root.join("res/start.txt"), "task_name: toy\ntime_budget: 100.0\nstart_time: 5.0\n0: 5.0\n")
            .unwrap();
        fs::write(root.join("res/toy.predict_0"), prediction).unwrap();
        fs::write(root.join("res/end.txt"), "ingestion_duration: 1.0\ningestion_success: 1\nend_time: 6.0\n")
            .unwrap();
    }

    #[test]
    fn scores_into_the_default_folder_beside_the_predictions() {
        let tmp = tempfile::tempdir().unwrap();
        make_run(tmp.path(), "0.9 0.1\n0.2 0.8\n0.7 0.3\n");
        assert_eq!(run(args(tmp.path())).unwrap(), 0);
        // a perfect prediction at t = 0 holds NAUC 1 over the whole budget: ALC 1
        let scores = fs::read_to_string(tmp.path().join("scoring_output/scores.txt")).unwrap();
        assert!(scores.starts_with("score: 1.0\nDuration: 0.0\n"), "{scores}");
        assert!(tmp.path().join("scoring_output/learning-curve-toy.png").is_file());
    }

    #[test]
    fn malformed_prediction_is_an_error_naming_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        make_run(tmp.path(), "0.9 0.1\n0.2\n0.7 0.3\n");
        let err = run(args(tmp.path())).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("toy.predict_0:2:"), "{msg}");
        assert!(!tmp.path().join("scoring_output").exists());
    }
}
