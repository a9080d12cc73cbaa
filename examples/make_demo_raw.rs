//! Writes the README demo's raw input: a folder of class sub-folders (`circle/`, `square/`,
//! `triangle/`, `cross/`) holding small PNG drawings whose class is visible, with random
//! position, size, colours and noise from a fixed seed (the same files on every run).
//!
//! ```text
//! cargo run --example make_demo_raw -- OUT_DIR [PER_CLASS]
//! ```

use std::path::PathBuf;

use image::{Rgb, RgbImage};
use scoring::rng::SplitMix64;

const SIZE: u32 = 32;
const CLASSES: [&str; 4] = ["circle", "square", "triangle", "cross"];

/// The project's generator (scoring's SplitMix64), drawing in an inclusive range.
struct SplitMix(SplitMix64);

impl SplitMix {
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.0.next() % (hi - lo + 1) as u64) as i64
    }
}

/// Whether pixel (x, y) lies on shape `class` centred at (cx, cy) with half-size r.
fn inside(class: usize, x: i64, y: i64, cx: i64, cy: i64, r: i64) -> bool {
    let (dx, dy) = (x - cx, y - cy);
    match class {
        0 => dx * dx + dy * dy <= r * r,
        1 => dx.abs() <= r && dy.abs() <= r,
        // Apex up: the row's half-width grows linearly from the top.
        2 => dy >= -r && dy <= r && 2 * dx.abs() <= dy + r,
        _ => (dx.abs() <= r / 3 && dy.abs() <= r) || (dy.abs() <= r / 3 && dx.abs() <= r),
    }
}

fn draw(class: usize, rng: &mut SplitMix) -> RgbImage {
    let r = rng.range(6, 11);
    let cx = rng.range(r, SIZE as i64 - 1 - r);
    let cy = rng.range(r, SIZE as i64 - 1 - r);
    let bg = [rng.range(0, 90) as u8, rng.range(0, 90) as u8, rng.range(0, 90) as u8];
    let fg = [rng.range(150, 255) as u8, rng.range(150, 255) as u8, rng.range(150, 255) as u8];
    RgbImage::from_fn(SIZE, SIZE, |x, y| {
        let base = if inside(class, x as i64, y as i64, cx, cy, r) { fg } else { bg };
        let noise = rng.range(-20, 20);
        Rgb(base.map(|v| (v as i64 + noise).clamp(0, 255) as u8))
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first().map(PathBuf::from) else {
        eprintln!("usage: make_demo_raw OUT_DIR [PER_CLASS]");
        std::process::exit(2);
    };
    let per_class: u32 = match args.get(1).map(|v| v.parse()) {
        None => 60,
        Some(Ok(n)) if n >= 2 => n,
        Some(_) => {
            eprintln!("PER_CLASS must be an integer ≥ 2");
            std::process::exit(2);
        }
    };
    let mut rng = SplitMix(SplitMix64(42));
    for (class, name) in CLASSES.iter().enumerate() {
        let dir = out.join(name);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("error: {}: {e}", dir.display());
            std::process::exit(1);
        }
        for i in 0..per_class {
            let path = dir.join(format!("{name}-{i:03}.png"));
            if let Err(e) = draw(class, &mut rng).save(&path) {
                eprintln!("error: {}: {e}", path.display());
                std::process::exit(1);
            }
        }
    }
    println!("wrote {} images in {} class folders under {}", per_class * 4, CLASSES.len(), out.display());
}
