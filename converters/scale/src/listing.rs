//! Planning from a listing file instead of a folder walk (`plan INPUT --listing FILE`): one
//! input per line, `path` or `path<TAB>bytes`, paths relative to INPUT with `/` separators —
//! what an object store's listing gives (`aws s3 ls --recursive`, `gsutil ls -l`) where walking
//! and `stat` are not possible. Nothing under INPUT is read: the workers read the files later,
//! at `INPUT/path` (a mount of the bucket, or a shared file system).
//!
//! The paths are read as the folder walk reads a folder (class folders, or `train/` and
//! `test/` holding class folders; hidden entries ignored; sorted component by component), so a
//! listing of a folder plans exactly as the folder itself. Built for millions of inputs: the
//! paths are kept in one text buffer, about 25 bytes per input besides the path itself, and
//! the plan is written line by line (see docs/SCALE_OUT.md "Planning millions of inputs").
//!
//! Images only, with a channel count that needs no file (compressed, or `--channels 1|3`):
//! video and audio read their files to fix the channel count.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use converters_common::split::{split_compact_with_fallback, CompactKeys, Subset};
use converters_common::{ConvertError, ItemError, SkipReport};
use converters_image::{Channels, Storage};

use crate::atomic::temp_name;
use crate::domain::DomainRequest;
use crate::error::{Result, ScaleError};
use crate::plan::{shard_of, Fingerprint, PlanHeader, PlanRequest};

/// The listed inputs, compactly: path `i` is `text[starts[i]..starts[i + 1]]`.
#[derive(Default)]
struct Listed {
    text: String,
    starts: Vec<u64>,
    bytes: Vec<u64>,
    /// Provisional class id (first-seen order; `u32::MAX`: not an input) and part (0 = class
    /// folders or `train/`, 1 = `test/`).
    class: Vec<u32>,
    part: Vec<u8>,
}

impl Listed {
    fn path(&self, i: usize) -> &str {
        let end = self.starts.get(i + 1).map_or(self.text.len(), |&e| e as usize);
        &self.text[self.starts[i] as usize..end]
    }
}

/// A plan entry borrowing its strings: serialises exactly as [`crate::plan::PlanEntry`] (same
/// fields in the same order), without an allocation per input.
#[derive(serde::Serialize)]
struct EntryRef<'a> {
    id: u64,
    subset: &'a str,
    path: &'a str,
    name: &'a str,
    labels: &'a [(u32, f32)],
    bytes: u64,
    shard: usize,
}

/// The walk's order of two relative paths: component by component, i.e. bytes with `/`
/// lowest.
fn walk_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |c: u8| if c == b'/' { 0 } else { u16::from(c) + 1 };
    match a.bytes().zip(b.bytes()).find(|(x, y)| x != y) {
        Some((x, y)) => key(x).cmp(&key(y)),
        None => a.len().cmp(&b.len()),
    }
}

