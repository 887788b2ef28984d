//! Release operations on the cluster, as helm performs them, with server-side apply:
//! install/upgrade ([`deploy`]), [`rollback`] and [`uninstall`]. Each writes helm's records so
//! `helm list/history/rollback/upgrade` keep working on what deployer did, and works on
//! releases helm made.
//!
//! Chart hooks run around the apply as helm runs them (pre-* after the pending record is
//! written, post-* after the wait); `--wait` readiness sits between apply and post hooks.

use std::collections::BTreeSet;
use std::time::Duration;
use std::sync::Arc;

use serde_json::Value as Json;

use super::hooks::{HookError, run_hooks};
use super::record::{ChartRecord, Hook, Info, Release, Status, now};
use super::store::{ReleaseStore, StoreError};
use crate::kube::{ApplyOptions, Cluster, KubeError, ObjectRef, WaitOptions, manifest_objects};

pub const RELEASE_NAME_ANNOTATION: &str = "meta.helm.sh/release-name";
pub const RELEASE_NAMESPACE_ANNOTATION: &str = "meta.helm.sh/release-namespace";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";

/// Managers that client-side apply writes as (helm 3's and kubectl's): their `Update` entries
/// are migrated to ours so fields they set and the chart no longer sets get removed.
pub const CLIENT_SIDE_MANAGERS: &[&str] = &["helm", "kubectl-client-side-apply", "kubectl", "kubectl-edit"];

/// helm's uninstall order (`releaseutil.UninstallOrder`, helm 4's webhook kinds included);
/// unknown kinds go last.
const UNINSTALL_ORDER: &[&str] = &[
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "Ingress",
    "IngressClass",
    "Service",
    "CronJob",
    "Job",
    "StatefulSet",
    "HorizontalPodAutoscaler",
    "Deployment",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
    "DaemonSet",
    "RoleBindingList",
    "RoleBinding",
    "RoleList",
    "Role",
    "ClusterRoleBindingList",
    "ClusterRoleBinding",
    "ClusterRoleList",
    "ClusterRole",
    "CustomResourceDefinition",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
    "ConfigMap",
    "SecretList",
    "Secret",
    "ServiceAccount",
    "PodDisruptionBudget",
    "PodSecurityPolicy",
    "LimitRange",
    "ResourceQuota",
    "NetworkPolicy",
    "Namespace",
    "PriorityClass",
];

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Kube(#[from] KubeError),
    #[error("release {name:?}: manifest: {message}")]
    Manifest { name: String, message: String },
    #[error(
        "{object} exists and cannot be imported into release {release:?} (namespace {namespace:?}): it belongs to \
         release {owner:?} in namespace {owner_namespace:?}"
    )]
    OwnedByOther { object: String, release: String, namespace: String, owner: String, owner_namespace: String },
    #[error(
        "{object} exists and is not managed by a release; refusing to take it over into {release:?}. Annotate it \
         with {RELEASE_NAME_ANNOTATION}={release} and {RELEASE_NAMESPACE_ANNOTATION}={namespace} (and label \
         {MANAGED_BY_LABEL}=Helm) to adopt it"
    )]
    Unowned { object: String, release: String, namespace: String },
    #[error("release {name:?} has no revision to roll back to")]
    NothingToRollBack { name: String },
    #[error("release {name:?} failed: {source}")]
    Failed { name: String, version: u32, source: Box<OpError> },
    #[error(transparent)]
    Hook(#[from] HookError),
    #[error("interrupted (Ctrl-C): in-flight requests were cancelled")]
    Interrupted,
    #[error("release {name:?} was uninstalled, but: {source}")]
    UninstalledWithError { name: String, source: Box<OpError> },
    /// The operation failed and so did every attempt to record that, within the retry window:
    /// the cluster was unreachable (apiserver down), so the record is most likely still pending.
    #[error(
        "release {name:?} failed: {source}\nrevision {version} may be left {status} in namespace {namespace:?}: \
         recording it as failed did not succeed within {waited}s ({record_error}).\nWhen the cluster is reachable \
         again, run `deployer release unlock {name} -n {namespace}` (it marks a pending revision failed) and retry"
    )]
    LeftPending {
        name: String,
        namespace: String,
        version: u32,
        status: Status,
        waited: u64,
        record_error: String,
        source: Box<OpError>,
    },
}

impl OpError {
    /// Whether the operation stopped because it was interrupted (Ctrl-C), wherever it was.
    pub fn is_interrupted(&self) -> bool {
        match self {
            OpError::Interrupted => true,
            OpError::Failed { source, .. } | OpError::LeftPending { source, .. } => source.is_interrupted(),
            _ => false,
        }
    }
}

