//! `convert(input, out, domain, options)`: the CLI's `convert` flags as a dict (underscored
//! names, e.g. `test_size`, `max_seconds`), handed to the pipeline's entry point of that kind
//! (`pipeline::convert`, what the CLI's `convert` runs: same dataset, same recipe). The domain
//! is explicit here.

use std::path::PathBuf;

use converters_common::{ErrorPolicy, OnError, SplitOptions};
use pipeline::convert::{Common, Converted};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::conversion::FromPyObjectOwned;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyDictMethods};

use crate::errors::pipeline_error;

/// The option dict, consumed key by key; keys left over at the end are unknown options.
struct Opts<'py> {
    dict: Bound<'py, PyDict>,
}

impl<'py> Opts<'py> {
    fn take<T: FromPyObjectOwned<'py>>(&self, key: &str) -> PyResult<Option<T>> {
        match self.dict.get_item(key)? {
            None => Ok(None),
            Some(v) if v.is_none() => {
                self.dict.del_item(key)?;
                Ok(None)
            }
            Some(v) => {
                self.dict.del_item(key)?;
                v.extract::<T>().map(Some).map_err(|e| {
                    let e: PyErr = e.into();
                    PyTypeError::new_err(format!("option {key}: {e}"))
                })
            }
        }
    }

    fn or<T: FromPyObjectOwned<'py>>(&self, key: &str, default: T) -> PyResult<T> {
        Ok(self.take(key)?.unwrap_or(default))
    }

    /// A string option restricted to `choices` (the CLI's value names).
    fn choice(&self, key: &str, default: &'static str, choices: &[&'static str]) -> PyResult<&'static str> {
        let Some(v) = self.take::<Bound<'py, PyAny>>(key)? else { return Ok(default) };
        let s = v.str()?.to_string();
        choices
            .iter()
            .find(|c| **c == s)
            .copied()
            .ok_or_else(|| PyValueError::new_err(format!("option {key}={s:?}: one of {}", choices.join(", "))))
    }

    /// A string or a list of strings (repeatable CLI flags).
    fn strings(&self, key: &str) -> PyResult<Vec<String>> {
        let Some(v) = self.take::<Bound<'py, PyAny>>(key)? else { return Ok(Vec::new()) };
        if let Ok(s) = v.extract::<String>() {
            return Ok(vec![s]);
        }
        v.extract::<Vec<String>>().map_err(|_| PyTypeError::new_err(format!("option {key}: a string or a list of strings")))
    }

    fn finish(&self) -> PyResult<()> {
        let left: Vec<String> = self.dict.keys().iter().map(|k| k.to_string()).collect();
        if left.is_empty() {
            Ok(())
        } else {
            Err(PyTypeError::new_err(format!("unknown convert option(s): {}", left.join(", "))))
        }
    }
}

/// Flags every domain understands (the CLI's CommonArgs), writing into `out`.
fn common(o: &Opts<'_>, out: PathBuf) -> PyResult<Common> {
    let on_error = match o.choice("on_error", "skip", &["skip", "fail"])? {
        "fail" => OnError::Fail,
        _ => OnError::Skip,
    };
    Ok(Common {
        out,
        name: o.take("name")?,
        force: o.or("force", false)?,
        quiet: o.or("quiet", false)?,
        fsync: o.or("fsync", false)?,
        split: SplitOptions { test_size: o.or("test_size", 0.2)?, seed: o.or("seed", 42u64)?, resplit: o.or("resplit", false)? },
        policy: ErrorPolicy { on_error, max_errors: o.take("max_errors")? },
    })
}

fn size(o: &Opts<'_>) -> PyResult<Option<(u32, u32)>> {
    let Some(v) = o.take::<Bound<'_, PyAny>>("size")? else { return Ok(None) };
    if let Ok(hw) = v.extract::<(u32, u32)>() {
        return Ok(Some(hw));
    }
    let s: String = v.extract().map_err(|_| PyTypeError::new_err("option size: \"HxW\" or (height, width)"))?;
    converters_image::options::parse_size(&s).map(Some).map_err(|e| PyValueError::new_err(format!("option size: {e}")))
}

