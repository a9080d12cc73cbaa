//! Helpers shared by the table converter tests: the fixtures, the options they convert with and
//! a conversion through the shared output job.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use converters_common::output::{DatasetJob, OutputTarget, Written};
use converters_common::{ErrorPolicy, SkipReport};
use converters_tabular::{ColumnChoices, TabularOptions};

/// A table of `fixtures/tabular` (made by `scripts/make-fixtures-tabular-text.py`).
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/tabular").join(rel)
}

/// The table `name` in `dir`: the `header` line, then one line per row.
pub fn write_table(dir: &Path, name: &str, header: &str, rows: impl IntoIterator<Item = String>) -> PathBuf {
    let path = dir.join(name);
    let lines: Vec<String> = std::iter::once(header.to_string()).chain(rows).collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// The default options with `targets` as the target columns and one-hot up to 16 values.
pub fn opts(targets: &[&str]) -> TabularOptions {
    TabularOptions {
        columns: ColumnChoices {
            targets: targets.iter().map(|s| s.to_string()).collect(),
            onehot_max: 16,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Converts `input` into the dataset folder `out` through the shared output job (the atomic
/// writer; with `deep`, also the deep validator, which refuses to leave an invalid dataset).
pub fn write_dataset(input: &Path, o: &TabularOptions, out: &Path, deep: bool) -> Written {
    let mut target = OutputTarget::new(out, "t");
    target.quiet = true;
    target.deep_validate = deep;
    target.solution_style = formats::solution::SolutionStyle::Tabular;
    let mut job = DatasetJob::start(target, 0).unwrap();
    let mut report = SkipReport::new(ErrorPolicy::default());
    let s = converters_tabular::convert(input, o, &mut job, &mut report).expect("conversion");
    job.finish(s.facts.spec, s.facts.class_names.as_deref(), &report).expect("valid dataset")
}
