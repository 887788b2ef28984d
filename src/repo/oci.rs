//! OCI registries, as helm stores charts in them: a manifest whose config is
//! `application/vnd.cncf.helm.config.v1+json` (the Chart.yaml metadata as JSON) and whose chart
//! layer is `application/vnd.cncf.helm.chart.content.v1.tar+gzip`; tags are versions with `+`
//! written `_`. Auth: a registry's `Basic` challenge, or its `Bearer` token service (anonymous
//! or with credentials), with credentials from docker's `config.json` (and credential helpers)
//! or helm's registry config.

use std::sync::Mutex;

use reqwest::Method;

use super::http::{Auth, Http, Request, Response, TlsOptions};
use super::reference::{OciRef, RepoConfig};
use super::{RepoError, normalize_digest, redact_url, sha256_hex};

pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
pub const CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// Charts pushed by helm before 3.7.
pub const LEGACY_CHART_LAYER_MEDIA_TYPE: &str = "application/tar+gzip";
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// What `resolve` learns from a manifest.
#[derive(Debug, Clone)]
pub struct ManifestInfo {
    /// `sha256:` digest of the manifest.
    pub manifest_digest: String,
    /// Bare hex SHA-256 of the chart layer.
    pub chart_digest: String,
    pub version: Option<String>,
}

/// One repository in one registry.
pub struct Registry<'a> {
    http: &'a Http,
    base: String,
    repository: String,
    credentials: Option<(String, String)>,
    token: Option<String>,
    tls: TlsOptions,
    bearer: Mutex<Option<String>>,
    /// The scope asked of a token service (`pull` or `pull,push`).
    actions: &'static str,
}

impl<'a> Registry<'a> {
    pub fn new(http: &'a Http, r: &OciRef, plain_http: bool, config: Option<&RepoConfig>) -> Registry<'a> {
        let scheme = if plain_http { "http" } else { "https" };
        let credentials = match config {
            Some(RepoConfig { username: Some(u), password, .. }) => Some((u.clone(), password.clone().unwrap_or_default())),
            _ => stored_credentials(&r.registry),
        };
        Registry {
            http,
            base: format!("{scheme}://{}", r.registry),
            repository: r.repository.clone(),
            credentials,
            token: config.and_then(|c| c.token.clone()),
            tls: config.map(super::fetcher::tls_of).unwrap_or_default(),
            bearer: Mutex::new(None),
            actions: "pull",
        }
    }

    fn for_push(mut self) -> Self {
        self.actions = "pull,push";
        self
    }

    fn label(&self) -> String {
        format!("oci://{}/{}", self.base.split("://").nth(1).unwrap_or(&self.base), self.repository)
    }

    /// Sends a request, answering the registry's auth challenge once.
    fn send(&self, method: Method, path_or_url: &str, headers: &[(&'static str, String)], body: Option<&[u8]>) -> Result<Response, RepoError> {
        let url = if path_or_url.starts_with("http") { path_or_url.to_string() } else { format!("{}{path_or_url}", self.base) };
        let build = |auth: Auth| {
            let mut req = Request::new(method.clone(), &url).auth(auth);
            for (k, v) in headers {
                req = req.header(k, v.clone());
            }
            if let Some(b) = body {
                req = req.body(b.to_vec());
            }
            req
        };
        let current = match self.token.clone().or_else(|| self.bearer.lock().unwrap_or_else(|p| p.into_inner()).clone()) {
            Some(t) => Auth::Bearer(t),
            None => Auth::None,
        };
        let resp = self.http.send(&self.tls, &build(current))?;
        if resp.status != 401 {
            return Ok(resp);
        }
        let challenge = resp.header("www-authenticate").unwrap_or_default();
        let auth = if challenge.to_ascii_lowercase().starts_with("bearer") {
            let token = self.fetch_token(&challenge)?;
            *self.bearer.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
            Auth::Bearer(token)
        } else if let Some((u, p)) = &self.credentials {
            Auth::Basic(u.clone(), p.clone())
        } else {
            return Ok(resp);
        };
        self.http.send(&self.tls, &build(auth))
    }

    /// The token service's answer to `Bearer realm=…,service=…,scope=…`.
    fn fetch_token(&self, challenge: &str) -> Result<String, RepoError> {
        let params = parse_challenge(challenge);
        let realm = params.iter().find(|(k, _)| k == "realm").map(|(_, v)| v.clone()).ok_or_else(|| RepoError::Transport {
            url: self.label(),
            message: "the registry's bearer challenge names no realm".into(),
        })?;
        let scope = format!("repository:{}:{}", self.repository, self.actions);
        let service = params.iter().find(|(k, _)| k == "service").map(|(_, v)| v.clone());
        if let Some((user, identity_token)) = &self.credentials
            && user == IDENTITY_TOKEN_USER
        {
            return self.exchange_identity_token(&realm, service.as_deref(), &scope, identity_token);
        }
        let mut url = url::Url::parse(&realm).map_err(|e| RepoError::Invalid(format!("token realm {}: {e}", redact_url(&realm))))?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(s) = &service {
                q.append_pair("service", s);
            }
            q.append_pair("scope", &scope);
        }
        let auth = match &self.credentials {
            Some((u, p)) => Auth::Basic(u.clone(), p.clone()),
            None => Auth::None,
        };
        let resp = self.http.send(&self.tls, &Request::get(url.as_str()).auth(auth))?;
        token_from(&resp, &realm)
    }

    /// An identity (refresh) token, as docker's credential stores keep them for registries
    /// like ACR, exchanged for an access token (OAuth2 `grant_type=refresh_token`, POST).
    fn exchange_identity_token(&self, realm: &str, service: Option<&str>, scope: &str, identity_token: &str) -> Result<String, RepoError> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "refresh_token").append_pair("client_id", "deployer").append_pair("scope", scope);
        if let Some(s) = service {
            form.append_pair("service", s);
        }
        form.append_pair("refresh_token", identity_token);
        let req = Request::new(Method::POST, realm)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form.finish().into_bytes());
        let resp = self.http.send(&self.tls, &req)?;
        token_from(&resp, realm)
    }
}

