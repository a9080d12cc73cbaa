//! The leaderboard of a run: every model the automatic learner tried, its validation score,
//! the time spent training it, and its weight in each prediction the learner published. The
//! learners fill it (through `trainer::learner::ModelBoard`); `train` and `rate` print it,
//! write it as `leaderboard.csv` and show it in report.html.

use std::fmt::Write as _;
use std::path::Path;

use maud::{html, Markup};

use super::markup::truncate;

/// The one name of the score a model is ranked by (out-of-fold for cross-validated models).
pub const METRIC: &str = "validation NAUC";

/// File name of the CSV in the run folder.
pub const CSV_NAME: &str = "leaderboard.csv";

/// One model the learner tried.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelRow {
    pub name: String,
    /// Best validation NAUC seen; `None` when the model was never measured.
    pub validation: Option<f64>,
    /// Seconds spent training it (summed over the calls that trained it).
    pub train_seconds: f64,
}

/// Models in the order first tried, and for each published prediction the models it blends.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Leaderboard {
    pub models: Vec<ModelRow>,
    /// Per prediction (0, 1, …): `(index into models, weight)`, weights summing to 1.
    pub predictions: Vec<Vec<(usize, f64)>>,
}

impl Leaderboard {
    fn index_of(&mut self, name: &str) -> usize {
        match self.models.iter().position(|m| m.name == name) {
            Some(i) => i,
            None => {
                self.models.push(ModelRow { name: name.to_string(), ..ModelRow::default() });
                self.models.len() - 1
            }
        }
    }

    /// Notes `seconds` more training of `name` and a validation score (a non-finite one
    /// counts as not measured); the best score is kept, as learners keep their best checkpoint.
    pub fn record(&mut self, name: &str, validation: Option<f64>, seconds: f64) {
        let i = self.index_of(name);
        let row = &mut self.models[i];
        if seconds.is_finite() && seconds > 0.0 {
            row.train_seconds += seconds;
        }
        if let Some(v) = validation.filter(|v| v.is_finite()) {
            row.validation = Some(row.validation.map_or(v, |b| b.max(v)));
        }
    }

    /// The next published prediction blends `used` (model name, weight); weights are scaled to
    /// sum 1 and zero weights dropped. A model not recorded before is added unmeasured.
    pub fn publish(&mut self, used: &[(String, f64)]) {
        let total: f64 = used.iter().map(|(_, w)| w.abs()).filter(|w| w.is_finite()).sum();
        let mut blend: Vec<(usize, f64)> = Vec::new();
        for (name, w) in used {
            let w = if total > 0.0 { w.abs() / total } else { 1.0 / used.len() as f64 };
            if !(w.is_finite() && w > 0.0) {
                continue;
            }
            let i = self.index_of(name);
            match blend.iter_mut().find(|(j, _)| *j == i) {
                Some((_, acc)) => *acc += w,
                None => blend.push((i, w)),
            }
        }
        self.predictions.push(blend);
    }

    /// Keeps the first `n` predictions: those the ingestion loop recorded (a late one is
    /// published by the learner but dropped by the loop).
    pub fn keep_predictions(&mut self, n: usize) {
        self.predictions.truncate(n);
    }

    /// Weight of model `model` in prediction `k` (0 when not part of it).
    pub fn weight(&self, model: usize, k: usize) -> f64 {
        self.predictions.get(k).and_then(|p| p.iter().find(|(i, _)| *i == model)).map_or(0.0, |(_, w)| *w)
    }

    /// Weight in the last recorded prediction.
    pub fn final_weight(&self, model: usize) -> f64 {
        self.predictions.len().checked_sub(1).map_or(0.0, |k| self.weight(model, k))
    }

    /// Model indices, best validation score first (on a tie, the models of the final
    /// prediction first); unmeasured ones last, in the order tried.
    pub fn ranked(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.models.len()).collect();
        let unused = |i: usize| self.final_weight(i) == 0.0;
        order.sort_by(|&a, &b| {
            let (va, vb) = (self.models[a].validation, self.models[b].validation);
            match (va, vb) {
                (Some(x), Some(y)) => y.total_cmp(&x).then(unused(a).cmp(&unused(b))).then(a.cmp(&b)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => a.cmp(&b),
            }
        });
        order
    }

    /// The models behind the last recorded prediction, in words: "ResNet-9" or
    /// "gbdt (weight 0.60) + linear (weight 0.40)"; `None` without a prediction.
    pub fn final_models_text(&self) -> Option<String> {
        let last = self.predictions.last()?;
        if last.is_empty() {
            return None;
        }
        if let [(i, _)] = last.as_slice() {
            return Some(self.models[*i].name.clone());
        }
        let mut parts: Vec<(usize, f64)> = last.clone();
        parts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Some(
            parts
                .iter()
                .map(|(i, w)| format!("{} (weight {w:.2})", self.models[*i].name))
                .collect::<Vec<_>>()
                .join(" + "),
        )
    }

