//! Go's `time` package as Sprig's date functions see it: `time.Time` in a `*time.Location`,
//! layout formatting and parsing against the reference time `Mon Jan 2 15:04:05 MST 2006`,
//! and `time.Duration` text (`String`, `ParseDuration`, `Round`).
//!
//! Calendar arithmetic is done here (proleptic Gregorian on Unix seconds, as Go does); `jiff`
//! only answers "what offset and abbreviation does this zone have at this instant".

use std::sync::LazyLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use jiff::tz::TimeZone;

use crate::value::{Object, Value};

pub const NANOS_PER_SEC: i64 = 1_000_000_000;

/// When the process started, for the monotonic reading Go prints as ` m=+1.234567890`.
static PROCESS_START: LazyLock<Instant> = LazyLock::new(Instant::now);

#[derive(Debug, Clone)]
enum Zone {
    Tz(TimeZone),
    /// `time.FixedZone(name, offset)`: parsed numeric offsets that are not the local zone's.
    Fixed(i32),
}

/// A `*time.Location`: its Go name (`Local`, `UTC`, `Europe/Berlin`, `""` for fixed zones) and
/// its rules.
#[derive(Debug, Clone)]
pub struct Location {
    name: String,
    zone: Zone,
}

impl Location {
    pub fn utc() -> Location {
        Location { name: "UTC".into(), zone: Zone::Tz(TimeZone::UTC) }
    }

    /// `time.Local`: `$TZ`, else `/etc/localtime`, else UTC — named "Local" either way.
    pub fn local() -> Location {
        static LOCAL: LazyLock<TimeZone> = LazyLock::new(|| TimeZone::try_system().unwrap_or(TimeZone::UTC));
        Location { name: "Local".into(), zone: Zone::Tz(LOCAL.clone()) }
    }

    pub fn fixed(name: &str, offset: i32) -> Location {
        Location { name: name.into(), zone: Zone::Fixed(offset) }
    }

    /// `time.LoadLocation`: "" and "UTC" are UTC, "Local" is local, else an IANA name spelt
    /// exactly as in the tz database (Go opens the file by name, so case matters).
    pub fn load(name: &str) -> Option<Location> {
        match name {
            "" | "UTC" => return Some(Location::utc()),
            "Local" => return Some(Location::local()),
            _ => {}
        }
        if name.starts_with('/') || name.contains("..") || name.contains('\\') {
            return None;
        }
        let tz = TimeZone::get(name).ok()?;
        // jiff matches names case-insensitively; Go does not.
        if tz.iana_name().is_some_and(|n| n != name) {
            return None;
        }
        Some(Location { name: name.into(), zone: Zone::Tz(tz) })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone abbreviation and UTC offset in force at `unix`.
    fn lookup(&self, unix: i64) -> (String, i32) {
        match &self.zone {
            Zone::Fixed(off) => (self.name.clone(), *off),
            Zone::Tz(tz) => match jiff::Timestamp::from_second(unix) {
                Ok(ts) => {
                    let info = tz.to_offset_info(ts);
                    (info.abbreviation().to_string(), info.offset().seconds())
                }
                Err(_) => ("UTC".into(), 0),
            },
        }
    }
}

/// A `time.Time`.
#[derive(Debug, Clone)]
pub struct GoTime {
    unix: i64,
    nsec: u32,
    loc: Location,
    /// Nanoseconds since process start, for times made by `now` (Go's monotonic reading).
    mono: Option<i64>,
}

const MONTHS: [&str; 12] = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// Proleptic Gregorian date of a day count from 1970-01-01 (Hinnant's civil algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Day count from 1970-01-01; `m` may be out of 1..=12 and `d` out of the month (normalised
/// like Go's `time.Date`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = y + (m - 1).div_euclid(12);
    let m = (m - 1).rem_euclid(12) + 1;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(m: i64, y: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The broken-down local time of an instant.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    yday: i64,
    weekday: usize,
    hour: i64,
    min: i64,
    sec: i64,
}

impl GoTime {
    pub fn now() -> GoTime {
        let start = *PROCESS_START;
        let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        GoTime {
            unix: since.as_secs() as i64,
            nsec: since.subsec_nanos(),
            loc: Location::local(),
            mono: Some(start.elapsed().as_nanos() as i64),
        }
    }

    /// `time.Unix(sec, nsec)`, in the local zone.
    pub fn from_unix(unix: i64, nsec: u32) -> GoTime {
        GoTime { unix, nsec, loc: Location::local(), mono: None }
    }

    /// The zero `time.Time`: January 1, year 1, 00:00:00 UTC.
    pub fn zero() -> GoTime {
        GoTime { unix: days_from_civil(1, 1, 1) * 86_400, nsec: 0, loc: Location::utc(), mono: None }
    }

