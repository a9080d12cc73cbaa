//! A few training examples per class, drawn for the report by domain: image thumbnails,
//! video frame strips, audio waveforms (plotters SVG) with a short playable clip (a WAV `data:`
//! URI), text snippets (token indices mapped back through `channel_to_index_map`, then
//! detokenised) and table rows.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use formats::dataset::{DatasetReader, ExampleRecord, FrameTensor, Subset};
use formats::example::Frames;
use formats::inspect::{Domain, Inspection};
use formats::metadata::{DataSpec, MatrixSpec};

use base64::Engine as _;
use maud::{html, Markup};

use super::charts::{waveform, WAVEFORM_SIZE};
use super::markup::{class_label, inline_svg, png_data_uri, truncate};

/// Records read at most while looking for examples of every class (keeps the report quick on
/// big datasets).
const MAX_SCANNED: usize = 20_000;
/// Frames of a video strip.
const STRIP_FRAMES: usize = 6;
/// Longest side of a thumbnail, pixels.
const THUMB: u32 = 96;
/// Seconds of each audio example embedded as a playable clip (keeps the page small).
const CLIP_SECONDS: f64 = 3.0;
/// Playable clips per page at most (about 100 KB each): the page stays a few MB on datasets of
/// many classes; later examples show their waveform only.
const MAX_CLIPS: usize = 24;
/// Sample rate assumed when the conversion recipe does not say (the converter's default).
const DEFAULT_SAMPLE_RATE: u32 = 16_000;

/// One drawn example.
#[derive(Debug, Clone)]
pub enum Sample {
    /// PNG `data:` URIs (one for an image, several for a video strip).
    Frames(Vec<String>),
    /// The waveform as SVG (drawn by plotters), the first seconds as a WAV `data:` URI, and a
    /// caption.
    Audio { svg: String, wav_uri: Option<String>, caption: String },
    Text(String),
    /// `(feature name, value)` pairs of a table row.
    Row(Vec<(String, f32)>),
    /// The example could not be drawn, and why.
    Unreadable(String),
}

/// Examples of one class (`None` = unlabelled records).
#[derive(Debug, Clone)]
pub struct ClassSamples {
    pub class: Option<usize>,
    pub samples: Vec<Sample>,
}

/// Up to `per_class` training examples of each class, in class order (the first label of a
/// multilabel record decides its class). When no training record has a label, the first
/// test records are shown as one unlabelled group.
pub fn collect_samples(dataset_dir: &Path, insp: &Inspection, per_class: usize) -> crate::Result<Vec<ClassSamples>> {
    let reader = DatasetReader::open(dataset_dir)?;
    let subset = if reader.subsets().contains(&Subset::Train) { Subset::Train } else { Subset::Test };
    let spec = reader.spec(subset).cloned().unwrap_or_default();
    let matrix = spec.matrix_spec.first().cloned().unwrap_or_default();
    let drawer = Drawer::new(insp.domain, &spec, matrix, dataset_dir, &reader);
    let classes = insp.output_dim.max(0) as usize;
    let mut by_class: HashMap<Option<usize>, Vec<Sample>> = HashMap::new();
    let mut full = 0usize;
    for (scanned, record) in reader.examples(subset)?.enumerate() {
        if scanned >= MAX_SCANNED || (classes > 0 && full >= classes) {
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(_) => continue, // the validation section reports bad records
        };
        let class = record
            .labels()
            .iter()
            .find(|(_, score)| *score > 0.0)
            .map(|(j, _)| *j as usize)
            .filter(|&j| j < classes.max(1));
        let slot = by_class.entry(class).or_default();
        if slot.len() >= per_class {
            continue;
        }
        slot.push(drawer.draw(&record));
        if class.is_some() && slot.len() == per_class {
            full += 1;
        }
    }
    let mut out: Vec<ClassSamples> = by_class
        .into_iter()
        .filter(|(class, _)| class.is_some())
        .map(|(class, samples)| ClassSamples { class, samples })
        .collect();
    out.sort_by_key(|c| c.class);
    if out.is_empty() {
        // No labelled record: show what there is, unlabelled.
        let samples: Vec<Sample> = reader
            .examples(subset)?
            .filter_map(|r| r.ok())
            .take(per_class * 2)
            .map(|r| drawer.draw(&r))
            .collect();
        if !samples.is_empty() {
            out.push(ClassSamples { class: None, samples });
        }
    }
    Ok(out)
}

