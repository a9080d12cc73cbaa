//! The one check every command that writes an output (`convert`, `merge`, `plan`, `rate`) runs
//! before any work: OUT must not be, contain or lie inside an input (compared after resolving
//! links and `..`), and `--force` replaces only something this tool wrote earlier, recognised by
//! its layout, never an arbitrary folder or file (issue 22: `-o <input folder> --force` deleted
//! the input).

use std::path::{Component, Path, PathBuf};

use crate::error::{ConvertError, Result};

/// What a command writes at OUT, so that `--force` can tell an earlier output of the same
/// command from anything else.
#[derive(Debug, Clone, Copy)]
pub enum OutputKind<'a> {
    /// A dataset folder: one `<name>.data/` holding only `train/` and `test/`, beside regular
    /// files named `<name>.…` or `<name>_…` (solution, label and feature names, skip report).
    Dataset,
    /// A folder holding only entries with these names (e.g. `rate`: dataset/, report.html …).
    Entries(&'a [&'a str]),
    /// A regular file whose first bytes are `prefix` (e.g. the header of a plan file).
    FileStartingWith(&'a str),
}

impl OutputKind<'_> {
    fn describe(&self) -> String {
        match self {
            OutputKind::Dataset => "an AutoDL dataset folder (<name>.data/ with train/ and test/, <name>.solution, <name>_* side files)".into(),
            OutputKind::Entries(names) => format!("a folder holding only {}", names.join(", ")),
            OutputKind::FileStartingWith(prefix) => format!("a file starting with {prefix:?}"),
        }
    }

    fn recognises(&self, out: &Path) -> bool {
        let Ok(meta) = std::fs::symlink_metadata(out) else { return false };
        match self {
            OutputKind::FileStartingWith(prefix) => {
                meta.is_file() && read_prefix(out, prefix.len()).is_some_and(|head| head == prefix.as_bytes())
            }
            OutputKind::Entries(names) => {
                meta.is_dir() && entries(out).is_some_and(|e| e.iter().all(|(n, _)| names.contains(&n.as_str())))
            }
            OutputKind::Dataset => meta.is_dir() && is_dataset_folder(out),
        }
    }
}

/// Refuses (before any work) an `out` that is, contains or is inside one of `inputs`, and an
/// existing `out` that `--force` may not replace: without `force` anything but an empty folder;
/// with it anything [`OutputKind`] does not recognise (files, links, other folders).
/// Inputs that do not exist are left for the command to report.
pub fn check_output(out: &Path, inputs: &[&Path], force: bool, kind: OutputKind) -> Result<()> {
    let out_real = resolve(out).map_err(|e| ConvertError::io(out, e))?;
    for input in inputs {
        let Ok(in_real) = std::fs::canonicalize(input) else { continue };
        let relation = if out_real == in_real {
            Some("is the input")
        } else if in_real.starts_with(&out_real) {
            Some("contains the input")
        } else if out_real.starts_with(&in_real) {
            Some("is inside the input")
        } else {
            None
        };
        if let Some(relation) = relation {
            return Err(ConvertError::input(
                out,
                format!("the output {relation} {} (resolved: {}); choose an OUT outside it", input.display(), in_real.display()),
            ));
        }
    }
    let Ok(meta) = std::fs::symlink_metadata(out) else { return Ok(()) };
    if meta.is_dir() && entries(out).is_some_and(|e| e.is_empty()) {
        return Ok(());
    }
    if !force {
        return Err(ConvertError::input(out, "already exists (use --force to replace an earlier output of this command, or choose another OUT)"));
    }
    if kind.recognises(out) {
        return Ok(());
    }
    let what = if meta.file_type().is_symlink() {
        "a symbolic link"
    } else if meta.is_dir() {
        "a folder"
    } else {
        "a file"
    };
    Err(ConvertError::input(
        out,
        format!("--force replaces only an earlier output of this command ({}); this is {what} that is not one, so it is kept: remove it yourself or choose another OUT", kind.describe()),
    ))
}

/// `path` made absolute with links and `..` resolved: the longest existing prefix is
/// canonicalized and the rest, which cannot hold links, is normalised by hand.
pub fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let abs = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir()?.join(path) };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    while std::fs::symlink_metadata(existing).is_err() {
        let (Some(parent), Some(last)) = (existing.parent(), existing.components().next_back()) else { break };
        rest.push(last);
        existing = parent;
    }
    let mut real = std::fs::canonicalize(existing)?;
    for c in rest.into_iter().rev() {
        match c {
            Component::ParentDir => {
                real.pop();
            }
            Component::Normal(n) => real.push(n),
            _ => {}
        }
    }
    Ok(real)
}

