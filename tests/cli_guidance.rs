//! Issue 21, "what hurt" items 5 and 9, as a user meets them: the wrong kind of folder given to
//! `validate`, `train` or `predict --run` says what it looks like and what to run instead; the
//! validator warns of classes without a test (or train) example and of a test set too small for
//! its classes; `convert --target` on a continuous-looking column says so. Each case asserts
//! the exit code, the message, and that a refused command left nothing behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use formats::dataset::WriterOptions;
use formats::example::Frames;
use formats::metadata::{DataSpec, MatrixSpec};

#[path = "support/datasets.rs"]
mod datasets;
use datasets::write_single_label;

const BIN: &str = env!("CARGO_BIN_EXE_autodl-format");

/// Raw images: 3 PNGs in 2 class folders.
fn raw_images(dir: &Path) {
    for (class, n) in [("cat", 2), ("dog", 1)] {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        for i in 0..n {
            image::RgbImage::from_pixel(8, 8, image::Rgb([40 * i as u8, 90, 200])).save(dir.join(class).join(format!("{i}.png"))).unwrap();
        }
    }
}

/// Like the wine table: `proline` holds 121 distinct integers in 178 rows, `cultivar` 3 classes.
fn wine(path: &Path) {
    let mut csv = String::from("alcohol,colour,cultivar,proline\n");
    for i in 0..178u32 {
        csv.push_str(&format!("{:.2},{},{},{}\n", 11.0 + f64::from(i % 37) * 0.1, i % 7, 1 + i % 3, 278 + 11 * (i % 121)));
    }
    std::fs::write(path, csv).unwrap();
}

/// A 3-class table dataset whose train and test rows hold the classes listed.
fn split_dataset(dir: &Path, name: &str, train: &[i64], test: &[i64]) -> PathBuf {
    let example = |is_test: bool, i: usize| {
        let c = if is_test { test[i] } else { train[i] };
        (Frames::dense_uniform(vec![c as f32, i as f32], 2).unwrap(), c as usize)
    };
    let spec = DataSpec {
        output_dim: 3,
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: 2, num_channels: 1, ..Default::default() }],
        ..Default::default()
    };
    write_single_label(&dir.join(name), name, WriterOptions::default(), (test.len(), train.len()), example, spec, &[]).unwrap()
}

/// Every path below `dir` (relative), to see what a command left.
fn tree(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.insert(p.strip_prefix(dir).unwrap().to_path_buf());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out
}

struct Case {
    name: &'static str,
    args: Vec<String>,
    code: i32,
    /// Text each of standard output + standard error must hold.
    says: Vec<String>,
    /// Text it must not hold.
    never: Vec<&'static str>,
    /// Paths (below the temporary folder) the command may create.
    creates: Vec<&'static str>,
}

fn case(name: &'static str, args: &[&str], code: i32, says: &[&str]) -> Case {
    Case {
        name,
        args: args.iter().map(|s| s.to_string()).collect(),
        code,
        says: says.iter().map(|s| s.to_string()).collect(),
        never: vec!["os error", "panicked"],
        creates: Vec::new(),
    }
}

impl Case {
    fn creating(mut self, path: &'static str) -> Case {
        self.creates.push(path);
        self
    }
    fn never_saying(mut self, text: &'static str) -> Case {
        self.never.push(text);
        self
    }
}

