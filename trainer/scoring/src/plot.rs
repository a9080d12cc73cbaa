//! The learning-curve figure of SCORING.md §6, drawn with plotters as PNG and SVG.
//!
//! Text is rendered with an embedded DejaVu Sans (ab_glyph), so no system font library or
//! font file is needed at run time.

use std::path::PathBuf;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::alc::{alc, curve_points, transform_time, AlcVariant, CurvePoint, T0};
use super::{figure_name, ScoreReport};
use crate::error::{Error, Result};

/// Figure size in pixels: matplotlib's 7 × 7.07 inches at its default 100 dpi (spec §6).
pub const FIGURE_SIZE: (u32, u32) = (700, 707);

/// Lower and upper y limits of the axes (spec §6).
const Y_RANGE: (f64, f64) = (-0.01, 1.0);

// matplotlib's first two cycle colours: the curve, then the dashed continuation
const CURVE_BLUE: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const DASH_ORANGE: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const GRID_GREY: RGBColor = RGBColor(0xd9, 0xd9, 0xd9);

static DEJAVU_SANS: &[u8] = include_bytes!("font/DejaVuSans.ttf");

/// Registers the embedded font under plotters' "sans-serif" family once per process.
fn register_font() -> Result<()> {
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

    fn last_score(&self) -> f64 {
        self.points.last().map_or(0.0, |p| p.score)
    }

    /// The figure as PNG bytes.
    pub fn png(&self) -> Result<Vec<u8>> {
        register_font()?;
        let (w, h) = FIGURE_SIZE;
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            self.draw(&root).map_err(|e| self.error("png", e.to_string()))?;
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
            TextStyle::from(("sans-serif", 17).into_font()).pos(Pos::new(HPos::Center, VPos::Top)),
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
                TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))?;
        }

        let line = self.step_line();
        let last = clamp_y(self.last_score());
        let mut area = line.clone();
        area.push((1.0, last));
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
            TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Left, VPos::Bottom)),
        ))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()?;
        Ok(())
    }
}

/// Keeps drawn values inside the axes (a score below −0.01 is off the visible range).
fn clamp_y(y: f64) -> f64 {
    y.clamp(Y_RANGE.0, Y_RANGE.1)
}
