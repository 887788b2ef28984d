//! The release store: helm's Secrets driver, natively. One Secret per revision,
//! `sh.helm.release.v1.<name>.v<revision>`, type `helm.sh/release.v1`, labels
//! `name`/`owner=helm`/`status`/`version` plus `createdAt` (on create) or `modifiedAt` (on
//! update) as helm writes them.
//!
//! Locking: a revision is created with `create` (never overwritten), so two writers racing for
//! the same revision cannot both win; and an operation refuses to start while the latest
//! revision is `pending-*` ([`StoreError::Pending`]), which is how helm blocks concurrent
//! operations too.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DeleteParams, ListParams, PostParams};

use super::record::{CodecError, Release, Status};
use crate::kube::{Cluster, KubeError, api_error};

/// The Secret type helm 3 and 4 use for release records.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";
/// The API server's limit on a Secret's data (1 MiB).
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// helm's default `--history-max`.
pub const DEFAULT_HISTORY_MAX: usize = 10;

/// The Secret name of a revision.
pub fn secret_name(name: &str, version: u32) -> String {
    format!("sh.helm.release.v1.{name}.v{version}")
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Kube(#[from] KubeError),
    #[error("release {name:?} in namespace {namespace:?}: revision {version}: {source}")]
    Codec { name: String, namespace: String, version: u32, source: CodecError },
    #[error("release: not found: {name:?} in namespace {namespace:?}")]
    NotFound { name: String, namespace: String },
    #[error("release {name:?} has no revision {version} in namespace {namespace:?}")]
    NoRevision { name: String, namespace: String, version: u32 },
    #[error(
        "another operation (install/upgrade/rollback) is in progress for release {name:?} in namespace {namespace:?}: \
         revision {version} is {status} since {since}.\nIf no deployer or helm process is still working on it \
         (e.g. it was killed), mark it failed with `deployer release unlock {name} -n {namespace}` and retry"
    )]
    Pending { name: String, namespace: String, version: u32, status: Status, since: String },
    #[error(
        "release {name:?} revision {version} is {size} bytes once encoded, over the {limit}-byte Secret limit; \
         nothing was applied (make the chart smaller: large files in the chart or values are stored in every revision)"
    )]
    TooLarge { name: String, version: u32, size: usize, limit: usize },
    #[error("release {name:?} revision {version} already exists in namespace {namespace:?}: another operation got there first")]
    Exists { name: String, namespace: String, version: u32 },
}

/// Releases of one namespace.
#[derive(Clone, Debug)]
pub struct ReleaseStore {
    cluster: Cluster,
    namespace: String,
}

fn decode_secret(s: &Secret) -> Result<Release, StoreError> {
    let labels = s.metadata.labels.clone().unwrap_or_default();
    let data = s.data.as_ref().and_then(|d| d.get("release")).map(|b| b.0.as_slice()).unwrap_or(&[]);
    let mut rel = Release::decode(data).map_err(|source| StoreError::Codec {
        name: labels.get("name").cloned().unwrap_or_default(),
        namespace: s.metadata.namespace.clone().unwrap_or_default(),
        version: labels.get("version").and_then(|v| v.parse().ok()).unwrap_or(0),
        source,
    })?;
    // helm reads the status from the record; the label is for selectors. Namespace as helm sets
    // it when empty in old records.
    if rel.namespace.is_empty() {
        rel.namespace = s.metadata.namespace.clone().unwrap_or_default();
    }
    Ok(rel)
}

/// Every release record in a namespace (or all namespaces) in one LIST — what `release list`
/// and the engine's bulk read use. Records that cannot be decoded are skipped, as helm does.
pub async fn list_records(cluster: &Cluster, namespace: Option<&str>) -> Result<Vec<Release>, StoreError> {
    let api: Api<Secret> = match namespace {
        Some(ns) => Api::namespaced(cluster.client(), ns),
        None => Api::all(cluster.client()),
    };
    let what = match namespace {
        Some(ns) => format!("secrets in namespace {ns:?}"),
        None => "secrets in all namespaces".into(),
    };
    let list = api.list(&ListParams::default().labels("owner=helm")).await.map_err(|e| api_error(e, "list", what))?;
    Ok(list.items.iter().filter_map(|s| decode_secret(s).ok()).collect())
}

