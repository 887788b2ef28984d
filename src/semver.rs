//! Masterminds/semver v3, as helm uses it: version parsing (`NewVersion`), ordering, and
//! constraints (`NewConstraint`, `Check`, `Validate`) with their exact grammar and error texts.
//!
//! Two releases matter and they differ: helm 3.15 ships v3.2.1 (capitalised errors, `%s`
//! quoting, a prerelease version only matches a comparator that itself has a prerelease) and
//! helm 4 ships v3.5.0 (lower-case errors, `%q` quoting, length limits, and one comparator with
//! a prerelease lets prereleases through for its whole AND group). [`Dialect`] selects one.
//! Chart loading (`kubeVersion`) and repository version resolution reuse this module.

use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

use regex_lite::Regex;

use crate::value::go_quote;

/// Which Masterminds/semver release to behave like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// v3.2.1, in helm 3.x.
    #[default]
    V3_2,
    /// v3.4.0, in helm 4.1: v3.5's parsing and prerelease rules, v3.2's unquoted error texts, no
    /// length limits.
    V3_4,
    /// v3.5.0.
    V3_5,
}

impl Dialect {
    /// Go's `%s` (v3.2) or `%q` (v3.5) of a string in an error message.
    fn q(self, s: &str) -> String {
        match self {
            Dialect::V3_2 | Dialect::V3_4 => s.to_string(),
            Dialect::V3_5 => go_quote(s),
        }
    }

    /// The sentinel error texts, capitalised in v3.2.
    fn text(self, v32: &'static str, v35: &'static str) -> Error {
        Error(match self {
            Dialect::V3_2 => v32,
            Dialect::V3_4 | Dialect::V3_5 => v35,
        }
        .to_string())
    }
}

/// A parse or constraint error; its text is Masterminds' error string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

const MAX_VERSION_LEN: usize = 256;
const MAX_CONSTRAINT_LEN: usize = 512;
const MAX_CONSTRAINT_GROUPS: usize = 32;

const PART_CHARS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";

// Go's `\s` is ASCII `[\t\n\f\r ]`; Rust's is Unicode, so the classes are spelled out.
const WS: &str = r"[\t\n\f\r ]";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";
const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";

fn compile(pattern: String) -> Regex {
    // The patterns are constants of this module; a failure is a bug caught by every test.
    Regex::new(&pattern).expect("semver: built-in pattern")
}

static LOOSE_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$"
            .to_string(),
    )
});
static CONSTRAINT: LazyLock<Regex> = LazyLock::new(|| compile(format!(r"^{WS}*({OPS}){WS}*({CV}){WS}*$")));
static CONSTRAINT_RANGE: LazyLock<Regex> = LazyLock::new(|| compile(format!(r"{WS}*({CV}){WS}+-{WS}+({CV}){WS}*")));
static FIND_CONSTRAINT: LazyLock<Regex> = LazyLock::new(|| compile(format!(r"({OPS}){WS}*({CV})")));
static VALID_CONSTRAINT: LazyLock<Regex> = LazyLock::new(|| {
    compile(format!(r"^({WS}*({OPS}){WS}*({CV}){WS}*)((?:{WS}+|,{WS}*)({OPS}){WS}*({CV}){WS}*)*$"))
});

/// A semantic version (`*semver.Version`).
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

impl Version {
    /// `semver.NewVersion` as helm 3 has it: lenient (`v` prefix, `1`, `1.2`, leading zeros).
    pub fn parse(s: &str) -> Result<Version, Error> {
        Version::parse_in(s, Dialect::default())
    }

