//! `helm package`, deterministically: a chart written as the `.tgz` helm writes — entries under
//! `<name>/`, in helm's order (Chart.yaml as helm re-serializes it, Chart.lock, values.yaml,
//! values.schema.json, templates, other files, then each subchart the same way under
//! `charts/<name>/`, packed subcharts unpacked), every entry a regular file with mode 0644 —
//! but with a fixed mtime, a fixed gzip header and subcharts sorted by name, so the same input
//! gives the same bytes. Reused by publishing (`repo`).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::funcs::HelmCompat;
use crate::value::{Map, Value};

use super::dependencies;
use super::loader::{self, LoadError};
use super::model::Chart;
use super::objects::ChartMeta;

/// The mtime of every entry when `SOURCE_DATE_EPOCH` is not set: 1980-01-01T00:00:00Z (the
/// usual reproducible-build choice; tools warn about 1970 stamps).
pub const DEFAULT_MTIME: u64 = 315_532_800;

/// The entry mtime: `SOURCE_DATE_EPOCH` when set to a number, else [`DEFAULT_MTIME`].
pub fn mtime_from_env() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_MTIME)
}

/// What `helm package` is asked to do.
#[derive(Debug, Clone)]
pub struct PackageRequest {
    pub chart_dir: PathBuf,
    /// `-d`; `.` means the working directory, printed as an absolute path as helm does.
    pub destination: PathBuf,
    pub version: Option<String>,
    pub app_version: Option<String>,
    pub mtime: u64,
    pub compat: HelmCompat,
}

/// Why packaging failed; messages as helm prints them after `Error: `.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{0}")]
    Invalid(String),
    #[error("failed to save: {0}")]
    Save(String),
}

/// Packages a chart directory; returns the path of the archive as helm prints it.
pub fn package(req: &PackageRequest) -> Result<PathBuf, PackageError> {
    let shown = req.chart_dir.display().to_string();
    if let Err(e) = std::fs::metadata(&req.chart_dir) {
        return Err(PackageError::Invalid(format!("stat {shown}: {}", go_io_error(&e))));
    }
    let mut chart = match loader::load_dir(&req.chart_dir) {
        Err(LoadError::MissingChartYaml) if req.compat == HelmCompat::V4 => {
            let abs = std::path::absolute(&req.chart_dir).unwrap_or_else(|_| req.chart_dir.clone());
            let file = abs.join("Chart.yaml");
            let why = if abs.is_dir() { "no such file or directory" } else { "not a directory" };
            return Err(PackageError::Invalid(format!(
                "unable to detect chart at {}: open {}: {why}",
                file.display(),
                file.display()
            )));
        }
        other => other?,
    };
    if let Some(v) = &req.version {
        chart.metadata.version = v.clone();
    }
    if crate::funcs::sprig_crypto::semver::Version::parse(&chart.metadata.version).is_err() {
        return Err(PackageError::Invalid(
            match req.compat {
                HelmCompat::V3 => "Invalid Semantic Version",
                HelmCompat::V4 => "invalid semantic version",
            }
            .into(),
        ));
    }
    if let Some(v) = &req.app_version {
        chart.metadata.app_version = v.clone();
    }
    if chart.has_dependencies {
        dependencies::check_dependencies(&chart).map_err(PackageError::Invalid)?;
    }
    let dest_dir = if req.destination == Path::new(".") {
        std::env::current_dir().map_err(|e| PackageError::Save(e.to_string()))?
    } else {
        req.destination.clone()
    };
    let file_name = format!("{}-{}.tgz", chart.name(), chart.metadata.version);
    let target = PathBuf::from(super::output_dir::clean_path(&format!("{}/{file_name}", dest_dir.display())));
    let dir = target.parent().map(Path::to_path_buf).unwrap_or_default();
    match std::fs::metadata(&dir) {
        Ok(m) if !m.is_dir() => return Err(PackageError::Save(format!("is not a directory: {}", dir.display()))),
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(&dir).map_err(|e| PackageError::Save(e.to_string()))?,
    }
    let bytes = archive(&chart, req.mtime)?;
    std::fs::write(&target, bytes).map_err(|e| PackageError::Save(format!("{}: {e}", target.display())))?;
    Ok(target)
}

/// Go's wording of the common IO errors.
fn go_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The `.tgz` bytes of a loaded chart.
pub fn archive(chart: &Chart, mtime: u64) -> Result<Vec<u8>, PackageError> {
    let gz = flate2::GzBuilder::new().mtime(0).operating_system(255).write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    write_chart(&mut tar, chart, "", mtime)?;
    let gz = tar.into_inner().map_err(|e| PackageError::Save(e.to_string()))?;
    gz.finish().map_err(|e| PackageError::Save(e.to_string()))
}

