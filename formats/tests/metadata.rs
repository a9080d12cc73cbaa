//! metadata.textproto parser and printer (spec §4).

use std::path::{Path, PathBuf};

use formats::metadata::{
    quote_key, vocab_key_escape, vocab_key_unescape, DataSpec, Format, MatrixSpec, ParsedDataSpec,
    NOTE_DEPRECATED_IS_SPARSE, NOTE_DUPLICATE_MAP_KEY,
};
use formats::testing::shared_data_dir;
use formats::Error;

fn parse(text: &str) -> formats::Result<DataSpec> {
    DataSpec::parse(text, Path::new("m.textproto"))
}

/// `text` parsed with the notes and field positions the validator reports; it must parse.
fn parse_noted(text: &str) -> ParsedDataSpec {
    DataSpec::parse_with_notes(text, Path::new("m.textproto")).unwrap()
}

/// (line, column, message) of a metadata error; panics on anything else.
fn metadata_error(text: &str) -> (usize, usize, String) {
    match parse(text) {
        Err(Error::Metadata {
            line,
            column,
            message,
            path,
        }) => {
            assert_eq!(path, PathBuf::from("m.textproto"));
            (line, column, message)
        }
        other => panic!("expected a metadata error for {text:?}, got {other:?}"),
    }
}

fn shared_metadata(dataset: &str, subset: &str) -> Option<PathBuf> {
    let data = shared_data_dir()?;
    Some(data.join(format!(
        "autodl/{dataset}/{dataset}.data/{subset}/metadata.textproto"
    )))
}

const CIFAR: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

#[test]
fn real_metadata_has_the_values_of_spec_4_5() {
    let Some(_) = shared_data_dir() else { return };
    for (dataset, train, test) in [("miniciao", 82, 18), ("Monkeys", 26, 4), ("mini1", 50, 10)] {
        for (subset, count) in [("train", train), ("test", test)] {
            let path = shared_metadata(dataset, subset).unwrap();
            let spec = DataSpec::read(&path).unwrap();
            assert_eq!(spec.sample_count, count, "{}", path.display());
            assert_eq!(spec.output_dim, 10);
            assert!(!spec.is_sequence);
            assert_eq!(spec.sequence_size, 1);
            assert_eq!(spec.matrix_spec.len(), 1);
            let m = &spec.matrix_spec[0];
            assert!(m.has_locality_col && m.has_locality_row);
            assert!(!m.is_sequence_col && !m.is_sequence_row && !m.is_sparse);
            assert!(spec.channel_to_index_map.is_empty() && spec.feature_to_index_map.is_empty());
            match dataset {
                "miniciao" => {
                    assert!(spec.sequence_size_present && m.num_channels_present);
                    assert_eq!((m.col_count, m.row_count, m.num_channels), (32, 32, 3));
                    assert_eq!(m.format, Format::Compressed);
                    let mut labels = spec.label_to_index_map.clone();
                    assert_eq!(labels[0], ("cat".to_string(), 3), "file order is kept");
                    labels.sort_by_key(|(_, v)| *v);
                    let names: Vec<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
                    assert_eq!(names, CIFAR);
                }
                "Monkeys" => {
                    assert!(spec.sequence_size_present && !m.num_channels_present);
                    assert_eq!((m.col_count, m.row_count, m.num_channels), (-1, -1, -1));
                    assert_eq!(m.effective_channels(), 3);
                    assert_eq!(m.format, Format::Compressed);
                    assert!(spec.label_to_index_map.is_empty());
                }
                _ => {
                    // Legacy: neither sequence_size nor num_channels lines.
                    assert!(!spec.sequence_size_present && !m.num_channels_present);
                    assert_eq!((m.col_count, m.row_count), (28, 28));
                    assert_eq!(m.effective_channels(), 1);
                    assert_eq!(m.format, Format::Dense);
                    assert!(spec.label_to_index_map.is_empty());
                }
            }
        }
    }
}

#[test]
fn real_metadata_prints_in_reference_line_order_and_round_trips() {
    let Some(_) = shared_data_dir() else { return };
    for dataset in ["miniciao", "Monkeys", "mini1"] {
        for subset in ["train", "test"] {
            let path = shared_metadata(dataset, subset).unwrap();
            let original = std::fs::read_to_string(&path).unwrap();
            let spec = DataSpec::parse(&original, &path).unwrap();
            let printed = spec.to_textproto();
            // Tool versions differ only in blank lines (§4.4).
            let lines = |t: &str| {
                t.lines()
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect::<Vec<_>>()
            };
            assert_eq!(lines(&printed), lines(&original), "{}", path.display());
            assert_eq!(DataSpec::parse(&printed, &path).unwrap(), spec);
        }
    }
}

