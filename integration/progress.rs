//! Progress on stderr (issue 8): plain lines when stderr is not a terminal, nothing with
//! `--quiet`, and under a pseudo-terminal (util-linux `script`) the live area — while stdout
//! carries only the diff text or the JSON plan. Each test works in a namespace of its own.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{NamespaceCleanup as Cleanup, TestEnv, run, text};

fn tag() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let n = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{:06x}", (n ^ (std::process::id() << 8)) & 0xffffff)
}

/// The quickstart example copied to a temp dir, deploying to `ns`.
fn quickstart(ns: &str) -> PathBuf {
    common::example_copy("quickstart", "quickstart", ns, "progress")
}

fn deployer(dir: &Path, args: &[&str]) -> Output {
    run(Command::new(env!("CARGO_BIN_EXE_deployer")).arg("-f").arg(dir).args(args).env("NO_COLOR", "1").stdin(Stdio::null()))
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes).lines().map(str::to_string).collect()
}

#[test]
fn plain_lines_when_stderr_is_not_a_terminal() {
    let Some(env) = TestEnv::get("progress") else { return };
    let ns = format!("pp-{}", tag());
    let _cleanup = Cleanup { kubectl: env.tool("DEPLOYER_TEST_KUBECTL"), ns: ns.clone() };
    let dir = quickstart(&ns);

    let out = deployer(&dir, &["-e", "dev", "apply"]);
    assert!(out.status.success(), "apply: {}", text(&out));
    let err = lines(&out.stderr);
    let starts = |p: &str| err.iter().position(|e| e.starts_with(p)).unwrap_or_else(|| panic!("no line starting {p:?} in {err:#?}"));
    // rendering and diffing overlap: the render line comes when the last release is rendered
    starts("rendered 2 releases (");
    starts("hello-web: diffed, 3 to add, 0 to change, 0 to destroy (");
    starts("hello-api: diffed, 3 to add, 0 to change, 0 to destroy (");
    // one line per phase change, one per finished release, in needs order
    let web: Vec<usize> = ["installing", "dry-run", "applying", "installed (revision 1) ("].iter().map(|p| starts(&format!("hello-web: {p}"))).collect();
    assert!(web.windows(2).all(|w| w[0] < w[1]), "hello-web's phases out of order: {err:#?}");
    assert!(starts("hello-web: installed (revision 1) (") < starts("hello-api: installing"), "{err:#?}");
    starts("hello-api: installed (revision 1) (");
    assert!(err.iter().all(|l| !l.contains('\u{1b}') && !l.contains('\r')), "no terminal codes: {err:#?}");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("has been added:") && shown.contains("UPDATED RELEASES:"), "{shown}");
    assert!(!shown.contains("diffed,") && !shown.contains("installing"), "progress on stdout: {shown}");

    let out = deployer(&dir, &["-e", "dev", "--state-values-set", "webReplicas=3", "diff", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = lines(&out.stderr);
    assert_eq!(err.len(), 3, "{err:#?}");
    assert_eq!(err.iter().filter(|l| l.starts_with("rendered 2 releases (")).count(), 1, "{err:#?}");
    let mut diffed: Vec<&str> =
        err.iter().filter(|l| !l.starts_with("rendered ")).map(|l| l.rsplit_once(" (").map_or(l.as_str(), |(a, _)| a)).collect();
    diffed.sort();
    assert_eq!(diffed, ["hello-api: diffed, no changes", "hello-web: diffed, 0 to add, 1 to change, 0 to destroy"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("has changed:"));

    // --quiet: the diff, and nothing on stderr
    let out = deployer(&dir, &["-e", "dev", "--quiet", "--state-values-set", "webReplicas=3", "diff"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "--quiet");
    assert!(String::from_utf8_lossy(&out.stdout).contains("has changed:"));

    let out = deployer(&dir, &["-e", "dev", "destroy"]);
    assert!(out.status.success(), "{}", text(&out));
    let err = lines(&out.stderr);
    assert!(err.iter().any(|l| l.starts_with("hello-web: uninstalled (")), "{err:#?}");
}

/// `script` from util-linux runs the command on a pseudo-terminal (stdin and stderr are the
/// terminal; stdout is redirected to a file inside the command line).
fn script() -> Option<PathBuf> {
    ["/usr/bin/script", "/bin/script"].into_iter().map(PathBuf::from).find(|p| p.exists())
}

/// Runs `deployer ARGS > stdout_file` on a pseudo-terminal; returns what the terminal showed.
fn on_terminal(script: &Path, dir: &Path, args: &[&str], stdout_file: &Path) -> (Option<i32>, String) {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut line = vec![quote(env!("CARGO_BIN_EXE_deployer")), "-f".into(), quote(&dir.display().to_string())];
    line.extend(args.iter().map(|a| quote(a)));
    let command = format!("{} > {}", line.join(" "), quote(&stdout_file.display().to_string()));
    // -e: script exits with the command's status
    let out = run(Command::new(script).args(["-qec", &command, "/dev/null"]).env("NO_COLOR", "1").env("TERM", "xterm").stdin(Stdio::null()));
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn live_area_on_a_terminal_and_clean_stdout() {
    let Some(env) = TestEnv::get("progress") else { return };
    let Some(script) = script() else {
        assert!(!std::env::var("CI").is_ok_and(|v| v == "true"), "util-linux `script` is needed under CI=true");
        eprintln!("skipped progress terminal test: no util-linux `script`");
        return;
    };
    let ns = format!("pt-{}", tag());
    let _cleanup = Cleanup { kubectl: env.tool("DEPLOYER_TEST_KUBECTL"), ns: ns.clone() };
    let dir = quickstart(&ns);
    let stdout_file = dir.join("stdout.txt");

    // A web release the server refuses (replicas must be an integer): the area counts the
    // failure, and the api release that needs it as skipped.
    let (code, shown) = on_terminal(&script, &dir, &["-e", "dev", "--state-values-set", "webReplicas=many", "apply"], &stdout_file);
    assert_eq!(code, Some(1), "{shown}");
    for want in ["diff [2/2]", "apply [", "hello-web: diff FAILED (", "hello-web: FAILED (", "hello-api: skipped (", "apply [2/2] · 1 failed · 1 skipped"] {
        assert!(shown.contains(want), "{want:?} not shown on the terminal:\n{shown}");
    }
    // the area is redrawn in place (cursor up, clear line) and cleared at the end
    assert!(shown.contains("\u{1b}[1A") && shown.contains("\u{1b}[2K"), "{shown:?}");
    let out = std::fs::read_to_string(&stdout_file).expect("stdout file");
    assert!(!out.contains('\u{1b}') && !out.contains("apply ["), "progress leaked to stdout: {out:?}");

    // (web's failed first install is revision 1)
    let (code, shown) = on_terminal(&script, &dir, &["-e", "dev", "apply"], &stdout_file);
    assert_eq!(code, Some(0), "{shown}");
    for want in ["hello-web: installed (revision 2) (", "hello-api: installed (revision 1) (", "apply [2/2]"] {
        assert!(shown.contains(want), "{want:?} not shown on the terminal:\n{shown}");
    }
    let out = std::fs::read_to_string(&stdout_file).expect("stdout file");
    assert!(out.contains("UPDATED RELEASES:") && !out.contains('\u{1b}') && !out.contains("apply ["), "{out:?}");

    // `diff -o json` with the live area on stderr: stdout is exactly the JSON plan.
    let (code, shown) = on_terminal(&script, &dir, &["-e", "dev", "--state-values-set", "webReplicas=2", "diff", "-o", "json"], &stdout_file);
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("diff [") && shown.contains("hello-web: diffed, 0 to add, 1 to change, 0 to destroy ("), "{shown}");
    let out = std::fs::read_to_string(&stdout_file).expect("stdout file");
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("stdout is not the JSON plan ({e}): {out:?}"));
    assert_eq!(plan["releases"].as_array().map(Vec::len), Some(2), "{plan}");

    // --quiet on a terminal: nothing at all
    let (code, shown) = on_terminal(&script, &dir, &["-e", "dev", "--quiet", "diff"], &stdout_file);
    assert_eq!((code, shown.as_str()), (Some(0), ""), "--quiet on a terminal");
}
