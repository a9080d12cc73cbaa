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

use std::collections::HashMap;
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
    /// Strict parse of `metadata.textproto` text; `path` only labels errors.
    ///
    /// Accepts what protobuf's text parser accepts for this schema (§4.3), with these
    /// deliberate differences: a non-repeated field given twice is an error (protobuf's
    /// `text_format.Parse` rejects it, `Merge` keeps the last); an unknown escape such as `\q`
    /// is an error (Python keeps it literally), `\?` means `?` (C); only ASCII whitespace
    /// separates tokens. A map key given twice keeps its first position with the later value,
    /// as a Python dict does, and yields a note.
    pub fn parse(text: &str, path: &Path) -> Result<DataSpec> {
        Ok(Self::parse_with_notes(text, path)?.spec)
    }

    /// Like [`DataSpec::parse`], also returning non-fatal notes and field positions.
    pub fn parse_with_notes(text: &str, path: &Path) -> Result<ParsedDataSpec> {
        let mut parser = Parser::new(text, path)?;
        let spec = parser.data_specification()?;
        Ok(ParsedDataSpec {
            spec,
            notes: parser.notes,
            fields: parser.fields,
        })
    }

    /// Reads and parses a `metadata.textproto` file. Bytes that are not UTF-8 give a
    /// metadata error at their position.
    pub fn read(path: &Path) -> Result<DataSpec> {
        Ok(Self::read_with_notes(path)?.spec)
    }

    /// [`DataSpec::read`] with notes and field positions.
    pub fn read_with_notes(path: &Path) -> Result<ParsedDataSpec> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => t,
            Err(e) => {
                let good = &bytes[..e.valid_up_to()];
                // valid_up_to() ends on a char boundary, so this cannot fail.
                let good = std::str::from_utf8(good).unwrap_or("");
                let (line, column) = line_column(good, good.len());
                return Err(Error::Metadata {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message: format!(
                        "file is not valid UTF-8 (byte {:#04x} at offset {})",
                        bytes[e.valid_up_to()],
                        e.valid_up_to()
                    ),
                });
            }
        };
        Self::parse_with_notes(text, path)
    }

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

// ---------------------------------------------------------------------------------------------
// Tokenizer (protobuf text format, §4.3)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Number,
    Str,
    Punct,
    End,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    line: usize,
    column: usize,
}

