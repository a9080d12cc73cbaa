//! A raw video folder → an AutoDL dataset folder.

use std::path::PathBuf;

use converters_common::labels::{discover, LabeledInput};
use converters_common::naming::resolve_name;
use converters_common::output::{Written};
use converters_common::{ConvertError, ErrorPolicy, Result, SkipReport, SplitOptions};

use formats::metadata::{DataSpec, Format, MatrixSpec};

use crate::options::{CheckedVideoOptions, VideoOptions, VideoStorage};

/// Everything `convert --domain video` needs.
#[derive(Debug, Clone)]
pub struct VideoRequest {
    pub input: PathBuf,
    /// The dataset folder to create.
    pub out_dir: PathBuf,
    /// `--name`; else `private.info`'s name; else the input folder name.
    pub name: Option<String>,
    pub force: bool,
    pub quiet: bool,
    /// `--fsync` ([`converters_common::output::OutputTarget::fsync`]).
    pub fsync: bool,
    pub split: SplitOptions,
    pub policy: ErrorPolicy,
    pub video: VideoOptions,
}

/// What a conversion did.
#[derive(Debug, Clone)]
pub struct VideoOutcome {
    pub written: Written,
    /// Labelled inputs found (before skipping unreadable clips).
    pub inputs: usize,
    pub warnings: Vec<String>,
    /// `(sequence_size, row_count, col_count, num_channels)` written to the metadata.
    pub shape: (i32, i32, i32, i32),
    /// Frames decoded from the sources and frames stored, over all records.
    pub frames_decoded: u64,
    pub frames_stored: u64,
}

/// Converts the video folder `req.input` (layouts: [`converters_common::labels`]) into
/// `req.out_dir`. Unreadable clips are skipped or fatal per `req.policy`. Needs an installed
/// decoder ([`crate::backend`]).
pub fn convert_video_folder(req: &VideoRequest) -> Result<VideoOutcome> {
    use converters_common::output::{Converted, DatasetJob, OutputTarget};
    use converters_common::labels::split_items;
    use converters_common::split::Subset;

    use crate::options::is_video_path;

    let opts = req.video.check()?;
    crate::backend::require()?;
    req.split.check()?;
    let mut report = SkipReport::new(req.policy);
    let LabeledInput { items, class_names, output_dim, private_name, mut warnings, .. } =
        discover(&req.input, &is_video_path, &mut report)?;
    if items.is_empty() {
        return Err(ConvertError::input(&req.input, "no video file to convert"));
    }
    let name = resolve_name(req.name.as_deref(), private_name.as_deref(), &req.input)?;
    let (plan, split_warning) = split_items(&items, &req.split)?;
    warnings.extend(split_warning);

    let channels = dataset_channels(&opts, &items);

    let target = OutputTarget {
        force: req.force,
        quiet: req.quiet,
        fsync: req.fsync,
        what: "videos".into(),
        // A record holds a whole clip: keep two small chunks in flight, not 256 clips.
        chunk_size: (rayon::current_num_threads() * 2).max(2),
        deep_validate: opts.deep_validate,
        ..OutputTarget::new(&req.out_dir, &name)
    };
    let mut job = DatasetJob::start(target, items.len() as u64)?;
    let mut stats = ClipStats::default();
    let convert = |item: &converters_common::RawItem| {
        let (frames, meta) = clip_record(&item.path, &opts, channels)?;
        Ok(Converted { frames, labels: item.labels.clone(), meta: (meta, item.name.clone()) })
    };
    let mut test_sources = Vec::with_capacity(plan.test.len());
    job.write_subset(Subset::Test, &items, &plan.test, &mut report, convert, |(m, name)| {
        stats.observe(m);
        test_sources.push(name.clone());
    })?;
    job.write_subset(Subset::Train, &items, &plan.train, &mut report, convert, |(m, _)| stats.observe(m))?;
    let (file, bytes) = converters_common::recipe::test_sources_file(&name, &test_sources);
    job.writer_mut().write_side_file(&file, &bytes)?;

    warnings.extend(stats.capped_warning(&opts));
    let (spec, shape) = video_spec(&opts, channels, &stats, output_dim, class_names.as_deref());
    let written = job.finish(spec, class_names.as_deref(), &report)?;
    Ok(VideoOutcome {
        written,
        inputs: items.len(),
        warnings,
        shape,
        frames_decoded: stats.decoded,
        frames_stored: stats.stored,
    })
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

impl ClipStats {
    pub fn observe(&mut self, m: &ClipMeta) {
        agree(&mut self.frames, Some(Some(m.frames)));
        agree(&mut self.size, Some(Some((m.height, m.width))));
        self.decoded += m.decoded as u64;
        self.stored += m.frames as u64;
        self.capped += usize::from(m.capped);
    }

    /// The facts of both sets of clips.
    pub fn merge(&mut self, other: &ClipStats) {
        agree(&mut self.frames, other.frames);
        agree(&mut self.size, other.size);
        self.decoded += other.decoded;
        self.stored += other.stored;
        self.capped += other.capped;
    }

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
