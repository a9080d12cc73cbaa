//! Test helpers: the generated media fixtures (scripts/make-fixtures-media.sh, run once per
//! test binary into a temporary folder) and small folder layouts built from them.
#![allow(dead_code)]

pub mod signal;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// `<tmp>/{audio,video}` made by the fixture script, or `None` (after saying why) when ffmpeg
/// or python3 is missing. Under `CI=true` a missing tool fails the test instead.
pub fn media_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    DIR.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/make-fixtures-media.sh");
        let tmp = tempfile::tempdir().expect("temp dir");
        let out = tmp.path().join("media");
        let status = std::process::Command::new("bash").arg(&script).arg(&out).status().expect("bash runs");
        match status.code() {
            Some(0) => Some((tmp, out)),
            Some(3) if std::env::var("CI").map(|v| v != "true").unwrap_or(true) => {
                eprintln!("skipping: ffmpeg/python3 missing, media fixtures not generated");
                None
            }
            other => panic!("{} failed with {other:?}", script.display()),
        }
    })
    .as_ref()
    .map(|(_, p)| p.as_path())
}

/// A `labels.csv` layout in `dir`: copies of `files` (`(source, name, class, subset)`; copies,
/// since a labels file may name only files inside its folder) and
/// `FileName,Labels,subset` rows; `label.name` when `names` is given.
pub fn csv_layout(dir: &Path, files: &[(&Path, &str, u32, &str)], names: Option<&[&str]>) {
    std::fs::create_dir_all(dir).unwrap();
    let mut csv = String::from("FileName,Labels,subset\n");
    for (src, name, class, subset) in files {
        std::fs::copy(src, dir.join(name)).unwrap();
        csv.push_str(&format!("{name},{class},{subset}\n"));
    }
    std::fs::write(dir.join("labels.csv"), csv).unwrap();
    if let Some(names) = names {
        std::fs::write(dir.join("label.name"), names.join("\n") + "\n").unwrap();
    }
}

/// Asserts the deep validator finds no error.
pub fn assert_valid_deep(dir: &Path) {
    let report = formats::validate::validate(dir, &formats::validate::ValidateOptions { deep: true, ..Default::default() });
    assert!(report.is_valid(), "{:#?}", report.findings);
}

/// Frame count of the first video stream by FFmpeg's own decoder (an oracle independent of
/// the converter): `ffprobe -count_frames`.
pub fn ffprobe_frames(path: &Path) -> usize {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or_else(|_| panic!("ffprobe output for {}: {:?}", path.display(), out))
}
