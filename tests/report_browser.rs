//! The `rate` report in a real browser: headless Chromium (Debian's `chromium`) loads
//! report.html from disk, takes a screenshot, and records its network log.
//!
//! - With the verdict, the "what the numbers mean" table and the small-test-set finding.
//! - Not blank: the screenshot is decoded and must hold many distinct colours and a fair
//!   share of non-white pixels (thumbnails, charts, the learning curve).
//! - Nothing leaves the file: statically, every src/href/url() is a `data:` URI and no
//!   absolute URL appears; at run time, Chromium's NetLog (`--log-net-log`) lists every URL
//!   request with the site it was made for. Requests made for the page carry a `file://`
//!   network isolation key (the browser's own background requests carry none), and there must
//!   be none of those. A control page with two remote references proves the log catches them.
//!   `--host-resolver-rules="MAP * ~NOTFOUND"` keeps even a stray request off the network.
//!
//! Chromium is found as `$AUTODL_CHROMIUM`, `chromium` or `chromium-browser`; when missing the
//! test says so and passes, except under CI=true where it fails (.ci/run installs it).

mod rate_support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use rate_support::{assert_self_contained, rate, read_report, write_image_folder};

fn chromium() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = std::env::var_os("AUTODL_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(["chromium", "chromium-browser"].iter().map(PathBuf::from))
        .collect();
    for c in candidates {
        let ok = Command::new(&c).arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
        if ok {
            return Some(c);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but chromium is not installed (apt-get install -y chromium; .ci/run does)");
    }
    eprintln!("chromium not found (install the Debian package `chromium`); browser check skipped");
    None
}

/// Loads `page` headless; returns the screenshot and the parsed NetLog.
fn load(browser: &Path, page: &Path, work: &Path) -> (image::RgbImage, serde_json::Value) {
    let profile = tempfile::tempdir_in(work).unwrap();
    let shot = work.join(format!("{}.png", page.file_stem().unwrap().to_string_lossy()));
    let netlog = work.join(format!("{}.netlog.json", page.file_stem().unwrap().to_string_lossy()));
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,2000",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(&url)
        .output()
        .expect("start chromium");
    assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    let img = image::open(&shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display())).to_rgb8();
    let log: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&netlog).unwrap())
        .unwrap_or_else(|e| panic!("{}: not JSON: {e}", netlog.display()));
    (img, log)
}

/// URLs of the requests the browser made on behalf of a `file://` page.
fn page_requests(log: &serde_json::Value) -> HashSet<String> {
    let mut urls = HashSet::new();
    for event in log["events"].as_array().expect("NetLog events") {
        let params = &event["params"];
        let (Some(url), Some(key)) = (params["url"].as_str(), params["network_isolation_key"].as_str()) else {
            continue;
        };
        if key.contains("file://") {
            urls.insert(url.to_string());
        }
    }
    urls
}

#[test]
fn report_renders_in_chromium_without_leaving_the_file() {
    let Some(browser) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("shapes");
    write_image_folder(&raw, 10);
    let out = tmp.path().join("rated");
    // 30 s, as in cli_rate: time for the first prediction even on a loaded machine, so the
    // page has a verdict and its numbers
    let o = rate(&raw, &out, &["--time-budget", "30", "-q"]);
    assert_eq!(o.status.code(), Some(0), "rate failed");
    let (report, html) = read_report(&out);
    assert_self_contained(&html);
    // The page the browser draws has the verdict, the numbers table and (2 test images per
    // class) the small-test-set finding.
    for part in ["id=\"verdict\"", "<h2>What the numbers mean</h2>", "id=\"small-test-set\"", "top-1 accuracy"] {
        assert!(html.contains(part), "report lacks {part}");
    }

    // Control: remote references in a page are seen in the NetLog (so the check below can fail).
    let control = tmp.path().join("control.html");
    std::fs::write(
        &control,
        "<html><body><p>control</p><img src=\"http://remote.invalid/a.png\">\
         <div style=\"background:url(https://remote.invalid/b.png)\">x</div></body></html>",
    )
    .unwrap();
    let (_, control_log) = load(&browser, &control, tmp.path());
    let seen = page_requests(&control_log);
    assert!(
        seen.contains("http://remote.invalid/a.png") && seen.contains("https://remote.invalid/b.png"),
        "NetLog did not record the control page's requests: {seen:?}"
    );

    let (shot, log) = load(&browser, &report, tmp.path());
    let requests = page_requests(&log);
    assert!(requests.is_empty(), "report.html made requests: {requests:?}");

    assert_eq!((shot.width(), shot.height()), (1200, 2000));
    let colours: HashSet<[u8; 3]> = shot.pixels().map(|p| p.0).collect();
    let non_white = shot.pixels().filter(|p| p.0.iter().any(|&c| c < 240)).count();
    let share = non_white as f64 / (shot.width() * shot.height()) as f64;
    assert!(colours.len() > 200, "only {} distinct colours: blank page?", colours.len());
    assert!(share > 0.03, "only {:.1}% non-white pixels: blank page?", share * 100.0);
}
