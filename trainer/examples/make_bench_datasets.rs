//! Writes the two larger acceptance datasets of `scripts/compare-models.sh` as AutoDL
//! datasets (no converter needed):
//!
//! - `shapes`: 2,000 train + 400 test RGB 32×32 PNG images of one drawn shape each (disc,
//!   square, triangle, cross) at a random place, size and colour on a noisy background;
//! - `tones` (speech): 800 train + 200 test 16 kHz clips of 0.3–2 s, six classes of synthesised
//!   sounds (chirps up/down, harmonic stack, low/high noise bands, click trains), see [`tones`];
//! - `motion` (video): 600 train + 200 test clips of 8–16 JPEG frames (32×32) whose class is
//!   the drift direction of a few blobs, visible only along the time axis, see [`motion`];
//! - `topics` (text): 800 train + 200 test token documents in five classes, learnable from
//!   topic words mixed into common filler words, variable lengths, 3 % empty, see [`topics`];
//! - `nonlinear`: 5,000 train + 1,000 test rows of 12 features (2 pure noise) whose class
//!   (3 classes) depends on a radius, a product and a sine — not linearly separable.
//!
//! Usage: `cargo run --release -p trainer --example make_bench_datasets -- OUT_DIR [--force]`

use std::path::{Path, PathBuf};

use formats::dataset::WriterOptions;
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use trainer::scoring::rng::SplitMix64;

/// The project's generator (scoring's SplitMix64) with the f32 draws the generators below use.
struct Rng(SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next()
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn normal(&mut self) -> f32 {
        let (u, v) = (self.unit().max(1e-7), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }
}

const SHAPES: [&str; 4] = ["disc", "square", "triangle", "cross"];
const SIDE: usize = 32;

fn draw(rng: &mut Rng, class: usize) -> Vec<u8> {
    let mut img = image::RgbImage::new(SIDE as u32, SIDE as u32);
    let bg: [f32; 3] = [rng.unit() * 120.0, rng.unit() * 120.0, rng.unit() * 120.0];
    let fg: [f32; 3] = [120.0 + rng.unit() * 135.0, 120.0 + rng.unit() * 135.0, 120.0 + rng.unit() * 135.0];
    let r = 5.0 + rng.unit() * 7.0;
    let (cx, cy) = (r + rng.unit() * (SIDE as f32 - 2.0 * r), r + rng.unit() * (SIDE as f32 - 2.0 * r));
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let inside = match class {
                0 => dx * dx + dy * dy <= r * r,
                1 => dx.abs() <= r * 0.8 && dy.abs() <= r * 0.8,
                2 => dy <= r * 0.8 && dy >= -r && dx.abs() <= (dy + r) * 0.55,
                _ => (dx.abs() <= r * 0.25 && dy.abs() <= r) || (dy.abs() <= r * 0.25 && dx.abs() <= r),
            };
            let base = if inside { fg } else { bg };
            let px: [u8; 3] = std::array::from_fn(|c| (base[c] + rng.normal() * 12.0).clamp(0.0, 255.0) as u8);
            img.put_pixel(x as u32, y as u32, image::Rgb(px));
        }
    }
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("PNG encoding into memory");
    png
}

#[path = "../../tests/support/datasets.rs"]
mod datasets;

/// Writes the single-label dataset `out` with the class names `classes`, also as its label map.
fn write_dataset(
    out: &Path,
    name: &str,
    force: bool,
    counts: (usize, usize),
    mut example: impl FnMut() -> (Frames, usize),
    spec: DataSpec,
    classes: &[&str],
) -> formats::Result<()> {
    let label_to_index_map = classes.iter().enumerate().map(|(i, s)| (s.to_string(), i as i32)).collect();
    let spec = DataSpec { label_to_index_map, ..spec };
    datasets::write_single_label(out, name, WriterOptions { force, ..Default::default() }, counts, |_, _| example(), spec, classes)?;
    Ok(())
}

/// One `side`×`side` RGB picture per frame, stored compressed (images, video frames).
fn rgb_frames(side: usize) -> MatrixSpec {
    MatrixSpec {
        row_count: side as i32,
        col_count: side as i32,
        num_channels: 3,
        has_locality_col: true,
        has_locality_row: true,
        format: Format::Compressed,
        ..Default::default()
    }
}

/// One value per frame, frames in time order (audio samples, tokens).
fn one_value_frames() -> MatrixSpec {
    MatrixSpec {
        row_count: 1,
        col_count: 1,
        num_channels: 1,
        has_locality_col: true,
        has_locality_row: true,
        format: Format::Dense,
        ..Default::default()
    }
}

