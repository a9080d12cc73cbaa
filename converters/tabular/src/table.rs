//! Reading a table row by row, whatever its container: CSV/TSV (delimiter detected or given),
//! Parquet, Arrow IPC (file or stream). Every pass re-opens the file and streams it; no table
//! is ever held in memory.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};

use crate::error::{Result, TabularError};
use crate::header::{decide_header, positional_names, HeaderDecision, HeaderMode};
use crate::limits::{ARROW_BATCH_ROWS, MAX_COLUMNS, MAX_CSV_FIELD_BYTES, MAX_CSV_LINE_BYTES};

pub use crate::limits::MISSING_MARKERS;

/// One cell as the converter sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Missing,
    /// A value from a typed numeric (or boolean) column.
    Num(f64),
    /// Text (every CSV cell, string columns of Parquet/Arrow), trimmed.
    Text(&'a str),
}

impl<'a> Cell<'a> {
    fn from_text(s: &'a str) -> Cell<'a> {
        let t = s.trim();
        if MISSING_MARKERS.contains(&t) {
            Cell::Missing
        } else {
            Cell::Text(t)
        }
    }
}

/// Where a row came from, for messages: a CSV line or a Parquet/Arrow row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowPos {
    /// 1-based physical line where the CSV record starts.
    Line(u64),
    /// 1-based data row of a Parquet/Arrow file.
    Row(u64),
}

impl RowPos {
    /// The `line` of an [`converters_common::ItemError`] (CSV only).
    pub fn line(self) -> Option<usize> {
        match self {
            RowPos::Line(l) => Some(l as usize),
            RowPos::Row(_) => None,
        }
    }
    /// Text naming the position inside a reason, e.g. `row 12: `; empty for CSV lines
    /// (the line is already part of the report entry).
    pub fn prefix(self) -> String {
        match self {
            RowPos::Line(_) => String::new(),
            RowPos::Row(r) => format!("row {r}: "),
        }
    }
}

/// One data row handed to a pass.
pub struct RowRef<'a> {
    /// 0-based index among the data rows (header excluded); stable across passes.
    pub index: u64,
    pub pos: RowPos,
    /// Cells in column order; empty when `problem` is set.
    pub cells: &'a [Cell<'a>],
    /// Why the row cannot be used at all (ragged, oversized field, invalid UTF-8).
    pub problem: Option<String>,
}

/// The container of a table file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    Csv { delimiter: u8 },
    Parquet,
    ArrowFile,
    ArrowStream,
}

/// An opened (header/schema read, types checked) table file.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    pub kind: TableKind,
    pub columns: Vec<String>,
    /// For Parquet/Arrow: whether each column is typed numeric/boolean (vs text).
    pub typed_numeric: Vec<bool>,
    /// CSV: whether the first line names the columns (else they are `c0`, `c1`, …) and how
    /// that was decided; `None` for Parquet/Arrow (the schema names them).
    pub header: Option<HeaderDecision>,
}

impl Table {
    /// Opens `path`, detecting the container from its first bytes and extension; a CSV's
    /// first line is its header.
    pub fn open(path: &Path, delimiter: Option<u8>) -> Result<Table> {
        Table::open_with(path, delimiter, HeaderMode::Yes)
    }

    /// As [`Table::open`], with the CSV header given or detected per `header`.
    pub fn open_with(path: &Path, delimiter: Option<u8>, header: HeaderMode) -> Result<Table> {
        let kind = detect_kind(path, delimiter)?;
        match kind {
            TableKind::Csv { delimiter } => {
                let decision = match header {
                    HeaderMode::Auto => {
                        let head = read_head(path)?;
                        decide_header(header, &head, delimiter, head.len() == HEAD_BYTES)
                    }
                    _ => decide_header(header, &[], delimiter, false),
                };
                let mut reader = csv_reader(path, delimiter, true)?;
                let first = reader.byte_headers().map_err(|e| csv_error(path, e))?.clone();
                let columns = if decision.has_header {
                    let mut columns = Vec::with_capacity(first.len());
                    for (i, field) in first.iter().enumerate() {
                        let name = std::str::from_utf8(field).map_err(|_| {
                            TabularError::table(path, format!("header column {}: invalid UTF-8", i + 1))
                        })?;
                        columns.push(name.trim().to_string());
                    }
                    columns
                } else {
                    positional_names(first.len())
                };
                check_columns(path, &columns)?;
                let typed_numeric = vec![false; columns.len()];
                Ok(Table { path: path.to_path_buf(), kind, columns, typed_numeric, header: Some(decision) })
            }
            _ => {
                let schema = arrow_schema_of(path, kind)?;
                let mut columns = Vec::new();
                let mut typed_numeric = Vec::new();
                for field in schema.fields() {
                    typed_numeric.push(column_class(path, field.name(), field.data_type())?);
                    columns.push(field.name().clone());
                }
                check_columns(path, &columns)?;
                Ok(Table { path: path.to_path_buf(), kind, columns, typed_numeric, header: None })
            }
        }
    }