#[test]
fn printer_writes_the_reference_layout_byte_for_byte() {
    let spec = DataSpec {
        sample_count: 7792,
        sequence_size: -1,
        output_dim: 2,
        matrix_spec: vec![MatrixSpec {
            col_count: 1,
            row_count: 1,
            num_channels: 1,
            has_locality_col: true,
            has_locality_row: true,
            ..MatrixSpec::default()
        }],
        label_to_index_map: vec![("neg".into(), 0), ("pos".into(), 1)],
        channel_to_index_map: vec![("a".into(), 0), ("n't".into(), 1), ("".into(), 2)],
        ..DataSpec::default()
    };
    let expected = "is_sequence: false\nsample_count: 7792\nsequence_size: -1\noutput_dim: 2\n\
        matrix_spec {\n  col_count: 1\n  row_count: 1\n  num_channels: 1\n  is_sequence_col: false\n  \
        is_sequence_row: false\n  has_locality_col: true\n  has_locality_row: true\n  format: DENSE\n}\n\
        label_to_index_map {\n  key: 'neg'\n  value: 0\n}\nlabel_to_index_map {\n  key: 'pos'\n  value: 1\n}\n\
        \n\
        channel_to_index_map {\n  key: 'a'\n  value: 0\n}\nchannel_to_index_map {\n  key: \"n't\"\n  value: 1\n}\n\
        channel_to_index_map {\n  key: ''\n  value: 2\n}\n\n";
    assert_eq!(spec.to_textproto(), expected);
    // No maps: header, "}\n", then the two empty lines.
    let bare = DataSpec {
        matrix_spec: vec![MatrixSpec::default()],
        ..DataSpec::default()
    };
    assert!(bare.to_textproto().ends_with("  format: DENSE\n}\n\n\n"));
}

#[test]
fn legacy_spec_prints_without_the_absent_lines_and_new_specs_with_them() {
    let legacy = parse("output_dim: 3 matrix_spec { col_count: 2 row_count: 2 }").unwrap();
    assert!(!legacy.sequence_size_present && !legacy.matrix_spec[0].num_channels_present);
    let text = legacy.to_textproto();
    assert!(
        !text.contains("sequence_size") && !text.contains("num_channels"),
        "{text}"
    );
    let built = DataSpec {
        matrix_spec: vec![MatrixSpec::default()],
        ..DataSpec::default()
    };
    let text = built.to_textproto();
    assert!(
        text.contains("sequence_size: 1\n") && text.contains("  num_channels: -1\n"),
        "{text}"
    );
}

#[test]
fn unknown_fields_are_errors_at_the_field_name() {
    let (line, column, message) = metadata_error("output_dim: 2\n  fps: 25\n");
    assert_eq!((line, column), (2, 3));
    assert!(message.contains("no field named \"fps\""), "{message}");
    let (line, column, message) =
        metadata_error("matrix_spec {\n  col_count: 1\n    domain: 'image'\n}\n");
    assert_eq!((line, column), (3, 5));
    assert!(
        message.contains("MatrixSpec") && message.contains("domain"),
        "{message}"
    );
    let (line, column, _) = metadata_error("label_to_index_map { key: 'a' index: 0 }");
    assert_eq!((line, column), (1, 31));
    // Column counts characters, not bytes.
    let (line, column, _) = metadata_error("label_to_index_map { key: 'é' bad: 0 }");
    assert_eq!((line, column), (1, 31));
}

#[test]
fn a_repeated_scalar_field_is_an_error() {
    let (line, column, message) = metadata_error("output_dim: 2\nsample_count: 3\noutput_dim: 2\n");
    assert_eq!((line, column), (3, 1));
    assert!(
        message.contains("multiple \"output_dim\"") && message.contains("1:1"),
        "{message}"
    );
    let (line, _, _) = metadata_error("matrix_spec {\n format: DENSE\n format: SPARSE }");
    assert_eq!(line, 3);
    let (_, column, _) = metadata_error("label_to_index_map { key: 'a' key: 'b' }");
    assert_eq!(column, 31);
}

