//! The helmfile-style commands on a spec: `list`, `build`, `template`, `write-values`.

use std::io::Write;

use crate::spec::{self, ChartRef, ChartResolver, Release, SpecError, SpecOptions, State};
use crate::spec::sops::SopsDecryptor;
use crate::value::{Map, Value};

use super::{CliError, GlobalArgs, OutputFormat, SpecArgs, exit};

impl From<SpecError> for CliError {
    fn from(e: SpecError) -> CliError {
        CliError::Helm(e.to_string())
    }
}

pub fn spec_options(args: &SpecArgs, global: &GlobalArgs) -> SpecOptions {
    SpecOptions {
        file: args.file.clone(),
        environment: args.environment.clone(),
        selectors: args.selector.clone(),
        state_values_set: args.state_values_set.clone(),
        state_values_files: args.state_values_file.clone(),
        namespace: global.namespace.clone(),
        kube_context: global.kube_context.clone(),
        include_needs: args.include_needs,
        include_transitive_needs: args.include_transitive_needs,
        skip_needs: args.skip_needs,
        compat: spec::HelmfileCompat::from_env(),
    }
}

/// Runs `f` on a thread with a large stack (values are shared maps that stay on one thread).
pub(super) fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> Result<T, CliError> + Send + 'static) -> Result<T, CliError> {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .map_err(CliError::Output)?
        .join()
        .unwrap_or_else(|_| Err(CliError::Helm("spec processing panicked".into())))
}

/// The selected releases of each state, in needs order.
pub(super) fn selected(states: &[State], opts: &SpecOptions, ordered: bool) -> Result<Vec<(usize, Vec<usize>)>, CliError> {
    let mut out = Vec::new();
    for (si, st) in states.iter().enumerate() {
        let sel = spec::select_releases(&st.releases, &st.selectors, opts)?;
        let order = if ordered {
            spec::order_by_needs(&st.releases, &sel, false)
                .map_err(|e| SpecError::file(&st.file, e.to_string()))?
                .concat()
        } else {
            sel
        };
        out.push((si, order));
    }
    Ok(out)
}

/// The hook context for a state (and a release of it).
fn hook_ctx<'a>(st: &'a State, opts: &'a SpecOptions, command: &'a str, release: Option<&'a Release>) -> spec::hooks::HookContext<'a> {
    spec::hooks::HookContext {
        env: &st.env,
        namespace: opts.namespace.as_deref().unwrap_or_default(),
        command,
        base_dir: &st.base_dir,
        release,
    }
}

/// helmfile's `prepare` events for one state: the state's hooks, then each selected,
/// installed release's.
pub(super) fn trigger_prepare(st: &State, idx: &[usize], opts: &SpecOptions, command: &str) -> Result<(), CliError> {
    spec::hooks::trigger(&st.hooks, "prepare", &hook_ctx(st, opts, command, None))?;
    for &i in idx {
        let r = &st.releases[i];
        if r.installed {
            spec::hooks::trigger(&r.hooks, "prepare", &hook_ctx(st, opts, command, Some(r)))?;
        }
    }
    Ok(())
}

/// A release's `cleanup` hooks; a failure is a warning, as in helmfile.
fn trigger_release_cleanup(st: &State, r: &Release, opts: &SpecOptions, command: &str) -> Result<(), CliError> {
    if let Err(e) = spec::hooks::trigger(&r.hooks, "cleanup", &hook_ctx(st, opts, command, Some(r))) {
        eprintln!("warn: {e}");
    }
    Ok(())
}

pub(super) fn trigger_global_cleanup(st: &State, opts: &SpecOptions, command: &str) -> Result<(), CliError> {
    spec::hooks::trigger(&st.hooks, "cleanup", &hook_ctx(st, opts, command, None))?;
    Ok(())
}

