//! The checks that compare examples by their sketches — near duplicates, outliers, suspect
//! labels — turned into findings that name the examples (scan positions are not kept).

use formats::dataset::Subset;

use crate::budget::Deadline;
use crate::labels::{self, LabelCheck};
use crate::near::{self, NearFacts};
use crate::outliers;
use crate::report::{Finding, FindingKind, LabelFacts, OutlierFacts};
use crate::scan::Entry;
use crate::sketch::Sketches;
use crate::options::AuditOptions;

/// Fewer labelled train examples per class (on average) and no label is suspected: the
/// cross-fitted model would learn too little to doubt anything.
pub const MIN_EXAMPLES_PER_CLASS: usize = 10;

/// The out-of-sample accuracy the model must reach before its doubts are reported: a quarter
/// of the way from always answering the largest class to always being right. Below it, a
/// "suspect" would say more about the features than about the label.
pub fn min_accuracy(majority_share: f64) -> f64 {
    majority_share + (1.0 - majority_share) / 4.0
}

/// Out-of-sample probabilities of the train examples, for comparing with other tools.
pub struct Probabilities {
    /// `(train index, given class)` per row.
    pub rows: Vec<(u64, u32)>,
    pub classes: usize,
    pub values: Vec<f32>,
}

pub struct Checked {
    pub near: NearFacts,
    pub outliers: OutlierFacts,
    pub labels: LabelFacts,
    pub findings: Vec<Finding>,
    pub probabilities: Option<Probabilities>,
    /// What the deadline left undone, one sentence per check.
    pub skipped: Vec<String>,
}

fn near_kind(a: Subset, b: Subset) -> FindingKind {
    match (a, b) {
        (Subset::Train, Subset::Train) => FindingKind::NearDuplicateTrain,
        (Subset::Test, Subset::Test) => FindingKind::NearDuplicateTest,
        (Subset::Unlabelled, Subset::Unlabelled) => FindingKind::NearDuplicateUnlabelled,
        (Subset::Train, Subset::Test) | (Subset::Test, Subset::Train) => FindingKind::NearLeakage,
        // an unlabelled set beside train or test: a near duplicate of the unlabelled side
        _ => FindingKind::NearDuplicateUnlabelled,
    }
}

/// `entries` and `sk` must still be in scan order. Each check starts no new unit of work once
/// `deadline` has passed.
pub fn run(entries: &[Entry], sk: &Sketches, output_dim: u32, opts: &AuditOptions, deadline: &Deadline) -> Checked {
    let mut findings = Vec::new();
    let mut skipped = Vec::new();
    let name = |e: &Entry| format!("{} #{}", e.subset, e.index);

    let (near, pairs, stopped) = near::find(sk, &opts.near, &|a, b| entries[a].hash == entries[b].hash, deadline);
    if let Some(done) = stopped {
        skipped.push(format!(
            "near duplicates: {done} of {} LSH bands searched before the time budget ran out; the {} pair(s) found in them are reported, others may be missed",
            near.bands,
            pairs.len()
        ));
    }
    let mut listed = std::collections::HashMap::new();
    for p in &pairs {
        let (x, y) = (&entries[p.a], &entries[p.b]);
        // train first, so a leak reads train → test
        let (x, y) = if x.subset == Subset::Test && y.subset == Subset::Train { (y, x) } else { (x, y) };
        let kind = near_kind(x.subset, y.subset);
        let n = listed.entry(kind).or_insert(0usize);
        *n += 1;
        if *n > opts.max_pairs_per_kind {
            continue;
        }
        let message = format!("{} and {} are near duplicates ({} similarity {:.3})", name(x), name(y), near.method, p.similarity);
        findings.push(Finding { examples: vec![x.example_ref(), y.example_ref()], example_count: 2, value: Some(p.similarity), ..Finding::new(kind, message) });
    }

    let outliers::Found { outliers: found, median, scored } = outliers::find(&sk.features, sk.dim, sk.count, opts.outlier_robust_z, deadline);
    if scored < sk.count {
        skipped.push(format!(
            "outliers: {scored} of {} examples scored before the time budget ran out{}",
            sk.count,
            if scored < outliers::MIN_EXAMPLES { "; none is reported" } else { "; outliers among them are reported" }
        ));
    }
    let outlier_facts = OutlierFacts {
        k: outliers::K,
        references: sk.count.min(outliers::MAX_REFERENCES),
        median_distance: median,
        min_robust_z: opts.outlier_robust_z,
        outliers: found.len() as u64,
    };
    for o in found.iter().take(opts.max_pairs_per_kind) {
        let e = &entries[o.position];
        let message = format!("{} is far from all others: {}-NN distance {:.2}, {:.1} robust deviations above the median", name(e), outliers::K, o.distance, o.robust_z);
        findings.push(Finding { examples: vec![e.example_ref()], example_count: 1, value: Some(o.distance), ..Finding::new(FindingKind::Outlier, message) });
    }

    let (labels, probabilities) = suspect_labels(entries, sk, output_dim, opts, &mut findings, deadline);
    if deadline.passed() {
        if let Some(reason) = labels.reason.as_ref().filter(|r| r.contains("time budget")) {
            skipped.push(format!("suspect labels: {reason}; none is reported"));
        }
    }
    Checked { near, outliers: outlier_facts, labels, findings, probabilities, skipped }
}

