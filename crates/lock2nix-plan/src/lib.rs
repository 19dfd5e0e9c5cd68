//! The translation plan: every decision about what the overlay does, made once.
//!
//! For each package of a [`Resolution`] the plan chooses an [`Action`] (the category shown to
//! people) and a [`Recipe`] (exactly what the overlay writes: the fetcher and hash of the source,
//! the build system and where it came from, native inputs, Rust vendoring, dependencies, the
//! configuration's customisation). `lock2nix-emit` renders recipes and decides nothing.
//!
//! | action | when | recipe |
//! |---|---|---|
//! | `reuse` | nixpkgs has the package and the [`Policy`] accepts its version, or it is a build-system bootstrap package | [`Recipe::Untouched`] or [`Recipe::Reuse`] (an alias, or the configuration's customisation) |
//! | `override` | nixpkgs' recipe at another version, and its features are known to survive a version swap | [`Recipe::Swap`]: `overridePythonAttrs` with the lock's version and sdist, `doCheck = false` |
//! | `build` | nixpkgs lacks it, or its recipe would not survive a swap, or it is a direct URL/file | [`Recipe::Fresh`] from the lock's wheel, sdist (with its Cargo.lock for Rust) or URL |
//! | `in-tree` | a workspace member or local directory | [`Recipe::Fresh`] from the project tree with its own build backend, or [`Recipe::Meta`] for a virtual project |
//! | `vcs` | a git source | [`Recipe::Fresh`] from `fetchFromGitHub`/`fetchgit` |
//!
//! Policies ([`Policy`]): `exact` (reuse only on equal PEP 440 versions), `compatible` (the
//! default: reuse when nixpkgs' version satisfies what every dependent in the closure requires;
//! requirements come from the lock for source trees and from prefetched metadata for registry
//! packages, and an edge whose requirement is not known counts as exact), `nixpkgs` (reuse
//! whenever nixpkgs has it). Policies can be set per package.
//!
//! Rules that hold under every policy:
//! - build-system bootstrap packages ([`BOOTSTRAP`]) are nixpkgs' own unless the configuration
//!   sets a policy for that package; a dependent whose requirement excludes nixpkgs' version is
//!   reported ([`Note`]);
//! - a version swap keeps nixpkgs' recipe only when the index knows its features and none blocks
//!   a swap ([`lock2nix_nixpkgs::RecipeFeatures::swap_blockers`]); otherwise the package gets a
//!   fresh derivation;
//! - packages that share a source in nixpkgs (a family: `psycopg` with `psycopg-c`,
//!   `opentelemetry-api` with `-sdk`) are swapped as one unit: if one member of the closure is
//!   not reused, every member of the closure gets a fresh derivation.

#![forbid(unsafe_code)]

pub mod custom;
mod decide;
pub mod env;
pub mod facts;
mod layout;
mod policy;
mod src;

use std::collections::BTreeMap;
use std::fmt;

use lock2nix_lock::Workspace;
use lock2nix_nixpkgs::Index;
use pep508_rs::PackageName;

pub use custom::{Copy, Customization, PackageCustom, Substitution, Value};
pub use decide::{build_requirement_attrs, plan, BOOTSTRAP, NATIVE_TOOLS};
pub use env::{
    check_env_name, plan_envs, resolution_target, resolve_for_envs, EditableMember, Env, EnvError,
    EnvOnSystem, EnvSpec, EnvSpecError,
};
pub use facts::{CargoLockFact, Facts, GitFact, GitFetcher, SdistFact};
pub use layout::{layout, Export, Layout, LayoutError, LayoutInputs, Mode, RESERVED};
pub use policy::{Policy, UnknownPolicy};
pub use src::{outside_lock_dir, store_name_for_url, Base, Src, SrcHash};

/// What the overlay does with one package (the category; [`Recipe`] has the detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// nixpkgs' package.
    Reuse,
    /// nixpkgs' recipe with the lock's version and sdist.
    Override,
    /// A fresh derivation from the lock's artifact.
    Build,
    /// A workspace member / local directory from the project tree.
    InTree,
    /// A git checkout.
    Vcs,
}

