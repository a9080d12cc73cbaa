//! Receiving an upload: multipart parts streamed to disk chunk by chunk (never held in memory),
//! bytes counted against `--max-upload` as they arrive. Folder files (`files` parts, named by
//! their relative path) land under `DEST/`, archives (`archive` parts) are unpacked there after
//! the body, text parts are the form's options. File names are checked by
//! [`super::names::safe_relative`]: nothing is written outside `DEST`.

use std::path::{Path, PathBuf};

use axum::extract::Multipart;
use std::io::Write;

use super::archive::{self, Caps};
use super::error::{Result, ServeError};
use super::names::safe_relative;

/// Longest text field, bytes.
const MAX_FIELD: usize = 64 * 1024;
/// Most files one folder upload may hold (the same cap as an archive's entries).
const MAX_FILES: usize = 50_000;

/// What an upload brought.
#[derive(Debug, Default)]
pub struct Received {
    /// Text fields in order: (name, value).
    pub fields: Vec<(String, String)>,
    /// Files written under DEST (archive entries included).
    pub files: usize,
    /// Bytes received (the request's parts), and bytes unpacked from archives.
    pub bytes: u64,
    pub unpacked: u64,
}

/// Streams the multipart body into `dest` (created here; must not exist). `scratch` holds
/// archives until they are unpacked. `what` names the upload in messages.
pub async fn receive(mut multipart: Multipart, dest: &Path, scratch: &Path, max_upload: u64, caps: Caps) -> Result<Received> {
    let result = receive_parts(&mut multipart, dest, scratch, max_upload, caps).await;
    if let Err(ServeError::TooLarge(_)) = &result {
        drain_rest(&mut multipart).await;
    }
    result
}

/// Reads (and drops) what is left of a refused body, up to a limit, so the client that is
/// still sending reads the refusal instead of a reset connection.
async fn drain_rest(multipart: &mut Multipart) {
    let mut left: u64 = 256 << 20;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            left = left.saturating_sub(chunk.len() as u64);
            if left == 0 {
                return;
            }
        }
    }
}

async fn receive_parts(multipart: &mut Multipart, dest: &Path, scratch: &Path, max_upload: u64, caps: Caps) -> Result<Received> {
    tokio::fs::create_dir_all(dest).await.map_err(|e| ServeError::io(format!("creating {}", dest.display()), e))?;
    let mut got = Received::default();
    let mut archives: Vec<PathBuf> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(body_error(e, got.bytes, max_upload)),
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "files" | "archive" => {
                let file_name = field.file_name().unwrap_or("").to_string();
                if file_name.is_empty() {
                    // an empty file input still sends a part with no name: skip it
                    drain(field, &mut got.bytes, max_upload).await?;
                    continue;
                }
                let path = if name == "files" {
                    got.files += 1;
                    if got.files > MAX_FILES {
                        return Err(ServeError::TooLarge(format!("upload: more than {MAX_FILES} files")));
                    }
                    let rel = safe_relative(&file_name, "upload")?;
                    if let Some(parent) = rel.parent() {
                        let dir = dest.join(parent);
                        tokio::fs::create_dir_all(&dir).await.map_err(|e| ServeError::io(format!("creating {}", parent.display()), e))?;
                    }
                    dest.join(rel)
                } else {
                    tokio::fs::create_dir_all(scratch).await.map_err(|e| ServeError::io("creating the upload folder", e))?;
                    let p = scratch.join(format!("archive-{}", archives.len()));
                    archives.push(p.clone());
                    p
                };
                save(field, &path, &file_name, &mut got.bytes, max_upload).await?;
            }
            _ => {
                let mut value = Vec::new();
                let mut field = field;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            count(&mut got.bytes, chunk.len(), max_upload)?;
                            if value.len() + chunk.len() > MAX_FIELD {
                                return Err(ServeError::BadRequest(format!("form field {name:?} is over {MAX_FIELD} bytes")));
                            }
                            value.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(e) => return Err(body_error(e, got.bytes, max_upload)),
                    }
                }
                let value = String::from_utf8(value)
                    .map_err(|_| ServeError::BadRequest(format!("form field {name:?} is not UTF-8 text")))?;
                got.fields.push((name, value));
            }
        }
    }
    for (k, path) in archives.iter().enumerate() {
        let (archive_path, dest) = (path.clone(), dest.to_path_buf());
        let what = format!("archive {}", k + 1);
        let unpacked = tokio::task::spawn_blocking(move || archive::unpack(&archive_path, &dest, caps, &what))
            .await
            .map_err(|e| ServeError::Internal(format!("unpacking: {e}")))??;
        got.files += unpacked.files;
        got.unpacked += unpacked.bytes;
        let _ = tokio::fs::remove_file(path).await;
    }
    Ok(got)
}

