//! [`ChartFetcher`]: resolve a chart reference to a version, a location and a digest, then fetch
//! its verified bytes through the content-addressed cache. Shared by every release of a run.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use super::cache::{CachedIndex, ContentCache};
use super::http::{Auth, Http, Request, TlsOptions};
use super::lazy_index::{LazyError, LazyIndex};
use super::reference::{ChartRef, OciRef, RepoConfig};
use super::{RepoError, normalize_digest, oci, redact_url, s3};

/// How a fetcher works.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub cache: ContentCache,
    /// Never touch the network: indexes and charts come from the cache (or a bundle) only.
    pub offline: bool,
    /// Repositories known by name, for `repo/name` references.
    pub repositories: Vec<RepoConfig>,
    /// Plain HTTP for every OCI registry (`--plain-http`).
    pub plain_http: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            cache: ContentCache::default_location(),
            offline: false,
            repositories: Vec::new(),
            plain_http: false,
        }
    }
}

/// Where a resolved chart lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An `http(s)://` or `s3://` chart URL.
    Url(String),
    /// An OCI manifest's chart layer.
    Oci { reference: OciRef, tag: String },
    /// A directory or archive on disk.
    Local(PathBuf),
}

/// A resolved chart: what a lock file records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub name: String,
    pub version: String,
    /// The repository as the user named it (`https://…`, `s3://…`, `oci://registry/path`), or
    /// the path of a local chart.
    pub repository: String,
    pub location: Location,
    /// SHA-256 of the archive (bare hex), when known before downloading.
    pub digest: Option<String>,
    /// Credentials and TLS of the repository, for the download.
    pub repo: Option<RepoConfig>,
    /// The chart is marked deprecated in its repository.
    pub deprecated: bool,
}

impl Resolved {
    /// The URL (without credentials) or path the chart comes from.
    pub fn url(&self) -> String {
        match &self.location {
            Location::Url(u) => redact_url(u),
            Location::Oci { reference, tag } => format!("oci://{}/{}:{tag}", reference.registry, reference.repository),
            Location::Local(p) => p.display().to_string(),
        }
    }
}

type Shared<T> = Arc<OnceLock<Result<Arc<T>, RepoError>>>;

/// Resolves and fetches charts; `Sync`, one per run.
pub struct ChartFetcher {
    pub options: FetchOptions,
    pub http: Http,
    indexes: Mutex<HashMap<String, Shared<LazyIndex>>>,
    downloads: Mutex<HashMap<String, Shared<Vec<u8>>>>,
    /// Warnings met on the way (skipped index entries, deprecated charts), in order.
    warnings: Mutex<Vec<String>>,
}

/// Runs `make` once per key however many threads ask at once; everyone gets the same result.
fn once<T>(map: &Mutex<HashMap<String, Shared<T>>>, key: &str, make: impl FnOnce() -> Result<T, RepoError>) -> Result<Arc<T>, RepoError> {
    let cell = {
        let mut m = map.lock().unwrap_or_else(|p| p.into_inner());
        m.entry(key.to_string()).or_default().clone()
    };
    cell.get_or_init(|| make().map(Arc::new)).clone()
}

impl ChartFetcher {
    pub fn new(options: FetchOptions) -> ChartFetcher {
        ChartFetcher {
            options,
            http: Http::default(),
            indexes: Mutex::new(HashMap::new()),
            downloads: Mutex::new(HashMap::new()),
            warnings: Mutex::new(Vec::new()),
        }
    }

    /// Warnings collected so far (each once).
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn warn(&self, w: String) {
        let mut ws = self.warnings.lock().unwrap_or_else(|p| p.into_inner());
        if !ws.contains(&w) {
            ws.push(w);
        }
    }

    fn repo_by_name(&self, name: &str) -> Result<RepoConfig, RepoError> {
        self.options.repositories.iter().find(|r| r.name == name).cloned().ok_or_else(|| {
            RepoError::Invalid(format!("repo {name} not found (add it to the repositories, or use --repo URL)"))
        })
    }

    /// The configuration for a repository URL: a known repository with that URL (credentials
    /// included), else an anonymous one.
    fn repo_by_url(&self, url: &str) -> RepoConfig {
        let trimmed = url.trim_end_matches('/');
        self.options
            .repositories
            .iter()
            .find(|r| r.url.trim_end_matches('/') == trimmed)
            .cloned()
            .unwrap_or_else(|| RepoConfig::new(trimmed))
    }

