//! The spec commands that talk to the cluster: `diff`, `apply`, `sync`, `destroy`, `status`,
//! `test`. The spec is read and every selected release rendered on the render thread; the
//! engine then runs them against the cluster.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use crate::engine::live::LiveState;
use crate::engine::plan::LiveVersions;
use crate::engine::{self, EngineOptions, JobEnd, Outcome, Settings, SpecHook, Unit};
use crate::kube::{ApplyOptions, Clusters};
use crate::release::Desired;
use crate::spec::sops::SopsDecryptor;
use crate::spec::{self, ChartRef, ChartResolver as _, Release, State};
use crate::value::{Map, Value};

use super::chart_cache::ChartCache;
use super::progress::Display;
use super::spec_cmd::{selected, spec_options};
use super::{CliError, GlobalArgs, HelmCompatArg, MutateArgs, OutputFormat, RenderArgs, SpecArgs, exit};

/// What to render and with which overrides.
struct Prepare {
    spec: SpecArgs,
    /// `None`: do not render (destroy, status, test).
    render: Option<RenderArgs>,
    mutate: Option<MutateArgs>,
    timeout: Option<u64>,
}

fn truthy(v: Option<Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn integer(v: Option<Value>) -> Option<u64> {
    match v? {
        Value::Int(i) | Value::Int64(i) => u64::try_from(i).ok(),
        Value::Float(f) if f >= 0.0 => Some(f as u64),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A release setting: the release's own, else `helmDefaults`'.
fn setting(r: &Release, defaults: &Map, key: &str) -> Option<Value> {
    r.raw.get(key).filter(|v| !v.is_nil()).or_else(|| defaults.get(key).filter(|v| !v.is_nil()))
}

fn settings(st: &State, r: &Release, p: &Prepare) -> Settings {
    let d = st.helm_defaults();
    let m = p.mutate.clone().unwrap_or_default();
    let timeout = p.timeout.or(m.timeout).or_else(|| integer(setting(r, &d, "timeout")));
    Settings {
        wait: m.wait || truthy(setting(r, &d, "wait")).unwrap_or(false),
        wait_for_jobs: m.wait_for_jobs || truthy(setting(r, &d, "waitForJobs")).unwrap_or(false),
        timeout: timeout.map_or(crate::release::DEFAULT_TIMEOUT, Duration::from_secs),
        atomic: m.atomic || truthy(setting(r, &d, "atomic")).unwrap_or(false),
        history_max: integer(setting(r, &d, "historyMax")).map_or(m.history_max as usize, |v| v as usize),
        create_namespace: truthy(setting(r, &d, "createNamespace")).unwrap_or(true),
        delete_wait: truthy(setting(r, &d, "deleteWait")).unwrap_or(false),
        delete_timeout: p
            .timeout
            .or_else(|| integer(setting(r, &d, "deleteTimeout")).filter(|t| *t > 0))
            .map_or(crate::release::DEFAULT_TIMEOUT, Duration::from_secs),
    }
}

/// helmfile's release `hooks:` (`events`, `command`, `args`, `showlogs`); args are templates.
fn spec_hooks(st: &State, r: &Release) -> Result<Vec<SpecHook>, CliError> {
    let Some(Value::List(list)) = r.raw.get("hooks") else { return Ok(Vec::new()) };
    let data = Value::Map(r.data.clone());
    let strings = |v: Option<Value>| -> Vec<String> {
        match v {
            Some(Value::List(l)) => l.items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
            _ => Vec::new(),
        }
    };
    let mut out = Vec::new();
    for item in &list.items {
        let Value::Map(h) = item else { continue };
        let mut args = Vec::new();
        for a in strings(h.get("args")) {
            let rendered = if a.contains("{{") {
                spec::funcs::render("hook-arg", &a, &data, &st.base_dir).map_err(|e| CliError::Helm(format!("{}: release {:?}: hook args: {e}", st.file.display(), r.name)))?
            } else {
                a
            };
            args.push(rendered);
        }
        out.push(SpecHook {
            events: strings(h.get("events")),
            command: h.get("command").and_then(|c| c.as_str().map(str::to_string)).unwrap_or_default(),
            args,
            show_logs: truthy(h.get("showlogs")).unwrap_or(false),
            dir: r.base_dir.clone(),
        });
    }
    Ok(out)
}

fn compat(a: HelmCompatArg) -> crate::funcs::HelmCompat {
    match a {
        HelmCompatArg::V3 => crate::funcs::HelmCompat::V3,
        HelmCompatArg::V4 => crate::funcs::HelmCompat::V4,
    }
}

/// A release's values as the spec gives them, with the command line's `--values`/`--set` on top.
fn unit_values(r: &Release, render: &RenderArgs) -> Result<Map, CliError> {
    let values = spec::render_values(r, &SopsDecryptor::new())?;
    if render.values.is_empty() && render.set.is_empty() {
        return Ok(values);
    }
    let extra = crate::chart::values::merge_user_values(
        &crate::chart::values::UserValues { files: render.values.clone(), set: render.set.clone(), ..Default::default() },
        compat(render.helm_compat),
    )
    .map_err(|e| CliError::Helm(e.0))?;
    Ok(crate::chart::values::merge_maps(&values, &extra))
}

/// What rendering one release needs besides its values and the cluster's facts (all `Send`:
/// render workers get it).
#[derive(Clone)]
struct RenderSpec {
    release: String,
    namespace: String,
    context: Option<String>,
    chart: std::path::PathBuf,
    kube_version: Option<String>,
    api_versions: Vec<String>,
    /// The state file, for messages.
    file: std::path::PathBuf,
}

impl RenderSpec {
    fn of(st: &State, r: &Release, unit: &Unit, chart: std::path::PathBuf) -> RenderSpec {
        RenderSpec {
            release: r.name.clone(),
            namespace: unit.namespace.clone(),
            context: unit.context.clone(),
            chart,
            kube_version: r.kube_version.clone(),
            api_versions: r.api_versions.clone(),
            file: st.file.clone(),
        }
    }

    fn request(&self, values: &Map, render: &RenderArgs, facts: Option<engine::facts::RenderFacts>) -> crate::chart::template::TemplateRequest {
        crate::chart::template::TemplateRequest {
            release_name: self.release.clone(),
            chart: self.chart.clone(),
            namespace: self.namespace.clone(),
            values: values.clone(),
            kube_version: self.kube_version.clone(),
            api_versions: self.api_versions.clone(),
            include_crds: true,
            skip_tests: false,
            no_hooks: false,
            is_upgrade: facts.as_ref().is_some_and(|f| f.is_upgrade),
            show_only: Vec::new(),
            compat: compat(render.helm_compat),
            cluster: facts.map(|f| f.facts),
        }
    }

    fn error(&self, e: &dyn std::fmt::Display) -> CliError {
        CliError::Helm(format!("release {:?} in {}: {e}", self.release, self.file.display()))
    }

    fn facts(&self, access: &ClusterAccess) -> Result<engine::facts::RenderFacts, CliError> {
        engine::facts::render_facts(&access.handle, &access.clusters, self.context.as_deref(), &self.release, &self.namespace, &access.histories)
            .map_err(|e| CliError::Helm(format!("release {:?} in namespace {:?}: {e}", self.release, self.namespace)))
    }

    /// Renders the release from its chart (loaded once per `charts`): the record to deploy and
    /// its CRDs.
    fn render(&self, values: &Map, render: &RenderArgs, access: &ClusterAccess, charts: &mut ChartCache) -> Result<(Desired, Vec<(String, String)>), CliError> {
        let request = self.request(values, render, Some(self.facts(access)?));
        let loaded = charts.get(&self.chart, request.compat).map_err(|e| self.error(&e))?;
        let record = charts.record(&self.chart, request.compat, &loaded);
        let rendered = crate::chart::template::render_loaded(&request, loaded).map_err(|e| self.error(&e))?;
        Ok((Desired::from_rendered_record(record, values, &rendered), rendered.crds.clone()))
    }
}

/// Renders a release that chartify turns into a chart of its own (patches, transformers,
/// manifest directories, adhoc dependencies): on the spec's thread, which has its resolver.
fn render_chartified(
    st: &State,
    r: &Release,
    spec: &RenderSpec,
    values: &Map,
    resolver: &dyn spec::ChartResolver,
    render: &RenderArgs,
    access: &ClusterAccess,
) -> Result<Option<(Desired, Vec<(String, String)>)>, CliError> {
    use crate::chart::template::render_loaded;
    let request = spec.request(values, render, Some(spec.facts(access)?));
    let Some(built) = spec::chartify::chartify_release(r, &spec.chart, &request, spec::HelmfileCompat::from_env(), resolver, &st.repositories)? else {
        return Ok(None);
    };
    let record = Arc::new(crate::release::ChartRecord::of(&built));
    let rendered = render_loaded(&request, built).map_err(|e| spec.error(&e))?;
    Ok(Some((Desired::from_rendered_record(record, values, &rendered), rendered.crds.clone())))
}

/// The runtime, the clusters and the live state of one command: rendering reads the cluster's
/// facts through them (release records are listed once per namespace and kept for the diff),
/// then the engine runs on them.
struct Session {
    rt: tokio::runtime::Runtime,
    clusters: Arc<Clusters>,
    live: Arc<LiveState>,
}

impl Session {
    fn new(global: &GlobalArgs) -> Result<Session, CliError> {
        Ok(Session {
            rt: crate::kube::runtime()?,
            clusters: Arc::new(Clusters::new(global.kubeconfig.clone())),
            live: Arc::new(LiveState::new(concurrency(global))),
        })
    }
}

/// How render threads reach the cluster: the runtime, the clusters and the histories read
/// ahead.
struct ClusterAccess {
    handle: tokio::runtime::Handle,
    clusters: Arc<Clusters>,
    histories: engine::facts::Histories,
}

/// One release for a render worker.
struct RenderJob {
    index: usize,
    unit: Unit,
    spec: RenderSpec,
    values: crate::value::Detached,
}

/// Render threads besides the spec's: one per core (`DEPLOYER_RENDER_THREADS` overrides; 0
/// renders everything on the spec's thread).
fn render_threads() -> usize {
    if let Some(n) = std::env::var("DEPLOYER_RENDER_THREADS").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(8)
}

/// Stack of the threads that read specs and render (templates recurse deeply).
const RENDER_STACK: usize = 256 << 20;

/// Runs `f` on a thread with a big stack, borrowing from the caller.
fn on_big_stack_scoped<T: Send>(f: impl FnOnce() -> Result<T, CliError> + Send) -> Result<T, CliError> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(RENDER_STACK)
            .spawn_scoped(s, f)
            .map_err(CliError::Output)?
            .join()
            .unwrap_or_else(|_| Err(CliError::Helm("spec processing panicked".into())))
    })
}

