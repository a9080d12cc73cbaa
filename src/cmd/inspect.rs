//! `autodl-format inspect DIR [--json]`: what a dataset holds. Exit 0, or 2 when the dataset
//! cannot be read (run `validate` to see why).

use std::io::Write;
use std::path::PathBuf;

use formats::inspect::{inspect, Inspection, Spread};

#[derive(clap::Args)]
pub struct Args {
    /// Dataset folder (holds `<name>.data/` and `<name>.solution`)
    pub dir: PathBuf,
    /// Print a JSON report instead of text
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let inspection = match inspect(&args.dir) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("(run `autodl-format validate {}` for every problem)", args.dir.display());
            return Ok(2);
        }
    };
    let printed = if args.json { super::print_json(&inspection) } else { print_text(&inspection) };
    match printed {
        Ok(()) => Ok(0),
        // `inspect --json | head` ends quietly.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e.into()),
    }
}

fn spread(s: &Option<Spread>) -> String {
    match s {
        Some(s) if s.min == s.max => s.min.to_string(),
        Some(s) => format!("min {} / median {} / max {}", s.min, s.median, s.max),
        None => "-".into(),
    }
}

fn print_text(i: &Inspection) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "name:          {}", i.name)?;
    writeln!(out, "domain:        {} (inferred from the metadata)", i.domain)?;
    writeln!(out, "shape (T,H,W,C): {}", i.shape)?;
    let format = serde_json::to_value(i.format).ok().and_then(|v| v.as_str().map(str::to_string));
    writeln!(out, "format:        {}", format.unwrap_or_else(|| format!("{:?}", i.format)))?;
    writeln!(out, "output_dim:    {}", i.output_dim)?;
    if i.vocabulary_size > 0 {
        writeln!(out, "vocabulary:    {} tokens", i.vocabulary_size)?;
    }
    if i.label_names_total > 0 {
        let more = if i.label_names_total > i.label_names.len() {
            format!(", … ({} in all)", i.label_names_total)
        } else {
            String::new()
        };
        writeln!(out, "label names:   {}{more}", i.label_names.join(", "))?;
    }
    writeln!(out, "bytes on disk: {}", i.bytes_on_disk)?;
    for s in &i.subsets {
        writeln!(out, "{}:", s.subset)?;
        writeln!(
            out,
            "  records:     {} (sample_count {}) in {} file(s), {} bytes",
            s.records, s.sample_count, s.files, s.record_bytes
        )?;
        writeln!(out, "  frames/example: {}", spread(&s.frames_per_example))?;
        if s.frame_height.is_some() {
            writeln!(out, "  frame height:   {}", spread(&s.frame_height))?;
            writeln!(out, "  frame width:    {}", spread(&s.frame_width))?;
        }
        if !s.class_histogram.is_empty() {
            let h: Vec<String> = s.class_histogram.iter().map(|c| c.to_string()).collect();
            let source = match s.histogram_source {
                formats::inspect::HistogramSource::Records => "from records",
                formats::inspect::HistogramSource::Solution => "from solution",
                formats::inspect::HistogramSource::None => "none",
            };
            writeln!(out, "  classes ({source}): [{}]", h.join(", "))?;
        }
        if s.unlabelled > 0 {
            writeln!(out, "  without label: {}", s.unlabelled)?;
        }
    }
    out.flush()
}
