//! The plain verdict of a rating, shared by `report.html` and `rate`'s terminal summary: ALC
//! and final NAUC against chance (0) and against the first, fast model of the same run, the
//! bootstrap spread of `scores.txt` as ±, a sentence on learnability, and the small-test-set
//! finding. Thresholds are the `pub const`s below, documented in README "Rating a dataset".

use crate::{alc, AlcVariant, CurvePoint, ScoreReport};

/// Final NAUC from which data are called strongly learnable (per-class AUC 0.8 on average)…
pub const STRONG_NAUC: f64 = 0.6;
/// …provided the NAUC minus two bootstrap standard deviations stays at or above this.
pub const STRONG_FLOOR: f64 = 0.3;
/// Final NAUC below which the model learned nothing useful (per-class AUC under 0.55).
pub const NO_SIGNAL_NAUC: f64 = 0.1;
/// A bootstrap standard deviation above this makes the rating unstable.
pub const STABLE_STD: f64 = 0.05;
/// Fewest test examples of each class for a stable rating.
pub const MIN_CLASS_EXAMPLES: u64 = 5;
/// Classes named at most in one list of the text.
const LISTED: usize = 8;

/// The learnability sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Strong,
    Noisy,
    NotLearnable,
}

impl Verdict {
    pub fn sentence(self) -> &'static str {
        match self {
            Verdict::Strong => "strongly learnable",
            Verdict::Noisy => "learnable but noisy",
            Verdict::NotLearnable => "not learnable from these examples: check the labels",
        }
    }

    /// CSS class of the report (`ok`, `warn`, `err`).
    pub fn tone(self) -> &'static str {
        match self {
            Verdict::Strong => "ok",
            Verdict::Noisy => "warn",
            Verdict::NotLearnable => "err",
        }
    }
}

/// The test set is too small for the rating to be stable.
#[derive(Debug, Clone, PartialEq)]
pub struct SmallTestSet {
    pub test_rows: usize,
    /// Whether a bootstrap standard deviation exceeds [`STABLE_STD`].
    pub unstable_spread: bool,
    /// Classes with fewer than [`MIN_CLASS_EXAMPLES`] test examples: `(class, examples)`.
    /// Multi-label tasks count the scarcer of a class's positive and negative rows.
    pub sparse_classes: Vec<(usize, u64)>,
    /// Estimated test rows for a stable rating (see [`SmallTestSet::explanation`]).
    pub needed_rows: usize,
}

/// Which classes make a multi-label score (per-class NAUC = 2·AUC − 1 of the last prediction).
#[derive(Debug, Clone, PartialEq)]
pub struct Drivers {
    /// Up to three classes with the highest per-class NAUC, best first.
    pub strongest: Vec<(usize, f64)>,
    /// Classes whose per-class NAUC is below [`NO_SIGNAL_NAUC`], worst first.
    pub near_chance: Vec<(usize, f64)>,
}

/// Everything the verdict says about one scored run.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    /// `score:` of scores.txt.
    pub alc: f64,
    /// `alc_std` of scores.txt; `None` when the bootstrap was not computed.
    pub alc_std: Option<f64>,
    pub final_nauc: f64,
    /// `nauc_std` of scores.txt (spread of the last prediction's NAUC).
    pub nauc_std: Option<f64>,
    /// NAUC of the first prediction: the first, fast model of the run.
    pub first_nauc: f64,
    /// ALC the run would have had if it had stopped after its first prediction.
    pub first_alc: f64,
    pub first_time: f64,
    pub verdict: Verdict,
    pub small_test_set: Option<SmallTestSet>,
    /// Multi-label tasks only.
    pub drivers: Option<Drivers>,
    /// `"j: name"` or `"j"` per class.
    pub class_names: Vec<String>,
}

