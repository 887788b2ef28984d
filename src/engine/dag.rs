//! Runs jobs in dependency order with bounded concurrency: a job starts once every job it
//! needs has succeeded; a job whose dependency failed or was skipped is skipped.

use futures::stream::{FuturesUnordered, StreamExt};
use std::future::Future;

/// How one job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEnd<T> {
    Done(T),
    Failed(String),
    /// Not run: a job it needs did not succeed (named).
    Skipped(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Running,
    Ok,
    NotOk,
}

/// Runs `job(i)` for every `i < deps.len()`, each after all of `deps[i]`, at most `concurrency`
/// at once (0: unbounded). `label(i)` names a job in skip messages. Returns one end per job.
pub async fn run<T, F, Fut>(deps: &[Vec<usize>], concurrency: usize, label: impl Fn(usize) -> String, job: F) -> Vec<JobEnd<T>>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let n = deps.len();
    let limit = if concurrency == 0 { usize::MAX } else { concurrency };
    let mut state = vec![State::Waiting; n];
    let mut ends: Vec<Option<JobEnd<T>>> = (0..n).map(|_| None).collect();
    let mut running = FuturesUnordered::new();
    loop {
        // Skip what can no longer run; start what is ready, in index order (the spec's order).
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..n {
                if state[i] != State::Waiting {
                    continue;
                }
                if let Some(&bad) = deps[i].iter().find(|&&d| state[d] == State::NotOk) {
                    state[i] = State::NotOk;
                    ends[i] = Some(JobEnd::Skipped(format!("{} did not succeed", label(bad))));
                    changed = true;
                }
            }
        }
        for i in 0..n {
            if running.len() >= limit {
                break;
            }
            if state[i] == State::Waiting && deps[i].iter().all(|&d| state[d] == State::Ok) {
                state[i] = State::Running;
                let fut = job(i);
                running.push(async move { (i, fut.await) });
            }
        }
        let Some((i, result)) = running.next().await else { break };
        match result {
            Ok(v) => {
                state[i] = State::Ok;
                ends[i] = Some(JobEnd::Done(v));
            }
            Err(e) => {
                state[i] = State::NotOk;
                ends[i] = Some(JobEnd::Failed(e));
            }
        }
    }
    // A cycle leaves jobs waiting forever; the spec rejects cycles, but say so rather than hang.
    ends.into_iter()
        .map(|e| e.unwrap_or_else(|| JobEnd::Skipped("a dependency cycle".into())))
        .collect()
}

/// The reverse graph: who needs each job (for uninstalling in reverse order).
pub fn reversed(deps: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); deps.len()];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            out[d].push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
    }

    #[test]
    fn order_concurrency_and_skips() {
        // 0 ← 1 ← 2, 3 independent, 4 needs 3 (which fails)
        let deps = vec![vec![], vec![0], vec![1], vec![], vec![3]];
        let log = Mutex::new(Vec::new());
        let peak = Mutex::new((0usize, 0usize));
        let ends = block_on(run(&deps, 2, |i| format!("r{i}"), |i| {
            let log = &log;
            let peak = &peak;
            async move {
                {
                    let mut p = peak.lock().unwrap();
                    p.0 += 1;
                    p.1 = p.1.max(p.0);
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                log.lock().unwrap().push(i);
                peak.lock().unwrap().0 -= 1;
                if i == 3 { Err("boom".to_string()) } else { Ok(i * 10) }
            }
        }));
        assert_eq!(ends[0], JobEnd::Done(0));
        assert_eq!(ends[2], JobEnd::Done(20));
        assert_eq!(ends[3], JobEnd::Failed("boom".into()));
        assert_eq!(ends[4], JobEnd::Skipped("r3 did not succeed".into()));
        let log = log.into_inner().unwrap();
        let pos = |x: usize| log.iter().position(|&y| y == x).unwrap();
        assert!(pos(0) < pos(1) && pos(1) < pos(2));
        assert!(!log.contains(&4));
        assert_eq!(peak.into_inner().unwrap().1, 2, "two independent jobs ran at once, never more");
        assert_eq!(reversed(&deps), vec![vec![1], vec![2], vec![], vec![4], vec![]]);
    }
}
