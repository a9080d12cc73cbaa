//! Scorer tests: the worked examples of SCORING.md §5, a prediction folder scored end to end,
//! the self-contained HTML page and figure, and malformed inputs.

use std::fs;
use std::path::{Path, PathBuf};

use scoring::{
    self, alc, files, nauc, python_float, python_list, transform_time, AlcVariant, CurvePoint,
    Matrix, ScoreOptions,
};
use scoring::Error;

fn curve(points: &[(f64, f64)]) -> Vec<CurvePoint> {
    points.iter().map(|&(time, score)| CurvePoint { time, score }).collect()
}

fn matrix(rows: &[&[f64]]) -> Matrix {
    Matrix::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).unwrap()
}

fn assert_close(actual: f64, expected: f64, tol: f64) {
    assert!((actual - expected).abs() <= tol, "expected {expected}, got {actual} (tolerance {tol})");
}

// ---- SCORING.md §3 reference points -------------------------------------------------------

#[test]
fn transform_time_reference_points() {
    for (t, x) in [
        (10.0, 0.050632),
        (30.0, 0.133179),
        (60.0, 0.227670),
        (120.0, 0.360849),
        (300.0, 0.588519),
        (600.0, 0.787610),
        (900.0, 0.910681),
        (1200.0, 1.0),
    ] {
        assert_close(transform_time(t, 1200.0), x, 5e-7);
    }
    // x = 0.5 at t = 60·(√21 − 1)
    assert_close(transform_time(60.0 * (21f64.sqrt() - 1.0), 1200.0), 0.5, 1e-12);
}

// ---- SCORING.md §5 worked examples ---------------------------------------------------------

#[test]
fn example_1_three_predictions() {
    let c = curve(&[(60.0, 0.5), (300.0, 0.8), (900.0, 0.9)]);
    assert_close(transform_time(900.0, 1200.0), 0.9106809948, 1e-10);
    assert_close(alc(&c, 1200.0, AlcVariant::ClipAtBudget), 0.5185410595, 1e-10);
}

#[test]
fn example_2_four_predictions() {
    let c = curve(&[(10.0, 0.2), (30.0, 0.6), (120.0, 0.75), (600.0, 0.85)]);
    assert_close(alc(&c, 1200.0, AlcVariant::ClipAtBudget), 0.6537138625, 1e-10);
}

#[test]
fn example_3_negative_first_score() {
    let c = curve(&[(20.0, -0.1), (200.0, 0.4)]);
    assert_close(transform_time(20.0, 1200.0), 0.0944916907, 1e-10);
    assert_close(transform_time(200.0, 1200.0), 0.4816312242, 1e-10);
    assert_close(alc(&c, 1200.0, AlcVariant::ClipAtBudget), 0.1686335570, 1e-10);
}

#[test]
fn example_4_late_prediction_dropped_or_kept() {
    let c = curve(&[(100.0, 0.6), (1250.0, 0.9)]);
    assert_close(transform_time(1250.0, 1200.0), 1.0127821085, 1e-10);
    assert_close(alc(&c, 1200.0, AlcVariant::ClipAtBudget), 0.4067028364, 1e-10);
    assert_close(alc(&c, 1200.0, AlcVariant::ReferenceUnclipped), 0.4028682038, 1e-10);
}

#[test]
fn example_5_degenerate_curves() {
    assert_eq!(alc(&[], 1200.0, AlcVariant::ClipAtBudget), 0.0);
    assert_close(alc(&curve(&[(0.0, 0.7)]), 1200.0, AlcVariant::ClipAtBudget), 0.7, 1e-15);
    assert_eq!(alc(&curve(&[(1200.0, 0.7)]), 1200.0, AlcVariant::ClipAtBudget), 0.0);
    assert_close(alc(&curve(&[(600.0, 1.0)]), 1200.0, AlcVariant::ClipAtBudget), 0.2123903430, 1e-10);
    assert_close(1.0 - 11f64.ln() / 21f64.ln(), 0.2123903430, 1e-10);
}

