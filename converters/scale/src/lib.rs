//! Scale-out conversion: `plan` reads the input once and fixes every decision that needs the
//! whole input — for per-file inputs (images, video, audio) the split, ids, labels, shard of
//! each item and channel count; for tables and corpora ([`whole`]) also the converter's
//! settle pass (column statistics, category maps, vocabulary), stored in the plan;
//! `convert --plan --shard K`
//! converts one shard anywhere; `merge` checks the shards against the plan and writes the
//! dataset `convert` would have written.
//!
//! - [`atomic`]: files written under unique temporary names and renamed into place;
//! - [`domain`]: the domains a plan stores (each converter's own serde settings) and the one
//!   `dispatch!` that turns them into generic code over
//!   [`converters_common::file_domain::FileDomain`] or [`whole`];
//! - [`listing`]: planning from a listing file (object stores), for millions of inputs;
//! - [`plan`]: the plan file (`plan.jsonl`: a header line, then one line per input);
//! - [`shard`]: one shard's record parts, solution part and manifest;
//! - [`whole`]: tables and corpora: records encoded per shard with the plan's settled state;
//! - [`merge`]: manifest checks, record parts copied as framed bytes (renumbered only after a
//!   skipped input), metadata from the combined observations, validation;
//! - [`copy`]: the merge's one pass over the parts: the validator reads them while they are copied;
//! - [`raw`]: the conversion recipe of a per-file domain and its use on new files (`predict`
//!   on raw input, `convert --unlabelled`).

pub mod atomic;
pub mod copy;
pub mod domain;
pub mod error;
pub mod listing;
pub mod merge;
pub mod plan;
pub mod raw;
pub mod shard;
pub mod whole;

pub use error::{Result, ScaleError};
