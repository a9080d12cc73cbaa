//! `autodl-format convert` on video and audio, end to end: the binary on raw/mini-kth,
//! raw/speech-sph and generated media (`scripts/make-fixtures-media.sh`), then
//! `validate --deep`; bad inputs named with file and reason; no output on failure.

#[path = "support/cli.rs"]
#[allow(dead_code)] // each test file uses part of it
mod cli;
use cli::{convert, ok, validate_deep};

#[path = "support/media.rs"]
mod support;
use support::{csv_layout, media, media_layout};

#[test]
fn mini_kth_detected_as_video_and_valid() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    if media().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("kth");
    let err = ok(&convert(&data.join("raw/mini-kth"), &out, &["--fps", "2", "--size", "60x80", "--test-size", "0.34"]));
    // Clips of 408, 312, 581, 420, 325, 741 frames at 25 fps (2787 in all); at 2 fps frame i is
    // kept when floor(0.08 i) is new: floor(0.08 (n - 1)) + 1 = 33 + 25 + 47 + 34 + 26 + 60.
    assert!(err.contains("(-1, 60, 80, 3)"), "{err}");
    assert!(err.contains("225 frames stored of 2787 decoded"), "{err}");
    validate_deep(&out);
    let meta = std::fs::read_to_string(out.join("mini-kth.data/test/metadata.textproto")).unwrap();
    assert!(meta.contains("row_count: 60") && meta.contains("col_count: 80") && meta.contains("output_dim: 6"), "{meta}");
}

#[test]
fn speech_and_generated_audio_detected_as_audio() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let Some(m) = media() else { return };
    let sph = data.join("raw/speech-sph");
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("speech");
    csv_layout(
        &input,
        &[
            (sph.join("example1.sph"), "a.sph", 0, "test"),
            (sph.join("example2.sph"), "b.sph", 1, "test"),
            (m.join("audio/tone.mp3"), "c.mp3", 0, "train"),
            (m.join("audio/stereo_44k.wav"), "d.wav", 1, "train"),
            (m.join("audio/tone.m4a"), "e.m4a", 1, "train"),
        ],
    );
    let out = tmp.path().join("out");
    let err = ok(&convert(&input, &out, &["--max-seconds", "1", "--crop", "center"]));
    assert!(err.contains("(-1, 1, 1, 1) at 16000 Hz") && err.contains("skipped 0 of 5"), "{err}");
    validate_deep(&out);
    // --channels 3 makes no sense for audio: refused before anything is written.
    let bad = convert(&input, &tmp.path().join("x"), &["--channels", "3"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--channels 3 does not apply to audio"));
    assert!(!tmp.path().join("x").exists());
}

#[test]
fn bad_media_named_and_nothing_written_on_fail() {
    let Some((tmp, input)) = media_layout(
        "clips",
        &[
            ("video/h264.mp4", "a.mp4", 0, "test"),
            ("video/red.mp4", "b.mp4", 1, "test"),
            ("video/short.mp4", "c.mp4", 1, "train"),
            ("video/truncated.mp4", "cut.mp4", 0, "train"),
        ],
    ) else {
        return;
    };
    let out = tmp.path().join("out");
    let run = convert(&input, &out, &["--frames", "4", "--on-error", "fail"]);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("cut.mp4") && err.contains("not a readable video container"), "{err}");
    assert!(!out.exists(), "no partial output");
    let err = ok(&convert(&input, &out, &["--frames", "4"]));
    assert!(err.contains("(4, 48, 64, 3)") || err.contains("(4, -1, -1, 3)"), "{err}");
    assert!(err.contains("skipped 1 of 4"), "{err}");
    let report = std::fs::read_to_string(out.join("clips_skipped.tsv")).unwrap();
    assert!(report.contains("cut.mp4") && report.contains("not a readable video container"), "{report}");
    validate_deep(&out);

    // A text file named .wav in an audio folder: named with its reason.
    let (tmp, audio) = media_layout(
        "sounds",
        &[
            ("audio/sine_8k.wav", "a.wav", 0, "test"),
            ("audio/tone.flac", "b.flac", 1, "test"),
            ("audio/tone.ogg", "c.ogg", 1, "train"),
            ("audio/text.wav", "notes.wav", 0, "train"),
        ],
    )
    .unwrap();
    let run = convert(&audio, &tmp.path().join("aout"), &["--on-error", "fail"]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success() && err.contains("notes.wav") && err.contains("not a known audio container"), "{err}");
    assert!(!tmp.path().join("aout").exists());
}
