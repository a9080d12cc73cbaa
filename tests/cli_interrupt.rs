//! Issue 21, item 2: Ctrl-C (SIGINT) or SIGTERM during training stops the learner, scores the
//! predictions made so far and writes the report marked interrupted; the exit status is
//! 128 + the signal (130 / 143). The signal is sent about 5 s into a 30 s run, once the first
//! prediction was recorded (so that there is something to score on a loaded machine too).

mod rate_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rate_support::{read_report, write_image_folder, BIN};

/// An image folder whose labels do not follow the pictures (each picture moved to another
/// class folder in turn): no model reaches the near-perfect validation score at which the
/// image learner ends early, so a 30 s run is still going when the signal comes.
fn write_unlearnable_folder(dir: &Path) {
    // 40 a class, so that the validation split is not a handful of images a lucky epoch ranks right.
    write_image_folder(dir, 40);
    let classes = ["disc", "bar", "ring"];
    for (c, from) in classes.iter().enumerate() {
        for k in 0..40usize {
            let to = classes[(c + k) % 3];
            if to != *from {
                std::fs::rename(dir.join(from).join(format!("{k:03}.png")), dir.join(to).join(format!("{from}-{k:03}.png"))).unwrap();
            }
        }
    }
}

fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().expect("run kill");
    assert!(status.success(), "kill -{signal} failed");
}

/// Starts `args`, sends `signal` once stderr shows the first recorded prediction and at least
/// 5 s have passed, and returns the exit status, stdout and stderr.
fn interrupt(args: &[&str], cwd: &Path, signal: &str) -> (Option<i32>, String, String) {
    interrupt_with(args, cwd, &[signal])
}

/// As [`interrupt`], sending each further signal once the run reports that it is stopping.
fn interrupt_with(args: &[&str], cwd: &Path, signals: &[&str]) -> (Option<i32>, String, String) {
    let signal = signals.join("+");
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start autodl-format");
    let (tx, rx) = mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(line);
        }
        all
    });
    let mut recorded = false;
    while !recorded {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => recorded = line.contains("prediction 0 recorded"),
            Err(_) => break,
        }
    }
    assert!(recorded, "no prediction recorded before the run ended (or within 120 s)");
    if let Some(wait) = Duration::from_secs(5).checked_sub(started.elapsed()) {
        std::thread::sleep(wait);
    }
    if child.try_wait().unwrap().is_some() {
        drop(rx);
        panic!("the 30 s run ended before the signal:\n{}", reader.join().unwrap());
    }
    let sent = Instant::now();
    for (k, s) in signals.iter().enumerate() {
        if k > 0 {
            // The next one once the run says it is stopping (the first was handled, not fatal).
            let mut stopping = false;
            while !stopping {
                match rx.recv_timeout(Duration::from_secs(30)) {
                    Ok(line) => stopping = line.contains("stopping the learner"),
                    Err(_) => break,
                }
            }
            assert!(stopping, "the first {} did not start an orderly stop", signals[0]);
        }
        kill(&child, s);
    }
    let output = child.wait_with_output().unwrap();
    let took = sent.elapsed().as_secs_f64();
    let err = reader.join().unwrap();
    eprintln!("{err}");
    // It stops well before the end of the budget: scoring and the report only.
    assert!(took < 20.0, "the run took {took:.1} s to stop after {signal}");
    (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned(), err)
}

#[test]
fn sigint_during_rate_scores_what_was_made_and_reports_the_interruption() {
    let tmp = tempfile::tempdir().unwrap();
    write_unlearnable_folder(&tmp.path().join("shapes"));
    let args = ["rate", "shapes", "-o", "rated", "--time-budget", "30", "--device", "cpu", "--seed", "3"];
    let (code, so, se) = interrupt(&args, tmp.path(), "INT");
    assert_eq!(code, Some(130), "exit status of a run ended by SIGINT");
    assert!(se.contains("interrupted at") && se.contains("stopping the learner"), "progress tells the interrupt");
    assert!(se.contains("interrupted by SIGINT"), "final line names the signal");

    let out = tmp.path().join("rated");
    let (_, html) = read_report(&out);
    assert!(html.contains("id=\"interrupted\"") && html.contains("Interrupted:</b> by SIGINT"), "report marked interrupted");
    // The predictions made before the interrupt are scored: scores.txt, a numeric ALC, a curve.
    let scores = std::fs::read_to_string(out.join("scores/scores.txt")).expect("scores.txt");
    let alc: f64 = scores
        .lines()
        .find_map(|l| l.strip_prefix("score: "))
        .expect("score line")
        .trim()
        .parse()
        .expect("ALC is a number");
    assert!((-1.0..=1.0).contains(&alc) && alc != 0.0, "ALC {alc} of the predictions made");
    assert!(out.join("predictions/shapes.predict_0").is_file());
    let end = std::fs::read_to_string(out.join("predictions/end.txt")).expect("end.txt written");
    let duration: f64 = end.lines().find_map(|l| l.strip_prefix("ingestion_duration: ")).unwrap().parse().unwrap();
    assert!(duration < 29.0, "ingestion ran {duration} s of 30 after the interrupt");
    assert!(html.contains("<h2>Learning curve</h2>"));
    let alc_line = so.lines().find(|l| l.starts_with("ALC")).expect("summary ALC line");
    assert!(!alc_line.contains("no prediction"), "{alc_line}");
    // Nothing half-written is left beside the report.
    assert!(!out.join("report.html.tmp").exists());
}

#[test]
fn sigterm_during_train_scores_what_was_made() {
    let tmp = tempfile::tempdir().unwrap();
    write_unlearnable_folder(&tmp.path().join("shapes"));
    let o = Command::new(BIN).current_dir(tmp.path()).args(["convert", "-q", "shapes", "-o", "ds"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let args = ["train", "ds", "-o", "run", "--time-budget", "30", "--device", "cpu", "--seed", "3"];
    let (code, so, se) = interrupt(&args, tmp.path(), "TERM");
    assert_eq!(code, Some(143), "exit status of a run ended by SIGTERM");
    assert!(se.contains("interrupted by SIGTERM") && se.contains("kept and scored"), "final line");
    assert!(so.lines().any(|l| l.starts_with("ALC ")), "the predictions made are scored: {so}");
    assert!(tmp.path().join("run/scores/scores.txt").is_file());
    assert!(tmp.path().join("run/predictions/shapes.predict_0").is_file());
}

#[test]
fn a_second_sigint_ends_the_run_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    write_unlearnable_folder(&tmp.path().join("shapes"));
    let args = ["rate", "shapes", "-o", "rated", "--time-budget", "30", "--device", "cpu", "--seed", "3"];
    let (code, _, se) = interrupt_with(&args, tmp.path(), &["INT", "INT"]);
    assert_eq!(code, Some(130));
    // The first signal started the orderly stop; the second ended the process before the report.
    assert!(!se.contains("[rate 5/5") && !se.contains("are scored in the report"), "the run went on after the second SIGINT");
    assert!(!tmp.path().join("rated/report.html").exists());
}
