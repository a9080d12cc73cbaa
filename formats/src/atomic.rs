//! The one way this workspace writes a file that must never be seen half-written: into a
//! temporary file in the same folder (`tempfile`), flushed and synced, then persisted (renamed)
//! over the target. On any failure the temporary is removed and the target is untouched. The
//! file gets the permissions a plain create would give it (0666 less the umask), not the
//! owner-only ones of a temporary file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::IoError;

/// Writes `path` through `write`, atomically. `prefix` names the temporary (`None`: a hidden
/// `.<file name>.` prefix), for readers that poll the folder and must recognise it.
pub fn write_with(path: &Path, prefix: Option<&str>, write: impl FnOnce(&mut BufWriter<&mut File>) -> std::io::Result<()>) -> Result<(), IoError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let hidden = format!(".{}.", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix.unwrap_or(&hidden));
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(|e| IoError::new(dir, e))?;
    let written = {
        let mut w = BufWriter::new(tmp.as_file_mut());
        write(&mut w).and_then(|_| w.flush())
    };
    written.and_then(|_| tmp.as_file().sync_all()).map_err(|e| IoError::new(path, e))?;
    tmp.persist(path).map_err(|e| IoError::new(path, e.error))?;
    Ok(())
}

/// Writes `bytes` to `path`, atomically.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    write_with(path, None, |w| w.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        write_bytes(&path, b"first").unwrap();
        let failed = write_with(&path, None, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.unwrap_err().to_string().contains("report.html: disk full"));
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "the temporary is gone");
        write_with(&path, Some("temp_x_"), |w| w.write_all(b"second")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        #[cfg(unix)]
        {
            // as a plain create gives: not narrowed to the owner like a temporary file
            use std::os::unix::fs::PermissionsExt;
            let plain = dir.path().join("plain");
            std::fs::write(&plain, b"x").unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), mode(&plain));
        }
    }
}