impl Action {
    /// Every action, in display order.
    pub const ALL: [Action; 5] = [
        Action::Reuse,
        Action::Override,
        Action::Build,
        Action::InTree,
        Action::Vcs,
    ];

    /// `reuse`, `override`, `build`, `in-tree` or `vcs`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Reuse => "reuse",
            Action::Override => "override",
            Action::Build => "build",
            Action::InTree => "in-tree",
            Action::Vcs => "vcs",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the configuration takes a package from instead of the lock's source (a fork, a
/// security backport, a vendored copy). The lock's dependency edges stay as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SrcOverride {
    /// A git repository at a full commit.
    Git {
        /// The repository URL (checked like a lock's git URL).
        url: String,
        /// The full commit.
        rev: String,
        /// A sub-directory holding the project.
        subdirectory: Option<String>,
    },
    /// An archive (sdist or wheel) at a URL, with its SRI hash.
    Url {
        /// The URL.
        url: String,
        /// The SRI hash.
        hash: String,
    },
    /// A directory or archive of the project, relative to the workspace root.
    Path {
        /// The path.
        path: String,
    },
}

/// A configured source with the version it carries and where it was configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSource {
    /// Where.
    pub source: SrcOverride,
    /// The version of the package at that source.
    pub version: String,
    /// `file:line` of the setting, for the plan's reason.
    pub origin: String,
}

/// Everything the plan reads besides the lock and the resolution.
#[derive(Debug, Clone, Default)]
pub struct PlanInputs<'a> {
    /// The nixpkgs index (none: nixpkgs is treated as having only the bootstrap packages).
    pub index: Option<&'a Index>,
    /// The default policy.
    pub policy: Policy,
    /// Per-package policies (the configuration's; a bootstrap package with one follows it).
    pub package_policy: BTreeMap<PackageName, Policy>,
    /// Per-package nixpkgs attribute names (the configuration's).
    pub attr_overrides: BTreeMap<String, String>,
    /// Per-package customisation (the configuration's).
    pub custom: BTreeMap<PackageName, Customization>,
    /// What `lock2nix prefetch` recorded.
    pub facts: Facts,
    /// The workspace (for in-tree build systems).
    pub workspace: Option<&'a Workspace>,
    /// Hosts whose git repositories are fetched as GitHub archives (default `github.com`).
    pub github_hosts: Vec<String>,
    /// Packages taken from another source than the lock's (the configuration's `src`).
    pub sources: BTreeMap<PackageName, PackageSource>,
    /// The lock's directory relative to the source root (`libs/app`), when known: project paths
    /// outside it are written from the source root ([`Base::SourceRoot`]).
    pub lock_dir: Option<String>,
}

/// nixpkgs' package for a lock package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NixpkgsRef {
    /// The attribute in the Python package set.
    pub attr: String,
    /// Its version, when the index knows it as a literal.
    pub version: Option<String>,
}

/// The dependency lists of a derivation written by the overlay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deps {
    /// `dependencies`: Python attributes, sorted by package name.
    pub dependencies: Vec<String>,
    /// `optional-dependencies`: extra → Python attributes (the extras active in the closure).
    pub optional: Vec<(String, Vec<String>)>,
    /// Dependencies left out to break a cycle (they still reach the environment through it).
    pub cut: Vec<String>,
    /// `pythonRemoveDeps`: the cut ones and the configuration's, sorted.
    pub remove: Vec<String>,
}

/// Where a build system came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuildSystemOrigin {
    /// The project's own `pyproject.toml` (a workspace member or local directory).
    Pyproject,
    /// `lock2nix prefetch` read it from the sdist or checkout.
    Prefetched,
    /// The configuration's `build-system` (nothing else was known).
    Configured,
    /// Nothing is known: PEP 517's default (setuptools) is assumed; a [`Note`] says so.
    Assumed,
}

