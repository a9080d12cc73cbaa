//! `serve` under hostile input (issue 18): each case is refused with a clear message, nothing
//! appears outside `--data`, and the server still answers afterwards. Archives are built byte
//! by byte (tests/serve_support), requests go out over a raw socket exactly as written.
#![cfg(feature = "serve")]

mod serve_support;

use std::path::Path;

use serve_support::{http, listing, zip, zip_bomb, Form, Server, ZipEntry};

/// A work folder with `data/` (the server's) and `outside/` (must never change).
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::fs::write(dir.path().join("outside/keep.txt"), "untouched").unwrap();
        Work { dir }
    }
    fn data(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }
    fn outside(&self) -> Vec<String> {
        listing(self.dir.path(), &self.data())
    }
}

/// The run folders under data/runs (a refused upload must leave none).
fn run_folders(data: &Path) -> Vec<String> {
    std::fs::read_dir(data.join("runs"))
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

/// Posts `form` as a new run and checks the refusal: `status`, message containing `words`,
/// nothing new outside data/, no run folder or row left, the server still answering.
fn refused(server: &Server, work: &Work, form: Form, status: u16, words: &[&str]) {
    let before = work.outside();
    let r = server.post_form("/runs", form);
    let text = r.text();
    assert_eq!(r.status, status, "expected {status}, got {}: {text}", r.status);
    for w in words {
        assert!(text.contains(w), "message {text:?} lacks {w:?}");
    }
    assert_eq!(work.outside(), before, "something was written outside --data");
    assert!(run_folders(&server.data).is_empty(), "a refused upload left {:?}", run_folders(&server.data));
    assert!(server.runs().is_empty(), "a refused upload left a run");
    assert_eq!(server.get("/").status, 200, "the server stopped answering");
}

#[test]
fn hostile_archives_and_names_are_refused() {
    let work = Work::new();
    let server = Server::start(&work.data(), &[]);
    let abs_target = std::env::temp_dir().join(format!("autodl-serve-hostile-{}", std::process::id()));

    // zip-slip: an entry climbing out of the upload folder
    let slip = zip(&[ZipEntry::stored("ok/a.txt", b"a", 0o100644), ZipEntry::stored("../../outside/evil.txt", b"x", 0o100644)]);
    refused(&server, &work, Form::new().file("archive", "slip.zip", &slip), 400, &["../../outside/evil.txt", "`..`"]);

    // an absolute path
    let abs = format!("{}/evil.txt", abs_target.display());
    let absolute = zip(&[ZipEntry::stored(&abs, b"x", 0o100644)]);
    refused(&server, &work, Form::new().file("archive", "abs.zip", &absolute), 400, &["absolute path"]);
    assert!(!abs_target.exists());

    // a symbolic link pointing out (zip: Unix mode S_IFLNK, the target as data)
    let link = zip(&[ZipEntry::stored("link", b"../../../../etc", 0o120777), ZipEntry::stored("link/passwd", b"x", 0o100644)]);
    refused(&server, &work, Form::new().file("archive", "link.zip", &link), 400, &["link entry", "points outside"]);

    // the same in a tar.gz
    let mut tar_bytes = Vec::new();
    {
        let gz = flate2::write::GzEncoder::new(&mut tar_bytes, flate2::Compression::fast());
        let mut b = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_path("escape").unwrap();
        h.set_link_name("../../../../etc").unwrap();
        h.set_size(0);
        h.set_cksum();
        b.append(&h, std::io::empty()).unwrap();
        b.into_inner().unwrap().finish().unwrap();
    }
    refused(&server, &work, Form::new().file("archive", "link.tar.gz", &tar_bytes), 400, &["link entry", "points outside"]);

    // a device file in a tar
    let mut dev = Vec::new();
    {
        let mut b = tar::Builder::new(&mut dev);
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Char);
        h.set_path("null").unwrap();
        h.set_size(0);
        h.set_cksum();
        b.append(&h, std::io::empty()).unwrap();
        b.finish().unwrap();
    }
    refused(&server, &work, Form::new().file("archive", "dev.tar", &dev), 400, &["device"]);

    // 1 GiB of zeros in a ~1 MB zip
    let bomb = zip_bomb(1024);
    assert!(bomb.len() < 2 << 20, "bomb is {} bytes", bomb.len());
    refused(&server, &work, Form::new().file("archive", "bomb.zip", &bomb), 413, &["archive bomb"]);

    // 100,000 entries
    let many: Vec<ZipEntry> = (0..100_000).map(|i| ZipEntry::stored(&format!("f/{i:06}"), b"", 0o100644)).collect();
    refused(&server, &work, Form::new().file("archive", "many.zip", &zip(&many)), 413, &["100000 entries", "archive bomb"]);

    // folder uploads: file names that climb out or are absolute
    refused(&server, &work, Form::new().file("files", "../../outside/evil.txt", b"x"), 400, &["`..`"]);
    refused(&server, &work, Form::new().file("files", &abs, b"x"), 400, &["absolute path"]);
    assert!(!abs_target.exists());

    // not an archive at all
    refused(&server, &work, Form::new().file("archive", "x.zip", b"just text"), 400, &["not a zip, tar or tar.gz"]);

    // a server folder without --allow-path
    refused(&server, &work, Form::new().text("server_path", "/etc"), 403, &["--allow-path"]);
}

