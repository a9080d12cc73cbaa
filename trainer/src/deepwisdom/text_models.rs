//! Models of the text pipeline (spec DEEPWISDOM.md §5, §9.5): the stage-0 TF-IDF linear
//! model (hand-rolled sparse logistic regression, deterministic), the stage-1 TextCNN and the
//! stage-2 GRU on libtorch, and the token preparation they share. Documents are vectors of
//! vocabulary indices as stored (AUTODL_FORMAT.md §5.4); an index outside the vocabulary is
//! the out-of-vocabulary id `vocab_size`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tch::nn::{self, OptimizerConfig, RNN};
use tch::{Device, Kind, Tensor};

pub use super::text_features::{clean, MAX_SEQUENCE};
use super::scores::probabilities;
use super::text_features::{all_keys, is_single_unit, Analyzer, MAX_NGRAM_FEATURES};
use crate::error::{Error, Result};

/// Most TF-IDF features (spec §5.2: unigrams, max 20 000).
pub const MAX_TFIDF_FEATURES: usize = 20_000;
/// Batch size of network evaluation (validation and test passes).
pub const EVAL_BATCH: i64 = 128;

// ---------------------------------------------------------------------------------------
// Stage 0: TF-IDF + linear model (spec §5.2)

/// TF-IDF vectoriser and linear model; its weights (`{prefix}weight`, features × classes,
/// and `{prefix}bias`) live in the bundle's tensor file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TfidfSpec {
    pub vocab_size: usize,
    pub zh: bool,
    /// Key of each feature column: a token id (unigram analyzer) or an n-gram hash bucket.
    pub features: Vec<u32>,
    pub idf: Vec<f32>,
    /// Mean and standard deviation of ln(1 + keys) over the training documents: the
    /// standardised length is one more feature (column `features.len()`), see README.
    pub length_mean: f32,
    pub length_std: f32,
    pub classes: usize,
    pub multilabel: bool,
    pub prefix: String,
    /// Feature analyzer (absent in older bundles: stored-token unigrams).
    #[serde(default)]
    pub analyzer: Analyzer,
    /// Term frequency 1 + ln(tf) instead of raw counts.
    #[serde(default)]
    pub sublinear: bool,
    /// Vocabulary strings by token id, for the jieba word analyzer only.
    #[serde(default)]
    pub words: Vec<String>,
}

/// A fitted stage-0 model.
#[derive(Debug, Clone)]
pub struct TfidfModel {
    pub spec: TfidfSpec,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

pub type SparseRow = Vec<(u32, f32)>;

impl TfidfSpec {
    /// TF-IDF fitted on `docs` (smooth idf, L2 rows; raw counts for the unigram analyzer,
    /// sublinear counts for n-grams), see [`TfidfSpec::fit_keys`].
    #[allow(clippy::too_many_arguments)]
    pub fn fit(docs: &[Vec<u32>], vocab_size: usize, zh: bool, classes: usize, multilabel: bool, prefix: &str, analyzer: Analyzer, words: Vec<String>) -> TfidfSpec {
        let base = TfidfSpec::unfitted(vocab_size, zh, classes, multilabel, prefix, analyzer, words);
        let keys = all_keys(analyzer, zh, &base.words, docs);
        base.fit_keys(&keys)
    }

    /// A spec without features yet (see [`TfidfSpec::fit_keys`]); `words` is kept only for
    /// analyzers that read jieba words.
    pub fn unfitted(vocab_size: usize, zh: bool, classes: usize, multilabel: bool, prefix: &str, analyzer: Analyzer, words: Vec<String>) -> TfidfSpec {
        TfidfSpec {
            vocab_size,
            zh,
            features: Vec::new(),
            idf: Vec::new(),
            length_mean: 0.0,
            length_std: 1.0,
            classes,
            multilabel,
            prefix: prefix.to_string(),
            analyzer,
            sublinear: !analyzer.legacy(),
            words: if analyzer.word_ngrams > 0 { words } else { Vec::new() },
        }
    }

