//! `report.html` of `autodl-format rate`: one self-contained page (no external URL; pictures
//! are `data:` URIs or inline SVG) that puts together what the dataset is, what the validator
//! found, how the automatic model learned, and what the conversion left out. It opens with a
//! plain verdict ([`verdict`]) and names every number for what it is.
//!
//! The trainer never depends on the converters: the conversion's skipped inputs come in as
//! plain rows ([`SkippedInput`]), read by the caller from `<name>_skipped.tsv`.

pub mod leaderboard;
pub mod quality;
mod learning;
mod samples;
mod summary;
pub mod verdict;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use formats::inspect::{Domain, Inspection};
use formats::validate::{Report as ValidationReport, Severity};

use crate::ScoreReport;

pub use crate::html::escape as esc;
pub use leaderboard::Leaderboard;
pub use learning::{CHALLENGE_ACCURACY, CHALLENGE_ACCURACY_MEANS, TOP1_MEANS};
pub use samples::{collect_samples, ClassSamples, Sample};
pub use verdict::{Rating, Verdict};

/// Examples shown per class.
pub const SAMPLES_PER_CLASS: usize = 3;

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
    pub quality: Option<&'a quality::QualitySection>,
}

/// The whole page. Parts that cannot be drawn (an undecodable example, a missing prediction)
/// become a note on the page instead of failing the report.
pub fn build_report(input: &ReportInput<'_>) -> String {
    let mut page = String::with_capacity(64 * 1024);
    let insp = input.inspection;
    let title = format!("AutoDL rating of {}", insp.name);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    if let Some(why) = &input.run.interrupted {
        let _ = writeln!(page, "<p class=\"verdict err\" id=\"interrupted\"><b>Interrupted:</b> {}</p>", esc(why));
    }
    page.push_str(&summary::summary_section(input));
    page.push_str(&dataset_section(insp));
    page.push_str(&validation_section(input.validation));
    if let Some(q) = input.quality {
        page.push_str(&quality::render_quality(q));
    }
    page.push_str(&learning::learning_section(input));
    if let Some(board) = &input.run.leaderboard {
        page.push_str(&board.html_section());
    }
    page.push_str(&samples_section(input.dataset_dir, insp));
    page.push_str(&run_section(input.run));
    page.push_str(&skipped_section(input.skipped));
    page.push_str("</body></html>\n");
    scroll_tables(&page)
}

/// Puts every table in a wrapper that scrolls sideways, so a wide table never widens the page
/// (escaped text cannot hold a `<table` of its own).
fn scroll_tables(page: &str) -> String {
    page.replace("<table", "<div class=\"scroll\"><table").replace("</table>", "</table></div>")
}

const STYLE: &str = "body{font-family:sans-serif;margin:24px;color:#222;background:#fff;max-width:1100px}\
.scroll{overflow-x:auto;max-width:100%}img,svg{max-width:100%;height:auto}audio{display:block;width:300px;max-width:100%;margin-top:2px}\
figure.clip{display:inline-block;margin:4px 12px 8px 0}figure.clip figcaption{font-size:0.85em;color:#555}\
h1{color:#1a4d8f}h2{border-bottom:2px solid #1a4d8f;padding-bottom:4px;margin-top:32px}\
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}\
th{background:#e8eef7}td.l,th.l{text-align:left}.note{color:#666;font-style:italic}\
.err{color:#b00020}.warn{color:#a86400}.ok{color:#137333}\
.cards{display:flex;gap:16px;flex-wrap:wrap}.card{background:#e8eef7;border-radius:8px;padding:10px 16px}\
.card b{display:block;font-size:1.6em;color:#1a4d8f}.samples img{margin:2px;border:1px solid #999;image-rendering:pixelated}\
.strip{display:inline-block;margin:4px 10px 4px 0}pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:2px 0;font-size:0.9em}\
blockquote.text{margin:4px 0 8px;padding:4px 10px;border-left:3px solid #c5d3e8;background:#f6f8fb;overflow-wrap:anywhere}\
#confusion th.c{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left;max-height:12em;font-weight:normal}\
.verdict{border-left:6px solid;padding:4px 14px;margin:12px 0;background:#f6f8fb}.verdict.ok{border-color:#137333}\
.verdict.warn{border-color:#a86400}.verdict.err{border-color:#b00020}.verdict p{margin:6px 0;color:#222}\
.nowrap{white-space:nowrap}.finding{border:1px solid #a86400;border-radius:6px;padding:2px 14px;margin:12px 0;background:#fff8e6}";

