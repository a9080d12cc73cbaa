//! The "Learning curve" part of report.html: the figure, the table of predictions with every
//! number named for what it is, per-class AUC / precision / recall of the last prediction and
//! the confusion matrix of single-label tasks.

use std::path::Path;

use formats::inspect::Inspection;
use maud::{html, Markup};

use super::input::ReportInput;
use super::markup::{class_label, png_data_uri, ratio, truncate};
use crate::decisions::{Confusion, MULTILABEL_THRESHOLD};
use crate::files::{read_prediction, read_solution};
use crate::plot::{LearningCurveFigure, REPORT_FIGURE_SHOWN};
use crate::{PredictionScore, ScoreReport};

/// The column header of the challenge's secondary metric, never called plain "accuracy".
pub const CHALLENGE_ACCURACY: &str = "mean probability on the true class";

/// One line saying what [`CHALLENGE_ACCURACY`] is.
pub const CHALLENGE_ACCURACY_MEANS: &str = "the AutoDL challenge's secondary metric (written as \"accuracy\" in scores.txt): \
each prediction row is scaled to sum 1 and the share it puts on the true class is averaged over the test rows. \
It is not the share of correct answers (that is top-1 accuracy) and stays low when the model spreads its probability.";

/// One line saying what top-1 accuracy is.
pub const TOP1_MEANS: &str = "share of test rows whose highest-scored class is the true class: \
the diagonal of the confusion matrix.";

pub(super) fn learning_section(input: &ReportInput<'_>) -> Markup {
    let Some(score) = input.score else {
        return html! { h2 { "Learning curve" } p.note { "The run produced no score." } };
    };
    html! {
        h2 { "Learning curve" }
        @match LearningCurveFigure::from_report(score).report_png() {
            Ok(png) => {
                img #learning-curve alt="learning curve: NAUC of each prediction over time" width=(REPORT_FIGURE_SHOWN) src=(png_data_uri(&png));
            }
            Err(e) => { p.note { "learning curve not drawn: " (e) } }
        }
        p {
            (format!("ALC {:.4} over a budget of {:.0} s", score.alc, score.time_budget))
            ": the shaded area under the curve, with time on a log scale as in the AutoDL challenge (whose own figure is in "
            code { "scores/" } "); " (score.predictions.len()) " prediction(s)."
        }
        @if let Some(last) = score.predictions.last() {
            (predictions_table(score))
            (per_class_section(input.inspection, score, last))
            @if score.multiclass { (confusion_section(input.dataset_dir, input.inspection, last)) }
        } @else {
            p.err { "No prediction was recorded within the budget: the score is 0. A longer --time-budget gives the learner time for a first prediction." }
        }
    }
}

fn predictions_table(score: &ScoreReport) -> Markup {
    html! {
        div.scroll {
            table #predictions {
                tr {
                    th { "prediction" } th { "time (s)" } th { "NAUC" }
                    @if score.multiclass { th { "top-1 accuracy" } th { (CHALLENGE_ACCURACY) } }
                }
                @for p in &score.predictions {
                    tr {
                        td { (p.index) }
                        td { (format!("{:.2}", p.time)) @if p.after_budget { " (after budget)" } }
                        td { (format!("{:.4}", p.nauc)) }
                        @if score.multiclass { td { (ratio(p.top1_accuracy)) } td { (ratio(p.accuracy)) } }
                    }
                }
            }
        }
        p.note {
            "NAUC: 2·AUC − 1 averaged over classes (1 ranks every test row right, 0 is chance)."
            @if score.multiclass {
                " Top-1 accuracy: " (TOP1_MEANS) " " (capitalised(CHALLENGE_ACCURACY)) ": " (CHALLENGE_ACCURACY_MEANS)
            }
        }
    }
}

pub(super) fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

