//! The three-way comparison of one release.

use std::collections::{BTreeMap, HashMap};

use crate::value::Value;

use super::normalize::{Unnamed, deep_eq, intersect, normalize, project, project_eq, union};
use super::{Object, ObjectId};

/// Everything the diff of one release needs; the engine fills it.
#[derive(Debug, Clone, Default)]
pub struct ReleaseInput {
    pub release: String,
    pub namespace: String,
    /// The last deployed release's manifest (empty for a first install).
    pub last: Vec<Object>,
    /// The newly rendered manifest.
    pub desired: Vec<Object>,
    /// Live objects by id: `Some(object)` as the apiserver returned it, `None` when it is not in
    /// the cluster. An id missing from the map was not looked up: that object is compared
    /// last ↔ desired only, as helm-diff does without `--three-way-merge`.
    pub live: HashMap<ObjectId, Option<Value>>,
    /// Exact mode: the server-side dry-run apply result per desired object. Objects with one
    /// are compared dry-run ↔ live in full; the others in fast mode.
    pub dry_run: HashMap<ObjectId, Value>,
}

/// What apply will do to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ChangeKind {
    /// Created (not in the cluster, or not known to be and not in the last release).
    Add,
    /// Changed in place.
    Modify,
    /// Pruned: in the last release, not in the new one, not kept by `helm.sh/resource-policy`.
    Remove,
    Unchanged,
}

/// How the cluster differs from the last release, in fields the new release leaves as they are.
#[derive(Debug, Clone, PartialEq)]
pub enum Drift {
    /// `last` is the part of the last release the new one keeps; `live` the live object read
    /// through the same fields.
    Modified { last: Value, live: Value },
    /// Deleted from the cluster; apply creates it again.
    Deleted,
}

/// One object's outcome.
#[derive(Debug, Clone)]
pub struct ObjectDiff {
    pub id: ObjectId,
    pub api_version: String,
    pub source: Option<String>,
    pub change: ChangeKind,
    /// The object as it is (live read through the manifest's fields, or the last release when
    /// live is unknown), normalised; `None` when it does not exist.
    pub before: Option<Value>,
    /// The object as apply leaves it (desired or the dry-run result), normalised; `None` when
    /// removed.
    pub after: Option<Value>,
    pub drift: Option<Drift>,
    /// Left out of the new manifest but kept (`helm.sh/resource-policy: keep`): not pruned.
    pub kept: bool,
    /// Compared with the server-side dry-run result.
    pub exact: bool,
}

/// The diff of one release: every object of the last, desired and live states, sorted by
/// helm-diff's key.
#[derive(Debug, Clone, Default)]
pub struct ReleaseDiff {
    pub release: String,
    pub namespace: String,
    pub objects: Vec<ObjectDiff>,
}

/// Counts for the summary line and exit codes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub drift: usize,
}

impl ReleaseDiff {
    /// Whether apply would change anything (`--detailed-exitcode` → 2).
    pub fn has_changes(&self) -> bool {
        self.objects.iter().any(|o| o.change != ChangeKind::Unchanged)
    }

    pub fn has_drift(&self) -> bool {
        self.objects.iter().any(|o| o.drift.is_some())
    }

    /// Drops the bodies of unchanged objects without drift, which nothing prints or plans, so a
    /// run's diffs of many releases stay small.
    pub fn forget_unchanged_bodies(&mut self) {
        for o in self.objects.iter_mut().filter(|o| o.change == ChangeKind::Unchanged && o.drift.is_none()) {
            o.before = None;
            o.after = None;
        }
    }

    /// Drops every object's bodies (what changed stays known, not how): for a diff whose text
    /// is already rendered. Drift bodies stay.
    pub fn forget_bodies(&mut self) {
        for o in self.objects.iter_mut() {
            o.before = None;
            o.after = None;
        }
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for o in &self.objects {
            match o.change {
                ChangeKind::Add => c.add += 1,
                ChangeKind::Modify => c.change += 1,
                ChangeKind::Remove => c.destroy += 1,
                ChangeKind::Unchanged => {}
            }
            if o.drift.is_some() {
                c.drift += 1;
            }
        }
        c
    }
}

const RESOURCE_POLICY: &str = "helm.sh/resource-policy";

/// Compares the last release, the live objects and the desired manifest of one release.
pub fn diff_release(input: &ReleaseInput) -> ReleaseDiff {
    // Every id once, with its last and desired objects.
    let mut ids: BTreeMap<&ObjectId, (Option<&Object>, Option<&Object>)> = BTreeMap::new();
    for o in &input.last {
        ids.entry(&o.id).or_default().0 = Some(o);
    }
    for o in &input.desired {
        ids.entry(&o.id).or_default().1 = Some(o);
    }
    let mut objects = Vec::with_capacity(ids.len());
    for (id, (last, desired)) in ids {
        let live = input.live.get(id);
        if let Some(d) = diff_object(id, last, desired, live, input.dry_run.get(id)) {
            objects.push(d);
        }
    }
    objects.sort_by_cached_key(|o| o.id.helm_diff_key(&input.namespace));
    ReleaseDiff { release: input.release.clone(), namespace: input.namespace.clone(), objects }
}