/// Where prepared units go, each with its index, as soon as it is complete (rendered, when
/// rendering): in any order.
type UnitSink<'a> = &'a (dyn Fn(usize, Unit) + Sync);

/// Reads the spec, selects, orders and (for diff/apply/sync) renders the releases — with the
/// cluster's facts (`.Capabilities`, `.Release.IsUpgrade`/`Revision`, `lookup`) as
/// `helm upgrade --install` renders — handing each unit to `sink` when it is ready. Releases
/// render on a pool of threads (charts loaded once per thread); the first failure in spec order
/// is the error, as when rendering one after another. Call it on a big stack.
fn prepare_into(p: Prepare, global: &GlobalArgs, session: &Session, shown: &Display, streamed: bool, sink: UnitSink) -> Result<(), CliError> {
    let opts = spec_options(&p.spec, global);
    let offline = global.offline || p.render.as_ref().is_some_and(|r| r.skip_deps);
    let build_deps = !p.render.as_ref().is_some_and(|r| r.skip_deps);
    let default_ns = global.namespace.clone();
    let states = spec::load(&opts, &SopsDecryptor::new())?;
    let charts = match p.render {
        Some(_) => Some(super::spec_charts::SpecCharts::new(global.bundle.as_deref(), offline)?),
        None => None,
    };
    // Where a release goes: its namespace and kube context.
    let target = |st: &State, r: &Release| {
        let namespace = if r.namespace.is_empty() { default_ns.clone().unwrap_or_else(|| "default".into()) } else { r.namespace.clone() };
        let context = (!r.kube_context.is_empty())
            .then(|| r.kube_context.clone())
            .or_else(|| (!st.env.kube_context.is_empty()).then(|| st.env.kube_context.clone()))
            .or_else(|| opts.kube_context.clone());
        (namespace, context)
    };
    let selection = selected(&states, &opts, true)?;
    // The release histories the renders need, read all at once (one LIST per namespace).
    let histories = match &p.render {
        Some(_) => {
            let mut wanted = Vec::new();
            for (si, order) in &selection {
                let st = &states[*si];
                for r in order.iter().map(|&i| &st.releases[i]).filter(|r| r.installed) {
                    let (namespace, context) = target(st, r);
                    wanted.push((context, r.name.clone(), namespace));
                }
            }
            engine::facts::read_histories(session.rt.handle(), &session.clusters, &session.live, wanted)
        }
        None => Default::default(),
    };
    let access = ClusterAccess { handle: session.rt.handle().clone(), clusters: session.clusters.clone(), histories };
    // Streamed into a diff, the stage is the diff's (every unit); else the render phase's.
    if streamed {
        engine::Progress::start(shown, selection.iter().map(|(_, o)| o.len()).sum());
    } else if p.render.is_some() {
        shown.render_start(selection.iter().map(|(si, o)| o.iter().filter(|&&i| states[*si].releases[i].installed).count()).sum());
    }
    // A rendered unit leaves the render phase: done (render stage) or on to its diff.
    let sink = |index: usize, unit: Unit| {
        if unit.desired.is_some() {
            shown.rendered(&unit.name, !streamed);
        }
        sink(index, unit);
    };
    let threads = if p.render.is_some() { render_threads() } else { 0 };
    // (index, error): the first in spec order wins; later releases are not started after one.
    let failed: std::sync::Mutex<Option<(usize, CliError)>> = std::sync::Mutex::new(None);
    let fail = |index: usize, e: CliError| {
        let mut f = failed.lock().unwrap_or_else(|e| e.into_inner());
        if f.as_ref().is_none_or(|(i, _)| index < *i) {
            *f = Some((index, e));
        }
    };
    let failed_before = |index: usize| failed.lock().unwrap_or_else(|e| e.into_inner()).as_ref().is_some_and(|(i, _)| *i < index);
    let (jobs_tx, jobs_rx) = std::sync::mpsc::channel::<RenderJob>();
    let jobs_rx = std::sync::Mutex::new(jobs_rx);
    let mut count = 0usize;
    std::thread::scope(|s| -> Result<(), CliError> {
        for _ in 0..threads {
            let render = p.render.as_ref();
            let (access, jobs_rx, fail, failed_before, sink) = (&access, &jobs_rx, &fail, &failed_before, &sink);
            let worker = move || {
                let mut chart_cache = ChartCache::default();
                loop {
                    let job = match jobs_rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    };
                    if failed_before(job.index) {
                        continue;
                    }
                    let Some(render) = render else { return };
                    shown.rendering(&job.unit.name);
                    let Value::Map(values) = job.values.attach() else {
                        fail(job.index, job.spec.error(&"values are not a map"));
                        continue;
                    };
                    match job.spec.render(&values, render, access, &mut chart_cache) {
                        Ok((desired, crds)) => sink(job.index, Unit { desired: Some(desired), crds, ..job.unit }),
                        Err(e) => fail(job.index, e),
                    }
                }
            };
            std::thread::Builder::new().stack_size(RENDER_STACK).spawn_scoped(s, worker).map_err(CliError::Output)?;
        }
        let mut chart_cache = ChartCache::default();
        for (si, order) in &selection {
            let st = &states[*si];
            let resolver = match &charts {
                Some(c) => Some(c.prepare(st, order, build_deps)?),
                None => None,
            };
            let first = count;
            for &i in order {
                let index = count;
                count += 1;
                let r = &st.releases[i];
                let (namespace, context) = target(st, r);
                let needs = if opts.skip_needs {
                    Vec::new()
                } else {
                    r.needs
                        .iter()
                        .filter_map(|n| spec::find_need(&st.releases, r, n))
                        .filter_map(|j| order.iter().position(|&o| o == j).map(|pos| first + pos))
                        .collect()
                };
                let unit = Unit {
                    id: format!("{namespace}/{}", r.name),
                    name: r.name.clone(),
                    namespace,
                    context,
                    needs,
                    installed: r.installed,
                    desired: None,
                    crds: Vec::new(),
                    settings: settings(st, r, &p),
                    hooks: spec_hooks(st, r)?,
                };
                let (Some(render), Some(resolver), true) = (&p.render, &resolver, r.installed) else {
                    sink(index, unit);
                    continue;
                };
                if failed_before(index) {
                    break;
                }
                let prepared = (|| {
                    let values = unit_values(r, render)?;
                    let chart = match r.chart_ref(&st.repositories) {
                        ChartRef::Local(p) => p,
                        ChartRef::Remote(remote) => resolver.resolve(&remote).map_err(CliError::Helm)?,
                    };
                    Ok::<_, CliError>((values, RenderSpec::of(st, r, &unit, chart)))
                })();
                let (values, spec) = match prepared {
                    Ok(v) => v,
                    Err(e) => {
                        fail(index, e);
                        break;
                    }
                };
                // Chartified releases render here (they need the resolver); values holding
                // objects cannot cross threads.
                let detached = if threads > 0 && !spec::chartify::is_chartified(r, &spec.chart) { Value::Map(values.clone()).detach() } else { None };
                if let Some(values) = detached {
                    let _ = jobs_tx.send(RenderJob { index, unit, spec, values });
                    continue;
                }
                shown.rendering(&unit.name);
                let rendered = match render_chartified(st, r, &spec, &values, resolver, render, &access) {
                    Ok(Some(done)) => Ok(done),
                    Ok(None) => spec.render(&values, render, &access, &mut chart_cache),
                    Err(e) => Err(e),
                };
                match rendered {
                    Ok((desired, crds)) => sink(index, Unit { desired: Some(desired), crds, ..unit }),
                    Err(e) => {
                        fail(index, e);
                        break;
                    }
                }
            }
            if failed_before(usize::MAX) {
                break;
            }
        }
        drop(jobs_tx);
        Ok(())
    })?;
    match (streamed, p.render.is_some()) {
        (false, true) => shown.render_end(),
        (true, true) => shown.render_summary(),
        _ => {}
    }
    if let Some((_, e)) = failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    if let Some(c) = &charts {
        for w in c.fetcher.warnings() {
            eprintln!("{w}");
        }
    }
    if count == 0 && !opts.selectors.is_empty() {
        eprintln!("err: no releases found that matches specified selector({}) and environment({}), in any helmfile", opts.selectors.join(","), opts.env_name());
        return Err(CliError::NoMatch);
    }
    Ok(())
}

