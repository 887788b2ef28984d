//! `-l` selectors (comma = AND, repeated = OR, implicit `name`/`namespace`/`chart` labels) and
//! the `needs` DAG (levels in declaration order; a cycle is an error naming it).

use std::collections::BTreeMap;

use super::{Release, SpecError, SpecOptions};

/// One `-l` argument: every condition must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub conditions: Vec<(String, bool, String)>,
}

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, SpecError> {
        let mut conditions = Vec::new();
        for part in text.split(',') {
            let (key, positive, value) = if let Some((k, v)) = part.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = part.split_once('=') {
                (k, true, v)
            } else {
                return Err(SpecError::Other(format!("malformed label: {part}. Expected label in form k=v or k!=v")));
            };
            conditions.push((key.trim().to_string(), positive, value.trim().to_string()));
        }
        Ok(Selector { conditions })
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.conditions.iter().all(|(k, positive, v)| match labels.get(k) {
            Some(actual) => (actual == v) == *positive,
            None => !positive,
        })
    }
}

/// helmfile 1.x's `SelectorsAreCompatible`: some pair of selectors (one from each list) has no
/// key that both require with different values. Empty lists and unparsable ones are compatible.
pub fn selectors_compatible(a: &[String], b: &[String]) -> bool {
    if a.is_empty() || b.is_empty() {
        return true;
    }
    let parse = |l: &[String]| l.iter().map(|s| Selector::parse(s)).collect::<Result<Vec<_>, _>>();
    let (Ok(a), Ok(b)) = (parse(a), parse(b)) else { return true };
    a.iter().any(|x| {
        b.iter().any(|y| {
            !x.conditions.iter().any(|(xk, xp, xv)| {
                *xp && y.conditions.iter().any(|(yk, yp, yv)| *yp && xk == yk && xv != yv)
            })
        })
    })
}

/// Labels with the implicit `name`, `namespace` and `chart` ones.
pub fn selector_labels(r: &Release) -> BTreeMap<String, String> {
    let mut labels = r.labels.clone();
    labels.insert("name".into(), r.name.clone());
    labels.insert("namespace".into(), r.namespace.clone());
    labels.insert("chart".into(), r.chart_name());
    labels
}

/// Indices of the releases the selectors pick (all when there are none), plus their needs as
/// the options ask. Releases disabled by `condition` never match.
pub fn select_releases(releases: &[Release], selectors: &[String], opts: &SpecOptions) -> Result<Vec<usize>, SpecError> {
    let parsed: Vec<Selector> = selectors.iter().map(|s| Selector::parse(s)).collect::<Result<_, _>>()?;
    let mut picked: Vec<bool> = releases
        .iter()
        .map(|r| r.enabled && (parsed.is_empty() || parsed.iter().any(|s| s.matches(&selector_labels(r)))))
        .collect();
    if !parsed.is_empty() && (opts.include_needs || opts.include_transitive_needs) {
        let mut frontier: Vec<usize> = (0..releases.len()).filter(|&i| picked[i]).collect();
        while let Some(i) = frontier.pop() {
            for need in &releases[i].needs {
                if let Some(j) = find_need(releases, &releases[i], need) {
                    if !picked[j] && releases[j].enabled {
                        picked[j] = true;
                        frontier.push(j);
                    }
                }
            }
        }
    }
    Ok((0..releases.len()).filter(|&i| picked[i]).collect())
}

/// The release a `needs` entry names: `[[context/]namespace/]name`, a missing namespace being
/// the needing release's own.
pub fn find_need(releases: &[Release], from: &Release, need: &str) -> Option<usize> {
    let parts: Vec<&str> = need.split('/').collect();
    let (ctx, ns, name) = match parts.as_slice() {
        [name] => (from.kube_context.as_str(), from.namespace.as_str(), *name),
        [ns, name] => (from.kube_context.as_str(), *ns, *name),
        [ctx, ns, name] => (*ctx, *ns, *name),
        _ => return None,
    };
    releases.iter().position(|r| r.name == name && r.namespace == ns && r.kube_context == ctx)
}

/// Orders the selected releases by `needs`: groups of releases whose needs are all in
/// earlier groups, each group in declaration order. Needs outside the selection are ignored.
pub fn order_by_needs(releases: &[Release], selected: &[usize], skip_needs: bool) -> Result<Vec<Vec<usize>>, SpecError> {
    let in_set = |j: usize| selected.contains(&j);
    let deps: BTreeMap<usize, Vec<usize>> = selected
        .iter()
        .map(|&i| {
            let d = if skip_needs {
                Vec::new()
            } else {
                releases[i].needs.iter().filter_map(|n| find_need(releases, &releases[i], n)).filter(|&j| in_set(j)).collect()
            };
            (i, d)
        })
        .collect();
    let mut done: Vec<usize> = Vec::new();
    let mut groups = Vec::new();
    while done.len() < selected.len() {
        let group: Vec<usize> = selected
            .iter()
            .copied()
            .filter(|i| !done.contains(i) && deps[i].iter().all(|d| done.contains(d)))
            .collect();
        if group.is_empty() {
            let rest: Vec<usize> = selected.iter().copied().filter(|i| !done.contains(i)).collect();
            return Err(SpecError::Other(format!("found cycle in needs: {}", describe_cycle(releases, &rest, &deps))));
        }
        done.extend(&group);
        groups.push(group);
    }
    Ok(groups)
}

/// One cycle among `rest`, as `a -> b -> a`.
fn describe_cycle(releases: &[Release], rest: &[usize], deps: &BTreeMap<usize, Vec<usize>>) -> String {
    let mut path = vec![rest[0]];
    loop {
        let last = *path.last().unwrap_or(&rest[0]);
        let Some(&next) = deps[&last].iter().find(|d| rest.contains(d)) else { break };
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|&i| releases[i].id()).collect();
            cycle.push(releases[next].id());
            return cycle.join(" -> ");
        }
        path.push(next);
    }
    path.iter().map(|&i| releases[i].id()).collect::<Vec<_>>().join(" -> ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_and_or_and_negation() {
        let mut labels = BTreeMap::new();
        labels.insert("tier".to_string(), "web".to_string());
        assert!(Selector::parse("tier=web").unwrap().matches(&labels));
        assert!(!Selector::parse("tier=web,app=x").unwrap().matches(&labels));
        assert!(Selector::parse("app!=x").unwrap().matches(&labels));
        assert!(!Selector::parse("tier!=web").unwrap().matches(&labels));
    }
}