struct Drawer {
    domain: Domain,
    matrix: MatrixSpec,
    /// Token index → token (text).
    vocabulary: HashMap<i64, String>,
    /// Feature index → name (tables).
    features: Vec<String>,
    /// Samples per second of audio records.
    sample_rate: u32,
    /// Playable clips still allowed on the page.
    clips_left: std::cell::Cell<usize>,
}

impl Drawer {
    fn new(domain: Domain, spec: &DataSpec, matrix: MatrixSpec, dataset_dir: &Path, reader: &DatasetReader) -> Drawer {
        let vocabulary = spec.channel_to_index_map.iter().map(|(tok, i)| (*i as i64, tok.clone())).collect();
        let mut features: Vec<String> = Vec::new();
        if domain == Domain::Tabular {
            let mut by_index = spec.feature_to_index_map.clone();
            by_index.sort_by_key(|(_, i)| *i);
            features = by_index.into_iter().map(|(n, _)| n).collect();
            if features.is_empty() {
                let feat = dataset_dir.join(format!("{}_feat.name", reader.name()));
                if let Ok(text) = std::fs::read_to_string(feat) {
                    features = text.lines().map(str::to_string).collect();
                }
            }
        }
        let sample_rate = if domain == Domain::Speech { recipe_sample_rate(dataset_dir, reader.name()) } else { DEFAULT_SAMPLE_RATE };
        Drawer { domain, matrix, vocabulary, features, sample_rate, clips_left: std::cell::Cell::new(MAX_CLIPS) }
    }

    fn draw(&self, record: &ExampleRecord) -> Sample {
        let drawn = match self.domain {
            Domain::Image => self.thumbnail(record, 0).map(|uri| Sample::Frames(vec![uri])),
            Domain::Video => self.strip(record),
            Domain::Speech => Ok(self.audio(record)),
            Domain::Text => Ok(Sample::Text(self.text(record))),
            Domain::Tabular => Ok(Sample::Row(self.row(record))),
        };
        drawn.unwrap_or_else(Sample::Unreadable)
    }

    fn thumbnail(&self, record: &ExampleRecord, t: usize) -> Result<String, String> {
        let frame = record.frame_tensor(t, &self.matrix).map_err(|e| e.to_string())?;
        let png = thumbnail_png(&frame, THUMB)?;
        Ok(png_data_uri(&png))
    }

    fn strip(&self, record: &ExampleRecord) -> Result<Sample, String> {
        let n = record.frames().num_frames();
        if n == 0 {
            return Err("no frame".into());
        }
        let uris = strip_frames(n, STRIP_FRAMES).into_iter().map(|t| self.thumbnail(record, t)).collect::<Result<Vec<_>, _>>()?;
        Ok(Sample::Frames(uris))
    }

    fn audio(&self, record: &ExampleRecord) -> Sample {
        self.audio_of(&sequence_values(record.frames()))
    }

    /// The waveform, and a playable clip while the page has room for one.
    fn audio_of(&self, samples: &[f32]) -> Sample {
        let rate = self.sample_rate.max(1);
        let seconds = samples.len() as f64 / f64::from(rate);
        let clip = &samples[..samples.len().min((CLIP_SECONDS * f64::from(rate)) as usize)];
        let left = self.clips_left.get();
        let wav_uri = (left > 0 && !clip.is_empty())
            .then(|| wav_bytes(clip, rate).ok())
            .flatten()
            .map(|wav| format!("data:audio/wav;base64,{}", base64::engine::general_purpose::STANDARD.encode(wav)));
        let mut caption = format!("{seconds:.2} s at {} kHz", f64::from(rate) / 1000.0);
        if wav_uri.is_some() {
            self.clips_left.set(left - 1);
            if seconds > CLIP_SECONDS {
                let _ = write!(caption, "; the first {CLIP_SECONDS:.0} s play");
            }
        } else if left == 0 {
            let _ = write!(caption, "; not playable here (the page holds {MAX_CLIPS} clips at most)");
        }
        match waveform(samples, WAVEFORM_SIZE) {
            Ok(svg) => Sample::Audio { svg, wav_uri, caption },
            Err(e) => Sample::Unreadable(format!("waveform not drawn: {e}")),
        }
    }

