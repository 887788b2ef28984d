//! Air-gap bundles: one directory that holds every chart a run needs, so rendering works with
//! every repository unreachable.
//!
//! Layout (the cache's own, so a bundle is also a valid read-only cache):
//!
//! ```text
//! DIR/bundle.lock                   lock file (helmfile.lock layout) of every chart in the bundle
//! DIR/charts/sha256/<hex>.tgz       the archives, by SHA-256
//! DIR/index/<key>.yaml              per repository, an index.yaml of the bundled versions (and,
//!                                   for OCI repositories, their tags), as the cache keeps them
//! DIR/repositories.yaml             repository names → URLs (helm's format, no credentials)
//! ```
//!
//! [`Bundle::resolve`] resolves a spec's references through the lock (the newest locked version
//! satisfying the constraint). [`Bundle::fetcher`] gives an offline [`ChartFetcher`] that reads
//! the bundle as its cache: `repo/name`, repository-URL and OCI references (a chart's own
//! dependencies included) resolve through the bundled indexes, archives are verified.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use super::cache::{CachedIndex, ContentCache};
use super::fetcher::{ChartFetcher, FetchOptions, Location, Resolved, oci_offline_tags_key};
use super::index::{ChartVersion, IndexFile};
use super::lock::{LockEntry, LockFile};
use super::reference::{ChartRef, RepoConfig};
use super::{RepoError, redact_url};

pub const LOCK_FILE: &str = "bundle.lock";
pub const REPOSITORIES_FILE: &str = "repositories.yaml";

pub struct Bundle {
    pub dir: PathBuf,
    pub lock: LockFile,
    /// Named repositories of the charts in the bundle (URLs only).
    pub repositories: Vec<RepoConfig>,
}

impl Bundle {
    /// Fetches every resolved chart (through `fetcher`, so once each) into `dir` and writes
    /// its lock. Local charts are not archived: they travel with the spec.
    pub fn write(dir: &Path, fetcher: &ChartFetcher, charts: &[Resolved]) -> Result<Bundle, RepoError> {
        let store = ContentCache::at(dir);
        let mut entries = Vec::new();
        for r in charts {
            if matches!(r.location, Location::Local(_)) {
                continue;
            }
            let data = fetcher.fetch(r)?;
            let hex = store.put(&data, r.digest.as_deref(), &r.url())?;
            let mut entry = LockEntry::from_resolved(r);
            entry.digest = Some(format!("sha256:{hex}"));
            entries.push(entry);
        }
        let lock = LockFile::new(entries);
        lock.write(&dir.join(LOCK_FILE))?;
        write_offline_indexes(&store, charts)?;
        let repositories = named_repositories(charts);
        super::cache::atomic_write(&dir.join(REPOSITORIES_FILE), repositories_yaml(&repositories).as_bytes())?;
        Ok(Bundle { dir: dir.to_path_buf(), lock, repositories })
    }

    pub fn open(dir: &Path) -> Result<Bundle, RepoError> {
        let lock = LockFile::read(&dir.join(LOCK_FILE))?;
        let path = dir.join(REPOSITORIES_FILE);
        let repositories = match std::fs::read_to_string(&path) {
            Ok(text) => super::reference::parse_repositories(&text, &path.display().to_string())?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(RepoError::io(&path, e)),
        };
        Ok(Bundle { dir: dir.to_path_buf(), lock, repositories })
    }

    /// An offline fetcher reading this bundle; `repositories` (credentials do not matter
    /// offline) add to the bundle's named repositories.
    pub fn fetcher_with(&self, repositories: &[RepoConfig]) -> ChartFetcher {
        let mut known = self.repositories.clone();
        for r in repositories {
            if !known.iter().any(|k| k.name == r.name) {
                known.push(r.clone());
            }
        }
        ChartFetcher::new(FetchOptions { cache: ContentCache::at(&self.dir), offline: true, repositories: known, ..FetchOptions::default() })
    }

    /// An offline fetcher reading this bundle.
    pub fn fetcher(&self) -> ChartFetcher {
        self.fetcher_with(&[])
    }

