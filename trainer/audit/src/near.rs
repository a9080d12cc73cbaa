//! Near duplicates by locality-sensitive hashing: each band maps every example to one key, the
//! keys are sorted, and only examples sharing a key are compared — never all pairs. A band's
//! sorted keys are the only memory beyond the sketches (16 bytes per example, one band at a time).
//!
//! Thresholds (documented in the report's `near` section):
//! - images, video, audio: Hamming distance of the fingerprints ≤ `max_hamming` of the bits;
//!   bands of `HAMMING_BAND_BITS` bits sampled at seeded positions;
//! - text: estimated Jaccard similarity of the 3-token shingle sets ≥ `min_jaccard`; 32 bands of
//!   4 MinHash values (a pair at Jaccard 0.7 shares a band with probability 0.99);
//! - tables: every standardised column within `table_tolerance` standard deviations (rows equal
//!   after standardisation and rounding to that step, without a rounding boundary between
//!   them); bands round `TABLE_BAND_COLUMNS` seeded columns on a grid of 4× the tolerance with
//!   a seeded offset.
//!
//! A pair found in several bands is kept once; identical content (same 128-bit hash) is left to
//! the exact-duplicate check.

use serde::Serialize;

use crate::budget::Deadline;
use crate::sketch::{mix, Sketches, MINHASH};

/// Hamming bands (each of `band_width` sampled bits).
pub const HAMMING_BANDS: usize = 48;
const MINHASH_BANDS: usize = 32;
const TABLE_BANDS: usize = 16;
/// Columns rounded per table band.
pub const TABLE_BAND_COLUMNS: usize = 6;
/// A bucket holding more examples is compared only along a sorted window (a degenerate key,
/// e.g. blank images or a table of few distinct values, must not turn into all pairs).
const MAX_BUCKET: usize = 256;
const WINDOW: usize = 32;

/// How near duplicates were searched, and how many pairs were found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearFacts {
    /// `phash`, `frame_phash`, `audio_fingerprint`, `minhash`, `standardised_rows`.
    pub method: String,
    /// The similarity a pair must reach (1 − Hamming fraction, Jaccard, 1 − max |Δz|).
    pub min_similarity: f64,
    pub bands: usize,
    /// Pair comparisons (a pair sharing keys in several bands is compared in each).
    pub candidates: u64,
    /// Near pairs found (before the per-kind listing limit).
    pub pairs: u64,
    /// Examples left out: pictures under 8×8 pixels, whose perceptual hash means nothing.
    pub skipped: u64,
}

/// One near pair: scan positions and similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub a: usize,
    pub b: usize,
    pub similarity: f64,
}

/// Thresholds of the near-duplicate search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearOptions {
    /// Largest Hamming distance, as a fraction of the fingerprint bits (images, video): the
    /// injected near copies (90 % size, 1-pixel shift, JPEG 70) of the bench sit at 0.01–0.22,
    /// different pictures of the shared and generated sets at 0.28 and beyond.
    pub max_hamming: f64,
    /// The same for two grey pictures, whose fingerprint repeats its 64 luma bits: 5 of 64 bits
    /// (6 pair two different handwritten digits of the shared mini1, 4 its near-identical pair).
    pub max_hamming_grey: f64,
    /// The same for video (4 frames × 64 luma bits): a re-encoded clip stays within a few per
    /// cent, while two KTH clips of one person in one scene are 0.19 apart.
    pub max_hamming_video: f64,
    /// The same for the audio fingerprint (a time shift moves more bits than a resize does).
    pub max_hamming_audio: f64,
    pub min_jaccard: f64,
    /// Largest per-column difference of standardised table rows.
    pub table_tolerance: f64,
}

impl Default for NearOptions {
    fn default() -> Self {
        NearOptions { max_hamming: 0.25, max_hamming_grey: 0.08, max_hamming_video: 0.12, max_hamming_audio: 0.25, min_jaccard: 0.7, table_tolerance: 0.05 }
    }
}

/// Sorts `(key, position)` and calls `visit` on each pair sharing a key (windowed in big buckets).
fn each_bucket_pair(keys: &mut [(u64, u32)], mut visit: impl FnMut(usize, usize)) {
    keys.sort_unstable();
    for bucket in keys.chunk_by(|x, y| x.0 == y.0).filter(|b| b.len() > 1) {
        let window = if bucket.len() > MAX_BUCKET { WINDOW } else { bucket.len() };
        for i in 0..bucket.len() {
            for j in i + 1..(i + 1 + window).min(bucket.len()) {
                visit(bucket[i].1 as usize, bucket[j].1 as usize);
            }
        }
    }
}

