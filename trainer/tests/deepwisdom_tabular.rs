//! Tabular `--model auto` end to end on a small generated dataset: ingestion, the §6 phases,
//! the saved bundle reproducing the last prediction, seeded determinism.

use std::path::{Path, PathBuf};
use std::time::Duration;

use formats::dataset::WriterOptions;
use formats::example::Frames;
use formats::metadata::{DataSpec, MatrixSpec};
use trainer::deepwisdom::ModelBundle;
use trainer::data::DatasetSource;
use trainer::deepwisdom::{auto_learner, AutoConfig};
use trainer::ingestion::{run_ingestion, IngestionConfig};
use trainer::learner::{CancelToken, Learner};
use trainer::scoring::{nauc, Matrix};

#[path = "../../tests/support/datasets.rs"]
mod datasets;
use datasets::write_single_label;

#[path = "../../tests/support/lcg.rs"]
#[allow(dead_code)] // each test file draws its own way
mod lcg;
use lcg::Lcg;

/// 3 classes from a ring and an interaction of 6 features (2 of them noise).
fn make_table(dir: &Path, train: usize, test: usize) -> PathBuf {
    let mut rng = Lcg(99);
    let example = |_, _| {
        let x: Vec<f32> = (0..6).map(|_| rng.uniform(-2.0, 2.0)).collect();
        let s = (x[0] * x[0] + x[1] * x[1]).sqrt() + 0.5 * x[2] * x[3];
        let class = if s < 1.0 { 0 } else if s < 1.8 { 1 } else { 2 };
        (Frames::dense_uniform(x, 6).unwrap(), class)
    };
    let spec = DataSpec {
        output_dim: 3,
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: 6, num_channels: 1, ..Default::default() }],
        ..Default::default()
    };
    write_single_label(&dir.join("ring"), "ring", WriterOptions::default(), (test, train), example, spec, &["inner", "middle", "outer"])
        .unwrap()
}

fn read_matrix(path: &Path) -> Matrix {
    let rows: Vec<Vec<f64>> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect())
        .collect();
    Matrix::from_rows(&rows).unwrap()
}

#[test]
fn tabular_run_saves_a_bundle_that_reproduces_the_last_prediction() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = make_table(tmp.path(), 1500, 300);
    let source = DatasetSource::open(&dataset).unwrap();
    let (rows, cols) = source.prediction_shape().unwrap();
    let config = IngestionConfig::new("ring", 8.0, tmp.path().join("pred"), rows, cols).unwrap();
    let (learner, slot) = auto_learner(source, AutoConfig::default()).unwrap();
    assert_eq!(learner.name(), "auto-tabular");
    let outcome = run_ingestion(&config, learner, |_| {}).unwrap();
    assert!(outcome.success, "{:?}", outcome.failure);
    assert!(!outcome.predictions.is_empty());

    let solution = formats::dataset::DatasetReader::open(&dataset).unwrap().solution().unwrap().unwrap();
    let truth = Matrix { rows: solution.rows, cols: solution.cols, values: solution.values.clone() };
    let last = outcome.predictions.last().unwrap();
    let last_matrix = read_matrix(&last.path);
    let score = nauc(&truth, &last_matrix).nauc;
    assert!(score > 0.6, "non-linear target should be learned, NAUC {score}");

    let bundle = slot.take(last.index).expect("bundle of the last recorded prediction");
    let saved = bundle.save(&tmp.path().join("run/model")).unwrap();
    let loaded = ModelBundle::load(&tmp.path().join("run")).unwrap();
    assert_eq!(loaded.config.label_names, vec!["inner", "middle", "outer"]);
    assert_eq!(loaded.config.domain, "tabular");
    assert!(saved.join("bundle.json").is_file());
    let again = loaded.predict_dataset(&dataset, tch::Device::Cpu, &CancelToken::new()).unwrap();
    assert_eq!((again.rows(), again.cols()), (rows, cols));
    for (a, b) in again.values().iter().zip(&last_matrix.values) {
        assert!((f64::from(*a) - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} vs {b}");
    }
}

#[test]
fn same_seed_gives_the_same_phase_a_predictions() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = make_table(tmp.path(), 1200, 100);
    let run = || {
        let (mut l, _) = auto_learner(DatasetSource::open(&dataset).unwrap(), AutoConfig { seed: 4, ..Default::default() }).unwrap();
        let c = CancelToken::new();
        let mut out = Vec::new();
        // Steps stop early at a deadline taken from the time left; a long allowance keeps a
        // loaded machine from cutting one run's step short and not the other's.
        for _ in 0..3 {
            l.train(Duration::from_secs(3600), &c).unwrap();
            out.push(l.predict(Duration::from_secs(3600), &c).unwrap().unwrap());
        }
        out
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b);
    assert_ne!(a[0], a[2], "later calls see more rows and rounds");
}
