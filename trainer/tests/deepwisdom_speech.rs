//! Speech `--model auto` on small generated clips: the logistic first prediction, ThinResNet
//! rounds, bundle reproduction (logistic and network members), seeded determinism, and clips
//! that are silent or one or two samples long. One test function drives the learner, because
//! libtorch's seed is process-wide.

use std::path::{Path, PathBuf};

use formats::dataset::WriterOptions;
use formats::example::Frames;
use formats::inspect::Domain;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use trainer::deepwisdom::{BundleConfig, Member, MemberModel, ModelBundle};
use trainer::data::DatasetSource;
use trainer::deepwisdom::ensemble::validation_nauc;
use trainer::deepwisdom::speech::{CPU_HOP, CPU_MEL_BANDS};
use trainer::deepwisdom::speech_members::SpeechNetSpec;
use trainer::deepwisdom::speech_features::SpectrogramSpec;
use trainer::deepwisdom::speech_net::ThinResnet34;
use trainer::deepwisdom::{resolve_domain, snapshot, AutoConfig, BundleSlot};
use trainer::learner::{CancelToken, PredictionMatrix};

#[path = "../../tests/support/datasets.rs"]
mod datasets;
use datasets::write_single_label;

#[path = "support/rounds.rs"]
#[allow(dead_code)] // each test file uses one kind of run
mod rounds;
use rounds::{auto_rounds, Rounds};

const RATE: f32 = 16_000.0;
const CLASSES: [&str; 3] = ["low", "high", "noise"];

/// A 300 Hz tone, a 3 kHz tone or white noise, 0.1–0.5 s, random level, faint noise floor.
fn clip(class: usize, k: u64) -> Vec<f32> {
    let mut state = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut unit = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f32 / (1u64 << 53) as f32
    };
    let n = ((0.1 + 0.4 * unit()) * RATE) as usize;
    let level = 0.1 + 0.6 * unit();
    (0..n)
        .map(|i| {
            let t = i as f32 / RATE;
            let s = match class {
                0 => (std::f32::consts::TAU * 300.0 * t).sin(),
                1 => (std::f32::consts::TAU * 3000.0 * t).sin(),
                _ => 2.0 * unit() - 1.0,
            };
            level * s + 0.01 * (2.0 * unit() - 1.0)
        })
        .collect()
}

/// 72 train + 30 test clips; train clips 7, 8 and test clips 5, 6 are silent, train clip 9
/// and test clip 7 hold one sample, train clip 10 and test clip 8 two (a record without any
/// frame is not valid AutoDL data; empty waveforms are covered by the feature unit tests).
fn make_speech(dir: &Path) -> (PathBuf, Vec<usize>) {
    let mut test_classes = Vec::new();
    let example = |is_test: bool, i: usize| {
        let class = (i * 7 + usize::from(is_test)) % 3;
        let (silent, single, pair) = if is_test { (5..=6, 7, 8) } else { (7..=8, 9, 10) };
        let wave = if silent.contains(&i) {
            vec![0.0; 4000]
        } else if i == single {
            vec![0.5]
        } else if i == pair {
            vec![-0.5, 0.5]
        } else {
            clip(class, (i as u64 + 1) * if is_test { 1000 } else { 1 })
        };
        if is_test {
            test_classes.push(class);
        }
        (Frames::dense_uniform(wave, 1).expect("one sample per frame"), class)
    };
    let spec = DataSpec {
        output_dim: 3,
        sequence_size: -1,
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: 1, num_channels: 1, format: Format::Dense, ..Default::default() }],
        ..Default::default()
    };
    let out = write_single_label(&dir.join("beeps"), "beeps", WriterOptions::default(), (30, 72), example, spec, &CLASSES).unwrap();
    (out, test_classes)
}

fn one_hot(classes: &[usize]) -> Vec<f32> {
    classes.iter().flat_map(|&c| (0..3).map(move |j| if j == c { 1.0 } else { 0.0 })).collect()
}

/// `calls` train/predict pairs: the logistic model on the first 50 clips, refitted on all
/// clips, then ThinResNet rounds.
fn run(dataset: &Path, seed: u64, calls: usize) -> (Vec<PredictionMatrix>, BundleSlot) {
    auto_rounds(dataset, AutoConfig { seed, ..Default::default() }, "auto-speech", Rounds::Exactly(calls + 1))
}

