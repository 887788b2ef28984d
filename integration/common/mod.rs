//! Shared harness for integration tests: finds the real local test environment started by
//! `scripts/testenv up` (and exported by `eval "$(scripts/testenv env)"`).
#![allow(dead_code)]

pub mod snippets;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The running test environment, as `scripts/testenv env` describes it.
pub struct TestEnv {
    pub state: PathBuf,
}

impl TestEnv {
    /// The environment, or `None` (after one line saying why) when it is not running locally.
    /// Under `CI=true` a missing environment is a failure, never a silent skip.
    pub fn get(test: &str) -> Option<TestEnv> {
        match std::env::var("DEPLOYER_TESTENV").ok().as_deref() {
            Some("1") => {
                let state = PathBuf::from(var("DEPLOYER_TESTENV_STATE"));
                Some(TestEnv { state })
            }
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("{test}: the test environment is not running under CI=true (scripts/testenv up; eval \"$(scripts/testenv env)\")")
            }
            _ => {
                eprintln!("skipped {test}: no test environment (run scripts/testenv up && eval \"$(scripts/testenv env)\")");
                None
            }
        }
    }

    /// Path of an oracle binary (`DEPLOYER_TEST_HELM3`, …).
    pub fn tool(&self, name: &str) -> PathBuf {
        PathBuf::from(var(name))
    }
}

/// An environment variable the test environment must have set.
pub fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: is `scripts/testenv env` evaluated?"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Deletes a namespace when dropped (without waiting for it to go).
pub struct NamespaceCleanup {
    pub kubectl: PathBuf,
    pub ns: String,
}

impl Drop for NamespaceCleanup {
    fn drop(&mut self) {
        let _ = Command::new(&self.kubectl).args(["delete", "namespace", &self.ns, "--wait=false"]).output();
    }
}

/// Copies a directory tree.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for e in std::fs::read_dir(src).expect("read dir") {
        let e = e.expect("entry");
        let to = dst.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).expect("copy");
        }
    }
}

/// `testdata/examples/NAME` copied to a fresh temp dir named after `prefix` and `ns`, with `from`
/// (the example's namespace) replaced by `ns` in its `helmfile.yaml.gotmpl`.
pub fn example_copy(name: &str, from: &str, ns: &str, prefix: &str) -> PathBuf {
    let src = repo_root().join("testdata/examples").join(name);
    let dst = std::env::temp_dir().join(format!("deployer-{prefix}-{ns}"));
    let _ = std::fs::remove_dir_all(&dst);
    copy_dir(&src, &dst);
    let spec = dst.join("helmfile.yaml.gotmpl");
    let text = std::fs::read_to_string(&spec).expect("spec");
    std::fs::write(&spec, text.replace(from, ns)).expect("write spec");
    dst
}

/// Runs a command and returns its output; panics with the command line if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// stdout and stderr of an output, for assertion messages.
pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The real helm 3 and helm 4 binaries: from the test environment's variables, or the testenv
/// cache (the chart tests need only the binaries, not the cluster).
pub fn helm_binaries(test: &str) -> Option<(PathBuf, PathBuf)> {
    let from_env = |var: &str, file: &str| -> Option<PathBuf> {
        if let Ok(p) = std::env::var(var) {
            return Some(PathBuf::from(p));
        }
        let home = std::env::var("HOME").ok()?;
        let p = PathBuf::from(home).join(".cache/deployer-testenv/bin").join(file);
        p.exists().then_some(p)
    };
    match (from_env("DEPLOYER_TEST_HELM3", "helm3"), from_env("DEPLOYER_TEST_HELM4", "helm4")) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => {
            TestEnv::get(test)?;
            Some((var("DEPLOYER_TEST_HELM3").into(), var("DEPLOYER_TEST_HELM4").into()))
        }
    }
}
