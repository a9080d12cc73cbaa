//! The members of a DeepWisdom bundle ([`Member`], [`MemberModel`]: the closed list of models
//! the learners save) and the prediction of a loaded bundle ([`ModelBundle::predict_dataset`]),
//! which dispatches each member to its learner's scoring code and blends the scores. Kept here,
//! beside the learners, so that [`crate::bundle`] only saves and loads.

use std::collections::HashMap;
use std::path::Path;

use formats::dataset::{DatasetReader, Subset};
use formats::metadata::DataSpec;
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use super::data_cache::{load_images, ImagePrep};
use super::ensemble::blend;
use super::fast::RidgeModel;
use super::gbdt::Gbdt;
use super::image_members::{load_net, predict_images, predict_ridge, ImageRidge, NetSpec};
use super::resnet::load_prefixed;
use super::speech_members::{load_waves, SpeechLogistic, SpeechNetSpec};
use super::tabular_dnn::{self, DnnSpec, TabularDnn};
use super::tabular_models::TabularModel;
use super::text_data::read_subset;
use super::text_models::{load_text_net, predict_net, predict_tfidf_bundle, TextNetSpec, TfidfSpec};
use super::video::{load_clips, VideoNets, VideoRidge};
use crate::bundle;
use crate::data::{read_features, FeatureExtractor};
use crate::error::{Error, Result};
use crate::learner::{CancelToken, PredictionMatrix};

/// A bundle of DeepWisdom members, as saved by [`crate::bundle`].
pub type ModelBundle = bundle::ModelBundle<Member>;
/// `bundle.json` of a DeepWisdom bundle.
pub type BundleConfig = bundle::BundleConfig<Member>;

/// One scored member of a bundle.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Member {
    pub weight: f64,
    pub divisor: f64,
    pub model: MemberModel,
}

impl Member {
    /// A bundle's only member: its model's scores as they are (weight and divisor 1).
    pub fn single(model: MemberModel) -> Member {
        Member { weight: 1.0, divisor: 1.0, model }
    }
}

/// What a member is and which inputs it reads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MemberModel {
    /// Ridge on the pooled features of [`crate::data::FeatureExtractor`].
    Ridge(RidgeModel),
    /// Ridge on pooled grids of preprocessed images.
    ImageRidge(ImageRidge),
    /// Gradient-boosted trees on tabular features.
    Gbdt(Gbdt),
    /// The §9.6 DNN on tabular features.
    TabularDnn(DnnSpec),
    /// Linear, k-NN or forest model on tabular features (issue 16).
    Tabular(TabularModel),
    /// ResNet-18 / ResNet-9 on preprocessed images.
    ImageNet(NetSpec),
    /// TF-IDF + linear model on token documents (text stage 0).
    TextTfidf(TfidfSpec),
    /// TextCNN / GRU on token documents (text stages 1 and 2).
    TextNet(TextNetSpec),
    /// Logistic model on pooled and motion features of cached video clips.
    VideoRidge(VideoRidge),
    /// The MC3-18 sequence on cached video clips (spec §3 ensembling).
    VideoNets(VideoNets),
    /// Logistic regression on pooled log-mel / MFCC statistics of speech clips.
    SpeechLogistic(SpeechLogistic),
    /// ThinResNet34 + GhostVLAD on speech spectrograms.
    SpeechNet(SpeechNetSpec),
}

