//! Rendering with the cluster's facts, dry-run before apply, and the exact diff mode, against
//! the real kube-apiserver of `scripts/testenv`, with the real helm 3 and helm 4 as oracles:
//!
//! - a chart reading `lookup`, `.Capabilities` and `.Release.IsInstall/IsUpgrade/Revision` is
//!   installed and upgraded by `helm upgrade --install` (3 and 4) in one namespace and by deployer in
//!   another (`--helm-compat` to match); `helm get manifest` of every revision must be equal
//!   but for the namespace;
//!   a lookup the user may not make fails both with the apiserver's message;
//! - a release with a valid ConfigMap and an invalid Deployment applies nothing;
//! - `diff --diff-mode exact` hides what the server defaults back and fails on invalid
//!   objects; an unchanged release is an empty diff in both modes.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{TestEnv, run, text};

fn tag() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{:06x}", (n ^ (std::process::id() << 8)) & 0xffffff)
}

/// Deletes the namespaces when dropped.
struct Cleanup {
    kubectl: PathBuf,
    namespaces: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for ns in &self.namespaces {
            let _ = Command::new(&self.kubectl).args(["delete", "namespace", ns, "--wait=false"]).output();
        }
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn deployer(dir: &Path, args: &[&str]) -> Output {
    run(Command::new(env!("CARGO_BIN_EXE_deployer")).arg("-f").arg(dir).args(args).env("NO_COLOR", "1"))
}

fn ok(out: Output, what: &str) -> String {
    assert!(out.status.success(), "{what}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A spec directory: `helmfile.yaml` with one release of `./chart` in `ns`.
fn spec_dir(name: &str, release: &str, ns: &str, chart: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deployer-cluster-render-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    write(&dir.join("helmfile.yaml"), &format!("releases:\n- name: {release}\n  namespace: {ns}\n  chart: ./chart\n"));
    for (path, body) in chart {
        write(&dir.join("chart").join(path), body);
    }
    dir
}

const ORACLE_TEMPLATE: &str = r#"{{- $ns := .Release.Namespace }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: facts
data:
  install: {{ .Release.IsInstall | quote }}
  upgrade: {{ .Release.IsUpgrade | quote }}
  revision: {{ .Release.Revision | quote }}
  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}
  kubeMajorMinor: "{{ .Capabilities.KubeVersion.Major }}.{{ .Capabilities.KubeVersion.Minor }}"
  hasApps: {{ .Capabilities.APIVersions.Has "apps/v1" | quote }}
  hasDeployment: {{ .Capabilities.APIVersions.Has "apps/v1/Deployment" | quote }}
  hasScale: {{ .Capabilities.APIVersions.Has "apps/v1/Scale" | quote }}
  hasMissing: {{ .Capabilities.APIVersions.Has "example.com/v1" | quote }}
  {{- $seed := lookup "v1" "ConfigMap" $ns "seed" }}
  seed: {{ $seed.data.greeting | default "none" | quote }}
  seedKind: {{ $seed.kind | quote }}
  {{- $svc := lookup "v1" "Service" $ns "seed" }}
  portType: {{ printf "%T %v" (index $svc.spec.ports 0).port (index $svc.spec.ports 0).port | quote }}
  {{- $missing := lookup "v1" "ConfigMap" $ns "missing" }}
  missing: {{ printf "%T %d" $missing (len $missing) | quote }}
  namespaceName: {{ (lookup "v1" "Namespace" "" $ns).metadata.name | quote }}
  {{- $list := lookup "v1" "ConfigMap" $ns "" }}
  listKind: {{ $list.kind | quote }}
  listNames: {{ range $list.items }}{{ .metadata.name }}/{{ .kind }},{{ end }}
  unknownKind: {{ lookup "v1" "NoSuchKind" $ns "x" | len | quote }}
---
{{- $old := lookup "v1" "Secret" $ns "generated" }}
apiVersion: v1
kind: Secret
metadata:
  name: generated
data:
  {{- if $old }}
  password: {{ $old.data.password }}
  origin: {{ "kept" | b64enc }}
  {{- else }}
  password: {{ printf "first-%s" .Values.suffix | b64enc }}
  origin: {{ "new" | b64enc }}
  {{- end }}
"#;

#[test]
fn render_facts_match_helm_upgrade_install() {
    let Some(env) = TestEnv::get("cluster_render") else { return };
    let kubectl = env.tool("DEPLOYER_TEST_KUBECTL");
    let helm = env.tool("DEPLOYER_TEST_HELM3");
    let t = tag();
    for (helm_var, compat) in [("DEPLOYER_TEST_HELM3", "v3"), ("DEPLOYER_TEST_HELM4", "v4")] {
        let helm = env.tool(helm_var);
        let (ns_helm, ns_dep) = (format!("crh{compat}-{t}"), format!("crd{compat}-{t}"));
        let _cleanup = Cleanup { kubectl: kubectl.clone(), namespaces: vec![ns_helm.clone(), ns_dep.clone()] };
        let chart = [
            ("Chart.yaml", "apiVersion: v2\nname: facts\nversion: 0.1.0\n"),
            ("values.yaml", "suffix: a\n"),
            ("templates/facts.yaml", ORACLE_TEMPLATE),
        ];
        let dir = spec_dir(&format!("oracle-{compat}-{t}"), "facts", &ns_dep, &chart);
        for ns in [&ns_helm, &ns_dep] {
            ok(run(Command::new(&kubectl).args(["create", "namespace", ns])), "create namespace");
            ok(run(Command::new(&kubectl).args(["-n", ns, "create", "configmap", "seed", "--from-literal=greeting=hello"])), "seed cm");
            ok(run(Command::new(&kubectl).args(["-n", ns, "create", "service", "clusterip", "seed", "--tcp=80:8080"])), "seed svc");
        }
        let chart_dir = dir.join("chart");
        let chart_path = chart_dir.to_str().expect("utf-8");
        for suffix in ["a", "b"] {
            let set = format!("suffix={suffix}");
            ok(run(Command::new(&helm).args(["upgrade", "--install", "facts", chart_path, "-n", &ns_helm, "--set", &set])), "helm upgrade --install");
            ok(deployer(&dir, &["sync", "--helm-compat", compat, "--set", &set]), "deployer sync");
        }
        for revision in ["1", "2"] {
            let manifest = |ns: &str| {
                ok(run(Command::new(&helm).args(["get", "manifest", "facts", "-n", ns, "--revision", revision])), "helm get manifest")
            };
            let by_helm = manifest(&ns_helm).replace(&ns_helm, "NS");
            let by_deployer = manifest(&ns_dep).replace(&ns_dep, "NS");
            assert_eq!(by_deployer, by_helm, "helm {compat}, revision {revision}: deployer's manifest differs from helm's");
            assert!(by_helm.contains("portType: \"int64 80\"") && by_helm.contains("seed: \"hello\""), "{by_helm}");
            let expect_upgrade = if revision == "2" { "upgrade: \"true\"" } else { "upgrade: \"false\"" };
            assert!(by_helm.contains(expect_upgrade), "{by_helm}");
        }
    }

    // A lookup the user may not make fails the release, with the apiserver's words, in both.
    let limited = common::var("DEPLOYER_TEST_KUBE_LIMITED_CONTEXT");
    let forbidden = [
        ("Chart.yaml", "apiVersion: v2\nname: peek\nversion: 0.1.0\n"),
        ("templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: peek\ndata:\n  n: {{ (lookup \"v1\" \"Secret\" \"default\" \"any\").kind | quote }}\n"),
    ];
    let release = format!("peek-{t}");
    let dir = spec_dir(&format!("forbidden-{t}"), &release, "limited", &forbidden);
    let chart_dir = dir.join("chart");
    let by_helm = run(Command::new(&helm).args(["upgrade", "--install", &release, chart_dir.to_str().expect("utf-8"), "-n", "limited", "--kube-context", &limited]));
    let by_deployer = deployer(&dir, &["--kube-context", &limited, "sync"]);
    let _ = run(Command::new(&helm).args(["uninstall", &release, "-n", "limited"]));
    assert!(!by_helm.status.success() && by_deployer.status.code() == Some(1), "{}\n{}", text(&by_helm), text(&by_deployer));
    let helm_err = text(&by_helm);
    let start = helm_err.find("error calling lookup").expect("helm's lookup error");
    let helm_cause = helm_err[start..].lines().next().unwrap_or_default().trim();
    assert!(text(&by_deployer).contains(helm_cause), "deployer: {}\nhelm: {helm_cause}", text(&by_deployer));
}

const DRY_RUN_TEMPLATE: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: config
data:
  value: {{ .Values.value | quote }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example.invalid/web:1
"#;

fn statuses(helm: &Path, release: &str, ns: &str) -> Vec<String> {
    let out = ok(run(Command::new(helm).args(["history", release, "-n", ns, "-o", "json"])), "helm history");
    let j: serde_json::Value = serde_json::from_str(&out).expect("history json");
    j.as_array().expect("array").iter().map(|r| r["status"].as_str().unwrap_or_default().to_string()).collect()
}

#[test]
fn invalid_object_applies_nothing_of_its_release() {
    let Some(env) = TestEnv::get("cluster_render") else { return };
    let kubectl = env.tool("DEPLOYER_TEST_KUBECTL");
    let helm = env.tool("DEPLOYER_TEST_HELM3");
    let ns = format!("crv-{}", tag());
    let _cleanup = Cleanup { kubectl: kubectl.clone(), namespaces: vec![ns.clone()] };
    let chart = [
        ("Chart.yaml", "apiVersion: v2\nname: pair\nversion: 0.1.0\n"),
        ("values.yaml", "value: one\nreplicas: 1\n"),
        ("templates/all.yaml", DRY_RUN_TEMPLATE),
    ];
    let dir = spec_dir(&ns, "pair", &ns, &chart);
    let cm_value = || {
        let out = run(Command::new(&kubectl).args(["-n", &ns, "get", "configmap", "config", "-o", "jsonpath={.data.value}", "--ignore-not-found"]));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    // First install with an invalid Deployment: the ConfigMap is not created.
    let out = deployer(&dir, &["sync", "--set", "replicas=-1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = text(&out);
    assert!(err.contains("Deployment/web") && err.contains("spec.replicas"), "{err}");
    assert_eq!(cm_value(), "", "the ConfigMap of the failed release was created");
    assert_eq!(statuses(&helm, "pair", &ns), ["failed"]);

    ok(deployer(&dir, &["sync"]), "valid sync");
    assert_eq!(cm_value(), "one");

    // An upgrade changing the ConfigMap with an invalid Deployment: the ConfigMap stays.
    let out = deployer(&dir, &["sync", "--set", "replicas=-1", "--set", "value=two"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("spec.replicas"), "{}", text(&out));
    assert_eq!(cm_value(), "one", "the ConfigMap of the failed release was changed");
    assert_eq!(statuses(&helm, "pair", &ns), ["failed", "deployed", "failed"]);
    ok(deployer(&dir, &["destroy"]), "destroy");
}

const DEFAULTS_TEMPLATE: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8080
  {{- if .Values.explicitDefaults }}
  type: ClusterIP
  sessionAffinity: None
  {{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {{ .Values.replicas }}
  {{- if .Values.explicitDefaults }}
  revisionHistoryLimit: 10
  progressDeadlineSeconds: 600
  {{- end }}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example.invalid/web:1
          {{- if .Values.explicitDefaults }}
          imagePullPolicy: IfNotPresent
          terminationMessagePath: /dev/termination-log
          {{- end }}
"#;

#[test]
fn exact_diff_hides_server_defaults_and_surfaces_invalid_objects() {
    let Some(env) = TestEnv::get("cluster_render") else { return };
    let kubectl = env.tool("DEPLOYER_TEST_KUBECTL");
    let ns = format!("cre-{}", tag());
    let _cleanup = Cleanup { kubectl: kubectl.clone(), namespaces: vec![ns.clone()] };
    let chart = [
        ("Chart.yaml", "apiVersion: v2\nname: defaults\nversion: 0.1.0\n"),
        ("values.yaml", "explicitDefaults: true\nreplicas: 1\n"),
        ("templates/all.yaml", DEFAULTS_TEMPLATE),
    ];
    let dir = spec_dir(&ns, "defaults", &ns, &chart);
    ok(deployer(&dir, &["sync"]), "sync");
    let diff = |args: &[&str]| {
        let mut all = vec!["diff", "--detailed-exitcode"];
        all.extend_from_slice(args);
        deployer(&dir, &all)
    };
    for mode in ["fast", "exact"] {
        let out = diff(&["--diff-mode", mode]);
        assert_eq!(out.status.code(), Some(0), "unchanged release, {mode} mode: {}", text(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{mode}");
    }
    // The chart stops setting fields the server defaults to the same values: fast mode shows
    // them going, exact mode knows the server puts them back.
    let out = diff(&["--diff-mode", "fast", "--set", "explicitDefaults=false"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("sessionAffinity"), "{}", text(&out));
    let out = diff(&["--diff-mode", "exact", "--set", "explicitDefaults=false"]);
    assert_eq!(out.status.code(), Some(0), "exact mode shows server defaults: {}", text(&out));
    // A real change next to them shows alone.
    let out = diff(&["--diff-mode", "exact", "--set", "explicitDefaults=false", "--set", "replicas=2"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    let changed: Vec<&str> = shown.lines().filter(|l| l.starts_with('+') || l.starts_with('-')).collect();
    assert!(changed.iter().any(|l| l.contains("replicas: 2")), "{shown}");
    assert!(!changed.iter().any(|l| l.contains("sessionAffinity") || l.contains("revisionHistoryLimit") || l.contains("imagePullPolicy")), "{shown}");
    // An invalid object: fast mode shows a change, exact mode fails naming the field.
    let out = diff(&["--diff-mode", "fast", "--set", "replicas=-1"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = diff(&["--diff-mode", "exact", "--set", "replicas=-1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("Deployment/web") && text(&out).contains("spec.replicas"), "{}", text(&out));
    ok(deployer(&dir, &["destroy"]), "destroy");
}
