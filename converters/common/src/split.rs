//! Deterministic, seeded, stratified train/test split.
//!
//! Algorithm (same input + seed ⇒ same plan, on every platform):
//! 1. Items with a forced subset (`subset` column, `train/`/`test/` folders) keep it.
//! 2. The other items are grouped by their label set (sorted class indices; the empty set is
//!    a group too). Groups are visited in ascending key order; each group is shuffled with a
//!    ChaCha8 generator seeded by `seed`, and its first `round(test_size × group size)`
//!    items (halves rounded up) go to test. A group too small to give one test item stays
//!    whole in train, so a rare label set is never only in test.
//! 3. Record order inside each subset is one seeded shuffle of all items (the reference
//!    converter also shuffles, spec §1.1), so records are not grouped by class.
//!
//! A test subset of fewer than 2 rows is refused: the scorer misreads a one-row solution
//! (spec §6).

use std::collections::BTreeMap;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{ConvertError, Result};

/// Which subset an example goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subset {
    Train,
    Test,
}

/// `--test-size` and `--seed`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitOptions {
    /// Fraction of each label-set group sent to test, in (0, 1).
    pub test_size: f64,
    pub seed: u64,
}

impl Default for SplitOptions {
    fn default() -> Self {
        SplitOptions { test_size: 0.2, seed: 42 }
    }
}

impl SplitOptions {
    /// Rejects a `test_size` outside (0, 1).
    pub fn check(&self) -> Result<()> {
        if !(self.test_size > 0.0 && self.test_size < 1.0) {
            return Err(ConvertError::Options(format!("--test-size must be in (0, 1), got {}", self.test_size)));
        }
        Ok(())
    }
}

/// What the split needs to know about one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitKey {
    pub forced: Option<Subset>,
    /// Sorted class indices ([`crate::Labels::key`]).
    pub label_set: Vec<u32>,
}

/// Item indices (into the slice given to [`split`]) of each subset, in record order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SplitPlan {
    pub test: Vec<usize>,
    pub train: Vec<usize>,
}

/// Splits items as the module docs describe.
pub fn split(keys: &[SplitKey], opts: &SplitOptions) -> Result<SplitPlan> {
    opts.check()?;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut subset: Vec<Subset> = vec![Subset::Train; keys.len()];
    let mut groups: BTreeMap<&[u32], Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        match k.forced {
            Some(s) => subset[i] = s,
            None => groups.entry(k.label_set.as_slice()).or_default().push(i),
        }
    }
    for members in groups.values_mut() {
        shuffle(members, &mut rng);
        // Half rounded up: f64::round rounds half away from zero.
        let n_test = (opts.test_size * members.len() as f64).round() as usize;
        for &i in &members[..n_test.min(members.len())] {
            subset[i] = Subset::Test;
        }
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    shuffle(&mut order, &mut rng);
    let mut plan = SplitPlan::default();
    for i in order {
        match subset[i] {
            Subset::Test => plan.test.push(i),
            Subset::Train => plan.train.push(i),
        }
    }
    check_sizes(plan.test.len(), plan.train.len())?;
    Ok(plan)
}

/// [`split`], retried without stratification (all unforced items in one group) when the
/// stratified test subset is too small — multilabel data where almost every example has a
/// label set of its own. The second value is a warning saying so.
pub fn split_with_fallback(keys: &[SplitKey], opts: &SplitOptions) -> Result<(SplitPlan, Option<String>)> {
    match split(keys, opts) {
        Err(ConvertError::Split(why)) if keys.iter().any(|k| k.forced.is_none()) => {
            let flat: Vec<SplitKey> = keys
                .iter()
                .map(|k| SplitKey { forced: k.forced, label_set: if k.forced.is_some() { k.label_set.clone() } else { Vec::new() } })
                .collect();
            let plan = split(&flat, opts)?;
            Ok((plan, Some(format!("label sets too rare to stratify ({why}); split without stratification"))))
        }
        other => other.map(|p| (p, None)),
    }
}

/// [`split_with_fallback`] over labelled raw items ([`crate::labels::discover`]).
pub fn split_items(items: &[crate::labels::RawItem], opts: &SplitOptions) -> Result<(SplitPlan, Option<String>)> {
    let keys: Vec<SplitKey> = items.iter().map(|i| SplitKey { forced: i.subset, label_set: i.labels.key() }).collect();
    split_with_fallback(&keys, opts)
}