/// The bearer token in a token service's answer (`token`, or OAuth2's `access_token`).
fn token_from(resp: &Response, realm: &str) -> Result<String, RepoError> {
    if !resp.ok() {
        return Err(RepoError::Status { url: redact_url(realm), status: resp.status });
    }
    let doc: serde_json::Value = serde_json::from_slice(&resp.body)
        .map_err(|e| RepoError::Transport { url: redact_url(realm), message: format!("invalid token answer: {e}") })?;
    doc.get("token")
        .or_else(|| doc.get("access_token"))
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .ok_or_else(|| RepoError::Transport { url: redact_url(realm), message: "the token answer has no token".into() })
}

impl Registry<'_> {

    fn check(&self, resp: Response, what: &str) -> Result<Response, RepoError> {
        if resp.ok() {
            Ok(resp)
        } else {
            Err(RepoError::Status { url: format!("{} ({what})", self.label()), status: resp.status })
        }
    }

    /// The repository's tags (helm lists them to resolve a version constraint).
    pub fn tags(&self) -> Result<Vec<String>, RepoError> {
        let resp = self.send(Method::GET, &format!("/v2/{}/tags/list", self.repository), &[], None)?;
        let resp = self.check(resp, "tags")?;
        let doc: serde_json::Value = serde_json::from_slice(&resp.body)
            .map_err(|e| RepoError::Transport { url: self.label(), message: format!("invalid tag list: {e}") })?;
        Ok(doc["tags"].as_array().map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect()).unwrap_or_default())
    }

    /// Picks the tag (helm's `GetTagMatchingVersionOrConstraint`) and reads its manifest; with a
    /// digest, that manifest is read and checked instead.
    pub fn resolve(&self, constraint: &str, digest: Option<&str>) -> Result<(String, ManifestInfo), RepoError> {
        if let Some(d) = digest {
            let info = self.manifest(d, Some(d))?;
            let tag = info.version.as_ref().map(|v| v.replace('+', "_")).unwrap_or_else(|| d.to_string());
            return Ok((tag, info));
        }
        let tag = if !constraint.is_empty() && crate::semver::Version::parse(constraint).is_ok() {
            // An exact version is fetched by tag directly, as helm does.
            constraint.replace('+', "_")
        } else {
            let tags = self.tags()?;
            let mut versions: Vec<super::index::ChartVersion> = tags
                .iter()
                .map(|t| super::index::ChartVersion { version: t.replace('_', "+"), ..Default::default() })
                .collect();
            versions.sort_by(|a, b| {
                let (va, vb) = (crate::semver::Version::parse(&a.version), crate::semver::Version::parse(&b.version));
                match (va, vb) {
                    (Ok(a), Ok(b)) => b.cmp(&a),
                    (Ok(_), Err(_)) => std::cmp::Ordering::Less,
                    (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
                    _ => std::cmp::Ordering::Equal,
                }
            });
            let chosen = super::index::resolve(
                self.repository.rsplit('/').next().unwrap_or(&self.repository),
                &versions,
                constraint,
                &self.label(),
                crate::semver::Dialect::V3_2,
            )?;
            chosen.version.replace('+', "_")
        };
        let info = self.manifest(&tag, None)?;
        Ok((tag, info))
    }

    fn manifest(&self, reference: &str, expected: Option<&str>) -> Result<ManifestInfo, RepoError> {
        let accept = [("Accept", format!("{MANIFEST_MEDIA_TYPE}, application/vnd.docker.distribution.manifest.v2+json"))];
        let resp = self.send(Method::GET, &format!("/v2/{}/manifests/{reference}", self.repository), &accept, None)?;
        if resp.status == 404 {
            let available = self.tags().unwrap_or_default().iter().map(|t| t.replace('_', "+")).collect::<Vec<_>>();
            return Err(RepoError::Resolve(super::index::ResolveError::NoVersion {
                name: self.repository.rsplit('/').next().unwrap_or_default().to_string(),
                constraint: reference.replace('_', "+"),
                repo: self.label(),
                available,
            }));
        }
        let resp = self.check(resp, reference)?;
        let manifest_digest = format!("sha256:{}", sha256_hex(&resp.body));
        if let Some(e) = expected
            && normalize_digest(e).as_deref() != Some(&manifest_digest[7..])
        {
            return Err(RepoError::Digest {
                what: format!("{}@{e}", self.label()),
                expected: e.trim_start_matches("sha256:").into(),
                actual: manifest_digest[7..].into(),
            });
        }
        let doc: serde_json::Value = serde_json::from_slice(&resp.body)
            .map_err(|e| RepoError::Transport { url: self.label(), message: format!("invalid manifest: {e}") })?;
        let layer = doc["layers"]
            .as_array()
            .and_then(|ls| {
                ls.iter().find(|l| {
                    let mt = l["mediaType"].as_str().unwrap_or_default();
                    mt == CHART_LAYER_MEDIA_TYPE || mt == LEGACY_CHART_LAYER_MEDIA_TYPE
                })
            })
            .ok_or_else(|| RepoError::Chart {
                what: format!("{}:{reference}", self.label()),
                message: format!("manifest does not contain a layer with mediatype {CHART_LAYER_MEDIA_TYPE}"),
            })?;
        let chart_digest = layer["digest"].as_str().and_then(normalize_digest).ok_or_else(|| RepoError::Chart {
            what: self.label(),
            message: "the chart layer has no sha256 digest".into(),
        })?;
        let mut version = doc["annotations"]["org.opencontainers.image.version"].as_str().map(str::to_string);
        if version.is_none()
            && let Some(config_digest) = doc["config"]["digest"].as_str()
            && let Ok(config) = self.blob(config_digest.trim_start_matches("sha256:"))
            && let Ok(meta) = serde_json::from_slice::<serde_json::Value>(&config)
        {
            version = meta["version"].as_str().map(str::to_string);
        }
        Ok(ManifestInfo { manifest_digest, chart_digest, version })
    }

    /// A blob by bare hex digest, verified.
    pub fn blob(&self, hex: &str) -> Result<Vec<u8>, RepoError> {
        let resp = self.send(Method::GET, &format!("/v2/{}/blobs/sha256:{hex}", self.repository), &[], None)?;
        let resp = self.check(resp, "blob")?;
        let actual = sha256_hex(&resp.body);
        if actual != hex {
            return Err(RepoError::Digest { what: format!("{}@sha256:{hex}", self.label()), expected: hex.into(), actual });
        }
        Ok(resp.body)
    }

    fn upload_blob(&self, data: &[u8]) -> Result<String, RepoError> {
        let digest = format!("sha256:{}", sha256_hex(data));
        let head = self.send(Method::HEAD, &format!("/v2/{}/blobs/{digest}", self.repository), &[], None)?;
        if head.ok() {
            return Ok(digest);
        }
        let start = self.send(Method::POST, &format!("/v2/{}/blobs/uploads/", self.repository), &[("Content-Length", "0".into())], None)?;
        let start = self.check(start, "blob upload")?;
        let location = start.header("location").ok_or_else(|| RepoError::Transport {
            url: self.label(),
            message: "the registry gave no upload location".into(),
        })?;
        let location = if location.starts_with("http") { location } else { format!("{}{location}", self.base) };
        let sep = if location.contains('?') { '&' } else { '?' };
        let put = self.send(
            Method::PUT,
            &format!("{location}{sep}digest={digest}"),
            &[("Content-Type", "application/octet-stream".into())],
            Some(data),
        )?;
        self.check(put, "blob upload")?;
        Ok(digest)
    }
}

