//! Exact duplicates: examples grouped by content hash (sorting the hashes, never comparing
//! pairs); a group yields a finding per subset it repeats in, one for train↔test leakage and
//! one when its labels disagree.

use formats::dataset::Subset;

use crate::report::{Finding, FindingKind};
use crate::scan::Entry;

fn finding(kind: FindingKind, message: String, group: &[&Entry], hash: u128, max: usize) -> Finding {
    Finding {
        examples: group.iter().take(max).map(|e| e.example_ref()).collect(),
        example_count: group.len() as u64,
        content_hash: Some(format!("{hash:032x}")),
        ..Finding::new(kind, message)
    }
}

fn describe(group: &[&Entry]) -> String {
    let names: Vec<String> = group.iter().take(4).map(|e| format!("{} #{}", e.subset, e.index)).collect();
    let more = if group.len() > 4 { format!(" and {} more", group.len() - 4) } else { String::new() };
    format!("{}{more}", names.join(", "))
}

/// Findings for every group of identical examples, largest groups first within a kind.
pub fn find(entries: &mut [Entry], max_examples: usize) -> Vec<Finding> {
    entries.sort_unstable_by_key(|e| (e.hash, subset_rank(e.subset), e.index));
    let mut groups: Vec<&[Entry]> = entries.chunk_by(|a, b| a.hash == b.hash).filter(|g| g.len() > 1).collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let mut out = Vec::new();
    for group in groups {
        let hash = group[0].hash;
        let all: Vec<&Entry> = group.iter().collect();
        for (subset, kind) in [
            (Subset::Train, FindingKind::DuplicateTrain),
            (Subset::Test, FindingKind::DuplicateTest),
            (Subset::Unlabelled, FindingKind::DuplicateUnlabelled),
        ] {
            let inside: Vec<&Entry> = group.iter().filter(|e| e.subset == subset).collect();
            if inside.len() > 1 {
                let msg = format!("{} identical {subset} examples: {}", inside.len(), describe(&inside));
                out.push(finding(kind, msg, &inside, hash, max_examples));
            }
        }
        let train = group.iter().filter(|e| e.subset == Subset::Train).count();
        let test = group.iter().filter(|e| e.subset == Subset::Test).count();
        if train > 0 && test > 0 {
            let msg = format!("{test} test example(s) also in train ({train} copies): {}", describe(&all));
            out.push(finding(FindingKind::Leakage, msg, &all, hash, max_examples));
        }
        let mut label_sets: Vec<&[u32]> = group.iter().filter_map(|e| e.labels.as_deref()).collect();
        label_sets.sort();
        label_sets.dedup();
        if label_sets.len() > 1 {
            let sets: Vec<String> = label_sets.iter().map(|l| format!("{l:?}")).collect();
            let msg = format!("identical examples with different labels {}: {}", sets.join(" vs "), describe(&all));
            out.push(finding(FindingKind::Conflict, msg, &all, hash, max_examples));
        }
    }
    out
}

fn subset_rank(s: Subset) -> u8 {
    match s {
        Subset::Train => 0,
        Subset::Test => 1,
        Subset::Unlabelled => 2,
    }
}
