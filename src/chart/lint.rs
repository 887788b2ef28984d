//! `helm lint`: helm's main rules, in helm's order, with helm's messages — Chart.yaml
//! (apiVersion, name, version, maintainers, sources, icon, type, dependencies), values.yaml
//! (parses, matches values.schema.json), templates (load, schema of the whole tree, render in
//! lint mode, extensions, indentation, YAML of each document, object names, deprecated APIs,
//! workload selectors) and dependencies (declared vs present). Output as `helm lint` prints it.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::funcs::HelmCompat;
use crate::funcs::helm::HelmOptions;
use crate::funcs::sprig_crypto::semver::{Constraints, Dialect, Version};
use crate::value::{Map, Value};

use super::engine::Engine;
use super::objects::{Capabilities, ReleaseInfo};
use super::{dependencies, loader, schema, values};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
        }
    }
}

/// One finding: `[SEVERITY] path: text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub severity: Severity,
    pub path: String,
    pub text: String,
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}: {}", self.severity.label(), self.path, self.text)
    }
}

/// What `helm lint` is asked to do.
#[derive(Debug, Clone)]
pub struct LintRequest {
    pub charts: Vec<PathBuf>,
    pub values: Map,
    pub namespace: String,
    pub kube_version: Option<String>,
    pub strict: bool,
    pub with_subcharts: bool,
    pub compat: HelmCompat,
}

/// What `helm lint` prints: stdout, and the summary it fails with (printed as `Error: …`).
#[derive(Debug, Clone)]
pub struct LintOutcome {
    pub stdout: String,
    pub failure: Option<String>,
}

/// Lints every chart as `helm lint` does.
pub fn lint(req: &LintRequest) -> LintOutcome {
    let mut paths: Vec<PathBuf> = req.charts.clone();
    if req.with_subcharts {
        for chart in req.charts.clone() {
            collect_subcharts(&chart.join("charts"), &mut paths);
        }
    }
    let threshold = if req.strict { Severity::Warning } else { Severity::Error };
    let mut stdout = String::new();
    let mut failed = 0;
    for path in &paths {
        stdout.push_str(&format!("==> Linting {}\n", path.display()));
        match lint_chart(path, req) {
            Err(e) => {
                stdout.push_str(&format!("Error {e}\n"));
                failed += 1;
            }
            Ok(messages) => {
                for m in &messages {
                    stdout.push_str(&format!("{m}\n"));
                }
                if messages.iter().any(|m| m.severity >= threshold) {
                    failed += 1;
                }
            }
        }
        stdout.push('\n');
    }
    let summary = format!("{} chart(s) linted, {failed} chart(s) failed", paths.len());
    if failed > 0 {
        LintOutcome { stdout, failure: Some(summary) }
    } else {
        stdout.push_str(&summary);
        stdout.push('\n');
        LintOutcome { stdout, failure: None }
    }
}

/// `--with-subcharts`: every chart directory and archive under `charts/`, in walk order.
fn collect_subcharts(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name == "Chart.yaml" {
            out.push(dir.to_path_buf());
        } else if name.ends_with(".tgz") || name.ends_with(".tar.gz") {
            out.push(p);
        } else if p.is_dir() {
            collect_subcharts(&p, out);
        }
    }
}

struct Linter {
    messages: Vec<Message>,
}

impl Linter {
    /// helm's `RunLinterRule`: records a failed rule; true when the rule passed.
    fn rule(&mut self, severity: Severity, path: &str, result: Result<(), String>) -> bool {
        match result {
            Ok(()) => true,
            Err(text) => {
                self.messages.push(Message { severity, path: path.to_string(), text });
                false
            }
        }
    }
}

