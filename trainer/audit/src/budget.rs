//! `--time-budget`: the costly checks (near-duplicate bands, outlier scoring, cross-fitting)
//! look at the clock between units of work and start no new unit once the budget is spent;
//! what they left undone is reported ([`crate::report::BudgetFacts`]), never a half result
//! passed off as a whole one.

use std::time::{Duration, Instant};

/// When the budget runs out (`None`: no budget).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    start: Instant,
    end: Option<Instant>,
}

impl Deadline {
    /// A budget of `seconds` from now; `None` or a non-finite value means none.
    pub fn new(seconds: Option<f64>) -> Deadline {
        let start = Instant::now();
        let end = seconds.filter(|s| s.is_finite() && *s >= 0.0).map(|s| start + Duration::from_secs_f64(s));
        Deadline { start, end }
    }

    /// No budget at all.
    pub fn none() -> Deadline {
        Deadline::new(None)
    }

    /// Whether the budget is spent.
    pub fn passed(&self) -> bool {
        self.end.is_some_and(|end| Instant::now() >= end)
    }

    /// Seconds since the budget started.
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_budget_is_spent_and_none_never_is() {
        assert!(Deadline::new(Some(0.0)).passed());
        assert!(!Deadline::none().passed());
        assert!(!Deadline::new(Some(3600.0)).passed());
        assert!(!Deadline::new(Some(f64::NAN)).passed());
    }
}
