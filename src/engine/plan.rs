//! The plan as data: what `apply` will do to every selected release and object, built by a
//! pure function ([`build`]) from the rendered releases, their diffs and the live state's
//! resourceVersions. `diff --output json` prints it; `apply --plan FILE` reads it back,
//! [`check`]s it against the cluster as it is now and executes exactly its releases.
//!
//! Deterministic: releases in the spec's order (the `needs` DAG is carried as ids), objects in
//! the diff's order (helm-diff's key). Stable ids: a release is `namespace/name`, an object
//! `namespace/Kind.group/name` ([`ObjectId`]'s text), the same across runs.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::diff::UnitDiff;
use super::{Settings, SpecHook, Unit};
use crate::diff::{ChangeKind, ObjectId};
use crate::release::{ChartRecord, Desired, Hook, Status};

/// The plan format's version; a plan of another version is refused.
pub const PLAN_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub plan_version: u32,
    pub releases: Vec<ReleasePlan>,
}

/// What happens to a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Install,
    Upgrade,
    Uninstall,
    /// Nothing: no object changes and the last revision is deployed.
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleasePlan {
    /// `namespace/name`.
    pub id: String,
    pub release: String,
    pub namespace: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub action: Action,
    /// Ids of the releases this one needs (all in this plan).
    #[serde(default)]
    pub needs: Vec<String>,
    /// The latest revision when planned (`None`: no release yet).
    pub last_revision: Option<Revision>,
    /// helm-diff's JSON report of the release (as `diff --output json` printed before plans).
    pub changes: Vec<Entry>,
    pub drift: Vec<Entry>,
    pub summary: Summary,
    /// Every object of the last, desired and live states.
    pub objects: Vec<PlannedObject>,
    /// What apply deploys (`None` for `installed: false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<PlannedRelease>,
    pub settings: PlannedSettings,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<PlannedHook>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub version: u32,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub api: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub change: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub drift: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedObject {
    /// `namespace/Kind.group/name` (no namespace for cluster-scoped objects).
    pub id: String,
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub namespace: String,
    pub name: String,
    /// `ADD`, `MODIFY`, `REMOVE` or `UNCHANGED`.
    pub change: ChangeKind,
    /// The live object's resourceVersion when planned: `""` when it did not exist; absent when
    /// it was not looked up (a kind the server did not know then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_version: Option<String>,
}

/// [`Desired`] and the CRDs, as the plan carries them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRelease {
    pub chart: std::sync::Arc<ChartRecord>,
    pub config: serde_json::Value,
    pub manifest: String,
    #[serde(default)]
    pub hooks: Vec<Hook>,
    #[serde(default)]
    pub notes: String,
    /// The charts' `crds/` files: `[path, text]`.
    #[serde(default)]
    pub crds: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedSettings {
    pub wait: bool,
    pub wait_for_jobs: bool,
    pub timeout_seconds: u64,
    pub atomic: bool,
    pub history_max: usize,
    pub create_namespace: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedHook {
    pub events: Vec<String>,
    pub command: String,
    pub args: Vec<String>,
    pub show_logs: bool,
    pub dir: PathBuf,
}

/// Live resourceVersions by (context, object): what [`super::live::LiveState::versions`] gives.
/// An object of a kind that was listed but is absent has no entry; `listed` says which
/// (context, group, kind, namespace) were listed at all.
#[derive(Debug, Clone, Default)]
pub struct LiveVersions {
    pub versions: HashMap<(Option<String>, ObjectId), String>,
    pub listed: std::collections::HashSet<(Option<String>, String, String, String)>,
}

impl LiveVersions {
    /// `Some("")`: listed and absent; `None`: not looked up.
    pub fn of(&self, context: Option<&str>, id: &ObjectId) -> Option<String> {
        let ctx = context.map(str::to_string);
        if let Some(v) = self.versions.get(&(ctx.clone(), id.clone())) {
            return Some(v.clone());
        }
        self.listed
            .contains(&(ctx, id.group.clone(), id.kind.clone(), id.namespace.clone()))
            .then(String::new)
    }
}

fn entries(report: &[crate::diff::JsonEntry]) -> Vec<Entry> {
    report
        .iter()
        .map(|e| Entry { api: e.api.clone(), kind: e.kind.clone(), namespace: e.namespace.clone(), name: e.name.clone(), change: e.change.clone() })
        .collect()
}

/// The plan of `units` from their diffs (one per unit, same order) and the live versions.
pub fn build(units: &[Unit], diffs: &[&UnitDiff], live: &LiveVersions) -> Plan {
    let releases = units
        .iter()
        .zip(diffs)
        .map(|(u, d)| {
            let report = crate::diff::JsonReport::new(&d.diff);
            let c = report.summary;
            let action = match (&d.last, u.installed) {
                (Some(_), false) => Action::Uninstall,
                (None, false) => Action::None,
                _ if !d.needs_sync() => Action::None,
                (Some(r), true) if r.status != Status::Uninstalled => Action::Upgrade,
                _ => Action::Install,
            };
            let objects = d
                .diff
                .objects
                .iter()
                .map(|o| PlannedObject {
                    id: o.id.to_string(),
                    api_version: o.api_version.clone(),
                    kind: o.id.kind.clone(),
                    namespace: o.id.namespace.clone(),
                    name: o.id.name.clone(),
                    change: o.change,
                    live_version: live.of(u.context.as_deref(), &o.id),
                })
                .collect();
            ReleasePlan {
                id: u.id.clone(),
                release: u.name.clone(),
                namespace: u.namespace.clone(),
                context: u.context.clone(),
                action,
                needs: u.needs.iter().map(|&i| units[i].id.clone()).collect(),
                last_revision: d.last.as_ref().map(|r| Revision { version: r.version, status: r.status.as_str().to_string() }),
                changes: entries(&report.changes),
                drift: entries(&report.drift),
                summary: Summary { add: c.add, change: c.change, destroy: c.destroy, drift: c.drift },
                objects,
                desired: u.desired.as_ref().filter(|_| u.installed).map(|d| PlannedRelease {
                    chart: d.chart.clone(),
                    config: d.config.clone(),
                    manifest: d.manifest.clone(),
                    hooks: d.hooks.clone(),
                    notes: d.notes.clone(),
                    crds: u.crds.clone(),
                }),
                settings: PlannedSettings {
                    wait: u.settings.wait,
                    wait_for_jobs: u.settings.wait_for_jobs,
                    timeout_seconds: u.settings.timeout.as_secs(),
                    atomic: u.settings.atomic,
                    history_max: u.settings.history_max,
                    create_namespace: u.settings.create_namespace,
                },
                hooks: u
                    .hooks
                    .iter()
                    .map(|h| PlannedHook { events: h.events.clone(), command: h.command.clone(), args: h.args.clone(), show_logs: h.show_logs, dir: h.dir.clone() })
                    .collect(),
            }
        })
        .collect();
    Plan { plan_version: PLAN_VERSION, releases }
}

/// Why a saved plan cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{file}: not a plan: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: plan version {found}, this deployer reads version {PLAN_VERSION}")]
    Version { file: String, found: u32 },
    #[error("{file}: release {release:?} needs {need:?}, which is not in the plan")]
    UnknownNeed { file: String, release: String, need: String },
    #[error("the cluster changed since the plan was made; make a new plan:\n  {}", .0.join("\n  "))]
    Stale(Vec<String>),
}

impl Plan {
    /// Reads a plan written by `diff --output json`.
    pub fn parse(file: &str, text: &str) -> Result<Plan, PlanError> {
        let head: serde_json::Value = serde_json::from_str(text).map_err(|e| PlanError::Invalid { file: file.into(), message: e.to_string() })?;
        match head.get("planVersion").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(PLAN_VERSION) => {}
            Some(v) => return Err(PlanError::Version { file: file.into(), found: u32::try_from(v).unwrap_or(u32::MAX) }),
            None => return Err(PlanError::Invalid { file: file.into(), message: "no planVersion (write it with `diff --output json`)".into() }),
        }
        serde_json::from_value(head).map_err(|e| PlanError::Invalid { file: file.into(), message: e.to_string() })
    }

    /// The engine's units, and which of them apply must sync.
    pub fn units(&self, file: &str) -> Result<(Vec<Unit>, Vec<bool>), PlanError> {
        let index: BTreeMap<&str, usize> = self.releases.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
        let mut units = Vec::with_capacity(self.releases.len());
        for r in &self.releases {
            let mut needs = Vec::new();
            for n in &r.needs {
                let Some(&i) = index.get(n.as_str()) else {
                    return Err(PlanError::UnknownNeed { file: file.into(), release: r.id.clone(), need: n.clone() });
                };
                needs.push(i);
            }
            let s = &r.settings;
            units.push(Unit {
                id: r.id.clone(),
                name: r.release.clone(),
                namespace: r.namespace.clone(),
                context: r.context.clone(),
                needs,
                installed: r.desired.is_some(),
                desired: r.desired.as_ref().map(|d| Desired {
                    chart: d.chart.clone(),
                    config: d.config.clone(),
                    manifest: d.manifest.clone(),
                    hooks: d.hooks.clone(),
                    notes: d.notes.clone(),
                }),
                crds: r.desired.as_ref().map(|d| d.crds.clone()).unwrap_or_default(),
                settings: Settings {
                    wait: s.wait,
                    wait_for_jobs: s.wait_for_jobs,
                    timeout: Duration::from_secs(s.timeout_seconds),
                    atomic: s.atomic,
                    history_max: s.history_max,
                    create_namespace: s.create_namespace,
                    ..Settings::default()
                },
                hooks: r
                    .hooks
                    .iter()
                    .map(|h| SpecHook { events: h.events.clone(), command: h.command.clone(), args: h.args.clone(), show_logs: h.show_logs, dir: h.dir.clone() })
                    .collect(),
            });
        }
        let only = self.releases.iter().map(|r| r.action != Action::None).collect();
        Ok((units, only))
    }
}

