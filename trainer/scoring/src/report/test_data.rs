//! Small datasets the report's unit tests draw from.

use std::path::Path;

use formats::dataset::{DatasetWriter, WriterOptions};
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};

/// Writes a two-class dataset of `(t, h, w, c)` dense examples (values from `value`).
pub(super) fn write_dense(dir: &Path, shape: (usize, usize, usize, usize), value: impl Fn(usize, usize) -> f32) {
    let (t, h, w, c) = shape;
    let mut writer = DatasetWriter::create(dir, "clips", WriterOptions::default()).unwrap();
    let example = |k: usize| Frames::dense_from_frames((0..t).map(|f| (0..h * w * c).map(|i| value(k, f * h * w * c + i)).collect::<Vec<f32>>()));
    for k in 0..4 {
        writer.push_test(&example(k), &[(k % 2) as i64], &[1.0]).unwrap();
    }
    for k in 0..8 {
        writer.push_train(&example(k), &[(k % 2) as i64], &[1.0]).unwrap();
    }
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec { row_count: h as i32, col_count: w as i32, num_channels: c as i32, format: Format::Dense, ..Default::default() }],
        output_dim: 2,
        sequence_size: t as i32,
        ..Default::default()
    };
    writer.finish(spec, None).unwrap();
}
