//! The job queue: at most `--jobs` runs at once, each a child process
//! `autodl-format-train rate INPUT -o RUN/rated …` whose output goes to `RUN/rate.log`. Cancel
//! = SIGTERM to the child (rate stops the learner, scores what it has, exits 143); a server
//! that dies takes its children with it (parent-death signal), and the next start marks
//! their runs interrupted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::db::{Db, Run, RunState};
use super::error::{Result, ServeError};
use super::options::RunOptions;

/// A child still training.
struct Child {
    pid: u32,
    cancelled: bool,
}

pub struct Jobs {
    db: Arc<Db>,
    /// `<data>/runs`
    runs_dir: PathBuf,
    trainer: PathBuf,
    device: String,
    slots: usize,
    active: AtomicUsize,
    wake: Notify,
    children: Mutex<HashMap<i64, Child>>,
    stopping: AtomicBool,
    /// Signalled each time a run ends (shutdown waits on it).
    ended: Notify,
}

/// The folder of run `id`.
pub fn run_dir(runs_dir: &Path, id: i64) -> PathBuf {
    runs_dir.join(id.to_string())
}

/// `rate`'s output folder inside a run folder.
pub const RATED: &str = "rated";
/// The child's standard output and error.
pub const LOG: &str = "rate.log";

impl Jobs {
    pub fn new(db: Arc<Db>, runs_dir: PathBuf, trainer: PathBuf, device: String, slots: usize) -> Arc<Jobs> {
        Arc::new(Jobs {
            db,
            runs_dir,
            trainer,
            device,
            slots: slots.max(1),
            active: AtomicUsize::new(0),
            wake: Notify::new(),
            children: Mutex::new(HashMap::new()),
            stopping: AtomicBool::new(false),
            ended: Notify::new(),
        })
    }

    /// Something was queued (or a slot freed): the dispatcher looks again.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Starts queued runs while slots are free; runs until the server stops.
    pub async fn dispatch(self: Arc<Self>) {
        loop {
            while !self.stopping.load(Ordering::SeqCst) && self.active.load(Ordering::SeqCst) < self.slots {
                match self.db.take_queued() {
                    Ok(Some(run)) => {
                        self.active.fetch_add(1, Ordering::SeqCst);
                        tokio::spawn(self.clone().run_one(run));
                    }
                    Ok(None) => break,
                    Err(e) => {
                        eprintln!("serve: cannot read the queue: {e}");
                        break;
                    }
                }
            }
            self.wake.notified().await;
        }
    }

    fn children(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Child>> {
        self.children.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn run_one(self: Arc<Self>, run: Run) {
        let id = run.id;
        let (final_state, alc, domain, error) = match self.train(&run).await {
            Ok(outcome) => outcome,
            Err(e) => (RunState::Failed, None, None, Some(e.to_string())),
        };
        if let Err(e) = self.db.finish(id, final_state, alc, domain.as_deref(), error.as_deref()) {
            eprintln!("serve: run {id}: cannot record its end: {e}");
        }
        self.children().remove(&id);
        self.active.fetch_sub(1, Ordering::SeqCst);
        self.ended.notify_waiters();
        self.wake();
    }

    /// Runs `rate` for `run`; returns (state, ALC, domain, error message).
    async fn train(&self, run: &Run) -> Result<(RunState, Option<f64>, Option<String>, Option<String>)> {
        let dir = run_dir(&self.runs_dir, run.id);
        let out = dir.join(RATED);
        let log_path = dir.join(LOG);
        let log = std::fs::File::create(&log_path).map_err(|e| ServeError::io(format!("creating {}", log_path.display()), e))?;
        let log2 = log.try_clone().map_err(|e| ServeError::io("log file", e))?;
        let options = RunOptions::from_json(&run.options);
        let mut command = tokio::process::Command::new(&self.trainer);
        command
            .arg("rate")
            .arg(&run.input)
            .arg("-o")
            .arg(&out)
            .args(options.rate_args(&self.device))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));
        die_with_parent(&mut command);
        let mut child = command
            .spawn()
            .map_err(|e| ServeError::Internal(format!("cannot start {}: {e}", self.trainer.display())))?;
        if let Some(pid) = child.id() {
            self.children().insert(run.id, Child { pid, cancelled: false });
        }
        let status = child.wait().await.map_err(|e| ServeError::Internal(format!("waiting for rate: {e}")))?;
        let cancelled = self.children().get(&run.id).is_some_and(|c| c.cancelled);
        let code = status.code();
        let alc = read_alc(&out.join("scores/scores.txt"));
        let domain = {
            let dataset = dataset_dir(&out, Path::new(&run.input));
            tokio::task::spawn_blocking(move || formats::inspect::inspect(&dataset).ok().map(|i| i.domain.to_string()))
                .await
                .ok()
                .flatten()
        };
        let outcome = if cancelled {
            (RunState::Cancelled, alc, domain, Some("cancelled; the predictions made before are scored in the report".into()))
        } else if self.stopping.load(Ordering::SeqCst) && code != Some(0) {
            (RunState::Interrupted, alc, domain, Some("the server stopped while this run was training".into()))
        } else if code == Some(0) {
            (RunState::Finished, alc, domain, None)
        } else {
            let why = match code {
                Some(c) => format!("rate exited with status {c}"),
                None => "rate was killed by a signal".to_string(),
            };
            (RunState::Failed, alc, domain, Some(format!("{why}: {}", error_summary(&log_path))))
        };
        Ok(outcome)
    }

