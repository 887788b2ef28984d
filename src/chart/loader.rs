//! Loading charts from a directory, a `.tgz` or bytes. Everything becomes an in-memory file
//! list first; one function builds the chart from it, as helm's `LoadFiles` does.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::funcs::HelmCompat;
use crate::value::{Map, Value};

use super::model::{Chart, ChartFile, Dependency};
use super::objects::ChartMeta;

/// Limits for unpacking archives, against decompression bombs.
pub const MAX_ENTRY_BYTES: u64 = 20 << 20;
pub const MAX_TOTAL_BYTES: u64 = 200 << 20;

/// A chart that could not be loaded, with helm's wording where helm has one.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("Chart.yaml file is missing")]
    MissingChartYaml,
    #[error("cannot load {file}: {message}")]
    Parse { file: String, message: String },
    #[error("validation: {0}")]
    Invalid(String),
    #[error("error unpacking {name} in {parent}: {source}")]
    Subchart { name: String, parent: String, source: Box<LoadError> },
    #[error("{reason}")]
    UnsafeEntry { entry: String, reason: &'static str },
    #[error("{0}")]
    Archive(String),
    #[error("cannot load irregular file {0} as it has file mode type bits set")]
    Irregular(String),
    #[error("{0}")]
    Ignore(String),
}

/// Loads a chart from a directory or a `.tgz` file.
pub fn load_path(path: &Path) -> Result<Chart, LoadError> {
    load_path_as(path, HelmCompat::V3)
}

/// Loads a chart as the given helm major does: helm 4 merges every YAML document of a
/// `values.yaml`, helm 3 reads the first.
pub fn load_path_as(path: &Path, compat: HelmCompat) -> Result<Chart, LoadError> {
    let meta = std::fs::metadata(path).map_err(|source| LoadError::Io { path: path.into(), source })?;
    if meta.is_dir() {
        load_dir_as(path, compat)
    } else {
        let data = std::fs::read(path).map_err(|source| LoadError::Io { path: path.into(), source })?;
        load_files_as(archive_files(&data)?, compat)
    }
}

/// Loads a chart directory, honouring its `.helmignore`.
pub fn load_dir(dir: &Path) -> Result<Chart, LoadError> {
    load_dir_as(dir, HelmCompat::V3)
}

fn load_dir_as(dir: &Path, compat: HelmCompat) -> Result<Chart, LoadError> {
    let rules = match std::fs::read_to_string(dir.join(".helmignore")) {
        Ok(text) => IgnoreRules::parse(&text)?,
        Err(_) => IgnoreRules::default(),
    }
    .with_defaults();
    let mut files = Vec::new();
    walk(dir, dir, &rules, &mut files)?;
    load_files_as(files, compat)
}

fn walk(root: &Path, dir: &Path, rules: &IgnoreRules, out: &mut Vec<ChartFile>) -> Result<(), LoadError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|source| LoadError::Io { path: dir.into(), source })?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        // Follow symlinks as helm does, but only within what the OS resolves.
        let meta = std::fs::metadata(&path).map_err(|source| LoadError::Io { path: path.clone(), source })?;
        if meta.is_dir() {
            if rules.ignored(&rel, true) {
                continue;
            }
            walk(root, &path, rules, out)?;
        } else {
            if rules.ignored(&rel, false) {
                continue;
            }
            if !meta.is_file() {
                return Err(LoadError::Irregular(rel));
            }
            let data = std::fs::read(&path).map_err(|source| LoadError::Io { path: path.clone(), source })?;
            out.push(ChartFile { name: rel, data });
        }
    }
    Ok(())
}

