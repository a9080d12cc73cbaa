//! Video `--model auto` on small generated clips: the fast model (pooled + motion features)
//! first, then MC3-18 epochs, bundle reproduction, seeded determinism, and clips of any
//! length (a single frame, all-black frames). One test function, because libtorch's seed is process-wide.

use std::path::{Path, PathBuf};
use std::time::Duration;

use formats::dataset::WriterOptions;
use formats::example::Frames;
use formats::inspect::Domain;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use trainer::deepwisdom::{Member, MemberModel, ModelBundle};
use trainer::data::DatasetSource;
use trainer::deepwisdom::ensemble::validation_nauc;
use trainer::deepwisdom::video::VideoLearner;
use trainer::deepwisdom::{auto_learner, resolve_domain, AutoConfig, BundleSlot};
use trainer::learner::{CancelToken, Learner, PredictionMatrix};

#[path = "../../tests/support/datasets.rs"]
mod datasets;
use datasets::write_single_label;

#[path = "support/rounds.rs"]
#[allow(dead_code)] // each test file uses one kind of run
mod rounds;
use rounds::{auto_rounds, Rounds};

const SIDE: u32 = 16;

fn jpeg(img: image::RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&image::DynamicImage::ImageRgb8(img)).unwrap();
    out
}

/// Clip `k` of class 0 (a bright bar drifting right) or 1 (drifting left), 2–9 frames; every
/// 11th clip is a single frame and every 13th is all black (no signal at all).
fn clip(k: u32, class: u32) -> Vec<Vec<u8>> {
    let frames = if k % 11 == 0 { 1 } else { 2 + k % 8 };
    let start = k * 5 % SIDE;
    (0..frames)
        .map(|t| {
            let x0 = if class == 0 { (start + t) % SIDE } else { (start + SIDE * 4 - t) % SIDE };
            image::RgbImage::from_fn(SIDE, SIDE, |x, y| {
                let noise = ((x * 31 + y * 17 + k * 13 + t * 7) % 30) as u8;
                if k % 13 == 0 {
                    image::Rgb([0, 0, 0])
                } else if x == x0 || x == (x0 + 1) % SIDE {
                    image::Rgb([230, 220, 200])
                } else {
                    image::Rgb([noise, noise, 20])
                }
            })
        })
        .map(jpeg)
        .collect()
}

fn class_of(k: u32) -> u32 {
    (k * 7 / 3) % 2
}

/// Train and test clips (test record i is clip k = i + 1) with `sequence_size: -1`.
fn make_clips(dir: &Path, train: usize, test: usize) -> PathBuf {
    let mut k = 0u32;
    let example = |_, _| {
        k += 1;
        let class = class_of(k);
        (Frames::Compressed(clip(k, class)), class as usize)
    };
    let spec = DataSpec {
        output_dim: 2,
        sequence_size: -1,
        matrix_spec: vec![MatrixSpec { row_count: SIDE as i32, col_count: SIDE as i32, num_channels: 3, format: Format::Compressed, ..Default::default() }],
        ..Default::default()
    };
    write_single_label(&dir.join("drift"), "drift", WriterOptions::default(), (test, train), example, spec, &["right", "left"]).unwrap()
}

/// The fast model, then two MC3 rounds (the first breaks of the schedule).
fn three_rounds(dataset: &Path, seed: u64) -> (Vec<PredictionMatrix>, BundleSlot) {
    let spec = DatasetSource::open(dataset).unwrap().train_spec;
    assert_eq!(resolve_domain(&spec), Domain::Video, "sequence_size -1 is video");
    auto_rounds(dataset, AutoConfig { seed, ..Default::default() }, "auto-video", Rounds::Exactly(3))
}

