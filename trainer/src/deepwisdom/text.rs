//! Text pipeline (spec DEEPWISDOM.md §5): documents are read in a growing prefix (§5.1
//! reading schedule), a TF-IDF linear model makes the first prediction within a second or two
//! (§5.2), then TextCNN with learned embeddings (mode a) and, with `--embeddings FILE`, with
//! frozen fastText vectors (mode b) train in short slices (§5.3, §9.5), then a GRU for
//! single-label data (§5.4). Each prediction is the combination of §5.3/§5.4 (linear, first
//! network, mean of the networks) with the best validation NAUC, and it only replaces the
//! previous one when it scores higher (§7.1).

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

use formats::dataset::{DatasetReader, Subset, SubsetExamples};
use formats::example::Frames;
use formats::inspect::Domain;
use tch::nn;
use tch::{Device, Tensor};

use super::ensemble::{blend, validation_nauc};
use super::text_models::{
    frequent_tokens, load_text_net, loss, optimizer, predict_net, predict_tfidf_bundle, TextArch, TextNet, TextNetSpec, TfidfModel, TfidfSpec,
    MAX_SEQUENCE,
};
use super::{snapshot, AutoConfig, BundleSlot, DatasetFacts, SplitMix64};
use crate::bundle::{Member, MemberModel};
use crate::data::DatasetSource;
use crate::error::{Error, Result};
use crate::learner::{CancelToken, Learner, PredictionMatrix};

/// Training mini-batches per `train` call once the networks run (a short slice keeps the
/// predictions frequent and the deadline reachable between batches).
pub const STEPS_PER_CALL: usize = 30;
/// Embedding width and conv filters / GRU units on the CPU (README: decisions); the spec's
/// 300 / 64 / 128 on CUDA.
pub const CPU_EMBED_DIM: i64 = 64;
pub const CPU_CNN_FILTERS: i64 = 32;
pub const CPU_GRU_UNITS: i64 = 64;
/// Longest network input on the CPU (the spec's 301 on CUDA).
pub const CPU_MAX_SEQUENCE: usize = 64;
/// Fewest documents of the first reading (README: the spec's rules can give ~60).
pub const MIN_FIRST_READING: usize = 500;

// ---------------------------------------------------------------------------------------
// Documents

/// Token indices of one stored document (AUTODL_FORMAT.md §5.4: one 1×1 frame per token,
/// the float value of its vocabulary index; the SPARSE branch keeps them as channel indices).
/// An index that is not a vocabulary index becomes the out-of-vocabulary id `vocab_size`.
pub fn document_tokens(frames: &Frames, vocab_size: usize) -> std::result::Result<Vec<u32>, String> {
    let token = |v: f64| -> u32 {
        if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < vocab_size as f64 {
            v as u32
        } else {
            vocab_size as u32
        }
    };
    match frames {
        Frames::Dense { values, .. } => Ok(values.iter().map(|v| token(f64::from(*v))).collect()),
        Frames::Sparse(frames) => Ok(frames
            .iter()
            .flat_map(|f| f.channel.clone().unwrap_or_else(|| f.col.clone()))
            .map(|t| token(t as f64))
            .collect()),
        Frames::Compressed(_) => Err("text documents must be DENSE token indices, found compressed frames".into()),
    }
}

/// Documents and 0/1 label rows read from a record stream.
#[derive(Debug, Default, Clone)]
pub struct Documents {
    pub docs: Vec<Vec<u32>>,
    /// rows × classes; a listed class (any confidence) counts as positive, as in the solution.
    pub labels: Vec<f32>,
}

/// Reads up to `limit` further documents from `stream`.
fn read_documents(stream: &mut SubsetExamples, limit: usize, vocab_size: usize, classes: usize, cancel: &CancelToken) -> Result<Documents> {
    let mut out = Documents::default();
    for record in stream.by_ref().take(limit) {
        if out.docs.len() % 256 == 0 {
            cancel.check()?;
        }
        let record = record?;
        let doc = document_tokens(record.frames(), vocab_size).map_err(|message| Error::Data {
            path: record.file.to_path_buf(),
            record: record.index,
            message,
        })?;
        out.docs.push(doc);
        out.labels.extend(record.label_vector(classes)?.into_iter().map(|v| f32::from(v > 0.0)));
    }
    Ok(out)
}

/// All documents of a subset, in file order (test / unlabelled sets, bundle prediction).
pub fn read_subset(dir: &Path, subset: Subset, vocab_size: usize, classes: usize, cancel: &CancelToken) -> Result<Documents> {
    let reader = DatasetReader::open(dir)?;
    read_documents(&mut reader.examples(subset)?, usize::MAX, vocab_size, classes, cancel)
}

/// Scores of one bundle member on the documents of `dataset` (called by the bundle).
pub fn predict_member(model: &MemberModel, dataset: &Path, subset: Subset, tensors: &HashMap<String, Tensor>, device: Device, cancel: &CancelToken) -> Result<(usize, Vec<f32>)> {
    match model {
        MemberModel::TextTfidf(spec) => {
            let d = read_subset(dataset, subset, spec.vocab_size, spec.classes, cancel)?;
            Ok((d.docs.len(), predict_tfidf_bundle(spec, tensors, &d.docs)?))
        }
        MemberModel::TextNet(spec) => {
            let d = read_subset(dataset, subset, spec.vocab_size, spec.classes, cancel)?;
            let (_vs, net) = load_text_net(spec, tensors, device)?;
            Ok((d.docs.len(), predict_net(&net, spec, &d.docs, device)?))
        }
        _ => Err(Error::Config("not a text model".into())),
    }
}

