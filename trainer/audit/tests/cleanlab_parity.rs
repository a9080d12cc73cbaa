//! Our confident learning flags exactly what cleanlab 2.9.0's `find_label_issues` (defaults)
//! flags on the same probabilities: tests/data/cleanlab_parity.tsv holds four seeded cases
//! (three classes, binary, a class absent from the labels, twelve classes) and cleanlab's mask,
//! written by tests/data/cleanlab_parity.py.

use std::collections::BTreeMap;

use audit::labels::confident_learning;

struct Case {
    given: Vec<u32>,
    flagged: Vec<bool>,
    probs: Vec<f32>,
    classes: usize,
}

fn cases() -> BTreeMap<String, Case> {
    let text = include_str!("data/cleanlab_parity.tsv");
    let mut cases: BTreeMap<String, Case> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let cells: Vec<&str> = line.split('\t').collect();
        let probs: Vec<f32> = cells[3..].iter().map(|v| v.parse().unwrap()).collect();
        let case = cases.entry(cells[0].to_string()).or_insert(Case { given: vec![], flagged: vec![], probs: vec![], classes: probs.len() });
        case.given.push(cells[1].parse().unwrap());
        case.flagged.push(cells[2] == "1");
        case.probs.extend(probs);
    }
    cases
}

#[test]
fn flagged_sets_equal_cleanlabs() {
    let cases = cases();
    assert_eq!(cases.len(), 4);
    for (name, c) in &cases {
        let ours: Vec<usize> = {
            let mut v: Vec<usize> = confident_learning(&c.probs, &c.given, c.classes).iter().map(|s| s.item).collect();
            v.sort_unstable();
            v
        };
        let theirs: Vec<usize> = (0..c.flagged.len()).filter(|&i| c.flagged[i]).collect();
        assert!(theirs.len() >= 20, "{name}: the case should flag a fair number ({})", theirs.len());
        assert_eq!(ours, theirs, "{name}: ours vs cleanlab");
    }
}
