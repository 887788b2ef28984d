//! The main flow, `deployer -e dev diff|apply|sync|destroy|status|test`, against the real
//! kube-apiserver (kwok makes Pods ready and hook Jobs complete) with the real helm 3 reading
//! what deployer wrote. Each test copies its example into a temp dir with a namespace of its
//! own and removes everything at the end.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use common::{NamespaceCleanup as Cleanup, TestEnv, run, text};

fn tag() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{:06x}", (n ^ (std::process::id() << 8)) & 0xffffff)
}

/// The example copied to a temp dir with `from` (its namespace) replaced by `ns`.
fn example(name: &str, from: &str, ns: &str) -> PathBuf {
    common::example_copy(name, from, ns, "engine")
}

fn deployer(dir: &Path, args: &[&str]) -> Output {
    let bin = env!("CARGO_BIN_EXE_deployer");
    run(Command::new(bin).arg("-f").arg(dir).args(args).env("NO_COLOR", "1"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn helm_json(env: &TestEnv, args: &[&str]) -> serde_json::Value {
    let out = run(Command::new(env.tool("DEPLOYER_TEST_HELM3")).args(args).args(["-o", "json"]));
    assert!(out.status.success(), "helm {args:?}: {}", text(&out));
    serde_json::from_slice(&out.stdout).expect("helm json")
}

#[test]
fn quickstart_apply_diff_change_apply_destroy() {
    let Some(env) = TestEnv::get("engine_apply") else { return };
    let ns = format!("eq-{}", tag());
    let _cleanup = Cleanup { kubectl: env.tool("DEPLOYER_TEST_KUBECTL"), ns: ns.clone() };
    let dir = example("quickstart", "quickstart", &ns);

    let t = Instant::now();
    let out = deployer(&dir, &["-e", "dev", "apply"]);
    let apply_first = t.elapsed();
    assert!(out.status.success(), "apply: {}", text(&out));
    let list = helm_json(&env, &["list", "-n", &ns]);
    let names: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["hello-api", "hello-web"], "{list}");
    assert!(list.as_array().unwrap().iter().all(|r| r["status"] == "deployed" && r["revision"] == "1"), "{list}");

    // The invariant: right after apply, nothing to show.
    let t = Instant::now();
    let out = deployer(&dir, &["-e", "dev", "diff", "--detailed-exitcode"]);
    let diff_clean = t.elapsed();
    assert_eq!(out.status.code(), Some(0), "diff after apply: {}", text(&out));
    assert_eq!(stdout(&out), "", "diff after apply must print nothing");

    // One value changed: exactly that line, exit 2.
    let change = ["-e", "dev", "--state-values-set", "webReplicas=5"];
    let out = deployer(&dir, &[&change[..], &["diff", "--detailed-exitcode", "--context", "2"]].concat());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let shown = stdout(&out);
    let changed: Vec<&str> = shown.lines().filter(|l| l.starts_with('+') || l.starts_with('-')).collect();
    assert_eq!(changed, ["-   replicas: 1", "+   replicas: 5"], "{shown}");
    assert!(shown.contains(&format!("{ns}, hello-web, Deployment (apps) has changed:")), "{shown}");
    assert!(!shown.contains("hello-api"), "{shown}");
    let json = deployer(&dir, &[&change[..], &["diff", "-o", "json"]].concat());
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json diff");
    let reports = &plan["releases"];
    assert_eq!(reports[0]["changes"][0]["kind"], "Deployment", "{reports}");
    assert_eq!(reports[1]["changes"].as_array().map(Vec::len), Some(0), "{reports}");

    let out = deployer(&dir, &[&change[..], &["apply"]].concat());
    assert!(out.status.success(), "{}", text(&out));
    let out = deployer(&dir, &[&change[..], &["diff", "--detailed-exitcode"]].concat());
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()), "{}", text(&out));

    // helm sees deployer's revisions; the unchanged release got no new one.
    let history = helm_json(&env, &["history", "hello-web", "-n", &ns]);
    let statuses: Vec<&str> = history.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["superseded", "deployed"], "{history}");
    assert_eq!(helm_json(&env, &["history", "hello-api", "-n", &ns]).as_array().map(Vec::len), Some(1));

    let out = deployer(&dir, &["-e", "dev", "status", "-o", "json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status json");
    assert_eq!(status[0]["revision"], 2, "{status}");

    let out = deployer(&dir, &["-e", "dev", "destroy"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(helm_json(&env, &["list", "-n", &ns]), serde_json::json!([]));
    let left = run(Command::new(env.tool("DEPLOYER_TEST_KUBECTL")).args(["get", "deploy,svc,cm,secret", "-n", &ns, "-o", "name"]));
    let left: Vec<String> = stdout(&left).lines().filter(|l| !l.contains("kube-root-ca")).map(str::to_string).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    eprintln!("engine_apply: quickstart first apply {apply_first:?}, clean diff {diff_clean:?}");
}

#[test]
fn needs_hooks_wait_test_and_destroy() {
    let Some(env) = TestEnv::get("engine_apply") else { return };
    let ns = format!("eh-{}", tag());
    let kubectl = env.tool("DEPLOYER_TEST_KUBECTL");
    let _cleanup = Cleanup { kubectl: kubectl.clone(), ns: ns.clone() };
    let dir = example("engine-hooks", "engine-demo", &ns);
    let t = Instant::now();
    let out = deployer(&dir, &["sync", "--concurrency", "4"]);
    let took = t.elapsed();
    assert!(out.status.success(), "sync: {}", text(&out));
    // needs order: db, then api, then web (progress lines on stderr)
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    let at = |s: &str| log.find(s).unwrap_or_else(|| panic!("{s:?} not in {log}"));
    assert!(at("db: installed") < at("api: installing") && at("api: installed") < at("web: installing"), "{log}");
    // helmfile hook ran once, for api
    assert_eq!(std::fs::read_to_string(dir.join("presync.log")).unwrap_or_default(), "presync api\n");
    let objects = run(Command::new(&kubectl).args(["get", "jobs,cm", "-n", &ns, "-o", "name"]));
    let names = stdout(&objects);
    for want in ["configmap/db-installed", "configmap/web-installed", "configmap/api-settings"] {
        assert!(names.contains(want), "{want} missing: {names}");
    }
    assert!(!names.contains("job.batch/db-migrate"), "hook-succeeded Job must be deleted: {names}");
    // hooks recorded as helm records them
    let rel = helm_json(&env, &["status", "db", "-n", &ns]);
    let hooks = rel["hooks"].as_array().expect("hooks");
    let migrate = hooks.iter().find(|h| h["name"] == "db-migrate").expect("migrate hook");
    assert_eq!(migrate["last_run"]["phase"], "Succeeded", "{migrate}");

    let out = deployer(&dir, &["test", "-l", "name=web"]);
    assert!(out.status.success(), "test: {}", text(&out));
    let rel = helm_json(&env, &["status", "web", "-n", &ns]);
    let smoke = rel["hooks"].as_array().unwrap().iter().find(|h| h["name"] == "web-smoke").cloned().expect("smoke");
    assert_eq!(smoke["last_run"]["phase"], "Succeeded", "{smoke}");

    // no change → apply does nothing
    let out = deployer(&dir, &["apply"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(helm_json(&env, &["history", "db", "-n", &ns]).as_array().map(Vec::len), Some(1));

    let out = deployer(&dir, &["destroy"]);
    assert!(out.status.success(), "{}", text(&out));
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(log.find("web: uninstalled") < log.find("db: uninstalling"), "reverse order: {log}");
    assert_eq!(helm_json(&env, &["list", "-n", &ns]), serde_json::json!([]));
    eprintln!("engine_apply: hooks example sync {took:?}");
}

#[test]
fn faults_concurrent_rbac_and_invalid_objects() {
    let Some(env) = TestEnv::get("engine_apply") else { return };
    let ns = format!("ef-{}", tag());
    let kubectl = env.tool("DEPLOYER_TEST_KUBECTL");
    let _cleanup = Cleanup { kubectl: kubectl.clone(), ns: ns.clone() };
    let dir = example("quickstart", "quickstart", &ns);

    // RBAC: the limited user may not read releases (rendering needs their history, as helm's
    // does), create namespaces nor write outside its own namespace.
    let out = deployer(&dir, &["-e", "dev", "--kube-context", "limited", "sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out);
    assert!(err.contains("forbidden") && (err.contains("create") || err.contains("list")) && err.contains("amespace"), "{err}");

    let out = deployer(&dir, &["-e", "dev", "sync"]);
    assert!(out.status.success(), "{}", text(&out));

    // An invalid object fails the release naming the object and the field; history stays.
    let out = deployer(&dir, &["-e", "dev", "--state-values-set", "webReplicas=-1", "sync", "-l", "name=hello-web"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out);
    assert!(err.contains("Deployment/hello-web") && err.contains("spec.replicas"), "{err}");
    let history = helm_json(&env, &["history", "hello-web", "-n", &ns]);
    let statuses: Vec<&str> = history.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["deployed", "failed"], "{history}");

    // Two applies at once on one release: while the first holds the release (pending), the
    // second is refused and writes nothing. The first is held by a pre-upgrade hook Pod that
    // cannot be scheduled, and gives up after its timeout.
    let hook = dir.join("charts/hello/templates/hold.yaml");
    std::fs::write(
        &hook,
        "{{- if .Values.hold }}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: hold\n  annotations:\n    helm.sh/hook: pre-upgrade\nspec:\n  nodeSelector:\n    nowhere: \"true\"\n  containers:\n    - name: c\n      image: example.invalid/x:1\n{{- end }}\n",
    )
    .expect("hook");
    let bin = env!("CARGO_BIN_EXE_deployer");
    let first = Command::new(bin)
        .arg("-f")
        .arg(&dir)
        .args(["-e", "dev", "-l", "name=hello-api", "--state-values-set", "apiReplicas=2", "sync", "--set", "hold=true", "--timeout", "8"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // wait for the pending record
    let deadline = Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let h = helm_json(&env, &["history", "hello-api", "-n", &ns]);
        if h.as_array().and_then(|a| a.last()).is_some_and(|r| r["status"] == "pending-upgrade") {
            break;
        }
        assert!(Instant::now() < deadline, "first apply never became pending: {h}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let second = deployer(&dir, &["-e", "dev", "-l", "name=hello-api", "--state-values-set", "apiReplicas=3", "apply"]);
    assert_eq!(second.status.code(), Some(1));
    let err = text(&second);
    assert!(err.contains("another operation") && err.contains("in progress"), "{err}");
    let first = first.wait_with_output().expect("first");
    assert_eq!(first.status.code(), Some(1), "the held apply times out");
    assert!(String::from_utf8_lossy(&first.stderr).contains("timed out"), "{}", String::from_utf8_lossy(&first.stderr));
    let history = helm_json(&env, &["history", "hello-api", "-n", &ns]);
    let statuses: Vec<&str> = history.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["deployed", "failed"], "nothing half-written by the refused apply: {history}");
    let cm = run(Command::new(&kubectl).args(["get", "deploy", "hello-api", "-n", &ns, "-o", "jsonpath={.spec.replicas}"]));
    assert_eq!(stdout(&cm), "1", "the refused apply changed nothing");
    // and the next apply converges
    std::fs::remove_file(&hook).expect("rm hook");
    let out = deployer(&dir, &["-e", "dev", "apply"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = deployer(&dir, &["-e", "dev", "diff", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = deployer(&dir, &["-e", "dev", "destroy"]);
    assert!(out.status.success(), "{}", text(&out));
}

/// A patched release (strategic merge, JSON 6902, a label transformer): the cluster gets the
/// patched objects, a diff right after is empty, and helm sees the chart's own metadata.
#[test]
fn patched_release_applies_patched_objects() {
    let Some(env) = TestEnv::get("engine_apply") else { return };
    let ns = format!("ep-{}", tag());
    let kubectl = env.tool("DEPLOYER_TEST_KUBECTL");
    let _cleanup = Cleanup { kubectl: kubectl.clone(), ns: ns.clone() };
    let dir = example("patched", "namespace: patched", &format!("namespace: {ns}"));

    let out = deployer(&dir, &["apply"]);
    assert!(out.status.success(), "apply: {}", text(&out));
    let get = |what: &str, path: &str| stdout(&run(Command::new(&kubectl).args(["get", what, "-n", &ns, "-o", &format!("jsonpath={path}")])));
    assert_eq!(get("deploy/patched-api", "{.spec.replicas} {.spec.template.spec.containers[*].name} {.metadata.labels.owner}"), "2 api platform");
    assert_eq!(get("cm/patched-api-config", "{.data.mode} {.metadata.labels.owner}"), "patched platform");

    let out = deployer(&dir, &["diff", "--detailed-exitcode"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()), "{}", text(&out));
    let list = helm_json(&env, &["list", "-n", &ns]);
    assert_eq!((list[0]["chart"].as_str(), list[0]["app_version"].as_str()), (Some("api-1.0.0"), Some("3.1")), "{list}");

    let out = deployer(&dir, &["destroy"]);
    assert!(out.status.success(), "destroy: {}", text(&out));
}