    fn text(&self, record: &ExampleRecord) -> String {
        let indices = sequence_values(record.frames());
        let mut words = Vec::new();
        for v in indices.iter().take(60) {
            let i = *v as i64;
            words.push(self.vocabulary.get(&i).cloned().unwrap_or_else(|| format!("#{i}")));
        }
        let mut text = detokenise(&words);
        if indices.len() > 60 {
            text.push_str(" …");
        }
        text
    }

    fn row(&self, record: &ExampleRecord) -> Vec<(String, f32)> {
        let values: Vec<f32> = match record.frames() {
            Frames::Dense { values, .. } => values.clone(),
            Frames::Sparse(frames) => {
                let width = (self.matrix.col_count.max(self.matrix.row_count)).max(0) as usize;
                let mut dense = vec![0.0; width.min(100_000)];
                if let Some(f) = frames.first() {
                    for (k, v) in f.value.iter().enumerate() {
                        // A (1, 1, F, 1) row keeps the feature in col (or row for an F×1 spec).
                        let idx = f.col.get(k).copied().unwrap_or(0).max(f.row.get(k).copied().unwrap_or(0));
                        if let Some(slot) = dense.get_mut(idx as usize) {
                            *slot = *v;
                        }
                    }
                }
                dense
            }
            Frames::Compressed(_) => Vec::new(),
        };
        values
            .into_iter()
            .enumerate()
            .map(|(j, v)| (self.features.get(j).cloned().unwrap_or_else(|| format!("f{j}")), v))
            .collect()
    }
}

/// The first channel of every frame: token ids of a text, samples of a clip.
pub(crate) fn sequence_values(frames: &Frames) -> Vec<f32> {
    match frames {
        Frames::Dense { values, offsets } => offsets
            .windows(2)
            .filter_map(|w| values.get(w[0]).copied().filter(|_| w[1] > w[0]))
            .collect(),
        Frames::Sparse(frames) => frames.iter().map(|f| f.value.first().copied().unwrap_or(0.0)).collect(),
        Frames::Compressed(_) => Vec::new(),
    }
}

/// Which of `n` frames a strip of at most `most` shows: all of them, or `most` evenly spaced
/// from the first to the last.
pub(super) fn strip_frames(n: usize, most: usize) -> Vec<usize> {
    if n <= most || most < 2 {
        (0..n.min(most.max(1))).collect()
    } else {
        (0..most).map(|k| k * (n - 1) / (most - 1)).collect()
    }
}

