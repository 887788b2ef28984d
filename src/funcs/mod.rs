//! The function library charts call: Sprig v3 (less `env`/`expandenv`) and helm's own functions
//! (`include`, `tpl`, `toYaml`, `required`, `lookup`, …), with a v3/v4 compatibility switch.

pub mod helm;
pub mod json;
pub mod sprig;
pub mod sprig_crypto;
pub mod toml;
pub mod toml_decode;

pub use helm::{HelmCompat, HelmOptions};

use crate::gotmpl::FuncMap;

/// Sprig's function map as the given helm ships it (helm 3.15: Sprig v3.2.3; helm 4: v3.3.0).
pub fn sprig_funcs(compat: HelmCompat) -> FuncMap {
    let mut map = FuncMap::new();
    let version = match compat {
        HelmCompat::V3 => sprig::SprigVersion::V3_2_3,
        HelmCompat::V4 => sprig::SprigVersion::V3_3_0,
    };
    sprig::register_version(&mut map, version);
    let flavor = match compat {
        HelmCompat::V3 => sprig_crypto::Flavor::Helm3,
        HelmCompat::V4 => sprig_crypto::Flavor::Helm4,
    };
    sprig_crypto::register_flavor(&mut map, flavor);
    map
}
