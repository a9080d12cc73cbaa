//! The tuned linear model of the text pipeline (issue 24, on top of spec DEEPWISDOM.md §5.2):
//! a search over feature analyzers (text_features.rs) and L2 strengths, scored by 3-fold
//! cross-validation on small sets or by the validation split on large ones.
use scoring::rng::SplitMix64;

use super::ensemble::validation_nauc;
use super::text_features::Analyzer;
use super::text_models::{TfidfModel, TfidfSpec};

/// At most this many labelled documents: L2 strength by 3-fold cross-validation; above, by
/// the validation split.
pub const CV_MAX_DOCUMENTS: usize = 20_000;
/// Per-document L2 strengths tried (about sklearn C = 1/(λ·n)), the first is the default;
/// after it, alternately stronger and weaker, nearest first.
pub const L2_GRID: [f32; 7] = [1e-5, 1e-4, 1e-6, 1e-3, 1e-7, 1e-2, 1e-1];

/// One evaluated configuration of the linear stage.
pub struct LinearResult {
    pub analyzer: Analyzer,
    pub l2: f32,
    /// Scores of the validation documents by models that did not train on them.
    pub val_pred: Vec<f32>,
    /// NAUC used to rank configurations (out-of-fold over all labelled documents under CV,
    /// else the validation split).
    pub rank_score: f64,
    /// The model to publish (trained on every labelled document under CV).
    pub model: TfidfModel,
}

/// Fits and scores one (analyzer, L2) configuration. `train` and `val` are the learner's
/// split; under CV (`train + val ≤ CV_MAX_DOCUMENTS`) the folds run over both and the
/// published model is refitted on both. `seed` orders the folds.
pub fn evaluate(spec: &TfidfSpec, keys: &[Vec<u32>], n_train: usize, labels: &[f32], l2: f32, seed: u64) -> LinearResult {
    let k = spec.classes;
    let n = keys.len();
    let rows = spec.rows_from_keys(keys);
    let n_val = n - n_train;
    let cv = n <= CV_MAX_DOCUMENTS && n_val > 0;
    let (val_pred, rank_score, model) = if cv {
        // Folds are assigned in a seeded order, the same for every configuration.
        let mut fold = vec![0usize; n];
        let mut rng = SplitMix64(seed ^ 0xC5F0);
        for (j, i) in rng.permutation(n).into_iter().enumerate() {
            fold[i] = j % 3;
        }
        let mut oof = vec![0f32; n * k];
        for f in 0..3 {
            let idx: Vec<usize> = (0..n).filter(|i| fold[*i] != f).collect();
            let m = TfidfModel::fit_rows(spec.clone(), &rows, labels, &idx, l2);
            for i in (0..n).filter(|i| fold[*i] == f) {
                m.scores_row(&rows[i], &mut oof[i * k..(i + 1) * k]);
            }
        }
        let all: Vec<usize> = (0..n).collect();
        let model = TfidfModel::fit_rows(spec.clone(), &rows, labels, &all, l2);
        let rank = validation_nauc(labels, &oof, k);
        (oof[n_train * k..].to_vec(), rank, model)
    } else {
        let idx: Vec<usize> = (0..n_train).collect();
        let model = TfidfModel::fit_rows(spec.clone(), &rows, labels, &idx, l2);
        let mut val_pred = vec![0f32; n_val * k];
        for (i, out) in (n_train..n).zip(val_pred.chunks_mut(k.max(1))) {
            model.scores_row(&rows[i], out);
        }
        let rank = if n_val > 0 { validation_nauc(&labels[n_train * k..], &val_pred, k) } else { 0.0 };
        (val_pred, rank, model)
    };
    LinearResult { analyzer: spec.analyzer, l2, val_pred, rank_score, model }
}

/// The search plan: every analyzer at the default L2, then the other strengths for the best
/// analyzer (so a short budget still tries each feature family once).
#[derive(Debug, Default)]
pub struct LinearSearch {
    pub analyzers: Vec<Analyzer>,
    pub tried: Vec<(Analyzer, f32, f64)>,
}

impl LinearSearch {
    pub fn new(zh: bool, jieba_words: bool) -> LinearSearch {
        let analyzers = Analyzer::candidates(zh).into_iter().filter(|a| jieba_words || a.word_ngrams == 0).collect();
        LinearSearch { analyzers, tried: Vec::new() }
    }

