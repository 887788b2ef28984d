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
pub fn split_manifests(text: &str) -> Vec<&str> {
    SEPARATOR.split(text.trim()).filter(|d| !d.is_empty()).map(str::trim).collect()
}

/// A document whose head does not parse, worded as helm words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("YAML parse error on {path}: {message}")]
pub struct ManifestError {
    pub path: String,
    pub message: String,
}


/// Reads a document's head as `yaml.Unmarshal` into helm's `SimpleHead` would: through the
/// fast reader when the document is in its plain subset, else through the full parser (which
/// also words the errors).
fn parse_head(doc: &str) -> Result<Head, String> {
    match fast_head(doc) {
        Some(head) => Ok(head),
        None => full_head(doc),
    }
}

/// The head through the fast reader alone; `None` when it leaves the document to the full
/// parser. Public for the `fast_head` fuzz target.
pub fn fast_head(doc: &str) -> Option<Head> {
    let h = crate::yaml::object_head(doc)?;
    Some(Head { api_version: h.api_version, kind: h.kind, name: h.name, annotations: h.annotations })
}

/// A string field as encoding/json fills a Go `string`: null or absent is "", anything else
/// but a string is helm's unmarshal error naming the field.
pub(super) fn go_string_field(v: Option<Value>, field: &str) -> Result<String, String> {
    match v {
        None | Some(Value::Nil) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(other) => Err(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {field} of type string",
            other.json_kind()
        )),
    }
}

