//! Near duplicates, outliers and suspect labels on the shared real datasets: every reported
//! near pair is checked on the decoded pixels (and printed): its mean pixel difference is under
//! a quarter of the median between two examples of the set.

mod support;

use std::collections::HashMap;
use std::path::Path;

use audit::{audit_dataset, AuditOptions, FindingKind};
use formats::dataset::{DatasetReader, Subset};
use support::shared_examples;

/// Decoded frame 0 of every example, by (subset, index), resized by nearest neighbour to 32×32 grey.
fn thumbnails(dir: &Path) -> HashMap<(Subset, u64), Vec<f32>> {
    let reader = DatasetReader::open(dir).unwrap();
    let mut out = HashMap::new();
    for subset in reader.subsets() {
        let spec = reader.spec(subset).unwrap().matrix_spec[0].clone();
        for (i, r) in reader.examples(subset).unwrap().enumerate() {
            let f = r.unwrap().frame_tensor(0, &spec).unwrap();
            let px = |x: usize, y: usize| -> f32 {
                let k = ((y * f.height / 32) * f.width + x * f.width / 32) * f.channels;
                f.data[k..k + f.channels].iter().sum::<f32>() / f.channels as f32
            };
            out.insert((subset, i as u64), (0..32 * 32).map(|k| px(k % 32, k / 32)).collect());
        }
    }
    out
}

/// Mean absolute difference of two thumbnails, in [0, 1].
fn pixel_distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32
}

#[test]
fn shared_images_report_only_real_near_duplicates() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    for name in ["Monkeys", "miniciao", "mini1"] {
        let dir = data.join("autodl").join(name);
        let report = audit_dataset(&dir, &AuditOptions::default()).unwrap();
        let thumbs = thumbnails(&dir);
        // the median distance between different examples, as the yardstick
        let keys: Vec<_> = thumbs.keys().copied().collect();
        let mut all: Vec<f32> = (0..keys.len().min(60)).flat_map(|i| (i + 1..keys.len().min(60)).map(|j| (i, j)).collect::<Vec<_>>()).map(|(i, j)| pixel_distance(&thumbs[&keys[i]], &thumbs[&keys[j]])).collect();
        all.sort_by(f32::total_cmp);
        let median = all[all.len() / 2];
        for f in report.findings.iter().filter(|f| matches!(f.kind, FindingKind::NearDuplicateTrain | FindingKind::NearDuplicateTest | FindingKind::NearLeakage)) {
            let (a, b) = (&f.examples[0], &f.examples[1]);
            let d = pixel_distance(&thumbs[&(a.subset, a.index)], &thumbs[&(b.subset, b.index)]);
            eprintln!("{name}: {} — pixel distance {d:.3} (median between examples {median:.3})", f.message);
            assert!(d < 0.25 * median, "{name}: {} is not a near duplicate: pixel distance {d:.3}, median {median:.3}", f.message);
        }
        eprintln!("{name}: near {:?}; outliers {:?}; labels {:?}", report.near, report.outliers, report.labels);
    }
}

