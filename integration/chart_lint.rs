//! Differential test of `deployer chart lint` against the real `helm lint` (helm 3.15.3 and,
//! with `--helm-compat v4`, helm 4.1.4): every chart under `testdata/charts/` (the `lint-*`
//! ones exist for lint) and a few flag combinations; stdout and the exit code must be identical.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{repo_root, run};


#[test]
fn chart_lint_matches_helm() {
    let Some((helm3, helm4)) = common::helm_binaries("chart_lint") else { return };
    let deployer = PathBuf::from(env!("CARGO_BIN_EXE_deployer"));
    let charts = repo_root().join("testdata/charts");
    let tmp = std::env::temp_dir().join(format!("deployer-chart-lint-{}", std::process::id()));
    let mut dirs: Vec<String> = std::fs::read_dir(&charts)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut cases: Vec<Vec<String>> = dirs.iter().map(|d| vec![d.clone()]).collect();
    let extra: &[&[&str]] = &[
        &["pdb", "--strict"],
        &["err-missingdep", "--strict"],
        &["web", "--strict"],
        &["pdb", "--kube-version", "1.20.0"],
        &["umbrella", "--with-subcharts"],
        &["web", "--with-subcharts", "--strict"],
        &["web", "api", "err-fail", "nope"],
        &["web", "-f", "web/values-prod.yaml", "--set", "replicaCount=2"],
        &["err-schema", "--set", "image.tag=x"],
        &["err-schema", "--set", "image.tag=3"],
        &["lint-objects", "-n", "other"],
    ];
    cases.extend(extra.iter().map(|c| c.iter().map(|s| s.to_string()).collect()));

    let (mut total, mut identical) = (0, 0);
    let mut failures = Vec::new();
    for args in &cases {
        for (name, bin, compat) in [("helm3", &helm3, "v3"), ("helm4", &helm4, "v4")] {
            total += 1;
            let want = run(Command::new(bin)
                .current_dir(&charts)
                .env("HELM_CONFIG_HOME", tmp.join("config"))
                .env("HELM_CACHE_HOME", tmp.join("cache"))
                .env("HELM_DATA_HOME", tmp.join("data"))
                .arg("lint")
                .args(args));
            let got = run(Command::new(&deployer).current_dir(&charts).args(["chart", "lint"]).args(args).args(["--helm-compat", compat]));
            if want.status.code() == got.status.code() && want.stdout == got.stdout {
                identical += 1;
            } else {
                failures.push(format!(
                    "{name} lint {}\n--- helm (exit {:?})\n{}--- deployer (exit {:?})\n{}{}",
                    args.join(" "),
                    want.status.code(),
                    String::from_utf8_lossy(&want.stdout),
                    got.status.code(),
                    String::from_utf8_lossy(&got.stdout),
                    String::from_utf8_lossy(&got.stderr)
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("chart_lint: {total} cases, {identical} identical");
    assert!(failures.is_empty(), "{} of {total} cases differ:\n\n{}", failures.len(), failures.join("\n\n"));
}
