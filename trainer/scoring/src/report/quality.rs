//! The report's **Data quality** section: what the audit found, with the examples of every
//! duplicate pair and every suspect label drawn side by side (thumbnails, frame strips,
//! waveforms, text snippets, table rows) and named by subset, position and id.
//!
//! It takes a plain [`QualitySection`] (the `audit` crate builds one from its report; this crate
//! never depends on `audit`). [`draw_examples`] draws the few examples a section names.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Cursor;
use std::path::Path;

use formats::dataset::{DatasetReader, ExampleRecord, Subset};
use formats::example::Frames;
use formats::metadata::MatrixSpec;

use super::{esc, png_data_uri, Sample};

/// Longest side of a thumbnail, pixels.
const THUMB: u32 = 72;
/// Frames of a video strip.
const STRIP: usize = 3;
/// Characters of a text snippet.
const SNIPPET: usize = 240;
/// Table values shown per row.
const ROW_VALUES: usize = 12;

/// One example as the section shows it.
#[derive(Debug, Clone)]
pub struct QualityExample {
    /// How the owner finds it, e.g. `train #12 (id 40)` or `test #3, row 3 of the .solution`.
    pub name: String,
    /// Its class names or indices, when known.
    pub labels: Option<String>,
    /// The drawing, when one was made.
    pub view: Option<Sample>,
}

/// Two examples found (near) identical.
#[derive(Debug, Clone)]
pub struct QualityPair {
    /// `leakage`, `near_leakage`, `duplicate_train`, …
    pub kind: String,
    /// 1 for identical content, else the near-duplicate similarity.
    pub similarity: f64,
    pub a: QualityExample,
    pub b: QualityExample,
}

/// A train example whose label is doubted.
#[derive(Debug, Clone)]
pub struct QualitySuspect {
    pub example: QualityExample,
    pub given: String,
    pub suggested: String,
    /// Out-of-sample probability of the suggested class.
    pub confidence: f64,
}

/// Everything the section shows.
#[derive(Debug, Clone, Default)]
pub struct QualitySection {
    /// One line per finding kind: `(kind, severity, findings, examples)`.
    pub summary: Vec<(String, String, u64, u64)>,
    pub pairs: Vec<QualityPair>,
    pub suspects: Vec<QualitySuspect>,
    pub outliers: Vec<QualityExample>,
    /// Sentences about what was not checked and why (e.g. multi-label refusals).
    pub notes: Vec<String>,
}

/// The section as an HTML fragment (`<section id="data-quality">`), self-contained.
pub fn render_quality(q: &QualitySection) -> String {
    let mut s = String::from("<section id=\"data-quality\">\n<h2>Data quality</h2>\n");
    if q.summary.is_empty() {
        s.push_str("<p class=\"ok\">The audit found nothing to fix.</p>\n");
    } else {
        s.push_str("<table id=\"quality-summary\"><tr><th>finding</th><th>severity</th><th>findings</th><th>examples</th></tr>\n");
        for (kind, severity, findings, examples) in &q.summary {
            let _ = writeln!(s, "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{findings}</td><td>{examples}</td></tr>", esc(severity), esc(kind), esc(severity));
        }
        s.push_str("</table>\n");
    }
    for note in &q.notes {
        let _ = writeln!(s, "<p class=\"note\">{}</p>", esc(note));
    }
    if !q.pairs.is_empty() {
        s.push_str("<h3>Duplicate pairs</h3>\n<table id=\"quality-pairs\" class=\"pairs\"><tr><th>finding</th><th>similarity</th><th>first</th><th>second</th></tr>\n");
        for p in &q.pairs {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{:.3}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.kind),
                p.similarity,
                example_cell(&p.a),
                example_cell(&p.b)
            );
        }
        s.push_str("</table>\n");
    }
    if !q.suspects.is_empty() {
        s.push_str("<h3>Suspect labels</h3>\n<table id=\"quality-suspects\"><tr><th>example</th><th>given</th><th>suggested</th><th>confidence</th></tr>\n");
        for x in &q.suspects {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
                example_cell(&x.example),
                esc(&x.given),
                esc(&x.suggested),
                x.confidence
            );
        }
        s.push_str("</table>\n");
    }
    if !q.outliers.is_empty() {
        s.push_str("<h3>Outliers</h3>\n<div class=\"samples\">");
        for o in &q.outliers {
            s.push_str(&example_cell(o));
        }
        s.push_str("</div>\n");
    }
    s.push_str("</section>\n");
    s
}

