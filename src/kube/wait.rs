//! Waiting on the cluster: readiness of applied objects (`--wait`, helm's ready checker),
//! completion of hook Jobs and Pods, and deletion. Polls with GETs: a handful of objects per
//! release, and no watch connection to keep alive through proxies.

use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::{Cluster, KubeError, ObjectRef};

/// How often an unready object is read again.
const POLL: Duration = Duration::from_millis(400);

/// Whether an object is ready; `Err` when it can never become so (a failed Job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Not yet, and why (`1/2 replicas ready`).
    Pending(String),
}

fn int(obj: &Json, pointer: &str) -> Option<i64> {
    obj.pointer(pointer).and_then(Json::as_i64)
}

fn text<'a>(obj: &'a Json, pointer: &str) -> &'a str {
    obj.pointer(pointer).and_then(Json::as_str).unwrap_or("")
}

/// The status of a condition (`"True"`, `"False"`, …), `""` when absent.
fn condition<'a>(obj: &'a Json, kind: &str) -> (&'a str, &'a str) {
    let conds = obj.pointer("/status/conditions").and_then(Json::as_array);
    conds
        .and_then(|cs| cs.iter().find(|c| c.get("type").and_then(Json::as_str) == Some(kind)))
        .map(|c| (text(c, "/status"), c.get("message").and_then(Json::as_str).unwrap_or("")))
        .unwrap_or(("", ""))
}

/// `maxUnavailable` as an absolute count: an int, or a percentage of `replicas` rounded down
/// (Kubernetes rounds maxUnavailable down).
fn max_unavailable(v: Option<&Json>, replicas: i64, default_percent: i64) -> i64 {
    match v {
        Some(Json::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Json::String(s)) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(p) => replicas * p / 100,
            None => s.parse().unwrap_or(0),
        },
        _ => replicas * default_percent / 100,
    }
}

fn generation_observed(obj: &Json) -> bool {
    match (int(obj, "/metadata/generation"), int(obj, "/status/observedGeneration")) {
        (Some(g), Some(o)) => o >= g,
        (Some(_), None) => false,
        _ => true,
    }
}

