//! Criterion benchmarks of the template engine and YAML on the bench chart
//! (benches/fixtures/bench-chart: a common-style library of helpers and manifests using it):
//!
//! - `engine/parse`: function map + parsing every template into one set
//! - `engine/execute`: executing every manifest with the set parsed once (helm's loop)
//! - `engine/render`: a full `Engine::render` (what helm's `engine.Render` does)
//! - `yaml/parse_stream_5mb`: `parse_documents` of a ~5 MB stream of rendered manifests
//! - `yaml/to_yaml_large_values`: `toYaml` of a large values tree
//!
//! Run: `cargo bench --bench engine` (see benches/README.md).

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use deployer::value::{Map, Value};

fn engine(c: &mut Criterion) {
    let dir = support::chart_dir();
    let texts = support::template_texts(&dir);
    let rs = support::renderables(&dir);
    let set = support::parsed_set(&texts);
    let bytes = support::execute_all(&set, &rs);

    let mut g = c.benchmark_group("engine");
    g.sample_size(30).measurement_time(Duration::from_secs(8));
    g.bench_function("funcmap", |b| b.iter(|| black_box(support::new_set())));
    g.bench_function("parse", |b| b.iter(|| black_box(support::parsed_set(&texts))));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("execute", |b| b.iter(|| black_box(support::execute_all(&set, &rs))));
    g.bench_function("render", |b| b.iter(|| black_box(support::render_full(&rs))));
    g.finish();
}

/// A ~5 MB manifest stream: the bench chart's output, repeated with distinct names.
fn manifest_stream(target: usize) -> String {
    let rendered = support::render_full(&support::renderables(&support::chart_dir()));
    let one: String = rendered.values().map(|t| format!("---\n{}\n", t.trim_start_matches("\n---"))).collect();
    let mut out = String::with_capacity(target + one.len());
    let mut i = 0;
    while out.len() < target {
        out.push_str(&one.replace("rel-bench", &format!("rel{i}-bench")));
        i += 1;
    }
    out
}

/// A large values tree: the bench values with their `components` copied under 60 names.
fn large_values() -> Value {
    let dir = support::chart_dir();
    let values = deployer::yaml::parse_values(&std::fs::read_to_string(dir.join("values.yaml")).unwrap()).unwrap();
    let Value::Map(m) = &values else { panic!("values not a map") };
    let components = m.get("components").expect("components");
    let big = Map::new();
    for (k, v) in m.entries() {
        big.insert(k, v);
    }
    let copies = Map::new();
    for i in 0..60 {
        copies.insert(format!("copy{i:02}"), components.clone());
    }
    big.insert("components", Value::Map(copies));
    Value::Map(big)
}

fn yaml(c: &mut Criterion) {
    let stream = manifest_stream(5 << 20);
    let docs = deployer::yaml::parse_documents(&stream).expect("stream parses");
    let values = large_values();
    let emitted = deployer::yaml::to_yaml(&values);
    eprintln!(
        "yaml inputs: stream {} bytes, {} documents; values tree emits {} bytes",
        stream.len(),
        docs.len(),
        emitted.len()
    );

    let mut g = c.benchmark_group("yaml");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("parse_stream_5mb", |b| b.iter(|| black_box(deployer::yaml::parse_documents(&stream).unwrap())));
    g.throughput(Throughput::Bytes(emitted.len() as u64));
    g.bench_function("to_yaml_large_values", |b| b.iter(|| black_box(deployer::yaml::to_yaml(&values))));
    g.finish();
}

criterion_group!(benches, engine, yaml);
criterion_main!(benches);
