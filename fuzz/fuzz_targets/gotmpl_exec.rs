//! Arbitrary template text rendered through the chart engine (`Engine::render`) with the full
//! Sprig + helm function map and a small fixed top-level object. Up to three templates are split
//! at NUL bytes (`_helpers.tpl`, `a.yaml`, `b.yaml`). Must not panic, hang or overflow the stack.
//! Inputs calling slow-by-design functions or building huge counts are skipped
//! (`deployer_fuzz::exec_budget_ok`, documented in fuzz/README.md).
#![no_main]

use deployer::funcs::HelmCompat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if !deployer_fuzz::exec_budget_ok(text) {
        return;
    }
    // helm 3 and helm 4 differ in the executor's options and in several functions.
    let compat = if data.last().is_some_and(|b| b & 1 == 1) { HelmCompat::V4 } else { HelmCompat::V3 };
    deployer_fuzz::render(text, compat);
});
