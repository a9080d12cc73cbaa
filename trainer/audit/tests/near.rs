//! Near duplicates, outliers and suspect labels on the shared real datasets: every reported
//! near pair is checked on the decoded pixels (and printed): its mean pixel difference is under
//! half the median between two examples of the set.

use std::collections::HashMap;
use std::path::Path;

use audit::{audit_dataset, AuditOptions, FindingKind};
use formats::dataset::{DatasetReader, Subset};

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
            assert!(d < 0.5 * median, "{name}: {} is not a near duplicate: pixel distance {d:.3}, median {median:.3}", f.message);
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
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let src = DatasetReader::open(data.join("autodl/miniciao")).unwrap();
    let solution = src.solution().unwrap().unwrap();
    let class_of = |row: &[f64]| row.iter().position(|&v| v > 0.5).unwrap() as i64;
    let frames = |s: Subset| -> Vec<(Frames, Vec<(i64, f32)>)> {
        src.examples(s).unwrap().map(|r| {
            let r = r.unwrap();
            let l = r.labels();
            (r.into_frames(), l)
        }).collect()
    };
    let train = frames(Subset::Train);
    let test = frames(Subset::Test);
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
    for (i, (x, _)) in test.iter().enumerate() {
        w.push_test(x, &[class_of(solution.row(i))], &[1.0]).unwrap();
    }
    for (x, l) in &train {
        w.push_train(x, &[l[0].0], &[1.0]).unwrap();
    }
    w.push_train(&test[0].0, &[class_of(solution.row(0))], &[1.0]).unwrap();
    w.push_train(&shifted, &[class_of(solution.row(1))], &[1.0]).unwrap();
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
