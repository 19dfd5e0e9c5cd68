#![allow(dead_code)]
use std::path::PathBuf;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn authentik_tsv() -> PathBuf {
    repo().join("fixtures/nixpkgs-index/authentik-subset.tsv")
}

pub fn mini() -> PathBuf {
    repo().join("fixtures/nixpkgs-mini")
}

/// True when Nix tests should run; false (after printing why) when LOCK2NIX_SKIP_NIX_TESTS=1.
/// Panics when nix-instantiate is missing and skipping was not asked for.
pub fn nix_available(test: &str) -> bool {
    if std::env::var("LOCK2NIX_SKIP_NIX_TESTS").as_deref() == Ok("1") {
        eprintln!("{test}: skipped (LOCK2NIX_SKIP_NIX_TESTS=1)");
        return false;
    }
    let ok = std::process::Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "{test}: nix-instantiate is not available; install Debian's nix-bin or set LOCK2NIX_SKIP_NIX_TESTS=1"
    );
    true
}
