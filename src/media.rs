//! Where FFmpeg runs (issue 15). `autodl-format` does not map FFmpeg's libraries at start-up: a
//! conversion whose inputs need FFmpeg (video; audio, whose fallback decoder is FFmpeg) continues
//! in `autodl-format-train`, which installs the decoders at start, as `train` does. A build
//! without the trainer installs them in `autodl-format` itself.

use pipeline::detect::Domain;

/// Installs the FFmpeg decoders (video; audio that symphonia cannot open) in this process.
/// Executables that never call it do not map FFmpeg.
pub fn install_ffmpeg() {
    #[cfg(feature = "ffmpeg")]
    {
        converters_video::decode::install();
        converters_audio::ffmpeg::install();
    }
}

/// True when this process has FFmpeg's decoders installed.
pub fn ffmpeg_installed() -> bool {
    converters_video::backend::installed().is_some()
}

/// Call before converting inputs of `domain` (nothing written yet): when they need FFmpeg and
/// this process has not installed it while the sibling executable has it, the process continues
/// there with the same command line (this call then does not return). Otherwise `Ok(())`: the
/// job runs here, and without FFmpeg the converters say what is missing (video is refused,
/// audio is read by symphonia alone).
pub fn hand_over_if_needed(domain: Domain) -> anyhow::Result<()> {
    let needs_ffmpeg = domain.may_need_ffmpeg();
    if !needs_ffmpeg || ffmpeg_installed() || !cfg!(all(feature = "ffmpeg", feature = "train")) {
        return Ok(());
    }
    if !crate::sibling::trainer_path().map(|p| p.is_file()).unwrap_or(false) {
        return Ok(());
    }
    let code = crate::sibling::run_trainer()?;
    std::process::exit(code)
}

/// As [`hand_over_if_needed`], for a domain named as in plans and recipes ("video", "audio", …).
pub fn hand_over_if_needed_for(domain_name: &str) -> anyhow::Result<()> {
    match domain_name {
        "video" => hand_over_if_needed(Domain::Video),
        "audio" => hand_over_if_needed(Domain::Audio),
        _ => Ok(()),
    }
}