#[test]
fn uploads_over_the_cap_are_refused_while_streaming() {
    let work = Work::new();
    let server = Server::start(&work.data(), &["--max-upload", "1M"]);
    // declared length over the cap: refused before the body is read
    let big = vec![7u8; 3 << 20];
    refused(&server, &work, Form::new().file("files", "t/big.bin", &big), 413, &["--max-upload"]);
    // no length (chunked): counted as it streams
    let (ctype, body) = Form::new().file("files", "t/big.bin", &vec![7u8; 3 << 19]).finish();
    let csrf = server.csrf();
    let before = work.outside();
    let r = http(
        &server.addr,
        "POST",
        "/runs",
        &[("Content-Type", &ctype), ("X-CSRF-Token", &csrf), ("Transfer-Encoding", "chunked")],
        Some(&body),
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.text().contains("--max-upload"), "{}", r.text());
    assert_eq!(work.outside(), before);
    assert!(run_folders(&server.data).is_empty());
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn url_paths_never_reach_the_filesystem() {
    let work = Work::new();
    let server = Server::start(&work.data(), &[]);
    for path in [
        "/static/../../../../etc/passwd",
        "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/runs/..%2f..%2fruns.sqlite",
        "/runs/1/download/..%2f..%2f..%2fruns.sqlite",
        "/runs/1/download/%2e%2e/%2e%2e/runs.sqlite",
        "/runs/1/predict/..%2f1/predictions.csv",
        "/runs/-1/download/report.html",
        "/../../etc/passwd",
    ] {
        let r = server.get(path);
        assert!(r.status == 404 || r.status == 400, "{path}: {} {}", r.status, r.text());
        let t = r.text();
        assert!(!t.contains("root:") && !t.contains("SQLite format"), "{path} leaked a file: {t}");
    }
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_non_local_address_needs_the_token_on_every_request() {
    let work = Work::new();
    let server = Server::start(&work.data(), &["--addr", "0.0.0.0:0"]);
    let token = server.token.clone().expect("a generated token in the printed URL");
    assert!(token.len() >= 32);
    let addr = server.addr.clone();
    for path in ["/", "/new", "/api/runs", "/static/app.js", "/runs/1/events"] {
        let none = http(&addr, "GET", path, &[], None);
        assert_eq!(none.status, 401, "{path} without token: {}", none.text());
        assert!(none.text().contains("token"), "{}", none.text());
        let wrong = http(&addr, "GET", path, &[("Authorization", "Bearer 0123456789abcdef0123456789abcdef")], None);
        assert_eq!(wrong.status, 401, "{path} with a wrong token");
        let wrong_q = http(&addr, "GET", &format!("{path}?token=nope"), &[], None);
        assert_eq!(wrong_q.status, 401, "{path} with a wrong ?token=");
    }
    let ok = http(&addr, "GET", &format!("/?token={token}"), &[], None);
    assert_eq!(ok.status, 200);
    let cookie = ok.header("set-cookie").expect("the token becomes a cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let cookie_pair = cookie.split(';').next().unwrap().to_string();
    assert_eq!(http(&addr, "GET", "/new", &[("Cookie", &cookie_pair)], None).status, 200);
    // a POST without the token is refused before anything is read or written
    let (ctype, body) = Form::new().file("files", "t/a.txt", b"x").finish();
    let r = http(&addr, "POST", "/runs", &[("Content-Type", &ctype)], Some(&body));
    assert_eq!(r.status, 401);
    assert!(run_folders(&server.data).is_empty());
    // a token given on the command line is the one required
    let work2 = Work::new();
    let s2 = Server::start(&work2.data(), &["--addr", "0.0.0.0:0", "--token", "a-token-of-my-own-choosing"]);
    assert_eq!(s2.token.as_deref(), Some("a-token-of-my-own-choosing"));
    assert_eq!(http(&s2.addr, "GET", "/", &[], None).status, 401);
    assert_eq!(s2.get("/").status, 200);
}

#[test]
fn cross_site_posts_and_foreign_hosts_are_refused() {
    let work = Work::new();
    let server = Server::start(&work.data(), &[]);
    let csrf = server.csrf();
    let (ctype, body) = Form::new().text("time_budget", "5").file("files", "t/a.csv", b"a,b\n1,x\n2,y\n").finish();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        // a page elsewhere posting to the local server (the browser says so)
        (vec![("Content-Type", &ctype), ("X-CSRF-Token", &csrf), ("Sec-Fetch-Site", "cross-site")], "cross-site"),
        (vec![("Content-Type", &ctype), ("X-CSRF-Token", &csrf), ("Origin", "http://evil.example")], "Origin"),
        // an old browser sending neither: the missing form token gives it away
        (vec![("Content-Type", &ctype)], "form token"),
        (vec![("Content-Type", &ctype), ("X-CSRF-Token", "0000")], "form token"),
    ];
    for (headers, word) in cases {
        let before = work.outside();
        let r = http(&server.addr, "POST", "/runs", &headers, Some(&body));
        assert_eq!(r.status, 403, "{headers:?}: {}", r.text());
        assert!(r.text().contains("cross-site request refused") && r.text().contains(word), "{}", r.text());
        assert_eq!(work.outside(), before);
        assert!(run_folders(&server.data).is_empty());
    }
    let r = http(&server.addr, "POST", "/runs/1/cancel", &[("Origin", "http://evil.example"), ("X-CSRF-Token", &csrf)], Some(b""));
    assert_eq!(r.status, 403);
    // DNS rebinding: a foreign Host name reaching the token-less loopback server
    let r = http(&server.addr, "GET", "/", &[("Host", "evil.example:8470")], None);
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn user_names_are_escaped_in_pages() {
    let work = Work::new();
    let server = Server::start(&work.data(), &[]);
    let name = "<script>alert('x')</script>";
    let r = server.post_form(
        "/runs",
        Form::new().text("name", name).text("time_budget", "3").text("target", "b").file("files", "<img src=x>.csv", b"a,b\n1,x\n2,y\n3,x\n4,y\n"),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let list = server.get("/").text();
    assert!(!list.contains("<script>alert"), "runs list renders the name as HTML");
    assert!(list.contains("&lt;script&gt;alert('x')&lt;/script&gt;"), "{list}");
    let page = server.get("/runs/1").text();
    assert!(!page.contains("<script>alert") && !page.contains("<img src=x>"), "{page}");
}

#[test]
fn server_folders_only_below_allow_path() {
    let work = Work::new();
    let allowed = work.dir.path().join("shared");
    std::fs::create_dir_all(&allowed).unwrap();
    std::fs::write(allowed.join("t.csv"), "a,b\n1,x\n2,y\n3,x\n4,y\n5,x\n6,y\n7,x\n8,y\n9,x\n10,y\n").unwrap();
    // a link inside the allowed folder that leads out of it
    std::os::unix::fs::symlink(work.dir.path().join("outside"), allowed.join("escape")).unwrap();
    let server = Server::start(&work.data(), &["--allow-path", allowed.to_str().unwrap()]);
    let outside = work.dir.path().join("outside");
    for path in [outside.display().to_string(), format!("{}/../outside", allowed.display()), allowed.join("escape").display().to_string()] {
        refused(&server, &work, Form::new().text("server_path", &path), 403, &["outside the folders this server may read"]);
    }
    refused(&server, &work, Form::new().text("server_path", "/no/such/folder"), 400, &["/no/such/folder"]);
    // both an upload and a server folder: ambiguous
    refused(
        &server,
        &work,
        Form::new().text("server_path", allowed.to_str().unwrap()).file("files", "t/a.csv", b"a,b\n"),
        400,
        &["not both"],
    );
    // inside: the run reads it in place (nothing copied), and leaves it as it was
    let before = listing(&allowed, &allowed.join("none"));
    let r = server.post_form(
        "/runs",
        Form::new().text("server_path", allowed.join("t.csv").to_str().unwrap()).text("target", "b").text("time_budget", "3"),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["id"].as_i64().unwrap();
    let run = server.wait_done(id, 180);
    assert_eq!(run["run"]["state"], "finished", "{run}");
    assert_eq!(run["run"]["input"], allowed.join("t.csv").canonicalize().unwrap().display().to_string());
    assert!(!server.data.join(format!("runs/{id}/input")).exists());
    assert_eq!(listing(&allowed, &allowed.join("none")), before, "the server folder changed");
}

#[test]
fn a_folder_already_in_data_is_never_taken_for_a_run() {
    // A --data that already holds runs/1 (another server's database was removed, or the user
    // made it): the first upload would get run id 1; it is refused and the folder kept.
    let work = Work::new();
    std::fs::create_dir_all(work.data().join("runs/1")).unwrap();
    std::fs::write(work.data().join("runs/1/mine.txt"), "the user's").unwrap();
    let server = Server::start(&work.data(), &[]);
    let r = server.post_form("/runs", Form::new().file("files", "t/a.csv", b"x,y\n1,0\n"));
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("already exists") && r.text().contains("nothing was changed"), "{}", r.text());
    assert_eq!(std::fs::read_to_string(work.data().join("runs/1/mine.txt")).unwrap(), "the user's");
    assert!(server.runs().is_empty(), "a refused upload left a run");
    assert_eq!(server.get("/").status, 200, "the server stopped answering");
}