    /// Features and idf from the keys of the training documents: unigrams keep the
    /// `MAX_TFIDF_FEATURES` tokens of highest document frequency (spec §5.2); n-grams keep
    /// single tokens / words of any document frequency and longer n-grams seen in ≥ 2
    /// documents, at most `MAX_NGRAM_FEATURES` by document frequency, ties by key (README:
    /// rare words matter on small corpora; rare n-grams are most of the keys and mostly noise).
    pub fn fit_keys(mut self, keys: &[Vec<u32>]) -> TfidfSpec {
        let mut df: HashMap<u32, u32> = HashMap::new();
        for doc in keys {
            let mut seen: Vec<u32> = doc.clone();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                *df.entry(t).or_default() += 1;
            }
        }
        let legacy = self.analyzer.legacy();
        let mut by_df: Vec<(u32, u32)> = df.into_iter().filter(|(t, d)| legacy || *d >= 2 || is_single_unit(*t)).collect();
        by_df.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        by_df.truncate(if legacy { MAX_TFIDF_FEATURES } else { MAX_NGRAM_FEATURES });
        by_df.sort_by_key(|(t, _)| *t);
        let n = keys.len() as f64;
        self.idf = by_df.iter().map(|(_, d)| (((1.0 + n) / (1.0 + f64::from(*d))).ln() + 1.0) as f32).collect();
        self.features = by_df.into_iter().map(|(t, _)| t).collect();
        let lens: Vec<f64> = keys.iter().map(|d| (d.len() as f64).ln_1p()).collect();
        let mean = lens.iter().sum::<f64>() / n.max(1.0);
        let std = (lens.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / n.max(1.0)).sqrt();
        self.length_mean = mean as f32;
        self.length_std = if std > 1e-6 { std as f32 } else { 1.0 };
        self
    }

    fn rows(&self, docs: &[Vec<u32>]) -> Vec<SparseRow> {
        self.rows_from_keys(&all_keys(self.analyzer, self.zh, &self.words, docs))
    }

    /// TF-IDF rows (plus the length column) of documents given by their keys.
    pub fn rows_from_keys(&self, keys: &[Vec<u32>]) -> Vec<SparseRow> {
        let lookup: HashMap<u32, u32> = self.features.iter().enumerate().map(|(i, t)| (*t, i as u32)).collect();
        keys.iter()
            .map(|doc| {
                let mut counts: HashMap<u32, f32> = HashMap::new();
                for t in doc {
                    if let Some(&f) = lookup.get(t) {
                        *counts.entry(f).or_default() += 1.0;
                    }
                }
                let tf = |c: f32| if self.sublinear { 1.0 + c.ln() } else { c };
                let mut row: SparseRow = counts.into_iter().map(|(f, c)| (f, tf(c) * self.idf[f as usize])).collect();
                row.sort_by_key(|(f, _)| *f);
                let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
                if norm > 0.0 {
                    row.iter_mut().for_each(|(_, v)| *v /= norm);
                }
                let length = ((doc.len() as f32).ln_1p() - self.length_mean) / self.length_std;
                row.push((self.features.len() as u32, length));
                row
            })
            .collect()
    }
}

/// Per-document L2 strength of the first fit (spec §5.2 stage, before any search).
pub const DEFAULT_L2: f32 = 1e-5;

/// Iteration cap of the L-BFGS fit (sklearn's lbfgs needs ~30–100 on the issue-24 corpora).
pub const MAX_LBFGS_ITER: usize = 200;

impl TfidfModel {
    /// Logistic regression (softmax; one sigmoid per class when multi-label) on the TF-IDF
    /// rows of `docs` (spec §5.2 uses a calibrated LinearSVC), see [`TfidfModel::fit_rows`].
    pub fn fit(spec: TfidfSpec, docs: &[Vec<u32>], labels: &[f32]) -> TfidfModel {
        let rows = spec.rows(docs);
        let all: Vec<usize> = (0..rows.len()).collect();
        TfidfModel::fit_rows(spec, &rows, labels, &all, DEFAULT_L2)
    }

