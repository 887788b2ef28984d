//! A chart repository's `index.yaml`, read as helm reads it (`repo.loadIndex`): entries whose
//! metadata does not validate are skipped with a warning naming them, every chart's versions are
//! sorted newest first, and a version is resolved with helm's `IndexFile.Get` rules.
//!
//! The file is read from parser events straight into typed entries (no generic value tree), so a
//! 15 MB index costs little more than its entries. Scalars keep their source text, as
//! `sigs.k8s.io/yaml` does when the Go field is a string (`version: 1.0` is "1.0").

use std::collections::{BTreeMap, HashMap};

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::semver::{Constraints, Dialect, Version};
use crate::value::{Map, Value};

fn map_value(entries: BTreeMap<String, Value>) -> Value {
    Value::Map(Map::from_entries(entries))
}

/// One version of one chart in an index (helm's `ChartVersion`: chart metadata + urls, digest…).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartVersion {
    pub name: String,
    pub version: String,
    pub api_version: String,
    pub app_version: String,
    pub description: String,
    pub home: String,
    pub icon: String,
    pub kube_version: String,
    pub condition: String,
    pub tags: String,
    pub chart_type: String,
    pub deprecated: bool,
    pub keywords: Vec<String>,
    pub sources: Vec<String>,
    /// `{name, email, url}` maps, as written.
    pub maintainers: Vec<RawNode>,
    pub annotations: BTreeMap<String, String>,
    /// `dependencies:` maps, as written.
    pub dependencies: Vec<RawNode>,
    pub urls: Vec<String>,
    /// RFC 3339 text as written (empty when absent).
    pub created: String,
    pub removed: bool,
    pub digest: String,
}

/// A parsed `index.yaml`.
#[derive(Debug, Clone, Default)]
pub struct IndexFile {
    pub api_version: String,
    pub generated: String,
    /// Chart name → versions, newest first.
    pub entries: BTreeMap<String, Vec<ChartVersion>>,
    pub annotations: BTreeMap<String, String>,
    /// One line per skipped entry, in helm's words.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IndexError {
    #[error("empty index.yaml file")]
    Empty,
    #[error("no API version specified")]
    NoApiVersion,
    #[error("error loading {source_name}: line {line}: {message}")]
    Syntax { source_name: String, line: usize, message: String },
}

/// Why no version of a chart was chosen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResolveError {
    #[error("chart \"{name}\" not found in {repo}")]
    NoChart { name: String, repo: String },
    #[error("chart \"{name}\" version \"{constraint}\" not found in {repo}; available versions: {}", available_text(.available))]
    NoVersion { name: String, constraint: String, repo: String, available: Vec<String> },
    #[error("invalid version constraint \"{constraint}\" for chart \"{name}\": {message}")]
    BadConstraint { name: String, constraint: String, message: String },
}

fn available_text(versions: &[String]) -> String {
    if versions.is_empty() {
        return "none".into();
    }
    const SHOWN: usize = 20;
    let mut s = versions.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if versions.len() > SHOWN {
        s.push_str(&format!(", … ({} more)", versions.len() - SHOWN));
    }
    s
}

impl IndexFile {
    /// Parses an index (YAML or JSON). `source_name` names it in warnings and errors (a URL
    /// without credentials, or a path).
    pub fn parse(data: &[u8], source_name: &str) -> Result<IndexFile, IndexError> {
        if data.is_empty() {
            return Err(IndexError::Empty);
        }
        let text = String::from_utf8_lossy(data);
        let mut index = EventReader::new(&text, source_name).read_index()?;
        index.validate_entries(source_name);
        index.sort_entries();
        if index.api_version.is_empty() {
            return Err(IndexError::NoApiVersion);
        }
        Ok(index)
    }

