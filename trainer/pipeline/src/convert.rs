//! One conversion entry point per input kind ([`convert_image`], [`convert_tabular`],
//! [`convert_text`], [`convert_video`], [`convert_audio`]) with typed options, and
//! [`convert`], which detects the kind (or takes it) and calls the right one. Nothing is
//! printed: each returns a [`Converted`] whose lines the caller shows.

use std::path::{Path, PathBuf};

use converters_audio::{Audio, AudioOptions};
use converters_common::file_domain::FileDomain;
use converters_common::folder::{convert_folder, FolderOutcome, FolderRequest};
pub use converters_common::output::RecordSources;
use converters_common::output::{DatasetJob, OutputTarget, Written};
use converters_common::planned::{ConversionFacts, PlannedRecord, WholeInputDomain};
use converters_common::{ConvertError, SkipReport};
use converters_image::{Image, ImageOptions};
use converters_scale::domain::DomainRequest;
use converters_tabular::TabularOptions;
use converters_text::TextOptions;
use converters_video::{Video, VideoOptions};

use crate::detect::{detect_domain, Domain};
use crate::error::{Context, Error, Result};

/// What every input kind shares: where the dataset goes and how inputs are split and skipped.
pub use converters_common::output::Common;

/// A conversion of any kind: the common part, the kind (`None` = detect) and the options of
/// every kind (only the chosen kind's are used).
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    pub domain: Option<Domain>,
    pub common: Common,
    pub image: ImageOptions,
    pub tabular: TabularOptions,
    pub text: TextOptions,
    pub video: VideoOptions,
    pub audio: AudioOptions,
}

/// A finished conversion and the lines that describe it.
#[derive(Debug)]
pub struct Converted {
    pub root: PathBuf,
    pub name: String,
    /// How a table's header line was decided (tables only).
    pub header_note: Option<String>,
    pub warnings: Vec<String>,
    /// "wrote OUT (dataset NAME): … records, shape …".
    pub summary: String,
    /// "converted C, skipped S of N inputs (see …)".
    pub skips: String,
    /// Where each record came from: kept by the per-file conversions (images, video, audio);
    /// tables and corpora give it through [`record_sources`].
    pub sources: Option<RecordSources>,
}

/// The kind of `input` given or detected.
pub fn resolve_domain(input: &Path, domain: Option<Domain>) -> Result<Domain> {
    match domain {
        Some(d) => Ok(d),
        None => detect_domain(input),
    }
}

/// Converts `input` with the converter of its kind (after the output check every writing
/// command runs: `out` is never the input, `force` replaces only an earlier dataset).
pub fn convert(input: &Path, options: &ConvertOptions) -> Result<Converted> {
    check_output(input, &options.common)?;
    match resolve_domain(input, options.domain)? {
        Domain::Image => convert_image(input, &options.common, &options.image),
        Domain::Tabular => convert_tabular(input, &options.common, &options.tabular),
        Domain::Text => convert_text(input, &options.common, &options.text),
        Domain::Video => convert_video(input, &options.common, &options.video),
        Domain::Audio => convert_audio(input, &options.common, &options.audio),
    }
}

/// Before any work: the output is not the input, and `force` replaces only an earlier dataset.
pub fn check_output(input: &Path, common: &Common) -> Result<()> {
    let kind = converters_common::outdir::OutputKind::Dataset;
    Ok(converters_common::outdir::check_output(&common.out, &[input], common.force, kind)?)
}

/// Every option of `domain` checked without reading the input (`rate` runs it before any work).
pub fn check_options(options: &ConvertOptions, domain: Domain) -> Result<()> {
    options.common.split.check()?;
    match domain {
        Domain::Image => Image::check(&options.image)?,
        Domain::Video => Video::check(&options.video)?,
        Domain::Audio => Audio::check(&options.audio)?,
        Domain::Tabular => options.tabular.check().map_err(ConvertError::from)?,
        Domain::Text => options.text.check().map_err(ConvertError::from)?,
    }
    Ok(())
}

/// A folder of images (class folders, train/ and test/, labels.csv).
pub fn convert_image(input: &Path, common: &Common, options: &ImageOptions) -> Result<Converted> {
    let o = convert_files::<Image>(input, common, options, DomainRequest::Image(options.clone()))?;
    let [_, h, w, c] = o.shape;
    let detail = format!("(1, {h}, {w}, {c}), {} validation warning(s)", o.written.validation.warnings);
    Ok(Converted::of_files(o.written, o.warnings, detail))
}

