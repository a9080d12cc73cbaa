//! Two reference learners that exercise ingestion and scoring end to end.
//!
//! - [`ConstantBaseline`] (baseline0) predicts the same row for every example: every
//!   column's AUC is ½, so NAUC = 0 (SCORING.md §2 step 4).
//! - [`LinearBaseline`] (baseline1) is a linear model (softmax for multiclass train labels,
//!   independent sigmoids otherwise) on the pooled features of [`crate::data`], trained with
//!   Adam on libtorch. It predicts after its first pass over the data, then keeps training in
//!   rounds of doubling length and predicts after each.

use std::time::{Duration, Instant};

use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Tensor};

use formats::dataset::Subset;
use scoring::scaler::Scaler;

use crate::data::{DatasetSource, FeatureExtractor, SplitFeatures};
use crate::error::{Error, Result};
use crate::learner::{CancelToken, Learner, PredictionMatrix};
use scoring::rng::SplitMix64;

/// baseline0: one constant row (uniform scores) for every test example.
#[derive(Debug, Clone)]
pub struct ConstantBaseline {
    rows: usize,
    cols: usize,
}

impl ConstantBaseline {
    pub fn new(test_rows: usize, output_dim: usize) -> Self {
        ConstantBaseline { rows: test_rows, cols: output_dim }
    }
}

impl Learner for ConstantBaseline {
    fn name(&self) -> &str {
        "baseline0"
    }

    fn train(&mut self, _remaining: Duration, _cancel: &CancelToken) -> Result<bool> {
        // Nothing to learn: one prediction is all this model will ever make.
        Ok(true)
    }

    fn predict(&mut self, _remaining: Duration, _cancel: &CancelToken) -> Result<Option<PredictionMatrix>> {
        let row = vec![1.0 / self.cols.max(1) as f32; self.cols];
        Ok(Some(PredictionMatrix::constant(self.rows, &row)))
    }
}

/// Settings of [`LinearBaseline`]; the defaults are what `train --model baseline1` uses.
#[derive(Debug, Clone)]
pub struct LinearConfig {
    pub seed: u64,
    pub device: Device,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    /// Training stops (done) after this many epochs in total.
    pub max_epochs: usize,
}

impl Default for LinearConfig {
    fn default() -> Self {
        LinearConfig {
            seed: 0,
            device: Device::Cpu,
            batch_size: 64,
            learning_rate: 0.01,
            weight_decay: 1e-4,
            max_epochs: 512,
        }
    }
}

struct Model {
    // Kept alive: owns the parameters the optimizer updates.
    _vs: nn::VarStore,
    linear: nn::Linear,
    optimizer: nn::Optimizer,
}

/// baseline1: linear model on pooled inputs.
pub struct LinearBaseline {
    source: DatasetSource,
    config: LinearConfig,
    extractor: FeatureExtractor,
    test_rows: usize,
    output_dim: usize,
    scaler: Option<Scaler>,
    train_x: Option<Tensor>,
    train_y: Option<Tensor>,
    test_x: Option<Tensor>,
    multiclass: bool,
    model: Option<Model>,
    epochs_done: usize,
    round: u32,
    rng: SplitMix64,
}

impl LinearBaseline {
    /// Decides the feature layout from the train metadata; no record is read yet (reading
    /// counts against the budget, as in the original ingestion).
    pub fn new(source: DatasetSource, config: LinearConfig) -> Result<Self> {
        let extractor = FeatureExtractor::new(&source.train_spec)?;
        let (test_rows, output_dim) = source.prediction_shape()?;
        if config.batch_size == 0 || config.max_epochs == 0 {
            return Err(Error::Config("batch_size and max_epochs must be at least 1".into()));
        }
        let rng = SplitMix64(config.seed);
        Ok(LinearBaseline {
            source,
            config,
            extractor,
            test_rows,
            output_dim,
            scaler: None,
            train_x: None,
            train_y: None,
            test_x: None,
            multiclass: false,
            model: None,
            epochs_done: 0,
            round: 0,
            rng,
        })
    }

    fn to_tensor(&self, values: &[f32], rows: usize, cols: usize) -> Tensor {
        Tensor::from_slice(values).view([rows as i64, cols as i64]).to_device(self.config.device)
    }

    fn load_train(&mut self, cancel: &CancelToken) -> Result<()> {
        let mut train = self.source.load(Subset::Train, &self.extractor, cancel)?;
        if train.rows == 0 {
            return Err(Error::Config("the train split has no record".into()));
        }
        let scaler = Scaler::fit(&train.features, train.rows, train.dim);
        train.features = scaler.apply(&train.features, train.dim);
        self.multiclass = is_multiclass(&train);
        self.train_x = Some(self.to_tensor(&train.features, train.rows, train.dim));
        self.train_y = Some(self.to_tensor(&train.labels, train.rows, train.output_dim));
        self.scaler = Some(scaler);

        // Seeded right before the weights are drawn: same seed, same initial model.
        tch::manual_seed(self.config.seed as i64);
        let vs = nn::VarStore::new(self.config.device);
        let linear = nn::linear(vs.root() / "linear", train.dim as i64, self.output_dim as i64, Default::default());
        let optimizer = nn::Adam { wd: self.config.weight_decay, ..Default::default() }
            .build(&vs, self.config.learning_rate)?;
        self.model = Some(Model { _vs: vs, linear, optimizer });
        Ok(())
    }

