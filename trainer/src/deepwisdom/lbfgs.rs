//! Limited-memory BFGS (memory 10, Armijo backtracking) for the smooth convex fits of the
//! linear models (tabular linear model, text TF-IDF model): deterministic, no tuning knobs
//! beyond an iteration cap.

use rayon::prelude::*;

/// Examples one parallel task of [`cross_entropy`] sums: fixed, so the sums are gathered in
/// the same order on any machine.
const LOSS_CHUNK: usize = 2048;

/// The mean cross-entropy of a linear model with `len` weights over the examples `idx` (a
/// softmax across the `k` classes, or a sigmoid per class when `multilabel`) and its gradient,
/// summed in parallel chunks. For example `i`, `logits(i, z)` writes its logits,
/// `targets(i, y)` its target weights (summing to one without `multilabel`) and
/// `spread(i, d, g)` adds the logits' gradient `d` into the weights' gradient `g`. The L2
/// term is the caller's, as it knows which weights are biases.
pub fn cross_entropy(
    idx: &[usize],
    len: usize,
    k: usize,
    multilabel: bool,
    logits: impl Fn(usize, &mut [f64]) + Sync,
    targets: impl Fn(usize, &mut [f64]) + Sync,
    spread: impl Fn(usize, &[f64], &mut [f64]) + Sync,
) -> (f64, Vec<f64>) {
    let parts: Vec<(f64, Vec<f64>)> = idx
        .par_chunks(LOSS_CHUNK)
        .map(|chunk| {
            let mut g = vec![0f64; len];
            let mut loss = 0f64;
            // Per-example buffers reused across the chunk (a fit calls this hundreds of times).
            let (mut z, mut y, mut d) = (vec![0f64; k], vec![0f64; k], vec![0f64; k]);
            for &i in chunk {
                logits(i, &mut z);
                targets(i, &mut y);
                if multilabel {
                    for c in 0..k {
                        let p = 1.0 / (1.0 + (-z[c]).exp());
                        loss += z[c].max(0.0) - z[c] * y[c] + (-z[c].abs()).exp().ln_1p();
                        d[c] = p - y[c];
                    }
                } else {
                    let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
                    for c in 0..k {
                        loss -= y[c] * (z[c] - lse);
                        d[c] = (z[c] - lse).exp() - y[c];
                    }
                }
                spread(i, &d, &mut g);
            }
            (loss, g)
        })
        .collect();
    mean_of_parts(parts, len, idx.len())
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The mean loss and gradient over `n` examples from per-chunk sums of both; `len` is the
/// gradient's length.
fn mean_of_parts(parts: impl IntoIterator<Item = (f64, Vec<f64>)>, len: usize, n: usize) -> (f64, Vec<f64>) {
    let n = n.max(1) as f64;
    let mut loss = 0.0;
    let mut g = vec![0f64; len];
    for (l, gp) in parts {
        loss += l;
        g.iter_mut().zip(gp).for_each(|(a, b)| *a += b);
    }
    g.iter_mut().for_each(|v| *v /= n);
    (loss / n, g)
}

/// Minimises `loss_grad` (value and gradient at a point) from `w` for at most `max_iter`
/// iterations; stops earlier when the loss decreases by less than 1e-9 relative or the
/// gradient norm is under 1e-6.
pub fn minimize(w: Vec<f64>, max_iter: usize, loss_grad: impl FnMut(&[f64]) -> (f64, Vec<f64>)) -> Vec<f64> {
    minimize_until(w, max_iter, |g| dot(g, g).sqrt() < 1e-6, loss_grad)
}

/// As [`minimize`], with the gradient test `converged` in place of the norm under 1e-6; it is
/// also checked at `w` itself, so a warm start that is already optimal costs one evaluation.
pub fn minimize_until(
    mut w: Vec<f64>,
    max_iter: usize,
    converged: impl Fn(&[f64]) -> bool,
    mut loss_grad: impl FnMut(&[f64]) -> (f64, Vec<f64>),
) -> Vec<f64> {
    let (mut f, mut g) = loss_grad(&w);
    if converged(&g) {
        return w;
    }
    let mut hist: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::new();
    for _ in 0..max_iter {
        // Two-loop recursion for the search direction.
        let mut q = g.clone();
        let mut alphas = Vec::with_capacity(hist.len());
        for (s, yv, rho) in hist.iter().rev() {
            let a = rho * dot(s, &q);
            q.iter_mut().zip(yv).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push(a);
        }
        if let Some((s, yv, _)) = hist.last() {
            let gamma = dot(s, yv) / dot(yv, yv).max(1e-300);
            q.iter_mut().for_each(|v| *v *= gamma);
        }
        for ((s, yv, rho), a) in hist.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(yv, &q);
            q.iter_mut().zip(s).for_each(|(qi, si)| *qi += (a - b) * si);
        }
        let mut dir: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut slope = dot(&g, &dir);
        if slope >= 0.0 {
            dir = g.iter().map(|v| -v).collect();
            slope = -dot(&g, &g);
            hist.clear();
        }
        let mut step = if hist.is_empty() { 1.0 / dot(&g, &g).sqrt().max(1.0) } else { 1.0 };
        let mut accepted = None;
        for _ in 0..30 {
            let wn: Vec<f64> = w.iter().zip(&dir).map(|(a, d)| a + step * d).collect();
            let (fn_, gn) = loss_grad(&wn);
            if fn_ <= f + 1e-4 * step * slope {
                accepted = Some((wn, fn_, gn));
                break;
            }
            step *= 0.5;
        }
        let Some((wn, fn_, gn)) = accepted else { break };
        let s: Vec<f64> = wn.iter().zip(&w).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &yv);
        if sy > 1e-12 {
            hist.push((s, yv, 1.0 / sy));
            if hist.len() > 10 {
                hist.remove(0);
            }
        }
        let done = (f - fn_).abs() <= 1e-9 * f.abs().max(1.0) || converged(&gn);
        (w, f, g) = (wn, fn_, gn);
        if done {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_an_ill_conditioned_quadratic() {
        // f(w) = ½ Σ a_i (w_i − c_i)², condition number 10⁴.
        let a = [1e-2, 1.0, 10.0, 100.0];
        let c = [3.0, -2.0, 0.5, 1.0];
        let w = minimize(vec![0.0; 4], 200, |w| {
            let f = w.iter().zip(&a).zip(&c).map(|((w, a), c)| 0.5 * a * (w - c) * (w - c)).sum();
            (f, w.iter().zip(&a).zip(&c).map(|((w, a), c)| a * (w - c)).collect())
        });
        for (wi, ci) in w.iter().zip(&c) {
            assert!((wi - ci).abs() < 1e-2, "{w:?}");
        }
    }
}
