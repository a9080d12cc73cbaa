//! A raw folder of one per-file domain → an AutoDL dataset folder: the one conversion every
//! [`FileDomain`] goes through (listing, split, settle, records in parallel chunks, metadata,
//! validation).

use std::path::PathBuf;

use crate::error::{ConvertError, Result};
use crate::file_domain::{FileDomain, RecordStats};
use crate::labels::{discover, split_items, LabeledInput, RawItem};
use crate::naming::resolve_name;
use crate::output::{Common, Converted, DatasetJob, OutputTarget, RecordSources, Written};
use crate::policy::SkipReport;
use crate::split::Subset;

/// Everything a folder conversion needs.
#[derive(Debug, Clone)]
pub struct FolderRequest<O> {
    pub input: PathBuf,
    /// The dataset folder (`common.out`), its name, split and error policy.
    pub common: Common,
    pub options: O,
}

impl<O> FolderRequest<O> {
    /// `input` → `out_dir` with `options` and `convert`'s defaults for the rest ([`Common::new`]).
    pub fn new(input: impl Into<PathBuf>, out_dir: impl Into<PathBuf>, options: O) -> Self {
        FolderRequest { input: input.into(), common: Common::new(out_dir), options }
    }
}

/// What a folder conversion did.
#[derive(Debug, Clone)]
pub struct FolderOutcome<D: FileDomain> {
    pub written: Written,
    /// Labelled inputs found (before skipping unreadable ones).
    pub inputs: usize,
    pub warnings: Vec<String>,
    /// `(sequence_size, row_count, col_count, num_channels)` written to the metadata.
    pub shape: [i32; 4],
    pub stats: D::Stats,
    /// The settings the records were converted with.
    pub settings: D::Settings,
}

/// Converts the folder `req.input` (layouts: [`crate::labels`]) into `req.common.out`. Files
/// that cannot be converted are skipped or fatal per `req.common.policy`.
pub fn convert_folder<D: FileDomain>(req: &FolderRequest<D::Options>) -> Result<FolderOutcome<D>> {
    D::check(&req.options)?;
    D::require_decoder()?;
    req.common.split.check()?;
    let mut report = SkipReport::new(req.common.policy);
    let LabeledInput { items, class_names, output_dim, private_name, mut warnings, .. } =
        discover(&req.input, &D::accepts, &mut report)?;
    if items.is_empty() && D::REFUSES_EMPTY {
        return Err(ConvertError::input(&req.input, format!("no {} file to convert", D::NAME)));
    }
    let name = resolve_name(req.common.name.as_deref(), private_name.as_deref(), &req.input)?;
    let (plan, split_warning) = split_items(&items, &req.common.split)?;
    warnings.extend(split_warning);
    let settings = D::settle(&req.options, &items)?;
    let checked = D::prepare(&settings)?;

    let target = OutputTarget {
        chunk_size: D::chunk_size(&checked),
        deep_validate: D::deep_validate(&checked),
        ..req.common.target(&name, D::WHAT)
    };
    let mut job = DatasetJob::start(target, items.len() as u64)?;
    let mut stats = D::Stats::default();
    let convert = |item: &RawItem| {
        let (frames, meta) = D::convert(&checked, &item.path, &item.name)?;
        Ok(Converted { frames, labels: item.labels.clone(), meta: (meta, item.name.clone()) })
    };
    let mut test_sources = Vec::with_capacity(plan.test.len());
    job.write_subset(Subset::Test, &items, &plan.test, &mut report, convert, |(m, name)| {
        stats.observe(m);
        test_sources.push(name.clone());
    })?;
    let mut train_sources = Vec::with_capacity(plan.train.len());
    job.write_subset(Subset::Train, &items, &plan.train, &mut report, convert, |(m, name)| {
        stats.observe(m);
        train_sources.push(name.clone());
    })?;
    let (file, bytes) = crate::recipe::test_sources_file(&name, &test_sources);
    job.writer_mut().write_side_file(&file, &bytes)?;

    let (spec, shape, spec_warnings) = D::spec(&checked, &stats, output_dim, class_names.as_deref());
    warnings.extend(spec_warnings);
    if let Some(names) = &class_names {
        if names.len() != output_dim {
            warnings.push(format!("{} class names for {output_dim} classes", names.len()));
        }
    }
    let mut written = job.finish(spec, class_names.as_deref(), &report)?;
    written.sources = Some(RecordSources { test: test_sources, train: train_sources });
    Ok(FolderOutcome { written, inputs: items.len(), warnings, shape, stats, settings })
}
