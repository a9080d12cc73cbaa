//! The atomic writer: records into a hidden temporary folder, renamed into place by
//! `finish` (spec §1.1, §1.4, §6); removed when dropped unfinished.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};
use crate::example::Frames;
use crate::metadata::{DataSpec, Format};
use crate::solution::SolutionStyle;
use crate::tfrecord::TfRecordWriter;

use super::layout::{Subset, METADATA_FILE};
use super::record_encoding;

/// Options of [`DatasetWriter::create`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    /// Replace an existing output folder (`--force`); otherwise refuse.
    pub force: bool,
    /// Number formatting of the `.solution` rows (spec §6).
    pub solution_style: SolutionStyle,
    /// `fsync` the written files and folders before and after the rename (`--fsync`), so
    /// the dataset survives a power loss once `finish` returns. Without it the rename still
    /// makes the output all-or-nothing for a killed or failing process; only durability
    /// across a crash of the machine itself is left to the kernel's writeback.
    pub fsync: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions { force: false, solution_style: SolutionStyle::Generic, fsync: false }
    }
}

/// What [`DatasetWriter::finish`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSummary {
    /// The dataset folder, now in place.
    pub root: PathBuf,
    pub name: String,
    pub train_records: u64,
    pub test_records: u64,
    /// Bytes of the two record files.
    pub record_bytes: u64,
}

static WRITER_SEQ: AtomicU64 = AtomicU64::new(0);

const TEST_LABELS_SCRATCH: &str = ".test-labels.tmp";

/// Writes a dataset atomically: test records first (ids `0..n_test`), then train records
/// (ids `n_test..`), then metadata, solution and label names; finally renames the temporary
/// folder `.<out>.tmp-<pid>-<n>` (next to `out_dir`) into place. Dropping the writer before
/// [`DatasetWriter::finish`] removes the temporary folder.
pub struct DatasetWriter {
    out_dir: PathBuf,
    name: String,
    options: WriterOptions,
    tmp_root: PathBuf,
    test_path: PathBuf,
    train_path: PathBuf,
    test: Option<TfRecordWriter<BufWriter<File>>>,
    train: Option<TfRecordWriter<BufWriter<File>>>,
    /// Test labels for the solution, streamed to a scratch file: per record a u32 count then
    /// (i64 index, f32 score) pairs, little-endian.
    test_labels: Option<BufWriter<File>>,
    test_labels_path: PathBuf,
    n_test: u64,
    n_train: u64,
    min_label: i64,
    max_label: i64,
    format: Option<Format>,
    /// (min, max) frames per record and floats per dense frame, checked against the spec.
    frame_counts: Option<(usize, usize)>,
    dense_frame_lens: Option<(usize, usize)>,
    /// Reused payload buffer: records are encoded straight from the caller's frames into it.
    payload: Vec<u8>,
    done: bool,
}

