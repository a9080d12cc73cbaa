//! Corpora on the whole-input shape ([`converters_common::planned`]): the settle step is the
//! conversion's own first half ([`crate::convert`]'s scan, split and tokenizer training), the
//! encode step its per-document tokenizing, so records encoded from a plan are `convert`'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use converters_common::planned::{seeded_keys, PlannedRecord, Settlement, WholeInputDomain};
use converters_common::SkipReport;
use formats::example::Frames;
use formats::metadata::DataSpec;
use formats::solution::SolutionStyle;
use serde::{Deserialize, Serialize};

use crate::convert::{document_frames, document_source, prepare_corpus, PreparedCorpus, TextOptions};
use crate::spec::text_spec;
use crate::corpus::{Corpus, Layout, TableColumns};
use crate::error::TextError;
use crate::tokenize::TrainedTokenizer;
use crate::unlabelled::TextRecipe;

/// What the settle pass of a corpus fixed (stored in a scale-out plan). Record keys are
/// positions in the corpus stream (bad documents counted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusSettled {
    pub input: PathBuf,
    /// The recipe `convert` writes: the trained tokenizer, `--max-length`, the columns.
    pub recipe: TextRecipe,
    /// `--label-column` (the stream reads it, though the plan already holds the labels).
    pub label_column: String,
}

/// The text converter on the whole-input shape.
pub struct Text;

impl WholeInputDomain for Text {
    const NAME: &'static str = crate::unlabelled::DOMAIN;
    type Options = TextOptions;
    type Settled = CorpusSettled;

    fn settle(input: &Path, opts: &TextOptions, report: &mut SkipReport) -> converters_common::Result<Settlement<CorpusSettled>> {
        opts.check()?;
        let corpus = Corpus::open(input, &opts.columns, report)?;
        let p = prepare_corpus(&corpus, opts, report)?;
        let PreparedCorpus { scan, split, .. } = &p;
        // Keys of the usable documents in stream order, with their subset, labels and source
        // (named from the listing: no document is read again).
        let (mut test_keys, mut train_keys) = (Vec::new(), Vec::new());
        let mut facts: HashMap<u64, (Vec<(u32, f32)>, String)> = HashMap::with_capacity(scan.docs.len());
        for (k, &s) in scan.stream_index.iter().enumerate() {
            let path = match &corpus.layout {
                Layout::Files(listing) => listing.items.get(s).map(|i| i.path.clone()).unwrap_or_default(),
                _ => PathBuf::new(),
            };
            facts.insert(s as u64, (scan.docs[k].labels.pairs.clone(), document_source(&corpus, s, &path)));
            if split.is_test[k] { test_keys.push(s as u64) } else { train_keys.push(s as u64) }
        }
        let seeded = PreparedCorpus::seeded(&corpus, opts);
        let order = |stream: u64, keys: Vec<u64>| -> converters_common::Result<Vec<u64>> {
            if seeded { seeded_keys(opts.split.seed, stream, &keys) } else { Ok(keys) }
        };
        let planned = |keys: Vec<u64>| -> Vec<PlannedRecord> {
            keys.into_iter()
                .map(|key| {
                    let (labels, source) = facts.get(&key).cloned().unwrap_or_default();
                    PlannedRecord { key, labels, source }
                })
                .collect()
        };
        let test = planned(order(1, test_keys)?);
        let train = planned(order(2, train_keys)?);
        Ok(Settlement {
            settled: CorpusSettled { input: input.to_path_buf(), recipe: p.recipe(opts)?, label_column: opts.columns.label.clone() },
            test,
            train,
            output_dim: scan.output_dim,
            class_names: scan.class_names.clone(),
            warnings: p.warnings.clone(),
            suggested_name: corpus.suggested_name(),
        })
    }

    fn encode(settled: &CorpusSettled, wanted: &HashMap<u64, usize>, out: &mut dyn FnMut(usize, Frames) -> converters_common::Result<()>) -> converters_common::Result<()> {
        let r = &settled.recipe;
        let tokenizer = TrainedTokenizer::from_json(&r.tokenizer, r.segment)?;
        let columns = TableColumns { text: r.text_column.clone(), label: settled.label_column.clone(), delimiter: r.delimiter };
        // The corpus was checked when planned: what the listing would skip now is not planned.
        let mut report = SkipReport::new(Default::default());
        let corpus = Corpus::open(&settled.input, &columns, &mut report)?;
        for (s, doc) in corpus.stream()?.enumerate() {
            let Some(&slot) = wanted.get(&(s as u64)) else { continue };
            let doc = doc?;
            let text = doc.text.map_err(|reason| TextError::input(&doc.pos.path, reason))?;
            let (frames, _) = document_frames(&tokenizer, &text, r.max_length)?;
            out(slot, frames)?;
        }
        Ok(())
    }

    fn spec(settled: &CorpusSettled, output_dim: usize, class_names: Option<&[String]>) -> converters_common::Result<DataSpec> {
        let tokenizer = TrainedTokenizer::from_json(&settled.recipe.tokenizer, settled.recipe.segment)?;
        Ok(text_spec(&tokenizer.vocab, output_dim, class_names, 0))
    }

    fn solution_style() -> SolutionStyle {
        SolutionStyle::Generic
    }

    fn side_files(settled: &CorpusSettled, name: &str, test_sources: &[String]) -> converters_common::Result<Vec<(String, Vec<u8>)>> {
        Ok(vec![
            (converters_common::recipe::recipe_file_name(name), settled.recipe.to_recipe()?.to_json()),
            converters_common::recipe::test_sources_file(name, test_sources),
        ])
    }
}
