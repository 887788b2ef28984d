//! The built-in objects templates see — `.Release`, `.Chart`, `.Capabilities`, `.Files`,
//! `.Template`, `.Subcharts` — with the Go types, fields, methods and printing of helm 3's
//! and helm 4's own, since charts print them, test them with `typeOf` and call their methods.

use std::rc::Rc;

use crate::funcs::HelmCompat;
use crate::value::{ElemType, List, Map, Method, Object, Param, Signature, Value};

/// The Go name of helm's values type (`chartutil.Values` / `common.Values`).
pub fn values_type(compat: HelmCompat) -> &'static str {
    match compat {
        HelmCompat::V3 => "chartutil.Values",
        HelmCompat::V4 => "common.Values",
    }
}

/// What `.Release` is made of.
#[derive(Debug, Clone)]
pub struct ReleaseInfo {
    pub name: String,
    pub namespace: String,
    pub revision: i64,
    pub is_upgrade: bool,
    pub service: String,
}

impl Default for ReleaseInfo {
    fn default() -> ReleaseInfo {
        ReleaseInfo {
            name: "release".into(),
            namespace: "default".into(),
            revision: 1,
            is_upgrade: false,
            service: "Helm".into(),
        }
    }
}

impl ReleaseInfo {
    /// `.Release`: a plain `map[string]interface{}` in both helms.
    pub fn to_map(&self) -> Map {
        let m = Map::new();
        m.insert("Name", Value::str(self.name.as_str()));
        m.insert("Namespace", Value::str(self.namespace.as_str()));
        m.insert("IsUpgrade", Value::Bool(self.is_upgrade));
        m.insert("IsInstall", Value::Bool(!self.is_upgrade));
        m.insert("Revision", Value::Int(self.revision));
        m.insert("Service", Value::str(self.service.as_str()));
        m
    }
}

/// The `Chart.yaml` fields templates can read, in `chart.Metadata`'s field order.
#[derive(Debug, Clone, Default)]
pub struct ChartMeta {
    pub name: String,
    pub home: String,
    pub sources: Vec<String>,
    pub version: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub maintainers: Vec<Value>,
    pub icon: String,
    pub api_version: String,
    pub condition: String,
    pub tags: String,
    pub app_version: String,
    pub deprecated: bool,
    pub annotations: Vec<(String, String)>,
    pub kube_version: String,
    pub dependencies: Vec<Value>,
    pub chart_type: String,
}

impl ChartMeta {
    fn fields(&self) -> Vec<(&'static str, Value)> {
        let strings = |v: &[String]| Value::string_list(v.iter().cloned());
        let annotations = Map::with_elem(ElemType::String);
        for (k, v) in &self.annotations {
            annotations.insert(k.clone(), Value::str(v.as_str()));
        }
        vec![
            ("Name", Value::str(self.name.as_str())),
            ("Home", Value::str(self.home.as_str())),
            ("Sources", strings(&self.sources)),
            ("Version", Value::str(self.version.as_str())),
            ("Description", Value::str(self.description.as_str())),
            ("Keywords", strings(&self.keywords)),
            ("Maintainers", Value::list(self.maintainers.clone())),
            ("Icon", Value::str(self.icon.as_str())),
            ("APIVersion", Value::str(self.api_version.as_str())),
            ("Condition", Value::str(self.condition.as_str())),
            ("Tags", Value::str(self.tags.as_str())),
            ("AppVersion", Value::str(self.app_version.as_str())),
            ("Deprecated", Value::Bool(self.deprecated)),
            ("Annotations", Value::Map(annotations)),
            ("KubeVersion", Value::str(self.kube_version.as_str())),
            ("Dependencies", Value::list(self.dependencies.clone())),
            ("Type", Value::str(self.chart_type.as_str())),
        ]
    }

    /// `.Chart`: helm 3 hands templates a struct embedding `chart.Metadata` plus `IsRoot`;
    /// helm 4 a map of the same fields.
    pub fn to_value(&self, is_root: bool, compat: HelmCompat) -> Value {
        match compat {
            HelmCompat::V3 => Value::Object(Rc::new(ChartObject { meta: self.clone(), is_root })),
            HelmCompat::V4 => {
                let m = Map::new();
                for (k, v) in self.fields() {
                    m.insert(k, v);
                }
                m.insert("IsRoot", Value::Bool(is_root));
                Value::Map(m)
            }
        }
    }
}