/// The result of a push.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// `oci://registry/path/name:tag`.
    pub reference: String,
    /// `sha256:` digest of the manifest.
    pub digest: String,
}

/// Pushes a packaged chart to `oci://registry/path` (the chart's name and version make the
/// repository and tag), with helm's media types and annotations.
pub fn push(http: &Http, chart: &[u8], destination: &str, plain_http: bool, config: Option<&RepoConfig>) -> Result<Pushed, RepoError> {
    let files = crate::chart::loader::archive_files(chart).map_err(|e| RepoError::Chart { what: "chart archive".into(), message: e.to_string() })?;
    let chart_yaml = files.iter().find(|f| f.name == "Chart.yaml").ok_or_else(|| RepoError::Chart {
        what: "chart archive".into(),
        message: "Chart.yaml file is missing".into(),
    })?;
    let meta = metadata_json(&chart_yaml.data)?;
    let name = meta["name"].as_str().unwrap_or_default().to_string();
    let version = meta["version"].as_str().unwrap_or_default().to_string();
    if name.is_empty() || version.is_empty() {
        return Err(RepoError::Chart { what: "Chart.yaml".into(), message: "name and version are required".into() });
    }
    let base = OciRef::parse(destination)?;
    if base.tag.is_some() || base.digest.is_some() {
        return Err(RepoError::Invalid(format!("{destination}: push takes oci://registry/path without a tag or digest")));
    }
    let target = OciRef { repository: format!("{}/{name}", base.repository), ..base };
    let plain = target.plain_http(plain_http || config.is_some_and(|c| c.plain_http));
    let registry = Registry::new(http, &target, plain, config).for_push();
    let config_json = serde_json::to_vec(&meta).map_err(|e| RepoError::Invalid(e.to_string()))?;
    let config_digest = registry.upload_blob(&config_json)?;
    let chart_digest = registry.upload_blob(chart)?;
    let mut annotations = serde_json::Map::new();
    let created = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    annotations.insert("org.opencontainers.image.created".into(), created.into());
    if let Some(d) = meta["description"].as_str() {
        annotations.insert("org.opencontainers.image.description".into(), d.into());
    }
    annotations.insert("org.opencontainers.image.title".into(), name.clone().into());
    if let Some(h) = meta["home"].as_str() {
        annotations.insert("org.opencontainers.image.url".into(), h.into());
    }
    annotations.insert("org.opencontainers.image.version".into(), version.clone().into());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": config_digest, "size": config_json.len()},
        "layers": [{"mediaType": CHART_LAYER_MEDIA_TYPE, "digest": chart_digest, "size": chart.len()}],
        "annotations": annotations,
    });
    let body = serde_json::to_vec(&manifest).map_err(|e| RepoError::Invalid(e.to_string()))?;
    let tag = version.replace('+', "_");
    let resp = registry.send(
        Method::PUT,
        &format!("/v2/{}/manifests/{tag}", target.repository),
        &[("Content-Type", MANIFEST_MEDIA_TYPE.into())],
        Some(&body),
    )?;
    registry.check(resp, "manifest upload")?;
    Ok(Pushed {
        reference: format!("oci://{}/{}:{tag}", target.registry, target.repository),
        digest: format!("sha256:{}", sha256_hex(&body)),
    })
}

