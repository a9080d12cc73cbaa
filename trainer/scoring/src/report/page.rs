//! The page itself: its frame and style, and the sections that need nothing but the
//! inspection, the validation and the run's facts (dataset, validation, examples, run,
//! skipped inputs).

use std::fmt::Write as _;
use std::path::Path;

use formats::inspect::{Domain, Inspection};
use formats::validate::{Report as ValidationReport, Severity};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::charts;
use super::input::{ReportInput, RunFacts, SkippedInput};
use super::leaderboard::Leaderboard;
use super::markup::{class_label, inline_svg, truncate};
use super::samples::{self, collect_samples};
use super::{learning, quality, summary};

/// Examples shown per class.
pub const SAMPLES_PER_CLASS: usize = 3;

/// The whole page, rendered with `maud` (every value escaped). Parts that cannot be drawn (an
/// undecodable example, a missing prediction) become a note on the page instead of failing
/// the report. Every table sits in a `div.scroll`, so a wide one never widens the page.
pub fn build_report(input: &ReportInput<'_>) -> String {
    let insp = input.inspection;
    let title = format!("AutoDL rating of {}", insp.name);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
                // our own constant stylesheet: CSS must not be entity-escaped
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (title) }
                @if let Some(why) = &input.run.interrupted {
                    p.verdict.err #interrupted { b { "Interrupted:" } " " (why) }
                }
                (summary::summary_section(input))
                (dataset_section(insp))
                (validation_section(input.validation))
                @if let Some(q) = input.quality { (quality::quality_markup(q)) }
                (learning::learning_section(input))
                @if let Some(board) = &input.run.leaderboard { (board.html_section()) }
                (samples_section(input.dataset_dir, insp))
                (run_section(input.run))
                (skipped_section(input.skipped))
            }
        }
    }
    .into_string()
}

pub const STYLE: &str = "body{font-family:sans-serif;margin:24px;color:#222;background:#fff;max-width:1100px}\
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

/// `(header, value)` rows of a two-column facts table.
fn facts_table(id: Option<&str>, rows: &[(&str, String)]) -> Markup {
    html! {
        div.scroll {
            table id=[id] {
                @for (k, v) in rows { tr { th.l { (k) } td.l { (v) } } }
            }
        }
    }
}

fn dataset_section(insp: &Inspection) -> Markup {
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
    let steps = match insp.domain {
        Domain::Speech => "samples per clip",
        Domain::Text => "tokens per document",
        _ => "frames per example",
    };
    html! {
        h2 { "Dataset" }
        (facts_table(Some("dataset"), &rows))
        div.scroll {
            table {
                tr {
                    th.l { "subset" } th { "examples" } th { "record files" } th { "bytes" } th { "unlabelled" }
                    @if sequence { th.l { (steps) " (min/median/max)" } }
                }
                @for sub in &insp.subsets {
                    tr {
                        td.l { (sub.subset) } td { (sub.records) } td { (sub.files) } td { (sub.record_bytes) } td { (sub.unlabelled) }
                        @if sequence {
                            td.l { @match sub.frames_per_example { Some(f) => { (f.min) "/" (f.median) "/" (f.max) } None => "-" } }
                        }
                    }
                }
            }
        }
        h3 { "Class balance" }
        (class_balance(insp))
    }
}

/// Classes shown at most in the class balance chart.
const BALANCE_CLASSES: usize = 60;

/// Horizontal bars per class, one colour per subset (plotters SVG).
fn class_balance(insp: &Inspection) -> Markup {
    let classes = insp.output_dim.max(0) as usize;
    let shown = classes.min(BALANCE_CLASSES);
    let subsets: Vec<charts::SubsetCounts<'_>> = insp
        .subsets
        .iter()
        .filter(|s| !s.class_histogram.is_empty())
        .map(|s| charts::SubsetCounts {
            name: format!("{} ({})", s.subset, format!("{:?}", s.histogram_source).to_lowercase()),
            counts: &s.class_histogram,
        })
        .collect();
    if shown == 0 || subsets.is_empty() {
        return html! { p.note { "No class counts available." } };
    }
    let labels: Vec<String> = (0..shown).map(|j| truncate(&class_label(insp, j), 28)).collect();
    html! {
        @match charts::class_balance(&labels, &subsets) {
            Ok(svg) => { (inline_svg(&svg)) }
            Err(e) => { p.note { "class balance not drawn: " (e) } }
        }
        @if classes > shown { p.note { "First " (shown) " of " (classes) " classes shown." } }
    }
}

fn validation_section(v: &ValidationReport) -> Markup {
    let (class, verdict) = if v.valid { ("ok", "valid") } else { ("err", "INVALID") };
    let records: u64 = v.stats.subsets.iter().map(|s| s.records).sum();
    html! {
        h2 { "Validation" }
        p class=(class) {
            b { (verdict) } ": " (v.errors) " error(s), " (v.warnings) " warning(s); " (records) " record(s) read"
            @if v.deep { ", every compressed frame decoded" } "."
        }
        @if v.findings.is_empty() {
            p.note { "No findings." }
        } @else {
            div.scroll {
                table {
                    tr { th.l { "severity" } th.l { "code" } th.l { "where" } th.l { "finding" } }
                    @for f in &v.findings {
                        @let (class, sev) = match f.severity { Severity::Error => ("err", "error"), Severity::Warning => ("warn", "warning") };
                        tr {
                            td class={ "l " (class) } { (sev) }
                            td.l { (f.code) }
                            td.l { (finding_place(f)) }
                            td.l { (f.message) }
                        }
                    }
                }
            }
            @if v.stats.suppressed > 0 { p.note { (v.stats.suppressed) " repeated findings summarised." } }
        }
    }
}

