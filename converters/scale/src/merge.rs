//! Merging a shards folder into the dataset `convert` would have written.
//!
//! Checks first, before anything is written: the plan (the copy in the folder, or `--plan`),
//! then every shard's manifest — present, same plan fingerprint, same shard count, planned
//! counts equal to the plan's, each file present with the recorded size, the solution part's
//! CRC32C. Metadata: the converter crate's own function (the one `convert` calls) on the
//! shards' observations combined; the solution rows come from the solution parts in shard
//! order.
//!
//! Records, when no input was skipped (the usual case): the shards wrote the planned ids,
//! which are the dataset's ids, so the record files are the parts' bytes concatenated (TFRecord
//! framing is self-contained): test parts in shard order (= plan order), then train parts. The
//! validator reads each record file through [`crate::copy::PartsCopier`], which copies the
//! parts into it as they are read and checks each part's length and CRC32C against its
//! manifest: framing, CRCs, record checks and the copy are one sequential read of the shards
//! plus one write, and the dataset is moved into place only when all of it passed.
//!
//! Once a shard has skipped an input, the records after the gap are decoded and written again
//! with dense ids (the numbering `convert` gives when it skips, spec §1.4); then the record
//! files are written first and validated afterwards, and an invalid result is removed.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use converters_common::split::check_sizes;
use converters_common::SkipReport;
use formats::dataset::{DatasetSummary, DatasetWriter, Subset, WriterOptions};
use formats::example::decode;
use formats::tfrecord::TfRecordReader;
use formats::validate::{validate, validate_with_source, RecordSource, Report, Severity, ValidateOptions};

use converters_common::file_domain::{FileDomain, RecordStats};
use converters_common::recipe::{recipe_file_name, test_sources_file};
use formats::solution::SolutionStyle;

