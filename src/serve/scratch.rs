//! Unit-test scratch space: a temporary folder holding one named file or folder.

use std::path::PathBuf;

/// A temporary folder with `name` in it: a file holding `text`, or (for `None`) a folder.
/// Keep the `TempDir` alive as long as the path is used.
pub fn scratch(name: &str, text: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().expect("a temporary folder");
    let path = d.path().join(name);
    match text {
        Some(text) => std::fs::write(&path, text).expect("a scratch file"),
        None => std::fs::create_dir_all(&path).expect("a scratch folder"),
    }
    (d, path)
}
