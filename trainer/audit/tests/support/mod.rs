//! Helpers shared by the audit tests: the examples of a dataset read back with their classes.

use formats::dataset::{DatasetReader, Subset};
use formats::example::Frames;

/// The examples of `subset` of a single-label dataset with their class: a train record's own
/// label, a test record's from the solution (test records carry none).
pub fn labelled_examples(reader: &DatasetReader, subset: Subset) -> Vec<(Frames, i64)> {
    let solution = (subset == Subset::Test).then(|| reader.solution().unwrap().expect("a solution"));
    reader
        .examples(subset)
        .unwrap()
        .enumerate()
        .map(|(i, r)| {
            let r = r.unwrap();
            let class = match &solution {
                Some(s) => s.row(i).iter().position(|&v| v > 0.5).unwrap() as i64,
                None => r.labels()[0].0,
            };
            (r.into_frames(), class)
        })
        .collect()
}
