//! The metadata of a text dataset (a leaf module: the conversion, the recipe and the settle
//! step all write it).

use formats::metadata::{vocab_key_escape, DataSpec, Format, MatrixSpec};

/// Text metadata (spec §5.4, O1 in §4.5): `(−1, 1, 1, 1)` DENSE, vocabulary in
/// `channel_to_index_map` with the reference's double escaping.
pub fn text_spec(vocab: &[String], output_dim: usize, class_names: Option<&[String]>, sample_count: usize) -> DataSpec {
    DataSpec {
        matrix_spec: vec![MatrixSpec {
            col_count: 1,
            row_count: 1,
            num_channels: 1,
            num_channels_present: true,
            has_locality_col: true,
            has_locality_row: true,
            format: Format::Dense,
            ..MatrixSpec::default()
        }],
        is_sequence: false,
        output_dim: output_dim as i32,
        label_to_index_map: class_names
            .map(|names| names.iter().enumerate().map(|(i, n)| (n.clone(), i as i32)).collect())
            .unwrap_or_default(),
        channel_to_index_map: vocab
            .iter()
            .enumerate()
            .map(|(i, t)| (vocab_key_escape(t), i as i32))
            .collect(),
        sequence_size: -1,
        sequence_size_present: true,
        sample_count: sample_count as i64,
        ..DataSpec::default()
    }
}
