//! Image `--model auto` on small generated images (and mini1 from the shared data when
//! present): first prediction from the fast model, ResNet epochs, bundle reproduction,
//! seeded determinism. One test function, because libtorch's seed is process-wide.

use std::path::{Path, PathBuf};

use formats::dataset::WriterOptions;
use formats::example::Frames;
use formats::inspect::Domain;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use trainer::deepwisdom::{Member, MemberModel, ModelBundle};
use trainer::data::DatasetSource;
use trainer::deepwisdom::{resolve_domain, AutoConfig};
use trainer::learner::{CancelToken, PredictionMatrix};

#[path = "../../tests/support/datasets.rs"]
mod datasets;
use datasets::write_single_label;

#[path = "support/rounds.rs"]
#[allow(dead_code)] // each test file uses one kind of run
mod rounds;
use rounds::{auto_rounds, Rounds};

/// 16×16 RGB PNGs: a bright square (class 0) or a bright horizontal bar (class 1).
fn make_images(dir: &Path, train: usize, test: usize) -> PathBuf {
    let mut k = 0u32;
    let example = |_, _| {
        k += 1;
        let class = k % 2;
        let off = k * 7 % 8;
        let img = image::RgbImage::from_fn(16, 16, |x, y| {
            let on = if class == 0 { (off..off + 6).contains(&x) && (off..off + 6).contains(&y) } else { (off..off + 3).contains(&y) };
            let noise = ((x * 31 + y * 17 + k * 13) % 40) as u8;
            if on { image::Rgb([220, 200 + noise / 2, 180]) } else { image::Rgb([noise, noise, 30]) }
        });
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        (Frames::Compressed(vec![png]), class as usize)
    };
    let spec = DataSpec {
        output_dim: 2,
        matrix_spec: vec![MatrixSpec { row_count: 16, col_count: 16, num_channels: 3, format: Format::Compressed, ..Default::default() }],
        ..Default::default()
    };
    write_single_label(&dir.join("bars"), "bars", WriterOptions::default(), (test, train), example, spec, &["square", "bar"]).unwrap()
}

/// Logistic fast model, then two ResNet-18 epochs (the first breaks of spec §2.3).
fn two_rounds(dataset: &Path, seed: u64) -> (Vec<PredictionMatrix>, trainer::deepwisdom::BundleSlot) {
    auto_rounds(dataset, AutoConfig { seed, ..Default::default() }, "auto-image", Rounds::Exactly(3))
}

#[test]
fn image_learner_fast_model_then_network_bundle_and_determinism() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = make_images(tmp.path(), 60, 20);
    let (a, slot) = two_rounds(&dataset, 3);
    a[0].check(20, 2).unwrap();
    a[2].check(20, 2).unwrap();

    // The bundle of the third prediction reproduces it from the dataset files.
    let bundle = slot.take(2).expect("bundle of prediction 2");
    let kind = match &bundle.config.members[..] {
        [Member { model: MemberModel::ImageNet(_), .. }] => "network",
        [Member { model: MemberModel::ImageRidge(_), .. }] => "fast",
        other => panic!("unexpected members {other:?}"),
    };
    eprintln!("prediction 2 came from the {kind} model");
    bundle.save(&tmp.path().join("run/model")).unwrap();
    let loaded = ModelBundle::load(&tmp.path().join("run")).unwrap();
    assert_eq!(loaded.config.label_names, vec!["square", "bar"]);
    let again = loaded.predict_dataset(&dataset, tch::Device::Cpu, &CancelToken::new()).unwrap();
    for (x, y) in again.values().iter().zip(a[2].values()) {
        assert!((x - y).abs() <= 1e-6 * y.abs().max(1.0), "{x} vs {y}");
    }

    // Same seed, same predictions (CPU).
    let (b, _) = two_rounds(&dataset, 3);
    assert_eq!(a, b);

    // The logistic fast model separates the two drawn classes on the test set.
    let correct = (0..20).filter(|&i| {
        let row = a[1].row(i);
        let truth = ((i + 1) % 2) as usize; // test record i has k = i + 1
        (row[1] > row[0]) == (truth == 1)
    });
    assert!(correct.count() >= 15);
}

#[test]
fn legacy_image_metadata_without_sequence_size_is_an_image() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let source = DatasetSource::open(&data.join("autodl/mini1")).unwrap();
    assert_eq!(resolve_domain(&source.train_spec), Domain::Image);
    let monkeys = DatasetSource::open(&data.join("autodl/Monkeys")).unwrap();
    assert_eq!(resolve_domain(&monkeys.train_spec), Domain::Image);
}
