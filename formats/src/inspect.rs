//! Summary facts about a dataset: name, inferred domain, shape, counts, class histograms,
//! frames per example, vocabulary and label names, bytes on disk.
//!
//! [`inspect`] reads through the strict [`DatasetReader`], so a dataset it can summarise is one
//! the reader accepts; use [`crate::validate`] to find out why one is not.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::dataset::{DatasetReader, Subset};
use crate::error::{Error, Result};
use crate::example::Frames;
use crate::metadata::{DataSpec, Format};

/// The domain a consumer infers from the metadata (spec §5.6); it is not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    Image,
    Video,
    Text,
    Speech,
    Tabular,
}

impl std::fmt::Display for Domain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Domain::Image => "image",
            Domain::Video => "video",
            Domain::Text => "text",
            Domain::Speech => "speech",
            Domain::Tabular => "tabular",
        })
    }
}

/// Domain per spec §1. A `sequence_size` that is absent or 0 counts as 1 (one frame), so
/// legacy image sets such as mini1 are images rather than videos (README: decisions).
/// The learners, `predict` and `audit` use this one; `inspect` and `validate` report
/// [`infer_domain`], the kit's rule.
pub fn resolve_domain(spec: &DataSpec) -> Domain {
    match infer_domain(spec) {
        // −1 (variable length, e.g. converted video clips) stays a sequence.
        Domain::Video if (0..=1).contains(&spec.sequence_size) => {
            let one = DataSpec { sequence_size: 1, ..spec.clone() };
            infer_domain(&one)
        }
        d => d,
    }
}

/// The current kit/baseline rule of spec §5.6 (first matrix spec; none ⇒ 0×0 ⇒ image/video).
pub fn infer_domain(spec: &DataSpec) -> Domain {
    let (rows, cols) = spec
        .matrix_spec
        .first()
        .map_or((0, 0), |m| (m.row_count, m.col_count));
    if spec.sequence_size == 1 {
        if rows == 1 || cols == 1 {
            Domain::Tabular
        } else {
            Domain::Image
        }
    } else if rows == 1 && cols == 1 {
        if spec.channel_to_index_map.is_empty() {
            Domain::Speech
        } else {
            Domain::Text
        }
    } else {
        Domain::Video
    }
}

/// `(T, H, W, C)` as stored (−1 = variable / unspecified) plus the resolved channel count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shape {
    pub sequence_size: i32,
    pub row_count: i32,
    pub col_count: i32,
    pub num_channels: i32,
    /// `num_channels` with −1 resolved (3 compressed, 1 otherwise; spec §4.1).
    pub effective_channels: i32,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "({}, {}, {}, ", self.sequence_size, self.row_count, self.col_count)?;
        if self.num_channels == self.effective_channels {
            write!(f, "{})", self.num_channels)
        } else {
            write!(f, "{}→{})", self.num_channels, self.effective_channels)
        }
    }
}

/// Minimum, median (lower middle for an even count) and maximum of a count per example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Spread {
    pub min: u64,
    pub median: u64,
    pub max: u64,
}

impl Spread {
    /// From a histogram value → occurrences; `None` when empty.
    fn from_histogram(h: &BTreeMap<u64, u64>) -> Option<Spread> {
        let n: u64 = h.values().sum();
        if n == 0 {
            return None;
        }
        let target = (n - 1) / 2;
        let mut seen = 0;
        let mut median = 0;
        for (&v, &c) in h {
            if seen + c > target {
                median = v;
                break;
            }
            seen += c;
        }
        Some(Spread {
            min: *h.keys().next().unwrap_or(&0),
            median,
            max: *h.keys().next_back().unwrap_or(&0),
        })
    }
}

/// Where a class histogram comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HistogramSource {
    /// Label lists of the records (train).
    Records,
    /// `<name>.solution` cells equal to 1 (test; record labels are never trusted, spec §1.3).
    Solution,
    /// No labels available (no solution, unlabelled subset).
    None,
}

/// One subset's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubsetInspection {
    pub subset: String,
    pub sample_count: i64,
    pub records: u64,
    pub files: usize,
    pub record_bytes: u64,
    /// Frames per example; `None` for an empty subset.
    pub frames_per_example: Option<Spread>,
    /// Examples per class (a multilabel example counts once per class).
    pub class_histogram: Vec<u64>,
    pub histogram_source: HistogramSource,
    /// Examples listing no class at all.
    pub unlabelled: u64,
    /// For COMPRESSED data: frame heights and widths read from the image headers.
    pub frame_height: Option<Spread>,
    pub frame_width: Option<Spread>,
}

/// What [`inspect`] reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    #[serde(serialize_with = "serialize_path")]
    pub dataset: PathBuf,
    pub name: String,
    pub domain: Domain,
    pub shape: Shape,
    pub format: Format,
    pub output_dim: i32,
    pub subsets: Vec<SubsetInspection>,
    /// `channel_to_index_map` entries (the text vocabulary, spec §5.4).
    pub vocabulary_size: usize,
    /// Number of class names known (metadata map, else `<name>_label.name`).
    pub label_names_total: usize,
    /// The first [`LABEL_NAMES_SHOWN`] class names in index order.
    pub label_names: Vec<String>,
    /// Every file under the dataset folder.
    pub bytes_on_disk: u64,
}

impl Inspection {
    pub fn subset(&self, name: &str) -> Option<&SubsetInspection> {
        self.subsets.iter().find(|s| s.subset == name)
    }
}

/// How many class names [`Inspection::label_names`] keeps.
pub const LABEL_NAMES_SHOWN: usize = 10;

