//! Model bundles: the model(s) behind a run's last prediction, saved in the run folder as
//! `model/bundle.json` (domain, label names, train metadata, members with their
//! preprocessing) and `model/weights.safetensors` (network tensors, by member prefix).
//!
//! A bundle's output is Σ weight · P / divisor over its members (a single member has weight
//! and divisor 1), so `predict` on the run's test set reproduces the last prediction file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use formats::dataset::{DatasetReader, Subset};
use formats::metadata::DataSpec;
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use crate::data::FeatureExtractor;
use crate::deepwisdom::data_cache::{load_images, ImagePrep};
use crate::deepwisdom::ensemble::blend;
use crate::deepwisdom::fast::RidgeModel;
use crate::deepwisdom::gbdt::Gbdt;
use crate::deepwisdom::image::{load_net, predict_images, predict_ridge, ImageRidge, NetSpec};
use crate::deepwisdom::load_features;
use crate::deepwisdom::tabular_dnn::{self, DnnSpec, TabularDnn};
use crate::error::{Error, Result};
use crate::learner::{CancelToken, PredictionMatrix};

mod compat;
pub use compat::{check as check_compatibility, Compatibility, TrainedOn, Vocabulary};

pub const FORMAT_VERSION: u32 = 1;
pub const WEIGHTS_FILE: &str = "weights.safetensors";
pub use scoring::run_layout::{BUNDLE_DIR, CONFIG_FILE};

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
    /// Ridge on the pooled features of [`FeatureExtractor`].
    Ridge(RidgeModel),
    /// Ridge on pooled grids of preprocessed images.
    ImageRidge(ImageRidge),
    /// Gradient-boosted trees on tabular features.
    Gbdt(Gbdt),
    /// The §9.6 DNN on tabular features.
    TabularDnn(DnnSpec),
    /// Linear, k-NN or forest model on tabular features (issue 16).
    Tabular(crate::deepwisdom::tabular_models::TabularModel),
    /// ResNet-18 / ResNet-9 on preprocessed images.
    ImageNet(NetSpec),
    /// TF-IDF + linear model on token documents (text stage 0).
    TextTfidf(crate::deepwisdom::text_models::TfidfSpec),
    /// TextCNN / GRU on token documents (text stages 1 and 2).
    TextNet(crate::deepwisdom::text_models::TextNetSpec),
    /// Logistic model on pooled and motion features of cached video clips.
    VideoRidge(crate::deepwisdom::video::VideoRidge),
    /// The MC3-18 sequence on cached video clips (spec §3 ensembling).
    VideoNets(crate::deepwisdom::video::VideoNets),
    /// Logistic regression on pooled log-mel / MFCC statistics of speech clips.
    SpeechLogistic(crate::deepwisdom::speech::SpeechLogistic),
    /// ThinResNet34 + GhostVLAD on speech spectrograms.
    SpeechNet(crate::deepwisdom::speech::SpeechNetSpec),
}

/// `bundle.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BundleConfig {
    pub format_version: u32,
    pub domain: String,
    pub learner: String,
    pub label_names: Vec<String>,
    pub output_dim: usize,
    /// The train subset's `metadata.textproto`, which fixes the feature layout.
    pub train_metadata: String,
    /// What the model was trained on, checked by `predict` (absent in bundles written before
    /// issue 21: then only what `train_metadata` says can be checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trained_on: Option<TrainedOn>,
    pub members: Vec<Member>,
}

/// A bundle in memory.
#[derive(Debug)]
pub struct ModelBundle {
    pub config: BundleConfig,
    pub tensors: Vec<(String, Tensor)>,
}

