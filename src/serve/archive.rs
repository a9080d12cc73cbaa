//! Unpacking an uploaded zip, tar or tar.gz into a run's input folder, refusing what could
//! escape it or exhaust the disk: absolute paths, `..`, links, device files and FIFOs, more
//! entries than allowed, entries or totals over their byte caps, and inflation beyond a ratio
//! (sizes are counted as bytes are written, so a header that lies does not help).
//! Runs on a blocking thread; on error the caller removes the whole run folder.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use super::error::{Result, ServeError};
use super::names::safe_relative;

/// Limits on what one archive may unpack to.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Bytes written for all entries together.
    pub max_total: u64,
    /// Bytes written for one entry.
    pub max_entry: u64,
    /// Entries (files and folders).
    pub max_entries: usize,
    /// Unpacked bytes per archive byte, checked once the total passes `ratio_floor`.
    pub max_ratio: u64,
    /// Below this total no ratio is checked (small archives of text compress very well).
    pub ratio_floor: u64,
}

impl Caps {
    /// Caps for a server taking uploads of at most `max_upload` bytes.
    pub fn for_upload(max_upload: u64) -> Caps {
        Caps {
            max_total: max_upload.saturating_mul(4).max(64 << 20),
            max_entry: max_upload.saturating_mul(4).max(64 << 20),
            max_entries: 50_000,
            max_ratio: 100,
            ratio_floor: 16 << 20,
        }
    }
}

/// The kind of archive, from its first bytes (never from the name the client sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Tar,
    TarGz,
}

