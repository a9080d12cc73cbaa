//! Label sources of the file-format layout (spec §1.5) and discovery of labelled raw items.
//!
//! An input folder is read in one of three layouts, tried in this order:
//! 1. **`labels.csv`** — exactly one `*labels*.csv` in the folder, header `FileName,Labels`
//!    (space-separated class indices, several = multilabel, empty = no label) or
//!    `FileName,LabelConfidencePairs` (`"idx conf idx conf …"`), optional third column
//!    `subset` (`train`/`test`, empty = let the split decide). File names are relative to the
//!    folder. Class names come from `label.name` (one per line, line *i* = class *i*) when
//!    present.
//! 2. **`train/` + `test/`** — both folders hold class subfolders; the subset is forced by the
//!    top-level folder; class names = the sorted union of subfolder names.
//! 3. **class subfolders** — one folder per class; class names = sorted folder names, indices
//!    `0..n-1` in that order.
//!
//! Class indices in `labels.csv` are kept as written (never remapped, so they keep meaning
//! what the data owner's own class list says). With `label.name` the class count is its line
//! count and a larger index makes that row an "unknown class index" input error; without it
//! the class count is `max index + 1`. Indices that no example uses are reported as warnings
//! (the original converter crashed on such gaps, spec §7.2 item 10; here they become classes
//! without examples, which scoring ignores as all-zero columns).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::error::{ConvertError, ItemError, Result};
use crate::policy::SkipReport;
use crate::split::{split_with_fallback, SplitKey, SplitOptions, SplitPlan, Subset};
use crate::walk::{read_dir_sorted, walk};

pub use crate::label_set::Labels;
pub use crate::labels_csv::{parse_labels, read_labels_csv, CsvRow, LabelsCsv};

/// One labelled raw input (a file) found by [`discover`].
#[derive(Debug, Clone, PartialEq)]
pub struct RawItem {
    /// Where to read it.
    pub path: PathBuf,
    /// How the input names it: the `FileName` cell, or the path below the input folder
    /// with `/` separators.
    pub name: String,
    pub labels: Labels,
    /// Subset forced by a `subset` column or a top-level `train/`/`test/` folder.
    pub subset: Option<Subset>,
}

/// A `.data` file and the `.solution` file that labels it row for row (the AutoML and AutoNLP
/// layouts, spec §5.4–5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFiles {
    pub data: PathBuf,
    pub solution: PathBuf,
}

/// Which layout [`discover`] recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    LabelsCsv { csv: PathBuf, confidences: bool },
    SplitFolders,
    ClassFolders,
}

/// A raw input folder read as labelled items.
#[derive(Debug, Clone)]
pub struct LabeledInput {
    pub root: PathBuf,
    pub layout: Layout,
    /// Items in a deterministic order (CSV row order, or sorted paths).
    pub items: Vec<RawItem>,
    /// Class names, index order (`label.name` or folder names); `None` when unknown.
    pub class_names: Option<Vec<String>>,
    /// Number of classes = `output_dim`.
    pub output_dim: usize,
    /// The `name` of `private.info`, when the folder has one.
    pub private_name: Option<String>,
    /// Things worth telling the user that are not errors (unused classes, ignored files).
    pub warnings: Vec<String>,
}

/// Reads `label.name`: one class name per line, line *i* = class *i*; a final empty line is
/// ignored, `\r\n` accepted. Empty or duplicate names are errors (they become map keys).
pub fn read_label_names(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| ConvertError::io(path, e))?;
    let mut names: Vec<String> = text.split('\n').map(|l| l.trim_end_matches('\r').to_string()).collect();
    if names.last().is_some_and(|l| l.is_empty()) {
        names.pop();
    }
    let mut seen = HashSet::new();
    for (i, n) in names.iter().enumerate() {
        if n.trim().is_empty() {
            return Err(ConvertError::input(path, format!("line {}: empty class name", i + 1)));
        }
        if !seen.insert(n.as_str()) {
            return Err(ConvertError::input(path, format!("line {}: duplicate class name {n:?}", i + 1)));
        }
    }
    if names.is_empty() {
        return Err(ConvertError::input(path, "no class names"));
    }
    Ok(names)
}