    /// `time.Date` in `loc`, normalising out-of-range fields.
    #[allow(clippy::too_many_arguments)]
    pub fn date(year: i64, month: i64, day: i64, hour: i64, min: i64, sec: i64, nsec: i64, loc: Location) -> GoTime {
        let sec = sec + nsec.div_euclid(NANOS_PER_SEC);
        let nsec = nsec.rem_euclid(NANOS_PER_SEC) as u32;
        let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec;
        // The offset depends on the instant, which depends on the offset: look up twice.
        let (_, off) = loc.lookup(local);
        let mut unix = local - i64::from(off);
        let (_, off2) = loc.lookup(unix);
        if off2 != off {
            unix = local - i64::from(off2);
        }
        GoTime { unix, nsec, loc, mono: None }
    }

    pub fn unix(&self) -> i64 {
        self.unix
    }

    pub fn nanosecond(&self) -> u32 {
        self.nsec
    }

    pub fn location(&self) -> &Location {
        &self.loc
    }

    /// `t.In(loc)`; like Go, changing the location drops the monotonic reading.
    pub fn in_location(&self, loc: Location) -> GoTime {
        GoTime { loc, mono: None, ..self.clone() }
    }

    /// Nanoseconds since the Unix epoch, saturating like Go's `Duration` arithmetic.
    pub fn unix_nano(&self) -> i128 {
        i128::from(self.unix) * i128::from(NANOS_PER_SEC) + i128::from(self.nsec)
    }

    /// `t.Add(d)`: keeps the monotonic reading, as Go does.
    pub fn add(&self, d: i64) -> GoTime {
        let total = self.unix_nano() + i128::from(d);
        let unix = total.div_euclid(i128::from(NANOS_PER_SEC)) as i64;
        let nsec = total.rem_euclid(i128::from(NANOS_PER_SEC)) as u32;
        GoTime { unix, nsec, loc: self.loc.clone(), mono: self.mono.map(|m| m.saturating_add(d)) }
    }

