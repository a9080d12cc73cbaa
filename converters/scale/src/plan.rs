//! The plan: one pass over the input listing (file sizes, labels; no media is decoded, except
//! the headers or first frames `convert` also reads to fix the channel count) that fixes the
//! split, the record ids, the labels and the shard of every input ([`crate::domain`]). For a
//! table or a corpus the pass is the converter's own settle pass ([`crate::whole`]): its result
//! goes into the header, and each entry is one record (a data row, a document) keyed by its
//! place in the input; shards are then balanced by record count.
//!
//! `plan.jsonl` = a header line ([`PlanHeader`]) then one [`PlanEntry`] per input in id order:
//! test ids `0..n_test` in test record order, then train. The split is
//! [`converters_common::labels::split_items`], the very function `convert` calls, so the
//! plan's order is `convert`'s record order. Shards are contiguous runs of the test order and
//! of the train order, cut where the running byte count crosses `k/N` of the total, so shard
//! `k` holds test part `k` and train part `k` and the merge is a concatenation in shard order.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use converters_common::labels::{discover, LabeledInput};
use converters_common::naming::resolve_name;
use converters_common::labels::split_items;
use converters_common::split::Subset;
use converters_common::{ConvertError, ErrorPolicy, ItemError, Labels, OnError, SkipReport, SplitOptions};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use converters_common::planned::WholeInputDomain;
use converters_tabular::{Tabular, TabularOptions};
use converters_text::{Text, TextOptions};

use crate::domain::{DomainRequest, DomainSettings};
use crate::atomic::write_atomically;
use crate::error::{Result, ScaleError};

/// Format tag of the header line.
pub const PLAN_FORMAT: &str = "autodl-format-plan/2";

/// An input left out, as the skip report lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedInput {
    pub path: String,
    pub line: Option<usize>,
    pub reason: String,
}

impl SkippedInput {
    pub fn from_item_error(e: &ItemError) -> SkippedInput {
        SkippedInput { path: e.path.display().to_string(), line: e.line, reason: e.reason.clone() }
    }
    pub fn to_item_error(&self) -> ItemError {
        ItemError { path: PathBuf::from(&self.path), line: self.line, reason: self.reason.clone() }
    }
}

/// The first line of `plan.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanHeader {
    pub format: String,
    pub name: String,
    pub input: String,
    pub seed: u64,
    pub test_size: f64,
    /// `skip` or `fail`.
    pub on_error: String,
    pub max_errors: Option<usize>,
    pub shards: usize,
    pub n_test: usize,
    pub n_train: usize,
    pub output_dim: usize,
    pub class_names: Option<Vec<String>>,
    /// Domain and conversion options (`convert`'s flags given to `plan`).
    pub settings: DomainSettings,
    /// Inputs the listing itself rejected (bad labels.csv rows, …): first in the skip report.
    pub listing_skipped: Vec<SkippedInput>,
    pub warnings: Vec<String>,
    /// Tables and corpora: the input's size in bytes when planned (all files below a folder),
    /// which every shard checks before it reads the records by their place in the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_bytes: Option<u64>,
    /// Digest of everything else in the file (header with an empty fingerprint, then every
    /// entry line); shards carry it so the merge can tell plans apart.
    pub fingerprint: String,
}

impl PlanHeader {
    pub fn policy(&self) -> ErrorPolicy {
        let on_error = if self.on_error == "fail" { OnError::Fail } else { OnError::Skip };
        ErrorPolicy { on_error, max_errors: self.max_errors }
    }
}

/// One input of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanEntry {
    /// Planned record id (test `0..n_test`, then train). Skipped inputs leave no gap in the
    /// merged dataset: the merge numbers converted records densely in this order.
    pub id: u64,
    /// `test` or `train`.
    pub subset: String,
    pub path: String,
    /// The input's name in the listing (seeds the audio random crop, as in `convert`).
    pub name: String,
    /// `(class index, score)` pairs, as the record or the solution will hold them.
    pub labels: Vec<(u32, f32)>,
    pub bytes: u64,
    pub shard: usize,
    /// Tables and corpora: the record's place in the input (data row, document position),
    /// by which the shard's single pass finds it ([`crate::whole`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<u64>,
}

impl PlanEntry {
    pub fn is_test(&self) -> bool {
        self.subset == "test"
    }
}

