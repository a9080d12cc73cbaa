//! Text corpora in the layouts the converter understands, read as a stream of documents:
//! - **files**: one document per `.txt` file, labelled by class folders or a `labels.csv`
//!   (spec §1.5, read by [`converters_common::labels::discover`]);
//! - **table**: one document per row of a CSV/TSV file or per line of a JSONL file, with a
//!   text column and a label column (a JSONL label may be a list: multilabel);
//! - **AutoNLP** (spec §1.5): `<n>/<n>.data/{meta.json, train.data, test.data,
//!   train.solution}` + `<n>/<n>.solution`, one document per line, split given.
//!
//! The first pass ([`Corpus::scan`]) reads every document once to find labels and bad
//! documents (invalid UTF-8, empty); later passes stream the texts again.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use converters_common::labels::{discover, DataFiles, LabeledInput, Labels};
use converters_common::{ItemError, SkipReport, Subset};

use crate::error::{Result, TextError};

/// Longest document accepted (bytes); a longer one is a bad input.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// Most classes a corpus may define (AutoNLP `class_num`, solution row width): every test
/// record gets a `.solution` row this wide, so a hostile count must not size the output.
pub const MAX_CLASSES: usize = 100_000;

/// Which of a table's fields hold the text and the label.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableColumns {
    pub text: String,
    pub label: String,
    /// CSV delimiter; `,` (or tab for `.tsv`) when `None`.
    pub delimiter: Option<u8>,
}

impl Default for TableColumns {
    fn default() -> Self {
        TableColumns { text: "text".into(), label: "label".into(), delimiter: None }
    }
}

#[derive(Debug, Clone)]
pub enum Layout {
    Files(LabeledInput),
    Csv { path: PathBuf, delimiter: u8, columns: TableColumns },
    Jsonl { path: PathBuf, columns: TableColumns },
    AutoNlp(AutoNlp),
}

/// The files of an AutoNLP dataset.
#[derive(Debug, Clone)]
pub struct AutoNlp {
    pub name: String,
    pub meta: PathBuf,
    pub train: DataFiles,
    pub test: DataFiles,
    /// `language` of meta.json (`EN`, `ZH`, or `CH` as the README says, spec §5.4).
    pub language: Option<String>,
    pub class_num: Option<usize>,
}

/// One usable document after the scan: its labels, forced subset, where it is.
#[derive(Debug, Clone)]
pub struct DocInfo {
    pub labels: Labels,
    pub forced: Option<Subset>,
}

/// The result of the first pass.
#[derive(Debug, Clone)]
pub struct Scan {
    pub docs: Vec<DocInfo>,
    /// Position of each usable document in the input stream (the stream counts bad ones too).
    pub stream_index: Vec<usize>,
    pub class_names: Option<Vec<String>>,
    pub output_dim: usize,
    /// Share of CJK characters among the letters seen (decides `chars` by default).
    pub cjk_share: f64,
    pub suggested_name: Option<String>,
    pub warnings: Vec<String>,
}

/// `path` below `root` with `/` separators (the file name when it is not below it).
pub fn relative_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.join("/")
}

/// A text corpus on disk.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub root: PathBuf,
    pub layout: Layout,
}

/// Where a document came from, for messages.
#[derive(Debug, Clone)]
pub struct DocPos {
    pub path: PathBuf,
    pub line: Option<usize>,
}

/// One document of the stream: its text, or why it cannot be used.
pub struct RawDoc {
    pub pos: DocPos,
    pub text: std::result::Result<String, String>,
    /// Label cell(s) as written, for table layouts; one-hot row for AutoNLP.
    pub label: RawLabel,
    pub forced: Option<Subset>,
}

pub enum RawLabel {
    /// Known already (files layout).
    Known(Labels),
    /// Class names (table layouts).
    Names(Vec<String>),
    /// A solution row (AutoNLP).
    Row(Vec<f64>),
    Missing,
}

