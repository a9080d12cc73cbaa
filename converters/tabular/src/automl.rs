//! The AutoML layout (spec §1.5): `<b>_train.data/.solution`, `<b>_valid.*` (appended to
//! train, may be empty or absent), `<b>_test.data/.solution`, optional `<b>_feat.name`,
//! `<b>_label.name`. `.data` rows are whitespace-separated numbers (dense), `index:value`
//! tokens with 1-based indices (sparse), or 1-based indices of ones (sparse binary).
//! `.solution` rows are one-hot/score rows; a single 0/1 column becomes `[1−y, y]` (spec §5.5).
//! Rows keep their input order and the split is the one given, unless `--resplit`
//! ([`converters_common::SplitOptions::resplit`]) pools every part and splits it with the
//! shared seeded split (record order seeded too). A test part lacking classes is warned about.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use converters_common::labels::DataFiles;
use converters_common::split::{split_with_fallback, SplitKey};
use converters_common::{ItemError, SkipReport, Subset};

use crate::convert::{class_names_if_any, SparseChoice, TabularOptions, TabularSummary};
use converters_common::planned::ConversionFacts;
use crate::spec::tabular_spec;
use crate::encode::{frames, MissingPolicy};
use crate::error::{Result, TabularError};
use crate::limits::MAX_COLUMNS;
use converters_common::sink::DatasetSink;

/// How the `.data` rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoMlFormat {
    Dense,
    /// `index:value`, 1-based.
    Sparse,
    /// Indices of ones, 1-based.
    SparseBinary,
}

/// The files of one AutoML dataset.
#[derive(Debug, Clone)]
pub struct AutoMlLayout {
    pub dir: PathBuf,
    pub basename: String,
    /// The train subset's parts: train then valid.
    pub train: Vec<DataFiles>,
    pub test: DataFiles,
    pub feat_name: Option<PathBuf>,
    pub label_name: Option<PathBuf>,
}

impl AutoMlLayout {
    /// Recognises the layout: exactly one `*_train.data` in `dir`.
    pub fn detect(dir: &Path) -> Result<Option<AutoMlLayout>> {
        if !dir.is_dir() {
            return Ok(None);
        }
        let mut bases = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| TabularError::io(dir, e))? {
            let entry = entry.map_err(|e| TabularError::io(dir, e))?;
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(b) = name.strip_suffix("_train.data") {
                bases.push(b.to_string());
            }
        }
        bases.sort();
        let basename = match bases.len() {
            0 => return Ok(None),
            1 => bases.remove(0),
            _ => {
                return Err(TabularError::table(
                    dir,
                    format!("several AutoML datasets ({}); keep one per folder", bases.join(", ")),
                ))
            }
        };
        let f = |suffix: &str| dir.join(format!("{basename}_{suffix}"));
        let need = |p: PathBuf| -> Result<PathBuf> {
            if p.is_file() {
                Ok(p)
            } else {
                Err(TabularError::table(dir, format!("AutoML layout: missing {}", p.display())))
            }
        };
        let mut train = vec![DataFiles { data: need(f("train.data"))?, solution: need(f("train.solution"))? }];
        if f("valid.data").is_file() {
            train.push(DataFiles { data: f("valid.data"), solution: need(f("valid.solution"))? });
        }
        let test = DataFiles { data: need(f("test.data"))?, solution: need(f("test.solution"))? };
        let opt = |p: PathBuf| if p.is_file() { Some(p) } else { None };
        Ok(Some(AutoMlLayout {
            dir: dir.to_path_buf(),
            train,
            test,
            feat_name: opt(f("feat.name")),
            label_name: opt(f("label.name")),
            basename,
        }))
    }
}

pub(crate) fn read_lines(path: &Path) -> Result<Vec<String>> {
    let file = File::open(path).map_err(|e| TabularError::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        match line {
            Ok(l) => out.push(l),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(TabularError::table(path, format!("line {}: invalid UTF-8", i + 1)))
            }
            Err(e) => return Err(TabularError::io(path, e)),
        }
    }
    // a trailing empty line is the end of the file, not a row
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    Ok(out)
}

