//! Replays the fuzz findings kept as regression inputs under testdata/fuzz/TARGET/ through the
//! same code the fuzz targets run (`cargo test` in fuzz/). A finding's file stays there after
//! the engine is fixed, so the bug cannot come back unnoticed.

use std::path::Path;
use std::time::Duration;

/// How long one input may take (helm renders every finding's input in well under this).
const LIMIT: Duration = Duration::from_secs(20);

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/fuzz").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let mut failed = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // Each input on its own thread with a large stack, so one failure does not stop the
        // rest; an input still running after LIMIT counts as a hang (its thread is left behind).
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || {
                let ok = std::panic::catch_unwind(|| run(&data)).is_ok();
                let _ = tx.send(ok);
            })
            .unwrap();
        match rx.recv_timeout(LIMIT) {
            Ok(true) => {}
            Ok(false) => failed.push(format!("{name} (panic)")),
            Err(_) => failed.push(format!("{name} (still running after {LIMIT:?})")),
        }
    }
    assert!(failed.is_empty(), "{target}: inputs still failing: {failed:?}");
}

#[test]
fn gotmpl_parse_findings() {
    replay("gotmpl_parse", deployer_fuzz::gotmpl_parse);
}

#[test]
fn gotmpl_exec_findings() {
    replay("gotmpl_exec", deployer_fuzz::gotmpl_exec);
}

#[test]
fn yaml_parse_findings() {
    replay("yaml_parse", deployer_fuzz::yaml_parse);
}

#[test]
fn yaml_roundtrip_findings() {
    replay("yaml_roundtrip", deployer_fuzz::yaml_roundtrip);
}
