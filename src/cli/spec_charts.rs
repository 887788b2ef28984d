//! The spec's remote charts from the chart sources: a spec `repositories:` entry becomes a
//! [`RepoConfig`], a release's `chart:`/`version:` a reference and constraint; the lock file
//! beside the spec (helmfile's `<name>.lock`) pins versions and digests; a bundle or
//! `--offline`/`--skip-deps` keep the network out.

use std::path::{Path, PathBuf};

use crate::repo::bundle::Bundle;
use crate::repo::fetcher::Resolved;
use crate::repo::lock::{LockEntry, LockFile, Requirement};
use crate::repo::reference::OciRef;
use crate::repo::{ChartFetcher, ChartRef, FetchOptions, RepoConfig, RepoError};
use crate::spec::{ChartResolver, RemoteChart, Repository, State};

/// Charts for one run: one fetcher (each index and archive once), or a bundle.
pub struct SpecCharts {
    pub fetcher: ChartFetcher,
    bundle: Option<Bundle>,
    /// helm's repositories file, for `repo/name` of repositories the spec does not declare.
    helm_repositories: Vec<RepoConfig>,
}

impl SpecCharts {
    /// `bundle`: `--bundle DIR`; `offline`: `--offline` or `--skip-deps` (cache and lock only).
    pub fn new(bundle: Option<&Path>, offline: bool) -> Result<SpecCharts, RepoError> {
        let mut helm_repositories = crate::repo::reference::helm_repositories()?;
        if let Some(dir) = bundle {
            let bundle = Bundle::open(dir)?;
            let fetcher = bundle.fetcher_with(&helm_repositories);
            // `repo/name` of repositories the spec does not declare: the bundle names them.
            helm_repositories = fetcher.options.repositories.clone();
            return Ok(SpecCharts { fetcher, bundle: Some(bundle), helm_repositories });
        }
        let fetcher = ChartFetcher::new(FetchOptions { offline, repositories: helm_repositories.clone(), ..FetchOptions::default() });
        Ok(SpecCharts { fetcher, bundle: None, helm_repositories })
    }

    /// The resolver for one state: its lock file read if there is one.
    pub fn for_state(&self, st: &State) -> Result<StateCharts<'_>, RepoError> {
        let path = lock_path(st);
        let lock = if path.is_file() { Some(LockFile::read(&path)?) } else { None };
        Ok(StateCharts { charts: self, lock, base_dir: st.base_dir.clone() })
    }

    /// Where a spec chart lives, with the repository's configuration.
    fn reference(&self, chart: &RemoteChart, base_dir: &Path) -> Result<(ChartRef, Option<RepoConfig>), RepoError> {
        let repo = &chart.repository;
        if repo.url.is_empty() && repo.name.is_empty() {
            return Ok((ChartRef::parse(&chart.chart, None)?, None));
        }
        if repo.url.is_empty() {
            let config = self.helm_repositories.iter().find(|r| r.name == repo.name).cloned().ok_or_else(|| {
                RepoError::Invalid(format!("repo {} not found: declare it under repositories: or add it to helm's repositories file", repo.name))
            })?;
            return Ok((reference_in(&config, &chart.chart)?, Some(config)));
        }
        let config = repo_config(repo, base_dir);
        Ok((reference_in(&config, &chart.chart)?, Some(config)))
    }
}

/// A chart in a repository: OCI charts by reference, others by name in the index.
fn reference_in(config: &RepoConfig, name: &str) -> Result<ChartRef, RepoError> {
    if config.url.starts_with("oci://") {
        return Ok(ChartRef::Oci(OciRef::parse(&format!("{}/{name}", config.url.trim_end_matches('/')))?));
    }
    Ok(ChartRef::InRepo { repo_url: config.url.trim_end_matches('/').to_string(), name: name.to_string() })
}

