//! The learning-curve figure of SCORING.md §6, drawn with plotters as PNG and SVG.
//!
//! Text is rendered with an embedded DejaVu Sans (ab_glyph), so no system font library or
//! font file is needed at run time.

use std::path::PathBuf;
use std::sync::OnceLock;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::alc::{alc, curve_points, transform_time, AlcVariant, CurvePoint, T0};
use crate::error::{Error, Result};
use crate::score::ScoreReport;

/// Figure size in pixels: matplotlib's 7 × 7.07 inches at its default 100 dpi (spec §6).
pub const FIGURE_SIZE: (u32, u32) = (700, 707);

/// File name of the figure (spec §6).
pub fn figure_name(task: &str, extension: &str) -> String {
    format!("learning-curve-{task}.{extension}")
}

/// Lower and upper y limits of the axes (spec §6).
const Y_RANGE: (f64, f64) = (-0.01, 1.0);

// matplotlib's first two cycle colours: the curve, then the dashed continuation
const CURVE_BLUE: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const DASH_ORANGE: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const GRID_GREY: RGBColor = RGBColor(0xd9, 0xd9, 0xd9);

static DEJAVU_SANS: &[u8] = include_bytes!("font/DejaVuSans.ttf");

/// Registers the embedded font under plotters' "sans-serif" family once per process.
pub(crate) fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::ScoreOutput {
            path: PathBuf::from("font/DejaVuSans.ttf"),
            message: "the embedded font could not be parsed".into(),
        })
    }
}

/// Points in chart coordinates (transformed time, score).
type Points = Vec<(f64, f64)>;

/// Text in the embedded font at `size` pixels, anchored at (`h`, `v`) of its box.
pub(crate) fn text_style(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font()).pos(Pos::new(h, v))
}

/// What the figure shows: the task, its budget and the curve points within the budget.
#[derive(Debug, Clone, PartialEq)]
pub struct LearningCurveFigure {
    pub task: String,
    pub time_budget: f64,
    /// Points sorted by time, predictions after T left out (spec §6).
    pub points: Vec<CurvePoint>,
    /// ALC of `points` (the legend).
    pub alc: f64,
}

impl LearningCurveFigure {
    /// The figure for `points` (any order, late ones included: they are dropped here).
    pub fn new(task: &str, time_budget: f64, points: &[CurvePoint]) -> Self {
        let mut points = curve_points(points, time_budget, AlcVariant::ClipAtBudget);
        points.sort_by(|a, b| a.time.total_cmp(&b.time));
        let alc = alc(&points, time_budget, AlcVariant::ClipAtBudget);
        LearningCurveFigure { task: task.to_string(), time_budget, points, alc }
    }

    pub fn from_report(report: &ScoreReport) -> Self {
        Self::new(&report.task, report.time_budget, &report.curve())
    }

    /// Real-time ticks of the top axis: 10, 60, 300, 600, 1200 s, then every 1800 s, up to T.
    pub fn top_ticks(&self) -> Vec<u64> {
        let mut ticks = vec![10, 60, 300, 600, 1200];
        ticks.extend((1800..=self.time_budget as u64).step_by(1800));
        ticks.retain(|&t| t as f64 <= self.time_budget);
        ticks
    }

    /// The step ("post") polyline from (0, 0) through every point, without the tail to x = 1.
    fn step_line(&self) -> Vec<(f64, f64)> {
        let mut line = vec![(0.0, 0.0)];
        let mut y = 0.0;
        for p in &self.points {
            let x = transform_time(p.time, self.time_budget);
            line.push((x, clamp_y(y)));
            y = p.score;
            line.push((x, clamp_y(y)));
        }
        line
    }

    /// The step line, the area under the whole step function (flat to x = 1) and the last
    /// score as drawn (clamped to the axes).
    fn curve_shapes(&self) -> (Points, Points, f64) {
        let line = self.step_line();
        let last = clamp_y(self.last_score());
        let mut area = line.clone();
        area.push((1.0, last));
        (line, area, last)
    }

