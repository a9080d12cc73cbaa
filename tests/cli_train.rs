//! `autodl-format train` end to end on the shared miniciao dataset: the ingestion layout it
//! writes, the time budget, scores of the baselines, determinism, device handling, and that
//! the binary runs with an empty environment (libtorch found through its rpath).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use scoring::files::{read_prediction, read_solution};
use scoring::nauc::nauc;

const BIN: &str = env!("CARGO_BIN_EXE_autodl-format");

fn miniciao() -> Option<PathBuf> {
    formats::testing::shared_data_dir().map(|d| d.join("autodl/miniciao"))
}

fn train(dataset: &Path, out: &Path, extra: &[&str]) -> Output {
    let output = Command::new(BIN)
        .arg("train")
        .arg(dataset)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("run autodl-format");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    output
}

fn key_values(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(": ").expect("`key: value` line");
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn value(kv: &[(String, String)], key: &str) -> String {
    kv.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key}")).1.clone()
}

fn prediction_files(dir: &Path, task: &str) -> Vec<PathBuf> {
    let mut k = 0;
    let mut files = Vec::new();
    while dir.join(format!("{task}.predict_{k}")).exists() {
        files.push(dir.join(format!("{task}.predict_{k}")));
        k += 1;
    }
    files
}

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

#[test]
fn baseline1_on_miniciao_learns_within_the_budget() {
    let Some(dataset) = miniciao() else { return };
    let out = tempfile::tempdir().unwrap();
    let budget = 20.0;
    let launched = unix_now();
    let output = train(&dataset, out.path(), &["--time-budget", "20", "--model", "baseline1", "--device", "cpu", "--seed", "3"]);
    assert_eq!(output.status.code(), Some(0));

    let pred = out.path().join("predictions");
    let start = key_values(&pred.join("start.txt"));
    assert_eq!(value(&start, "task_name"), "miniciao");
    assert_eq!(value(&start, "time_budget"), "20.0");
    let end = key_values(&pred.join("end.txt"));
    assert_eq!(value(&end, "ingestion_success"), "1");
    let duration: f64 = value(&end, "ingestion_duration").parse().unwrap();
    let end_time: f64 = value(&end, "end_time").parse().unwrap();
    assert!(duration <= budget * 1.02, "ingestion took {duration} s for a {budget} s budget");
    // Process start, dataset opening and model construction are not charged (SCORING.md §4
    // step 3) but must stay small.
    assert!(end_time - launched <= budget * 1.02 + 2.0, "run ended {} s after launch", end_time - launched);

    let solution = read_solution(&dataset).unwrap();
    let files = prediction_files(&pred, "miniciao");
    assert!(files.len() >= 2, "only {} predictions", files.len());
    let start_time: f64 = value(&start, "start_time").parse().unwrap();
    for (k, file) in files.iter().enumerate() {
        // Shape 18 × 10 and finite values, as the scorer requires.
        read_prediction(file, solution.matrix.rows, solution.matrix.cols).unwrap();
        let t: f64 = value(&start, &k.to_string()).parse().unwrap();
        assert!(t - start_time <= budget, "prediction {k} recorded after the budget");
    }
    let last = read_prediction(files.last().unwrap(), solution.matrix.rows, solution.matrix.cols).unwrap();
    let score = nauc(&solution.matrix, &last);
    assert!(score.nauc > 0.0, "last NAUC {}", score.nauc);

    let scores = std::fs::read_to_string(out.path().join("scores/scores.txt")).unwrap();
    assert!(scores.starts_with("score: "), "{scores}");
    assert!(out.path().join("scores/learning-curve-miniciao.png").is_file());
}

