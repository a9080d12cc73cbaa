//! Model bundles: the model(s) behind a run's last prediction, saved in the run folder as
//! `model/bundle.json` (domain, label names, train metadata, members with their
//! preprocessing) and `model/weights.safetensors` (network tensors, by member prefix).
//!
//! A bundle's output is Σ weight · P / divisor over its members (a single member has weight
//! and divisor 1), so `predict` on the run's test set reproduces the last prediction file.
//!
//! This module only saves and loads: it is generic over the member type, which the learners
//! define together with the prediction of a loaded bundle (deepwisdom's `Member` and
//! `ModelBundle::predict_dataset`), so it depends on no model.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::error::{Error, Result};
use crate::learner::PredictionMatrix;

mod compat;
pub use compat::{Compatibility, TrainedOn, Vocabulary};

pub const FORMAT_VERSION: u32 = 1;
pub const WEIGHTS_FILE: &str = "weights.safetensors";
pub use scoring::run_layout::{BUNDLE_DIR, CONFIG_FILE};

/// `bundle.json`, over the member type `M` that the learners define.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BundleConfig<M> {
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
    pub members: Vec<M>,
}

/// A bundle in memory.
#[derive(Debug)]
pub struct ModelBundle<M> {
    pub config: BundleConfig<M>,
    pub tensors: Vec<(String, Tensor)>,
}

impl<M: Serialize + DeserializeOwned> ModelBundle<M> {
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
    pub fn load(dir: &Path) -> Result<ModelBundle<M>> {
        let dir = if dir.join(CONFIG_FILE).is_file() { dir.to_path_buf() } else { dir.join(BUNDLE_DIR) };
        let path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let config: BundleConfig<M> = serde_json::from_str(&text)
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
}

/// Checks the dataset or unlabelled set at `input` against what the model of `config` was
/// trained on (issue 21); `model` and `data` name the two sides in the messages.
pub fn check_compatibility<M>(config: &BundleConfig<M>, input: &Path, model: &str, data: &str) -> Result<Compatibility> {
    let trained = compat::Trained {
        train_metadata: &config.train_metadata,
        trained_on: config.trained_on.as_ref(),
        output_dim: config.output_dim,
        label_names: &config.label_names,
    };
    compat::check(&trained, input, model, data)
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