fn data_format<'a>(lines: impl Iterator<Item = &'a str> + Clone) -> AutoMlFormat {
    if lines.clone().any(|l| l.contains(':')) {
        return AutoMlFormat::Sparse;
    }
    // Only rows of 1-based indices can be sparse binary: a ragged row of a dense file (a 0, a
    // decimal) must stay a bad dense row instead of turning the whole file into indices.
    let all_indices = lines.clone().all(|l| l.split_whitespace().all(|t| t.parse::<usize>().is_ok_and(|i| i >= 1)));
    let mut counts = lines.map(|l| l.split_whitespace().count());
    let first = counts.next().unwrap_or(0);
    if !all_indices || counts.all(|c| c == first) {
        AutoMlFormat::Dense
    } else {
        AutoMlFormat::SparseBinary
    }
}

/// One parsed `.data` row: `(0-based feature, value)` pairs (dense rows list every feature).
fn parse_row(line: &str, format: AutoMlFormat, width: usize) -> std::result::Result<Vec<(usize, f32)>, String> {
    let mut out = Vec::new();
    for (k, tok) in line.split_whitespace().enumerate() {
        match format {
            AutoMlFormat::Dense => {
                let v = if is_missing(tok) {
                    f32::NAN
                } else {
                    tok.parse::<f32>()
                        .map_err(|_| format!("feature {}: '{tok}' is not a number", k + 1))?
                };
                // NaN is the missing value; ±inf (or 1e39, infinite as f32) fails validation (spec §5.5).
                if v.is_infinite() {
                    return Err(format!("feature {}: '{tok}' is not finite", k + 1));
                }
                out.push((k, v));
            }
            AutoMlFormat::Sparse => {
                let (i, v) = tok
                    .split_once(':')
                    .ok_or_else(|| format!("token {}: '{tok}' is not index:value", k + 1))?;
                let i: usize = i
                    .parse()
                    .map_err(|_| format!("token {}: '{i}' is not a feature index", k + 1))?;
                let v: f32 = v.parse().map_err(|_| format!("token {}: '{v}' is not a number", k + 1))?;
                if v.is_infinite() {
                    return Err(format!("token {}: '{tok}' is not finite", k + 1));
                }
                if i == 0 || (width > 0 && i > width) {
                    return Err(format!("token {}: feature index {i} outside 1..={width}", k + 1));
                }
                out.push((i - 1, v));
            }
            AutoMlFormat::SparseBinary => {
                let i: usize = tok
                    .parse()
                    .map_err(|_| format!("token {}: '{tok}' is not a feature index", k + 1))?;
                if i == 0 || (width > 0 && i > width) {
                    return Err(format!("token {}: feature index {i} outside 1..={width}", k + 1));
                }
                out.push((i - 1, 1.0));
            }
        }
    }
    if format == AutoMlFormat::Dense && out.len() != width {
        return Err(format!("ragged row: {} values where the first row has {width}", out.len()));
    }
    Ok(out)
}

fn is_missing(tok: &str) -> bool {
    matches!(tok, "nan" | "NaN" | "NAN" | "NA" | "?")
}

fn parse_solution(line: &str) -> std::result::Result<Vec<f64>, String> {
    line.split_whitespace()
        .map(|t| match t.parse::<f64>() {
            // NaN/inf would become a non-finite label_score (spec §3.2): a bad row, not a label.
            // Checked as f32, the score's type: 1e74 is a finite f64 but an infinite f32.
            Ok(v) if (v as f32).is_finite() => Ok(v),
            Ok(_) => Err(format!("'{t}' is not finite")),
            Err(_) => Err(format!("'{t}' is not a number")),
        })
        .collect()
}

/// One part of the layout, read.
pub(crate) struct AutoMlPart {
    pub subset: Subset,
    pub files: DataFiles,
    pub data_lines: Vec<String>,
    pub solution_lines: Vec<String>,
}

