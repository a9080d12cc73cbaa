//! Prediction by a saved bundle: each member is dispatched to its learner's scoring code and
//! the members' scores are blended (kept here so that [`crate::bundle`] knows no model).

use std::collections::HashMap;
use std::path::Path;

use formats::dataset::{DatasetReader, Subset};
use formats::metadata::DataSpec;
use tch::{Device, Tensor};

use super::data_cache::{load_images, ImagePrep};
use super::ensemble::blend;
use super::image::{load_net, predict_images, predict_ridge};
use super::tabular_dnn::{self, TabularDnn};
use super::{MemberModel, ModelBundle};
use crate::data::{read_features, FeatureExtractor};
use crate::error::{Error, Result};
use crate::learner::{CancelToken, PredictionMatrix};

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
                    super::resnet::load_prefixed(&mut vs, &tensors, &spec.prefix)?;
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
                    super::text::predict_member(&member.model, dataset, subset, &tensors, device, cancel)?
                }
                MemberModel::VideoRidge(_) | MemberModel::VideoNets(_) => {
                    super::video::predict_member(&member.model, dataset, subset, &input_spec, &tensors, k, device, cancel)?
                }
                MemberModel::SpeechLogistic(_) | MemberModel::SpeechNet(_) => {
                    super::speech::predict_member(&member.model, dataset, subset, &train_spec, &tensors, k, device, cancel)?
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

