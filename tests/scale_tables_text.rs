//! Scale-out of tables and corpora (issue 15): `plan` (the converter's whole-input pass stored
//! in the plan), every shard, `merge` — byte-compared, file by file, with the dataset the
//! `convert` command writes from the same input, for 1 and 3 shards: the shared iris-AutoML
//! (as given and `--resplit`) and randomtext, a generated CSV table (categorical, missing
//! values, bad rows, more records than one seeded-order bucket) and a generated CSV corpus.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use converters_common::{ErrorPolicy, SplitOptions};
use converters_scale::domain::DomainRequest;
use converters_scale::merge::{merge, MergeRequest};
use converters_scale::plan::{build_plan, PlanRequest};
use converters_scale::shard::convert_shard;
use converters_tabular::{ColumnChoices, TabularOptions};
use converters_text::TextOptions;

#[path = "support/recipes.rs"]
#[allow(dead_code)]
mod recipes;
use recipes::tree;

#[path = "support/lcg.rs"]
#[allow(dead_code)] // each test file draws its own way
mod lcg;
use lcg::Lcg;

const SEED: u64 = 7;

fn split(resplit: bool) -> SplitOptions {
    SplitOptions { test_size: 0.2, seed: SEED, resplit }
}

fn table_request() -> DomainRequest {
    DomainRequest::Tabular(TabularOptions {
        columns: ColumnChoices { onehot_max: converters_tabular::limits::DEFAULT_ONEHOT_MAX_CATEGORIES, ..Default::default() },
        ..Default::default()
    })
}

fn text_request() -> DomainRequest {
    DomainRequest::Text(TextOptions::default())
}

/// `autodl-format convert INPUT -o OUT --seed 7 …`.
fn convert(input: &Path, out: &Path, extra: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_autodl-format"))
        .args(["convert", "--quiet", "--seed", &SEED.to_string()])
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "convert {}: {}", input.display(), String::from_utf8_lossy(&o.stderr));
}

/// plan → every shard → merge through the library; returns the dataset folder.
fn scale_out(input: &Path, domain: DomainRequest, name: Option<&str>, resplit: bool, shards: usize, tmp: &Path) -> PathBuf {
    let req = PlanRequest {
        input: input.to_path_buf(),
        name: name.map(str::to_string),
        split: split(resplit),
        policy: ErrorPolicy::default(),
        domain,
        shards,
    };
    let plan = build_plan(&req).unwrap_or_else(|e| panic!("plan {}: {e}", input.display()));
    assert_eq!(plan.entries.len(), plan.header.n_test + plan.header.n_train);
    let plan_path = tmp.join(format!("plan-{shards}.jsonl"));
    plan.write(&plan_path).unwrap();
    let shards_dir = tmp.join(format!("shards-{shards}"));
    let mut records = 0;
    for k in 0..shards {
        let m = convert_shard(&plan_path, k, &shards_dir).unwrap_or_else(|e| panic!("shard {k}: {e}"));
        assert!(m.test.skipped.is_empty() && m.train.skipped.is_empty(), "{m:?}");
        records += m.test.part.count + m.train.part.count;
    }
    assert_eq!(records as usize, plan.entries.len());
    let out = tmp.join(format!("merged-{shards}"));
    let merged = merge(&MergeRequest { shards_dir, plan: None, out_dir: out.clone(), force: false }).unwrap_or_else(|e| panic!("merge: {e}"));
    assert_eq!((merged.summary.test_records + merged.summary.train_records) as usize, plan.entries.len());
    out
}

