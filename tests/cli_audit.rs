//! `autodl-format audit` as a pipeline runs it: exit 1 on leakage or conflicts (or the kinds
//! given to --fail-on), 0 otherwise, 2 when it cannot run (a run folder, an unknown kind, a
//! used --out); the summary line per kind and JSON carrying the schema's required keys; raw
//! input (images, a CSV table, a text corpus) converted first with every example named by its
//! input file or data row, the input left as it was; --out and --time-budget.

mod rate_support;
#[path = "support/headless.rs"]
mod headless;
#[path = "support/recipes.rs"]
#[allow(dead_code)] // the file-tree reader only
mod recipes;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use formats::dataset::{DatasetWriter, WriterOptions};
use formats::example::Frames;
use formats::metadata::{DataSpec, Format, MatrixSpec};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_autodl-format")).arg("audit").args(args).output().expect("run autodl-format")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The spec of two classes of single dense `side`×`side` frames of `channels` channels.
fn two_classes_of_dense(side: i32, channels: i32) -> DataSpec {
    DataSpec {
        output_dim: 2,
        sequence_size: 1,
        matrix_spec: vec![MatrixSpec { row_count: side, col_count: side, format: Format::Dense, num_channels: channels, ..Default::default() }],
        ..Default::default()
    }
}

/// 8 train and 3 test 2×2 examples of 2 classes; `leak` copies train #2 into test,
/// `dup` repeats train #0 at the end of train.
fn dataset(root: &Path, leak: bool, dup: bool) -> PathBuf {
    let out = root.join(format!("set-{leak}-{dup}"));
    let x = |i: usize| Frames::dense_from_frames([[i as f32, 0.5, 1.0 / (i as f32 + 1.0), 2.0]]);
    let mut w = DatasetWriter::create(&out, "set", WriterOptions::default()).unwrap();
    for i in 100..103 {
        w.push_test(&x(i), &[(i % 2) as i64], &[1.0]).unwrap();
    }
    if leak {
        w.push_test(&x(2), &[0], &[1.0]).unwrap();
    }
    for i in 0..8 {
        w.push_train(&x(i), &[(i % 2) as i64], &[1.0]).unwrap();
    }
    if dup {
        w.push_train(&x(0), &[0], &[1.0]).unwrap();
    }
    w.finish(two_classes_of_dense(2, 1), None).unwrap();
    out
}