    /// `semver.NewVersion` of the given release. Both releases accept the same strings (v3.5
    /// keeps the lenient grammar through `CoerceNewVersion`, and adds a length limit); the error
    /// texts differ.
    pub fn parse_in(s: &str, dialect: Dialect) -> Result<Version, Error> {
        if dialect == Dialect::V3_5 && s.len() > MAX_VERSION_LEN {
            return Err(Error(format!("version string is too long (max {MAX_VERSION_LEN} bytes)")));
        }
        let invalid = || dialect.text("Invalid Semantic Version", "invalid semantic version");
        let m = LOOSE_VERSION.captures(s).ok_or_else(invalid)?;
        let group = |i: usize| m.get(i).map_or("", |g| g.as_str());
        let segment = |text: &str| -> Result<u64, Error> {
            let digits = text.trim_start_matches('.');
            if digits.is_empty() {
                return Ok(0);
            }
            digits.parse::<u64>().map_err(|_| {
                let prefix = match dialect {
                    Dialect::V3_2 => "Error parsing version segment",
                    Dialect::V3_4 | Dialect::V3_5 => "error parsing version segment",
                };
                Error(format!("{prefix}: strconv.ParseUint: parsing {}: value out of range", go_quote(digits)))
            })
        };
        let version = Version {
            major: segment(group(1))?,
            minor: segment(group(2))?,
            patch: segment(group(3))?,
            pre: group(5).to_string(),
            metadata: group(8).to_string(),
            original: s.to_string(),
        };
        if !version.pre.is_empty() {
            validate_prerelease(&version.pre, dialect)?;
        }
        if !version.metadata.is_empty() {
            validate_metadata(&version.metadata, dialect)?;
        }
        Ok(version)
    }

    /// `semver.StrictNewVersion`: exactly `MAJOR.MINOR.PATCH[-PRE][+META]`, no leading zeros.
    pub fn parse_strict(s: &str, dialect: Dialect) -> Result<Version, Error> {
        if s.is_empty() {
            return Err(dialect.text("Version string empty", "version string empty"));
        }
        if dialect == Dialect::V3_5 && s.len() > MAX_VERSION_LEN {
            return Err(Error(format!("version string is too long (max {MAX_VERSION_LEN} bytes)")));
        }
        let mut parts: Vec<&str> = s.splitn(3, '.').collect();
        if parts.len() != 3 {
            return Err(dialect.text("Invalid Semantic Version", "invalid semantic version"));
        }
        let mut version = Version::new(0, 0, 0, "", "");
        version.original = s.to_string();
        if let Some((rest, meta)) = parts[2].split_once('+') {
            version.metadata = meta.to_string();
            parts[2] = rest;
        }
        if let Some((rest, pre)) = parts[2].split_once('-') {
            version.pre = pre.to_string();
            parts[2] = rest;
        }
        for p in &parts {
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(dialect.text("Invalid characters in version", "invalid characters in version"));
            }
            if p.len() > 1 && p.starts_with('0') {
                return Err(dialect.text("Version segment starts with 0", "version segment starts with 0"));
            }
        }
        let num = |p: &str| {
            p.parse::<u64>().map_err(|_| Error(format!("strconv.ParseUint: parsing {}: invalid syntax", go_quote(p))))
        };
        version.major = num(parts[0])?;
        version.minor = num(parts[1])?;
        version.patch = num(parts[2])?;
        if !version.metadata.is_empty() {
            validate_metadata(&version.metadata, dialect)?;
        }
        if !version.pre.is_empty() {
            validate_prerelease(&version.pre, dialect)?;
        }
        Ok(version)
    }

    /// `semver.New`: a version from its parts; `Original` is its canonical text.
    pub fn new(major: u64, minor: u64, patch: u64, pre: &str, metadata: &str) -> Version {
        let mut v =
            Version { major, minor, patch, pre: pre.into(), metadata: metadata.into(), original: String::new() };
        v.original = v.to_string();
        v
    }

    pub fn major(&self) -> u64 {
        self.major
    }
    pub fn minor(&self) -> u64 {
        self.minor
    }
    pub fn patch(&self) -> u64 {
        self.patch
    }
    pub fn prerelease(&self) -> &str {
        &self.pre
    }
    pub fn metadata(&self) -> &str {
        &self.metadata
    }
    /// The text the version was parsed from.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// Precedence as semver defines it: metadata is ignored, a prerelease sorts first.
    pub fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch).cmp(&(o.major, o.minor, o.patch)).then_with(|| {
            match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &o.pre),
            }
        })
    }

    fn v_prefix(&self) -> &'static str {
        if self.original.starts_with('v') { "v" } else { "" }
    }

    fn with_original(mut self, prefix: &str) -> Version {
        self.original = format!("{prefix}{self}");
        self
    }

    /// `IncPatch`: drops a prerelease (1.2.3-a → 1.2.3) or bumps the patch.
    pub fn inc_patch(&self) -> Version {
        let mut next = self.clone();
        if next.pre.is_empty() {
            next.patch = next.patch.wrapping_add(1);
        }
        next.pre.clear();
        next.metadata.clear();
        next.with_original(self.v_prefix())
    }

    pub fn inc_minor(&self) -> Version {
        let next = Version { minor: self.minor.wrapping_add(1), patch: 0, ..Version::new(self.major, 0, 0, "", "") };
        next.with_original(self.v_prefix())
    }

    pub fn inc_major(&self) -> Version {
        Version::new(self.major.wrapping_add(1), 0, 0, "", "").with_original(self.v_prefix())
    }

    pub fn set_prerelease(&self, pre: &str, dialect: Dialect) -> Result<Version, Error> {
        if !pre.is_empty() {
            validate_prerelease(pre, dialect)?;
        }
        Ok(Version { pre: pre.into(), ..self.clone() }.with_original(self.v_prefix()))
    }

    pub fn set_metadata(&self, metadata: &str, dialect: Dialect) -> Result<Version, Error> {
        if !metadata.is_empty() {
            validate_metadata(metadata, dialect)?;
        }
        Ok(Version { metadata: metadata.into(), ..self.clone() }.with_original(self.v_prefix()))
    }
}

