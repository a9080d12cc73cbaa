//! Images on the per-file shape ([`converters_common::file_domain::FileDomain`]): the
//! settings a plan and a recipe keep, one file → one record, the metadata (spec §5.1). A folder
//! is converted by [`converters_common::folder::convert_folder`]`::<Image>`.

use converters_common::file_domain::{CheckOptions, FileDomain, RecordStats};
use converters_common::{ItemError, RawItem, Result};
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::convert::{convert_image, header_colour, ConvertedImage, Pixels};
use crate::options::{Channels, CheckedImageOptions, ImageOptions, Storage};

/// Image options with the channel count of dense frames fixed for the whole dataset (what a
/// plan and a recipe keep; the JSON of earlier plans and recipes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageSettings {
    #[serde(flatten)]
    pub options: ImageOptions,
    /// Channels of dense frames, decided from image headers when `auto`; 0 in compressed
    /// mode with `auto` ([`dense_channels`]).
    pub dense_channels: usize,
}

/// Checked image settings.
#[derive(Debug, Clone)]
pub struct ImageConverter {
    pub opts: CheckedImageOptions,
    pub dense_channels: usize,
}

/// The image domain.
#[derive(Debug)]
pub struct Image;

impl FileDomain for Image {
    const NAME: &'static str = "image";
    const WHAT: &'static str = "images";
    const EXTENSIONS: &'static [&'static str] = crate::options::EXTENSIONS;
    const REFUSES_EMPTY: bool = false;
    type Options = ImageOptions;
    type Settings = ImageSettings;
    type Checked = ImageConverter;
    type Meta = ImageMeta;
    type Stats = ShapeStats;

    fn settle(opts: &ImageOptions, items: &[RawItem]) -> Result<ImageSettings> {
        let checked = opts.check()?;
        Ok(ImageSettings { options: *opts, dense_channels: dense_channels(&checked, items) })
    }

    fn prepare(s: &ImageSettings) -> Result<ImageConverter> {
        Ok(ImageConverter { opts: s.options.check()?, dense_channels: s.dense_channels })
    }

    fn convert(c: &ImageConverter, path: &std::path::Path, _name: &str) -> std::result::Result<(Frames, ImageMeta), ItemError> {
        image_record(path, &c.opts, c.dense_channels)
    }

    fn spec(c: &ImageConverter, stats: &ShapeStats, output_dim: usize, class_names: Option<&[String]>) -> (DataSpec, [i32; 4], Vec<String>) {
        let (spec, (h, w, ch)) = image_spec(&c.opts, c.dense_channels, stats, output_dim, class_names);
        (spec, [1, h, w, ch], vec![])
    }

    fn chunk_size(c: &ImageConverter) -> usize {
        // Dense frames can be large: keep a chunk around 256 MB of floats.
        match c.opts.size {
            Some((h, w)) => (64 * 1024 * 1024 / (u64::from(h) * u64::from(w) * 3).max(1)).clamp(1, 256) as usize,
            None => 256,
        }
    }

    fn deep_validate(c: &ImageConverter) -> bool {
        c.opts.verify
    }

    fn with_channels(s: &ImageSettings, channels: usize) -> ImageSettings {
        let mut s = s.clone();
        match channels {
            1 => s.options.channels = Channels::Gray,
            3 => s.options.channels = Channels::Rgb,
            _ => {}
        }
        s.dense_channels = channels;
        s
    }
}

/// Size and colour facts gathered while records stream by (spec §5.1 metadata). A shard of a
/// scale-out conversion keeps one and the merge combines them with [`ShapeStats::merge`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShapeStats {
    /// `(height, width)` of the first image seen.
    pub size: Option<(u32, u32)>,
    /// Every image seen had `size`.
    pub uniform: bool,
    pub colour: bool,
}

