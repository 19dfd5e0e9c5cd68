//! Every stage of `lock2nix translate` on every real lock: `read` (parse + validate from memory),
//! `resolve` (every system the lock resolves on: all four for authentik, top-300 and
//! workspace-mixed; the two Linux systems for top-1000/top-1500, whose Linux-only CUDA wheels have
//! no sdist), `plan`, `emit` (overlay text), and `translate` end to end (read from disk, workspace,
//! resolve, plan, emit). CPython 3.13 for authentik (its lock pins 3.13), 3.12 elsewhere.
//!
//! `cargo bench -p lock2nix-bench --bench pipeline` (add `-- --quick` for a short run).

mod common;

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lock2nix_bench::real_locks;
use lock2nix_resolve::PythonVersion;

fn pipeline(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    for real in real_locks() {
        let python: PythonVersion = if real.label == "authentik" {
            "3.13"
        } else {
            "3.12"
        }
        .parse()
        .expect("a Python version");
        let text = real.read_text();
        let lock = lock2nix_lock::parse_lock(&text, &real.lock_path()).expect("fixture parses");
        let ws = lock2nix_lock::read_workspace(&real.dir).expect("fixture workspace");
        let systems = common::resolvable(&lock, python);
        let targets = common::targets(python, &systems);
        let res = common::resolve_all(&lock, &targets);
        let plans = common::plan_all(&lock, Some(&ws), &res);
        let label = format!("{}/{}sys", real.label, systems.len());
        group.throughput(Throughput::Elements(lock.packages.len() as u64));
        group.bench_function(format!("read/{label}"), |b| {
            b.iter(|| lock2nix_lock::parse_lock(black_box(&text), Path::new("uv.lock")).unwrap())
        });
        group.bench_function(format!("resolve/{label}"), |b| {
            b.iter(|| common::resolve_all(black_box(&lock), &targets))
        });
        group.bench_function(format!("plan/{label}"), |b| {
            b.iter(|| common::plan_all(black_box(&lock), Some(&ws), &res))
        });
        group.bench_function(format!("emit/{label}"), |b| {
            b.iter(|| common::emit_all(black_box(&res), &plans))
        });
        group.bench_function(format!("translate/{label}"), |b| {
            b.iter(|| common::translate(black_box(&real.dir), python, &systems))
        });
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
