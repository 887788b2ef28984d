//! The bench chart (benches/fixtures/bench-chart) loaded the way helm hands it to its engine:
//! values from values.yaml typed as helm types them, `.Chart` from Chart.yaml, release `rel` in
//! namespace `prod`, helm 3.15.3's default capabilities. Shared by the criterion bench
//! (`engine`) and the side-by-side runner (`engine_compare`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use deployer::chart::objects::{self, Capabilities, ChartMeta, Files, ReleaseInfo};
use deployer::chart::{Engine, Renderable};
use deployer::funcs::{HelmCompat, HelmOptions};
use deployer::gotmpl::{MissingKey, Options, Template};
use deployer::value::{Map, Value};

pub const COMPAT: HelmCompat = HelmCompat::V3;

pub fn chart_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures/bench-chart")
}

/// The chart's templates: (name as helm names it, text), sorted by name.
pub fn template_texts(dir: &Path) -> Vec<(String, String)> {
    let chart_name = "bench";
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir.join("templates")).expect("templates dir") {
        let path = entry.expect("entry").path();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).expect("template text");
        out.push((format!("{chart_name}/templates/{file}"), text));
    }
    out.sort();
    out
}

fn str_field(m: &Map, k: &str) -> String {
    m.get(k).and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The top-level object of the chart: what helm's `ToRenderValues` builds.
pub fn top_level(dir: &Path) -> Map {
    let meta = match deployer::yaml::parse_values(&std::fs::read_to_string(dir.join("Chart.yaml")).unwrap()) {
        Ok(Value::Map(m)) => m,
        other => panic!("Chart.yaml: {other:?}"),
    };
    let chart = ChartMeta {
        name: str_field(&meta, "name"),
        version: str_field(&meta, "version"),
        app_version: str_field(&meta, "appVersion"),
        api_version: str_field(&meta, "apiVersion"),
        description: str_field(&meta, "description"),
        kube_version: str_field(&meta, "kubeVersion"),
        chart_type: str_field(&meta, "type"),
        ..ChartMeta::default()
    };
    let values = match deployer::yaml::parse_values(&std::fs::read_to_string(dir.join("values.yaml")).unwrap()) {
        Ok(Value::Map(m)) => m,
        other => panic!("values.yaml: {other:?}"),
    };
    let named = Map::named(objects::values_type(COMPAT));
    for (k, v) in values.entries() {
        named.insert(k, v);
    }
    let release = ReleaseInfo { name: "rel".into(), namespace: "prod".into(), ..ReleaseInfo::default() };
    objects::top_level(COMPAT, named, &chart, true, &release, &Capabilities::default_for(COMPAT), &Files::default())
}

pub fn renderables(dir: &Path) -> Vec<Renderable> {
    let top = top_level(dir);
    template_texts(dir)
        .into_iter()
        .map(|(name, text)| Renderable { name, text, top: top.clone(), base_path: "bench/templates".into() })
        .collect()
}

/// A full `Engine::render` (function map, parse, execute), as helm's `engine.Render`.
pub fn render_full(rs: &[Renderable]) -> std::collections::BTreeMap<String, String> {
    Engine::new(COMPAT).render(rs).expect("bench chart renders")
}

/// The template set `Engine::render` builds, parsed once: helm 3's function map and options.
pub fn parsed_set(texts: &[(String, String)]) -> Template {
    let mut set = new_set();
    for (name, text) in texts {
        set.parse(name, text).expect("bench chart parses");
    }
    set
}

pub fn new_set() -> Template {
    let options = HelmOptions { compat: COMPAT, ..HelmOptions::default() };
    let mut funcs = deployer::funcs::sprig_funcs(COMPAT);
    deployer::funcs::helm::register(&mut funcs, options);
    Template::new("gotpl", funcs).with_options(Options {
        missing_key: MissingKey::Zero,
        range_over_int: false,
        else_with: false,
        ..Options::default()
    })
}

/// Executes every non-partial template of an already parsed set, as `Engine::render`'s loop
/// does (`.Template` set per template, `<no value>` removed). Returns total bytes rendered.
pub fn execute_all(set: &Template, rs: &[Renderable]) -> usize {
    let mut total = 0;
    for r in rs {
        let base = r.name.rsplit('/').next().unwrap_or(&r.name);
        if base.starts_with('_') {
            continue;
        }
        let template = Map::new();
        template.insert("Name", Value::str(r.name.as_str()));
        template.insert("BasePath", Value::str(r.base_path.as_str()));
        r.top.insert("Template", Value::Map(template));
        let mut out = String::new();
        set.execute(&r.name, &Value::Map(r.top.clone()), &mut out).expect("bench chart executes");
        total += out.replace("<no value>", "").len();
    }
    total
}
