//! Issue 21, items 2–4, one row per case of its "What hurt" list: the command, the exit
//! status, words the message must (and must not) hold, and what may be left on disk.
//! - item 2: options are refused before any work (a negative number is read as a value), a
//!   refused or failed `rate`/`train` leaves nothing it created (never a folder that was there
//!   before; `--keep` keeps);
//! - item 3: a run without a prediction exits 1 with the reason, not "ALC 0.0000" and 0;
//! - item 4: `-o/--out` and `--force` wherever an output is written, the old spellings still
//!   parse, one default seed, stated budgets, the five modalities and the exit codes in `--help`.
//!
//! Inputs are generated (tests/rate_support); training runs use budgets far too small for a
//! first prediction or the constant baseline, so the file runs in seconds of training.

mod rate_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rate_support::{write_image_folder, write_table, BIN};

fn run(args: &[&str], cwd: &Path) -> Output {
    let o = Command::new(BIN).args(args).current_dir(cwd).output().expect("run autodl-format");
    eprintln!("$ autodl-format {}\n{}{}", args.join(" "), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    o
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// What may be on disk after a row ran.
enum Disk {
    /// The path (relative to the test folder) does not exist.
    Absent(&'static str),
    /// It exists.
    Present(&'static str),
}

/// One row: arguments (`{ds}` = a converted dataset), exit status, words in stderr, words that
/// must appear nowhere in the output, what is on disk afterwards.
struct Case {
    what: &'static str,
    args: &'static [&'static str],
    code: i32,
    stderr_has: &'static [&'static str],
    output_lacks: &'static [&'static str],
    disk: &'static [Disk],
}

/// A test folder holding `wine.csv` (a small table), `shapes/` (raw images), `ds/` (the images
/// converted), an empty folder `taken/` and `busy/` holding a user's file.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    write_table(&root.join("wine.csv"), 60);
    write_image_folder(&root.join("shapes"), 8);
    let o = run(&["convert", "-q", "shapes", "-o", "ds"], &root);
    assert_eq!(o.status.code(), Some(0), "fixture conversion failed");
    std::fs::create_dir_all(root.join("taken")).unwrap();
    std::fs::create_dir_all(root.join("busy")).unwrap();
    std::fs::write(root.join("busy/notes.txt"), "mine").unwrap();
    (tmp, root)
}

fn check(case: &Case, root: &Path) {
    let args: Vec<String> = case.args.iter().map(|a| a.replace("{ds}", "ds")).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&args, root);
    let (so, se) = text(&o);
    assert_eq!(o.status.code(), Some(case.code), "{}: exit status\n{se}", case.what);
    for w in case.stderr_has {
        assert!(se.contains(w), "{}: stderr lacks {w:?}\n{se}", case.what);
    }
    for w in case.output_lacks {
        assert!(!so.contains(w) && !se.contains(w), "{}: output holds {w:?}\n{so}{se}", case.what);
    }
    for d in case.disk {
        match d {
            Disk::Absent(p) => assert!(!root.join(p).exists(), "{}: {p} left behind", case.what),
            Disk::Present(p) => assert!(root.join(p).exists(), "{}: {p} missing", case.what),
        }
    }
}

const NOT_A_FLAG: &str = "unexpected argument";

