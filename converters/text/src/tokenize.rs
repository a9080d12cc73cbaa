//! Tokenizers built with the `tokenizers` crate and trained in-process on the training
//! documents only (no hub download):
//! - `words` (default): lower-case, split on whitespace and punctuation (punctuation marks are
//!   tokens), one vocabulary entry per word;
//! - `chars` (default when most letters are CJK, or meta.json says `ZH`/`CH`): one token per
//!   non-space character;
//! - `zh-words`: Chinese words cut by jieba (`jieba-rs`, its dictionary compiled in), then split
//!   on whitespace; other scripts in the text come out as jieba's runs (words, punctuation);
//! - `bpe`: byte-pair encoding learned up to `--vocab-size` entries, over the `words` split.
//!
//! Vocabulary (spec §5.4 `channel_to_index_map`): index 0 is [`PAD`] (the single frame of a
//! document that yields no token), index 1 is [`UNK`] (every test token the training documents
//! never showed), then the training tokens, most frequent first (ties in text order).

use std::sync::{Arc, Mutex, OnceLock};

use jieba_rs::Jieba;

use tokenizers::models::bpe::{BpeTrainer, BPE};
use tokenizers::models::wordlevel::{WordLevel, WordLevelTrainer};
use tokenizers::models::TrainerWrapper;
use tokenizers::normalizers::utils::Lowercase;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::pre_tokenizers::whitespace::WhitespaceSplit;
use tokenizers::{AddedToken, SplitDelimiterBehavior, Tokenizer};

use crate::error::{Result, TextError};

/// Reserved vocabulary entry 0: the frame of a document without tokens.
pub const PAD: &str = "<pad>";
/// Reserved vocabulary entry 1: a token unseen in the training documents.
pub const UNK: &str = "<unk>";

/// Default `--vocab-size` for `bpe`.
pub const DEFAULT_BPE_VOCAB: usize = 8000;

/// A resolved tokenizer choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenizerKind {
    Words,
    Chars,
    ZhWords,
    Bpe { vocab_size: usize },
}

impl std::fmt::Display for TokenizerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenizerKind::Words => write!(f, "words"),
            TokenizerKind::Chars => write!(f, "chars"),
            TokenizerKind::ZhWords => write!(f, "zh-words (jieba)"),
            TokenizerKind::Bpe { vocab_size } => write!(f, "bpe (vocab {vocab_size})"),
        }
    }
}

