//! End-to-end tests of the image converter on generated folders and on the shared raw data.

mod support;

use std::path::{Path, PathBuf};

use converters_common::folder::{convert_folder, FolderOutcome, FolderRequest};
use converters_common::{ErrorPolicy, OnError};
use converters_image::fixtures;
use converters_image::{Channels, Image, ImageOptions, ResizeFilter, Storage};
use formats::dataset::{DatasetReader, Subset};
use formats::example::Frames;
use formats::metadata::Format;
use support::*;

fn request(input: &Path, out: &Path) -> FolderRequest<ImageOptions> {
    let mut req = FolderRequest::new(input, out, ImageOptions::default());
    req.common.quiet = true;
    req
}

/// A new temporary folder with the paths of its input `raw` (not made yet) and output `out`.
fn raw_and_out() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (raw, out) = (tmp.path().join("raw"), tmp.path().join("out"));
    (tmp, raw, out)
}

/// Class folders `a` (PNGs of seeds 0..5) and `b` (seeds 5..10), each made by `png(seed)`.
fn two_png_classes(raw: &Path, png: impl Fn(u32) -> Vec<u8>) {
    for (class, seeds) in [("a", 0..5u32), ("b", 5..10u32)] {
        std::fs::create_dir_all(raw.join(class)).unwrap();
        for s in seeds {
            std::fs::write(raw.join(class).join(format!("{s}.png")), png(s)).unwrap();
        }
    }
}

#[test]
fn class_folders_mixed_formats_compressed() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("pets");
    fixtures::class_folders(&raw, &["cat", "dog"], 14, 20, 12, true, false).unwrap();
    let out = tmp.path().join("out");
    let outcome = convert_folder::<Image>(&request(&raw, &out)).unwrap();
    assert_eq!(outcome.written.skipped, 0);
    assert_eq!(outcome.inputs, 28);
    assert_eq!(outcome.written.summary.name, "pets");
    assert_eq!(outcome.written.summary.test_records, 6); // round(0.2 × 14) per class
    assert_eq!(outcome.written.summary.train_records, 22);
    assert_eq!(outcome.shape, [1, -1, -1, 3], "sizes vary, some images have colour");
    assert_valid_deep(&out);
    let reader = DatasetReader::open(&out).unwrap();
    let spec = reader.spec(Subset::Train).unwrap();
    assert_eq!(spec.output_dim, 2);
    assert_eq!(spec.label_to_index_map, vec![("cat".to_string(), 0), ("dog".to_string(), 1)]);
    assert_eq!(spec.matrix_spec[0].format, Format::Compressed);
    assert_eq!(reader.label_names().unwrap().unwrap(), vec!["cat", "dog"]);
    // JPEG and PNG sources are stored byte for byte; the others as PNG.
    let stored: Vec<Vec<u8>> = pairs(&out).into_iter().map(|p| p.0).collect();
    for (rel, bytes) in dataset_files(&raw) {
        let ext = rel.extension().unwrap().to_str().unwrap().to_string();
        if ext == "jpg" || ext == "png" {
            assert!(stored.contains(&bytes), "{} not stored unchanged", rel.display());
        }
    }
    let pngs = stored.iter().filter(|b| b.starts_with(b"\x89PNG")).count();
    let jpgs = stored.iter().filter(|b| b.starts_with(&[0xFF, 0xD8])).count();
    assert_eq!(pngs + jpgs, 28);
    assert!(pngs > 10, "bmp/gif/webp/tiff re-encoded as PNG");
}

#[test]
fn uniform_non_square_size_is_h_then_w() {
    let (_tmp, raw, out) = raw_and_out();
    fixtures::class_folders(&raw, &["a", "b", "c"], 5, 20, 12, false, true).unwrap();
    let outcome = convert_folder::<Image>(&request(&raw, &out)).unwrap();
    // spec §7.2 item 14: row_count = height (12), col_count = width (20).
    assert_eq!(outcome.shape, [1, 12, 20, 3]);
    let spec = DatasetReader::open(&out).unwrap().spec(Subset::Test).unwrap().clone();
    assert_eq!((spec.matrix_spec[0].row_count, spec.matrix_spec[0].col_count), (12, 20));
    assert_valid_deep(&out);
}

