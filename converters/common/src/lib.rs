//! Pieces shared by every raw → AutoDL converter (images, video, audio, tables, text), and the
//! two converter shapes: [`file_domain::FileDomain`] (one record per file) and
//! [`planned::WholeInputDomain`] (a pass over the whole input first).
//!
//! - [`error`]: [`ConvertError`] (whole-run failures) and [`ItemError`] (one input that cannot
//!   be converted; skipped or fatal depending on the [`policy::ErrorPolicy`]);
//! - [`file_domain`]: the trait of per-file domains (images, video, audio) and [`folder`], the
//!   one folder conversion over it;
//! - [`policy`]: `--on-error skip|fail`, `--max-errors`, and the [`policy::SkipReport`] written
//!   next to the dataset;
//! - [`labels`]: label sources of the file-format layout (spec §1.5): class subfolders,
//!   `labels.csv` (`FileName,Labels` / `FileName,LabelConfidencePairs`, optional `subset`),
//!   `label.name`, `private.info`; [`labels::discover`] turns an input folder into a list of
//!   labelled raw items;
//! - [`split`]: deterministic, seeded, stratified train/test split honouring forced subsets;
//! - [`naming`]: the dataset name (`--name`, `private.info`, input folder name);
//! - [`read`]: reading one input: regular files only, bounded by the size seen before reading;
//! - [`walk`]: listing an input folder in linear time, reporting what it leaves out;
//! - [`progress`]: indicatif bars that `--quiet` silences;
//! - [`pipeline`]: convert items in parallel chunks, hand them over in input order;
//! - [`outdir`]: the OUT check every writing command runs first (not the input, `--force`
//!   replaces only an earlier output);
//! - [`order`]: seeded record order for inputs streamed rather than held (tables, corpora);
//! - [`interrupt`]: SIGINT/SIGTERM stop a conversion between records, leaving no output;
//! - [`output`]: [`output::DatasetJob`] streams converted examples through the atomic
//!   `formats` writer, writes the skip report, and validates the result;
//! - [`planned`]: the shape of converters with a whole-input pass (tables, corpora): settle
//!   once, encode any records with the result (what scale-out stores in a plan), and
//!   [`planned::ConversionFacts`], what every such conversion reports;
//! - [`recipe`]: the conversion recipe kept with a dataset and a model, applied to new inputs;
//! - [`unlabelled`]: writing an unlabelled set (spec §1.3) from new inputs.

pub mod error;
pub mod file_domain;
pub mod folder;
pub mod interrupt;
pub mod label_set;
pub mod labels;
pub mod labels_csv;
pub mod naming;
pub mod order;
pub mod outdir;
pub mod output;
pub mod pipeline;
pub mod planned;
pub mod policy;
pub mod progress;
pub mod read;
pub mod recipe;
pub mod sink;
pub mod split;
pub mod unlabelled;
pub mod walk;

pub use error::{ConvertError, ItemError, Result};
pub use labels::{Labels, RawItem};
pub use policy::{ErrorPolicy, OnError, SkipReport};
pub use split::{SplitOptions, SplitPlan, Subset};
