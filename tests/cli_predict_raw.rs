//! `rate` on raw inputs, then `predict --run RUN RAW` on raw inputs again, for each of the five
//! domains: every row names its input, and for the inputs that were in the test split the
//! probabilities equal those of the run's last prediction file (the model on the converted
//! test subset), found through `<name>_test_sources.txt`. Also `convert --unlabelled` and the
//! errors naming an unmappable column or file.

mod rate_support;
#[path = "support/predictions.rs"]
mod predictions;
#[path = "support/lcg.rs"]
#[allow(dead_code)] // each test file draws its own way
mod lcg;
use lcg::Lcg;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use predictions::last_prediction;
use rate_support::{rate, wav_pcm16, write_image_folder, BIN};

fn ok(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "exit {:?}: {err}", o.status.code());
    err
}

fn predict(run: &Path, input: &Path, extra: &[&str]) -> Output {
    Command::new(BIN).args(["predict", "--run"]).arg(run).arg(input).args(extra).output().unwrap()
}

/// `<dataset>/<name>_test_sources.txt`, one source per test record.
fn test_sources(dataset: &Path) -> Vec<String> {
    let file = std::fs::read_dir(dataset)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("_test_sources.txt"))
        .expect("a test sources file");
    std::fs::read_to_string(file).unwrap().lines().map(String::from).collect()
}

/// A prediction CSV on raw inputs: header, and per row (identity cells, predicted, probabilities).
struct Named {
    header: Vec<String>,
    rows: Vec<(Vec<String>, String, Vec<f64>)>,
}

fn parse_named(text: &str, id_columns: usize) -> Named {
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let ids = cells[..id_columns].iter().map(|s| s.to_string()).collect();
            let probs = cells[id_columns + 1..].iter().map(|v| v.parse().unwrap()).collect();
            (ids, cells[id_columns].to_string(), probs)
        })
        .collect();
    Named { header, rows }
}

/// `rate` on `raw`, then `predict` on `new_input`: rows named, test inputs reproduce the last
/// prediction file. Returns the run folder and the parsed prediction.
fn rate_then_predict(tmp: &Path, raw: &Path, rate_args: &[&str], new_input: &Path, predict_args: &[&str], id_columns: usize) -> (PathBuf, Named) {
    let run = tmp.join("run");
    let o = rate(raw, &run, rate_args);
    assert_eq!(o.status.code(), Some(0), "rate failed");
    assert!(run.join("model/recipe.json").is_file(), "the bundle holds the recipe");
    let last = last_prediction(&run);
    let sources = test_sources(&run.join("dataset"));
    assert_eq!(sources.len(), last.len());

    let o = predict(&run, new_input, predict_args);
    ok(&o);
    let named = parse_named(&String::from_utf8_lossy(&o.stdout), id_columns);
    let classes = last[0].len();
    assert_eq!(named.header.len(), id_columns + 1 + classes, "{:?}", named.header);
    assert_eq!(named.header[id_columns], "predicted");
    let by_id: HashMap<&str, &Vec<f64>> = named.rows.iter().map(|(ids, _, p)| (ids[0].as_str(), p)).collect();
    assert_eq!(by_id.len(), named.rows.len(), "every row names a distinct input");
    let mut compared = 0;
    for (source, want) in sources.iter().zip(&last) {
        let Some(got) = by_id.get(source.as_str()) else { continue };
        assert_eq!(got.len(), want.len());
        for (a, b) in got.iter().zip(want) {
            assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{source}: {a} vs {b}");
        }
        compared += 1;
    }
    assert_eq!(compared, sources.len(), "every test input was predicted again");
    for (_, predicted, p) in &named.rows {
        let best = p.iter().enumerate().fold(0, |b, (k, &v)| if v > p[b] { k } else { b });
        assert_eq!(predicted, &named.header[id_columns + 1 + best]);
    }
    (run, named)
}

#[test]
fn images_from_a_raw_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("shapes");
    write_image_folder(&raw, 12);
    let (run, named) = rate_then_predict(tmp.path(), &raw, &["--time-budget", "30", "--seed", "3"], &raw, &[], 1);
    assert_eq!(named.rows.len(), 36);
    assert_eq!(named.header[0], "path");
    assert!(named.rows.iter().any(|(ids, _, _)| ids[0] == "disc/000.png"));

    // a flat folder of new images, one of another kind: the error names it
    let new = tmp.path().join("new");
    std::fs::create_dir_all(&new).unwrap();
    std::fs::copy(raw.join("ring/001.png"), new.join("a.png")).unwrap();
    let o = predict(&run, &new, &[]);
    let (rows, _) = (parse_named(&String::from_utf8_lossy(&o.stdout), 1).rows, ok(&o));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0[0], "a.png");
    std::fs::write(new.join("notes.txt"), "x").unwrap();
    let o = predict(&run, &new, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("notes.txt") && err.contains("converts only image files"), "{err}");

    // the unlabelled set itself, from the run's recipe
    let unl = tmp.path().join("unl");
    let o = Command::new(BIN).arg("convert").arg(&raw).arg("-o").arg(&unl).arg("--unlabelled").arg("--recipe").arg(&run).output().unwrap();
    ok(&o);
    let listed = std::fs::read_to_string(unl.join("unlabelled_sources.txt")).unwrap();
    assert_eq!(listed.lines().count(), 36);
    let o = Command::new(BIN).arg("validate").arg(&unl).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let o = predict(&run, &unl, &[]);
    let text = ok(&o);
    let plain = String::from_utf8_lossy(&o.stdout).lines().skip(1).map(String::from).collect::<Vec<_>>();
    let probs: Vec<String> = named.rows.iter().map(|(_, _, p)| p.iter().map(|v| format!("{v}")).collect::<Vec<_>>().join(",")).collect();
    assert_eq!(plain, probs, "{text}");
}

