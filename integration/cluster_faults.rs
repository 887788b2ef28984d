//! Faults on the real control plane: the kube-apiserver killed mid-apply (and restarted, or
//! left down), Ctrl-C (SIGINT) during an apply, throttling (429 from API Priority and Fairness),
//! and `destroy --wait` / `release uninstall --wait` on objects held by a finalizer.
//!
//! The tests of this file run one at a time (they share one apiserver that one of them kills).
//! Killing the apiserver needs a test environment of its own: that test runs under `CI=true`
//! or when `DEPLOYER_TESTENV_STATE` is not the shared default, and skips with one line
//! otherwise. Each test works in a namespace of its own and deletes it at the end.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{TestEnv, run, text};

/// Held by every test: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn tag() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{:06x}", (n ^ (std::process::id() << 8)) & 0xffffff)
}

/// A namespace of our own (and cluster-scoped objects to delete), removed when dropped.
struct Scratch {
    kubectl: PathBuf,
    ns: String,
    cluster_objects: Vec<String>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for o in &self.cluster_objects {
            let _ = Command::new(&self.kubectl).args(["--context", "admin", "delete", o, "--ignore-not-found"]).output();
        }
        // objects held by the test finalizer would keep the namespace terminating
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{k} --context admin -n {ns} get cm -o name | xargs -r -n1 {k} --context admin -n {ns} patch --type=merge -p '{{\"metadata\":{{\"finalizers\":null}}}}'",
                k = self.kubectl.display(),
                ns = self.ns
            ))
            .output();
        let _ = Command::new(&self.kubectl).args(["--context", "admin", "delete", "namespace", &self.ns, "--wait=false"]).output();
        let _ = std::fs::remove_dir_all(spec_dir(&self.ns));
    }
}

/// Where [`spec`] writes the helmfile of a namespace's test.
fn spec_dir(ns: &str) -> PathBuf {
    std::env::temp_dir().join(format!("deployer-faults-{ns}"))
}

fn scratch(env: &TestEnv, prefix: &str) -> Scratch {
    Scratch { kubectl: env.tool("DEPLOYER_TEST_KUBECTL"), ns: format!("{prefix}-{}", tag()), cluster_objects: Vec::new() }
}

/// A helmfile with one release `app` of a small chart: a ConfigMap (optionally held by a
/// finalizer), `count` more ConfigMaps, and with `hold` a pre-upgrade hook Pod that is never
/// scheduled (it keeps an upgrade in flight, its release pending, until the hook times out).
fn spec(ns: &str, releases: &[&str], create_namespace: bool) -> PathBuf {
    let dir = spec_dir(ns);
    let _ = std::fs::remove_dir_all(&dir);
    let chart = dir.join("chart");
    std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: faults\nversion: 0.1.0\nappVersion: \"1.0\"\n").expect("chart");
    std::fs::write(chart.join("values.yaml"), "data:\n  a: \"1\"\nhold: false\nfinalizer: false\ncount: 0\n").expect("values");
    std::fs::write(
        chart.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n{{- if .Values.finalizer }}\n  finalizers:\n    - deployer.test/hold\n{{- end }}\ndata:\n{{- toYaml .Values.data | nindent 2 }}\n\
         {{- range $i := until (int .Values.count) }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ $.Release.Name }}-extra-{{ $i }}\ndata:\n  i: {{ $i | quote }}\n{{- end }}\n",
    )
    .expect("cm");
    std::fs::write(
        chart.join("templates/hold.yaml"),
        "{{- if .Values.hold }}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-hold\n  annotations:\n    helm.sh/hook: pre-upgrade\nspec:\n  nodeSelector:\n    nowhere: \"true\"\n  containers:\n    - name: c\n      image: example.invalid/x:1\n{{- end }}\n",
    )
    .expect("hook");
    let mut text = format!("helmDefaults:\n  createNamespace: {create_namespace}\nreleases:\n");
    for r in releases {
        text.push_str(&format!("- name: {r}\n  namespace: {ns}\n  chart: ./chart\n"));
    }
    std::fs::write(dir.join("helmfile.yaml"), text).expect("spec");
    dir
}

fn deployer_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_deployer"));
    cmd.arg("-f").arg(dir).args(args).env("NO_COLOR", "1");
    cmd
}

