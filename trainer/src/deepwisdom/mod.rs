//! DeepWisdom-style learners (spec DEEPWISDOM.md): the dispatcher of §1, the image pipeline
//! of §2 (ResNet-18 then ResNet-9 on libtorch), video (§3, MC3-18), speech (§4, ThinResNet34
//! + GhostVLAD), text (§5, TF-IDF then TextCNN/GRU) and tabular (§6, incremental boosting,
//! then boosting + DNN with the §6.2 blend). Every domain starts with a cheap model that makes
//! the first prediction within a second or two (SCORING.md §3).
//!
//! Entry point: [`auto_learner`] returns the learner for the dataset's domain and a
//! [`BundleSlot`] that always holds the model behind the latest prediction, for saving with
//! [`crate::bundle::ModelBundle::save`] when the run is over. The members a bundle holds
//! ([`Member`], [`MemberModel`]) are defined here, and `members.rs` scores a loaded bundle
//! ([`ModelBundle::predict_dataset`]), so [`crate::bundle`] knows no model type.

pub mod bookkeeping;
pub mod data_cache;
pub mod ensemble;
pub mod fast;
pub mod gbdt;
pub mod lbfgs;
pub mod image;
pub mod mc3;
pub mod members;
pub mod resnet;
pub mod speech;
pub mod speech_features;
pub mod speech_net;
pub mod tabular;
pub mod tabular_dnn;
pub mod tabular_models;
pub mod tabular_search;
pub mod text;
pub mod text_data;
pub mod text_features;
pub mod text_linear;
pub mod text_models;
pub mod video;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use formats::dataset::DatasetReader;
use formats::inspect::Domain;
use serde::{Deserialize, Serialize};

pub use crate::data::{label_names, resolve_domain};
use crate::data::DatasetSource;
use crate::error::{Error, Result};
use crate::learner::{Leaderboard, Learner, ModelBoard};

/// A bundle of DeepWisdom members, as saved by [`crate::bundle`].
pub type ModelBundle = crate::bundle::ModelBundle<Member>;
/// `bundle.json` of a DeepWisdom bundle.
pub type BundleConfig = crate::bundle::BundleConfig<Member>;

/// One scored member of a bundle.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Member {
    pub weight: f64,
    pub divisor: f64,
    pub model: MemberModel,
}

/// What a member is and which inputs it reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MemberModel {
    /// Ridge on the pooled features of [`crate::data::FeatureExtractor`].
    Ridge(fast::RidgeModel),
    /// Ridge on pooled grids of preprocessed images.
    ImageRidge(image::ImageRidge),
    /// Gradient-boosted trees on tabular features.
    Gbdt(gbdt::Gbdt),
    /// The §9.6 DNN on tabular features.
    TabularDnn(tabular_dnn::DnnSpec),
    /// Linear, k-NN or forest model on tabular features (issue 16).
    Tabular(tabular_models::TabularModel),
    /// ResNet-18 / ResNet-9 on preprocessed images.
    ImageNet(image::NetSpec),
    /// TF-IDF + linear model on token documents (text stage 0).
    TextTfidf(text_models::TfidfSpec),
    /// TextCNN / GRU on token documents (text stages 1 and 2).
    TextNet(text_models::TextNetSpec),
    /// Logistic model on pooled and motion features of cached video clips.
    VideoRidge(video::VideoRidge),
    /// The MC3-18 sequence on cached video clips (spec §3 ensembling).
    VideoNets(video::VideoNets),
    /// Logistic regression on pooled log-mel / MFCC statistics of speech clips.
    SpeechLogistic(speech::SpeechLogistic),
    /// ThinResNet34 + GhostVLAD on speech spectrograms.
    SpeechNet(speech::SpeechNetSpec),
}

/// Settings shared by every DeepWisdom learner (checked once in [`auto_learner`]).
#[derive(Debug, Clone)]
pub struct AutoConfig {
    pub seed: u64,
    pub device: tch::Device,
    /// Folder with `resnet18.safetensors` (torchvision parameter names), if any.
    pub weights_dir: Option<PathBuf>,
    /// Most bytes the decoded training images may take in RAM (spec §2.1.4 cache).
    pub memory_cap: usize,
    /// Progress messages on stderr, in plain words.
    pub verbose: bool,
    /// Internal detail as well (epochs, batch shapes, search settings): `-v`.
    pub detail: bool,
    /// fastText `.vec` file for the text pipeline's frozen-embedding TextCNN (spec §5.3).
    pub embeddings: Option<PathBuf>,
}

