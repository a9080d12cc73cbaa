//! The numbers of the `rate` report, named and bounded:
//! - scores.txt is what it was before the report named its numbers (fixed runs in
//!   fixtures/scoring scored and compared byte for byte with committed references);
//! - the ± of report.html and of the terminal summary are the nauc_std/alc_std of the same
//!   run's scores.txt;
//! - the small-test-set finding shows on the real miniciao (18 test rows, 10 classes) and
//!   Monkeys (4 test rows) datasets, not on a generated image set with ≥ 30 test rows per class;
//! - `rate` runs the audit: a table with repeated rows gets a Data quality section naming the leak
//!   and, the input being raw, the data rows of the leaked pair.

mod rate_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use rate_support::{assert_self_contained, rate, read_report, write_image_folder, BIN};

fn fixture(task: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scoring").join(task)
}

#[test]
fn scores_txt_is_byte_identical_to_the_committed_reference() {
    for task in ["multiclass", "multilabel"] {
        let dir = fixture(task);
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("scores");
        let o = Command::new(BIN)
            .args(["score", "--dataset"])
            .arg(dir.join(task))
            .arg("--predictions")
            .arg(dir.join("res"))
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let got = std::fs::read_to_string(out.join("scores.txt")).unwrap();
        let want = std::fs::read_to_string(dir.join("expected_scores.txt")).unwrap();
        assert_eq!(got, want, "{task}: scores.txt changed");
        // detailed_results.html names the numbers scores.txt leaves bare
        let html = std::fs::read_to_string(out.join("detailed_results.html")).unwrap();
        assert!(html.contains("precision") && html.contains("recall"), "{task}");
        if task == "multiclass" {
            assert!(html.contains("top-1 accuracy") && html.contains("mean probability on the true class"));
            let std = scores_field(&got, "nauc_std").parse::<f64>().unwrap();
            assert!(html.contains(&format!(" ± {std:.4}")), "detailed_results.html lacks ± {std:.4}");
        }
    }
}

/// The value of `key: value` in scores.txt.
fn scores_field<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no {key} in scores.txt:\n{text}"))
}

/// The text of the summary card labelled `label`.
fn card(html: &str, label: &str) -> String {
    let key = format!("<div class=\"card\">{label}<b>");
    let start = html.find(&key).unwrap_or_else(|| panic!("no {label} card")) + key.len();
    html[start..start + html[start..].find("</b>").unwrap()].to_string()
}

/// Runs `rate` on `input` and checks what every report must hold: ± equal to scores.txt in
/// the cards and the terminal summary, a verdict at the top. Returns (report.html, stdout).
fn rate_and_check_spread(input: &Path, out: &Path, args: &[&str]) -> (String, String) {
    let o = rate(input, out, args);
    assert_eq!(o.status.code(), Some(0), "rate failed");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let (_, html) = read_report(out);
    assert_self_contained(&html);
    let scores = std::fs::read_to_string(out.join("scores/scores.txt")).unwrap();
    // the budgets leave the image learner's first prediction seconds even on a loaded machine
    assert_ne!(scores_field(&scores, "timestamps"), "[]", "no prediction within the budget");
    let nauc_std: f64 = scores_field(&scores, "nauc_std").parse().unwrap();
    let alc_std: f64 = scores_field(&scores, "alc_std").parse().unwrap();
    let alc: f64 = scores_field(&scores, "score").parse().unwrap();
    assert_eq!(card(&html, "ALC"), format!("{alc:.4} ± {alc_std:.4}"));
    assert!(card(&html, "final NAUC").ends_with(&format!(" ± {nauc_std:.4}")), "{}", card(&html, "final NAUC"));
    let line = |key: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("no {key:?} line in the summary:\n{stdout}"))
            .to_string()
    };
    assert!(line("ALC").contains(&format!("{alc:.4} ± {alc_std:.4}")), "{}", line("ALC"));
    assert!(line("final NAUC").contains(&format!(" ± {nauc_std:.4}")), "{}", line("final NAUC"));
    // the verdict comes before every section, in the page and on the terminal
    let verdict = html.find("id=\"verdict\"").expect("no verdict");
    assert!(verdict < html.find("<h2>").unwrap());
    let said = line("verdict");
    assert!(
        ["strongly learnable", "learnable but noisy", "not learnable from these examples"].iter().any(|s| said.contains(s)),
        "{said}"
    );
    assert!(html.contains(said["verdict".len()..].trim()), "report and terminal verdicts differ");
    (html, stdout)
}

fn real_dataset(name: &str) -> Option<PathBuf> {
    formats::testing::shared_data_dir().map(|d| d.join("autodl").join(name))
}