/// What the cluster holds now, for [`check`]: per release id its latest revision, and the live
/// versions of the plan's objects.
#[derive(Debug, Clone, Default)]
pub struct Current {
    pub revisions: HashMap<String, Option<Revision>>,
    pub live: LiveVersions,
}

/// Refuses a plan when a release got a new revision or a planned object's resourceVersion moved
/// (created, changed or deleted) since the plan was made; each difference is one line.
pub fn check(plan: &Plan, now: &Current) -> Result<(), PlanError> {
    let mut stale = Vec::new();
    for r in &plan.releases {
        let current = now.revisions.get(&r.id).cloned().flatten();
        if current != r.last_revision {
            let show = |v: &Option<Revision>| v.as_ref().map_or("none".to_string(), |v| format!("{} ({})", v.version, v.status));
            stale.push(format!("release {}: last revision was {}, is {}", r.id, show(&r.last_revision), show(&current)));
        }
        for o in &r.objects {
            let Some(planned) = &o.live_version else { continue };
            let id = ObjectId { group: group_of(&o.api_version), kind: o.kind.clone(), namespace: o.namespace.clone(), name: o.name.clone() };
            let now_version = now.live.of(r.context.as_deref(), &id).unwrap_or_default();
            if &now_version != planned {
                let show = |v: &str| if v.is_empty() { "absent".to_string() } else { format!("resourceVersion {v}") };
                stale.push(format!("{}: was {}, is {}", o.id, show(planned), show(&now_version)));
            }
        }
    }
    if stale.is_empty() { Ok(()) } else { Err(PlanError::Stale(stale)) }
}