/// How a fresh derivation builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Installs a wheel (`format = "wheel"`).
    Wheel,
    /// Builds a source tree with PEP 517 (`pyproject = true`).
    Pyproject {
        /// `build-system`: Python attributes (the configuration's included), sorted.
        build_system: Vec<String>,
        /// Where the build system came from.
        origin: BuildSystemOrigin,
        /// A sub-directory of the source to build in (`sourceRoot`).
        subdirectory: Option<String>,
    },
}

/// `cargoDeps` of a Rust sdist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CargoDeps {
    /// `rustPlatform.importCargoLock { lockFile = ./<path>; }`, the sdist's `Cargo.lock` that
    /// `lock2nix prefetch` extracted next to the overlay.
    Lock {
        /// Relative to the overlay's directory.
        path: String,
        /// `cargoRoot`: the lock's directory in the sdist, when not the top.
        root: Option<String>,
    },
    /// Not extracted yet (run `lock2nix prefetch`), or the sdist has none.
    Missing,
    /// The lock has crates `importCargoLock` cannot fetch without `outputHashes`, which
    /// lock2nix does not compute (one line each).
    Unsupported(Vec<String>),
}

/// A new derivation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fresh {
    /// `buildPythonApplication` instead of `buildPythonPackage`.
    pub application: bool,
    /// The source.
    pub src: Src,
    /// Wheel or PEP 517 build.
    pub format: Format,
    /// Dependencies.
    pub deps: Deps,
    /// The nixpkgs attribute path (in the Python set before the overlay: `lxml`, `psycopg.c`)
    /// whose `buildInputs` (native libraries) are carried over.
    pub carry_build_inputs_from: Option<String>,
    /// `nativeBuildInputs`: top-level attribute paths (`autoPatchelfHook`, `pkg-config`, …).
    pub native_build_inputs: Vec<String>,
    /// `buildInputs`: top-level attribute paths.
    pub build_inputs: Vec<String>,
    /// Rust vendoring.
    pub cargo: Option<CargoDeps>,
}

/// Exactly what the overlay writes for a package on one system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipe {
    /// nixpkgs' package under its own attribute, unchanged: no definition.
    Untouched,
    /// nixpkgs' package: an alias to another attribute, and/or the configuration's customisation.
    Reuse {
        /// nixpkgs' attribute.
        nixpkgs_attr: String,
    },
    /// `overridePythonAttrs` of nixpkgs' recipe with the lock's version, sdist and dependencies,
    /// `doCheck = false` (the sdist of another version may lack the recipe's tests).
    Swap {
        /// nixpkgs' attribute.
        nixpkgs_attr: String,
        /// The lock's sdist.
        src: Src,
        /// The lock's dependencies.
        deps: Deps,
    },
    /// A new derivation.
    Fresh(Fresh),
    /// A virtual project: `mkPythonMetaPackage` with its dependencies.
    Meta {
        /// Dependencies.
        deps: Deps,
    },
}

impl Recipe {
    /// The source, when the overlay fetches or copies one.
    pub fn src(&self) -> Option<&Src> {
        match self {
            Recipe::Swap { src, .. } => Some(src),
            Recipe::Fresh(f) => Some(&f.src),
            _ => None,
        }
    }

    fn src_mut(&mut self) -> Option<&mut Src> {
        match self {
            Recipe::Swap { src, .. } => Some(src),
            Recipe::Fresh(f) => Some(&mut f.src),
            _ => None,
        }
    }
}

impl Plan {
    /// Does any source need the overlay's `sourceRoot` (a project path outside the lock's
    /// directory)?
    pub fn uses_source_root(&self) -> bool {
        self.packages.iter().any(|p| {
            matches!(
                p.recipe.src(),
                Some(
                    Src::File {
                        base: Base::SourceRoot,
                        ..
                    } | Src::Tree {
                        base: Base::SourceRoot,
                        ..
                    }
                )
            )
        })
    }
}