    /// `time.Since(t)` as a Duration, saturating.
    pub fn since(&self) -> i64 {
        let now = GoTime::now();
        let d = now.unix_nano() - self.unix_nano();
        d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    fn civil(&self) -> (Civil, String, i32) {
        let (abbrev, off) = self.loc.lookup(self.unix);
        let local = self.unix + i64::from(off);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let yday = days - days_from_civil(year, 1, 1) + 1;
        let weekday = (days + 4).rem_euclid(7) as usize;
        let civil =
            Civil { year, month, day, yday, weekday, hour: secs / 3600, min: secs % 3600 / 60, sec: secs % 60 };
        (civil, abbrev, off)
    }

    /// `t.Format(layout)`.
    pub fn format(&self, layout: &str) -> String {
        let (c, abbrev, offset) = self.civil();
        let mut out = String::new();
        let mut rest = layout;
        while !rest.is_empty() {
            let (prefix, std, suffix) = next_std_chunk(rest);
            out.push_str(prefix);
            let Some(std) = std else { break };
            rest = suffix;
            match std {
                Std::Year => push_int(&mut out, c.year.abs() % 100, 2),
                Std::LongYear => push_int(&mut out, c.year, 4),
                Std::Month => out.push_str(&MONTHS[c.month as usize - 1][..3]),
                Std::LongMonth => out.push_str(MONTHS[c.month as usize - 1]),
                Std::NumMonth => push_int(&mut out, i64::from(c.month), 0),
                Std::ZeroMonth => push_int(&mut out, i64::from(c.month), 2),
                Std::WeekDay => out.push_str(&DAYS[c.weekday][..3]),
                Std::LongWeekDay => out.push_str(DAYS[c.weekday]),
                Std::Day => push_int(&mut out, i64::from(c.day), 0),
                Std::UnderDay => {
                    if c.day < 10 {
                        out.push(' ');
                    }
                    push_int(&mut out, i64::from(c.day), 0);
                }
                Std::ZeroDay => push_int(&mut out, i64::from(c.day), 2),
                Std::UnderYearDay => {
                    if c.yday < 100 {
                        out.push(' ');
                        if c.yday < 10 {
                            out.push(' ');
                        }
                    }
                    push_int(&mut out, c.yday, 0);
                }
                Std::ZeroYearDay => push_int(&mut out, c.yday, 3),
                Std::Hour => push_int(&mut out, c.hour, 2),
                Std::Hour12 | Std::ZeroHour12 => {
                    let hr = if c.hour % 12 == 0 { 12 } else { c.hour % 12 };
                    push_int(&mut out, hr, if std == Std::Hour12 { 0 } else { 2 });
                }
                Std::Minute => push_int(&mut out, c.min, 0),
                Std::ZeroMinute => push_int(&mut out, c.min, 2),
                Std::Second => push_int(&mut out, c.sec, 0),
                Std::ZeroSecond => push_int(&mut out, c.sec, 2),
                Std::PM => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
                Std::Pm => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
                Std::Tz => {
                    if !abbrev.is_empty() {
                        out.push_str(&abbrev);
                    } else {
                        let zone = offset / 60;
                        out.push(if zone < 0 { '-' } else { '+' });
                        push_int(&mut out, i64::from(zone.abs() / 60), 2);
                        push_int(&mut out, i64::from(zone.abs() % 60), 2);
                    }
                }
                Std::NumTz(kind) => {
                    if offset == 0 && kind.iso {
                        out.push('Z');
                        continue;
                    }
                    let abs = offset.abs();
                    out.push(if offset < 0 { '-' } else { '+' });
                    push_int(&mut out, i64::from(abs / 3600), 2);
                    if kind.colon {
                        out.push(':');
                    }
                    if !kind.short {
                        push_int(&mut out, i64::from(abs / 60 % 60), 2);
                    }
                    if kind.seconds {
                        if kind.colon {
                            out.push(':');
                        }
                        push_int(&mut out, i64::from(abs % 60), 2);
                    }
                }
                Std::Frac { sep, digits, trim } => {
                    if trim && (digits == 0 || self.nsec == 0) {
                        continue;
                    }
                    let all = format!("{:09}", self.nsec);
                    let mut frac = all[..digits.min(9)].to_string();
                    if trim {
                        frac.truncate(frac.trim_end_matches('0').len());
                        if frac.is_empty() {
                            continue;
                        }
                    }
                    out.push(sep);
                    out.push_str(&frac);
                }
            }
        }
        out
    }

    /// Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`, plus ` m=±s.nnnnnnnnn`
    /// when the time carries a monotonic reading (times from `now`).
    pub fn go_string(&self) -> String {
        let mut s = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.mono {
            let sign = if m < 0 { '-' } else { '+' };
            let m = m.unsigned_abs();
            s.push_str(&format!(" m={sign}{}.{:09}", m / 1_000_000_000, m % 1_000_000_000));
        }
        s
    }
}

fn push_int(out: &mut String, v: i64, width: usize) {
    if v < 0 {
        out.push('-');
    }
    out.push_str(&format!("{:0width$}", v.unsigned_abs()));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NumTzKind {
    /// `Z07:00` style: `Z` for UTC.
    iso: bool,
    colon: bool,
    /// Hours only (`-07`).
    short: bool,
    seconds: bool,
}

/// A layout element (Go's `std*` constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    NumTz(NumTzKind),
    /// `.000` (fixed digits) or `.999` (trailing zeros trimmed), with `,` or `.`.
    Frac { sep: char, digits: usize, trim: bool },
}

fn starts_lower(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// Go's `nextStdChunk`: the text before the first layout element, the element, and the rest.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| layout.get(i..).is_some_and(|r| r.starts_with(s));
    for i in 0..b.len() {
        let found = |std: Std, len: usize| Some((&layout[..i], Some(std), &layout[i + len..]));
        let hit = match b[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    found(Std::LongMonth, 7)
                } else if !starts_lower(&layout[i + 3..]) {
                    found(Std::Month, 3)
                } else {
                    None
                }
            }
            b'M' if at(i, "Mon") => {
                if at(i, "Monday") {
                    found(Std::LongWeekDay, 6)
                } else if !starts_lower(&layout[i + 3..]) {
                    found(Std::WeekDay, 3)
                } else {
                    None
                }
            }
            b'M' if at(i, "MST") => found(Std::Tz, 3),
            b'0' if b.get(i + 1).is_some_and(|c| (b'1'..=b'6').contains(c)) => {
                let std = [Std::ZeroMonth, Std::ZeroDay, Std::ZeroHour12, Std::ZeroMinute, Std::ZeroSecond, Std::Year]
                    [usize::from(b[i + 1] - b'1')];
                found(std, 2)
            }
            b'0' if at(i, "002") => found(Std::ZeroYearDay, 3),
            b'1' if at(i, "15") => found(Std::Hour, 2),
            b'1' => found(Std::NumMonth, 1),
            b'2' if at(i, "2006") => found(Std::LongYear, 4),
            b'2' => found(Std::Day, 1),
            // `_2006` is a literal underscore followed by the year.
            b'_' if at(i, "_2006") => Some((&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..])),
            b'_' if at(i, "_2") => found(Std::UnderDay, 2),
            b'_' if at(i, "__2") => found(Std::UnderYearDay, 3),
            b'3' => found(Std::Hour12, 1),
            b'4' => found(Std::Minute, 1),
            b'5' => found(Std::Second, 1),
            b'P' if at(i, "PM") => found(Std::PM, 2),
            b'p' if at(i, "pm") => found(Std::Pm, 2),
            b'-' | b'Z' => {
                let iso = b[i] == b'Z';
                let forms: [(&str, bool, bool, bool); 5] = [
                    ("070000", false, false, true),
                    ("07:00:00", true, false, true),
                    ("0700", false, false, false),
                    ("07:00", true, false, false),
                    ("07", false, true, false),
                ];
                forms.iter().find(|(f, ..)| at(i + 1, f)).and_then(|&(f, colon, short, seconds)| {
                    found(Std::NumTz(NumTzKind { iso, colon, short, seconds }), f.len() + 1)
                })
            }
            c @ (b'.' | b',') if matches!(b.get(i + 1), Some(b'0' | b'9')) => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while b.get(j) == Some(&ch) {
                    j += 1;
                }
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    None
                } else {
                    let std = Std::Frac { sep: char::from(c), digits: j - (i + 1), trim: ch == b'9' };
                    Some((&layout[..i], Some(std), &layout[j..]))
                }
            }
            _ => None,
        };
        if hit.is_some() {
            return hit.unwrap_or((layout, None, ""));
        }
    }
    (layout, None, "")
}