/// A listed release record: its head (release name, revision, status) from the labels helm
/// and deployer write on every record Secret, the record itself still encoded until a caller
/// needs it ([`StoredRecord::decode`]). A record whose labels are missing or unreadable is
/// decoded when listed and its head taken from the record.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub name: String,
    pub namespace: String,
    pub version: u32,
    pub status: Status,
    body: RecordBody,
}

#[derive(Debug, Clone)]
enum RecordBody {
    /// `data.release` as stored: base64(gzip(JSON)).
    Encoded(Box<[u8]>),
    Decoded(Box<Release>),
}

impl StoredRecord {
    /// The record, decoded (each call decodes again: keep what you need).
    pub fn decode(&self) -> Result<Release, StoreError> {
        match &self.body {
            RecordBody::Decoded(r) => Ok((**r).clone()),
            RecordBody::Encoded(data) => {
                let mut rel = Release::decode(data).map_err(|source| StoreError::Codec {
                    name: self.name.clone(),
                    namespace: self.namespace.clone(),
                    version: self.version,
                    source,
                })?;
                if rel.namespace.is_empty() {
                    rel.namespace = self.namespace.clone();
                }
                Ok(rel)
            }
        }
    }

    /// Only the record's manifest ([`Release::decode_manifest`]).
    pub fn manifest(&self) -> Result<String, StoreError> {
        match &self.body {
            RecordBody::Decoded(r) => Ok(r.manifest.clone()),
            RecordBody::Encoded(data) => Release::decode_manifest(data).map_err(|source| StoreError::Codec {
                name: self.name.clone(),
                namespace: self.namespace.clone(),
                version: self.version,
                source,
            }),
        }
    }

    /// The record of a listed Secret; `None` when it has no readable head and cannot be decoded.
    pub fn of(s: Secret) -> Option<StoredRecord> {
        let namespace = s.metadata.namespace.clone().unwrap_or_default();
        let labels = s.metadata.labels.as_ref();
        let label = |k: &str| labels.and_then(|l| l.get(k));
        let head = (
            label("name").filter(|n| !n.is_empty()),
            label("version").and_then(|v| v.parse::<u32>().ok()),
            label("status").and_then(|v| Status::parse(v)),
        );
        match head {
            (Some(name), Some(version), Some(status)) => {
                let name = name.clone();
                let data = s.data.and_then(|mut d| d.remove("release")).map(|b| b.0).unwrap_or_default();
                Some(StoredRecord { name, namespace, version, status, body: RecordBody::Encoded(data.into_boxed_slice()) })
            }
            // Skipped when it cannot be decoded, as `list_records` skips it.
            _ => {
                let rel = decode_secret(&s).ok()?;
                Some(StoredRecord {
                    name: rel.name.clone(),
                    namespace,
                    version: rel.version,
                    status: rel.info.status,
                    body: RecordBody::Decoded(Box::new(rel)),
                })
            }
        }
    }
}

/// Every release record in a namespace in one LIST, heads read and records left encoded —
/// what the engine's live state keeps for a run.
pub async fn list_stored_records(cluster: &Cluster, namespace: &str) -> Result<Vec<StoredRecord>, StoreError> {
    let api: Api<Secret> = Api::namespaced(cluster.client(), namespace);
    let what = format!("secrets in namespace {namespace:?}");
    let list = api.list(&ListParams::default().labels("owner=helm")).await.map_err(|e| api_error(e, "list", what))?;
    Ok(list.items.into_iter().filter_map(StoredRecord::of).collect())
}

/// The latest revision of every release, sorted by namespace then name (helm's `list` view
/// before its status filter).
pub fn latest_per_release(records: Vec<Release>) -> Vec<Release> {
    let mut latest: BTreeMap<(String, String), Release> = BTreeMap::new();
    for r in records {
        let key = (r.namespace.clone(), r.name.clone());
        match latest.get(&key) {
            Some(cur) if cur.version >= r.version => {}
            _ => {
                latest.insert(key, r);
            }
        }
    }
    latest.into_values().collect()
}

/// Which statuses `helm list` (3) shows: its state flags, or `deployed` + `failed` when none is
/// given. `unknown` is never shown, not even with `--all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListFilter {
    pub all: bool,
    pub deployed: bool,
    pub failed: bool,
    pub pending: bool,
    pub superseded: bool,
    pub uninstalled: bool,
    pub uninstalling: bool,
}

