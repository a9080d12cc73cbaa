//! Reading a dataset into NumPy: [`Reader`] holds the layout and metadata, [`RecordStream`]
//! hands out records in batches. A batch is read sequentially (one file cursor) and then decoded
//! in parallel with rayon, all without the GIL.

use std::path::PathBuf;
use std::sync::Mutex;

use formats::dataset::{DatasetReader, ExampleRecord, Subset, SubsetExamples};
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use formats::solution::Solution;
use formats::tfrecord::TfRecordReader;
use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use rayon::prelude::*;

use crate::errors::format_error;

fn parse_subset(name: &str) -> PyResult<Subset> {
    match name {
        "train" => Ok(Subset::Train),
        "test" => Ok(Subset::Test),
        "unlabelled" => Ok(Subset::Unlabelled),
        _ => Err(PyValueError::new_err(format!("subset {name:?}: use 'train', 'test' or 'unlabelled'"))),
    }
}

/// A dataset folder opened for reading.
#[pyclass(module = "autodl_format._native", frozen)]
pub struct Reader {
    inner: DatasetReader,
}

#[pymethods]
impl Reader {
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        if !path.is_dir() {
            let why = if path.exists() { "is not a folder" } else { "does not exist" };
            return Err(crate::errors::not_a_dataset(py, &path, why));
        }
        let inner = py.detach(|| DatasetReader::open(&path)).map_err(|e| format_error(py, &e))?;
        Ok(Reader { inner })
    }

    #[getter]
    fn name(&self) -> String {
        self.inner.name().to_string()
    }

    /// Subset names present, in layout order.
    fn subsets(&self) -> Vec<&'static str> {
        self.inner.subsets().into_iter().map(Subset::dir_name).collect()
    }

    /// The subset's `metadata.textproto` as a dict (field names of the proto).
    fn metadata<'py>(&self, py: Python<'py>, subset: &str) -> PyResult<Bound<'py, PyDict>> {
        let s = parse_subset(subset)?;
        let spec = self.inner.spec(s).ok_or_else(|| PyKeyError::new_err(format!("this dataset has no {subset} subset")))?;
        spec_dict(py, spec)
    }

    /// Class names from `<name>_label.name`, or None.
    fn label_names(&self, py: Python<'_>) -> PyResult<Option<Vec<String>>> {
        self.inner.label_names().map_err(|e| format_error(py, &e))
    }

    /// Number of records of a subset (framing is read and checked, payloads are not decoded).
    fn count(&self, py: Python<'_>, subset: &str) -> PyResult<u64> {
        let s = parse_subset(subset)?;
        let files = self.files(s)?;
        py.detach(|| {
            let mut n = 0;
            for f in &files {
                let mut r = TfRecordReader::open(f)?;
                while r.next_record()?.is_some() {
                    n += 1;
                }
            }
            Ok(n)
        })
        .map_err(|e: formats::Error| format_error(py, &e))
    }

    /// A stream of `(example, labels)` batches over `subset`.
    #[pyo3(signature = (subset, batch_size = 256))]
    fn stream(&self, py: Python<'_>, subset: &str, batch_size: usize) -> PyResult<RecordStream> {
        let s = parse_subset(subset)?;
        let spec = self.inner.spec(s).ok_or_else(|| PyKeyError::new_err(format!("this dataset has no {subset} subset")))?;
        let matrix = spec
            .matrix_spec
            .first()
            .cloned()
            .ok_or_else(|| PyValueError::new_err(format!("{subset} metadata has no matrix_spec")))?;
        // Test labels come from the solution (row i = test record i); record labels are not trusted.
        let solution = match s {
            Subset::Train => None,
            _ => py.detach(|| self.inner.solution()).map_err(|e| format_error(py, &e))?,
        };
        Ok(RecordStream {
            state: Mutex::new(StreamState { examples: SubsetExamples::new(s, self.files(s)?), pending: None, next_index: 0 }),
            matrix,
            output_dim: spec.output_dim.max(0) as usize,
            solution,
            batch_size: batch_size.max(1),
        })
    }
}

impl Reader {
    fn files(&self, s: Subset) -> PyResult<Vec<PathBuf>> {
        self.inner
            .layout()
            .subset(s)
            .map(|l| l.record_files.clone())
            .ok_or_else(|| PyKeyError::new_err(format!("this dataset has no {} subset", s.dir_name())))
    }
}

fn spec_dict<'py>(py: Python<'py>, spec: &DataSpec) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("is_sequence", spec.is_sequence)?;
    d.set_item("sample_count", spec.sample_count)?;
    d.set_item("sequence_size", spec.sequence_size)?;
    d.set_item("output_dim", spec.output_dim)?;
    let matrices = PyList::empty(py);
    for m in &spec.matrix_spec {
        let md = PyDict::new(py);
        md.set_item("col_count", m.col_count)?;
        md.set_item("row_count", m.row_count)?;
        md.set_item("num_channels", m.num_channels)?;
        md.set_item("effective_channels", m.effective_channels())?;
        md.set_item("is_sequence_col", m.is_sequence_col)?;
        md.set_item("is_sequence_row", m.is_sequence_row)?;
        md.set_item("has_locality_col", m.has_locality_col)?;
        md.set_item("has_locality_row", m.has_locality_row)?;
        md.set_item("format", format_name(m.format))?;
        matrices.append(md)?;
    }
    d.set_item("matrix_spec", matrices)?;
    for (key, map) in [
        ("label_to_index_map", &spec.label_to_index_map),
        ("feature_to_index_map", &spec.feature_to_index_map),
        ("channel_to_index_map", &spec.channel_to_index_map),
    ] {
        let m = PyDict::new(py);
        for (k, v) in map {
            m.set_item(k, v)?;
        }
        d.set_item(key, m)?;
    }
    Ok(d)
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Dense => "DENSE",
        Format::Compressed => "COMPRESSED",
        Format::Sparse => "SPARSE",
    }
}