/// A whole plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub header: PlanHeader,
    pub entries: Vec<PlanEntry>,
}

/// What `plan` is given.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub input: PathBuf,
    pub name: Option<String>,
    pub split: SplitOptions,
    pub policy: ErrorPolicy,
    pub domain: DomainRequest,
    pub shards: usize,
}

/// Lists the input and builds the plan (nothing is written).
pub fn build_plan(req: &PlanRequest) -> Result<Plan> {
    if req.shards == 0 {
        return Err(ConvertError::Options("--shards must be at least 1".into()).into());
    }
    req.domain.check()?;
    req.split.check()?;
    match &req.domain {
        DomainRequest::Tabular(o) => return build_whole_plan::<Tabular>(req, &TabularOptions { split: req.split, ..o.clone() }, DomainSettings::Tabular),
        DomainRequest::Text(o) => return build_whole_plan::<Text>(req, &TextOptions { split: req.split, ..o.clone() }, DomainSettings::Text),
        _ => {}
    }
    let mut report = SkipReport::new(req.policy);
    let accepts = |p: &Path| req.domain.accepts(p);
    let LabeledInput { items, class_names, output_dim, private_name, mut warnings, .. } =
        discover(&req.input, &accepts, &mut report)?;
    // Same refusal as the video and audio converters (an image folder fails later, on sizes).
    if items.is_empty() && req.domain.refuses_empty() {
        return Err(ConvertError::input(&req.input, format!("no {} file to convert", req.domain.name())).into());
    }
    let name = resolve_name(req.name.as_deref(), private_name.as_deref(), &req.input)?;
    let (split, split_warning) = split_items(&items, &req.split)?;
    warnings.extend(split_warning);
    let settings = req.domain.settle(&items)?;

    let size_of = |i: usize| std::fs::metadata(&items[i].path).map(|m| m.len()).unwrap_or(0);
    let mut entries = Vec::with_capacity(items.len());
    for (subset, order) in [(Subset::Test, &split.test), (Subset::Train, &split.train)] {
        let bytes: Vec<u64> = order.par_iter().map(|&i| size_of(i)).collect();
        let shards = assign_shards(&bytes, req.shards);
        for ((&i, b), shard) in order.iter().zip(bytes).zip(shards) {
            entries.push(PlanEntry {
                id: entries.len() as u64,
                subset: if subset == Subset::Test { "test" } else { "train" }.into(),
                path: items[i].path.display().to_string(),
                name: items[i].name.clone(),
                labels: items[i].labels.pairs.clone(),
                bytes: b,
                shard,
                key: None,
            });
        }
    }
    let counts = (split.test.len(), split.train.len());
    finish_plan(req, name, &counts, output_dim, class_names, settings, &report, warnings, entries)
}

/// A table or a corpus: the converter's settle pass over the whole input is the plan step;
/// one entry per record, in `convert`'s order, shards balanced by record count.
fn build_whole_plan<D: WholeInputDomain>(
    req: &PlanRequest,
    opts: &D::Options,
    wrap: fn(D::Settled) -> DomainSettings,
) -> Result<Plan> {
    let mut report = SkipReport::new(req.policy);
    let s = D::settle(&req.input, opts, &mut report)?;
    let name = resolve_name(req.name.as_deref(), s.suggested_name.as_deref(), &req.input)?;
    let input = req.input.display().to_string();
    let mut entries = Vec::with_capacity(s.test.len() + s.train.len());
    for (subset, records) in [("test", &s.test), ("train", &s.train)] {
        let shards = assign_shards(&vec![0; records.len()], req.shards);
        for (r, shard) in records.iter().zip(shards) {
            entries.push(PlanEntry {
                id: entries.len() as u64,
                subset: subset.into(),
                path: input.clone(),
                name: r.source.clone(),
                labels: r.labels.clone(),
                bytes: 0,
                shard,
                key: Some(r.key),
            });
        }
    }
    let counts = (s.test.len(), s.train.len());
    let mut plan = finish_plan(req, name, &counts, s.output_dim, s.class_names, wrap(s.settled), &report, s.warnings, entries)?;
    plan.header.input_bytes = Some(input_bytes(&req.input)?);
    plan.header.fingerprint = fingerprint(&plan.header, &plan.entries);
    Ok(plan)
}

