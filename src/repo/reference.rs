//! What a user writes to name a chart, and how a repository is reached.

use std::path::PathBuf;

use super::RepoError;

/// A chart reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ChartRef {
    /// `repo/name`: a chart in a repository known by name (helm's repositories file, a spec's
    /// `repositories:`).
    Named { repo: String, name: String },
    /// A chart in a repository given by URL (`--repo URL name`, a Chart.yaml `repository:`);
    /// the URL is `http(s)://` or `s3://`.
    InRepo { repo_url: String, name: String },
    /// A chart archive's own URL (`https://…/web-1.0.0.tgz`, `s3://bucket/web-1.0.0.tgz`).
    Url(String),
    /// `oci://registry/path/name`, optionally with `:tag` or `@sha256:…`.
    Oci(OciRef),
    /// A chart directory or `.tgz` on disk (`./chart`, `/abs/chart.tgz`, `file://chart`).
    Local(PathBuf),
}

/// An OCI chart location.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OciRef {
    /// `host[:port]`.
    pub registry: String,
    /// The repository path inside the registry (`charts/web`).
    pub repository: String,
    /// A tag written in the reference (`:1.0.0`).
    pub tag: Option<String>,
    /// A digest written in the reference (`@sha256:…`).
    pub digest: Option<String>,
}

impl OciRef {
    /// Parses `oci://host/path[:tag][@sha256:…]`.
    pub fn parse(s: &str) -> Result<OciRef, RepoError> {
        let rest = s
            .strip_prefix("oci://")
            .ok_or_else(|| RepoError::Invalid(format!("{s}: an OCI reference starts with oci://")))?;
        let (rest, digest) = match rest.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (rest, None),
        };
        let (registry, path) = rest
            .split_once('/')
            .filter(|(h, p)| !h.is_empty() && !p.is_empty())
            .ok_or_else(|| RepoError::Invalid(format!("{s}: expected oci://registry/path/chart")))?;
        let last = path.rsplit('/').next().unwrap_or(path);
        let (repository, tag) = match last.rsplit_once(':') {
            Some((_, t)) => (path[..path.len() - t.len() - 1].to_string(), Some(t.to_string())),
            None => (path.to_string(), None),
        };
        if let Some(d) = &digest
            && super::normalize_digest(d).is_none()
        {
            return Err(RepoError::Invalid(format!("{s}: the digest must be sha256:<64 hex digits>")));
        }
        Ok(OciRef { registry: registry.to_string(), repository, tag, digest })
    }

    /// The chart's name: the last path segment.
    pub fn name(&self) -> &str {
        self.repository.rsplit('/').next().unwrap_or(&self.repository)
    }

    /// Whether to speak plain HTTP: asked for, or the registry is on this machine (as helm does
    /// for localhost).
    pub fn plain_http(&self, asked: bool) -> bool {
        let host = self.registry.rsplit_once(':').map(|(h, _)| h).unwrap_or(&self.registry);
        asked || host == "localhost" || host == "127.0.0.1" || host == "[::1]"
    }
}

impl std::fmt::Display for OciRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "oci://{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl ChartRef {
    /// Reads a reference as `helm pull`/`helm template` do: `oci://…`, a URL, a path that
    /// exists (or starts with `.`/`/`), `file://path`, else `repo/name`. With `repo_url`
    /// (`--repo`), a bare name is a chart in that repository.
    pub fn parse(s: &str, repo_url: Option<&str>) -> Result<ChartRef, RepoError> {
        if s.starts_with("oci://") {
            return Ok(ChartRef::Oci(OciRef::parse(s)?));
        }
        if let Some(path) = s.strip_prefix("file://") {
            return Ok(ChartRef::Local(PathBuf::from(path)));
        }
        if let Some(url) = repo_url.filter(|u| !u.is_empty()) {
            if url.starts_with("oci://") {
                return Ok(ChartRef::Oci(OciRef::parse(&format!("{}/{s}", url.trim_end_matches('/')))?));
            }
            return Ok(ChartRef::InRepo { repo_url: url.trim_end_matches('/').to_string(), name: s.to_string() });
        }
        if ["http://", "https://", "s3://"].iter().any(|p| s.starts_with(p)) {
            return Ok(ChartRef::Url(s.to_string()));
        }
        let path = PathBuf::from(s);
        if path.exists() || s.starts_with('.') || s.starts_with('/') || s.ends_with(".tgz") {
            return Ok(ChartRef::Local(path));
        }
        match s.split_once('/') {
            Some((repo, name)) if !repo.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok(ChartRef::Named { repo: repo.to_string(), name: name.to_string() })
            }
            _ => Err(RepoError::Invalid(format!(
                "{s}: not a chart directory, archive, repo/name, URL or oci:// reference"
            ))),
        }
    }

    /// The chart's name where the reference says it.
    pub fn chart_name(&self) -> Option<&str> {
        match self {
            ChartRef::Named { name, .. } | ChartRef::InRepo { name, .. } => Some(name),
            ChartRef::Oci(o) => Some(o.name()),
            ChartRef::Url(_) | ChartRef::Local(_) => None,
        }
    }
}

