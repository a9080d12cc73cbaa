//! Behaviour lock for refactoring (issue 15): content hashes of `convert`'s output for every
//! shared raw input and the committed fixtures, and of the first prediction file that
//! `train --seed 1 --time-budget 20` writes on the shared AutoDL datasets. A change of shape must
//! leave every line of `tests/golden/*.txt` as it is; a deliberate change of behaviour rewrites
//! them with `AUTODL_GOLDEN_UPDATE=1 cargo test --test golden` and says why in its commit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[path = "support/cli.rs"]
#[allow(dead_code)] // each test file uses part of it
mod cli;
use cli::{bin, tree};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One digest over every file below `dir`: sorted relative paths with their contents' SHA-256.
fn tree_digest(dir: &Path) -> String {
    let mut all = Sha256::new();
    for (rel, content) in tree(dir) {
        all.update(format!("{} {}\n", rel.to_string_lossy(), hex(&Sha256::digest(content))));
    }
    hex(&all.finalize())
}

/// Compares `got` with the committed file, or rewrites it under AUTODL_GOLDEN_UPDATE=1.
fn check(file: &str, got: &BTreeMap<String, String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(file);
    let text: String = got.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    if std::env::var_os("AUTODL_GOLDEN_UPDATE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let want: BTreeMap<String, String> = expected
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut differ = Vec::new();
    for (k, v) in &want {
        match got.get(k) {
            Some(g) if g == v => {}
            Some(g) => differ.push(format!("{k}: expected {v}, got {g}")),
            None => differ.push(format!("{k}: not produced")),
        }
    }
    for k in got.keys().filter(|k| !want.contains_key(*k)) {
        differ.push(format!("{k}: new case, not in {file}"));
    }
    assert!(differ.is_empty(), "behaviour changed against tests/golden/{file}:\n{}", differ.join("\n"));
}

fn convert_digest(input: &Path, args: &[&str], tmp: &Path, name: &str) -> String {
    let out = tmp.join(name);
    let run = bin().arg("convert").arg(input).arg("-o").arg(&out).arg("--quiet").args(args).output().unwrap();
    assert!(run.status.success(), "convert {name}: {}", String::from_utf8_lossy(&run.stderr));
    tree_digest(&out)
}

/// One test, so the training runs do not share the CPU with the conversions (first predictions
/// must come well inside the 20 s budget on a 2-core machine).
#[test]
fn outputs_are_unchanged() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    convert_outputs(&data);
    first_predictions(&data);
}

fn convert_outputs(data: &Path) {
    let raw = data.join("raw");
    let tmp = tempfile::tempdir().unwrap();
    // (name in convert.txt, flags): the input is the name up to any "@variant", in the shared
    // data (raw/…) or in this checkout (fixtures/…)
    let cases: [(&str, &[&str]); 16] = [
        ("raw/mini-cifar", &[]),
        ("raw/monkeys", &[]),
        ("raw/mini-kth@fps5", &["--fps", "5", "--size", "60x80", "--test-size", "0.34"]),
        ("raw/iris-AutoML", &[]),
        ("raw/iris-AutoML@resplit", &["--resplit"]),
        ("raw/randomtext", &["--domain", "text", "--name", "randomtext"]),
        ("fixtures/tabular/mixed.csv", &["--target", "species", "--seed", "7"]),
        ("fixtures/tabular/mixed.tsv", &["--target", "species"]),
        ("fixtures/tabular/mostly_zero.csv", &["--target", "label"]),
        ("fixtures/tabular/multilabel.csv", &["--target", "is_a", "--target", "is_b", "--target", "is_c"]),
        ("fixtures/tabular/automl_sparse", &[]),
        ("fixtures/tabular/automl_binary", &[]),
        ("fixtures/text/classes", &["--seed", "7"]),
        ("fixtures/text/reviews.csv", &["--domain", "text"]),
        ("fixtures/text/topics.jsonl", &["--tokenizer", "bpe", "--vocab-size", "100", "--max-length", "12"]),
        ("fixtures/text/chinese", &[]),
    ];
    let mut cases: Vec<(&str, PathBuf, &[&str])> = cases
        .into_iter()
        .map(|(name, args)| {
            let path = name.split('@').next().unwrap();
            let input = path.strip_prefix("fixtures/").map_or_else(|| data.join(path), fixture);
            (name, input, args)
        })
        .collect();
    // the AutoNLP layout is the dataset folder inside it
    cases.push(("fixtures/text/autonlp", fixture("text/autonlp/toynlp"), &[]));
    let mut got = BTreeMap::new();
    for (i, (name, input, args)) in cases.iter().enumerate() {
        got.insert(name.to_string(), convert_digest(input, args, tmp.path(), &format!("c{i}")));
    }
    // Speech: the two NIST SPHERE utterances (FFmpeg), each in both subsets (the split needs
    // two test rows).
    let speech = tmp.path().join("speech-input");
    std::fs::create_dir_all(&speech).unwrap();
    let mut labels = String::from("FileName,Labels,subset\n");
    for (i, f) in ["example1.sph", "example2.sph"].iter().enumerate() {
        for subset in ["train", "test"] {
            let name = format!("{subset}{i}.sph");
            std::fs::copy(raw.join("speech-sph").join(f), speech.join(&name)).unwrap();
            labels.push_str(&format!("{name},{i},{subset}\n"));
        }
    }
    std::fs::write(speech.join("labels.csv"), labels).unwrap();
    got.insert("raw/speech-sph".into(), convert_digest(&speech, &["--max-seconds", "1", "--crop", "center"], tmp.path(), "speech"));
    check("convert.txt", &got);
}

fn first_predictions(data: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let mut got = BTreeMap::new();
    for set in ["Monkeys", "miniciao", "mini1"] {
        let out = tmp.path().join(set);
        let run = bin()
            .arg("train")
            .arg(data.join("autodl").join(set))
            .args(["--seed", "1", "--time-budget", "20", "--device", "cpu", "--no-score", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(run.status.success(), "train {set}: {}", String::from_utf8_lossy(&run.stderr));
        let first = std::fs::read_dir(out.join("predictions"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "predict_0"))
            .unwrap_or_else(|| panic!("train {set}: no first prediction"));
        got.insert(format!("train/{set}"), hex(&Sha256::digest(std::fs::read(first).unwrap())));
    }
    check("train.txt", &got);
}
