//! The per-file domains a plan can shard (images, video, audio): their settings as the plan
//! stores them, the conversion of one planned input through the converter crate's own
//! per-file function, and the metadata facts a shard observes and the merge combines.
//!
//! Everything that decides bytes is the converters' code: `image_record` / `clip_record` /
//! `audio_record` for a record, `image_spec` / `video_spec` / `speech_spec` for the metadata,
//! `dense_channels` / `dataset_channels` for the channel count fixed before conversion.

use std::path::Path;

use converters_audio::options::CheckedAudioOptions;
use converters_audio::AudioOptions;
use converters_common::{ConvertError, ItemError, RawItem};
use converters_image::options::CheckedImageOptions;
use converters_image::{Channels, ImageMeta, ImageOptions, ResizeFilter, ShapeStats, Storage};
use converters_video::options::CheckedVideoOptions;
use converters_video::{ClipMeta, ClipStats, VideoOptions};
use converters_common::planned::WholeInputDomain;
use converters_tabular::{TableSettled, TabularOptions};
use converters_text::{CorpusSettled, TextOptions};

pub use crate::whole::WholeSettings;
use formats::example::Frames;
use formats::metadata::DataSpec;
use serde::{Deserialize, Serialize};


/// The conversion options of a plan, with the channel count fixed for the whole dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DomainSettings {
    Image(ImageSettings),
    Video { options: VideoOptions, channels: u8 },
    Audio { options: AudioOptions, channels: usize },
    /// A table: what the whole-table pass fixed ([`converters_tabular::settle`]).
    Tabular(TableSettled),
    /// A corpus: the trained tokenizer and where the documents are ([`converters_text::settle`]).
    Text(CorpusSettled),
}

/// What `plan` is asked to convert.
#[derive(Debug, Clone)]
pub enum DomainRequest {
    Image(converters_image::ImageOptions),
    Video(VideoOptions),
    Audio(AudioOptions),
    /// A table (its whole-input pass is the plan step; `split` is the plan's).
    Tabular(TabularOptions),
    /// A corpus (its whole-input pass is the plan step; `split` is the plan's).
    Text(TextOptions),
}

impl DomainRequest {
    /// `image`, `video`, `audio`, `tabular` or `text`.
    pub fn name(&self) -> &'static str {
        match self {
            DomainRequest::Image(_) => "image",
            DomainRequest::Video(_) => "video",
            DomainRequest::Audio(_) => "audio",
            DomainRequest::Tabular(_) => converters_tabular::Tabular::NAME,
            DomainRequest::Text(_) => converters_text::Text::NAME,
        }
    }

    /// Whether `path` is an input of this domain (the converter's own filter); a table or a
    /// corpus is one input, never listed file by file.
    pub fn accepts(&self, path: &Path) -> bool {
        match self {
            DomainRequest::Image(_) => converters_image::options::is_image_path(path),
            DomainRequest::Video(_) => converters_video::options::is_video_path(path),
            DomainRequest::Audio(_) => converters_audio::options::is_audio_path(path),
            DomainRequest::Tabular(_) | DomainRequest::Text(_) => false,
        }
    }

    /// Whether the domain reads its whole input before the first record (tables, corpora).
    pub fn is_whole_input(&self) -> bool {
        matches!(self, DomainRequest::Tabular(_) | DomainRequest::Text(_))
    }

    /// Checks the options (before the listing, which can be long).
    pub fn check(&self) -> Result<(), ConvertError> {
        match self {
            DomainRequest::Image(o) => o.check().map(drop),
            DomainRequest::Video(o) => o.check().map(drop),
            DomainRequest::Audio(o) => o.check().map(drop),
            DomainRequest::Tabular(o) => o.check().map_err(ConvertError::from),
            DomainRequest::Text(o) => o.check().map_err(ConvertError::from),
        }
    }

    /// Checks the options, then fixes what every shard must share (the channel count), as
    /// `convert` does before its first record.
    pub fn settle(&self, items: &[RawItem]) -> Result<DomainSettings, ConvertError> {
        Ok(match self {
            DomainRequest::Image(o) => {
                let checked = o.check()?;
                let mut s = ImageSettings::from_options(o);
                s.dense_channels = converters_image::dense_channels(&checked, items);
                DomainSettings::Image(s)
            }
            DomainRequest::Video(o) => {
                let checked = o.check()?;
                DomainSettings::Video { options: *o, channels: video_channels(&checked, items)? }
            }
            DomainRequest::Audio(o) => {
                let checked = o.check()?;
                DomainSettings::Audio { options: *o, channels: converters_audio::dataset_channels(&checked, items) }
            }
            DomainRequest::Tabular(_) | DomainRequest::Text(_) => {
                return Err(ConvertError::Options(format!("{} inputs are settled as a whole (crate::whole), not item by item", self.name())))
            }
        })
    }
}