    /// The same on the rows `idx` of precomputed `rows`, with per-document L2 strength `l2`
    /// (sklearn's C = 1 / (l2 · n)): mean log-loss + l2/2·‖W‖² minimised by L-BFGS, a
    /// deterministic full-batch fit (the earlier AdaGrad SGD stopped short of the optimum,
    /// README). Large sets get fewer iterations, so one fit costs at most ~4·10⁹ row·class
    /// products.
    pub fn fit_rows(spec: TfidfSpec, rows: &[SparseRow], labels: &[f32], idx: &[usize], l2: f32) -> TfidfModel {
        let (f, k) = (spec.features.len() + 1, spec.classes);
        let nnz: usize = idx.iter().map(|&i| rows[i].len().max(1)).sum();
        let max_iter = (4.0e9 / (2 * nnz.max(1) * k.max(1)) as f64).clamp(15.0, MAX_LBFGS_ITER as f64) as usize;
        let w = super::lbfgs::minimize(vec![0f64; f * k + k], max_iter, |w| sparse_loss_grad(w, rows, labels, idx, k, spec.multilabel, f64::from(l2)));
        let weight = w[..f * k].iter().map(|v| *v as f32).collect();
        let bias = w[f * k..].iter().map(|v| *v as f32).collect();
        TfidfModel { spec, weight, bias }
    }

    /// Scores of one precomputed row into `out` (classes wide).
    pub fn scores_row(&self, row: &[(u32, f32)], out: &mut [f32]) {
        scores_into(row, &self.weight, &self.bias, self.spec.classes, self.spec.multilabel, out);
    }

    /// Scores (rows × classes, probabilities).
    pub fn predict(&self, docs: &[Vec<u32>]) -> Vec<f32> {
        predict_tfidf(&self.spec, &self.weight, &self.bias, docs)
    }

    pub fn tensors(&self) -> Vec<(String, Tensor)> {
        let (f, k) = (self.spec.features.len() as i64 + 1, self.spec.classes as i64);
        vec![
            (format!("{}bias", self.spec.prefix), Tensor::from_slice(&self.bias)),
            (format!("{}weight", self.spec.prefix), Tensor::from_slice(&self.weight).view([f, k])),
        ]
    }
}

/// Stage-0 scores from a spec and its tensors (bundle loading).
pub fn predict_tfidf_bundle(spec: &TfidfSpec, tensors: &HashMap<String, Tensor>, docs: &[Vec<u32>]) -> Result<Vec<f32>> {
    let get = |name: &str| -> Result<Vec<f32>> {
        let key = format!("{}{name}", spec.prefix);
        let t = tensors.get(&key).ok_or_else(|| Error::Config(format!("model bundle has no tensor `{key}`")))?;
        Ok(Vec::<f32>::try_from(t.to_device(Device::Cpu).contiguous().view(-1))?)
    };
    let (w, b) = (get("weight")?, get("bias")?);
    if w.len() != (spec.features.len() + 1) * spec.classes || b.len() != spec.classes {
        return Err(Error::Config(format!("bundle tensors `{}*` do not match the TF-IDF spec", spec.prefix)));
    }
    Ok(predict_tfidf(spec, &w, &b, docs))
}

/// Documents keyed and scored per chunk: a large test set is never held as n-gram rows.
const PREDICT_CHUNK: usize = 4096;

fn predict_tfidf(spec: &TfidfSpec, w: &[f32], b: &[f32], docs: &[Vec<u32>]) -> Vec<f32> {
    let k = spec.classes;
    let mut out = vec![0f32; docs.len() * k];
    for (chunk, o) in docs.chunks(PREDICT_CHUNK).zip(out.chunks_mut((PREDICT_CHUNK * k).max(1))) {
        for (row, o) in spec.rows(chunk).iter().zip(o.chunks_mut(k.max(1))) {
            scores_into(row, w, b, k, spec.multilabel, o);
        }
    }
    out
}

/// Mean log-loss of rows `idx` + `l2`/2·‖W‖² (biases free) and its gradient; `w` holds the
/// weights (feature-major, `features × k`) then the k biases. Single-label targets are the
/// arg-max class.
fn sparse_loss_grad(w: &[f64], rows: &[SparseRow], labels: &[f32], idx: &[usize], k: usize, multilabel: bool, l2: f64) -> (f64, Vec<f64>) {
    let fk = w.len() - k;
    let logits = |i: usize, z: &mut [f64]| {
        z.copy_from_slice(&w[fk..]);
        for &(j, x) in &rows[i] {
            let wr = &w[j as usize * k..(j as usize + 1) * k];
            z.iter_mut().zip(wr).for_each(|(zc, wc)| *zc += f64::from(x) * wc);
        }
    };
    let targets = |i: usize, out: &mut [f64]| {
        let y = &labels[i * k..(i + 1) * k];
        if multilabel {
            out.iter_mut().zip(y).for_each(|(o, v)| *o = f64::from(u8::from(*v > 0.0)));
        } else {
            // The first class of highest label value alone.
            let t = argmax(y);
            out.iter_mut().enumerate().for_each(|(c, o)| *o = f64::from(u8::from(c == t)));
        }
    };
    let spread = |i: usize, d: &[f64], g: &mut [f64]| {
        for &(j, x) in &rows[i] {
            let gr = &mut g[j as usize * k..(j as usize + 1) * k];
            gr.iter_mut().zip(d).for_each(|(gc, dc)| *gc += f64::from(x) * dc);
        }
        g[fk..].iter_mut().zip(d).for_each(|(gc, dc)| *gc += dc);
    };
    let (mut loss, mut g) = super::lbfgs::cross_entropy(idx, w.len(), k, multilabel, logits, targets, spread);
    for (gj, wj) in g[..fk].iter_mut().zip(&w[..fk]) {
        loss += 0.5 * l2 * wj * wj;
        *gj += l2 * wj;
    }
    (loss, g)
}