/// helm 3's `.Chart`: `struct { chart.Metadata; IsRoot bool }`.
#[derive(Debug)]
struct ChartObject {
    meta: ChartMeta,
    is_root: bool,
}

impl Object for ChartObject {
    fn type_name(&self) -> &str {
        "struct { chart.Metadata; IsRoot bool }"
    }

    fn field(&self, name: &str) -> Option<Value> {
        if name == "IsRoot" {
            return Some(Value::Bool(self.is_root));
        }
        if name == "Metadata" {
            return Some(Value::Map(self.metadata_map()));
        }
        self.meta.fields().into_iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    fn go_format(&self) -> String {
        let inner: Vec<String> = self.meta.fields().iter().map(|(_, v)| v.go_format()).collect();
        format!("{{{{{}}} {}}}", inner.join(" "), self.is_root)
    }

    /// What `toJson`/`toYaml` see: `chart.Metadata`'s JSON fields (empty ones omitted) and `IsRoot`.
    fn to_value(&self) -> Value {
        let m = Map::new();
        let m_ref = &m;
        let put = |k: &str, v: Value, keep: bool| {
            if keep {
                m_ref.insert(k, v);
            }
        };
        let meta = &self.meta;
        put("name", Value::str(meta.name.as_str()), !meta.name.is_empty());
        put("home", Value::str(meta.home.as_str()), !meta.home.is_empty());
        put("sources", Value::string_list(meta.sources.iter().cloned()), !meta.sources.is_empty());
        put("version", Value::str(meta.version.as_str()), !meta.version.is_empty());
        put("description", Value::str(meta.description.as_str()), !meta.description.is_empty());
        put("keywords", Value::string_list(meta.keywords.iter().cloned()), !meta.keywords.is_empty());
        put("maintainers", Value::list(meta.maintainers.clone()), !meta.maintainers.is_empty());
        put("icon", Value::str(meta.icon.as_str()), !meta.icon.is_empty());
        put("apiVersion", Value::str(meta.api_version.as_str()), !meta.api_version.is_empty());
        put("condition", Value::str(meta.condition.as_str()), !meta.condition.is_empty());
        put("tags", Value::str(meta.tags.as_str()), !meta.tags.is_empty());
        put("appVersion", Value::str(meta.app_version.as_str()), !meta.app_version.is_empty());
        put("deprecated", Value::Bool(meta.deprecated), meta.deprecated);
        put("kubeVersion", Value::str(meta.kube_version.as_str()), !meta.kube_version.is_empty());
        put("dependencies", Value::list(meta.dependencies.clone()), !meta.dependencies.is_empty());
        put("type", Value::str(meta.chart_type.as_str()), !meta.chart_type.is_empty());
        m.insert("IsRoot", Value::Bool(self.is_root));
        Value::Map(m)
    }
}

impl ChartObject {
    fn metadata_map(&self) -> Map {
        let m = Map::new();
        for (k, v) in self.meta.fields() {
            m.insert(k, v);
        }
        m
    }
}

/// `.Capabilities`: the cluster's Kubernetes version and API versions, and helm's own version.
#[derive(Debug, Clone)]
pub struct Capabilities {
    pub compat: HelmCompat,
    /// `v1.30.0`.
    pub kube_version: String,
    pub api_versions: Vec<String>,
    pub helm_version: BuildInfo,
}

/// helm's `version.BuildInfo`.
#[derive(Debug, Clone)]
pub struct BuildInfo {
    pub version: String,
    pub git_commit: String,
    pub git_tree_state: String,
    pub go_version: String,
    /// helm 4 only.
    pub kube_client_version: Option<String>,
}

impl Capabilities {
    /// What `helm template` assumes without `--kube-version`/`--api-versions`: the defaults of
    /// helm 3.15.3 and helm 4.1.4 as released.
    pub fn default_for(compat: HelmCompat) -> Capabilities {
        let (kube, list, helm) = match compat {
            HelmCompat::V3 => (
                "v1.30.0",
                include_str!("api_versions_helm3.txt"),
                BuildInfo {
                    version: "v3.15.3".into(),
                    git_commit: "3bb50bbbdd9c946ba9989fbe4fb4104766302a64".into(),
                    git_tree_state: "clean".into(),
                    go_version: "go1.22.5".into(),
                    kube_client_version: None,
                },
            ),
            HelmCompat::V4 => (
                "v1.35.0",
                include_str!("api_versions_helm4.txt"),
                BuildInfo {
                    version: "v4.1.4".into(),
                    git_commit: "05fa37973dc9e42b76e1d2883494c87174b6074f".into(),
                    git_tree_state: "clean".into(),
                    go_version: "go1.25.9".into(),
                    kube_client_version: Some("v1.35".into()),
                },
            ),
        };
        Capabilities {
            compat,
            kube_version: kube.into(),
            api_versions: list.lines().map(str::to_string).collect(),
            helm_version: helm,
        }
    }

