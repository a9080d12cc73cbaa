//! Writes generated raw image inputs (the fixtures of `converters_image::fixtures`) to disk.
//!
//! ```text
//! cargo run -p converters-image --example make_sample_images -- OUT_DIR [classes|csv|multilabel|bad|bench N [W H]]
//! ```
//! `bench N`: N JPEGs (default 256×256) in 10 class folders, for `scripts/bench-convert-images.sh`.

use std::path::PathBuf;

use converters_image::fixtures;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first().map(PathBuf::from) else {
        eprintln!("usage: make_sample_images OUT_DIR [classes|csv|multilabel|bad|bench N [W H]]");
        std::process::exit(2);
    };
    let kind = args.get(1).map(String::as_str).unwrap_or("classes");
    let num = |i: usize, default: u32| args.get(i).map(|v| v.parse().expect("a number")).unwrap_or(default);
    let result = match kind {
        "classes" => fixtures::class_folders(&out, &["cat", "dog", "fox"], 10, 32, 24, true, false),
        "csv" => fixtures::labels_csv_layout(&out, 30, false),
        "multilabel" => fixtures::labels_csv_layout(&out, 30, true),
        "bad" => fixtures::bad_inputs(&out, 12).map(|_| ()),
        "bench" => fixtures::bench_jpegs(&out, num(2, 5000), num(3, 256), num(4, 256)),
        other => {
            eprintln!("unknown kind {other:?}");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("error: {}: {e}", out.display());
        std::process::exit(1);
    }
}