/// 1-based line and column (in characters) of byte offset `pos`.
fn line_column(text: &str, pos: usize) -> (usize, usize) {
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

struct Parser<'a> {
    text: &'a str,
    path: &'a Path,
    pos: usize,
    line: usize,
    column: usize,
    token: Token<'a>,
    notes: Vec<MetadataNote>,
    fields: Vec<FieldLocation>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-')
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, path: &'a Path) -> Result<Parser<'a>> {
        let mut p = Parser {
            text,
            path,
            pos: 0,
            line: 1,
            column: 1,
            token: Token {
                kind: Kind::End,
                text: "",
                line: 1,
                column: 1,
            },
            notes: Vec::new(),
            fields: Vec::new(),
        };
        p.advance()?;
        Ok(p)
    }

    fn error_at(&self, line: usize, column: usize, message: impl Into<String>) -> Error {
        Error::Metadata {
            path: self.path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    fn error_here(&self, message: impl Into<String>) -> Error {
        self.error_at(self.token.line, self.token.column, message)
    }

    /// Moves the cursor over `n` bytes that contain no newline.
    fn bump(&mut self, n: usize) {
        self.column += self.text[self.pos..self.pos + n].chars().count();
        self.pos += n;
    }

    /// Skips ASCII whitespace and `#` comments.
    fn skip_blank(&mut self) {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() {
            match bytes[self.pos] {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.column = 1;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.bump(1),
                b'#' => {
                    let end = self.text[self.pos..]
                        .find('\n')
                        .map_or(bytes.len(), |i| self.pos + i);
                    self.bump(end - self.pos);
                }
                _ => break,
            }
        }
    }

    /// Reads the next token into `self.token`.
    fn advance(&mut self) -> Result<()> {
        self.skip_blank();
        let bytes = self.text.as_bytes();
        let (line, column, start) = (self.line, self.column, self.pos);
        if start == bytes.len() {
            self.token = Token {
                kind: Kind::End,
                text: "",
                line,
                column,
            };
            return Ok(());
        }
        let b = bytes[start];
        let next = bytes.get(start + 1).copied();
        let kind = if is_ident_start(b) {
            Kind::Ident
        } else if b.is_ascii_digit()
            || b == b'+'
            || b == b'-'
            || (b == b'.' && next.is_some_and(|n| n.is_ascii_digit()))
        {
            Kind::Number
        } else if b == b'"' || b == b'\'' {
            Kind::Str
        } else {
            Kind::Punct
        };
        let mut end = start + 1;
        match kind {
            Kind::Ident => {
                while end < bytes.len() && is_word(bytes[end]) {
                    end += 1;
                }
            }
            Kind::Number => {
                while end < bytes.len() && (is_word(bytes[end]) || bytes[end] == b'.') {
                    end += 1;
                }
            }
            Kind::Str => loop {
                match bytes.get(end) {
                    None | Some(b'\n') => {
                        return Err(self.error_at(
                            line,
                            column,
                            "string is missing its closing quote",
                        ));
                    }
                    Some(&c) if c == b => {
                        end += 1;
                        break;
                    }
                    Some(b'\\') => {
                        // The escaped character may be multi-byte; a newline cannot be escaped.
                        match self.text[end + 1..].chars().next() {
                            None | Some('\n') => {
                                return Err(self.error_at(
                                    line,
                                    column,
                                    "string is missing its closing quote",
                                ));
                            }
                            Some(ch) => end += 1 + ch.len_utf8(),
                        }
                    }
                    Some(_) => end += 1,
                }
            },
            Kind::Punct => {
                let ch = self.text[start..].chars().next().unwrap_or('\0');
                if !"{}<>[]:,;".contains(ch) {
                    let shown = if ch.is_control() || !ch.is_ascii() {
                        format!("U+{:04X}", ch as u32)
                    } else {
                        format!("'{ch}'")
                    };
                    return Err(self.error_at(
                        line,
                        column,
                        format!("unexpected character {shown}"),
                    ));
                }
                end = start + ch.len_utf8();
            }
            Kind::End => {}
        }
        self.bump(end - start);
        self.token = Token {
            kind,
            text: &self.text[start..end],
            line,
            column,
        };
        Ok(())
    }

    fn at_punct(&self, p: &str) -> bool {
        self.token.kind == Kind::Punct && self.token.text == p
    }

    fn try_punct(&mut self, p: &str) -> Result<bool> {
        if self.at_punct(p) {
            self.advance()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn expect_punct(&mut self, p: &str) -> Result<()> {
        if self.try_punct(p)? {
            Ok(())
        } else {
            Err(self.error_here(format!("expected '{p}', found {}", self.describe())))
        }
    }

    fn describe(&self) -> String {
        match self.token.kind {
            Kind::End => "end of file".to_string(),
            _ => format!("'{}'", self.token.text),
        }
    }

    fn note(&mut self, line: usize, column: usize, code: &'static str, message: String) {
        self.notes.push(MetadataNote {
            line,
            column,
            code,
            message,
        });
    }

    // --- values -------------------------------------------------------------------------------

    /// An int32 value: decimal, `0x` hex, `0o`/leading-`0` octal, `0b` binary, optional sign.
    fn int32(&mut self, field: &str) -> Result<i32> {
        let tok = self.token;
        if tok.kind != Kind::Number {
            return Err(self.error_here(format!(
                "{field}: expected an integer, found {}",
                self.describe()
            )));
        }
        let value = parse_integer(tok.text).ok_or_else(|| {
            self.error_here(format!("{field}: cannot parse integer '{}'", tok.text))
        })?;
        let value = i32::try_from(value)
            .map_err(|_| self.error_here(format!("{field}: {} does not fit in int32", tok.text)))?;
        self.advance()?;
        Ok(value)
    }

    fn boolean(&mut self, field: &str) -> Result<bool> {
        let value = match self.token.text {
            "true" | "True" | "t" | "1" => true,
            "false" | "False" | "f" | "0" => false,
            _ => {
                return Err(self.error_here(format!(
                    "{field}: expected true or false, found {}",
                    self.describe()
                )))
            }
        };
        self.advance()?;
        Ok(value)
    }

    fn format(&mut self) -> Result<Format> {
        let tok = self.token;
        let format = match tok.kind {
            Kind::Ident => Format::from_name(tok.text),
            Kind::Number => parse_integer(tok.text).and_then(Format::from_number),
            _ => None,
        };
        let format = format.ok_or_else(|| {
            self.error_here(format!(
                "format: expected DENSE, SPARSE or COMPRESSED (or 0, 1, 2), found {}",
                self.describe()
            ))
        })?;
        self.advance()?;
        Ok(format)
    }

    /// One or more adjacent string literals, concatenated and decoded as UTF-8.
    fn string(&mut self, field: &str) -> Result<String> {
        let first = self.token;
        if first.kind != Kind::Str {
            return Err(self.error_here(format!(
                "{field}: expected a quoted string, found {}",
                self.describe()
            )));
        }
        let mut bytes = Vec::new();
        while self.token.kind == Kind::Str {
            let tok = self.token;
            let body = &tok.text[1..tok.text.len() - 1];
            unescape_c(body, &mut bytes).map_err(|(offset, msg)| {
                let column = tok.column + 1 + body[..offset].chars().count();
                self.error_at(tok.line, column, format!("{field}: {msg}"))
            })?;
            self.advance()?;
        }
        String::from_utf8(bytes).map_err(|e| {
            let bad = e.as_bytes()[e.utf8_error().valid_up_to()];
            self.error_at(
                first.line,
                first.column,
                format!(
                    "{field}: string is not valid UTF-8 after unescaping (byte {bad:#04x}); \
                     write such characters raw or as octal-escaped UTF-8, not \\xHH"
                ),
            )
        })
    }

    // --- messages -----------------------------------------------------------------------------

    /// The field name token; `Err` when it is not an identifier.
    fn field_name(&mut self) -> Result<Token<'a>> {
        let tok = self.token;
        if tok.kind != Kind::Ident {
            return Err(
                self.error_here(format!("expected a field name, found {}", self.describe()))
            );
        }
        self.advance()?;
        Ok(tok)
    }

    /// Rejects a second occurrence of a non-repeated field.
    fn once(
        &self,
        seen: &mut HashMap<&'a str, (usize, usize)>,
        message: &str,
        name: Token<'a>,
    ) -> Result<()> {
        if let Some(&(line, column)) = seen.get(name.text) {
            return Err(self.error_at(
                name.line,
                name.column,
                format!(
                    "{message} should not have multiple \"{}\" fields (first at {line}:{column})",
                    name.text
                ),
            ));
        }
        seen.insert(name.text, (name.line, name.column));
        Ok(())
    }

    /// Optional `,` or `;` after a field.
    fn separator(&mut self) -> Result<()> {
        if !self.try_punct(",")? {
            self.try_punct(";")?;
        }
        Ok(())
    }

    /// Opening `{` or `<`; returns the matching closer.
    fn open_block(&mut self) -> Result<&'static str> {
        if self.try_punct("{")? {
            Ok("}")
        } else if self.try_punct("<")? {
            Ok(">")
        } else {
            Err(self.error_here(format!("expected '{{' or '<', found {}", self.describe())))
        }
    }

    /// Value of a repeated message field after its name: `[: ] block` or `[: ] [block, …]`.
    fn repeated_message<F>(&mut self, mut one: F) -> Result<()>
    where
        F: FnMut(&mut Self) -> Result<()>,
    {
        self.try_punct(":")?;
        if self.try_punct("[")? {
            if self.try_punct("]")? {
                return Ok(());
            }
            loop {
                one(self)?;
                if self.try_punct("]")? {
                    return Ok(());
                }
                self.expect_punct(",")?;
            }
        }
        one(self)
    }

    fn data_specification(&mut self) -> Result<DataSpec> {
        let mut spec = DataSpec {
            sequence_size_present: false,
            ..DataSpec::default()
        };
        let mut seen = HashMap::new();
        // Entry blocks seen per map (label, feature, channel), for field locations.
        let mut entries = [0usize; 3];
        // Per map: key → its slot in the map, so a repeated key is found in O(1) (a vocabulary
        // of 20,000 words made a linear search quadratic, issue 22 item 7).
        let mut key_slots: [HashMap<String, usize>; 3] = Default::default();
        const MSG: &str = "Message type \"autodl.DataSpecification\"";
        while self.token.kind != Kind::End {
            let name = self.field_name()?;
            self.fields.push(FieldLocation {
                field: name.text.to_string(),
                line: name.line,
                column: name.column,
            });
            match name.text {
                "matrix_spec" => self.repeated_message(|p| {
                    let index = spec.matrix_spec.len();
                    let m = p.matrix_spec(index)?;
                    spec.matrix_spec.push(m);
                    Ok(())
                })?,
                "label_to_index_map" | "feature_to_index_map" | "channel_to_index_map" => {
                    let (map, count, keys) = match name.text {
                        "label_to_index_map" => (&mut spec.label_to_index_map, &mut entries[0], &mut key_slots[0]),
                        "feature_to_index_map" => (&mut spec.feature_to_index_map, &mut entries[1], &mut key_slots[1]),
                        _ => (&mut spec.channel_to_index_map, &mut entries[2], &mut key_slots[2]),
                    };
                    self.fields.pop();
                    self.repeated_message(|p| {
                        p.map_entry(name, *count, map, keys)?;
                        *count += 1;
                        Ok(())
                    })?;
                }
                "is_sequence" => {
                    self.once(&mut seen, MSG, name)?;
                    self.expect_punct(":")?;
                    spec.is_sequence = self.boolean(name.text)?;
                }
                "output_dim" => {
                    self.once(&mut seen, MSG, name)?;
                    self.expect_punct(":")?;
                    spec.output_dim = self.int32(name.text)?;
                }
                "sequence_size" => {
                    self.once(&mut seen, MSG, name)?;
                    self.expect_punct(":")?;
                    spec.sequence_size = self.int32(name.text)?;
                    spec.sequence_size_present = true;
                }
                "sample_count" => {
                    self.once(&mut seen, MSG, name)?;
                    self.expect_punct(":")?;
                    spec.sample_count = i64::from(self.int32(name.text)?);
                }
                _ => return Err(unknown_field(self, MSG, name)),
            }
            self.separator()?;
        }
        Ok(spec)
    }

    fn matrix_spec(&mut self, index: usize) -> Result<MatrixSpec> {
        let close = self.open_block()?;
        let mut m = MatrixSpec {
            num_channels_present: false,
            ..MatrixSpec::default()
        };
        let mut seen = HashMap::new();
        const MSG: &str = "Message type \"autodl.MatrixSpec\"";
        while !self.at_punct(close) {
            if self.token.kind == Kind::End {
                return Err(self.error_here(format!(
                    "expected '{close}' to close matrix_spec, found end of file"
                )));
            }
            let name = self.field_name()?;
            self.fields.push(FieldLocation {
                field: format!("matrix_spec[{index}].{}", name.text),
                line: name.line,
                column: name.column,
            });
            let known = matches!(
                name.text,
                "col_count"
                    | "row_count"
                    | "is_sequence_col"
                    | "is_sequence_row"
                    | "has_locality_col"
                    | "has_locality_row"
                    | "is_sparse"
                    | "format"
                    | "num_channels"
            );
            if !known {
                return Err(unknown_field(self, MSG, name));
            }
            self.once(&mut seen, MSG, name)?;
            self.expect_punct(":")?;
            match name.text {
                "col_count" => m.col_count = self.int32(name.text)?,
                "row_count" => m.row_count = self.int32(name.text)?,
                "num_channels" => {
                    m.num_channels = self.int32(name.text)?;
                    m.num_channels_present = true;
                }
                "is_sequence_col" => m.is_sequence_col = self.boolean(name.text)?,
                "is_sequence_row" => m.is_sequence_row = self.boolean(name.text)?,
                "has_locality_col" => m.has_locality_col = self.boolean(name.text)?,
                "has_locality_row" => m.has_locality_row = self.boolean(name.text)?,
                "is_sparse" => {
                    m.is_sparse = self.boolean(name.text)?;
                    self.note(
                        name.line,
                        name.column,
                        NOTE_DEPRECATED_IS_SPARSE,
                        "is_sparse is deprecated; `format` decides the storage kind (§4.1)".into(),
                    );
                }
                _ => m.format = self.format()?,
            }
            self.separator()?;
        }
        self.advance()?;
        Ok(m)
    }

    /// One `{ key: … value: … }` entry; missing key = "", missing value = 0 (protobuf).
    fn map_entry(
        &mut self,
        name: Token<'_>,
        index: usize,
        map: &mut Vec<(String, i32)>,
        slots: &mut HashMap<String, usize>,
    ) -> Result<()> {
        let (field, line, column) = (name.text, name.line, name.column);
        self.fields.push(FieldLocation {
            field: format!("{field}[{index}]"),
            line,
            column,
        });
        let close = self.open_block()?;
        let mut key = String::new();
        let mut value = 0;
        let mut seen = HashMap::new();
        let msg = format!(
            "Message type \"autodl.DataSpecification.{}Entry\"",
            entry_type_name(field)
        );
        while !self.at_punct(close) {
            if self.token.kind == Kind::End {
                return Err(self.error_here(format!(
                    "expected '{close}' to close {field}, found end of file"
                )));
            }
            let name = self.field_name()?;
            match name.text {
                "key" | "value" => {}
                _ => return Err(unknown_field(self, &msg, name)),
            }
            self.once(&mut seen, &msg, name)?;
            self.expect_punct(":")?;
            if name.text == "key" {
                key = self.string(&format!("{field}.key"))?;
            } else {
                value = self.int32(&format!("{field}.value"))?;
            }
            self.separator()?;
        }
        self.advance()?;
        if let Some(slot) = slots.get(&key).map(|&i| &mut map[i]) {
            let old = slot.1;
            slot.1 = value;
            self.note(
                line,
                column,
                NOTE_DUPLICATE_MAP_KEY,
                format!(
                    "{field}: key {} given again (value {old} replaced by {value})",
                    quote_key(&key)
                ),
            );
        } else {
            slots.insert(key.clone(), map.len());
            map.push((key, value));
        }
        Ok(())
    }
}

fn unknown_field(p: &Parser<'_>, message: &str, name: Token<'_>) -> Error {
    p.error_at(
        name.line,
        name.column,
        format!("{message} has no field named \"{}\"", name.text),
    )
}

/// `label_to_index_map` → `LabelToIndexMap` (protobuf's map entry type name).
fn entry_type_name(field: &str) -> String {
    field
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// Integer literal as protobuf's Python text parser reads it: optional sign, then decimal,
/// `0x` hex, `0o` or leading-`0` octal, `0b` binary.
fn parse_integer(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(h) = lower.strip_prefix("0x") {
        (16, h)
    } else if let Some(o) = lower.strip_prefix("0o") {
        (8, o)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// Decodes the C escapes of one string literal body into `out`. On error returns the byte
/// offset of the offending backslash and a message.
fn unescape_c(body: &str, out: &mut Vec<u8>) -> std::result::Result<(), (usize, String)> {
    let mut chars = body.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err((at, "string ends with a lone backslash".into()));
        };
        let simple = match e {
            'n' => Some(b'\n'),
            't' => Some(b'\t'),
            'r' => Some(b'\r'),
            'a' => Some(0x07),
            'b' => Some(0x08),
            'f' => Some(0x0c),
            'v' => Some(0x0b),
            '\\' => Some(b'\\'),
            '\'' => Some(b'\''),
            '"' => Some(b'"'),
            '?' => Some(b'?'),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        match e {
            '0'..='7' => {
                let mut value = e as u32 - '0' as u32;
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&(_, d @ '0'..='7')) => {
                            value = value * 8 + (d as u32 - '0' as u32);
                            chars.next();
                        }
                        _ => break,
                    }
                }
                let byte = u8::try_from(value)
                    .map_err(|_| (at, format!("octal escape \\{value:o} is above \\377")))?;
                out.push(byte);
            }
            'x' => {
                let mut value = 0u32;
                let mut n = 0;
                while n < 2 {
                    match chars.peek() {
                        Some(&(_, d)) if d.is_ascii_hexdigit() => {
                            value = value * 16 + d.to_digit(16).unwrap_or(0);
                            chars.next();
                            n += 1;
                        }
                        _ => break,
                    }
                }
                if n == 0 {
                    return Err((at, "\\x escape without hex digits".into()));
                }
                // At most two hex digits, so it fits a byte.
                out.push(value as u8);
            }
            'u' | 'U' => {
                let width = if e == 'u' { 4 } else { 8 };
                let mut value = 0u32;
                for _ in 0..width {
                    match chars.next() {
                        Some((_, d)) if d.is_ascii_hexdigit() => {
                            value = value.wrapping_mul(16) + d.to_digit(16).unwrap_or(0);
                        }
                        _ => {
                            return Err((at, format!("\\{e} escape needs {width} hex digits")));
                        }
                    }
                }
                let ch = char::from_u32(value).ok_or_else(|| {
                    (at, format!("\\{e}{value:0width$x} is not a Unicode scalar value (surrogate or too large)"))
                })?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            _ => return Err((at, format!("invalid escape sequence \\{e}"))),
        }
    }
    Ok(())
}
