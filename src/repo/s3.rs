//! S3 chart repositories in the helm-s3 layout (`s3://bucket/prefix/index.yaml` and the
//! tarballs beside it): SigV4-signed GET/PUT over the shared HTTP transport.
//!
//! Credentials: the AWS SDKs' default chain ([`super::s3_credentials`]: environment, profile,
//! web identity, instance metadata). Region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's
//! `region`, the instance's region (when its credentials come from the metadata service), else
//! `us-east-1`; corrected from the bucket's answer when S3 says it lives elsewhere
//! (`x-amz-bucket-region`, or `<Region>` in the error). A custom endpoint
//! (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`) is addressed path-style, as MinIO, Ceph and moto
//! expect.

use std::path::PathBuf;

use hmac::{Hmac, Mac};
use reqwest::Method;
use sha2::{Digest, Sha256};

use super::http::{Http, Request, Response, TlsOptions};
use super::{RepoError, hex, sha256_hex};

pub use super::s3_credentials::Credentials;
use super::s3_credentials::{Settings, Source};

/// A configured S3 client (no connection of its own: requests go through [`Http`]).
#[derive(Clone)]
pub struct S3Client {
    source: Source,
    pub region: String,
    /// No region was configured: the instance's region may be asked for.
    region_defaulted: bool,
    /// `scheme://host[:port]` of a custom endpoint.
    pub endpoint: Option<String>,
}

/// The answer to a GET: body and ETag.
pub struct Object {
    pub data: Vec<u8>,
    pub etag: Option<String>,
}

/// `s3://bucket/key` split.
pub fn split_url(url: &str) -> Result<(String, String), RepoError> {
    let rest = url.strip_prefix("s3://").ok_or_else(|| RepoError::Invalid(format!("{url}: not an s3:// URL")))?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(RepoError::Invalid(format!("{url}: no bucket")));
    }
    Ok((bucket.to_string(), key.trim_start_matches('/').to_string()))
}

