//! Arbitrary text through the template parser (lexer + parser + node printing): it must return
//! a tree set or a parse error, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if !deployer_fuzz::hits_known_finding(data) {
        deployer_fuzz::gotmpl_parse(data);
    }
});