    /// Picks the version of `chart` that `constraint` selects (helm's rules; empty = latest
    /// stable) and says where it lives.
    pub fn resolve(&self, chart: &ChartRef, constraint: &str) -> Result<Resolved, RepoError> {
        match chart {
            ChartRef::Named { repo, name } => {
                let config = self.repo_by_name(repo)?;
                if config.url.starts_with("oci://") {
                    let r = OciRef::parse(&format!("{}/{name}", config.url.trim_end_matches('/')))?;
                    return self.resolve_oci(&r, constraint, Some(config));
                }
                self.resolve_in_repo(config, name, constraint)
            }
            ChartRef::InRepo { repo_url, name } => self.resolve_in_repo(self.repo_by_url(repo_url), name, constraint),
            ChartRef::Oci(r) => {
                let config = self.options.repositories.iter().find(|c| c.url.starts_with(&format!("oci://{}", r.registry))).cloned();
                self.resolve_oci(r, constraint, config)
            }
            ChartRef::Url(url) => {
                let file = url.rsplit('/').next().unwrap_or(url).trim_end_matches(".tgz");
                Ok(Resolved {
                    name: file.to_string(),
                    version: String::new(),
                    repository: String::new(),
                    location: Location::Url(url.clone()),
                    digest: None,
                    repo: None,
                    deprecated: false,
                })
            }
            ChartRef::Local(path) => {
                let chart = crate::chart::loader::load_path(path)
                    .map_err(|e| RepoError::Chart { what: path.display().to_string(), message: e.to_string() })?;
                Ok(Resolved {
                    name: chart.metadata.name.clone(),
                    version: chart.metadata.version.clone(),
                    repository: format!("file://{}", path.display()),
                    location: Location::Local(path.clone()),
                    digest: None,
                    repo: None,
                    deprecated: chart.metadata.deprecated,
                })
            }
        }
    }

    /// Resolves `name` in the repository `config` describes (credentials and TLS included).
    pub fn resolve_in_repo(&self, config: RepoConfig, name: &str, constraint: &str) -> Result<Resolved, RepoError> {
        let index = self.index(&config)?;
        let shown = redact_url(&config.url);
        let repo_label = if config.name.is_empty() { format!("repository {shown}") } else { format!("{} repository", config.name) };
        let cv = index.get(name, constraint, &repo_label).map_err(|e| match e {
            LazyError::Resolve(e) => RepoError::Resolve(e),
            LazyError::Index(source) => RepoError::Index { url: format!("{}/index.yaml", shown.trim_end_matches('/')), source },
        })?;
        let first = cv.urls.first().ok_or_else(|| RepoError::Invalid(format!("chart {name} {} in {shown} has no URL", cv.version)))?;
        let url = resolve_reference_url(&config.url, first)?;
        if cv.deprecated {
            self.warn(format!("WARNING: This chart is deprecated ({name} {})", cv.version));
        }
        Ok(Resolved {
            name: name.to_string(),
            version: cv.version.clone(),
            repository: config.url.trim_end_matches('/').to_string(),
            location: Location::Url(url),
            digest: normalize_digest(&cv.digest),
            repo: Some(config),
            deprecated: cv.deprecated,
        })
    }