    pub(super) fn validate_entries(&mut self, source_name: &str) {
        for (name, versions) in self.entries.iter_mut() {
            versions.retain_mut(|cv| match skip_warning(name, cv, source_name) {
                None => true,
                Some(w) => {
                    self.warnings.push(w);
                    false
                }
            });
        }
    }

    /// Sorts each chart's versions newest first; unparsable versions go last (helm's order).
    pub fn sort_entries(&mut self) {
        for versions in self.entries.values_mut() {
            let mut keyed: Vec<(Option<Version>, ChartVersion)> =
                versions.drain(..).map(|cv| (Version::parse(&cv.version).ok(), cv)).collect();
            // Stable sort, descending; Go's sort.Sort is not stable, but equal versions are rare
            // and helm's own order for them is unspecified.
            keyed.sort_by(|(a, _), (b, _)| match (a, b) {
                (Some(a), Some(b)) => b.cmp(a),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
            versions.extend(keyed.into_iter().map(|(_, cv)| cv));
        }
    }

    /// Helm's `IndexFile.Get`: an exact version string wins; otherwise the newest version that
    /// satisfies the constraint (`*`, i.e. the newest stable one, when none is given).
    pub fn get(&self, name: &str, constraint: &str, repo: &str) -> Result<&ChartVersion, ResolveError> {
        let versions = self
            .entries
            .get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ResolveError::NoChart { name: name.into(), repo: repo.into() })?;
        resolve(name, versions, constraint, repo, Dialect::V3_2)
    }

    /// Whether `name` has exactly `version`.
    pub fn has(&self, name: &str, version: &str) -> bool {
        self.entries.get(name).is_some_and(|vs| vs.iter().any(|cv| cv.version == version))
    }

    /// Adds the entries of `other` this index does not have (helm's `Merge`: existing wins).
    pub fn merge(&mut self, other: &IndexFile) {
        for versions in other.entries.values() {
            for cv in versions {
                if !self.has(&cv.name, &cv.version) {
                    self.entries.entry(cv.name.clone()).or_default().push(cv.clone());
                }
            }
        }
    }

    /// The index as helm writes it (`sigs.k8s.io/yaml.Marshal`: JSON field names, sorted keys,
    /// empty fields omitted).
    pub fn to_yaml(&self) -> String {
        let mut root = BTreeMap::new();
        root.insert("apiVersion".into(), Value::str(self.api_version.as_str()));
        let mut entries = BTreeMap::new();
        for (name, versions) in &self.entries {
            entries.insert(name.clone(), Value::list(versions.iter().map(ChartVersion::to_value).collect()));
        }
        root.insert("entries".into(), map_value(entries));
        root.insert("generated".into(), Value::str(self.generated.as_str()));
        if !self.annotations.is_empty() {
            root.insert("annotations".into(), string_map(&self.annotations));
        }
        crate::yaml::to_yaml(&map_value(root))
    }
}

/// helm's `loadIndex` verdict on one entry of chart `name`: `None` keeps it (a missing
/// `apiVersion` becomes v1), `Some(warning)` skips it with helm's warning text.
pub(super) fn skip_warning(name: &str, cv: &mut ChartVersion, source_name: &str) -> Option<String> {
    if cv.api_version.is_empty() {
        cv.api_version = "v1".into();
    }
    match cv.validate() {
        Ok(()) => None,
        // Indexes from some servers drop `alias`; helm keeps such entries.
        Err(e) if e.starts_with("validation: more than one dependency with name or alias") => None,
        Err(e) => Some(format!("skipping loading invalid entry for chart {:?} {:?} from {source_name}: {e}", name, cv.version)),
    }
}

/// Resolves a version among `versions` (newest first) by helm's rules.
pub fn resolve<'a>(
    name: &str,
    versions: &'a [ChartVersion],
    constraint: &str,
    repo: &str,
    dialect: Dialect,
) -> Result<&'a ChartVersion, ResolveError> {
    if !constraint.is_empty()
        && let Some(cv) = versions.iter().find(|cv| cv.version == constraint)
    {
        return Ok(cv);
    }
    let parsed = Constraints::parse_in(if constraint.is_empty() { "*" } else { constraint }, dialect).map_err(|e| {
        ResolveError::BadConstraint { name: name.into(), constraint: constraint.into(), message: e.to_string() }
    })?;
    for cv in versions {
        if let Ok(v) = Version::parse_in(&cv.version, dialect)
            && parsed.check(&v)
        {
            return Ok(cv);
        }
    }
    Err(ResolveError::NoVersion {
        name: name.into(),
        constraint: constraint.into(),
        repo: repo.into(),
        available: versions.iter().map(|cv| cv.version.clone()).collect(),
    })
}

