//! Three-way diff of Kubernetes objects (last release, live, desired): normalisation, secret
//! masking, unified and JSON output. Pure: works on values it is handed.
//!
//! The engine feeds one release at a time:
//!
//! 1. [`parse_manifest`] turns the last release's manifest and the newly rendered one into
//!    [`Object`]s, each identified by an [`ObjectId`] (group, kind, namespace, name; the
//!    namespace defaulted from the release for namespaced kinds, as the engine's discovery says);
//! 2. the engine reads the live objects of those ids (and, for exact mode, the server-side
//!    dry-run results) and puts them in a [`ReleaseInput`];
//! 3. [`diff_release`] compares the three states and gives a [`ReleaseDiff`]: per object what
//!    apply will do ([`ChangeKind`]) and, separately, what drifted in the cluster since the last
//!    release ([`Drift`]);
//! 4. [`render_text`] / [`render_summary`] print it as helm-diff does, [`JsonReport`] is the
//!    `--output json` form.
//!
//! Noise-freedom rests on [`normalize`]: bookkeeping fields are dropped and, in fast mode (no
//! dry-run), the live object is projected onto the fields the chart sets, with Kubernetes'
//! equivalences (quantities, int/string, null/empty/absent) resolved towards the desired form.

mod normalize;
mod plan;
mod render;
mod sent;

use std::collections::BTreeMap;
use std::fmt;

use crate::value::{Map, Value};

pub use normalize::{IGNORED_ANNOTATIONS, IGNORED_ANNOTATION_PREFIXES, normalize, quantity_eq};
pub use plan::{ChangeKind, Counts, Drift, ObjectDiff, ReleaseDiff, ReleaseInput, diff_release};
pub use render::{JsonEntry, JsonReport, RenderOptions, render_summary, render_text};
pub use sent::SentDiff;

/// Where an object lives in the cluster. Two objects are the same cluster object when these
/// agree; the version is not part of it (the apiserver serves one object at every version).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ObjectId {
    /// API group, "" for the core group.
    pub group: String,
    pub kind: String,
    /// "" for cluster-scoped kinds.
    pub namespace: String,
    pub name: String,
}

impl ObjectId {
    /// helm-diff's `api` text: the apiVersion without its version (`apps`), or `v1` for core.
    pub fn api(&self) -> &str {
        if self.group.is_empty() { "v1" } else { &self.group }
    }

    /// helm-diff's key, `namespace, name, Kind (api)`; helm-diff prints the release namespace
    /// for cluster-scoped objects too, so `release_namespace` stands in for an empty one.
    pub fn helm_diff_key(&self, release_namespace: &str) -> String {
        let ns = if self.namespace.is_empty() { release_namespace } else { &self.namespace };
        format!("{}, {}, {} ({})", ns, self.name, self.kind, self.api())
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.group.is_empty() { self.kind.clone() } else { format!("{}.{}", self.kind, self.group) };
        if self.namespace.is_empty() {
            write!(f, "{}/{}", kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.namespace, kind, self.name)
        }
    }
}

/// One object of a manifest.
#[derive(Debug, Clone)]
pub struct Object {
    pub id: ObjectId,
    /// `apiVersion` as written (`apps/v1`).
    pub api_version: String,
    /// The template it came from (`# Source:` line), when the manifest says.
    pub source: Option<String>,
    /// The document as parsed; `metadata.namespace` is not filled in here.
    pub body: Value,
}

impl Object {
    /// An annotation of the object, if it is a string.
    pub fn annotation(&self, key: &str) -> Option<String> {
        get_path(&self.body, &["metadata", "annotations", key]).and_then(|v| v.as_str().map(str::to_string))
    }
}

/// How the engine tells which kinds are namespaced: `(group, kind) → Some(namespaced)` from
/// discovery, `None` when unknown (then [`builtin_namespaced`] decides, else namespaced).
pub type NamespacedLookup<'a> = &'a dyn Fn(&str, &str) -> Option<bool>;

