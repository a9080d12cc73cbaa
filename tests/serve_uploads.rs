//! The other ways in (issue 18): a zip of a table, a tar.gz of an image folder and an AutoDL
//! dataset uploaded as a folder each become a finished run; predict takes an archive too.
#![cfg(feature = "serve")]

mod rate_support;
mod serve_support;

use std::path::Path;
use std::process::Command;

use serve_support::{zip, Form, Server, ZipEntry};

fn tar_gz_of(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let gz = flate2::write::GzEncoder::new(&mut bytes, flate2::Compression::fast());
        let mut b = tar::Builder::new(gz);
        b.append_dir_all(dir.file_name().unwrap(), dir).unwrap();
        b.into_inner().unwrap().finish().unwrap();
    }
    bytes
}

fn started(server: &Server, form: Form) -> i64 {
    let r = server.post_form("/runs", form);
    assert_eq!(r.status, 201, "{}", r.text());
    serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["id"].as_i64().unwrap()
}

#[test]
fn archives_and_datasets_become_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let table = tmp.path().join("t.csv");
    rate_support::write_table(&table, 90);
    let images = tmp.path().join("shapes");
    rate_support::write_image_folder(&images, 8);
    // an AutoDL dataset, converted beforehand by the CLI
    let dataset = tmp.path().join("tableds");
    let out = Command::new(serve_support::BIN)
        .args(["convert", table.to_str().unwrap(), "-o", dataset.to_str().unwrap(), "--target", "species", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let server = Server::start(&tmp.path().join("data"), &["--jobs", "2"]);

    let csv = std::fs::read(&table).unwrap();
    let zipped = zip(&[ZipEntry::stored("flowers/t.csv", &csv, 0o100644)]);
    let from_zip = started(&server, Form::new().text("target", "species").text("time_budget", "4").file("archive", "flowers.zip", &zipped));
    let from_tgz = started(&server, Form::new().text("time_budget", "8").file("archive", "shapes.tar.gz", &tar_gz_of(&images)));
    let from_dataset = started(&server, Form::new().text("time_budget", "4").folder(&dataset));
    for (id, domain) in [(from_zip, "tabular"), (from_tgz, "image"), (from_dataset, "tabular")] {
        let v = server.wait_done(id, 300);
        assert_eq!(v["run"]["state"], "finished", "{v}");
        assert_eq!(v["run"]["domain"], domain, "{v}");
        assert!(v["run"]["alc"].as_f64().is_some());
        assert!(!v["progress"]["points"].as_array().unwrap().is_empty());
    }
    // the archive's folder is the run's input, and a dataset upload is not converted again
    assert!(server.data.join(format!("runs/{from_zip}/input/flowers/t.csv")).is_file());
    assert!(server.data.join(format!("runs/{from_zip}/rated/dataset")).is_dir());
    assert!(!server.data.join(format!("runs/{from_dataset}/rated/dataset")).exists());
    // dataset download of a converted run: the AutoDL folder as .tar.gz
    let r = server.get(&format!("/runs/{from_tgz}/download/dataset.tar.gz"));
    assert_eq!(r.status, 200);
    let names: Vec<String> = tar::Archive::new(flate2::read::GzDecoder::new(&r.body[..]))
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert!(names.iter().any(|n| n.ends_with(".solution")), "{names:?}");

    // predict with a zip of unlabelled images
    let unlabelled = tmp.path().join("new");
    rate_support::write_image_folder(&unlabelled, 1);
    let entries: Vec<ZipEntry> = ["disc", "bar", "ring"]
        .iter()
        .map(|c| ZipEntry::stored(&format!("new/{c}.png"), &std::fs::read(unlabelled.join(c).join("000.png")).unwrap(), 0o100644))
        .collect();
    let r = server.post_form(&format!("/runs/{from_tgz}/predict"), Form::new().file("archive", "new.zip", &zip(&entries)));
    assert_eq!(r.status, 201, "{}", r.text());
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["rows"], 3);
    let csv = server.get(v["url"].as_str().unwrap());
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-disposition").unwrap().contains("attachment"));
    assert!(csv.text().starts_with("path,predicted,"), "{}", csv.text());
    // a table run refuses images, with the predictor's own message
    let r = server.post_form(&format!("/runs/{from_zip}/predict"), Form::new().file("archive", "new.zip", &zip(&entries)));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("predict failed"), "{}", r.text());
}
