//! `predict`: the model a `train`/`rate` run saved, applied to a dataset (its test subset), an
//! unlabelled set, or raw inputs converted with the run's recipe; the result as CSV text (class
//! names as columns; raw inputs also name each row's input).

use std::path::Path;

use converters_common::recipe::find_recipe;
use pipeline::bail;
use pipeline::error::{Context, Result};
use pipeline::options::PredictOptions;
use pipeline::unlabelled::{check_run_folder, convert_raw};
use trainer::bundle::{check_compatibility, named_prediction_csv, prediction_csv};
use trainer::deepwisdom::ModelBundle;
use trainer::learner::CancelToken;

use crate::session::{select_device, Event};

/// The predictions: `rows` × `cols` probabilities as CSV text.
#[derive(Debug)]
pub struct Predicted {
    pub rows: usize,
    pub cols: usize,
    pub csv: String,
}

/// True when `input` opens as an AutoDL dataset or unlabelled set.
fn is_converted(input: &Path) -> bool {
    formats::dataset::DatasetLayout::open(input).is_ok()
}

/// Runs the prediction; notes (conversion warnings, an older bundle) arrive as [`Event::Note`].
pub fn predict(options: &PredictOptions, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<Predicted> {
    let (run, input) = (&options.run, &options.input);
    check_run_folder(run)?;
    let device = select_device(options.device)?;
    let bundle = ModelBundle::load(run).with_context(|| format!("cannot load a model from {}", run.display()))?;
    let (matrix, csv) = if is_converted(input) {
        refuse_mismatch(&bundle, input, run, input, on_event)?;
        let matrix = bundle
            .predict_dataset(input, device.device, &CancelToken::new())
            .with_context(|| format!("cannot predict {}", input.display()))?;
        let csv = prediction_csv(&matrix, &bundle.config.label_names);
        (matrix, csv)
    } else {
        raw_domain_matches(&bundle, run, input)?;
        let Some(recipe) = find_recipe(run) else {
            bail!(
                "{}: not an AutoDL dataset, and the run {} has no conversion recipe (model/recipe.json) to convert raw inputs with; \
                 retrain on a dataset converted by this version, or convert the inputs yourself with the training options and \
                 `convert --unlabelled`",
                input.display(),
                run.display()
            );
        };
        let temp = tempfile::tempdir().context("cannot create a temporary folder")?;
        let set_dir = temp.path().join("set");
        let raw = convert_raw(&recipe, input, &set_dir, false, bundle.config.output_dim, &bundle.config.label_names, &options.raw)
            .with_context(|| format!("cannot convert {} with the recipe {}", input.display(), recipe.display()))?;
        for note in &raw.notes {
            on_event(&Event::Note(note));
        }
        refuse_mismatch(&bundle, &raw.set.root, run, input, on_event)?;
        let matrix = bundle
            .predict_dataset(&raw.set.root, device.device, &CancelToken::new())
            .with_context(|| format!("cannot predict {}", input.display()))?;
        let csv = named_prediction_csv(&matrix, &bundle.config.label_names, &raw.id_header, &raw.ids);
        (matrix, csv)
    };
    Ok(Predicted { rows: matrix.rows(), cols: matrix.cols(), csv })
}

/// Refuses a converted `dataset` that the model was not trained for (another domain, class
/// list, feature layout or vocabulary), naming both sides; notes what an older bundle could not
/// tell. `shown` is the input as the user named it.
fn refuse_mismatch(bundle: &ModelBundle, dataset: &Path, run: &Path, shown: &Path, on_event: &mut dyn FnMut(&Event<'_>)) -> Result<()> {
    let found = check_compatibility(&bundle.config, dataset, &run.display().to_string(), &shown.display().to_string())
        .with_context(|| format!("cannot read {}", shown.display()))?;
    if !found.mismatches.is_empty() {
        bail!("nothing predicted: {}", found.mismatches.join("; "));
    }
    if !found.unverified.is_empty() {
        let note = format!(
            "note: the model bundle of {} predates the recorded training facts: {} cannot be verified (domain, classes, \
             feature count and vocabulary were checked against its train metadata)",
            run.display(),
            found.unverified.join(", ")
        );
        on_event(&Event::Note(&note));
    }
    Ok(())
}

/// Raw input of another kind than the model's (text documents for an image model): refused
/// before any conversion, by the same detection `convert` uses.
fn raw_domain_matches(bundle: &ModelBundle, run: &Path, input: &Path) -> Result<()> {
    use pipeline::detect::{detect_domain, domain_noun, Domain as Raw};
    let Ok(raw) = detect_domain(input) else { return Ok(()) };
    let trained = match bundle.config.domain.as_str() {
        "image" => Raw::Image,
        "video" => Raw::Video,
        "text" => Raw::Text,
        "speech" => Raw::Audio,
        "tabular" => Raw::Tabular,
        _ => return Ok(()),
    };
    // A CSV of prose columns is detected as a corpus, yet a table model may have been made of it.
    let table_or_corpus = matches!((raw, trained), (Raw::Text, Raw::Tabular) | (Raw::Tabular, Raw::Text));
    if raw != trained && !table_or_corpus {
        let input_words = domain_noun(raw);
        bail!(
            "nothing predicted: the model of {} was trained on {} but {} looks like {}{input_words}",
            run.display(),
            domain_noun(trained),
            input.display(),
            if input_words.starts_with("a ") { "" } else { "raw " }
        );
    }
    Ok(())
}
