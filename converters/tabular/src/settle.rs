//! Tables on the whole-input shape ([`converters_common::planned`]): the settle step is the
//! conversion's own first half ([`crate::convert`]'s profile, split and fills, or
//! [`crate::automl`]'s checks), the encode step its per-row encoding, so records encoded from
//! a plan are `convert`'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use converters_common::planned::{seeded_keys, PlannedRecord, Settlement, WholeInputDomain};
use converters_common::{ConvertError, SkipReport};
use formats::example::Frames;
use formats::metadata::DataSpec;
use formats::solution::SolutionStyle;
use serde::{Deserialize, Serialize};

use crate::automl::{automl_features, prepare_automl, AutoMlFormat, AutoMlLayout};
use crate::convert::{class_names_if_any, prepare, row_source, TabularOptions, TEST_STREAM, TRAIN_STREAM};
use crate::spec::tabular_spec;
use crate::encode::{frames, RowEncoder};
use crate::header::HeaderMode;
use crate::profile::ColumnRole;
use crate::recipe::TabularRecipe;
use crate::table::{Table, TableKind};

/// What the settle pass of a table fixed (stored in a scale-out plan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableSettled {
    /// A CSV/TSV, Parquet or Arrow file: record keys are 0-based data rows.
    File {
        input: PathBuf,
        /// The CSV delimiter used (`None` for Parquet/Arrow).
        delimiter: Option<u8>,
        had_header: bool,
        columns: Vec<String>,
        roles: Vec<ColumnRole>,
        /// Fill of a missing numeric cell per column, as f32 bits (NaN has no JSON number).
        fill_bits: Vec<u32>,
        sparse: bool,
        feature_names: Vec<String>,
    },
    /// An AutoML folder: record keys are `part << 40 | line`.
    AutoMl {
        dir: PathBuf,
        /// `.data` files in part order.
        data: Vec<PathBuf>,
        /// `dense`, `sparse` or `binary`.
        format: String,
        fill_bits: Vec<u32>,
        sparse: bool,
        feature_names: Vec<String>,
    },
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|f| f.to_bits()).collect()
}

fn floats(v: &[u32]) -> Vec<f32> {
    v.iter().map(|&b| f32::from_bits(b)).collect()
}

const PART_SHIFT: u32 = 40;

fn format_name(f: AutoMlFormat) -> &'static str {
    match f {
        AutoMlFormat::Dense => "dense",
        AutoMlFormat::Sparse => "sparse",
        AutoMlFormat::SparseBinary => "binary",
    }
}

fn format_of(name: &str, dir: &Path) -> converters_common::Result<AutoMlFormat> {
    match name {
        "dense" => Ok(AutoMlFormat::Dense),
        "sparse" => Ok(AutoMlFormat::Sparse),
        "binary" => Ok(AutoMlFormat::SparseBinary),
        _ => Err(ConvertError::input(dir, format!("unknown AutoML row format {name:?} in the plan"))),
    }
}

fn pairs(index: &[i64], score: &[f32]) -> Vec<(u32, f32)> {
    index.iter().zip(score).map(|(&i, &s)| (i as u32, s)).collect()
}

impl TableSettled {
    /// The recipe `convert` writes (none for the AutoML layout).
    pub fn recipe(&self) -> Option<TabularRecipe> {
        match self {
            TableSettled::File { had_header, columns, roles, fill_bits, sparse, .. } => {
                let fill = floats(fill_bits);
                let features = RowEncoder::new(roles.clone(), fill.clone()).width();
                Some(TabularRecipe { columns: columns.clone(), had_header: *had_header, roles: roles.clone(), fill, sparse: *sparse, features })
            }
            TableSettled::AutoMl { .. } => None,
        }
    }

    fn features_and_sparse(&self) -> (usize, bool) {
        match self {
            TableSettled::File { roles, fill_bits, sparse, .. } => (RowEncoder::new(roles.clone(), floats(fill_bits)).width(), *sparse),
            TableSettled::AutoMl { fill_bits, sparse, .. } => (fill_bits.len(), *sparse),
        }
    }
}