    fn last_score(&self) -> f64 {
        self.points.last().map_or(0.0, |p| p.score)
    }

    /// The figure as PNG bytes.
    pub fn png(&self) -> Result<Vec<u8>> {
        self.render_png(FIGURE_SIZE, |root| self.draw(root))
    }

    /// `draw` on a `size` bitmap, encoded as PNG.
    fn render_png(
        &self,
        (w, h): (u32, u32),
        draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> std::result::Result<(), DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>>,
    ) -> Result<Vec<u8>> {
        register_font()?;
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            draw(&root).map_err(|e| self.error("png", e.to_string()))?;
            root.present().map_err(|e| self.error("png", e.to_string()))?;
        }
        let image = image::RgbImage::from_raw(w, h, rgb)
            .ok_or_else(|| self.error("png", "pixel buffer has the wrong size".into()))?;
        let mut png = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| self.error("png", e.to_string()))?;
        Ok(png)
    }

    /// The figure as an SVG document.
    pub fn svg(&self) -> Result<String> {
        register_font()?;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, FIGURE_SIZE).into_drawing_area();
            self.draw(&root).map_err(|e| self.error("svg", e.to_string()))?;
            root.present().map_err(|e| self.error("svg", e.to_string()))?;
        }
        Ok(svg)
    }

    fn error(&self, extension: &str, message: String) -> Error {
        Error::ScoreOutput { path: PathBuf::from(figure_name(&self.task, extension)), message }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let (width, _) = root.dim_in_pixel();
        root.draw(&Text::new(
            format!("Learning curve for task: {}", self.task),
            (width as i32 / 2, 12),
            text_style(17, HPos::Center, VPos::Top),
        ))?;
        // top margin holds the title and the real-time tick labels; right margin the final score
        let plot_area = root.margin(62, 10, 10, 60);
        let mut chart = ChartBuilder::on(&plot_area)
            .x_label_area_size(55)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..1f64, Y_RANGE.0..Y_RANGE.1)?;
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(11)
            .x_label_formatter(&|x| format!("{x:.1}"))
            .y_label_formatter(&|y| format!("{y:.1}"))
            .bold_line_style(GRID_GREY)
            .light_line_style(TRANSPARENT)
            .x_desc(format!(
                "Transformed time: log(1 + t/t0) / log(1 + T/t0)   (T = {}, t0 = {})",
                self.time_budget as i64, T0 as i64
            ))
            .y_desc("score (2 * AUC - 1)")
            .label_style(("sans-serif", 13))
            .axis_desc_style(("sans-serif", 14))
            .draw()?;

        // top axis: real time in seconds at transformed positions (spec §6)
        let top_left = chart.backend_coord(&(0.0, Y_RANGE.1));
        let top_right = chart.backend_coord(&(1.0, Y_RANGE.1));
        let bottom_right = chart.backend_coord(&(1.0, Y_RANGE.0));
        root.draw(&PathElement::new(vec![top_left, top_right, bottom_right], BLACK))?;
        for t in self.top_ticks() {
            let (px, py) = chart.backend_coord(&(transform_time(t as f64, self.time_budget), Y_RANGE.1));
            root.draw(&PathElement::new(vec![(px, py), (px, py - 5)], BLACK))?;
            root.draw(&Text::new(
                t.to_string(),
                (px, py - 7),
                text_style(13, HPos::Center, VPos::Bottom),
            ))?;
        }

        let (line, area, last) = self.curve_shapes();
        chart.draw_series(AreaSeries::new(area, 0.0, CYAN.filled()))?;
        chart
            .draw_series(LineSeries::new(line.clone(), CURVE_BLUE.stroke_width(2)))?
            .label(format!("ALC={:.4}", self.alc))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], CURVE_BLUE.stroke_width(2)));
        let mut markers = vec![(0.0, 0.0)];
        markers.extend(
            self.points
                .iter()
                .map(|p| (transform_time(p.time, self.time_budget), clamp_y(p.score))),
        );
        chart.draw_series(markers.iter().map(|&c| Circle::new(c, 3, CURVE_BLUE.filled())))?;
        let tail_start = *line.last().expect("the step line starts at the origin");
        chart.draw_series(DashedLineSeries::new(
            vec![tail_start, (1.0, last)],
            6,
            4,
            DASH_ORANGE.stroke_width(2),
        ))?;
        let (sx, sy) = chart.backend_coord(&(1.0, last));
        root.draw(&Text::new(
            format!("{:.4}", self.last_score()),
            (sx + 3, sy),
            text_style(13, HPos::Left, VPos::Bottom),
        ))?;
        draw_legend(&mut chart, BLACK, 14)
    }
}