/// A spec repository as the chart sources take it; certificate paths are relative to the
/// spec's directory (helmfile runs helm there).
pub fn repo_config(r: &Repository, base_dir: &Path) -> RepoConfig {
    let path = |p: &Option<String>| p.as_ref().map(|p| base_dir.join(p));
    let url = if r.oci && !r.url.starts_with("oci://") { format!("oci://{}", r.url) } else { r.url.clone() };
    RepoConfig {
        name: r.name.clone(),
        url,
        username: r.username.clone(),
        password: r.password.clone(),
        token: None,
        ca_file: path(&r.ca_file),
        cert_file: path(&r.cert_file),
        key_file: path(&r.key_file),
        insecure_skip_tls_verify: r.skip_tls_verify,
        pass_credentials: false,
        plain_http: r.plain_http,
    }
}

/// helmfile's lock file of a state: `lockFilePath:`, else `<file name less .gotmpl/.yaml>.lock`
/// beside the state file.
pub fn lock_path(st: &State) -> PathBuf {
    if let Some(p) = st.raw.get("lockFilePath").and_then(|v| v.as_str().map(str::to_string)).filter(|p| !p.is_empty()) {
        return st.base_dir.join(p);
    }
    let file = st.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = file.strip_suffix(".gotmpl").unwrap_or(&file);
    let stem = stem.strip_suffix(".yaml").or_else(|| stem.strip_suffix(".yml")).unwrap_or(stem);
    st.base_dir.join(format!("{stem}.lock"))
}

/// The repository URL a lock records for a spec repository (helmfile prefixes OCI ones).
fn lock_repository(r: &Repository) -> String {
    if r.oci && !r.url.starts_with("oci://") { format!("oci://{}", r.url) } else { r.url.clone() }
}

/// The charts helmfile locks: `repo/name` releases of declared repositories, once per chart
/// name (the first release wins, as in helmfile), with `*` for no constraint.
pub fn requirements(st: &State, releases: &[usize]) -> Vec<Requirement> {
    let mut out: Vec<Requirement> = Vec::new();
    for &i in releases {
        let r = &st.releases[i];
        let crate::spec::ChartRef::Remote(remote) = r.chart_ref(&st.repositories) else { continue };
        if remote.repository.name.is_empty() || remote.repository.url.is_empty() || r.chart.starts_with("oci://") {
            continue;
        }
        if out.iter().any(|d| d.name == remote.chart) {
            continue;
        }
        let version = remote.version.clone().filter(|v| !v.is_empty()).unwrap_or_else(|| "*".into());
        out.push(Requirement { name: remote.chart.clone(), repository: lock_repository(&remote.repository), version, ..Requirement::default() });
    }
    out
}

/// Resolves `requirements` online and returns the lock helmfile would write for them.
pub fn lock_requirements(fetcher: &ChartFetcher, st: &State, requirements: &[Requirement]) -> Result<LockFile, RepoError> {
    let mut entries = Vec::new();
    for req in requirements {
        let repo = st
            .repositories
            .iter()
            .find(|r| lock_repository(r) == req.repository)
            .map(|r| repo_config(r, &st.base_dir))
            .unwrap_or_else(|| RepoConfig::new(req.repository.clone()));
        let constraint = if req.version == "*" { "" } else { req.version.as_str() };
        let resolved = resolve_online(fetcher, &reference_in(&repo, &req.name)?, Some(repo), constraint)?;
        let mut entry = LockEntry::from_resolved(&resolved);
        entry.name = req.name.clone();
        entry.repository = req.repository.clone();
        entries.push(entry);
    }
    Ok(LockFile::helmfile(requirements, entries))
}

fn resolve_online(fetcher: &ChartFetcher, reference: &ChartRef, config: Option<RepoConfig>, constraint: &str) -> Result<Resolved, RepoError> {
    match (reference, config) {
        (ChartRef::InRepo { name, .. }, Some(config)) => fetcher.resolve_in_repo(config, name, constraint),
        (ChartRef::Oci(r), config) => fetcher.resolve_oci(r, constraint, config),
        (other, _) => fetcher.resolve(other, constraint),
    }
}

