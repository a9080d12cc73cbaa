//! Text conversions into memory: fixtures from `scripts/make-fixtures-tabular-text.py` and
//! the shared `raw/randomtext`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use converters_common::{ErrorPolicy, OnError, SkipReport, SplitOptions};
use converters_text::tokenize::{PAD, UNK};
use converters_text::{convert_text, MemorySink, TableColumns, TextOptions, TextSummary, TokenizerChoice};
use formats::example::{AutoDlExample, Frames};
use formats::metadata::{vocab_key_unescape, Format};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/text").join(rel)
}

fn run_with(path: &Path, o: &TextOptions) -> (MemorySink, TextSummary, SkipReport) {
    let mut sink = MemorySink::default();
    let mut report = SkipReport::new(ErrorPolicy::default());
    let s = convert_text(path, o, &mut sink, &mut report).expect("conversion");
    (sink, s, report)
}

fn run(path: &Path) -> (MemorySink, TextSummary, SkipReport) {
    run_with(path, &TextOptions::default())
}

fn tokens(ex: &AutoDlExample) -> Vec<usize> {
    match &ex.frames {
        Frames::Dense { values, offsets } => {
            assert_eq!(offsets.len(), values.len() + 1, "one float per frame");
            assert!(!values.is_empty(), "at least one frame");
            values.iter().map(|&v| v as usize).collect()
        }
        other => panic!("{other:?}"),
    }
}

/// The vocabulary as stored: keys unescaped once more (spec §5.4), in index order.
fn vocab(s: &TextSummary) -> Vec<String> {
    let map = &s.facts.spec.channel_to_index_map;
    let mut v = vec![String::new(); map.len()];
    for (k, i) in map {
        v[*i as usize] = vocab_key_unescape(k);
    }
    v
}

fn check_text_spec(s: &TextSummary) {
    let m = &s.facts.spec.matrix_spec[0];
    assert_eq!((m.row_count, m.col_count, m.num_channels, m.format), (1, 1, 1, Format::Dense));
    assert_eq!(s.facts.spec.sequence_size, -1);
    assert_eq!(s.facts.spec.output_dim as usize, s.facts.output_dim);
    let v = vocab(s);
    assert_eq!(&v[..2], &[PAD.to_string(), UNK.to_string()]);
}

#[test]
fn class_folders_words() {
    let (sink, s, report) = run(&fixture("classes"));
    assert!(report.is_empty(), "{:?}", report.entries());
    check_text_spec(&s);
    assert_eq!(s.facts.class_names.as_deref(), Some(&["neg".to_string(), "pos".to_string()][..]));
    assert_eq!(s.tokenizer, "words");
    assert_eq!((s.facts.n_train, s.facts.n_test), (20, 4));
    let v = vocab(&s);
    for rec in sink.train.iter().chain(&sink.test) {
        assert!(tokens(rec).iter().all(|&t| t < v.len()));
    }
    // lower-cased, punctuation split off
    assert!(v.iter().all(|t| t.to_lowercase() == *t));
    assert!(v.contains(&".".to_string()) || v.contains(&"!".to_string()));
    assert!(sink.train.iter().all(|r| r.label_score == vec![1.0] && r.label_index.len() == 1));
}

#[test]
fn vocabulary_comes_from_training_documents_only() {
    let (sink, s, report) = run(&fixture("autonlp/toynlp"));
    assert!(report.is_empty(), "{:?}", report.entries());
    check_text_spec(&s);
    assert_eq!(s.facts.suggested_name.as_deref(), Some("toynlp"));
    assert_eq!((s.facts.n_train, s.facts.n_test), (24, 8));
    assert_eq!(s.facts.class_names.as_deref(), Some(&["negative".to_string(), "positive".to_string()][..]));
    let v = vocab(&s);
    // every test document ends with a word no training document has
    assert!(!v.contains(&"zzzunseen".to_string()));
    for rec in &sink.test {
        assert_eq!(*tokens(rec).last().unwrap(), 1, "unseen test word stored as <unk>");
    }
    assert_eq!(s.unknown_test_tokens, 8);
    // labels from the one-hot solutions, split kept
    for (records, solution) in [(&sink.train, "autonlp/toynlp/toynlp.data/train.solution"), (&sink.test, "autonlp/toynlp/toynlp.solution")] {
        let rows = std::fs::read_to_string(fixture(solution)).unwrap();
        assert_eq!(records.len(), rows.lines().count(), "{solution}");
        for (rec, row) in records.iter().zip(rows.lines()) {
            assert_eq!(rec.label_index, vec![if row == "0 1" { 1 } else { 0 }], "{solution}");
        }
    }
}