/// Detects the kind of `path`; `None` when it is not a zip, tar or gzip file.
pub fn detect(path: &Path) -> std::io::Result<Option<Kind>> {
    let mut head = [0u8; 512];
    let mut file = File::open(path)?;
    let mut n = 0;
    while n < head.len() {
        let k = file.read(&mut head[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(if n >= 4 && (head[..4] == *b"PK\x03\x04" || head[..4] == *b"PK\x05\x06") {
        Some(Kind::Zip)
    } else if n >= 2 && head[..2] == [0x1f, 0x8b] {
        Some(Kind::TarGz)
    } else if n >= 262 && &head[257..262] == b"ustar" {
        Some(Kind::Tar)
    } else {
        None
    })
}

/// What was unpacked.
#[derive(Debug, Default)]
pub struct Unpacked {
    pub files: usize,
    pub bytes: u64,
}

/// Counts entries and bytes against the caps while unpacking.
struct Budget<'a> {
    caps: Caps,
    archive_bytes: u64,
    what: &'a str,
    entries: usize,
    total: u64,
}

impl Budget<'_> {
    fn entry(&mut self, name: &str) -> Result<()> {
        self.entries += 1;
        if self.entries > self.caps.max_entries {
            return Err(ServeError::TooLarge(format!(
                "{}: more than {} entries (at {name:?}): refused as an archive bomb",
                self.what, self.caps.max_entries
            )));
        }
        Ok(())
    }

    fn declared(&self, name: &str, size: u64) -> Result<()> {
        if size > self.caps.max_entry {
            return Err(ServeError::TooLarge(format!(
                "{}: entry {name:?} declares {size} bytes, over the {} bytes allowed per entry",
                self.what, self.caps.max_entry
            )));
        }
        Ok(())
    }

    /// Adds `n` written bytes of entry `name` (`entry_bytes` so far, `n` included).
    fn written(&mut self, name: &str, entry_bytes: u64, n: u64) -> Result<()> {
        self.total += n;
        let bomb = |why: String| ServeError::TooLarge(format!("{}: {why}: refused as an archive bomb", self.what));
        if entry_bytes > self.caps.max_entry {
            return Err(bomb(format!("entry {name:?} unpacks to more than {} bytes", self.caps.max_entry)));
        }
        if self.total > self.caps.max_total {
            return Err(bomb(format!("the entries unpack to more than {} bytes", self.caps.max_total)));
        }
        if self.total > self.caps.ratio_floor && self.total > self.archive_bytes.max(1).saturating_mul(self.caps.max_ratio) {
            return Err(bomb(format!(
                "{} bytes unpack to more than {} (over {}× the archive's size) by entry {name:?}",
                self.archive_bytes, self.total, self.caps.max_ratio
            )));
        }
        Ok(())
    }
}

/// Unpacks `archive` into the existing folder `dest` (which must hold nothing an entry could
/// name: files are created, never overwritten). `what` names the upload in messages.
pub fn unpack(archive: &Path, dest: &Path, caps: Caps, what: &str) -> Result<Unpacked> {
    let kind = detect(archive)
        .map_err(|e| ServeError::io(format!("reading {what}"), e))?
        .ok_or_else(|| ServeError::BadRequest(format!("{what}: not a zip, tar or tar.gz archive")))?;
    let archive_bytes = std::fs::metadata(archive).map_err(|e| ServeError::io(format!("reading {what}"), e))?.len();
    let mut budget = Budget { caps, archive_bytes, what, entries: 0, total: 0 };
    let mut out = Unpacked::default();
    match kind {
        Kind::Zip => unpack_zip(archive, dest, &mut budget, &mut out)?,
        Kind::Tar => {
            let file = File::open(archive).map_err(|e| ServeError::io(format!("reading {what}"), e))?;
            unpack_tar(BufReader::new(file), dest, &mut budget, &mut out)?
        }
        Kind::TarGz => {
            let file = File::open(archive).map_err(|e| ServeError::io(format!("reading {what}"), e))?;
            unpack_tar(flate2::read::GzDecoder::new(BufReader::new(file)), dest, &mut budget, &mut out)?
        }
    }
    out.bytes = budget.total;
    Ok(out)
}

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;

fn unpack_zip(archive: &Path, dest: &Path, budget: &mut Budget<'_>, out: &mut Unpacked) -> Result<()> {
    let what = budget.what.to_string();
    let file = File::open(archive).map_err(|e| ServeError::io(format!("reading {what}"), e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| ServeError::BadRequest(format!("{what}: not a readable zip archive: {e}")))?;
    // the central directory's count refuses an entry bomb before anything is written
    if zip.len() > budget.caps.max_entries {
        return Err(ServeError::TooLarge(format!(
            "{what}: {} entries, more than the {} allowed: refused as an archive bomb",
            zip.len(),
            budget.caps.max_entries
        )));
    }
    let mut declared_total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| ServeError::BadRequest(format!("{what}: entry {i}: {e}")))?;
        budget.declared(entry.name(), entry.size())?;
        declared_total = declared_total.saturating_add(entry.size());
    }
    if declared_total > budget.caps.max_total {
        return Err(ServeError::TooLarge(format!(
            "{what}: the entries declare {declared_total} bytes, over the {} allowed: refused as an archive bomb",
            budget.caps.max_total
        )));
    }
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| ServeError::BadRequest(format!("{what}: entry {i}: {e}")))?;
        let name = entry.name().to_string();
        budget.entry(&name)?;
        let mode = entry.unix_mode().unwrap_or(0);
        let kind = mode & S_IFMT;
        if kind == S_IFLNK {
            let mut target = String::new();
            let _ = (&mut entry).take(4096).read_to_string(&mut target);
            return Err(link_refused(&what, &name, &target));
        }
        if kind != 0 && kind != S_IFREG && kind != S_IFDIR {
            return Err(ServeError::BadRequest(format!("{what}: entry {name:?} is a device, FIFO or socket: refused")));
        }
        let rel = safe_relative(&name, &what)?;
        if entry.is_dir() || kind == S_IFDIR {
            make_dir(dest, &rel, &what)?;
            continue;
        }
        write_entry(&mut entry, dest, &rel, &name, budget)?;
        out.files += 1;
    }
    Ok(())
}