/// The decision for one package on one system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPackage {
    /// Index into [`lock2nix_resolve::Resolution::packages`].
    pub index: usize,
    /// The PyPI name (normalised).
    pub name: PackageName,
    /// The attribute the overlay defines or uses in the Python package set (the normalised name).
    pub attr: String,
    /// The lock's version (`0.0.0` for dynamic versions).
    pub version: String,
    /// The version the derivation carries (the configuration may stamp another).
    pub derivation_version: String,
    /// nixpkgs' package, when the index has one.
    pub nixpkgs: Option<NixpkgsRef>,
    /// The category.
    pub action: Action,
    /// What the overlay writes.
    pub recipe: Recipe,
    /// Why.
    pub reason: String,
    /// The configuration's customisation still to render (list attributes a fresh derivation
    /// merged into its recipe are taken out).
    pub custom: PackageCustom,
}

impl PlannedPackage {
    /// nixpkgs' attribute, when the index has one.
    pub fn nixpkgs_attr(&self) -> Option<&str> {
        self.nixpkgs.as_ref().map(|n| n.attr.as_str())
    }

    /// nixpkgs' version, when known.
    pub fn nixpkgs_version(&self) -> Option<&str> {
        self.nixpkgs.as_ref().and_then(|n| n.version.as_deref())
    }

    /// Whether `other` is the same decision: everything but `index` (which points into each
    /// system's own resolution) is equal, so both render to the same definition.
    pub fn same_decision(&self, other: &Self) -> bool {
        let Self {
            index: _,
            name,
            attr,
            version,
            derivation_version,
            nixpkgs,
            action,
            recipe,
            reason,
            custom,
        } = self;
        *name == other.name
            && *attr == other.attr
            && *version == other.version
            && *derivation_version == other.derivation_version
            && *nixpkgs == other.nixpkgs
            && *action == other.action
            && *recipe == other.recipe
            && *reason == other.reason
            && *custom == other.custom
    }

    /// For a version swap (nixpkgs has the package at another version and it is not reused):
    /// how the lock's version is built.
    pub fn swap_strategy(&self) -> Option<&'static str> {
        let differs = self
            .nixpkgs
            .as_ref()
            .is_some_and(|n| n.version.as_deref() != Some(self.version.as_str()));
        match (&self.recipe, differs) {
            (Recipe::Swap { .. }, _) => Some("override nixpkgs' recipe"),
            (Recipe::Fresh(f), true) if self.action == Action::Build => Some(match &f.format {
                Format::Wheel => "fresh from the lock's wheel",
                Format::Pyproject { .. } if f.cargo.is_some() => {
                    "fresh from the lock's sdist (Rust, vendored from its Cargo.lock)"
                }
                Format::Pyproject { .. } => "fresh from the lock's sdist",
            }),
            _ => None,
        }
    }
}

/// Something the plan found that the user should know (printed once, one line).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Note {
    /// A dependent's requirement excludes the version of a bootstrap package that nixpkgs has.
    BootstrapMismatch {
        /// The bootstrap package.
        package: String,
        /// nixpkgs' version.
        nixpkgs_version: String,
        /// Who asks what.
        requirement: String,
    },
    /// Sources built with an assumed build system (setuptools).
    AssumedBuildSystem {
        /// The packages.
        packages: Vec<String>,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::BootstrapMismatch {
                package,
                nixpkgs_version,
                requirement,
            } => write!(
                f,
                "{package} is nixpkgs' own ({nixpkgs_version}, a build-system bootstrap package) but {requirement}; set `[packages.{package}] policy = \"exact\"` in lock2nix.toml to build the lock's version"
            ),
            Note::AssumedBuildSystem { packages } => write!(
                f,
                "no build system is recorded for {} source(s) ({}): setuptools is assumed; `lock2nix prefetch` records the real ones",
                packages.len(),
                abbreviate(packages, 5)
            ),
        }
    }
}

fn abbreviate(items: &[String], n: usize) -> String {
    let mut s = items.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > n {
        s.push_str(&format!(", and {} more", items.len() - n));
    }
    s
}

/// The plan for one target.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The system it is for.
    pub system: lock2nix_wheel::System,
    /// The interpreter it is for.
    pub python: lock2nix_resolve::PythonVersion,
    /// One entry per resolved package, in the resolution's (name) order.
    pub packages: Vec<PlannedPackage>,
    /// The default policy used.
    pub policy: Policy,
    /// Findings to report.
    pub notes: Vec<Note>,
}