/// The whole-input pass of an AutoML conversion: rows checked, split, fills fixed. The
/// writing pass of [`convert_automl`] and the settle step of scale-out ([`crate::settle`])
/// both start here.
pub(crate) struct PreparedAutoMl {
    pub parts: Vec<AutoMlPart>,
    pub format: AutoMlFormat,
    pub width: usize,
    pub binary_expand: bool,
    pub output_dim: usize,
    /// `(part, line)` of every row written, per subset, in record order.
    pub test_rows: Vec<(usize, usize)>,
    pub train_rows: Vec<(usize, usize)>,
    pub fill: Vec<f32>,
    pub sparse: bool,
    pub missing_values: u64,
    pub class_names: Vec<String>,
    pub feature_names: Vec<String>,
    pub warnings: Vec<String>,
}

impl PreparedAutoMl {
    /// Labels of row `line` of part `part`: the non-zero solution values (spec §5.5).
    pub fn labels_of(&self, dir: &Path, part: usize, line: usize) -> Result<(Vec<i64>, Vec<f32>)> {
        automl_labels(&self.parts[part].solution_lines[line], self.binary_expand, dir)
    }
}

fn automl_labels(solution_line: &str, binary_expand: bool, dir: &Path) -> Result<(Vec<i64>, Vec<f32>)> {
    let mut solution = parse_solution(solution_line).map_err(|e| TabularError::table(dir, e))?;
    if binary_expand {
        solution = vec![1.0 - solution[0], solution[0]];
    }
    Ok(solution.iter().enumerate().filter(|(_, &v)| v != 0.0).map(|(k, &v)| (k as i64, v as f32)).unzip())
}

/// The features of one `.data` line, missing values filled.
pub(crate) fn automl_features(line: &str, format: AutoMlFormat, fill: &[f32], dir: &Path, features: &mut [f32]) -> Result<()> {
    let values = parse_row(line, format, fill.len()).map_err(|e| TabularError::table(dir, e))?;
    features.iter_mut().for_each(|v| *v = 0.0);
    for (k, v) in values {
        features[k] = if v.is_nan() { fill[k] } else { v };
    }
    Ok(())
}

