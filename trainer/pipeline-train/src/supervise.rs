//! The hard stop of a training run (issue 15): the run works in a child process (the same
//! executable, marked by [`WORKER_ENV`]) that this one watches. Once the child's ingestion has
//! started (its `start.txt`, with the child's pid, names the start time), the child is killed
//! when its ingestion has not closed (`end.txt`) by the end of the budget plus [`kill_grace`],
//! or [`kill_grace`] after an interrupt; what it recorded until then stays, `end.txt` is written
//! for it, and the caller scores the run.
//!
//! Inside the child the ingestion loop still cancels the learner at the deadline and, when the
//! learner ignores that for its own 1 % grace, leaves its thread behind: that first stop keeps
//! the model of the last prediction (saved from the child's memory) and the leaderboard. The
//! kill is the stop that cannot fail: a learner that blocks the child's watchdog, or anything
//! that keeps the ingestion from closing, ends with the process. Once `end.txt` exists the child
//! is saving, scoring and reporting, and is not killed.
//!
//! Signals: the child runs in its own process group, so a terminal's Ctrl-C reaches only this
//! process, which forwards the first SIGINT/SIGTERM to the child once; a second one ends this
//! process at once and the child with it (it is killed when its parent dies, Linux).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pipeline::error::{Context, Error, Result};
use trainer::ingestion::files::{write_end, END_FILE, START_FILE};

/// Set (to "1") in the environment of the child process that runs the learner.
pub const WORKER_ENV: &str = "AUTODL_FORMAT_INGEST_WORKER";

/// How often the watcher looks at the child, its start time and the interrupt flag.
const POLL: Duration = Duration::from_millis(50);

/// True in the child process started by [`supervise`].
pub fn is_worker() -> bool {
    std::env::var_os(WORKER_ENV).is_some_and(|v| v == "1")
}

/// How long the watcher lets an ingestion run past its budget (or an interrupt) before the
/// kill: 2 % of the budget, between 2 and 20 s — after the child's own 1 % grace (at most 10 s)
/// and the writing of `end.txt`.
pub fn kill_grace(budget: f64) -> Duration {
    Duration::from_secs_f64((budget * 0.02).clamp(2.0, 20.0))
}

/// How a watched child ended.
#[derive(Debug)]
pub enum Supervised {
    /// It ended by itself with this exit status (`128 + signal` when a signal ended it).
    Exited(i32),
    /// It was killed; its run is closed (`end.txt` written).
    Killed(Killed),
}

/// A run whose process was killed.
#[derive(Debug, Clone)]
pub struct Killed {
    /// Seconds from the ingestion's start to the kill.
    pub after: f64,
    /// Predictions the child had written (`<task>.predict_<k>`).
    pub predictions: usize,
    /// Killed after an interrupt rather than at the deadline.
    pub interrupted: bool,
    /// Seconds the watcher waited past the deadline (or the interrupt).
    pub grace: f64,
}

impl Killed {
    /// What happened, in one line.
    pub fn describe(&self) -> String {
        let after = if self.interrupted { "the interrupt" } else { "the budget" };
        format!(
            "the learner did not stop {:.1} s after {after}: its process was killed at {:.1} s; {} prediction(s) kept",
            self.grace, self.after, self.predictions
        )
    }
}

/// [`supervise`] for a `train` or `rate` run into `out` with this time budget: this process's
/// command line rerun as the worker, [`kill_grace`], SIGINT/SIGTERM forwarded.
pub fn supervise_run(out: &Path, budget: f64) -> Result<Supervised> {
    let interrupted = converters_common::interrupt::received;
    supervise(worker_command()?, &out.join("predictions"), budget, kill_grace(budget), interrupted)
}