/// [`prepare_into`], collected: every unit in spec order.
fn prepare(p: Prepare, global: &GlobalArgs, session: &Session) -> Result<Vec<Unit>, CliError> {
    let got = std::sync::Mutex::new(Vec::<(usize, Unit)>::new());
    let shown = Display::new(global, "render");
    on_big_stack_scoped(|| prepare_into(p, global, session, &shown, false, &|i, u| got.lock().unwrap_or_else(|e| e.into_inner()).push((i, u))))?;
    let mut units = got.into_inner().unwrap_or_else(|e| e.into_inner());
    units.sort_by_key(|(i, _)| *i);
    Ok(units.into_iter().map(|(_, u)| u).collect())
}

/// Prepares the units on a big-stack thread while diffing each on the runtime as soon as it is
/// ready (rendering overlaps the cluster reads); the units in spec order with their diffs.
fn prepare_and_diff(p: Prepare, global: &GlobalArgs, session: &Session, opts: &EngineOptions) -> Result<Vec<(Unit, Result<engine::diff::UnitDiff, String>)>, CliError> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let shown = Display::new(global, "diff");
    let shown = &*shown;
    std::thread::scope(|s| {
        let prepared = std::thread::Builder::new()
            .stack_size(RENDER_STACK)
            .spawn_scoped(s, move || {
                let sink = move |i: usize, u: Unit| {
                    let _ = tx.send((i, u));
                };
                prepare_into(p, global, session, shown, true, &sink)
            })
            .map_err(CliError::Output)?;
        let diffs = session.rt.block_on(engine::diff::diff_stream(&session.clusters, rx, opts, &session.live, shown));
        prepared.join().unwrap_or_else(|_| Err(CliError::Helm("spec processing panicked".into())))?;
        Ok(diffs)
    })
}

