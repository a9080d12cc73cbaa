//! One module per subcommand, and the flag groups they share (`args`).
pub mod args;
pub mod exit_codes;
pub mod inspect;
pub mod validate;
pub mod score;
pub mod train;
pub mod predict;
pub mod convert;
pub mod rate;
pub mod plan;
pub mod merge;
pub mod audit;
