//! The function library charts call: Sprig v3 (less `env`/`expandenv`) and helm's own functions
//! (`include`, `tpl`, `toYaml`, `required`, `lookup`, …), with a v3/v4 compatibility switch.
pub mod sprig_crypto;
