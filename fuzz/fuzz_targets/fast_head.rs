//! Arbitrary text through the fast manifest head reader: when it answers, the full YAML parser
//! must accept the document and read the same head.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| deployer_fuzz::fast_head(data));