/// Bytes of the file at `path`, or of every file below the folder at `path`.
pub fn input_bytes(path: &Path) -> Result<u64> {
    let meta = std::fs::metadata(path).map_err(|e| ScaleError::io(path, e))?;
    if !meta.is_dir() {
        return Ok(meta.len());
    }
    let mut total = 0;
    for e in std::fs::read_dir(path).map_err(|e| ScaleError::io(path, e))? {
        total += input_bytes(&e.map_err(|e| ScaleError::io(path, e))?.path())?;
    }
    Ok(total)
}

/// The header over `entries`, fingerprinted.
#[allow(clippy::too_many_arguments)]
fn finish_plan(
    req: &PlanRequest,
    name: String,
    counts: &(usize, usize),
    output_dim: usize,
    class_names: Option<Vec<String>>,
    settings: DomainSettings,
    report: &SkipReport,
    warnings: Vec<String>,
    entries: Vec<PlanEntry>,
) -> Result<Plan> {
    let mut header = PlanHeader::new(req, name, counts, output_dim, class_names, settings, report, warnings);
    header.fingerprint = fingerprint(&header, &entries);
    Ok(Plan { header, entries })
}

impl PlanHeader {
    /// The header of a plan of `req` with `(n_test, n_train)` records; no fingerprint yet.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        req: &PlanRequest,
        name: String,
        &(n_test, n_train): &(usize, usize),
        output_dim: usize,
        class_names: Option<Vec<String>>,
        settings: DomainSettings,
        report: &SkipReport,
        warnings: Vec<String>,
    ) -> PlanHeader {
        PlanHeader {
            format: PLAN_FORMAT.into(),
            name,
            input: req.input.display().to_string(),
            seed: req.split.seed,
            test_size: req.split.test_size,
            on_error: match req.policy.on_error {
                OnError::Skip => "skip",
                OnError::Fail => "fail",
            }
            .into(),
            max_errors: req.policy.max_errors,
            shards: req.shards,
            n_test,
            n_train,
            output_dim,
            class_names,
            settings,
            listing_skipped: report.entries().iter().map(SkippedInput::from_item_error).collect(),
            warnings,
            input_bytes: None,
            fingerprint: String::new(),
        }
    }
}

/// Contiguous runs balanced by bytes: an item goes to the shard where the middle of its byte
/// range falls (each item weighs at least 1, so empty files still spread).
pub fn assign_shards(bytes: &[u64], shards: usize) -> Vec<usize> {
    let total: u128 = bytes.iter().map(|&b| u128::from(b) + 1).sum();
    let mut before = 0u128;
    bytes
        .iter()
        .map(|&b| {
            let w = u128::from(b) + 1;
            let k = shard_of(before, w, total, shards);
            before += w;
            k
        })
        .collect()
}

/// The shard of an item of weight `w` (bytes + 1) after `before` weight, of `total`.
pub fn shard_of(before: u128, w: u128, total: u128, shards: usize) -> usize {
    let middle = 2 * before + w; // twice the midpoint, to stay in integers
    ((middle * shards as u128) / (2 * total.max(1))).min(shards as u128 - 1) as usize
}

pub fn header_line(h: &PlanHeader) -> String {
    serde_json::to_string(h).expect("plan header serialises (plain data)")
}

pub fn entry_line(e: &PlanEntry) -> String {
    serde_json::to_string(e).expect("plan entry serialises (plain data)")
}

/// The plan's fingerprint, summed line by line: CRC32C of the header (fingerprint blanked)
/// and of each entry line with its newline, the entry count and their byte count.
pub struct Fingerprint {
    crc: u32,
    entries: u64,
    len: u64,
}

impl Fingerprint {
    pub fn new(header: &PlanHeader) -> Fingerprint {
        let mut h = header.clone();
        h.fingerprint = String::new();
        Fingerprint { crc: crc32c::crc32c(header_line(&h).as_bytes()), entries: 0, len: 0 }
    }

    pub fn add(&mut self, line: &str) {
        self.add_bytes(line.as_bytes());
    }

    /// An entry line without its newline.
    pub fn add_bytes(&mut self, line: &[u8]) {
        self.crc = crc32c::crc32c_append(self.crc, line);
        self.crc = crc32c::crc32c_append(self.crc, b"\n");
        self.entries += 1;
        self.len += line.len() as u64 + 1;
    }

