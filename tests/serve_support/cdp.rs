//! A small Chrome DevTools Protocol client: headless Chromium started with
//! `--remote-debugging-port=0`, one websocket to the browser, one page attached in flat mode.
//! Enough to navigate, evaluate script, set files on inputs and take downloads.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

#[path = "../support/headless.rs"]
mod headless;

pub struct Browser {
    child: Child,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
    /// Every URL the page requested (Network.requestWillBeSent), in order.
    pub requests: Vec<String>,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    /// Starts headless Chromium and opens one blank page; downloads go to `downloads`.
    pub fn start(exe: &Path, downloads: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = headless::headless(exe, profile.path())
            .args(["--remote-debugging-port=0", "--window-size=1200,1600"])
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut url = None;
        let mut seen = String::new();
        let mut line = String::new();
        while err.read_line(&mut line).unwrap_or(0) > 0 {
            if let Some(at) = line.find("ws://") {
                url = Some(line[at..].trim().to_string());
                break;
            }
            seen.push_str(&line);
            line.clear();
        }
        let url = url.unwrap_or_else(|| panic!("chromium printed no DevTools URL:\n{seen}"));
        // keep draining stderr so the browser never blocks on a full pipe
        std::thread::spawn(move || {
            let mut sink = String::new();
            while err.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        let (ws, _) = tungstenite::connect(url.as_str()).expect("DevTools websocket");
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        }
        let mut b = Browser { child, ws, session: String::new(), next_id: 0, requests: Vec::new(), _profile: profile };
        let target = b.call_browser("Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"].as_str().unwrap().to_string();
        let attached = b.call_browser("Target.attachToTarget", json!({ "targetId": target_id, "flatten": true }));
        b.session = attached["sessionId"].as_str().unwrap().to_string();
        b.call_browser(
            "Browser.setDownloadBehavior",
            json!({ "behavior": "allow", "downloadPath": downloads.to_str().unwrap(), "eventsEnabled": true }),
        );
        b.call("Page.enable", json!({}));
        b.call("Runtime.enable", json!({}));
        b.call("Network.enable", json!({}));
        b
    }

    fn send(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws.send(Message::Text(msg.to_string().into())).expect("send to DevTools");
        loop {
            let m = self.ws.read().expect("read from DevTools");
            let Message::Text(text) = m else { continue };
            let v: Value = serde_json::from_str(text.as_str()).unwrap();
            if v["method"] == "Network.requestWillBeSent" {
                if let Some(url) = v["params"]["request"]["url"].as_str() {
                    self.requests.push(url.to_string());
                }
            }
            if v["id"].as_u64() == Some(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method}: {e}");
                }
                return v["result"].clone();
            }
        }
    }

    fn call_browser(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, None)
    }

    /// A command to the page.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let s = self.session.clone();
        self.send(method, params, Some(&s))
    }

    /// Evaluates `expr` in the page (promises awaited) and returns its value.
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.call("Runtime.evaluate", json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }));
        if let Some(ex) = r.get("exceptionDetails") {
            panic!("script {expr:?} threw: {ex}");
        }
        r["result"]["value"].clone()
    }

    /// Opens `url` and waits until the document has loaded.
    pub fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'", 30);
    }

    /// Polls `cond` (a script expression) until it is true (panics after `secs`).
    pub fn wait_for(&mut self, cond: &str, secs: u64) {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            if self.eval(&format!("!!({cond})")) == json!(true) {
                return;
            }
            assert!(Instant::now() < end, "waited {secs} s for {cond}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Puts `files` (a folder for a `webkitdirectory` input) into the input matching `selector`.
    pub fn set_files(&mut self, selector: &str, files: &[&Path]) {
        let doc = self.call("DOM.getDocument", json!({ "depth": 0 }));
        let root = doc["root"]["nodeId"].as_u64().unwrap();
        let node = self.call("DOM.querySelector", json!({ "nodeId": root, "selector": selector }));
        let node_id = node["nodeId"].as_u64().unwrap();
        assert!(node_id != 0, "no element {selector}");
        let paths: Vec<String> = files.iter().map(|p| p.canonicalize().unwrap().display().to_string()).collect();
        self.call("DOM.setFileInputFiles", json!({ "files": paths, "nodeId": node_id }));
    }

    /// Clicks the element matching `selector`.
    pub fn click(&mut self, selector: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        self.eval(&format!("document.querySelector({sel}).click()"));
    }

    /// A PNG of the top `height` CSS pixels of the page, scaled by `scale`.
    pub fn screenshot(&mut self, height: u32, scale: f64) -> Vec<u8> {
        let clip = json!({ "x": 0, "y": 0, "width": 1200, "height": height, "scale": scale });
        let r = self.call("Page.captureScreenshot", json!({ "format": "png", "clip": clip, "captureBeyondViewport": true }));
        base64_decode(r["data"].as_str().unwrap())
    }
}

/// Waits for a finished download in `dir` whose name starts with `prefix` (Chromium writes
/// `.crdownload` first, then renames).
pub fn wait_download(dir: &Path, prefix: &str, secs: u64) -> PathBuf {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with(prefix) && !name.ends_with(".crdownload") && e.metadata().is_ok_and(|m| m.len() > 0) {
                    return e.path();
                }
            }
        }
        assert!(Instant::now() < end, "no download {prefix}* in {} after {secs} s", dir.display());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Standard base64 (the screenshot's encoding).
fn base64_decode(text: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter_map(val) {
        acc = (acc << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
