//! Shared by the tests that rate, serve or render reports: small raw inputs generated on the
//! fly (images, a table, audio tones, short texts; nothing copied into the repo), the static
//! self-containment check of a report and the Chromium they run it in.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_autodl-format");

#[path = "../support/lcg.rs"]
mod lcg;
use lcg::Lcg;

/// A seeded generator of the test images (the same pictures on every machine).
fn lcg(seed: u64) -> impl FnMut() -> u32 {
    let mut rng = Lcg(seed);
    move || rng.bits31()
}

/// Whether pixel (x, y) of a 24×24 picture of `class` (0 disc, 1 bar, 2 ring) centred on
/// (cx, cy) belongs to the shape.
fn on_shape(class: usize, x: u32, y: u32, cx: u32, cy: u32) -> bool {
    let (dx, dy) = (x as i32 - cx as i32, y as i32 - cy as i32);
    let d2 = dx * dx + dy * dy;
    match class {
        0 => d2 <= 25,
        1 => dx.abs() <= 1,
        _ => (16..=36).contains(&d2),
    }
}

/// `per_class` 24×24 PNGs `NNN.png` in each of `disc/`, `bar/`, `ring/`: for each, the shape's
/// centre is drawn from the generator seeded with `seed`, then `draw(class, cx, cy, next)`
/// paints the picture (drawing what else it needs from the same generator).
fn write_shapes(dir: &Path, per_class: usize, seed: u64, mut draw: impl FnMut(usize, u32, u32, &mut dyn FnMut() -> u32) -> image::RgbImage) {
    let mut next = lcg(seed);
    for (class, name) in ["disc", "bar", "ring"].iter().enumerate() {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        for k in 0..per_class {
            let (cx, cy) = (8 + next() % 8, 8 + next() % 8);
            draw(class, cx, cy, &mut next).save(dir.join(name).join(format!("{k:03}.png"))).unwrap();
        }
    }
}

/// `per_class` 24×24 PNGs in each of 3 class folders (`disc/`, `bar/`, `ring/`): a shape whose
/// class is visible, random position and colours from a fixed seed.
pub fn write_image_folder(dir: &Path, per_class: usize) {
    write_shapes(dir, per_class, 0x5eed, |class, cx, cy, next| {
        let fg = image::Rgb([(100 + next() % 156) as u8, (next() % 256) as u8, (100 + next() % 156) as u8]);
        let bg = image::Rgb([(next() % 60) as u8, (next() % 60) as u8, (next() % 60) as u8]);
        image::RgbImage::from_fn(24, 24, |x, y| if on_shape(class, x, y, cx, cy) { fg } else { bg })
    });
}

/// `per_class` noisy 24×24 PNGs in `disc/`, `bar/`, `ring/`: the shape is faint under strong
/// noise, so the learner keeps improving for the whole budget (an easy set is learnt in two
/// predictions and the run ends early) and the curve gets several points.
pub fn write_noisy_image_folder(dir: &Path, per_class: usize) {
    write_shapes(dir, per_class, 0x0dd5_eed, |class, cx, cy, next| {
        let mut noise: Vec<u8> = (0..24 * 24 * 3).map(|_| (next() % 200) as u8).collect();
        for y in 0..24u32 {
            for x in 0..24u32 {
                if on_shape(class, x, y, cx, cy) {
                    let i = ((y * 24 + x) * 3) as usize;
                    noise[i] = noise[i].saturating_add(40);
                }
            }
        }
        image::RgbImage::from_raw(24, 24, noise).unwrap()
    });
}

/// Chromium: `$AUTODL_CHROMIUM`, `chromium` or `chromium-browser`. `None` (with a message) when
/// missing, except under CI=true, where the browser tests must run (.ci/run installs it).
pub fn chromium() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = std::env::var_os("AUTODL_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(["chromium", "chromium-browser"].iter().map(PathBuf::from))
        .collect();
    for c in candidates {
        if Command::new(&c).arg("--version").output().map(|o| o.status.success()).unwrap_or(false) {
            return Some(c);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but chromium is not installed (apt-get install -y chromium; .ci/run does)");
    }
    eprintln!("chromium not found (install the Debian package `chromium`); browser check skipped");
    None
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

/// `per_class` mono 16-bit WAV clips of 0.5 s at 8 kHz in `low/` and `high/`: a tone whose
/// pitch gives the class, a little seeded noise.
pub fn write_audio_folder(dir: &Path, per_class: usize) {
    let rate = 8000u32;
    for (class, hz) in [("low", 300.0f64), ("high", 1500.0)] {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        for k in 0..per_class {
            let mut rng = Lcg(0x5eed_u64 ^ (k as u64 * 7919) ^ hz as u64);
            let samples: Vec<i16> = (0..rate as usize / 2)
                .map(|i| {
                    let noise = rng.centred() * 0.1;
                    let f = hz * (1.0 + k as f64 / 40.0);
                    let v = 0.5 * (2.0 * std::f64::consts::PI * f * i as f64 / f64::from(rate)).sin() + noise;
                    (v * 32767.0) as i16
                })
                .collect();
            std::fs::write(dir.join(class).join(format!("{k:02}.wav")), wav_pcm16(&samples, rate)).unwrap();
        }
    }
}

/// A mono 16-bit PCM WAV file's bytes.
pub fn wav_pcm16(samples: &[i16], rate: u32) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    // fmt chunk: its size (16), PCM (1), one channel, the rate, bytes per second, block
    // align (2 bytes), 16 bits per sample
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// `per_class` short English reviews in `pos/` and `neg/`, with contractions and punctuation
/// that a word tokenizer splits off ("it's great." → `it ' s great .`).
pub fn write_text_folder(dir: &Path, per_class: usize) {
    let words = [
        ("pos", ["great", "wonderful", "lovely", "superb"], "I loved it"),
        ("neg", ["awful", "boring", "dreadful", "dull"], "I hated it"),
    ];
    for (class, adjectives, verdict) in words {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        for k in 0..per_class {
            let a = adjectives[k % adjectives.len()];
            let b = adjectives[(k / adjectives.len() + 1) % adjectives.len()];
            let text = format!("The film {k}: it's {a}, and the cast isn't {b}! {verdict} (really).\n");
            std::fs::write(dir.join(class).join(format!("{k:02}.txt")), text).unwrap();
        }
    }
}

/// A CSV table as [`write_table`] plus `extra` wide numeric columns with long names, so the
/// report's example rows are wider than the window.
pub fn write_wide_table(path: &Path, rows: usize, extra: usize) {
    let mut out = String::from("length,width,depth,colour");
    for j in 0..extra {
        out.push_str(&format!(",measurement_with_a_long_name_{j:02}"));
    }
    out.push_str(",species\n");
    let names = ["setosa", "versicolor", "virginica"];
    for i in 0..rows {
        let c = i % 3;
        let jitter = ((i * 37) % 11) as f64 / 10.0;
        let colour = ["red", "green", "blue"][(i / 3 + c) % 3];
        out.push_str(&format!("{:.2},{:.2},{:.2},{colour}", 1.0 + 2.0 * c as f64 + jitter, 3.0 - c as f64 + 0.5 * jitter, jitter * 2.0));
        for j in 0..extra {
            out.push_str(&format!(",{:.4}", 12345.678 + (i * 31 + j * 17) as f64 / 7.0));
        }
        out.push_str(&format!(",{}\n", names[c]));
    }
    std::fs::write(path, out).unwrap();
}