fn diff_object(
    id: &ObjectId,
    last: Option<&Object>,
    desired: Option<&Object>,
    live: Option<&Option<Value>>,
    dry_run: Option<&Value>,
) -> Option<ObjectDiff> {
    let last_n = last.map(|o| normalize(&o.body, id));
    let desired_n = match (last, desired, &last_n) {
        // Unchanged manifest text is parsed once and its objects shared (the engine does so):
        // one normalisation, and the comparisons below stop at the shared map.
        (Some(l), Some(d), Some(n)) if same_map(&l.body, &d.body) => Some(n.clone()),
        _ => desired.map(|o| normalize(&o.body, id)),
    };
    let newest = desired.or(last)?;
    let mut out = ObjectDiff {
        id: id.clone(),
        api_version: newest.api_version.clone(),
        source: newest.source.clone(),
        change: ChangeKind::Unchanged,
        before: None,
        after: None,
        drift: None,
        kept: false,
        exact: false,
    };
    match (live, desired_n) {
        // Live unknown: what the manifests say, last ↔ desired.
        (None, desired_n) => {
            out.change = match (&last_n, &desired_n) {
                (None, Some(_)) => ChangeKind::Add,
                (Some(_), None) if is_kept(last) => {
                    out.kept = true;
                    ChangeKind::Unchanged
                }
                (Some(_), None) => ChangeKind::Remove,
                (Some(l), Some(d)) if deep_eq(l, d, false) => ChangeKind::Unchanged,
                (Some(_), Some(_)) => ChangeKind::Modify,
                (None, None) => return None,
            };
            out.before = last_n;
            out.after = desired_n;
        }
        // Not in the cluster.
        (Some(None), Some(d)) => {
            out.change = ChangeKind::Add;
            if last_n.is_some() {
                out.drift = Some(Drift::Deleted);
            }
            out.after = Some(d);
        }
        // Gone from the manifest and from the cluster: nothing to do.
        (Some(None), None) => return None,
        // In the cluster, leaving the manifest.
        (Some(Some(live)), None) => {
            let last_n = last_n?;
            let live_n = normalize(live, id);
            out.before = Some(project(&live_n, &last_n, Some(&last_n), Unnamed::Skip, false));
            if is_kept(last) {
                out.kept = true;
            } else {
                out.change = ChangeKind::Remove;
            }
        }
        // In the cluster and in the manifest.
        (Some(Some(live)), Some(d)) => {
            let live_n = normalize(live, id);
            // The common case: the chart did not change this object.
            let same_manifest = last_n.as_ref().is_some_and(|l| deep_eq(l, &d, false));
            if let Some(result) = dry_run {
                out.exact = true;
                let after = normalize(result, id);
                if !deep_eq(&live_n, &after, false) {
                    out.change = ChangeKind::Modify;
                }
                out.before = Some(live_n.clone());
                out.after = Some(after);
            } else {
                let fields = match &last_n {
                    Some(l) if !same_manifest => union(&d, l),
                    _ => d.clone(),
                };
                // Compare first; build the projection only to show it.
                let same = project_eq(&live_n, &fields, &d, last_n.as_ref(), Unnamed::Skip, false);
                debug_assert_eq!(
                    same,
                    deep_eq(&project(&live_n, &fields, last_n.as_ref(), Unnamed::Skip, false), &d, false),
                    "project_eq agrees with project for {id}"
                );
                // Unchanged: the projection is the desired object (equal by the check above).
                let before = if same { d.clone() } else { project(&live_n, &fields, last_n.as_ref(), Unnamed::Skip, false) };
                if !same {
                    out.change = ChangeKind::Modify;
                }
                out.before = Some(before);
                out.after = Some(d.clone());
            }
            if let Some(l) = &last_n {
                let kept = if same_manifest { Some(l.clone()) } else { intersect(l, &d, false) };
                if let Some(kept) = kept {
                    let same = project_eq(&live_n, &kept, &kept, Some(l), Unnamed::KeepIfNotInReference, false);
                    if !same {
                        let seen = project(&live_n, &kept, Some(l), Unnamed::KeepIfNotInReference, false);
                        out.drift = Some(Drift::Modified { last: kept, live: seen });
                    } else {
                        debug_assert!(deep_eq(
                            &project(&live_n, &kept, Some(l), Unnamed::KeepIfNotInReference, false),
                            &kept,
                            false
                        ));
                    }
                }
            }
        }
    }
    Some(out)
}

/// Whether two bodies are one shared map (normalising it twice gives equal results).
fn same_map(a: &Value, b: &Value) -> bool {
    matches!((a, b), (Value::Map(x), Value::Map(y)) if x.ptr_eq(y))
}

fn is_kept(last: Option<&Object>) -> bool {
    last.and_then(|o| o.annotation(RESOURCE_POLICY)).is_some_and(|p| p.trim().eq_ignore_ascii_case("keep"))
}
