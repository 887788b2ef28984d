//! Golden tests over `testdata/diff/<case>/` and the no-diff invariant over every test chart.
//!
//! A case holds `desired.yaml`, optionally `last.yaml` (the last release's manifest),
//! `live.json` (a JSON array of live objects: ids of the manifests that are not in it are
//! absent from the cluster; without the file live is unknown) and `dryrun.json` (exact mode
//! results), `namespace` (default `default`) and `variants` (lines `NAME FLAG…`, flags
//! `context=N`, `color`, `show-secrets`, `suppress-secrets`, `suppress=KIND`, `hide-drift`).
//! Each variant's output is compared with `expected-NAME.txt`; `expected.json` holds the
//! JSON report. `UPDATE_GOLDEN=1` rewrites the expected files.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::*;

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/diff")
}

fn no_lookup(_: &str, _: &str) -> Option<bool> {
    None
}

fn read_opt(dir: &Path, name: &str) -> Option<String> {
    fs::read_to_string(dir.join(name)).ok()
}

fn json_objects(text: &str) -> Vec<Value> {
    let j: serde_json::Value = serde_json::from_str(text).expect("valid JSON array");
    j.as_array().expect("a JSON array").iter().map(value_from_json).collect()
}

fn id_of(v: &Value, namespace: &str) -> ObjectId {
    let objs = objects_from_values("live", vec![(None, v.clone())], namespace, &no_lookup).expect("live object");
    objs.into_iter().next().expect("one object").id
}

fn load_case(dir: &Path) -> ReleaseInput {
    let namespace = read_opt(dir, "namespace").map(|s| s.trim().to_string()).unwrap_or_else(|| "default".into());
    let last = read_opt(dir, "last.yaml")
        .map(|t| parse_manifest("last release", &t, &namespace, &no_lookup).expect("last.yaml parses"))
        .unwrap_or_default();
    let desired_text = fs::read_to_string(dir.join("desired.yaml")).expect("desired.yaml");
    let desired = parse_manifest("desired", &desired_text, &namespace, &no_lookup).expect("desired.yaml parses");
    let mut live = HashMap::new();
    if let Some(text) = read_opt(dir, "live.json") {
        for o in last.iter().chain(desired.iter()) {
            live.insert(o.id.clone(), None);
        }
        for v in json_objects(&text) {
            live.insert(id_of(&v, &namespace), Some(v));
        }
    }
    let mut dry_run = HashMap::new();
    if let Some(text) = read_opt(dir, "dryrun.json") {
        for v in json_objects(&text) {
            dry_run.insert(id_of(&v, &namespace), v);
        }
    }
    ReleaseInput { release: "rel".into(), namespace, last, desired, live, dry_run }
}

fn options(flags: &[&str]) -> RenderOptions {
    let mut o = RenderOptions::default();
    for f in flags {
        match *f {
            "color" => o.color = true,
            "show-secrets" => o.show_secrets = true,
            "suppress-secrets" => o.suppress_secrets = true,
            "hide-drift" => o.hide_drift = true,
            f if f.starts_with("context=") => o.context = Some(f["context=".len()..].parse().expect("context=N")),
            f if f.starts_with("suppress=") => o.suppressed_kinds.push(f["suppress=".len()..].to_string()),
            other => panic!("unknown variant flag {other}"),
        }
    }
    o
}

fn check_golden(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(path, actual).expect("write golden");
        return;
    }
    match fs::read_to_string(path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!("{}:\n--- expected\n{expected}\n--- actual\n{actual}", path.display())),
        Err(_) => failures.push(format!("{}: missing; actual:\n{actual}", path.display())),
    }
}

