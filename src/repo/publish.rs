//! Publishing: `chart push` to S3 (tarball + index merge, safe against concurrent pushes) or an
//! OCI registry, and `repo index` (helm's `IndexDirectory` + `Merge`).

use std::path::Path;

use super::http::Http;
use super::index::{ChartVersion, IndexFile};
use super::s3::{S3Client, split_url};
use super::{RepoError, sha256_hex};

/// The index entry of a packaged chart: its Chart.yaml metadata, digest and URL.
pub fn entry_for_archive(data: &[u8], url: &str, what: &str) -> Result<ChartVersion, RepoError> {
    let files = crate::chart::loader::archive_files(data).map_err(|e| RepoError::Chart { what: what.into(), message: e.to_string() })?;
    let chart_yaml = files.iter().find(|f| f.name == "Chart.yaml").ok_or_else(|| RepoError::Chart {
        what: what.into(),
        message: "Chart.yaml file is missing".into(),
    })?;
    let mut cv = ChartVersion::from_chart_yaml(&chart_yaml.data, what).map_err(|e| RepoError::Chart { what: what.into(), message: e.to_string() })?;
    cv.validate().map_err(|message| RepoError::Chart { what: what.into(), message })?;
    cv.digest = sha256_hex(data);
    cv.urls = vec![url.to_string()];
    cv.created = now_rfc3339();
    Ok(cv)
}

pub(crate) fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Where the chart now lives (`s3://…/web-1.0.0.tgz`, `oci://…/web:1.0.0`).
    pub location: String,
    /// `sha256:` digest (the archive's for S3, the manifest's for OCI).
    pub digest: String,
}

/// Pushes a packaged chart to `s3://bucket/prefix` (helm-s3 layout) or `oci://registry/path`.
pub fn push(http: &Http, chart: &[u8], destination: &str, force: bool, plain_http: bool) -> Result<Published, RepoError> {
    if destination.starts_with("oci://") {
        let pushed = super::oci::push(http, chart, destination, plain_http, None)?;
        return Ok(Published { location: pushed.reference, digest: pushed.digest });
    }
    if destination.starts_with("s3://") {
        return push_s3(http, &S3Client::from_env()?, chart, destination, force);
    }
    Err(RepoError::Invalid(format!("{destination}: push needs an s3:// or oci:// destination")))
}

/// Uploads the tarball, then merges its entry into `index.yaml` with a conditional write
/// (`If-Match` the ETag read, or `If-None-Match: *` for a new index), re-reading and retrying
/// when another push won the race.
pub fn push_s3(http: &Http, s3: &S3Client, chart: &[u8], destination: &str, force: bool) -> Result<Published, RepoError> {
    let (bucket, prefix) = split_url(destination)?;
    let prefix = prefix.trim_end_matches('/').to_string();
    let join = |name: &str| if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
    let base_url = format!("s3://{bucket}{}", if prefix.is_empty() { String::new() } else { format!("/{prefix}") });
    let probe = entry_for_archive(chart, "", "chart archive")?;
    let file = format!("{}-{}.tgz", probe.name, probe.version);
    let chart_url = format!("{base_url}/{file}");
    let index_key = join("index.yaml");
    let index_url = format!("{base_url}/index.yaml");

    let existing = s3.get(http, &bucket, &index_key)?;
    if !force
        && let Some(obj) = &existing
        && IndexFile::parse(&obj.data, &index_url).map(|i| i.has(&probe.name, &probe.version)).unwrap_or(false)
    {
        return Err(RepoError::Conflict(format!(
            "chart {} {} already exists in {base_url}; use --force to replace it",
            probe.name, probe.version
        )));
    }
    s3.put(http, &bucket, &join(&file), chart, None)?;

    let mut current = existing;
    for attempt in 0..20 {
        if attempt > 0 {
            current = s3.get(http, &bucket, &index_key)?;
            std::thread::sleep(std::time::Duration::from_millis(20 * attempt as u64 + u64::from(jiff::Timestamp::now().subsec_nanosecond() as u32 % 50)));
        }
        let mut index = match &current {
            Some(obj) => IndexFile::parse(&obj.data, &index_url).map_err(|source| RepoError::Index { url: index_url.clone(), source })?,
            None => IndexFile { api_version: "v1".into(), ..IndexFile::default() },
        };
        if let Some(versions) = index.entries.get_mut(&probe.name) {
            if versions.iter().any(|cv| cv.version == probe.version) && !force {
                return Err(RepoError::Conflict(format!(
                    "chart {} {} already exists in {base_url}; use --force to replace it",
                    probe.name, probe.version
                )));
            }
            versions.retain(|cv| cv.version != probe.version);
        }
        let mut entry = probe.clone();
        entry.urls = vec![chart_url.clone()];
        index.entries.entry(entry.name.clone()).or_default().push(entry);
        index.sort_entries();
        index.generated = now_rfc3339();
        let condition = match current.as_ref().and_then(|o| o.etag.clone()) {
            Some(etag) => ("If-Match", etag),
            None => ("If-None-Match", "*".to_string()),
        };
        if s3.put(http, &bucket, &index_key, index.to_yaml().as_bytes(), Some(condition))? {
            return Ok(Published { location: chart_url, digest: format!("sha256:{}", probe.digest) });
        }
    }
    Err(RepoError::Conflict(format!("{index_url}: gave up after 20 concurrent updates of the index")))
}