impl RecordStats<ImageMeta> for ShapeStats {
    fn observe(&mut self, m: &ImageMeta) {
        match self.size {
            None => {
                self.size = Some((m.height, m.width));
                self.uniform = true;
            }
            Some(s) if s != (m.height, m.width) => self.uniform = false,
            Some(_) => {}
        }
        self.colour |= m.colour;
    }

    /// The facts of both streams of images, as if `later`'s images came after `self`'s.
    fn merge(&mut self, other: &ShapeStats) {
        match (self.size, other.size) {
            (_, None) => {}
            (None, Some(_)) => *self = other.clone(),
            (Some(a), Some(b)) => {
                self.uniform = self.uniform && other.uniform && a == b;
                self.colour |= other.colour;
            }
        }
    }
}

/// Size and colour of one converted image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageMeta {
    pub height: u32,
    pub width: u32,
    pub colour: bool,
}

/// One image file → its record frames (one compressed or dense frame) and its size/colour.
pub fn image_record(
    path: &std::path::Path,
    opts: &CheckedImageOptions,
    dense_channels: usize,
) -> std::result::Result<(Frames, ImageMeta), converters_common::ItemError> {
    let ConvertedImage { pixels, height, width, colour } = convert_image(path, opts, dense_channels)?;
    let frames = match pixels {
        Pixels::Encoded(bytes) => Frames::Compressed(vec![bytes]),
        Pixels::Dense(values) => {
            let len = values.len();
            Frames::dense_uniform(values, len).expect("one non-empty dense frame")
        }
    };
    Ok((frames, ImageMeta { height, width, colour }))
}

/// Channels of dense frames, fixed before the first record is written; 0 for compressed
/// `auto` (decided from the stored images by [`image_spec`]). `auto` reads the headers
/// (spec §5.1: the user's choice, colour if any image has colour).
pub fn dense_channels(opts: &CheckedImageOptions, items: &[converters_common::RawItem]) -> usize {
    match (opts.storage, opts.channels) {
        (_, Channels::Gray) => 1,
        (_, Channels::Rgb) => 3,
        (Storage::Dense, Channels::Auto) => {
            if items.par_iter().any(|i| header_colour(&i.path).unwrap_or(false)) {
                3
            } else {
                1
            }
        }
        (Storage::Compressed, Channels::Auto) => 0,
    }
}

/// The image metadata (spec §5.1) for records converted with `opts` and `dense_channels`
/// whose sizes and colour are `stats`; also `(row_count, col_count, num_channels)`.
pub fn image_spec(
    opts: &CheckedImageOptions,
    dense_channels: usize,
    stats: &ShapeStats,
    output_dim: usize,
    class_names: Option<&[String]>,
) -> (DataSpec, (i32, i32, i32)) {
    let (row_count, col_count, num_channels, format) = match opts.storage {
        Storage::Dense => {
            let (h, w) = opts.size.expect("checked options: dense has a size");
            (h as i32, w as i32, dense_channels as i32, Format::Dense)
        }
        Storage::Compressed => {
            let channels = match opts.channels {
                Channels::Auto => if stats.colour { 3 } else { 1 },
                _ => dense_channels as i32,
            };
            // spec §5.1 / §7.2 item 14: row_count = H, col_count = W, −1 when sizes differ.
            match (stats.uniform, stats.size) {
                (true, Some((h, w))) => (h as i32, w as i32, channels, Format::Compressed),
                _ => (-1, -1, channels, Format::Compressed),
            }
        }
    };
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec {
            col_count,
            row_count,
            has_locality_col: true,
            has_locality_row: true,
            format,
            num_channels,
            num_channels_present: true,
            ..MatrixSpec::default()
        }],
        is_sequence: false,
        output_dim: output_dim as i32,
        label_to_index_map: class_names
            .iter()
            .copied()
            .flatten()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as i32))
            .collect(),
        sequence_size: 1,
        sequence_size_present: true,
        ..DataSpec::default()
    };
    (spec, (row_count, col_count, num_channels))
}
