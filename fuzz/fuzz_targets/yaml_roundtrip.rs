//! Parse arbitrary YAML, then emit every value with `toYaml` (go-yaml v2) and `toYamlPretty`'s
//! marshaller, then parse the emitted text again: no step may panic. The emitted text of a
//! parsed value must parse again (go-yaml guarantees that for values it produced).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| deployer_fuzz::yaml_roundtrip(data));
