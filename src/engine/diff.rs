//! The engine's side of `diff`: for each release, the last deployed manifest from the store,
//! the live objects read in bulk (one LIST per kind and namespace) and the desired manifest,
//! handed to [`crate::diff`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value as Json;

use super::live::{Head, LiveState};
use super::{EngineOptions, Progress, Unit, failure, store_of};
use crate::diff::{self, ChangeKind, ObjectId, ReleaseDiff, ReleaseInput, SentDiff};
use crate::kube::{Cluster, Clusters, manifest_objects, value_to_json};
use crate::release::ops::{dry_run_apply, with_ownership};
use crate::release::Status;

/// How `diff` (and `apply`'s diff) compares desired objects with live ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffMode {
    /// The live object read through the manifest's fields, server defaults normalised away;
    /// no request beyond the bulk reads.
    Fast,
    /// Fast, then every object that differs is re-checked by a server-side dry-run apply (the
    /// field manager and force-conflicts apply uses) and compared with its result, so server
    /// defaulting and mutation do not show; new objects are dry-run too, so schema, admission
    /// and conflict errors surface at diff time.
    #[default]
    Exact,
}

/// A release's diff, and whether sync has something to do beyond the objects (no release
/// record yet, a failed or pending last revision, an `installed: false` release to remove).
#[derive(Debug, Clone)]
pub struct UnitDiff {
    pub diff: ReleaseDiff,
    /// The release must be synced even if no object changes.
    pub release_changes: bool,
    /// The latest revision (not uninstalled), if any.
    pub last: Option<Head>,
    /// The diff's text, rendered with [`EngineOptions::diff_text`] when that is set (the
    /// objects' bodies are dropped then).
    pub text: Option<String>,
}

impl UnitDiff {
    pub fn needs_sync(&self) -> bool {
        self.release_changes || self.diff.has_changes()
    }
}

/// `(group, kind) → namespaced` for every kind of the manifests, from discovery; kinds the
/// server does not know (CRDs not installed yet) are left out.
async fn scopes(cluster: &Cluster, manifests: &[&str]) -> BTreeMap<(String, String), (String, bool)> {
    let mut out = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for m in manifests {
        for (api_version, kind) in types(m) {
            if api_version.is_empty() || kind.is_empty() || !seen.insert((api_version.clone(), kind.clone())) {
                continue;
            }
            if let Ok(resource) = cluster.resource(&api_version, &kind).await {
                let group = api_version.rsplit_once('/').map(|(g, _)| g.to_string()).unwrap_or_default();
                out.insert((group, kind), (api_version, resource.namespaced));
            }
        }
    }
    out
}

/// Exact mode: server-side dry-run applies the desired objects that fast mode found added or
/// modified (concurrently); returns the dry-run results of the modified ones.
async fn dry_run_changed(
    cluster: &Cluster,
    unit: &Unit,
    fast: &ReleaseDiff,
    desired: &[diff::Object],
    opts: &EngineOptions,
) -> Result<HashMap<ObjectId, crate::value::Value>, String> {
    let changed = fast.objects.iter().filter(|o| matches!(o.change, ChangeKind::Add | ChangeKind::Modify));
    let checks = changed.filter_map(|o| desired.iter().find(|d| d.id == o.id).map(|d| (o.change, d))).map(|(change, d)| {
        async move {
            let body = with_ownership(value_to_json(&d.body), &unit.name, &unit.namespace);
            match dry_run_apply(cluster, &body, &unit.namespace, &opts.apply, true).await {
                Ok(result) if change == ChangeKind::Modify => {
                    let json = serde_json::to_value(&result).unwrap_or(Json::Null);
                    Ok(Some((d.id.clone(), diff::value_from_json(&json))))
                }
                Ok(_) => Ok(None),
                // Its namespace is not there yet, or its CRD (from `crds/`) is not installed:
                // sync creates them first; fast mode's answer stands.
                Err(e) if e.is_not_found() && !d.id.namespace.is_empty() => Ok(None),
                Err(crate::kube::KubeError::UnknownKind { .. }) => Ok(None),
                // Fields another manager took over: fast mode's answer shows the change (and the
                // drift); apply names the fields and managers unless --force-conflicts.
                Err(crate::kube::KubeError::Conflict { .. }) => Ok(None),
                Err(e) => Err(format!("server-side dry-run: {e}")),
            }
        }
    });
    use futures::{StreamExt as _, TryStreamExt as _};
    let results: Vec<_> = futures::stream::iter(checks).buffer_unordered(crate::release::ops::DRY_RUN_CONCURRENCY).try_collect().await?;
    Ok(results.into_iter().flatten().collect())
}