/// The `name` entry of a `private.info` (`name : 'miniciao'`; `key = value` lines of the
/// AutoML variant and `%`/`#` comments accepted). `Ok(None)` when there is no such entry.
pub fn read_private_info_name(path: &Path) -> Result<Option<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| ConvertError::io(path, e))?;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('%') || line.starts_with('#') {
            continue;
        }
        let Some(pos) = line.find([':', '=']) else { continue };
        if line[..pos].trim() != "name" {
            continue;
        }
        let value = line[pos + 1..].trim();
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
            .unwrap_or(value)
            .trim();
        return Ok(if value.is_empty() { None } else { Some(value.to_string()) });
    }
    Ok(None)
}

/// Reads an input folder in one of the three layouts (module docs). `accept` says which files
/// the modality can convert (by path, usually the extension). Rows and files that cannot be
/// used (bad CSV row, listed file missing, unknown class index, unsupported file type) go to
/// `report` under its policy; problems with the folder as a whole are errors.
pub fn discover(root: &Path, accept: &dyn Fn(&Path) -> bool, report: &mut SkipReport) -> Result<LabeledInput> {
    if !root.is_dir() {
        return Err(ConvertError::input(root, "not a folder"));
    }
    let private_info = root.join("private.info");
    let private_name = if private_info.is_file() { read_private_info_name(&private_info)? } else { None };
    let entries = read_dir_sorted(root)?;
    let csvs: Vec<&PathBuf> = entries
        .iter()
        .filter(|p| p.is_file() && file_name(p).to_ascii_lowercase().contains("labels") && file_name(p).to_ascii_lowercase().ends_with(".csv"))
        .collect();
    let mut input = if csvs.len() > 1 {
        return Err(ConvertError::input(
            root,
            format!("several labels CSV files ({}); keep exactly one", csvs.iter().map(|p| file_name(p)).collect::<Vec<_>>().join(", ")),
        ));
    } else if let Some(csv) = csvs.first() {
        discover_csv(root, csv, accept, report)?
    } else {
        let train = root.join("train");
        let test = root.join("test");
        match (train.is_dir(), test.is_dir()) {
            (true, true) => discover_folders(root, &[(train, Some(Subset::Train)), (test, Some(Subset::Test))], accept, report)?,
            (true, false) | (false, true) => {
                return Err(ConvertError::input(
                    root,
                    "found only one of train/ and test/: give both (forced split) or use class folders",
                ))
            }
            (false, false) => discover_folders(root, &[(root.to_path_buf(), None)], accept, report)?,
        }
    };
    input.private_name = private_name;
    Ok(input)
}

