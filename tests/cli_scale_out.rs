//! Scale-out conversion through the binary (issue 10): `plan`, `convert --plan --shard K` run
//! by two parallel worker processes, `merge` — byte-compared with a single-machine `convert`
//! for images, video, audio, text and tables; a shard run twice; a missing shard; a shard from another plan;
//! a corrupt shard; text and tables (their whole-input pass is the plan step) at 1 and 3 shards.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use converters_image::fixtures;

#[path = "support/cli.rs"]
#[allow(dead_code)] // each test file uses part of it
mod cli;
use cli::{s, stderr, tree};

#[path = "support/media.rs"]
mod support;
use support::media_layout;

fn bin() -> Command {
    let mut c = cli::bin();
    c.env_remove("SLURM_ARRAY_TASK_ID").env_remove("JOB_COMPLETION_INDEX");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run autodl-format")
}

fn ok(o: Output) -> Output {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    o
}

/// Converts shards `0..n` with two worker processes running side by side (even / odd shards).
fn convert_shards_with_two_workers(plan: &Path, shards_dir: &Path, n: usize) {
    let workers: Vec<_> = (0..2)
        .map(|w| {
            let (plan, dir) = (plan.to_path_buf(), shards_dir.to_path_buf());
            std::thread::spawn(move || {
                for k in (w..n).step_by(2) {
                    let o = bin()
                        .args(["convert", "--quiet", "--plan", s(&plan), "--shard", &k.to_string(), "-o", s(&dir)])
                        .output()
                        .unwrap();
                    assert_eq!(o.status.code(), Some(0), "shard {k}: {}", stderr(&o));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker thread");
    }
}

/// `convert` of `raw` and plan(N shards) + 2 workers + merge of `raw`, with the same options;
/// returns merge's stderr.
fn compare_with_convert(raw: &Path, tmp: &Path, shards: usize, extra: &[&str]) -> String {
    let single = tmp.join(format!("single-{shards}"));
    let mut args = vec!["convert", "--quiet", s(raw), "-o", s(&single)];
    args.extend_from_slice(extra);
    ok(run(&args));

    let plan = tmp.join(format!("plan-{shards}.jsonl"));
    let n = shards.to_string();
    let mut args = vec!["plan", s(raw), "-o", s(&plan), "--shards", &n];
    args.extend_from_slice(extra);
    ok(run(&args));
    let shards_dir = tmp.join(format!("shards-{shards}"));
    convert_shards_with_two_workers(&plan, &shards_dir, shards);
    let merged = tmp.join(format!("merged-{shards}"));
    let merge_err = stderr(&ok(run(&["merge", s(&shards_dir), "-o", s(&merged)])));

    let (a, b) = (tree(&single), tree(&merged));
    assert_eq!(a.iter().map(|x| &x.0).collect::<Vec<_>>(), b.iter().map(|x| &x.0).collect::<Vec<_>>());
    for ((path, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{} differs between convert and merge ({} vs {} bytes)", path.display(), x.len(), y.len());
    }
    merge_err
}

#[test]
fn four_shards_by_two_workers_merge_to_the_convert_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("flowers");
    // Mixed formats (PNG re-encoding) and sizes (row/col −1 agreed across shards).
    fixtures::class_folders(&raw, &["rose", "tulip", "iris"], 9, 20, 14, true, false).unwrap();
    let e = compare_with_convert(&raw, tmp.path(), 4, &[]);
    // Nothing skipped: every record part is concatenated as framed bytes, none re-encoded.
    assert!(e.contains("27 copied as bytes, 0 renumbered"), "{e}");
    compare_with_convert(&raw, tmp.path(), 1, &[]);
    compare_with_convert(&raw, tmp.path(), 3, &["--format", "dense", "--size", "8x6", "--seed", "7"]);
}

#[test]
fn skipped_inputs_and_labels_csv_merge_to_the_convert_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("pets");
    fixtures::bad_inputs(&raw, 14).unwrap();
    let e = compare_with_convert(&raw, tmp.path(), 4, &[]);
    // Records after a skipped input get dense ids, as `convert` numbers them.
    assert!(!e.contains(" 0 renumbered"), "{e}");
    let report = fs::read_to_string(tmp.path().join("merged-4/pets_skipped.tsv")).unwrap();
    assert!(report.contains("corrupt.jpg") && report.contains("missing.jpg"), "{report}");

    let raw = tmp.path().join("csv");
    fixtures::labels_csv_layout(&raw, 24, true).unwrap();
    compare_with_convert(&raw, tmp.path(), 2, &["--test-size", "0.3"]);
}

#[test]
fn plan_is_deterministic_and_balanced() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("imgs");
    fixtures::class_folders(&raw, &["a", "b"], 20, 16, 16, false, false).unwrap();
    let (p1, p2, p3) = (tmp.path().join("p1"), tmp.path().join("p2"), tmp.path().join("p3"));
    ok(run(&["plan", s(&raw), "-o", s(&p1), "--shards", "4"]));
    ok(run(&["plan", s(&raw), "-o", s(&p2), "--shards", "4"]));
    ok(run(&["plan", s(&raw), "-o", s(&p3), "--shards", "4", "--seed", "3"]));
    assert_eq!(fs::read(&p1).unwrap(), fs::read(&p2).unwrap());
    assert_ne!(fs::read(&p1).unwrap(), fs::read(&p3).unwrap());
    let text = fs::read_to_string(&p1).unwrap();
    let mut per_shard = [0u64; 4];
    for line in text.lines().skip(1) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        per_shard[v["shard"].as_u64().unwrap() as usize] += v["bytes"].as_u64().unwrap();
    }
    let (lo, hi) = (per_shard.iter().min().unwrap(), per_shard.iter().max().unwrap());
    assert!(*lo > 0 && hi - lo <= hi / 2, "unbalanced shards {per_shard:?}");
    // An existing plan is not overwritten without --force.
    let o = run(&["plan", s(&raw), "-o", s(&p1)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// Plan with 4 shards, all converted; returns (plan, shards folder).
fn converted_plan(tmp: &Path, seed: &str, tag: &str) -> (PathBuf, PathBuf) {
    let raw = tmp.join("raw");
    if !raw.exists() {
        fixtures::class_folders(&raw, &["x", "y"], 10, 12, 12, false, true).unwrap();
    }
    let plan = tmp.join(format!("plan-{tag}.jsonl"));
    ok(run(&["plan", s(&raw), "-o", s(&plan), "--shards", "4", "--seed", seed]));
    let dir = tmp.join(format!("shards-{tag}"));
    convert_shards_with_two_workers(&plan, &dir, 4);
    (plan, dir)
}

#[test]
fn a_shard_run_twice_replaces_only_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let (plan, dir) = converted_plan(tmp.path(), "1", "a");
    ok(run(&["merge", s(&dir), "-o", s(&tmp.path().join("first"))]));
    let before = tree(&dir);
    let mtimes = |k: &str| -> Vec<_> {
        fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| !e.file_name().to_string_lossy().contains(k))
            .map(|e| (e.file_name(), e.metadata().unwrap().modified().unwrap()))
            .collect()
    };
    let others = mtimes("00001-of-00004");
    std::thread::sleep(std::time::Duration::from_millis(20));
    // Shard index from the Kubernetes Indexed Job variable this time.
    let o = bin().args(["convert", "--quiet", "--plan", s(&plan), "-o", s(&dir)]).env("JOB_COMPLETION_INDEX", "1").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("shard 1 of 4"), "{}", stderr(&o));
    let mut others_after = mtimes("00001-of-00004");
    let mut others_sorted = others.clone();
    others_sorted.sort();
    others_after.sort();
    assert_eq!(others_sorted, others_after, "other shards' files were touched");
    assert_eq!(before, tree(&dir), "a rerun must give the same bytes");
    assert!(!fs::read_dir(&dir).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().contains(".tmp-")));
    ok(run(&["merge", s(&dir), "-o", s(&tmp.path().join("second"))]));
    assert_eq!(tree(&tmp.path().join("first")), tree(&tmp.path().join("second")));
}