/// The resolver of one state's releases.
pub struct StateCharts<'a> {
    charts: &'a SpecCharts,
    lock: Option<LockFile>,
    base_dir: PathBuf,
}

impl StateCharts<'_> {
    /// The locked entry for a release's chart (helmfile's rule: the first entry of that chart
    /// name whose version satisfies the release's constraint; only for declared repositories).
    fn locked(&self, chart: &RemoteChart) -> Result<Option<&LockEntry>, RepoError> {
        let Some(lock) = &self.lock else { return Ok(None) };
        if chart.repository.name.is_empty() || chart.repository.url.is_empty() {
            return Ok(None);
        }
        let constraint = chart.version.as_deref().filter(|v| !v.is_empty()).unwrap_or("*");
        let parsed = crate::semver::Constraints::parse(constraint).map_err(|e| RepoError::Invalid(format!("{constraint}: {e}")))?;
        for entry in lock.dependencies.iter().filter(|d| d.name == chart.chart) {
            let version = crate::semver::Version::parse(&entry.version).map_err(|e| RepoError::Invalid(format!("lock entry {} {}: {e}", entry.name, entry.version)))?;
            if parsed.check(&version) {
                return Ok(Some(entry));
            }
        }
        Err(RepoError::Invalid(format!("no resolved dependency found for {:?}, running \"deployer deps\" may resolve the issue", chart.chart)))
    }

    /// Picks the chart version (lock first) and where it lives, without downloading.
    pub fn resolve_chart(&self, chart: &RemoteChart) -> Result<Resolved, RepoError> {
        let (reference, config) = self.charts.reference(chart, &self.base_dir)?;
        let locked = self.locked(chart)?;
        let constraint = match locked {
            Some(e) => e.version.clone(),
            None => chart.version.clone().unwrap_or_default(),
        };
        if let Some(bundle) = &self.charts.bundle {
            let url = config.as_ref().map(|c| c.url.clone());
            return bundle.resolve(&reference, url.as_deref(), &constraint);
        }
        let offline = self.charts.fetcher.options.offline;
        let resolved = match locked {
            // The lock says where the archive is and what it hashes to: no index needed.
            Some(e) if offline && e.digest.is_some() && (e.url.is_some() || e.repository.starts_with("oci://")) => {
                let mut r = e.to_resolved()?;
                r.repo = config;
                r
            }
            _ => resolve_online(&self.charts.fetcher, &reference, config, &constraint)?,
        };
        let mut resolved = resolved;
        if let Some(expected) = locked.and_then(|e| e.digest.as_deref()).and_then(crate::repo::normalize_digest) {
            match &resolved.digest {
                Some(d) if *d != expected => {
                    return Err(RepoError::Digest {
                        what: format!("{} {} (pinned by the lock file)", resolved.name, resolved.version),
                        expected,
                        actual: d.clone(),
                    });
                }
                // The download is verified against the lock when the index has no digest.
                _ => resolved.digest = Some(expected),
            }
        }
        Ok(resolved)
    }
}

impl ChartResolver for StateCharts<'_> {
    fn resolve(&self, chart: &RemoteChart) -> Result<PathBuf, String> {
        let resolved = self.resolve_chart(chart).map_err(|e| e.to_string())?;
        self.charts.fetcher.fetch_to_path(&resolved).map_err(|e| e.to_string())
    }
}

