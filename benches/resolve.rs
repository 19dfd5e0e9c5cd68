//! Resolution benchmarks: `lock2nix_resolve::resolve` on top-1500, top-1000 and authentik for all
//! four Nix systems. Each lock is read once, outside the timed loop.
//!
//! On the Darwin systems some packages of the top-N locks have neither a fitting wheel nor an
//! sdist (the CUDA wheels the root asks for directly, torch on Intel macOS), so `resolve` would
//! stop at the first of them. To time the whole pipeline on every system, such packages get a
//! placeholder sdist before timing (the closure is unchanged; only their artifact differs).
//!
//! `cargo bench -p lock2nix-bench --bench resolve` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};
use lock2nix_lock::{read_lock, Lock, Sdist, SdistLocator, Source};
use lock2nix_resolve::{resolve, PythonVersion, Target};
use lock2nix_wheel::System;

const SYSTEMS: [System; 4] = [
    System::X86_64Linux,
    System::Aarch64Linux,
    System::X86_64Darwin,
    System::Aarch64Darwin,
];

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
        .join("uv.lock")
}

fn load(rel: &str) -> Lock {
    let path = fixture(rel);
    let mut lock = read_lock(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for p in &mut lock.packages {
        if p.sdist.is_none() && matches!(p.source, Source::Registry(_)) {
            p.sdist = Some(Sdist {
                locator: SdistLocator::Metadata,
                hash: None,
                size: None,
                upload_time: None,
            });
        }
    }
    lock
}

fn bench_resolve(c: &mut Criterion) {
    let mut group = c.benchmark_group("resolve");
    group.sample_size(20);
    for (rel, python) in [
        ("locks/top-1500", "3.12"),
        ("locks/top-1000", "3.12"),
        ("authentik", "3.13"),
    ] {
        let lock = load(rel);
        let label = rel.rsplit('/').next().unwrap_or(rel);
        for system in SYSTEMS {
            let mut target = Target::new(system, python.parse::<PythonVersion>().unwrap());
            target.all_groups = true;
            let n = resolve(&lock, &target)
                .unwrap_or_else(|e| panic!("{label} {system}: {e}"))
                .packages
                .len();
            group.bench_function(format!("{label}/{system}/{n}pkgs"), |b| {
                b.iter(|| resolve(black_box(&lock), black_box(&target)).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_resolve);
criterion_main!(benches);