/// Releases and LISTs in flight: `--concurrency`, or the default measured with
/// scripts/bench-compare (benches/README.md, "Scale").
fn concurrency(global: &GlobalArgs) -> usize {
    if global.concurrency == 0 { engine::live::DEFAULT_CONCURRENCY } else { global.concurrency }
}

fn engine_options(global: &GlobalArgs, mutate: Option<&MutateArgs>, cancel: Option<tokio::sync::watch::Receiver<bool>>) -> EngineOptions {
    let m = mutate.cloned().unwrap_or_default();
    EngineOptions {
        concurrency: concurrency(global),
        apply: ApplyOptions {
            field_manager: if m.field_manager.is_empty() { crate::kube::DEFAULT_FIELD_MANAGER.into() } else { m.field_manager.clone() },
            force_conflicts: m.force_conflicts,
            dry_run: false,
        },
        upgrade_crds: m.upgrade_crds,
        cancel,
        diff_mode: engine::diff::DiffMode::default(),
        diff_text: None,
    }
}

fn diff_mode(a: super::DiffModeArg) -> engine::diff::DiffMode {
    match a {
        super::DiffModeArg::Fast => engine::diff::DiffMode::Fast,
        super::DiffModeArg::Exact => engine::diff::DiffMode::Exact,
    }
}

