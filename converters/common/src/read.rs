//! Reading one raw input: only regular files are inputs (a FIFO would block forever, a link to
//! `/dev/zero` would read until memory runs out), and every read is bounded by the size the
//! file had before reading (issue 22).

use std::io::Read;
use std::path::Path;

use crate::error::ItemError;

/// What a non-regular file is, for the skip report.
fn kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// The size of `path` (links followed) when it is a regular file, else why it is no input.
pub fn regular_file(path: &Path) -> Result<u64, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.is_file() {
        Ok(meta.len())
    } else {
        Err(format!("{}, not a regular file: not an input", kind(&meta.file_type())))
    }
}

/// The bytes of a regular file of at most `max` bytes. The size is taken before reading and
/// the read never goes past it (a file growing meanwhile is cut at the size it had).
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, ItemError> {
    let fail = |r: String| ItemError::new(path, r);
    let len = regular_file(path).map_err(fail)?;
    if len > max {
        return Err(fail(format!("{len} bytes, over the {max}-byte limit for one input")));
    }
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    // The path may have been swapped between the two looks: trust only the opened file.
    let meta = file.metadata().map_err(|e| fail(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(fail(format!("{}, not a regular file: not an input", kind(&meta.file_type()))));
    }
    let len = meta.len().min(len);
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len).read_to_end(&mut bytes).map_err(|e| fail(format!("cannot read: {e}")))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.png");
        std::fs::write(&f, b"12345").unwrap();
        assert_eq!(read_bounded(&f, 10).unwrap(), b"12345");
        assert!(read_bounded(&f, 4).unwrap_err().reason.contains("over the 4-byte limit"));
        let zero = d.path().join("z.png");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(read_bounded(&zero, u64::MAX).unwrap_err().reason.contains("character device"));
        let fifo = d.path().join("p.png");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        if made {
            assert!(read_bounded(&fifo, u64::MAX).unwrap_err().reason.contains("FIFO"));
        }
    }
}
