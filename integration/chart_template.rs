//! Differential test: `deployer chart template` against the real `helm template` (helm 3.15.3
//! and, with `--helm-compat v4`, helm 4.1.4) for every chart under `testdata/charts/`, each of
//! its `values-*.yaml` files and the flag combinations listed in `testdata/charts/CASES`.
//! Successes must be byte-identical on stdout; failures must fail in both with the same text
//! after `Error: `. Cases listed in `testdata/charts/KNOWN_DIFFERENCES.md` are skipped.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{repo_root, run};

struct Case {
    chart: String,
    args: Vec<String>,
}

impl Case {
    fn id(&self, helm: &str) -> String {
        format!("{helm} {} {}", self.chart, self.args.join(" ")).trim_end().to_string()
    }
}


fn cases(charts: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(charts)
        .expect("testdata/charts")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        out.push(Case { chart: name.clone(), args: Vec::new() });
        let mut variants: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|f| f.starts_with("values-") && f.ends_with(".yaml"))
            .collect();
        variants.sort();
        for v in variants {
            out.push(Case { chart: name.clone(), args: vec!["-f".into(), format!("{name}/{v}")] });
        }
    }
    let listed = std::fs::read_to_string(charts.join("CASES")).unwrap_or_default();
    for line in listed.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (chart, args) = line.split_once('|').unwrap_or((line, ""));
        out.push(Case { chart: chart.trim().into(), args: split_args(args) });
    }
    out
}

/// Splits on spaces, keeping single-quoted parts together (quotes removed).
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

fn known_differences(charts: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(charts.join("KNOWN_DIFFERENCES.md")).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split_once('`').map(|(id, _)| id.to_string()))
        .collect()
}

/// The text after helm's `Error: `.
fn error_text(stderr: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(stderr);
    let at = s.find("Error: ")?;
    Some(s[at + "Error: ".len()..].trim_end().to_string())
}

struct Outcome {
    ok: bool,
    stdout: Vec<u8>,
    error: Option<String>,
}

fn outcome(cmd: &mut Command) -> Outcome {
    let out = run(cmd);
    Outcome { ok: out.status.success(), error: error_text(&out.stderr), stdout: out.stdout }
}

