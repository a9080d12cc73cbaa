//! `autodl_format._native`: the Rust side of the `autodl_format` Python package.
//!
//! - [`errors`]: crate errors → the exception classes of `autodl_format.errors`, with the file,
//!   record and offset as attributes;
//! - [`read`]: a dataset opened for reading; records come out in batches decoded in parallel
//!   with the GIL released;
//! - [`convert`]: raw input → dataset with the CLI's options as keyword arguments, through the
//!   CLI's own conversion entry points (`pipeline::convert`).
//!
//! `validate` and `inspect` hand back the same JSON the CLI prints with `--json`; the Python
//! layer wraps it in report objects.

use std::path::PathBuf;

use pyo3::prelude::*;

mod convert;
mod errors;
mod jpeg;
mod read;

/// The validator's report as the CLI's `validate --json` prints it.
#[pyfunction]
#[pyo3(signature = (path, deep = false, max_per_code = 20))]
fn validate_json(py: Python<'_>, path: PathBuf, deep: bool, max_per_code: usize) -> PyResult<String> {
    if !path.is_dir() {
        let why = if path.exists() { "is not a folder" } else { "does not exist" };
        return Err(errors::not_a_dataset(py, &path, why));
    }
    let opts = formats::validate::ValidateOptions { deep, max_per_code, ..Default::default() };
    let report = py.detach(|| formats::validate::validate(&path, &opts));
    serde_json::to_string(&report).map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

/// The inspection as the CLI's `inspect --json` prints it.
#[pyfunction]
fn inspect_json(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    let inspection = py.detach(|| formats::inspect::inspect(&path)).map_err(|e| errors::format_error(py, &e))?;
    serde_json::to_string(&inspection).map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The converters reach FFmpeg through the decoders a program installs (video; audio symphonia
    // cannot open); this module maps FFmpeg when built with it.
    #[cfg(feature = "ffmpeg")]
    {
        converters_video::decode::install();
        converters_audio::ffmpeg::install();
    }
    m.add_function(wrap_pyfunction!(validate_json, m)?)?;
    m.add_function(wrap_pyfunction!(inspect_json, m)?)?;
    m.add_function(wrap_pyfunction!(convert::convert, m)?)?;
    m.add_class::<read::Reader>()?;
    m.add_class::<read::RecordStream>()?;
    m.add("FFMPEG", cfg!(feature = "ffmpeg"))?;
    Ok(())
}