use crate::domain::{dispatch, stats_of};
use crate::copy::{CopyLog, PartSource, PartsCopier, SharedLog};
use crate::error::{Result, ScaleError};
use crate::plan::Plan;
use crate::shard::{file_crc32c, in_record_order, Crc32cReader, PartFile, ShardManifest, ShardNames, ShardSubset, PLAN_COPY};

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
    /// `(sequence_size, row_count, col_count, num_channels)` written to the metadata.
    pub shape: [i32; 4],
    /// Bytes of shard record parts read.
    pub bytes_read: u64,
    /// Records copied as framed bytes, and records decoded and renumbered after a skip.
    pub copied: u64,
    pub renumbered: u64,
    /// `convert`'s warnings about the records (e.g. video clips cut to the frame cap).
    pub warnings: Vec<String>,
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
    for (_, _, share) in in_record_order(&manifests) {
        for s in &share.skipped {
            report.record(s.input.to_item_error())?;
        }
    }
    let n_test: u64 = manifests.iter().map(|m| m.test.part.count).sum();
    let n_train: u64 = manifests.iter().map(|m| m.train.part.count).sum();
    check_sizes(n_test as usize, n_train as usize)?;
    // `convert`'s test sources: test records in planned order, skipped ones left out.
    let skipped: std::collections::HashSet<u64> = manifests.iter().flat_map(|m| m.test.skipped.iter().map(|s| s.id)).collect();
    let mut tests: Vec<&crate::plan::PlanEntry> = plan.entries.iter().filter(|e| e.is_test() && !skipped.contains(&e.id)).collect();
    tests.sort_by_key(|e| e.id);
    let names: Vec<String> = tests.iter().map(|e| e.name.clone()).collect();
    let manifest_path = |m: &ShardManifest| req.shards_dir.join(ShardNames::new(&h.name, m.shard, h.shards).manifest);
    let facts = dispatch!(&h.settings, D, s => {
        let c = D::prepare(s)?;
        let mut stats = <D as FileDomain>::Stats::default();
        for m in &manifests {
            let later = stats_of::<D>(&m.observed).map_err(|e| ScaleError::shard(m.shard, manifest_path(m), e))?;
            stats.merge(&later);
        }
        let (spec, shape, warnings) = D::spec(&c, &stats, h.output_dim, h.class_names.as_deref());
        let recipe = crate::raw::recipe_of(&h.settings, shape[3].max(0) as usize)?;
        let side_files = vec![(recipe_file_name(&h.name), recipe.to_json()), test_sources_file(&h.name, &names)];
        Facts { spec, shape, warnings, deep: D::deep_validate(&c), style: SolutionStyle::Generic, side_files }
    }, w => {
        for m in &manifests {
            if m.observed.get(w.name()).is_none() {
                return Err(ScaleError::shard(m.shard, manifest_path(m), format!("not a shard of {} records", w.name())));
            }
        }
        let spec = w.spec(h.output_dim, h.class_names.as_deref())?;
        let shape = crate::whole::shape_of(&spec);
        // as `convert` validates tables and corpora: deep
        Facts { spec, shape, warnings: vec![], deep: true, style: w.solution_style(), side_files: w.side_files(&h.name, &names)? }
    });
    let Facts { spec, shape, warnings, deep, style, side_files } = facts;

    let opts = ValidateOptions { deep, ..Default::default() };
    let mut writer = DatasetWriter::create(&req.out_dir, &h.name, WriterOptions { force: req.force, solution_style: style, ..Default::default() })?;
    for (file, bytes) in &side_files {
        writer.write_side_file(file, bytes)?;
    }
    if !report.is_empty() {
        writer.write_side_file(&SkipReport::file_name(&writer_name(&manifests)), report.render().as_bytes())?;
    }
    let skipped_any = in_record_order(&manifests).any(|(_, _, share)| !share.skipped.is_empty());
    let end = Ending { spec, class_names: h.class_names.as_deref(), opts };
    let (summary, validation, stats) = if skipped_any {
        copy_then_validate(writer, req, &manifests, end)?
    } else {
        copy_while_validating(writer, req, &manifests, end)?
    };
    let skip_report = (!report.is_empty()).then(|| summary.root.join(SkipReport::file_name(&h.name)));
    Ok(Merged {
        summary,
        skipped: report.len(),
        skip_report,
        validation,
        shape,
        bytes_read: stats.bytes,
        copied: stats.copied,
        renumbered: stats.renumbered,
        warnings,
    })
}

/// What the merge writes besides the records: the converter's metadata and side files.
struct Facts {
    spec: formats::metadata::DataSpec,
    /// `(sequence_size, row_count, col_count, num_channels)`.
    shape: [i32; 4],
    warnings: Vec<String>,
    /// Validate decoding every compressed frame (as `convert` does).
    deep: bool,
    style: SolutionStyle,
    side_files: Vec<(String, Vec<u8>)>,
}

/// What both ways of copying the parts finish the dataset with.
struct Ending<'a> {
    spec: formats::metadata::DataSpec,
    class_names: Option<&'a [String]>,
    opts: ValidateOptions,
}