fn shapes(out: PathBuf, force: bool) -> formats::Result<()> {
    let mut rng = Rng(SplitMix64(11));
    let example = || {
        let class = ((rng.next() >> 7) % 4) as usize;
        (Frames::Compressed(vec![draw(&mut rng, class)]), class)
    };
    let spec = DataSpec { output_dim: 4, matrix_spec: vec![rgb_frames(SIDE)], ..Default::default() };
    write_dataset(&out, "shapes", force, (400, 2000), example, spec, &SHAPES)
}

const FEATURES: usize = 12;

fn nonlinear(out: PathBuf, force: bool) -> formats::Result<()> {
    let mut rng = Rng(SplitMix64(23));
    let example = || {
        let x: Vec<f32> = (0..FEATURES).map(|_| rng.normal()).collect();
        // Class from a ring, an interaction and a periodic term; label noise 3 %.
        let score = (x[0] * x[0] + x[1] * x[1]).sqrt() - 1.2 + 0.8 * (x[2] * x[3]).tanh() + 0.6 * (2.0 * x[4]).sin();
        let mut class = if score < -0.35 { 0 } else if score < 0.45 { 1 } else { 2 };
        if rng.unit() < 0.03 {
            class = (rng.next() % 3) as usize;
        }
        (Frames::dense_uniform(x, FEATURES).expect("one frame of FEATURES values"), class)
    };
    let spec = DataSpec {
        output_dim: 3,
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: FEATURES as i32, num_channels: 1, ..Default::default() }],
        ..Default::default()
    };
    write_dataset(&out, "nonlinear", force, (1000, 5000), example, spec, &[])
}

const TONE_CLASSES: [&str; 6] = ["chirp_up", "chirp_down", "harmonic", "low_noise", "high_noise", "clicks"];
const TONE_RATE: f32 = 16_000.0;

/// Band-pass biquad (RBJ cookbook, constant 0 dB peak gain) run over `x` in place.
fn band_pass(x: &mut [f32], centre: f32, q: f32) {
    let w0 = std::f32::consts::TAU * centre / TONE_RATE;
    let alpha = w0.sin() / (2.0 * q);
    let a0 = 1.0 + alpha;
    let (b0, b2, a1, a2) = (alpha / a0, -alpha / a0, -2.0 * w0.cos() / a0, (1.0 - alpha) / a0);
    let (mut x1, mut x2, mut y1, mut y2) = (0f32, 0f32, 0f32, 0f32);
    for v in x.iter_mut() {
        let y = b0 * *v + b2 * x2 - a1 * y1 - a2 * y2;
        (x2, x1, y2, y1) = (x1, *v, y1, y);
        *v = y;
    }
}

/// One clip of `class`: the sound starts at a random onset and fills most of the rest, at a
/// random level, over a faint white-noise floor.
fn tone_clip(rng: &mut Rng, class: usize, seconds: f32) -> Vec<f32> {
    let n = (seconds * TONE_RATE) as usize;
    let onset = (rng.unit() * 0.2 * n as f32) as usize;
    let len = ((n - onset) as f32 * (0.6 + 0.4 * rng.unit())) as usize;
    let mut sound = vec![0f32; len];
    match class {
        0 | 1 => {
            let (lo, hi) = (300.0 + rng.unit() * 500.0, 1800.0 + rng.unit() * 1500.0);
            let (f0, f1) = if class == 0 { (lo, hi) } else { (hi, lo) };
            let mut phase = 0f32;
            for (i, s) in sound.iter_mut().enumerate() {
                let f = f0 + (f1 - f0) * i as f32 / len.max(1) as f32;
                phase += std::f32::consts::TAU * f / TONE_RATE;
                *s = phase.sin();
            }
        }
        2 => {
            let f0 = 150.0 + rng.unit() * 250.0;
            let vibrato = 3.0 + rng.unit() * 4.0;
            let mut phase = 0f32;
            for (i, s) in sound.iter_mut().enumerate() {
                let t = i as f32 / TONE_RATE;
                phase += std::f32::consts::TAU * f0 * (1.0 + 0.02 * (std::f32::consts::TAU * vibrato * t).sin()) / TONE_RATE;
                *s = (1..=6).map(|h| (h as f32 * phase).sin() / h as f32).sum::<f32>() * 0.6;
            }
        }
        3 | 4 => {
            sound.iter_mut().for_each(|s| *s = rng.normal());
            let centre = if class == 3 { 400.0 + rng.unit() * 400.0 } else { 3500.0 + rng.unit() * 2000.0 };
            band_pass(&mut sound, centre, 2.0);
            band_pass(&mut sound, centre, 2.0);
            sound.iter_mut().for_each(|s| *s *= 2.5);
        }
        _ => {
            let rate = 6.0 + rng.unit() * 14.0;
            let period = (TONE_RATE / rate) as usize;
            for (i, s) in sound.iter_mut().enumerate() {
                let k = i % period;
                *s = if k < 40 { (1.0 - k as f32 / 40.0) * if k % 2 == 0 { 1.0 } else { -1.0 } } else { 0.0 };
            }
        }
    }
    // 10 ms fades so onsets are not clicks of their own.
    let fade = 160.min(len / 2);
    for i in 0..fade {
        let g = i as f32 / fade as f32;
        sound[i] *= g;
        sound[len - 1 - i] *= g;
    }
    let level = 0.05 + rng.unit() * 0.75;
    let floor = 0.002 + rng.unit() * 0.02;
    let mut clip: Vec<f32> = (0..n).map(|_| rng.normal() * floor).collect();
    for (i, s) in sound.iter().enumerate() {
        clip[onset + i] += level * s;
    }
    clip.iter_mut().for_each(|v| *v = v.clamp(-1.0, 1.0));
    clip
}

