//! The audit on generated datasets with injected problems (exact copies train→test and within
//! train, a conflicting copy, a leaking / constant / all-missing table column), and on the
//! shared real datasets, where every reported duplicate is checked byte for byte.

mod support;

use std::collections::HashMap;
use std::path::Path;

use audit::{audit_dataset, AuditOptions, AuditReport, FindingKind};
use formats::dataset::{DatasetReader, DatasetWriter, Subset, WriterOptions};
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use support::shared_examples;

/// Deterministic pseudo-random floats (a 64-bit LCG), so the generated sets are reproducible.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn spec(rows: i32, cols: i32, output_dim: i32) -> DataSpec {
    DataSpec {
        output_dim,
        sequence_size: 1,
        matrix_spec: vec![MatrixSpec { row_count: rows, col_count: cols, format: Format::Dense, num_channels: 1, ..Default::default() }],
        ..Default::default()
    }
}

fn dense(values: &[f32]) -> Frames {
    Frames::dense_from_frames([values])
}

fn kinds(report: &AuditReport, kind: FindingKind) -> Vec<&audit::Finding> {
    report.findings.iter().filter(|f| f.kind == kind).collect()
}

/// `(subset, index)` of a finding's examples, train first (`"test" > "train"` would not sort so).
fn members(f: &audit::Finding) -> Vec<(&'static str, u64)> {
    let mut v: Vec<_> = f.examples.iter().map(|e| (e.subset, e.index)).collect();
    v.sort_by_key(|(s, i)| (*s != Subset::Train, *i));
    v.into_iter().map(|(s, i)| (s.dir_name(), i)).collect()
}

type Group = Vec<(&'static str, u64)>;

/// Asserts the leak, train-duplicate and conflict findings are exactly these groups (as
/// [`members`] lists them, in any order) and that no test duplicate is found.
fn assert_copy_groups(report: &AuditReport, leakage: Vec<Group>, duplicate_train: Vec<Group>, conflict: Vec<Group>) {
    for (kind, mut want) in [(FindingKind::Leakage, leakage), (FindingKind::DuplicateTrain, duplicate_train), (FindingKind::Conflict, conflict), (FindingKind::DuplicateTest, vec![])] {
        let mut got: Vec<Group> = kinds(report, kind).iter().map(|f| members(f)).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{kind:?}");
    }
}

/// 4×4 "images", 4 classes. Train: 24 distinct examples, then train #24 = copy of #0 (same
/// label), train #25 = copy of #1 with another label. Test: 6 distinct ones, test #6 = copy
/// of train #3 and test #7 = copy of train #4 with another label.
#[test]
fn injected_exact_copies_leaks_and_conflicts_are_found_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pics");
    let mut rng = Lcg(7);
    let train: Vec<(Vec<f32>, i64)> = (0..24).map(|i| ((0..16).map(|_| rng.next()).collect(), i % 4)).collect();
    let test: Vec<(Vec<f32>, i64)> = (0..6).map(|i| ((0..16).map(|_| rng.next()).collect(), i % 4)).collect();
    let mut w = DatasetWriter::create(&out, "pics", WriterOptions::default()).unwrap();
    for (x, y) in test.iter().chain([&train[3], &(train[4].0.clone(), (train[4].1 + 1) % 4)]) {
        w.push_test(&dense(x), &[*y], &[1.0]).unwrap();
    }
    for (x, y) in train.iter().chain([&train[0], &(train[1].0.clone(), (train[1].1 + 2) % 4)]) {
        w.push_train(&dense(x), &[*y], &[1.0]).unwrap();
    }
    w.finish(spec(4, 4, 4), None).unwrap();

    let report = audit_dataset(&out, &AuditOptions::default()).unwrap();
    let dup_train = kinds(&report, FindingKind::DuplicateTrain);
    let mut groups: Vec<_> = dup_train.iter().map(|f| members(f)).collect();
    groups.sort();
    assert_eq!(groups, vec![vec![("train", 0), ("train", 24)], vec![("train", 1), ("train", 25)]]);
    let mut leaks: Vec<_> = kinds(&report, FindingKind::Leakage).iter().map(|f| members(f)).collect();
    leaks.sort();
    assert_eq!(leaks, vec![vec![("train", 3), ("test", 6)], vec![("train", 4), ("test", 7)]]);
    let mut conflicts: Vec<_> = kinds(&report, FindingKind::Conflict).iter().map(|f| members(f)).collect();
    conflicts.sort();
    assert_eq!(conflicts, vec![vec![("train", 1), ("train", 25)], vec![("train", 4), ("test", 7)]]);
    assert!(kinds(&report, FindingKind::DuplicateTest).is_empty());
    // The test example's labels come from the solution, not the (label-free) record.
    let c = kinds(&report, FindingKind::Conflict).into_iter().find(|f| f.examples.iter().any(|e| e.subset == Subset::Test)).unwrap();
    let test_ex = c.examples.iter().find(|e| e.subset == Subset::Test).unwrap();
    assert_eq!(test_ex.labels.as_deref(), Some(&[((train[4].1 + 1) % 4) as u32][..]));
    // ids are not content: the copies carry new ids.
    assert_ne!(c.examples[0].id, c.examples[1].id);

    // Class facts: 24 balanced + class 0 (copy of #0) + class 3 (1+2) → 7, 6, 6, 7.
    let train_counts: Vec<u64> = report.classes.classes.iter().map(|c| c.train).collect();
    assert_eq!(train_counts, vec![7, 6, 6, 7]);
    let test_counts: Vec<u64> = report.classes.classes.iter().map(|c| c.test).collect();
    assert_eq!(test_counts.iter().sum::<u64>(), 8);
    assert!((report.classes.imbalance_ratio.unwrap() - 7.0 / 6.0).abs() < 1e-12);
    assert!(report.classes.rare_classes.is_empty());
    assert!(report.columns.is_none(), "4×4 frames are images, not a table");

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["findings"][0]["severity"], "warning");
    // of the exact-content kinds, only the three injected ones (random 4×4 pictures and random
    // labels leave the near-duplicate and label checks little to go on: not asserted here)
    let exact = ["duplicate_train", "duplicate_test", "duplicate_unlabelled", "leakage", "conflict", "class_imbalance", "rare_class"];
    let summary: Vec<&str> = json["summary"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).filter(|k| exact.contains(k)).collect();
    assert_eq!(summary, ["duplicate_train", "leakage", "conflict"]);
}

