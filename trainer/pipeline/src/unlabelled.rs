//! New inputs without labels → an unlabelled set (AUTODL_FORMAT.md §1.3), converted with the
//! recipe stored when the training data was converted (`predict` on raw inputs and
//! `convert --unlabelled`), and the checks around it: what a run folder must hold, and the
//! classes of the model or dataset a recipe came from.

use std::path::Path;

use converters_common::recipe::Recipe;
use converters_common::unlabelled::{UnlabelledSet, UnlabelledWriter};
use converters_tabular::HeaderMode;
use scoring::run_layout::{BUNDLE_DIR, CONFIG_FILE};

use crate::bail;
use crate::error::{Context, Result};

/// How raw tables are read.
#[derive(Debug, Clone)]
pub struct RawOptions {
    /// A column (name or position) naming each row; copied to the output, not a feature.
    pub id_column: Option<String>,
    /// Whether the first line names the columns.
    pub header: HeaderMode,
}

/// Raw inputs converted into an unlabelled set, with the identity of each record.
pub struct RawSet {
    pub set: UnlabelledSet,
    /// Lines to show ("header: …", "warning: …").
    pub notes: Vec<String>,
    /// Identity column names (`path`, or `row` [+ the id column]).
    pub id_header: Vec<String>,
    /// `ids[c][i]`: identity column `c` of record `i`.
    pub ids: Vec<Vec<String>>,
}

/// Converts the raw `input` with the recipe at `recipe_path` into the unlabelled set `out`
/// (for a model of `output_dim` classes named `class_names`).
pub fn convert_raw(
    recipe_path: &Path,
    input: &Path,
    out: &Path,
    force: bool,
    output_dim: usize,
    class_names: &[String],
    raw: &RawOptions,
) -> Result<RawSet> {
    let recipe = Recipe::read(recipe_path)?;
    if !input.exists() {
        bail!("{}: no such file or folder", input.display());
    }
    if raw.id_column.is_some() && recipe.domain != converters_tabular::recipe::DOMAIN {
        bail!("--id-column applies to tables; this model was trained on {} data", recipe.domain);
    }
    let mut writer = UnlabelledWriter::create(out, force)?;
    let mut notes = Vec::new();
    let mut id_column = None;
    let spec = match recipe.domain.as_str() {
        converters_tabular::recipe::DOMAIN => {
            let r: converters_tabular::TabularRecipe = recipe.settings(&recipe.domain, recipe_path)?;
            let opts = converters_tabular::NewRowsOptions {
                delimiter: None,
                header: raw.header,
                id_column: raw.id_column.clone(),
            };
            let (spec, rows) = converters_tabular::convert_new_rows(&r, input, &opts, output_dim, class_names, &mut writer)
                .map_err(converters_common::ConvertError::from)?;
            notes.extend(rows.header_note.map(|n| format!("header: {n}")));
            notes.extend(rows.warnings.into_iter().map(|w| format!("warning: {w}")));
            id_column = rows.id_column.map(|c| (c, rows.ids));
            spec
        }
        converters_text::unlabelled::DOMAIN => {
            let r: converters_text::TextRecipe = recipe.settings(&recipe.domain, recipe_path)?;
            converters_text::convert_new_documents(&r, input, output_dim, class_names, &mut writer)
                .map_err(converters_common::ConvertError::from)?
        }
        _ => {
            let settings = converters_scale::raw::recipe_settings(&recipe, recipe_path)?;
            let (spec, warnings) = converters_scale::raw::convert_new_files(&settings, input, output_dim, class_names, &mut writer)?;
            notes.extend(warnings.into_iter().map(|w| format!("warning: {w}")));
            spec
        }
    };
    let set = writer.finish(spec)?;
    let by_row = recipe.domain == converters_tabular::recipe::DOMAIN || input.is_file() && recipe.domain == converters_text::unlabelled::DOMAIN;
    let mut id_header = vec![if by_row { "row" } else { "path" }.to_string()];
    let mut ids = vec![set.sources.clone()];
    if let Some((name, values)) = id_column {
        id_header.push(name);
        ids.push(values);
    }
    Ok(RawSet { set, notes, id_header, ids })
}

/// Output dimension and class names of the model or dataset a recipe came from (for
/// `convert --unlabelled --recipe`): a run or bundle folder (`bundle.json`), or a dataset.
pub fn classes_of(origin: &Path) -> Result<(usize, Vec<String>)> {
    let bundle_json = [origin.join(CONFIG_FILE), origin.join(BUNDLE_DIR).join(CONFIG_FILE)]
        .into_iter()
        .find(|p| p.is_file());
    if let Some(path) = bundle_json {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let config: BundleClasses =
            serde_json::from_str(&text).with_context(|| format!("{}: not a model bundle", path.display()))?;
        return Ok((config.output_dim, config.label_names));
    }
    let reader = formats::dataset::DatasetReader::open(origin)
        .with_context(|| format!("{}: neither a run, a model bundle nor a converted dataset", origin.display()))?;
    let spec = reader
        .spec(formats::dataset::Subset::Train)
        .with_context(|| format!("{}: no train subset", origin.display()))?;
    let k = spec.output_dim.max(0) as usize;
    let names = reader.label_names()?.unwrap_or_else(|| (0..k).map(|i| i.to_string()).collect());
    Ok((k, names))
}

/// The fields of `bundle.json` (trainer's `BundleConfig`) that name the model's classes.
#[derive(serde::Deserialize)]
struct BundleClasses {
    output_dim: usize,
    label_names: Vec<String>,
}

/// `--run` must hold a model: a run folder (the `--out` of `train` or `rate`, with
/// `model/bundle.json`) or the bundle folder itself. Otherwise one line saying what the folder
/// is instead, so a swapped or mistyped argument is seen at once.
pub fn check_run_folder(run: &Path) -> Result<()> {
    if run.join(CONFIG_FILE).is_file() || run.join(BUNDLE_DIR).join(CONFIG_FILE).is_file() {
        return Ok(());
    }
    let what = if !run.exists() {
        "does not exist".to_string()
    } else if formats::dataset::DatasetLayout::open(run).is_ok() {
        "is an AutoDL dataset, not a run (did you swap --run and the input?)".to_string()
    } else if run.join("predictions").is_dir() {
        format!("has no {BUNDLE_DIR}/{CONFIG_FILE}: its run saved no model (no prediction was recorded, or it was trained with a baseline)")
    } else if let Some(guidance) = crate::detect::wrong_folder_guidance(run) {
        format!("is not a run: it {}", guidance.strip_prefix(&run.display().to_string()).unwrap_or(&guidance).trim_start())
    } else {
        format!("has no {BUNDLE_DIR}/{CONFIG_FILE}")
    };
    bail!(
        "--run {} {what}. A run folder is the --out of `autodl-format train DATASET --out RUN` or `autodl-format rate INPUT --out RUN`; \
         its {BUNDLE_DIR}/ holds the model",
        run.display()
    )
}