/// helm's ready checker, per kind. Jobs count only with `wait_for_jobs`.
pub fn readiness(kind: &str, obj: &Json, wait_for_jobs: bool) -> Result<Readiness, String> {
    use Readiness::*;
    let pending = |s: String| Ok(Pending(s));
    match kind {
        "Pod" => match (text(obj, "/status/phase"), condition(obj, "Ready").0) {
            ("Succeeded", _) | (_, "True") => Ok(Ready),
            ("Failed", _) => Err(format!("pod failed: {}", text(obj, "/status/message"))),
            (phase, _) => pending(format!("pod is {}", if phase.is_empty() { "not scheduled" } else { phase })),
        },
        "Job" if wait_for_jobs => {
            if condition(obj, "Failed").0 == "True" {
                return Err(format!("job failed: {}", condition(obj, "Failed").1));
            }
            let completions = int(obj, "/spec/completions").unwrap_or(1);
            let succeeded = int(obj, "/status/succeeded").unwrap_or(0);
            if condition(obj, "Complete").0 == "True" || succeeded >= completions {
                Ok(Ready)
            } else {
                pending(format!("{succeeded}/{completions} completions"))
            }
        }
        "Deployment" => {
            if obj.pointer("/spec/paused").and_then(Json::as_bool) == Some(true) {
                return Ok(Ready);
            }
            if !generation_observed(obj) {
                return pending("generation not observed yet".into());
            }
            let replicas = int(obj, "/spec/replicas").unwrap_or(1);
            let updated = int(obj, "/status/updatedReplicas").unwrap_or(0);
            let ready = int(obj, "/status/readyReplicas").unwrap_or(0);
            let surge_free = max_unavailable(obj.pointer("/spec/strategy/rollingUpdate/maxUnavailable"), replicas, 25);
            let expected = if text(obj, "/spec/strategy/type") == "Recreate" { replicas } else { replicas - surge_free };
            if updated >= replicas && ready >= expected {
                Ok(Ready)
            } else {
                pending(format!("{ready}/{replicas} replicas ready, {updated} updated"))
            }
        }
        "StatefulSet" => {
            if text(obj, "/spec/updateStrategy/type") == "OnDelete" {
                return Ok(Ready);
            }
            if !generation_observed(obj) {
                return pending("generation not observed yet".into());
            }
            let replicas = int(obj, "/spec/replicas").unwrap_or(1);
            let partition = int(obj, "/spec/updateStrategy/rollingUpdate/partition").unwrap_or(0);
            let ready = int(obj, "/status/readyReplicas").unwrap_or(0);
            let updated = int(obj, "/status/updatedReplicas").unwrap_or(0);
            let revisions_agree = partition > 0 || text(obj, "/status/currentRevision") == text(obj, "/status/updateRevision");
            if ready >= replicas && updated >= replicas - partition && revisions_agree {
                Ok(Ready)
            } else {
                pending(format!("{ready}/{replicas} replicas ready, {updated} updated"))
            }
        }
        "DaemonSet" => {
            if text(obj, "/spec/updateStrategy/type") == "OnDelete" {
                return Ok(Ready);
            }
            if !generation_observed(obj) {
                return pending("generation not observed yet".into());
            }
            let desired = int(obj, "/status/desiredNumberScheduled").unwrap_or(0);
            let updated = int(obj, "/status/updatedNumberScheduled").unwrap_or(0);
            let ready = int(obj, "/status/numberReady").unwrap_or(0);
            // A DaemonSet's default maxUnavailable is 1.
            let unavailable = match obj.pointer("/spec/updateStrategy/rollingUpdate/maxUnavailable") {
                None => 1,
                v => max_unavailable(v, desired, 0),
            };
            if updated >= desired && ready >= desired - unavailable {
                Ok(Ready)
            } else {
                pending(format!("{ready}/{desired} pods ready"))
            }
        }
        "ReplicaSet" | "ReplicationController" => {
            let replicas = int(obj, "/spec/replicas").unwrap_or(1);
            let ready = int(obj, "/status/readyReplicas").unwrap_or(0);
            if generation_observed(obj) && ready >= replicas { Ok(Ready) } else { pending(format!("{ready}/{replicas} replicas ready")) }
        }
        "PersistentVolumeClaim" => match text(obj, "/status/phase") {
            "Bound" => Ok(Ready),
            phase => pending(format!("claim is {}", if phase.is_empty() { "Pending" } else { phase })),
        },
        "Service" => {
            let ty = text(obj, "/spec/type");
            if ty == "ExternalName" {
                return Ok(Ready);
            }
            if text(obj, "/spec/clusterIP").is_empty() {
                return pending("no cluster IP yet".into());
            }
            let ingress = obj.pointer("/status/loadBalancer/ingress").and_then(Json::as_array).is_some_and(|a| !a.is_empty());
            if ty == "LoadBalancer" && !ingress {
                return pending("load balancer has no ingress yet".into());
            }
            Ok(Ready)
        }
        "CustomResourceDefinition" => match condition(obj, "Established").0 {
            "True" => Ok(Ready),
            _ => pending("not established yet".into()),
        },
        _ => Ok(Ready),
    }
}

/// Whether a hook object has finished: Jobs complete, Pods succeed; other kinds are done once
/// created (helm waits on Jobs and Pods only).
pub fn hook_done(kind: &str, obj: &Json) -> Result<Readiness, String> {
    match kind {
        "Job" => readiness("Job", obj, true),
        "Pod" => match text(obj, "/status/phase") {
            "Succeeded" => Ok(Readiness::Ready),
            "Failed" => Err(format!("pod failed: {}", text(obj, "/status/message"))),
            phase => Ok(Readiness::Pending(format!("pod is {}", if phase.is_empty() { "Pending" } else { phase }))),
        },
        _ => Ok(Readiness::Ready),
    }
}