fn unpack_tar<R: Read>(reader: R, dest: &Path, budget: &mut Budget<'_>, out: &mut Unpacked) -> Result<()> {
    let what = budget.what.to_string();
    let mut tar = tar::Archive::new(reader);
    let entries = tar.entries().map_err(|e| ServeError::BadRequest(format!("{what}: not a readable tar archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| ServeError::BadRequest(format!("{what}: unreadable tar entry: {e}")))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        budget.entry(&name)?;
        let kind = entry.header().entry_type();
        use tar::EntryType as T;
        match kind {
            T::Symlink | T::Link => {
                let target = entry.link_name_bytes().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
                return Err(link_refused(&what, &name, &target));
            }
            // extended headers, long names: metadata that the tar crate applies to the next entry
            T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink => continue,
            T::Directory => {
                let rel = safe_relative(&name, &what)?;
                make_dir(dest, &rel, &what)?;
            }
            T::Regular | T::Continuous => {
                let rel = safe_relative(&name, &what)?;
                budget.declared(&name, entry.header().size().unwrap_or(0))?;
                write_entry(&mut entry, dest, &rel, &name, budget)?;
                out.files += 1;
            }
            _ => {
                return Err(ServeError::BadRequest(format!(
                    "{what}: entry {name:?} is a device, FIFO or other special file: refused"
                )))
            }
        }
    }
    Ok(())
}

fn link_refused(what: &str, name: &str, target: &str) -> ServeError {
    let outside = target.starts_with('/') || target.split(['/', '\\']).any(|p| p == "..");
    let why = if outside { "it points outside the upload" } else { "links are not unpacked" };
    ServeError::BadRequest(format!("{what}: link entry {name:?} → {target:?} refused: {why}"))
}

fn make_dir(dest: &Path, rel: &Path, what: &str) -> Result<PathBuf> {
    let dir = dest.join(rel);
    std::fs::create_dir_all(&dir).map_err(|e| ServeError::io(format!("{what}: creating {}", rel.display()), e))?;
    Ok(dir)
}

/// Copies one entry into `dest/rel` (a new file), counting its bytes against the caps.
fn write_entry(reader: &mut dyn Read, dest: &Path, rel: &Path, name: &str, budget: &mut Budget<'_>) -> Result<()> {
    let what = budget.what.to_string();
    if let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) {
        make_dir(dest, parent, &what)?;
    }
    let path = dest.join(rel);
    let mut file = OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ServeError::BadRequest(format!("{what}: entry {name:?} appears twice"))
        } else {
            ServeError::io(format!("{what}: writing {}", rel.display()), e)
        }
    })?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut entry_bytes = 0u64;
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| ServeError::BadRequest(format!("{what}: entry {name:?} cannot be read: {e}")))?;
        if n == 0 {
            break;
        }
        entry_bytes += n as u64;
        budget.written(name, entry_bytes, n as u64)?;
        file.write_all(&buf[..n]).map_err(|e| ServeError::io(format!("{what}: writing {}", rel.display()), e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn caps() -> Caps {
        Caps { max_total: 1 << 20, max_entry: 1 << 20, max_entries: 10, max_ratio: 100, ratio_floor: 1 << 16 }
    }

    #[test]
    fn zip_and_tar_gz_unpack_with_their_folders() {
        let d = tempfile::tempdir().unwrap();
        let zip_path = d.path().join("a.zip");
        {
            let mut w = zip::ZipWriter::new(File::create(&zip_path).unwrap());
            let opts = zip::write::FileOptions::default();
            w.add_directory("pets/cat/", opts).unwrap();
            w.start_file("pets/cat/1.txt", opts).unwrap();
            w.write_all(b"meow").unwrap();
            w.start_file("pets/dog/2.txt", opts).unwrap();
            w.write_all(b"woof").unwrap();
            w.finish().unwrap();
        }
        let out = d.path().join("zip-out");
        std::fs::create_dir_all(&out).unwrap();
        let got = unpack(&zip_path, &out, caps(), "a.zip").unwrap();
        assert_eq!((got.files, got.bytes), (2, 8));
        assert_eq!(std::fs::read(out.join("pets/dog/2.txt")).unwrap(), b"woof");

        let tgz = d.path().join("a.tar.gz");
        {
            let gz = flate2::write::GzEncoder::new(File::create(&tgz).unwrap(), flate2::Compression::fast());
            let mut b = tar::Builder::new(gz);
            let mut h = tar::Header::new_gnu();
            h.set_size(3);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, "t/x.csv", &b"a,b"[..]).unwrap();
            b.into_inner().unwrap().finish().unwrap();
        }
        assert_eq!(detect(&tgz).unwrap(), Some(Kind::TarGz));
        let out = d.path().join("tar-out");
        std::fs::create_dir_all(&out).unwrap();
        unpack(&tgz, &out, caps(), "a.tar.gz").unwrap();
        assert_eq!(std::fs::read(out.join("t/x.csv")).unwrap(), b"a,b");
    }

    #[test]
    fn caps_count_written_bytes() {
        let d = tempfile::tempdir().unwrap();
        let zip_path = d.path().join("z.zip");
        {
            let mut w = zip::ZipWriter::new(File::create(&zip_path).unwrap());
            w.start_file("zeros", zip::write::FileOptions::default()).unwrap();
            w.write_all(&vec![0u8; 4 << 20]).unwrap();
            w.finish().unwrap();
        }
        let out = d.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        // declared size over the per-entry cap: refused before writing
        let e = unpack(&zip_path, &out, caps(), "z.zip").unwrap_err().to_string();
        assert!(e.contains("declares"), "{e}");
        // generous caps but a ratio of 100: refused while inflating
        let big = Caps { max_total: 1 << 30, max_entry: 1 << 30, ..caps() };
        let e = unpack(&zip_path, &out, big, "z.zip").unwrap_err().to_string();
        assert!(e.contains("archive bomb") && e.contains("100×"), "{e}");
    }
}
