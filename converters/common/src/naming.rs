//! The dataset name: `--name`, else `private.info`'s `name`, else the input folder's name
//! (spec §1.1). It names `<name>.data/`, `<name>.solution` and the record files, and the
//! scorer takes the task name up to the first `.`, so it may not contain `.`, `/`, `\` or
//! whitespace.

use std::path::Path;

use crate::error::{ConvertError, Result};

/// Picks the name. A `--name` that is not usable is an error; a derived one is sanitised
/// (unusable characters become `_`).
pub fn resolve_name(cli: Option<&str>, private_info: Option<&str>, input: &Path) -> Result<String> {
    if let Some(name) = cli {
        return match problem(name) {
            None => Ok(name.to_string()),
            Some(why) => Err(ConvertError::Options(format!("--name {name:?}: {why}"))),
        };
    }
    let derived = private_info.map(str::to_string).or_else(|| input_name(input)).unwrap_or_default();
    let clean: String = derived.chars().map(|c| if bad_char(c) { '_' } else { c }).collect();
    match problem(&clean) {
        None => Ok(clean),
        Some(why) => Err(ConvertError::Options(format!(
            "cannot derive a dataset name from {}: {why}; give --name",
            input.display()
        ))),
    }
}

/// A folder's name (`.` and `..` resolved), or a file's name without its extension.
fn input_name(input: &Path) -> Option<String> {
    let resolved;
    let path = if input.file_name().is_none() {
        resolved = input.canonicalize().ok()?;
        resolved.as_path()
    } else {
        input
    };
    let name = if path.is_dir() { path.file_name() } else { path.file_stem() };
    name.map(|s| s.to_string_lossy().into_owned())
}

fn bad_char(c: char) -> bool {
    c == '.' || c == '/' || c == '\\' || c.is_whitespace() || c.is_control()
}

fn problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.chars().all(|c| c == '_') {
        Some("empty")
    } else if name.chars().any(bad_char) {
        Some("must not contain '.', '/', '\\', whitespace or control characters")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_sanitising() {
        let p = Path::new("/data/mini-cifar");
        assert_eq!(resolve_name(Some("x"), Some("y"), p).unwrap(), "x");
        assert_eq!(resolve_name(None, Some("miniciao"), p).unwrap(), "miniciao");
        assert_eq!(resolve_name(None, None, p).unwrap(), "mini-cifar");
        assert_eq!(resolve_name(None, Some("Mini Cifar.10"), p).unwrap(), "Mini_Cifar_10");
        assert!(resolve_name(Some("a.b"), None, p).is_err());
        assert_eq!(resolve_name(None, None, Path::new("/data/iris.csv")).unwrap(), "iris");
        let d = tempfile::tempdir().unwrap();
        let folder = d.path().join("photos.v2");
        std::fs::create_dir(&folder).unwrap();
        assert_eq!(resolve_name(None, None, &folder).unwrap(), "photos_v2");
        assert_eq!(resolve_name(None, None, &folder.join(".")).unwrap(), "photos_v2");
    }
}