#[test]
fn golden_cases() {
    let mut failures = Vec::new();
    let mut cases: Vec<PathBuf> =
        fs::read_dir(testdata()).expect("testdata/diff").map(|e| e.expect("entry").path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 8, "golden cases present");
    for dir in cases {
        let input = load_case(&dir);
        let diff = diff_release(&input);
        // what the engine's pool hands back must print the same
        let received = diff.send().receive();
        let mut variants = vec![("default".to_string(), Vec::<String>::new())];
        if let Some(text) = read_opt(&dir, "variants") {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let mut words = line.split_whitespace().map(str::to_string);
                let name = words.next().expect("variant name");
                variants.push((name, words.collect()));
            }
        }
        for (name, flags) in variants {
            let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
            let text = render_text(&diff, &options(&flags)) + &render_summary(&diff.counts());
            check_golden(&dir.join(format!("expected-{name}.txt")), &text, &mut failures);
            let again = render_text(&received, &options(&flags)) + &render_summary(&received.counts());
            if again != text {
                failures.push(format!("{}: {name}: the sent diff prints differently", dir.display()));
            }
        }
        let json = serde_json::to_string_pretty(&JsonReport::new(&diff)).expect("json") + "\n";
        check_golden(&dir.join("expected.json"), &json, &mut failures);
        if serde_json::to_string_pretty(&JsonReport::new(&received)).expect("json") + "\n" != json {
            failures.push(format!("{}: the sent diff's JSON differs", dir.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The invariant: a release whose cluster state is what its last apply left shows no diff,
/// for every manifest the test charts render — with live objects as the apiserver returns
/// them (defaults, status, bookkeeping, canonical quantities, integers, dropped empties).
#[test]
fn unchanged_release_never_shows_a_diff() {
    use crate::chart::template::{TemplateRequest, render_release};
    use crate::funcs::HelmCompat;

    let charts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/charts");
    let mut rendered = 0;
    let mut entries: Vec<PathBuf> = fs::read_dir(&charts).expect("charts").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for chart in entries.into_iter().filter(|p| p.join("Chart.yaml").is_file()) {
        let req = TemplateRequest {
            release_name: "rel".into(),
            chart: chart.clone(),
            namespace: "prod".into(),
            values: crate::value::Map::new(),
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
        let Ok(release) = render_release(&req) else {
            continue; // the err-* charts
        };
        let text: String = release.manifests.iter().map(|m| format!("---\n# Source: {}\n{}\n", m.path, m.content)).collect();
        let Ok(objects) = parse_manifest("desired", &text, "prod", &no_lookup) else {
            continue; // charts whose output is deliberately not Kubernetes objects
        };
        if objects.is_empty() {
            continue;
        }
        rendered += 1;
        // diff(x, x, x) and diff(x, apiserver(x), x): both empty.
        for simulate in [false, true] {
            let live = objects
                .iter()
                .map(|o| (o.id.clone(), Some(if simulate { apiserver(&o.body, &o.id) } else { o.body.clone() })))
                .collect();
            let input = ReleaseInput {
                release: "rel".into(),
                namespace: "prod".into(),
                last: objects.clone(),
                desired: objects.clone(),
                live,
                dry_run: HashMap::new(),
            };
            let diff = diff_release(&input);
            let text = render_text(&diff, &RenderOptions::default());
            assert!(
                !diff.has_changes() && !diff.has_drift() && text.is_empty(),
                "{} (simulated apiserver: {simulate}) shows a diff:\n{text}",
                chart.display()
            );
        }
    }
    assert!(rendered >= 10, "only {rendered} charts rendered");
}

/// What the apiserver makes of an applied object: integers as JSON integers, nulls and empty
/// `omitempty` fields dropped, canonical quantities, server-set metadata, defaults, status.
fn apiserver(body: &Value, id: &ObjectId) -> Value {
    fn conv(v: &Value, key: &str, quantity: bool) -> Option<Value> {
        match v {
            Value::Nil => None,
            Value::Float(f) if f.fract() == 0.0 => {
                if quantity {
                    Some(Value::str(canonical_quantity_text(*f as i64)))
                } else {
                    Some(Value::Int64(*f as i64))
                }
            }
            Value::String(s) if quantity && s.ends_with('m') => {
                // 1000m → "1", 500m stays.
                match s.trim_end_matches('m').parse::<i64>() {
                    Ok(n) if n % 1000 == 0 => Some(Value::str((n / 1000).to_string())),
                    _ => Some(v.clone()),
                }
            }
            Value::String(s) if s.is_empty() && key != "storageClassName" => None,
            Value::Map(m) => {
                let out = Map::new();
                for (k, x) in m.entries() {
                    let q = quantity || ["limits", "requests"].contains(&k.as_str());
                    if let Some(c) = conv(&x, &k, q) {
                        out.insert(k, c);
                    }
                }
                if out.is_empty() && ["annotations", "labels", "nodeSelector"].contains(&key) {
                    return None;
                }
                Some(Value::Map(out))
            }
            Value::List(l) if l.items.is_empty() => None,
            // List items are kept as they are (`apiGroups: [""]`), only converted.
            Value::List(l) => Some(Value::list(
                l.items.iter().map(|x| if x.as_str() == Some("") { x.clone() } else { conv(x, key, quantity).unwrap_or(Value::Nil) }).collect(),
            )),
            Value::Bool(false) if key != "automountServiceAccountToken" && key != "readOnly" => None,
            other => Some(other.clone()),
        }
    }
    fn canonical_quantity_text(n: i64) -> String {
        if n != 0 && n % (1 << 30) == 0 {
            format!("{}Gi", n >> 30)
        } else if n != 0 && n % (1 << 20) == 0 {
            format!("{}Mi", n >> 20)
        } else {
            n.to_string()
        }
    }
    fn defaults(v: &Value) {
        // Containers get pull policy and termination defaults; ports a protocol.
        if let Value::Map(m) = v {
            for (k, x) in m.entries() {
                if (k == "containers" || k == "initContainers") && x.as_list().is_some() {
                    for c in x.as_list().unwrap_or(&[]) {
                        if let Value::Map(c) = c {
                            c.insert("terminationMessagePath", Value::str("/dev/termination-log"));
                            c.insert("terminationMessagePolicy", Value::str("File"));
                            if !c.contains_key("imagePullPolicy") {
                                c.insert("imagePullPolicy", Value::str("IfNotPresent"));
                            }
                        }
                    }
                }
                if k == "ports" {
                    for p in x.as_list().unwrap_or(&[]) {
                        if let Value::Map(p) = p {
                            if !p.contains_key("protocol") {
                                p.insert("protocol", Value::str("TCP"));
                            }
                        }
                    }
                }
                defaults(&x);
            }
        } else if let Value::List(l) = v {
            l.items.iter().for_each(defaults);
        }
    }
    let live = conv(body, "", false).unwrap_or(Value::Nil);
    defaults(&live);
    if let Value::Map(m) = &live {
        let meta = match m.get("metadata") {
            Some(Value::Map(meta)) => meta,
            _ => {
                let meta = Map::new();
                m.insert("metadata", Value::Map(meta.clone()));
                meta
            }
        };
        if !id.namespace.is_empty() {
            meta.insert("namespace", Value::str(id.namespace.as_str()));
        }
        meta.insert("uid", Value::str("0b7c1c7e-8d4f-4c47-9c1e-2f1a7c0c0001"));
        meta.insert("resourceVersion", Value::str("12345"));
        meta.insert("generation", Value::Int64(3));
        meta.insert("creationTimestamp", Value::str("2026-01-01T00:00:00Z"));
        meta.insert("managedFields", Value::list(vec![Value::Map(Map::new())]));
        let ann = match meta.get("annotations") {
            Some(Value::Map(a)) => a,
            _ => {
                let a = Map::new();
                meta.insert("annotations", Value::Map(a.clone()));
                a
            }
        };
        ann.insert("meta.helm.sh/release-name", Value::str("rel"));
        ann.insert("meta.helm.sh/release-namespace", Value::str("prod"));
        if id.kind == "Deployment" {
            ann.insert("deployment.kubernetes.io/revision", Value::str("4"));
        }
        m.insert("status", Value::Map(Map::new()));
        if id.kind == "Secret" {
            super::normalize::fold_string_data(m);
        }
    }
    live
}

#[test]
fn namespaces_default_by_scope() {
    let text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n  namespace: ignored\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n---\napiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n  namespace: other\n";
    let lookup = |group: &str, kind: &str| (group == "example.com" && kind == "Gadget").then_some(false);
    let objs = parse_manifest("desired", text, "prod", &lookup).expect("parses");
    let ids: Vec<String> = objs.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(ids, ["prod/ConfigMap/a", "ClusterRole.rbac.authorization.k8s.io/r", "prod/Widget.example.com/w", "Gadget.example.com/g"]);
    assert_eq!(objs[1].id.helm_diff_key("prod"), "prod, r, ClusterRole (rbac.authorization.k8s.io)");
    assert_eq!(objs[0].id.helm_diff_key("prod"), "prod, a, ConfigMap (v1)");
}

#[test]
fn manifest_errors_name_the_document() {
    let dup = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    let err = parse_manifest("desired", dup, "ns", &no_lookup).expect_err("duplicate");
    assert_eq!(err.to_string(), "desired: ns/ConfigMap/a appears twice (in c/templates/a.yaml and c/templates/b.yaml)");
    let noname = "# Source: c/templates/x.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n";
    let err = parse_manifest("desired", noname, "ns", &no_lookup).expect_err("no name");
    assert_eq!(err.to_string(), "desired: document 1 (c/templates/x.yaml): expected metadata.name in the ConfigMap");
    let bad = "apiVersion: v1\nkind: [\n";
    assert!(parse_manifest("last release", bad, "ns", &no_lookup).is_err());
}

#[test]
fn context_windows_match_helm_diff() {
    // helm-diff's own example: ten lines, three changed.
    let before = (1..=10).map(|i| format!("line{i}")).collect::<Vec<_>>().join("\n");
    let after = before.replace("line1\n", "line1 - different!\n").replace("line2\n", "line2 - different!\n").replace("line8\n", "line8 - different!\n");
    let mut out = String::new();
    render::records(&mut out, &before, &after, &RenderOptions { context: Some(1), ..RenderOptions::default() });
    assert_eq!(
        out,
        "- line1\n- line2\n+ line1 - different!\n+ line2 - different!\n  line3\n...\n  line7\n- line8\n+ line8 - different!\n  line9\n...\n"
    );
    let mut out = String::new();
    render::records(&mut out, &before, &after, &RenderOptions { context: Some(0), ..RenderOptions::default() });
    assert_eq!(out, "- line1\n- line2\n+ line1 - different!\n+ line2 - different!\n...\n- line8\n+ line8 - different!\n...\n");
}

#[test]
fn json_text_reads_as_value_from_json_does() {
    let text = r#"{"i":3,"neg":-7,"max":9223372036854775807,"over":9223372036854775808,"under":-9223372036854775809,
        "f":0.5,"one":1.0,"exp":1e3,"s":"x\u00e9\n","b":true,"n":null,"l":[1,"a",{"k":[]}],"m":{"z":1,"a":{}},"dup":1,"dup":2}"#;
    let via_json = value_from_json(&serde_json::from_str::<serde_json::Value>(text).unwrap());
    let direct = value_from_json_text(text).unwrap();
    assert!(direct == via_json, "{direct:?} != {via_json:?}");
    let Value::Map(m) = &direct else { panic!("a map") };
    let get = |k: &str| m.get(k).unwrap();
    assert!(matches!(get("i"), Value::Int64(3)) && matches!(get("max"), Value::Int64(i64::MAX)));
    assert!(matches!(get("one"), Value::Float(f) if f == 1.0) && matches!(get("exp"), Value::Float(f) if f == 1000.0));
    assert!(matches!(get("over"), Value::Float(_)) && matches!(get("under"), Value::Float(_)));
    assert!(matches!(get("dup"), Value::Int64(2)));
    assert!(value_from_json_text("{} x").is_err() && value_from_json_text("[1,").is_err());
}
