//! Reading benchmarks: `parse_lock` (parse + validate) on each real lock from text already in
//! memory, and `read_lock` from disk (open, read, UTF-8 check, parse, validate).
//!
//! `cargo bench -p lock2nix-bench --bench read` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lock2nix_bench::real_locks;

fn read(c: &mut Criterion) {
    let mut group = c.benchmark_group("read_lock");
    group.sample_size(20);
    for lock in real_locks() {
        let text = lock.read_text();
        let path = lock.lock_path();
        let packages = lock2nix_lock::parse_lock(&text, &path)
            .unwrap_or_else(|e| panic!("{e}"))
            .packages
            .len();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("memory/{}/{packages}pkgs", lock.label), |b| {
            b.iter(|| lock2nix_lock::parse_lock(black_box(&text), Path::new("uv.lock")).unwrap())
        });
        group.bench_function(format!("disk/{}/{packages}pkgs", lock.label), |b| {
            b.iter(|| lock2nix_lock::read_lock(black_box(&path)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
