//! Times one video folder conversion through the library (the code path of
//! `autodl-format convert --domain video`, without the CLI's libtorch build).
//!
//! ```text
//! cargo run --release -p converters-video --example bench_convert_video -- INPUT OUT [--fps F] [--size HxW] [--max-frames N]
//! ```
//! Prints `clips=… frames_decoded=… frames_stored=… seconds=… decoded_fps=… stored_fps=… peak_rss_mb=…`.

use std::path::PathBuf;
use std::time::Instant;

use converters_video::{convert_video_folder, FrameSelection, VideoOptions, VideoRequest};

fn main() {
    converters_video::decode::install();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: bench_convert_video INPUT OUT [--fps F] [--size HxW] [--max-frames N]");
        std::process::exit(2);
    }
    let mut video = VideoOptions { deep_validate: false, ..Default::default() };
    let mut it = args[2..].iter();
    while let Some(flag) = it.next() {
        let value = it.next().expect("flag value");
        match flag.as_str() {
            "--fps" => video.selection = FrameSelection::Fps(value.parse().expect("F")),
            "--size" => {
                let (h, w) = value.split_once('x').expect("HxW");
                video.size = Some((h.parse().expect("H"), w.parse().expect("W")));
            }
            "--max-frames" => video.max_frames = Some(value.parse().expect("N")),
            other => panic!("unknown flag {other}"),
        }
    }
    let req = VideoRequest {
        input: PathBuf::from(&args[0]),
        out_dir: PathBuf::from(&args[1]),
        name: Some("bench".into()),
        force: true,
        quiet: true,
        fsync: false,
        split: Default::default(),
        policy: Default::default(),
        video,
    };
    let t = Instant::now();
    let out = convert_video_folder(&req).unwrap_or_else(|e| panic!("{e}"));
    let s = t.elapsed().as_secs_f64();
    println!(
        "clips={} frames_decoded={} frames_stored={} seconds={s:.3} decoded_fps={:.0} stored_fps={:.0} peak_rss_mb={:.0}",
        out.inputs,
        out.frames_decoded,
        out.frames_stored,
        out.frames_decoded as f64 / s,
        out.frames_stored as f64 / s,
        peak_rss_mb()
    );
}

/// VmHWM of this process (Linux), MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}