impl Corpus {
    /// Recognises the layout of `input` (a folder or a file).
    pub fn open(input: &Path, columns: &TableColumns, report: &mut SkipReport) -> Result<Corpus> {
        if input.is_file() {
            let ext = input.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            let layout = match ext.as_str() {
                "jsonl" | "ndjson" => Layout::Jsonl { path: input.to_path_buf(), columns: columns.clone() },
                "csv" | "tsv" | "tab" | "txt" => {
                    let delimiter = columns.delimiter.unwrap_or(if ext == "csv" { b',' } else { b'\t' });
                    Layout::Csv { path: input.to_path_buf(), delimiter, columns: columns.clone() }
                }
                _ => {
                    return Err(TextError::input(
                        input,
                        "a text table must be .csv, .tsv or .jsonl (or give a folder)",
                    ))
                }
            };
            return Ok(Corpus { root: input.to_path_buf(), layout });
        }
        if let Some(a) = detect_autonlp(input)? {
            return Ok(Corpus { root: input.to_path_buf(), layout: Layout::AutoNlp(a) });
        }
        let accept = |p: &Path| {
            p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("txt"))
        };
        let labeled = discover(input, &accept, report)?;
        Ok(Corpus { root: input.to_path_buf(), layout: Layout::Files(labeled) })
    }

    /// Streams every document (usable or not) in input order.
    pub fn stream(&self) -> Result<Box<dyn Iterator<Item = Result<RawDoc>> + Send>> {
        match &self.layout {
            Layout::Files(input) => {
                let items = input.items.clone();
                Ok(Box::new(items.into_iter().map(|item| {
                    let text = read_document(&item.path)?;
                    Ok(RawDoc {
                        pos: DocPos { path: item.path.clone(), line: None },
                        text,
                        label: RawLabel::Known(item.labels.clone()),
                        forced: item.subset,
                    })
                })))
            }
            Layout::Csv { path, delimiter, columns } => csv_stream(path, *delimiter, columns),
            Layout::Jsonl { path, columns } => jsonl_stream(path, columns),
            Layout::AutoNlp(a) => autonlp_stream(a),
        }
    }

    /// First pass: labels, bad documents (to `report`), CJK share.
    pub fn scan(&self, report: &mut SkipReport) -> Result<Scan> {
        let mut docs = Vec::new();
        let mut stream_index = Vec::new();
        let mut names: HashMap<String, u32> = HashMap::new();
        let mut name_list: Vec<String> = Vec::new();
        // table layouts: provisional ids in first-appearance order, remapped at the end
        let mut provisional: Vec<Vec<u32>> = Vec::new();
        let (mut cjk, mut letters) = (0u64, 0u64);
        let mut max_row_width = 0usize;
        for (k, doc) in self.stream()?.enumerate() {
            let doc = doc?;
            let item = |reason: String| ItemError {
                path: doc.pos.path.clone(),
                line: doc.pos.line,
                reason,
            };
            let text = match &doc.text {
                Ok(t) => t,
                Err(reason) => {
                    report.record(item(reason.clone()))?;
                    continue;
                }
            };
            if text.trim().is_empty() {
                report.record(item("empty document: nothing to tokenize".into()))?;
                continue;
            }
            let labels = match doc.label {
                RawLabel::Known(l) => l,
                RawLabel::Names(ns) => {
                    let mut ids = Vec::new();
                    for n in ns {
                        let id = *names.entry(n.clone()).or_insert_with(|| {
                            name_list.push(n);
                            name_list.len() as u32 - 1
                        });
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                    provisional.push(ids);
                    Labels::default()
                }
                RawLabel::Row(row) if row.len() > MAX_CLASSES => {
                    report.record(item(format!("solution row has {} values, more than {MAX_CLASSES} classes", row.len())))?;
                    continue;
                }
                RawLabel::Row(row) => {
                    max_row_width = max_row_width.max(row.len());
                    Labels {
                        pairs: row
                            .iter()
                            .enumerate()
                            .filter(|(_, &v)| v != 0.0)
                            .map(|(i, &v)| (i as u32, v as f32))
                            .collect(),
                    }
                }
                RawLabel::Missing => {
                    report.record(item("no label".into()))?;
                    continue;
                }
            };
            // sample the first megabyte of letters for language detection
            if letters < 1 << 20 {
                for c in text.chars().filter(|c| c.is_alphabetic()) {
                    letters += 1;
                    if is_cjk(c) {
                        cjk += 1;
                    }
                }
            }
            docs.push(DocInfo { labels, forced: doc.forced });
            stream_index.push(k);
        }
        let mut warnings = Vec::new();
        let (class_names, output_dim, suggested_name) = match &self.layout {
            Layout::Files(input) => {
                warnings.extend(input.warnings.iter().cloned());
                (input.class_names.clone(), input.output_dim, input.private_name.clone())
            }
            Layout::Csv { .. } | Layout::Jsonl { .. } => {
                let order = converters_common::label_set::ClassOrder::new(&name_list);
                for (doc, ids) in docs.iter_mut().zip(&provisional) {
                    let mut classes: Vec<u32> = ids.iter().map(|&i| order.remap[i as usize]).collect();
                    classes.sort();
                    doc.labels = Labels { pairs: classes.into_iter().map(|c| (c, 1.0)).collect() };
                }
                let names = order.sorted_names(&name_list);
                let dim = names.len();
                (Some(names), dim, None)
            }
            Layout::AutoNlp(a) => {
                let dim = a.class_num.unwrap_or(max_row_width).max(max_row_width);
                let names_path = a.meta.parent().and_then(|d| d.parent()).map(|d| d.join(format!("{}_label.name", a.name)));
                let names = match names_path {
                    Some(p) if p.is_file() => {
                        let n = converters_common::labels::read_label_names(&p)?;
                        if n.len() == dim { Some(n) } else { None }
                    }
                    _ => None,
                };
                (names, dim, Some(a.name.clone()))
            }
        };
        if output_dim == 0 {
            return Err(TextError::input(&self.root, "no labelled document"));
        }
        let cjk_share = if letters > 0 { cjk as f64 / letters as f64 } else { 0.0 };
        Ok(Scan { docs, stream_index, class_names, output_dim, cjk_share, suggested_name, warnings })
    }

    /// The dataset name the input suggests: `private.info`'s name (files layout) or the
    /// AutoNLP folder name.
    pub fn suggested_name(&self) -> Option<String> {
        match &self.layout {
            Layout::Files(input) => input.private_name.clone(),
            Layout::AutoNlp(a) => Some(a.name.clone()),
            _ => None,
        }
    }

    /// `language` of an AutoNLP meta.json, upper-cased.
    pub fn declared_language(&self) -> Option<String> {
        match &self.layout {
            Layout::AutoNlp(a) => a.language.as_ref().map(|l| l.to_ascii_uppercase()),
            _ => None,
        }
    }
}