/// Chart.yaml as helm's config blob: `chart.Metadata` marshalled to JSON (its field order,
/// empty fields left out).
pub fn metadata_json(chart_yaml: &[u8]) -> Result<serde_json::Value, RepoError> {
    use crate::value::Value;
    let text = String::from_utf8_lossy(chart_yaml);
    let doc = crate::yaml::parse_values(&text).map_err(|e| RepoError::Chart { what: "Chart.yaml".into(), message: e.to_string() })?;
    let Value::Map(m) = doc else {
        return Err(RepoError::Chart { what: "Chart.yaml".into(), message: "not a mapping".into() });
    };
    let mut out = serde_json::Map::new();
    const FIELDS: &[&str] = &[
        "name", "home", "sources", "version", "description", "keywords", "maintainers", "icon", "apiVersion", "condition",
        "tags", "appVersion", "deprecated", "annotations", "kubeVersion", "dependencies", "type",
    ];
    for field in FIELDS {
        let Some(v) = m.get(field) else { continue };
        let json = to_json(&v);
        let empty = match &json {
            serde_json::Value::Null => true,
            serde_json::Value::String(s) => s.is_empty(),
            serde_json::Value::Array(a) => a.is_empty(),
            serde_json::Value::Object(o) => o.is_empty(),
            serde_json::Value::Bool(b) => !b,
            _ => false,
        };
        if !empty {
            let json = match (*field, json) {
                // string fields hold the scalar's text
                ("version" | "appVersion" | "kubeVersion" | "name", serde_json::Value::Number(n)) => n.to_string().into(),
                (_, j) => j,
            };
            out.insert(field.to_string(), json);
        }
    }
    Ok(serde_json::Value::Object(out))
}