struct StreamState {
    examples: SubsetExamples,
    /// An error met while filling the last batch: raised after that batch was handed out.
    pending: Option<formats::Error>,
    /// Index of the next record in the subset (row of the solution for test records).
    next_index: usize,
}

/// One decoded example: `(T, H, W, C)` data (uint8 for compressed frames) and its labels.
enum Pixels {
    U8(Vec<u8>),
    F32(Vec<f32>),
}

struct Decoded {
    shape: [usize; 4],
    pixels: Pixels,
    labels: Vec<f32>,
}

fn decode(record: &ExampleRecord, matrix: &MatrixSpec, labels: Vec<f32>) -> formats::Result<Decoded> {
    let Frames::Compressed(frames) = record.frames() else {
        let t = record.tensor(matrix)?;
        return Ok(Decoded { shape: t.shape(), pixels: Pixels::F32(t.data), labels });
    };
    let channels = matrix.effective_channels().max(1) as usize;
    let mut shape = [frames.len(), 0, 0, channels];
    let mut data = Vec::new();
    for (t, bytes) in frames.iter().enumerate() {
        let (h, w, pixels) = match crate::jpeg::decode(bytes, channels) {
            Some(d) => d,
            None => {
                // PNG and friends (lossless, so the Rust decoder agrees with TensorFlow); its
                // floats are u8/255 exactly, so ×255 rounded gives the bytes back.
                let f = record.frame_tensor(t, matrix)?;
                (f.height, f.width, f.data.iter().map(|v| (v * 255.0).round() as u8).collect())
            }
        };
        if t == 0 {
            (shape[1], shape[2]) = (h, w);
            data.reserve(frames.len() * pixels.len());
        } else if (h, w) != (shape[1], shape[2]) {
            return Err(formats::Error::Example {
                path: record.file.to_path_buf(),
                record: record.index,
                offset: record.offset,
                message: format!("frame {t} is {h}×{w}, frame 0 is {}×{}", shape[1], shape[2]),
            });
        }
        data.extend_from_slice(&pixels);
    }
    Ok(Decoded { shape, pixels: Pixels::U8(data), labels })
}

/// Records of one subset, handed out a batch at a time.
#[pyclass(module = "autodl_format._native", frozen)]
pub struct RecordStream {
    state: Mutex<StreamState>,
    matrix: MatrixSpec,
    output_dim: usize,
    solution: Option<Solution>,
    batch_size: usize,
}

#[pymethods]
impl RecordStream {
    /// The next batch as a list of `(example, labels)` tuples; an empty list at the end.
    /// Raises (with file and record) at the first record that cannot be read or decoded, after
    /// the records before it were returned.
    fn next_batch<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let decoded = py.detach(|| self.read_batch());
        let (items, error) = decoded;
        let out = PyList::empty(py);
        for d in items {
            let example = match d.pixels {
                Pixels::U8(v) => PyArray1::from_vec(py, v).reshape(d.shape)?.into_any(),
                Pixels::F32(v) => PyArray1::from_vec(py, v).reshape(d.shape)?.into_any(),
            };
            let labels = PyArray1::from_vec(py, d.labels).into_any();
            out.append(PyTuple::new(py, [example, labels])?)?;
        }
        if let Some(e) = error {
            if out.is_empty() {
                return Err(format_error(py, &e));
            }
            self.state.lock().expect("not poisoned").pending = Some(e);
        }
        Ok(out)
    }
}

impl RecordStream {
    /// Reads up to `batch_size` records, decodes them in parallel; returns the examples decoded
    /// before the first failure and that failure.
    fn read_batch(&self) -> (Vec<Decoded>, Option<formats::Error>) {
        let mut state = self.state.lock().expect("not poisoned");
        if let Some(e) = state.pending.take() {
            return (Vec::new(), Some(e));
        }
        let mut records = Vec::with_capacity(self.batch_size);
        let mut error = None;
        while records.len() < self.batch_size {
            match state.examples.next() {
                None => break,
                Some(Ok(r)) => {
                    let row = state.next_index;
                    state.next_index += 1;
                    records.push((r, row));
                }
                Some(Err(e)) => {
                    error = Some(e);
                    break;
                }
            }
        }
        drop(state);
        let results: Vec<formats::Result<Decoded>> = records
            .par_iter()
            .map(|(r, row)| {
                let labels = match &self.solution {
                    Some(s) if *row < s.rows && s.cols == self.output_dim => s.row(*row).iter().map(|&v| v as f32).collect(),
                    _ => r.label_vector(self.output_dim)?,
                };
                decode(r, &self.matrix, labels)
            })
            .collect();
        let mut items = Vec::with_capacity(results.len());
        for res in results {
            match res {
                Ok(d) => items.push(d),
                Err(e) => {
                    // Later records of this batch are dropped: iteration stops at the failure.
                    let mut state = self.state.lock().expect("not poisoned");
                    state.pending = None;
                    return (items, Some(e));
                }
            }
        }
        (items, error)
    }
}