pub fn list(args: &SpecArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let opts = spec_options(args, global);
    let json = global.output == OutputFormat::Json;
    let text = on_big_stack(move || {
        let states = spec::load(&opts, &SopsDecryptor::new())?;
        let with_selector = !opts.selectors.is_empty();
        let v1 = opts.compat == spec::HelmfileCompat::V1;
        let mut rows: Vec<[String; 7]> = Vec::new();
        for (si, idx) in selected(&states, &opts, false)? {
            let st = &states[si];
            // helmfile 1.x runs only the state's own hooks for `list`.
            if v1 {
                spec::hooks::trigger(&st.hooks, "prepare", &hook_ctx(st, &opts, "list", None))?;
            } else {
                trigger_prepare(st, &idx, &opts, "list")?;
            }
            trigger_global_cleanup(st, &opts, "list")?;
            for i in idx {
                let r = &st.releases[i];
                // helmfile 1.x always shows the implicit labels; 0.166 where selectors applied.
                let labels = if v1 || !st.selectors.is_empty() { spec::format_labels(&implicit(r)) } else { spec::format_labels(&r.labels) };
                rows.push([r.name.clone(), r.namespace.clone(), r.enabled.to_string(), r.installed.to_string(), labels, r.chart.clone(), r.version.clone()]);
            }
        }
        if with_selector && rows.is_empty() {
            eprintln!("err: no releases found that matches specified selector({}) and environment({}), in any helmfile", opts.selectors.join(","), opts.env_name());
            return Err(CliError::NoMatch);
        }
        if v1 {
            // 1.x sorts by namespace, then name (stable).
            rows.sort_by(|a, b| (&a[1], &a[0]).cmp(&(&b[1], &b[0])));
        }
        if json {
            // Fields in helmfile's struct order.
            let q = |s: &str| serde_json::Value::from(s).to_string();
            let items: Vec<String> = rows
                .iter()
                .map(|r| format!(
                    "{{\"name\":{},\"namespace\":{},\"enabled\":{},\"installed\":{},\"labels\":{},\"chart\":{},\"version\":{}}}",
                    q(&r[0]), q(&r[1]), r[2], r[3], q(&r[4]), q(&r[5]), q(&r[6])
                ))
                .collect();
            return Ok(format!("[{}]\n", items.join(",")));
        }
        let table = table(&["NAME", "NAMESPACE", "ENABLED", "INSTALLED", "LABELS", "CHART", "VERSION"], &rows);
        if v1 {
            // 1.x trims trailing white space from every line.
            return Ok(table.lines().map(|l| format!("{}\n", l.trim_end())).collect());
        }
        Ok(table)
    })?;
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(exit::OK)
}

fn implicit(r: &Release) -> std::collections::BTreeMap<String, String> {
    let mut l = r.labels.clone();
    l.insert("chart".into(), r.chart_name());
    l.insert("name".into(), r.name.clone());
    l.insert("namespace".into(), r.namespace.clone());
    l
}

/// helmfile's table: cells padded to the column's width, separated by tabs.
fn table(header: &[&str], rows: &[[String; 7]]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}", w = *w)).collect();
        format!("{}\n", padded.join("\t"))
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

pub fn template(args: &super::TemplateArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let opts = spec_options(&args.render.spec, global);
    // helmfile passes --include-crds to helm only when asked to.
    let include_crds = args.include_crds && !args.skip_crds;
    let skip_tests = args.skip_tests;
    let compat = match args.render.helm_compat {
        super::HelmCompatArg::V3 => crate::funcs::HelmCompat::V3,
        super::HelmCompatArg::V4 => crate::funcs::HelmCompat::V4,
    };
    let bundle = global.bundle.clone();
    let offline = global.offline || args.render.skip_deps;
    let build_deps = !args.render.skip_deps;
    on_big_stack(move || {
        let mut stdout = std::io::stdout().lock();
        let mut chart_cache = super::chart_cache::ChartCache::default();
        each_installed_release(&opts, bundle.as_deref(), offline, build_deps, "template", |st, r, resolver| {
            let out = render_release(st, r, resolver, include_crds, skip_tests, compat, &opts, &mut chart_cache)?;
            stdout.write_all(out.as_bytes())?;
            stdout.write_all(b"\n")?;
            stdout.flush()?;
            Ok(())
        })
    })
}

/// What `template` and `lint` share: every selected, installed release in `needs` order with its
/// state's charts prepared (prepare hooks, dependency builds, parallel fetches), cleanup hooks
/// after; helmfile's exit 3 when selectors match nothing.
fn each_installed_release(
    opts: &SpecOptions,
    bundle: Option<&std::path::Path>,
    offline: bool,
    build_deps: bool,
    command: &str,
    mut each: impl FnMut(&State, &Release, &dyn ChartResolver) -> Result<(), CliError>,
) -> Result<i32, CliError> {
    let states = spec::load(opts, &SopsDecryptor::new())?;
    let charts = super::spec_charts::SpecCharts::new(bundle, offline)?;
    let mut matched = 0;
    for (si, idx) in selected(&states, opts, true)? {
        let st = &states[si];
        trigger_prepare(st, &idx, opts, command)?;
        let resolver = charts.prepare(st, &idx, build_deps)?;
        for i in idx {
            matched += 1;
            let r = &st.releases[i];
            if !r.installed {
                continue;
            }
            each(st, r, &resolver)?;
            trigger_release_cleanup(st, r, opts, command)?;
        }
        trigger_global_cleanup(st, opts, command)?;
    }
    for w in charts.fetcher.warnings() {
        eprintln!("{w}");
    }
    if matched == 0 && !opts.selectors.is_empty() {
        eprintln!("specified selector did not match any releases in {}", states.last().map(|s| s.file.display().to_string()).unwrap_or_default());
        return Ok(exit::NO_MATCH);
    }
    Ok(exit::OK)
}