fn count(total: &mut u64, n: usize, max_upload: u64) -> Result<()> {
    *total += n as u64;
    if *total > max_upload {
        return Err(over_cap(max_upload));
    }
    Ok(())
}

pub fn over_cap(max_upload: u64) -> ServeError {
    ServeError::TooLarge(format!(
        "upload refused: more than {max_upload} bytes (this server's --max-upload); nothing was kept"
    ))
}

fn body_error(e: axum::extract::multipart::MultipartError, bytes: u64, max_upload: u64) -> ServeError {
    if bytes > max_upload {
        over_cap(max_upload)
    } else {
        ServeError::BadRequest(format!("upload interrupted or malformed after {bytes} bytes: {}", e.body_text()))
    }
}

async fn save(mut field: axum::extract::multipart::Field<'_>, path: &Path, shown: &str, total: &mut u64, max_upload: u64) -> Result<()> {
    // Plain blocking writes of each received chunk (tens of KB into the page cache): tokio's
    // File would copy every file through its own 2 MB buffer on a pool thread, and 20
    // concurrent uploads then held ~300 MB.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                ServeError::BadRequest(format!("upload: file {shown:?} sent twice"))
            } else {
                ServeError::io(format!("upload: writing {shown:?}"), e)
            }
        })?;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                count(total, chunk.len(), max_upload)?;
                file.write_all(&chunk).map_err(|e| ServeError::io(format!("upload: writing {shown:?}"), e))?;
            }
            Ok(None) => break,
            Err(e) => return Err(body_error(e, *total, max_upload)),
        }
    }
    Ok(())
}

async fn drain(mut field: axum::extract::multipart::Field<'_>, total: &mut u64, max_upload: u64) -> Result<()> {
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => count(total, chunk.len(), max_upload)?,
            Ok(None) => return Ok(()),
            Err(e) => return Err(body_error(e, *total, max_upload)),
        }
    }
}

/// The input `rate` should read in `dest`: the single file or folder it holds (an uploaded
/// folder arrives as `name/…`, a table as one file), else `dest` itself. A folder that holds
/// one file and nothing else (a zipped table) stands for that file.
pub fn input_of(dest: &Path) -> std::io::Result<Option<PathBuf>> {
    let Some(top) = single_entry(dest)? else {
        let empty = std::fs::read_dir(dest)?.next().is_none();
        return Ok((!empty).then(|| dest.to_path_buf()));
    };
    if top.is_dir() {
        if let Some(inner) = single_entry(&top)?.filter(|p| p.is_file()) {
            return Ok(Some(inner));
        }
    }
    Ok(Some(top))
}

/// The only entry of `dir`, if it has exactly one.
fn single_entry(dir: &Path) -> std::io::Result<Option<PathBuf>> {
    let mut entries = std::fs::read_dir(dir)?.collect::<std::io::Result<Vec<_>>>()?;
    Ok((entries.len() == 1).then(|| entries.remove(0).path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_is_the_uploaded_folder_or_file() {
        let (_d, dest) = crate::serve::scratch::scratch("input", None);
        assert_eq!(input_of(&dest).unwrap(), None);
        std::fs::create_dir_all(dest.join("shapes/disc")).unwrap();
        std::fs::write(dest.join("shapes/disc/1.png"), "x").unwrap();
        std::fs::create_dir_all(dest.join("shapes/bar")).unwrap();
        assert_eq!(input_of(&dest).unwrap(), Some(dest.join("shapes")));
        std::fs::remove_dir_all(dest.join("shapes")).unwrap();
        std::fs::create_dir_all(dest.join("zipped")).unwrap();
        std::fs::write(dest.join("zipped/t.csv"), "a").unwrap();
        assert_eq!(input_of(&dest).unwrap(), Some(dest.join("zipped/t.csv")));
        std::fs::write(dest.join("u.csv"), "a").unwrap();
        assert_eq!(input_of(&dest).unwrap(), Some(dest.clone()));
    }
}
