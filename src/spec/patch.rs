//! What `kustomize build` does to a release's rendered manifests when helmfile's chartify runs
//! it for `strategicMergePatches` and `jsonPatches`, natively:
//!
//! 1. Every document is read as kustomize reads it (go-yaml v3's types: `yes` stays a string,
//!    `0755` is 493, a date is a timestamp) into JSON; empty documents are dropped.
//! 2. JSON 6902 patches apply to every object their target selects (group, version, kind,
//!    name and namespace are anchored regular expressions; selecting nothing is no error).
//! 3. Strategic merge patches apply to the one object with the patch's kind, apiVersion, name
//!    and effective namespace (none matching is an error). Lists merge by the patch merge key
//!    kustomize's built-in schema gives the field (the table below, written from the Kubernetes
//!    API); other lists, and every list of kinds it does not know (CRDs), are replaced. `null`
//!    deletes a key; `$patch: delete` / `$patch: replace` work on maps and list elements.
//! 4. Objects are sorted in kustomize's legacy order and printed as it prints them
//!    (`sigs.k8s.io/yaml`: sorted keys, go-yaml v2 layout).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map as JsonMap, Value as Json};

/// Why patching failed (the caller adds the release).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PatchError(pub String);

fn err(msg: impl Into<String>) -> PatchError {
    PatchError(msg.into())
}

/// A strategic merge patch: its documents, each applied to the object it names.
#[derive(Debug, Clone)]
pub struct StrategicPatch {
    /// How errors name the patch (`strategicMergePatches[0]` or its file).
    pub source: String,
    pub docs: Vec<Json>,
}

/// A JSON 6902 patch and the objects it targets.
#[derive(Debug, Clone)]
pub struct JsonPatch {
    pub source: String,
    pub target: Selector,
    pub ops: json_patch::Patch,
}

/// kustomize's patch target: anchored regular expressions (empty matches anything) and
/// label/annotation selectors.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub label_selector: String,
    pub annotation_selector: String,
}

impl Selector {
    /// From a `target:` map (string values; helmfile reads it as `map[string]string`).
    pub fn from_map(m: &JsonMap<String, Json>) -> Result<Selector, PatchError> {
        let mut s = Selector::default();
        for (k, v) in m {
            let text = match v {
                Json::String(t) => t.clone(),
                Json::Null => String::new(),
                other => other.to_string(),
            };
            match k.as_str() {
                "group" => s.group = text,
                "version" => s.version = text,
                "kind" => s.kind = text,
                "name" => s.name = text,
                "namespace" => s.namespace = text,
                "labelSelector" => s.label_selector = text,
                "annotationSelector" => s.annotation_selector = text,
                other => return Err(err(format!("target: unknown field {other:?}"))),
            }
        }
        Ok(s)
    }
}

/// The patches of one release, in the order chartify lists them (JSON patches first), and its
/// transformers (run after them).
#[derive(Debug, Clone, Default)]
pub struct Patches {
    pub json: Vec<JsonPatch>,
    pub strategic: Vec<StrategicPatch>,
    pub transformers: Vec<Transformer>,
}

impl Patches {
    pub fn is_empty(&self) -> bool {
        self.json.is_empty() && self.strategic.is_empty() && self.transformers.is_empty()
    }
}

/// A built-in kustomize transformer of those helmfile users write most: `LabelTransformer` and
/// `AnnotationsTransformer` (entries set at each field spec's path).
#[derive(Debug, Clone)]
pub struct Transformer {
    pub source: String,
    /// Entries to set, sorted by key (kustomize sets them in that order).
    pub entries: Vec<(String, String)>,
    pub field_specs: Vec<FieldSpec>,
}

/// kustomize's `fieldSpec`: which objects (group/version/kind, empty matches any) and where
/// (`a/b[]/c`), creating missing maps when `create` is set.
#[derive(Debug, Clone, Default)]
pub struct FieldSpec {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub path: Vec<String>,
    pub create: bool,
}

impl Transformer {
    /// From one transformer configuration document (`apiVersion: builtin`, `kind`, entries,
    /// `fieldSpecs`).
    pub fn from_config(source: &str, doc: &Json) -> Result<Transformer, PatchError> {
        let kind = doc.get("kind").and_then(Json::as_str).unwrap_or_default();
        let entries_key = match kind {
            "LabelTransformer" => "labels",
            "AnnotationsTransformer" => "annotations",
            other => {
                return Err(err(format!(
                    "{source}: transformer kind {other:?} is not supported (LabelTransformer and AnnotationsTransformer are)"
                )));
            }
        };
        let text = |v: &Json| scalar_text(v).unwrap_or_default();
        let mut entries: Vec<(String, String)> = match doc.get(entries_key) {
            Some(Json::Object(m)) => m.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
            None | Some(Json::Null) => Vec::new(),
            Some(other) => return Err(err(format!("{source}: {entries_key}: expected a map, got {other}"))),
        };
        entries.sort();
        let mut field_specs = Vec::new();
        for fs in doc.get("fieldSpecs").and_then(Json::as_array).into_iter().flatten() {
            let s = |k: &str| fs.get(k).map(text).unwrap_or_default();
            let path = s("path");
            field_specs.push(FieldSpec {
                group: s("group"),
                version: s("version"),
                kind: s("kind"),
                path: path.split('/').filter(|p| !p.is_empty()).map(str::to_string).collect(),
                create: fs.get("create").and_then(Json::as_bool).unwrap_or(false),
            });
        }
        Ok(Transformer { source: source.to_string(), entries, field_specs })
    }

    fn apply(&self, o: &mut Object) -> Result<(), PatchError> {
        let id = o.id();
        for (k, v) in &self.entries {
            for fs in &self.field_specs {
                if (!fs.kind.is_empty() && fs.kind != id.kind)
                    || (!fs.group.is_empty() && fs.group != id.group)
                    || (!fs.version.is_empty() && fs.version != id.version)
                {
                    continue;
                }
                set_entry_at(&mut o.json, &fs.path, fs.create, k, v)
                    .map_err(|e| err(format!("{}: considering field '{}' of object {}: {}", self.source, fs.path.join("/"), id.display(), e.0)))?;
            }
        }
        Ok(())
    }
}

