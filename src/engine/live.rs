//! The live state of one run, read in bulk and shared by every release: one LIST per (resource,
//! namespace) and one LIST of release records per namespace, whoever asks first reads and the
//! others wait for that answer. Requests in flight are bounded by a semaphore (`--concurrency`).
//!
//! Objects stay `serde_json::Value`s here (`Send`); a release turns the ones it needs into
//! template values on its own thread.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;
use tokio::sync::{OnceCell, Semaphore};

use super::plan::{Current, LiveVersions, Plan, Revision, group_of};
use crate::release::Status;
use crate::diff::ObjectId;
use crate::kube::{Cluster, Clusters};
use crate::release::Release;

/// Live objects of one (resource, namespace) by name, with `apiVersion` and `kind` filled in.
pub type ObjectsByName = HashMap<String, Json>;

type Shared<T> = Arc<OnceCell<Result<Arc<T>, String>>>;

/// (context as the release names it, apiVersion, kind, namespace).
type ListKey = (Option<String>, String, String, String);

/// (context as the release names it, namespace).
type RecordsKey = (Option<String>, String);

/// The per-run cache of live state.
pub struct LiveState {
    objects: Mutex<HashMap<ListKey, Shared<ObjectsByName>>>,
    records: Mutex<HashMap<RecordsKey, Shared<Vec<Release>>>>,
    permits: Semaphore,
    requests: std::sync::atomic::AtomicUsize,
}

impl LiveState {
    /// `concurrency`: LISTs in flight at once (0: the default, 16).
    pub fn new(concurrency: usize) -> LiveState {
        LiveState {
            objects: Mutex::default(),
            records: Mutex::default(),
            permits: Semaphore::new(if concurrency == 0 { DEFAULT_CONCURRENCY } else { concurrency }),
            requests: Default::default(),
        }
    }

    /// LISTs made so far.
    pub fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn cell<K: std::hash::Hash + Eq, T>(map: &Mutex<HashMap<K, Shared<T>>>, key: K) -> Shared<T> {
        let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key).or_default().clone()
    }

    /// Every object of `kind` in `namespace` ("" for cluster-scoped kinds), read once per run.
    /// `context` is the release's (`None`: the current one), `cluster` its connection.
    pub async fn objects(&self, cluster: &Cluster, context: Option<&str>, api_version: &str, kind: &str, namespace: &str) -> Result<Arc<ObjectsByName>, String> {
        let key = (context.map(str::to_string), api_version.to_string(), kind.to_string(), namespace.to_string());
        let cell = Self::cell(&self.objects, key);
        cell.get_or_init(|| async {
            let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
            self.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let ns = (!namespace.is_empty()).then_some(namespace);
            let items = cluster.list(api_version, kind, ns, None).await.map_err(|e| e.to_string())?;
            let mut by_name = HashMap::with_capacity(items.len());
            for item in items {
                let Some(name) = item.metadata.name.clone() else { continue };
                let mut json = serde_json::to_value(&item).unwrap_or(Json::Null);
                // List items come without their type; the diff compares it.
                if let Some(o) = json.as_object_mut() {
                    o.insert("apiVersion".into(), Json::String(api_version.to_string()));
                    o.insert("kind".into(), Json::String(kind.to_string()));
                }
                by_name.insert(name, json);
            }
            Ok(Arc::new(by_name))
        })
        .await
        .clone()
    }

    /// All revisions of release `name` in `namespace`, oldest first, from one LIST of the
    /// namespace's release records per run.
    pub async fn history(&self, cluster: &Cluster, context: Option<&str>, namespace: &str, name: &str) -> Result<Vec<Release>, String> {
        let cell = Self::cell(&self.records, (context.map(str::to_string), namespace.to_string()));
        let all = cell
            .get_or_init(|| async {
                let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
                self.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                crate::release::store::list_records(cluster, Some(namespace)).await.map(Arc::new).map_err(|e| e.to_string())
            })
            .await
            .clone()?;
        let mut out: Vec<Release> = all.iter().filter(|r| r.name == name).cloned().collect();
        out.sort_by_key(|r| r.version);
        Ok(out)
    }
}

impl LiveState {
    /// What the cluster holds now for the releases and objects of `plan`.
    pub async fn plan_state(&self, clusters: &Clusters, plan: &Plan) -> Result<Current, String> {
        let mut now = Current::default();
        for r in &plan.releases {
            let ctx = r.context.as_deref();
            let cluster = clusters.get(ctx).await.map_err(|e| e.to_string())?;
            let history = self.history(&cluster, ctx, &r.namespace, &r.release).await?;
            let last = history.last().filter(|l| l.info.status != Status::Uninstalled);
            now.revisions.insert(r.id.clone(), last.map(|l| Revision { version: l.version, status: l.info.status.as_str().to_string() }));
            let mut lists = std::collections::BTreeSet::new();
            for o in r.objects.iter().filter(|o| o.live_version.is_some()) {
                lists.insert((o.api_version.as_str(), o.kind.as_str(), o.namespace.as_str()));
            }
            let reads = lists.into_iter().map(|(api_version, kind, namespace)| self.objects(&cluster, ctx, api_version, kind, namespace));
            for read in futures::future::join_all(reads).await {
                read?;
            }
        }
        now.live = self.versions();
        Ok(now)
    }

    /// The resourceVersions of every object listed so far, for plans.
    pub fn versions(&self) -> LiveVersions {
        let mut out = LiveVersions::default();
        let map = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        for ((context, api_version, kind, namespace), cell) in map.iter() {
            let Some(Ok(by_name)) = cell.get() else { continue };
            let group = group_of(api_version);
            out.listed.insert((context.clone(), group.clone(), kind.clone(), namespace.clone()));
            for (name, obj) in by_name.iter() {
                let version = obj.pointer("/metadata/resourceVersion").and_then(Json::as_str).unwrap_or("").to_string();
                let id = ObjectId { group: group.clone(), kind: kind.clone(), namespace: namespace.clone(), name: name.clone() };
                out.versions.insert((context.clone(), id), version);
            }
        }
        out
    }
}

/// LISTs in flight when `--concurrency` is not given: measured with scripts/bench-compare
/// (benches/README.md, "Scale").
pub const DEFAULT_CONCURRENCY: usize = 16;
