//! Audio conversion: every input format decodes to the same tone at the right rate and level;
//! channels, windows; raw/speech-sph → a speech dataset with exact sample values; bad inputs
//! reported by file and reason.

mod support;

use std::path::{Path, PathBuf};

use converters_audio::convert::{convert_audio, ConvertedAudio};
use converters_audio::{Audio, AudioChannels, AudioOptions, Crop};
use converters_common::file_domain::CheckOptions;
use converters_common::folder::{convert_folder, FolderRequest};
use converters_common::{ErrorPolicy, OnError};
use formats::dataset::{DatasetReader, Subset};
use formats::example::Frames;
use support::signal::{amplitude_at, zero_crossing_freq};
use support::assert_valid_deep;
use support::media::{csv_layout, media, media_layout};

fn audio(name: &str) -> Option<PathBuf> {
    media().map(|d| d.join("audio").join(name))
}

fn conv(path: &Path, opts: AudioOptions) -> ConvertedAudio {
    convert_audio(path, "x", &opts.check().unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

fn values(f: &Frames) -> &[f32] {
    match f {
        Frames::Dense { values, .. } => values,
        other => panic!("expected dense, got {:?}", other.format()),
    }
}

/// The FFmpeg fallback decoder, installed as the executables install it (when built with it).
fn install_ffmpeg() {
    #[cfg(feature = "ffmpeg")]
    converters_audio::ffmpeg::install();
}

#[test]
fn every_format_gives_the_tone_at_16k() {
    install_ffmpeg();
    let Some(_) = media() else { return };
    // (file, tone Hz, seconds, exact length): ffmpeg's sine source has amplitude 1/8.
    for (file, freq, secs, exact) in [
        ("sine_8k.wav", 440.0, 1.0, true),
        ("tone.flac", 660.0, 1.2, true),
        ("tone.mp3", 660.0, 1.2, false),
        ("tone.ogg", 660.0, 1.2, false),
        ("tone.m4a", 660.0, 1.2, false),
        ("stereo_44k.wav", 1000.0, 1.5, true),
    ] {
        let a = conv(&audio(file).unwrap(), AudioOptions::default());
        let x = values(&a.frames);
        let want = (secs * 16_000.0) as usize;
        if exact {
            assert_eq!(x.len(), want, "{file}: length");
        } else {
            // Lossy codecs add encoder delay/padding.
            assert!(x.len().abs_diff(want) < 1_600, "{file}: {} samples, want about {want}", x.len());
        }
        assert_eq!(a.channels, 1);
        let f = zero_crossing_freq(x, 16_000.0);
        assert!((f - freq).abs() < freq * 0.005, "{file}: {f} Hz instead of {freq}");
        let amp = amplitude_at(x, 16_000.0, freq);
        assert!((amp - 0.125).abs() < 0.01, "{file}: amplitude {amp}");
        assert!(x.iter().all(|v| (-1.0..=1.0).contains(v)));
    }
}

#[test]
fn keep_channels_and_other_rates() {
    install_ffmpeg();
    let Some(stereo) = audio("stereo_44k.wav") else { return };
    let a = conv(&stereo, AudioOptions { channels: AudioChannels::Keep, sample_rate: 22_050, ..Default::default() });
    assert_eq!(a.channels, 2);
    assert_eq!(a.source_rate, 44_100);
    let x = values(&a.frames);
    assert_eq!(x.len(), 2 * 33_075);
    let Frames::Dense { offsets, .. } = &a.frames else { unreachable!() };
    assert_eq!(offsets[1] - offsets[0], 2, "one frame = one sample of each channel");
    for ch in 0..2 {
        let c: Vec<f32> = x.iter().skip(ch).step_by(2).copied().collect();
        assert!((amplitude_at(&c, 22_050.0, 1000.0) - 0.125).abs() < 0.005, "channel {ch}");
    }
}

#[test]
fn max_seconds_windows() {
    install_ffmpeg();
    let Some(stereo) = audio("stereo_44k.wav") else { return };
    let full = conv(&stereo, AudioOptions::default());
    let full = values(&full.frames);
    for crop in [Crop::Start, Crop::Center, Crop::Random] {
        let a = conv(&stereo, AudioOptions { max_seconds: Some(0.5), crop, ..Default::default() });
        assert_eq!(values(&a.frames).len(), 8_000, "{crop:?}");
        // The WAV header gives the length: decoding stops at the end of the window.
        assert!(a.source_seconds >= 0.5 - 1e-6 && a.source_seconds <= 1.5 + 1e-6, "{crop:?}: read {} s", a.source_seconds);
        if crop == Crop::Center {
            assert!((a.source_seconds - 1.0).abs() < 0.05, "centre window ends at 1.0 s (plus the rest of its packet), read {} s", a.source_seconds);
        }
    }
    // The centre window holds the middle of the file (edges differ by the resampler's filter).
    let c = conv(&stereo, AudioOptions { max_seconds: Some(0.5), crop: Crop::Center, ..Default::default() });
    let c = values(&c.frames);
    for i in 1_000..7_000 {
        assert!((c[i] - full[8_000 + i]).abs() < 0.01, "sample {i}: {} vs {}", c[i], full[8_000 + i]);
    }
    // Random windows: the same file name and seed give the same window; another seed moves it.
    let r = |seed| values(&conv(&stereo, AudioOptions { max_seconds: Some(0.5), crop: Crop::Random, seed, ..Default::default() }).frames).to_vec();
    assert_eq!(r(1), r(1));
    assert!(r(1) != r(2) || r(2) != r(3));
    // Decoding stops after the window with --crop start: only about 0.5 s read.
    let s = conv(&stereo, AudioOptions { max_seconds: Some(0.5), ..Default::default() });
    assert!(s.source_seconds < 0.7, "read {} s", s.source_seconds);
}

#[test]
fn sphere_samples_are_exact() {
    install_ffmpeg();
    let Some(data) = formats::testing::shared_data_dir() else { return };
    for (file, count) in [("example1.sph", 46_797usize), ("example2.sph", 0)] {
        let path = data.join("raw/speech-sph").join(file);
        let raw = std::fs::read(&path).unwrap();
        // NIST_1A header of 1024 bytes, 16-bit little-endian (sample_byte_format 01), mono 16 kHz.
        let pcm: Vec<f32> = raw[1024..].chunks_exact(2).map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0).collect();
        if count > 0 {
            assert_eq!(pcm.len(), count);
        }
        let a = convert_audio(&path, file, &AudioOptions::default().check().unwrap());
        #[cfg(feature = "ffmpeg")]
        {
            let a = a.unwrap();
            assert_eq!(a.source_rate, 16_000);
            assert_eq!(values(&a.frames), pcm.as_slice(), "{file}: samples = int16 / 32768");
        }
        #[cfg(not(feature = "ffmpeg"))]
        assert!(a.unwrap_err().reason.contains("no FFmpeg"));
    }
}

fn request(input: &Path, out: &Path) -> FolderRequest<AudioOptions> {
    let mut req = FolderRequest::new(input, out, AudioOptions::default());
    req.common.quiet = true;
    req
}

#[cfg(feature = "ffmpeg")]
#[test]
fn speech_sph_dataset() {
    install_ffmpeg();
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let sph = data.join("raw/speech-sph");
    let (a, b) = (sph.join("example1.sph"), sph.join("example2.sph"));
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("speech");
    // Two utterances only: each is listed twice so that test and train both get two records.
    csv_layout(
        &input,
        &[(&a, "a1.sph", 0, "test"), (&b, "b1.sph", 1, "test"), (&a, "a2.sph", 0, "train"), (&b, "b2.sph", 1, "train")],
    );
    std::fs::write(input.join("label.name"), "cjf0_sa1\nother\n").unwrap();
    let out = tmp.path().join("out");
    let outcome = convert_folder::<Audio>(&request(&input, &out)).unwrap();
    assert_eq!(outcome.written.skipped, 0);
    assert_eq!(outcome.settings.channels, 1);
    assert_valid_deep(&out);
    let meta = std::fs::read_to_string(out.join("speech.data/train/metadata.textproto")).unwrap();
    for line in ["sequence_size: -1", "row_count: 1", "col_count: 1", "num_channels: 1", "format: DENSE", "output_dim: 2"] {
        assert!(meta.contains(line), "{line} missing in {meta}");
    }
    assert!(!meta.contains("channel_to_index_map"), "speech has no channel map (spec §5.6)");
    let reader = DatasetReader::open(&out).unwrap();
    let solution = reader.solution().unwrap().unwrap();
    let mut lengths = Vec::new();
    for (i, r) in reader.examples(Subset::Test).unwrap().enumerate() {
        let r = r.unwrap();
        let label = solution.row(i).iter().position(|v| *v == 1.0).unwrap();
        lengths.push((label, r.frames().num_frames()));
        assert!(values(r.frames()).iter().all(|v| (-1.0..=1.0).contains(v)));
    }
    lengths.sort();
    assert_eq!(lengths[0], (0, 46_797));
}

#[test]
fn generated_folder_and_bad_inputs() {
    install_ffmpeg();
    let Some((tmp, input)) = media_layout(
        "sounds",
        &[
            ("audio/sine_8k.wav", "low.wav", 0, "test"),
            ("audio/tone.flac", "high.flac", 1, "test"),
            ("audio/tone.mp3", "high.mp3", 1, "train"),
            ("audio/tone.ogg", "high.ogg", 1, "train"),
            ("audio/tone.m4a", "high.m4a", 1, "train"),
            ("audio/stereo_44k.wav", "stereo.wav", 0, "train"),
            ("audio/zero_bytes.wav", "zero_bytes.wav", 0, "train"),
            ("audio/text.wav", "text.wav", 0, "train"),
            ("audio/empty_samples.wav", "empty_samples.wav", 0, "train"),
            ("audio/silent.wav", "silent.wav", 0, "train"),
            ("audio/truncated.flac", "truncated.flac", 1, "train"),
        ],
    ) else {
        return;
    };
    let out = tmp.path().join("out");
    let outcome = convert_folder::<Audio>(&request(&input, &out)).unwrap();
    assert_eq!(outcome.written.summary.test_records, 2);
    assert_valid_deep(&out);
    let report = std::fs::read_to_string(outcome.written.skip_report.clone().unwrap()).unwrap();
    let row = |name: &str| report.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name} not in {report}")).to_string();
    assert!(row("zero_bytes.wav").contains("empty file (0 bytes)"), "{report}");
    assert!(row("text.wav").contains("not a known audio container"), "{report}");
    assert!(row("empty_samples.wav").contains("zero-length audio"), "{report}");
    assert!(row("silent.wav").contains("silent-only audio: peak digital silence"), "{report}");
    let truncated = row("truncated.flac");
    assert!(truncated.contains("truncated") || truncated.contains("decode"), "{truncated}");
    assert_eq!(outcome.written.skipped, 5, "{report}");
    assert_eq!(outcome.written.summary.train_records, 4);

    // --on-error fail: stops at the first bad file and leaves no output.
    let out_fail = tmp.path().join("out_fail");
    let mut req = request(&input, &out_fail);
    req.common.policy = ErrorPolicy { on_error: OnError::Fail, max_errors: None };
    let err = convert_folder::<Audio>(&req).unwrap_err().to_string();
    assert!(err.contains(".wav") || err.contains(".flac"), "{err}");
    assert!(!out_fail.exists());

    // --channels keep: the stereo file has another channel count than the rest.
    let out_keep = tmp.path().join("out_keep");
    let mut req = request(&input, &out_keep);
    req.options.channels = AudioChannels::Keep;
    let outcome = convert_folder::<Audio>(&req).unwrap();
    assert_eq!(outcome.settings.channels, 1);
    let report = std::fs::read_to_string(outcome.written.skip_report.unwrap()).unwrap();
    assert!(report.lines().any(|l| l.contains("stereo.wav") && l.contains("has 2 channel(s)")), "{report}");
}