/// Scope of the built-in kinds, for when discovery has no answer (CRDs not installed yet,
/// offline diffs, tests).
pub fn builtin_namespaced(group: &str, kind: &str) -> Option<bool> {
    const CLUSTER: &[(&str, &str)] = &[
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("policy", "PodSecurityPolicy"),
        ("networking.k8s.io", "IngressClass"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ];
    const NAMESPACED: &[(&str, &str)] = &[
        ("", "ConfigMap"),
        ("", "Secret"),
        ("", "Service"),
        ("", "ServiceAccount"),
        ("", "Pod"),
        ("", "PersistentVolumeClaim"),
        ("", "Endpoints"),
        ("", "LimitRange"),
        ("", "ResourceQuota"),
        ("", "ReplicationController"),
        ("", "PodTemplate"),
        ("", "Event"),
        ("apps", "Deployment"),
        ("apps", "StatefulSet"),
        ("apps", "DaemonSet"),
        ("apps", "ReplicaSet"),
        ("apps", "ControllerRevision"),
        ("batch", "Job"),
        ("batch", "CronJob"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("policy", "PodDisruptionBudget"),
        ("networking.k8s.io", "Ingress"),
        ("networking.k8s.io", "NetworkPolicy"),
        ("rbac.authorization.k8s.io", "Role"),
        ("rbac.authorization.k8s.io", "RoleBinding"),
        ("coordination.k8s.io", "Lease"),
        ("discovery.k8s.io", "EndpointSlice"),
        ("storage.k8s.io", "CSIStorageCapacity"),
    ];
    if CLUSTER.contains(&(group, kind)) {
        Some(false)
    } else if NAMESPACED.contains(&(group, kind)) {
        Some(true)
    } else {
        None
    }
}

/// A manifest that cannot be diffed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiffError {
    #[error("{what}: document {index}{}: {message}", source_suffix(.template))]
    Yaml { what: String, index: usize, template: Option<String>, message: String },
    #[error("{what}: document {index}{}: expected {expected}", source_suffix(.template))]
    Shape { what: String, index: usize, template: Option<String>, expected: String },
    #[error("{what}: {id} appears twice (in {first} and {second})")]
    Duplicate { what: String, id: ObjectId, first: String, second: String },
}

fn source_suffix(template: &Option<String>) -> String {
    template.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()
}

/// Splits a manifest as helm writes it (`---` lines, `# Source:` comments) into objects.
/// `what` names the manifest in errors (`last release rev 3`, `desired manifest`). Empty and
/// comment-only documents are skipped; `kind: List` documents give their items.
pub fn parse_manifest(
    what: &str,
    text: &str,
    release_namespace: &str,
    namespaced: NamespacedLookup<'_>,
) -> Result<Vec<Object>, DiffError> {
    let mut docs = Vec::new();
    for chunk in split_documents(text) {
        let source = chunk
            .lines()
            .find_map(|l| l.strip_prefix("# Source: ").map(|s| s.trim().to_string()));
        let index = docs.len() + 1;
        let value = crate::yaml::parse_values(chunk).map_err(|e| DiffError::Yaml {
            what: what.to_string(),
            index,
            template: source.clone(),
            message: e.message.clone(),
        })?;
        docs.push((source, value));
    }
    objects_from_values(what, docs, release_namespace, namespaced)
}

/// Documents of a multi-document stream: split at `---` lines (with or without trailing text).
pub fn split_documents(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == "---" || bare.starts_with("--- ") {
            out.push(&text[start..pos]);
            start = pos + line.len();
        }
        pos += line.len();
    }
    out.push(&text[start..]);
    out.into_iter().filter(|d| !d.trim().is_empty()).collect()
}

