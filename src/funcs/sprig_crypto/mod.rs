//! Sprig's semver, date, crypto and random functions (Sprig v3.2.3 in helm 3, v3.3.0 in helm 4),
//! with the Go libraries underneath reimplemented where their exact text matters:
//! Masterminds/semver ([`semver`]), Go's `time` layouts and durations (`gotime`).
//!
//! Families: `version_funcs` (semver, semverCompare), `date` (now, date, toDate, duration…),
//! `hash` (sha*sum, adler32sum, bcrypt, htpasswd, derivePassword, encryptAES/decryptAES),
//! `random` (rand*, uuidv4, shuffle), `certs` (genPrivateKey, genCA, gen*Cert, buildCustomCert).

mod certs;
mod date;
pub mod gotime;
mod hash;
mod random;
pub use crate::semver;
mod version_funcs;

use crate::gotmpl::FuncMap;
use crate::value::Value;

/// Which helm's function set to register: they differ in `sha512sum` (helm 4 only) and in the
/// Masterminds/semver release behind `semverCompare` (v3.2.1 vs v3.5.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavor {
    #[default]
    Helm3,
    Helm4,
}

impl Flavor {
    pub fn semver_dialect(self) -> semver::Dialect {
        match self {
            Flavor::Helm3 => semver::Dialect::V3_2,
            Flavor::Helm4 => semver::Dialect::V3_4,
        }
    }
}

/// Registers the helm 3 set.
pub fn register(map: &mut FuncMap) {
    register_flavor(map, Flavor::Helm3);
}

pub fn register_flavor(map: &mut FuncMap, flavor: Flavor) {
    version_funcs::register(map, flavor);
    date::register(map);
    hash::register(map, flavor);
    random::register(map);
    certs::register(map);
}

/// Go's `int` argument of a function declared with another integer type (`uint32`), accepting
/// what the executor hands over for an `interface {}` parameter.
fn int_arg(v: &Value, go_type: &str) -> Result<i64, String> {
    match v {
        Value::Int(n) | Value::Int64(n) => Ok(*n),
        other => Err(format!("wrong type for value; expected {go_type}; got {}", other.type_name())),
    }
}

/// The string in a converted `string` argument (the executor guarantees the type).
fn str_arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::gotmpl::{FuncMap, NoHost};
    use crate::value::Value;


    /// Calls a registered function as the executor would after converting arguments.
    pub fn call(map: &FuncMap, name: &str, args: Vec<Value>) -> Result<Value, String> {
        let f = map.get(name).unwrap_or_else(|| panic!("{name} not registered"));
        f.sig.check_arity(name, args.len())?;
        (f.body)(&mut NoHost, args).map_err(|e| e.message)
    }

    pub fn helm3() -> FuncMap {
        let mut map = FuncMap::new();
        super::register(&mut map);
        map
    }

    pub fn text(v: Result<Value, String>) -> String {
        match v {
            Ok(v) => v.go_format(),
            Err(e) => format!("error: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_every_name() {
        let mut map = FuncMap::new();
        register_flavor(&mut map, Flavor::Helm4);
        for name in [
            "semver", "semverCompare", "now", "ago", "date", "dateInZone", "date_in_zone", "dateModify", "date_modify",
            "mustDateModify", "htmlDate", "htmlDateInZone", "toDate", "mustToDate", "unixEpoch", "duration",
            "durationRound", "sha1sum", "sha256sum", "sha512sum", "adler32sum", "bcrypt", "htpasswd",
            "derivePassword", "genPrivateKey", "buildCustomCert", "genCA", "genCAWithKey", "genSelfSignedCert",
            "genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey", "encryptAES", "decryptAES",
            "randAlphaNum", "randAlpha", "randNumeric", "randAscii", "randBytes", "randInt", "uuidv4", "shuffle",
        ] {
            assert!(map.contains(name), "{name} missing");
        }
        let mut helm3 = FuncMap::new();
        register(&mut helm3);
        assert!(!helm3.contains("sha512sum"));
    }
}
