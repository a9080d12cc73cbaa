//! The hard stop of a training run: a child that ignores its deadline is killed within the
//! grace, its predictions stay and the run is scored; a child that ends by itself, or that has
//! closed its ingestion and is still working, is left alone.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use pipeline_train::supervise::{supervise, Supervised};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scoring/multiclass")
}

fn never() -> Option<i32> {
    None
}

/// A child that starts an ingestion of `multiclass` with the given budget, records prediction 0
/// (the fixture's), then runs `then` (its pid is the one `start.txt` names: `exec` keeps it).
fn child(dir: &Path, budget: f64, then: &str) -> Command {
    let script = format!(
        "now=$(date +%s.%N); printf 'ingestion_pid: %s\\ntask_name: multiclass\\ntime_budget: {budget}\\nstart_time: %s\\n' $$ \"$now\" > start.txt; \
         cp '{}' multiclass.predict_0; printf '0: %s\\n' \"$now\" >> start.txt; {then}",
        fixture().join("res/multiclass.predict_0").display()
    );
    let mut command = Command::new("sh");
    command.arg("-c").arg(script).current_dir(dir);
    command
}

#[test]
fn a_child_that_ignores_its_deadline_is_killed_within_the_grace_and_its_run_is_scored() {
    let d = tempfile::tempdir().unwrap();
    let predictions = d.path().join("predictions");
    std::fs::create_dir_all(&predictions).unwrap();
    let (budget, grace) = (1.0, Duration::from_millis(500));
    let started = Instant::now();
    // killed while writing prediction 1: its timestamp is in start.txt, its file is not there
    let then = "printf '1: %s\\n' \"$now\" >> start.txt; exec sleep 600";
    let result = supervise(child(&predictions, budget, then), &predictions, budget, grace, never).unwrap();
    let took = started.elapsed().as_secs_f64();
    let Supervised::Killed(killed) = result else { panic!("not killed: {result:?}") };
    assert_eq!(killed.predictions, 1);
    assert!(!killed.interrupted);
    // budget + grace, and the polling and start-up slack of a loaded machine
    assert!(killed.after >= budget + 0.5 && killed.after < budget + 0.5 + 1.5, "killed {:.2} s after the start", killed.after);
    assert!(took < 10.0, "took {took:.1} s");
    let end = std::fs::read_to_string(predictions.join("end.txt")).unwrap();
    assert!(end.contains("ingestion_success: 1"), "{end}");
    let report = scoring::score_run(&fixture().join("multiclass"), &predictions, &d.path().join("scores"), &Default::default()).unwrap();
    assert_eq!(report.predictions.len(), 1);
    assert!(report.alc.is_finite());
}

#[test]
fn a_child_that_ends_by_itself_keeps_its_exit_status() {
    let d = tempfile::tempdir().unwrap();
    let result = supervise(child(d.path(), 30.0, "exit 3"), d.path(), 30.0, Duration::from_secs(1), never).unwrap();
    assert!(matches!(result, Supervised::Exited(3)), "{result:?}");
    assert!(!d.path().join("end.txt").exists(), "the watcher closes only a run it killed");
}

#[test]
fn a_child_whose_ingestion_closed_is_not_killed_while_it_scores() {
    let d = tempfile::tempdir().unwrap();
    let then = "printf 'ingestion_duration: 0.1\\ningestion_success: 1\\nend_time: 0\\n' > end.txt; sleep 2; exit 0";
    let result = supervise(child(d.path(), 0.2, then), d.path(), 0.2, Duration::from_millis(200), never).unwrap();
    assert!(matches!(result, Supervised::Exited(0)), "{result:?}");
}

#[test]
fn an_earlier_runs_start_file_does_not_start_the_clock() {
    let d = tempfile::tempdir().unwrap();
    // start.txt of another process, long ago: the watcher waits for the child's own
    std::fs::write(d.path().join("start.txt"), "ingestion_pid: 1\ntask_name: multiclass\ntime_budget: 0.1\nstart_time: 1000.0\n").unwrap();
    let mut command = Command::new("sh");
    command.arg("-c").arg("sleep 1; exit 0");
    let result = supervise(command, d.path(), 0.1, Duration::from_millis(100), never).unwrap();
    assert!(matches!(result, Supervised::Exited(0)), "{result:?}");
}

#[test]
fn a_killed_train_run_is_scored_on_the_predictions_it_wrote() {
    use pipeline::options::{Device, LearnerOptions, TrainOptions};
    use pipeline_train::leftovers::Leftovers;
    use pipeline_train::supervise::Killed;
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("run");
    let predictions = out.join("predictions");
    std::fs::create_dir_all(&predictions).unwrap();
    for f in ["start.txt", "end.txt", "multiclass.predict_0", "multiclass.predict_1", "multiclass.predict_2"] {
        std::fs::copy(fixture().join("res").join(f), predictions.join(f)).unwrap();
    }
    let options = TrainOptions {
        dataset: fixture().join("multiclass"),
        out: out.clone(),
        time_budget: 300.0,
        force: false,
        keep: false,
        learner: LearnerOptions { device: Device::Cpu, seed: 1, ..LearnerOptions::default() },
        score: true,
    };
    let killed = Killed { after: 306.0, predictions: 3, interrupted: false, grace: 6.0 };
    let debris = Leftovers::new(&out, true, pipeline_train::train::TRAIN_ENTRIES, false);
    let mut scored = 0;
    let run = pipeline_train::train::train_killed(&options, &killed, debris, &mut |e| {
        if let pipeline_train::session::Event::Scored { report, .. } = e {
            scored = report.predictions.len();
        }
        if let pipeline_train::session::Event::ScoringFailed { error, .. } = e {
            eprintln!("scoring failed: {error}");
        }
    });
    assert_eq!((run.code, run.predictions, scored), (0, 3, 3), "{run:?}");
    assert!(out.join("scores/scores.txt").is_file() && predictions.join("multiclass.predict_1").is_file());
    assert!(killed.describe().contains("killed at 306.0 s; 3 prediction(s) kept"), "{}", killed.describe());
}
