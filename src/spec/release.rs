//! Releases: `templates` + `inherit`, release-level templates (`.Release.*`), labels,
//! `condition`/`installed`, and the values helm gets for each release.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::value::{Map, Value};

use super::load::{find_line, resolve_files, template_data};
use super::{ChartRef, Environment, RemoteChart, Repository, SecretsDecryptor, SpecError, SpecOptions, funcs};

/// Fields a release may have (helmfile 0.166's `ReleaseSpec`); others are errors.
const RELEASE_KEYS: &[&str] = &[
    "name", "namespace", "createNamespace", "labels", "chart", "version", "condition", "installed",
    "installedTemplate", "missingFileHandler", "values", "valuesTemplate", "set", "setString",
    "setTemplate", "secrets", "verify", "verifyTemplate", "keyring", "skipSchemaValidation", "wait",
    "waitTemplate", "waitForJobs", "timeout", "recreatePods", "force", "reuseValues", "updateStrategy",
    "atomic", "cleanupOnFail", "kubeContext", "disableValidation", "disableValidationOnInstall",
    "disableOpenAPIValidation", "historyMax", "skipDeps", "skipRefresh", "postRenderer",
    "postRendererArgs", "cascade", "insecureSkipTLSVerify", "plainHttp", "suppressDiff",
    "suppressOutputLineRegex", "syncReleaseLabels", "unitTests", "apiVersions", "kubeVersion",
    "valuesPathPrefix", "adopt", "forceGoGetter", "forceNamespace", "needs", "hooks", "inherit",
    "dependencies", "strategicMergePatches", "jsonPatches", "transformers", "tillerNamespace",
    "tillerless", "tls", "tlsCACert", "tlsCert", "tlsKey", "devel", "deleteWait", "deleteTimeout",
    "enableDNS", "takeOwnership", "description", "createNamespaceTemplate", "chartVersion",
];

/// One release, resolved: templates applied, release-level templates rendered.
#[derive(Debug, Clone, Default)]
pub struct Release {
    pub name: String,
    /// As written (empty when not set).
    pub namespace: String,
    pub chart: String,
    pub version: String,
    /// Own labels with `commonLabels` under them.
    pub labels: BTreeMap<String, String>,
    pub values: Vec<Value>,
    pub set: Vec<Map>,
    pub secrets: Vec<String>,
    pub needs: Vec<String>,
    pub installed: bool,
    /// False when `condition:` names a value that is not true.
    pub enabled: bool,
    pub kube_context: String,
    pub missing_file_handler: Option<String>,
    pub api_versions: Vec<String>,
    pub kube_version: Option<String>,
    pub hooks: Vec<super::Hook>,
    /// The release mapping after templates (for `build`).
    pub raw: Map,
    /// Template data for this release's values templates.
    pub data: Map,
    pub base_dir: PathBuf,
    pub file: PathBuf,
}

impl Release {
    /// `[kubecontext/][namespace/]name`, helmfile's release id.
    pub fn id(&self) -> String {
        match (self.kube_context.is_empty(), self.namespace.is_empty()) {
            (true, true) => self.name.clone(),
            (true, false) => format!("{}/{}", self.namespace, self.name),
            (false, _) => format!("{}/{}/{}", self.kube_context, self.namespace, self.name),
        }
    }

    /// The chart name alone (`repo/name` → `name`, `./charts/app` → `app`), the implicit
    /// `chart` label.
    pub fn chart_name(&self) -> String {
        self.chart.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_string()
    }

