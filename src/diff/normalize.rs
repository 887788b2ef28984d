//! Making the three states comparable without noise.
//!
//! [`normalize`] drops what the apiserver and helm keep for themselves (status, managedFields,
//! resourceVersion, bookkeeping annotations, nulls) and folds a Secret's `stringData` into
//! `data`. [`project`] reads a live object through the fields a manifest sets (fast mode: server
//! defaults do not show) and writes every value Kubernetes treats as equal to the manifest's
//! value (`1000m` vs `1`, `80` vs `"80"`, `{}` vs absent) in the manifest's form, so equal
//! objects print identically. [`union`] and [`intersect`] build the field sets for "what apply
//! changes" (desired ∪ last: fields we stop setting are removed) and "what drifted" (last ∩
//! desired: fields the new release does not touch).

use crate::value::{Map, Value};

use super::ObjectId;

/// `metadata` fields the apiserver owns.
const IGNORED_METADATA: &[&str] =
    &["managedFields", "resourceVersion", "uid", "generation", "creationTimestamp", "selfLink"];

/// Annotations written by tools, not by charts.
pub const IGNORED_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
];

/// Annotation prefixes written by helm and deployer (`meta.helm.sh/release-name`, …).
pub const IGNORED_ANNOTATION_PREFIXES: &[&str] = &["meta.helm.sh/"];

/// Keys below which values are resource quantities (`resources.limits.cpu`, a ResourceQuota's
/// `hard`, a LimitRange's `max`, an emptyDir's `sizeLimit`).
const QUANTITY_KEYS: &[&str] = &[
    "resources",
    "limits",
    "requests",
    "hard",
    "capacity",
    "allocatable",
    "overhead",
    "max",
    "min",
    "default",
    "defaultRequest",
    "maxLimitRequestRatio",
    "sizeLimit",
];

/// Keys that identify the items of a list of objects, in the order tried (Kubernetes' merge
/// keys: containers, env, volumes by `name`; ports by `containerPort`/`port`; mounts by path).
const LIST_KEYS: &[&str] = &["name", "containerPort", "port", "mountPath", "devicePath", "ip", "topologyKey"];

/// An object as compared: a deep copy without nulls, without the apiserver's and the tools'
/// bookkeeping, with `metadata.namespace` as the id says and a Secret's `stringData` merged
/// into `data` (as the apiserver stores it).
pub fn normalize(body: &Value, id: &ObjectId) -> Value {
    // Only the top level, `metadata`, its annotations and a Secret's `data` are changed; every
    // other subtree is shared with `body` unless it holds a null (maps are never changed later:
    // projections and masking build new ones).
    let Value::Map(src) = body else {
        return without_nulls(body);
    };
    let obj = shallow_without_nulls(src);
    obj.remove("status");
    if let Some(Value::Map(meta)) = obj.get("metadata") {
        let meta = shallow_without_nulls(&meta);
        obj.insert("metadata", Value::Map(meta.clone()));
        for key in IGNORED_METADATA {
            meta.remove(key);
        }
        if id.namespace.is_empty() {
            meta.remove("namespace");
        } else {
            meta.insert("namespace", Value::str(id.namespace.as_str()));
        }
        if let Some(Value::Map(ann)) = meta.get("annotations") {
            let ann = shallow_without_nulls(&ann);
            for key in ann.keys() {
                if IGNORED_ANNOTATIONS.contains(&key.as_str())
                    || IGNORED_ANNOTATION_PREFIXES.iter().any(|p| key.starts_with(p))
                {
                    ann.remove(&key);
                }
            }
            if ann.is_empty() {
                meta.remove("annotations");
            } else {
                meta.insert("annotations", Value::Map(ann));
            }
        }
    }
    if id.group.is_empty() && id.kind == "Secret" {
        if let Some(Value::Map(data)) = obj.get("data") {
            obj.insert("data", Value::Map(shallow_without_nulls(&data)));
        }
        fold_string_data(&obj);
    }
    Value::Map(obj)
}

/// A new map with the entries of `m` but its nulls; values are [`shared_without_nulls`].
fn shallow_without_nulls(m: &Map) -> Map {
    let out = Map::new();
    {
        let mut data = out.0.borrow_mut();
        for (k, x) in m.0.borrow().entries.iter() {
            if !x.is_nil() {
                data.entries.insert(k.clone(), shared_without_nulls(x));
            }
        }
    }
    out
}

