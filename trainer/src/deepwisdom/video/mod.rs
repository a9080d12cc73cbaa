//! Video pipeline (spec §3): clips are decoded once into a RAM cache of `L` frames each
//! (uniformly spread frames, resized per frame with the image path of `data_cache.rs`, then
//! bicubic interpolation along time); a ridge model on pooled frames plus motion features of 4
//! middle frames per clip makes the first prediction, then the sequence of MC3-18 models (§9.3) with
//! F = min(T, [3, 10, 12, 12]) frames trains in 30-step epochs. The networks' combined
//! prediction (§3 ensembling) replaces the fast model's only when its validation NAUC is
//! higher.

mod checkpoints;
mod clips;
mod learner;
mod members;

pub use clips::{ClipPrep, Sampling, clip_features, decode_indices, load_clips, resample_time};
pub use learner::{BATCH, CPU_MAX_SIDE, CPU_WIDTH_DIVISOR, FAST_FRAMES, FRAME_COUNTS, STEPS_PER_EPOCH, VideoLearner, WEIGHTS_FILE};
pub use members::{EVAL_BATCH, Mc3Group, VideoNets, VideoRidge, predict_clips};
