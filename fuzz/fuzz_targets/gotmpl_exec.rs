//! Arbitrary template text rendered through the chart engine (`Engine::render`) with the full
//! Sprig + helm function map and a small fixed top-level object. Up to three templates are split
//! at NUL bytes (`_helpers.tpl`, `a.yaml`, `b.yaml`). Must not panic, hang or overflow the stack.
//! Inputs calling slow-by-design functions or building huge counts are skipped
//! (`deployer_fuzz::exec_budget_ok`, documented in fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if !deployer_fuzz::hits_known_finding(data) {
        deployer_fuzz::gotmpl_exec(data);
    }
});
