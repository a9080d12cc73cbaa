//! Times one video folder conversion through the library (the code path of
//! `autodl-format convert --domain video`, without the CLI's libtorch build).
//!
//! ```text
//! cargo run --release -p converters-video --example bench_convert_video -- INPUT OUT [--fps F] [--size HxW] [--max-frames N]
//! ```
//! Prints `clips=… frames_decoded=… frames_stored=… seconds=… decoded_fps=… stored_fps=… peak_rss_mb=…`.

#[path = "../../common/examples/bench_support/mod.rs"]
mod bench_support;

use converters_video::{FrameSelection, Video, VideoOptions};

fn main() {
    converters_video::decode::install();
    let (input, out, rest) = bench_support::args("bench_convert_video INPUT OUT [--fps F] [--size HxW] [--max-frames N]");
    let mut video = VideoOptions { deep_validate: false, ..Default::default() };
    for (flag, value) in bench_support::flag_pairs(&rest) {
        match flag {
            "--fps" => video.selection = FrameSelection::Fps(value.parse().expect("F")),
            "--size" => {
                let (h, w) = value.split_once('x').expect("HxW");
                video.size = Some((h.parse().expect("H"), w.parse().expect("W")));
            }
            "--max-frames" => video.max_frames = Some(value.parse().expect("N")),
            other => panic!("unknown flag {other}"),
        }
    }
    let (o, s) = bench_support::timed::<Video>(input, out, video, false);
    let t = &o.stats;
    println!(
        "clips={} frames_decoded={} frames_stored={} seconds={s:.3} decoded_fps={:.0} stored_fps={:.0} peak_rss_mb={:.0}",
        o.inputs,
        t.decoded,
        t.stored,
        t.decoded as f64 / s,
        t.stored as f64 / s,
        bench_support::peak_rss_mb()
    );
}
