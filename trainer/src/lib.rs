//! Training of AutoDL datasets on libtorch (spec: `../shared/spec/SCORING.md`).
//!
//! - [`learner`]: the `Learner` trait, cancellation token and prediction matrix;
//! - [`ingestion`]: the train/test loop of SCORING.md §4 with a hard deadline;
//! - [`baselines`]: Baseline0 (constant) and Baseline1 (linear model on pooled inputs);
//! - [`data`]: dataset → f32 feature tensors for the baselines;
//! - [`device`]: CPU/CUDA selection and libtorch thread set-up;
//! - [`deepwisdom`]: DeepWisdom learners, the `--model auto` dispatcher, the bundle members
//!   they write and prediction from a loaded bundle;
//! - [`bundle`]: saving and loading bundles (safetensors + JSON), generic over the member type;
//! - [`scoring`], [`report`]: re-exports of the `scoring` crate (NAUC, ALC, score pages and
//!   `report.html`; no libtorch), so `trainer::scoring::…` paths keep working.

pub mod error;
pub mod learner;
pub mod ingestion;
pub mod baselines;
pub mod data;
pub mod device;
pub mod deepwisdom;
pub mod bundle;

pub use error::{Error, Result};
pub use ::scoring;
pub use ::scoring::report;
