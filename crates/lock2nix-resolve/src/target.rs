//! Targets: a Nix system, a CPython version, roots, extras and groups, and the PEP 508 marker
//! environment they imply.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use lock2nix_lock::{GroupName, Lock};
use lock2nix_wheel::{System, TagPolicy};
use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerEnvironment, MarkerEnvironmentBuilder, PackageName};

use crate::ResolveError;

/// The CPython minor versions lock2nix targets, with the patch version used for
/// `python_full_version` (the one nixpkgs shipped for that interpreter when this table was last
/// updated; pass `X.Y.Z` to choose another).
pub const PYTHON_VERSIONS: [(u32, u32, u32); 5] = [
    (3, 10, 19),
    (3, 11, 14),
    (3, 12, 12),
    (3, 13, 9),
    (3, 14, 0),
];

/// A CPython version: `X.Y` (patch from [`PYTHON_VERSIONS`]) or `X.Y.Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PythonVersion {
    /// Major (3).
    pub major: u32,
    pub minor: u32,
    /// Patch, used for `python_full_version`.
    pub patch: u32,
}

impl PythonVersion {
    /// `X.Y` with the documented patch level.
    pub fn new(major: u32, minor: u32) -> Self {
        let patch = PYTHON_VERSIONS
            .iter()
            .find(|(a, b, _)| *a == major && *b == minor)
            .map_or(0, |(_, _, c)| *c);
        Self {
            major,
            minor,
            patch,
        }
    }

    /// `python_version`, e.g. `3.13`.
    pub fn short(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// `python_full_version`, e.g. `3.13.9`.
    pub fn full(&self) -> String {
        format!("{}.{}.{}", self.major, self.minor, self.patch)
    }

    /// The nixpkgs interpreter attribute, e.g. `python313`.
    pub fn nix_attr(&self) -> String {
        format!("python{}{}", self.major, self.minor)
    }

    /// The full version as a PEP 440 version.
    pub fn as_version(&self) -> Version {
        Version::new([
            u64::from(self.major),
            u64::from(self.minor),
            u64::from(self.patch),
        ])
    }

    /// The minor version of nixpkgs' `python3` (3.13 in nixpkgs 25.05 through 25.11): the default
    /// interpreter when the lock allows it and nothing else says otherwise.
    pub const NIXPKGS_PYTHON3: (u32, u32) = (3, 13);

    /// The full version used for `major.minor` when `requires-python` says nothing about it: the
    /// patch nixpkgs ships ([`PYTHON_VERSIONS`]) when `requires` allows it, else the allowed patch
    /// nearest to it (so `==3.12.8` gives 3.12.8 and `>=3.13.14,<3.14` gives 3.13.14); `None`
    /// when no patch of that minor is allowed.
    pub fn for_minor(
        major: u32,
        minor: u32,
        requires: Option<&pep440_rs::VersionSpecifiers>,
    ) -> Option<Self> {
        let shipped = Self::new(major, minor);
        let allowed = |v: &Self| requires.is_none_or(|rp| rp.contains(&v.as_version()));
        if allowed(&shipped) {
            return Some(shipped);
        }
        // the allowed patch nearest to the shipped one (lower first on ties)
        let at = |patch| Self {
            major,
            minor,
            patch,
        };
        (0..=shipped.patch.max(99))
            .filter(|&p| allowed(&at(p)))
            .min_by_key(|&p| (p.abs_diff(shipped.patch), p))
            .map(at)
    }

    /// The default interpreter for `lock`: the minor version `preferred` (nixpkgs' `python3`,
    /// from the nixpkgs index when it says, else [`PythonVersion::NIXPKGS_PYTHON3`]) when
    /// `requires-python` allows it, else the newest of [`PYTHON_VERSIONS`] it allows; the patch as
    /// [`PythonVersion::for_minor`] chooses it.
    pub fn default_for(lock: &Lock, preferred: Option<(u32, u32)>) -> Option<Self> {
        let rp = lock.requires_python.as_ref();
        let (major, minor) = preferred.unwrap_or(Self::NIXPKGS_PYTHON3);
        Self::for_minor(major, minor, rp).or_else(|| {
            PYTHON_VERSIONS
                .iter()
                .rev()
                .find_map(|(a, b, _)| Self::for_minor(*a, *b, rp))
        })
    }

    /// Every minor version of [`PYTHON_VERSIONS`] that `lock`'s `requires-python` allows, with
    /// the patch [`PythonVersion::for_minor`] chooses, newest first.
    pub fn allowed(lock: &Lock) -> Vec<Self> {
        PYTHON_VERSIONS
            .iter()
            .rev()
            .filter_map(|(a, b, _)| Self::for_minor(*a, *b, lock.requires_python.as_ref()))
            .collect()
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for PythonVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.trim().split('.').collect();
        let num = |p: &str| {
            p.parse::<u32>()
                .map_err(|_| format!("`{s}` is not a Python version like 3.13 or 3.13.2"))
        };
        match parts.as_slice() {
            [a, b] => Ok(Self::new(num(a)?, num(b)?)),
            [a, b, c] => Ok(Self {
                major: num(a)?,
                minor: num(b)?,
                patch: num(c)?,
            }),
            _ => Err(format!("`{s}` is not a Python version like 3.13 or 3.13.2")),
        }
    }
}

/// Whether wheels or sdists are preferred when both fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prefer {
    /// The best compatible wheel, else the sdist (uv's behaviour).
    #[default]
    Wheel,
    /// The sdist when there is one, else the best wheel.
    Sdist,
}