/// A trained tokenizer and its vocabulary in index order.
pub struct TrainedTokenizer {
    tokenizer: Tokenizer,
    /// `zh-words`: texts are cut by jieba before the tokenizer splits them on whitespace.
    segment: bool,
    pub vocab: Vec<String>,
}

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// The jieba words of `text` joined by single spaces (whitespace runs are dropped).
pub fn segment_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for token in jieba().cut(text, true) {
        let word = token.word.trim();
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

fn tok_err(e: impl std::fmt::Display) -> TextError {
    TextError::Tokenizer(e.to_string())
}

/// Trains `kind` on `documents` (the training subset). `vocab_limit` caps `words`/`chars`
/// vocabularies (specials included); `None` keeps every training token.
pub fn train<I>(kind: TokenizerKind, vocab_limit: Option<usize>, documents: I) -> Result<TrainedTokenizer>
where
    I: Iterator<Item = String> + Send,
{
    let specials = vec![AddedToken::from(PAD, true), AddedToken::from(UNK, true)];
    let (model, mut trainer): (tokenizers::models::ModelWrapper, TrainerWrapper) = match kind {
        TokenizerKind::Words | TokenizerKind::Chars | TokenizerKind::ZhWords => {
            let model = WordLevel::builder().unk_token(UNK.into()).build().map_err(tok_err)?;
            let trainer = WordLevelTrainer::builder()
                .vocab_size(vocab_limit.unwrap_or(usize::MAX))
                .show_progress(false)
                .special_tokens(specials)
                .build()
                .map_err(tok_err)?;
            (model.into(), trainer.into())
        }
        TokenizerKind::Bpe { vocab_size } => {
            let model = BPE::builder().unk_token(UNK.into()).build().map_err(tok_err)?;
            let trainer = BpeTrainer::builder()
                .vocab_size(vocab_size)
                .show_progress(false)
                .special_tokens(specials)
                .build();
            (model.into(), trainer.into())
        }
    };
    let mut tokenizer = Tokenizer::new(model);
    tokenizer.with_normalizer(Some(Lowercase)).map_err(tok_err)?;
    match kind {
        TokenizerKind::Chars => {
            let each_char = Split::new(SplitPattern::Regex(".".into()), SplitDelimiterBehavior::Isolated, false)
                .map_err(tok_err)?;
            tokenizer.with_pre_tokenizer(Some(Sequence::new(vec![WhitespaceSplit.into(), each_char.into()])));
        }
        TokenizerKind::ZhWords => {
            tokenizer.with_pre_tokenizer(Some(WhitespaceSplit));
        }
        _ => {
            tokenizer.with_pre_tokenizer(Some(BertPreTokenizer));
        }
    }
    let segment = kind == TokenizerKind::ZhWords;
    let documents = documents.map(move |d| if segment { segment_words(&d) } else { d });
    tokenizer.train(&mut trainer, documents).map_err(tok_err)?;
    let vocab = vocabulary(&tokenizer)?;
    Ok(TrainedTokenizer { tokenizer, segment, vocab })
}

/// The vocabulary in index order, `<pad>` and `<unk>` first.
fn vocabulary(tokenizer: &Tokenizer) -> Result<Vec<String>> {
    let mut by_id: Vec<Option<String>> = Vec::new();
    for (token, id) in tokenizer.get_vocab(true) {
        let id = id as usize;
        if by_id.len() <= id {
            by_id.resize(id + 1, None);
        }
        by_id[id] = Some(token);
    }
    let vocab: Vec<String> = by_id
        .into_iter()
        .enumerate()
        .map(|(i, t)| t.ok_or_else(|| TextError::Tokenizer(format!("vocabulary has no entry {i}"))))
        .collect::<Result<_>>()?;
    if vocab.first().map(String::as_str) != Some(PAD) || vocab.get(1).map(String::as_str) != Some(UNK) {
        return Err(TextError::Tokenizer("reserved entries <pad>/<unk> are not at indices 0/1".into()));
    }
    Ok(vocab)
}

impl TrainedTokenizer {
    /// The whole tokenizer (normalizer, pre-tokenizer, model with its vocabulary and merges)
    /// as JSON, for the conversion recipe.
    pub fn to_json(&self) -> Result<String> {
        self.tokenizer.to_string(false).map_err(tok_err)
    }

    /// A tokenizer saved by [`TrainedTokenizer::to_json`]; `segment` as [`Self::segments`] said.
    pub fn from_json(json: &str, segment: bool) -> Result<TrainedTokenizer> {
        let tokenizer: Tokenizer = json.parse().map_err(tok_err)?;
        let vocab = vocabulary(&tokenizer)?;
        Ok(TrainedTokenizer { tokenizer, segment, vocab })
    }

    /// Whether texts are cut into jieba words before tokenizing (`zh-words`).
    pub fn segments(&self) -> bool {
        self.segment
    }

    /// Token indices of `text`, cut to `max_length`; a document without tokens is one
    /// [`PAD`] frame (the format needs at least one frame, spec §3.3).
    pub fn encode(&self, text: &str, max_length: Option<usize>) -> Result<Vec<u32>> {
        let enc = if self.segment {
            self.tokenizer.encode(segment_words(text), false)
        } else {
            self.tokenizer.encode(text, false)
        }
        .map_err(tok_err)?;
        let mut ids = enc.get_ids().to_vec();
        if let Some(m) = max_length {
            ids.truncate(m);
        }
        if ids.is_empty() {
            ids.push(0);
        }
        Ok(ids)
    }
}

/// Trains on a stream whose items may fail: the first error is kept and returned after
/// training (the `tokenizers` trainer takes a plain iterator).
pub fn train_fallible<I>(kind: TokenizerKind, vocab_limit: Option<usize>, documents: I) -> Result<TrainedTokenizer>
where
    I: Iterator<Item = Result<String>> + Send,
{
    let first_error: Arc<Mutex<Option<TextError>>> = Arc::new(Mutex::new(None));
    let slot = first_error.clone();
    let docs = documents.map_while(move |d| match d {
        Ok(t) => Some(t),
        Err(e) => {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
            None
        }
    });
    let trained = train(kind, vocab_limit, docs);
    if let Some(e) = first_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    trained
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(d: &[&str]) -> impl Iterator<Item = String> + Send {
        d.iter().map(|s| s.to_string()).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn words_lowercase_and_split_punctuation() {
        let t = train(TokenizerKind::Words, None, docs(&["Hello, world!", "hello again"])).unwrap();
        assert_eq!(&t.vocab[..2], &[PAD.to_string(), UNK.to_string()]);
        // "hello" is the most frequent training token
        assert_eq!(t.vocab[2], "hello");
        for w in [",", "!", "world", "again"] {
            assert!(t.vocab.contains(&w.to_string()), "{w} missing from {:?}", t.vocab);
        }
        let ids = t.encode("HELLO, unseen", None).unwrap();
        assert_eq!(ids.len(), 3);
        assert_eq!(t.vocab[ids[0] as usize], "hello");
        assert_eq!(t.vocab[ids[1] as usize], ",");
        assert_eq!(ids[2], 1, "unknown word maps to <unk>");
    }

    #[test]
    fn chars_split_every_character() {
        let t = train(TokenizerKind::Chars, None, docs(&["我爱北京", "北京 天安门"])).unwrap();
        let ids = t.encode("北京我", None).unwrap();
        let toks: Vec<&str> = ids.iter().map(|&i| t.vocab[i as usize].as_str()).collect();
        assert_eq!(toks, vec!["北", "京", "我"]);
        assert_eq!(t.encode("猫", None).unwrap(), vec![1]);
    }

    #[test]
    fn zh_words_cut_chinese_into_dictionary_words() {
        let t = train(TokenizerKind::ZhWords, None, docs(&["我们在北京学习", "北京天安门 很好"])).unwrap();
        let ids = t.encode("北京我们", None).unwrap();
        let toks: Vec<&str> = ids.iter().map(|&i| t.vocab[i as usize].as_str()).collect();
        assert_eq!(toks, vec!["北京", "我们"]);
        assert!(t.vocab.contains(&"天安门".to_string()), "{:?}", t.vocab);
        assert_eq!(t.encode("上海", None).unwrap(), vec![1], "a word unseen in training is <unk>");
    }

    #[test]
    fn bpe_respects_vocab_size_and_max_length() {
        let corpus: Vec<String> = (0..50).map(|i| format!("lower lowest newer newest {i}")).collect();
        let t = train(TokenizerKind::Bpe { vocab_size: 40 }, None, corpus.into_iter()).unwrap();
        assert!(t.vocab.len() <= 40, "{}", t.vocab.len());
        let ids = t.encode("newest lower", Some(2)).unwrap();
        assert_eq!(ids.len(), 2);
    }

    #[test]
    fn saved_tokenizers_encode_the_same() {
        let corpus: Vec<String> = (0..50).map(|i| format!("lower lowest newer newest {i}")).collect();
        for kind in [TokenizerKind::Words, TokenizerKind::Chars, TokenizerKind::Bpe { vocab_size: 40 }] {
            let t = train(kind, None, corpus.clone().into_iter()).unwrap();
            let back = TrainedTokenizer::from_json(&t.to_json().unwrap(), false).unwrap();
            assert_eq!(back.vocab, t.vocab);
            let text = "Newest LOWER unseen 7";
            assert_eq!(back.encode(text, None).unwrap(), t.encode(text, None).unwrap());
        }
    }

    #[test]
    fn empty_text_is_one_pad_frame() {
        let t = train(TokenizerKind::Words, None, docs(&["a b"])).unwrap();
        assert_eq!(t.encode("   ", None).unwrap(), vec![0]);
    }

    #[test]
    fn training_is_deterministic() {
        let corpus: Vec<String> = (0..200).map(|i| format!("w{} w{} common", i % 7, i % 13)).collect();
        let a = train(TokenizerKind::Words, None, corpus.clone().into_iter()).unwrap();
        let b = train(TokenizerKind::Words, None, corpus.into_iter()).unwrap();
        assert_eq!(a.vocab, b.vocab);
    }
}
