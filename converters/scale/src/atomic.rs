//! Files written under a temporary name and renamed into place, so a reader sees the old file
//! or the new one, never a half-written one.
//!
//! Temporary names are `.<file>.tmp-<host>-<pid>-<n>`: two attempts of one shard may run at
//! once (a batch engine retrying a task it believes lost), on one machine or on two machines
//! sharing the folder, and each must write its own temporary files. An attempt killed mid-way
//! leaves its temporaries behind; the next attempt on the same machine removes those whose
//! process is gone ([`remove_stale_temps`]). Temporaries of another machine are left alone
//! (their process cannot be checked from here); `merge` never reads them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::error::{Result, ScaleError};

static SEQ: AtomicU64 = AtomicU64::new(0);

/// This machine's name as it goes into temporary names (`[A-Za-z0-9._]`, others → `_`).
pub fn host() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_default();
        let clean: String =
            raw.trim().chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '_' { c } else { '_' }).collect();
        if clean.is_empty() { "host".into() } else { clean }
    })
}

/// `.<file name>.tmp-<host>-<pid>-<n>` next to `path`, unique within this process.
pub fn temp_name(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.tmp-{}-{}-{n}", host(), std::process::id()))
}

/// Writes `bytes` to a temporary name, syncs, renames over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_name(path);
    let run = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    run().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ScaleError::io(path, e)
    })
}

/// Removes the temporaries of `finals` (files in one folder) left by processes of this
/// machine that no longer run; returns how many were removed. Best effort: needs `/proc`.
pub fn remove_stale_temps(dir: &Path, finals: &[&str]) -> usize {
    if !Path::new("/proc/self").exists() {
        return 0;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = finals.iter().find_map(|f| stale_pid(&name, f)) else { continue };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The pid in `.<final>.tmp-<this host>-<pid>-<n>`, when `name` is such a temporary.
fn stale_pid(name: &str, final_name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_prefix(final_name)?.strip_prefix(".tmp-")?.strip_prefix(host())?;
    rest.strip_prefix('-')?.split('-').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporaries_of_dead_processes_of_this_host_are_removed_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let h = host();
        // A pid above the kernel's maximum (4194304) cannot be running.
        let files = [
            format!(".a.tfrecord.tmp-{h}-99999999-0"),     // dead, this host: removed
            format!(".a.tfrecord.tmp-{h}-{}-3", std::process::id()), // alive (this process): kept
            ".a.tfrecord.tmp-otherhost-99999999-0".to_string(), // another machine: kept
            format!(".b.tfrecord.tmp-{h}-99999999-0"),     // not one of `finals`: kept
            "a.tfrecord".to_string(),
        ];
        for f in &files {
            std::fs::write(d.join(f), b"x").unwrap();
        }
        assert_eq!(remove_stale_temps(d, &["a.tfrecord"]), 1);
        assert!(!d.join(&files[0]).exists());
        assert!(files[1..].iter().all(|f| d.join(f).exists()));
        let t = temp_name(&d.join("a.tfrecord"));
        assert_ne!(t, temp_name(&d.join("a.tfrecord")), "two temporaries of one process differ");
        assert_eq!(stale_pid(&t.file_name().unwrap().to_string_lossy(), "a.tfrecord"), Some(std::process::id()));
    }
}
