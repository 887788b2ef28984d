//! Sprig's date functions: `now`, `date`, `dateInZone`, `htmlDate*`, `dateModify`, `toDate`,
//! `unixEpoch`, `ago`, `duration`, `durationRound`.
//!
//! Sprig switches on Go types: a `time.Time`, an `int64` or an `int` are times; anything else
//! (a float64 from a values file included) silently means "now", and `duration` of an `int`
//! is `0s`. Those quirks are kept because charts' output depends on them.

use super::gotime::{GoTime, Location, NANOS_PER_SEC, format_duration, parse_duration, parse_in_location, round_duration};
use super::str_arg;
use crate::gotmpl::{Func, FuncMap, Param, Signature};
use crate::value::Value;

/// Sprig's `dateInZone` argument switch.
fn time_of(v: &Value) -> GoTime {
    match v {
        Value::Int(n) | Value::Int64(n) => GoTime::from_unix(*n, 0),
        other => GoTime::from_value(other).unwrap_or_else(GoTime::now),
    }
}

/// A parameter declared `time.Time`: anything else is the executor's type error.
fn time_param(v: &Value) -> Result<GoTime, String> {
    GoTime::from_value(v).ok_or_else(|| match v {
        Value::Nil => "invalid value; expected time.Time".to_string(),
        other => format!("wrong type for value; expected time.Time; got {}", other.type_name()),
    })
}

/// `t.In(LoadLocation(zone)).Format(layout)`, with UTC when the zone is unknown.
fn date_in_zone(layout: &str, date: &Value, zone: &str) -> Value {
    let loc = Location::load(zone).unwrap_or_else(Location::utc);
    Value::str(time_of(date).in_location(loc).format(layout))
}

fn duration_round(v: &Value) -> String {
    let d: i64 = match v {
        Value::String(s) => parse_duration(s).unwrap_or(0),
        Value::Int64(n) => *n,
        other => GoTime::from_value(other).map_or(0, |t| t.since()),
    };
    let u = d.unsigned_abs();
    const HOUR: u64 = 3_600 * NANOS_PER_SEC as u64;
    let units: [(u64, &str); 6] = [
        (HOUR * 24 * 365, "y"),
        (HOUR * 24 * 30, "mo"),
        (HOUR * 24, "d"),
        (HOUR, "h"),
        (60 * NANOS_PER_SEC as u64, "m"),
        (NANOS_PER_SEC as u64, "s"),
    ];
    units.iter().find(|(unit, _)| u > *unit).map_or_else(|| "0s".to_string(), |(unit, name)| format!("{}{name}", u / unit))
}

/// Go's `strconv.ParseInt(s, 10, 64)` result, ignoring the error as Sprig does: out-of-range
/// values clamp, malformed text is 0.
fn parse_int_lenient(s: &str) -> i64 {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    s.parse::<i64>().unwrap_or(if s.starts_with('-') { i64::MIN } else { i64::MAX })
}

