//! Speech features (spec DEEPWISDOM.md §4.2), computed in Rust with `realfft`:
//!
//! - the pooled vector of the logistic model: a 5 s (tiled) window, STFT 1024/640, 30 Slaney
//!   mel bands 20 Hz–8 kHz in dB below the clip's maximum (floor −80), mean and standard
//!   deviation over time of each band and of 20 MFCCs (DCT-II of the bands), plus the log
//!   duration and log RMS level;
//! - the network's spectrogram: |STFT| with n_fft 512, Hann window 400, centred, one column
//!   per hop, each column normalised over frequency; on the CPU the 257 bins are pooled into
//!   mel bands and the hop is doubled (README: decisions).
//!
//! Clips are read once ([`load_clips`]); both feature kinds are computed in parallel (rayon)
//! and kept per clip by the learner.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use formats::dataset::{DatasetLayout, Subset};
use formats::example::{decode, Frames};
use formats::tfrecord::TfRecordReader;
use rayon::prelude::*;
use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::learner::CancelToken;

/// Sample rate assumed for every clip: the format does not store one (AUTODL_FORMAT.md §5.3).
pub const SAMPLE_RATE: f32 = 16_000.0;
/// Pooled-feature settings of spec §4.2 (the Kapre mel of the logistic model).
pub const POOLED_SECONDS: f32 = 5.0;
pub const POOLED_FFT: usize = 1024;
pub const POOLED_HOP: usize = 640;
pub const POOLED_MELS: usize = 30;
pub const MFCCS: usize = 20;
/// Length of [`pooled_features`]' output.
pub const POOLED_DIM: usize = 2 * POOLED_MELS + 2 * MFCCS + 2;

/// Mono waveforms of one subset with their label rows, in file order.
#[derive(Debug, Default)]
pub struct Clips {
    pub waves: Vec<Vec<f32>>,
    /// `waves.len() × output_dim`, row-major (zeros for unlabelled subsets).
    pub labels: Vec<f32>,
    /// Examples left out because the memory cap was reached (training subsets only).
    pub skipped: usize,
}

/// The samples of one example as a mono waveform: frames of C floats are averaged over
/// channels (spec §5.3 allows `--channels keep`), non-finite values become silence.
pub fn mono_samples(frames: &Frames, channels: usize) -> std::result::Result<Vec<f32>, String> {
    let Frames::Dense { values, .. } = frames else {
        return Err("speech examples must be DENSE sample sequences (AUTODL_FORMAT.md §5.3)".into());
    };
    let c = channels.max(1);
    let clean = |v: f32| if v.is_finite() { v } else { 0.0 };
    if c == 1 {
        return Ok(values.iter().map(|v| clean(*v)).collect());
    }
    Ok(values.chunks(c).map(|f| f.iter().map(|v| clean(*v)).sum::<f32>() / c as f32).collect())
}

/// Reads the waveforms of `subset`; training clips beyond `memory_cap` bytes are skipped.
pub fn load_clips(
    dir: &Path,
    subset: Subset,
    channels: usize,
    output_dim: usize,
    memory_cap: usize,
    cancel: &CancelToken,
) -> Result<Clips> {
    let mut stream = ClipStream::open(dir, subset, channels, output_dim)?;
    let mut clips = Clips::default();
    let mut bytes = 0usize;
    loop {
        let chunk = stream.read(256, cancel)?;
        if chunk.waves.is_empty() {
            return Ok(clips);
        }
        clips.append(chunk, &mut bytes, memory_cap, output_dim);
    }
}

impl Clips {
    /// Appends `chunk`, skipping clips once `bytes` (running total) passes `memory_cap`.
    pub fn append(&mut self, chunk: Clips, bytes: &mut usize, memory_cap: usize, output_dim: usize) {
        for (wave, label) in chunk.waves.into_iter().zip(chunk.labels.chunks(output_dim.max(1))) {
            *bytes += wave.len() * 4;
            if *bytes > memory_cap {
                self.skipped += 1;
                continue;
            }
            self.labels.extend_from_slice(label);
            self.waves.push(wave);
        }
    }
}

/// The records of one subset read a chunk at a time (spec §4.1 incremental loading): raw
/// records are read in file order, then decoded in parallel.
pub struct ClipStream {
    subset: Subset,
    files: Vec<PathBuf>,
    next_file: usize,
    reader: Option<TfRecordReader<BufReader<File>>>,
    channels: usize,
    output_dim: usize,
    /// Clips returned so far.
    pub read: usize,
}