impl Rating {
    /// `None` when the run recorded no prediction (nothing to rate).
    pub fn of(score: &ScoreReport) -> Option<Rating> {
        let first = score.predictions.first()?;
        let last = score.predictions.last()?;
        let (nauc_std, alc_std) = (score.nauc_std(), score.alc_std());
        let first_point = CurvePoint { time: first.time, score: first.nauc };
        let first_alc = alc(&[first_point], score.time_budget, AlcVariant::ClipAtBudget);
        let class_names = (0..last.per_class_auc.len().max(score.class_names.len()))
            .map(|j| match score.class_names.get(j) {
                Some(Some(n)) if !n.is_empty() => format!("{j}: {n}"),
                _ => j.to_string(),
            })
            .collect();
        let small_test_set = small_test_set(score, nauc_std, alc_std);
        let band = last.nauc - 2.0 * nauc_std.unwrap_or(0.0);
        let verdict = if last.nauc < NO_SIGNAL_NAUC {
            Verdict::NotLearnable
        } else if last.nauc >= STRONG_NAUC && band >= STRONG_FLOOR {
            Verdict::Strong
        } else {
            Verdict::Noisy
        };
        let drivers = (!score.multiclass).then(|| drivers(&last.per_class_auc));
        Some(Rating {
            alc: score.alc,
            alc_std,
            final_nauc: last.nauc,
            nauc_std,
            first_nauc: first.nauc,
            first_alc,
            first_time: first.time,
            verdict,
            small_test_set,
            drivers,
            class_names,
        })
    }

    /// The verdict as one line: the sentence, hedged when the test set is too small.
    pub fn verdict_line(&self) -> String {
        match self.small_test_set {
            Some(_) => format!("{} (on a test set too small to be sure)", self.verdict.sentence()),
            None => self.verdict.sentence().to_string(),
        }
    }

    /// `0.6123 ± 0.0312`, or the value alone without a bootstrap.
    pub fn alc_text(&self) -> String {
        with_spread(self.alc, self.alc_std)
    }

    pub fn nauc_text(&self) -> String {
        with_spread(self.final_nauc, self.nauc_std)
    }

    /// ALC against its references, one sentence.
    pub fn alc_comparison(&self) -> String {
        format!(
            "ALC {} against chance 0 and {:.4} for the first, fast model alone (prediction 0 at {:.1} s).",
            self.alc_text(),
            self.first_alc,
            self.first_time
        )
    }

    /// Final NAUC against its references, one sentence.
    pub fn nauc_comparison(&self) -> String {
        let gain = self.final_nauc - self.first_nauc;
        let training = if gain.abs() < 0.005 {
            "further training did not change it".to_string()
        } else if gain > 0.0 {
            format!("further training added {gain:.4}")
        } else {
            format!("further training lost {:.4}", -gain)
        };
        format!(
            "Final NAUC {} against chance 0 and {:.4} for the first, fast model: {training}.",
            self.nauc_text(),
            self.first_nauc
        )
    }

    /// Multi-label tasks: which classes drive the score, one sentence.
    pub fn drivers_text(&self) -> Option<String> {
        let d = self.drivers.as_ref()?;
        if d.strongest.is_empty() {
            return Some("No class has both positive and negative test examples: no class score.".into());
        }
        let mut s = format!("Multi-label: the score is driven by {}", self.listed(&d.strongest));
        if d.near_chance.is_empty() {
            s.push_str("; no class is near chance.");
        } else {
            s.push_str(&format!("; near chance (per-class NAUC below {NO_SIGNAL_NAUC}): {}.", self.listed(&d.near_chance)));
        }
        Some(s)
    }

    fn name(&self, j: usize) -> String {
        self.class_names.get(j).cloned().unwrap_or_else(|| j.to_string())
    }

    fn listed(&self, classes: &[(usize, f64)]) -> String {
        let mut items: Vec<String> =
            classes.iter().take(LISTED).map(|&(j, v)| format!("{} ({v:.2})", self.name(j))).collect();
        if classes.len() > LISTED {
            items.push(format!("{} more", classes.len() - LISTED));
        }
        items.join(", ")
    }

    /// The small-test-set finding as sentences (empty when the test set is large enough).
    pub fn small_test_set_lines(&self) -> Vec<String> {
        let Some(f) = &self.small_test_set else { return Vec::new() };
        let mut lines = vec![format!("The test set is too small for a stable rating: {} test rows.", f.test_rows)];
        if f.unstable_spread {
            lines.push(format!(
                "Between bootstrap resamples of the test rows the final NAUC varies by ± {} and the ALC by ± {} (stable: at most {STABLE_STD}).",
                self.nauc_std.map_or("-".into(), |s| format!("{s:.4}")),
                self.alc_std.map_or("-".into(), |s| format!("{s:.4}")),
            ));
        }
        if !f.sparse_classes.is_empty() {
            let items: Vec<(usize, f64)> = f.sparse_classes.iter().map(|&(j, c)| (j, c as f64)).collect();
            let listed: Vec<String> = items
                .iter()
                .take(LISTED)
                .map(|&(j, c)| format!("{} ({c})", self.name(j)))
                .chain((items.len() > LISTED).then(|| format!("{} more", items.len() - LISTED)))
                .collect();
            lines.push(format!(
                "{} of {} classes have fewer than {MIN_CLASS_EXAMPLES} test examples: {}.",
                f.sparse_classes.len(),
                self.class_names.len(),
                listed.join(", ")
            ));
        }
        lines.push(format!("About {} test rows would make it stable. {}", f.needed_rows, SmallTestSet::explanation()));
        lines
    }
}

