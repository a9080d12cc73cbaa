//! `serve` killed with SIGKILL in the middle of a run, then started again on the same data
//! (issue 18): the finished run is intact (state, ALC, report), the run cut mid-training is
//! marked interrupted (and its `rate` child died with the server), the queued run still runs.
#![cfg(feature = "serve")]

mod rate_support;
mod serve_support;

use std::time::{Duration, Instant};

use serve_support::{Form, Server};

fn table_form(name: &str, budget: &str, csv: &[u8]) -> Form {
    Form::new().text("name", name).text("time_budget", budget).text("target", "species").file("files", "t.csv", csv)
}

/// Pids of processes whose command line mentions `needle`.
fn processes_with(needle: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(needle) {
            out.push(pid);
        }
    }
    out
}

#[test]
fn sigkill_mid_run_then_restart_keeps_every_run() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let csv_path = tmp.path().join("t.csv");
    rate_support::write_table(&csv_path, 120);
    let csv = std::fs::read(&csv_path).unwrap();
    let images = tmp.path().join("shapes");
    rate_support::write_image_folder(&images, 12);

    let server = Server::start(&data, &["--jobs", "1"]);
    // 1: a run that finishes before the crash
    let r = server.post_form("/runs", table_form("done", "5", &csv));
    assert_eq!(r.status, 201, "{}", r.text());
    let done = server.wait_done(1, 180);
    assert_eq!(done["run"]["state"], "finished", "{done}");
    let alc = done["run"]["alc"].as_f64().expect("an ALC");
    let report = std::fs::read(data.join("runs/1/rated/report.html")).unwrap();

    // 2: a long run, cut while it trains; 3: queued behind it (one job at a time)
    let r = server.post_form("/runs", Form::new().text("name", "cut").text("time_budget", "600").folder(&images));
    assert_eq!(r.status, 201, "{}", r.text());
    let r = server.post_form("/runs", table_form("waiting", "5", &csv));
    assert_eq!(r.status, 201, "{}", r.text());
    let end = Instant::now() + Duration::from_secs(180);
    loop {
        let v = server.run(2);
        let training = v["progress"]["phases"].as_array().unwrap().iter().any(|p| p.as_str().unwrap().contains("training"));
        if v["run"]["state"] == "running" && training {
            break;
        }
        assert!(Instant::now() < end, "run 2 never started training: {v}");
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(server.run(3)["run"]["state"], "queued");
    let rated = data.join("runs/2/rated").display().to_string();
    assert!(!processes_with(&rated).is_empty(), "no rate process for run 2");
    server.kill();

    // the child dies with the server (parent-death signal), not left training alone
    let end = Instant::now() + Duration::from_secs(60);
    while !processes_with(&rated).is_empty() {
        assert!(Instant::now() < end, "rate of run 2 outlived the killed server");
        std::thread::sleep(Duration::from_millis(200));
    }

    let server = Server::start(&data, &["--jobs", "1"]);
    let runs = server.runs();
    assert_eq!(runs.len(), 3, "{runs:?}");
    let one = server.run(1);
    assert_eq!(one["run"]["state"], "finished");
    assert_eq!(one["run"]["alc"].as_f64(), Some(alc));
    assert_eq!(std::fs::read(data.join("runs/1/rated/report.html")).unwrap(), report, "the finished run's report changed");
    let two = server.run(2);
    assert_eq!(two["run"]["state"], "interrupted", "{two}");
    assert!(two["run"]["error"].as_str().unwrap().contains("server stopped"), "{two}");
    let three = server.wait_done(3, 180);
    assert_eq!(three["run"]["state"], "finished", "{three}");
    let list = server.get("/").text();
    assert!(list.contains("interrupted") && list.contains("finished"));
}

#[test]
fn cancel_stops_a_training_run_and_scores_what_it_has() {
    let tmp = tempfile::tempdir().unwrap();
    let images = tmp.path().join("shapes");
    rate_support::write_image_folder(&images, 12);
    let server = Server::start(&tmp.path().join("data"), &[]);
    let r = server.post_form("/runs", Form::new().text("name", "long").text("time_budget", "600").folder(&images));
    assert_eq!(r.status, 201, "{}", r.text());
    let end = Instant::now() + Duration::from_secs(180);
    while server.run(1)["progress"]["points"].as_array().unwrap().is_empty() {
        assert!(Instant::now() < end, "no prediction yet: {}", server.run(1));
        std::thread::sleep(Duration::from_millis(300));
    }
    // a cancel from elsewhere is refused; the page's own form is obeyed
    let refused = serve_support::http(&server.addr, "POST", "/runs/1/cancel", &[("Sec-Fetch-Site", "cross-site")], Some(b""));
    assert_eq!(refused.status, 403);
    assert_eq!(server.run(1)["run"]["state"], "running");
    let r = server.post_form("/runs/1/cancel", Form::new());
    assert_eq!(r.status, 200, "{}", r.text());
    let v = server.wait_done(1, 120);
    assert_eq!(v["run"]["state"], "cancelled", "{v}");
    // rate scored the predictions made before the cancel and wrote its report
    assert!(v["run"]["alc"].as_f64().is_some(), "{v}");
    assert!(server.data.join("runs/1/rated/report.html").is_file());
    // cancelling an ended run is a conflict, not a crash
    assert_eq!(server.post_form("/runs/1/cancel", Form::new()).status, 409);
}
