//! Test helpers: the generated media fixtures (scripts/make-fixtures-media.sh, run once per
//! test binary into a temporary folder), labelled folders of them and checks of the output.
#![allow(dead_code)]

pub mod signal;

// The media fixtures and labelled folders of them are the binary's tests' own (same script).
#[path = "../../../../tests/support/media.rs"]
pub mod media;

use std::path::Path;

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
