//! The release engine: runs the selected releases of a spec against the cluster — in `needs`
//! order (a DAG; independent releases concurrently, bounded), each with its namespace, CRDs,
//! helmfile hooks, chart hooks, apply, wait and atomic rollback — and diffs, destroys, reports
//! status and runs tests the same way.
//!
//! The engine is handed [`Unit`]s: releases already rendered (rendering is CPU-bound and
//! single-threaded, done by the caller), as plain `Send` data. It reports progress through
//! [`Progress`] and knows nothing of flags or terminals.

pub mod dag;
pub mod diff;
pub mod facts;
pub mod live;
pub mod plan;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::kube::{ApplyOptions, Cluster, Clusters, WaitOptions, manifest_objects};
use crate::release::{self, DeployOptions, Desired, OpError, Release, ReleaseStore, Status};

pub use dag::JobEnd;

/// A helmfile release hook (`hooks:` of a release): a command run on some events.
#[derive(Debug, Clone, Default)]
pub struct SpecHook {
    pub events: Vec<String>,
    pub command: String,
    pub args: Vec<String>,
    pub show_logs: bool,
    /// Where the command runs (the state file's directory, as helmfile does).
    pub dir: PathBuf,
}

/// Per-release settings from the spec (`wait`, `timeout`, …) and the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub wait: bool,
    pub wait_for_jobs: bool,
    pub timeout: Duration,
    pub atomic: bool,
    pub history_max: usize,
    pub create_namespace: bool,
    /// Uninstall (destroy, `installed: false`): wait until deleted objects are gone
    /// (`--wait` of destroy, helmfile's `deleteWait`), for up to `delete_timeout`.
    pub delete_wait: bool,
    pub delete_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            wait: false,
            wait_for_jobs: false,
            timeout: release::DEFAULT_TIMEOUT,
            atomic: false,
            history_max: release::store::DEFAULT_HISTORY_MAX,
            create_namespace: true,
            delete_wait: false,
            delete_timeout: release::DEFAULT_TIMEOUT,
        }
    }
}

/// One selected release, rendered.
#[derive(Debug, Clone)]
pub struct Unit {
    /// helmfile's id (`namespace/name`), what `needs` and messages use.
    pub id: String,
    pub name: String,
    pub namespace: String,
    /// `kubeContext` (`None`: the command line's or the kubeconfig's).
    pub context: Option<String>,
    /// Indices (into the unit list) of the releases this one needs.
    pub needs: Vec<usize>,
    /// `installed: false` releases are uninstalled by sync.
    pub installed: bool,
    /// The rendered release (`None` when not installed).
    pub desired: Option<Desired>,
    /// The charts' `crds/` files: `(path, text)`.
    pub crds: Vec<(String, String)>,
    pub settings: Settings,
    pub hooks: Vec<SpecHook>,
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Releases at once (0: unbounded).
    pub concurrency: usize,
    pub apply: ApplyOptions,
    /// Update CRDs that already exist (by default they are only created).
    pub upgrade_crds: bool,
    /// Set to `true` on Ctrl-C.
    pub cancel: Option<tokio::sync::watch::Receiver<bool>>,
    /// How diffs compare objects with the cluster.
    pub diff_mode: diff::DiffMode,
    /// Render each release's diff text as soon as it is diffed ([`diff::UnitDiff::text`]) and
    /// drop the objects' bodies: a run of many releases keeps text, not object trees.
    pub diff_text: Option<crate::diff::RenderOptions>,
}

/// What happened to a release.
#[derive(Debug, Clone)]
pub enum Outcome {
    Installed { revision: u32 },
    Upgraded { revision: u32 },
    /// Nothing to do (apply found no change; destroy found no release).
    Unchanged,
    Uninstalled,
    /// Failed, and `atomic` rolled it back (or uninstalled a failed install).
    RolledBack { error: String },
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Installed { revision } => write!(f, "installed (revision {revision})"),
            Outcome::Upgraded { revision } => write!(f, "upgraded (revision {revision})"),
            Outcome::Unchanged => f.write_str("unchanged"),
            Outcome::Uninstalled => f.write_str("uninstalled"),
            Outcome::RolledBack { error } => write!(f, "failed and rolled back (atomic): {error}"),
        }
    }
}