/// Nothing skipped: every planned id is the dense id, so the parts are the record files'
/// bytes. The metadata and solution are written first; then the validator reads each record
/// file through a [`PartsCopier`] that copies the parts into it as they are read (one pass),
/// and the dataset is moved into place only when the validation and every part's CRC32C pass.
fn copy_while_validating(
    mut writer: DatasetWriter,
    req: &MergeRequest,
    manifests: &[ShardManifest],
    Ending { spec, class_names, opts }: Ending<'_>,
) -> Result<(DatasetSummary, Report, CopyStats)> {
    let dir = &req.shards_dir;
    let source = |m: &ShardManifest, p: &PartFile| PartSource { shard: m.shard, path: dir.join(&p.file), bytes: p.bytes, crc32c: p.crc32c.clone() };
    let (mut test_parts, mut train_parts) = (Vec::new(), Vec::new());
    for m in manifests {
        let rows = read_solution_part(&dir.join(&m.solution.file), m.shard)?;
        let labels: Vec<(Vec<i64>, Vec<f32>)> = rows.into_iter().map(|r| (r.index, r.score)).collect();
        writer.append_framed(Subset::Test, &mut std::io::empty(), m.test.part.count, &labels)?;
        test_parts.push(source(m, &m.test.part));
    }
    for m in manifests {
        writer.append_framed(Subset::Train, &mut std::io::empty(), m.train.part.count, &[])?;
        train_parts.push(source(m, &m.train.part));
    }
    let (n_parts, total): (usize, u64) = (2 * manifests.len(), test_parts.iter().chain(&train_parts).map(|p| p.bytes).sum());
    let records = writer.test_records() + writer.train_records();
    let name = writer_name(manifests);
    let log: SharedLog = Default::default();
    let mut outcome: Option<std::result::Result<Report, ScaleError>> = None;
    let finished = writer.finish_checked(spec, class_names, |tmp| {
        let files = [(format!("sample-{name}-test.tfrecord"), test_parts), (format!("sample-{name}-train.tfrecord"), train_parts)];
        let mut files: Vec<(String, Option<Vec<PartSource>>)> = files.into_iter().map(|(n, p)| (n, Some(p))).collect();
        let log2 = log.clone();
        let source: RecordSource = Box::new(move |path: &Path| {
            let file = path.file_name()?.to_str()?;
            let parts = files.iter_mut().find(|(n, _)| n == file)?.1.take()?;
            match PartsCopier::new(path, parts, log2.clone()) {
                Ok((copier, len)) => Some((Box::new(copier) as Box<dyn Read>, len)),
                Err(e) => {
                    log2.borrow_mut().error.get_or_insert(ScaleError::io(path, e));
                    None
                }
            }
        });
        let validation = validate_with_source(tmp, &opts, Some(source));
        let judged = judge(validation, &mut log.borrow_mut(), n_parts, total, &req.out_dir);
        let failed = judged.is_err();
        outcome = Some(judged);
        if failed {
            return Err(formats::Error::Write { path: tmp.to_path_buf(), message: "merge check failed".into() });
        }
        Ok(())
    });
    match (finished, outcome) {
        (_, Some(Err(e))) => Err(e),
        (Err(e), _) => Err(e.into()),
        (Ok(summary), Some(Ok(validation))) => Ok((summary, validation, CopyStats { bytes: total, copied: records, renumbered: 0 })),
        (Ok(_), None) => unreachable!("finish_checked runs the check before it succeeds"),
    }
}

fn writer_name(manifests: &[ShardManifest]) -> String {
    manifests.first().map(|m| m.name.clone()).unwrap_or_default()
}

/// The merge's verdict on the single pass: a shard problem the copier met, else the
/// validator's errors (naming the shard part it was reading when it stopped, if any), else
/// every part read to its end.
fn judge(validation: Report, log: &mut CopyLog, n_parts: usize, total: u64, out_dir: &Path) -> Result<Report> {
    if let Some(e) = log.error.take() {
        return Err(e);
    }
    if !validation.is_valid() {
        let errors = first_errors(&validation, out_dir);
        if let Some((k, path)) = log.unfinished.iter_mut().find_map(Option::take) {
            return Err(ScaleError::shard(k, path, format!("corrupt: {errors}")));
        }
        return Err(converters_common::ConvertError::Validation { path: out_dir.to_path_buf(), summary: errors }.into());
    }
    let copied: u64 = log.copied.iter().map(|c| c.1).sum();
    if log.parts_done != n_parts || copied != total {
        return Err(converters_common::ConvertError::Validation {
            path: out_dir.to_path_buf(),
            summary: format!("{} of {n_parts} shard parts, {copied} of {total} bytes read by the validator", log.parts_done),
        }
        .into());
    }
    Ok(validation)
}

