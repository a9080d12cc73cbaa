//! Writable copies of the shared datasets for tests that damage them (the shared copy is
//! read-only and must never be touched). Included with `#[path]` by `support/findings.rs` (the
//! validator tests) and the binary's `tests/cli_validate.rs`.

use std::fs;
use std::path::Path;

/// Copies the folder `src` to `dst` recursively, every copied file made writable.
pub fn copy_tree(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            fs::copy(entry.path(), &to).unwrap();
            let mut perm = fs::metadata(&to).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            fs::set_permissions(&to, perm).unwrap();
        }
    }
}
