//! `helm template`, natively: load → coalesce values → render → sort → print, with helm's
//! output format (`---\n# Source: PATH\nDOC\n`), CRDs, hooks, `--show-only` and errors.

use std::path::PathBuf;

use crate::funcs::HelmCompat;
use crate::value::{Map, Value};

use super::dependencies;
use super::engine::{Engine, Renderable};
use super::schema;
use super::loader::{self, LoadError};
use super::manifest::{self, ManifestError};
use super::model::Chart;
use super::objects::{self, Capabilities, Files, ReleaseInfo};
use super::values::{self, ValuesError};

/// What `helm template` is asked to do.
#[derive(Debug, Clone)]
pub struct TemplateRequest {
    pub release_name: String,
    pub chart: PathBuf,
    pub namespace: String,
    /// User values, already merged from `-f` files and `--set` flags.
    pub values: Map,
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
    pub include_crds: bool,
    pub skip_tests: bool,
    pub no_hooks: bool,
    pub is_upgrade: bool,
    pub show_only: Vec<String>,
    pub compat: HelmCompat,
    /// Render as `helm upgrade --install` does, with the cluster's facts (`None`: as
    /// `helm template`, offline).
    pub cluster: Option<ClusterFacts>,
}

/// What `helm upgrade --install` learns from the cluster instead of `helm template`'s
/// defaults. `kube_version`/`api_versions` of the request still apply on top (the spec's).
#[derive(Clone)]
pub struct ClusterFacts {
    /// The server's `gitVersion`, `major` and `minor` (`/version`).
    pub kube_version: String,
    pub kube_major: String,
    pub kube_minor: String,
    /// Discovery's `group/version`s and `group/version/Kind`s.
    pub api_versions: Vec<String>,
    /// `.Release.Revision`: the revision this render becomes.
    pub revision: i64,
    /// `lookup` reads the live cluster through this.
    pub lookup: std::rc::Rc<dyn crate::funcs::helm::Lookup>,
}

impl std::fmt::Debug for ClusterFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterFacts")
            .field("kube_version", &self.kube_version)
            .field("api_versions", &self.api_versions.len())
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// Why `helm template` failed; messages as helm prints them after `Error: `.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Values(#[from] ValuesError),
    #[error("{0}")]
    Render(String),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{0}")]
    Invalid(String),
}

/// The longest release name helm accepts.
pub const MAX_RELEASE_NAME: usize = 53;

fn valid_release_name(name: &str) -> bool {
    let label = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    !name.is_empty() && name.len() <= MAX_RELEASE_NAME && name.split('.').all(label)
}

/// A rendered release, before printing: CRDs (with `--include-crds`), manifests in kind order
/// and hooks (without `--no-hooks`; test hooks dropped with `--skip-tests`).
#[derive(Debug, Clone)]
pub struct RenderedRelease {
    /// `(path from the root chart, file text)` of every CRD file.
    pub crds: Vec<(String, String)>,
    pub manifests: Vec<manifest::Manifest>,
    pub hooks: Vec<manifest::Hook>,
    /// The root chart's rendered `templates/NOTES.txt` (what a release record keeps).
    pub notes: String,
}

impl RenderedRelease {
    /// The text `helm template` prints (before `--show-only`), built in one buffer sized up
    /// front: the output of a big chart is megabytes.
    pub fn text(&self) -> String {
        let hooks = self.hooks.iter().map(|h| (h.path.as_str(), h.manifest.as_str()));
        let entries = self
            .crds
            .iter()
            .map(|(p, d)| (p.as_str(), d.as_str()))
            .chain(self.manifests.iter().map(|m| (m.path.as_str(), m.content.as_str())));
        let size: usize = entries.clone().chain(hooks.clone()).map(|(p, d)| p.len() + d.len() + 16).sum();
        let mut out = String::with_capacity(size + 1);
        for (path, doc) in entries {
            push_source(&mut out, path, doc);
        }
        // helm trims the release manifest, then ends it with one newline (the hooks follow).
        out.truncate(out.trim_end().len());
        out.push('\n');
        for (path, doc) in hooks {
            push_source(&mut out, path, doc);
        }
        out
    }
}

/// Renders a chart as `helm template` prints it.
pub fn template(req: &TemplateRequest) -> Result<String, TemplateError> {
    let out = render_release(req)?.text();
    if req.show_only.is_empty() {
        return Ok(out);
    }
    show_only(&out, &req.show_only)
}

