//! Helpers shared by the fuzz targets: cutting one fuzz input into several files, and a
//! per-process scratch folder where targets that read folders materialise them.
//!
//! How an input is cut into files: [`layout`].

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub mod layout;
pub use layout::{materialise, split_parts, AUTOML_FILES, AUTONLP_FILES, DATASET_FILES, SEPARATOR};

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

/// A fresh scratch folder `name` of `target` holding the files `names` cut from `data`.
pub fn tree_from_input(target: &str, name: &str, names: &[&str], data: &[u8]) -> PathBuf {
    let dir = fresh_dir(scratch_root(target), name);
    materialise(&dir, names, data);
    dir
}

/// The shared check of the single-text targets: non-UTF-8 input is passed over, a parse error
/// must name `path`'s file, and what parses goes to `parsed` for the target's own round trip.
pub fn check_text_parser<T, E: std::fmt::Display>(
    data: &[u8],
    path: &Path,
    parse: impl FnOnce(&str, &Path) -> Result<T, E>,
    parsed: impl FnOnce(T),
) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse(text, path) {
        Ok(value) => parsed(value),
        Err(e) => {
            let name = path.file_name().map_or_else(Default::default, |n| n.to_string_lossy());
            assert!(e.to_string().contains(&*name), "error must name the file: {e}")
        }
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
