//! Helpers shared by the audit tests: the examples of a shared dataset read back with their
//! classes.

use formats::dataset::{DatasetReader, Subset};
use formats::example::Frames;

/// The shared AutoDL dataset `name` with its train and test examples and their classes, or
/// `None` without the shared data.
pub fn shared_examples(name: &str) -> Option<(DatasetReader, Vec<(Frames, i64)>, Vec<(Frames, i64)>)> {
    let data = formats::testing::shared_data_dir()?;
    let reader = DatasetReader::open(data.join("autodl").join(name)).unwrap();
    let (train, test) = (labelled_examples(&reader, Subset::Train), labelled_examples(&reader, Subset::Test));
    Some((reader, train, test))
}

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
