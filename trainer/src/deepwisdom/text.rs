//! Text pipeline (spec DEEPWISDOM.md §5): documents are read in a growing prefix (§5.1
//! reading schedule), a TF-IDF linear model makes the first prediction within a second or two
//! (§5.2), then TextCNN with learned embeddings (mode a) and, with `--embeddings FILE`, with
//! frozen fastText vectors (mode b) train in short slices (§5.3, §9.5), then a GRU for
//! single-label data (§5.4). Each prediction is the combination of §5.3/§5.4 (linear, first
//! network, mean of the networks) with the best validation NAUC, and it only replaces the
//! previous one when it scores higher (§7.1).

use std::time::{Duration, Instant};

use formats::dataset::{DatasetReader, Subset, SubsetExamples};
use formats::inspect::Domain;
use scoring::rng::SplitMix64;
use tch::nn;
use tch::Tensor;

use super::bookkeeping::LearnerCore;
use super::config::{score_text, AutoConfig};
use super::ensemble::{blend, validation_nauc};
use super::members::{Member, MemberModel};
use super::slot::BundleSlot;
use super::text_features::Analyzer;
use super::text_linear::LinearSearch;
use super::text_models::{NetMode, TextNet, TextNetSpec, TfidfModel, TfidfSpec};
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
/// Documents read (at most) before the linear search compares its configurations.
pub const SEARCH_READ_CAP: usize = 50_000;
/// Most rounds of the network stages (rounds after the first use other seeds).
pub const MAX_NET_ROUNDS: usize = 3;
/// Fewest documents of the first reading (README: the spec's rules can give ~60).
pub const MIN_FIRST_READING: usize = 500;
/// A combination giving a cross-validated linear model less than this weight must beat the
/// best one giving it more by the validation noise (README "Ensemble"): out-of-fold scores
/// understate the linear model, best-epoch validation scores overstate a network.
pub const CV_LINEAR_WEIGHT_FLOOR: f64 = 0.5;

#[path = "text_nets.rs"]
mod nets;
#[path = "text_search.rs"]
mod search;

pub use super::text_data::{document_tokens, is_chinese, load_fasttext, read_subset, Documents};
use super::text_data::read_documents;

// ---------------------------------------------------------------------------------------
// The learner

/// N-gram keys of the labelled documents for one analyzer (the linear search's cache).
struct KeyCache {
    analyzer: Analyzer,
    spec: TfidfSpec,
    /// Train documents, then validation documents (test documents are keyed chunk by chunk
    /// when a model scores them, so a large test set is never held as n-gram keys).
    labelled: Vec<Vec<u32>>,
}

impl KeyCache {
    fn fits(&self, analyzer: Analyzer, labelled: usize) -> bool {
        self.analyzer == analyzer && self.labelled.len() == labelled
    }
}

/// A scored model output kept for the §5.3 combinations.
struct Scored {
    /// The model's name for users (leaderboard, logs).
    name: String,
    val: f64,
    val_pred: Vec<f32>,
    test_pred: Vec<f32>,
    member: MemberModel,
    tensors: Vec<(String, Tensor)>,
}

struct NetRun {
    mode: NetMode,
    /// Its name for users: the mode, and the round after the first.
    name: String,
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
    /// (model name, weight) of the blend, for the leaderboard.
    used: Vec<(String, f64)>,
    tensors: Vec<(String, Tensor)>,
}

pub struct TextLearner {
    core: LearnerCore,
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
    /// The linear candidate was ranked by cross-validation over every labelled document.
    linear_cv: bool,
    linear_rows: usize,
    modes: Vec<NetMode>,
    run: Option<NetRun>,
    finished: Vec<(NetMode, Scored)>,
    published: Option<Published>,
    rng: SplitMix64,
    /// Vocabulary strings by token id (Chinese character sets: jieba words are rebuilt).
    words: Vec<String>,
    search: LinearSearch,
    /// Keys of the labelled (train then validation) and test documents for one analyzer.
    keys: Option<KeyCache>,
    search_secs: f64,
    /// Rounds of the network stages planned, and (best validation NAUC, seconds left) when
    /// the current round began.
    net_rounds: usize,
    round_start: (f64, f64),
    budget: Duration,
    call_secs: f64,
    predict_secs: f64,
}

