//! Progress bars on stderr; `--quiet` (or a non-terminal stderr) hides them.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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
            let style = ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
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
