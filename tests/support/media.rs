//! The generated media of `scripts/make-fixtures-media.sh` for the binary's tests (included
//! with `#[path]` by the test files that need it).

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
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/make-fixtures-media.sh");
        match Command::new("bash").arg(&script).arg(&out).status().unwrap().code() {
            Some(0) => Some((tmp, out)),
            Some(3) if std::env::var("CI").map(|v| v != "true").unwrap_or(true) => {
                eprintln!("skipping: ffmpeg/python3 missing");
                None
            }
            other => panic!("{} failed: {other:?}", script.display()),
        }
    })
    .as_ref()
    .map(|(_, p)| p.as_path())
}