#[test]
fn text_format_syntax_variants_are_accepted() {
    let text = "# a comment\n\
        output_dim: 0x0A, sample_count: +5;  # trailing comment\n\
        matrix_spec: < col_count: -1 row_count: 012 format: 2 num_channels: 3 >\n\
        label_to_index_map [{ value: 3 key: \"a\" 'b\\303\\251' }, {key: '\\u4e2d'}]\n\
        label_to_index_map { key: \"x\" value: 7 }\n\
        channel_to_index_map: []\n\
        is_sequence: True\n";
    let spec = parse(text).unwrap();
    assert_eq!(spec.output_dim, 10);
    assert_eq!(spec.sample_count, 5);
    assert!(spec.is_sequence);
    let m = &spec.matrix_spec[0];
    assert_eq!(
        (m.col_count, m.row_count, m.num_channels, m.format),
        (-1, 10, 3, Format::Compressed)
    );
    assert_eq!(
        spec.label_to_index_map,
        vec![
            ("abé".to_string(), 3),
            ("中".to_string(), 0),
            ("x".to_string(), 7)
        ]
    );
    assert!(!spec.sequence_size_present);
    assert_eq!(spec.sequence_size, 1);
    // Enum by name, bools in every spelling protobuf accepts.
    for (word, value) in [
        ("t", true),
        ("1", true),
        ("true", true),
        ("f", false),
        ("0", false),
        ("False", false),
    ] {
        let spec = parse(&format!(
            "matrix_spec {{ is_sequence_row: {word} format: SPARSE }}"
        ))
        .unwrap();
        assert_eq!(spec.matrix_spec[0].is_sequence_row, value, "{word}");
        assert_eq!(spec.matrix_spec[0].format, Format::Sparse);
    }
    // An empty file is an empty message with proto defaults.
    let empty = parse("  \n# nothing\n").unwrap();
    assert_eq!(
        (
            empty.output_dim,
            empty.sequence_size,
            empty.matrix_spec.len()
        ),
        (0, 1, 0)
    );
}

#[test]
fn bad_values_are_errors_with_positions() {
    let cases: [(&str, (usize, usize), &str); 11] = [
        ("output_dim: 2147483648", (1, 13), "int32"),
        ("sample_count: -2147483649", (1, 15), "int32"),
        ("output_dim: 1.5", (1, 13), "integer"),
        ("output_dim 3", (1, 12), "expected ':'"),
        ("is_sequence: yes", (1, 14), "true or false"),
        ("matrix_spec { format: 3 }", (1, 23), "DENSE"),
        ("matrix_spec { format: dense }", (1, 23), "DENSE"),
        ("matrix_spec { col_count: 1 ", (1, 28), "end of file"),
        ("matrix_spec { col_count: 1 >", (1, 28), "field name"),
        (
            "label_to_index_map { key: 'abc\n' }",
            (1, 27),
            "closing quote",
        ),
        ("output_dim: 2 }", (1, 15), "field name"),
    ];
    for (text, position, fragment) in cases {
        let (line, column, message) = metadata_error(text);
        assert_eq!((line, column), position, "{text:?}: {message}");
        assert!(message.contains(fragment), "{text:?}: {message}");
    }
    let (_, _, message) = metadata_error("output_dim: 2\u{a0}");
    assert!(message.contains("U+00A0"), "{message}");
}