impl fmt::Display for Version {
    /// Go's `Version.String()`: canonical, without the `v` prefix, with prerelease and metadata.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

impl PartialEq for Version {
    /// Go's `Equal`: equal precedence (metadata ignored).
    fn eq(&self, o: &Version) -> bool {
        self.compare(o) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, o: &Version) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Version {
    fn cmp(&self, o: &Version) -> Ordering {
        self.compare(o)
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..pa.len().max(pb.len()) {
        let d = compare_pre_part(pa.get(i).copied().unwrap_or(""), pb.get(i).copied().unwrap_or(""));
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

/// One dot-separated prerelease identifier: numbers sort below words, a missing part sorts
/// first. Words compare bytewise, as Go's string comparison does.
fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => s.cmp(o),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        // Equal numbers with different text ("01" vs "1") count as greater, as in Go.
        (Ok(a), Ok(b)) => if a > b { Ordering::Greater } else { Ordering::Less },
    }
}

fn validate_prerelease(p: &str, dialect: Dialect) -> Result<(), Error> {
    for part in p.split('.') {
        if part.is_empty() && dialect != Dialect::V3_2 {
            return Err(dialect.text("Invalid Prerelease string", "invalid prerelease string"));
        }
        if part.bytes().all(|b| b.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return Err(dialect.text("Version segment starts with 0", "version segment starts with 0"));
            }
        } else if !part.chars().all(|c| PART_CHARS.contains(c)) {
            return Err(dialect.text("Invalid Prerelease string", "invalid prerelease string"));
        }
    }
    Ok(())
}

fn validate_metadata(m: &str, dialect: Dialect) -> Result<(), Error> {
    for part in m.split('.') {
        if (part.is_empty() && dialect != Dialect::V3_2) || !part.chars().all(|c| PART_CHARS.contains(c)) {
            return Err(dialect.text("Invalid Metadata string", "invalid metadata string"));
        }
    }
    Ok(())
}

/// The comparison operators of the constraint grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `=` or no operator: exact, or a wildcard range when parts are `x`/missing.
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    /// `~`, `~>`: same major.minor (same major when the minor is a wildcard).
    Tilde,
    /// `^`: same major (same minor/patch below 1.0).
    Caret,
}

impl Op {
    fn from_text(s: &str) -> Op {
        match s {
            "!=" => Op::NotEqual,
            ">" => Op::Greater,
            "<" => Op::Less,
            ">=" | "=>" => Op::GreaterEqual,
            "<=" | "=<" => Op::LessEqual,
            "~" | "~>" => Op::Tilde,
            "^" => Op::Caret,
            _ => Op::TildeOrEqual,
        }
    }
}

#[derive(Debug, Clone)]
struct Constraint {
    con: Version,
    /// The version text as written (`1.2.x`), for messages.
    orig: String,
    /// The operator as written, for `String()`.
    op_text: String,
    op: Op,
    minor_dirty: bool,
    dirty: bool,
    patch_dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

impl Constraint {
    fn parse(c: &str, dialect: Dialect) -> Result<Constraint, Error> {
        let parser_error = || dialect.text("constraint Parser Error", "constraint parser error");
        if c.is_empty() {
            return Ok(Constraint {
                con: Version::new(0, 0, 0, "", ""),
                orig: String::new(),
                op_text: String::new(),
                op: Op::TildeOrEqual,
                minor_dirty: false,
                dirty: true,
                patch_dirty: false,
            });
        }
        let m = CONSTRAINT.captures(c).ok_or_else(|| Error(format!("improper constraint: {}", dialect.q(c))))?;
        let g = |i: usize| m.get(i).map_or("", |g| g.as_str());
        let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
        let ver = if is_x(g(3)) || g(3).is_empty() {
            dirty = true;
            format!("0.0.0{}", g(6))
        } else if is_x(g(4).trim_start_matches('.')) || g(4).is_empty() {
            minor_dirty = true;
            dirty = true;
            format!("{}.0.0{}", g(3), g(6))
        } else if is_x(g(5).trim_start_matches('.')) || g(5).is_empty() {
            dirty = true;
            patch_dirty = true;
            format!("{}{}.0{}", g(3), g(4), g(6))
        } else {
            g(2).to_string()
        };
        let con = Version::parse_in(&ver, dialect).map_err(|_| parser_error())?;
        Ok(Constraint {
            con,
            orig: g(2).to_string(),
            op_text: g(1).to_string(),
            op: Op::from_text(g(1)),
            minor_dirty,
            dirty,
            patch_dirty,
        })
    }

