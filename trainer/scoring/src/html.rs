//! `detailed_results.html` (SCORING.md §6): a self-contained page — the figure embedded as a
//! `data:` URI, no external URL — with a table per prediction (NAUC, top-1 accuracy and the
//! challenge's mean probability on the true class, each named) and the per-class AUC,
//! precision and recall of the last prediction.

use base64::Engine;

use super::alc::transform_time;
use super::{python_float, ScoreReport};

/// Escapes text for HTML element content and attribute values (also used by report.html).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page shown while ingestion runs and nothing is scored yet (spec §6).
pub fn waiting_page() -> String {
    format!(
        "{}<pre>Starting training process...\nPlease be patient. Learning curves will be generated \
         when first predictions are made.</pre></body></html>\n",
        head("AutoDL scoring", true)
    )
}

fn head(title: &str, auto_refresh: bool) -> String {
    // the refresh tag only while scoring is in progress; the final page has none (spec §6)
    let refresh = if auto_refresh { "<meta http-equiv=\"refresh\" content=\"5\">" } else { "" };
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">{refresh}<title>{}</title>\
         <style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #bbb;padding:2px 8px;text-align:right}}th{{background:#eee}}\
         td.l{{text-align:left}}</style></head><body>\n",
        escape(title)
    )
}

/// The whole page for `report`, embedding `png` (the figure's bytes).
pub fn detailed_results(report: &ScoreReport, png: &[u8], auto_refresh: bool) -> String {
    let mut page = head(&format!("Learning curve for task: {}", report.task), auto_refresh);
    page += &format!("<h1>Task {}</h1>\n<pre>", escape(&report.task));
    page += &format!("ALC (score): {:.6}{}\n", report.alc, spread(report.alc_std()));
    if report.alc != report.alc_clipped {
        page += &format!("ALC without predictions after the budget (figure): {:.6}\n", report.alc_clipped);
    }
    page += &format!("Time budget T: {} s, t0: {} s\n", python_float(report.time_budget), super::T0);
    page += &format!("Predictions: {}\n", report.predictions.len());
    page += &format!("Duration (last prediction): {:.2} s\n", report.duration);
    match &report.ingestion {
        Some(end) => {
            page += &format!("Ingestion success: {}\n", if end.ingestion_success { 1 } else { 0 });
            if let Some(d) = end.ingestion_duration {
                page += &format!("Ingestion duration: {d:.2} s\n");
            }
        }
        None => page += "Ingestion: no end.txt (run killed or still going)\n",
    }
    if let Some(last) = report.predictions.last() {
        page += &format!("Final NAUC: {:.6}{}\n", last.nauc, spread(report.nauc_std()));
    }
    if let Some((n, a)) = report.error_bars {
        page += &format!(
            "Bootstrap, last prediction NAUC: mean {:.4}, std {:.4}\nBootstrap ALC: mean {:.4}, std {:.4}\n",
            n.mean, n.std, a.mean, a.std
        );
        page += "(± is one standard deviation over bootstrap resamples of the test rows: nauc_std and alc_std of scores.txt)\n";
    }
    page += "</pre>\n";

    let encoded = base64::engine::general_purpose::STANDARD.encode(png);
    let (w, h) = super::plot::FIGURE_SIZE;
    page += &format!(
        "<img src=\"data:image/png;base64,{encoded}\" width=\"{w}\" height=\"{h}\" alt=\"learning curve of {}\"><br>\n",
        escape(&report.task)
    );

    page += "<h2>Predictions</h2>\n<table><tr><th>k</th><th>file</th><th>time (s)</th>\
             <th>transformed time</th><th>NAUC</th>";
    if report.multiclass {
        page += "<th>top-1 accuracy</th><th>mean probability on the true class<br>(scores.txt accuracy)</th>";
    }
    page += "<th>note</th></tr>\n";
    for p in &report.predictions {
        let file = p.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        page += &format!(
            "<tr><td>{}</td><td class=\"l\">{}</td><td>{:.3}</td><td>{:.6}</td><td>{:.6}</td>",
            p.index,
            escape(&file),
            p.time,
            transform_time(p.time, report.time_budget),
            p.nauc
        );
        if report.multiclass {
            page += &format!(
                "<td>{:.6}</td><td>{:.6}</td>",
                p.top1_accuracy.unwrap_or(f64::NAN),
                p.accuracy.unwrap_or(f64::NAN)
            );
        }
        let note = if p.after_budget { "after the budget: not on the curve" } else { "" };
        page += &format!("<td class=\"l\">{note}</td></tr>\n");
    }
    page += "</table>\n";
    if report.multiclass {
        page += "<p>Top-1 accuracy: share of test rows whose highest-scored class is the true class. \
                 Mean probability on the true class: the challenge's secondary metric (the <code>accuracy</code> \
                 of scores.txt), each prediction row scaled to sum 1 and its share on the true class averaged \
                 over the test rows; not a share of correct answers.</p>\n";
    }

    if let Some(last) = report.predictions.last() {
        let decision = if report.multiclass {
            "the class with the highest score".to_string()
        } else {
            format!("every class scored at least {}", super::decisions::MULTILABEL_THRESHOLD)
        };
        page += &format!(
            "<h2>Per-class AUC of the last prediction ({}), with precision and recall</h2>\n\
             <p>A test row is predicted as {decision}. Precision: share of the rows predicted as the class \
             that carry it; recall: share of the rows carrying the class that are predicted as it.</p>\n\
             <table><tr><th>class</th><th>label</th><th>AUC</th><th>test positives</th><th>precision</th><th>recall</th></tr>\n",
            last.index
        );
        for (class, auc) in last.per_class_auc.iter().enumerate() {
            let cell = match auc {
                Some(a) => format!("{a:.6}"),
                None => "ignored: one label value only".to_string(),
            };
            let label = report.class_names.get(class).cloned().flatten().unwrap_or_default();
            let counts = last.class_counts.get(class).copied().unwrap_or_default();
            page += &format!(
                "<tr><td>{class}</td><td class=\"l\">{}</td><td>{cell}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&label),
                counts.positives,
                ratio(counts.precision()),
                ratio(counts.recall())
            );
        }
        page += "</table>\n";
    }

    if !report.warnings.is_empty() {
        page += "<h2>Warnings</h2>\n<ul>\n";
        for w in &report.warnings {
            page += &format!("<li>{}</li>\n", escape(w));
        }
        page += "</ul>\n";
    }
    page += "</body></html>\n";
    page
}

fn ratio(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{v:.4}"))
}

/// ` ± 0.0312` (four decimals, like report.html), or nothing without a bootstrap.
fn spread(std: Option<f64>) -> String {
    std.map_or(String::new(), |s| format!(" ± {s:.4}"))
}
