//! Video conversion: frame selection, sizes, channels on generated clips; raw/mini-kth → a
//! 6-class dataset; bad inputs reported by file and reason.
#![cfg(feature = "ffmpeg")]

// The media fixtures and layout helpers are the audio converter's tests' own (same script).
#[path = "../../audio/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use converters_common::file_domain::CheckOptions;
use converters_common::folder::{convert_folder, FolderRequest};
use converters_common::{ErrorPolicy, OnError, SplitOptions};
use converters_video::decode::{probe, read_clip};
use converters_video::{FrameSelection, Video, VideoOptions, VideoStorage};
use formats::dataset::{DatasetReader, Subset};
use formats::example::Frames;
use support::media::{media, media_layout};
use support::{assert_valid_deep, ffprobe_frames};

fn video(name: &str) -> Option<PathBuf> {
    media().map(|d| d.join("video").join(name))
}

fn clip(path: &Path, opts: VideoOptions, channels: u8) -> converters_video::decode::Clip {
    read_clip(path, &opts.check().unwrap(), channels).unwrap()
}

fn jpegs(f: &Frames) -> &[Vec<u8>] {
    match f {
        Frames::Compressed(v) => v,
        other => panic!("expected compressed frames, got {:?}", other.format()),
    }
}

fn decode(jpeg: &[u8]) -> image::DynamicImage {
    image::load_from_memory(jpeg).unwrap()
}

fn request(input: &Path, out: &Path, video: VideoOptions) -> FolderRequest<VideoOptions> {
    let mut req = FolderRequest::new(input, out, video);
    req.common.quiet = true;
    req
}

/// `(frame count, first frame (H, W), label set)` of every record: test (labels from the
/// solution) then train.
fn records(dir: &Path) -> Vec<(usize, Vec<i64>, Frames)> {
    let reader = DatasetReader::open(dir).unwrap();
    let solution = reader.solution().unwrap().unwrap();
    let mut out = Vec::new();
    for (i, r) in reader.examples(Subset::Test).unwrap().enumerate() {
        let r = r.unwrap();
        let labels = solution.row(i).iter().enumerate().filter(|(_, v)| **v == 1.0).map(|(k, _)| k as i64).collect();
        out.push((r.frames().num_frames(), labels, r.frames().clone()));
    }
    for r in reader.examples(Subset::Train).unwrap() {
        let r = r.unwrap();
        let labels = r.labels().iter().map(|p| p.0).collect();
        out.push((r.frames().num_frames(), labels, r.frames().clone()));
    }
    out
}

#[test]
fn every_frame_by_default_and_audio_track_ignored() {
    converters_video::decode::install();
    let Some(h264) = video("h264.mp4") else { return };
    let c = clip(&h264, VideoOptions::default(), 3);
    assert_eq!(c.frames.num_frames(), ffprobe_frames(&h264));
    assert_eq!(c.frames.num_frames(), 50);
    assert_eq!((c.height, c.width), (48, 64));
    let img = decode(&jpegs(&c.frames)[0]);
    assert_eq!((img.height(), img.width()), (48, 64));
    assert!(!c.capped);
    // MPEG-4 part 2 in AVI (the DivX family of mini-kth).
    let avi = video("mpeg4.avi").unwrap();
    assert_eq!(clip(&avi, VideoOptions::default(), 3).frames.num_frames(), ffprobe_frames(&avi));
}

#[test]
fn fps_selection_counts() {
    converters_video::decode::install();
    let Some(h264) = video("h264.mp4") else { return };
    // 50 frames at 25 fps = 2 s.
    for (fps, want) in [(10.0, 20), (5.0, 10), (1.0, 2), (25.0, 50), (100.0, 50)] {
        let c = clip(&h264, VideoOptions { selection: FrameSelection::Fps(fps), ..Default::default() }, 3);
        assert_eq!(c.frames.num_frames(), want, "--fps {fps}");
        assert_eq!(c.decoded, 50);
    }
}

#[test]
fn frames_n_uniform_and_short_clip_repeats() {
    converters_video::decode::install();
    let Some(h264) = video("h264.mp4") else { return };
    let c = clip(&h264, VideoOptions { selection: FrameSelection::Count(7), ..Default::default() }, 3);
    assert_eq!(c.frames.num_frames(), 7);
    let all = clip(&h264, VideoOptions::default(), 3);
    // Frame j of the record is source frame floor((2j+1)·50/14): same pixels, same encoder.
    for (j, src) in [3usize, 10, 17, 25, 32, 39, 46].iter().enumerate() {
        assert_eq!(jpegs(&c.frames)[j], jpegs(&all.frames)[*src], "record frame {j} = source frame {src}");
    }
    let short = video("short.mp4").unwrap();
    let c = clip(&short, VideoOptions { selection: FrameSelection::Count(8), ..Default::default() }, 3);
    let f = jpegs(&c.frames);
    assert_eq!(f.len(), 8);
    // 5 source frames → indices 0,0,1,2,2,3,4,4
    assert_eq!(f[0], f[1]);
    assert_eq!(f[3], f[4]);
    assert_eq!(f[6], f[7]);
    assert_ne!(f[0], f[7]);
}