fn lint_chart(path: &Path, req: &LintRequest) -> Result<Vec<Message>, String> {
    let dir = if path.is_file() {
        return Err(format!("unable to lint chart archive {}: only chart directories are supported", path.display()));
    } else {
        std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
    };
    let chart_yaml = dir.join("Chart.yaml");
    if let Err(e) = std::fs::metadata(&chart_yaml) {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            _ => e.to_string(),
        };
        let shown = super::output_dir::clean_path(&format!("{}/Chart.yaml", path.display()));
        return Err(format!("unable to check Chart.yaml file in chart: stat {shown}: {why}"));
    }
    let mut linter = Linter { messages: Vec::new() };
    chartfile_rules(&mut linter, &dir, req.compat);
    values_rules(&mut linter, &dir, &req.values, req.compat);
    template_rules(&mut linter, &dir, req);
    dependency_rules(&mut linter, &dir);
    Ok(linter.messages)
}

fn chartfile_rules(l: &mut Linter, dir: &Path, compat: HelmCompat) {
    let file = "Chart.yaml";
    let path = dir.join(file);
    l.rule(Severity::Error, file, if path.is_dir() { Err("should be a file, not a directory".into()) } else { Ok(()) });
    let data = std::fs::read(&path).unwrap_or_default();
    let parsed = loader::parse_metadata(file, &data).map_err(|e| match e {
        loader::LoadError::Parse { message, .. } if message.starts_with("json: ") => {
            format!("error unmarshaling JSON: while decoding JSON: {message}")
        }
        loader::LoadError::Parse { message, .. } => message,
        other => other.to_string(),
    });
    let (meta, deps) = match parsed {
        Ok(m) => m,
        Err(e) => {
            l.rule(Severity::Error, file, Err(format!("unable to parse YAML\n\t{e}")));
            return;
        }
    };
    let raw = crate::yaml::parse_values(&String::from_utf8_lossy(&data)).ok().and_then(|v| v.as_map().cloned()).unwrap_or_default();
    if compat == HelmCompat::V4 {
        const KNOWN: &[&str] = &[
            "name", "home", "sources", "version", "description", "keywords", "maintainers", "icon", "apiVersion",
            "condition", "tags", "appVersion", "deprecated", "annotations", "kubeVersion", "dependencies", "type",
        ];
        if let Some(unknown) = raw.keys().into_iter().find(|k| !KNOWN.contains(&k.as_str())) {
            l.rule(
                Severity::Warning,
                file,
                Err(format!(
                    "failed to strictly parse chart metadata file\n\terror unmarshaling JSON: while decoding JSON: json: unknown field {unknown:?}"
                )),
            );
        }
    }
    let name = if meta.name.is_empty() {
        Err("name is required".to_string())
    } else if meta.name.contains('/') || meta.name == "." || meta.name == ".." {
        Err(format!("chart name {:?} is invalid: chart names must not include path components", meta.name))
    } else {
        Ok(())
    };
    l.rule(Severity::Error, file, name);
    let api = match meta.api_version.as_str() {
        "" => Err("apiVersion is required. The value must be either \"v1\" or \"v2\"".to_string()),
        "v1" | "v2" => Ok(()),
        other => Err(format!("apiVersion '{other}' is not valid. The value must be either \"v1\" or \"v2\"")),
    };
    l.rule(Severity::Error, file, api);
    l.rule(Severity::Error, file, string_typed(&raw, "version"));
    l.rule(Severity::Error, file, validate_version(&meta.version));
    l.rule(Severity::Error, file, string_typed(&raw, "appVersion"));
    l.rule(Severity::Error, file, validate_maintainers(&meta.maintainers));
    let sources = meta
        .sources
        .iter()
        .find(|s| !is_request_url(s))
        .map_or(Ok(()), |s| Err(format!("invalid source URL '{s}'")));
    l.rule(Severity::Error, file, sources);
    l.rule(Severity::Info, file, if meta.icon.is_empty() { Err("icon is recommended".into()) } else { Ok(()) });
    let icon = if !meta.icon.is_empty() && !is_request_url(&meta.icon) {
        Err(format!("invalid icon URL '{}'", meta.icon))
    } else {
        Ok(())
    };
    l.rule(Severity::Error, file, icon);
    let chart_type = if !meta.chart_type.is_empty() && meta.api_version != "v2" {
        Err(format!("chart type is not valid in apiVersion '{}'. It is valid in apiVersion 'v2'", meta.api_version))
    } else {
        Ok(())
    };
    l.rule(Severity::Error, file, chart_type);
    let deps_declared = deps.as_ref().is_some_and(|d| !d.is_empty());
    let deps_rule = if deps_declared && meta.api_version != "v2" {
        Err(format!(
            "dependencies are not valid in the Chart file with apiVersion '{}'. They are valid in apiVersion 'v2'",
            meta.api_version
        ))
    } else {
        Ok(())
    };
    l.rule(Severity::Error, file, deps_rule);
    if compat == HelmCompat::V4 {
        let strict = Version::parse_strict(&meta.version, Dialect::V3_4).is_ok();
        l.rule(
            Severity::Warning,
            file,
            if strict { Ok(()) } else { Err(format!("version '{}' is not a valid SemVerV2", meta.version)) },
        );
    }
}