/// Unpacks a gzipped chart archive into its file list (the top directory stripped), refusing
/// absolute paths, `..`, links, duplicates and oversized entries.
pub fn archive_files(data: &[u8]) -> Result<Vec<ChartFile>, LoadError> {
    let gz = flate2::read::GzDecoder::new(data);
    let mut archive = tar::Archive::new(gz);
    let mut files: Vec<ChartFile> = Vec::new();
    let mut total = 0u64;
    let entries = archive.entries().map_err(|e| LoadError::Archive(format!("cannot read chart archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| LoadError::Archive(format!("cannot read chart archive: {e}")))?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() || kind.is_gnu_longname() {
            continue;
        }
        if raw == "pax_global_header" {
            continue;
        }
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(LoadError::UnsafeEntry { entry: raw, reason: "chart illegally contains links" });
        }
        if !kind.is_file() {
            return Err(LoadError::UnsafeEntry { entry: raw, reason: "chart illegally contains irregular files" });
        }
        let normalized = raw.replace('\\', "/");
        if normalized.starts_with('/') || normalized.contains(":/") {
            return Err(LoadError::UnsafeEntry { entry: raw, reason: "chart illegally contains absolute paths" });
        }
        let parts: Vec<&str> = normalized.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        if parts.contains(&"..") {
            return Err(LoadError::UnsafeEntry { entry: raw, reason: "chart illegally references parent directory" });
        }
        if parts.len() < 2 {
            if parts.first() == Some(&"Chart.yaml") {
                return Err(LoadError::Archive("chart yaml not in base directory".into()));
            }
            continue;
        }
        let name = parts[1..].join("/");
        let size = entry.header().size().unwrap_or(0);
        if size > MAX_ENTRY_BYTES {
            return Err(LoadError::UnsafeEntry { entry: raw, reason: "chart archive entry exceeds the size limit" });
        }
        let mut buf = Vec::with_capacity(size as usize);
        (&mut entry)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| LoadError::Archive(format!("cannot read {raw}: {e}")))?;
        total += buf.len() as u64;
        if buf.len() as u64 > MAX_ENTRY_BYTES || total > MAX_TOTAL_BYTES {
            return Err(LoadError::UnsafeEntry { entry: raw, reason: "chart archive exceeds the size limit" });
        }
        if files.iter().any(|f| f.name == name) {
            return Err(LoadError::UnsafeEntry { entry: raw, reason: "chart archive contains duplicate entries" });
        }
        files.push(ChartFile { name, data: buf });
    }
    if files.is_empty() {
        return Err(LoadError::Archive("no files in chart archive".into()));
    }
    Ok(files)
}

/// Loads a chart from the bytes of a `.tgz`.
pub fn load_archive(data: &[u8]) -> Result<Chart, LoadError> {
    load_files(archive_files(data)?)
}

/// Builds a chart from its files (helm's `LoadFiles`).
pub fn load_files(files: Vec<ChartFile>) -> Result<Chart, LoadError> {
    load_files_as(files, HelmCompat::V3)
}

