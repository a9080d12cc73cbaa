use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Dataset folder (holds `<name>.data/` and `<name>.solution`)
    pub dir: PathBuf,
    /// Print a JSON report instead of text
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("not implemented yet")
}
