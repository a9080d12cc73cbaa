//! Deterministic, seeded, stratified train/test split.
//!
//! Algorithm (same input + seed ⇒ same plan, on every platform):
//! 1. Items with a forced subset (`subset` column, `train/`/`test/` folders) keep it, unless
//!    [`SplitOptions::resplit`] asks to split everything afresh.
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

use std::collections::HashMap;

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
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SplitOptions {
    /// Fraction of each label-set group sent to test, in (0, 1).
    pub test_size: f64,
    pub seed: u64,
    /// `--resplit`: ignore the subsets the input gives (`subset` column, `train/`/`test/`
    /// folders, AutoML/AutoNLP parts) and split every labelled example as if none were forced.
    pub resplit: bool,
}

impl Default for SplitOptions {
    fn default() -> Self {
        SplitOptions { test_size: 0.2, seed: 42, resplit: false }
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

/// Split input for inputs too large to hold a [`SplitKey`] per item (tables, corpora): per
/// item the id of its label set in a table of distinct sets (4 bytes), plus 1 byte for its
/// forced subset once any item is forced. The label set of an item stays readable through
/// [`CompactKeys::label_set`], so a converter needs no other copy of its labels.
#[derive(Debug, Clone, Default)]
pub struct CompactKeys {
    sets: Vec<Vec<u32>>,
    ids: HashMap<Vec<u32>, u32>,
    set_of: Vec<u32>,
    /// Empty until the first forced item (then one entry per item).
    forced: Vec<Option<Subset>>,
}

impl CompactKeys {
    pub fn with_capacity(items: usize) -> Self {
        CompactKeys { set_of: Vec::with_capacity(items), ..Default::default() }
    }

    /// Appends an item; `label_set` is its sorted class indices ([`crate::Labels::key`]).
    pub fn push(&mut self, forced: Option<Subset>, label_set: &[u32]) -> Result<()> {
        if self.set_of.len() >= u32::MAX as usize {
            return Err(ConvertError::Split(format!("more than {} items to split", u32::MAX)));
        }
        let id = match self.ids.get(label_set) {
            Some(&id) => id,
            None => {
                let id = self.sets.len() as u32;
                self.sets.push(label_set.to_vec());
                self.ids.insert(label_set.to_vec(), id);
                id
            }
        };
        if forced.is_some() || !self.forced.is_empty() {
            // Items before the first forced one were unforced.
            self.forced.resize(self.set_of.len(), None);
            self.forced.push(forced);
        }
        self.set_of.push(id);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.set_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set_of.is_empty()
    }

    /// Sorted class indices of item `i`.
    pub fn label_set(&self, i: usize) -> &[u32] {
        &self.sets[self.set_of[i] as usize]
    }

    pub fn forced(&self, i: usize) -> Option<Subset> {
        self.forced.get(i).copied().flatten()
    }

    /// Number of distinct label sets.
    pub fn distinct_sets(&self) -> usize {
        self.sets.len()
    }

    fn from_keys(keys: &[SplitKey]) -> Result<Self> {
        let mut compact = CompactKeys::with_capacity(keys.len());
        for k in keys {
            compact.push(k.forced, &k.label_set)?;
        }
        Ok(compact)
    }
}

/// The subset of every item (1 byte each, in item order), for converters that stream their
/// input once per subset instead of following a [`SplitPlan`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SplitAssignment {
    pub is_test: Vec<bool>,
    pub n_test: usize,
    pub n_train: usize,
    /// Set when stratification had to be dropped ([`split_with_fallback`]).
    pub warning: Option<String>,
}

/// Steps 1–2 of the module docs: which items go to test. Unforced items form one group per
/// label set (`stratify`) or a single group; groups are visited in ascending label-set order
/// and each is shuffled in item order, so the draws match the former per-item-key version.
fn assign_subsets(keys: &CompactKeys, opts: &SplitOptions, stratify: bool, rng: &mut ChaCha8Rng) -> Vec<bool> {
    let n = keys.len();
    let forced = |i: usize| if opts.resplit { None } else { keys.forced(i) };
    let mut is_test = vec![false; n];
    for (i, t) in is_test.iter_mut().enumerate() {
        *t = forced(i) == Some(Subset::Test);
    }
    let group_of = |i: usize| if stratify { keys.set_of[i] as usize } else { 0 };
    let n_groups = if stratify { keys.sets.len() } else { 1 };
    // Visit order of the groups = ascending label set (what a BTreeMap keyed by the set gives).
    let mut visit: Vec<usize> = (0..n_groups).collect();
    if stratify {
        visit.sort_by(|&a, &b| keys.sets[a].cmp(&keys.sets[b]));
    }
    // Counting sort of the unforced items by group, item order kept inside a group: one
    // u32 per item instead of a Vec per group.
    let mut start = vec![0usize; n_groups + 1];
    for i in (0..n).filter(|&i| forced(i).is_none()) {
        start[group_of(i) + 1] += 1;
    }
    let mut offset = vec![0usize; n_groups];
    let mut acc = 0;
    for &g in &visit {
        offset[g] = acc;
        acc += start[g + 1];
    }
    let bounds: Vec<(usize, usize)> = visit.iter().map(|&g| (offset[g], offset[g] + start[g + 1])).collect();
    let mut members = vec![0u32; acc];
    for i in (0..n).filter(|&i| forced(i).is_none()) {
        let g = group_of(i);
        members[offset[g]] = i as u32;
        offset[g] += 1;
    }
    for (lo, hi) in bounds {
        let group = &mut members[lo..hi];
        shuffle(group, rng);
        // Half rounded up: f64::round rounds half away from zero.
        let n_test = (opts.test_size * group.len() as f64).round() as usize;
        for &i in &group[..n_test.min(group.len())] {
            is_test[i as usize] = true;
        }
    }
    is_test
}

fn assignment(keys: &CompactKeys, opts: &SplitOptions, stratify: bool, rng: &mut ChaCha8Rng) -> Result<SplitAssignment> {
    opts.check()?;
    let is_test = assign_subsets(keys, opts, stratify, rng);
    let n_test = is_test.iter().filter(|&&t| t).count();
    let n_train = is_test.len() - n_test;
    check_sizes(n_test, n_train)?;
    Ok(SplitAssignment { is_test, n_test, n_train, warning: None })
}

/// Which items go to test, stratified by label set, falling back to an unstratified split
/// (with a warning) when the label sets are too rare, as [`split_with_fallback`] does. About
/// 5 bytes per item while it runs (label-set ids aside), 1 byte per item in the result.
pub fn assign(keys: &CompactKeys, opts: &SplitOptions) -> Result<SplitAssignment> {
    match assignment(keys, opts, true, &mut ChaCha8Rng::seed_from_u64(opts.seed)) {
        Err(ConvertError::Split(why)) if opts.resplit || (0..keys.len()).any(|i| keys.forced(i).is_none()) => {
            let mut a = assignment(keys, opts, false, &mut ChaCha8Rng::seed_from_u64(opts.seed))?;
            a.warning = Some(format!("label sets too rare to stratify ({why}); split without stratification"));
            Ok(a)
        }
        other => other,
    }
}

fn plan(keys: &CompactKeys, opts: &SplitOptions, stratify: bool) -> Result<SplitPlan> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let a = assignment(keys, opts, stratify, &mut rng)?;
    // Step 3: one seeded shuffle of all items gives the record order of both subsets.
    let mut order: Vec<u32> = (0..keys.len() as u32).collect();
    shuffle(&mut order, &mut rng);
    let mut plan = SplitPlan { test: Vec::with_capacity(a.n_test), train: Vec::with_capacity(a.n_train) };
    for i in order {
        let i = i as usize;
        if a.is_test[i] {
            plan.test.push(i);
        } else {
            plan.train.push(i);
        }
    }
    Ok(plan)
}