impl Default for AutoConfig {
    fn default() -> Self {
        AutoConfig { seed: 0, device: tch::Device::Cpu, weights_dir: None, memory_cap: 2 << 30, verbose: false, detail: false, embeddings: None }
    }
}

/// The models behind the latest two predictions, shared between the learner (worker thread)
/// and the caller, which saves the one of the last *recorded* prediction after the run (a
/// prediction returned after the deadline is dropped by the ingestion loop). It carries the
/// run's leaderboard too: every publication names the models it blends.
#[derive(Clone, Default)]
pub struct BundleSlot {
    kept: Arc<Mutex<Vec<(usize, ModelBundle)>>>,
    board: ModelBoard,
}

impl BundleSlot {
    /// Records the bundle of the prediction about to be returned (0, 1, 2, … in order) and,
    /// on the leaderboard, the models it blends: `used` holds (model name, weight).
    pub fn publish(&self, bundle: ModelBundle, used: &[(String, f64)]) -> Result<()> {
        self.board.published(used);
        let mut kept = self.kept.lock().map_err(|_| Error::learner("auto", "bundle slot poisoned"))?;
        let next = kept.last().map_or(0, |(i, _)| i + 1);
        kept.push((next, bundle));
        if kept.len() > 2 {
            kept.remove(0);
        }
        Ok(())
    }

    /// The bundle of prediction `index` (0-based), if it is among the last two.
    pub fn take(&self, index: usize) -> Option<ModelBundle> {
        let mut kept = self.kept.lock().ok()?;
        let pos = kept.iter().position(|(i, _)| *i == index)?;
        Some(kept.remove(pos).1)
    }

    /// Where the learner notes each model it tries.
    pub fn board(&self) -> &ModelBoard {
        &self.board
    }

    /// After the run: the leaderboard with the `recorded` predictions the ingestion loop kept,
    /// written as `<run>/leaderboard.csv`.
    pub fn write_leaderboard(&self, run_dir: &Path, recorded: usize) -> Result<Leaderboard> {
        let board = self.board.snapshot(recorded);
        board.write_csv(&run_dir.join(LEADERBOARD_CSV))?;
        Ok(board)
    }
}

pub use scoring::report::leaderboard::CSV_NAME as LEADERBOARD_CSV;

/// Says what a learner does, in plain words by default and with internal detail under `-v`.
#[derive(Debug, Clone, Copy)]
pub struct Say {
    prefix: &'static str,
    plain: bool,
    detail: bool,
}

impl Say {
    pub fn new(prefix: &'static str, config: &AutoConfig) -> Say {
        Say { prefix, plain: config.verbose, detail: config.verbose && config.detail }
    }

    /// A line every user sees (unless quiet): what model was tried and how well it did.
    pub fn plain(&self, msg: &str) {
        if self.plain {
            eprintln!("    {}: {msg}", self.prefix);
        }
    }

    /// Internal detail (epochs, batch shapes, search settings): only with `-v`.
    pub fn detail(&self, msg: &str) {
        if self.detail {
            eprintln!("    {}: {msg}", self.prefix);
        }
    }

    /// A warning every user sees, even when quiet.
    pub fn warn(&self, msg: &str) {
        eprintln!("    {}: {msg}", self.prefix);
    }
}

pub use scoring::report::leaderboard::seconds_text;

/// A validation score in words: "0.8123", or "not yet measured" before the first one.
pub fn score_text(score: f64) -> String {
    if score.is_finite() {
        format!("{score:.4}")
    } else {
        "not yet measured".to_string()
    }
}