/// The tabular converter on the whole-input shape.
pub struct Tabular;

impl WholeInputDomain for Tabular {
    const NAME: &'static str = crate::recipe::DOMAIN;
    type Options = TabularOptions;
    type Settled = TableSettled;

    fn settle(input: &Path, opts: &TabularOptions, report: &mut SkipReport) -> converters_common::Result<Settlement<TableSettled>> {
        match AutoMlLayout::detect(input)? {
            Some(layout) => settle_automl(&layout, opts, report),
            None if input.is_dir() => Err(ConvertError::input(input, "a folder is a table input only in the AutoML layout (<b>_train.data, …)")),
            None => settle_file(input, opts, report),
        }
    }

    fn encode(settled: &TableSettled, wanted: &HashMap<u64, usize>, out: &mut dyn FnMut(usize, Frames) -> converters_common::Result<()>) -> converters_common::Result<()> {
        match settled {
            TableSettled::File { input, delimiter, had_header, roles, fill_bits, sparse, .. } => {
                let header = if *had_header { HeaderMode::Yes } else { HeaderMode::No };
                let table = Table::open_with(input, *delimiter, header)?;
                let encoder = RowEncoder::new(roles.clone(), floats(fill_bits));
                let mut buf = Vec::with_capacity(encoder.width());
                let mut failed = None;
                table.for_each_row(|row| {
                    let Some(&slot) = wanted.get(&row.index) else { return Ok(()) };
                    if let Some(problem) = &row.problem {
                        return Err(crate::TabularError::table(input, format!("data row {}: {problem} (the table changed since it was planned?)", row.index + 1)));
                    }
                    encoder.encode(row.cells, &mut buf);
                    if let Err(e) = out(slot, frames(&buf, *sparse)) {
                        failed = Some(e);
                        return Err(crate::TabularError::options("stopped"));
                    }
                    Ok(())
                })
                .map_err(|e| failed.take().unwrap_or_else(|| e.into()))
            }
            TableSettled::AutoMl { dir, data, format, fill_bits, sparse, .. } => {
                let format = format_of(format, dir)?;
                let fill = floats(fill_bits);
                let mut features = vec![0f32; fill.len()];
                let mut by_part: Vec<Vec<(usize, usize)>> = vec![Vec::new(); data.len()];
                for (&key, &slot) in wanted {
                    let part = (key >> PART_SHIFT) as usize;
                    let line = (key & ((1 << PART_SHIFT) - 1)) as usize;
                    by_part.get_mut(part).ok_or_else(|| ConvertError::input(dir, format!("record key {key} names no AutoML part")))?.push((line, slot));
                }
                for (part, mut rows) in by_part.into_iter().enumerate() {
                    if rows.is_empty() {
                        continue;
                    }
                    rows.sort_unstable();
                    let lines = crate::automl::read_lines(&data[part])?;
                    for (line, slot) in rows {
                        let text = lines.get(line).ok_or_else(|| ConvertError::input(&data[part], format!("line {}: missing (the file changed since it was planned?)", line + 1)))?;
                        automl_features(text, format, &fill, dir, &mut features)?;
                        out(slot, frames(&features, *sparse))?;
                    }
                }
                Ok(())
            }
        }
    }

    fn spec(settled: &TableSettled, output_dim: usize, class_names: Option<&[String]>) -> converters_common::Result<DataSpec> {
        let (features, sparse) = settled.features_and_sparse();
        Ok(tabular_spec(features, output_dim, sparse, class_names.unwrap_or(&[]), 0))
    }

    fn solution_style() -> SolutionStyle {
        SolutionStyle::Tabular
    }

