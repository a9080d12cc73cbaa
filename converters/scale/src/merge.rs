//! Merging a shards folder into the dataset `convert` would have written.
//!
//! Checks first, before anything is written: the plan (the copy in the folder, or `--plan`),
//! then every shard's manifest — present, same plan fingerprint, same shard count, planned
//! counts equal to the plan's, each file's size and CRC32C as recorded. Then the records are
//! streamed through [`formats::dataset::DatasetWriter`] in plan order (test parts in shard
//! order, then train parts): the writer numbers them densely, so an input skipped by a shard
//! leaves no gap in the ids (the same numbering `convert` gives when it skips), and the
//! solution comes from the per-shard solution parts in the same order. Metadata: summed
//! counts, the shape every shard agrees on, −1 height/width where shards saw different sizes
//! (compressed images, spec §5.1); dense frames are fixed by `--size`, so they always agree.
//! Last, the validator runs; an invalid result is removed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use converters_common::split::check_sizes;
use converters_common::SkipReport;
use formats::dataset::{DatasetSummary, DatasetWriter, WriterOptions};
use formats::example::decode;
use formats::metadata::{DataSpec, Format, MatrixSpec};
use formats::solution::SolutionStyle;
use formats::tfrecord::TfRecordReader;
use formats::validate::{validate, Report, Severity, ValidateOptions};

use crate::error::{Result, ScaleError};
use crate::plan::Plan;
use crate::shard::{file_crc32c, PartFile, ShardManifest, ShardNames, PLAN_COPY};

/// What `merge` is given.
#[derive(Debug, Clone)]
pub struct MergeRequest {
    pub shards_dir: PathBuf,
    /// Default: `<shards_dir>/plan.jsonl`.
    pub plan: Option<PathBuf>,
    pub out_dir: PathBuf,
    pub force: bool,
}

/// What a merge produced.
#[derive(Debug, Clone)]
pub struct Merged {
    pub summary: DatasetSummary,
    pub skipped: usize,
    pub skip_report: Option<PathBuf>,
    pub validation: Report,
    /// `(row_count, col_count, num_channels)` written to the metadata.
    pub shape: (i32, i32, i32),
    /// Bytes of shard record parts read.
    pub bytes_read: u64,
}

/// Checks every shard and writes the dataset (see the module docs).
pub fn merge(req: &MergeRequest) -> Result<Merged> {
    let plan_path = req.plan.clone().unwrap_or_else(|| req.shards_dir.join(PLAN_COPY));
    let plan = Plan::read(&plan_path)?;
    let h = &plan.header;
    let manifests = check_manifests(&plan, &req.shards_dir)?;

    // Skip report in `convert`'s order: listing, then test inputs, then train inputs.
    let mut report = SkipReport::new(h.policy());
    for s in &h.listing_skipped {
        report.record(s.to_item_error())?;
    }
    for m in &manifests {
        for s in &m.skipped_test {
            report.record(s.input.to_item_error())?;
        }
    }
    for m in &manifests {
        for s in &m.skipped_train {
            report.record(s.input.to_item_error())?;
        }
    }
    let n_test: u64 = manifests.iter().map(|m| m.test.count).sum();
    let n_train: u64 = manifests.iter().map(|m| m.train.count).sum();
    check_sizes(n_test as usize, n_train as usize)?;
    let (spec, shape) = merged_spec(&plan, &manifests)?;

    let mut writer = DatasetWriter::create(
        &req.out_dir,
        &h.name,
        WriterOptions { force: req.force, solution_style: SolutionStyle::Generic, ..Default::default() },
    )?;
    let mut bytes_read = 0;
    for m in &manifests {
        let labels = read_solution_part(&req.shards_dir.join(&m.solution.file), m.shard)?;
        let path = req.shards_dir.join(&m.test.file);
        bytes_read += m.test.bytes;
        for_each_record(&path, m.shard, |id, ex| {
            let (index, score) = labels.get(&id).cloned().ok_or_else(|| {
                ScaleError::shard(m.shard, &path, format!("test record id {id} has no row in {}", m.solution.file))
            })?;
            writer.push_test(&ex.frames, &index, &score)?;
            Ok(())
        })?;
    }
    for m in &manifests {
        let path = req.shards_dir.join(&m.train.file);
        bytes_read += m.train.bytes;
        for_each_record(&path, m.shard, |_, ex| {
            writer.push_train(&ex.frames, &ex.label_index, &ex.label_score)?;
            Ok(())
        })?;
    }
    if !report.is_empty() {
        writer.write_side_file(&SkipReport::file_name(&h.name), report.render().as_bytes())?;
    }
    let summary = writer.finish(spec, h.class_names.as_deref())?;
    let deep = h.image.verify;
    let validation = validate(&summary.root, &ValidateOptions { deep, ..Default::default() });
    if !validation.is_valid() {
        let errors: Vec<String> = validation
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .take(5)
            .map(|f| format!("{} {}: {}", f.code, f.location.file.display(), f.message))
            .collect();
        let _ = std::fs::remove_dir_all(&summary.root);
        return Err(converters_common::ConvertError::Validation {
            path: summary.root.clone(),
            summary: format!("{} error(s): {}", validation.errors, errors.join("; ")),
        }
        .into());
    }
    let skip_report = (!report.is_empty()).then(|| summary.root.join(SkipReport::file_name(&h.name)));
    Ok(Merged { summary, skipped: report.len(), skip_report, validation, shape, bytes_read })
}

