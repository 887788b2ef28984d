//! `deployer release …`: one release in the cluster, made by deployer or by helm.

use std::io::Write;

use super::{CliError, GlobalArgs, ReleaseCommand, exit};
use crate::kube::{ApplyOptions, Cluster, KubeTarget};
use crate::release::{self, DeployOptions, Release, ReleaseStore};

fn cluster_error(e: impl std::fmt::Display) -> CliError {
    CliError::Helm(e.to_string())
}

/// An operation's error; after Ctrl-C, one line saying what was stopped and in which state the
/// release is left (the process exits 130).
fn interrupted_or(left: &'static str) -> impl Fn(release::OpError) -> CliError {
    move |e| {
        if e.is_interrupted() && !matches!(e, release::OpError::LeftPending { .. }) {
            return CliError::Helm(format!("interrupted: in-flight requests cancelled; {left}"));
        }
        cluster_error(e)
    }
}

/// helm's time column: `2006-01-02 15:04:05.999999999 -0700 MST` (Go's `time.Time.String`).
fn show_time(rfc3339: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(t) => {
            let z = t.to_zoned(jiff::tz::TimeZone::UTC);
            let frac = match z.subsec_nanosecond() {
                0 => String::new(),
                n => format!(".{n:09}").trim_end_matches('0').to_string(),
            };
            format!("{}{frac} +0000 UTC", z.strftime("%Y-%m-%d %H:%M:%S"))
        }
        Err(_) => rfc3339.to_string(),
    }
}

/// `helm history`'s time: Go's `time.ANSIC` (`Mon Jan _2 15:04:05 2006`), where `helm list` prints
/// Go's default `String()` form.
fn show_time_ansic(rfc3339: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(t) => t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%a %b %e %H:%M:%S %Y").to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// Rows as helm's tables print them: every column (the last too) left-aligned and padded, then a tab.
fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..cols).map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{s:<w$}", w = widths[i]))
            .collect();
        out.push_str(&line.join("\t"));
        out.push('\n');
    }
    out
}

fn chart_column(r: &Release) -> String {
    format!("{}-{}", r.chart.name(), r.chart.version())
}

pub fn run(cmd: &ReleaseCommand, global: &GlobalArgs) -> Result<i32, CliError> {
    let rt = crate::kube::runtime()?;
    rt.block_on(run_async(cmd, global))
}

