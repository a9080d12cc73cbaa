//! What the near-duplicate, outlier and label checks keep of each example: a fixed-size
//! fingerprint (Hamming bits for images, video and audio; MinHash for text; the standardised row
//! for tables) and a small feature vector, in flat arrays (a few hundred bytes per example).
//!
//! Features, per domain (cheap to compute in the one streaming pass, and what a fast linear
//! first-stage model can use):
//! - images: 4×4 RGB means (48) + a 4-bin histogram per channel (12);
//! - video: the image features averaged over 4 evenly spaced frames + their mean frame change;
//! - text: sublinear term frequencies hashed into 256 buckets, later weighted by idf, L2-normed;
//! - audio: mean and standard deviation of 16 log band energies over frames (32);
//! - tables: the row itself (standardised later).

use formats::dataset::ExampleRecord;
use formats::example::Frames;
use formats::inspect::Domain;
use formats::metadata::MatrixSpec;

use crate::error::AuditError;

/// Frames of a video that are fingerprinted (evenly spaced).
pub const VIDEO_FRAMES: usize = 4;
/// MinHash values per text.
pub const MINHASH: usize = 128;
/// Tokens per text shingle.
pub const SHINGLE: usize = 3;
/// Hash buckets of the text features.
pub const TEXT_BUCKETS: usize = 256;
/// Log-spaced frequency bands of the audio fingerprint.
pub const AUDIO_BANDS: usize = 17;
/// Time segments of the audio fingerprint (the clip divided evenly, so a small shift barely moves them).
pub const AUDIO_SEGMENTS: usize = 16;
const AUDIO_FRAME: usize = 1024;

/// A well-mixed 64-bit hash of one word: the first draw of the project's SplitMix64 seeded with it.
pub fn mix(z: u64) -> u64 {
    scoring::rng::SplitMix64(z).next()
}

/// Fingerprints and features of all examples, in scan order.
pub struct Sketches {
    pub domain: Domain,
    /// u64 words of Hamming bits per example (0 for text and tables).
    pub words: usize,
    pub bits: Vec<u64>,
    /// MinHash values per example (text), `MINHASH` each.
    pub minhash: Vec<u64>,
    /// Feature values per example.
    pub dim: usize,
    pub features: Vec<f32>,
    pub count: usize,
    /// Examples whose fingerprint means nothing (pictures under 8×8 pixels), left out of the
    /// near-duplicate search.
    pub unhashable: Vec<bool>,
    /// Text: in how many documents each bucket occurs (for the idf weights).
    doc_freq: Vec<u32>,
}

impl Sketches {
    pub fn new(domain: Domain) -> Sketches {
        let (words, dim) = match domain {
            Domain::Image => (3, 60),
            Domain::Video => (VIDEO_FRAMES, 61),
            Domain::Speech => (4, 2 * (AUDIO_BANDS - 1)),
            Domain::Text => (0, TEXT_BUCKETS),
            Domain::Tabular => (0, 0),
        };
        Sketches { domain, words, bits: Vec::new(), minhash: Vec::new(), dim, features: Vec::new(), count: 0, unhashable: Vec::new(), doc_freq: vec![0; TEXT_BUCKETS] }
    }

    pub fn bits_of(&self, i: usize) -> &[u64] {
        &self.bits[i * self.words..(i + 1) * self.words]
    }

    pub fn minhash_of(&self, i: usize) -> &[u64] {
        &self.minhash[i * MINHASH..(i + 1) * MINHASH]
    }

    pub fn features_of(&self, i: usize) -> &[f32] {
        &self.features[i * self.dim..(i + 1) * self.dim]
    }

