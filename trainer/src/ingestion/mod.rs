//! The ingestion loop of SCORING.md §4 with a hard deadline.
//!
//! The learner runs on its own worker thread and executes one command at a time (`train`
//! or `predict`), so the order is strictly train, test, train, test. The calling thread is
//! the watchdog: it waits for each reply at most until the deadline `start + T`; at the
//! deadline it sets the [`CancelToken`], waits a short grace period, and if the learner still
//! has not returned it abandons the worker thread, writes `end.txt` and returns, so a run
//! ends within a few percent of `T` whatever the learner does. No prediction is recorded
//! after `T` (spec §3 recommendation). An interrupt (Ctrl-C, given as a predicate by the
//! binary) stops the run the same way at once: the predictions recorded so far stay.

pub mod files;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::learner::{CancelToken, Learner, PredictionMatrix};

/// A checked run configuration (see [`IngestionConfig::new`]).
#[derive(Debug, Clone)]
pub struct IngestionConfig {
    task_name: String,
    time_budget: Duration,
    prediction_dir: PathBuf,
    test_rows: usize,
    output_dim: usize,
    grace: Duration,
    interrupted: fn() -> bool,
}

impl IngestionConfig {
    /// `time_budget` in seconds (> 0); `test_rows × output_dim` is the required prediction
    /// shape, from the test metadata (spec §4 step 2). The prediction folder is created if
    /// missing and must not already hold a run.
    pub fn new(
        task_name: impl Into<String>,
        time_budget: f64,
        prediction_dir: impl Into<PathBuf>,
        test_rows: usize,
        output_dim: usize,
    ) -> Result<Self> {
        let task_name = task_name.into();
        if task_name.is_empty() || task_name.contains(['/', '\\']) {
            return Err(Error::Config(format!("invalid task name {task_name:?}")));
        }
        if !(time_budget.is_finite() && time_budget > 0.0) {
            return Err(Error::Config(format!(
                "time budget must be a positive number of seconds, got {time_budget}"
            )));
        }
        if output_dim == 0 {
            return Err(Error::Config("output_dim must be at least 1".into()));
        }
        let time_budget = Duration::from_secs_f64(time_budget);
        Ok(IngestionConfig {
            task_name,
            time_budget,
            prediction_dir: prediction_dir.into(),
            test_rows,
            output_dim,
            grace: default_grace(time_budget),
            interrupted: || false,
        })
    }

    /// A predicate the watchdog polls (every [`INTERRUPT_POLL`]): once it answers true the
    /// learner is cancelled and the run ends with [`StopReason::Interrupted`].
    pub fn with_interrupt(mut self, interrupted: fn() -> bool) -> Self {
        self.interrupted = interrupted;
        self
    }

    /// How long the watchdog waits for a cancelled learner before abandoning it.
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    pub fn task_name(&self) -> &str {
        &self.task_name
    }
    pub fn time_budget(&self) -> Duration {
        self.time_budget
    }
    pub fn prediction_dir(&self) -> &Path {
        &self.prediction_dir
    }
}

/// How often the watchdog looks at the interrupt predicate while the learner works.
pub const INTERRUPT_POLL: Duration = Duration::from_millis(100);

/// 1 % of the budget, at most 10 s: the run then ends by 1.01·T plus the time to write
/// `end.txt`, inside the 2 % the project allows.
fn default_grace(budget: Duration) -> Duration {
    budget.mul_f64(0.01).min(Duration::from_secs(10))
}

/// Why the loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// `train` reported done; the loop ended after the following prediction.
    DoneTraining,
    /// `predict` returned `None`.
    NoPrediction,
    /// The budget was used up between two calls.
    BudgetSpent,
    /// The deadline fell inside a call; the learner returned after cancellation.
    DeadlineCancelled,
    /// The deadline fell inside a call and the learner ignored cancellation for the whole
    /// grace period; its thread was abandoned. Like the original, where the scorer kills
    /// ingestion at T, this is a time-limit stop, not a failure: ingestion_success stays 1.
    LearnerAbandoned,
    /// `train`/`predict` failed, panicked, or returned a bad matrix (ingestion_success: 0).
    Failed,
    /// The interrupt predicate answered true (Ctrl-C / SIGTERM): the learner was cancelled
    /// (and abandoned if it ignored that for the grace period); what was recorded stays.
    Interrupted,
}