fn suspect_labels(entries: &[Entry], sk: &Sketches, output_dim: u32, opts: &AuditOptions, findings: &mut Vec<Finding>, deadline: &Deadline) -> (LabelFacts, Option<Probabilities>) {
    let mut facts = LabelFacts {
        status: "refused".into(),
        reason: None,
        method: format!("confident learning (prune by noise rate) on {}-fold cross-fitted logistic regression", labels::FOLDS),
        folds: labels::FOLDS,
        examples: 0,
        out_of_sample_accuracy: None,
        suspects: 0,
    };
    // a one-output label is binary: no class is the negative, class 0 the positive
    let binary = output_dim == 1;
    let classes = if binary { 2 } else { output_dim as usize };
    // a class index beyond output_dim is the validator's to report: such examples are left out
    let train: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].subset == Subset::Train && entries[i].labels.as_ref().is_some_and(|l| l.iter().all(|&c| c < output_dim.max(1))))
        .collect();
    let multi = train.iter().filter(|&&i| entries[i].labels.as_ref().is_some_and(|l| if binary { l.len() > 1 } else { l.len() != 1 })).count();
    if multi > 0 {
        facts.reason = Some(format!("{multi} train example(s) have {} one class; confident learning here needs exactly one class per example (multi-label is not handled)", if binary { "more than" } else { "other than" }));
        return (facts, None);
    }
    if train.len() < MIN_EXAMPLES_PER_CLASS * classes {
        facts.reason = Some(format!("{} labelled train examples for {classes} classes; at least {MIN_EXAMPLES_PER_CLASS} per class are needed", train.len()));
        return (facts, None);
    }
    let given: Vec<u32> = train
        .iter()
        .map(|&i| {
            let l = entries[i].labels.as_deref().unwrap_or(&[]);
            if binary { l.len() as u32 } else { l[0] }
        })
        .collect();
    let features: Vec<f32> = train.iter().flat_map(|&i| sk.features_of(i).iter().copied()).collect();
    let check: LabelCheck = match labels::check(&features, sk.dim, &given, classes, deadline) {
        Ok(c) => c,
        Err(reason) => {
            facts.reason = Some(reason);
            return (facts, None);
        }
    };
    let argmax = |r: &[f32]| r.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(k, _)| k as u32);
    let right = check.probabilities.chunks(classes).zip(&given).filter(|(r, g)| argmax(r) == **g).count();
    let accuracy = right as f64 / train.len() as f64;
    facts.examples = train.len() as u64;
    facts.out_of_sample_accuracy = Some(accuracy);
    let mut per_class = vec![0usize; classes];
    given.iter().for_each(|&g| per_class[g as usize] += 1);
    let majority = *per_class.iter().max().unwrap_or(&0) as f64 / train.len() as f64;
    let rows = train.iter().zip(&given).map(|(&i, &g)| (entries[i].index, g)).collect();
    let probabilities = Some(Probabilities { rows, classes, values: check.probabilities });
    if accuracy < min_accuracy(majority) {
        facts.reason = Some(format!(
            "the cross-fitted model is right on {:.0} % of the train examples, under the {:.0} % needed to doubt a label (largest class {:.0} %)",
            100.0 * accuracy,
            100.0 * min_accuracy(majority),
            100.0 * majority
        ));
        return (facts, probabilities);
    }
    facts.status = "done".into();
    facts.suspects = check.suspects.len() as u64;
    for s in check.suspects.iter().take(opts.max_pairs_per_kind) {
        let e = &entries[train[s.item]];
        let message = format!(
            "train #{} is labelled {} but looks like {} (out-of-sample probability {:.2} vs {:.2} for its label)",
            e.index, s.given, s.suggested, s.confidence, s.self_confidence
        );
        findings.push(Finding {
            examples: vec![e.example_ref()],
            example_count: 1,
            class: Some(s.given),
            suggested_class: Some(s.suggested),
            value: Some(s.confidence),
            ..Finding::new(FindingKind::SuspectLabel, message)
        });
    }
    (facts, probabilities)
}