#[test]
fn rare_classes_and_test_classes_absent_from_train() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("few");
    let mut rng = Lcg(11);
    let mut row = || -> Vec<f32> { (0..4).map(|_| rng.next()).collect() };
    let mut w = DatasetWriter::create(&out, "few", WriterOptions::default()).unwrap();
    for y in [0, 2, 2] {
        w.push_test(&dense(&row()), &[y], &[1.0]).unwrap();
    }
    // class 0: 40 examples, class 1: 2, class 2: none
    for y in std::iter::repeat_n(0, 40).chain([1, 1]) {
        w.push_train(&dense(&row()), &[y], &[1.0]).unwrap();
    }
    w.finish(spec(2, 2, 3), None).unwrap();
    let report = audit_dataset(&out, &AuditOptions::default()).unwrap();
    assert_eq!(report.classes.rare_classes, vec![1, 2]);
    assert_eq!(report.classes.test_classes_not_in_train, vec![2]);
    assert_eq!(report.classes.imbalance_ratio, Some(20.0));
    let absent = kinds(&report, FindingKind::TestClassNotInTrain);
    assert_eq!(members(absent[0]), vec![("test", 1), ("test", 2)]);
    let rare1 = kinds(&report, FindingKind::RareClass).into_iter().find(|f| f.class == Some(1)).unwrap();
    assert_eq!(members(rare1), vec![("train", 40), ("train", 41)]);
    assert_eq!(kinds(&report, FindingKind::ClassImbalance).len(), 1);
}

