//! What the default check costs per JPEG, against reading the file (issue 22, item 10).
//!
//! ```text
//! cargo run --release -p converters-image --example bench_jpeg_walk -- FOLDER [ROUNDS]
//! ```
//! Over every `.jpg` below FOLDER (read once into memory), the median of ROUNDS (default 5)
//! passes of: reading the files again; the structure check plus the decoder's header pass
//! (the default check before the scan walk); the scan walk alone; the full decode that
//! `validate --deep` and `--verify` run. Prints seconds per pass, µs per file and ratios, and
//! how many files the walk vouches for (the others get the full decode in `convert`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use converters_image::jpeg_scan::walk_scan;
use converters_image::probe::check_jpeg;
use formats::validate_decode::{decode_frame, decode_header};

fn jpegs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("a folder").flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            jpegs(&p, out);
        } else if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg")) {
            out.push(p);
        }
    }
}

fn median_secs(rounds: usize, mut pass: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..rounds)
        .map(|_| {
            let s = Instant::now();
            pass();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: bench_jpeg_walk FOLDER [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.get(1).map(|r| r.parse().expect("a number")).unwrap_or(5);
    let mut paths = Vec::new();
    jpegs(Path::new(dir), &mut paths);
    let files: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).expect("readable")).collect();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let vouched = files.iter().filter(|b| walk_scan(b).is_ok()).count();
    let n = files.len().max(1) as f64;

    let read = median_secs(rounds, || {
        for p in &paths {
            std::hint::black_box(std::fs::read(p).expect("readable"));
        }
    });
    let header = median_secs(rounds, || {
        for b in &files {
            std::hint::black_box(check_jpeg(b).is_ok() && decode_header(b).is_ok());
        }
    });
    let walk = median_secs(rounds, || {
        for b in &files {
            std::hint::black_box(walk_scan(b).is_ok());
        }
    });
    let decode = median_secs(rounds.min(3), || {
        for b in &files {
            std::hint::black_box(decode_frame(b).is_ok());
        }
    });
    println!("{} JPEGs, {:.1} MiB, {vouched} vouched for by the walk; median of {rounds}", files.len(), bytes as f64 / (1 << 20) as f64);
    for (what, s) in [("read the files", read), ("structure + header pass", header), ("scan walk", walk), ("full decode", decode)] {
        println!("{what:<24} {s:8.4} s  {:8.1} µs/file  {:6.2}× read", s / n * 1e6, s / read);
    }
    println!(
        "default check before (read + header) {:.4} s, after (+ walk) {:.4} s: {:.2}× before",
        read + header,
        read + header + walk,
        (read + header + walk) / (read + header)
    );
}