pub(crate) fn prepare_automl(layout: &AutoMlLayout, opts: &TabularOptions, report: &mut SkipReport) -> Result<PreparedAutoMl> {
    // AutoML files are line-oriented text of modest size; they are read line by line per
    // subset and rows are parsed twice (check, then write) rather than kept parsed.
    let mut parts: Vec<AutoMlPart> = Vec::new();
    let subsets = layout.train.iter().map(|f| (Subset::Train, f)).chain([(Subset::Test, &layout.test)]);
    for (subset, files) in subsets {
        let (data_lines, solution_lines) = (read_lines(&files.data)?, read_lines(&files.solution)?);
        parts.push(AutoMlPart { subset, files: files.clone(), data_lines, solution_lines });
    }
    for AutoMlPart { files: DataFiles { data: d, solution: s }, data_lines: dl, solution_lines: sl, .. } in &parts {
        if dl.len() != sl.len() {
            return Err(TabularError::table(
                d,
                format!("{} rows but {} has {} rows", dl.len(), s.display(), sl.len()),
            ));
        }
    }
    let format = data_format(parts.iter().flat_map(|p| p.data_lines.iter().map(String::as_str)));
    let feat_names = match &layout.feat_name {
        Some(p) => read_lines(p)?,
        None => Vec::new(),
    };
    let width = match format {
        AutoMlFormat::Dense => parts
            .iter()
            .flat_map(|p| p.data_lines.first())
            .next()
            .map(|l| l.split_whitespace().count())
            .unwrap_or(0),
        _ => {
            let mut max = feat_names.len();
            for p in &parts {
                for l in &p.data_lines {
                    for tok in l.split_whitespace() {
                        let i = tok.split(':').next().unwrap_or("");
                        if let Ok(i) = i.parse::<usize>() {
                            if i <= MAX_COLUMNS {
                                max = max.max(i);
                            }
                        }
                    }
                }
            }
            max
        }
    };
    if width == 0 {
        return Err(TabularError::table(&layout.dir, "AutoML layout: no feature in the .data files"));
    }

    // solution width and binary expansion
    let first_solution = parts
        .iter()
        .flat_map(|p| p.solution_lines.first())
        .next()
        .ok_or_else(|| TabularError::table(&layout.dir, "AutoML layout: empty solutions"))?;
    let sol_cols = first_solution.split_whitespace().count();
    let binary_expand = sol_cols == 1;
    let output_dim = if binary_expand { 2 } else { sol_cols };

    let mut warnings = Vec::new();
    // check pass: bad rows per part, missing values
    let mut bad: Vec<Vec<bool>> = Vec::new();
    let mut missing_values = 0u64;
    for AutoMlPart { files: DataFiles { data: d, solution: s }, data_lines: dl, solution_lines: sl, .. } in &parts {
        let mut part_bad = vec![false; dl.len()];
        for (i, (line, sol)) in dl.iter().zip(sl).enumerate() {
            let row = parse_row(line, format, width).map_err(|e| (d, e));
            let labels = parse_solution(sol).map_err(|e| (s, e)).and_then(|v| {
                if v.len() != sol_cols {
                    Err((s, format!("{} values where the first solution row has {sol_cols}", v.len())))
                } else if binary_expand && !(v[0] == 0.0 || v[0] == 1.0) {
                    Err((s, format!("single-column solution must be 0/1 (binary task), found {}", v[0])))
                } else {
                    Ok(v)
                }
            });
            match (row, labels) {
                (Ok(values), Ok(_)) => missing_values += values.iter().filter(|(_, v)| v.is_nan()).count() as u64,
                (Err((p, e)), _) | (_, Err((p, e))) => {
                    part_bad[i] = true;
                    report.record(ItemError::at_line(p.as_path(), i + 1, e))?;
                }
            }
        }
        bad.push(part_bad);
    }
    let labels_of = |part: usize, line: usize| automl_labels(&parts[part].solution_lines[line], binary_expand, &layout.dir);

    // Record order: the given parts in input order (spec §1.1), or with --resplit the shared
    // seeded split over every good row of every part, in its seeded order.
    let good: Vec<(usize, usize)> = bad
        .iter()
        .enumerate()
        .flat_map(|(p, part_bad)| part_bad.iter().enumerate().filter(|(_, b)| !**b).map(move |(i, _)| (p, i)))
        .collect();
    // (part, line) of every row written, per subset
    type Rows = Vec<(usize, usize)>;
    let (test_rows, train_rows): (Rows, Rows) = if opts.split.resplit {
        let mut keys = Vec::with_capacity(good.len());
        for &(p, i) in &good {
            let (index, _) = labels_of(p, i)?;
            keys.push(SplitKey { forced: Some(parts[p].subset), label_set: index.iter().map(|&k| k as u32).collect() });
        }
        let (plan, warning) = split_with_fallback(&keys, &opts.split)?;
        warnings.extend(warning);
        (plan.test.iter().map(|&k| good[k]).collect(), plan.train.iter().map(|&k| good[k]).collect())
    } else {
        good.iter().partition(|&&(p, _)| parts[p].subset == Subset::Test)
    };
    let (n_train, n_test) = (train_rows.len(), test_rows.len());
    converters_common::split::check_sizes(n_test, n_train)?;

    // A class absent from test has no defined AUC, so NAUC cannot be computed for it.
    let mut in_test = vec![false; output_dim];
    for &(p, i) in &test_rows {
        for k in labels_of(p, i)?.0 {
            in_test[k as usize] = true;
        }
    }
    let absent = in_test.iter().filter(|&&t| !t).count();
    if absent > 0 {
        let hint = if opts.split.resplit { "" } else { "; --resplit pools train, valid and test and splits them stratified" };
        warnings.push(format!(
            "{}: the test subset holds no example of {absent} of the {output_dim} classes, so their AUC (and NAUC) is undefined{hint}",
            layout.dir.display()
        ));
    }

    // training means for --missing mean, over the rows that end up in train
    let mut sum = vec![0f64; width];
    let mut count = vec![0u64; width];
    if missing_values > 0 && format == AutoMlFormat::Dense {
        for &(p, i) in &train_rows {
            let values = parse_row(&parts[p].data_lines[i], format, width).map_err(|e| TabularError::table(&layout.dir, e))?;
            for (k, v) in values.into_iter().filter(|(_, v)| !v.is_nan()) {
                sum[k] += v as f64;
                count[k] += 1;
            }
        }
    }
    let fill: Vec<f32> = match opts.missing {
        MissingPolicy::Mean => (0..width)
            .map(|k| if count[k] > 0 { (sum[k] / count[k] as f64) as f32 } else { 0.0 })
            .collect(),
        MissingPolicy::Zero => vec![0.0; width],
        MissingPolicy::Nan => vec![f32::NAN; width],
    };
    if missing_values > 0 {
        warnings.push(format!(
            "{}: {missing_values} missing values handled by --missing {:?}",
            layout.dir.display(),
            opts.missing
        ));
    }
    let sparse = match opts.sparse {
        SparseChoice::Yes => true,
        SparseChoice::No => false,
        SparseChoice::Auto => format != AutoMlFormat::Dense,
    };
    let class_names = match &layout.label_name {
        Some(p) => {
            let names = read_lines(p)?;
            if names.len() == output_dim {
                names
            } else {
                warnings.push(format!(
                    "{}: {} names for {output_dim} solution columns; label names not used",
                    p.display(),
                    names.len()
                ));
                Vec::new()
            }
        }
        None => Vec::new(),
    };
    let feature_names = if feat_names.len() == width {
        feat_names
    } else {
        (1..=width).map(|k| format!("feature_{k}")).collect()
    };
    Ok(PreparedAutoMl {
        parts,
        format,
        width,
        binary_expand,
        output_dim,
        test_rows,
        train_rows,
        fill,
        sparse,
        missing_values,
        class_names,
        feature_names,
        warnings,
    })
}