/// Where the engine reports what it is doing.
pub trait Progress: Send + Sync {
    /// A stage over `total` releases starts (apply has two: diff, then sync).
    fn start(&self, _total: usize) {}
    /// A release's job got its slot and starts in `phase` (no line of its own).
    fn begin(&self, _release: &str, _phase: &str) {}
    /// A release entered a phase (`rendering`, `hooks pre-install`, `applying`, `waiting`, …).
    fn phase(&self, _release: &str, _phase: &str) {}
    /// A release is finished.
    fn done(&self, _release: &str, _end: &JobEnd<Outcome>, _elapsed: Duration) {}
    /// A release's diff is finished.
    fn diffed(&self, _release: &str, _end: &Result<diff::UnitDiff, String>, _elapsed: Duration) {}
    /// Output of a helmfile hook with `showlogs`.
    fn log(&self, _release: &str, _text: &str) {}
    fn finish(&self) {}
}

/// A progress sink that says nothing.
pub struct Silent;
impl Progress for Silent {}

/// Why a release failed, as one message naming the release.
fn failure(unit: &Unit, e: impl std::fmt::Display) -> String {
    format!("release {:?} in namespace {:?}: {e}", unit.name, unit.namespace)
}

fn deploy_options(unit: &Unit, opts: &EngineOptions) -> DeployOptions {
    let s = &unit.settings;
    DeployOptions {
        apply: opts.apply.clone(),
        history_max: s.history_max,
        migrate_client_side: true,
        hooks: true,
        wait: (s.wait || s.wait_for_jobs).then_some(WaitOptions { timeout: s.timeout, wait_for_jobs: s.wait_for_jobs }),
        timeout: s.timeout,
        cancel: opts.cancel.clone(),
        wait_deleted: None,
        progress: None,
    }
}

/// Whether Ctrl-C was pressed: a release not started yet is then not started at all.
fn interrupted(opts: &EngineOptions) -> bool {
    opts.cancel.as_ref().is_some_and(|c| *c.borrow())
}

/// Runs the helmfile hooks of `event`; a failing command fails the release.
async fn spec_hooks(unit: &Unit, event: &str, progress: &dyn Progress) -> Result<(), String> {
    for hook in unit.hooks.iter().filter(|h| h.events.iter().any(|e| e == event)) {
        progress.phase(&unit.name, &format!("{event} hook: {}", hook.command));
        let h = hook.clone();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(&h.command).args(&h.args).current_dir(&h.dir).output()
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{event} hook {:?}: {e}", hook.command))?;
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if hook.show_logs && !text.is_empty() {
            progress.log(&unit.name, &text);
        }
        if !out.status.success() {
            return Err(format!("{event} hook {:?} {:?} failed ({}): {}", hook.command, hook.args, out.status, text.trim()));
        }
    }
    Ok(())
}

/// Creates the CRDs of the charts' `crds/` directories that do not exist (all of them with
/// `upgrade`), waiting until they are established. Returns whether any was written.
async fn install_crds(cluster: &Cluster, unit: &Unit, opts: &EngineOptions) -> Result<bool, String> {
    let mut written = Vec::new();
    for (path, text) in &unit.crds {
        let objects = manifest_objects(text).map_err(|e| format!("{path}: {e}"))?;
        for obj in objects {
            let (oref, _) = cluster.object_ref(&obj, &unit.namespace).await.map_err(|e| format!("{path}: {e}"))?;
            if !opts.upgrade_crds && cluster.get(&oref).await.map_err(|e| e.to_string())?.is_some() {
                continue;
            }
            let apply = ApplyOptions { force_conflicts: true, ..opts.apply.clone() };
            cluster.apply(&obj, &unit.namespace, &apply).await.map_err(|e| format!("{path}: {e}"))?;
            written.push(oref);
        }
    }
    if written.is_empty() {
        return Ok(false);
    }
    let wait = WaitOptions { timeout: unit.settings.timeout, wait_for_jobs: false };
    cluster.wait_ready(&written, wait).await.map_err(|e| e.to_string())?;
    cluster.forget_discovery().await;
    Ok(true)
}

/// The store of a unit's release on its cluster.
async fn store_of(clusters: &Clusters, unit: &Unit) -> Result<ReleaseStore, String> {
    let cluster = clusters.get(unit.context.as_deref()).await.map_err(|e| failure(unit, e))?;
    Ok(ReleaseStore::new(cluster, unit.namespace.clone()))
}

/// Whether a release exists (a latest revision that is not uninstalled).
fn exists(history: &[Release]) -> bool {
    history.last().is_some_and(|r| r.info.status != Status::Uninstalled)
}

