//! Issue 7 bullets that no other integration test proved, against the real kube-apiserver of the
//! test environment and the real helm 4: cluster access (KUBECONFIG list merge, `--kubeconfig`,
//! `--kube-context`, per-environment and per-release `kubeContext`, exec credential plugin,
//! ServiceAccount token, in-cluster config), CRDs from `crds/` (`--upgrade-crds`, Established),
//! waits for PVCs / LoadBalancer Services / Jobs, `--atomic`, `installed: false`, `deployer
//! release …` on a helm 4 release, and the diff's Secret masking, colour, summary and drift.
//! The checklist that maps every bullet to its test is `integration/ISSUE7_CHECKLIST.md`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{TestEnv, run, text};

fn tag() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{:06x}", (n ^ (std::process::id() << 8)) & 0xffffff)
}

/// Cluster objects to delete when the test ends (namespaces, CRDs, PVs), and its temp dir.
struct Cleanup {
    kubectl: PathBuf,
    objects: Vec<String>,
    dir: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for o in &self.objects {
            let _ = Command::new(&self.kubectl).args(["--context", "admin", "delete", o, "--wait=false", "--ignore-not-found"]).output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn kubectl(env: &TestEnv, args: &[&str]) -> String {
    let out = run(Command::new(env.tool("DEPLOYER_TEST_KUBECTL")).args(["--context", "admin"]).args(args));
    assert!(out.status.success(), "kubectl {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn deployer_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_deployer"));
    c.arg("-f").arg(dir).args(args).env("NO_COLOR", "1");
    c
}

fn deployer(dir: &Path, args: &[&str]) -> Output {
    run(&mut deployer_cmd(dir, args))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn helm_json(bin: &Path, args: &[&str]) -> serde_json::Value {
    let out = run(Command::new(bin).args(["--kube-context", "admin"]).args(args).args(["-o", "json"]));
    assert!(out.status.success(), "helm {args:?}: {}", text(&out));
    serde_json::from_slice(&out.stdout).expect("helm json")
}

fn statuses(history: &serde_json::Value) -> Vec<String> {
    history.as_array().expect("history").iter().map(|r| r["status"].as_str().unwrap_or("").to_string()).collect()
}

/// A scratch dir with our chart `audit` (every object behind a value) and `helmfile.yaml`.
/// `group` names the chart's CRD group (cluster-scoped: unique per test; none when empty).
fn workspace(label: &str, group: &str, helmfile: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deployer-audit-{label}"));
    let _ = std::fs::remove_dir_all(&dir);
    let chart = dir.join("audit");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::create_dir_all(chart.join("crds")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: audit\nversion: 0.1.0\n").unwrap();
    std::fs::write(chart.join("values.yaml"), "v: \"1\"\nsecret: \"\"\nwidget: false\npvc: false\nlb: false\njob: false\nhooks: false\nfailhook: false\norder: false\n").unwrap();
    let t = |name: &str, body: &str| std::fs::write(chart.join("templates").join(name), body).unwrap();
    t("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  v: {{ .Values.v | quote }}\n");
    t("secret.yaml", "{{- if .Values.secret }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-secret\ndata:\n  pw: {{ .Values.secret | b64enc }}\n{{- end }}\n");
    t("widget.yaml", "{{- if .Values.widget }}\napiVersion: {{ .Values.group }}/v1\nkind: Widget\nmetadata:\n  name: {{ .Release.Name }}-widget\nspec:\n  size: 3\n{{- end }}\n");
    t("pvc.yaml", "{{- if .Values.pvc }}\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {{ .Release.Name }}-data\nspec:\n  storageClassName: \"\"\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Mi\n{{- end }}\n");
    t("lb.yaml", "{{- if .Values.lb }}\napiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-lb\nspec:\n  type: LoadBalancer\n  ports:\n    - port: 80\n{{- end }}\n");
    t("job.yaml", "{{- if .Values.job }}\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-job\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: c\n          image: example.invalid/job:1\n{{- end }}\n");
    // one ConfigMap hook per event (default policy: before-hook-creation), one deleted when it
    // succeeds, and a Job that fails (it can never be scheduled) deleted by `hook-failed`
    t("hooks.yaml", "{{- if .Values.hooks }}\n{{- range $e := list \"pre-install\" \"post-install\" \"pre-upgrade\" \"post-upgrade\" \"pre-rollback\" \"post-rollback\" \"pre-delete\" \"post-delete\" }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ $.Release.Name }}-on-{{ $e }}\n  annotations:\n    helm.sh/hook: {{ $e }}\n    helm.sh/hook-weight: \"5\"\ndata:\n  revision: {{ $.Release.Revision | quote }}\n{{- end }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hk-ok\n  annotations:\n    helm.sh/hook: post-install,post-upgrade\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: hook-succeeded\n{{- end }}\n{{- if .Values.failhook }}\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-hk-fail\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-delete-policy: hook-failed\nspec:\n  backoffLimit: 0\n  activeDeadlineSeconds: 2\n  template:\n    spec:\n      restartPolicy: Never\n      nodeSelector:\n        nowhere: \"true\"\n      containers:\n        - name: c\n          image: example.invalid/fail:1\n{{- end }}\n");
    // kinds in the file in reverse of helm's install order
    t("order.yaml", "{{- if .Values.order }}\napiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-svc\nspec:\n  ports:\n    - port: 80\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {{ .Release.Name }}-rb\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: {{ .Release.Name }}-role}\nsubjects:\n  - {kind: ServiceAccount, name: {{ .Release.Name }}-sa}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {{ .Release.Name }}-role\nrules: []\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-sec\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}-sa\n{{- end }}\n");
    if !group.is_empty() {
        write_crd(&dir, group, None);
    }
    std::fs::write(dir.join("helmfile.yaml"), helmfile).unwrap();
    dir
}

/// The chart's CRD in `crds/`, with an annotation that marks which version of it is live.
fn write_crd(dir: &Path, group: &str, rev: Option<&str>) {
    let ann = rev.map(|r| format!("  annotations:\n    audit/rev: \"{r}\"\n")).unwrap_or_default();
    std::fs::write(
        dir.join("audit/crds/widget.yaml"),
        format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.{group}\n{ann}spec:\n  group: {group}\n  scope: Namespaced\n  names:\n    plural: widgets\n    singular: widget\n    kind: Widget\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          x-kubernetes-preserve-unknown-fields: true\n"
        ),
    )
    .unwrap();
}

fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let end = Instant::now() + limit;
    while !ok() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// KUBECONFIG list merge, `--kubeconfig`, `--kube-context`, per-environment and per-release
/// `kubeContext`, a ServiceAccount token, an exec credential plugin and in-cluster config.
/// Two ServiceAccounts may each write only their own namespace, so a release lands only when
/// deployer picked the context the spec or the flags say.
#[test]
fn cluster_access_contexts_token_exec_and_in_cluster() {
    let Some(env) = TestEnv::get("cluster_audit") else { return };
    let t = tag();
    let (ns_a, ns_b) = (format!("caa-{t}"), format!("cab-{t}"));
    let dir = std::env::temp_dir().join(format!("deployer-audit-kc-{t}"));
    let _cleanup = Cleanup {
        kubectl: env.tool("DEPLOYER_TEST_KUBECTL"),
        objects: vec![format!("namespace/{ns_a}"), format!("namespace/{ns_b}")],
        dir: dir.clone(),
    };
    let token = |ns: &str| {
        kubectl(&env, &["create", "namespace", ns]);
        kubectl(&env, &["-n", ns, "create", "serviceaccount", "audit"]);
        kubectl(&env, &["-n", ns, "create", "rolebinding", "audit-admin", "--clusterrole", "admin", &format!("--serviceaccount={ns}:audit")]);
        kubectl(&env, &["-n", ns, "create", "token", "audit", "--duration", "1h"]).trim().to_string()
    };
    let (token_a, token_b) = (token(&ns_a), token(&ns_b));
    let server = kubectl(&env, &["config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"]);
    let ca = kubectl(&env, &["config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}"]);

    std::fs::create_dir_all(&dir).unwrap();
    // file 1: the cluster, a token user (SA of namespace A) and the current context
    let k1 = dir.join("k1");
    std::fs::write(&k1, format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: audit\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\nusers:\n- name: tok\n  user:\n    token: {token_a}\ncontexts:\n- name: ctx-token\n  context: {{cluster: audit, user: tok, namespace: {ns_a}}}\ncurrent-context: ctx-token\n"
    )).unwrap();
    // file 2: an exec plugin user (SA of namespace B) whose context needs file 1's cluster; its
    // current-context loses to file 1's (first file wins)
    let log = dir.join("exec.log");
    let plugin = dir.join("credential.sh");
    std::fs::write(&plugin, format!(
        "#!/bin/sh\necho called >> '{}'\nprintf '%s' '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token_b}\"}}}}'\n",
        log.display()
    )).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let k2 = dir.join("k2");
    std::fs::write(&k2, format!(
        "apiVersion: v1\nkind: Config\nusers:\n- name: execu\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\ncontexts:\n- name: ctx-exec\n  context: {{cluster: audit, user: execu}}\ncurrent-context: ctx-exec\n",
        plugin.display()
    )).unwrap();
    let merged = std::env::join_paths([&k1, &k2]).unwrap();
    let ws = workspace(&format!("kc-{t}/ws"), "", &format!(
        "environments:\n  default: {{}}\n  viaexec:\n    kubeContext: ctx-exec\n---\nreleases:\n- name: ra\n  namespace: {ns_a}\n  createNamespace: false\n  chart: ./audit\n- name: rb\n  namespace: {ns_b}\n  createNamespace: false\n  kubeContext: ctx-exec\n  chart: ./audit\n- name: rb2\n  namespace: {ns_b}\n  createNamespace: false\n  chart: ./audit\n  labels: {{env-context: \"yes\"}}\n"
    ));
    let calls = || std::fs::read_to_string(&log).map(|s| s.lines().count()).unwrap_or(0);
    let with = |args: &[&str]| {
        let mut c = deployer_cmd(&ws, args);
        c.env("KUBECONFIG", &merged);
        run(&mut c)
    };

    // KUBECONFIG=k1:k2: `ra` through the current context (token A), `rb` through its own
    // kubeContext (exec plugin, token B)
    let out = with(&["sync", "-l", "name!=rb2"]);
    assert!(out.status.success(), "sync through merged kubeconfig: {}", text(&out));
    assert!(calls() >= 1, "the exec plugin was never called");
    let list = |ns: &str| helm_json(&env.tool("DEPLOYER_TEST_HELM4"), &["list", "-n", ns, "-q"]);
    assert_eq!(list(&ns_a), serde_json::json!(["ra"]));
    assert_eq!(list(&ns_b), serde_json::json!(["rb"]));

    // rb2 has no kubeContext: the current context (token A) may not write namespace B ...
    let out = with(&["sync", "-l", "env-context=yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&format!("system:serviceaccount:{ns_a}:audit")), "the forbidden error names who: {}", text(&out));
    // ... the environment's kubeContext can, and so can --kube-context
    let before = calls();
    let out = with(&["-e", "viaexec", "sync", "-l", "env-context=yes"]);
    assert!(out.status.success(), "environment kubeContext: {}", text(&out));
    assert!(calls() > before);
    let out = with(&["--kube-context", "ctx-exec", "sync", "-l", "env-context=yes", "--set", "v=2"]);
    assert!(out.status.success(), "--kube-context: {}", text(&out));
    assert_eq!(kubectl(&env, &["-n", &ns_b, "get", "cm", "rb2-cm", "-o", "jsonpath={.data.v}"]), "2");

    // one client per context, shared by its releases: diffing rb and rb2 (both ctx-exec) runs
    // the plugin as often as diffing rb2 alone
    let runs = |selector: &str| {
        let before = calls();
        let out = with(&["-e", "viaexec", "diff", "-l", selector]);
        assert!(out.status.success(), "{}", text(&out));
        calls() - before
    };
    let (one, two) = (runs("name=rb2"), runs("name!=ra"));
    assert_eq!(one, two, "plugin runs for one release vs two releases of one context");
    eprintln!("cluster_audit: exec plugin runs per deployer run: {one}");

    // --kubeconfig names the files (and wins over $KUBECONFIG); an unknown context is named
    let mut c = deployer_cmd(&ws, &["--kubeconfig", k1.to_str().unwrap(), "diff", "-l", "name=ra", "--detailed-exitcode"]);
    c.env("KUBECONFIG", "/nonexistent/kubeconfig");
    let out = run(&mut c);
    assert_eq!(out.status.code(), Some(0), "--kubeconfig k1: {}", text(&out));
    let out = with(&["--kube-context", "nope", "diff", "-l", "name=ra"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("nope") && text(&out).contains("ctx-token"), "{}", text(&out));

    // in-cluster: no kubeconfig at all, KUBERNETES_SERVICE_HOST/PORT and the service account
    // files at their fixed path, mounted in a private mount namespace of the child only
    let unshare = Command::new("unshare").args(["-m", "true"]).output();
    if !unshare.is_ok_and(|o| o.status.success()) {
        eprintln!("cluster_audit: in-cluster part skipped: cannot create a mount namespace (unshare -m)");
        return;
    }
    let sa = dir.join("serviceaccount");
    std::fs::create_dir_all(&sa).unwrap();
    std::fs::write(sa.join("token"), &token_a).unwrap();
    std::fs::write(sa.join("namespace"), &ns_a).unwrap();
    let ca_pem = run(Command::new("base64").arg("-d").stdin(std::fs::File::open({
        let p = dir.join("ca.b64");
        std::fs::write(&p, &ca).unwrap();
        p
    }).unwrap()));
    std::fs::write(sa.join("ca.crt"), &ca_pem.stdout).unwrap();
    let url = server.trim_start_matches("https://");
    let (host, port) = url.rsplit_once(':').expect("host:port");
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let script = "mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io && cp -r \"$SA\" /run/secrets/kubernetes.io/serviceaccount && exec \"$@\"";
    let out = run(Command::new("unshare")
        .args(["-m", "sh", "-c", script, "sh", env!("CARGO_BIN_EXE_deployer"), "-f"])
        .arg(&ws)
        .args(["sync", "-l", "name=ra", "--set", "v=incluster"])
        .env_remove("KUBECONFIG")
        .env("HOME", &home)
        .env("SA", &sa)
        .env("KUBERNETES_SERVICE_HOST", host)
        .env("KUBERNETES_SERVICE_PORT", port)
        .env("NO_COLOR", "1"));
    assert!(out.status.success(), "in-cluster: {}", text(&out));
    assert_eq!(kubectl(&env, &["-n", &ns_a, "get", "cm", "ra-cm", "-o", "jsonpath={.data.v}"]), "incluster");
}

/// CRDs from `crds/` are created before the chart's objects (a custom resource of the chart
/// applies in the same run) and waited for until Established; they are not updated unless
/// `--upgrade-crds`; uninstall leaves them (as helm does).
#[test]
fn crds_created_established_and_upgraded_only_when_asked() {
    let Some(env) = TestEnv::get("cluster_audit") else { return };
    let t = tag();
    let ns = format!("cac-{t}");
    let group = format!("g{t}.audit.example.com");
    let ws = workspace(&format!("crds-{t}"), &group, &format!(
        "releases:\n- name: w\n  namespace: {ns}\n  chart: ./audit\n  values:\n  - widget: true\n    group: {group}\n"
    ));
    let _cleanup = Cleanup {
        kubectl: env.tool("DEPLOYER_TEST_KUBECTL"),
        objects: vec![format!("namespace/{ns}"), format!("crd/widgets.{group}")],
        dir: ws.clone(),
    };
    let out = deployer(&ws, &["sync", "--wait", "--timeout", "60"]);
    assert!(out.status.success(), "sync: {}", text(&out));
    let crd = format!("crd/widgets.{group}");
    let established = kubectl(&env, &["get", &crd, "-o", "jsonpath={.status.conditions[?(@.type==\"Established\")].status}"]);
    assert_eq!(established, "True");
    assert_eq!(kubectl(&env, &["-n", &ns, "get", &format!("widgets.{group}"), "-o", "name"]).trim(), format!("widget.{group}/w-widget"));
    // the CRD is not part of the release manifest (helm keeps crds/ out of it)
    let manifest = stdout(&deployer(&ws, &["release", "manifest", "w", "-n", &ns]));
    assert!(manifest.contains("kind: Widget") && !manifest.contains("CustomResourceDefinition"), "{manifest}");

    write_crd(&ws, &group, Some("2"));
    let rev = || kubectl(&env, &["get", &crd, "-o", "jsonpath={.metadata.annotations.audit/rev}"]);
    let out = deployer(&ws, &["sync"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(rev(), "", "a CRD present is left alone without --upgrade-crds");
    let out = deployer(&ws, &["sync", "--upgrade-crds"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(rev(), "2", "--upgrade-crds updates it");

    let out = deployer(&ws, &["destroy"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(kubectl(&env, &["get", &crd, "-o", "name"]).contains("widgets"), "uninstall keeps CRDs");
}

/// `--wait` waits for PVCs to bind, LoadBalancer Services to get an address and (with
/// `--wait-for-jobs`) Jobs to complete, and fails naming what is not ready at `--timeout`;
/// `--atomic` rolls a failed upgrade back to the previous revision and uninstalls a failed
/// first install.
#[test]
fn waits_for_claims_load_balancers_jobs_and_atomic() {
    let Some(env) = TestEnv::get("cluster_audit") else { return };
    let helm4 = env.tool("DEPLOYER_TEST_HELM4");
    let t = tag();
    let ns = format!("caw-{t}");
    let pv = format!("audit-pv-{t}");
    let ws = workspace(&format!("wait-{t}"), "", &format!(
        "releases:\n- name: s\n  namespace: {ns}\n  chart: ./audit\n- name: fresh\n  namespace: {ns}\n  chart: ./audit\n  labels: {{first: \"yes\"}}\n"
    ));
    let _cleanup = Cleanup {
        kubectl: env.tool("DEPLOYER_TEST_KUBECTL"),
        objects: vec![format!("namespace/{ns}"), format!("pv/{pv}")],
        dir: ws.clone(),
    };
    let out = deployer(&ws, &["sync", "-l", "name=s"]);
    assert!(out.status.success(), "{}", text(&out));

    // a claim nothing can bind: the wait fails at the timeout, naming it
    let out = deployer(&ws, &["sync", "-l", "name=s", "--set", "pvc=true", "--wait", "--timeout", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("s-data"), "the error names the claim: {}", text(&out));
    assert_eq!(statuses(&helm_json(&helm4, &["history", "s", "-n", &ns])), ["deployed", "failed"]);

    // --atomic: the same upgrade is rolled back to revision 1, the claim pruned
    let out = deployer(&ws, &["sync", "-l", "name=s", "--set", "pvc=true,v=9", "--wait", "--timeout", "5", "--atomic"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("rolled back"), "{}", text(&out));
    let history = helm_json(&helm4, &["history", "s", "-n", &ns]);
    assert_eq!(statuses(&history), ["superseded", "failed", "failed", "deployed"], "{history}");
    assert_eq!(history[3]["description"], "Rollback to 1", "{history}");
    assert_eq!(kubectl(&env, &["-n", &ns, "get", "cm", "s-cm", "-o", "jsonpath={.data.v}"]), "1");
    // pruned (the claim's protection finalizer may keep it a moment)
    wait_until("the claim to be pruned by the rollback", Duration::from_secs(30), || {
        kubectl(&env, &["-n", &ns, "get", "pvc", "-o", "name"]).trim().is_empty()
    });
    // --atomic on a first install uninstalls it
    let out = deployer(&ws, &["sync", "-l", "first=yes", "--set", "pvc=true", "--wait", "--timeout", "4", "--atomic"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(helm_json(&env.tool("DEPLOYER_TEST_HELM3"), &["list", "-n", &ns, "-a", "-q"]), serde_json::json!(["s"]));

    // all three become ready while deployer waits: a volume pre-bound to the claim, an
    // address for the load balancer (no cloud controller here: set as one would), the Job
    // completed by kwok
    let mut child = deployer_cmd(&ws, &["sync", "-l", "name=s", "--set", "pvc=true,lb=true,job=true", "--wait", "--wait-for-jobs", "--timeout", "90"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_until("the Service", Duration::from_secs(30), || {
        run(Command::new(env.tool("DEPLOYER_TEST_KUBECTL")).args(["--context", "admin", "-n", &ns, "get", "svc", "s-lb"])).status.success()
    });
    std::thread::sleep(Duration::from_secs(2));
    assert!(child.try_wait().expect("child").is_none(), "deployer must still wait for the claim and the load balancer");
    let pv_yaml = format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: {pv}\nspec:\n  storageClassName: \"\"\n  capacity: {{storage: 1Mi}}\n  accessModes: [ReadWriteOnce]\n  hostPath: {{path: /tmp/{pv}}}\n  claimRef: {{namespace: {ns}, name: s-data}}\n"
    );
    let f = ws.join("pv.yaml");
    std::fs::write(&f, pv_yaml).unwrap();
    kubectl(&env, &["apply", "-f", f.to_str().unwrap()]);
    kubectl(&env, &["-n", &ns, "patch", "svc", "s-lb", "--subresource=status", "--type=merge", "-p", r#"{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.7"}]}}}"#]);
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "the wait ends once all are ready: {}", text(&out));
    assert_eq!(kubectl(&env, &["-n", &ns, "get", "pvc", "s-data", "-o", "jsonpath={.status.phase}"]), "Bound");
    assert_eq!(kubectl(&env, &["-n", &ns, "get", "job", "s-job", "-o", "jsonpath={.status.succeeded}"]), "1");
}

/// `installed: false` uninstalls a release helm 4 made (server-side apply); before that, every
/// `deployer release …` subcommand works on it, and helm 4 reads what deployer wrote.
#[test]
fn release_commands_on_a_helm4_release_then_installed_false() {
    let Some(env) = TestEnv::get("cluster_audit") else { return };
    let helm4 = env.tool("DEPLOYER_TEST_HELM4");
    let t = tag();
    let ns = format!("cah-{t}");
    let ws = workspace(&format!("helm4-{t}"), "", &format!(
        "releases:\n- name: h4\n  namespace: {ns}\n  chart: ./audit\n  installed: false\n"
    ));
    let _cleanup = Cleanup { kubectl: env.tool("DEPLOYER_TEST_KUBECTL"), objects: vec![format!("namespace/{ns}")], dir: ws.clone() };
    let chart = ws.join("audit");
    let helm = |args: &[&str]| {
        let out = run(Command::new(&helm4).args(["--kube-context", "admin"]).args(args));
        assert!(out.status.success(), "helm4 {args:?}: {}", text(&out));
    };
    helm(&["install", "h4", chart.to_str().unwrap(), "-n", &ns, "--create-namespace", "--set", "v=a"]);
    helm(&["upgrade", "h4", chart.to_str().unwrap(), "-n", &ns, "--set", "v=b"]);
    let cli = |args: &[&str]| {
        let out = run(Command::new(env!("CARGO_BIN_EXE_deployer")).args(["--kube-context", "admin", "release"]).args(args).env("NO_COLOR", "1"));
        assert!(out.status.success(), "release {args:?}: {}", text(&out));
        stdout(&out)
    };
    assert!(cli(&["list", "-A"]).lines().any(|l| l.starts_with("h4") && l.contains(&ns)));
    assert!(cli(&["status", "h4", "-n", &ns]).contains("STATUS: deployed"));
    assert_eq!(cli(&["history", "h4", "-n", &ns]).lines().count(), 3);
    assert!(cli(&["manifest", "h4", "-n", &ns, "--revision", "1"]).contains("v: \"a\""));
    // helm 4 applied server-side as manager `helm`: with deployer's own manager the rollback
    // conflicts, naming the fields and `helm`; `--field-manager helm` shares helm 4's ownership
    let out = run(Command::new(env!("CARGO_BIN_EXE_deployer")).args(["--kube-context", "admin", "release", "rollback", "h4", "1", "-n", &ns]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(".data.v (managed by \"helm\")"), "{}", text(&out));
    cli(&["rollback", "h4", "1", "-n", &ns, "--field-manager", "helm"]);
    assert_eq!(kubectl(&env, &["-n", &ns, "get", "cm", "h4-cm", "-o", "jsonpath={.data.v}"]), "a");
    let history = helm_json(&helm4, &["history", "h4", "-n", &ns]);
    let last = history.as_array().and_then(|h| h.last()).cloned().unwrap_or_default();
    assert_eq!((last["status"].as_str(), last["description"].as_str()), (Some("deployed"), Some("Rollback to 1")), "{history}");
    // helm 4 upgrades on top of deployer's rollback (server-side, manager helm vs deployer: the
    // rollback applied with deployer's manager, helm 4 forces nothing: this must not conflict)
    helm(&["upgrade", "h4", chart.to_str().unwrap(), "-n", &ns, "--set", "v=c"]);
    assert_eq!(kubectl(&env, &["-n", &ns, "get", "cm", "h4-cm", "-o", "jsonpath={.data.v}"]), "c");

    // installed: false → diff says so, apply uninstalls
    let out = deployer(&ws, &["diff", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = deployer(&ws, &["apply"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(helm_json(&env.tool("DEPLOYER_TEST_HELM3"), &["list", "-n", &ns, "-a", "-q"]), serde_json::json!([]));
    assert_eq!(kubectl(&env, &["-n", &ns, "get", "cm", "-o", "name", "--ignore-not-found"]).lines().filter(|l| l.contains("h4")).count(), 0);
    // and a second apply has nothing to do
    let out = deployer(&ws, &["diff", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// Secrets are masked unless `--show-secrets`, left out with `--suppress-secrets`; `--color`
/// colours, the summary counts, and drift in the cluster is shown apart from the changes.
#[test]
fn diff_masks_secrets_colours_counts_and_shows_drift() {
    let Some(env) = TestEnv::get("cluster_audit") else { return };
    let t = tag();
    let ns = format!("cad-{t}");
    let ws = workspace(&format!("diff-{t}"), "", &format!(
        "releases:\n- name: d\n  namespace: {ns}\n  chart: ./audit\n  values:\n  - secret: hunter2-old\n"
    ));
    let _cleanup = Cleanup { kubectl: env.tool("DEPLOYER_TEST_KUBECTL"), objects: vec![format!("namespace/{ns}")], dir: ws.clone() };
    let out = deployer(&ws, &["apply"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = deployer(&ws, &["diff", "--detailed-exitcode"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()), "{}", text(&out));

    let change = ["diff", "--set", "secret=hunter2-new,v=2"];
    let masked = deployer(&ws, &change);
    let shown = stdout(&masked);
    assert!(shown.contains(&format!("{ns}, d-secret, Secret (v1) has changed:")), "{shown}");
    assert!(!shown.contains("hunter2") && !shown.contains("aHVudGVy"), "a Secret value leaked: {shown}");
    assert!(shown.contains("Plan: 0 to add, 2 to change, 0 to destroy."), "{shown}");
    assert!(!shown.contains('\x1b'), "NO_COLOR: {shown}");

    let clear = stdout(&deployer(&ws, &[&change[..], &["--show-secrets"]].concat()));
    // as helm-diff's --show-secrets: the stored (base64) values
    assert!(clear.contains("pw: aHVudGVyMi1uZXc=") && clear.contains("pw: aHVudGVyMi1vbGQ="), "{clear}");
    let suppressed = stdout(&deployer(&ws, &[&change[..], &["--suppress-secrets"]].concat()));
    assert!(!suppressed.contains("hunter2") && !suppressed.contains("pw:"), "{suppressed}");
    assert!(suppressed.contains("d-cm, ConfigMap"), "{suppressed}");

    let coloured = deployer(&ws, &[&["--color"][..], &change[..]].concat());
    assert!(stdout(&coloured).contains("\x1b["), "--color: {}", stdout(&coloured));

    // drift: someone edits the live ConfigMap; with nothing changed in the spec the diff shows
    // it apart, as drift, and apply restores it
    kubectl(&env, &["-n", &ns, "patch", "cm", "d-cm", "--type=merge", "-p", r#"{"data":{"v":"edited"}}"#]);
    let out = deployer(&ws, &["diff"]);
    let shown = stdout(&out);
    assert!(shown.contains("has drifted from the last release:") && shown.contains("edited"), "{shown}");
    assert!(shown.contains("Drift: 1 object changed in the cluster since the last release."), "{shown}");
    // the field is now kubectl's: apply refuses, naming field and manager, unless forced
    let out = deployer(&ws, &["apply"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(".data.v (managed by \"kubectl-patch\")") && text(&out).contains("--force-conflicts"), "{}", text(&out));
    let out = deployer(&ws, &["apply", "--force-conflicts"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(kubectl(&env, &["-n", &ns, "get", "cm", "d-cm", "-o", "jsonpath={.data.v}"]), "1");
    let out = deployer(&ws, &["diff", "--detailed-exitcode"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()), "{}", text(&out));
}

/// Every hook event runs (install, upgrade, rollback, delete), the default policy
/// `before-hook-creation` replaces a hook object on the next run, `hook-succeeded` deletes it,
/// `hook-failed` deletes a failed hook Job and fails the release; objects are created in helm's
/// kind order (by the apiserver's resourceVersion, which grows with every write).
#[test]
fn hook_events_delete_policies_and_kind_order() {
    let Some(env) = TestEnv::get("cluster_audit") else { return };
    let t = tag();
    let ns = format!("cak-{t}");
    let ws = workspace(&format!("hooks-{t}"), "", &format!(
        "releases:\n- name: k\n  namespace: {ns}\n  chart: ./audit\n  values:\n  - hooks: true\n    order: true\n"
    ));
    let _cleanup = Cleanup { kubectl: env.tool("DEPLOYER_TEST_KUBECTL"), objects: vec![format!("namespace/{ns}")], dir: ws.clone() };
    let cms = || -> Vec<String> {
        let mut v: Vec<String> = kubectl(&env, &["-n", &ns, "get", "cm", "-o", "name"]).lines().filter_map(|l| l.strip_prefix("configmap/k-on-").map(str::to_string)).collect();
        v.sort();
        v
    };
    let uid = |name: &str| kubectl(&env, &["-n", &ns, "get", "cm", name, "-o", "jsonpath={.metadata.uid}"]);
    let out = deployer(&ws, &["sync"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(cms(), ["post-install", "pre-install"]);
    assert_eq!(kubectl(&env, &["-n", &ns, "get", "cm", "k-hk-ok", "--ignore-not-found", "-o", "name"]), "", "hook-succeeded");

    let rv = |kind: &str, name: &str| -> u64 {
        kubectl(&env, &["-n", &ns, "get", kind, name, "-o", "jsonpath={.metadata.resourceVersion}"]).parse().expect("resourceVersion")
    };
    let order = [rv("serviceaccount", "k-sa"), rv("secret", "k-sec"), rv("configmap", "k-cm"), rv("role", "k-role"), rv("rolebinding", "k-rb"), rv("service", "k-svc")];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "created in helm's kind order (SA, Secret, ConfigMap, Role, RoleBinding, Service): {order:?}");

    let first = uid("k-on-post-install");
    let out = deployer(&ws, &["sync", "--set", "v=2"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(cms(), ["post-install", "post-upgrade", "pre-install", "pre-upgrade"]);
    assert_eq!(uid("k-on-post-install"), first, "install hooks do not run on upgrade");
    let upgrade_uid = uid("k-on-post-upgrade");
    let out = deployer(&ws, &["sync", "--set", "v=3"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_ne!(uid("k-on-post-upgrade"), upgrade_uid, "before-hook-creation: the old hook object is replaced");

    // hook-failed: the Job fails (deadline), the release fails and the Job is deleted
    let out = deployer(&ws, &["sync", "--set", "failhook=true", "--timeout", "30"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("k-hk-fail"), "{}", text(&out));
    wait_until("the failed hook Job to be deleted", Duration::from_secs(20), || {
        kubectl(&env, &["-n", &ns, "get", "job", "k-hk-fail", "--ignore-not-found", "-o", "name"]).is_empty()
    });

    let out = run(Command::new(env!("CARGO_BIN_EXE_deployer")).args(["--kube-context", "admin", "release", "rollback", "k", "2", "-n", &ns]));
    assert!(out.status.success(), "{}", text(&out));
    assert!(cms().contains(&"pre-rollback".to_string()) && cms().contains(&"post-rollback".to_string()), "{:?}", cms());
    let out = deployer(&ws, &["destroy"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(cms().contains(&"pre-delete".to_string()) && cms().contains(&"post-delete".to_string()), "{:?}", cms());
    assert_eq!(kubectl(&env, &["-n", &ns, "get", "cm", "k-cm", "--ignore-not-found", "-o", "name"]), "");
}