    /// Sketches one record (`row`: a table row already read by the caller).
    pub fn push(&mut self, record: &ExampleRecord, spec: &MatrixSpec, row: Option<&[f32]>) -> Result<(), AuditError> {
        let fail = |message: String| AuditError::Record { path: record.file.to_path_buf(), record: record.index, message };
        match self.domain {
            Domain::Tabular => {
                let row = row.ok_or_else(|| fail("table row missing".into()))?;
                if self.count == 0 {
                    self.dim = row.len();
                }
                if row.len() != self.dim {
                    return Err(fail(format!("table row of {} values, earlier rows have {}", row.len(), self.dim)));
                }
                self.features.extend_from_slice(row);
            }
            Domain::Image => {
                let f = record.frame_tensor(0, spec)?;
                let img = Rgb::from_tensor(f.height, f.width, f.channels, &f.data);
                self.bits.extend(img.phash());
                self.features.extend(img.features());
                // the 8×8 lowest frequencies of a smaller picture are mostly interpolation
                self.unhashable.push(f.height < HASH_SIDE || f.width < HASH_SIDE);
            }
            Domain::Video => {
                let n = record.frames().num_frames();
                if n == 0 {
                    return Err(fail("video without frames".into()));
                }
                let mut feats = vec![0f32; 60];
                let mut change = 0f32;
                let mut prev: Option<Vec<f32>> = None;
                for k in 0..VIDEO_FRAMES {
                    let t = (k * 2 + 1) * n / (VIDEO_FRAMES * 2);
                    let f = record.frame_tensor(t.min(n - 1), spec)?;
                    let img = Rgb::from_tensor(f.height, f.width, f.channels, &f.data);
                    // the luma hash only: one 64-bit word per sampled frame
                    self.bits.push(img.phash()[0]);
                    let fk = img.features();
                    if let Some(p) = &prev {
                        change += p.iter().zip(&fk).map(|(a, b)| (a - b).abs()).sum::<f32>() / fk.len() as f32;
                    }
                    for (a, b) in feats.iter_mut().zip(&fk) {
                        *a += b / VIDEO_FRAMES as f32;
                    }
                    prev = Some(fk);
                }
                self.features.extend(feats);
                self.features.push(change / (VIDEO_FRAMES - 1) as f32);
            }
            Domain::Text => {
                let tokens = tokens(record.frames());
                self.minhash.extend(minhash(&tokens));
                let tf = hashed_tf(&tokens);
                for (df, &v) in self.doc_freq.iter_mut().zip(&tf) {
                    *df += u32::from(v > 0.0);
                }
                self.features.extend(tf);
            }
            Domain::Speech => {
                let samples = mono(record.frames());
                let (bits, feats) = audio_fingerprint(&samples);
                self.bits.extend(bits);
                self.features.extend(feats);
            }
        }
        self.unhashable.resize(self.count + 1, false);
        self.count += 1;
        Ok(())
    }

    /// Text: weights the term frequencies by idf and L2-normalises each document.
    pub fn finish(&mut self) {
        if self.domain != Domain::Text || self.count == 0 {
            return;
        }
        let n = self.count as f32;
        let idf: Vec<f32> = self.doc_freq.iter().map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0).collect();
        for doc in self.features.chunks_mut(self.dim) {
            for (v, w) in doc.iter_mut().zip(&idf) {
                *v *= w;
            }
            let norm = doc.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
            doc.iter_mut().for_each(|v| *v /= norm);
        }
    }
}

/// An image as three planes in `[0, 1]` (grey images repeat their one plane).
struct Rgb {
    h: usize,
    w: usize,
    planes: [Vec<f32>; 3],
}

/// Side of the downscaled image the DCT runs on, and of the low-frequency block kept.
const DCT_SIDE: usize = 32;
const HASH_SIDE: usize = 8;

impl Rgb {
    fn from_tensor(h: usize, w: usize, c: usize, data: &[f32]) -> Rgb {
        let plane = |k: usize| -> Vec<f32> { data.chunks(c.max(1)).map(|px| px[k.min(c.saturating_sub(1))]).collect() };
        Rgb { h, w, planes: [plane(0), plane(1), plane(2)] }
    }

    /// Box-averages `plane` to `side`×`side` (each cell at least one source pixel).
    fn shrink(&self, plane: &[f32], side: usize) -> Vec<f32> {
        let mut out = vec![0f32; side * side];
        if self.h == 0 || self.w == 0 {
            return out;
        }
        for y in 0..side {
            let (y0, y1) = (y * self.h / side, ((y + 1) * self.h).div_ceil(side).max(y * self.h / side + 1));
            for x in 0..side {
                let (x0, x1) = (x * self.w / side, ((x + 1) * self.w).div_ceil(side).max(x * self.w / side + 1));
                let mut s = 0f32;
                for yy in y0..y1.min(self.h) {
                    s += plane[yy * self.w + x0..x1.min(self.w) + yy * self.w].iter().sum::<f32>();
                }
                out[y * side + x] = s / ((y1.min(self.h) - y0) * (x1.min(self.w) - x0)) as f32;
            }
        }
        out
    }

