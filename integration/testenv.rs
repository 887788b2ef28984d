//! The real local test environment answers as the later integration tests need it to.

mod common;

use std::process::Command;

use common::{TestEnv, repo_root, run, text, var};

#[test]
fn testenv_passes_its_acceptance_checks() {
    let Some(_env) = TestEnv::get("testenv_passes_its_acceptance_checks") else { return };
    let out = run(Command::new(repo_root().join("scripts/testenv")).arg("check"));
    let report = text(&out);
    println!("{report}");
    assert!(out.status.success(), "scripts/testenv check failed:\n{report}");
    assert!(!report.contains("FAIL"), "{report}");
}

#[test]
fn apiserver_is_the_one_built_here() {
    let Some(env) = TestEnv::get("apiserver_is_the_one_built_here") else { return };
    let out = run(Command::new(env.tool("DEPLOYER_TEST_KUBECTL")).args(["get", "--raw", "/version"]));
    assert!(out.status.success(), "{}", text(&out));
    let version: serde_json::Value = serde_json::from_slice(&out.stdout).expect("/version is JSON");
    assert!(version["gitVersion"].as_str().is_some_and(|v| v.starts_with("v1.36")), "{version}");
}

#[test]
fn limited_user_cannot_create_secrets_elsewhere() {
    let Some(env) = TestEnv::get("limited_user_cannot_create_secrets_elsewhere") else { return };
    let ctx = var("DEPLOYER_TEST_KUBE_LIMITED_CONTEXT");
    let out = run(Command::new(env.tool("DEPLOYER_TEST_KUBECTL")).args([
        "--context", &ctx, "auth", "can-i", "create", "secrets", "-n", "default",
    ]));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no", "{}", text(&out));
    let out = run(Command::new(env.tool("DEPLOYER_TEST_KUBECTL")).args([
        "--context", &ctx, "auth", "can-i", "create", "secrets", "-n", "limited",
    ]));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "yes", "{}", text(&out));
}