/// A table (1×6 rows, binary label): column 1 constant, 2 = label + small noise (a leak),
/// 3 all missing, 0/4/5 noise.
#[test]
fn table_columns_constant_missing_and_leaking() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tab");
    let mut rng = Lcg(3);
    let mut row = |y: i64| -> Vec<f32> {
        vec![rng.next(), 3.0, y as f32 * 10.0 + rng.next(), f32::NAN, rng.next(), rng.next()]
    };
    let mut w = DatasetWriter::create(&out, "tab", WriterOptions::default()).unwrap();
    for i in 0..10 {
        w.push_test(&dense(&row(i % 2)), &[i % 2], &[1.0]).unwrap();
    }
    for i in 0..60 {
        w.push_train(&dense(&row(i % 2)), &[i % 2], &[1.0]).unwrap();
    }
    let names = "age\nconstant\nleak\nempty\nheight\nweight\n";
    w.write_side_file("tab_feat.name", names.as_bytes()).unwrap();
    w.finish(spec(1, 6, 2), None).unwrap();

    let report = audit_dataset(&out, &AuditOptions::default()).unwrap();
    let cols = |kind| -> Vec<(usize, String)> {
        kinds(&report, kind).iter().map(|f| f.column.clone().map(|c| (c.index, c.name)).unwrap()).collect()
    };
    assert_eq!(cols(FindingKind::ConstantColumn), vec![(1, "constant".to_string())]);
    assert_eq!(cols(FindingKind::MissingColumn), vec![(3, "empty".to_string())]);
    assert_eq!(cols(FindingKind::ColumnLeakage), vec![(2, "leak".to_string())]);
    assert!(cols(FindingKind::ColumnSeparatesClass).is_empty());
    let facts = report.columns.as_ref().unwrap();
    assert_eq!((facts.rows, facts.auc_rows), (70, 60));
    assert_eq!(facts.columns[2].label_auc, Some(1.0));
    for c in [0, 4, 5] {
        let auc = facts.columns[c].label_auc.unwrap();
        assert!((0.5..0.9).contains(&auc), "noise column {c} has AUC {auc}");
    }
    assert_eq!(facts.columns[3].missing, 70);
    assert!(kinds(&report, FindingKind::Leakage).is_empty() && kinds(&report, FindingKind::DuplicateTrain).is_empty());
}

/// A multi-class table: a column equal to the class index separates every pair of classes
/// (leak); a column that only singles out class 0 is reported as separating that class.
#[test]
fn multiclass_table_leak_versus_one_separated_class() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("three");
    let mut rng = Lcg(5);
    let mut w = DatasetWriter::create(&out, "three", WriterOptions::default()).unwrap();
    let mut row = |y: i64| -> Vec<f32> {
        let one = if y == 0 { -5.0 } else { rng.next() };
        vec![y as f32, one, rng.next()]
    };
    w.push_test(&dense(&row(0)), &[0], &[1.0]).unwrap();
    for i in 0..60 {
        w.push_train(&dense(&row(i % 3)), &[i % 3], &[1.0]).unwrap();
    }
    w.finish(spec(1, 3, 3), None).unwrap();
    let report = audit_dataset(&out, &AuditOptions::default()).unwrap();
    let leak = kinds(&report, FindingKind::ColumnLeakage);
    assert_eq!(leak.len(), 1);
    assert_eq!(leak[0].column.as_ref().unwrap().index, 0);
    let sep = kinds(&report, FindingKind::ColumnSeparatesClass);
    assert_eq!(sep.len(), 1);
    assert_eq!((sep[0].column.as_ref().unwrap().index, sep[0].class), (1, Some(0)));
}

/// The bytes an example holds, for an independent equality check.
fn content_bytes(frames: &Frames) -> Vec<u8> {
    match frames {
        Frames::Dense { values, offsets } => {
            let mut b: Vec<u8> = offsets.iter().flat_map(|o| (*o as u64).to_le_bytes()).collect();
            b.extend(values.iter().flat_map(|v| v.to_bits().to_le_bytes()));
            b
        }
        Frames::Compressed(images) => images.iter().flat_map(|i| [&(i.len() as u64).to_le_bytes()[..], i].concat()).collect(),
        Frames::Sparse(_) => format!("{frames:?}").into_bytes(),
    }
}

fn all_examples(dir: &Path) -> HashMap<(Subset, u64), Vec<u8>> {
    let reader = DatasetReader::open(dir).unwrap();
    let mut out = HashMap::new();
    for subset in reader.subsets() {
        for (i, r) in reader.examples(subset).unwrap().enumerate() {
            out.insert((subset, i as u64), content_bytes(r.unwrap().frames()));
        }
    }
    out
}