/// What a release should become: a rendered chart and the values it was given.
#[derive(Debug, Clone)]
pub struct Desired {
    /// Shared by every release of the same chart in a run.
    pub chart: Arc<ChartRecord>,
    /// User-supplied values (helm's `config`).
    pub config: Json,
    /// helm's release manifest text (`---\n# Source: PATH\nDOC\n` per document).
    pub manifest: String,
    pub hooks: Vec<Hook>,
    pub notes: String,
}

impl Desired {
    pub fn from_rendered(
        chart: &crate::chart::model::Chart,
        config: &crate::value::Map,
        rendered: &crate::chart::template::RenderedRelease,
    ) -> Desired {
        Desired::from_rendered_record(Arc::new(ChartRecord::of(chart)), config, rendered)
    }

    /// [`Desired::from_rendered`] with the chart's record already made.
    pub fn from_rendered_record(
        chart: Arc<ChartRecord>,
        config: &crate::value::Map,
        rendered: &crate::chart::template::RenderedRelease,
    ) -> Desired {
        let mut manifest = String::new();
        for m in &rendered.manifests {
            manifest.push_str(&format!("---\n# Source: {}\n{}\n", m.path, m.content));
        }
        Desired {
            chart,
            config: crate::kube::value_to_json(&crate::value::Value::Map(config.clone())),
            manifest,
            hooks: rendered.hooks.iter().map(Hook::from).collect(),
            notes: rendered.notes.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DeployOptions {
    pub apply: ApplyOptions,
    /// `--history-max` (0: unlimited).
    pub history_max: usize,
    /// Take over fields that client-side apply (helm 3, kubectl) owns, as kubectl does when
    /// moving an object from client-side to server-side apply.
    pub migrate_client_side: bool,
    /// Run the chart's hooks (helm's default).
    pub hooks: bool,
    /// `--wait`: readiness of the applied objects before post hooks and the `deployed` record.
    pub wait: Option<WaitOptions>,
    /// Time limit for each hook and deletion (`--timeout`, helm's 5 minutes by default).
    pub timeout: Duration,
    /// Set to `true` to interrupt (Ctrl-C): in-flight requests are dropped and the release is
    /// recorded as failed.
    pub cancel: Option<tokio::sync::watch::Receiver<bool>>,
    /// Uninstall: wait this long for the deleted objects to be gone (`--wait`).
    pub wait_deleted: Option<Duration>,
    /// Where live progress lines go: the step a deploy is at (`dry-run`, `applying`, `waiting`,
    /// chart hooks), what an uninstall still waits for.
    pub progress: Option<tokio::sync::mpsc::UnboundedSender<String>>,
}

/// helm's default `--timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            apply: ApplyOptions::default(),
            history_max: super::store::DEFAULT_HISTORY_MAX,
            migrate_client_side: true,
            hooks: true,
            wait: None,
            timeout: DEFAULT_TIMEOUT,
            cancel: None,
            wait_deleted: None,
            progress: None,
        }
    }
}

