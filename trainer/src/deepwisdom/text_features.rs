//! What the text models read of a stored document: the §5.1 cleaning cut, and the keys of the
//! linear stage's analyzers (issue 24): hashed n-grams of the stored tokens (word 1–2-grams for
//! space-separated text, character 1–3-grams for Chinese) and n-grams of jieba words rebuilt
//! from character tokens (spec DEEPWISDOM.md §5.1 segments Chinese with jieba).

use std::sync::OnceLock;

use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};

/// Longest sequence of the networks (spec §5.3, §9.5).
pub const MAX_SEQUENCE: usize = 301;
/// The part of a document the models read (spec §5.1 cleaning): EN keeps the first
/// max(10 % of the words, 301) tokens; ZH keeps the first 128 + last 128 characters of a long
/// text, then at most 301.
pub fn clean(doc: &[u32], zh: bool) -> &[u32] {
    if zh {
        // First + last 128 are not contiguous; the first 256 stand in for them (README).
        &doc[..doc.len().min(256)]
    } else {
        &doc[..doc.len().min((doc.len() / 10).max(MAX_SEQUENCE))]
    }
}

/// Hash space of n-gram keys: the document-frequency table is at most this many counters, so
/// memory stays bounded whatever the corpus size.
pub const HASH_BUCKETS: u32 = 1 << 22;
/// Most n-gram features kept (highest document frequency first).
pub const MAX_NGRAM_FEATURES: usize = 200_000;
/// Tokens of one document the n-gram analyzers read.
pub const MAX_LINEAR_TOKENS: usize = 5000;
/// What the linear stage reads of a document. All zero: the stored tokens, unigrams only,
/// as spec §5.2 (the first versions of the pipeline).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default, Hash)]
pub struct Analyzer {
    /// n-grams of the stored tokens, 1..=token_ngrams (0: none).
    pub token_ngrams: u8,
    /// n-grams of jieba words rebuilt from character tokens, 1..=word_ngrams (0: none).
    pub word_ngrams: u8,
}

impl Analyzer {
    pub const UNIGRAMS: Analyzer = Analyzer { token_ngrams: 0, word_ngrams: 0 };

    pub fn legacy(self) -> bool {
        self == Analyzer::UNIGRAMS
    }

    /// The analyzers searched, the default first: character n-grams and jieba words for
    /// Chinese, word n-grams otherwise.
    pub fn candidates(zh: bool) -> Vec<Analyzer> {
        let a = |t, w| Analyzer { token_ngrams: t, word_ngrams: w };
        if zh {
            vec![a(3, 0), a(1, 2), a(2, 1), a(1, 0)]
        } else {
            vec![a(2, 0), a(1, 0), a(3, 0)]
        }
    }

    pub fn label(self) -> String {
        match (self.token_ngrams, self.word_ngrams) {
            (0, 0) => "unigrams".into(),
            (t, 0) => format!("token 1–{t}-grams"),
            (0, w) => format!("jieba word 1–{w}-grams"),
            (t, w) => format!("token 1–{t}-grams + jieba word 1–{w}-grams"),
        }
    }
}

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a word (stable across runs and platforms, unlike the std hasher).
fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3))
}

/// Single tokens and words hash into the lower half of the buckets, longer n-grams into the
/// upper half, so the feature selection can tell them apart (see [`is_single_unit`]).
const HALF: u32 = HASH_BUCKETS / 2;

/// Whether a hashed key is a single token or word (not a longer n-gram).
pub fn is_single_unit(key: u32) -> bool {
    key < HALF
}

/// Bucket ids of the 1..=n-grams of `units` (order and `salt` are part of the key).
fn push_ngrams(units: &[u64], n: u8, salt: u64, out: &mut Vec<u32>) {
    for order in 1..=n as usize {
        let base = if order == 1 { 0 } else { HALF };
        for w in units.windows(order) {
            let key = w.iter().fold(mix(salt ^ order as u64), |h, u| mix(h ^ u));
            out.push(base + (key % u64::from(HALF)) as u32);
        }
    }
}

/// The feature keys of one document, with repetitions (term counts). Legacy analyzer: the
/// token ids of the cleaned document (spec §5.2 unigrams).
pub fn doc_keys(analyzer: Analyzer, zh: bool, words: &[String], doc: &[u32]) -> Vec<u32> {
    if analyzer.legacy() {
        return clean(doc, zh).to_vec();
    }
    let doc = &doc[..doc.len().min(MAX_LINEAR_TOKENS)];
    let mut out = Vec::new();
    if analyzer.token_ngrams > 0 {
        let units: Vec<u64> = doc.iter().map(|t| mix(u64::from(*t) + 1)).collect();
        push_ngrams(&units, analyzer.token_ngrams, 0x70C, &mut out);
    }
    if analyzer.word_ngrams > 0 && !words.is_empty() {
        // Unknown tokens break the text: jieba must not join words across them.
        let text: String = doc.iter().map(|t| words.get(*t as usize).map(String::as_str).filter(|w| !w.starts_with('<')).unwrap_or(" ")).collect();
        let units: Vec<u64> = jieba().cut(&text, true).into_iter().map(|t| t.word.trim()).filter(|w| !w.is_empty()).map(hash_str).collect();
        push_ngrams(&units, analyzer.word_ngrams, 0x30D, &mut out);
    }
    out
}

/// Keys of many documents (the cache of one analyzer).
pub fn all_keys(analyzer: Analyzer, zh: bool, words: &[String], docs: &[Vec<u32>]) -> Vec<Vec<u32>> {
    docs.iter().map(|d| doc_keys(analyzer, zh, words, d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ngram_keys_count_every_order_and_stay_in_the_hash_space() {
        let a = Analyzer { token_ngrams: 3, word_ngrams: 0 };
        let keys = doc_keys(a, false, &[], &[5, 6, 7, 5]);
        assert_eq!(keys.len(), 4 + 3 + 2);
        assert!(keys.iter().all(|k| *k < HASH_BUCKETS));
        assert!(keys[..4].iter().all(|k| is_single_unit(*k)) && !keys[4..].iter().any(|k| is_single_unit(*k)));
        // Same bigram twice gives the same key; a different order a different one.
        let again = doc_keys(a, false, &[], &[5, 6, 5, 6]);
        assert_eq!(again[4], again[6]);
        assert_ne!(again[4], again[5]);
        assert_eq!(doc_keys(Analyzer::UNIGRAMS, false, &[], &[1, 2]), vec![1, 2]);
    }

    #[test]
    fn jieba_words_are_rebuilt_from_character_tokens() {
        let vocab: Vec<String> = ["<pad>", "<unk>", "我", "爱", "北", "京"].iter().map(|s| s.to_string()).collect();
        let a = Analyzer { token_ngrams: 0, word_ngrams: 1 };
        let words = doc_keys(a, true, &vocab, &[2, 3, 4, 5]);
        // 我 / 爱 / 北京: three words, fewer than the four characters.
        assert_eq!(words.len(), 3, "{words:?}");
        assert_eq!(words, doc_keys(a, true, &vocab, &[2, 3, 4, 5]));
    }
}