fn video_channels(opts: &CheckedVideoOptions, items: &[RawItem]) -> Result<u8, ConvertError> {
    converters_video::backend::require()?;
    Ok(converters_video::folder::dataset_channels(opts, items))
}

/// Converts one planned input of a domain.
#[derive(Debug, Clone)]
pub enum FileConverter {
    Image { opts: CheckedImageOptions, dense_channels: usize },
    Video { opts: CheckedVideoOptions, channels: u8 },
    Audio { opts: CheckedAudioOptions, channels: usize },
    /// Tables and corpora: records are encoded together per shard ([`crate::whole`]).
    Whole(WholeSettings),
}

/// What one converted input tells the metadata.
#[derive(Debug, Clone, Copy)]
pub enum Observation {
    Image(ImageMeta),
    Video(ClipMeta),
    Audio { source_seconds: f64, seconds: f64 },
    Whole,
}

/// Seconds of audio read and stored (reported, not part of the metadata).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AudioTotals {
    pub source_seconds: f64,
    pub stored_seconds: f64,
}

/// The metadata facts of a run of converted records: one shard's, or all shards' merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Observed {
    Image(ShapeStats),
    Video(ClipStats),
    Audio(AudioTotals),
    /// Tables and corpora: the metadata is fixed by the plan.
    Whole,
}

impl Observed {
    pub fn observe(&mut self, o: &Observation) {
        match (self, o) {
            (Observed::Image(s), Observation::Image(m)) => s.observe(m.height, m.width, m.colour),
            (Observed::Video(s), Observation::Video(m)) => s.observe(m),
            (Observed::Audio(t), Observation::Audio { source_seconds, seconds }) => {
                t.source_seconds += source_seconds;
                t.stored_seconds += seconds;
            }
            (Observed::Whole, _) | (_, Observation::Whole) => {}
            _ => unreachable!("a converter only makes observations of its own domain"),
        }
    }

    /// Adds the facts of the records that follow (the next shard); `Err` names a domain
    /// mismatch (a manifest that does not belong to this plan's domain).
    pub fn merge(&mut self, other: &Observed) -> Result<(), String> {
        match (self, other) {
            (Observed::Image(a), Observed::Image(b)) => a.merge(b),
            (Observed::Video(a), Observed::Video(b)) => a.merge(b),
            (Observed::Audio(a), Observed::Audio(b)) => {
                a.source_seconds += b.source_seconds;
                a.stored_seconds += b.stored_seconds;
            }
            (Observed::Whole, Observed::Whole) => {}
            (a, b) => return Err(format!("observations of {} records and of {} records", a.domain(), b.domain())),
        }
        Ok(())
    }

    pub fn domain(&self) -> &'static str {
        match self {
            Observed::Image(_) => "image",
            Observed::Video(_) => "video",
            Observed::Audio(_) => "audio",
            Observed::Whole => "table or text",
        }
    }
}

impl DomainSettings {
    pub fn domain(&self) -> &'static str {
        match self {
            DomainSettings::Image(_) => "image",
            DomainSettings::Video { .. } => "video",
            DomainSettings::Audio { .. } => "audio",
            DomainSettings::Tabular(_) => converters_tabular::Tabular::NAME,
            DomainSettings::Text(_) => converters_text::Text::NAME,
        }
    }

    /// The checked converter for reading inputs: as [`DomainSettings::converter`], and an error
    /// when the domain needs a decoder this process has not installed (video without FFmpeg).
    pub fn input_converter(&self) -> Result<FileConverter, ConvertError> {
        if matches!(self, DomainSettings::Video { .. }) {
            converters_video::backend::require()?;
        }
        self.converter()
    }

    /// The checked converter; an error for options this build cannot honour.
    pub fn converter(&self) -> Result<FileConverter, ConvertError> {
        Ok(match self {
            DomainSettings::Image(s) => {
                let opts = s.to_options().ok_or_else(|| ConvertError::Options("unknown image options in the plan".into()))?;
                FileConverter::Image { opts: opts.check()?, dense_channels: s.dense_channels }
            }
            DomainSettings::Video { options, channels } => {
                FileConverter::Video { opts: options.check()?, channels: *channels }
            }
            DomainSettings::Audio { options, channels } => {
                FileConverter::Audio { opts: options.check()?, channels: *channels }
            }
            DomainSettings::Tabular(s) => FileConverter::Whole(WholeSettings::Tabular(s.clone())),
            DomainSettings::Text(s) => FileConverter::Whole(WholeSettings::Text(s.clone())),
        })
    }
}

