//! Times one image folder conversion through the library (the same code path as
//! `autodl-format convert`, without building the CLI's libtorch dependencies).
//!
//! ```text
//! cargo run --release -p converters-image --example bench_convert -- INPUT OUT [compressed|dense HxW] [--fsync]
//! ```
//! Prints `images=<n> seconds=<s> images_per_s=<r> validate_pass_s=<v>` (the time of one
//! validator pass, which the conversion includes).

use std::path::PathBuf;
use std::time::Instant;

use converters_image::{convert_image_folder, ImageOptions, ImageRequest, Storage};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `--fsync` anywhere: the writer syncs the dataset before and after its rename.
    let fsync = args.iter().any(|a| a == "--fsync");
    args.retain(|a| a != "--fsync");
    if args.len() < 2 {
        eprintln!("usage: bench_convert INPUT OUT [compressed|dense HxW] [--fsync]");
        std::process::exit(2);
    }
    let mut image = ImageOptions::default();
    if args.get(2).map(String::as_str) == Some("dense") {
        image.storage = Storage::Dense;
        let size = args.get(3).map(String::as_str).unwrap_or("64x64");
        image.size = Some(converters_image::options::parse_size(size).expect("HxW"));
    }
    let req = ImageRequest {
        input: PathBuf::from(&args[0]),
        out_dir: PathBuf::from(&args[1]),
        name: Some("bench".into()),
        force: true,
        quiet: true,
        fsync,
        split: Default::default(),
        policy: Default::default(),
        image,
    };
    let start = Instant::now();
    match convert_image_folder(&req) {
        Ok(o) => {
            let secs = start.elapsed().as_secs_f64();
            let n = o.written.summary.train_records + o.written.summary.test_records;
            // The conversion ends with a validator pass; time one more to show its share.
            let v = Instant::now();
            let report = formats::validate::validate(&req.out_dir, &Default::default());
            assert!(report.is_valid());
            println!(
                "images={n} seconds={secs:.3} images_per_s={:.0} validate_pass_s={:.3}",
                n as f64 / secs,
                v.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
