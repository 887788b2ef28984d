//! The `deployer` binary's surface: help lists every command, pending commands fail with one line.

mod common;

use std::process::Command;

use common::{run, text};

fn deployer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deployer"))
}

#[test]
fn help_lists_every_command() {
    let out = run(deployer().arg("--help"));
    assert!(out.status.success(), "{}", text(&out));
    let help = String::from_utf8_lossy(&out.stdout);
    for command in [
        "template", "build", "list", "write-values", "lint", "deps", "fetch", "diff", "apply", "sync", "destroy",
        "status", "chart", "release", "version", "completion",
    ] {
        assert!(help.lines().any(|l| l.trim_start().starts_with(command)), "--help lacks `{command}`:\n{help}");
    }
    for flag in [
        "--file", "--environment", "--selector", "--state-values-set", "--state-values-file", "--kube-context",
        "--namespace", "--concurrency", "--color", "--no-color", "--quiet", "--debug", "--offline", "--output",
        "--kubeconfig",
    ] {
        assert!(help.contains(flag), "--help lacks `{flag}`:\n{help}");
    }
}

#[test]
fn chart_and_release_help_list_their_commands() {
    for (group, commands) in [
        ("chart", &["template", "package", "push", "pull", "deps", "lint"][..]),
        ("release", &["list", "status", "history", "rollback", "uninstall", "manifest"][..]),
    ] {
        let out = run(deployer().args([group, "--help"]));
        assert!(out.status.success(), "{}", text(&out));
        let help = String::from_utf8_lossy(&out.stdout);
        for command in commands {
            assert!(help.lines().any(|l| l.trim_start().starts_with(command)), "{group} --help lacks `{command}`");
        }
    }
    let out = run(deployer().args(["chart", "deps", "--help"]));
    let help = String::from_utf8_lossy(&out.stdout);
    for command in ["build", "update", "list"] {
        assert!(help.contains(command), "chart deps --help lacks `{command}`");
    }
}

#[test]
fn version_and_completion_work() {
    let out = run(deployer().arg("version"));
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).starts_with("deployer "));
    let out = run(deployer().args(["version", "--output", "json"]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("version --output json is JSON");
    assert_eq!(doc["version"], env!("CARGO_PKG_VERSION"));
    let out = run(deployer().args(["completion", "bash"]));
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("deployer"));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let out = run(deployer().args(["template", "--no-such-flag"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-flag"));
}