/// Starts `command` as the worker and waits for it, killing it as the module doc says.
/// `predictions` is the folder where the child's ingestion writes `start.txt`; `budget` its
/// time budget in seconds; `interrupted` is polled for a signal to forward.
pub fn supervise(mut command: Command, predictions: &Path, budget: f64, grace: Duration, interrupted: fn() -> Option<i32>) -> Result<Supervised> {
    command.env(WORKER_ENV, "1");
    isolate(&mut command);
    let mut child = command.spawn().context("cannot start the training process")?;
    let mut deadline: Option<Instant> = None;
    let mut start_time: Option<f64> = None;
    let mut forwarded = false;
    loop {
        if let Some(status) = child.try_wait().context("waiting for the training process")? {
            return Ok(Supervised::Exited(exit_code(status)));
        }
        if start_time.is_none() {
            start_time = read_start_time(predictions, child.id());
            if let Some(start) = start_time {
                let left = (start + budget - unix_now()).max(0.0);
                deadline = Some(Instant::now() + Duration::from_secs_f64(left) + grace);
            }
        }
        if let (Some(signal), false) = (interrupted(), forwarded) {
            forwarded = true;
            forward(&child, signal);
            let soon = Instant::now() + grace;
            deadline = deadline.map(|d| d.min(soon));
        }
        let closed = predictions.join(END_FILE).is_file();
        if !closed && deadline.is_some_and(|d| Instant::now() >= d) {
            kill(&mut child)?;
            let start = start_time.unwrap_or_else(unix_now);
            let predictions_written = close_run(predictions, start)?;
            let after = unix_now() - start;
            let grace = grace.as_secs_f64();
            return Ok(Supervised::Killed(Killed { after, predictions: predictions_written, interrupted: forwarded, grace }));
        }
        std::thread::sleep(POLL);
    }
}

/// The child in its own process group (terminal signals reach the watcher only), killed if the
/// watcher dies (Linux).
fn isolate(command: &mut Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
        #[cfg(target_os = "linux")]
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
}

/// Passes a SIGINT/SIGTERM the watcher received on to the child.
fn forward(child: &Child, signal: i32) {
    #[cfg(unix)]
    // SAFETY: kill(2) on the child's pid, which is not yet reaped (try_wait saw it running).
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
}

fn kill(child: &mut Child) -> Result<()> {
    // SIGKILL: the learner ignored the cooperative stop, so nothing in it is trusted to run.
    if let Err(e) = child.kill() {
        if e.kind() != std::io::ErrorKind::InvalidInput {
            return Err(Error::msg(format!("cannot stop the training process: {e}")));
        }
    }
    child.wait().context("waiting for the killed training process")?;
    Ok(())
}

/// After the kill: removes a half-written prediction and the `start.txt` timestamp of a
/// prediction whose file never appeared (the child writes the timestamp first), writes `end.txt`
/// when the child did not, and counts the predictions it wrote.
fn close_run(dir: &Path, start_time: f64) -> Result<usize> {
    drop_dangling_timestamps(dir)?;
    let mut count = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("temp_prediction_file_") {
                let _ = std::fs::remove_file(entry.path());
            } else if name.rsplit_once(".predict_").is_some_and(|(_, k)| k.parse::<usize>().is_ok()) {
                count += 1;
            }
        }
    }
    if dir.join(START_FILE).is_file() && !dir.join(END_FILE).is_file() {
        let end = unix_now();
        // The learner did not fail: it was stopped (as an abandoned learner's run, success 1).
        write_end(dir, end - start_time, true, end).map_err(Error::trainer)?;
    }
    Ok(count)
}

/// Rewrites `start.txt` without the `k: time` lines whose `<task>.predict_k` does not exist.
fn drop_dangling_timestamps(dir: &Path) -> Result<()> {
    let path = dir.join(START_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(()) };
    let task = text.lines().find_map(|l| l.strip_prefix("task_name:")).map(str::trim).unwrap_or_default().to_string();
    let dangling = |line: &str| {
        let index = line.split_once(':').and_then(|(k, _)| k.trim().parse::<usize>().ok());
        index.is_some_and(|k| !dir.join(format!("{task}.predict_{k}")).is_file())
    };
    if !text.lines().any(dangling) {
        return Ok(());
    }
    let kept: String = text.lines().filter(|l| !dangling(l)).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, kept).with_context(|| format!("rewriting {}", path.display()))
}

/// `start_time` of `dir/start.txt`, once the child (`pid`) has written it (not an earlier
/// run's file, which the child may not have removed yet).
fn read_start_time(dir: &Path, pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(START_FILE)).ok()?;
    let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)).map(str::trim);
    if field("ingestion_pid:")?.parse::<u32>().ok()? != pid {
        return None;
    }
    field("start_time:")?.parse().ok()
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    status.code().unwrap_or(2)
}

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// The command that reruns this process's command line as the worker.
pub fn worker_command() -> Result<Command> {
    let exe: PathBuf = std::env::current_exe().context("cannot locate the running executable")?;
    let mut command = Command::new(exe);
    command.args(std::env::args_os().skip(1));
    #[cfg(unix)]
    if let Some(arg0) = std::env::args_os().next() {
        use std::os::unix::process::CommandExt;
        // the same argv[0], so any message naming the command names the one the user typed
        command.arg0(arg0);
    }
    Ok(command)
}
