//! `autodl-format convert INPUT -o OUT [--domain auto|image|tabular|text|audio|video] …`: a raw folder or
//! file → a validated AutoDL dataset folder. The flags ([`ConvertFlags`], in [`super::args`])
//! become the options of [`pipeline::convert`], which detects the kind and converts; this
//! module prints what it reports.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::args::ConvertFlags;

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
    #[command(flatten)]
    pub flags: ConvertFlags,
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
    let common = args.flags.common.common(&args.out);
    pipeline::convert::check_output(&args.input, &common)?;
    if let Some(origin) = args.unlabelled.recipe.as_deref() {
        return run_unlabelled(&args, origin);
    }
    let domain = pipeline::convert::resolve_domain(&args.input, args.flags.domain.chosen())?;
    crate::media::hand_over_if_needed(domain)?;
    let options = args.flags.options(&args.out, domain)?;
    let converted = pipeline::convert::convert(&args.input, &options)?;
    print_converted(&converted);
    Ok(0)
}

/// The lines of a finished conversion on standard error (`convert`, and `rate`'s first step).
pub fn print_converted(c: &pipeline::convert::Converted) {
    if let Some(note) = &c.header_note {
        eprintln!("header: {note}");
    }
    for w in &c.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!("{}", c.summary);
    eprintln!("{}", c.skips);
}

fn run_unlabelled(args: &Args, origin: &Path) -> anyhow::Result<i32> {
    use pipeline::unlabelled::{classes_of, convert_raw, RawOptions};
    let recipe = converters_common::recipe::find_recipe(origin)
        .with_context(|| format!("{}: no conversion recipe (<name>_recipe.json or model/recipe.json)", origin.display()))?;
    crate::media::hand_over_if_needed_for(&converters_common::recipe::Recipe::read(&recipe)?.domain)?;
    let (output_dim, class_names) = classes_of(recipe.parent().filter(|_| origin.is_file()).unwrap_or(origin))?;
    let raw = RawOptions { id_column: None, header: args.flags.tabular.header.into() };
    let set = convert_raw(&recipe, &args.input, &args.out, args.flags.common.force, output_dim, &class_names, &raw)
        .with_context(|| format!("converting {} with the recipe {}", args.input.display(), recipe.display()))?;
    for n in &set.notes {
        eprintln!("{n}");
    }
    eprintln!(
        "wrote {} (unlabelled set): {} records; their inputs are listed in {}",
        set.set.root.display(),
        set.set.sources.len(),
        set.set.root.join(converters_common::unlabelled::SOURCES_FILE).display()
    );
    Ok(0)
}