/// Splits items as the module docs describe.
pub fn split(keys: &[SplitKey], opts: &SplitOptions) -> Result<SplitPlan> {
    opts.check()?;
    plan(&CompactKeys::from_keys(keys)?, opts, true)
}

/// [`split`], retried without stratification (all unforced items in one group) when the
/// stratified test subset is too small — multilabel data where almost every example has a
/// label set of its own. The second value is a warning saying so.
pub fn split_with_fallback(keys: &[SplitKey], opts: &SplitOptions) -> Result<(SplitPlan, Option<String>)> {
    opts.check()?;
    split_compact_with_fallback(&CompactKeys::from_keys(keys)?, opts)
}

/// [`split_with_fallback`] over keys already held compactly (about 4 bytes per item, for
/// planning millions of listed files); same plan for the same keys.
pub fn split_compact_with_fallback(compact: &CompactKeys, opts: &SplitOptions) -> Result<(SplitPlan, Option<String>)> {
    opts.check()?;
    match plan(compact, opts, true) {
        Err(ConvertError::Split(why)) if opts.resplit || (0..compact.len()).any(|i| compact.forced(i).is_none()) => {
            let plan = plan(compact, opts, false)?;
            Ok((plan, Some(format!("label sets too rare to stratify ({why}); split without stratification"))))
        }
        other => other.map(|p| (p, None)),
    }
}