/// Chinese when > 95 % of the first 100 vocabulary tokens are single characters (spec §5.1);
/// the converter's `<pad>`/`<unk>` entries are skipped.
pub fn is_chinese(vocabulary: &[(String, i32)]) -> bool {
    let mut sorted: Vec<&(String, i32)> = vocabulary.iter().filter(|(k, _)| !(k.starts_with('<') && k.ends_with('>'))).collect();
    sorted.sort_by_key(|(_, i)| *i);
    let first: Vec<_> = sorted.into_iter().take(100).collect();
    !first.is_empty() && first.iter().filter(|(k, _)| k.chars().count() == 1).count() as f64 > 0.95 * first.len() as f64
}

/// Reads the rows of a fastText `.vec` file (`N D` header, then `word v1 … vD`) for the
/// tokens of `vocabulary`; tokens without a vector get U(−0.02, 0.02) (spec §5.3 mode b).
/// Returns `(vocab_size + 1) × D` (the last row is the out-of-vocabulary id).
pub fn load_fasttext(path: &Path, vocabulary: &[(String, i32)], vocab_size: usize, seed: u64) -> Result<Tensor> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let header = lines.next().ok_or_else(|| Error::Data { path: path.into(), record: 0, message: "empty embeddings file".into() })?;
    let header = header.map_err(|e| Error::io(path, e))?;
    let dim: usize = header.split_whitespace().nth(1).and_then(|d| d.parse().ok()).filter(|d| *d > 0).ok_or_else(|| Error::Data {
        path: path.into(),
        record: 0,
        message: format!("first line `{header}` is not a fastText `.vec` header (count dimension)"),
    })?;
    let index: HashMap<&str, usize> = vocabulary.iter().filter(|(_, i)| *i >= 0 && (*i as usize) < vocab_size).map(|(k, i)| (k.as_str(), *i as usize)).collect();
    let mut rng = SplitMix64(seed ^ 0xFA57);
    let mut rows: Vec<f32> = (0..(vocab_size + 1) * dim).map(|_| (rng.unit() as f32 - 0.5) * 0.04).collect();
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        let mut parts = line.split(' ');
        let Some(word) = parts.next() else { continue };
        let Some(&row) = index.get(word) else { continue };
        let values: Vec<f32> = parts.filter(|s| !s.is_empty()).map(|s| s.parse::<f32>()).collect::<std::result::Result<_, _>>().map_err(|e| Error::Data {
            path: path.into(),
            record: n as u64 + 1,
            message: format!("bad vector value: {e}"),
        })?;
        if values.len() != dim {
            return Err(Error::Data { path: path.into(), record: n as u64 + 1, message: format!("{} values, header says {dim}", values.len()) });
        }
        rows[row * dim..(row + 1) * dim].copy_from_slice(&values);
    }
    Ok(Tensor::from_slice(&rows).view([(vocab_size + 1) as i64, dim as i64]))
}

// ---------------------------------------------------------------------------------------
// The learner

/// A scored model output kept for the §5.3 combinations.
struct Scored {
    val: f64,
    val_pred: Vec<f32>,
    test_pred: Vec<f32>,
    member: MemberModel,
    tensors: Vec<(String, Tensor)>,
}

/// Which network stage runs (spec §5.3 feature modes, then §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// TextCNN, random trainable embedding.
    CnnLearned,
    /// TextCNN, frozen fastText vectors.
    CnnFastText,
    /// Stage-2 GRU (single-label only).
    Gru,
}

struct NetRun {
    mode: Mode,
    spec: TextNetSpec,
    vs: nn::VarStore,
    net: TextNet,
    opt: nn::Optimizer,
    epoch: usize,
    stale: usize,
    lr: f64,
    order: Vec<usize>,
    cursor: usize,
    best: Option<Scored>,
    best_weights: Option<Vec<(String, Tensor)>>,
}

/// What was last published (repeated when nothing better came).
struct Published {
    val: f64,
    scores: Vec<f32>,
    members: Vec<Member>,
    tensors: Vec<(String, Tensor)>,
}

pub struct TextLearner {
    source: DatasetSource,
    config: AutoConfig,
    facts: DatasetFacts,
    slot: BundleSlot,
    vocab_size: usize,
    zh: bool,
    pretrained: Option<Tensor>,
    stream: Option<SubsetExamples>,
    /// Train documents announced by the metadata (0 if unknown).
    announced: usize,
    read: usize,
    exhausted: bool,
    train: Documents,
    val: Documents,
    test: Vec<Vec<u32>>,
    multilabel: bool,
    imbalance: u8,
    calls: usize,
    /// First call of the network stage (spec S1).
    net_call: usize,
    mean_len: f64,
    linear: Option<Scored>,
    linear_rows: usize,
    modes: Vec<Mode>,
    run: Option<NetRun>,
    finished: Vec<(Mode, Scored)>,
    published: Option<Published>,
    rng: SplitMix64,
    budget: Duration,
    call_secs: f64,
    predict_secs: f64,
}