#[test]
fn csv_text_and_label_columns() {
    let (sink, s, report) = run(&fixture("reviews.csv"));
    assert!(report.is_empty());
    check_text_spec(&s);
    assert_eq!(s.facts.class_names.as_deref(), Some(&["neg".to_string(), "pos".to_string()][..]));
    assert_eq!(sink.train.len() + sink.test.len(), 30);
}

#[test]
fn jsonl_multilabel() {
    let (sink, s, _) = run(&fixture("topics.jsonl"));
    assert_eq!(s.facts.class_names.as_deref(), Some(&["food".to_string(), "music".to_string(), "sport".to_string()][..]));
    assert_eq!(s.facts.output_dim, 3);
    let two = sink.train.iter().chain(&sink.test).filter(|r| r.label_index.len() == 2).count();
    assert_eq!(two, 9, "every 4th of 36 lines has two topics");
}

#[test]
fn chinese_defaults_to_characters() {
    let (sink, s, _) = run(&fixture("chinese"));
    assert_eq!(s.tokenizer, "chars");
    let v = vocab(&s);
    assert!(v[2..].iter().all(|t| t.chars().count() == 1), "{v:?}");
    // 12 characters + the full stop per document
    assert!(sink.train.iter().all(|r| tokens(r).len() == 13));
}

#[test]
fn bpe_and_max_length() {
    let o = TextOptions { tokenizer: TokenizerChoice::Bpe, vocab_size: Some(60), max_length: Some(5), ..Default::default() };
    let (sink, s, _) = run_with(&fixture("classes"), &o);
    assert!(s.vocab_size <= 60, "{}", s.vocab_size);
    assert!(sink.train.iter().chain(&sink.test).all(|r| tokens(r).len() <= 5));
    assert!(s.truncated_documents > 0);
}

#[test]
fn empty_and_invalid_utf8_documents_are_reported() {
    let (sink, _, report) = run(&fixture("bad_classes"));
    let mut reasons: Vec<(String, String)> = report
        .entries()
        .iter()
        .map(|e| (e.path.file_name().unwrap().to_string_lossy().to_string(), e.reason.clone()))
        .collect();
    reasons.sort();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(reasons[0].0, "empty.txt");
    assert!(reasons[0].1.contains("empty document"));
    assert_eq!(reasons[1].0, "latin1.txt");
    assert!(reasons[1].1.contains("invalid UTF-8"), "{}", reasons[1].1);
    assert_eq!(sink.train.len() + sink.test.len(), 12);

    let mut report = SkipReport::new(ErrorPolicy { on_error: OnError::Fail, max_errors: None });
    let mut sink = MemorySink::default();
    let err = convert_text(&fixture("bad_classes"), &TextOptions::default(), &mut sink, &mut report).unwrap_err();
    assert!(err.to_string().contains("empty.txt") || err.to_string().contains("latin1.txt"), "{err}");
    assert!(sink.train.is_empty() && sink.test.is_empty());
}

#[test]
fn same_input_same_records() {
    let (a, _, _) = run(&fixture("reviews.csv"));
    let (b, _, _) = run(&fixture("reviews.csv"));
    assert_eq!(a.train, b.train);
    assert_eq!(a.test, b.test);
}

#[test]
fn vocabulary_keys_round_trip_through_double_escaping() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.jsonl");
    let mut lines = String::new();
    for i in 0..12 {
        let text = format!("comedy\\/drama it's \"quoted\" tab\there shy\u{ad}x caf\u{e9} n{i}");
        lines.push_str(&serde_json::json!({"text": text, "label": i % 2}).to_string());
        lines.push('\n');
    }
    std::fs::write(&path, lines).unwrap();
    let o = TextOptions {
        tokenizer: TokenizerChoice::Chars,
        columns: TableColumns::default(),
        split: SplitOptions { test_size: 0.34, seed: 1, ..Default::default() },
        ..Default::default()
    };
    let (_, s, _) = run_with(&path, &o);
    let v = vocab(&s);
    for ch in ["\\", "/", "'", "\"", "\u{ad}", "\u{e9}"] {
        assert!(v.contains(&ch.to_string()), "{ch:?} not in {v:?}");
    }
    let keys: HashSet<&String> = s.facts.spec.channel_to_index_map.iter().map(|(k, _)| k).collect();
    assert_eq!(keys.len(), v.len(), "keys unique");
}

