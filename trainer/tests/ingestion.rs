//! The ingestion loop of SCORING.md §4 driven by scripted learners: call order, files in the
//! original formats, the hard deadline (cooperative and overrunning learners), failures.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trainer::ingestion::files::{format_g, python_float};
use trainer::ingestion::{run_ingestion, IngestionConfig, IngestionOutcome, StopReason};
use trainer::learner::{CancelToken, Learner, PredictionMatrix};
use trainer::{Error, Result};

const ROWS: usize = 4;
const COLS: usize = 3;

/// What a scripted learner does in one call.
#[derive(Clone)]
enum Step {
    /// train: return this done flag
    Train(bool),
    /// predict: return a ROWS × COLS matrix filled with this value
    Predict(f32),
    /// predict: return a matrix of the wrong shape
    PredictShape(usize, usize),
    /// predict: return None (stop)
    PredictNone,
    /// either call: fail
    Fail(&'static str),
    /// either call: panic
    Panic,
    /// either call: sleep this long, ignoring cancellation, then succeed (done = false)
    Overrun(Duration),
    /// either call: loop until cancelled, then return Err(Cancelled)
    UntilCancelled,
    /// predict: wait until cancelled, then return a matrix anyway
    PredictAfterCancel,
}

struct Scripted {
    steps: Vec<Step>,
    next: usize,
    log: Arc<Mutex<Vec<&'static str>>>,
}

impl Scripted {
    fn new(steps: Vec<Step>) -> (Self, Arc<Mutex<Vec<&'static str>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        (Scripted { steps, next: 0, log: log.clone() }, log)
    }

    fn step(&mut self) -> Step {
        // After the script ends: keep training (not done) and predicting 0.5.
        let s = self.steps.get(self.next).cloned();
        self.next += 1;
        s.unwrap_or(Step::Predict(0.5))
    }
}

fn matrix(value: f32) -> PredictionMatrix {
    PredictionMatrix::constant(ROWS, &[value; COLS])
}

impl Learner for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    fn train(&mut self, _remaining: Duration, cancel: &CancelToken) -> Result<bool> {
        self.log.lock().unwrap().push("train");
        match self.step() {
            Step::Train(done) => Ok(done),
            Step::Fail(msg) => Err(Error::learner("scripted", msg)),
            Step::Panic => panic!("scripted panic in train"),
            Step::Overrun(d) => {
                std::thread::sleep(d);
                Ok(false)
            }
            Step::UntilCancelled => loop {
                cancel.check()?;
                std::thread::sleep(Duration::from_millis(2));
            },
            _ => Ok(false),
        }
    }

    fn predict(&mut self, _remaining: Duration, cancel: &CancelToken) -> Result<Option<PredictionMatrix>> {
        self.log.lock().unwrap().push("predict");
        match self.step() {
            Step::Predict(v) => Ok(Some(matrix(v))),
            Step::PredictShape(r, c) => Ok(Some(PredictionMatrix::constant(r, &vec![0.5; c]))),
            Step::PredictNone => Ok(None),
            Step::Fail(msg) => Err(Error::learner("scripted", msg)),
            Step::Panic => panic!("scripted panic in predict"),
            Step::Overrun(d) => {
                std::thread::sleep(d);
                Ok(Some(matrix(0.5)))
            }
            Step::UntilCancelled => loop {
                cancel.check()?;
                std::thread::sleep(Duration::from_millis(2));
            },
            Step::PredictAfterCancel => {
                while !cancel.is_cancelled() {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Ok(Some(matrix(0.9)))
            }
            Step::Train(_) => Ok(Some(matrix(0.5))),
        }
    }
}

fn run(budget: f64, steps: Vec<Step>) -> (tempfile::TempDir, IngestionOutcome, Vec<&'static str>) {
    let dir = tempfile::tempdir().unwrap();
    let config = IngestionConfig::new("task", budget, dir.path().join("pred"), ROWS, COLS).unwrap();
    let (learner, log) = Scripted::new(steps);
    let outcome = run_ingestion(&config, learner, |_| {}).unwrap();
    let log = log.lock().unwrap().clone();
    (dir, outcome, log)
}

fn read(dir: &tempfile::TempDir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join("pred").join(name)).unwrap()
}

