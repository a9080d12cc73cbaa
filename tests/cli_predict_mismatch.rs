//! `predict --run RUN INPUT` refuses an input the model was not trained for (issue 21): another
//! domain, another class count, another feature count or layout, another vocabulary. Exit 2,
//! one message naming both sides, no output file; the matching input still reproduces the run's
//! last prediction, and a bundle written before the training facts were recorded still predicts
//! with a note on what cannot be verified. Datasets are generated here; each model is trained
//! for a few seconds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use formats::dataset::{DatasetWriter, WriterOptions};
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};

#[path = "support/predictions.rs"]
mod predictions;
use predictions::last_prediction;

#[path = "support/lcg.rs"]
#[allow(dead_code)] // each test file draws its own way
mod lcg;
use lcg::Lcg;

const BIN: &str = env!("CARGO_BIN_EXE_autodl-format");


/// One single-label record into the test or the train subset.
fn push(w: &mut DatasetWriter, test: bool, frames: &Frames, class: usize) {
    if test {
        w.push_test(frames, &[class as i64], &[1.0]).unwrap();
    } else {
        w.push_train(frames, &[class as i64], &[1.0]).unwrap();
    }
}

/// A table dataset of `features` values per row and `classes` classes (the class is the
/// quadrant of the first two features, folded), with class and feature names.
fn table(dir: &Path, name: &str, features: usize, classes: usize, feature_names: &[String]) -> PathBuf {
    let out = dir.join(name);
    let mut w = DatasetWriter::create(&out, name, WriterOptions::default()).unwrap();
    let mut rng = Lcg(7);
    for (count, test) in [(60, true), (400, false)] {
        for _ in 0..count {
            let x: Vec<f32> = (0..features).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let class = (usize::from(x[0] > 0.0) + 2 * usize::from(x[1] > 0.0)) % classes;
            push(&mut w, test, &Frames::dense_uniform(x, features).unwrap(), class);
        }
    }
    w.write_side_file(&format!("{name}_feat.name"), (feature_names.join("\n") + "\n").as_bytes()).unwrap();
    let spec = DataSpec {
        output_dim: classes as i32,
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: features as i32, num_channels: 1, ..Default::default() }],
        ..Default::default()
    };
    let names: Vec<String> = ["same", "different", "third"].iter().take(classes).map(|s| s.to_string()).collect();
    w.finish(spec, Some(&names)).unwrap();
    out
}

fn feature_names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

/// A text dataset (spec §5.4: one token index per frame, the vocabulary in
/// `channel_to_index_map`): class 0 documents use the first half of the content tokens,
/// class 1 the second half.
fn text(dir: &Path, name: &str, vocabulary: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut w = DatasetWriter::create(&out, name, WriterOptions::default()).unwrap();
    let mut rng = Lcg(11);
    let half = (vocabulary.len() - 1) / 2;
    for (count, test) in [(30, true), (120, false)] {
        for i in 0..count {
            let class = i % 2;
            let tokens: Vec<f32> = (0..8)
                .map(|_| (1 + class * half + ((rng.uniform(-1.0, 1.0) + 1.0) * 0.5 * half as f32) as usize % half) as f32)
                .collect();
            push(&mut w, test, &Frames::dense_from_frames(tokens.iter().map(|t| [*t])), class);
        }
    }
    let spec = DataSpec {
        output_dim: 2,
        sequence_size: -1,
        sequence_size_present: true,
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: 1, num_channels: 1, num_channels_present: true, format: Format::Dense, ..Default::default() }],
        channel_to_index_map: vocabulary.iter().enumerate().map(|(i, t)| (t.to_string(), i as i32)).collect(),
        ..Default::default()
    };
    w.finish(spec, Some(&["neg".to_string(), "pos".to_string()])).unwrap();
    out
}

/// A speech dataset: variable-length waveforms, one sample per frame, no vocabulary.
fn audio(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    let mut w = DatasetWriter::create(&out, name, WriterOptions::default()).unwrap();
    let mut rng = Lcg(3);
    for (count, test) in [(4, true), (8, false)] {
        for i in 0..count {
            let wave: Vec<f32> = (0..800).map(|_| rng.uniform(-1.0, 1.0) * 0.1).collect();
            push(&mut w, test, &Frames::dense_from_frames(wave.iter().map(|v| [*v])), i % 2);
        }
    }
    let spec = DataSpec {
        output_dim: 2,
        sequence_size: -1,
        sequence_size_present: true,
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: 1, num_channels: 1, num_channels_present: true, format: Format::Dense, ..Default::default() }],
        ..Default::default()
    };
    w.finish(spec, None).unwrap();
    out
}

fn train(dataset: &Path, run: &Path) {
    let out = Command::new(BIN)
        .args(["train", "--time-budget", "8", "--device", "cpu", "--no-score", "--out"])
        .arg(run)
        .arg(dataset)
        .output()
        .unwrap();
    assert!(out.status.success(), "train failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(run.join("model/bundle.json").is_file(), "no bundle: {}", String::from_utf8_lossy(&out.stderr));
}

fn predict(run: &Path, input: &Path, csv: &Path) -> Output {
    Command::new(BIN).args(["predict", "--run"]).arg(run).arg(input).arg("-o").arg(csv).output().unwrap()
}

/// Exit 2, one `error:` line holding every needle, no CSV (nor its temporary) left behind.
fn assert_refused(out: &Output, csv: &Path, needles: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "one error line: {err}");
    eprintln!("{}", lines[0]);
    for needle in needles {
        assert!(lines[0].contains(needle), "missing {needle:?} in: {}", lines[0]);
    }
    assert!(out.stdout.is_empty(), "nothing on standard output");
    let parent = csv.parent().unwrap();
    let stem = csv.file_name().unwrap().to_string_lossy().into_owned();
    let debris: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&stem))
        .collect();
    assert!(debris.is_empty(), "left behind: {debris:?}");
}

