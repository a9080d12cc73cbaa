//! The flag groups shared by commands (`convert`, `plan`, `rate`, `predict`): common
//! conversion flags, one group per domain, and — the one place where flags become options —
//! their `From` conversions into the typed options of the `pipeline` library and the converters.

use std::path::Path;

use anyhow::bail;
use clap::ValueEnum;
use converters_audio::AudioOptions;
use converters_common::{ErrorPolicy, OnError, SplitOptions};
use converters_image::{Channels, ImageOptions, ResizeFilter, Storage};
use converters_tabular::TabularOptions;
use converters_text::TextOptions;
use converters_video::VideoOptions;
use pipeline::convert::{Common, ConvertOptions};
use pipeline::detect::Domain;

/// The one default seed of every command that takes `--seed` (split and record order in
/// `convert`/`plan`/`rate`, weight initialisation and batch order in `train`/`rate`).
pub use pipeline::options::DEFAULT_SEED;

/// `train`'s default time budget: the AutoDL challenge's T, which the ALC's time axis assumes.
pub const TRAIN_TIME_BUDGET: f64 = 1200.0;

/// `rate`'s default time budget: a quick check; `rate` reads and plots the same ALC, and a
/// longer run is `--time-budget 1200`.
pub const RATE_TIME_BUDGET: f64 = 300.0;

/// `--time-budget`: a positive, finite number of seconds (refused by the parser, before any work).
pub fn parse_time_budget(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("the time budget must be a positive number of seconds, got {s}"))
    }
}

// ---- training (train, predict, rate) ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelChoice {
    /// DeepWisdom pipeline of the dataset's domain (images, video, audio, text, tables)
    Auto,
    /// Constant scores for every example (NAUC 0): checks the plumbing
    Baseline0,
    /// Linear model on pooled inputs, trained with libtorch
    Baseline1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceChoice {
    /// CUDA when usable, else the CPU (with a message)
    Auto,
    Cpu,
    /// A CUDA GPU; an error when none is usable
    Cuda,
}

impl From<ModelChoice> for pipeline::options::Model {
    fn from(m: ModelChoice) -> Self {
        match m {
            ModelChoice::Auto => Self::Auto,
            ModelChoice::Baseline0 => Self::Constant,
            ModelChoice::Baseline1 => Self::Linear,
        }
    }
}

impl From<DeviceChoice> for pipeline::options::Device {
    fn from(d: DeviceChoice) -> Self {
        match d {
            DeviceChoice::Auto => Self::Auto,
            DeviceChoice::Cpu => Self::Cpu,
            DeviceChoice::Cuda => Self::Cuda,
        }
    }
}

/// How raw tables are read (`predict` and `convert --unlabelled`).
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Raw table options")]
pub struct RawArgs {
    /// Tables: a column (name or position) naming each row; copied to the output, not a feature
    #[arg(long, value_name = "COLUMN", allow_negative_numbers = true)]
    pub id_column: Option<String>,
    /// Tables: whether the first line names the columns (auto = detected)
    #[arg(long = "header", value_enum, default_value_t = HeaderArg::Auto, id = "raw_header")]
    pub header: HeaderArg,
}

impl From<&RawArgs> for pipeline::unlabelled::RawOptions {
    fn from(r: &RawArgs) -> Self {
        pipeline::unlabelled::RawOptions { id_column: r.id_column.clone(), header: r.header.into() }
    }
}

// ---- conversion (convert, plan, rate) ----

/// Which converter runs (`--domain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DomainArg {
    /// Detect from the input (see INPUT LAYOUTS)
    Auto,
    Image,
    Tabular,
    Text,
    Audio,
    Video,
}

impl DomainArg {
    /// The kind chosen, or `None` for `auto` (detected from the input).
    pub fn chosen(self) -> Option<Domain> {
        match self {
            DomainArg::Auto => None,
            DomainArg::Image => Some(Domain::Image),
            DomainArg::Tabular => Some(Domain::Tabular),
            DomainArg::Text => Some(Domain::Text),
            DomainArg::Audio => Some(Domain::Audio),
            DomainArg::Video => Some(Domain::Video),
        }
    }
}