fn scores_into(row: &[(u32, f32)], w: &[f32], b: &[f32], k: usize, multilabel: bool, out: &mut [f32]) {
    out.copy_from_slice(b);
    for &(j, x) in row {
        let wr = &w[j as usize * k..(j as usize + 1) * k];
        for c in 0..k {
            out[c] += x * wr[c];
        }
    }
    if multilabel {
        out.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp()));
    } else {
        let m = out.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let mut s = 0.0;
        out.iter_mut().for_each(|v| {
            *v = (*v - m).exp();
            s += *v;
        });
        out.iter_mut().for_each(|v| *v /= s);
    }
}

pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

// ---------------------------------------------------------------------------------------
// Stage 1 / 2 networks (spec §9.5)

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TextArch {
    /// §9.5 TextCNN: kernels 2–5, same padding, max over the first L − k + 1 positions.
    TextCnn,
    /// §9.5 stage-2 GRU: GRU → global max-pool → dense 128 → PReLU → dropout → BN.
    Gru,
}

/// Which network stage runs (spec §5.3 feature modes, then §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NetMode {
    /// TextCNN, random trainable embedding.
    CnnLearned,
    /// TextCNN, frozen fastText vectors.
    CnnFastText,
    /// Stage-2 GRU (single-label only).
    Gru,
}

impl NetMode {
    /// The network's name for users.
    pub(super) fn label(self) -> &'static str {
        match self {
            NetMode::CnnLearned => "TextCNN, learned embedding",
            NetMode::CnnFastText => "TextCNN, fastText vectors",
            NetMode::Gru => "GRU",
        }
    }
}

/// What a bundle stores about a text network (weights under `prefix`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TextNetSpec {
    pub arch: TextArch,
    pub vocab_size: usize,
    pub zh: bool,
    /// Token id of embedding row `i + 2` (row 0 = padding, row 1 = unknown token).
    pub kept: Vec<u32>,
    pub embed_dim: i64,
    /// Conv filters per kernel (TextCNN) or GRU hidden units.
    pub width: i64,
    pub max_len: usize,
    pub classes: usize,
    pub multilabel: bool,
    /// fastText vectors, not trained (mode (b) of §5.3).
    pub frozen_embedding: bool,
    pub prefix: String,
}

impl TextNetSpec {
    /// Rows `[N, max_len]` of embedding ids: cleaned document, the last `max_len` tokens
    /// (Keras truncation), padded with 0 at the end (spec §5.3).
    pub fn encode(&self, docs: &[Vec<u32>]) -> Tensor {
        let rows: HashMap<u32, i64> = self.kept.iter().enumerate().map(|(i, t)| (*t, i as i64 + 2)).collect();
        let l = self.max_len;
        let mut ids = vec![0i64; docs.len() * l];
        for (doc, out) in docs.iter().zip(ids.chunks_mut(l.max(1))) {
            let d = clean(doc, self.zh);
            let d = &d[d.len().saturating_sub(l)..];
            for (o, t) in out.iter_mut().zip(d) {
                *o = rows.get(t).copied().unwrap_or(1);
            }
        }
        Tensor::from_slice(&ids).view([docs.len() as i64, l as i64])
    }
}