fn to_json(v: &crate::value::Value) -> serde_json::Value {
    use crate::value::Value;
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(i) | Value::Int64(i) => (*i).into(),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null),
        Value::String(s) => s.to_string().into(),
        Value::List(l) => l.items.iter().map(to_json).collect(),
        Value::Map(m) => serde_json::Value::Object(m.entries().into_iter().map(|(k, v)| (k, to_json(&v))).collect()),
        other => crate::value::sprint(std::slice::from_ref(other)).into(),
    }
}

/// `key="value"` pairs of a `WWW-Authenticate` challenge.
fn parse_challenge(h: &str) -> Vec<(String, String)> {
    let rest = h.split_once(' ').map(|(_, r)| r).unwrap_or("");
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
        } else {
            value = chars.by_ref().take_while(|c| *c != ',').collect();
        }
        out.push((key.trim().to_ascii_lowercase(), value));
    }
    out
}

/// Credentials for a registry from helm's registry config (`$HELM_REGISTRY_CONFIG`, else
/// `~/.config/helm/registry/config.json`) or docker's (`$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`), including `credHelpers`/`credsStore` helpers.
pub fn stored_credentials(registry: &str) -> Option<(String, String)> {
    let mut files = Vec::new();
    match std::env::var_os("HELM_REGISTRY_CONFIG") {
        Some(p) => files.push(std::path::PathBuf::from(p)),
        None => files.push(super::reference::config_home().join("helm/registry/config.json")),
    }
    match std::env::var_os("DOCKER_CONFIG") {
        Some(p) => files.push(std::path::PathBuf::from(p).join("config.json")),
        None => files.push(super::reference::home().join(".docker/config.json")),
    }
    for file in files {
        let Ok(text) = std::fs::read(&file) else { continue };
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&text) else { continue };
        if let Some(found) = credentials_in(&doc, registry) {
            return Some(found);
        }
    }
    None
}

