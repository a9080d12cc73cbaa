//! Times one audio folder conversion through the library (the code path of
//! `autodl-format convert --domain audio`, without the CLI's libtorch build).
//!
//! ```text
//! cargo run --release -p converters-audio --example bench_convert_audio -- INPUT OUT [--max-seconds S] [--crop start|center|random]
//! ```
//! Prints `files=… audio_s_read=… audio_s_stored=… seconds=… realtime_x=… peak_rss_mb=…`
//! (`realtime_x` = seconds of source audio converted per second).

use std::path::PathBuf;
use std::time::Instant;

use converters_audio::{convert_audio_folder, AudioOptions, AudioRequest, Crop};

fn main() {
    converters_audio::ffmpeg::install();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: bench_convert_audio INPUT OUT [--max-seconds S] [--crop start|center|random]");
        std::process::exit(2);
    }
    let mut audio = AudioOptions::default();
    let mut it = args[2..].iter();
    while let Some(flag) = it.next() {
        let value = it.next().expect("flag value");
        match flag.as_str() {
            "--max-seconds" => audio.max_seconds = Some(value.parse().expect("S")),
            "--crop" => {
                audio.crop = match value.as_str() {
                    "start" => Crop::Start,
                    "center" => Crop::Center,
                    _ => Crop::Random,
                }
            }
            other => panic!("unknown flag {other}"),
        }
    }
    let req = AudioRequest {
        input: PathBuf::from(&args[0]),
        out_dir: PathBuf::from(&args[1]),
        name: Some("bench".into()),
        force: true,
        quiet: true,
        fsync: false,
        split: Default::default(),
        policy: Default::default(),
        audio,
    };
    let t = Instant::now();
    let out = convert_audio_folder(&req).unwrap_or_else(|e| panic!("{e}"));
    let s = t.elapsed().as_secs_f64();
    println!(
        "files={} audio_s_read={:.0} audio_s_stored={:.0} seconds={s:.3} realtime_x={:.0} peak_rss_mb={:.0}",
        out.inputs,
        out.source_seconds,
        out.stored_seconds,
        out.source_seconds / s,
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
