//! Scale-out conversion (images): `plan` lists the input once and fixes every decision that
//! needs the whole input (split, ids, labels, shard of each item); `convert --plan --shard K`
//! converts one shard anywhere; `merge` checks the shards against the plan and writes the
//! dataset `convert` would have written.
//!
//! - [`plan`]: the plan file (`plan.jsonl`: a header line, then one line per input);
//! - [`shard`]: one shard's record parts, solution part and manifest;
//! - [`merge`]: manifest checks, shape agreement, dense renumbering, validation.

pub mod error;
pub mod merge;
pub mod plan;
pub mod shard;

pub use error::{Result, ScaleError};