impl SmallTestSet {
    /// How [`SmallTestSet::needed_rows`] is estimated.
    pub fn explanation() -> &'static str {
        "Estimate: the bootstrap spread shrinks about as 1/√n with n test rows, so n·(std/0.05)² rows bring it to 0.05; \
         and every class needs 5 test examples, which at the present class shares takes 5·n/(examples of the rarest class) rows \
         (5 per class when a class has none)."
    }
}

fn with_spread(value: f64, std: Option<f64>) -> String {
    match std {
        Some(s) => format!("{value:.4} ± {s:.4}"),
        None => format!("{value:.4}"),
    }
}

/// The finding, when the spread or a class count says the test set is too small.
fn small_test_set(score: &ScoreReport, nauc_std: Option<f64>, alc_std: Option<f64>) -> Option<SmallTestSet> {
    let last = score.predictions.last()?;
    let n = score.test_rows;
    let classes = last.class_counts.len();
    let worst_std = nauc_std.into_iter().chain(alc_std).fold(0.0f64, f64::max);
    let unstable_spread = worst_std > STABLE_STD;
    let sparse_classes: Vec<(usize, u64)> = last
        .class_counts
        .iter()
        .enumerate()
        .map(|(j, c)| (j, if score.multiclass { c.positives } else { c.positives.min(c.negatives) }))
        .filter(|&(_, c)| c < MIN_CLASS_EXAMPLES)
        .collect();
    if !unstable_spread && sparse_classes.is_empty() {
        return None;
    }
    let rows = n as f64;
    let mut needed = n;
    if unstable_spread {
        needed = needed.max((rows * (worst_std / STABLE_STD).powi(2)).ceil() as usize);
    }
    for &(_, c) in &sparse_classes {
        let for_class = if c == 0 {
            MIN_CLASS_EXAMPLES as usize * classes
        } else {
            (rows * MIN_CLASS_EXAMPLES as f64 / c as f64).ceil() as usize
        };
        needed = needed.max(for_class);
    }
    Some(SmallTestSet { test_rows: n, unstable_spread, sparse_classes, needed_rows: needed })
}

