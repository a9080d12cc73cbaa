//! Text corpora → AutoDL text datasets (spec §5.4).
//!
//! Layouts: class folders of `.txt` files or a `labels.csv` folder (shared discovery, spec
//! §1.5), a CSV/TSV/JSONL file with text and label columns, the AutoNLP layout. Each document
//! becomes `T` frames of one float, the vocabulary index of token `t`
//! (`(T, 1, 1, 1)` DENSE, `sequence_size: -1`).
//!
//! The scan/split/tokenizer pass is also the settle step of the whole-input shape ([`settle`],
//! [`converters_common::planned`]): scale-out plans store the trained tokenizer and shards
//! tokenize their documents with it.
//!
//! Choices (see [`tokenize`] for the tokenizers):
//! - The vocabulary is learned from the **training** documents only; a test token outside it
//!   is stored as `<unk>` (index 1) and counted in a warning. Index 0 `<pad>` is the single
//!   frame of a document whose text yields no token (e.g. after `--max-length` … never 0
//!   frames: the format needs at least one).
//! - A document that is empty or only whitespace is a bad input (skipped and reported with
//!   its file and line, or fatal under `--on-error fail`), like one with invalid UTF-8.
//! - Vocabulary keys are escaped twice as the reference writer does (spec §5.4), through
//!   `formats::metadata::vocab_key_escape`.
//! - The split: AutoNLP and forced subsets keep theirs (unless `--resplit`); otherwise the
//!   shared seeded, stratified split. Records follow the seeded order
//!   (`converters_common::order`), except in an AutoNLP layout kept as given, whose parts keep
//!   their input order as the reference converter's do (spec §1.1).

pub mod convert;
pub mod corpus;
pub mod error;
pub mod settle;
pub mod spec;
pub mod tokenize;
pub mod unlabelled;

pub use convert::{convert_corpus, convert_text, TextOptions, TextSummary, TokenizerChoice};
pub use corpus::{Corpus, TableColumns};
pub use error::{Result, TextError};
pub use settle::{CorpusSettled, Text};
pub use unlabelled::{convert_new_documents, TextRecipe};
pub use converters_common::sink::{self, DatasetSink, MemorySink};
