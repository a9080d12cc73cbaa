//! The Slurm recipe of docs/SCALE_OUT.md run for real (issue 23): a one-node Slurm cluster
//! (slurmctld + slurmd + munged, `scripts/slurm-setup.sh`, all state in a temporary folder,
//! stopped at the end even when the test fails), the documented `sbatch --array` script and
//! submission block run as written (paths, shard count, CPUs and memory scaled down), one array
//! task's first attempt dying half-way through its records and requeued by `scontrol requeue`
//! (Slurm runs it again), the dependent merge job; the merged dataset must equal `convert`'s byte for byte. Also: the Kubernetes Indexed
//! Job manifest of the doc is checked (YAML, Indexed, no `--shard`: the index comes from
//! `JOB_COMPLETION_INDEX`).
//!
//! Needs root and Debian's `slurm-wlm` and `munge`: installed under CI=true when missing,
//! else the Slurm test is skipped with a message.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use converters_image::fixtures;

#[path = "support/recipes.rs"]
#[allow(dead_code)] // each test file uses part of it
mod recipes;
use recipes::*;

fn setup_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-setup.sh")
}

/// A running one-node cluster; stopped on drop (also when the test panics).
struct Cluster {
    state: PathBuf,
    conf: String,
}

impl Cluster {
    /// `None` (skip) when Slurm cannot be had outside CI; under CI=true that is a failure.
    fn start(state: &Path) -> Option<Cluster> {
        let o = Command::new("bash").arg(setup_script()).arg("start").arg(state).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        match o.status.code() {
            Some(0) => {}
            Some(3) if std::env::var("CI").map_or(true, |v| v != "true") => {
                eprintln!("skipping the Slurm test: {}", err.trim());
                return None;
            }
            other => panic!("slurm-setup.sh start failed ({other:?}): {err}"),
        }
        let out = String::from_utf8_lossy(&o.stdout);
        let conf = out.trim().strip_prefix("export SLURM_CONF=").expect("setup prints SLURM_CONF").to_string();
        Some(Cluster { state: state.to_path_buf(), conf })
    }

