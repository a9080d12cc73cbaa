//! `autodl-format serve [--addr 127.0.0.1:8470] [--data DIR] [--jobs 1] [--token T]
//! [--max-upload 20G] [--allow-path DIR]`: the self-service web page (flags only; the server
//! is `crate::serve`).

use std::net::SocketAddr;
use std::path::PathBuf;

use super::args::DeviceChoice;

/// The exit statuses of `serve` (shown after its help, like every command's).
pub const EXIT_CODES: &str = "Exit status: 0 stopped by Ctrl-C or SIGTERM (runs in progress are stopped, \
scored so far and marked interrupted); 2 could not start (address in use, --data not writable, \
autodl-format-train missing, a refused option).";

#[derive(clap::Args)]
#[command(after_long_help = format!("Open the printed URL in a browser: upload a raw folder (drag and drop \
or the folder picker), files such as a CSV table, a zip/tar(.gz) archive or an AutoDL dataset, \
pick the options, and watch the learning curve while `rate` trains; then read the report, \
download predictions, report, model and dataset, and predict on unlabelled data.\n\n\
Runs are kept under --data (runs.sqlite and runs/<id>/); after a restart finished runs are \
listed as before, a run cut by the stop is marked interrupted, and queued runs still run.\n\n\
Security: the default address is 127.0.0.1 (this machine only). Any other address needs a \
token: --token, or one generated and printed in the URL; every request must carry it. Form \
posts must come from the server's own pages. Archives are unpacked under caps (entries, bytes, \
inflation ratio) and may not hold absolute paths, `..`, links or device files.\n\n{EXIT_CODES}"))]
pub struct Args {
    /// Address to listen on (port 0: any free port, printed at start)
    #[arg(long, default_value = "127.0.0.1:8470")]
    pub addr: SocketAddr,
    /// Folder for the run database and the runs' files
    #[arg(long, default_value = "autodl-serve")]
    pub data: PathBuf,
    /// Runs trained at once (the others wait in the queue)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Access token (at least 16 letters/digits); required on any address but loopback, generated when not given
    #[arg(long)]
    pub token: Option<String>,
    /// Largest upload, bytes (suffixes K, M, G)
    #[arg(long, default_value = "20G", value_parser = parse_size)]
    pub max_upload: u64,
    /// A server folder runs may read in place (repeatable)
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allow_paths: Vec<PathBuf>,
    /// Most entries an uploaded archive (or folder) may hold
    #[arg(long, default_value_t = 50_000, value_name = "N")]
    pub max_entries: usize,
    /// Compute device of the runs
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
}

/// "20G", "512M", "64K" or a number of bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    let n: u64 = digits.parse().map_err(|_| format!("{text:?} is not a size (e.g. 20G, 500M, 1048576)"))?;
    let mult: u64 = match unit.to_ascii_uppercase().trim_end_matches('B') {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (K, M, G or T)")),
    };
    n.checked_mul(mult).filter(|v| *v > 0).ok_or_else(|| format!("{text:?} is not a usable size"))
}

#[cfg(feature = "serve")]
pub fn run(args: Args) -> anyhow::Result<i32> {
    crate::serve::run(crate::serve::Config {
        addr: args.addr,
        data: args.data,
        jobs: usize::from(args.jobs),
        token: args.token,
        max_upload: args.max_upload,
        allow_paths: args.allow_paths,
        max_entries: args.max_entries,
        device: match args.device {
            DeviceChoice::Auto => "auto",
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Cuda => "cuda",
        }
        .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("20G"), Ok(20 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err() && parse_size("1X").is_err() && parse_size("G").is_err());
    }
}