/// The API group of an apiVersion (`apps/v1` → `apps`, `v1` → ``).
pub fn group_of(api_version: &str) -> String {
    api_version.rsplit_once('/').map(|(g, _)| g.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{ReleaseInput, diff_release, parse_manifest};

    const CM: &str = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\ndata:\n  k: VALUE\n";

    fn unit(name: &str, needs: Vec<usize>, manifest: &str) -> Unit {
        Unit {
            id: format!("ns/{name}"),
            name: name.into(),
            namespace: "ns".into(),
            context: None,
            needs,
            installed: true,
            desired: Some(Desired {
                chart: std::sync::Arc::new(serde_json::from_value(serde_json::json!({"metadata": {"name": "c", "version": "1.0.0"}})).unwrap()),
                config: serde_json::json!({"k": "v"}),
                manifest: manifest.into(),
                hooks: Vec::new(),
                notes: String::new(),
            }),
            crds: Vec::new(),
            settings: Settings::default(),
            hooks: Vec::new(),
        }
    }

    /// A first install of `a` (absent live) and an unchanged `b` (live at version 7).
    fn fixture() -> (Vec<Unit>, Vec<UnitDiff>, LiveVersions) {
        let a = CM.replace("NAME", "a").replace("VALUE", "one");
        let b = CM.replace("NAME", "b").replace("VALUE", "two");
        let units = vec![unit("a", vec![], &a), unit("b", vec![0], &b)];
        let lookup = |_: &str, _: &str| None;
        let objs = |m: &str| parse_manifest("m", m, "ns", &lookup).unwrap();
        let live_b = crate::diff::value_from_json(&serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "b", "namespace": "ns", "resourceVersion": "7"}, "data": {"k": "two"}
        }));
        let diff_a = diff_release(&ReleaseInput {
            release: "a".into(),
            namespace: "ns".into(),
            desired: objs(&a),
            live: objs(&a).into_iter().map(|o| (o.id, None)).collect(),
            ..Default::default()
        });
        let diff_b = diff_release(&ReleaseInput {
            release: "b".into(),
            namespace: "ns".into(),
            last: objs(&b),
            desired: objs(&b),
            live: objs(&b).into_iter().map(|o| (o.id, Some(live_b.clone()))).collect(),
            ..Default::default()
        });
        let last_b = crate::engine::live::Head { version: 3, status: crate::release::Status::Deployed };
        let diffs = vec![
            UnitDiff { diff: diff_a, release_changes: true, last: None, text: None },
            UnitDiff { diff: diff_b, release_changes: false, last: Some(last_b), text: None },
        ];
        let mut live = LiveVersions::default();
        live.listed.insert((None, String::new(), "ConfigMap".into(), "ns".into()));
        live.versions.insert((None, ObjectId { group: String::new(), kind: "ConfigMap".into(), namespace: "ns".into(), name: "b".into() }), "7".into());
        (units, diffs, live)
    }

    #[test]
    fn plan_records_actions_needs_and_live_versions_and_round_trips() {
        let (units, diffs, live) = fixture();
        let refs: Vec<&UnitDiff> = diffs.iter().collect();
        let plan = build(&units, &refs, &live);
        assert_eq!(plan.releases[0].action, Action::Install);
        assert_eq!(plan.releases[1].action, Action::None);
        assert_eq!(plan.releases[1].needs, ["ns/a"]);
        assert_eq!(plan.releases[0].objects[0].id, "ns/ConfigMap/a");
        assert_eq!(plan.releases[0].objects[0].live_version.as_deref(), Some(""), "absent: empty version");
        assert_eq!(plan.releases[1].objects[0].live_version.as_deref(), Some("7"));
        assert_eq!(plan.releases[1].last_revision, Some(Revision { version: 3, status: "deployed".into() }));
        assert_eq!(plan.releases[0].summary.add, 1);
        let text = serde_json::to_string(&plan).unwrap();
        assert_eq!(text, serde_json::to_string(&build(&units, &refs, &live)).unwrap(), "deterministic");
        let back = Plan::parse("p.json", &text).unwrap();
        assert_eq!(back, plan);
        let (again, only) = back.units("p.json").unwrap();
        assert_eq!(only, [true, false]);
        assert_eq!(again[1].needs, [0]);
        assert_eq!(again[0].desired.as_ref().unwrap().manifest, units[0].desired.as_ref().unwrap().manifest);
    }

    #[test]
    fn check_refuses_moved_objects_and_revisions() {
        let (units, diffs, live) = fixture();
        let refs: Vec<&UnitDiff> = diffs.iter().collect();
        let plan = build(&units, &refs, &live);
        let revisions = HashMap::from([
            ("ns/a".to_string(), None),
            ("ns/b".to_string(), Some(Revision { version: 3, status: "deployed".into() })),
        ]);
        let now = Current { revisions: revisions.clone(), live: live.clone() };
        check(&plan, &now).unwrap();

        let mut moved = live.clone();
        let b = ObjectId { group: String::new(), kind: "ConfigMap".into(), namespace: "ns".into(), name: "b".into() };
        moved.versions.insert((None, b), "8".into());
        let a = ObjectId { group: String::new(), kind: "ConfigMap".into(), namespace: "ns".into(), name: "a".into() };
        moved.versions.insert((None, a), "9".into());
        let mut revs = revisions;
        revs.insert("ns/b".into(), Some(Revision { version: 4, status: "deployed".into() }));
        let err = check(&plan, &Current { revisions: revs, live: moved }).unwrap_err().to_string();
        assert!(err.contains("ns/ConfigMap/a: was absent, is resourceVersion 9"), "{err}");
        assert!(err.contains("ns/ConfigMap/b: was resourceVersion 7, is resourceVersion 8"), "{err}");
        assert!(err.contains("release ns/b: last revision was 3 (deployed), is 4 (deployed)"), "{err}");
    }

    #[test]
    fn parse_refuses_other_documents() {
        assert!(matches!(Plan::parse("f", "[]"), Err(PlanError::Invalid { .. })));
        assert!(matches!(Plan::parse("f", r#"{"planVersion": 9, "releases": []}"#), Err(PlanError::Version { found: 9, .. })));
        let plan = r#"{"planVersion": 1, "releases": [{"id": "ns/a", "release": "a", "namespace": "ns", "action": "none", "needs": ["ns/x"],
            "lastRevision": null, "changes": [], "drift": [], "summary": {"add": 0, "change": 0, "destroy": 0, "drift": 0}, "objects": [],
            "settings": {"wait": false, "waitForJobs": false, "timeoutSeconds": 300, "atomic": false, "historyMax": 10, "createNamespace": true}}]}"#;
        let parsed = Plan::parse("f", plan).unwrap();
        assert!(matches!(parsed.units("f"), Err(PlanError::UnknownNeed { .. })));
    }
}
