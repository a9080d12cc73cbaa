//! Converting one shard of a plan into a shards folder:
//!
//! - `sample-<name>-test-KKKKK-of-NNNNN.tfrecord` and `sample-<name>-train-KKKKK-of-NNNNN.tfrecord`:
//!   records in plan order carrying their planned ids (test records without labels, spec §1.3),
//!   encoded and framed exactly as `convert` writes them, so the merge can copy the bytes;
//! - `<name>-solution-KKKKK-of-NNNNN.tsv`: `id<TAB>index:score …` per converted test record;
//! - `manifest-KKKKK-of-NNNNN.json` ([`ShardManifest`]): counts, sizes, CRC32C of each file,
//!   skipped inputs, plan fingerprint, the metadata facts observed ([`Observed`]). Written
//!   last: a shard without its manifest is not done.
//!
//! A rerun first removes the old manifest, then renames fresh files (written under temporary
//! names unique to the attempt, [`crate::atomic`]) over the old ones, then writes the
//! manifest: other shards are never touched, and a half-replaced shard has no manifest. Two
//! attempts of one shard running at once write the same bytes (conversion is deterministic),
//! so whichever renames last leaves the same shard; a manifest that does not describe the
//! files beside it (sizes, CRC32C) is refused by `merge`.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use converters_common::pipeline::convert_ordered;
use converters_common::{ItemError, SkipReport};
use formats::dataset::Subset;
use formats::example::{try_encode, AutoDlExample};
use formats::tfrecord::TfRecordWriter;
use serde::{Deserialize, Serialize};

use converters_common::file_domain::{FileDomain, RecordStats};

use crate::domain::{dispatch, observed, observed_whole, Observed};
use crate::error::{Result, ScaleError};
use crate::atomic::{remove_stale_temps, temp_name, write_atomically};
use crate::plan::{Plan, PlanEntry, SkippedInput};

/// One file of a shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartFile {
    pub file: String,
    /// Records (tfrecord) or rows (solution).
    pub count: u64,
    pub bytes: u64,
    pub crc32c: String,
}

/// A skipped input of a shard, with its planned id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardSkip {
    pub id: u64,
    #[serde(flatten)]
    pub input: SkippedInput,
}

/// One subset's share of a shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardSubset {
    /// Inputs the plan gave the shard.
    pub planned: u64,
    /// The record part written (`count` = `planned` less the skipped ones).
    pub part: PartFile,
    /// Inputs skipped, in planned order.
    pub skipped: Vec<ShardSkip>,
}

/// `manifest-KKKKK-of-NNNNN.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    pub fingerprint: String,
    pub name: String,
    pub shard: usize,
    pub shards: usize,
    pub test: ShardSubset,
    pub train: ShardSubset,
    /// The solution rows of the test part's records.
    pub solution: PartFile,
    /// Metadata facts of the shard's converted records (sizes, frame counts, colour).
    pub observed: Observed,
}

/// Every shard's test share, then every shard's train share: the order of the dataset's
/// records (and of `convert`'s skip report).
pub fn in_record_order(manifests: &[ShardManifest]) -> impl Iterator<Item = (Subset, &ShardManifest, &ShardSubset)> {
    let test = manifests.iter().map(|m| (Subset::Test, m, &m.test));
    test.chain(manifests.iter().map(|m| (Subset::Train, m, &m.train)))
}

/// File names of shard `k` of `n` for dataset `name`.
pub struct ShardNames {
    pub test: String,
    pub train: String,
    pub solution: String,
    pub manifest: String,
}

impl ShardNames {
    pub fn new(name: &str, k: usize, n: usize) -> ShardNames {
        let tag = format!("{k:05}-of-{n:05}");
        ShardNames {
            test: format!("sample-{name}-test-{tag}.tfrecord"),
            train: format!("sample-{name}-train-{tag}.tfrecord"),
            solution: format!("{name}-solution-{tag}.tsv"),
            manifest: format!("manifest-{tag}.json"),
        }
    }
}

/// The copy of the plan kept in a shards folder (the merge reads it).
pub const PLAN_COPY: &str = "plan.jsonl";

