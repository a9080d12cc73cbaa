//! The metadata of a tabular dataset (a leaf module: the conversion, the recipe and the settle
//! step all write it).

use formats::metadata::{DataSpec, Format, MatrixSpec};

/// The metadata of a tabular dataset (spec §4.5 tabular column, §5.5).
pub fn tabular_spec(
    features: usize,
    output_dim: usize,
    sparse: bool,
    class_names: &[String],
    sample_count: usize,
) -> DataSpec {
    DataSpec {
        matrix_spec: vec![MatrixSpec {
            col_count: features as i32,
            row_count: 1,
            num_channels: 1,
            num_channels_present: true,
            format: if sparse { Format::Sparse } else { Format::Dense },
            ..MatrixSpec::default()
        }],
        is_sequence: false,
        output_dim: output_dim as i32,
        label_to_index_map: class_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as i32))
            .collect(),
        sequence_size: 1,
        sequence_size_present: true,
        sample_count: sample_count as i64,
        ..DataSpec::default()
    }
}