/// The table of `rate_support::write_table` without its bad row, its target, with an id
/// column first.
fn new_rows(train_csv: &Path, out: &Path) {
    let text = std::fs::read_to_string(train_csv).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let mut out_text = format!("name,{}\n", header.rsplit_once(',').unwrap().0);
    for (i, l) in lines.enumerate() {
        let l = l.replace("not-a-number", "1.5");
        out_text.push_str(&format!("item{},{}\n", i + 1, l.rsplit_once(',').unwrap().0));
    }
    std::fs::write(out, out_text).unwrap();
}

#[test]
fn table_rows_without_the_target() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("flowers.csv");
    rate_support::write_table(&csv, 90);
    let new = tmp.path().join("new.csv");
    new_rows(&csv, &new);
    let (run, named) = rate_then_predict(tmp.path(), &csv, &["--time-budget", "8"], &new, &["--id-column", "name"], 2);
    assert_eq!(named.header[..2], ["row".to_string(), "name".to_string()]);
    assert_eq!(named.rows.len(), 91);
    assert!(named.rows.iter().all(|(ids, _, _)| ids[1] == format!("item{}", ids[0])));

    // a column the training table did not have, a feature column missing
    let text = std::fs::read_to_string(&new).unwrap();
    let extra = tmp.path().join("extra.csv");
    std::fs::write(&extra, text.replacen("name,", "label_guess,", 1)).unwrap();
    let err = String::from_utf8_lossy(&predict(&run, &extra, &[]).stderr).to_string();
    assert!(err.contains("column 'label_guess'") && err.contains("not a column of the training table"), "{err}");
    let missing = tmp.path().join("missing.csv");
    let cut: String = text.lines().map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n").collect();
    std::fs::write(&missing, cut).unwrap();
    let err = String::from_utf8_lossy(&predict(&run, &missing, &["--id-column", "name"]).stderr).to_string();
    assert!(err.contains("column 'colour'") && err.contains("missing"), "{err}");
}

#[test]
fn text_documents_from_a_raw_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("reviews");
    let words = [["great", "wonderful", "superb", "lovely"], ["awful", "boring", "dreadful", "dull"]];
    for (c, class) in ["pos", "neg"].iter().enumerate() {
        std::fs::create_dir_all(raw.join(class)).unwrap();
        for k in 0..20 {
            let text = format!("the film was {} and {} , truly {} {k}", words[c][k % 4], words[c][(k + 1) % 4], words[c][(k + 2) % 4]);
            std::fs::write(raw.join(class).join(format!("{k:02}.txt")), text).unwrap();
        }
    }
    let (_, named) = rate_then_predict(tmp.path(), &raw, &["--time-budget", "20"], &raw, &[], 1);
    assert_eq!(named.rows.len(), 40);
    assert!(named.rows.iter().any(|(ids, _, _)| ids[0] == "pos/00.txt"));
}

/// A mono 16-bit WAV of a tone at `hz` with a little noise.
fn write_wav(path: &Path, hz: f64, seed: u64) {
    let rate = 8000u32;
    let mut rng = Lcg(seed);
    let samples: Vec<i16> = (0..4000usize)
        .map(|i| {
            let noise = rng.centred() * 0.1;
            ((0.5 * (2.0 * std::f64::consts::PI * hz * i as f64 / rate as f64).sin() + noise) * 32767.0) as i16
        })
        .collect();
    std::fs::write(path, wav_pcm16(&samples, rate)).unwrap();
}

#[test]
fn audio_from_a_raw_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("tones");
    for (class, hz) in [("low", 300.0), ("high", 1200.0)] {
        std::fs::create_dir_all(raw.join(class)).unwrap();
        for k in 0..10u64 {
            write_wav(&raw.join(class).join(format!("{k}.wav")), hz * (1.0 + k as f64 / 50.0), k + 1);
        }
    }
    let (_, named) = rate_then_predict(tmp.path(), &raw, &["--time-budget", "30", "--sample-rate", "8000"], &raw, &[], 1);
    assert_eq!(named.rows.len(), 20);
    assert!(named.rows.iter().any(|(ids, _, _)| ids[0] == "low/0.wav"));
}

#[test]
fn video_from_a_raw_folder() {
    if Command::new("ffmpeg").arg("-version").output().is_err() {
        assert!(std::env::var("CI").map(|v| v != "true").unwrap_or(true), "ffmpeg is needed under CI");
        eprintln!("skipping: no ffmpeg CLI to make clips");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("clips");
    for (class, source) in [("red", "color=c=red:"), ("bars", "testsrc=")] {
        std::fs::create_dir_all(raw.join(class)).unwrap();
        for k in 0..6 {
            let o = Command::new("ffmpeg")
                .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
                .arg(format!("{source}size=32x24:rate=10"))
                .args(["-frames:v", &(8 + k).to_string(), "-c:v", "ffv1"])
                .arg(raw.join(class).join(format!("{k}.mkv")))
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
    }
    let (_, named) = rate_then_predict(tmp.path(), &raw, &["--time-budget", "30", "--frames", "4"], &raw, &[], 1);
    assert_eq!(named.rows.len(), 12);
    assert!(named.rows.iter().any(|(ids, _, _)| ids[0] == "red/0.mkv"));
}
