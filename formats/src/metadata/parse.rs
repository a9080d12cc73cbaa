//! The strict `metadata.textproto` parser (§4.3): tokenizer, field grammar, C escapes, and
//! `DataSpec::parse` / `read` with their notes and field positions for the validator.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};

use super::literals::{parse_integer, unescape_c};
use super::*;

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
            Err(self.unexpected(format!("expected '{p}'")))
        }
    }

    /// "`expected`, found <the current token>" at the current token.
    fn unexpected(&self, expected: impl AsRef<str>) -> Error {
        self.error_here(format!("{}, found {}", expected.as_ref(), self.describe()))
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
            return Err(self.unexpected(format!("{field}: expected an integer")));
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
                return Err(self.unexpected(format!("{field}: expected true or false")))
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
        let format = format.ok_or_else(|| self.unexpected("format: expected DENSE, SPARSE or COMPRESSED (or 0, 1, 2)"))?;
        self.advance()?;
        Ok(format)
    }

    /// One or more adjacent string literals, concatenated and decoded as UTF-8.
    fn string(&mut self, field: &str) -> Result<String> {
        let first = self.token;
        if first.kind != Kind::Str {
            return Err(self.unexpected(format!("{field}: expected a quoted string")));
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
            return Err(self.unexpected("expected a field name"));
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
            Err(self.unexpected("expected '{' or '<'"))
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
