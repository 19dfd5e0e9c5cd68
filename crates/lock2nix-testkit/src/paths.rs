//! Where the repository, its fixtures and the shared real data live.

use std::path::{Path, PathBuf};

/// The environment variable that points at the `shared/` directory when it is not beside the repo.
pub const SHARED_ENV: &str = "LOCK2NIX_SHARED";

/// The repository root (the directory holding the workspace `Cargo.toml`).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest
        .parent()
        .and_then(Path::parent)
        .unwrap_or(manifest)
        .to_path_buf();
    root.canonicalize().unwrap_or(root)
}

/// `fixtures/<rel>` in the repository (not checked for existence: tests may create files there).
pub fn fixture(rel: impl AsRef<Path>) -> PathBuf {
    repo_root().join("fixtures").join(rel)
}

/// The nixpkgs stub directory, `fixtures/nixpkgs-stub`.
pub fn stub_dir() -> PathBuf {
    fixture("nixpkgs-stub")
}

/// The `shared/` directory: `$LOCK2NIX_SHARED` when set, else `shared/` beside the repository.
///
/// Returns `None` when neither holds a `fixtures/` directory.
pub fn shared_root() -> Option<PathBuf> {
    candidates()
        .into_iter()
        .find(|c| c.join("fixtures").is_dir())
}

fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(v) = std::env::var_os(SHARED_ENV) {
        if !v.is_empty() {
            out.push(PathBuf::from(v));
        }
    }
    if let Some(parent) = repo_root().parent() {
        out.push(parent.join("shared"));
    }
    out
}

/// `shared/fixtures/<rel>`, the read-only real data (authentik's uv.lock, big locks, the
/// nixpkgs index).
///
/// # Panics
/// When no `shared/fixtures` directory is found (names the places it looked and how to fix it),
/// or when `<rel>` does not exist in it: a test that needs real data must not silently pass.
pub fn shared_fixture(rel: impl AsRef<Path>) -> PathBuf {
    let rel = rel.as_ref();
    let Some(root) = shared_root() else {
        let looked: Vec<String> = candidates()
            .iter()
            .map(|c| c.join("fixtures").display().to_string())
            .collect();
        panic!(
            "shared fixtures not found (looked in: {}); put `shared/` beside the repository or set {SHARED_ENV}",
            looked.join(", ")
        );
    };
    let path = root.join("fixtures").join(rel);
    assert!(
        path.exists(),
        "shared fixture {} does not exist (shared root: {})",
        path.display(),
        root.display()
    );
    path
}
