//! The domains a plan can shard and what a plan stores of them: each domain's own settings
//! type (the converter crate's serde options with what the plan fixed), so every byte is
//! decided by the converters' code — per-file domains through
//! [`converters_common::file_domain::FileDomain`] (`Image`, `Video`, `Audio`), tables and
//! corpora through [`crate::whole`].

use std::path::Path;

use converters_audio::{Audio, AudioOptions, AudioSettings};
use converters_common::file_domain::FileDomain;
use converters_common::planned::WholeInputDomain;
use converters_common::{ConvertError, RawItem};
use converters_image::{Image, ImageOptions, ImageSettings};
use converters_tabular::{TableSettled, TabularOptions};
use converters_text::{CorpusSettled, TextOptions};
use converters_video::{Video, VideoOptions, VideoSettings};
use serde::{Deserialize, Serialize};

/// A plan's domain and settings (the plan header's `settings`, a file recipe's `settings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DomainSettings {
    Image(ImageSettings),
    Video(VideoSettings),
    Audio(AudioSettings),
    /// A table: what the whole-table pass fixed ([`converters_tabular::settle`]).
    Tabular(TableSettled),
    /// A corpus: the trained tokenizer and where the documents are ([`converters_text::settle`]).
    Text(CorpusSettled),
}

/// Runs `$file` with `$d` the per-file domain type and `$s` its settings, or `$whole` with `$w`
/// the [`crate::whole::WholeSettings`] of a table or corpus: the one place a plan's domain is
/// turned into code.
macro_rules! dispatch {
    ($settings:expr, $d:ident, $s:ident => $file:expr, $w:ident => $whole:expr) => {
        match $settings {
            $crate::domain::DomainSettings::Image($s) => {
                type $d = converters_image::Image;
                $file
            }
            $crate::domain::DomainSettings::Video($s) => {
                type $d = converters_video::Video;
                $file
            }
            $crate::domain::DomainSettings::Audio($s) => {
                type $d = converters_audio::Audio;
                $file
            }
            $crate::domain::DomainSettings::Tabular(t) => {
                let $w = $crate::whole::WholeSettings::Tabular(t.clone());
                $whole
            }
            $crate::domain::DomainSettings::Text(t) => {
                let $w = $crate::whole::WholeSettings::Text(t.clone());
                $whole
            }
        }
    };
}
pub(crate) use dispatch;

impl DomainSettings {
    pub fn domain(&self) -> &'static str {
        dispatch!(self, D, _s => D::NAME, w => w.name())
    }

    /// Checks the stored options (an error for options this build cannot honour).
    pub fn check(&self) -> Result<(), ConvertError> {
        dispatch!(self, D, s => D::prepare(s).map(drop), _w => Ok(()))
    }

    /// Whether `path` is an input of this domain; a table or a corpus is never listed file by file.
    pub fn accepts(&self, path: &Path) -> bool {
        dispatch!(self, D, _s => D::accepts(path), _w => false)
    }
}

/// What `plan` is asked to convert (`convert`'s flags).
#[derive(Debug, Clone)]
pub enum DomainRequest {
    Image(ImageOptions),
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
            DomainRequest::Image(_) => Image::NAME,
            DomainRequest::Video(_) => Video::NAME,
            DomainRequest::Audio(_) => Audio::NAME,
            DomainRequest::Tabular(_) => converters_tabular::Tabular::NAME,
            DomainRequest::Text(_) => converters_text::Text::NAME,
        }
    }

    /// Whether `path` is an input of this domain (the converter's own filter); a table or a
    /// corpus is one input, never listed file by file.
    pub fn accepts(&self, path: &Path) -> bool {
        match self {
            DomainRequest::Image(_) => Image::accepts(path),
            DomainRequest::Video(_) => Video::accepts(path),
            DomainRequest::Audio(_) => Audio::accepts(path),
            DomainRequest::Tabular(_) | DomainRequest::Text(_) => false,
        }
    }

    /// Whether an input without one file of the domain is refused up front.
    pub fn refuses_empty(&self) -> bool {
        match self {
            DomainRequest::Image(_) => Image::REFUSES_EMPTY,
            DomainRequest::Video(_) => Video::REFUSES_EMPTY,
            DomainRequest::Audio(_) => Audio::REFUSES_EMPTY,
            DomainRequest::Tabular(_) | DomainRequest::Text(_) => true,
        }
    }

    /// Checks the options (before the listing, which can be long).
    pub fn check(&self) -> Result<(), ConvertError> {
        match self {
            DomainRequest::Image(o) => Image::check(o),
            DomainRequest::Video(o) => Video::check(o),
            DomainRequest::Audio(o) => Audio::check(o),
            DomainRequest::Tabular(o) => o.check().map_err(ConvertError::from),
            DomainRequest::Text(o) => o.check().map_err(ConvertError::from),
        }
    }

    /// Checks the options, then fixes what every shard must share (the channel count), as
    /// `convert` does before its first record. Tables and corpora are settled as a whole
    /// ([`crate::plan`]), not from a listing.
    pub fn settle(&self, items: &[RawItem]) -> Result<DomainSettings, ConvertError> {
        Ok(match self {
            DomainRequest::Image(o) => DomainSettings::Image(Image::settle(o, items)?),
            DomainRequest::Video(o) => DomainSettings::Video(Video::settle(o, items)?),
            DomainRequest::Audio(o) => DomainSettings::Audio(Audio::settle(o, items)?),
            DomainRequest::Tabular(_) | DomainRequest::Text(_) => {
                return Err(ConvertError::Options(format!("{} inputs are settled as a whole, not from a listing", self.name())))
            }
        })
    }

    /// The settings of a finished `convert` whose records have `channels` channels (what its
    /// recipe keeps); `None` for tables and corpora, whose converters write their own.
    pub fn converted_settings(&self, channels: usize) -> Option<DomainSettings> {
        Some(match self {
            DomainRequest::Image(o) => DomainSettings::Image(Image::with_channels(&ImageSettings { options: *o, dense_channels: 0 }, channels)),
            DomainRequest::Video(o) => DomainSettings::Video(Video::with_channels(&VideoSettings { options: *o, channels: 0 }, channels)),
            DomainRequest::Audio(o) => DomainSettings::Audio(Audio::with_channels(&AudioSettings { options: *o, channels: 0 }, channels)),
            DomainRequest::Tabular(_) | DomainRequest::Text(_) => return None,
        })
    }
}

