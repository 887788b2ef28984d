//! Dependencies as helm's install processes them (`ProcessDependenciesWithMerge`): aliases copy
//! and rename subcharts, `tags` and `condition` switch them on and off (disabled ones are
//! removed before rendering), and `import-values` lift a subchart's values into its parent.

use crate::funcs::HelmCompat;
use crate::value::{ElemType, Map, Value};

use super::model::Chart;
use super::values::{self, ValuesError, Warnings};

/// helm's `IsCompatibleRange`: does `version` satisfy `constraint`?
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    use crate::semver::{Constraints, Version};
    match (Version::parse(version), Constraints::parse(constraint)) {
        (Ok(v), Ok(c)) => c.check(&v),
        _ => false,
    }
}

/// helm's `CheckDependencies`: every declared dependency has a chart under `charts/`.
pub fn check_dependencies(chart: &Chart) -> Result<(), String> {
    if !chart.has_dependencies {
        return Ok(());
    }
    let missing: Vec<&str> = chart
        .dependencies
        .iter()
        .filter(|r| !chart.subcharts.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("found in Chart.yaml, but missing in charts/ directory: {}", missing.join(", ")))
    }
}

/// helm's `ProcessDependenciesWithMerge`: enable/disable and alias subcharts, then import values.
pub fn process_dependencies(chart: &mut Chart, user: &Map, warnings: &mut Warnings, compat: HelmCompat) -> Result<(), ValuesError> {
    process_enabled(chart, user, "", warnings, compat)?;
    process_import_values_rec(chart, warnings, compat)?;
    publish_dependencies(chart, compat);
    chart.set_paths(None);
    Ok(())
}

/// `.Chart.Dependencies` shows the processed entries, as helm's are the same objects.
fn publish_dependencies(c: &mut Chart, compat: HelmCompat) {
    if c.has_dependencies {
        c.metadata.dependencies =
            c.dependencies.iter().map(|d| super::objects::dependency_value(d, compat)).collect();
    }
    for sub in &mut c.subcharts {
        publish_dependencies(sub, compat);
    }
}