    /// Where the chart comes from, repositories looked up in `repos`.
    pub fn chart_ref(&self, repos: &[Repository]) -> ChartRef {
        let chart = self.chart.as_str();
        if let Some(rest) = chart.strip_prefix("oci://") {
            let (registry, name) = rest.rsplit_once('/').unwrap_or(("", rest));
            return ChartRef::Remote(RemoteChart {
                repository: Repository { name: String::new(), url: format!("oci://{registry}"), oci: true, ..Repository::default() },
                chart: name.to_string(),
                version: (!self.version.is_empty()).then(|| self.version.clone()),
            });
        }
        let version = (!self.version.is_empty()).then(|| self.version.clone());
        if chart.contains("://") {
            // A chart archive's URL (helmfile downloads it; the repository is left empty).
            return ChartRef::Remote(RemoteChart { repository: Repository::default(), chart: chart.to_string(), version });
        }
        let local = self.base_dir.join(chart);
        let is_path = chart.starts_with('.') || chart.starts_with('/') || local.exists();
        if let (false, Some((repo, name))) = (is_path, chart.split_once('/')) {
            if let Some(r) = repos.iter().find(|r| r.name == repo) {
                return ChartRef::Remote(RemoteChart { repository: r.clone(), chart: name.to_string(), version });
            }
            if !repo.is_empty() && !name.is_empty() && !name.contains('/') {
                // `repo/name` of a repository the spec does not declare: helm's own repositories
                // file names it (a repository with a name and no URL).
                let repository = Repository { name: repo.to_string(), ..Repository::default() };
                return ChartRef::Remote(RemoteChart { repository, chart: name.to_string(), version });
            }
        }
        ChartRef::Local(local)
    }
}

fn str_field(m: &Map, key: &str) -> String {
    match m.get(key) {
        Some(Value::String(s)) => s.to_string(),
        Some(Value::Nil) | None => String::new(),
        Some(other) => other.go_format(),
    }
}

/// Builds the releases of a loaded state.
pub fn build_releases(
    file: &Path,
    base_dir: &Path,
    state: &Map,
    env: &Environment,
    opts: &SpecOptions,
) -> Result<Vec<Release>, SpecError> {
    let Some(Value::List(list)) = state.get("releases") else { return Ok(Vec::new()) };
    let templates = match state.get("templates") {
        Some(Value::Map(m)) => m,
        _ => Map::new(),
    };
    let common_labels = match state.get("commonLabels") {
        Some(Value::Map(m)) => m,
        _ => Map::new(),
    };
    let source = std::fs::read_to_string(file).unwrap_or_default();
    let state_handler = state.get("missingFileHandler").and_then(|v| v.as_str().map(str::to_string));
    let state_api_versions: Vec<String> = list_strings(state.get("apiVersions"));
    let state_kube_version = state.get("kubeVersion").and_then(|v| v.as_str().map(str::to_string));
    let values = env.merged_values();
    let mut out: Vec<Release> = Vec::new();
    for (i, entry) in list.items.iter().enumerate() {
        let Value::Map(raw) = entry else {
            return Err(SpecError::file(file, format!("releases[{i}] must be a mapping")));
        };
        let raw = apply_inherit(file, raw, &templates, i)?;
        for key in raw.keys() {
            if !RELEASE_KEYS.contains(&key.as_str()) {
                let name = str_field(&raw, "name");
                let at = find_line(&source, &key).map(|l| format!("{}:{l}", file.display())).unwrap_or_else(|| file.display().to_string());
                return Err(SpecError::File { file: at, message: format!("release {name:?}: unknown field {key:?}") });
            }
        }
        let raw = render_release(file, &raw, env, &values, opts)?;
        // helmfile 0.166 sets commonLabels over the release's own labels.
        let mut labels = BTreeMap::new();
        if let Some(Value::Map(l)) = raw.get("labels") {
            for (k, v) in l.entries() {
                labels.insert(k, label_text(&v));
            }
        }
        for (k, v) in common_labels.entries() {
            labels.insert(k, label_text(&v));
        }
        let name = str_field(&raw, "name");
        if name.is_empty() {
            return Err(SpecError::file(file, format!("releases[{i}]: name is required")));
        }
        let condition = str_field(&raw, "condition");
        let enabled = condition.is_empty() || condition_enabled(&condition, &values);
        let installed = !matches!(raw.get("installed"), Some(Value::Bool(false)));
        let set = raw.get("set").and_then(|v| v.as_list().map(<[Value]>::to_vec)).unwrap_or_default();
        let mut sets: Vec<Map> = set.iter().filter_map(|v| v.as_map().cloned()).collect();
        if let Some(Value::List(st)) = raw.get("setTemplate") {
            sets.extend(st.items.iter().filter_map(|v| v.as_map().cloned()));
        }
        let mut release = Release {
            namespace: str_field(&raw, "namespace"),
            chart: str_field(&raw, "chart"),
            version: str_field(&raw, "version"),
            labels,
            values: raw.get("values").and_then(|v| v.as_list().map(<[Value]>::to_vec)).unwrap_or_default(),
            set: sets,
            secrets: list_strings(raw.get("secrets")),
            needs: list_strings(raw.get("needs")),
            installed,
            enabled,
            kube_context: str_field(&raw, "kubeContext"),
            missing_file_handler: raw.get("missingFileHandler").and_then(|v| v.as_str().map(str::to_string)).or_else(|| state_handler.clone()),
            api_versions: {
                let own = list_strings(raw.get("apiVersions"));
                if own.is_empty() { state_api_versions.clone() } else { own }
            },
            kube_version: raw.get("kubeVersion").and_then(|v| v.as_str().map(str::to_string)).or_else(|| state_kube_version.clone()),
            hooks: super::hooks::parse_hooks(file, &format!("release {:?}", str_field(&raw, "name")), raw.get("hooks"))?,
            data: Map::new(),
            base_dir: base_dir.to_path_buf(),
            file: file.to_path_buf(),
            name,
            raw: raw.clone(),
        };
        // `-n` replaces every release's namespace once its own templates are rendered
        // (helmfile's `ApplyOverrides`); values templates see the new one.
        if let Some(ns) = opts.namespace.as_deref().filter(|n| !n.is_empty()) {
            release.namespace = ns.to_string();
        }
        if let Some(Value::List(vt)) = raw.get("valuesTemplate") {
            release.values.extend(vt.items.iter().cloned());
        }
        release.data = release_data(env, &values, &release, opts);
        if let Some(dup) = out.iter().find(|r| r.name == release.name && r.namespace == release.namespace && r.kube_context == release.kube_context) {
            return Err(SpecError::file(
                file,
                format!("duplicate release {:?} found in namespace {:?} in kubecontext {:?}: there were 2 releases named \"{}\" matching the same namespace and kubecontext", release.name, release.namespace, release.kube_context, dup.name),
            ));
        }
        out.push(release);
    }
    Ok(out)
}

