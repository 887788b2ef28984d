//! Parse arbitrary YAML, then emit every value with `toYaml` (go-yaml v2) and `toYamlPretty`'s
//! marshaller, then parse the emitted text again: no step may panic. The emitted text of a
//! parsed value must parse again (go-yaml guarantees that for values it produced).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut values = Vec::new();
    if let Ok(v) = deployer::yaml::parse_values(text) {
        values.push(v);
    }
    if let Ok(docs) = deployer::yaml::parse_documents(text) {
        values.extend(docs);
    }
    for v in &values {
        let emitted = deployer::yaml::to_yaml(v);
        if let Err(e) = deployer::yaml::parse_values(&emitted) {
            panic!("toYaml output does not parse again: {e}\n--- input:\n{text:?}\n--- emitted:\n{emitted:?}");
        }
        let _ = deployer::yaml::marshal(v);
    }
});
