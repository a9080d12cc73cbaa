//! Our boosting (deepwisdom::gbdt) on a generated binary table, for the boosting-library
//! decision of issue 16 (scripts/bench-gbdt.sh runs LightGBM on the same files).
//!
//! Writes `DIR/x_train.f32`, `y_train.f32`, `x_test.f32`, `y_test.f32` (little-endian, row
//! major, 50 features, 1 label per row), then trains 100 rounds with LightGBM's default
//! settings (31 leaves, learning rate 0.1, 20 rows per leaf, 255 bins) and prints one line:
//! `ours rows=N threads=T seconds=S cpu=C nauc=A` (wall and CPU seconds of training and
//! predicting; T = rayon's threads, set with RAYON_NUM_THREADS).
//!
//! Usage: `cargo run --release -p trainer --example bench_gbdt -- DIR ROWS`

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use trainer::deepwisdom::ensemble::validation_nauc;
use trainer::deepwisdom::gbdt::{GbdtParams, GbdtTrainer};
use trainer::deepwisdom::SplitMix64;

const DIM: usize = 50;

/// Label from a non-linear function of 8 of the 50 features plus noise.
fn table(rows: usize, rng: &mut SplitMix64) -> (Vec<f32>, Vec<f32>) {
    let mut x = Vec::with_capacity(rows * DIM);
    let mut y = Vec::with_capacity(rows);
    for _ in 0..rows {
        let row: Vec<f32> = (0..DIM).map(|_| rng.unit() as f32 * 4.0 - 2.0).collect();
        let s = (2.0 * row[0]).sin() + row[1] * row[2] + 0.5 * row[3] * row[3] - row[4].abs() + 0.3 * row[5] - 0.4 * row[6] * row[7].signum();
        let noise = (rng.unit() as f32 - 0.5) * 1.5;
        y.push(if s + noise > 0.0 { 1.0 } else { 0.0 });
        x.extend_from_slice(&row);
    }
    (x, y)
}

fn write(path: &Path, v: &[f32]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create bench file"));
    for x in v {
        f.write_all(&x.to_le_bytes()).expect("write bench file");
    }
}

/// CPU seconds of this process so far (all threads), from /proc (Linux); 0 elsewhere.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: f64 = rest.split_whitespace().skip(11).take(2).filter_map(|v| v.parse::<f64>().ok()).sum();
    ticks / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(rows)) = (args.get(1), args.get(2).and_then(|r| r.parse::<usize>().ok())) else {
        eprintln!("usage: bench_gbdt DIR ROWS");
        std::process::exit(2);
    };
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir).expect("create DIR");
    let test_rows = (rows / 4).clamp(1000, 100_000);
    let mut rng = SplitMix64(7);
    let (x, y) = table(rows, &mut rng);
    let (tx, ty) = table(test_rows, &mut rng);
    write(&dir.join("x_train.f32"), &x);
    write(&dir.join("y_train.f32"), &y);
    write(&dir.join("x_test.f32"), &tx);
    write(&dir.join("y_test.f32"), &ty);
    let two = |v: &[f32]| v.iter().flat_map(|&c| [1.0 - c, c]).collect::<Vec<f32>>();
    let params = GbdtParams::lightgbm_defaults(1);
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let mut t = GbdtTrainer::new(params, &x, &two(&y), rows, DIM, 2, false);
    t.boost(100);
    let p = t.model.predict(&tx, test_rows);
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    let nauc = validation_nauc(&two(&ty), &p, 2);
    let threads = rayon::current_num_threads();
    println!("ours rows={rows} threads={threads} seconds={seconds:.2} cpu={cpu:.2} nauc={nauc:.4}");
}