    fn side_files(settled: &TableSettled, name: &str, test_sources: &[String]) -> converters_common::Result<Vec<(String, Vec<u8>)>> {
        let feature_names = match settled {
            TableSettled::File { feature_names, .. } | TableSettled::AutoMl { feature_names, .. } => feature_names,
        };
        let feat = formats::names::name_lines(feature_names).map_err(|m| ConvertError::Options(format!("feature names: {m}")))?;
        let mut files = vec![(format!("{name}_feat.name"), feat.into_bytes())];
        if let Some(recipe) = settled.recipe() {
            files.push((converters_common::recipe::recipe_file_name(name), recipe.to_recipe()?.to_json()));
            files.push(converters_common::recipe::test_sources_file(name, test_sources));
        }
        Ok(files)
    }
}

fn settle_file(input: &Path, opts: &TabularOptions, report: &mut SkipReport) -> converters_common::Result<Settlement<TableSettled>> {
    let p = prepare(input, opts, report)?;
    // Keys of the usable rows in row order, with their subset and labels.
    let (mut test_keys, mut train_keys) = (Vec::new(), Vec::new());
    let mut labels: HashMap<u64, Vec<(u32, f32)>> = HashMap::with_capacity(p.split.is_test.len());
    let mut next_bad = p.bad.iter().peekable();
    let mut k = 0usize;
    for row in 0..p.prof.total_rows {
        if next_bad.peek() == Some(&&row) {
            next_bad.next();
            continue;
        }
        labels.insert(row, p.keys.label_set(k).iter().map(|&c| (c, 1.0)).collect());
        if p.split.is_test[k] { test_keys.push(row) } else { train_keys.push(row) }
        k += 1;
    }
    let planned = |keys: Vec<u64>| -> Vec<PlannedRecord> {
        keys.into_iter().map(|key| PlannedRecord { labels: labels.get(&key).cloned().unwrap_or_default(), source: row_source(key), key }).collect()
    };
    let test = planned(seeded_keys(opts.split.seed, TEST_STREAM, &test_keys)?);
    let train = planned(seeded_keys(opts.split.seed, TRAIN_STREAM, &train_keys)?);
    let recipe = p.recipe();
    let delimiter = match p.table.kind {
        TableKind::Csv { delimiter } => Some(delimiter),
        _ => None,
    };
    let class_names = p.prof.class_names.clone();
    Ok(Settlement {
        settled: TableSettled::File {
            input: input.to_path_buf(),
            delimiter,
            had_header: recipe.had_header,
            columns: recipe.columns,
            roles: recipe.roles,
            fill_bits: bits(&recipe.fill),
            sparse: recipe.sparse,
            feature_names: p.prof.feature_names(&p.table.columns),
        },
        test,
        train,
        output_dim: class_names.len(),
        class_names: class_names_if_any(class_names),
        warnings: p.warnings,
        suggested_name: None,
    })
}

fn settle_automl(layout: &AutoMlLayout, opts: &TabularOptions, report: &mut SkipReport) -> converters_common::Result<Settlement<TableSettled>> {
    let p = prepare_automl(layout, opts, report)?;
    // a record's source: its part's data file and 1-based line, e.g. `iris_valid.data line 7`
    let source = |part: usize, line: usize| {
        let file = p.parts[part].files.data.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        format!("{file} line {}", line + 1)
    };
    let planned = |rows: &[(usize, usize)]| -> converters_common::Result<Vec<PlannedRecord>> {
        rows.iter()
            .map(|&(part, line)| {
                let (index, score) = p.labels_of(&layout.dir, part, line)?;
                Ok(PlannedRecord { key: ((part as u64) << PART_SHIFT) | line as u64, labels: pairs(&index, &score), source: source(part, line) })
            })
            .collect()
    };
    let (test, train) = (planned(&p.test_rows)?, planned(&p.train_rows)?);
    Ok(Settlement {
        settled: TableSettled::AutoMl {
            dir: layout.dir.clone(),
            data: p.parts.iter().map(|part| part.files.data.clone()).collect(),
            format: format_name(p.format).into(),
            fill_bits: bits(&p.fill),
            sparse: p.sparse,
            feature_names: p.feature_names.clone(),
        },
        test,
        train,
        output_dim: p.output_dim,
        class_names: class_names_if_any(p.class_names.clone()),
        warnings: p.warnings,
        suggested_name: Some(layout.basename.clone()),
    })
}