/// helm's check that a Chart.yaml field, when present, is a string (Go's `%T` of the value).
fn string_typed(raw: &Map, key: &str) -> Result<(), String> {
    let go_type = match raw.get(key) {
        None | Some(Value::String(_)) => return Ok(()),
        Some(Value::Nil) => "<nil>",
        Some(Value::Bool(_)) => "bool",
        Some(Value::Int(_) | Value::Int64(_) | Value::Float(_)) => "float64",
        Some(Value::List(_)) => "[]interface {}",
        Some(Value::Map(_)) => "map[string]interface {}",
        Some(_) => "string",
    };
    Err(format!("{key} should be of type string but it's of type {go_type}"))
}

fn validate_version(version: &str) -> Result<(), String> {
    if version.is_empty() {
        return Err("version is required".into());
    }
    let Ok(v) = Version::parse(version) else {
        return Err(format!("version '{version}' is not a valid SemVer"));
    };
    let Ok(c) = Constraints::parse(">0.0.0-0") else { return Ok(()) };
    match c.validate(&v) {
        Ok(()) => Ok(()),
        Err(errors) => match errors.first() {
            Some(e) => Err(format!("version {}", e.0)),
            None => Ok(()),
        },
    }
}

fn validate_maintainers(maintainers: &[Value]) -> Result<(), String> {
    for m in maintainers {
        let field = |k: &str| m.as_map().and_then(|m| m.get(k)).and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let (name, email, url) = (field("name"), field("email"), field("url"));
        if name.is_empty() {
            return Err("each maintainer requires a name".into());
        }
        if !email.is_empty() && !is_email(&email) {
            return Err(format!("invalid email '{email}' for maintainer '{name}'"));
        }
        if !url.is_empty() && !is_url(&url) {
            return Err(format!("invalid url '{url}' for maintainer '{name}'"));
        }
    }
    Ok(())
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")
        .expect("email regex")
});

/// An approximation of govalidator's `IsEmail`.
fn is_email(s: &str) -> bool {
    EMAIL.is_match(s)
}

/// An approximation of govalidator's `IsRequestURL` (Go's `url.ParseRequestURI` with a
/// scheme): `scheme:/path` or `scheme://host/path`, no control characters, no spaces in the host.
fn is_request_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let host_ok = match rest.strip_prefix("//") {
        Some(after) => !after.split(['/', '?', '#']).next().unwrap_or_default().contains(' '),
        None => true,
    };
    scheme_ok && rest.starts_with('/') && host_ok && !s.chars().any(|c| c.is_control())
}

/// An approximation of govalidator's `IsURL`: a request URL, or a host with an optional path.
fn is_url(s: &str) -> bool {
    if s.len() >= 2083 || s.starts_with('.') || s.chars().any(char::is_whitespace) {
        return false;
    }
    is_request_url(s) || s.contains('.')
}

