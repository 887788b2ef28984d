//! AWS credentials for S3, looked for in the order of the AWS SDKs' default chain:
//!
//! 1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`;
//! 2. the `AWS_PROFILE` (or `default`) profile of `~/.aws/credentials` and `~/.aws/config`:
//!    static keys, or `role_arn` + `web_identity_token_file`;
//! 3. web identity (EKS IRSA): `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`
//!    (`AWS_ROLE_SESSION_NAME`), exchanged with STS `AssumeRoleWithWebIdentity`;
//! 4. the EC2 instance metadata service (IMDSv2: a session token, then the role's
//!    credentials), unless `AWS_EC2_METADATA_DISABLED=true`;
//! 5. none: requests go unsigned (public buckets).
//!
//! Temporary credentials are fetched once per process and reused until shortly before they
//! expire. No secret (token, key, session token) ever appears in an error.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::Method;

use super::RepoError;
use super::http::{Http, Request, TlsOptions};

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// Where the credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Static(Credentials),
    WebIdentity { token_file: PathBuf, role_arn: String, session_name: String, sts_endpoint: String },
    InstanceMetadata { endpoint: String },
    Anonymous,
}

/// The settings the chain reads: environment variables and the profile's keys.
pub struct Settings<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// A key of the profile (credentials file first, then config file).
    pub profile: &'a dyn Fn(&str) -> Option<String>,
    pub region: &'a str,
}

/// Picks the source as the SDK chain would (nothing is fetched yet).
pub fn discover(s: &Settings) -> Source {
    let env = s.env;
    if let (Some(a), Some(k)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        return Source::Static(Credentials { access_key_id: a, secret_access_key: k, session_token: env("AWS_SESSION_TOKEN") });
    }
    let profile = s.profile;
    if let (Some(a), Some(k)) = (profile("aws_access_key_id"), profile("aws_secret_access_key")) {
        return Source::Static(Credentials { access_key_id: a, secret_access_key: k, session_token: profile("aws_session_token") });
    }
    let sts_endpoint = env("AWS_ENDPOINT_URL_STS").or_else(|| env("AWS_ENDPOINT_URL")).unwrap_or_else(|| {
        if s.region.is_empty() { "https://sts.amazonaws.com".into() } else { format!("https://sts.{}.amazonaws.com", s.region) }
    });
    let sts_endpoint = sts_endpoint.trim_end_matches('/').to_string();
    let session_name = |configured: Option<String>| {
        configured.unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
            format!("deployer-{nanos}")
        })
    };
    if let (Some(role_arn), Some(token_file)) = (profile("role_arn"), profile("web_identity_token_file")) {
        return Source::WebIdentity {
            token_file: token_file.into(),
            role_arn,
            session_name: session_name(profile("role_session_name")),
            sts_endpoint,
        };
    }
    if let (Some(token_file), Some(role_arn)) = (env("AWS_WEB_IDENTITY_TOKEN_FILE"), env("AWS_ROLE_ARN")) {
        return Source::WebIdentity {
            token_file: token_file.into(),
            role_arn,
            session_name: session_name(env("AWS_ROLE_SESSION_NAME")),
            sts_endpoint,
        };
    }
    if env("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Source::Anonymous;
    }
    let endpoint = env("AWS_EC2_METADATA_SERVICE_ENDPOINT").unwrap_or_else(|| {
        match env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").is_some_and(|m| m.eq_ignore_ascii_case("ipv6")) {
            true => "http://[fd00:ec2::254]".into(),
            false => "http://169.254.169.254".into(),
        }
    });
    Source::InstanceMetadata { endpoint: endpoint.trim_end_matches('/').to_string() }
}

/// Fetched temporary credentials: `None` when the source had none (no instance role).
#[derive(Clone)]
struct Fetched {
    credentials: Option<Credentials>,
    expires: Option<jiff::Timestamp>,
    /// The instance's region, from the metadata service.
    region: Option<String>,
}

fn cache() -> &'static Mutex<HashMap<String, Fetched>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Fetched>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The credentials of `source` (fetching temporary ones when needed); `None`: unsigned.
pub fn resolve(source: &Source, http: &Http) -> Result<Option<Credentials>, RepoError> {
    let key = match source {
        Source::Static(c) => return Ok(Some(c.clone())),
        Source::Anonymous => return Ok(None),
        _ => cache_key(source),
    };
    let fresh = |f: &Fetched| f.expires.is_none_or(|e| e > jiff::Timestamp::now() + jiff::SignedDuration::from_secs(300));
    if let Some(f) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(&key).filter(|f| fresh(f)) {
        return Ok(f.credentials.clone());
    }
    let fetched = match source {
        Source::WebIdentity { token_file, role_arn, session_name, sts_endpoint } => {
            assume_role_with_web_identity(http, token_file, role_arn, session_name, sts_endpoint)?
        }
        Source::InstanceMetadata { endpoint } => instance_metadata(endpoint)?,
        Source::Static(_) | Source::Anonymous => unreachable!("returned above"),
    };
    cache().lock().unwrap_or_else(|p| p.into_inner()).insert(key, fetched.clone());
    Ok(fetched.credentials)
}

