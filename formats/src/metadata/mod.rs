//! `metadata.textproto`: a strict parser and a printer following the reference writer (§4).
//!
//! CONTRACT (shared with other modules):
//! - `DataSpec::parse(text, path) -> Result<DataSpec>`: names in any order, `#` comments,
//!   single/double quotes, C escapes, legacy files without `sequence_size`/`num_channels`;
//!   an unknown field is `Error::Metadata` with line and column.
//! - `DataSpec::to_textproto(&self) -> String`: reference writer line order and key quoting
//!   (§4.4, with the C1 caution).
//! - `DataSpec::read(path)` / `write(path)` helpers.
//! - `DataSpec::parse_with_notes` / `read_with_notes`: also non-fatal notes (deprecated
//!   `is_sparse`, repeated map key) and the 1-based position of every field, for the validator.
//! - `quote_key` (the printer's key quoting), `vocab_key_escape` / `vocab_key_unescape` (the
//!   first of the two escapings of text vocabulary keys, §5.4; the text converter applies it).
//!
//! Key quoting follows Python's `repr()`, whose notion of printable characters comes from a
//! table generated from Python 3.11 (`formats/tests/py/gen_printable_table.py`).

/// `MatrixSpec.Format` (§4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Format {
    Dense,
    Sparse,
    Compressed,
}

/// `autodl.MatrixSpec`. Absent optional fields keep their proto defaults; the `*_present`
/// flags of [`DataSpec`] record what the file actually said, for legacy warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixSpec {
    pub col_count: i32,
    pub row_count: i32,
    pub is_sequence_col: bool,
    pub is_sequence_row: bool,
    pub has_locality_col: bool,
    pub has_locality_row: bool,
    pub is_sparse: bool,
    pub format: Format,
    /// −1 = unspecified ⇒ 3 for COMPRESSED, 1 otherwise.
    pub num_channels: i32,
    /// False when the file had no `num_channels` line (legacy). `Default` sets it true; the
    /// printer omits the line only when this is false and the value is the default −1.
    pub num_channels_present: bool,
}

impl Default for MatrixSpec {
    fn default() -> Self {
        MatrixSpec {
            col_count: 0,
            row_count: 0,
            is_sequence_col: false,
            is_sequence_row: false,
            has_locality_col: false,
            has_locality_row: false,
            is_sparse: false,
            format: Format::Dense,
            num_channels: -1,
            // A spec built in code is written with every line, as the reference writer does.
            num_channels_present: true,
        }
    }
}

impl MatrixSpec {
    /// `num_channels` with −1 resolved as the reference reader does.
    pub fn effective_channels(&self) -> i32 {
        if self.num_channels > 0 {
            self.num_channels
        } else if self.format == Format::Compressed {
            3
        } else {
            1
        }
    }
}

/// `autodl.DataSpecification`. Maps keep file order (the printer writes them in this order;
/// readers must not rely on it).
#[derive(Debug, Clone, PartialEq)]
pub struct DataSpec {
    pub matrix_spec: Vec<MatrixSpec>,
    pub is_sequence: bool,
    pub output_dim: i32,
    pub label_to_index_map: Vec<(String, i32)>,
    pub feature_to_index_map: Vec<(String, i32)>,
    pub channel_to_index_map: Vec<(String, i32)>,
    /// Proto default 1; −1 = variable.
    pub sequence_size: i32,
    /// False when the file had no `sequence_size` line (legacy). `Default` sets it true; the
    /// printer omits the line only when this is false and the value is the default 1.
    pub sequence_size_present: bool,
    pub sample_count: i64,
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec {
            matrix_spec: vec![],
            is_sequence: false,
            output_dim: 0,
            label_to_index_map: vec![],
            feature_to_index_map: vec![],
            channel_to_index_map: vec![],
            sequence_size: 1,
            sequence_size_present: true,
            sample_count: 0,
        }
    }
}

mod python_printable;

use std::fmt::Write as _;
use std::path::Path;

use crate::error::{Error, Result};

/// A non-fatal observation made while parsing (for the validator): 1-based position, a
/// stable code and a one-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataNote {
    pub line: usize,
    pub column: usize,
    pub code: &'static str,
    pub message: String,
}