/// `tones`: 800 train + 200 test mono 16 kHz clips of 0.3–2 s (DENSE samples in [-1, 1],
/// AUTODL_FORMAT.md §5.3), six classes of synthesised sounds; one clip in 40 is pure silence.
fn tones(out: PathBuf, force: bool) -> formats::Result<()> {
    let mut rng = Rng(SplitMix64(37));
    let example = || {
        let class = (rng.next() % TONE_CLASSES.len() as u64) as usize;
        let seconds = 0.3 + rng.unit() * 1.7;
        let clip = if rng.next() % 40 == 0 { vec![0f32; (seconds * TONE_RATE) as usize] } else { tone_clip(&mut rng, class, seconds) };
        (Frames::dense_uniform(clip, 1).expect("one sample per frame"), class)
    };
    let spec = DataSpec {
        output_dim: TONE_CLASSES.len() as i32,
        sequence_size: -1,
        matrix_spec: vec![one_value_frames()],
        ..Default::default()
    };
    write_dataset(&out, "tones", force, (200, 800), example, spec, &TONE_CLASSES)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let force = args.iter().any(|a| a == "--force");
    let Some(out) = args.iter().find(|a| !a.starts_with("--")).map(PathBuf::from) else {
        eprintln!("usage: make_bench_datasets OUT_DIR [--force]");
        std::process::exit(2);
    };
    for (name, result) in [("shapes", shapes(out.join("shapes"), force)), ("nonlinear", nonlinear(out.join("nonlinear"), force)), ("tones", tones(out.join("tones"), force)), ("motion", motion(out.join("motion"), force)), ("topics", topics(out.join("topics"), force))] {
        match result {
            Ok(()) => println!("{}", out.join(name).display()),
            Err(e) => {
                eprintln!("error: {name}: {e}");
                std::process::exit(2);
            }
        }
    }
}

const MOTION_CLASSES: [&str; 4] = ["right", "left", "down", "up"];
const MOTION_SIDE: usize = 32;

/// One `motion` clip: 4–7 bright blobs on a noisy background, all drifting 1–2.5 px per frame
/// in the class direction with wrap-around, so any single frame (and the mean frame) shows only
/// blobs and streaks at random places; the direction is in the time axis alone. 8–16 frames.
fn motion_clip(rng: &mut Rng, class: usize) -> Vec<Vec<u8>> {
    let frames = 8 + (rng.next() % 9) as usize;
    let speed = 1.0 + rng.unit() * 1.5;
    let (vx, vy) = match class {
        0 => (speed, 0.0),
        1 => (-speed, 0.0),
        2 => (0.0, speed),
        _ => (0.0, -speed),
    };
    let side = MOTION_SIDE as f32;
    let blobs: Vec<(f32, f32, f32, [f32; 3])> = (0..4 + rng.next() % 4)
        .map(|_| {
            let colour = [150.0 + rng.unit() * 105.0, 150.0 + rng.unit() * 105.0, 150.0 + rng.unit() * 105.0];
            (rng.unit() * side, rng.unit() * side, 1.5 + rng.unit() * 2.0, colour)
        })
        .collect();
    let bg = 20.0 + rng.unit() * 60.0;
    (0..frames)
        .map(|t| {
            let mut img = image::RgbImage::new(MOTION_SIDE as u32, MOTION_SIDE as u32);
            for y in 0..MOTION_SIDE {
                for x in 0..MOTION_SIDE {
                    let mut px = [bg + rng.normal() * 8.0; 3];
                    for (bx, by, r, colour) in &blobs {
                        // Distance on the torus, so blobs leaving one side come back on the other.
                        let cx = (bx + vx * t as f32).rem_euclid(side);
                        let cy = (by + vy * t as f32).rem_euclid(side);
                        let dx = (x as f32 + 0.5 - cx + side / 2.0).rem_euclid(side) - side / 2.0;
                        let dy = (y as f32 + 0.5 - cy + side / 2.0).rem_euclid(side) - side / 2.0;
                        if dx * dx + dy * dy <= r * r {
                            px = *colour;
                        }
                    }
                    img.put_pixel(x as u32, y as u32, image::Rgb(px.map(|v| v.clamp(0.0, 255.0) as u8)));
                }
            }
            let mut jpeg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
                .encode_image(&image::DynamicImage::ImageRgb8(img))
                .expect("JPEG encoding into memory");
            jpeg
        })
        .collect()
}