fn deployer(dir: &Path, args: &[&str]) -> Output {
    run(&mut deployer_cmd(dir, args))
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    deployer_cmd(dir, args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn deployer")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn kubectl(env: &TestEnv, args: &[&str]) -> Output {
    run(Command::new(env.tool("DEPLOYER_TEST_KUBECTL")).args(["--context", "admin"]).args(args))
}

fn kubectl_ok(env: &TestEnv, args: &[&str]) -> String {
    let out = kubectl(env, args);
    assert!(out.status.success(), "kubectl {args:?}: {}", text(&out));
    stdout(&out)
}

fn kubectl_stdin(env: &TestEnv, args: &[&str], input: &str) {
    use std::io::Write;
    let mut child = Command::new(env.tool("DEPLOYER_TEST_KUBECTL"))
        .args(["--context", "admin"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("kubectl");
    assert!(out.status.success(), "kubectl {args:?}: {}", text(&out));
}

/// The statuses of a release's revisions, oldest first, read from helm's Secrets.
fn statuses(env: &TestEnv, ns: &str, name: &str) -> Vec<String> {
    let out = kubectl_ok(env, &["get", "secrets", "-n", ns, "-l", &format!("owner=helm,name={name}"), "-o", "json"]);
    let list: serde_json::Value = serde_json::from_str(&out).expect("secret list");
    let mut revs: Vec<(u64, String)> = list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|s| {
                    let labels = &s["metadata"]["labels"];
                    (labels["version"].as_str().and_then(|v| v.parse().ok()).unwrap_or(0), labels["status"].as_str().unwrap_or("").to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    revs.sort();
    revs.into_iter().map(|(_, s)| s).collect()
}

/// The stored record of one revision (base64), to prove it unchanged.
fn record(env: &TestEnv, ns: &str, name: &str, version: u32) -> String {
    kubectl_ok(env, &["get", "secret", "-n", ns, &format!("sh.helm.release.v1.{name}.v{version}"), "-o", "jsonpath={.data.release}"])
}

fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(150));
    }
}

fn wait_pending(env: &TestEnv, ns: &str, name: &str, child: &mut Child) {
    wait_until("a pending-upgrade revision", Duration::from_secs(30), || {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("deployer exited ({status}) before its release became pending");
        }
        statuses(env, ns, name).last().is_some_and(|s| s == "pending-upgrade")
    });
}

fn signal(pid: u32, sig: &str) {
    let out = run(Command::new("kill").args([&format!("-{sig}"), "--", &pid.to_string()]));
    assert!(out.status.success(), "kill -{sig} {pid}: {}", text(&out));
}

/// The test environment's kube-apiserver process: its command line is read from /proc so the
/// same server (ports, certificates, etcd) can be started again after a SIGKILL.
struct Apiserver {
    state: PathBuf,
    argv: Vec<String>,
}

impl Apiserver {
    fn pidfile(&self) -> PathBuf {
        self.state.join("pids/kube-apiserver.pid")
    }

    fn of(env: &TestEnv) -> Apiserver {
        let state = env.state.clone();
        let pid = std::fs::read_to_string(state.join("pids/kube-apiserver.pid")).expect("apiserver pid file");
        let raw = std::fs::read(format!("/proc/{}/cmdline", pid.trim())).expect("apiserver command line");
        let argv = raw.split(|b| *b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
        Apiserver { state, argv }
    }

    fn pid(&self) -> u32 {
        std::fs::read_to_string(self.pidfile()).expect("pid").trim().parse().expect("pid number")
    }

    /// SIGKILL to its process group (testenv starts each component as a group leader).
    fn kill(&self) {
        let pid = self.pid();
        let out = run(Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]));
        assert!(out.status.success(), "kill the apiserver: {}", text(&out));
        wait_until("the apiserver to die", Duration::from_secs(10), || !alive(pid));
    }

    /// Starts it again as testenv does (own session, log appended; a shell in between so the
    /// server is not our child), and waits until ready.
    fn start(&self, env: &TestEnv) {
        let out = run(Command::new("sh")
            .arg("-c")
            .arg(r#"setsid "$@" >>"$LOG" 2>&1 </dev/null & echo $!"#)
            .arg("sh")
            .args(&self.argv)
            .env("LOG", self.state.join("logs/kube-apiserver.log")));
        assert!(out.status.success(), "start kube-apiserver: {}", text(&out));
        std::fs::write(self.pidfile(), stdout(&out)).expect("pid file");
        wait_until("the apiserver to be ready again", Duration::from_secs(120), || {
            kubectl(env, &["get", "--raw", "/readyz", "--request-timeout", "3s"]).status.success()
        });
    }
}

/// Whether a process runs (a zombie, killed but not reaped yet, does not).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // `pid (comm) state …`: the state follows the last ')'
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}

