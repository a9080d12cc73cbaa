//! Video files → AutoDL datasets (spec §5.2).
//!
//! - Inputs: any container and codec FFmpeg reads (avi, mp4, mkv, mov, webm, …) in any layout
//!   of [`converters_common::labels`]; only the best video stream is read, audio is ignored.
//! - Frames: every frame (default), `--fps F` (first frame of each 1/F s interval) or
//!   `--frames N` (N frames spread uniformly; shorter clips repeat frames), optionally capped
//!   by `--max-frames` (the first frames are kept).
//! - `--size HxW` scales every frame with swscale (aspect ratio not kept); without it a clip
//!   keeps its own size. Frames of one record always share one size.
//! - `compressed` (default): one JPEG per frame; `dense`: floats in [0, 1], HWC order.
//! - Channels: 1 for grayscale sources and 3 otherwise (`auto`), or forced; a colour clip
//!   stored with 1 channel keeps its luma, a gray clip stored with 3 channels is expanded.
//! - Metadata: `sequence_size` = the common frame count or −1, `row_count`/`col_count` = the
//!   common size or −1 (dense: the `--size`).
//! - Decoding goes through the decoder the executable installed ([`backend`]): FFmpeg's is
//!   [`decode::install`] (cargo feature `ffmpeg`). Without one, converting a folder
//!   ([`domain::Video`]) refuses to run, so a binary that never installs it does not map FFmpeg.
//!
//! [`domain::Video`] is the domain on the per-file shape
//! ([`converters_common::file_domain::FileDomain`]) that `convert` and scale-out share.
pub mod backend;
#[cfg(feature = "ffmpeg")]
pub mod decode;
pub mod domain;
pub mod options;

pub use domain::{video_spec, ClipMeta, ClipStats, Video, VideoSettings};
pub use options::{FrameSelection, ScaleFilter, VideoChannels, VideoOptions, VideoStorage};
