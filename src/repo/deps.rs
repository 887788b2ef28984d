//! A chart's own `dependencies:` (Chart.yaml), as `helm dependency update|build|list` handle
//! them: repositories by URL (http(s), `oci://`), by helm repository name (`@name`,
//! `alias:name`), `file://` directories (packaged into `charts/`) and `charts/` subfolders
//! (no repository). `update` resolves constraints and writes `Chart.lock`; `build` downloads
//! what the lock pins after checking that it still matches Chart.yaml.

use std::path::{Path, PathBuf};

use super::fetcher::{ChartFetcher, Location};
use super::lock::{LockEntry, Requirement, helm_lock_digest};
use super::reference::{OciRef, RepoConfig};
use super::RepoError;
use crate::chart::model::Dependency;
use crate::semver::{Constraints, Dialect, Version};

/// What a command did, as helm reports it (one line each).
pub type Messages = Vec<String>;

fn chart_error(dir: &Path, e: impl std::fmt::Display) -> RepoError {
    RepoError::Chart { what: dir.display().to_string(), message: e.to_string() }
}

fn load_dir(dir: &Path) -> Result<crate::chart::model::Chart, RepoError> {
    if !dir.is_dir() {
        return Err(RepoError::Invalid(format!("{}: only unpacked charts can be updated", dir.display())));
    }
    crate::chart::loader::load_dir(dir).map_err(|e| chart_error(dir, e))
}

/// `@name`/`alias:name` repositories replaced by their URL from helm's repositories file
/// (helm does this before hashing and locking).
fn resolve_repo_names(deps: &[Dependency], repos: &[RepoConfig]) -> Result<Vec<Dependency>, RepoError> {
    deps.iter()
        .map(|d| {
            let alias = d.repository.strip_prefix('@').or_else(|| d.repository.strip_prefix("alias:"));
            let mut out = d.clone();
            if let Some(name) = alias {
                let repo = repos.iter().find(|r| r.name == name).ok_or_else(|| {
                    RepoError::Invalid(format!("no repository definition for {}. Please add them via 'helm repo add'", d.repository))
                })?;
                out.repository = repo.url.clone();
            }
            Ok(out)
        })
        .collect()
}

fn requirements(deps: &[Dependency]) -> Vec<Requirement> {
    deps.iter()
        .map(|d| Requirement {
            name: d.name.clone(),
            repository: d.repository.clone(),
            version: d.version.clone(),
            condition: d.condition.clone(),
            tags: d.tags.clone(),
            alias: d.alias.clone(),
        })
        .collect()
}

/// `file://path` relative to the chart directory.
fn local_path(chart_dir: &Path, repository: &str) -> PathBuf {
    let p = Path::new(repository.trim_start_matches("file://"));
    if p.is_absolute() { p.to_path_buf() } else { chart_dir.join(p) }
}

fn constraint(d: &Dependency) -> Result<Constraints, RepoError> {
    Constraints::parse(&d.version)
        .map_err(|e| RepoError::Invalid(format!("dependency {:?} has an invalid version/constraint format: {e}", d.name)))
}

/// A repository URL's configuration: the helm repository with that URL (credentials), else
/// anonymous.
fn config_for(url: &str, repos: &[RepoConfig]) -> RepoConfig {
    let trimmed = url.trim_end_matches('/');
    repos.iter().find(|r| r.url.trim_end_matches('/') == trimmed).cloned().unwrap_or_else(|| RepoConfig::new(trimmed))
}

