//! Band-limited sample-rate conversion with rubato's synchronous FFT resampler: the spectrum
//! is cut at the lower Nyquist frequency (anti-aliasing when downsampling) and the ratio is
//! exact for integer rates (44 100 → 16 000 = 441 → 160).

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

/// Resamples interleaved `samples` of `channels` channels from `from` Hz to `to` Hz. The output
/// is aligned with the input (the resampler's delay is trimmed) and holds
/// `round(frames · to / from)` frames.
pub fn resample(samples: &[f32], channels: usize, from: u32, to: u32) -> Result<Vec<f32>, String> {
    if from == to || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let channels = channels.max(1);
    let frames = samples.len() / channels;
    let mut resampler = Fft::<f32>::new(from as usize, to as usize, 1024, channels, FixedSync::Both)
        .map_err(|e| format!("cannot resample {from} Hz → {to} Hz: {e}"))?;
    let input = InterleavedSlice::new(samples, channels, frames).map_err(|e| format!("resampler input: {e}"))?;
    let out = resampler
        .process_all(&input, frames, None)
        .map_err(|e| format!("resampling {from} Hz → {to} Hz failed: {e}"))?;
    let mut data = out.take_data();
    let want = ((frames as u64 * u64::from(to) + u64::from(from) / 2) / u64::from(from)) as usize;
    data.truncate(want * channels);
    data.resize(want * channels, 0.0);
    Ok(data)
}

#[cfg(test)]
#[path = "../tests/support/signal.rs"]
mod signal;

#[cfg(test)]
mod tests {
    use super::signal::{amplitude_at, sine, zero_crossing_freq};
    use super::*;

    #[test]
    fn sine_keeps_frequency_and_amplitude() {
        for (from, to, freq) in [(44_100, 16_000, 1000.0), (8_000, 16_000, 440.0), (22_050, 16_000, 3000.0), (48_000, 8_000, 440.0)] {
            let x = sine(freq, from, 1.0, 0.5);
            let y = resample(&x, 1, from, to).unwrap();
            assert_eq!(y.len(), to as usize, "{from}→{to}: length");
            let f = zero_crossing_freq(&y, f64::from(to));
            assert!((f - freq).abs() < freq * 0.002, "{from}→{to}: {f} Hz instead of {freq}");
            let a = amplitude_at(&y, f64::from(to), freq);
            assert!((a - 0.5).abs() < 0.01, "{from}→{to}: amplitude {a}");
        }
    }

    #[test]
    fn removes_content_above_the_new_nyquist() {
        // 7 kHz at 44.1 kHz → 8 kHz: must not alias to 1 kHz.
        let x = sine(7000.0, 44_100, 1.0, 0.5);
        let y = resample(&x, 1, 44_100, 8_000).unwrap();
        assert!(amplitude_at(&y, 8000.0, 1000.0) < 0.005);
        let rms = (y[800..7200].iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / 6400.0).sqrt();
        assert!(rms < 0.01, "rms {rms}");
    }

    #[test]
    fn stereo_channels_stay_apart() {
        let l = sine(500.0, 32_000, 0.5, 0.8);
        let r = sine(1500.0, 32_000, 0.5, 0.2);
        let x: Vec<f32> = l.iter().zip(&r).flat_map(|(a, b)| [*a, *b]).collect();
        let y = resample(&x, 2, 32_000, 16_000).unwrap();
        let (yl, yr): (Vec<f32>, Vec<f32>) = (y.iter().step_by(2).copied().collect(), y.iter().skip(1).step_by(2).copied().collect());
        assert!((amplitude_at(&yl, 16000.0, 500.0) - 0.8).abs() < 0.02);
        assert!((amplitude_at(&yr, 16000.0, 1500.0) - 0.2).abs() < 0.01);
        assert!(amplitude_at(&yl, 16000.0, 1500.0) < 0.005);
    }
}
