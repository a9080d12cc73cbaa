//! Which converter an input needs: the extensions each domain reads, and the layouts of
//! INPUT LAYOUTS in `convert --help` (AutoML/AutoNLP folders, corpora, class folders).

use std::path::{Path, PathBuf};

use crate::bail;
use crate::error::{Context, Result};

/// The kind of input a converter reads (`convert --domain`; detected by [`detect_domain`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    Image,
    Tabular,
    Text,
    Audio,
    Video,
}

impl Domain {
    /// The name used in flags, plans and recipes ("image", "tabular", …).
    pub fn name(self) -> &'static str {
        match self {
            Domain::Image => "image",
            Domain::Tabular => "tabular",
            Domain::Text => "text",
            Domain::Audio => "audio",
            Domain::Video => "video",
        }
    }

    /// True for the kinds whose decoders may need FFmpeg (video; audio symphonia cannot read).
    pub fn may_need_ffmpeg(self) -> bool {
        matches!(self, Domain::Video | Domain::Audio)
    }
}

const IMAGE_EXT: &[&str] = converters_image::options::EXTENSIONS;
const TABLE_EXT: &[&str] = &["csv", "tsv", "parquet", "arrow", "feather", "ipc"];
const TEXT_EXT: &[&str] = &["txt", "jsonl", "ndjson"];
const VIDEO_EXT: &[&str] = converters_video::options::EXTENSIONS;
const AUDIO_EXT: &[&str] = converters_audio::options::EXTENSIONS;

/// The domain of `input` (see INPUT LAYOUTS in the help); an error that says what was seen
/// when it cannot tell or the input mixes domains.
pub fn detect_domain(input: &Path) -> Result<Domain> {
    if input.is_file() {
        let ext = extension(input);
        return match ext.as_str() {
            "csv" | "tsv" => Ok(if looks_like_corpus(input) { Domain::Text } else { Domain::Tabular }),
            e if TABLE_EXT.contains(&e) => Ok(Domain::Tabular),
            e if TEXT_EXT.contains(&e) => Ok(Domain::Text),
            e if VIDEO_EXT.contains(&e) || AUDIO_EXT.contains(&e) => {
                bail!("{}: audio and video are converted from a folder (class folders or a labels.csv), not from one file", input.display())
            }
            _ => bail!("{}: cannot tell the domain of a .{ext} file; give --domain", input.display()),
        };
    }
    if !input.is_dir() {
        bail!("{}: no such file or folder", input.display());
    }
    let top: Vec<PathBuf> = std::fs::read_dir(input)
        .with_context(|| format!("reading {}", input.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    if top.iter().any(|p| p.is_file() && name_of(p).ends_with("_train.data")) {
        return Ok(Domain::Tabular); // AutoML layout (spec §1.5)
    }
    if top.iter().any(|p| p.is_dir() && name_of(p).ends_with(".data") && p.join("meta.json").is_file()) {
        return Ok(Domain::Text); // AutoNLP layout (spec §1.5)
    }
    let counts = count_files(input);
    let InputCounts { images, texts, tables, videos, audios, .. } = counts;
    let found = format!(
        "{images} image file(s), {texts} .txt file(s), {tables} table file(s), {videos} video file(s), {audios} audio file(s)"
    );
    match counts.present().as_slice() {
        [one] => Ok(*one),
        [] => bail!("{}: cannot tell the domain ({found}); give --domain", input.display()),
        present => bail!(
            "{}: ambiguous input ({found}); give --domain {}",
            input.display(),
            present.iter().map(|d| d.name()).collect::<Vec<_>>().join(" or --domain ")
        ),
    }
}

/// Input files of each kind below a folder (the first 20,000 files are enough to tell).
#[derive(Debug, Default, Clone, Copy)]
struct InputCounts {
    images: usize,
    texts: usize,
    tables: usize,
    videos: usize,
    audios: usize,
    /// Sub-folders of the top folder that hold input files (class folders).
    class_folders: usize,
    /// The walk stopped at its limit: there are more files than counted.
    more: bool,
}

impl InputCounts {
    /// The domains with files, in the order of the help (tables alone never decide a folder).
    fn present(&self) -> Vec<Domain> {
        let kinds = [(self.images, Domain::Image), (self.texts, Domain::Text), (self.videos, Domain::Video), (self.audios, Domain::Audio)];
        kinds.iter().filter(|(n, _)| *n > 0).map(|(_, d)| *d).collect()
    }

    fn of(&self, domain: Domain) -> usize {
        match domain {
            Domain::Image => self.images,
            Domain::Text => self.texts,
            Domain::Video => self.videos,
            Domain::Audio => self.audios,
            Domain::Tabular => self.tables,
        }
    }
}

fn count_files(input: &Path) -> InputCounts {
    let mut counts = InputCounts::default();
    let mut seen = 0usize;
    let mut class_dirs = std::collections::HashSet::new();
    let mut stack = vec![input.to_path_buf()];
    'walk: while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let n = name_of(&p).to_ascii_lowercase();
            if n.contains("labels") && n.ends_with(".csv") {
                continue; // the label listing of the file-format layout
            }
            let ext = extension(&p);
            let e = ext.as_str();
            let slot = if IMAGE_EXT.contains(&e) {
                &mut counts.images
            } else if e == "txt" {
                &mut counts.texts
            } else if TABLE_EXT.contains(&e) {
                &mut counts.tables
            } else if VIDEO_EXT.contains(&e) {
                &mut counts.videos
            } else if AUDIO_EXT.contains(&e) {
                &mut counts.audios
            } else {
                seen += 1;
                continue;
            };
            *slot += 1;
            // The top-level folder a file sits in is its class folder.
            if let Some(top) = p.strip_prefix(input).ok().and_then(|r| r.components().next()).filter(|_| dir != input) {
                class_dirs.insert(top.as_os_str().to_os_string());
            }
            seen += 1;
            if seen >= 20_000 {
                counts.more = true;
                break 'walk; // enough to tell
            }
        }
    }
    counts.class_folders = class_dirs.len();
    counts
}