/// Builds the learner of the dataset's domain: image (§2), video (§3), speech (§4), text (§5),
/// tabular (§6).
pub fn auto_learner(source: DatasetSource, config: AutoConfig) -> Result<(Box<dyn Learner>, BundleSlot)> {
    let slot = BundleSlot::default();
    let domain = resolve_domain(&source.train_spec);
    let learner: Box<dyn Learner> = match domain {
        Domain::Image => Box::new(image::ImageLearner::new(source, config, slot.clone())?),
        Domain::Tabular => Box::new(tabular::TabularLearner::new(source, config, slot.clone())?),
        Domain::Text => Box::new(text::TextLearner::new(source, config, slot.clone())?),
        Domain::Video => Box::new(video::VideoLearner::new(source, config, slot.clone())?),
        Domain::Speech => Box::new(speech::SpeechLearner::new(source, config, slot.clone())?),
    };
    Ok((learner, slot))
}

/// Everything a bundle needs to know about the dataset, fixed at construction.
#[derive(Debug, Clone)]
pub struct DatasetFacts {
    pub domain: Domain,
    pub label_names: Vec<String>,
    pub output_dim: usize,
    pub test_rows: usize,
    pub train_metadata: String,
    pub trained_on: crate::bundle::TrainedOn,
}

impl DatasetFacts {
    pub fn of(source: &DatasetSource, domain: Domain) -> Result<Self> {
        let (test_rows, output_dim) = source.prediction_shape()?;
        let reader = DatasetReader::open(&source.dir)?;
        let label_names = label_names(&reader, &source.train_spec, output_dim)?;
        let trained_on = crate::bundle::TrainedOn::of_dataset(&reader, &source.train_spec, domain)?;
        Ok(DatasetFacts { domain, label_names, output_dim, test_rows, train_metadata: source.train_spec.to_textproto(), trained_on })
    }

    /// Bundle of `members` (weight, divisor, model) with their tensors.
    pub fn bundle(&self, learner: &str, members: Vec<Member>, tensors: Vec<(String, tch::Tensor)>) -> ModelBundle {
        ModelBundle {
            config: BundleConfig {
                format_version: crate::bundle::FORMAT_VERSION,
                domain: self.domain.to_string(),
                learner: learner.to_string(),
                label_names: self.label_names.clone(),
                output_dim: self.output_dim,
                train_metadata: self.train_metadata.clone(),
                trained_on: Some(self.trained_on.clone()),
                members,
            },
            tensors,
        }
    }
}

/// The budget the spec's absolute seconds were tuned for (the challenge's 20 minutes).
pub const SPEC_BUDGET_SECS: f64 = 1200.0;

/// `budget` in seconds, the spec's 1200 s while it is not known yet.
pub fn budget_secs(budget: Option<std::time::Duration>) -> f64 {
    budget.map_or(SPEC_BUDGET_SECS, |b| b.as_secs_f64())
}

/// The spec's absolute seconds `s` scaled to this run's `budget`.
pub fn spec_seconds(s: f64, budget: Option<std::time::Duration>) -> f64 {
    s * budget_secs(budget) / SPEC_BUDGET_SECS
}

/// Multi-label when some row has more than one positive (spec §7.3).
pub fn is_multilabel(labels: &[f32], classes: usize) -> bool {
    labels.chunks(classes.max(1)).any(|r| r.iter().filter(|v| **v > 0.5).count() > 1)
}

pub use scoring::scaler::Scaler;
pub use scoring::rng::SplitMix64;

/// Class scores of `logits` (rows × classes): a sigmoid per class for multi-label data, else a
/// softmax across each row (spec §7.3).
pub fn activate(logits: &tch::Tensor, multilabel: bool) -> tch::Tensor {
    if multilabel {
        logits.sigmoid()
    } else {
        logits.softmax(1, tch::Kind::Float)
    }
}

/// [`activate`]d logits as a row-major vector on the CPU, computed without autograd.
pub fn probabilities(logits: &tch::Tensor, multilabel: bool) -> Result<Vec<f32>> {
    let p = tch::no_grad(|| activate(logits, multilabel));
    Ok(Vec::<f32>::try_from(p.to_device(tch::Device::Cpu).contiguous().view(-1))?)
}

/// Copies of a model's tensors under `prefix` (for a bundle snapshot).
pub fn snapshot(vs: &tch::nn::VarStore, prefix: &str) -> Vec<(String, tch::Tensor)> {
    let mut vars: Vec<(String, tch::Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(name, t)| (format!("{prefix}{name}"), t.detach().to_device(tch::Device::Cpu).copy()))
        .collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}