fn string_map(m: &BTreeMap<String, String>) -> Value {
    map_value(m.iter().map(|(k, v)| (k.clone(), Value::str(v.as_str()))).collect())
}

fn string_list(items: &[String]) -> Value {
    Value::string_list(items.iter().cloned())
}

impl ChartVersion {
    /// Helm's `Metadata.Validate`, with its wording.
    pub fn validate(&self) -> Result<(), String> {
        let fail = |m: String| Err(format!("validation: {m}"));
        if self.api_version.is_empty() {
            return fail("chart.metadata.apiVersion is required".into());
        }
        if self.name.is_empty() {
            return fail("chart.metadata.name is required".into());
        }
        if self.name.contains('/') || self.name == "." || self.name == ".." {
            return fail(format!("chart.metadata.name {:?} is invalid", self.name));
        }
        if self.version.is_empty() {
            return fail("chart.metadata.version is required".into());
        }
        if Version::parse(&self.version).is_err() {
            return fail(format!("chart.metadata.version {:?} is invalid", self.version));
        }
        if !["", "application", "library"].contains(&self.chart_type.to_ascii_lowercase().as_str()) {
            return fail("chart.metadata.type must be application or library".into());
        }
        if self.maintainers.iter().any(|m| matches!(m, RawNode::Scalar(s, true) if is_null(s))) {
            return fail("chart.metadata.maintainers must not contain empty or nil elements".into());
        }
        let mut seen = std::collections::HashSet::new();
        for dep in &self.dependencies {
            let RawNode::Map(m) = dep else {
                return fail("dependencies must not contain empty or nil entries".into());
            };
            let field = |k: &str| m.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone().text()).unwrap_or_default();
            let alias = field("alias");
            if !alias.is_empty() && !alias.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
                return fail(format!("dependency {:?} has disallowed characters in the alias", field("name")));
            }
            let key = if alias.is_empty() { field("name") } else { alias };
            if !seen.insert(key.clone()) {
                return fail(format!("more than one dependency with name or alias {key:?}"));
            }
        }
        Ok(())
    }

    /// The metadata of a Chart.yaml as an index entry (no URLs or digest yet).
    pub fn from_chart_yaml(data: &[u8], source_name: &str) -> Result<ChartVersion, IndexError> {
        let text = String::from_utf8_lossy(data);
        let mut reader = EventReader::new(&text, source_name);
        match reader.next_content()? {
            Ev::MappingStart(..) => {}
            _ => return Err(reader.error("Chart.yaml is not a mapping")),
        }
        let mut cv = reader.read_version()?;
        if cv.api_version.is_empty() {
            cv.api_version = "v1".into();
        }
        Ok(cv)
    }

    /// Whether the chart's metadata marks it deprecated.
    pub fn is_deprecated(&self) -> bool {
        self.deprecated
    }

    fn to_value(&self) -> Value {
        let mut m = BTreeMap::new();
        let mut s = |k: &str, v: &str| {
            if !v.is_empty() {
                m.insert(k.to_string(), Value::str(v));
            }
        };
        s("name", &self.name);
        s("home", &self.home);
        s("version", &self.version);
        s("description", &self.description);
        s("icon", &self.icon);
        s("apiVersion", &self.api_version);
        s("condition", &self.condition);
        s("tags", &self.tags);
        s("appVersion", &self.app_version);
        s("kubeVersion", &self.kube_version);
        s("type", &self.chart_type);
        s("digest", &self.digest);
        s("created", &self.created);
        if !self.sources.is_empty() {
            m.insert("sources".into(), string_list(&self.sources));
        }
        if !self.keywords.is_empty() {
            m.insert("keywords".into(), string_list(&self.keywords));
        }
        if !self.maintainers.is_empty() {
            m.insert("maintainers".into(), Value::list(self.maintainers.iter().map(|n| typed(n, MAINTAINER_FIELDS)).collect()));
        }
        if !self.dependencies.is_empty() {
            m.insert("dependencies".into(), Value::list(self.dependencies.iter().map(|n| typed(n, DEPENDENCY_FIELDS)).collect()));
        }
        if !self.annotations.is_empty() {
            m.insert("annotations".into(), string_map(&self.annotations));
        }
        if self.deprecated {
            m.insert("deprecated".into(), Value::Bool(true));
        }
        if self.removed {
            m.insert("removed".into(), Value::Bool(true));
        }
        // `urls` has no omitempty in helm.
        m.insert("urls".into(), string_list(&self.urls));
        map_value(m)
    }
}