/// The first errors of a report, with paths under `out_dir` (the folder the dataset goes to,
/// not the temporary one it was validated in).
fn first_errors(validation: &Report, out_dir: &Path) -> String {
    let shown = |p: &Path| p.strip_prefix(&validation.dataset).map_or_else(|_| p.to_path_buf(), |rest| out_dir.join(rest));
    let errors: Vec<String> = validation
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .take(5)
        .map(|f| format!("{} {}: {}", f.code, shown(&f.location.file).display(), f.message))
        .collect();
    format!("{} error(s): {}", validation.errors, errors.join("; "))
}

/// Some input was skipped: records after the first skip are renumbered (decoded and written
/// again), so the record files are written first and then validated as `convert` does.
fn copy_then_validate(
    mut writer: DatasetWriter,
    req: &MergeRequest,
    manifests: &[ShardManifest],
    Ending { spec, class_names, opts }: Ending<'_>,
) -> Result<(DatasetSummary, Report, CopyStats)> {
    let mut stats = CopyStats::default();
    // Planned id of the first record of each shard's parts: test ids run 0..n_test in shard
    // order, train ids follow.
    let mut planned_next = 0u64;
    for (subset, m, share) in in_record_order(manifests) {
        let rows = match subset {
            Subset::Test => read_solution_part(&req.shards_dir.join(&m.solution.file), m.shard)?,
            _ => Vec::new(),
        };
        append_part(&mut writer, subset, &req.shards_dir, m, share, planned_next, &rows, &mut stats)?;
        planned_next += share.planned;
    }
    let summary = writer.finish(spec, class_names)?;
    let validation = validate(&summary.root, &opts);
    if !validation.is_valid() {
        let _ = std::fs::remove_dir_all(&summary.root);
        return Err(converters_common::ConvertError::Validation { path: summary.root.clone(), summary: first_errors(&validation, &req.out_dir) }.into());
    }
    Ok((summary, validation, stats))
}

#[derive(Default)]
struct CopyStats {
    bytes: u64,
    copied: u64,
    renumbered: u64,
}

