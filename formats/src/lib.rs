//! The AutoDL dataset format (spec: `../shared/spec/AUTODL_FORMAT.md`).
//!
//! Layers, bottom up:
//! - [`tfrecord`]: record framing with masked CRC32C (§2);
//! - [`example`]: `tf.train.SequenceExample` ⇄ [`example::AutoDlExample`] (§3);
//! - [`metadata`]: `metadata.textproto` printer (`metadata/mod.rs`) and strict parser
//!   (`metadata/parse.rs`, `literals.rs`) (§4);
//! - [`solution`]: `.solution` files (§6);
//! - [`dataset`]: the folder layout, reader and atomic writer, one file each (§1);
//! - [`validate`]: every check of Appendix B and §7 as findings with stable codes (folder
//!   walk, metadata checks and record checks in their own files);
//! - [`inspect`]: summary facts about a dataset, and the one domain inference (the kit's rule
//!   and the learners' rule beside it);
//! - [`atomic`]: the workspace's one atomic file write (a `tempfile` persisted over the target).
//!
//! One error type, [`Error`], for the whole crate; it names the file and, where it applies,
//! the record index and byte offset. Its I/O variant wraps [`IoError`] (path + cause), which
//! the other crates' error types wrap too.

pub mod atomic;
pub mod error;
pub mod proto;
pub mod tfrecord;
pub mod example;
pub mod metadata;
pub mod names;
pub mod solution;
pub mod dataset;
pub mod validate;
pub mod validate_decode;
pub mod inspect;
pub mod testing;

pub use error::{Error, IoError, Result};
