//! Tables and corpora in a plan: the whole-input domains ([`converters_common::planned`]).
//! `plan` runs the converter's settle pass (column statistics, category maps, fills, split;
//! or scan, split and tokenizer) and stores its result in the plan header; each plan entry is
//! one record, in `convert`'s record order, keyed by its place in the input. A shard streams
//! the input once and encodes its own records with the stored result (they are held until
//! the shard's parts are written: a shard's share of the encoded records); the merge writes
//! the converter's metadata and side files, so the dataset is `convert`'s byte for byte.

use std::collections::HashMap;

use converters_common::planned::WholeInputDomain;
use converters_common::ConvertError;
use converters_tabular::{TableSettled, Tabular};
use converters_text::{CorpusSettled, Text};
use formats::example::Frames;
use formats::metadata::DataSpec;
use formats::solution::SolutionStyle;

/// The settled state of a whole-input domain, as a shard and the merge use it.
#[derive(Debug, Clone, PartialEq)]
pub enum WholeSettings {
    Tabular(TableSettled),
    Text(CorpusSettled),
}

impl WholeSettings {
    /// `tabular` or `text`.
    pub fn name(&self) -> &'static str {
        match self {
            WholeSettings::Tabular(_) => Tabular::NAME,
            WholeSettings::Text(_) => Text::NAME,
        }
    }

    /// Frames of the records with `keys`, encoded in one pass over the input.
    pub fn encode(&self, keys: &[u64]) -> Result<HashMap<u64, Frames>, ConvertError> {
        let wanted: HashMap<u64, usize> = keys.iter().enumerate().map(|(slot, &k)| (k, slot)).collect();
        let mut frames: Vec<Option<Frames>> = vec![None; keys.len()];
        let mut keep = |slot: usize, f: Frames| -> converters_common::Result<()> {
            frames[slot] = Some(f);
            Ok(())
        };
        match self {
            WholeSettings::Tabular(s) => Tabular::encode(s, &wanted, &mut keep)?,
            WholeSettings::Text(s) => Text::encode(s, &wanted, &mut keep)?,
        }
        Ok(keys.iter().zip(frames).filter_map(|(&k, f)| f.map(|f| (k, f))).collect())
    }

    /// The converter's metadata for the records.
    pub fn spec(&self, output_dim: usize, class_names: Option<&[String]>) -> Result<DataSpec, ConvertError> {
        match self {
            WholeSettings::Tabular(s) => Tabular::spec(s, output_dim, class_names),
            WholeSettings::Text(s) => Text::spec(s, output_dim, class_names),
        }
    }

    pub fn solution_style(&self) -> SolutionStyle {
        match self {
            WholeSettings::Tabular(_) => Tabular::solution_style(),
            WholeSettings::Text(_) => Text::solution_style(),
        }
    }

    /// The side files `convert` writes (`<name>_feat.name`, recipe, test sources).
    pub fn side_files(&self, name: &str, test_sources: &[String]) -> Result<Vec<(String, Vec<u8>)>, ConvertError> {
        match self {
            WholeSettings::Tabular(s) => Tabular::side_files(s, name, test_sources),
            WholeSettings::Text(s) => Text::side_files(s, name, test_sources),
        }
    }
}

/// `(sequence_size, row_count, col_count, num_channels)` of a dataset's metadata.
pub fn shape_of(spec: &DataSpec) -> [i32; 4] {
    let m = spec.matrix_spec.first().cloned().unwrap_or_default();
    [spec.sequence_size, m.row_count, m.col_count, m.num_channels]
}