/// Field kinds of helm's `Maintainer` and `Dependency` structs, for writing them as helm does.
enum FieldKind {
    Text,
    Bool,
    Strings,
    Any,
}
const MAINTAINER_FIELDS: &[(&str, FieldKind)] = &[("name", FieldKind::Text), ("email", FieldKind::Text), ("url", FieldKind::Text)];
const DEPENDENCY_FIELDS: &[(&str, FieldKind)] = &[
    ("name", FieldKind::Text),
    ("version", FieldKind::Text),
    ("repository", FieldKind::Text),
    ("condition", FieldKind::Text),
    ("tags", FieldKind::Strings),
    ("enabled", FieldKind::Bool),
    ("import-values", FieldKind::Any),
    ("alias", FieldKind::Text),
];

/// A map node as its Go struct marshals: known fields only, empty ones left out.
fn typed(node: &RawNode, fields: &[(&str, FieldKind)]) -> Value {
    let RawNode::Map(pairs) = node else { return Value::Nil };
    let mut m = BTreeMap::new();
    for (name, kind) in fields {
        let Some((_, v)) = pairs.iter().find(|(k, _)| k == name) else { continue };
        let value = match kind {
            FieldKind::Text => Some(v.clone().text()).filter(|s| !s.is_empty()).map(|s| Value::str(s.as_str())),
            FieldKind::Bool => v.bool().then_some(Value::Bool(true)),
            FieldKind::Strings => Some(v.clone().strings()).filter(|l| !l.is_empty()).map(Value::string_list),
            FieldKind::Any => match v {
                RawNode::Seq(items) if !items.is_empty() => Some(v.to_value()),
                _ => None,
            },
        };
        if let Some(value) = value {
            m.insert(name.to_string(), value);
        }
    }
    map_value(m)
}

// ---------------------------------------------------------------- event reader