#[test]
fn labels_csv_with_subset_and_multilabel() {
    let (_tmp, raw, out) = raw_and_out();
    fixtures::labels_csv_layout(&raw, 30, true).unwrap();
    let outcome = convert_folder::<Image>(&request(&raw, &out)).unwrap();
    assert_eq!(outcome.written.summary.name, "fixture_csv", "name from private.info");
    assert_valid_deep(&out);
    let (test, train) = read_all(&out);
    assert_eq!(test.len() + train.len(), 30);
    // Forced rows: img0..img3 in test, img4, img5 in train.
    let test_bytes: Vec<&[u8]> = test.iter().map(bytes).collect();
    let train_bytes: Vec<&[u8]> = train.iter().map(bytes).collect();
    for i in 0..4 {
        assert!(test_bytes.contains(&fixtures::png(12, 10, i).as_slice()), "img{i} should be in test");
    }
    for i in 4..6 {
        assert!(train_bytes.contains(&fixtures::png(12, 10, i).as_slice()), "img{i} should be in train");
    }
    // Every (bytes, label set) pair of the input is in the output.
    let mut expected: Vec<(Vec<u8>, Vec<i64>)> = (0..30u32)
        .map(|i| {
            let c = (i % 3) as i64;
            let mut l = if i % 3 == 0 { vec![c, (c + 1) % 3] } else { vec![c] };
            l.sort();
            (fixtures::png(12, 10, i), l)
        })
        .collect();
    expected.sort();
    assert_eq!(pairs(&out), expected);
    let spec = DatasetReader::open(&out).unwrap().spec(Subset::Train).unwrap().clone();
    assert_eq!(spec.output_dim, 3);
    assert_eq!(spec.label_to_index_map[2], ("blue".to_string(), 2));
    assert_eq!(outcome.shape, [1, 10, 12, 3]);
}

#[test]
fn bad_inputs_are_skipped_and_reported() {
    let (_tmp, raw, out) = raw_and_out();
    let bad = fixtures::bad_inputs(&raw, 12).unwrap();
    let outcome = convert_folder::<Image>(&request(&raw, &out)).unwrap();
    assert_eq!(outcome.written.skipped, bad.len());
    assert_eq!(outcome.written.summary.train_records + outcome.written.summary.test_records, 12);
    assert_valid_deep(&out);
    let report_path = outcome.written.skip_report.clone().unwrap();
    assert_eq!(report_path, out.join("raw_skipped.tsv"));
    let report = std::fs::read_to_string(&report_path).unwrap();
    assert_eq!(report.lines().count(), bad.len() + 1, "{report}");
    for (name, reason) in &bad {
        let line = report.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name} not in report:\n{report}"));
        assert!(line.contains(reason), "{name}: expected {reason:?} in {line:?}");
    }
    // The input is untouched.
    assert!(raw.join("zero.png").exists() && !raw.join("raw_skipped.tsv").exists());
}

#[test]
fn on_error_fail_leaves_no_output() {
    let (tmp, raw, out) = raw_and_out();
    fixtures::bad_inputs(&raw, 12).unwrap();
    let mut req = request(&raw, &out);
    req.common.policy = ErrorPolicy { on_error: OnError::Fail, max_errors: None };
    let err = convert_folder::<Image>(&req).unwrap_err();
    assert!(err.to_string().contains("--on-error fail"), "{err}");
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "temporary folders left: {leftovers:?}");
    // --max-errors below the number of bad files also fails.
    req.common.policy = ErrorPolicy { on_error: OnError::Skip, max_errors: Some(3) };
    let err = convert_folder::<Image>(&req).unwrap_err();
    assert!(err.to_string().contains("more than --max-errors 3"), "{err}");
    assert!(!out.exists());
}

#[test]
fn same_input_and_seed_give_identical_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw");
    fixtures::class_folders(&raw, &["x", "y", "z"], 9, 8, 8, true, false).unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let c = tmp.path().join("c");
    convert_folder::<Image>(&request(&raw, &a)).unwrap();
    convert_folder::<Image>(&request(&raw, &b)).unwrap();
    let mut other = request(&raw, &c);
    other.common.split.seed = 43;
    convert_folder::<Image>(&other).unwrap();
    assert_eq!(dataset_files(&a), dataset_files(&b));
    assert_ne!(dataset_files(&a), dataset_files(&c));
}