fn may_kill_apiserver(env: &TestEnv) -> bool {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        return true;
    }
    let cache = std::env::var("DEPLOYER_TESTENV_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/deployer-testenv"));
    let shared = std::fs::canonicalize(cache.join("run")).unwrap_or(cache.join("run"));
    std::fs::canonicalize(&env.state).unwrap_or(env.state.clone()) != shared
}

#[test]
fn apiserver_killed_mid_apply() {
    let Some(env) = TestEnv::get("cluster_faults") else { return };
    if !may_kill_apiserver(&env) {
        eprintln!("skipped apiserver_killed_mid_apply: it kills the apiserver; run it on a test environment of its own (DEPLOYER_TESTENV_STATE=/tmp/x scripts/testenv up) or under CI=true");
        return;
    }
    let _serial = serial();
    let s = scratch(&env, "cf-kill");
    let ns = s.ns.as_str();
    let dir = spec(ns, &["app"], true);
    let out = deployer(&dir, &["sync"]);
    assert!(out.status.success(), "{}", text(&out));
    let first = record(&env, ns, "app", 1);
    let apiserver = Apiserver::of(&env);

    // 1. Killed while an upgrade is in flight, back a few seconds later: the failure is
    // recorded once the server answers again; nothing is left pending.
    let mut child = spawn(&dir, &["sync", "--set", "hold=true", "--set", "data.a=two", "--timeout", "90"]);
    wait_pending(&env, ns, "app", &mut child);
    let t = Instant::now();
    apiserver.kill();
    std::thread::sleep(Duration::from_secs(2));
    apiserver.start(&env);
    let down = t.elapsed();
    let out = child.wait_with_output().expect("deployer");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!stderr(&out).contains("may be left"), "the failure was recorded: {}", text(&out));
    assert_eq!(statuses(&env, ns, "app"), ["deployed", "failed"]);
    assert_eq!(record(&env, ns, "app", 1), first, "revision 1 is unchanged");

    // 2. Killed and left down: after its retries deployer says the release may be left
    // pending and how to recover.
    let mut child = spawn(&dir, &["sync", "--set", "hold=true", "--timeout", "8"]);
    wait_pending(&env, ns, "app", &mut child);
    apiserver.kill();
    let t = Instant::now();
    let out = child.wait_with_output().expect("deployer");
    let gave_up = t.elapsed();
    apiserver.start(&env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("revision 3 may be left pending-upgrade"), "{err}");
    assert!(err.contains(&format!("deployer release unlock app -n {ns}")), "{err}");
    eprintln!("cluster_faults: with the apiserver left down, deployer says:\n{}", err.trim_end());
    assert_eq!(statuses(&env, ns, "app"), ["deployed", "failed", "pending-upgrade"]);
    assert_eq!(record(&env, ns, "app", 1), first, "revision 1 is unchanged");
    let out = deployer(&dir, &["release", "unlock", "app", "-n", ns]);
    assert!(out.status.success() && stdout(&out).contains("revision 3 marked failed"), "{}", text(&out));

    // the next apply converges, and a diff after it is empty
    let out = deployer(&dir, &["apply"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(statuses(&env, ns, "app"), ["superseded", "failed", "failed", "deployed"]);
    let out = deployer(&dir, &["diff", "--detailed-exitcode"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()), "{}", text(&out));
    eprintln!("cluster_faults: apiserver down and back in {down:?}; left down, deployer gave up after {gave_up:?}");
}

#[test]
fn sigint_during_apply_marks_failed_and_exits_130() {
    let Some(env) = TestEnv::get("cluster_faults") else { return };
    let _serial = serial();
    let s = scratch(&env, "cf-int");
    let ns = s.ns.as_str();
    let dir = spec(ns, &["app"], true);
    let out = deployer(&dir, &["sync"]);
    assert!(out.status.success(), "{}", text(&out));
    let first = record(&env, ns, "app", 1);

    let mut child = spawn(&dir, &["apply", "--set", "hold=true", "--set", "data.a=two", "--timeout", "90"]);
    wait_pending(&env, ns, "app", &mut child);
    let t = Instant::now();
    signal(child.id(), "INT");
    let out = child.wait_with_output().expect("deployer");
    let took = t.elapsed();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    let err = stderr(&out);
    let said: Vec<&str> = err.lines().filter(|l| l.contains("interrupted")).collect();
    assert_eq!(said, [format!("interrupted: in-flight requests cancelled; marked failed: {ns}/app")], "{err}");
    assert!(took < Duration::from_secs(20), "Ctrl-C took {took:?}");
    assert_eq!(statuses(&env, ns, "app"), ["deployed", "failed"]);
    assert_eq!(record(&env, ns, "app", 1), first, "revision 1 is unchanged");
    let described = run(Command::new(env.tool("DEPLOYER_TEST_HELM3")).args(["--kube-context", "admin", "history", "app", "-n", ns, "-o", "json"]));
    assert!(stdout(&described).contains("interrupted (Ctrl-C)"), "{}", text(&described));

    let out = deployer(&dir, &["apply"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = deployer(&dir, &["diff", "--detailed-exitcode"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()), "{}", text(&out));
    eprintln!("cluster_faults: SIGINT to exit in {took:?}");
}

/// The `apiserver_flowcontrol_rejected_requests_total` samples of a flow schema, summed.
fn rejected(env: &TestEnv, flow_schema: &str) -> u64 {
    let metrics = kubectl_ok(env, &["get", "--raw", "/metrics"]);
    let label = format!("flow_schema=\"{flow_schema}\"");
    metrics
        .lines()
        .filter(|l| l.starts_with("apiserver_flowcontrol_rejected_requests_total{") && l.contains(&label))
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .sum::<f64>() as u64
}

#[test]
fn throttled_requests_are_retried() {
    let Some(env) = TestEnv::get("cluster_faults") else { return };
    let _serial = serial();
    let mut s = scratch(&env, "cf-429");
    let ns = s.ns.clone();
    kubectl_ok(&env, &["create", "namespace", &ns]);
    // A user of our own (a ServiceAccount with admin rights in the namespace), and API Priority
    // and Fairness putting every request of it in a priority level of its own that rejects
    // (429, no queueing) whatever exceeds its tiny concurrency.
    let sa = "throttled";
    kubectl_ok(&env, &["-n", &ns, "create", "serviceaccount", sa]);
    kubectl_ok(&env, &["-n", &ns, "create", "rolebinding", sa, "--clusterrole", "admin", "--serviceaccount", &format!("{ns}:{sa}")]);
    let level = format!("deployer-{ns}");
    s.cluster_objects.push(format!("flowschema.flowcontrol.apiserver.k8s.io/{level}"));
    s.cluster_objects.push(format!("prioritylevelconfiguration.flowcontrol.apiserver.k8s.io/{level}"));
    kubectl_stdin(
        &env,
        &["apply", "-f", "-"],
        &format!(
            "apiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: PriorityLevelConfiguration\nmetadata:\n  name: {level}\nspec:\n  type: Limited\n  limited:\n    nominalConcurrencyShares: 1\n    lendablePercent: 0\n    borrowingLimitPercent: 0\n    limitResponse:\n      type: Reject\n\
             ---\napiVersion: flowcontrol.apiserver.k8s.io/v1\nkind: FlowSchema\nmetadata:\n  name: {level}\nspec:\n  priorityLevelConfiguration:\n    name: {level}\n  matchingPrecedence: 300\n  distinguisherMethod:\n    type: ByUser\n  rules:\n  - subjects:\n    - kind: ServiceAccount\n      serviceAccount: {{name: {sa}, namespace: {ns}}}\n    resourceRules:\n    - {{verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true}}\n    nonResourceRules:\n    - {{verbs: ['*'], nonResourceURLs: ['*']}}\n"
        ),
    );
    let token = kubectl_ok(&env, &["-n", &ns, "create", "token", sa, "--duration", "1h"]);
    let server = kubectl_ok(&env, &["config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"]);
    let ca = kubectl_ok(&env, &["config", "view", "--raw", "--minify", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}"]);
    let releases: Vec<String> = (0..8).map(|i| format!("r{i}")).collect();
    let names: Vec<&str> = releases.iter().map(String::as_str).collect();
    let dir = spec(&ns, &names, false);
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: {server}, certificate-authority-data: {ca}}}\nusers:\n- name: u\n  user: {{token: {}}}\ncontexts:\n- name: throttled\n  context: {{cluster: c, user: u, namespace: {ns}}}\ncurrent-context: throttled\n",
            token.trim()
        ),
    )
    .expect("kubeconfig");
    // the priority level is in force once the apiserver reports it in the FlowSchema's status
    wait_until("the FlowSchema to be in force", Duration::from_secs(30), || {
        kubectl_ok(&env, &["get", "flowschema", &level, "-o", "jsonpath={.status.conditions[?(@.type==\"Dangling\")].status}"]) == "False"
    });

    let before = rejected(&env, &level);
    let kc = kubeconfig.to_str().expect("path");
    let t = Instant::now();
    let out = deployer(&dir, &["--kubeconfig", kc, "--concurrency", "8", "sync", "--set", "count=12"]);
    let took = t.elapsed();
    assert!(out.status.success(), "sync under throttling: {}", text(&out));
    let after = rejected(&env, &level);
    assert!(after > before, "no request was rejected (429): {before} → {after}");
    for r in &names {
        assert_eq!(statuses(&env, &ns, r), ["deployed"], "{r}");
    }
    let cms = kubectl_ok(&env, &["-n", &ns, "get", "cm", "-o", "name"]);
    assert_eq!(cms.lines().filter(|l| l.contains("-extra-")).count(), 8 * 12, "{cms}");
    // reads under throttling too: diff lists every kind and reads every release
    let out = deployer(&dir, &["--kubeconfig", kc, "--concurrency", "8", "diff", "--detailed-exitcode", "--set", "count=12"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()), "{}", text(&out));
    eprintln!("cluster_faults: 8 releases x 13 objects under APF Reject: {} requests rejected (429) and retried, sync took {took:?}", after - before);
}

