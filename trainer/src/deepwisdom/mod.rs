//! DeepWisdom-style learners (spec DEEPWISDOM.md): the dispatcher of §1, the image pipeline
//! of §2 (ResNet-18 then ResNet-9 on libtorch), video (§3, MC3-18), speech (§4, ThinResNet34
//! + GhostVLAD), text (§5, TF-IDF then TextCNN/GRU) and tabular (§6, incremental boosting,
//! then boosting + DNN with the §6.2 blend). Every domain starts with a cheap model that makes
//! the first prediction within a second or two (SCORING.md §3).
//!
//! Entry point: [`auto_learner`] returns the learner for the dataset's domain and a
//! [`BundleSlot`] that always holds the model behind the latest prediction, for saving with
//! [`crate::bundle::ModelBundle::save`] when the run is over. This module only declares,
//! re-exports and dispatches: `members.rs` defines the members a bundle holds ([`Member`],
//! [`MemberModel`]) and scores a loaded bundle ([`ModelBundle::predict_dataset`]), so
//! [`crate::bundle`] knows no model type; `config.rs`, `slot.rs`, `scores.rs` and
//! `bookkeeping.rs` hold what every learner shares.

pub mod bookkeeping;
pub mod config;
pub mod data_cache;
pub mod ensemble;
pub mod fast;
pub mod gbdt;
pub mod lbfgs;
pub mod image;
pub mod image_members;
pub mod mc3;
pub mod members;
pub mod resnet;
pub mod scores;
pub mod slot;
pub mod speech;
pub mod speech_features;
pub mod speech_members;
pub mod speech_net;
pub mod tabular;
pub mod tabular_dnn;
pub mod tabular_models;
pub mod tabular_search;
pub mod text;
pub mod text_data;
pub mod text_features;
pub mod text_linear;
pub mod text_models;
pub mod video;

use formats::inspect::Domain;

pub use crate::data::{label_names, resolve_domain};
use crate::data::DatasetSource;
use crate::error::Result;
use crate::learner::Learner;

pub use bookkeeping::{budget_secs, spec_seconds, SPEC_BUDGET_SECS};
pub use config::{score_text, AutoConfig, Say};
pub use members::{BundleConfig, Member, MemberModel, ModelBundle};
pub use resnet::snapshot;
pub use scores::{activate, is_multilabel, probabilities};
pub use slot::{BundleSlot, DatasetFacts};
pub use scoring::report::leaderboard::{seconds_text, CSV_NAME as LEADERBOARD_CSV};
pub use scoring::rng::SplitMix64;
pub use scoring::scaler::Scaler;

/// Builds the learner of the dataset's domain: image (§2), video (§3), speech (§4), text (§5),
/// tabular (§6).
pub fn auto_learner(source: DatasetSource, config: AutoConfig) -> Result<(Box<dyn Learner>, BundleSlot)> {
    let slot = BundleSlot::default();
    let domain = resolve_domain(&source.train_spec);
    let learner: Box<dyn Learner> = match domain {
        Domain::Image => Box::new(image::ImageLearner::new(source, config, slot.clone())?),
        Domain::Tabular => Box::new(tabular::TabularLearner::new(source, config, slot.clone())?),
        Domain::Text => Box::new(text::TextLearner::new(source, config, slot.clone())?),
        Domain::Video => Box::new(video::VideoLearner::new(source, config, slot.clone())?),
        Domain::Speech => Box::new(speech::SpeechLearner::new(source, config, slot.clone())?),
    };
    Ok((learner, slot))
}