    /// Resolves a reference from the lock alone: the newest locked version of the chart in
    /// that repository that satisfies `constraint`.
    pub fn resolve(&self, chart: &ChartRef, repository_url: Option<&str>, constraint: &str) -> Result<Resolved, RepoError> {
        let (repository, name) = match chart {
            ChartRef::InRepo { repo_url, name } => (repo_url.clone(), name.clone()),
            ChartRef::Named { name, .. } => match repository_url {
                Some(u) => (u.to_string(), name.clone()),
                None => return Err(RepoError::Invalid(format!("{name}: the bundle needs the repository URL of a named repo"))),
            },
            ChartRef::Oci(r) => {
                let parent = r.repository.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
                (format!("oci://{}/{parent}", r.registry).trim_end_matches('/').to_string(), r.name().to_string())
            }
            ChartRef::Url(u) => {
                let entry = self.lock.dependencies.iter().find(|d| d.url.as_deref() == Some(u.as_str()));
                return entry.map(|e| self.located(e)).ok_or_else(|| RepoError::Offline { what: u.clone() })?;
            }
            ChartRef::Local(_) => return self.fetcher().resolve(chart, constraint),
        };
        let repo = repository.trim_end_matches('/');
        let versions: Vec<super::index::ChartVersion> = self
            .lock
            .dependencies
            .iter()
            .filter(|d| d.name == name && d.repository.trim_end_matches('/') == repo)
            .map(|d| super::index::ChartVersion { name: d.name.clone(), version: d.version.clone(), ..Default::default() })
            .collect();
        let mut index = super::index::IndexFile { api_version: "v1".into(), ..Default::default() };
        index.entries.insert(name.clone(), versions);
        index.sort_entries();
        let chosen = index.get(&name, constraint, &format!("bundle {} ({repo})", self.dir.display()))?;
        let entry = self
            .lock
            .dependencies
            .iter()
            .find(|d| d.name == name && d.version == chosen.version && d.repository.trim_end_matches('/') == repo);
        entry.map(|e| self.located(e)).ok_or_else(|| RepoError::Offline { what: format!("{repo}/{name}") })?
    }

    fn located(&self, e: &LockEntry) -> Result<Resolved, RepoError> {
        e.to_resolved()
    }
}

/// Per repository of the bundled charts, what an offline fetcher resolves through: an
/// index.yaml listing the bundled versions (URL and digest) for HTTP(S)/S3 repositories, and
/// the bundled tags for OCI repositories, under the keys the cache uses.
fn write_offline_indexes(store: &ContentCache, charts: &[Resolved]) -> Result<(), RepoError> {
    let mut indexes: BTreeMap<String, IndexFile> = BTreeMap::new();
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in charts {
        let Some(digest) = &r.digest else { continue };
        match &r.location {
            Location::Url(url) if !r.repository.is_empty() => {
                let index = indexes
                    .entry(r.repository.trim_end_matches('/').to_string())
                    .or_insert_with(|| IndexFile { api_version: "v1".into(), generated: super::publish::now_rfc3339(), ..IndexFile::default() });
                let cv = ChartVersion {
                    name: r.name.clone(),
                    version: r.version.clone(),
                    api_version: "v2".into(),
                    urls: vec![url.clone()],
                    digest: digest.clone(),
                    deprecated: r.deprecated,
                    ..ChartVersion::default()
                };
                if !index.has(&cv.name, &cv.version) {
                    index.entries.entry(cv.name.clone()).or_default().push(cv);
                }
            }
            Location::Oci { reference, tag } => {
                let lines = tags.entry(oci_offline_tags_key(reference)).or_default();
                let line = format!("{tag}\t{}\t{digest}", r.version);
                if !lines.contains(&line) {
                    lines.push(line);
                }
            }
            _ => {}
        }
    }
    for (repository, mut index) in indexes {
        index.sort_entries();
        let entry = CachedIndex { data: index.to_yaml().into_bytes(), etag: None, last_modified: None };
        store.put_index(&redact_url(&format!("{repository}/index.yaml")), &entry)?;
    }
    for (key, lines) in tags {
        let entry = CachedIndex { data: format!("{}\n", lines.join("\n")).into_bytes(), etag: None, last_modified: None };
        store.put_index(&key, &entry)?;
    }
    Ok(())
}

/// Names and URLs (never credentials) of the named repositories the charts come from.
fn named_repositories(charts: &[Resolved]) -> Vec<RepoConfig> {
    let mut out: Vec<RepoConfig> = Vec::new();
    for r in charts {
        let Some(c) = &r.repo else { continue };
        if c.name.is_empty() || out.iter().any(|o| o.name == c.name) {
            continue;
        }
        let mut named = RepoConfig::new(redact_url(c.url.trim_end_matches('/')));
        named.name = c.name.clone();
        named.plain_http = c.plain_http;
        out.push(named);
    }
    out
}

fn repositories_yaml(repos: &[RepoConfig]) -> String {
    let q = |s: &str| crate::yaml::to_yaml(&crate::value::Value::str(s)).trim_end_matches('\n').to_string();
    let mut out = String::from("apiVersion: v1\nrepositories:\n");
    if repos.is_empty() {
        out = String::from("apiVersion: v1\nrepositories: []\n");
    }
    for r in repos {
        out.push_str(&format!("- name: {}\n  url: {}\n", q(&r.name), q(&r.url)));
    }
    out
}