/// The LSH candidate search: for each band `b` (while `go_on(b)` allows), the examples that
/// have a key (`key(i, b)`) are bucketed by it and `visit` sees each pair sharing a bucket.
fn each_band_pair(count: usize, bands: usize, go_on: &mut GoOn, key: impl Fn(usize, usize) -> Option<u64>, mut visit: impl FnMut(usize, usize)) {
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(count);
    for b in 0..bands {
        if !go_on(b) {
            break;
        }
        keys.clear();
        keys.extend((0..count).filter_map(|i| key(i, b).map(|k| (k, i as u32))));
        each_bucket_pair(&mut keys, &mut visit);
    }
}

/// Bits per band: the most that keep a pair at distance fraction `max` in a band with
/// probability ≥ 0.05 (over 48 bands: a pair at the threshold is compared with probability
/// ≥ 0.9, one at 4/5 of it ≥ 0.99), between 8 and 20.
pub fn band_width(max: f64) -> usize {
    ((0.05f64.ln() / (1.0 - max).ln()).floor() as usize).clamp(8, 20)
}

/// Seeded positions of the bits of each Hamming band.
fn band_bits(total_bits: usize, width: usize) -> Vec<Vec<usize>> {
    (0..HAMMING_BANDS)
        .map(|b| {
            // distinct positions: the first `width` of a seeded order of all bits
            let mut all: Vec<usize> = (0..total_bits).collect();
            all.sort_by_key(|&p| mix((b * 100_003 + p) as u64 ^ 0xba5d));
            all.truncate(width);
            all
        })
        .collect()
}

fn band_key(bits: &[u64], positions: &[usize]) -> u64 {
    positions.iter().enumerate().fold(0u64, |k, (i, &p)| k | ((bits[p / 64] >> (p % 64)) & 1) << i)
}

/// Finds near pairs; `same_content(a, b)` tells exact duplicates apart (left out). Bands are
/// searched while `deadline` allows; the third value is the number searched when it stopped
/// them early (the pairs of the bands searched are kept).
pub fn find(sk: &Sketches, opts: &NearOptions, same_content: &dyn Fn(usize, usize) -> bool, deadline: &Deadline) -> (NearFacts, Vec<Pair>, Option<usize>) {
    let mut stopped = None;
    let mut go_on = |b: usize| {
        let spent = deadline.passed();
        if spent {
            stopped.get_or_insert(b);
        }
        !spent
    };
    let (facts, mut pairs) = if sk.words > 0 {
        hamming_pairs(sk, opts, same_content, &mut go_on)
    } else if !sk.minhash.is_empty() {
        minhash_pairs(sk, opts, same_content, &mut go_on)
    } else {
        table_pairs(sk, opts, same_content, &mut go_on)
    };
    // a pair sharing keys in several bands is found in each: kept once
    pairs.sort_by_key(|p| (p.a, p.b));
    pairs.dedup_by_key(|p| (p.a, p.b));
    pairs.sort_by(|x, y| y.similarity.total_cmp(&x.similarity).then((x.a, x.b).cmp(&(y.a, y.b))));
    let facts = NearFacts { pairs: pairs.len() as u64, ..facts };
    (facts, pairs, stopped)
}

/// `go_on(b)` is asked before band `b`: `false` stops the search.
type GoOn<'a> = dyn FnMut(usize) -> bool + 'a;