    fn logs(&self) -> String {
        ["slurmctld.log", "slurmd.log"]
            .iter()
            .map(|f| {
                let text = fs::read_to_string(self.state.join(f)).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                format!("--- {f} (last lines)\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until the queue is empty (every job finished one way or the other).
    fn wait_idle(&self, limit: Duration) {
        let t0 = Instant::now();
        loop {
            let o = Command::new("squeue").args(["-h", "-o", "%i %T %r"]).env("SLURM_CONF", &self.conf).output().unwrap();
            let q = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if o.status.success() && q.is_empty() {
                return;
            }
            assert!(t0.elapsed() < limit, "jobs still queued after {limit:?}:\n{q}\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg(setup_script()).arg("stop").arg(&self.state).status();
    }
}

/// The job's `Key=Value` fields from `scontrol show job`.
fn job_field(conf: &str, job: &str, key: &str) -> String {
    let o = Command::new("scontrol").args(["show", "job", job]).env("SLURM_CONF", conf).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    text.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in scontrol show job {job}: {text}"))
        .to_string()
}

#[test]
fn documented_slurm_array_with_a_requeued_task_and_dependent_merge_gives_the_convert_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let Some(cluster) = Cluster::start(&work.join("slurm-state")) else { return };
    let shared = work.join("shared");
    let raw = shared.join("raw/flowers");
    fixtures::class_folders(&raw, &["rose", "tulip", "iris"], 14, 120, 96, true, false).unwrap();
    convert(&raw, &work.join("single"));

    fs::create_dir_all(shared.join("plans")).unwrap();
    let root = format!("{}/", shared.display());
    let sbatch = substitute(
        &doc_block("## Slurm job array", 0),
        &[("/shared/", &root), ("--cpus-per-task=8", "--cpus-per-task=1"), ("--mem=8G", "--mem=100M")],
    );
    fs::write(work.join("convert-shards.sbatch"), sbatch).unwrap();
    let submit = substitute(&doc_block("## Slurm job array", 1), &[("/shared/", &root), ("--shards 64", "--shards 4"), ("--array=0-63", "--array=0-3")]);
    // Shard 1's first attempt dies half-way (file-size limit); the stand-in then requeues it.
    let requeue = "scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"";
    let wrap = stand_in(&work.join("bin"), &shared.join("shards/flowers"), 1, requeue);
    let o = bash(&submit, work, &[("PATH", &path_with(&wrap)), ("SLURM_CONF", &cluster.conf)]);
    assert!(o.status.success(), "submission failed: {}\n{}", String::from_utf8_lossy(&o.stderr), cluster.logs());
    cluster.wait_idle(Duration::from_secs(300));

    let job_logs = || -> String {
        let mut out = String::new();
        for e in fs::read_dir(work).unwrap().flatten() {
            if e.file_name().to_string_lossy().starts_with("slurm-") {
                out += &format!("--- {}\n{}\n", e.file_name().to_string_lossy(), fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
        out
    };
    let log = fs::read_to_string(wrap.join("attempts.log")).unwrap_or_default();
    let merged = shared.join("datasets/flowers");
    assert!(merged.is_dir(), "no merged dataset; attempts:\n{log}\njob logs:\n{}\n{}", job_logs(), cluster.logs());
    assert_same_dataset(&work.join("single"), &merged);

    // The requeue happened while shard 1 was half-written, and Slurm ran it again.
    assert_eq!(
        fs::read_to_string(wrap.join("victim.state")).unwrap().trim(),
        "midway",
        "{}",
        fs::read_to_string(wrap.join("victim.files")).unwrap_or_default()
    );
    assert!(log.contains("shard=1 restart=0") && log.contains("shard=1 restart=1"), "{log}");
    let array_job = log.lines().count(); // 4 tasks + 1 rerun
    assert_eq!(array_job, 5, "{log}");
    assert_eq!(job_field(&cluster.conf, "1_1", "Restarts"), "1");
    assert_eq!(job_field(&cluster.conf, "1_1", "JobState"), "COMPLETED");
    assert_eq!(temporaries(&shared.join("shards/flowers")), Vec::<String>::new());
}

#[test]
fn documented_kubernetes_indexed_job_parses_and_takes_the_index_from_the_pod() {
    let yaml = doc_block("## Kubernetes Indexed Job (container command)", 0);
    // Structure, with or without a YAML library: the fields an Indexed Job needs.
    for needle in ["apiVersion: batch/v1", "kind: Job", "completionMode: Indexed", "completions: 64", "restartPolicy: Never"] {
        assert!(yaml.lines().any(|l| l.trim_start().starts_with(needle)), "{needle:?} missing:\n{yaml}");
    }
    for (n, line) in yaml.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        assert!(!line.contains('\t') && indent % 2 == 0, "line {}: bad indentation: {line:?}", n + 1);
    }
    // No explicit shard: `convert --plan` reads JOB_COMPLETION_INDEX (set in each pod).
    let command = yaml.lines().skip_while(|l| !l.contains("command:")).take_while(|l| !l.contains("volumeMounts")).collect::<String>();
    assert!(command.contains("\"convert\"") && command.contains("\"--plan\"") && !command.contains("--shard"), "{command}");
    assert!(yaml.contains("JOB_COMPLETION_INDEX"), "the manifest should say where the index comes from");
    let o = Command::new(real_bin()).args(["convert", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("JOB_COMPLETION_INDEX"), "convert --help should name JOB_COMPLETION_INDEX");

    // A real YAML parse where PyYAML is at hand (Debian python3-yaml).
    let check = "import sys, yaml\nd = yaml.safe_load(sys.stdin)\n\
        assert d['kind'] == 'Job' and d['spec']['completionMode'] == 'Indexed', d\n\
        c = d['spec']['template']['spec']['containers'][0]['command']\n\
        assert c[:2] == ['autodl-format', 'convert'] and '--plan' in c and '--shard' not in c, c\n\
        assert d['spec']['completions'] == 64 and d['spec']['template']['spec']['restartPolicy'] == 'Never'\nprint('ok')";
    match Command::new("python3").args(["-c", "import yaml"]).status() {
        Ok(s) if s.success() => {
            use std::io::Write;
            let mut p = Command::new("python3")
                .args(["-c", check])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            p.stdin.take().unwrap().write_all(yaml.as_bytes()).unwrap();
            let o = p.wait_with_output().unwrap();
            assert!(o.status.success(), "YAML check failed: {}", String::from_utf8_lossy(&o.stderr));
        }
        _ => eprintln!("python3 yaml missing: YAML checked structurally only"),
    }
}