/// `deployer deps`: resolves the remote charts of each state and writes its lock file, as
/// `helmfile deps` does.
pub fn deps(args: &super::DepsArgs, global: &super::GlobalArgs) -> Result<i32, super::CliError> {
    let opts = super::spec_cmd::spec_options(&args.spec, global);
    let offline = global.offline;
    super::spec_cmd::on_big_stack(move || {
        let states = crate::spec::load(&opts, &crate::spec::sops::SopsDecryptor::new())?;
        let charts = SpecCharts::new(None, offline)?;
        for (si, idx) in super::spec_cmd::selected(&states, &opts, false)? {
            let st = &states[si];
            let reqs = requirements(st, &idx);
            if reqs.is_empty() {
                eprintln!("{}: no release uses a chart of a declared repository: no lock file written", st.file.display());
                continue;
            }
            let lock = lock_requirements(&charts.fetcher, st, &reqs)?;
            let path = lock_path(st);
            lock.write(&path)?;
            eprintln!("Wrote {} ({} charts)", path.display(), lock.dependencies.len());
        }
        for w in charts.fetcher.warnings() {
            eprintln!("{w}");
        }
        Ok(super::exit::OK)
    })
}

/// `deployer fetch --output-dir DIR`: every remote chart of every release, for each
/// environment (or `-e`), with the lock honoured, into one air-gap bundle.
pub fn fetch(args: &super::FetchArgs, global: &super::GlobalArgs) -> Result<i32, super::CliError> {
    let opts = super::spec_cmd::spec_options(&args.spec, global);
    let dir = args.output_dir.clone().ok_or_else(|| super::CliError::Helm("fetch needs --output-dir DIR for the bundle".into()))?;
    let offline = global.offline;
    super::spec_cmd::on_big_stack(move || {
        let charts = SpecCharts::new(None, offline)?;
        let environments = match &opts.environment {
            Some(e) => vec![e.clone()],
            None => environment_names(&opts)?,
        };
        let mut resolved: Vec<Resolved> = Vec::new();
        for env in environments {
            let mut env_opts = opts.clone();
            env_opts.environment = Some(env.clone());
            let states = crate::spec::load(&env_opts, &crate::spec::sops::SopsDecryptor::new())?;
            for (si, idx) in super::spec_cmd::selected(&states, &env_opts, false)? {
                let st = &states[si];
                let resolver = charts.for_state(st)?;
                for i in idx {
                    let r = &st.releases[i];
                    let context = |e: RepoError| super::CliError::Helm(format!("environment {env}, release {:?}: {e}", r.name));
                    let found = match r.chart_ref(&st.repositories) {
                        crate::spec::ChartRef::Remote(remote) => vec![resolver.resolve_chart(&remote).map_err(context)?],
                        // A local chart's own dependencies from repositories (Chart.lock pins).
                        crate::spec::ChartRef::Local(dir) if dir.join("Chart.yaml").is_file() => {
                            crate::repo::deps::repository_charts(&dir, &charts.fetcher, &charts.helm_repositories).map_err(context)?
                        }
                        crate::spec::ChartRef::Local(_) => Vec::new(),
                    };
                    for one in found {
                        if !resolved.contains(&one) {
                            resolved.push(one);
                        }
                    }
                }
            }
        }
        let bundle = Bundle::write(&dir, &charts.fetcher, &resolved)?;
        for w in charts.fetcher.warnings() {
            eprintln!("{w}");
        }
        eprintln!("Wrote bundle {} ({} charts)", dir.display(), bundle.lock.dependencies.len());
        Ok(super::exit::OK)
    })
}

/// The environments the spec defines (over all its states), and `default`.
fn environment_names(opts: &crate::spec::SpecOptions) -> Result<Vec<String>, super::CliError> {
    let states = crate::spec::load(opts, &crate::spec::sops::SopsDecryptor::new())?;
    let mut names = vec!["default".to_string()];
    for st in &states {
        if let Some(crate::value::Value::Map(envs)) = st.raw.get("environments") {
            for k in envs.keys() {
                if !names.contains(&k) {
                    names.push(k);
                }
            }
        }
    }
    Ok(names)
}

/// Runs `f` on every item with at most `limit` threads at once; results in the items' order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], limit: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let workers = limit.max(1).min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<R>>> = items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                }
            });
        }
    });
    slots.into_iter().filter_map(|s| s.into_inner().unwrap_or_else(|p| p.into_inner())).collect()
}

/// How many charts are fetched at once.
const FETCH_CONCURRENCY: usize = 8;

