//! Class facts from the labels kept per example: counts, imbalance, rare classes, test classes
//! that train never shows.

use formats::dataset::Subset;

use crate::report::{ClassCount, ClassFacts, ExampleRef, Finding, FindingKind};
use crate::scan::Entry;
use crate::AuditOptions;

pub fn facts(entries: &[Entry], output_dim: u32, names: Option<&[String]>, opts: &AuditOptions) -> (ClassFacts, Vec<Finding>) {
    let dim = output_dim as usize;
    let mut classes: Vec<ClassCount> = (0..output_dim)
        .map(|i| ClassCount { index: i, name: names.and_then(|n| n.get(i as usize)).cloned(), train: 0, test: 0 })
        .collect();
    let (mut multi, mut none) = (0, 0);
    for e in entries {
        let Some(labels) = &e.labels else { continue };
        if e.subset == Subset::Train {
            match labels.len() {
                0 => none += 1,
                1 => {}
                _ => multi += 1,
            }
        }
        for &c in labels.iter().filter(|&&c| (c as usize) < dim) {
            match e.subset {
                Subset::Train => classes[c as usize].train += 1,
                Subset::Test => classes[c as usize].test += 1,
                Subset::Unlabelled => {}
            }
        }
    }
    let has_train = entries.iter().any(|e| e.subset == Subset::Train);
    let seen: Vec<u64> = classes.iter().map(|c| c.train).filter(|&n| n > 0).collect();
    let imbalance_ratio = match (seen.iter().max(), seen.iter().min()) {
        (Some(&hi), Some(&lo)) => Some(hi as f64 / lo as f64),
        _ => None,
    };
    let k = opts.min_class_examples as u64;
    let rare: Vec<u32> = if has_train { classes.iter().filter(|c| c.train < k).map(|c| c.index).collect() } else { vec![] };
    let absent: Vec<u32> = classes.iter().filter(|c| c.test > 0 && c.train == 0 && has_train).map(|c| c.index).collect();

    let mut findings = Vec::new();
    let label = |c: &ClassCount| match &c.name {
        Some(n) => format!("class {} ({n})", c.index),
        None => format!("class {}", c.index),
    };
    let of_class = |class: u32, subset: Subset| -> (Vec<ExampleRef>, u64) {
        let hits = entries
            .iter()
            .filter(|e| e.subset == subset && e.labels.as_ref().is_some_and(|l| l.contains(&class)));
        let count = hits.clone().count() as u64;
        let refs = hits
            .take(opts.max_examples_per_finding)
            .map(Entry::example_ref)
            .collect();
        (refs, count)
    };
    let mut push = |kind: FindingKind, message: String, class: Option<u32>, value: f64, examples: (Vec<ExampleRef>, u64)| {
        findings.push(Finding {
            examples: examples.0,
            example_count: examples.1,
            class,
            value: Some(value),
            ..Finding::new(kind, message)
        });
    };
    if let Some(ratio) = imbalance_ratio.filter(|&r| r >= opts.imbalance_ratio) {
        push(
            FindingKind::ClassImbalance,
            format!("the largest train class has {ratio:.1}× the examples of the smallest (threshold {})", opts.imbalance_ratio),
            None,
            ratio,
            (vec![], 0),
        );
    }
    for &c in &rare {
        let cc = &classes[c as usize];
        push(
            FindingKind::RareClass,
            format!("{} has {} train example(s), fewer than {k}", label(cc), cc.train),
            Some(c),
            cc.train as f64,
            of_class(c, Subset::Train),
        );
    }
    for &c in &absent {
        let cc = &classes[c as usize];
        push(
            FindingKind::TestClassNotInTrain,
            format!("{} has {} test example(s) and none in train", label(cc), cc.test),
            Some(c),
            cc.test as f64,
            of_class(c, Subset::Test),
        );
    }
    let facts = ClassFacts {
        output_dim,
        classes,
        imbalance_ratio,
        rare_classes: rare,
        test_classes_not_in_train: absent,
        multi_label_train: multi,
        unlabelled_train: none,
    };
    (facts, findings)
}