    /// Whether a prerelease `v` is excluded before the operator is even looked at.
    fn prerelease_excluded(&self, v: &Version, dialect: Dialect, group_pre: bool) -> bool {
        !v.pre.is_empty()
            && match dialect {
                Dialect::V3_2 => self.con.pre.is_empty() && (self.op != Op::NotEqual || self.dirty),
                Dialect::V3_4 | Dialect::V3_5 => !group_pre,
            }
    }

    fn check(&self, v: &Version, dialect: Dialect, group_pre: bool) -> Result<(), Error> {
        let vs = dialect.q(&v.to_string());
        let orig = dialect.q(&self.orig);
        let fail = |what: &str| Err(Error(format!("{vs} {what} {orig}")));
        if self.prerelease_excluded(v, dialect, group_pre) {
            return Err(Error(format!(
                "{vs} is a prerelease version and the constraint is only looking for release versions"
            )));
        }
        let c = &self.con;
        match self.op {
            Op::NotEqual => {
                if self.dirty {
                    if c.major != v.major {
                        return Ok(());
                    }
                    if c.minor != v.minor && !self.minor_dirty {
                        return Ok(());
                    } else if self.minor_dirty {
                        return fail("is equal to");
                    } else if c.patch != v.patch && !self.patch_dirty {
                        return Ok(());
                    } else if self.patch_dirty {
                        if (!v.pre.is_empty() || !c.pre.is_empty())
                            && compare_prerelease(&v.pre, &c.pre) != Ordering::Equal
                        {
                            return Ok(());
                        }
                        return fail("is equal to");
                    }
                }
                if v == c { fail("is equal to") } else { Ok(()) }
            }
            Op::Greater => {
                let le = "is less than or equal to";
                if !self.dirty {
                    return if v.compare(c) == Ordering::Greater { Ok(()) } else { fail(le) };
                }
                if v.major > c.major {
                    Ok(())
                } else if v.major < c.major || self.minor_dirty {
                    fail(le)
                } else if self.patch_dirty {
                    if v.minor > c.minor { Ok(()) } else { fail(le) }
                } else if v.compare(c) == Ordering::Greater {
                    Ok(())
                } else {
                    fail(le)
                }
            }
            Op::Less => {
                if v.compare(c) == Ordering::Less { Ok(()) } else { fail("is greater than or equal to") }
            }
            Op::GreaterEqual => {
                if v.compare(c) != Ordering::Less { Ok(()) } else { fail("is less than") }
            }
            Op::LessEqual => {
                if !self.dirty {
                    return if v.compare(c) != Ordering::Greater { Ok(()) } else { fail("is greater than") };
                }
                if v.major > c.major || (v.major == c.major && v.minor > c.minor && !self.minor_dirty) {
                    fail("is greater than")
                } else {
                    Ok(())
                }
            }
            Op::Tilde => self.tilde(v, &fail),
            Op::TildeOrEqual => {
                if self.dirty {
                    self.tilde(v, &fail)
                } else if v == c {
                    Ok(())
                } else {
                    fail("is not equal to")
                }
            }
            Op::Caret => {
                if v.compare(c) == Ordering::Less {
                    return fail("is less than");
                }
                if c.major > 0 || self.minor_dirty {
                    return if v.major == c.major { Ok(()) } else { fail("does not have same major version as") };
                }
                if v.major > 0 {
                    return fail("does not have same major version as");
                }
                if c.minor > 0 || self.patch_dirty {
                    return if v.minor == c.minor {
                        Ok(())
                    } else {
                        Err(Error(format!(
                            "{vs} does not have same minor version as {orig}. Expected minor versions to match when constraint major version is 0"
                        )))
                    };
                }
                if v.minor > 0 {
                    return fail("does not have same minor version as");
                }
                if c.patch == v.patch {
                    Ok(())
                } else {
                    Err(Error(format!(
                        "{vs} does not equal {orig}. Expect version and constraint to equal when major and minor versions are 0"
                    )))
                }
            }
        }
    }