#[test]
fn example_6_real_scores_txt_to_the_last_digit() {
    let timestamps = [
        9.952839374542236,
        11.747989416122437,
        16.875036001205444,
        22.001927375793457,
        29.621718168258667,
        39.37748742103577,
        51.35084366798401,
        68.52922677993774,
        84.87485337257385,
        172.38700699806213,
    ];
    let naucs = [
        0.5737179656957982,
        0.726323649241392,
        0.833691952471584,
        0.8320980308131314,
        0.8451626228690894,
        0.863631033996141,
        0.8645764179616215,
        0.8611296190690929,
        0.8940324096092771,
        0.8922303844629846,
    ];
    let c: Vec<CurvePoint> =
        timestamps.iter().zip(naucs).map(|(&time, score)| CurvePoint { time, score }).collect();
    for variant in [AlcVariant::ClipAtBudget, AlcVariant::ReferenceUnclipped] {
        let score = alc(&c, 300.0, variant);
        assert_eq!(python_float(score), "0.7914708625336236", "variant {variant:?}");
    }
    // the lists print back exactly as the reference's scores.txt has them
    assert_eq!(
        python_list(&timestamps[..2]),
        "[9.952839374542236, 11.747989416122437]"
    );
}

#[test]
fn example_7_ignored_class_and_tie() {
    let solution = matrix(&[&[1., 0., 0.], &[0., 1., 0.], &[1., 0., 0.], &[0., 1., 0.]]);
    let prediction =
        matrix(&[&[0.9, 0.1, 0.3], &[0.4, 0.6, 0.2], &[0.4, 0.3, 0.1], &[0.2, 0.8, 0.5]]);
    let score = nauc(&solution, &prediction);
    assert_eq!(score.per_class_auc, vec![Some(0.875), Some(1.0), None]);
    assert_eq!(score.valid_columns, 2);
    assert_close(score.nauc, 0.875, 1e-15);
    assert!(scoring::is_multiclass(&solution));
    assert_close(scoring::accuracy(&solution, &prediction), 0.5564102564, 1e-10);
}

#[test]
fn example_8_multilabel() {
    let solution = matrix(&[
        &[1., 1., 0.],
        &[0., 1., 0.],
        &[1., 0., 1.],
        &[0., 0., 0.],
        &[1., 1., 1.],
    ]);
    let prediction = matrix(&[
        &[0.8, 0.3, 0.1],
        &[0.3, 0.9, 0.6],
        &[0.6, 0.2, 0.7],
        &[0.7, 0.1, 0.1],
        &[0.5, 0.4, 0.6],
    ]);
    let score = nauc(&solution, &prediction);
    let aucs: Vec<f64> = score.per_class_auc.iter().map(|a| a.unwrap()).collect();
    assert_close(aucs[0], 4.0 / 6.0, 1e-15);
    assert_close(aucs[1], 1.0, 1e-15);
    assert_close(aucs[2], 5.5 / 6.0, 1e-15);
    assert_close(score.nauc, 0.7222222222, 1e-10);
    assert!(!scoring::is_multiclass(&solution));
    let constant = matrix(&[&[0.5; 3], &[0.5; 3], &[0.5; 3], &[0.5; 3], &[0.5; 3]]);
    assert_eq!(nauc(&solution, &constant).nauc, 0.0);
}

#[test]
fn no_valid_column_gives_zero_and_is_flagged() {
    let solution = matrix(&[&[1., 0.], &[1., 0.]]);
    let prediction = matrix(&[&[0.9, 0.1], &[0.2, 0.8]]);
    let score = nauc(&solution, &prediction);
    assert_eq!(score.nauc, 0.0);
    assert!(score.no_valid_column());
    assert_eq!(score.per_class_auc, vec![None, None]);
}

#[test]
fn tied_ranks_average_positions() {
    assert_eq!(nauc::tied_ranks(&[0.4, 0.9, 0.4, 0.2]), vec![2.5, 4.0, 2.5, 1.0]);
    assert_eq!(nauc::tied_ranks(&[1.0, 1.0, 1.0]), vec![2.0, 2.0, 2.0]);
}

#[test]
fn python_float_matches_repr() {
    for (x, repr) in [
        (0.5, "0.5"),
        (1.0, "1.0"),
        (-2.0, "-2.0"),
        (123456.0, "123456.0"),
        (0.0001, "0.0001"),
        (1e-05, "1e-05"),
        (1.5e-7, "1.5e-07"),
        (1e16, "1e+16"),
        (1234567890123456.0, "1234567890123456.0"),
        (0.1 + 0.2, "0.30000000000000004"),
        (-0.00102994, "-0.00102994"),
        (172.38700699806213, "172.38700699806213"),
        (0.0, "0.0"),
    ] {
        assert_eq!(python_float(x), repr, "{x:e}");
    }
    assert_eq!(python_list(&[]), "[]");
}