fn hamming_pairs(sk: &Sketches, opts: &NearOptions, same: &dyn Fn(usize, usize) -> bool, go_on: &mut GoOn) -> (NearFacts, Vec<Pair>) {
    let total = sk.words * 64;
    let max = match sk.domain {
        formats::inspect::Domain::Speech => opts.max_hamming_audio,
        formats::inspect::Domain::Video => opts.max_hamming_video,
        _ => opts.max_hamming,
    };
    let bands = band_bits(total, band_width(max));
    let max_d = (max * total as f64).floor() as u32;
    let max_grey = (opts.max_hamming_grey * total as f64).floor() as u32;
    let (mut candidates, mut pairs) = (0u64, Vec::new());
    let key = |i: usize, b: usize| (!sk.unhashable[i]).then(|| mix(band_key(sk.bits_of(i), &bands[b]) ^ ((b as u64) << 56)));
    each_band_pair(sk.count, bands.len(), go_on, key, |i, j| {
        let (x, y) = (sk.bits_of(i), sk.bits_of(j));
        candidates += 1;
        let d: u32 = x.iter().zip(y).map(|(p, q)| (p ^ q).count_ones()).sum();
        // two grey pictures: 64 distinct bits (repeated), under a tighter threshold
        let grey = sk.words == 3 && x[0] == x[1] && x[1] == x[2] && y[0] == y[1] && y[1] == y[2];
        let limit = if grey { max_grey } else { max_d };
        if d <= limit && !same(i, j) {
            pairs.push(Pair { a: i.min(j), b: i.max(j), similarity: 1.0 - d as f64 / total as f64 });
        }
    });
    let method = match sk.domain {
        formats::inspect::Domain::Video => "frame_phash",
        formats::inspect::Domain::Speech => "audio_fingerprint",
        _ => "phash",
    };
    let skipped = sk.unhashable.iter().filter(|&&u| u).count() as u64;
    let facts = NearFacts { method: method.into(), min_similarity: 1.0 - max_d as f64 / total as f64, bands: HAMMING_BANDS, candidates, pairs: pairs.len() as u64, skipped };
    (facts, pairs)
}

fn minhash_pairs(sk: &Sketches, opts: &NearOptions, same: &dyn Fn(usize, usize) -> bool, go_on: &mut GoOn) -> (NearFacts, Vec<Pair>) {
    let rows = MINHASH / MINHASH_BANDS;
    let key = |i: usize, b: usize| sk.minhash_of(i)[b * rows..(b + 1) * rows].iter().fold(b as u64, |h, &v| mix(h ^ v));
    let (mut candidates, mut pairs) = (0u64, Vec::new());
    each_band_pair(sk.count, MINHASH_BANDS, go_on, |i, b| Some(key(i, b)), |i, j| {
        candidates += 1;
        let equal = sk.minhash_of(i).iter().zip(sk.minhash_of(j)).filter(|(p, q)| p == q).count();
        let jaccard = equal as f64 / MINHASH as f64;
        if jaccard >= opts.min_jaccard && !same(i, j) {
            pairs.push(Pair { a: i.min(j), b: i.max(j), similarity: jaccard });
        }
    });
    let facts = NearFacts { method: "minhash".into(), min_similarity: opts.min_jaccard, bands: MINHASH_BANDS, candidates, pairs: pairs.len() as u64, skipped: 0 };
    (facts, pairs)
}

/// Per-column mean and standard deviation (NaN skipped); a constant column gets std 0.
pub fn column_moments(features: &[f32], dim: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut n, mut sum, mut sq) = (vec![0f64; dim], vec![0f64; dim], vec![0f64; dim]);
    for row in features.chunks(dim.max(1)) {
        for (c, &v) in row.iter().enumerate() {
            if !v.is_nan() {
                n[c] += 1.0;
                sum[c] += f64::from(v);
                sq[c] += f64::from(v) * f64::from(v);
            }
        }
    }
    let mean: Vec<f64> = (0..dim).map(|c| sum[c] / n[c].max(1.0)).collect();
    let std = (0..dim).map(|c| (sq[c] / n[c].max(1.0) - mean[c] * mean[c]).max(0.0).sqrt()).collect();
    (mean, std)
}