/// Refuses subsets the scorer or trainer cannot use: fewer than 2 test rows (spec §6) or no
/// training example. Also called after conversion, when skipped inputs may have shrunk them.
pub fn check_sizes(n_test: usize, n_train: usize) -> Result<()> {
    if n_test < 2 {
        return Err(ConvertError::Split(format!(
            "the test subset would hold {n_test} example(s); at least 2 are needed because the scorer misreads a one-row solution (spec §6): raise --test-size or provide more data"
        )));
    }
    if n_train == 0 {
        return Err(ConvertError::Split("the train subset would be empty".into()));
    }
    Ok(())
}

/// Fisher–Yates with an unbiased bounded draw (rejection sampling), stable across versions.
fn shuffle<T>(v: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..v.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        v.swap(i, j);
    }
}

fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let x = rng.next_u64();
        if x < zone {
            return x % n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(labels: &[u32]) -> Vec<SplitKey> {
        labels.iter().map(|&l| SplitKey { forced: None, label_set: vec![l] }).collect()
    }

    #[test]
    fn stratified_counts_per_class() {
        let mut labels = Vec::new();
        for c in 0..10 {
            labels.extend(std::iter::repeat_n(c, 10));
        }
        let k = keys(&labels);
        let plan = split(&k, &SplitOptions::default()).unwrap();
        assert_eq!(plan.test.len(), 20);
        assert_eq!(plan.train.len(), 80);
        for c in 0..10 {
            assert_eq!(plan.test.iter().filter(|&&i| labels[i] == c).count(), 2, "class {c}");
        }
        let mut all: Vec<usize> = plan.test.iter().chain(&plan.train).copied().collect();
        all.sort();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn same_seed_same_plan_other_seed_differs() {
        let k = keys(&(0..200).map(|i| i % 3).collect::<Vec<_>>());
        let a = split(&k, &SplitOptions { test_size: 0.25, seed: 7 }).unwrap();
        let b = split(&k, &SplitOptions { test_size: 0.25, seed: 7 }).unwrap();
        let c = split(&k, &SplitOptions { test_size: 0.25, seed: 8 }).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn forced_subsets_are_kept() {
        let mut k = keys(&[0, 0, 0, 1, 1, 1]);
        k[0].forced = Some(Subset::Test);
        k[1].forced = Some(Subset::Test);
        k[5].forced = Some(Subset::Train);
        let plan = split(&k, &SplitOptions { test_size: 0.01, seed: 1 }).unwrap();
        let mut t = plan.test.clone();
        t.sort();
        assert_eq!(t, vec![0, 1]);
    }

    #[test]
    fn refuses_one_row_test_set() {
        let err = split(&keys(&[0, 0, 0, 0, 1]), &SplitOptions { test_size: 0.2, seed: 1 }).unwrap_err();
        assert!(err.to_string().contains("holds 1") || err.to_string().contains("hold 1"), "{err}");
        assert!(split(&keys(&[0; 10]), &SplitOptions { test_size: 1.0, seed: 1 }).is_err());
    }

    #[test]
    fn falls_back_to_unstratified_when_label_sets_are_unique() {
        let k: Vec<SplitKey> = (0..20).map(|i| SplitKey { forced: None, label_set: vec![i, i + 1] }).collect();
        assert!(split(&k, &SplitOptions::default()).is_err());
        let (plan, warning) = split_with_fallback(&k, &SplitOptions::default()).unwrap();
        assert_eq!(plan.test.len(), 4);
        assert!(warning.unwrap().contains("without stratification"));
        let (_, none) = split_with_fallback(&keys(&[0; 10]), &SplitOptions::default()).unwrap();
        assert!(none.is_none());
    }

    #[test]
    fn record_order_is_not_grouped_by_class() {
        let labels: Vec<u32> = (0..100).map(|i| i / 50).collect();
        let plan = split(&keys(&labels), &SplitOptions::default()).unwrap();
        let first_half_classes: std::collections::HashSet<u32> = plan.train[..40].iter().map(|&i| labels[i]).collect();
        assert_eq!(first_half_classes.len(), 2);
    }
}
