//! Plans as data against the real kube-apiserver: `diff --output json` writes a plan, `apply
//! --plan` executes exactly it, and refuses it once an object it covers changed in the cluster.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{TestEnv, run, text};

fn tag() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{:06x}", (n ^ (std::process::id() << 8)) & 0xffffff)
}

fn deployer(dir: &Path, args: &[&str]) -> Output {
    run(Command::new(env!("CARGO_BIN_EXE_deployer")).current_dir(dir).args(args).env("NO_COLOR", "1"))
}

/// A spec of two releases (the second needs the first) of a small chart of ours.
fn write_spec(dir: &Path, ns: &str, greeting: &str) {
    let chart = dir.join("chart");
    std::fs::create_dir_all(chart.join("templates")).expect("mkdir");
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: greeter\nversion: 0.1.0\n").expect("write");
    std::fs::write(chart.join("values.yaml"), "greeting: hello\n").expect("write");
    std::fs::write(
        chart.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("helmfile.yaml"),
        format!(
            "releases:\n- name: first\n  namespace: {ns}\n  chart: ./chart\n  values: [{{greeting: {greeting}}}]\n\
             - name: second\n  namespace: {ns}\n  chart: ./chart\n  needs: [{ns}/first]\n"
        ),
    )
    .expect("write spec");
}

struct Cleanup {
    kubectl: std::path::PathBuf,
    ns: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Command::new(&self.kubectl).args(["delete", "namespace", &self.ns, "--wait=false"]).output();
    }
}

fn greeting(kubectl: &Path, ns: &str, name: &str) -> String {
    let out = run(Command::new(kubectl).args(["get", "configmap", name, "-n", ns, "-o", "jsonpath={.data.greeting}"]));
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn saved_plan_is_applied_exactly_and_refused_when_the_cluster_changed() {
    let Some(env) = TestEnv::get("plan_apply") else { return };
    let kubectl = env.tool("DEPLOYER_TEST_KUBECTL");
    let ns = format!("plan-{}", tag());
    let _cleanup = Cleanup { kubectl: kubectl.clone(), ns: ns.clone() };
    let dir = std::env::temp_dir().join(format!("deployer-plan-{ns}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");

    // A plan of a first install: both releases installed, in needs order.
    write_spec(&dir, &ns, "hello");
    let out = deployer(&dir, &["diff", "--output", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan json");
    assert_eq!(plan["planVersion"], 1, "{plan}");
    let ids: Vec<&str> = plan["releases"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [format!("{ns}/first"), format!("{ns}/second")]);
    assert_eq!(plan["releases"][0]["action"], "install", "{plan}");
    assert_eq!(plan["releases"][1]["needs"][0], format!("{ns}/first"), "{plan}");
    assert_eq!(plan["releases"][0]["objects"][0]["liveVersion"], "", "absent objects are recorded as such: {plan}");
    // Same inputs, same plan, byte for byte.
    let again = deployer(&dir, &["diff", "--output", "json"]);
    assert_eq!(out.stdout, again.stdout, "plans are deterministic");
    let file = dir.join("install.plan.json");
    std::fs::write(&file, &out.stdout).expect("write plan");

    // The spec changes after the plan was made: apply --plan deploys what the plan says.
    write_spec(&dir, &ns, "changed-after-planning");
    let out = deployer(&dir, &["apply", "--plan", file.to_str().unwrap()]);
    assert!(out.status.success(), "apply --plan: {}", text(&out));
    assert_eq!(greeting(&kubectl, &ns, "first"), "hello");
    assert_eq!(greeting(&kubectl, &ns, "second"), "hello");
    // The same plan again: the releases have a revision now, refused.
    let out = deployer(&dir, &["apply", "--plan", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains(&format!("release {ns}/first: last revision was none, is 1 (deployed)")), "{}", text(&out));

    // An upgrade plan, then someone edits an object it covers: refused, naming the object.
    write_spec(&dir, &ns, "bonjour");
    let out = deployer(&dir, &["diff", "--output", "json", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan json");
    assert_eq!(plan["releases"][0]["action"], "upgrade", "{plan}");
    assert_eq!(plan["releases"][1]["action"], "none", "{plan}");
    let file = dir.join("upgrade.plan.json");
    std::fs::write(&file, &out.stdout).expect("write plan");
    let edit = run(Command::new(&kubectl).args(["label", "configmap", "second", "-n", &ns, "edited=yes"]));
    assert!(edit.status.success(), "{}", text(&edit));
    let out = deployer(&dir, &["apply", "--plan", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = text(&out);
    assert!(err.contains("the cluster changed since the plan was made"), "{err}");
    assert!(err.contains(&format!("{ns}/ConfigMap/second: was resourceVersion")), "{err}");
    assert_eq!(greeting(&kubectl, &ns, "first"), "hello", "nothing applied from a refused plan");

    // A fresh plan of the same change goes through; only the changed release gets a revision.
    let out = deployer(&dir, &["diff", "--output", "json"]);
    std::fs::write(&file, &out.stdout).expect("write plan");
    let out = deployer(&dir, &["apply", "--plan", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(greeting(&kubectl, &ns, "first"), "bonjour");
    let out = deployer(&dir, &["diff", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