/// Renders one release's chart as `helm template` would with the values helmfile passes.
#[allow(clippy::too_many_arguments)] // helm template's flags, each a plain value
pub fn render_release(
    st: &State,
    r: &Release,
    resolver: &dyn ChartResolver,
    include_crds: bool,
    skip_tests: bool,
    compat: crate::funcs::HelmCompat,
    opts: &SpecOptions,
    charts: &mut super::chart_cache::ChartCache,
) -> Result<String, CliError> {
    use crate::chart::template::{TemplateError, TemplateRequest, template_loaded};
    let values = spec::render_values(r, &SopsDecryptor::new())?;
    let chart = match r.chart_ref(&st.repositories) {
        ChartRef::Local(p) => p,
        ChartRef::Remote(remote) => resolver.resolve(&remote).map_err(CliError::Helm)?,
    };
    let namespace = if r.namespace.is_empty() { opts.namespace.clone().unwrap_or_else(|| "default".into()) } else { r.namespace.clone() };
    let request = TemplateRequest {
        release_name: r.name.clone(),
        chart,
        namespace,
        values,
        kube_version: r.kube_version.clone(),
        api_versions: r.api_versions.clone(),
        include_crds,
        skip_tests,
        no_hooks: false,
        is_upgrade: false,
        cluster: None,
        show_only: Vec::new(),
        compat,
    };
    let rendered = match spec::chartify::chartify_release(r, &request.chart, &request, opts.compat, resolver, &st.repositories)? {
        Some(chart) => template_loaded(&request, chart),
        None => match charts.get(&request.chart, compat) {
            Ok(chart) => template_loaded(&request, chart),
            // helm 4 reports any archive-level failure of the chart file itself in one sentence.
            Err(crate::chart::loader::LoadError::UnsafeEntry { .. } | crate::chart::loader::LoadError::Archive(_))
                if compat == crate::funcs::HelmCompat::V4 && request.chart.is_file() =>
            {
                Err(TemplateError::Invalid("unable to load chart archive".into()))
            }
            Err(e) => Err(e.into()),
        },
    };
    rendered.map_err(|e| CliError::Helm(format!("release {:?} in {}: {e}", r.name, st.file.display())))
}

pub fn write_values(args: &super::WriteValuesArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    let opts = spec_options(&args.spec, global);
    let template = args.output_file_template.clone();
    on_big_stack(move || {
        let states = spec::load(&opts, &SopsDecryptor::new())?;
        // helmfile writes the selected, installed releases in the state's order.
        let selection = selected(&states, &opts, false)?;
        if !opts.selectors.is_empty() && selection.iter().all(|(_, idx)| idx.is_empty()) {
            eprintln!("specified selector did not match any releases in {}", states.last().map(|s| s.file.display().to_string()).unwrap_or_default());
            return Ok(exit::NO_MATCH);
        }
        for (si, idx) in selection {
            let st = &states[si];
            // helmfile 1.x runs only the state's own `prepare` hooks for `write-values`.
            if opts.compat == spec::HelmfileCompat::V1 {
                spec::hooks::trigger(&st.hooks, "prepare", &hook_ctx(st, &opts, "write-values", None))?;
            } else {
                trigger_prepare(st, &idx, &opts, "write-values")?;
            }
            for i in idx {
                let r = &st.releases[i];
                if !r.installed {
                    continue;
                }
                let values = spec::write_values_map(r, &SopsDecryptor::new())?;
                // helmfile works in the state's directory: paths are relative to it.
                let path = output_file_path(st, r, template.as_deref())?;
                let target = st.base_dir.join(&path);
                if let Some(dir) = target.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                eprintln!("Writing values file {path}");
                // helmfile 1.x encodes with go-yaml v3 (indent 2), 0.166 with go-yaml v2.
                let text = match opts.compat {
                    spec::HelmfileCompat::V1 => crate::yaml::to_yaml_pretty(&Value::Map(values)),
                    spec::HelmfileCompat::V0_166 => crate::yaml::to_yaml(&Value::Map(values)),
                };
                std::fs::write(&target, text + "\n")?;
                trigger_release_cleanup(st, r, &opts, "write-values")?;
            }
            trigger_global_cleanup(st, &opts, "write-values")?;
        }
        Ok(exit::OK)
    })
}

