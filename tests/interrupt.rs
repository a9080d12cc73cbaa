//! Interrupt safety of `convert` (issue 9): SIGINT or SIGTERM sent to a conversion that is
//! writing records leaves nothing in the output's parent folder, neither a dataset (the writer
//! works in a temporary folder renamed only at the end) nor the temporary folder (the signal
//! stops the conversion loop, which removes it on the way out); the exit status is
//! 128 + the signal number, and a rerun of the same command succeeds.
//!
//! The conversion is made slow enough to be caught mid-way by many generated images in dense
//! mode (every image decoded and resized); the signal is sent once the temporary folder holds
//! records.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use converters_image::fixtures;

const IMAGES: u32 = 1200;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_autodl-format"))
}

fn convert_command(input: &Path, out: &Path) -> Command {
    let mut c = bin();
    c.arg("convert")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(["--name", "slow", "--quiet", "--format", "dense", "--size", "96x96", "--verify"]);
    c
}

/// The writer's temporary folders next to `out` (`.<out name>.tmp-<pid>-<n>`).
fn temp_dirs(out: &Path) -> Vec<PathBuf> {
    let prefix = format!(".{}.tmp-", out.file_name().unwrap().to_string_lossy());
    let Ok(entries) = fs::read_dir(out.parent().unwrap()) else { return Vec::new() };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

/// Bytes of record files written so far under `dir`.
fn record_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("sample-")) {
                total += e.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    total
}

fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().expect("run kill");
    assert!(status.success(), "kill -{signal} failed");
}

/// Starts the conversion, waits until records are being written, sends `signal`, and checks
/// what is left; then reruns the same command.
fn interrupt_then_rerun(signal: &str, exit_code: i32) {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("raw");
    for i in 0..IMAGES {
        let class = ["ant", "bee", "cow"][(i % 3) as usize];
        let path = input.join(class).join(format!("{i:05}.jpg"));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, fixtures::jpeg(160, 120, i)).unwrap();
    }
    let out = tmp.path().join("out").join("slow");

    let mut child = convert_command(&input, &out).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    let writing = loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the conversion ended ({status}) before it could be interrupted: raise IMAGES");
        }
        if temp_dirs(&out).iter().any(|d| record_bytes(d) > 0) {
            break true;
        }
        if started.elapsed() > Duration::from_secs(120) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(writing, "no record written within 120 s");
    kill(&child, signal);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(exit_code), "exit status after SIG{signal}: {}\n{stderr}", output.status);
    assert!(stderr.contains(&format!("interrupted by SIG{signal}")), "{stderr}");

    // Nothing is left: no partial dataset, no temporary folder.
    assert!(!out.exists(), "a partial dataset was left at {} after {signal}", out.display());
    let parent_entries: Vec<String> =
        fs::read_dir(out.parent().unwrap()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert!(parent_entries.is_empty(), "the output's parent must be empty after SIG{signal}: {parent_entries:?}");

    // A rerun succeeds and produces a valid dataset.
    let rerun = convert_command(&input, &out).output().unwrap();
    assert_eq!(rerun.status.code(), Some(0), "rerun failed: {}", String::from_utf8_lossy(&rerun.stderr));
    assert!(temp_dirs(&out).is_empty(), "temporary folders left after the rerun: {:?}", temp_dirs(&out));
    let reader = formats::dataset::DatasetReader::open(&out).unwrap();
    let records: usize = reader.subsets().iter().map(|&s| reader.examples(s).unwrap().count()).sum();
    assert_eq!(records, IMAGES as usize);
    let v = bin().args(["validate", "--quiet"]).arg(&out).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stdout));
}

#[test]
fn sigint_leaves_no_partial_dataset_and_rerun_succeeds() {
    interrupt_then_rerun("INT", 130);
}

#[test]
fn sigterm_leaves_no_partial_dataset_and_rerun_succeeds() {
    interrupt_then_rerun("TERM", 143);
}
