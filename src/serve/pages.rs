//! The HTML pages, rendered on the server with `maud` (every interpolated value is escaped;
//! nothing is marked pre-escaped but the fixed script and style links). A little script
//! (`/static/app.js`) adds uploads with progress and the live curve.

use std::path::Path;

use maud::{html, Markup, DOCTYPE};

use super::db::{now, Run};
use super::live::Progress;
use super::options::{RunOptions, DOMAINS, HEADERS};
use super::security::CSRF_PARAM;

/// The page frame: title, navigation, the form token for scripts.
pub fn layout(title: &str, csrf: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="csrf-token" content=(csrf);
                title { (title) " · autodl-format" }
                link rel="stylesheet" href="/static/style.css";
                script src="/static/app.js" defer {}
            }
            body {
                header { a href="/" { "autodl-format" } " · " a href="/" { "Runs" } " · " a href="/new" { "New run" } }
                main { (body) }
            }
        }
    }
}

/// "42 s", "3 min 5 s", "2 h 10 min".
pub fn duration_text(secs: i64) -> String {
    let s = secs.max(0);
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, s % 3600 / 60)
    }
}

/// How long ago a unix time was ("5 min ago").
pub fn ago(t: i64) -> String {
    format!("{} ago", duration_text(now() - t))
}

fn alc_text(alc: Option<f64>) -> String {
    alc.map_or("–".into(), |a| format!("{a:.4}"))
}

pub fn runs_list(runs: &[Run], csrf: &str) -> Markup {
    let t = now();
    layout(
        "Runs",
        csrf,
        html! {
            h1 { "Runs" }
            p { a.button href="/new" { "New run" } }
            @if runs.is_empty() {
                p { "No run yet: start one with " a href="/new" { "New run" } "." }
            } @else {
                table #runs {
                    thead { tr { th { "#" } th { "Name" } th { "Domain" } th { "State" } th { "ALC" } th { "Started" } th { "Duration" } } }
                    tbody {
                        @for r in runs {
                            tr data-state=(r.state.as_str()) {
                                td { a href={ "/runs/" (r.id) } { (r.id) } }
                                td { a href={ "/runs/" (r.id) } { (r.name) } }
                                td { (r.domain) }
                                td.state { (r.state.as_str()) }
                                td.num { (alc_text(r.alc)) }
                                td { @if let Some(s) = r.started { span title=(s) { (ago(s)) } } @else { "–" } }
                                td { @if let Some(d) = r.duration(t) { (duration_text(d)) } @else { "–" } }
                            }
                        }
                    }
                }
            }
        },
    )
}

