//! Running the scale-out recipes of docs/SCALE_OUT.md as written (included with `#[path]` by
//! tests/slurm.rs and tests/gnu_parallel.rs): the fenced blocks of the doc, a stand-in
//! `autodl-format` on PATH that stops the first attempt of one shard mid-way, the comparison
//! with `convert`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "cli.rs"]
mod cli;
pub use cli::tree;

pub fn real_bin() -> &'static str {
    env!("CARGO_BIN_EXE_autodl-format")
}

/// The `n`-th fenced code block (0-based) after the heading line `heading` of SCALE_OUT.md.
pub fn doc_block(heading: &str, n: usize) -> String {
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/SCALE_OUT.md")).unwrap();
    let start = doc.find(&format!("\n{heading}\n")).unwrap_or_else(|| panic!("no heading {heading:?} in SCALE_OUT.md"));
    let section = &doc[start + heading.len() + 2..];
    let section = section.find("\n## ").map_or(section, |end| &section[..end]);
    let blocks: Vec<&str> = section.split("```").skip(1).step_by(2).collect();
    let block = blocks.get(n).unwrap_or_else(|| panic!("no block {n} under {heading:?}"));
    // Drop the info string (`bash`, `yaml`) of the opening fence.
    block.split_once('\n').map(|(_, body)| body.to_string()).unwrap_or_default()
}

/// `text` with each `(from, to)` replaced; fails when `from` is missing (the doc changed).
pub fn substitute(text: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (from, to) in pairs {
        assert!(out.contains(from), "{from:?} not found in the documented recipe:\n{text}");
        out = out.replace(from, to);
    }
    out
}

/// Writes `dir/autodl-format`, a stand-in for the binary: it runs the real one, except for the
/// first attempt of shard `victim` (shard from `--shard K` or `$SLURM_ARRAY_TASK_ID`), which
/// runs under a file-size limit (the plan's size + 2 KiB) so that it dies while writing its
/// first record file;
/// it records `midway` (temporary files, no manifest), `late` (manifest written) or `early`
/// (no temporary file) in `dir/victim.state`, runs `kill_cmd` (the engine's reaction, e.g. a
/// requeue) and exits 1. Every attempt appends `shard=K restart=R` to `dir/attempts.log`.
pub fn stand_in(dir: &Path, shards: &Path, victim: usize, kill_cmd: &str) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    let d = dir.display();
    let script = format!(
        r#"#!/bin/bash
real='{real}'
shard="${{SLURM_ARRAY_TASK_ID:-}}"
prev=
for a in "$@"; do [ "$prev" = --shard ] && shard="$a"; prev="$a"; done
if [ "${{1:-}}" = convert ]; then
    echo "shard=$shard restart=${{SLURM_RESTART_COUNT:-0}}" >> '{d}/attempts.log'
fi
if [ "${{1:-}}" = convert ] && [ "$shard" = {victim} ] && mkdir '{d}/victim.first' 2>/dev/null; then
    # A file-size limit kills the attempt (SIGXFSZ) while it writes its first record file:
    # always half-way, however fast or loaded the machine is. The limit lets the plan copy
    # (the largest file a shard writes before its records) through.
    plan=; prev=
    for a in "$@"; do [ "$prev" = --plan ] && plan="$a"; prev="$a"; done
    kib=$(( $(stat -c %s "$plan") / 1024 + 2 ))
    ( ulimit -c 0; ulimit -f "$kib"; exec "$real" "$@" ) &
    pid=$!
    wait "$pid"
    tag=$(printf '%05d' {victim})
    if compgen -G '{shards}/manifest-'"$tag"'-of-*.json' > /dev/null; then state=late
    elif compgen -G '{shards}/.sample-*-'"$tag"'-of-*.tmp-*' > /dev/null; then state=midway
    else state=early; fi
    echo "$state" > '{d}/victim.state'
    {{ echo "limit ${{kib}} KiB"; ls -la '{shards}'; }} > '{d}/victim.files'
    {kill_cmd}
    exit 1
fi
exec "$real" "$@"
"#,
        real = real_bin(),
        shards = shards.display(),
    );
    let path = dir.join("autodl-format");
    fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    dir.to_path_buf()
}

/// PATH with `first` in front.
pub fn path_with(first: &Path) -> String {
    format!("{}:{}", first.display(), std::env::var("PATH").unwrap_or_default())
}

/// `convert` of `raw` into `out` with the real binary.
pub fn convert(raw: &Path, out: &Path) {
    let o = Command::new(real_bin())
        .args(["convert", "--quiet", raw.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(o.status.success(), "convert: {}", String::from_utf8_lossy(&o.stderr));
}

/// Asserts `merged` holds the same files with the same bytes as `single`.
pub fn assert_same_dataset(single: &Path, merged: &Path) {
    let (a, b) = (tree(single), tree(merged));
    assert_eq!(a.iter().map(|x| &x.0).collect::<Vec<_>>(), b.iter().map(|x| &x.0).collect::<Vec<_>>());
    for ((path, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{} differs between convert and merge ({} vs {} bytes)", path.display(), x.len(), y.len());
    }
}

/// Names of leftover temporary files in `dir`.
pub fn temporaries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

/// Runs `script` with bash (`set -euo pipefail`) in `cwd` with `envs`; returns its output.
pub fn bash(script: &str, cwd: &Path, envs: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new("bash");
    c.arg("-c").arg(format!("set -euo pipefail\n{script}")).current_dir(cwd);
    c.env_remove("SLURM_ARRAY_TASK_ID").env_remove("JOB_COMPLETION_INDEX");
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}
