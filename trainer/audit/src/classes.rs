//! Class facts from the labels kept per example: counts, imbalance, rare classes, test classes
//! that train never shows.

use formats::dataset::Subset;

use crate::report::{ClassCount, ClassFacts, ExampleRef, Finding, FindingKind};
use crate::scan::Entry;
use crate::options::AuditOptions;

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
    // The examples of the reported classes, gathered in one pass (not one pass per class).
    let mut wanted: std::collections::HashMap<(u32, bool), (Vec<ExampleRef>, u64)> = rare
        .iter()
        .map(|&c| ((c, true), Default::default()))
        .chain(absent.iter().map(|&c| ((c, false), Default::default())))
        .collect();
    for e in entries.iter().filter(|e| e.subset != Subset::Unlabelled) {
        for &c in e.labels.as_deref().unwrap_or(&[]) {
            if let Some((refs, count)) = wanted.get_mut(&(c, e.subset == Subset::Train)) {
                *count += 1;
                if refs.len() < opts.max_examples_per_finding {
                    refs.push(e.example_ref());
                }
            }
        }
    }
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
    // rare classes name their train examples, test-only classes their test examples
    for (c, in_train) in rare.iter().map(|&c| (c, true)).chain(absent.iter().map(|&c| (c, false))) {
        let cc = &classes[c as usize];
        let (kind, message, value) = if in_train {
            (FindingKind::RareClass, format!("{} has {} train example(s), fewer than {k}", label(cc), cc.train), cc.train)
        } else {
            (FindingKind::TestClassNotInTrain, format!("{} has {} test example(s) and none in train", label(cc), cc.test), cc.test)
        };
        push(kind, message, Some(c), value as f64, wanted.remove(&(c, in_train)).unwrap_or_default());
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
