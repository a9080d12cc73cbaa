//! What the DeepWisdom learners keep besides their models. [`LearnerCore`], held by every
//! learner: the dataset, settings and facts, the bundle slot, its voice (`say`/`log`) and the
//! notice of which models make the predictions. [`EpochClock`], held by the learners that train
//! a network in epochs over the training set (image, video): the timing facts of the spec's
//! break rules (§2.3), the budget, and the seeded batch order; with a [`TrainCall`] per `train`
//! call it closes each epoch and decides whether the call breaks off ([`EpochClock::end_epoch`]).
//! The spec's absolute seconds, tuned for a 1200 s budget, are scaled to the run's by
//! [`spec_seconds`].

use std::time::{Duration, Instant};

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
    epoch_secs: f64,
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

    /// Closes an epoch of `call` that began at `epoch_start`: folds its seconds into the mean
    /// and applies the break rules of spec §2.3 (`rules`: where the learner departs from them).
    /// `Some` when the call breaks off now.
    pub fn end_epoch(&mut self, call: &mut TrainCall, epoch_start: Instant, epoch: EpochOutcome, rules: BreakRules) -> Option<Break> {
        let epoch_secs = epoch_start.elapsed().as_secs_f64();
        let spent = call.started.elapsed().as_secs_f64();
        let left = call.remaining.as_secs_f64() - spent;
        self.decide(call, EpochTimes { epoch_secs, left, spent }, epoch, rules)
    }

    /// [`EpochClock::end_epoch`] with the clock read.
    fn decide(&mut self, call: &mut TrainCall, times: EpochTimes, epoch: EpochOutcome, rules: BreakRules) -> Option<Break> {
        call.epochs += 1;
        call.improved |= epoch.improved;
        self.record_epoch(times.epoch_secs);
        let left = times.left;
        // Rule 5: room for another epoch and the prediction after it, `rules.reserve` kept free.
        let near_end = left - self.seconds(rules.reserve) < 1.5 * (self.last_test_secs + 2.0 * self.epoch_secs);
        let rule3 = self.improved_enough(times.spent, call.improved, epoch.best);
        let rule6 = rules.rule6_share.is_some_and(|share| {
            let total_estimate = epoch.counter as f64 + left / self.epoch_secs.max(1e-3);
            epoch.counter >= 20 && call.epochs as f64 > share * total_estimate
        });
        let solved = epoch.best > 0.997;
        if epoch.counter <= 2 || solved || rule3 || epoch.lr_low || near_end || rule6 {
            self.note_break(epoch.best);
            Some(Break { near_end, solved })
        } else {
            None
        }
    }

    /// Folds one epoch's seconds into the running mean.
    fn record_epoch(&mut self, secs: f64) {
        self.epoch_secs = if self.epoch_secs == 0.0 { secs } else { 0.5 * (self.epoch_secs + secs) };
    }

    /// Rule 3 of spec §2.3: a call that has run its minimum time (`spent` seconds) and improved
    /// (`improved`) on the best score of the last break breaks off; each such break lengthens
    /// the minimum call time by 2 spec seconds, up to 90.
    fn improved_enough(&mut self, spent: f64, improved: bool, best: f64) -> bool {
        let rule3 = spent > self.min_call_time && improved && best > self.best_at_last_break * 1.001;
        if rule3 {
            self.min_call_time = (self.min_call_time + self.seconds(2.0)).min(self.seconds(90.0));
        }
        rule3
    }

    /// Notes that a `train` call breaks off with `best` as the best validation score so far.
    fn note_break(&mut self, best: f64) {
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

/// One `train` call as the break rules see it: when it began, the time it was given, and
/// what its epochs did so far.
pub struct TrainCall {
    pub started: Instant,
    remaining: Duration,
    /// Epochs run in this call (rule 6).
    epochs: usize,
    /// Whether an epoch of this call improved the best validation score (rule 3).
    improved: bool,
}

impl TrainCall {
    /// A call that begins now with `remaining` to go.
    pub fn begin(remaining: Duration) -> Self {
        TrainCall { started: Instant::now(), remaining, epochs: 0, improved: false }
    }
}

/// What the learner tells of one finished epoch.
pub struct EpochOutcome {
    /// The epoch counter after this epoch (rules 1 and 6).
    pub counter: usize,
    /// Whether this epoch's validation score was the best so far.
    pub improved: bool,
    /// The best validation score so far.
    pub best: f64,
    /// Rule 4: the learning rate fell below 1e-6 (false where the learner does not apply it).
    pub lr_low: bool,
}

/// Where a learner's break rules depart from the image learner's of spec §2.3.
#[derive(Debug, Clone, Copy)]
pub struct BreakRules {
    /// Spec seconds rule 5 keeps free before the deadline (the spec's 180 for images).
    pub reserve: f64,
    /// Rule 6: the share of the estimated total epochs after which a long run's call breaks
    /// off (0.2 for images); `None` where it does not apply.
    pub rule6_share: Option<f64>,
}

/// Why a `train` call broke off, as far as the learner's return value needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Break {
    /// Rule 5: too little time is left for another epoch and the prediction after it.
    pub near_end: bool,
    /// Rule 2: the best validation score is above 0.997.
    pub solved: bool,
}

