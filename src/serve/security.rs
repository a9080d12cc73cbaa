//! The guard in front of every route: the access token (required on any address but loopback),
//! the Host check that stops DNS rebinding on a token-less loopback server, the cross-site
//! checks on POSTs (Sec-Fetch-Site, Origin, and the server's form token), and the headers that
//! keep pages from loading anything from elsewhere.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ServeError;

/// Cookie that carries the access token after the first visit with `?token=`.
pub const TOKEN_COOKIE: &str = "autodl_token";
/// Header (from scripts) or query parameter (in form actions) with the form token.
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_PARAM: &str = "csrf";

/// What the guard checks against.
pub struct Guard {
    /// Required on every request when set.
    pub token: Option<String>,
    /// Must accompany every POST (pages embed it).
    pub csrf: String,
}

/// Random hex from the kernel (tokens are secrets: no user-space generator).
pub fn random_hex(bytes: usize) -> std::io::Result<String> {
    use std::io::Read;
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Equal strings, compared in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn query_param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v))
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v))
}

/// A Host header naming this machine's loopback interface (any port).
fn loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1")
}

/// Checks a request; `Ok(true)` when it came with a valid `?token=` (the reply sets the cookie).
fn check(guard: &Guard, req: &Request) -> Result<bool, ServeError> {
    let headers = req.headers();
    let query = req.uri().query().unwrap_or("");
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let mut from_query = false;
    match &guard.token {
        Some(token) => {
            let bearer = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            let in_query = query_param(query, "token");
            let given = in_query.or(bearer).or_else(|| cookie(headers, TOKEN_COOKIE));
            match given {
                Some(t) if same(t, token) => from_query = in_query.is_some(),
                Some(_) => return Err(ServeError::Unauthorized("wrong access token: open the URL the server printed".into())),
                None => {
                    return Err(ServeError::Unauthorized(
                        "this server needs its access token: open the URL it printed at start (…/?token=…)".into(),
                    ))
                }
            }
        }
        None => {
            if !loopback_host(host) {
                return Err(ServeError::Forbidden(format!(
                    "Host {host:?} refused: a server without a token answers only to localhost"
                )));
            }
        }
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        cross_site_check(guard, headers, query, host)?;
    }
    Ok(from_query)
}

/// A POST must come from this server's own pages.
fn cross_site_check(guard: &Guard, headers: &HeaderMap, query: &str, host: &str) -> Result<(), ServeError> {
    let refuse = |why: &str| ServeError::Forbidden(format!("cross-site request refused: {why}"));
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return Err(refuse(&format!("the browser says it came from a {site} page")));
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let expected = [format!("http://{host}"), format!("https://{host}")];
        if !expected.iter().any(|e| e == origin) {
            return Err(refuse(&format!("Origin {origin:?} is not this server")));
        }
    }
    let given = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .or_else(|| query_param(query, CSRF_PARAM));
    match given {
        Some(t) if same(t, &guard.csrf) => Ok(()),
        _ => Err(refuse("missing or wrong form token (reload the page)")),
    }
}

/// The middleware: refuses what [`check`] refuses, adds the security headers to every reply.
pub async fn guard(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let mut response = match check(&guard, &req) {
        Ok(from_query) => {
            let mut r = next.run(req).await;
            if from_query {
                if let Some(token) = &guard.token {
                    let c = format!("{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
                    if let Ok(v) = HeaderValue::from_str(&c) {
                        r.headers_mut().append(header::SET_COOKIE, v);
                    }
                }
            }
            r
        }
        Err(e) => e.into_response(),
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; form-action 'self'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_cookies_and_queries() {
        for h in ["localhost:8470", "127.0.0.1:1", "[::1]:80", "localhost"] {
            assert!(loopback_host(h), "{h}");
        }
        for h in ["evil.example:8470", "127.0.0.1.evil.example", "10.0.0.1:8470", ""] {
            assert!(!loopback_host(h), "{h}");
        }
        assert_eq!(query_param("a=1&csrf=xy&b", "csrf"), Some("xy"));
        assert_eq!(query_param("xcsrf=1", "csrf"), None);
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; autodl_token=abc"));
        assert_eq!(cookie(&headers, TOKEN_COOKIE), Some("abc"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
        assert_eq!(random_hex(16).unwrap().len(), 32);
    }
}