#[test]
fn exit_status_follows_fail_on() {
    let tmp = tempfile::tempdir().unwrap();
    let leaky = dataset(tmp.path(), true, false);
    let o = run(&[leaky.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("error[leakage] [fails]: 1 finding(s), 2 example(s): [train #2 (id 6) = test #3 (id 3)]"), "{stdout}");
    assert_eq!(run(&[leaky.to_str().unwrap(), "--fail-on", "none"]).status.code(), Some(0));

    let dup = dataset(tmp.path(), false, true);
    assert_eq!(run(&[dup.to_str().unwrap()]).status.code(), Some(0));
    let o = run(&[dup.to_str().unwrap(), "--fail-on", "leakage,duplicate_train"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("warning[duplicate_train] [fails]: 1 finding(s), 2 example(s)"), "{}", text(&o.stdout));

    let clean = dataset(tmp.path(), false, false);
    // 4 examples per class: rare under the default k = 5, not under k = 4
    let o = run(&[clean.to_str().unwrap(), "--fail-on", "leakage,conflict,duplicate_train,rare_class", "--min-class-examples", "4"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("no findings"), "{}", text(&o.stdout));
    let o = run(&[clean.to_str().unwrap(), "--fail-on", "rare_class"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("warning[rare_class] [fails]: 2 finding(s), 8 example(s): class 0 (4 example(s)); class 1"), "{}", text(&o.stdout));
}

#[test]
fn json_report_has_the_schema_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let leaky = dataset(tmp.path(), true, true);
    let o = run(&[leaky.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/audit-report.schema.json")).unwrap()).unwrap();
    for key in schema["required"].as_array().unwrap() {
        assert!(v.get(key.as_str().unwrap()).is_some(), "report lacks {key}");
    }
    let finding_keys = schema["$defs"]["finding"]["required"].as_array().unwrap();
    let kinds: Vec<&str> = schema["$defs"]["kind"]["enum"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    for f in v["findings"].as_array().unwrap() {
        for key in finding_keys {
            assert!(f.get(key.as_str().unwrap()).is_some(), "finding lacks {key}: {f}");
        }
        assert!(kinds.contains(&f["kind"].as_str().unwrap()));
    }
    let leak = v["findings"].as_array().unwrap().iter().find(|f| f["kind"] == "leakage").unwrap();
    assert_eq!(leak["examples"][1]["subset"], "test");
    assert_eq!(leak["examples"][1]["index"], 3);
    // train #2 (label 0) = test #3 (label 0 in the solution): a leak, not a conflict
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["kind"] != "conflict"));
}

#[test]
fn run_folders_and_unknown_kinds_cannot_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run_folder = tmp.path().join("rate-out");
    std::fs::create_dir_all(run_folder.join("predictions")).unwrap();
    let o = run(&[run_folder.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("looks like a run folder"), "{}", text(&o.stderr));
    let clean = dataset(tmp.path(), false, false);
    let o = run(&[clean.to_str().unwrap(), "--fail-on", "leak"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("unknown finding kind \"leak\""), "{}", text(&o.stderr));
    let o = run(&[tmp.path().join("missing").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("missing does not exist"), "{}", text(&o.stderr));
}

#[test]
fn shared_datasets_audit_clean() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    for name in ["Monkeys", "miniciao", "mini1"] {
        let dir = data.join("autodl").join(name);
        let o = run(&[dir.to_str().unwrap(), "--json"]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["name"], name);
        assert!(v["findings"].as_array().unwrap().iter().all(|f| f["kind"] != "leakage" && f["kind"] != "conflict"), "{name}");
    }
}

#[test]
fn help_lists_the_exit_codes_and_kinds() {
    for flag in ["-h", "--help"] {
        let o = run(&[flag]);
        assert_eq!(o.status.code(), Some(0));
        let h = text(&o.stdout);
        assert!(h.contains("Exit status: 0") && h.contains("--fail-on"), "audit {flag}:\n{h}");
        let flat = h.split_whitespace().collect::<Vec<_>>().join(" ");
        for kind in audit::FindingKind::ALL {
            assert!(flat.contains(kind.name()), "audit {flag} does not name {kind}");
        }
    }
}

/// 40 train and 10 test 16×16 colour pictures of 2 classes; test #0 and #1 are copied into
/// train, #1 with one pixel column shifted.
fn pictures(root: &Path) -> PathBuf {
    let out = root.join("pictures");
    let pic = |seed: usize, shift: usize| -> Frames {
        let v: Vec<f32> = (0..16 * 16usize)
            .flat_map(|k| {
                let (y, x) = (k / 16, (k % 16).saturating_sub(shift));
                let s = seed as f32;
                [0.5 + 0.4 * (0.3 * x as f32 + s).sin(), 0.5 + 0.4 * (0.2 * y as f32 * (1.0 + s / 7.0)).cos(), ((x * y + seed * 13) % 16) as f32 / 16.0]
            })
            .collect();
        Frames::dense_from_frames([v])
    };
    let mut w = DatasetWriter::create(&out, "pictures", WriterOptions::default()).unwrap();
    for i in 0..10 {
        w.push_test(&pic(100 + i, 0), &[(i % 2) as i64], &[1.0]).unwrap();
    }
    for i in 0..40 {
        w.push_train(&pic(i, 0), &[(i % 2) as i64], &[1.0]).unwrap();
    }
    w.push_train(&pic(100, 0), &[0], &[1.0]).unwrap();
    w.push_train(&pic(101, 1), &[1], &[1.0]).unwrap();
    w.finish(two_classes_of_dense(16, 3), None).unwrap();
    out
}

/// The Data quality section (scoring::report::quality) in headless Chromium: the exact and the
/// near leak each show two drawn pictures side by side; skipped without Chromium unless CI=true.
#[test]
fn quality_section_renders_in_chromium() {
    let Some(browser) = rate_support::chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = pictures(tmp.path());
    let report = audit::audit_dataset(&dir, &audit::AuditOptions::default()).unwrap();
    let section = audit::section::quality_section(&report, &dir);
    let probe = r#"<pre id="probe"></pre><script>
      const imgs = [...document.querySelectorAll('#quality-pairs img')];
      const rows = [...document.querySelectorAll('#quality-pairs tr')].slice(1).map(r => [r.cells[0].textContent, r.querySelectorAll('img').length]);
      document.getElementById('probe').textContent = JSON.stringify({loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length, total: imgs.length, rows});
    </script>"#;
    let page = tmp.path().join("quality.html");
    let html = scoring::report::quality::render_quality(&section);
    std::fs::write(&page, format!("<!doctype html><html><head><meta charset=\"utf-8\"></head><body>{html}{probe}</body></html>")).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let o = headless::headless(&browser, profile.path())
        .args(["--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("start chromium");
    assert!(o.status.success(), "chromium failed: {}", text(&o.stderr));
    let dom = text(&o.stdout);
    let start = dom.find("<pre id=\"probe\">").expect("probe in the DOM") + "<pre id=\"probe\">".len();
    let json = &dom[start..start + dom[start..].find("</pre>").unwrap()];
    let v: serde_json::Value = serde_json::from_str(&json.replace("&quot;", "\"")).unwrap_or_else(|e| panic!("{e}: {json}"));
    let rows: Vec<(String, u64)> = v["rows"].as_array().unwrap().iter().map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_u64().unwrap())).collect();
    assert!(rows.contains(&("leakage".to_string(), 2)) && rows.contains(&("near_leakage".to_string(), 2)), "{rows:?}");
    assert_eq!(v["loaded"], v["total"], "every thumbnail decodes: {v}");
}

/// The sources of the examples of the exact-duplicate finding (any subset pairing), sorted.
fn duplicate_sources(v: &serde_json::Value) -> Vec<String> {
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f.get("content_hash").is_some())
        .unwrap_or_else(|| panic!("no exact duplicate in {v}"));
    let mut s: Vec<String> = f["examples"].as_array().unwrap().iter().map(|e| e["source"].as_str().expect("a source").to_string()).collect();
    s.sort();
    s
}

fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {} / {}", text(&o.stdout), text(&o.stderr)))
}

/// Every file below a folder with its bytes (`recipes::tree`).
type Files = Vec<(PathBuf, Vec<u8>)>;

/// A raw folder `name` written by `write` (`per_class` inputs a class) holding a copy of its
/// `original` at `copy`: (temporary folder, the input, its files before any audit).
fn raw_with_a_copy(write: fn(&Path, usize), per_class: usize, name: &str, original: &str, copy: &str) -> (tempfile::TempDir, PathBuf, Files) {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join(name);
    write(&input, per_class);
    std::fs::copy(input.join(original), input.join(copy)).unwrap();
    let before = recipes::tree(&input);
    (tmp, input, before)
}

/// A copied picture in a class folder is named by both paths in the JSON, the summary and
/// audit.html; --out keeps a dataset `validate` accepts; the input is byte-for-byte unchanged.
#[test]
fn raw_image_folder_names_the_copied_file() {
    let (tmp, input, before) = raw_with_a_copy(rate_support::write_image_folder, 12, "shapes", "disc/004.png", "disc/copy.png");
    let out = tmp.path().join("audit-out");
    let o = run(&[input.to_str().unwrap(), "--json", "-q", "--fail-on", "none", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v = json_of(&o);
    assert_eq!(duplicate_sources(&v), ["disc/004.png", "disc/copy.png"]);
    assert_eq!(v["input"]["sources_named"], true);
    assert_eq!(recipes::tree(&input), before, "the input folder changed");
    // --out: the dataset (valid), audit.json (the printed report) and audit.html
    let dataset = out.join("dataset");
    let check = Command::new(env!("CARGO_BIN_EXE_autodl-format")).arg("validate").arg(&dataset).output().unwrap();
    assert!(check.status.success(), "validate: {}", text(&check.stdout));
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("audit.json")).unwrap()).unwrap();
    assert_eq!(saved, v);
    let html = std::fs::read_to_string(out.join("audit.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("id=\"data-quality\""), "{html:.300}");
    assert!(html.contains("disc/copy.png") && html.contains("disc/004.png"), "audit.html names the files");
    // the summary names them too; a temporary conversion leaves nothing behind
    let o = run(&[input.to_str().unwrap(), "-q", "--fail-on", "none"]);
    let stdout = text(&o.stdout);
    assert!(stdout.contains("disc/copy.png") && stdout.contains("disc/004.png"), "{stdout}");
    assert!(stdout.contains("examples are named by their input file or data row"), "{stdout}");
    assert_eq!(recipes::tree(&input), before);
}

/// --out must be new or empty: a folder with content is refused (exit 2) and left alone.
#[test]
fn out_folder_with_content_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = dataset(tmp.path(), false, false);
    let out = tmp.path().join("used");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = run(&[clean.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("exists and is not an empty folder"), "{}", text(&o.stderr));
    assert_eq!(recipes::tree(&out).len(), 1);
    // nor is a folder inside the input (the input is never written to)
    let inside = clean.join("new").join("audit");
    let o = run(&[clean.to_str().unwrap(), "--out", inside.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is inside the input"), "{}", text(&o.stderr));
    assert!(!clean.join("new").exists());
    // an empty one is taken: a dataset input gets audit.json and audit.html only
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = run(&[clean.to_str().unwrap(), "--out", empty.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let names: Vec<PathBuf> = recipes::tree(&empty).into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, [PathBuf::from("audit.html"), PathBuf::from("audit.json")]);
}

/// A repeated CSV row is named by both 1-based data rows (counting the bad row the conversion
/// skips), in the JSON and as "row N" in the summary.
#[test]
fn raw_table_names_the_repeated_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("plants.csv");
    rate_support::write_table(&csv, 60);
    let mut body = std::fs::read_to_string(&csv).unwrap();
    let repeated = body.lines().nth(5).unwrap().to_string();
    body.push_str(&format!("{repeated}\n"));
    std::fs::write(&csv, &body).unwrap();
    let before = recipes::tree(tmp.path());
    // data rows (1-based, header excluded) holding the repeated line
    let mut rows: Vec<String> = body.lines().skip(1).enumerate().filter(|(_, l)| *l == repeated).map(|(i, _)| (i + 1).to_string()).collect();
    rows.sort();
    assert_eq!(rows.len(), 2);
    let o = run(&[csv.to_str().unwrap(), "--json", "-q", "--fail-on", "none"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(duplicate_sources(&json_of(&o)), rows);
    let o = run(&[csv.to_str().unwrap(), "-q", "--fail-on", "none"]);
    let stdout = text(&o.stdout);
    for r in &rows {
        assert!(stdout.contains(&format!("row {r}")), "{stdout}");
    }
    assert_eq!(recipes::tree(tmp.path()), before);
}

/// The shared raw iris-AutoML holds one row twice (train and test): the leak is named by the
/// two parts' data files and lines, which hold the same values.
#[test]
fn raw_automl_names_the_leaked_rows_by_file_and_line() {
    let Some(data) = formats::testing::shared_data_dir() else { return };
    let input = data.join("raw/iris-AutoML");
    let before = recipes::tree(&input);
    let o = run(&[input.to_str().unwrap(), "--json", "-q", "--fail-on", "none"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v = json_of(&o);
    assert_eq!(v["input"]["sources_named"], true, "{v}");
    let leak = v["findings"].as_array().unwrap().iter().find(|f| f["kind"] == "leakage").unwrap_or_else(|| panic!("no leak in {v}"));
    let rows: Vec<String> = leak["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let source = e["source"].as_str().expect("a source");
            let (file, line) = source.split_once(" line ").unwrap_or_else(|| panic!("{source}"));
            assert!(file.ends_with(".data"), "{source}");
            let line: usize = line.parse().unwrap();
            let text = std::fs::read_to_string(input.join(file)).unwrap();
            text.lines().nth(line - 1).unwrap().trim().to_string()
        })
        .collect();
    assert!(rows.len() >= 2 && rows.iter().all(|r| r == &rows[0]), "the named lines hold the same row: {rows:?}");
    assert_eq!(recipes::tree(&input), before);
}

/// A copied document of a text corpus is named by both paths.
#[test]
fn raw_text_corpus_names_the_copied_document() {
    let (_tmp, input, before) = raw_with_a_copy(rate_support::write_text_folder, 16, "reviews", "pos/03.txt", "pos/again.txt");
    let o = run(&[input.to_str().unwrap(), "--json", "-q", "--fail-on", "none"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(duplicate_sources(&json_of(&o)), ["pos/03.txt", "pos/again.txt"]);
    assert_eq!(recipes::tree(&input), before);
}

/// A spent --time-budget: near duplicates, outliers and cross-fitting start no work, the JSON
/// says what was skipped (schema keys present), and --out still gets a whole audit.json.
#[test]
fn tiny_time_budget_reports_what_it_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = pictures(tmp.path());
    let out = tmp.path().join("out");
    let o = run(&[dir.to_str().unwrap(), "--json", "--time-budget", "0.000001", "--out", out.to_str().unwrap()]);
    // the exact leak is still found: the scan always completes
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let v = json_of(&o);
    let skipped: Vec<&str> = v["budget"]["skipped"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(skipped.iter().any(|s| s.starts_with("near duplicates: 0 of")), "{skipped:?}");
    assert!(skipped.iter().any(|s| s.starts_with("outliers: 0 of 52 examples")), "{skipped:?}");
    assert!(skipped.iter().any(|s| s.starts_with("suspect labels:")) || v["labels"]["reason"].as_str().is_some(), "{v}");
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["kind"] != "near_leakage" && f["kind"] != "outlier"));
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["kind"] == "leakage"));
    assert_eq!(v["options"]["time_budget"], 0.000001);
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("audit.json")).unwrap()).unwrap();
    assert_eq!(saved, v);
    let html = std::fs::read_to_string(out.join("audit.html")).unwrap();
    assert!(html.contains("Time budget of"), "the page notes the budget");
    // without a budget the near leak is found
    let o = run(&[dir.to_str().unwrap(), "--json"]);
    assert!(json_of(&o)["findings"].as_array().unwrap().iter().any(|f| f["kind"] == "near_leakage"));
}