/// One prediction written to the folder.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedPrediction {
    pub index: usize,
    pub path: PathBuf,
    /// Unix time written to `start.txt`.
    pub unix_time: f64,
    /// Seconds since `start_time`.
    pub elapsed: f64,
}

/// What happened in a run; the same facts are in `start.txt` / `end.txt`.
#[derive(Debug, Clone)]
pub struct IngestionOutcome {
    pub predictions: Vec<RecordedPrediction>,
    pub success: bool,
    pub stop: StopReason,
    /// The learner error or bad prediction that ended the run.
    pub failure: Option<String>,
    pub start_time: f64,
    pub duration: f64,
    /// The learner's thread was left running (deadline or interrupt): it may still be inside
    /// libtorch, so the process should end with [`exit_without_teardown`].
    pub abandoned: bool,
}

/// Progress notifications, delivered on the calling thread.
#[derive(Debug, Clone)]
pub enum IngestionEvent<'a> {
    Started { task: &'a str, budget: Duration },
    Training { round: usize, elapsed: Duration, remaining: Duration },
    Predicting { round: usize, elapsed: Duration, remaining: Duration },
    Recorded { prediction: &'a RecordedPrediction },
    /// The deadline was reached inside a call: the learner has been told to stop.
    DeadlineReached { phase: Phase },
    /// A prediction returned after the deadline was discarded.
    LatePredictionDropped { elapsed: Duration },
    /// The interrupt predicate answered true: the learner has been told to stop.
    Interrupted { elapsed: Duration },
    Finished { outcome: &'a IngestionOutcome },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Train,
    Predict,
}

enum Command {
    Train(Duration),
    Predict(Duration),
}

/// Why the loop ended, and the failure message when it failed.
struct Halt {
    stop: StopReason,
    failure: Option<String>,
    abandoned: bool,
}

impl Halt {
    fn stop(stop: StopReason) -> Halt {
        Halt { stop, failure: None, abandoned: false }
    }

    fn failed(message: String) -> Halt {
        Halt { stop: StopReason::Failed, failure: Some(message), abandoned: false }
    }
}

enum Reply {
    Trained(Result<bool>),
    Predicted(Result<Option<PredictionMatrix>>),
}

/// Runs the loop of spec §4 from step 4 on: writes the `start.txt` header, then train/test
/// rounds until done, `None`, the deadline, or a failure; writes `end.txt`.
///
/// Returns `Err` only when the prediction folder cannot be prepared or `start.txt`/`end.txt`
/// cannot be written; learner failures are reported in the outcome (`success == false`).
pub fn run_ingestion<L: Learner + 'static>(
    config: &IngestionConfig,
    learner: L,
    mut observe: impl FnMut(&IngestionEvent<'_>),
) -> Result<IngestionOutcome> {
    prepare_prediction_dir(&config.prediction_dir)?;
    let dir = config.prediction_dir.as_path();
    let learner_name = learner.name().to_string();

    let (command_tx, command_rx) = mpsc::channel::<Command>();
    let (reply_tx, reply_rx) = mpsc::channel::<Reply>();
    let cancel = CancelToken::new();
    let worker_cancel = cancel.clone();
    let worker = std::thread::Builder::new()
        .name(format!("learner-{learner_name}"))
        .spawn(move || learner_worker(learner, command_rx, reply_tx, worker_cancel))
        .map_err(|e| Error::learner(&learner_name, format!("cannot start worker thread: {e}")))?;

    // spec §4 step 4: the clock starts after the learner was constructed.
    let start_instant = Instant::now();
    let start_time = unix_now();
    let deadline = start_instant + config.time_budget;
    files::write_start(dir, &config.task_name, config.time_budget.as_secs_f64(), start_time)?;
    observe(&IngestionEvent::Started { task: &config.task_name, budget: config.time_budget });

    let mut predictions = Vec::new();
    let mut round = 0usize;

    // Sends one command and waits for the worker's reply until the deadline; past it, cancels
    // and allows the grace period. `Ok((reply, late))`, or the halt that ends the run.
    let exchange = |command: Command, phase: Phase, observe: &mut dyn FnMut(&IngestionEvent<'_>)| {
        let worker_gone = || Halt::failed(format!("learner {learner_name}: worker thread ended unexpectedly"));
        if command_tx.send(command).is_err() {
            return Err(worker_gone());
        }
        // Waits in slices so that an interrupt is seen within INTERRUPT_POLL.
        let interrupted = loop {
            if (config.interrupted)() {
                break true;
            }
            let wait = deadline.saturating_duration_since(Instant::now());
            if wait.is_zero() {
                break false;
            }
            match reply_rx.recv_timeout(wait.min(INTERRUPT_POLL)) {
                Ok(reply) => return Ok((reply, false)),
                Err(RecvTimeoutError::Disconnected) => return Err(worker_gone()),
                Err(RecvTimeoutError::Timeout) => {}
            }
        };
        cancel.cancel();
        if interrupted {
            observe(&IngestionEvent::Interrupted { elapsed: start_instant.elapsed() });
        } else {
            observe(&IngestionEvent::DeadlineReached { phase });
        }
        match reply_rx.recv_timeout(config.grace) {
            // whatever the learner returns after an interrupt is not recorded
            Ok(_) if interrupted => Err(Halt::stop(StopReason::Interrupted)),
            Ok(reply) => Ok((reply, true)),
            Err(RecvTimeoutError::Timeout) => {
                let stop = if interrupted { StopReason::Interrupted } else { StopReason::LearnerAbandoned };
                Err(Halt { stop, failure: None, abandoned: true })
            }
            Err(RecvTimeoutError::Disconnected) => Err(worker_gone()),
        }
    };

    let halt = loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            break Halt::stop(StopReason::BudgetSpent);
        }
        if (config.interrupted)() {
            observe(&IngestionEvent::Interrupted { elapsed: start_instant.elapsed() });
            break Halt::stop(StopReason::Interrupted);
        }
        observe(&IngestionEvent::Training { round, elapsed: start_instant.elapsed(), remaining });
        let (reply, late) = match exchange(Command::Train(remaining), Phase::Train, &mut observe) {
            Ok(answer) => answer,
            Err(halt) => break halt,
        };
        let done = match reply {
            Reply::Trained(Ok(_)) | Reply::Trained(Err(Error::Cancelled)) if late => {
                break Halt::stop(StopReason::DeadlineCancelled);
            }
            Reply::Trained(Ok(done)) => done,
            Reply::Trained(Err(e)) => break Halt::failed(describe(&learner_name, "train", &e)),
            Reply::Predicted(_) => {
                break Halt::failed(format!("learner {learner_name}: worker answered predict to train"));
            }
        };

        let remaining = deadline.saturating_duration_since(Instant::now());
        observe(&IngestionEvent::Predicting { round, elapsed: start_instant.elapsed(), remaining });
        let (reply, late) = match exchange(Command::Predict(remaining), Phase::Predict, &mut observe) {
            Ok(answer) => answer,
            Err(halt) => break halt,
        };
        let matrix = match reply {
            Reply::Predicted(Ok(None)) => {
                break Halt::stop(if late { StopReason::DeadlineCancelled } else { StopReason::NoPrediction });
            }
            Reply::Predicted(Ok(Some(m))) => m,
            Reply::Predicted(Err(Error::Cancelled)) if late => break Halt::stop(StopReason::DeadlineCancelled),
            Reply::Predicted(Err(e)) => break Halt::failed(describe(&learner_name, "predict", &e)),
            Reply::Trained(_) => {
                break Halt::failed(format!("learner {learner_name}: worker answered train to predict"));
            }
        };

        // spec §3: a prediction made after T is never recorded (checked on both clocks: the
        // monotonic deadline and the unix time that goes into start.txt).
        let unix_time = unix_now();
        let now = Instant::now();
        if late || now > deadline || unix_time - start_time > config.time_budget.as_secs_f64() {
            observe(&IngestionEvent::LatePredictionDropped { elapsed: now - start_instant });
            break Halt::stop(StopReason::DeadlineCancelled);
        }
        // spec §4 step 6.4: a bad shape ends the run as a failure; earlier files stay valid.
        if let Err(e) = matrix.check(config.test_rows, config.output_dim) {
            break Halt::failed(describe(&learner_name, "predict", &e));
        }
        // spec §1.3: the timestamp is appended just before the file is written.
        let index = predictions.len();
        let written = files::append_timestamp(dir, index, unix_time)
            .and_then(|_| files::write_prediction(dir, &config.task_name, index, &matrix));
        let path = match written {
            Ok(path) => path,
            Err(e) => break Halt::failed(e.to_string()),
        };
        predictions.push(RecordedPrediction { index, path, unix_time, elapsed: unix_time - start_time });
        observe(&IngestionEvent::Recorded { prediction: predictions.last().expect("just pushed") });
        round += 1;

        if done {
            break Halt::stop(StopReason::DoneTraining);
        }
        // spec §4 step 6.6 (checked at the top of the loop as well).
        if deadline.saturating_duration_since(Instant::now()).is_zero() {
            break Halt::stop(StopReason::BudgetSpent);
        }
    };
    let Halt { stop, failure, abandoned } = halt;

    // Closing the command channel lets an idle worker return; a busy one is not waited for.
    drop(command_tx);
    if !abandoned {
        cancel.cancel();
        let _ = worker.join();
    }

    let end_time = unix_now();
    let duration = end_time - start_time;
    let success = failure.is_none();
    files::write_end(dir, duration, success, end_time)?;
    let outcome = IngestionOutcome { predictions, success, stop, failure, start_time, duration, abandoned };
    observe(&IngestionEvent::Finished { outcome: &outcome });
    Ok(outcome)
}

