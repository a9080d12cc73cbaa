//! Error policy (`--on-error skip|fail`, `--max-errors N`) and the skip report.
//!
//! Under `skip` (the default) every input that cannot be converted is recorded with its path
//! and reason; the list is written as `<out>/<name>_skipped.tsv` (a side file, ignored by
//! ingestion and scoring, spec §1.1) and summarised on one stderr line. Under `fail` the first
//! bad input ends the conversion and no output is left behind.

use std::path::{Path, PathBuf};

use crate::error::{ConvertError, ItemError, Result};

/// What to do with an input that cannot be converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Leave it out, record it in the skip report, carry on.
    #[default]
    Skip,
    /// Stop the conversion; nothing is written.
    Fail,
}

/// `--on-error` and `--max-errors` together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ErrorPolicy {
    pub on_error: OnError,
    /// Under `Skip`: more than this many skipped inputs fail the conversion. `None` = no limit.
    pub max_errors: Option<usize>,
}

/// Every input left out of the dataset, in the order met.
#[derive(Debug, Clone, Default)]
pub struct SkipReport {
    policy: ErrorPolicy,
    entries: Vec<ItemError>,
}

impl SkipReport {
    pub fn new(policy: ErrorPolicy) -> Self {
        SkipReport { policy, entries: Vec::new() }
    }

    pub fn policy(&self) -> ErrorPolicy {
        self.policy
    }

    /// Applies the policy to one bad input: `Ok` when it is skipped, `Err` when the
    /// conversion must stop (`--on-error fail`, or the `--max-errors` budget exceeded).
    pub fn record(&mut self, error: ItemError) -> Result<()> {
        match self.policy.on_error {
            OnError::Fail => Err(ConvertError::Item(error)),
            OnError::Skip => {
                self.entries.push(error);
                match self.policy.max_errors {
                    Some(max) if self.entries.len() > max => Err(ConvertError::TooManyErrors {
                        skipped: self.entries.len(),
                        max,
                        last: self.entries.last().cloned().expect("just pushed"),
                    }),
                    _ => Ok(()),
                }
            }
        }
    }

    pub fn entries(&self) -> &[ItemError] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// File name of the report inside the dataset folder.
    pub fn file_name(dataset_name: &str) -> String {
        format!("{dataset_name}_skipped.tsv")
    }

    /// The report as TSV: header `path<TAB>line<TAB>reason`, one row per skipped input
    /// (tabs and newlines inside fields become spaces).
    pub fn render(&self) -> String {
        let mut out = String::from("path\tline\treason\n");
        for e in &self.entries {
            let line = e.line.map(|l| l.to_string()).unwrap_or_default();
            out.push_str(&format!(
                "{}\t{}\t{}\n",
                clean_field(&e.path.display().to_string()),
                line,
                clean_field(&e.reason)
            ));
        }
        out
    }

    /// Writes [`SkipReport::render`] to `<dir>/<name>_skipped.tsv`, atomically. Writes nothing
    /// and returns `None` when nothing was skipped.
    pub fn write(&self, dir: &Path, dataset_name: &str) -> Result<Option<PathBuf>> {
        if self.entries.is_empty() {
            return Ok(None);
        }
        let path = dir.join(Self::file_name(dataset_name));
        formats::atomic::write_bytes(&path, self.render().as_bytes()).map_err(|e| ConvertError::io(&path, e.source))?;
        Ok(Some(path))
    }

    /// One line for stderr, e.g. `skipped 2 of 100 inputs (see out/x_skipped.tsv)`.
    pub fn summary(&self, total: usize, report_path: Option<&Path>) -> String {
        match report_path {
            Some(p) if !self.entries.is_empty() => format!(
                "skipped {} of {} inputs (see {})",
                self.entries.len(),
                total,
                p.display()
            ),
            _ if !self.entries.is_empty() => {
                format!("skipped {} of {} inputs", self.entries.len(), total)
            }
            _ => format!("converted all {total} inputs, none skipped"),
        }
    }
}

fn clean_field(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_policy_stops_at_first_error() {
        let mut r = SkipReport::new(ErrorPolicy { on_error: OnError::Fail, max_errors: None });
        let err = r.record(ItemError::new("a.jpg", "bad")).unwrap_err();
        assert!(matches!(err, ConvertError::Item(ref e) if e.reason == "bad"));
        assert!(r.is_empty());
    }

    #[test]
    fn max_errors_budget() {
        let mut r = SkipReport::new(ErrorPolicy { on_error: OnError::Skip, max_errors: Some(1) });
        r.record(ItemError::new("a", "x")).unwrap();
        let err = r.record(ItemError::new("b", "y")).unwrap_err();
        assert!(matches!(err, ConvertError::TooManyErrors { skipped: 2, max: 1, .. }));
    }

    #[test]
    fn report_file_lists_path_line_reason() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = SkipReport::new(ErrorPolicy::default());
        assert!(r.write(dir.path(), "ds").unwrap().is_none());
        r.record(ItemError::at_line("labels.csv", 3, "unknown class\tindex 12")).unwrap();
        r.record(ItemError::new("img/b.png", "truncated")).unwrap();
        let p = r.write(dir.path(), "ds").unwrap().unwrap();
        assert_eq!(p.file_name().unwrap(), "ds_skipped.tsv");
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            text,
            "path\tline\treason\nlabels.csv\t3\tunknown class index 12\nimg/b.png\t\ttruncated\n"
        );
        assert!(r.summary(10, Some(&p)).starts_with("skipped 2 of 10 inputs"));
    }
}
