//! Rust errors → instances of the classes in `autodl_format/errors.py` (defined in Python so
//! an I/O error can also be an `OSError`). Each carries `file`, and `record`/`offset`/`line`/
//! `frame` where the Rust error knows them (None otherwise).

use std::path::Path;

use converters_common::ConvertError;
use formats::Error;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::BoundObject;

/// Builds `autodl_format.errors.<class>(message)` and sets the given attributes on it.
fn build(py: Python<'_>, class: &str, message: String, attrs: &[(&str, Option<Py<PyAny>>)]) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let cls = py.import("autodl_format.errors")?.getattr(class)?;
        let kwargs = PyDict::new(py);
        for (k, v) in attrs {
            kwargs.set_item(*k, v)?;
        }
        let exc = cls.call((message.clone(),), Some(&kwargs))?;
        Ok(PyErr::from_value(exc))
    })();
    // The errors module missing would be a broken install: still report the original message.
    made.unwrap_or_else(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("{message} ({e})")))
}

fn some<T: for<'py> IntoPyObject<'py>>(py: Python<'_>, v: T) -> Option<Py<PyAny>> {
    v.into_pyobject(py).ok().map(|b| b.into_any().unbind())
}

fn file(py: Python<'_>, p: &Path) -> (&'static str, Option<Py<PyAny>>) {
    ("file", some(py, p.to_string_lossy().into_owned()))
}

/// A `formats::Error` as the matching Python exception.
pub fn format_error(py: Python<'_>, e: &Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::Io(formats::IoError { path, source }) => build(
            py,
            if source.kind() == std::io::ErrorKind::NotFound { "DatasetNotFoundError" } else { "DatasetIOError" },
            msg,
            &[file(py, path), ("errno", source.raw_os_error().and_then(|n| some(py, n)))],
        ),
        Error::Framing { path, record, offset, kind } => build(
            py,
            "FramingError",
            msg,
            &[file(py, path), ("record", some(py, *record)), ("offset", some(py, *offset)), ("code", some(py, kind.code()))],
        ),
        Error::Example { path, record, offset, .. } => {
            build(py, "ExampleError", msg, &[file(py, path), ("record", some(py, *record)), ("offset", some(py, *offset))])
        }
        Error::Decode { path, record, frame, .. } => {
            build(py, "DecodeError", msg, &[file(py, path), ("record", some(py, *record)), ("frame", some(py, *frame))])
        }
        Error::Metadata { path, line, column, .. } => {
            build(py, "MetadataError", msg, &[file(py, path), ("line", some(py, *line)), ("column", some(py, *column))])
        }
        Error::Solution { path, line, .. } => build(py, "SolutionError", msg, &[file(py, path), ("line", some(py, *line))]),
        Error::Layout { path, .. } => build(py, "LayoutError", msg, &[file(py, path)]),
        Error::Write { path, .. } => build(py, "WriteError", msg, &[file(py, path)]),
    }
}

/// A path that is not a dataset folder at all.
pub fn not_a_dataset(py: Python<'_>, path: &Path, why: &str) -> PyErr {
    let class = if path.exists() { "LayoutError" } else { "DatasetNotFoundError" };
    build(py, class, format!("{}: {why}", path.display()), &[file(py, path)])
}

/// A failed conversion; the dataset-format errors inside keep their own class.
pub fn convert_error(py: Python<'_>, e: &ConvertError) -> PyErr {
    let msg = e.to_string();
    match e {
        ConvertError::Format(inner) => format_error(py, inner),
        ConvertError::Options(_) => pyo3::exceptions::PyValueError::new_err(msg),
        ConvertError::Io { path, .. } | ConvertError::Input { path, .. } | ConvertError::Validation { path, .. } => {
            build(py, "ConversionError", msg, &[file(py, path)])
        }
        ConvertError::Item(item) | ConvertError::TooManyErrors { last: item, .. } => {
            build(py, "ConversionError", msg, &[file(py, &item.path), ("line", item.line.and_then(|l| some(py, l)))])
        }
        ConvertError::Split(_) | ConvertError::Interrupted { .. } => build(py, "ConversionError", msg, &[]),
    }
}

/// A failed pipeline conversion: the converter's or the dataset format's error inside, found
/// through the lines of context, keeps its own class; anything else is a `ConversionError`.
pub fn pipeline_error(py: Python<'_>, e: &pipeline::Error) -> PyErr {
    let mut cause: &(dyn std::error::Error + 'static) = e;
    loop {
        if let Some(c) = cause.downcast_ref::<ConvertError>() {
            return convert_error(py, c);
        }
        if let Some(f) = cause.downcast_ref::<Error>() {
            return format_error(py, f);
        }
        match cause.downcast_ref::<pipeline::Error>() {
            Some(pipeline::Error::Convert(c)) => return convert_error(py, c),
            Some(pipeline::Error::Format(f)) => return format_error(py, f),
            Some(pipeline::Error::Context { source, .. }) => cause = source.as_ref(),
            _ => return build(py, "ConversionError", e.to_string(), &[]),
        }
    }
}