/// Picks a version for each dependency (helm's resolver).
fn resolve(chart_dir: &Path, deps: &[Dependency], fetcher: &ChartFetcher, repos: &[RepoConfig]) -> Result<Vec<LockEntry>, RepoError> {
    let mut locked = Vec::new();
    for d in deps {
        let c = constraint(d)?;
        let entry = |version: String| LockEntry { name: d.name.clone(), repository: d.repository.clone(), version, ..LockEntry::default() };
        if d.repository.is_empty() {
            let sub = chart_dir.join("charts").join(&d.name);
            if !sub.exists() {
                return Err(RepoError::Invalid(format!("directory {} not found", sub.display())));
            }
            locked.push(entry(d.version.clone()));
        } else if d.repository.starts_with("file://") {
            let path = local_path(chart_dir, &d.repository);
            let sub = load_dir(&path)?;
            let v = Version::parse(&sub.metadata.version).map_err(|e| chart_error(&path, e))?;
            if !c.check(&v) {
                return Err(RepoError::Invalid(format!("can't get a valid version for repositories {}. Try changing the version constraint in Chart.yaml", d.name)));
            }
            locked.push(entry(sub.metadata.version.clone()));
        } else if d.repository.starts_with("oci://") {
            let r = OciRef::parse(&format!("{}/{}", d.repository.trim_end_matches('/'), d.name))?;
            let resolved = fetcher.resolve_oci(&r, &d.version, Some(config_for(&d.repository, repos)))?;
            let mut e = entry(resolved.version.clone());
            e.digest = resolved.digest.map(|x| format!("sha256:{x}"));
            locked.push(e);
        } else {
            let resolved = fetcher.resolve_in_repo(config_for(&d.repository, repos), &d.name, &d.version)?;
            let mut e = entry(resolved.version.clone());
            e.url = Some(resolved.url());
            e.digest = resolved.digest.map(|x| format!("sha256:{x}"));
            locked.push(e);
        }
    }
    Ok(locked)
}

/// Writes every locked chart into `charts/` (`name-version.tgz`), then removes the archives
/// that are no longer wanted, as helm's `downloadAll` ends with "Deleting outdated charts".
fn download_all(chart_dir: &Path, locked: &[LockEntry], fetcher: &ChartFetcher, repos: &[RepoConfig], out: &mut Messages) -> Result<(), RepoError> {
    let charts = chart_dir.join("charts");
    out.push(format!("Saving {} charts", locked.len()));
    // Every archive is in memory before the first is written: a failed download leaves
    // `charts/` as it was.
    let mut archives: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for e in locked {
        if e.repository.is_empty() {
            out.push(format!("Dependency {} did not declare a repository. Assuming it exists in the charts directory", e.name));
            continue;
        }
        let target = charts.join(format!("{}-{}.tgz", e.name, e.version));
        let data: Vec<u8> = if e.repository.starts_with("file://") {
            out.push(format!("Archiving {} from repo {}", e.name, e.repository));
            let sub = load_dir(&local_path(chart_dir, &e.repository))?;
            crate::chart::package::archive(&sub, crate::chart::package::mtime_from_env()).map_err(|x| chart_error(chart_dir, x))?
        } else {
            out.push(format!("Downloading {} from repo {}", e.name, e.repository));
            let resolved = if e.repository.starts_with("oci://") {
                let r = OciRef::parse(&format!("{}/{}", e.repository.trim_end_matches('/'), e.name))?;
                fetcher.resolve_oci(&r, &e.version, Some(config_for(&e.repository, repos)))?
            } else {
                fetcher.resolve_in_repo(config_for(&e.repository, repos), &e.name, &e.version)?
            };
            if let (Some(want), Some(got)) = (e.digest.as_deref().and_then(super::normalize_digest), resolved.digest.as_deref())
                && want != got
            {
                return Err(RepoError::Digest { what: resolved.url(), expected: want, actual: got.to_string() });
            }
            debug_assert!(!matches!(resolved.location, Location::Local(_)));
            fetcher.fetch(&resolved)?.as_ref().clone()
        };
        archives.push((target, data));
    }
    std::fs::create_dir_all(&charts).map_err(|e| RepoError::io(&charts, e))?;
    let mut written: Vec<PathBuf> = Vec::new();
    for (target, data) in archives {
        super::cache::atomic_write(&target, &data)?;
        written.push(target);
    }
    out.push("Deleting outdated charts".to_string());
    let names: Vec<&str> = locked.iter().map(|e| e.name.as_str()).collect();
    if let Ok(rd) = std::fs::read_dir(&charts) {
        for f in rd.flatten() {
            let path = f.path();
            let file = f.file_name().to_string_lossy().into_owned();
            let Some(stem) = file.strip_suffix(".tgz") else { continue };
            let ours = names.iter().any(|n| stem.strip_prefix(n).is_some_and(|v| v.starts_with('-')));
            if ours && !written.contains(&path) {
                std::fs::remove_file(&path).map_err(|e| RepoError::io(&path, e))?;
            }
        }
    }
    Ok(())
}

