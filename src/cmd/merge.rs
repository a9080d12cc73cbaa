//! `autodl-format merge SHARDS_DIR -o DATASET`: checks every shard against the plan and writes
//! the validated dataset (docs/SCALE_OUT.md).

use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Args)]
pub struct Args {
    /// Folder the `convert --plan … --shard K` runs wrote into
    pub shards_dir: PathBuf,
    /// Dataset folder to create
    #[arg(short, long, value_name = "DATASET")]
    pub out: PathBuf,
    /// Plan file (default: SHARDS_DIR/plan.jsonl, the copy the shard runs keep)
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    /// Replace DATASET if it is an earlier dataset folder
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let plan_input = args.plan.clone().unwrap_or_else(|| args.shards_dir.join("plan.jsonl"));
    converters_common::outdir::check_output(&args.out, &[&args.shards_dir, &plan_input], args.force, converters_common::outdir::OutputKind::Dataset)?;
    let req = converters_scale::merge::MergeRequest {
        shards_dir: args.shards_dir.clone(),
        plan: args.plan.clone(),
        out_dir: args.out.clone(),
        force: args.force,
    };
    let m = converters_scale::merge::merge(&req).with_context(|| format!("merging {}", args.shards_dir.display()))?;
    for w in &m.warnings {
        eprintln!("warning: {w}");
    }
    let s = &m.summary;
    let [t, h, w, c] = m.shape;
    eprintln!(
        "wrote {} (dataset {}): {} train + {} test records, ({t}, {h}, {w}, {c}), {} copied as bytes, {} renumbered after a skip, {} validation warning(s)",
        s.root.display(),
        s.name,
        s.train_records,
        s.test_records,
        m.copied,
        m.renumbered,
        m.validation.warnings
    );
    match &m.skip_report {
        Some(p) => eprintln!("skipped {} inputs (see {})", m.skipped, p.display()),
        None => eprintln!("skipped 0 inputs"),
    }
    Ok(0)
}