/// Size of the report's figure, drawn large and shown at [`REPORT_FIGURE_SHOWN`] pixels wide so
/// its text stays sharp.
pub const REPORT_FIGURE_SIZE: (u32, u32) = (1000, 560);
/// Width at which report.html shows the figure.
pub const REPORT_FIGURE_SHOWN: u32 = 800;
/// The light fill of the area under the curve (the ALC) in the report's figure.
const AREA_FILL: RGBColor = RGBColor(0xd6, 0xe6, 0xf5);

/// Real-time ticks for the report's log-scaled axis: round numbers of seconds up to `budget`,
/// the budget itself last, none closer than `min_gap` (transformed units) to its neighbour.
pub fn report_ticks(budget: f64, min_gap: f64) -> Vec<f64> {
    const NICE: [f64; 16] = [1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0, 14_400.0, 28_800.0];
    let mut ticks = vec![0.0];
    for t in NICE.iter().copied().filter(|&t| t < budget) {
        let last = *ticks.last().expect("starts with 0");
        if transform_time(t, budget) - transform_time(last, budget) >= min_gap
            && transform_time(budget, budget) - transform_time(t, budget) >= min_gap
        {
            ticks.push(t);
        }
    }
    ticks.push(budget);
    ticks
}

/// "45 s", "2 min", "1.5 h": a tick label.
fn seconds_label(t: f64) -> String {
    if t < 120.0 {
        format!("{} s", crate::python_float(t.round()).trim_end_matches(".0"))
    } else if t < 7200.0 {
        format!("{} min", crate::python_float((t / 60.0 * 10.0).round() / 10.0).trim_end_matches(".0"))
    } else {
        format!("{} h", crate::python_float((t / 3600.0 * 10.0).round() / 10.0).trim_end_matches(".0"))
    }
}

impl LearningCurveFigure {
    /// The report's figure, made to be read at a glance: real seconds on a labelled log-scaled
    /// time axis, NAUC on the other, large text, and the area under the curve (the ALC)
    /// lightly shaded. The challenge's figure ([`LearningCurveFigure::png`]) stays in `scores/`.
    pub fn report_png(&self) -> Result<Vec<u8>> {
        self.render_png(REPORT_FIGURE_SIZE, |root| self.draw_for_report(root))
    }