impl ListFilter {
    fn is_default(&self) -> bool {
        *self == ListFilter::default()
    }

    /// Whether a release in `status` is listed.
    pub fn shows(&self, status: Status) -> bool {
        let any = self.all;
        match status {
            Status::Deployed => any || self.deployed || self.is_default(),
            Status::Failed => any || self.failed || self.is_default(),
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback => any || self.pending,
            Status::Superseded => any || self.superseded,
            Status::Uninstalled => any || self.uninstalled,
            Status::Uninstalling => any || self.uninstalling,
            Status::Unknown => false,
        }
    }

    /// Only `--superseded`: superseded revisions are never a release's latest, so helm skips
    /// the latest-revision step for that one flag alone.
    fn superseded_only(&self) -> bool {
        *self == ListFilter { superseded: true, ..ListFilter::default() }
    }
}

/// `helm list`'s rows: the latest revision of each release (every revision with only
/// `--superseded`), those whose status the filter shows, sorted by name (then namespace, where
/// helm's order is the map order of its Go implementation, i.e. none).
pub fn list_view(records: Vec<Release>, filter: ListFilter) -> Vec<Release> {
    let rows = if filter.superseded_only() { records } else { latest_per_release(records) };
    let mut rows: Vec<Release> = rows.into_iter().filter(|r| filter.shows(r.info.status)).collect();
    rows.sort_by(|a, b| (&a.name, &a.namespace, a.version).cmp(&(&b.name, &b.namespace, b.version)));
    rows
}

impl ReleaseStore {
    pub fn new(cluster: Cluster, namespace: impl Into<String>) -> ReleaseStore {
        ReleaseStore { cluster, namespace: namespace.into() }
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    fn api(&self) -> Api<Secret> {
        Api::namespaced(self.cluster.client(), &self.namespace)
    }

    /// All revisions of a release, oldest first (empty when there is none).
    pub async fn history(&self, name: &str) -> Result<Vec<Release>, StoreError> {
        let params = ListParams::default().labels(&format!("owner=helm,name={name}"));
        let what = format!("release secrets of {name:?} in namespace {:?}", self.namespace);
        let list = self.api().list(&params).await.map_err(|e| api_error(e, "list", what))?;
        let mut out = Vec::new();
        for s in &list.items {
            out.push(decode_secret(s)?);
        }
        out.sort_by_key(|r| r.version);
        Ok(out)
    }

    /// One revision.
    pub async fn get(&self, name: &str, version: u32) -> Result<Release, StoreError> {
        let key = secret_name(name, version);
        match self.api().get_opt(&key).await.map_err(|e| api_error(e, "get", format!("secret {key:?}")))? {
            Some(s) => decode_secret(&s),
            None => Err(StoreError::NoRevision { name: name.into(), namespace: self.namespace.clone(), version }),
        }
    }

    /// The latest revision, failing when the release does not exist.
    pub async fn last(&self, name: &str) -> Result<Release, StoreError> {
        self.history(name)
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound { name: name.into(), namespace: self.namespace.clone() })
    }