/// A frame as a small PNG: values scaled to [0, 1] when they are outside it, small frames
/// enlarged (nearest) and big ones shrunk (triangle) to at most `thumb` pixels a side.
pub(super) fn thumbnail_png(frame: &FrameTensor, thumb: u32) -> Result<Vec<u8>, String> {
    let (h, w, c) = (frame.height, frame.width, frame.channels.max(1));
    if h == 0 || w == 0 || frame.data.len() < h * w * c {
        return Err(format!("frame of {h}×{w}×{c} has {} values", frame.data.len()));
    }
    let (lo, hi) = frame
        .data
        .iter()
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo >= 0.0 && hi <= 1.0 { (0.0, 1.0) } else { (lo, hi.max(lo + 1e-6)) };
    let byte = |v: f32| (((v - lo) / (hi - lo)).clamp(0.0, 1.0) * 255.0).round() as u8;
    let mut img = image::RgbImage::new(w as u32, h as u32);
    for y in 0..h {
        for x in 0..w {
            let base = (y * w + x) * c;
            let px = if c >= 3 {
                [byte(frame.data[base]), byte(frame.data[base + 1]), byte(frame.data[base + 2])]
            } else {
                let g = byte(frame.data[base]);
                [g, g, g]
            };
            img.put_pixel(x as u32, y as u32, image::Rgb(px));
        }
    }
    let longest = h.max(w) as u32;
    let img = if longest < thumb / 2 {
        let k = (thumb / longest).max(1);
        image::imageops::resize(&img, w as u32 * k, h as u32 * k, image::imageops::FilterType::Nearest)
    } else if longest > thumb {
        let scale = thumb as f64 / longest as f64;
        let (nw, nh) = (((w as f64 * scale).round() as u32).max(1), ((h as f64 * scale).round() as u32).max(1));
        image::imageops::resize(&img, nw, nh, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).map_err(|e| e.to_string())?;
    Ok(png)
}

/// The sample rate of the conversion recipe (`<name>_recipe.json`, written by `convert`),
/// else the converter's default. Read as text: the report does not depend on the converters.
fn recipe_sample_rate(dataset_dir: &Path, name: &str) -> u32 {
    let Ok(text) = std::fs::read_to_string(dataset_dir.join(format!("{name}_recipe.json"))) else {
        return DEFAULT_SAMPLE_RATE;
    };
    text.find("\"sample_rate\"")
        .and_then(|at| {
            let rest = text[at + "\"sample_rate\"".len()..].trim_start().strip_prefix(':')?.trim_start();
            rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse::<u32>().ok()
        })
        .filter(|r| (1_000..=384_000).contains(r))
        .unwrap_or(DEFAULT_SAMPLE_RATE)
}

/// Mono 16-bit PCM WAV of `samples` (clipped to [-1, 1]).
fn wav_bytes(samples: &[f32], rate: u32) -> Result<Vec<u8>, String> {
    let spec = hound::WavSpec { channels: 1, sample_rate: rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut out = std::io::Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    {
        let mut w = hound::WavWriter::new(&mut out, spec).map_err(|e| e.to_string())?;
        for v in samples {
            let v = if v.is_finite() { v.clamp(-1.0, 1.0) } else { 0.0 };
            w.write_sample((v * 32767.0).round() as i16).map_err(|e| e.to_string())?;
        }
        w.finalize().map_err(|e| e.to_string())?;
    }
    Ok(out.into_inner())
}

/// Tokens back to running text where the tokenizer allows: single CJK characters are joined,
/// punctuation sticks to its word ("end ." → "end."), contractions are closed up
/// ("he ' s" → "he's", "don ' t" → "don't") and brackets hug their content.
pub fn detokenise(tokens: &[String]) -> String {
    const CLOSING: &[&str] = &[".", ",", "!", "?", ";", ":", ")", "]", "}", "%", "…", "。", "，", "！", "？", "；", "：", "）", "、"];
    const OPENING: &[&str] = &["(", "[", "{", "$", "（"];
    const SUFFIXES: &[&str] = &["s", "t", "re", "ve", "ll", "d", "m"];
    let is_cjk = |t: &str| t.chars().all(|c| matches!(c as u32, 0x3000..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF));
    let is_word = |t: &str| t.chars().next().is_some_and(char::is_alphanumeric);
    let mut out = String::new();
    let mut prev: Option<&str> = None;
    let mut open_quote = false;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        if t.is_empty() || t == "<pad>" {
            i += 1;
            continue;
        }
        // word ' s → word's (the apostrophe and the suffix glue to the word before)
        if t == "'" && prev.is_some_and(is_word) {
            if let Some(next) = tokens.get(i + 1).filter(|n| SUFFIXES.contains(&n.as_str())) {
                out.push('\'');
                out.push_str(next);
                prev = Some(next.as_str());
                i += 2;
                continue;
            }
        }
        let glue = match prev {
            None => true,
            Some(p) => {
                CLOSING.contains(&t)
                    || OPENING.contains(&p)
                    || (is_cjk(t) && is_cjk(p))
                    || (t == "\"" && open_quote)
                    || (p == "\"" && open_quote && t != "\"")
                    || t.starts_with("##")
            }
        };
        if !glue {
            out.push(' ');
        }
        out.push_str(t.strip_prefix("##").unwrap_or(t));
        if t == "\"" {
            open_quote = !open_quote;
        }
        prev = Some(t);
        i += 1;
    }
    out
}

/// The examples as HTML, one block per class.
pub(super) fn render(insp: &Inspection, classes: &[ClassSamples]) -> Markup {
    html! {
        div.samples {
            @for group in classes {
                @let title = group.class.map_or_else(|| "unlabelled".to_string(), |j| class_label(insp, j));
                h3 { (truncate(&title, 60)) }
                @let rows: Vec<&Vec<(String, f32)>> = group.samples.iter().filter_map(|x| if let Sample::Row(r) = x { Some(r) } else { None }).collect();
                @if !rows.is_empty() { (rows_table(&rows)) }
                @for sample in &group.samples {
                    @match sample {
                        Sample::Frames(uris) => { span.strip { @for uri in uris { img alt="example" src=(uri); } } }
                        Sample::Audio { svg, wav_uri, caption } => {
                            // the caption under the waveform, never over it
                            figure.clip {
                                (inline_svg(svg))
                                @if let Some(uri) = wav_uri {
                                    audio controls preload="metadata" { source src=(uri) type="audio/wav"; }
                                }
                                figcaption { (caption) }
                            }
                        }
                        Sample::Text(text) => { blockquote.text { (text) } }
                        Sample::Row(_) => {}
                        Sample::Unreadable(why) => { p.note { "example not drawn: " (why) } }
                    }
                }
            }
        }
    }
}

/// Table rows, first 30 features (a wider table scrolls inside its wrapper).
fn rows_table(rows: &[&Vec<(String, f32)>]) -> Markup {
    const SHOWN: usize = 30;
    let width = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    html! {
        div.scroll {
            table {
                tr {
                    @for (name, _) in rows[0].iter().take(SHOWN) { th { (truncate(name, 16)) } }
                    @if width > SHOWN { th.l { "… " (width - SHOWN) " more" } }
                }
                @for row in rows {
                    tr {
                        @for (_, v) in row.iter().take(SHOWN) { td { (format_value(*v)) } }
                        @if width > SHOWN { td {} }
                    }
                }
            }
        }
    }
}

fn format_value(v: f32) -> String {
    if v.fract() == 0.0 && v.abs() < 1e7 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_data::write_dense;

    #[test]
    fn thumbnail_of_a_tiny_frame_is_enlarged_png() {
        let frame = FrameTensor { height: 4, width: 4, channels: 3, data: (0..48).map(|v| v as f32 / 48.0).collect() };
        let png = thumbnail_png(&frame, THUMB).unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), (96, 96));
    }

    #[test]
    fn video_examples_become_frame_strips_and_speech_waveforms() {
        let tmp = tempfile::tempdir().unwrap();
        let video = tmp.path().join("video");
        write_dense(&video, (10, 6, 8, 3), |k, i| ((k * 7 + i) % 13) as f32 / 13.0);
        let insp = formats::inspect::inspect(&video).unwrap();
        assert_eq!(insp.domain, Domain::Video);
        let classes = collect_samples(&video, &insp, 2).unwrap();
        assert_eq!(classes.iter().map(|c| c.class).collect::<Vec<_>>(), vec![Some(0), Some(1)]);
        for group in &classes {
            assert_eq!(group.samples.len(), 2);
            for sample in &group.samples {
                match sample {
                    Sample::Frames(uris) => {
                        assert_eq!(uris.len(), STRIP_FRAMES);
                        assert!(uris.iter().all(|u| u.starts_with("data:image/png;base64,")));
                    }
                    other => panic!("video sample drawn as {other:?}"),
                }
            }
        }

        let speech = tmp.path().join("speech");
        write_dense(&speech, (400, 1, 1, 1), |k, i| ((i as f32) / (5.0 + k as f32)).sin());
        let insp = formats::inspect::inspect(&speech).unwrap();
        assert_eq!(insp.domain, Domain::Speech);
        let classes = collect_samples(&speech, &insp, 1).unwrap();
        assert_eq!(classes.len(), 2);
        match &classes[0].samples[0] {
            Sample::Audio { svg, wav_uri, caption } => {
                assert!(svg.starts_with("<svg width=\"300\" height=\"60\"") && svg.matches("<polygon").count() == 1, "{svg}");
                assert!(wav_uri.as_deref().is_some_and(|u| u.starts_with("data:audio/wav;base64,UklGR")), "{wav_uri:?}");
                assert_eq!(caption, "0.03 s at 16 kHz");
            }
            other => panic!("speech sample drawn as {other:?}"),
        }
        let html = render(&insp, &classes).into_string();
        assert_eq!(html.matches("<svg").count(), 2);
        assert_eq!(html.matches("<figure class=\"clip\"><svg").count(), 2, "the waveform heads its figure");
        assert_eq!(html.matches("<audio controls").count(), 2);
        assert_eq!(html.matches("<source src=\"data:audio/wav;base64,").count(), 2);
    }

    #[test]
    fn wav_clip_holds_the_samples_and_the_recipe_rate() {
        let wav = wav_bytes(&[0.0, 0.5, -1.0, 2.0], 8000).unwrap();
        let mut r = hound::WavReader::new(std::io::Cursor::new(wav)).unwrap();
        assert_eq!(r.spec().sample_rate, 8000);
        let v: Vec<i16> = r.samples::<i16>().map(|s| s.unwrap()).collect();
        assert_eq!(v, vec![0, 16384, -32767, 32767]);
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(recipe_sample_rate(tmp.path(), "x"), DEFAULT_SAMPLE_RATE);
        std::fs::write(tmp.path().join("x_recipe.json"), r#"{"settings":{"sample_rate": 22050,"mono":true}}"#).unwrap();
        assert_eq!(recipe_sample_rate(tmp.path(), "x"), 22050);
    }

    #[test]
    fn the_page_holds_a_bounded_number_of_clips() {
        let drawer = Drawer {
            domain: Domain::Speech,
            matrix: MatrixSpec::default(),
            vocabulary: HashMap::new(),
            features: Vec::new(),
            sample_rate: 8000,
            clips_left: std::cell::Cell::new(MAX_CLIPS),
        };
        let long: Vec<f32> = (0..40_000).map(|i| (i as f32 / 9.0).sin()).collect();
        let drawn: Vec<Sample> = (0..MAX_CLIPS + 2).map(|_| drawer.audio_of(&long)).collect();
        let playable = |s: &Sample| matches!(s, Sample::Audio { wav_uri: Some(_), .. });
        assert!(drawn[..MAX_CLIPS].iter().all(playable));
        assert!(!drawn[MAX_CLIPS..].iter().any(playable));
        match (&drawn[0], &drawn[MAX_CLIPS]) {
            (Sample::Audio { wav_uri: Some(uri), caption, .. }, Sample::Audio { caption: last, .. }) => {
                assert_eq!(caption, "5.00 s at 8 kHz; the first 3 s play");
                // 3 s at 8 kHz, 16 bits: 48 000 bytes and a 44-byte header, in base64
                let wav = base64::engine::general_purpose::STANDARD.decode(&uri["data:audio/wav;base64,".len()..]).unwrap();
                assert_eq!(wav.len(), 44 + 48_000);
                assert!(last.contains("not playable here"), "{last}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn detokenise_closes_up_punctuation_and_contractions() {
        let t = |s: &str| detokenise(&s.split(' ').map(str::to_string).collect::<Vec<_>>());
        assert_eq!(t("he ' s right , isn ' t he ?"), "he's right, isn't he?");
        assert_eq!(t("a ( small ) test : done ."), "a (small) test: done.");
        assert_eq!(t("she said \" go \" now"), "she said \"go\" now");
        assert_eq!(t("这 部 电 影 很 好 。"), "这部电影很好。");
        assert_eq!(t("the <pad> end"), "the end");
        assert_eq!(t("play ##ing"), "playing");
    }

    #[test]
    fn strips_span_first_to_last_frame() {
        assert_eq!(strip_frames(10, 6), vec![0, 1, 3, 5, 7, 9]);
        assert_eq!(strip_frames(3, 6), vec![0, 1, 2]);
        assert_eq!(strip_frames(7, 3), vec![0, 3, 6]);
        assert_eq!(strip_frames(5, 1), vec![0]);
    }

    #[test]
    fn sequence_values_take_first_channel_of_each_frame() {
        let frames = Frames::dense_from_frames(vec![vec![3.0f32], vec![7.0], vec![2.0]]);
        assert_eq!(sequence_values(&frames), vec![3.0, 7.0, 2.0]);
    }
}
