//! Literals of the protobuf text format (§4.3): integers (decimal, hex, octal, binary) and
//! the C escapes of string bodies.

/// Integer literal as protobuf's Python text parser reads it: optional sign, then decimal,
/// `0x` hex, `0o` or leading-`0` octal, `0b` binary.
pub(super) fn parse_integer(text: &str) -> Option<i64> {
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
pub(super) fn unescape_c(body: &str, out: &mut Vec<u8>) -> std::result::Result<(), (usize, String)> {
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
