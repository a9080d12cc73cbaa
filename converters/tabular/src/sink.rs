//! Where converted records go. The binary connects this to the `formats` dataset writer
//! (atomic folder, validation); tests can collect records in memory.

use converters_common::Subset;
use formats::example::AutoDlExample;
use formats::metadata::DataSpec;

use crate::error::Result;

/// Receives a converted table: the metadata first, then every record in subset order of
/// arrival (ids already assigned: test `0..n_test`, train `n_test..`, spec §1.4), then side
/// files.
pub trait DatasetSink {
    /// Called once before any record. `spec.sample_count` is the train count; the test
    /// metadata is the same with `n_test`.
    fn begin(&mut self, spec: &DataSpec, n_train: usize, n_test: usize) -> Result<()>;
    /// One record. `solution` is the test record's `.solution` row (None for train).
    fn record(&mut self, subset: Subset, example: AutoDlExample, solution: Option<Vec<f64>>)
        -> Result<()>;
    /// A side file of the dataset folder, e.g. `feat.name` → `<name>_feat.name`.
    fn side_file(&mut self, suffix: &str, contents: String) -> Result<()>;
}

/// Keeps everything in memory (tests, small inputs).
#[derive(Debug, Default)]
pub struct MemorySink {
    pub spec: Option<DataSpec>,
    pub n_train: usize,
    pub n_test: usize,
    pub train: Vec<AutoDlExample>,
    pub test: Vec<AutoDlExample>,
    pub solution: Vec<Vec<f64>>,
    pub side_files: Vec<(String, String)>,
}

impl DatasetSink for MemorySink {
    fn begin(&mut self, spec: &DataSpec, n_train: usize, n_test: usize) -> Result<()> {
        self.spec = Some(spec.clone());
        self.n_train = n_train;
        self.n_test = n_test;
        Ok(())
    }
    fn record(&mut self, subset: Subset, example: AutoDlExample, solution: Option<Vec<f64>>)
        -> Result<()> {
        match subset {
            Subset::Train => self.train.push(example),
            Subset::Test => {
                self.test.push(example);
                self.solution.push(solution.unwrap_or_default());
            }
        }
        Ok(())
    }
    fn side_file(&mut self, suffix: &str, contents: String) -> Result<()> {
        self.side_files.push((suffix.to_string(), contents));
        Ok(())
    }
}