/// A small YAML tree for the parts of an entry that are kept as written (`Send`, unlike
/// `Value`, so indexes can be shared between threads). A scalar says whether it was plain.
#[derive(Debug, Clone, PartialEq)]
pub enum RawNode {
    Scalar(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl RawNode {
    /// The scalar's text (empty for null and non-scalars).
    pub fn text(self) -> String {
        self.text_inner()
    }

    fn text_inner(self) -> String {
        match self {
            Node::Scalar(s, plain) if plain && is_null(&s) => String::new(),
            Node::Scalar(s, _) => s,
            _ => String::new(),
        }
    }

    fn bool(&self) -> bool {
        matches!(self, Node::Scalar(s, true) if matches!(s.as_str(), "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y"))
    }

    fn strings(self) -> Vec<String> {
        match self {
            Node::Seq(items) => items.into_iter().map(Node::text).collect(),
            _ => Vec::new(),
        }
    }

    fn string_map(self) -> BTreeMap<String, String> {
        match self {
            Node::Map(pairs) => pairs.into_iter().map(|(k, v)| (k, v.text())).collect(),
            _ => BTreeMap::new(),
        }
    }

    /// As `sigs.k8s.io/yaml` would hand it to an `interface{}` field (strings, numbers, bools).
    pub fn to_value(&self) -> Value {
        match self {
            Node::Scalar(s, false) => Value::str(s.as_str()),
            Node::Scalar(s, true) => {
                if is_null(s) {
                    Value::Nil
                } else if s == "true" || s == "false" {
                    Value::Bool(s == "true")
                } else if let Ok(n) = s.parse::<i64>() {
                    Value::Float(n as f64)
                } else if let Ok(f) = s.parse::<f64>()
                    && s.chars().any(|c| c.is_ascii_digit())
                {
                    Value::Float(f)
                } else {
                    Value::str(s.as_str())
                }
            }
            Node::Seq(items) => Value::list(items.iter().map(Node::to_value).collect()),
            Node::Map(pairs) => map_value(pairs.iter().map(|(k, v)| (k.clone(), v.to_value())).collect()),
        }
    }
}

fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

pub(super) struct EventReader<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    source_name: &'a str,
    anchors: HashMap<usize, Node>,
    line: usize,
}

pub(super) type Ev<'a> = Event<'a>;

use RawNode as Node;

impl<'a> EventReader<'a> {
    pub(super) fn new(text: &'a str, source_name: &'a str) -> Self {
        EventReader { parser: Parser::new_from_str(text), source_name, anchors: HashMap::new(), line: 1 }
    }

    pub(super) fn error(&self, message: impl Into<String>) -> IndexError {
        IndexError::Syntax { source_name: self.source_name.into(), line: self.line, message: message.into() }
    }

    pub(super) fn next(&mut self) -> Result<Ev<'a>, IndexError> {
        match self.parser.next_event() {
            Some(Ok((ev, span))) => {
                self.line = span.start.line();
                Ok(ev)
            }
            Some(Err(e)) => {
                self.line = e.marker().line();
                Err(self.error(e.info().to_string()))
            }
            None => Ok(Ev::StreamEnd),
        }
    }

