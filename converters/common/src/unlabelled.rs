//! Writing an unlabelled set (spec §1.3): `<out>/unlabelled/{metadata.textproto,
//! sample-unlabelled.tfrecord}`, test-shaped records without labels, plus
//! `<out>/unlabelled_sources.txt` naming the input of every record in order. Written in a
//! temporary folder next to `<out>` and renamed at the end; validated like a dataset.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use formats::dataset::Subset;
use formats::example::{AutoDlExample, Frames};
use formats::metadata::DataSpec;
use formats::tfrecord::TfRecordWriter;

use crate::error::{ConvertError, Result};

/// Lists the input of each record, in record order.
pub const SOURCES_FILE: &str = "unlabelled_sources.txt";

/// An unlabelled set being written.
pub struct UnlabelledWriter {
    out_dir: PathBuf,
    force: bool,
    temp: tempfile::TempDir,
    records: TfRecordWriter<BufWriter<File>>,
    record_path: PathBuf,
    sources: Vec<String>,
}

/// What [`UnlabelledWriter::finish`] produced.
#[derive(Debug, Clone)]
pub struct UnlabelledSet {
    pub root: PathBuf,
    /// The input of each record, in record order.
    pub sources: Vec<String>,
}

fn io(path: &Path, e: std::io::Error) -> ConvertError {
    ConvertError::Io { path: path.to_path_buf(), source: e }
}

impl UnlabelledWriter {
    /// Prepares `out_dir` (refused when it exists, unless `force`).
    pub fn create(out_dir: &Path, force: bool) -> Result<UnlabelledWriter> {
        if out_dir.exists() && !force {
            return Err(ConvertError::input(out_dir, "output folder already exists (use --force to replace it)"));
        }
        let parent = match out_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| io(&parent, e))?;
        let temp = tempfile::Builder::new().prefix(".unlabelled.tmp-").tempdir_in(&parent).map_err(|e| io(&parent, e))?;
        let dir = temp.path().join(Subset::Unlabelled.dir_name());
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let record_path = dir.join("sample-unlabelled.tfrecord");
        let records = TfRecordWriter::create(&record_path)?;
        Ok(UnlabelledWriter { out_dir: out_dir.to_path_buf(), force, temp, records, record_path, sources: Vec::new() })
    }

    /// Appends one record (id = its position) converted from `source`.
    pub fn push(&mut self, frames: &Frames, source: &str) -> Result<()> {
        let ex = AutoDlExample { id: Some(self.sources.len() as i64), label_index: vec![], label_score: vec![], frames: frames.clone() };
        let payload = formats::example::try_encode(&ex).map_err(|e| ConvertError::input(source, e.to_string()))?;
        self.records.write_record(&payload).map_err(|e| io(&self.record_path, e))?;
        self.sources.push(source.to_string());
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.sources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Writes the metadata (`spec` with `sample_count` set), the sources list, moves the set
    /// into place and validates it; an invalid set is removed.
    pub fn finish(self, mut spec: DataSpec) -> Result<UnlabelledSet> {
        let UnlabelledWriter { out_dir, force, temp, records, record_path, sources } = self;
        if sources.is_empty() {
            return Err(ConvertError::input(&out_dir, "no input to convert"));
        }
        let file = records.into_inner().map_err(|e| io(&record_path, e))?;
        file.into_inner().map_err(|e| io(&record_path, e.into_error()))?;
        spec.sample_count = sources.len() as i64;
        let dir = temp.path().join(Subset::Unlabelled.dir_name());
        spec.write(&dir.join(formats::dataset::METADATA_FILE))?;
        let mut text = String::new();
        for s in &sources {
            text.push_str(s);
            text.push('\n');
        }
        let list = temp.path().join(SOURCES_FILE);
        std::fs::write(&list, text).map_err(|e| io(&list, e))?;
        if out_dir.exists() && force {
            std::fs::remove_dir_all(&out_dir).map_err(|e| io(&out_dir, e))?;
        }
        let kept = temp.keep();
        std::fs::rename(&kept, &out_dir).map_err(|e| {
            let _ = std::fs::remove_dir_all(&kept);
            io(&out_dir, e)
        })?;
        crate::output::validate_or_remove(&out_dir, false)?;
        Ok(UnlabelledSet { root: out_dir, sources })
    }
}
