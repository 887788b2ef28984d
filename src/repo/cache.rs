//! The content-addressed chart cache: `$XDG_CACHE_HOME/deployer/charts/sha256/<hex>.tgz`, plus
//! cached repository indexes with their validators for conditional GETs.
//!
//! A blob is written to a temporary file in the same directory, checked against its digest and
//! renamed into place under an exclusive file lock, so concurrent runs never see half a file and
//! a failed download leaves nothing. Reading a blob recomputes its digest; a damaged file is
//! removed and reported as absent, never used.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{RepoError, sha256_hex};

#[derive(Debug, Clone)]
pub struct ContentCache {
    root: PathBuf,
}

/// A cached index and the validators the server sent with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CachedIndex {
    pub data: Vec<u8>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl ContentCache {
    /// The cache under `$XDG_CACHE_HOME/deployer` (else `~/.cache/deployer`).
    pub fn default_location() -> ContentCache {
        let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
            Some(p) => PathBuf::from(p),
            None => super::reference::home().join(".cache"),
        };
        ContentCache::at(base.join("deployer"))
    }

    pub fn at(root: impl Into<PathBuf>) -> ContentCache {
        ContentCache { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this SHA-256 lives (whether or not it is there).
    pub fn blob_path(&self, hex: &str) -> PathBuf {
        self.root.join("charts/sha256").join(format!("{hex}.tgz"))
    }

    /// The verified bytes of the blob with this SHA-256, if cached.
    pub fn get(&self, hex: &str) -> Option<Vec<u8>> {
        let path = self.blob_path(hex);
        let data = fs::read(&path).ok()?;
        if sha256_hex(&data) == hex {
            Some(data)
        } else {
            // Damaged on disk: never used; the caller downloads it again.
            let _ = fs::remove_file(&path);
            None
        }
    }

    /// Stores `data`, which must hash to `expected` when given; returns its hex digest.
    pub fn put(&self, data: &[u8], expected: Option<&str>, what: &str) -> Result<String, RepoError> {
        let actual = sha256_hex(data);
        if let Some(expected) = expected
            && expected != actual
        {
            return Err(RepoError::Digest { what: what.into(), expected: expected.into(), actual });
        }
        let path = self.blob_path(&actual);
        if path.exists() {
            return Ok(actual);
        }
        self.locked_write(&path, data)?;
        Ok(actual)
    }

    fn index_paths(&self, url: &str) -> (PathBuf, PathBuf) {
        let key = sha256_hex(url.as_bytes());
        let dir = self.root.join("index");
        (dir.join(format!("{key}.yaml")), dir.join(format!("{key}.validators")))
    }

    /// The cached copy of the index at `url` (the key is the URL without credentials).
    pub fn get_index(&self, url: &str) -> Option<CachedIndex> {
        let (data_path, meta_path) = self.index_paths(url);
        let data = fs::read(data_path).ok()?;
        let meta = fs::read_to_string(meta_path).unwrap_or_default();
        let field = |k: &str| meta.lines().find_map(|l| l.strip_prefix(k)).map(str::to_string);
        Some(CachedIndex { data, etag: field("etag: "), last_modified: field("last-modified: ") })
    }

    pub fn put_index(&self, url: &str, index: &CachedIndex) -> Result<(), RepoError> {
        let (data_path, meta_path) = self.index_paths(url);
        let mut meta = format!("url: {url}\n");
        if let Some(e) = &index.etag {
            meta.push_str(&format!("etag: {e}\n"));
        }
        if let Some(l) = &index.last_modified {
            meta.push_str(&format!("last-modified: {l}\n"));
        }
        // Validators first: a crash between the two leaves old data with new validators, which
        // at worst costs one full download (the server answers 200 for a changed index).
        self.locked_write(&meta_path, meta.as_bytes())?;
        self.locked_write(&data_path, &index.data)
    }
}

/// Writes `data` to `path` through a temporary file in the same directory and a rename: readers
/// see the old file or the whole new one, and a failure leaves nothing.
pub fn atomic_write(path: &Path, data: &[u8]) -> Result<(), RepoError> {
    write_renamed(path, data, None)
}

impl ContentCache {
    /// `atomic_write` under the cache's exclusive lock (`<root>/.lock`), so concurrent runs
    /// serialise their renames.
    fn locked_write(&self, path: &Path, data: &[u8]) -> Result<(), RepoError> {
        write_renamed(path, data, Some(&self.root.join(".lock")))
    }
}

fn write_renamed(path: &Path, data: &[u8], lock_path: Option<&Path>) -> Result<(), RepoError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| RepoError::io(dir, e))?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}-{}",
        std::process::id(),
        path.file_name().and_then(|n| n.to_str()).unwrap_or("blob"),
        unique()
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        let Some(lock_path) = lock_path else { return fs::rename(&tmp, path) };
        let lock = fs::OpenOptions::new().create(true).truncate(false).write(true).open(lock_path)?;
        lock.lock()?;
        let renamed = fs::rename(&tmp, path);
        let _ = lock.unlock();
        renamed
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(RepoError::io(path, e));
    }
    Ok(())
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    (u64::from(nanos) << 20) ^ NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_cache(name: &str) -> ContentCache {
        let dir = std::env::temp_dir().join(format!("deployer-cache-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        ContentCache::at(dir)
    }

    #[test]
    fn stores_verified_blobs_and_refuses_mismatches() {
        let cache = temp_cache("blobs");
        let hex = cache.put(b"chart", None, "x").expect("stored");
        assert_eq!(cache.get(&hex).as_deref(), Some(&b"chart"[..]));
        let err = cache.put(b"other", Some(&hex), "web-1.0.0.tgz").unwrap_err();
        assert!(err.to_string().starts_with("web-1.0.0.tgz: digest mismatch"), "{err}");
        // a damaged blob is dropped, not used
        fs::write(cache.blob_path(&hex), b"tampered").unwrap();
        assert_eq!(cache.get(&hex), None);
        assert!(!cache.blob_path(&hex).exists());
        // no temporary files are left behind
        let dir = cache.root().join("charts/sha256");
        assert!(fs::read_dir(dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().starts_with(".tmp")));
        let _ = fs::remove_dir_all(cache.root());
    }

    #[test]
    fn indexes_keep_their_validators() {
        let cache = temp_cache("index");
        let idx = CachedIndex { data: b"apiVersion: v1".to_vec(), etag: Some("\"e1\"".into()), last_modified: None };
        cache.put_index("http://h/index.yaml", &idx).unwrap();
        assert_eq!(cache.get_index("http://h/index.yaml"), Some(idx));
        assert_eq!(cache.get_index("http://other/index.yaml"), None);
        let _ = fs::remove_dir_all(cache.root());
    }
}
