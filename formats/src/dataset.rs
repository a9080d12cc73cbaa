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

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::example::{self, AutoDlExample, Frames};
use crate::metadata::{DataSpec, Format, MatrixSpec};
use crate::solution::SolutionStyle;
use crate::tfrecord::{TfRecordReader, TfRecordWriter};

/// File name of the metadata in each subset folder.
pub const METADATA_FILE: &str = "metadata.textproto";

/// Which part of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subset {
    Train,
    Test,
    /// `<out>/unlabelled/` written by `format_unseen` (spec §1.3): test-shaped, no solution.
    Unlabelled,
}

impl Subset {
    /// The folder name (`train`, `test`, `unlabelled`).
    pub fn dir_name(self) -> &'static str {
        match self {
            Subset::Train => "train",
            Subset::Test => "test",
            Subset::Unlabelled => "unlabelled",
        }
    }

    /// Whether record labels of this subset may be used (only train; spec §1.3).
    pub fn labels_trusted(self) -> bool {
        self == Subset::Train
    }
}

impl std::fmt::Display for Subset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.dir_name())
    }
}

/// One subset folder: its metadata file and its record files in read order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsetLayout {
    pub subset: Subset,
    pub dir: PathBuf,
    pub metadata: PathBuf,
    /// Files whose name starts with `sample`, sorted by name (spec §1.2).
    pub record_files: Vec<PathBuf>,
}

/// Where everything of a dataset lives (spec §1.1), found by [`DatasetLayout::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetLayout {
    /// The dataset folder given by the user.
    pub root: PathBuf,
    /// Dataset name: the `*.data` entry without `.data`; for an unlabelled layout, the root's
    /// folder name.
    pub name: String,
    /// `<root>/<name>.data`, or `<root>/unlabelled` for an unlabelled layout.
    pub data_dir: PathBuf,
    /// `train` then `test`, or only `unlabelled`.
    pub subsets: Vec<SubsetLayout>,
    /// `<root>/<name>.solution`, when present.
    pub solution: Option<PathBuf>,
    /// `<root>/<name>_label.name`, when present.
    pub label_names: Option<PathBuf>,
}