fn process_enabled(c: &mut Chart, v: &Map, path: &str, warnings: &mut Warnings, compat: HelmCompat) -> Result<(), ValuesError> {
    if !c.has_dependencies {
        return Ok(());
    }
    let existing = std::mem::take(&mut c.subcharts);
    let mut chart_deps: Vec<Chart> = existing
        .iter()
        .filter(|e| {
            !c.dependencies
                .iter()
                .any(|r| e.name() == r.name && is_compatible_range(&r.version, &e.metadata.version))
        })
        .cloned()
        .collect();
    for req in &mut c.dependencies {
        let found = existing
            .iter()
            .find(|e| e.name() == req.name && is_compatible_range(&req.version, &e.metadata.version));
        if let Some(found) = found {
            let mut copy = found.clone();
            if !req.alias.is_empty() {
                copy.metadata.name = req.alias.clone();
            }
            chart_deps.push(copy);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.subcharts = chart_deps;
    for req in &mut c.dependencies {
        req.enabled = true;
    }
    let cvals = values::coalesce_values(c, v, warnings, compat)?;
    process_tags(c, &cvals, warnings);
    process_conditions(c, &cvals, path, warnings);

    let removed: Vec<String> = c.dependencies.iter().filter(|r| !r.enabled).map(|r| r.name.clone()).collect();
    c.subcharts.retain(|s| !removed.iter().any(|n| n == s.name()));
    c.dependencies.retain(|r| !removed.contains(&r.name));
    for t in &mut c.subcharts {
        let subpath = format!("{path}{}.", t.name());
        process_enabled(t, &cvals, &subpath, warnings, compat)?;
    }
    Ok(())
}

fn process_tags(c: &mut Chart, cvals: &Map, warnings: &mut Warnings) {
    let Some(tags) = values::table(cvals, "tags") else { return };
    for r in &mut c.dependencies {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            match tags.get(k) {
                Some(Value::Bool(true)) => has_true = true,
                Some(Value::Bool(false)) => has_false = true,
                Some(_) => warnings.push(format!("Warning: Tag '{k}' for chart {} returned non-bool value", r.name)),
                None => {}
            }
        }
        if !has_true && has_false {
            r.enabled = false;
        } else if has_true || !has_false {
            r.enabled = true;
        }
    }
}

fn process_conditions(c: &mut Chart, cvals: &Map, path: &str, warnings: &mut Warnings) {
    for r in &mut c.dependencies {
        for cond in r.condition.trim().split(',') {
            if cond.is_empty() {
                continue;
            }
            match values::path_value(cvals, &format!("{path}{cond}")) {
                Some(Value::Bool(b)) => {
                    r.enabled = b;
                    break;
                }
                Some(_) => warnings.push(format!(
                    "Warning: Condition path '{cond}' for chart {} returned non-bool value",
                    r.name
                )),
                None => {}
            }
        }
    }
}

fn path_to_map(path: &str, data: Map) -> Map {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for part in path.split('.').rev() {
        let m = Map::new();
        m.insert(part, Value::Map(cur));
        cur = m;
    }
    cur
}

fn process_import_values_rec(c: &mut Chart, warnings: &mut Warnings, compat: HelmCompat) -> Result<(), ValuesError> {
    for d in &mut c.subcharts {
        process_import_values_rec(d, warnings, compat)?;
    }
    process_import_values(c, warnings, compat)
}

/// Go's `fmt.Sprintf("%v", x)` for an `import-values` field (helm 4), or the string (helm 3).
fn iv_field(m: &Map, key: &str) -> String {
    match m.get(key) {
        Some(Value::String(s)) => s.to_string(),
        Some(other) => other.go_format(),
        None => "<nil>".into(),
    }
}

fn process_import_values(c: &mut Chart, warnings: &mut Warnings, compat: HelmCompat) -> Result<(), ValuesError> {
    if !c.has_dependencies {
        return Ok(());
    }
    let cvals = values::merge_values(c, &Map::new(), warnings, compat)?;
    let mut b = Map::new();
    for r in &mut c.dependencies {
        let mut out = Vec::new();
        for iv in &r.import_values {
            match iv {
                Value::Map(m) => {
                    let child = iv_field(m, "child");
                    let parent = iv_field(m, "parent");
                    let o = Map::with_elem(ElemType::String);
                    o.insert("child", Value::str(child.as_str()));
                    o.insert("parent", Value::str(parent.as_str()));
                    out.push(Value::Map(o));
                    match values::table(&cvals, &format!("{}.{child}", r.name)) {
                        Some(vv) => b = values::merge_tables(&b, &path_to_map(&parent, vv), warnings, compat),
                        None => warnings.push(format!("Warning: ImportValues missing table from chart {}", r.name)),
                    }
                }
                Value::String(s) => {
                    let child = format!("exports.{s}");
                    let o = Map::with_elem(ElemType::String);
                    o.insert("child", Value::str(child.as_str()));
                    o.insert("parent", Value::str("."));
                    out.push(Value::Map(o));
                    match values::table(&cvals, &format!("{}.{child}", r.name)) {
                        Some(vm) => b = values::merge_tables(&b, &vm, warnings, compat),
                        None => warnings.push("Warning: ImportValues missing table".into()),
                    }
                }
                _ => {}
            }
        }
        r.import_values = out;
    }
    let copy = match Value::Map(cvals).deep_copy() {
        Value::Map(m) => m,
        _ => Map::new(),
    };
    c.values = values::merge_tables(&copy, &b, warnings, compat);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_to_map_nests() {
        let m = Map::new();
        m.insert("x", Value::Int(1));
        assert_eq!(Value::Map(path_to_map("a.b", m)).go_format(), "map[a:map[b:map[x:1]]]");
    }

    #[test]
    fn compatible_ranges() {
        assert!(is_compatible_range("^1.0.0", "1.2.3"));
        assert!(!is_compatible_range("~2.0", "1.2.3"));
    }
}