/// Renders a chart into its release parts, failing as `helm template` fails.
pub fn render_release(req: &TemplateRequest) -> Result<RenderedRelease, TemplateError> {
    // helm's order: load, installable, dependencies present, release name, dependencies
    // processed, values coalesced and validated, then kubeVersion and rendering.
    let chart = match loader::load_path_as(&req.chart, req.compat) {
        // helm 4 reports any archive-level failure of the chart file itself in one sentence.
        Err(LoadError::UnsafeEntry { .. } | LoadError::Archive(_))
            if req.compat == HelmCompat::V4 && req.chart.is_file() =>
        {
            return Err(TemplateError::Invalid("unable to load chart archive".into()));
        }
        other => other?,
    };
    render_loaded(req, chart)
}

/// Renders an already loaded chart (one built in memory) as `helm template` prints it;
/// `req.chart` is not read.
pub fn template_loaded(req: &TemplateRequest, chart: Chart) -> Result<String, TemplateError> {
    let out = render_loaded(req, chart)?.text();
    if req.show_only.is_empty() {
        return Ok(out);
    }
    show_only(&out, &req.show_only)
}

/// `render_release` for an already loaded chart.
pub fn render_loaded(req: &TemplateRequest, chart: Chart) -> Result<RenderedRelease, TemplateError> {
    let (chart, files, notes) = render_loaded_files(req, chart)?;
    let (hooks, manifests) =
        manifest::sort_manifests(files, req.compat).map_err(|e| render_failure(TemplateError::Manifest(e)))?;
    let crds = if req.include_crds {
        chart.crd_objects().into_iter().map(|(path, data)| (path, String::from_utf8_lossy(data).into_owned())).collect()
    } else {
        Vec::new()
    };
    let hooks = if req.no_hooks {
        Vec::new()
    } else {
        hooks.into_iter().filter(|h| !(req.skip_tests && h.is_test())).collect()
    };
    Ok(RenderedRelease { crds, manifests, hooks, notes })
}

/// `helm template` up to rendering: the loaded chart and its rendered files (path → text),
/// before they are split into documents and sorted.
#[cfg(test)]
pub(crate) fn render_files(req: &TemplateRequest) -> Result<(Chart, Vec<(String, String)>), TemplateError> {
    let chart = loader::load_path_as(&req.chart, req.compat)?;
    let (chart, files, _) = render_loaded_files(req, chart)?;
    Ok((chart, files))
}

/// Checks and renders a loaded chart: the chart after dependency processing, its rendered
/// files without NOTES.txt, and the root chart's rendered notes.
fn render_loaded_files(req: &TemplateRequest, mut chart: Chart) -> Result<(Chart, Vec<(String, String)>, String), TemplateError> {
    if !matches!(chart.metadata.chart_type.as_str(), "" | "application") {
        return Err(TemplateError::Invalid(format!("{} charts are not installable", chart.metadata.chart_type)));
    }
    let declared = match req.compat {
        HelmCompat::V4 => !chart.dependencies.is_empty(),
        _ => chart.has_dependencies,
    };
    if declared {
        if let Err(e) = dependencies::check_dependencies(&chart) {
            let prefix = match req.compat {
                HelmCompat::V4 => "an error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies",
                _ => "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies",
            };
            return Err(TemplateError::Invalid(format!("{prefix}: {e}")));
        }
    }
    if !valid_release_name(&req.release_name) {
        return Err(TemplateError::Invalid(format!(
            "release name {:?}: invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53",
            req.release_name
        )));
    }
    let mut warnings = Vec::new();
    dependencies::process_dependencies(&mut chart, &req.values, &mut warnings, req.compat)?;
    let chart = chart;
    let mut caps = Capabilities::default_for(req.compat);
    if let Some(facts) = &req.cluster {
        caps.kube_version = facts.kube_version.clone();
        caps.kube_major_minor = Some((facts.kube_major.clone(), facts.kube_minor.clone()));
        caps.api_versions = facts.api_versions.clone();
    }
    if let Some(v) = &req.kube_version {
        let v = v.trim_start_matches('v');
        caps.kube_version = format!("v{v}");
        caps.kube_major_minor = None;
    }
    caps.api_versions.extend(req.api_versions.iter().cloned());

    let coalesced = values::coalesce_values(&chart, &req.values, &mut warnings, req.compat)?;
    schema::validate_chart(&chart, &coalesced, req.compat).map_err(TemplateError::Invalid)?;
    if !chart.metadata.kube_version.is_empty() {
        check_kube_version(&chart.metadata.kube_version, &caps.kube_version).map_err(render_failure)?;
    }
    let release = ReleaseInfo {
        name: req.release_name.clone(),
        namespace: req.namespace.clone(),
        is_upgrade: req.is_upgrade,
        revision: req.cluster.as_ref().map_or(1, |c| c.revision),
        ..ReleaseInfo::default()
    };
    let mut renderables = Vec::new();
    collect_templates(&chart, true, Value::Map(coalesced), &release, &caps, req.compat, &mut renderables);
    let lookup = req.cluster.as_ref().map(|c| c.lookup.clone());
    let rendered = Engine::new(req.compat).render_with(&renderables, lookup).map_err(|e| render_failure(TemplateError::Render(e.message)))?;

    // NOTES.txt is rendered (a `fail` in it fails the command) but not printed; a release
    // keeps the root chart's.
    let root_notes = format!("{}/templates/NOTES.txt", chart.name());
    let notes = rendered.iter().find(|(name, _)| **name == root_notes).map(|(_, text)| text.clone()).unwrap_or_default();
    let files: Vec<(String, String)> =
        rendered.into_iter().filter(|(name, _)| !name.ends_with("NOTES.txt")).collect();
    Ok((chart, files, notes))
}

