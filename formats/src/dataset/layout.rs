//! The layout of a dataset folder (spec §1.1): subsets, their metadata and record files.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// File name of the metadata in each subset folder.
pub const METADATA_FILE: &str = "metadata.textproto";

/// Which part of a dataset (ordered as written: train, test, unlabelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subset {
    Train,
    Test,
    /// `<out>/unlabelled/` written by `format_unseen` (spec §1.3): test-shaped, no solution.
    Unlabelled,
}

impl Subset {
    /// The folder name (`train`, `test`, `unlabelled`).
    pub fn dir_name(self) -> &'static str {
        match self {
            Subset::Train => "train",
            Subset::Test => "test",
            Subset::Unlabelled => "unlabelled",
        }
    }

    /// Whether record labels of this subset may be used (only train; spec §1.3).
    pub fn labels_trusted(self) -> bool {
        self == Subset::Train
    }
}

impl std::fmt::Display for Subset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.dir_name())
    }
}

/// One subset folder: its metadata file and its record files in read order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsetLayout {
    pub subset: Subset,
    pub dir: PathBuf,
    pub metadata: PathBuf,
    /// Files whose name starts with `sample`, sorted by name (spec §1.2).
    pub record_files: Vec<PathBuf>,
}

/// Where everything of a dataset lives (spec §1.1), found by [`DatasetLayout::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetLayout {
    /// The dataset folder given by the user.
    pub root: PathBuf,
    /// Dataset name: the `*.data` entry without `.data`; for an unlabelled layout, the root's
    /// folder name.
    pub name: String,
    /// `<root>/<name>.data`, or `<root>/unlabelled` for an unlabelled layout.
    pub data_dir: PathBuf,
    /// `train` then `test`, or only `unlabelled`.
    pub subsets: Vec<SubsetLayout>,
    /// `<root>/<name>.solution`, when present.
    pub solution: Option<PathBuf>,
    /// `<root>/<name>_label.name`, when present.
    pub label_names: Option<PathBuf>,
}

fn read_dir_names(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        // Non-UTF-8 names cannot match any rule of spec §1; they are skipped.
        if let Some(name) = entry.file_name().to_str() {
            out.push((name.to_string(), entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// The record files of a subset folder: regular files whose name starts with `sample`, in
/// sorted name order (spec §1.1, §1.2). May be empty.
pub fn list_record_files(subset_dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(read_dir_names(subset_dir)?
        .into_iter()
        .filter(|(name, path)| name.starts_with("sample") && path.is_file())
        .map(|(_, path)| path)
        .collect())
}

fn open_subset(dir: PathBuf, subset: Subset) -> Result<SubsetLayout> {
    if !dir.is_dir() {
        return Err(Error::layout(&dir, format!("missing `{}` folder", subset.dir_name())));
    }
    let metadata = dir.join(METADATA_FILE);
    if !metadata.is_file() {
        return Err(Error::layout(&metadata, "missing metadata.textproto"));
    }
    let record_files = list_record_files(&dir)?;
    if record_files.is_empty() {
        return Err(Error::layout(&dir, "no record file (name starting with `sample`)"));
    }
    Ok(SubsetLayout { subset, dir, metadata, record_files })
}

impl DatasetLayout {
    /// Discovers the layout of a dataset folder (spec §1.1, Appendix B item 1): exactly one
    /// `*.data` entry with `train/` and `test/`, each with `metadata.textproto` and ≥1 `sample*`
    /// file; at most one `*.solution`, named after the dataset. A folder with no `*.data` but an
    /// `unlabelled/` subfolder opens as an unlabelled layout (spec §1.3).
    pub fn open(root: impl AsRef<Path>) -> Result<DatasetLayout> {
        let root = root.as_ref().to_path_buf();
        if !root.is_dir() {
            return Err(Error::layout(&root, "not a folder"));
        }
        let entries = read_dir_names(&root)?;
        let data: Vec<&(String, PathBuf)> =
            entries.iter().filter(|(n, _)| n.ends_with(".data")).collect();
        if data.is_empty() {
            let unlabelled = root.join(Subset::Unlabelled.dir_name());
            if unlabelled.is_dir() {
                let subset = open_subset(unlabelled.clone(), Subset::Unlabelled)?;
                let name = root
                    .canonicalize()
                    .ok()
                    .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                    .unwrap_or_default();
                return Ok(DatasetLayout {
                    root,
                    name,
                    data_dir: unlabelled,
                    subsets: vec![subset],
                    solution: None,
                    label_names: None,
                });
            }
            return Err(Error::layout(&root, "no `*.data` folder"));
        }
        if data.len() > 1 {
            let names: Vec<&str> = data.iter().map(|(n, _)| n.as_str()).collect();
            return Err(Error::layout(
                &root,
                format!("several `*.data` entries, exactly one expected: {}", names.join(", ")),
            ));
        }
        let (data_name, data_dir) = data[0].clone();
        let name = data_name.trim_end_matches(".data").to_string();
        if !data_dir.is_dir() {
            return Err(Error::layout(&data_dir, "`*.data` entry is not a folder"));
        }
        let train = open_subset(data_dir.join("train"), Subset::Train)?;
        let test = open_subset(data_dir.join("test"), Subset::Test)?;

        let solutions: Vec<&(String, PathBuf)> =
            entries.iter().filter(|(n, p)| n.ends_with(".solution") && p.is_file()).collect();
        let solution = match solutions.as_slice() {
            [] => None,
            [(n, p)] => {
                let stem = n.trim_end_matches(".solution");
                if stem != name {
                    return Err(Error::layout(
                        p,
                        format!("solution file is named `{n}` but the dataset is `{name}`"),
                    ));
                }
                Some(p.clone())
            }
            many => {
                let names: Vec<&str> = many.iter().map(|(n, _)| n.as_str()).collect();
                return Err(Error::layout(
                    &root,
                    format!("several `*.solution` files, at most one expected: {}", names.join(", ")),
                ));
            }
        };
        let label_names = Some(root.join(format!("{name}_label.name"))).filter(|p| p.is_file());
        Ok(DatasetLayout {
            root,
            name,
            data_dir,
            subsets: vec![train, test],
            solution,
            label_names,
        })
    }

    /// True for the `unlabelled/` layout of spec §1.3.
    pub fn is_unlabelled(&self) -> bool {
        self.subsets.iter().any(|s| s.subset == Subset::Unlabelled)
    }

    pub fn subset(&self, subset: Subset) -> Option<&SubsetLayout> {
        self.subsets.iter().find(|s| s.subset == subset)
    }
}