fn label_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => other.go_format(),
    }
}

fn list_strings(v: Option<Value>) -> Vec<String> {
    v.and_then(|v| v.as_list().map(|l| l.iter().map(label_text).collect())).unwrap_or_default()
}

/// `condition: a.b.enabled` is true when that value is boolean true.
fn condition_enabled(condition: &str, values: &Map) -> bool {
    let mut current = Value::Map(values.clone());
    for key in condition.split('.') {
        current = match current.as_map().and_then(|m| m.get(key)) {
            Some(v) => v,
            None => return false,
        };
    }
    matches!(current, Value::Bool(true))
}

/// `inherit: [{template: NAME, except: [..]}]`: the template's fields under the release's own.
fn apply_inherit(file: &Path, raw: &Map, templates: &Map, index: usize) -> Result<Map, SpecError> {
    let Some(inherit) = raw.get("inherit") else { return Ok(raw.clone()) };
    let entries: Vec<Value> = match inherit {
        Value::List(l) => l.items.clone(),
        Value::Map(_) => vec![inherit.clone()],
        _ => Vec::new(),
    };
    let out = Map::new();
    for entry in entries {
        let Some(m) = entry.as_map() else { continue };
        let name = str_field(m, "template");
        let except = list_strings(m.get("except"));
        let Some(Value::Map(t)) = templates.get(&name) else {
            return Err(SpecError::file(file, format!("releases[{index}]: template {name:?} is not defined in templates")));
        };
        for (k, v) in t.entries() {
            if !except.contains(&k) {
                out.insert(k, v);
            }
        }
    }
    for (k, v) in raw.entries() {
        if k == "inherit" {
            continue;
        }
        match (out.get(&k), &v) {
            (Some(Value::Map(a)), Value::Map(b)) if k == "labels" => {
                let m = Map::new();
                for (x, y) in a.entries().into_iter().chain(b.entries()) {
                    m.insert(x, y);
                }
                out.insert(k, Value::Map(m));
            }
            _ => out.insert(k, v),
        }
    }
    Ok(out)
}