pub(super) fn register(map: &mut FuncMap) {
    use Param::{Any, String as Str};
    map.insert("now", Func::pure(Signature::fixed(&[]), |_| Ok(GoTime::now().into_value())));
    map.insert(
        "ago",
        Func::pure(Signature::fixed(&[Any]), |args| {
            let t = match &args[0] {
                Value::Int(n) | Value::Int64(n) => GoTime::from_unix(*n, 0),
                other => GoTime::from_value(other).unwrap_or_else(GoTime::now),
            };
            Ok(Value::str(format_duration(round_duration(t.since(), NANOS_PER_SEC))))
        }),
    );
    map.insert(
        "date",
        Func::pure(Signature::fixed(&[Str, Any]), |args| Ok(date_in_zone(str_arg(&args, 0), &args[1], "Local"))),
    );
    map.insert("htmlDate", Func::pure(Signature::fixed(&[Any]), |args| Ok(date_in_zone("2006-01-02", &args[0], "Local"))));
    map.insert(
        "htmlDateInZone",
        Func::pure(Signature::fixed(&[Any, Str]), |args| Ok(date_in_zone("2006-01-02", &args[0], str_arg(&args, 1)))),
    );
    for name in ["dateInZone", "date_in_zone"] {
        map.insert(
            name,
            Func::pure(Signature::fixed(&[Str, Any, Str]), |args| {
                Ok(date_in_zone(str_arg(&args, 0), &args[1], str_arg(&args, 2)))
            }),
        );
    }
    for name in ["dateModify", "date_modify"] {
        map.insert(
            name,
            Func::pure(Signature::fixed(&[Str, Any]), |args| {
                let t = time_param(&args[1])?;
                // An unparsable duration leaves the time unchanged.
                Ok(parse_duration(str_arg(&args, 0)).map_or(t.clone(), |d| t.add(d)).into_value())
            }),
        );
    }
    map.insert(
        "mustDateModify",
        Func::pure(Signature::fixed(&[Str, Any]), |args| {
            let t = time_param(&args[1])?;
            Ok(t.add(parse_duration(str_arg(&args, 0))?).into_value())
        }),
    );
    map.insert(
        "toDate",
        Func::pure(Signature::fixed(&[Str, Str]), |args| {
            let t = parse_in_location(str_arg(&args, 0), str_arg(&args, 1), &Location::local());
            Ok(t.unwrap_or_else(|_| GoTime::zero()).into_value())
        }),
    );
    map.insert(
        "mustToDate",
        Func::pure(Signature::fixed(&[Str, Str]), |args| {
            parse_in_location(str_arg(&args, 0), str_arg(&args, 1), &Location::local()).map(GoTime::into_value)
        }),
    );
    map.insert(
        "unixEpoch",
        Func::pure(Signature::fixed(&[Any]), |args| Ok(Value::str(time_param(&args[0])?.unix().to_string()))),
    );
    map.insert(
        "duration",
        Func::pure(Signature::fixed(&[Any]), |args| {
            let secs = match &args[0] {
                Value::String(s) => parse_int_lenient(s),
                Value::Int64(n) => *n,
                _ => 0,
            };
            // time.Duration(n) * time.Second wraps on overflow in Go.
            Ok(Value::str(format_duration(secs.wrapping_mul(NANOS_PER_SEC))))
        }),
    );
    map.insert("durationRound", Func::pure(Signature::fixed(&[Any]), |args| Ok(Value::str(duration_round(&args[0])))));
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{call, helm3, text};
    use super::*;
    use serde_json::Value as Json;

    /// Cases recorded from Go (sprig v3.2.3, TZ=UTC) by testdata/funcs/sprig_crypto/oracle/dates.go.txt:
    /// each is a function name, JSON-encoded arguments and Go's output.
    #[test]
    fn matches_go_dates() {
        let path = format!("{}/testdata/funcs/sprig_crypto/dates.json", env!("CARGO_MANIFEST_DIR"));
        let cases: Vec<Json> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let map = helm3();
        let mut n = 0;
        for case in &cases {
            let name = case["func"].as_str().unwrap();
            let args: Vec<Value> = case["args"].as_array().unwrap().iter().map(arg_value).collect();
            let got = text(call(&map, name, args));
            assert_eq!(got, case["out"].as_str().unwrap(), "{name} {}", case["args"]);
            n += 1;
        }
        assert!(n > 100, "{n} cases");
    }

    /// `{"t": [layout, value]}` is a time made by toDate; `{"i64": n}` an int64; `{"int": n}` an int.
    fn arg_value(j: &Json) -> Value {
        match j {
            Json::String(s) => Value::str(s.as_str()),
            Json::Object(o) if o.contains_key("t") => {
                let lv = &o["t"];
                let t = parse_in_location(lv[0].as_str().unwrap(), lv[1].as_str().unwrap(), &Location::utc());
                t.unwrap().into_value()
            }
            Json::Object(o) if o.contains_key("i64") => Value::Int64(o["i64"].as_i64().unwrap()),
            Json::Object(o) if o.contains_key("int") => Value::Int(o["int"].as_i64().unwrap()),
            Json::Number(n) => Value::Float(n.as_f64().unwrap()),
            _ => Value::Nil,
        }
    }

    #[test]
    fn now_has_go_shape() {
        let map = helm3();
        let now = text(call(&map, "now", vec![]));
        // 2026-01-02 15:04:05.123456789 +0000 UTC m=+0.001234567
        let parts: Vec<&str> = now.split(' ').collect();
        assert_eq!(parts.len(), 5, "{now}");
        assert!(parts[4].starts_with("m=+"), "{now}");
        assert_eq!(text(call(&map, "ago", vec![GoTime::now().into_value()])), "0s");
        let err = call(&map, "dateModify", vec![Value::str("1h"), Value::str("x")]).unwrap_err();
        assert_eq!(err, "wrong type for value; expected time.Time; got string");
    }
}