/// `helm repo index DIR [--url U] [--merge FILE]`: indexes the `.tgz` files in `dir` and one
/// directory level below, merges an existing index (its entries win), writes `dir/index.yaml`.
pub fn index_directory(dir: &Path, base_url: &str, merge: Option<&Path>) -> Result<IndexFile, RepoError> {
    let dir = std::path::absolute(dir).map_err(|e| RepoError::io(dir, e))?;
    let mut archives = Vec::new();
    let mut top = list_tgz(&dir)?;
    archives.append(&mut top);
    let mut subdirs: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| RepoError::io(&dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for sub in subdirs {
        archives.append(&mut list_tgz(&sub)?);
    }
    let mut index = IndexFile { api_version: "v1".into(), generated: now_rfc3339(), ..IndexFile::default() };
    for path in archives {
        let rel = path.strip_prefix(&dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let (parent, file) = rel.rsplit_once('/').map(|(p, f)| (p.to_string(), f.to_string())).unwrap_or((String::new(), rel.clone()));
        let data = std::fs::read(&path).map_err(|e| RepoError::io(&path, e))?;
        // Not a chart: skipped, as helm does.
        if crate::chart::loader::load_archive(&data).is_err() {
            continue;
        }
        let parent_url = url_join(base_url, &parent);
        let url = if parent_url.is_empty() { file.clone() } else { url_join(&parent_url, &file) };
        let entry = entry_for_archive(&data, &url, &rel)
            .map_err(|e| RepoError::Chart { what: format!("failed adding to {rel} to index"), message: e.to_string() })?;
        index.entries.entry(entry.name.clone()).or_default().push(entry);
    }
    if let Some(merge) = merge {
        let other = match std::fs::read(merge) {
            Ok(data) => IndexFile::parse(&data, &merge.display().to_string())
                .map_err(|source| RepoError::Index { url: merge.display().to_string(), source })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => IndexFile::default(),
            Err(e) => return Err(RepoError::io(merge, e)),
        };
        index.merge(&other);
    }
    index.sort_entries();
    super::cache::atomic_write(&dir.join("index.yaml"), index.to_yaml().as_bytes())?;
    Ok(index)
}

fn list_tgz(dir: &Path) -> Result<Vec<std::path::PathBuf>, RepoError> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| RepoError::io(dir, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "tgz"))
        .collect();
    out.sort();
    Ok(out)
}

/// helm's `urlutil.URLJoin`: path segments appended to the URL's path.
fn url_join(base: &str, part: &str) -> String {
    if part.is_empty() {
        return base.to_string();
    }
    if base.is_empty() {
        return part.to_string();
    }
    match url::Url::parse(base) {
        Ok(mut u) => {
            let path = format!("{}/{part}", u.path().trim_end_matches('/'));
            u.set_path(&path);
            u.to_string()
        }
        Err(_) => format!("{}/{part}", base.trim_end_matches('/')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_like_helm() {
        assert_eq!(url_join("https://h/charts", "web-1.0.0.tgz"), "https://h/charts/web-1.0.0.tgz");
        assert_eq!(url_join("https://h/charts/", "sub"), "https://h/charts/sub");
        assert_eq!(url_join("", "sub"), "sub");
    }
}