fn values_rules(l: &mut Linter, dir: &Path, overrides: &Map, compat: HelmCompat) {
    let file = "values.yaml";
    let path = dir.join(file);
    if !l.rule(Severity::Info, file, if path.exists() { Ok(()) } else { Err("file does not exist".into()) }) {
        return;
    }
    let result = (|| {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("unable to parse YAML: {e}"))?;
        let parsed = match crate::yaml::parse_values(&text) {
            Ok(Value::Map(m)) => m,
            Ok(Value::Nil) => Map::new(),
            Ok(other) => {
                return Err(format!(
                    "unable to parse YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    other.json_kind()
                ));
            }
            Err(e) => return Err(format!("unable to parse YAML: {e}")),
        };
        let schema = std::fs::read(dir.join("values.schema.json")).unwrap_or_default();
        if schema.is_empty() {
            return Ok(());
        }
        let merged = values::merge_maps(&parsed, overrides);
        schema::validate_single(&merged, &schema, compat)
    })();
    l.rule(Severity::Error, file, result);
}

fn template_rules(l: &mut Linter, dir: &Path, req: &LintRequest) {
    let tpath = "templates/";
    let templates_dir = dir.join("templates");
    let dir_rule = match std::fs::metadata(&templates_dir) {
        Ok(m) if !m.is_dir() => Err("not a directory".to_string()),
        Ok(_) => Ok(()),
        Err(_) if req.compat == HelmCompat::V4 => Err("directory does not exist".to_string()),
        Err(_) => Ok(()),
    };
    if !l.rule(Severity::Warning, tpath, dir_rule) || !templates_dir.exists() && req.compat == HelmCompat::V4 {
        return;
    }
    let mut chart = match loader::load_dir(dir) {
        Ok(c) => c,
        Err(e) => {
            l.rule(Severity::Error, tpath, Err(e.to_string()));
            return;
        }
    };
    let compat = req.compat;
    let mut warnings = Vec::new();
    if dependencies::process_dependencies(&mut chart, &req.values, &mut warnings, compat).is_err() {
        return;
    }
    let Ok(coalesced) = values::coalesce_values(&chart, &req.values, &mut warnings, compat) else { return };
    if let Err(e) = schema::validate_chart(&chart, &coalesced, compat) {
        l.rule(Severity::Error, tpath, Err(e));
        return;
    }
    let mut caps = Capabilities::default_for(compat);
    if let Some(v) = &req.kube_version {
        caps.kube_version = format!("v{}", v.trim_start_matches('v'));
    }
    let release = ReleaseInfo { name: "test-release".into(), namespace: req.namespace.clone(), ..ReleaseInfo::default() };
    let mut renderables = Vec::new();
    super::template::collect_renderables(&chart, coalesced, &release, &caps, compat, &mut renderables);
    let engine = Engine { options: HelmOptions { compat, lint_mode: true, strict: false } };
    let rendered = match engine.render(&renderables) {
        Ok(r) => r,
        Err(e) => {
            l.rule(Severity::Error, tpath, Err(e.message));
            return;
        }
    };
    let kube_minor = kube_version_for_deprecations(req.kube_version.as_deref(), compat);
    for t in &chart.templates {
        let name = t.name.as_str();
        let ext = Path::new(name).extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
        let ext_rule = if [".yaml", ".yml", ".tpl", ".txt"].contains(&ext.as_str()) {
            Ok(())
        } else {
            Err(format!("file extension '{ext}' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt"))
        };
        l.rule(Severity::Error, name, ext_rule);
        let text = String::from_utf8_lossy(&t.data);
        let crd_hook = if CRD_HOOK.is_match(&text) {
            Err("manifest is a crd-install hook. This hook is no longer supported in v3 and all CRDs should also exist the crds/ directory at the top level of the chart".to_string())
        } else {
            Ok(())
        };
        // helm 4 dropped the checks for charts written for helm 2.
        if req.compat == HelmCompat::V3 {
            l.rule(Severity::Warning, name, crd_hook);
        }
        let release_time = if RELEASE_TIME.is_match(&text) {
            Err(".Release.Time has been removed in v3, please replace with the `now` function in your templates".to_string())
        } else {
            Ok(())
        };
        if req.compat == HelmCompat::V3 {
            l.rule(Severity::Error, name, release_time);
        }
        if ext != ".yaml" {
            continue;
        }
        let Some(content) = rendered.get(&format!("{}/{name}", chart.name())) else { continue };
        if content.trim().is_empty() {
            continue;
        }
        l.rule(Severity::Warning, name, top_indent(content));
        for doc in k8s_documents(content) {
            let head = match parse_k8s_head(&doc) {
                Ok(h) => h,
                Err(e) => {
                    l.rule(Severity::Error, name, Err(format!("unable to parse YAML: {e}")));
                    break;
                }
            };
            let Some(head) = head else { continue };
            l.rule(Severity::Warning, name, validate_metadata_name(&head));
            l.rule(Severity::Warning, name, deprecation(&head, kube_minor));
            l.rule(Severity::Error, name, match_selector(&head, content));
            l.rule(Severity::Error, name, list_annotations(&head, &doc));
        }
    }
}

