//! Locating the shared real data for tests (`../shared/data`).
//!
//! `AUTODL_SHARED` points at the `shared/` folder (the one holding `data/` and `spec/`);
//! default: `../shared` next to the workspace root. When the data is missing, tests skip with
//! a message — except under `CI=true`, where a missing folder is a failure.

use std::path::PathBuf;

/// The `shared/data` folder, or `None` (after printing why) when it is absent outside CI.
/// Panics under `CI=true` when it is absent, so CI cannot pass by skipping.
pub fn shared_data_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("AUTODL_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    };
    let data = base.join("data");
    if data.join("autodl").is_dir() {
        return Some(data);
    }
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!(
            "shared data not found at {} (set AUTODL_SHARED); required when CI=true",
            data.display()
        );
    }
    eprintln!("skipping: shared data not found at {} (set AUTODL_SHARED)", data.display());
    None
}
