//! `autodl-format serve`: the self-service web page (issue 18). Upload a raw folder, files, an
//! archive or an AutoDL dataset (or name a folder under `--allow-path`), watch the learning
//! curve as it trains, read the report, download the results, predict on new data.
//!
//! - [`routes`]: the HTTP routes; [`pages`] the HTML (maud, escaped); `static/` the script/style.
//! - [`security`]: token, Host and cross-site checks on every request.
//! - [`upload`], [`archive`], [`names`]: uploads streamed to disk, archives unpacked under caps,
//!   file names kept inside the run folder.
//! - [`jobs`]: the queue; each run is `autodl-format-train rate` in a child process (this
//!   executable never maps libtorch), [`predict`] the same for predictions.
//! - [`db`]: runs in SQLite under `--data`; [`live`]: progress read from the run's files.
//!
//! Layout of `--data`: `runs.sqlite`, and `runs/<id>/` per run: `input/` (the upload),
//! `rate.log`, `rated/` (rate's output), `downloads/`, `predict/<n>/`.

pub mod app;
pub mod archive;
pub mod db;
pub mod error;
pub mod files;
pub mod jobs;
pub mod live;
pub mod names;
pub mod options;
pub mod pages;
pub mod predict;
pub mod routes;
pub mod security;
pub mod upload;
#[cfg(test)]
mod scratch;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::Semaphore;

use self::app::App;
use self::archive::Caps;
use self::db::Db;
use self::jobs::Jobs;
use self::live::Live;
use self::security::Guard;

/// Everything `serve` needs to start (from the command line).
pub struct Config {
    pub addr: SocketAddr,
    pub data: PathBuf,
    pub jobs: usize,
    pub token: Option<String>,
    pub max_upload: u64,
    pub allow_paths: Vec<PathBuf>,
    pub max_entries: usize,
    pub device: String,
}

/// Runs the server until SIGINT/SIGTERM; returns the exit code.
pub fn run(config: Config) -> anyhow::Result<i32> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config))
}

async fn serve(config: Config) -> anyhow::Result<i32> {
    let trainer = crate::sibling::trainer_path()?;
    if !trainer.is_file() {
        anyhow::bail!(
            "{}: missing; serve runs rate and predict in it (build with the `train` feature, install it next to autodl-format)",
            trainer.display()
        );
    }
    let loopback = config.addr.ip().is_loopback();
    let token = match config.token {
        Some(t) if t.len() < 16 || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') => {
            anyhow::bail!("--token: use at least 16 letters, digits, '-' or '_'")
        }
        Some(t) => Some(t),
        None if loopback => None,
        None => Some(security::random_hex(16).context("cannot generate an access token")?),
    };
    std::fs::create_dir_all(config.data.join("runs"))
        .with_context(|| format!("cannot create {}", config.data.display()))?;
    let data = config.data.canonicalize().with_context(|| format!("{}", config.data.display()))?;
    let runs_dir = data.join("runs");
    let db = Arc::new(Db::open(&data.join("runs.sqlite")).context("opening the run database")?);
    let (interrupted, uploads) = db.recover().context("recovering runs after a restart")?;
    for id in uploads {
        let _ = std::fs::remove_dir_all(jobs::run_dir(&runs_dir, id));
    }
    if interrupted > 0 {
        eprintln!("serve: {interrupted} run(s) cut by the last stop marked interrupted");
    }
    let mut allow_paths = Vec::new();
    for p in &config.allow_paths {
        allow_paths.push(p.canonicalize().with_context(|| format!("--allow-path {}", p.display()))?);
    }
    let mut caps = Caps::for_upload(config.max_upload);
    caps.max_entries = config.max_entries;
    let jobs = Jobs::new(db.clone(), runs_dir.clone(), trainer.clone(), config.device.clone(), config.jobs);
    let app = Arc::new(App {
        db,
        jobs: jobs.clone(),
        live: Arc::new(Live::default()),
        guard: Arc::new(Guard { token: token.clone(), csrf: security::random_hex(16)? }),
        runs_dir,
        max_upload: config.max_upload,
        caps,
        allow_paths,
        trainer,
        device: config.device,
        predict_slots: Semaphore::new(config.jobs.max(1)),
    });
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let local = listener.local_addr()?;
    let url = match &token {
        Some(t) => format!("http://{local}/?token={t}"),
        None => format!("http://{local}/"),
    };
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "autodl-format serve: {url}")?;
        writeln!(out, "data in {}, {} job(s) at once; Ctrl-C stops", data.display(), config.jobs.max(1))?;
        out.flush()?;
    }
    tokio::spawn(jobs.clone().dispatch());
    let server = axum::serve(listener, routes::router(app));
    tokio::select! {
        result = server => result.context("the server stopped")?,
        _ = stop_signal() => {
            eprintln!("serve: stopping; runs in progress are stopped and marked interrupted");
            jobs.shutdown(Duration::from_secs(30)).await;
        }
    }
    Ok(0)
}

async fn stop_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
