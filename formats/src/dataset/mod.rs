//! The dataset folder (spec §1): layout discovery, a streaming reader and an atomic writer.
//!
//! Reading:
//! ```no_run
//! use formats::dataset::{DatasetReader, Subset};
//! let reader = DatasetReader::open("Monkeys")?;
//! let spec = reader.spec(Subset::Train).unwrap();
//! for record in reader.examples(Subset::Train)? {
//!     let record = record?;
//!     let labels = record.label_vector(spec.output_dim as usize)?;
//!     let tensor = record.tensor(&spec.matrix_spec[0])?; // (T, H, W, C) as f32
//! #   let _ = (labels, tensor);
//! }
//! # Ok::<(), formats::Error>(())
//! ```
//!
//! Writing: [`DatasetWriter::create`], then every [`DatasetWriter::push_test`], then every
//! [`DatasetWriter::push_train`], then [`DatasetWriter::finish`]. Everything goes to a hidden
//! temporary folder next to the target, renamed into place at the end (spec §1.1, §1.4, §6).

mod layout;
mod reader;
mod record_encoding;
mod writer;

pub use layout::{list_record_files, DatasetLayout, Subset, SubsetLayout, METADATA_FILE};
pub use reader::{DatasetReader, ExampleRecord, ExampleTensor, FrameTensor, SubsetExamples};
pub use writer::{DatasetSummary, DatasetWriter, WriterOptions};