#[test]
fn item_2_options_are_refused_before_any_work_and_nothing_is_left() {
    let (_tmp, root) = workspace();
    let cases = [
        Case {
            what: "rate --time-budget 0 is refused before the conversion",
            args: &["rate", "wine.csv", "--time-budget", "0", "--out", "r0"],
            code: 2,
            stderr_has: &["--time-budget", "must be a positive number of seconds, got 0"],
            output_lacks: &["converting"],
            disk: &[Disk::Absent("r0")],
        },
        Case {
            what: "rate --time-budget -5 is a value (refused), not a flag",
            args: &["rate", "wine.csv", "--time-budget", "-5", "-o", "r0"],
            code: 2,
            stderr_has: &["must be a positive number of seconds, got -5"],
            output_lacks: &[NOT_A_FLAG, "converting"],
            disk: &[Disk::Absent("r0")],
        },
        Case {
            what: "train --time-budget -5 likewise",
            args: &["train", "{ds}", "--time-budget", "-5", "-o", "t0"],
            code: 2,
            stderr_has: &["must be a positive number of seconds, got -5"],
            output_lacks: &[NOT_A_FLAG],
            disk: &[Disk::Absent("t0")],
        },
        Case {
            what: "rate --test-size -0.5: a value, refused before the conversion",
            args: &["rate", "wine.csv", "--test-size", "-0.5", "-o", "r0"],
            code: 2,
            stderr_has: &["--test-size must be in (0, 1), got -0.5"],
            output_lacks: &[NOT_A_FLAG, "converting"],
            disk: &[Disk::Absent("r0")],
        },
        Case {
            what: "rate --fps -2: a value, refused by the video options before the conversion",
            args: &["rate", "shapes", "--domain", "video", "--fps", "-2", "-o", "r0"],
            code: 2,
            stderr_has: &["--fps must be > 0, got -2"],
            output_lacks: &[NOT_A_FLAG, "converting"],
            disk: &[Disk::Absent("r0")],
        },
        Case {
            what: "rate --onehot-max 0: the table options are checked before the conversion",
            args: &["rate", "wine.csv", "--onehot-max", "0", "-o", "r0"],
            code: 2,
            stderr_has: &["--onehot-max must be at least 1"],
            output_lacks: &["converting"],
            disk: &[Disk::Absent("r0")],
        },
        Case {
            what: "rate --weights on a missing folder: refused before the conversion",
            args: &["rate", "wine.csv", "--weights", "no-such-folder", "-o", "r0"],
            code: 2,
            stderr_has: &["--weights no-such-folder: not a folder"],
            output_lacks: &["converting"],
            disk: &[Disk::Absent("r0")],
        },
        Case {
            what: "rate on a missing input",
            args: &["rate", "no-such.csv", "-o", "r0"],
            code: 2,
            stderr_has: &["no-such.csv: no such file or folder"],
            output_lacks: &[],
            disk: &[Disk::Absent("r0")],
        },
        Case {
            what: "a conversion that fails removes the output folder rate created",
            args: &["rate", "wine.csv", "--target", "no_such_column", "-o", "r0", "--time-budget", "5"],
            code: 2,
            stderr_has: &["no_such_column", "species", "removed r0"],
            output_lacks: &[],
            disk: &[Disk::Absent("r0")],
        },
        Case {
            what: "… and the retry is not refused as taken (it fails for the same reason only)",
            args: &["rate", "wine.csv", "--target", "no_such_column", "-o", "r0", "--time-budget", "5"],
            code: 2,
            stderr_has: &["no_such_column"],
            output_lacks: &["already exists", "--force"],
            disk: &[Disk::Absent("r0")],
        },
        Case {
            what: "--keep keeps what the failed run created",
            args: &["rate", "wine.csv", "--target", "no_such_column", "-o", "r0", "--keep"],
            code: 2,
            stderr_has: &["no_such_column"],
            output_lacks: &["removed"],
            disk: &[Disk::Present("r0")],
        },
        Case {
            what: "a folder that existed before is never removed",
            args: &["rate", "wine.csv", "--target", "no_such_column", "-o", "taken"],
            code: 2,
            stderr_has: &["no_such_column"],
            output_lacks: &[],
            disk: &[Disk::Present("taken")],
        },
        Case {
            what: "train with no prediction removes the folder it created",
            args: &["train", "{ds}", "--time-budget", "0.005", "--device", "cpu", "-o", "t1"],
            code: 1,
            stderr_has: &["error: no prediction was recorded", "budget ran out before the learner's first prediction", "removed t1"],
            output_lacks: &["ALC 0.0000", "ingestion_success: 1"],
            disk: &[Disk::Absent("t1")],
        },
        Case {
            what: "… but only its own folders in one that existed",
            args: &["train", "{ds}", "--time-budget", "0.005", "--device", "cpu", "-o", "busy"],
            code: 1,
            stderr_has: &["error: no prediction was recorded"],
            output_lacks: &["ALC 0.0000"],
            disk: &[Disk::Present("busy/notes.txt"), Disk::Absent("busy/predictions")],
        },
        Case {
            what: "… and --keep keeps the record of the run",
            args: &["train", "{ds}", "--time-budget", "0.005", "--device", "cpu", "-o", "t2", "--keep"],
            code: 1,
            stderr_has: &["error: no prediction was recorded"],
            output_lacks: &["removed"],
            disk: &[Disk::Present("t2/predictions/start.txt"), Disk::Present("t2/predictions/end.txt")],
        },
    ];
    for case in &cases {
        check(case, &root);
    }
}