    pub fn finish(&self) -> String {
        format!("{:08x}-{}-{}", self.crc, self.entries, self.len)
    }
}

/// The fingerprint of a whole plan ([`Fingerprint`]).
pub fn fingerprint(header: &PlanHeader, entries: &[PlanEntry]) -> String {
    let mut fp = Fingerprint::new(header);
    for e in entries {
        fp.add(&entry_line(e));
    }
    fp.finish()
}

impl Plan {
    /// Writes `plan.jsonl` through a temporary file and a rename.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut text = header_line(&self.header);
        text.push('\n');
        for e in &self.entries {
            text.push_str(&entry_line(e));
            text.push('\n');
        }
        write_atomically(path, text.as_bytes())
    }

    /// The domain a plan converts ("image", "video", "audio"), from its header line alone; `None`
    /// when that line cannot be read ([`Plan::read`] then says why).
    pub fn domain_of(path: &Path) -> Option<&'static str> {
        let f = std::fs::File::open(path).ok()?;
        let first = BufReader::new(f).lines().next()?.ok()?;
        let header: PlanHeader = serde_json::from_str(&first).ok()?;
        Some(header.settings.domain())
    }

    /// Reads a plan and checks its fingerprint, ids and shard numbers.
    pub fn read(path: &Path) -> Result<Plan> {
        let err = |line: usize, message: String| ScaleError::Plan { path: path.to_path_buf(), line, message };
        let f = std::fs::File::open(path).map_err(|e| ScaleError::io(path, e))?;
        let mut lines = BufReader::new(f).lines();
        let first = lines.next().ok_or_else(|| err(1, "empty plan".into()))?.map_err(|e| ScaleError::io(path, e))?;
        let header: PlanHeader = serde_json::from_str(&first).map_err(|e| err(1, format!("bad header: {e}")))?;
        if header.format != PLAN_FORMAT {
            return Err(err(1, format!("format {:?}, expected {PLAN_FORMAT:?}", header.format)));
        }
        if header.shards == 0 {
            return Err(err(1, "zero shards".into()));
        }
        if let Err(e) = header.settings.check() {
            return Err(err(1, format!("{} options: {e}", header.settings.domain())));
        }
        let mut entries = Vec::new();
        for (n, line) in lines.enumerate() {
            let line = line.map_err(|e| ScaleError::io(path, e))?;
            let e: PlanEntry = serde_json::from_str(&line).map_err(|e| err(n + 2, format!("bad entry: {e}")))?;
            if e.id != entries.len() as u64 || e.shard >= header.shards || e.is_test() != (entries.len() < header.n_test) {
                return Err(err(n + 2, format!("entry id {} / shard {} / subset {} out of order", e.id, e.shard, e.subset)));
            }
            entries.push(e);
        }
        if entries.len() != header.n_test + header.n_train {
            return Err(err(entries.len() + 1, format!("{} entries, header says {}", entries.len(), header.n_test + header.n_train)));
        }
        let fp = fingerprint(&header, &entries);
        if fp != header.fingerprint {
            return Err(err(1, format!("fingerprint {fp} does not match the header's {} (plan edited?)", header.fingerprint)));
        }
        Ok(Plan { header, entries })
    }

    /// Entries of shard `k` in id order (its test part, then its train part).
    pub fn shard_entries(&self, k: usize) -> Vec<&PlanEntry> {
        self.entries.iter().filter(|e| e.shard == k).collect()
    }

    pub fn labels_of(e: &PlanEntry) -> Labels {
        Labels { pairs: e.labels.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_contiguous_and_balanced_by_bytes() {
        let bytes = vec![100, 100, 100, 100, 400, 100, 100];
        let s = assign_shards(&bytes, 2);
        assert!(s.windows(2).all(|w| w[0] <= w[1]), "{s:?}");
        let load = |k| bytes.iter().zip(&s).filter(|(_, &sh)| sh == k).map(|(b, _)| b).sum::<u64>();
        assert_eq!((load(0), load(1)), (400, 600), "{s:?}");
        assert_eq!(assign_shards(&[0; 8], 4), vec![0, 0, 1, 1, 2, 2, 3, 3]);
        assert_eq!(assign_shards(&[5, 5], 1), vec![0, 0]);
    }
}
