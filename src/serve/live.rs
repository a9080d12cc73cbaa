//! A run's progress read from the files `rate` writes as it goes: the phase lines of its log,
//! and the ingestion folder (`start.txt` timestamps, `<task>.predict_<k>`), scored here against
//! the dataset's solution as each prediction appears. Sent to the run page as server-sent
//! events, one each time something changed.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use scoring::files::{prediction_indices, prediction_path, read_prediction, read_solution, read_start};
use scoring::{AlcVariant, CurvePoint, Matrix};
use serde::Serialize;

use super::db::{Db, Run, RunState};
use super::jobs::{dataset_dir, run_dir, LOG, RATED};
use super::options::RunOptions;

/// One point of the live learning curve.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Point {
    pub index: usize,
    /// Seconds since the budget started.
    pub time: f64,
    pub nauc: f64,
}

/// What the run page shows while the run trains (and after).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Progress {
    pub state: RunState,
    /// `rate`'s phase lines, in order ("converting …", "validating", …).
    pub phases: Vec<String>,
    pub points: Vec<Point>,
    pub time_budget: f64,
    /// ALC of the points so far (the final one is `alc`, from scores.txt).
    pub live_alc: Option<f64>,
    pub alc: Option<f64>,
    pub error: Option<String>,
}

/// What is kept per run between two looks: the solution and the NAUC of each prediction.
#[derive(Default)]
struct Scored {
    solution: Option<(String, Matrix)>,
    nauc: BTreeMap<usize, f64>,
}

/// Per-run caches, shared by every page that watches a run.
#[derive(Default)]
pub struct Live {
    runs: Mutex<HashMap<i64, Scored>>,
}

impl Live {
    /// The progress of `run` now.
    pub fn progress(&self, runs_dir: &Path, run: &Run) -> Progress {
        let dir = run_dir(runs_dir, run.id);
        let out = dir.join(RATED);
        let options = RunOptions::from_json(&run.options);
        // paths inside the run folder are shown relative to it (the server's layout stays private)
        let prefix = format!("{}/", dir.display());
        let phases = read_phases(&dir.join(LOG)).into_iter().map(|p| p.replace(&prefix, "")).collect();
        let points = {
            let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
            let scored = runs.entry(run.id).or_default();
            score_points(&out.join("predictions"), &dataset_dir(&out, Path::new(&run.input)), scored)
        };
        let live_alc = (!points.is_empty()).then(|| {
            let curve: Vec<CurvePoint> = points.iter().map(|p| CurvePoint { time: p.time, score: p.nauc }).collect();
            scoring::alc(&curve, options.time_budget, AlcVariant::ClipAtBudget)
        });
        Progress {
            state: run.state,
            phases,
            points,
            time_budget: options.time_budget,
            live_alc,
            alc: run.alc,
            error: run.error.clone(),
        }
    }

    /// Forgets a finished run's cache (its page reads the report from then on).
    pub fn forget(&self, id: i64) {
        self.runs.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }
}

/// The `[rate k/5 | t s] what` lines of the log, as "what (t s)".
pub fn read_phases(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.strip_prefix("[rate "))
        .filter_map(|l| {
            let (head, what) = l.split_once("] ")?;
            let time = head.split('|').nth(1).map(str::trim).unwrap_or("");
            Some(format!("{what} ({time})"))
        })
        .collect()
}

/// The predictions written so far with their time and NAUC (new ones scored, old ones cached).
/// A file still being written fails to parse and is tried again on the next look.
fn score_points(predictions: &Path, dataset: &Path, scored: &mut Scored) -> Vec<Point> {
    if scored.solution.is_none() {
        if let Ok(sol) = read_solution(dataset) {
            scored.solution = Some((sol.task, sol.matrix));
        }
    }
    let Some((task, solution)) = &scored.solution else { return Vec::new() };
    let Ok(start) = read_start(predictions) else { return Vec::new() };
    let times = start.relative_timestamps();
    let Ok(indices) = prediction_indices(predictions, task) else { return Vec::new() };
    let mut points = Vec::new();
    for k in indices {
        let Some(&time) = times.get(k) else { break };
        let nauc = match scored.nauc.get(&k) {
            Some(n) => *n,
            None => match read_prediction(&prediction_path(predictions, task, k), solution.rows, solution.cols) {
                Ok(pred) => {
                    let n = scoring::nauc(solution, &pred).nauc;
                    scored.nauc.insert(k, n);
                    n
                }
                Err(_) => break,
            },
        };
        points.push(Point { index: k, time, nauc });
    }
    points
}

/// The event stream of run `id`: a `progress` event (JSON [`Progress`]) whenever it changes,
/// looked at every 0.15 s (the files are small; new predictions are scored once); the stream ends after the run's final state was sent.
pub fn events(
    db: Arc<Db>,
    live: Arc<Live>,
    runs_dir: PathBuf,
    id: i64,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    struct Watch {
        db: Arc<Db>,
        live: Arc<Live>,
        runs_dir: PathBuf,
        id: i64,
        last: Option<String>,
        done: bool,
    }
    let watch = Watch { db, live, runs_dir, id, last: None, done: false };
    let stream = futures_util::stream::unfold(watch, |mut w| async move {
        if w.done {
            return None;
        }
        loop {
            let (db, live, runs_dir, id) = (w.db.clone(), w.live.clone(), w.runs_dir.clone(), w.id);
            let progress = tokio::task::spawn_blocking(move || {
                let run = db.get(id).ok().flatten()?;
                Some(live.progress(&runs_dir, &run))
            })
            .await
            .ok()
            .flatten();
            let progress = progress?;
            let terminal = progress.state.is_terminal();
            let json = serde_json::to_string(&progress).unwrap_or_default();
            if w.last.as_deref() != Some(json.as_str()) {
                if terminal {
                    w.live.forget(w.id);
                }
                w.last = Some(json.clone());
                w.done = terminal;
                return Some((Ok(Event::default().event("progress").data(json)), w));
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_come_from_the_log() {
        let (_d, log) = crate::serve::scratch::scratch("rate.log", Some("[rate 1/5 |    0.0 s] converting x (raw input)\n    note\n[rate 2/5 |    1.5 s] validating\n"));
        assert_eq!(read_phases(&log), vec!["converting x (raw input) (0.0 s)", "validating (1.5 s)"]);
    }
}
