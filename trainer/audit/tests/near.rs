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