    /// DCT perceptual hashes: luma, red−green and blue−yellow, 64 bits each (the 8×8 lowest
    /// frequencies of the 32×32 image, each bit: coefficient above the block's median).
    fn phash(&self) -> [u64; 3] {
        let [r, g, b] = [0, 1, 2].map(|k| self.shrink(&self.planes[k], DCT_SIDE));
        let luma: Vec<f32> = (0..r.len()).map(|i| 0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i]).collect();
        let rg: Vec<f32> = (0..r.len()).map(|i| r[i] - g[i]).collect();
        let by: Vec<f32> = (0..r.len()).map(|i| b[i] - 0.5 * (r[i] + g[i])).collect();
        let l = hash_block(&dct_low(&luma));
        let chroma = |plane: &[f32]| -> Option<u64> {
            let c = dct_low(plane);
            // colour counts when some chroma frequency reaches 2 % of full scale (JPEG noise stays below)
            (c.iter().map(|v| v.abs()).fold(0.0, f32::max) >= 0.02 * (DCT_SIDE * DCT_SIDE) as f32).then(|| hash_block(&c))
        };
        // a grey picture has no colour to hash: its luma bits count three times (difference
        // hashes of the luma were tried instead and told MNIST digits apart less well)
        // (one flat chroma plane, e.g. yellow = red + green, stands in for itself the same way)
        [l, chroma(&rg).unwrap_or(l), chroma(&by).unwrap_or(l)]
    }

    fn features(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(60);
        for p in &self.planes {
            out.extend(self.shrink(p, 4));
        }
        for p in &self.planes {
            let mut hist = [0f32; 4];
            for &v in p {
                hist[((v.clamp(0.0, 1.0) * 4.0) as usize).min(3)] += 1.0;
            }
            let n = p.len().max(1) as f32;
            out.extend(hist.iter().map(|c| c / n));
        }
        out
    }
}

/// The `HASH_SIDE`² lowest 2-D DCT-II coefficients of a `DCT_SIDE`² image.
fn dct_low(img: &[f32]) -> Vec<f32> {
    let n = DCT_SIDE;
    let cos: Vec<f32> = (0..HASH_SIDE * n)
        .map(|k| {
            let (u, x) = (k / n, k % n);
            (std::f32::consts::PI * (2 * x + 1) as f32 * u as f32 / (2 * n) as f32).cos()
        })
        .collect();
    // rows first: tmp[y][u] = Σx img[y][x] cos(u, x)
    let mut tmp = vec![0f32; n * HASH_SIDE];
    for y in 0..n {
        for u in 0..HASH_SIDE {
            tmp[y * HASH_SIDE + u] = (0..n).map(|x| img[y * n + x] * cos[u * n + x]).sum();
        }
    }
    let mut out = vec![0f32; HASH_SIDE * HASH_SIDE];
    for v in 0..HASH_SIDE {
        for u in 0..HASH_SIDE {
            out[v * HASH_SIDE + u] = (0..n).map(|y| tmp[y * HASH_SIDE + u] * cos[v * n + y]).sum();
        }
    }
    out
}

/// One bit per coefficient: above the median of the block without the DC term.
fn hash_block(coef: &[f32]) -> u64 {
    let mut sorted: Vec<f32> = coef[1..].to_vec();
    sorted.sort_unstable_by(f32::total_cmp);
    let median = sorted[sorted.len() / 2];
    coef.iter().enumerate().fold(0u64, |h, (i, &c)| if c > median { h | 1 << i } else { h })
}

/// Token ids of a text (dense: one value per frame; sparse: the channel or column indices).
fn tokens(frames: &Frames) -> Vec<u64> {
    match frames {
        Frames::Dense { values, .. } => values.iter().map(|&v| v as i64 as u64).collect(),
        Frames::Sparse(fs) => fs
            .iter()
            .flat_map(|f| match &f.channel {
                Some(ch) => ch.iter().map(|&c| c as u64).collect::<Vec<_>>(),
                None => f.col.iter().map(|&c| c as u64).collect(),
            })
            .collect(),
        Frames::Compressed(images) => images.iter().map(|b| mix(b.len() as u64)).collect(),
    }
}

/// MinHash of the set of `SHINGLE`-token shingles (a shorter text is one shingle): for each of
/// `MINHASH` seeded hash functions, the least hash over the shingles.
pub fn minhash(tokens: &[u64]) -> Vec<u64> {
    let k = SHINGLE.min(tokens.len()).max(1);
    let shingles: Vec<u64> = if tokens.is_empty() {
        vec![0]
    } else {
        tokens.windows(k).map(|w| w.iter().fold(0x5eed_u64, |h, &t| mix(h ^ t))).collect()
    };
    (0..MINHASH as u64).map(|s| shingles.iter().map(|&h| mix(h ^ mix(s + 1))).min().unwrap_or(u64::MAX)).collect()
}