#[test]
fn wrong_folders_and_weak_splits_are_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    raw_images(&t.join("photos"));
    wine(&t.join("wine.csv"));
    std::fs::create_dir_all(t.join("empty")).unwrap();
    split_dataset(t, "notest", &[0, 1, 2, 0, 1, 2], &[0, 1, 0, 1, 0, 1, 0, 1]);
    split_dataset(t, "notrain", &[0, 1, 0, 1, 0, 1], &[0, 1, 2, 0, 1, 2]);
    split_dataset(t, "small", &[0, 1, 2, 0, 1, 2], &[0, 1, 2]);
    split_dataset(t, "fine", &[0, 1, 2, 0, 1, 2], &[0, 1, 2, 0, 1, 2]);
    // A rate run folder: its dataset, predictions and model (the bundle's content is not read).
    split_dataset(&t.join("oldrun"), "dataset", &[0, 1, 2, 0, 1, 2], &[0, 1, 2, 0, 1, 2]);
    std::fs::create_dir_all(t.join("oldrun/predictions")).unwrap();
    std::fs::create_dir_all(t.join("oldrun/model")).unwrap();
    std::fs::write(t.join("oldrun/model/bundle.json"), "{}").unwrap();
    // A run that recorded no prediction: no model.
    std::fs::create_dir_all(t.join("nomodel/predictions")).unwrap();
    let raw_look = "looks like raw images (3 files in 2 class folders), not an AutoDL dataset";
    let this_folder = format!("this folder {raw_look}");
    let convert = "`autodl-format convert photos --out photos-dataset`";
    let rate = "`autodl-format rate photos`";

    let mut cases = vec![
        // item 5: validate a raw folder / a raw table
        case("validate raw folder", &["validate", "photos"], 1, &["error[LAYOUT_NO_DATA_DIR] photos:", &this_folder, convert, rate, "\nphotos: INVALID: 1 error(s)"]),
        case("validate raw table", &["validate", "wine.csv"], 2, &[
            "error: wine.csv is not a folder; it looks like a table (a .csv file), not an AutoDL dataset",
            "`autodl-format convert wine.csv --out wine-dataset`",
            "`autodl-format rate wine.csv`",
        ]),
        // item 5: train a raw folder
        case("train raw folder", &["train", "photos", "--time-budget", "5", "--out", "run1"], 2, &[&format!("error: cannot train: photos {raw_look}"), convert, rate]),
        case("train raw table", &["train", "wine.csv", "--out", "run2"], 2, &["error: cannot train: wine.csv looks like a table (a .csv file)"]),
        // item 5: predict --run on a folder without a model
        case("predict --run empty folder", &["predict", "--run", "empty", "fine"], 2, &[
            "error: --run empty has no model/bundle.json. A run folder is the --out of `autodl-format train DATASET --out RUN` or `autodl-format rate INPUT --out RUN`",
        ]),
        case("predict --run raw folder", &["predict", "--run", "photos", "fine"], 2, &[&format!("error: --run photos is not a run: it looks like raw images (3 files in 2 class folders)")]),
        case("predict --run dataset", &["predict", "--run", "fine", "photos"], 2, &["error: --run fine is an AutoDL dataset, not a run (did you swap --run and the input?)"]),
        case("predict --run missing", &["predict", "--run", "nowhere", "fine"], 2, &["error: --run nowhere does not exist."]),
        case("predict --run run without model", &["predict", "--run", "nomodel", "fine"], 2, &[
            "error: --run nomodel has no model/bundle.json: its run saved no model",
        ]),
        // item 5: a run folder where a dataset goes
        case("validate run folder", &["validate", "oldrun"], 1, &[
            "error[LAYOUT_NO_DATA_DIR] oldrun:",
            "this folder looks like a run folder (the --out of `autodl-format train` or `rate`: model/, predictions/), not an AutoDL dataset; the dataset it was made from is oldrun/dataset",
        ]),
        case("train run folder", &["train", "oldrun", "--out", "run3"], 2, &["error: cannot train: oldrun looks like a run folder"]),
        // item 9: validator warnings
        case("class without test example", &["validate", "notest"], 0, &[
            "warning[TEST_CLASS_MISSING] notest/notest.solution: 1 of 3 classes have no test example (2)",
            "notest: valid: 0 error(s), 1 warning(s)",
        ]),
        case("class without train example", &["validate", "notrain"], 0, &[
            "warning[LABEL_CLASS_UNUSED]",
            "1 of 3 classes never appear in training records: 2",
            "notrain: valid: 0 error(s), 1 warning(s)",
        ]),
        case("test set too small", &["validate", "small"], 0, &[
            "warning[TEST_SET_SMALL] small/small.data/test/metadata.textproto [field sample_count]: 3 test example(s) for 3 classes (fewer than 2 per class)",
            "small: valid: 0 error(s), 1 warning(s)",
        ]),
        case("a good split", &["validate", "fine"], 0, &["fine: valid: 0 error(s), 0 warning(s)"]),
        // item 9: a continuous-looking target
        case("continuous target", &["convert", "wine.csv", "--target", "proline", "--out", "w1"], 0, &[
            "warning: wine.csv: target column 'proline' looks continuous (121 distinct numbers in 178 rows, from 278 to 1598)",
            "cut it into K value ranges of about equal size with --bins K (e.g. --bins 4), or pick another column with --target",
        ])
        .creating("w1"),
        case("continuous target binned", &["convert", "wine.csv", "--target", "proline", "--bins", "4", "--out", "w3"], 0, &["4 classes"])
            .creating("w3")
            .never_saying("looks continuous"),
        case("one bin", &["convert", "wine.csv", "--target", "proline", "--bins", "1", "--out", "w5"], 2, &["--bins must be at least 2"]),
        case("class target", &["convert", "wine.csv", "--target", "cultivar", "--out", "w2"], 0, &["3 classes"])
            .creating("w2")
            .never_saying("looks continuous"),
    ];
    // The JSON report keeps its code and carries the guidance.
    let mut json = case("validate --json raw folder", &["validate", "--json", "photos"], 1, &["\"code\": \"LAYOUT_NO_DATA_DIR\""]);
    json.says.push(this_folder.clone());
    cases.push(json);

    let mut failures = Vec::new();
    for c in &cases {
        let before = tree(t);
        let out = Command::new(BIN).args(&c.args).current_dir(t).env("NO_COLOR", "1").output().unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let mut wrong = Vec::new();
        if out.status.code() != Some(c.code) {
            wrong.push(format!("exit {:?}, expected {}", out.status.code(), c.code));
        }
        wrong.extend(c.says.iter().filter(|s| !all.contains(s.as_str())).map(|s| format!("missing {s:?}")));
        wrong.extend(c.never.iter().filter(|s| all.contains(*s)).map(|s| format!("should not say {s:?}")));
        if c.code == 2 && String::from_utf8_lossy(&out.stderr).lines().filter(|l| l.starts_with("error:")).count() != 1 {
            wrong.push("not exactly one error line".into());
        }
        let after = tree(t);
        let new: Vec<&PathBuf> = after.difference(&before).filter(|p| !c.creates.iter().any(|k| p.starts_with(k))).collect();
        if !new.is_empty() {
            wrong.push(format!("left behind {new:?}"));
        }
        for k in &c.creates {
            if !t.join(k).exists() {
                wrong.push(format!("{k} not created"));
            }
        }
        if !wrong.is_empty() {
            failures.push(format!("{} ({}): {}\n--- output:\n{all}", c.name, c.args.join(" "), wrong.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The shared Monkeys dataset: 7 of its 10 classes have no test example, in a test set of 4.
#[test]
fn monkeys_split_is_valid_with_its_two_warnings() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let out = Command::new(BIN).arg("validate").arg(data.join("autodl/Monkeys")).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("warning[TEST_CLASS_MISSING]") && text.contains("7 of 10 classes have no test example (0, 1, 4, 5, 6, 8, 9)"), "{text}");
    assert!(text.contains("warning[TEST_SET_SMALL]") && text.contains("4 test example(s) for 10 classes"), "{text}");
    assert!(text.contains("Monkeys: valid: 0 error(s), 2 warning(s)"), "{text}");
}