fn cache_key(source: &Source) -> String {
    match source {
        Source::WebIdentity { token_file, role_arn, sts_endpoint, .. } => {
            format!("web-identity {role_arn} {} {sts_endpoint}", token_file.display())
        }
        Source::InstanceMetadata { endpoint } => format!("imds {endpoint}"),
        Source::Static(_) | Source::Anonymous => String::new(),
    }
}

/// The instance's region, when the credentials came from the metadata service (after
/// [`resolve`]).
pub fn instance_region(source: &Source) -> Option<String> {
    if !matches!(source, Source::InstanceMetadata { .. }) {
        return None;
    }
    cache().lock().unwrap_or_else(|p| p.into_inner()).get(&cache_key(source)).and_then(|f| f.region.clone())
}

/// STS `AssumeRoleWithWebIdentity` (an unsigned POST: the token is the proof).
fn assume_role_with_web_identity(http: &Http, token_file: &std::path::Path, role_arn: &str, session_name: &str, endpoint: &str) -> Result<Fetched, RepoError> {
    let url = format!("{endpoint}/");
    let token = std::fs::read_to_string(token_file).map_err(|e| RepoError::io(token_file, e))?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "AssumeRoleWithWebIdentity")
        .append_pair("Version", "2011-06-15")
        .append_pair("RoleArn", role_arn)
        .append_pair("RoleSessionName", session_name)
        .append_pair("WebIdentityToken", token.trim())
        .finish();
    let req = Request::new(Method::POST, &url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/xml")
        .body(body.into_bytes());
    let resp = http.send(&TlsOptions::default(), &req)?;
    let xml = String::from_utf8_lossy(&resp.body);
    let fail = |message: String| RepoError::Transport { url: super::redact_url(&url), message };
    if !resp.ok() {
        let code = xml_text(&xml, "Code").unwrap_or_default();
        let message = xml_text(&xml, "Message").unwrap_or_default();
        return Err(fail(format!("STS AssumeRoleWithWebIdentity for {role_arn} failed: {} {code} {message}", resp.status).trim_end().to_string()));
    }
    let field = |tag: &str| xml_text(&xml, tag).ok_or_else(|| fail(format!("STS AssumeRoleWithWebIdentity answer has no {tag}")));
    Ok(Fetched {
        credentials: Some(Credentials {
            access_key_id: field("AccessKeyId")?,
            secret_access_key: field("SecretAccessKey")?,
            session_token: Some(field("SessionToken")?),
        }),
        expires: xml_text(&xml, "Expiration").and_then(|e| e.parse().ok()),
        region: None,
    })
}

/// The text of the first `<tag>…</tag>` (STS answers are small and flat enough).
pub(crate) fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    let text = &xml[start..end];
    Some(text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'"))
}

/// A client for the metadata service: link-local, so short timeouts and never a proxy.
fn imds_client() -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(1))
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| super::http::error_text(&e))
}

/// IMDSv2: a session token (PUT), the role name, then its credentials. An unreachable service
/// or an instance without a role means no credentials, not an error.
fn instance_metadata(endpoint: &str) -> Result<Fetched, RepoError> {
    let none = Fetched { credentials: None, expires: None, region: None };
    let Ok(client) = imds_client() else { return Ok(none) };
    let Some(token) = imds_token(&client, endpoint) else { return Ok(none) };
    let base = format!("{endpoint}/latest/meta-data/iam/security-credentials/");
    let get = |url: &str| -> Option<(u16, String)> {
        let mut req = client.get(url);
        if let Some(t) = &token {
            req = req.header("X-aws-ec2-metadata-token", t);
        }
        let resp = req.send().ok()?;
        let status = resp.status().as_u16();
        Some((status, resp.text().unwrap_or_default()))
    };
    let role = match get(&base) {
        Some((200, body)) => body.lines().next().unwrap_or_default().trim().to_string(),
        _ => return Ok(none),
    };
    if role.is_empty() {
        return Ok(none);
    }
    let fail = |message: String| RepoError::Transport { url: base.clone(), message };
    let (status, body) = get(&format!("{base}{role}")).ok_or_else(|| fail("the instance metadata service stopped answering".into()))?;
    if status != 200 {
        return Err(fail(format!("instance role credentials: HTTP {status}")));
    }
    let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| fail(format!("instance role credentials are not JSON: {e}")))?;
    let field = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
    if field("Code").is_some_and(|c| c != "Success") {
        return Err(fail(format!("instance role credentials: {}", field("Code").unwrap_or_default())));
    }
    let region = match get(&format!("{endpoint}/latest/meta-data/placement/region")) {
        Some((200, r)) => Some(r.trim().to_string()).filter(|r| !r.is_empty()),
        _ => None,
    };
    match (field("AccessKeyId"), field("SecretAccessKey")) {
        (Some(a), Some(k)) => Ok(Fetched {
            credentials: Some(Credentials { access_key_id: a, secret_access_key: k, session_token: field("Token") }),
            expires: field("Expiration").and_then(|e| e.parse().ok()),
            region,
        }),
        _ => Err(fail("instance role credentials lack AccessKeyId or SecretAccessKey".into())),
    }
}