/// The data of release-level templates and values templates.
/// `.Release` in helmfile's release-level templates: name, namespace, chart, kube context, labels.
pub(super) fn release_object(r: &Release) -> Map {
    let rel = Map::new();
    rel.insert("Name", Value::from(r.name.clone()));
    rel.insert("Namespace", Value::from(r.namespace.clone()));
    rel.insert("Chart", Value::from(r.chart.clone()));
    rel.insert("KubeContext", Value::from(r.kube_context.clone()));
    let labels = Map::new();
    for (k, v) in &r.labels {
        labels.insert(k.clone(), Value::from(v.clone()));
    }
    rel.insert("Labels", Value::Map(labels));
    rel
}

fn release_data(env: &Environment, values: &Map, r: &Release, opts: &SpecOptions) -> Map {
    let data = template_data(env, opts.namespace.as_deref().unwrap_or_default());
    data.insert("Values", Value::Map(values.clone()));
    data.insert("Release", Value::Map(release_object(r)));
    data.insert("KubeContext", Value::from(r.kube_context.clone()));
    data.insert("Chart", Value::from(r.chart.clone()));
    data
}

/// Renders the templated fields of a release (`{{` left by the state's own rendering, or
/// written in a plain `.yaml`) until they stop changing, as helmfile does.
fn render_release(file: &Path, raw: &Map, env: &Environment, values: &Map, opts: &SpecOptions) -> Result<Map, SpecError> {
    let mut current = raw.clone();
    for _ in 0..6 {
        let probe = Release {
            name: str_field(&current, "name"),
            namespace: str_field(&current, "namespace"),
            chart: str_field(&current, "chart"),
            kube_context: str_field(&current, "kubeContext"),
            labels: match current.get("labels") {
                Some(Value::Map(l)) => l.entries().into_iter().map(|(k, v)| (k, label_text(&v))).collect(),
                _ => BTreeMap::new(),
            },
            ..Release::default()
        };
        let data = Value::Map(release_data(env, values, &probe, opts));
        let dir = file.parent().unwrap_or(Path::new("."));
        let render = |s: &str| -> Result<String, SpecError> {
            if !s.contains("{{") {
                return Ok(s.to_string());
            }
            funcs::render("stringTemplate", s, &data, dir).map_err(|e| {
                let at = funcs::error_position(&e, "stringTemplate").and_then(|pos| field_position(file, s, pos));
                SpecError::at(file, at, format!("release {:?}: {e}", probe.name))
            })
        };
        let next = Map::new();
        let mut changed = false;
        for (k, v) in current.entries() {
            let new = match (k.as_str(), &v) {
                ("name" | "namespace" | "chart" | "version" | "kubeContext" | "condition", Value::String(s)) => Value::from(render(s)?),
                ("labels", Value::Map(l)) => {
                    let m = Map::new();
                    for (lk, lv) in l.entries() {
                        m.insert(lk, match &lv { Value::String(s) => Value::from(render(s)?), o => o.clone() });
                    }
                    Value::Map(m)
                }
                ("values" | "secrets", Value::List(l)) => Value::list(
                    l.items.iter().map(|e| match e {
                        Value::String(s) => render(s).map(Value::from),
                        o => Ok(o.clone()),
                    }).collect::<Result<_, _>>()?,
                ),
                ("valuesTemplate", Value::List(l)) => Value::list(
                    l.items.iter().map(|e| {
                        let text = crate::yaml::to_yaml(e);
                        let rendered = render(&text)?;
                        crate::yaml::parse_documents_go(&rendered)
                            .map(|d| d.into_iter().next().unwrap_or(Value::Nil))
                            .map_err(|err| SpecError::file(file, format!("valuesTemplate: {}", err.message)))
                    }).collect::<Result<_, _>>()?,
                ),
                ("setTemplate", Value::List(l)) => Value::list(
                    l.items.iter().map(|e| match e {
                        Value::Map(m) => {
                            let o = Map::new();
                            for (sk, sv) in m.entries() {
                                let nv = match &sv {
                                    Value::String(s) => Value::from(render(s)?),
                                    Value::List(vs) => Value::list(vs.items.iter().map(|x| match x {
                                        Value::String(s) => render(s).map(Value::from),
                                        o => Ok(o.clone()),
                                    }).collect::<Result<_, _>>()?),
                                    o => o.clone(),
                                };
                                o.insert(sk, nv);
                            }
                            Ok(Value::Map(o))
                        }
                        o => Ok(o.clone()),
                    }).collect::<Result<_, _>>()?,
                ),
                ("installedTemplate", Value::String(s)) => {
                    let t = render(s)?;
                    next.insert("installed", Value::Bool(t.trim() == "true"));
                    Value::from(t)
                }
                _ => v.clone(),
            };
            if new != v {
                changed = true;
            }
            if !(k == "installed" && next.contains_key("installed")) {
                next.insert(k, new);
            }
        }
        current = next;
        if !changed {
            break;
        }
    }
    Ok(current)
}