impl S3Client {
    /// A client configured from the environment and the AWS config files.
    pub fn from_env() -> Result<S3Client, RepoError> {
        let profile = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "default".into());
        let home = super::reference::home();
        let credentials_file = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE").map(PathBuf::from).unwrap_or_else(|| home.join(".aws/credentials"));
        let config_file = std::env::var_os("AWS_CONFIG_FILE").map(PathBuf::from).unwrap_or_else(|| home.join(".aws/config"));
        let cred_section = ini_section(&credentials_file, &profile);
        let config_section = ini_section(&config_file, &if profile == "default" { profile.clone() } else { format!("profile {profile}") });
        let from = |section: &[(String, String)], k: &str| section.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let configured_region = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")).or_else(|| from(&config_section, "region"));
        let region = configured_region.clone().unwrap_or_else(|| "us-east-1".into());
        let source = super::s3_credentials::discover(&Settings {
            env: &env,
            profile: &|k| from(&cred_section, k).or_else(|| from(&config_section, k)),
            region: &region,
        });
        let endpoint = env("AWS_ENDPOINT_URL_S3")
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| from(&config_section, "endpoint_url"))
            .map(|e| e.trim_end_matches('/').to_string());
        Ok(S3Client { source, region, region_defaulted: configured_region.is_none(), endpoint })
    }

    pub fn with_credentials(mut self, c: Credentials) -> Self {
        self.source = Source::Static(c);
        self
    }

    /// Where the credentials come from.
    pub fn credential_source(&self) -> &Source {
        &self.source
    }

    /// The HTTP URL of an object and the host it is signed for.
    fn object_url(&self, bucket: &str, key: &str, region: &str) -> String {
        let key = uri_encode(key, false);
        match &self.endpoint {
            Some(e) => format!("{e}/{bucket}/{key}"),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com/{key}"),
        }
    }

    fn label(bucket: &str, key: &str) -> String {
        format!("s3://{bucket}/{key}")
    }

    /// Sends one signed request, following a bucket-region correction once.
    pub fn request(&self, http: &Http, method: Method, bucket: &str, key: &str, headers: &[(&'static str, String)], body: Option<&[u8]>) -> Result<Response, RepoError> {
        let credentials = super::s3_credentials::resolve(&self.source, http)?;
        let mut region = self.region.clone();
        if self.region_defaulted
            && let Some(r) = super::s3_credentials::instance_region(&self.source)
        {
            region = r;
        }
        for _ in 0..2 {
            let url = self.object_url(bucket, key, &region);
            let mut req = Request::new(method.clone(), &url);
            for (k, v) in headers {
                req = req.header(k, v.clone());
            }
            let payload = body.unwrap_or_default();
            for (k, v) in sign(credentials.as_ref(), &method, &url, headers, payload, &region, jiff::Timestamp::now())? {
                req = req.header(k, v);
            }
            if let Some(b) = body {
                req = req.body(b.to_vec());
            }
            let resp = http.send(&TlsOptions::default(), &req).map_err(|e| match e {
                RepoError::Status { status, .. } => RepoError::Status { url: Self::label(bucket, key), status },
                RepoError::Transport { message, .. } => RepoError::Transport { url: Self::label(bucket, key), message },
                other => other,
            })?;
            if let Some(r) = bucket_region(&resp)
                && r != region
            {
                region = r;
                continue;
            }
            return Ok(resp);
        }
        Err(RepoError::Transport { url: Self::label(bucket, key), message: "the bucket's region kept changing".into() })
    }

    /// GET an object; `None` when it does not exist.
    pub fn get(&self, http: &Http, bucket: &str, key: &str) -> Result<Option<Object>, RepoError> {
        let resp = self.request(http, Method::GET, bucket, key, &[], None)?;
        match resp.status {
            404 => Ok(None),
            s if (200..300).contains(&s) => Ok(Some(Object { etag: resp.header("etag"), data: resp.body })),
            status => Err(RepoError::Status { url: Self::label(bucket, key), status }),
        }
    }

    /// GET `s3://bucket/key`, which must exist.
    pub fn get_url(&self, http: &Http, url: &str) -> Result<Vec<u8>, RepoError> {
        let (bucket, key) = split_url(url)?;
        self.get(http, &bucket, &key)?
            .map(|o| o.data)
            .ok_or(RepoError::Status { url: Self::label(&bucket, &key), status: 404 })
    }

    /// PUT an object; `condition` is `If-Match: <etag>` or `If-None-Match: *`. Returns false
    /// when the condition failed (412/409: someone else wrote first).
    pub fn put(&self, http: &Http, bucket: &str, key: &str, data: &[u8], condition: Option<(&'static str, String)>) -> Result<bool, RepoError> {
        let mut headers = vec![("Content-Type", content_type(key).to_string())];
        headers.extend(condition);
        let resp = self.request(http, Method::PUT, bucket, key, &headers, Some(data))?;
        match resp.status {
            412 | 409 => Ok(false),
            s if (200..300).contains(&s) => Ok(true),
            status => Err(RepoError::Status { url: Self::label(bucket, key), status }),
        }
    }

}

/// The region S3 says a bucket lives in when a request went to the wrong one: a redirect
/// (301/307) or a refusal (400 `AuthorizationHeaderMalformed`, 403 for some clients) naming
/// it in `x-amz-bucket-region` or in the error's `<Region>`.
fn bucket_region(resp: &Response) -> Option<String> {
    if !matches!(resp.status, 301 | 307 | 400 | 403) {
        return None;
    }
    resp.header("x-amz-bucket-region")
        .or_else(|| super::s3_credentials::xml_text(&String::from_utf8_lossy(&resp.body), "Region"))
        .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// SigV4 headers for a request (none without credentials: anonymous access).
fn sign(credentials: Option<&Credentials>, method: &Method, url: &str, extra: &[(&'static str, String)], payload: &[u8], region: &str, now: jiff::Timestamp) -> Result<Vec<(&'static str, String)>, RepoError> {
    let Some(c) = credentials else {
        // Anonymous access to public buckets.
        return Ok(Vec::new());
    };
    let parsed = url::Url::parse(url).map_err(|e| RepoError::Invalid(format!("{e}")))?;
    let host = match parsed.port() {
        Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or_default()),
        None => parsed.host_str().unwrap_or_default().to_string(),
    };
    let amz_date = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let date = &amz_date[..8];
    let payload_hash = sha256_hex(payload);
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), host),
        ("x-amz-content-sha256".into(), payload_hash.clone()),
        ("x-amz-date".into(), amz_date.clone()),
    ];
    if let Some(t) = &c.session_token {
        headers.push(("x-amz-security-token".into(), t.clone()));
    }
    for (k, v) in extra {
        headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
    }
    headers.sort();
    let signed: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let signed = signed.join(";");
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let mut query: Vec<(String, String)> =
        parsed.query_pairs().map(|(k, v)| (uri_encode(&k, true), uri_encode(&v, true))).collect();
    query.sort();
    let query = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let canonical = format!("{method}\n{}\n{query}\n{canonical_headers}\n{signed}\n{payload_hash}", parsed.path());
    let scope = format!("{date}/{region}/s3/aws4_request");
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex(&Sha256::digest(canonical.as_bytes())));
    let mut key = hmac(format!("AWS4{}", c.secret_access_key).as_bytes(), date.as_bytes());
    for part in [region, "s3", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, to_sign.as_bytes()));
    let mut out = vec![
        ("x-amz-date", amz_date),
        ("x-amz-content-sha256", payload_hash),
        (
            "Authorization",
            format!("AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}", c.access_key_id),
        ),
    ];
    if let Some(t) = &c.session_token {
        out.push(("x-amz-security-token", t.clone()));
    }
    Ok(out)
}