/// The IMDSv2 session token: `Some(Some(t))`; `Some(None)` when the service only speaks
/// IMDSv1 (404/405 to the PUT); `None` when there is no usable service.
fn imds_token(client: &reqwest::blocking::Client, endpoint: &str) -> Option<Option<String>> {
    let resp = client
        .put(format!("{endpoint}/latest/api/token"))
        .header("X-aws-ec2-metadata-token-ttl-seconds", "21600")
        .send()
        .ok()?;
    match resp.status().as_u16() {
        200 => resp.text().ok().map(|t| Some(t.trim().to_string())),
        404 | 405 => Some(None),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discover_with(env: &[(&str, &str)], profile: &[(&str, &str)]) -> Source {
        let env_map: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let profile_map: HashMap<String, String> = profile.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        discover(&Settings {
            env: &|k| env_map.get(k).cloned(),
            profile: &|k| profile_map.get(k).cloned(),
            region: "eu-west-1",
        })
    }

    #[test]
    fn the_chain_is_ordered_as_the_sdks_order_it() {
        let irsa = [("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"), ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"), ("AWS_ROLE_SESSION_NAME", "s")];
        let keys = [("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "SK")];
        assert!(matches!(discover_with(&[keys[0], keys[1], irsa[0], irsa[1]], &[]), Source::Static(c) if c.access_key_id == "AK"));
        let profile = [("aws_access_key_id", "PK"), ("aws_secret_access_key", "PS")];
        assert!(matches!(discover_with(&irsa, &profile), Source::Static(c) if c.access_key_id == "PK"));
        assert_eq!(
            discover_with(&irsa, &[]),
            Source::WebIdentity {
                token_file: "/t".into(),
                role_arn: "arn:aws:iam::1:role/r".into(),
                session_name: "s".into(),
                sts_endpoint: "https://sts.eu-west-1.amazonaws.com".into()
            }
        );
        let profile_irsa = [("role_arn", "arn:aws:iam::1:role/p"), ("web_identity_token_file", "/p"), ("role_session_name", "ps")];
        assert!(matches!(discover_with(&[("AWS_ENDPOINT_URL", "http://moto:5000/")], &profile_irsa),
            Source::WebIdentity { role_arn, sts_endpoint, .. } if role_arn.ends_with("/p") && sts_endpoint == "http://moto:5000"));
        assert_eq!(discover_with(&[], &[]), Source::InstanceMetadata { endpoint: "http://169.254.169.254".into() });
        assert_eq!(
            discover_with(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/")], &[]),
            Source::InstanceMetadata { endpoint: "http://127.0.0.1:9".into() }
        );
        assert_eq!(discover_with(&[("AWS_EC2_METADATA_DISABLED", "true")], &[]), Source::Anonymous);
    }

    #[test]
    fn sts_answers_are_read() {
        let xml = "<R><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>a&amp;b</SecretAccessKey></Credentials></R>";
        assert_eq!(xml_text(xml, "AccessKeyId").as_deref(), Some("ASIA1"));
        assert_eq!(xml_text(xml, "SecretAccessKey").as_deref(), Some("a&b"));
        assert_eq!(xml_text(xml, "SessionToken"), None);
    }

    #[test]
    fn an_unreachable_metadata_service_means_no_credentials() {
        // A closed local port stands in for a machine that is not on EC2.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let source = Source::InstanceMetadata { endpoint: format!("http://127.0.0.1:{port}") };
        assert_eq!(resolve(&source, &Http::default()).unwrap(), None);
    }
}