fn discover_csv(root: &Path, csv_path: &Path, accept: &dyn Fn(&Path) -> bool, report: &mut SkipReport) -> Result<LabeledInput> {
    let csv = read_labels_csv(csv_path)?;
    for bad in &csv.bad {
        report.record(bad.clone())?;
    }
    let names_path = root.join("label.name");
    let class_names = if names_path.is_file() { Some(read_label_names(&names_path)?) } else { None };
    let mut items = Vec::new();
    let real_root = std::fs::canonicalize(root).map_err(|e| ConvertError::io(root, e))?;
    // (largest class index, its row, its FileName): an index far above the example count is refused.
    let mut top: Option<(u32, usize, String)> = None;
    // Files some row names (even a rejected one): the rest of the folder is reported as unlisted.
    let listed: HashSet<PathBuf> = csv.named.iter().map(|n| root.join(n)).map(|p| std::fs::canonicalize(&p).unwrap_or(p)).collect();
    for row in csv.rows {
        let path = root.join(&row.file_name);
        if let Some(why) = outside(&real_root, &row.file_name, &path) {
            report.record(ItemError::at_line(csv_path, row.line, format!("{}: {why}: a labels file may name only files inside {}", row.file_name, root.display())))?;
            continue;
        }
        if let (Some(names), Some(max)) = (&class_names, row.labels.max_index()) {
            if max as usize >= names.len() {
                report.record(ItemError::at_line(
                    csv_path,
                    row.line,
                    format!("{}: unknown class index {max}: label.name lists {} classes (0..{})", row.file_name, names.len(), names.len() - 1),
                ))?;
                continue;
            }
        }
        if std::fs::symlink_metadata(&path).is_err() {
            report.record(ItemError::at_line(csv_path, row.line, format!("{}: listed in {} but missing", row.file_name, file_name(csv_path))))?;
            continue;
        }
        if let Err(why) = crate::read::regular_file(&path) {
            report.record(ItemError::at_line(csv_path, row.line, format!("{}: {why}", row.file_name)))?;
            continue;
        }
        if !accept(&path) {
            report.record(ItemError::at_line(csv_path, row.line, format!("{}: unsupported file type", row.file_name)))?;
            continue;
        }
        if let Some(max) = row.labels.max_index() {
            if top.as_ref().is_none_or(|t| max > t.0) {
                top = Some((max, row.line, row.file_name.clone()));
            }
        }
        items.push(RawItem { path, name: row.file_name, labels: row.labels, subset: row.subset });
    }
    report_unlisted(root, csv_path, &listed, report)?;
    let used: BTreeSet<u32> = items.iter().flat_map(|i| i.labels.pairs.iter().map(|p| p.0)).collect();
    if let (None, Some((max, line, file))) = (&class_names, &top) {
        let limit = max_plausible_classes(items.len());
        if *max as usize >= limit {
            return Err(ConvertError::input(
                csv_path,
                format!(
                    "line {line}: {file}: class index {max} would make {} classes for {} example(s) (at most {limit} without label.name); fix the row or list the classes in label.name",
                    *max as u64 + 1,
                    items.len()
                ),
            ));
        }
    }
    let output_dim = match &class_names {
        Some(n) => n.len(),
        None => used.iter().next_back().map(|m| *m as usize + 1).unwrap_or(0),
    };
    if output_dim == 0 {
        return Err(ConvertError::input(csv_path, "no usable labelled row: cannot tell the number of classes"));
    }
    let mut warnings = Vec::new();
    let unused: Vec<u32> = (0..output_dim as u32).filter(|i| !used.contains(i)).collect();
    if !unused.is_empty() {
        warnings.push(format!(
            "{}: no example has class {} of 0..{}; kept as classes without examples",
            csv_path.display(),
            bounded_list(&unused, 20),
            output_dim - 1
        ));
    }
    Ok(LabeledInput {
        root: root.to_path_buf(),
        layout: Layout::LabelsCsv { csv: csv.path, confidences: csv.confidences },
        items,
        class_names,
        output_dim,
        private_name: None,
        warnings,
    })
}

/// Without `label.name` the class count is `max index + 1`; past this many classes for `n`
/// examples the index is taken for a typo (one row could otherwise ask for 10^8 columns).
pub fn max_plausible_classes(n: usize) -> usize {
    (n.saturating_mul(10)).max(10_000)
}

/// `1, 2, 3 … and 17 more`: warnings never print unbounded lists.
pub fn bounded_list<T: std::fmt::Display>(values: &[T], shown: usize) -> String {
    let head: Vec<String> = values.iter().take(shown).map(|v| v.to_string()).collect();
    match values.len().saturating_sub(shown) {
        0 => head.join(", "),
        more => format!("{} … and {more} more", head.join(", ")),
    }
}

/// Every file of a labels-CSV folder that no row names is reported, so that the skip report
/// accounts for all the walk saw (issue 22: 20 images, "skipped 0 of 20").
fn report_unlisted(root: &Path, csv_path: &Path, listed: &HashSet<PathBuf>, report: &mut SkipReport) -> Result<()> {
    let found = walk(root, &mut HashSet::new())?;
    for (path, why) in found.left_out {
        report.record(ItemError::new(&path, why))?;
    }
    for f in found.files {
        if f.parent() == Some(root) && is_listing_file(&file_name(&f)) {
            continue;
        }
        let real = std::fs::canonicalize(&f).unwrap_or_else(|_| f.clone());
        if !listed.contains(&real) {
            report.record(ItemError::new(&f, format!("not listed in {}", file_name(csv_path))))?;
        }
    }
    Ok(())
}