/// A folder of video clips (the image layouts).
pub fn convert_video(input: &Path, common: &Common, options: &VideoOptions) -> Result<Converted> {
    let o = convert_files::<Video>(input, common, options, DomainRequest::Video(options.clone()))?;
    let [t, h, w, c] = o.shape;
    let detail = format!("({t}, {h}, {w}, {c}), {} frames stored of {} decoded", o.stats.stored, o.stats.decoded);
    Ok(Converted::of_files(o.written, o.warnings, detail))
}

/// A folder of recordings (the image layouts).
pub fn convert_audio(input: &Path, common: &Common, options: &AudioOptions) -> Result<Converted> {
    let o = convert_files::<Audio>(input, common, options, DomainRequest::Audio(options.clone()))?;
    let (c, t) = (o.settings.channels, &o.stats);
    let detail = format!("(-1, 1, 1, {c}) at {} Hz, {:.1} s stored of {:.1} s read", options.sample_rate, t.stored_seconds, t.source_seconds);
    Ok(Converted::of_files(o.written, o.warnings, detail))
}

/// The folder conversion of a per-file kind (images, video, audio) into `common.out`, then its
/// recipe (`request`: the same options, as a recipe stores them) beside the dataset.
fn convert_files<D: FileDomain>(input: &Path, common: &Common, options: &D::Options, request: DomainRequest) -> Result<FolderOutcome<D>> {
    let req = FolderRequest { input: input.to_path_buf(), common: common.clone(), options: options.clone() };
    let outcome = convert_folder::<D>(&req).with_context(|| format!("converting {} from {}", D::WHAT, input.display()))?;
    let s = &outcome.written.summary;
    let channels = outcome.shape[3] as usize;
    converters_scale::raw::write_recipe(&request, channels, &s.root, &s.name)
        .with_context(|| format!("writing the conversion recipe into {}", s.root.display()))?;
    Ok(outcome)
}

/// A table: CSV/TSV, Parquet, Arrow IPC, or an AutoML folder.
pub fn convert_tabular(input: &Path, common: &Common, options: &TabularOptions) -> Result<Converted> {
    options.check().map_err(ConvertError::from)?;
    let suggested = converters_tabular::suggested_name(input);
    let name = converters_common::naming::resolve_name(common.name.as_deref(), suggested.as_deref(), input)?;
    let target = output_target(common, name.clone(), "rows", formats::solution::SolutionStyle::Tabular);
    let mut job = DatasetJob::start(target, 0)?;
    let mut report = SkipReport::new(common.policy);
    let summary = converters_tabular::convert(input, options, &mut job, &mut report)
        .map_err(ConvertError::from)
        .with_context(|| format!("converting the table {}", input.display()))?;
    let feat = formats::names::name_lines(&summary.feature_names).map_err(|m| Error::msg(format!("{}: feature names: {m}", input.display())))?;
    job.writer_mut().write_side_file(&format!("{name}_feat.name"), feat.as_bytes())?;
    let layout = if summary.sparse { "SPARSE" } else { "DENSE" };
    let detail = format!("{} features ({layout}), {} classes", summary.features, summary.facts.output_dim);
    let mut converted = finish_whole_input(job, &name, &summary.facts, &report, summary.rows_read as usize, "records", detail)?;
    converted.header_note = summary.header_note;
    Ok(converted)
}

/// The end every whole-input conversion shares: recipe and test-source files, metadata and
/// validation, and the lines for the user (`seen` inputs, `what` the records are and `detail`).
fn finish_whole_input(
    mut job: DatasetJob,
    name: &str,
    facts: &ConversionFacts,
    report: &SkipReport,
    seen: usize,
    what: &str,
    detail: String,
) -> Result<Converted> {
    if let Some(recipe) = &facts.recipe {
        job.writer_mut().write_side_file(&converters_common::recipe::recipe_file_name(name), &recipe.to_json())?;
        let (file, bytes) = converters_common::recipe::test_sources_file(name, &facts.test_sources);
        job.writer_mut().write_side_file(&file, &bytes)?;
    }
    let written = job.finish(facts.spec.clone(), facts.class_names.as_deref(), report)?;
    let s = &written.summary;
    Ok(Converted {
        root: s.root.clone(),
        name: s.name.clone(),
        header_note: None,
        warnings: facts.warnings.clone(),
        summary: wrote(s, what, detail),
        skips: report.summary(seen, written.skip_report.as_deref()),
        sources: None,
    })
}

