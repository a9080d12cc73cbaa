//! One module per subcommand.
pub mod inspect;
pub mod validate;
pub mod score;
pub mod train;
pub mod predict;
pub mod convert;
pub mod rate;
pub mod plan;
pub mod merge;
