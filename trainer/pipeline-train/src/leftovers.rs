//! What `train` and `rate` share around a run: Ctrl-C / SIGTERM handling (the first signal
//! stops the learner through the ingestion loop, a second one ends the process at once) and the
//! removal of what a run that failed before its result created.

use std::path::{Path, PathBuf};

use converters_common::interrupt;

/// The interrupt predicate of the ingestion loop.
pub fn interrupted() -> bool {
    interrupt::received().is_some()
}

/// The exit status and the signal's name once one was received.
pub fn signal() -> Option<(i32, &'static str)> {
    interrupt::received().map(|s| (interrupt::exit_code(s), interrupt::signal_name(s)))
}

/// Removes, when dropped armed, what the run created in `out`: the whole folder when it did
/// not exist before, else only those of `entries` (the names the command writes) that were not
/// there when the guard was made; never anything else.
pub struct Leftovers {
    out: PathBuf,
    existed: bool,
    /// The command's entries absent from `out` when the guard was made.
    entries: Vec<&'static str>,
    armed: bool,
}

impl Leftovers {
    /// `existed`: whether `out` was there before the run (checked before anything was created
    /// in it); `keep` (the `--keep` flag) disarms the guard. Made after `--force` cleared the
    /// old entries, so an entry still there (e.g. an empty folder of the user's) is kept.
    pub fn new(out: &Path, existed: bool, entries: &'static [&'static str], keep: bool) -> Self {
        let entries = entries.iter().copied().filter(|e| std::fs::symlink_metadata(out.join(e)).is_err()).collect();
        Leftovers { out: out.to_path_buf(), existed, entries, armed: !keep }
    }

    /// The run has its result: nothing is removed.
    pub fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if !self.existed {
            if self.out.exists() {
                let _ = std::fs::remove_dir_all(&self.out);
                eprintln!("removed {} (created by this run; --keep keeps it)", self.out.display());
            }
            return;
        }
        for name in &self.entries {
            let path = self.out.join(name);
            let removed = match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path).is_ok(),
                Ok(_) => std::fs::remove_file(&path).is_ok(),
                Err(_) => false,
            };
            if removed {
                eprintln!("removed {} (created by this run; --keep keeps it)", path.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_a_created_folder_but_only_its_own_entries_in_an_existing_one() {
        let d = tempfile::tempdir().unwrap();
        let new = d.path().join("new");
        {
            let _l = Leftovers::new(&new, false, &["predictions"], false);
            std::fs::create_dir_all(new.join("predictions")).unwrap();
        }
        assert!(!new.exists());

        let old = d.path().join("old");
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join("notes.txt"), "mine").unwrap();
        {
            let _l = Leftovers::new(&old, true, &["predictions"], false);
            std::fs::create_dir_all(old.join("predictions")).unwrap();
        }
        assert!(old.join("notes.txt").is_file() && !old.join("predictions").exists());

        // An entry that was there before the run is not the run's to remove.
        std::fs::create_dir_all(old.join("scores")).unwrap();
        {
            let _l = Leftovers::new(&old, true, &["predictions", "scores"], false);
            std::fs::create_dir_all(old.join("predictions")).unwrap();
        }
        assert!(old.join("scores").is_dir() && !old.join("predictions").exists());

        {
            let _l = Leftovers::new(&new, false, &["predictions"], true);
            std::fs::create_dir_all(new.join("predictions")).unwrap();
        }
        assert!(new.join("predictions").is_dir(), "--keep keeps");
        {
            let mut l = Leftovers::new(&d.path().join("done"), false, &["predictions"], false);
            std::fs::create_dir_all(d.path().join("done/predictions")).unwrap();
            l.disarm();
        }
        assert!(d.path().join("done/predictions").is_dir(), "a run with its result keeps it");
    }
}
