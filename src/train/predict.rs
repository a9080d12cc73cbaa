//! `autodl-format predict`: the prediction (arguments and raw-input conversion in
//! `autodl_format::cmd::predict`).

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use autodl_format::cmd::predict::{check_run_folder, convert_raw, Args};
use converters_common::recipe::find_recipe;
use trainer::bundle::{check_compatibility, named_prediction_csv, prediction_csv};
use trainer::deepwisdom::ModelBundle;
use trainer::learner::CancelToken;

/// True when `input` opens as an AutoDL dataset or unlabelled set.
fn is_converted(input: &Path) -> bool {
    formats::dataset::DatasetLayout::open(input).is_ok()
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    check_run_folder(&args.run)?;
    let device = crate::device(args.device)?;
    let bundle = ModelBundle::load(&args.run).with_context(|| format!("cannot load a model from {}", args.run.display()))?;
    let (matrix, csv) = if is_converted(&args.input) {
        refuse_mismatch(&bundle, &args.input, &args.run, &args.input)?;
        let matrix = bundle
            .predict_dataset(&args.input, device.device, &CancelToken::new())
            .with_context(|| format!("cannot predict {}", args.input.display()))?;
        let csv = prediction_csv(&matrix, &bundle.config.label_names);
        (matrix, csv)
    } else {
        raw_domain_matches(&bundle, &args.run, &args.input)?;
        let Some(recipe) = find_recipe(&args.run) else {
            bail!(
                "{}: not an AutoDL dataset, and the run {} has no conversion recipe (model/recipe.json) to convert raw inputs with; \
                 retrain on a dataset converted by this version, or convert the inputs yourself with the training options and \
                 `convert --unlabelled`",
                args.input.display(),
                args.run.display()
            );
        };
        let temp = tempfile::tempdir().context("cannot create a temporary folder")?;
        let set_dir = temp.path().join("set");
        let raw = convert_raw(&recipe, &args.input, &set_dir, false, bundle.config.output_dim, &bundle.config.label_names, &args.raw)
            .with_context(|| format!("cannot convert {} with the recipe {}", args.input.display(), recipe.display()))?;
        refuse_mismatch(&bundle, &raw.set.root, &args.run, &args.input)?;
        let matrix = bundle
            .predict_dataset(&raw.set.root, device.device, &CancelToken::new())
            .with_context(|| format!("cannot predict {}", args.input.display()))?;
        let csv = named_prediction_csv(&matrix, &bundle.config.label_names, &raw.id_header, &raw.ids);
        (matrix, csv)
    };
    if args.output.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        // A closed pipe (e.g. `| head`) ends quietly.
        if let Err(e) = out.write_all(csv.as_bytes()).and_then(|_| out.flush()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(e.into());
            }
        }
    } else {
        // Written next to the target and renamed, so a failure never leaves half a file.
        let mut name = args.output.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        let temp = args.output.with_file_name(name);
        std::fs::write(&temp, csv.as_bytes()).with_context(|| format!("cannot write {}", temp.display()))?;
        if let Err(e) = std::fs::rename(&temp, &args.output) {
            let _ = std::fs::remove_file(&temp);
            return Err(e).with_context(|| format!("cannot write {}", args.output.display()));
        }
        eprintln!("{} rows × {} classes written to {}", matrix.rows(), matrix.cols(), args.output.display());
    }
    Ok(0)
}

/// Refuses a converted `dataset` that the model was not trained for (another domain, class
/// list, feature layout or vocabulary), naming both sides; notes what an older bundle could not
/// tell. `shown` is the input as the user named it.
fn refuse_mismatch(bundle: &ModelBundle, dataset: &Path, run: &Path, shown: &Path) -> anyhow::Result<()> {
    let found = check_compatibility(&bundle.config, dataset, &run.display().to_string(), &shown.display().to_string())
        .with_context(|| format!("cannot read {}", shown.display()))?;
    if !found.mismatches.is_empty() {
        bail!("nothing predicted: {}", found.mismatches.join("; "));
    }
    if !found.unverified.is_empty() {
        eprintln!(
            "note: the model bundle of {} predates the recorded training facts: {} cannot be verified (domain, classes, \
             feature count and vocabulary were checked against its train metadata)",
            run.display(),
            found.unverified.join(", ")
        );
    }
    Ok(())
}

/// Raw input of another kind than the model's (text documents for an image model): refused
/// before any conversion, by the same detection `convert` uses.
fn raw_domain_matches(bundle: &ModelBundle, run: &Path, input: &Path) -> anyhow::Result<()> {
    use pipeline::detect::Domain as Raw;
    use autodl_format::detect::domain_noun;
    let Ok(raw) = autodl_format::detect::detect_domain(input) else { return Ok(()) };
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
