//! The live state of one run, read in bulk and shared by every release: one LIST per (resource,
//! namespace) and one LIST of release records per namespace, whoever asks first reads and the
//! others wait for that answer. Requests in flight are bounded by a semaphore (`--concurrency`).
//!
//! What is kept is compact and `Send`: each object as its JSON text without `managedFields`
//! ([`ListedObject`]), turned into template values by the release that compares it, on its own
//! thread; each release record as its head (name, revision, status, from the Secret's labels)
//! with the record still encoded, decoded only for the revisions a caller needs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OnceCell, Semaphore};

use super::plan::{Current, LiveVersions, Plan, Revision, group_of};
use crate::diff::ObjectId;
use crate::kube::{Cluster, Clusters, ListedObject};
use crate::release::{Status, StoredRecord};

/// Live objects of one (resource, namespace) by name.
pub type ObjectsByName = HashMap<String, ListedObject>;

type Shared<T> = Arc<OnceCell<Result<Arc<T>, String>>>;

/// (context as the release names it, apiVersion, kind, namespace).
type ListKey = (Option<String>, String, String, String);

/// (context as the release names it, namespace).
type RecordsKey = (Option<String>, String);

/// The per-run cache of live state.
pub struct LiveState {
    objects: Mutex<HashMap<ListKey, Shared<ObjectsByName>>>,
    records: Mutex<HashMap<RecordsKey, Shared<Vec<StoredRecord>>>>,
    permits: Semaphore,
    requests: std::sync::atomic::AtomicUsize,
}

/// A release's revision as its record's labels tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub version: u32,
    pub status: Status,
}

/// The records of one release, oldest first, still encoded.
pub struct ReleaseRecords {
    all: Arc<Vec<StoredRecord>>,
    /// Indexes into `all`, by revision.
    mine: Vec<usize>,
}

impl ReleaseRecords {
    fn iter(&self) -> impl DoubleEndedIterator<Item = &StoredRecord> {
        self.mine.iter().map(|&i| &self.all[i])
    }

    /// The latest revision, whatever its status.
    pub fn latest(&self) -> Option<Head> {
        self.iter().next_back().map(|r| Head { version: r.version, status: r.status })
    }

    /// The manifest of the latest `deployed` revision; a record that cannot be decoded is
    /// passed over (as listing skips it).
    pub fn last_deployed_manifest(&self) -> Option<String> {
        self.iter().rev().filter(|r| r.status == Status::Deployed).find_map(|r| r.manifest().ok())
    }
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
            let items = cluster.list_compact(api_version, kind, ns).await.map_err(|e| e.to_string())?;
            let by_name: ObjectsByName = items.into_iter().filter(|o| !o.name.is_empty()).map(|o| (o.name.clone(), o)).collect();
            Ok(Arc::new(by_name))
        })
        .await
        .clone()
    }

    /// The records of release `name` in `namespace`, from one LIST of the namespace's release
    /// records per run.
    pub async fn records(&self, cluster: &Cluster, context: Option<&str>, namespace: &str, name: &str) -> Result<ReleaseRecords, String> {
        let cell = Self::cell(&self.records, (context.map(str::to_string), namespace.to_string()));
        let all = cell
            .get_or_init(|| async {
                let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
                self.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                crate::release::list_stored_records(cluster, namespace).await.map(Arc::new).map_err(|e| e.to_string())
            })
            .await
            .clone()?;
        let mut mine: Vec<usize> = (0..all.len()).filter(|&i| all[i].name == name).collect();
        mine.sort_by_key(|&i| all[i].version);
        Ok(ReleaseRecords { all, mine })
    }
}

impl LiveState {
    /// What the cluster holds now for the releases and objects of `plan`.
    pub async fn plan_state(&self, clusters: &Clusters, plan: &Plan) -> Result<Current, String> {
        let mut now = Current::default();
        for r in &plan.releases {
            let ctx = r.context.as_deref();
            let cluster = clusters.get(ctx).await.map_err(|e| e.to_string())?;
            let records = self.records(&cluster, ctx, &r.namespace, &r.release).await?;
            let last = records.latest().filter(|l| l.status != Status::Uninstalled);
            now.revisions.insert(r.id.clone(), last.map(|l| Revision { version: l.version, status: l.status.as_str().to_string() }));
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
                let version = obj.resource_version.clone();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::Release;
    use k8s_openapi::ByteString;
    use k8s_openapi::api::core::v1::Secret;

    fn stored(name: &str, version: u32, status: Status, readable: bool) -> StoredRecord {
        let json = serde_json::json!({"name": name, "namespace": "ns", "version": version,
            "info": {"status": status.as_str()}, "chart": {"metadata": {}}, "manifest": format!("v{version}")});
        let rel: Release = serde_json::from_value(json).unwrap();
        let data = if readable { rel.encode().unwrap() } else { "garbage".into() };
        let mut s = Secret::default();
        s.metadata.namespace = Some("ns".into());
        let labels = [("name", name.to_string()), ("owner", "helm".into()), ("status", status.as_str().into()), ("version", version.to_string())];
        s.metadata.labels = Some(labels.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
        s.data = Some([("release".to_string(), ByteString(data.into_bytes()))].into());
        StoredRecord::of(s).unwrap()
    }

    #[test]
    fn release_records_pick_heads_and_decode_only_the_last_deployed() {
        let all = Arc::new(vec![
            stored("web", 2, Status::Deployed, true),
            stored("api", 9, Status::Deployed, true),
            stored("web", 4, Status::Failed, true),
            stored("web", 1, Status::Superseded, true),
            stored("web", 3, Status::Deployed, false),
        ]);
        let mut mine: Vec<usize> = (0..all.len()).filter(|&i| all[i].name == "web").collect();
        mine.sort_by_key(|&i| all[i].version);
        let web = ReleaseRecords { all: all.clone(), mine };
        assert_eq!(web.latest(), Some(Head { version: 4, status: Status::Failed }));
        // Revision 3 is the last deployed by its label but cannot be decoded: passed over.
        assert_eq!(web.last_deployed_manifest(), Some("v2".into()));
        let none = ReleaseRecords { all, mine: Vec::new() };
        assert!(none.latest().is_none() && none.last_deployed_manifest().is_none());
    }
}
