//! Shared by tests/serve_*.rs: a `serve` process on a free port with its own data folder, a
//! small HTTP/1.1 client over a TCP socket (so hostile requests go out exactly as written),
//! multipart bodies, and zip archives built byte by byte (hostile names, links, bombs).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_autodl-format");

/// A running `autodl-format serve`, stopped (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    /// host:port to connect to
    pub addr: String,
    pub token: Option<String>,
    pub data: PathBuf,
    pub stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    /// Starts `serve --addr 127.0.0.1:0 --data DATA --device cpu EXTRA…` and waits for its URL line.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        let mut args: Vec<&str> = vec!["--addr", "127.0.0.1:0"];
        if extra.contains(&"--addr") {
            args.clear();
        }
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(&args)
            .arg("--data")
            .arg(data)
            .args(["--device", "cpu"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start autodl-format serve");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("autodl-format serve: ")
            .unwrap_or_else(|| panic!("serve printed {line:?} instead of its URL"))
            .to_string();
        let rest = url.strip_prefix("http://").unwrap();
        let (hostport, query) = rest.split_once('/').unwrap();
        let port = hostport.rsplit_once(':').unwrap().1;
        let token = query.strip_prefix("?token=").map(str::to_string);
        Server { child, addr: format!("127.0.0.1:{port}"), token, data: data.to_path_buf(), stdout }
    }

    /// GET with the token (when the server has one) as a bearer header.
    pub fn get(&self, path: &str) -> Resp {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut headers = vec![];
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        http(&self.addr, "GET", path, &headers, None)
    }

    /// The form token the pages carry.
    pub fn csrf(&self) -> String {
        let page = self.get("/new").text();
        let at = page.find("name=\"csrf-token\" content=\"").expect("csrf meta") + "name=\"csrf-token\" content=\"".len();
        page[at..at + 32].to_string()
    }

    /// POSTs a multipart form as the server's own page would (form token, same-origin).
    pub fn post_form(&self, path: &str, form: Form) -> Resp {
        let (ctype, body) = form.finish();
        let csrf = self.csrf();
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut headers = vec![
            ("Content-Type", ctype.as_str()),
            ("X-CSRF-Token", csrf.as_str()),
            ("Accept", "application/json"),
            ("Sec-Fetch-Site", "same-origin"),
        ];
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        http(&self.addr, "POST", path, &headers, Some(&body))
    }

    /// The runs as the JSON API lists them.
    pub fn runs(&self) -> Vec<serde_json::Value> {
        let r = self.get("/api/runs");
        assert_eq!(r.status, 200, "{}", r.text());
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        v["runs"].as_array().unwrap().clone()
    }

    pub fn run(&self, id: i64) -> serde_json::Value {
        let r = self.get(&format!("/api/runs/{id}"));
        assert_eq!(r.status, 200, "{}", r.text());
        serde_json::from_slice(&r.body).unwrap()
    }

    /// Waits until run `id` reaches a final state (panics after `secs`).
    pub fn wait_done(&self, id: i64, secs: u64) -> serde_json::Value {
        let end = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.run(id);
            let state = v["run"]["state"].as_str().unwrap().to_string();
            if ["finished", "failed", "cancelled", "interrupted"].contains(&state.as_str()) {
                return v;
            }
            assert!(std::time::Instant::now() < end, "run {id} still {state} after {secs} s");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers (lower-case names), body.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request, `Connection: close`; the path goes out exactly as given. A body the
/// server stops reading (a refused upload) is not an error: the response is still read.
pub fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if let (Some(b), false) = (body, chunked) {
        head.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    if let Some(b) = body {
        if chunked {
            for piece in b.chunks(64 * 1024) {
                if stream.write_all(format!("{:x}\r\n", piece.len()).as_bytes()).is_err()
                    || stream.write_all(piece).is_err()
                    || stream.write_all(b"\r\n").is_err()
                {
                    break;
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        } else {
            let _ = stream.write_all(b);
        }
    }
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw).unwrap_or_else(|| panic!("{method} {path}: no HTTP response ({} bytes)", raw.len()))
}

fn parse_response(raw: &[u8]) -> Option<Resp> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
        body = dechunk(&body);
    }
    Some(Resp { status, headers, body })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 || data.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[(eol + 4 + size).min(data.len())..];
    }
    out
}

/// A multipart/form-data body.
pub struct Form {
    boundary: String,
    body: Vec<u8>,
}

impl Default for Form {
    fn default() -> Self {
        Form::new()
    }
}