/// CJK ideographs, kana, hangul: characters a chars tokenizer should split one by one.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF
        | 0x3040..=0x30FF | 0xAC00..=0xD7AF)
}

/// A whole file as one document; invalid UTF-8 and oversize are document errors.
pub(crate) fn read_document(path: &Path) -> Result<std::result::Result<String, String>> {
    // Only regular files, read up to the size they had before reading (a FIFO would block).
    let bytes = match converters_common::read::read_bounded(path, MAX_DOCUMENT_BYTES as u64) {
        Ok(b) => b,
        Err(e) => return Ok(Err(e.reason)),
    };
    // A leading byte-order mark is an encoding marker, not part of the first word (issue 22).
    let bytes = match bytes.strip_prefix("\u{feff}".as_bytes()) {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    Ok(String::from_utf8(bytes).map_err(|e| utf8_reason(&e.into_bytes(), None)))
}

/// "invalid UTF-8 at line L, byte B" for a document's bytes.
fn utf8_reason(bytes: &[u8], base_line: Option<usize>) -> String {
    let at = std::str::from_utf8(bytes).err().map(|e| e.valid_up_to()).unwrap_or(0);
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + base_line.unwrap_or(1);
    format!("invalid UTF-8 at line {line}, byte {at} of the document")
}

fn csv_stream(path: &Path, delimiter: u8, columns: &TableColumns) -> Result<Box<dyn Iterator<Item = Result<RawDoc>> + Send>> {
    let file = File::open(path).map_err(|e| TextError::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(BufReader::new(file));
    let header = reader.headers().map_err(|e| TextError::input(path, format!("cannot read the CSV header: {e}")))?.clone();
    let find = |name: &str| {
        header.iter().position(|h| h.trim() == name).ok_or_else(|| {
            TextError::input(path, format!("no column named '{name}' (columns: {})", header.iter().collect::<Vec<_>>().join(", ")))
        })
    };
    // an empty label name reads documents without labels (new documents to predict)
    let (tc, lc) = (find(&columns.text)?, if columns.label.is_empty() { None } else { Some(find(&columns.label)?) });
    let width = header.len();
    let path = path.to_path_buf();
    let mut record = csv::ByteRecord::new();
    Ok(Box::new(std::iter::from_fn(move || {
        match reader.read_byte_record(&mut record) {
            Ok(false) => None,
            Err(e) => Some(Err(TextError::input(&path, format!("cannot read CSV: {e}")))),
            Ok(true) => {
                let line = record.position().map(|p| p.line() as usize);
                let pos = DocPos { path: path.clone(), line };
                if record.len() != width {
                    let reason = format!("ragged row: {} fields where the header has {width}", record.len());
                    return Some(Ok(RawDoc { pos, text: Err(reason), label: RawLabel::Missing, forced: None }));
                }
                let text = match std::str::from_utf8(&record[tc]) {
                    Ok(t) => Ok(t.to_string()),
                    Err(_) => Err(format!("column '{}': {}", header[tc].trim(), utf8_reason(&record[tc], line))),
                };
                let label = match lc.map(|lc| std::str::from_utf8(&record[lc]).map(str::trim)).unwrap_or(Ok("")) {
                    Ok("") => RawLabel::Missing,
                    Ok(l) => RawLabel::Names(vec![l.to_string()]),
                    Err(_) => RawLabel::Missing,
                };
                Some(Ok(RawDoc { pos, text, label, forced: None }))
            }
        }
    })))
}

fn jsonl_stream(path: &Path, columns: &TableColumns) -> Result<Box<dyn Iterator<Item = Result<RawDoc>> + Send>> {
    let file = File::open(path).map_err(|e| TextError::io(path, e))?;
    let mut lines = BoundedLines::new(BufReader::new(file));
    let path = path.to_path_buf();
    let columns = columns.clone();
    let mut line_no = 0usize;
    Ok(Box::new(std::iter::from_fn(move || loop {
        let line = match lines.next()? {
            Ok(line) => line,
            Err(e) => return Some(Err(TextError::io(&path, e))),
        };
        line_no += 1;
        let pos = DocPos { path: path.clone(), line: Some(line_no) };
        let doc = |text, label| Some(Ok(RawDoc { pos: pos.clone(), text, label, forced: None }));
        let buf = match line {
            Ok(buf) => buf,
            Err(len) => return doc(Err(format!("line of {len} bytes is longer than {MAX_DOCUMENT_BYTES} bytes")), RawLabel::Missing),
        };
        if buf.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let s = match std::str::from_utf8(&buf) {
            Ok(s) => s,
            Err(_) => return doc(Err(utf8_reason(&buf, Some(line_no))), RawLabel::Missing),
        };
        let value: serde_json::Value = match serde_json::from_str(s) {
            Ok(v) => v,
            Err(e) => return doc(Err(format!("not a JSON object: {e}")), RawLabel::Missing),
        };
        let text = match value.get(&columns.text) {
            Some(serde_json::Value::String(t)) => Ok(t.clone()),
            _ => Err(format!("no string field '{}'", columns.text)),
        };
        let label_name = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.trim().to_string()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        let label = match value.get(&columns.label) {
            Some(serde_json::Value::Array(items)) => {
                let names: Option<Vec<String>> = items.iter().map(label_name).collect();
                match names {
                    Some(n) if !n.is_empty() => RawLabel::Names(n),
                    _ => RawLabel::Missing,
                }
            }
            Some(v) => label_name(v).filter(|s| !s.is_empty()).map(|s| RawLabel::Names(vec![s])).unwrap_or(RawLabel::Missing),
            None => RawLabel::Missing,
        };
        return doc(text, label);
    })))
}

/// Finds `<n>.data/meta.json` in `input` (the dataset folder) or `input/meta.json` (the
/// `.data` folder itself).
fn detect_autonlp(input: &Path) -> Result<Option<AutoNlp>> {
    let (data_dir, dataset_dir) = if input.join("meta.json").is_file() {
        (input.to_path_buf(), input.parent().map(Path::to_path_buf).unwrap_or_default())
    } else {
        let mut found = None;
        if let Ok(entries) = std::fs::read_dir(input) {
            let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir() && p.extension().is_some_and(|e| e == "data") && p.join("meta.json").is_file()).collect();
            dirs.sort();
            found = dirs.into_iter().next();
        }
        match found {
            Some(d) => (d, input.to_path_buf()),
            None => return Ok(None),
        }
    };
    let name = data_dir
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.strip_suffix(".data").unwrap_or(n).to_string())
        .unwrap_or_else(|| "dataset".into());
    let meta = data_dir.join("meta.json");
    let text = std::fs::read_to_string(&meta).map_err(|e| TextError::io(&meta, e))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| TextError::input(&meta, format!("not JSON: {e}")))?;
    let language = json.get("language").and_then(|v| v.as_str()).map(str::to_string);
    let class_num = json.get("class_num").and_then(|v| v.as_u64()).map(|v| v as usize);
    if let Some(n) = class_num.filter(|&n| n > MAX_CLASSES) {
        return Err(TextError::input(&meta, format!("class_num {n} exceeds the limit of {MAX_CLASSES} classes")));
    }
    let need = |p: PathBuf| -> Result<PathBuf> {
        if p.is_file() { Ok(p) } else { Err(TextError::input(&data_dir, format!("AutoNLP layout: missing {}", p.display()))) }
    };
    let solution = [dataset_dir.join(format!("{name}.solution")), data_dir.join("test.solution")]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| TextError::input(&data_dir, format!("AutoNLP layout: no test labels ({name}.solution next to {name}.data, or test.solution inside it)")))?;
    Ok(Some(AutoNlp {
        train: DataFiles { data: need(data_dir.join("train.data"))?, solution: need(data_dir.join("train.solution"))? },
        test: DataFiles { data: need(data_dir.join("test.data"))?, solution },
        meta,
        language,
        class_num,
        name,
    }))
}

