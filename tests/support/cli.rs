//! The binary as the CLI tests call it, and the file-tree helpers they compare outputs with
//! (included with `#[path]` by the test files that need them, and by `recipes.rs`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `autodl-format` with no arguments yet.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_autodl-format"))
}

/// `path` as the `&str` an argument list takes (test paths are UTF-8).
pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The process's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `convert INPUT -o OUT --quiet EXTRA...`.
pub fn convert(input: &Path, out: &Path, extra: &[&str]) -> Output {
    bin().arg("convert").arg(input).arg("-o").arg(out).arg("--quiet").args(extra).output().expect("run autodl-format")
}

/// Asserts the run succeeded; its stderr.
pub fn ok(out: &Output) -> String {
    let err = stderr(out);
    assert!(out.status.success(), "exit {:?}: {err}", out.status.code());
    err
}

/// Asserts `validate --deep` accepts `dataset` (exit 0).
pub fn validate_deep(dataset: &Path) {
    let out = bin().arg("validate").arg("--deep").arg(dataset).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "validate --deep {}: {}{}",
        dataset.display(),
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}

/// Every file below `dir` with its bytes, sorted by relative path.
pub fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}
