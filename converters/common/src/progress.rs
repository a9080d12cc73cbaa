//! Progress bars on stderr; `--quiet` (or a non-terminal stderr) hides them.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Items per second, whole and grouped by thousands ("25,048/s"): indicatif's own `{per_sec}`
/// prints four decimals.
pub fn rate_text(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec < 0.0 {
        return "-/s".into();
    }
    if per_sec < 10.0 {
        return format!("{per_sec:.1}/s");
    }
    let digits = format!("{:.0}", per_sec);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out + "/s"
}

/// A counted progress bar for one phase of a conversion.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `len` steps labelled `what` (e.g. "images"); hidden when `quiet`.
    pub fn new(len: u64, what: &str, quiet: bool) -> Self {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            let b = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {rate} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("rate", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&rate_text(state.per_sec()));
                })
                .progress_chars("=> ");
            b.set_style(style);
            b
        };
        bar.set_prefix(what.to_string());
        Progress { bar }
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Prints a line without tearing the bar (goes to stderr; suppressed when hidden).
    pub fn println(&self, line: impl AsRef<str>) {
        if self.bar.is_hidden() {
            return;
        }
        self.bar.println(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_rounded_and_grouped() {
        assert_eq!(rate_text(25_048.0077), "25,048/s");
        assert_eq!(rate_text(1_234_567.8), "1,234,568/s");
        assert_eq!(rate_text(999.6), "1,000/s");
        assert_eq!(rate_text(3.14159), "3.1/s");
        assert_eq!(rate_text(f64::NAN), "-/s");
    }
}