fn channels(o: &Opts<'_>) -> PyResult<&'static str> {
    o.choice("channels", "auto", &["auto", "1", "3", "keep"])
}

fn image_options(o: &Opts<'_>) -> PyResult<converters_image::ImageOptions> {
    use converters_image::{Channels, ImageOptions, ResizeFilter, Storage};
    Ok(ImageOptions {
        storage: match o.choice("format", "compressed", &["compressed", "dense"])? {
            "dense" => Storage::Dense,
            _ => Storage::Compressed,
        },
        size: size(o)?,
        filter: match o.choice("filter", "triangle", &["nearest", "triangle", "catmullrom", "gaussian", "lanczos3"])? {
            "nearest" => ResizeFilter::Nearest,
            "catmullrom" => ResizeFilter::CatmullRom,
            "gaussian" => ResizeFilter::Gaussian,
            "lanczos3" => ResizeFilter::Lanczos3,
            _ => ResizeFilter::Triangle,
        },
        channels: match channels(o)? {
            "1" => Channels::Gray,
            "3" => Channels::Rgb,
            _ => Channels::Auto,
        },
        verify: o.or("verify", false)?,
        max_pixels: o.or("max_pixels", converters_image::options::DEFAULT_MAX_PIXELS)?,
    })
}

fn video_options(o: &Opts<'_>) -> PyResult<converters_video::VideoOptions> {
    use converters_video::{FrameSelection, ScaleFilter, VideoChannels, VideoOptions, VideoStorage};
    let (fps, frames): (Option<f64>, Option<usize>) = (o.take("fps")?, o.take("frames")?);
    if fps.is_some() && frames.is_some() {
        return Err(PyValueError::new_err("options fps and frames exclude each other"));
    }
    Ok(VideoOptions {
        selection: match (fps, frames) {
            (Some(f), _) => FrameSelection::Fps(f),
            (None, Some(n)) => FrameSelection::Count(n),
            (None, None) => FrameSelection::All,
        },
        size: size(o)?,
        storage: match o.choice("format", "compressed", &["compressed", "dense"])? {
            "dense" => VideoStorage::Dense,
            _ => VideoStorage::Compressed,
        },
        channels: match channels(o)? {
            "1" => VideoChannels::Gray,
            "3" => VideoChannels::Rgb,
            _ => VideoChannels::Auto,
        },
        filter: match o.choice("filter", "triangle", &["nearest", "triangle", "catmullrom", "gaussian", "lanczos3"])? {
            "nearest" => ScaleFilter::Nearest,
            "catmullrom" => ScaleFilter::Bicubic,
            "gaussian" => ScaleFilter::Gauss,
            "lanczos3" => ScaleFilter::Lanczos,
            _ => ScaleFilter::Bilinear,
        },
        jpeg_quality: o.or("jpeg_quality", converters_video::options::DEFAULT_JPEG_QUALITY)?,
        max_frames: o.take("max_frames")?,
        deep_validate: true,
    })
}

fn audio_options(o: &Opts<'_>, seed: u64) -> PyResult<converters_audio::AudioOptions> {
    use converters_audio::{AudioChannels, AudioOptions, Crop};
    Ok(AudioOptions {
        sample_rate: o.or("sample_rate", converters_audio::options::DEFAULT_SAMPLE_RATE)?,
        channels: match channels(o)? {
            "keep" => AudioChannels::Keep,
            "3" => return Err(PyValueError::new_err("channels=3 does not apply to audio: use 1 (mono, the default) or keep")),
            _ => AudioChannels::Mono,
        },
        max_seconds: o.take("max_seconds")?,
        crop: match o.choice("crop", "start", &["start", "center", "random"])? {
            "center" => Crop::Center,
            "random" => Crop::Random,
            _ => Crop::Start,
        },
        seed,
        silence_db: o.or("silence_db", converters_audio::options::DEFAULT_SILENCE_DB)?,
    })
}

fn delimiter(o: &Opts<'_>) -> PyResult<Option<u8>> {
    let Some(s) = o.take::<String>("delimiter")? else { return Ok(None) };
    match s.as_str() {
        "tab" | "\\t" | "\t" => Ok(Some(b'\t')),
        _ if s.len() == 1 && s.is_ascii() => Ok(Some(s.as_bytes()[0])),
        _ => Err(PyValueError::new_err(format!("option delimiter={s:?}: one ASCII character or 'tab'"))),
    }
}

fn tabular_options(o: &Opts<'_>, split: SplitOptions) -> PyResult<converters_tabular::TabularOptions> {
    use converters_tabular::{CategoricalEncoding, ColumnChoices, MissingPolicy, SparseChoice, TabularOptions};
    Ok(TabularOptions {
        columns: ColumnChoices {
            targets: o.strings("target")?,
            categorical: o.strings("categorical_column")?,
            drop: o.strings("drop_column")?,
            encoding: match o.choice("categorical", "auto", &["onehot", "index", "auto"])? {
                "onehot" => CategoricalEncoding::OneHot,
                "index" => CategoricalEncoding::Index,
                _ => CategoricalEncoding::Auto,
            },
            onehot_max: o.or("onehot_max", converters_tabular::limits::DEFAULT_ONEHOT_MAX_CATEGORIES)?,
            target_bins: o.take("bins")?,
        },
        delimiter: delimiter(o)?,
        header: match o.choice("header", "auto", &["auto", "yes", "no"])? {
            "yes" => converters_tabular::HeaderMode::Yes,
            "no" => converters_tabular::HeaderMode::No,
            _ => converters_tabular::HeaderMode::Auto,
        },
        missing: match o.choice("missing", "mean", &["mean", "zero", "nan"])? {
            "zero" => MissingPolicy::Zero,
            "nan" => MissingPolicy::Nan,
            _ => MissingPolicy::Mean,
        },
        sparse: match o.choice("sparse", "auto", &["auto", "yes", "no"])? {
            "yes" => SparseChoice::Yes,
            "no" => SparseChoice::No,
            _ => SparseChoice::Auto,
        },
        split,
    })
}

fn text_options(o: &Opts<'_>, split: SplitOptions, delimiter: Option<u8>) -> PyResult<converters_text::TextOptions> {
    use converters_text::{TableColumns, TextOptions, TokenizerChoice};
    Ok(TextOptions {
        columns: TableColumns {
            text: o.or("text_column", "text".to_string())?,
            label: o.or("label_column", "label".to_string())?,
            delimiter,
        },
        tokenizer: match o.choice("tokenizer", "auto", &["auto", "words", "chars", "bpe"])? {
            "words" => TokenizerChoice::Words,
            "chars" => TokenizerChoice::Chars,
            "bpe" => TokenizerChoice::Bpe,
            _ => TokenizerChoice::Auto,
        },
        vocab_size: o.take("vocab_size")?,
        max_length: o.take("max_length")?,
        split,
    })
}

/// Converts `input` into the dataset folder `out`; returns the dataset root. Progress bars go
/// to stderr unless `quiet`; warnings are printed to stderr unless `quiet`.
#[pyfunction]
#[pyo3(signature = (input, out, domain, options))]
pub fn convert(py: Python<'_>, input: PathBuf, out: PathBuf, domain: &str, options: Bound<'_, PyDict>) -> PyResult<String> {
    let o = Opts { dict: options.copy()? };
    let c = common(&o, out)?;
    let quiet = c.quiet;
    type Job = Box<dyn FnOnce() -> pipeline::Result<Converted> + Send>;
    let job: Job = match domain {
        "image" => {
            let opts = image_options(&o)?;
            Box::new(move || pipeline::convert::convert_image(&input, &c, &opts))
        }
        "video" => {
            let opts = video_options(&o)?;
            Box::new(move || pipeline::convert::convert_video(&input, &c, &opts))
        }
        "audio" => {
            let opts = audio_options(&o, c.split.seed)?;
            Box::new(move || pipeline::convert::convert_audio(&input, &c, &opts))
        }
        "tabular" => {
            let opts = tabular_options(&o, c.split)?;
            Box::new(move || pipeline::convert::convert_tabular(&input, &c, &opts))
        }
        "text" => {
            let opts = text_options(&o, c.split, delimiter(&o)?)?;
            Box::new(move || pipeline::convert::convert_text(&input, &c, &opts))
        }
        other => {
            return Err(PyValueError::new_err(format!(
                "domain={other:?}: give one of image, tabular, text, audio, video (automatic detection is not available from Python yet)"
            )))
        }
    };
    o.finish()?;
    let done = py.detach(job).map_err(|e| pipeline_error(py, &e))?;
    if !quiet {
        for w in done.warnings {
            eprintln!("warning: {w}");
        }
    }
    Ok(done.root.to_string_lossy().into_owned())
}
