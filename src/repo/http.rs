//! HTTP(S) transport shared by index, chart, OCI and S3 requests: one blocking reqwest client
//! per TLS setting (custom CA, client certificate, insecure), proxies from the environment
//! (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, reqwest's default), retries with backoff for
//! transient failures, and errors that name the URL without its credentials.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder};

use super::{RepoError, redact_url};

/// TLS settings of one repository (helm's `caFile`, `certFile`/`keyFile`,
/// `insecure_skip_tls_verify`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TlsOptions {
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub insecure_skip_verify: bool,
}

/// Credentials for one request.
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    None,
    Basic(String, String),
    Bearer(String),
}

/// One request.
pub struct Request<'a> {
    pub method: reqwest::Method,
    pub url: &'a str,
    pub auth: Auth,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
}

impl<'a> Request<'a> {
    pub fn get(url: &'a str) -> Request<'a> {
        Request { method: reqwest::Method::GET, url, auth: Auth::None, headers: Vec::new(), body: None }
    }

    pub fn new(method: reqwest::Method, url: &'a str) -> Request<'a> {
        Request { method, url, auth: Auth::None, headers: Vec::new(), body: None }
    }

    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }
}

/// A complete response (the whole body read; a short body is an error).
pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The transport: clients are built lazily per TLS setting and reused (connection pooling).
pub struct Http {
    clients: Mutex<HashMap<TlsOptions, Client>>,
    /// Attempts for a transient failure (connection refused/reset, timeout, 5xx, 429).
    pub attempts: u32,
    pub backoff: Duration,
    pub timeout: Duration,
}

impl Default for Http {
    fn default() -> Self {
        let attempts = std::env::var("DEPLOYER_HTTP_ATTEMPTS").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
        let timeout = std::env::var("DEPLOYER_HTTP_TIMEOUT").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
        Http {
            clients: Mutex::new(HashMap::new()),
            attempts: attempts.max(1),
            backoff: Duration::from_millis(250),
            timeout: Duration::from_secs(timeout),
        }
    }
}

impl Http {
    fn client(&self, tls: &TlsOptions, url: &str) -> Result<Client, RepoError> {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = clients.get(tls) {
            return Ok(c.clone());
        }
        let fail = |message: String| RepoError::Transport { url: redact_url(url), message };
        let mut builder = Client::builder()
            .user_agent(concat!("deployer/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15))
            .timeout(self.timeout);
        if let Some(ca) = &tls.ca_file {
            let pem = std::fs::read(ca).map_err(|e| fail(format!("cannot read CA file {}: {e}", ca.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| fail(format!("invalid CA file {}: {e}", ca.display())))?;
            // helm trusts only the given CA for such a repository.
            builder = builder.tls_certs_only(certs);
        }
        match (&tls.cert_file, &tls.key_file) {
            (Some(cert), Some(key)) => {
                let mut pem = std::fs::read(cert).map_err(|e| fail(format!("cannot read {}: {e}", cert.display())))?;
                pem.push(b'\n');
                pem.extend(std::fs::read(key).map_err(|e| fail(format!("cannot read {}: {e}", key.display())))?);
                let id = reqwest::Identity::from_pem(&pem)
                    .map_err(|e| fail(format!("invalid client certificate {}: {e}", cert.display())))?;
                builder = builder.identity(id);
            }
            (None, None) => {}
            _ => return Err(fail("a client certificate needs both certFile and keyFile".into())),
        }
        if tls.insecure_skip_verify {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let client = builder.build().map_err(|e| fail(format!("cannot set up the HTTP client: {}", error_text(&e))))?;
        clients.insert(tls.clone(), client.clone());
        Ok(client)
    }

    /// Sends a request, retrying transient failures with exponential backoff. Non-2xx answers
    /// that are not transient come back as a `Response` for the caller to judge.
    pub fn send(&self, tls: &TlsOptions, req: &Request) -> Result<Response, RepoError> {
        let client = self.client(tls, req.url)?;
        let mut last_error = None;
        for attempt in 0..self.attempts {
            if attempt > 0 {
                std::thread::sleep(self.backoff * 2u32.pow(attempt - 1));
            }
            let mut builder: RequestBuilder = client.request(req.method.clone(), req.url);
            builder = match &req.auth {
                Auth::None => builder,
                Auth::Basic(u, p) => builder.basic_auth(u, Some(p)),
                Auth::Bearer(t) => builder.bearer_auth(t),
            };
            for (k, v) in &req.headers {
                builder = builder.header(*k, v);
            }
            if let Some(body) = &req.body {
                builder = builder.body(body.clone());
            }
            match builder.send().and_then(|r| {
                let status = r.status().as_u16();
                let headers = r.headers().clone();
                r.bytes().map(|b| Response { status, headers, body: b.to_vec() })
            }) {
                Ok(resp) if resp.status >= 500 || resp.status == 429 => {
                    last_error = Some(RepoError::Status { url: redact_url(req.url), status: resp.status });
                }
                Ok(resp) => return Ok(resp),
                Err(e) => {
                    last_error = Some(RepoError::Transport { url: redact_url(req.url), message: error_text(&e) });
                }
            }
        }
        Err(match last_error {
            Some(RepoError::Transport { url, message }) if self.attempts > 1 => {
                RepoError::Transport { url, message: format!("{message} (after {} attempts)", self.attempts) }
            }
            Some(e) => e,
            None => RepoError::Transport { url: redact_url(req.url), message: "no attempt made".into() },
        })
    }

    /// GET that must succeed (2xx).
    pub fn get_ok(&self, tls: &TlsOptions, req: &Request) -> Result<Response, RepoError> {
        let resp = self.send(tls, req)?;
        if !resp.ok() {
            return Err(RepoError::Status { url: redact_url(req.url), status: resp.status });
        }
        Ok(resp)
    }
}

/// An error and its causes on one line, with any URL in it redacted (reqwest's text names the
/// URL it was given, user info included).
pub fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    let joined = parts.join(": ");
    // Strip URLs reqwest embeds (`error sending request for url (…)`); ours are already named.
    let mut out = String::new();
    let mut rest = joined.as_str();
    while let Some(start) = rest.find(" for url (") {
        out.push_str(&rest[..start]);
        match rest[start..].find(')') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