fn name_of(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// When `path` is not an AutoDL dataset but raw input or a run folder, what it looks like and
/// what to run instead, for `validate`, `train` and `predict --run` given the wrong folder:
/// e.g. "raw looks like raw images (3 files in 2 class folders), …: convert it first with …".
/// `None` for a dataset, or when nothing in it is an input the converters read.
pub fn wrong_folder_guidance(path: &Path) -> Option<String> {
    if !path.exists() || formats::dataset::DatasetLayout::open(path).is_ok() {
        return None;
    }
    run_folder_guidance(path).or_else(|| raw_input_guidance(path))
}

/// The `--out` folder of `train` or `rate` (a model, predictions), given where a dataset goes.
fn run_folder_guidance(path: &Path) -> Option<String> {
    if !path.join("model").join("bundle.json").is_file() && !path.join("predictions").is_dir() {
        return None;
    }
    let dataset = path.join("dataset");
    let its = if formats::dataset::DatasetLayout::open(&dataset).is_ok() {
        format!("; the dataset it was made from is {}", dataset.display())
    } else {
        String::new()
    };
    Some(format!(
        "{} looks like a run folder (the --out of `autodl-format train` or `rate`: model/, predictions/), not an AutoDL dataset{its}",
        path.display()
    ))
}

fn raw_input_guidance(path: &Path) -> Option<String> {
    let domain = detect_domain(path).ok()?;
    let noun = domain_noun(domain);
    let what = if path.is_file() {
        format!("{noun} (a .{} file)", extension(path))
    } else if automl_layout(path) {
        format!("{noun} in the AutoML/AutoNLP layout")
    } else {
        let counts = count_files(path);
        let files = if counts.more { format!("at least {}", counts.of(domain)) } else { counts.of(domain).to_string() };
        match counts.class_folders {
            0 => format!("{noun} ({files} files, no class folders)"),
            1 => format!("{noun} ({files} files in 1 class folder)"),
            k => format!("{noun} ({files} files in {k} class folders)"),
        }
    };
    let raw = shell_word(path);
    let stem = name_of(path);
    let stem = stem.split('.').next().filter(|s| !s.is_empty()).unwrap_or("input");
    let article = if noun.starts_with("a ") { "" } else { "raw " };
    Some(format!(
        "{} looks like {article}{what}, not an AutoDL dataset: convert it first with `autodl-format convert {raw} --out {}` \
         or rate it (convert, train and score in one go) with `autodl-format rate {raw}`",
        path.display(),
        shell_word(&path.with_file_name(format!("{stem}-dataset"))),
    ))
}

/// What inputs of `domain` are, in a few words ("images", "a table"), for messages.
pub fn domain_noun(domain: Domain) -> &'static str {
    match domain {
        Domain::Image => "images",
        Domain::Text => "text",
        Domain::Video => "video clips",
        Domain::Audio => "audio recordings",
        Domain::Tabular => "a table",
    }
}

/// The AutoML (`<b>_train.data`) or AutoNLP (`<b>.data/meta.json`) layouts of spec §1.5.
fn automl_layout(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(false, |entries| {
        entries.flatten().any(|e| {
            let (p, n) = (e.path(), e.file_name().to_string_lossy().into_owned());
            (p.is_file() && n.ends_with("_train.data")) || (p.is_dir() && n.ends_with(".data") && p.join("meta.json").is_file())
        })
    })
}