/// helm's Chart.lock: keys sorted (`dependencies`, `digest`, `generated`), entries `name`,
/// `repository`, `version`, `generated` quoted.
fn chart_lock_yaml(locked: &[LockEntry], digest: &str) -> String {
    let q = |s: &str| crate::yaml::to_yaml(&crate::value::Value::str(s)).trim_end_matches('\n').to_string();
    let mut out = String::from("dependencies:\n");
    for e in locked {
        out.push_str(&format!("- name: {}\n  repository: {}\n  version: {}\n", q(&e.name), q(&e.repository), q(&e.version)));
    }
    out.push_str(&format!("digest: {digest}\ngenerated: \"{}\"\n", jiff::Timestamp::now()));
    out
}

/// `helm dependency update`: resolve, download into `charts/`, write `Chart.lock` (unless
/// its digest is unchanged).
pub fn update(chart_dir: &Path, fetcher: &ChartFetcher, repos: &[RepoConfig]) -> Result<Messages, RepoError> {
    let chart = load_dir(chart_dir)?;
    let mut out = Messages::new();
    if !chart.has_dependencies {
        return Ok(out);
    }
    let deps = resolve_repo_names(&chart.dependencies, repos)?;
    let locked = resolve(chart_dir, &deps, fetcher, repos)?;
    download_all(chart_dir, &locked, fetcher, repos, &mut out)?;
    let digest = helm_lock_digest(&requirements(&deps), &locked);
    let old = chart.lock.as_deref().and_then(|b| std::str::from_utf8(b).ok()).and_then(|t| super::lock::LockFile::parse(t, "Chart.lock").ok());
    if old.is_some_and(|o| o.digest == digest) {
        return Ok(out);
    }
    super::cache::atomic_write(&chart_dir.join("Chart.lock"), chart_lock_yaml(&locked, &digest).as_bytes())?;
    Ok(out)
}

/// `helm dependency build`: download what `Chart.lock` pins (an update when there is none);
/// a lock out of step with Chart.yaml is an error.
pub fn build(chart_dir: &Path, fetcher: &ChartFetcher, repos: &[RepoConfig]) -> Result<Messages, RepoError> {
    let chart = load_dir(chart_dir)?;
    let Some(lock_text) = chart.lock.as_deref() else { return update(chart_dir, fetcher, repos) };
    let lock = super::lock::LockFile::parse(&String::from_utf8_lossy(lock_text), "Chart.lock")?;
    let deps = resolve_repo_names(&chart.dependencies, repos)?;
    if helm_lock_digest(&requirements(&deps), &lock.dependencies) != lock.digest {
        return Err(RepoError::Invalid(
            "the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml). Please update the dependencies".into(),
        ));
    }
    let mut out = Messages::new();
    download_all(chart_dir, &lock.dependencies, fetcher, repos, &mut out)?;
    Ok(out)
}

/// The repository charts a chart directory's dependencies need (what `Chart.lock` pins when it
/// matches Chart.yaml, else the newest that satisfy the constraints), resolved but not
/// downloaded: what an air-gap bundle must hold for `chart deps build` to work offline.
/// `file://` and `charts/` dependencies travel with the chart.
pub fn repository_charts(chart_dir: &Path, fetcher: &ChartFetcher, repos: &[RepoConfig]) -> Result<Vec<super::fetcher::Resolved>, RepoError> {
    let chart = load_dir(chart_dir)?;
    if !chart.has_dependencies {
        return Ok(Vec::new());
    }
    let deps = resolve_repo_names(&chart.dependencies, repos)?;
    let lock = chart.lock.as_deref().and_then(|t| super::lock::LockFile::parse(&String::from_utf8_lossy(t), "Chart.lock").ok());
    let pinned = lock.filter(|l| helm_lock_digest(&requirements(&deps), &l.dependencies) == l.digest);
    let wanted: Vec<(String, String, String)> = match pinned {
        Some(l) => l.dependencies.into_iter().map(|e| (e.name, e.repository, e.version)).collect(),
        None => deps.into_iter().map(|d| (d.name, d.repository, d.version)).collect(),
    };
    let mut out = Vec::new();
    for (name, repository, version) in wanted {
        if repository.is_empty() || repository.starts_with("file://") {
            continue;
        }
        let resolved = if repository.starts_with("oci://") {
            let r = OciRef::parse(&format!("{}/{name}", repository.trim_end_matches('/')))?;
            fetcher.resolve_oci(&r, &version, Some(config_for(&repository, repos)))?
        } else {
            fetcher.resolve_in_repo(config_for(&repository, repos), &name, &version)?
        };
        out.push(resolved);
    }
    Ok(out)
}