fn read_dir_names(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        // Non-UTF-8 names cannot match any rule of spec §1; they are skipped.
        if let Some(name) = entry.file_name().to_str() {
            out.push((name.to_string(), entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// The record files of a subset folder: regular files whose name starts with `sample`, in
/// sorted name order (spec §1.1, §1.2). May be empty.
pub fn list_record_files(subset_dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(read_dir_names(subset_dir)?
        .into_iter()
        .filter(|(name, path)| name.starts_with("sample") && path.is_file())
        .map(|(_, path)| path)
        .collect())
}

fn open_subset(dir: PathBuf, subset: Subset) -> Result<SubsetLayout> {
    if !dir.is_dir() {
        return Err(Error::layout(&dir, format!("missing `{}` folder", subset.dir_name())));
    }
    let metadata = dir.join(METADATA_FILE);
    if !metadata.is_file() {
        return Err(Error::layout(&metadata, "missing metadata.textproto"));
    }
    let record_files = list_record_files(&dir)?;
    if record_files.is_empty() {
        return Err(Error::layout(&dir, "no record file (name starting with `sample`)"));
    }
    Ok(SubsetLayout { subset, dir, metadata, record_files })
}

impl DatasetLayout {
    /// Discovers the layout of a dataset folder (spec §1.1, Appendix B item 1): exactly one
    /// `*.data` entry with `train/` and `test/`, each with `metadata.textproto` and ≥1 `sample*`
    /// file; at most one `*.solution`, named after the dataset. A folder with no `*.data` but an
    /// `unlabelled/` subfolder opens as an unlabelled layout (spec §1.3).
    pub fn open(root: impl AsRef<Path>) -> Result<DatasetLayout> {
        let root = root.as_ref().to_path_buf();
        if !root.is_dir() {
            return Err(Error::layout(&root, "not a folder"));
        }
        let entries = read_dir_names(&root)?;
        let data: Vec<&(String, PathBuf)> =
            entries.iter().filter(|(n, _)| n.ends_with(".data")).collect();
        if data.is_empty() {
            let unlabelled = root.join(Subset::Unlabelled.dir_name());
            if unlabelled.is_dir() {
                let subset = open_subset(unlabelled.clone(), Subset::Unlabelled)?;
                let name = root
                    .canonicalize()
                    .ok()
                    .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .unwrap_or_default();
                return Ok(DatasetLayout {
                    root,
                    name,
                    data_dir: unlabelled,
                    subsets: vec![subset],
                    solution: None,
                    label_names: None,
                });
            }
            return Err(Error::layout(&root, "no `*.data` folder"));
        }
        if data.len() > 1 {
            let names: Vec<&str> = data.iter().map(|(n, _)| n.as_str()).collect();
            return Err(Error::layout(
                &root,
                format!("several `*.data` entries, exactly one expected: {}", names.join(", ")),
            ));
        }
        let (data_name, data_dir) = data[0].clone();
        let name = data_name.trim_end_matches(".data").to_string();
        if !data_dir.is_dir() {
            return Err(Error::layout(&data_dir, "`*.data` entry is not a folder"));
        }
        let train = open_subset(data_dir.join("train"), Subset::Train)?;
        let test = open_subset(data_dir.join("test"), Subset::Test)?;

        let solutions: Vec<&(String, PathBuf)> =
            entries.iter().filter(|(n, p)| n.ends_with(".solution") && p.is_file()).collect();
        let solution = match solutions.as_slice() {
            [] => None,
            [(n, p)] => {
                let stem = n.trim_end_matches(".solution");
                if stem != name {
                    return Err(Error::layout(
                        p,
                        format!("solution file is named `{n}` but the dataset is `{name}`"),
                    ));
                }
                Some(p.clone())
            }
            many => {
                let names: Vec<&str> = many.iter().map(|(n, _)| n.as_str()).collect();
                return Err(Error::layout(
                    &root,
                    format!("several `*.solution` files, at most one expected: {}", names.join(", ")),
                ));
            }
        };
        let label_names = Some(root.join(format!("{name}_label.name"))).filter(|p| p.is_file());
        Ok(DatasetLayout {
            root,
            name,
            data_dir,
            subsets: vec![train, test],
            solution,
            label_names,
        })
    }

    /// True for the `unlabelled/` layout of spec §1.3.
    pub fn is_unlabelled(&self) -> bool {
        self.subsets.iter().any(|s| s.subset == Subset::Unlabelled)
    }

    pub fn subset(&self, subset: Subset) -> Option<&SubsetLayout> {
        self.subsets.iter().find(|s| s.subset == subset)
    }
}

/// One record of a subset as read: where it is and what it holds.
///
/// Labels of test and unlabelled records are never trusted (spec §1.3): [`ExampleRecord::labels`]
/// is empty for them; the stored lists are reachable only through [`ExampleRecord::raw`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleRecord {
    pub subset: Subset,
    pub file: Arc<Path>,
    /// 0-based record index within `file`.
    pub index: u64,
    /// Byte offset of the record header within `file`.
    pub offset: u64,
    example: AutoDlExample,
}

/// One frame as an `f32` HWC array.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameTensor {
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    pub data: Vec<f32>,
}

/// A whole example `(T, H, W, C)`, row-major, channel fastest.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleTensor {
    pub frames: usize,
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    pub data: Vec<f32>,
}

impl ExampleTensor {
    pub fn shape(&self) -> [usize; 4] {
        [self.frames, self.height, self.width, self.channels]
    }
}

impl ExampleRecord {
    fn example_error(&self, message: impl Into<String>) -> Error {
        Error::Example {
            path: self.file.to_path_buf(),
            record: self.index,
            offset: self.offset,
            message: message.into(),
        }
    }

    /// The `id` context value, if the record has one (legacy files may not, spec §1.4).
    pub fn id(&self) -> Option<i64> {
        self.example.id
    }

    pub fn frames(&self) -> &Frames {
        &self.example.frames
    }

    pub fn into_frames(self) -> Frames {
        self.example.frames
    }

    /// `(index, score)` pairs of a train record; always empty for test/unlabelled (spec §1.3).
    pub fn labels(&self) -> Vec<(i64, f32)> {
        if self.subset.labels_trusted() {
            self.example.labels().collect()
        } else {
            Vec::new()
        }
    }

    /// The label vector of spec §3.2 (`output_dim` zeros with scores scattered in); all zeros
    /// for test/unlabelled records. Errors on an index out of range or listed twice.
    pub fn label_vector(&self, output_dim: usize) -> Result<Vec<f32>> {
        if !self.subset.labels_trusted() {
            return Ok(vec![0.0; output_dim]);
        }
        self.example.label_vector(output_dim).map_err(|e| self.example_error(e.to_string()))
    }

    /// A test/unlabelled record that still carries labels (legacy, leaks the answer; §1.3).
    pub fn has_legacy_test_labels(&self) -> bool {
        !self.subset.labels_trusted() && self.example.has_labels()
    }

    /// The record exactly as decoded, labels included whatever the subset (for the validator).
    pub fn raw(&self) -> &AutoDlExample {
        &self.example
    }

    pub fn into_raw(self) -> AutoDlExample {
        self.example
    }

    /// Frame `t` as `f32` HWC. Dense: `H·W·C` floats from the spec; compressed: decoded to
    /// `num_channels` (−1 ⇒ 3) in `[0, 1]`; sparse: densified into `H×W×C` zeros (spec §3.3).
    pub fn frame_tensor(&self, t: usize, spec: &MatrixSpec) -> Result<FrameTensor> {
        let channels = spec.effective_channels().max(1) as usize;
        let known_size = || -> Result<(usize, usize)> {
            if spec.row_count < 1 || spec.col_count < 1 {
                return Err(self.example_error(format!(
                    "row_count {} / col_count {} must be ≥ 1 to build this tensor",
                    spec.row_count, spec.col_count
                )));
            }
            Ok((spec.row_count as usize, spec.col_count as usize))
        };
        let missing = || self.example_error(format!("no frame {t}"));
        match &self.example.frames {
            Frames::Dense { .. } => {
                let values = self.example.frames.dense_frame(t).ok_or_else(missing)?;
                let (h, w) = known_size()?;
                if values.len() as u64 != (h as u64) * (w as u64) * (channels as u64) {
                    return Err(self.example_error(format!(
                        "dense frame {t} has {} values, expected H·W·C = {h}·{w}·{channels}",
                        values.len()
                    )));
                }
                Ok(FrameTensor { height: h, width: w, channels, data: values.to_vec() })
            }
            Frames::Compressed(_) => {
                let bytes = self.example.frames.compressed_frame(t).ok_or_else(missing)?;
                let img = example::decode_image(bytes, channels).map_err(|e| Error::Decode {
                    path: self.file.to_path_buf(),
                    record: self.index,
                    frame: t,
                    message: e.to_string(),
                })?;
                Ok(FrameTensor {
                    height: img.height,
                    width: img.width,
                    channels: img.channels,
                    data: img.data,
                })
            }
            Frames::Sparse(frames) => {
                let frame = frames.get(t).ok_or_else(missing)?;
                let (h, w) = known_size()?;
                let len = (h as u64) * (w as u64) * (channels as u64);
                if len > crate::example::MAX_IMAGE_PIXELS * 4 {
                    return Err(self.example_error(format!("sparse frame of {len} values is too large")));
                }
                let mut data = vec![0.0f32; len as usize];
                for k in 0..frame.value.len() {
                    let (r, c) = (frame.row[k], frame.col[k]);
                    let ch = frame.channel.as_ref().map_or(0, |v| v[k]);
                    let inside = (0..h as i64).contains(&r)
                        && (0..w as i64).contains(&c)
                        && (0..channels as i64).contains(&ch);
                    if !inside {
                        return Err(self.example_error(format!(
                            "sparse entry {k} of frame {t} at ({r}, {c}, {ch}) is outside {h}×{w}×{channels}"
                        )));
                    }
                    data[((r as usize) * w + c as usize) * channels + ch as usize] = frame.value[k];
                }
                Ok(FrameTensor { height: h, width: w, channels, data })
            }
        }
    }

    /// All frames stacked as `(T, H, W, C)`; every frame must have the same size (spec §3.3).
    pub fn tensor(&self, spec: &MatrixSpec) -> Result<ExampleTensor> {
        let n = self.example.frames.num_frames();
        let mut out = ExampleTensor { frames: n, height: 0, width: 0, channels: 0, data: Vec::new() };
        for t in 0..n {
            let f = self.frame_tensor(t, spec)?;
            if t == 0 {
                out.height = f.height;
                out.width = f.width;
                out.channels = f.channels;
                out.data.reserve(n * f.data.len());
            } else if (f.height, f.width, f.channels) != (out.height, out.width, out.channels) {
                return Err(self.example_error(format!(
                    "frame {t} is {}×{}×{}, frame 0 is {}×{}×{}",
                    f.height, f.width, f.channels, out.height, out.width, out.channels
                )));
            }
            out.data.extend_from_slice(&f.data);
        }
        Ok(out)
    }
}

/// Streaming iterator over the records of one subset, file by file in sorted order.
/// A record whose payload does not decode yields an [`Error::Example`] and iteration goes on
/// with the next record; a framing or I/O error ends the iteration (the rest of that file is
/// unreadable, spec §2).
pub struct SubsetExamples {
    subset: Subset,
    files: std::vec::IntoIter<PathBuf>,
    current: Option<(Arc<Path>, TfRecordReader<BufReader<File>>)>,
    failed: bool,
}

impl SubsetExamples {
    /// Records of the given files, in the given order.
    pub fn new(subset: Subset, files: Vec<PathBuf>) -> SubsetExamples {
        SubsetExamples { subset, files: files.into_iter(), current: None, failed: false }
    }

    fn next_inner(&mut self) -> Result<Option<ExampleRecord>> {
        loop {
            if self.current.is_none() {
                match self.files.next() {
                    None => return Ok(None),
                    Some(path) => {
                        let reader = TfRecordReader::open(&path)?;
                        self.current = Some((Arc::from(path.as_path()), reader));
                    }
                }
            }
            let (file, reader) = self.current.as_mut().expect("set above");
            match reader.next_record()? {
                None => self.current = None,
                Some(rec) => {
                    let example = example::decode(rec.payload).map_err(|e| Error::Example {
                        path: file.to_path_buf(),
                        record: rec.index,
                        offset: rec.offset,
                        message: e.to_string(),
                    })?;
                    return Ok(Some(ExampleRecord {
                        subset: self.subset,
                        file: file.clone(),
                        index: rec.index,
                        offset: rec.offset,
                        example,
                    }));
                }
            }
        }
    }
}

impl Iterator for SubsetExamples {
    type Item = Result<ExampleRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.next_inner() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => None,
            Err(e) => {
                self.failed = !matches!(e, Error::Example { .. });
                Some(Err(e))
            }
        }
    }
}