/// `motion` (video): 600 train + 200 test clips of 8–16 RGB 32×32 JPEG frames
/// (AUTODL_FORMAT.md §5.2, `sequence_size: -1`), four classes of drift direction.
fn motion(out: PathBuf, force: bool) -> formats::Result<()> {
    let mut rng = Rng(SplitMix64(53));
    let example = || {
        let class = (rng.next() % MOTION_CLASSES.len() as u64) as usize;
        (Frames::Compressed(motion_clip(&mut rng, class)), class)
    };
    let spec = DataSpec {
        output_dim: MOTION_CLASSES.len() as i32,
        sequence_size: -1,
        matrix_spec: vec![rgb_frames(MOTION_SIDE)],
        ..Default::default()
    };
    write_dataset(&out, "motion", force, (200, 600), example, spec, &MOTION_CLASSES)
}

const TOPICS: [&str; 5] = ["sports", "politics", "science", "music", "cooking"];
const TOPIC_WORDS: usize = 30;
const FILLER_WORDS: usize = 400;

/// `topics` (text): 800 train + 200 test documents of token indices (AUTODL_FORMAT.md §5.4) in
/// five classes. About 12 % of a document's tokens are words of its topic and 4 % words of
/// another topic, the rest common filler words (Zipf-like frequencies); lengths vary from 0
/// (3 % empty documents, stored as the empty token) to several hundred tokens.
fn topics(out: PathBuf, force: bool) -> formats::Result<()> {
    let mut rng = Rng(SplitMix64(37));
    // Index 2 is the empty token `''`: an empty document is stored as that token alone (the
    // writer refuses zero-frame records; the original converter does the same, §5.4).
    let mut vocabulary: Vec<String> = vec!["<pad>".into(), "<unk>".into(), String::new()];
    vocabulary.extend((0..FILLER_WORDS).map(|j| format!("common{j}")));
    for topic in TOPICS {
        vocabulary.extend((0..TOPIC_WORDS).map(|j| format!("{topic}{j}")));
    }
    // Zipf-like rank: small indices are drawn far more often.
    let zipf = |rng: &mut Rng, n: usize| ((n as f32).powf(rng.unit()) as usize).saturating_sub(1).min(n - 1);
    let example = || {
        let class = (rng.next() % TOPICS.len() as u64) as usize;
        let len = if rng.unit() < 0.03 { 0 } else { (3.0 + (3.4 + 0.9 * rng.normal()).exp()).min(600.0) as usize };
        let doc: Vec<f32> = (0..len)
            .map(|_| {
                let u = rng.unit();
                let index = if u < 0.12 {
                    3 + FILLER_WORDS + class * TOPIC_WORDS + zipf(&mut rng, TOPIC_WORDS)
                } else if u < 0.16 {
                    let other = (rng.next() % TOPICS.len() as u64) as usize;
                    3 + FILLER_WORDS + other * TOPIC_WORDS + zipf(&mut rng, TOPIC_WORDS)
                } else {
                    3 + zipf(&mut rng, FILLER_WORDS)
                };
                index as f32
            })
            .collect();
        let doc = if doc.is_empty() { vec![2.0] } else { doc };
        (Frames::dense_uniform(doc, 1).expect("one token per frame"), class)
    };
    let spec = DataSpec {
        output_dim: TOPICS.len() as i32,
        matrix_spec: vec![one_value_frames()],
        sequence_size: -1,
        channel_to_index_map: vocabulary.into_iter().enumerate().map(|(i, t)| (t, i as i32)).collect(),
        ..Default::default()
    };
    write_dataset(&out, "topics", force, (200, 800), example, spec, &TOPICS)
}
