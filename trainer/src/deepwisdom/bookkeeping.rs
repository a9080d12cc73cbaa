//! What the DeepWisdom learners keep besides their models. [`LearnerCore`], held by every
//! learner: the dataset, settings and facts, the bundle slot, its voice (`say`/`log`) and the
//! notice of which models make the predictions. [`EpochClock`], held by the learners that train
//! a network in epochs over the training set (image, video): the timing facts of the spec's
//! break rules (§2.3), the budget, and the seeded batch order. The spec's absolute seconds,
//! tuned for a 1200 s budget, are scaled to the run's by [`spec_seconds`].

use std::time::Duration;

use formats::inspect::Domain;
use scoring::rng::SplitMix64;
use tch::{Device, Tensor};

use super::config::{AutoConfig, Say};
use super::members::Member;
use super::slot::{BundleSlot, DatasetFacts};
use crate::data::DatasetSource;
use crate::error::Result;

/// The budget the spec's absolute seconds were tuned for (the challenge's 20 minutes).
pub const SPEC_BUDGET_SECS: f64 = 1200.0;

/// `budget` in seconds, the spec's 1200 s while it is not known yet.
pub fn budget_secs(budget: Option<Duration>) -> f64 {
    budget.map_or(SPEC_BUDGET_SECS, |b| b.as_secs_f64())
}

/// The spec's absolute seconds `s` scaled to this run's `budget`.
pub fn spec_seconds(s: f64, budget: Option<Duration>) -> f64 {
    s * budget_secs(budget) / SPEC_BUDGET_SECS
}

pub struct LearnerCore {
    pub source: DatasetSource,
    pub config: AutoConfig,
    pub facts: DatasetFacts,
    pub slot: BundleSlot,
    /// How the learner names itself in messages ("image learner").
    name: &'static str,
    /// The models behind the last prediction, in words.
    published: Option<String>,
}

impl LearnerCore {
    /// The core of a learner of `domain` data, with the facts of its dataset.
    pub fn new(source: DatasetSource, config: AutoConfig, slot: BundleSlot, domain: Domain, name: &'static str) -> Result<Self> {
        let facts = DatasetFacts::of(&source, domain)?;
        Ok(LearnerCore { source, config, facts, slot, name, published: None })
    }

    pub fn say(&self) -> Say {
        Say::new(self.name, &self.config)
    }

    /// Internal detail, shown with `-v`.
    pub fn log(&self, msg: &str) {
        self.say().detail(msg);
    }

    pub fn on_cpu(&self) -> bool {
        self.config.device == Device::Cpu
    }

    /// Says "predictions now come from MODELS…" when `models` differ from those of the last
    /// prediction (`how`: the rest of the line, computed only then).
    pub fn note_published(&mut self, models: &str, how: impl FnOnce() -> String) {
        if self.published.as_deref() != Some(models) {
            self.say().plain(&format!("predictions now come from {models}{}", how()));
            self.published = Some(models.to_string());
        }
    }

    /// Publishes the bundle of `members` behind the prediction about to be returned by
    /// `learner` (its name in `bundle.json`); `used` names the blended models with their weights.
    pub fn publish(&self, learner: &str, members: Vec<Member>, tensors: Vec<(String, Tensor)>, used: &[(String, f64)]) -> Result<()> {
        self.slot.publish(self.facts.bundle(learner, members, tensors), used)
    }
}

pub struct EpochClock {
    /// Least seconds a `train` call runs before a break is considered (spec §2.3 rule 3).
    min_call_time: f64,
    /// Best validation score when the last call broke off.
    best_at_last_break: f64,
    /// Running mean of an epoch's seconds.
    pub epoch_secs: f64,
    /// Seconds the last test-set prediction took.
    pub last_test_secs: f64,
    /// The run's budget, once the ingestion loop told it.
    pub budget: Option<Duration>,
    pub rng: SplitMix64,
    /// Next position in `order`.
    pub cursor: usize,
    /// The order in which training examples are batched.
    pub order: Vec<usize>,
}

impl EpochClock {
    pub fn new(rng: SplitMix64) -> Self {
        EpochClock { min_call_time: 1.0, best_at_last_break: 0.0, epoch_secs: 0.0, last_test_secs: 0.0, budget: None, rng, cursor: 0, order: Vec::new() }
    }

    /// Spec's absolute seconds (tuned for 1200 s) scaled to this run's budget.
    pub fn seconds(&self, s: f64) -> f64 {
        spec_seconds(s, self.budget)
    }

    /// Folds one epoch's seconds into the running mean.
    pub fn record_epoch(&mut self, secs: f64) {
        self.epoch_secs = if self.epoch_secs == 0.0 { secs } else { 0.5 * (self.epoch_secs + secs) };
    }

    /// Rule 3 of spec §2.3: a call that has run its minimum time (`spent` seconds) and improved
    /// (`improved`) on the best score of the last break breaks off; each such break lengthens
    /// the minimum call time by 2 spec seconds, up to 90.
    pub fn improved_enough(&mut self, spent: f64, improved: bool, best: f64) -> bool {
        let rule3 = spent > self.min_call_time && improved && best > self.best_at_last_break * 1.001;
        if rule3 {
            self.min_call_time = (self.min_call_time + self.seconds(2.0)).min(self.seconds(90.0));
        }
        rule3
    }

    /// Notes that a `train` call breaks off with `best` as the best validation score so far.
    pub fn note_break(&mut self, best: f64) {
        self.best_at_last_break = self.best_at_last_break.max(best);
    }

    /// The next `b` examples of `order` (wrapping around) and the cursor moved past them.
    pub fn next_indices(&mut self, b: usize) -> Vec<i64> {
        let n = self.order.len();
        let idx = (0..b).map(|i| self.order[(self.cursor + i) % n] as i64).collect();
        self.cursor = (self.cursor + b) % n.max(1);
        idx
    }
}

/// Reduce-on-plateau of the mean training loss per epoch (factor 0.5, patience 10, relative
/// threshold 1e-4), as torch's `ReduceLROnPlateau` defaults the winner keeps.
#[derive(Debug, Clone)]
pub struct Plateau {
    /// What the learning rate is multiplied by.
    pub factor: f64,
    best_loss: f64,
    stale_epochs: usize,
}

impl Default for Plateau {
    fn default() -> Self {
        Plateau { factor: 1.0, best_loss: f64::INFINITY, stale_epochs: 0 }
    }
}

impl Plateau {
    /// Takes one epoch's mean loss; halves the factor after more than 10 epochs without gain.
    pub fn observe(&mut self, mean_loss: f64) {
        if mean_loss < self.best_loss * (1.0 - 1e-4) {
            self.best_loss = mean_loss;
            self.stale_epochs = 0;
        } else {
            self.stale_epochs += 1;
            if self.stale_epochs > 10 {
                self.factor *= 0.5;
                self.stale_epochs = 0;
            }
        }
    }
}
