//! `autodl-format convert INPUT -o OUT [--domain auto|image|tabular|text|audio|video] …`: a raw folder or
//! file → a validated AutoDL dataset folder. Flags shared by every domain live in
//! [`CommonArgs`]; each domain has its own flag group (both in [`super::args`]);
//! [`crate::detect::detect_domain`] picks the domain.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::args::*;
use crate::detect::detect_domain;

const LAYOUTS: &str = "\
INPUT LAYOUTS (the domain is detected from them; --domain overrides)

Images (jpg, jpeg, png, bmp, gif, webp, tif, tiff), one of:
  class folders         pets/cat/001.jpg, pets/dog/002.png, ...
                        class names = sorted folder names, indices 0..n-1
  train/ and test/      pets/train/cat/001.jpg, pets/test/dog/007.jpg, ...
                        the top-level folder forces the subset
  labels.csv            monkeys/labels.csv, monkeys/n0159.jpg, ... (exactly one *labels*.csv)
                          FileName,Labels[,subset]           n0159.jpg,0   or   a.png,1 4,test
                          FileName,LabelConfidencePairs       a.png,\"68 0.32 13 0.36\"
                        Labels = space-separated class indices (several = multilabel, empty = none);
                        subset = train|test|empty; class names from label.name (one per line);
                        an index >= the number of names in label.name is reported and skipped;
                        without label.name the class count is max index + 1.
  The dataset name is --name, else name in private.info (name : 'miniciao'), else the folder name.
  Example: autodl-format convert raw/mini-cifar -o out/miniciao
           autodl-format convert photos -o out/photos --format dense --size 64x64 --channels 3

Tables: one row = one example, DENSE (1, 1, F, 1) or SPARSE; feature names in <name>_feat.name
  CSV/TSV file          header row detected (--header auto|yes|no; headerless columns are
                        c0, c1, ...); delimiter detected (, tab ; |) or --delimiter
                          height,weight,colour,species      --target species
                        one class per distinct target value (0/1 gives 2 classes); several
                        --target columns = multilabel (each 0/1); default target: last column;
                        a column is named or numbered from 0 (--target -1 = the last).
                        Numbers are kept as-is; text columns are categorical (one-hot/index);
                        a few text cells in a numeric column make their rows bad inputs.
                        Missing: empty, NA, NaN, null, ? (see --missing).
  Parquet / Arrow IPC   numeric, boolean and string columns (nested types are refused)
  AutoML folder         iris_train.data, iris_train.solution, iris_test.data, iris_test.solution,
                        [iris_valid.* appended to train], [iris_feat.name, iris_label.name];
                        .data rows dense (5.1 3.5 1.4 0.2), sparse (3:0.5 17:1, 1-based) or
                        sparse binary (3 17, 1-based); .solution one-hot rows, or one 0/1
                        column (binary: becomes [1-y, y]); the given split is kept
                        unless --resplit (useful when the given test part lacks classes).
  Example: autodl-format convert iris.csv -o out/iris --target species
           autodl-format convert sonar.data.csv -o out/sonar --header no --target -1
           autodl-format convert raw/iris-AutoML -o out/iris

