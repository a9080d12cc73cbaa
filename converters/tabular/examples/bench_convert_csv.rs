//! Benchmark driver for `scripts/bench-convert-csv.sh`: converts one table through the real
//! output job (atomic writer, validator) and prints rows/s. Built with `--release -p
//! converters-tabular` so the benchmark does not need the whole CLI (libtorch).
//!
//! Usage: bench_convert_csv INPUT OUT_DIR TARGET_COLUMN

use std::path::PathBuf;
use std::time::Instant;

use converters_common::output::{DatasetJob, OutputTarget};
use converters_common::{ErrorPolicy, SkipReport};
use converters_tabular::{ColumnChoices, TabularOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: bench_convert_csv INPUT OUT_DIR TARGET_COLUMN");
        std::process::exit(2);
    }
    let (input, out, target) = (PathBuf::from(&args[1]), PathBuf::from(&args[2]), args[3].clone());
    let opts = TabularOptions {
        columns: ColumnChoices { targets: vec![target], onehot_max: 16, ..Default::default() },
        ..Default::default()
    };
    let start = Instant::now();
    let result = (|| -> Result<(u64, u64), Box<dyn std::error::Error>> {
        let mut t = OutputTarget::new(&out, "bench");
        t.quiet = true;
        t.force = true;
        t.solution_style = formats::solution::SolutionStyle::Tabular;
        let mut job = DatasetJob::start(t, 0)?;
        let mut report = SkipReport::new(ErrorPolicy::default());
        let s = converters_tabular::convert(&input, &opts, &mut job, &mut report)?;
        let written = job.finish(s.facts.spec, s.facts.class_names.as_deref(), &report)?;
        Ok((s.rows_read, written.summary.record_bytes))
    })();
    match result {
        Ok((rows, bytes)) => {
            let secs = start.elapsed().as_secs_f64();
            println!(
                "rows={rows} seconds={secs:.2} rows_per_s={:.0} record_bytes={bytes}",
                rows as f64 / secs
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