fn assert_reproduces(bundle: ModelBundle, dataset: &Path, expected: &PredictionMatrix, run_dir: &Path) {
    bundle.save(&run_dir.join("model")).unwrap();
    let loaded = ModelBundle::load(run_dir).unwrap();
    assert_eq!(loaded.config.label_names, CLASSES.to_vec());
    let again = loaded.predict_dataset(dataset, tch::Device::Cpu, &CancelToken::new()).unwrap();
    assert_eq!((again.rows(), again.cols()), (expected.rows(), expected.cols()));
    for (x, y) in again.values().iter().zip(expected.values()) {
        assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{x} vs {y}");
    }
}

#[test]
fn speech_learner_logistic_then_thin_resnet_bundles_and_determinism() {
    let tmp = tempfile::tempdir().unwrap();
    let (dataset, test_classes) = make_speech(tmp.path());
    assert_eq!(resolve_domain(&DatasetSource::open(&dataset).unwrap().train_spec), Domain::Speech);
    let (a, slot) = run(&dataset, 5, 3);
    for p in &a {
        p.check(30, 3).unwrap();
    }
    // Learnable: the first (logistic) prediction already ranks the right class high; the
    // 5 silent/degenerate test clips are left in and cost a little.
    let truth = one_hot(&test_classes);
    let first = validation_nauc(&truth, a[0].values(), 3);
    let last = validation_nauc(&truth, a[3].values(), 3);
    eprintln!("test NAUC: logistic {first:.3}, last {last:.3}");
    assert!(first > 0.6, "logistic NAUC {first}");
    assert!(last >= first - 0.05, "the published prediction never gets much worse: {last} vs {first}");

    // The bundle of the last prediction reproduces it from the dataset files.
    let bundle = slot.take(3).expect("bundle of prediction 3");
    let kinds: Vec<&str> = bundle
        .config
        .members
        .iter()
        .map(|m| match m.model {
            MemberModel::SpeechLogistic(_) => "logistic",
            MemberModel::SpeechNet(_) => "network",
            _ => panic!("not a speech member: {m:?}"),
        })
        .collect();
    eprintln!("prediction 3 came from {kinds:?}");
    assert_reproduces(bundle, &dataset, &a[3], &tmp.path().join("run"));

    // Same seed, same predictions (CPU).
    let (b, _) = run(&dataset, 5, 3);
    assert_eq!(a, b);

    // A network member, whatever the learner chose above: its bundle scores finite
    // probabilities for every clip (silent, single-sample and empty ones included), equal to
    // the bundle's own second run.
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let spectrogram = SpectrogramSpec { n_fft: 512, window: 400, hop: CPU_HOP, mel_bands: CPU_MEL_BANDS, frames: 40 };
    let _net = ThinResnet34::new(&vs.root(), CPU_MEL_BANDS as i64, 3, 8);
    let spec = SpeechNetSpec { spectrogram, width_divisor: 8, classes: 3, multilabel: false, prefix: "net.".into() };
    let source = DatasetSource::open(&dataset).unwrap();
    let config = BundleConfig {
        format_version: trainer::bundle::FORMAT_VERSION,
        domain: "speech".into(),
        learner: "auto-speech".into(),
        label_names: CLASSES.iter().map(|s| s.to_string()).collect(),
        output_dim: 3,
        train_metadata: source.train_spec.to_textproto(),
        trained_on: None,
        members: vec![Member { weight: 1.0, divisor: 1.0, model: MemberModel::SpeechNet(spec) }],
    };
    let bundle = ModelBundle { config: config.clone(), tensors: snapshot(&vs, "net.") };
    let p = bundle.predict_dataset(&dataset, tch::Device::Cpu, &CancelToken::new()).unwrap();
    p.check(30, 3).unwrap();
    for i in 0..30 {
        assert!((p.row(i).iter().sum::<f32>() - 1.0).abs() < 1e-4, "softmax row {i}");
    }
    assert_reproduces(ModelBundle { config, tensors: snapshot(&vs, "net.") }, &dataset, &p, &tmp.path().join("run-net"));
}
