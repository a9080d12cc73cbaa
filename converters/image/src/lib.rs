//! Image folders → AutoDL datasets (spec §5.1).
//!
//! - Inputs: jpg/jpeg, png, bmp, gif, webp, tif/tiff in any layout of
//!   [`converters_common::labels`] (class folders, `train/`+`test/`, `labels.csv`).
//! - `compressed` (default): JPEG and PNG bytes are stored unchanged after a structural check
//!   ([`probe`], [`jpeg_scan`]: a JPEG it cannot vouch for is fully decoded); other formats are decoded and re-encoded as PNG (GIF: first frame). The
//!   metadata's `row_count`/`col_count` are the common height/width, or −1 when sizes differ;
//!   `num_channels` is `--channels` (auto: 3 if any image has colour, else 1) — the stored
//!   bytes keep their own channels and the reader converts on decode (spec §3.3).
//! - `dense`: decoded, converted to 1 (BT.601 luma) or 3 channels, resized to exactly
//!   `--size HxW` with `--filter` (aspect ratio not kept), floats in [0, 1], HWC order.
//! - `--verify` fully decodes every JPEG/PNG (and validates the result in deep mode);
//!   `--max-pixels` refuses images whose header announces more pixels, before decoding.
//!
//! [`domain::Image`] is the domain on the per-file shape
//! ([`converters_common::file_domain::FileDomain`]) that `convert` and scale-out share.
pub mod convert;
pub mod fixtures;
pub mod domain;
pub mod jpeg_scan;
pub mod options;
pub mod probe;

pub use domain::{dense_channels, image_record, image_spec, Image, ImageMeta, ImageSettings, ShapeStats};
pub use options::{Channels, ImageOptions, ResizeFilter, Storage};