/// kustomize's field spec walk: maps by field name (created with `create`), every element
/// of a list, then the entry set on the map found.
fn set_entry_at(node: &mut Json, path: &[String], create: bool, key: &str, value: &str) -> Result<(), PatchError> {
    let Some((first, rest)) = path.split_first() else {
        return match node {
            Json::Object(m) => {
                m.insert(key.to_string(), Json::String(value.to_string()));
                Ok(())
            }
            _ => Err(err("expected a map to set an entry in")),
        };
    };
    match node {
        Json::Null => Ok(()),
        Json::Array(items) => items.iter_mut().try_for_each(|i| set_entry_at(i, path, create, key, value)),
        Json::Object(m) => {
            let (name, is_seq) = match first.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (first.as_str(), false),
            };
            if name.is_empty() {
                return Err(err("cannot set or create an empty field name"));
            }
            if !create || is_seq {
                return match m.get_mut(name) {
                    Some(f) => set_entry_at(f, rest, create, key, value),
                    None => Ok(()),
                };
            }
            let field = m.entry(name.to_string()).or_insert(Json::Null);
            if field.is_null() {
                *field = Json::Object(JsonMap::new());
            }
            set_entry_at(field, rest, create, key, value)
        }
        _ => Err(err("expected sequence or mapping node")),
    }
}

/// One object: its JSON and where it came from (for errors).
struct Object {
    json: Json,
}

impl Object {
    fn str_at(&self, path: &[&str]) -> String {
        let mut cur = &self.json;
        for p in path {
            match cur.get(p) {
                Some(v) => cur = v,
                None => return String::new(),
            }
        }
        cur.as_str().map(str::to_string).unwrap_or_default()
    }
    fn id(&self) -> ResId {
        ResId::of(&self.json)
    }
}

/// kustomize's resource id.
#[derive(Debug, Clone, PartialEq)]
struct ResId {
    group: String,
    version: String,
    kind: String,
    name: String,
    namespace: String,
}

impl ResId {
    fn of(j: &Json) -> ResId {
        let s = |path: &[&str]| {
            let mut cur = j;
            for p in path {
                match cur.get(p) {
                    Some(v) => cur = v,
                    None => return String::new(),
                }
            }
            cur.as_str().map(str::to_string).unwrap_or_default()
        };
        let api = s(&["apiVersion"]);
        let (group, version) = match api.rsplit_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api),
        };
        ResId { group, version, kind: s(&["kind"]), name: s(&["metadata", "name"]), namespace: s(&["metadata", "namespace"]) }
    }

    /// `Kind.version.group/name.namespace`, with kustomize's placeholders for empty parts.
    fn gvk_string(&self) -> String {
        let or = |s: &str, d: &str| if s.is_empty() { d.to_string() } else { s.to_string() };
        format!("{}.{}.{}", or(&self.kind, "[noKind]"), or(&self.version, "[noVer]"), or(&self.group, "[noGrp]"))
    }

    fn display(&self) -> String {
        let or = |s: &str, d: &str| if s.is_empty() { d.to_string() } else { s.to_string() };
        format!("{}/{}.{}", self.gvk_string(), or(&self.name, "[noName]"), or(&self.namespace, "[noNs]"))
    }

    fn effective_namespace(&self) -> String {
        if is_cluster_scoped(&self.group, &self.kind) {
            "_non_namespaceable_".into()
        } else if self.namespace.is_empty() || self.namespace == "default" {
            "default".into()
        } else {
            self.namespace.clone()
        }
    }

    fn equals(&self, o: &ResId) -> bool {
        self.effective_namespace() == o.effective_namespace()
            && self.name == o.name
            && self.group == o.group
            && self.version == o.version
            && self.kind == o.kind
    }
}

/// Built-in cluster-scoped kinds (kustomize's schema knows them; anything else is namespaced).
fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("", "Namespace" | "Node" | "PersistentVolume" | "ComponentStatus")
            | ("rbac.authorization.k8s.io", "ClusterRole" | "ClusterRoleBinding")
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
            | ("storage.k8s.io", "StorageClass" | "CSIDriver" | "CSINode" | "VolumeAttachment")
            | ("scheduling.k8s.io", "PriorityClass")
            | ("admissionregistration.k8s.io", "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration")
            | ("apiregistration.k8s.io", "APIService")
            | ("networking.k8s.io", "IngressClass")
            | ("node.k8s.io", "RuntimeClass")
            | ("policy", "PodSecurityPolicy")
            | ("certificates.k8s.io", "CertificateSigningRequest")
            | ("flowcontrol.apiserver.k8s.io", "FlowSchema" | "PriorityLevelConfiguration")
    )
}

/// Runs the patches over the documents of `files` (rendered manifest texts) and returns the
/// objects as kustomize prints them, in its order: `(kind, yaml text ending in a newline)`.
pub fn kustomize(files: &[String], patches: &Patches) -> Result<Vec<(String, String)>, PatchError> {
    let mut objects: Vec<Object> = Vec::new();
    for text in files {
        for json in parse_documents(text)? {
            let o = Object { json };
            if o.str_at(&["kind"]).is_empty() {
                return Err(err(format!("missing kind in object {}", o.json)));
            }
            if o.str_at(&["metadata", "name"]).is_empty() {
                return Err(err(format!("missing metadata.name in object {}", o.id().display())));
            }
            let id = o.id();
            if objects.iter().any(|x| x.id() == id) {
                return Err(err(format!("may not add resource with an already registered id: {}", id.display())));
            }
            objects.push(o);
        }
    }
    for p in &patches.json {
        apply_json_patch(&mut objects, p)?;
    }
    for p in &patches.strategic {
        apply_strategic(&mut objects, p)?;
    }
    for t in &patches.transformers {
        for o in objects.iter_mut() {
            t.apply(o)?;
        }
    }
    let mut ids: Vec<(ResId, Object)> = objects.into_iter().map(|o| (o.id(), o)).collect();
    ids.sort_by(|a, b| legacy_cmp(&a.0, &b.0));
    ids.into_iter()
        .map(|(id, o)| Ok((id.kind.clone(), print(&o.json)?)))
        .collect()
}