/// `helm dependency list`: the table of dependencies and their status, then warnings for
/// archives in `charts/` that Chart.yaml does not name.
pub fn list(chart_dir: &Path) -> Result<String, RepoError> {
    let chart = crate::chart::loader::load_path(chart_dir).map_err(|e| chart_error(chart_dir, e))?;
    if !chart.has_dependencies {
        return Ok(format!("WARNING: no dependencies at {}\n", chart_dir.join("charts").display()));
    }
    let mut rows: Vec<[String; 4]> = vec![["NAME".into(), "VERSION".into(), "REPOSITORY".into(), "STATUS".into()]];
    for d in &chart.dependencies {
        rows.push([d.name.clone(), d.version.clone(), d.repository.clone(), status(chart_dir, d, &chart)]);
    }
    let mut widths = [0usize; 4];
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let cells: Vec<String> = r.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(&cells.join("\t"));
    }
    out.push_str("\n\n");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(chart_dir.join("charts")).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    entries.sort();
    for f in entries {
        if !f.is_dir() && f.extension().is_none_or(|e| e != "tgz") {
            continue;
        }
        match crate::chart::loader::load_path(&f) {
            Err(_) => out.push_str(&format!("WARNING: {:?} is not a chart.\n", f.display().to_string())),
            Ok(c) if !chart.dependencies.iter().any(|d| d.name == c.metadata.name) => {
                out.push_str(&format!("WARNING: {:?} is not in Chart.yaml.\n", f.display().to_string()))
            }
            Ok(_) => {}
        }
    }
    Ok(out)
}

/// helm's `dependencyStatus`.
fn status(chart_dir: &Path, d: &Dependency, parent: &crate::chart::model::Chart) -> String {
    let version_ok = |version: &str| -> Option<&'static str> {
        if version == d.version {
            return None;
        }
        let Ok(c) = Constraints::parse(&d.version) else { return Some("invalid version") };
        let Ok(v) = Version::parse(version) else { return Some("invalid version") };
        (!c.check(&v)).then_some("wrong version")
    };
    let archive_status = |path: &Path| -> String {
        match crate::chart::loader::load_path(path) {
            Err(_) => "corrupt".into(),
            Ok(c) if c.metadata.name != d.name => "misnamed".into(),
            Ok(c) => version_ok(&c.metadata.version).unwrap_or("ok").into(),
        }
    };
    let prefix = format!("{}-", d.name);
    let mut archives: Vec<PathBuf> = std::fs::read_dir(chart_dir.join("charts"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().map(|f| f.to_string_lossy()).is_some_and(|f| f.starts_with(&prefix) && f.ends_with(".tgz")))
                .collect()
        })
        .unwrap_or_default();
    archives.sort();
    if archives.len() == 1 {
        return archive_status(&archives[0]);
    }
    if archives.len() > 1 {
        let found: Vec<&PathBuf> = archives
            .iter()
            .filter(|a| {
                let stem = a.file_name().unwrap_or_default().to_string_lossy().trim_end_matches(".tgz").to_string();
                Version::parse_strict(stem.trim_start_matches(&prefix), Dialect::V3_2).is_ok()
            })
            .collect();
        match found.len() {
            1 => return archive_status(found[0]),
            n if n > 1 => return "too many matches".into(),
            _ => {}
        }
    }
    match parent.subcharts.iter().rfind(|c| c.metadata.name == d.name) {
        None => "missing".into(),
        Some(c) => version_ok(&c.metadata.version).unwrap_or("unpacked").into(),
    }
}