impl ModelBundle {
    /// Scores for every example of the dataset at `dataset`: its `test` subset, or the
    /// `unlabelled` subset of an unlabelled layout (AUTODL_FORMAT.md §1.3), in file order.
    pub fn predict_dataset(&self, dataset: &Path, device: Device, cancel: &CancelToken) -> Result<PredictionMatrix> {
        let reader = DatasetReader::open(dataset)?;
        let subset = if reader.spec(Subset::Test).is_some() { Subset::Test } else { Subset::Unlabelled };
        let input_spec = reader
            .spec(subset)
            .cloned()
            .ok_or_else(|| Error::Config(format!("{}: no test or unlabelled subset", dataset.display())))?;
        let train_spec = DataSpec::parse(&self.config.train_metadata, Path::new("bundle.json:train_metadata"))?;
        let k = self.config.output_dim;
        let tensors: HashMap<String, Tensor> = self.tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
        let mut features = None;
        let mut images: HashMap<String, Tensor> = HashMap::new();
        let mut parts: Vec<(f64, f64, Vec<f32>)> = Vec::new();
        let mut rows = None;
        for member in &self.config.members {
            let needs_features = matches!(member.model, MemberModel::Ridge(_) | MemberModel::Gbdt(_) | MemberModel::TabularDnn(_) | MemberModel::Tabular(_));
            if needs_features && features.is_none() {
                let extractor = FeatureExtractor::new(&train_spec)?;
                features = Some(read_features(&reader, subset, &extractor, k, None, cancel)?);
            }
            let prep = match &member.model {
                MemberModel::ImageRidge(m) => Some(&m.prep),
                MemberModel::ImageNet(spec) => Some(&spec.prep),
                _ => None,
            };
            let mut image_tensor = None;
            if let Some(prep) = prep {
                let key = serde_json::to_string(prep).unwrap_or_default();
                if !images.contains_key(&key) {
                    let set = load_images(dataset, subset, &input_spec, prep, k, usize::MAX, cancel)?;
                    images.insert(key.clone(), set.tensor(&prep.dims()));
                }
                image_tensor = Some(images[&key].shallow_clone());
            }
            let feature_rows = || features.as_ref().ok_or_else(|| Error::Config("features not loaded".into()));
            let image_tensor = |_: &ImagePrep| image_tensor.as_ref().map(|t| t.shallow_clone()).ok_or_else(|| Error::Config("images not loaded".into()));
            let (n, p) = match &member.model {
                MemberModel::Ridge(m) => {
                    let f = feature_rows()?;
                    (f.rows, m.predict(&f.features, f.rows)?)
                }
                MemberModel::Gbdt(m) => {
                    let f = feature_rows()?;
                    (f.rows, m.predict(&f.features, f.rows))
                }
                MemberModel::Tabular(m) => {
                    let f = feature_rows()?;
                    (f.rows, m.predict(&f.features, f.rows))
                }
                MemberModel::TabularDnn(spec) => {
                    let f = feature_rows()?;
                    let mut vs = tch::nn::VarStore::new(device);
                    let net = TabularDnn::new(&vs.root(), spec.dim, spec.classes);
                    load_prefixed(&mut vs, &tensors, &spec.prefix)?;
                    (f.rows, tabular_dnn::predict(&net, spec, &f.features, f.rows, device)?)
                }
                MemberModel::ImageRidge(m) => {
                    let x = image_tensor(&m.prep)?;
                    (x.size()[0] as usize, predict_ridge(m, &x)?)
                }
                MemberModel::ImageNet(spec) => {
                    let x = image_tensor(&spec.prep)?;
                    let (_vs, net) = load_net(spec, &tensors, device)?;
                    (x.size()[0] as usize, predict_images(net.as_ref(), &x, spec.multilabel, spec.tta, device)?)
                }
                MemberModel::TextTfidf(spec) => {
                    let d = read_subset(dataset, subset, spec.vocab_size, spec.classes, cancel)?;
                    (d.docs.len(), predict_tfidf_bundle(spec, &tensors, &d.docs)?)
                }
                MemberModel::TextNet(spec) => {
                    let d = read_subset(dataset, subset, spec.vocab_size, spec.classes, cancel)?;
                    let (_vs, net) = load_text_net(spec, &tensors, device)?;
                    (d.docs.len(), predict_net(&net, spec, &d.docs, device)?)
                }
                MemberModel::VideoRidge(m) => {
                    let set = load_clips(dataset, subset, &input_spec, &m.prep, k, usize::MAX, cancel)?;
                    (set.rows, m.predict(&set.tensor(&m.prep.dims()))?)
                }
                MemberModel::VideoNets(m) => {
                    let set = load_clips(dataset, subset, &input_spec, &m.prep, k, usize::MAX, cancel)?;
                    (set.rows, m.predict(&set.tensor(&m.prep.dims()), &tensors, device)?)
                }
                MemberModel::SpeechLogistic(m) => {
                    let waves = load_waves(dataset, subset, &train_spec, k, cancel)?;
                    (waves.len(), m.predict(&waves)?)
                }
                MemberModel::SpeechNet(spec) => {
                    let waves = load_waves(dataset, subset, &train_spec, k, cancel)?;
                    (waves.len(), spec.predict(&waves, &tensors, device, cancel)?)
                }
            };
            if rows.is_some_and(|r| r != n) {
                return Err(Error::Config("bundle members disagree on the number of examples".into()));
            }
            rows = Some(n);
            parts.push((member.weight, member.divisor, p));
        }
        let rows = rows.ok_or_else(|| Error::Config("model bundle has no member".into()))?;
        let refs: Vec<(f64, f64, &[f32])> = parts.iter().map(|(w, d, p)| (*w, *d, p.as_slice())).collect();
        PredictionMatrix::new(rows, k, blend(&refs))
    }
}

