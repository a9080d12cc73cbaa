//! The state every handler shares, built once when the server starts.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;

use super::archive::Caps;
use super::db::Db;
use super::jobs::Jobs;
use super::live::Live;
use super::security::Guard;

/// What the handlers share.
pub struct App {
    pub db: Arc<Db>,
    pub jobs: Arc<Jobs>,
    pub live: Arc<Live>,
    pub guard: Arc<Guard>,
    /// `<data>/runs`
    pub runs_dir: PathBuf,
    pub max_upload: u64,
    pub caps: Caps,
    /// Canonical folders a run may read in place.
    pub allow_paths: Vec<PathBuf>,
    pub trainer: PathBuf,
    pub device: String,
    /// Predictions running at once (as many as `--jobs`).
    pub predict_slots: Semaphore,
}