Text: one document = one example of T frames holding token indices, (T, 1, 1, 1)
  class folders         reviews/pos/001.txt, reviews/neg/002.txt (or a labels.csv folder as for
                        images: FileName,Labels or FileName,LabelConfidencePairs)
  CSV/TSV/JSONL file    --text-column text --label-column label;
                          {\"text\": \"great film\", \"label\": \"pos\"}   (a list = multilabel)
  AutoNLP folder        O1/O1.data/{meta.json, train.data, test.data, train.solution} +
                        O1/O1.solution (test labels); one document per line; split kept;
                        meta.json language ZH or CH selects the chars tokenizer.
  The vocabulary (channel_to_index_map) is learned from the TRAINING documents only:
  index 0 = <pad> (the one frame of a document without tokens), 1 = <unk> (test words never
  seen in training), then training tokens by frequency. Empty documents and invalid UTF-8
  are bad inputs (skipped and listed, or fatal with --on-error fail).
  Example: autodl-format convert reviews.jsonl -o out/reviews --tokenizer bpe --vocab-size 8000
           autodl-format convert raw/randomtext -o out/randomtext --domain text

Video (avi, mp4, m4v, mkv, mov, webm, mpg, mpeg, wmv, flv, ogv, 3gp, ts): any codec FFmpeg decodes;
  the same three layouts as images (class folders, train/ and test/, labels.csv). One clip = one
  record of T frames; only the best video stream is read (audio tracks are ignored).
  frames                every frame (default), --fps F (first frame of each 1/F s interval; a
                        slower source keeps all its frames), or --frames N (N frames spread
                        uniformly; a shorter clip repeats frames); --max-frames caps T
  storage               --format compressed (one JPEG per frame, --jpeg-quality) or dense
                        (floats in [0, 1], needs --size); --size HxW scales every frame
  channels              --channels auto: 1 if every clip is grayscale, else 3; 1 = luma of colour
                        clips; 3 = gray clips expanded to RGB
  Metadata: sequence_size = the common frame count or -1; row_count/col_count = the common
  frame size or -1.
  Example: autodl-format convert raw/mini-kth -o out/kth --fps 5 --test-size 0.34

Audio / speech (wav, flac, mp3, ogg, oga, opus, m4a, aac, aif, aiff, caf, mka, sph, nist, au, wma):
  symphonia decodes wav/flac/mp3/ogg/m4a/aiff/caf; FFmpeg the rest (NIST SPHERE .sph, opus, ...).
  Same layouts as images. One file = one DENSE record (T, 1, 1, C), sequence_size -1, one
  sample per frame, floats in [-1, 1] (integer PCM / full scale; the original converter kept
  raw integers, whose scale depends on the bit depth) at --sample-rate (default 16000 Hz,
  band-limited FFT resampling). --channels auto|1 averages channels to mono, keep keeps them
  (all files must then share the channel count). --max-seconds S keeps S seconds chosen by
  --crop start|center|random (random is seeded by --seed and the file name). Zero-length,
  silent-only (peak <= --silence-db), undecodable and truncated files are bad inputs.
  Example: autodl-format convert speech/ -o out/speech --max-seconds 10 --crop center

OUTPUT: OUT is the dataset folder to create: OUT/<name>.data/{train,test}/, OUT/<name>.solution,
  OUT/<name>_label.name when class names are known, OUT/<name>_skipped.tsv when inputs were
  skipped (path, line, reason). OUT is never overwritten without --force, and --force replaces
  only an earlier dataset folder (never another folder or a file); OUT may not be, hold or lie
  inside INPUT. OUT appears only when the conversion succeeded and the validator found no error.

SPLIT: unless forced by a subset column or train/ and test/ folders (or AutoML/AutoNLP parts;
  --resplit ignores all of these), examples are grouped by
  label set, each group is shuffled with --seed and round(--test-size x group size) of it goes
  to test. Same input + seed => byte-identical output. At least 2 test examples are required.";


#[derive(clap::Args)]
#[command(after_long_help = format!("{LAYOUTS}\n\n{}", super::exit_codes::CONVERT))]
pub struct Args {
    /// Raw input: a folder (images, video, audio, text, AutoML/AutoNLP layouts) or a file (table, corpus)
    #[arg(required_unless_present = "plan", default_value = "-", hide_default_value = true)]
    pub input: PathBuf,
    /// Dataset folder to create (holds <name>.data/, <name>.solution and side files); with
    /// --plan, the shards folder
    #[arg(short, long, value_name = "OUT")]
    pub out: PathBuf,
    /// Scale-out: convert one shard of this plan (written by `plan`; INPUT and the conversion
    /// options come from it) into the shards folder OUT
    #[arg(long, value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    /// Shard to convert with --plan (default: $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX)
    #[arg(long, value_name = "K", requires = "plan")]
    pub shard: Option<usize>,
    /// Input domain
    #[arg(long, value_enum, default_value_t = Domain::Auto)]
    pub domain: Domain,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub image: ImageArgs,
    #[command(flatten)]
    pub tabular: TabularArgs,
    #[command(flatten)]
    pub text: TextArgs,
    #[command(flatten)]
    pub video: VideoArgs,
    #[command(flatten)]
    pub audio: AudioArgs,
    #[command(flatten)]
    pub unlabelled: UnlabelledArgs,
}

/// `--unlabelled`: new inputs without labels → the AutoDL unlabelled set (spec §1.3).
#[derive(clap::Args, Debug, Clone, Default)]
#[command(next_help_heading = "Unlabelled set")]
pub struct UnlabelledArgs {
    /// Write the unlabelled set of INPUT (OUT/unlabelled/ and OUT/unlabelled_sources.txt,
    /// naming the input of each record) converted with the recipe of --recipe
    #[arg(long, requires = "recipe")]
    pub unlabelled: bool,
    /// Where the recipe comes from: a dataset written by `convert`, a run folder of
    /// `train`/`rate` (its model/recipe.json), or a recipe file
    #[arg(long, value_name = "PATH", requires = "unlabelled")]
    pub recipe: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let out = args.out.clone();
    let result = run_domain(args);
    // issue 9: after SIGINT/SIGTERM (handler installed by main) the failure is the interruption;
    // the dataset job removed its temporary folder on the way out.
    if let (Some(signal), Err(e)) = (converters_common::interrupt::received(), &result) {
        eprintln!("interrupted by {}: nothing written at {} ({e:#})", converters_common::interrupt::signal_name(signal), out.display());
        return Ok(converters_common::interrupt::exit_code(signal));
    }
    result
}

fn run_domain(args: Args) -> anyhow::Result<i32> {
    if let Some(plan) = &args.plan {
        return crate::cmd::plan::run_shard(plan, args.shard, &args.out);
    }
    // Before any work: OUT is never the input, and --force replaces only an earlier dataset.
    converters_common::outdir::check_output(&args.out, &[&args.input], args.common.force, converters_common::outdir::OutputKind::Dataset)?;
    if let Some(origin) = args.unlabelled.recipe.as_deref() {
        return run_unlabelled(&args, origin);
    }
    let domain = match args.domain {
        Domain::Auto => detect_domain(&args.input)?,
        d => d,
    };
    crate::media::hand_over_if_needed(domain)?;
    match domain {
        Domain::Image => run_image(&args),
        Domain::Tabular => run_tabular(&args),
        Domain::Text => run_text(&args),
        Domain::Audio => run_audio(&args),
        Domain::Video => run_video(&args),
        Domain::Auto => unreachable!("detect_domain never answers Auto"),
    }
}

fn run_unlabelled(args: &Args, origin: &Path) -> anyhow::Result<i32> {
    let recipe = converters_common::recipe::find_recipe(origin)
        .with_context(|| format!("{}: no conversion recipe (<name>_recipe.json or model/recipe.json)", origin.display()))?;
    crate::media::hand_over_if_needed_for(&converters_common::recipe::Recipe::read(&recipe)?.domain)?;
    let (output_dim, class_names) = super::predict::classes_of(recipe.parent().filter(|_| origin.is_file()).unwrap_or(origin))?;
    let raw = super::predict::RawArgs { id_column: None, header: args.tabular.header };
    let set = super::predict::convert_raw(&recipe, &args.input, &args.out, args.common.force, output_dim, &class_names, &raw)
        .with_context(|| format!("converting {} with the recipe {}", args.input.display(), recipe.display()))?;
    eprintln!(
        "wrote {} (unlabelled set): {} records; their inputs are listed in {}",
        set.set.root.display(),
        set.set.sources.len(),
        set.set.root.join(converters_common::unlabelled::SOURCES_FILE).display()
    );
    Ok(0)
}

/// Records the recipe of a finished image/video/audio conversion (`channels`: the records').
fn write_file_recipe(request: converters_scale::domain::DomainRequest, channels: usize, root: &Path, name: &str) -> anyhow::Result<()> {
    converters_scale::raw::write_recipe(&request, channels, root, name)
        .with_context(|| format!("writing the conversion recipe into {}", root.display()))?;
    Ok(())
}

fn run_image(args: &Args) -> anyhow::Result<i32> {
    let req = converters_image::ImageRequest {
        input: args.input.clone(),
        out_dir: args.out.clone(),
        name: args.common.name.clone(),
        force: args.common.force,
        quiet: args.common.quiet,
        fsync: args.common.fsync,
        split: args.common.split(),
        policy: args.common.policy(),
        image: args.image.options(),
    };
    let outcome = converters_image::convert_image_folder(&req)
        .with_context(|| format!("converting images from {}", args.input.display()))?;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    let s = &outcome.written.summary;
    let (h, w, c) = outcome.shape;
    write_file_recipe(converters_scale::domain::DomainRequest::Image(args.image.options()), c as usize, &s.root, &s.name)?;
    eprintln!(
        "wrote {} (dataset {}): {} train + {} test records, (1, {h}, {w}, {c}), {} validation warning(s)",
        s.root.display(),
        s.name,
        s.train_records,
        s.test_records,
        outcome.written.validation.warnings
    );
    eprintln!("{}", skip_summary(&outcome.written));
    Ok(0)
}

/// "converted C, skipped S of N inputs": N counts every input the listing saw (files left out
/// while listing included), so the numbers add up (issue 22: "skipped 5 of 19" with 24 inputs).
fn skip_summary(written: &converters_common::output::Written) -> String {
    let converted = (written.summary.train_records + written.summary.test_records) as usize;
    let total = converted + written.skipped;
    match &written.skip_report {
        Some(p) => format!("converted {converted}, skipped {} of {total} inputs (see {})", written.skipped, p.display()),
        None => format!("converted {converted}, skipped 0 of {total} inputs"),
    }
}


fn output_target(args: &Args, name: String, what: &str, style: formats::solution::SolutionStyle) -> converters_common::output::OutputTarget {
    let mut target = converters_common::output::OutputTarget::new(&args.out, name);
    target.force = args.common.force;
    target.quiet = args.common.quiet;
    target.what = what.to_string();
    target.solution_style = style;
    target.deep_validate = true;
    target.fsync = args.common.fsync;
    target
}

/// Every option of `domain` checked without reading the input: `rate` runs it before any work.
pub fn check_options(args: &Args, domain: Domain) -> anyhow::Result<()> {
    args.common.split().check()?;
    match domain {
        Domain::Image => drop(args.image.options().check()?),
        Domain::Video => drop(video_options(&args.image, &args.video).check()?),
        Domain::Audio => drop(audio_options(&args.image, &args.audio, &args.common)?.check()?),
        Domain::Tabular => tabular_options(args).check().map_err(converters_common::ConvertError::from)?,
        Domain::Text => text_options(args).check().map_err(converters_common::ConvertError::from)?,
        Domain::Auto => {}
    }
    Ok(())
}

fn tabular_options(args: &Args) -> converters_tabular::TabularOptions {
    use converters_tabular::{CategoricalEncoding, ColumnChoices, MissingPolicy, SparseChoice, TabularOptions};
    let t = &args.tabular;
    TabularOptions {
        columns: ColumnChoices {
            targets: t.targets.clone(),
            categorical: t.categorical_columns.clone(),
            drop: t.drop_columns.clone(),
            encoding: match t.categorical {
                CategoricalArg::Onehot => CategoricalEncoding::OneHot,
                CategoricalArg::Index => CategoricalEncoding::Index,
                CategoricalArg::Auto => CategoricalEncoding::Auto,
            },
            onehot_max: t.onehot_max,
            target_bins: t.bins,
        },
        delimiter: t.delimiter,
        header: match t.header {
            HeaderArg::Auto => converters_tabular::HeaderMode::Auto,
            HeaderArg::Yes => converters_tabular::HeaderMode::Yes,
            HeaderArg::No => converters_tabular::HeaderMode::No,
        },
        missing: match t.missing {
            MissingArg::Mean => MissingPolicy::Mean,
            MissingArg::Zero => MissingPolicy::Zero,
            MissingArg::Nan => MissingPolicy::Nan,
        },
        sparse: match t.sparse {
            SparseArg::Auto => SparseChoice::Auto,
            SparseArg::Yes => SparseChoice::Yes,
            SparseArg::No => SparseChoice::No,
        },
        split: args.common.split(),
    }
}

fn run_tabular(args: &Args) -> anyhow::Result<i32> {
    let opts = tabular_options(args);
    opts.check().map_err(converters_common::ConvertError::from)?;
    let suggested = converters_tabular::suggested_name(&args.input);
    let name = converters_common::naming::resolve_name(args.common.name.as_deref(), suggested.as_deref(), &args.input)?;
    let target = output_target(args, name.clone(), "rows", formats::solution::SolutionStyle::Tabular);
    let mut job = converters_common::output::DatasetJob::start(target, 0)?;
    let mut report = converters_common::SkipReport::new(args.common.policy());
    let summary = converters_tabular::convert(&args.input, &opts, &mut job, &mut report)
        .map_err(converters_common::ConvertError::from)
        .with_context(|| format!("converting the table {}", args.input.display()))?;
    let feat = formats::names::name_lines(&summary.feature_names).map_err(|m| anyhow::anyhow!("{}: feature names: {m}", args.input.display()))?;
    job.writer_mut().write_side_file(&format!("{name}_feat.name"), feat.as_bytes())?;
    if let Some(recipe) = &summary.recipe {
        let json = recipe.to_recipe()?.to_json();
        job.writer_mut().write_side_file(&converters_common::recipe::recipe_file_name(&name), &json)?;
        let (file, bytes) = converters_common::recipe::test_sources_file(&name, &summary.test_sources);
        job.writer_mut().write_side_file(&file, &bytes)?;
    }
    let names = (!summary.class_names.is_empty()).then_some(summary.class_names.as_slice());
    let written = job.finish(summary.spec.clone(), names, &report)?;
    if let Some(note) = &summary.header_note {
        eprintln!("header: {note}");
    }
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    let s = &written.summary;
    eprintln!(
        "wrote {} (dataset {}): {} train + {} test records, {} features ({}), {} classes",
        s.root.display(),
        s.name,
        s.train_records,
        s.test_records,
        summary.features,
        if summary.sparse { "SPARSE" } else { "DENSE" },
        summary.output_dim
    );
    eprintln!("{}", report.summary(summary.rows_read as usize, written.skip_report.as_deref()));
    Ok(0)
}

fn text_options(args: &Args) -> converters_text::TextOptions {
    use converters_text::{TableColumns, TextOptions, TokenizerChoice};
    let t = &args.text;
    TextOptions {
        columns: TableColumns {
            text: t.text_column.clone(),
            label: t.label_column.clone(),
            delimiter: args.tabular.delimiter,
        },
        tokenizer: match t.tokenizer {
            TokenizerArg::Auto => TokenizerChoice::Auto,
            TokenizerArg::Words => TokenizerChoice::Words,
            TokenizerArg::Chars => TokenizerChoice::Chars,
            TokenizerArg::ZhWords => TokenizerChoice::ZhWords,
            TokenizerArg::Bpe => TokenizerChoice::Bpe,
        },
        vocab_size: t.vocab_size,
        max_length: t.max_length,
        split: args.common.split(),
    }
}

fn run_text(args: &Args) -> anyhow::Result<i32> {
    use converters_text::{convert_corpus, Corpus};
    let opts = text_options(args);
    opts.check().map_err(converters_common::ConvertError::from)?;
    let mut report = converters_common::SkipReport::new(args.common.policy());
    let corpus = Corpus::open(&args.input, &opts.columns, &mut report).map_err(converters_common::ConvertError::from)?;
    let suggested = corpus.suggested_name();
    let name = converters_common::naming::resolve_name(args.common.name.as_deref(), suggested.as_deref(), &args.input)?;
    let target = output_target(args, name.clone(), "documents", formats::solution::SolutionStyle::Generic);
    let mut job = converters_common::output::DatasetJob::start(target, 0)?;
    let summary = convert_corpus(&corpus, &opts, &mut job, &mut report)
        .map_err(converters_common::ConvertError::from)
        .with_context(|| format!("converting the corpus {}", args.input.display()))?;
    if let Some(recipe) = &summary.recipe {
        let json = recipe.to_recipe()?.to_json();
        job.writer_mut().write_side_file(&converters_common::recipe::recipe_file_name(&name), &json)?;
        let (file, bytes) = converters_common::recipe::test_sources_file(&name, &summary.test_sources);
        job.writer_mut().write_side_file(&file, &bytes)?;
    }
    let written = job.finish(summary.spec.clone(), summary.class_names.as_deref(), &report)?;
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    let s = &written.summary;
    eprintln!(
        "wrote {} (dataset {}): {} train + {} test documents, tokenizer {}, vocabulary {} (<pad> 0, <unk> 1), {} classes",
        s.root.display(),
        s.name,
        s.train_records,
        s.test_records,
        summary.tokenizer,
        summary.vocab_size,
        summary.output_dim
    );
    eprintln!("{}", report.summary(summary.documents + report.len(), written.skip_report.as_deref()));
    Ok(0)
}


fn run_video(args: &Args) -> anyhow::Result<i32> {
    let video = video_options(&args.image, &args.video);
    let req = converters_video::VideoRequest {
        input: args.input.clone(),
        out_dir: args.out.clone(),
        name: args.common.name.clone(),
        force: args.common.force,
        quiet: args.common.quiet,
        fsync: args.common.fsync,
        split: args.common.split(),
        policy: args.common.policy(),
        video,
    };
    let outcome = converters_video::convert_video_folder(&req)
        .with_context(|| format!("converting videos from {}", args.input.display()))?;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    let s = &outcome.written.summary;
    let (t, h, w, c) = outcome.shape;
    write_file_recipe(converters_scale::domain::DomainRequest::Video(video_options(&args.image, &args.video)), c as usize, &s.root, &s.name)?;
    eprintln!(
        "wrote {} (dataset {}): {} train + {} test records, ({t}, {h}, {w}, {c}), {} frames stored of {} decoded",
        s.root.display(),
        s.name,
        s.train_records,
        s.test_records,
        outcome.frames_stored,
        outcome.frames_decoded
    );
    eprintln!("{}", skip_summary(&outcome.written));
    Ok(0)
}


fn run_audio(args: &Args) -> anyhow::Result<i32> {
    let a = &args.audio;
    let audio = audio_options(&args.image, a, &args.common)?;
    let req = converters_audio::AudioRequest {
        input: args.input.clone(),
        out_dir: args.out.clone(),
        name: args.common.name.clone(),
        force: args.common.force,
        quiet: args.common.quiet,
        fsync: args.common.fsync,
        split: args.common.split(),
        policy: args.common.policy(),
        audio,
    };
    let outcome = converters_audio::convert_audio_folder(&req)
        .with_context(|| format!("converting audio from {}", args.input.display()))?;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    let s = &outcome.written.summary;
    write_file_recipe(converters_scale::domain::DomainRequest::Audio(audio), outcome.channels, &s.root, &s.name)?;
    eprintln!(
        "wrote {} (dataset {}): {} train + {} test records, (-1, 1, 1, {}) at {} Hz, {:.1} s stored of {:.1} s read",
        s.root.display(),
        s.name,
        s.train_records,
        s.test_records,
        outcome.channels,
        a.sample_rate,
        outcome.stored_seconds,
        outcome.source_seconds
    );
    eprintln!("{}", skip_summary(&outcome.written));
    Ok(0)
}
