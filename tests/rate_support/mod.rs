//! Shared by tests/cli_rate.rs and tests/report_browser.rs: small raw inputs generated on the
//! fly (nothing copied into the repo) and the static self-containment check of a report.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_autodl-format");

/// `per_class` 24×24 PNGs in each of 3 class folders (`disc/`, `bar/`, `ring/`): a shape whose
/// class is visible, random position and colours from a fixed seed.
pub fn write_image_folder(dir: &Path, per_class: usize) {
    let mut state = 0x5eed_u64;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    for (class, name) in ["disc", "bar", "ring"].iter().enumerate() {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        for k in 0..per_class {
            let (cx, cy) = (8 + next() % 8, 8 + next() % 8);
            let fg = image::Rgb([(100 + next() % 156) as u8, (next() % 256) as u8, (100 + next() % 156) as u8]);
            let bg = image::Rgb([(next() % 60) as u8, (next() % 60) as u8, (next() % 60) as u8]);
            let img = image::RgbImage::from_fn(24, 24, |x, y| {
                let (dx, dy) = (x as i32 - cx as i32, y as i32 - cy as i32);
                let d2 = dx * dx + dy * dy;
                let on = match class {
                    0 => d2 <= 25,
                    1 => dx.abs() <= 1,
                    _ => (16..=36).contains(&d2),
                };
                if on { fg } else { bg }
            });
            img.save(dir.join(name).join(format!("{k:03}.png"))).unwrap();
        }
    }
}

/// A CSV table of 3 species with class-dependent numeric features and a categorical column,
/// plus one row whose numeric cell is text (a bad input the conversion skips and reports).
pub fn write_table(path: &Path, rows: usize) {
    let mut out = String::from("length,width,depth,colour,species\n");
    let names = ["setosa", "versicolor", "virginica"];
    for i in 0..rows {
        let c = i % 3;
        let jitter = ((i * 37) % 11) as f64 / 10.0;
        let colour = ["red", "green", "blue"][(i / 3 + c) % 3];
        out.push_str(&format!(
            "{:.2},{:.2},{:.2},{colour},{}\n",
            1.0 + 2.0 * c as f64 + jitter,
            3.0 - c as f64 + 0.5 * jitter,
            jitter * 2.0,
            names[c]
        ));
        if i == 10 {
            out.push_str("not-a-number,1.0,1.0,red,setosa\n");
        }
    }
    std::fs::write(path, out).unwrap();
}

pub fn rate(input: &Path, out: &Path, extra: &[&str]) -> Output {
    let output = Command::new(BIN)
        .arg("rate")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(["--device", "cpu"])
        .args(extra)
        .output()
        .expect("run autodl-format rate");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    eprintln!("{}", String::from_utf8_lossy(&output.stdout));
    output
}

/// Every `src=`, `href=` and `url(` value of the page, in order (quotes stripped).
pub fn referenced_urls(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut urls = Vec::new();
    for key in ["src=", "href=", "url(", "@import"] {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(key) {
            let start = from + pos + key.len();
            let rest = html[start..].trim_start();
            let value: String = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].chars().take_while(|&c| c != q).collect(),
                _ => rest.chars().take_while(|&c| !c.is_whitespace() && c != '>' && c != ')').collect(),
            };
            urls.push(value);
            from = start;
        }
    }
    urls
}

/// Panics unless the page references nothing outside itself: every src/href/url() is a
/// `data:` URI or an in-page `#anchor`, and no absolute or protocol-relative URL appears.
pub fn assert_self_contained(html: &str) {
    for url in referenced_urls(html) {
        let u = url.trim().to_ascii_lowercase();
        assert!(u.starts_with("data:") || u.starts_with('#'), "report references {url:?}");
    }
    for needle in ["http://", "https://", "ftp://", "ws://", "wss://"] {
        assert!(!html.to_ascii_lowercase().contains(needle), "report contains {needle}");
    }
}

pub fn read_report(out: &Path) -> (PathBuf, String) {
    let path = out.join("report.html");
    let html = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, html)
}
