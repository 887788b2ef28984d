//! `src/kube` and `src/release` against the real kube-apiserver of the test environment and the
//! real helm 3.15.3 / 4.1.4: server-side apply, conflicts, RBAC errors, discovery; helm's release
//! records both ways (helm installs → deployer reads, upgrades, rolls back, uninstalls; deployer
//! installs → helm lists, gets, upgrades, rolls back); the pending lock, history-max and the size
//! limit. Each test works in its own namespace `kr-<test>-<random>` and deletes it at the end.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use deployer::kube::{ApplyOptions, Cluster, KubeError, KubeTarget, ObjectRef};
use deployer::release::{self, DeployOptions, Desired, OpError, ReleaseStore, Status, StoreError};
use serde_json::json;

use common::{TestEnv, run, text};

fn rt() -> tokio::runtime::Runtime {
    deployer::kube::runtime().expect("tokio runtime")
}

/// A namespace of our own, deleted when dropped.
struct Namespace {
    name: String,
    kubectl: PathBuf,
}

impl Namespace {
    fn new(env: &TestEnv, test: &str) -> Namespace {
        let name = format!("kr-{test}-{:08x}", rand_u32());
        let kubectl = env.tool("DEPLOYER_TEST_KUBECTL");
        let out = run(Command::new(&kubectl).args(["--context", "admin", "create", "namespace", &name]));
        assert!(out.status.success(), "{}", text(&out));
        Namespace { name, kubectl }
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new(&self.kubectl)
            .args(["--context", "admin", "delete", "namespace", &self.name, "--wait=false"])
            .output();
    }
}

fn rand_u32() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    n ^ (std::process::id() << 12)
}

async fn cluster(context: &str) -> Cluster {
    Cluster::connect(&KubeTarget { kubeconfig: None, context: Some(context.into()) }).await.expect("connect")
}

fn configmap(name: &str, data: serde_json::Value) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
}

fn cm_ref(ns: &str, name: &str) -> ObjectRef {
    ObjectRef { api_version: "v1".into(), kind: "ConfigMap".into(), namespace: Some(ns.into()), name: name.into() }
}

#[test]
fn server_side_apply_conflicts_rbac_and_discovery() {
    let Some(env) = TestEnv::get("kube_release") else { return };
    let ns = Namespace::new(&env, "kube");
    rt().block_on(async {
        let admin = cluster("admin").await;
        let mine = ApplyOptions::default();
        // dry-run stores nothing
        let dry = ApplyOptions { dry_run: true, ..ApplyOptions::default() };
        admin.apply(&configmap("a", json!({"k": "1"})), &ns.name, &dry).await.expect("dry-run apply");
        assert!(admin.get(&cm_ref(&ns.name, "a")).await.unwrap().is_none());
        // apply, then read back in bulk
        let live = admin.apply(&configmap("a", json!({"k": "1"})), &ns.name, &mine).await.expect("apply");
        assert_eq!(live.data["data"]["k"], "1");
        admin.apply(&configmap("b", json!({"k": "2"})), &ns.name, &mine).await.expect("apply b");
        let all = admin.list("v1", "ConfigMap", Some(&ns.name), None).await.unwrap();
        let names: Vec<_> = all.iter().filter_map(|o| o.metadata.name.clone()).collect();
        assert!(names.contains(&"a".to_string()) && names.contains(&"b".to_string()), "{names:?}");
        // another manager changing our field conflicts, naming the field and the manager
        let other = ApplyOptions { field_manager: "someone-else".into(), ..ApplyOptions::default() };
        let err = admin.apply(&configmap("a", json!({"k": "changed"})), &ns.name, &other).await.unwrap_err();
        match &err {
            KubeError::Conflict { conflicts, .. } => {
                assert_eq!(conflicts.len(), 1, "{err}");
                assert_eq!(conflicts[0].field, ".data.k");
                assert_eq!(conflicts[0].manager, "deployer");
            }
            e => panic!("expected a conflict, got {e}"),
        }
        assert!(err.to_string().contains(".data.k (managed by \"deployer\")"), "{err}");
        let forced = ApplyOptions { force_conflicts: true, ..other };
        let live = admin.apply(&configmap("a", json!({"k": "changed"})), &ns.name, &forced).await.expect("forced");
        assert_eq!(live.data["data"]["k"], "changed");
        // cluster-scoped kinds drop the namespace; unknown kinds are named
        let (r, _) = admin
            .object_ref(&json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "x"}}), &ns.name)
            .await
            .unwrap();
        assert_eq!(r.namespace, None);
        let err = admin.apply(&json!({"apiVersion": "unknown.deployer.test/v1", "kind": "Nothing", "metadata": {"name": "w"}}), &ns.name, &mine).await.unwrap_err();
        assert!(matches!(err, KubeError::UnknownKind { .. }), "{err}");
        // RBAC: the limited user may not touch our namespace; the error names verb and namespace
        let limited = cluster("limited").await;
        let err = limited.apply(&configmap("c", json!({})), &ns.name, &mine).await.unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, KubeError::Forbidden { verb: "apply", .. }), "{msg}");
        assert!(msg.contains(&ns.name), "{msg}");
        // delete, and deleting again is not an error
        assert!(admin.delete(&cm_ref(&ns.name, "a")).await.unwrap());
        assert!(!admin.delete(&cm_ref(&ns.name, "a")).await.unwrap());
    });
}

