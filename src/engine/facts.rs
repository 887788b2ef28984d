//! What a release is rendered with when it goes to a cluster, as `helm upgrade --install`
//! renders it (unlike `helm template`): `.Capabilities` from the cluster's `/version` and
//! discovery (read once per context per run), `.Release.IsUpgrade`/`Revision` from the release
//! store, and `lookup` reading the live cluster.
//!
//! Rendering is synchronous and single-threaded (its values are `Rc`-shared) while the cluster
//! client is async: the render thread, which is not a runtime thread, blocks on the runtime's
//! [`Handle`] for each request.

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::Value as Json;
use tokio::runtime::Handle;

use crate::chart::template::ClusterFacts;
use crate::funcs::helm::Lookup;
use crate::kube::{Cluster, Clusters, KubeError};
use super::live::{Head, LiveState};
use crate::release::{ReleaseStore, Status};
use crate::value::{Map, Value};

/// The facts of one release: what to render it with, and whether it is an upgrade.
#[derive(Debug, Clone)]
pub struct RenderFacts {
    pub facts: ClusterFacts,
    pub is_upgrade: bool,
}

/// A release: its kube context, name and namespace.
pub type ReleaseKey = (Option<String>, String, String);

/// The latest revision of each release (`None`: never installed), read ahead (and each
/// context's server facts with them).
#[derive(Default)]
pub struct Histories(HashMap<ReleaseKey, Result<Option<Head>, String>>);

/// Reads the latest revisions of `releases` through `live` (one LIST of release records per
/// namespace, records left encoded; the diff reads the same), concurrently (blocking; call it
/// from a thread that is not one of the runtime's).
pub fn read_histories(handle: &Handle, clusters: &Clusters, live: &LiveState, releases: Vec<ReleaseKey>) -> Histories {
    use futures::StreamExt as _;
    let reads = futures::stream::iter(releases).map(|key| async move {
        let read = async {
            let cluster = clusters.get(key.0.as_deref()).await.map_err(|e| e.to_string())?;
            cluster.server_facts().await.map_err(|e| e.to_string())?;
            live.records(&cluster, key.0.as_deref(), &key.2, &key.1).await.map(|r| r.latest())
        };
        let latest = read.await;
        (key, latest)
    });
    Histories(handle.block_on(reads.buffer_unordered(64).collect()))
}

/// Reads the facts of release `name` in `namespace` on `context`, its latest revision from
/// `histories` when read ahead (blocking; call it from a thread that is not one of the
/// runtime's).
pub fn render_facts(
    handle: &Handle,
    clusters: &Clusters,
    context: Option<&str>,
    name: &str,
    namespace: &str,
    histories: &Histories,
) -> Result<RenderFacts, String> {
    let cluster = handle.block_on(clusters.get(context)).map_err(|e| e.to_string())?;
    let server = handle.block_on(cluster.server_facts()).map_err(|e| e.to_string())?;
    let key = (context.map(str::to_string), name.to_string(), namespace.to_string());
    let latest = match histories.0.get(&key) {
        Some(read) => read.clone()?,
        None => {
            let store = ReleaseStore::new(cluster.clone(), namespace.to_string());
            let history = handle.block_on(store.history(name)).map_err(|e| e.to_string())?;
            history.last().map(|r| Head { version: r.version, status: r.info.status })
        }
    };
    // `helm upgrade --install` installs when there is no release or the last was uninstalled;
    // otherwise it upgrades (even from a failed revision) to the next revision.
    let is_upgrade = latest.is_some_and(|r| r.status != Status::Uninstalled);
    let revision = latest.map_or(1, |r| i64::from(r.version) + 1);
    let lookup = Rc::new(ClusterLookup { cluster, handle: handle.clone() });
    Ok(RenderFacts {
        facts: ClusterFacts {
            kube_version: server.git_version,
            kube_major: server.major,
            kube_minor: server.minor,
            api_versions: server.api_versions,
            revision,
            lookup,
        },
        is_upgrade,
    })
}

/// `lookup` on the live cluster.
struct ClusterLookup {
    cluster: Cluster,
    handle: Handle,
}