fn hashed_tf(tokens: &[u64]) -> Vec<f32> {
    let mut tf = vec![0f32; TEXT_BUCKETS];
    for &t in tokens {
        tf[(mix(t) % TEXT_BUCKETS as u64) as usize] += 1.0;
    }
    tf.iter_mut().filter(|v| **v > 0.0).for_each(|v| *v = 1.0 + v.ln());
    tf
}

/// Samples averaged over channels (each dense frame is one time step).
fn mono(frames: &Frames) -> Vec<f32> {
    match frames {
        Frames::Dense { values, offsets } => offsets
            .windows(2)
            .map(|w| {
                let f = &values[w[0]..w[1]];
                f.iter().sum::<f32>() / f.len().max(1) as f32
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Log band energies of Hann-windowed frames; the differences of adjacent bands (a gain cancels
/// out) averaged over `AUDIO_SEGMENTS` overlapping segments of the clip; bit (s, b) = whether
/// segment s is above the clip's median for band pair b. Features: mean and std of the band
/// differences over frames.
pub fn audio_fingerprint(samples: &[f32]) -> ([u64; 4], Vec<f32>) {
    use realfft::RealFftPlanner;
    let hop = AUDIO_FRAME / 2;
    let frames = if samples.len() < AUDIO_FRAME { 1 } else { 1 + (samples.len() - AUDIO_FRAME) / hop };
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(AUDIO_FRAME);
    let (mut input, mut spectrum) = (fft.make_input_vec(), fft.make_output_vec());
    let bins = spectrum.len();
    // band edges log-spaced from bin 2 to the last bin
    let edges: Vec<usize> = (0..=AUDIO_BANDS)
        .map(|b| (2.0 * ((bins - 1) as f64 / 2.0).powf(b as f64 / AUDIO_BANDS as f64)).round() as usize)
        .collect();
    let mut energies = vec![[0f32; AUDIO_BANDS]; frames];
    for (t, e) in energies.iter_mut().enumerate() {
        for (i, x) in input.iter_mut().enumerate() {
            let hann = 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / AUDIO_FRAME as f32).cos();
            *x = samples.get(t * hop + i).copied().unwrap_or(0.0) * hann;
        }
        if fft.process(&mut input, &mut spectrum).is_err() {
            continue;
        }
        for b in 0..AUDIO_BANDS {
            let (lo, hi) = (edges[b], edges[b + 1].max(edges[b] + 1).min(bins));
            let p: f32 = spectrum[lo.min(bins - 1)..hi].iter().map(|c| c.norm_sqr()).sum();
            e[b] = (p + 1e-10).ln();
        }
    }
    let diff = |e: &[f32; AUDIO_BANDS]| -> Vec<f32> { (0..AUDIO_BANDS - 1).map(|b| e[b] - e[b + 1]).collect() };
    let diffs: Vec<Vec<f32>> = energies.iter().map(diff).collect();
    // segment s averages frames over two segment widths centred on it: a small shift moves
    // little of its content
    let mut seg = vec![vec![0f32; AUDIO_BANDS - 1]; AUDIO_SEGMENTS];
    for (s, row) in seg.iter_mut().enumerate() {
        let lo = ((2 * s) as f64 - 0.5).max(0.0) * frames as f64 / (2 * AUDIO_SEGMENTS) as f64;
        let hi = ((2 * s + 2) as f64 + 0.5) * frames as f64 / (2 * AUDIO_SEGMENTS) as f64;
        let (a, b) = (lo.floor() as usize, (hi.ceil() as usize).clamp(lo.floor() as usize + 1, frames));
        let a = a.min(frames - 1);
        for d in &diffs[a..b.max(a + 1)] {
            for (acc, v) in row.iter_mut().zip(d) {
                *acc += v / (b - a).max(1) as f32;
            }
        }
    }
    // bit (s, b): the band difference in segment s above its median over the clip
    let mut bits = [0u64; 4];
    for b in 0..AUDIO_BANDS - 1 {
        let mut col: Vec<f32> = seg.iter().map(|r| r[b]).collect();
        col.sort_unstable_by(f32::total_cmp);
        let median = col[AUDIO_SEGMENTS / 2];
        for (s, row) in seg.iter().enumerate() {
            if row[b] > median {
                let k = s * (AUDIO_BANDS - 1) + b;
                bits[k / 64] |= 1 << (k % 64);
            }
        }
    }
    let n = diffs.len().max(1) as f32;
    let mean: Vec<f32> = (0..AUDIO_BANDS - 1).map(|b| diffs.iter().map(|d| d[b]).sum::<f32>() / n).collect();
    let std: Vec<f32> = (0..AUDIO_BANDS - 1).map(|b| (diffs.iter().map(|d| (d[b] - mean[b]).powi(2)).sum::<f32>() / n).sqrt()).collect();
    (bits, mean.into_iter().chain(std).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hamming(a: &[u64], b: &[u64]) -> u32 {
        a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
    }

    fn picture(seed: u64, h: usize, w: usize) -> Vec<f32> {
        // smooth random blobs: a few low-frequency waves per channel
        let p: Vec<f32> = (0..9).map(|k| (mix(seed * 31 + k) % 1000) as f32 / 1000.0).collect();
        let mut out = Vec::with_capacity(h * w * 3);
        for y in 0..h {
            for x in 0..w {
                let (fy, fx) = (y as f32 / h as f32, x as f32 / w as f32);
                for c in 0..3 {
                    let v = 0.5 + 0.25 * (6.0 * p[c] * fx + 5.0 * p[c + 3] * fy + p[c + 6] * 6.0).sin() + 0.2 * (7.0 * fx * p[c + 3]).cos() * fy;
                    out.push(v.clamp(0.0, 1.0));
                }
            }
        }
        out
    }

    #[test]
    fn phash_is_close_for_a_shifted_copy_and_far_for_another_picture() {
        let a = picture(1, 64, 48);
        let shifted: Vec<f32> = (0..64 * 48usize).flat_map(|i| {
            let (y, x) = (i / 48, (i % 48).saturating_sub(1));
            a[(y * 48 + x) * 3..(y * 48 + x) * 3 + 3].to_vec()
        }).collect();
        let b = picture(2, 64, 48);
        let h = |d: &[f32]| Rgb::from_tensor(64, 48, 3, d).phash();
        let (ha, hs, hb) = (h(&a), h(&shifted), h(&b));
        assert!(hamming(&ha, &hs) <= 16, "shifted copy: {}", hamming(&ha, &hs));
        assert!(hamming(&ha, &hb) >= 40, "other picture: {}", hamming(&ha, &hb));
    }

    #[test]
    fn minhash_estimates_jaccard_of_shingle_sets() {
        let a: Vec<u64> = (0..100).map(|i| mix(i) % 5000).collect();
        let mut b = a.clone();
        b[50] = 99_999;
        let same = |x: &[u64], y: &[u64]| minhash(x).iter().zip(minhash(y)).filter(|(p, q)| **p == *q).count() as f64 / MINHASH as f64;
        // one token changed: 3 of 98 shingles differ on each side, Jaccard 95/101
        assert!(same(&a, &b) > 0.8, "{}", same(&a, &b));
        let c: Vec<u64> = (0..100).map(|i| mix(i + 1000) % 5000).collect();
        assert!(same(&a, &c) < 0.1);
    }

    #[test]
    fn audio_fingerprint_ignores_gain_and_a_short_shift() {
        let sr = 16_000usize;
        let clip: Vec<f32> = (0..sr * 2)
            .map(|i| {
                let t = i as f32 / sr as f32;
                let f = 200.0 + 800.0 * (mix(i as u64 / 2000) % 8) as f32 / 8.0;
                (2.0 * std::f32::consts::PI * f * t).sin() * 0.3 + 0.05 * ((mix(i as u64) % 1000) as f32 / 1000.0 - 0.5)
            })
            .collect();
        let louder: Vec<f32> = std::iter::repeat_n(0.0, sr / 50).chain(clip.iter().map(|v| v * 1.4125)).collect();
        let (a, _) = audio_fingerprint(&clip);
        let (b, _) = audio_fingerprint(&louder);
        let other: Vec<f32> = clip.iter().rev().copied().collect();
        let (c, _) = audio_fingerprint(&other);
        // within the audio threshold (25 % of 256 bits), another clip near half the bits
        assert!(hamming(&a, &b) <= 64, "gain + shift: {}", hamming(&a, &b));
        assert!(hamming(&a, &c) > 100, "another clip: {}", hamming(&a, &c));
    }
}