    fn tilde(&self, v: &Version, fail: &dyn Fn(&str) -> Result<(), Error>) -> Result<(), Error> {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return fail("is less than");
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return Ok(());
        }
        if v.major != c.major {
            return fail("does not have same major version as");
        }
        if v.minor != c.minor && !self.minor_dirty {
            return fail("does not have same major and minor version as");
        }
        Ok(())
    }
}

/// A parsed constraint expression: OR groups (`||`) of AND-ed comparators (`,` or space).
#[derive(Debug, Clone)]
pub struct Constraints {
    groups: Vec<Vec<Constraint>>,
    /// Per group: whether one of its comparators names a prerelease (v3.5 semantics).
    group_pre: Vec<bool>,
    dialect: Dialect,
    /// v3.5's `IncludePrerelease`: let prerelease versions match every group.
    pub include_prerelease: bool,
}

impl Constraints {
    /// `semver.NewConstraint` as helm 3 has it.
    pub fn parse(s: &str) -> Result<Constraints, Error> {
        Constraints::parse_in(s, Dialect::default())
    }

    pub fn parse_in(s: &str, dialect: Dialect) -> Result<Constraints, Error> {
        if dialect == Dialect::V3_5 && s.len() > MAX_CONSTRAINT_LEN {
            return Err(Error(format!("constraint string is too long (max {MAX_CONSTRAINT_LEN} bytes)")));
        }
        let rewritten = rewrite_range(s);
        let ors: Vec<&str> = rewritten.split("||").collect();
        if dialect == Dialect::V3_5 && ors.len() > MAX_CONSTRAINT_GROUPS {
            return Err(Error(format!("too many constraint groups (max {MAX_CONSTRAINT_GROUPS})")));
        }
        let mut groups = Vec::with_capacity(ors.len());
        let mut group_pre = Vec::with_capacity(ors.len());
        for or in ors {
            if !VALID_CONSTRAINT.is_match(or) {
                return Err(Error(format!("improper constraint: {}", dialect.q(or))));
            }
            let mut found: Vec<&str> = FIND_CONSTRAINT.find_iter(or).map(|m| m.as_str()).collect();
            if found.is_empty() {
                found.push(or);
            }
            let group = found.into_iter().map(|c| Constraint::parse(c, dialect)).collect::<Result<Vec<_>, _>>()?;
            group_pre.push(group.iter().any(|c| !c.con.pre.is_empty()));
            groups.push(group);
        }
        Ok(Constraints { groups, group_pre, dialect, include_prerelease: false })
    }

    fn group_allows_pre(&self, i: usize) -> bool {
        self.include_prerelease || self.group_pre.get(i).copied().unwrap_or(false)
    }

    /// Whether `v` satisfies some OR group.
    pub fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .enumerate()
            .any(|(i, g)| g.iter().all(|c| c.check(v, self.dialect, self.group_allows_pre(i)).is_ok()))
    }