/// Resolves once the cancel flag is set; never without one.
pub async fn cancelled(cancel: &Option<tokio::sync::watch::Receiver<bool>>) {
    match cancel {
        Some(rx) => {
            let mut rx = rx.clone();
            if rx.wait_for(|c| *c).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

/// The steps of an install/upgrade/rollback after its pending record: pre hooks, apply, prune,
/// wait, post hooks. Hook runs are recorded in `rel.hooks`.
async fn apply_steps(
    store: &ReleaseStore,
    rel: &mut Release,
    objects: &[ManifestObject],
    old_objects: &[ManifestObject],
    owned: &BTreeSet<ObjectRef>,
    (pre, post): (&str, &str),
    opts: &DeployOptions,
) -> Result<(), OpError> {
    let cluster = store.cluster();
    let namespace = store.namespace().to_string();
    let manager = opts.apply.field_manager.clone();
    let hooks_of = |event: &str| opts.hooks && rel.hooks.iter().any(|h| h.events.iter().any(|e| e == event));
    let (pre_hooks, post_hooks) = (hooks_of(pre), hooks_of(post));
    step(opts, "dry-run");
    dry_run_manifest(store, &rel.name, objects, owned, opts).await?;
    if opts.hooks {
        if pre_hooks {
            step(opts, &format!("{pre} hooks"));
        }
        run_hooks(cluster, &namespace, &mut rel.hooks, pre, opts.timeout, &manager).await?;
    }
    step(opts, "applying");
    apply_manifest(store, &rel.name, objects, owned, opts).await?;
    let new: BTreeSet<ObjectRef> = objects.iter().map(|o| o.oref.clone()).collect();
    prune(cluster, old_objects, &new).await?;
    if let Some(wait) = opts.wait {
        step(opts, "waiting");
        let refs: Vec<ObjectRef> = objects.iter().map(|o| o.oref.clone()).collect();
        cluster.wait_ready(&refs, wait).await?;
    }
    if opts.hooks {
        if post_hooks {
            step(opts, &format!("{post} hooks"));
        }
        run_hooks(cluster, &namespace, &mut rel.hooks, post, opts.timeout, &manager).await?;
    }
    Ok(())
}

/// Names the step a deploy is at on `opts.progress`, if anyone listens.
fn step(opts: &DeployOptions, what: &str) {
    if let Some(p) = &opts.progress {
        let _ = p.send(what.to_string());
    }
}

/// Runs the steps, dropping them (and their in-flight requests) when cancelled.
async fn steps_or_cancel(
    store: &ReleaseStore,
    rel: &mut Release,
    objects: &[ManifestObject],
    old_objects: &[ManifestObject],
    owned: &BTreeSet<ObjectRef>,
    events: (&str, &str),
    opts: &DeployOptions,
) -> Result<(), OpError> {
    tokio::select! {
        r = apply_steps(store, rel, objects, old_objects, owned, events, opts) => r,
        _ = cancelled(&opts.cancel) => Err(OpError::Interrupted),
    }
}

/// An object of a manifest, with where it came from.
struct ManifestObject {
    oref: ObjectRef,
    body: Json,
    keep: bool,
}

async fn manifest_refs(cluster: &Cluster, name: &str, namespace: &str, manifest: &str) -> Result<Vec<ManifestObject>, OpError> {
    let objects = manifest_objects(manifest).map_err(|message| OpError::Manifest { name: name.into(), message })?;
    let mut out = Vec::new();
    for body in objects {
        let (oref, _) = cluster.object_ref(&body, namespace).await?;
        let keep = body
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(RESOURCE_POLICY_ANNOTATION))
            .and_then(Json::as_str)
            .is_some_and(|p| p == "keep");
        out.push(ManifestObject { oref, body, keep });
    }
    Ok(out)
}

/// Adds helm's ownership metadata to an object (what lets helm and deployer adopt it later).
pub fn with_ownership(mut body: Json, release: &str, namespace: &str) -> Json {
    if let Some(meta) = body.get_mut("metadata").and_then(Json::as_object_mut) {
        let ann = meta.entry("annotations").or_insert_with(|| Json::Object(Default::default()));
        if !ann.is_object() {
            *ann = Json::Object(Default::default());
        }
        if let Some(a) = ann.as_object_mut() {
            a.insert(RELEASE_NAME_ANNOTATION.into(), Json::String(release.into()));
            a.insert(RELEASE_NAMESPACE_ANNOTATION.into(), Json::String(namespace.into()));
        }
        let labels = meta.entry("labels").or_insert_with(|| Json::Object(Default::default()));
        if !labels.is_object() {
            *labels = Json::Object(Default::default());
        }
        if let Some(l) = labels.as_object_mut() {
            l.insert(MANAGED_BY_LABEL.into(), Json::String("Helm".into()));
        }
    }
    body
}

/// Refuses objects that exist but belong to another release or to none.
async fn check_ownership(
    cluster: &Cluster,
    release: &str,
    namespace: &str,
    obj: &ManifestObject,
) -> Result<Option<kube::api::DynamicObject>, OpError> {
    let Some(live) = cluster.get(&obj.oref).await? else { return Ok(None) };
    let ann = live.metadata.annotations.clone().unwrap_or_default();
    match (ann.get(RELEASE_NAME_ANNOTATION), ann.get(RELEASE_NAMESPACE_ANNOTATION)) {
        (Some(n), Some(ns)) if n == release && ns == namespace => Ok(Some(live)),
        (Some(n), ns) => Err(OpError::OwnedByOther {
            object: obj.oref.to_string(),
            release: release.into(),
            namespace: namespace.into(),
            owner: n.clone(),
            owner_namespace: ns.cloned().unwrap_or_default(),
        }),
        (None, _) => Err(OpError::Unowned { object: obj.oref.to_string(), release: release.into(), namespace: namespace.into() }),
    }
}

/// Unions two `fieldsV1` sets (nested maps of `f:`/`k:`/`v:`/`.` keys).
fn union_fields(into: &mut Json, from: &Json) {
    if let (Some(a), Some(b)) = (into.as_object_mut(), from.as_object()) {
        for (k, v) in b {
            match a.get_mut(k) {
                Some(existing) => union_fields(existing, v),
                None => {
                    a.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

/// kubectl's client-side → server-side upgrade of managed fields: the `Update` entries of
/// client-side managers become part of our `Apply` entry, so the next apply owns (and can
/// remove) every field the chart set before. Returns the new managedFields, or `None` when
/// there is nothing to migrate.
pub fn migrate_managed_fields(managed: &[Json], field_manager: &str) -> Option<Vec<Json>> {
    let is_csa = |e: &Json| {
        e.get("operation").and_then(Json::as_str) == Some("Update")
            && e.get("subresource").and_then(Json::as_str).unwrap_or("").is_empty()
            && e.get("manager").and_then(Json::as_str).is_some_and(|m| CLIENT_SIDE_MANAGERS.contains(&m))
    };
    if !managed.iter().any(is_csa) {
        return None;
    }
    let is_ours = |e: &Json| {
        e.get("operation").and_then(Json::as_str) == Some("Apply")
            && e.get("manager").and_then(Json::as_str) == Some(field_manager)
    };
    let mut ours = managed.iter().find(|e| is_ours(e)).cloned().unwrap_or_else(|| {
        let template = managed.iter().find(|e| is_csa(e)).cloned().unwrap_or(Json::Null);
        serde_json::json!({
            "manager": field_manager,
            "operation": "Apply",
            "apiVersion": template.get("apiVersion").cloned().unwrap_or(Json::Null),
            "time": template.get("time").cloned().unwrap_or(Json::Null),
            "fieldsType": "FieldsV1",
            "fieldsV1": {},
        })
    });
    let fields = ours.as_object_mut().and_then(|o| {
        o.entry("fieldsV1").or_insert_with(|| Json::Object(Default::default()));
        o.get_mut("fieldsV1")
    });
    if let Some(fields) = fields {
        for e in managed.iter().filter(|e| is_csa(e)) {
            if let Some(f) = e.get("fieldsV1") {
                union_fields(fields, f);
            }
        }
    }
    let mut out: Vec<Json> = managed.iter().filter(|e| !is_csa(e) && !is_ours(e)).cloned().collect();
    out.push(ours);
    Some(out)
}

async fn migrate_object(cluster: &Cluster, live: &kube::api::DynamicObject, oref: &ObjectRef, field_manager: &str) -> Result<(), OpError> {
    let managed: Vec<Json> = live
        .metadata
        .managed_fields
        .as_ref()
        .map(|m| m.iter().filter_map(|e| serde_json::to_value(e).ok()).collect())
        .unwrap_or_default();
    let Some(new) = migrate_managed_fields(&managed, field_manager) else { return Ok(()) };
    let resource = cluster.resource(&oref.api_version, &oref.kind).await?;
    let api: kube::Api<kube::api::DynamicObject> = match &oref.namespace {
        Some(ns) => kube::Api::namespaced_with(cluster.client(), ns, &resource.api),
        None => kube::Api::all_with(cluster.client(), &resource.api),
    };
    // Guarded by resourceVersion: a concurrent writer makes this fail rather than lose fields.
    let patch = serde_json::json!({
        "metadata": {"managedFields": new, "resourceVersion": live.metadata.resource_version}
    });
    api.patch(&oref.name, &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&patch))
        .await
        .map_err(|e| crate::kube::api_error(e, "migrate managed fields of", oref.to_string()))?;
    Ok(())
}

/// Checks every object before anything of the release changes: ownership, then a server-side
/// dry-run apply (schema, admission, field conflicts), concurrently. An object whose namespace
/// does not exist yet (the release creates it) cannot be checked and is left to the apply.
async fn dry_run_manifest(
    store: &ReleaseStore,
    name: &str,
    objects: &[ManifestObject],
    previously_owned: &BTreeSet<ObjectRef>,
    opts: &DeployOptions,
) -> Result<(), OpError> {
    let (cluster, namespace) = (store.cluster(), store.namespace());
    let checks = objects.iter().map(|obj| {
        async move {
            if !previously_owned.contains(&obj.oref) {
                check_ownership(cluster, name, namespace, obj).await?;
            }
            let body = with_ownership(obj.body.clone(), name, namespace);
            match dry_run_apply(cluster, &body, namespace, &opts.apply, opts.migrate_client_side).await {
                Err(e) if !(e.is_not_found() && obj.oref.namespace.is_some()) => Err(OpError::from(e)),
                _ => Ok(()),
            }
        }
    });
    use futures::{StreamExt as _, TryStreamExt as _};
    futures::stream::iter(checks).buffer_unordered(DRY_RUN_CONCURRENCY).try_collect::<Vec<()>>().await.map(|_| ())
}

/// Dry-run requests in flight per release (bounded: a release may hold hundreds of objects).
pub const DRY_RUN_CONCURRENCY: usize = 16;

/// A server-side dry-run apply of one object as the real apply will go: with `migrate`, a
/// conflict only with client-side managers (whose fields the apply first migrates to ours, see
/// [`migrate_managed_fields`]) is not one, so the dry-run is repeated forcing it.
pub async fn dry_run_apply(
    cluster: &Cluster,
    body: &Json,
    namespace: &str,
    apply: &ApplyOptions,
    migrate: bool,
) -> Result<kube::api::DynamicObject, KubeError> {
    let dry = ApplyOptions { dry_run: true, ..apply.clone() };
    match cluster.apply(body, namespace, &dry).await {
        Err(KubeError::Conflict { conflicts, .. })
            if migrate && conflicts.iter().all(|c| CLIENT_SIDE_MANAGERS.contains(&c.manager.as_str())) =>
        {
            cluster.apply(body, namespace, &ApplyOptions { force_conflicts: true, ..dry }).await
        }
        other => other,
    }
}

/// Applies a manifest's objects in order; returns the refs applied.
async fn apply_manifest(
    store: &ReleaseStore,
    name: &str,
    objects: &[ManifestObject],
    previously_owned: &BTreeSet<ObjectRef>,
    opts: &DeployOptions,
) -> Result<(), OpError> {
    let cluster = store.cluster();
    let namespace = store.namespace();
    for obj in objects {
        let live = if previously_owned.contains(&obj.oref) {
            cluster.get(&obj.oref).await?
        } else {
            check_ownership(cluster, name, namespace, obj).await?
        };
        if let (Some(live), true, false) = (&live, opts.migrate_client_side, opts.apply.dry_run) {
            migrate_object(cluster, live, &obj.oref, &opts.apply.field_manager).await?;
        }
        let body = with_ownership(obj.body.clone(), name, namespace);
        cluster.apply(&body, namespace, &opts.apply).await?;
    }
    Ok(())
}

/// Deletes objects of `old` that `new` no longer has (unless `helm.sh/resource-policy: keep`),
/// in uninstall order. Returns the refs deleted.
async fn prune(cluster: &Cluster, old: &[ManifestObject], new: &BTreeSet<ObjectRef>) -> Result<Vec<ObjectRef>, OpError> {
    let mut gone: Vec<&ManifestObject> = old.iter().filter(|o| !new.contains(&o.oref) && !o.keep).collect();
    gone.sort_by_key(|o| uninstall_rank(&o.oref.kind));
    let mut deleted = Vec::new();
    for o in gone {
        if cluster.delete(&o.oref).await? {
            deleted.push(o.oref.clone());
        }
    }
    Ok(deleted)
}

fn uninstall_rank(kind: &str) -> usize {
    UNINSTALL_ORDER.iter().position(|k| *k == kind).unwrap_or(UNINSTALL_ORDER.len())
}

/// The longest deployer keeps retrying to record a failure while the cluster is unreachable.
const RECORD_FAILURE_MAX: Duration = Duration::from_secs(60);

/// Whether a failed request may succeed if sent again: it never got an answer (connection
/// refused or reset: the apiserver is down or restarting), or the server was unavailable.
fn transient(e: &StoreError) -> bool {
    match e {
        StoreError::Kube(k) => matches!(k.code(), 0 | 429 | 500..=599),
        _ => false,
    }
}

/// Writes a record, retrying transient failures with exponential backoff (250 ms doubling to
/// 5 s) until `limit` has passed.
async fn update_with_retry(store: &ReleaseStore, rel: &Release, limit: Duration) -> Result<(), StoreError> {
    let deadline = std::time::Instant::now() + limit;
    let mut delay = Duration::from_millis(250);
    loop {
        match store.update(rel).await {
            Ok(()) => return Ok(()),
            Err(e) if transient(&e) && std::time::Instant::now() + delay < deadline => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Marks the record failed after an error and returns the error, wrapped. The cluster may be
/// what failed (apiserver killed): the record is retried for up to `--timeout` (at most
/// [`RECORD_FAILURE_MAX`]) so the release is not left pending; if that does not succeed the
/// error says the release may be left pending and how to recover.
async fn fail(store: &ReleaseStore, mut rel: Release, err: OpError, opts: &DeployOptions) -> OpError {
    let was = rel.info.status;
    rel.info.status = Status::Failed;
    rel.info.description = format!("{} failed: {err}", describe(&rel));
    let limit = opts.timeout.min(RECORD_FAILURE_MAX);
    match update_with_retry(store, &rel, limit).await {
        Ok(()) => OpError::Failed { name: rel.name.clone(), version: rel.version, source: Box::new(err) },
        Err(e) if was.is_pending() => OpError::LeftPending {
            name: rel.name.clone(),
            namespace: store.namespace().to_string(),
            version: rel.version,
            status: was,
            waited: limit.as_secs(),
            record_error: e.to_string(),
            source: Box::new(err),
        },
        Err(_) => OpError::Failed { name: rel.name.clone(), version: rel.version, source: Box::new(err) },
    }
}

fn describe(rel: &Release) -> &'static str {
    if rel.version == 1 { "Release" } else { "Upgrade" }
}

/// Marks the previously deployed revisions superseded and the new one deployed.
async fn record_deployed(store: &ReleaseStore, history: &[Release], rel: &mut Release, description: String) -> Result<(), OpError> {
    for old in history.iter().filter(|r| r.info.status == Status::Deployed && r.version != rel.version) {
        let mut old = old.clone();
        old.info.status = Status::Superseded;
        store.update(&old).await?;
    }
    rel.info.status = Status::Deployed;
    rel.info.description = description;
    store.update(rel).await?;
    Ok(())
}

/// Installs or upgrades a release: record `pending-*` (refused while another operation is
/// pending), apply every object with SSA, prune objects the new manifest dropped, then record
/// `deployed` and supersede the previous revision — helm's sequence, without hooks.
pub async fn deploy(store: &ReleaseStore, name: &str, desired: Desired, opts: &DeployOptions) -> Result<Release, OpError> {
    let cluster = store.cluster();
    let history = store.history(name).await?;
    store.check_not_pending(&history)?;
    let last_deployed = history.iter().rev().find(|r| r.info.status == Status::Deployed);
    let upgrading = last_deployed.is_some();
    let version = history.last().map_or(1, |r| r.version + 1);
    let time = now();
    let first_deployed = history.first().map(|r| r.info.first_deployed.clone()).unwrap_or_else(|| time.clone());
    let rel = Release {
        name: name.into(),
        info: Info {
            first_deployed: if upgrading { first_deployed } else { time.clone() },
            last_deployed: time,
            deleted: String::new(),
            description: if upgrading { "Preparing upgrade".into() } else { "Initial install underway".into() },
            status: if upgrading { Status::PendingUpgrade } else { Status::PendingInstall },
            notes: desired.notes,
        },
        chart: Arc::unwrap_or_clone(desired.chart),
        config: desired.config,
        manifest: desired.manifest,
        hooks: desired.hooks,
        version,
        namespace: store.namespace().into(),
        apply_method: Some("ssa".into()),
    };
    // Everything that can fail without touching the cluster fails here.
    store.check_fits(&rel)?;
    let objects = manifest_refs(cluster, name, store.namespace(), &rel.manifest).await?;
    let old_objects = match last_deployed {
        Some(prev) => manifest_refs(cluster, name, store.namespace(), &prev.manifest).await?,
        None => Vec::new(),
    };
    if opts.apply.dry_run {
        let owned: BTreeSet<ObjectRef> = old_objects.iter().map(|o| o.oref.clone()).collect();
        apply_manifest(store, name, &objects, &owned, opts).await?;
        return Ok(rel);
    }
    store.create(&rel).await?;
    let mut rel = rel;
    let owned: BTreeSet<ObjectRef> = old_objects.iter().map(|o| o.oref.clone()).collect();
    let events = if upgrading { ("pre-upgrade", "post-upgrade") } else { ("pre-install", "post-install") };
    let result = steps_or_cancel(store, &mut rel, &objects, &old_objects, &owned, events, opts).await;
    let description = if upgrading { "Upgrade complete" } else { "Install complete" };
    conclude(store, &history, rel, result, description.into(), opts).await
}

/// Records the outcome of the steps: `deployed` (superseding the previous revision), or
/// `failed` — also when recording `deployed` itself fails half-way.
async fn conclude(
    store: &ReleaseStore,
    history: &[Release],
    rel: Release,
    result: Result<(), OpError>,
    description: String,
    opts: &DeployOptions,
) -> Result<Release, OpError> {
    match result {
        Ok(()) => {
            let mut done = rel.clone();
            if let Err(e) = record_deployed(store, history, &mut done, description).await {
                return Err(fail(store, rel, e, opts).await);
            }
            // deployed is recorded: an error pruning old revisions is reported, not recorded as failed
            store.prune_history(&done.name, opts.history_max).await?;
            Ok(done)
        }
        Err(e) => Err(fail(store, rel, e, opts).await),
    }
}

/// helm's rollback: a new revision with the chart, values, manifest and hooks of `target`
/// (default: the revision before the latest), applied with SSA; objects the target does not
/// have are pruned.
pub async fn rollback(store: &ReleaseStore, name: &str, target: Option<u32>, opts: &DeployOptions) -> Result<Release, OpError> {
    let cluster = store.cluster();
    let history = store.history(name).await?;
    let Some(current) = history.last() else {
        return Err(StoreError::NotFound { name: name.into(), namespace: store.namespace().into() }.into());
    };
    store.check_not_pending(&history)?;
    let target_version = match target {
        Some(v) if v > 0 => v,
        _ => current.version.checked_sub(1).filter(|v| *v > 0).ok_or(OpError::NothingToRollBack { name: name.into() })?,
    };
    let target = history
        .iter()
        .find(|r| r.version == target_version)
        .ok_or_else(|| StoreError::NoRevision { name: name.into(), namespace: store.namespace().into(), version: target_version })?
        .clone();
    let time = now();
    let rel = Release {
        info: Info {
            first_deployed: current.info.first_deployed.clone(),
            last_deployed: time,
            deleted: String::new(),
            description: format!("Rollback to {target_version}"),
            status: Status::PendingRollback,
            notes: target.info.notes.clone(),
        },
        version: current.version + 1,
        namespace: store.namespace().into(),
        apply_method: Some("ssa".into()),
        ..target
    };
    store.check_fits(&rel)?;
    let objects = manifest_refs(cluster, name, store.namespace(), &rel.manifest).await?;
    // As helm's rollback: what is pruned is judged against the latest revision whatever its
    // status, so objects a failed upgrade created go away with it.
    let old_objects = manifest_refs(cluster, name, store.namespace(), &current.manifest).await?;
    let last_deployed = history.iter().rev().find(|r| r.info.status == Status::Deployed);
    let deployed_objects = match last_deployed {
        Some(prev) if prev.version != current.version => manifest_refs(cluster, name, store.namespace(), &prev.manifest).await?,
        _ => Vec::new(),
    };
    store.create(&rel).await?;
    let mut rel = rel;
    // Everything any revision of this release had counts as ours (rollback targets objects
    // the current revision may have pruned).
    let mut owned: BTreeSet<ObjectRef> = old_objects.iter().map(|o| o.oref.clone()).collect();
    owned.extend(deployed_objects.iter().map(|o| o.oref.clone()));
    owned.extend(objects.iter().map(|o| o.oref.clone()));
    let events = ("pre-rollback", "post-rollback");
    let result = steps_or_cancel(store, &mut rel, &objects, &old_objects, &owned, events, opts).await;
    conclude(store, &history, rel, result, format!("Rollback to {target_version}"), opts).await
}

/// What an uninstall did.
#[derive(Debug, Default)]
pub struct Uninstalled {
    pub deleted: Vec<ObjectRef>,
    /// Objects left in place by `helm.sh/resource-policy: keep`.
    pub kept: Vec<ObjectRef>,
    pub release: Option<Release>,
}

/// helm's uninstall: mark `uninstalling`, delete the manifest's objects in uninstall order
/// (keeping `helm.sh/resource-policy: keep` ones), then delete the history — or, with
/// `keep_history`, mark the revision `uninstalled`.
pub async fn uninstall(store: &ReleaseStore, name: &str, keep_history: bool) -> Result<Uninstalled, OpError> {
    uninstall_with(store, name, keep_history, &DeployOptions::default()).await
}

/// [`uninstall`] with options: `pre-delete`/`post-delete` hooks (unless `hooks` is off) and
/// their timeout.
pub async fn uninstall_with(store: &ReleaseStore, name: &str, keep_history: bool, opts: &DeployOptions) -> Result<Uninstalled, OpError> {
    let cluster = store.cluster();
    let history = store.history(name).await?;
    let Some(last) = history.last() else {
        return Err(StoreError::NotFound { name: name.into(), namespace: store.namespace().into() }.into());
    };
    store.check_not_pending(&history)?;
    let mut rel = last.clone();
    let objects = manifest_refs(cluster, name, store.namespace(), &rel.manifest).await?;
    rel.info.status = Status::Uninstalling;
    rel.info.deleted = now();
    store.update(&rel).await?;
    let mut report = Uninstalled::default();
    let manager = opts.apply.field_manager.clone();
    if opts.hooks {
        run_hooks(cluster, store.namespace(), &mut rel.hooks, "pre-delete", opts.timeout, &manager).await?;
    }
    report.kept = objects.iter().filter(|o| o.keep).map(|o| o.oref.clone()).collect();
    report.deleted = prune(cluster, &objects, &BTreeSet::new()).await?;
    // helm's `uninstall --wait`: after the deletes, before post-delete hooks. As in helm, a
    // wait that times out does not stop the uninstall (the deletes are already requested); it
    // is reported at the end.
    let mut wait_error = None;
    if let Some(timeout) = opts.wait_deleted {
        tokio::select! {
            r = cluster.wait_all_deleted(&report.deleted, timeout, opts.progress.as_ref()) => wait_error = r.err(),
            _ = cancelled(&opts.cancel) => return Err(OpError::Interrupted),
        }
    }
    if opts.hooks {
        run_hooks(cluster, store.namespace(), &mut rel.hooks, "post-delete", opts.timeout, &manager).await?;
    }
    if keep_history {
        rel.info.status = Status::Uninstalled;
        rel.info.description = "Uninstallation complete".into();
        store.update(&rel).await?;
    } else {
        for r in &history {
            store.delete(name, r.version).await?;
        }
    }
    if let Some(e) = wait_error {
        return Err(OpError::UninstalledWithError { name: name.into(), source: Box::new(e.into()) });
    }
    report.release = Some(rel);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn client_side_fields_move_into_our_apply_entry() {
        let managed = vec![
            json!({"manager": "helm", "operation": "Update", "apiVersion": "v1", "time": "t",
                   "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {".": {}, "f:a": {}, "f:b": {}}}}),
            json!({"manager": "deployer", "operation": "Apply", "apiVersion": "v1", "time": "t2",
                   "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}, "f:metadata": {}}}),
            json!({"manager": "kube-controller-manager", "operation": "Update", "subresource": "status",
                   "fieldsV1": {"f:status": {}}}),
        ];
        let out = migrate_managed_fields(&managed, "deployer").unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0]["manager"], "kube-controller-manager");
        assert_eq!(out[1]["fieldsV1"], json!({"f:data": {".": {}, "f:a": {}, "f:b": {}}, "f:metadata": {}}));
        assert_eq!(migrate_managed_fields(&out, "deployer"), None);
    }

    #[test]
    fn a_failure_left_unrecorded_says_how_to_recover() {
        let e = OpError::LeftPending {
            name: "web".into(),
            namespace: "prod".into(),
            version: 4,
            status: Status::PendingUpgrade,
            waited: 60,
            record_error: "connection refused".into(),
            source: Box::new(OpError::Interrupted),
        };
        let text = e.to_string();
        assert!(text.contains("revision 4 may be left pending-upgrade in namespace \"prod\""), "{text}");
        assert!(text.contains("deployer release unlock web -n prod"), "{text}");
        assert!(e.is_interrupted());
        let wrapped = OpError::Failed { name: "web".into(), version: 4, source: Box::new(OpError::Interrupted) };
        assert!(wrapped.is_interrupted());
        assert!(!OpError::NothingToRollBack { name: "web".into() }.is_interrupted());
    }

    #[test]
    fn only_unanswered_or_unavailable_requests_are_retried() {
        let api = |code| StoreError::Kube(KubeError::Api { verb: "update", what: "x".into(), code, reason: String::new(), message: String::new() });
        assert!(transient(&api(0)) && transient(&api(503)) && transient(&api(429)));
        assert!(!transient(&api(404)) && !transient(&api(422)));
        assert!(!transient(&StoreError::NotFound { name: "x".into(), namespace: "y".into() }));
    }

    #[test]
    fn ownership_metadata_is_added() {
        let body = with_ownership(json!({"metadata": {"name": "x", "labels": {"a": "b"}}}), "web", "ns");
        assert_eq!(body["metadata"]["annotations"][RELEASE_NAME_ANNOTATION], "web");
        assert_eq!(body["metadata"]["labels"]["a"], "b");
        assert_eq!(body["metadata"]["labels"][MANAGED_BY_LABEL], "Helm");
    }

    #[test]
    fn uninstall_order_puts_services_before_config() {
        assert!(uninstall_rank("Deployment") < uninstall_rank("ConfigMap"));
        assert!(uninstall_rank("ConfigMap") < uninstall_rank("Namespace"));
        assert_eq!(uninstall_rank("Widget"), UNINSTALL_ORDER.len());
    }
}