    /// The next configuration to try, `None` when the plan is done (the convergence rule of
    /// the linear stage, trainer/README.md).
    pub fn next(&self) -> Option<(Analyzer, f32)> {
        let done = |a: Analyzer, l: f32| self.tried.iter().any(|(ta, tl, _)| *ta == a && *tl == l);
        if let Some(a) = self.analyzers.iter().find(|a| !done(**a, L2_GRID[0])) {
            return Some((*a, L2_GRID[0]));
        }
        let (best, _, _) = self.best()?;
        let score = |l: f32| self.tried.iter().find(|(a, tl, _)| *a == best && *tl == l).map(|t| t.2);
        for &l in &L2_GRID[1..] {
            if done(best, l) {
                continue;
            }
            // The strengths between the default and `l`, nearest to the default first: `l` is
            // tried only while each step away from the default scored at least the one before.
            let stronger = l > L2_GRID[0];
            let mut path: Vec<f32> = L2_GRID.iter().copied().filter(|&t| t == L2_GRID[0] || ((t > L2_GRID[0]) == stronger && (if stronger { t < l } else { t > l }))).collect();
            path.sort_by(|a, b| if stronger { a.total_cmp(b) } else { b.total_cmp(a) });
            let scores: Option<Vec<f64>> = path.iter().map(|t| score(*t)).collect();
            let improving = scores.is_some_and(|s| s.windows(2).all(|w| w[1] >= w[0]));
            if improving {
                return Some((best, l));
            }
        }
        None
    }

    pub fn best(&self) -> Option<(Analyzer, f32, f64)> {
        self.tried.iter().copied().fold(None, |b: Option<(Analyzer, f32, f64)>, t| match b {
            Some(b) if b.2 >= t.2 => Some(b),
            _ => Some(t),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two classes told apart by the bigram (5, 6) vs (6, 5): the 1–2-gram analyzer ranks
    /// them well by 3-fold CV, the unigram analyzer cannot.
    #[test]
    fn cross_validation_ranks_bigrams_above_unigrams_on_order_data() {
        let mut rng = SplitMix64(3);
        let (mut docs, mut labels) = (Vec::new(), Vec::new());
        for i in 0..300 {
            let c = i % 2;
            let mut d: Vec<u32> = (0..12).map(|_| 10 + (rng.next() % 30) as u32).collect();
            let at = (rng.next() % 11) as usize;
            d[at] = if c == 0 { 5 } else { 6 };
            d[at + 1] = if c == 0 { 6 } else { 5 };
            docs.push(d);
            labels.extend_from_slice(if c == 0 { &[1.0, 0.0] } else { &[0.0, 1.0] });
        }
        let score = |a: Analyzer| {
            let keys = crate::deepwisdom::text_features::all_keys(a, false, &[], &docs);
            let spec = TfidfSpec::unfitted(50, false, 2, false, "t.", a, Vec::new()).fit_keys(&keys);
            let r = evaluate(&spec, &keys[..250], 200, &labels[..500], L2_GRID[0], 1);
            assert_eq!(r.val_pred.len(), 100);
            assert_eq!(r.model.predict(&docs[250..]).len(), 100);
            r.rank_score
        };
        let bigrams = score(Analyzer { token_ngrams: 2, word_ngrams: 0 });
        let unigrams = score(Analyzer { token_ngrams: 1, word_ngrams: 0 });
        assert!(bigrams > 0.9 && unigrams < 0.5, "bigrams {bigrams}, unigrams {unigrams}");
    }

    #[test]
    fn search_tries_every_analyzer_then_the_strengths_of_the_best() {
        let mut s = LinearSearch::new(false, false);
        let mut seen = Vec::new();
        while let Some((a, l)) = s.next() {
            seen.push((a, l));
            let score = if a.token_ngrams == 2 { 0.9 } else { 0.8 } + if l == 1e-4 { 0.01 } else { 0.0 };
            s.tried.push((a, l, score));
            assert!(seen.len() < 20);
        }
        assert_eq!(seen.len(), 3 + 4);
        assert_eq!(s.best().map(|b| (b.0.token_ngrams, b.1)), Some((2, 1e-4)));
    }

    /// Scores that keep rising with the strength walk the grid to its strongest end; the
    /// weaker side stops after its first loss.
    #[test]
    fn search_follows_rising_strengths_to_the_end_of_the_grid() {
        let mut s = LinearSearch::new(false, false);
        let mut seen = Vec::new();
        while let Some((a, l)) = s.next() {
            seen.push(l);
            let score = if a.token_ngrams == 1 { 0.7 } else { 0.6 } + f64::from(l).log10() / 100.0;
            s.tried.push((a, l, score));
            assert!(seen.len() < 20);
        }
        assert_eq!(&seen[3..], &[1e-4, 1e-6, 1e-3, 1e-2, 1e-1]);
        assert_eq!(s.best().map(|b| (b.0.token_ngrams, b.1)), Some((1, 1e-1)));
    }
}
