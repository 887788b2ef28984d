//! Criterion benchmarks of the three-way diff on 5,000 objects: the bench chart's 56 rendered
//! objects, copied under new names until there are 5,000, with live objects in the form the
//! apiserver returns them (JSON integers, status, managedFields, bookkeeping annotations,
//! defaulted container fields).
//!
//! - `diff/parse_manifest_5000`: splitting and parsing the 5,000-object manifest text
//! - `diff/fast_unchanged_5000`: `diff_release` of an unchanged release (the common case)
//! - `diff/fast_changed_5000`: every 10th object changed, with `render_text` of the result
//! - `diff/exact_5000`: dry-run results for every object (exact mode), every 10th changed
//!
//! Run: `cargo bench --bench diff`.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use deployer::chart::template::{TemplateRequest, render_release};
use deployer::diff::{self, Object, ObjectId, ReleaseInput, RenderOptions};
use deployer::funcs::HelmCompat;
use deployer::value::{Map, Value};

const OBJECTS: usize = 5_000;

/// 5,000 objects' manifest text: copies of the bench chart's output under new names.
fn rendered_manifest() -> String {
    let req = TemplateRequest {
        release_name: "rel".into(),
        chart: Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures/bench-chart"),
        namespace: "prod".into(),
        values: Map::new(),
        kube_version: None,
        api_versions: Vec::new(),
        include_crds: false,
        skip_tests: true,
        no_hooks: true,
        is_upgrade: false,
        cluster: None,
        show_only: Vec::new(),
        compat: HelmCompat::V3,
    };
    let release = render_release(&req).expect("bench chart renders");
    let one: String = release.manifests.iter().map(|m| format!("---\n# Source: {}\n{}\n", m.path, m.content)).collect();
    let mut all = Vec::new();
    for copy in 0.. {
        // Every copy gets its own names: `name: rel-bench-…` → `name: c7-rel-bench-…`.
        let renamed = one.replace("\n  name: ", &format!("\n  name: c{copy}-"));
        all.extend(objects(&renamed));
        if all.len() >= OBJECTS {
            break;
        }
    }
    all.truncate(OBJECTS);
    all.iter()
        .map(|o| format!("---\n# Source: {}\n{}", o.source.as_deref().unwrap_or(""), deployer::yaml::to_yaml(&o.body) + "\n"))
        .collect()
}

fn objects(text: &str) -> Vec<Object> {
    diff::parse_manifest("desired", text, "prod", &|_: &str, _: &str| None).expect("manifest parses")
}

/// The object as the apiserver returns it after an apply.
fn server_form(o: &Object) -> Value {
    let json = deployer::funcs::json::marshal(&o.body, false).expect("object marshals");
    let live = diff::value_from_json(&serde_json::from_str(&json).expect("JSON"));
    fn defaults(v: &Value) {
        match v {
            Value::Map(m) => {
                if m.contains_key("image") && m.contains_key("name") && !m.contains_key("imagePullPolicy") {
                    m.insert("imagePullPolicy", Value::str("IfNotPresent"));
                    m.insert("terminationMessagePath", Value::str("/dev/termination-log"));
                }
                for (_, x) in m.entries() {
                    defaults(&x);
                }
            }
            Value::List(l) => l.items.iter().for_each(defaults),
            _ => {}
        }
    }
    defaults(&live);
    if let Value::Map(m) = &live {
        if let Some(Value::Map(meta)) = m.get("metadata") {
            meta.insert("namespace", Value::str("prod"));
            meta.insert("uid", Value::str("5f1c3d2e-0000-4000-8000-000000000000"));
            meta.insert("resourceVersion", Value::str("123456"));
            meta.insert("creationTimestamp", Value::str("2026-01-01T00:00:00Z"));
            let field = Map::new();
            field.insert("manager", Value::str("deployer"));
            field.insert("operation", Value::str("Apply"));
            meta.insert("managedFields", Value::list(vec![Value::Map(field)]));
        }
        let status = Map::new();
        status.insert("observedGeneration", Value::Int64(1));
        m.insert("status", Value::Map(status));
    }
    live
}

/// Every 10th object with a new label: what a chart upgrade that touches some objects looks like.
fn changed(objects: &[Object]) -> Vec<Object> {
    objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let mut o = o.clone();
            if i % 10 == 0 {
                o.body = o.body.deep_copy();
                if let Some(Value::Map(meta)) = o.body.as_map().and_then(|m| m.get("metadata")) {
                    let labels = match meta.get("labels") {
                        Some(Value::Map(l)) => l,
                        _ => {
                            let l = Map::new();
                            meta.insert("labels", Value::Map(l.clone()));
                            l
                        }
                    };
                    labels.insert("version", Value::str("2"));
                }
            }
            o
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let text = rendered_manifest();
    let last = objects(&text);
    assert_eq!(last.len(), OBJECTS);
    let live: HashMap<ObjectId, Option<Value>> = last.iter().map(|o| (o.id.clone(), Some(server_form(o)))).collect();
    let desired = changed(&last);
    let unchanged = ReleaseInput {
        release: "rel".into(),
        namespace: "prod".into(),
        last: last.clone(),
        desired: last.clone(),
        live: live.clone(),
        dry_run: HashMap::new(),
    };
    assert!(!diff::diff_release(&unchanged).has_changes(), "an unchanged release shows no diff");
    let upgrade = ReleaseInput { desired: desired.clone(), ..unchanged.clone() };
    let dry_run: HashMap<ObjectId, Value> = desired.iter().map(|o| (o.id.clone(), server_form(o))).collect();
    let exact = ReleaseInput { dry_run, ..upgrade.clone() };
    assert_eq!(diff::diff_release(&upgrade).counts().change, OBJECTS / 10);
    assert_eq!(diff::diff_release(&exact).counts().change, OBJECTS / 10);

    // CPU time per run (user + system, from /proc/self/stat): what the machine's load does not
    // inflate, unlike criterion's wall-clock figures on a shared machine.
    for (name, input) in [("fast_unchanged_5000", &unchanged), ("fast_changed_5000", &upgrade), ("exact_5000", &exact)] {
        let runs = 20;
        let before = cpu_ticks();
        for _ in 0..runs {
            black_box(diff::diff_release(input));
        }
        let ticks = cpu_ticks().saturating_sub(before);
        eprintln!("cpu time diff/{name}: {:.0} ms per run ({runs} runs)", ticks as f64 * 10.0 / runs as f64);
    }

    let mut g = c.benchmark_group("diff");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("parse_manifest_5000", |b| b.iter(|| black_box(objects(&text))));
    g.bench_function("fast_unchanged_5000", |b| b.iter(|| black_box(diff::diff_release(&unchanged))));
    g.bench_function("fast_changed_5000", |b| {
        b.iter(|| {
            let d = diff::diff_release(&upgrade);
            black_box(diff::render_text(&d, &RenderOptions { context: Some(3), ..RenderOptions::default() }))
        })
    });
    g.bench_function("exact_5000", |b| b.iter(|| black_box(diff::diff_release(&exact))));
    g.finish();
}

/// utime + stime of this process in clock ticks (100 per second on Linux), 0 where unknown.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)` part: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    field(14) + field(15)
}

criterion_group!(benches, bench);
criterion_main!(benches);