/// Converts shard `k` of the plan at `plan_path` into `shards_dir` (created if needed).
pub fn convert_shard(plan_path: &Path, k: usize, shards_dir: &Path) -> Result<ShardManifest> {
    let plan = Plan::read(plan_path)?;
    let h = &plan.header;
    if k >= h.shards {
        return Err(ScaleError::shard(k, plan_path, format!("the plan has {} shard(s) (0..{})", h.shards, h.shards)));
    }
    // Before anything is written: options this build honours, a decoder for the inputs.
    dispatch!(&h.settings, D, s => { D::require_decoder()?; D::prepare(s)?; }, _w => {});
    std::fs::create_dir_all(shards_dir).map_err(|e| ScaleError::io(shards_dir, e))?;
    keep_plan_copy(plan_path, &plan, shards_dir)?;

    let names = ShardNames::new(&h.name, k, h.shards);
    // Leftovers of an attempt of this shard killed on this machine (see `crate::atomic`).
    remove_stale_temps(shards_dir, &[&names.test, &names.train, &names.solution, &names.manifest, PLAN_COPY]);
    let manifest_path = shards_dir.join(&names.manifest);
    // Not done any more until the new manifest lands (see module docs).
    match std::fs::remove_file(&manifest_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(ScaleError::io(&manifest_path, e)),
        _ => {}
    }

    let entries = plan.shard_entries(k);
    let (test, train): (Vec<&PlanEntry>, Vec<&PlanEntry>) = entries.iter().partition(|e| e.is_test());
    // Only --on-error fail applies here; --max-errors counts skips over all shards (merge).
    let mut policy = h.policy();
    policy.max_errors = None;
    let mut report = SkipReport::new(policy);

    let final_paths = [shards_dir.join(&names.test), shards_dir.join(&names.train), shards_dir.join(&names.solution)];
    let temps: Vec<PathBuf> = final_paths.iter().map(|p| temp_name(p)).collect();
    let cleanup = |temps: &[PathBuf]| temps.iter().for_each(|t| drop(std::fs::remove_file(t)));
    let parts = Parts { test: &test, train: &train, temps: &temps };

    let result = dispatch!(&h.settings, D, s => {
        let c = D::prepare(s)?;
        let mut stats = <D as FileDomain>::Stats::default();
        let convert = |e: &PlanEntry| D::convert(&c, Path::new(&e.path), &e.name);
        write_parts(&parts, &mut report, D::chunk_size(&c), convert, |m| stats.observe(m)).map(|r| (r, observed::<D>(&stats)))
    }, w => {
        // Tables and corpora: the shard's records come from one pass over the input, found by
        // their place in it: an input that changed since it was planned is refused.
        let now = crate::plan::input_bytes(Path::new(&h.input))?;
        if h.input_bytes.is_some_and(|planned| planned != now) {
            return Err(ScaleError::Plan {
                path: plan_path.to_path_buf(),
                line: 1,
                message: format!("{} has {now} bytes, {} when planned: the input changed; plan it again", h.input, h.input_bytes.unwrap_or(0)),
            });
        }
        let keys: Vec<u64> = entries.iter().filter_map(|e| e.key).collect();
        // Each record is handed over once: taken out, not copied.
        let encoded = std::sync::Mutex::new(w.encode(&keys)?);
        let convert = |e: &PlanEntry| {
            let found = e.key.and_then(|key| encoded.lock().ok()?.remove(&key));
            found.map(|f| (f, ())).ok_or_else(|| ItemError::new(&e.path, format!("record {} (input position {:?}) is no longer in the input", e.id, e.key)))
        };
        write_parts(&parts, &mut report, WHOLE_CHUNK, convert, |_| {}).map(|r| (r, observed_whole(w.name())))
    });
    let ((skipped_test, skipped_train, solution_rows), observed) = match result {
        Ok(r) => r,
        Err(e) => {
            cleanup(&temps);
            return Err(e);
        }
    };
    let counts = [
        test.len() as u64 - skipped_test.len() as u64,
        train.len() as u64 - skipped_train.len() as u64,
        solution_rows,
    ];
    let mut parts = Vec::new();
    for ((tmp, fin), count) in temps.iter().zip(&final_paths).zip(counts) {
        let (bytes, crc) = file_crc32c(tmp)?;
        std::fs::rename(tmp, fin).map_err(|e| ScaleError::io(fin, e))?;
        let file = fin.file_name().expect("joined file name").to_string_lossy().into_owned();
        parts.push(PartFile { file, count, bytes, crc32c: format!("{crc:08x}") });
    }
    let [test_part, train_part, solution_part]: [PartFile; 3] = parts.try_into().expect("three parts");
    let manifest = ShardManifest {
        fingerprint: h.fingerprint.clone(),
        name: h.name.clone(),
        shard: k,
        shards: h.shards,
        test: ShardSubset { planned: test.len() as u64, part: test_part, skipped: skipped_test },
        train: ShardSubset { planned: train.len() as u64, part: train_part, skipped: skipped_train },
        solution: solution_part,
        observed,
    };
    let text = serde_json::to_string_pretty(&manifest).expect("manifest serialises (plain data)");
    write_atomically(&manifest_path, text.as_bytes())?;
    Ok(manifest)
}

