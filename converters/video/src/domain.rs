//! Video on the per-file shape ([`converters_common::file_domain::FileDomain`]): the settings a
//! plan and a recipe keep, one clip → one record, the metadata (spec §5.2). A folder is
//! converted by [`converters_common::folder::convert_folder`]`::<Video>` (it needs an installed
//! decoder, [`crate::backend`]).

use converters_common::file_domain::{CheckOptions, FileDomain, RecordStats};
use converters_common::{ItemError, RawItem, Result};
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use serde::{Deserialize, Serialize};

use crate::options::{CheckedVideoOptions, VideoOptions, VideoStorage};

/// Video options with the channel count of every record (what a plan and a recipe keep).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoSettings {
    pub options: VideoOptions,
    pub channels: u8,
}

/// Checked video settings.
#[derive(Debug, Clone)]
pub struct VideoConverter {
    pub opts: CheckedVideoOptions,
    pub channels: u8,
}

/// The video domain.
#[derive(Debug)]
pub struct Video;

impl FileDomain for Video {
    const NAME: &'static str = "video";
    const WHAT: &'static str = "videos";
    const EXTENSIONS: &'static [&'static str] = crate::options::EXTENSIONS;
    const REFUSES_EMPTY: bool = true;
    type Options = VideoOptions;
    type Settings = VideoSettings;
    type Checked = VideoConverter;
    type Meta = ClipMeta;
    type Stats = ClipStats;

    fn require_decoder() -> Result<()> {
        crate::backend::require().map(drop)
    }

    fn settle(opts: &VideoOptions, items: &[RawItem]) -> Result<VideoSettings> {
        let checked = opts.check()?;
        crate::backend::require()?;
        Ok(VideoSettings { options: *opts, channels: dataset_channels(&checked, items) })
    }

    fn prepare(s: &VideoSettings) -> Result<VideoConverter> {
        Ok(VideoConverter { opts: s.options.check()?, channels: s.channels })
    }

    fn convert(c: &VideoConverter, path: &std::path::Path, _name: &str) -> std::result::Result<(Frames, ClipMeta), ItemError> {
        clip_record(path, &c.opts, c.channels)
    }

    fn spec(c: &VideoConverter, stats: &ClipStats, output_dim: usize, class_names: Option<&[String]>) -> (DataSpec, [i32; 4], Vec<String>) {
        let (spec, (t, h, w, ch)) = video_spec(&c.opts, c.channels, stats, output_dim, class_names);
        (spec, [t, h, w, ch], stats.capped_warning(&c.opts).into_iter().collect())
    }

    fn chunk_size(_: &VideoConverter) -> usize {
        // A record holds a whole clip: keep two small chunks in flight, not 256 clips.
        (rayon::current_num_threads() * 2).max(2)
    }

    fn deep_validate(c: &VideoConverter) -> bool {
        c.opts.deep_validate
    }

    fn with_channels(s: &VideoSettings, channels: usize) -> VideoSettings {
        VideoSettings { options: s.options, channels: channels as u8 }
    }
}

/// The stored channel count of every record: forced, or for `auto` 1 when the first frame of
/// every readable clip is grayscale, else 3 (unreadable clips are reported when converted).
pub fn dataset_channels(opts: &CheckedVideoOptions, items: &[converters_common::RawItem]) -> u8 {
    use crate::options::VideoChannels;
    use rayon::prelude::*;
    match opts.channels {
        VideoChannels::Gray => 1,
        VideoChannels::Rgb => 3,
        VideoChannels::Auto => {
            let infos: Vec<_> = items.par_iter().filter_map(|i| crate::backend::decoder(&i.path).and_then(|d| (d.probe)(&i.path)).ok()).collect();
            if !infos.is_empty() && infos.iter().all(|i| i.gray) {
                1
            } else {
                3
            }
        }
    }
}