/// Files of the input folder's top level that describe it rather than being inputs.
fn is_listing_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    // The original converters' side files (`feat.name` beside AutoNLP/AutoML-style kits).
    lower == "private.info" || lower == "label.name" || lower == "feat.name" || (lower.contains("labels") && lower.ends_with(".csv"))
}

/// Why a labels-file `FileName` leads outside the input folder (absolute, `..`, or a link
/// whose target is elsewhere), or `None` when it stays inside (or does not exist yet: the
/// missing-file check reports that).
fn outside(real_root: &Path, file_name: &str, path: &Path) -> Option<&'static str> {
    let rel = Path::new(file_name);
    if rel.is_absolute() {
        return Some("absolute path");
    }
    if rel.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
        return Some("path with ..");
    }
    match std::fs::canonicalize(path) {
        Ok(real) if !real.starts_with(real_root) => Some("symbolic link to a file outside the input folder"),
        _ => None,
    }
}

fn discover_folders(
    root: &Path,
    parts: &[(PathBuf, Option<Subset>)],
    accept: &dyn Fn(&Path) -> bool,
    report: &mut SkipReport,
) -> Result<LabeledInput> {
    // class name → (subset part, folder)
    let mut classes: BTreeMap<String, Vec<(usize, PathBuf)>> = BTreeMap::new();
    let mut warnings = Vec::new();
    for (pi, (dir, _)) in parts.iter().enumerate() {
        for entry in read_dir_sorted(dir)? {
            let name = file_name(&entry);
            if name.starts_with('.') {
                report.record(ItemError::new(&entry, "hidden (name starts with '.'): not an input"))?;
                continue;
            }
            if entry.is_dir() {
                // Lossless: folders `n\xffu` and `n\xfeu` stay two classes (issue 22).
                use std::os::unix::ffi::OsStrExt;
                let class = formats::names::escape_bytes(entry.file_name().map(|n| n.as_bytes()).unwrap_or_default());
                classes.entry(class).or_default().push((pi, entry));
            } else if pi > 0 || dir != root || !is_listing_file(&name) {
                let why = if accept(&entry) { "not inside a class folder" } else { "not inside a class folder (and not a supported file type)" };
                report.record(ItemError::new(&entry, why))?;
            }
        }
    }
    if classes.is_empty() {
        return Err(ConvertError::input(
            root,
            "no labels found: expected a *labels*.csv, train/ and test/ folders, or one subfolder per class",
        ));
    }
    let class_names: Vec<String> = classes.keys().cloned().collect();
    let mut items = Vec::new();
    let mut visited = HashSet::new();
    visited.insert(crate::walk::folder_key(root)?);
    for (dir, _) in parts {
        visited.insert(crate::walk::folder_key(dir)?);
    }
    for dirs in classes.values() {
        for (_, dir) in dirs {
            visited.insert(crate::walk::folder_key(dir)?);
        }
    }
    for (index, (class, dirs)) in classes.iter().enumerate() {
        let before = items.len();
        for (pi, dir) in dirs {
            let subset = parts[*pi].1;
            let found = walk(dir, &mut visited)?;
            for (path, why) in found.left_out {
                report.record(ItemError::new(&path, why))?;
            }
            for f in found.files {
                let rel = f.strip_prefix(root).unwrap_or(&f).components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/");
                if !accept(&f) {
                    report.record(ItemError::new(&f, "unsupported file type"))?;
                    continue;
                }
                items.push(RawItem { path: f, name: rel, labels: Labels::single(index as u32), subset });
            }
        }
        if items.len() == before {
            warnings.push(format!("class folder {class:?} has no usable file; kept as a class without examples"));
        }
    }
    let output_dim = class_names.len();
    Ok(LabeledInput {
        root: root.to_path_buf(),
        layout: if parts[0].1.is_some() { Layout::SplitFolders } else { Layout::ClassFolders },
        items,
        class_names: Some(class_names),
        output_dim,
        private_name: None,
        warnings,
    })
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}