    /// The predictions a model is part of, as ranges: "0-3, 5"; "-" when none.
    pub fn used_in(&self, model: usize) -> String {
        let ks: Vec<usize> = (0..self.predictions.len()).filter(|&k| self.weight(model, k) > 0.0).collect();
        if ks.is_empty() {
            return "-".into();
        }
        let mut parts = Vec::new();
        let mut start = ks[0];
        for w in ks.windows(2).map(|w| (w[0], w[1])).chain(std::iter::once((ks[ks.len() - 1], usize::MAX))) {
            if w.1 != w.0 + 1 {
                parts.push(if start == w.0 { start.to_string() } else { format!("{start}-{}", w.0) });
                start = w.1;
            }
        }
        parts.join(", ")
    }

    /// `rank,model,validation_nauc,train_seconds,final_weight,prediction_0,…`: one row per
    /// model, best first; an empty score means not measured, weight 0 means not used.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("rank,model,validation_nauc,train_seconds,final_weight");
        for k in 0..self.predictions.len() {
            let _ = write!(out, ",prediction_{k}");
        }
        out.push('\n');
        for (rank, &i) in self.ranked().iter().enumerate() {
            let m = &self.models[i];
            let score = m.validation.map_or(String::new(), |v| format!("{v:.6}"));
            let _ = write!(
                out,
                "{},{},{score},{:.3},{:.4}",
                rank + 1,
                csv_field(&m.name),
                m.train_seconds,
                self.final_weight(i)
            );
            for k in 0..self.predictions.len() {
                let _ = write!(out, ",{:.4}", self.weight(i, k));
            }
            out.push('\n');
        }
        out
    }

    /// Writes [`Leaderboard::to_csv`], atomically.
    pub fn write_csv(&self, path: &Path) -> crate::Result<()> {
        formats::atomic::write_bytes(path, self.to_csv().as_bytes()).map_err(|e| crate::Error::io(path, e.source))
    }

    /// A short table for the terminal: at most `rows` models, best first, with the number of
    /// models left out; empty when nothing was tried.
    pub fn terminal_table(&self, rows: usize) -> String {
        if self.models.is_empty() {
            return String::new();
        }
        let width = self.models.iter().map(|m| m.name.chars().count()).max().unwrap_or(5).clamp(5, 60);
        let mut out = format!("  {:<width$}  {METRIC:>15}  {:>9}  {:>12}\n", "model", "training", "final weight");
        let ranked = self.ranked();
        for &i in ranked.iter().take(rows) {
            let m = &self.models[i];
            let score = m.validation.map_or("not measured".to_string(), |v| format!("{v:.4}"));
            let w = self.final_weight(i);
            let weight = if w > 0.0 { format!("{w:.2}") } else { "-".to_string() };
            let _ = writeln!(
                out,
                "  {:<width$}  {score:>15}  {:>9}  {weight:>12}",
                truncate(&m.name, width),
                seconds_text(m.train_seconds)
            );
        }
        if ranked.len() > rows {
            let _ = writeln!(out, "  … and {} more model(s) in {CSV_NAME}", ranked.len() - rows);
        }
        out
    }

    /// The report's section: which models made the final prediction, then every model tried.
    pub fn html_section(&self) -> Markup {
        html! {
            h2 #leaderboard { "Leaderboard" }
            @if self.models.is_empty() {
                p.note { "The learner recorded no model." }
            } @else {
                @match self.final_models_text() {
                    Some(text) => { p { "The final prediction (prediction " (self.predictions.len() - 1) ") was made by " b { (text) } "." } }
                    None => { p.warn { "No prediction was recorded." } }
                }
                p.note {
                    "Every model the learner tried, best " (METRIC) " first (measured on rows held out from \
                     its training; out-of-fold for cross-validated models). The weight is its share in the final \
                     prediction; the last column lists the recorded predictions it is part of. The same table, with one \
                     weight column per prediction, is in " (CSV_NAME) "."
                }
                div.scroll {
                    table #models {
                        tr {
                            th { "rank" } th.l { "model" } th { (METRIC) } th { "training time" } th { "final weight" }
                            th.l { "in predictions" }
                        }
                        @for (rank, &i) in self.ranked().iter().enumerate() {
                            @let m = &self.models[i];
                            @let w = self.final_weight(i);
                            tr {
                                td { (rank + 1) }
                                td.l { (m.name) }
                                td { @match m.validation { Some(v) => { (format!("{v:.4}")) } None => "not measured" } }
                                td { (seconds_text(m.train_seconds)) }
                                td { @if w > 0.0 { b { (format!("{w:.2}")) } } @else { "-" } }
                                td.l { (self.used_in(i)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One CSV field, quoted when it holds a delimiter, a quote or a line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Seconds for people: "0.04 s" below 10 s, "41.2 s" above.
pub fn seconds_text(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board() -> Leaderboard {
        let mut b = Leaderboard::default();
        b.record("logistic regression", Some(0.80), 0.5);
        b.publish(&[("logistic regression".into(), 1.0)]);
        b.record("ResNet-18", Some(0.70), 4.0);
        b.record("ResNet-18", Some(0.90), 4.0);
        b.record("ResNet-18", Some(f64::NEG_INFINITY), 1.0);
        b.publish(&[("ResNet-18".into(), 3.0), ("logistic regression".into(), 1.0)]);
        b.record("GRU, net \"b\"", None, 2.0);
        b
    }

    #[test]
    fn record_keeps_the_best_score_and_sums_time() {
        let b = board();
        assert_eq!(b.models.len(), 3);
        assert_eq!(b.models[1], ModelRow { name: "ResNet-18".into(), validation: Some(0.90), train_seconds: 9.0 });
        assert_eq!(b.models[2].validation, None, "never measured stays None");
        assert_eq!(b.ranked(), vec![1, 0, 2]);
    }

    #[test]
    fn publish_normalises_weights_and_tracks_each_prediction() {
        let mut b = board();
        assert_eq!(b.weight(0, 0), 1.0);
        assert_eq!(b.weight(1, 0), 0.0);
        assert!((b.weight(1, 1) - 0.75).abs() < 1e-12 && (b.weight(0, 1) - 0.25).abs() < 1e-12);
        assert_eq!(b.used_in(0), "0-1");
        assert_eq!(b.used_in(1), "1");
        assert_eq!(b.used_in(2), "-");
        assert_eq!(b.final_models_text().unwrap(), "ResNet-18 (weight 0.75) + logistic regression (weight 0.25)");
        // A prediction dropped by the ingestion loop is not counted.
        b.keep_predictions(1);
        assert_eq!(b.final_weight(1), 0.0);
        assert_eq!(b.final_models_text().unwrap(), "logistic regression");
        b.keep_predictions(0);
        assert_eq!(b.final_models_text(), None);
        // An unknown name becomes an unmeasured model.
        b.publish(&[("knn".into(), 2.0)]);
        assert_eq!(b.models[3].name, "knn");
        assert_eq!(b.final_weight(3), 1.0);
    }

    #[test]
    fn used_in_writes_ranges() {
        let mut b = Leaderboard::default();
        for k in 0..7 {
            let name = if [0, 1, 2, 4, 6].contains(&k) { "a" } else { "b" };
            b.publish(&[(name.into(), 1.0)]);
        }
        assert_eq!(b.used_in(0), "0-2, 4, 6");
        assert_eq!(b.used_in(1), "3, 5");
    }

    #[test]
    fn csv_has_a_row_per_model_and_a_weight_column_per_prediction() {
        let b = board();
        let csv = b.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "rank,model,validation_nauc,train_seconds,final_weight,prediction_0,prediction_1");
        assert_eq!(lines[1], "1,ResNet-18,0.900000,9.000,0.7500,0.0000,0.7500");
        assert_eq!(lines[2], "2,logistic regression,0.800000,0.500,0.2500,1.0000,0.2500");
        assert_eq!(lines[3], "3,\"GRU, net \"\"b\"\"\",,2.000,0.0000,0.0000,0.0000");
        assert_eq!(lines.len(), 4);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CSV_NAME);
        b.write_csv(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), csv);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn terminal_table_and_html_name_the_final_models() {
        let b = board();
        let t = b.terminal_table(2);
        assert!(t.lines().next().unwrap().contains("validation NAUC"), "{t}");
        assert!(t.contains("ResNet-18") && t.contains("0.9000") && t.contains("0.75"), "{t}");
        assert!(t.contains("… and 1 more model(s) in leaderboard.csv"), "{t}");
        assert!(!t.contains("GRU"), "{t}");
        assert!(b.terminal_table(5).contains("not measured"));
        let h = b.html_section().into_string();
        assert!(h.contains("made by <b>ResNet-18 (weight 0.75) + logistic regression (weight 0.25)</b>"), "{h}");
        assert!(h.contains("GRU, net &quot;b&quot;") && h.contains("<table id=\"models\">"), "{h}");
        assert!(Leaderboard::default().terminal_table(5).is_empty());
    }
}
