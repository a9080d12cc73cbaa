//! metadata.textproto print → parse round trips (spec §4): protobuf's own text parser reads
//! what we print (python3 + protobuf), and printing then parsing any spec gives it back.

use std::path::Path;

use formats::metadata::{vocab_key_escape, vocab_key_unescape, DataSpec, Format, MatrixSpec};
use formats::testing::shared_data_dir;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Cross-check with protobuf's own text parser (python3 + protobuf).

/// Keys that stress quoting: quotes, backslashes, controls, C1, NBSP, soft hyphen, emoji, CJK.
fn tricky_keys() -> Vec<String> {
    let mut keys: Vec<String> = [
        "",
        "plain",
        "n't",
        "say \"hi\"",
        "'both\"",
        "back\\slash",
        "new\nline",
        "tab\there",
        "cr\rlf",
        "bell\x07 backspace\x08 nul\0 esc\x1b del\x7f",
        "béart",
        "中文字符",
        "😀🎉",
        "\u{a0}nbsp",
        "soft\u{ad}hyphen",
        "zero\u{200b}width",
        "\u{2028}\u{feff}",
        "\u{e000}private",
        "\u{10ffff}",
        "comedy\\/drama",
        "\\\\\\",
        "'",
        "\"",
        "#not a comment",
        "{}<>[]:,;",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    keys.extend((0x80u32..=0x9f).map(|c| format!("c1 {}", char::from_u32(c).unwrap())));
    keys.extend((0u32..0x20).map(|c| format!("c0 {}", char::from_u32(c).unwrap())));
    keys
}

fn expect_json(spec: &DataSpec) -> serde_json::Value {
    let map = |m: &[(String, i32)]| {
        m.iter()
            .map(|(k, v)| serde_json::json!([k, v]))
            .collect::<Vec<_>>()
    };
    serde_json::json!({
        "is_sequence": spec.is_sequence,
        "output_dim": spec.output_dim,
        "sequence_size": spec.sequence_size,
        "sample_count": spec.sample_count,
        "matrix_spec": spec.matrix_spec.iter().map(|m| serde_json::json!({
            "col_count": m.col_count, "row_count": m.row_count,
            "is_sequence_col": m.is_sequence_col, "is_sequence_row": m.is_sequence_row,
            "has_locality_col": m.has_locality_col, "has_locality_row": m.has_locality_row,
            "is_sparse": m.is_sparse, "num_channels": m.num_channels, "format": m.format.name(),
        })).collect::<Vec<_>>(),
        "label_to_index_map": map(&spec.label_to_index_map),
        "feature_to_index_map": map(&spec.feature_to_index_map),
        "channel_to_index_map": map(&spec.channel_to_index_map),
    })
}

fn python_protobuf_available() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import google.protobuf"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
            panic!("python3 with protobuf is required when CI=true (pip install protobuf)");
        }
        eprintln!("skipping: python3 with google.protobuf not available (pip install protobuf)");
    }
    ok
}