/// One document of `helm template`'s output: `---`, its source, the document.
fn push_source(out: &mut String, path: &str, doc: &str) {
    out.push_str("---\n# Source: ");
    out.push_str(path);
    out.push('\n');
    out.push_str(doc);
    out.push('\n');
}

/// A failure once helm has a release to show: `helm template` adds a hint to the error.
fn render_failure(e: TemplateError) -> TemplateError {
    TemplateError::Invalid(format!("{e}\n\nUse --debug flag to render out invalid YAML"))
}

/// `--show-only`: the documents whose source path (without the chart name) matches a pattern.
/// With `--output-dir` helm applies it to the empty remainder, so every pattern is missing.
pub fn show_only(out: &str, patterns: &[String]) -> Result<String, TemplateError> {
    let docs = manifest::split_manifests(out);
    let mut selected = String::new();
    for pattern in patterns {
        let mut missing = true;
        for doc in &docs {
            let Some(source) = doc.lines().find_map(|l| l.strip_prefix("# Source: ")) else { continue };
            let Some((_, path)) = source.split_once('/') else { continue };
            if loader::glob_match(pattern, path) {
                selected.push_str(&format!("---\n{doc}\n"));
                missing = false;
            }
        }
        if missing {
            return Err(TemplateError::Invalid(format!("could not find template {pattern} in chart")));
        }
    }
    Ok(selected)
}

/// helm's `kubeVersion` check.
fn check_kube_version(constraint: &str, kube: &str) -> Result<(), TemplateError> {
    use crate::semver::{Constraints, Version};
    let ok = match (Constraints::parse(constraint), Version::parse(kube)) {
        (Ok(c), Ok(v)) => c.check(&v),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(TemplateError::Invalid(format!(
            "chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {kube}"
        )))
    }
}

/// Every template of a chart tree, ready to render with the coalesced values.
pub fn collect_renderables(
    chart: &Chart,
    values: Map,
    release: &ReleaseInfo,
    caps: &Capabilities,
    compat: HelmCompat,
    out: &mut Vec<Renderable>,
) {
    collect_templates(chart, true, Value::Map(values), release, caps, compat, out);
}

/// helm's `recAllTpls`: every chart's templates with that chart's top-level object.
fn collect_templates(
    chart: &Chart,
    is_root: bool,
    values: Value,
    release: &ReleaseInfo,
    caps: &Capabilities,
    compat: HelmCompat,
    out: &mut Vec<Renderable>,
) -> Map {
    let own = match (&values, is_root) {
        (Value::Map(m), true) => m.clone(),
        (Value::Map(m), false) => match m.get(chart.name()) {
            Some(Value::Map(sub)) => sub,
            _ => Map::new(),
        },
        _ => Map::new(),
    };
    let named = Map::named(objects::values_type(compat));
    for (k, v) in own.entries() {
        named.insert(k, v);
    }
    let files = Files {
        files: chart.files.iter().map(|f| (f.name.clone(), f.data.clone())).collect(),
    };
    let top = objects::top_level(compat, named.clone(), &chart.metadata, is_root, release, caps, &files);
    let subcharts = Map::new();
    for sub in &chart.subcharts {
        let sub_top = collect_templates(sub, false, Value::Map(named.clone()), release, caps, compat, out);
        subcharts.insert(sub.name(), Value::Map(sub_top));
    }
    top.insert("Subcharts", Value::Map(subcharts));
    for t in &chart.templates {
        if chart.is_library() && !t.name.rsplit('/').next().unwrap_or_default().starts_with('_') {
            continue;
        }
        out.push(Renderable {
            name: format!("{}/{}", chart.full_path, t.name),
            // `from_utf8` first: checking valid text that way is much faster than the lossy path.
            text: match std::str::from_utf8(&t.data) {
                Ok(text) => text.to_owned(),
                Err(_) => String::from_utf8_lossy(&t.data).into_owned(),
            },
            top: top.clone(),
            base_path: format!("{}/templates", chart.full_path),
        });
    }
    top
}