fn test_nauc(p: &PredictionMatrix, test: u32) -> f64 {
    let labels: Vec<f32> = (1..=test).flat_map(|k| if class_of(k) == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    validation_nauc(&labels, p.values(), 2)
}

#[test]
fn video_learner_fast_model_then_mc3_bundle_and_determinism() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = make_clips(tmp.path(), 120, 30);
    let (a, slot) = three_rounds(&dataset, 5);
    for p in &a {
        p.check(30, 2).unwrap();
    }
    // The drift direction is learnable from the motion features alone.
    let fast = test_nauc(&a[0], 30);
    assert!(fast > 0.6, "fast model test NAUC {fast}");
    let last = test_nauc(&a[2], 30);
    assert!(last > 0.6, "third prediction test NAUC {last}");

    // The bundle of the third prediction reproduces it from the dataset files.
    let bundle = slot.take(2).expect("bundle of prediction 2");
    let kind = match &bundle.config.members[..] {
        [Member { model: MemberModel::VideoNets(n), .. }] => {
            assert!(n.groups.iter().all(|g| !g.prefixes.is_empty()));
            "MC3"
        }
        [Member { model: MemberModel::VideoRidge(_), .. }] => "fast",
        other => panic!("unexpected members {other:?}"),
    };
    eprintln!("prediction 2 came from the {kind} model (test NAUC fast {fast:.3}, last {last:.3})");
    assert_eq!(bundle.config.domain, "video");
    bundle.save(&tmp.path().join("run/model")).unwrap();
    let loaded = ModelBundle::load(&tmp.path().join("run")).unwrap();
    assert_eq!(loaded.config.label_names, vec!["right", "left"]);
    let again = loaded.predict_dataset(&dataset, tch::Device::Cpu, &CancelToken::new()).unwrap();
    assert_eq!((again.rows(), again.cols()), (30, 2));
    for (x, y) in again.values().iter().zip(a[2].values()) {
        assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{x} vs {y}");
    }

    network_determinism_and_bundle(&dataset, tmp.path(), &a[0]);
    fast_bundle_and_cancellation(tmp.path());
}

/// Two learners with the same seed give the same fast prediction and the same MC3 ensemble
/// (CPU), and the ensemble's bundle reproduces its scores (whether or not it beat the fast
/// model).
fn network_determinism_and_bundle(dataset: &Path, tmp: &Path, first: &PredictionMatrix) {
    let run = || {
        let source = DatasetSource::open(dataset).unwrap();
        let mut l = VideoLearner::new(source, AutoConfig { seed: 5, ..Default::default() }, BundleSlot::default()).unwrap();
        let c = CancelToken::new();
        let mut preds = Vec::new();
        for _ in 0..2 {
            l.train(Duration::from_secs(600), &c).unwrap();
            preds.push(l.predict(Duration::from_secs(600), &c).unwrap().unwrap());
        }
        let (scores, bundle) = l.network_prediction().expect("one MC3 epoch was validated");
        (preds, scores, bundle)
    };
    let (preds, scores, bundle) = run();
    assert_eq!(&preds[0], first, "same seed, same first prediction");
    let net_nauc = test_nauc(&scores, 30);
    eprintln!("MC3 after its first epoch: test NAUC {net_nauc:.3}");
    assert!(net_nauc > 0.3, "MC3 learns the drift direction from 3 frames (test NAUC {net_nauc})");
    let (_, again_scores, _) = run();
    assert_eq!(scores, again_scores, "same seed, same MC3 scores");
    match &bundle.config.members[..] {
        [Member { model: MemberModel::VideoNets(n), .. }] => assert_eq!(n.groups[0].frames, 3, "model 0 sees 3 frames (spec §3)"),
        other => panic!("unexpected members {other:?}"),
    }
    bundle.save(&tmp.join("run_net/model")).unwrap();
    let c = CancelToken::new();
    let again = ModelBundle::load(&tmp.join("run_net")).unwrap().predict_dataset(dataset, tch::Device::Cpu, &c).unwrap();
    for (x, y) in again.values().iter().zip(scores.values()) {
        assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{x} vs {y}");
    }
}

/// The fast model's bundle reproduces the first prediction; a cancelled learner stops.
fn fast_bundle_and_cancellation(tmp: &Path) {
    let dataset = make_clips(&tmp.join("small"), 40, 10);
    let source = DatasetSource::open(&dataset).unwrap();
    let (mut l, slot) = auto_learner(source, AutoConfig::default()).unwrap();
    let c = CancelToken::new();
    l.train(Duration::from_secs(60), &c).unwrap();
    let first = l.predict(Duration::from_secs(60), &c).unwrap().unwrap();
    let bundle = slot.take(0).unwrap();
    assert!(matches!(bundle.config.members[..], [Member { model: MemberModel::VideoRidge(_), .. }]));
    bundle.save(&tmp.join("run2/model")).unwrap();
    let again = ModelBundle::load(&tmp.join("run2")).unwrap().predict_dataset(&dataset, tch::Device::Cpu, &c).unwrap();
    assert_eq!(again, first);
    // A cancelled run stops at the next check instead of training on.
    c.cancel();
    assert!(l.train(Duration::from_secs(60), &c).is_err());
}