#[test]
fn miniciao_and_monkeys_are_flagged_as_too_small_to_rate() {
    let (Some(miniciao), Some(monkeys)) = (real_dataset("miniciao"), real_dataset("Monkeys")) else { return };
    let tmp = tempfile::tempdir().unwrap();
    for (dataset, rows) in [(miniciao, 18), (monkeys, 4)] {
        let out = tmp.path().join(dataset.file_name().unwrap());
        let (html, stdout) = rate_and_check_spread(&dataset, &out, &["--time-budget", "30", "--seed", "1", "-q"]);
        assert!(html.contains("id=\"small-test-set\""), "{}: no small-test-set finding", dataset.display());
        let said = format!("too small for a stable rating: {rows} test rows");
        assert!(html.contains(&said), "{}: {said:?} missing", dataset.display());
        assert!(html.contains("1/√n"), "the estimate is explained");
        // the estimate asks for more rows than there are, at least 5 per class
        let needed: usize = html
            .split("About ")
            .nth(1)
            .and_then(|t| t.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .expect("an estimate of the rows needed");
        assert!(needed >= 50 && needed > rows, "needed {needed}");
        assert!(stdout.contains(&format!("test set too small: {rows} test rows, about {needed} needed")), "{stdout}");
        assert!(stdout.lines().any(|l| l.starts_with("verdict") && l.contains("too small to be sure")), "{stdout}");
    }
}

#[test]
fn a_generated_image_set_with_many_test_rows_is_not_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("shapes");
    // 3 classes × 200 images, 40 % to test: 80 test rows per class
    write_image_folder(&raw, 200);
    let out = tmp.path().join("rated");
    let (html, stdout) =
        rate_and_check_spread(&raw, &out, &["--time-budget", "40", "--test-size", "0.4", "--seed", "1", "-q"]);
    let solution = std::fs::read_to_string(out.join("dataset/shapes.solution")).unwrap();
    let mut per_class = [0usize; 3];
    for l in solution.lines() {
        let j = l.split_whitespace().position(|v| v == "1").unwrap();
        per_class[j] += 1;
    }
    assert!(per_class.iter().all(|&c| c >= 30), "test rows per class {per_class:?}");
    let scores = std::fs::read_to_string(out.join("scores/scores.txt")).unwrap();
    let nauc_std: f64 = scores_field(&scores, "nauc_std").parse().unwrap();
    let alc_std: f64 = scores_field(&scores, "alc_std").parse().unwrap();
    eprintln!("generated set: nauc_std {nauc_std}, alc_std {alc_std}");
    assert!(!html.contains("id=\"small-test-set\""), "finding shown with {per_class:?} test rows per class");
    assert!(!stdout.contains("test set too small"), "{stdout}");
    assert!(nauc_std <= 0.05 && alc_std <= 0.05);
}

#[test]
fn rate_runs_the_audit_and_its_data_quality_section_names_the_leak() {
    // A table whose last 30 rows repeat earlier ones: with a 30 % test split, some copies land
    // in test while their twin is in train (leakage the audit must report in the rate report).
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("leaky.csv");
    let mut text = String::from("a,b,c,label\n");
    let mut rows = Vec::new();
    let mut x: u64 = 7;
    for i in 0..170 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let (a, b) = ((x >> 33) % 1000, (x >> 13) % 997);
        rows.push(format!("{a},{b},{},{}", i % 11, usize::from(a + b > 1000)));
    }
    for i in 0..30 {
        rows.push(rows[i * 5].clone());
    }
    for r in &rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&csv, text).unwrap();
    let out = tmp.path().join("rated");
    let o = rate(&csv, &out, &["--time-budget", "10", "--seed", "3", "--test-size", "0.3"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("audit: ") && stderr.contains("Data quality section"), "{stderr}");
    let (_, html) = read_report(&out);
    let section = html.find("id=\"data-quality\"").expect("no Data quality section");
    assert!(section > html.find("id=\"verdict\"").unwrap(), "the verdict comes first");
    let quality = &html[section..];
    assert!(quality.contains("<td>leakage</td>"), "no leakage row in the section");
    assert!(quality.contains("id=\"quality-pairs\""), "the leaked pairs are not shown side by side");
    // raw input: each example is named by its data row (1-based; copy i of row 5i+1 is row 171+i)
    assert!(quality.contains("each example is named by its input file or data row"), "no source note");
    let row = |n: usize| [" ", "<", "\""].iter().any(|end| quality.contains(&format!(" row {n}{end}")));
    let named = (0..30).any(|i| row(5 * i + 1) && row(171 + i));
    assert!(named, "no leaked pair named by its two data rows");
    assert_self_contained(&html);
}
