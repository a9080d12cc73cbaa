//! Listing the files below an input folder in time linear in the number of entries (issue 22:
//! resolving every folder's real path cost depth²/2 `readlink` calls on a deep chain). Links are
//! followed, but a folder already entered (same device and inode) is not entered again, nesting
//! is capped, and everything left out is returned with its reason.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::error::{ConvertError, Result};

/// Folders nested deeper than this below the walked folder are not entered (reported).
pub const MAX_DEPTH: usize = 64;

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Regular files (links followed), sorted by path within each folder, depth first.
    pub files: Vec<PathBuf>,
    /// Entries seen but not listed, with the reason (hidden, loop, not a regular file, too deep).
    pub left_out: Vec<(PathBuf, String)>,
}

/// Walks `dir` (always entered). `visited` holds the (device, inode) of folders not to enter
/// again, shared by the walks of one input: callers put the input root and every class folder
/// in it first ([`folder_key`]), so a link into another class is reported, not followed (its
/// files would otherwise be labelled with the wrong class).
pub fn walk(dir: &Path, visited: &mut HashSet<(u64, u64)>) -> Result<Walk> {
    let mut w = Walk::default();
    visited.insert(folder_key(dir)?);
    walk_into(dir, 0, visited, &mut w)?;
    Ok(w)
}

/// The (device, inode) of a folder, links followed.
pub fn folder_key(dir: &Path) -> Result<(u64, u64)> {
    let meta = std::fs::metadata(dir).map_err(|e| ConvertError::io(dir, e))?;
    Ok((meta.dev(), meta.ino()))
}

const LOOP: &str = "folder reached a second time through a symbolic link (a loop?): not followed";

fn walk_into(dir: &Path, depth: usize, visited: &mut HashSet<(u64, u64)>, w: &mut Walk) -> Result<()> {
    for entry in read_dir_sorted(dir)? {
        let name = entry.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with('.') {
            w.left_out.push((entry, "hidden (name starts with '.'): not an input".into()));
            continue;
        }
        let meta = match std::fs::metadata(&entry) {
            Ok(m) => m,
            Err(e) => {
                w.left_out.push((entry, format!("cannot read: {e}")));
                continue;
            }
        };
        if meta.is_dir() {
            if depth + 1 >= MAX_DEPTH {
                w.left_out.push((entry, format!("folder nested more than {MAX_DEPTH} levels deep: not entered")));
            } else if !visited.insert((meta.dev(), meta.ino())) {
                w.left_out.push((entry, LOOP.into()));
            } else {
                walk_into(&entry, depth + 1, visited, w)?;
            }
        } else if meta.is_file() {
            w.files.push(entry);
        } else {
            let why = crate::read::regular_file(&entry).err().unwrap_or_else(|| "not a regular file: not an input".into());
            w.left_out.push((entry, why));
        }
    }
    Ok(())
}

/// The entries of `dir`, sorted by path.
pub fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| ConvertError::io(dir, e))? {
        v.push(e.map_err(|e| ConvertError::io(dir, e))?.path());
    }
    v.sort();
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_chain_is_capped_and_loops_are_cut() {
        let d = tempfile::tempdir().unwrap();
        let mut p = d.path().join("c");
        for _ in 0..(MAX_DEPTH + 5) {
            p.push("a");
        }
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(d.path().join("c/a/x.png"), b"x").unwrap();
        std::fs::write(d.path().join("c/.hidden.png"), b"x").unwrap();
        std::os::unix::fs::symlink("..", d.path().join("c/a/up")).unwrap();
        let w = walk(&d.path().join("c"), &mut HashSet::new()).unwrap();
        assert_eq!(w.files, vec![d.path().join("c/a/x.png")]);
        let reasons: Vec<&str> = w.left_out.iter().map(|(_, r)| r.as_str()).collect();
        assert!(reasons.iter().any(|r| r.contains("levels deep")), "{reasons:?}");
        assert!(reasons.iter().any(|r| r.contains("hidden")), "{reasons:?}");
        assert!(reasons.iter().any(|r| r.contains("loop")), "{reasons:?}");
    }
}