/// `convert` and scale-out with 1 and 3 shards write the same files, byte for byte.
/// Returns the files of the dataset.
fn same_as_convert(input: &Path, domain: impl Fn() -> DomainRequest, name: Option<&str>, resplit: bool, extra: &[&str]) -> Vec<PathBuf> {
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("convert");
    convert(input, &reference, extra);
    let expected = tree(&reference);
    assert!(expected.iter().any(|(p, _)| p.to_string_lossy().ends_with("-train.tfrecord")), "{:?}", expected.iter().map(|e| &e.0).collect::<Vec<_>>());
    for shards in [1, 3] {
        let merged = tree(&scale_out(input, domain(), name, resplit, shards, tmp.path()));
        let names = |t: &[(PathBuf, Vec<u8>)]| t.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
        assert_eq!(names(&merged), names(&expected), "{}: {shards} shard(s)", input.display());
        for ((path, got), (_, want)) in merged.iter().zip(&expected) {
            assert!(got == want, "{}: {shards} shard(s): {} differs from convert's", input.display(), path.display());
        }
    }
    expected.into_iter().map(|(p, _)| p).collect()
}

fn has(files: &[PathBuf], name: &str) -> bool {
    files.iter().any(|p| p.to_string_lossy() == name)
}

#[test]
fn shared_iris_automl_scales_out_as_convert() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let iris = data.join("raw/iris-AutoML");
    let files = same_as_convert(&iris, table_request, None, false, &[]);
    assert!(has(&files, "iris_feat.name") && has(&files, "iris.solution"), "{files:?}");
    same_as_convert(&iris, table_request, None, true, &["--resplit"]);
}

#[test]
fn shared_randomtext_scales_out_as_convert() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let text = data.join("raw/randomtext");
    same_as_convert(&text, text_request, Some("randomtext"), false, &["--domain", "text", "--name", "randomtext"]);
}

/// The next draw of the generated inputs' stream: the top 31 bits of the tests' LCG.
fn lcg(rng: &mut Lcg) -> u64 {
    u64::from(rng.bits31())
}

#[test]
fn generated_table_scales_out_as_convert() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("people.csv");
    let mut text = String::from("age,city,income,score,label\n");
    let mut s = Lcg(1);
    // 9,000 rows: the train subset spans two seeded-order buckets.
    for i in 0..9000u64 {
        let city = ["paris", "oslo", "lima", "kyiv", "pune"][(lcg(&mut s) % 5) as usize];
        let age = if i % 97 == 5 { "NA".to_string() } else { (18 + lcg(&mut s) % 60).to_string() };
        let income = format!("{:.2}", (lcg(&mut s) % 100_000) as f64 / 7.0);
        let score = if i % 31 == 0 { String::new() } else { format!("{}", (lcg(&mut s) % 1000) as f64 / 1000.0) };
        let label = ["low", "mid", "high"][(lcg(&mut s) % 3) as usize];
        if i == 4321 {
            text.push_str("ragged,row\n"); // a bad row: skipped and reported, in plan and convert alike
        }
        text.push_str(&format!("{age},{city},{income},{score},{label}\n"));
    }
    fs::write(&csv, text).unwrap();
    let files = same_as_convert(&csv, table_request, None, false, &["--domain", "tabular"]);
    for f in ["people_skipped.tsv", "people_feat.name", "people_recipe.json", "people_test_sources.txt", "people_label.name"] {
        assert!(has(&files, f), "{f} missing: {files:?}");
    }
}

#[test]
fn generated_corpus_scales_out_as_convert() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("reviews.csv");
    let words = ["good", "bad", "plot", "actor", "slow", "great", "boring", "music", "ending", "story", "camera", "again"];
    let mut text = String::from("text,label\n");
    let mut s = Lcg(3);
    for i in 0..600u64 {
        let n = 3 + lcg(&mut s) % 30;
        let doc: Vec<&str> = (0..n).map(|_| words[(lcg(&mut s) % words.len() as u64) as usize]).collect();
        let label = ["pos", "neg"][(lcg(&mut s) % 2) as usize];
        let doc = if i == 77 { "   ".to_string() } else { doc.join(" ") }; // empty: a bad document
        text.push_str(&format!("\"{doc}\",{label}\n"));
    }
    fs::write(&csv, text).unwrap();
    let files = same_as_convert(&csv, text_request, None, false, &["--domain", "text"]);
    for f in ["reviews_skipped.tsv", "reviews_recipe.json", "reviews_test_sources.txt"] {
        assert!(has(&files, f), "{f} missing: {files:?}");
    }
}

