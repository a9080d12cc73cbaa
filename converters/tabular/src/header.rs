//! Does a CSV start with a header line? `--header auto|yes|no`.
//!
//! Auto-detection follows the idea of DuckDB's CSV sniffer and Python's `csv.Sniffer.has_header`:
//! a first row whose cells do not type like the rest of their column is a header; a first row
//! that types like the body is data. Per column over the sampled body rows:
//! - numeric body (every non-missing cell a number): a text first cell votes header, a number
//!   votes data;
//! - text body: a first cell that also appears among the column's body values votes data
//!   (`red` over `red, blue, red`); otherwise the column cannot tell.
//!
//! A first row with two equal non-empty cells cannot name columns and is data. When no column
//! can tell (every column text, no repeated value), the first row is taken as the header and
//! the decision says so, with the flag that overrides it: a row is never dropped silently.

use std::collections::HashSet;

use crate::limits::MISSING_MARKERS;

/// `--header`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeaderMode {
    /// Detected from the first rows ([`sniff_header`]).
    #[default]
    Auto,
    /// The first row names the columns.
    Yes,
    /// Every row is data; columns are named `c0`, `c1`, ….
    No,
}

/// What was decided for one CSV file, and why (printed as one line by `convert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderDecision {
    pub has_header: bool,
    /// Given by `--header yes|no` rather than detected.
    pub forced: bool,
    /// Detection could not tell (every column text): the first row was taken as the header.
    pub ambiguous: bool,
    pub reason: String,
}

impl HeaderDecision {
    /// One line for the user: the decision, its reason and the flag that overrides it.
    pub fn line(&self, file: &std::path::Path) -> String {
        let file = file.display();
        match (self.has_header, self.forced) {
            (true, true) => format!("{file}: first row read as column names (--header yes)"),
            (false, true) => format!("{file}: no header line (--header no); columns named c0, c1, …"),
            (true, false) => format!(
                "{file}: first row read as column names ({}); if it is data, use --header no",
                self.reason
            ),
            (false, false) => format!(
                "{file}: no header line detected ({}); columns named c0, c1, …; if the first row names the columns, use --header yes",
                self.reason
            ),
        }
    }
}

/// Body rows sampled after the first row.
const SAMPLE_ROWS: usize = 200;

fn is_missing(cell: &str) -> bool {
    MISSING_MARKERS.contains(&cell.trim())
}

fn is_number(cell: &str) -> bool {
    cell.trim().parse::<f64>().is_ok()
}

/// Decides from the first bytes of the file (`head`, as read for delimiter detection;
/// `truncated` when it stops before the end of the file, so its last line may be cut).
pub fn sniff_header(head: &[u8], delimiter: u8, truncated: bool) -> HeaderDecision {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let mut rows: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else { break };
        // a blank line is not a row (as in the table reader)
        if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
            continue;
        }
        rows.push(record.iter().map(|c| c.trim().to_string()).collect());
        if rows.len() > SAMPLE_ROWS + 1 {
            break;
        }
    }
    if truncated && rows.len() > 2 {
        rows.pop(); // may be cut in the middle
    }
    let decide = |has_header: bool, ambiguous: bool, reason: String| HeaderDecision { has_header, forced: false, ambiguous, reason };
    let Some((first, body)) = rows.split_first() else {
        return decide(true, true, "empty sample".into());
    };
    let mut seen = HashSet::new();
    if let Some(dup) = first.iter().find(|c| !c.is_empty() && !seen.insert(c.as_str())) {
        return decide(false, false, format!("the first row repeats '{}', so it cannot name columns", shorten(dup)));
    }
    if body.is_empty() {
        // a single line: a header only if it holds no number
        let numbers = first.iter().filter(|c| is_number(c)).count();
        return if numbers == 0 {
            decide(true, true, "a single line without numbers".into())
        } else {
            decide(false, false, format!("a single line holding {numbers} number(s)"))
        };
    }
    let (mut header_votes, mut data_votes) = (Vec::new(), Vec::new());
    for (c, cell) in first.iter().enumerate() {
        if is_missing(cell) {
            continue; // an empty header name and a missing value look the same
        }
        let column: Vec<&str> = body.iter().filter_map(|r| r.get(c)).map(|s| s.as_str()).filter(|s| !is_missing(s)).collect();
        if column.is_empty() {
            continue;
        }
        if column.iter().all(|v| is_number(v)) {
            if is_number(cell) {
                data_votes.push(c);
            } else {
                header_votes.push(c);
            }
        } else if column.contains(&cell.as_str()) {
            data_votes.push(c);
        }
    }
    let name = |c: usize| format!("'{}'", shorten(&first[c]));
    match (header_votes.len(), data_votes.len()) {
        (0, 0) => decide(
            true,
            true,
            "ambiguous: every column holds text, so the first row cannot be told from data".into(),
        ),
        (h, d) if h > d => decide(
            true,
            false,
            format!("{h} of {} column(s) hold numbers below a text first cell, e.g. {}", first.len(), name(header_votes[0])),
        ),
        (h, d) => decide(false, false, format!("the first row types like the rows below it: {d} column(s) vote data, {h} header")),
    }
}

/// The decision for `mode`: forced, or sniffed from `head`.
pub fn decide_header(mode: HeaderMode, head: &[u8], delimiter: u8, truncated: bool) -> HeaderDecision {
    match mode {
        HeaderMode::Yes => HeaderDecision { has_header: true, forced: true, ambiguous: false, reason: String::new() },
        HeaderMode::No => HeaderDecision { has_header: false, forced: true, ambiguous: false, reason: String::new() },
        HeaderMode::Auto => sniff_header(head, delimiter, truncated),
    }
}

/// Names of the columns of a headerless table: `c0`, `c1`, ….
pub fn positional_names(width: usize) -> Vec<String> {
    (0..width).map(|i| format!("c{i}")).collect()
}

/// At most 40 characters of a cell for messages.
pub fn shorten(t: &str) -> String {
    let mut s: String = t.chars().take(40).collect();
    if s.len() < t.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(text: &str) -> HeaderDecision {
        sniff_header(text.as_bytes(), b',', false)
    }

    #[test]
    fn headed_numeric_table() {
        let d = sniff("height,weight,species\n1.5,2,a\n1.7,3,b\n");
        assert!(d.has_header && !d.ambiguous, "{d:?}");
    }

    #[test]
    fn headerless_numeric_table() {
        let d = sniff("0.02,0.0371,0.0428,R\n0.0453,0.0523,0.0843,R\n0.0262,0.0582,0.1099,M\n");
        assert!(!d.has_header, "{d:?}");
    }

    #[test]
    fn duplicate_first_row_cells_are_data() {
        let d = sniff("1,4,4,0\n2,4,5,1\n");
        assert!(!d.has_header && d.reason.contains("repeats '4'"), "{d:?}");
    }

    #[test]
    fn all_text_is_ambiguous_and_kept_as_header() {
        let d = sniff("colour,shape\nred,round\nblue,square\n");
        assert!(d.has_header && d.ambiguous, "{d:?}");
        assert!(d.line(std::path::Path::new("t.csv")).contains("--header no"));
    }

    #[test]
    fn text_first_row_recurring_below_is_data() {
        let d = sniff("red,round\nblue,square\nred,square\n");
        assert!(!d.has_header, "{d:?}");
    }

    #[test]
    fn missing_cells_do_not_vote() {
        let d = sniff(",a,b\n0,1,x\n1,?,y\n");
        assert!(d.has_header, "{d:?}");
    }
}
