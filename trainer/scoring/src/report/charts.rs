//! The report's small charts, drawn by plotters' SVG backend into a string that the page
//! inlines: the class balance bars of the Dataset section and the waveform of an audio example
//! (one function for the examples and for the Data quality section).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::plot::{register_font, text_style};

/// Bar colour of the first, second and third subset (legend order).
pub const SUBSET_COLOURS: [RGBColor; 3] = [RGBColor(0x1a, 0x4d, 0x8f), RGBColor(0xe8, 0x83, 0x3a), RGBColor(0x4c, 0xaf, 0x50)];
const WAVE: RGBColor = RGBColor(0x1a, 0x4d, 0x8f);
const WAVE_BACKGROUND: RGBColor = RGBColor(0xf4, 0xf7, 0xfb);

/// Size of an example's waveform in the samples section.
pub const WAVEFORM_SIZE: (u32, u32) = (300, 60);
/// Size of a waveform beside a duplicate pair or a suspect label.
pub const SMALL_WAVEFORM_SIZE: (u32, u32) = (120, 40);

/// Pixel sizes of the class balance chart.
struct BalanceLayout {
    /// Class names left of the bars, the bars, the counts right of them.
    label_w: u32,
    bars_w: u32,
    counts_w: u32,
    /// One subset's bar, and the gap between two classes.
    bar_h: u32,
    group_gap: u32,
    /// The legend above the bars and the count axis below them.
    legend_h: u32,
    axis_h: u32,
}

const BALANCE: BalanceLayout = BalanceLayout { label_w: 180, bars_w: 600, counts_w: 80, bar_h: 12, group_gap: 6, legend_h: 26, axis_h: 30 };

type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// What `draw` puts on an SVG of `size` pixels, as markup for the page.
fn svg(size: (u32, u32), draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Drawn) -> Result<String, String> {
    register_font().map_err(|e| e.to_string())?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        draw(&root).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    // HTML needs no XML namespace on an inline <svg>, and the page must not name any URL
    Ok(out.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1))
}

/// Min/max envelope of `samples` (non-finite ones left out) at `size` pixels: a band filled
/// between the upper and lower edges, one column per pixel, scaled to the loudest sample.
pub fn waveform(samples: &[f32], size: (u32, u32)) -> Result<String, String> {
    let finite: Vec<f32> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    svg(size, |root| {
        root.fill(&WAVE_BACKGROUND)?;
        if finite.is_empty() {
            let style = text_style(12, HPos::Left, VPos::Center);
            return root.draw(&Text::new("no samples", (4, size.1 as i32 / 2), style));
        }
        let peak = f64::from(finite.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-9));
        let columns = (size.0 as usize).min(finite.len()).max(1);
        let (mut upper, mut lower) = (Vec::with_capacity(columns), Vec::with_capacity(columns));
        for k in 0..columns {
            let a = k * finite.len() / columns;
            let b = ((k + 1) * finite.len() / columns).max(a + 1);
            let (lo, hi) = finite[a..b].iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            upper.push((k as f64, f64::from(hi) / peak));
            lower.push((k as f64, f64::from(lo) / peak));
        }
        let mut chart = ChartBuilder::on(root).margin(2).build_cartesian_2d(0f64..(columns - 1).max(1) as f64, -1f64..1f64)?;
        let band: Vec<(f64, f64)> = upper.iter().chain(lower.iter().rev()).copied().collect();
        chart.draw_series(std::iter::once(Polygon::new(band, WAVE.mix(0.35).filled())))?;
        chart.draw_series(LineSeries::new(upper, WAVE.stroke_width(1)))?;
        chart.draw_series(LineSeries::new(lower, WAVE.stroke_width(1)))?;
        Ok(())
    })
}

/// One subset's bars: its name (with where the counts come from) and a count per class.
pub struct SubsetCounts<'a> {
    pub name: String,
    pub counts: &'a [u64],
}

