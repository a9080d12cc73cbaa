//! The bad-input corpus (issue 9): hostile or broken inputs for every reader of the tool, run
//! through the real binary. One row of [`CASES`] per input: how it is built, the command, and
//! the expected outcome. For every row the test checks the exit status, that the message (or
//! the skip report, or the validator's JSON) names the offending file, that a refused
//! conversion leaves nothing in the output folder (no dataset, no temporary folder), that an
//! accepted one is a dataset `validate` accepts, and that the input was not modified.
//!
//! Inputs are generated here (small images from `converters_image::fixtures`, tables, text,
//! TFRecord datasets from `formats`) by `bad_inputs/builders.rs`; nothing else is committed.
//!
//! Add a case: append a [`Case`] to `bad_inputs/cases.rs` with a builder `fn(&Path) -> Setup`
//! that writes the input under the given folder and says which command to run and which file
//! the message must name.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/media.rs"]
mod support;

#[path = "support/datasets.rs"]
mod datasets;

/// What a case must produce.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// `convert` refuses the whole input: exit 2, the message names the file and holds
    /// `reason`; the output folder's parent stays empty.
    Refused { reason: &'static str },
    /// `convert` succeeds under the default policy (skip) and the skip report lists the file
    /// with `reason`; the dataset passes `validate --deep`.
    Skipped { reason: &'static str },
    /// `convert` succeeds and skips nothing; the dataset passes `validate --deep`, holds `records`
    /// records; `stderr` (when not empty) appears on stderr and names the file.
    Converted { records: u64, stderr: &'static str },
    /// `validate --json` exits 1 with a finding `code` located in the file.
    Finding { code: &'static str },
    /// As `Finding`, and the finding's message holds `message`.
    FindingSaying { code: &'static str, message: &'static str },
}

/// A built input: the arguments after the binary name, and a fragment of the path the
/// message must name.
struct Setup {
    args: Vec<OsString>,
    names: String,
}

struct Case {
    name: &'static str,
    build: fn(&Path) -> Setup,
    expect: Expect,
}


#[path = "bad_inputs/builders.rs"]
mod builders;
#[path = "bad_inputs/cases.rs"]
mod cases;
use builders::{black_rgb8_png, deep_frame_case, input, output};
use cases::{CASES, MEDIA_CASES, SHARED_CASES};

// ---------------------------------------------------------------------------------------------
// The runner

fn run(args: &[OsString]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autodl-format"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run autodl-format")
}

/// Every file below `dir` with its bytes (symbolic links as their target text), to prove
/// the input was not modified.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let ft = e.file_type().unwrap();
            if ft.is_symlink() {
                out.insert(p.clone(), fs::read_link(&p).unwrap().into_os_string().into_vec());
            } else if ft.is_dir() {
                stack.push(p);
            } else if !ft.is_file() {
                // A FIFO or device: reading it would block or never end.
                out.insert(p.clone(), format!("special: {ft:?}").into_bytes());
            } else {
                out.insert(p.clone(), fs::read(&p).unwrap_or_else(|e| format!("unreadable: {e}").into_bytes()));
            }
        }
    }
    out
}

/// Root reads files whatever their mode bits: the unreadable-permission case then expects a
/// normal conversion (the file is read), which is what applies on such a machine.
fn effective_expect(case: &Case, dir: &Path) -> Expect {
    if case.name == "unreadable_image_permissions" {
        let readable = fs::File::open(input(dir).join("cat/locked.jpg")).is_ok();
        if readable {
            return Expect::Converted { records: 13, stderr: "" };
        }
    }
    case.expect
}

fn entries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

fn records_in(dataset: &Path) -> u64 {
    let reader = formats::dataset::DatasetReader::open(dataset).expect("converted dataset opens");
    reader.subsets().iter().map(|&s| reader.examples(s).unwrap().count() as u64).sum()
}