impl TextLearner {
    pub fn new(source: DatasetSource, config: AutoConfig, slot: BundleSlot) -> Result<Self> {
        let core = LearnerCore::new(source, config, slot, Domain::Text, "text learner")?;
        let (config, vocabulary) = (&core.config, &core.source.train_spec.channel_to_index_map);
        let vocab_size = vocabulary.iter().map(|(_, i)| (*i).max(0) as usize + 1).max().unwrap_or(0);
        let zh = is_chinese(vocabulary);
        // Embeddings are read in the constructor, whose time is not charged (spec §0, §7.1).
        let pretrained = match &config.embeddings {
            Some(file) => {
                let t = load_fasttext(file, vocabulary, vocab_size, config.seed)?;
                core.say().plain(&format!("{} fastText vectors of {} dimensions from {}", t.size()[0], t.size()[1], file.display()));
                Some(t)
            }
            None => None,
        };
        let announced = usize::try_from(core.source.train_spec.sample_count).unwrap_or(0);
        let rng = SplitMix64(config.seed ^ 0x7E47);
        let mut words = Vec::new();
        if zh {
            words = vec![String::new(); vocab_size];
            for (w, i) in vocabulary {
                if let Some(slot) = usize::try_from(*i).ok().and_then(|i| words.get_mut(i)) {
                    *slot = w.clone();
                }
            }
        }
        Ok(TextLearner {
            core,
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
            linear_cv: false,
            linear_rows: 0,
            modes: Vec::new(),
            run: None,
            finished: Vec::new(),
            published: None,
            rng,
            search: LinearSearch::new(zh, zh),
            words,
            keys: None,
            search_secs: 0.0,
            net_rounds: 1,
            round_start: (0.0, 0.0),
            budget: Duration::from_secs(1200),
            call_secs: 0.0,
            predict_secs: 0.0,
        })
    }




    fn classes(&self) -> usize {
        self.core.facts.output_dim
    }