/// The video metadata (spec §5.2) for clips converted with `opts` into `channels` channels whose
/// frame counts and sizes are `stats`; also `(sequence_size, row_count, col_count, num_channels)`.
pub fn video_spec(
    opts: &CheckedVideoOptions,
    channels: u8,
    stats: &ClipStats,
    output_dim: usize,
    class_names: Option<&[String]>,
) -> (DataSpec, (i32, i32, i32, i32)) {
    let (row_count, col_count, format) = match opts.storage {
        VideoStorage::Dense => {
            let (h, w) = opts.size.expect("checked options: dense has a size");
            (h as i32, w as i32, Format::Dense)
        }
        // spec §5.2: common frame size, else −1 (H and W in the right order).
        VideoStorage::Compressed => match stats.size {
            Some(Some((h, w))) => (h as i32, w as i32, Format::Compressed),
            _ => (-1, -1, Format::Compressed),
        },
    };
    // spec §5.2: the common frame count, else −1 (variable length).
    let sequence_size = match stats.frames {
        Some(Some(t)) => t as i32,
        _ => -1,
    };
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec {
            col_count,
            row_count,
            has_locality_col: true,
            has_locality_row: true,
            format,
            num_channels: i32::from(channels),
            num_channels_present: true,
            ..MatrixSpec::default()
        }],
        is_sequence: false,
        output_dim: output_dim as i32,
        label_to_index_map: class_names.iter().copied().flatten().enumerate().map(|(i, n)| (n.clone(), i as i32)).collect(),
        sequence_size,
        sequence_size_present: true,
        ..DataSpec::default()
    };
    (spec, (sequence_size, row_count, col_count, i32::from(channels)))
}

/// Frame count, frame size and decoding facts of one converted clip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipMeta {
    pub frames: usize,
    pub height: u32,
    pub width: u32,
    pub decoded: usize,
    pub capped: bool,
}

/// One video file → its record frames (`channels` channels per frame) and its [`ClipMeta`].
pub fn clip_record(
    path: &std::path::Path,
    opts: &CheckedVideoOptions,
    channels: u8,
) -> std::result::Result<(formats::example::Frames, ClipMeta), converters_common::ItemError> {
    let clip = (crate::backend::decoder(path)?.read_clip)(path, opts, channels)?;
    let meta = ClipMeta {
        frames: clip.frames.num_frames(),
        height: clip.height,
        width: clip.width,
        decoded: clip.decoded,
        capped: clip.capped,
    };
    Ok((clip.frames, meta))
}

/// Facts for the metadata gathered while records stream by. `Some(None)` = values differ. A
/// shard of a scale-out conversion keeps one and the merge combines them with [`ClipStats::merge`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClipStats {
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "seen")]
    pub frames: Option<Option<usize>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "seen")]
    pub size: Option<Option<(u32, u32)>>,
    pub decoded: u64,
    pub stored: u64,
    pub capped: usize,
}

/// Serialised, "nothing seen" is an absent field and "values differ" is `null`: a present field
/// is always something seen.
fn seen<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(d: D) -> std::result::Result<Option<Option<T>>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

fn agree<T: PartialEq + Copy>(acc: &mut Option<Option<T>>, v: Option<Option<T>>) {
    match (&*acc, v) {
        (_, None) => {}
        (None, v) => *acc = v,
        (Some(Some(x)), Some(Some(y))) if *x == y => {}
        _ => *acc = Some(None),
    }
}

impl RecordStats<ClipMeta> for ClipStats {
    fn observe(&mut self, m: &ClipMeta) {
        agree(&mut self.frames, Some(Some(m.frames)));
        agree(&mut self.size, Some(Some((m.height, m.width))));
        self.decoded += m.decoded as u64;
        self.stored += m.frames as u64;
        self.capped += usize::from(m.capped);
    }

    /// The facts of both sets of clips.
    fn merge(&mut self, other: &ClipStats) {
        agree(&mut self.frames, other.frames);
        agree(&mut self.size, other.size);
        self.decoded += other.decoded;
        self.stored += other.stored;
        self.capped += other.capped;
    }
}

impl ClipStats {

    /// The warning `convert` prints when clips were cut to the frame cap.
    pub fn capped_warning(&self, opts: &CheckedVideoOptions) -> Option<String> {
        (self.capped > 0).then(|| {
            format!(
                "{} clip(s) had more selected frames than the cap of {}; their first frames were kept",
                self.capped,
                opts.frame_cap().unwrap_or(0)
            )
        })
    }
}
