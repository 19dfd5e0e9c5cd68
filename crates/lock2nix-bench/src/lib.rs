//! Shared helpers for lock2nix's benchmarks (`benches/*.rs` at the repository root, run with
//! `cargo bench -p lock2nix-bench`).
//!
//! The benchmarks measure the pipeline stages on the real inputs in `fixtures/`; this crate
//! knows where those inputs are, so that every stage's benchmark (read, resolve, plan, emit,
//! translate) uses the same set, and it makes synthetic locks of any size for the scaling
//! benchmarks ([`synth::synth_project`], also the `lock2nix-synth` binary used by
//! `benches/compare.sh`), and a dense graph where every package depends on every other one
//! ([`dense::dense_project`], for `benches/dense.rs`).
//!
//! Public API: [`repo_root`], [`real_locks`] / [`RealLock`], and the [`synth`] module
//! ([`SynthSpec`], [`synth_project`], [`SynthProject`]), [`dense_project`].

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

pub mod dense;
pub mod synth;

pub use dense::dense_project;
pub use synth::{synth_project, SynthProject, SynthSpec};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A real lock of the fixtures: a label and the directory holding its `uv.lock` and
/// `pyproject.toml`.
#[derive(Debug, Clone)]
pub struct RealLock {
    /// Short name used as the benchmark id, e.g. `top-1000`.
    pub label: &'static str,
    /// The directory with `uv.lock`.
    pub dir: PathBuf,
}

impl RealLock {
    /// The `uv.lock` file.
    pub fn lock_path(&self) -> PathBuf {
        self.dir.join("uv.lock")
    }

    /// The lock's text. Panics with the path when the fixture is missing (benchmarks have no
    /// other way to report it).
    pub fn read_text(&self) -> String {
        let path = self.lock_path();
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }
}

/// Every real lock, smallest first: authentik (254 packages), workspace-mixed (41), top-300
/// (433), top-1000 (1,168), top-1500 (1,660).
pub fn real_locks() -> Vec<RealLock> {
    let fixtures = repo_root().join("fixtures");
    [
        ("workspace-mixed", "locks/workspace-mixed"),
        ("authentik", "authentik"),
        ("top-300", "locks/top-300"),
        ("top-1000", "locks/top-1000"),
        ("top-1500", "locks/top-1500"),
    ]
    .into_iter()
    .map(|(label, rel)| RealLock {
        label,
        dir: fixtures.join(rel),
    })
    .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_real_lock_exists() {
        for l in super::real_locks() {
            assert!(l.lock_path().is_file(), "{}", l.lock_path().display());
            assert!(l.dir.join("pyproject.toml").is_file());
        }
    }
}