#[test]
fn protobuf_text_parser_reads_what_we_print() {
    if !python_protobuf_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = tricky_keys();
    let indexed = |ks: &[String]| {
        ks.iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i as i32))
            .collect::<Vec<_>>()
    };
    let vocab_tokens: Vec<String> = keys.clone();
    let mut specs = vec![
        DataSpec {
            sample_count: 18,
            output_dim: keys.len() as i32,
            matrix_spec: vec![MatrixSpec {
                col_count: 32,
                row_count: 32,
                num_channels: 3,
                format: Format::Compressed,
                ..MatrixSpec::default()
            }],
            label_to_index_map: indexed(&keys),
            feature_to_index_map: indexed(&keys[..5]),
            ..DataSpec::default()
        },
        DataSpec {
            sequence_size: -1,
            sample_count: i32::MAX as i64,
            output_dim: 2,
            is_sequence: true,
            matrix_spec: vec![MatrixSpec {
                col_count: 1,
                row_count: 1,
                num_channels: 1,
                is_sparse: true,
                format: Format::Sparse,
                ..MatrixSpec::default()
            }],
            // Text vocabulary: doubly escaped keys (§5.4).
            channel_to_index_map: indexed(
                &vocab_tokens
                    .iter()
                    .map(|t| vocab_key_escape(t))
                    .collect::<Vec<_>>(),
            ),
            ..DataSpec::default()
        },
    ];
    if let Some(data) = shared_data_dir() {
        for d in ["miniciao", "Monkeys", "mini1"] {
            let path = data.join(format!("autodl/{d}/{d}.data/train/metadata.textproto"));
            specs.push(DataSpec::read(&path).unwrap());
        }
    }
    let mut cases = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let file = dir.path().join(format!("case{i}.textproto"));
        spec.write(&file).unwrap();
        let mut case = serde_json::json!({ "file": file, "expect": expect_json(spec) });
        if i == 1 {
            case["vocab"] = vocab_tokens
                .iter()
                .map(|t| serde_json::json!([t, vocab_key_escape(t)]))
                .collect();
        }
        cases.push(case);
    }
    let cases_file = dir.path().join("cases.json");
    std::fs::write(&cases_file, serde_json::to_vec(&cases).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/check_metadata.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&cases_file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("checked {} files, 0 problems", specs.len())),
        "{stdout}"
    );
}

// ---------------------------------------------------------------------------------------------
// Property test: print → parse is the identity on any spec.

fn key_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,8}",
        "\\PC{0,6}",
        proptest::collection::vec(any::<char>(), 0..6).prop_map(|cs| cs.into_iter().collect()),
        proptest::collection::vec(
            prop_oneof![
                Just('\''),
                Just('"'),
                Just('\\'),
                Just('\n'),
                Just('\u{85}'),
                Just('\u{ad}'),
                Just('x')
            ],
            0..6
        )
        .prop_map(|cs| cs.into_iter().collect()),
    ]
}

fn map_strategy() -> impl Strategy<Value = Vec<(String, i32)>> {
    proptest::collection::btree_map(key_strategy(), any::<i32>(), 0..6)
        .prop_map(|m| m.into_iter().collect())
        .prop_shuffle()
}

fn matrix_strategy() -> impl Strategy<Value = MatrixSpec> {
    (
        any::<(i32, i32, i32, bool)>(),
        any::<(bool, bool, bool, bool, bool)>(),
        prop_oneof![
            Just(Format::Dense),
            Just(Format::Sparse),
            Just(Format::Compressed)
        ],
    )
        .prop_map(
            |((col_count, row_count, num_channels, present), (a, b, c, d, e), format)| MatrixSpec {
                col_count,
                row_count,
                is_sequence_col: a,
                is_sequence_row: b,
                has_locality_col: c,
                has_locality_row: d,
                is_sparse: e,
                format,
                // An absent line means the default −1.
                num_channels: if present { num_channels } else { -1 },
                num_channels_present: present,
            },
        )
}

proptest! {
    #[test]
    fn print_then_parse_is_identity(
        matrix_spec in proptest::collection::vec(matrix_strategy(), 0..3),
        is_sequence in any::<bool>(),
        output_dim in any::<i32>(),
        (sequence_size, sequence_size_present) in prop_oneof![any::<i32>().prop_map(|v| (v, true)), Just((1, false))],
        sample_count in any::<i32>(),
        label_to_index_map in map_strategy(),
        feature_to_index_map in map_strategy(),
        channel_to_index_map in map_strategy(),
    ) {
        let spec = DataSpec {
            matrix_spec, is_sequence, output_dim, label_to_index_map, feature_to_index_map,
            channel_to_index_map, sequence_size, sequence_size_present,
            sample_count: i64::from(sample_count),
        };
        let text = spec.to_textproto();
        let parsed = DataSpec::parse(&text, Path::new("p")).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(parsed, spec);
    }

    #[test]
    fn vocab_escape_then_unescape_is_identity(token in key_strategy()) {
        prop_assert_eq!(vocab_key_unescape(&vocab_key_escape(&token)), token);
    }
}