/// `(apiVersion, kind)` of every object of a manifest: the fast head reader per document, the
/// full parser where it declines and for `List`s (whose items have their own kinds).
fn types(manifest: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for doc in diff::split_documents(manifest) {
        match crate::yaml::object_head(doc) {
            Some(h) if !h.kind.ends_with("List") => out.push((h.api_version, h.kind)),
            _ => {
                for obj in manifest_objects(doc).unwrap_or_default() {
                    let field = |k: &str| obj.get(k).and_then(Json::as_str).unwrap_or("").to_string();
                    out.push((field("apiVersion"), field("kind")));
                }
            }
        }
    }
    out
}

/// Diffs one release in `opts.diff_mode`, reading live state through the run's shared `live_state`.
pub async fn diff_unit_with(clusters: &Clusters, unit: &Unit, opts: &EngineOptions, live_state: &LiveState) -> Result<UnitDiff, String> {
    let store = store_of(clusters, unit).await?;
    let cluster = store.cluster().clone();
    let records = live_state.records(&cluster, unit.context.as_deref(), &unit.namespace, &unit.name).await.map_err(|e| failure(unit, e))?;
    let last = records.latest().filter(|r| r.status != Status::Uninstalled);
    let deployed = records.last_deployed_manifest();
    drop(records);
    let last_manifest = deployed.as_deref().unwrap_or("");
    let desired_manifest = match (&unit.desired, unit.installed) {
        (Some(d), true) => d.manifest.as_str(),
        _ => "",
    };
    let manifests: &[&str] = if desired_manifest == last_manifest { &[last_manifest] } else { &[last_manifest, desired_manifest] };
    let scopes = scopes(&cluster, manifests).await;
    let lookup = |group: &str, kind: &str| scopes.get(&(group.to_string(), kind.to_string())).map(|(_, n)| *n);
    let ns = unit.namespace.as_str();
    let last_objects = diff::parse_manifest("last release", last_manifest, ns, &lookup).map_err(|e| failure(unit, e))?;
    // Unchanged text (the common case at scale): parse once; the diff never changes its inputs.
    let desired_objects = if desired_manifest == last_manifest {
        last_objects.clone()
    } else {
        diff::parse_manifest("desired manifest", desired_manifest, ns, &lookup).map_err(|e| failure(unit, e))?
    };

    // One LIST per (kind, namespace), shared by the releases of the run; objects of unknown
    // kinds stay out of the live map (compared last ↔ desired).
    let mut lists: BTreeMap<(String, String, String), Vec<ObjectId>> = BTreeMap::new();
    for o in last_objects.iter().chain(&desired_objects) {
        let Some((api_version, _)) = scopes.get(&(o.id.group.clone(), o.id.kind.clone())) else { continue };
        lists.entry((api_version.clone(), o.id.kind.clone(), o.id.namespace.clone())).or_default().push(o.id.clone());
    }
    let cluster = &cluster;
    let reads = lists.iter().map(|((api_version, kind, namespace), ids)| async move {
        live_state.objects(cluster, unit.context.as_deref(), api_version, kind, namespace).await.map(|by_name| (ids, by_name))
    });
    let mut live: HashMap<ObjectId, Option<crate::value::Value>> = HashMap::new();
    for r in futures::future::join_all(reads).await {
        let (ids, by_name) = r.map_err(|e| failure(unit, e))?;
        for id in ids {
            // Listed twice when both the last and the desired manifest have it.
            if live.contains_key(id) {
                continue;
            }
            let found = match by_name.get(&id.name) {
                Some(o) => Some(diff::value_from_json_text(&o.json).map_err(|e| failure(unit, format!("live {id}: {e}")))?),
                None => None,
            };
            live.insert(id.clone(), found);
        }
    }
    let mut input = ReleaseInput {
        release: unit.name.clone(),
        namespace: unit.namespace.clone(),
        last: last_objects,
        desired: desired_objects,
        live,
        dry_run: HashMap::new(),
    };
    let mut diff = diff::diff_release(&input);
    if opts.diff_mode == DiffMode::Exact && diff.has_changes() {
        input.dry_run = dry_run_changed(&cluster, unit, &diff, &input.desired, opts).await.map_err(|e| failure(unit, e))?;
        if !input.dry_run.is_empty() {
            diff = diff::diff_release(&input);
        }
    }
    diff.forget_unchanged_bodies();
    let text = opts.diff_text.as_ref().map(|render| {
        let text = diff::render_text(&diff, render);
        diff.forget_bodies();
        text
    });
    let release_changes = match (&last, unit.installed) {
        (None, true) => true,
        (Some(r), true) => r.status != Status::Deployed,
        (Some(_), false) => true,
        (None, false) => false,
    };
    Ok(UnitDiff { diff, release_changes, last, text })
}