/// `load_files` as the given helm major reads `values.yaml`.
pub fn load_files_as(files: Vec<ChartFile>, compat: HelmCompat) -> Result<Chart, LoadError> {
    let chart_yaml = files.iter().find(|f| f.name == "Chart.yaml").ok_or(LoadError::MissingChartYaml)?;
    let (mut metadata, mut dependencies) = parse_metadata("Chart.yaml", &chart_yaml.data)?;
    let mut has_dependencies = dependencies.is_some();
    if metadata.api_version.is_empty() {
        metadata.api_version = "v1".into();
    }
    let mut chart = Chart {
        metadata,
        dependencies: Vec::new(),
        has_dependencies: false,
        templates: Vec::new(),
        values: Map::new(),
        values_raw: None,
        lock: None,
        schema: None,
        files: Vec::new(),
        subcharts: Vec::new(),
        full_path: String::new(),
    };
    let mut subchart_files: Vec<(String, Vec<ChartFile>)> = Vec::new();
    for f in files {
        match f.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" | "requirements.lock" => {
                if chart.metadata.api_version == "v1" && f.name == "requirements.lock" {
                    chart.files.push(f);
                } else {
                    chart.lock = Some(f.data);
                }
            }
            "values.yaml" => {
                chart.values = super::values::read_values(&String::from_utf8_lossy(&f.data), compat)
                    .map_err(|message| LoadError::Parse { file: "values.yaml".into(), message })?;
                chart.values_raw = Some(f.data);
            }
            "values.schema.json" => chart.schema = Some(f.data),
            "requirements.yaml" => {
                let (_, deps) = parse_metadata("requirements.yaml", &f.data)?;
                if deps.is_some() {
                    has_dependencies = true;
                    dependencies = deps;
                }
                if chart.metadata.api_version == "v1" {
                    chart.files.push(f);
                }
            }
            name if name.starts_with("templates/") => chart.templates.push(f),
            name if name.starts_with("charts/") => {
                if name.ends_with(".prov") {
                    chart.files.push(f);
                    continue;
                }
                let rest = &name["charts/".len()..];
                let sub = rest.split('/').next().unwrap_or_default().to_string();
                let inner = ChartFile { name: rest.to_string(), data: f.data };
                match subchart_files.iter_mut().find(|(n, _)| *n == sub) {
                    Some((_, list)) => list.push(inner),
                    None => subchart_files.push((sub, vec![inner])),
                }
            }
            _ => chart.files.push(f),
        }
    }
    chart.dependencies = dependencies.unwrap_or_default();
    chart.has_dependencies = has_dependencies;
    validate_metadata(&chart.metadata, &chart.dependencies)?;
    for (name, files) in subchart_files {
        if name.starts_with(['_', '.']) {
            continue;
        }
        let wrap = |source: LoadError| LoadError::Subchart {
            name: name.clone(),
            parent: chart.metadata.name.clone(),
            source: Box::new(source),
        };
        let sub = if name.ends_with(".tgz") {
            let file = &files[0];
            if file.name != name {
                return Err(LoadError::Archive(format!(
                    "error unpacking tar in {}: expected {name}, got {}",
                    chart.metadata.name, file.name
                )));
            }
            load_files_as(archive_files(&file.data).map_err(wrap)?, compat).map_err(wrap)?
        } else {
            let inner = files
                .into_iter()
                .filter_map(|f| f.name.split_once('/').map(|(_, rest)| ChartFile { name: rest.to_string(), data: f.data }))
                .collect();
            load_files_as(inner, compat).map_err(wrap)?
        };
        chart.subcharts.push(sub);
    }
    chart.set_paths(None);
    Ok(chart)
}

fn parse_values_file(file: &str, data: &[u8]) -> Result<Map, LoadError> {
    let text = String::from_utf8_lossy(data);
    match crate::yaml::parse_values(&text) {
        Ok(Value::Map(m)) => Ok(m),
        Ok(Value::Nil) => Ok(Map::new()),
        Ok(other) => Err(LoadError::Parse {
            file: file.into(),
            message: format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                other.json_kind()
            ),
        }),
        Err(e) => Err(LoadError::Parse { file: file.into(), message: e.to_string() }),
    }
}


