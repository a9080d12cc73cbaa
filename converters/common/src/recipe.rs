//! The conversion recipe: what turns new raw inputs into records exactly as the training data
//! was converted (sizes, channels, frame sampling, sample rate, tokenizer and vocabulary,
//! column order, encodings, missing-value fills). `convert` writes it as
//! `<out>/<name>_recipe.json`, a side file the validator ignores; `train` and `rate` copy it
//! into the run's model bundle as `model/recipe.json`; `predict --run RUN RAW` and
//! `convert --unlabelled --recipe …` apply it unchanged.
//!
//! The envelope is shared; `settings` belongs to the domain's converter crate, which alone
//! reads and writes it.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{ConvertError, Result};

/// Version of the envelope and of every domain's settings.
pub const RECIPE_VERSION: u32 = 1;
/// The recipe's name inside a model bundle.
pub const BUNDLE_RECIPE_FILE: &str = "recipe.json";
/// Suffix of the recipe side file of a converted dataset (`<name>_recipe.json`).
pub const RECIPE_SUFFIX: &str = "_recipe.json";
/// Suffix of the side file naming the source of every test record, in record order
/// (`<name>_test_sources.txt`: a relative path, or a table's 1-based data row).
pub const TEST_SOURCES_SUFFIX: &str = "_test_sources.txt";

/// `<name>_recipe.json`.
pub fn recipe_file_name(dataset_name: &str) -> String {
    format!("{dataset_name}{RECIPE_SUFFIX}")
}

/// `<name>_test_sources.txt` with one source per line.
pub fn test_sources_file(dataset_name: &str, sources: &[String]) -> (String, Vec<u8>) {
    let mut text = String::with_capacity(sources.len() * 16);
    for s in sources {
        text.push_str(s);
        text.push('\n');
    }
    (format!("{dataset_name}{TEST_SOURCES_SUFFIX}"), text.into_bytes())
}

/// Label files of the raw layouts (spec §1.5: `*labels*.csv`, `label.name`, `private.info`),
/// passed over when new inputs are listed for a recipe.
pub fn is_layout_file(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    (lower.contains("labels") && lower.ends_with(".csv")) || lower == "label.name" || lower == "private.info"
}

/// One recipe file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub format_version: u32,
    /// `image`, `video`, `audio`, `text` or `tabular`.
    pub domain: String,
    /// The domain's own settings.
    pub settings: serde_json::Value,
}

impl Recipe {
    pub fn new(domain: &str, settings: &impl Serialize) -> Result<Recipe> {
        let settings = serde_json::to_value(settings)
            .map_err(|e| ConvertError::Options(format!("cannot record the {domain} recipe: {e}")))?;
        Ok(Recipe { format_version: RECIPE_VERSION, domain: domain.to_string(), settings })
    }

    /// The domain's settings; an error when the recipe is of another domain.
    pub fn settings<T: DeserializeOwned>(&self, domain: &str, origin: &Path) -> Result<T> {
        if self.domain != domain {
            return Err(ConvertError::input(origin, format!("the recipe is for {} data, not {domain}", self.domain)));
        }
        serde_json::from_value(self.settings.clone())
            .map_err(|e| ConvertError::input(origin, format!("unreadable {domain} recipe: {e}")))
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a recipe is plain JSON")
    }

    pub fn read(path: &Path) -> Result<Recipe> {
        let text = std::fs::read(path).map_err(|e| ConvertError::Io { path: path.to_path_buf(), source: e })?;
        let recipe: Recipe =
            serde_json::from_slice(&text).map_err(|e| ConvertError::input(path, format!("not a conversion recipe: {e}")))?;
        if recipe.format_version != RECIPE_VERSION {
            return Err(ConvertError::input(
                path,
                format!("recipe version {} is not supported (expected {RECIPE_VERSION})", recipe.format_version),
            ));
        }
        Ok(recipe)
    }

    /// Writes `dir/file_name`, atomically.
    pub fn write_into(&self, dir: &Path, file_name: &str) -> Result<PathBuf> {
        let path = dir.join(file_name);
        formats::atomic::write_bytes(&path, &self.to_json()).map_err(|e| ConvertError::io(&path, e.source))?;
        Ok(path)
    }
}

/// The recipe file of `dir`: a model bundle's `recipe.json` (also under `dir/model/`), or a
/// converted dataset's single `<name>_recipe.json`. `None` when there is none.
pub fn find_recipe(dir: &Path) -> Option<PathBuf> {
    for candidate in [dir.join(BUNDLE_RECIPE_FILE), dir.join("model").join(BUNDLE_RECIPE_FILE)] {
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    if dir.is_file() {
        return Some(dir.to_path_buf());
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n.to_string_lossy().ends_with(RECIPE_SUFFIX)))
        .collect();
    found.sort();
    (found.len() == 1).then(|| found.remove(0))
}

/// Copies the recipe of the converted dataset at `dataset` into the model bundle folder
/// `bundle_dir` as `recipe.json`; `None` when the dataset has none (converted by an older
/// version, or not by `convert`).
pub fn copy_into_bundle(dataset: &Path, bundle_dir: &Path) -> Result<Option<PathBuf>> {
    let Some(source) = find_recipe(dataset).filter(|_| dataset.is_dir()) else { return Ok(None) };
    Recipe::read(&source)?.write_into(bundle_dir, BUNDLE_RECIPE_FILE).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct S {
        size: (u32, u32),
    }

    #[test]
    fn round_trip_and_lookup() {
        let d = tempfile::tempdir().unwrap();
        let r = Recipe::new("image", &S { size: (8, 6) }).unwrap();
        let p = r.write_into(d.path(), &recipe_file_name("pets")).unwrap();
        assert_eq!(find_recipe(d.path()), Some(p.clone()));
        let back = Recipe::read(&p).unwrap();
        assert_eq!(back.settings::<S>("image", &p).unwrap(), S { size: (8, 6) });
        assert!(back.settings::<S>("audio", &p).unwrap_err().to_string().contains("for image data, not audio"));
        std::fs::write(d.path().join("x_recipe.json"), "{}").unwrap();
        assert_eq!(find_recipe(d.path()), None, "two recipes: ambiguous");
    }
}
