//! The diff's noise-freedom against the real kube-apiserver: every test chart is rendered,
//! applied server-side with kubectl, read back, and diffed — last release = desired = what was
//! applied, live = what the apiserver returns. Nothing may show, in fast mode (live read through
//! the manifest's fields) or in exact mode (server-side dry-run results). Then a changed value
//! and a `kubectl scale` must show as exactly one change and one drift.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use deployer::chart::template::{TemplateRequest, render_release};
use deployer::diff::{self, ChangeKind, Drift, Object, ReleaseInput, RenderOptions};
use deployer::funcs::HelmCompat;
use deployer::value::{Map, Value};

/// Kinds this test does not create: they would change the shared cluster for everyone.
const SKIPPED_KINDS: &[&str] =
    &["Namespace", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService", "CustomResourceDefinition"];

fn kubectl(args: &[&str]) -> std::process::Output {
    common::run(Command::new(common::var("DEPLOYER_TEST_KUBECTL")).args(args))
}

fn render(chart: &Path, release: &str, namespace: &str, values: Map) -> Option<Vec<Object>> {
    let req = TemplateRequest {
        release_name: release.into(),
        chart: chart.to_path_buf(),
        namespace: namespace.into(),
        values,
        // The test cluster's versions, so charts pick the APIs it serves.
        kube_version: Some("1.33.0".into()),
        api_versions: vec!["networking.k8s.io/v1/Ingress".into(), "policy/v1/PodDisruptionBudget".into(), "autoscaling/v2/HorizontalPodAutoscaler".into(), "batch/v1/CronJob".into()],
        include_crds: false,
        skip_tests: true,
        no_hooks: true,
        is_upgrade: false,
        cluster: None,
        show_only: Vec::new(),
        compat: HelmCompat::V3,
    };
    let rendered = render_release(&req).ok()?;
    let text: String = rendered.manifests.iter().map(|m| format!("---\n# Source: {}\n{}\n", m.path, m.content)).collect();
    let objects = diff::parse_manifest("desired", &text, namespace, &|_: &str, _: &str| None).ok()?;
    Some(objects.into_iter().filter(|o| !SKIPPED_KINDS.contains(&o.id.kind.as_str())).collect())
}

fn manifest_text(objects: &[Object]) -> String {
    objects.iter().map(|o| format!("---\n{}\n", deployer::yaml::to_yaml(&o.body))).collect()
}

/// Applies objects one by one (server-side, manager `deployer`); returns those the apiserver
/// accepted (charts may hold kinds whose CRDs this cluster lacks).
fn apply(objects: &[Object], dir: &Path, namespace: &str) -> Vec<Object> {
    let mut ok = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        let file = dir.join(format!("obj-{i}.yaml"));
        std::fs::write(&file, manifest_text(std::slice::from_ref(o))).expect("write object");
        let out = kubectl(&["apply", "--server-side", "--field-manager=deployer", "-n", namespace, "-f", file.to_str().expect("utf-8 path")]);
        if out.status.success() {
            ok.push(o.clone());
        } else {
            eprintln!("  not applied {}: {}", o.id, common::text(&out).trim());
        }
    }
    ok
}

/// `kubectl get -f` / `kubectl apply --dry-run=server -o json` results by id.
fn read_list(out: std::process::Output, namespace: &str) -> HashMap<diff::ObjectId, Value> {
    assert!(out.status.success(), "kubectl failed: {}", common::text(&out));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("kubectl JSON");
    let items: Vec<serde_json::Value> = match j.get("items") {
        Some(serde_json::Value::Array(items)) => items.clone(),
        _ => vec![j],
    };
    let values: Vec<(Option<String>, Value)> = items.iter().map(|i| (None, diff::value_from_json(i))).collect();
    diff::objects_from_values("live", values, namespace, &|_: &str, _: &str| None)
        .expect("live objects")
        .into_iter()
        .map(|o| (o.id, o.body))
        .collect()
}

fn live_of(objects: &[Object], dir: &Path, namespace: &str) -> HashMap<diff::ObjectId, Value> {
    let file = dir.join("all.yaml");
    std::fs::write(&file, manifest_text(objects)).expect("write manifest");
    read_list(kubectl(&["get", "-n", namespace, "-o", "json", "-f", file.to_str().expect("utf-8 path")]), namespace)
}

fn dry_run_of(objects: &[Object], dir: &Path, namespace: &str) -> HashMap<diff::ObjectId, Value> {
    let file = dir.join("dry.yaml");
    std::fs::write(&file, manifest_text(objects)).expect("write manifest");
    read_list(
        kubectl(&[
            "apply", "--server-side", "--force-conflicts", "--field-manager=deployer", "--dry-run=server", "-n", namespace, "-o", "json", "-f",
            file.to_str().expect("utf-8 path"),
        ]),
        namespace,
    )
}

fn input(last: &[Object], desired: &[Object], live: &HashMap<diff::ObjectId, Value>, dry_run: HashMap<diff::ObjectId, Value>, namespace: &str) -> ReleaseInput {
    ReleaseInput {
        release: "rel".into(),
        namespace: namespace.into(),
        last: last.to_vec(),
        desired: desired.to_vec(),
        live: last.iter().chain(desired).map(|o| (o.id.clone(), live.get(&o.id).cloned())).collect(),
        dry_run,
    }
}

