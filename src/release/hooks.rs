//! helm's chart hooks (`helm.sh/hook` annotations): for one event, the hooks in weight order
//! (then by name), each created, waited for (Jobs complete, Pods succeed; other kinds are done
//! once created) and deleted by its policies — `before-hook-creation` (the default when none is
//! given), `hook-succeeded`, `hook-failed`. Each hook's `last_run` is recorded in the release.

use std::time::Duration;

use super::record::{Hook, HookExecution, now};
use crate::kube::{ApplyOptions, Cluster, KubeError, ObjectRef, manifest_objects};

pub const BEFORE_HOOK_CREATION: &str = "before-hook-creation";
pub const HOOK_SUCCEEDED: &str = "hook-succeeded";
pub const HOOK_FAILED: &str = "hook-failed";

/// A hook that failed, naming the event, the hook and why.
#[derive(Debug, thiserror::Error)]
#[error("{event} hook {path} ({kind}/{name}) failed: {source}")]
pub struct HookError {
    pub event: String,
    pub path: String,
    pub kind: String,
    pub name: String,
    #[source]
    pub source: KubeError,
}

fn policies(hook: &Hook) -> Vec<String> {
    if hook.delete_policies.is_empty() {
        vec![BEFORE_HOOK_CREATION.to_string()]
    } else {
        hook.delete_policies.clone()
    }
}

/// Indices of the hooks for `event`, in the order helm runs them: by weight, then by name.
pub fn hooks_for<'a>(hooks: &'a [Hook], event: &str) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..hooks.len()).filter(|&i| hooks[i].events.iter().any(|e| e == event)).collect();
    idx.sort_by(|&a, &b| hooks[a].weight.cmp(&hooks[b].weight).then_with(|| hooks[a].name.cmp(&hooks[b].name)));
    idx
}

async fn hook_ref(cluster: &Cluster, hook: &Hook, namespace: &str) -> Result<(ObjectRef, serde_json::Value), KubeError> {
    let objects = manifest_objects(&hook.manifest).map_err(KubeError::InvalidObject)?;
    let body = objects
        .into_iter()
        .next()
        .ok_or_else(|| KubeError::InvalidObject(format!("hook {} renders no object", hook.path)))?;
    let (oref, _) = cluster.object_ref(&body, namespace).await?;
    Ok((oref, body))
}

async fn delete_and_wait(cluster: &Cluster, oref: &ObjectRef, timeout: Duration) -> Result<(), KubeError> {
    if cluster.delete(oref).await? {
        cluster.wait_deleted(oref, timeout).await?;
    }
    Ok(())
}

/// Runs the hooks of `event` in order, stopping at the first failure. `hooks` is the release's
/// list; each run hook's `last_run` is updated in place.
pub async fn run_hooks(
    cluster: &Cluster,
    namespace: &str,
    hooks: &mut [Hook],
    event: &str,
    timeout: Duration,
    field_manager: &str,
) -> Result<usize, HookError> {
    let order = hooks_for(hooks, event);
    for &i in &order {
        let hook = &mut hooks[i];
        let fail = |hook: &Hook, source: KubeError| HookError {
            event: event.into(),
            path: hook.path.clone(),
            kind: hook.kind.clone(),
            name: hook.name.clone(),
            source,
        };
        let (oref, body) = hook_ref(cluster, hook, namespace).await.map_err(|e| fail(hook, e))?;
        let pols = policies(hook);
        if pols.iter().any(|p| p == BEFORE_HOOK_CREATION) {
            delete_and_wait(cluster, &oref, timeout).await.map_err(|e| fail(hook, e))?;
        }
        hook.last_run = HookExecution { started_at: now(), completed_at: String::new(), phase: "Running".into() };
        // Hooks are owned by the release alone: take every field, whoever set it before.
        let apply = ApplyOptions { field_manager: field_manager.into(), force_conflicts: true, dry_run: false };
        let outcome = match cluster.apply(&body, namespace, &apply).await {
            Ok(_) => cluster.wait_hook(&oref, timeout).await,
            Err(e) => Err(e),
        };
        hook.last_run.completed_at = now();
        match outcome {
            Ok(()) => {
                hook.last_run.phase = "Succeeded".into();
                if pols.iter().any(|p| p == HOOK_SUCCEEDED) {
                    delete_and_wait(cluster, &oref, timeout).await.map_err(|e| fail(hook, e))?;
                }
            }
            Err(e) => {
                hook.last_run.phase = "Failed".into();
                if pols.iter().any(|p| p == HOOK_FAILED) {
                    let _ = delete_and_wait(cluster, &oref, timeout).await;
                }
                return Err(fail(hook, e));
            }
        }
    }
    Ok(order.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(name: &str, weight: i64, events: &[&str]) -> Hook {
        Hook { name: name.into(), weight, events: events.iter().map(|e| e.to_string()).collect(), ..Hook::default() }
    }

    #[test]
    fn hooks_run_by_weight_then_name() {
        let hooks = vec![
            hook("b", 0, &["pre-install"]),
            hook("a", 0, &["pre-install", "pre-upgrade"]),
            hook("z", -5, &["pre-install"]),
            hook("t", 0, &["test"]),
        ];
        assert_eq!(hooks_for(&hooks, "pre-install"), [2, 1, 0]);
        assert_eq!(hooks_for(&hooks, "pre-upgrade"), [1]);
        assert_eq!(hooks_for(&hooks, "post-install"), Vec::<usize>::new());
        assert_eq!(policies(&hooks[0]), [BEFORE_HOOK_CREATION]);
    }
}