#[test]
fn baseline0_scores_nauc_zero() {
    let Some(dataset) = miniciao() else { return };
    let out = tempfile::tempdir().unwrap();
    let output = train(&dataset, out.path(), &["--time-budget", "10", "--model", "baseline0", "--device", "cpu"]);
    assert_eq!(output.status.code(), Some(0));
    let pred = out.path().join("predictions");
    let files = prediction_files(&pred, "miniciao");
    assert_eq!(files.len(), 1, "baseline0 is done after one prediction");
    let solution = read_solution(&dataset).unwrap();
    let p = read_prediction(&files[0], solution.matrix.rows, solution.matrix.cols).unwrap();
    assert_eq!(nauc(&solution.matrix, &p).nauc, 0.0);
    let scores = std::fs::read_to_string(out.path().join("scores/scores.txt")).unwrap();
    let alc: f64 = scores.lines().next().unwrap().trim_start_matches("score: ").parse().unwrap();
    assert_eq!(alc, 0.0);
}

#[test]
fn same_seed_gives_the_same_predictions() {
    let Some(dataset) = miniciao() else { return };
    let run = |seed: &str| {
        let out = tempfile::tempdir().unwrap();
        let output = train(&dataset, out.path(), &["--time-budget", "20", "--model", "baseline1", "--device", "cpu", "--seed", seed, "--no-score"]);
        assert_eq!(output.status.code(), Some(0));
        assert!(!out.path().join("scores").exists(), "--no-score must not score");
        let files = prediction_files(&out.path().join("predictions"), "miniciao");
        // Rounds 0–2 (1, 2, 4 epochs) are never cut by the clock, so they compare exactly.
        files.iter().take(3).map(|f| std::fs::read_to_string(f).unwrap()).collect::<Vec<_>>()
    };
    let a = run("5");
    let b = run("5");
    let c = run("6");
    assert_eq!(a.len(), 3);
    assert_eq!(a, b);
    assert_ne!(a[0], c[0], "a different seed should change the initial weights");
}

#[test]
fn the_binary_runs_with_an_empty_environment() {
    let Some(dataset) = miniciao() else { return };
    let out = tempfile::tempdir().unwrap();
    // No LD_LIBRARY_PATH, no LIBTORCH: libtorch must be found through the binary's rpath.
    let output = Command::new(BIN)
        .env_clear()
        .arg("train")
        .arg(&dataset)
        .arg("--out")
        .arg(out.path())
        .args(["--time-budget", "5", "--model", "baseline0", "--device", "cpu", "--no-score"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(out.path().join("predictions/miniciao.predict_0").is_file());
}

#[test]
fn cuda_without_a_gpu_is_a_clear_error_and_auto_falls_back() {
    let Some(dataset) = miniciao() else { return };
    let out = tempfile::tempdir().unwrap();
    let output = train(&dataset, &out.path().join("cuda"), &["--time-budget", "5", "--model", "baseline0", "--device", "cuda", "--no-score"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() != Some(0) {
        assert_eq!(output.status.code(), Some(2));
        assert!(stderr.contains("device:") && stderr.contains("CUDA"), "{stderr}");
        assert!(!out.path().join("cuda/predictions").exists(), "nothing is written when the device is unusable");

        let output = train(&dataset, &out.path().join("auto"), &["--time-budget", "5", "--model", "baseline0", "--device", "auto", "--no-score"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0));
        // The normal case on a CPU machine: one calm line, the loader's reason only with -v.
        assert!(stderr.contains("device: CPU (no CUDA GPU found)"), "{stderr}");
        assert!(!stderr.contains("libtorch_cuda"), "{stderr}");
        let output = train(&dataset, &out.path().join("auto-v"), &["--time-budget", "2", "--model", "baseline0", "--device", "auto", "--no-score", "-v"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("device: CUDA not used: cannot load libtorch_cuda.so"), "{stderr}");
    }
}

#[test]
fn an_output_folder_holding_a_run_is_refused() {
    let Some(dataset) = miniciao() else { return };
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(out.path().join("predictions")).unwrap();
    std::fs::write(out.path().join("predictions/start.txt"), "x").unwrap();
    let output = train(&dataset, out.path(), &["--time-budget", "5", "--model", "baseline0", "--no-score"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not empty"));
    assert_eq!(std::fs::read_to_string(out.path().join("predictions/start.txt")).unwrap(), "x");
}
