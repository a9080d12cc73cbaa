//! Names inside a run folder (`train --out`, `rate --out`) that the trainer writes and commands
//! without libtorch read (`convert --unlabelled --recipe RUN`, `rate`'s output check).

/// Folder of the model bundle inside a run folder.
pub const BUNDLE_DIR: &str = "model";
/// The bundle's configuration (class names, output dimension, members).
pub const CONFIG_FILE: &str = "bundle.json";