/// What a wait is for.
#[derive(Debug, Clone, Copy)]
pub struct WaitOptions {
    pub timeout: Duration,
    pub wait_for_jobs: bool,
}

impl Cluster {
    async fn read_json(&self, oref: &ObjectRef) -> Result<Option<Json>, KubeError> {
        Ok(self.get(oref).await?.and_then(|o| serde_json::to_value(o).ok()))
    }

    /// Waits until every object is ready (helm's `--wait`), naming the ones that are not when
    /// the time is up.
    pub async fn wait_ready(&self, refs: &[ObjectRef], opts: WaitOptions) -> Result<(), KubeError> {
        let deadline = Instant::now() + opts.timeout;
        let mut left: Vec<ObjectRef> = refs.to_vec();
        loop {
            let mut still = Vec::new();
            let mut why = Vec::new();
            for oref in &left {
                match self.read_json(oref).await? {
                    None => {
                        still.push(oref.clone());
                        why.push(format!("{oref}: not found"));
                    }
                    Some(obj) => match readiness(&oref.kind, &obj, opts.wait_for_jobs) {
                        Ok(Readiness::Ready) => {}
                        Ok(Readiness::Pending(reason)) => {
                            still.push(oref.clone());
                            why.push(format!("{oref}: {reason}"));
                        }
                        Err(reason) => return Err(KubeError::ObjectFailed { what: oref.to_string(), reason }),
                    },
                }
            }
            if still.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(KubeError::Timeout { waited: opts.timeout.as_secs(), what: why.join("; ") });
            }
            left = still;
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until a hook object has finished (Job complete, Pod succeeded).
    pub async fn wait_hook(&self, oref: &ObjectRef, timeout: Duration) -> Result<(), KubeError> {
        let deadline = Instant::now() + timeout;
        loop {
            let reason = match self.read_json(oref).await? {
                None => format!("{oref} not found"),
                Some(obj) => match hook_done(&oref.kind, &obj) {
                    Ok(Readiness::Ready) => return Ok(()),
                    Ok(Readiness::Pending(r)) => r,
                    Err(reason) => return Err(KubeError::ObjectFailed { what: oref.to_string(), reason }),
                },
            };
            if Instant::now() >= deadline {
                return Err(KubeError::Timeout { waited: timeout.as_secs(), what: format!("{oref}: {reason}") });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until every object is gone (helm's `uninstall --wait`: finalizers and background
    /// cleanup run on the server after the DELETE returns). Each time the set still present
    /// changes, a line naming it goes to `progress`; at the timeout the error names them.
    pub async fn wait_all_deleted(
        &self,
        refs: &[ObjectRef],
        timeout: Duration,
        progress: Option<&tokio::sync::mpsc::UnboundedSender<String>>,
    ) -> Result<(), KubeError> {
        let deadline = Instant::now() + timeout;
        let mut left: Vec<ObjectRef> = refs.to_vec();
        let mut shown = usize::MAX;
        loop {
            let mut still = Vec::new();
            for oref in &left {
                if self.get(oref).await?.is_some() {
                    still.push(oref.clone());
                }
            }
            if still.is_empty() {
                return Ok(());
            }
            if still.len() != shown {
                shown = still.len();
                if let Some(p) = progress {
                    let _ = p.send(deletion_progress(&still));
                }
            }
            if Instant::now() >= deadline {
                let names: Vec<String> = still.iter().map(ToString::to_string).collect();
                return Err(KubeError::Timeout { waited: timeout.as_secs(), what: format!("deletion of {}", names.join(", ")) });
            }
            left = still;
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until an object is gone (after a delete with finalizers or background cleanup).
    pub async fn wait_deleted(&self, oref: &ObjectRef, timeout: Duration) -> Result<(), KubeError> {
        let deadline = Instant::now() + timeout;
        while self.get(oref).await?.is_some() {
            if Instant::now() >= deadline {
                return Err(KubeError::Timeout { waited: timeout.as_secs(), what: format!("{oref}: still being deleted") });
            }
            tokio::time::sleep(POLL).await;
        }
        Ok(())
    }
}

/// `waiting for 2 objects to be deleted: Pod/a, ConfigMap/b` (the first three named).
fn deletion_progress(left: &[ObjectRef]) -> String {
    let named: Vec<String> = left.iter().take(3).map(|o| format!("{}/{}", o.kind, o.name)).collect();
    let more = if left.len() > 3 { format!(" and {} more", left.len() - 3) } else { String::new() };
    let noun = if left.len() == 1 { "object" } else { "objects" };
    format!("waiting for {} {noun} to be deleted: {}{more}", left.len(), named.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deletion_progress_names_what_is_left() {
        let r = |k: &str, n: &str| ObjectRef { api_version: "v1".into(), kind: k.into(), namespace: Some("x".into()), name: n.into() };
        assert_eq!(deletion_progress(&[r("Pod", "a")]), "waiting for 1 object to be deleted: Pod/a");
        let four = [r("Pod", "a"), r("ConfigMap", "b"), r("Secret", "c"), r("Service", "d")];
        assert_eq!(deletion_progress(&four), "waiting for 4 objects to be deleted: Pod/a, ConfigMap/b, Secret/c and 1 more");
    }

    #[test]
    fn deployments_are_ready_when_updated_and_available() {
        let d = json!({"metadata": {"generation": 2}, "spec": {"replicas": 2},
                       "status": {"observedGeneration": 2, "updatedReplicas": 2, "readyReplicas": 2}});
        assert_eq!(readiness("Deployment", &d, false), Ok(Readiness::Ready));
        let old = json!({"metadata": {"generation": 3}, "spec": {"replicas": 2},
                         "status": {"observedGeneration": 2, "updatedReplicas": 2, "readyReplicas": 2}});
        assert!(matches!(readiness("Deployment", &old, false), Ok(Readiness::Pending(_))));
        let half = json!({"metadata": {"generation": 1}, "spec": {"replicas": 4},
                          "status": {"observedGeneration": 1, "updatedReplicas": 4, "readyReplicas": 3}});
        // 25% of 4 may be unavailable, as helm allows
        assert_eq!(readiness("Deployment", &half, false), Ok(Readiness::Ready));
    }

    #[test]
    fn jobs_count_only_when_asked_and_failures_are_errors() {
        let running = json!({"spec": {}, "status": {}});
        assert_eq!(readiness("Job", &running, false), Ok(Readiness::Ready));
        assert!(matches!(readiness("Job", &running, true), Ok(Readiness::Pending(_))));
        let failed = json!({"status": {"conditions": [{"type": "Failed", "status": "True", "message": "BackoffLimitExceeded"}]}});
        assert!(hook_done("Job", &failed).unwrap_err().contains("BackoffLimitExceeded"));
        assert_eq!(hook_done("Pod", &json!({"status": {"phase": "Succeeded"}})), Ok(Readiness::Ready));
        assert_eq!(hook_done("ConfigMap", &json!({})), Ok(Readiness::Ready));
    }

    #[test]
    fn services_crds_and_claims() {
        assert!(matches!(readiness("Service", &json!({"spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.1"}}), false), Ok(Readiness::Pending(_))));
        assert_eq!(readiness("Service", &json!({"spec": {"clusterIP": "None"}}), false), Ok(Readiness::Ready));
        let crd = json!({"status": {"conditions": [{"type": "Established", "status": "True"}]}});
        assert_eq!(readiness("CustomResourceDefinition", &crd, false), Ok(Readiness::Ready));
        assert!(matches!(readiness("PersistentVolumeClaim", &json!({}), false), Ok(Readiness::Pending(_))));
    }
}