    /// Resolves an OCI chart; `config` gives credentials and plain HTTP.
    pub fn resolve_oci(&self, r: &OciRef, constraint: &str, config: Option<RepoConfig>) -> Result<Resolved, RepoError> {
        let plain = r.plain_http(self.options.plain_http || config.as_ref().is_some_and(|c| c.plain_http));
        let constraint = if constraint.is_empty() { r.tag.as_deref().unwrap_or("") } else { constraint };
        // The last online resolution of this reference and constraint is kept beside the
        // cached indexes, so `--offline` finds the tag and digest without the registry.
        let memo_key = format!("oci-resolution:{r}?constraint={constraint}");
        let resolved = |tag: String, version: String, digest: String| Resolved {
            name: r.name().to_string(),
            version,
            repository: format!("oci://{}/{}", r.registry, r.repository.rsplit_once('/').map(|(p, _)| p).unwrap_or("")).trim_end_matches('/').to_string(),
            location: Location::Oci { reference: r.clone(), tag },
            digest: Some(digest),
            repo: config.clone(),
            deprecated: false,
        };
        if self.options.offline {
            let memo = self.options.cache.get_index(&memo_key).and_then(|c| String::from_utf8(c.data).ok());
            let fields: Option<Vec<String>> = memo.map(|m| m.lines().map(str::to_string).collect());
            if let Some([tag, version, digest]) = fields.as_deref() {
                return Ok(resolved(tag.clone(), version.clone(), digest.clone()));
            }
            // A bundle lists the tags it holds of each OCI repository.
            let listing = self.options.cache.get_index(&oci_offline_tags_key(r)).and_then(|c| String::from_utf8(c.data).ok());
            let Some(listing) = listing else { return Err(RepoError::Offline { what: r.to_string() }) };
            let mut versions: Vec<super::index::ChartVersion> = Vec::new();
            for line in listing.lines() {
                let mut f = line.split('\t');
                if let (Some(tag), Some(version), Some(digest)) = (f.next(), f.next(), f.next()) {
                    versions.push(super::index::ChartVersion {
                        version: version.to_string(),
                        urls: vec![tag.to_string()],
                        digest: digest.to_string(),
                        ..Default::default()
                    });
                }
            }
            let mut listed = super::index::IndexFile::default();
            listed.entries.insert(r.name().to_string(), versions);
            listed.sort_entries();
            let versions = &listed.entries[r.name()];
            let wanted = match &r.digest {
                Some(d) => versions.iter().find(|cv| normalize_digest(&cv.digest) == normalize_digest(d)),
                None => Some(super::index::resolve(r.name(), versions, constraint, &format!("the bundled tags of {r}"), crate::semver::Dialect::V3_2)?),
            };
            let cv = wanted.ok_or_else(|| RepoError::Offline { what: r.to_string() })?;
            return Ok(resolved(cv.urls[0].clone(), cv.version.clone(), cv.digest.clone()));
        }
        let client = oci::Registry::new(&self.http, r, plain, config.as_ref());
        let (tag, manifest) = client.resolve(constraint, r.digest.as_deref())?;
        let version = manifest.version.clone().unwrap_or_else(|| tag.replace('_', "+"));
        let memo = CachedIndex { data: format!("{tag}\n{version}\n{}\n", manifest.chart_digest).into_bytes(), etag: None, last_modified: None };
        // A memo that cannot be written only costs the registry next time.
        let _ = self.options.cache.put_index(&memo_key, &memo);
        Ok(resolved(tag, version, manifest.chart_digest))
    }

    /// The repository's index, fetched (conditionally) and read once per fetcher; a chart's
    /// entries are parsed when first asked for.
    pub fn index(&self, config: &RepoConfig) -> Result<Arc<LazyIndex>, RepoError> {
        let base = config.url.trim_end_matches('/').to_string();
        once(&self.indexes, &base, || {
            let url = format!("{base}/index.yaml");
            let shown = redact_url(&url);
            let data = self.index_bytes(config, &url)?;
            let index = LazyIndex::parse(data, &shown).map_err(|source| RepoError::Index { url: shown.clone(), source })?;
            for w in &index.warnings {
                self.warn(w.clone());
            }
            Ok(index)
        })
    }

    fn index_bytes(&self, config: &RepoConfig, url: &str) -> Result<Vec<u8>, RepoError> {
        let key = redact_url(url);
        let cached = self.options.cache.get_index(&key);
        if self.options.offline {
            return cached.map(|c| c.data).ok_or(RepoError::Offline { what: key });
        }
        if url.starts_with("s3://") {
            let data = s3::S3Client::from_env()?.get_url(&self.http, url)?;
            return Ok(data);
        }
        let mut req = Request::get(url).auth(auth_for(config));
        if let Some(c) = &cached {
            if let Some(e) = &c.etag {
                req = req.header("If-None-Match", e.clone());
            }
            if let Some(l) = &c.last_modified {
                req = req.header("If-Modified-Since", l.clone());
            }
        }
        let resp = self.http.send(&tls_of(config), &req)?;
        if resp.status == 304
            && let Some(c) = cached
        {
            return Ok(c.data);
        }
        if !resp.ok() {
            return Err(RepoError::Status { url: key, status: resp.status });
        }
        let entry = CachedIndex { etag: resp.header("etag"), last_modified: resp.header("last-modified"), data: resp.body };
        if entry.etag.is_some() || entry.last_modified.is_some() {
            // A cache that cannot be written only costs a download next time.
            let _ = self.options.cache.put_index(&key, &entry);
        }
        Ok(entry.data)
    }

