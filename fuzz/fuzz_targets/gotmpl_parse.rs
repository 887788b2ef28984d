//! Arbitrary text through the template parser (lexer + parser + node printing): it must return
//! a tree set or a parse error, never panic or hang.
#![no_main]

use std::collections::HashSet;
use std::sync::OnceLock;

use deployer::gotmpl::{ParseOptions, parse};
use libfuzzer_sys::fuzz_target;

fn names() -> &'static HashSet<String> {
    static NAMES: OnceLock<HashSet<String>> = OnceLock::new();
    NAMES.get_or_init(deployer_fuzz::helm_func_names)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let names = names();
    let is_func = |f: &str| names.contains(f);
    // The first byte picks the parse mode, so every mode gets coverage.
    let flags = data.first().copied().unwrap_or(0);
    let mut opts = ParseOptions::new(&is_func);
    opts.else_with = flags & 1 == 0;
    opts.skip_func_check = flags & 2 != 0;
    opts.parse_comments = flags & 4 != 0;
    if let Ok(trees) = parse("fuzz", text, &opts) {
        // Printing every tree back (what execution errors quote) must not panic either; nor
        // must parsing the printed text again.
        for (_, tree) in trees {
            let printed = tree.root.to_string();
            let _ = parse("reparse", &printed, &opts);
        }
    }
});
