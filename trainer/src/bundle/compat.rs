//! What a model was trained on, recorded in its bundle ([`TrainedOn`]), and the check `predict`
//! makes before applying it ([`check`]): a model applied to another kind of data, another class
//! list, another feature layout or another vocabulary writes numbers that mean nothing (issue 21).

use std::path::Path;

use formats::dataset::{DatasetReader, Subset};
use formats::inspect::Domain;
use formats::metadata::DataSpec;
use serde::{Deserialize, Serialize};

use crate::data::{label_names, resolve_domain};
use crate::error::{Error, Result};

/// The facts of the training data a model depends on (`bundle.json`'s `trained_on`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainedOn {
    /// `image`, `video`, `text`, `speech` or `tabular`, as the learners resolve it.
    pub domain: String,
    /// `(sequence_size, row_count, col_count, num_channels)` of the metadata; −1 = variable.
    pub shape: [i64; 4],
    /// `DENSE`, `SPARSE` or `COMPRESSED`.
    pub format: String,
    /// Tables: values per example, one-hot columns counted one by one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<usize>,
    /// Tables: `<name>_feat.name` (a one-hot column reads `column=value`), when the dataset had it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feature_names: Vec<String>,
    /// Text: the vocabulary (`channel_to_index_map`) the token numbers index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocabulary: Option<Vocabulary>,
}

/// A vocabulary's size and a fingerprint of its tokens in index order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Vocabulary {
    pub tokens: usize,
    /// Masked CRC-32C (hex, as TFRecord framing computes it) of the tokens in index order, one per line.
    pub fingerprint: String,
}

impl TrainedOn {
    /// What the metadata alone says (no feature names).
    pub fn from_spec(spec: &DataSpec, domain: Domain) -> TrainedOn {
        let m = spec.matrix_spec.first();
        let shape = [
            i64::from(spec.sequence_size),
            m.map_or(0, |m| i64::from(m.row_count)),
            m.map_or(0, |m| i64::from(m.col_count)),
            m.map_or(0, |m| i64::from(m.num_channels)),
        ];
        let features = (domain == Domain::Tabular && shape[1..].iter().all(|&d| d > 0))
            .then(|| (shape[1] * shape[2] * shape[3]) as usize);
        let vocabulary = (domain == Domain::Text && !spec.channel_to_index_map.is_empty()).then(|| vocabulary(spec));
        TrainedOn {
            domain: domain.to_string(),
            shape,
            format: m.map_or("?".into(), |m| format!("{:?}", m.format).to_uppercase()),
            features,
            feature_names: Vec::new(),
            vocabulary,
        }
    }

    /// [`TrainedOn::from_spec`] plus the feature names of a table dataset.
    pub fn of_dataset(reader: &DatasetReader, spec: &DataSpec, domain: Domain) -> Result<TrainedOn> {
        let mut facts = TrainedOn::from_spec(spec, domain);
        if domain == Domain::Tabular {
            let layout = reader.layout();
            let path = layout.root.join(format!("{}_feat.name", layout.name));
            if path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
                facts.feature_names = text.lines().map(|l| l.trim_end_matches('\r').to_string()).collect();
            }
        }
        Ok(facts)
    }

    /// The data in a few words: "a table of 4 features", "text (vocabulary 2,314 tokens, …)".
    fn describe(&self) -> String {
        match self.domain.as_str() {
            "tabular" => match self.features {
                Some(f) => format!("a table of {} features", grouped(f)),
                None => "a table".into(),
            },
            "text" => match &self.vocabulary {
                Some(v) => format!("text (vocabulary {} tokens, fingerprint {})", grouped(v.tokens), v.fingerprint),
                None => "text".into(),
            },
            "speech" => "audio".into(),
            "image" => "images".into(),
            other => other.to_string(),
        }
    }
}

fn vocabulary(spec: &DataSpec) -> Vocabulary {
    let mut tokens: Vec<(i32, &str)> = spec.channel_to_index_map.iter().map(|(t, i)| (*i, t.as_str())).collect();
    tokens.sort();
    let text: String = tokens.iter().flat_map(|(_, t)| [*t, "\n"]).collect();
    Vocabulary { tokens: tokens.len(), fingerprint: format!("{:08x}", formats::tfrecord::masked_crc32c(text.as_bytes())) }
}

/// `2314` → `2,314`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The outcome of [`check`]: every mismatch (the model must not be applied when there is one)
/// and the facts an older bundle did not record, which could not be checked.
#[derive(Debug, Default)]
pub struct Compatibility {
    pub mismatches: Vec<String>,
    pub unverified: Vec<String>,
}

/// What a bundle records of its model, the side of [`check`] that comes from `bundle.json`.
pub struct Trained<'a> {
    /// The train subset's `metadata.textproto` (the only fact of bundles without `trained_on`).
    pub train_metadata: &'a str,
    pub trained_on: Option<&'a TrainedOn>,
    pub output_dim: usize,
    pub label_names: &'a [String],
}

