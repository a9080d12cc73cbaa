//! What `report.html` is made from: the run's facts, the inputs the conversion skipped and
//! the results the page puts together.

use std::path::{Path, PathBuf};

use formats::inspect::Inspection;
use formats::validate::Report as ValidationReport;

use super::leaderboard::Leaderboard;
use super::quality::QualitySection;
use crate::score::ScoreReport;

/// One input the conversion skipped (a row of `<name>_skipped.tsv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedInput {
    pub path: String,
    pub line: Option<u64>,
    pub reason: String,
}

/// Reads `path\tline\treason` rows (header first) as written by the converters' skip report.
pub fn read_skipped_tsv(path: &Path) -> crate::Result<Vec<SkippedInput>> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| crate::Error::Io { path: path.to_path_buf(), source })?;
    Ok(text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.splitn(3, '\t');
            let path = cols.next().unwrap_or_default().to_string();
            let line = cols.next().and_then(|s| s.trim().parse().ok());
            let reason = cols.next().unwrap_or_default().to_string();
            SkippedInput { path, line, reason }
        })
        .collect())
}

/// How the run was made.
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    /// What the user gave (raw folder/file or dataset).
    pub input: PathBuf,
    /// Whether `input` was converted by this run.
    pub converted: bool,
    pub device: String,
    pub time_budget: f64,
    pub seed: u64,
    pub learner: String,
    /// `(component, version)` pairs.
    pub versions: Vec<(String, String)>,
    /// Wall-clock start, as text.
    pub started: String,
    /// Ingestion outcome in words (stop reason, success).
    pub ingestion: String,
    /// Why and when the run was interrupted (Ctrl-C / SIGTERM); `None` for a run that ended by itself.
    pub interrupted: Option<String>,
    /// The models the learner tried and which made each recorded prediction (auto learner).
    pub leaderboard: Option<Leaderboard>,
}

/// Everything the page shows.
pub struct ReportInput<'a> {
    pub dataset_dir: &'a Path,
    pub inspection: &'a Inspection,
    pub validation: &'a ValidationReport,
    /// `None` when training or scoring did not produce a score.
    pub score: Option<&'a ScoreReport>,
    pub run: &'a RunFacts,
    /// `None`: the input was not converted by this run (nothing to report).
    pub skipped: Option<&'a [SkippedInput]>,
    /// The audit's Data quality section (`rate` runs `audit`); `None`: not audited.
    pub quality: Option<&'a QualitySection>,
}
