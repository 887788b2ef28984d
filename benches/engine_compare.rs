//! Side-by-side runner for scripts/bench-engine: renders the bench chart N times with
//! deployer's engine and prints one JSON line per measurement, the same shape the Go runner
//! (integration/oracle/bench) prints, so the script can put them side by side.
//!
//! Usage: cargo bench --bench engine_compare -- [--iterations N] [--warmup N] [--dump FILE]
//!
//! Measurements (per iteration):
//!   render  `Engine::render`: function map + parse + execute (as helm's `engine.Render`)
//!   parse   function map + parse of every template
//!   execute every manifest executed with the template set parsed once
//! `--dump FILE` writes the rendered templates as JSON (name → text) for the output check.

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn measure(name: &str, iterations: usize, warmup: usize, mut f: impl FnMut()) {
    for _ in 0..warmup {
        f();
    }
    let mut times: Vec<Duration> = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        f();
        times.push(start.elapsed());
    }
    times.sort();
    let ns = |d: Duration| d.as_nanos() as u64;
    let median = ns(times[times.len() / 2]);
    let mean = times.iter().map(|d| ns(*d)).sum::<u64>() / times.len() as u64;
    println!(
        "{{\"engine\":\"deployer\",\"mode\":\"{name}\",\"iterations\":{iterations},\"median_ns\":{median},\"min_ns\":{},\"p90_ns\":{},\"mean_ns\":{mean}}}",
        ns(times[0]),
        ns(times[(times.len() * 9 / 10).min(times.len() - 1)]),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let iterations: usize = arg(&args, "--iterations", 200).max(1);
    let warmup: usize = arg(&args, "--warmup", 10);
    let dump: Option<String> = arg(&args, "--dump", String::new()).into();
    let dir = args
        .iter()
        .position(|a| a == "--chart")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from)
        .unwrap_or_else(support::chart_dir);

    let texts = support::template_texts(&dir);
    let rs = support::renderables(&dir);
    if let Some(path) = dump.filter(|p| !p.is_empty()) {
        let rendered = support::render_full(&rs);
        std::fs::write(&path, serde_json::to_string_pretty(&rendered).unwrap()).expect("write dump");
    }

    measure("render", iterations, warmup, || {
        black_box(support::render_full(&rs));
    });
    measure("parse", iterations, warmup, || {
        black_box(support::parsed_set(&texts));
    });
    let set = support::parsed_set(&texts);
    measure("execute", iterations, warmup, || {
        black_box(support::execute_all(&set, &rs));
    });
}
