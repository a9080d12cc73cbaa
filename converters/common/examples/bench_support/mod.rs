//! What the folder-conversion benches of images, video and audio share (each includes this file
//! with `#[path]`): the command line, one timed conversion through
//! [`converters_common::folder::convert_folder`] (the code path of `autodl-format convert`), and
//! the peak memory of the process.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Instant;

use converters_common::file_domain::FileDomain;
use converters_common::folder::{convert_folder, FolderOutcome, FolderRequest};
use converters_common::output::Common;

/// `INPUT OUT` and the arguments after them; exits 2 with `usage` when a folder is missing.
pub fn args(usage: &str) -> (PathBuf, PathBuf, Vec<String>) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: {usage}");
        std::process::exit(2);
    }
    (PathBuf::from(&args[0]), PathBuf::from(&args[1]), args[2..].to_vec())
}

/// `--flag value` pairs (a flag without its value is a usage error).
pub fn flag_pairs(rest: &[String]) -> Vec<(&str, &str)> {
    rest.chunks(2).map(|p| (p[0].as_str(), p.get(1).unwrap_or_else(|| panic!("{} needs a value", p[0])).as_str())).collect()
}

/// Converts `input` into the dataset `bench` at `out` (replaced, no progress bar) and times it;
/// exits 1 with the error.
pub fn timed<D: FileDomain>(input: PathBuf, out: PathBuf, options: D::Options, fsync: bool) -> (FolderOutcome<D>, f64) {
    let mut req = FolderRequest::new(input, out, options);
    req.common = Common { name: Some("bench".into()), force: true, quiet: true, fsync, ..req.common };
    let start = Instant::now();
    match convert_folder::<D>(&req) {
        Ok(o) => (o, start.elapsed().as_secs_f64()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

/// VmHWM of this process (Linux), MB.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}