async fn run_async(cmd: &ReleaseCommand, global: &GlobalArgs) -> Result<i32, CliError> {
    let target = KubeTarget { kubeconfig: global.kubeconfig.clone(), context: global.kube_context.clone() };
    let cluster = Cluster::connect(&target).await.map_err(cluster_error)?;
    let namespace = global.namespace.clone().unwrap_or_else(|| cluster.default_namespace().to_string());
    let store = ReleaseStore::new(cluster.clone(), namespace.clone());
    let mut out = std::io::stdout().lock();
    match cmd {
        ReleaseCommand::List { all_namespaces, states } => {
            let ns = (!all_namespaces).then_some(namespace.as_str());
            let records = release::list_records(&cluster, ns).await.map_err(cluster_error)?;
            let filter = release::ListFilter {
                all: states.all,
                deployed: states.deployed,
                failed: states.failed,
                pending: states.pending,
                superseded: states.superseded,
                uninstalled: states.uninstalled,
                uninstalling: states.uninstalling,
            };
            let mut rows = vec![["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"]
                .map(String::from)
                .to_vec()];
            for r in release::list_view(records, filter) {
                rows.push(vec![
                    r.name.clone(),
                    r.namespace.clone(),
                    r.version.to_string(),
                    show_time(&r.info.last_deployed),
                    r.info.status.to_string(),
                    chart_column(&r),
                    r.chart.app_version().to_string(),
                ]);
            }
            out.write_all(table(&rows).as_bytes())?;
        }
        ReleaseCommand::History { name } => {
            let history = store.history(name).await.map_err(cluster_error)?;
            if history.is_empty() {
                return Err(CliError::Helm(format!("release: not found: {name:?} in namespace {namespace:?}")));
            }
            let mut rows = vec![["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"]
                .map(String::from)
                .to_vec()];
            for r in &history {
                rows.push(vec![
                    r.version.to_string(),
                    show_time_ansic(&r.info.last_deployed),
                    r.info.status.to_string(),
                    chart_column(r),
                    r.chart.app_version().to_string(),
                    r.info.description.clone(),
                ]);
            }
            out.write_all(table(&rows).as_bytes())?;
        }
        ReleaseCommand::Status { name } => {
            let r = store.last(name).await.map_err(cluster_error)?;
            writeln!(out, "NAME: {}", r.name)?;
            writeln!(out, "LAST DEPLOYED: {}", show_time(&r.info.last_deployed))?;
            writeln!(out, "NAMESPACE: {}", r.namespace)?;
            writeln!(out, "STATUS: {}", r.info.status)?;
            writeln!(out, "REVISION: {}", r.version)?;
            writeln!(out, "CHART: {}", chart_column(&r))?;
            if !r.info.description.is_empty() {
                writeln!(out, "DESCRIPTION: {}", r.info.description)?;
            }
            if !r.info.notes.is_empty() {
                writeln!(out, "NOTES:\n{}", r.info.notes.trim_end())?;
            }
        }
        ReleaseCommand::Manifest { name, revision } | ReleaseCommand::Values { name, revision } => {
            let r = match revision {
                Some(v) => store.get(name, *v).await,
                None => store.last(name).await,
            }
            .map_err(cluster_error)?;
            if matches!(cmd, ReleaseCommand::Manifest { .. }) {
                out.write_all(r.manifest.as_bytes())?;
            } else {
                writeln!(out, "USER-SUPPLIED VALUES:")?;
                out.write_all(r.config_yaml().as_bytes())?;
            }
        }
        ReleaseCommand::Rollback { name, revision, mutate } => {
            let opts = DeployOptions {
                apply: ApplyOptions {
                    field_manager: mutate.field_manager.clone(),
                    force_conflicts: mutate.force_conflicts,
                    dry_run: false,
                },
                history_max: mutate.history_max as usize,
                migrate_client_side: true,
                timeout: mutate.timeout.map_or(release::DEFAULT_TIMEOUT, std::time::Duration::from_secs),
                wait: mutate.wait.then(|| crate::kube::WaitOptions {
                    timeout: mutate.timeout.map_or(release::DEFAULT_TIMEOUT, std::time::Duration::from_secs),
                    wait_for_jobs: mutate.wait_for_jobs,
                }),
                cancel: Some(super::engine_cmd::cancel_on_ctrl_c()),
                ..DeployOptions::default()
            };
            let r = release::rollback(&store, name, *revision, &opts).await.map_err(interrupted_or("the rollback was recorded failed"))?;
            writeln!(out, "Rollback was a success! {} is now at revision {}.", r.name, r.version)?;
        }
        ReleaseCommand::Uninstall { name, keep_history, wait, timeout } => {
            let timeout = timeout.map_or(release::DEFAULT_TIMEOUT, std::time::Duration::from_secs);
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
            let opts = DeployOptions {
                timeout,
                wait_deleted: wait.then_some(timeout),
                progress: Some(tx),
                cancel: Some(super::engine_cmd::cancel_on_ctrl_c()),
                ..DeployOptions::default()
            };
            let uninstall = async move { release::uninstall_with(&store, name, *keep_history, &opts).await };
            let show = async {
                while let Some(line) = rx.recv().await {
                    if !global.quiet {
                        eprintln!("{name}: {line}");
                    }
                }
            };
            let (report, ()) = tokio::join!(uninstall, show);
            let report = report.map_err(interrupted_or("the release is left uninstalling: run the uninstall again"))?;
            if !report.kept.is_empty() {
                writeln!(out, "These resources were kept due to the resource policy:")?;
                for k in &report.kept {
                    writeln!(out, "[{}] {}", k.kind, k.name)?;
                }
                writeln!(out)?;
            }
            writeln!(out, "release \"{name}\" uninstalled")?;
        }
        ReleaseCommand::Unlock { name } => match store.unlock(name).await.map_err(cluster_error)? {
            Some(v) => writeln!(out, "release {name:?} revision {v} marked failed")?,
            None => writeln!(out, "release {name:?} has no pending operation")?,
        },
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_go_does() {
        assert_eq!(show_time("2026-11-23T19:27:29.408951384Z"), "2026-11-23 19:27:29.408951384 +0000 UTC");
        assert_eq!(show_time("2026-11-23T19:27:29.5Z"), "2026-11-23 19:27:29.5 +0000 UTC");
    }
}
