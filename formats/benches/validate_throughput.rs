//! Validator throughput against the `tfrecord` crate's reader on the same files, same run.
//!
//! Generates two datasets with our `DatasetWriter` in a temporary folder (default ~200 MB each;
//! `BENCH_MB` changes it): DENSE 32×32×3 float frames and COMPRESSED JPEG frames. For each,
//! after one warm-up pass (page cache), it times `validate` (framing + CRCs + decode + every
//! record check, no `--deep`) and the `tfrecord` crate's `RecordIter<Vec<u8>>` with
//! `check_integrity: true` over the two record files, best of `BENCH_RUNS` (default 3), and
//! prints MB/s and the ratio validate / tfrecord (goal ≥ 1.0×).
//!
//! Run: `cargo bench -p formats --bench validate_throughput` (or `scripts/bench-validate.sh`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use formats::dataset::{DatasetWriter, WriterOptions};
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use formats::validate::{validate, ValidateOptions};

const CLASSES: i64 = 10;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small xorshift generator: the data only needs to be deterministic and not constant.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn write_dataset(
    out: &Path,
    target_bytes: u64,
    format: Format,
    matrix: MatrixSpec,
    mut make: impl FnMut(&mut Rng, u64) -> Frames,
) -> PathBuf {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut w = DatasetWriter::create(out, "bench", WriterOptions::default()).expect("writer");
    let sample = make(&mut rng, 0);
    let per_record = match &sample {
        Frames::Dense { values, .. } => values.len() as u64 * 4 + 64,
        Frames::Compressed(images) => images.iter().map(|i| i.len() as u64).sum::<u64>() + 64,
        Frames::Sparse(_) => 1024,
    };
    let total = (target_bytes / per_record).max(10);
    let n_test = total / 10;
    for i in 0..total {
        let frames = make(&mut rng, i);
        let label = (rng.next() % CLASSES as u64) as i64;
        if i < n_test {
            w.push_test(&frames, &[label], &[1.0]).expect("push test");
        } else {
            w.push_train(&frames, &[label], &[1.0]).expect("push train");
        }
    }
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec { format, ..matrix }],
        output_dim: CLASSES as i32,
        sequence_size: 1,
        sequence_size_present: true,
        ..DataSpec::default()
    };
    w.finish(spec, None).expect("finish");
    out.to_path_buf()
}

fn record_files(dir: &Path) -> Vec<PathBuf> {
    ["train", "test"]
        .iter()
        .map(|s| dir.join("bench.data").join(s).join(format!("sample-bench-{s}.tfrecord")))
        .collect()
}

fn tfrecord_crate_pass(files: &[PathBuf]) -> u64 {
    let mut records = 0;
    for f in files {
        let iter = tfrecord::RecordIter::<Vec<u8>, _>::open(f, tfrecord::RecordReaderConfig { check_integrity: true })
            .expect("open with tfrecord crate");
        for r in iter {
            let bytes = r.expect("tfrecord crate read");
            std::hint::black_box(&bytes);
            records += 1;
        }
    }
    records
}

fn best<T>(runs: u64, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = None;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        let d = t.elapsed();
        best = Some(best.map_or(d, |b: Duration| b.min(d)));
        last = Some(v);
    }
    (best.expect("runs ≥ 1"), last.expect("runs ≥ 1"))
}

fn measure(label: &str, dir: &Path, runs: u64) -> f64 {
    let files = record_files(dir);
    let bytes: u64 = files.iter().map(|f| std::fs::metadata(f).expect("record file").len()).sum();
    let mb = bytes as f64 / 1e6;
    // Warm-up: both readers then see the files in the page cache.
    let records = tfrecord_crate_pass(&files);
    let report = validate(dir, &ValidateOptions::default());
    assert!(report.valid, "generated dataset must be valid: {:?}", &report.findings[..report.findings.len().min(5)]);
    assert_eq!(report.stats.bytes_read, bytes);

    let (t_crate, n) = best(runs, || tfrecord_crate_pass(&files));
    assert_eq!(n, records);
    let (t_validate, rep) = best(runs, || validate(dir, &ValidateOptions::default()));
    assert!(rep.valid);
    let crate_mbs = mb / t_crate.as_secs_f64();
    let validate_mbs = mb / t_validate.as_secs_f64();
    let ratio = validate_mbs / crate_mbs;
    println!(
        "{label:<11} {mb:>7.1} MB {records:>7} records | validate {validate_mbs:>8.1} MB/s ({:.3} s) | tfrecord crate {crate_mbs:>8.1} MB/s ({:.3} s) | ratio {ratio:.2}x",
        t_validate.as_secs_f64(),
        t_crate.as_secs_f64(),
    );
    ratio
}

/// A few distinct JPEG files of ~30-60 KB, reused round-robin.
fn jpegs() -> Vec<Vec<u8>> {
    let mut rng = Rng(42);
    (0..8)
        .map(|k| {
            let img = image::RgbImage::from_fn(320, 240, |x, y| {
                let n = (rng.next() & 0x3f) as u8;
                image::Rgb([(x as u8).wrapping_mul(k + 1).wrapping_add(n), (y as u8).wrapping_add(n), n.wrapping_mul(3)])
            });
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Jpeg).expect("encode jpeg");
            out.into_inner()
        })
        .collect()
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument other than the bench name skips the run.
    let mb = env_or("BENCH_MB", 200);
    let runs = env_or("BENCH_RUNS", 3).max(1);
    let tmp = tempfile::tempdir().expect("temp dir");
    println!("validate vs tfrecord crate reader, ~{mb} MB per dataset, best of {runs} (files in page cache)");

    let dense_dir = write_dataset(
        &tmp.path().join("dense"),
        mb * 1_000_000,
        Format::Dense,
        MatrixSpec { row_count: 32, col_count: 32, num_channels: 3, num_channels_present: true, ..MatrixSpec::default() },
        |rng, _| Frames::dense_from_frames([(0..32 * 32 * 3).map(|_| rng.unit()).collect::<Vec<f32>>()]),
    );
    let dense = measure("dense", &dense_dir, runs);
    std::fs::remove_dir_all(&dense_dir).ok();

    let images = jpegs();
    let compressed_dir = write_dataset(
        &tmp.path().join("compressed"),
        mb * 1_000_000,
        Format::Compressed,
        MatrixSpec { row_count: 240, col_count: 320, num_channels: 3, num_channels_present: true, ..MatrixSpec::default() },
        |_, i| Frames::Compressed(vec![images[i as usize % images.len()].clone()]),
    );
    let compressed = measure("compressed", &compressed_dir, runs);
    println!("goal ≥ 1.00x: dense {}, compressed {}", verdict(dense), verdict(compressed));
}

fn verdict(ratio: f64) -> &'static str {
    if ratio >= 1.0 {
        "met"
    } else {
        "NOT met"
    }
}
