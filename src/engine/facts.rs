//! What a release is rendered with when it goes to a cluster, as `helm upgrade --install`
//! renders it (unlike `helm template`): `.Capabilities` from the cluster's `/version` and
//! discovery (read once per context per run), `.Release.IsUpgrade`/`Revision` from the release
//! store, and `lookup` reading the live cluster.
//!
//! Rendering is synchronous and single-threaded (its values are `Rc`-shared) while the cluster
//! client is async: the render thread, which is not a runtime thread, blocks on the runtime's
//! [`Handle`] for each request.

use std::rc::Rc;

use serde_json::Value as Json;
use tokio::runtime::Handle;

use crate::chart::template::ClusterFacts;
use crate::funcs::helm::Lookup;
use crate::kube::{Cluster, Clusters, KubeError};
use crate::release::{ReleaseStore, Status};
use crate::value::{Map, Value};

/// The facts of one release: what to render it with, and whether it is an upgrade.
#[derive(Debug, Clone)]
pub struct RenderFacts {
    pub facts: ClusterFacts,
    pub is_upgrade: bool,
}

/// Reads the facts of release `name` in `namespace` on `context` (blocking; call it from a
/// thread that is not one of the runtime's).
pub fn render_facts(handle: &Handle, clusters: &Clusters, context: Option<&str>, name: &str, namespace: &str) -> Result<RenderFacts, String> {
    let cluster = handle.block_on(clusters.get(context)).map_err(|e| e.to_string())?;
    let server = handle.block_on(cluster.server_facts()).map_err(|e| e.to_string())?;
    let store = ReleaseStore::new(cluster.clone(), namespace.to_string());
    let history = handle.block_on(store.history(name)).map_err(|e| e.to_string())?;
    // `helm upgrade --install` installs when there is no release or the last was uninstalled;
    // otherwise it upgrades (even from a failed revision) to the next revision.
    let last = history.last().filter(|r| r.info.status != Status::Uninstalled);
    let is_upgrade = last.is_some();
    let revision = history.last().map_or(1, |r| i64::from(r.version) + 1);
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