/// The metadata facts of a run of converted records, as a shard manifest keeps them:
/// `{"<domain>": <the domain's stats>}` (`null` stats for tables and corpora, whose metadata
/// the plan fixes).
pub type Observed = serde_json::Value;

/// `stats` as a manifest keeps them.
pub fn observed<D: FileDomain>(stats: &D::Stats) -> Observed {
    let mut map = serde_json::Map::new();
    map.insert(D::NAME.into(), serde_json::to_value(stats).expect("stats are plain data"));
    Observed::Object(map)
}

/// The facts of a table or corpus shard.
pub fn observed_whole(name: &str) -> Observed {
    let mut map = serde_json::Map::new();
    map.insert(name.into(), Observed::Null);
    Observed::Object(map)
}

/// The stats of `D` in a manifest's observations; `Err` names a domain mismatch.
pub fn stats_of<D: FileDomain>(o: &Observed) -> Result<D::Stats, String> {
    let found = o.as_object().and_then(|m| m.keys().next()).cloned().unwrap_or_default();
    match o.get(D::NAME) {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("unreadable {} observations: {e}", D::NAME)),
        None => Err(format!("observations of {found} records in a plan of {} records", D::NAME)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use converters_common::file_domain::RecordStats;
    use converters_image::ShapeStats;
    use converters_video::{ClipMeta, ClipStats};

    fn image(size: Option<(u32, u32)>, uniform: bool, colour: bool) -> ShapeStats {
        ShapeStats { size, uniform, colour }
    }

    #[test]
    fn observations_merge_as_one_stream() {
        // Two shards of 8x6 images agree; a third of 9x6 turns the size into "differs".
        let mut all = image(None, false, false);
        for later in [image(Some((8, 6)), true, false), image(None, false, false), image(Some((8, 6)), true, true)] {
            all.merge(&later);
        }
        assert_eq!(all, image(Some((8, 6)), true, true));
        all.merge(&image(Some((9, 6)), true, false));
        assert_eq!(all, image(Some((8, 6)), false, true));

        let clips = |frames: usize| {
            let mut s = ClipStats::default();
            s.observe(&ClipMeta { frames, height: 4, width: 4, decoded: 10, capped: false });
            s
        };
        let mut v = clips(5);
        v.merge(&clips(5));
        assert_eq!((v.frames, v.size, v.decoded), (Some(Some(5)), Some(Some((4, 4))), 20));
        v.merge(&clips(6));
        assert_eq!(v.frames, Some(None));

        // "Differs" and "nothing seen" stay apart in a manifest.
        for s in [v.clone(), ClipStats::default(), clips(3)] {
            let text = serde_json::to_string(&observed::<Video>(&s)).unwrap();
            assert_eq!(stats_of::<Video>(&serde_json::from_str(&text).unwrap()).unwrap(), s);
        }

        let err = stats_of::<Image>(&observed::<Video>(&v)).unwrap_err();
        assert!(err.contains("video") && err.contains("image"), "{err}");
    }

    #[test]
    fn settings_keep_the_json_of_earlier_plans_and_recipes() {
        // The image settings as plan/2 and recipe v1 wrote them (string-typed then).
        let old = r#"{"image":{"storage":"dense","size":[8,6],"filter":"catmullrom","channels":"3","verify":true,"max_pixels":1000,"dense_channels":3}}"#;
        let s: DomainSettings = serde_json::from_str(old).unwrap();
        let DomainSettings::Image(i) = &s else { panic!("{s:?}") };
        assert_eq!(i.options.storage, converters_image::Storage::Dense);
        assert_eq!(i.options.filter, converters_image::ResizeFilter::CatmullRom);
        assert_eq!(i.options.channels, converters_image::Channels::Rgb);
        assert_eq!(serde_json::to_string(&s).unwrap(), old);
        assert!(serde_json::from_str::<DomainSettings>(&old.replace("catmullrom", "bicubic")).is_err());
    }
}
