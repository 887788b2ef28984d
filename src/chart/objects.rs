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
    /// One field by name, without building the others (`.Chart.Name` is read constantly).
    fn field(&self, name: &str) -> Option<Value> {
        let s = |v: &String| Some(Value::str(v.as_str()));
        match name {
            "Name" => s(&self.name),
            "Version" => s(&self.version),
            "AppVersion" => s(&self.app_version),
            "Description" => s(&self.description),
            "Home" => s(&self.home),
            "Icon" => s(&self.icon),
            "APIVersion" => s(&self.api_version),
            "Condition" => s(&self.condition),
            "Tags" => s(&self.tags),
            "KubeVersion" => s(&self.kube_version),
            "Type" => s(&self.chart_type),
            "Deprecated" => Some(Value::Bool(self.deprecated)),
            _ => self.fields().into_iter().find(|(k, _)| *k == name).map(|(_, v)| v),
        }
    }

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
                    // An unset `annotations` is a nil map[string]string.
                    let v = if k == "Annotations" && self.annotations.is_empty() {
                        Value::Object(Rc::new(NilStringMap))
                    } else {
                        v
                    };
                    m.insert(k, v);
                }
                m.insert("IsRoot", Value::Bool(is_root));
                Value::Map(m)
            }
        }
    }
}

/// A nil `map[string]string`: empty to templates, `null` to `toJson`/`toYaml`.
#[derive(Debug)]
struct NilStringMap;

impl Object for NilStringMap {
    fn type_name(&self) -> &str {
        "map[string]string"
    }

    fn kind_name(&self) -> &str {
        "map"
    }

    fn go_format(&self) -> String {
        "map[]".into()
    }

    fn underlying(&self) -> Option<Value> {
        Some(Value::Map(Map::with_elem(ElemType::String)))
    }

    fn elem_zero(&self) -> Value {
        Value::str("")
    }

    fn to_value(&self) -> Value {
        Value::Nil
    }
}