impl ClipStream {
    pub fn open(dir: &Path, subset: Subset, channels: usize, output_dim: usize) -> Result<ClipStream> {
        let layout = DatasetLayout::open(dir)?;
        let files = layout.subset(subset).map(|s| s.record_files.clone()).unwrap_or_default();
        Ok(ClipStream { subset, files, next_file: 0, reader: None, channels, output_dim, read: 0 })
    }

    /// Up to `max` more clips (none at the end of the subset).
    pub fn read(&mut self, max: usize, cancel: &CancelToken) -> Result<Clips> {
        let mut raw: Vec<(PathBuf, u64, Vec<u8>)> = Vec::new();
        while raw.len() < max {
            if self.reader.is_none() {
                let Some(path) = self.files.get(self.next_file) else { break };
                self.next_file += 1;
                self.reader = Some(TfRecordReader::open(path)?);
            }
            let reader = self.reader.as_mut().expect("opened above");
            match reader.next_record()? {
                Some(rec) => {
                    let payload = rec.payload.to_vec();
                    let index = rec.index;
                    raw.push((reader.path().to_path_buf(), index, payload));
                }
                None => self.reader = None,
            }
            if raw.len().is_multiple_of(64) {
                cancel.check()?;
            }
        }
        let (channels, k, trusted) = (self.channels, self.output_dim, self.subset.labels_trusted());
        let decoded: Vec<Result<(Vec<f32>, Vec<f32>)>> = raw
            .par_iter()
            .map(|(path, record, payload)| {
                let fail = |message: String| Error::Data { path: path.clone(), record: *record, message };
                let example = decode(payload).map_err(|e| fail(e.to_string()))?;
                let wave = mono_samples(&example.frames, channels).map_err(fail)?;
                // Test and unlabelled records carry no trusted labels (AUTODL_FORMAT.md §1.3).
                let labels = if trusted { example.label_vector(k).map_err(|e| fail(e.to_string()))? } else { vec![0.0; k] };
                Ok((wave, labels))
            })
            .collect();
        let mut clips = Clips::default();
        for d in decoded {
            let (wave, labels) = d?;
            clips.waves.push(wave);
            clips.labels.extend_from_slice(&labels);
        }
        self.read += clips.waves.len();
        Ok(clips)
    }
}

/// Hz → mel on the Slaney scale (linear below 1 kHz, logarithmic above), as librosa/Kapre.
fn hz_to_mel(f: f32) -> f32 {
    let (f_sp, min_log_hz, min_log_mel, logstep) = (200.0 / 3.0, 1000.0, 15.0, (6.4f32).ln() / 27.0);
    if f >= min_log_hz {
        min_log_mel + (f / min_log_hz).ln() / logstep
    } else {
        f / f_sp
    }
}

fn mel_to_hz(m: f32) -> f32 {
    let (f_sp, min_log_hz, min_log_mel, logstep) = (200.0 / 3.0, 1000.0, 15.0, (6.4f32).ln() / 27.0);
    if m >= min_log_mel {
        min_log_hz * (logstep * (m - min_log_mel)).exp()
    } else {
        f_sp * m
    }
}

/// Triangular mel filters with Slaney area normalisation: `bands × (n_fft/2 + 1)`, row-major.
pub fn mel_filterbank(n_fft: usize, bands: usize, f_min: f32, f_max: f32) -> Vec<f32> {
    let bins = n_fft / 2 + 1;
    let (lo, hi) = (hz_to_mel(f_min), hz_to_mel(f_max.min(SAMPLE_RATE / 2.0)));
    let edges: Vec<f32> = (0..bands + 2).map(|i| mel_to_hz(lo + (hi - lo) * i as f32 / (bands + 1) as f32)).collect();
    let mut w = vec![0f32; bands * bins];
    for b in 0..bands {
        let (l, c, r) = (edges[b], edges[b + 1], edges[b + 2]);
        let norm = 2.0 / (r - l).max(1e-6);
        for k in 0..bins {
            let f = k as f32 * SAMPLE_RATE / n_fft as f32;
            let up = (f - l) / (c - l).max(1e-6);
            let down = (r - f) / (r - c).max(1e-6);
            w[b * bins + k] = up.min(down).max(0.0) * norm;
        }
    }
    w
}

/// Mel filters kept as their non-zero spans: (first bin, weights) per band.
struct MelBands(Vec<(usize, Vec<f32>)>);