#[test]
fn item_3_a_run_without_a_prediction_is_not_a_success() {
    let (_tmp, root) = workspace();
    let cases = [
        Case {
            what: "rate with no prediction within the budget: exit 1 and the reason, no ALC 0.0000",
            args: &["rate", "{ds}", "--time-budget", "0.005", "--device", "cpu", "-o", "r3"],
            code: 1,
            stderr_has: &["not rated: no prediction was recorded", "--time-budget"],
            output_lacks: &["ALC              0.0000", "ALC 0.0000", "ingestion_success 1"],
            // The report explains the run, so the run's folder stays.
            disk: &[Disk::Present("r3/report.html")],
        },
        Case {
            what: "train with no prediction: exit 1, the reason, no ingestion_success: 1",
            args: &["train", "{ds}", "--time-budget", "0.005", "--device", "cpu", "-o", "t3"],
            code: 1,
            stderr_has: &["with no prediction", "error: no prediction was recorded"],
            output_lacks: &["ingestion_success: 1", "ALC 0.0000"],
            disk: &[Disk::Absent("t3")],
        },
        Case {
            what: "train with a prediction still succeeds",
            args: &["train", "{ds}", "--time-budget", "5", "--model", "baseline0", "--device", "cpu", "-o", "t4"],
            code: 0,
            stderr_has: &["ingestion_success: 1"],
            output_lacks: &["no prediction"],
            disk: &[Disk::Present("t4/scores/scores.txt")],
        },
    ];
    for case in &cases {
        check(case, &root);
    }
    let html = std::fs::read_to_string(root.join("r3/report.html")).unwrap();
    assert!(html.contains("no prediction in"), "the report says no prediction was made");
}