    fn has_header(&self) -> bool {
        self.header.as_ref().is_none_or(|h| h.has_header)
    }

    /// Streams every data row through `f`, in file order.
    pub fn for_each_row<F>(&self, mut f: F) -> Result<()>
    where
        F: FnMut(RowRef<'_>) -> Result<()>,
    {
        match self.kind {
            TableKind::Csv { delimiter } => self.csv_rows(delimiter, &mut f),
            _ => self.arrow_rows(&mut f),
        }
    }

    /// [`Table::for_each_row`] without the rows in `bad` (sorted row indices); `f` also gets
    /// the row's position among the rows kept.
    pub fn for_each_kept_row<F>(&self, bad: &[u64], mut f: F) -> Result<()>
    where
        F: FnMut(usize, RowRef<'_>) -> Result<()>,
    {
        let mut next_bad = bad.iter().peekable();
        let mut k = 0usize;
        self.for_each_row(|row| {
            if next_bad.peek() == Some(&&row.index) {
                next_bad.next();
                return Ok(());
            }
            k += 1;
            f(k - 1, row)
        })
    }

    fn csv_rows(&self, delimiter: u8, f: &mut dyn FnMut(RowRef<'_>) -> Result<()>) -> Result<()> {
        let path = &self.path;
        let mut reader = csv_reader(path, delimiter, self.has_header())?;
        if self.has_header() {
            reader.byte_headers().map_err(|e| csv_error(path, e))?;
        }
        let width = self.columns.len();
        let mut record = csv::ByteRecord::new();
        let mut index = 0u64;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(csv_error(path, e)),
            }
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let pos = RowPos::Line(line);
            // spec-free CSV rule: a blank line is not a row
            if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
                continue;
            }
            let mut problem = None;
            if record.len() != width {
                problem = Some(format!(
                    "ragged row: {} fields where the header has {}",
                    record.len(),
                    width
                ));
            }
            let mut cells: Vec<Cell<'_>> = Vec::with_capacity(width);
            if problem.is_none() {
                for (c, field) in record.iter().enumerate() {
                    if field.len() > MAX_CSV_FIELD_BYTES {
                        problem = Some(format!(
                            "column '{}': field of {} bytes exceeds the limit of {} bytes",
                            self.columns[c],
                            field.len(),
                            MAX_CSV_FIELD_BYTES
                        ));
                        break;
                    }
                    match std::str::from_utf8(field) {
                        Ok(s) => cells.push(Cell::from_text(s)),
                        Err(e) => {
                            problem = Some(format!(
                                "column '{}': invalid UTF-8 at byte {} of the field",
                                self.columns[c],
                                e.valid_up_to()
                            ));
                            break;
                        }
                    }
                }
            }
            if problem.is_some() {
                cells.clear();
            }
            f(RowRef { index, pos, cells: &cells, problem })?;
            index += 1;
        }
        Ok(())
    }