// ---- files ---------------------------------------------------------------------------------

#[test]
fn start_txt_is_parsed_in_reference_layout() {
    let text = "ingestion_pid: 31315\ntask_name: mini\ntime_budget: 300.0\nstart_time: 1557269921.5\n\
                0: 1557269953.5\n1: 1557269956.0\n";
    let start = files::parse_start(text, Path::new("start.txt")).unwrap();
    assert_eq!(start.ingestion_pid, Some(31315));
    assert_eq!(start.task_name.as_deref(), Some("mini"));
    assert_eq!(start.time_budget, 300.0);
    assert!(!start.time_budget_defaulted);
    assert_eq!(start.relative_timestamps(), vec![32.0, 34.5]);

    let old = files::parse_start("ingestion_pid: 1\nstart_time: 10\n", Path::new("s")).unwrap();
    assert_eq!(old.time_budget, scoring::DEFAULT_TIME_BUDGET);
    assert!(old.time_budget_defaulted);
}

#[test]
fn start_txt_errors_name_file_and_line() {
    let cases = [
        ("start_time: 10\n0: 12\n1: 11\n", 3, "earlier"),
        ("start_time: 10\n1: 12\n", 2, "expected 0"),
        ("start_time: 10\n0: 5\n", 2, "before start_time"),
        ("time_budget: 300\n", 1, "start_time"),
        ("start_time: 10\n0: soon\n", 2, "not a finite number"),
        ("start_time: 10\nno colon here\n", 2, "key: value"),
    ];
    for (text, line, needle) in cases {
        let err = files::parse_start(text, Path::new("run/start.txt")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("run/start.txt:{line}:")), "{msg}");
        assert!(msg.contains(needle), "{msg} should mention {needle}");
    }
}

#[test]
fn end_txt_is_parsed() {
    let end = files::parse_end(
        "ingestion_duration: 12.5\ningestion_success: 0\nend_time: 1557269999.0\n",
        Path::new("end.txt"),
    )
    .unwrap();
    assert_eq!(end.ingestion_duration, Some(12.5));
    assert!(!end.ingestion_success);
    let err = files::parse_end("ingestion_success: maybe\n", Path::new("end.txt")).unwrap_err();
    assert!(err.to_string().starts_with("end.txt:1:"), "{err}");
}

#[test]
fn prediction_parser_accepts_g_format_and_checks_shape() {
    let m = files::parse_prediction("0.5 1e-05 1\n0.00102994 0 2.5e+10\n", Path::new("p"), 2, 3).unwrap();
    assert_eq!(m.values, vec![0.5, 1e-05, 1.0, 0.00102994, 0.0, 2.5e10]);
    let cases = [
        ("0.5 0.5\n0.5\n", 2, 2, Some(2), "1 values"),
        ("0.5 nan\n0.5 0.5\n", 2, 2, Some(1), "finite"),
        ("0.5 inf\n0.5 0.5\n", 2, 2, Some(1), "finite"),
        ("0.5 x\n0.5 0.5\n", 2, 2, Some(1), "not a number"),
        ("0.5 0.5\n", 2, 2, None, "wrong shape"),
        ("0 0\n0 0\n0 0\n", 2, 2, Some(3), "more rows"),
    ];
    for (text, rows, cols, line, needle) in cases {
        let err = files::parse_prediction(text, Path::new("pred/t.predict_3"), rows, cols).unwrap_err();
        let msg = err.to_string();
        let prefix = match line {
            Some(l) => format!("pred/t.predict_3:{l}:"),
            None => "pred/t.predict_3:".to_string(),
        };
        assert!(msg.starts_with(&prefix), "{msg}");
        assert!(msg.contains(needle), "{msg} should mention {needle}");
        assert!(matches!(err, Error::PredictionFile { .. }));
    }
}

// ---- a whole run -----------------------------------------------------------------------------