/// Reads and checks the manifest of every shard of the plan, in shard order.
pub fn check_manifests(plan: &Plan, shards_dir: &Path) -> Result<Vec<ShardManifest>> {
    let h = &plan.header;
    let mut planned = vec![(0u64, 0u64); h.shards];
    for e in &plan.entries {
        if e.is_test() {
            planned[e.shard].0 += 1;
        } else {
            planned[e.shard].1 += 1;
        }
    }
    let mut out = Vec::with_capacity(h.shards);
    for (k, &(pt, pr)) in planned.iter().enumerate() {
        let names = ShardNames::new(&h.name, k, h.shards);
        let path = shards_dir.join(&names.manifest);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ScaleError::shard(k, &path, "manifest missing: the shard was not converted, or its run did not finish (run `convert --plan … --shard K` again)"))
            }
            Err(e) => return Err(ScaleError::io(&path, e)),
        };
        let m: ShardManifest =
            serde_json::from_str(&text).map_err(|e| ScaleError::shard(k, &path, format!("unreadable manifest: {e}")))?;
        if m.fingerprint != h.fingerprint {
            return Err(ScaleError::shard(
                k,
                &path,
                format!("converted from another plan (fingerprint {}, this plan {})", m.fingerprint, h.fingerprint),
            ));
        }
        if m.shard != k || m.shards != h.shards || m.name != h.name {
            return Err(ScaleError::shard(k, &path, format!("manifest of shard {} of {} ({}), expected {k} of {}", m.shard, m.shards, m.name, h.shards)));
        }
        let skipped = (m.skipped_test.len() as u64, m.skipped_train.len() as u64);
        if (m.planned_test, m.planned_train) != (pt, pr)
            || m.test.count + skipped.0 != pt
            || m.train.count + skipped.1 != pr
            || m.solution.count != m.test.count
        {
            return Err(ScaleError::shard(k, &path, format!("counts disagree with the plan ({pt} test + {pr} train planned)")));
        }
        for (part, expected) in [(&m.test, &names.test), (&m.train, &names.train), (&m.solution, &names.solution)] {
            check_part(k, shards_dir, part, expected)?;
        }
        out.push(m);
    }
    Ok(out)
}

fn check_part(k: usize, dir: &Path, part: &PartFile, expected: &str) -> Result<()> {
    let path = dir.join(expected);
    if part.file != expected {
        return Err(ScaleError::shard(k, &path, format!("manifest names {:?}", part.file)));
    }
    if !path.exists() {
        return Err(ScaleError::shard(k, &path, "file missing"));
    }
    let (bytes, crc) = file_crc32c(&path)?;
    if bytes != part.bytes || format!("{crc:08x}") != part.crc32c {
        return Err(ScaleError::shard(
            k,
            &path,
            format!("corrupt: {bytes} bytes crc32c {crc:08x}, manifest says {} bytes crc32c {}", part.bytes, part.crc32c),
        ));
    }
    Ok(())
}