/// `(name, is_dir)` of the entries of `dir` (links count as not folders); `None` when unreadable.
fn entries(dir: &Path) -> Option<Vec<(String, bool)>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).ok()? {
        let e = e.ok()?;
        let is_dir = e.file_type().ok()?.is_dir();
        v.push((e.file_name().to_str()?.to_string(), is_dir));
    }
    Some(v)
}

fn is_dataset_folder(out: &Path) -> bool {
    let Some(top) = entries(out) else { return false };
    let data: Vec<&String> = top.iter().filter(|(n, d)| *d && n.ends_with(".data")).map(|(n, _)| n).collect();
    let [data] = data.as_slice() else { return false };
    let name = &data[..data.len() - ".data".len()];
    let subsets_only = entries(&out.join(data.as_str()))
        .is_some_and(|e| !e.is_empty() && e.iter().all(|(n, d)| *d && (n == "train" || n == "test")));
    let side_files_only = top.iter().filter(|(n, _)| n != *data).all(|(n, d)| {
        !d && (n.starts_with(&format!("{name}.")) || n.starts_with(&format!("{name}_")))
            && std::fs::symlink_metadata(out.join(n)).is_ok_and(|m| m.is_file())
    });
    subsets_only && side_files_only
}

fn read_prefix(path: &Path, n: usize) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::with_capacity(n);
    std::fs::File::open(path).ok()?.take(n as u64).read_to_end(&mut buf).ok()?;
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(root: &Path) {
        std::fs::create_dir_all(root.join("x.data/train")).unwrap();
        std::fs::create_dir_all(root.join("x.data/test")).unwrap();
        std::fs::write(root.join("x.solution"), "1 0\n").unwrap();
        std::fs::write(root.join("x_label.name"), "a\nb\n").unwrap();
    }

    #[test]
    fn output_around_or_inside_the_input_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let input = d.path().join("raw");
        std::fs::create_dir_all(input.join("cat")).unwrap();
        std::fs::write(input.join("w.csv"), "a\n").unwrap();
        for (out, why) in [
            (input.clone(), "is the input"),
            (d.path().to_path_buf(), "contains the input"),
            (input.join("cat/../new"), "is inside the input"),
        ] {
            let err = check_output(&out, &[&input], true, OutputKind::Dataset).unwrap_err().to_string();
            assert!(err.contains(why), "{err}");
        }
        // A file input: its folder contains it.
        let err = check_output(&input, &[&input.join("w.csv")], true, OutputKind::Dataset).unwrap_err().to_string();
        assert!(err.contains("contains the input"), "{err}");
        // Through a link to the input.
        std::os::unix::fs::symlink(&input, d.path().join("alias")).unwrap();
        let err = check_output(&d.path().join("alias/sub"), &[&input], false, OutputKind::Dataset).unwrap_err().to_string();
        assert!(err.contains("inside the input"), "{err}");
        check_output(&d.path().join("elsewhere/ds"), &[&input], false, OutputKind::Dataset).unwrap();
    }

    #[test]
    fn force_replaces_only_an_earlier_output() {
        let d = tempfile::tempdir().unwrap();
        let ds = d.path().join("ds");
        dataset(&ds);
        assert!(check_output(&ds, &[], false, OutputKind::Dataset).unwrap_err().to_string().contains("already exists"));
        check_output(&ds, &[], true, OutputKind::Dataset).unwrap();
        std::fs::write(ds.join("notes"), "mine").unwrap();
        assert!(check_output(&ds, &[], true, OutputKind::Dataset).unwrap_err().to_string().contains("a folder that is not one"));
        let file = d.path().join("afile");
        std::fs::write(&file, "x").unwrap();
        assert!(check_output(&file, &[], true, OutputKind::Dataset).unwrap_err().to_string().contains("a file that is not one"));
        let empty = d.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        check_output(&empty, &[], false, OutputKind::Dataset).unwrap();
        std::fs::write(&file, "{\"format\":\"plan\"}\n").unwrap();
        check_output(&file, &[], true, OutputKind::FileStartingWith("{\"format\"")).unwrap();
        let rate = d.path().join("rate");
        std::fs::create_dir_all(rate.join("dataset")).unwrap();
        check_output(&rate, &[], true, OutputKind::Entries(&["dataset", "report.html"])).unwrap();
        std::fs::write(rate.join("thesis.tex"), "x").unwrap();
        assert!(check_output(&rate, &[], true, OutputKind::Entries(&["dataset", "report.html"])).is_err());
    }

    #[test]
    fn resolve_handles_missing_tails() {
        let d = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(d.path()).unwrap();
        assert_eq!(resolve(&d.path().join("a/b/../c")).unwrap(), real.join("a/c"));
        assert_eq!(resolve(&d.path().join("a/./..")).unwrap(), real);
    }
}