impl MelBands {
    fn new(n_fft: usize, bands: usize) -> MelBands {
        let bins = n_fft / 2 + 1;
        let dense = mel_filterbank(n_fft, bands, 20.0, 8000.0);
        MelBands(
            dense
                .chunks(bins)
                .map(|row| {
                    let first = row.iter().position(|w| *w > 0.0).unwrap_or(0);
                    let last = row.iter().rposition(|w| *w > 0.0).map_or(first, |l| l + 1);
                    (first, row[first..last].to_vec())
                })
                .collect(),
        )
    }

    /// Energy of band `b` in one power spectrum.
    fn energy(&self, b: usize, power: &[f32]) -> f32 {
        let (first, w) = &self.0[b];
        w.iter().zip(&power[*first..]).map(|(w, v)| w * v).sum()
    }
}

/// Periodic Hann window of `len` samples.
fn hann(len: usize) -> Vec<f32> {
    (0..len).map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / len as f32).cos()).collect()
}

/// Short-time spectra of one signal, reusing one FFT plan.
struct Stft {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    n_fft: usize,
    hop: usize,
}

impl Stft {
    fn new(n_fft: usize, window_len: usize, hop: usize) -> Stft {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
        Stft { fft, window: hann(window_len.min(n_fft)), n_fft, hop }
    }

    /// Power spectra (`frames × (n_fft/2 + 1)`) of frames starting at `t·hop − offset`
    /// (samples outside the signal are zero); the window is centred in the FFT frame.
    fn power(&self, x: &[f32], frames: usize, offset: usize) -> Vec<f32> {
        let bins = self.n_fft / 2 + 1;
        let mut input = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let pad = (self.n_fft - self.window.len()) / 2;
        let mut out = vec![0f32; frames * bins];
        for t in 0..frames {
            input.iter_mut().for_each(|v| *v = 0.0);
            for (i, w) in self.window.iter().enumerate() {
                let pos = (t * self.hop + pad + i) as isize - offset as isize;
                if pos >= 0 && (pos as usize) < x.len() {
                    input[pad + i] = x[pos as usize] * w;
                }
            }
            // Lengths come from the plan itself, so processing cannot fail.
            if self.fft.process_with_scratch(&mut input, &mut spectrum, &mut scratch).is_ok() {
                for (o, c) in out[t * bins..(t + 1) * bins].iter_mut().zip(&spectrum) {
                    *o = c.norm_sqr();
                }
            }
        }
        out
    }
}

/// Computes [`pooled_features`] for many clips with one plan.
pub struct PooledExtractor {
    stft: Stft,
    mel: MelBands,
    dct: Vec<f32>,
}

impl Default for PooledExtractor {
    fn default() -> Self {
        Self::new()
    }
}

impl PooledExtractor {
    pub fn new() -> PooledExtractor {
        // Orthonormal DCT-II of the mel bands (MFCC).
        let m = POOLED_MELS as f32;
        let mut dct = vec![0f32; MFCCS * POOLED_MELS];
        for k in 0..MFCCS {
            let scale = if k == 0 { (1.0 / m).sqrt() } else { (2.0 / m).sqrt() };
            for n in 0..POOLED_MELS {
                dct[k * POOLED_MELS + n] = scale * (std::f32::consts::PI * k as f32 * (n as f32 + 0.5) / m).cos();
            }
        }
        PooledExtractor { stft: Stft::new(POOLED_FFT, POOLED_FFT, POOLED_HOP), mel: MelBands::new(POOLED_FFT, POOLED_MELS), dct }
    }