impl TextLearner {
    pub fn new(source: DatasetSource, config: AutoConfig, slot: BundleSlot) -> Result<Self> {
        let facts = DatasetFacts::of(&source, Domain::Text)?;
        let vocabulary = &source.train_spec.channel_to_index_map;
        let vocab_size = vocabulary.iter().map(|(_, i)| (*i).max(0) as usize + 1).max().unwrap_or(0);
        let zh = is_chinese(vocabulary);
        // Embeddings are read in the constructor, whose time is not charged (spec §0, §7.1).
        let pretrained = match &config.embeddings {
            Some(file) => {
                let t = load_fasttext(file, vocabulary, vocab_size, config.seed)?;
                if config.verbose {
                    eprintln!("auto/text: {} × {} fastText vectors from {}", t.size()[0], t.size()[1], file.display());
                }
                Some(t)
            }
            None => None,
        };
        let announced = usize::try_from(source.train_spec.sample_count).unwrap_or(0);
        let rng = SplitMix64(config.seed ^ 0x7E47);
        Ok(TextLearner {
            source,
            config,
            facts,
            slot,
            vocab_size,
            zh,
            pretrained,
            stream: None,
            announced,
            read: 0,
            exhausted: false,
            train: Documents::default(),
            val: Documents::default(),
            test: Vec::new(),
            multilabel: false,
            imbalance: 0,
            calls: 0,
            net_call: 3,
            mean_len: 0.0,
            linear: None,
            linear_rows: 0,
            modes: Vec::new(),
            run: None,
            finished: Vec::new(),
            published: None,
            rng,
            budget: Duration::from_secs(1200),
            call_secs: 0.0,
            predict_secs: 0.0,
        })
    }

    fn log(&self, msg: &str) {
        if self.config.verbose {
            eprintln!("auto/text: {msg}");
        }
    }

    fn on_cpu(&self) -> bool {
        self.config.device == Device::Cpu
    }

    fn classes(&self) -> usize {
        self.facts.output_dim
    }

    fn read_more(&mut self, limit: usize, cancel: &CancelToken) -> Result<Documents> {
        if self.exhausted || limit == 0 {
            return Ok(Documents::default());
        }
        if self.stream.is_none() {
            self.stream = Some(DatasetReader::open(&self.source.dir)?.examples(Subset::Train)?);
        }
        let (v, k) = (self.vocab_size, self.classes());
        let got = read_documents(self.stream.as_mut().expect("opened above"), limit, v, k, cancel)?;
        if got.docs.len() < limit {
            self.exhausted = true;
        }
        self.read += got.docs.len();
        Ok(got)
    }

    /// Normalised standard deviation of the class counts → 0, 1 or 2 (spec §5.1).
    fn imbalance_of(labels: &[f32], k: usize) -> (u8, bool) {
        let mut counts = vec![0f64; k];
        for row in labels.chunks(k.max(1)) {
            for (c, v) in row.iter().enumerate() {
                counts[c] += f64::from(*v);
            }
        }
        let mean = counts.iter().sum::<f64>() / k.max(1) as f64;
        let std = (counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / k.max(1) as f64).sqrt();
        let level = if mean <= 0.0 || std / mean > 0.3 {
            2
        } else if std / mean > 0.07 {
            1
        } else {
            0
        };
        (level, counts.contains(&0.0))
    }

    /// Size of the first reading from the snoop sample's label statistics (spec §5.1).
    fn first_reading(&self, snoop: &Documents) -> usize {
        let n = self.announced.max(snoop.docs.len());
        let k = self.classes();
        let (level, missing) = Self::imbalance_of(&snoop.labels, k);
        let mut size = if self.multilabel || level >= 1 || missing {
            (n / 10).min(5000)
        } else if k == 2 {
            if n <= 10_000 {
                5000.min(3000 * k)
            } else {
                (n / 100).max(500)
            }
        } else if n <= 50_000 {
            (2 * n / k.max(1)).min(1000)
        } else {
            1500
        };
        if self.zh && self.mean_len <= 40.0 {
            size += (n / 10).min(2000);
        }
        size.max(MIN_FIRST_READING)
    }

    /// Documents to read at a later call (spec §5.1).
    fn later_reading(&self) -> usize {
        let n = self.announced.max(self.read);
        if self.multilabel || self.imbalance >= 1 {
            50_000
        } else if self.calls < self.net_call {
            3000 + if self.mean_len <= 40.0 { (n / 5).min(12_000) } else { 0 }
        } else if self.calls == self.net_call {
            (n * 9 / 10).min(50_000).saturating_sub(self.read).max(4000)
        } else if n <= 55_555 {
            4000
        } else {
            5500
        }
    }