    fn read_more(&mut self, limit: usize, cancel: &CancelToken) -> Result<Documents> {
        if self.exhausted || limit == 0 {
            return Ok(Documents::default());
        }
        if self.stream.is_none() {
            self.stream = Some(DatasetReader::open(&self.core.source.dir)?.examples(Subset::Train)?);
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
        self.test = read_subset(&self.core.source.dir, Subset::Test, self.vocab_size, k, cancel)?.docs;
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
            return Err(Error::Config(format!("{}: the train subset has no document", self.core.source.dir.display())));
        }
        self.split_first_reading(docs);
        // spec §5.3: EN with imbalance 2 and multi-label use mode (a) only; ZH (b) then (a).
        let fasttext = self.pretrained.is_some() && !self.multilabel && (self.zh || self.imbalance != 2);
        self.modes = match (fasttext, self.zh) {
            (true, true) => vec![NetMode::CnnFastText, NetMode::CnnLearned],
            (true, false) => vec![NetMode::CnnLearned, NetMode::CnnFastText],
            (false, _) => vec![NetMode::CnnLearned],
        };
        if !self.multilabel {
            self.modes.push(NetMode::Gru);
        }
        self.core.log(&format!(
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
        let started = Instant::now();
        let k = self.classes();
        let analyzer = self.search.analyzers.first().copied().unwrap_or_default();
        let spec = TfidfSpec::fit(&self.train.docs, self.vocab_size, self.zh, k, self.multilabel, "tfidf.", analyzer, self.words.clone());
        let model = TfidfModel::fit(spec, &self.train.docs, &self.train.labels);
        let val_pred = model.predict(&self.val.docs);
        let val = self.score(&val_pred);
        let name = format!("TF-IDF linear model ({})", analyzer.label());
        let measured = (!self.val.docs.is_empty()).then_some(val);
        self.core.slot.board().tried(&name, measured, started.elapsed().as_secs_f64());
        self.core.say().plain(&format!("{name} on {} documents: validation NAUC {}", self.train.docs.len(), measured.map_or("not measured".into(), score_text)));
        self.linear_rows = self.train.docs.len();
        let better = self.linear.as_ref().is_none_or(|l| val > l.val);
        if better {
            let test_pred = model.predict(&self.test);
            self.linear_cv = false;
            self.linear = Some(Scored { name, val, val_pred, test_pred, tensors: model.tensors(), member: MemberModel::TextTfidf(model.spec) });
        }
    }

    fn score(&self, pred: &[f32]) -> f64 {
        if self.val.docs.is_empty() {
            return 0.0;
        }
        validation_nauc(&self.val.labels, pred, self.classes())
    }

    /// Candidate outputs of spec §5.3/§5.4: the linear model, each network, the first network
    /// with the linear model, the mean of the TextCNNs, and with stage 2 when it reaches 97 %
    /// of the best first-stage NAUC; beyond the spec, the linear model with the best network at
    /// linear weights ¼, ½ and ¾. The one with the best validation NAUC is returned, as
    /// (weight, member) pairs; one that gives a cross-validated linear model less than
    /// `CV_LINEAR_WEIGHT_FLOOR` only when it wins by more than [`Self::validation_noise`], and
    /// one that adds networks to such a linear model only when it beats the linear model alone
    /// by as much.
    fn best_combination(&self) -> Option<(f64, Vec<(f64, &Scored)>)> {
        fn equal(m: Vec<&Scored>) -> Vec<(f64, &Scored)> {
            let w = 1.0 / m.len().max(1) as f64;
            m.into_iter().map(|s| (w, s)).collect()
        }
        let mut candidates: Vec<Vec<(f64, &Scored)>> = Vec::new();
        let linear = self.linear.as_ref();
        if let Some(l) = linear {
            candidates.push(vec![(1.0, l)]);
        }
        let nets = self.network_results();
        let cnns: Vec<&Scored> = nets.iter().filter(|(m, _)| *m != NetMode::Gru).map(|(_, s)| *s).collect();
        for (_, s) in &nets {
            candidates.push(vec![(1.0, *s)]);
        }
        if let (Some(l), Some(first)) = (linear, cnns.first()) {
            candidates.push(equal(vec![*first, l]));
        }
        let best_net = nets.iter().map(|(_, s)| *s).fold(None, |b: Option<&Scored>, s| match b {
            Some(b) if b.val >= s.val => Some(b),
            _ => Some(s),
        });
        if let (Some(l), Some(net)) = (linear, best_net) {
            for w in [0.25, 0.5, 0.75] {
                candidates.push(vec![(w, l), (1.0 - w, net)]);
            }
        }
        if cnns.len() > 1 {
            candidates.push(equal(cnns.clone()));
        }
        if nets.len() > cnns.len().max(1) || cnns.len() > 2 {
            let all: Vec<&Scored> = nets.iter().map(|(_, s)| *s).collect();
            candidates.push(equal(all.clone()));
            if let Some(l) = linear {
                for w in [0.25, 0.5] {
                    let each = (1.0 - w) / all.len() as f64;
                    candidates.push(std::iter::once((w, l)).chain(all.iter().map(|s| (each, *s))).collect());
                }
            }
        }
        let first_stage = cnns.iter().map(|s| s.val).chain(linear.map(|l| l.val)).fold(f64::NEG_INFINITY, f64::max);
        if let Some((_, gru)) = nets.iter().find(|(m, _)| *m == NetMode::Gru) {
            if gru.val >= 0.97 * first_stage && !cnns.is_empty() {
                let mut all = cnns.clone();
                all.push(gru);
                candidates.push(equal(all));
            }
        }
        let k = self.classes();
        let scored: Vec<(f64, Vec<(f64, &Scored)>)> = candidates
            .into_iter()
            .map(|members| {
                let val = if members.len() == 1 {
                    members[0].1.val
                } else if self.val.docs.is_empty() {
                    0.0
                } else {
                    validation_nauc(&self.val.labels, &weighted(members.iter().map(|(w, s)| (*w, s.val_pred.as_slice()))), k)
                };
                (val, members)
            })
            .collect();
        let best_of = |light: Option<bool>| {
            let light_of = |m: &[(f64, &Scored)]| {
                let lw: f64 = m.iter().filter(|(_, s)| linear.is_some_and(|l| std::ptr::eq(*s, l))).map(|(w, _)| *w).sum();
                lw < CV_LINEAR_WEIGHT_FLOOR
            };
            scored.iter().filter(|c| light.is_none_or(|x| light_of(&c.1) == x)).fold(None, |best: Option<&(f64, Vec<(f64, &Scored)>)>, c| match best {
                Some(b) if b.0 >= c.0 => Some(b),
                _ => Some(c),
            })
        };
        let mut pick = best_of(None)?;
        if self.linear_cv {
            if let Some(heavy) = best_of(Some(false)) {
                if pick.0 <= heavy.0 + self.validation_noise(heavy.0) {
                    pick = heavy;
                }
            }
            // The same holds against the linear model alone: its validation predictions come
            // from fold models on two thirds of the documents, its test predictions from the
            // refit on all of them, so its validation NAUC understates it next to the networks.
            if let Some(alone) = scored.iter().find(|c| c.1.len() == 1 && linear.is_some_and(|l| std::ptr::eq(c.1[0].1, l))) {
                if !std::ptr::eq(pick, alone) && pick.0 <= alone.0 + self.validation_noise(alone.0) {
                    pick = alone;
                }
            }
        }
        Some(pick.clone())
    }

    /// One standard error of a validation NAUC near `nauc`, from the bound A(1 − A) / m on an
    /// AUC's variance (m: the smallest positive or negative count of a class).
    fn validation_noise(&self, nauc: f64) -> f64 {
        let k = self.classes().max(1);
        let n = self.val.docs.len();
        let m = (0..k)
            .map(|c| {
                let pos = self.val.labels.chunks(k).filter(|row| row[c] > 0.0).count();
                pos.min(n - pos)
            })
            .filter(|m| *m > 0)
            .min();
        let Some(m) = m else { return 0.0 };
        let a = ((nauc + 1.0) / 2.0).clamp(0.0, 1.0);
        2.0 * (a * (1.0 - a) / m as f64).sqrt()
    }
}

/// Weighted sum through the bundle's blend, so `predict` reproduces it exactly.
fn weighted<'a>(parts: impl Iterator<Item = (f64, &'a [f32])>) -> Vec<f32> {
    let refs: Vec<(f64, f64, &[f32])> = parts.map(|(w, p)| (w, 1.0, p)).collect();
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
        // Later readings go to training (spec §5.1 schedule); not while the linear search
        // compares configurations on a fixed set of documents.
        if !self.exhausted && self.search.next().is_none() {
            let more = self.read_more(self.later_reading(), cancel)?;
            if !more.docs.is_empty() {
                self.core.log(&format!("read {} more documents ({} in all)", more.docs.len(), self.read));
                self.append_training(more);
            }
        }
        if self.calls < self.net_call || (self.run.is_none() && self.finished.is_empty() && self.train.docs.len() > self.linear_rows) {
            // Stage 0 refit while new documents arrive (spec §5.2), until the search took over.
            if self.train.docs.len() > self.linear_rows && self.search.tried.is_empty() {
                self.fit_linear();
            }
            if self.calls < self.net_call && !self.exhausted {
                return Ok(false);
            }
        }
        let left = remaining.as_secs_f64();
        // The linear search runs once reading stops, before the networks (it is cheap and its
        // result is what short budgets publish); it sees every document up to the cap.
        if self.search.next().is_some() && !self.exhausted && self.read < SEARCH_READ_CAP {
            let more = self.read_more(SEARCH_READ_CAP - self.read, cancel)?;
            self.core.log(&format!("read {} more documents ({} in all) for the linear search", more.docs.len(), self.read));
            self.append_training(more);
        }
        if self.search.next().is_some() {
            if left > 2.0 * self.search_secs.max(0.3) + self.predict_secs + 1.0 {
                self.search_step(cancel)?;
                self.call_secs = started.elapsed().as_secs_f64();
                return Ok(false);
            }
            self.search.analyzers.clear();
            self.search.tried.clear();
        }
        let slice = (self.budget.as_secs_f64() * 0.05).clamp(2.0, 60.0);
        // Stop before a slice and a prediction no longer fit in the budget.
        if left < 1.5 * (self.call_secs.max(0.5) + self.predict_secs) + 0.5 {
            return Ok(true);
        }
        if self.run.is_none() {
            if self.finished.is_empty() {
                self.round_start = (self.best_combination().map_or(0.0, |b| b.0), left);
            }
            let planned = self.modes.len() * self.net_rounds;
            let next = (self.finished.len() < planned).then(|| self.modes[self.finished.len() % self.modes.len()]);
            match next {
                Some(mode) => self.build_run(mode)?,
                None => return Ok(self.after_networks(left)),
            }
            if self.run.as_ref().is_some_and(|r| r.spec.frozen_embedding && self.pretrained.is_none()) {
                self.run = None;
                return Ok(self.after_networks(left));
            }
        }
        let deadline = started + Duration::from_secs_f64(slice.min((left - 1.0).max(0.1)));
        let slice_start = Instant::now();
        let net = self.run.as_ref().map(|r| r.name.clone());
        let trained = self.train_slice(deadline, cancel);
        if let Some(name) = net {
            self.core.slot.board().tried(&name, None, slice_start.elapsed().as_secs_f64());
        }
        trained?;
        self.call_secs = started.elapsed().as_secs_f64();
        Ok(false)
    }

    fn predict(&mut self, _remaining: Duration, _cancel: &CancelToken) -> Result<Option<PredictionMatrix>> {
        let t0 = Instant::now();
        let k = self.classes();
        let Some((val, members)) = self.best_combination() else { return Ok(None) };
        let better = self.published.as_ref().is_none_or(|p| val > p.val);
        if better {
            let scores = weighted(members.iter().map(|(w, s)| (*w, s.test_pred.as_slice())));
            let bundle_members = members.iter().map(|(w, s)| Member { weight: *w, divisor: 1.0, model: s.member.clone() }).collect();
            let tensors = members.iter().flat_map(|(_, s)| s.tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone()))).collect();
            let used: Vec<(String, f64)> = members.iter().map(|(w, s)| (s.name.clone(), *w)).collect();
            let names: Vec<String> = used.iter().map(|(n, w)| if members.len() > 1 { format!("{n} ({w:.2})") } else { n.clone() }).collect();
            self.core.say().plain(&format!("predictions now come from {}: validation NAUC {}", names.join(" + "), score_text(val)));
            self.published = Some(Published { val, scores, members: bundle_members, used, tensors });
        }
        let p = self.published.as_ref().expect("set above");
        let tensors = p.tensors.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
        self.core.publish("auto-text", p.members.clone(), tensors, &p.used)?;
        let out = PredictionMatrix::new(self.test.len(), k, p.scores.clone())?;
        self.predict_secs = t0.elapsed().as_secs_f64();
        Ok(Some(out))
    }
}