    pub fn to_value(&self) -> Value {
        Value::Object(Rc::new(CapabilitiesObject(self.clone())))
    }

    fn pkg(&self) -> &'static str {
        match self.compat {
            HelmCompat::V3 => "chartutil",
            HelmCompat::V4 => "common",
        }
    }

    fn kube(&self) -> KubeVersionObject {
        let trimmed = self.kube_version.trim_start_matches('v');
        let mut parts = trimmed.split('.');
        KubeVersionObject {
            compat: self.compat,
            version: self.kube_version.clone(),
            major: parts.next().unwrap_or_default().to_string(),
            minor: parts.next().unwrap_or_default().to_string(),
        }
    }
}

#[derive(Debug)]
struct CapabilitiesObject(Capabilities);

impl Object for CapabilitiesObject {
    fn type_name(&self) -> &str {
        match self.0.compat {
            HelmCompat::V3 => "*chartutil.Capabilities",
            HelmCompat::V4 => "*common.Capabilities",
        }
    }

    fn kind_name(&self) -> &str {
        "ptr"
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::Object(Rc::new(self.0.kube()))),
            "APIVersions" => Some(Value::Object(Rc::new(VersionSet {
                type_name: format!("{}.VersionSet", self.0.pkg()),
                versions: self.0.api_versions.clone(),
            }))),
            "HelmVersion" => Some(Value::Object(Rc::new(self.0.helm_version.clone()))),
            _ => None,
        }
    }

    fn go_format(&self) -> String {
        let set = Value::string_list(self.0.api_versions.iter().cloned()).go_format();
        format!("&{{{} {} {}}}", self.0.kube().struct_text(), set, self.0.helm_version.go_format())
    }

    fn to_value(&self) -> Value {
        let m = Map::new();
        m.insert("KubeVersion", self.0.kube().to_value());
        m.insert("APIVersions", Value::string_list(self.0.api_versions.iter().cloned()));
        m.insert("HelmVersion", self.0.helm_version.to_value());
        Value::Map(m)
    }
}

#[derive(Debug)]
struct KubeVersionObject {
    compat: HelmCompat,
    version: String,
    major: String,
    minor: String,
}

impl KubeVersionObject {
    /// The struct printed field by field (helm 4's has an unexported normalized version).
    fn struct_text(&self) -> String {
        match self.compat {
            HelmCompat::V3 => format!("{{{} {} {}}}", self.version, self.major, self.minor),
            HelmCompat::V4 => format!("{{{} {} {} {}}}", self.version, self.version, self.major, self.minor),
        }
    }
}

impl Object for KubeVersionObject {
    fn type_name(&self) -> &str {
        match self.compat {
            HelmCompat::V3 => "chartutil.KubeVersion",
            HelmCompat::V4 => "common.KubeVersion",
        }
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" => Some(Value::str(self.version.as_str())),
            "Major" => Some(Value::str(self.major.as_str())),
            "Minor" => Some(Value::str(self.minor.as_str())),
            _ => None,
        }
    }

    fn method(&self, name: &str) -> Option<Method> {
        match name {
            "String" | "GitVersion" => {
                let version = self.version.clone();
                Some(Method::new(Signature::fixed(&[]), move |_| Ok(Value::str(version.as_str()))))
            }
            _ => None,
        }
    }

    /// An action prints the field through its pointer's `String()`; `print` and `printf` get a
    /// copy and print the struct.
    fn go_format(&self) -> String {
        self.struct_text()
    }

    fn to_value(&self) -> Value {
        let m = Map::new();
        m.insert("Version", Value::str(self.version.as_str()));
        m.insert("Major", Value::str(self.major.as_str()));
        m.insert("Minor", Value::str(self.minor.as_str()));
        Value::Map(m)
    }
}