fn apply_json_patch(objects: &mut [Object], p: &JsonPatch) -> Result<(), PatchError> {
    let re = |pat: &str| -> Result<Option<regex::Regex>, PatchError> {
        if pat.is_empty() {
            return Ok(None);
        }
        regex::Regex::new(&format!("^(?:{pat})$")).map(Some).map_err(|e| err(format!("{}: target: {e}", p.source)))
    };
    let (g, v, k, n, ns) = (re(&p.target.group)?, re(&p.target.version)?, re(&p.target.kind)?, re(&p.target.name)?, re(&p.target.namespace)?);
    let is = |r: &Option<regex::Regex>, s: &str| r.as_ref().is_none_or(|r| r.is_match(s));
    for o in objects.iter_mut() {
        let id = o.id();
        if !(is(&ns, &id.effective_namespace()) && is(&n, &id.name) && is(&g, &id.group) && is(&v, &id.version) && is(&k, &id.kind)) {
            continue;
        }
        if !selector_matches(&p.target.label_selector, o.json.pointer("/metadata/labels"))?
            || !selector_matches(&p.target.annotation_selector, o.json.pointer("/metadata/annotations"))?
        {
            continue;
        }
        json_patch::patch(&mut o.json, &p.ops).map_err(|e| err(format!("{}: applying to {}: {e}", p.source, id.display())))?;
    }
    Ok(())
}