    fn arrow_rows(&self, f: &mut dyn FnMut(RowRef<'_>) -> Result<()>) -> Result<()> {
        let path = &self.path;
        let batches = open_batches(path, self.kind)?;
        let mut index = 0u64;
        for batch in batches {
            let batch = batch?;
            let views: Vec<ColumnView<'_>> = batch
                .columns()
                .iter()
                .zip(&self.columns)
                .map(|(a, name)| ColumnView::new(path, name, a))
                .collect::<Result<_>>()?;
            for row in 0..batch.num_rows() {
                let cells: Vec<Cell<'_>> = views.iter().map(|v| v.cell(row)).collect();
                let pos = RowPos::Row(index + 1);
                f(RowRef { index, pos, cells: &cells, problem: None })?;
                index += 1;
            }
        }
        Ok(())
    }
}

fn check_columns(path: &Path, columns: &[String]) -> Result<()> {
    if columns.is_empty() {
        return Err(TabularError::table(path, "no columns"));
    }
    if columns.len() > MAX_COLUMNS {
        return Err(TabularError::table(
            path,
            format!("{} columns, more than the limit of {MAX_COLUMNS}", columns.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for c in columns {
        if !seen.insert(c.as_str()) {
            return Err(TabularError::column(path, c, "duplicate column name"));
        }
    }
    Ok(())
}

/// Bytes read from the start of a file to detect its container, delimiter and header.
const HEAD_BYTES: usize = 64 * 1024;

fn read_head(path: &Path) -> Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    File::open(path)
        .and_then(|f| f.take(HEAD_BYTES as u64).read_to_end(&mut head))
        .map_err(|e| TabularError::io(path, e))?;
    Ok(head)
}

/// Parquet (`PAR1`), Arrow IPC file (`ARROW1`) or stream (continuation marker), else CSV.
pub fn detect_kind(path: &Path, delimiter: Option<u8>) -> Result<TableKind> {
    let head = read_head(path)?;
    if head.starts_with(b"PAR1") {
        return Ok(TableKind::Parquet);
    }
    if head.starts_with(b"ARROW1") {
        return Ok(TableKind::ArrowFile);
    }
    if head.starts_with(&[0xff, 0xff, 0xff, 0xff]) {
        return Ok(TableKind::ArrowStream);
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if matches!(ext.as_str(), "parquet" | "arrow" | "feather" | "ipc" | "arrows") {
        return Err(TabularError::table(path, format!("not a valid .{ext} file (bad magic bytes)")));
    }
    let delimiter = match delimiter {
        Some(d) => d,
        None => sniff_delimiter(&head, ext == "tsv" || ext == "tab"),
    };
    Ok(TableKind::Csv { delimiter })
}

/// Picks the candidate delimiter that splits the first lines into the same number (> 1) of
/// fields, preferring the most fields; quotes are honoured by a tiny scanner.
pub fn sniff_delimiter(head: &[u8], tab_hint: bool) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b'\t', b';', b'|'];
    // the last line of the sample may be cut in the middle
    let text = match head.iter().rposition(|&b| b == b'\n') {
        Some(end) if head.len() == 64 * 1024 => &head[..end],
        _ => head,
    };
    let lines: Vec<&[u8]> =
        text.split(|&b| b == b'\n').filter(|l| !l.is_empty()).take(20).collect();
    let mut best = (if tab_hint { b'\t' } else { b',' }, 0usize);
    for &d in &CANDIDATES {
        let counts: Vec<usize> = lines.iter().map(|l| count_unquoted(l, d)).collect();
        if let Some(&first) = counts.first() {
            if first > 0 && counts.iter().all(|&c| c == first) && first > best.1 {
                best = (d, first);
            }
        }
    }
    best.0
}

fn count_unquoted(line: &[u8], d: u8) -> usize {
    let mut in_quotes = false;
    let mut n = 0;
    for &b in line {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == d && !in_quotes {
            n += 1;
        }
    }
    n
}

fn csv_reader(path: &Path, delimiter: u8, has_header: bool) -> Result<csv::Reader<LineGuard<BufReader<File>>>> {
    let file = File::open(path).map_err(|e| TabularError::io(path, e))?;
    let guard = LineGuard { inner: BufReader::with_capacity(1 << 20, file), since_newline: 0, line: 1 };
    Ok(csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(has_header)
        .from_reader(guard))
}

fn csv_error(path: &Path, e: csv::Error) -> TabularError {
    // the line guard's error travels through csv as an io::Error
    if let csv::ErrorKind::Io(io) = e.kind() {
        if let Some(LineTooLong { line }) = io.get_ref().and_then(|r| r.downcast_ref()) {
            return TabularError::LineTooLong {
                path: path.to_path_buf(),
                line: *line,
                limit: MAX_CSV_LINE_BYTES,
            };
        }
    }
    let at = e.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
    TabularError::table(path, format!("{at}cannot read CSV: {e}"))
}

#[derive(Debug)]
struct LineTooLong {
    line: u64,
}
impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} longer than {} bytes", self.line, MAX_CSV_LINE_BYTES)
    }
}
impl std::error::Error for LineTooLong {}