/// Converts an AutoML folder. Test first in ids (spec §1.4); train = train ∪ valid.
pub fn convert_automl(
    layout: &AutoMlLayout,
    opts: &TabularOptions,
    sink: &mut dyn DatasetSink,
    report: &mut SkipReport,
) -> Result<TabularSummary> {
    let p = prepare_automl(layout, opts, report)?;
    let (n_test, n_train, width) = (p.test_rows.len(), p.train_rows.len(), p.width);
    let spec = tabular_spec(width, p.output_dim, p.sparse, &p.class_names, n_train);

    // test records first (spec §1.4)
    let mut features = vec![0f32; width];
    for (subset, rows) in [(Subset::Test, &p.test_rows), (Subset::Train, &p.train_rows)] {
        for &(part, i) in rows {
            automl_features(&p.parts[part].data_lines[i], p.format, &p.fill, &layout.dir, &mut features)?;
            let (index, score) = p.labels_of(&layout.dir, part, i)?;
            let frames = frames(&features, p.sparse);
            match subset {
                Subset::Test => sink.push_test(&frames, &index, &score)?,
                Subset::Train => sink.push_train(&frames, &index, &score)?,
            };
        }
    }
    let rows_read = p.parts.iter().map(|p| p.data_lines.len() as u64).sum();
    Ok(TabularSummary {
        facts: ConversionFacts {
            n_train,
            n_test,
            output_dim: p.output_dim,
            spec,
            class_names: class_names_if_any(p.class_names),
            suggested_name: Some(layout.basename.clone()),
            recipe: None,
            test_sources: Vec::new(),
            warnings: p.warnings,
        },
        rows_read,
        features: width,
        sparse: p.sparse,
        missing_values: p.missing_values,
        feature_names: p.feature_names,
        header_note: None,
    })
}
