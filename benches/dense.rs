//! Dense dependency graphs: `n` packages that all depend on each other (one cycle with O(n²) cut
//! edges; `lock2nix_bench::dense`). Issue 19, item 7: cut edges were looked up in lists, so this
//! was O(n⁴) (500 packages: 12.9 s, 1,000: over two minutes); with a set it is linear in the
//! edges. Resolve, plan and emit for one system (CPython 3.12, x86_64-linux), and the whole
//! translate for all four.
//!
//! `cargo bench -p lock2nix-bench --bench dense` (add `-- --quick` for a short run).

mod common;

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lock2nix_bench::dense_project;
use lock2nix_resolve::PythonVersion;
use lock2nix_wheel::System;

fn dense(c: &mut Criterion) {
    let python = PythonVersion::new(3, 12);
    let mut group = c.benchmark_group("dense");
    group.sample_size(10);
    for n in [300, 1_000] {
        let project = dense_project(n);
        let dir = std::env::temp_dir().join(format!("lock2nix-bench-dense-{n}"));
        project.write_to(&dir).expect("write the dense project");
        let lock = lock2nix_lock::parse_lock(&project.lock, Path::new("uv.lock")).expect("parses");
        let ws = lock2nix_lock::read_workspace(&dir).expect("workspace");
        let one = common::targets(python, &[System::X86_64Linux]);
        let res = common::resolve_all(&lock, &one);
        assert_eq!(res[0].cycles.len(), 1, "one cycle through every package");
        let plans = common::plan_all(&lock, Some(&ws), &res);
        // per dependency edge
        group.throughput(Throughput::Elements(project.edges as u64));
        group.bench_function(format!("resolve/{n}"), |b| {
            b.iter(|| common::resolve_all(black_box(&lock), &one))
        });
        group.bench_function(format!("plan/{n}"), |b| {
            b.iter(|| common::plan_all(black_box(&lock), Some(&ws), &res))
        });
        group.bench_function(format!("emit/{n}"), |b| {
            b.iter(|| common::emit_all(black_box(&res), &plans))
        });
        group.bench_function(format!("translate-4-systems/{n}"), |b| {
            b.iter(|| common::translate(black_box(&dir), python, &common::SYSTEMS))
        });
    }
    group.finish();
}

criterion_group!(benches, dense);
criterion_main!(benches);