/// `v` itself when nothing below it is null, else a copy without the null map entries.
fn shared_without_nulls(v: &Value) -> Value {
    if has_null_entry(v) { without_nulls(v) } else { v.clone() }
}

fn has_null_entry(v: &Value) -> bool {
    match v {
        Value::Map(m) => m.0.borrow().entries.values().any(|x| x.is_nil() || has_null_entry(x)),
        Value::List(l) => l.items.iter().any(has_null_entry),
        _ => false,
    }
}

/// `stringData` entries become base64 `data` entries, overriding them as the apiserver does.
pub(super) fn fold_string_data(secret: &Map) {
    let Some(Value::Map(string_data)) = secret.remove("stringData") else {
        return;
    };
    use base64::Engine as _;
    let data = match secret.get("data") {
        Some(Value::Map(d)) => d,
        _ => {
            let d = Map::new();
            secret.insert("data", Value::Map(d.clone()));
            d
        }
    };
    for (k, v) in string_data.entries() {
        let text = scalar_text(&v).unwrap_or_default();
        data.insert(k, Value::str(base64::engine::general_purpose::STANDARD.encode(text.as_bytes())));
    }
}

/// A deep copy without map entries whose value is null (`x: null` and absent are one thing to
/// the apiserver).
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Map(m) => {
            let out = Map::new();
            for (k, x) in m.0.borrow().entries.iter() {
                if !x.is_nil() {
                    out.insert(k.clone(), without_nulls(x));
                }
            }
            Value::Map(out)
        }
        Value::List(l) => Value::list(l.items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Int64(_) | Value::Float(_))
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Map(_) | Value::List(_))
}

/// A number's text as an exact decimal where it is an integer (`3.0` → `3`).
fn number_text(v: &Value) -> Option<String> {
    match v {
        Value::Int(i) | Value::Int64(i) => Some(i.to_string()),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some((*f as i64).to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// A scalar's text (list keys, Secret values).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => number_text(v),
    }
}

fn number_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Float(f), Value::Int(i) | Value::Int64(i)) | (Value::Int(i) | Value::Int64(i), Value::Float(f)) => {
            *f == *i as f64 && f.fract() == 0.0
        }
        _ => false,
    }
}

/// Whether two scalars mean the same to Kubernetes: numbers by value; a number and the string
/// of that integer (what IntOrString fields and quantities turn numbers into); below a
/// quantity key, quantities by value (`1000m` = `1`, `1Gi` = `1073741824`).
pub(super) fn scalar_eq(a: &Value, b: &Value, quantity: bool) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y || (quantity && quantity_eq(x, y)),
        (Value::String(s), n) | (n, Value::String(s)) if is_number(n) => match number_text(n) {
            Some(t) => t == **s || (quantity && quantity_eq(&t, s)),
            None => false,
        },
        (x, y) if is_number(x) && is_number(y) => number_eq(x, y),
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Nil, Value::Nil) => true,
        _ => false,
    }
}

/// Structural equality with [`scalar_eq`] at the leaves.
pub(super) fn deep_eq(a: &Value, b: &Value, quantity: bool) -> bool {
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => {
            if x.ptr_eq(y) {
                return true;
            }
            let (x, y) = (x.0.borrow(), y.0.borrow());
            x.entries.len() == y.entries.len()
                && x.entries.iter().zip(y.entries.iter()).all(|((kx, vx), (ky, vy))| {
                    kx == ky && deep_eq(vx, vy, quantity || QUANTITY_KEYS.contains(&kx.as_str()))
                })
        }
        (Value::List(x), Value::List(y)) => {
            x.items.len() == y.items.len() && x.items.iter().zip(y.items.iter()).all(|(p, q)| deep_eq(p, q, quantity))
        }
        (x, y) if is_scalar(x) && is_scalar(y) => scalar_eq(x, y, quantity),
        _ => false,
    }
}

/// A Kubernetes quantity as `mantissa × 10^exp10 × 2^exp2`.
fn parse_quantity(s: &str) -> Option<(i128, i32, u32)> {
    let s = s.trim();
    let (negative, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_end);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return None;
    }
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > 30 {
        return None;
    }
    let mut mantissa: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    if negative {
        mantissa = -mantissa;
    }
    let mut exp10 = -(frac_part.len() as i32);
    let mut exp2 = 0u32;
    match suffix {
        "" => {}
        "Ki" => exp2 = 10,
        "Mi" => exp2 = 20,
        "Gi" => exp2 = 30,
        "Ti" => exp2 = 40,
        "Pi" => exp2 = 50,
        "Ei" => exp2 = 60,
        "n" => exp10 -= 9,
        "u" => exp10 -= 6,
        "m" => exp10 -= 3,
        "k" => exp10 += 3,
        "M" => exp10 += 6,
        "G" => exp10 += 9,
        "T" => exp10 += 12,
        "P" => exp10 += 15,
        "E" => exp10 += 18,
        _ => {
            let exp = suffix.strip_prefix('e').or_else(|| suffix.strip_prefix('E'))?;
            let e: i32 = exp.parse().ok()?;
            if e.abs() > 100 {
                return None;
            }
            exp10 += e;
        }
    }
    Some((mantissa, exp10, exp2))
}