    /// Moves a per-class 20 % (7.5 % for classes under 1 % share, ≤ 400 per class) of the
    /// first reading to the validation set (spec §5.1; multi-label: 20 % of the documents).
    fn split_first_reading(&mut self, docs: Documents) {
        let k = self.classes();
        let n = docs.docs.len();
        let order = self.rng.permutation(n);
        let mut per_class = vec![0usize; k];
        let mut taken = vec![0usize; k];
        for row in docs.labels.chunks(k.max(1)) {
            for (c, v) in row.iter().enumerate() {
                per_class[c] += usize::from(*v > 0.0);
            }
        }
        let quota: Vec<usize> = per_class
            .iter()
            .map(|&m| {
                let share = if (m as f64) < 0.01 * n as f64 { 0.075 } else { 0.2 };
                // A class keeps at least one training document.
                ((m as f64 * share).round() as usize).min(400).min(m.saturating_sub(1))
            })
            .collect();
        let mut to_val = vec![false; n];
        let mut val_count = 0usize;
        for &i in &order {
            let row = &docs.labels[i * k..(i + 1) * k];
            let ok = if self.multilabel {
                val_count < (n / 5).min(2000) && row.iter().enumerate().all(|(c, v)| *v == 0.0 || taken[c] < per_class[c].saturating_sub(1))
            } else {
                let c = super::text_models::argmax(row);
                row[c] > 0.0 && taken[c] < quota[c]
            };
            if ok {
                to_val[i] = true;
                val_count += 1;
                for (c, v) in row.iter().enumerate() {
                    taken[c] += usize::from(*v > 0.0);
                }
            }
        }
        for (i, doc) in docs.docs.into_iter().enumerate() {
            let target = if to_val[i] { &mut self.val } else { &mut self.train };
            target.docs.push(doc);
            target.labels.extend_from_slice(&docs.labels[i * k..(i + 1) * k]);
        }
        // A class without a training document gets a pseudo-document of one random word (§5.1);
        // single-label only: with many label-less classes (randomtext) the one-word documents
        // would teach the multi-label model that short documents are negatives.
        if self.multilabel {
            return;
        }
        let mut present = vec![false; k];
        for row in self.train.labels.chunks(k.max(1)) {
            for (c, v) in row.iter().enumerate() {
                present[c] |= *v > 0.0;
            }
        }
        for (c, p) in present.iter().enumerate() {
            if !p && self.vocab_size > 0 {
                let word = (self.rng.next() % self.vocab_size as u64) as u32;
                self.train.docs.push(vec![word]);
                let mut row = vec![0f32; k];
                row[c] = 1.0;
                self.train.labels.extend_from_slice(&row);
            }
        }
    }

    fn append_training(&mut self, docs: Documents) {
        self.train.docs.extend(docs.docs);
        self.train.labels.extend(docs.labels);
    }

    /// First call: test set, snoop sample, first reading, validation split, first model.
    fn start(&mut self, cancel: &CancelToken) -> Result<()> {
        let k = self.classes();
        self.test = read_subset(&self.source.dir, Subset::Test, self.vocab_size, k, cancel)?.docs;
        let snoop_size = (self.announced / 100).clamp(100, 700);
        let snoop = self.read_more(snoop_size, cancel)?;
        let positives: f32 = snoop.labels.iter().sum();
        self.multilabel = positives > snoop.docs.len() as f32;
        self.mean_len = snoop.docs.iter().map(|d| d.len()).sum::<usize>() as f64 / snoop.docs.len().max(1) as f64;
        let first = self.first_reading(&snoop).saturating_sub(snoop.docs.len());
        let mut docs = snoop;
        let more = self.read_more(first, cancel)?;
        docs.docs.extend(more.docs);
        docs.labels.extend(more.labels);
        let positives: f32 = docs.labels.iter().sum();
        self.multilabel |= positives > docs.docs.len() as f32;
        self.imbalance = Self::imbalance_of(&docs.labels, k).0;
        // S1 = 3 balanced, 1 EN imbalanced, 2 ZH imbalanced or multi-label (spec §5.2).
        self.net_call = if self.multilabel || (self.zh && self.imbalance == 2) {
            2
        } else if self.imbalance == 2 {
            1
        } else {
            3
        };
        if docs.docs.is_empty() {
            return Err(Error::Config(format!("{}: the train subset has no document", self.source.dir.display())));
        }
        self.split_first_reading(docs);
        // spec §5.3: EN with imbalance 2 and multi-label use mode (a) only; ZH (b) then (a).
        let fasttext = self.pretrained.is_some() && !self.multilabel && (self.zh || self.imbalance != 2);
        self.modes = match (fasttext, self.zh) {
            (true, true) => vec![Mode::CnnFastText, Mode::CnnLearned],
            (true, false) => vec![Mode::CnnLearned, Mode::CnnFastText],
            (false, _) => vec![Mode::CnnLearned],
        };
        if !self.multilabel {
            self.modes.push(Mode::Gru);
        }
        self.log(&format!(
            "{} train / {} validation / {} test documents read ({} announced), vocabulary {}, {}, {}, imbalance {}, mean length {:.0}",
            self.train.docs.len(),
            self.val.docs.len(),
            self.test.len(),
            self.announced,
            self.vocab_size,
            if self.zh { "ZH" } else { "EN" },
            if self.multilabel { "multi-label" } else { "single-label" },
            self.imbalance,
            self.mean_len
        ));
        self.fit_linear();
        Ok(())
    }