const SOLUTION: &str = "1 0 0\n0 1 0\n1 0 0\n0 1 0\n";
// example 7's prediction: NAUC 0.875, accuracy 0.5564102564
const PREDICTION_EX7: &str = "0.9 0.1 0.3\n0.4 0.6 0.2\n0.4 0.3 0.1\n0.2 0.8 0.5\n";
const PREDICTION_PERFECT: &str = "1 0 0\n0 1 0\n1 0 0\n0 1 0\n";
const PREDICTION_CONSTANT: &str = "0.5 0.5 0.5\n0.5 0.5 0.5\n0.5 0.5 0.5\n0.5 0.5 0.5\n";
const START: f64 = 1_700_000_000.25;

/// A dataset folder `<root>/toy/toy.solution` and a prediction folder with predictions at the
/// given relative times, `end.txt` included.
struct Run {
    _tmp: tempfile::TempDir,
    dataset: PathBuf,
    predictions: PathBuf,
    out: PathBuf,
}

fn make_run(predictions: &[(f64, &str)], time_budget: f64, with_end: bool) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = tmp.path().join("toy");
    fs::create_dir_all(dataset.join("toy.data")).unwrap();
    fs::write(dataset.join("toy.solution"), SOLUTION).unwrap();
    let pred_dir = tmp.path().join("res");
    fs::create_dir_all(&pred_dir).unwrap();
    let mut start = format!(
        "ingestion_pid: 4242\ntask_name: toy\ntime_budget: {time_budget:?}\nstart_time: {START:?}\n"
    );
    for (k, (t, body)) in predictions.iter().enumerate() {
        start += &format!("{k}: {:?}\n", START + t);
        fs::write(pred_dir.join(format!("toy.predict_{k}")), body).unwrap();
    }
    fs::write(pred_dir.join("start.txt"), start).unwrap();
    if with_end {
        fs::write(
            pred_dir.join("end.txt"),
            format!("ingestion_duration: 301.5\ningestion_success: 1\nend_time: {:?}\n", START + 301.5),
        )
        .unwrap();
    }
    let out = tmp.path().join("scores");
    Run { _tmp: tmp, dataset, predictions: pred_dir, out }
}

fn scores_field<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no {key} in scores.txt:\n{text}"))
}