/// Horizontal bars, a group per class (`labels`, top to bottom, short enough for 180 px) with one bar per subset in
/// [`SUBSET_COLOURS`], the count written after each bar and a legend above.
pub fn class_balance(labels: &[String], subsets: &[SubsetCounts<'_>]) -> Result<String, String> {
    let b = &BALANCE;
    let group_h = b.bar_h * subsets.len() as u32 + b.group_gap;
    let size = (b.label_w + b.bars_w + b.counts_w, b.legend_h + group_h * labels.len() as u32 + b.axis_h);
    let max = subsets.iter().flat_map(|s| s.counts.iter().take(labels.len()).copied()).max().unwrap_or(0).max(1);
    svg(size, |root| {
        root.fill(&WHITE)?;
        // plotters writes an SVG font size of size / 1.24: these come out at 12 and 10 px
        let small = |h: HPos| text_style(15, h, VPos::Center);
        for (k, sub) in subsets.iter().enumerate() {
            let x = (b.label_w + 140 * k as u32) as i32;
            root.draw(&Rectangle::new([(x, 4), (x + 12, 16)], SUBSET_COLOURS[k % 3].filled()))?;
            root.draw(&Text::new(sub.name.clone(), (x + 16, 10), small(HPos::Left)))?;
        }
        let area = root.margin(b.legend_h, 0, 0, 0);
        let rows = labels.len() as f64;
        let mut chart = ChartBuilder::on(&area)
            .margin_right(b.counts_w)
            .set_label_area_size(LabelAreaPosition::Left, b.label_w)
            .set_label_area_size(LabelAreaPosition::Bottom, b.axis_h)
            .build_cartesian_2d(0f64..max as f64, 0f64..rows)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(5)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .bold_line_style(RGBColor(0xe0, 0xe0, 0xe0))
            .light_line_style(TRANSPARENT)
            .label_style(("sans-serif", 13))
            .draw()?;
        // a class is one unit of the y axis, its bars stacked from the top of that unit
        let (pad, bar) = (b.group_gap as f64 / 2.0 / group_h as f64, b.bar_h as f64 / group_h as f64);
        for (j, label) in labels.iter().enumerate() {
            let top = rows - j as f64;
            let (lx, ly) = chart.backend_coord(&(0.0, top - 0.5));
            root.draw(&Text::new(label.as_str(), (lx - 6, ly), small(HPos::Right)))?;
            for (k, sub) in subsets.iter().enumerate() {
                let count = sub.counts.get(j).copied().unwrap_or(0);
                let y0 = top - pad - bar * k as f64;
                let colour = SUBSET_COLOURS[k % 3];
                chart.draw_series(std::iter::once(Rectangle::new([(0.0, y0), (count as f64, y0 - bar)], colour.filled())))?;
                let (cx, cy) = chart.backend_coord(&(count as f64, y0 - bar / 2.0));
                let text = text_style(13, HPos::Left, VPos::Center);
                root.draw(&Text::new(count.to_string(), (cx + 4, cy), text))?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `points` of every `<polyline>`/`<polygon>` of an SVG, as (x, y) pairs.
    fn shapes(svg: &str, tag: &str) -> Vec<Vec<(i32, i32)>> {
        svg.match_indices(&format!("<{tag} "))
            .map(|(at, _)| {
                let rest = &svg[at..];
                let start = rest.find("points=\"").unwrap() + "points=\"".len();
                let points = &rest[start..start + rest[start..].find('"').unwrap()];
                points
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn waveform_is_a_band_between_its_peaks() {
        let samples: Vec<f32> = (0..1000).map(|i| (i as f32 / 20.0).sin()).collect();
        let svg = waveform(&samples, WAVEFORM_SIZE).unwrap();
        assert!(svg.starts_with("<svg width=\"300\" height=\"60\"") && !svg.contains("http"), "{svg}");
        let band = shapes(&svg, "polygon");
        assert_eq!(band.len(), 1, "one filled band");
        assert_eq!(band[0].len(), 600, "upper and lower edge, a point per column");
        let edges = shapes(&svg, "polyline");
        assert_eq!(edges.len(), 2, "upper and lower edges drawn");
        // the loudest samples reach the top and bottom margins (2 px)
        let ys: Vec<i32> = band[0].iter().map(|p| p.1).collect();
        assert!(*ys.iter().min().unwrap() <= 3 && *ys.iter().max().unwrap() >= 56, "{ys:?}");
        // the small size used beside duplicates and suspects is the same drawing
        let small = waveform(&samples, SMALL_WAVEFORM_SIZE).unwrap();
        assert!(small.starts_with("<svg width=\"120\" height=\"40\""));
        assert_eq!(shapes(&small, "polygon")[0].len(), 240);
        assert!(waveform(&[f32::NAN], WAVEFORM_SIZE).unwrap().contains("no samples"));
    }

    #[test]
    fn class_balance_draws_a_bar_per_class_and_subset() {
        let labels: Vec<String> = ["0: cat", "1: dog <b>", "2"].iter().map(|s| s.to_string()).collect();
        let (train, test) = ([8u64, 3, 0], [2u64, 1, 1]);
        let subsets = [SubsetCounts { name: "train (labels)".into(), counts: &train }, SubsetCounts { name: "test (solution)".into(), counts: &test }];
        let svg = class_balance(&labels, &subsets).unwrap();
        assert!(!svg.contains("http"), "no namespace URL left");
        // a bar per class and the legend's box, in each subset's colour
        for (k, expected) in [(0, 4), (1, 4)] {
            let c = SUBSET_COLOURS[k];
            let fill = format!("fill=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
            assert_eq!(svg.matches(&fill).count(), expected, "{fill} in {svg}");
        }
        assert!(svg.contains("1: dog &lt;b&gt;") && svg.contains("train (labels)"), "{svg}");
        // the longest bar is the largest count; the widths follow the counts
        let widths: Vec<i32> = svg
            .split("<rect ")
            .filter(|r| r.contains("fill=\"#1A4D8F\""))
            .map(|r| r[r.find("width=\"").unwrap() + 7..].split('"').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(widths[0], 12, "legend box first");
        assert!(widths[1] > widths[2] && widths[2] > widths[3] && widths[3] == 0, "{widths:?}");
    }
}