    /// Stage 0 on every training document read so far (spec §5.2).
    fn fit_linear(&mut self) {
        let k = self.classes();
        let spec = TfidfSpec::fit(&self.train.docs, self.vocab_size, self.zh, k, self.multilabel, "tfidf.");
        let model = TfidfModel::fit(spec, &self.train.docs, &self.train.labels, self.config.seed);
        let val_pred = model.predict(&self.val.docs);
        let val = self.score(&val_pred);
        self.log(&format!("TF-IDF linear model on {} documents: validation NAUC {val:.4}", self.train.docs.len()));
        self.linear_rows = self.train.docs.len();
        let better = self.linear.as_ref().is_none_or(|l| val > l.val);
        if better {
            let test_pred = model.predict(&self.test);
            self.linear = Some(Scored { val, val_pred, test_pred, tensors: model.tensors(), member: MemberModel::TextTfidf(model.spec) });
        }
    }

    fn score(&self, pred: &[f32]) -> f64 {
        if self.val.docs.is_empty() {
            return 0.0;
        }
        validation_nauc(&self.val.labels, pred, self.classes())
    }

    fn build_run(&mut self, mode: Mode) -> Result<()> {
        let cpu = self.on_cpu();
        let k = self.classes();
        let fasttext = mode == Mode::CnnFastText;
        let arch = if mode == Mode::Gru { TextArch::Gru } else { TextArch::TextCnn };
        // spec §5.3 vocabulary (30 000; 20 000 is for punctuation-heavy text, not measurable
        // on token ids) and length; §5.4: tokens seen ≥ 3 times, 95th-percentile length.
        let (kept, max_len) = if arch == TextArch::Gru {
            let mut lens: Vec<usize> = self.train.docs.iter().map(|d| super::text_models::clean(d, self.zh).len()).collect();
            lens.sort_unstable();
            let p95 = lens.get(lens.len() * 95 / 100).copied().unwrap_or(1);
            (frequent_tokens(&self.train.docs, self.zh, 30_000, 3, self.vocab_size), p95)
        } else {
            let lens: Vec<f64> = self.train.docs.iter().map(|d| super::text_models::clean(d, self.zh).len() as f64).collect();
            let n = lens.len().max(1) as f64;
            let mean = lens.iter().sum::<f64>() / n;
            let std = (lens.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / n).sqrt();
            let max = lens.iter().cloned().fold(0.0, f64::max);
            let len = if std > 150.0 { MAX_SEQUENCE as f64 } else if max <= MAX_SEQUENCE as f64 { max } else { mean };
            (frequent_tokens(&self.train.docs, self.zh, 30_000, 1, self.vocab_size), len as usize)
        };
        let cap = if cpu { CPU_MAX_SEQUENCE } else { MAX_SEQUENCE };
        let max_len = max_len.clamp(5, cap);
        let embed_dim = match (&self.pretrained, fasttext) {
            (Some(t), true) => t.size()[1],
            _ if cpu => CPU_EMBED_DIM,
            _ if arch == TextArch::Gru => 64,
            _ => 300,
        };
        let width = match (arch, cpu) {
            (TextArch::TextCnn, true) => CPU_CNN_FILTERS,
            (TextArch::TextCnn, false) => 64,
            (TextArch::Gru, true) => CPU_GRU_UNITS,
            (TextArch::Gru, false) => 128,
        };
        let prefix = match mode {
            Mode::CnnLearned => "cnn_a.",
            Mode::CnnFastText => "cnn_b.",
            Mode::Gru => "gru.",
        };
        let spec = TextNetSpec {
            arch,
            vocab_size: self.vocab_size,
            zh: self.zh,
            kept,
            embed_dim,
            width,
            max_len,
            classes: k,
            multilabel: self.multilabel,
            frozen_embedding: fasttext,
            prefix: prefix.into(),
        };
        let pretrained_rows = match (&self.pretrained, fasttext) {
            (Some(t), true) => {
                // Row 0 = padding (zeros), row 1 = the out-of-vocabulary id, then kept tokens.
                let mut ids: Vec<i64> = vec![self.vocab_size as i64, self.vocab_size as i64];
                ids.extend(spec.kept.iter().map(|t| i64::from(*t)));
                let rows = t.index_select(0, &Tensor::from_slice(&ids));
                let _ = rows.get(0).zero_();
                Some(rows)
            }
            _ => None,
        };
        tch::manual_seed(self.config.seed as i64 + mode as i64);
        let vs = nn::VarStore::new(self.config.device);
        let net = TextNet::new(&vs.root(), &spec, pretrained_rows.as_ref());
        let opt = optimizer(arch, &vs)?;
        let lr = if arch == TextArch::Gru { 0.016 * 0.65 } else { 1e-3 };
        self.log(&format!(
            "{mode:?}: {:?} embedding {}×{embed_dim}, width {width}, length {max_len}",
            arch,
            spec.kept.len() + 2
        ));
        self.run = Some(NetRun { mode, spec, vs, net, opt, epoch: 0, stale: 0, lr, order: Vec::new(), cursor: 0, best: None, best_weights: None });
        Ok(())
    }