/// miniciao with test #0 copied into train and test #1 copied as a near copy (one pixel column
/// shifted, re-encoded as PNG): the section shows both pairs, each example named and drawn.
#[test]
fn quality_section_shows_the_injected_pairs_side_by_side() {
    use formats::dataset::{DatasetWriter, WriterOptions};
    use formats::example::Frames;
    let Some((src, train, test)) = shared_examples("miniciao") else { return };
    let shifted = {
        let Frames::Compressed(b) = &test[1].0 else { panic!("miniciao is compressed") };
        let img = image::load_from_memory(&b[0]).unwrap().to_rgb8();
        let moved = image::RgbImage::from_fn(img.width(), img.height(), |x, y| *img.get_pixel(x.saturating_sub(1), y));
        let mut png = Vec::new();
        moved.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        Frames::Compressed(vec![png])
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ciao");
    let mut w = DatasetWriter::create(&out, "ciao", WriterOptions::default()).unwrap();
    for (x, y) in &test {
        w.push_test(x, &[*y], &[1.0]).unwrap();
    }
    for (x, y) in &train {
        w.push_train(x, &[*y], &[1.0]).unwrap();
    }
    w.push_train(&test[0].0, &[test[0].1], &[1.0]).unwrap();
    w.push_train(&shifted, &[test[1].1], &[1.0]).unwrap();
    w.finish(src.spec(Subset::Train).unwrap().clone(), None).unwrap();

    let report = audit_dataset(&out, &AuditOptions::default()).unwrap();
    let section = audit::section::quality_section(&report, &out);
    let n = train.len();
    let kinds: Vec<(&str, String, String)> = section.pairs.iter().map(|p| (p.kind.as_str(), p.a.name.clone(), p.b.name.clone())).collect();
    assert!(kinds.iter().any(|(k, a, b)| *k == "leakage" && a.starts_with(&format!("train #{n} ")) && b.starts_with("test #0 ")), "{kinds:?}");
    assert!(kinds.iter().any(|(k, a, b)| *k == "near_leakage" && a.starts_with(&format!("train #{} ", n + 1)) && b.starts_with("test #1 ")), "{kinds:?}");
    let html = scoring::report::quality::render_quality(&section);
    let leak_row = html.split("<tr>").find(|r| r.starts_with("<td>near_leakage</td>")).unwrap();
    assert_eq!(leak_row.matches("<img").count(), 2, "{leak_row}");
    assert!(leak_row.contains(&format!("train #{} (id", n + 1)) && leak_row.contains("test #1 (id"));
}

/// Deterministic floats in [0, 1) (a 64-bit LCG).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
    fn normal(&mut self) -> f32 {
        (0..12).map(|_| self.next()).sum::<f32>() - 6.0
    }
}

fn write(dir: &Path, spec: formats::metadata::DataSpec, test: &[(formats::example::Frames, i64)], train: &[(formats::example::Frames, i64)]) {
    let mut w = formats::dataset::DatasetWriter::create(dir, "gen", formats::dataset::WriterOptions::default()).unwrap();
    for (x, y) in test {
        w.push_test(x, &[*y], &[1.0]).unwrap();
    }
    for (x, y) in train {
        w.push_train(x, &[*y], &[1.0]).unwrap();
    }
    w.finish(spec, None).unwrap();
}

/// A table of 4 Gaussian classes (600 train, 100 test rows, 6 columns): 20 flipped train labels,
/// 5 test rows copied into train with ±0.1 % noise, one far-away train row. The flips are the
/// suspects (most of them, few others), the noisy copies the near leaks, the far row the outlier.
#[test]
fn generated_table_flips_near_copies_and_an_outlier() {
    use formats::example::Frames;
    use formats::metadata::{DataSpec, Format, MatrixSpec};
    let mut rng = Lcg(99);
    let centres: Vec<Vec<f32>> = (0..4).map(|_| (0..6).map(|_| 3.0 * rng.normal()).collect()).collect();
    let row = |c: usize, rng: &mut Lcg| -> Vec<f32> { centres[c].iter().map(|m| m + rng.normal()).collect() };
    let test: Vec<(Vec<f32>, i64)> = (0..100).map(|i| (row(i % 4, &mut rng), (i % 4) as i64)).collect();
    let mut train: Vec<(Vec<f32>, i64)> = (0..600).map(|i| (row(i % 4, &mut rng), (i % 4) as i64)).collect();
    let flipped: Vec<usize> = (0..600).filter(|i| i % 30 == 11).collect();
    for &i in &flipped {
        train[i].1 = (train[i].1 + 2) % 4;
    }
    train[5].0 = vec![40.0, -40.0, 40.0, -40.0, 40.0, -40.0];
    let copied = [3usize, 17, 40, 61, 99];
    for &t in &copied {
        let noisy = test[t].0.iter().map(|v| v * (1.0 + 0.001 * (2.0 * rng.next() - 1.0))).collect();
        train.push((noisy, test[t].1));
    }
    let frames = |v: &[(Vec<f32>, i64)]| -> Vec<(Frames, i64)> { v.iter().map(|(x, y)| (Frames::dense_from_frames([x.clone()]), *y)).collect() };
    let tmp = tempfile::tempdir().unwrap();
    let spec = DataSpec {
        output_dim: 4,
        sequence_size: 1,
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: 6, format: Format::Dense, num_channels: 1, ..Default::default() }],
        ..Default::default()
    };
    let dir = tmp.path().join("table");
    write(&dir, spec, &frames(&test), &frames(&train));
    let report = audit_dataset(&dir, &AuditOptions::default()).unwrap();

    let mut leaks: Vec<(u64, u64)> = report.findings.iter().filter(|f| f.kind == FindingKind::NearLeakage).map(|f| (f.examples[0].index, f.examples[1].index)).collect();
    leaks.sort_unstable();
    assert_eq!(leaks, copied.iter().enumerate().map(|(k, &t)| (600 + k as u64, t as u64)).collect::<Vec<_>>());
    assert!(report.findings.iter().all(|f| !matches!(f.kind, FindingKind::NearDuplicateTrain | FindingKind::NearDuplicateTest)));

    let outliers: Vec<(Subset, u64)> = report.findings.iter().filter(|f| f.kind == FindingKind::Outlier).map(|f| (f.examples[0].subset, f.examples[0].index)).collect();
    assert_eq!(outliers.first(), Some(&(Subset::Train, 5)), "{outliers:?}");

    assert_eq!(report.labels.status, "done", "{:?}", report.labels);
    let suspects: Vec<u64> = report.findings.iter().filter(|f| f.kind == FindingKind::SuspectLabel).map(|f| f.examples[0].index).collect();
    let hits = suspects.iter().filter(|&&i| flipped.contains(&(i as usize))).count();
    // the outlier row (given class 1, far from every class) may be doubted too
    assert!(hits >= 18 && suspects.len() <= hits + 3, "{hits} of {} flips among {} suspects: {suspects:?}", flipped.len(), suspects.len());
    let s = report.findings.iter().find(|f| f.kind == FindingKind::SuspectLabel && f.examples[0].index == flipped[0] as u64).unwrap();
    assert_eq!(s.suggested_class, Some(((flipped[0] % 4) as u32 + 4) % 4));
}