/// Appends shard `m`'s record part of `subset` (`share`). `planned_first` is the planned id of
/// the part's first planned input; the part is copied as bytes when its ids are already the
/// dense ids (nothing skipped before it or inside it), else decoded and renumbered by the writer.
#[allow(clippy::too_many_arguments)]
fn append_part(
    writer: &mut DatasetWriter,
    subset: Subset,
    dir: &Path,
    m: &ShardManifest,
    share: &ShardSubset,
    planned_first: u64,
    rows: &[SolutionRow],
    stats: &mut CopyStats,
) -> Result<()> {
    let (part, no_skip_inside) = (&share.part, share.skipped.is_empty());
    let path = dir.join(&part.file);
    let file = File::open(&path).map_err(|e| ScaleError::io(&path, e))?;
    let mut reader = Crc32cReader { inner: file, crc: 0, len: 0 };
    let next_dense = writer.test_records() + writer.train_records();
    let labels: Vec<(Vec<i64>, Vec<f32>)> = rows.iter().map(|r| (r.index.clone(), r.score.clone())).collect();
    if no_skip_inside && planned_first == next_dense {
        writer.append_framed(subset, &mut reader, part.count, &labels)?;
        stats.copied += part.count;
    } else {
        let mut records = TfRecordReader::new(BufReader::with_capacity(1 << 20, &mut reader), &path, Some(part.bytes));
        let mut n = 0usize;
        let mut last: Option<u64> = None;
        let corrupt = |e: formats::Error| ScaleError::shard(m.shard, &path, format!("corrupt: {e}"));
        while let Some(rec) = records.next_record().map_err(corrupt)? {
            let at = rec.offset;
            let ex = decode(rec.payload).map_err(|e| ScaleError::shard(m.shard, &path, format!("record at byte {at}: {e}")))?;
            let id = ex.id.filter(|&i| i >= 0).ok_or_else(|| ScaleError::shard(m.shard, &path, format!("record at byte {at} has no id")))? as u64;
            if last.is_some_and(|l| id <= l) {
                return Err(ScaleError::shard(m.shard, &path, format!("record at byte {at}: id {id} out of plan order")));
            }
            last = Some(id);
            match subset {
                Subset::Test => {
                    let row = rows.get(n).filter(|r| r.id == id).ok_or_else(|| {
                        ScaleError::shard(m.shard, &path, format!("test record id {id} has no row {} in {}", n + 1, m.solution.file))
                    })?;
                    writer.push_test(&ex.frames, &row.index, &row.score)?;
                }
                _ => {
                    writer.push_train(&ex.frames, &ex.label_index, &ex.label_score)?;
                }
            }
            n += 1;
        }
        if n as u64 != part.count {
            return Err(ScaleError::shard(m.shard, &path, format!("{n} records, manifest says {}", part.count)));
        }
        stats.renumbered += part.count;
    }
    // Read to the end (framing already checked); the whole file must be what the shard wrote.
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(|e| ScaleError::io(&path, e))?;
    if reader.len != part.bytes || format!("{:08x}", reader.crc) != part.crc32c {
        return Err(ScaleError::shard(
            m.shard,
            &path,
            format!(
                "corrupt: {} bytes crc32c {:08x}, manifest says {} bytes crc32c {}",
                reader.len, reader.crc, part.bytes, part.crc32c
            ),
        ));
    }
    stats.bytes += part.bytes;
    Ok(())
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
        let agrees = |share: &ShardSubset, planned: u64| share.planned == planned && share.part.count + share.skipped.len() as u64 == planned;
        if !agrees(&m.test, pt) || !agrees(&m.train, pr) || m.solution.count != m.test.part.count {
            return Err(ScaleError::shard(k, &path, format!("counts disagree with the plan ({pt} test + {pr} train planned)")));
        }
        for (part, expected, crc) in [(&m.test.part, &names.test, false), (&m.train.part, &names.train, false), (&m.solution, &names.solution, true)] {
            check_part(k, shards_dir, part, expected, crc)?;
        }
        out.push(m);
    }
    Ok(out)
}

fn check_part(k: usize, dir: &Path, part: &PartFile, expected: &str, crc: bool) -> Result<()> {
    let path = dir.join(expected);
    if part.file != expected {
        return Err(ScaleError::shard(k, &path, format!("manifest names {:?}", part.file)));
    }
    let len = match std::fs::metadata(&path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ScaleError::shard(k, &path, "file missing")),
        Err(e) => return Err(ScaleError::io(&path, e)),
    };
    if len != part.bytes {
        return Err(ScaleError::shard(k, &path, format!("corrupt: {len} bytes, manifest says {}", part.bytes)));
    }
    // Record parts are checked while they are copied (one read); small parts here.
    if crc {
        let (bytes, crc) = file_crc32c(&path)?;
        if bytes != part.bytes || format!("{crc:08x}") != part.crc32c {
            return Err(ScaleError::shard(
                k,
                &path,
                format!("corrupt: {bytes} bytes crc32c {crc:08x}, manifest says {} bytes crc32c {}", part.bytes, part.crc32c),
            ));
        }
    }
    Ok(())
}

/// One row of a solution part: `id<TAB>index:score …`.
struct SolutionRow {
    id: u64,
    index: Vec<i64>,
    score: Vec<f32>,
}

/// The rows of a solution part, in file order.
fn read_solution_part(path: &Path, k: usize) -> Result<Vec<SolutionRow>> {
    let text = std::fs::read_to_string(path).map_err(|e| ScaleError::io(path, e))?;
    let mut rows = Vec::new();
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
        rows.push(SolutionRow { id, index, score });
    }
    Ok(rows)
}