/// Removes `.<dir_name>.tmp-<pid>-<n>` folders in `parent` left by a writer whose process no
/// longer runs (killed by a signal before its drop could clean up), so an interrupted
/// conversion leaves nothing behind once it is rerun. Liveness is read from `/proc`; where
/// there is no `/proc`, nothing is removed. Best effort: failures are ignored.
fn remove_stale_temp_dirs(parent: &Path, dir_name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{dir_name}.tmp-");
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        let alive = pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists();
        if !alive && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn widen(range: &mut Option<(usize, usize)>, v: usize) {
    *range = Some(match *range {
        None => (v, v),
        Some((lo, hi)) => (lo.min(v), hi.max(v)),
    });
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
}

impl DatasetWriter {
    /// Prepares a temporary folder next to `out_dir` for dataset `name`. Refuses when
    /// `out_dir` exists unless `options.force`.
    pub fn create(out_dir: impl AsRef<Path>, name: &str, options: WriterOptions) -> Result<DatasetWriter> {
        let out_dir = out_dir.as_ref().to_path_buf();
        if !valid_name(name) {
            return Err(Error::Write { path: out_dir, message: format!("invalid dataset name {name:?}") });
        }
        if out_dir.exists() && !options.force {
            return Err(Error::Write {
                path: out_dir,
                message: "output folder already exists (use --force to replace it)".into(),
            });
        }
        let Some(dir_name) = out_dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            return Err(Error::Write { path: out_dir, message: "output path has no folder name".into() });
        };
        let parent = match out_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        remove_stale_temp_dirs(&parent, &dir_name);
        let seq = WRITER_SEQ.fetch_add(1, Ordering::Relaxed);
        let tmp_root = parent.join(format!(".{dir_name}.tmp-{}-{seq}", std::process::id()));
        if tmp_root.exists() {
            // Only a crashed writer of this very pid and sequence number can have left it.
            fs::remove_dir_all(&tmp_root).map_err(|e| Error::io(&tmp_root, e))?;
        }
        let data_dir = tmp_root.join(format!("{name}.data"));
        let mut writer = DatasetWriter {
            out_dir,
            name: name.to_string(),
            options,
            tmp_root: tmp_root.clone(),
            test_path: data_dir.join("test").join(format!("sample-{name}-test.tfrecord")),
            train_path: data_dir.join("train").join(format!("sample-{name}-train.tfrecord")),
            test: None,
            train: None,
            test_labels: None,
            test_labels_path: tmp_root.join(TEST_LABELS_SCRATCH),
            n_test: 0,
            n_train: 0,
            min_label: i64::MAX,
            max_label: i64::MIN,
            format: None,
            frame_counts: None,
            dense_frame_lens: None,
            payload: Vec::new(),
            done: false,
        };
        // From here on Drop cleans up whatever exists.
        for sub in ["train", "test"] {
            let d = data_dir.join(sub);
            fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
        }
        writer.test = Some(TfRecordWriter::create(&writer.test_path)?);
        writer.train = Some(TfRecordWriter::create(&writer.train_path)?);
        let f = File::create(&writer.test_labels_path)
            .map_err(|e| Error::io(&writer.test_labels_path, e))?;
        writer.test_labels = Some(BufWriter::new(f));
        Ok(writer)
    }

    /// The temporary folder being written (removed on drop, renamed on finish).
    pub fn temp_dir(&self) -> &Path {
        &self.tmp_root
    }

    pub fn test_records(&self) -> u64 {
        self.n_test
    }

    pub fn train_records(&self) -> u64 {
        self.n_train
    }

    fn write_error(&self, path: &Path, message: impl Into<String>) -> Error {
        Error::Write { path: path.to_path_buf(), message: message.into() }
    }

    fn check_record(&mut self, path: &Path, frames: &Frames, index: &[i64], score: &[f32]) -> Result<()> {
        if index.len() != score.len() {
            return Err(self.write_error(
                path,
                format!("{} label indices but {} scores", index.len(), score.len()),
            ));
        }
        let mut seen = HashSet::with_capacity(index.len());
        for &i in index {
            if !seen.insert(i) {
                return Err(self.write_error(path, format!("label index {i} listed twice")));
            }
            self.min_label = self.min_label.min(i);
            self.max_label = self.max_label.max(i);
        }
        frames.check().map_err(|e| self.write_error(path, e.to_string()))?;
        match self.format {
            None => self.format = Some(frames.format()),
            Some(f) if f != frames.format() => {
                return Err(self.write_error(
                    path,
                    format!("record stored as {:?} after records stored as {f:?}", frames.format()),
                ))
            }
            Some(_) => {}
        }
        widen(&mut self.frame_counts, frames.num_frames());
        if let Frames::Dense { offsets, .. } = frames {
            for w in offsets.windows(2) {
                widen(&mut self.dense_frame_lens, w[1] - w[0]);
            }
        }
        Ok(())
    }

    /// Appends a test record; its labels go to the solution, the record gets empty label lists
    /// (spec §1.3). Returns the id given (`0, 1, …` in push order). Must precede every train record.
    pub fn push_test(&mut self, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> Result<i64> {
        let path = self.test_path.clone();
        if self.n_train > 0 {
            return Err(self.write_error(&path, "test records must all be written before train records (spec §1.4)"));
        }
        self.check_record(&path, frames, label_index, label_score)?;
        let id = self.n_test as i64;
        self.write(&path, Subset::Test, id, frames, &[], &[])?;
        self.record_test_labels(label_index, label_score)?;
        self.n_test += 1;
        Ok(id)
    }

    /// Streams one test record's labels to the solution scratch file.
    fn record_test_labels(&mut self, label_index: &[i64], label_score: &[f32]) -> Result<()> {
        let scratch = self.test_labels_path.clone();
        let labels = self.test_labels.as_mut().ok_or_else(|| Error::Write {
            path: scratch.clone(),
            message: "writer already finished".into(),
        })?;
        let mut buf = Vec::with_capacity(4 + 12 * label_index.len());
        buf.extend_from_slice(&(label_index.len() as u32).to_le_bytes());
        for (i, s) in label_index.iter().zip(label_score) {
            buf.extend_from_slice(&i.to_le_bytes());
            buf.extend_from_slice(&s.to_le_bytes());
        }
        labels.write_all(&buf).map_err(|e| Error::io(&scratch, e))
    }

    /// Appends `records` records that are already encoded and framed (TFRecord bytes, spec §2)
    /// to `subset` by copying them, without decoding: the parts of a scale-out conversion,
    /// whose ids must already be this dataset's next ids (spec §1.4). `test_labels` holds the
    /// labels of each test record, in order, for the solution (empty for train). Frames are
    /// not checked here; validate the finished dataset. Returns the bytes copied.
    pub fn append_framed(
        &mut self,
        subset: Subset,
        framed: &mut dyn Read,
        records: u64,
        test_labels: &[(Vec<i64>, Vec<f32>)],
    ) -> Result<u64> {
        let path = match subset {
            Subset::Test => self.test_path.clone(),
            Subset::Train => self.train_path.clone(),
            Subset::Unlabelled => return Err(self.write_error(&self.tmp_root, "no unlabelled subset in a dataset writer")),
        };
        if subset == Subset::Test {
            if self.n_train > 0 {
                return Err(self.write_error(&path, "test records must all be written before train records (spec §1.4)"));
            }
            if test_labels.len() as u64 != records {
                return Err(self.write_error(&path, format!("{records} test records but {} label rows", test_labels.len())));
            }
            for (index, score) in test_labels {
                if index.len() != score.len() {
                    return Err(self.write_error(&path, format!("{} label indices but {} scores", index.len(), score.len())));
                }
                for &i in index {
                    self.min_label = self.min_label.min(i);
                    self.max_label = self.max_label.max(i);
                }
                self.record_test_labels(index, score)?;
            }
        }
        let w = match subset {
            Subset::Test => self.test.as_mut(),
            _ => self.train.as_mut(),
        };
        let w = w.ok_or_else(|| Error::Write { path: path.clone(), message: "writer already finished".into() })?;
        let bytes = w.append_framed(framed, records).map_err(|e| Error::io(&path, e))?;
        match subset {
            Subset::Test => self.n_test += records,
            _ => self.n_train += records,
        }
        Ok(bytes)
    }

    /// Appends a train record with its labels. Returns the id given (`n_test, n_test+1, …`).
    pub fn push_train(&mut self, frames: &Frames, label_index: &[i64], label_score: &[f32]) -> Result<i64> {
        let path = self.train_path.clone();
        self.check_record(&path, frames, label_index, label_score)?;
        let id = (self.n_test + self.n_train) as i64;
        self.write(&path, Subset::Train, id, frames, label_index, label_score)?;
        self.n_train += 1;
        Ok(id)
    }

    fn write(
        &mut self,
        path: &Path,
        subset: Subset,
        id: i64,
        frames: &Frames,
        label_index: &[i64],
        label_score: &[f32],
    ) -> Result<()> {
        let mut payload = std::mem::take(&mut self.payload);
        let encoded = record_encoding::encode_into(&mut payload, id, label_index, label_score, frames);
        let written = match encoded {
            Err(e) => Err(self.write_error(path, e.to_string())),
            Ok(()) => match subset {
                Subset::Test => self.test.as_mut(),
                _ => self.train.as_mut(),
            }
            .ok_or_else(|| Error::Write { path: path.to_path_buf(), message: "writer already finished".into() })
            .and_then(|w| w.write_record(&payload).map_err(|e| Error::io(path, e))),
        };
        self.payload = payload;
        written
    }

    /// Writes a side file (e.g. `<name>_public.info`) into the dataset folder.
    pub fn write_side_file(&mut self, file_name: &str, contents: &[u8]) -> Result<()> {
        let reserved = [
            format!("{}.data", self.name),
            format!("{}.solution", self.name),
            TEST_LABELS_SCRATCH.to_string(),
        ];
        if !valid_name(file_name) || reserved.iter().any(|r| r == file_name) {
            return Err(self.write_error(&self.tmp_root, format!("invalid side file name {file_name:?}")));
        }
        let path = self.tmp_root.join(file_name);
        fs::write(&path, contents).map_err(|e| Error::io(&path, e))
    }

    /// Completes the dataset: flushes the record files, writes `train/` and `test/`
    /// `metadata.textproto` (identical but for `sample_count`, filled here), `<name>.solution`
    /// (one row per test record), `<name>_label.name` when names are given, then moves the
    /// folder into place (replacing an old one only with `force`).
    pub fn finish(self, spec: DataSpec, label_names: Option<&[String]>) -> Result<DatasetSummary> {
        self.finish_checked(spec, label_names, |_| Ok(()))
    }

    /// [`DatasetWriter::finish`], with `check` run on the complete temporary folder just before
    /// it is moved into place; an error from `check` removes the folder (nothing appears at
    /// the output path). `merge` fills and validates the record files there.
    pub fn finish_checked(
        mut self,
        spec: DataSpec,
        label_names: Option<&[String]>,
        check: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<DatasetSummary> {
        let output_dim = spec.output_dim;
        let data_dir = self.tmp_root.join(format!("{}.data", self.name));
        let meta_path = data_dir.join("train").join(METADATA_FILE);
        if output_dim < 1 {
            return Err(self.write_error(&meta_path, format!("output_dim must be ≥ 1, got {output_dim}")));
        }
        if self.n_test + self.n_train > 0 && (self.min_label < 0 || self.max_label >= i64::from(output_dim)) {
            let bad = if self.min_label < 0 { self.min_label } else { self.max_label };
            return Err(self.write_error(&meta_path, format!("label index {bad} outside [0, {output_dim})")));
        }
        if let (Some(f), Some(ms)) = (self.format, spec.matrix_spec.first()) {
            if ms.format != f {
                return Err(self.write_error(
                    &meta_path,
                    format!("records are {f:?} but matrix_spec says {:?}", ms.format),
                ));
            }
        }
        if spec.matrix_spec.len() != 1 {
            return Err(self.write_error(
                &meta_path,
                format!("exactly one matrix_spec is supported, got {}", spec.matrix_spec.len()),
            ));
        }
        self.check_dense_shape(&spec, &meta_path)?;

        let mut record_bytes = 0;
        for (w, path) in [(self.test.take(), &self.test_path), (self.train.take(), &self.train_path)] {
            if let Some(w) = w {
                record_bytes += w.bytes_written();
                let file = w.into_inner().map_err(|e| Error::io(path, e))?;
                file.into_inner().map_err(|e| Error::io(path, e.into_error()))?;
            }
        }
        if let Some(mut l) = self.test_labels.take() {
            l.flush().map_err(|e| Error::io(&self.test_labels_path, e))?;
        }

        for (subset, count) in [(Subset::Train, self.n_train), (Subset::Test, self.n_test)] {
            let mut s = spec.clone();
            s.sample_count = count as i64;
            s.write(&data_dir.join(subset.dir_name()).join(METADATA_FILE))?;
        }
        let solution_path = self.tmp_root.join(format!("{}.solution", self.name));
        self.write_solution(&solution_path, output_dim as usize)?;
        fs::remove_file(&self.test_labels_path).map_err(|e| Error::io(&self.test_labels_path, e))?;
        if let Some(names) = label_names {
            let path = self.tmp_root.join(format!("{}_label.name", self.name));
            // One line per class, distinct once escaped (issue 22).
            let text = crate::names::name_lines(names).map_err(|m| self.write_error(&path, m))?;
            fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        }
        check(&self.tmp_root)?;
        if self.options.fsync {
            sync_tree(&self.tmp_root)?;
        }
        self.move_into_place()?;
        if self.options.fsync {
            // The rename itself is durable only once the parent folder is synced.
            let parent = self.out_dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            sync_path(parent)?;
        }
        self.done = true;
        Ok(DatasetSummary {
            root: self.out_dir.clone(),
            name: self.name.clone(),
            train_records: self.n_train,
            test_records: self.n_test,
            record_bytes,
        })
    }

    /// Dense records must match the spec exactly (spec §3.3): `H·W·C` floats per frame, ≥ 1
    /// frame, and `sequence_size` frames when it is positive.
    fn check_dense_shape(&self, spec: &DataSpec, meta_path: &Path) -> Result<()> {
        let ms = &spec.matrix_spec[0];
        if ms.format != Format::Dense || self.format != Some(Format::Dense) {
            return Ok(());
        }
        if ms.row_count < 1 || ms.col_count < 1 {
            return Err(self.write_error(
                meta_path,
                format!("dense data need row_count and col_count ≥ 1, got {} × {}", ms.row_count, ms.col_count),
            ));
        }
        let hwc = ms.row_count as u64 * ms.col_count as u64 * ms.effective_channels().max(1) as u64;
        if let Some((lo, hi)) = self.dense_frame_lens {
            if lo as u64 != hwc || hi as u64 != hwc {
                return Err(self.write_error(
                    meta_path,
                    format!("dense frames hold {lo}..={hi} floats but H·W·C = {hwc}"),
                ));
            }
        }
        if let Some((lo, hi)) = self.frame_counts {
            if lo == 0 {
                return Err(self.write_error(meta_path, "a dense record has no frame"));
            }
            let t = spec.sequence_size;
            if t > 0 && (lo != t as usize || hi != t as usize) {
                return Err(self.write_error(
                    meta_path,
                    format!("records have {lo}..={hi} frames but sequence_size is {t}"),
                ));
            }
        }
        Ok(())
    }

    /// Streams the scratch labels into `<name>.solution` rows (spec §6).
    fn write_solution(&self, path: &Path, output_dim: usize) -> Result<()> {
        let scratch = &self.test_labels_path;
        let mut input = BufReader::new(File::open(scratch).map_err(|e| Error::io(scratch, e))?);
        let out = File::create(path).map_err(|e| Error::io(path, e))?;
        let mut out = BufWriter::new(out);
        let mut row = vec![0.0f32; output_dim];
        let mut line = String::new();
        for _ in 0..self.n_test {
            let mut n = [0u8; 4];
            input.read_exact(&mut n).map_err(|e| Error::io(scratch, e))?;
            row.iter_mut().for_each(|v| *v = 0.0);
            for _ in 0..u32::from_le_bytes(n) {
                let mut pair = [0u8; 12];
                input.read_exact(&mut pair).map_err(|e| Error::io(scratch, e))?;
                let i = i64::from_le_bytes(pair[..8].try_into().expect("8 bytes"));
                let s = f32::from_le_bytes(pair[8..].try_into().expect("4 bytes"));
                // Range was checked in `finish` before this runs.
                row[i as usize] = match self.options.solution_style {
                    SolutionStyle::Generic => 1.0, // spec §5.7: scores are dropped
                    SolutionStyle::Tabular => s,
                };
            }
            line.clear();
            for (k, v) in row.iter().enumerate() {
                if k > 0 {
                    line.push(' ');
                }
                let v = *v as f64;
                match self.options.solution_style {
                    SolutionStyle::Generic => line.push_str(&format!("{v:.0}")),
                    SolutionStyle::Tabular => line.push_str(&format!("{v:.1}")),
                }
            }
            line.push('\n');
            out.write_all(line.as_bytes()).map_err(|e| Error::io(path, e))?;
        }
        out.into_inner().map_err(|e| Error::io(path, e.into_error()))?;
        Ok(())
    }

    fn move_into_place(&self) -> Result<()> {
        let out = &self.out_dir;
        if out.exists() || fs::symlink_metadata(out).is_ok() {
            if !self.options.force {
                return Err(self.write_error(out, "output folder already exists (use --force to replace it)"));
            }
            // The old output goes into a fresh temporary folder (named like the writer's, so a
            // killed process leaves something the next run's stale sweep removes), which is
            // dropped as a whole: file or folder, nothing of it stays behind.
            let parent = self.tmp_root.parent().unwrap_or(Path::new("."));
            let prefix = format!("{}-old-", self.tmp_root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
            let holder = tempfile::Builder::new().prefix(&prefix).tempdir_in(parent).map_err(|e| Error::io(parent, e))?;
            let old = holder.path().join("old");
            fs::rename(out, &old).map_err(|e| Error::io(out, e))?;
            if let Err(e) = fs::rename(&self.tmp_root, out) {
                // Put the old output back so a failed replace leaves things as they were.
                let _ = fs::rename(&old, out);
                return Err(Error::io(out, e));
            }
            holder.close().map_err(|e| Error::io(&old, e))?;
        } else {
            fs::rename(&self.tmp_root, out).map_err(|e| Error::io(out, e))?;
        }
        Ok(())
    }
}

/// `fsync` of one file or folder (a folder is opened read-only, which Linux allows to sync).
fn sync_path(path: &Path) -> Result<()> {
    File::open(path).and_then(|f| f.sync_all()).map_err(|e| Error::io(path, e))
}

/// Syncs every file under `root`, then the folders bottom-up, so their entries are durable too.
fn sync_tree(root: &Path) -> Result<()> {
    for entry in fs::read_dir(root).map_err(|e| Error::io(root, e))? {
        let path = entry.map_err(|e| Error::io(root, e))?.path();
        if path.is_dir() {
            sync_tree(&path)?;
        } else {
            sync_path(&path)?;
        }
    }
    sync_path(root)
}

impl Drop for DatasetWriter {
    fn drop(&mut self) {
        if !self.done {
            // Close files first, then remove the half-written folder; errors cannot be reported here.
            self.test = None;
            self.train = None;
            self.test_labels = None;
            let _ = fs::remove_dir_all(&self.tmp_root);
        }
    }
}