/// Plans the inputs of `listing` (see the module docs) and writes the plan to `out`.
pub fn plan_from_listing(req: &PlanRequest, listing: &Path, out: &Path) -> Result<PlanHeader> {
    if req.shards == 0 {
        return Err(ConvertError::Options("--shards must be at least 1".into()).into());
    }
    req.domain.check()?;
    req.split.check()?;
    match &req.domain {
        DomainRequest::Image(o) if o.storage == Storage::Compressed || o.channels != Channels::Auto => {}
        _ => {
            return Err(ConvertError::Options(
                "--listing plans images only, with --format compressed or --channels 1|3: plan does not read listed files, \
                 and video, audio and dense --channels auto need their headers"
                    .into(),
            )
            .into())
        }
    }
    let mut report = SkipReport::new(req.policy);
    let (listed, class_names, split_layout) = read_listing(listing, req, &mut report)?;
    // Rank of each provisional class id in name order (the walk's class index).
    let mut ranked: Vec<(&str, u32)> = class_names.iter().enumerate().map(|(i, n)| (n.as_str(), i as u32)).collect();
    ranked.sort();
    let mut rank = vec![0u32; ranked.len()];
    for (r, (_, id)) in ranked.iter().enumerate() {
        rank[*id as usize] = r as u32;
    }
    // Walk order: class (by name), part, then path component by component. Bucketed by
    // (class, part) first; listings are usually sorted already, which the sort notices.
    let n_buckets = ranked.len() * 2;
    let bucket = |i: usize| rank[listed.class[i] as usize] as usize * 2 + listed.part[i] as usize;
    let mut starts = vec![0usize; n_buckets + 1];
    for i in (0..listed.starts.len()).filter(|&i| listed.class[i] != u32::MAX) {
        starts[bucket(i) + 1] += 1;
    }
    for b in 0..n_buckets {
        starts[b + 1] += starts[b];
    }
    let mut order = vec![0u32; starts[n_buckets]];
    let mut fill = starts.clone();
    for i in (0..listed.starts.len()).filter(|&i| listed.class[i] != u32::MAX) {
        order[fill[bucket(i)]] = i as u32;
        fill[bucket(i)] += 1;
    }
    for b in 0..n_buckets {
        order[starts[b]..starts[b + 1]].sort_unstable_by(|&x, &y| walk_cmp(listed.path(x as usize), listed.path(y as usize)));
    }
    if let Some(w) = order.windows(2).find(|w| listed.path(w[0] as usize) == listed.path(w[1] as usize)) {
        return Err(ConvertError::input(listing, format!("{} is listed twice", listed.path(w[0] as usize))).into());
    }
    let mut keys = CompactKeys::with_capacity(order.len());
    for &i in &order {
        let i = i as usize;
        let forced = split_layout.then_some(if listed.part[i] == 0 { Subset::Train } else { Subset::Test });
        keys.push(forced, &[rank[listed.class[i] as usize]])?;
    }
    let (split, split_warning) = split_compact_with_fallback(&keys, &req.split)?;
    drop(keys);
    let mut warnings: Vec<String> = Vec::new();
    let used: BTreeSet<u32> = order.iter().map(|&i| rank[listed.class[i as usize] as usize]).collect();
    for (r, (name, _)) in ranked.iter().enumerate() {
        if !used.contains(&(r as u32)) {
            warnings.push(format!("class folder {name:?} has no usable file; kept as a class without examples"));
        }
    }
    warnings.extend(split_warning);
    let sorted_names: Vec<String> = ranked.iter().map(|(n, _)| n.to_string()).collect();
    let name = converters_common::naming::resolve_name(req.name.as_deref(), None, &req.input)?;
    let counts = (split.test.len(), split.train.len());
    let output_dim = sorted_names.len();
    let settings = req.domain.settle(&[])?;
    let mut header = PlanHeader::new(req, name, &counts, output_dim, Some(sorted_names), settings, &report, warnings);

    // Entries go to a scratch file while the fingerprint is summed; then header + entries.
    let scratch = temp_name(&out.with_extension("entries"));
    let result = (|| -> Result<()> {
        let mut fp = Fingerprint::new(&header);
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&scratch).map_err(|e| ScaleError::io(&scratch, e))?);
        let mut id = 0u64;
        // `INPUT/` as `Path::join` writes it, then each relative path.
        let prefix = req.input.join("x").display().to_string();
        let prefix = &prefix[..prefix.len() - 1];
        let (mut path, mut line) = (prefix.to_string(), Vec::with_capacity(512));
        for (subset, idx) in [("test", &split.test), ("train", &split.train)] {
            let total: u128 = idx.iter().map(|&k| u128::from(listed.bytes[order[k] as usize]) + 1).sum();
            let mut before = 0u128;
            for &k in idx.iter() {
                let i = order[k] as usize;
                let weight = u128::from(listed.bytes[i]) + 1;
                let rel = listed.path(i);
                path.truncate(prefix.len());
                path.push_str(rel);
                let labels = [(rank[listed.class[i] as usize], 1.0f32)];
                let e = EntryRef {
                    id,
                    subset,
                    path: &path,
                    name: rel,
                    labels: &labels,
                    bytes: listed.bytes[i],
                    shard: shard_of(before, weight, total, req.shards),
                };
                before += weight;
                line.clear();
                serde_json::to_writer(&mut line, &e).expect("plan entry serialises (plain data)");
                fp.add_bytes(&line);
                line.push(b'\n');
                w.write_all(&line).map_err(|e| ScaleError::io(&scratch, e))?;
                id += 1;
            }
        }
        w.flush().map_err(|e| ScaleError::io(&scratch, e))?;
        header.fingerprint = fp.finish();
        let tmp = temp_name(out);
        let write = || -> std::io::Result<()> {
            let mut f = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
            f.write_all(crate::plan::header_line(&header).as_bytes())?;
            f.write_all(b"\n")?;
            std::io::copy(&mut File::open(&scratch)?, &mut f)?;
            f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&tmp, out)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            ScaleError::io(out, e)
        })
    })();
    let _ = std::fs::remove_file(&scratch);
    result.map(|()| header)
}

