//! Validator tests, continued from `validate.rs`: findings on the records (labels, ids,
//! frames, deep decoding), the report's shape and JSON schema, and other layouts and domains.

use std::fs;
use std::path::Path;

use formats::example::Frames;
use formats::validate::{validate, Finding, Severity, ValidateOptions};

#[path = "support/findings.rs"]
#[allow(dead_code)] // each test file uses part of it
mod findings;
use findings::*;

#[path = "../../tests/support/datasets.rs"]
mod datasets;
use datasets::write_single_label;

// ---------------------------------------------------------------------------------------------
// Records

#[test]
fn label_index_out_of_range() {
    let Some((_t, dir, train)) = copy_with_train_records_changed("miniciao", |i, ex| {
        if i == 3 {
            ex.label_index = vec![10];
            ex.label_score = vec![1.0];
        }
    }) else { return };
    let report = run(&dir);
    let f = expect(&report, "LABEL_INDEX_OUT_OF_RANGE", Severity::Error, &train);
    assert_eq!(f.location.record, Some(3));
    assert_eq!(f.location.field.as_deref(), Some("label_index"));
    assert_eq!(error_codes(&report), vec!["LABEL_INDEX_OUT_OF_RANGE"], "{}", describe(&report));
}

#[test]
fn duplicate_label_and_unlabelled_train_record() {
    let Some((_t, dir, train)) = copy_with_train_records_changed("miniciao", |i, ex| match i {
        1 => {
            ex.label_index = vec![2, 2];
            ex.label_score = vec![1.0, 1.0];
        }
        2 => {
            ex.label_index.clear();
            ex.label_score.clear();
        }
        _ => {}
    }) else { return };
    let report = run(&dir);
    expect(&report, "LABEL_INDEX_DUPLICATE", Severity::Error, &train);
    let f = expect(&report, "TRAIN_RECORD_UNLABELLED", Severity::Warning, &train);
    assert_eq!(f.location.record, Some(2));
}

#[test]
fn duplicate_ids() {
    let mut first_id = None;
    let Some((_t, dir, train)) = copy_with_train_records_changed("miniciao", |i, ex| {
        if i == 0 {
            first_id = ex.id;
        }
        if i == 5 {
            ex.id = first_id;
        }
    }) else { return };
    let report = run(&dir);
    let f = expect(&report, "DUPLICATE_ID", Severity::Warning, &train);
    assert_eq!(f.location.record, Some(5));
    assert!(report.valid, "duplicate ids are a warning:\n{}", describe(&report));
}

#[test]
fn dense_frame_of_wrong_length() {
    let Some((_t, dir, train)) = copy_with_train_records_changed("mini1", |i, ex| {
        if i == 7 {
            let Frames::Dense { values, .. } = &ex.frames else { panic!("mini1 is dense") };
            ex.frames = Frames::dense_from_frames([&values[..783]]);
        }
    }) else { return };
    let report = run(&dir);
    let f = expect(&report, "DENSE_FRAME_LENGTH", Severity::Error, &train);
    assert_eq!(f.location.record, Some(7));
    assert!(f.message.contains("783"), "{}", f.message);
}

#[test]
fn non_finite_dense_values() {
    let Some((_t, dir, train)) = copy_with_train_records_changed("mini1", |i, ex| {
        let Frames::Dense { values, .. } = &mut ex.frames else { panic!("mini1 is dense") };
        match i {
            4 => values[100] = f32::INFINITY,
            9 => values[5] = f32::NAN,
            _ => {}
        }
    }) else { return };
    let report = run(&dir);
    let bad: Vec<u64> = report
        .with_code("DENSE_NON_FINITE")
        .filter(|f| f.location.file == train && f.severity == Severity::Error)
        .filter_map(|f| f.location.record)
        .collect();
    // NaN is only tolerated in tabular data (spec §5.5); mini1 is an image set.
    assert_eq!(bad, vec![4, 9], "{}", describe(&report));
}

#[test]
fn frame_count_differs_from_sequence_size() {
    let Some((_t, dir, train)) = copy_with_train_records_changed("mini1", |i, ex| {
        if i == 0 {
            let Frames::Dense { values, .. } = &ex.frames else { panic!("mini1 is dense") };
            let frame = values.clone();
            ex.frames = Frames::dense_from_frames([&frame, &frame]);
        }
    }) else { return };
    let report = run(&dir);
    let f = expect(&report, "SEQUENCE_SIZE_MISMATCH", Severity::Error, &train);
    assert_eq!(f.location.record, Some(0));
}

