//! The plan of 20,000 objects (issue 8's target: ≤ 2 s; nelm reports ~25 s for 19k): 715
//! releases of the scale chart (benches/fixtures/scale-chart, 28 objects each), already rendered,
//! each with its last release's manifest and its live objects in the apiserver's form; one
//! in ten releases changed. Timed: parsing the last and desired manifests, the three-way diff of
//! every release, `engine::plan::build` and the plan's JSON — everything `diff --output json`
//! does after rendering and the cluster reads.
//!
//! Run: `cargo bench --bench plan`.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use deployer::chart::template::{TemplateRequest, render_loaded};
use deployer::diff::{self, ObjectId, ReleaseInput};
use deployer::engine::diff::UnitDiff;
use deployer::engine::plan::{self, LiveVersions};
use deployer::engine::{Settings, Unit};
use deployer::funcs::HelmCompat;
use deployer::release::Desired;
use deployer::value::{Map, Value};

const RELEASES: usize = 715;

struct Case {
    units: Vec<Unit>,
    /// Per release: the last manifest and the live objects (JSON, as listed).
    last: Vec<String>,
    live: Vec<HashMap<ObjectId, serde_json::Value>>,
    versions: LiveVersions,
}

fn namespace(i: usize) -> String {
    format!("bench-{:02}", i / 20)
}

fn case() -> Case {
    let chart_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures/scale-chart");
    let chart = deployer::chart::loader::load_path_as(&chart_dir, HelmCompat::V3).expect("scale chart loads");
    let mut case = Case { units: Vec::new(), last: Vec::new(), live: Vec::new(), versions: LiveVersions::default() };
    for i in 0..RELEASES {
        let ns = namespace(i);
        let render = |tag: &str| {
            let values = Map::new();
            let image = Map::new();
            image.insert("tag", Value::str(tag));
            values.insert("image", Value::Map(image));
            let req = TemplateRequest {
                release_name: format!("app-{i:04}"),
                chart: chart_dir.clone(),
                namespace: ns.clone(),
                values: values.clone(),
                kube_version: None,
                api_versions: Vec::new(),
                include_crds: false,
                skip_tests: true,
                no_hooks: true,
                is_upgrade: true,
                show_only: Vec::new(),
                compat: HelmCompat::V3,
                cluster: None,
            };
            let rendered = render_loaded(&req, chart.clone()).expect("scale chart renders");
            Desired::from_rendered(&chart, &values, &rendered)
        };
        let last = render("1.0.0");
        let desired = if i % 10 == 0 { render("1.1.0") } else { last.clone() };
        // Live: the last manifest's objects as the apiserver returns them.
        let objects = diff::parse_manifest("last", &last.manifest, &ns, &|_: &str, _: &str| None).expect("parses");
        let mut live = HashMap::new();
        for (k, o) in objects.iter().enumerate() {
            let mut json = serde_json::from_str::<serde_json::Value>(&deployer::funcs::json::marshal(&o.body, false).expect("marshals")).expect("json");
            let meta = json["metadata"].as_object_mut().expect("metadata");
            meta.insert("namespace".into(), ns.clone().into());
            meta.insert("uid".into(), "5f1c3d2e-0000-4000-8000-000000000000".into());
            meta.insert("resourceVersion".into(), format!("{}", 1000 + i * 40 + k).into());
            meta.insert("creationTimestamp".into(), "2026-01-01T00:00:00Z".into());
            meta.insert("managedFields".into(), serde_json::json!([{"manager": "deployer", "operation": "Apply"}]));
            json["status"] = serde_json::json!({"observedGeneration": 1});
            case.versions.listed.insert((None, o.id.group.clone(), o.id.kind.clone(), ns.clone()));
            case.versions.versions.insert((None, o.id.clone()), format!("{}", 1000 + i * 40 + k));
            live.insert(o.id.clone(), json);
        }
        case.last.push(last.manifest.clone());
        case.live.push(live);
        case.units.push(Unit {
            id: format!("{ns}/app-{i:04}"),
            name: format!("app-{i:04}"),
            namespace: ns,
            context: None,
            needs: if i % 4 == 0 { Vec::new() } else { vec![i - 1] },
            installed: true,
            desired: Some(desired),
            crds: Vec::new(),
            settings: Settings::default(),
            hooks: Vec::new(),
        });
    }
    case
}

/// Everything after rendering and the cluster reads: parse, diff, plan, JSON.
fn plan_json(case: &Case) -> (usize, String) {
    let mut diffs = Vec::with_capacity(case.units.len());
    let mut objects = 0;
    for (i, u) in case.units.iter().enumerate() {
        let lookup = |_: &str, _: &str| None;
        let last = diff::parse_manifest("last release", &case.last[i], &u.namespace, &lookup).expect("parses");
        let desired_text = &u.desired.as_ref().expect("desired").manifest;
        let desired = if *desired_text == case.last[i] { last.clone() } else { diff::parse_manifest("desired", desired_text, &u.namespace, &lookup).expect("parses") };
        // Each id converted once, though it is in both manifests (as the engine does).
        let mut live: HashMap<ObjectId, Option<Value>> = HashMap::new();
        for o in last.iter().chain(&desired) {
            live.entry(o.id.clone()).or_insert_with(|| case.live[i].get(&o.id).map(diff::value_from_json));
        }
        let input = ReleaseInput { release: u.name.clone(), namespace: u.namespace.clone(), last, desired, live, dry_run: HashMap::new() };
        let d = diff::diff_release(&input);
        objects += d.objects.len();
        diffs.push(UnitDiff { diff: d, release_changes: false, last: None, text: None });
    }
    let refs: Vec<&UnitDiff> = diffs.iter().collect();
    let plan = plan::build(&case.units, &refs, &case.versions);
    (objects, serde_json::to_string(&plan).expect("plan serialises"))
}

/// CPU time of this thread (Linux's schedstat, ns): steadier than wall time on a shared machine.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(text.split_whitespace().next()?.parse().ok()?))
}

fn bench(c: &mut Criterion) {
    let case = case();
    let start = Instant::now();
    let (objects, json) = plan_json(&case);
    eprintln!("plan of {objects} objects in {} releases: {:.2} s once ({:.1} MiB of JSON)", RELEASES, start.elapsed().as_secs_f64(), json.len() as f64 / 1048576.0);
    let mut cpu: Vec<f64> = (0..5)
        .filter_map(|_| {
            let before = thread_cpu()?;
            black_box(plan_json(&case));
            Some((thread_cpu()? - before).as_secs_f64())
        })
        .collect();
    cpu.sort_by(f64::total_cmp);
    if let Some(median) = cpu.get(cpu.len() / 2) {
        eprintln!("CPU time of the plan, 5 runs: median {median:.2} s (min {:.2} s, max {:.2} s)", cpu[0], cpu[cpu.len() - 1]);
    }
    assert!(objects >= 20_000, "{objects} objects");
    // For comparing two builds' output byte for byte.
    if let Some(path) = std::env::var_os("PLAN_BENCH_JSON") {
        std::fs::write(path, &json).expect("writes the plan");
    }
    let mut g = c.benchmark_group("plan");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("plan_20000_objects", |b| b.iter(|| black_box(plan_json(&case))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
