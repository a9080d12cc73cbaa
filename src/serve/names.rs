//! User-supplied names (uploaded file paths, archive entries, run names, server folders) made
//! safe: a relative path of plain components that stays inside the folder it is joined to.

use std::path::{Component, Path, PathBuf};

use super::error::{Result, ServeError};

/// Longest accepted relative path and component, bytes (well under PATH_MAX / NAME_MAX).
const MAX_PATH_BYTES: usize = 1024;
const MAX_COMPONENT_BYTES: usize = 255;

/// `name` (an uploaded file's relative path or an archive entry) as a relative path of plain
/// components. Refuses absolute paths (`/x`, `\x`, `C:x`), `..`, NUL and control characters;
/// `\` counts as a separator (archives made on Windows); empty and `.` components are dropped.
/// `what` names the upload or archive in the message.
pub fn safe_relative(name: &str, what: &str) -> Result<PathBuf> {
    let refuse = |why: &str| ServeError::BadRequest(format!("{what}: entry {name:?} refused: {why}"));
    if name.len() > MAX_PATH_BYTES {
        return Err(refuse("path too long"));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(refuse("control character in the name"));
    }
    if name.starts_with('/') || name.starts_with('\\') {
        return Err(refuse("absolute path"));
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(refuse("absolute path (drive letter)"));
    }
    let mut out = PathBuf::new();
    for part in name.split(['/', '\\']) {
        match part {
            "" | "." => continue,
            ".." => return Err(refuse("`..` would leave the upload folder")),
            p if p.len() > MAX_COMPONENT_BYTES => return Err(refuse("name component too long")),
            p => out.push(p),
        }
    }
    // the split above leaves only normal components; this guards the invariant
    if out.as_os_str().is_empty() || !out.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(refuse("empty name"));
    }
    Ok(out)
}

/// A run name for display and for `--name`: trimmed, control characters removed, at most 80
/// characters; empty when nothing is left.
pub fn clean_run_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).collect::<String>().trim().chars().take(80).collect()
}

/// The dataset name rate may use: ASCII letters, digits, `_` and `-` only (the rest become `_`).
pub fn dataset_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .take(64)
        .collect();
    let s = s.trim_matches('_').to_string();
    if s.is_empty() || s.starts_with('-') {
        format!("run_{s}")
    } else {
        s
    }
}

/// `path` (a folder or file already on the server) if it lies inside one of the `allowed`
/// folders (both resolved: links and `..` followed first), as its canonical path.
pub fn allowed_server_path(path: &str, allowed: &[PathBuf]) -> Result<PathBuf> {
    if allowed.is_empty() {
        return Err(ServeError::Forbidden(
            "this server takes no server folders (start it with --allow-path DIR)".into(),
        ));
    }
    let canonical = Path::new(path.trim())
        .canonicalize()
        .map_err(|e| ServeError::BadRequest(format!("server path {path:?}: {e}")))?;
    if allowed.iter().any(|root| canonical.starts_with(root)) {
        Ok(canonical)
    } else {
        Err(ServeError::Forbidden(format!(
            "server path {path:?} is outside the folders this server may read (--allow-path)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_inside() {
        assert_eq!(safe_relative("cats/a.png", "up").unwrap(), PathBuf::from("cats/a.png"));
        assert_eq!(safe_relative("./cats//b.png", "up").unwrap(), PathBuf::from("cats/b.png"));
        assert_eq!(safe_relative("win\\dir\\c.png", "up").unwrap(), PathBuf::from("win/dir/c.png"));
        for bad in ["../x", "a/../../x", "/etc/passwd", "\\x", "C:evil", "a\0b", "", "./", "a\\..\\..\\b"] {
            let e = safe_relative(bad, "up").unwrap_err().to_string();
            assert!(e.contains("refused"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_run_name("  my\nrun "), "myrun");
        assert_eq!(dataset_name("my run/<x>"), "my_run__x");
        assert_eq!(dataset_name("--"), "run_--");
        assert_eq!(dataset_name("..."), "run_");
    }

    #[test]
    fn server_paths_must_be_allowed() {
        let d = tempfile::tempdir().unwrap();
        let inside = d.path().join("ok");
        std::fs::create_dir_all(&inside).unwrap();
        let root = d.path().canonicalize().unwrap();
        assert!(allowed_server_path(inside.to_str().unwrap(), std::slice::from_ref(&root)).is_ok());
        let out = format!("{}/ok/../..", d.path().display());
        assert!(matches!(allowed_server_path(&out, std::slice::from_ref(&root)), Err(ServeError::Forbidden(_))));
        assert!(matches!(allowed_server_path("/tmp", &[]), Err(ServeError::Forbidden(_))));
    }
}