/// A `data:` URI holding PNG bytes.
pub fn png_data_uri(png: &[u8]) -> String {
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))
}

fn class_label(insp: &Inspection, j: usize) -> String {
    match insp.label_names.get(j) {
        Some(n) if !n.is_empty() => format!("{j}: {n}"),
        _ => format!("{j}"),
    }
}

fn dataset_section(insp: &Inspection) -> String {
    let mut s = String::from("<h2>Dataset</h2>\n<table id=\"dataset\">");
    let sh = insp.shape;
    // Only the fields that mean something for this domain: no vocabulary on images, no frame
    // counts on single-frame examples.
    let sequence = matches!(insp.domain, Domain::Video | Domain::Speech | Domain::Text);
    let shape = match insp.domain {
        Domain::Image => ("example size (height × width × channels)", format!("{} × {} × {}", sh.row_count, sh.col_count, sh.effective_channels)),
        Domain::Video => ("frame size (height × width × channels)", format!("{} × {} × {}", sh.row_count, sh.col_count, sh.effective_channels)),
        Domain::Tabular => ("features per row", (sh.row_count.max(1) * sh.col_count.max(1) * sh.effective_channels.max(1)).to_string()),
        Domain::Speech | Domain::Text => ("channels per step", sh.effective_channels.max(1).to_string()),
    };
    let mut rows = vec![
        ("name", insp.name.clone()),
        ("folder", insp.dataset.display().to_string()),
        ("domain", insp.domain.to_string()),
        (shape.0, shape.1),
        ("storage", format!("{:?}", insp.format)),
        ("classes (output_dim)", insp.output_dim.to_string()),
    ];
    if insp.domain == Domain::Text {
        rows.push(("vocabulary size", insp.vocabulary_size.to_string()));
    }
    rows.push(("size on disk", format!("{:.2} MB", insp.bytes_on_disk as f64 / 1e6)));
    for (k, v) in rows {
        let _ = write!(s, "<tr><th class=\"l\">{}</th><td class=\"l\">{}</td></tr>", esc(k), esc(&v));
    }
    let steps = match insp.domain {
        Domain::Speech => "samples per clip",
        Domain::Text => "tokens per document",
        _ => "frames per example",
    };
    s.push_str("</table>\n<table><tr><th class=\"l\">subset</th><th>examples</th><th>record files</th><th>bytes</th><th>unlabelled</th>");
    if sequence {
        let _ = write!(s, "<th class=\"l\">{steps} (min/median/max)</th>");
    }
    s.push_str("</tr>");
    for sub in &insp.subsets {
        let _ = write!(
            s,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            esc(&sub.subset),
            sub.records,
            sub.files,
            sub.record_bytes,
            sub.unlabelled
        );
        if sequence {
            let frames = sub
                .frames_per_example
                .map_or("-".to_string(), |f| format!("{}/{}/{}", f.min, f.median, f.max));
            let _ = write!(s, "<td class=\"l\">{frames}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>\n<h3>Class balance</h3>\n");
    s.push_str(&class_balance_svg(insp));
    s
}

/// Horizontal bars per class, one colour per subset (inline SVG).
fn class_balance_svg(insp: &Inspection) -> String {
    const COLOURS: [&str; 3] = ["#1a4d8f", "#e8833a", "#4caf50"];
    let classes = insp.output_dim.max(0) as usize;
    let shown = classes.min(60);
    let subsets: Vec<_> = insp.subsets.iter().filter(|s| !s.class_histogram.is_empty()).collect();
    if shown == 0 || subsets.is_empty() {
        return "<p class=\"note\">No class counts available.</p>\n".into();
    }
    let max = subsets
        .iter()
        .flat_map(|s| s.class_histogram.iter().take(shown).copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_w, bar_w, bar_h) = (180.0, 600.0, 12.0);
    let group_h = bar_h * subsets.len() as f64 + 6.0;
    let height = 30.0 + group_h * shown as f64;
    let mut s = format!(
        "<svg width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\" role=\"img\">",
        label_w + bar_w + 80.0,
        label_w + bar_w + 80.0
    );
    for (k, sub) in subsets.iter().enumerate() {
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"4\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"15\" font-size=\"12\">{} ({})</text>",
            label_w + 140.0 * k as f64,
            COLOURS[k % 3],
            label_w + 140.0 * k as f64 + 16.0,
            esc(&sub.subset),
            esc(&format!("{:?}", sub.histogram_source).to_lowercase())
        );
    }
    for j in 0..shown {
        let y0 = 26.0 + group_h * j as f64;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            label_w - 6.0,
            y0 + group_h / 2.0 + 2.0,
            esc(&truncate(&class_label(insp, j), 28))
        );
        for (k, sub) in subsets.iter().enumerate() {
            let count = sub.class_histogram.get(j).copied().unwrap_or(0);
            let w = bar_w * count as f64 / max as f64;
            let y = y0 + bar_h * k as f64;
            let _ = write!(
                s,
                "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{}\" font-size=\"10\">{count}</text>",
                bar_h - 1.0,
                COLOURS[k % 3],
                label_w + w + 4.0,
                y + bar_h - 2.0
            );
        }
    }
    s.push_str("</svg>\n");
    if classes > shown {
        let _ = writeln!(s, "<p class=\"note\">First {shown} of {classes} classes shown.</p>");
    }
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

fn validation_section(v: &ValidationReport) -> String {
    let mut s = String::from("<h2>Validation</h2>\n");
    let (class, verdict) = if v.valid { ("ok", "valid") } else { ("err", "INVALID") };
    let _ = writeln!(
        s,
        "<p class=\"{class}\"><b>{verdict}</b>: {} error(s), {} warning(s); {} record(s) read{}.</p>",
        v.errors,
        v.warnings,
        v.stats.subsets.iter().map(|s| s.records).sum::<u64>(),
        if v.deep { ", every compressed frame decoded" } else { "" }
    );
    if v.findings.is_empty() {
        s.push_str("<p class=\"note\">No findings.</p>\n");
        return s;
    }
    s.push_str("<table><tr><th class=\"l\">severity</th><th class=\"l\">code</th><th class=\"l\">where</th><th class=\"l\">finding</th></tr>");
    for f in &v.findings {
        let (class, sev) = match f.severity {
            Severity::Error => ("err", "error"),
            Severity::Warning => ("warn", "warning"),
        };
        let mut at = f.location.file.display().to_string();
        if let Some(r) = f.location.record {
            let _ = write!(at, " record {r}");
        }
        if let Some(o) = f.location.offset {
            let _ = write!(at, " @ byte {o}");
        }
        if let Some(l) = f.location.line {
            let _ = write!(at, " line {l}");
        }
        if let Some(field) = &f.location.field {
            let _ = write!(at, " field {field}");
        }
        let _ = write!(
            s,
            "<tr><td class=\"l {class}\">{sev}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
            esc(f.code),
            esc(&at),
            esc(&f.message)
        );
    }
    s.push_str("</table>\n");
    if v.stats.suppressed > 0 {
        let _ = writeln!(s, "<p class=\"note\">{} repeated findings summarised.</p>", v.stats.suppressed);
    }
    s
}

fn samples_section(dataset_dir: &Path, insp: &Inspection) -> String {
    let mut s = String::from("<h2>Examples per class</h2>\n");
    match collect_samples(dataset_dir, insp, SAMPLES_PER_CLASS) {
        Ok(classes) if classes.is_empty() => s.push_str("<p class=\"note\">No example could be read.</p>\n"),
        Ok(classes) => s.push_str(&samples::render(insp, &classes)),
        Err(e) => {
            let _ = writeln!(s, "<p class=\"note\">examples not shown: {}</p>", esc(&e.to_string()));
        }
    }
    s
}

fn run_section(run: &RunFacts) -> String {
    let mut s = String::from("<h2>Run</h2>\n<table>");
    let mut rows = vec![
        ("input", run.input.display().to_string()),
        ("converted by this run", if run.converted { "yes" } else { "no (existing dataset)" }.to_string()),
        ("started", run.started.clone()),
        ("device", run.device.clone()),
        ("time budget", format!("{} s", run.time_budget)),
        ("seed", run.seed.to_string()),
        ("learner", run.learner.clone()),
        (
            "final prediction made by",
            run.leaderboard.as_ref().and_then(Leaderboard::final_models_text).unwrap_or_else(|| "-".to_string()),
        ),
        ("ingestion", run.ingestion.clone()),
    ];
    for (k, v) in &run.versions {
        rows.push(("version", format!("{k} {v}")));
    }
    for (k, v) in rows {
        let _ = write!(s, "<tr><th class=\"l\">{}</th><td class=\"l\">{}</td></tr>", esc(k), esc(&v));
    }
    s.push_str("</table>\n");
    s
}

fn skipped_section(skipped: Option<&[SkippedInput]>) -> String {
    let mut s = String::from("<h2>Skipped inputs</h2>\n");
    let Some(rows) = skipped else {
        s.push_str("<p class=\"note\">The dataset was given ready-made; this run converted nothing.</p>\n");
        return s;
    };
    if rows.is_empty() {
        s.push_str("<p class=\"ok\">The conversion skipped no input.</p>\n");
        return s;
    }
    let _ = writeln!(s, "<p class=\"warn\">{} input(s) could not be converted and were left out:</p>", rows.len());
    s.push_str("<table><tr><th class=\"l\">input</th><th>line</th><th class=\"l\">reason</th></tr>");
    for r in rows.iter().take(500) {
        let line = r.line.map_or(String::new(), |l| l.to_string());
        let _ = write!(
            s,
            "<tr><td class=\"l\">{}</td><td>{line}</td><td class=\"l\">{}</td></tr>",
            esc(&r.path),
            esc(&r.reason)
        );
    }
    s.push_str("</table>\n");
    if rows.len() > 500 {
        let _ = writeln!(s, "<p class=\"note\">First 500 of {} shown.</p>", rows.len());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn every_table_scrolls_in_its_own_wrapper() {
        let page = "<p>x</p><table id=\"a\"><tr><td>1</td></tr></table><table></table>";
        assert_eq!(
            scroll_tables(page),
            "<p>x</p><div class=\"scroll\"><table id=\"a\"><tr><td>1</td></tr></table></div><div class=\"scroll\"><table></table></div>"
        );
        assert!(STYLE.contains(".scroll{overflow-x:auto"));
    }

    #[test]
    fn dataset_fields_fit_the_domain() {
        let tmp = tempfile::tempdir().unwrap();
        let image = tmp.path().join("image");
        samples::tests::write_dense(&image, (1, 4, 5, 3), |k, i| ((k + i) % 7) as f32 / 7.0);
        let insp = formats::inspect::inspect(&image).unwrap();
        assert_eq!(insp.domain, Domain::Image);
        let html = dataset_section(&insp);
        assert!(html.contains("example size (height × width × channels)") && html.contains("4 × 5 × 3"), "{html}");
        for absent in ["vocabulary size", "frames per example", "(T, H, W, C)"] {
            assert!(!html.contains(absent), "image dataset shows {absent:?}: {html}");
        }
        let speech = tmp.path().join("speech");
        samples::tests::write_dense(&speech, (50, 1, 1, 1), |k, i| ((k * i) % 5) as f32 / 5.0 - 0.5);
        let insp = formats::inspect::inspect(&speech).unwrap();
        assert_eq!(insp.domain, Domain::Speech);
        let html = dataset_section(&insp);
        assert!(html.contains("samples per clip (min/median/max)") && html.contains("50/50/50"), "{html}");
        assert!(!html.contains("vocabulary size"), "{html}");
    }

    #[test]
    fn reads_skip_report_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ds_skipped.tsv");
        std::fs::write(&p, "path\tline\treason\nlabels.csv\t3\tunknown class index 12\nimg/b.png\t\ttruncated\n").unwrap();
        let rows = read_skipped_tsv(&p).unwrap();
        assert_eq!(
            rows,
            vec![
                SkippedInput { path: "labels.csv".into(), line: Some(3), reason: "unknown class index 12".into() },
                SkippedInput { path: "img/b.png".into(), line: None, reason: "truncated".into() },
            ]
        );
        let html = skipped_section(Some(&rows));
        assert!(html.contains("unknown class index 12") && html.contains("2 input(s)"), "{html}");
    }
}
