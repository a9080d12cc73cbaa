//! Audio and speech files → AutoDL datasets (spec §5.3).
//!
//! - Inputs: wav, flac, mp3, ogg/vorbis, m4a/aac, aiff, caf, mka through symphonia; NIST
//!   SPHERE (`.sph`) and whatever else FFmpeg opens through `ffmpeg-next` (cargo feature
//!   `ffmpeg`, on by default, installed by the executable: `ffmpeg::install`), in any layout
//!   of [`converters_common::labels`].
//! - Channels are averaged to mono (default) or kept (`--channels keep`: every file must
//!   then have the dataset's channel count).
//! - `--max-seconds` keeps a window chosen by `--crop` (start, center, random-seeded).
//! - Resampled to `--sample-rate` (default 16 000 Hz, the baseline's assumption) with rubato's
//!   band-limited FFT resampler.
//! - Stored DENSE `(T, 1, 1, C)`, `sequence_size` −1, one sample per frame.
//!
//! **Stored value range: floats in [-1, 1]** — integer PCM divided by its full scale (2^15 for
//! 16-bit), float sources as they are, then clamped after resampling. The reference WAV
//! converter stored the raw integers (−32768…32767 for 16-bit, spec §5.3, §7.2 item 13); that
//! range depends on each file's bit depth (8-, 16-, 24-bit and float files would land on
//! different scales in one dataset) and disagrees with the float waveforms of the AutoSpeech
//! pickles. Full-scale floats are bit-depth independent and what audio models expect.
//! Sample rate is not stored in the format: every record of a dataset has `--sample-rate`.
//!
//! Zero-length files, silent-only files (peak at or below `--silence-db`), undecodable and
//! truncated files are bad inputs, skipped and listed or fatal per the error policy.
//!
//! [`domain::Audio`] is the domain on the per-file shape
//! ([`converters_common::file_domain::FileDomain`]) that `convert` and scale-out share.
pub mod convert;
pub mod decode;
#[cfg(feature = "ffmpeg")]
pub mod ffmpeg;
pub mod domain;
pub mod options;
pub mod resample;
pub mod window;

pub use domain::{audio_record, dataset_channels, speech_spec, Audio, AudioSettings, AudioTotals};
pub use options::{AudioChannels, AudioOptions, Crop};