impl Form {
    pub fn new() -> Form {
        Form { boundary: "----autodl-test-boundary-7f3a9c".into(), body: Vec::new() }
    }
    pub fn text(mut self, name: &str, value: &str) -> Form {
        self.body.extend_from_slice(
            format!("--{}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n", self.boundary).as_bytes(),
        );
        self
    }
    pub fn file(mut self, name: &str, file_name: &str, data: &[u8]) -> Form {
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                self.boundary
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(data);
        self.body.extend_from_slice(b"\r\n");
        self
    }
    /// Every file under `dir` as a `files` part named `<dir name>/<relative path>` (a folder upload).
    pub fn folder(mut self, dir: &Path) -> Form {
        let top = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                    self = self.file("files", &format!("{top}/{rel}"), &std::fs::read(&p).unwrap());
                }
            }
        }
        self
    }
    /// (Content-Type, body)
    pub fn finish(mut self) -> (String, Vec<u8>) {
        self.body.extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        (format!("multipart/form-data; boundary={}", self.boundary), self.body)
    }
}

/// One zip entry as it goes into the archive.
pub struct ZipEntry {
    pub name: String,
    /// 0 stored, 8 deflated
    pub method: u16,
    pub data: Vec<u8>,
    pub crc: u32,
    pub size: u32,
    /// Unix st_mode (file type included); 0 = none recorded.
    pub mode: u32,
}

impl ZipEntry {
    pub fn stored(name: &str, data: &[u8], mode: u32) -> ZipEntry {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        ZipEntry { name: name.into(), method: 0, data: data.to_vec(), crc: crc.sum(), size: data.len() as u32, mode }
    }
}

/// A zip archive of `entries` (local headers, data, central directory, end record).
pub fn zip(entries: &[ZipEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let name = e.name.as_bytes();
        out.extend_from_slice(&0x04034b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&e.method.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
        out.extend_from_slice(&e.crc.to_le_bytes());
        out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&e.size.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&e.data);

        central.extend_from_slice(&0x02014b50u32.to_le_bytes());
        // made by: Unix (3), so the external attributes carry the mode
        central.extend_from_slice(&((3u16 << 8) | 20).to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&e.method.to_le_bytes());
        central.extend_from_slice(&[0, 0, 0x21, 0]);
        central.extend_from_slice(&e.crc.to_le_bytes());
        central.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        central.extend_from_slice(&e.size.to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]); // extra, comment, disk, internal attrs
        central.extend_from_slice(&(e.mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let cd_offset = out.len() as u32;
    let n = entries.len().min(0xffff) as u16;
    out.extend_from_slice(&central);
    if entries.len() >= 0xffff {
        // more entries than the classic end record counts: a zip64 end record and its locator
        let zip64_at = out.len() as u64;
        out.extend_from_slice(&0x06064b50u32.to_le_bytes());
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&((3u16 << 8) | 45).to_le_bytes());
        out.extend_from_slice(&45u16.to_le_bytes());
        out.extend_from_slice(&[0; 8]); // this disk, disk of the central directory
        out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        out.extend_from_slice(&(central.len() as u64).to_le_bytes());
        out.extend_from_slice(&u64::from(cd_offset).to_le_bytes());
        out.extend_from_slice(&0x07064b50u32.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&zip64_at.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
    }
    out.extend_from_slice(&0x06054b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A zip whose single entry inflates to `mib` MiB of zeros: raw deflate of one MiB, fully
/// flushed (the compressor forgets its window, so the same bytes can be repeated), `mib` times.
pub fn zip_bomb(mib: u32) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let piece = |c: &mut Compress, input: &[u8], flush: FlushCompress| {
        let mut out = Vec::with_capacity(64 * 1024);
        let before = c.total_in();
        loop {
            let consumed = (c.total_in() - before) as usize;
            if out.capacity() - out.len() < 1024 {
                out.reserve(64 * 1024);
            }
            c.compress_vec(&input[consumed..], &mut out, flush).unwrap();
            if (c.total_in() - before) as usize == input.len() && out.capacity() - out.len() >= 1024 {
                break;
            }
        }
        out
    };
    let _first = piece(&mut c, &zeros, FlushCompress::Full);
    let steady = piece(&mut c, &zeros, FlushCompress::Full);
    let end = piece(&mut c, &[], FlushCompress::Finish);
    let mut data = Vec::with_capacity(steady.len() * mib as usize + end.len());
    for _ in 0..mib {
        data.extend_from_slice(&steady);
    }
    data.extend_from_slice(&end);
    // the CRC is never reached: the server refuses long before the end of the entry
    zip(&[ZipEntry { name: "zeros.bin".into(), method: 8, data, crc: 0, size: mib.saturating_mul(1 << 20), mode: 0o100644 }])
}

/// Every path under `root` (relative, sorted), skipping `skip` (a folder below root).
pub fn listing(root: &Path, skip: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p == skip {
                continue;
            }
            out.push(p.strip_prefix(root).unwrap().display().to_string());
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}
pub mod cdp;