/// A dataset opened for reading: its layout and parsed metadata; records are streamed on demand.
#[derive(Debug, Clone)]
pub struct DatasetReader {
    layout: DatasetLayout,
    specs: Vec<(Subset, DataSpec)>,
}

impl DatasetReader {
    /// Discovers the layout and parses every subset's metadata.
    pub fn open(root: impl AsRef<Path>) -> Result<DatasetReader> {
        let layout = DatasetLayout::open(root)?;
        let specs = layout
            .subsets
            .iter()
            .map(|s| Ok((s.subset, DataSpec::read(&s.metadata)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(DatasetReader { layout, specs })
    }

    pub fn layout(&self) -> &DatasetLayout {
        &self.layout
    }

    pub fn name(&self) -> &str {
        &self.layout.name
    }

    /// The subsets present, in layout order (`train`, `test`, or `unlabelled`).
    pub fn subsets(&self) -> Vec<Subset> {
        self.specs.iter().map(|(s, _)| *s).collect()
    }

    pub fn spec(&self, subset: Subset) -> Option<&DataSpec> {
        self.specs.iter().find(|(s, _)| *s == subset).map(|(_, spec)| spec)
    }

    /// Streams the records of `subset` (sorted files, one after the other).
    pub fn examples(&self, subset: Subset) -> Result<SubsetExamples> {
        let layout = self.layout.subset(subset).ok_or_else(|| {
            Error::layout(&self.layout.root, format!("this dataset has no `{subset}` subset"))
        })?;
        Ok(SubsetExamples::new(subset, layout.record_files.clone()))
    }

    /// Test labels from `<name>.solution` (spec §6), when the file exists.
    pub fn solution(&self) -> Result<Option<crate::solution::Solution>> {
        self.layout.solution.as_deref().map(crate::solution::Solution::read).transpose()
    }

    /// Class names from `<name>_label.name` (line *i* = class *i*), when the file exists.
    pub fn label_names(&self) -> Result<Option<Vec<String>>> {
        let Some(path) = &self.layout.label_names else { return Ok(None) };
        let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Ok(Some(text.lines().map(|l| l.trim_end_matches('\r').to_string()).collect()))
    }
}

// ---------------------------------------------------------------------------------------------
// Writer

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

/// The writer's record serialisation: the canonical layout of `example::try_encode` (spec
/// §3.1), produced from borrowed frames into a reused buffer instead of first copying every
/// frame into an owned protobuf message (two copies of each image per record otherwise).
mod record_encoding {
    use prost::encoding::{encode_varint, encoded_len_varint};

    use crate::example::{self, AutoDlExample, ExampleError, Frames};

    // Field numbers are all below 16, so every tag is one byte: (field << 3) | wire type 2.
    const LEN_1: u8 = 0x0a;
    const LEN_2: u8 = 0x12;
    const LEN_3: u8 = 0x1a;

    /// Bytes of a length-delimited field holding `n` bytes.
    fn field_len(n: usize) -> usize {
        1 + encoded_len_varint(n as u64) + n
    }

    fn put_header(out: &mut Vec<u8>, tag: u8, n: usize) {
        out.push(tag);
        encode_varint(n as u64, out);
    }

    /// `Int64List` body: packed varints, nothing when empty.
    fn int64_list_len(v: &[i64]) -> usize {
        let packed: usize = v.iter().map(|&x| encoded_len_varint(x as u64)).sum();
        if v.is_empty() { 0 } else { field_len(packed) }
    }

    fn put_int64_list(out: &mut Vec<u8>, v: &[i64]) {
        if v.is_empty() {
            return;
        }
        put_header(out, LEN_1, v.iter().map(|&x| encoded_len_varint(x as u64)).sum());
        for &x in v {
            encode_varint(x as u64, out);
        }
    }

    /// `FloatList` body: packed little-endian fixed32, nothing when empty.
    fn float_list_len(v: &[f32]) -> usize {
        if v.is_empty() { 0 } else { field_len(4 * v.len()) }
    }

    fn put_float_list(out: &mut Vec<u8>, v: &[f32]) {
        if v.is_empty() {
            return;
        }
        put_header(out, LEN_1, 4 * v.len());
        for x in v {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }

    /// A `Feature` whose oneof holds a list (tag 1 bytes, 2 float, 3 int64) of `body` bytes.
    fn feature_len(body: usize) -> usize {
        field_len(body)
    }

    /// One map entry: key (field 1) and a message value (field 2) of `value` bytes; prost
    /// leaves the value out when it is the default (an empty `FeatureList`).
    fn entry_len(key: &str, value: Option<usize>) -> usize {
        field_len(key.len()) + value.map_or(0, field_len)
    }

    fn put_entry_head(out: &mut Vec<u8>, key: &str, value: Option<usize>) {
        put_header(out, LEN_1, entry_len(key, value));
        put_header(out, LEN_1, key.len());
        out.extend_from_slice(key.as_bytes());
        if let Some(v) = value {
            put_header(out, LEN_2, v);
        }
    }

    /// Encodes one record into `out` (cleared first). Sparse frames, rare and small, go
    /// through the generic encoder.
    pub(super) fn encode_into(
        out: &mut Vec<u8>,
        id: i64,
        label_index: &[i64],
        label_score: &[f32],
        frames: &Frames,
    ) -> Result<(), ExampleError> {
        out.clear();
        frames.check()?;
        let (key, frame_feature_lens): (&str, Vec<usize>) = match frames {
            Frames::Compressed(list) => {
                (example::KEY_COMPRESSED, list.iter().map(|b| feature_len(field_len(b.len()))).collect())
            }
            Frames::Dense { values, offsets } => (
                example::KEY_DENSE,
                offsets.windows(2).map(|w| feature_len(float_list_len(&values[w[0]..w[1]]))).collect(),
            ),
            Frames::Sparse(_) => {
                let ex = AutoDlExample {
                    id: Some(id),
                    label_index: label_index.to_vec(),
                    label_score: label_score.to_vec(),
                    frames: frames.clone(),
                };
                *out = example::try_encode(&ex)?;
                return Ok(());
            }
        };
        // Context: `id`, `label_index`, `label_score` (map key order, spec §3.1).
        let id_feature = feature_len(int64_list_len(&[id]));
        let index_feature = feature_len(int64_list_len(label_index));
        let score_feature = feature_len(float_list_len(label_score));
        let context = field_len(entry_len(example::KEY_ID, Some(id_feature)))
            + field_len(entry_len(example::KEY_LABEL_INDEX, Some(index_feature)))
            + field_len(entry_len(example::KEY_LABEL_SCORE, Some(score_feature)));
        let feature_list: usize = frame_feature_lens.iter().map(|&f| field_len(f)).sum();
        let list_value = (feature_list > 0).then_some(feature_list);
        let lists = field_len(entry_len(key, list_value));
        out.reserve(field_len(context) + field_len(lists));

        put_header(out, LEN_1, context);
        put_entry_head(out, example::KEY_ID, Some(id_feature));
        put_header(out, LEN_3, int64_list_len(&[id]));
        put_int64_list(out, &[id]);
        put_entry_head(out, example::KEY_LABEL_INDEX, Some(index_feature));
        put_header(out, LEN_3, int64_list_len(label_index));
        put_int64_list(out, label_index);
        put_entry_head(out, example::KEY_LABEL_SCORE, Some(score_feature));
        put_header(out, LEN_2, float_list_len(label_score));
        put_float_list(out, label_score);

        put_header(out, LEN_2, lists);
        put_entry_head(out, key, list_value);
        match frames {
            Frames::Compressed(list) => {
                for (bytes, &f) in list.iter().zip(&frame_feature_lens) {
                    put_header(out, LEN_1, f);
                    put_header(out, LEN_1, field_len(bytes.len()));
                    put_header(out, LEN_1, bytes.len());
                    out.extend_from_slice(bytes);
                }
            }
            Frames::Dense { values, offsets } => {
                for (w, &f) in offsets.windows(2).zip(&frame_feature_lens) {
                    let frame = &values[w[0]..w[1]];
                    put_header(out, LEN_1, f);
                    put_header(out, LEN_2, float_list_len(frame));
                    put_float_list(out, frame);
                }
            }
            Frames::Sparse(_) => unreachable!("handled above"),
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::example::SparseFrame;

        fn same_as_generic(id: i64, index: &[i64], score: &[f32], frames: Frames) {
            let ex = AutoDlExample {
                id: Some(id),
                label_index: index.to_vec(),
                label_score: score.to_vec(),
                frames: frames.clone(),
            };
            let mut out = vec![0xff; 3];
            encode_into(&mut out, id, index, score, &frames).unwrap();
            assert_eq!(out, example::try_encode(&ex).unwrap(), "{frames:?}");
        }

        #[test]
        fn byte_identical_to_the_generic_encoder() {
            let big = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect::<Vec<u8>>();
            same_as_generic(0, &[], &[], Frames::Compressed(vec![b"\xff\xd8abc".to_vec()]));
            same_as_generic(12_345_678_901, &[3, 0, 7], &[1.0, 0.5, 0.25], Frames::Compressed(vec![big.clone(), vec![], big]));
            same_as_generic(-1, &[-5], &[f32::NAN], Frames::Compressed(vec![]));
            same_as_generic(7, &[1], &[1.0], Frames::dense_uniform((0..3072).map(|i| i as f32 / 7.0).collect(), 1024).unwrap());
            same_as_generic(8, &[], &[], Frames::Dense { values: vec![1.0, -0.0, f32::INFINITY], offsets: vec![0, 1, 1, 3] });
            same_as_generic(9, &[0], &[1.0], Frames::Dense { values: vec![], offsets: vec![0] });
            let sparse = SparseFrame { row: vec![0, 0], col: vec![1, 4], channel: None, value: vec![0.5, 2.0] };
            same_as_generic(10, &[2], &[1.0], Frames::Sparse(vec![sparse]));
        }

        #[test]
        fn invalid_frames_are_an_error_not_a_panic() {
            let bad = Frames::Dense { values: vec![1.0, 2.0], offsets: vec![0, 5] };
            let mut out = Vec::new();
            assert!(encode_into(&mut out, 0, &[], &[], &bad).is_err());
        }
    }
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