    /// Fails when the latest revision is pending: another operation is running (or crashed).
    pub fn check_not_pending(&self, history: &[Release]) -> Result<(), StoreError> {
        match history.last() {
            Some(r) if r.info.status.is_pending() => Err(StoreError::Pending {
                name: r.name.clone(),
                namespace: self.namespace.clone(),
                version: r.version,
                status: r.info.status,
                since: r.info.last_deployed.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// The Secret for a record, checking the size limit. Call it before applying anything.
    pub fn secret_for(&self, rel: &Release, time_label: &str) -> Result<Secret, StoreError> {
        let encoded = rel.encode().map_err(|source| StoreError::Codec {
            name: rel.name.clone(),
            namespace: self.namespace.clone(),
            version: rel.version,
            source,
        })?;
        if encoded.len() > MAX_RECORD_BYTES {
            return Err(StoreError::TooLarge {
                name: rel.name.clone(),
                version: rel.version,
                size: encoded.len(),
                limit: MAX_RECORD_BYTES,
            });
        }
        let now = jiff::Timestamp::now().as_second().to_string();
        let labels = BTreeMap::from([
            (time_label.to_string(), now),
            ("name".to_string(), rel.name.clone()),
            ("owner".to_string(), "helm".to_string()),
            ("status".to_string(), rel.info.status.as_str().to_string()),
            ("version".to_string(), rel.version.to_string()),
        ]);
        let mut secret = Secret::default();
        secret.metadata.name = Some(secret_name(&rel.name, rel.version));
        secret.metadata.namespace = Some(self.namespace.clone());
        secret.metadata.labels = Some(labels);
        secret.type_ = Some(SECRET_TYPE.into());
        secret.data = Some(BTreeMap::from([("release".to_string(), ByteString(encoded.into_bytes()))]));
        Ok(secret)
    }

    /// Checks that a record fits in a Secret (size, encoding) without writing anything.
    pub fn check_fits(&self, rel: &Release) -> Result<(), StoreError> {
        self.secret_for(rel, "createdAt").map(|_| ())
    }

    /// Stores a new revision; fails with [`StoreError::Exists`] if it is already there.
    pub async fn create(&self, rel: &Release) -> Result<(), StoreError> {
        let secret = self.secret_for(rel, "createdAt")?;
        match self.api().create(&PostParams::default(), &secret).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 409 => Err(StoreError::Exists {
                name: rel.name.clone(),
                namespace: self.namespace.clone(),
                version: rel.version,
            }),
            Err(e) => Err(api_error(e, "create", format!("secret {:?}", secret_name(&rel.name, rel.version))).into()),
        }
    }

    /// Rewrites a revision (status changes), replacing its labels as helm's `Update` does.
    pub async fn update(&self, rel: &Release) -> Result<(), StoreError> {
        let secret = self.secret_for(rel, "modifiedAt")?;
        let key = secret_name(&rel.name, rel.version);
        self.api()
            .replace(&key, &PostParams::default(), &secret)
            .await
            .map_err(|e| api_error(e, "update", format!("secret {key:?}")))?;
        Ok(())
    }

    /// Deletes one revision (a missing one is not an error).
    pub async fn delete(&self, name: &str, version: u32) -> Result<(), StoreError> {
        let key = secret_name(name, version);
        match self.api().delete(&key, &DeleteParams::default()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(api_error(e, "delete", format!("secret {key:?}")).into()),
        }
    }

    /// helm's `--history-max`: keeps the newest `max` revisions (0: unlimited), never deleting
    /// the latest deployed one. Returns the revisions deleted.
    pub async fn prune_history(&self, name: &str, max: usize) -> Result<Vec<u32>, StoreError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let history = self.history(name).await?;
        let deployed = history.iter().rev().find(|r| r.info.status == Status::Deployed).map(|r| r.version);
        let mut removable: Vec<u32> = history.iter().map(|r| r.version).filter(|v| Some(*v) != deployed).collect();
        let keep_removable = max.saturating_sub(usize::from(deployed.is_some()));
        let excess = removable.len().saturating_sub(keep_removable);
        removable.truncate(excess); // oldest first
        for v in &removable {
            self.delete(name, *v).await?;
        }
        Ok(removable)
    }

    /// Recovery from a crashed operation: marks a pending latest revision `failed`.
    /// Returns the revision changed, or `None` when nothing was pending.
    pub async fn unlock(&self, name: &str) -> Result<Option<u32>, StoreError> {
        let mut last = self.last(name).await?;
        if !last.info.status.is_pending() {
            return Ok(None);
        }
        let was = last.info.status;
        last.info.status = Status::Failed;
        last.info.description = format!("marked failed by `deployer release unlock` (was {was})");
        self.update(&last).await?;
        Ok(Some(last.version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(name: &str, ns: &str, version: u32, status: Status) -> Release {
        let json = serde_json::json!({"name": name, "namespace": ns, "version": version,
            "info": {"status": status.as_str()}, "chart": {"metadata": {}}});
        serde_json::from_value(json).expect("release record")
    }

    fn shown(rows: &[Release]) -> Vec<(String, u32)> {
        rows.iter().map(|r| (r.name.clone(), r.version)).collect()
    }

    #[test]
    fn list_filters_as_helm3() {
        let records = || {
            vec![
                rel("web", "a", 1, Status::Superseded),
                rel("web", "a", 2, Status::Deployed),
                rel("api", "a", 1, Status::Deployed),
                rel("api", "a", 2, Status::Failed),
                rel("db", "a", 1, Status::Superseded),
                rel("db", "a", 2, Status::PendingUpgrade),
                rel("old", "a", 1, Status::Uninstalled),
                rel("gone", "a", 1, Status::Uninstalling),
            ]
        };
        let f = |f: ListFilter| shown(&list_view(records(), f));
        let s = |v: &[(&str, u32)]| v.iter().map(|(n, v)| (n.to_string(), *v)).collect::<Vec<_>>();
        assert_eq!(f(ListFilter::default()), s(&[("api", 2), ("web", 2)]));
        assert_eq!(f(ListFilter { all: true, ..Default::default() }), s(&[("api", 2), ("db", 2), ("gone", 1), ("old", 1), ("web", 2)]));
        assert_eq!(f(ListFilter { deployed: true, ..Default::default() }), s(&[("web", 2)]));
        assert_eq!(f(ListFilter { failed: true, ..Default::default() }), s(&[("api", 2)]));
        assert_eq!(f(ListFilter { pending: true, ..Default::default() }), s(&[("db", 2)]));
        assert_eq!(f(ListFilter { uninstalled: true, ..Default::default() }), s(&[("old", 1)]));
        assert_eq!(f(ListFilter { uninstalling: true, ..Default::default() }), s(&[("gone", 1)]));
        // --superseded alone lists every superseded revision; with another flag only latest ones
        assert_eq!(f(ListFilter { superseded: true, ..Default::default() }), s(&[("db", 1), ("web", 1)]));
        assert_eq!(f(ListFilter { superseded: true, deployed: true, ..Default::default() }), s(&[("web", 2)]));
    }

    #[test]
    fn names_secrets_like_helm() {
        assert_eq!(secret_name("web", 12), "sh.helm.release.v1.web.v12");
    }

    fn secret(rel: &Release, labels: &[(&str, &str)], data: &[u8]) -> Secret {
        let mut s = Secret::default();
        s.metadata.namespace = Some(rel.namespace.clone());
        s.metadata.labels = Some(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
        s.data = Some(BTreeMap::from([("release".to_string(), ByteString(data.to_vec()))]));
        s
    }

    #[test]
    fn stored_records_read_heads_from_labels_and_decode_on_demand() {
        let mut r = rel("web", "ns", 3, Status::Deployed);
        r.manifest = "---\na: b\n".into();
        let encoded = r.encode().unwrap();
        let labels = [("name", "web"), ("owner", "helm"), ("status", "deployed"), ("version", "3")];
        let stored = StoredRecord::of(secret(&r, &labels, encoded.as_bytes())).unwrap();
        assert_eq!((stored.name.as_str(), stored.version, stored.status), ("web", 3, Status::Deployed));
        assert!(matches!(stored.body, RecordBody::Encoded(_)));
        assert_eq!(stored.decode().unwrap(), r);
        assert_eq!(stored.manifest().unwrap(), r.manifest);

        // Labels tell the head without decoding: a broken record is only an error when read.
        let broken = StoredRecord::of(secret(&r, &labels, b"not base64!")).unwrap();
        assert_eq!(broken.version, 3);
        assert!(matches!(broken.decode(), Err(StoreError::Codec { version: 3, .. })));

        // Without (readable) labels the record is decoded at once, or skipped when it cannot be.
        for partial in [&labels[..2], &[("name", "web"), ("owner", "helm"), ("status", "deployed"), ("version", "x")][..]] {
            let eager = StoredRecord::of(secret(&r, partial, encoded.as_bytes())).unwrap();
            assert!(matches!(eager.body, RecordBody::Decoded(_)));
            assert_eq!((eager.name.as_str(), eager.version, eager.status), ("web", 3, Status::Deployed));
            assert_eq!(eager.decode().unwrap(), r);
            assert!(StoredRecord::of(secret(&r, partial, b"not base64!")).is_none());
        }
        assert_eq!(Status::parse("pending-upgrade"), Some(Status::PendingUpgrade));
        assert_eq!(Status::parse("Deployed"), None);
    }
}