/// Go's `time.quote` for error messages: non-ASCII and control bytes as `\xNN`.
pub fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if !c.is_ascii() || c < ' ' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    if !b.get(1).is_some_and(u8::is_ascii_digit) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &s[1..]));
    }
    Some((i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'), &s[2..]))
}

/// Go's `skip`: match the literal layout text, where a run of spaces matches any run.
fn skip<'a>(mut value: &'a str, mut prefix: &str) -> Option<&'a str> {
    while let Some(p) = prefix.as_bytes().first() {
        if *p == b' ' {
            if value.as_bytes().first().is_some_and(|c| *c != b' ') {
                return None;
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        if value.as_bytes().first() != Some(p) {
            return None;
        }
        prefix = &prefix[1..];
        value = &value[1..];
    }
    Some(value)
}

/// Fractional seconds `.ddd` (up to 9 significant digits) as nanoseconds.
fn parse_nanos(value: &str, nbytes: usize) -> Option<i64> {
    if !matches!(value.as_bytes().first(), Some(b'.' | b',')) {
        return None;
    }
    let n = nbytes.min(10);
    let digits = value.get(1..n)?;
    let ns: i64 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    Some(ns * 10_i64.pow((10 - n) as u32))
}

fn lookup_name<'a>(names: &[&str], value: &'a str, len: Option<usize>) -> Option<&'a str> {
    names.iter().find_map(|n| {
        let n = len.map_or(*n, |l| &n[..l]);
        let head = value.get(..n.len())?;
        head.eq_ignore_ascii_case(n).then(|| &value[n.len()..])
    })
}

/// Zone abbreviations `parse` accepts for `MST`: 3–5 upper-case letters (with Go's special
/// cases `ChST`/`MeST`, `GMT±h`, and `+hh`/`-hh` style names).
fn parse_tz_name(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if value.starts_with("ChST") || value.starts_with("MeST") {
        return Some(4);
    }
    if value.starts_with("GMT") {
        let rest = &b[3..];
        if let Some(sign @ (b'+' | b'-')) = rest.first() {
            let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            let n: i64 = std::str::from_utf8(&rest[1..1 + digits]).ok()?.parse().ok()?;
            let ok = digits > 0 && (if *sign == b'-' { n <= 12 } else { n <= 14 });
            return Some(if ok { 4 + digits } else { 3 });
        }
        return Some(3);
    }
    if matches!(b[0], b'+' | b'-') {
        let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        return match digits {
            2 | 4 => Some(1 + digits),
            _ => None,
        };
    }
    let upper = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    match upper {
        3 => Some(3),
        4 if b[3] == b'T' => Some(4),
        5 if b[4] == b'T' => Some(5),
        _ => None,
    }
}