    /// `Validate`: `Ok` when `v` satisfies some group, else every reason it failed, in
    /// Masterminds' order (the prerelease reason only once).
    pub fn validate(&self, v: &Version) -> Result<(), Vec<Error>> {
        let mut errors = Vec::new();
        let mut prerelease_reported = false;
        for (i, group) in self.groups.iter().enumerate() {
            let mut ok = true;
            for c in group {
                let excluded = match self.dialect {
                    Dialect::V3_2 => c.con.pre.is_empty() && !v.pre.is_empty(),
                    Dialect::V3_4 | Dialect::V3_5 => !self.group_allows_pre(i) && !v.pre.is_empty(),
                };
                if excluded {
                    if !prerelease_reported {
                        errors.push(Error(format!(
                            "{} is a prerelease version and the constraint is only looking for release versions",
                            self.dialect.q(&v.to_string())
                        )));
                        prerelease_reported = true;
                    }
                    ok = false;
                } else if let Err(e) = c.check(v, self.dialect, self.group_allows_pre(i)) {
                    errors.push(e);
                    ok = false;
                }
            }
            if ok {
                return Ok(());
            }
        }
        Err(errors)
    }
}

impl fmt::Display for Constraints {
    /// Go's `Constraints.String()`: comparators as written, space-joined, groups ` || `-joined.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| g.iter().map(|c| format!("{}{}", c.op_text, c.orig)).collect::<Vec<_>>().join(" "))
            .collect();
        f.write_str(&groups.join(" || "))
    }
}

/// Hyphen ranges `A - B` become `>= A, <= B `, replacing the first occurrence of each match's
/// text as Go's `strings.Replace(o, m, t, 1)` does.
fn rewrite_range(s: &str) -> String {
    let mut out = s.to_string();
    for m in CONSTRAINT_RANGE.captures_iter(s) {
        let (Some(whole), Some(a), Some(b)) = (m.get(0), m.get(1), m.get(11)) else { continue };
        let replacement = format!(">= {}, <= {} ", a.as_str(), b.as_str());
        out = out.replacen(whole.as_str(), &replacement, 1);
    }
    out
}

/// Sprig's `semverCompare`: parse the constraint, then the version, then `Check`.
pub fn semver_compare(constraint: &str, version: &str, dialect: Dialect) -> Result<bool, Error> {
    let c = Constraints::parse_in(constraint, dialect)?;
    let v = Version::parse_in(version, dialect)?;
    Ok(c.check(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_version_prerelease_idiom() {
        // Charts write `>=1.21.0-0` so that EKS/GKE versions with a prerelease match.
        for d in [Dialect::V3_2, Dialect::V3_5] {
            assert_eq!(semver_compare(">=1.21.0-0", "1.25.3-eks-123", d), Ok(true));
            assert_eq!(semver_compare(">=1.21.0", "v1.25.3-eks-123", d), Ok(false));
        }
    }

    #[test]
    fn ranges_and_ors() {
        let d = Dialect::V3_2;
        assert_eq!(semver_compare("1.2 - 1.4.5", "1.4.5", d), Ok(true));
        assert_eq!(semver_compare("^0.2.3", "0.3.0", d), Ok(false));
        assert_eq!(semver_compare("~1.2.x || >=3", "3.1.0", d), Ok(true));
        assert_eq!(semver_compare(">1, <2", "1.5.0", d), Ok(false));
        assert_eq!(Constraints::parse(">= 1.2, < 3.0.0 || 4.x").map(|c| c.to_string()), Ok(">=1.2 <3.0.0 || 4.x".into()));
    }

    #[test]
    fn error_texts_follow_the_dialect() {
        assert_eq!(Version::parse_in("1.2.3.4", Dialect::V3_2).unwrap_err().0, "Invalid Semantic Version");
        assert_eq!(Version::parse_in("1.2.3.4", Dialect::V3_5).unwrap_err().0, "invalid semantic version");
        assert_eq!(Constraints::parse_in("foo", Dialect::V3_5).unwrap_err().0, "improper constraint: \"foo\"");
        let c = Constraints::parse_in("<1.0", Dialect::V3_2).unwrap();
        let v = Version::parse("1.2.0").unwrap();
        assert_eq!(c.validate(&v).unwrap_err()[0].0, "1.2.0 is greater than or equal to 1.0");
    }
}
