//! Where converted records go: the `formats` dataset writer (through [`DatasetJob`]) in the
//! binary, a [`MemorySink`] in tests. Test records come first, then train records (spec §1.4:
//! the writer numbers test ids `0..n_test`, train ids after).

use crate::output::DatasetJob;
use formats::dataset::DatasetWriter;
use formats::example::{AutoDlExample, Frames};

/// The two calls a converter makes per record.
pub trait DatasetSink {
    /// A test record; its labels feed the `.solution` row (scores kept by the tabular
    /// solution style, spec §6).
    fn push_test(&mut self, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> formats::Result<i64>;
    /// A train record with its labels.
    fn push_train(&mut self, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> formats::Result<i64>;
}

impl DatasetSink for DatasetWriter {
    fn push_test(&mut self, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> formats::Result<i64> {
        DatasetWriter::push_test(self, frames, label_index, label_score)
    }
    fn push_train(&mut self, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> formats::Result<i64> {
        DatasetWriter::push_train(self, frames, label_index, label_score)
    }
}

/// Streaming converters (tables, corpora) stop here on SIGINT/SIGTERM (issue 9).
fn check_interrupt(job: &DatasetJob) -> formats::Result<()> {
    match crate::interrupt::received() {
        Some(s) => Err(formats::Error::Write {
            path: job.out_dir().to_path_buf(),
            message: format!("interrupted by {}", crate::interrupt::signal_name(s)),
        }),
        None => Ok(()),
    }
}

/// The shared output job: records go to its writer, each one ticks its progress bar.
impl DatasetSink for DatasetJob {
    fn push_test(&mut self, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> formats::Result<i64> {
        check_interrupt(self)?;
        self.progress().inc(1);
        self.writer_mut().push_test(frames, label_index, label_score)
    }
    fn push_train(&mut self, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> formats::Result<i64> {
        check_interrupt(self)?;
        self.progress().inc(1);
        self.writer_mut().push_train(frames, label_index, label_score)
    }
}

/// Keeps records in memory, ids numbered as the writer does. Test records keep their labels
/// here (the writer moves them to the solution).
#[derive(Debug, Default)]
pub struct MemorySink {
    pub test: Vec<AutoDlExample>,
    pub train: Vec<AutoDlExample>,
}

impl DatasetSink for MemorySink {
    fn push_test(&mut self, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> formats::Result<i64> {
        if !self.train.is_empty() {
            return Err(formats::Error::Write {
                path: "memory".into(),
                message: "test records must come before train records".into(),
            });
        }
        let id = self.test.len() as i64;
        self.test.push(AutoDlExample {
            id: Some(id),
            label_index: label_index.to_vec(),
            label_score: label_score.to_vec(),
            frames: frames.clone(),
        });
        Ok(id)
    }
    fn push_train(&mut self, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> formats::Result<i64> {
        let id = (self.test.len() + self.train.len()) as i64;
        self.train.push(AutoDlExample {
            id: Some(id),
            label_index: label_index.to_vec(),
            label_score: label_score.to_vec(),
            frames: frames.clone(),
        });
        Ok(id)
    }
}