#[test]
fn shared_datasets_audit_and_every_reported_duplicate_is_real() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    for name in ["Monkeys", "miniciao", "mini1"] {
        let dir = data.join("autodl").join(name);
        let report = audit_dataset(&dir, &AuditOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let examples = all_examples(&dir);
        let total: u64 = report.subsets.iter().map(|s| s.examples).sum();
        assert_eq!(total as usize, examples.len(), "{name}");
        let train: u64 = report.classes.classes.iter().map(|c| c.train).sum();
        assert!(train > 0, "{name}: no train labels counted");
        let mut checked = 0;
        for f in &report.findings {
            if !matches!(f.kind, FindingKind::DuplicateTrain | FindingKind::DuplicateTest | FindingKind::Leakage | FindingKind::Conflict) {
                continue;
            }
            let first = &examples[&(f.examples[0].subset, f.examples[0].index)];
            for e in &f.examples[1..] {
                assert_eq!(&examples[&(e.subset, e.index)], first, "{name}: {} is not a real duplicate", f.message);
                checked += 1;
            }
        }
        eprintln!("{name}: {} findings, {checked} duplicate pair(s) verified byte for byte", report.findings.len());
    }
}

/// Monkeys (JPEG records) rewritten with injected copies: test gets train #0 and #5 unchanged,
/// train gets train #1 again under another label. Exactly those are found, on the image bytes.
#[test]
fn shared_monkeys_with_injected_copies() {
    let Some((src, train, test)) = shared_examples("Monkeys") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("monkeys");
    let mut w = DatasetWriter::create(&out, "monkeys", WriterOptions::default()).unwrap();
    for (x, y) in test.iter().chain([&train[0], &train[5]]) {
        w.push_test(x, &[*y], &[1.0]).unwrap();
    }
    let relabelled = (train[1].0.clone(), (train[1].1 + 1) % 10);
    for (x, y) in train.iter().chain([&relabelled]) {
        w.push_train(x, &[*y], &[1.0]).unwrap();
    }
    w.finish(src.spec(Subset::Train).unwrap().clone(), None).unwrap();

    let report = audit_dataset(&out, &AuditOptions::default()).unwrap();
    let n = test.len() as u64;
    let relabel = vec![("train", 1), ("train", train.len() as u64)];
    assert_copy_groups(&report, vec![vec![("train", 0), ("test", n)], vec![("train", 5), ("test", n + 1)]], vec![relabel.clone()], vec![relabel]);
}

/// A damaged record stops the audit with an error naming the file and the record.
#[test]
fn a_damaged_record_is_an_error_naming_file_and_record() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bad");
    let mut w = DatasetWriter::create(&out, "bad", WriterOptions::default()).unwrap();
    w.push_test(&dense(&[1.0, 2.0, 3.0, 4.0]), &[0], &[1.0]).unwrap();
    for i in 0..3 {
        w.push_train(&dense(&[i as f32, 0.0, 0.0, 0.0]), &[0], &[1.0]).unwrap();
    }
    w.finish(spec(2, 2, 1), None).unwrap();
    let file = formats::dataset::DatasetLayout::open(&out).unwrap().subset(Subset::Train).unwrap().record_files[0].clone();
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 10; // inside the payload of the last record
    bytes[last] ^= 0x40;
    std::fs::write(&file, bytes).unwrap();
    let err = audit_dataset(&out, &AuditOptions::default()).unwrap_err().to_string();
    assert!(err.contains(&file.display().to_string()) && err.contains("record 2"), "{err}");
}