    /// The [`POOLED_DIM`] numbers of one clip (spec §4.2, "for logistic regression").
    pub fn features(&self, wave: &[f32]) -> Vec<f32> {
        let target = (POOLED_SECONDS * SAMPLE_RATE) as usize;
        // Shorter clips are tiled to 5 s, then everything is cut at 5 s (spec §4.2).
        let tiled: Vec<f32> = if wave.is_empty() { vec![0.0; target] } else { wave.iter().copied().cycle().take(target).collect() };
        let frames = target.div_ceil(POOLED_HOP);
        let power = self.stft.power(&tiled, frames, 0);
        let bins = POOLED_FFT / 2 + 1;
        let mut db = vec![0f32; frames * POOLED_MELS];
        for t in 0..frames {
            let p = &power[t * bins..(t + 1) * bins];
            for b in 0..POOLED_MELS {
                let e = self.mel.energy(b, p);
                db[t * POOLED_MELS + b] = 10.0 * e.max(1e-10).log10();
            }
        }
        // Decibels below the clip's loudest cell, floored at −80 dB.
        let max = db.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        db.iter_mut().for_each(|v| *v = (*v - max).max(-80.0));
        let mut mfcc = vec![0f32; frames * MFCCS];
        for t in 0..frames {
            let row = &db[t * POOLED_MELS..(t + 1) * POOLED_MELS];
            for k in 0..MFCCS {
                mfcc[t * MFCCS + k] = self.dct[k * POOLED_MELS..(k + 1) * POOLED_MELS].iter().zip(row).map(|(a, b)| a * b).sum();
            }
        }
        let mut out = Vec::with_capacity(POOLED_DIM);
        mean_std(&db, frames, POOLED_MELS, &mut out);
        mean_std(&mfcc, frames, MFCCS, &mut out);
        // Duration and level: tiling and the −max shift remove both from the bands.
        let rms = (wave.iter().map(|v| v * v).sum::<f32>() / wave.len().max(1) as f32).sqrt();
        out.push((wave.len() as f32 / SAMPLE_RATE + 1e-3).ln());
        out.push(20.0 * (rms + 1e-6).log10());
        out
    }

    /// Features of every clip, in order, computed in parallel.
    pub fn features_of(&self, waves: &[Vec<f32>]) -> Vec<f32> {
        let rows: Vec<Vec<f32>> = waves.par_iter().map(|w| self.features(w)).collect();
        rows.concat()
    }
}

/// Appends per-column means, then per-column standard deviations, of a `rows × cols` matrix.
fn mean_std(x: &[f32], rows: usize, cols: usize, out: &mut Vec<f32>) {
    let n = rows.max(1) as f32;
    let mut mean = vec![0f32; cols];
    for r in x.chunks(cols) {
        mean.iter_mut().zip(r).for_each(|(m, v)| *m += v / n);
    }
    let mut var = vec![0f32; cols];
    for r in x.chunks(cols) {
        var.iter_mut().zip(r.iter().zip(&mean)).for_each(|(s, (v, m))| *s += (v - m) * (v - m) / n);
    }
    out.extend_from_slice(&mean);
    out.extend(var.into_iter().map(f32::sqrt));
}

/// Input layout of the network (spec §4.2 "for ThinResNet34"), fixed per run and stored in
/// bundles.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpectrogramSpec {
    pub n_fft: usize,
    pub window: usize,
    pub hop: usize,
    /// Mel bands pooled from the |STFT| bins; 0 keeps the n_fft/2 + 1 linear bins (spec).
    pub mel_bands: usize,
    /// Frames per example fed to the network (clips are tiled to it; spec's L).
    pub frames: usize,
}

impl SpectrogramSpec {
    /// The spec's input: 257 linear bins, 10 ms hop.
    pub fn full(frames: usize) -> SpectrogramSpec {
        SpectrogramSpec { n_fft: 512, window: 400, hop: 160, mel_bands: 0, frames }
    }

    /// Rows of the network input (frequency axis).
    pub fn height(&self) -> usize {
        if self.mel_bands > 0 {
            self.mel_bands
        } else {
            self.n_fft / 2 + 1
        }
    }
}

/// Computes normalised spectrograms for one [`SpectrogramSpec`].
pub struct SpectrogramExtractor {
    spec: SpectrogramSpec,
    stft: Stft,
    mel: Option<MelBands>,
}

impl SpectrogramExtractor {
    pub fn new(spec: &SpectrogramSpec) -> SpectrogramExtractor {
        let mel = (spec.mel_bands > 0).then(|| MelBands::new(spec.n_fft, spec.mel_bands));
        SpectrogramExtractor { spec: spec.clone(), stft: Stft::new(spec.n_fft, spec.window, spec.hop), mel }
    }

