//! Writes a copy of an AutoDL dataset with seeded problems for `scripts/bench-audit.sh`, and the
//! truth as JSON on stdout:
//! - 5 % of the train labels flipped to another class (single-label sets only);
//! - 3 % of the test examples copied into train unchanged;
//! - 3 % more copied into train as near copies: images resized to 90 %, shifted 1 pixel and
//!   saved as JPEG quality 70; video frames re-encoded (JPEG quality 70); text with one token
//!   changed; table rows with ±0.1 % noise on every value; audio +3 dB and shifted by 20 ms
//!   (320 samples at 16 kHz).
//!
//! Train keeps its order; the copies follow it. Usage: inject SRC OUT SEED

use std::io::Cursor;

use formats::dataset::{DatasetReader, DatasetWriter, Subset, WriterOptions};
use formats::example::Frames;
use formats::inspect::{infer_domain, Domain};
use scoring::rng::SplitMix64;

/// The project's seeded generator, with the draws this tool needs.
struct Rng(SplitMix64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        (self.0.next() % n.max(1) as u64) as usize
    }
    fn unit(&mut self) -> f32 {
        self.0.unit() as f32
    }
    /// `k` distinct values below `n`, sorted.
    fn pick(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut out = self.0.permutation(n);
        out.truncate(k.min(n));
        out.sort_unstable();
        out
    }
}

fn jpeg70(img: &image::RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut out), 70);
    img.write_with_encoder(enc).expect("encode JPEG");
    out
}

/// Resized to 90 %, shifted one pixel right (the first column repeated), JPEG quality 70.
fn near_picture(img: &image::RgbImage) -> image::RgbImage {
    let (w, h) = (((img.width() as f32) * 0.9).round().max(1.0) as u32, ((img.height() as f32) * 0.9).round().max(1.0) as u32);
    let small = image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle);
    let shifted = image::RgbImage::from_fn(w, h, |x, y| *small.get_pixel(x.saturating_sub(1), y));
    image::load_from_memory(&jpeg70(&shifted)).expect("decode own JPEG").to_rgb8()
}