type LabelRow = (Vec<i64>, Vec<f32>);

/// `id<TAB>index:score …` rows of a solution part.
fn read_solution_part(path: &Path, k: usize) -> Result<HashMap<u64, LabelRow>> {
    let text = std::fs::read_to_string(path).map_err(|e| ScaleError::io(path, e))?;
    let mut rows = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let bad = || ScaleError::shard(k, path, format!("line {}: malformed solution row {line:?}", n + 1));
        let (id, pairs) = line.split_once('\t').ok_or_else(bad)?;
        let id: u64 = id.parse().map_err(|_| bad())?;
        let (mut index, mut score) = (Vec::new(), Vec::new());
        for p in pairs.split_whitespace() {
            let (i, s) = p.split_once(':').ok_or_else(bad)?;
            index.push(i.parse::<i64>().map_err(|_| bad())?);
            score.push(s.parse::<f32>().map_err(|_| bad())?);
        }
        rows.insert(id, (index, score));
    }
    Ok(rows)
}

/// Decodes every record of a part, checking that planned ids increase.
fn for_each_record<F>(path: &Path, k: usize, mut f: F) -> Result<()>
where
    F: FnMut(u64, formats::example::AutoDlExample) -> Result<()>,
{
    let mut reader = TfRecordReader::open(path)?;
    let mut last: Option<u64> = None;
    while let Some(rec) = reader.next_record()? {
        let at = rec.offset;
        let ex = decode(rec.payload).map_err(|e| ScaleError::shard(k, path, format!("record at byte {at}: {e}")))?;
        let id = ex.id.filter(|&i| i >= 0).ok_or_else(|| ScaleError::shard(k, path, format!("record at byte {at} has no id")))? as u64;
        if last.is_some_and(|l| id <= l) {
            return Err(ScaleError::shard(k, path, format!("record at byte {at}: id {id} out of plan order")));
        }
        last = Some(id);
        f(id, ex)?;
    }
    Ok(())
}

/// The metadata `convert` writes for images (spec §5.1), from the shards' observations.
fn merged_spec(plan: &Plan, manifests: &[ShardManifest]) -> Result<(DataSpec, (i32, i32, i32))> {
    let h = &plan.header;
    let opts = h.image.to_options().expect("Plan::read checked the image options");
    let seen: Vec<_> = manifests.iter().map(|m| &m.observed).filter(|o| o.converted > 0).collect();
    let colour = seen.iter().any(|o| o.colour);
    let (row_count, col_count, num_channels, format) = match opts.storage {
        converters_image::Storage::Dense => {
            let (hh, ww) = opts.size.expect("checked options: dense has a size");
            (hh as i32, ww as i32, h.image.dense_channels as i32, Format::Dense)
        }
        converters_image::Storage::Compressed => {
            let channels = match opts.channels {
                converters_image::Channels::Auto => if colour { 3 } else { 1 },
                _ => h.image.dense_channels as i32,
            };
            // A shard that saw another size (or mixed sizes) turns H and W into −1 (spec §5.1).
            let first = seen.first().and_then(|o| o.size);
            let agreed = first.is_some() && seen.iter().all(|o| o.uniform && o.size == first);
            match (agreed, first) {
                (true, Some((hh, ww))) => (hh as i32, ww as i32, channels, Format::Compressed),
                _ => (-1, -1, channels, Format::Compressed),
            }
        }
    };
    let spec = DataSpec {
        matrix_spec: vec![MatrixSpec {
            col_count,
            row_count,
            has_locality_col: true,
            has_locality_row: true,
            format,
            num_channels,
            num_channels_present: true,
            ..MatrixSpec::default()
        }],
        is_sequence: false,
        output_dim: h.output_dim as i32,
        label_to_index_map: h.class_names.iter().flatten().enumerate().map(|(i, n)| (n.clone(), i as i32)).collect(),
        sequence_size: 1,
        sequence_size_present: true,
        ..DataSpec::default()
    };
    Ok((spec, (row_count, col_count, num_channels)))
}
