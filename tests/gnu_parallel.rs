//! The one-machine recipe of docs/SCALE_OUT.md run as written with GNU parallel (issue 23):
//! plan, `parallel --retries 3` over the shards with the first attempt of shard 2 killed
//! mid-way (it dies writing its first record file, so the retry runs), merge; the dataset
//! must equal `convert`'s byte for byte.
//! Needs `parallel` (Debian package `parallel`): installed under CI=true when missing,
//! else the test is skipped with a message.

use std::fs;
use std::process::Command;

use converters_image::fixtures;

#[path = "support/recipes.rs"]
#[allow(dead_code)] // each test file uses part of it
mod recipes;
use recipes::*;

/// `true` when GNU parallel can be run (installing it under CI=true).
fn have_parallel() -> bool {
    let found = || Command::new("parallel").arg("--version").output().is_ok_and(|o| o.status.success());
    if found() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        let ok = Command::new("bash")
            .args(["-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq parallel || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq parallel)"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok && found(), "CI=true: GNU parallel is missing and `apt-get install parallel` failed");
        return true;
    }
    eprintln!("skipping: GNU parallel missing (apt-get install parallel)");
    false
}

#[test]
fn documented_parallel_recipe_with_a_retried_shard_gives_the_convert_bytes() {
    if !have_parallel() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();
    let raw = work.join("raw/flowers");
    fixtures::class_folders(&raw, &["rose", "tulip", "iris"], 14, 120, 96, true, false).unwrap();
    convert(&raw, &work.join("single"));

    // The failed attempt exits 1; parallel's `--retries` does the rest.
    let wrap = stand_in(&work.join("bin"), &work.join("shards"), 2, ":");
    let recipe = doc_block("## One machine: GNU parallel or xargs -P", 0);
    let o = bash(&recipe, work, &[("PATH", &path_with(&wrap)), ("PARALLEL", "--will-cite")]);
    let log = fs::read_to_string(wrap.join("attempts.log")).unwrap_or_default();
    assert!(o.status.success(), "recipe failed: {}\n{}\nattempts:\n{log}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));

    // Shard 2 ran twice: the first attempt was killed before its manifest, parallel retried it.
    assert_eq!(
        fs::read_to_string(wrap.join("victim.state")).unwrap().trim(),
        "midway",
        "{}",
        fs::read_to_string(wrap.join("victim.files")).unwrap_or_default()
    );
    assert_eq!(log.lines().filter(|l| l.starts_with("shard=2 ")).count(), 2, "{log}");
    assert_eq!(log.lines().count(), 9, "8 shards + 1 retry: {log}");
    assert_same_dataset(&work.join("single"), &work.join("out/flowers"));
    // The retry removed the killed attempt's temporary files.
    assert_eq!(temporaries(&work.join("shards")), Vec::<String>::new());
}