/// `mantissa × 10^exp` with the mantissa free of trailing zeros; `None` on overflow.
fn canonical_quantity((mantissa, exp10, exp2): (i128, i32, u32)) -> Option<(i128, i32)> {
    let mut m = mantissa.checked_mul(1i128.checked_shl(exp2)?)?;
    let mut e = exp10;
    if m == 0 {
        return Some((0, 0));
    }
    while m % 10 == 0 {
        m /= 10;
        e += 1;
    }
    Some((m, e))
}

/// Whether two strings are the same resource quantity (`1000m` and `1`, `1Gi` and
/// `1073741824`, `0.5` and `500m`). Strings that are not quantities are not equal.
pub fn quantity_eq(a: &str, b: &str) -> bool {
    let (Some(x), Some(y)) = (parse_quantity(a), parse_quantity(b)) else {
        return false;
    };
    match (canonical_quantity(x), canonical_quantity(y)) {
        (Some(p), Some(q)) => p == q,
        _ => {
            let f = |(m, e10, e2): (i128, i32, u32)| m as f64 * 10f64.powi(e10) * 2f64.powi(e2 as i32);
            f(x) == f(y)
        }
    }
}

/// Whether a manifest value means "not set": null, `""`, `false`, `0`, and maps/lists of
/// nothing else. The apiserver drops such fields (`omitempty`), so live may lack them.
fn is_zero(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i) | Value::Int64(i) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.items.is_empty(),
        Value::Map(m) => m.0.borrow().entries.values().all(is_zero),
        _ => false,
    }
}

/// The key identifying the items of a list of objects: the first of [`LIST_KEYS`] that every
/// item has as a scalar, with no two items alike. `None` for scalar lists and lists without
/// such a key (compared by position).
fn list_key(items: &[Value]) -> Option<&'static str> {
    if items.is_empty() || !items.iter().all(|i| matches!(i, Value::Map(_))) {
        return None;
    }
    LIST_KEYS.iter().copied().find(|key| {
        let mut seen = std::collections::HashSet::new();
        items.iter().all(|item| {
            item.as_map()
                .and_then(|m| m.get(key))
                .filter(is_scalar)
                .and_then(|v| scalar_text(&v))
                .is_some_and(|t| seen.insert(t))
        })
    })
}

fn item_key(item: &Value, key: &str) -> Option<String> {
    item.as_map().and_then(|m| m.get(key)).and_then(|v| scalar_text(&v))
}

fn find_by_key<'a>(items: &'a [Value], key: &str, wanted: &str) -> Option<&'a Value> {
    items.iter().find(|i| item_key(i, key).as_deref() == Some(wanted))
}

/// What to do with live list items (of a keyed list) that the field set does not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unnamed {
    /// Leave them out: another field manager's items, which apply keeps.
    Skip,
    /// Keep those the reference (the last release) does not have: items added in the cluster.
    KeepIfNotInReference,
}