/// A label selector of `k=v`, `k==v`, `k!=v`, `k`, `!k` terms joined by commas (the set forms
/// `k in (a,b)` are refused).
fn selector_matches(selector: &str, labels: Option<&Json>) -> Result<bool, PatchError> {
    if selector.trim().is_empty() {
        return Ok(true);
    }
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Json::as_str);
    for term in selector.split(',').map(str::trim) {
        if term.contains(" in ") || term.contains(" notin ") || term.contains('(') {
            return Err(err(format!("label selector {selector:?}: set-based terms are not supported")));
        }
        let ok = if let Some((k, v)) = term.split_once("!=") {
            get(k.trim()) != Some(v.trim())
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            get(k.trim()) == Some(v.trim())
        } else if let Some(k) = term.strip_prefix('!') {
            get(k.trim()).is_none()
        } else {
            get(term).is_some()
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn apply_strategic(objects: &mut Vec<Object>, p: &StrategicPatch) -> Result<(), PatchError> {
    for doc in &p.docs {
        let pid = ResId::of(doc);
        let matches: Vec<usize> = objects.iter().enumerate().filter(|(_, o)| o.id().equals(&pid)).map(|(i, _)| i).collect();
        let i = match matches.as_slice() {
            [i] => *i,
            [] => {
                return Err(err(format!(
                    "{}: no resource matches strategic merge patch \"{}\": no matches for Id {}; failed to find unique target for patch {}",
                    p.source,
                    pid.display(),
                    pid.display(),
                    pid.display()
                )));
            }
            _ => {
                return Err(err(format!(
                    "{}: multiple matches for Id {}; failed to find unique target for patch {}",
                    p.source,
                    pid.display(),
                    pid.display()
                )));
            }
        };
        let before = objects[i].id();
        let schema = Schema::for_object(&before.group, &before.kind);
        match merge_node(Some(&objects[i].json), doc, &schema, &mut Vec::new())? {
            None => {
                objects.remove(i);
            }
            Some(mut merged) => {
                // kustomize keeps the object's kind, name and namespace.
                if let Some(m) = merged.as_object_mut() {
                    m.insert("kind".into(), Json::String(before.kind.clone()));
                    let meta = m.entry("metadata").or_insert_with(|| Json::Object(JsonMap::new()));
                    if let Some(meta) = meta.as_object_mut() {
                        meta.insert("name".into(), Json::String(before.name.clone()));
                        if before.namespace.is_empty() {
                            meta.remove("namespace");
                        } else {
                            meta.insert("namespace".into(), Json::String(before.namespace.clone()));
                        }
                    }
                }
                if merged.as_object().is_none_or(|m| m.is_empty()) {
                    objects.remove(i);
                } else {
                    objects[i].json = merged;
                }
            }
        }
    }
    Ok(())
}

/// How a list field merges (kustomize's built-in schema).
#[derive(Debug, Clone, PartialEq)]
enum ListMerge {
    Replace,
    /// Elements merge by these keys (the merge key, or the list-map keys).
    Keys(Vec<&'static str>),
    /// A set of scalars (`finalizers`).
    Primitive,
}

/// The object's schema, as far as list merging needs it: `None` for kinds kustomize does not
/// know (every list is replaced).
struct Schema {
    /// Where the pod spec sits in this kind (map keys from the root).
    pod_spec: Option<&'static [&'static str]>,
    known: bool,
    kind: String,
}

impl Schema {
    fn for_object(group: &str, kind: &str) -> Schema {
        let pod_spec: Option<&'static [&'static str]> = match (group, kind) {
            ("", "Pod") => Some(&["spec"]),
            ("", "PodTemplate") => Some(&["template", "spec"]),
            ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") | ("", "ReplicationController") | ("batch", "Job") => {
                Some(&["spec", "template", "spec"])
            }
            ("batch", "CronJob") => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
            _ => None,
        };
        let known = pod_spec.is_some()
            || is_cluster_scoped(group, kind)
            || matches!(
                (group, kind),
                ("", "ConfigMap" | "Secret" | "Service" | "ServiceAccount" | "Endpoints" | "PersistentVolumeClaim" | "LimitRange" | "ResourceQuota" | "Event")
                    | ("rbac.authorization.k8s.io", "Role" | "RoleBinding")
                    | ("networking.k8s.io", "Ingress" | "NetworkPolicy")
                    | ("policy", "PodDisruptionBudget")
                    | ("autoscaling", "HorizontalPodAutoscaler")
                    | ("coordination.k8s.io", "Lease")
                    | ("discovery.k8s.io", "EndpointSlice")
            );
        Schema { pod_spec, known, kind: kind.to_string() }
    }

    /// The merge rule of the list at `path` (map keys from the root, list indices left out).
    fn list(&self, path: &[String]) -> ListMerge {
        if !self.known {
            return ListMerge::Replace;
        }
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let keys = |k: &[&'static str]| ListMerge::Keys(k.to_vec());
        // ObjectMeta, wherever it sits (the object's, a pod template's, a claim template's).
        match p.as_slice() {
            [.., "metadata", "finalizers"] => return ListMerge::Primitive,
            [.., "metadata", "ownerReferences"] => return keys(&["uid"]),
            _ => {}
        }
        if let Some(ps) = self.pod_spec
            && p.len() > ps.len()
            && p[..ps.len()] == *ps
        {
            let rest = &p[ps.len()..];
            return match rest {
                ["containers" | "initContainers" | "ephemeralContainers"] => keys(&["name"]),
                ["volumes" | "imagePullSecrets" | "schedulingGates" | "resourceClaims"] => keys(&["name"]),
                ["hostAliases"] => keys(&["ip"]),
                ["topologySpreadConstraints"] => keys(&["topologyKey", "whenUnsatisfiable"]),
                ["containers" | "initContainers" | "ephemeralContainers", "ports"] => keys(&["containerPort", "protocol"]),
                ["containers" | "initContainers" | "ephemeralContainers", "env"] => keys(&["name"]),
                ["containers" | "initContainers" | "ephemeralContainers", "volumeMounts"] => keys(&["mountPath"]),
                ["containers" | "initContainers" | "ephemeralContainers", "volumeDevices"] => keys(&["devicePath"]),
                _ => ListMerge::Replace,
            };
        }
        match (self.kind.as_str(), p.as_slice()) {
            ("Service", ["spec", "ports"]) => keys(&["port", "protocol"]),
            ("ServiceAccount", ["secrets"]) => keys(&["name"]),
            ("MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration", ["webhooks"]) => keys(&["name"]),
            _ => ListMerge::Replace,
        }
    }
}

const DIRECTIVE: &str = "$patch";

/// `$patch` of a map, or of a list (an element holding only the directive).
fn directive(patch: &Json) -> Result<Option<&str>, PatchError> {
    let d = match patch {
        Json::Object(m) => m.get(DIRECTIVE),
        Json::Array(items) => items.iter().filter_map(Json::as_object).find(|m| m.len() == 1 && m.contains_key(DIRECTIVE)).and_then(|m| m.get(DIRECTIVE)),
        _ => None,
    };
    match d {
        None => Ok(None),
        Some(Json::String(s)) if matches!(s.as_str(), "delete" | "replace" | "merge") => Ok(Some(s.as_str())),
        Some(other) => Err(err(format!("unknown patch strategy '{}'", other.as_str().map(str::to_string).unwrap_or_else(|| other.to_string())))),
    }
}

fn without_directive(patch: &Json) -> Json {
    match patch {
        Json::Object(m) => Json::Object(m.iter().filter(|(k, _)| *k != DIRECTIVE).map(|(k, v)| (k.clone(), v.clone())).collect()),
        Json::Array(items) => Json::Array(
            items.iter().filter(|i| !i.as_object().is_some_and(|m| m.len() == 1 && m.contains_key(DIRECTIVE))).cloned().collect(),
        ),
        other => other.clone(),
    }
}

/// kyaml's merge of `patch` into `dest` (`None`: the node is deleted).
fn merge_node(dest: Option<&Json>, patch: &Json, schema: &Schema, path: &mut Vec<String>) -> Result<Option<Json>, PatchError> {
    let dest = dest.filter(|d| !d.is_null());
    match patch {
        Json::Null => Ok(None),
        Json::Object(pm) => {
            let d = match dest {
                None => None,
                Some(Json::Object(dm)) => Some(dm),
                Some(other) => {
                    return Err(err(format!("{}: wrong node kind: expected a map, the object has {other}", path.join("."))));
                }
            };
            match directive(patch)? {
                Some("delete") => return Ok(None),
                Some("replace") => return Ok(Some(without_directive(patch))),
                _ => {}
            }
            let mut out: JsonMap<String, Json> = d.cloned().unwrap_or_default();
            for (k, pv) in pm {
                if k == DIRECTIVE {
                    continue;
                }
                path.push(k.clone());
                let merged = merge_node(out.get(k), pv, schema, path)?;
                path.pop();
                match merged {
                    Some(v) => {
                        out.insert(k.clone(), v);
                    }
                    None => {
                        out.remove(k);
                    }
                }
            }
            Ok(Some(Json::Object(out)))
        }
        Json::Array(pitems) => {
            let rule = schema.list(path);
            if rule == ListMerge::Replace {
                return Ok(Some(patch.clone()));
            }
            match directive(patch)? {
                Some("delete") => return Ok(None),
                Some("replace") => return Ok(Some(without_directive(patch))),
                _ => {}
            }
            let patch_items = match without_directive(patch) {
                Json::Array(a) => a,
                _ => pitems.clone(),
            };
            let dest_items: Vec<Json> = match dest {
                Some(Json::Array(a)) => a.clone(),
                None => Vec::new(),
                Some(other) => return Err(err(format!("{}: wrong node kind: expected a list, the object has {other}", path.join(".")))),
            };
            let merged = match rule {
                ListMerge::Primitive => merge_primitive(&dest_items, &patch_items),
                ListMerge::Keys(keys) => merge_associative(dest_items, &patch_items, &keys, schema, path)?,
                ListMerge::Replace => unreachable!("handled above"),
            };
            Ok(Some(Json::Array(merged)))
        }
        scalar => Ok(Some(scalar.clone())),
    }
}

/// A scalar's text as kyaml compares it (a node's `Value`).
fn scalar_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn merge_primitive(dest: &[Json], patch: &[Json]) -> Vec<Json> {
    let mut out: Vec<Json> = Vec::new();
    for v in patch.iter().chain(dest) {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

/// The key values of an element (`""` where the field is missing or empty), as kyaml's
/// `ElementValuesList` reads them.
fn key_values(elem: &Json, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| match elem.get(*k) {
            None | Some(Json::Null) => String::new(),
            Some(Json::Object(m)) if m.is_empty() => String::new(),
            Some(v) => scalar_text(v).unwrap_or_default(),
        })
        .collect()
}

/// kyaml's `FieldMatcher` over `keys[j] = values[j]` for the keys that have values (`""`
/// matches any value of a present field).
fn element_matches(elem: &Json, keys: &[&str], values: &[String]) -> bool {
    if values.is_empty() {
        return false;
    }
    keys.iter().enumerate().take(values.len()).all(|(j, k)| match elem.get(*k) {
        None => false,
        Some(v) if values[j].is_empty() => !v.is_null(),
        Some(v) => scalar_text(v).as_deref() == Some(values[j].as_str()),
    })
}

/// kyaml's `ElementSetter`: elements matching `keys = values` are replaced by `element` (or
/// dropped without one); empty elements go; no match appends `element`.
fn element_setter(list: &mut Vec<Json>, element: Option<&Json>, keys: &[&str], values: &[String]) {
    let mapping_setter = !keys.is_empty() && !keys[0].is_empty() && !values.is_empty() && !values[0].is_empty();
    let mut out = Vec::new();
    let mut found_any = false;
    for elem in list.drain(..) {
        if elem.is_null() || elem.as_object().is_some_and(|m| m.is_empty()) {
            continue;
        }
        if !elem.is_object() && mapping_setter {
            out.push(elem);
            continue;
        }
        if !element_matches(&elem, keys, values) {
            if !values.is_empty() {
                out.push(elem);
            }
            continue;
        }
        found_any = true;
        if let Some(e) = element {
            out.push(e.clone());
        }
    }
    *list = out;
    if let Some(e) = element
        && !found_any
    {
        list.push(e.clone());
    }
}

/// kyaml's `validateKeys`: the keys that have a value in any of `all`, and this tuple's values
/// for them.
fn valid_keys(all: &[Vec<String>], values: &[String], keys: &[&'static str]) -> (Vec<&'static str>, Vec<String>) {
    let valid: Vec<bool> = (0..keys.len()).map(|i| all.iter().any(|vs| vs.get(i).is_some_and(|v| !v.is_empty()))).collect();
    if !valid.iter().any(|v| *v) {
        return (keys.to_vec(), values.to_vec());
    }
    let ks = keys.iter().zip(&valid).filter(|(_, v)| **v).map(|(k, _)| *k).collect();
    let vs = values.iter().enumerate().filter(|(i, v)| !v.is_empty() || valid[*i]).map(|(_, v)| v.clone()).collect();
    (ks, vs)
}

/// kyaml's `match` of two key tuples: no conflicting values and one shared value.
fn tuples_match(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::new();
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
            continue;
        }
        if !x.is_empty() && !y.is_empty() {
            return None;
        }
        res.push(if x.is_empty() { y.clone() } else { x.clone() });
    }
    common.then_some(res)
}

/// kyaml's associative list merge with patch elements first (kustomize's "prepend").
fn merge_associative(
    mut dest: Vec<Json>,
    patch: &[Json],
    keys: &[&'static str],
    schema: &Schema,
    path: &mut Vec<String>,
) -> Result<Vec<Json>, PatchError> {
    // Key tuples: the patch's, then the object's, without repeats.
    let mut values: Vec<Vec<String>> = Vec::new();
    for e in patch.iter().chain(dest.iter()) {
        let v = key_values(e, keys);
        if !values.contains(&v) {
            values.push(v);
        }
    }
    if keys.len() > 1 {
        for i in 0..values.len() {
            for j in 0..values.len() {
                if let Some(m) = tuples_match(&values[i], &values[j]) {
                    values[i] = m.clone();
                    values[j] = m;
                }
            }
        }
    }
    let mut added: Vec<Json> = Vec::new();
    let mut last_keys: Vec<&'static str> = keys.to_vec();
    for vs in &values {
        if vs.is_empty() {
            continue;
        }
        let (vkeys, vvals) = valid_keys(&values, vs, keys);
        last_keys = vkeys.clone();
        // The element of each side, found by this tuple's non-empty keys.
        let (ekeys, evals) = valid_keys(std::slice::from_ref(&vvals), &vvals, &vkeys);
        let find = |list: &[Json]| list.iter().find(|e| e.is_object() && element_matches(e, &ekeys, &evals)).cloned();
        let d = find(&dest);
        let p = find(patch);
        let merged = match (&d, &p) {
            (_, Some(p)) => merge_node(d.as_ref(), p, schema, path)?,
            (Some(d), None) => Some(d.clone()),
            (None, None) => None,
        };
        let mut merged = match merged {
            Some(m) if !m.as_object().is_some_and(|o| o.is_empty()) => m,
            _ => {
                element_setter(&mut dest, None, &vkeys, &vvals);
                continue;
            }
        };
        if let Some(m) = merged.as_object_mut() {
            for (i, k) in vkeys.iter().enumerate() {
                if !m.contains_key(*k) && !vvals[i].is_empty() {
                    m.insert(k.to_string(), resolve_plain(&vvals[i]).unwrap_or(Json::String(vvals[i].clone())));
                }
            }
        }
        // The merged element stands for the object's element from here on.
        if d.is_some() {
            element_setter_identity(&mut dest, d.as_ref(), &merged);
        }
        element_setter(&mut added, Some(&merged), &vkeys, &vvals);
    }
    // The object's elements (merged in place) go over the new list.
    for elem in dest {
        let mut v: Vec<String> = Vec::new();
        for k in &last_keys {
            match elem.get(*k).filter(|x| !x.is_null()) {
                None => added.push(elem.clone()),
                Some(x) => v.push(scalar_text(x).unwrap_or_default()),
            }
        }
        if last_keys.len() > 1 {
            element_setter(&mut added, None, &last_keys, &v);
        }
        element_setter(&mut added, Some(&elem), &last_keys, &v);
    }
    Ok(added)
}

/// Replaces the element equal to `old` by `new` (kyaml merges into the object's node itself).
fn element_setter_identity(list: &mut [Json], old: Option<&Json>, new: &Json) {
    if let Some(old) = old
        && let Some(slot) = list.iter_mut().find(|e| *e == old)
    {
        *slot = new.clone();
    }
}

/// kustomize's legacy order: kinds by its priority lists, then group/version/kind, then
/// `gvk|namespace|name`.
fn legacy_cmp(a: &ResId, b: &ResId) -> std::cmp::Ordering {
    const FIRST: &[&str] = &[
        "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount", "PodSecurityPolicy", "Role",
        "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service", "LimitRange",
        "PriorityClass", "PersistentVolume", "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
    ];
    const LAST: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];
    let rank = |k: &str| -> i64 {
        if let Some(i) = FIRST.iter().position(|x| *x == k) {
            return i as i64 - FIRST.len() as i64;
        }
        LAST.iter().position(|x| *x == k).map_or(0, |i| 1 + i as i64)
    };
    let gvk_sort = |x: &ResId| {
        let or = |s: &str, d: &str| if s.is_empty() { d.to_string() } else { s.to_string() };
        format!("{}_{}_{}", or(&x.group, "~G"), or(&x.version, "~V"), or(&x.kind, "~K"))
    };
    let same_gvk = a.group == b.group && a.version == b.version && a.kind == b.kind;
    if !same_gvk {
        let (ra, rb) = (rank(&a.kind), rank(&b.kind));
        if ra != rb {
            return ra.cmp(&rb);
        }
        if a.kind == "Namespace" && b.kind == "Namespace" && (a.group.is_empty() || b.group.is_empty()) {
            return gvk_sort(b).cmp(&gvk_sort(a));
        }
        return gvk_sort(a).cmp(&gvk_sort(b));
    }
    let id_sort = |x: &ResId| {
        let ns = if x.namespace.is_empty() { "~X" } else { &x.namespace };
        let nm = if x.name.is_empty() { "~N" } else { &x.name };
        format!("{}|{ns}|{nm}", x.gvk_string())
    };
    id_sort(a).cmp(&id_sort(b))
}

/// An object as kustomize prints it: `sigs.k8s.io/yaml.JSONToYAML` of its JSON, without the
/// empty `metadata.annotations` its bookkeeping leaves.
fn print(j: &Json) -> Result<String, PatchError> {
    let mut j = j.clone();
    if let Some(meta) = j.get_mut("metadata").and_then(Json::as_object_mut)
        && meta.get("annotations").is_some_and(|a| a.as_object().is_some_and(|m| m.is_empty()) || a.is_null())
    {
        meta.remove("annotations");
    }
    crate::yaml::marshal(&json_to_value(&j)).map_err(|e| err(e.message))
}

fn json_to_value(j: &Json) -> crate::value::Value {
    use crate::value::{Map, Value};
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int64(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::from(s.clone()),
        Json::Array(a) => Value::list(a.iter().map(json_to_value).collect()),
        Json::Object(o) => {
            let m = Map::new();
            for (k, v) in o {
                m.insert(k.clone(), json_to_value(v));
            }
            Value::Map(m)
        }
    }
}

/// The documents of `text` as go-yaml v3 decodes them into Go values, then JSON (empty
/// documents left out).
pub fn parse_documents(text: &str) -> Result<Vec<Json>, PatchError> {
    let mut parser = Parser::new_from_str(text);
    let mut events: Vec<(Event<'static>, usize)> = Vec::new();
    while let Some(next) = parser.next_event() {
        let (ev, span) = next.map_err(|e| err(format!("yaml: line {}: {}", e.marker().line(), e.info())))?;
        let line = span.start.line();
        let ev = crate::yaml::roundtrip::owned_event(ev);
        events.push((ev, line));
    }
    let mut out = Vec::new();
    let mut pos = 0;
    let mut anchors: HashMap<usize, Json> = HashMap::new();
    while pos < events.len() {
        if matches!(events[pos].0, Event::DocumentStart(_)) {
            pos += 1;
            if matches!(events.get(pos).map(|e| &e.0), Some(Event::DocumentEnd)) {
                continue;
            }
            let v = node(&events, &mut pos, &mut anchors)?;
            if !v.is_null() {
                out.push(v);
            }
        } else {
            pos += 1;
        }
    }
    Ok(out)
}

fn node(events: &[(Event<'static>, usize)], pos: &mut usize, anchors: &mut HashMap<usize, Json>) -> Result<Json, PatchError> {
    let (ev, line) = &events[*pos];
    *pos += 1;
    let (v, anchor) = match ev {
        Event::Scalar(value, style, anchor, tag) => {
            let v = match tag {
                Some(t) if t.suffix == "str" => Json::String(value.to_string()),
                Some(t) if !t.suffix.is_empty() && !matches!(t.suffix.as_str(), "int" | "float" | "bool" | "null") => {
                    return Err(err(format!("yaml: line {line}: the tag !{} is not supported here", t.suffix)));
                }
                _ if *style == ScalarStyle::Plain => resolve_plain(value).map_err(|e| err(format!("yaml: line {line}: {}", e.0)))?,
                _ => Json::String(value.to_string()),
            };
            (v, *anchor)
        }
        Event::SequenceStart(anchor, _) => {
            let mut items = Vec::new();
            while !matches!(events.get(*pos).map(|e| &e.0), Some(Event::SequenceEnd) | None) {
                items.push(node(events, pos, anchors)?);
            }
            *pos += 1;
            (Json::Array(items), *anchor)
        }
        Event::MappingStart(anchor, _) => {
            let mut m = JsonMap::new();
            while !matches!(events.get(*pos).map(|e| &e.0), Some(Event::MappingEnd) | None) {
                let key_line = events[*pos].1;
                let k = node(events, pos, anchors)?;
                let v = node(events, pos, anchors)?;
                let key = match &k {
                    Json::String(s) => s.clone(),
                    Json::Null => "null".into(),
                    other => scalar_text(other).unwrap_or_else(|| other.to_string()),
                };
                if key == "<<" {
                    // A merge key: the merged map's entries, the map's own win.
                    let merged: Vec<Json> = match v {
                        Json::Array(a) => a,
                        other => vec![other],
                    };
                    for mm in merged.iter().rev() {
                        if let Json::Object(o) = mm {
                            for (k, v) in o {
                                m.entry(k.clone()).or_insert_with(|| v.clone());
                            }
                        }
                    }
                    continue;
                }
                if m.contains_key(&key) {
                    return Err(err(format!("yaml: line {key_line}: mapping key {key:?} already defined")));
                }
                m.insert(key, v);
            }
            *pos += 1;
            (Json::Object(m), *anchor)
        }
        Event::Alias(id) => {
            return anchors.get(id).cloned().ok_or_else(|| err(format!("yaml: line {line}: unknown anchor")));
        }
        _ => (Json::Null, 0),
    };
    if anchor != 0 {
        anchors.insert(anchor, v.clone());
    }
    Ok(v)
}

/// A plain scalar as go-yaml v3 resolves it, as JSON: null, booleans, ints (Go's base
/// prefixes, `_` separators, a leading `0` for octal), floats, timestamps (as
/// `encoding/json` writes a `time.Time`), otherwise a string.
pub fn resolve_plain(s: &str) -> Result<Json, PatchError> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Json::Null),
        "true" | "True" | "TRUE" => return Ok(Json::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Json::Bool(false)),
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" => {
            return Err(err(format!("json: unsupported value: {s}")));
        }
        _ => {}
    }
    let first = s.as_bytes()[0];
    if first.is_ascii_digit() || first == b'+' || first == b'-' {
        if let Some(t) = timestamp(s) {
            return Ok(Json::String(t));
        }
        let plain = s.replace('_', "");
        if let Some(i) = go_parse_int(&plain) {
            return Ok(Json::from(i));
        }
        if let Some(u) = go_parse_uint(&plain) {
            return Ok(Json::from(u));
        }
        if crate::yaml::is_yaml_float(&plain)
            && let Ok(f) = plain.parse::<f64>()
            && let Some(n) = serde_json::Number::from_f64(f)
        {
            return Ok(Json::Number(n));
        }
    } else if first == b'.'
        && crate::yaml::is_yaml_float(s)
        && let Ok(f) = s.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Ok(Json::Number(n));
    }
    Ok(Json::String(s.to_string()))
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let u = go_parse_uint(body)?;
    if neg {
        if u <= i64::MAX as u64 + 1 { Some((u as i128).wrapping_neg() as i64) } else { None }
    } else {
        i64::try_from(u).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` (no sign).
fn go_parse_uint(s: &str) -> Option<u64> {
    let (digits, radix) = if let Some(r) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        (r, 8)
    } else if let Some(r) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        (r, 2)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// go-yaml v3's timestamps (`2006-1-2`, `2006-1-2T15:4:5Z`, with fractions and offsets), as
/// Go's `time.Time` marshals to JSON (RFC 3339 with nanoseconds trimmed).
fn timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let (y, m, d) = (dp.next()?, dp.next()?, dp.next()?);
    if dp.next().is_some() || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let Some(time) = time else { return Some(format!("{y}-{m:02}-{d:02}T00:00:00Z")) };
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => (&time[..i], &time[i..]),
        None => (time, "Z"),
    };
    let (hms, frac) = clock.split_once('.').map_or((clock, ""), |(a, b)| (a, b));
    let mut tp = hms.split(':');
    let (h, mi, se): (u32, u32, u32) = (tp.next()?.parse().ok()?, tp.next()?.parse().ok()?, tp.next()?.parse().ok()?);
    if tp.next().is_some() || h > 23 || mi > 59 || se > 59 || !frac.chars().all(|c| c.is_ascii_digit()) || frac.len() > 9 {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let frac = if frac.is_empty() { String::new() } else { format!(".{frac}") };
    let zone = match zone {
        "Z" => "Z".to_string(),
        z if z.len() == 6 && &z[3..4] == ":" => {
            if &z[1..] == "00:00" { "Z".to_string() } else { z.to_string() }
        }
        _ => return None,
    };
    Some(format!("{y}-{m:02}-{d:02}T{h:02}:{mi:02}:{se:02}{frac}{zone}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(resources: &str, smp: &[&str], json: &[(&str, &str)]) -> String {
        let mut patches = Patches::default();
        for (i, p) in smp.iter().enumerate() {
            patches.strategic.push(StrategicPatch { source: format!("smp{i}"), docs: parse_documents(p).unwrap() });
        }
        for (i, (target, ops)) in json.iter().enumerate() {
            let t = parse_documents(target).unwrap().remove(0);
            let ops: json_patch::Patch = serde_json::from_value(parse_documents(ops).unwrap().remove(0)).unwrap();
            patches.json.push(JsonPatch { source: format!("json{i}"), target: Selector::from_map(t.as_object().unwrap()).unwrap(), ops });
        }
        kustomize(&[resources.to_string()], &patches).unwrap().into_iter().map(|(_, t)| t).collect::<Vec<_>>().join("---\n")
    }

    #[test]
    fn scalars_resolve_as_go_yaml_v3() {
        assert_eq!(resolve_plain("yes").unwrap(), Json::from("yes"));
        assert_eq!(resolve_plain("0755").unwrap(), Json::from(493));
        assert_eq!(resolve_plain("1_000").unwrap(), Json::from(1000));
        assert_eq!(resolve_plain("12345678901234567890").unwrap(), Json::from(12345678901234567890u64));
        assert_eq!(resolve_plain("2.50").unwrap(), Json::from(2.5));
        assert_eq!(resolve_plain("08").unwrap(), Json::from(8.0));
        assert_eq!(resolve_plain("2024-01-01").unwrap(), Json::from("2024-01-01T00:00:00Z"));
        assert_eq!(resolve_plain("1.10.3").unwrap(), Json::from("1.10.3"));
    }

    /// Outputs of kustomize v5.8.1 `build` on the same inputs.
    #[test]
    fn strategic_merge_matches_kustomize() {
        let res = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"nginx:1.0\"\n          env:\n            - name: A\n              value: \"1\"\n        - name: side\n          image: busybox\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  z: \"1\"\n  a: |\n    multi\n    line\n";
        let smp = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:2.0\n        env:\n        - name: B\n          value: \"2\"\n      - name: extra\n        image: alpine\n";
        let want = "apiVersion: v1\ndata:\n  a: |\n    multi\n    line\n  z: \"1\"\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    app: web\n  name: web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - env:\n        - name: B\n          value: \"2\"\n        - name: A\n          value: \"1\"\n        image: nginx:2.0\n        name: web\n      - image: alpine\n        name: extra\n      - image: busybox\n        name: side\n";
        assert_eq!(run(res, &[smp], &[]), want);
    }

    #[test]
    fn multi_key_lists_and_directives_match_kustomize() {
        let res = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: team\n  annotations: {}\n  labels: {}\ndata:\n  a: \"1\"\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  namespace: team\nspec:\n  ports:\n  - port: 80\n    name: http\n  - port: 53\n    protocol: UDP\n    name: dns\n  - port: 53\n    protocol: TCP\n    name: dnstcp\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: team\n  finalizers: [a, b]\nspec:\n  template:\n    spec:\n      tolerations:\n      - key: a\n      volumes:\n      - name: v1\n        emptyDir: {}\n      - name: v2\n        emptyDir: {}\n      containers:\n      - name: web\n        image: x\n        ports:\n        - containerPort: 80\n          protocol: TCP\n        - containerPort: 81\n";
        let smp = "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  namespace: team\nspec:\n  ports:\n  - port: 53\n    protocol: UDP\n    name: dns2\n  - port: 8080\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: team\n  finalizers: [c, a]\nspec:\n  template:\n    spec:\n      tolerations:\n      - key: b\n      volumes:\n      - name: v1\n        $patch: delete\n      - name: v3\n        configMap:\n          name: x\n      containers:\n      - name: web\n        ports:\n        - containerPort: 80\n          name: http\n        resources:\n          $patch: replace\n          limits: {cpu: 1}\n";
        let want = "apiVersion: v1\ndata:\n  a: \"1\"\n  b: \"2\"\nkind: ConfigMap\nmetadata:\n  labels: {}\n  name: cfg\n  namespace: team\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  namespace: team\nspec:\n  ports:\n  - port: 8080\n  - name: http\n    port: 80\n  - name: dns2\n    port: 53\n    protocol: UDP\n  - name: dnstcp\n    port: 53\n    protocol: TCP\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  finalizers:\n  - c\n  - a\n  - b\n  name: web\n  namespace: team\nspec:\n  template:\n    spec:\n      containers:\n      - image: x\n        name: web\n        ports:\n        - containerPort: 80\n          protocol: TCP\n        - containerPort: 81\n        resources:\n          limits:\n            cpu: 1\n      tolerations:\n      - key: b\n      volumes:\n      - configMap:\n          name: x\n        name: v3\n      - emptyDir: {}\n        name: v2\n";
        let json = [("kind: Secret", "- op: add\n  path: /data/b\n  value: \"2\"\n"), ("kind: ConfigMap\nname: c.*", "- op: add\n  path: /data/b\n  value: \"2\"\n")];
        assert_eq!(run(res, &[smp], &json), want);
    }

    /// kustomize v5.8.1: labels set through a list and created where missing; a field spec of
    /// another kind or a missing path without `create` is left alone.
    #[test]
    fn label_transformer_matches_kustomize() {
        let config = "apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\nlabels:\n  team: a\n  cost: \"12\"\nfieldSpecs:\n- path: metadata/labels\n  create: true\n- kind: Widget\n  path: spec/colors[]/labels\n  create: true\n- kind: Service\n  path: spec/selector\n";
        let t = Transformer::from_config("t", &parse_documents(config).unwrap()[0]).unwrap();
        let patches = Patches { transformers: vec![t], ..Patches::default() };
        let res = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  colors:\n  - name: red\n  - name: blue\n    labels: {x: y}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: null\n";
        let got: Vec<String> = kustomize(&[res.to_string()], &patches).unwrap().into_iter().map(|(_, t)| t).collect();
        assert_eq!(got[0], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    cost: \"12\"\n    team: a\n  name: c\n");
        assert_eq!(
            got[1],
            "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  labels:\n    cost: \"12\"\n    team: a\n  name: w\nspec:\n  colors:\n  - labels:\n      cost: \"12\"\n      team: a\n    name: red\n  - labels:\n      cost: \"12\"\n      team: a\n      x: \"y\"\n    name: blue\n"
        );
        let other = parse_documents("apiVersion: builtin\nkind: ImageTagTransformer\n").unwrap();
        assert!(Transformer::from_config("t", &other[0]).unwrap_err().0.contains("\"ImageTagTransformer\" is not supported"));
    }

    #[test]
    fn unmatched_strategic_patch_names_the_object() {
        let mut patches = Patches::default();
        patches.strategic.push(StrategicPatch { source: "p".into(), docs: parse_documents("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n").unwrap() });
        let e = kustomize(&["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n".into()], &patches).unwrap_err();
        assert!(e.0.contains("no resource matches strategic merge patch \"ConfigMap.v1.[noGrp]/x.[noNs]\""), "{e}");
    }
}
