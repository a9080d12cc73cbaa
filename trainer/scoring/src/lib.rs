//! The AutoDL scorer and the `rate` report, without libtorch (SCORING.md §1–3, §6): NAUC of
//! every prediction, the area under the learning curve (ALC), `scores.txt`, the learning-curve
//! figure, `detailed_results.html` and (module [`report`]) the self-contained `report.html`.
//! `autodl-format score` uses it directly; the `trainer` crate re-exports it.
//!
//! Entry point for a finished run: [`score_run`] reads the dataset's `.solution` and the
//! ingestion layout (`start.txt`, `<task>.predict_<k>`, `end.txt`) and writes the score folder
//! atomically. The metric functions ([`nauc::nauc`], [`alc::alc`], …) are usable on their own;
//! [`python_float`] prints floats as Python's `repr` does ([`pyfloat`] also has `'{:g}'`).
//! [`run`] does the scoring, [`score`] holds what it returns and [`score_dir`] what it writes.
//!
//! Pages are rendered with `maud` (every value escaped) and every chart is drawn by `plotters`
//! (PNG for the learning curves, SVG strings for the report's small charts).
//!
//! It also holds the small numeric pieces every crate above it shares without libtorch: the
//! one seeded generator ([`rng::SplitMix64`]) and the one feature standardisation
//! ([`scaler::Scaler`]).

pub mod error;
pub mod alc;
pub mod decisions;
pub mod files;
pub mod html;
pub mod matrix;
pub mod nauc;
pub mod plot;
pub mod pyfloat;
pub mod report;
pub mod rng;
pub mod run;
pub mod scaler;
pub mod score;
pub mod score_dir;
pub mod run_layout;

pub use alc::{alc, transform_time, AlcVariant, CurvePoint, DEFAULT_TIME_BUDGET, T0};
pub use error::{Error, Result};
pub use files::EndRecord;
pub use matrix::Matrix;
pub use nauc::{accuracy, is_multiclass, nauc, NaucScore};
pub use plot::figure_name;
pub use pyfloat::{python_float, python_list};
pub use run::score_run;
pub use score::{PredictionScore, ScoreOptions, ScoreReport, Spread};
pub use score_dir::scores_txt;
