//! `autodl-format rate` end to end on generated raw inputs (short budgets): an image folder, a
//! CSV table with a bad row, an existing dataset (no conversion), and a dataset with a
//! validation error (the run stops before training).

mod rate_support;

use std::path::Path;

use rate_support::{assert_self_contained, rate, read_report, write_image_folder, write_table};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The value after `key` on the summary line that starts with it.
fn summary_value(out: &str, key: &str) -> String {
    out.lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no {key:?} line in the summary:\n{out}"))[key.len()..]
        .trim()
        .to_string()
}

/// Cell texts of the HTML table `<table id="{id}">`, row by row (header cells included).
fn table_cells(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html.find(&format!("<table id=\"{id}\">")).unwrap_or_else(|| panic!("no table {id}"));
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<t")
                .skip(1)
                .filter(|c| c.starts_with('d') || c.starts_with('h'))
                .map(|c| {
                    let body = &c[c.find('>').unwrap() + 1..];
                    body[..body.find("</t").unwrap()].to_string()
                })
                .collect()
        })
        .collect()
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn rates_a_raw_image_folder_then_the_dataset_it_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("shapes");
    write_image_folder(&raw, 16);
    let out = tmp.path().join("rated");
    // 30 s: the image learner's first prediction (logistic regression) needs a few seconds of
    // libtorch, much more on a loaded machine; the table below runs on 8 s.
    let o = rate(&raw, &out, &["--time-budget", "30", "--seed", "3"]);
    assert_eq!(o.status.code(), Some(0), "rate failed");
    let (so, se) = (stdout(&o), stderr(&o));

    // Progress: every phase, budget clock, and the NAUC of the first recorded prediction.
    for phase in ["[rate 1/5", "[rate 2/5", "[rate 3/5", "[rate 4/5", "[rate 5/5"] {
        assert!(se.contains(phase), "no {phase} in progress");
    }
    assert!(se.contains("s left]"), "no budget clock");
    let recorded = se.lines().find(|l| l.contains("prediction 0 recorded at")).expect("no recorded prediction");
    let live: f64 = recorded.rsplit(": NAUC ").next().unwrap().trim().parse().expect("live NAUC is a number");
    assert!((-1.0..=1.0).contains(&live), "live NAUC {live}");

    // One-screen summary.
    assert!(summary_value(&so, "domain").starts_with("image, 3 classes"), "{so}");
    let alc: f64 = summary_value(&so, "ALC").split_whitespace().next().unwrap().parse().expect("ALC is a number");
    assert!((-1.0..=1.0).contains(&alc) && alc != 0.0, "ALC {alc}");
    assert!(summary_value(&so, "final NAUC").contains("prediction"), "{so}");
    let first: f64 = summary_value(&so, "first prediction").trim_end_matches(" s").parse().unwrap();
    assert!(first > 0.0 && first <= 30.0, "first prediction at {first}");
    assert_eq!(summary_value(&so, "report"), out.join("report.html").display().to_string());

    // Layout of --out.
    assert!(out.join("dataset/shapes.data/train").is_dir());
    assert!(out.join("predictions/end.txt").is_file());
    assert!(out.join("scores/scores.txt").is_file());

    // The report: every section, one thumbnail per example shown, confusion matrix (single label).
    let (_, html) = read_report(&out);
    assert_self_contained(&html);
    for section in ["<h2>Dataset</h2>", "Class balance", "<h2>Validation</h2>", "<h2>Learning curve</h2>",
        "Per-class AUC", "Confusion matrix", "<h2>Examples per class</h2>", "<h2>Run</h2>", "<h2>Skipped inputs</h2>"]
    {
        assert!(html.contains(section), "report lacks {section}");
    }
    for class in ["0: bar", "1: disc", "2: ring"] {
        assert!(html.contains(class), "report lacks class {class}");
    }
    // 3 classes × 3 examples + the learning curve, outside the Data quality section (whose
    // thumbnails are those of the audit's findings).
    let quality_start = html.find("<section id=\"data-quality\">").expect("no Data quality section");
    let quality_end = quality_start + html[quality_start..].find("</section>").expect("section not closed");
    let outside = format!("{}{}", &html[..quality_start], &html[quality_end..]);
    assert_eq!(count(&outside, "src=\"data:image/png;base64,"), 3 * 3 + 1);
    assert!(html.contains("The conversion skipped no input."));
    assert!(html.contains("<td class=\"l\">CPU</td>") && html.contains("<td class=\"l\">3</td>"), "device/seed facts");

    // The same dataset given ready-made: no conversion, and the report says so.
    let out2 = tmp.path().join("rated-again");
    let o = rate(&out.join("dataset"), &out2, &["--time-budget", "4"]);
    // 4 s may pass without a prediction on a loaded machine: that run is not rated (exit 1, issue 21).
    match o.status.code() {
        Some(0) => assert!(summary_value(&stdout(&o), "final NAUC").contains("prediction")),
        Some(1) => assert!(stderr(&o).contains("not rated: no prediction was recorded")),
        other => panic!("rate of the ready-made dataset exited {other:?}"),
    }
    assert!(stderr(&o).contains("is an AutoDL dataset: no conversion"));
    assert!(!out2.join("dataset").exists());
    let (_, html) = read_report(&out2);
    assert!(html.contains("this run converted nothing"));

    // An occupied output folder is refused without --force.
    let o = rate(&raw, &out, &["--time-budget", "4"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"));
    assert!(out.join("report.html").is_file(), "refused run must leave the old output alone");
}

#[test]
fn rates_a_table_and_reports_its_skipped_row() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("flowers.csv");
    write_table(&csv, 150);
    let out = tmp.path().join("rated");
    let o = rate(&csv, &out, &["--time-budget", "8", "--target", "species"]);
    assert_eq!(o.status.code(), Some(0), "rate failed");
    let so = stdout(&o);
    assert!(summary_value(&so, "domain").starts_with("tabular, 3 classes"), "{so}");
    assert_eq!(summary_value(&so, "skipped inputs"), "1");
    let last: f64 = summary_value(&so, "final NAUC").split_whitespace().next().unwrap().parse().unwrap();
    // The classes are separable by `length`: any working learner ranks them well.
    assert!(last > 0.5, "final NAUC {last}");

    let (_, html) = read_report(&out);
    assert_self_contained(&html);
    // Skipped row listed with its line and reason.
    assert!(html.contains("1 input(s) could not be converted"), "skip section");
    assert!(html.contains("not-a-number") || html.contains("<td>13</td>"), "the bad row is named");
    // Table rows as examples, with feature names from the conversion.
    assert!(html.contains("<th>length</th>") && html.contains("<th>width</th>"), "feature names");
    assert!(html.contains("Confusion matrix"));

    // Top-1 accuracy is the confusion matrix's diagonal share; the challenge's accuracy is the
    // scores.txt number, under its own name.
    let confusion = table_cells(&html, "confusion");
    let counts: Vec<Vec<u64>> = confusion[1..].iter().map(|r| r[1..].iter().map(|c| c.parse().unwrap()).collect()).collect();
    let total: u64 = counts.iter().flatten().sum();
    let diagonal: u64 = (0..counts.len()).map(|j| counts[j][j]).sum();
    let predictions = table_cells(&html, "predictions");
    assert_eq!(predictions[0][3..], ["top-1 accuracy".to_string(), "mean probability on the true class".to_string()]);
    let last = predictions.last().unwrap();
    let top1: f64 = last[3].parse().unwrap();
    assert_eq!(format!("{top1:.4}"), format!("{:.4}", diagonal as f64 / total as f64), "top-1 vs diagonal");
    assert!(top1 >= 0.8, "the model is confident on this table: top-1 {top1}");
    let scores = std::fs::read_to_string(out.join("scores/scores.txt")).unwrap();
    let accuracy_line = scores.lines().find_map(|l| l.strip_prefix("accuracy: [")).unwrap();
    let challenge: f64 = accuracy_line.trim_end_matches(']').rsplit(", ").next().unwrap().parse().unwrap();
    assert_eq!(last[4], format!("{challenge:.4}"));
    assert!(html.contains("the AutoDL challenge's secondary metric"), "the challenge accuracy is explained");
    assert!(!html.contains("<th>accuracy</th>"), "a bare accuracy column is back");
    assert!(summary_value(&so, "top-1 accuracy").starts_with(&format!("{top1:.4} (mean probability on the true class")));
    // Per-class precision and recall, from the same decisions as the matrix.
    let per_class = table_cells(&html, "per-class");
    assert_eq!(per_class[0][4..], ["precision".to_string(), "recall".to_string()]);
    for (j, row) in per_class[1..].iter().enumerate() {
        let predicted: u64 = counts.iter().map(|r| r[j]).sum();
        let positives: u64 = counts[j].iter().sum();
        assert_eq!(row[1], positives.to_string());
        if predicted > 0 {
            assert_eq!(row[4], format!("{:.4}", counts[j][j] as f64 / predicted as f64));
        }
        assert_eq!(row[5], format!("{:.4}", counts[j][j] as f64 / positives as f64));
    }
    for class in ["setosa", "versicolor", "virginica"] {
        assert!(html.contains(class), "class {class}");
    }
}

#[test]
fn a_dataset_with_validation_errors_is_not_trained() {
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("shapes");
    write_image_folder(&raw, 6);
    let dataset = tmp.path().join("ds");
    let o = std::process::Command::new(rate_support::BIN)
        .args(["convert", "-q"])
        .arg(&raw)
        .arg("-o")
        .arg(&dataset)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Break the test metadata: sample_count no longer matches the records.
    let meta = dataset.join("shapes.data/test/metadata.textproto");
    let text = std::fs::read_to_string(&meta).unwrap();
    let broken = text.replace("output_dim: 3", "output_dim: 2");
    assert_ne!(text, broken, "metadata has `output_dim: 3`:\n{text}");
    std::fs::write(&meta, broken).unwrap();

    let out = tmp.path().join("rated");
    let o = rate(&dataset, &out, &["--time-budget", "4"]);
    assert_eq!(o.status.code(), Some(1));
    let se = stderr(&o);
    assert!(se.contains("error[") && se.contains("metadata.textproto"), "validator findings shown");
    assert!(se.contains("nothing was trained"));
    assert!(!out.join("predictions").exists() && !out.join("report.html").exists());
    assert!(Path::new(&meta).is_file(), "input untouched");
}