/// Embedding rows: frequent tokens of the training documents, most frequent first.
pub fn frequent_tokens(docs: &[Vec<u32>], zh: bool, max_rows: usize, min_count: u32, vocab_size: usize) -> Vec<u32> {
    let mut counts: HashMap<u32, u32> = HashMap::new();
    for doc in docs {
        for &t in clean(doc, zh) {
            if (t as usize) < vocab_size {
                *counts.entry(t).or_default() += 1;
            }
        }
    }
    let mut v: Vec<(u32, u32)> = counts.into_iter().filter(|(_, c)| *c >= min_count).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(max_rows);
    v.into_iter().map(|(t, _)| t).collect()
}

pub struct TextNet {
    embedding: Tensor,
    convs: Vec<(i64, nn::Conv1D)>,
    gru: Option<nn::GRU>,
    dense: Option<(nn::Linear, Tensor, nn::BatchNorm)>,
    head: nn::Linear,
    arch: TextArch,
}

impl TextNet {
    /// Builds the network under `p`; `pretrained` fills a frozen embedding (rows × dim).
    pub fn new(p: &nn::Path, spec: &TextNetSpec, pretrained: Option<&Tensor>) -> TextNet {
        let rows = spec.kept.len() as i64 + 2;
        let embedding = if spec.frozen_embedding {
            let t = p.zeros_no_train("embedding", &[rows, spec.embed_dim]);
            if let Some(src) = pretrained {
                tch::no_grad(|| t.shallow_clone().copy_(&src.to_device(t.device())));
            }
            t
        } else {
            // Keras' default embedding init: U(−0.05, 0.05).
            p.var("embedding", &[rows, spec.embed_dim], nn::Init::Uniform { lo: -0.05, up: 0.05 })
        };
        let (e, w, c) = (spec.embed_dim, spec.width, spec.classes as i64);
        match spec.arch {
            TextArch::TextCnn => {
                let convs = (2..=5).map(|k| (k, nn::conv1d(p / format!("conv{k}"), e, w, k, Default::default()))).collect();
                TextNet { embedding, convs, gru: None, dense: None, head: nn::linear(p / "head", 4 * w, c, Default::default()), arch: spec.arch }
            }
            TextArch::Gru => {
                let gru = nn::gru(p / "gru", e, w, nn::RNNConfig { batch_first: true, ..Default::default() });
                let dense = nn::linear(p / "dense", w, 128, Default::default());
                let prelu = p.zeros("prelu", &[128]);
                let bn = nn::batch_norm1d(p / "bn", 128, Default::default());
                TextNet {
                    embedding,
                    convs: Vec::new(),
                    gru: Some(gru),
                    dense: Some((dense, prelu, bn)),
                    head: nn::linear(p / "head", 128, c, Default::default()),
                    arch: spec.arch,
                }
            }
        }
    }

    /// Logits `[N, C]` of id rows `[N, L]`.
    pub fn forward_t(&self, ids: &Tensor, train: bool) -> Tensor {
        let x = Tensor::embedding(&self.embedding, ids, -1, false, false);
        match self.arch {
            TextArch::TextCnn => {
                let l = ids.size()[1];
                let x = x.transpose(1, 2);
                let pooled: Vec<Tensor> = self
                    .convs
                    .iter()
                    .map(|(k, conv)| {
                        // Keras "same" padding puts the odd extra position on the right.
                        let left = (k - 1) / 2;
                        let y = x.constant_pad_nd([left, k - 1 - left]).apply(conv).relu();
                        y.narrow(2, 0, (l - k + 1).max(1)).amax([2], false)
                    })
                    .collect();
                Tensor::cat(&pooled, 1).dropout(0.2, train).apply(&self.head)
            }
            TextArch::Gru => {
                let gru = self.gru.as_ref().expect("GRU arch has a GRU");
                let (dense, prelu, bn) = self.dense.as_ref().expect("GRU arch has a dense block");
                let (out, _) = gru.seq(&x);
                out.amax([1], false).apply(dense).prelu(prelu).dropout(0.35, train).apply_t(bn, train).apply(&self.head)
            }
        }
    }
}

/// Probabilities of `docs`, evaluated in fixed batches (same numbers in training and `predict`).
pub fn predict_net(net: &TextNet, spec: &TextNetSpec, docs: &[Vec<u32>], device: Device) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(docs.len() * spec.classes);
    // Encoded a chunk at a time (a multiple of the batch, so the batches are the same).
    for chunk in docs.chunks(EVAL_BATCH as usize * 32) {
        let ids = spec.encode(chunk);
        let n = chunk.len() as i64;
        for start in (0..n).step_by(EVAL_BATCH as usize) {
            let len = EVAL_BATCH.min(n - start);
            let x = ids.narrow(0, start, len).to_device(device);
            let logits = tch::no_grad(|| net.forward_t(&x, false));
            out.extend(probabilities(&logits, spec.multilabel)?);
        }
    }
    Ok(out)
}