/// Objects from parsed documents (`(source, value)`), as [`parse_manifest`] makes them.
pub fn objects_from_values(
    what: &str,
    docs: Vec<(Option<String>, Value)>,
    release_namespace: &str,
    namespaced: NamespacedLookup<'_>,
) -> Result<Vec<Object>, DiffError> {
    let mut out: Vec<Object> = Vec::new();
    let mut seen: BTreeMap<ObjectId, usize> = BTreeMap::new();
    for (i, (source, value)) in docs.into_iter().enumerate() {
        let index = i + 1;
        let shape_err = |expected: &str| DiffError::Shape {
            what: what.to_string(),
            index,
            template: source.clone(),
            expected: expected.to_string(),
        };
        let Value::Map(map) = &value else {
            if value.is_nil() {
                continue;
            }
            return Err(shape_err("a mapping with apiVersion, kind and metadata.name"));
        };
        let api_version = map.get("apiVersion").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let kind = map.get("kind").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        if api_version.is_empty() && kind.is_empty() {
            continue; // a template that rendered only comments or empty keys
        }
        let items: Vec<Value> = if kind == "List" || (kind.ends_with("List") && map.contains_key("items")) {
            match map.get("items") {
                Some(Value::List(l)) => l.items.clone(),
                None | Some(Value::Nil) => Vec::new(),
                Some(_) => return Err(shape_err("items to be a list")),
            }
        } else {
            vec![value.clone()]
        };
        for item in items {
            let Value::Map(m) = &item else {
                return Err(shape_err("every List item to be a mapping"));
            };
            let api_version = m.get("apiVersion").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            let kind = m.get("kind").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            let name = get_path(&item, &["metadata", "name"]).and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            if api_version.is_empty() || kind.is_empty() {
                return Err(shape_err("apiVersion and kind"));
            }
            if name.is_empty() {
                return Err(shape_err(&format!("metadata.name in the {kind}")));
            }
            let group = match api_version.rsplit_once('/') {
                Some((g, _)) => g.to_string(),
                None => String::new(),
            };
            let is_namespaced =
                namespaced(&group, &kind).or_else(|| builtin_namespaced(&group, &kind)).unwrap_or(true);
            let namespace = if is_namespaced {
                get_path(&item, &["metadata", "namespace"])
                    .and_then(|v| v.as_str().map(str::to_string))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| release_namespace.to_string())
            } else {
                String::new()
            };
            let id = ObjectId { group, kind, namespace, name };
            if let Some(&prev) = seen.get(&id) {
                let where_ = |o: &Option<String>, n: usize| o.clone().unwrap_or_else(|| format!("document {n}"));
                return Err(DiffError::Duplicate {
                    what: what.to_string(),
                    id,
                    first: where_(&out[prev].source, prev + 1),
                    second: where_(&source, index),
                });
            }
            seen.insert(id.clone(), out.len());
            out.push(Object { id, api_version, source: source.clone(), body: item });
        }
    }
    Ok(out)
}

/// The value at a path of map keys.
pub(crate) fn get_path(v: &Value, path: &[&str]) -> Option<Value> {
    let mut cur = v.clone();
    for key in path {
        let next = cur.as_map()?.get(key)?;
        cur = next;
    }
    Some(cur)
}

/// A JSON document (as the apiserver returns it) as a [`Value`]: integers stay integers
/// (`Int64`), other numbers are `Float`, objects are maps.
pub fn value_from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int64(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::str(s.as_str()),
        serde_json::Value::Array(items) => Value::list(items.iter().map(value_from_json).collect()),
        // Collected, not inserted one by one: one map build, no borrow per entry.
        serde_json::Value::Object(o) => Value::Map(Map::from_entries(o.iter().map(|(k, v)| (k.clone(), value_from_json(v))).collect())),
    }
}

/// [`value_from_json`] of JSON text, read straight into a [`Value`] (no `serde_json::Value`
/// in between): what live objects kept as text become when a release compares them.
pub fn value_from_json_text(text: &str) -> Result<Value, serde_json::Error> {
    use serde::de::DeserializeSeed as _;
    let mut de = serde_json::Deserializer::from_str(text);
    let v = GoJson.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Builds a [`Value`] typed as client-go's unstructured decoding (and [`value_from_json`]) types
/// JSON: integers that fit `int64` are `Int64`, every other number `Float`.
struct GoJson;

impl<'de> serde::de::DeserializeSeed<'de> for GoJson {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for GoJson {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int64(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(match i64::try_from(u) {
            Ok(i) => Value::Int64(i),
            Err(_) => Value::Float(u as f64),
        })
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::str(s))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(GoJson)? {
            items.push(v);
        }
        Ok(Value::list(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(GoJson)?;
            entries.insert(k, v);
        }
        Ok(Value::Map(Map::from_entries(entries)))
    }
}

#[cfg(test)]
mod tests;