/// A chart of ours: a ConfigMap whose keys come from values, an optional kept ConfigMap, a
/// hook and notes.
fn write_chart(dir: &Path, version: &str) -> PathBuf {
    let chart = dir.join("krdemo");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), format!("apiVersion: v2\nname: krdemo\nversion: {version}\nappVersion: \"2.1\"\ndescription: release interop fixture\n")).unwrap();
    std::fs::write(chart.join("values.yaml"), "data:\n  a: \"1\"\nextra: false\nkeep: false\n").unwrap();
    std::fs::write(
        chart.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n{{- range $k, $v := .Values.data }}\n  {{ $k }}: {{ $v | quote }}\n{{- end }}\n",
    )
    .unwrap();
    std::fs::write(
        chart.join("templates/extra.yaml"),
        "{{- if .Values.extra }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\ndata:\n  x: z\n{{- end }}\n",
    )
    .unwrap();
    std::fs::write(
        chart.join("templates/kept.yaml"),
        "{{- if .Values.keep }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-kept\n  annotations:\n    helm.sh/resource-policy: keep\ndata:\n  x: z\n{{- end }}\n",
    )
    .unwrap();
    std::fs::write(
        chart.join("templates/hook.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hook\n  annotations:\n    \"helm.sh/hook\": pre-install,pre-upgrade\n    \"helm.sh/hook-weight\": \"2\"\ndata:\n  h: \"1\"\n",
    )
    .unwrap();
    std::fs::write(chart.join("templates/NOTES.txt"), "{{ .Release.Name }} is at {{ .Release.Revision }}.\n").unwrap();
    chart
}

/// Renders the chart as deployer would for a release, values given as YAML.
fn render(chart: &Path, name: &str, ns: &str, values_yaml: &str) -> Desired {
    use deployer::chart::template::{TemplateRequest, render_release};
    let values = match deployer::yaml::parse_values(values_yaml).expect("values") {
        deployer::value::Value::Map(m) => m,
        _ => deployer::value::Map::new(),
    };
    let req = TemplateRequest {
        release_name: name.into(),
        chart: chart.to_path_buf(),
        namespace: ns.into(),
        values: values.clone(),
        kube_version: None,
        api_versions: Vec::new(),
        include_crds: false,
        skip_tests: false,
        no_hooks: false,
        is_upgrade: false,
        cluster: None,
        show_only: Vec::new(),
        compat: deployer::funcs::HelmCompat::V3,
    };
    let rendered = render_release(&req).expect("render");
    let loaded = deployer::chart::loader::load_path(chart).expect("load");
    Desired::from_rendered(&loaded, &values, &rendered)
}