/// Reads Chart.yaml (or requirements.yaml) into metadata, with encoding/json's type errors
/// for fields of the wrong type.
pub(crate) fn parse_metadata(file: &str, data: &[u8]) -> Result<(ChartMeta, Option<Vec<Dependency>>), LoadError> {
    let map = parse_values_file(file, data)?;
    let err = |message: String| LoadError::Parse { file: file.into(), message };
    let field = |key: &str, go_field: &str| -> Result<String, LoadError> {
        match map.get(key) {
            None | Some(Value::Nil) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.to_string()),
            Some(other) => Err(err(format!(
                "json: cannot unmarshal {} into Go struct field Metadata.{go_field} of type string",
                other.json_kind()
            ))),
        }
    };
    let strings = |key: &str| -> Result<Vec<String>, LoadError> {
        match map.get(key) {
            None | Some(Value::Nil) => Ok(Vec::new()),
            Some(Value::List(l)) => l
                .items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.to_string()),
                    other => Err(err(format!(
                        "json: cannot unmarshal {} into Go struct field Metadata.{key} of type string",
                        other.json_kind()
                    ))),
                })
                .collect(),
            Some(other) => Err(err(format!(
                "json: cannot unmarshal {} into Go struct field Metadata.{key} of type []string",
                other.json_kind()
            ))),
        }
    };
    // helm reads a numeric appVersion (`appVersion: 1.5`) as its text; lint flags it.
    let app_version = match map.get("appVersion") {
        Some(v @ (Value::Int(_) | Value::Int64(_) | Value::Float(_))) => v.go_format(),
        _ => field("appVersion", "appVersion")?,
    };
    let mut meta = ChartMeta {
        name: field("name", "name")?,
        home: field("home", "home")?,
        sources: strings("sources")?,
        version: field("version", "version")?,
        description: field("description", "description")?,
        keywords: strings("keywords")?,
        icon: field("icon", "icon")?,
        api_version: field("apiVersion", "apiVersion")?,
        condition: field("condition", "condition")?,
        tags: field("tags", "tags")?,
        app_version,
        kube_version: field("kubeVersion", "kubeVersion")?,
        chart_type: field("type", "type")?,
        ..ChartMeta::default()
    };
    meta.deprecated = matches!(map.get("deprecated"), Some(Value::Bool(true)));
    if let Some(Value::Map(a)) = map.get("annotations") {
        for (k, v) in a.entries() {
            match v {
                Value::String(s) => meta.annotations.push((k, s.to_string())),
                other => {
                    return Err(err(format!(
                        "json: cannot unmarshal {} into Go struct field Metadata.annotations of type string",
                        other.json_kind()
                    )));
                }
            }
        }
    }
    if let Some(Value::List(m)) = map.get("maintainers") {
        meta.maintainers = m.items.clone();
    }
    let mut deps = Vec::new();
    let declared = matches!(map.get("dependencies"), Some(Value::List(_)));
    if let Some(Value::List(list)) = map.get("dependencies") {
        for d in &list.items {
            let Value::Map(d) = d else { continue };
            let s = |k: &str| d.get(k).and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            deps.push(Dependency {
                name: s("name"),
                version: s("version"),
                repository: s("repository"),
                condition: s("condition"),
                tags: match d.get("tags") {
                    Some(Value::List(t)) => t.items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
                    _ => Vec::new(),
                },
                enabled: matches!(d.get("enabled"), Some(Value::Bool(true))),
                import_values: match d.get("import-values") {
                    Some(Value::List(t)) => t.items.clone(),
                    _ => Vec::new(),
                },
                alias: s("alias"),
            });
        }
        meta.dependencies = list.items.clone();
    }
    Ok((meta, declared.then_some(deps)))
}

/// helm's `Metadata.Validate`.
pub(crate) fn validate_metadata(meta: &ChartMeta, deps: &[Dependency]) -> Result<(), LoadError> {
    let invalid = |m: String| Err(LoadError::Invalid(m));
    if meta.api_version.is_empty() {
        return invalid("chart.metadata.apiVersion is required".into());
    }
    if meta.name.is_empty() {
        return invalid("chart.metadata.name is required".into());
    }
    if meta.name.contains('/') {
        return invalid(format!("chart.metadata.name {:?} is invalid", meta.name));
    }
    if meta.version.is_empty() {
        return invalid("chart.metadata.version is required".into());
    }
    if crate::semver::Version::parse(&meta.version).is_err() {
        return invalid(format!("chart.metadata.version {:?} is invalid", meta.version));
    }
    if !["", "application", "library"].contains(&meta.chart_type.as_str()) {
        return invalid("chart.metadata.type must be application or library".into());
    }
    let mut seen = std::collections::HashSet::new();
    for d in deps {
        let key = if d.alias.is_empty() { &d.name } else { &d.alias };
        if !seen.insert(key.clone()) {
            return invalid(format!("more than one dependency with name or alias {key:?}"));
        }
    }
    Ok(())
}

/// `.helmignore` rules, as helm reads them: gitignore-like globs without `**`.
#[derive(Debug, Default, Clone)]
pub struct IgnoreRules {
    rules: Vec<IgnoreRule>,
}