#[test]
fn size_dense_and_cap() {
    converters_video::decode::install();
    let Some(h264) = video("h264.mp4") else { return };
    let opts = VideoOptions {
        selection: FrameSelection::Count(4),
        size: Some((6, 8)),
        storage: VideoStorage::Dense,
        ..Default::default()
    };
    let c = clip(&h264, opts, 3);
    match &c.frames {
        Frames::Dense { values, offsets } => {
            assert_eq!(offsets.len(), 5);
            assert_eq!(values.len(), 4 * 6 * 8 * 3);
            assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));
            assert!(values.iter().any(|v| *v > 0.5));
        }
        other => panic!("expected dense, got {:?}", other.format()),
    }
    let c = clip(&h264, VideoOptions { size: Some((24, 32)), max_frames: Some(10), ..Default::default() }, 3);
    assert_eq!(c.frames.num_frames(), 10);
    assert!(c.capped);
    let img = decode(&jpegs(&c.frames)[9]);
    assert_eq!((img.height(), img.width()), (24, 32));
}

#[test]
fn gray_sources_and_luma_not_blue() {
    converters_video::decode::install();
    let Some(gray) = video("gray.mkv") else { return };
    assert!(probe(&gray).unwrap().gray);
    let red = video("red.mp4").unwrap();
    assert!(!probe(&red).unwrap().gray);
    // Gray kept as one channel.
    let c = clip(&gray, VideoOptions::default(), 1);
    assert_eq!(c.frames.num_frames(), 30);
    assert_eq!(decode(&jpegs(&c.frames)[0]).color(), image::ColorType::L8);
    // Gray expanded to three equal channels.
    let c = clip(&gray, VideoOptions::default(), 3);
    let rgb = decode(&jpegs(&c.frames)[5]).to_rgb8();
    assert!(rgb.pixels().all(|p| p.0[0].abs_diff(p.0[1]) <= 3 && p.0[1].abs_diff(p.0[2]) <= 3));
    // Solid red as one channel is its luma (~76), not its blue plane (~0).
    let c = clip(&red, VideoOptions::default(), 1);
    let l = decode(&jpegs(&c.frames)[0]).to_luma8();
    let mean = l.pixels().map(|p| f64::from(p.0[0])).sum::<f64>() / (l.width() * l.height()) as f64;
    assert!((60.0..=95.0).contains(&mean), "luma of red = {mean}");
    let c = clip(&red, VideoOptions::default(), 3);
    let p = decode(&jpegs(&c.frames)[0]).to_rgb8().get_pixel(16, 12).0;
    assert!(p[0] > 220 && p[1] < 40 && p[2] < 40, "red pixel {p:?}");
}

#[test]
fn generated_folder_with_frames_and_size() {
    converters_video::decode::install();
    let Some((tmp, input)) = media_layout(
        "clips",
        &[
            ("video/h264.mp4", "a.mp4", 0, "test"),
            ("video/gray.mkv", "b.mkv", 1, "test"),
            ("video/mpeg4.avi", "c.avi", 0, "train"),
            ("video/short.mp4", "d.mp4", 1, "train"),
            ("video/red.mp4", "e.mp4", 1, "train"),
        ],
    ) else {
        return;
    };
    std::fs::write(input.join("label.name"), "moving\nstill\n").unwrap();
    let out = tmp.path().join("out");
    let opts = VideoOptions { selection: FrameSelection::Count(8), size: Some((24, 32)), ..Default::default() };
    let outcome = convert_folder::<Video>(&request(&input, &out, opts)).unwrap();
    assert_eq!(outcome.shape, [8, 24, 32, 3]);
    assert_eq!(outcome.written.skipped, 0);
    assert_valid_deep(&out);
    let recs = records(&out);
    assert_eq!(recs.len(), 5);
    for (t, _, frames) in &recs {
        assert_eq!(*t, 8);
        for j in jpegs(frames) {
            let img = decode(j);
            assert_eq!((img.height(), img.width()), (24, 32));
        }
    }
    let meta = std::fs::read_to_string(out.join("clips.data/test/metadata.textproto")).unwrap();
    assert!(meta.contains("sequence_size: 8") && meta.contains("row_count: 24") && meta.contains("col_count: 32"), "{meta}");
    assert!(meta.contains("format: COMPRESSED") && meta.contains("num_channels: 3"), "{meta}");

    // Variable length without --frames: sequence_size -1 and the clip's own size varies: -1.
    let out2 = tmp.path().join("out2");
    let outcome = convert_folder::<Video>(&request(&input, &out2, VideoOptions::default())).unwrap();
    assert_eq!(outcome.shape, [-1, -1, -1, 3]);
    assert_eq!(outcome.stats.stored, 50 + 30 + 40 + 5 + 10);
    assert_valid_deep(&out2);
}