fn autonlp_stream(a: &AutoNlp) -> Result<Box<dyn Iterator<Item = Result<RawDoc>> + Send>> {
    let train = paired_lines(&a.train, Subset::Train)?;
    let test = paired_lines(&a.test, Subset::Test)?;
    Ok(Box::new(train.chain(test)))
}

/// Documents of a `.data` file with the matching `.solution` rows.
fn paired_lines(files: &DataFiles, subset: Subset) -> Result<impl Iterator<Item = Result<RawDoc>> + Send> {
    let DataFiles { data, solution } = files;
    let count = |p: &Path| -> Result<usize> {
        let f = File::open(p).map_err(|e| TextError::io(p, e))?;
        let mut n = 0;
        for chunk in BoundedLines::new(BufReader::new(f)) {
            let _line = chunk.map_err(|e| TextError::io(p, e))?;
            n += 1;
        }
        Ok(n)
    };
    let (nd, ns) = (count(data)?, count(solution)?);
    if nd != ns {
        return Err(TextError::input(data, format!("{nd} documents but {} has {ns} rows", solution.display())));
    }
    let d = BoundedLines::new(BufReader::new(File::open(data).map_err(|e| TextError::io(data, e))?));
    let s = BoundedLines::new(BufReader::new(File::open(solution).map_err(|e| TextError::io(solution, e))?));
    let (data, solution) = (data.to_path_buf(), solution.to_path_buf());
    Ok(d.zip(s).enumerate().map(move |(i, (d, s))| {
        let d = d.map_err(|e| TextError::io(&data, e))?;
        let s = s.map_err(|e| TextError::io(&solution, e))?;
        let line = i + 1;
        let text = match d {
            Ok(d) => String::from_utf8(d).map_err(|e| utf8_reason(&e.into_bytes(), Some(line))),
            Err(len) => Err(format!("line of {len} bytes is longer than {MAX_DOCUMENT_BYTES} bytes")),
        };
        let row: Option<Vec<f64>> = s
            .ok()
            .and_then(|s| String::from_utf8(s).ok())
            // NaN/inf are not label scores: such a row counts as no label.
            .and_then(|s| s.split_whitespace().map(|t| t.parse::<f64>().ok().filter(|v| v.is_finite())).collect());
        let label = match row {
            Some(r) if !r.is_empty() => RawLabel::Row(r),
            _ => RawLabel::Missing,
        };
        Ok(RawDoc { pos: DocPos { path: data.clone(), line: Some(line) }, text, label, forced: Some(subset) })
    }))
}