/// `p` as one shell word: quoted when it holds anything but plain path characters.
fn shell_word(p: &Path) -> String {
    let s = p.display().to_string();
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+,:=@".contains(c)) {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn extension(p: &Path) -> String {
    p.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default()
}

/// A CSV/TSV whose cells are mostly prose (some column averages ≥ 4 words over the first
/// rows) is a text corpus; otherwise a table.
fn looks_like_corpus(path: &Path) -> bool {
    // The first 64 KiB are enough for 100 rows of most files; reading the whole file here made
    // the peak memory of a table conversion grow with the input size.
    use std::io::Read;
    let mut head = Vec::new();
    if std::fs::File::open(path).and_then(|f| f.take(65536).read_to_end(&mut head)).is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    let delimiter = if extension(path) == "tsv" { '\t' } else { ',' };
    let mut words: Vec<usize> = Vec::new();
    let mut rows = 0;
    for line in text.lines().skip(1).take(100) {
        for (i, cell) in line.split(delimiter).enumerate() {
            if words.len() <= i {
                words.resize(i + 1, 0);
            }
            words[i] += cell.split_whitespace().count();
        }
        rows += 1;
    }
    rows > 0 && words.iter().any(|&w| w >= 4 * rows)
}

/// A folder holding exactly one `<name>.data/` folder is an AutoDL dataset (spec §1.1).
pub fn is_autodl_dataset(path: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(path) else { return false };
    let data_dirs = entries
        .flatten()
        .filter(|e| e.path().is_dir() && e.file_name().to_string_lossy().ends_with(".data"))
        .count();
    data_dirs == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "x y z w v\n").unwrap();
    }

    #[test]
    fn detects_domains() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        // (folder, files in it, the domain detected or a part of the error)
        let cases: [(&str, &[&str], Result<Domain, &str>); 8] = [
            ("img", &["cat/1.jpg", "labels.csv"], Ok(Domain::Image)),
            ("txt", &["pos/1.txt"], Ok(Domain::Text)),
            ("mixed", &["a/1.txt", "a/1.png"], Err("ambiguous")),
            ("automl", &["iris_train.data"], Ok(Domain::Tabular)),
            ("nlp", &["O1.data/meta.json"], Ok(Domain::Text)),
            ("video", &["a/x.avi", "labels.csv"], Ok(Domain::Video)),
            ("speech", &["b/y.SPH", "b/z.wav"], Ok(Domain::Audio)),
            ("av", &["a/x.mp4", "a/y.mp3"], Err("--domain video or --domain audio")),
        ];
        for (folder, files, expected) in cases {
            for f in files {
                touch(&r.join(folder).join(f));
            }
            match (detect_domain(&r.join(folder)), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{folder}"),
                (Err(e), Err(part)) => assert!(e.to_string().contains(part) && e.to_string().contains("--domain"), "{folder}: {e}"),
                (got, want) => panic!("{folder}: got {got:?}, expected {want:?}"),
            }
        }
        assert!(detect_domain(&r.join("speech/b/z.wav")).unwrap_err().to_string().contains("from a folder"));
        std::fs::create_dir_all(r.join("empty")).unwrap();
        assert!(detect_domain(&r.join("empty")).unwrap_err().to_string().contains("cannot tell"));
        std::fs::write(r.join("t.csv"), "a,b\n1,2\n3,4\n").unwrap();
        assert_eq!(detect_domain(&r.join("t.csv")).unwrap(), Domain::Tabular);
        std::fs::write(r.join("c.csv"), "text,label\nthis film was really good,1\nboring and far too long,0\n").unwrap();
        assert_eq!(detect_domain(&r.join("c.csv")).unwrap(), Domain::Text);
        std::fs::write(r.join("p.parquet"), "").unwrap();
        assert_eq!(detect_domain(&r.join("p.parquet")).unwrap(), Domain::Tabular);
        std::fs::write(r.join("d.jsonl"), "").unwrap();
        assert_eq!(detect_domain(&r.join("d.jsonl")).unwrap(), Domain::Text);
    }

    #[test]
    fn a_folder_with_one_data_folder_is_a_dataset() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("ds/x.data/train")).unwrap();
        assert!(is_autodl_dataset(&d.path().join("ds")));
        std::fs::create_dir_all(d.path().join("two/a.data")).unwrap();
        std::fs::create_dir_all(d.path().join("two/b.data")).unwrap();
        assert!(!is_autodl_dataset(&d.path().join("two")));
        std::fs::create_dir_all(d.path().join("raw/cat")).unwrap();
        assert!(!is_autodl_dataset(&d.path().join("raw")));
    }
}