    /// Class-balanced resampling of the training set with the per-class cap of spec §5.1.
    fn epoch_order(&mut self) -> Vec<usize> {
        let k = self.classes();
        let n = self.train.docs.len();
        if self.multilabel {
            let cap = if k < 50 { 100 } else if k < 100 { 50 } else { 20 };
            let mut chosen = vec![false; n];
            let mut per_class = vec![0usize; k];
            for i in self.rng.permutation(n) {
                let row = &self.train.labels[i * k..(i + 1) * k];
                if row.iter().enumerate().any(|(c, v)| *v > 0.0 && per_class[c] < cap) {
                    chosen[i] = true;
                    row.iter().enumerate().for_each(|(c, v)| per_class[c] += usize::from(*v > 0.0));
                }
            }
            let mut order: Vec<usize> = (0..n).filter(|i| chosen[*i]).collect();
            let perm = self.rng.permutation(order.len());
            order = perm.into_iter().map(|j| order[j]).collect();
            return order;
        }
        let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); k];
        for i in 0..n {
            by_class[super::text_models::argmax(&self.train.labels[i * k..(i + 1) * k])].push(i);
        }
        let cap = match (k, self.imbalance) {
            (2, 0) => 3500,
            (3..=5, 0) => 3000,
            _ => 1000,
        };
        let target = by_class.iter().map(|c| c.len()).max().unwrap_or(0).min(cap);
        let mut order = Vec::new();
        for members in by_class.iter().filter(|m| !m.is_empty()) {
            let perm = self.rng.permutation(members.len());
            order.extend(perm.iter().take(target).map(|&p| members[p]));
            // Rare classes are drawn again (oversampled) up to the common target.
            for _ in members.len()..target {
                order.push(members[(self.rng.next() % members.len() as u64) as usize]);
            }
        }
        let perm = self.rng.permutation(order.len());
        perm.into_iter().map(|j| order[j]).collect()
    }

    fn batch_size(&self, arch: TextArch) -> usize {
        match arch {
            TextArch::TextCnn => 32,
            TextArch::Gru => 64,
        }
    }

    /// One slice of network training; validation at the end of each pass over the data.
    fn train_slice(&mut self, deadline: Instant, cancel: &CancelToken) -> Result<()> {
        let k = self.classes() as i64;
        let device = self.config.device;
        for _ in 0..STEPS_PER_CALL {
            cancel.check()?;
            let run = self.run.as_ref().expect("built");
            if run.order.is_empty() || run.cursor >= run.order.len() {
                let order = self.epoch_order();
                let run = self.run.as_mut().expect("built");
                run.order = order;
                run.cursor = 0;
                if run.order.is_empty() {
                    return Ok(());
                }
            }
            let bs = self.batch_size(self.run.as_ref().expect("built").spec.arch);
            let run = self.run.as_mut().expect("built");
            let end = (run.cursor + bs).min(run.order.len());
            let idx: Vec<usize> = run.order[run.cursor..end].to_vec();
            run.cursor = end;
            let docs: Vec<Vec<u32>> = idx.iter().map(|&i| self.train.docs[i].clone()).collect();
            let mut y = Vec::with_capacity(idx.len() * k as usize);
            for &i in &idx {
                y.extend_from_slice(&self.train.labels[i * k as usize..(i + 1) * k as usize]);
            }
            let x = run.spec.encode(&docs).to_device(device);
            let y = Tensor::from_slice(&y).view([idx.len() as i64, k]).to_device(device);
            run.opt.set_lr(run.lr);
            let logits = run.net.forward_t(&x, true);
            let l = loss(&logits, &y, run.spec.multilabel);
            run.opt.backward_step(&l);
            if run.cursor >= run.order.len() {
                self.end_epoch()?;
                return Ok(());
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        // Mid-epoch checkpoint: a long epoch on the CPU would otherwise keep a better network
        // from predicting for many slices (the restore and stop rules stay per epoch).
        let (val, improved) = self.checkpoint()?;
        if improved {
            let run = self.run.as_ref().expect("built");
            self.log(&format!("{:?} epoch {} ({}/{} documents): validation NAUC {val:.4} (best)", run.mode, run.epoch + 1, run.cursor, run.order.len()));
        }
        Ok(())
    }

    /// Validation after an epoch: keep the best, restore it when not improved, LR decay, the
    /// stop rules of spec §5.3 / §5.4.
    /// Validation NAUC of the current weights; a new best becomes the run's checkpoint (with its
    /// test scores). Returns (NAUC, new best).
    fn checkpoint(&mut self) -> Result<(f64, bool)> {
        let device = self.config.device;
        let run = self.run.as_mut().expect("built");
        let val_pred = predict_net(&run.net, &run.spec, &self.val.docs, device)?;
        let val = if self.val.docs.is_empty() { (run.epoch + 1) as f64 * 1e-4 } else { validation_nauc(&self.val.labels, &val_pred, self.facts.output_dim) };
        let improved = run.best.as_ref().is_none_or(|b| val > b.val);
        if improved {
            let test_pred = predict_net(&run.net, &run.spec, &self.test, device)?;
            let tensors = snapshot(&run.vs, &run.spec.prefix);
            run.best_weights = Some(snapshot(&run.vs, ""));
            run.best = Some(Scored { val, val_pred, test_pred, member: MemberModel::TextNet(run.spec.clone()), tensors });
        }
        Ok((val, improved))
    }

    fn end_epoch(&mut self) -> Result<()> {
        let (val, improved) = self.checkpoint()?;
        let run = self.run.as_mut().expect("built");
        run.epoch += 1;
        if improved {
            run.stale = 0;
        } else {
            run.stale += 1;
            // Not a new best: back to the best weights (spec §5.3).
            if let Some(w) = &run.best_weights {
                let map: HashMap<String, Tensor> = w.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
                super::resnet::load_prefixed(&mut run.vs, &map, "")?;
            }
        }
        let (k, imbalance, multilabel) = (self.facts.output_dim, self.imbalance, self.multilabel);
        let msg = format!("{:?} epoch {}: validation NAUC {val:.4}{}", run.mode, run.epoch, if improved { " (best)" } else { "" });
        let stop = match run.spec.arch {
            TextArch::TextCnn => {
                if k < 5 && imbalance < 2 && run.epoch.is_multiple_of(3) {
                    run.lr = (run.lr * 0.6).max(1e-4);
                }
                let max_epoch = if multilabel { 18 } else if self.mean_len <= 40.0 { 8 } else { 15 };
                // The spec's third rule (NAUC dropped, > 0.96, epochs > max) is implied by the second.
                run.stale >= 3 || run.epoch > max_epoch || (run.epoch >= 5 && run.stale >= 2)
            }
            TextArch::Gru => {
                // lr0 · 0.65^(epoch+1), patience 3, at most 8 epochs (spec §5.4).
                run.lr = 0.016 * 0.65f64.powi(run.epoch as i32 + 1);
                run.stale >= 3 || run.epoch >= 8
            }
        };
        self.log(&msg);
        if stop {
            let run = self.run.take().expect("built");
            self.log(&format!("{:?} finished after {} epochs", run.mode, run.epoch));
            if let Some(best) = run.best {
                self.finished.push((run.mode, best));
            }
        }
        Ok(())
    }

    /// The network results so far (finished modes and the running one's best).
    fn network_results(&self) -> Vec<(Mode, &Scored)> {
        let mut out: Vec<(Mode, &Scored)> = self.finished.iter().map(|(m, s)| (*m, s)).collect();
        if let Some(run) = &self.run {
            if let Some(b) = &run.best {
                out.push((run.mode, b));
            }
        }
        out
    }

    /// Candidate outputs of spec §5.3/§5.4: the linear model, each network, the first network
    /// with the linear model, the mean of the TextCNNs, and with stage 2 when it reaches 97 %
    /// of the best first-stage NAUC. The one with the best validation NAUC is returned.
    fn best_combination(&self) -> Option<(f64, Vec<&Scored>)> {
        let mut candidates: Vec<Vec<&Scored>> = Vec::new();
        let linear = self.linear.as_ref();
        if let Some(l) = linear {
            candidates.push(vec![l]);
        }
        let nets = self.network_results();
        let cnns: Vec<&Scored> = nets.iter().filter(|(m, _)| *m != Mode::Gru).map(|(_, s)| *s).collect();
        for (_, s) in &nets {
            candidates.push(vec![*s]);
        }
        if let (Some(l), Some(first)) = (linear, cnns.first()) {
            candidates.push(vec![*first, l]);
        }
        if cnns.len() > 1 {
            candidates.push(cnns.clone());
        }
        let first_stage = cnns.iter().map(|s| s.val).chain(linear.map(|l| l.val)).fold(f64::NEG_INFINITY, f64::max);
        if let Some((_, gru)) = nets.iter().find(|(m, _)| *m == Mode::Gru) {
            if gru.val >= 0.97 * first_stage && !cnns.is_empty() {
                let mut all = cnns.clone();
                all.push(gru);
                candidates.push(all);
            }
        }
        let k = self.classes();
        candidates
            .into_iter()
            .map(|members| {
                let val = if members.len() == 1 {
                    members[0].val
                } else if self.val.docs.is_empty() {
                    0.0
                } else {
                    validation_nauc(&self.val.labels, &mean_of(members.iter().map(|s| s.val_pred.as_slice())), k)
                };
                (val, members)
            })
            .fold(None, |best: Option<(f64, Vec<&Scored>)>, c| match best {
                Some(b) if b.0 >= c.0 => Some(b),
                _ => Some(c),
            })
    }
}

/// Equal-weight mean through the bundle's blend, so `predict` reproduces it exactly.
fn mean_of<'a>(parts: impl Iterator<Item = &'a [f32]>) -> Vec<f32> {
    let parts: Vec<&[f32]> = parts.collect();
    let w = 1.0 / parts.len().max(1) as f64;
    let refs: Vec<(f64, f64, &[f32])> = parts.into_iter().map(|p| (w, 1.0, p)).collect();
    blend(&refs)
}