impl FileConverter {
    /// Converts the input at `path` (`name`: its name in the listing, which seeds the audio
    /// random crop) with the converter crate's per-file function.
    pub fn convert(&self, path: &Path, name: &str) -> Result<(Frames, Observation), ItemError> {
        match self {
            FileConverter::Image { opts, dense_channels } => {
                let (frames, meta) = converters_image::image_record(path, opts, *dense_channels)?;
                Ok((frames, Observation::Image(meta)))
            }
            FileConverter::Video { opts, channels } => convert_clip(path, opts, *channels),
            FileConverter::Audio { opts, channels } => {
                let a = converters_audio::audio_record(path, name, opts, *channels)?;
                Ok((a.frames, Observation::Audio { source_seconds: a.source_seconds, seconds: a.seconds }))
            }
            FileConverter::Whole(_) => Err(ItemError::new(path, "records of a table or corpus are encoded per shard, not per input")),
        }
    }

    /// Nothing observed yet.
    pub fn empty_observed(&self) -> Observed {
        match self {
            FileConverter::Image { .. } => Observed::Image(ShapeStats::default()),
            FileConverter::Video { .. } => Observed::Video(ClipStats::default()),
            FileConverter::Audio { .. } => Observed::Audio(AudioTotals::default()),
            FileConverter::Whole(_) => Observed::Whole,
        }
    }

    /// Inputs converted per parallel chunk (the converters' choices: a video or audio record
    /// holds a whole file, so only two small chunks are kept in flight).
    pub fn chunk_size(&self) -> usize {
        match self {
            FileConverter::Image { .. } => 64,
            _ => (rayon::current_num_threads() * 2).max(2),
        }
    }

    /// How `convert` writes the `.solution` rows (tables keep scores, spec §6).
    pub fn solution_style(&self) -> formats::solution::SolutionStyle {
        match self {
            FileConverter::Whole(w) => w.solution_style(),
            _ => formats::solution::SolutionStyle::Generic,
        }
    }

    /// Whether the final validation decodes every compressed frame (as `convert` does).
    pub fn deep_validate(&self) -> bool {
        match self {
            FileConverter::Image { opts, .. } => opts.verify,
            FileConverter::Video { opts, .. } => opts.deep_validate,
            FileConverter::Audio { .. } | FileConverter::Whole(_) => true,
        }
    }

    /// The metadata `convert` writes for records with the facts `observed` (the converter
    /// crate's own function), its shape as `(T, H, W, C)`, and `convert`'s warnings.
    pub fn dataset_spec(
        &self,
        observed: &Observed,
        output_dim: usize,
        class_names: Option<&[String]>,
    ) -> Result<(DataSpec, [i32; 4], Vec<String>), String> {
        Ok(match (self, observed) {
            (FileConverter::Image { opts, dense_channels }, Observed::Image(stats)) => {
                let (spec, (h, w, c)) = converters_image::image_spec(opts, *dense_channels, stats, output_dim, class_names);
                (spec, [1, h, w, c], vec![])
            }
            (FileConverter::Video { opts, channels }, Observed::Video(stats)) => {
                let (spec, (t, h, w, c)) = converters_video::video_spec(opts, *channels, stats, output_dim, class_names);
                (spec, [t, h, w, c], stats.capped_warning(opts).into_iter().collect())
            }
            (FileConverter::Audio { channels, .. }, Observed::Audio(_)) => {
                let spec = converters_audio::speech_spec(output_dim, class_names, *channels);
                (spec, [-1, 1, 1, *channels as i32], vec![])
            }
            (FileConverter::Whole(w), Observed::Whole) => {
                let spec = w.spec(output_dim, class_names).map_err(|e| e.to_string())?;
                let shape = crate::whole::shape_of(&spec);
                (spec, shape, vec![])
            }
            (_, o) => return Err(format!("the shards observed {} records", o.domain())),
        })
    }
}