#[test]
fn prediction_folder_scores_to_hand_computed_alc() {
    let run = make_run(&[(60.0, PREDICTION_EX7), (300.0, PREDICTION_PERFECT)], 1200.0, true);
    let report =
        scoring::score_run(&run.dataset, &run.predictions, &run.out, &ScoreOptions::default()).unwrap();

    // by hand: x(60) = ln 2/ln 21, x(300) = ln 6/ln 21
    let (x60, x300) = (2f64.ln() / 21f64.ln(), 6f64.ln() / 21f64.ln());
    let expected = 0.875 * (x300 - x60) + 1.0 * (1.0 - x300);
    assert_close(expected, 0.7272236504637308, 1e-12);
    assert_close(report.alc, expected, 1e-12);
    assert_eq!(report.task, "toy");
    assert!(report.multiclass);
    assert_eq!(report.predictions.len(), 2);
    assert_close(report.predictions[0].accuracy.unwrap(), 0.5564102564, 1e-10);
    assert_close(report.duration, 300.0, 1e-6);
    assert!(report.ingestion.as_ref().unwrap().ingestion_success);

    let text = fs::read_to_string(run.out.join("scores.txt")).unwrap();
    let score: f64 = scores_field(&text, "score").parse().unwrap();
    assert_close(score, expected, 1e-12);
    let duration: f64 = scores_field(&text, "Duration").parse().unwrap();
    assert_close(duration, 300.0, 1e-6);
    assert!(scores_field(&text, "timestamps").starts_with("[60.0, 300.0"));
    assert_eq!(scores_field(&text, "nauc_scores"), "[0.875, 1.0]");
    assert!(scores_field(&text, "accuracy").starts_with("[0.55641025641"));
    for key in ["nauc_mean", "nauc_std", "nauc_var", "alc_mean", "alc_std", "alc_var"] {
        let v: f64 = scores_field(&text, key).parse().unwrap();
        assert!(v.is_finite(), "{key} = {v}");
    }
    for name in ["learning-curve-toy.png", "learning-curve-toy.svg", "detailed_results.html"] {
        assert!(run.out.join(name).is_file(), "{name} missing");
    }
    // no staging folder left behind
    let leftovers: Vec<_> = fs::read_dir(run.out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn late_prediction_is_dropped_unless_unclipped_is_asked() {
    let preds = [(60.0, PREDICTION_EX7), (300.0, PREDICTION_PERFECT), (1300.0, PREDICTION_CONSTANT)];
    let x = |t: f64| transform_time(t, 1200.0);
    let clipped = 0.875 * (x(300.0) - x(60.0)) + 1.0 * (1.0 - x(300.0));
    let unclipped = 0.875 * (x(300.0) - x(60.0)) + 1.0 * (x(1300.0) - x(300.0));

    let run = make_run(&preds, 1200.0, true);
    let report = scoring::score_run(&run.dataset, &run.predictions, &run.out, &ScoreOptions::default()).unwrap();
    assert_close(report.alc, clipped, 1e-12);
    assert!(report.predictions[2].after_budget);
    assert_eq!(report.predictions[2].nauc, 0.0);
    assert!(report.warnings.iter().any(|w| w.contains("after the time budget")), "{:?}", report.warnings);

    let opts = ScoreOptions { alc_variant: AlcVariant::ReferenceUnclipped, ..ScoreOptions::default() };
    let report = scoring::score_run(&run.dataset, &run.predictions, &run.out, &opts).unwrap();
    assert_close(report.alc, unclipped, 1e-12);
    assert_close(report.alc_clipped, clipped, 1e-12);
    let text = fs::read_to_string(run.out.join("scores.txt")).unwrap();
    assert_close(scores_field(&text, "score").parse().unwrap(), unclipped, 1e-12);
}

#[test]
fn html_is_self_contained_and_png_decodes_at_figure_size() {
    let run = make_run(&[(10.0, PREDICTION_EX7), (120.0, PREDICTION_PERFECT)], 300.0, true);
    scoring::score_run(&run.dataset, &run.predictions, &run.out, &ScoreOptions::default()).unwrap();

    let html = fs::read_to_string(run.out.join("detailed_results.html")).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"), "external URL in page");
    assert!(!html.contains("http-equiv=\"refresh\""), "final page must not auto-refresh");
    // every src/href is inline data; outside data: URIs nothing looks like a // link
    let mut rest = html.as_str();
    let mut without_data = String::new();
    let mut embedded = 0;
    while let Some(i) = rest.find("data:image/png;base64,") {
        without_data += &rest[..i];
        let tail = &rest[i..];
        let end = tail.find('"').expect("data URI is quoted");
        rest = &tail[end..];
        embedded += 1;
    }
    without_data += rest;
    assert_eq!(embedded, 1, "the figure is embedded once");
    assert!(!without_data.contains("//"), "protocol-relative reference in page");
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            assert!(html[i + attr.len()..].starts_with("data:"), "{attr} not inline");
        }
    }
    assert!(html.contains("<table>"));
    assert!(html.contains("Per-class AUC of the last prediction"));
    assert!(html.contains("toy.predict_1"));

    // the embedded PNG is the PNG file, and it decodes at 7 × 7.07 in × 100 dpi
    let png = fs::read(run.out.join("learning-curve-toy.png")).unwrap();
    let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
    assert_eq!((img.width(), img.height()), (700, 707));
    use base64::Engine;
    assert!(html.contains(&base64::engine::general_purpose::STANDARD.encode(&png)));
    // the cyan area is drawn: some pixels are pure cyan
    let rgb = img.to_rgb8();
    assert!(rgb.pixels().filter(|p| p.0 == [0, 255, 255]).count() > 1000);

    let svg = fs::read_to_string(run.out.join("learning-curve-toy.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("width=\"700\"") && svg.contains("height=\"707\""));
    assert!(svg.contains("ALC=0."));
    assert!(svg.contains("Learning curve for task: toy"));
}

#[test]
fn figure_top_ticks_follow_the_budget() {
    let fig = scoring::plot::LearningCurveFigure::new("t", 300.0, &[]);
    assert_eq!(fig.top_ticks(), vec![10, 60, 300]);
    let fig = scoring::plot::LearningCurveFigure::new("t", 7200.0, &[]);
    assert_eq!(fig.top_ticks(), vec![10, 60, 300, 600, 1200, 1800, 3600, 5400, 7200]);
    let fig = scoring::plot::LearningCurveFigure::new(
        "t",
        1200.0,
        &curve(&[(300.0, 0.8), (60.0, 0.5), (1250.0, 0.9)]),
    );
    // sorted by time, the late point left out, legend ALC on what is drawn
    assert_eq!(fig.points, curve(&[(60.0, 0.5), (300.0, 0.8)]));
    assert_close(fig.alc, alc(&fig.points, 1200.0, AlcVariant::ClipAtBudget), 0.0);
}

