//! Air-gap bundles: one directory that holds every chart a run needs, so rendering works with
//! every repository unreachable.
//!
//! Layout (the cache's own, so a bundle is also a valid read-only cache):
//!
//! ```text
//! DIR/bundle.lock                   lock file (helmfile.lock layout) of every chart in the bundle
//! DIR/charts/sha256/<hex>.tgz       the archives, by SHA-256
//! ```
//!
//! [`Bundle::fetcher`] gives an offline [`ChartFetcher`] that resolves references through the
//! lock (the newest locked version satisfying the constraint) and reads verified archives.

use std::path::{Path, PathBuf};

use super::cache::ContentCache;
use super::fetcher::{ChartFetcher, FetchOptions, Location, Resolved};
use super::lock::{LockEntry, LockFile};
use super::reference::ChartRef;
use super::RepoError;

pub const LOCK_FILE: &str = "bundle.lock";

pub struct Bundle {
    pub dir: PathBuf,
    pub lock: LockFile,
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
        Ok(Bundle { dir: dir.to_path_buf(), lock })
    }

    pub fn open(dir: &Path) -> Result<Bundle, RepoError> {
        let lock = LockFile::read(&dir.join(LOCK_FILE))?;
        Ok(Bundle { dir: dir.to_path_buf(), lock })
    }

    /// An offline fetcher reading this bundle.
    pub fn fetcher(&self) -> ChartFetcher {
        ChartFetcher::new(FetchOptions { cache: ContentCache::at(&self.dir), offline: true, ..FetchOptions::default() })
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