    /// `height × frames` (frequency-major) magnitudes of at most `max_frames` columns, each
    /// column standardised over frequency ((x − mean)/(std + 1e-5), spec §4.2). An empty clip
    /// gives one all-zero column.
    pub fn spectrogram(&self, wave: &[f32], max_frames: usize) -> (usize, Vec<f32>) {
        let frames = (wave.len() / self.spec.hop + 1).min(max_frames.max(1));
        let power = self.stft.power(wave, frames, self.spec.n_fft / 2);
        let bins = self.spec.n_fft / 2 + 1;
        let h = self.spec.height();
        let mut out = vec![0f32; h * frames];
        let mut column = vec![0f32; h];
        for t in 0..frames {
            let p = &power[t * bins..(t + 1) * bins];
            match &self.mel {
                Some(mel) => {
                    for (b, c) in column.iter_mut().enumerate() {
                        *c = mel.energy(b, p).sqrt();
                    }
                }
                None => column.iter_mut().zip(p).for_each(|(c, v)| *c = v.sqrt()),
            }
            let mean = column.iter().sum::<f32>() / h as f32;
            let std = (column.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / h as f32).sqrt();
            for (f, v) in column.iter().enumerate() {
                out[f * frames + t] = (v - mean) / (std + 1e-5);
            }
        }
        (frames, out)
    }

    /// Spectrograms of every clip, in order, computed in parallel.
    pub fn spectrograms_of(&self, waves: &[Vec<f32>], max_frames: usize) -> Vec<(usize, Vec<f32>)> {
        waves.par_iter().map(|w| self.spectrogram(w, max_frames)).collect()
    }
}

/// Copies `frames` columns of a `height × len` spectrogram into `out` (`height × frames`),
/// starting at column `start` and wrapping around: the clip is tiled (spec §4.2).
pub fn window_into(spec: &[f32], height: usize, len: usize, start: usize, frames: usize, out: &mut [f32]) {
    let len = len.max(1);
    for f in 0..height {
        let row = &spec[f * len..(f + 1) * len];
        for (t, d) in out[f * frames..(f + 1) * frames].iter_mut().enumerate() {
            *d = row[(start + t) % len];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f32, seconds: f32, level: f32) -> Vec<f32> {
        (0..(seconds * SAMPLE_RATE) as usize).map(|i| level * (std::f32::consts::TAU * freq * i as f32 / SAMPLE_RATE).sin()).collect()
    }

    #[test]
    fn a_tone_peaks_in_the_mel_band_of_its_frequency() {
        let x = PooledExtractor::new();
        let lo = x.features(&tone(300.0, 1.0, 0.5));
        let hi = x.features(&tone(4000.0, 1.0, 0.5));
        assert_eq!(lo.len(), POOLED_DIM);
        let argmax = |v: &[f32]| v[..POOLED_MELS].iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert!(argmax(&lo) < argmax(&hi), "{} vs {}", argmax(&lo), argmax(&hi));
        // 4 kHz on the Slaney scale of 20 Hz–8 kHz in 30 bands sits well above the middle.
        assert!(argmax(&hi) > POOLED_MELS / 2);
    }

    #[test]
    fn silent_and_empty_clips_give_finite_features() {
        let x = PooledExtractor::new();
        for wave in [vec![], vec![0.0; 4000], vec![0.25; 3]] {
            let f = x.features(&wave);
            assert_eq!(f.len(), POOLED_DIM);
            assert!(f.iter().all(|v| v.is_finite()), "{f:?}");
        }
        let s = SpectrogramExtractor::new(&SpectrogramSpec { mel_bands: 40, ..SpectrogramSpec::full(100) });
        let (frames, spec) = s.spectrogram(&[], 100);
        assert_eq!((frames, spec.len()), (1, 40));
        assert!(spec.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn spectrogram_columns_are_standardised_and_frame_count_follows_the_hop() {
        let spec = SpectrogramSpec::full(300);
        let s = SpectrogramExtractor::new(&spec);
        let wave = tone(1000.0, 0.5, 0.3);
        let (frames, m) = s.spectrogram(&wave, 1000);
        assert_eq!(frames, 8000 / 160 + 1);
        assert_eq!(m.len(), 257 * frames);
        let col: Vec<f32> = (0..257).map(|f| m[f * frames + 10]).collect();
        let mean = col.iter().sum::<f32>() / 257.0;
        assert!(mean.abs() < 1e-3, "{mean}");
        // The 1 kHz bin (1000 / 31.25 = 32) is the column's maximum.
        let top = col.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert_eq!(top, 32);
        let (capped, _) = s.spectrogram(&wave, 20);
        assert_eq!(capped, 20);
    }

    #[test]
    fn windows_wrap_around() {
        // 2 rows × 3 columns.
        let spec = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut out = [0f32; 8];
        window_into(&spec, 2, 3, 2, 4, &mut out);
        assert_eq!(out, [3.0, 1.0, 2.0, 3.0, 6.0, 4.0, 5.0, 6.0]);
    }
}