/// Checks the dataset or unlabelled set at `input` (its `test` or `unlabelled` subset) against
/// what the model was trained on. `model` and `data` name the two sides in the messages (the
/// run folder, and the input as the user gave it).
pub fn check(bundle: &Trained<'_>, input: &Path, model: &str, data: &str) -> Result<Compatibility> {
    let train_spec = DataSpec::parse(bundle.train_metadata, Path::new("bundle.json:train_metadata"))?;
    let recorded = bundle.trained_on.cloned();
    let mut out = Compatibility::default();
    let trained = recorded.clone().unwrap_or_else(|| {
        let domain = resolve_domain(&train_spec);
        TrainedOn::from_spec(&train_spec, domain)
    });
    let reader = DatasetReader::open(input)?;
    let subset = if reader.spec(Subset::Test).is_some() { Subset::Test } else { Subset::Unlabelled };
    let spec = reader
        .spec(subset)
        .ok_or_else(|| Error::Config(format!("{}: no test or unlabelled subset", input.display())))?;
    let given = TrainedOn::of_dataset(&reader, spec, resolve_domain(spec))?;

    // Another kind of data: nothing else is worth comparing.
    if trained.domain != given.domain {
        out.mismatches.push(format!(
            "the model of {model} was trained on {} but {data} is {}",
            trained.describe(),
            given.describe()
        ));
        return Ok(out);
    }

    let k = usize::try_from(spec.output_dim).unwrap_or(0);
    let names = given_class_names(&reader, spec, k)?;
    if k != bundle.output_dim {
        out.mismatches.push(format!(
            "the model of {model} predicts {} ({}) but {data} has {}{}",
            classes(bundle.output_dim),
            short_list(bundle.label_names),
            classes(k),
            names.as_ref().map(|n| format!(" ({})", short_list(n))).unwrap_or_default()
        ));
    } else if let Some(names) = names.filter(|_| has_real_names(bundle.label_names)) {
        if names != bundle.label_names {
            out.mismatches.push(format!(
                "the model of {model} predicts the classes ({}) but {data}'s classes are ({})",
                short_list(bundle.label_names),
                short_list(&names)
            ));
        }
    }

    if trained.domain == "tabular" {
        if trained.features != given.features {
            let count = |f: Option<usize>| f.map_or("an unknown number of".to_string(), grouped);
            out.mismatches.push(format!(
                "the model of {model} was trained on a table of {} features{} but {data} has {} features per row",
                count(trained.features),
                if trained.feature_names.is_empty() { String::new() } else { format!(" ({})", short_list(&trained.feature_names)) },
                count(given.features)
            ));
        } else if recorded.is_none() {
            out.unverified.push("feature names".into());
        } else if let Some(i) = first_difference(&trained.feature_names, &given.feature_names) {
            let name = |names: &[String]| names.get(i).map_or("(none)".to_string(), |n| format!("'{n}'"));
            out.mismatches.push(format!(
                "the model of {model} was trained on other features than {data} has: feature {} is {} for the model but {} in {data} \
                 (columns or categories in another order, or other categories)",
                i + 1,
                name(&trained.feature_names),
                name(&given.feature_names)
            ));
        }
    }

    if trained.domain == "text" && trained.vocabulary != given.vocabulary {
        out.mismatches.push(format!(
            "the model of {model} was trained on {} but {data} is {}: its token numbers stand for other words; \
             give it the raw documents instead (`autodl-format predict --run {model} DOCUMENTS`): they are converted with the run's vocabulary",
            trained.describe(),
            given.describe()
        ));
    }
    Ok(out)
}

/// The first position where two named feature lists differ; `None` when they agree or either
/// side has no names (nothing to compare).
fn first_difference(a: &[String], b: &[String]) -> Option<usize> {
    if a.is_empty() || b.is_empty() || a == b {
        return None;
    }
    Some(a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len())))
}

/// The input's class names, when it names them (`<name>_label.name` or `label_to_index_map`).
fn given_class_names(reader: &DatasetReader, spec: &DataSpec, k: usize) -> Result<Option<Vec<String>>> {
    if reader.label_names()?.is_none() && spec.label_to_index_map.is_empty() {
        return Ok(None);
    }
    Ok(Some(label_names(reader, spec, k)?))
}

/// False for the `class_<i>` placeholders a bundle holds when its dataset named no class.
fn has_real_names(names: &[String]) -> bool {
    names.iter().enumerate().any(|(i, n)| *n != format!("class_{i}"))
}

fn classes(k: usize) -> String {
    if k == 1 { "1 class".into() } else { format!("{} classes", grouped(k)) }
}

/// At most 8 names, then how many more.
fn short_list(names: &[String]) -> String {
    let mut out = names.iter().take(8).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 8 {
        out.push_str(&format!(", … {} more", names.len() - 8));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_lists_differ_at_the_first_other_name_or_where_one_ends() {
        let v = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(first_difference(&v(&["a", "b"]), &v(&["a", "b"])), None);
        assert_eq!(first_difference(&v(&["a", "b"]), &v(&[])), None);
        assert_eq!(first_difference(&v(&["a", "b"]), &v(&["a", "c"])), Some(1));
        assert_eq!(first_difference(&v(&["a", "b"]), &v(&["a", "b", "c"])), Some(2));
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(7), "7");
        assert_eq!(grouped(2314), "2,314");
        assert_eq!(grouped(1_000_000), "1,000,000");
    }

    #[test]
    fn the_vocabulary_fingerprint_follows_the_tokens_in_index_order() {
        let spec = |map: &[(&str, i32)]| DataSpec {
            channel_to_index_map: map.iter().map(|(t, i)| (t.to_string(), *i)).collect(),
            ..DataSpec::default()
        };
        let a = vocabulary(&spec(&[("b", 1), ("a", 0)]));
        assert_eq!(a, vocabulary(&spec(&[("a", 0), ("b", 1)])));
        assert_ne!(a.fingerprint, vocabulary(&spec(&[("a", 1), ("b", 0)])).fingerprint);
        assert_eq!(a.tokens, 2);
    }
}
