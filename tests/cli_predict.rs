//! `autodl-format train --model auto` then `predict --run`: the CSV of the test subset equals
//! the last prediction file, and an unlabelled copy of the test records gives the same rows.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/predictions.rs"]
mod predictions;
use predictions::last_prediction;

#[path = "support/datasets.rs"]
mod datasets;
use datasets::write_single_label;

#[path = "support/lcg.rs"]
#[allow(dead_code)] // each test file draws its own way
mod lcg;
use lcg::Lcg;

use formats::dataset::WriterOptions;
use formats::example::Frames;
use formats::metadata::{DataSpec, MatrixSpec};

fn make_table(dir: &Path) -> PathBuf {
    let mut rng = Lcg(7);
    let example = |_, _| {
        let x: Vec<f32> = (0..4).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let class = usize::from((x[0] > 0.0) != (x[1] > 0.0));
        (Frames::dense_uniform(x, 4).unwrap(), class)
    };
    let spec = DataSpec {
        output_dim: 2,
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: 4, num_channels: 1, ..Default::default() }],
        ..Default::default()
    };
    write_single_label(&dir.join("xor"), "xor", WriterOptions::default(), (80, 600), example, spec, &["same", "different"]).unwrap()
}

fn numbers(text: &str, skip_header: bool) -> Vec<f64> {
    text.lines()
        .skip(usize::from(skip_header))
        .flat_map(|l| l.split([',', ' ']).filter(|v| !v.is_empty()).map(|v| v.parse::<f64>().unwrap()).collect::<Vec<_>>())
        .collect()
}

#[test]
fn predict_reproduces_the_last_prediction_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = make_table(tmp.path());
    let exe = env!("CARGO_BIN_EXE_autodl-format");
    let run = tmp.path().join("run");
    let status = Command::new(exe)
        .args(["train", "--time-budget", "6", "--device", "cpu", "--no-score", "--out"])
        .arg(&run)
        .arg(&dataset)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(run.join("model/bundle.json").is_file());
    let last: Vec<f64> = last_prediction(&run).concat();

    let csv = tmp.path().join("preds.csv");
    let out = Command::new(exe).args(["predict", "--run"]).arg(&run).arg(&dataset).arg("-o").arg(&csv).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().next().unwrap(), "same,different");
    assert_eq!(text.lines().count(), 81);
    let got = numbers(&text, true);
    assert_eq!(got.len(), last.len());
    for (a, b) in got.iter().zip(&last) {
        assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} vs {b}");
    }

    // The same records as an unlabelled set (AUTODL_FORMAT.md §1.3).
    let unlabelled = tmp.path().join("unl/unlabelled");
    std::fs::create_dir_all(&unlabelled).unwrap();
    for entry in std::fs::read_dir(dataset.join("xor.data/test")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, unlabelled.join(p.file_name().unwrap())).unwrap();
    }
    let out = Command::new(exe).args(["predict", "--run"]).arg(&run).arg(tmp.path().join("unl")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(numbers(&String::from_utf8_lossy(&out.stdout), true), got);
}

#[test]
fn predict_without_a_bundle_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_autodl-format")).args(["predict", "--run"]).arg(tmp.path()).arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bundle.json"), "{err}");
}