/// The seconds an epoch's end reads off the clock.
struct EpochTimes {
    /// Seconds the epoch took, its validation included.
    epoch_secs: f64,
    /// Seconds left of the call's `remaining`.
    left: f64,
    /// Seconds the call has run.
    spent: f64,
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

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGE: BreakRules = BreakRules { reserve: 180.0, rule6_share: Some(0.2) };
    const VIDEO: BreakRules = BreakRules { reserve: 0.0, rule6_share: None };

    /// A clock on the spec's own 1200 s budget, so spec seconds are seconds.
    fn clock() -> EpochClock {
        let mut c = EpochClock::new(SplitMix64(1));
        c.budget = Some(Duration::from_secs(1200));
        c
    }

    fn epoch(counter: usize, improved: bool, best: f64) -> EpochOutcome {
        EpochOutcome { counter, improved, best, lr_low: false }
    }

    fn times(epoch_secs: f64, left: f64, spent: f64) -> EpochTimes {
        EpochTimes { epoch_secs, left, spent }
    }

    fn call() -> TrainCall {
        TrainCall::begin(Duration::from_secs(1200))
    }

    #[test]
    fn the_first_epochs_break_and_later_quiet_ones_do_not() {
        let mut c = clock();
        let quiet = Break { near_end: false, solved: false };
        assert_eq!(c.decide(&mut call(), times(2.0, 900.0, 0.5), epoch(1, false, 0.6), IMAGE), Some(quiet));
        assert_eq!(c.decide(&mut call(), times(2.0, 900.0, 0.5), epoch(2, false, 0.6), IMAGE), Some(quiet));
        assert_eq!(c.decide(&mut call(), times(2.0, 900.0, 0.5), epoch(3, false, 0.6), IMAGE), None);
        assert_eq!(c.decide(&mut call(), times(2.0, 900.0, 0.5), epoch(3, false, 0.6), VIDEO), None);
    }

    #[test]
    fn a_solved_task_or_a_low_learning_rate_breaks() {
        let mut c = clock();
        let solved = c.decide(&mut call(), times(2.0, 900.0, 0.5), epoch(5, false, 0.998), VIDEO);
        assert_eq!(solved, Some(Break { near_end: false, solved: true }));
        let low = EpochOutcome { lr_low: true, ..epoch(5, false, 0.6) };
        assert_eq!(c.decide(&mut call(), times(2.0, 900.0, 0.5), low, IMAGE), Some(Break { near_end: false, solved: false }));
    }

    #[test]
    fn rule_5_keeps_the_reserve_free_before_the_deadline() {
        // Epochs of 10 s and no test pass yet: one more epoch needs 1.5 · 2 · 10 = 30 s.
        let mut c = clock();
        assert_eq!(c.decide(&mut call(), times(10.0, 200.0, 0.5), epoch(5, false, 0.6), VIDEO), None);
        let image = c.decide(&mut call(), times(10.0, 200.0, 0.5), epoch(5, false, 0.6), IMAGE);
        assert_eq!(image, Some(Break { near_end: true, solved: false }));
        let video = c.decide(&mut call(), times(10.0, 29.0, 0.5), epoch(5, false, 0.6), VIDEO);
        assert_eq!(video, Some(Break { near_end: true, solved: false }));
    }

    #[test]
    fn rule_3_breaks_on_a_gain_and_then_asks_for_longer_calls() {
        let mut c = clock();
        // Not after 0.5 s: the minimum call time starts at 1 s.
        assert_eq!(c.decide(&mut call(), times(0.1, 900.0, 0.5), epoch(5, true, 0.7), IMAGE), None);
        assert!(c.decide(&mut call(), times(0.1, 900.0, 1.5), epoch(5, true, 0.7), IMAGE).is_some());
        // The break raised the minimum to 3 s and the bar to 0.7 · 1.001.
        assert_eq!(c.decide(&mut call(), times(0.1, 900.0, 2.5), epoch(6, true, 0.8), IMAGE), None);
        assert_eq!(c.decide(&mut call(), times(0.1, 900.0, 3.5), epoch(6, true, 0.7005), IMAGE), None);
        assert!(c.decide(&mut call(), times(0.1, 900.0, 3.5), epoch(6, true, 0.8), IMAGE).is_some());
        // A call counts as improved when any of its epochs was.
        let mut long = call();
        assert_eq!(c.decide(&mut long, times(0.1, 900.0, 1.0), epoch(7, true, 0.9), IMAGE), None);
        assert!(c.decide(&mut long, times(0.1, 900.0, 6.0), epoch(8, false, 0.9), IMAGE).is_some());
    }

    #[test]
    fn rule_6_ends_a_call_after_a_fifth_of_the_estimated_epochs_where_it_applies() {
        // Epochs of 10 s, 20 done and 300 s left: 50 epochs in all, a fifth of them is 10.
        let mut c = clock();
        let mut image = call();
        let mut video = call();
        for _ in 0..10 {
            assert_eq!(c.decide(&mut image, times(10.0, 300.0, 0.5), epoch(20, false, 0.6), IMAGE), None);
            assert_eq!(c.decide(&mut video, times(10.0, 300.0, 0.5), epoch(20, false, 0.6), VIDEO), None);
        }
        assert!(c.decide(&mut image, times(10.0, 300.0, 0.5), epoch(20, false, 0.6), IMAGE).is_some());
        assert_eq!(c.decide(&mut video, times(10.0, 300.0, 0.5), epoch(20, false, 0.6), VIDEO), None);
        // Not before the 20th epoch of the run.
        assert_eq!(c.decide(&mut call(), times(10.0, 300.0, 0.5), epoch(19, false, 0.6), IMAGE), None);
    }
}
