//! Scaling: read, resolve (four systems), plan, emit and the whole pipeline on synthetic locks of
//! 1k, 10k and 50k entries (`lock2nix_bench::synth`, seeded, CPython 3.12). Throughput is per lock
//! entry, so criterion's "elem/s" should stay about the same from 1k to 50k; a superlinear pass
//! shows up as a falling rate.
//!
//! `cargo bench -p lock2nix-bench --bench scale` (add `-- --quick` for a short run).

mod common;

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lock2nix_bench::{synth_project, SynthSpec};
use lock2nix_resolve::PythonVersion;

fn scale(c: &mut Criterion) {
    let python = PythonVersion::new(3, 12);
    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    for n in [1_000, 10_000, 50_000] {
        let project = synth_project(SynthSpec::new(n));
        let dir = std::env::temp_dir().join(format!("lock2nix-bench-synth-{n}"));
        project.write_to(&dir).expect("write the synthetic project");
        let lock = lock2nix_lock::parse_lock(&project.lock, Path::new("uv.lock")).expect("parses");
        let ws = lock2nix_lock::read_workspace(&dir).expect("workspace");
        let targets = common::targets(python, &common::SYSTEMS);
        let res = common::resolve_all(&lock, &targets);
        let plans = common::plan_all(&lock, Some(&ws), &res);
        group.throughput(Throughput::Elements(project.entries as u64));
        group.bench_function(format!("read/{n}"), |b| {
            b.iter(|| {
                lock2nix_lock::parse_lock(black_box(&project.lock), Path::new("uv.lock")).unwrap()
            })
        });
        group.bench_function(format!("resolve/{n}"), |b| {
            b.iter(|| common::resolve_all(black_box(&lock), &targets))
        });
        group.bench_function(format!("plan/{n}"), |b| {
            b.iter(|| common::plan_all(black_box(&lock), Some(&ws), &res))
        });
        group.bench_function(format!("emit/{n}"), |b| {
            b.iter(|| common::emit_all(black_box(&res), &plans))
        });
        group.bench_function(format!("translate/{n}"), |b| {
            b.iter(|| common::translate(black_box(&dir), python, &common::SYSTEMS))
        });
    }
    group.finish();
}

criterion_group!(benches, scale);
criterion_main!(benches);