#[test]
fn item_4_one_vocabulary_of_flags() {
    let (_tmp, root) = workspace();
    let cases = [
        Case {
            what: "train refuses an output holding a run without --force",
            args: &["train", "{ds}", "--time-budget", "5", "--model", "baseline0", "--device", "cpu", "--no-score", "-o", "t5"],
            code: 0,
            stderr_has: &["prediction 0 recorded"],
            output_lacks: &[],
            disk: &[Disk::Present("t5/predictions/end.txt")],
        },
        Case {
            what: "… the second run into it",
            args: &["train", "{ds}", "--time-budget", "5", "--model", "baseline0", "--device", "cpu", "--no-score", "-o", "t5"],
            code: 2,
            stderr_has: &["already holds a run (predictions/ not empty)", "--force"],
            output_lacks: &[],
            disk: &[Disk::Present("t5/predictions/end.txt")],
        },
        Case {
            what: "… and replaces it with --force",
            args: &["train", "{ds}", "--time-budget", "5", "--model", "baseline0", "--device", "cpu", "--no-score", "-o", "t5", "--force"],
            code: 0,
            stderr_has: &["prediction 0 recorded"],
            output_lacks: &[],
            disk: &[Disk::Present("t5/predictions/end.txt")],
        },
        Case {
            what: "predict's old --output still parses (hidden alias of -o/--out)",
            args: &["predict", "--run", "no-such-run", "{ds}", "--output", "p.csv"],
            code: 2,
            stderr_has: &["no-such-run"],
            output_lacks: &[NOT_A_FLAG],
            disk: &[Disk::Absent("p.csv")],
        },
        Case {
            what: "predict refuses to replace a CSV without --force, before any work",
            args: &["predict", "--run", "no-such-run", "{ds}", "-o", "busy/notes.txt"],
            code: 2,
            stderr_has: &["busy/notes.txt: already exists; give --force"],
            output_lacks: &["no-such-run"],
            disk: &[Disk::Present("busy/notes.txt")],
        },
        Case {
            what: "predict takes --out",
            args: &["predict", "--run", "no-such-run", "{ds}", "--out", "p.csv"],
            code: 2,
            stderr_has: &["no-such-run"],
            output_lacks: &[NOT_A_FLAG],
            disk: &[Disk::Absent("p.csv")],
        },
    ];
    for case in &cases {
        check(case, &root);
    }
    assert_ne!(
        std::fs::read_to_string(root.join("t5/predictions/start.txt")).unwrap(),
        "",
        "the forced run wrote its own start.txt"
    );

    let help = |args: &[&str]| {
        let o = run(args, &root);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        text(&o).0
    };
    // -o/--out wherever an output is written, --force wherever it can already exist.
    for cmd in ["convert", "plan", "merge", "train", "rate", "predict", "score"] {
        let h = help(&[cmd, "--help"]);
        assert!(h.contains("-o, --out"), "{cmd} --help lacks -o, --out:\n{h}");
        assert!(!h.contains("--output"), "{cmd} --help still shows --output");
    }
    for cmd in ["convert", "plan", "merge", "train", "rate", "predict", "score"] {
        assert!(help(&[cmd, "--help"]).contains("--force"), "{cmd} has no --force");
    }
    // Every command lists its exit codes, in -h and --help.
    for cmd in ["convert", "validate", "inspect", "score", "train", "predict", "rate", "plan", "merge", "audit"] {
        for flag in ["-h", "--help"] {
            let h = help(&[cmd, flag]);
            assert!(h.contains("Exit status: 0"), "{cmd} {flag} lacks the exit codes");
        }
    }
    for cmd in ["train", "rate"] {
        let h = help(&[cmd, "--help"]);
        assert!(h.contains("130 / 143") && h.contains("--keep"), "{cmd}: interrupt and --keep documented");
    }
    // One default seed; the two budgets are stated with their reason in both helps.
    for cmd in ["convert", "train", "rate", "plan"] {
        let h = help(&[cmd, "--help"]);
        let seed = h.split("--seed").nth(1).unwrap_or_else(|| panic!("{cmd}: no --seed"));
        let default = seed.split("[default: ").nth(1).and_then(|s| s.split(']').next());
        assert_eq!(default, Some("42"), "{cmd}: default seed");
    }
    let (train, rate) = (help(&["train", "--help"]), help(&["rate", "--help"]));
    assert!(train.contains("[default: 1200]") && train.contains("`rate`") && train.contains("300 s"));
    assert!(rate.contains("[default: 300]") && rate.contains("`train`") && rate.contains("1200 s"));
    // The five modalities wherever the help names what a command takes.
    let top = help(&["--help"]);
    assert!(!top.contains("(images, tables, text)"), "top-level help names three modalities");
    // A command's line in the list (two lines: the description may wrap), spaces collapsed.
    let line = |cmd: &str| -> String {
        let after = top.split(&format!("\n  {cmd} ")).nth(1).unwrap_or_else(|| panic!("no {cmd} in the list"));
        after.lines().take(2).collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
    };
    assert!(line("convert").contains("(images, video, audio, text, tables)"), "{}", line("convert"));
    for cmd in ["train", "rate"] {
        assert!(line(cmd).contains("(images, video, audio, text, tables)"), "{cmd}: {}", line(cmd));
    }
}

#[test]
fn item_4_score_replaces_earlier_scores_only_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scoring/multiclass");
    let (dataset, predictions) = (fixture.join("multiclass"), fixture.join("res"));
    let score = |extra: &[&str]| {
        let mut args = vec!["score", "--dataset", dataset.to_str().unwrap(), "--predictions", predictions.to_str().unwrap(), "-o", "s"];
        args.extend_from_slice(extra);
        run(&args, tmp.path())
    };
    assert_eq!(score(&[]).status.code(), Some(0));
    let first = std::fs::read_to_string(tmp.path().join("s/scores.txt")).unwrap();
    let o = score(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("s: already holds scores; give --force"), "{}", text(&o).1);
    assert_eq!(std::fs::read_to_string(tmp.path().join("s/scores.txt")).unwrap(), first, "refused run keeps the scores");
    assert_eq!(score(&["--force"]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(tmp.path().join("s/scores.txt")).unwrap(), first);
}