/// A corpus: class folders of .txt, CSV/TSV/JSONL, or an AutoNLP folder.
pub fn convert_text(input: &Path, common: &Common, options: &TextOptions) -> Result<Converted> {
    use converters_text::{convert_corpus, Corpus};
    options.check().map_err(ConvertError::from)?;
    let mut report = SkipReport::new(common.policy);
    let corpus = Corpus::open(input, &options.columns, &mut report).map_err(ConvertError::from)?;
    let suggested = corpus.suggested_name();
    let name = converters_common::naming::resolve_name(common.name.as_deref(), suggested.as_deref(), input)?;
    let target = output_target(common, name.clone(), "documents", formats::solution::SolutionStyle::Generic);
    let mut job = DatasetJob::start(target, 0)?;
    let summary = convert_corpus(&corpus, options, &mut job, &mut report)
        .map_err(ConvertError::from)
        .with_context(|| format!("converting the corpus {}", input.display()))?;
    let detail = format!("tokenizer {}, vocabulary {} (<pad> 0, <unk> 1), {} classes", summary.tokenizer, summary.vocab_size, summary.facts.output_dim);
    let seen = summary.documents + report.len();
    finish_whole_input(job, &name, &summary.facts, &report, seen, "documents", detail)
}

/// Where each record of the finished conversion of `input` with `options` came from, in record
/// order: `kept` is what a per-file conversion kept ([`Converted::sources`]); for a table or
/// corpus the settle pass runs again (the input is read once more: it fixes the records and
/// their order exactly as `convert` did; an AutoML part's record is named by its data file and
/// line). `None` when nothing names them.
pub fn record_sources(input: &Path, options: &ConvertOptions, kept: Option<&RecordSources>) -> Result<Option<RecordSources>> {
    if let Some(kept) = kept {
        return Ok(Some(kept.clone()));
    }
    let mut report = SkipReport::new(options.common.policy);
    let (test, train) = match resolve_domain(input, options.domain)? {
        Domain::Tabular => {
            let s = converters_tabular::Tabular::settle(input, &options.tabular, &mut report)?;
            (s.test, s.train)
        }
        Domain::Text => {
            let s = converters_text::Text::settle(input, &options.text, &mut report)?;
            (s.test, s.train)
        }
        _ => return Ok(None),
    };
    let names = |records: Vec<PlannedRecord>| -> Vec<String> { records.into_iter().map(|r| r.source).collect() };
    let sources = RecordSources { test: names(test), train: names(train) };
    Ok((!sources.test.iter().chain(&sources.train).all(String::is_empty)).then_some(sources))
}

impl Converted {
    /// A per-file conversion (images, video, audio) whose records `detail` describes.
    fn of_files(written: Written, warnings: Vec<String>, detail: String) -> Self {
        Converted {
            summary: wrote(&written.summary, "records", detail),
            skips: skip_summary(&written),
            root: written.summary.root,
            name: written.summary.name,
            header_note: None,
            warnings,
            sources: written.sources,
        }
    }
}

/// "wrote ROOT (dataset NAME): T train + E test WHAT, DETAIL".
fn wrote(s: &formats::dataset::DatasetSummary, what: &str, detail: String) -> String {
    format!("wrote {} (dataset {}): {} train + {} test {what}, {detail}", s.root.display(), s.name, s.train_records, s.test_records)
}

/// "converted C, skipped S of N inputs": N counts every input the listing saw (files left out
/// while listing included), so the numbers add up (issue 22: "skipped 5 of 19" with 24 inputs).
fn skip_summary(written: &Written) -> String {
    let converted = (written.summary.train_records + written.summary.test_records) as usize;
    let total = converted + written.skipped;
    match &written.skip_report {
        Some(p) => format!("converted {converted}, skipped {} of {total} inputs (see {})", written.skipped, p.display()),
        None => format!("converted {converted}, skipped 0 of {total} inputs"),
    }
}

/// A dataset target whose finished folder is validated in depth.
fn output_target(common: &Common, name: String, what: &str, style: formats::solution::SolutionStyle) -> OutputTarget {
    OutputTarget { solution_style: style, deep_validate: true, ..common.target(name, what) }
}