    /// The next event that is not stream/document framing.
    pub(super) fn next_content(&mut self) -> Result<Ev<'a>, IndexError> {
        loop {
            match self.next()? {
                Ev::StreamStart | Ev::DocumentStart(_) | Ev::Nothing => continue,
                ev => return Ok(ev),
            }
        }
    }

    pub(super) fn read_index(&mut self) -> Result<IndexFile, IndexError> {
        let mut index = IndexFile::default();
        match self.next_content()? {
            Ev::MappingStart(..) => {}
            Ev::StreamEnd | Ev::DocumentEnd => return Err(IndexError::Empty),
            _ => return Err(self.error("the index is not a mapping")),
        }
        loop {
            let key = match self.next()? {
                Ev::MappingEnd => break,
                Ev::Scalar(k, ..) => k.into_owned(),
                _ => return Err(self.error("expected a key of the index")),
            };
            match key.as_str() {
                "entries" => self.read_entries(&mut index)?,
                "apiVersion" => index.api_version = self.read_node()?.text(),
                "generated" => index.generated = self.read_node()?.text(),
                "annotations" => index.annotations = self.read_node()?.string_map(),
                _ => {
                    self.read_node()?;
                }
            }
        }
        Ok(index)
    }

    pub(super) fn read_entries(&mut self, index: &mut IndexFile) -> Result<(), IndexError> {
        match self.next()? {
            Ev::MappingStart(..) => {}
            Ev::Scalar(..) => return Ok(()),
            _ => return Err(self.error("`entries` is not a mapping")),
        }
        self.read_entry_pairs(index)
    }

    /// The `name: [versions]` pairs of `entries`; its MappingStart has been read.
    pub(super) fn read_entry_pairs(&mut self, index: &mut IndexFile) -> Result<(), IndexError> {
        loop {
            let name = match self.next()? {
                Ev::MappingEnd => return Ok(()),
                Ev::Scalar(k, ..) => k.into_owned(),
                _ => return Err(self.error("expected a chart name under `entries`")),
            };
            let mut versions = Vec::new();
            match self.next()? {
                Ev::SequenceStart(..) => loop {
                    match self.next()? {
                        Ev::SequenceEnd => break,
                        Ev::MappingStart(..) => versions.push(self.read_version()?),
                        Ev::Scalar(s, ..) if is_null(&s) => {
                            index.warnings.push(format!(
                                "skipping loading invalid entry for chart {name:?} from {}: empty entry",
                                self.source_name
                            ));
                        }
                        _ => return Err(self.error(format!("entry of chart {name:?} is not a mapping"))),
                    }
                },
                Ev::Scalar(..) => {}
                _ => return Err(self.error(format!("versions of chart {name:?} are not a list"))),
            }
            index.entries.insert(name, versions);
        }
    }

    /// One version entry; the MappingStart has been read.
    pub(super) fn read_version(&mut self) -> Result<ChartVersion, IndexError> {
        let mut cv = ChartVersion::default();
        loop {
            let key = match self.next()? {
                Ev::MappingEnd => return Ok(cv),
                Ev::Scalar(k, ..) => k.into_owned(),
                _ => return Err(self.error("expected a field of a chart version")),
            };
            let node = self.read_node()?;
            match key.as_str() {
                "name" => cv.name = node.text(),
                "version" => cv.version = node.text(),
                "apiVersion" => cv.api_version = node.text(),
                "appVersion" => cv.app_version = node.text(),
                "description" => cv.description = node.text(),
                "home" => cv.home = node.text(),
                "icon" => cv.icon = node.text(),
                "kubeVersion" => cv.kube_version = node.text(),
                "condition" => cv.condition = node.text(),
                "tags" => cv.tags = node.text(),
                "type" => cv.chart_type = node.text(),
                "deprecated" => cv.deprecated = node.bool(),
                "removed" => cv.removed = node.bool(),
                "keywords" => cv.keywords = node.strings(),
                "sources" => cv.sources = node.strings(),
                "urls" => cv.urls = node.strings(),
                "created" => cv.created = node.text(),
                "digest" => cv.digest = node.text(),
                "annotations" => cv.annotations = node.string_map(),
                "maintainers" | "dependencies" => {
                    let items = match node {
                        Node::Seq(items) => items,
                        _ => Vec::new(),
                    };
                    if key == "maintainers" {
                        cv.maintainers = items;
                    } else {
                        cv.dependencies = items;
                    }
                }
                _ => {}
            }
        }
    }

    fn read_node(&mut self) -> Result<Node, IndexError> {
        let ev = self.next()?;
        self.node_from(ev)
    }

    fn node_from(&mut self, ev: Ev<'a>) -> Result<Node, IndexError> {
        let (node, anchor) = match ev {
            Ev::Scalar(s, style, anchor, _) => (Node::Scalar(s.into_owned(), style == ScalarStyle::Plain), anchor),
            Ev::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    match self.next()? {
                        Ev::SequenceEnd => break,
                        ev => items.push(self.node_from(ev)?),
                    }
                }
                (Node::Seq(items), anchor)
            }
            Ev::MappingStart(anchor, _) => {
                let mut pairs = Vec::new();
                loop {
                    let key = match self.next()? {
                        Ev::MappingEnd => break,
                        ev => self.node_from(ev)?.text(),
                    };
                    let value = self.read_node()?;
                    pairs.push((key, value));
                }
                (Node::Map(pairs), anchor)
            }
            Ev::Alias(id) => {
                return self.anchors.get(&id).cloned().ok_or_else(|| self.error("unknown anchor"));
            }
            _ => return Err(self.error("unexpected YAML event")),
        };
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"apiVersion: v1
entries:
  web:
  - name: web
    version: 1.2.0
    urls: [web-1.2.0.tgz]
    digest: abc
  - name: web
    version: 1.10.0-rc.1
    urls: [web-1.10.0-rc.1.tgz]
  - name: web
    version: 1.3.0
    urls: [web-1.3.0.tgz]
  - name: web
    version: not-semver
  - name: web
  - version: 2.0.0
  num:
  - name: num
    version: 1.0
    appVersion: 2
    urls: ["https://example.test/num-1.0.tgz"]
