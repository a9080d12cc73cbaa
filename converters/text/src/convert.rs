//! Corpus → AutoDL text records (spec §5.4): scan, split, train the tokenizer on the training
//! documents, write every document as `(T, 1, 1, 1)` token indices.

use std::path::Path;

use converters_common::order::SeededOrder;
use converters_common::planned::ConversionFacts;
use converters_common::split::{assign, CompactKeys, SplitAssignment};
use converters_common::{SkipReport, SplitOptions};
use formats::example::Frames;

use crate::corpus::{relative_name, Corpus, Layout, TableColumns};
pub use crate::spec::text_spec;
use crate::error::{Result, TextError};
use converters_common::sink::DatasetSink;
use crate::tokenize::{train_fallible, TokenizerKind, DEFAULT_BPE_VOCAB};
use crate::unlabelled::TextRecipe;

/// `--tokenizer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenizerChoice {
    /// `chars` for Chinese (meta.json `ZH`/`CH`, or most letters CJK), else `words`.
    #[default]
    Auto,
    Words,
    Chars,
    /// jieba word segmentation (Chinese words, spec DEEPWISDOM.md §5.1).
    ZhWords,
    Bpe,
}

/// Share of CJK letters above which `auto` picks `chars`.
pub const CJK_SHARE_FOR_CHARS: f64 = 0.5;

/// Everything a corpus conversion needs, checked by [`TextOptions::check`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TextOptions {
    pub columns: TableColumns,
    pub tokenizer: TokenizerChoice,
    /// `bpe`: target vocabulary; `words`/`chars`: cap (specials included). None = default.
    pub vocab_size: Option<usize>,
    /// Keep at most this many tokens per document.
    pub max_length: Option<usize>,
    pub split: SplitOptions,
}

impl TextOptions {
    pub fn check(&self) -> Result<()> {
        self.split.check()?;
        if self.max_length == Some(0) {
            return Err(TextError::options("--max-length must be at least 1"));
        }
        if let Some(v) = self.vocab_size {
            if v < 3 {
                return Err(TextError::options("--vocab-size must be at least 3 (<pad>, <unk>, one token)"));
            }
        }
        Ok(())
    }
}

/// What a conversion did, for the summary line and the tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextSummary {
    /// Counts, metadata, class names, recipe and test sources (each test record's path below
    /// the input folder, or the 1-based row of a corpus file).
    pub facts: ConversionFacts,
    pub documents: usize,
    pub vocab_size: usize,
    pub tokenizer: String,
    /// Test tokens stored as `<unk>`.
    pub unknown_test_tokens: u64,
    pub truncated_documents: u64,
}

/// Converts a text corpus (folder or CSV/TSV/JSONL file).
pub fn convert_text(
    input: &Path,
    opts: &TextOptions,
    sink: &mut dyn DatasetSink,
    report: &mut SkipReport,
) -> Result<TextSummary> {
    opts.check()?;
    let corpus = Corpus::open(input, &opts.columns, report)?;
    convert_corpus(&corpus, opts, sink, report)
}

/// The whole-corpus pass of a conversion: scan, split, tokenizer trained on the training
/// documents. The writing pass of [`convert_corpus`] and the settle step of scale-out
/// ([`crate::settle`]) both start here.
pub(crate) struct PreparedCorpus {
    pub scan: crate::corpus::Scan,
    /// The subset of every usable document (its warning already moved to `warnings`).
    pub split: SplitAssignment,
    /// `usable[s]` for stream position `s`.
    pub usable: Vec<bool>,
    pub kind: TokenizerKind,
    pub tokenizer: crate::tokenize::TrainedTokenizer,
    pub warnings: Vec<String>,
}

impl PreparedCorpus {
    /// Whether records follow the seeded order: an AutoNLP layout keeps its parts' input
    /// order as the reference does (spec §1.1), unless `--resplit`.
    pub fn seeded(corpus: &Corpus, opts: &TextOptions) -> bool {
        opts.split.resplit || !matches!(corpus.layout, Layout::AutoNlp(_))
    }

    pub fn recipe(&self, opts: &TextOptions) -> Result<TextRecipe> {
        Ok(TextRecipe {
            tokenizer: self.tokenizer.to_json()?,
            max_length: opts.max_length,
            text_column: opts.columns.text.clone(),
            delimiter: opts.columns.delimiter,
            segment: self.tokenizer.segments(),
        })
    }
}

/// The source of document `s` of the stream in `<name>_test_sources.txt`.
pub(crate) fn document_source(corpus: &Corpus, s: usize, path: &Path) -> String {
    match &corpus.layout {
        Layout::Files(_) => relative_name(&corpus.root, path),
        _ => (s + 1).to_string(),
    }
}

