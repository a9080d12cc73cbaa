//! Cuts every clip of a compressed AutoDL video dataset into windows of consecutive frames and
//! writes a new dataset whose split is in time: windows from the first 70 % of each clip go
//! to train, windows from the last 30 % to test (no frame is shared). JPEG bytes are copied,
//! not re-encoded.
//!
//! Why: `convert raw/mini-kth` gives one clip per class (4 train, 2 test, the test classes
//! absent from train), on which no learner can do better than chance; windows of the same
//! clips make a small set where the class is learnable (scripts/compare-models.sh `kthw`).
//!
//! Usage: `cargo run --release -p trainer --example video_windows -- IN_DATASET OUT [--frames N] [--stride S] [--force]`

use formats::dataset::{DatasetReader, DatasetWriter, Subset, WriterOptions};
use formats::example::Frames;

fn flag(args: &[String], name: &str, default: usize) -> usize {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn run(args: &[String]) -> formats::Result<String> {
    let mut paths: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--frames" | "--stride" => i += 2,
            "--force" => i += 1,
            a => {
                paths.push(a);
                i += 1;
            }
        }
    }
    let [input, out] = paths[..] else {
        eprintln!("usage: video_windows IN_DATASET OUT [--frames N] [--stride S] [--force]");
        std::process::exit(2);
    };
    let (window, stride) = (flag(args, "--frames", 10).max(1), flag(args, "--stride", 5).max(1));
    let force = args.iter().any(|a| a == "--force");
    let reader = DatasetReader::open(input)?;
    let spec = reader.spec(Subset::Train).cloned().expect("a train subset");
    let k = spec.output_dim.max(1) as usize;
    let solution = reader.solution()?;
    // Every source clip with its label indices (test labels come from the solution file).
    let mut clips: Vec<(Vec<Vec<u8>>, Vec<i64>)> = Vec::new();
    for subset in [Subset::Train, Subset::Test] {
        for (i, record) in reader.examples(subset)?.enumerate() {
            let record = record?;
            let labels: Vec<i64> = match subset {
                Subset::Train => record.labels().into_iter().filter(|l| l.1 > 0.5).map(|l| l.0).collect(),
                _ => solution.as_ref().map_or(Vec::new(), |s| (0..k).filter(|&c| s.row(i)[c] > 0.5).map(|c| c as i64).collect()),
            };
            let Frames::Compressed(frames) = record.into_frames() else {
                eprintln!("error: {input}: only compressed (JPEG/PNG) video is supported");
                std::process::exit(2);
            };
            clips.push((frames, labels));
        }
    }
    let name = format!("{}-windows", reader.name());
    let mut w = DatasetWriter::create(out, &name, WriterOptions { force, ..Default::default() })?;
    let windows = |frames: &[Vec<u8>]| -> Vec<Vec<Vec<u8>>> {
        if frames.len() < window {
            return Vec::new();
        }
        (0..=frames.len() - window).step_by(stride).map(|s| frames[s..s + window].to_vec()).collect()
    };
    let scores = |labels: &[i64]| vec![1.0f32; labels.len()];
    for test in [true, false] {
        for (frames, labels) in &clips {
            let cut = frames.len() * 7 / 10;
            let part = if test { &frames[cut..] } else { &frames[..cut] };
            for win in windows(part) {
                let f = Frames::Compressed(win);
                if test {
                    w.push_test(&f, labels, &scores(labels))?;
                } else {
                    w.push_train(&f, labels, &scores(labels))?;
                }
            }
        }
    }
    let spec = formats::metadata::DataSpec { sequence_size: window as i32, ..spec };
    let names = reader.label_names()?;
    let summary = w.finish(spec, names.as_deref())?;
    Ok(format!("{} ({} train + {} test windows of {window} frames)", summary.root.display(), summary.train_records, summary.test_records))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(msg) => println!("{msg}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