/// Lines of a reader without their `\n`, each held only up to [`MAX_DOCUMENT_BYTES`]: a longer
/// line is skipped to its end and reported as `Err(its length)`, so a file without newlines
/// cannot make the reader buffer it whole.
struct BoundedLines<R> {
    reader: R,
}

impl<R: BufRead> BoundedLines<R> {
    fn new(reader: R) -> Self {
        BoundedLines { reader }
    }
}

impl<R: BufRead> Iterator for BoundedLines<R> {
    type Item = std::io::Result<std::result::Result<Vec<u8>, u64>>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Vec::new();
        let mut total = 0u64;
        let mut started = false;
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Some(Err(e)),
            };
            if buf.is_empty() {
                if !started {
                    return None;
                }
                break;
            }
            started = true;
            let (chunk, used, end) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], i + 1, true),
                None => (buf, buf.len(), false),
            };
            total += chunk.len() as u64;
            if total <= MAX_DOCUMENT_BYTES as u64 {
                line.extend_from_slice(chunk);
            } else if !line.is_empty() {
                line = Vec::new();
            }
            self.reader.consume(used);
            if end {
                break;
            }
        }
        Some(Ok(if total > MAX_DOCUMENT_BYTES as u64 { Err(total) } else { Ok(line) }))
    }
}