#[test]
fn a_missing_shard_is_named_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, dir) = converted_plan(tmp.path(), "1", "m");
    fs::remove_file(dir.join("manifest-00002-of-00004.json")).unwrap();
    let out = tmp.path().join("out");
    let o = run(&["merge", s(&dir), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("shard 2") && e.contains("manifest-00002-of-00004.json") && e.contains("missing"), "{e}");
    assert!(!out.exists());
    // No shard index anywhere: refused with the reason.
    let o = run(&["convert", "--plan", s(&dir.join("plan.jsonl")), "-o", s(&dir)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("SLURM_ARRAY_TASK_ID"), "{}", stderr(&o));
}

#[test]
fn a_shard_from_another_plan_or_corrupt_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, dir) = converted_plan(tmp.path(), "1", "one");
    let (other_plan, other) = converted_plan(tmp.path(), "2", "two");
    // Converting another plan into this folder is refused up front.
    let o = run(&["convert", "--plan", s(&other_plan), "--shard", "0", "-o", s(&dir)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("belongs to plan"), "{}", stderr(&o));
    // Files of shard 3 copied in from the other plan's run.
    for e in fs::read_dir(&other).unwrap() {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().contains("00003-of-00004") {
            fs::copy(e.path(), dir.join(e.file_name())).unwrap();
        }
    }
    let out = tmp.path().join("out");
    let o = run(&["merge", s(&dir), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("shard 3") && stderr(&o).contains("another plan"), "{}", stderr(&o));
    assert!(!out.exists());

    // A flipped byte in a record part of an otherwise good folder.
    let (_, good) = converted_plan(tmp.path(), "1", "three");
    let part = good.join("sample-raw-train-00001-of-00004.tfrecord");
    let mut bytes = fs::read(&part).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    fs::write(&part, bytes).unwrap();
    let o = run(&["merge", s(&good), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("shard 1") && e.contains("sample-raw-train-00001-of-00004.tfrecord") && e.contains("corrupt"), "{e}");
    assert!(!out.exists());
}

#[test]
fn video_shards_merge_to_the_convert_bytes() {
    let Some((tmp, raw)) = media_layout(
        "clips",
        &[
            ("video/h264.mp4", "a.mp4", 0, "test"),
            ("video/mpeg4.avi", "b.avi", 1, "test"),
            ("video/short.mp4", "c.mp4", 0, "train"),
            ("video/truncated.mp4", "d.mp4", 1, "train"),
            ("video/gray.mkv", "e.mkv", 1, "train"),
            ("video/red.mp4", "f.mp4", 0, "train"),
        ],
    ) else {
        return;
    };
    // Compressed at the clips' own sizes (H/W and T −1, agreed across 3 shards).
    let e = compare_with_convert(&raw, tmp.path(), 3, &["--fps", "5"]);
    assert!(e.contains("(-1, -1, -1, 3)"), "{e}");
    // Dense, fixed frame count (sequence_size kept), one shard: the truncated clip is skipped
    // inside the train part, so that part is renumbered.
    let e = compare_with_convert(&raw, tmp.path(), 1, &["--frames", "4", "--format", "dense", "--size", "12x16"]);
    assert!(e.contains("(4, 12, 16, 3)") && !e.contains(" 0 renumbered"), "{e}");
    let report = fs::read_to_string(tmp.path().join("merged-1/clips_skipped.tsv")).unwrap();
    assert!(report.contains("d.mp4"), "{report}");
}

#[test]
fn audio_shards_merge_to_the_convert_bytes() {
    let Some((tmp, raw)) = media_layout(
        "tones",
        &[
            ("audio/sine_8k.wav", "a.wav", 0, "test"),
            ("audio/tone.flac", "b.flac", 1, "test"),
            ("audio/tone.mp3", "c.mp3", 0, "train"),
            ("audio/silent.wav", "d.wav", 1, "train"),
            ("audio/tone.ogg", "e.ogg", 1, "train"),
            ("audio/stereo_44k.wav", "f.wav", 0, "train"),
        ],
    ) else {
        return;
    };
    // The random crop is seeded by the input's name: the plan carries it to the shards.
    let e = compare_with_convert(&raw, tmp.path(), 1, &["--max-seconds", "0.5", "--crop", "random"]);
    assert!(e.contains("(-1, 1, 1, 1)"), "{e}");
    compare_with_convert(&raw, tmp.path(), 3, &["--sample-rate", "8000"]);
    let report = fs::read_to_string(tmp.path().join("merged-3/tones_skipped.tsv")).unwrap();
    assert!(report.contains("d.wav") && report.contains("silent"), "{report}");
}

#[test]
fn text_and_tables_through_the_cli_merge_to_the_convert_bytes() {
    // Their whole-input pass (vocabulary, column statistics) is the plan step; each shard applies it.
    let tmp = tempfile::tempdir().unwrap();
    let reviews = tmp.path().join("reviews");
    let words = ["fine", "dull", "film", "plot", "indeed", "sadly", "bright", "slow", "cast", "score"];
    for (c, class) in ["pos", "neg"].iter().enumerate() {
        fs::create_dir_all(reviews.join(class)).unwrap();
        for k in 0..15 {
            let doc: Vec<&str> = (0..6 + k % 5).map(|w| words[(w * 3 + k + c * 5) % words.len()]).collect();
            fs::write(reviews.join(class).join(format!("{k}.txt")), doc.join(" ")).unwrap();
        }
    }
    let mut table = String::from("a,colour,b,y\n");
    for r in 0..90 {
        let missing = if r % 13 == 0 { String::new() } else { format!("{}", r % 7) };
        table.push_str(&format!("{missing},{},{}.5,{}\n", ["red", "green", "blue"][r % 3], r * 2, r % 2));
    }
    let csv = tmp.path().join("t.csv");
    fs::write(&csv, table).unwrap();
    for (input, tag) in [(&reviews, "text"), (&csv, "table")] {
        let dir = tmp.path().join(tag);
        fs::create_dir_all(&dir).unwrap();
        for shards in [1, 3] {
            compare_with_convert(input, &dir, shards, &["--seed", "7"]);
        }
    }
}

#[test]
fn two_attempts_of_one_shard_at_once_leave_a_sound_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("flowers");
    fixtures::class_folders(&raw, &["rose", "tulip"], 12, 24, 20, true, false).unwrap();
    let single = tmp.path().join("single");
    ok(run(&["convert", "--quiet", s(&raw), "-o", s(&single)]));
    let plan = tmp.path().join("plan.jsonl");
    ok(run(&["plan", s(&raw), "-o", s(&plan), "--shards", "2"]));
    let dir = tmp.path().join("shards");
    ok(run(&["convert", "--quiet", "--plan", s(&plan), "--shard", "0", "-o", s(&dir)]));
    // Shard 1 by three attempts racing each other (an engine that retried a task it thought
    // lost), three rounds: each attempt writes its own temporaries, any rename order leaves the
    // same bytes, the last manifest describes them.
    for _ in 0..3 {
        let attempts: Vec<_> = (0..3)
            .map(|_| bin().args(["convert", "--quiet", "--plan", s(&plan), "--shard", "1", "-o", s(&dir)]).spawn().unwrap())
            .collect();
        for mut a in attempts {
            assert!(a.wait().unwrap().success());
        }
        let merged = tmp.path().join("merged");
        let _ = fs::remove_dir_all(&merged);
        ok(run(&["merge", s(&dir), "-o", s(&merged)]));
        assert_eq!(tree(&single), tree(&merged));
        assert!(!fs::read_dir(&dir).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().contains(".tmp-")));
    }
}

