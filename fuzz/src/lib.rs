//! Helpers shared by the fuzz targets: cutting one fuzz input into several files, and a
//! per-process scratch folder where targets that read folders materialise them.
//!
//! Input convention for multi-file targets: parts separated by [`SEPARATOR`]; part *k* becomes
//! file *k* of the target's list. An input with fewer parts leaves the later files absent, so
//! the fuzzer also explores missing files.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Separates the files packed into one fuzz input.
pub const SEPARATOR: &[u8] = b"\n@@@\n";

/// At most `max` parts of `data` cut at [`SEPARATOR`]; the last part keeps any further separators.
pub fn split_parts(data: &[u8], max: usize) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() + 1 < max {
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

/// Joins parts with [`SEPARATOR`] (used to build seed inputs).
pub fn join_parts(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(SEPARATOR)
}

/// A scratch folder for this process and target (under `AUTODL_FUZZ_SCRATCH`, else the system
/// temp folder); emptied by [`fresh_dir`] before every input.
pub fn scratch_root(target: &str) -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let base = std::env::var_os("AUTODL_FUZZ_SCRATCH")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("autodl-fuzz-{target}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder must be creatable");
        dir
    })
}

/// `root/name`, removed and created empty.
pub fn fresh_dir(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder must be creatable");
    dir
}

/// Writes `files[k]` to `dir/names[k]` for the parts present (parent folders created).
pub fn materialise(dir: &Path, names: &[&str], parts: &[&[u8]]) {
    for (name, bytes) in names.iter().zip(parts) {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("scratch folder must be creatable");
        }
        std::fs::write(&path, bytes).expect("scratch file must be writable");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip() {
        let joined = join_parts(&[b"a", b"", b"c"]);
        assert_eq!(split_parts(&joined, 3), vec![&b"a"[..], b"", b"c"]);
        assert_eq!(split_parts(&joined, 2), vec![&b"a"[..], &joined[6..]]);
        assert_eq!(split_parts(b"x", 4), vec![&b"x"[..]]);
    }
}