/// helm's `ReadValues`: a values file's text as the chart's values map (`chartutil.Values` /
/// `common.Values`), with helm's error texts; an empty document is an empty map. The engine
/// oracle test reads its cases' values with it.
pub fn read_values(text: &str, compat: HelmCompat) -> Result<Map, String> {
    let kind = |v: &Value| match v {
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Int64(_) | Value::Float(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "array",
        _ => "object",
    };
    let named = Map::named(values_type(compat));
    match crate::yaml::parse_values(text) {
        Ok(Value::Map(m)) => {
            for (k, v) in m.entries() {
                named.insert(k, v);
            }
            Ok(named)
        }
        Ok(Value::Nil) => Ok(named),
        Ok(other) => Err(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type {}",
            kind(&other),
            values_type(compat)
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// One entry of `.Chart.Dependencies` after helm processed it (alias as name, `enabled`,
/// rewritten `import-values`): helm 3 hands templates the `*chart.Dependency` itself, helm 4
/// a map of its fields.
pub fn dependency_value(d: &super::model::Dependency, compat: HelmCompat) -> Value {
    match compat {
        HelmCompat::V3 => Value::Object(Rc::new(DependencyObject(d.clone()))),
        HelmCompat::V4 => {
            let m = Map::new();
            m.insert("Alias", Value::str(d.alias.as_str()));
            m.insert("Condition", Value::str(d.condition.as_str()));
            m.insert("Enabled", Value::Bool(d.enabled));
            m.insert("ImportValues", Value::list(d.import_values.clone()));
            m.insert("Name", Value::str(d.name.as_str()));
            m.insert("Repository", Value::str(d.repository.as_str()));
            m.insert("Tags", Value::list(d.tags.iter().map(|t| Value::str(t.as_str())).collect()));
            m.insert("Version", Value::str(d.version.as_str()));
            Value::Map(m)
        }
    }
}

/// helm 3's `*chart.Dependency`.
#[derive(Debug)]
struct DependencyObject(super::model::Dependency);

impl DependencyObject {
    fn fields(&self) -> Vec<(&'static str, Value)> {
        let d = &self.0;
        vec![
            ("Name", Value::str(d.name.as_str())),
            ("Version", Value::str(d.version.as_str())),
            ("Repository", Value::str(d.repository.as_str())),
            ("Condition", Value::str(d.condition.as_str())),
            ("Tags", Value::string_list(d.tags.iter().cloned())),
            ("Enabled", Value::Bool(d.enabled)),
            ("ImportValues", Value::list(d.import_values.clone())),
            ("Alias", Value::str(d.alias.as_str())),
        ]
    }
}

impl Object for DependencyObject {
    fn type_name(&self) -> &str {
        "*chart.Dependency"
    }

    fn kind_name(&self) -> &str {
        "ptr"
    }

    fn field(&self, name: &str) -> Option<Value> {
        self.fields().into_iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    fn go_format(&self) -> String {
        let inner: Vec<String> = self.fields().iter().map(|(_, v)| v.go_format()).collect();
        format!("&{{{}}}", inner.join(" "))
    }

    fn struct_fields(&self) -> Option<Vec<(String, Value)>> {
        Some(self.fields().into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn to_value(&self) -> Value {
        let m = Map::new();
        for (k, v) in self.json_fields().unwrap_or_default() {
            m.insert(k, v);
        }
        Value::Map(m)
    }

    /// The JSON tags: `repository` is always written, the other optional fields only when set.
    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        let d = &self.0;
        let mut out = vec![("name".to_string(), Value::str(d.name.as_str()))];
        let mut put = |k: &str, v: Value, keep: bool| {
            if keep {
                out.push((k.to_string(), v));
            }
        };
        put("version", Value::str(d.version.as_str()), !d.version.is_empty());
        put("repository", Value::str(d.repository.as_str()), true);
        put("condition", Value::str(d.condition.as_str()), !d.condition.is_empty());
        put("tags", Value::string_list(d.tags.iter().cloned()), !d.tags.is_empty());
        put("enabled", Value::Bool(d.enabled), d.enabled);
        put("import-values", Value::list(d.import_values.clone()), !d.import_values.is_empty());
        put("alias", Value::str(d.alias.as_str()), !d.alias.is_empty());
        Some(out)
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
            return Some(Value::Object(Rc::new(MetadataObject(self.meta.clone()))));
        }
        self.meta.field(name)
    }

    fn go_format(&self) -> String {
        let inner: Vec<String> = self.meta.fields().iter().map(|(_, v)| v.go_format()).collect();
        format!("{{{{{}}} {}}}", inner.join(" "), self.is_root)
    }

    fn struct_fields(&self) -> Option<Vec<(String, Value)>> {
        Some(vec![
            ("Metadata".into(), Value::Object(Rc::new(MetadataObject(self.meta.clone())))),
            ("IsRoot".into(), Value::Bool(self.is_root)),
        ])
    }

    /// What `toJson`/`toYaml` see: `chart.Metadata`'s JSON fields (empty ones omitted) and `IsRoot`.
    fn to_value(&self) -> Value {
        let m = Map::new();
        for (k, v) in self.json_fields().unwrap_or_default() {
            m.insert(k, v);
        }
        Value::Map(m)
    }

    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        let mut out = Vec::new();
        let mut put = |k: &str, v: Value, keep: bool| {
            if keep {
                out.push((k.to_string(), v));
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
        let annotations = Map::with_elem(ElemType::String);
        for (k, v) in &meta.annotations {
            annotations.insert(k.clone(), Value::str(v.as_str()));
        }
        put("annotations", Value::Map(annotations), !meta.annotations.is_empty());
        put("kubeVersion", Value::str(meta.kube_version.as_str()), !meta.kube_version.is_empty());
        put("dependencies", Value::list(meta.dependencies.clone()), !meta.dependencies.is_empty());
        put("type", Value::str(meta.chart_type.as_str()), !meta.chart_type.is_empty());
        put("IsRoot", Value::Bool(self.is_root), true);
        Some(out)
    }
}

/// helm 3's `.Chart.Metadata`: the embedded `chart.Metadata` struct.
#[derive(Debug)]
struct MetadataObject(ChartMeta);

impl Object for MetadataObject {
    fn type_name(&self) -> &str {
        "chart.Metadata"
    }

    fn field(&self, name: &str) -> Option<Value> {
        self.0.field(name)
    }

    fn go_format(&self) -> String {
        let inner: Vec<String> = self.0.fields().iter().map(|(_, v)| v.go_format()).collect();
        format!("{{{}}}", inner.join(" "))
    }

    fn struct_fields(&self) -> Option<Vec<(String, Value)>> {
        Some(self.0.fields().into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        let all = (ChartObject { meta: self.0.clone(), is_root: false }).json_fields().unwrap_or_default();
        Some(all.into_iter().filter(|(k, _)| k != "IsRoot").collect())
    }

    fn to_value(&self) -> Value {
        let m = Map::new();
        for (k, v) in (ChartObject { meta: self.0.clone(), is_root: false }).json_fields().unwrap_or_default() {
            if k != "IsRoot" {
                m.insert(k, v);
            }
        }
        Value::Map(m)
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
    /// The server's own `major`/`minor` (which may differ from the version's, e.g. `30+`);
    /// `None`: read from `kube_version`.
    pub kube_major_minor: Option<(String, String)>,
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
            kube_major_minor: None,
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
        let (major, minor) = match &self.kube_major_minor {
            Some((major, minor)) => (major.clone(), minor.clone()),
            None => (parts.next().unwrap_or_default().to_string(), parts.next().unwrap_or_default().to_string()),
        };
        KubeVersionObject { compat: self.compat, version: self.kube_version.clone(), major, minor }
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

    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        Some(vec![
            ("KubeVersion".into(), Value::Object(Rc::new(self.0.kube()))),
            ("APIVersions".into(), Value::string_list(self.0.api_versions.iter().cloned())),
            ("HelmVersion".into(), Value::Object(Rc::new(self.0.helm_version.clone()))),
        ])
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

    fn action_text(&self) -> Option<String> {
        Some(self.version.clone())
    }

    fn struct_fields(&self) -> Option<Vec<(String, Value)>> {
        let mut out = vec![("Version".to_string(), Value::str(self.version.as_str()))];
        if self.compat == HelmCompat::V4 {
            out.push(("normalizedVersion".into(), Value::str(self.version.as_str())));
        }
        out.push(("Major".into(), Value::str(self.major.as_str())));
        out.push(("Minor".into(), Value::str(self.minor.as_str())));
        Some(out)
    }

    fn to_value(&self) -> Value {
        let m = Map::new();
        m.insert("Version", Value::str(self.version.as_str()));
        m.insert("Major", Value::str(self.major.as_str()));
        m.insert("Minor", Value::str(self.minor.as_str()));
        Value::Map(m)
    }

    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        Some(vec![
            ("Version".into(), Value::str(self.version.as_str())),
            ("Major".into(), Value::str(self.major.as_str())),
            ("Minor".into(), Value::str(self.minor.as_str())),
        ])
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

    fn json_fields(&self) -> Option<Vec<(String, Value)>> {
        let mut out: Vec<(String, Value)> = [
            ("version", &self.version),
            ("git_commit", &self.git_commit),
            ("git_tree_state", &self.git_tree_state),
            ("go_version", &self.go_version),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), Value::str(v.as_str())))
        .collect();
        if let Some(k) = &self.kube_client_version {
            out.push(("kube_client_version".into(), Value::str(k.as_str())));
        }
        Some(out)
    }
}

/// `.Files`: the chart's non-template files (`engine.files`, a `map[string][]byte`), with the
/// methods of helm's `engine/files.go`.
#[derive(Debug, Default, Clone)]
pub struct Files {
    pub files: Vec<(String, Vec<u8>)>,
}

impl Files {
    pub fn to_value(&self) -> Value {
        Value::Object(Rc::new(self.clone()))
    }

    fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, d)| d.as_slice())
    }

    /// `Glob`: the files whose names match a gobwas/glob pattern with `/` as separator; a
    /// pattern that does not compile matches everything (helm falls back to `**`).
    pub fn glob(&self, pattern: &str) -> Files {
        let matcher = glob::compile(pattern).unwrap_or_else(|| glob::compile("**").unwrap_or_default());
        Files { files: self.files.iter().filter(|(n, _)| glob::matches(&matcher, n)).cloned().collect() }
    }

    /// `AsConfig`/`AsSecrets`: base name → content (or base64 of it), as `toYaml` writes a map.
    fn as_map(&self, encode: impl Fn(&[u8]) -> String) -> String {
        let m = Map::new();
        for (name, data) in &self.files {
            let base = name.rsplit('/').next().unwrap_or(name);
            m.insert(base, Value::from(encode(data)));
        }
        crate::yaml::to_yaml(&Value::Map(m))
    }

    /// `Lines`: the file split at newlines, one final newline dropped; `[]` for a missing file.
    fn lines(&self, name: &str) -> Result<Value, String> {
        let Some(data) = self.get(name) else { return Ok(Value::string_list(Vec::new())) };
        let text = String::from_utf8_lossy(data);
        if text.is_empty() {
            return Err("runtime error: index out of range [-1]".into());
        }
        let text = text.strip_suffix('\n').unwrap_or(&text);
        Ok(Value::string_list(text.split('\n').map(str::to_string)))
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
        let arg = |a: &[Value]| a[0].as_str().unwrap_or_default().to_string();
        match name {
            "Get" => Some(Method::new(sig, move |a| {
                let data = files.get(&arg(&a)).unwrap_or_default();
                Ok(Value::from(String::from_utf8_lossy(data).into_owned()))
            })),
            "GetBytes" => Some(Method::new(sig, move |a| {
                Ok(Value::Bytes(files.get(&arg(&a)).unwrap_or_default().into()))
            })),
            "Lines" => Some(Method::new(sig, move |a| files.lines(&arg(&a)))),
            "Glob" => Some(Method::new(sig, move |a| Ok(files.glob(&arg(&a)).to_value()))),
            "AsConfig" => Some(Method::new(Signature::fixed(&[]), move |_| {
                Ok(Value::from(files.as_map(|d| String::from_utf8_lossy(d).into_owned())))
            })),
            "AsSecrets" => Some(Method::new(Signature::fixed(&[]), move |_| {
                Ok(Value::from(files.as_map(|d| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, d))))
            })),
            _ => None,
        }
    }

    fn go_format(&self) -> String {
        self.underlying().map(|v| v.go_format()).unwrap_or_default()
    }

    fn underlying(&self) -> Option<Value> {
        let m = Map::with_elem(ElemType::Bytes);
        for (name, data) in &self.files {
            m.insert(name.clone(), Value::Bytes(data.as_slice().into()));
        }
        Some(Value::Map(m))
    }

    fn elem_zero(&self) -> Value {
        Value::Bytes(Vec::new().into())
    }

    fn to_value(&self) -> Value {
        self.underlying().unwrap_or(Value::Nil)
    }
}

/// gobwas/glob patterns (`*`, `**`, `?`, `[a-z]`, `[!x]`, `{a,b}`, `\\`) with `/` as the
/// separator that `*` and `?` do not cross.
mod glob {
    #[derive(Debug, Clone)]
    pub enum Tok {
        Char(char),
        Any,
        Star,
        SuperStar,
        Class { negated: bool, ranges: Vec<(char, char)> },
        Alt(Vec<Vec<Tok>>),
    }

    /// The pattern's tokens; `None` when gobwas would fail to compile it.
    pub fn compile(pattern: &str) -> Option<Vec<Tok>> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let toks = seq(&chars, &mut pos, false)?;
        (pos == chars.len()).then_some(toks)
    }

    fn seq(c: &[char], pos: &mut usize, in_alt: bool) -> Option<Vec<Tok>> {
        let mut out = Vec::new();
        while *pos < c.len() {
            let ch = c[*pos];
            match ch {
                ',' | '}' if in_alt => return Some(out),
                '*' => {
                    if c.get(*pos + 1) == Some(&'*') {
                        *pos += 2;
                        out.push(Tok::SuperStar);
                    } else {
                        *pos += 1;
                        out.push(Tok::Star);
                    }
                }
                '?' => {
                    *pos += 1;
                    out.push(Tok::Any);
                }
                '\\' => {
                    *pos += 1;
                    let e = *c.get(*pos)?;
                    *pos += 1;
                    out.push(Tok::Char(e));
                }
                '[' => {
                    *pos += 1;
                    let negated = c.get(*pos) == Some(&'!');
                    if negated {
                        *pos += 1;
                    }
                    let mut ranges = Vec::new();
                    loop {
                        let a = *c.get(*pos)?;
                        if a == ']' {
                            *pos += 1;
                            break;
                        }
                        *pos += 1;
                        if c.get(*pos) == Some(&'-') && c.get(*pos + 1).is_some_and(|&b| b != ']') {
                            let b = c[*pos + 1];
                            *pos += 2;
                            ranges.push((a, b));
                        } else {
                            ranges.push((a, a));
                        }
                    }
                    out.push(Tok::Class { negated, ranges });
                }
                '{' => {
                    *pos += 1;
                    let mut alts = Vec::new();
                    loop {
                        alts.push(seq(c, pos, true)?);
                        match c.get(*pos)? {
                            ',' => *pos += 1,
                            _ => {
                                *pos += 1;
                                break;
                            }
                        }
                    }
                    out.push(Tok::Alt(alts));
                }
                _ => {
                    *pos += 1;
                    out.push(Tok::Char(ch));
                }
            }
        }
        if in_alt { None } else { Some(out) }
    }

    pub fn matches(toks: &[Tok], name: &str) -> bool {
        let chars: Vec<char> = name.chars().collect();
        m(toks, &chars)
    }

    fn m(toks: &[Tok], s: &[char]) -> bool {
        let Some((first, rest)) = toks.split_first() else { return s.is_empty() };
        match first {
            Tok::Char(c) => s.first() == Some(c) && m(rest, &s[1..]),
            Tok::Any => s.first().is_some_and(|&c| c != '/') && m(rest, &s[1..]),
            Tok::Class { negated, ranges } => s.first().is_some_and(|&c| {
                ranges.iter().any(|&(a, b)| a <= c && c <= b) != *negated
            }) && m(rest, &s[1..]),
            Tok::Star => {
                for i in 0..=s.len() {
                    if m(rest, &s[i..]) {
                        return true;
                    }
                    if i < s.len() && s[i] == '/' {
                        return false;
                    }
                }
                false
            }
            Tok::SuperStar => (0..=s.len()).any(|i| m(rest, &s[i..])),
            Tok::Alt(alts) => alts.iter().any(|alt| {
                let mut joined = alt.clone();
                joined.extend(rest.iter().cloned());
                m(&joined, s)
            }),
        }
    }
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
