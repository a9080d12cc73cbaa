//! The linear stage of the text learner beyond spec §5.2 (issue 24): the search over analyzers
//! and L2 strengths (text_linear.rs) before the networks, and further rounds of the networks
//! after them, until the convergence rule of trainer/README.md holds.

use std::time::Instant;

use super::{KeyCache, Scored, TextLearner};
use crate::deepwisdom::config::score_text;
use crate::deepwisdom::members::MemberModel;
use crate::deepwisdom::text_features::{all_keys, Analyzer};
use crate::deepwisdom::text_linear::{evaluate, CV_MAX_DOCUMENTS};
use crate::deepwisdom::text_models::{TfidfModel, TfidfSpec};
use crate::error::Result;
use crate::learner::CancelToken;

/// A round of the network stages must raise the best validation NAUC by this much, else the
/// learner stops.
pub const ROUND_MIN_GAIN: f64 = 5e-4;

impl TextLearner {
    /// The key cache for `analyzer`, rebuilt when another analyzer was cached (one at a time
    /// keeps memory at one copy of the n-gram keys).
    fn cache_for(&mut self, analyzer: Analyzer) -> KeyCache {
        if let Some(c) = self.keys.take() {
            if c.fits(analyzer, self.train.docs.len() + self.val.docs.len()) {
                return c;
            }
        }
        let words = if analyzer.word_ngrams > 0 { self.words.clone() } else { Vec::new() };
        let mut labelled = all_keys(analyzer, self.zh, &words, &self.train.docs);
        labelled.extend(all_keys(analyzer, self.zh, &words, &self.val.docs));
        let spec = TfidfSpec::unfitted(self.vocab_size, self.zh, self.classes(), self.multilabel, "tfidf.", analyzer, words).fit_keys(&labelled);
        KeyCache { analyzer, spec, labelled }
    }

    fn labelled_rows(&self) -> Vec<f32> {
        let mut labels = self.train.labels.clone();
        labels.extend_from_slice(&self.val.labels);
        labels
    }

    /// One configuration of the linear search; a new best (by its ranking NAUC) becomes the
    /// linear candidate of the §5.3 combinations.
    pub(super) fn search_step(&mut self, cancel: &CancelToken) -> Result<()> {
        let t0 = Instant::now();
        let Some((analyzer, l2)) = self.search.next() else { return Ok(()) };
        cancel.check()?;
        let cache = self.cache_for(analyzer);
        let labels = self.labelled_rows();
        let n_train = self.train.docs.len();
        let result = evaluate(&cache.spec, &cache.labelled, n_train, &labels, l2, self.core.config.seed);
        self.keys = Some(cache);
        let val = self.score(&result.val_pred);
        let best_before = self.search.best().map(|b| b.2);
        self.search.tried.push((analyzer, l2, result.rank_score));
        let how = if labels.len() / self.classes().max(1) <= CV_MAX_DOCUMENTS { "3-fold CV" } else { "validation" };
        let name = format!("TF-IDF linear model ({}, L2 {l2:e})", analyzer.label());
        self.core.slot.board().tried(&name, Some(result.rank_score), t0.elapsed().as_secs_f64());
        self.core.log(&format!("{name}: {how} NAUC {:.4}, validation NAUC {}", result.rank_score, score_text(val)));
        let cv = labels.len() / self.classes().max(1) <= CV_MAX_DOCUMENTS && !self.val.docs.is_empty();
        if best_before.is_none() && cv {
            // The first step re-measures the first prediction's configuration by CV; from here
            // on predictions are compared on that protocol (the holdout score of a model fitted
            // on train only is not comparable with out-of-fold scores).
            if let Some(p) = self.published.as_mut() {
                p.val = f64::NEG_INFINITY;
            }
        }
        if best_before.is_none_or(|b| result.rank_score > b) {
            // Test scores only for a new best (the test set may be large).
            let test_pred = result.model.predict(&self.test);
            self.linear_cv = cv;
            self.set_linear(name, val, result.val_pred, test_pred, result.model);
        }
        self.search_secs = t0.elapsed().as_secs_f64();
        if self.search.next().is_none() {
            if let Some((a, l, s)) = self.search.best() {
                self.core.say().plain(&format!("best TF-IDF linear model: {}, L2 {l:e} (NAUC {s:.4})", a.label()));
            }
        }
        Ok(())
    }

    fn set_linear(&mut self, name: String, val: f64, val_pred: Vec<f32>, test_pred: Vec<f32>, model: TfidfModel) {
        self.linear = Some(Scored { name, val, val_pred, test_pred, tensors: model.tensors(), member: MemberModel::TextTfidf(model.spec) });
    }

    /// After the network stages: another round of them while the last one raised the best
    /// validation NAUC by `ROUND_MIN_GAIN` and a round of the same length still fits (the
    /// convergence rule, trainer/README.md). Returns whether training is done.
    pub(super) fn after_networks(&mut self, left: f64) -> bool {
        let best = self.best_combination().map_or(0.0, |b| b.0);
        let (start_val, start_left) = self.round_start;
        let round_secs = (start_left - left).max(0.0);
        if self.net_rounds < super::MAX_NET_ROUNDS && best - start_val >= ROUND_MIN_GAIN && left > 1.5 * round_secs + self.predict_secs + 1.0 {
            self.core.say().plain(&format!("another round of networks: the last one raised the validation NAUC from {} to {best:.4}", score_text(start_val)));
            self.net_rounds += 1;
            self.round_start = (best, left);
            return false;
        }
        true
    }
}