/// A document's frames: its token ids cut to `max_length`; also whether it was cut.
pub(crate) fn document_frames(tokenizer: &crate::tokenize::TrainedTokenizer, text: &str, max_length: Option<usize>) -> Result<(Frames, bool)> {
    let mut ids = encode_in_pieces(tokenizer, text, max_length)?;
    let cut = max_length.is_some_and(|m| ids.len() > m);
    if let Some(m) = max_length {
        ids.truncate(m);
    }
    let frames = Frames::Dense { values: ids.iter().map(|&i| i as f32).collect(), offsets: (0..=ids.len()).collect() };
    Ok((frames, cut))
}

pub(crate) fn prepare_corpus(corpus: &Corpus, opts: &TextOptions, report: &mut SkipReport) -> Result<PreparedCorpus> {
    opts.check()?;
    let scan = corpus.scan(report)?;
    let n = scan.docs.len();
    let mut keys = CompactKeys::with_capacity(n);
    for d in &scan.docs {
        keys.push(d.forced, &d.labels.key())?;
    }
    let mut warnings = scan.warnings.clone();
    let mut split = assign(&keys, &opts.split)?;
    warnings.extend(split.warning.take());
    drop(keys);

    let chinese = matches!(corpus.declared_language().as_deref(), Some("ZH" | "CH"))
        || scan.cjk_share > CJK_SHARE_FOR_CHARS;
    let kind = match opts.tokenizer {
        TokenizerChoice::Words => TokenizerKind::Words,
        TokenizerChoice::Chars => TokenizerKind::Chars,
        TokenizerChoice::ZhWords => TokenizerKind::ZhWords,
        TokenizerChoice::Bpe => {
            TokenizerKind::Bpe { vocab_size: opts.vocab_size.unwrap_or(DEFAULT_BPE_VOCAB) }
        }
        TokenizerChoice::Auto if chinese => TokenizerKind::Chars,
        TokenizerChoice::Auto => TokenizerKind::Words,
    };
    let vocab_limit = match kind {
        TokenizerKind::Bpe { .. } => None,
        _ => opts.vocab_size,
    };

    // the vocabulary sees the training documents only
    let usable = usable_marks(&scan.stream_index);
    let train_docs = {
        let usable = usable.clone();
        let is_test = split.is_test.clone();
        let mut k = 0usize;
        corpus.stream()?.enumerate().filter_map(move |(s, doc)| {
            if !usable.get(s).copied().unwrap_or(false) {
                return None;
            }
            let test = is_test[k];
            k += 1;
            if test {
                return None;
            }
            Some(doc.and_then(|d| d.text.map_err(|r| TextError::input(&d.pos.path, r))))
        })
        // The tokenizer keeps per-byte alignments of what it is given: feed it bounded pieces
        // (cut at whitespace, so the tokens are the same) to keep memory near the text size.
        .flat_map(|doc: Result<String>| -> Vec<Result<String>> {
            match doc {
                Ok(text) if text.len() > PIECE_BYTES => pieces(&text, PIECE_BYTES).map(|p| Ok(p.to_string())).collect(),
                other => vec![other],
            }
        })
    };
    let tokenizer = train_fallible(kind, vocab_limit, train_docs)?;

    Ok(PreparedCorpus { scan, split, usable, kind, tokenizer, warnings })
}