/// Installs or upgrades one release (or uninstalls an `installed: false` one).
async fn sync_unit(clusters: &Clusters, unit: &Unit, opts: &EngineOptions, apply_mode: bool, progress: &dyn Progress) -> Result<Outcome, String> {
    if interrupted(opts) {
        return Err(failure(unit, OpError::Interrupted));
    }
    let store = store_of(clusters, unit).await?;
    let cluster = store.cluster().clone();
    let Some(desired) = unit.desired.clone().filter(|_| unit.installed) else {
        let history = store.history(&unit.name).await.map_err(|e| failure(unit, e))?;
        if !exists(&history) {
            return Ok(Outcome::Unchanged);
        }
        return uninstall_unit(&store, unit, opts, progress).await;
    };
    spec_hooks(unit, "prepare", progress).await.map_err(|e| failure(unit, e))?;
    if apply_mode {
        spec_hooks(unit, "preapply", progress).await.map_err(|e| failure(unit, e))?;
    }
    spec_hooks(unit, "presync", progress).await.map_err(|e| failure(unit, e))?;
    if unit.settings.create_namespace {
        progress.phase(&unit.name, "namespace");
        cluster.ensure_namespace(&unit.namespace).await.map_err(|e| failure(unit, e))?;
    }
    if !unit.crds.is_empty() {
        progress.phase(&unit.name, "crds");
        install_crds(&cluster, unit, opts).await.map_err(|e| failure(unit, e))?;
    }
    let history = store.history(&unit.name).await.map_err(|e| failure(unit, e))?;
    let previous = history.iter().rev().find(|r| r.info.status == Status::Deployed).map(|r| r.version);
    progress.phase(&unit.name, if previous.is_some() { "upgrading" } else { "installing" });
    let dopts = deploy_options(unit, opts);
    // deploy names its steps (applying, waiting, chart hooks) on a channel: shown as phases
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let deploying = DeployOptions { progress: Some(tx), ..dopts.clone() };
    let store_ref = &store;
    let deploy = async move { release::deploy(store_ref, &unit.name, desired, &deploying).await };
    let show = async {
        while let Some(step) = rx.recv().await {
            progress.phase(&unit.name, &step);
        }
    };
    // (the sender lives in `deploying`, moved into `deploy`: `show` ends when it does)
    let (result, ()) = tokio::join!(deploy, show);
    let outcome = match result {
        Ok(rel) if previous.is_some() => Ok(Outcome::Upgraded { revision: rel.version }),
        Ok(rel) => Ok(Outcome::Installed { revision: rel.version }),
        Err(e) if unit.settings.atomic && !matches!(e, OpError::Store(_) | OpError::LeftPending { .. }) && !e.is_interrupted() => {
            let error = e.to_string();
            progress.phase(&unit.name, "rolling back (atomic)");
            // A failed upgrade returns to the revision before; a failed install is removed.
            let undo = match previous {
                Some(v) => release::rollback(&store, &unit.name, Some(v), &DeployOptions { wait: None, ..dopts.clone() }).await.map(|_| ()),
                None => release::uninstall_with(&store, &unit.name, false, &dopts).await.map(|_| ()),
            };
            match undo {
                Ok(()) => Err(format!("{error}\n(atomic: {})", if previous.is_some() { "rolled back" } else { "uninstalled" })),
                Err(u) => Err(format!("{error}\n(atomic: undoing it failed too: {u})")),
            }
        }
        Err(e) => Err(e.to_string()),
    };
    let outcome = outcome.map_err(|e| failure(unit, e));
    // helmfile runs postsync whatever the outcome; cleanup last.
    let post = spec_hooks(unit, "postsync", progress).await;
    let cleanup = spec_hooks(unit, "cleanup", progress).await;
    let outcome = outcome?;
    post.and(cleanup).map_err(|e| failure(unit, e))?;
    Ok(outcome)
}

async fn uninstall_unit(store: &ReleaseStore, unit: &Unit, opts: &EngineOptions, progress: &dyn Progress) -> Result<Outcome, String> {
    spec_hooks(unit, "preuninstall", progress).await.map_err(|e| failure(unit, e))?;
    progress.phase(&unit.name, "uninstalling");
    let mut dopts = deploy_options(unit, opts);
    dopts.wait_deleted = unit.settings.delete_wait.then_some(unit.settings.delete_timeout);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    dopts.progress = Some(tx);
    let uninstall = async move { release::uninstall_with(store, &unit.name, false, &dopts).await };
    let show = async {
        while let Some(line) = rx.recv().await {
            progress.phase(&unit.name, &line);
        }
    };
    // (the sender lives in `dopts`, moved into `uninstall`: `show` ends when it does)
    let (result, ()) = tokio::join!(uninstall, show);
    result.map_err(|e| failure(unit, e))?;
    spec_hooks(unit, "postuninstall", progress).await.map_err(|e| failure(unit, e))?;
    Ok(Outcome::Uninstalled)
}

fn deps_of(units: &[Unit]) -> Vec<Vec<usize>> {
    units.iter().map(|u| u.needs.clone()).collect()
}