/// `live` read through the fields of `shape`: map keys of `shape` only; keyed list items
/// matched by key, positional ones by index (extra items kept: such lists are replaced whole);
/// scalars equal by Kubernetes' rules take `shape`'s form, and a field `shape` sets to a zero
/// value counts as present when live lacks it.
pub(super) fn project(live: &Value, shape: &Value, reference: Option<&Value>, unnamed: Unnamed, quantity: bool) -> Value {
    match (live, shape) {
        (Value::Map(l), Value::Map(s)) => {
            let out = Map::new();
            let reference = reference.and_then(Value::as_map);
            for (k, sv) in s.0.borrow().entries.iter() {
                let q = quantity || QUANTITY_KEYS.contains(&k.as_str());
                match l.get(k) {
                    Some(lv) => {
                        let r = reference.and_then(|r| r.get(k));
                        out.insert(k.clone(), project(&lv, sv, r.as_ref(), unnamed, q));
                    }
                    None if is_zero(sv) => out.insert(k.clone(), sv.clone()),
                    None => {}
                }
            }
            Value::Map(out)
        }
        (Value::List(l), Value::List(s)) => {
            let reference_items = reference.and_then(Value::as_list).unwrap_or(&[]);
            let mut items = Vec::with_capacity(l.items.len());
            if let Some(key) = list_key(&s.items) {
                for item in &l.items {
                    let Some(k) = item_key(item, key) else {
                        continue;
                    };
                    let r = find_by_key(reference_items, key, &k);
                    match find_by_key(&s.items, key, &k) {
                        Some(shape_item) => items.push(project(item, shape_item, r, unnamed, quantity)),
                        None if unnamed == Unnamed::KeepIfNotInReference && r.is_none() => items.push(item.clone()),
                        None => {}
                    }
                }
            } else {
                for (i, item) in l.items.iter().enumerate() {
                    match s.items.get(i) {
                        Some(shape_item) => items.push(project(item, shape_item, reference_items.get(i), unnamed, quantity)),
                        None => items.push(item.clone()),
                    }
                }
            }
            Value::list(items)
        }
        (l, s) if is_scalar(l) && is_scalar(s) && scalar_eq(l, s, quantity) => s.clone(),
        _ => live.clone(),
    }
}

/// Whether [`project`]`(live, shape, reference, unnamed, quantity)` would be [`deep_eq`] to
/// `target`, without building it: the common case (nothing changed) allocates nothing.
pub(super) fn project_eq(
    live: &Value,
    shape: &Value,
    target: &Value,
    reference: Option<&Value>,
    unnamed: Unnamed,
    quantity: bool,
) -> bool {
    match (live, shape) {
        (Value::Map(l), Value::Map(s)) => {
            let Value::Map(t) = target else {
                return false;
            };
            let (l, s, t) = (l.0.borrow(), s.0.borrow(), t.0.borrow());
            let reference = reference.and_then(Value::as_map);
            let mut produced = 0;
            for (k, sv) in s.entries.iter() {
                let q = quantity || QUANTITY_KEYS.contains(&k.as_str());
                match l.entries.get(k) {
                    Some(lv) => {
                        let Some(tv) = t.entries.get(k) else {
                            return false;
                        };
                        let r = reference.and_then(|r| r.get(k));
                        if !project_eq(lv, sv, tv, r.as_ref(), unnamed, q) {
                            return false;
                        }
                        produced += 1;
                    }
                    None if is_zero(sv) => {
                        if !t.entries.get(k).is_some_and(|tv| deep_eq(sv, tv, q)) {
                            return false;
                        }
                        produced += 1;
                    }
                    None => {}
                }
            }
            produced == t.entries.len()
        }
        (Value::List(l), Value::List(s)) => {
            let Value::List(t) = target else {
                return false;
            };
            let reference_items = reference.and_then(Value::as_list).unwrap_or(&[]);
            let mut targets = t.items.iter();
            if let Some(key) = list_key(&s.items) {
                for item in &l.items {
                    let Some(k) = item_key(item, key) else {
                        continue;
                    };
                    let r = find_by_key(reference_items, key, &k);
                    let ok = match find_by_key(&s.items, key, &k) {
                        Some(shape_item) => targets.next().is_some_and(|tv| project_eq(item, shape_item, tv, r, unnamed, quantity)),
                        None if unnamed == Unnamed::KeepIfNotInReference && r.is_none() => {
                            targets.next().is_some_and(|tv| deep_eq(item, tv, quantity))
                        }
                        None => true,
                    };
                    if !ok {
                        return false;
                    }
                }
            } else {
                if l.items.len() != t.items.len() {
                    return false;
                }
                for (i, item) in l.items.iter().enumerate() {
                    let tv = targets.next();
                    let ok = match (s.items.get(i), tv) {
                        (Some(shape_item), Some(tv)) => project_eq(item, shape_item, tv, reference_items.get(i), unnamed, quantity),
                        (None, Some(tv)) => deep_eq(item, tv, quantity),
                        _ => false,
                    };
                    if !ok {
                        return false;
                    }
                }
            }
            targets.next().is_none()
        }
        (l, s) if is_scalar(l) && is_scalar(s) && scalar_eq(l, s, quantity) => deep_eq(s, target, quantity),
        _ => deep_eq(live, target, quantity),
    }
}