fn example_cell(e: &QualityExample) -> String {
    let mut s = format!("<figure class=\"example\"><figcaption>{}", esc(&e.name));
    if let Some(l) = &e.labels {
        let _ = write!(s, " — {}", esc(l));
    }
    s.push_str("</figcaption>");
    match &e.view {
        Some(Sample::Frames(uris)) => {
            s.push_str("<span class=\"strip\">");
            for uri in uris {
                let _ = write!(s, "<img alt=\"{}\" src=\"{uri}\">", esc(&e.name));
            }
            s.push_str("</span>");
        }
        Some(Sample::Audio { svg, caption, .. }) => {
            let _ = write!(s, "{svg}<small>{}</small>", esc(caption));
        }
        Some(Sample::Text(t)) => {
            let _ = write!(s, "<blockquote class=\"text\">{}</blockquote>", esc(t));
        }
        Some(Sample::Row(values)) => {
            s.push_str("<div class=\"table-wrap\"><table class=\"row\"><tr>");
            for (name, _) in values.iter().take(ROW_VALUES) {
                let _ = write!(s, "<th>{}</th>", esc(name));
            }
            s.push_str("</tr><tr>");
            for (_, v) in values.iter().take(ROW_VALUES) {
                let _ = write!(s, "<td>{v}</td>");
            }
            s.push_str("</tr></table></div>");
        }
        Some(Sample::Unreadable(why)) => {
            let _ = write!(s, "<small>not drawn: {}</small>", esc(why));
        }
        None => {}
    }
    s.push_str("</figure>");
    s
}

/// Draws the `wanted` examples (subset, 0-based position) of the dataset in one pass per
/// subset: thumbnails, frame strips, waveforms, text snippets (token ids through the metadata
/// vocabulary), table rows. An example that cannot be drawn says why.
pub fn draw_examples(dataset_dir: &Path, wanted: &[(Subset, u64)]) -> crate::Result<HashMap<(Subset, u64), Sample>> {
    let reader = DatasetReader::open(dataset_dir)?;
    let mut out = HashMap::new();
    for subset in reader.subsets() {
        let mut want: Vec<u64> = wanted.iter().filter(|(s, _)| *s == subset).map(|(_, i)| *i).collect();
        if want.is_empty() {
            continue;
        }
        want.sort_unstable();
        let spec = reader.spec(subset).cloned().unwrap_or_default();
        let matrix = spec.matrix_spec.first().cloned().unwrap_or_default();
        let vocab: HashMap<i64, String> = spec.channel_to_index_map.iter().map(|(w, i)| (i64::from(*i), w.clone())).collect();
        let last = *want.last().unwrap_or(&0);
        for (i, record) in reader.examples(subset)?.enumerate() {
            let i = i as u64;
            if i > last {
                break;
            }
            if want.binary_search(&i).is_err() {
                continue;
            }
            let sample = match record {
                Ok(r) => draw(&r, &matrix, spec.sequence_size, &vocab),
                Err(e) => Sample::Unreadable(e.to_string()),
            };
            out.insert((subset, i), sample);
        }
    }
    Ok(out)
}

fn draw(r: &ExampleRecord, m: &MatrixSpec, sequence_size: i32, vocab: &HashMap<i64, String>) -> Sample {
    let frames = r.frames().num_frames();
    let (rows, cols) = (m.row_count, m.col_count);
    let picture = rows != 1 || cols != 1;
    let result = if picture && (sequence_size == 1 || frames == 1) && (rows == 1 || cols == 1) && matches!(r.frames(), Frames::Dense { .. }) {
        // a table row
        r.frame_tensor(0, m).map(|t| Sample::Row(t.data.iter().enumerate().map(|(k, &v)| (format!("x{k}"), v)).collect())).map_err(|e| e.to_string())
    } else if picture {
        let ts: Vec<usize> = if frames <= 1 { vec![0] } else { (0..STRIP).map(|k| k * (frames - 1) / (STRIP - 1)).collect() };
        ts.iter().map(|&t| r.frame_tensor(t, m).map_err(|e| e.to_string()).and_then(|f| thumbnail(&f))).collect::<Result<Vec<_>, _>>().map(Sample::Frames)
    } else {
        let values = super::samples::sequence_values(r.frames());
        if vocab.is_empty() {
            Ok(Sample::Audio { svg: waveform(&values), wav_uri: None, caption: format!("{} samples", values.len()) })
        } else {
            // the running text, as the samples section shows it
            let words: Vec<String> = values.iter().map(|&v| vocab.get(&(v as i64)).cloned().unwrap_or_else(|| "?".into())).collect();
            let text = super::samples::detokenise(&words);
            let snippet = if text.chars().count() > SNIPPET { format!("{}…", text.chars().take(SNIPPET).collect::<String>()) } else { text };
            Ok(Sample::Text(snippet))
        }
    };
    result.unwrap_or_else(Sample::Unreadable)
}