generated: "2024-01-01T00:00:00Z"
"#;

    #[test]
    fn skips_invalid_entries_with_helms_warning_and_sorts_newest_first() {
        let index = IndexFile::parse(INDEX.as_bytes(), "test/index.yaml").expect("parses");
        let versions: Vec<&str> = index.entries["web"].iter().map(|cv| cv.version.as_str()).collect();
        assert_eq!(versions, ["1.10.0-rc.1", "1.3.0", "1.2.0"]);
        assert_eq!(index.warnings.len(), 3, "{:?}", index.warnings);
        assert!(index.warnings.iter().any(|w| w
            == r#"skipping loading invalid entry for chart "web" "not-semver" from test/index.yaml: validation: chart.metadata.version "not-semver" is invalid"#));
        assert!(index.warnings.iter().any(|w| w.contains("chart.metadata.name is required")));
        // numbers keep their text when the field is a string
        assert_eq!(index.entries["num"][0].version, "1.0");
        assert_eq!(index.entries["num"][0].app_version, "2");
    }

    #[test]
    fn resolves_like_helm_index_get() {
        let index = IndexFile::parse(INDEX.as_bytes(), "i").expect("parses");
        let get = |c: &str| index.get("web", c, "r").map(|cv| cv.version.clone());
        assert_eq!(get("").unwrap(), "1.3.0", "latest stable when no constraint");
        assert_eq!(get("^1.2").unwrap(), "1.3.0");
        assert_eq!(get("~1.2.0").unwrap(), "1.2.0");
        assert_eq!(get(">=1.10.0-0").unwrap(), "1.10.0-rc.1", "prereleases when asked");
        assert_eq!(get("1.10.0-rc.1").unwrap(), "1.10.0-rc.1", "exact match first");
        let err = get("^3").unwrap_err();
        assert_eq!(
            err.to_string(),
            "chart \"web\" version \"^3\" not found in r; available versions: 1.10.0-rc.1, 1.3.0, 1.2.0"
        );
        assert!(matches!(index.get("nope", "", "r"), Err(ResolveError::NoChart { .. })));
        assert!(matches!(get("!!bad"), Err(ResolveError::BadConstraint { .. })));
    }

    #[test]
    fn empty_and_missing_api_version() {
        assert_eq!(IndexFile::parse(b"", "x").unwrap_err(), IndexError::Empty);
        assert_eq!(IndexFile::parse(b"entries: {}\n", "x").unwrap_err(), IndexError::NoApiVersion);
        assert!(matches!(IndexFile::parse(b"apiVersion: v1\nentries: [\n", "x"), Err(IndexError::Syntax { .. })));
    }

    #[test]
    fn reads_json_indexes() {
        let json = r#"{"apiVersion":"v1","entries":{"a":[{"name":"a","version":"0.1.0","urls":["a-0.1.0.tgz"]}]}}"#;
        let index = IndexFile::parse(json.as_bytes(), "x").expect("parses");
        assert_eq!(index.entries["a"][0].urls, ["a-0.1.0.tgz"]);
    }
}
