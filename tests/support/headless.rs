//! How the browser tests start headless Chromium (included with `#[path]` by
//! tests/report_browser.rs and tests/serve_support/cdp.rs): one list of flags that keep it
//! quiet, offline-friendly and runnable as root in a container.

use std::path::Path;
use std::process::Command;

/// Flags every headless start shares.
pub const HEADLESS_FLAGS: [&str; 7] = [
    "--headless",
    // root in a container has no user namespace for the sandbox
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// `exe` with [`HEADLESS_FLAGS`] and its own profile folder; the caller adds what it needs.
pub fn headless(exe: &Path, profile: &Path) -> Command {
    let mut command = Command::new(exe);
    command.args(HEADLESS_FLAGS).arg(format!("--user-data-dir={}", profile.display()));
    command
}