    /// Cancels a queued or running run.
    pub fn cancel(self: &Arc<Self>, id: i64) -> Result<()> {
        if self.db.cancel_queued(id)? {
            return Ok(());
        }
        let pid = {
            let mut children = self.children();
            let child = children
                .get_mut(&id)
                .ok_or_else(|| ServeError::Conflict(format!("run {id} is neither queued nor running")))?;
            child.cancelled = true;
            child.pid
        };
        signal(pid, libc::SIGTERM);
        // rate stops within seconds; one that does not is killed
        let jobs = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            if jobs.children().get(&id).is_some_and(|c| c.pid == pid) {
                signal(pid, libc::SIGKILL);
            }
        });
        Ok(())
    }

    /// Stops taking runs, sends SIGTERM to every child and waits (at most `grace`) for them.
    pub async fn shutdown(&self, grace: Duration) {
        self.stopping.store(true, Ordering::SeqCst);
        let pids: Vec<u32> = self.children().values().map(|c| c.pid).collect();
        for pid in pids {
            signal(pid, libc::SIGTERM);
        }
        let deadline = tokio::time::Instant::now() + grace;
        while self.active.load(Ordering::SeqCst) > 0 {
            let ended = self.ended.notified();
            if self.active.load(Ordering::SeqCst) == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                break;
            }
        }
    }
}

/// The dataset a run trained on: `rated/dataset` when rate converted raw input, else the input.
pub fn dataset_dir(out: &Path, input: &Path) -> PathBuf {
    let converted = out.join("dataset");
    if converted.is_dir() {
        converted
    } else {
        input.to_path_buf()
    }
}

/// The `score:` line of a scores.txt.
pub fn read_alc(path: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("score:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// The `error:` lines of a log (else its last lines), for the run's error message.
pub fn error_summary(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error:")).collect();
    let lines: Vec<&str> = if errors.is_empty() {
        let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        all[all.len().saturating_sub(3)..].to_vec()
    } else {
        errors
    };
    let joined = lines.join(" | ");
    joined.chars().take(2000).collect()
}

fn signal(pid: u32, sig: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) on a child we started and have not reaped (its pid is not reused yet)
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// The child gets SIGTERM when the server dies, even by SIGKILL (Linux parent-death signal).
pub fn die_with_parent(command: &mut tokio::process::Command) {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alc_and_errors_are_read_from_the_run_files() {
        let (d, scores) = crate::serve::scratch::scratch("scores.txt", Some("score: 0.7321\nDuration: 12.0\n"));
        assert_eq!(read_alc(&scores), Some(0.7321));
        assert_eq!(read_alc(&d.path().join("none.txt")), None);
        let log = d.path().join("rate.log");
        std::fs::write(&log, "[rate 1/5 | 0.0 s] converting\nerror: no images found in x\n").unwrap();
        assert_eq!(error_summary(&log), "error: no images found in x");
    }
}