fn key_values(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| {
            let (k, v) = l.split_once(": ").expect("`key: value` line");
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn end_fields(dir: &tempfile::TempDir) -> (f64, String, f64) {
    let kv = key_values(&read(dir, "end.txt"));
    let keys: Vec<&str> = kv.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["ingestion_duration", "ingestion_success", "end_time"]);
    (kv[0].1.parse().unwrap(), kv[1].1.clone(), kv[2].1.parse().unwrap())
}

#[test]
fn done_training_ends_after_the_following_prediction_with_original_files() {
    let steps = vec![
        Step::Train(false),
        Step::Predict(0.25),
        Step::Train(false),
        Step::Predict(0.5),
        Step::Train(true),
        Step::Predict(0.75),
    ];
    let (dir, outcome, log) = run(30.0, steps);
    assert_eq!(log, ["train", "predict", "train", "predict", "train", "predict"]);
    assert_eq!(outcome.stop, StopReason::DoneTraining);
    assert!(outcome.success);
    assert_eq!(outcome.predictions.len(), 3);

    let start = key_values(&read(&dir, "start.txt"));
    let keys: Vec<&str> = start.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["ingestion_pid", "task_name", "time_budget", "start_time", "0", "1", "2"]);
    assert_eq!(start[0].1, std::process::id().to_string());
    assert_eq!(start[1].1, "task");
    assert_eq!(start[2].1, "30.0");
    let start_time: f64 = start[3].1.parse().unwrap();
    assert_eq!(start[3].1, python_float(start_time));
    let mut previous = start_time;
    for (k, recorded) in outcome.predictions.iter().enumerate() {
        let t: f64 = start[4 + k].1.parse().unwrap();
        assert_eq!(t, recorded.unix_time);
        assert!(t >= previous, "timestamps must not decrease");
        previous = t;
    }

    for (k, value) in [0.25f32, 0.5, 0.75].iter().enumerate() {
        let text = read(&dir, &format!("task.predict_{k}"));
        let row = vec![format_g(f64::from(*value)); COLS].join(" ");
        assert_eq!(text, format!("{row}\n").repeat(ROWS));
    }
    let (duration, success, end_time) = end_fields(&dir);
    assert_eq!(success, "1");
    assert!((end_time - start_time - duration).abs() < 1e-3);
    let names: Vec<String> = std::fs::read_dir(dir.path().join("pred"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with("temp_prediction_file_")), "{names:?}");
}

#[test]
fn predict_returning_none_stops_without_a_file() {
    let (dir, outcome, log) = run(30.0, vec![Step::Train(false), Step::Predict(0.1), Step::Train(false), Step::PredictNone]);
    assert_eq!(log, ["train", "predict", "train", "predict"]);
    assert_eq!(outcome.stop, StopReason::NoPrediction);
    assert!(outcome.success);
    assert_eq!(outcome.predictions.len(), 1);
    assert!(!dir.path().join("pred/task.predict_1").exists());
}

#[test]
fn a_learner_error_keeps_the_last_prediction_and_marks_failure() {
    let (dir, outcome, _) = run(30.0, vec![Step::Train(false), Step::Predict(0.3), Step::Fail("out of memory")]);
    assert_eq!(outcome.stop, StopReason::Failed);
    assert!(!outcome.success);
    assert!(outcome.failure.as_deref().unwrap().contains("out of memory"), "{:?}", outcome.failure);
    assert_eq!(outcome.predictions.len(), 1);
    assert!(read(&dir, "task.predict_0").starts_with("0.3 0.3 0.3\n"));
    assert_eq!(end_fields(&dir).1, "0");
}

#[test]
fn a_panicking_learner_is_a_failed_run_not_a_crash() {
    let (dir, outcome, _) = run(30.0, vec![Step::Train(false), Step::Predict(0.3), Step::Train(false), Step::Panic]);
    assert!(!outcome.success);
    assert!(outcome.failure.as_deref().unwrap().contains("scripted panic in predict"));
    assert_eq!(outcome.predictions.len(), 1);
    assert_eq!(end_fields(&dir).1, "0");
}

#[test]
fn a_wrong_shape_fails_the_run_and_is_not_written() {
    let (dir, outcome, _) = run(30.0, vec![Step::Train(false), Step::Predict(0.3), Step::Train(false), Step::PredictShape(ROWS, COLS + 1)]);
    assert!(!outcome.success);
    let failure = outcome.failure.unwrap();
    assert!(failure.contains("expected shape (4, 3) but got (4, 4)"), "{failure}");
    assert_eq!(outcome.predictions.len(), 1);
    assert!(!dir.path().join("pred/task.predict_1").exists());
    assert_eq!(key_values(&read(&dir, "start.txt")).len(), 5, "no timestamp for the rejected prediction");
}

/// The run recorded an ingestion duration of T to T + 2 % and took no longer than that
/// (+ 0.1 s) on the wall clock; `context` ends the wall-clock message.
fn assert_ended_on_time(dir: &tempfile::TempDir, budget: f64, wall: f64, context: &str) {
    let (duration, _, _) = end_fields(dir);
    assert!(duration >= budget && duration <= budget * 1.02, "ingestion_duration {duration} for T = {budget}");
    assert!(wall <= budget * 1.02 + 0.1, "run_ingestion took {wall} s{context}");
}

