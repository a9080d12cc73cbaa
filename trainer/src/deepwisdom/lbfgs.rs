//! Limited-memory BFGS (memory 10, Armijo backtracking) for the smooth convex fits of the
//! linear models (tabular linear model, text TF-IDF model): deterministic, no tuning knobs
//! beyond an iteration cap.

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The mean loss and gradient over `n` examples from per-chunk sums of both (the parallel
/// evaluations of the linear models' objectives); `len` is the gradient's length.
pub fn mean_of_parts(parts: impl IntoIterator<Item = (f64, Vec<f64>)>, len: usize, n: usize) -> (f64, Vec<f64>) {
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
