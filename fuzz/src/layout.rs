//! How one fuzz input becomes a folder of files: the file lists of the multi-file targets and
//! the cut at [`SEPARATOR`]. Std only, so `tests/regression.rs` includes this very file
//! (`#[path]`) and replays committed inputs exactly as the targets read them.
//!
//! Part *k* of an input becomes file *k* of the target's list. An input with fewer parts leaves
//! the later files absent, so the fuzzer also explores missing files.

use std::path::Path;

/// Separates the files packed into one fuzz input.
pub const SEPARATOR: &[u8] = b"\n@@@\n";

/// The AutoML layout read by `automl_reader`, in the order of the input's parts.
pub const AUTOML_FILES: &[&str] = &[
    "t_train.data",
    "t_train.solution",
    "t_test.data",
    "t_test.solution",
    "t_valid.data",
    "t_valid.solution",
    "t_feat.name",
    "t_label.name",
];

/// The AutoNLP layout read by `autonlp_reader` (below the folder `O1`).
pub const AUTONLP_FILES: &[&str] =
    &["O1.data/meta.json", "O1.data/train.data", "O1.data/train.solution", "O1.data/test.data", "O1.solution"];

/// The dataset tree opened by `dataset_open`.
pub const DATASET_FILES: &[&str] = &[
    "d.data/train/metadata.textproto",
    "d.data/train/sample-d-train.tfrecord",
    "d.data/test/metadata.textproto",
    "d.data/test/sample-d-test.tfrecord",
    "d.solution",
];

/// At most `max` parts of `data` cut at [`SEPARATOR`]; the last part keeps any further separators.
pub fn split_parts(data: &[u8], max: usize) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() + 1 < max {
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

/// Writes the parts of `data` to `dir/names[k]` (parent folders created).
pub fn materialise(dir: &Path, names: &[&str], data: &[u8]) {
    for (name, bytes) in names.iter().zip(split_parts(data, names.len())) {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("scratch folder must be creatable");
        }
        std::fs::write(&path, bytes).expect("scratch file must be writable");
    }
}