/// Whether to color stdout: `--color`/`--no-color`, then `NO_COLOR`, then whether it is a TTY.
fn use_color(global: &GlobalArgs) -> bool {
    if global.color {
        return true;
    }
    if global.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    std::io::stdout().is_terminal()
}

/// Set once Ctrl-C (SIGINT) was received by a run: the process then exits 130.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether this process was interrupted (Ctrl-C) during a cluster run.
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Runs async work on the session's runtime with Ctrl-C turned into the engine's cancel flag:
/// in-flight requests are dropped and releases in progress recorded failed. A second Ctrl-C
/// exits at once (130) without waiting for those records.
fn run_engine<T>(f: impl AsyncFnOnce(Arc<Clusters>, tokio::sync::watch::Receiver<bool>) -> T, session: &Session) -> Result<T, CliError> {
    let clusters = session.clusters.clone();
    Ok(session.rt.block_on(async move { f(clusters, cancel_on_ctrl_c()).await }))
}

/// The cancel flag, set by the first Ctrl-C (SIGINT); a second one exits at once. Call it on
/// the runtime.
pub(super) fn cancel_on_ctrl_c() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
            let _ = tx.send(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("interrupted again: exiting without recording the releases in progress (see `deployer release unlock`)");
                std::process::exit(exit::INTERRUPTED);
            }
        }
    });
    rx
}

/// Prints failures; the exit code of a run. After Ctrl-C: one line naming the releases that
/// were stopped (and the full message of any that could not be recorded failed), exit 130.
fn report_ends(units: &[Unit], ends: &[JobEnd<Outcome>]) -> i32 {
    if interrupted() {
        let mut stopped = Vec::new();
        for (u, e) in units.iter().zip(ends) {
            match e {
                JobEnd::Failed(m) if m.contains("may be left") => eprintln!("Error: {m}"),
                JobEnd::Failed(m) if m.contains("interrupted (Ctrl-C)") => stopped.push(u.id.clone()),
                JobEnd::Failed(m) => eprintln!("Error: {m}"),
                _ => {}
            }
        }
        let what = if stopped.is_empty() { "nothing was in progress".to_string() } else { format!("marked failed: {}", stopped.join(", ")) };
        eprintln!("interrupted: in-flight requests cancelled; {what}");
        return exit::INTERRUPTED;
    }
    let mut code = exit::OK;
    for (u, e) in units.iter().zip(ends) {
        match e {
            JobEnd::Failed(m) => {
                eprintln!("Error: {m}");
                code = exit::ERROR;
            }
            JobEnd::Skipped(why) => {
                eprintln!("Skipped {}: {why}", u.id);
                code = exit::ERROR;
            }
            JobEnd::Done(_) => {}
        }
    }
    code
}

