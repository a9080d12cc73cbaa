//! The learning curve and its area (ALC), SCORING.md §3.

/// The time constant t0 of the log-time transformation (spec §3; fixed since 2019-05-16).
pub const T0: f64 = 60.0;

/// Time budget used when `start.txt` does not state one (spec §4: `--time_budget` default).
pub const DEFAULT_TIME_BUDGET: f64 = 1200.0;

/// Which predictions enter the area (spec §3 "Predictions after the budget").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlcVariant {
    /// Predictions made after T are dropped: the figure's ALC and our `scores.txt` default.
    #[default]
    ClipAtBudget,
    /// Every prediction is kept, so a late one makes the last segment negative: the number the
    /// reference scorer wrote to `scores.txt`, for bit-compatibility only.
    ReferenceUnclipped,
}

/// One point of the learning curve: time since ingestion start and the NAUC at that time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    pub time: f64,
    pub score: f64,
}

/// x(t) = ln(1 + t/t0) / ln(1 + T/t0): maps [0, T] onto [0, 1] (spec §3).
pub fn transform_time(t: f64, time_budget: f64) -> f64 {
    // evaluated in the reference's operation order so example 6 matches to the last digit
    (1.0 + t / T0).ln() / (1.0 + time_budget / T0).ln()
}

/// Inverse of [`transform_time`]: the real time at transformed position `x`.
pub fn real_time(x: f64, time_budget: f64) -> f64 {
    T0 * ((x * (1.0 + time_budget / T0).ln()).exp() - 1.0)
}

/// The points that make up the curve under `variant`, in prediction order. The spec requires
/// non-decreasing times (checked when `start.txt` is read), so dropping t > T keeps a prefix.
pub fn curve_points(points: &[CurvePoint], time_budget: f64, variant: AlcVariant) -> Vec<CurvePoint> {
    match variant {
        AlcVariant::ClipAtBudget => {
            points.iter().copied().filter(|p| p.time <= time_budget).collect()
        }
        AlcVariant::ReferenceUnclipped => points.to_vec(),
    }
}

/// Area under the step ("post") learning curve in transformed time (spec §3):
/// X = [0, x(t_1), …, x(t_m), 1], Y = [0, s_1, …, s_m, s_m], ALC = Σ (X[i+1] − X[i])·Y[i].
pub fn alc(points: &[CurvePoint], time_budget: f64, variant: AlcVariant) -> f64 {
    let kept = curve_points(points, time_budget, variant);
    let mut xs = Vec::with_capacity(kept.len() + 2);
    let mut ys = Vec::with_capacity(kept.len() + 2);
    xs.push(0.0);
    ys.push(0.0);
    for p in &kept {
        xs.push(transform_time(p.time, time_budget));
        ys.push(p.score);
    }
    let last = *ys.last().expect("ys starts with the origin");
    xs.push(1.0);
    ys.push(last);
    // summed left to right starting from 0, as the reference's auc_step does
    let mut area = 0.0;
    for i in 0..xs.len() - 1 {
        area += (xs[i + 1] - xs[i]) * ys[i];
    }
    area
}