fn convert_clip(path: &Path, opts: &CheckedVideoOptions, channels: u8) -> Result<(Frames, Observation), ItemError> {
    let (frames, meta) = converters_video::folder::clip_record(path, opts, channels)?;
    Ok((frames, Observation::Video(meta)))
}

/// Image options as written in the plan (what `convert` flags were given to `plan`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageSettings {
    /// `compressed` or `dense`.
    pub storage: String,
    pub size: Option<(u32, u32)>,
    /// `nearest`, `triangle`, `catmullrom`, `gaussian`, `lanczos3`.
    pub filter: String,
    /// `auto`, `1` or `3`.
    pub channels: String,
    pub verify: bool,
    pub max_pixels: u64,
    /// Channels of dense frames, decided by the plan from image headers when `auto`
    /// (every shard must write the same count); 0 in compressed mode with `auto`
    /// ([`converters_image::dense_channels`]).
    pub dense_channels: usize,
}

impl ImageSettings {
    pub fn from_options(o: &ImageOptions) -> ImageSettings {
        ImageSettings {
            storage: match o.storage {
                Storage::Compressed => "compressed",
                Storage::Dense => "dense",
            }
            .into(),
            size: o.size,
            filter: match o.filter {
                ResizeFilter::Nearest => "nearest",
                ResizeFilter::Triangle => "triangle",
                ResizeFilter::CatmullRom => "catmullrom",
                ResizeFilter::Gaussian => "gaussian",
                ResizeFilter::Lanczos3 => "lanczos3",
            }
            .into(),
            channels: match o.channels {
                Channels::Auto => "auto",
                Channels::Gray => "1",
                Channels::Rgb => "3",
            }
            .into(),
            verify: o.verify,
            max_pixels: o.max_pixels,
            dense_channels: 0,
        }
    }

    /// Back to converter options; `None` for a value this version does not know.
    pub fn to_options(&self) -> Option<ImageOptions> {
        Some(ImageOptions {
            storage: match self.storage.as_str() {
                "compressed" => Storage::Compressed,
                "dense" => Storage::Dense,
                _ => return None,
            },
            size: self.size,
            filter: match self.filter.as_str() {
                "nearest" => ResizeFilter::Nearest,
                "triangle" => ResizeFilter::Triangle,
                "catmullrom" => ResizeFilter::CatmullRom,
                "gaussian" => ResizeFilter::Gaussian,
                "lanczos3" => ResizeFilter::Lanczos3,
                _ => return None,
            },
            channels: match self.channels.as_str() {
                "auto" => Channels::Auto,
                "1" => Channels::Gray,
                "3" => Channels::Rgb,
                _ => return None,
            },
            verify: self.verify,
            max_pixels: self.max_pixels,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(size: Option<(u32, u32)>, uniform: bool, colour: bool) -> Observed {
        Observed::Image(ShapeStats { size, uniform, colour })
    }

    #[test]
    fn observations_merge_as_one_stream() {
        // Two shards of 8x6 images agree; a third of 9x6 turns the size into "differs".
        let mut all = image(None, false, false);
        all.merge(&image(Some((8, 6)), true, false)).unwrap();
        all.merge(&image(None, false, false)).unwrap(); // a shard that converted nothing
        all.merge(&image(Some((8, 6)), true, true)).unwrap();
        assert_eq!(all, image(Some((8, 6)), true, true));
        all.merge(&image(Some((9, 6)), true, false)).unwrap();
        assert_eq!(all, image(Some((8, 6)), false, true));

        let clips = |frames: usize| {
            let mut s = ClipStats::default();
            s.observe(&ClipMeta { frames, height: 4, width: 4, decoded: 10, capped: false });
            Observed::Video(s)
        };
        let mut v = clips(5);
        v.merge(&clips(5)).unwrap();
        let Observed::Video(s) = &v else { unreachable!() };
        assert_eq!((s.frames, s.size, s.decoded), (Some(Some(5)), Some(Some((4, 4))), 20));
        v.merge(&clips(6)).unwrap();
        let Observed::Video(s) = &v else { unreachable!() };
        assert_eq!(s.frames, Some(None));

        // "Differs" and "nothing seen" stay apart in a manifest.
        for o in [v.clone(), Observed::Video(ClipStats::default()), clips(3)] {
            let back: Observed = serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
            assert_eq!(back, o);
        }

        let err = v.merge(&image(None, false, false)).unwrap_err();
        assert!(err.contains("video") && err.contains("image"), "{err}");
    }
}