/// How to reach one repository: helm's repositories.yaml entry / helmfile's `repositories:`.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct RepoConfig {
    pub name: String,
    /// `http(s)://…`, `s3://bucket/prefix` or `oci://registry/path`.
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Sent as `Authorization: Bearer …` (HTTP repositories and OCI registries).
    pub token: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub insecure_skip_tls_verify: bool,
    /// Send the credentials to chart URLs on other hosts too (helm's `--pass-credentials`).
    pub pass_credentials: bool,
    /// Plain HTTP for an OCI registry.
    pub plain_http: bool,
}

// Credentials never reach a Debug print.
impl std::fmt::Debug for RepoConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepoConfig")
            .field("name", &self.name)
            .field("url", &super::redact_url(&self.url))
            .field("username", &self.username.as_ref().map(|_| "…"))
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("token", &self.token.as_ref().map(|_| "…"))
            .field("ca_file", &self.ca_file)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("pass_credentials", &self.pass_credentials)
            .finish_non_exhaustive()
    }
}

impl RepoConfig {
    pub fn new(url: impl Into<String>) -> RepoConfig {
        RepoConfig { url: url.into(), ..RepoConfig::default() }
    }
}

/// Reads helm's repositories file (`$HELM_REPOSITORY_CONFIG`, else
/// `$HELM_CONFIG_HOME/repositories.yaml`, else `$XDG_CONFIG_HOME/helm/repositories.yaml`); an absent file gives no repositories.
pub fn helm_repositories() -> Result<Vec<RepoConfig>, RepoError> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let path = match (var("HELM_REPOSITORY_CONFIG"), var("HELM_CONFIG_HOME")) {
        (Some(p), _) => p,
        (None, Some(home)) => home.join("repositories.yaml"),
        (None, None) => config_home().join("helm/repositories.yaml"),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => return Ok(Vec::new()),
        Err(e) => return Err(RepoError::io(&path, e)),
    };
    parse_repositories(&text, &path.display().to_string())
}

/// Parses a helm repositories file (`repositories:` list of `name`, `url`, `username`, …).
pub fn parse_repositories(text: &str, source: &str) -> Result<Vec<RepoConfig>, RepoError> {
    use crate::value::Value;
    let doc = crate::yaml::parse_values(text).map_err(|e| RepoError::Invalid(format!("{source}: {e}")))?;
    let mut out = Vec::new();
    let Value::Map(root) = doc else { return Ok(out) };
    let Some(Value::List(list)) = root.get("repositories") else { return Ok(out) };
    for item in &list.items {
        let Value::Map(m) = item else { continue };
        let s = |k: &str| m.get(k).filter(|v| !v.is_nil()).map(|v| crate::value::sprint(std::slice::from_ref(&v))).filter(|v| !v.is_empty());
        let b = |k: &str| m.get(k).is_some_and(|v| v.is_truthy());
        out.push(RepoConfig {
            name: s("name").unwrap_or_default(),
            url: s("url").unwrap_or_default(),
            username: s("username"),
            password: s("password"),
            token: None,
            ca_file: s("caFile").map(PathBuf::from),
            cert_file: s("certFile").map(PathBuf::from),
            key_file: s("keyFile").map(PathBuf::from),
            insecure_skip_tls_verify: b("insecure_skip_tls_verify"),
            pass_credentials: b("pass_credentials_all"),
            plain_http: false,
        });
    }
    Ok(out)
}

pub(crate) fn config_home() -> PathBuf {
    match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => home().join(".config"),
    }
}

pub(crate) fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_reference() {
        assert_eq!(
            ChartRef::parse("stable/web", None).unwrap(),
            ChartRef::Named { repo: "stable".into(), name: "web".into() }
        );
        assert_eq!(
            ChartRef::parse("web", Some("https://h/charts/")).unwrap(),
            ChartRef::InRepo { repo_url: "https://h/charts".into(), name: "web".into() }
        );
        assert_eq!(ChartRef::parse("file://../x", None).unwrap(), ChartRef::Local("../x".into()));
        assert_eq!(ChartRef::parse("./x", None).unwrap(), ChartRef::Local("./x".into()));
        assert!(matches!(ChartRef::parse("https://h/web-1.0.0.tgz", None).unwrap(), ChartRef::Url(_)));
        let ChartRef::Oci(o) = ChartRef::parse("oci://localhost:5000/a/web:1.0.0", None).unwrap() else { panic!() };
        assert_eq!((o.registry.as_str(), o.repository.as_str(), o.tag.as_deref()), ("localhost:5000", "a/web", Some("1.0.0")));
        assert!(o.plain_http(false));
        let d = format!("sha256:{}", "0".repeat(64));
        let ChartRef::Oci(o) = ChartRef::parse(&format!("oci://reg.test/web@{d}"), None).unwrap() else { panic!() };
        assert_eq!((o.name(), o.digest.as_deref(), o.plain_http(false)), ("web", Some(d.as_str()), false));
        assert!(ChartRef::parse("oci://reg.test/web@sha256:zz", None).is_err());
        assert!(ChartRef::parse("a/b/c", None).is_err());
    }

    #[test]
    fn debug_hides_credentials() {
        let mut c = RepoConfig::new("https://user:pw@h/charts");
        c.password = Some("hunter2".into());
        let text = format!("{c:?}");
        assert!(!text.contains("hunter2") && !text.contains("pw@"), "{text}");
    }
}