/// Note code: the deprecated `is_sparse` field was given (§4.1).
pub const NOTE_DEPRECATED_IS_SPARSE: &str = "MD_DEPRECATED_IS_SPARSE";
/// Note code: a map key given in two entries; the later value won (§4.3).
pub const NOTE_DUPLICATE_MAP_KEY: &str = "MD_DUPLICATE_MAP_KEY";

/// Where a field was found in the text (1-based), e.g. `output_dim`, `matrix_spec[0].col_count`,
/// `label_to_index_map[3]` (entry index in file order, counting every entry block).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldLocation {
    pub field: String,
    pub line: usize,
    pub column: usize,
}

/// The result of [`DataSpec::parse_with_notes`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDataSpec {
    pub spec: DataSpec,
    pub notes: Vec<MetadataNote>,
    pub fields: Vec<FieldLocation>,
}

impl Format {
    /// The enum value name used in the text format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Dense => "DENSE",
            Format::Sparse => "SPARSE",
            Format::Compressed => "COMPRESSED",
        }
    }

    /// The enum number (§4.1).
    pub fn number(self) -> i32 {
        match self {
            Format::Dense => 0,
            Format::Sparse => 1,
            Format::Compressed => 2,
        }
    }

    pub fn from_number(n: i64) -> Option<Format> {
        match n {
            0 => Some(Format::Dense),
            1 => Some(Format::Sparse),
            2 => Some(Format::Compressed),
            _ => None,
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "DENSE" => Some(Format::Dense),
            "SPARSE" => Some(Format::Sparse),
            "COMPRESSED" => Some(Format::Compressed),
            _ => None,
        }
    }
}

impl DataSpec {
    /// The text the current reference writer produces (§4.4): header lines, one
    /// `matrix_spec` block per spec, label map blocks, an empty line, channel map blocks, an
    /// empty line. Lines the reference never writes appear only when they carry information:
    /// `sequence_size`/`num_channels` are left out only for legacy specs (`*_present` false
    /// and default value), `is_sparse` only when true, `feature_to_index_map` blocks (never
    /// written by reference tools) after the label maps when non-empty.
    pub fn to_textproto(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = writeln!(out, "is_sequence: {}", self.is_sequence);
        let _ = writeln!(out, "sample_count: {}", self.sample_count);
        if self.sequence_size_present || self.sequence_size != 1 {
            let _ = writeln!(out, "sequence_size: {}", self.sequence_size);
        }
        let _ = writeln!(out, "output_dim: {}", self.output_dim);
        for m in &self.matrix_spec {
            out.push_str("matrix_spec {\n");
            let _ = writeln!(out, "  col_count: {}", m.col_count);
            let _ = writeln!(out, "  row_count: {}", m.row_count);
            if m.num_channels_present || m.num_channels != -1 {
                let _ = writeln!(out, "  num_channels: {}", m.num_channels);
            }
            let _ = writeln!(out, "  is_sequence_col: {}", m.is_sequence_col);
            let _ = writeln!(out, "  is_sequence_row: {}", m.is_sequence_row);
            let _ = writeln!(out, "  has_locality_col: {}", m.has_locality_col);
            let _ = writeln!(out, "  has_locality_row: {}", m.has_locality_row);
            if m.is_sparse {
                out.push_str("  is_sparse: true\n");
            }
            let _ = writeln!(out, "  format: {}", m.format.name());
            out.push_str("}\n");
        }
        write_map(&mut out, "label_to_index_map", &self.label_to_index_map);
        write_map(&mut out, "feature_to_index_map", &self.feature_to_index_map);
        out.push('\n');
        write_map(&mut out, "channel_to_index_map", &self.channel_to_index_map);
        out.push('\n');
        out
    }

    /// Writes [`DataSpec::to_textproto`] to `path` (the caller owns atomicity).
    pub fn write(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_textproto()).map_err(|e| Error::io(path, e))
    }
}