/// helmfile's summary after sync/apply.
fn print_updated(units: &[Unit], ends: &[JobEnd<Outcome>], global: &GlobalArgs) -> Result<(), CliError> {
    if global.quiet {
        return Ok(());
    }
    let mut rows = Vec::new();
    for (u, e) in units.iter().zip(ends) {
        if let JobEnd::Done(o @ (Outcome::Installed { .. } | Outcome::Upgraded { .. } | Outcome::Uninstalled)) = e {
            let (chart, version) = u.desired.as_ref().map(|d| (d.chart.name().to_string(), d.chart.version().to_string())).unwrap_or_default();
            rows.push(vec![u.name.clone(), u.namespace.clone(), chart, version, o.to_string()]);
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "\nUPDATED RELEASES:")?;
    let mut all = vec![["NAME", "NAMESPACE", "CHART", "VERSION", "RESULT"].map(String::from).to_vec()];
    all.extend(rows);
    let widths: Vec<usize> = (0..5).map(|c| all.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for r in all {
        let line: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}", w = *w)).collect();
        writeln!(out, "{}", line.join("   ").trim_end())?;
    }
    Ok(())
}

pub fn sync(args: &super::SyncArgs, spec: &SpecArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let mut render = args.render.clone();
    render.spec = spec.merged(&args.render.spec);
    let p = Prepare { spec: render.spec.clone(), render: Some(render), mutate: Some(args.mutate.clone()), timeout: None };
    let session = Session::new(global)?;
    let units = prepare(p, global, &session)?;
    let progress = Display::new(global, "sync");
    let mutate = args.mutate.clone();
    let ends = run_engine(
        async |clusters, cancel| {
            let opts = engine_options(global, Some(&mutate), Some(cancel));
            engine::sync(&clusters, &units, None, &opts, progress.as_ref()).await
        },
        &session,
    )?;
    print_updated(&units, &ends, global)?;
    Ok(report_ends(&units, &ends))
}

pub fn destroy(args: &super::DestroyArgs, spec: &SpecArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let p = Prepare { spec: spec.merged(&args.spec), render: None, mutate: None, timeout: args.timeout };
    let session = Session::new(global)?;
    let mut units = prepare(p, global, &session)?;
    for u in &mut units {
        u.settings.delete_wait |= args.wait;
    }
    let progress = Display::new(global, "destroy");
    let ends = run_engine(
        async |clusters, cancel| {
            let opts = engine_options(global, None, Some(cancel));
            engine::destroy(&clusters, &units, &opts, progress.as_ref()).await
        },
        &session,
    )?;
    if !global.quiet {
        let mut out = std::io::stdout().lock();
        let deleted: Vec<&Unit> = units.iter().zip(&ends).filter(|(_, e)| matches!(e, JobEnd::Done(Outcome::Uninstalled))).map(|(u, _)| u).collect();
        if !deleted.is_empty() {
            writeln!(out, "\nDELETED RELEASES:\nNAME\tNAMESPACE")?;
            for u in deleted {
                writeln!(out, "{}\t{}", u.name, u.namespace)?;
            }
        }
    }
    if interrupted() {
        // the uninstalls stopped keep their `uninstalling` record; destroy again finishes them
        let mut stopped = Vec::new();
        for (u, e) in units.iter().zip(&ends) {
            match e {
                JobEnd::Failed(m) if m.contains("interrupted (Ctrl-C)") => stopped.push(u.id.as_str()),
                JobEnd::Failed(m) => eprintln!("Error: {m}"),
                _ => {}
            }
        }
        eprintln!("interrupted: in-flight requests cancelled; not finished (run destroy again): {}", stopped.join(", "));
        return Ok(exit::INTERRUPTED);
    }
    Ok(report_ends(&units, &ends))
}

pub fn status(spec: &SpecArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let p = Prepare { spec: spec.clone(), render: None, mutate: None, timeout: None };
    let session = Session::new(global)?;
    let units = prepare(p, global, &session)?;
    let results = run_engine(
        async |clusters, _| {
            let opts = engine_options(global, None, None);
            engine::status(&clusters, &units, &opts).await
        },
        &session,
    )?;
    let mut out = std::io::stdout().lock();
    let mut code = exit::OK;
    let mut json = Vec::new();
    for (u, r) in units.iter().zip(results) {
        match r {
            Ok(Some(rel)) => {
                if global.output == OutputFormat::Json {
                    json.push(serde_json::json!({
                        "name": rel.name, "namespace": rel.namespace, "revision": rel.version,
                        "status": rel.info.status.as_str(), "chart": format!("{}-{}", rel.chart.name(), rel.chart.version()),
                        "updated": rel.info.last_deployed, "description": rel.info.description,
                    }));
                    continue;
                }
                writeln!(out, "NAME: {}", rel.name)?;
                writeln!(out, "LAST DEPLOYED: {}", rel.info.last_deployed)?;
                writeln!(out, "NAMESPACE: {}", rel.namespace)?;
                writeln!(out, "STATUS: {}", rel.info.status)?;
                writeln!(out, "REVISION: {}", rel.version)?;
                writeln!(out, "CHART: {}-{}", rel.chart.name(), rel.chart.version())?;
                if !rel.info.description.is_empty() {
                    writeln!(out, "DESCRIPTION: {}", rel.info.description)?;
                }
                writeln!(out)?;
            }
            Ok(None) => {
                if global.output == OutputFormat::Json {
                    json.push(serde_json::json!({"name": u.name, "namespace": u.namespace, "status": "not-installed"}));
                } else {
                    writeln!(out, "NAME: {}\nNAMESPACE: {}\nSTATUS: not installed\n", u.name, u.namespace)?;
                }
            }
            Err(e) => {
                eprintln!("Error: {e}");
                code = exit::ERROR;
            }
        }
    }
    if global.output == OutputFormat::Json {
        writeln!(out, "{}", serde_json::Value::Array(json))?;
    }
    Ok(code)
}

pub fn test(args: &super::TestArgs, spec: &SpecArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let p = Prepare { spec: spec.merged(&args.spec), render: None, mutate: None, timeout: args.timeout };
    let session = Session::new(global)?;
    let units = prepare(p, global, &session)?;
    let progress = Display::new(global, "test");
    let ends = run_engine(
        async |clusters, cancel| {
            let opts = engine_options(global, None, Some(cancel));
            engine::test(&clusters, &units, &opts, progress.as_ref()).await
        },
        &session,
    )?;
    Ok(report_ends(&units, &ends))
}

/// How `diff` prints objects.
fn render_options(args: &super::DiffArgs, global: &GlobalArgs) -> crate::diff::RenderOptions {
    crate::diff::RenderOptions {
        context: args.context,
        color: use_color(global),
        show_secrets: args.show_secrets,
        suppress_secrets: args.suppress_secrets,
        ..crate::diff::RenderOptions::default()
    }
}

/// Prints the diffs (text or JSON); returns whether any release has changes, and the failures.
fn print_diffs(
    units: &[Unit],
    diffs: &[Result<engine::diff::UnitDiff, String>],
    args: &super::DiffArgs,
    global: &GlobalArgs,
) -> Result<(bool, bool), CliError> {
    use crate::diff::{render_summary, render_text};
    let opts = render_options(args, global);
    let mut out = std::io::stdout().lock();
    let mut changes = false;
    let mut failed = false;
    for (u, d) in units.iter().zip(diffs) {
        match d {
            Ok(d) => {
                changes |= d.needs_sync();
                let rendered;
                let text = match &d.text {
                    Some(text) => text,
                    None => {
                        rendered = render_text(&d.diff, &opts);
                        &rendered
                    }
                };
                if !text.is_empty() {
                    out.write_all(text.as_bytes())?;
                }
                if d.diff.has_changes() || d.diff.has_drift() {
                    write!(out, "{}: {}", u.id, render_summary(&d.diff.counts()))?;
                } else if d.release_changes && !global.quiet {
                    let why = match (&d.last, u.installed) {
                        (None, _) => "not installed yet".to_string(),
                        (Some(_), false) => "installed: false, will be uninstalled".to_string(),
                        (Some(r), true) => format!("last revision {} is {}", r.version, r.status),
                    };
                    writeln!(out, "{}: release {why}", u.id)?;
                }
            }
            Err(e) => {
                eprintln!("Error: {e}");
                failed = true;
            }
        }
    }
    Ok((changes, failed))
}

fn diff_prepare(args: &super::DiffArgs, spec: &SpecArgs) -> Prepare {
    let mut render = args.render.clone();
    render.spec = spec.merged(&args.render.spec);
    Prepare { spec: render.spec.clone(), render: Some(render), mutate: None, timeout: None }
}

/// `diff`: exit 0 without changes, 2 with changes under `--detailed-exitcode`, 1 on error.
/// With `--output json` it prints the plan (`engine::plan`), which `apply --plan` executes.
pub fn diff(args: &super::DiffArgs, spec: &SpecArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let session = Session::new(global)?;
    // Text output: each release's text is rendered when it is diffed (see print_diffs).
    let diff_text = (global.output != OutputFormat::Json).then(|| render_options(args, global));
    let opts = EngineOptions { diff_mode: diff_mode(args.diff_mode), diff_text, ..engine_options(global, None, None) };
    let (units, diffs): (Vec<Unit>, Vec<_>) = prepare_and_diff(diff_prepare(args, spec), global, &session, &opts)?.into_iter().unzip();
    let (changes, failed) = if global.output == OutputFormat::Json {
        print_plan(&units, &diffs, &session.live.versions())?
    } else {
        print_diffs(&units, &diffs, args, global)?
    };
    Ok(match (failed, changes && args.detailed_exitcode) {
        (true, _) => exit::ERROR,
        (false, true) => exit::CHANGES,
        (false, false) => exit::OK,
    })
}

/// Prints the plan of the releases whose diff worked (failures on stderr); returns whether any
/// release has changes, and whether any failed.
fn print_plan(units: &[Unit], diffs: &[Result<engine::diff::UnitDiff, String>], versions: &LiveVersions) -> Result<(bool, bool), CliError> {
    let mut failed = false;
    let mut kept = Vec::new();
    let mut ok = Vec::new();
    let mut position = vec![None; units.len()];
    for (i, (u, d)) in units.iter().zip(diffs).enumerate() {
        match d {
            Ok(d) => {
                position[i] = Some(kept.len());
                kept.push(u.clone());
                ok.push(d);
            }
            Err(e) => {
                eprintln!("Error: {e}");
                failed = true;
            }
        }
    }
    // Needs of a release whose diff failed are left out of the plan with it.
    for u in &mut kept {
        u.needs = u.needs.iter().filter_map(|&n| position[n]).collect();
    }
    let plan = engine::plan::build(&kept, &ok, versions);
    let changes = ok.iter().any(|d| d.needs_sync());
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &plan).map_err(|e| CliError::Helm(e.to_string()))?;
    writeln!(out)?;
    Ok((changes, failed))
}