fn table_pairs(sk: &Sketches, opts: &NearOptions, same: &dyn Fn(usize, usize) -> bool, go_on: &mut GoOn) -> (NearFacts, Vec<Pair>) {
    let dim = sk.dim;
    let (mean, std) = column_moments(&sk.features, dim);
    let live: Vec<usize> = (0..dim).filter(|&c| std[c] > 0.0).collect();
    let z = |i: usize, c: usize| -> f64 {
        let v = sk.features[i * dim + c];
        if v.is_nan() { f64::NAN } else { (f64::from(v) - mean[c]) / std[c] }
    };
    let grid = 4.0 * opts.table_tolerance;
    let cell = |v: f64, shift: f64| -> u64 { if v.is_nan() { u64::MAX } else { ((v + shift) / grid).floor() as i64 as u64 } };
    let per_band = TABLE_BAND_COLUMNS.min(live.len());
    let bands: Vec<Vec<(usize, f64)>> = (0..TABLE_BANDS)
        .map(|b| {
            // distinct seeded columns, each with a seeded grid offset
            let mut cols = live.clone();
            cols.sort_by_key(|&c| mix((b * 7919 + c) as u64));
            cols.truncate(per_band);
            cols.into_iter().map(|c| (c, grid * (mix((b * 31 + c) as u64 ^ 0xabc) % 1000) as f64 / 1000.0)).collect()
        })
        .collect();
    let key = |i: usize, b: usize| bands[b].iter().fold(b as u64, |h, &(c, s)| mix(h ^ cell(z(i, c), s)));
    let (mut candidates, mut pairs) = (0u64, Vec::new());
    if live.is_empty() {
        let facts = NearFacts { method: "standardised_rows".into(), min_similarity: 1.0 - opts.table_tolerance, bands: 0, candidates, pairs: 0, skipped: 0 };
        return (facts, pairs);
    }
    each_band_pair(sk.count, TABLE_BANDS, go_on, |i, b| Some(key(i, b)), |i, j| {
        candidates += 1;
        let mut worst = 0f64;
        for &c in &live {
            let (p, q) = (z(i, c), z(j, c));
            let d = if p.is_nan() && q.is_nan() { 0.0 } else if p.is_nan() || q.is_nan() { f64::INFINITY } else { (p - q).abs() };
            worst = worst.max(d);
            if worst > opts.table_tolerance {
                return;
            }
        }
        if !same(i, j) {
            pairs.push(Pair { a: i.min(j), b: i.max(j), similarity: 1.0 - worst });
        }
    });
    let facts = NearFacts { method: "standardised_rows".into(), min_similarity: 1.0 - opts.table_tolerance, bands: TABLE_BANDS, candidates, pairs: pairs.len() as u64, skipped: 0 };
    (facts, pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use formats::inspect::Domain;

    #[test]
    fn table_rows_within_the_tolerance_pair_and_others_do_not() {
        let mut sk = Sketches::new(Domain::Tabular);
        sk.dim = 8;
        // 400 random rows, then a noisy copy of row 3 and an exact copy of row 5
        for i in 0..400u64 {
            sk.features.extend((0..8).map(|c| (mix(i * 8 + c) % 10_000) as f32 / 1000.0));
        }
        let noisy: Vec<f32> = sk.features[3 * 8..4 * 8].iter().map(|v| v * 1.001).collect();
        let exact: Vec<f32> = sk.features[5 * 8..6 * 8].to_vec();
        sk.features.extend(noisy);
        sk.features.extend(exact);
        sk.count = 402;
        let (facts, pairs, _) = find(&sk, &NearOptions::default(), &|a, b| (a.min(b), a.max(b)) == (5, 401), &Deadline::none());
        assert_eq!(pairs.iter().map(|p| (p.a, p.b)).collect::<Vec<_>>(), vec![(3, 400)], "{facts:?}");
        assert!(facts.candidates < 2000, "LSH compared {} pairs of 80k", facts.candidates);
    }

    #[test]
    fn hamming_pairs_are_found_by_bands_and_ranked() {
        let mut sk = Sketches::new(Domain::Image);
        let n = 2000;
        for i in 0..n as u64 {
            sk.bits.extend([mix(i), mix(i + 1_000_000), mix(i + 2_000_000)]);
        }
        // example n = example 10 with 6 bits flipped, n+1 = example 20 with 60 flipped (too far)
        let mut near: Vec<u64> = sk.bits_of(10).to_vec();
        near[0] ^= 0b111111;
        let mut far: Vec<u64> = sk.bits_of(20).to_vec();
        far[1] ^= (1u64 << 60) - 1;
        sk.bits.extend(near);
        sk.bits.extend(far);
        sk.count = n + 2;
        sk.unhashable = vec![false; n + 2];
        let (facts, pairs, _) = find(&sk, &NearOptions::default(), &|_, _| false, &Deadline::none());
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        assert_eq!((pairs[0].a, pairs[0].b), (10, n));
        assert!((pairs[0].similarity - (1.0 - 6.0 / 192.0)).abs() < 1e-9);
        // 2M pairs in all; random 192-bit words share a 10-bit band key once in 1024 per band
        assert!(facts.candidates < 150_000, "{}", facts.candidates);
    }
}