/// Refuses subsets the scorer or trainer cannot use: fewer than 2 test rows (spec §6) or no
/// training example. Also called after conversion, when skipped inputs may have shrunk them.
pub fn check_sizes(n_test: usize, n_train: usize) -> Result<()> {
    if n_test < 2 {
        return Err(ConvertError::Split(format!(
            "the test subset would hold {n_test} example(s); at least 2 are needed because the scorer misreads a one-row solution: raise --test-size or provide more data"
        )));
    }
    if n_train == 0 {
        return Err(ConvertError::Split("the train subset would be empty".into()));
    }
    Ok(())
}

/// Fisher–Yates with an unbiased bounded draw (rejection sampling), stable across versions;
/// the record order ([`crate::order`]) draws the same way.
pub(crate) fn shuffle<T>(v: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..v.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        v.swap(i, j);
    }
}

pub(crate) fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
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
        let a = split(&k, &SplitOptions { test_size: 0.25, seed: 7, ..Default::default() }).unwrap();
        let b = split(&k, &SplitOptions { test_size: 0.25, seed: 7, ..Default::default() }).unwrap();
        let c = split(&k, &SplitOptions { test_size: 0.25, seed: 8, ..Default::default() }).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn forced_subsets_are_kept() {
        let mut k = keys(&[0, 0, 0, 1, 1, 1]);
        k[0].forced = Some(Subset::Test);
        k[1].forced = Some(Subset::Test);
        k[5].forced = Some(Subset::Train);
        let plan = split(&k, &SplitOptions { test_size: 0.01, seed: 1, ..Default::default() }).unwrap();
        let mut t = plan.test.clone();
        t.sort();
        assert_eq!(t, vec![0, 1]);
    }

    #[test]
    fn resplit_ignores_forced_subsets() {
        let mut k = keys(&(0..40).map(|i| i % 2).collect::<Vec<_>>());
        // the given test part holds class 1 only
        for key in k.iter_mut() {
            key.forced = Some(if key.label_set == [1] { Subset::Test } else { Subset::Train });
        }
        let kept = split(&k, &SplitOptions::default()).unwrap();
        assert!(kept.test.iter().all(|&i| i % 2 == 1) && kept.test.len() == 20);
        let opts = SplitOptions { resplit: true, ..Default::default() };
        let plan = split(&k, &opts).unwrap();
        assert_eq!(plan.test.len(), 8);
        assert_eq!(plan.test.iter().filter(|&&i| i % 2 == 0).count(), 4);
        let mut compact = CompactKeys::default();
        for key in &k {
            compact.push(key.forced, &key.label_set).unwrap();
        }
        let a = assign(&compact, &opts).unwrap();
        assert_eq!((a.n_test, a.n_train), (8, 32));
    }

    #[test]
    fn refuses_one_row_test_set() {
        let err = split(&keys(&[0, 0, 0, 0, 1]), &SplitOptions { test_size: 0.2, seed: 1, ..Default::default() }).unwrap_err();
        assert!(err.to_string().contains("holds 1") || err.to_string().contains("hold 1"), "{err}");
        assert!(split(&keys(&[0; 10]), &SplitOptions { test_size: 1.0, seed: 1, ..Default::default() }).is_err());
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

    /// The straightforward per-item-key version the compact one replaced (one `Vec` per item
    /// and per group): plans must not change, so outputs stay byte-identical across versions.
    fn reference_split(keys: &[SplitKey], opts: &SplitOptions) -> SplitPlan {
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
        let mut subset = vec![Subset::Train; keys.len()];
        let mut groups: std::collections::BTreeMap<&[u32], Vec<usize>> = Default::default();
        for (i, k) in keys.iter().enumerate() {
            match k.forced {
                Some(s) => subset[i] = s,
                None => groups.entry(k.label_set.as_slice()).or_default().push(i),
            }
        }
        for members in groups.values_mut() {
            shuffle(members, &mut rng);
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
        plan
    }

    #[test]
    fn compact_split_gives_the_same_plans_as_the_per_item_version() {
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        for case in 0..40u64 {
            let n = 5 + below(&mut rng, 400) as usize;
            let classes = 1 + below(&mut rng, 6) as u32;
            let keys: Vec<SplitKey> = (0..n)
                .map(|_| {
                    let mut set: Vec<u32> = (0..classes).filter(|_| below(&mut rng, 3) == 0).collect();
                    if case % 2 == 0 {
                        set.truncate(1);
                    }
                    let forced = match below(&mut rng, 10) {
                        0 => Some(Subset::Test),
                        1 if case % 3 == 0 => Some(Subset::Train),
                        _ => None,
                    };
                    SplitKey { forced, label_set: set }
                })
                .collect();
            let opts = SplitOptions { test_size: 0.1 + (case % 5) as f64 * 0.15, seed: case, ..Default::default() };
            let expected = reference_split(&keys, &opts);
            match split(&keys, &opts) {
                Ok(plan) => assert_eq!(plan, expected, "case {case}"),
                Err(_) => assert!(expected.test.len() < 2 || expected.train.is_empty(), "case {case}"),
            }
        }
    }

    #[test]
    fn assignment_marks_the_plans_test_items() {
        let labels: Vec<u32> = (0..1000).map(|i| (i * 7 % 13) % 4).collect();
        let k = keys(&labels);
        let opts = SplitOptions { test_size: 0.3, seed: 5, ..Default::default() };
        let plan = split(&k, &opts).unwrap();
        let mut compact = CompactKeys::with_capacity(k.len());
        for key in &k {
            compact.push(key.forced, &key.label_set).unwrap();
        }
        assert_eq!(compact.distinct_sets(), 4);
        assert_eq!(compact.label_set(3), &[labels[3]]);
        let a = assign(&compact, &opts).unwrap();
        assert_eq!((a.n_test, a.n_train), (plan.test.len(), plan.train.len()));
        let mut marked: Vec<usize> = (0..k.len()).filter(|&i| a.is_test[i]).collect();
        let mut test = plan.test.clone();
        test.sort();
        marked.sort();
        assert_eq!(marked, test);
        assert!(a.warning.is_none());
    }

    #[test]
    fn assignment_keeps_forced_items_and_falls_back_when_sets_are_unique() {
        let mut compact = CompactKeys::default();
        for i in 0..20u32 {
            compact.push(None, &[i, i + 1]).unwrap();
        }
        compact.push(Some(Subset::Train), &[0]).unwrap();
        compact.push(Some(Subset::Test), &[1]).unwrap();
        assert_eq!(compact.forced(0), None);
        assert_eq!(compact.forced(21), Some(Subset::Test));
        let a = assign(&compact, &SplitOptions::default()).unwrap();
        assert!(a.warning.as_deref().unwrap().contains("without stratification"));
        assert!(!a.is_test[20] && a.is_test[21]);
        assert_eq!(a.n_test, 4 + 1);
    }

    #[test]
    fn record_order_is_not_grouped_by_class() {
        let labels: Vec<u32> = (0..100).map(|i| i / 50).collect();
        let plan = split(&keys(&labels), &SplitOptions::default()).unwrap();
        let first_half_classes: std::collections::HashSet<u32> = plan.train[..40].iter().map(|&i| labels[i]).collect();
        assert_eq!(first_half_classes.len(), 2);
    }
}
