//! Driving `--model auto` the way the learner tests do (included with `#[path]` by
//! `trainer/tests/deepwisdom_*.rs`): the learner for a dataset, then train/predict rounds with
//! a large advisory budget.

use std::path::Path;
use std::time::Duration;

use trainer::data::DatasetSource;
use trainer::deepwisdom::{auto_learner, AutoConfig, BundleSlot};
use trainer::learner::{CancelToken, PredictionMatrix};

/// How many train/predict calls [`auto_rounds`] makes.
#[derive(Debug, Clone, Copy)]
pub enum Rounds {
    /// Exactly this many, whatever the learner says.
    Exactly(usize),
    /// At most this many: the round in which the learner says it is done is the last.
    UntilDone(usize),
}

/// The auto learner of `dataset` under `config`, asserted to be `name`, run for `rounds`
/// train/predict calls: every prediction, and the slot holding its bundle.
pub fn auto_rounds(dataset: &Path, config: AutoConfig, name: &str, rounds: Rounds) -> (Vec<PredictionMatrix>, BundleSlot) {
    let source = DatasetSource::open(dataset).unwrap();
    let (mut l, slot) = auto_learner(source, config).unwrap();
    assert_eq!(l.name(), name);
    let c = CancelToken::new();
    let (n, stop_when_done) = match rounds {
        Rounds::Exactly(n) => (n, false),
        Rounds::UntilDone(n) => (n, true),
    };
    let mut out = Vec::new();
    for _ in 0..n {
        let done = l.train(Duration::from_secs(600), &c).unwrap();
        out.push(l.predict(Duration::from_secs(600), &c).unwrap().unwrap());
        if done && stop_when_done {
            break;
        }
    }
    (out, slot)
}
