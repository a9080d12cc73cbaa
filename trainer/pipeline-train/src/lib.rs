//! The `train` and `rate` runs over the [`pipeline`] library: a learner trained under the AutoDL
//! time budget and scored ([`train`]), and convert → validate → train → score → report
//! ([`rate`]), and a saved model applied to new data ([`predict`]), each taking the typed options of [`pipeline::options`] and reporting progress
//! as [`session::Event`]s through a callback (the CLI prints them). It links libtorch through
//! the trainer, which is why it is not part of `pipeline`: `autodl-format` links that one and
//! must start without libtorch. Errors are [`pipeline::Error`]s. [`supervise`] gives both runs
//! their hard stop: the work runs in a child process, killed when the budget and a grace
//! period are over.

pub mod leftovers;
pub mod predict;
pub mod rate;
pub mod session;
pub mod supervise;
pub mod train;
