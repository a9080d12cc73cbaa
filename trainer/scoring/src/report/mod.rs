//! `report.html` of `autodl-format rate`: one self-contained page (no external URL; pictures
//! are `data:` URIs or inline SVG) that puts together what the dataset is, what the validator
//! found, how the automatic model learned, and what the conversion left out. It opens with a
//! plain verdict ([`verdict`]) and names every number for what it is.
//!
//! Every section is a `maud` template (values escaped); the charts are plotters drawings: the
//! learning curve as PNG ([`crate::plot`]), the class balance and waveforms as SVG (`charts`).
//!
//! The trainer never depends on the converters: the conversion's skipped inputs come in as
//! plain rows ([`SkippedInput`]), read by the caller from `<name>_skipped.tsv`.
//!
//! `page` frames the page and draws the sections that need only the inspection, the
//! validation and the run's facts; `input` holds what the page is made from and `markup` the
//! small pieces every section shares.

mod charts;
mod input;
pub mod leaderboard;
mod learning;
mod markup;
mod page;
pub mod quality;
mod samples;
mod summary;
pub mod verdict;
#[cfg(test)]
mod test_data;

pub use input::{read_skipped_tsv, ReportInput, RunFacts, SkippedInput};
pub use leaderboard::Leaderboard;
pub use learning::{CHALLENGE_ACCURACY, CHALLENGE_ACCURACY_MEANS, TOP1_MEANS};
pub use markup::png_data_uri;
pub(crate) use markup::ratio;
pub use page::{build_report, SAMPLES_PER_CLASS, STYLE};
pub use samples::{collect_samples, ClassSamples, Sample};
pub use verdict::{Rating, Verdict};
