//! Class and feature names written one per line (`<name>_label.name`, `<name>_feat.name`):
//! a name may hold any byte its source allows (folder names that are not UTF-8, CSV cells with
//! a newline), so it is escaped to exactly one line, and the written names must stay distinct
//! (issue 22: two non-UTF-8 folders became one class; a newline shifted every later name).

use std::fmt::Write;

/// A file-system name as text, lossless: `\` becomes `\\`, bytes that are not UTF-8 and
/// control characters become `\xHH`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => escape_char(&mut out, c),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

fn escape_char(out: &mut String, c: char) {
    if (c as u32) < 0x100 {
        let _ = write!(out, "\\x{:02x}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    }
}

/// `name` on one line: control characters (newline, tab, …) become `\xHH`; the rest is kept.
pub fn one_line(name: &str) -> String {
    if !name.chars().any(char::is_control) {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        if c.is_control() {
            escape_char(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// The text of a names file: each name on its own line ([`one_line`]). `Err` names the first
/// pair that the escaping leaves equal (1-based lines).
pub fn name_lines<S: AsRef<str>>(names: &[S]) -> Result<String, String> {
    let mut seen = std::collections::HashMap::new();
    let mut text = String::new();
    for (i, n) in names.iter().enumerate() {
        let line = one_line(n.as_ref());
        if let Some(first) = seen.insert(line.clone(), i + 1) {
            return Err(format!("names on lines {first} and {} are the same once written ({line:?})", i + 1));
        }
        text.push_str(&line);
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_is_one_line_and_keeps_names_apart() {
        assert_eq!(escape_bytes(b"n\xffu"), "n\\xffu");
        assert_ne!(escape_bytes(b"n\xffu"), escape_bytes(b"n\xfeu"));
        assert_eq!(escape_bytes(b"a\\b\nc"), "a\\\\b\\x0ac");
        assert_eq!(one_line("two\nlines\t"), "two\\x0alines\\x09");
        assert_eq!(one_line("caf\u{e9}"), "caf\u{e9}");
        let text = name_lines(&["a\nb", "c"]).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(name_lines(&["a\nb", "a\\x0ab"]).unwrap_err().contains("lines 1 and 2"));
    }
}
