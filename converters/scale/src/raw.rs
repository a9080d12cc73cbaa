//! The recipe of an image, video or audio conversion — its [`DomainSettings`] with the channel
//! count the dataset was written with — and its use on new files: every file of the domain
//! below a folder (flat or nested), or one file, becomes a record of an unlabelled set through
//! the converter crate's own per-file function, exactly as in training. A file of another
//! kind, or one that cannot be converted, is an error naming it.

use std::path::{Path, PathBuf};

use converters_common::recipe::{is_layout_file, recipe_file_name, Recipe};
use converters_common::unlabelled::UnlabelledWriter;
use converters_common::ConvertError;
use formats::metadata::DataSpec;
use rayon::prelude::*;

use converters_audio::Audio;
use converters_common::file_domain::{FileDomain, RecordStats};
use converters_image::Image;
use converters_video::Video;

use crate::domain::{dispatch, DomainRequest, DomainSettings};

/// `settings` with the channel count of the written records (the metadata's `num_channels`)
/// fixed, so new files get the same channels whatever their own.
pub fn with_channels(settings: &DomainSettings, channels: usize) -> DomainSettings {
    match settings {
        DomainSettings::Image(s) => DomainSettings::Image(Image::with_channels(s, channels)),
        DomainSettings::Video(s) => DomainSettings::Video(Video::with_channels(s, channels)),
        DomainSettings::Audio(s) => DomainSettings::Audio(Audio::with_channels(s, channels)),
        other => other.clone(),
    }
}

/// The recipe of records converted with `settings` into `channels` channels.
pub fn recipe_of(settings: &DomainSettings, channels: usize) -> Result<Recipe, ConvertError> {
    let settings = with_channels(settings, channels);
    Recipe::new(settings.domain(), &settings)
}

/// Writes `<root>/<name>_recipe.json` for a finished `convert` of `request`.
pub fn write_recipe(request: &DomainRequest, channels: usize, root: &Path, name: &str) -> Result<PathBuf, ConvertError> {
    let settings = request
        .converted_settings(channels)
        .ok_or_else(|| ConvertError::Options(format!("the {} recipe is written by its converter with the dataset", request.name())))?;
    Recipe::new(settings.domain(), &settings)?.write_into(root, &recipe_file_name(name))
}

/// The settings of a file-domain recipe read from `origin`.
pub fn recipe_settings(recipe: &Recipe, origin: &Path) -> Result<DomainSettings, ConvertError> {
    recipe.settings(&recipe.domain, origin)
}

/// The files of the domain at `input`, with their names (the path below `input`, `/`
/// separators), sorted by name.
pub fn list_new_files(settings: &DomainSettings, input: &Path) -> Result<Vec<(PathBuf, String)>, ConvertError> {
    let io = |p: &Path, e: std::io::Error| ConvertError::Io { path: p.to_path_buf(), source: e };
    let wrong = |p: &Path| ConvertError::input(p, format!("the recipe converts only {} files; this is not one", settings.domain()));
    if input.is_file() {
        if !settings.accepts(input) {
            return Err(wrong(input));
        }
        let name = input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        return Ok(vec![(input.to_path_buf(), name)]);
    }
    let mut out = Vec::new();
    let mut stack = vec![input.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| io(&d, e))? {
            let p = e.map_err(|e| io(&d, e))?.path();
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if settings.accepts(&p) {
                let rel = p.strip_prefix(input).unwrap_or(&p);
                let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                out.push((p, rel.join("/")));
            } else if !is_layout_file(&name) {
                return Err(wrong(&p));
            }
        }
    }
    if out.is_empty() {
        return Err(ConvertError::input(input, format!("no {} file", settings.domain())));
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// Converts every file of `input` into `writer` (source = its name) and returns the metadata
/// of the set for `output_dim` classes named `class_names`, with `convert`'s warnings.
pub fn convert_new_files(
    settings: &DomainSettings,
    input: &Path,
    output_dim: usize,
    class_names: &[String],
    writer: &mut UnlabelledWriter,
) -> Result<(DataSpec, Vec<String>), ConvertError> {
    dispatch!(settings, D, s => new_files::<D>(settings, s, input, output_dim, class_names, writer), w => {
        Err(ConvertError::input(input, format!("a {} recipe is applied by its converter, not file by file", w.name())))
    })
}

fn new_files<D: FileDomain>(
    settings: &DomainSettings,
    s: &D::Settings,
    input: &Path,
    output_dim: usize,
    class_names: &[String],
    writer: &mut UnlabelledWriter,
) -> Result<(DataSpec, Vec<String>), ConvertError> {
    D::require_decoder()?;
    let c = D::prepare(s)?;
    let files = list_new_files(settings, input)?;
    let mut stats = D::Stats::default();
    for chunk in files.chunks(D::chunk_size(&c)) {
        let converted: Vec<_> = chunk.par_iter().map(|(path, name)| D::convert(&c, path, name)).collect();
        for ((_, name), result) in chunk.iter().zip(converted) {
            let (frames, meta) = result.map_err(ConvertError::Item)?;
            stats.observe(&meta);
            writer.push(&frames, name)?;
        }
    }
    let names = (!class_names.is_empty()).then_some(class_names);
    let (spec, _, warnings) = D::spec(&c, &stats, output_dim, names);
    Ok((spec, warnings))
}