impl Plan {
    /// How many packages take each action.
    pub fn counts(&self) -> BTreeMap<Action, usize> {
        let mut counts: BTreeMap<Action, usize> = Action::ALL.iter().map(|a| (*a, 0)).collect();
        for p in &self.packages {
            *counts.entry(p.action).or_default() += 1;
        }
        counts
    }

    /// What the overlay would have to stand in for with `lib.fakeHash` (or a `throw` for
    /// `cargoDeps`), in plan order.
    pub fn missing(&self) -> Vec<Missing> {
        let mut out = Vec::new();
        for p in &self.packages {
            if let Some(src) = p.recipe.src() {
                if src.hash() == Some(&SrcHash::Missing) {
                    out.push(match src {
                        Src::GitHub { key, .. } | Src::Git { key, .. } => Missing::GitHash {
                            package: p.attr.clone(),
                            key: key.clone(),
                        },
                        other => Missing::FileHash {
                            package: p.attr.clone(),
                            url: other.describe(),
                        },
                    });
                }
            }
            if let Recipe::Fresh(Fresh {
                cargo: Some(cargo), ..
            }) = &p.recipe
            {
                match cargo {
                    CargoDeps::Missing => out.push(Missing::CargoLock {
                        package: p.attr.clone(),
                        version: p.version.clone(),
                    }),
                    CargoDeps::Unsupported(what) => out.push(Missing::CargoOutputHashes {
                        package: p.attr.clone(),
                        version: p.version.clone(),
                        crates: what.clone(),
                    }),
                    CargoDeps::Lock { .. } => {}
                }
            }
        }
        out
    }
}

/// Something the overlay needs that neither the lock nor the sidecar provides.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Missing {
    /// A git source `lock2nix prefetch` has not hashed.
    GitHash {
        /// The package.
        package: String,
        /// `<url>#<commit>`.
        key: String,
    },
    /// A file the lock gives no hash for.
    FileHash {
        /// The package.
        package: String,
        /// The URL or path.
        url: String,
    },
    /// A Rust sdist whose `Cargo.lock` `lock2nix prefetch` has not extracted.
    CargoLock {
        /// The package.
        package: String,
        /// Its version.
        version: String,
    },
    /// A Rust sdist whose `Cargo.lock` has crates `importCargoLock` needs `outputHashes` for.
    CargoOutputHashes {
        /// The package.
        package: String,
        /// Its version.
        version: String,
        /// The crates (git dependencies, other registries), one line each.
        crates: Vec<String>,
    },
}

impl Missing {
    /// What is missing, as the overlay's `lock2nixMissingHashes` lists it.
    pub fn what(&self) -> String {
        match self {
            Missing::GitHash { key, .. } => key.clone(),
            Missing::FileHash { url, .. } => url.clone(),
            Missing::CargoLock { package, version } => format!("{package} {version}: Cargo.lock"),
            Missing::CargoOutputHashes {
                package, version, ..
            } => format!("{package} {version}: Cargo.lock outputHashes"),
        }
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::GitHash { package, key } => {
                write!(f, "{package}: no hash is recorded for the git source {key}")
            }
            Missing::FileHash { package, url } => {
                write!(f, "{package}: the lock records no hash for {url}")
            }
            Missing::CargoLock { package, version } => {
                write!(
                    f,
                    "{package} {version}: the Rust sdist's Cargo.lock was not extracted"
                )
            }
            Missing::CargoOutputHashes {
                package,
                version,
                crates,
            } => {
                let shown: Vec<&str> = crates.iter().take(3).map(String::as_str).collect();
                write!(
                    f,
                    "{package} {version}: the Rust sdist's Cargo.lock has {} crate(s) importCargoLock cannot fetch without outputHashes, which lock2nix does not compute ({}{}); set the package's src or cargoDeps in lock2nix.toml",
                    crates.len(),
                    shown.join("; "),
                    if crates.len() > 3 { "; …" } else { "" }
                )
            }
        }
    }
}