fn thumbnail(f: &formats::dataset::FrameTensor) -> Result<String, String> {
    let px = |x: u32, y: u32| -> image::Rgb<u8> {
        let k = (y as usize * f.width + x as usize) * f.channels;
        let c = |j: usize| (f.data[k + j.min(f.channels - 1)].clamp(0.0, 1.0) * 255.0) as u8;
        image::Rgb([c(0), c(1), c(2)])
    };
    if f.width == 0 || f.height == 0 || f.channels == 0 {
        return Err("empty frame".into());
    }
    let img = image::RgbImage::from_fn(f.width as u32, f.height as u32, px);
    let scale = THUMB as f32 / f.width.max(f.height) as f32;
    let (w, h) = (((f.width as f32 * scale).round() as u32).max(1), ((f.height as f32 * scale).round() as u32).max(1));
    let small = image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
    let mut png = Vec::new();
    small.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).map_err(|e| e.to_string())?;
    Ok(png_data_uri(&png))
}

/// Min/max envelope of the samples in 120 columns, as inline SVG.
fn waveform(samples: &[f32]) -> String {
    const W: usize = 120;
    let mut s = format!("<svg class=\"wave\" width=\"{W}\" height=\"40\" viewBox=\"0 0 {W} 40\"><path stroke=\"#357\" fill=\"none\" d=\"");
    let peak = samples.iter().fold(1e-9f32, |m, v| m.max(v.abs()));
    for x in 0..W {
        let chunk = &samples[x * samples.len() / W..((x + 1) * samples.len() / W).max(x * samples.len() / W)];
        let (lo, hi) = chunk.iter().fold((0f32, 0f32), |(l, h), &v| (l.min(v), h.max(v)));
        let _ = write!(s, "M{x} {:.1}V{:.1}", 20.0 - 19.0 * hi / peak, 20.0 - 19.0 * lo / peak);
    }
    s.push_str("\"/></svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str, view: Option<Sample>) -> QualityExample {
        QualityExample { name: name.into(), labels: Some("class 1".into()), view }
    }

    #[test]
    fn pairs_and_suspects_are_shown_side_by_side_with_their_names() {
        let q = QualitySection {
            summary: vec![("near_leakage".into(), "warning".into(), 1, 2), ("suspect_label".into(), "warning".into(), 1, 1)],
            pairs: vec![QualityPair {
                kind: "near_leakage".into(),
                similarity: 0.96,
                a: example("train #4 (id 9)", Some(Sample::Text("a <b> c".into()))),
                b: example("test #1 (id 1)", Some(Sample::Row(vec![("x0".into(), 1.5)]))),
            }],
            suspects: vec![QualitySuspect { example: example("train #7", Some(Sample::Frames(vec!["data:image/png;base64,AA".into()]))), given: "cat".into(), suggested: "dog".into(), confidence: 0.91 }],
            outliers: vec![example("test #2", None)],
            notes: vec!["multi-label: suspect labels not looked for".into()],
        };
        let html = render_quality(&q);
        let pair_row = html.split("<tr>").find(|r| r.starts_with("<td>near_leakage</td>")).unwrap();
        // both examples of a pair in one row, each with its name
        assert!(pair_row.contains("train #4 (id 9)") && pair_row.contains("test #1 (id 1)") && pair_row.contains("0.960"), "{pair_row}");
        assert!(html.contains("a &lt;b&gt; c"), "text is escaped");
        assert!(html.contains("<td>cat</td><td>dog</td><td>0.91</td>"));
        assert!(html.contains("<img alt=\"train #7\" src=\"data:image/png;base64,AA\">"));
        assert!(html.contains("multi-label: suspect labels not looked for"));
        assert!(render_quality(&QualitySection::default()).contains("found nothing to fix"));
    }

    #[test]
    fn draws_thumbnails_rows_and_waveforms_of_the_named_examples() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("pics");
        super::super::samples::tests::write_dense(&dir, (1, 8, 8, 3), |i, k| ((i * 7 + k) % 10) as f32 / 10.0);
        let drawn = draw_examples(&dir, &[(Subset::Train, 1), (Subset::Test, 0)]).unwrap();
        assert_eq!(drawn.len(), 2);
        for s in drawn.values() {
            assert!(matches!(s, Sample::Frames(u) if u.len() == 1 && u[0].starts_with("data:image/png;base64,")), "{s:?}");
        }
        let wave = waveform(&[0.0, 1.0, -1.0, 0.5]);
        // the peak reaches the top (y 1), the trough the bottom (y 39)
        assert!(wave.starts_with("<svg") && wave.contains(" 1.0V") && wave.contains("V39.0"), "{wave}");
    }
}