#[test]
fn storage_kind_differs_from_metadata() {
    let Some((_t, dir, train)) = copy_with_train_records_changed("mini1", |i, ex| {
        if i == 2 {
            ex.frames = Frames::Compressed(vec![b"\x89PNG\r\n\x1a\n".to_vec()]);
        }
    }) else { return };
    let report = run(&dir);
    expect(&report, "FORMAT_MISMATCH", Severity::Error, &train);
}

#[test]
fn undecodable_payload() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let test = subset_file(&dir, "test");
    // A well-framed record whose payload is not a SequenceExample.
    edit_bytes(&test, |b| b.extend_from_slice(&formats::tfrecord::frame_record(&[0xff, 0xff, 0xff])));
    let report = run(&dir);
    let f = expect(&report, "EX_PROTOBUF", Severity::Error, &test);
    assert_eq!(f.location.record, Some(18));
    expect(&report, "META_SAMPLE_COUNT_MISMATCH", Severity::Error, &metadata(&dir, "test"));
}

/// A PNG of the given size made with the `image` crate.
fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([10, 200, 30]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn deep_checks_compressed_frames() {
    let Some((_t, dir, train)) = copy_with_train_records_changed("miniciao", |i, ex| match i {
        // Right magic bytes, broken body: only a full decode notices.
        0 => {
            let mut broken = png(32, 32);
            broken.truncate(40);
            ex.frames = Frames::Compressed(vec![broken]);
        }
        1 => ex.frames = Frames::Compressed(vec![png(16, 32)]),
        2 => ex.frames = Frames::Compressed(vec![png(32, 32), png(8, 8)]),
        3 => ex.frames = Frames::Compressed(vec![b"not an image at all".to_vec()]),
        _ => {}
    }) else { return };
    let shallow = run(&dir);
    expect(&shallow, "COMPRESSED_UNKNOWN_FORMAT", Severity::Error, &train);
    assert!(!shallow.has_code("COMPRESSED_UNDECODABLE"), "{}", describe(&shallow));

    let deep = run_deep(&dir);
    let f = expect(&deep, "COMPRESSED_UNDECODABLE", Severity::Error, &train);
    assert_eq!(f.location.record, Some(0));
    let f = expect(&deep, "COMPRESSED_SIZE_MISMATCH", Severity::Error, &train);
    assert_eq!(f.location.record, Some(1));
    let f = expect(&deep, "COMPRESSED_FRAME_SIZES_DIFFER", Severity::Error, &train);
    assert_eq!(f.location.record, Some(2));
    // Two frames where sequence_size is 1: reported, as a warning for compressed storage.
    expect(&deep, "SEQUENCE_SIZE_MISMATCH", Severity::Warning, &train);
}

// ---------------------------------------------------------------------------------------------
// Report shape

#[test]
fn repeated_findings_are_capped_per_file() {
    let Some((_t, dir, _)) = copy_with_train_records_changed("mini1", |_, ex| {
        ex.label_index = vec![42];
        ex.label_score = vec![1.0];
    }) else { return };
    let report = validate(&dir, &ValidateOptions { max_per_code: 5, ..Default::default() });
    let out_of_range: Vec<&Finding> = report.with_code("LABEL_INDEX_OUT_OF_RANGE").collect();
    // 5 listed + 1 summary for the 45 others.
    assert_eq!(out_of_range.len(), 6, "{}", describe(&report));
    assert_eq!(out_of_range[5].location.record, None);
    assert!(out_of_range[5].message.starts_with("45 more"), "{}", out_of_range[5].message);
    assert_eq!(report.stats.suppressed, 45);
}

#[test]
fn validation_leaves_the_input_untouched() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let train = subset_file(&dir, "train");
    let before = fs::read(&train).unwrap();
    let _ = run_deep(&dir);
    assert_eq!(fs::read(&train).unwrap(), before);
}