/// Runs `job` over the units in `needs` order (or reversed), reporting progress.
async fn run_units<'a, F, Fut>(units: &'a [Unit], deps: Vec<Vec<usize>>, opts: &EngineOptions, progress: &'a dyn Progress, job: F) -> Vec<JobEnd<Outcome>>
where
    F: Fn(&'a Unit) -> Fut,
    Fut: std::future::Future<Output = Result<Outcome, String>> + 'a,
{
    progress.start(units.len());
    let job = &job;
    let ends = dag::run(&deps, opts.concurrency, |i| units[i].id.clone(), |i| {
        let unit = &units[i];
        async move {
            let started = Instant::now();
            progress.begin(&unit.name, "starting");
            let end = job(unit).await;
            let shown = match &end {
                Ok(o) => JobEnd::Done(o.clone()),
                Err(e) => JobEnd::Failed(e.clone()),
            };
            progress.done(&unit.name, &shown, started.elapsed());
            end
        }
    })
    .await;
    for (u, e) in units.iter().zip(&ends) {
        if let JobEnd::Skipped(_) = e {
            progress.done(&u.name, e, Duration::ZERO);
        }
    }
    progress.finish();
    ends
}

/// `sync`: every unit in `needs` order. With `only`, units outside it are left as they are
/// (`apply`'s unchanged releases) but still count as done for those that need them.
pub async fn sync(
    clusters: &Clusters,
    units: &[Unit],
    only: Option<&[bool]>,
    opts: &EngineOptions,
    progress: &dyn Progress,
) -> Vec<JobEnd<Outcome>> {
    let apply_mode = only.is_some();
    run_units(units, deps_of(units), opts, progress, |unit| {
        let index = units.iter().position(|u| std::ptr::eq(u, unit)).unwrap_or(0);
        let selected = only.is_none_or(|o| o.get(index).copied().unwrap_or(true));
        async move {
            if !selected {
                return Ok(Outcome::Unchanged);
            }
            sync_unit(clusters, unit, opts, apply_mode, progress).await
        }
    })
    .await
}

/// `destroy`: uninstalls every unit in reverse `needs` order (pre/post-delete hooks run).
pub async fn destroy(clusters: &Clusters, units: &[Unit], opts: &EngineOptions, progress: &dyn Progress) -> Vec<JobEnd<Outcome>> {
    let deps = dag::reversed(&deps_of(units));
    run_units(units, deps, opts, progress, |unit| async move {
        if interrupted(opts) {
            return Err(failure(unit, OpError::Interrupted));
        }
        let store = store_of(clusters, unit).await?;
        let history = store.history(&unit.name).await.map_err(|e| failure(unit, e))?;
        if !exists(&history) {
            return Ok(Outcome::Unchanged);
        }
        uninstall_unit(&store, unit, opts, progress).await
    })
    .await
}

/// `status`: the latest revision of each unit's release (`None`: not installed).
pub async fn status(clusters: &Clusters, units: &[Unit], opts: &EngineOptions) -> Vec<Result<Option<Release>, String>> {
    let deps = vec![Vec::new(); units.len()];
    let ends = dag::run(&deps, opts.concurrency, |i| units[i].id.clone(), |i| {
        let unit = &units[i];
        async move {
            let store = store_of(clusters, unit).await?;
            let history = store.history(&unit.name).await.map_err(|e| failure(unit, e))?;
            Ok(history.into_iter().last())
        }
    })
    .await;
    ends.into_iter()
        .map(|e| match e {
            JobEnd::Done(r) => Ok(r),
            JobEnd::Failed(m) | JobEnd::Skipped(m) => Err(m),
        })
        .collect()
}

/// `test`: runs each release's `test` hooks (helm test), recording their runs in the release.
pub async fn test(clusters: &Clusters, units: &[Unit], opts: &EngineOptions, progress: &dyn Progress) -> Vec<JobEnd<Outcome>> {
    let deps = vec![Vec::new(); units.len()];
    run_units(units, deps, opts, progress, |unit| async move {
        if interrupted(opts) {
            return Err(failure(unit, OpError::Interrupted));
        }
        let store = store_of(clusters, unit).await?;
        let mut rel = store.last(&unit.name).await.map_err(|e| failure(unit, e))?;
        progress.phase(&unit.name, "testing");
        let ran = release::run_hooks(store.cluster(), &unit.namespace, &mut rel.hooks, "test", unit.settings.timeout, &opts.apply.field_manager).await;
        // helm records the test runs in the release whatever their outcome.
        let _ = store.update(&rel).await;
        ran.map_err(|e| failure(unit, e))?;
        Ok(Outcome::Unchanged)
    })
    .await
}
