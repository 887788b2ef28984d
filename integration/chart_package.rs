//! Differential test of `deployer chart package` against the real `helm package` (helm 3.15.3
//! and, with `--helm-compat v4`, helm 4.1.4) for every chart under `testdata/charts/`:
//! (a) real `helm template` of our archive equals real `helm template` of the directory;
//! (b) our archive has the entries (names, order, contents — not mtimes) of helm's; helm
//!     writes subcharts in Go map order, so both lists are compared with each chart's entries
//!     grouped in subchart-name order, and ours must already be in that order;
//! (c) packaging twice gives the same bytes;
//! and stdout (`Successfully packaged …`) and errors match helm's.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{repo_root, run};


struct Outcome {
    ok: bool,
    stdout: String,
    error: Option<String>,
}

fn outcome(cmd: &mut Command) -> Outcome {
    let out = run(cmd);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error = stderr.find("Error: ").map(|at| stderr[at + "Error: ".len()..].trim_end().to_string());
    Outcome { ok: out.status.success(), stdout: String::from_utf8_lossy(&out.stdout).into_owned(), error }
}

/// The entries of a `.tgz`: (name, contents), in archive order.
fn entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut out = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.push((name, data));
    }
    out
}

/// The chain of subcharts an entry belongs to (`a/charts/b/charts/c/x` → [b, c]).
fn subchart_key(name: &str) -> Vec<String> {
    let parts: Vec<&str> = name.split('/').collect();
    let mut key = Vec::new();
    let mut i = 1;
    while i + 2 < parts.len() {
        if parts[i] == "charts" {
            key.push(parts[i + 1].to_string());
            i += 2;
        } else {
            break;
        }
    }
    key
}

fn grouped(mut list: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    list.sort_by_key(|(name, _)| subchart_key(name));
    list
}

fn helm(bin: &Path, tmp: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env("HELM_CONFIG_HOME", tmp.join("config"))
        .env("HELM_CACHE_HOME", tmp.join("cache"))
        .env("HELM_DATA_HOME", tmp.join("data"));
    c
}

fn single_tgz(dir: &Path) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().filter_map(Result::ok).map(|e| e.path()).collect();
    assert_eq!(found.len(), 1, "one archive expected in {}", dir.display());
    found[0].clone()
}

#[test]
fn chart_package_matches_helm() {
    let Some((helm3, helm4)) = common::helm_binaries("chart_package") else { return };
    let deployer = PathBuf::from(env!("CARGO_BIN_EXE_deployer"));
    let charts = repo_root().join("testdata/charts");
    let tmp = std::env::temp_dir().join(format!("deployer-chart-package-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let out = tmp.join("out");
    let kept = tmp.join("kept");

    let mut dirs: Vec<String> = std::fs::read_dir(&charts)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    // (chart, extra flags) — every chart, plus flag and error cases.
    let mut cases: Vec<(String, Vec<&str>)> = dirs.iter().map(|d| (d.clone(), Vec::new())).collect();
    cases.push(("web".into(), vec!["--version", "2.0.0-beta.1", "--app-version", "9.9"]));
    cases.push(("web".into(), vec!["--version", "1.2"]));
    cases.push(("web".into(), vec!["--version", "banana"]));
    cases.push(("nope".into(), vec![]));
    cases.push(("web/templates".into(), vec![]));

    let (mut total, mut identical) = (0, 0);
    let mut failures = Vec::new();
    for (chart, flags) in &cases {
        for (name, bin, compat) in [("helm3", &helm3, "v3"), ("helm4", &helm4, "v4")] {
            total += 1;
            let id = format!("{name} package {chart} {}", flags.join(" "));
            let _ = std::fs::remove_dir_all(&out);
            let want = outcome(helm(bin, &tmp).current_dir(&charts).arg("package").arg(chart).args(flags).arg("-d").arg(&out));
            let helm_tgz = want.ok.then(|| {
                let p = single_tgz(&out);
                let _ = std::fs::remove_dir_all(&kept);
                std::fs::create_dir_all(&kept).unwrap();
                let k = kept.join(p.file_name().unwrap());
                std::fs::rename(&p, &k).unwrap();
                k
            });
            let _ = std::fs::remove_dir_all(&out);
            let mut ours = Command::new(&deployer);
            ours.current_dir(&charts).args(["chart", "package"]).arg(chart).args(flags).arg("-d").arg(&out).args(["--helm-compat", compat]);
            let got = outcome(&mut ours);
            if (want.ok, &want.stdout, &want.error) != (got.ok, &got.stdout, &got.error) {
                failures.push(format!(
                    "{id}\nhelm ok={} stdout={:?} error={:?}\ndeployer ok={} stdout={:?} error={:?}",
                    want.ok, want.stdout, want.error, got.ok, got.stdout, got.error
                ));
                continue;
            }
            let Some(helm_tgz) = helm_tgz else {
                identical += 1;
                continue;
            };
            let our_tgz = single_tgz(&out);
            // (c) deterministic.
            let first = std::fs::read(&our_tgz).unwrap();
            run(&mut ours);
            if std::fs::read(&our_tgz).unwrap() != first {
                failures.push(format!("{id}: packaging twice gave different bytes"));
                continue;
            }
            // (b) same entries and contents as helm's archive.
            let (want_entries, got_entries) = (entries(&helm_tgz), entries(&our_tgz));
            let names = |l: &[(String, Vec<u8>)]| l.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
            if names(&grouped(got_entries.clone())) != names(&got_entries) {
                failures.push(format!("{id}: our entries are not grouped by subchart name: {:?}", names(&got_entries)));
                continue;
            }
            let (want_entries, got_entries) = (grouped(want_entries), grouped(got_entries));
            if names(&want_entries) != names(&got_entries) {
                failures.push(format!("{id}: entries differ\nhelm     {:?}\ndeployer {:?}", names(&want_entries), names(&got_entries)));
                continue;
            }
            if let Some(((n, w), (_, g))) = want_entries.iter().zip(&got_entries).find(|(a, b)| a.1 != b.1) {
                failures.push(format!(
                    "{id}: {n} differs\n--- helm\n{}\n--- deployer\n{}",
                    String::from_utf8_lossy(w),
                    String::from_utf8_lossy(g)
                ));
                continue;
            }
            // (a) helm renders our archive as it renders the directory (a changed version
            // shows in the output, so only without overrides).
            if !flags.is_empty() {
                identical += 1;
                continue;
            }
            let render = |target: &Path| {
                outcome(helm(bin, &tmp).current_dir(&charts).args(["template", "release-name"]).arg(target))
            };
            let (from_dir, from_tgz) = (render(&charts.join(chart)), render(&our_tgz));
            if (from_dir.ok, &from_dir.stdout, &from_dir.error) != (from_tgz.ok, &from_tgz.stdout, &from_tgz.error) {
                failures.push(format!(
                    "{id}: {name} template of our archive differs from the directory's\ndir ok={} error={:?}\ntgz ok={} error={:?}",
                    from_dir.ok, from_dir.error, from_tgz.ok, from_tgz.error
                ));
                continue;
            }
            identical += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("chart_package: {total} cases, {identical} identical");
    assert!(failures.is_empty(), "{} of {total} cases differ:\n\n{}", failures.len(), failures.join("\n\n"));
}