static CRD_HOOK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?m)^\s*["']?helm\.sh/hook["']?:\s*["']?crd-install"#).expect("crd hook regex"));
static RELEASE_TIME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\.Release\.Time").expect("release time regex"));

fn top_indent(content: &str) -> Result<(), String> {
    for line in content.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            return Err(format!(
                "document starts with an illegal indent: {}, which may cause parsing problems",
                crate::value::go_quote(line)
            ));
        }
        return Ok(());
    }
    Ok(())
}

/// The documents Kubernetes' YAML reader yields: split at lines that are exactly `---` (plus
/// trailing white space), empty ones skipped.
fn k8s_documents(content: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in content.split_inclusive('\n') {
        if line.starts_with("---") && line[3..].trim_end().is_empty() {
            if !current.is_empty() {
                docs.push(std::mem::take(&mut current));
            }
            continue;
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        docs.push(current);
    }
    docs
}

/// apiVersion, kind, metadata.name and annotations of a document (None for an empty one).
struct K8sHead {
    api_version: String,
    kind: String,
    name: String,
}

fn parse_k8s_head(doc: &str) -> Result<Option<K8sHead>, String> {
    let value = crate::yaml::parse_values(doc).map_err(|e| e.to_string())?;
    let map = match value {
        Value::Nil => return Ok(None),
        Value::Map(m) => m,
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type rules.K8sYamlStruct",
                other.json_kind()
            ));
        }
    };
    let string = super::manifest::go_string_field;
    let name = match map.get("metadata") {
        Some(Value::Map(m)) => string(m.get("name"), "k8sYamlMetadata.metadata.name")?,
        _ => String::new(),
    };
    Ok(Some(K8sHead {
        api_version: string(map.get("apiVersion"), "K8sYamlStruct.apiVersion")?,
        kind: string(map.get("kind"), "K8sYamlStruct.kind")?,
        name,
    }))
}

fn match_selector(head: &K8sHead, content: &str) -> Result<(), String> {
    if ["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"].contains(&head.kind.as_str())
        && !(content.contains("matchLabels") || content.contains("matchExpressions"))
    {
        return Err(format!("a {} must contain matchLabels or matchExpressions, and {:?} does not", head.kind, head.name));
    }
    Ok(())
}