impl Lookup for ClusterLookup {
    fn lookup(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<Value, String> {
        match self.handle.block_on(self.cluster.lookup(api_version, kind, namespace, name)) {
            Ok(Some(found)) => Ok(go_value(&found)),
            Ok(None) => Ok(Value::Map(Map::new())),
            // helm's template error carries the apiserver's own message (`secrets "x" is
            // forbidden: User "u" cannot get resource …`).
            Err(KubeError::Forbidden { message, .. } | KubeError::Api { message, .. }) => Err(message),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// JSON as client-go's unstructured decoding types it: integers `int64`, other numbers
/// `float64`.
fn go_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int64(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Value::str(s.as_str()),
        Json::Array(items) => Value::list(items.iter().map(go_value).collect()),
        Json::Object(m) => {
            let out = Map::new();
            for (k, v) in m {
                out.insert(k.clone(), go_value(v));
            }
            Value::Map(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::template::{TemplateRequest, render_release};

    /// Answers `lookup` from a fixed object; records the requests.
    struct Fixed(std::cell::RefCell<Vec<String>>);

    impl Lookup for Fixed {
        fn lookup(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<Value, String> {
            self.0.borrow_mut().push(format!("{api_version} {kind} {namespace} {name}"));
            match name {
                "seed" => Ok(go_value(&serde_json::json!({"kind": kind, "data": {"k": "v"}, "spec": {"port": 80}}))),
                "secret" => Err("secrets \"secret\" is forbidden: User \"u\" cannot get resource".into()),
                _ => Ok(Value::Map(Map::new())),
            }
        }
    }

    #[test]
    fn cluster_facts_reach_the_templates() {
        let dir = std::env::temp_dir().join(format!("deployer-facts-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(dir.join("Chart.yaml"), "apiVersion: v2\nname: facts\nversion: 0.1.0\n").unwrap();
        let template = "v: {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }}\n\
                        has: {{ .Capabilities.APIVersions.Has \"example.com/v1/Widget\" }} {{ .Capabilities.APIVersions.Has \"apps/v1\" }}\n\
                        release: {{ .Release.IsInstall }} {{ .Release.IsUpgrade }} {{ .Release.Revision }}\n\
                        seed: {{ (lookup \"v1\" \"ConfigMap\" \"ns\" \"seed\").data.k }} {{ printf \"%T\" (lookup \"v1\" \"ConfigMap\" \"ns\" \"seed\").spec.port }}\n\
                        missing: {{ len (lookup \"v1\" \"ConfigMap\" \"ns\" \"none\") }}\n";
        std::fs::write(dir.join("templates/cm.yaml"), template).unwrap();
        let hook = Rc::new(Fixed(Default::default()));
        let mut req = TemplateRequest {
            release_name: "r".into(),
            chart: dir.clone(),
            namespace: "ns".into(),
            values: Map::new(),
            kube_version: None,
            api_versions: vec!["example.com/v1/Widget".into()],
            include_crds: false,
            skip_tests: false,
            no_hooks: false,
            is_upgrade: true,
            show_only: Vec::new(),
            compat: crate::funcs::HelmCompat::V3,
            cluster: Some(ClusterFacts {
                kube_version: "v1.33.2+k3s1".into(),
                kube_major: "1".into(),
                kube_minor: "33+".into(),
                api_versions: vec!["v1".into(), "apps/v1".into()],
                revision: 4,
                lookup: hook.clone(),
            }),
        };
        let out = render_release(&req).unwrap();
        let text = &out.manifests[0].content;
        assert!(text.contains("v: v1.33.2+k3s1 1.33+"), "{text}");
        assert!(text.contains("has: true true"), "spec apiVersions add to the cluster's: {text}");
        assert!(text.contains("release: false true 4"), "{text}");
        assert!(text.contains("seed: v int64"), "{text}");
        assert!(text.contains("missing: 0"), "{text}");
        assert_eq!(hook.0.borrow()[0], "v1 ConfigMap ns seed");

        // The spec's kubeVersion overrides the cluster's; a forbidden lookup fails the render.
        req.kube_version = Some("1.29.0".into());
        std::fs::write(dir.join("templates/cm.yaml"), "v: {{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Minor }}\n").unwrap();
        let text = render_release(&req).unwrap().manifests[0].content.clone();
        assert!(text.contains("v: v1.29.0 29"), "{text}");
        std::fs::write(dir.join("templates/cm.yaml"), "s: {{ lookup \"v1\" \"Secret\" \"ns\" \"secret\" }}\n").unwrap();
        let err = render_release(&req).unwrap_err().to_string();
        assert!(err.contains("error calling lookup: secrets \"secret\" is forbidden"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn lookup_values_are_typed_as_unstructured() {
        let v = go_value(&serde_json::json!({"spec": {"replicas": 2, "ratio": 0.5, "ports": [{"port": 80}], "x": null}}));
        let Value::Map(m) = v else { panic!("map") };
        let Some(Value::Map(spec)) = m.get("spec") else { panic!("spec") };
        assert!(matches!(spec.get("replicas"), Some(Value::Int64(2))));
        assert!(matches!(spec.get("ratio"), Some(Value::Float(f)) if f == 0.5));
        assert!(matches!(spec.get("x"), Some(Value::Nil)));
    }
}