/// `.Capabilities.APIVersions`: a `[]string` with a `Has` method.
#[derive(Debug)]
struct VersionSet {
    type_name: String,
    versions: Vec<String>,
}

impl Object for VersionSet {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn kind_name(&self) -> &str {
        "slice"
    }

    fn method(&self, name: &str) -> Option<Method> {
        (name == "Has").then(|| {
            let versions = self.versions.clone();
            Method::new(Signature::fixed(&[Param::String]), move |a| {
                let wanted = a[0].as_str().unwrap_or_default();
                Ok(Value::Bool(versions.iter().any(|v| v == wanted)))
            })
        })
    }

    fn go_format(&self) -> String {
        self.underlying().map(|v| v.go_format()).unwrap_or_default()
    }

    fn to_value(&self) -> Value {
        Value::string_list(self.versions.iter().cloned())
    }

    fn underlying(&self) -> Option<Value> {
        Some(Value::List(Rc::new(List {
            elem: ElemType::String,
            items: self.versions.iter().map(|v| Value::str(v.as_str())).collect(),
        })))
    }
}

impl Object for BuildInfo {
    fn type_name(&self) -> &str {
        "version.BuildInfo"
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" => Some(Value::str(self.version.as_str())),
            "GitCommit" => Some(Value::str(self.git_commit.as_str())),
            "GitTreeState" => Some(Value::str(self.git_tree_state.as_str())),
            "GoVersion" => Some(Value::str(self.go_version.as_str())),
            "KubeClientVersion" => self.kube_client_version.as_deref().map(Value::str),
            _ => None,
        }
    }

    fn go_format(&self) -> String {
        let mut s = format!("{{{} {} {} {}", self.version, self.git_commit, self.git_tree_state, self.go_version);
        if let Some(k) = &self.kube_client_version {
            s.push(' ');
            s.push_str(k);
        }
        s.push('}');
        s
    }

    fn to_value(&self) -> Value {
        let m = Map::new();
        let put = |k: &str, v: &str| {
            if !v.is_empty() {
                m.insert(k, Value::str(v));
            }
        };
        put("version", &self.version);
        put("git_commit", &self.git_commit);
        put("git_tree_state", &self.git_tree_state);
        put("go_version", &self.go_version);
        if let Some(k) = &self.kube_client_version {
            m.insert("kube_client_version", Value::str(k.as_str()));
        }
        Value::Map(m)
    }
}

/// `.Files`: the chart's non-template files (`engine.files`, a `map[string][]byte`).
#[derive(Debug, Default, Clone)]
pub struct Files {
    pub files: Vec<(String, Vec<u8>)>,
}

impl Files {
    pub fn to_value(&self) -> Value {
        Value::Object(Rc::new(self.clone()))
    }

    /// helm's `AsConfig`/`AsSecrets`: base names to converted contents, as YAML.
    fn as_map(&self, conv: impl Fn(&[u8]) -> Value) -> String {
        if self.files.is_empty() {
            return String::new();
        }
        let m = Map::new();
        for (name, data) in &self.files {
            m.insert(name.rsplit('/').next().unwrap_or(name), conv(data));
        }
        crate::yaml::to_yaml(&Value::Map(m))
    }

    fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, d)| d.as_slice())
    }
}

impl Object for Files {
    fn type_name(&self) -> &str {
        "engine.files"
    }

    fn kind_name(&self) -> &str {
        "map"
    }