/// The head through the full YAML parser, with helm's error text.
pub fn full_head(doc: &str) -> Result<Head, String> {
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
    let string = super::manifest::go_string_field;
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
    mut files: Vec<(String, String)>,
    compat: HelmCompat,
) -> Result<(Vec<Hook>, Vec<Manifest>), ManifestError> {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for (path, mut content) in files {
        let base = path.rsplit('/').next().unwrap_or(&path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        let ranges: Vec<std::ops::Range<usize>> = split_manifests(&content)
            .into_iter()
            .map(|doc| {
                let start = doc.as_ptr() as usize - content.as_ptr() as usize;
                start..start + doc.len()
            })
            .collect();
        let single = ranges.len() == 1;
        for range in ranges {
            let head =
                parse_head(&content[range.clone()]).map_err(|message| ManifestError { path: path.clone(), message })?;
            // A file of one document (the usual case) gives its text up instead of a copy:
            // rendered files of big charts are megabytes.
            let doc = if single {
                let mut text = std::mem::take(&mut content);
                text.truncate(range.end);
                text.drain(..range.start);
                text
            } else {
                content[range].to_string()
            };
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

    /// The fast reader either declines or agrees with the full parser.
    fn agrees(doc: &str) -> bool {
        match fast_head(doc) {
            None => false,
            Some(fast) => {
                assert_eq!(Ok(fast), full_head(doc), "fast head differs for {doc:?}");
                true
            }
        }
    }

    #[test]
    fn fast_head_reads_plain_manifests() {
        let fast = [
            "",
            "# only a comment\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n",
            "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install,post-install\n    \"helm.sh/hook-weight\": \"-5\"\n    b: ~\n    a: 'it''s'\n    b: \"x\\ty\"\n",
            "metadata:\n  annotations:\n    z: 1x\n    a: v\n    z: last\n  name: n1\n  name: m1\nmetadata:\n  name: final\n",
            "apiVersion: apps/v1 # comment\nkind: \"Deployment\"\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: \"repo:1.0\"\n        args: [\"--a\", b, -c, --d=e]\n        env:\n          - name: X\n            value: \"1\"\n        resources: {}\n      - - nested\n        - seq\n      -\n        k: v\n",
            "kind: CM\ndata:\n  script: |\n    #!/bin/sh\n    echo \"a: b\" # not a comment\n\n      more: [indented\n  other: >-\n    folded\n    text\n  keep: |+\n    x\n\nmetadata: {}\n",
            "kind: K\nspec:\n  m: {a: b, \"c\": [1, 2], d: {e: f}}\n  n: []\n  o: [ ]\n  p: 1.5\n  q: true\n  r: null\n  s:\n  t: 2021-01-01\n  u: a, b[0] {c}\n  10: ten\n  yes: key\n",
            "  indented: root\n  kind: X\n",
            "kind: X\nmetadata:\n  name:\n  annotations:\n",
            "kind: X\nlist:\n- a\n- b: c\n  d: e\n-   f: g\n    h: i\nz: 1\n",
            "kind: 'X'\napiVersion: v1\nmetadata:\n  name: \"\"\n  annotations: {}\n",
            "kind: X\nk: -1\nj: -.5\nu: 'é ü'\nw: ünïcode\n",
        ];
        for doc in fast {
            assert!(agrees(doc), "expected the fast path for {doc:?}");
        }
    }

    #[test]
    fn fast_head_declines_or_agrees_on_tricky_documents() {
        let docs = [
            // not mappings, or broken
            "- a\n- b", "just text", "a: b: c", "a:\n  b\n  c", "a: 1\n b: 2", "a:\n  b: 1\n c: 2",
            "a:\n  - x\n  b: 1", "a: 1\n- b", "a: [1, 2", "a: {b: c", "a: \"open", "a: 'open",
            "a: b\n  continued", "- a\n  continued", "a: |\n  x\n # c\n  y", "a: |\n   \n  x",
            "a: |\nb: 1", "a: |2\n   x", "a: | x", "a: -", "a: --", "a: ---", "a: - b", "a: ?x", "a: :x",
            "a: @x", "a: `x", "a: %x", "a: !x", "a: &x y", "a: *x", "a: &x y\nb: *x", "<<: {a: 1}",
            "~: 1", "null: 1", "18446744073709551615: 1", "9223372036854775807: 1", "0x10: 1", ".inf: 1",
            "a: .nan", "a: -.Inf", "a: [.inf]", "a: {b: .NaN}", "a: {null: b}", "a: {~: b}",
            "a: \"\\/\"", "a: \"\\u00e9\"", "a: \"\\x41\"", "a:\tb", "a: b\t", "\ta: b", "a: b\r\nc: d",
            "a: \u{85}x", "\u{feff}a: b", "a: \u{2028}", "---\na: b", "a: b\n---\nc: d", "a: b\n...\n",
            "%YAML 1.1\n---\na: b", "? a\n: b", "[a]: b", "{a: b}: c", "a: [a: b]", "a: [a, ]", "a: [a,,b]",
            "a: {b}", "a: {b: }", "a: {b:c}", "a: [b # c]", "a: [\"x\"y]", "a: b #c\nd: e", "a: b#c",
            "a: \"b\"c", "a: \"b\"#c", "a: 'b' #c", "kind: 1", "kind: true", "kind: [a]", "kind: {a: b}",
            "kind:\n  a: b", "kind:\n- a", "metadata: x", "metadata: [a]", "metadata:\n  name: 5",
            "metadata:\n  annotations: x", "metadata:\n  annotations:\n    a: 1", "metadata:\n  annotations:\n    1: a",
            "metadata:\n  annotations:\n    yes: a", "metadata:\n  annotations:\n    a:\n      b: c",
            "metadata:\n  annotations:\n    a: |\n      x", "metadata:\n  annotations: {a: b}",
            "kind: |\n  X", "kind: >-\n  X", "kind:\n  X", "kind: X\nkind: [a]", "kind: [a]\nkind: X",
            "a:\n- b\n - c", "a:\n  -  b\n  - c\n   - d", "- - a\n  - b\n- c", "a: b\n\n\n", "\n\n",
            "a: \"x\"\nb: 'y''z'", "a:  b  ", "a : b", "a:b", "a:\n\n  b: c", "a:\n#c\n  b: c",
            "a: |-\n  x\n\n  y\n\nb: 1", "a: >\n\n  x\n", "a: |\n  x\n    y\n  z\n", "a:\n  - |\n   x\n  - y",
            "- |\n x", "a:\n- |\n x\n- y", "a:\n- |\n  x\nb: |\n x", "a: \"\"\nb: ''", "a: '#'", "a: \"#\"",
            "-a: b", "-: b", "a/b.c_d: e", "$a: b", "a@b: c", "a~: b", ".a: b", "a=b: c", "a+b: c",
            "a:\n  b:\n    c:\n      d: e\n  f: g\nh: i", "a: [[b, c], {d: e}]", "a: {b: [c]}",
            "root: [1,n t -]", "a: [b , c]", "a: [b c]", "a: [-b, --c, -]", "a: {b : c}", "a: [b-]",
        ];
        let mut fast = 0;
        for doc in docs {
            fast += usize::from(agrees(doc));
        }
        assert!(fast > 30, "only {fast} of {} took the fast path", docs.len());
    }

    /// Every document rendered from the test charts (and the generated benchmark charts, when
    /// python3 is there): the fast reader declines or agrees with the full parser.
    #[test]
    fn fast_head_agrees_on_rendered_charts() {
        use crate::chart::template::{TemplateRequest, render_files};
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut charts: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("testdata/charts"))
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        let generated = std::env::temp_dir().join(format!("deployer-fast-head-{}", std::process::id()));
        let python = std::process::Command::new("python3")
            .arg(root.join("benches/fixtures/gen-charts.py"))
            .arg(&generated)
            .status();
        if python.is_ok_and(|s| s.success()) {
            charts.push(generated.join("big-crds"));
            charts.push(generated.join("umbrella-100"));
        }
        charts.sort();
        let (mut docs, mut fast) = (0usize, 0usize);
        for chart in &charts {
            let mut variants = vec![None];
            for e in std::fs::read_dir(chart).unwrap().filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("values-") && name.ends_with(".yaml") {
                    variants.push(Some(e.path()));
                }
            }
            for compat in [HelmCompat::V3, HelmCompat::V4] {
                for variant in &variants {
                    let values = match variant {
                        None => crate::value::Map::new(),
                        Some(p) => match crate::chart::values::read_values(&std::fs::read_to_string(p).unwrap(), compat) {
                            Ok(v) => v,
                            Err(_) => continue,
                        },
                    };
                    let req = TemplateRequest {
                        release_name: "r".into(),
                        chart: chart.clone(),
                        namespace: "default".into(),
                        values,
                        kube_version: None,
                        api_versions: Vec::new(),
                        include_crds: true,
                        skip_tests: false,
                        no_hooks: false,
                        is_upgrade: false,
                        cluster: None,
                        show_only: Vec::new(),
                        compat,
                    };
                    let Ok((_, files)) = render_files(&req) else { continue };
                    for (_, text) in &files {
                        for doc in split_manifests(text) {
                            docs += 1;
                            fast += usize::from(agrees(doc));
                        }
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&generated);
        eprintln!("fast head: {fast} of {docs} rendered documents");
        // The documents left to the full parser are the invalid ones of the err-* charts.
        assert!(docs > 500 && fast * 100 >= docs * 95, "fast head on {fast} of {docs} documents");
    }

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
        let (hooks, manifests) = sort_manifests(files, HelmCompat::V3).unwrap();
        let kinds: Vec<_> = manifests.iter().map(|m| m.head.kind.as_str()).collect();
        assert_eq!(kinds, ["Service", "Deployment", "Alpha", "Zeta"]);
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].events, ["pre-install"]);
    }
}