/// Records of a table or corpus shard handed to the writer per chunk (already encoded).
const WHOLE_CHUNK: usize = 256;

/// A shard's entries and the temporary files of its test part, train part and solution part.
struct Parts<'a> {
    test: &'a [&'a PlanEntry],
    train: &'a [&'a PlanEntry],
    temps: &'a [PathBuf],
}

/// Converts the entries of both parts (in parallel chunks, written in plan order) into the
/// temporary files; returns the skipped test and train inputs and the solution rows written.
fn write_parts<M: Send>(
    parts: &Parts<'_>,
    report: &mut SkipReport,
    chunk: usize,
    convert: impl Fn(&PlanEntry) -> std::result::Result<(formats::example::Frames, M), ItemError> + Sync,
    mut observe: impl FnMut(&M) + Send,
) -> Result<(Vec<ShardSkip>, Vec<ShardSkip>, u64)> {
    let temps = parts.temps;
    let mut solution = BufWriter::new(File::create(&temps[2]).map_err(|e| ScaleError::io(&temps[2], e))?);
    let mut solution_rows = 0u64;
    let mut skips = [Vec::new(), Vec::new()];
    for (part, items) in [parts.test, parts.train].into_iter().enumerate() {
        let path = &temps[part];
        let mut w = TfRecordWriter::create(path)?;
        convert_ordered(items, chunk, |e: &&PlanEntry| convert(e), |i, r| {
            let e = items[i];
            let (frames, seen) = match r {
                Ok(x) => x,
                Err(err) => {
                    skips[part].push(ShardSkip { id: e.id, input: SkippedInput::from_item_error(&err) });
                    return report.record(err);
                }
            };
            observe(&seen);
            let labels = Plan::labels_of(e);
            let (index, score) = if e.is_test() { (vec![], vec![]) } else { (labels.indices(), labels.scores()) };
            let ex = AutoDlExample { id: Some(e.id as i64), label_index: index, label_score: score, frames };
            let payload = try_encode(&ex).map_err(|x| formats::Error::Write { path: path.clone(), message: x.to_string() })?;
            w.write_record(&payload).map_err(|x| converters_common::ConvertError::io(path, x))?;
            if e.is_test() {
                let pairs: Vec<String> = labels.pairs.iter().map(|(i, s)| format!("{i}:{s}")).collect();
                writeln!(solution, "{}\t{}", e.id, pairs.join(" ")).map_err(|x| converters_common::ConvertError::io(&temps[2], x))?;
                solution_rows += 1;
            }
            Ok(())
        })?;
        let f = w.into_inner().map_err(|e| ScaleError::io(path, e))?;
        f.into_inner().map_err(|e| ScaleError::io(path, e.into_error()))?.sync_all().map_err(|e| ScaleError::io(path, e))?;
    }
    let f = solution.into_inner().map_err(|e| ScaleError::io(&temps[2], e.into_error()))?;
    f.sync_all().map_err(|e| ScaleError::io(&temps[2], e))?;
    let [st, sr] = skips;
    Ok((st, sr, solution_rows))
}

/// Puts the plan into the shards folder, or checks that the one there is the same plan.
fn keep_plan_copy(plan_path: &Path, plan: &Plan, shards_dir: &Path) -> Result<()> {
    let copy = shards_dir.join(PLAN_COPY);
    if copy.exists() {
        let there = Plan::read(&copy)?;
        if there.header.fingerprint != plan.header.fingerprint {
            return Err(ScaleError::Plan {
                path: copy,
                line: 1,
                message: format!(
                    "this shards folder belongs to plan {}, not to {} ({}): use another folder",
                    there.header.fingerprint,
                    plan.header.fingerprint,
                    plan_path.display()
                ),
            });
        }
        return Ok(());
    }
    let bytes = std::fs::read(plan_path).map_err(|e| ScaleError::io(plan_path, e))?;
    write_atomically(&copy, &bytes)
}

/// Byte length and CRC32C of a file, streamed.
pub fn file_crc32c(path: &Path) -> Result<(u64, u32)> {
    let f = File::open(path).map_err(|e| ScaleError::io(path, e))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, Crc32cReader { inner: f, crc: 0, len: 0 });
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(|e| ScaleError::io(path, e))?;
    let counted = reader.get_ref();
    Ok((counted.len, counted.crc))
}

/// Passes bytes through and keeps their CRC32C and count.
pub(crate) struct Crc32cReader<R> {
    pub inner: R,
    pub crc: u32,
    pub len: u64,
}

impl<R: Read> Read for Crc32cReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.crc = crc32c::crc32c_append(self.crc, &buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
}