#[test]
fn refuses_existing_output_unless_forced() {
    let (_tmp, raw, out) = raw_and_out();
    fixtures::class_folders(&raw, &["x", "y"], 5, 8, 8, false, true).unwrap();
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep"), "x").unwrap();
    let err = convert_folder::<Image>(&request(&raw, &out)).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert!(out.join("keep").exists());
    let mut req = request(&raw, &out);
    req.common.force = true;
    convert_folder::<Image>(&req).unwrap();
    assert!(!out.join("keep").exists());
}

#[test]
fn dense_gray_resized() {
    let (_tmp, raw, out) = raw_and_out();
    fixtures::class_folders(&raw, &["a", "b"], 6, 20, 12, true, false).unwrap();
    let mut req = request(&raw, &out);
    req.options = ImageOptions {
        storage: Storage::Dense,
        size: Some((8, 6)),
        filter: ResizeFilter::Lanczos3,
        channels: Channels::Gray,
        ..ImageOptions::default()
    };
    let outcome = convert_folder::<Image>(&req).unwrap();
    assert_eq!(outcome.shape, [1, 8, 6, 1]);
    assert_valid_deep(&out);
    let (test, train) = read_all(&out);
    for r in test.iter().chain(&train) {
        let Frames::Dense { values, offsets } = &r.frame else { panic!("dense expected") };
        assert_eq!(offsets, &vec![0, 48]);
        assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}

#[test]
fn dense_auto_channels_and_exact_pixels() {
    // A 2×3 PNG stored dense at its own size must keep its exact pixel values (HWC order).
    let (_tmp, raw, out) = raw_and_out();
    two_png_classes(&raw, |s| fixtures::png(3, 2, s));
    let mut req = request(&raw, &out);
    req.options = ImageOptions { storage: Storage::Dense, size: Some((2, 3)), ..ImageOptions::default() };
    let outcome = convert_folder::<Image>(&req).unwrap();
    assert_eq!(outcome.shape, [1, 2, 3, 3]);
    let (test, train) = read_all(&out);
    let expected: Vec<Vec<f32>> = (0..10)
        .map(|s| fixtures::pattern(3, 2, s).into_raw().into_iter().map(|v| v as f32 / 255.0).collect())
        .collect();
    for r in test.iter().chain(&train) {
        let Frames::Dense { values, .. } = &r.frame else { panic!("dense expected") };
        assert!(expected.contains(values), "pixels changed");
    }
}

/// Issue 22, item 10: the default check used to accept this file (its chunks are sound) and
/// write a dataset `validate --deep` rejects; it now inflates PNG rows, and `--verify` decodes.
#[test]
fn damaged_png_data_is_skipped_with_and_without_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw");
    fixtures::class_folders(&raw, &["a", "b"], 5, 16, 16, false, true).unwrap();
    // A PNG whose compressed stream is damaged but whose chunk CRCs were recomputed.
    let p = raw.join("a").join("damaged.png");
    std::fs::write(&p, damaged_png()).unwrap();
    let out = tmp.path().join("out");
    let outcome = convert_folder::<Image>(&request(&raw, &out)).unwrap();
    assert_eq!(outcome.written.skipped, 1, "the default check decodes PNG rows");
    let report = std::fs::read_to_string(outcome.written.skip_report.unwrap()).unwrap();
    assert!(report.contains("damaged.png") && report.contains("PNG image data does not decode"), "{report}");
    let out2 = tmp.path().join("out2");
    let mut req = request(&raw, &out2);
    req.options.verify = true;
    let outcome = convert_folder::<Image>(&req).unwrap();
    assert_eq!(outcome.written.skipped, 1);
    let report = std::fs::read_to_string(outcome.written.skip_report.unwrap()).unwrap();
    assert!(report.contains("damaged.png") && report.contains("does not decode"), "{report}");
}