/// Checks `value` against the subset of JSON Schema used by `schemas/validate-report.schema.json`
/// (`type`, `required`, `properties`, `additionalProperties: false`, `items`, `enum`, `$ref`).
fn check_schema(root: &serde_json::Value, schema: &serde_json::Value, value: &serde_json::Value, at: &str) {
    use serde_json::Value;
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").expect("local $ref");
        return check_schema(root, &root["$defs"][name], value, at);
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => panic!("bad type in schema at {at}"),
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let ok = allowed.contains(&actual) || (actual == "integer" && allowed.contains(&"number"));
        assert!(ok, "{at}: {actual} not in {allowed:?}");
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        assert!(options.contains(value), "{at}: {value} not in {options:?}");
    }
    if let Value::Object(map) = value {
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let key = key.as_str().unwrap();
            assert!(map.contains_key(key), "{at}: required key {key} missing");
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, v) in map {
            match props.and_then(|p| p.get(k)) {
                Some(s) => check_schema(root, s, v, &format!("{at}.{k}")),
                None => assert!(
                    schema.get("additionalProperties") != Some(&Value::Bool(false)),
                    "{at}: key {k} not in the schema"
                ),
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            check_schema(root, item_schema, v, &format!("{at}[{i}]"));
        }
    }
}

#[test]
fn json_report_follows_the_schema() {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/validate-report.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&fs::read_to_string(schema_path).unwrap()).unwrap();
    // A report with findings of every location kind.
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    edit(&metadata(&dir, "train"), "output_dim: 10\n", "output_dim: 10\nfps: 25\n");
    let test = subset_file(&dir, "test");
    edit_bytes(&test, |b| b[200] ^= 1);
    let report = run(&dir);
    assert!(report.findings.len() >= 2);
    let value = serde_json::to_value(&report).unwrap();
    check_schema(&schema, &schema, &value, "$");
    // And a clean one.
    let Some(clean) = shared("Monkeys") else { return };
    check_schema(&schema, &schema, &serde_json::to_value(run(&clean)).unwrap(), "$");
}

// ---------------------------------------------------------------------------------------------
// Other layouts and domains

#[test]
fn unlabelled_layout() {
    let Some((_t, src)) = copy_of("miniciao") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fresh");
    let sub = dir.join("unlabelled");
    fs::create_dir_all(&sub).unwrap();
    fs::copy(metadata(&src, "test"), sub.join("metadata.textproto")).unwrap();
    fs::copy(subset_file(&src, "test"), sub.join("sample-unlabelled.tfrecord")).unwrap();
    let report = run(&dir);
    assert!(report.valid, "{}", describe(&report));
    assert_eq!(report.name.as_deref(), Some("fresh"));
    assert_eq!(report.stats.subsets.len(), 1);
    assert_eq!((report.stats.subsets[0].subset.as_str(), report.stats.subsets[0].records), ("unlabelled", 18));
    assert!(!report.has_code("SOL_MISSING"));
}

#[test]
fn label_names_file_with_a_line_missing() {
    let Some((_t, dir)) = copy_of("miniciao") else { return };
    let names = dir.join("miniciao_label.name");
    let text = fs::read_to_string(&names).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    fs::write(&names, lines[..9].join("\n") + "\n").unwrap();
    let report = run(&dir);
    expect(&report, "LABEL_NAMES_COUNT", Severity::Warning, &names);
    assert!(report.valid);
}

/// A small text dataset (spec §5.4): T×1×1×1 token indices, vocabulary in channel_to_index_map.
fn text_dataset(out: &Path, bad_token: bool) {
    use formats::dataset::{DatasetWriter, WriterOptions};
    use formats::metadata::{DataSpec, Format, MatrixSpec};
    let mut w = DatasetWriter::create(out, "words", WriterOptions::default()).unwrap();
    let doc = |tokens: &[f32]| Frames::dense_from_frames(tokens.iter().map(|t| [*t]));
    w.push_test(&doc(&[0.0, 1.0, 2.0]), &[0], &[1.0]).unwrap();
    w.push_test(&doc(&[3.0, 4.0]), &[1], &[1.0]).unwrap();
    w.push_train(&doc(&[4.0]), &[1], &[1.0]).unwrap();
    let last = if bad_token { 7.0 } else { 2.0 };
    w.push_train(&doc(&[2.0, 1.0, 0.0, 3.0, last]), &[0], &[1.0]).unwrap();
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec {
            row_count: 1,
            col_count: 1,
            num_channels: 1,
            num_channels_present: true,
            format: Format::Dense,
            ..MatrixSpec::default()
        }],
        output_dim: 2,
        sequence_size: -1,
        sequence_size_present: true,
        channel_to_index_map: ["a", "b", "", "c d", "é"].iter().enumerate().map(|(i, t)| (t.to_string(), i as i32)).collect(),
        ..DataSpec::default()
    };
    w.finish(spec, None).unwrap();
}

