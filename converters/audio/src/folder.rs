//! A raw audio folder → an AutoDL dataset folder.

use std::collections::BTreeMap;
use std::path::PathBuf;

use converters_common::labels::{discover, LabeledInput};
use converters_common::naming::resolve_name;
use converters_common::output::{Converted, DatasetJob, OutputTarget, Written};
use converters_common::labels::split_items;
use converters_common::split::Subset;
use converters_common::{ConvertError, ErrorPolicy, ItemError, Result, SkipReport, SplitOptions};
use formats::metadata::{DataSpec, Format, MatrixSpec};
use rayon::prelude::*;

use crate::convert::{convert_audio, ConvertedAudio};
use crate::decode::probe;
use crate::options::{is_audio_path, AudioChannels, AudioOptions, CheckedAudioOptions};

/// Everything `convert --domain audio` needs.
#[derive(Debug, Clone)]
pub struct AudioRequest {
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
    pub audio: AudioOptions,
}

/// What a conversion did.
#[derive(Debug, Clone)]
pub struct AudioOutcome {
    pub written: Written,
    /// Labelled inputs found (before skipping unreadable files).
    pub inputs: usize,
    pub warnings: Vec<String>,
    /// `num_channels` of the records.
    pub channels: usize,
    /// Seconds of source audio read and seconds stored, over all records.
    pub source_seconds: f64,
    pub stored_seconds: f64,
}

struct AudioMeta {
    source_seconds: f64,
    seconds: f64,
    /// The input's name in its listing, for the test sources side file.
    name: String,
}

/// Converts the audio folder `req.input` (layouts: [`converters_common::labels`]) into
/// `req.out_dir`: DENSE `(T, 1, 1, C)` records, `sequence_size` −1 (spec §5.3), floats in
/// [-1, 1] at `--sample-rate`. Bad files are skipped or fatal per `req.policy`.
pub fn convert_audio_folder(req: &AudioRequest) -> Result<AudioOutcome> {
    let opts = req.audio.check()?;
    req.split.check()?;
    let mut report = SkipReport::new(req.policy);
    let LabeledInput { items, class_names, output_dim, private_name, mut warnings, .. } =
        discover(&req.input, &is_audio_path, &mut report)?;
    if items.is_empty() {
        return Err(ConvertError::input(&req.input, "no audio file to convert"));
    }
    let name = resolve_name(req.name.as_deref(), private_name.as_deref(), &req.input)?;
    let (plan, split_warning) = split_items(&items, &req.split)?;
    warnings.extend(split_warning);

    let channels = dataset_channels(&opts, &items);

    let target = OutputTarget {
        force: req.force,
        quiet: req.quiet,
        fsync: req.fsync,
        what: "audio files".into(),
        // A record holds a whole (possibly long) file: keep two small chunks in flight.
        chunk_size: (rayon::current_num_threads() * 2).max(2),
        deep_validate: true,
        ..OutputTarget::new(&req.out_dir, &name)
    };
    let mut job = DatasetJob::start(target, items.len() as u64)?;
    let (mut source_seconds, mut stored_seconds) = (0.0, 0.0);
    let convert = |item: &converters_common::RawItem| {
        let a = audio_record(&item.path, &item.name, &opts, channels)?;
        Ok(Converted { frames: a.frames, labels: item.labels.clone(), meta: AudioMeta { source_seconds: a.source_seconds, seconds: a.seconds, name: item.name.clone() } })
    };
    let mut test_sources = Vec::with_capacity(plan.test.len());
    let mut observe = |m: &AudioMeta, test: bool| {
        source_seconds += m.source_seconds;
        stored_seconds += m.seconds;
        if test {
            test_sources.push(m.name.clone());
        }
    };
    job.write_subset(Subset::Test, &items, &plan.test, &mut report, convert, |m| observe(m, true))?;
    job.write_subset(Subset::Train, &items, &plan.train, &mut report, convert, |m| observe(m, false))?;
    let (file, bytes) = converters_common::recipe::test_sources_file(&name, &test_sources);
    job.writer_mut().write_side_file(&file, &bytes)?;

    let spec = speech_spec(output_dim, class_names.as_deref(), channels);
    let written = job.finish(spec, class_names.as_deref(), &report)?;
    Ok(AudioOutcome { written, inputs: items.len(), warnings, channels, source_seconds, stored_seconds })
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