    /// The verified bytes of a resolved chart (a `.tgz`), downloaded at most once per fetcher
    /// and kept in the content-addressed cache. A local chart directory is not an archive:
    /// use [`ChartFetcher::load`] for it.
    pub fn fetch(&self, resolved: &Resolved) -> Result<Arc<Vec<u8>>, RepoError> {
        let key = match &resolved.digest {
            Some(d) => format!("sha256:{d}"),
            None => resolved.url(),
        };
        once(&self.downloads, &key, || {
            if let Some(d) = &resolved.digest
                && let Some(data) = self.options.cache.get(d)
            {
                return Ok(data);
            }
            let what = resolved.url();
            // An archive URL without a known digest: the digest of its last download.
            let memo_key = format!("url-digest:{what}");
            if self.options.offline
                && resolved.digest.is_none()
                && let Some(data) = self
                    .options
                    .cache
                    .get_index(&memo_key)
                    .and_then(|m| String::from_utf8(m.data).ok())
                    .and_then(|hex| self.options.cache.get(hex.trim()))
            {
                return Ok(data);
            }
            let data = match &resolved.location {
                Location::Local(path) => std::fs::read(path).map_err(|e| RepoError::io(path, e))?,
                _ if self.options.offline => return Err(RepoError::Offline { what }),
                Location::Url(url) if url.starts_with("s3://") => s3::S3Client::from_env()?.get_url(&self.http, url)?,
                Location::Url(url) => {
                    let auth = match &resolved.repo {
                        Some(c) if c.pass_credentials || same_origin(&c.url, url) => auth_for(c),
                        _ => Auth::None,
                    };
                    let tls = resolved.repo.as_ref().map(tls_of).unwrap_or_default();
                    self.http.get_ok(&tls, &Request::get(url).auth(auth))?.body
                }
                Location::Oci { reference, .. } => {
                    let plain = reference.plain_http(self.options.plain_http || resolved.repo.as_ref().is_some_and(|c| c.plain_http));
                    let digest = resolved.digest.as_deref().unwrap_or_default();
                    oci::Registry::new(&self.http, reference, plain, resolved.repo.as_ref()).blob(digest)?
                }
            };
            // Verify before anyone uses the bytes or the cache keeps them.
            let actual = super::sha256_hex(&data);
            if let Some(expected) = &resolved.digest
                && *expected != actual
            {
                return Err(RepoError::Digest { what, expected: expected.clone(), actual });
            }
            check_archive(&data, &what)?;
            self.options.cache.put(&data, Some(&actual), &what)?;
            if resolved.digest.is_none() && matches!(resolved.location, Location::Url(_)) {
                let memo = CachedIndex { data: actual.clone().into_bytes(), etag: None, last_modified: None };
                let _ = self.options.cache.put_index(&memo_key, &memo);
            }
            Ok(data)
        })
    }

    /// A path to the chart: a local chart as it is, a fetched one as its verified file in
    /// the cache (what path-based loaders take).
    pub fn fetch_to_path(&self, resolved: &Resolved) -> Result<PathBuf, RepoError> {
        if let Location::Local(path) = &resolved.location {
            return Ok(path.clone());
        }
        let data = self.fetch(resolved)?;
        Ok(self.options.cache.blob_path(&super::sha256_hex(&data)))
    }

    /// Resolves and fetches in one step.
    pub fn pull(&self, chart: &ChartRef, constraint: &str) -> Result<(Resolved, Arc<Vec<u8>>), RepoError> {
        let resolved = self.resolve(chart, constraint)?;
        let data = self.fetch(&resolved)?;
        Ok((resolved, data))
    }