/// Rebuilds a network member from its spec and tensors (bundle loading).
pub fn load_text_net(spec: &TextNetSpec, tensors: &HashMap<String, Tensor>, device: Device) -> Result<(nn::VarStore, TextNet)> {
    let mut vs = nn::VarStore::new(device);
    let net = TextNet::new(&vs.root(), spec, None);
    super::resnet::load_prefixed(&mut vs, tensors, &spec.prefix)?;
    Ok((vs, net))
}

/// The optimiser of an architecture: RMSprop 0.001 for TextCNN (§5.3), Adam for the GRU (§5.4).
pub fn optimizer(arch: TextArch, vs: &nn::VarStore) -> Result<nn::Optimizer> {
    Ok(match arch {
        TextArch::TextCnn => nn::RmsProp { alpha: 0.9, eps: 1e-7, ..Default::default() }.build(vs, 1e-3)?,
        TextArch::Gru => nn::Adam::default().build(vs, 0.016 * 0.65)?,
    })
}

/// Training loss: softmax CE on the arg-max label, or BCE on every class (multi-label).
pub fn loss(logits: &Tensor, y: &Tensor, multilabel: bool) -> Tensor {
    if multilabel {
        logits.binary_cross_entropy_with_logits::<Tensor>(&y.gt(0.0).to_kind(Kind::Float), None, None, tch::Reduction::Mean)
    } else {
        logits.cross_entropy_for_logits(&y.argmax(1, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tfidf_model_separates_two_topics_and_is_deterministic() {
        // class 0 docs use tokens 2..5, class 1 docs 6..9; token 10 is common filler.
        let mut docs = Vec::new();
        let mut labels = Vec::new();
        for i in 0..40u32 {
            let c = i % 2;
            docs.push(vec![10, 2 + 4 * c + i % 4, 10, 3 + 4 * c]);
            labels.extend_from_slice(if c == 0 { &[1.0, 0.0] } else { &[0.0, 1.0] });
        }
        docs.push(Vec::new());
        labels.extend_from_slice(&[1.0, 0.0]);
        let spec = TfidfSpec::fit(&docs, 11, false, 2, false, "t.", Analyzer::UNIGRAMS, Vec::new());
        let m = TfidfModel::fit(spec.clone(), &docs, &labels);
        let p = m.predict(&docs[..4]);
        assert!(p[0] > 0.5 && p[3] > 0.5, "{p:?}");
        let again = TfidfModel::fit(spec, &docs, &labels);
        assert_eq!(m.weight, again.weight);
        let empty = m.predict(&[Vec::new()]);
        assert!(empty.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn encode_keeps_the_last_tokens_and_pads_at_the_end() {
        let spec = TextNetSpec {
            arch: TextArch::TextCnn,
            vocab_size: 10,
            zh: false,
            kept: vec![5, 6, 7],
            embed_dim: 4,
            width: 2,
            max_len: 3,
            classes: 2,
            multilabel: false,
            frozen_embedding: false,
            prefix: String::new(),
        };
        let ids = spec.encode(&[vec![5, 6, 7, 9], vec![6], Vec::new()]);
        let v = Vec::<i64>::try_from(ids.view(-1)).unwrap();
        assert_eq!(v, vec![3, 4, 1, 3, 0, 0, 0, 0, 0]);
        // Zero-token documents (possible in files from other writers) score like any other.
        let spec = TextNetSpec { max_len: 5, ..spec };
        for arch in [TextArch::TextCnn, TextArch::Gru] {
            let spec = TextNetSpec { arch, ..spec.clone() };
            let vs = nn::VarStore::new(Device::Cpu);
            let net = TextNet::new(&vs.root(), &spec, None);
            let p = predict_net(&net, &spec, &[Vec::new(), vec![5; 400]], Device::Cpu).unwrap();
            assert_eq!(p.len(), 4);
            assert!(p.iter().all(|v| v.is_finite()) && (p[0] + p[1] - 1.0).abs() < 1e-5, "{p:?}");
        }
    }
}