/// Builds a chart archive whose entries try to leave the chart directory.
fn traversal_archive(dir: &Path) -> PathBuf {
    let path = dir.join("traversal-0.1.0.tgz");
    let file = std::fs::File::create(&path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut add = |name: &str, data: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        // Written raw so `..` survives (the tar crate refuses it in set_path).
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        header.set_cksum();
        tar.append(&header, data).unwrap();
    };
    add("traversal/Chart.yaml", b"apiVersion: v2\nname: traversal\nversion: 0.1.0\n");
    add("traversal/templates/cm.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    add("traversal/../../escaped.yaml", b"kind: Evil\n");
    tar.into_inner().unwrap().finish().unwrap();
    path
}

#[test]
fn chart_template_matches_helm() {
    let Some((helm3, helm4)) = common::helm_binaries("chart_template") else { return };
    let deployer = PathBuf::from(env!("CARGO_BIN_EXE_deployer"));
    let charts = repo_root().join("testdata/charts");
    let tmp = std::env::temp_dir().join(format!("deployer-chart-template-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let archive = traversal_archive(&tmp);
    let mut all = cases(&charts);
    all.push(Case { chart: archive.display().to_string(), args: Vec::new() });
    let skip = known_differences(&charts);

    let (mut total, mut identical, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in &all {
        for (helm, bin, compat) in [("helm3", &helm3, "v3"), ("helm4", &helm4, "v4")] {
            let id = case.id(helm);
            if skip.contains(&id) {
                skipped += 1;
                continue;
            }
            total += 1;
            let mut h = Command::new(bin);
            h.current_dir(&charts)
                .env("HELM_CONFIG_HOME", tmp.join("config"))
                .env("HELM_CACHE_HOME", tmp.join("cache"))
                .env("HELM_DATA_HOME", tmp.join("data"))
                .arg("template")
                .arg("release-name")
                .arg(&case.chart)
                .args(&case.args);
            let mut d = Command::new(&deployer);
            d.current_dir(&charts)
                .args(["chart", "template", "release-name"])
                .arg(&case.chart)
                .args(&case.args)
                .args(["--helm-compat", compat]);
            let want = outcome(&mut h);
            let got = outcome(&mut d);
            let same = match (want.ok, got.ok) {
                (true, true) => want.stdout == got.stdout,
                (false, false) => want.error == got.error,
                _ => false,
            };
            if same {
                identical += 1;
            } else {
                let diff = if want.ok && got.ok {
                    first_difference(&want.stdout, &got.stdout)
                } else {
                    format!(
                        "helm ok={} error={:?}\ndeployer ok={} error={:?}",
                        want.ok, want.error, got.ok, got.error
                    )
                };
                failures.push(format!("{id}\n{diff}"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("chart_template: {total} cases, {identical} identical, {skipped} skipped (known differences)");
    assert!(failures.is_empty(), "{} of {total} cases differ:\n\n{}", failures.len(), failures.join("\n\n"));
}

fn first_difference(want: &[u8], got: &[u8]) -> String {
    let want = String::from_utf8_lossy(want);
    let got = String::from_utf8_lossy(got);
    let (wl, gl): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let line = wl.iter().zip(&gl).position(|(a, b)| a != b).unwrap_or(wl.len().min(gl.len()));
    let ctx = |l: &[&str]| l.iter().skip(line.saturating_sub(2)).take(5).cloned().collect::<Vec<_>>().join("\n");
    format!(
        "first difference at line {} (helm {} lines, deployer {} lines)\n--- helm\n{}\n--- deployer\n{}",
        line + 1,
        wl.len(),
        gl.len(),
        ctx(&wl),
        ctx(&gl)
    )
}

/// Every file under `dir` as (path relative to `dir`, bytes), sorted by path.
fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `--output-dir`: for every case, the tree written, stdout (the `wrote` lines), the exit code
/// and the error text equal real helm's. Both write to the same path in turn, so the printed
/// paths are comparable; some cases use a trailing slash and `--release-name`, whose quirks
/// (`DIR//chart/...`, CRDs outside the release directory) helm shows.
#[test]
fn chart_template_output_dir_matches_helm() {
    let Some((helm3, helm4)) = common::helm_binaries("chart_template") else { return };
    let deployer = PathBuf::from(env!("CARGO_BIN_EXE_deployer"));
    let charts = repo_root().join("testdata/charts");
    let tmp = std::env::temp_dir().join(format!("deployer-chart-outdir-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let skip = known_differences(&charts);
    let mut all = cases(&charts);
    for chart in ["crds-app", "hooks", "umbrella", "multidoc"] {
        all.push(Case { chart: chart.into(), args: vec!["--include-crds".into(), "--release-name".into()] });
    }
    let out_dir = tmp.join("out");
    let (mut total, mut identical) = (0, 0);
    let mut failures = Vec::new();
    for (i, case) in all.iter().enumerate() {
        let dir_arg = if i % 2 == 0 { format!("{}/", out_dir.display()) } else { out_dir.display().to_string() };
        for (helm, bin, compat) in [("helm3", &helm3, "v3"), ("helm4", &helm4, "v4")] {
            if skip.contains(&case.id(helm)) {
                continue;
            }
            total += 1;
            let _ = std::fs::remove_dir_all(&out_dir);
            let mut h = Command::new(bin);
            h.current_dir(&charts)
                .env("HELM_CONFIG_HOME", tmp.join("config"))
                .env("HELM_CACHE_HOME", tmp.join("cache"))
                .env("HELM_DATA_HOME", tmp.join("data"))
                .args(["template", "release-name"])
                .arg(&case.chart)
                .args(&case.args)
                .args(["--output-dir", &dir_arg]);
            let want = outcome(&mut h);
            let want_tree = read_tree(&out_dir);
            let _ = std::fs::remove_dir_all(&out_dir);
            let mut d = Command::new(&deployer);
            d.current_dir(&charts)
                .args(["chart", "template", "release-name"])
                .arg(&case.chart)
                .args(&case.args)
                .args(["--output-dir", &dir_arg, "--helm-compat", compat]);
            let got = outcome(&mut d);
            let got_tree = read_tree(&out_dir);
            let id = format!("{} --output-dir", case.id(helm));
            let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
            if want.ok != got.ok || want.stdout != got.stdout || want.error != got.error {
                failures.push(format!(
                    "{id}\nhelm ok={} error={:?}\n{}\ndeployer ok={} error={:?}\n{}",
                    want.ok,
                    want.error,
                    String::from_utf8_lossy(&want.stdout),
                    got.ok,
                    got.error,
                    String::from_utf8_lossy(&got.stdout)
                ));
            } else if names(&want_tree) != names(&got_tree) {
                failures.push(format!("{id}\nhelm files {:?}\ndeployer files {:?}", names(&want_tree), names(&got_tree)));
            } else if let Some(((name, w), (_, g))) = want_tree.iter().zip(&got_tree).find(|(a, b)| a.1 != b.1) {
                failures.push(format!("{id}: {name}\n{}", first_difference(w, g)));
            } else {
                identical += 1;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("chart_template --output-dir: {total} cases, {identical} identical");
    assert!(failures.is_empty(), "{} of {total} cases differ:\n\n{}", failures.len(), failures.join("\n\n"));
}
