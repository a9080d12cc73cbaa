//! Times one image folder conversion through the library (the same code path as
//! `autodl-format convert`, without building the CLI's libtorch dependencies).
//!
//! ```text
//! cargo run --release -p converters-image --example bench_convert -- INPUT OUT [compressed|dense HxW] [--fsync]
//! ```
//! Prints `images=<n> seconds=<s> images_per_s=<r> validate_pass_s=<v>` (the time of one
//! validator pass, which the conversion includes).

#[path = "../../common/examples/bench_support/mod.rs"]
mod bench_support;

use std::time::Instant;

use converters_image::{Image, ImageOptions, Storage};

fn main() {
    let (input, out, mut rest) = bench_support::args("bench_convert INPUT OUT [compressed|dense HxW] [--fsync]");
    // `--fsync` anywhere: the writer syncs the dataset before and after its rename.
    let fsync = rest.iter().any(|a| a == "--fsync");
    rest.retain(|a| a != "--fsync");
    let mut image = ImageOptions::default();
    if rest.first().map(String::as_str) == Some("dense") {
        image.storage = Storage::Dense;
        let size = rest.get(1).map(String::as_str).unwrap_or("64x64");
        image.size = Some(converters_image::options::parse_size(size).expect("HxW"));
    }
    let (o, secs) = bench_support::timed::<Image>(input, out.clone(), image, fsync);
    let n = o.written.summary.train_records + o.written.summary.test_records;
    // The conversion ends with a validator pass; time one more to show its share.
    let v = Instant::now();
    let report = formats::validate::validate(&out, &Default::default());
    assert!(report.is_valid());
    println!("images={n} seconds={secs:.3} images_per_s={:.0} validate_pass_s={:.3}", n as f64 / secs, v.elapsed().as_secs_f64());
}
