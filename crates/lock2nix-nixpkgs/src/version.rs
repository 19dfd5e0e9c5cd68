//! Comparing a locked PEP 440 version with a nixpkgs version string.

use std::str::FromStr;

use pep440_rs::Version;

/// Result of [`nixpkgs_version_matches`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionMatch {
    /// The versions are equal after PEP 440 normalisation (`1.0` == `1.0.0`, `1.0rc1` == `1.0.rc1`).
    Equal,
    /// nixpkgs has another PEP 440 version (the parsed nixpkgs version).
    Different(Version),
    /// The nixpkgs version is not a PEP 440 version (e.g. `unstable-2022-01-01`, `0-unstable-2024-05-01`).
    NotPep440,
}

/// Compares the lock's version with a raw nixpkgs version string.
///
/// Strings that mention `unstable` are always [`VersionMatch::NotPep440`]: nixpkgs uses
/// `unstable-YYYY-MM-DD` and `0-unstable-YYYY-MM-DD` for snapshots of unreleased code, which say nothing about
/// a PyPI release even when a lenient parser could read a number out of them.
pub fn nixpkgs_version_matches(lock_version: &Version, nixpkgs: &str) -> VersionMatch {
    let s = nixpkgs.trim();
    if s.is_empty() || s.to_ascii_lowercase().contains("unstable") {
        return VersionMatch::NotPep440;
    }
    match Version::from_str(s) {
        Ok(v) if &v == lock_version => VersionMatch::Equal,
        Ok(v) => VersionMatch::Different(v),
        Err(_) => VersionMatch::NotPep440,
    }
}