/// `path<TAB>bytes` lines of every file below `raw`, relative, in `find` order.
fn listing_of(raw: &Path) -> String {
    let mut out = String::new();
    for (rel, bytes) in tree(raw) {
        out.push_str(&format!("{}\t{}\n", rel.display(), bytes.len()));
    }
    out
}

#[test]
fn a_listing_plans_exactly_as_the_folder_walk() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("flowers");
    fixtures::class_folders(&raw, &["rose", "tulip", "iris"], 9, 20, 14, true, false).unwrap();
    fs::write(raw.join("rose/notes.txt"), "not an image").unwrap(); // rejected, reported
    let listing = tmp.path().join("listing.tsv");
    // Lines shuffled (object stores list in any order): the plan sorts as the walk does.
    let mut lines: Vec<String> = listing_of(&raw).lines().rev().map(String::from).collect();
    lines.insert(0, "# key<TAB>bytes".into());
    fs::write(&listing, lines.join("\n") + "\n").unwrap();
    let (walked, listed) = (tmp.path().join("walked.jsonl"), tmp.path().join("listed.jsonl"));
    ok(run(&["plan", s(&raw), "-o", s(&walked), "--shards", "3", "--seed", "5", "--domain", "image"]));
    ok(run(&["plan", s(&raw), "--listing", s(&listing), "-o", s(&listed), "--shards", "3", "--seed", "5"]));
    assert_eq!(fs::read_to_string(&walked).unwrap(), fs::read_to_string(&listed).unwrap());

    // Train/test folders, same again; and the listed plan converts and merges to `convert`'s bytes.
    let raw2 = tmp.path().join("split");
    fixtures::class_folders(&raw2.join("train"), &["a", "b"], 8, 16, 16, false, false).unwrap();
    fixtures::class_folders(&raw2.join("test"), &["a", "b"], 3, 16, 16, false, false).unwrap();
    fs::write(&listing, listing_of(&raw2)).unwrap();
    ok(run(&["plan", s(&raw2), "-o", s(&walked), "--shards", "2", "--force"]));
    ok(run(&["plan", s(&raw2), "--listing", s(&listing), "-o", s(&listed), "--shards", "2", "--force"]));
    assert_eq!(fs::read_to_string(&walked).unwrap(), fs::read_to_string(&listed).unwrap());
    let dir = tmp.path().join("shards");
    convert_shards_with_two_workers(&listed, &dir, 2);
    ok(run(&["merge", s(&dir), "-o", s(&tmp.path().join("merged"))]));
    ok(run(&["convert", "--quiet", s(&raw2), "-o", s(&tmp.path().join("single"))]));
    assert_eq!(tree(&tmp.path().join("single")), tree(&tmp.path().join("merged")));

    // Refusals name the line or the reason.
    fs::write(&listing, "a/x.jpg\tlots\n").unwrap();
    let o = run(&["plan", s(&raw2), "--listing", s(&listing), "-o", s(&listed), "--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("listing.tsv:1") && stderr(&o).contains("not a number"), "{}", stderr(&o));
    fs::write(&listing, "a/x.wav\nb/y.wav\n").unwrap();
    let o = run(&["plan", s(&raw2), "--listing", s(&listing), "-o", s(&listed), "--force", "--domain", "audio"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("images only"), "{}", stderr(&o));
}