/// Where position `(line, col)` of a release field's template text is in the state file: the
/// first line of the file holding the text's first line, columns shifted by where it starts. `None`
/// when the file does not hold the text as written (rendered or quoted differently).
fn field_position(file: &Path, text: &str, (line, col): (usize, Option<usize>)) -> Option<(usize, Option<usize>)> {
    let source = std::fs::read_to_string(file).ok()?;
    let first = text.lines().next().filter(|l| !l.trim().is_empty())?;
    let (index, found) = source.lines().enumerate().find(|(_, l)| l.contains(first))?;
    // A block scalar's later lines share its first line's indentation.
    let start = found[..found.find(first)?].chars().count();
    Some((index + line, col.map(|c| start + c)))
}

/// A release's values file as text: read, and rendered with the release's data when it is a
/// `.gotmpl`.
pub fn values_file_text(r: &Release, path: &Path) -> Result<String, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|e| SpecError::file(path, format!("cannot read values file: {e}")))?;
    if !path.extension().is_some_and(|e| e == "gotmpl") {
        return Ok(text);
    }
    funcs::render("stringTemplate", &text, &Value::Map(r.data.clone()), path.parent().unwrap_or(Path::new("."))).map_err(|e| {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let at = funcs::error_position(&e, "stringTemplate");
        SpecError::at(path, at, format!("failed to render values files \"{name}\": failed to render [{name}], because of {e}"))
    })
}

