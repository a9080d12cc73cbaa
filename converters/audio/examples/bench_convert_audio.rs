//! Times one audio folder conversion through the library (the code path of
//! `autodl-format convert --domain audio`, without the CLI's libtorch build).
//!
//! ```text
//! cargo run --release -p converters-audio --example bench_convert_audio -- INPUT OUT [--max-seconds S] [--crop start|center|random]
//! ```
//! Prints `files=… audio_s_read=… audio_s_stored=… seconds=… realtime_x=… peak_rss_mb=…`
//! (`realtime_x` = seconds of source audio converted per second).

#[path = "../../common/examples/bench_support/mod.rs"]
mod bench_support;

use converters_audio::{Audio, AudioOptions, Crop};

fn main() {
    converters_audio::ffmpeg::install();
    let (input, out, rest) = bench_support::args("bench_convert_audio INPUT OUT [--max-seconds S] [--crop start|center|random]");
    let mut audio = AudioOptions::default();
    for (flag, value) in bench_support::flag_pairs(&rest) {
        match flag {
            "--max-seconds" => audio.max_seconds = Some(value.parse().expect("S")),
            "--crop" => {
                audio.crop = match value {
                    "start" => Crop::Start,
                    "center" => Crop::Center,
                    _ => Crop::Random,
                }
            }
            other => panic!("unknown flag {other}"),
        }
    }
    let (o, s) = bench_support::timed::<Audio>(input, out, audio, false);
    let t = &o.stats;
    println!(
        "files={} audio_s_read={:.0} audio_s_stored={:.0} seconds={s:.3} realtime_x={:.0} peak_rss_mb={:.0}",
        o.inputs,
        t.source_seconds,
        t.stored_seconds,
        t.source_seconds / s,
        bench_support::peak_rss_mb()
    );
}