/// The seeded split ([`split_with_fallback`]) of labelled raw items found by [`discover`]:
/// forced subsets kept, the rest stratified by label set.
pub fn split_items(items: &[RawItem], opts: &SplitOptions) -> Result<(SplitPlan, Option<String>)> {
    let keys: Vec<SplitKey> = items.iter().map(|i| SplitKey { forced: i.subset, label_set: i.labels.key() }).collect();
    split_with_fallback(&keys, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{ErrorPolicy, OnError};

    fn write(p: &Path, s: &str) {
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(p, s).unwrap();
    }
    fn any(_: &Path) -> bool {
        true
    }
    fn png_only(p: &Path) -> bool {
        p.extension().is_some_and(|e| e == "png")
    }

    #[test]
    fn parses_label_cells() {
        assert_eq!(parse_labels("3", false).unwrap(), Labels::single(3));
        assert_eq!(parse_labels(" 1 4 ", false).unwrap().key(), vec![1, 4]);
        assert!(parse_labels("", false).unwrap().pairs.is_empty());
        let p = parse_labels("68 0.3196 13 0.3564", true).unwrap();
        assert_eq!(p.pairs, vec![(68, 0.3196), (13, 0.3564)]);
        assert_eq!(p.key(), vec![13, 68]);
        assert!(parse_labels("1 0.5 2", true).unwrap_err().contains("odd"));
        assert!(parse_labels("-1", false).is_err());
        assert!(parse_labels("x", false).is_err());
        assert!(parse_labels("2 2", false).unwrap_err().contains("twice"));
    }

    #[test]
    fn private_info_name() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("private.info");
        write(&p, "title : 'Mini Cifar 10'\nname : 'miniciao'\nkeywords : 'x'\n");
        assert_eq!(read_private_info_name(&p).unwrap().as_deref(), Some("miniciao"));
        write(&p, "% comment\nname = iris\n");
        assert_eq!(read_private_info_name(&p).unwrap().as_deref(), Some("iris"));
        write(&p, "title : 'x'\n");
        assert_eq!(read_private_info_name(&p).unwrap(), None);
    }

    #[test]
    fn label_names_reject_duplicates() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("label.name");
        write(&p, "cat\r\ndog\n");
        assert_eq!(read_label_names(&p).unwrap(), vec!["cat", "dog"]);
        write(&p, "cat\ncat\n");
        assert!(read_label_names(&p).unwrap_err().to_string().contains("line 2"));
    }

    #[test]
    fn csv_layout_with_subset_and_bad_rows() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(&r.join("labels.csv"), "FileName,Labels,subset\na.png,0,train\nb.png,1 2,test\nc.png,5,\nmissing.png,1,\nd.png,x,\ne.txt,0,\nf.png,1,valid\n");
        write(&r.join("label.name"), "zero\none\ntwo\n");
        for f in ["a.png", "b.png", "c.png", "d.png", "e.txt", "f.png"] {
            write(&r.join(f), "x");
        }
        let mut report = SkipReport::new(ErrorPolicy::default());
        let input = discover(r, &png_only, &mut report).unwrap();
        assert_eq!(input.output_dim, 3);
        assert_eq!(input.class_names.as_ref().unwrap()[2], "two");
        let names: Vec<&str> = input.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, vec!["a.png", "b.png"]);
        assert_eq!(input.items[0].subset, Some(Subset::Train));
        assert_eq!(input.items[1].subset, Some(Subset::Test));
        assert_eq!(input.items[1].labels.key(), vec![1, 2]);
        let reasons: Vec<String> = report.entries().iter().map(|e| e.to_string()).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons.iter().any(|r| r.contains(":4: c.png: unknown class index 5")));
        assert!(reasons.iter().any(|r| r.contains(":5: missing.png: listed in labels.csv but missing")));
        assert!(reasons.iter().any(|r| r.contains(":6: d.png: class index \"x\"")));
        assert!(reasons.iter().any(|r| r.contains(":7: e.txt: unsupported file type")));
        assert!(reasons.iter().any(|r| r.contains(":8: f.png: subset must be train or test")));
    }

    #[test]
    fn csv_without_label_names_counts_max_plus_one() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(&r.join("x_labels.csv"), "FileName,LabelConfidencePairs\na,3 0.5 0 0.5\nb,0 1\n");
        write(&r.join("a"), "");
        write(&r.join("b"), "");
        let mut report = SkipReport::new(ErrorPolicy::default());
        let input = discover(r, &any, &mut report).unwrap();
        assert_eq!(input.output_dim, 4);
        assert!(matches!(input.layout, Layout::LabelsCsv { confidences: true, .. }));
        assert!(input.warnings[0].contains("class 1, 2"));
        assert!(report.is_empty());
    }

    #[test]
    fn fail_policy_stops_on_missing_file() {
        let d = tempfile::tempdir().unwrap();
        write(&d.path().join("labels.csv"), "FileName,Labels\nmissing.png,0\n");
        let mut report = SkipReport::new(ErrorPolicy { on_error: OnError::Fail, max_errors: None });
        let err = discover(d.path(), &any, &mut report).unwrap_err();
        assert!(err.to_string().contains("missing.png: listed in labels.csv but missing"), "{err}");
    }

    #[test]
    fn class_folders_sorted() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(&r.join("zebra/1.png"), "");
        write(&r.join("ant/2.png"), "");
        write(&r.join("ant/sub/3.png"), "");
        write(&r.join("ant/.DS_Store"), "");
        write(&r.join("ant/notes.txt"), "");
        write(&r.join("private.info"), "name : 'zoo'\n");
        let mut report = SkipReport::new(ErrorPolicy::default());
        let input = discover(r, &png_only, &mut report).unwrap();
        assert_eq!(input.layout, Layout::ClassFolders);
        assert_eq!(input.class_names.unwrap(), vec!["ant", "zebra"]);
        let got: Vec<(String, Vec<u32>)> = input.items.iter().map(|i| (i.name.clone(), i.labels.key())).collect();
        assert_eq!(got, vec![("ant/2.png".into(), vec![0]), ("ant/sub/3.png".into(), vec![0]), ("zebra/1.png".into(), vec![1])]);
        assert_eq!(input.private_name.as_deref(), Some("zoo"));
        // The hidden file is listed too (issue 22: every file the walk saw is accounted for).
        assert_eq!(report.len(), 2);
        assert!(report.entries().iter().any(|e| e.reason.contains("unsupported") && e.path.ends_with("notes.txt")));
        assert!(report.entries().iter().any(|e| e.reason.contains("hidden") && e.path.ends_with(".DS_Store")));
    }

    #[test]
    fn split_folders_force_subset() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(&r.join("train/b/1.png"), "");
        write(&r.join("train/a/2.png"), "");
        write(&r.join("test/a/3.png"), "");
        let mut report = SkipReport::new(ErrorPolicy::default());
        let input = discover(r, &any, &mut report).unwrap();
        assert_eq!(input.layout, Layout::SplitFolders);
        assert_eq!(input.class_names.unwrap(), vec!["a", "b"]);
        let got: Vec<(String, Option<Subset>)> = input.items.iter().map(|i| (i.name.clone(), i.subset)).collect();
        assert_eq!(
            got,
            vec![
                ("train/a/2.png".into(), Some(Subset::Train)),
                ("test/a/3.png".into(), Some(Subset::Test)),
                ("train/b/1.png".into(), Some(Subset::Train))
            ]
        );
        std::fs::remove_dir_all(r.join("test")).unwrap();
        assert!(discover(r, &any, &mut report).is_err());
    }
}
