//! Replays the fuzz findings kept as regression inputs under testdata/fuzz/TARGET/ through the
//! same code the fuzz targets run (`cargo test` in fuzz/). A finding's file stays there after
//! the engine is fixed, so the bug cannot come back unnoticed.
//!
//! Each input runs in a child process (this test binary again, test `replay_one`), on a thread
//! with the 8 MB stack of a process's main thread, so a stack overflow or an abort fails that
//! input only, and a hang is killed after `LIMIT`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one input may take (helm handles every finding's input in well under this).
const LIMIT: Duration = Duration::from_secs(20);
const ENV: &str = "DEPLOYER_FUZZ_REPLAY";

fn target_fn(target: &str) -> fn(&[u8]) {
    match target {
        "gotmpl_parse" => deployer_fuzz::gotmpl_parse,
        "gotmpl_exec" => deployer_fuzz::gotmpl_exec,
        "yaml_parse" => deployer_fuzz::yaml_parse,
        "yaml_roundtrip" => deployer_fuzz::yaml_roundtrip,
        "fast_head" => deployer_fuzz::fast_head,
        other => panic!("unknown target {other}"),
    }
}

/// The child side: runs one input when `DEPLOYER_FUZZ_REPLAY=TARGET:PATH` is set.
#[test]
fn replay_one() {
    let Ok(spec) = std::env::var(ENV) else { return };
    let (target, path) = spec.split_once(':').expect("TARGET:PATH");
    let run = target_fn(target);
    let data = std::fs::read(path).expect("input");
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || run(&data))
        .unwrap()
        .join()
        .expect("input panicked");
}

fn replay(target: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/fuzz").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let exe = std::env::current_exe().unwrap();
    let mut failed = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut child = Command::new(&exe)
            .args(["--exact", "replay_one", "--nocapture", "--test-threads=1"])
            .env(ENV, format!("{target}:{}", path.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if start.elapsed() > LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        match status {
            Some(s) if s.success() => {}
            Some(s) => failed.push(format!("{name} ({s})")),
            None => failed.push(format!("{name} (still running after {LIMIT:?})")),
        }
    }
    assert!(failed.is_empty(), "{target}: inputs still failing: {failed:?}");
}

#[test]
fn gotmpl_parse_findings() {
    replay("gotmpl_parse");
}

#[test]
fn gotmpl_exec_findings() {
    replay("gotmpl_exec");
}

#[test]
fn yaml_parse_findings() {
    replay("yaml_parse");
}

#[test]
fn yaml_roundtrip_findings() {
    replay("yaml_roundtrip");
}

#[test]
fn fast_head_findings() {
    replay("fast_head");
}