fn write_chart<W: Write>(tar: &mut tar::Builder<W>, chart: &Chart, prefix: &str, mtime: u64) -> Result<(), PackageError> {
    let base = format!("{prefix}{}", chart.name());
    let mut add = |name: &str, data: &[u8]| -> Result<(), PackageError> {
        let mut header = tar::Header::new_ustar();
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(mtime);
        header.set_size(data.len() as u64);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, format!("{base}/{name}"), data)
            .map_err(|e| PackageError::Save(format!("{base}/{name}: {e}")))
    };
    add("Chart.yaml", chart_yaml(&chart.metadata).as_bytes())?;
    if chart.metadata.api_version == "v2" {
        if let Some(lock) = &chart.lock {
            add("Chart.lock", lock_yaml(lock)?.as_bytes())?;
        }
    }
    if let Some(values) = &chart.values_raw {
        add("values.yaml", values)?;
    }
    if let Some(schema) = &chart.schema {
        if serde_json::from_slice::<serde::de::IgnoredAny>(schema).is_err() {
            return Err(PackageError::Save("Invalid JSON in values.schema.json".into()));
        }
        add("values.schema.json", schema)?;
    }
    for f in chart.templates.iter().chain(&chart.files) {
        add(&f.name, &f.data)?;
    }
    let mut subcharts: Vec<&Chart> = chart.subcharts.iter().collect();
    subcharts.sort_by(|a, b| a.name().cmp(b.name()));
    for sub in subcharts {
        write_chart(tar, sub, &format!("{base}/charts/"), mtime)?;
    }
    Ok(())
}

/// Go's `sanitizeString` as helm's metadata validation applies it: white space becomes a
/// space, unprintable characters go.
fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if crate::value::is_go_printable(c) {
                Some(c)
            } else {
                None
            }
        })
        .collect()
}

fn put_str(map: &Map, key: &str, value: &str) {
    if !value.is_empty() {
        map.insert(key, Value::str(value));
    }
}

fn put_strings(map: &Map, key: &str, values: &[String]) {
    if !values.is_empty() {
        map.insert(key, Value::string_list(values.iter().map(|s| sanitize(s))));
    }
}

/// Chart.yaml as helm writes it into a package: the fields helm knows, sanitized, empty ones
/// left out, keys sorted (helm marshals through JSON), apiVersion v1 without dependencies.
pub fn chart_yaml(meta: &ChartMeta) -> String {
    let map = Map::new();
    put_str(&map, "name", &sanitize(&meta.name));
    put_str(&map, "home", &sanitize(&meta.home));
    put_strings(&map, "sources", &meta.sources);
    put_str(&map, "version", &meta.version);
    put_str(&map, "description", &sanitize(&meta.description));
    put_strings(&map, "keywords", &meta.keywords);
    if !meta.maintainers.is_empty() {
        let list = meta
            .maintainers
            .iter()
            .map(|m| {
                let out = Map::new();
                if let Value::Map(m) = m {
                    for key in ["name", "email", "url"] {
                        if let Some(Value::String(s)) = m.get(key) {
                            put_str(&out, key, &sanitize(&s));
                        }
                    }
                }
                Value::Map(out)
            })
            .collect();
        map.insert("maintainers", Value::list(list));
    }
    put_str(&map, "icon", &sanitize(&meta.icon));
    put_str(&map, "apiVersion", &meta.api_version);
    put_str(&map, "condition", &sanitize(&meta.condition));
    put_str(&map, "tags", &sanitize(&meta.tags));
    put_str(&map, "appVersion", &sanitize(&meta.app_version));
    if meta.deprecated {
        map.insert("deprecated", Value::Bool(true));
    }
    if !meta.annotations.is_empty() {
        let a = Map::new();
        for (k, v) in &meta.annotations {
            a.insert(k.clone(), Value::str(v.as_str()));
        }
        map.insert("annotations", Value::Map(a));
    }
    put_str(&map, "kubeVersion", &sanitize(&meta.kube_version));
    if meta.api_version != "v1" && !meta.dependencies.is_empty() {
        map.insert("dependencies", Value::list(meta.dependencies.iter().map(|d| dependency(d, true)).collect()));
    }
    put_str(&map, "type", &meta.chart_type);
    yaml_text(&Value::Map(map))
}