/// `--output-file-template`, by default `{{ .State.BaseName }}-{{ .State.AbsPathSHA1 }}/{{ .Release.Name }}.yaml`:
/// the state file's path without its extension, and the first 8 hex digits of the SHA-1 of
/// its absolute path.
fn output_file_path(st: &State, r: &Release, template: Option<&str>) -> Result<String, CliError> {
    use sha1::Digest;
    let path = st.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let abs = std::path::absolute(&st.file).unwrap_or_else(|_| st.file.clone()).display().to_string();
    let sha: String = sha1::Sha1::digest(abs.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect();
    let ext_len = std::path::Path::new(&path).extension().map_or(0, |e| e.len() + 1);
    let base = path[..path.len() - ext_len].to_string();
    let Some(t) = template else { return Ok(format!("{base}-{sha}/{}.yaml", r.name)) };
    let state = Map::new();
    state.insert("BaseName", Value::from(base));
    state.insert("Path", Value::from(path));
    state.insert("AbsPath", Value::from(abs));
    state.insert("AbsPathSHA1", Value::from(sha));
    let data = Map::new();
    for (k, v) in r.data.entries() {
        data.insert(k, v);
    }
    data.insert("State", Value::Map(state));
    spec::funcs::render_default_missing("output-file", t, &Value::Map(data), &st.base_dir).map_err(CliError::Helm)
}

/// `lint`: `helm lint` on each selected release's chart with the values helmfile passes, in
/// the state's order; stops at the first chart that fails, as helmfile does.
pub fn lint(args: &super::RenderArgs, global: &GlobalArgs) -> Result<i32, CliError> {
    use crate::chart::lint::{LintRequest, lint};
    let opts = spec_options(&args.spec, global);
    let compat = match args.helm_compat {
        super::HelmCompatArg::V3 => crate::funcs::HelmCompat::V3,
        super::HelmCompatArg::V4 => crate::funcs::HelmCompat::V4,
    };
    let bundle = global.bundle.clone();
    let offline = global.offline || args.skip_deps;
    let build_deps = !args.skip_deps;
    on_big_stack(move || {
        let mut stdout = std::io::stdout().lock();
        each_installed_release(&opts, bundle.as_deref(), offline, build_deps, "lint", |st, r, resolver| {
            let values = spec::render_values(r, &SopsDecryptor::new())?;
            let mut back_to = None;
            let chart = match r.chart_ref(&st.repositories) {
                // helmfile passes the joined path cleaned, as Go's filepath.Clean does
                ChartRef::Local(_) if std::path::Path::new(&r.chart).is_relative() => {
                    // helm runs in the state's directory with the chart path as written
                    let here = std::env::current_dir()?;
                    std::env::set_current_dir(here.join(&st.base_dir))?;
                    back_to = Some(here);
                    clean_path(std::path::Path::new(&r.chart))
                }
                ChartRef::Local(p) => clean_path(&p),
                ChartRef::Remote(remote) => resolver.resolve(&remote).map_err(CliError::Helm)?,
            };
            // helmfile lints the temporary chart chartify writes; ours lives in memory.
            use spec::chartify::{is_set, manifest_dir, needs_chartify};
            if needs_chartify(r) || is_set(r.raw.get("dependencies")) || manifest_dir(&chart).is_some() {
                return Err(CliError::Helm(format!(
                    "release {:?} in {}: lint of raw manifest directories and patched releases is not supported yet",
                    r.name,
                    st.file.display()
                )));
            }
            eprintln!("Linting release={}, chart={}", r.name, chart.display());
            let namespace = if r.namespace.is_empty() { opts.namespace.clone().unwrap_or_else(|| "default".into()) } else { r.namespace.clone() };
            let outcome = lint(&LintRequest {
                charts: vec![chart],
                values,
                namespace,
                kube_version: r.kube_version.clone(),
                strict: false,
                with_subcharts: false,
                compat,
            });
            if let Some(dir) = back_to {
                std::env::set_current_dir(dir)?;
            }
            stdout.write_all(outcome.stdout.as_bytes())?;
            stdout.write_all(b"\n")?;
            stdout.flush()?;
            if let Some(summary) = outcome.failure {
                return Err(CliError::Helm(format!("release {:?} in {}: {summary}", r.name, st.file.display())));
            }
            Ok(())
        })
    })
}

/// Go's `filepath.Clean`, lexically: no `.` parts, `..` folded where a name precedes it.
fn clean_path(p: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut parts: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                Some(Component::RootDir) => {}
                _ => parts.push(c),
            },
            _ => parts.push(c),
        }
    }
    if parts.is_empty() {
        return std::path::PathBuf::from(".");
    }
    parts.iter().collect()
}

#[cfg(test)]
mod lint_tests {
    use super::clean_path;
    use std::path::Path;

    #[test]
    fn clean_path_folds_like_go() {
        assert_eq!(clean_path(Path::new("./../_charts/app")), Path::new("../_charts/app"));
        assert_eq!(clean_path(Path::new("sub/../_charts/app")), Path::new("_charts/app"));
        assert_eq!(clean_path(Path::new("/a/./b/../c")), Path::new("/a/c"));
        assert_eq!(clean_path(Path::new("/../a")), Path::new("/a"));
        assert_eq!(clean_path(Path::new("a/..")), Path::new("."));
    }
}
