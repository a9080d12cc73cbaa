//! The generated media of `scripts/make-fixtures-media.sh` and labelled folders of them, for the
//! binary's tests and the audio and video converters' tests (included with `#[path]`).
#![allow(dead_code)] // each test file uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `<tmp>/{audio,video}` made by the fixture script once per test binary, or `None` when
/// ffmpeg/python3 are missing outside CI (under `CI=true` that is a failure).
pub fn media() -> Option<&'static Path> {
    static DIR: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("media");
        // The repository root is the manifest's folder or one above it (a converter crate).
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|d| d.join("scripts/make-fixtures-media.sh"))
            .find(|p| p.is_file())
            .expect("scripts/make-fixtures-media.sh above the crate");
        match Command::new("bash").arg(&script).arg(&out).status().unwrap().code() {
            Some(0) => Some((tmp, out)),
            Some(3) if std::env::var("CI").map(|v| v != "true").unwrap_or(true) => {
                eprintln!("skipping: ffmpeg/python3 missing, media fixtures not generated");
                None
            }
            other => panic!("{} failed: {other:?}", script.display()),
        }
    })
    .as_ref()
    .map(|(_, p)| p.as_path())
}

/// A labels.csv folder at `dir` of copies of `files`, `(source, copy's name, class, subset)`:
/// copies, since a labels file may name only files inside its folder (issue 22).
pub fn csv_layout<P: AsRef<Path>>(dir: &Path, files: &[(P, &str, u32, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    let mut csv = String::from("FileName,Labels,subset\n");
    for (src, name, class, subset) in files {
        std::fs::copy(src, dir.join(name)).unwrap();
        csv.push_str(&format!("{name},{class},{subset}\n"));
    }
    std::fs::write(dir.join("labels.csv"), csv).unwrap();
}

/// A new temporary folder holding the labels.csv folder `name` of copies of generated media
/// (`files` as for [`csv_layout`], sources relative to [`media`]), or `None` without the media.
pub fn media_layout(name: &str, files: &[(&str, &str, u32, &str)]) -> Option<(tempfile::TempDir, PathBuf)> {
    let media = media()?;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    let files: Vec<_> = files.iter().map(|&(src, name, class, subset)| (media.join(src), name, class, subset)).collect();
    csv_layout(&dir, &files);
    Some((tmp, dir))
}