/// Reads the listing; returns the inputs (class `u32::MAX` for a line the walk would not
/// take), the class names by provisional id, and whether the layout is `train/` + `test/`.
fn read_listing(listing: &Path, req: &PlanRequest, report: &mut SkipReport) -> Result<(Listed, Vec<String>, bool)> {
    let f = File::open(listing).map_err(|e| ScaleError::io(listing, e))?;
    let mut listed = Listed::default();
    let mut tops = BTreeSet::new();
    for (n, line) in BufReader::with_capacity(1 << 20, f).lines().enumerate() {
        let line = line.map_err(|e| ScaleError::io(listing, e))?;
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |m: String| ScaleError::Plan { path: listing.to_path_buf(), line: n + 1, message: m };
        let (path, bytes) = match line.split_once('\t') {
            Some((p, b)) => (p, b.trim().parse::<u64>().map_err(|_| bad(format!("byte size {b:?} is not a number")))?),
            None => (line, 0),
        };
        let path = path.trim_start_matches("./");
        if path.starts_with('/') || path.split('/').any(|c| c.is_empty() || c == "..") {
            return Err(bad(format!("{path:?}: list paths relative to INPUT, without empty or `..` parts")));
        }
        if path.split('/').any(|c| c.starts_with('.')) {
            continue;
        }
        if let Some((top, _)) = path.split_once('/') {
            if !tops.contains(top) {
                tops.insert(top.to_string());
            }
        }
        listed.starts.push(listed.text.len() as u64);
        listed.text.push_str(path);
        listed.bytes.push(bytes);
    }
    listed.text.shrink_to_fit();
    let split_layout = match (tops.contains("train"), tops.contains("test")) {
        (true, true) => true,
        (false, false) => false,
        _ => return Err(ConvertError::input(&req.input, "found only one of train/ and test/: give both (forced split) or use class folders").into()),
    };
    let mut class_ids: HashMap<String, u32> = HashMap::new();
    let mut class_names: Vec<String> = Vec::new();
    let (mut top_files, mut unsupported): (Vec<String>, Vec<(u32, u8, String)>) = (Vec::new(), Vec::new());
    let n = listed.starts.len();
    listed.class = Vec::with_capacity(n);
    listed.part = Vec::with_capacity(n);
    for i in 0..n {
        let path = listed.path(i);
        let mut parts = path.split('/');
        let (part, class, walked) = match (split_layout, parts.next()) {
            (true, Some("train")) => (0u8, parts.next(), true),
            (true, Some("test")) => (1, parts.next(), true),
            (true, _) => (0, None, false), // beside train/ and test/: the walk does not read it
            (false, top) => (0, top, true),
        };
        let has_file = parts.next().is_some();
        let accepted = req.domain.accepts(Path::new(path));
        let mut id = u32::MAX;
        match class.filter(|_| has_file) {
            None if accepted && walked => top_files.push(path.to_string()),
            None => {}
            Some(class) => {
                let cid = match class_ids.get(class) {
                    Some(&c) => c,
                    None => {
                        class_names.push(class.to_string());
                        class_ids.insert(class.to_string(), class_names.len() as u32 - 1);
                        class_names.len() as u32 - 1
                    }
                };
                if accepted {
                    id = cid;
                } else {
                    unsupported.push((cid, part, path.to_string()));
                }
            }
        }
        listed.class.push(id);
        listed.part.push(part);
    }
    // Rejections in the walk's order: files beside the class folders, then per class.
    top_files.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    for p in top_files {
        report.record(ItemError::new(req.input.join(&p), "not inside a class folder"))?;
    }
    unsupported.sort_by(|a, b| {
        (&class_names[a.0 as usize], a.1).cmp(&(&class_names[b.0 as usize], b.1)).then_with(|| a.2.split('/').cmp(b.2.split('/')))
    });
    for (_, _, p) in unsupported {
        report.record(ItemError::new(req.input.join(&p), "unsupported file type"))?;
    }
    if class_names.is_empty() {
        return Err(ConvertError::input(listing, "no labels found: expected paths `<class>/<file>` or `train|test/<class>/<file>`").into());
    }
    Ok((listed, class_names, split_layout))
}