    fn method(&self, name: &str) -> Option<Method> {
        let files = self.clone();
        let sig = Signature::fixed(&[Param::String]);
        match name {
            "Get" => Some(Method::new(sig, move |a| {
                let data = files.get(a[0].as_str().unwrap_or_default()).unwrap_or_default();
                Ok(Value::from(String::from_utf8_lossy(data).into_owned()))
            })),
            "GetBytes" => Some(Method::new(sig, move |a| {
                Ok(Value::Bytes(files.get(a[0].as_str().unwrap_or_default()).unwrap_or_default().into()))
            })),
            "Lines" => Some(Method::new(sig, move |a| {
                let Some(data) = files.get(a[0].as_str().unwrap_or_default()) else {
                    return Ok(Value::string_list(Vec::new()));
                };
                let text = String::from_utf8_lossy(data);
                let text = text.strip_suffix('\n').unwrap_or(&text);
                Ok(Value::string_list(text.split('\n').map(str::to_string)))
            })),
            "Glob" => Some(Method::new(sig, move |a| {
                let pattern = a[0].as_str().unwrap_or_default().to_string();
                let files = files.files.iter().filter(|(n, _)| glob_match(&pattern, n)).cloned().collect();
                Ok(Files { files }.to_value())
            })),
            "AsConfig" => Some(Method::new(Signature::fixed(&[]), move |_| {
                Ok(Value::str(files.as_map(|d| Value::str(String::from_utf8_lossy(d).into_owned()))))
            })),
            "AsSecrets" => Some(Method::new(Signature::fixed(&[]), move |_| {
                use base64::Engine as _;
                Ok(Value::str(files.as_map(|d| Value::str(base64::engine::general_purpose::STANDARD.encode(d)))))
            })),
            _ => None,
        }
    }

    fn go_format(&self) -> String {
        self.underlying().map(|v| v.go_format()).unwrap_or_default()
    }

    fn underlying(&self) -> Option<Value> {
        let m = Map::new();
        for (name, data) in &self.files {
            m.insert(name.clone(), Value::Bytes(data.as_slice().into()));
        }
        Some(Value::Map(m))
    }
}

/// gobwas/glob with `/` as separator: `*` stays within a path segment, `**` crosses them,
/// `?`, `[...]` and `{a,b}` as usual.
fn glob_match(pattern: &str, name: &str) -> bool {
    fn alternatives(p: &[char]) -> Option<(Vec<Vec<char>>, usize)> {
        let mut depth = 0;
        let mut parts = vec![Vec::new()];
        for (i, &c) in p.iter().enumerate().skip(1) {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => return Some((parts, i)),
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(Vec::new());
                    continue;
                }
                _ => {}
            }
            parts.last_mut().unwrap().push(c);
        }
        None
    }
    fn rec(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') if p.get(1) == Some(&'*') => (0..=n.len()).any(|i| rec(&p[2..], &n[i..])),
            Some('*') => (0..=n.len()).take_while(|&i| i == 0 || n[i - 1] != '/').any(|i| rec(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && n[0] != '/' && rec(&p[1..], &n[1..]),
            Some('{') => match alternatives(p) {
                Some((alts, end)) => alts.iter().any(|alt| {
                    let mut q = alt.clone();
                    q.extend_from_slice(&p[end + 1..]);
                    rec(&q, n)
                }),
                None => n.first() == Some(&'{') && rec(&p[1..], &n[1..]),
            },
            Some('[') => {
                let Some(end) = p.iter().position(|&c| c == ']') else {
                    return n.first() == Some(&'[') && rec(&p[1..], &n[1..]);
                };
                let Some(&c) = n.first() else { return false };
                let (neg, set) = if p.get(1) == Some(&'!') { (true, &p[2..end]) } else { (false, &p[1..end]) };
                let mut hit = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == '-' {
                        hit |= set[i] <= c && c <= set[i + 2];
                        i += 3;
                    } else {
                        hit |= set[i] == c;
                        i += 1;
                    }
                }
                hit != neg && rec(&p[end + 1..], &n[1..])
            }
            Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && rec(&p[2..], &n[1..]),
            Some(c) => n.first() == Some(c) && rec(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    rec(&p, &n)
}

/// The top-level object of one chart's templates (`.` at the start of each template).
pub fn top_level(
    compat: HelmCompat,
    values: Map,
    chart: &ChartMeta,
    is_root: bool,
    release: &ReleaseInfo,
    caps: &Capabilities,
    files: &Files,
) -> Map {
    let top = Map::named(values_type(compat));
    top.insert("Values", Value::Map(values));
    top.insert("Release", Value::Map(release.to_map()));
    top.insert("Chart", chart.to_value(is_root, compat));
    top.insert("Capabilities", caps.to_value());
    top.insert("Files", files.to_value());
    top.insert("Subcharts", Value::Map(Map::new()));
    top
}
