//! Lock files in helmfile's `helmfile.lock` layout (which is helm's `Chart.lock` plus a
//! `version`): `version`, `dependencies` (`name`, `repository`, `version`), `digest`,
//! `generated`. Each dependency also records the archive's `digest` and `url`; helm and
//! helmfile ignore fields they do not know, so they still read the file.

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

fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}

impl LockEntry {
    /// Where the locked archive is, as a resolved chart (no index needed): an OCI
    /// repository's manifest by tag, else the recorded URL.
    pub fn to_resolved(&self) -> Result<Resolved, RepoError> {
        let digest = self.digest.as_deref().and_then(super::normalize_digest);
        let location = if self.repository.starts_with("oci://") {
            let reference = super::reference::OciRef::parse(&format!("{}/{}", self.repository.trim_end_matches('/'), self.name))?;
            Location::Oci { reference, tag: self.version.replace('+', "_") }
        } else {
            Location::Url(self.url.clone().unwrap_or_default())
        };
        Ok(Resolved {
            name: self.name.clone(),
            version: self.version.clone(),
            repository: self.repository.clone(),
            location,
            digest,
            repo: None,
            deprecated: false,
        })
    }

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

/// A requirement as a Chart.yaml `dependencies:` entry states it (helmfile generates one per
/// remote chart): what helm's lock digest covers beside the resolved entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Requirement {
    pub name: String,
    pub repository: String,
    /// The version constraint (`*` when none).
    pub version: String,
    pub condition: String,
    pub tags: Vec<String>,
    pub alias: String,
}

/// helm's `HashReq`: `sha256:` of the JSON of `[requirements, locked]`, each entry
/// `{"name","version","repository"}` (Go's field order, `version` omitted when empty, HTML-safe
/// escaping), so a lock written by us has the digest helm and helmfile compute.
pub fn helm_lock_digest(requirements: &[Requirement], locked: &[LockEntry]) -> String {
    // Go's field order of helm's `chart.Dependency`; `enabled` and `import-values` are unset
    // on a freshly loaded Chart.yaml as far as the digest is concerned.
    fn entry(out: &mut String, r: &Requirement) {
        out.push_str("{\"name\":");
        go_json_string(out, &r.name);
        if !r.version.is_empty() {
            out.push_str(",\"version\":");
            go_json_string(out, &r.version);
        }
        out.push_str(",\"repository\":");
        go_json_string(out, &r.repository);
        if !r.condition.is_empty() {
            out.push_str(",\"condition\":");
            go_json_string(out, &r.condition);
        }
        if !r.tags.is_empty() {
            out.push_str(",\"tags\":[");
            for (i, t) in r.tags.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(out, t);
            }
            out.push(']');
        }
        if !r.alias.is_empty() {
            out.push_str(",\"alias\":");
            go_json_string(out, &r.alias);
        }
        out.push('}');
    }
    let locked: Vec<Requirement> = locked
        .iter()
        .map(|l| Requirement { name: l.name.clone(), repository: l.repository.clone(), version: l.version.clone(), ..Requirement::default() })
        .collect();
    let mut json = String::from("[");
    for (i, list) in [requirements, &locked[..]].iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        if list.is_empty() {
            // Go marshals a nil slice as null; helm always has at least one dependency here.
            json.push_str("null");
            continue;
        }
        json.push('[');
        for (j, r) in list.iter().enumerate() {
            if j > 0 {
                json.push(',');
            }
            entry(&mut json, r);
        }
        json.push(']');
    }
    json.push(']');
    format!("sha256:{}", sha256_hex(json.as_bytes()))
}

/// A string as Go's `json.Marshal` writes it (HTML characters escaped).
fn go_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A scalar as go-yaml v2 writes it (quoted when it would read back as something else).
fn yaml_scalar(s: &str) -> String {
    crate::yaml::to_yaml(&Value::str(s)).trim_end_matches('\n').to_string()
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
            version: env!("CARGO_PKG_VERSION").to_string(),
            digest: format!("sha256:{}", sha256_hex(canonical.as_bytes())),
            generated: now_rfc3339(),
            dependencies,
        }
    }

    /// A lock as `helmfile deps` writes it: entries sorted by name, the digest helm computes
    /// over the requirements (in the given order) and the entries. `version` is ours (a
    /// semantic version: helmfile checks that it parses as one).
    pub fn helmfile(requirements: &[Requirement], mut dependencies: Vec<LockEntry>) -> LockFile {
        let digest = helm_lock_digest(requirements, &dependencies);
        dependencies.sort_by(|a, b| a.name.cmp(&b.name));
        LockFile { version: env!("CARGO_PKG_VERSION").to_string(), digest, generated: now_rfc3339(), dependencies }
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

    /// helmfile's layout and field order (`version`, `dependencies`, `digest`, `generated`);
    /// each entry's `digest` and `url` follow the fields helmfile knows (it ignores them).
    pub fn to_yaml(&self) -> String {
        let mut out = format!("version: {}\n", yaml_scalar(&self.version));
        if self.dependencies.is_empty() {
            out.push_str("dependencies: []\n");
        } else {
            out.push_str("dependencies:\n");
        }
        for d in &self.dependencies {
            out.push_str(&format!("- name: {}\n  repository: {}\n  version: {}\n", yaml_scalar(&d.name), yaml_scalar(&d.repository), yaml_scalar(&d.version)));
            if let Some(x) = &d.digest {
                out.push_str(&format!("  digest: {}\n", yaml_scalar(x)));
            }
            if let Some(x) = &d.url {
                out.push_str(&format!("  url: {}\n", yaml_scalar(x)));
            }
        }
        // `generated` is a timestamp: helmfile writes it plain.
        out.push_str(&format!("digest: {}\ngenerated: {}\n", yaml_scalar(&self.digest), self.generated));
        out
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
        assert!(text.contains("dependencies:\n- name: web\n  repository: https://h/charts\n  version: 1.0.0\n  digest: sha256:aaaa"), "{text}");
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

#[cfg(test)]
mod digest_tests {
    use super::*;

    #[test]
    fn lock_digest_is_helms_hash_of_requirements_and_entries() {
        // Written by helmfile 0.166 + helm 3.15.3 for one `~1.0` requirement.
        let req = [Requirement { name: "web".into(), repository: "http://127.0.0.1:56591/rwexp".into(), version: "~1.0".into(), ..Requirement::default() }];
        let locked = [LockEntry { name: "web".into(), repository: "http://127.0.0.1:56591/rwexp".into(), version: "1.0.0".into(), ..LockEntry::default() }];
        assert_eq!(helm_lock_digest(&req, &locked), "sha256:4f4ae76f86428acbe4fb473755d48b2af3771d758363407a124e7f4fb7791cb5");
        let mut s = String::new();
        go_json_string(&mut s, ">=1 <2 & \"x\"\n");
        assert_eq!(s, r#""\u003e=1 \u003c2 \u0026 \"x\"\n""#);
    }
}
