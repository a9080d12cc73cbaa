//! The streaming reader: records of a subset, decoded one at a time, and their tensors.

use std::fs::{self, File};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::example::{self, AutoDlExample, Frames};
use crate::metadata::{DataSpec, MatrixSpec};
use crate::tfrecord::TfRecordReader;

use super::layout::{DatasetLayout, Subset};

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
