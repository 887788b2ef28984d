//! Rendered templates → manifests, as helm's `releaseutil` turns them: files split into YAML
//! documents, each document's head read (rejecting what does not parse), hooks told apart by
//! their annotation, and both sorted by helm's kind order.

use std::sync::LazyLock;

use regex::Regex;

use crate::funcs::HelmCompat;
use crate::value::Value;

/// helm's install order (helm 4 adds the webhook configurations at the end).
const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The install order of a helm version.
pub fn install_order(compat: HelmCompat) -> &'static [&'static str] {
    match compat {
        HelmCompat::V3 => &INSTALL_ORDER[..INSTALL_ORDER.len() - 2],
        HelmCompat::V4 => INSTALL_ORDER,
    }
}

/// The hook events helm knows (`test-success` is an old name for `test`).
const HOOK_EVENTS: &[(&str, &str)] = &[
    ("pre-install", "pre-install"),
    ("post-install", "post-install"),
    ("pre-delete", "pre-delete"),
    ("post-delete", "post-delete"),
    ("pre-upgrade", "pre-upgrade"),
    ("post-upgrade", "post-upgrade"),
    ("pre-rollback", "pre-rollback"),
    ("post-rollback", "post-rollback"),
    ("test", "test"),
    ("test-success", "test"),
];

pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";

/// The part of a document helm reads to sort it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Head {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub annotations: Vec<(String, String)>,
}

impl Head {
    fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// One document of the release manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The template it came from (`chart/templates/x.yaml`).
    pub path: String,
    pub content: String,
    pub head: Head,
}

/// A hook document.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    pub name: String,
    pub kind: String,
    pub path: String,
    pub manifest: String,
    pub events: Vec<&'static str>,
    pub weight: i64,
    pub delete_policies: Vec<String>,
}

impl Hook {
    pub fn is_test(&self) -> bool {
        self.events.contains(&"test")
    }
}

/// helm's document separator: `---` at the start of a line, with surrounding white space.
static SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*").expect("separator regex"));

/// helm's `SplitManifests`: the documents of a rendered file, trimmed, in order.
pub fn split_manifests(text: &str) -> Vec<String> {
    SEPARATOR
        .split(text.trim())
        .filter(|d| !d.is_empty())
        .map(|d| d.trim().to_string())
        .collect()
}

/// A document whose head does not parse, worded as helm words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("YAML parse error on {path}: {message}")]
pub struct ManifestError {
    pub path: String,
    pub message: String,
}


/// Reads a document's head as `yaml.Unmarshal` into helm's `SimpleHead` would.
fn parse_head(doc: &str) -> Result<Head, String> {
    let value = crate::yaml::parse_values(doc).map_err(|e| e.to_string())?;
    let map = match value {
        Value::Map(m) => m,
        Value::Nil => return Ok(Head::default()),
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type releaseutil.SimpleHead",
                other.json_kind()
            ));
        }
    };
    let string = |v: Option<Value>, field: &str| -> Result<String, String> {
        match v {
            None | Some(Value::Nil) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.to_string()),
            Some(other) => Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {field} of type string",
                other.json_kind()
            )),
        }
    };
    let mut head = Head {
        api_version: string(map.get("apiVersion"), "SimpleHead.apiVersion")?,
        kind: string(map.get("kind"), "SimpleHead.kind")?,
        ..Head::default()
    };
    match map.get("metadata") {
        None | Some(Value::Nil) => {}
        Some(Value::Map(meta)) => {
            head.name = string(meta.get("name"), "SimpleHead.metadata.name")?;
            match meta.get("annotations") {
                None | Some(Value::Nil) => {}
                Some(Value::Map(a)) => {
                    for (k, v) in a.entries() {
                        let v = string(Some(v), "SimpleHead.metadata.annotations")?;
                        head.annotations.push((k, v));
                    }
                }
                Some(other) => {
                    return Err(format!(
                        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field .metadata.annotations of type map[string]string",
                        other.json_kind()
                    ));
                }
            }
        }
        Some(other) => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field SimpleHead.metadata of type struct {{ Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }}",
                other.json_kind()
            ));
        }
    }
    Ok(head)
}

/// helm's `SortManifests`: rendered files (path → text) into hooks and manifests, each in
/// helm's kind order. Partials and blank files are skipped.
pub fn sort_manifests(
    files: &[(String, String)],
    compat: HelmCompat,
) -> Result<(Vec<Hook>, Vec<Manifest>), ManifestError> {
    let mut sorted: Vec<&(String, String)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for (path, content) in sorted {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            let head = parse_head(&doc).map_err(|message| ManifestError { path: path.clone(), message })?;
            let Some(hook_types) = head.annotation(HOOK_ANNOTATION).map(str::to_string) else {
                generic.push(Manifest { path: path.clone(), content: doc, head });
                continue;
            };
            let mut events = Vec::new();
            let mut unknown = false;
            for t in hook_types.split(',') {
                let t = t.trim().to_lowercase();
                match HOOK_EVENTS.iter().find(|(name, _)| *name == t) {
                    Some((_, event)) => events.push(*event),
                    None => {
                        unknown = true;
                        break;
                    }
                }
            }
            if unknown {
                // helm logs "info: skipping unknown hook" and drops the document.
                continue;
            }
            let weight = head.annotation(HOOK_WEIGHT_ANNOTATION).and_then(|w| w.parse().ok()).unwrap_or(0);
            let delete_policies = head
                .annotation(HOOK_DELETE_ANNOTATION)
                .map(|p| p.split(',').map(|s| s.trim().to_lowercase()).collect())
                .unwrap_or_default();
            hooks.push(Hook {
                name: head.name.clone(),
                kind: head.kind.clone(),
                path: path.clone(),
                manifest: doc,
                events,
                weight,
                delete_policies,
            });
        }
    }
    let order = install_order(compat);
    hooks.sort_by(|a, b| kind_order(order, &a.kind, &b.kind));
    generic.sort_by(|a, b| kind_order(order, &a.head.kind, &b.head.kind));
    Ok((hooks, generic))
}

/// helm's `lessByKind` as an ordering (used with a stable sort): known kinds in install
/// order, unknown kinds after them alphabetically.
fn kind_order(order: &[&str], a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let ia = order.iter().position(|k| *k == a);
    let ib = order.iter().position(|k| *k == b);
    match (ia, ib) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_helm() {
        let docs = split_manifests("---\na: 1\n---\n\n---   \nb: 2\n  --- x\nc: 3");
        // `---`, blank line, `---`: the second separator is not one (checked with Go's regexp).
        assert_eq!(docs, ["a: 1", "---   \nb: 2\n  --- x\nc: 3"]);
    }

    #[test]
    fn sorts_by_kind_then_hooks_apart() {
        let files = vec![
            ("c/templates/b.yaml".to_string(), "kind: Deployment\nmetadata: {name: d}\n---\nkind: Zeta\n---\nkind: Alpha".to_string()),
            ("c/templates/a.yaml".to_string(), "kind: Service\n---\nkind: Job\nmetadata:\n  annotations: {helm.sh/hook: pre-install}\n".to_string()),
            ("c/templates/_h.tpl".to_string(), "kind: Namespace".to_string()),
        ];
        let (hooks, manifests) = sort_manifests(&files, HelmCompat::V3).unwrap();
        let kinds: Vec<_> = manifests.iter().map(|m| m.head.kind.as_str()).collect();
        assert_eq!(kinds, ["Service", "Deployment", "Alpha", "Zeta"]);
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].events, ["pre-install"]);
    }
}
