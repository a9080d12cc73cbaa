//! The audit report as the `scoring` report's Data quality section: duplicate pairs (exact and
//! near, leaks first), suspect labels and outliers, each example drawn from the dataset.

use std::path::Path;

use formats::dataset::Subset;
use scoring::report::quality::{draw_examples, QualityExample, QualityPair, QualitySection, QualitySuspect};

use crate::report::{AuditReport, ExampleRef, FindingKind};

/// Pairs, suspects and outliers shown at most (the summary counts them all).
pub const SHOWN: usize = 24;

fn class_name(names: &[Option<String>], c: u32) -> String {
    match names.get(c as usize).cloned().flatten() {
        Some(n) => format!("{c} ({n})"),
        None => c.to_string(),
    }
}

/// Builds the section; the examples it names are drawn from `dataset_dir` (read once).
pub fn quality_section(report: &AuditReport, dataset_dir: &Path) -> QualitySection {
    let names: Vec<Option<String>> = report.classes.classes.iter().map(|c| c.name.clone()).collect();
    let pair_kinds = [
        FindingKind::Leakage,
        FindingKind::NearLeakage,
        FindingKind::Conflict,
        FindingKind::DuplicateTrain,
        FindingKind::DuplicateTest,
        FindingKind::NearDuplicateTrain,
        FindingKind::NearDuplicateTest,
        FindingKind::NearDuplicateUnlabelled,
        FindingKind::DuplicateUnlabelled,
    ];
    let mut pairs: Vec<(FindingKind, f64, ExampleRef, ExampleRef)> = Vec::new();
    for kind in pair_kinds {
        for f in report.findings.iter().filter(|f| f.kind == kind && f.examples.len() >= 2) {
            let similarity = if f.content_hash.is_some() { 1.0 } else { f.value.unwrap_or(1.0) };
            pairs.push((kind, similarity, f.examples[0].clone(), f.examples[1].clone()));
        }
    }
    pairs.truncate(SHOWN);
    let suspects: Vec<_> = report.findings.iter().filter(|f| f.kind == FindingKind::SuspectLabel).take(SHOWN).collect();
    let outliers: Vec<_> = report.findings.iter().filter(|f| f.kind == FindingKind::Outlier).take(SHOWN).collect();
    let mut wanted: Vec<(Subset, u64)> = pairs.iter().flat_map(|(_, _, a, b)| [(a.subset, a.index), (b.subset, b.index)]).collect();
    wanted.extend(suspects.iter().chain(&outliers).flat_map(|f| f.examples.iter().map(|e| (e.subset, e.index))));
    // a dataset that cannot be read again shows names without pictures
    let drawn = draw_examples(dataset_dir, &wanted).unwrap_or_default();
    // raw input: the name ends with the input file or data row, so the owner can find it
    let rows = report.domain == formats::inspect::Domain::Tabular || report.domain == formats::inspect::Domain::Text;
    let example = |e: &ExampleRef| QualityExample {
        name: e.display(rows),
        labels: e.labels.as_ref().map(|l| l.iter().map(|&c| class_name(&names, c)).collect::<Vec<_>>().join(", ")),
        view: drawn.get(&(e.subset, e.index)).cloned(),
    };
    let mut notes = Vec::new();
    if let Some(input) = &report.input {
        notes.push(match &input.note {
            Some(why) => format!("Converted from {}: {why}.", input.path.display()),
            None => format!("Converted from {}: each example is named by its input file or data row.", input.path.display()),
        });
    }
    if let Some(budget) = &report.budget {
        for what in &budget.skipped {
            notes.push(format!("Time budget of {} s: {what}.", budget.seconds));
        }
    }
    if let Some(reason) = &report.labels.reason {
        notes.push(format!("Suspect labels were not looked for: {reason}."));
    }
    if let Some(near) = &report.near {
        if near.skipped > 0 {
            notes.push(format!("{} example(s) too small for a perceptual hash were left out of the near-duplicate search.", near.skipped));
        }
    }
    QualitySection {
        summary: report
            .summary
            .iter()
            .map(|s| (s.kind.name().to_string(), format!("{:?}", s.severity).to_lowercase(), s.findings, s.examples))
            .collect(),
        pairs: pairs
            .iter()
            .map(|(kind, similarity, a, b)| QualityPair { kind: kind.name().into(), similarity: *similarity, a: example(a), b: example(b) })
            .collect(),
        suspects: suspects
            .iter()
            .map(|f| QualitySuspect {
                example: example(&f.examples[0]),
                given: f.class.map(|c| class_name(&names, c)).unwrap_or_default(),
                suggested: f.suggested_class.map(|c| class_name(&names, c)).unwrap_or_default(),
                confidence: f.value.unwrap_or(0.0),
            })
            .collect(),
        outliers: outliers.iter().map(|f| example(&f.examples[0])).collect(),
        notes,
    }
}

/// The section as a page of its own (`audit --out DIR` writes it as `audit.html`), styled as
/// the rate report: the title names the dataset and, for raw input, what it was converted from.
pub fn quality_page(report: &AuditReport, section: &QualitySection) -> String {
    let from = report.input.as_ref().map(|i| format!(" (converted from {})", i.path.display())).unwrap_or_default();
    let title = format!("audit of {}{from}", report.name);
    let counts: Vec<String> = report.subsets.iter().map(|s| format!("{} {}", s.examples, s.subset)).collect();
    maud::html! {
        (maud::DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
                // our own stylesheet constant
                style { (maud::PreEscaped(scoring::report::STYLE)) }
            }
            body {
                h1 { (title) }
                p { (report.domain) " dataset " (report.dataset.display()) ": " (counts.join(", ")) "." }
                // markup that render_quality built with maud (escaped there)
                (maud::PreEscaped(scoring::report::quality::render_quality(section)))
            }
        }
    }
    .into_string()
}
