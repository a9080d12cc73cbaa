//! Parsing a labels CSV (`FileName,Labels[,subset]` or `FileName,LabelConfidencePairs[,subset]`,
//! spec §1.5) into rows; [`crate::labels`] turns the rows into labelled items.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{ConvertError, ItemError, Result};
use crate::label_set::Labels;
use crate::split::Subset;

/// One parsed row of a labels CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvRow {
    /// 1-based line of the row in the CSV.
    pub line: usize,
    pub file_name: String,
    pub labels: Labels,
    pub subset: Option<Subset>,
}

/// A parsed labels CSV; rows that cannot be read are in `bad` (path = the CSV, with line).
#[derive(Debug, Clone)]
pub struct LabelsCsv {
    pub path: PathBuf,
    pub confidences: bool,
    pub rows: Vec<CsvRow>,
    pub bad: Vec<ItemError>,
    /// Every non-empty `FileName` cell, rows in `bad` included (files the CSV accounts for).
    pub named: Vec<String>,
}

/// Reads a `FileName,Labels[,subset]` or `FileName,LabelConfidencePairs[,subset]` CSV
/// (spec §1.5). Header names are matched case-insensitively; a bad header is an error for the
/// whole file, a bad row is reported in [`LabelsCsv::bad`].
pub fn read_labels_csv(path: &Path) -> Result<LabelsCsv> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)
        .map_err(|e| csv_error(path, e))?;
    let header = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let cols: Vec<String> = header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    let confidences = match cols.get(1).map(String::as_str) {
        Some("labels") => false,
        Some("labelconfidencepairs") => true,
        _ => {
            return Err(ConvertError::input(
                path,
                format!("line 1: header must be FileName,Labels[,subset] or FileName,LabelConfidencePairs[,subset], found {:?}", header.iter().collect::<Vec<_>>().join(",")),
            ))
        }
    };
    if cols[0] != "filename" || (cols.len() == 3 && cols[2] != "subset") || cols.len() > 3 {
        return Err(ConvertError::input(
            path,
            format!("line 1: header must be FileName,Labels[,subset] or FileName,LabelConfidencePairs[,subset], found {:?}", header.iter().collect::<Vec<_>>().join(",")),
        ));
    }
    let has_subset = cols.len() == 3;
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut named = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                bad.push(ItemError::at_line(path, line, format!("unreadable CSV row: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        // A blank line is not an example.
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        if record.len() != cols.len() && !(has_subset && record.len() == 2) {
            bad.push(ItemError::at_line(
                path,
                line,
                format!("{} fields, the header has {}", record.len(), cols.len()),
            ));
            continue;
        }
        let file_name = record[0].trim().to_string();
        if file_name.is_empty() {
            bad.push(ItemError::at_line(path, line, "empty FileName"));
            continue;
        }
        named.push(file_name.clone());
        let labels = match parse_labels(&record[1], confidences) {
            Ok(l) => l,
            Err(reason) => {
                bad.push(ItemError::at_line(path, line, format!("{file_name}: {reason}")));
                continue;
            }
        };
        let subset = match record.get(2).map(|s| s.trim().to_ascii_lowercase()) {
            None => None,
            Some(s) if s.is_empty() => None,
            Some(s) if s == "train" => Some(Subset::Train),
            Some(s) if s == "test" => Some(Subset::Test),
            Some(s) => {
                bad.push(ItemError::at_line(path, line, format!("{file_name}: subset must be train or test, found {s:?}")));
                continue;
            }
        };
        if !seen.insert(file_name.clone()) {
            bad.push(ItemError::at_line(path, line, format!("{file_name}: listed twice")));
            continue;
        }
        rows.push(CsvRow { line, file_name, labels, subset });
    }
    Ok(LabelsCsv { path: path.to_path_buf(), confidences, rows, bad, named })
}

/// Parses a `Labels` cell (`"3"`, `"1 4"`, `""`) or a `LabelConfidencePairs` cell
/// (`"68 0.3196 13 0.3564"`).
pub fn parse_labels(cell: &str, confidences: bool) -> std::result::Result<Labels, String> {
    let tokens: Vec<&str> = cell.split_whitespace().collect();
    let mut pairs = Vec::new();
    if confidences {
        if !tokens.len().is_multiple_of(2) {
            return Err(format!("odd number of values in label-confidence pairs {cell:?}"));
        }
        for pair in tokens.chunks(2) {
            let index = parse_index(pair[0])?;
            let score: f32 = pair[1].parse().map_err(|_| format!("confidence {:?} is not a number", pair[1]))?;
            if !score.is_finite() {
                return Err(format!("confidence {:?} is not finite", pair[1]));
            }
            pairs.push((index, score));
        }
    } else {
        for t in tokens {
            pairs.push((parse_index(t)?, 1.0));
        }
    }
    let mut seen = HashSet::new();
    for (i, _) in &pairs {
        if !seen.insert(*i) {
            return Err(format!("class index {i} listed twice"));
        }
    }
    Ok(Labels { pairs })
}

fn parse_index(token: &str) -> std::result::Result<u32, String> {
    match token.parse::<u128>() {
        Ok(i) if i < i32::MAX as u128 => Ok(i as u32),
        Ok(_) => Err(format!("class index {token} is too large (at most {})", i32::MAX - 1)),
        Err(_) => Err(format!("class index {token:?} is not a non-negative integer")),
    }
}

fn csv_error(path: &Path, e: csv::Error) -> ConvertError {
    match e.kind() {
        csv::ErrorKind::Io(_) => match e.into_kind() {
            csv::ErrorKind::Io(io) => ConvertError::io(path, io),
            _ => unreachable!("kind checked above"),
        },
        _ => ConvertError::input(path, e.to_string()),
    }
}

