//! When nixpkgs' version of a package is good enough to reuse.

use std::fmt;
use std::str::FromStr;

/// When nixpkgs' version is good enough to reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Policy {
    /// Only the same version (PEP 440 normalised).
    Exact,
    /// Any version that satisfies what every dependent in the closure asks of it; where a
    /// dependent's requirements are not known (no prefetched metadata), that edge counts as exact.
    #[default]
    Compatible,
    /// Whatever nixpkgs has (like nixpkgs' hand-written packages).
    Nixpkgs,
}

impl Policy {
    /// Every policy, in the order the documentation lists them.
    pub const ALL: [Policy; 3] = [Policy::Exact, Policy::Compatible, Policy::Nixpkgs];

    /// `exact`, `compatible` or `nixpkgs`.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Exact => "exact",
            Policy::Compatible => "compatible",
            Policy::Nixpkgs => "nixpkgs",
        }
    }
}

/// A policy name that is none of [`Policy::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown policy `{0}`: expected exact, compatible or nixpkgs")]
pub struct UnknownPolicy(pub String);

impl FromStr for Policy {
    type Err = UnknownPolicy;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Policy::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownPolicy(s.to_string()))
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