impl ModelBundle {
    /// Writes `dir` (normally `<run>/model`) through a temporary sibling renamed at the end;
    /// an existing `dir` is replaced.
    pub fn save(&self, dir: &Path) -> Result<PathBuf> {
        let parent = dir.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
        let temp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if temp.exists() {
            std::fs::remove_dir_all(&temp).map_err(|e| Error::io(&temp, e))?;
        }
        std::fs::create_dir_all(&temp).map_err(|e| Error::io(&temp, e))?;
        let result = (|| -> Result<()> {
            let json = serde_json::to_vec_pretty(&self.config)
                .map_err(|e| Error::Config(format!("cannot serialise the bundle: {e}")))?;
            let path = temp.join(CONFIG_FILE);
            std::fs::write(&path, json).map_err(|e| Error::io(&path, e))?;
            if !self.tensors.is_empty() {
                let path = temp.join(WEIGHTS_FILE);
                Tensor::write_safetensors(&self.tensors, &path)
                    .map_err(|e| Error::Config(format!("{}: cannot write tensors: {e}", path.display())))?;
            }
            if dir.exists() {
                std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            std::fs::rename(&temp, dir).map_err(|e| Error::io(dir, e))
        })();
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&temp);
        }
        result.map(|_| dir.to_path_buf())
    }

    /// Reads a bundle folder (or a run folder holding `model/`).
    pub fn load(dir: &Path) -> Result<ModelBundle> {
        let dir = if dir.join(CONFIG_FILE).is_file() { dir.to_path_buf() } else { dir.join(BUNDLE_DIR) };
        let path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let config: BundleConfig = serde_json::from_str(&text)
            .map_err(|e| Error::Config(format!("{}: not a model bundle: {e}", path.display())))?;
        if config.format_version != FORMAT_VERSION {
            return Err(Error::Config(format!(
                "{}: bundle format {} is not supported (expected {FORMAT_VERSION})",
                path.display(),
                config.format_version
            )));
        }
        let weights = dir.join(WEIGHTS_FILE);
        let tensors = if weights.is_file() {
            Tensor::read_safetensors(&weights).map_err(|e| Error::Config(format!("{}: {e}", weights.display())))?
        } else {
            Vec::new()
        };
        Ok(ModelBundle { config, tensors })
    }

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
                features = Some(load_features(dataset, subset, &extractor, k, None, cancel)?);
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
                    images.insert(key.clone(), set.tensor(prep));
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
                    crate::deepwisdom::resnet::load_prefixed(&mut vs, &tensors, &spec.prefix)?;
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
                MemberModel::TextTfidf(_) | MemberModel::TextNet(_) => {
                    crate::deepwisdom::text::predict_member(&member.model, dataset, subset, &tensors, device, cancel)?
                }
                MemberModel::VideoRidge(_) | MemberModel::VideoNets(_) => {
                    crate::deepwisdom::video::predict_member(&member.model, dataset, subset, &input_spec, &tensors, k, device, cancel)?
                }
                MemberModel::SpeechLogistic(_) | MemberModel::SpeechNet(_) => {
                    crate::deepwisdom::speech::predict_member(&member.model, dataset, subset, &train_spec, &tensors, k, device, cancel)?
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

/// One CSV field, quoted when it holds a delimiter, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV of a prediction: a header of class names, then one row per example.
pub fn prediction_csv(matrix: &PredictionMatrix, label_names: &[String]) -> String {
    let quote = |s: &str| csv_field(s);
    let mut out = label_names.iter().map(|n| quote(n)).collect::<Vec<_>>().join(",");
    out.push('\n');
    for i in 0..matrix.rows() {
        let row: Vec<String> = matrix.row(i).iter().map(|v| format!("{v}")).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// CSV of a prediction on named inputs: the identity columns (`id_header`; `ids[c][i]` is
/// column `c` of example `i`), `predicted` (the class of highest probability, the first on a
/// tie), then one probability column per class, named by class.
pub fn named_prediction_csv(matrix: &PredictionMatrix, label_names: &[String], id_header: &[String], ids: &[Vec<String>]) -> String {
    let mut header: Vec<String> = id_header.iter().map(|h| csv_field(h)).collect();
    header.push("predicted".into());
    header.extend(label_names.iter().map(|n| csv_field(n)));
    let mut out = header.join(",");
    out.push('\n');
    for i in 0..matrix.rows() {
        let row = matrix.row(i);
        let mut cells: Vec<String> = ids.iter().map(|column| csv_field(column.get(i).map(String::as_str).unwrap_or(""))).collect();
        let best = row.iter().enumerate().fold(0, |b, (k, &v)| if v > row[b] { k } else { b });
        cells.push(csv_field(label_names.get(best).map(String::as_str).unwrap_or("")));
        cells.extend(row.iter().map(|v| format!("{v}")));
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}