/// Converts an opened corpus (open it first to learn its [`Corpus::suggested_name`]).
pub fn convert_corpus(
    corpus: &Corpus,
    opts: &TextOptions,
    sink: &mut dyn DatasetSink,
    report: &mut SkipReport,
) -> Result<TextSummary> {
    let prepared = prepare_corpus(corpus, opts, report)?;
    let PreparedCorpus { ref scan, ref split, ref usable, kind, ref tokenizer, .. } = prepared;
    let SplitAssignment { ref is_test, n_test, n_train, .. } = *split;
    let n = scan.docs.len();
    let mut warnings = prepared.warnings.clone();
    let spec = text_spec(&tokenizer.vocab, scan.output_dim, scan.class_names.as_deref(), n_train);
    let (mut unknown, mut truncated) = (0u64, 0u64);
    let source_of = |s: usize, path: &Path| document_source(corpus, s, path);
    let mut sources: Vec<String> = Vec::new();
    let mut test_sources: Vec<String> = Vec::with_capacity(n_test);
    // An AutoNLP layout keeps its parts' input order as the reference does (spec §1.1);
    // otherwise records follow the seeded order (converters_common::order), so documents
    // read class folder by class folder are not written grouped by class.
    let seeded = PreparedCorpus::seeded(corpus, opts);
    // test records first (spec §1.4): one pass over the corpus per subset
    for (wanted_test, count, stream) in [(true, n_test, 1), (false, n_train, 2)] {
        let mut order = if seeded { Some(SeededOrder::new(opts.split.seed, stream, count as u64)?) } else { None };
        let mut k = 0usize;
        for (s, doc) in corpus.stream()?.enumerate() {
            let doc = doc?;
            if !usable.get(s).copied().unwrap_or(false) {
                continue;
            }
            let info = &scan.docs[k];
            let test = is_test[k];
            k += 1;
            if test != wanted_test {
                continue;
            }
            let text = doc.text.map_err(|r| TextError::input(&doc.pos.path, r))?;
            let (frames, cut) = document_frames(tokenizer, &text, opts.max_length)?;
            truncated += u64::from(cut);
            if test {
                if let Frames::Dense { values, .. } = &frames {
                    unknown += values.iter().filter(|&&i| i == 1.0).count() as u64;
                }
            }
            let (index, score) = (info.labels.indices(), info.labels.scores());
            if test {
                sources.push(source_of(s, &doc.pos.path));
            }
            match (&mut order, test) {
                (Some(order), _) => order.push_with_id(Some(sources.len() as i64 - 1), &frames, &index, &score)?,
                (None, true) => {
                    test_sources.push(sources.last().cloned().unwrap_or_default());
                    _ = sink.push_test(&frames, &index, &score)?
                }
                (None, false) => _ = sink.push_train(&frames, &index, &score)?,
            }
        }
        if let Some(order) = order {
            order.drain(|ex| {
                match wanted_test {
                    true => {
                        let k = ex.id.and_then(|i| usize::try_from(i).ok());
                        test_sources.push(k.and_then(|k| sources.get(k)).cloned().unwrap_or_default());
                        sink.push_test(&ex.frames, &ex.label_index, &ex.label_score)?
                    }
                    false => sink.push_train(&ex.frames, &ex.label_index, &ex.label_score)?,
                };
                Ok(())
            })?;
        }
    }
    if unknown > 0 {
        warnings.push(format!("{unknown} test tokens not in the training vocabulary stored as <unk> (index 1)"));
    }
    if truncated > 0 {
        warnings.push(format!("{truncated} documents cut to --max-length tokens"));
    }
    Ok(TextSummary {
        facts: ConversionFacts {
            n_train,
            n_test,
            output_dim: scan.output_dim,
            spec,
            class_names: scan.class_names.clone(),
            suggested_name: scan.suggested_name.clone(),
            recipe: Some(prepared.recipe(opts)?.to_recipe()?),
            test_sources,
            warnings,
        },
        documents: n,
        vocab_size: tokenizer.vocab.len(),
        tokenizer: kind.to_string(),
        unknown_test_tokens: unknown,
        truncated_documents: truncated,
    })
}


/// Longest text handed to the tokenizer at once (issue 22: a 50 MB document cost 4.86 GB).
const PIECE_BYTES: usize = 1 << 16;

/// `text` cut into pieces of at most `max` bytes, each ending at a whitespace when one is in
/// reach (else at a character boundary), so word tokens are not split.
fn pieces(text: &str, max: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = rest.len().min(max);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        if end < rest.len() {
            if let Some(ws) = rest[..end].rfind(char::is_whitespace) {
                end = ws + rest[ws..].chars().next().map_or(1, char::len_utf8);
            }
        }
        let (piece, tail) = rest.split_at(end.max(1).min(rest.len()));
        rest = tail;
        Some(piece)
    })
}

/// Token ids of `text`, encoded piece by piece ([`pieces`]), stopping once past `max_length`;
/// a text without tokens is one `<pad>` frame as in [`crate::tokenize::TrainedTokenizer::encode`].
fn encode_in_pieces(tokenizer: &crate::tokenize::TrainedTokenizer, text: &str, max_length: Option<usize>) -> Result<Vec<u32>> {
    if text.len() <= PIECE_BYTES {
        return tokenizer.encode(text, None);
    }
    let mut ids = Vec::new();
    for piece in pieces(text, PIECE_BYTES) {
        if piece.trim().is_empty() {
            continue;
        }
        ids.extend(tokenizer.encode(piece, None)?.into_iter().filter(|&i| i != 0));
        if max_length.is_some_and(|m| ids.len() > m) {
            break;
        }
    }
    if ids.is_empty() {
        ids.push(0);
    }
    Ok(ids)
}

#[cfg(test)]
mod piece_tests {
    use super::*;

    #[test]
    fn pieces_end_at_whitespace_and_cover_the_text() {
        let text = "alpha beta gamma delta épsilon zeta ".repeat(50);
        let parts: Vec<&str> = pieces(&text, 64).collect();
        assert_eq!(parts.concat(), text);
        assert!(parts.iter().all(|p| p.len() <= 64));
        assert!(parts[..parts.len() - 1].iter().all(|p| p.ends_with(' ')), "{parts:?}");
        let solid = "x".repeat(200);
        assert_eq!(pieces(&solid, 64).map(str::len).collect::<Vec<_>>(), vec![64, 64, 64, 8]);
    }
}

/// `usable[s]` for stream position `s`.
fn usable_marks(stream_index: &[usize]) -> Vec<bool> {
    let len = stream_index.last().map(|&s| s + 1).unwrap_or(0);
    let mut marks = vec![false; len];
    for &s in stream_index {
        marks[s] = true;
    }
    marks
}