#[derive(Debug, Clone)]
struct IgnoreRule {
    pattern: String,
    negate: bool,
    must_dir: bool,
    /// The pattern has a `/` inside: it matches the whole path, not the base name.
    full_path: bool,
}

impl IgnoreRules {
    pub fn parse(text: &str) -> Result<IgnoreRules, LoadError> {
        let mut rules = IgnoreRules::default();
        for line in text.lines() {
            rules.add(line)?;
        }
        Ok(rules)
    }

    fn add(&mut self, line: &str) -> Result<(), LoadError> {
        let mut p = line.trim();
        if p.is_empty() || p == "!" || p.starts_with('#') {
            return Ok(());
        }
        if p.contains("**") {
            return Err(LoadError::Ignore("double-star (**) syntax is not supported".into()));
        }
        let negate = p.starts_with('!');
        if negate {
            p = &p[1..];
        }
        let must_dir = p.ends_with('/');
        let p = p.strip_suffix('/').unwrap_or(p);
        let full_path = p.contains('/');
        let p = p.strip_prefix('/').unwrap_or(p);
        self.rules.push(IgnoreRule { pattern: p.to_string(), negate, must_dir, full_path });
        Ok(())
    }

    /// helm always ignores hidden files inside templates/.
    pub fn with_defaults(mut self) -> IgnoreRules {
        let _ = self.add("templates/.?*");
        self
    }

    pub fn ignored(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        // helm's semantics, kept as they are: a negated rule ignores everything it does not match.
        for rule in &self.rules {
            let target = if rule.full_path { path } else { path.rsplit('/').next().unwrap_or(path) };
            if rule.negate {
                if (rule.must_dir && !is_dir) || !glob_match(&rule.pattern, target) {
                    return true;
                }
                continue;
            }
            if rule.must_dir && !is_dir {
                continue;
            }
            if glob_match(&rule.pattern, target) {
                return true;
            }
        }
        false
    }
}

/// Go's `filepath.Match` on `/`-separated paths.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    fn rec(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).take_while(|&i| i == 0 || n[i - 1] != '/').any(|i| rec(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && n[0] != '/' && rec(&p[1..], &n[1..]),
            Some('[') => {
                let Some(c) = n.first() else { return false };
                let mut i = 1;
                let negate = p.get(1) == Some(&'^');
                if negate {
                    i += 1;
                }
                let mut matched = false;
                let start = i;
                while i < p.len() && (p[i] != ']' || i == start) {
                    if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
                        if p[i] <= *c && *c <= p[i + 2] {
                            matched = true;
                        }
                        i += 3;
                    } else {
                        if p[i] == *c {
                            matched = true;
                        }
                        i += 1;
                    }
                }
                if i >= p.len() {
                    return false;
                }
                matched != negate && *c != '/' && rec(&p[i + 1..], &n[1..])
            }
            Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && rec(&p[2..], &n[1..]),
            Some(c) => n.first() == Some(c) && rec(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    rec(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_go() {
        assert!(glob_match("*.txt", "a.txt"));
        assert!(!glob_match("*.txt", "d/a.txt"));
        assert!(glob_match("templates/.?*", "templates/.hidden"));
        assert!(glob_match("[a-c]?", "bz"));
        assert!(!glob_match("[^a-c]?", "bz"));
    }

    #[test]
    fn helmignore_rules() {
        let rules = IgnoreRules::parse("# c\n*.bak\n/secret/\n").unwrap().with_defaults();
        assert!(rules.ignored("x/y.bak", false));
        assert!(rules.ignored("secret", true));
        assert!(!rules.ignored("secret", false));
        assert!(rules.ignored("templates/.x", false));
        assert!(!rules.ignored("templates/x.yaml", false));
        // helm ignores everything a negated rule does not match.
        let rules = IgnoreRules::parse("!keep.txt\n").unwrap();
        assert!(rules.ignored("other.txt", false));
        assert!(!rules.ignored("keep.txt", false));
    }
}