/// Fails the read once a physical line exceeds [`MAX_CSV_LINE_BYTES`].
struct LineGuard<R> {
    inner: R,
    since_newline: usize,
    line: u64,
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.since_newline = 0;
                self.line += 1;
            } else {
                self.since_newline += 1;
                if self.since_newline > MAX_CSV_LINE_BYTES {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        LineTooLong { line: self.line },
                    ));
                }
            }
        }
        Ok(n)
    }
}

type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch>>>;

fn arrow_schema_of(path: &Path, kind: TableKind) -> Result<Arc<Schema>> {
    let file = File::open(path).map_err(|e| TabularError::io(path, e))?;
    match kind {
        TableKind::Parquet => {
            let builder =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .map_err(|e| TabularError::table(path, format!("cannot read Parquet: {e}")))?;
            Ok(builder.schema().clone())
        }
        TableKind::ArrowFile => {
            let r = arrow_ipc::reader::FileReader::try_new(BufReader::new(file), None)
                .map_err(|e| TabularError::table(path, format!("cannot read Arrow IPC file: {e}")))?;
            Ok(r.schema())
        }
        TableKind::ArrowStream => {
            let r = arrow_ipc::reader::StreamReader::try_new(BufReader::new(file), None).map_err(
                |e| TabularError::table(path, format!("cannot read Arrow IPC stream: {e}")),
            )?;
            Ok(r.schema())
        }
        TableKind::Csv { .. } => unreachable!("CSV has no Arrow schema"),
    }
}

fn open_batches(path: &Path, kind: TableKind) -> Result<BatchIter> {
    let file = File::open(path).map_err(|e| TabularError::io(path, e))?;
    let p = path.to_path_buf();
    let wrap = move |what: &'static str| {
        let p = p.clone();
        move |e: arrow_schema::ArrowError| TabularError::table(&p, format!("cannot read {what}: {e}"))
    };
    Ok(match kind {
        TableKind::Parquet => {
            let reader =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .and_then(|b| b.with_batch_size(ARROW_BATCH_ROWS).build())
                    .map_err(|e| TabularError::table(path, format!("cannot read Parquet: {e}")))?;
            Box::new(reader.map(move |b| b.map_err(wrap("Parquet"))))
        }
        TableKind::ArrowFile => {
            let r = arrow_ipc::reader::FileReader::try_new(BufReader::new(file), None)
                .map_err(wrap("Arrow IPC file"))?;
            Box::new(r.map(move |b| b.map_err(wrap("Arrow IPC file"))))
        }
        TableKind::ArrowStream => {
            let r = arrow_ipc::reader::StreamReader::try_new(BufReader::new(file), None)
                .map_err(wrap("Arrow IPC stream"))?;
            Box::new(r.map(move |b| b.map_err(wrap("Arrow IPC stream"))))
        }
        TableKind::Csv { .. } => unreachable!("CSV is read by csv_rows"),
    })
}

/// `true` for numeric/boolean columns, `false` for text; an error for types that cannot be
/// features (nested lists, structs, maps, binary, dates…).
fn column_class(path: &Path, name: &str, dt: &DataType) -> Result<bool> {
    use DataType::*;
    match dt {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Float32 | Float64
        | Boolean | Null => Ok(true),
        Utf8 | LargeUtf8 | Utf8View => Ok(false),
        Dictionary(_, value) if matches!(**value, Utf8 | LargeUtf8) => Ok(false),
        other => Err(TabularError::column(
            path,
            name,
            format!(
                "unsupported column type {other}: only numbers, booleans and strings can become \
                 features (drop the column with --drop-column)"
            ),
        )),
    }
}

