//! Replays the fuzz findings kept as regression inputs under testdata/fuzz/TARGET/ through the
//! same code the fuzz targets run (`cargo test` in fuzz/). A finding's file stays there after
//! the engine is fixed, so the bug cannot come back unnoticed.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/fuzz").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let mut failed = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // Each input on its own thread with a large stack, so one failure does not stop the rest.
        let ok = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || run(&data))
            .unwrap()
            .join()
            .is_ok();
        if !ok {
            failed.push(name);
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