/// The charts of one state, prepared before anything renders: each remote chart resolved and
/// fetched (in parallel with the other states'), looked up here by the renderer.
pub struct PreparedState<'a> {
    pub charts: StateCharts<'a>,
    fetched: Vec<(RemoteChart, PathBuf)>,
}

impl ChartResolver for PreparedState<'_> {
    fn resolve(&self, chart: &RemoteChart) -> Result<PathBuf, String> {
        match self.fetched.iter().find(|(c, _)| c == chart) {
            Some((_, path)) => Ok(path.clone()),
            None => self.charts.resolve(chart),
        }
    }
}

/// Whether a release's local chart dependencies are skipped: `--skip-deps`, the release's
/// `skipDeps`, or `helmDefaults.skipDeps` (helmfile's rule).
fn skip_deps(st: &State, r: &crate::spec::Release) -> bool {
    let truthy = |v: Option<crate::value::Value>| matches!(v, Some(crate::value::Value::Bool(true)));
    match r.raw.get("skipDeps") {
        Some(crate::value::Value::Bool(b)) => b,
        _ => truthy(st.helm_defaults().get("skipDeps")),
    }
}

impl SpecCharts {
    /// helmfile's `withPreparedCharts` for one state's selected, installed releases (after its
    /// `prepare` hooks, as helmfile runs them): first `helm dependency build` on every local
    /// chart directory (each once, unless skipped; `build_deps` is false for `--skip-deps`),
    /// then every remote chart resolved and fetched, at most [`FETCH_CONCURRENCY`] at once,
    /// each distinct chart once. The first failure in release order is the error; nothing
    /// renders before all charts are there.
    pub fn prepare(&self, st: &State, releases: &[usize], build_deps: bool) -> Result<PreparedState<'_>, super::CliError> {
        let charts = self.for_state(st)?;
        let mut local_dirs: Vec<(PathBuf, String)> = Vec::new();
        // Each distinct chart once, with the first release that asks for it.
        let mut remote: Vec<(RemoteChart, String)> = Vec::new();
        for &i in releases {
            let r = &st.releases[i];
            if !r.installed {
                continue;
            }
            let who = format!("release {:?} in {}", r.name, st.file.display());
            match r.chart_ref(&st.repositories) {
                crate::spec::ChartRef::Remote(c) => {
                    if !remote.iter().any(|(rc, _)| *rc == c) {
                        remote.push((c, who));
                    }
                }
                crate::spec::ChartRef::Local(dir) => {
                    let is_chart = dir.join("Chart.yaml").is_file();
                    if build_deps && is_chart && !skip_deps(st, r) && !local_dirs.iter().any(|(d, _)| *d == dir) {
                        local_dirs.push((dir, who));
                    }
                }
            }
        }
        // One after another: two releases may share a chart directory.
        for (dir, who) in &local_dirs {
            crate::repo::deps::build(dir, &self.fetcher, &self.helm_repositories)
                .map_err(|e| super::CliError::Helm(format!("{who}: building dependencies of local chart {}: {e}", dir.display())))?;
        }
        let results = parallel_map(&remote, FETCH_CONCURRENCY, |(chart, _)| charts.resolve(chart));
        let mut fetched = Vec::with_capacity(remote.len());
        for ((chart, who), result) in remote.into_iter().zip(results) {
            let path = result.map_err(|e| super::CliError::Helm(format!("{who}: {e}")))?;
            fetched.push((chart, path));
        }
        Ok(PreparedState { charts, fetched })
    }
}

#[cfg(test)]
mod tests {
    use super::parallel_map;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn parallel_map_keeps_order_and_bounds_threads() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let items: Vec<usize> = (0..40).collect();
        let out = parallel_map(&items, 8, |&i| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(2));
            running.fetch_sub(1, Ordering::SeqCst);
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 8);
        assert_eq!(parallel_map(&[] as &[usize], 8, |&i| i), Vec::<usize>::new());
    }
}