/// Packages that must not use a wheel (`no-binary`) or must not be built (`no-build`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageSet {
    /// Every package.
    pub all: bool,
    /// These packages.
    pub names: BTreeSet<PackageName>,
}

impl PackageSet {
    /// Does it hold `name`?
    pub fn contains(&self, name: &PackageName) -> bool {
        self.all || self.names.contains(name)
    }
}

/// What to resolve for.
#[derive(Debug, Clone)]
pub struct Target {
    /// The Nix system.
    pub system: System,
    /// The interpreter.
    pub python: PythonVersion,
    /// Root packages; empty means the workspace members (or the project).
    pub roots: Vec<PackageName>,
    /// Extras of the roots.
    pub extras: Vec<ExtraName>,
    /// Extras of the roots that environments choose ([`crate::environment`]): walked like
    /// `extras`, so that their packages are in the closure, but kept out of the roots'
    /// [`crate::ResolvedPackage::dependencies`] (they are in its `optional_dependencies`).
    pub environment_extras: Vec<ExtraName>,
    /// Dependency groups of the roots.
    pub groups: Vec<GroupName>,
    /// Every dependency group of the roots.
    pub all_groups: bool,
    /// Groups included where a root (or the workspace root's `[manifest.dependency-groups]`)
    /// defines them and skipped silently elsewhere: `uv sync`'s default groups (`dev`, or
    /// `tool.uv.default-groups`), which lock2nix leaves out unless asked.
    pub default_groups: Vec<GroupName>,
    /// Wheel or sdist first.
    pub prefer: Prefer,
    /// No wheels for these (from `tool.uv` and the command line).
    pub no_binary: PackageSet,
    /// No sdist builds for these.
    pub no_build: PackageSet,
    /// glibc and macOS assumptions for wheel tags.
    pub tag_policy: TagPolicy,
}

impl Target {
    /// A target with defaults for everything but the system and Python version.
    pub fn new(system: System, python: PythonVersion) -> Self {
        Self {
            system,
            python,
            roots: Vec::new(),
            extras: Vec::new(),
            environment_extras: Vec::new(),
            groups: Vec::new(),
            all_groups: false,
            default_groups: Vec::new(),
            prefer: Prefer::Wheel,
            no_binary: PackageSet::default(),
            no_build: PackageSet::default(),
            tag_policy: TagPolicy::default(),
        }
    }

    /// The PEP 508 marker environment of this target.
    pub fn marker_environment(&self) -> Result<MarkerEnvironment, ResolveError> {
        let short = self.python.short();
        let full = self.python.full();
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &full,
            os_name: self.system.os_name(),
            platform_machine: self.system.platform_machine(),
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: self.system.platform_system(),
            platform_version: "",
            python_full_version: &full,
            python_version: &short,
            sys_platform: self.system.sys_platform(),
        })
        .map_err(|e| ResolveError::Environment(e.to_string()))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} with CPython {}", self.system, self.python.full())
    }
}
