//! The shape of per-file converters (images, video, audio): one trait per domain, one folder
//! conversion over it ([`crate::folder`]), and scale-out's plan/shard/merge over the same
//! trait (`converters-scale`). A domain says which files it takes, fixes what every record
//! shares from the whole listing (the channel count), converts one file into a record, folds
//! what each record tells the metadata into [`FileDomain::Stats`], and writes the metadata.

use std::path::Path;

use formats::example::Frames;
use formats::metadata::DataSpec;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ItemError, Result};
use crate::labels::RawItem;

/// A per-file domain converter.
pub trait FileDomain {
    /// `image`, `video` or `audio`: the recipe's and the plan's domain name.
    const NAME: &'static str;
    /// What one input is, for the progress bar ("images").
    const WHAT: &'static str;
    /// Whether an input without one file of the domain is refused up front (else it fails
    /// later, on the subset sizes).
    const REFUSES_EMPTY: bool;

    /// The user's options (`convert`'s flags).
    type Options: CheckOptions + Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug + Send + Sync;
    /// The options with what the whole listing fixed (the channel count): what a plan and a
    /// recipe store.
    type Settings: Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug;
    /// Checked settings, ready to convert files.
    type Checked: Sync;
    /// What one converted file tells the metadata.
    type Meta: Send;
    /// What a run of records tells the metadata; shards keep one each and the merge folds them.
    type Stats: RecordStats<Self::Meta>;

    /// File extensions of the domain's inputs (case-insensitive).
    const EXTENSIONS: &'static [&'static str];

    /// Whether `path` is an input of this domain.
    fn accepts(path: &Path) -> bool {
        has_extension(path, Self::EXTENSIONS)
    }
    /// Checks the options without reading any input.
    fn check(opts: &Self::Options) -> Result<()> {
        opts.verify()
    }
    /// Checks the options and fixes what every record shares, from the listed `items`.
    fn settle(opts: &Self::Options, items: &[RawItem]) -> Result<Self::Settings>;
    /// The checked converter; an error for options this build cannot honour.
    fn prepare(settings: &Self::Settings) -> Result<Self::Checked>;
    /// An error when files cannot be read in this process (a decoder it has not installed);
    /// called before converting any file (not needed for the metadata alone).
    fn require_decoder() -> Result<()> {
        Ok(())
    }
    /// One file → its record (`name`: the file's name in the listing).
    fn convert(c: &Self::Checked, path: &Path, name: &str) -> std::result::Result<(Frames, Self::Meta), ItemError>;
    /// The metadata of records with `stats`, its shape `(T, H, W, C)`, and warnings about them.
    fn spec(c: &Self::Checked, stats: &Self::Stats, output_dim: usize, class_names: Option<&[String]>) -> (DataSpec, [i32; 4], Vec<String>);
    /// Inputs converted per parallel chunk (bounds memory).
    fn chunk_size(c: &Self::Checked) -> usize;
    /// Whether the final validation decodes every compressed frame.
    fn deep_validate(c: &Self::Checked) -> bool;
    /// The settings a recipe keeps: those of records written with `channels` channels, so new
    /// files get the dataset's channels whatever their own.
    fn with_channels(settings: &Self::Settings, channels: usize) -> Self::Settings;
}

/// What a run of records tells the metadata, folded record by record ([`RecordStats::observe`])
/// and run by run ([`RecordStats::merge`]: a shard's after another's).
pub trait RecordStats<M>: Serialize + DeserializeOwned + Default + Clone + PartialEq + std::fmt::Debug + Send {
    fn observe(&mut self, meta: &M);
    /// Adds the facts of the records that follow.
    fn merge(&mut self, later: &Self);
}

/// Options a converter checks before reading any input.
pub trait CheckOptions: Copy {
    /// An error naming the option value that cannot work.
    fn verify(&self) -> Result<()>;

    /// The options, checked.
    fn check(self) -> Result<Checked<Self>> {
        Checked::new(self)
    }
}

/// Options that passed [`CheckOptions::verify`] ([`Checked::new`] is the only way to make one),
/// read through `Deref`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked<T>(T);

impl<T: CheckOptions> Checked<T> {
    pub fn new(options: T) -> Result<Self> {
        options.verify()?;
        Ok(Checked(options))
    }
}

impl<T> std::ops::Deref for Checked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// True for a path whose extension is one of `extensions` (case-insensitive).
pub fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
}
