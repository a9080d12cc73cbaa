//! The shape of converters that read their whole input before the first record (tables,
//! corpora): a *settle* pass over everything (column statistics, category maps, vocabulary,
//! the split) whose result is plain data, then an *encode* pass that turns any chosen records
//! into frames with that result alone. `convert` runs both on one machine; scale-out
//! (`converters-scale`) runs settle in `plan`, stores the result in the plan, and every shard
//! encodes its own records with it, so the merged records are `convert`'s byte for byte.

use std::collections::HashMap;
use std::path::Path;

use formats::example::Frames;
use formats::metadata::DataSpec;
use formats::solution::SolutionStyle;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::order::SeededOrder;
use crate::policy::SkipReport;
use crate::recipe::Recipe;

/// What a finished whole-input conversion (table, corpus) reports beside its domain's own
/// counts: what is needed to finish and name the dataset the same way for every such domain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversionFacts {
    pub n_train: usize,
    pub n_test: usize,
    pub output_dim: usize,
    /// Metadata for both subsets (the writer fills `sample_count`).
    pub spec: DataSpec,
    /// Class names in index order, when the input names its classes.
    pub class_names: Option<Vec<String>>,
    /// The dataset name the input suggests (AutoML / AutoNLP basename).
    pub suggested_name: Option<String>,
    /// How new inputs are encoded like these (`None` for a layout without one: AutoML).
    pub recipe: Option<Recipe>,
    /// The source of every test record in record order (`<name>_test_sources.txt`).
    pub test_sources: Vec<String>,
    pub warnings: Vec<String>,
}

impl ConversionFacts {
    /// The class names, empty when the input names none.
    pub fn class_names(&self) -> &[String] {
        self.class_names.as_deref().unwrap_or_default()
    }
}

/// One record as the settle pass fixed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRecord {
    /// Where the record is in the input, in the domain's own terms (a table's data row, a
    /// document's position in the corpus stream); [`WholeInputDomain::encode`] is asked by it.
    pub key: u64,
    /// `(class index, score)` pairs.
    pub labels: Vec<(u32, f32)>,
    /// The source named in `<name>_test_sources.txt` (test records).
    pub source: String,
}

/// What the settle pass fixed for a whole input.
#[derive(Debug, Clone)]
pub struct Settlement<S> {
    /// Everything the encode pass and the metadata need (stored in a plan).
    pub settled: S,
    /// Records in the order `convert` writes them: test, then train.
    pub test: Vec<PlannedRecord>,
    pub train: Vec<PlannedRecord>,
    pub output_dim: usize,
    pub class_names: Option<Vec<String>>,
    pub warnings: Vec<String>,
    /// The dataset name the input suggests (AutoML / AutoNLP basename).
    pub suggested_name: Option<String>,
}

/// A converter with a whole-input pass (see the module docs).
pub trait WholeInputDomain {
    /// `tabular` or `text` (the recipe's domain).
    const NAME: &'static str;
    /// What the user asks for (`convert`'s flags).
    type Options: Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug;
    /// The settle pass's result: plain data, stored in a plan.
    type Settled: Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug;

    /// Reads the whole input once; unusable records go to `report` (skipped or fatal).
    fn settle(input: &Path, opts: &Self::Options, report: &mut SkipReport) -> Result<Settlement<Self::Settled>>;

    /// Streams the input once and hands `out` the frames of every record whose key is in
    /// `wanted` (value: where the caller keeps it), in input order.
    fn encode(settled: &Self::Settled, wanted: &HashMap<u64, usize>, out: &mut dyn FnMut(usize, Frames) -> Result<()>) -> Result<()>;

    /// The metadata of the records (the writer fills `sample_count`).
    fn spec(settled: &Self::Settled, output_dim: usize, class_names: Option<&[String]>) -> Result<DataSpec>;

    /// How the `.solution` rows are written.
    fn solution_style() -> SolutionStyle;

    /// Side files `convert` writes beside the records (`<name>_feat.name`, the recipe,
    /// `<name>_test_sources.txt`), given the test records' sources in record order.
    fn side_files(settled: &Self::Settled, name: &str, test_sources: &[String]) -> Result<Vec<(String, Vec<u8>)>>;
}

/// The keys of one subset's records, pushed in input order, in the seeded record order of
/// [`SeededOrder`] (`stream` as the converter gives it): the very draws `convert` makes, so
/// the order is the one its records come out in.
pub fn seeded_keys(seed: u64, stream: u64, keys: &[u64]) -> Result<Vec<u64>> {
    let mut order = SeededOrder::new(seed, stream, keys.len() as u64)?;
    // The order depends on the draws only, never on the payload: one tiny frame stands in.
    let frames = Frames::dense_uniform(vec![0.0], 1).expect("one value, one frame");
    for &k in keys {
        order.push_with_id(Some(k as i64), &frames, &[], &[])?;
    }
    let mut out = Vec::with_capacity(keys.len());
    order.drain(|ex| {
        out.push(ex.id.unwrap_or(-1) as u64);
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_keys_follow_the_record_order() {
        // The records a converter drains, tagged with their key, against the keys alone.
        let keys: Vec<u64> = (0..9000).map(|i| i * 3 + 1).collect();
        let mut order = SeededOrder::new(5, 2, keys.len() as u64).unwrap();
        for &k in &keys {
            let frames = Frames::dense_uniform(vec![k as f32, 1.0, 2.0], 3).unwrap();
            order.push_with_id(Some(k as i64), &frames, &[1], &[1.0]).unwrap();
        }
        let mut drained = Vec::new();
        order.drain(|ex| Ok(drained.push(ex.id.unwrap() as u64))).unwrap();
        let planned = seeded_keys(5, 2, &keys).unwrap();
        assert_eq!(planned, drained);
        assert_ne!(planned, keys, "shuffled");
        assert_ne!(seeded_keys(5, 1, &keys).unwrap(), planned, "another stream, another order");
    }
}
