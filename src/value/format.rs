//! Go's `fmt` and `strconv` text for values: `%v`, shortest float digits, quoting.
//! (Placeholder: filled in with the executor.)

use super::Value;

pub fn format_float(f: f64) -> String {
    format!("{f}")
}

pub fn go_quote(s: &str) -> String {
    format!("{s:?}")
}

pub(super) fn write_v(out: &mut String, v: &Value, _top: bool) {
    out.push_str(&format!("{v:?}"));
}