pub fn new_run(csrf: &str, allow_paths: &[std::path::PathBuf], max_upload: u64) -> Markup {
    let d = RunOptions::default();
    layout(
        "New run",
        csrf,
        html! {
            h1 { "New run" }
            form #new-run method="post" enctype="multipart/form-data" action={ "/runs?" (CSRF_PARAM) "=" (csrf) } {
                fieldset {
                    legend { "Data (one of these)" }
                    div #drop { "Drop a folder (or files) here" }
                    label { "Folder (raw data or an AutoDL dataset) " input #folder type="file" name="files" webkitdirectory multiple; }
                    label { "File(s), e.g. a CSV table " input #files type="file" name="files" multiple; }
                    label { "Archive (.zip, .tar, .tar.gz) " input #archive type="file" name="archive" accept=".zip,.tar,.tar.gz,.tgz"; }
                    @if !allow_paths.is_empty() {
                        label { "Folder on this server " input #server_path type="text" name="server_path" placeholder=(allow_paths[0].display().to_string()); }
                        p.hint { "Allowed below: " @for (i, p) in allow_paths.iter().enumerate() { @if i > 0 { ", " } code { (p.display().to_string()) } } }
                    }
                    p.hint { "At most " (max_upload) " bytes per upload." }
                }
                fieldset {
                    legend { "Options" }
                    label { "Name " input type="text" name="name" maxlength="80"; }
                    label { "Domain " select name="domain" { @for v in DOMAINS { option value=(v) selected[v == d.domain] { (v) } } } }
                    label { "Target column (tables) " input type="text" name="target" placeholder="last column"; }
                    label { "Header row (tables) " select name="header" { @for v in HEADERS { option value=(v) selected[v == d.header] { (v) } } } }
                    label { "Test size " input type="number" name="test_size" step="0.01" min="0.01" max="0.99" value=(d.test_size); }
                    label { "Time budget (s) " input type="number" name="time_budget" step="1" min="1" value=(d.time_budget); }
                    label { "Seed " input type="number" name="seed" min="0" value=(d.seed); }
                }
                button #start type="submit" { "Upload and start" }
                progress #upload-progress value="0" max="1" {}
                p #upload-status role="status" {}
            }
        },
    )
}

/// What the run page needs beyond the row.
pub struct RunView<'a> {
    pub run: &'a Run,
    pub progress: &'a Progress,
    pub downloads: Vec<(&'static str, &'static str)>,
    pub has_model: bool,
    pub has_report: bool,
    pub log_tail: String,
    pub skipped: Vec<String>,
    pub predictions: Vec<u32>,
}

pub fn run_page(v: &RunView<'_>, csrf: &str) -> Markup {
    let r = v.run;
    let o = RunOptions::from_json(&r.options);
    let terminal = r.state.is_terminal();
    let title = format!("Run {}: {}", r.id, r.name);
    layout(
        &title,
        csrf,
        html! {
            h1 { (title) }
            p { "State: " strong #state data-state=(r.state.as_str()) { (r.state.as_str()) }
                @if let Some(a) = r.alc { " · ALC " strong #alc { (format!("{a:.4}")) } } }
            @if let Some(e) = &r.error { p.error #run-error { (e) } }
            @if !terminal {
                form method="post" action={ "/runs/" (r.id) "/cancel?" (CSRF_PARAM) "=" (csrf) } { button #cancel type="submit" { "Cancel" } }
            }
            dl.facts {
                dt { "Domain" } dd { (r.domain) }
                dt { "Budget" } dd { (o.time_budget) " s" }
                dt { "Seed" } dd { (o.seed) }
                dt { "Test size" } dd { (o.test_size) }
                @if !o.target.is_empty() { dt { "Target" } dd { (o.target) } }
                dt { "Started" } dd { @if let Some(s) = r.started { (ago(s)) } @else { "not yet" } }
                dt { "Duration" } dd { @if let Some(d) = r.duration(now()) { (duration_text(d)) } @else { "–" } }
            }
            section #live data-run=(r.id) data-events={ "/runs/" (r.id) "/events" } data-terminal=(terminal) data-updates="0" {
                h2 { "Phases" }
                ol #phases { @for p in &v.progress.phases { li { (p) } } }
                h2 { "Learning curve" }
                p { "ALC so far: " span #live-alc { (alc_text(v.progress.live_alc)) } " · predictions: " span #npoints { (v.progress.points.len()) } }
                svg #curve viewBox="0 0 400 220" width="400" height="220" role="img" aria-label="learning curve" {}
                table #points {
                    thead { tr { th { "Prediction" } th { "Time (s)" } th { "NAUC" } } }
                    tbody { @for p in &v.progress.points { tr { td { (p.index) } td { (format!("{:.1}", p.time)) } td { (format!("{:.4}", p.nauc)) } } } }
                }
            }
            @if terminal {
                h2 { "Downloads" }
                ul #downloads {
                    @for (name, label) in &v.downloads { li { a href={ "/runs/" (r.id) "/download/" (name) } download { (label) } } }
                }
                @if v.has_model {
                    h2 { "Predict" }
                    form #predict method="post" enctype="multipart/form-data" action={ "/runs/" (r.id) "/predict?" (CSRF_PARAM) "=" (csrf) } {
                        p.hint { "Unlabelled data of the same kind: a folder of files, file(s), or an archive." }
                        label { "Folder " input #predict-folder type="file" name="files" webkitdirectory multiple; }
                        label { "File(s) " input #predict-files type="file" name="files" multiple; }
                        label { "Archive " input type="file" name="archive" accept=".zip,.tar,.tar.gz,.tgz"; }
                        button type="submit" { "Predict" }
                        progress #predict-progress value="0" max="1" {}
                        p #predict-status role="status" {}
                    }
                    @if !v.predictions.is_empty() {
                        ul #predictions { @for n in &v.predictions { li { a href={ "/runs/" (r.id) "/predict/" (n) "/predictions.csv" } download { "predictions " (n) " (CSV)" } } } }
                    }
                }
            }
            @if !v.skipped.is_empty() {
                h2 { "Skipped inputs" }
                pre #skipped { @for l in &v.skipped { (l) "\n" } }
            }
            @if v.has_report {
                h2 { "Report" }
                p { a href={ "/runs/" (r.id) "/download/report.html" } { "Open report.html" } }
                iframe #report src={ "/runs/" (r.id) "/report" } sandbox="" title="report" {}
            }
            h2 { "Log" }
            pre #log { (v.log_tail) }
        },
    )
}

/// The message page a plain (script-less) form post gets.
pub fn message(title: &str, csrf: &str, text: &str, link: Option<(&str, &str)>) -> Markup {
    layout(title, csrf, html! { h1 { (title) } p { (text) } @if let Some((href, label)) = link { p { a href=(href) { (label) } } } })
}

/// The last `n` lines of a text file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::db::RunState;

    #[test]
    fn user_names_are_escaped() {
        let run = Run {
            id: 1,
            name: "<script>alert(1)</script>".into(),
            domain: "image".into(),
            state: RunState::Finished,
            alc: Some(0.5),
            created: 0,
            started: Some(0),
            finished: Some(5),
            options: "{}".into(),
            input: "/x".into(),
            error: Some("bad \"<b>\"".into()),
        };
        let page = runs_list(std::slice::from_ref(&run), "t").into_string();
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        let progress = Progress { state: RunState::Finished, phases: vec!["<i>x</i>".into()], points: vec![], time_budget: 20.0, live_alc: None, alc: None, error: None };
        let view = RunView { run: &run, progress: &progress, downloads: vec![], has_model: false, has_report: false, log_tail: "</pre><script>".into(), skipped: vec![], predictions: vec![] };
        let page = run_page(&view, "t").into_string();
        assert!(!page.contains("<script>alert") && !page.contains("<i>x</i>") && !page.contains("</pre><script>"));
        assert_eq!(duration_text(3725), "1 h 2 min");
    }
}