#[test]
fn a_cooperative_learner_is_stopped_at_the_deadline() {
    let budget = 2.0;
    let started = Instant::now();
    let (dir, outcome, _) = run(budget, vec![Step::Train(false), Step::Predict(0.4), Step::UntilCancelled]);
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(outcome.stop, StopReason::DeadlineCancelled);
    assert!(outcome.success, "reaching the budget is not a learner failure");
    assert_eq!(outcome.predictions.len(), 1);
    assert_ended_on_time(&dir, budget, wall, "");
}

#[test]
fn an_overrunning_learner_is_abandoned_and_the_run_still_ends_within_two_percent() {
    let budget = 3.0;
    let started = Instant::now();
    // The second train call sleeps 20 s and never looks at the cancellation token.
    let (dir, outcome, _) = run(budget, vec![Step::Train(false), Step::Predict(0.4), Step::Overrun(Duration::from_secs(20))]);
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(outcome.stop, StopReason::LearnerAbandoned);
    assert_eq!(outcome.predictions.len(), 1);
    assert_ended_on_time(&dir, budget, wall, " while the learner sleeps 20 s");
}

#[test]
fn a_prediction_returned_after_the_deadline_is_not_recorded() {
    let budget = 1.5;
    let (dir, outcome, _) = run(budget, vec![Step::Train(false), Step::Predict(0.4), Step::Train(false), Step::PredictAfterCancel]);
    assert_eq!(outcome.stop, StopReason::DeadlineCancelled);
    assert_eq!(outcome.predictions.len(), 1);
    assert!(outcome.predictions.iter().all(|p| p.elapsed <= budget));
    assert!(!dir.path().join("pred/task.predict_1").exists());
    assert_eq!(key_values(&read(&dir, "start.txt")).len(), 5);
}

#[test]
fn a_slow_prediction_that_crosses_the_deadline_is_dropped() {
    let budget = 1.0;
    // The predict call sleeps past T then returns a matrix: too late to count.
    let (_dir, outcome, _) = run(budget, vec![Step::Train(false), Step::Overrun(Duration::from_millis(1300))]);
    assert!(outcome.predictions.is_empty());
    assert!(matches!(outcome.stop, StopReason::LearnerAbandoned | StopReason::DeadlineCancelled));
}

#[test]
fn a_folder_holding_a_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("pred");
    std::fs::create_dir_all(&pred).unwrap();
    std::fs::write(pred.join("start.txt"), "ingestion_pid: 1\n").unwrap();
    let config = IngestionConfig::new("task", 5.0, &pred, ROWS, COLS).unwrap();
    let (learner, log) = Scripted::new(vec![]);
    let err = run_ingestion(&config, learner, |_| {}).unwrap_err().to_string();
    assert!(err.contains("not empty"), "{err}");
    assert!(log.lock().unwrap().is_empty(), "the learner must not run");
    assert_eq!(std::fs::read_to_string(pred.join("start.txt")).unwrap(), "ingestion_pid: 1\n");
}

#[test]
fn invalid_configurations_are_rejected_up_front() {
    let dir = tempfile::tempdir().unwrap();
    assert!(IngestionConfig::new("task", 0.0, dir.path(), 1, 1).is_err());
    assert!(IngestionConfig::new("task", f64::NAN, dir.path(), 1, 1).is_err());
    assert!(IngestionConfig::new("task", 5.0, dir.path(), 1, 0).is_err());
    assert!(IngestionConfig::new("a/b", 5.0, dir.path(), 1, 1).is_err());
}

/// Raised by the test below: the interrupt predicate must be a plain `fn`.
static INTERRUPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[test]
fn an_interrupt_cancels_the_learner_and_keeps_what_was_recorded() {
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().unwrap();
    let config = IngestionConfig::new("task", 30.0, dir.path().join("pred"), ROWS, COLS)
        .unwrap()
        .with_interrupt(|| INTERRUPT.load(Ordering::SeqCst));
    let (learner, _) = Scripted::new(vec![Step::Train(false), Step::Predict(0.4), Step::UntilCancelled]);
    let started = Instant::now();
    let raiser = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(600));
        INTERRUPT.store(true, Ordering::SeqCst);
    });
    let mut seen = false;
    let outcome = run_ingestion(&config, learner, |e| {
        seen |= matches!(e, trainer::ingestion::IngestionEvent::Interrupted { .. });
    })
    .unwrap();
    raiser.join().unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert_eq!(outcome.stop, StopReason::Interrupted);
    assert!(seen, "no Interrupted event");
    assert!(!outcome.abandoned, "a cooperative learner returns");
    assert_eq!(outcome.predictions.len(), 1, "the prediction made before the interrupt stays");
    assert!(wall < 3.0, "the run took {wall} s after an interrupt at 0.6 s of a 30 s budget");
    let (duration, _, _) = end_fields(&dir);
    assert!(duration < 3.0, "end.txt written with ingestion_duration {duration}");
}
