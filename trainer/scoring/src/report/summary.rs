//! The top of report.html: summary cards, the plain verdict against chance and against the
//! first model, the small-test-set finding, and a table saying what each number means.

use maud::{html, Markup};

use super::learning::{capitalised, CHALLENGE_ACCURACY, CHALLENGE_ACCURACY_MEANS, TOP1_MEANS};
use super::verdict::Rating;
use super::input::ReportInput;
use crate::ScoreReport;

pub(super) fn summary_section(input: &ReportInput<'_>) -> Markup {
    let rating = input.score.and_then(Rating::of);
    html! {
        @match (&rating, input.score) {
            (Some(r), _) => {
                div #verdict class={ "verdict " (r.verdict.tone()) } {
                    p { b { "Verdict: " (r.verdict_line()) "." } }
                    p { (r.alc_comparison()) }
                    p { (r.nauc_comparison()) }
                    @if let Some(d) = r.drivers_text() { p { (d) } }
                }
            }
            (None, Some(_)) => {
                div.verdict.err #verdict { p { b { "Verdict: not rated" } ": the run recorded no prediction within its budget." } }
            }
            (None, None) => {
                div.verdict.err #verdict { p { b { "Verdict: not rated" } ": the run was not scored." } }
            }
        }
        div.cards {
            @for (label, value) in cards(input, rating.as_ref()) { div.card { (label) b { (value) } } }
        }
        @if let Some(r) = &rating {
            @let lines = r.small_test_set_lines();
            @if !lines.is_empty() {
                div.finding #small-test-set {
                    h3.warn { "Finding: test set too small" }
                    @for l in &lines { p { (l) } }
                }
            }
        }
        @if let (Some(score), Some(r)) = (input.score, &rating) { (numbers_table(score, r)) }
    }
}

/// The summary cards: `(label, value)`.
fn cards(input: &ReportInput<'_>, rating: Option<&Rating>) -> Vec<(&'static str, String)> {
    let mut cards = vec![
        ("domain", input.inspection.domain.to_string()),
        ("classes", input.inspection.output_dim.to_string()),
        ("format", if input.validation.valid { "valid" } else { "INVALID" }.to_string()),
    ];
    match (input.score, rating) {
        (Some(score), Some(r)) => {
            cards.push(("ALC", r.alc_text()));
            cards.push(("final NAUC", r.nauc_text()));
            if let Some(top1) = score.predictions.last().and_then(|p| p.top1_accuracy) {
                cards.push(("top-1 accuracy", format!("{top1:.4}")));
            }
            cards.push(("first prediction", format!("{:.1} s", r.first_time)));
            cards.push(("predictions", score.predictions.len().to_string()));
        }
        (Some(score), None) => cards.push(("ALC", format!("{:.4}", score.alc))),
        (None, _) => cards.push(("ALC", "not scored".to_string())),
    }
    if let Some(models) = input.run.leaderboard.as_ref().and_then(|b| b.final_models_text()) {
        cards.push(("final model", models));
    }
    cards
}

/// One row of the numbers table: name, this run, chance, first model, what it measures.
struct NumberRow {
    name: String,
    value: String,
    chance: String,
    first: String,
    means: String,
}

/// Every headline number with its references and a line on what it measures.
fn numbers_table(score: &ScoreReport, r: &Rating) -> Markup {
    let mut rows = vec![
        NumberRow {
            name: "ALC".into(),
            value: r.alc_text(),
            chance: "0".into(),
            first: format!("{:.4}", r.first_alc),
            means: "Area under the learning curve: NAUC over log-scaled time from 0 to the budget. The challenge's score; it rewards a good model found early.".into(),
        },
        NumberRow {
            name: "final NAUC".into(),
            value: r.nauc_text(),
            chance: "0".into(),
            first: format!("{:.4}", r.first_nauc),
            means: "2·AUC − 1 of the last prediction, averaged over classes: 1 ranks every test row right, 0 is chance.".into(),
        },
    ];
    if let (Some(first), Some(last)) = (score.predictions.first(), score.predictions.last()) {
        if let Some(top1) = last.top1_accuracy {
            let majority = last.class_counts.iter().map(|c| c.positives).max().unwrap_or(0);
            let chance = if score.test_rows > 0 {
                format!("{:.4} (most frequent class)", majority as f64 / score.test_rows as f64)
            } else {
                "-".into()
            };
            let first = first.top1_accuracy.map_or("-".into(), |v| format!("{v:.4}"));
            rows.push(NumberRow { name: "top-1 accuracy".into(), value: format!("{top1:.4}"), chance, first, means: capitalised(TOP1_MEANS) });
        }
        if let Some(acc) = last.accuracy {
            let classes = last.class_counts.len().max(1);
            rows.push(NumberRow {
                name: CHALLENGE_ACCURACY.into(),
                value: format!("{acc:.4}"),
                chance: format!("{:.4} (equal scores)", 1.0 / classes as f64),
                first: first.accuracy.map_or("-".into(), |v| format!("{v:.4}")),
                means: capitalised(CHALLENGE_ACCURACY_MEANS),
            });
        }
    }
    html! {
        h2 { "What the numbers mean" }
        div.scroll {
            table #numbers {
                tr { th.l { "number" } th { "this run" } th { "chance" } th { "first, fast model" } th.l { "what it measures" } }
                @for row in &rows {
                    tr { th.l { (row.name) } td.nowrap { (row.value) } td { (row.chance) } td { (row.first) } td.l { (row.means) } }
                }
            }
        }
        p.note {
            "± is one standard deviation over bootstrap resamples of the test rows, the " code { "nauc_std" } " and "
            code { "alc_std" } " of scores.txt (10 resamples of the last prediction for NAUC, 5 resampled learning curves for ALC)."
        }
    }
}