/// Checks one case; `Err` says what went wrong.
fn check(case: &Case, dir: &Path) -> Result<(), String> {
    let setup = (case.build)(dir);
    let expect = effective_expect(case, dir);
    let before = snapshot(&input(dir));
    let out = run(&setup.args);
    let after = snapshot(&input(dir));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code();
    let ctx = format!("exit {code:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    if before != after {
        return Err(format!("the input was modified\n{ctx}"));
    }
    if stderr.contains("panicked") || code.is_none() {
        return Err(format!("crashed\n{ctx}"));
    }
    let out_dir = output(dir);
    let leftovers = entries(&dir.join("out"));
    match expect {
        Expect::Refused { reason } => {
            if code != Some(2) {
                return Err(format!("expected exit 2\n{ctx}"));
            }
            if !stderr.contains(&setup.names) || !stderr.contains(reason) {
                return Err(format!("message must name {:?} and say {reason:?}\n{ctx}", setup.names));
            }
            if !leftovers.is_empty() {
                return Err(format!("output folder not empty after a refusal: {leftovers:?}\n{ctx}"));
            }
        }
        Expect::Skipped { reason } => {
            if code != Some(0) {
                return Err(format!("expected exit 0 (skip policy)\n{ctx}"));
            }
            let report = fs::read_to_string(out_dir.join("case_skipped.tsv")).unwrap_or_default();
            let row = report.lines().skip(1).find(|l| l.contains(&setup.names));
            match row {
                Some(row) if row.contains(reason) => {}
                _ => return Err(format!("skip report must list {:?} with {reason:?}:\n{report}\n{ctx}", setup.names)),
            }
            if !stderr.contains("skipped") {
                return Err(format!("stderr must summarise the skips\n{ctx}"));
            }
            check_dataset(&out_dir, &leftovers, &ctx)?;
        }
        Expect::Converted { records, stderr: needle } => {
            if code != Some(0) {
                return Err(format!("expected exit 0\n{ctx}"));
            }
            if out_dir.join("case_skipped.tsv").exists() {
                let report = fs::read_to_string(out_dir.join("case_skipped.tsv")).unwrap();
                return Err(format!("nothing should be skipped:\n{report}\n{ctx}"));
            }
            if !needle.is_empty() && !(stderr.contains(needle) && stderr.contains(&setup.names)) {
                return Err(format!("stderr must say {needle:?} naming {:?}\n{ctx}", setup.names));
            }
            check_dataset(&out_dir, &leftovers, &ctx)?;
            let n = records_in(&out_dir);
            if n != records {
                return Err(format!("{n} records, expected {records}\n{ctx}"));
            }
        }
        Expect::Finding { code: wanted } | Expect::FindingSaying { code: wanted, .. } => {
            let saying = match expect {
                Expect::FindingSaying { message, .. } => message,
                _ => "",
            };
            if code != Some(1) {
                return Err(format!("validate: expected exit 1\n{ctx}"));
            }
            let report: serde_json::Value =
                serde_json::from_str(&stdout).map_err(|e| format!("validate --json output: {e}\n{ctx}"))?;
            let hit = report["findings"].as_array().into_iter().flatten().any(|f| {
                f["code"].as_str().is_some_and(|c| c.starts_with(wanted))
                    && f["location"]["file"].as_str().is_some_and(|p| p.contains(&setup.names))
                    && f["message"].as_str().is_some_and(|m| m.contains(saying))
            });
            if !hit {
                return Err(format!("no {wanted} finding saying {saying:?} located in {:?}\n{ctx}", setup.names));
            }
        }
    }
    Ok(())
}

fn check_dataset(out_dir: &Path, leftovers: &[String], ctx: &str) -> Result<(), String> {
    if leftovers != ["ds"] {
        return Err(format!("the output's parent must hold only the dataset, found {leftovers:?}\n{ctx}"));
    }
    // deep: a dataset the tool wrote must pass its own deepest check (issue 22, item 10)
    let v = run(&["validate".into(), "--quiet".into(), "--deep".into(), out_dir.into()]);
    if v.status.code() != Some(0) {
        return Err(format!("the converted dataset does not validate --deep:\n{}\n{ctx}", String::from_utf8_lossy(&v.stdout)));
    }
    Ok(())
}

