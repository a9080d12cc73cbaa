//! The "Learning curve" part of report.html: the figure, the table of predictions with every
//! number named for what it is, per-class AUC / precision / recall of the last prediction and
//! the confusion matrix of single-label tasks.

use std::fmt::Write as _;
use std::path::Path;

use formats::inspect::Inspection;

use super::{class_label, esc, png_data_uri, truncate, ReportInput};
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

fn ratio(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.4}"))
}

pub(super) fn learning_section(input: &ReportInput<'_>) -> String {
    let mut s = String::from("<h2>Learning curve</h2>\n");
    let Some(score) = input.score else {
        s.push_str("<p class=\"note\">The run produced no score.</p>\n");
        return s;
    };
    match LearningCurveFigure::from_report(score).report_png() {
        Ok(png) => {
            let _ = writeln!(
                s,
                "<img id=\"learning-curve\" alt=\"learning curve: NAUC of each prediction over time\" width=\"{REPORT_FIGURE_SHOWN}\" src=\"{}\">",
                png_data_uri(&png)
            );
        }
        Err(e) => {
            let _ = writeln!(s, "<p class=\"note\">learning curve not drawn: {}</p>", esc(&e.to_string()));
        }
    }
    let _ = writeln!(
        s,
        "<p>ALC {:.4} over a budget of {:.0} s: the shaded area under the curve, with time on a log scale as in the AutoDL challenge (whose own figure is in <code>scores/</code>); {} prediction(s).</p>",
        score.alc,
        score.time_budget,
        score.predictions.len()
    );
    if score.predictions.is_empty() {
        s.push_str("<p class=\"err\">No prediction was recorded within the budget: the score is 0. A longer --time-budget gives the learner time for a first prediction.</p>\n");
        return s;
    }
    s.push_str(&predictions_table(score));
    if let Some(last) = score.predictions.last() {
        s.push_str(&per_class_section(input.inspection, score, last));
        if score.multiclass {
            s.push_str(&confusion_section(input.dataset_dir, input.inspection, last));
        }
    }
    s
}

fn predictions_table(score: &ScoreReport) -> String {
    let mut s = String::from("<table id=\"predictions\"><tr><th>prediction</th><th>time (s)</th><th>NAUC</th>");
    if score.multiclass {
        let _ = write!(s, "<th>top-1 accuracy</th><th>{CHALLENGE_ACCURACY}</th>");
    }
    s.push_str("</tr>");
    for p in &score.predictions {
        let late = if p.after_budget { " (after budget)" } else { "" };
        let _ = write!(s, "<tr><td>{}</td><td>{:.2}{late}</td><td>{:.4}</td>", p.index, p.time, p.nauc);
        if score.multiclass {
            let _ = write!(s, "<td>{}</td><td>{}</td>", ratio(p.top1_accuracy), ratio(p.accuracy));
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>\n");
    s.push_str("<p class=\"note\">NAUC: 2·AUC − 1 averaged over classes (1 ranks every test row right, 0 is chance).");
    if score.multiclass {
        let _ = write!(s, " Top-1 accuracy: {TOP1_MEANS} {}: {}", esc(&capitalised(CHALLENGE_ACCURACY)), esc(CHALLENGE_ACCURACY_MEANS));
    }
    s.push_str("</p>\n");
    s
}

pub(super) fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

fn per_class_section(insp: &Inspection, score: &ScoreReport, last: &PredictionScore) -> String {
    let decision = if score.multiclass {
        "a test row is predicted as the class with its highest score".to_string()
    } else {
        format!("a test row is predicted as every class scored at least {MULTILABEL_THRESHOLD}")
    };
    let mut s = format!(
        "<h3>Per-class AUC, precision and recall (prediction {})</h3>\n<p class=\"note\">NAUC of a class = 2·AUC − 1; a class without positives or negatives in the test set has no AUC. \
         Precision: share of the rows predicted as the class that belong to it; recall: share of the class's rows predicted as it ({}).</p>\n\
         <table id=\"per-class\"><tr><th class=\"l\">class</th><th>test positives</th><th>AUC</th><th>2·AUC−1</th><th>precision</th><th>recall</th></tr>",
        last.index,
        esc(&decision)
    );
    for (j, auc) in last.per_class_auc.iter().enumerate() {
        let name = match score.class_names.get(j) {
            Some(Some(n)) => format!("{j}: {n}"),
            _ => class_label(insp, j),
        };
        let counts = last.class_counts.get(j);
        let positives = counts.map_or("-".to_string(), |c| c.positives.to_string());
        let (a, n) = match auc {
            Some(a) => (format!("{a:.4}"), format!("{:.4}", 2.0 * a - 1.0)),
            None => ("-".into(), "-".into()),
        };
        let _ = write!(
            s,
            "<tr><td class=\"l\">{}</td><td>{positives}</td><td>{a}</td><td>{n}</td><td>{}</td><td>{}</td></tr>",
            esc(&name),
            ratio(counts.and_then(|c| c.precision())),
            ratio(counts.and_then(|c| c.recall()))
        );
    }
    s.push_str("</table>\n");
    s
}

/// Rows = true class, columns = arg-max of the last prediction (single-label tasks only).
fn confusion_section(dataset_dir: &Path, insp: &Inspection, last: &PredictionScore) -> String {
    let mut s = format!("<h3>Confusion matrix (prediction {})</h3>\n", last.index);
    let solution = match read_solution(dataset_dir) {
        Ok(sol) => sol.matrix,
        Err(e) => {
            let _ = writeln!(s, "<p class=\"note\">no confusion matrix: {}</p>", esc(&e.to_string()));
            return s;
        }
    };
    let prediction = match read_prediction(&last.path, solution.rows, solution.cols) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(s, "<p class=\"note\">no confusion matrix: {}</p>", esc(&e.to_string()));
            return s;
        }
    };
    let confusion = Confusion::of(&solution, &prediction);
    let n = confusion.classes;
    let _ = writeln!(
        s,
        "<p id=\"diagonal\">{} of {} test rows on the diagonal: top-1 accuracy {:.4}.</p>",
        confusion.diagonal(),
        confusion.total(),
        confusion.top1_accuracy()
    );
    if n > 40 {
        let _ = writeln!(s, "<p class=\"note\">{n} classes: too many to draw.</p>");
        return s;
    }
    s.push_str("<p class=\"note\">Rows: true class; columns: predicted class (the one with the highest score).</p>\n<table id=\"confusion\"><tr><th class=\"l\">true \\ predicted</th>");
    for j in 0..n {
        // the full name on hover when it is cut
        let name = class_label(insp, j);
        let _ = write!(s, "<th class=\"c\" title=\"{}\">{}</th>", esc(&name), esc(&truncate(&name, 20)));
    }
    s.push_str("</tr>");
    for t in 0..n {
        let row_total = confusion.row_total(t).max(1);
        let _ = write!(s, "<tr><th class=\"l\">{}</th>", esc(&truncate(&class_label(insp, t), 28)));
        for p in 0..n {
            let c = confusion.get(t, p);
            let share = c as f64 / row_total as f64;
            // green for the diagonal, red off it; darker for a larger share of the row
            let colour = if t == p {
                format!("rgba(19,115,51,{:.2})", 0.1 + 0.8 * share)
            } else {
                format!("rgba(176,0,32,{:.2})", 0.8 * share)
            };
            let _ = write!(s, "<td style=\"background:{colour}\">{c}</td>");
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>\n");
    s
}