/// Every conversion flag (`convert` and `rate`): the domain, the common group and one group per
/// input kind.
#[derive(clap::Args, Debug, Clone)]
pub struct ConvertFlags {
    /// Input domain
    #[arg(long, value_enum, default_value_t = DomainArg::Auto)]
    pub domain: DomainArg,
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
}

impl ConvertFlags {
    /// The library's options of a conversion of `domain` (given or detected) into the dataset
    /// folder `out`; a flag that does not apply to that kind (`--channels 3` for audio) is refused.
    pub fn options(&self, out: &Path, domain: Domain) -> anyhow::Result<ConvertOptions> {
        let audio = if domain == Domain::Audio { AudioOptions::try_from(self)? } else { default_audio(self) };
        Ok(ConvertOptions {
            domain: Some(domain),
            common: self.common.common(out),
            image: ImageOptions::from(&self.image),
            tabular: TabularOptions::from(self),
            text: TextOptions::from(self),
            video: VideoOptions::from(self),
            audio,
        })
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct CommonArgs {
    /// Dataset name (default: name in private.info, else the input's name)
    #[arg(long)]
    pub name: Option<String>,
    /// Replace OUT if it is an earlier output of this command
    #[arg(long)]
    pub force: bool,
    /// Fraction of each label-set group sent to test when the input does not force the split
    #[arg(long, default_value_t = 0.2, value_name = "FRACTION", allow_negative_numbers = true)]
    pub test_size: f64,
    /// Seed of the split and of the record order (`rate`: of training too)
    #[arg(long, default_value_t = DEFAULT_SEED, allow_negative_numbers = true)]
    pub seed: u64,
    /// Ignore the split the input gives (subset column, train/ and test/ folders, AutoML and
    /// AutoNLP parts): pool every labelled example and split it with --test-size/--seed
    #[arg(long)]
    pub resplit: bool,
    /// What to do with an input that cannot be converted
    #[arg(long, value_enum, default_value_t = OnErrorArg::Skip)]
    pub on_error: OnErrorArg,
    /// Fail when more than N inputs are skipped
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_errors: Option<usize>,
    /// No progress bars
    #[arg(long, short)]
    pub quiet: bool,
    /// fsync the dataset before and after its final rename, so it survives a power loss
    /// (without it the rename still leaves the output complete or absent if the process dies)
    #[arg(long)]
    pub fsync: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnErrorArg {
    /// Leave the input out and list it in OUT/<name>_skipped.tsv
    Skip,
    /// Stop; nothing is written
    Fail,
}

impl CommonArgs {
    pub fn split(&self) -> SplitOptions {
        SplitOptions { test_size: self.test_size, seed: self.seed, resplit: self.resplit }
    }
    pub fn policy(&self) -> ErrorPolicy {
        let on_error = match self.on_error {
            OnErrorArg::Skip => OnError::Skip,
            OnErrorArg::Fail => OnError::Fail,
        };
        ErrorPolicy { on_error, max_errors: self.max_errors }
    }
    /// The library's common conversion options, writing the dataset folder `out`.
    pub fn common(&self, out: &Path) -> Common {
        Common {
            out: out.to_path_buf(),
            name: self.name.clone(),
            force: self.force,
            quiet: self.quiet,
            fsync: self.fsync,
            split: self.split(),
            policy: self.policy(),
        }
    }
}

/// Image flags (spec §5.1).
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Image options")]
pub struct ImageArgs {
    /// compressed: JPEG/PNG bytes kept as they are (other formats re-encoded as PNG);
    /// dense: decoded and resized to --size, floats in [0, 1]
    #[arg(long = "format", value_enum, default_value_t = FormatArg::Compressed)]
    pub format: FormatArg,
    /// Frame size HxW (height x width), e.g. 32x32: images in dense mode, video in both modes
    #[arg(long, value_parser = converters_image::options::parse_size, value_name = "HxW")]
    pub size: Option<(u32, u32)>,
    /// Resize filter of dense mode
    #[arg(long, value_enum, default_value_t = FilterArg::Triangle)]
    pub filter: FilterArg,
    /// num_channels: auto = 3 if any image has colour, else 1 (compressed images keep their
    /// bytes; readers convert on decode)
    #[arg(long, value_enum, default_value_t = ChannelsArg::Auto)]
    pub channels: ChannelsArg,
    /// Fully decode every JPEG/PNG (default: structural check only) and validate deeply
    #[arg(long)]
    pub verify: bool,
    /// Refuse images whose header announces more pixels than this (decompression bombs)
    #[arg(long, default_value_t = converters_image::options::DEFAULT_MAX_PIXELS, value_name = "N", allow_negative_numbers = true)]
    pub max_pixels: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Compressed,
    Dense,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FilterArg {
    Nearest,
    Triangle,
    Catmullrom,
    Gaussian,
    Lanczos3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelsArg {
    Auto,
    #[value(name = "1")]
    One,
    #[value(name = "3")]
    Three,
    /// Audio: keep every channel (images and video: as auto)
    Keep,
}

impl From<&ImageArgs> for ImageOptions {
    fn from(a: &ImageArgs) -> Self {
        ImageOptions {
            storage: match a.format {
                FormatArg::Compressed => Storage::Compressed,
                FormatArg::Dense => Storage::Dense,
            },
            size: a.size,
            filter: match a.filter {
                FilterArg::Nearest => ResizeFilter::Nearest,
                FilterArg::Triangle => ResizeFilter::Triangle,
                FilterArg::Catmullrom => ResizeFilter::CatmullRom,
                FilterArg::Gaussian => ResizeFilter::Gaussian,
                FilterArg::Lanczos3 => ResizeFilter::Lanczos3,
            },
            channels: match a.channels {
                ChannelsArg::Auto | ChannelsArg::Keep => Channels::Auto,
                ChannelsArg::One => Channels::Gray,
                ChannelsArg::Three => Channels::Rgb,
            },
            verify: a.verify,
            max_pixels: a.max_pixels,
        }
    }
}

// ---- tables and text (spec §5.4, §5.5) ----

/// Table flags (spec §5.5).
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Table options")]
pub struct TabularArgs {
    /// Target column, by name or 0-based position (-1 = last); repeat for multilabel (each
    /// then holds 0/1). Default: the last column
    #[arg(long = "target", value_name = "COLUMN", allow_negative_numbers = true)]
    pub targets: Vec<String>,
    /// Cut a numeric target into K classes of about equal size (value ranges such as
    /// `[278, 520)`), for a quantity such as a price or a measurement
    #[arg(long, value_name = "K")]
    pub bins: Option<usize>,
    /// Whether the CSV's first line names the columns: auto (detected; the decision is
    /// printed), yes, or no (columns are then named c0, c1, …)
    #[arg(long, value_enum, default_value_t = HeaderArg::Auto)]
    pub header: HeaderArg,
    /// CSV/TSV delimiter (a character, or `tab`); detected from the first lines when absent
    #[arg(long, value_parser = parse_delimiter, value_name = "CHAR")]
    pub delimiter: Option<u8>,
    /// Categorical columns: one-hot, index (one feature holding the category number), or
    /// auto (one-hot up to --onehot-max categories, index above)
    #[arg(long, value_enum, default_value_t = CategoricalArg::Auto)]
    pub categorical: CategoricalArg,
    /// Most categories one-hot encoded by --categorical auto
    #[arg(long, default_value_t = converters_tabular::limits::DEFAULT_ONEHOT_MAX_CATEGORIES, value_name = "N", allow_negative_numbers = true)]
    pub onehot_max: usize,
    /// Treat this column (name or position) as categorical even if it holds numbers (repeatable)
    #[arg(long = "categorical-column", value_name = "COLUMN", allow_negative_numbers = true)]
    pub categorical_columns: Vec<String>,
    /// Leave this column (name or position, -1 = last) out (repeatable)
    #[arg(long = "drop-column", value_name = "COLUMN", allow_negative_numbers = true)]
    pub drop_columns: Vec<String>,
    /// Missing numeric values: the column's mean over the training rows, 0, or NaN (a
    /// missing categorical value has no category); a warning counts them
    #[arg(long, value_enum, default_value_t = MissingArg::Mean)]
    pub missing: MissingArg,
    /// SPARSE records: auto = when under 10% of the features are non-zero (AutoML: when the
    /// input is sparse)
    #[arg(long, value_enum, default_value_t = SparseArg::Auto)]
    pub sparse: SparseArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeaderArg {
    Auto,
    Yes,
    No,
}

impl From<HeaderArg> for converters_tabular::HeaderMode {
    fn from(h: HeaderArg) -> Self {
        match h {
            HeaderArg::Auto => Self::Auto,
            HeaderArg::Yes => Self::Yes,
            HeaderArg::No => Self::No,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CategoricalArg {
    Onehot,
    Index,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MissingArg {
    Mean,
    Zero,
    Nan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SparseArg {
    Auto,
    Yes,
    No,
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!("{s:?}: give one ASCII character or `tab`")),
    }
}

/// Text flags (spec §5.4).
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Text options")]
pub struct TextArgs {
    /// words: lower-case, split on whitespace and punctuation; chars: one token per
    /// character; zh-words: Chinese words cut by jieba (dictionary built in); bpe: byte-pair encoding learned up to --vocab-size; auto: chars for Chinese
    /// (meta.json ZH/CH or mostly CJK letters), else words
    #[arg(long, value_enum, default_value_t = TokenizerArg::Auto)]
    pub tokenizer: TokenizerArg,
    /// bpe: vocabulary size (default 8000); words/chars: keep at most N entries (most frequent)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub vocab_size: Option<usize>,
    /// Keep at most N tokens per document
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_length: Option<usize>,
    /// Text field of a CSV/TSV/JSONL corpus
    #[arg(long, default_value = "text", value_name = "COLUMN")]
    pub text_column: String,
    /// Label field of a CSV/TSV/JSONL corpus (a JSONL list = multilabel)
    #[arg(long, default_value = "label", value_name = "COLUMN")]
    pub label_column: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenizerArg {
    Auto,
    Words,
    Chars,
    ZhWords,
    Bpe,
}

// ---- video and audio (spec §5.2, §5.3) ----

/// Video flags (spec §5.2); --format, --size, --filter and --channels are shared with images.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Video options")]
pub struct VideoArgs {
    /// Keep at most F frames per second (the first frame of each 1/F s interval)
    #[arg(long, value_name = "F", allow_negative_numbers = true)]
    pub fps: Option<f64>,
    /// Exactly N frames per clip, spread uniformly (a shorter clip repeats frames)
    #[arg(long, value_name = "N", conflicts_with = "fps", allow_negative_numbers = true)]
    pub frames: Option<usize>,
    /// Keep at most the first N selected frames of a clip (dense default: 512)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_frames: Option<usize>,
    /// JPEG quality of compressed frames
    #[arg(long, default_value_t = converters_video::options::DEFAULT_JPEG_QUALITY, value_name = "Q", allow_negative_numbers = true)]
    pub jpeg_quality: u8,
}

/// Audio flags (spec §5.3); --channels (auto/1 = mono, keep) is shared with images.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Audio options")]
pub struct AudioArgs {
    /// Output sample rate in Hz (the rate is not stored in the dataset)
    #[arg(long, default_value_t = converters_audio::options::DEFAULT_SAMPLE_RATE, value_name = "HZ", allow_negative_numbers = true)]
    pub sample_rate: u32,
    /// Keep at most S seconds per file (window chosen by --crop)
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub max_seconds: Option<f64>,
    /// Which part of a longer file --max-seconds keeps
    #[arg(long, value_enum, default_value_t = CropArg::Start)]
    pub crop: CropArg,
    /// A file whose peak level is at or below this (dBFS) is silent-only and reported
    #[arg(long, default_value_t = converters_audio::options::DEFAULT_SILENCE_DB, value_name = "DB", allow_hyphen_values = true)]
    pub silence_db: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CropArg {
    Start,
    Center,
    /// Seeded by --seed and the file name
    Random,
}

/// Video options from the flags (shared by `convert` and `plan`).
pub fn video_options(i: &ImageArgs, v: &VideoArgs) -> converters_video::VideoOptions {
    use converters_video::{FrameSelection, ScaleFilter, VideoChannels, VideoOptions, VideoStorage};
    VideoOptions {
        selection: match (v.fps, v.frames) {
            (Some(f), _) => FrameSelection::Fps(f),
            (None, Some(n)) => FrameSelection::Count(n),
            (None, None) => FrameSelection::All,
        },
        size: i.size,
        storage: match i.format {
            FormatArg::Compressed => VideoStorage::Compressed,
            FormatArg::Dense => VideoStorage::Dense,
        },
        channels: match i.channels {
            ChannelsArg::Auto | ChannelsArg::Keep => VideoChannels::Auto,
            ChannelsArg::One => VideoChannels::Gray,
            ChannelsArg::Three => VideoChannels::Rgb,
        },
        filter: match i.filter {
            FilterArg::Nearest => ScaleFilter::Nearest,
            FilterArg::Triangle => ScaleFilter::Bilinear,
            FilterArg::Catmullrom => ScaleFilter::Bicubic,
            FilterArg::Gaussian => ScaleFilter::Gauss,
            FilterArg::Lanczos3 => ScaleFilter::Lanczos,
        },
        jpeg_quality: v.jpeg_quality,
        max_frames: v.max_frames,
        deep_validate: true,
    }
}

/// Audio options from the flags (shared by `convert` and `plan`); --channels 3 is refused.
pub fn audio_options(i: &ImageArgs, a: &AudioArgs, common: &CommonArgs) -> anyhow::Result<converters_audio::AudioOptions> {
    use converters_audio::{AudioChannels, AudioOptions, Crop};
    let channels = match i.channels {
        ChannelsArg::Auto | ChannelsArg::One => AudioChannels::Mono,
        ChannelsArg::Keep => AudioChannels::Keep,
        ChannelsArg::Three => bail!("--channels 3 does not apply to audio: use 1 (mono, the default) or keep"),
    };
    Ok(AudioOptions {
        sample_rate: a.sample_rate,
        channels,
        max_seconds: a.max_seconds,
        crop: match a.crop {
            CropArg::Start => Crop::Start,
            CropArg::Center => Crop::Center,
            CropArg::Random => Crop::Random,
        },
        seed: common.seed,
        silence_db: a.silence_db,
    })
}

impl From<&ConvertFlags> for VideoOptions {
    fn from(f: &ConvertFlags) -> Self {
        video_options(&f.image, &f.video)
    }
}

impl TryFrom<&ConvertFlags> for AudioOptions {
    type Error = anyhow::Error;
    fn try_from(f: &ConvertFlags) -> anyhow::Result<Self> {
        audio_options(&f.image, &f.audio, &f.common)
    }
}

/// Audio options for a conversion of another kind (only their defaults can matter there).
fn default_audio(f: &ConvertFlags) -> AudioOptions {
    let mono = ImageArgs { channels: ChannelsArg::Auto, ..f.image.clone() };
    audio_options(&mono, &f.audio, &f.common).expect("mono audio options are always accepted")
}

impl From<&ConvertFlags> for TabularOptions {
    fn from(f: &ConvertFlags) -> Self {
        use converters_tabular::{CategoricalEncoding, ColumnChoices, MissingPolicy, SparseChoice};
        let t = &f.tabular;
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
            header: t.header.into(),
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
            split: f.common.split(),
        }
    }
}

impl From<&ConvertFlags> for TextOptions {
    fn from(f: &ConvertFlags) -> Self {
        use converters_text::{TableColumns, TokenizerChoice};
        let t = &f.text;
        TextOptions {
            columns: TableColumns { text: t.text_column.clone(), label: t.label_column.clone(), delimiter: f.tabular.delimiter },
            tokenizer: match t.tokenizer {
                TokenizerArg::Auto => TokenizerChoice::Auto,
                TokenizerArg::Words => TokenizerChoice::Words,
                TokenizerArg::Chars => TokenizerChoice::Chars,
                TokenizerArg::ZhWords => TokenizerChoice::ZhWords,
                TokenizerArg::Bpe => TokenizerChoice::Bpe,
            },
            vocab_size: t.vocab_size,
            max_length: t.max_length,
            split: f.common.split(),
        }
    }
}
