//! Chart sources: HTTP(S), S3 and OCI repositories and local paths; the content-addressed cache,
//! lock files, air-gap bundles and publishing.
//!
//! The entry point is [`ChartFetcher`]: `resolve(ref, constraint)` picks a version (helm's rules)
//! and says where it lives and which digest it must have; `fetch` returns the verified bytes,
//! through the cache. One fetcher is shared by every release of a run (`&self` methods, `Sync`):
//! each repository index is fetched once and each chart version downloaded once, whatever the
//! number of threads asking.
//!
//! Network IO is blocking (reqwest's blocking client over rustls): callers run fetches on a
//! thread pool. `index` (index.yaml), `reference` (what a user writes), `cache` (the verified
//! store), `http`, `oci` and `s3` (transports), `fetcher` (the above put together), `publish`
//! (`chart push`, `repo index`), `deps` (a chart's own dependencies), `lock` and `bundle`.

pub mod bundle;
pub mod cache;
pub mod deps;
pub mod fetcher;
pub mod http;
pub mod index;
pub mod lazy_index;
pub mod lock;
pub mod oci;
pub mod publish;
pub mod reference;
pub mod s3;
pub mod s3_credentials;

pub use cache::ContentCache;
pub use fetcher::{ChartFetcher, FetchOptions, Resolved};
pub use index::{ChartVersion, IndexFile};
pub use reference::{ChartRef, RepoConfig};

/// A failure to find, fetch, verify or publish a chart. Every URL in it has its credentials
/// removed ([`redact_url`]); no variant carries a password or token.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RepoError {
    #[error("{url}: {status}{}", hint(.status))]
    Status { url: String, status: u16 },
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    #[error("{url}: {source}")]
    Index { url: String, source: index::IndexError },
    #[error(transparent)]
    Resolve(#[from] index::ResolveError),
    #[error("{what}: digest mismatch: expected sha256:{expected}, got sha256:{actual}")]
    Digest { what: String, expected: String, actual: String },
    #[error("{what}: {message}")]
    Chart { what: String, message: String },
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
    #[error("{what} is not in the cache or bundle and --offline forbids the network")]
    Offline { what: String },
    #[error("{0}")]
    Conflict(String),
}

fn hint(status: &u16) -> &'static str {
    match status {
        401 => " Unauthorized (missing or wrong credentials)",
        403 => " Forbidden (the credentials lack access)",
        404 => " Not Found",
        429 => " Too Many Requests",
        412 => " Precondition Failed",
        s if *s >= 500 => " (server error)",
        _ => "",
    }
}

impl RepoError {
    pub(crate) fn io(path: &std::path::Path, e: std::io::Error) -> RepoError {
        RepoError::Io { path: path.display().to_string(), message: e.to_string() }
    }
}

/// `url` without user info and without query parameters that carry secrets (pre-signed
/// signatures, tokens), for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let (scheme, rest) = url.split_at(scheme_end + 3);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
    let path = match path.split_once('?') {
        Some((p, query)) => {
            let kept: Vec<String> = query
                .split('&')
                .map(|kv| {
                    let key = kv.split('=').next().unwrap_or_default();
                    let lower = key.to_ascii_lowercase();
                    let secret = ["signature", "token", "credential", "password", "secret", "key", "auth"]
                        .iter()
                        .any(|w| lower.contains(w));
                    if secret { format!("{key}=REDACTED") } else { kv.to_string() }
                })
                .collect();
            format!("{p}?{}", kept.join("&"))
        }
        None => path.to_string(),
    };
    format!("{scheme}{host}{path}")
}

/// Lower-case hex of the SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(data))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// A digest as `sha256:<hex>` or bare hex, normalised to bare lower-case hex; `None` when it is
/// not a SHA-256 digest.
pub fn normalize_digest(digest: &str) -> Option<String> {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest).to_ascii_lowercase();
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_removes_user_info_and_secret_query_parameters() {
        assert_eq!(redact_url("https://u:p%40ss@h.test:8443/a/b?x=1"), "https://h.test:8443/a/b?x=1");
        assert_eq!(
            redact_url("https://h/k?X-Amz-Signature=abc&X-Amz-Credential=AKIA&v=2"),
            "https://h/k?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&v=2"
        );
        assert_eq!(redact_url("oci://user@reg:5000/x"), "oci://reg:5000/x");
        assert_eq!(redact_url("./local"), "./local");
    }

    #[test]
    fn digests_normalise() {
        let h = "ab".repeat(32);
        assert_eq!(normalize_digest(&format!("sha256:{}", h.to_uppercase())), Some(h.clone()));
        assert_eq!(normalize_digest("md5:00"), None);
    }
}