    fn load_test(&mut self, cancel: &CancelToken) -> Result<()> {
        let mut test: SplitFeatures = self.source.load(Subset::Test, &self.extractor, cancel)?;
        if test.rows != self.test_rows {
            return Err(Error::Config(format!(
                "test split has {} records but its metadata says sample_count {}",
                test.rows, self.test_rows
            )));
        }
        if let Some(scaler) = &self.scaler {
            test.features = scaler.apply(&test.features, test.dim);
        }
        self.test_x = Some(self.to_tensor(&test.features, test.rows, test.dim));
        Ok(())
    }

    /// One epoch of mini-batches in a seeded order; checks `cancel` between batches.
    fn epoch(&mut self, cancel: &CancelToken) -> Result<()> {
        let (x, y) = match (&self.train_x, &self.train_y) {
            (Some(x), Some(y)) => (x, y),
            _ => return Err(Error::Config("train data not loaded".into())),
        };
        let model = self.model.as_mut().ok_or_else(|| Error::Config("model not built".into()))?;
        let n = x.size()[0] as usize;
        let order = self.rng.permutation(n);
        for batch in order.chunks(self.config.batch_size) {
            cancel.check()?;
            let index = Tensor::from_slice(&batch.iter().map(|&i| i as i64).collect::<Vec<_>>())
                .to_device(self.config.device);
            let bx = x.index_select(0, &index);
            let by = y.index_select(0, &index);
            let logits = model.linear.forward(&bx);
            let loss = if self.multiclass {
                logits.cross_entropy_for_logits(&by.argmax(1, false))
            } else {
                logits.binary_cross_entropy_with_logits::<Tensor>(&by, None, None, tch::Reduction::Mean)
            };
            model.optimizer.backward_step(&loss);
        }
        self.epochs_done += 1;
        Ok(())
    }
}

/// Multiclass when every train row has exactly one label with score 1 (SCORING.md §1.1).
fn is_multiclass(train: &SplitFeatures) -> bool {
    train.labels.chunks(train.output_dim.max(1)).all(|row| {
        let ones = row.iter().filter(|v| **v == 1.0).count();
        let others = row.iter().filter(|v| **v != 0.0 && **v != 1.0).count();
        ones == 1 && others == 0
    })
}

impl Learner for LinearBaseline {
    fn name(&self) -> &str {
        "baseline1"
    }

    fn train(&mut self, remaining: Duration, cancel: &CancelToken) -> Result<bool> {
        let started = Instant::now();
        if self.model.is_none() {
            self.load_train(cancel)?;
        }
        // Round k trains 2^k epochs: a first prediction after one pass, then longer rounds,
        // each stopped after a quarter of the remaining time to leave room for predicting.
        let epochs = 1usize << self.round.min(20);
        self.round += 1;
        let slice = remaining / 4;
        for _ in 0..epochs {
            if self.epochs_done >= self.config.max_epochs {
                break;
            }
            self.epoch(cancel)?;
            if started.elapsed() >= slice {
                break;
            }
        }
        Ok(self.epochs_done >= self.config.max_epochs)
    }

    fn predict(&mut self, _remaining: Duration, cancel: &CancelToken) -> Result<Option<PredictionMatrix>> {
        if self.test_x.is_none() {
            self.load_test(cancel)?;
        }
        let (Some(x), Some(model)) = (&self.test_x, &self.model) else {
            // Called before any training: uniform scores, a valid (NAUC 0) prediction.
            let row = vec![1.0 / self.output_dim as f32; self.output_dim];
            return Ok(Some(PredictionMatrix::constant(self.test_rows, &row)));
        };
        let scores = tch::no_grad(|| crate::deepwisdom::activate(&model.linear.forward(x), !self.multiclass));
        PredictionMatrix::from_tensor(&scores).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_baseline_predicts_one_uniform_row_then_stops() {
        let mut b = ConstantBaseline::new(3, 4);
        let cancel = CancelToken::new();
        assert!(b.train(Duration::from_secs(1), &cancel).unwrap());
        let m = b.predict(Duration::from_secs(1), &cancel).unwrap().unwrap();
        m.check(3, 4).unwrap();
        assert!(m.values().iter().all(|v| *v == 0.25));
    }

    #[test]
    fn permutation_is_seeded_and_complete() {
        let a = SplitMix64(7).permutation(50);
        let b = SplitMix64(7).permutation(50);
        let c = SplitMix64(8).permutation(50);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }
}
