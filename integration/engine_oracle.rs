//! Differential test of the template engine: every snippet under `testdata/gotmpl/snippets/`
//! is rendered by helm's own engine package (helm 3.15.3 and 4.1.4, built by
//! `integration/oracle/build`) and by deployer, and the outputs — or the error messages — must
//! be byte-identical.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use deployer::chart::objects::{self, Capabilities, ChartMeta, Files, ReleaseInfo};
use deployer::chart::{Engine, Renderable};
use deployer::funcs::HelmCompat;

use common::repo_root;
use common::snippets::{self, Case};

#[derive(Debug, PartialEq)]
enum Outcome {
    Rendered(BTreeMap<String, String>),
    Error(String),
}

/// The oracle binary, from the test environment or the install cache; `None` (after saying why)
/// when it is not built here, which fails under `CI=true`.
fn oracle(name: &str, var: &str) -> Option<PathBuf> {
    let path = std::env::var(var).map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/deployer-testenv/bin").join(name)
    });
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{name} oracle missing at {} under CI=true (run scripts/install-deps)", path.display());
    }
    eprintln!("skipped: {name} oracle not built (run integration/oracle/build)");
    None
}

fn run_oracle(binary: &PathBuf, cases: &[Case]) -> BTreeMap<String, Outcome> {
    let mut child = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    let mut stdin = child.stdin.take().expect("stdin");
    let requests: Vec<String> = cases
        .iter()
        .map(|c| {
            let templates: serde_json::Map<String, serde_json::Value> =
                c.templates.iter().map(|(n, t)| (n.clone(), serde_json::Value::String(t.clone()))).collect();
            let files: serde_json::Map<String, serde_json::Value> =
                c.files.iter().map(|(n, t)| (n.clone(), serde_json::Value::String(t.clone()))).collect();
            serde_json::json!({"id": c.id, "templates": templates, "values": c.values, "files": files}).to_string()
        })
        .collect();
    let writer = std::thread::spawn(move || {
        for r in requests {
            writeln!(stdin, "{r}").expect("write to oracle");
        }
    });
    let out = child.wait_with_output().expect("oracle output");
    writer.join().expect("writer");
    assert!(out.status.success(), "oracle {} failed", binary.display());
    let mut results = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("oracle JSON");
        let id = v["id"].as_str().unwrap_or_default().to_string();
        let outcome = match v.get("error").and_then(|e| e.as_str()) {
            Some(e) => Outcome::Error(e.to_string()),
            None => Outcome::Rendered(
                v["rendered"]
                    .as_object()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
                    .unwrap_or_default(),
            ),
        };
        results.insert(id, outcome);
    }
    results
}

/// Renders a case as the oracle does: a chart named `snippet` holding the case's templates.
fn render(case: &Case, compat: HelmCompat) -> Outcome {
    let named = match objects::read_values(&case.values, compat) {
        Ok(m) => m,
        Err(e) => return Outcome::Error(format!("values: {e}")),
    };
    let chart = ChartMeta {
        name: "snippet".into(),
        version: "0.1.0".into(),
        app_version: "1.0.0".into(),
        api_version: "v2".into(),
        ..ChartMeta::default()
    };
    let top = objects::top_level(
        compat,
        named,
        &chart,
        true,
        &ReleaseInfo::default(),
        &Capabilities::default_for(compat),
        &Files { files: case.files.iter().map(|(n, t)| (n.clone(), t.clone().into_bytes())).collect() },
    );
    let templates: Vec<Renderable> = case
        .templates
        .iter()
        .map(|(name, text)| Renderable {
            name: format!("snippet/{name}"),
            text: text.clone(),
            top: top.clone(),
            base_path: "snippet/templates".into(),
        })
        .collect();
    match Engine::new(compat).render(&templates) {
        Ok(rendered) => Outcome::Rendered(rendered),
        Err(e) => Outcome::Error(e.message),
    }
}

fn check(compat: HelmCompat, name: &str, var: &str) {
    let Some(binary) = oracle(name, var) else { return };
    let dir = repo_root().join("testdata/gotmpl/snippets");
    let mut cases = snippets::load_dir(&dir);
    assert!(!cases.is_empty(), "no snippet cases found");
    // Only-these filter for quick iteration: DEPLOYER_SNIPPETS=prefix[,prefix…].
    if let Ok(only) = std::env::var("DEPLOYER_SNIPPETS") {
        let prefixes: Vec<&str> = only.split(',').filter(|p| !p.is_empty()).collect();
        cases.retain(|c| prefixes.iter().any(|p| c.id.starts_with(p)));
    }
    let known = snippets::known_differences(&dir);
    let skipped: Vec<String> =
        cases.iter().filter(|c| known.get(&c.id).is_some_and(|o| o.contains(&name))).map(|c| c.id.clone()).collect();
    cases.retain(|c| !skipped.contains(&c.id));
    let expected = run_oracle(&binary, &cases);
    let mut failures = Vec::new();
    for case in &cases {
        let want = expected.get(&case.id).unwrap_or_else(|| panic!("oracle gave no answer for {}", case.id));
        // Rendering runs on a thread with room for deeply nested templates.
        let case2 = case.clone();
        let got = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || render(&case2, compat))
            .expect("render thread")
            .join()
            .unwrap_or_else(|_| Outcome::Error("deployer panicked".into()));
        if &got != want {
            failures.push(format!("=== {}\n--- helm:\n{want:?}\n--- deployer:\n{got:?}\n", case.id));
        }
    }
    let report = repo_root().join(format!("target/engine-oracle-{name}.txt"));
    let _ = std::fs::write(&report, failures.join("\n"));
    println!(
        "{name}: {} of {} snippet cases identical ({} skipped as known differences)",
        cases.len() - failures.len(),
        cases.len(),
        skipped.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from {name} (all in {}):\n{}",
        failures.len(),
        cases.len(),
        report.display(),
        failures.iter().take(15).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn snippets_render_as_helm3_renders_them() {
    check(HelmCompat::V3, "helm3-engine", "DEPLOYER_TEST_HELM3_ENGINE");
}

#[test]
fn snippets_render_as_helm4_renders_them() {
    check(HelmCompat::V4, "helm4-engine", "DEPLOYER_TEST_HELM4_ENGINE");
}