/// Texts of 80–120 token ids: one test text copied into train with one token changed is a near
/// leak (MinHash), and nothing else pairs up.
#[test]
fn generated_text_one_token_changed_is_a_near_leak() {
    use formats::example::Frames;
    use formats::metadata::{DataSpec, Format, MatrixSpec};
    let mut rng = Lcg(5);
    let doc = |rng: &mut Lcg| -> Vec<f32> { (0..80 + (rng.next() * 40.0) as usize).map(|_| (rng.next() * 3000.0).floor()).collect() };
    let as_frames = |d: &[f32]| Frames::Dense { values: d.to_vec(), offsets: (0..=d.len()).collect() };
    let test: Vec<(Frames, i64)> = (0..40).map(|i| (as_frames(&doc(&mut rng)), i % 2)).collect();
    let mut train: Vec<(Frames, i64)> = (0..200).map(|i| (as_frames(&doc(&mut rng)), i % 2)).collect();
    let Frames::Dense { values, .. } = &test[7].0 else { unreachable!() };
    let mut changed = values.clone();
    changed[30] = 4321.0;
    train.push((as_frames(&changed), 1));
    let vocab = vec![("w".to_string(), 0)];
    let spec = DataSpec {
        output_dim: 2,
        sequence_size: -1,
        channel_to_index_map: vocab,
        matrix_spec: vec![MatrixSpec { row_count: 1, col_count: 1, format: Format::Dense, num_channels: 1, ..Default::default() }],
        ..Default::default()
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("text");
    write(&dir, spec, &test, &train);
    let report = audit_dataset(&dir, &AuditOptions::default()).unwrap();
    assert_eq!(report.near.as_ref().unwrap().method, "minhash");
    let near: Vec<_> = report.findings.iter().filter(|f| f.kind.name().starts_with("near_")).map(|f| (f.kind, f.examples[0].index, f.examples[1].index, f.value.unwrap())).collect();
    assert_eq!(near.len(), 1, "{near:?}");
    assert_eq!((near[0].0, near[0].1, near[0].2), (FindingKind::NearLeakage, 200, 7));
    assert!(near[0].3 > 0.85, "Jaccard estimate {}", near[0].3);
}