/// The values helm gets for a release: values entries (files, `.gotmpl` files rendered with the
/// release's data, inline maps) merged in order as helm merges `-f` files, then secrets, then
/// `set:` entries as `--set`/`--set-file`.
pub fn render_values(r: &Release, secrets: &dyn SecretsDecryptor) -> Result<Map, SpecError> {
    let mut out = Map::new();
    for entry in &r.values {
        match entry {
            Value::String(p) => {
                for path in resolve_files(&r.file, &r.base_dir, p, r.missing_file_handler.as_deref(), "values")? {
                    let text = values_file_text(r, &path)?;
                    out = crate::chart::values::merge_maps(&out, &helm_values(&path, &text)?);
                }
            }
            Value::Map(m) => {
                // helmfile writes inline values to a file that helm reads back: helm's types.
                let text = crate::yaml::to_yaml(&Value::Map(m.clone()));
                out = crate::chart::values::merge_maps(&out, &helm_values(&r.file, &text)?);
            }
            _ => {}
        }
    }
    for s in &r.secrets {
        for path in resolve_files(&r.file, &r.base_dir, s, r.missing_file_handler.as_deref(), "secrets")? {
            let m = secrets.decrypt(&path).map_err(|e| SpecError::file(&r.file, e))?;
            // helm reads the decrypted file helmfile writes: helm's types (numbers as float64).
            let text = crate::yaml::to_yaml(&Value::Map(m));
            out = crate::chart::values::merge_maps(&out, &helm_values(&path, &text)?);
        }
    }
    for set in &r.set {
        let name = escape_set(&str_field(set, "name"));
        let arg = if let Some(f) = set.get("file") {
            let path = r.base_dir.join(label_text(&f));
            let content = std::fs::read_to_string(&path).map_err(|e| SpecError::file(&path, e.to_string()))?;
            set_path(&out, &str_field(set, "name"), Value::from(content));
            continue;
        } else if let Some(Value::List(vs)) = set.get("values") {
            format!("{name}={{{}}}", vs.items.iter().map(|v| escape_set(&label_text(v))).collect::<Vec<_>>().join(","))
        } else {
            format!("{name}={}", escape_set(&label_text(&set.get("value").unwrap_or(Value::Nil))))
        };
        crate::chart::strvals::parse_into(&arg, &out).map_err(|e| SpecError::file(&r.file, format!("release {:?}: set {arg}: {e}", r.name)))?;
    }
    Ok(out)
}

/// The values `helmfile write-values` writes for a release: its values entries and secrets
/// as helmfile reads them (Go types, no `set:`), merged in order.
pub fn write_values_map(r: &Release, secrets: &dyn SecretsDecryptor) -> Result<Map, SpecError> {
    let mut out = Map::new();
    for entry in &r.values {
        match entry {
            Value::String(p) => {
                for path in resolve_files(&r.file, &r.base_dir, p, r.missing_file_handler.as_deref(), "values")? {
                    let text = values_file_text(r, &path)?;
                    let doc = crate::yaml::parse_documents_go(&text)
                        .map_err(|e| SpecError::File { file: format!("{}:{}", path.display(), e.line), message: e.message.clone() })?
                        .into_iter()
                        .next();
                    if let Some(Value::Map(m)) = doc {
                        out = super::load::merge_maps(&out, &m);
                    }
                }
            }
            Value::Map(m) => out = super::load::merge_maps(&out, m),
            _ => {}
        }
    }
    for s in &r.secrets {
        for path in resolve_files(&r.file, &r.base_dir, s, r.missing_file_handler.as_deref(), "secrets")? {
            let m = secrets.decrypt(&path).map_err(|e| SpecError::file(&r.file, e))?;
            out = super::load::merge_maps(&out, &m);
        }
    }
    Ok(out)
}

/// Sets a dotted path (as `--set-file` would).
fn set_path(root: &Map, path: &str, value: Value) {
    let keys: Vec<&str> = path.split('.').collect();
    let mut current = root.clone();
    for (i, k) in keys.iter().enumerate() {
        if i + 1 == keys.len() {
            current.insert(*k, value);
            return;
        }
        let next = match current.get(k) {
            Some(Value::Map(m)) => m,
            _ => {
                let m = Map::new();
                current.insert(*k, Value::Map(m.clone()));
                m
            }
        };
        current = next;
    }
}

/// helmfile's escaping of `set:` names and values for `--set`.
fn escape_set(s: &str) -> String {
    s.replace('{', "\\{").replace('}', "\\}").replace(',', "\\,")
}

fn helm_values(path: &Path, text: &str) -> Result<Map, SpecError> {
    match crate::yaml::parse_values(text) {
        Ok(Value::Map(m)) => Ok(m),
        Ok(Value::Nil) => Ok(Map::new()),
        Ok(other) => Err(SpecError::file(path, format!("values must be a mapping, got {}", other.type_name()))),
        Err(e) => Err(SpecError::File { file: format!("{}:{}", path.display(), e.line), message: e.to_string() }),
    }
}