/// The fields of `desired` and of `last` together (desired's values win): the fields apply
/// sets, and those it removes because the last release set them and the new one does not.
pub(super) fn union(desired: &Value, last: &Value) -> Value {
    if deep_eq(desired, last, false) {
        return desired.clone();
    }
    match (desired, last) {
        (Value::Map(d), Value::Map(l)) => {
            let out = Map::new();
            let l = l.0.borrow();
            for (k, dv) in d.0.borrow().entries.iter() {
                match l.entries.get(k) {
                    Some(lv) => out.insert(k.clone(), union(dv, lv)),
                    None => out.insert(k.clone(), dv.clone()),
                }
            }
            for (k, lv) in l.entries.iter() {
                if !out.contains_key(k) {
                    out.insert(k.clone(), lv.clone());
                }
            }
            Value::Map(out)
        }
        (Value::List(d), Value::List(l)) => match list_key(&d.items).filter(|k| list_key_fits(&l.items, k)) {
            Some(key) => {
                let mut items: Vec<Value> = d
                    .items
                    .iter()
                    .map(|di| match item_key(di, key).and_then(|k| find_by_key(&l.items, key, &k)) {
                        Some(li) => union(di, li),
                        None => di.clone(),
                    })
                    .collect();
                for li in &l.items {
                    if item_key(li, key).and_then(|k| find_by_key(&d.items, key, &k)).is_none() {
                        items.push(li.clone());
                    }
                }
                Value::list(items)
            }
            None => desired.clone(),
        },
        _ => desired.clone(),
    }
}

fn list_key_fits(items: &[Value], key: &str) -> bool {
    items.iter().all(|i| item_key(i, key).is_some())
}

/// The part of `last` that `desired` leaves as it is: where drift is looked for (a field the
/// new release changes is a change, not drift).
pub(super) fn intersect(last: &Value, desired: &Value, quantity: bool) -> Option<Value> {
    if deep_eq(last, desired, quantity) {
        return Some(last.clone());
    }
    match (last, desired) {
        (Value::Map(l), Value::Map(d)) => {
            let out = Map::new();
            let d = d.0.borrow();
            for (k, lv) in l.0.borrow().entries.iter() {
                if let Some(dv) = d.entries.get(k) {
                    let q = quantity || QUANTITY_KEYS.contains(&k.as_str());
                    if let Some(v) = intersect(lv, dv, q) {
                        out.insert(k.clone(), v);
                    }
                }
            }
            Some(Value::Map(out))
        }
        (Value::List(l), Value::List(d)) => match list_key(&l.items).filter(|k| list_key_fits(&d.items, k)) {
            Some(key) => {
                let items = l
                    .items
                    .iter()
                    .filter_map(|li| {
                        let di = item_key(li, key).and_then(|k| find_by_key(&d.items, key, &k))?;
                        intersect(li, di, quantity)
                    })
                    .collect();
                Some(Value::list(items))
            }
            None => deep_eq(last, desired, quantity).then(|| last.clone()),
        },
        (l, d) if is_scalar(l) && is_scalar(d) => scalar_eq(l, d, quantity).then(|| last.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_compare_by_value() {
        for (a, b) in [
            ("1000m", "1"),
            ("1Gi", "1073741824"),
            ("0.5", "500m"),
            ("1k", "1000"),
            ("1e3", "1k"),
            ("1Ki", "1024"),
            ("128Mi", "134217728"),
            ("0", "0m"),
            ("1.5Gi", "1610612736"),
            ("100M", "1e8"),
        ] {
            assert!(quantity_eq(a, b), "{a} == {b}");
        }
        for (a, b) in [("1", "2"), ("1Gi", "1G"), ("1m", "1M"), ("x", "x"), ("1.1", "1.10x")] {
            assert!(!quantity_eq(a, b), "{a} != {b}");
        }
    }

    #[test]
    fn scalars_compare_as_kubernetes_does() {
        assert!(scalar_eq(&Value::Float(80.0), &Value::Int64(80), false));
        assert!(scalar_eq(&Value::str("80"), &Value::Float(80.0), false));
        assert!(!scalar_eq(&Value::str("80a"), &Value::Float(80.0), false));
        assert!(scalar_eq(&Value::str("1"), &Value::str("1000m"), true));
        assert!(!scalar_eq(&Value::str("1"), &Value::str("1000m"), false));
        assert!(scalar_eq(&Value::Float(1.0), &Value::str("1000m"), true));
        assert!(!scalar_eq(&Value::str("1.10"), &Value::str("1.1"), false));
    }
}