/// Where a finding is: the file, then record, byte, line and field as known.
fn finding_place(f: &formats::validate::Finding) -> String {
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
    at
}

fn samples_section(dataset_dir: &Path, insp: &Inspection) -> Markup {
    html! {
        h2 { "Examples per class" }
        @match collect_samples(dataset_dir, insp, SAMPLES_PER_CLASS) {
            Ok(classes) if classes.is_empty() => { p.note { "No example could be read." } }
            Ok(classes) => { (samples::render(insp, &classes)) }
            Err(e) => { p.note { "examples not shown: " (e) } }
        }
    }
}

fn run_section(run: &RunFacts) -> Markup {
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
    html! {
        h2 { "Run" }
        (facts_table(None, &rows))
    }
}

/// Skipped inputs listed at most.
const SKIPPED_SHOWN: usize = 500;

fn skipped_section(skipped: Option<&[SkippedInput]>) -> Markup {
    html! {
        h2 { "Skipped inputs" }
        @match skipped {
            None => { p.note { "The dataset was given ready-made; this run converted nothing." } }
            Some([]) => { p.ok { "The conversion skipped no input." } }
            Some(rows) => {
                p.warn { (rows.len()) " input(s) could not be converted and were left out:" }
                div.scroll {
                    table {
                        tr { th.l { "input" } th { "line" } th.l { "reason" } }
                        @for r in rows.iter().take(SKIPPED_SHOWN) {
                            tr { td.l { (r.path) } td { @if let Some(l) = r.line { (l) } } td.l { (r.reason) } }
                        }
                    }
                }
                @if rows.len() > SKIPPED_SHOWN { p.note { "First " (SKIPPED_SHOWN) " of " (rows.len()) " shown." } }
            }
        }
    }
}

/// Whether every `<table` of `html` opens right inside a `div.scroll` (tests).
#[cfg(test)]
pub(crate) fn tables_scroll(html: &str) -> bool {
    html.match_indices("<table").all(|(at, _)| html[..at].ends_with("<div class=\"scroll\">"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::input::read_skipped_tsv;
    use crate::report::test_data::write_dense;

    #[test]
    fn values_are_escaped_and_every_table_scrolls() {
        let rows = vec![SkippedInput { path: "<img src=x>.png".into(), line: Some(2), reason: "a & \"b\"".into() }];
        let html = skipped_section(Some(&rows)).into_string();
        assert!(html.contains("<td class=\"l\">&lt;img src=x&gt;.png</td><td>2</td><td class=\"l\">a &amp; &quot;b&quot;</td>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(tables_scroll(&html) && html.contains("<div class=\"scroll\"><table>"), "{html}");
        let run = RunFacts { device: "<cpu>".into(), ..Default::default() };
        let html = run_section(&run).into_string();
        assert!(html.contains("<td class=\"l\">&lt;cpu&gt;</td>") && tables_scroll(&html), "{html}");
        assert!(STYLE.contains(".scroll{overflow-x:auto"));
        assert!(!tables_scroll("<p></p><table></table>"));
    }

    #[test]
    fn dataset_fields_fit_the_domain() {
        let tmp = tempfile::tempdir().unwrap();
        let image = tmp.path().join("image");
        write_dense(&image, (1, 4, 5, 3), |k, i| ((k + i) % 7) as f32 / 7.0);
        let insp = formats::inspect::inspect(&image).unwrap();
        assert_eq!(insp.domain, Domain::Image);
        let html = dataset_section(&insp).into_string();
        assert!(tables_scroll(&html), "{html}");
        // the class balance: plotters' SVG, a bar per class of each subset and a legend box
        assert_eq!(html.matches("<svg").count(), 1, "{html}");
        assert_eq!(html.matches("fill=\"#1A4D8F\"").count(), 3, "train: 2 classes and the legend");
        assert!(html.contains("example size (height × width × channels)") && html.contains("4 × 5 × 3"), "{html}");
        for absent in ["vocabulary size", "frames per example", "(T, H, W, C)"] {
            assert!(!html.contains(absent), "image dataset shows {absent:?}: {html}");
        }
        let speech = tmp.path().join("speech");
        write_dense(&speech, (50, 1, 1, 1), |k, i| ((k * i) % 5) as f32 / 5.0 - 0.5);
        let insp = formats::inspect::inspect(&speech).unwrap();
        assert_eq!(insp.domain, Domain::Speech);
        let html = dataset_section(&insp).into_string();
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
        let html = skipped_section(Some(&rows)).into_string();
        assert!(html.contains("unknown class index 12") && html.contains("2 input(s)"), "{html}");
    }
}
