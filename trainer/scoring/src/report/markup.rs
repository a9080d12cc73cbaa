//! Small pieces of markup every section of `report.html` shares: inline pictures, shares,
//! class labels and shortened text.

use base64::Engine as _;
use formats::inspect::Inspection;
use maud::{Markup, PreEscaped};

/// A `data:` URI holding PNG bytes.
pub fn png_data_uri(png: &[u8]) -> String {
    format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png))
}

/// A share with four decimals, `-` when undefined.
pub(crate) fn ratio(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{v:.4}"))
}

/// An SVG that plotters drew, inlined in the page.
pub(super) fn inline_svg(svg: &str) -> Markup {
    // markup we made ourselves (plotters escapes the text it writes)
    PreEscaped(svg.to_string())
}

pub(super) fn class_label(insp: &Inspection, j: usize) -> String {
    match insp.label_names.get(j) {
        Some(n) if !n.is_empty() => format!("{j}: {n}"),
        _ => format!("{j}"),
    }
}

pub(super) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}
