//! Downloads of a run: its predictions, report, model bundle and converted dataset (folders as
//! .tar.gz, packed once into `RUN/downloads/` through a temporary file), and files streamed
//! from disk. Only these fixed names are served: no request path ever reaches the filesystem.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tokio_util::io::ReaderStream;

use super::db::Run;
use super::error::{Result, ServeError};
use super::jobs::{dataset_dir, RATED, LOG};

/// A downloadable item: URL name, label, and where it comes from inside the run folder.
struct Item {
    name: &'static str,
    label: &'static str,
    /// Relative to `RUN/rated` (or, for the dataset, the dataset folder).
    source: &'static str,
    folder: bool,
}

const ITEMS: [Item; 5] = [
    Item { name: "predictions.tar.gz", label: "predictions (the ingestion folder, .tar.gz)", source: "predictions", folder: true },
    Item { name: "report.html", label: "report.html", source: "report.html", folder: false },
    Item { name: "model.tar.gz", label: "model bundle (.tar.gz)", source: "model", folder: true },
    Item { name: "dataset.tar.gz", label: "the AutoDL dataset (.tar.gz)", source: "", folder: true },
    Item { name: "rate.log", label: "rate.log", source: "", folder: false },
];

fn source_of(item: &Item, dir: &Path, run: &Run) -> PathBuf {
    let out = dir.join(RATED);
    match item.name {
        "dataset.tar.gz" => dataset_dir(&out, Path::new(&run.input)),
        "rate.log" => dir.join(LOG),
        _ => out.join(item.source),
    }
}

/// The downloads that exist for the run in `dir`: (URL name, label).
pub fn available(dir: &Path, run: &Run) -> Vec<(&'static str, &'static str)> {
    ITEMS
        .iter()
        .filter(|i| {
            let p = source_of(i, dir, run);
            if i.folder { p.is_dir() } else { p.is_file() }
        })
        .map(|i| (i.name, i.label))
        .collect()
}

/// The response for download `name` of the run in `dir`.
pub async fn download(dir: PathBuf, run: &Run, name: &str) -> Result<Response> {
    let item = ITEMS
        .iter()
        .find(|i| i.name == name)
        .ok_or_else(|| ServeError::NotFound(format!("run {}: no download named {name:?}", run.id)))?;
    let source = source_of(item, &dir, run);
    let file_name = format!("run-{}-{}", run.id, item.name);
    if !item.folder {
        if !source.is_file() {
            return Err(ServeError::NotFound(format!("run {}: {} does not exist (yet)", run.id, item.name)));
        }
        let kind = if name.ends_with(".html") { "text/html; charset=utf-8" } else { "text/plain; charset=utf-8" };
        return stream_file(&source, kind, Some(&file_name)).await;
    }
    if !source.is_dir() {
        return Err(ServeError::NotFound(format!("run {}: {} does not exist (yet)", run.id, item.name)));
    }
    let packed = dir.join("downloads").join(item.name);
    if !packed.is_file() {
        let (src, dst, prefix) = (source.clone(), packed.clone(), item.name.trim_end_matches(".tar.gz").to_string());
        tokio::task::spawn_blocking(move || pack_tar_gz(&src, &dst, &prefix))
            .await
            .map_err(|e| ServeError::Internal(format!("packing: {e}")))??;
    }
    stream_file(&packed, "application/gzip", Some(&file_name)).await
}

/// Packs the folder `src` as `prefix/…` into `dst`, written atomically.
pub fn pack_tar_gz(src: &Path, dst: &Path, prefix: &str) -> Result<()> {
    let parent = dst.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| ServeError::io(format!("creating {}", parent.display()), e))?;
    formats::atomic::write_with(dst, None, |w| {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(w, flate2::Compression::fast()));
        builder.follow_symlinks(false);
        builder.append_dir_all(prefix, src)?;
        builder.into_inner()?.finish()?;
        Ok(())
    })
    .map_err(|e| ServeError::io(format!("packing {}", src.display()), e.source))
}

/// Streams a file from disk; `attachment` makes the browser save it under that name.
pub async fn stream_file(path: &Path, content_type: &str, attachment: Option<&str>) -> Result<Response> {
    let file = tokio::fs::File::open(path).await.map_err(|e| ServeError::io(format!("opening {}", path.display()), e))?;
    let len = file.metadata().await.map(|m| m.len()).ok();
    let body = Body::from_stream(ReaderStream::new(file));
    let mut response = ([(header::CONTENT_TYPE, content_type.to_string())], body).into_response();
    let headers = response.headers_mut();
    if let Some(len) = len {
        headers.insert(header::CONTENT_LENGTH, len.into());
    }
    if let Some(name) = attachment {
        // names here are built from a run id and fixed words: nothing to quote
        if let Ok(v) = format!("attachment; filename=\"{name}\"").parse() {
            headers.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_pack_into_a_readable_tar_gz() {
        let (d, src) = crate::serve::scratch::scratch("predictions", None);
        std::fs::write(src.join("start.txt"), "x").unwrap();
        let dst = d.path().join("dl/predictions.tar.gz");
        pack_tar_gz(&src, &dst, "predictions").unwrap();
        let gz = flate2::read::GzDecoder::new(std::fs::File::open(&dst).unwrap());
        let names: Vec<String> = tar::Archive::new(gz)
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert!(names.contains(&"predictions/start.txt".to_string()), "{names:?}");
        assert!(!dst.with_extension("partial").exists());
    }
}