#[test]
fn all_gray_folder_is_one_channel() {
    converters_video::decode::install();
    let gray = "video/gray.mkv";
    let Some((tmp, input)) =
        media_layout("gray", &[(gray, "a.mkv", 0, "test"), (gray, "b.mkv", 1, "test"), (gray, "c.mkv", 0, "train"), (gray, "d.mkv", 1, "train")])
    else {
        return;
    };
    let out = tmp.path().join("out");
    let outcome = convert_folder::<Video>(&request(&input, &out, VideoOptions { selection: FrameSelection::Fps(5.0), ..Default::default() })).unwrap();
    // 30 frames at 10 fps → 15 at 5 fps; 48x32 source kept.
    assert_eq!(outcome.shape, [15, 32, 48, 1]);
    assert_valid_deep(&out);
    for (_, _, f) in records(&out) {
        assert_eq!(decode(&jpegs(&f)[0]).color(), image::ColorType::L8);
    }
}

#[test]
fn bad_inputs_are_named_with_reasons() {
    converters_video::decode::install();
    let Some((tmp, input)) = media_layout(
        "mixed",
        &[
            ("video/h264.mp4", "good1.mp4", 0, "test"),
            ("video/red.mp4", "good2.mp4", 1, "test"),
            ("video/mpeg4.avi", "good3.avi", 0, "train"),
            ("video/short.mp4", "good4.mp4", 1, "train"),
            ("video/truncated.mp4", "truncated.mp4", 0, "train"),
            ("video/text.mp4", "text.mp4", 1, "train"),
            ("video/zero_frames.mkv", "zero_frames.mkv", 0, "train"),
            // no bytes at all: the audio fixture's empty file under a video name
            ("audio/zero_bytes.wav", "zero_bytes.mp4", 1, "train"),
        ],
    ) else {
        return;
    };
    let out = tmp.path().join("out");
    let outcome = convert_folder::<Video>(&request(&input, &out, VideoOptions { selection: FrameSelection::Count(4), ..Default::default() })).unwrap();
    assert_eq!(outcome.written.skipped, 4);
    assert_eq!(outcome.written.summary.train_records + outcome.written.summary.test_records, 4);
    assert_valid_deep(&out);
    let report = std::fs::read_to_string(outcome.written.skip_report.unwrap()).unwrap();
    let row = |name: &str| report.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name} not in {report}")).to_string();
    assert!(row("truncated.mp4").contains("not a readable video container"), "{report}");
    assert!(row("text.mp4").contains("not a readable video container"), "{report}");
    let zero = row("zero_frames.mkv");
    assert!(zero.contains("no video") || zero.contains("not a readable"), "{zero}");
    assert!(row("zero_bytes.mp4").contains("empty file (0 bytes)"), "{report}");

    // --on-error fail: the first bad file ends the run, nothing is left behind.
    let out_fail = tmp.path().join("out_fail");
    let mut req = request(&input, &out_fail, VideoOptions { selection: FrameSelection::Count(4), ..Default::default() });
    req.common.policy = ErrorPolicy { on_error: OnError::Fail, max_errors: None };
    let err = convert_folder::<Video>(&req).unwrap_err().to_string();
    assert!(err.contains(".mp4") || err.contains(".mkv"), "{err}");
    assert!(!out_fail.exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("out_fail")).count(), 0);
}

#[test]
fn mini_kth_six_classes_at_5_fps() {
    converters_video::decode::install();
    let Some(data) = formats::testing::shared_data_dir() else { return };
    if media().is_none() {
        return; // no ffprobe for the expected counts
    }
    let kth = data.join("raw/mini-kth");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("kth");
    let mut req = request(&kth, &out, VideoOptions { selection: FrameSelection::Fps(5.0), ..Default::default() });
    // One clip per class: the stratified split cannot give 2 test clips; 0.34 of 6 = 2.
    req.common.split = SplitOptions { test_size: 0.34, seed: 42, ..Default::default() };
    let outcome = convert_folder::<Video>(&req).unwrap();
    assert_eq!(outcome.shape, [-1, 120, 160, 3]);
    assert_valid_deep(&out);
    let names = ["boxing", "handclapping", "handwaving", "jogging", "running", "walking"];
    // KTH clips are 25 fps: at 5 fps every 5th frame is kept, ceil(n / 5) frames.
    let expected: Vec<usize> = names
        .iter()
        .map(|n| ffprobe_frames(&kth.join(format!("person15_{n}_d1_uncomp.avi"))).div_ceil(5))
        .collect();
    let recs = records(&out);
    assert_eq!(recs.len(), 6);
    let mut seen: Vec<i64> = recs.iter().map(|r| r.1[0]).collect();
    seen.sort();
    assert_eq!(seen, (0..6).collect::<Vec<_>>());
    for (t, labels, frames) in &recs {
        assert_eq!(*t, expected[labels[0] as usize], "class {}", names[labels[0] as usize]);
        let img = decode(&jpegs(frames)[t - 1]);
        assert_eq!((img.height(), img.width()), (120, 160));
    }
    let meta = std::fs::read_to_string(out.join("mini-kth.data/train/metadata.textproto")).unwrap();
    assert!(meta.contains("key: 'handwaving'") && meta.contains("output_dim: 6"), "{meta}");
}