/// `apply --plan FILE`: refuses the plan if the cluster changed since it was made, else syncs
/// exactly the releases it plans to change, with the manifests it carries.
fn apply_plan(file: &std::path::Path, args: &super::ApplyArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| CliError::Helm(format!("{name}: {e}")))?;
    let plan = engine::plan::Plan::parse(&name, &text).map_err(|e| CliError::Helm(e.to_string()))?;
    let (units, only) = plan.units(&name).map_err(|e| CliError::Helm(e.to_string()))?;
    let progress = Display::new(global, "apply");
    let mutate = args.mutate.clone();
    let session = Session::new(global)?;
    let ends = run_engine(
        async |clusters, cancel| {
            let opts = engine_options(global, Some(&mutate), Some(cancel));
            let now = LiveState::new(opts.concurrency).plan_state(&clusters, &plan).await?;
            engine::plan::check(&plan, &now).map_err(|e| e.to_string())?;
            if !only.iter().any(|&c| c) {
                return Ok(None);
            }
            Ok::<_, String>(Some(engine::sync(&clusters, &units, Some(&only), &opts, progress.as_ref()).await))
        },
        &session,
    )?;
    let ends = match ends {
        Ok(Some(ends)) => ends,
        Ok(None) => {
            if !global.quiet {
                eprintln!("No affected releases");
            }
            return Ok(exit::OK);
        }
        Err(e) => {
            eprintln!("Error: {e}");
            return Ok(exit::ERROR);
        }
    };
    print_updated(&units, &ends, global)?;
    Ok(report_ends(&units, &ends))
}