fn list_annotations(head: &K8sHead, doc: &str) -> Result<(), String> {
    if head.kind != "List" {
        return Ok(());
    }
    let Ok(Value::Map(m)) = crate::yaml::parse_values(doc) else { return Ok(()) };
    let Some(Value::List(items)) = m.get("items") else { return Ok(()) };
    for item in &items.items {
        let has_hook = item
            .as_map()
            .and_then(|i| i.get("metadata"))
            .and_then(|m| m.as_map().and_then(|m| m.get("annotations")))
            .and_then(|a| a.as_map().map(|a| a.contains_key("helm.sh/hook")))
            .unwrap_or(false);
        if has_hook {
            return Err("Annotation 'helm.sh/hook' within List objects are ignored".into());
        }
    }
    Ok(())
}

const DNS1123_SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

static SUBDOMAIN_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").expect("subdomain regex"));
static DNS1035_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z]([-a-z0-9]*[a-z0-9])?$").expect("dns1035 regex"));

/// The problems Kubernetes' name validation for a kind finds in a name.
fn name_problems(kind: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let kind = kind.to_lowercase();
    match kind.as_str() {
        "certificatesigningrequest" => {}
        "role" | "clusterrole" | "rolebinding" | "clusterrolebinding" => {
            if name == "." || name == ".." {
                out.push(format!("may not be '{name}'"));
            }
            for bad in ["/", "%"] {
                if name.contains(bad) {
                    out.push(format!("may not contain '{bad}'"));
                }
            }
        }
        "service" => {
            if name.len() > 63 {
                out.push("must be no more than 63 characters".into());
            }
            if !DNS1035_RE.is_match(name) {
                out.push(DNS1035_LABEL.into());
            }
        }
        "namespace" => {
            if name.len() > 253 {
                out.push("must be no more than 253 characters".into());
            }
            if !SUBDOMAIN_RE.is_match(name) {
                out.push(DNS1123_SUBDOMAIN.into());
            }
            if name.contains('.') {
                out.push("must not contain dots".into());
            }
        }
        _ => {
            if name.len() > 253 {
                out.push("must be no more than 253 characters".into());
            }
            if !SUBDOMAIN_RE.is_match(name) {
                out.push(DNS1123_SUBDOMAIN.into());
            }
        }
    }
    out
}

fn validate_metadata_name(head: &K8sHead) -> Result<(), String> {
    let problems = name_problems(&head.kind, &head.name);
    if problems.is_empty() {
        return Ok(());
    }
    let quoted = crate::value::go_quote(&head.name);
    let errors: Vec<String> =
        problems.iter().map(|p| format!("metadata.name: Invalid value: {quoted}: {p}")).collect();
    let aggregate = if errors.len() == 1 { errors[0].clone() } else { format!("[{}]", errors.join(", ")) };
    Err(format!("object name does not conform to Kubernetes naming requirements: {quoted}: {aggregate}"))
}

/// The Kubernetes minor version deprecations are judged against: `--kube-version`, else the
/// version of the Kubernetes libraries each helm is built with.
fn kube_version_for_deprecations(kube_version: Option<&str>, compat: HelmCompat) -> (u64, u64) {
    if let Some(v) = kube_version.and_then(|v| Version::parse(v).ok()) {
        return (v.major(), v.minor());
    }
    match compat {
        HelmCompat::V3 => (1, 30),
        HelmCompat::V4 => (1, 35),
    }
}

