//! Training and scoring of AutoDL datasets on libtorch (spec: `../shared/spec/SCORING.md`).
//!
//! - [`learner`]: the `Learner` trait, cancellation token and prediction matrix;
//! - [`ingestion`]: the train/test loop of SCORING.md §4 with a hard deadline;
//! - [`baselines`]: Baseline0 (constant) and Baseline1 (linear model on pooled inputs);
//! - [`data`]: dataset → f32 feature tensors for the baselines;
//! - [`device`]: CPU/CUDA selection and libtorch thread set-up;
//! - [`deepwisdom`]: DeepWisdom image/tabular learners and the `--model auto` dispatcher;
//! - [`bundle`]: saved models (safetensors + JSON) and prediction from them;
//! - [`scoring`]: NAUC, ALC, learning-curve figure and report of a run (SCORING.md §1–3, §6);
//! - [`report`]: the self-contained `report.html` of `autodl-format rate`.

pub mod error;
pub mod learner;
pub mod ingestion;
pub mod baselines;
pub mod data;
pub mod device;
pub mod scoring;
pub mod deepwisdom;
pub mod bundle;
pub mod report;

pub use error::{Error, Result};