#[test]
fn string_escapes_decode_as_protobuf_does() {
    let key = |quoted: &str| {
        parse(&format!("label_to_index_map {{ key: {quoted} value: 0 }}"))
            .unwrap()
            .label_to_index_map[0]
            .0
            .clone()
    };
    assert_eq!(key(r#"'a\\b\'c\"d'"#), "a\\b'c\"d");
    assert_eq!(key(r#""\n\t\r\a\b\f\v\?""#), "\n\t\r\x07\x08\x0c\x0b?");
    assert_eq!(key(r"'\x41\x4a\x7'"), "AJ\x07");
    assert_eq!(key(r"'\101\0\1010'"), "A\0A0");
    assert_eq!(key(r"'\302\240'"), "\u{a0}");
    assert_eq!(key(r"'\u00e9\U0001F600'"), "é😀");
    assert_eq!(key("'raw é 😀 中'"), "raw é 😀 中");
    assert_eq!(key(r#"'it' "'s" ''"#), "it's");
    // \xHH >= 0x80 is one raw byte: not UTF-8 on its own (§4.4 Caution).
    for bad in [
        r"'\x80'",
        r"'\xa0'",
        r"'\200'",
        r"'\q'",
        r"'\ud83d\ude00'",
        r"'\777'",
        r"'\x'",
        r"'\u12'",
    ] {
        let (_, _, message) = metadata_error(&format!("label_to_index_map {{ key: {bad} }}"));
        assert!(
            message.contains("label_to_index_map.key"),
            "{bad}: {message}"
        );
    }
    let (line, column, message) = metadata_error("label_to_index_map {\n key: 'ab\\q' }");
    assert_eq!((line, column), (2, 10), "{message}");
}

#[test]
fn map_entries_default_and_overwrite_like_protobuf() {
    let parsed = parse_noted(
        "label_to_index_map { value: 4 }\nlabel_to_index_map { key: 'b' }\nlabel_to_index_map { key: '' value: 9 }\n",
    );
    assert_eq!(
        parsed.spec.label_to_index_map,
        vec![(String::new(), 9), ("b".to_string(), 0)]
    );
    assert_eq!(parsed.notes.len(), 1);
    assert_eq!(parsed.notes[0].code, NOTE_DUPLICATE_MAP_KEY);
    assert_eq!((parsed.notes[0].line, parsed.notes[0].column), (3, 1));
    let fields: Vec<&str> = parsed.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "label_to_index_map[0]",
            "label_to_index_map[1]",
            "label_to_index_map[2]"
        ]
    );
}

#[test]
fn notes_and_field_locations_for_the_validator() {
    let parsed =
        parse_noted("output_dim: 2\nmatrix_spec {\n  is_sparse: true\n  format: SPARSE\n}\n");
    assert_eq!(parsed.notes.len(), 1);
    assert_eq!(parsed.notes[0].code, NOTE_DEPRECATED_IS_SPARSE);
    assert_eq!((parsed.notes[0].line, parsed.notes[0].column), (3, 3));
    let found: Vec<(String, usize, usize)> = parsed
        .fields
        .iter()
        .map(|f| (f.field.clone(), f.line, f.column))
        .collect();
    assert_eq!(
        found,
        [
            ("output_dim".to_string(), 1, 1),
            ("matrix_spec".to_string(), 2, 1),
            ("matrix_spec[0].is_sparse".to_string(), 3, 3),
            ("matrix_spec[0].format".to_string(), 4, 3),
        ]
    );
    // is_sparse survives printing.
    assert!(parsed
        .spec
        .to_textproto()
        .contains("  is_sparse: true\n  format: SPARSE\n"));
}

#[test]
fn read_reports_invalid_utf8_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metadata.textproto");
    std::fs::write(
        &path,
        b"output_dim: 2\nlabel_to_index_map { key: 'a\xff' }\n",
    )
    .unwrap();
    match DataSpec::read(&path) {
        Err(Error::Metadata {
            line,
            column,
            path: p,
            message,
        }) => {
            assert_eq!((line, column), (2, 29), "{message}");
            assert_eq!(p, path);
        }
        other => panic!("{other:?}"),
    }
    let spec = DataSpec {
        output_dim: 4,
        ..DataSpec::default()
    };
    spec.write(&path).unwrap();
    assert_eq!(DataSpec::read(&path).unwrap(), spec);
}

#[test]
fn keys_are_quoted_like_python_repr_but_protobuf_safe() {
    assert_eq!(quote_key("cat"), "'cat'");
    assert_eq!(quote_key("n't"), "\"n't\"");
    assert_eq!(quote_key("'\""), r#"'\'"'"#);
    assert_eq!(quote_key("a\\b\n\t\r\x01\x7f"), r"'a\\b\n\t\r\x01\x7f'");
    assert_eq!(quote_key("béart 中 😀"), "'béart 中 😀'");
    assert_eq!(
        quote_key("\u{200b}\u{e000}\u{10ffff}"),
        r"'\u200b\ue000\U0010ffff'"
    );
    // repr would write \x80, \xa0, \xad: octal UTF-8 bytes instead (§4.4 Caution).
    assert_eq!(
        quote_key("\u{80}\u{a0}\u{ad}"),
        r"'\302\200\302\240\302\255'"
    );
}

#[test]
fn vocabulary_keys_are_double_escaped_as_in_spec_5_4() {
    assert_eq!(vocab_key_escape(r"comedy\/drama"), r"comedy\\/drama");
    assert_eq!(
        quote_key(&vocab_key_escape(r"comedy\/drama")),
        r"'comedy\\\\/drama'"
    );
    assert_eq!(vocab_key_escape("\u{a0}"), r"\xa0");
    assert_eq!(vocab_key_escape("it's"), "it's");
    assert_eq!(vocab_key_escape("'\""), "\\'\"");
    assert_eq!(vocab_key_escape(""), "");
    assert_eq!(vocab_key_unescape(r"\xa0"), "\u{a0}");
    assert_eq!(vocab_key_unescape(r"comedy\\/drama"), r"comedy\/drama");
    assert_eq!(
        vocab_key_unescape(r"\q\"),
        r"\q\",
        "unknown escapes stay literal"
    );
    assert_eq!(vocab_key_unescape(r"\101\u4e2d\U0001f600\n"), "A中😀\n");
}
