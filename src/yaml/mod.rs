//! YAML as helm sees it: a YAML 1.1 parser producing JSON-like values (sigs.k8s.io/yaml over
//! go-yaml v2) and emitters byte-identical to go-yaml v2 (`toYaml`) and v3 (`toYamlPretty`).