    /// Loads the chart a reference names (directories directly, archives through `fetch`).
    pub fn load(&self, chart: &ChartRef, constraint: &str) -> Result<crate::chart::model::Chart, RepoError> {
        let resolved = self.resolve(chart, constraint)?;
        if let Location::Local(path) = &resolved.location {
            return crate::chart::loader::load_path(path)
                .map_err(|e| RepoError::Chart { what: path.display().to_string(), message: e.to_string() });
        }
        let data = self.fetch(&resolved)?;
        crate::chart::loader::load_archive(&data).map_err(|e| RepoError::Chart { what: resolved.url(), message: e.to_string() })
    }
}

/// The cache key of a bundle's listing of the tags it holds of an OCI chart repository.
pub(crate) fn oci_offline_tags_key(r: &OciRef) -> String {
    format!("oci-offline-tags:oci://{}/{}", r.registry, r.repository)
}

/// A downloaded archive must unpack as a chart: corrupt gzip, links and paths escaping the
/// chart are refused by the chart loader's rules.
fn check_archive(data: &[u8], what: &str) -> Result<(), RepoError> {
    crate::chart::loader::archive_files(data)
        .map(|_| ())
        .map_err(|e| RepoError::Chart { what: what.into(), message: e.to_string() })
}

pub(crate) fn auth_for(config: &RepoConfig) -> Auth {
    if let Some(t) = &config.token {
        return Auth::Bearer(t.clone());
    }
    match (&config.username, &config.password) {
        (Some(u), p) => Auth::Basic(u.clone(), p.clone().unwrap_or_default()),
        _ => Auth::None,
    }
}

pub(crate) fn tls_of(config: &RepoConfig) -> TlsOptions {
    TlsOptions {
        ca_file: config.ca_file.clone(),
        cert_file: config.cert_file.clone(),
        key_file: config.key_file.clone(),
        insecure_skip_verify: config.insecure_skip_tls_verify,
    }
}

/// helm sends a repository's credentials to a chart URL only on the same scheme and host:port.
fn same_origin(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default(),
        _ => false,
    }
}

/// An index's chart URL made absolute against the repository URL (helm's
/// `ResolveReferenceURL`: the repository URL is a directory; its query is kept).
pub fn resolve_reference_url(repo_url: &str, chart_url: &str) -> Result<String, RepoError> {
    if chart_url.contains("://") {
        return Ok(chart_url.to_string());
    }
    if let Some(rest) = repo_url.strip_prefix("s3://") {
        return Ok(format!("s3://{}/{}", rest.trim_end_matches('/'), chart_url.trim_start_matches("./")));
    }
    let mut base = url::Url::parse(repo_url).map_err(|e| RepoError::Invalid(format!("{}: {e}", redact_url(repo_url))))?;
    let query = base.query().map(str::to_string);
    base.set_query(None);
    if !base.path().ends_with('/') {
        let p = format!("{}/", base.path());
        base.set_path(&p);
    }
    let mut joined = base.join(chart_url).map_err(|e| RepoError::Invalid(format!("{chart_url}: {e}")))?;
    if joined.query().is_none() && query.is_some() {
        joined.set_query(query.as_deref());
    }
    Ok(joined.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_urls_resolve_against_the_repository_like_helm() {
        let r = |b: &str, c: &str| resolve_reference_url(b, c).unwrap();
        assert_eq!(r("http://h/charts", "web-1.0.0.tgz"), "http://h/charts/web-1.0.0.tgz");
        assert_eq!(r("http://h/charts/", "sub/web-1.0.0.tgz"), "http://h/charts/sub/web-1.0.0.tgz");
        assert_eq!(r("http://h/charts", "/abs/web.tgz"), "http://h/abs/web.tgz");
        assert_eq!(r("http://h/charts?token=x", "web.tgz"), "http://h/charts/web.tgz?token=x");
        assert_eq!(r("http://h/charts", "https://cdn/web.tgz"), "https://cdn/web.tgz");
        assert_eq!(r("s3://b/p", "web-1.0.0.tgz"), "s3://b/p/web-1.0.0.tgz");
    }

    #[test]
    fn credentials_follow_helms_same_origin_rule() {
        assert!(same_origin("https://h:443/a", "https://h/b"));
        assert!(!same_origin("https://h/a", "http://h/b"));
        assert!(!same_origin("https://h/a", "https://cdn/b"));
    }

    #[test]
    fn fetcher_is_shareable_between_threads() {
        fn sync<T: Sync + Send>() {}
        sync::<ChartFetcher>();
    }
}
