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
#[cfg(feature = "serve")]
pub mod serve;

/// `value` as pretty JSON on stdout, newline-terminated (the `--json` output of every command).
pub fn print_json<T: serde::Serialize>(value: &T) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.flush()
}