/// A dependency as helm's `Dependency` struct serializes it (`name` and `repository` always).
fn dependency(d: &Value, sanitized: bool) -> Value {
    let out = Map::new();
    let Value::Map(d) = d else { return Value::Nil };
    let clean = |s: &str| if sanitized { sanitize(s) } else { s.to_string() };
    let text = |key: &str| d.get(key).and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    out.insert("name", Value::str(clean(&text("name"))));
    put_str(&out, "version", &clean(&text("version")));
    out.insert("repository", Value::str(clean(&text("repository"))));
    put_str(&out, "condition", &clean(&text("condition")));
    if let Some(Value::List(tags)) = d.get("tags") {
        if !tags.items.is_empty() {
            out.insert("tags", Value::string_list(tags.items.iter().filter_map(|t| t.as_str().map(&clean))));
        }
    }
    if matches!(d.get("enabled"), Some(Value::Bool(true))) {
        out.insert("enabled", Value::Bool(true));
    }
    if let Some(Value::List(imports)) = d.get("import-values") {
        if !imports.items.is_empty() {
            out.insert("import-values", Value::list(imports.items.clone()));
        }
    }
    put_str(&out, "alias", &text("alias"));
    Value::Map(out)
}

/// Chart.lock as helm re-serializes it: `dependencies`, `digest` and `generated` (Go's
/// RFC 3339 with trailing fraction zeros dropped).
fn lock_yaml(data: &[u8]) -> Result<String, PackageError> {
    let parsed = crate::yaml::parse_values(&String::from_utf8_lossy(data))
        .map_err(|e| PackageError::Invalid(format!("cannot load Chart.lock: {e}")))?;
    let lock = parsed.as_map().cloned().unwrap_or_default();
    let out = Map::new();
    let deps = match lock.get("dependencies") {
        Some(Value::List(l)) => Value::list(l.items.iter().map(|d| dependency(d, false)).collect()),
        _ => Value::Nil,
    };
    out.insert("dependencies", deps);
    out.insert("digest", Value::str(lock.get("digest").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()));
    let generated = lock.get("generated").and_then(|v| v.as_str().map(str::to_string));
    out.insert("generated", Value::str(generated.map(|g| trim_fraction(&g)).unwrap_or_else(|| "0001-01-01T00:00:00Z".into())));
    Ok(yaml_text(&Value::Map(out)))
}

/// Drops trailing zeros of the fractional seconds of an RFC 3339 time, as Go prints it.
fn trim_fraction(t: &str) -> String {
    let Some(dot) = t.find('.') else { return t.to_string() };
    let digits_end = t[dot + 1..].find(|c: char| !c.is_ascii_digit()).map_or(t.len(), |i| dot + 1 + i);
    let digits = t[dot + 1..digits_end].trim_end_matches('0');
    let frac = if digits.is_empty() { String::new() } else { format!(".{digits}") };
    format!("{}{frac}{}", &t[..dot], &t[digits_end..])
}

fn yaml_text(v: &Value) -> String {
    let mut s = crate::yaml::to_yaml(v);
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_like_helm() {
        assert_eq!(sanitize("a\nb\tc\u{200B}d"), "a b cd");
    }

    #[test]
    fn trims_fraction_zeros() {
        assert_eq!(trim_fraction("2024-01-02T03:04:05.120000Z"), "2024-01-02T03:04:05.12Z");
        assert_eq!(trim_fraction("2024-01-02T03:04:05.000+01:00"), "2024-01-02T03:04:05+01:00");
        assert_eq!(trim_fraction("2024-01-02T03:04:05Z"), "2024-01-02T03:04:05Z");
    }

    #[test]
    fn same_chart_same_bytes() {
        let files = vec![
            super::super::model::ChartFile { name: "Chart.yaml".into(), data: b"apiVersion: v2\nname: a\nversion: 1.0.0\ndescription: |\n  x\n".to_vec() },
            super::super::model::ChartFile { name: "templates/cm.yaml".into(), data: b"kind: ConfigMap\n".to_vec() },
        ];
        let chart = loader::load_files(files).expect("loads");
        let a = archive(&chart, DEFAULT_MTIME).expect("packs");
        assert_eq!(a, archive(&chart, DEFAULT_MTIME).expect("packs"));
        let back = loader::archive_files(&a).expect("unpacks");
        let names: Vec<_> = back.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Chart.yaml", "templates/cm.yaml"]);
        assert_eq!(back[0].data, b"apiVersion: v2\ndescription: 'x '\nname: a\nversion: 1.0.0\n");
    }
}