fn serialize_path<S: serde::Serializer>(p: &Path, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// Up to this many classes the histogram has one entry per declared class; past it, only as
/// many as the records and the solution show (a declared output_dim allocates nothing).
const MAX_PLAIN_HISTOGRAM: usize = 1 << 16;

/// Summarises the dataset folder `dir` (reads every record once; no image is decoded).
pub fn inspect(dir: &Path) -> Result<Inspection> {
    let reader = DatasetReader::open(dir)?;
    let subsets = reader.subsets();
    let first = *subsets
        .first()
        .ok_or_else(|| Error::layout(dir, "dataset without any subset"))?;
    // Train and test metadata agree except sample_count (spec §4.2); train is the reference.
    let spec = reader
        .spec(Subset::Train)
        .or_else(|| reader.spec(first))
        .cloned()
        .ok_or_else(|| Error::layout(dir, "dataset without metadata"))?;
    let matrix = spec.matrix_spec.first().cloned().unwrap_or_default();
    let output_dim = spec.output_dim.max(0) as usize;

    let mut summaries = Vec::new();
    for subset in subsets {
        let layout = reader
            .layout()
            .subset(subset)
            .ok_or_else(|| Error::layout(dir, format!("no `{subset}` subset")))?;
        let record_bytes = layout
            .record_files
            .iter()
            .map(|p| fs::metadata(p).map(|m| m.len()).map_err(|e| Error::io(p, e)))
            .sum::<Result<u64>>()?;
        let mut frames = BTreeMap::new();
        let mut heights = BTreeMap::new();
        let mut widths = BTreeMap::new();
        // Counts of the classes met; the dense histogram is sized at the end by what the
        // files hold, never by the declared output_dim alone (issue 22).
        let mut counts: BTreeMap<usize, u64> = BTreeMap::new();
        let mut sol_cols = 0usize;
        let mut unlabelled = 0;
        let mut records = 0u64;
        for record in reader.examples(subset)? {
            let record = record?;
            records += 1;
            *frames.entry(record.frames().num_frames() as u64).or_insert(0) += 1;
            if let Frames::Compressed(images) = record.frames() {
                for bytes in images {
                    if let Some((w, h)) = image_dimensions(bytes) {
                        *heights.entry(u64::from(h)).or_insert(0) += 1;
                        *widths.entry(u64::from(w)).or_insert(0) += 1;
                    }
                }
            }
            if subset == Subset::Train {
                let labels = record.labels();
                if labels.is_empty() {
                    unlabelled += 1;
                }
                for (i, _) in labels {
                    if let Some(i) = usize::try_from(i).ok().filter(|&i| i < output_dim) {
                        *counts.entry(i).or_insert(0) += 1;
                    }
                }
            }
        }
        let source = match subset {
            Subset::Train => HistogramSource::Records,
            Subset::Test => match reader.solution()? {
                Some(sol) => {
                    sol_cols = sol.cols;
                    for r in 0..sol.rows {
                        let row = sol.row(r);
                        if !row.contains(&1.0) {
                            unlabelled += 1;
                        }
                        for (c, &v) in row.iter().enumerate() {
                            // spec §6: the scorer counts a cell as positive only when it equals 1.
                            if v == 1.0 && c < output_dim {
                                *counts.entry(c).or_insert(0) += 1;
                            }
                        }
                    }
                    HistogramSource::Solution
                }
                None => HistogramSource::None,
            },
            Subset::Unlabelled => HistogramSource::None,
        };
        let mut histogram = Vec::new();
        if source != HistogramSource::None {
            let met = counts.keys().next_back().map_or(0, |&i| i + 1);
            histogram = vec![0u64; output_dim.min(MAX_PLAIN_HISTOGRAM.max(met).max(sol_cols))];
            for (i, n) in counts {
                histogram[i] = n;
            }
        }
        summaries.push(SubsetInspection {
            subset: subset.dir_name().to_string(),
            sample_count: reader.spec(subset).map_or(spec.sample_count, |s| s.sample_count),
            records,
            files: layout.record_files.len(),
            record_bytes,
            frames_per_example: Spread::from_histogram(&frames),
            class_histogram: histogram,
            histogram_source: source,
            unlabelled,
            frame_height: Spread::from_histogram(&heights),
            frame_width: Spread::from_histogram(&widths),
        });
    }

    let mut names: Vec<(i32, String)> =
        spec.label_to_index_map.iter().map(|(k, v)| (*v, k.clone())).collect();
    names.sort();
    let mut label_names: Vec<String> = names.into_iter().map(|(_, k)| k).collect();
    if label_names.is_empty() {
        label_names = reader.label_names()?.unwrap_or_default();
        label_names.retain(|n| !n.is_empty());
    }
    let label_names_total = label_names.len();
    label_names.truncate(LABEL_NAMES_SHOWN);

    Ok(Inspection {
        dataset: dir.to_path_buf(),
        name: reader.name().to_string(),
        domain: infer_domain(&spec),
        shape: Shape {
            sequence_size: spec.sequence_size,
            row_count: matrix.row_count,
            col_count: matrix.col_count,
            num_channels: matrix.num_channels,
            effective_channels: matrix.effective_channels(),
        },
        format: matrix.format,
        output_dim: spec.output_dim,
        subsets: summaries,
        vocabulary_size: spec.channel_to_index_map.len(),
        label_names_total,
        label_names,
        bytes_on_disk: disk_bytes(dir)?,
    })
}

/// Width and height from an image file's header, without decoding the pixels.
fn image_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// Total size of the regular files under `dir` (symbolic links are not followed).
fn disk_bytes(dir: &Path) -> Result<u64> {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let entry = entry.map_err(|e| Error::io(&d, e))?;
            let kind = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                total += entry.metadata().map_err(|e| Error::io(entry.path(), e))?.len();
            }
        }
    }
    Ok(total)
}