    fn draw_for_report<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let plot_area = root.margin(20, 30, 20, 20);
        let mut chart = ChartBuilder::on(&plot_area)
            .x_label_area_size(80)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..1f64, Y_RANGE.0..Y_RANGE.1)?;
        let ticks = report_ticks(self.time_budget, 0.07);
        // the x axis is drawn by hand below: its ticks are round seconds, not round fractions
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .y_label_formatter(&|y| format!("{y:.1}"))
            .bold_line_style(GRID_GREY)
            .light_line_style(TRANSPARENT)
            .y_desc("NAUC (2·AUC − 1)")
            .label_style(("sans-serif", 22))
            .axis_desc_style(("sans-serif", 24))
            .draw()?;
        for &t in &ticks {
            let x = transform_time(t, self.time_budget);
            chart.draw_series(LineSeries::new(vec![(x, Y_RANGE.0), (x, Y_RANGE.1)], GRID_GREY))?;
            let (px, py) = chart.backend_coord(&(x, Y_RANGE.0));
            root.draw(&PathElement::new(vec![(px, py), (px, py + 6)], BLACK))?;
            root.draw(&Text::new(
                seconds_label(t),
                (px, py + 9),
                text_style(22, HPos::Center, VPos::Top),
            ))?;
        }
        let (left, bottom) = chart.backend_coord(&(0.0, Y_RANGE.0));
        let (right, _) = chart.backend_coord(&(1.0, Y_RANGE.0));
        root.draw(&Text::new(
            "time since the start (log scale)",
            ((left + right) / 2, bottom + 44),
            text_style(24, HPos::Center, VPos::Top),
        ))?;

        let (line, area, last) = self.curve_shapes();
        chart
            .draw_series(AreaSeries::new(area, 0.0, AREA_FILL.filled()))?
            .label(format!("area under the curve: ALC {:.4}", self.alc))
            .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 24, y + 8)], AREA_FILL.filled()));
        chart
            .draw_series(LineSeries::new(line.clone(), CURVE_BLUE.stroke_width(3)))?
            .label("NAUC of the latest prediction")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], CURVE_BLUE.stroke_width(3)));
        chart.draw_series(self.points.iter().map(|p| {
            Circle::new((transform_time(p.time, self.time_budget), clamp_y(p.score)), 5, CURVE_BLUE.filled())
        }))?;
        let tail_start = *line.last().expect("the step line starts at the origin");
        chart.draw_series(LineSeries::new(vec![tail_start, (1.0, last)], CURVE_BLUE.stroke_width(3)))?;
        draw_legend(&mut chart, GRID_GREY, 22)
    }
}

/// The legend in the lower right corner, on a nearly opaque white box.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    border: RGBColor,
    font_size: u32,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(border)
        .label_font(("sans-serif", font_size))
        .draw()
}

/// Keeps drawn values inside the axes (a score below −0.01 is off the visible range).
fn clamp_y(y: f64) -> f64 {
    y.clamp(Y_RANGE.0, Y_RANGE.1)
}

#[cfg(test)]
mod report_figure_tests {
    use super::*;

    #[test]
    fn report_ticks_are_round_seconds_ending_at_the_budget() {
        assert_eq!(report_ticks(300.0, 0.07), vec![0.0, 10.0, 20.0, 60.0, 120.0, 300.0]);
        let ticks = report_ticks(1200.0, 0.07);
        assert_eq!(ticks.first(), Some(&0.0));
        assert_eq!(ticks.last(), Some(&1200.0));
        for w in ticks.windows(2) {
            assert!(transform_time(w[1], 1200.0) - transform_time(w[0], 1200.0) >= 0.07, "{ticks:?}");
        }
        assert_eq!(seconds_label(5.0), "5 s");
        assert_eq!(seconds_label(300.0), "5 min");
        assert_eq!(seconds_label(5400.0), "90 min");
        assert_eq!(seconds_label(9000.0), "2.5 h");
    }

    #[test]
    fn report_figure_is_a_light_shaded_png() {
        let points = [CurvePoint { time: 3.0, score: 0.6 }, CurvePoint { time: 40.0, score: 0.85 }];
        let fig = LearningCurveFigure::new("demo", 300.0, &points);
        let png = fig.report_png().unwrap();
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!((img.width(), img.height()), REPORT_FIGURE_SIZE);
        let fill = img.pixels().filter(|p| p.0 == [0xd6, 0xe6, 0xf5]).count();
        assert!(fill > 20_000, "shaded area has {fill} pixels");
        assert_eq!(img.pixels().filter(|p| p.0 == [0, 255, 255]).count(), 0, "no bright cyan");
    }
}