/// `apply`: diff, then sync only the releases with changes (helmfile's semantics: an unchanged
/// release gets no new revision).
pub fn apply(args: &super::ApplyArgs, spec: &SpecArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    if let Some(file) = &args.plan {
        return apply_plan(file, args, global);
    }
    let mut p = diff_prepare(&args.diff, spec);
    p.mutate = Some(args.mutate.clone());
    let session = Session::new(global)?;
    let mutate = args.mutate.clone();
    let diff_text = (!global.quiet).then(|| render_options(&args.diff, global));
    let opts = EngineOptions { diff_mode: diff_mode(args.diff.diff_mode), diff_text, ..engine_options(global, Some(&mutate), None) };
    let (units, diffs): (Vec<Unit>, Vec<_>) = prepare_and_diff(p, global, &session, &opts)?.into_iter().unzip();
    // A release whose diff failed is synced anyway: sync reports the real error.
    let only: Vec<bool> = diffs.iter().map(|d| d.as_ref().map_or(true, |d| d.needs_sync())).collect();
    let ends = if only.iter().any(|&c| c) {
        let progress = Display::new(global, "apply");
        let ends = run_engine(
            async |clusters, cancel| {
                let opts = EngineOptions { cancel: Some(cancel), ..opts.clone() };
                engine::sync(&clusters, &units, Some(&only), &opts, progress.as_ref()).await
            },
            &session,
        )?;
        Some(ends)
    } else {
        None
    };
    // Diff errors are reported by sync (it ran those releases); print the diffs that worked.
    let (pu, pd): (Vec<Unit>, Vec<_>) = units.iter().cloned().zip(diffs).filter(|(_, d)| d.is_ok()).unzip();
    if !global.quiet {
        print_diffs(&pu, &pd, &args.diff, global)?;
    }
    let Some(ends) = ends else {
        if !global.quiet {
            eprintln!("No affected releases");
        }
        return Ok(exit::OK);
    };
    print_updated(&units, &ends, global)?;
    Ok(report_ends(&units, &ends))
}
