//! The synthetic lock generator writes locks the reader accepts, that resolve on every system,
//! that have the shapes the benchmarks claim (forks, markers, extras, cycles, wheels), and that uv
//! itself reads (`uv export --frozen` lists exactly the generated entries).

use std::collections::BTreeSet;
use std::path::Path;

use lock2nix_bench::{synth_project, SynthSpec};
use lock2nix_resolve::{resolve, PythonVersion, Target};
use lock2nix_wheel::System;

#[test]
fn deterministic_and_sized() {
    let a = synth_project(SynthSpec::new(1000));
    let b = synth_project(SynthSpec::new(1000));
    assert_eq!(a.lock, b.lock);
    assert_eq!(a.pyproject, b.pyproject);
    assert_eq!(a.entries, 1000);
    let other = synth_project(SynthSpec {
        packages: 1000,
        seed: 7,
    });
    assert_ne!(a.lock, other.lock);
    assert_eq!(synth_project(SynthSpec::new(10_000)).entries, 10_000);
}

#[test]
fn reader_accepts_it_with_the_claimed_shapes() {
    let p = synth_project(SynthSpec::new(2000));
    let lock = lock2nix_lock::parse_lock(&p.lock, Path::new("uv.lock")).unwrap();
    assert_eq!(lock.packages.len(), p.entries);
    assert!(lock.warnings.is_empty(), "{:?}", lock.warnings);
    let forked = lock
        .packages
        .iter()
        .filter(|p| !p.resolution_markers.is_empty())
        .count();
    assert!(forked >= 2 * 50, "{forked} forked entries");
    let marked = lock
        .packages
        .iter()
        .flat_map(|p| &p.dependencies)
        .filter(|d| d.marker.is_some())
        .count();
    assert!(marked > 100, "{marked} edges with markers");
    let with_extras = lock
        .packages
        .iter()
        .filter(|p| !p.optional_dependencies.is_empty())
        .count();
    assert!(with_extras > 50, "{with_extras} packages with extras");
    let asks_extra = lock
        .packages
        .iter()
        .flat_map(|p| &p.dependencies)
        .filter(|d| !d.extras.is_empty())
        .count();
    assert!(asks_extra > 10, "{asks_extra} edges asking for extras");
    let wheels: usize = lock.packages.iter().map(|p| p.wheels.len()).sum();
    assert_eq!(wheels, p.wheels);
    assert!(wheels > 4 * p.entries, "{wheels} wheels");
    // the pyproject matches the root's metadata: no stale-lock warning
    let dir = tempfile::tempdir().unwrap();
    p.write_to(dir.path()).unwrap();
    let ws = lock2nix_lock::read_workspace(dir.path()).unwrap();
    let stale = lock2nix_lock::stale_warnings(&lock, &ws);
    assert!(stale.is_empty(), "{stale:?}");
}

#[test]
fn resolves_on_every_system_with_forks_and_cycles() {
    let p = synth_project(SynthSpec::new(3000));
    let lock = lock2nix_lock::parse_lock(&p.lock, Path::new("uv.lock")).unwrap();
    for python in [PythonVersion::new(3, 11), PythonVersion::new(3, 12)] {
        let mut sizes = BTreeSet::new();
        for system in System::ALL {
            let res = resolve(&lock, &Target::new(system, python))
                .unwrap_or_else(|e| panic!("{system} {python}: {e}"));
            assert!(!res.cycles.is_empty(), "{system}: no cycle");
            assert!(
                res.packages.len() > p.entries / 2,
                "{system}: {} packages",
                res.packages.len()
            );
            sizes.insert(res.packages.len());
            // one version per name, and the fork that fits the Python version
            for rp in &res.packages {
                let entry = &lock.packages[rp.id];
                for m in &entry.resolution_markers {
                    let old = m.raw.contains("< '3.12'");
                    assert_eq!(old, python.minor < 12, "{} {}", rp.name, m.raw);
                }
            }
        }
        // the markers make the closures differ between systems
        assert!(sizes.len() > 1, "{python}: {sizes:?}");
    }
}

#[test]
fn uv_reads_it() {
    if std::env::var_os("LOCK2NIX_SKIP_PY_TESTS").is_some_and(|v| v == "1") {
        eprintln!("skipped: LOCK2NIX_SKIP_PY_TESTS=1 (needs uv)");
        return;
    }
    let p = synth_project(SynthSpec::new(1500));
    let dir = tempfile::tempdir().unwrap();
    p.write_to(dir.path()).unwrap();
    let out = std::process::Command::new("uv")
        .args([
            "export",
            "--frozen",
            "--all-extras",
            "--format",
            "requirements-txt",
            "--no-hashes",
            "--no-header",
            "--no-annotate",
        ])
        .current_dir(dir.path())
        .output()
        .expect("uv is installed (pip install uv), or set LOCK2NIX_SKIP_PY_TESTS=1");
    assert!(
        out.status.success(),
        "uv export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(';').next())
        .map(|l| l.trim().to_string())
        .filter(|l| l.contains("=="))
        .collect();
    let lock = lock2nix_lock::parse_lock(&p.lock, Path::new("uv.lock")).unwrap();
    let entries: BTreeSet<String> = lock
        .packages
        .iter()
        .filter(|p| p.name.as_ref() != "synth-project")
        .map(|p| p.display_id())
        .collect();
    assert_eq!(exported, entries);
}