fn per_class_section(insp: &Inspection, score: &ScoreReport, last: &PredictionScore) -> Markup {
    let decision = if score.multiclass {
        "a test row is predicted as the class with its highest score".to_string()
    } else {
        format!("a test row is predicted as every class scored at least {MULTILABEL_THRESHOLD}")
    };
    html! {
        h3 { "Per-class AUC, precision and recall (prediction " (last.index) ")" }
        p.note {
            "NAUC of a class = 2·AUC − 1; a class without positives or negatives in the test set has no AUC. \
             Precision: share of the rows predicted as the class that belong to it; recall: share of the class's rows predicted as it ("
            (decision) ")."
        }
        div.scroll {
            table #per-class {
                tr { th.l { "class" } th { "test positives" } th { "AUC" } th { "2·AUC−1" } th { "precision" } th { "recall" } }
                @for (j, auc) in last.per_class_auc.iter().enumerate() {
                    @let counts = last.class_counts.get(j);
                    tr {
                        td.l {
                            @match score.class_names.get(j) { Some(Some(n)) => { (j) ": " (n) } _ => { (class_label(insp, j)) } }
                        }
                        td { @match counts { Some(c) => { (c.positives) } None => "-" } }
                        @match auc {
                            Some(a) => { td { (format!("{a:.4}")) } td { (format!("{:.4}", 2.0 * a - 1.0)) } }
                            None => { td { "-" } td { "-" } }
                        }
                        td { (ratio(counts.and_then(|c| c.precision()))) }
                        td { (ratio(counts.and_then(|c| c.recall()))) }
                    }
                }
            }
        }
    }
}

/// Classes up to which the confusion matrix is drawn.
const CONFUSION_CLASSES: usize = 40;

/// Rows = true class, columns = arg-max of the last prediction (single-label tasks only).
fn confusion_section(dataset_dir: &Path, insp: &Inspection, last: &PredictionScore) -> Markup {
    let matrices = read_solution(dataset_dir).and_then(|sol| {
        let prediction = read_prediction(&last.path, sol.matrix.rows, sol.matrix.cols)?;
        Ok(Confusion::of(&sol.matrix, &prediction))
    });
    html! {
        h3 { "Confusion matrix (prediction " (last.index) ")" }
        @match matrices {
            Err(e) => { p.note { "no confusion matrix: " (e) } }
            Ok(confusion) => {
                p #diagonal {
                    (confusion.diagonal()) " of " (confusion.total()) " test rows on the diagonal: top-1 accuracy "
                    (format!("{:.4}", confusion.top1_accuracy())) "."
                }
                @if confusion.classes > CONFUSION_CLASSES {
                    p.note { (confusion.classes) " classes: too many to draw." }
                } @else {
                    p.note { "Rows: true class; columns: predicted class (the one with the highest score)." }
                    (confusion_table(insp, &confusion))
                }
            }
        }
    }
}

fn confusion_table(insp: &Inspection, confusion: &Confusion) -> Markup {
    let n = confusion.classes;
    html! {
        div.scroll {
            table #confusion {
                tr {
                    th.l { "true \\ predicted" }
                    @for j in 0..n {
                        // the full name on hover when it is cut
                        @let name = class_label(insp, j);
                        th class="c" title=(name) { (truncate(&name, 20)) }
                    }
                }
                @for t in 0..n {
                    @let row_total = confusion.row_total(t).max(1);
                    tr {
                        th.l { (truncate(&class_label(insp, t), 28)) }
                        @for p in 0..n {
                            @let c = confusion.get(t, p);
                            td style={ "background:" (cell_colour(t == p, c as f64 / row_total as f64)) } { (c) }
                        }
                    }
                }
            }
        }
    }
}

/// Green for the diagonal, red off it; darker for a larger share of the row.
fn cell_colour(diagonal: bool, share: f64) -> String {
    if diagonal {
        format!("rgba(19,115,51,{:.2})", 0.1 + 0.8 * share)
    } else {
        format!("rgba(176,0,32,{:.2})", 0.8 * share)
    }
}