#[test]
fn run_without_predictions_scores_zero() {
    let run = make_run(&[], 1200.0, true);
    let report = scoring::score_run(&run.dataset, &run.predictions, &run.out, &ScoreOptions::default()).unwrap();
    assert_eq!(report.alc, 0.0);
    let text = fs::read_to_string(run.out.join("scores.txt")).unwrap();
    assert!(text.starts_with("score: 0\nDuration: 0\ntimestamps: []\nnauc_scores: []\n"), "{text}");
}

// ---- malformed inputs: each error names the file ------------------------------------------

fn score_err(run: &Run) -> Error {
    scoring::score_run(&run.dataset, &run.predictions, &run.out, &ScoreOptions::default()).unwrap_err()
}

#[test]
fn wrong_shape_prediction_names_the_file() {
    let run = make_run(&[(10.0, PREDICTION_EX7), (20.0, "0.1 0.2\n0.1 0.2\n0.1 0.2\n0.1 0.2\n")], 300.0, true);
    let err = score_err(&run);
    let msg = err.to_string();
    assert!(msg.contains("toy.predict_1:1:") && msg.contains("3 columns"), "{msg}");
    assert!(!run.out.exists(), "no score folder after a failed run");
}

#[test]
fn nan_prediction_names_the_file() {
    let run = make_run(&[(10.0, "0.9 0.1 0.3\n0.4 NaN 0.2\n0.4 0.3 0.1\n0.2 0.8 0.5\n")], 300.0, true);
    let msg = score_err(&run).to_string();
    assert!(msg.contains("toy.predict_0:2:") && msg.contains("finite"), "{msg}");
}

#[test]
fn missing_prediction_file_names_the_file() {
    let run = make_run(&[(10.0, PREDICTION_EX7), (20.0, PREDICTION_EX7), (30.0, PREDICTION_EX7)], 300.0, true);
    fs::remove_file(run.predictions.join("toy.predict_1")).unwrap();
    let err = score_err(&run);
    let msg = err.to_string();
    assert!(msg.contains("toy.predict_1") && msg.contains("missing"), "{msg}");
}

#[test]
fn killed_run_ignores_only_a_last_stamp_without_file() {
    // ingestion stamps start.txt right before writing the file: a kill in between
    let run = make_run(&[(10.0, PREDICTION_EX7), (20.0, PREDICTION_PERFECT)], 300.0, false);
    fs::remove_file(run.predictions.join("toy.predict_1")).unwrap();
    let report = scoring::score_run(&run.dataset, &run.predictions, &run.out, &ScoreOptions::default()).unwrap();
    assert_eq!(report.predictions.len(), 1);
    assert!(report.ingestion.is_none());
    assert!(report.warnings.iter().any(|w| w.contains("toy.predict_1")), "{:?}", report.warnings);
}

#[test]
fn prediction_without_timestamp_names_the_file() {
    let run = make_run(&[(10.0, PREDICTION_EX7)], 300.0, true);
    fs::write(run.predictions.join("toy.predict_1"), PREDICTION_EX7).unwrap();
    let msg = score_err(&run).to_string();
    assert!(msg.contains("toy.predict_1") && msg.contains("no timestamp"), "{msg}");
}

#[test]
fn missing_start_txt_and_solution_are_reported() {
    let run = make_run(&[(10.0, PREDICTION_EX7)], 300.0, true);
    fs::remove_file(run.predictions.join("start.txt")).unwrap();
    let msg = score_err(&run).to_string();
    assert!(msg.contains("start.txt") && msg.contains("missing"), "{msg}");

    let run = make_run(&[(10.0, PREDICTION_EX7)], 300.0, true);
    fs::write(run.dataset.join("other.solution"), SOLUTION).unwrap();
    let msg = score_err(&run).to_string();
    assert!(msg.contains("2 *.solution files"), "{msg}");
}