/// Deprecated APIs: (apiVersion, kind, deprecated in, removed in, replacement).
const DEPRECATED: &[(&str, &str, (u64, u64), (u64, u64), &str)] = &[
    ("policy/v1beta1", "PodDisruptionBudget", (1, 21), (1, 25), "policy/v1 PodDisruptionBudget"),
    ("batch/v1beta1", "CronJob", (1, 21), (1, 25), "batch/v1 CronJob"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", (1, 22), (1, 25), "autoscaling/v2 HorizontalPodAutoscaler"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", (1, 23), (1, 26), "autoscaling/v2 HorizontalPodAutoscaler"),
    ("networking.k8s.io/v1beta1", "Ingress", (1, 19), (1, 22), "networking.k8s.io/v1 Ingress"),
    ("networking.k8s.io/v1beta1", "IngressClass", (1, 19), (1, 22), "networking.k8s.io/v1 IngressClassList"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", (1, 21), (1, 25), "discovery.k8s.io/v1 EndpointSlice"),
    ("rbac.authorization.k8s.io/v1beta1", "Role", (1, 17), (1, 22), "rbac.authorization.k8s.io/v1 Role"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", (1, 17), (1, 22), "rbac.authorization.k8s.io/v1 ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", (1, 17), (1, 22), "rbac.authorization.k8s.io/v1 RoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", (1, 17), (1, 22), "rbac.authorization.k8s.io/v1 ClusterRoleBinding"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", (1, 24), (1, 27), "storage.k8s.io/v1 CSIStorageCapacity"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", (1, 26), (1, 29), "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", (1, 29), (1, 32), "flowcontrol.apiserver.k8s.io/v1 FlowSchema"),
];

fn deprecation(head: &K8sHead, (major, minor): (u64, u64)) -> Result<(), String> {
    if head.api_version.is_empty() || head.kind.is_empty() {
        return Ok(());
    }
    let Some((gv, kind, dep, removed, replacement)) =
        DEPRECATED.iter().find(|(gv, kind, ..)| *gv == head.api_version && *kind == head.kind)
    else {
        return Ok(());
    };
    if (major, minor) < *dep {
        return Ok(());
    }
    let mut msg = format!("{gv} {kind} is deprecated in v{}.{}+, unavailable in v{}.{}+", dep.0, dep.1, removed.0, removed.1);
    if !replacement.is_empty() {
        msg.push_str(&format!("; use {replacement}"));
    }
    Err(msg)
}

fn dependency_rules(l: &mut Linter, dir: &Path) {
    let chart = match loader::load_dir(dir) {
        Ok(c) => c,
        Err(e) => {
            l.rule(Severity::Error, "", Err(format!("unable to load chart\n\t{e}")));
            return;
        }
    };
    let path = dir.display().to_string();
    let declared: Vec<&str> = chart.dependencies.iter().map(|d| d.name.as_str()).collect();
    let present: Vec<&str> = chart.subcharts.iter().map(|c| c.name()).collect();
    let undeclared: Vec<&str> = present.iter().copied().filter(|p| !declared.contains(p)).collect();
    l.rule(
        Severity::Error,
        &path,
        if undeclared.is_empty() {
            Ok(())
        } else {
            Err(format!("chart metadata is missing these dependencies: {}", undeclared.join(",")))
        },
    );
    let mut seen: Vec<&str> = Vec::new();
    let mut shadowing: Vec<&str> = Vec::new();
    for d in &chart.dependencies {
        let key = if d.alias.is_empty() { d.name.as_str() } else { d.alias.as_str() };
        if seen.contains(&key) {
            shadowing.push(key);
        }
        seen.push(key);
    }
    l.rule(
        Severity::Error,
        &path,
        if shadowing.is_empty() {
            Ok(())
        } else {
            Err(format!("multiple dependencies with name or alias: {}", shadowing.join(",")))
        },
    );
    let missing: Vec<&str> = declared.iter().copied().filter(|d| !present.contains(d)).collect();
    l.rule(
        Severity::Warning,
        &path,
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("chart directory is missing these dependencies: {}", missing.join(",")))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_like_kubernetes() {
        let docs = k8s_documents("a: 1\n---\n---  \nb: 2\n--- # x\nc: 3\n");
        assert_eq!(docs, ["a: 1\n", "b: 2\n--- # x\nc: 3\n"]);
    }

    #[test]
    fn names_follow_kind_rules() {
        assert!(name_problems("Service", "1abc").len() == 1);
        assert!(name_problems("ConfigMap", "a.b-c").is_empty());
        assert_eq!(name_problems("Role", "a/b"), ["may not contain '/'"]);
    }
}