impl Learner for TextLearner {
    fn name(&self) -> &str {
        "auto-text"
    }

    fn train(&mut self, remaining: Duration, cancel: &CancelToken) -> Result<bool> {
        let started = Instant::now();
        self.calls += 1;
        if self.calls == 1 {
            self.budget = remaining;
            self.start(cancel)?;
            return Ok(false);
        }
        // Later readings go to training (spec §5.1 schedule).
        if !self.exhausted {
            let more = self.read_more(self.later_reading(), cancel)?;
            if !more.docs.is_empty() {
                self.log(&format!("read {} more documents ({} in all)", more.docs.len(), self.read));
                self.append_training(more);
            }
        }
        if self.calls < self.net_call || (self.run.is_none() && self.finished.is_empty() && self.train.docs.len() > self.linear_rows) {
            // Stage 0 refit while new documents arrive (spec §5.2).
            if self.train.docs.len() > self.linear_rows {
                self.fit_linear();
            }
            if self.calls < self.net_call {
                return Ok(false);
            }
        }
        let slice = (self.budget.as_secs_f64() * 0.05).clamp(2.0, 60.0);
        let left = remaining.as_secs_f64();
        // Stop before a slice and a prediction no longer fit in the budget.
        if left < 1.5 * (self.call_secs.max(0.5) + self.predict_secs) + 0.5 {
            return Ok(true);
        }
        if self.run.is_none() {
            let next = self.modes.iter().copied().find(|m| !self.finished.iter().any(|(f, _)| f == m));
            match next {
                Some(mode) => self.build_run(mode)?,
                None => return Ok(true),
            }
            if self.run.as_ref().is_some_and(|r| r.spec.frozen_embedding && self.pretrained.is_none()) {
                return Ok(true);
            }
        }
        let deadline = started + Duration::from_secs_f64(slice.min((left - 1.0).max(0.1)));
        self.train_slice(deadline, cancel)?;
        self.call_secs = started.elapsed().as_secs_f64();
        let all_done = self.run.is_none() && self.modes.iter().all(|m| self.finished.iter().any(|(f, _)| f == m));
        Ok(all_done)
    }

