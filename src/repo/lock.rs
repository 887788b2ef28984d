//! Lock files in helmfile's `helmfile.lock` layout (which is helm's `Chart.lock` plus a
//! `version`): `version`, `dependencies` (`name`, `repository`, `version`), `digest`,
//! `generated`. Each dependency also records the archive's `digest` and `url`; helm and
//! helmfile ignore fields they do not know, so they still read the file.

use std::collections::BTreeMap;

use super::fetcher::{Location, Resolved};
use super::{RepoError, sha256_hex};
use crate::value::{Map, Value};

/// One locked chart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockEntry {
    pub name: String,
    /// As the spec names it: `https://…`, `s3://…`, `oci://registry/path`.
    pub repository: String,
    pub version: String,
    /// `sha256:<hex>` of the chart archive.
    pub digest: Option<String>,
    /// Where the archive was downloaded from (no credentials).
    pub url: Option<String>,
}

/// A lock file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LockFile {
    /// The writer's version (`helmfile` writes its own).
    pub version: String,
    pub dependencies: Vec<LockEntry>,
    /// `sha256:` of the locked entries, so a changed set is noticed.
    pub digest: String,
    pub generated: String,
}

impl LockEntry {
    pub fn from_resolved(r: &Resolved) -> LockEntry {
        LockEntry {
            name: r.name.clone(),
            repository: r.repository.clone(),
            version: r.version.clone(),
            digest: r.digest.as_ref().map(|d| format!("sha256:{d}")),
            url: match &r.location {
                Location::Local(_) => None,
                _ => Some(r.url()),
            },
        }
    }
}

impl LockFile {
    /// A lock of these charts, sorted by repository and name, with its digest.
    pub fn new(mut dependencies: Vec<LockEntry>) -> LockFile {
        dependencies.sort_by(|a, b| (&a.repository, &a.name, &a.version).cmp(&(&b.repository, &b.name, &b.version)));
        dependencies.dedup();
        let canonical: String = dependencies
            .iter()
            .map(|d| format!("{}\n{}\n{}\n{}\n", d.name, d.repository, d.version, d.digest.as_deref().unwrap_or("")))
            .collect();
        LockFile {
            version: format!("deployer-{}", env!("CARGO_PKG_VERSION")),
            digest: format!("sha256:{}", sha256_hex(canonical.as_bytes())),
            generated: jiff::Timestamp::now().to_string(),
            dependencies,
        }
    }

    /// The entry for `name` in `repository` (trailing slashes ignored).
    pub fn find(&self, repository: &str, name: &str) -> Option<&LockEntry> {
        let repo = repository.trim_end_matches('/');
        self.dependencies.iter().find(|d| d.name == name && d.repository.trim_end_matches('/') == repo)
    }

    pub fn parse(text: &str, source: &str) -> Result<LockFile, RepoError> {
        let doc = crate::yaml::parse_values(text).map_err(|e| RepoError::Invalid(format!("{source}: {e}")))?;
        let Value::Map(root) = doc else {
            return Err(RepoError::Invalid(format!("{source}: a lock file is a mapping")));
        };
        let s = |m: &Map, k: &str| match m.get(k) {
            Some(Value::String(s)) => s.to_string(),
            Some(Value::Nil) | None => String::new(),
            Some(v) => crate::value::sprint(std::slice::from_ref(&v)),
        };
        let mut lock = LockFile { version: s(&root, "version"), digest: s(&root, "digest"), generated: s(&root, "generated"), ..LockFile::default() };
        if let Some(Value::List(list)) = root.get("dependencies") {
            for item in &list.items {
                let Value::Map(m) = item else {
                    return Err(RepoError::Invalid(format!("{source}: a dependency is not a mapping")));
                };
                let opt = |k: &str| Some(s(m, k)).filter(|v| !v.is_empty());
                lock.dependencies.push(LockEntry {
                    name: s(m, "name"),
                    repository: s(m, "repository"),
                    version: s(m, "version"),
                    digest: opt("digest"),
                    url: opt("url"),
                });
            }
        }
        Ok(lock)
    }

    pub fn to_yaml(&self) -> String {
        let str_value = |s: &str| Value::str(s);
        let deps: Vec<Value> = self
            .dependencies
            .iter()
            .map(|d| {
                let mut m = BTreeMap::new();
                m.insert("name".to_string(), str_value(&d.name));
                m.insert("repository".to_string(), str_value(&d.repository));
                m.insert("version".to_string(), str_value(&d.version));
                if let Some(x) = &d.digest {
                    m.insert("digest".to_string(), str_value(x));
                }
                if let Some(x) = &d.url {
                    m.insert("url".to_string(), str_value(x));
                }
                Value::Map(Map::from_entries(m))
            })
            .collect();
        let mut root = BTreeMap::new();
        root.insert("version".to_string(), str_value(&self.version));
        root.insert("dependencies".to_string(), Value::list(deps));
        root.insert("digest".to_string(), str_value(&self.digest));
        root.insert("generated".to_string(), str_value(&self.generated));
        crate::yaml::to_yaml(&Value::Map(Map::from_entries(root)))
    }

    pub fn read(path: &std::path::Path) -> Result<LockFile, RepoError> {
        let text = std::fs::read_to_string(path).map_err(|e| RepoError::io(path, e))?;
        LockFile::parse(&text, &path.display().to_string())
    }

    pub fn write(&self, path: &std::path::Path) -> Result<(), RepoError> {
        super::cache::atomic_write(path, self.to_yaml().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_finds_entries() {
        let lock = LockFile::new(vec![
            LockEntry { name: "web".into(), repository: "https://h/charts".into(), version: "1.0.0".into(), digest: Some(format!("sha256:{}", "a".repeat(64))), url: Some("https://h/charts/web-1.0.0.tgz".into()) },
            LockEntry { name: "api".into(), repository: "oci://reg/charts".into(), version: "0.1.0".into(), digest: None, url: None },
        ]);
        let text = lock.to_yaml();
        assert!(text.starts_with("dependencies:\n- digest: sha256:aaaa"), "{text}");
        let back = LockFile::parse(&text, "lock").unwrap();
        assert_eq!(back, lock);
        assert_eq!(back.find("https://h/charts/", "web").map(|e| e.version.as_str()), Some("1.0.0"));
        assert!(back.find("https://h/charts", "api").is_none());
    }

    #[test]
    fn reads_a_helmfile_lock() {
        let text = "version: v0.166.0\ndependencies:\n- name: raw\n  repository: https://charts.example.test/incubator\n  version: 0.2.3\ndigest: sha256:abc\ngenerated: \"2024-01-01T00:00:00Z\"\n";
        let lock = LockFile::parse(text, "helmfile.lock").unwrap();
        assert_eq!(lock.dependencies[0].version, "0.2.3");
        assert_eq!(lock.version, "v0.166.0");
    }
}
