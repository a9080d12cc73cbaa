//! The text conversion recipe (the trained tokenizer with its vocabulary, `--max-length`, the
//! corpus columns) and its use on new documents: a folder of `.txt` files (flat or nested) or
//! a CSV/TSV/JSONL corpus with the text column (a label column, if any, is ignored) becomes an
//! unlabelled set tokenized exactly as the training documents were. A document that cannot be
//! read is an error naming it.

use std::path::{Path, PathBuf};

use converters_common::recipe::Recipe;
use converters_common::unlabelled::UnlabelledWriter;
use converters_common::SkipReport;
use formats::example::Frames;
use formats::metadata::DataSpec;
use serde::{Deserialize, Serialize};

use crate::corpus::{read_document, relative_name, Corpus, Layout, TableColumns};
use crate::spec::text_spec;
use crate::error::{Result, TextError};
use crate::tokenize::TrainedTokenizer;

/// The recipe's domain name.
pub const DOMAIN: &str = "text";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextRecipe {
    /// The trained tokenizer as JSON ([`TrainedTokenizer::to_json`]).
    pub tokenizer: String,
    pub max_length: Option<usize>,
    /// Text field of a CSV/TSV/JSONL corpus.
    pub text_column: String,
    pub delimiter: Option<u8>,
    /// `zh-words`: jieba cuts each text before the tokenizer (not part of the tokenizer's JSON).
    #[serde(default)]
    pub segment: bool,
}

impl TextRecipe {
    pub fn to_recipe(&self) -> converters_common::Result<Recipe> {
        Recipe::new(DOMAIN, self)
    }
}

/// Frames of one document: its token indices, one per frame.
fn document_frames(tokenizer: &TrainedTokenizer, text: &str, max_length: Option<usize>) -> Result<Frames> {
    let ids = tokenizer.encode(text, max_length)?;
    Ok(Frames::Dense { values: ids.iter().map(|&i| i as f32).collect(), offsets: (0..=ids.len()).collect() })
}

/// `.txt` files below `dir`, sorted by their path below it; any other file is an error
/// (hidden files are passed over).
fn text_files(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| TextError::io(&d, e))? {
            let p = e.map_err(|e| TextError::io(&d, e))?.path();
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("txt")) {
                let rel = relative_name(dir, &p);
                out.push((p, rel));
            } else if !converters_common::recipe::is_layout_file(&name) {
                return Err(TextError::input(&p, "not a .txt document: the recipe converts text files only"));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// Tokenizes every document of `input` into `writer` (source: the path below the folder, or
/// the 1-based row of a corpus file); returns the metadata of the set.
pub fn convert_new_documents(
    recipe: &TextRecipe,
    input: &Path,
    output_dim: usize,
    class_names: &[String],
    writer: &mut UnlabelledWriter,
) -> Result<DataSpec> {
    let tokenizer = TrainedTokenizer::from_json(&recipe.tokenizer, recipe.segment)?;
    if input.is_dir() {
        let files = text_files(input)?;
        if files.is_empty() {
            return Err(TextError::input(input, "no .txt document"));
        }
        for (path, rel) in files {
            let text = read_document(&path)?.map_err(|r| TextError::input(&path, r))?;
            writer.push(&document_frames(&tokenizer, &text, recipe.max_length)?, &rel)?;
        }
    } else {
        // a corpus file, read by the training reader without its label column
        let columns = TableColumns { text: recipe.text_column.clone(), label: String::new(), delimiter: recipe.delimiter };
        let mut report = SkipReport::new(Default::default());
        let corpus = Corpus::open(input, &columns, &mut report)?;
        if !matches!(corpus.layout, Layout::Csv { .. } | Layout::Jsonl { .. }) {
            return Err(TextError::input(input, "give a folder of .txt files or a .csv/.tsv/.jsonl corpus"));
        }
        for (s, doc) in corpus.stream()?.enumerate() {
            let doc = doc?;
            let text = doc.text.map_err(|r| match doc.pos.line {
                Some(l) => TextError::input(&doc.pos.path, format!("line {l}: {r}")),
                None => TextError::input(&doc.pos.path, r),
            })?;
            writer.push(&document_frames(&tokenizer, &text, recipe.max_length)?, &(s + 1).to_string())?;
        }
    }
    Ok(text_spec(&tokenizer.vocab, output_dim, Some(class_names).filter(|c| !c.is_empty()), writer.len()))
}