/// A PNG with a valid structure (CRCs recomputed) but a corrupt zlib stream in IDAT.
fn damaged_png() -> Vec<u8> {
    let good = fixtures::png(16, 16, 3);
    let mut out = good[..8].to_vec();
    let mut pos = 8;
    while pos < good.len() {
        let len = u32::from_be_bytes(good[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = good[pos + 4..pos + 8].to_vec();
        let mut data = good[pos + 8..pos + 8 + len].to_vec();
        if kind == b"IDAT" {
            for b in data.iter_mut().skip(2) {
                *b = 0xFF;
            }
        }
        out.extend_from_slice(&(len as u32).to_be_bytes());
        out.extend_from_slice(&kind);
        out.extend_from_slice(&data);
        let mut h = crc32fast::Hasher::new();
        h.update(&kind);
        h.update(&data);
        out.extend_from_slice(&h.finalize().to_be_bytes());
        pos += 12 + len;
    }
    out
}

/// Converts the shared `raw/<raw>` into a dataset named `reference` and checks it against
/// `autodl/<reference>`: nothing skipped, valid, the same (image bytes, label set) multiset.
/// Returns the temporary folder, the outcome, our dataset and the reference (`None` without
/// the shared data).
fn convert_like_reference(raw: &str, reference: &str) -> Option<(tempfile::TempDir, FolderOutcome<Image>, PathBuf, PathBuf)> {
    let data = formats::testing::shared_data_dir()?;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join(reference);
    let outcome = convert_folder::<Image>(&request(&data.join("raw").join(raw), &out)).unwrap();
    assert_eq!(outcome.written.summary.name, reference);
    assert_eq!(outcome.written.skipped, 0);
    assert_valid_deep(&out);
    let reference = data.join("autodl").join(reference);
    assert_eq!(pairs(&out), pairs(&reference), "(image bytes, label set) multisets differ");
    Some((tmp, outcome, out, reference))
}

#[test]
fn mini_cifar_matches_miniciao() {
    let Some((_tmp, _, out, reference)) = convert_like_reference("mini-cifar", "miniciao") else { return };
    let ours = DatasetReader::open(&out).unwrap();
    let theirs = DatasetReader::open(&reference).unwrap();
    let mut a = ours.spec(Subset::Train).unwrap().label_to_index_map.clone();
    let mut b = theirs.spec(Subset::Train).unwrap().label_to_index_map.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b, "class names");
    assert_eq!(ours.label_names().unwrap(), theirs.label_names().unwrap());
    let (ms, rs) = (&ours.spec(Subset::Train).unwrap().matrix_spec[0], &theirs.spec(Subset::Train).unwrap().matrix_spec[0]);
    assert_eq!((ms.row_count, ms.col_count, ms.effective_channels()), (rs.row_count, rs.col_count, rs.effective_channels()));
}

#[test]
fn monkeys_matches_reference() {
    let Some((_tmp, outcome, ..)) = convert_like_reference("monkeys", "Monkeys") else { return };
    assert_eq!(outcome.shape, [1, -1, -1, 3]);
}

#[test]
fn grayscale_only_input_gets_one_channel() {
    let (tmp, raw, out) = raw_and_out();
    two_png_classes(&raw, |s| fixtures::gray_png(7, 5, s));
    let outcome = convert_folder::<Image>(&request(&raw, &out)).unwrap();
    assert_eq!(outcome.shape, [1, 5, 7, 1], "auto channels: no colour ⇒ 1");
    assert_valid_deep(&out);
    // --channels 3 is honoured even for gray images (the reader converts on decode).
    let out3 = tmp.path().join("out3");
    let mut req = request(&raw, &out3);
    req.options.channels = Channels::Rgb;
    assert_eq!(convert_folder::<Image>(&req).unwrap().shape, [1, 5, 7, 3]);
    assert_valid_deep(&out3);
}

#[test]
fn multilabel_with_unique_label_sets_falls_back_to_unstratified_split() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    let mut csv = String::from("FileName,LabelConfidencePairs\n");
    for i in 0..10u32 {
        std::fs::write(raw.join(format!("{i}.png")), fixtures::png(4, 4, i)).unwrap();
        csv.push_str(&format!("{i}.png,{} 0.25 {} 0.75\n", i, i + 1));
    }
    std::fs::write(raw.join("labels.csv"), csv).unwrap();
    let out = tmp.path().join("out");
    let outcome = convert_folder::<Image>(&request(&raw, &out)).unwrap();
    assert!(outcome.warnings.iter().any(|w| w.contains("without stratification")), "{:?}", outcome.warnings);
    assert_eq!(outcome.written.summary.test_records, 2);
    assert_valid_deep(&out);
    // Confidences reach label_score of train records.
    let (_, train) = read_all(&out);
    for r in &train {
        assert_eq!(r.scores.len(), 2);
        assert_eq!((r.scores[0].1, r.scores[1].1), (0.25, 0.75));
    }
}
