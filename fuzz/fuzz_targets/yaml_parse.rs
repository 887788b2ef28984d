//! Arbitrary text through the YAML parser, as a values file and as a manifest stream: a value or
//! a go-yaml-worded error, never a panic, hang or stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| deployer_fuzz::yaml_parse(data));
