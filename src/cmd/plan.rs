//! `autodl-format plan INPUT -o plan.jsonl --shards N [convert options]`: the deterministic
//! assignment of every input (split, id, label, shard) for scale-out conversion (docs/SCALE_OUT.md).

use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::cmd::args::ConvertFlags;
use converters_audio::AudioOptions;
use converters_scale::domain::DomainRequest;
use converters_tabular::TabularOptions;
use converters_text::TextOptions;
use converters_video::VideoOptions;
use pipeline::detect::{detect_domain, Domain};

#[derive(clap::Args)]
pub struct Args {
    /// Raw input: a folder of images, video or audio files (class folders, train/ and test/,
    /// labels.csv), a table or a text corpus; see `convert --help`
    pub input: PathBuf,
    /// Plan file to write (JSON lines: a header, then one line per input)
    #[arg(short, long, value_name = "PLAN")]
    pub out: PathBuf,
    /// Plan from this listing instead of walking INPUT: one path per line, relative to INPUT,
    /// optionally `<TAB>bytes` (an object store's listing; images only; docs/SCALE_OUT.md)
    #[arg(long, value_name = "FILE")]
    pub listing: Option<PathBuf>,
    /// Number of shards, balanced by input bytes
    #[arg(long, default_value_t = 1, value_name = "N", allow_negative_numbers = true)]
    pub shards: usize,
    /// Conversion options, the same as `convert`'s (every shard applies them)
    #[command(flatten)]
    pub flags: ConvertFlags,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    // --force replaces only an earlier plan file (its JSON header), never the input or a folder.
    let header = format!("{{\"format\":\"{}\"", converters_scale::plan::PLAN_FORMAT);
    converters_common::outdir::check_output(&args.out, &[&args.input], args.flags.common.force, converters_common::outdir::OutputKind::FileStartingWith(&header))?;
    let domain = match args.flags.domain.chosen() {
        Some(d) => d,
        // A listed INPUT need not exist here (an object store's mount on the workers).
        None if args.listing.is_some() => Domain::Image,
        None => detect_domain(&args.input)?,
    };
    // The plan probes clips (video channels, audio headers): FFmpeg may be needed.
    crate::media::hand_over_if_needed(domain)?;
    // Tables and corpora: their whole-input pass (column statistics, vocabulary) is the plan
    // step, stored in the plan and applied by every shard.
    let request = match domain {
        Domain::Image => DomainRequest::Image((&args.flags.image).into()),
        Domain::Video => DomainRequest::Video(VideoOptions::from(&args.flags)),
        Domain::Audio => DomainRequest::Audio(AudioOptions::try_from(&args.flags)?),
        Domain::Text => DomainRequest::Text(TextOptions::from(&args.flags)),
        Domain::Tabular => DomainRequest::Tabular(TabularOptions::from(&args.flags)),
    };
    if args.listing.is_some() && !matches!(domain, Domain::Image) {
        bail!("--listing plans images only (an object store's listing of image files); {} is {}", args.input.display(), request.name());
    }
    let req = converters_scale::plan::PlanRequest {
        input: args.input.clone(),
        name: args.flags.common.name.clone(),
        split: args.flags.common.split(),
        policy: args.flags.common.policy(),
        domain: request,
        shards: args.shards,
    };
    let header = match &args.listing {
        Some(listing) => converters_scale::listing::plan_from_listing(&req, listing, &args.out)
            .with_context(|| format!("planning {} from {}", args.input.display(), listing.display()))?,
        None => {
            let plan = converters_scale::plan::build_plan(&req).with_context(|| format!("planning {}", args.input.display()))?;
            plan.write(&args.out)?;
            plan.header
        }
    };
    for w in &header.warnings {
        eprintln!("warning: {w}");
    }
    let h = &header;
    eprintln!(
        "wrote {} ({} dataset {}, fingerprint {}): {} test + {} train inputs in {} shard(s), {} input(s) rejected by the listing",
        args.out.display(),
        h.settings.domain(),
        h.name,
        h.fingerprint,
        h.n_test,
        h.n_train,
        h.shards,
        h.listing_skipped.len()
    );
    Ok(0)
}

/// `convert --plan PLAN [--shard K] -o SHARDS_DIR`: converts one shard of the plan.
pub fn run_shard(plan: &std::path::Path, shard: Option<usize>, shards_dir: &std::path::Path) -> anyhow::Result<i32> {
    let k = match shard {
        Some(k) => k,
        None => shard_from_env()?,
    };
    if let Some(domain) = converters_scale::plan::Plan::domain_of(plan) {
        crate::media::hand_over_if_needed_for(domain)?;
    }
    let m = converters_scale::shard::convert_shard(plan, k, shards_dir)
        .with_context(|| format!("converting shard {k} of {}", plan.display()))?;
    eprintln!(
        "shard {k} of {}: {} test + {} train records ({} + {} bytes), skipped {} inputs; manifest {}",
        m.shards,
        m.test.part.count,
        m.train.part.count,
        m.test.part.bytes,
        m.train.part.bytes,
        m.test.skipped.len() + m.train.skipped.len(),
        shards_dir.join(converters_scale::shard::ShardNames::new(&m.name, k, m.shards).manifest).display()
    );
    Ok(0)
}

/// The shard index batch engines give each task: Slurm job arrays, then Kubernetes Indexed Jobs.
fn shard_from_env() -> anyhow::Result<usize> {
    for var in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
        if let Ok(v) = std::env::var(var) {
            return v.trim().parse().with_context(|| format!("${var}={v:?} is not a shard number"));
        }
    }
    bail!("no shard given: pass --shard K, or run under a Slurm array ($SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job ($JOB_COMPLETION_INDEX)")
}