fn helm(bin: &Path, args: &[&str]) -> String {
    let out = run(Command::new(bin).args(["--kube-context", "admin"]).args(args));
    assert!(out.status.success(), "{} {args:?}: {}", bin.display(), text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn cm_data(c: &Cluster, ns: &str, name: &str) -> Option<serde_json::Value> {
    c.get(&cm_ref(ns, name)).await.unwrap().map(|o| o.data["data"].clone())
}

#[test]
fn helm3_install_then_deployer_upgrades_rolls_back_and_uninstalls() {
    let Some(env) = TestEnv::get("kube_release") else { return };
    let helm3 = env.tool("DEPLOYER_TEST_HELM3");
    let ns = Namespace::new(&env, "h3");
    let tmp = tempdir("h3");
    let chart = write_chart(&tmp, "0.1.0");
    let n = ns.name.as_str();
    helm(&helm3, &["install", "web", chart.to_str().unwrap(), "-n", n, "--set", "data.b=2,extra=true,keep=true"]);

    let rt = rt();
    let admin = rt.block_on(cluster("admin"));
    let store = ReleaseStore::new(admin.clone(), n);
    // deployer reads helm's record
    let records = rt.block_on(release::list_records(&admin, Some(n))).unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!((r.name.as_str(), r.version, r.info.status), ("web", 1, Status::Deployed));
    assert_eq!(r.chart.name(), "krdemo");
    assert_eq!(r.hooks.len(), 1);
    assert_eq!(r.info.notes, "web is at 1.\n");
    assert_eq!(r.manifest.trim_end(), helm(&helm3, &["get", "manifest", "web", "-n", n]).trim_end());

    // deployer upgrades: key b and the extra ConfigMap go away (b was set by helm 3's
    // client-side apply: managedFields are migrated so SSA removes it), the kept one stays.
    let desired = render(&chart, "web", n, "data:\n  c: \"3\"\n");
    let rel = rt.block_on(release::deploy(&store, "web", desired, &DeployOptions::default())).expect("upgrade");
    assert_eq!((rel.version, rel.info.status), (2, Status::Deployed));
    let data = rt.block_on(cm_data(&admin, n, "web-cm")).unwrap();
    assert_eq!(data, json!({"a": "1", "c": "3"}), "field b must be gone after the takeover");
    assert!(rt.block_on(cm_data(&admin, n, "web-extra")).is_none(), "pruned");
    assert!(rt.block_on(cm_data(&admin, n, "web-kept")).is_some(), "resource-policy keep");

    let history = helm(&helm3, &["history", "web", "-n", n]);
    assert!(history.contains("superseded") && history.contains("Upgrade complete"), "{history}");
    let values = helm(&helm3, &["get", "values", "web", "-n", n, "-o", "json"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&values).unwrap(), json!({"data": {"c": "3"}}));

    // the CLI reads the same records
    let cli = |args: &[&str]| {
        let out = run(Command::new(env!("CARGO_BIN_EXE_deployer")).args(["--kube-context", "admin", "release"]).args(args));
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let list = cli(&["list", "-n", n]);
    assert!(list.starts_with("NAME") && list.contains("web") && list.contains("krdemo-0.1.0"), "{list}");
    let history = cli(&["history", "web", "-n", n]);
    assert!(history.contains("Install complete") && history.contains("Upgrade complete"), "{history}");
    // the tables are helm's, byte for byte
    assert_eq!(history, helm(&helm3, &["history", "web", "-n", n]));
    assert_eq!(list, helm(&helm3, &["list", "-n", n]));
    assert!(cli(&["status", "web", "-n", n]).contains("STATUS: deployed"));
    assert_eq!(cli(&["manifest", "web", "-n", n, "--revision", "1"]).trim_end(), r.manifest.trim_end());

    // deployer rolls back to 1 (helm's own record): b and extra come back
    let rel = rt.block_on(release::rollback(&store, "web", None, &DeployOptions::default())).expect("rollback");
    assert_eq!(rel.version, 3);
    assert_eq!(rt.block_on(cm_data(&admin, n, "web-cm")).unwrap(), json!({"a": "1", "b": "2"}));
    assert!(rt.block_on(cm_data(&admin, n, "web-extra")).is_some());
    let history = helm(&helm3, &["history", "web", "-n", n, "-o", "json"]);
    let history: serde_json::Value = serde_json::from_str(&history).unwrap();
    assert_eq!(history[2]["description"], "Rollback to 1");
    assert_eq!(history[2]["status"], "deployed");

    // helm 3 carries on from deployer's records
    // (--reuse-values keeps `keep=true`: helm 3 itself cannot roll back to a revision that has
    // a kept object the current revision dropped.)
    helm(&helm3, &["upgrade", "web", chart.to_str().unwrap(), "-n", n, "--reuse-values", "--set", "data.d=4"]);
    helm(&helm3, &["rollback", "web", "3", "-n", n]);
    let last = rt.block_on(store.last("web")).unwrap();
    assert_eq!((last.version, last.info.status), (5, Status::Deployed));

    // deployer uninstalls: objects in uninstall order, kept one stays, history gone
    let report = rt.block_on(release::uninstall(&store, "web", false)).expect("uninstall");
    assert!(report.kept.iter().any(|k| k.name == "web-kept"), "{report:?}");
    assert!(rt.block_on(cm_data(&admin, n, "web-cm")).is_none());
    assert!(rt.block_on(cm_data(&admin, n, "web-kept")).is_some());
    assert!(helm(&helm3, &["list", "-n", n, "-q"]).trim().is_empty());
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn deployer_install_then_helm3_and_helm4_take_over() {
    let Some(env) = TestEnv::get("kube_release") else { return };
    // helm 3 applies client-side (no conflicts; deployer migrates its fields back on the next
    // upgrade); helm 4 applies server-side as manager `helm` without forcing, so deployer
    // shares that manager (`--field-manager helm`) to hand a release over to helm 4.
    for (label, var, manager) in [("d3", "DEPLOYER_TEST_HELM3", "deployer"), ("d4", "DEPLOYER_TEST_HELM4", "helm")] {
        let opts = DeployOptions {
            apply: ApplyOptions { field_manager: manager.into(), ..ApplyOptions::default() },
            ..DeployOptions::default()
        };
        let helm_bin = env.tool(var);
        let ns = Namespace::new(&env, label);
        let n = ns.name.as_str();
        let tmp = tempdir(label);
        let chart = write_chart(&tmp, "0.2.0");
        let rt = rt();
        let admin = rt.block_on(cluster("admin"));
        let store = ReleaseStore::new(admin.clone(), n);

        let desired = render(&chart, "app", n, "data:\n  b: \"2\"\n");
        let expected_manifest = desired.manifest.clone();
        let rel = rt.block_on(release::deploy(&store, "app", desired, &opts)).expect("install");
        assert_eq!((rel.version, rel.info.status), (1, Status::Deployed));

        let list = helm(&helm_bin, &["list", "-n", n, "-o", "json"]);
        let list: serde_json::Value = serde_json::from_str(&list).unwrap();
        assert_eq!(list[0]["name"], "app", "{label}: {list}");
        assert_eq!(list[0]["status"], "deployed");
        assert_eq!(list[0]["chart"], "krdemo-0.2.0");
        assert_eq!(list[0]["app_version"], "2.1");
        // helm prints the stored manifest and a newline
        assert_eq!(helm(&helm_bin, &["get", "manifest", "app", "-n", n]), format!("{expected_manifest}\n"), "{label}");
        let values: serde_json::Value = serde_json::from_str(&helm(&helm_bin, &["get", "values", "app", "-n", n, "-o", "json"])).unwrap();
        assert_eq!(values, json!({"data": {"b": "2"}}), "{label}");
        let status = helm(&helm_bin, &["status", "app", "-n", n]);
        assert!(status.contains("STATUS: deployed") && status.contains("app is at 1."), "{label}: {status}");

        // helm upgrades and rolls back what deployer installed
        helm(&helm_bin, &["upgrade", "app", chart.to_str().unwrap(), "-n", n, "--set", "data.b=20"]);
        assert_eq!(rt.block_on(cm_data(&admin, n, "app-cm")).unwrap(), json!({"a": "1", "b": "20"}), "{label}");
        helm(&helm_bin, &["rollback", "app", "1", "-n", n]);
        assert_eq!(rt.block_on(cm_data(&admin, n, "app-cm")).unwrap(), json!({"a": "1", "b": "2"}), "{label}");
        let history: serde_json::Value = serde_json::from_str(&helm(&helm_bin, &["history", "app", "-n", n, "-o", "json"])).unwrap();
        assert_eq!(history.as_array().map(Vec::len), Some(3), "{label}: {history}");

        // and deployer upgrades again from helm's records
        let desired = render(&chart, "app", n, "data:\n  e: \"5\"\n");
        let rel = rt.block_on(release::deploy(&store, "app", desired, &opts)).expect("deployer upgrade after helm");
        assert_eq!(rel.version, 4);
        assert_eq!(rt.block_on(cm_data(&admin, n, "app-cm")).unwrap(), json!({"a": "1", "e": "5"}), "{label}");
        let history = helm(&helm_bin, &["history", "app", "-n", n]);
        assert!(history.contains("Upgrade complete"), "{label}: {history}");
        helm(&helm_bin, &["uninstall", "app", "-n", n]);
        assert!(rt.block_on(store.history("app")).unwrap().is_empty());
        std::fs::remove_dir_all(&tmp).ok();
    }
}

#[test]
fn pending_lock_history_max_size_limit_and_adoption() {
    let Some(env) = TestEnv::get("kube_release") else { return };
    let ns = Namespace::new(&env, "store");
    let n = ns.name.as_str();
    let tmp = tempdir("store");
    let chart = write_chart(&tmp, "0.3.0");
    let rt = rt();
    let admin = rt.block_on(cluster("admin"));
    let store = ReleaseStore::new(admin.clone(), n);
    let opts = DeployOptions { history_max: 3, ..DeployOptions::default() };
    for i in 0..5 {
        let desired = render(&chart, "db", n, &format!("data:\n  i: \"{i}\"\n"));
        rt.block_on(release::deploy(&store, "db", desired, &opts)).expect("deploy");
    }
    let versions: Vec<u32> = rt.block_on(store.history("db")).unwrap().iter().map(|r| r.version).collect();
    assert_eq!(versions, vec![3, 4, 5], "history-max 3");

    // a crashed operation leaves a pending revision: the next one is refused, unlock recovers
    let mut stuck = rt.block_on(store.last("db")).unwrap();
    stuck.version = 6;
    stuck.info.status = Status::PendingUpgrade;
    rt.block_on(store.create(&stuck)).unwrap();
    let err = rt.block_on(release::deploy(&store, "db", render(&chart, "db", n, ""), &opts)).unwrap_err();
    assert!(matches!(err, OpError::Store(StoreError::Pending { version: 6, .. })), "{err}");
    assert!(err.to_string().contains("deployer release unlock db"), "{err}");
    // the same revision cannot be created twice (two writers racing)
    assert!(matches!(rt.block_on(store.create(&stuck)), Err(StoreError::Exists { .. })));
    assert_eq!(rt.block_on(store.unlock("db")).unwrap(), Some(6));
    let rel = rt.block_on(release::deploy(&store, "db", render(&chart, "db", n, ""), &opts)).expect("after unlock");
    assert_eq!(rel.version, 7);

    // over 1 MiB once encoded: refused before anything is applied
    // ~900 KB of random letters: the ConfigMap alone fits the apiserver's limit, the record
    // (values + manifest) does not.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let big: String = (0..900_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            char::from(b'a' + (seed % 26) as u8)
        })
        .collect();
    let desired = render(&chart, "huge", n, &format!("data:\n  big: {big}\n"));
    let err = rt.block_on(release::deploy(&store, "huge", desired, &opts)).unwrap_err();
    assert!(matches!(err, OpError::Store(StoreError::TooLarge { .. })), "{err}");
    assert!(rt.block_on(cm_data(&admin, n, "huge-cm")).is_none(), "nothing applied");
    assert!(rt.block_on(store.history("huge")).unwrap().is_empty());

    // adoption: an object of another release, or of none, is not taken over
    let other = render(&chart, "db2", n, "");
    let mut other_manifest = other.clone();
    other_manifest.manifest = other.manifest.replace("db2-cm", "db-cm");
    let err = rt.block_on(release::deploy(&store, "db2", other_manifest, &opts)).unwrap_err();
    assert!(err.to_string().contains("belongs to release \"db\""), "{err}");
    rt.block_on(admin.apply(&configmap("loose-cm", json!({})), n, &ApplyOptions { field_manager: "kubectl".into(), ..ApplyOptions::default() })).unwrap();
    let mut loose = render(&chart, "loose", n, "");
    loose.manifest = loose.manifest.replace("loose-cm", "loose-cm");
    let err = rt.block_on(release::deploy(&store, "loose", loose, &opts)).unwrap_err();
    assert!(err.to_string().contains("not managed by a release"), "{err}");
    std::fs::remove_dir_all(&tmp).ok();
}

fn tempdir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deployer-kr-{label}-{:08x}", rand_u32()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `release list` and its status filters against `helm3 list` with the same flags, byte for byte:
/// one release in every state (two revisions for the superseded one).
#[test]
fn release_list_filters_match_helm3() {
    let Some(env) = TestEnv::get("kube_release") else { return };
    let helm3 = env.tool("DEPLOYER_TEST_HELM3");
    let ns = Namespace::new(&env, "list");
    let n = ns.name.as_str();
    let tmp = tempdir("list");
    let chart = write_chart(&tmp, "0.4.0");
    let rt = rt();
    let admin = rt.block_on(cluster("admin"));
    let store = ReleaseStore::new(admin.clone(), n);
    let opts = DeployOptions::default();
    let deploy = |name: &str, values: &str| {
        rt.block_on(release::deploy(&store, name, render(&chart, name, n, values), &opts)).expect("deploy")
    };
    // deployed, with a superseded revision before it
    deploy("alpha", "");
    deploy("alpha", "data:\n  b: \"2\"\n");
    // failed: an upgrade whose object the server refuses
    deploy("bravo", "");
    let mut bad = render(&chart, "bravo", n, "");
    bad.manifest = bad.manifest.replace("name: bravo-cm", "name: Bravo_CM");
    assert!(rt.block_on(release::deploy(&store, "bravo", bad, &opts)).is_err());
    // uninstalled with history kept
    deploy("charlie", "");
    rt.block_on(release::uninstall(&store, "charlie", true)).expect("uninstall");
    // pending and uninstalling: an operation caught in flight (as a killed process leaves it)
    for (name, status) in [("delta", Status::PendingUpgrade), ("echo", Status::Uninstalling), ("foxtrot", Status::PendingInstall)] {
        let mut rel = deploy(name, "");
        rel.info.status = status;
        rt.block_on(store.update(&rel)).expect("update");
    }

    let cli = |args: &[&str]| {
        let out = run(Command::new(env!("CARGO_BIN_EXE_deployer")).args(["--kube-context", "admin", "release", "list", "-n", n]).args(args));
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let flags: &[&[&str]] = &[
        &[],
        &["--all"],
        &["-a"],
        &["--deployed"],
        &["--failed"],
        &["--pending"],
        &["--superseded"],
        &["--uninstalled"],
        &["--uninstalling"],
        &["--deployed", "--failed"],
        &["--superseded", "--deployed"],
        &["--pending", "--uninstalling", "--uninstalled"],
    ];
    for f in flags {
        let ours = cli(f);
        let theirs = helm(&helm3, &[&["list", "-n", n][..], f].concat());
        assert_eq!(ours, theirs, "release list {f:?}");
    }
    // the default view is deployed + failed; --all has every release once
    let default_view = cli(&[]);
    let names = |t: &str| t.lines().skip(1).filter_map(|l| l.split_whitespace().next().map(str::to_string)).collect::<Vec<_>>();
    assert_eq!(names(&default_view), ["alpha", "bravo"], "{default_view}");
    assert_eq!(names(&cli(&["--all"])), ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]);
    assert_eq!(names(&cli(&["--superseded"])), ["alpha"]);
    std::fs::remove_dir_all(&tmp).ok();
}