/// With fewer than 20 train rows per class a perfect split can be chance: no AUC, no finding.
#[test]
fn small_classes_get_no_column_auc() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("small");
    let mut w = DatasetWriter::create(&out, "small", WriterOptions::default()).unwrap();
    w.push_test(&dense(&[0.0, 1.0]), &[0], &[1.0]).unwrap();
    for i in 0..20 {
        w.push_train(&dense(&[(i % 2) as f32 * 10.0 + i as f32 / 100.0, i as f32]), &[i % 2], &[1.0]).unwrap();
    }
    w.finish(spec(1, 2, 2), None).unwrap();
    let report = audit_dataset(&out, &AuditOptions::default()).unwrap();
    let facts = report.columns.as_ref().unwrap();
    assert_eq!(facts.auc_rows, 20);
    assert!(facts.columns.iter().all(|c| c.label_auc.is_none() && c.best_class_auc.is_none()));
    assert!(kinds(&report, FindingKind::ColumnLeakage).is_empty());
}

/// Seeded injection at the rate: 3 % of the test examples copied into train unchanged,
/// 3 % of train repeated (a third of those relabelled). Every injected copy is found (recall
/// 100 %) and nothing else (precision 100 %).
#[test]
fn seeded_injection_is_found_with_full_precision_and_recall() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("seeded");
    let mut rng = Lcg(2024);
    let example = |rng: &mut Lcg| -> Vec<f32> { (0..9).map(|_| rng.next()).collect() };
    let test: Vec<(Vec<f32>, i64)> = (0..300).map(|i| (example(&mut rng), i % 5)).collect();
    let mut train: Vec<(Vec<f32>, i64)> = (0..1000).map(|i| (example(&mut rng), i % 5)).collect();
    let pick = |rng: &mut Lcg, n: usize, k: usize| -> Vec<usize> {
        let mut chosen = std::collections::BTreeSet::new();
        while chosen.len() < k {
            chosen.insert((rng.next() * n as f32) as usize % n);
        }
        chosen.into_iter().collect()
    };
    let leaked = pick(&mut rng, test.len(), 9);
    let repeated = pick(&mut rng, 1000, 30);
    let mut expect_leak = Vec::new();
    for &t in &leaked {
        expect_leak.push(vec![("train", train.len() as u64), ("test", t as u64)]);
        train.push(test[t].clone());
    }
    let (mut expect_dup, mut expect_conflict) = (Vec::new(), Vec::new());
    for (k, &r) in repeated.iter().enumerate() {
        let pair = vec![("train", r as u64), ("train", train.len() as u64)];
        let label = if k % 3 == 0 { (train[r].1 + 1) % 5 } else { train[r].1 };
        if k % 3 == 0 {
            expect_conflict.push(pair.clone());
        }
        expect_dup.push(pair);
        train.push((train[r].0.clone(), label));
    }
    let mut w = DatasetWriter::create(&out, "seeded", WriterOptions::default()).unwrap();
    for (x, y) in &test {
        w.push_test(&dense(x), &[*y], &[1.0]).unwrap();
    }
    for (x, y) in &train {
        w.push_train(&dense(x), &[*y], &[1.0]).unwrap();
    }
    w.finish(spec(3, 3, 5), None).unwrap();

    let report = audit_dataset(&out, &AuditOptions::default()).unwrap();
    // members() lists train before test, in index order
    let expect_leak: Vec<_> = expect_leak.into_iter().map(|g| vec![g[0], g[1]]).collect();
    assert_copy_groups(&report, expect_leak, expect_dup, expect_conflict);
}

/// A `.solution` with fewer rows than test records cannot pair labels: an error naming it.
#[test]
fn a_short_solution_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("short");
    let mut w = DatasetWriter::create(&out, "short", WriterOptions::default()).unwrap();
    for i in 0..3 {
        w.push_test(&dense(&[i as f32, 1.0, 2.0, 3.0]), &[i % 2], &[1.0]).unwrap();
    }
    w.push_train(&dense(&[9.0, 9.0, 9.0, 9.0]), &[0], &[1.0]).unwrap();
    w.finish(spec(2, 2, 2), None).unwrap();
    let solution = out.join("short.solution");
    let text = std::fs::read_to_string(&solution).unwrap();
    let two_rows: Vec<&str> = text.lines().take(2).collect();
    std::fs::write(&solution, two_rows.join("\n") + "\n").unwrap();
    let err = audit_dataset(&out, &AuditOptions::default()).unwrap_err().to_string();
    assert!(err.contains("short.solution") && err.contains("2 rows") && err.contains("test record 2"), "{err}");
}