/// `time.ParseInLocation(layout, value, loc)`, with Go's error texts.
pub fn parse_in_location(layout: &str, value: &str, loc: &Location) -> Result<GoTime, String> {
    let (alayout, avalue) = (layout, value);
    let cannot = |value_elem: &str, layout_elem: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            time_quote(avalue),
            time_quote(alayout),
            time_quote(value_elem),
            time_quote(layout_elem)
        )
    };
    let message = |msg: &str| format!("parsing time {}{msg}", time_quote(avalue));
    let (mut layout, mut value) = (layout, value);
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let (mut am, mut pm) = (false, false);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name = String::new();
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let stdstr = &layout[prefix.len()..layout.len() - suffix.len()];
        value = skip(value, prefix).ok_or_else(|| cannot(value, prefix))?;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(message(&format!(": extra text: {}", time_quote(value))));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_err = "";
        let ok: Option<()> = (|| {
            match std {
                Std::Year => {
                    let p = value.get(..2)?;
                    year = p.parse().ok().filter(|_| p.bytes().all(|c| c.is_ascii_digit()))?;
                    value = &value[2..];
                    year += if year >= 69 { 1900 } else { 2000 };
                }
                Std::LongYear => {
                    let p = value.get(..4).filter(|p| p.as_bytes()[0].is_ascii_digit())?;
                    year = p.parse().ok()?;
                    value = &value[4..];
                }
                Std::Month | Std::LongMonth => {
                    let short = (std == Std::Month).then_some(3);
                    let idx = MONTHS.iter().position(|m| {
                        let m = short.map_or(*m, |l| &m[..l]);
                        value.get(..m.len()).is_some_and(|h| h.eq_ignore_ascii_case(m))
                    })?;
                    value = lookup_name(&MONTHS, value, short)?;
                    month = idx as i64 + 1;
                }
                Std::NumMonth | Std::ZeroMonth => {
                    (month, value) = getnum(value, std == Std::ZeroMonth)?;
                    if !(1..=12).contains(&month) {
                        range_err = "month";
                    }
                }
                Std::WeekDay => value = lookup_name(&DAYS, value, Some(3))?,
                Std::LongWeekDay => value = lookup_name(&DAYS, value, None)?,
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    if std == Std::UnderDay && value.starts_with(' ') {
                        value = &value[1..];
                    }
                    (day, value) = getnum(value, std == Std::ZeroDay)?;
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    for _ in 0..2 {
                        if std == Std::UnderYearDay && value.starts_with(' ') {
                            value = &value[1..];
                        }
                    }
                    // Go's getnum3: up to three digits, exactly three when zero-padded.
                    let n = value.bytes().take(3).take_while(u8::is_ascii_digit).count();
                    if n == 0 || (std == Std::ZeroYearDay && n != 3) {
                        return None;
                    }
                    yday = value[..n].parse().ok()?;
                    value = &value[n..];
                }
                Std::Hour => {
                    (hour, value) = getnum(value, false)?;
                    if !(0..24).contains(&hour) {
                        range_err = "hour";
                    }
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    (hour, value) = getnum(value, std == Std::ZeroHour12)?;
                    if !(0..=12).contains(&hour) {
                        range_err = "hour";
                    }
                }
                Std::Minute | Std::ZeroMinute => {
                    (min, value) = getnum(value, std == Std::ZeroMinute)?;
                    if !(0..60).contains(&min) {
                        range_err = "minute";
                    }
                }
                Std::Second | Std::ZeroSecond => {
                    (sec, value) = getnum(value, std == Std::ZeroSecond)?;
                    if !(0..60).contains(&sec) {
                        range_err = "second";
                        return Some(());
                    }
                    // Fractional seconds after the seconds are accepted even if the layout has none.
                    let b = value.as_bytes();
                    if b.len() >= 2 && matches!(b[0], b'.' | b',') && b[1].is_ascii_digit() {
                        if matches!(next_std_chunk(layout).1, Some(Std::Frac { .. })) {
                            return Some(());
                        }
                        let n = 2 + b[2..].iter().take_while(|c| c.is_ascii_digit()).count();
                        nsec = parse_nanos(value, n)?;
                        value = &value[n..];
                    }
                }
                Std::PM | Std::Pm => {
                    let p = value.get(..2)?;
                    let (am_s, pm_s) = if std == Std::PM { ("AM", "PM") } else { ("am", "pm") };
                    if p == pm_s {
                        pm = true;
                    } else if p == am_s {
                        am = true;
                    } else {
                        return None;
                    }
                    value = &value[2..];
                }
                Std::NumTz(kind) => {
                    if kind.iso && value.starts_with('Z') {
                        value = &value[1..];
                        utc = true;
                        return Some(());
                    }
                    let b = value.as_bytes();
                    let (h, m, s, len) = match (kind.colon, kind.short, kind.seconds) {
                        (true, _, false) => {
                            (b.len() >= 6 && b[3] == b':').then_some((1..3, 4..6, None, 6))?
                        }
                        (_, true, _) => (b.len() >= 3).then_some((1..3, 3..3, None, 3))?,
                        (true, _, true) => (b.len() >= 9 && b[3] == b':' && b[6] == b':')
                            .then_some((1..3, 4..6, Some(7..9), 9))?,
                        (false, _, true) => (b.len() >= 7).then_some((1..3, 3..5, Some(5..7), 7))?,
                        (false, _, false) => (b.len() >= 5).then_some((1..3, 3..5, None, 5))?,
                    };
                    let num = |r: std::ops::Range<usize>| -> Option<i64> {
                        if r.is_empty() { Some(0) } else { getnum(value.get(r)?, true).map(|(n, _)| n) }
                    };
                    let (hr, mm, ss) = (num(h)?, num(m)?, s.map_or(Some(0), num)?);
                    if hr > 24 {
                        range_err = "time zone offset hour";
                    }
                    if mm > 60 {
                        range_err = "time zone offset minute";
                    }
                    if ss > 60 {
                        range_err = "time zone offset second";
                    }
                    let off = (hr * 60 + mm) * 60 + ss;
                    zone_offset = Some(match b[0] {
                        b'+' => off,
                        b'-' => -off,
                        _ => return None,
                    });
                    value = &value[len..];
                }
                Std::Tz => {
                    if value.starts_with("UTC") {
                        utc = true;
                        value = &value[3..];
                        return Some(());
                    }
                    let n = parse_tz_name(value)?;
                    zone_name = value[..n].to_string();
                    value = &value[n..];
                }
                Std::Frac { digits, trim: false, .. } => {
                    let n = 1 + digits;
                    if value.len() < n {
                        return None;
                    }
                    nsec = parse_nanos(value, n)?;
                    value = &value[n..];
                }
                Std::Frac { trim: true, .. } => {
                    let b = value.as_bytes();
                    if b.len() < 2 || !matches!(b[0], b'.' | b',') || !b[1].is_ascii_digit() {
                        return Some(());
                    }
                    let n = 1 + b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    nsec = parse_nanos(value, n)?;
                    value = &value[n..];
                }
            }
            Some(())
        })();
        if !range_err.is_empty() {
            return Err(message(&format!(": {range_err} out of range")));
        }
        if ok.is_none() {
            return Err(cannot(hold, stdstr));
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let mut yd = yday;
        let mut m = 0;
        let mut d = 0;
        if is_leap(year) {
            if yd == 31 + 29 {
                m = 2;
                d = 29;
            } else if yd > 31 + 29 {
                yd -= 1;
            }
        }
        if !(1..=365).contains(&yd) {
            return Err(message(": day-of-year out of range"));
        }
        if m == 0 {
            let before = |m: i64| days_from_civil(2001, m, 1) - days_from_civil(2001, 1, 1);
            m = (yd - 1) / 31 + 1;
            if m < 12 && before(m + 1) < yd {
                m += 1;
            }
            d = yd - before(m);
        }
        if month >= 0 && month != m {
            return Err(message(": day-of-year does not match month"));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(message(": day-of-year does not match day"));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in_month(month, year) {
        return Err(message(": day out of range"));
    }
    if utc {
        return Ok(GoTime::date(year, month, day, hour, min, sec, nsec, Location::utc()));
    }
    if let Some(off) = zone_offset {
        let mut t = GoTime::date(year, month, day, hour, min, sec, nsec, Location::utc());
        t.unix -= off;
        let local = Location::local();
        let (name, local_off) = local.lookup(t.unix);
        if i64::from(local_off) == off && (zone_name.is_empty() || name == zone_name) {
            return Ok(t.in_location(local));
        }
        return Ok(t.in_location(Location::fixed(&zone_name, off as i32)));
    }
    if !zone_name.is_empty() {
        let mut t = GoTime::date(year, month, day, hour, min, sec, nsec, Location::utc());
        let local = Location::local();
        let (name, local_off) = local.lookup(t.unix - 12 * 3600);
        if name == zone_name {
            t.unix -= i64::from(local_off);
            return Ok(t.in_location(local));
        }
        let offset = zone_name
            .strip_prefix("GMT")
            .filter(|r| !r.is_empty())
            .and_then(|r| r.trim_start_matches('+').parse::<i32>().ok())
            .map_or(0, |h| h * 3600);
        return Ok(t.in_location(Location::fixed(&zone_name, offset)));
    }
    Ok(GoTime::date(year, month, day, hour, min, sec, nsec, loc.clone()))
}

/// Go's `Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
pub fn format_duration(d: i64) -> String {
    let neg = d < 0;
    let u = d.unsigned_abs();
    let frac = |u: u64, prec: u32| -> (String, u64) {
        let p = 10u64.pow(prec);
        let f = u % p;
        if f == 0 {
            return (String::new(), u / p);
        }
        let digits = format!("{f:0width$}", width = prec as usize);
        (format!(".{}", digits.trim_end_matches('0')), u / p)
    };
    let body = if u < 1_000_000_000 {
        let (prec, unit) = match u {
            0 => return "0s".into(),
            1..1_000 => (0, "ns"),
            1_000..1_000_000 => (3, "µs"),
            _ => (6, "ms"),
        };
        let (f, int) = frac(u, prec);
        format!("{int}{f}{unit}")
    } else {
        let (f, secs) = frac(u, 9);
        let (s, mins) = (secs % 60, secs / 60);
        let mut out = format!("{s}{f}s");
        if mins > 0 {
            out = format!("{}m{out}", mins % 60);
            let hours = mins / 60;
            if hours > 0 {
                out = format!("{hours}h{out}");
            }
        }
        out
    };
    if neg { format!("-{body}") } else { body }
}

/// Go's `Duration.Round(m)`: half away from zero, saturating.
pub fn round_duration(d: i64, m: i64) -> i64 {
    if m <= 0 {
        return d;
    }
    let mut r = d % m;
    let less_than_half = |x: i64| (x as u64).wrapping_add(x as u64) < m as u64;
    if d < 0 {
        r = -r;
        if less_than_half(r) {
            return d + r;
        }
        return d.checked_sub(m - r).unwrap_or(i64::MIN);
    }
    if less_than_half(r) {
        return d - r;
    }
    d.checked_add(m - r).unwrap_or(i64::MAX)
}

/// Go's `time.ParseDuration`, with its error texts.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(s));
    const LIMIT: u64 = 1 << 63;
    let mut rest = s;
    let mut neg = false;
    if let Some(c @ (b'-' | b'+')) = rest.as_bytes().first() {
        neg = *c == b'-';
        rest = &rest[1..];
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let b = rest.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // The integer part; overflow is an error.
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: u64 = 0;
        for c in &b[..int_len] {
            if v > LIMIT / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(c - b'0');
            if v > LIMIT {
                return Err(invalid());
            }
        }
        rest = &rest[int_len..];
        let pre = int_len > 0;
        // The fraction; digits past what fits are ignored.
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if rest.starts_with('.') {
            rest = &rest[1..];
            let frac_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for c in rest[..frac_len].bytes() {
                if overflow {
                    continue;
                }
                if f > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            rest = &rest[frac_len..];
            post = frac_len > 0;
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = rest.bytes().take_while(|c| !(*c == b'.' || c.is_ascii_digit())).count();
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", time_quote(s)));
        }
        let unit_text = &rest[..unit_len];
        rest = &rest[unit_len..];
        let unit: u64 = match unit_text {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(format!("time: unknown unit {} in duration {}", time_quote(unit_text), time_quote(s))),
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((total as i64).wrapping_neg());
    }
    if total > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(total as i64)
}

/// A `time.Location` as templates see it (`.Location` of a time).
#[derive(Debug)]
struct LocationObject(Location);

impl Object for LocationObject {
    fn type_name(&self) -> &str {
        "*time.Location"
    }
    fn kind_name(&self) -> &str {
        "ptr"
    }
    fn field(&self, name: &str) -> Option<Value> {
        (name == "String").then(|| Value::str(self.0.name()))
    }
    fn has_method(&self, name: &str) -> bool {
        name == "String"
    }
    fn go_format(&self) -> String {
        self.0.name().to_string()
    }
}

impl GoTime {
    pub fn into_value(self) -> Value {
        Value::Object(std::rc::Rc::new(self))
    }

    /// The time behind a template value, when it is one (`now`, `toDate`, `dateModify`…).
    pub fn from_value(v: &Value) -> Option<GoTime> {
        match v {
            Value::Object(o) => o.as_any()?.downcast_ref::<GoTime>().cloned(),
            _ => None,
        }
    }
}

const TIME_METHODS: &[&str] = &[
    "Unix", "UnixNano", "UnixMilli", "UnixMicro", "Year", "Month", "Day", "Hour", "Minute", "Second", "Nanosecond",
    "YearDay", "Weekday", "UTC", "Local", "Location", "String", "IsZero", "Format", "In", "Add", "AddDate", "Before",
    "After", "Equal", "Sub", "Zone",
];

impl Object for GoTime {
    fn type_name(&self) -> &str {
        "time.Time"
    }
    fn field(&self, name: &str) -> Option<Value> {
        let (c, abbrev, _) = self.civil();
        let nanos = self.unix_nano();
        Some(match name {
            "Unix" => Value::Int64(self.unix),
            "UnixNano" => Value::Int64(nanos as i64),
            "UnixMilli" => Value::Int64((nanos / 1_000_000) as i64),
            "UnixMicro" => Value::Int64((nanos / 1_000) as i64),
            "Year" => Value::Int(c.year),
            "Month" => Value::str(MONTHS[c.month as usize - 1]),
            "Day" => Value::Int(i64::from(c.day)),
            "Hour" => Value::Int(c.hour),
            "Minute" => Value::Int(c.min),
            "Second" => Value::Int(c.sec),
            "Nanosecond" => Value::Int(i64::from(self.nsec)),
            "YearDay" => Value::Int(c.yday),
            "Weekday" => Value::str(DAYS[c.weekday]),
            "UTC" => self.in_location(Location::utc()).into_value(),
            "Local" => self.in_location(Location::local()).into_value(),
            "Location" => Value::Object(std::rc::Rc::new(LocationObject(self.loc.clone()))),
            "String" => Value::str(self.go_string()),
            "IsZero" => Value::Bool(self.unix == GoTime::zero().unix && self.nsec == 0),
            "Zone" => Value::str(abbrev),
            _ => return None,
        })
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let other = || args.first().and_then(GoTime::from_value).ok_or_else(|| "expected a time.Time".to_string());
        let int = |i: usize| match args.get(i) {
            Some(Value::Int(n) | Value::Int64(n)) => Ok(*n),
            _ => Err("expected an integer".to_string()),
        };
        Some(match name {
            "Format" => match args.first() {
                Some(Value::String(layout)) => Ok(Value::str(self.format(layout))),
                _ => Err("Format expects a layout string".into()),
            },
            "In" => Err("In needs a *time.Location".into()),
            "Add" => int(0).map(|d| self.add(d).into_value()),
            "AddDate" => (|| {
                let (c, _, _) = self.civil();
                let t = GoTime::date(
                    c.year + int(0)?,
                    i64::from(c.month) + int(1)?,
                    i64::from(c.day) + int(2)?,
                    c.hour,
                    c.min,
                    c.sec,
                    i64::from(self.nsec),
                    self.loc.clone(),
                );
                Ok(t.into_value())
            })(),
            "Before" => other().map(|o| Value::Bool(self.unix_nano() < o.unix_nano())),
            "After" => other().map(|o| Value::Bool(self.unix_nano() > o.unix_nano())),
            "Equal" => other().map(|o| Value::Bool(self.unix_nano() == o.unix_nano())),
            "Sub" => other().map(|o| {
                let d = (self.unix_nano() - o.unix_nano()).clamp(i128::from(i64::MIN), i128::from(i64::MAX));
                Value::Int64(d as i64)
            }),
            _ => return self.field(name).map(Ok),
        })
    }
    fn has_method(&self, name: &str) -> bool {
        TIME_METHODS.contains(&name)
    }
    fn go_format(&self) -> String {
        self.go_string()
    }
    /// `encoding/json` marshals a time as RFC 3339 with nanoseconds.
    fn to_value(&self) -> Value {
        Value::str(self.format("2006-01-02T15:04:05.999999999Z07:00"))
    }
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ns: i64) -> GoTime {
        GoTime::date(y, mo, d, h, mi, s, ns, Location::utc())
    }

    #[test]
    fn formats_reference_layouts() {
        let t = utc(2009, 11, 10, 23, 4, 5, 123_400_000);
        assert_eq!(t.format("2006-01-02T15:04:05Z07:00"), "2009-11-10T23:04:05Z");
        assert_eq!(t.format("Mon Jan _2 3:4:5 PM MST 06 .000 ,999 -07:00 __2 002"), "Tue Nov 10 11:4:5 PM UTC 09 .123 ,123 +00:00 314 314");
        assert_eq!(t.go_string(), "2009-11-10 23:04:05.1234 +0000 UTC");
        assert_eq!(GoTime::zero().go_string(), "0001-01-01 00:00:00 +0000 UTC");
    }

    #[test]
    fn durations_read_and_print_as_go() {
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(1_500), "1.5µs");
        assert_eq!(format_duration(-90 * NANOS_PER_SEC), "-1m30s");
        assert_eq!(format_duration(3_600 * NANOS_PER_SEC + 1), "1h0m0.000000001s");
        assert_eq!(parse_duration("1h30m"), Ok(5_400 * NANOS_PER_SEC));
        assert_eq!(parse_duration("-1.5s"), Ok(-1_500_000_000));
        assert_eq!(parse_duration("1"), Err("time: missing unit in duration \"1\"".into()));
        assert_eq!(parse_duration("1x"), Err("time: unknown unit \"x\" in duration \"1x\"".into()));
        assert_eq!(round_duration(1_500_000_000, NANOS_PER_SEC), 2 * NANOS_PER_SEC);
    }

    #[test]
    fn parses_like_go() {
        let t = parse_in_location("2006-01-02", "2017-12-31", &Location::utc()).unwrap();
        assert_eq!(t.unix(), 1_514_678_400);
        let e = parse_in_location("2006-01-02", "2017-13-01", &Location::utc()).unwrap_err();
        assert_eq!(e, "parsing time \"2017-13-01\": month out of range");
        let e = parse_in_location("2006-01-02", "x", &Location::utc()).unwrap_err();
        assert_eq!(e, "parsing time \"x\" as \"2006-01-02\": cannot parse \"x\" as \"2006\"");
        let t = parse_in_location(time_rfc3339(), "2020-02-29T12:00:00+05:30", &Location::utc()).unwrap();
        assert_eq!(t.format("2006-01-02 15:04 -0700"), "2020-02-29 12:00 +0530");
    }

    fn time_rfc3339() -> &'static str {
        "2006-01-02T15:04:05Z07:00"
    }
}