fn drivers(per_class_auc: &[Option<f64>]) -> Drivers {
    let mut scored: Vec<(usize, f64)> =
        per_class_auc.iter().enumerate().filter_map(|(j, a)| a.map(|a| (j, 2.0 * a - 1.0))).collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let strongest = scored.iter().take(3).copied().collect();
    let mut near_chance: Vec<(usize, f64)> = scored.into_iter().filter(|&(_, v)| v < NO_SIGNAL_NAUC).collect();
    near_chance.reverse();
    Drivers { strongest, near_chance }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decisions::ClassCounts;
    use crate::{PredictionScore, Spread};

    /// A scored run: NAUC `naucs` at 10 s, 20 s, …; per-class test positives of a single-label
    /// task (multi-label when `per_class_auc` is given).
    fn run(naucs: &[f64], stds: (f64, f64), positives: &[u64], per_class_auc: Option<Vec<Option<f64>>>) -> ScoreReport {
        let rows: u64 = positives.iter().sum();
        let counts: Vec<ClassCounts> =
            positives.iter().map(|&p| ClassCounts { positives: p, negatives: rows - p, ..Default::default() }).collect();
        let multiclass = per_class_auc.is_none();
        let predictions = naucs
            .iter()
            .enumerate()
            .map(|(k, &nauc)| PredictionScore {
                index: k,
                path: format!("t.predict_{k}").into(),
                time: 10.0 * (k + 1) as f64,
                nauc,
                accuracy: None,
                top1_accuracy: None,
                class_counts: counts.clone(),
                per_class_auc: per_class_auc.clone().unwrap_or_else(|| vec![Some(0.9); positives.len()]),
                after_budget: false,
            })
            .collect();
        let spread = |std: f64| Spread { mean: 0.5, std, var: std * std };
        ScoreReport {
            task: "t".into(),
            time_budget: 300.0,
            alc: 0.5,
            alc_clipped: 0.5,
            duration: 10.0 * naucs.len() as f64,
            multiclass,
            test_rows: rows as usize,
            class_names: vec![Some("cat".into()), None],
            predictions,
            ingestion: None,
            error_bars: Some((spread(stds.0), spread(stds.1))),
            warnings: Vec::new(),
            out_dir: "scores".into(),
        }
    }

    #[test]
    fn a_large_confident_run_is_strongly_learnable() {
        let r = Rating::of(&run(&[0.3, 0.9], (0.02, 0.01), &[40, 40, 40], None)).unwrap();
        assert_eq!(r.verdict, Verdict::Strong);
        assert_eq!(r.small_test_set, None);
        assert_eq!(r.verdict_line(), "strongly learnable");
        assert_eq!(r.nauc_text(), "0.9000 ± 0.0200");
        assert!(r.nauc_comparison().contains("0.3000 for the first, fast model: further training added 0.6000"));
        // the first model alone: NAUC 0.3 from 10 s to the budget
        let alone = alc(&[CurvePoint { time: 10.0, score: 0.3 }], 300.0, AlcVariant::ClipAtBudget);
        assert_eq!(r.first_alc, alone);
        assert_eq!(r.drivers, None);
    }

    #[test]
    fn a_wide_spread_on_few_rows_is_noisy_and_flagged_with_an_estimate() {
        // 18 rows, 3 classes, one with 2 examples and one with none; NAUC 0.7 ± 0.21
        let r = Rating::of(&run(&[0.7], (0.21, 0.08), &[16, 2, 0], None)).unwrap();
        assert_eq!(r.verdict, Verdict::Noisy, "0.7 − 2·0.21 < {STRONG_FLOOR}");
        let f = r.small_test_set.clone().unwrap();
        assert!(f.unstable_spread);
        assert_eq!(f.sparse_classes, vec![(1, 2), (2, 0)]);
        // spread: 18·(0.21/0.05)² = 317.52 → 318; rarest class: 18·5/2 = 45; empty class: 5·3
        assert_eq!(f.needed_rows, 318);
        let text = r.small_test_set_lines().join(" ");
        assert!(text.contains("18 test rows") && text.contains("About 318 test rows") && text.contains("1/√n"), "{text}");
        assert!(text.contains("2 of 3 classes have fewer than 5 test examples: 1 (2), 2 (0)"), "{text}");
        assert!(r.verdict_line().ends_with("(on a test set too small to be sure)"));
    }

    #[test]
    fn a_sparse_class_alone_sets_the_estimate() {
        let r = Rating::of(&run(&[0.8], (0.01, 0.01), &[100, 100, 4], None)).unwrap();
        let f = r.small_test_set.unwrap();
        assert!(!f.unstable_spread);
        assert_eq!(f.needed_rows, 255, "204·5/4");
    }

    #[test]
    fn no_signal_is_not_learnable() {
        let r = Rating::of(&run(&[0.2, 0.05], (0.01, 0.01), &[50, 50], None)).unwrap();
        assert_eq!(r.verdict, Verdict::NotLearnable);
        assert!(r.nauc_comparison().contains("further training lost 0.1500"));
        assert!(r.verdict_line().contains("check the labels"));
    }

    #[test]
    fn multi_label_names_the_classes_that_drive_the_score() {
        let aucs = vec![Some(0.95), Some(0.5), None, Some(0.8)];
        let r = Rating::of(&run(&[0.5], (0.01, 0.01), &[30, 30, 30, 30], Some(aucs))).unwrap();
        let d = r.drivers.clone().unwrap();
        assert_eq!(d.strongest.iter().map(|c| c.0).collect::<Vec<_>>(), vec![0, 3, 1]);
        assert_eq!(d.near_chance.iter().map(|c| c.0).collect::<Vec<_>>(), vec![1]);
        let text = r.drivers_text().unwrap();
        assert!(text.starts_with("Multi-label: the score is driven by 0: cat (0.90), 3 (0.60)"), "{text}");
        assert!(text.contains("near chance (per-class NAUC below 0.1): 1 (0.00)"), "{text}");
    }

    #[test]
    fn no_prediction_no_rating() {
        assert!(Rating::of(&run(&[], (-1.0, -1.0), &[5, 5], None)).is_none());
        // without a bootstrap the value stands alone
        let r = Rating::of(&run(&[0.9], (-1.0, -1.0), &[40, 40], None)).unwrap();
        assert_eq!((r.nauc_text(), r.nauc_std), ("0.9000".to_string(), None));
    }
}
