//! Tones and the two measurements the audio tests judge them by, independent of the converter:
//! the amplitude of one frequency (a single-bin DFT) and the frequency from zero crossings.
//! Shared by the integration tests and `resample`'s unit tests.
#![allow(dead_code)]

/// `seconds` of a `freq` Hz sine at `rate` Hz with peak `amp`.
pub fn sine(freq: f64, rate: u32, seconds: f64, amp: f64) -> Vec<f32> {
    let n = (seconds * f64::from(rate)) as usize;
    (0..n).map(|i| (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin()) as f32).collect()
}

/// Amplitude of the `freq` component over the central 80 % (single-bin DFT).
pub fn amplitude_at(x: &[f32], rate: f64, freq: f64) -> f64 {
    let part = &x[x.len() / 10..x.len() - x.len() / 10];
    let (mut re, mut im) = (0.0, 0.0);
    for (i, &v) in part.iter().enumerate() {
        let ph = 2.0 * std::f64::consts::PI * freq * i as f64 / rate;
        re += f64::from(v) * ph.cos();
        im += f64::from(v) * ph.sin();
    }
    2.0 * (re * re + im * im).sqrt() / part.len() as f64
}

/// Frequency from rising zero crossings over the central 80 %, interpolated.
pub fn zero_crossing_freq(x: &[f32], rate: f64) -> f64 {
    let (mut first, mut last, mut count) = (None, 0.0, 0);
    for i in (x.len() / 10).max(1)..x.len() - x.len() / 10 {
        let (a, b) = (f64::from(x[i - 1]), f64::from(x[i]));
        if a < 0.0 && b >= 0.0 {
            let t = (i - 1) as f64 + a / (a - b);
            if first.is_none() {
                first = Some(t);
            } else {
                count += 1;
            }
            last = t;
        }
    }
    rate * count as f64 / (last - first.expect("a crossing"))
}
