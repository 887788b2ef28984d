//! Keeps ARCHITECTURE.md true: every module under `src/` appears in its code map, and no module
//! uses a module (or a network crate) that the map forbids it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Paths that mean network or cluster IO, for modules whose map row says they must not know it.
/// (`std::net::IpAddr` and friends are plain data and allowed.)
const NETWORK_PATHS: &[&str] =
    &["reqwest::", "::kube::", "hyper::", "TcpStream", "UdpSocket", "TcpListener", "ToSocketAddrs", "tokio::net", "oci_client::"];

/// Modules outside the map (test-only scaffolding).
const UNMAPPED: &[&str] = &["layering"];

struct Row {
    may_use: BTreeSet<String>,
    no_network: bool,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Reads the code-map table: `| \`module\` | responsibility | may use | must not know |`.
fn code_map() -> BTreeMap<String, Row> {
    let text = fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md exists");
    let mut names: Vec<String> = Vec::new();
    let mut raw: Vec<(String, String, String)> = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // A row looks like ["", "`yaml`", "…", "may use", "must not", ""].
        if cells.len() != 6 || !cells[1].starts_with('`') {
            continue;
        }
        let name = cells[1].trim_matches('`').to_string();
        names.push(name.clone());
        raw.push((name, cells[3].to_string(), cells[4].to_string()));
    }
    let mut map = BTreeMap::new();
    for (i, (name, may_use, must_not)) in raw.into_iter().enumerate() {
        let may_use: BTreeSet<String> = match may_use.as_str() {
            "all" => names.iter().filter(|n| **n != name).cloned().collect(),
            "all above" => names[..i].iter().cloned().collect(),
            _ => may_use
                .split(',')
                .map(|s| s.trim().trim_matches('`').to_string())
                .filter(|s| !s.is_empty() && s != "—")
                .collect(),
        };
        let no_network = must_not.contains("network") || must_not.contains("IO");
        map.insert(name, Row { may_use, no_network });
    }
    map
}

/// Top-level modules under `src/` with the Rust files that make them up.
fn modules() -> BTreeMap<String, Vec<PathBuf>> {
    let src = root().join("src");
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(&src).expect("src/ readable") {
        let path = entry.expect("dir entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if path.is_dir() {
            let mut files = Vec::new();
            collect_rs(&path, &mut files);
            out.insert(name, files);
        } else if path.extension().is_some_and(|e| e == "rs") && !["lib", "main"].contains(&name.as_str()) {
            out.insert(name, vec![path]);
        }
    }
    out
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("module dir readable") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Names `X` in every `crate::X` path of a source file.
fn crate_paths(source: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (at, _) in source.match_indices("crate::") {
        // `$crate::` in macros and `::crate` are not module uses.
        if source[..at].ends_with('$') {
            continue;
        }
        let rest = &source[at + "crate::".len()..];
        let ident: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if !ident.is_empty() {
            used.insert(ident);
        } else if rest.starts_with('{') {
            // `use crate::{a, b::c}`: the first segment of each item.
            let inner = rest[1..].split('}').next().unwrap_or_default();
            for item in inner.split(',') {
                let ident: String =
                    item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !ident.is_empty() {
                    used.insert(ident);
                }
            }
        }
    }
    used
}

#[test]
fn every_module_is_on_the_map() {
    let map = code_map();
    assert!(map.len() >= 10, "code map table not found in ARCHITECTURE.md");
    for name in modules().keys() {
        if !UNMAPPED.contains(&name.as_str()) {
            assert!(map.contains_key(name), "src/{name} is missing from ARCHITECTURE.md's code map");
        }
    }
    for name in map.keys() {
        assert!(modules().contains_key(name), "ARCHITECTURE.md maps `{name}` but src/ has no such module");
    }
}

#[test]
fn modules_use_only_what_the_map_allows() {
    let map = code_map();
    let mut violations = Vec::new();
    for (name, files) in modules() {
        let Some(row) = map.get(&name) else { continue };
        for file in files {
            let source = fs::read_to_string(&file).expect("source readable");
            let rel = file.strip_prefix(root()).unwrap_or(&file).display().to_string();
            // Test-only files (`tests.rs`, `*_tests.rs`, compiled under `#[cfg(test)]`) may use any
            // module to build their inputs (render a chart to diff it); the network rule holds.
            let test_only = file.file_name().and_then(|f| f.to_str()).is_some_and(|f| f == "tests.rs" || f.ends_with("_tests.rs"));
            for used in crate_paths(&source) {
                if !test_only && used != name && map.contains_key(&used) && !row.may_use.contains(&used) {
                    violations.push(format!("{rel}: `{name}` uses `{used}`, which the map does not allow"));
                }
            }
            if row.no_network {
                for path in NETWORK_PATHS {
                    if source.contains(path) {
                        violations.push(format!("{rel}: `{name}` must do no network IO but mentions `{path}`"));
                    }
                }
            }
        }
    }
    assert!(violations.is_empty(), "layering violations:\n{}", violations.join("\n"));
}

#[test]
fn crate_paths_finds_plain_and_grouped_uses() {
    let src = "use crate::chart::Chart;\nuse crate::{yaml, funcs::Sprig};\nlet x = crate::kube::Client::new();\n$crate::gotmpl";
    let found: Vec<_> = crate_paths(src).into_iter().collect();
    assert_eq!(found, ["chart", "funcs", "kube", "yaml"]);
}
