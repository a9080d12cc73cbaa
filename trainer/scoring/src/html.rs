//! `detailed_results.html` (SCORING.md §6): a self-contained page — the figure embedded as a
//! `data:` URI, no external URL — with a table per prediction (NAUC, top-1 accuracy and the
//! challenge's mean probability on the true class, each named) and the per-class AUC,
//! precision and recall of the last prediction. Rendered with `maud`: every value is escaped.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::alc::{transform_time, T0};
use crate::pyfloat::python_float;
use crate::report::{png_data_uri, ratio};
use crate::score::ScoreReport;

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}\
td,th{border:1px solid #bbb;padding:2px 8px;text-align:right}th{background:#eee}td.l{text-align:left}";

/// The page shown while ingestion runs and nothing is scored yet (spec §6).
pub fn waiting_page() -> String {
    page(
        "AutoDL scoring",
        true,
        html! {
            pre { "Starting training process...\nPlease be patient. Learning curves will be generated when first predictions are made." }
        },
    )
}

fn page(title: &str, auto_refresh: bool, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html {
            head {
                meta charset="utf-8";
                // only while scoring is in progress; the final page has none (spec §6)
                @if auto_refresh { meta http-equiv="refresh" content="5"; }
                title { (title) }
                // our own constant stylesheet: CSS must not be entity-escaped
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
    .into_string()
}

/// The whole page for `report`, embedding `png` (the figure's bytes).
pub fn detailed_results(report: &ScoreReport, png: &[u8], auto_refresh: bool) -> String {
    let (w, h) = crate::plot::FIGURE_SIZE;
    let body = html! {
        h1 { "Task " (report.task) }
        pre { (summary_text(report)) }
        img src=(png_data_uri(png)) width=(w) height=(h) alt={ "learning curve of " (report.task) };
        br;
        h2 { "Predictions" }
        (predictions_table(report))
        @if report.multiclass {
            p {
                "Top-1 accuracy: share of test rows whose highest-scored class is the true class. \
                 Mean probability on the true class: the challenge's secondary metric (the " code { "accuracy" }
                " of scores.txt), each prediction row scaled to sum 1 and its share on the true class averaged \
                 over the test rows; not a share of correct answers."
            }
        }
        (per_class_table(report))
        @if !report.warnings.is_empty() {
            h2 { "Warnings" }
            ul { @for w in &report.warnings { li { (w) } } }
        }
    };
    page(&format!("Learning curve for task: {}", report.task), auto_refresh, body)
}

/// The `<pre>` block: score, budget, ingestion outcome and bootstrap spread, a line each.
fn summary_text(report: &ScoreReport) -> String {
    let mut lines = vec![format!("ALC (score): {:.6}{}", report.alc, spread(report.alc_std()))];
    if report.alc != report.alc_clipped {
        lines.push(format!("ALC without predictions after the budget (figure): {:.6}", report.alc_clipped));
    }
    lines.push(format!("Time budget T: {} s, t0: {} s", python_float(report.time_budget), T0));
    lines.push(format!("Predictions: {}", report.predictions.len()));
    lines.push(format!("Duration (last prediction): {:.2} s", report.duration));
    match &report.ingestion {
        Some(end) => {
            lines.push(format!("Ingestion success: {}", u8::from(end.ingestion_success)));
            if let Some(d) = end.ingestion_duration {
                lines.push(format!("Ingestion duration: {d:.2} s"));
            }
        }
        None => lines.push("Ingestion: no end.txt (run killed or still going)".into()),
    }
    if let Some(last) = report.predictions.last() {
        lines.push(format!("Final NAUC: {:.6}{}", last.nauc, spread(report.nauc_std())));
    }
    if let Some((n, a)) = report.error_bars {
        lines.push(format!("Bootstrap, last prediction NAUC: mean {:.4}, std {:.4}", n.mean, n.std));
        lines.push(format!("Bootstrap ALC: mean {:.4}, std {:.4}", a.mean, a.std));
        lines.push("(± is one standard deviation over bootstrap resamples of the test rows: nauc_std and alc_std of scores.txt)".into());
    }
    lines.join("\n") + "\n"
}

fn predictions_table(report: &ScoreReport) -> Markup {
    html! {
        table {
            tr {
                th { "k" } th { "file" } th { "time (s)" } th { "transformed time" } th { "NAUC" }
                @if report.multiclass {
                    th { "top-1 accuracy" }
                    th { "mean probability on the true class" br; "(scores.txt accuracy)" }
                }
                th { "note" }
            }
            @for p in &report.predictions {
                tr {
                    td { (p.index) }
                    td.l { (p.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()) }
                    td { (format!("{:.3}", p.time)) }
                    td { (format!("{:.6}", transform_time(p.time, report.time_budget))) }
                    td { (format!("{:.6}", p.nauc)) }
                    @if report.multiclass {
                        td { (format!("{:.6}", p.top1_accuracy.unwrap_or(f64::NAN))) }
                        td { (format!("{:.6}", p.accuracy.unwrap_or(f64::NAN))) }
                    }
                    td.l { @if p.after_budget { "after the budget: not on the curve" } }
                }
            }
        }
    }
}

fn per_class_table(report: &ScoreReport) -> Markup {
    let Some(last) = report.predictions.last() else { return html! {} };
    let decision = if report.multiclass {
        "the class with the highest score".to_string()
    } else {
        format!("every class scored at least {}", crate::decisions::MULTILABEL_THRESHOLD)
    };
    html! {
        h2 { "Per-class AUC of the last prediction (" (last.index) "), with precision and recall" }
        p {
            "A test row is predicted as " (decision) ". Precision: share of the rows predicted as the class \
             that carry it; recall: share of the rows carrying the class that are predicted as it."
        }
        table {
            tr { th { "class" } th { "label" } th { "AUC" } th { "test positives" } th { "precision" } th { "recall" } }
            @for (class, auc) in last.per_class_auc.iter().enumerate() {
                @let counts = last.class_counts.get(class).copied().unwrap_or_default();
                tr {
                    td { (class) }
                    td.l { (report.class_names.get(class).cloned().flatten().unwrap_or_default()) }
                    td { @match auc { Some(a) => { (format!("{a:.6}")) } None => { "ignored: one label value only" } } }
                    td { (counts.positives) }
                    td { (ratio(counts.precision())) }
                    td { (ratio(counts.recall())) }
                }
            }
        }
    }
}

/// ` ± 0.0312` (four decimals, like report.html), or nothing without a bootstrap.
fn spread(std: Option<f64>) -> String {
    std.map_or(String::new(), |s| format!(" ± {s:.4}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_page_refreshes_and_says_why() {
        let page = waiting_page();
        assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
        assert!(page.contains("<meta http-equiv=\"refresh\" content=\"5\">"), "{page}");
        assert!(page.contains("<pre>Starting training process...\nPlease be patient."), "{page}");
    }
}
