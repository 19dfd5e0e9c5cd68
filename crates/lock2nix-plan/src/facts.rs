//! What `lock2nix prefetch` found out about the lock's sources (the sidecar file), as the plan
//! reads it. The pipeline fills this from `lock2nix-fetch`'s `Sidecar`; the plan never reads files.

use std::collections::BTreeMap;

/// Which Nix fetcher a git hash was computed for. The hashes of the two differ whenever the
/// repository uses `export-ignore`/`export-subst`, so the overlay must use the recorded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GitFetcher {
    /// `fetchFromGitHub` (GitHub's archive of the commit).
    GitHub,
    /// `fetchgit` (a checkout without `.git`).
    Git,
}

/// A prefetched git source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitFact {
    /// SRI NAR hash.
    pub hash: String,
    /// The fetcher the hash is for.
    pub fetcher: GitFetcher,
}

/// A prefetched source distribution (or git tree): its declared build system and metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SdistFact {
    /// `[build-system] requires` (PEP 508 strings; PEP 517's default when none was declared).
    pub build_requires: Vec<String>,
    /// `build-backend`.
    pub build_backend: String,
    /// `Requires-Dist` from `PKG-INFO`, when the metadata is static.
    pub requires_dist: Option<Vec<String>>,
    /// The sdist's `Cargo.lock`, extracted next to the overlay.
    pub cargo_lock: Option<CargoLockFact>,
}

/// A `Cargo.lock` that `lock2nix prefetch` extracted from a Rust sdist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CargoLockFact {
    /// Its path relative to the overlay's directory (`/`-separated; may start with `../`).
    pub path: String,
    /// Its directory in the sdist (`cargoRoot`), when not the top.
    pub root: Option<String>,
    /// What `importCargoLock` cannot vendor from it without `outputHashes` (git dependencies,
    /// crates of other registries); non-empty means the overlay cannot vendor it.
    pub unsupported: Vec<String>,
}

/// Everything known from the sidecar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// `<repository url>#<commit>` → hash and fetcher.
    pub git: BTreeMap<String, GitFact>,
    /// sdist sha256 (hex, lower case) → facts.
    pub sdist: BTreeMap<String, SdistFact>,
    /// wheel sha256 (hex, lower case) → `Requires-Dist`.
    pub wheel_requires: BTreeMap<String, Vec<String>>,
    /// (`<repository url>#<commit>`, package directory: `.` or `a/b`) → the checkout's
    /// `[build-system] requires` there (PEP 517's default when it declares none).
    pub git_build_requires: BTreeMap<(String, String), Vec<String>>,
    /// The same keys → the `Cargo.lock` extracted for a Rust package directory.
    pub git_cargo_locks: BTreeMap<(String, String), CargoLockFact>,
}