#[test]
fn text_tokens_must_index_the_vocabulary() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    text_dataset(&good, false);
    let report = run(&good);
    // Two test documents for two classes: only the small test set is said.
    let codes: Vec<&str> = report.findings.iter().map(|f| f.code).collect();
    assert!(report.valid && codes == ["TEST_SET_SMALL"], "{}", describe(&report));

    let bad = tmp.path().join("bad");
    text_dataset(&bad, true);
    let report = run(&bad);
    let train = bad.join("words.data/train/sample-words-train.tfrecord");
    let f = expect(&report, "TEXT_TOKEN_OUT_OF_RANGE", Severity::Warning, &train);
    assert_eq!(f.location.record, Some(1));
    assert_eq!(f.location.field.as_deref(), Some("0_dense_input[4]"));
}

/// A one-frame tabular dataset (spec §5.5) holding `frames` as 1×n×1 frames: the first two
/// are the test rows (classes 0, 1), the others train rows of alternating classes.
fn tabular_dataset(out: &Path, format: formats::metadata::Format, frames: Vec<Frames>) {
    use formats::metadata::{DataSpec, MatrixSpec};
    let n_train = frames.len() - 2;
    let mut frames = frames.into_iter();
    let example = |_, i: usize| (frames.next().unwrap(), i % 2);
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: 4, num_channels: 1, num_channels_present: true, format, ..MatrixSpec::default() }],
        output_dim: 2,
        sequence_size: 1,
        sequence_size_present: true,
        ..DataSpec::default()
    };
    write_single_label(out, "table", Default::default(), (2, n_train), example, spec, &[]).unwrap();
}

#[test]
fn nan_is_a_missing_value_in_tabular_data_but_inf_is_not() {
    use formats::metadata::Format;
    let row = |v: [f32; 4]| Frames::dense_from_frames([v]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nan");
    tabular_dataset(&dir, Format::Dense, vec![row([1.0; 4]), row([2.0; 4]), row([0.5, f32::NAN, 1.0, 2.0]), row([3.0; 4])]);
    let report = run(&dir);
    let train = dir.join("table.data/train/sample-table-train.tfrecord");
    expect(&report, "DENSE_NAN", Severity::Warning, &train);
    assert!(report.valid, "{}", describe(&report));

    let dir = tmp.path().join("inf");
    tabular_dataset(&dir, Format::Dense, vec![row([1.0; 4]), row([2.0; 4]), row([0.5, f32::INFINITY, 1.0, 2.0]), row([3.0; 4])]);
    let report = run(&dir);
    expect(&report, "DENSE_NON_FINITE", Severity::Error, &dir.join("table.data/train/sample-table-train.tfrecord"));
}

#[test]
fn sparse_index_out_of_range() {
    use formats::example::SparseFrame;
    use formats::metadata::Format;
    let sparse = |cols: Vec<i64>| {
        let n = cols.len();
        Frames::Sparse(vec![SparseFrame { row: vec![0; n], col: cols, channel: None, value: vec![1.0; n] }])
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sparse");
    tabular_dataset(&dir, Format::Sparse, vec![sparse(vec![0, 3]), sparse(vec![1]), sparse(vec![2, 4]), sparse(vec![])]);
    let report = run(&dir);
    let f = expect(&report, "SPARSE_INDEX_OUT_OF_RANGE", Severity::Error, &dir.join("table.data/train/sample-table-train.tfrecord"));
    assert_eq!(f.location.record, Some(0));
    assert!(f.message.contains("col 4"), "{}", f.message);
    assert_eq!(error_codes(&report), vec!["SPARSE_INDEX_OUT_OF_RANGE"], "{}", describe(&report));
}