    fn predict(&mut self, _remaining: Duration, _cancel: &CancelToken) -> Result<Option<PredictionMatrix>> {
        let t0 = Instant::now();
        let k = self.classes();
        let Some((val, members)) = self.best_combination() else { return Ok(None) };
        let better = self.published.as_ref().is_none_or(|p| val > p.val);
        if better {
            let w = 1.0 / members.len() as f64;
            let scores = mean_of(members.iter().map(|s| s.test_pred.as_slice()));
            let bundle_members = members.iter().map(|s| Member { weight: w, divisor: 1.0, model: s.member.clone() }).collect();
            let tensors = members.iter().flat_map(|s| s.tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone()))).collect();
            let names: Vec<String> = members.iter().map(|s| member_name(&s.member)).collect();
            self.log(&format!("prediction from {} (validation NAUC {val:.4})", names.join(" + ")));
            self.published = Some(Published { val, scores, members: bundle_members, tensors });
        }
        let p = self.published.as_ref().expect("set above");
        let tensors = p.tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
        self.slot.publish(self.facts.bundle("auto-text", p.members.clone(), tensors))?;
        let out = PredictionMatrix::new(self.test.len(), k, p.scores.clone())?;
        self.predict_secs = t0.elapsed().as_secs_f64();
        Ok(Some(out))
    }
}

fn member_name(m: &MemberModel) -> String {
    match m {
        MemberModel::TextTfidf(_) => "TF-IDF linear".into(),
        MemberModel::TextNet(s) => format!("{:?} ({})", s.arch, s.prefix.trim_end_matches('.')),
        _ => "other".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_vocabulary_is_single_characters() {
        let zh: Vec<(String, i32)> = ["<pad>", "<unk>", "我", "们", "好"].iter().enumerate().map(|(i, s)| (s.to_string(), i as i32)).collect();
        assert!(is_chinese(&zh));
        let en: Vec<(String, i32)> = ["<pad>", "the", "cat", "a"].iter().enumerate().map(|(i, s)| (s.to_string(), i as i32)).collect();
        assert!(!is_chinese(&en));
    }

    #[test]
    fn tokens_outside_the_vocabulary_become_the_unknown_id() {
        let frames = Frames::dense_uniform(vec![0.0, 3.0, 9.0, -1.0, 2.5], 1).unwrap();
        assert_eq!(document_tokens(&frames, 5).unwrap(), vec![0, 3, 5, 5, 5]);
        let empty = Frames::Dense { values: Vec::new(), offsets: vec![0] };
        assert!(document_tokens(&empty, 5).unwrap().is_empty());
    }

    #[test]
    fn fasttext_rows_land_on_their_vocabulary_index() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("v.vec");
        std::fs::write(&file, "3 2\ncat 1 2\nzebra 5 5\nthe 0.5 -0.5\n").unwrap();
        let vocab: Vec<(String, i32)> = ["<pad>", "the", "cat", "dog"].iter().enumerate().map(|(i, s)| (s.to_string(), i as i32)).collect();
        let t = load_fasttext(&file, &vocab, 4, 0).unwrap();
        assert_eq!(t.size(), vec![5, 2]);
        assert_eq!(Vec::<f32>::try_from(t.get(2)).unwrap(), vec![1.0, 2.0]);
        assert_eq!(Vec::<f32>::try_from(t.get(1)).unwrap(), vec![0.5, -0.5]);
        let dog = Vec::<f32>::try_from(t.get(3)).unwrap();
        assert!(dog.iter().all(|v| v.abs() <= 0.02), "{dog:?}");
        std::fs::write(&file, "not a header\n").unwrap();
        assert!(load_fasttext(&file, &vocab, 4, 0).is_err());
    }
}
