//! Python's float printing for the files the reference programs write: `repr(float)` for
//! `scores.txt`, `start.txt` and `end.txt`, `'{:g}'` for prediction files. The one float
//! printer shared by scoring and ingestion.

/// Python's `str(float)` / `repr(float)`: shortest round-trip digits (ties between two
/// shortest candidates go to the correctly rounded one, as in Python), fixed notation for
/// decimal exponents in [−4, 16) with `.0` on integral values, else `1e-05` / `1.5e+16`.
pub fn python_float(x: f64) -> String {
    if let Some(text) = special(x, "0.0") {
        return text;
    }
    // Rust's shortest digits may end on the upper of two equally near candidates; the
    // correctly rounded (half-even) string of the same length is what Python prints.
    let shortest = format!("{:e}", x.abs());
    let (mantissa, _) = shortest.split_once('e').expect("`{:e}` always has an exponent");
    let n_digits = mantissa.chars().filter(|c| c.is_ascii_digit()).count();
    let rounded = format!("{:.*e}", n_digits - 1, x.abs());
    let chosen = if rounded.parse::<f64>() == Ok(x.abs()) { rounded } else { shortest };
    let (mantissa, exponent) = chosen.split_once('e').expect("`{:e}` always has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if x < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let body = if exponent >= 0 {
            let point = exponent as usize + 1;
            if digits.len() <= point {
                format!("{digits}{}.0", "0".repeat(point - digits.len()))
            } else {
                format!("{}.{}", &digits[..point], &digits[point..])
            }
        } else {
            format!("0.{}{digits}", "0".repeat((-exponent - 1) as usize))
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{first}{fraction}e{exp_sign}{:02}", exponent.abs())
    }
}

/// A list of floats as Python's `repr` prints it: `[0.5, 0.8]`.
pub fn python_list(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(|&v| python_float(v)).collect();
    format!("[{}]", items.join(", "))
}

/// Python's `'{:g}'.format(x)`: 6 significant digits, fixed notation when the decimal
/// exponent is in [−4, 6), scientific otherwise, trailing zeros removed (spec §1.2).
pub fn format_g(x: f64) -> String {
    const PRECISION: i32 = 6;
    if let Some(text) = special(x, "0") {
        return text;
    }
    // Round to 6 significant digits first: the exponent after rounding picks the notation.
    let sci = format!("{:.*e}", (PRECISION - 1) as usize, x);
    let (mantissa, exponent) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    if (-4..PRECISION).contains(&exponent) {
        let decimals = (PRECISION - 1 - exponent) as usize;
        strip_trailing_zeros(&format!("{:.*}", decimals, x))
    } else {
        let mantissa = strip_trailing_zeros(mantissa);
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

fn strip_trailing_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// Python's text for NaN, ±infinity and ±0 (`zero` is how that format writes 0).
fn special(x: f64, zero: &str) -> Option<String> {
    if x.is_nan() {
        Some("nan".into())
    } else if x.is_infinite() {
        Some(if x > 0.0 { "inf".into() } else { "-inf".into() })
    } else if x == 0.0 {
        Some(if x.is_sign_negative() { format!("-{zero}") } else { zero.into() })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_printers_match_python() {
        // x, Python 3 `repr(x)`, Python 3 `'{:g}'.format(x)`
        let cases: &[(f64, &str, &str)] = &[
            (1200.0, "1200.0", "1200"),
            (20.0, "20.0", "20"),
            (1557923830.3012087, "1557923830.3012087", "1.55792e+09"),
            (0.1, "0.1", "0.1"),
            (1e-5, "1e-05", "1e-05"),
            (0.0001, "0.0001", "0.0001"),
            (1e16, "1e+16", "1e+16"),
            (0.0, "0.0", "0"),
            (12.345, "12.345", "12.345"),
            (-0.5, "-0.5", "-0.5"),
            (1e22, "1e+22", "1e+22"),
            (1.5e-7, "1.5e-07", "1.5e-07"),
            (123456789012345.0, "123456789012345.0", "1.23457e+14"),
            // Exactly halfway between two 17-digit candidates: Python rounds half to even.
            (1795949400.75390625, "1795949400.7539062", "1.79595e+09"),
            (1.0, "1.0", "1"),
            (0.5, "0.5", "0.5"),
            (0.00102994, "0.00102994", "0.00102994"),
            (0.00012345678, "0.00012345678", "0.000123457"),
            (123456.0, "123456.0", "123456"),
            (1234567.0, "1234567.0", "1.23457e+06"),
            (999999.5, "999999.5", "1e+06"),
            (0.1f32 as f64, "0.10000000149011612", "0.1"),
            (0.7310585786300049, "0.7310585786300049", "0.731059"),
            (-2.5, "-2.5", "-2.5"),
            (1e100, "1e+100", "1e+100"),
            (3.0e-7, "3e-07", "3e-07"),
            (0.99999999, "0.99999999", "1"),
        ];
        for (x, repr, g) in cases {
            assert_eq!(python_float(*x), *repr, "python_float({x:e})");
            assert_eq!(format_g(*x), *g, "format_g({x:e})");
        }
    }
}
