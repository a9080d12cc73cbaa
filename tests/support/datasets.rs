//! Small generated AutoDL datasets for tests and examples: one writer loop for every
//! single-label dataset they make (test subset first, then train). Std and `formats` only, so
//! the binary's tests, trainer/tests and trainer/examples include it with `#[path]`.

use std::path::{Path, PathBuf};

use formats::dataset::{DatasetWriter, WriterOptions};
use formats::example::Frames;
use formats::metadata::DataSpec;

/// Writes the dataset `name` into the folder `out`: `n_test` test then `n_train` train
/// examples, each `example(is_test, index_in_subset)` = (frames, class) with confidence 1,
/// then `spec` and the class names `classes` (none when empty).
pub fn write_single_label(
    out: &Path,
    name: &str,
    options: WriterOptions,
    (n_test, n_train): (usize, usize),
    mut example: impl FnMut(bool, usize) -> (Frames, usize),
    spec: DataSpec,
    classes: &[&str],
) -> formats::Result<PathBuf> {
    let mut w = DatasetWriter::create(out, name, options)?;
    for (count, test) in [(n_test, true), (n_train, false)] {
        for i in 0..count {
            let (frames, class) = example(test, i);
            if test {
                w.push_test(&frames, &[class as i64], &[1.0])?;
            } else {
                w.push_train(&frames, &[class as i64], &[1.0])?;
            }
        }
    }
    let names: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
    w.finish(spec, (!classes.is_empty()).then_some(&names[..]))?;
    Ok(out.to_path_buf())
}
