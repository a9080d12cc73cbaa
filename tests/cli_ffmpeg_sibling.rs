//! Where FFmpeg runs (issue 15): `autodl-format` maps neither FFmpeg nor libtorch at start-up;
//! video and audio conversions continue in `autodl-format-train` (which installs the FFmpeg
//! decoders), and with that executable absent the light one says what is missing (video) or
//! reads audio through symphonia alone.
#![cfg(all(feature = "ffmpeg", feature = "train", target_os = "linux"))]

use std::path::Path;
use std::process::Command;

#[path = "support/media.rs"]
mod support;
use support::media;

/// The shared libraries `path` names in its dynamic section (DT_NEEDED), read with `readelf`;
/// `None` when readelf is missing outside CI.
fn needed(path: &Path) -> Option<Vec<String>> {
    let out = match Command::new("readelf").arg("-d").arg(path).output() {
        Ok(o) => o,
        Err(e) => {
            assert!(std::env::var("CI").map(|v| v != "true").unwrap_or(true), "readelf: {e}");
            eprintln!("skipping: readelf missing ({e})");
            return None;
        }
    };
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    Some(text.lines().filter(|l| l.contains("(NEEDED)")).filter_map(|l| l.split('[').nth(1)).map(|s| s.trim_end_matches(']').to_string()).collect())
}

fn is_ffmpeg_or_torch(lib: &str) -> bool {
    ["libav", "libsw", "libpostproc", "torch", "libc10"].iter().any(|p| lib.starts_with(p) || lib.contains("torch"))
}

#[test]
fn light_executable_needs_neither_ffmpeg_nor_libtorch() {
    let light = Path::new(env!("CARGO_BIN_EXE_autodl-format"));
    let train = Path::new(env!("CARGO_BIN_EXE_autodl-format-train"));
    let (Some(light_libs), Some(train_libs)) = (needed(light), needed(train)) else { return };
    assert!(!light_libs.iter().any(|l| is_ffmpeg_or_torch(l)), "autodl-format needs {light_libs:?}");
    // The check can fail: the sibling does name both.
    assert!(train_libs.iter().any(|l| l.starts_with("libavformat")), "autodl-format-train needs {train_libs:?}");
    assert!(train_libs.iter().any(|l| l.contains("torch")), "autodl-format-train needs {train_libs:?}");
}

#[test]
fn video_goes_to_the_sibling_and_is_refused_without_it() {
    let Some(m) = media() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let videos = tmp.path().join("videos");
    for (class, file) in [("a", "h264.mp4"), ("a", "short.mp4"), ("b", "mpeg4.avi"), ("b", "red.mp4")] {
        std::fs::create_dir_all(videos.join(class)).unwrap();
        std::fs::copy(m.join("video").join(file), videos.join(class).join(file)).unwrap();
    }
    // Beside its sibling (as built): the conversion runs there.
    let out = tmp.path().join("ok");
    let run = Command::new(env!("CARGO_BIN_EXE_autodl-format"))
        .args(["convert", "--test-size", "0.5", "--quiet", "-o"])
        .arg(&out)
        .arg(&videos)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(out.join("videos.data/train/metadata.textproto").is_file());

    // Alone in a folder: video is refused, naming the missing executable; nothing is written.
    let alone = tmp.path().join("alone");
    std::fs::create_dir_all(&alone).unwrap();
    let light = alone.join("autodl-format");
    std::fs::copy(env!("CARGO_BIN_EXE_autodl-format"), &light).unwrap();
    let out2 = tmp.path().join("refused");
    let run = Command::new(&light).args(["convert", "--test-size", "0.5", "-o"]).arg(&out2).arg(&videos).output().unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(err.contains("no video decoder") && err.contains("autodl-format-train"), "{err}");
    assert!(!out2.exists());

    // Audio symphonia reads still converts there, without FFmpeg.
    let audio = tmp.path().join("audio");
    for (class, file) in [("a", "tone.mp3"), ("a", "stereo_44k.wav"), ("b", "tone.mp3"), ("b", "stereo_44k.wav")] {
        std::fs::create_dir_all(audio.join(class)).unwrap();
        std::fs::copy(m.join("audio").join(file), audio.join(class).join(file)).unwrap();
    }
    let out3 = tmp.path().join("audio-ds");
    let run = Command::new(&light).args(["convert", "--test-size", "0.5", "--quiet", "-o"]).arg(&out3).arg(&audio).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(out3.join("audio.data/test/metadata.textproto").is_file());
}