/// Ends the process at once with `code`, after flushing stdout and stderr, without running
/// exit handlers. For a command whose run ended with [`StopReason::LearnerAbandoned`]: the
/// abandoned learner thread may still be inside libtorch, and the exit handlers would destroy
/// libtorch's globals under it (a crash after a complete run). Call it once everything is written.
pub fn exit_without_teardown(code: i32) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: _exit only ends the process; no Rust state is used after it.
    unsafe { libc::_exit(code) }
}

fn learner_worker<L: Learner>(
    mut learner: L,
    commands: mpsc::Receiver<Command>,
    replies: mpsc::Sender<Reply>,
    cancel: CancelToken,
) {
    for command in commands {
        let name = learner.name().to_string();
        // A panicking learner becomes a failed run, never a crashed process.
        let reply = match command {
            Command::Train(remaining) => Reply::Trained(
                catch_unwind(AssertUnwindSafe(|| learner.train(remaining, &cancel)))
                    .unwrap_or_else(|p| Err(Error::learner(&name, panic_message(p)))),
            ),
            Command::Predict(remaining) => Reply::Predicted(
                catch_unwind(AssertUnwindSafe(|| learner.predict(remaining, &cancel)))
                    .unwrap_or_else(|p| Err(Error::learner(&name, panic_message(p)))),
            ),
        };
        if replies.send(reply).is_err() {
            break;
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".into());
    format!("panicked: {text}")
}

fn describe(learner: &str, phase: &str, e: &Error) -> String {
    match e {
        Error::Learner { .. } => format!("{phase}: {e}"),
        _ => format!("learner {learner}: {phase}: {e}"),
    }
}

/// Creates the folder; refuses one that already holds a run (`start.txt`, predictions) so
/// two runs never mix.
fn prepare_prediction_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    if let Some(entry) = entries.next() {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        return Err(Error::Config(format!(
            "prediction folder {} is not empty (found {}); use a new output folder",
            dir.display(),
            entry.file_name().to_string_lossy()
        )));
    }
    Ok(())
}

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}