fn csv_numbers(path: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().skip(1).flat_map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap()).collect::<Vec<_>>()).collect()
}

fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (a, b) in got.iter().zip(want) {
        assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} vs {b}");
    }
}

#[test]
fn a_table_model_refuses_other_domains_classes_and_features() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let names4 = feature_names("x", 4);
    let trained = table(t, "xor", 4, 2, &names4);
    let run = t.join("run");
    train(&trained, &run);
    let bundle: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("model/bundle.json")).unwrap()).unwrap();
    assert_eq!(bundle["trained_on"]["domain"], "tabular");
    assert_eq!(bundle["trained_on"]["features"], 4);
    assert_eq!(bundle["trained_on"]["feature_names"], serde_json::json!(names4));
    let run_s = run.display().to_string();

    let three_classes = table(t, "three", 4, 3, &names4);
    let thirteen = table(t, "wide", 13, 2, &feature_names("x", 13));
    let renamed = table(t, "renamed", 4, 2, &["x0", "x1", "colour=red", "colour=blue"].map(String::from));
    let relabelled = table(t, "relabelled", 4, 2, &names4);
    std::fs::write(relabelled.join("relabelled_label.name"), "no\nyes\n").unwrap();
    let words = text(t, "words", &["<pad>", "good", "fine", "great", "bad", "poor", "awful"]);
    let csv = t.join("out.csv");
    let cases: Vec<(&str, &PathBuf, Vec<String>)> = vec![
        ("domain", &words, vec![format!("the model of {run_s} was trained on a table of 4 features"), format!("but {} is text (vocabulary 7 tokens", words.display())]),
        ("class count", &three_classes, vec![format!("the model of {run_s} predicts 2 classes (same, different)"), format!("but {} has 3 classes (same, different, third)", three_classes.display())]),
        ("class names", &relabelled, vec![format!("the model of {run_s} predicts the classes (same, different) but {}'s classes are (no, yes)", relabelled.display())]),
        ("feature count", &thirteen, vec!["trained on a table of 4 features (x0, x1, x2, x3)".into(), format!("but {} has 13 features per row", thirteen.display())]),
        ("feature names", &renamed, vec!["feature 3 is 'x2' for the model but 'colour=red'".into()]),
    ];
    for (case, input, needles) in &cases {
        let out = predict(&run, input, &csv);
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        eprintln!("case {case}");
        assert_refused(&out, &csv, &needles);
    }

    // The matching dataset still reproduces the last prediction.
    let out = predict(&run, &trained, &csv);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_close(&csv_numbers(&csv), &last_prediction(&run).concat());

    // A bundle from before the recorded facts: still predicts, says what it cannot verify,
    // and still refuses what its train metadata shows (13 features).
    let path = run.join("model/bundle.json");
    let mut old = bundle.clone();
    old.as_object_mut().unwrap().remove("trained_on");
    std::fs::write(&path, serde_json::to_vec_pretty(&old).unwrap()).unwrap();
    std::fs::remove_file(&csv).unwrap();
    let out = predict(&run, &trained, &csv);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("note:") && err.contains("feature names cannot be verified"), "{err}");
    assert_close(&csv_numbers(&csv), &last_prediction(&run).concat());
    std::fs::remove_file(&csv).unwrap();
    assert_refused(&predict(&run, &thirteen, &csv), &csv, &["13 features per row"]);
    assert_refused(&predict(&run, &three_classes, &csv), &csv, &["3 classes"]);
}

#[test]
fn a_text_model_refuses_another_vocabulary_and_audio() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let vocabulary = ["<pad>", "good", "fine", "great", "nice", "bad", "poor", "awful", "dull"];
    let trained = text(t, "reviews", &vocabulary);
    let run = t.join("run");
    train(&trained, &run);
    let bundle: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("model/bundle.json")).unwrap()).unwrap();
    let fingerprint = bundle["trained_on"]["vocabulary"]["fingerprint"].as_str().expect("a vocabulary fingerprint").to_string();
    assert_eq!(bundle["trained_on"]["vocabulary"]["tokens"], 9);

    let csv = t.join("out.csv");
    // Same size, two tokens swapped: every number still in range, meaning another word.
    let mut swapped = vocabulary;
    swapped.swap(1, 5);
    let other = text(t, "other", &swapped);
    let out = predict(&run, &other, &csv);
    assert_refused(&out, &csv, &[
        &format!("the model of {} was trained on text (vocabulary 9 tokens, fingerprint {fingerprint})", run.display()),
        &format!("but {} is text (vocabulary 9 tokens, fingerprint", other.display()),
        "other words",
    ]);
    let sound = audio(t, "sound");
    let out = predict(&run, &sound, &csv);
    assert_refused(&out, &csv, &[&format!("was trained on text (vocabulary 9 tokens, fingerprint {fingerprint}) but {} is audio", sound.display())]);

    // Raw images for a text model: refused before any conversion.
    let raw = t.join("pictures");
    for class in ["cat", "dog"] {
        std::fs::create_dir_all(raw.join(class)).unwrap();
        image::RgbImage::from_pixel(8, 8, image::Rgb([9, 9, 9])).save(raw.join(class).join("a.png")).unwrap();
    }
    let out = predict(&run, &raw, &csv);
    assert_refused(&out, &csv, &[&format!("the model of {} was trained on text but {} looks like raw images", run.display(), raw.display())]);

    let out = predict(&run, &trained, &csv);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_close(&csv_numbers(&csv), &last_prediction(&run).concat());
}