#[test]
fn data_dir_is_accepted_as_dataset() {
    let run = make_run(&[(10.0, PREDICTION_PERFECT)], 300.0, true);
    let report = scoring::score_run(&run.dataset.join("toy.data"), &run.predictions, &run.out, &ScoreOptions::default()).unwrap();
    assert_eq!(report.task, "toy");
    assert_eq!(report.predictions[0].nauc, 1.0);
}

#[test]
fn foreign_output_folder_is_not_replaced() {
    let run = make_run(&[(10.0, PREDICTION_PERFECT)], 300.0, true);
    fs::create_dir_all(&run.out).unwrap();
    fs::write(run.out.join("notes.md"), "mine").unwrap();
    let msg = score_err(&run).to_string();
    assert!(msg.contains("refusing"), "{msg}");
    assert_eq!(fs::read_to_string(run.out.join("notes.md")).unwrap(), "mine");
    // a previous score folder is replaced as a whole
    fs::remove_file(run.out.join("notes.md")).unwrap();
    fs::write(run.out.join("scores.txt"), "score: 0.1\n").unwrap();
    scoring::score_run(&run.dataset, &run.predictions, &run.out, &ScoreOptions::default()).unwrap();
    let text = fs::read_to_string(run.out.join("scores.txt")).unwrap();
    assert!(text.starts_with("score: "), "{text}");
    assert_ne!(text, "score: 0.1\n");
}

#[test]
fn class_names_come_from_the_test_metadata() {
    let run = make_run(&[(10.0, PREDICTION_EX7)], 300.0, true);
    let test_dir = run.dataset.join("toy.data").join("test");
    fs::create_dir_all(&test_dir).unwrap();
    fs::write(
        test_dir.join("metadata.textproto"),
        "is_sequence: false\nsample_count: 4\nsequence_size: 1\noutput_dim: 3\nmatrix_spec {\n  \
         col_count: 2\n  row_count: 2\n  num_channels: 1\n  is_sequence_col: false\n  \
         is_sequence_row: false\n  has_locality_col: true\n  has_locality_row: true\n  \
         format: DENSE\n}\nlabel_to_index_map {\n  key: 'cat<'\n  value: 0\n}\n\
         label_to_index_map {\n  key: 'dog'\n  value: 1\n}\n",
    )
    .unwrap();
    let report = scoring::score_run(&run.dataset, &run.predictions, &run.out, &ScoreOptions::default()).unwrap();
    assert_eq!(report.class_names, vec![Some("cat<".to_string()), Some("dog".to_string()), None]);
    let html = fs::read_to_string(run.out.join("detailed_results.html")).unwrap();
    assert!(html.contains("<td class=\"l\">cat&lt;</td><td>0.875000</td>"), "label escaped beside its AUC");
    assert!(html.contains("ignored: one label value only"));
}

#[test]
fn miniciao_solution_as_prediction_scores_one() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let dataset = data.join("autodl/miniciao");
    let solution_text = fs::read_to_string(dataset.join("miniciao.solution")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("res");
    fs::create_dir_all(&res).unwrap();
    fs::write(res.join("start.txt"), "task_name: miniciao\ntime_budget: 1200.0\nstart_time: 100.0\n0: 100.0\n").unwrap();
    fs::write(res.join("miniciao.predict_0"), &solution_text).unwrap();
    fs::write(res.join("end.txt"), "ingestion_duration: 1.0\ningestion_success: 1\nend_time: 101.0\n").unwrap();
    let report = scoring::score_run(&dataset, &res, &tmp.path().join("scores"), &ScoreOptions::default()).unwrap();
    assert_eq!(report.task, "miniciao");
    assert!(report.multiclass);
    assert_eq!(report.alc, 1.0);
    // the classes without a test example are the ones left out of the average
    let rows: Vec<Vec<f64>> = solution_text
        .lines()
        .map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect())
        .collect();
    let p = &report.predictions[0];
    for (j, auc) in p.per_class_auc.iter().enumerate() {
        let positives = rows.iter().filter(|r| r[j] == 1.0).count();
        let degenerate = positives == 0 || positives == rows.len();
        assert_eq!(auc.is_none(), degenerate, "class {j}");
    }
    assert_eq!(report.class_names[0].as_deref(), Some("airplane"));
}