fn write_map(out: &mut String, name: &str, entries: &[(String, i32)]) {
    for (key, value) in entries {
        let _ = write!(
            out,
            "{name} {{\n  key: {}\n  value: {value}\n}}\n",
            quote_key(key)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Key quoting (§4.4) and vocabulary escaping (§5.4)

/// Python's `str.isprintable` for one character.
fn python_printable(c: char) -> bool {
    let cp = c as u32;
    if cp < 0x80 {
        return (0x20..0x7f).contains(&cp);
    }
    let table = &python_printable::NON_PRINTABLE;
    // Index of the first range whose end is >= cp.
    let i = table.partition_point(|&(_, end)| end < cp);
    !(i < table.len() && table[i].0 <= cp)
}

/// Python `repr(s)`: returns the chosen quote and the escaped body. With `protobuf_safe`,
/// characters repr would write as `\xHH` with HH >= 0x80 become octal-escaped UTF-8 bytes,
/// which protobuf reads back as the same character (§4.4 Caution).
fn python_repr_parts(s: &str, protobuf_safe: bool) -> (char, String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut body = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        let cp = c as u32;
        match c {
            '\\' => body.push_str("\\\\"),
            c if c == quote => {
                body.push('\\');
                body.push(c);
            }
            '\t' => body.push_str("\\t"),
            '\n' => body.push_str("\\n"),
            '\r' => body.push_str("\\r"),
            _ if cp < 0x20 || cp == 0x7f => {
                let _ = write!(body, "\\x{cp:02x}");
            }
            _ if cp < 0x7f => body.push(c),
            _ if python_printable(c) => body.push(c),
            _ if cp <= 0xff => {
                if protobuf_safe {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(body, "\\{b:03o}");
                    }
                } else {
                    let _ = write!(body, "\\x{cp:02x}");
                }
            }
            _ if cp <= 0xffff => {
                let _ = write!(body, "\\u{cp:04x}");
            }
            _ => {
                let _ = write!(body, "\\U{cp:08x}");
            }
        }
    }
    (quote, body)
}

/// A map key as the reference writer quotes it (Python `repr`), made protobuf-safe for
/// U+0080..U+00A0 and U+00AD (§4.4 Caution).
pub fn quote_key(key: &str) -> String {
    let (quote, body) = python_repr_parts(key, true);
    let mut out = String::with_capacity(body.len() + 2);
    out.push(quote);
    out.push_str(&body);
    out.push(quote);
    out
}

/// Python `repr(token)` without the surrounding quotes: the first of the two escapings
/// the text converter applies to vocabulary keys (spec §5.4). The map printer applies the
/// second one.
pub fn vocab_key_escape(token: &str) -> String {
    python_repr_parts(token, false).1
}

/// Undo [`vocab_key_escape`] with Python string-literal rules (spec §5.4): `\\ \' \" \a \b
/// \f \n \r \t \v`, octal `\ooo`, `\xhh`, `\uxxxx`, `\Uxxxxxxxx`, backslash-newline. An
/// unknown or malformed escape is kept literally (as Python keeps `\q`).
pub fn vocab_key_unescape(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let mut out = String::with_capacity(key.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 == chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let e = chars[i + 1];
        let simple = match e {
            '\\' => Some('\\'),
            '\'' => Some('\''),
            '"' => Some('"'),
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            i += 2;
            continue;
        }
        if e == '\n' {
            i += 2;
            continue;
        }
        if ('0'..='7').contains(&e) {
            let mut value = 0u32;
            let mut j = i + 1;
            while j < chars.len() && j < i + 4 && ('0'..='7').contains(&chars[j]) {
                value = value * 8 + (chars[j] as u32 - '0' as u32);
                j += 1;
            }
            // At most 0o777 = 511, always a valid scalar value.
            out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
            i = j;
            continue;
        }
        let digits = match e {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => 0,
        };
        if digits > 0 && i + 2 + digits <= chars.len() {
            let hex: String = chars[i + 2..i + 2 + digits].iter().collect();
            if hex.chars().all(|h| h.is_ascii_hexdigit()) {
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                    i += 2 + digits;
                    continue;
                }
            }
        }
        out.push('\\');
        i += 1;
    }
    out
}

// The strict textproto parser and DataSpec::parse/read (§4.3), and its literals.
mod literals;
mod parse;