fn near_copy(domain: Domain, frames: &Frames, spec: &formats::metadata::MatrixSpec, rng: &mut Rng) -> Frames {
    match (domain, frames) {
        (Domain::Image, Frames::Compressed(images)) => {
            let img = image::load_from_memory(&images[0]).expect("decode source image").to_rgb8();
            Frames::Compressed(vec![jpeg70(&near_picture(&img))])
        }
        (Domain::Image, Frames::Dense { values, .. }) => {
            // a dense picture keeps its size: shrunk content centred on an edge-padded frame
            let (h, w, c) = (spec.row_count as usize, spec.col_count as usize, spec.effective_channels().max(1) as usize);
            let px = |x: usize, y: usize| -> [u8; 3] {
                let k = (y * w + x) * c;
                let g = |j: usize| (values[k + j.min(c - 1)].clamp(0.0, 1.0) * 255.0).round() as u8;
                [g(0), g(1), g(2)]
            };
            let img = image::RgbImage::from_fn(w as u32, h as u32, |x, y| image::Rgb(px(x as usize, y as usize)));
            let near = near_picture(&img);
            let (nw, nh) = (near.width() as usize, near.height() as usize);
            let (ox, oy) = ((w - nw) / 2, (h - nh) / 2);
            let mut out = Vec::with_capacity(values.len());
            for y in 0..h {
                for x in 0..w {
                    let p = near.get_pixel((x.saturating_sub(ox)).min(nw - 1) as u32, (y.saturating_sub(oy)).min(nh - 1) as u32);
                    if c == 1 {
                        out.push(f32::from(p[0]) / 255.0);
                    } else {
                        out.extend((0..c).map(|j| f32::from(p[j.min(2)]) / 255.0));
                    }
                }
            }
            Frames::dense_from_frames([out])
        }
        (Domain::Video, Frames::Compressed(images)) => Frames::Compressed(
            images.iter().map(|b| jpeg70(&image::load_from_memory(b).expect("decode frame").to_rgb8())).collect(),
        ),
        (Domain::Text, Frames::Dense { values, offsets }) => {
            let mut v = values.clone();
            if !v.is_empty() {
                let top = v.iter().copied().fold(0f32, f32::max) as usize + 1;
                let k = rng.below(v.len());
                let mut t = rng.below(top) as f32;
                if t == v[k] {
                    t = ((t as usize + 1) % top) as f32;
                }
                v[k] = t;
            }
            Frames::Dense { values: v, offsets: offsets.clone() }
        }
        (Domain::Tabular, Frames::Dense { values, offsets }) => {
            Frames::Dense { values: values.iter().map(|x| x * (1.0 + 0.001 * (2.0 * rng.unit() - 1.0))).collect(), offsets: offsets.clone() }
        }
        (Domain::Speech, Frames::Dense { values, offsets }) => {
            let c = offsets.get(1).copied().unwrap_or(1).max(1);
            let gain = 10f32.powf(3.0 / 20.0);
            let shifted: Vec<f32> = std::iter::repeat_n(0.0, 320 * c).chain(values.iter().map(|x| x * gain)).collect();
            Frames::dense_uniform(shifted, c).expect("whole frames")
        }
        (_, other) => other.clone(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: inject SRC OUT SEED");
        std::process::exit(2);
    }
    let src = DatasetReader::open(&args[1]).expect("open source dataset");
    let mut rng = Rng(SplitMix64(args[3].parse().expect("seed")));
    let spec = src.spec(Subset::Train).expect("train metadata").clone();
    let domain = infer_domain(&spec);
    let mspec = spec.matrix_spec.first().cloned().unwrap_or_default();
    let classes = spec.output_dim.max(1) as usize;
    let solution = src.solution().expect("solution").expect("a .solution");
    let train: Vec<(Frames, Vec<(i64, f32)>)> = src.examples(Subset::Train).expect("train").map(|r| {
        let r = r.expect("train record");
        let l = r.labels();
        (r.into_frames(), l)
    }).collect();
    let test: Vec<(Frames, Vec<i64>)> = src
        .examples(Subset::Test)
        .expect("test")
        .enumerate()
        .map(|(i, r)| (r.expect("test record").into_frames(), solution.row(i).iter().enumerate().filter(|(_, v)| **v > 0.5).map(|(k, _)| k as i64).collect()))
        .collect();
    let single = train.iter().all(|(_, l)| l.len() == 1);
    let flips = if single && classes > 1 { rng.pick(train.len(), (train.len() as f64 * 0.05).round().max(1.0) as usize) } else { Vec::new() };
    let copies = ((test.len() as f64 * 0.03).round() as usize).max(1);
    let chosen = rng.pick(test.len(), 2 * copies);
    let (exact, near): (Vec<usize>, Vec<usize>) = {
        let mut c = chosen.clone();
        // alternate so both kinds spread over the test set
        c.sort_by_key(|&t| (t as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ args[3].len() as u64);
        (c[..copies.min(c.len())].to_vec(), c[copies.min(c.len())..].to_vec())
    };
    let mut w = DatasetWriter::create(&args[2], src.name(), WriterOptions { force: true, ..Default::default() }).expect("create output");
    for (x, y) in &test {
        w.push_test(x, y, &vec![1.0; y.len()]).expect("write test");
    }
    let mut flipped = Vec::new();
    for (i, (x, l)) in train.iter().enumerate() {
        let (mut idx, scores): (Vec<i64>, Vec<f32>) = l.iter().copied().unzip();
        if flips.binary_search(&i).is_ok() {
            let old = idx[0] as usize;
            idx[0] = ((old + 1 + rng.below(classes - 1)) % classes) as i64;
            flipped.push(i);
        }
        w.push_train(x, &idx, &scores).expect("write train");
    }
    let pairs = |w: &mut DatasetWriter, list: &[usize], near_copy_of: &mut dyn FnMut(&Frames) -> Frames| -> Vec<(usize, usize)> {
        list.iter()
            .map(|&t| {
                let at = w.train_records() as usize;
                let (x, y) = &test[t];
                w.push_train(&near_copy_of(x), y, &vec![1.0; y.len()]).expect("write copy");
                (at, t)
            })
            .collect()
    };
    let exact_pairs = pairs(&mut w, &exact, &mut |x| x.clone());
    let near_pairs = pairs(&mut w, &near, &mut |x| near_copy(domain, x, &mspec, &mut rng));
    let names = src.label_names().expect("label names");
    w.finish(spec, names.as_deref()).expect("finish output");
    let list = |v: &[(usize, usize)]| v.iter().map(|(a, b)| format!("[{a},{b}]")).collect::<Vec<_>>().join(",");
    println!(
        "{{\"domain\":\"{domain}\",\"train\":{},\"test\":{},\"flipped\":{:?},\"exact\":[{}],\"near\":[{}]}}",
        train.len(),
        test.len(),
        flipped,
        list(&exact_pairs),
        list(&near_pairs)
    );
}
