//! The settings every DeepWisdom learner shares ([`AutoConfig`]) and how a learner talks to
//! the user ([`Say`], [`score_text`]).

use std::path::PathBuf;

/// Settings shared by every DeepWisdom learner (checked once in [`super::auto_learner`]).
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

/// A validation score in words: "0.8123", or "not yet measured" before the first one.
pub fn score_text(score: f64) -> String {
    if score.is_finite() {
        format!("{score:.4}")
    } else {
        "not yet measured".to_string()
    }
}
