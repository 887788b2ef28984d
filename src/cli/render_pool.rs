//! Renders the selected releases on a pool of threads. Values are `Rc`-shared Go-like maps that
//! stay on the thread that made them, so each extra worker reads the spec itself (about 0.1 ms
//! per release, against milliseconds to render one) and renders its share of the releases; only
//! the results, plain `Send` data, cross threads. Charts are resolved (fetched) once, before.

use std::path::PathBuf;

use crate::spec::State;

use super::CliError;

/// One release to render: where it is in the spec and its chart, already resolved.
#[derive(Debug, Clone)]
pub struct Job {
    pub state: usize,
    pub release: usize,
    pub namespace: String,
    pub chart: PathBuf,
}

/// Renders one job with the worker's spec and chart cache.
pub type RenderOne<'a, T> = dyn Fn(&[State], &Job, &mut super::chart_cache::ChartCache) -> Result<T, CliError> + Sync + 'a;

/// Fewer releases than this render on the calling thread alone (a second spec read would cost
/// more than it saves).
const MIN_PARALLEL: usize = 24;

/// Threads to render on: the CPUs, at most 4.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(4)
}

/// Renders every job, `render(states, job)`, job `i` on worker `i % threads`; the caller's
/// thread is worker 0 with `states`, the others call `load` first. Results in job order; the
/// first error in job order wins.
pub fn render_all<T: Send>(
    states: &[State],
    jobs: &[Job],
    threads: usize,
    load: &(dyn Fn() -> Result<Vec<State>, CliError> + Sync),
    render: &RenderOne<'_, T>,
) -> Result<Vec<T>, CliError> {
    let threads = if jobs.len() < MIN_PARALLEL { 1 } else { threads.max(1) };
    let share = |states: &[State], w: usize| -> Vec<(usize, Result<T, CliError>)> {
        let mut cache = super::chart_cache::ChartCache::default();
        let mut out = Vec::new();
        for (i, job) in jobs.iter().enumerate().skip(w).step_by(threads) {
            let r = render(states, job, &mut cache);
            let failed = r.is_err();
            out.push((i, r));
            if failed {
                break;
            }
        }
        out
    };
    let mut results: Vec<Option<Result<T, CliError>>> = (0..jobs.len()).map(|_| None).collect();
    let mut load_error = None;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads)
            .map(|w| {
                std::thread::Builder::new().stack_size(256 << 20).spawn_scoped(scope, move || -> Result<_, CliError> {
                    let states = load()?;
                    Ok(share(&states, w))
                })
            })
            .collect();
        for (i, r) in share(states, 0) {
            results[i] = Some(r);
        }
        for w in workers {
            match w.map_err(CliError::Output).and_then(|h| h.join().unwrap_or_else(|_| Err(CliError::Helm("rendering panicked".into())))) {
                Ok(rs) => {
                    for (i, r) in rs {
                        results[i] = Some(r);
                    }
                }
                Err(e) => load_error = load_error.take().or(Some(e)),
            }
        }
    });
    let mut out = Vec::with_capacity(jobs.len());
    for r in results {
        match r {
            Some(Ok(v)) => out.push(v),
            Some(Err(e)) => return Err(e),
            // A worker stopped at an earlier error of its own, or could not read the spec.
            None => return Err(load_error.take().unwrap_or_else(|| CliError::Helm("a release was not rendered".into()))),
        }
    }
    Ok(out)
}