fn credentials_in(doc: &serde_json::Value, registry: &str) -> Option<(String, String)> {
    let candidates = [registry.to_string(), format!("https://{registry}"), format!("http://{registry}")];
    if let Some(helper) = candidates.iter().find_map(|k| doc["credHelpers"][k].as_str()) {
        return from_helper(helper, registry);
    }
    if let Some(auths) = doc["auths"].as_object() {
        for (key, entry) in auths {
            let host = key.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/');
            let host = host.split('/').next().unwrap_or(host);
            if host != registry {
                continue;
            }
            if let Some(t) = entry["identitytoken"].as_str().filter(|t| !t.is_empty()) {
                return Some((IDENTITY_TOKEN_USER.to_string(), t.to_string()));
            }
            if let Some(auth) = entry["auth"].as_str() {
                use base64::Engine;
                let decoded = base64::engine::general_purpose::STANDARD.decode(auth).ok()?;
                let text = String::from_utf8(decoded).ok()?;
                let (u, p) = text.split_once(':')?;
                return Some((u.to_string(), p.to_string()));
            }
            if let (Some(u), Some(p)) = (entry["username"].as_str(), entry["password"].as_str()) {
                return Some((u.to_string(), p.to_string()));
            }
        }
    }
    doc["credsStore"].as_str().and_then(|h| from_helper(h, registry))
}

/// The user name docker's credential helpers give with an identity (refresh) token.
const IDENTITY_TOKEN_USER: &str = "<token>";

/// Asks `docker-credential-<helper> get`.
fn from_helper(helper: &str, registry: &str) -> Option<(String, String)> {
    use std::io::Write;
    let mut child = std::process::Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(registry.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    Some((doc["Username"].as_str()?.to_string(), doc["Secret"].as_str()?.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let p = parse_challenge(r#"Bearer realm="https://auth.test/token",service="reg.test",scope="repository:a/b:pull""#);
        assert_eq!(p[0], ("realm".into(), "https://auth.test/token".into()));
        assert_eq!(p[1], ("service".into(), "reg.test".into()));
        assert_eq!(p[2].1, "repository:a/b:pull");
    }

    #[test]
    fn docker_config_auths_are_read() {
        let doc = serde_json::json!({"auths": {"https://reg.test:5000/v1/": {"auth": "dTpwdw=="}}});
        assert_eq!(credentials_in(&doc, "reg.test:5000"), Some(("u".into(), "pw".into())));
        assert_eq!(credentials_in(&doc, "other.test"), None);
        let doc = serde_json::json!({"auths": {"reg.test": {"auth": "dTpwdw==", "identitytoken": "refresh"}}});
        assert_eq!(credentials_in(&doc, "reg.test"), Some(("<token>".into(), "refresh".into())), "an identity token wins");
    }

    #[test]
    fn metadata_json_keeps_string_fields_as_text() {
        let meta = metadata_json(b"apiVersion: v2\nname: web\nversion: 1.0\ndescription: d\ntype: application\n").unwrap();
        assert_eq!(
            meta,
            serde_json::json!({"name":"web","version":"1.0","description":"d","apiVersion":"v2","type":"application"})
        );
    }
}