/// Diffs units as they arrive (each as soon as it is rendered), at most `opts.concurrency` at
/// once; returns them in index order, each with its diff.
pub async fn diff_stream(
    clusters: &Arc<Clusters>,
    mut units: tokio::sync::mpsc::UnboundedReceiver<(usize, Unit)>,
    opts: &EngineOptions,
    live_state: &Arc<LiveState>,
    progress: &dyn Progress,
) -> Vec<(Unit, Result<UnitDiff, String>)> {
    use futures::StreamExt as _;
    let limit = if opts.concurrency == 0 { usize::MAX } else { opts.concurrency };
    let mut running = futures::stream::FuturesUnordered::new();
    let mut done: Vec<(usize, Unit, Result<UnitDiff, String>)> = Vec::new();
    let mut open = true;
    let start = |i: usize, unit: Unit| {
        let unit = Arc::new(unit);
        let job = diff_on_pool(clusters.clone(), unit.clone(), opts.clone(), live_state.clone());
        async move {
            let started = Instant::now();
            progress.begin(&unit.name, "diffing");
            let end = job.await;
            progress.diffed(&unit.name, &end, started.elapsed());
            (i, unit, end)
        }
    };
    loop {
        if open && running.len() < limit {
            tokio::select! {
                next = units.recv() => match next {
                    Some((i, unit)) => running.push(start(i, unit)),
                    None => open = false,
                },
                Some((i, unit, d)) = running.next(), if !running.is_empty() => done.push((i, Arc::unwrap_or_clone(unit), d)),
            }
        } else {
            match running.next().await {
                Some((i, unit, d)) => done.push((i, Arc::unwrap_or_clone(unit), d)),
                None => break,
            }
        }
    }
    progress.finish();
    done.sort_by_key(|(i, _, _)| *i);
    done.into_iter().map(|(_, u, d)| (u, d)).collect()
}

/// Diffs one release on the runtime's blocking pool: its CPU work (parsing manifests, reading
/// live objects into values, comparing) then runs beside the other releases' instead of on the
/// one thread that polls the run; its cluster reads block on the runtime. Values cannot cross
/// threads, so the diff comes back as a [`SentDiff`] (the values that are printed).
async fn diff_on_pool(clusters: Arc<Clusters>, unit: Arc<Unit>, opts: EngineOptions, live_state: Arc<LiveState>) -> Result<UnitDiff, String> {
    let handle = tokio::runtime::Handle::current();
    let name = failure(&unit, "diff stopped");
    let job = tokio::task::spawn_blocking(move || {
        handle.block_on(diff_unit_with(&clusters, &unit, &opts, &live_state)).map(|d| SentUnitDiff {
            diff: d.diff.send(),
            release_changes: d.release_changes,
            last: d.last,
            text: d.text,
        })
    });
    let sent = job.await.map_err(|e| format!("{name}: {e}"))??;
    Ok(UnitDiff { diff: sent.diff.receive(), release_changes: sent.release_changes, last: sent.last, text: sent.text })
}

/// A [`UnitDiff`] on its way back from the blocking pool.
struct SentUnitDiff {
    diff: SentDiff,
    release_changes: bool,
    last: Option<Head>,
    text: Option<String>,
}