/// A batch column downcast once, read cell by cell.
enum ColumnView<'a> {
    Null,
    F64(&'a arrow_array::Float64Array),
    F32(&'a arrow_array::Float32Array),
    I64(&'a arrow_array::Int64Array),
    I32(&'a arrow_array::Int32Array),
    I16(&'a arrow_array::Int16Array),
    I8(&'a arrow_array::Int8Array),
    U64(&'a arrow_array::UInt64Array),
    U32(&'a arrow_array::UInt32Array),
    U16(&'a arrow_array::UInt16Array),
    U8(&'a arrow_array::UInt8Array),
    Bool(&'a arrow_array::BooleanArray),
    Str(&'a arrow_array::StringArray),
    LargeStr(&'a arrow_array::LargeStringArray),
    StrView(&'a arrow_array::StringViewArray),
    /// Dictionary of strings: the array (for nulls), keys as usize, the value column.
    Dict(&'a dyn Array, Vec<usize>, Box<ColumnView<'a>>),
}

impl<'a> ColumnView<'a> {
    fn new(path: &Path, name: &str, a: &'a ArrayRef) -> Result<ColumnView<'a>> {
        Self::of(path, name, a.as_ref())
    }

    fn of(path: &Path, name: &str, a: &'a dyn Array) -> Result<ColumnView<'a>> {
        use DataType::*;
        Ok(match a.data_type() {
            Null => ColumnView::Null,
            Float64 => ColumnView::F64(a.as_primitive::<Float64Type>()),
            Float32 => ColumnView::F32(a.as_primitive::<Float32Type>()),
            Int64 => ColumnView::I64(a.as_primitive::<Int64Type>()),
            Int32 => ColumnView::I32(a.as_primitive::<Int32Type>()),
            Int16 => ColumnView::I16(a.as_primitive::<Int16Type>()),
            Int8 => ColumnView::I8(a.as_primitive::<Int8Type>()),
            UInt64 => ColumnView::U64(a.as_primitive::<UInt64Type>()),
            UInt32 => ColumnView::U32(a.as_primitive::<UInt32Type>()),
            UInt16 => ColumnView::U16(a.as_primitive::<UInt16Type>()),
            UInt8 => ColumnView::U8(a.as_primitive::<UInt8Type>()),
            Boolean => ColumnView::Bool(a.as_boolean()),
            Utf8 => ColumnView::Str(a.as_string::<i32>()),
            LargeUtf8 => ColumnView::LargeStr(a.as_string::<i64>()),
            Utf8View => ColumnView::StrView(a.as_string_view()),
            Dictionary(_, _) => {
                let dict = a.as_any_dictionary();
                let values: &'a dyn Array = dict.values().as_ref();
                let keys = if values.is_empty() { vec![0; a.len()] } else { dict.normalized_keys() };
                ColumnView::Dict(a, keys, Box::new(Self::of(path, name, values)?))
            }
            other => {
                return Err(TabularError::column(path, name, format!("unsupported column type {other}")))
            }
        })
    }

    fn cell(&self, i: usize) -> Cell<'a> {
        macro_rules! num {
            ($arr:expr) => {
                if $arr.is_null(i) {
                    Cell::Missing
                } else {
                    let v = $arr.value(i) as f64;
                    if v.is_nan() { Cell::Missing } else { Cell::Num(v) }
                }
            };
        }
        match self {
            ColumnView::Null => Cell::Missing,
            ColumnView::F64(a) => num!(a),
            ColumnView::F32(a) => num!(a),
            ColumnView::I64(a) => num!(a),
            ColumnView::I32(a) => num!(a),
            ColumnView::I16(a) => num!(a),
            ColumnView::I8(a) => num!(a),
            ColumnView::U64(a) => num!(a),
            ColumnView::U32(a) => num!(a),
            ColumnView::U16(a) => num!(a),
            ColumnView::U8(a) => num!(a),
            ColumnView::Bool(a) => {
                if a.is_null(i) {
                    Cell::Missing
                } else {
                    Cell::Num(if a.value(i) { 1.0 } else { 0.0 })
                }
            }
            ColumnView::Str(a) => {
                if a.is_null(i) { Cell::Missing } else { Cell::from_text(a.value(i)) }
            }
            ColumnView::LargeStr(a) => {
                if a.is_null(i) { Cell::Missing } else { Cell::from_text(a.value(i)) }
            }
            ColumnView::StrView(a) => {
                if a.is_null(i) { Cell::Missing } else { Cell::from_text(a.value(i)) }
            }
            ColumnView::Dict(a, keys, values) => {
                if a.is_null(i) { Cell::Missing } else { values.cell(keys[i]) }
            }
        }
    }
}