#[test]
fn randomtext_multilabel_with_confidences() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let dir = data.join("raw/randomtext");
    let (sink, s, report) = run(&dir);
    assert!(report.is_empty(), "{:?}", report.entries());
    check_text_spec(&s);
    assert_eq!(sink.train.len() + sink.test.len(), 30);
    // label pairs of every CSV row
    let csv = std::fs::read_to_string(dir.join("randomtext_labels_file_format.csv")).unwrap();
    let rows: Vec<Vec<(i64, f32)>> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let cell = l.split_once(',').unwrap().1;
            let t: Vec<&str> = cell.split_whitespace().collect();
            t.chunks(2).map(|p| (p[0].parse().unwrap(), p[1].parse().unwrap())).collect()
        })
        .collect();
    let max = rows.iter().flatten().map(|p| p.0).max().unwrap();
    assert_eq!(s.facts.output_dim as i64, max + 1);
    // every training record carries one CSV row's classes with its confidences
    for rec in &sink.train {
        let got: Vec<(i64, f32)> = rec.label_index.iter().copied().zip(rec.label_score.iter().copied()).collect();
        assert!(rows.contains(&got), "{got:?} not a CSV row");
        assert!(got.iter().any(|p| p.1 != 1.0) || got.len() == 1);
    }
    assert!(sink.train.iter().any(|r| r.label_index.len() > 1), "multilabel");
}

/// Converts through the shared output job (atomic writer + deep validator).
fn write_validated(input: &Path, o: &TextOptions, out: &Path) -> PathBuf {
    use converters_common::output::{DatasetJob, OutputTarget};
    let mut target = OutputTarget::new(out, "t");
    target.quiet = true;
    target.deep_validate = true;
    let mut job = DatasetJob::start(target, 0).unwrap();
    let mut report = SkipReport::new(ErrorPolicy::default());
    let s = convert_text(input, o, &mut job, &mut report).expect("conversion");
    let written = job.finish(s.facts.spec, s.facts.class_names.as_deref(), &report).expect("valid dataset");
    assert!(written.validation.deep);
    assert_eq!(written.validation.errors, 0, "{:?}", written.validation.findings);
    written.summary.root
}

#[test]
fn every_fixture_passes_the_deep_validator() {
    let dir = tempfile::tempdir().unwrap();
    let bpe = TextOptions { tokenizer: TokenizerChoice::Bpe, vocab_size: Some(80), ..Default::default() };
    let mut cases: Vec<(PathBuf, TextOptions)> = ["classes", "autonlp/toynlp", "reviews.csv", "topics.jsonl", "chinese", "bad_classes"]
        .iter()
        .map(|f| (fixture(f), TextOptions::default()))
        .collect();
    cases.push((fixture("classes"), bpe));
    if let Some(data) = formats::testing::shared_data_dir() {
        cases.push((data.join("raw/randomtext"), TextOptions::default()));
    }
    for (k, (input, o)) in cases.iter().enumerate() {
        let root = write_validated(input, o, &dir.path().join(format!("out{k}")));
        let meta = std::fs::read_to_string(root.join("t.data/train/metadata.textproto")).unwrap();
        assert!(meta.contains("channel_to_index_map"), "{}", input.display());
    }
}

#[test]
fn randomtext_confidences_survive_the_writer() {
    use formats::dataset::{DatasetReader, Subset};
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = write_validated(&data.join("raw/randomtext"), &TextOptions::default(), &dir.path().join("rt"));
    let reader = DatasetReader::open(&root).unwrap();
    let scores: Vec<f32> = reader
        .examples(Subset::Train)
        .unwrap()
        .flat_map(|r| r.unwrap().labels().into_iter().map(|(_, s)| s).collect::<Vec<_>>())
        .collect();
    assert!(scores.iter().any(|&s| s > 0.0 && s < 1.0), "confidences kept as label_score");
    // the generic solution marks every listed class with 1 (spec §5.7)
    let sol = std::fs::read_to_string(root.join("t.solution")).unwrap();
    assert!(sol.lines().all(|l| l.split(' ').all(|v| v == "0" || v == "1")));
    assert!(sol.lines().any(|l| l.split(' ').filter(|v| *v == "1").count() > 1));
}

#[test]
fn class_folders_are_written_in_the_seeded_order_not_folder_by_folder() {
    let dir = tempfile::tempdir().unwrap();
    for (class, word) in [("a", "apple"), ("b", "banana"), ("c", "cherry")] {
        std::fs::create_dir(dir.path().join(class)).unwrap();
        for i in 0..40 {
            std::fs::write(dir.path().join(class).join(format!("{i:03}.txt")), format!("{word} number {i}\n")).unwrap();
        }
    }
    let (a, s, _) = run(dir.path());
    assert_eq!((s.facts.n_train, s.facts.n_test), (96, 24));
    for records in [&a.train[..20], &a.test[..12]] {
        let classes: HashSet<i64> = records.iter().map(|r| r.label_index[0]).collect();
        assert_eq!(classes.len(), 3, "{classes:?}");
    }
    let (b, _, _) = run(dir.path());
    assert_eq!((&a.test, &a.train), (&b.test, &b.train));
}
