//! The top of report.html: summary cards, the plain verdict against chance and against the
//! first model, the small-test-set finding, and a table saying what each number means.

use std::fmt::Write as _;

use super::learning::{capitalised, CHALLENGE_ACCURACY, CHALLENGE_ACCURACY_MEANS, TOP1_MEANS};
use super::verdict::Rating;
use super::{esc, ReportInput};
use crate::ScoreReport;

pub(super) fn summary_section(input: &ReportInput<'_>) -> String {
    let insp = input.inspection;
    let rating = input.score.and_then(Rating::of);
    let mut s = String::new();
    match (&rating, input.score) {
        (Some(r), _) => {
            let _ = writeln!(
                s,
                "<div id=\"verdict\" class=\"verdict {}\"><p><b>Verdict: {}.</b></p><p>{}</p><p>{}</p>",
                r.verdict.tone(),
                esc(&r.verdict_line()),
                esc(&r.alc_comparison()),
                esc(&r.nauc_comparison())
            );
            if let Some(d) = r.drivers_text() {
                let _ = writeln!(s, "<p>{}</p>", esc(&d));
            }
            s.push_str("</div>\n");
        }
        (None, Some(_)) => s.push_str("<div id=\"verdict\" class=\"verdict err\"><p><b>Verdict: not rated</b>: the run recorded no prediction within its budget.</p></div>\n"),
        (None, None) => s.push_str("<div id=\"verdict\" class=\"verdict err\"><p><b>Verdict: not rated</b>: the run was not scored.</p></div>\n"),
    }

    s.push_str("<div class=\"cards\">");
    let mut card = |label: &str, value: String| {
        let _ = write!(s, "<div class=\"card\">{}<b>{}</b></div>", esc(label), esc(&value));
    };
    card("domain", insp.domain.to_string());
    card("classes", insp.output_dim.to_string());
    card("format", if input.validation.valid { "valid" } else { "INVALID" }.to_string());
    match (input.score, &rating) {
        (Some(score), Some(r)) => {
            card("ALC", r.alc_text());
            card("final NAUC", r.nauc_text());
            if let Some(top1) = score.predictions.last().and_then(|p| p.top1_accuracy) {
                card("top-1 accuracy", format!("{top1:.4}"));
            }
            card("first prediction", format!("{:.1} s", r.first_time));
            card("predictions", score.predictions.len().to_string());
        }
        (Some(score), None) => card("ALC", format!("{:.4}", score.alc)),
        (None, _) => card("ALC", "not scored".to_string()),
    }
    if let Some(models) = input.run.leaderboard.as_ref().and_then(|b| b.final_models_text()) {
        card("final model", models);
    }
    s.push_str("</div>\n");

    if let Some(r) = &rating {
        let lines = r.small_test_set_lines();
        if !lines.is_empty() {
            s.push_str("<div id=\"small-test-set\" class=\"finding\"><h3 class=\"warn\">Finding: test set too small</h3>");
            for l in &lines {
                let _ = write!(s, "<p>{}</p>", esc(l));
            }
            s.push_str("</div>\n");
        }
    }
    if let (Some(score), Some(r)) = (input.score, &rating) {
        s.push_str(&numbers_table(score, r));
    }
    s
}

/// Every headline number with its references and a line on what it measures.
fn numbers_table(score: &ScoreReport, r: &Rating) -> String {
    let mut s = String::from(
        "<h2>What the numbers mean</h2>\n<table id=\"numbers\"><tr><th class=\"l\">number</th><th>this run</th>\
         <th>chance</th><th>first, fast model</th><th class=\"l\">what it measures</th></tr>",
    );
    let mut row = |name: &str, value: String, chance: String, first: String, means: &str| {
        let _ = write!(
            s,
            "<tr><th class=\"l\">{}</th><td class=\"nowrap\">{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            esc(name),
            esc(&value),
            esc(&chance),
            esc(&first),
            esc(means)
        );
    };
    row(
        "ALC",
        r.alc_text(),
        "0".into(),
        format!("{:.4}", r.first_alc),
        "Area under the learning curve: NAUC over log-scaled time from 0 to the budget. The challenge's score; it rewards a good model found early.",
    );
    row(
        "final NAUC",
        r.nauc_text(),
        "0".into(),
        format!("{:.4}", r.first_nauc),
        "2·AUC − 1 of the last prediction, averaged over classes: 1 ranks every test row right, 0 is chance.",
    );
    let (first, last) = (score.predictions.first(), score.predictions.last());
    if let (Some(first), Some(last)) = (first, last) {
        if let Some(top1) = last.top1_accuracy {
            let majority = last.class_counts.iter().map(|c| c.positives).max().unwrap_or(0);
            let chance = if score.test_rows > 0 {
                format!("{:.4} (most frequent class)", majority as f64 / score.test_rows as f64)
            } else {
                "-".into()
            };
            let first_top1 = first.top1_accuracy.map_or("-".into(), |v| format!("{v:.4}"));
            row("top-1 accuracy", format!("{top1:.4}"), chance, first_top1, &capitalised(TOP1_MEANS));
        }
        if let Some(acc) = last.accuracy {
            let classes = last.class_counts.len().max(1);
            let first_acc = first.accuracy.map_or("-".into(), |v| format!("{v:.4}"));
            row(
                CHALLENGE_ACCURACY,
                format!("{acc:.4}"),
                format!("{:.4} (equal scores)", 1.0 / classes as f64),
                first_acc,
                &capitalised(CHALLENGE_ACCURACY_MEANS),
            );
        }
    }
    s.push_str("</table>\n<p class=\"note\">± is one standard deviation over bootstrap resamples of the test rows, \
        the <code>nauc_std</code> and <code>alc_std</code> of scores.txt (10 resamples of the last prediction for NAUC, \
        5 resampled learning curves for ALC).</p>\n");
    s
}
