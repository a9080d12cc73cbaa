//! Audio on the per-file shape ([`converters_common::file_domain::FileDomain`]): the settings a
//! plan and a recipe keep, one file → one record, the metadata (spec §5.3): DENSE `(T, 1, 1, C)`
//! records, `sequence_size` −1, floats in [-1, 1] at `--sample-rate`. A folder is converted by
//! [`converters_common::folder::convert_folder`]`::<Audio>`.

use std::collections::BTreeMap;

use converters_common::file_domain::{CheckOptions, FileDomain, RecordStats};
use converters_common::{ItemError, RawItem, Result};
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::convert::{convert_audio, ConvertedAudio};
use crate::decode::probe;
use crate::options::{AudioChannels, AudioOptions, CheckedAudioOptions};

/// Audio options with the channel count of every record (what a plan and a recipe keep).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioSettings {
    pub options: AudioOptions,
    pub channels: usize,
}

/// Checked audio settings.
#[derive(Debug, Clone)]
pub struct AudioConverter {
    pub opts: CheckedAudioOptions,
    pub channels: usize,
}

/// Seconds of one file read and stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AudioMeta {
    pub source_seconds: f64,
    pub seconds: f64,
}

/// Seconds of audio read and stored (reported, not part of the metadata).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AudioTotals {
    pub source_seconds: f64,
    pub stored_seconds: f64,
}

impl RecordStats<AudioMeta> for AudioTotals {
    fn observe(&mut self, m: &AudioMeta) {
        self.source_seconds += m.source_seconds;
        self.stored_seconds += m.seconds;
    }

    fn merge(&mut self, later: &AudioTotals) {
        self.source_seconds += later.source_seconds;
        self.stored_seconds += later.stored_seconds;
    }
}

/// The audio domain.
#[derive(Debug)]
pub struct Audio;

impl FileDomain for Audio {
    const NAME: &'static str = "audio";
    const WHAT: &'static str = "audio files";
    const EXTENSIONS: &'static [&'static str] = crate::options::EXTENSIONS;
    const REFUSES_EMPTY: bool = true;
    type Options = AudioOptions;
    type Settings = AudioSettings;
    type Checked = AudioConverter;
    type Meta = AudioMeta;
    type Stats = AudioTotals;

    fn settle(opts: &AudioOptions, items: &[RawItem]) -> Result<AudioSettings> {
        let checked = opts.check()?;
        Ok(AudioSettings { options: *opts, channels: dataset_channels(&checked, items) })
    }

    fn prepare(s: &AudioSettings) -> Result<AudioConverter> {
        Ok(AudioConverter { opts: s.options.check()?, channels: s.channels })
    }

    fn convert(c: &AudioConverter, path: &std::path::Path, name: &str) -> std::result::Result<(Frames, AudioMeta), ItemError> {
        let a = audio_record(path, name, &c.opts, c.channels)?;
        Ok((a.frames, AudioMeta { source_seconds: a.source_seconds, seconds: a.seconds }))
    }

    fn spec(c: &AudioConverter, _: &AudioTotals, output_dim: usize, class_names: Option<&[String]>) -> (DataSpec, [i32; 4], Vec<String>) {
        (speech_spec(output_dim, class_names, c.channels), [-1, 1, 1, c.channels as i32], vec![])
    }

    fn chunk_size(_: &AudioConverter) -> usize {
        // A record holds a whole (possibly long) file: keep two small chunks in flight.
        (rayon::current_num_threads() * 2).max(2)
    }

    fn deep_validate(_: &AudioConverter) -> bool {
        true
    }

    fn with_channels(s: &AudioSettings, channels: usize) -> AudioSettings {
        AudioSettings { options: s.options, channels }
    }
}

/// The channel count of every record. Dense frames hold C floats, the same C for every record:
/// mono is 1; `keep` takes the most common channel count from the headers (files with another
/// count are reported when converted).
pub fn dataset_channels(opts: &CheckedAudioOptions, items: &[converters_common::RawItem]) -> usize {
    match opts.channels {
        AudioChannels::Mono => 1,
        AudioChannels::Keep => {
            let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
            for info in items.par_iter().filter_map(|i| probe(&i.path).ok()).collect::<Vec<_>>() {
                *counts.entry(info.channels).or_default() += 1;
            }
            counts.iter().max_by_key(|(c, n)| (**n, usize::MAX - **c)).map(|(c, _)| *c).unwrap_or(1)
        }
    }
}

/// One audio file → its record (`name`, the input's name in its listing, seeds the random
/// crop); a file whose channel count is not the dataset's `channels` is a bad input.
pub fn audio_record(path: &std::path::Path, name: &str, opts: &CheckedAudioOptions, channels: usize) -> std::result::Result<ConvertedAudio, ItemError> {
    let a = convert_audio(path, name, opts)?;
    if a.channels != channels {
        return Err(ItemError::new(
            path,
            format!("has {} channel(s) but this dataset keeps {channels} (--channels keep); use --channels 1 to down-mix", a.channels),
        ));
    }
    Ok(a)
}

/// Speech metadata (spec §5.3): DENSE `(−1, 1, 1, C)`, empty `channel_to_index_map` (which
/// tells speech from text, spec §5.6).
pub fn speech_spec(output_dim: usize, class_names: Option<&[String]>, channels: usize) -> DataSpec {
    DataSpec {
        matrix_spec: vec![MatrixSpec {
            col_count: 1,
            row_count: 1,
            has_locality_col: true,
            has_locality_row: true,
            format: Format::Dense,
            num_channels: channels as i32,
            num_channels_present: true,
            ..MatrixSpec::default()
        }],
        is_sequence: false,
        output_dim: output_dim as i32,
        label_to_index_map: class_names.iter().flat_map(|n| n.iter()).enumerate().map(|(i, n)| (n.clone(), i as i32)).collect(),
        sequence_size: -1,
        sequence_size_present: true,
        ..DataSpec::default()
    }
}