#[test]
fn a_changed_table_is_refused_and_bad_rows_follow_the_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("small.csv");
    let mut text = String::from("x,y,label\n");
    for i in 0..40 {
        text.push_str(&format!("{i},{},{}\n", i * 2, ["a", "b"][i % 2]));
    }
    fs::write(&csv, &text).unwrap();
    let req = |policy: ErrorPolicy| PlanRequest {
        input: csv.clone(),
        name: None,
        split: split(false),
        policy,
        domain: table_request(),
        shards: 2,
    };
    let plan = build_plan(&req(ErrorPolicy::default())).unwrap();
    assert_eq!(plan.header.settings.domain(), "tabular");
    let plan_path = tmp.path().join("plan.jsonl");
    plan.write(&plan_path).unwrap();
    // Rows found by their place in the table: a table that changed since is refused.
    fs::write(&csv, format!("{text}41,82,a\n")).unwrap();
    let err = convert_shard(&plan_path, 0, &tmp.path().join("shards")).unwrap_err().to_string();
    assert!(err.contains("the input changed"), "{err}");

    // A bad row: skipped and reported by default, fatal under --on-error fail (as in convert).
    fs::write(&csv, format!("{text}1,2\n")).unwrap();
    let plan = build_plan(&req(ErrorPolicy::default())).unwrap();
    assert_eq!(plan.header.listing_skipped.len(), 1, "{:?}", plan.header.listing_skipped);
    assert!(plan.header.listing_skipped[0].reason.contains("ragged"), "{:?}", plan.header.listing_skipped);
    let fail = ErrorPolicy { on_error: converters_common::OnError::Fail, max_errors: None };
    let err = build_plan(&req(fail)).unwrap_err().to_string();
    assert!(err.contains("ragged"), "{err}");
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

fn table_with<'a>(targets: &'a [&'a str]) -> impl Fn() -> DomainRequest + 'a {
    move || {
        let DomainRequest::Tabular(mut o) = table_request() else { unreachable!() };
        o.columns.targets = targets.iter().map(|t| t.to_string()).collect();
        DomainRequest::Tabular(o)
    }
}

#[test]
fn fixture_tables_scale_out_as_convert() {
    // Categorical columns (CSV, TSV), SPARSE records, multilabel targets, AutoML sparse and binary.
    same_as_convert(&fixture("tabular/mixed.csv"), table_with(&["species"]), None, false, &["--target", "species"]);
    same_as_convert(&fixture("tabular/mixed.tsv"), table_with(&["species"]), None, false, &["--target", "species"]);
    same_as_convert(&fixture("tabular/mostly_zero.csv"), table_with(&["label"]), None, false, &["--target", "label"]);
    let multi = ["--target", "is_a", "--target", "is_b", "--target", "is_c"];
    same_as_convert(&fixture("tabular/multilabel.csv"), table_with(&["is_a", "is_b", "is_c"]), None, false, &multi);
    same_as_convert(&fixture("tabular/automl_sparse"), table_request, None, false, &[]);
    same_as_convert(&fixture("tabular/automl_binary"), table_request, None, false, &[]);
}

#[test]
fn fixture_corpora_scale_out_as_convert() {
    // Class folders, Chinese (chars), an AutoNLP layout (input order kept), and a BPE
    // tokenizer restored from the plan's JSON with --max-length cutting documents.
    same_as_convert(&fixture("text/classes"), text_request, None, false, &["--domain", "text"]);
    same_as_convert(&fixture("text/chinese"), text_request, None, false, &["--domain", "text"]);
    same_as_convert(&fixture("text/autonlp/toynlp"), text_request, None, false, &["--domain", "text"]);
    let bpe = || {
        DomainRequest::Text(TextOptions {
            tokenizer: converters_text::TokenizerChoice::Bpe,
            vocab_size: Some(100),
            max_length: Some(12),
            ..Default::default()
        })
    };
    let args = ["--domain", "text", "--tokenizer", "bpe", "--vocab-size", "100", "--max-length", "12"];
    same_as_convert(&fixture("text/topics.jsonl"), bpe, None, false, &args);
}