#[test]
fn corpus_has_at_least_forty_cases_with_unique_names() {
    assert!(CASES.len() >= 40, "{} cases", CASES.len());
    let mut names: Vec<&str> = CASES.iter().chain(MEDIA_CASES).chain(SHARED_CASES).map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len() + MEDIA_CASES.len() + SHARED_CASES.len(), "case names must be unique");
}

/// `validate --deep` on the largest frame it accepts, 2^26 pixels of 8-bit RGB (192 MiB
/// decoded, = MAX_DEEP_DECODE_BYTES): the frame is decoded (its size is reported against the
/// metadata) and the process peaks under the 512 MB budget (issue 9).
#[test]
fn deep_validation_of_the_largest_accepted_frame_stays_under_512_mb() {
    let png = black_rgb8_png(8192, 8192);
    let decoded = image::load_from_memory(&black_rgb8_png(64, 3)).expect("the hand-made PNG decodes");
    assert_eq!((decoded.width(), decoded.height()), (64, 3));
    let tmp = tempfile::tempdir().unwrap();
    let setup = deep_frame_case(tmp.path(), png);
    let Ok(out) = Command::new("/usr/bin/time").args(["-f", "maxrss_kb=%M"]).arg(env!("CARGO_BIN_EXE_autodl-format")).args(&setup.args).output() else {
        eprintln!("skipping: /usr/bin/time missing");
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("COMPRESSED_SIZE_MISMATCH") && stdout.contains("8192×8192"),
        "the 8192×8192 frame must be decoded and compared with the metadata's 8×8:\n{stdout}\n{stderr}"
    );
    let rss_kb: u64 = stderr.lines().find_map(|l| l.strip_prefix("maxrss_kb=")).and_then(|v| v.trim().parse().ok()).expect("time's report");
    eprintln!("validate --deep peak RSS: {} MB", rss_kb / 1024);
    assert!(rss_kb < 512 * 1024, "peak RSS {rss_kb} kB over 512 MB\n{stderr}");
}

#[test]
fn every_bad_input_gets_its_expected_outcome() {
    run_cases(CASES);
}

#[test]
fn every_bad_real_photo_gets_its_expected_outcome() {
    if formats::testing::shared_data_dir().is_none() {
        return;
    }
    run_cases(SHARED_CASES);
}

#[cfg(feature = "ffmpeg")]
#[test]
fn every_bad_media_input_gets_its_expected_outcome() {
    if support::media().is_none() {
        return;
    }
    run_cases(MEDIA_CASES);
}

fn run_cases(cases: &[Case]) {
    let tmp = tempfile::tempdir().unwrap();
    // `BAD_INPUT=<name>` runs one case (while adding or debugging one).
    let only = std::env::var("BAD_INPUT").ok();
    let selected: Vec<&Case> = cases.iter().filter(|c| only.as_deref().is_none_or(|o| o == c.name)).collect();
    if selected.is_empty() {
        // Fine when BAD_INPUT names a case of the other list.
        let known = only.as_deref().is_some_and(|o| CASES.iter().chain(MEDIA_CASES).chain(SHARED_CASES).any(|c| c.name == o));
        assert!(known, "no case matched BAD_INPUT={only:?}");
        return;
    }
    let ran = selected.len();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    // A few cases at a time: each one mostly waits for its child process.
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(case) = selected.get(i) else { break };
                let dir = tmp.path().join(case.name);
                fs::create_dir_all(&dir).unwrap();
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(case, &dir))).unwrap_or_else(|_| Err("the check panicked".into()));
                if let Err(why) = result {
                    failures.lock().unwrap().push(format!("=== {}: {why}", case.name));
                }
                // Unlock the permission case so the temporary folder can be removed.
                let _ = fs::set_permissions(input(&dir).join("cat/locked.jpg"), fs::Permissions::from_mode(0o644));
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} of {ran} cases failed:\n{}", failures.len(), failures.join("\n"));
}
