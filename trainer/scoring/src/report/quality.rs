//! The report's **Data quality** section: what the audit found, with the examples of every
//! duplicate pair and every suspect label drawn side by side (thumbnails, frame strips,
//! waveforms, text snippets, table rows) and named by subset, position and id.
//!
//! It takes a plain [`QualitySection`] (the `audit` crate builds one from its report; this crate
//! never depends on `audit`). [`draw_examples`] draws the few examples a section names.

use std::collections::HashMap;
use std::path::Path;

use formats::dataset::{DatasetReader, ExampleRecord, Subset};
use formats::example::Frames;
use formats::metadata::MatrixSpec;
use maud::{html, Markup};

use super::charts::{waveform, SMALL_WAVEFORM_SIZE};
use super::markup::{inline_svg, png_data_uri, truncate};
use super::samples::{strip_frames, thumbnail_png, Sample};

/// How much of an example the section draws: less than the samples section, as two examples
/// share a table row.
struct Compact {
    /// Longest side of a thumbnail, pixels; frames of a video strip.
    thumb: u32,
    strip: usize,
    /// Characters of a text snippet; table values shown per row.
    snippet: usize,
    row_values: usize,
}

const COMPACT: Compact = Compact { thumb: 72, strip: 3, snippet: 240, row_values: 12 };

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
    quality_markup(q).into_string()
}

/// [`render_quality`] as markup for the report (rendered with `maud`: every value escaped).
pub(crate) fn quality_markup(q: &QualitySection) -> Markup {
    html! {
        section #data-quality {
            h2 { "Data quality" }
            @if q.summary.is_empty() {
                p.ok { "The audit found nothing to fix." }
            } @else {
                div.scroll {
                    table #quality-summary {
                        tr { th { "finding" } th { "severity" } th { "findings" } th { "examples" } }
                        @for (kind, severity, findings, examples) in &q.summary {
                            tr class=(severity) { td { (kind) } td { (severity) } td { (findings) } td { (examples) } }
                        }
                    }
                }
            }
            @for note in &q.notes { p.note { (note) } }
            @if !q.pairs.is_empty() {
                h3 { "Duplicate pairs" }
                div.scroll {
                    table.pairs #quality-pairs {
                        tr { th { "finding" } th { "similarity" } th { "first" } th { "second" } }
                        @for p in &q.pairs {
                            tr { td { (p.kind) } td { (format!("{:.3}", p.similarity)) } td { (example_cell(&p.a)) } td { (example_cell(&p.b)) } }
                        }
                    }
                }
            }
            @if !q.suspects.is_empty() {
                h3 { "Suspect labels" }
                div.scroll {
                    table #quality-suspects {
                        tr { th { "example" } th { "given" } th { "suggested" } th { "confidence" } }
                        @for x in &q.suspects {
                            tr { td { (example_cell(&x.example)) } td { (x.given) } td { (x.suggested) } td { (format!("{:.2}", x.confidence)) } }
                        }
                    }
                }
            }
            @if !q.outliers.is_empty() {
                h3 { "Outliers" }
                div.samples { @for o in &q.outliers { (example_cell(o)) } }
            }
        }
    }
}

fn example_cell(e: &QualityExample) -> Markup {
    html! {
        figure.example {
            figcaption { (e.name) @if let Some(l) = &e.labels { " — " (l) } }
            @match &e.view {
                Some(Sample::Frames(uris)) => { span.strip { @for uri in uris { img alt=(e.name) src=(uri); } } }
                Some(Sample::Audio { svg, caption, .. }) => { (inline_svg(svg)) small { (caption) } }
                Some(Sample::Text(t)) => { blockquote.text { (t) } }
                Some(Sample::Row(values)) => {
                    div.scroll {
                        table.row {
                            tr { @for (name, _) in values.iter().take(COMPACT.row_values) { th { (name) } } }
                            tr { @for (_, v) in values.iter().take(COMPACT.row_values) { td { (v) } } }
                        }
                    }
                }
                Some(Sample::Unreadable(why)) => { small { "not drawn: " (why) } }
                None => {}
            }
        }
    }
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
        strip_frames(frames.max(1), COMPACT.strip).iter().map(|&t| r.frame_tensor(t, m).map_err(|e| e.to_string()).and_then(|f| thumbnail(&f))).collect::<Result<Vec<_>, _>>().map(Sample::Frames)
    } else {
        let values = super::samples::sequence_values(r.frames());
        if vocab.is_empty() {
            waveform(&values, SMALL_WAVEFORM_SIZE).map(|svg| Sample::Audio { svg, wav_uri: None, caption: format!("{} samples", values.len()) })
        } else {
            // the running text, as the samples section shows it
            let words: Vec<String> = values.iter().map(|&v| vocab.get(&(v as i64)).cloned().unwrap_or_else(|| "?".into())).collect();
            let text = super::samples::detokenise(&words);
            Ok(Sample::Text(truncate(&text, COMPACT.snippet)))
        }
    };
    result.unwrap_or_else(Sample::Unreadable)
}

fn thumbnail(f: &formats::dataset::FrameTensor) -> Result<String, String> {
    thumbnail_png(f, COMPACT.thumb).map(|png| png_data_uri(&png))
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
        crate::report::test_data::write_dense(&dir, (1, 8, 8, 3), |i, k| ((i * 7 + k) % 10) as f32 / 10.0);
        let drawn = draw_examples(&dir, &[(Subset::Train, 1), (Subset::Test, 0)]).unwrap();
        assert_eq!(drawn.len(), 2);
        for s in drawn.values() {
            assert!(matches!(s, Sample::Frames(u) if u.len() == 1 && u[0].starts_with("data:image/png;base64,")), "{s:?}");
        }
        // a clip without vocabulary is drawn as a small waveform (the samples section's function)
        let clips = tmp.path().join("clips");
        crate::report::test_data::write_dense(&clips, (50, 1, 1, 1), |k, i| ((k * i) % 5) as f32 / 5.0 - 0.5);
        match &draw_examples(&clips, &[(Subset::Train, 2)]).unwrap()[&(Subset::Train, 2)] {
            Sample::Audio { svg, caption, .. } => {
                assert!(svg.starts_with("<svg width=\"120\" height=\"40\"") && svg.matches("<polygon").count() == 1, "{svg}");
                assert_eq!(caption, "50 samples");
            }
            other => panic!("{other:?}"),
        }
    }
}