fn shown(d: &diff::ReleaseDiff) -> String {
    diff::render_text(d, &RenderOptions::default())
}

#[test]
fn applied_charts_show_no_diff() {
    let Some(_env) = common::TestEnv::get("diff_live") else {
        return;
    };
    let tag = std::process::id();
    let work = std::env::temp_dir().join(format!("deployer-diff-live-{tag}"));
    std::fs::create_dir_all(&work).expect("temp dir");
    let charts = common::repo_root().join("testdata/charts");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&charts).expect("charts").map(|e| e.expect("entry").path()).collect();
    dirs.sort();
    // The bench chart: a realistic `common`-style chart (Deployments with probes, resources,
    // env, HPA, PDB, Ingress, CronJob, NetworkPolicy, RBAC).
    dirs.push(common::repo_root().join("benches/fixtures/bench-chart"));
    let mut compared = 0;
    let mut failures = Vec::new();
    for chart in dirs.into_iter().filter(|p| p.join("Chart.yaml").is_file()) {
        let name = chart.file_name().expect("name").to_string_lossy().to_string();
        let namespace = format!("dl-{tag}-{name}").chars().take(63).collect::<String>();
        let release = format!("dl{tag}");
        let Some(objects) = render(&chart, &release, &namespace, Map::new()) else {
            continue;
        };
        if objects.is_empty() {
            continue;
        }
        kubectl(&["create", "namespace", &namespace]);
        let dir = work.join(&name);
        std::fs::create_dir_all(&dir).expect("chart dir");
        let applied = apply(&objects, &dir, &namespace);
        if applied.is_empty() {
            continue;
        }
        let live = live_of(&applied, &dir, &namespace);
        let fast = diff::diff_release(&input(&applied, &applied, &live, HashMap::new(), &namespace));
        if fast.has_changes() || fast.has_drift() {
            failures.push(format!("{name} (fast):\n{}", shown(&fast)));
        }
        let exact = diff::diff_release(&input(&applied, &applied, &live, dry_run_of(&applied, &dir, &namespace), &namespace));
        if exact.has_changes() || exact.has_drift() {
            failures.push(format!("{name} (exact):\n{}", shown(&exact)));
        }
        compared += applied.len();
        // Cluster-scoped objects outlive the namespace: delete them by file.
        let file = dir.join("all.yaml");
        kubectl(&["delete", "--wait=false", "--ignore-not-found", "-n", &namespace, "-f", file.to_str().expect("utf-8 path")]);
        kubectl(&["delete", "namespace", "--wait=false", &namespace]);
    }
    let _ = std::fs::remove_dir_all(&work);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(compared >= 30, "only {compared} objects compared");
    eprintln!("diff_live: {compared} applied objects, no diff in fast and exact mode");
}

#[test]
fn a_changed_value_and_a_scale_show_as_change_and_drift() {
    let Some(_env) = common::TestEnv::get("diff_live") else {
        return;
    };
    let tag = std::process::id();
    let namespace = format!("dl-{tag}-change");
    let work = std::env::temp_dir().join(format!("deployer-diff-change-{tag}"));
    std::fs::create_dir_all(&work).expect("temp dir");
    let chart = common::repo_root().join("testdata/charts/web");
    let release = format!("dc{tag}");
    let last = render(&chart, &release, &namespace, Map::new()).expect("web renders");
    kubectl(&["create", "namespace", &namespace]);
    let last = apply(&last, &work, &namespace);
    let deployment = last.iter().find(|o| o.id.kind == "Deployment").expect("web has a Deployment").id.clone();
    let scaled = kubectl(&["scale", "-n", &namespace, "deployment", &deployment.name, "--replicas=5"]);
    assert!(scaled.status.success(), "{}", common::text(&scaled));

    let values = Map::new();
    let image = Map::new();
    image.insert("tag", Value::str("9.9.9"));
    values.insert("image", Value::Map(image));
    let desired = render(&chart, &release, &namespace, values).expect("web renders");
    let live = live_of(&last, &work, &namespace);
    for exact in [false, true] {
        let dry_run = if exact { dry_run_of(&desired, &work, &namespace) } else { HashMap::new() };
        let d = diff::diff_release(&input(&last, &desired, &live, dry_run, &namespace));
        let text = shown(&d);
        let changed: Vec<_> = d.objects.iter().filter(|o| o.change != ChangeKind::Unchanged).map(|o| o.id.clone()).collect();
        assert_eq!(changed, vec![deployment.clone()], "exact={exact}:\n{text}");
        assert!(text.contains("-   replicas: 5") && text.contains("9.9.9"), "exact={exact}:\n{text}");
        let drifted: Vec<_> = d.objects.iter().filter(|o| o.drift.is_some()).collect();
        assert_eq!(drifted.len(), 1, "exact={exact}:\n{text}");
        assert!(matches!(drifted[0].drift, Some(Drift::Modified { .. })), "{text}");
        assert!(text.contains("has drifted from the last release:\n") && text.contains("+   replicas: 5"), "{text}");
    }
    kubectl(&["delete", "namespace", "--wait=false", &namespace]);
    let _ = std::fs::remove_dir_all(&work);
}