fn content_type(key: &str) -> &'static str {
    if key.ends_with(".tgz") {
        "application/gzip"
    } else if key.ends_with(".yaml") {
        "application/x-yaml"
    } else {
        "application/octet-stream"
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // Any key length is valid for HMAC; new_from_slice cannot fail here.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// AWS's URI encoding: unreserved characters kept, `/` kept in paths.
fn uri_encode(s: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b'/' if !encode_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `key = value` lines of one `[section]` of an INI file (AWS config style).
fn ini_section(path: &std::path::Path, section: &str) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    let mut inside = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim() == section;
            continue;
        }
        if inside && let Some((k, v)) = line.split_once('=') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signature of AWS's documented example (GET /test.txt with a Range header,
    /// 2013-05-24, examplebucket, us-east-1).
    #[test]
    fn signs_like_the_documented_sigv4_example() {
        let credentials = Credentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        };
        let now: jiff::Timestamp = "2013-05-24T00:00:00Z".parse().unwrap();
        let headers = sign(Some(&credentials), &Method::GET, "https://examplebucket.s3.amazonaws.com/test.txt", &[("Range", "bytes=0-9".into())], b"", "us-east-1", now)
            .unwrap();
        let auth = &headers.iter().find(|(k, _)| *k == "Authorization").unwrap().1;
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn profiles_come_from_ini_sections() {
        let dir = std::env::temp_dir().join(format!("deployer-aws-ini-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("config");
        std::fs::write(&f, "[default]\nregion = eu-west-1\n[profile ci]\n# c\nregion=us-west-2\naws_access_key_id = AK\n").unwrap();
        assert_eq!(ini_section(&f, "profile ci"), [("region".to_string(), "us-west-2".to_string()), ("aws_access_key_id".into(), "AK".into())]);
        assert_eq!(ini_section(&f, "default"), [("region".to_string(), "eu-west-1".to_string())]);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A bucket in another region: S3 refuses the first request naming the region (in a header
    /// or in the error body) and the request is signed again for it.
    #[test]
    fn the_bucket_region_from_a_refusal_is_followed() {
        use std::io::{BufRead, BufReader, Write};
        for (status, header, body) in [
            ("301 Moved Permanently", "x-amz-bucket-region: eu-west-2\r\n", ""),
            ("400 Bad Request", "", "<Error><Code>AuthorizationHeaderMalformed</Code><Region>eu-west-2</Region></Error>"),
        ] {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let endpoint = format!("http://{}", listener.local_addr().unwrap());
            let server = std::thread::spawn(move || {
                let mut scopes = Vec::new();
                for answer in [(status, header, body), ("200 OK", "", "chart")] {
                    let (stream, _) = listener.accept().unwrap();
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    while reader.read_line(&mut line).unwrap() > 0 && !line.ends_with("\r\n\r\n") {}
                    let auth = line.lines().find(|l| l.to_ascii_lowercase().starts_with("authorization:")).unwrap_or_default().to_string();
                    scopes.push(auth.split('/').nth(2).unwrap_or_default().to_string());
                    let mut stream = stream;
                    write!(stream, "HTTP/1.1 {}\r\n{}Content-Length: {}\r\nConnection: close\r\n\r\n{}", answer.0, answer.1, answer.2.len(), answer.2).unwrap();
                }
                scopes
            });
            let client = S3Client { source: Source::Anonymous, region: "us-east-1".into(), region_defaulted: false, endpoint: Some(endpoint) }
                .with_credentials(Credentials { access_key_id: "AK".into(), secret_access_key: "SK".into(), session_token: None });
            let data = client.get_url(&Http::default(), "s3://bucket/charts/index.yaml").unwrap();
            assert_eq!(data, b"chart");
            assert_eq!(server.join().unwrap(), ["us-east-1", "eu-west-2"], "{status}");
        }
    }

    #[test]
    fn urls_split() {
        assert_eq!(split_url("s3://b/p/index.yaml").unwrap(), ("b".into(), "p/index.yaml".into()));
        assert_eq!(split_url("s3://b").unwrap(), ("b".into(), "".into()));
    }
}