#[test]
fn destroy_and_uninstall_wait_for_finalizers() {
    let Some(env) = TestEnv::get("cluster_faults") else { return };
    let _serial = serial();
    let s = scratch(&env, "cf-wait");
    let ns = s.ns.as_str();
    let dir = spec(ns, &["app"], true);
    let out = deployer(&dir, &["sync", "--set", "finalizer=true"]);
    assert!(out.status.success(), "{}", text(&out));

    // destroy --wait returns only once the ConfigMap held by the finalizer is gone
    let mut child = spawn(&dir, &["destroy", "--wait", "--timeout", "60"]);
    wait_until("the ConfigMap to be terminating", Duration::from_secs(30), || {
        !kubectl_ok(&env, &["-n", ns, "get", "cm", "app-cm", "-o", "jsonpath={.metadata.deletionTimestamp}"]).is_empty()
    });
    std::thread::sleep(Duration::from_secs(2));
    assert!(child.try_wait().expect("wait").is_none(), "destroy --wait returned while the ConfigMap still exists");
    kubectl_ok(&env, &["-n", ns, "patch", "cm", "app-cm", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}"]);
    let out = child.wait_with_output().expect("destroy");
    assert!(out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("app: waiting for 1 object to be deleted: ConfigMap/app-cm"), "live progress: {}", stderr(&out));
    assert!(stdout(&out).contains("DELETED RELEASES"), "{}", text(&out));
    assert_eq!(statuses(&env, ns, "app"), Vec::<String>::new());

    // release uninstall --wait with a deadline the finalizer outlives: the uninstall completes
    // (as helm's does) and the timeout is the error, naming the object
    let out = deployer(&dir, &["sync", "--set", "finalizer=true"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = deployer(&dir, &["release", "uninstall", "app", "-n", ns, "--wait", "--timeout", "3"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("timed out after 3s waiting for deletion of ConfigMap/app-cm"), "{err}");
    assert!(err.contains("app: waiting for 1 object to be deleted: ConfigMap/app-cm"), "{err}");
    assert_eq!(statuses(&env, ns, "app"), Vec::<String>::new(), "history removed");
    kubectl_ok(&env, &["-n", ns, "patch", "cm", "app-cm", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}"]);

    // Ctrl-C while waiting: exit 130 with one line; the release is left uninstalling, and
    // uninstalling again finishes it
    let out = deployer(&dir, &["sync", "--set", "finalizer=true"]);
    assert!(out.status.success(), "{}", text(&out));
    let child = spawn(&dir, &["release", "uninstall", "app", "-n", ns, "--wait", "--timeout", "60"]);
    wait_until("the ConfigMap to be terminating", Duration::from_secs(30), || {
        !kubectl_ok(&env, &["-n", ns, "get", "cm", "app-cm", "-o", "jsonpath={.metadata.deletionTimestamp}"]).is_empty()
    });
    signal(child.id(), "INT");
    let out = child.wait_with_output().expect("uninstall");
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert!(stderr(&out).ends_with("Error: interrupted: in-flight requests cancelled; the release is left uninstalling: run the uninstall again\n"), "{}", text(&out));
    assert_eq!(statuses(&env, ns, "app"), ["uninstalling"]);
    kubectl_ok(&env, &["-n", ns, "patch", "cm", "app-cm", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}"]);
    let out = deployer(&dir, &["release", "uninstall", "app", "-n", ns, "--wait"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(statuses(&env, ns, "app"), Vec::<String>::new());

    // the same for destroy --wait
    let out = deployer(&dir, &["sync", "--set", "finalizer=true"]);
    assert!(out.status.success(), "{}", text(&out));
    let child = spawn(&dir, &["destroy", "--wait"]);
    wait_until("the ConfigMap to be terminating", Duration::from_secs(30), || {
        !kubectl_ok(&env, &["-n", ns, "get", "cm", "app-cm", "-o", "jsonpath={.metadata.deletionTimestamp}"]).is_empty()
    });
    signal(child.id(), "INT");
    let out = child.wait_with_output().expect("destroy");
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    let err = stderr(&out);
    let said: Vec<&str> = err.lines().filter(|l| l.contains("interrupted")).collect();
    assert_eq!(said, [format!("interrupted: in-flight requests cancelled; not finished (run destroy again): {ns}/app")], "{err}");
    assert_eq!(statuses(&env, ns, "app"), ["uninstalling"]);
    kubectl_ok(&env, &["-n", ns, "patch", "cm", "app-cm", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}"]);
    let out = deployer(&dir, &["destroy", "--wait"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(statuses(&env, ns, "app"), Vec::<String>::new());

    // helmfile's `deleteWait`/`deleteTimeout` (here in helmDefaults) wait as --wait does
    let out = deployer(&dir, &["sync", "--set", "finalizer=true"]);
    assert!(out.status.success(), "{}", text(&out));
    let spec_file = dir.join("helmfile.yaml");
    let original = std::fs::read_to_string(&spec_file).expect("spec");
    std::fs::write(&spec_file, original.replace("helmDefaults:\n", "helmDefaults:\n  deleteWait: true\n  deleteTimeout: 2\n")).expect("spec");
    let out = deployer(&dir, &["destroy"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stderr(&out).contains("timed out after 2s waiting for deletion of ConfigMap/app-cm"), "{}", text(&out));
    std::fs::write(&spec_file, original).expect("spec");
    kubectl_ok(&env, &["-n", ns, "patch", "cm", "app-cm", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}"]);

    // without --wait nothing waits
    let out = deployer(&dir, &["sync", "--set", "finalizer=true"]);
    assert!(out.status.success(), "{}", text(&out));
    let t = Instant::now();
    let out = deployer(&dir, &["destroy"]);
    assert!(out.status.success() && t.elapsed() < Duration::from_secs(20), "{}", text(&out));
    assert!(!stderr(&out).contains("waiting for"), "{}", text(&out));
}
