//! Resolving a `uv.lock` for one target.
//!
//! A Nix package set holds one version per name, so before any Nix is written the lock is
//! resolved for a concrete [`Target`] (a Nix system and a CPython version, the roots, their extras
//! and dependency groups), the way `uv sync --frozen` installs it there:
//!
//! 1. the target must be inside `requires-python` and the lock's `supported-markers`; the chosen
//!    extras and groups must not include two that `conflicts` declares as conflicting
//!    ([`ResolveError::DeclaredConflict`], as uv refuses them);
//! 2. from the roots ([`root_ids`]: `--root` names, else the workspace members), edges are
//!    followed when their PEP 508 marker holds in the target's environment, with uv's synthetic
//!    conflict extras (`extra-<len>-<pkg>-<extra>`, `group-<len>-…`, `project-<len>-…`) set for
//!    the chosen projects, groups and every activated extra; `extra = [...]` on an edge activates
//!    the target's optional dependencies; this repeats until the set of synthetic extras stops
//!    growing (it only grows, so it always ends; a lock whose markers never mention `extra` is
//!    walked once);
//! 3. a name reached through two packages is an error naming both and the edges that chose them;
//! 4. each package gets one [`Artifact`]: the best wheel by tag priority, else the sdist (or the
//!    other way round with [`Prefer::Sdist`]), honouring `no-binary` and `no-build`; when nothing
//!    fits, [`ResolveError::NoArtifact`] lists every wheel with the reason it was rejected;
//! 5. the closure's cycles (of the packages' run-time dependency lists) are reported with the
//!    edges the emitter will cut (chosen deterministically), with a topological order
//!    (dependencies first); the closure also becomes a `petgraph` graph, for callers that walk it.
//!
//! The public API: [`resolve`] (`&Lock, &Target -> Result<Resolution, ResolveError>`; without the
//! graph: [`resolve_without_graph`]),
//! [`root_ids`], [`same_walk`], the synthetic-extra names
//! [`conflict_extra`], [`conflict_group`], [`conflict_project`], and the data types [`Target`],
//! [`PythonVersion`], [`Prefer`], [`PackageSet`], [`Resolution`], [`ResolvedPackage`], [`Edge`],
//! [`EdgeKind`], [`Artifact`], [`Cycle`]. Results never depend on the order of
//! the lock's packages.

#![forbid(unsafe_code)]
// `ResolveError` carries the whole explanation (names, targets, edges) as text; it is built once,
// on a path that ends resolution, so its size does not matter.
#![allow(clippy::result_large_err)]

mod artifact;
mod env;
mod graph;
mod target;
mod walk;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

use lock2nix_lock::{GroupName, Lock, PackageId, SourceKind};
use lock2nix_wheel::TargetTags;
use pep440_rs::Version;
use pep508_rs::{ExtraName, PackageName};
use petgraph::graph::DiGraph;

pub use artifact::{ArchiveKind, Artifact, Location, MacosNeed};
pub use env::{declared_extras, environment, same_walk, EnvClosure, EnvSelection};
pub use graph::Cycle;
/// The `petgraph` version [`Resolution::graph`] is built with, for callers that walk the graph.
pub use petgraph;
pub use target::{PackageSet, Prefer, PythonVersion, Target, PYTHON_VERSIONS};
pub use walk::EdgeFrom;

/// Why resolution failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The marker environment could not be built.
    #[error("cannot build the marker environment: {0}")]
    Environment(String),
    /// The Python version is outside `requires-python`.
    #[error("CPython {python} is outside the lock's requires-python `{requires_python}`; choose a version it allows with --python")]
    PythonNotAllowed {
        /// The version asked for.
        python: String,
        /// The lock's range.
        requires_python: String,
    },
    /// The target is outside `supported-markers`.
    #[error("{target} is outside the lock's supported environments ({markers}); the lock was made with `tool.uv.environments` that exclude it")]
    Unsupported {
        /// The target.
        target: String,
        /// The markers.
        markers: String,
    },
    /// A root is not in the lock.
    #[error("root package `{0}` is not in the lock")]
    UnknownRoot(String),
    /// The lock has no roots.
    #[error("the lock has no workspace members or project to start from; name a root with --root")]
    NoRoots,
    /// An extra was asked for that no root defines.
    #[error("no root package defines the extra `{extra}` (roots: {roots})")]
    UnknownExtra {
        /// The extra.
        extra: String,
        /// The roots.
        roots: String,
    },
    /// A group was asked for that no root defines.
    #[error("no root package defines the dependency group `{group}` (roots: {roots})")]
    UnknownGroup {
        /// The group.
        group: String,
        /// The roots.
        roots: String,
    },
    /// The chosen extras, groups or projects include two that the lock declares as conflicting
    /// (`tool.uv.conflicts`); uv refuses such a selection too.
    #[error("{items} are declared as conflicting in the lock (tool.uv.conflicts) and cannot be installed together; choose one of them")]
    DeclaredConflict {
        /// The chosen items of one conflict set, e.g. ``extra `old` of conflicted``.
        items: String,
    },
    /// An environment reaches a package that the resolution it is cut from does not hold (the
    /// resolution was made without the environment's extras and groups).
    #[error("the environment reaches {package}, which is not in the overlay's closure on {target}; resolve with the environment's extras and groups (lock2nix_plan::resolution_target)")]
    OutsideResolution {
        /// The package.
        package: String,
        /// The target.
        target: String,
    },
    /// Two packages of one name survive.
    #[error("two versions of `{name}` are both needed on {target}: {first} (via {first_edges}) and {second} (via {second_edges}); a Nix package set holds one version per name, so the lock is not installable here as is")]
    Conflict {
        /// The name.
        name: String,
        /// The target.
        target: String,
        /// The first package.
        first: String,
        /// Edges to it.
        first_edges: String,
        /// The second package.
        second: String,
        /// Edges to it.
        second_edges: String,
    },
    /// No artifact fits.
    #[error(
        "no artifact of {package} (from {registry}) fits {target}: {sdist}; rejected wheels: {}{}",
        summarize_rejected(rejected),
        macos.as_ref().map_or_else(String::new, |m| format!("; {m}"))
    )]
    NoArtifact {
        /// The package.
        package: String,
        /// The target.
        target: String,
        /// The registry.
        registry: String,
        /// Each wheel with the reason.
        rejected: Vec<String>,
        /// Why the sdist was not used.
        sdist: String,
        /// On Darwin: the wheel that would fit with the lowest newer deployment target.
        macos: Option<Box<MacosNeed>>,
    },
}

impl ResolveError {
    /// One short line: why the target does not resolve (for an overlay's header, where a system
    /// that was left out must be named with the reason).
    pub fn summary(&self) -> String {
        match self {
            ResolveError::NoArtifact { package, macos, .. } => match macos {
                Some(m) => format!(
                    "no artifact of {package} fits macOS {}.{} ({} needs {}.{})",
                    m.target.0, m.target.1, m.wheel, m.version.0, m.version.1
                ),
                None => format!("no wheel or buildable sdist of {package} fits"),
            },
            ResolveError::Conflict { name, .. } => {
                format!("two versions of {name} are needed together")
            }
            ResolveError::PythonNotAllowed {
                python,
                requires_python,
            } => format!("CPython {python} is outside requires-python `{requires_python}`"),
            ResolveError::Unsupported { .. } => {
                "outside the lock's tool.uv.environments".to_string()
            }
            other => other.to_string(),
        }
    }

    /// What would make the target resolve, when something lock2nix's settings or a re-lock can
    /// change would (for the `bySystem` throw of a left-out system: advice that works); `None`
    /// when the lock cannot be installed there as it is (e.g. no artifact at all for that system).
    pub fn advice(&self) -> Option<String> {
        match self {
            ResolveError::NoArtifact {
                macos: Some(m), ..
            } => Some(format!(
                "raise the macOS deployment target to {}.{} (`--macos-deployment-target {}.{}`, or `macos-deployment-target = \"{}.{}\"` under [target] in lock2nix.toml) and regenerate the overlay",
                m.version.0, m.version.1, m.version.0, m.version.1, m.version.0, m.version.1
            )),
            ResolveError::NoArtifact { package, sdist, .. } if sdist.contains("no-build") => {
                Some(format!(
                    "allow building {package} from its sdist (remove it from no-build-package) and regenerate the overlay"
                ))
            }
            ResolveError::PythonNotAllowed { .. } => Some(
                "translate with a Python the lock's requires-python allows (--python) and regenerate the overlay"
                    .to_string(),
            ),
            ResolveError::Unsupported { .. } => Some(
                "add this system's environment to tool.uv.environments, run `uv lock`, and regenerate the overlay"
                    .to_string(),
            ),
            ResolveError::DeclaredConflict { .. } => Some(
                "choose at most one of the conflicting extras or groups and regenerate the overlay"
                    .to_string(),
            ),
            _ => None,
        }
    }
}

/// At most five rejected wheels with their reasons, then a count of the rest.
fn summarize_rejected(rejected: &[String]) -> String {
    const SHOWN: usize = 5;
    if rejected.is_empty() {
        return "none in the lock".to_string();
    }
    let mut s = rejected
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if rejected.len() > SHOWN {
        s.push_str(&format!("; and {} more (`lock2nix resolve --format json` on another target lists the lock's wheels)", rejected.len() - SHOWN));
    }
    s
}

/// The kind of a graph edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// A normal dependency.
    Normal,
    /// A dependency that an extra of the source package brings in.
    Extra(ExtraName),
    /// A dependency from a dependency group of a root.
    Group(GroupName),
}

/// A graph edge: why a package depends on another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Normal, extra or group.
    pub kind: EdgeKind,
    /// The marker that held, as the lock wrote it.
    pub marker: Option<String>,
    /// Extras of the target that the edge activates.
    pub extras: Vec<ExtraName>,
}

/// A package of the resolved closure.
#[derive(Debug, Clone)]
pub struct ResolvedPackage {
    /// Its index in the lock.
    pub id: PackageId,
    pub name: PackageName,
    /// Version (`None` for dynamic-version source trees).
    pub version: Option<Version>,
    /// Source kind.
    pub source: SourceKind,
    /// The chosen artifact.
    pub artifact: Artifact,
    /// Extras of this package that are active in the closure.
    pub extras: BTreeSet<ExtraName>,
    /// What the package needs at run time on this target, as indices into
    /// [`Resolution::packages`]: its normal dependencies plus the dependencies of the extras it
    /// asks of them (and, for roots, of the extras chosen for them), sorted by name, without itself.
    pub dependencies: Vec<usize>,
    /// For each active extra of this package, what it adds.
    pub optional_dependencies: BTreeMap<ExtraName, Vec<usize>>,
    /// For roots, each chosen dependency group.
    pub group_dependencies: BTreeMap<GroupName, Vec<usize>>,
    /// Is it a root?
    pub is_root: bool,
}

impl ResolvedPackage {
    /// The version as text (`0.0.0` for dynamic versions).
    pub fn version_string(&self) -> String {
        self.version
            .as_ref()
            .map_or_else(|| "0.0.0".to_string(), version_text)
    }
}

/// `v.to_string()`, without the formatting machinery for a plain release (`1.2.3`).
fn version_text(v: &Version) -> String {
    let plain = v.epoch() == 0
        && v.pre().is_none()
        && v.post().is_none()
        && v.dev().is_none()
        && !v.is_local();
    if !plain {
        return v.to_string();
    }
    let mut s = String::with_capacity(4 * v.release().len());
    for (i, n) in v.release().iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        push_decimal(&mut s, *n);
    }
    s
}

/// Append `n` in decimal.
fn push_decimal(s: &mut String, mut n: u64) {
    // most release components are one digit
    if n < 10 {
        s.push(char::from(b'0' + n as u8));
        return;
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // (ASCII digits: always UTF-8; appended at once instead of a char at a time)
    if let Ok(text) = std::str::from_utf8(&digits[at..]) {
        s.push_str(text);
    }
}

/// The closure of a lock for one target.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub target: Target,
    /// The packages, sorted by name.
    pub packages: Vec<ResolvedPackage>,
    /// Indices of the roots.
    pub roots: Vec<usize>,
    /// The graph: node `i` is `packages[i]`; one edge per (from, to, kind). `None` when made by
    /// [`resolve_without_graph`].
    pub graph: Option<DiGraph<usize, Edge>>,
    /// Dependency cycles and the edges cut to break them.
    pub cycles: Vec<Cycle>,
    /// Packages in an order where dependencies come first (cut edges ignored).
    pub topo_order: Vec<usize>,
    /// What the lock's `[manifest] requirements` (requirements of the workspace itself, e.g. a
    /// script's) bring in on this target, extras expanded (indices into [`Resolution::packages`]).
    pub manifest_requirements: Vec<usize>,
    /// For each chosen dependency group of a workspace root that is not a project
    /// (`[manifest.dependency-groups]`), what it brings in, extras expanded; like a root's
    /// [`ResolvedPackage::group_dependencies`]. These packages are in [`Resolution::packages`] but
    /// no package depends on them for this reason: the overlay's environment for the workspace
    /// must add them itself.
    pub manifest_groups: BTreeMap<GroupName, Vec<usize>>,
    /// On Darwin: packages built from their sdist although one of their wheels would fit a newer
    /// macOS deployment target (index into [`Resolution::packages`], and that wheel).
    pub macos_fallbacks: Vec<(usize, MacosNeed)>,
    /// The cut edges of all [`Resolution::cycles`], for [`Resolution::is_cut`].
    cut_edges: graph::CutEdges,
}

impl Resolution {
    /// The index of the package named `name`.
    pub fn index_of(&self, name: &PackageName) -> Option<usize> {
        self.packages.binary_search_by(|p| p.name.cmp(name)).ok()
    }

    /// Is the edge `from → to` cut to break a cycle? (Constant time.)
    pub fn is_cut(&self, from: usize, to: usize) -> bool {
        self.cut_edges.contains(from, to)
    }
}

/// uv's synthetic extra for a conflicting extra: `extra-<len>-<package>-<extra>`.
pub fn conflict_extra(package: &PackageName, extra: &ExtraName) -> Option<ExtraName> {
    ExtraName::from_str(&format!(
        "extra-{}-{}-{}",
        package.as_ref().len(),
        package,
        extra
    ))
    .ok()
}

/// uv's synthetic extra for a dependency group: `group-<len>-<package>-<group>`.
pub fn conflict_group(package: &PackageName, group: &GroupName) -> Option<ExtraName> {
    ExtraName::from_str(&format!(
        "group-{}-{}-{}",
        package.as_ref().len(),
        package,
        group
    ))
    .ok()
}

/// uv's synthetic extra for a whole project: `project-<len>-<package>`.
pub fn conflict_project(package: &PackageName) -> Option<ExtraName> {
    ExtraName::from_str(&format!("project-{}-{}", package.as_ref().len(), package)).ok()
}

/// The roots for `target`: `--root` names, else the workspace members / the project.
///
/// A `--root` name with several lock entries (a fork by Python version or platform) resolves to
/// the entry whose `resolution-markers` hold for the target.
pub fn root_ids(lock: &Lock, target: &Target) -> Result<Vec<PackageId>, ResolveError> {
    if target.roots.is_empty() {
        let ids = lock.member_ids();
        if ids.is_empty() {
            return Err(ResolveError::NoRoots);
        }
        return Ok(ids);
    }
    let env = target.marker_environment()?;
    let mut ids = Vec::new();
    for name in &target.roots {
        let matches: Vec<PackageId> = lock.packages_named(name).map(|(i, _)| i).collect();
        if matches.is_empty() {
            return Err(ResolveError::UnknownRoot(name.to_string()));
        }
        // Several entries (uv forked on Python version or platform): the one whose
        // resolution-markers hold here; among those a source tree (the member), else the first.
        let fits: Vec<PackageId> = matches
            .iter()
            .copied()
            .filter(|&i| {
                let p = &lock.packages[i];
                p.resolution_markers.is_empty()
                    || p.resolution_markers
                        .iter()
                        .any(|m| m.tree.evaluate(&env, &[]))
            })
            .collect();
        let pool = if fits.is_empty() { &matches } else { &fits };
        ids.push(
            pool.iter()
                .copied()
                .find(|&i| lock.packages[i].source.is_source_tree())
                .unwrap_or(pool[0]),
        );
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// uv refuses to install two items of one `conflicts` set together; so do we, before walking.
fn check_declared_conflicts(
    lock: &Lock,
    roots: &[PackageId],
    root_extras: &BTreeMap<PackageId, Vec<ExtraName>>,
    root_groups: &BTreeMap<PackageId, Vec<GroupName>>,
) -> Result<(), ResolveError> {
    use lock2nix_lock::ConflictKind;
    for set in &lock.conflicts {
        let chosen: Vec<String> = set
            .iter()
            .filter(|item| {
                roots.iter().any(|&r| {
                    lock.packages[r].name == item.package
                        && match &item.kind {
                            ConflictKind::Extra(e) => {
                                root_extras.get(&r).is_some_and(|v| v.contains(e))
                            }
                            ConflictKind::Group(g) => {
                                root_groups.get(&r).is_some_and(|v| v.contains(g))
                            }
                            ConflictKind::Project => true,
                        }
                })
            })
            .map(|item| match &item.kind {
                ConflictKind::Extra(e) => format!("extra `{e}` of {}", item.package),
                ConflictKind::Group(g) => format!("group `{g}` of {}", item.package),
                ConflictKind::Project => format!("project {}", item.package),
            })
            .collect();
        if chosen.len() > 1 {
            return Err(ResolveError::DeclaredConflict {
                items: chosen.join(" and "),
            });
        }
    }
    Ok(())
}

/// What a target reaches in a lock before one version per name and one artifact per package
/// are required: the packages and the edges that hold. This is what `lock2nix why` explains,
/// also when [`resolve`] fails on the target.
#[derive(Debug)]
pub struct Reach<'a> {
    /// The roots (lock indices).
    pub roots: Vec<PackageId>,
    /// The chosen extras per root.
    pub root_extras: BTreeMap<PackageId, Vec<ExtraName>>,
    /// The chosen dependency groups per root.
    pub root_groups: BTreeMap<PackageId, Vec<GroupName>>,
    /// The chosen `[manifest.dependency-groups]` (groups of a workspace root that is not a project).
    pub manifest_groups: Vec<GroupName>,
    walk: walk::Walk<'a>,
}

/// One step of a [`Reach::paths_to`] path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachStep {
    /// The package (lock index).
    pub package: PackageId,
    /// The edge that led here (for the first step: the `[manifest]` entry that named it, or none
    /// for a root).
    pub edge: Option<Edge>,
}

impl Reach<'_> {
    /// Every reached package (lock index) with its active extras, in lock order.
    pub fn packages(&self) -> impl Iterator<Item = (PackageId, &BTreeSet<ExtraName>)> {
        self.walk.reached.iter()
    }

    /// Is the package (lock index) reached?
    pub fn contains(&self, id: PackageId) -> bool {
        self.walk.reached.contains(id)
    }

    /// Every edge that holds: from (a package, or the workspace root for `[manifest]` entries),
    /// to, and the edge.
    pub fn edges(&self) -> impl Iterator<Item = (EdgeFrom, PackageId, &Edge)> {
        self.walk.edges.iter().map(|(f, t, e)| (*f, *t, e))
    }

    /// Every shortest path (at most `limit`) from a root or a `[manifest]` entry to `target`, in
    /// lock order of the packages on it.
    pub fn paths_to(&self, target: PackageId, limit: usize) -> Vec<Vec<ReachStep>> {
        graph::reach_paths(self, target, limit)
    }
}

/// Follow `lock` from the roots of `target` (see [`resolve`], steps 1-2): validates the roots,
/// extras, groups and declared conflicts, but neither `requires-python` nor artifacts.
pub fn reach<'a>(lock: &'a Lock, target: &Target) -> Result<Reach<'a>, ResolveError> {
    reach_until(lock, target, Follow::All)
}

/// How far [`reach_until`] walks.
#[derive(Clone, Copy)]
pub(crate) enum Follow<'u> {
    /// Not at all: only the roots and the chosen extras and groups (which decide the walk).
    Nothing,
    /// Every edge that holds.
    All,
    /// Every edge that holds, keeping the first edges that reached each package (for the
    /// message of a [`ResolveError::Conflict`]).
    AllExplained,
    /// Until the first package reached (by lock index) that `unfit` calls unfit: a target
    /// that cannot be installed is given up on without following the rest of the lock
    /// ([`Walk::stopped_at`](walk::Walk) says where). `markers`: keep each edge's marker text
    /// in [`Edge::marker`] (else `None`: only the graph reads it).
    UntilUnfit {
        unfit: &'u dyn Fn(PackageId) -> bool,
        markers: bool,
    },
}

/// [`reach`], walking as far as `follow` says.
pub(crate) fn reach_until<'a>(
    lock: &'a Lock,
    target: &Target,
    follow: Follow<'_>,
) -> Result<Reach<'a>, ResolveError> {
    let env = target.marker_environment()?;
    let roots = root_ids(lock, target)?;
    let root_names = || {
        roots
            .iter()
            .map(|&r| lock.packages[r].name.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Chosen extras and groups, per root.
    let mut root_extras: BTreeMap<PackageId, Vec<ExtraName>> = BTreeMap::new();
    for extra in target.extras.iter().chain(&target.environment_extras) {
        let mut found = false;
        for &r in &roots {
            let p = &lock.packages[r];
            let declared = p.optional_dependencies.contains_key(extra)
                || p.metadata
                    .as_ref()
                    .is_some_and(|m| m.provides_extras.contains(extra));
            if declared {
                let e = root_extras.entry(r).or_default();
                if !e.contains(extra) {
                    e.push(extra.clone());
                }
                found = true;
            }
        }
        if !found {
            return Err(ResolveError::UnknownExtra {
                extra: extra.to_string(),
                roots: root_names(),
            });
        }
    }
    let mut root_groups: BTreeMap<PackageId, Vec<GroupName>> = BTreeMap::new();
    let mut manifest_groups: Vec<GroupName> = Vec::new();
    if target.all_groups {
        for &r in &roots {
            root_groups
                .entry(r)
                .or_default()
                .extend(lock.packages[r].dev_dependencies.keys().cloned());
        }
        manifest_groups.extend(lock.manifest.dependency_groups.keys().cloned());
    }
    let optional = target.default_groups.iter().map(|g| (g, false));
    for (group, required) in target.groups.iter().map(|g| (g, true)).chain(optional) {
        let mut found = false;
        for &r in &roots {
            if lock.packages[r].dev_dependencies.contains_key(group) {
                let g = root_groups.entry(r).or_default();
                if !g.contains(group) {
                    g.push(group.clone());
                }
                found = true;
            }
        }
        if lock.manifest.dependency_groups.contains_key(group) {
            if !manifest_groups.contains(group) {
                manifest_groups.push(group.clone());
            }
            found = true;
        }
        if !found && required {
            let mut roots = root_names();
            if !lock.manifest.dependency_groups.is_empty() {
                roots.push_str(", and the workspace root's groups ");
                roots.push_str(
                    &lock
                        .manifest
                        .dependency_groups
                        .keys()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
            return Err(ResolveError::UnknownGroup {
                group: group.to_string(),
                roots,
            });
        }
    }
    for g in root_groups.values_mut() {
        g.sort();
    }
    manifest_groups.sort();

    check_declared_conflicts(lock, &roots, &root_extras, &root_groups)?;

    let sel = walk::Selection {
        roots: &roots,
        root_extras: &root_extras,
        root_groups: &root_groups,
        manifest_groups: &manifest_groups,
    };
    let walk = match follow {
        Follow::Nothing => walk::Walk::default(),
        Follow::All => walk::walk(lock, &env, &sel, None, false, true)?,
        Follow::AllExplained => walk::walk(lock, &env, &sel, None, true, true)?,
        Follow::UntilUnfit { unfit, markers } => {
            walk::walk(lock, &env, &sel, Some(unfit), false, markers)?
        }
    };
    Ok(Reach {
        roots,
        root_extras,
        root_groups,
        manifest_groups,
        walk,
    })
}

/// Resolve `lock` for `target`.
pub fn resolve(lock: &Lock, target: &Target) -> Result<Resolution, ResolveError> {
    resolve_with(lock, target, true)
}

/// [`resolve`] without [`Resolution::graph`] (`None`), and
/// without copying the walk's edge markers for it: what planning and emitting read (the
/// packages' dependency lists, cycles and order are the same). Saves a copy of every edge.
pub fn resolve_without_graph(lock: &Lock, target: &Target) -> Result<Resolution, ResolveError> {
    resolve_with(lock, target, false)
}

/// [`resolve`]; `with_graph`: build [`Resolution::graph`] (else it is `None`).
fn resolve_with(
    lock: &Lock,
    target: &Target,
    with_graph: bool,
) -> Result<Resolution, ResolveError> {
    let env = target.marker_environment()?;
    if let Some(rp) = &lock.requires_python {
        if !rp.contains(&target.python.as_version()) {
            return Err(ResolveError::PythonNotAllowed {
                python: target.python.full(),
                requires_python: lock.requires_python_raw.clone().unwrap_or_default(),
            });
        }
    }
    if !lock.supported_markers.is_empty()
        && !lock
            .supported_markers
            .iter()
            .any(|m| m.tree.evaluate(&env, &[]))
    {
        return Err(ResolveError::Unsupported {
            target: target.to_string(),
            markers: lock
                .supported_markers
                .iter()
                .map(|m| m.raw.as_str())
                .collect::<Vec<_>>()
                .join(" | "),
        });
    }
    let tags = artifact::Tags::new(TargetTags::new(
        target.system,
        (target.python.major, target.python.minor),
        target.tag_policy,
    ));
    // The walk stops at the first package it reaches that no artifact fits (CUDA-only wheels on
    // Darwin) instead of following the whole lock only to fail below. Each package's best wheel
    // is found once, when first asked for.
    let best_wheels: Vec<std::cell::OnceCell<Option<usize>>> = (0..lock.packages.len())
        .map(|_| Default::default())
        .collect();
    let best = |id: PackageId| {
        *best_wheels[id].get_or_init(|| artifact::best_wheel(&lock.packages[id], target, &tags))
    };
    // (a usable sdist settles it without the best wheel, which a target that fails never needs;
    // found once per package: the walk asks on every edge to it)
    let fit: Vec<std::cell::OnceCell<bool>> = (0..lock.packages.len())
        .map(|_| Default::default())
        .collect();
    let unfit = |id: PackageId| {
        !*fit[id].get_or_init(|| artifact::has_artifact(&lock.packages[id], target, || best(id)))
    };
    let follow = Follow::UntilUnfit {
        unfit: &unfit,
        markers: with_graph,
    };
    let mut reached = reach_until(lock, target, follow)?;
    if let Some(id) = reached.walk.stopped_at {
        artifact::choose(&lock.packages[id], target, &tags, best(id))?;
        // (`has_artifact` and `choose` disagree: follow everything after all)
        reached = reach(lock, target)?;
    }
    let Reach {
        roots,
        root_extras,
        manifest_groups,
        walk,
        ..
    } = reached;

    // One package per name; `order` by name.
    let mut order: Vec<PackageId> = walk.reached.iter().map(|(id, _)| id).collect();
    order.sort_unstable_by(|&a, &b| {
        lock.packages[a]
            .name
            .cmp(&lock.packages[b].name)
            .then(a.cmp(&b))
    });
    if let Some((first, second)) = first_repeated(&order, |id| &lock.packages[id].name) {
        return Err(conflict(lock, target, first, second));
    }

    // Artifacts.
    // lock index → index in `packages` (a Vec: lock indices are dense)
    let mut index_of: Vec<Option<usize>> = vec![None; lock.packages.len()];
    for (i, &id) in order.iter().enumerate() {
        index_of[id] = Some(i);
    }
    let mut packages = Vec::with_capacity(order.len());
    let mut macos_fallbacks = Vec::new();
    for &id in &order {
        let p = &lock.packages[id];
        let artifact = artifact::choose(p, target, &tags, best(id))?;
        if target.system.is_darwin() && matches!(artifact, Artifact::Sdist { .. }) {
            if let Some(need) = artifact::macos_need(p, &tags) {
                macos_fallbacks.push((packages.len(), need));
            }
        }
        packages.push(ResolvedPackage {
            id,
            name: p.name.clone(),
            version: p.version.clone(),
            source: p.source.kind(),
            artifact,
            extras: reached_extras(&walk, id).clone(),
            dependencies: Vec::new(),
            optional_dependencies: BTreeMap::new(),
            group_dependencies: BTreeMap::new(),
            is_root: roots.contains(&id),
        });
    }

    // Flattened dependency lists.
    let out_edges = OutEdges {
        edges: &walk.edges,
        starts: &walk.from_starts,
    };
    let mut memo: HashMap<(PackageId, ExtraName), BTreeSet<PackageId>> = HashMap::new();
    // lock indices (with repeats, and maybe `skip`) → sorted indices into `packages` (sorted in
    // `scratch`, then copied into a list of their number)
    let mut scratch: Vec<usize> = Vec::new();
    let mut sorted_indices = |ids: &[PackageId], skip: PackageId| -> Vec<usize> {
        scratch.clear();
        scratch.extend(
            ids.iter()
                .filter(|&&d| d != skip)
                .filter_map(|&d| index_of[d]),
        );
        scratch.sort_unstable();
        scratch.dedup();
        scratch.as_slice().to_vec()
    };
    let mut deps: Vec<PackageId> = Vec::new();
    for (i, &id) in order.iter().enumerate() {
        deps.clear();
        let mut groups: BTreeMap<GroupName, Vec<PackageId>> = BTreeMap::new();
        for (to, edge) in out_edges.of(id) {
            // (expanded for every kind, in this order: `expand` memoises what it finds)
            let mut with_extras = Vec::new();
            for e in &edge.extras {
                with_extras.extend(expand(&out_edges, &mut memo, to, e, &mut Vec::new()));
            }
            let into = match &edge.kind {
                EdgeKind::Normal => &mut deps,
                EdgeKind::Extra(_) => continue,
                EdgeKind::Group(g) => groups.entry(g.clone()).or_default(),
            };
            into.push(to);
            into.append(&mut with_extras);
        }
        if let Some(extras) = root_extras.get(&id) {
            for e in extras.iter().filter(|e| target.extras.contains(e)) {
                deps.extend(expand(&out_edges, &mut memo, id, e, &mut Vec::new()));
            }
        }
        let mut optional = BTreeMap::new();
        for e in reached_extras(&walk, id) {
            let set: Vec<PackageId> = expand(&out_edges, &mut memo, id, e, &mut Vec::new())
                .into_iter()
                .collect();
            optional.insert(e.clone(), sorted_indices(&set, id));
        }
        packages[i].dependencies = sorted_indices(&deps, id);
        packages[i].optional_dependencies = optional;
        // (only roots have groups: no map built and dropped for every other package)
        if !groups.is_empty() {
            packages[i].group_dependencies = groups
                .into_iter()
                .map(|(g, s)| (g, sorted_indices(&s, id)))
                .collect();
        }
    }

    let root_indices: Vec<usize> = roots.iter().filter_map(|&r| index_of[r]).collect();
    // The workspace root's own requirements and chosen groups (`[manifest]`), flattened like a
    // root's groups.
    let mut manifest_sets: BTreeMap<Option<GroupName>, BTreeSet<PackageId>> = BTreeMap::new();
    for (to, edge) in out_edges.manifest() {
        let group = match &edge.kind {
            EdgeKind::Group(g) => Some(g.clone()),
            _ => None,
        };
        let set = manifest_sets.entry(group).or_default();
        set.insert(to);
        for e in &edge.extras {
            set.extend(expand(&out_edges, &mut memo, to, e, &mut Vec::new()));
        }
    }
    let to_indices = |set: &BTreeSet<PackageId>| -> Vec<usize> {
        let mut v: Vec<usize> = set.iter().filter_map(|&d| index_of[d]).collect();
        v.sort_unstable();
        v
    };
    let manifest_requirements = manifest_sets
        .get(&None)
        .map(&to_indices)
        .unwrap_or_default();
    let manifest_groups: BTreeMap<GroupName, Vec<usize>> = manifest_groups
        .iter()
        .map(|g| {
            (
                g.clone(),
                manifest_sets
                    .get(&Some(g.clone()))
                    .map(&to_indices)
                    .unwrap_or_default(),
            )
        })
        .collect();
    // The graph, last: it takes the walk's edges, which the lists above borrowed.
    let graph = with_graph.then(|| {
        let mut graph = DiGraph::with_capacity(packages.len(), walk.edges.len());
        for i in 0..packages.len() {
            graph.add_node(i);
        }
        for (from, to, edge) in walk.edges {
            let EdgeFrom::Package(from) = from else {
                continue;
            };
            if let (Some(a), Some(b)) = (index_of[from], index_of[to]) {
                graph.add_edge(
                    petgraph::graph::NodeIndex::new(a),
                    petgraph::graph::NodeIndex::new(b),
                    edge,
                );
            }
        }
        graph
    });
    let (cycles, cut_edges, topo_order) = graph::cycles_and_order(&packages);
    Ok(Resolution {
        target: target.clone(),
        packages,
        roots: root_indices,
        graph,
        cycles,
        topo_order,
        manifest_requirements,
        manifest_groups,
        macos_fallbacks,
        cut_edges,
    })
}

/// The active extras of `id`, which the walk reached.
fn reached_extras<'w>(walk: &'w walk::Walk<'_>, id: PackageId) -> &'w BTreeSet<ExtraName> {
    walk.reached
        .get(id)
        .expect("a package of the order is reached")
}

/// In `order` (sorted by `key`, then by itself): the first two of one key whose second is
/// lowest (the pair a pass in ascending order meets first).
fn first_repeated<K: PartialEq>(
    order: &[PackageId],
    key: impl Fn(PackageId) -> K,
) -> Option<(PackageId, PackageId)> {
    order
        .windows(2)
        .filter(|w| key(w[0]) == key(w[1]))
        .map(|w| (w[0], w[1]))
        .min_by_key(|&(_, second)| second)
}

/// The error for two reached packages of one name, `first` and `second`, with the edges that
/// reached each (found by walking again: the walk keeps them only when asked to).
fn conflict(lock: &Lock, target: &Target, first: PackageId, second: PackageId) -> ResolveError {
    let explained = reach_until(lock, target, Follow::AllExplained);
    let via = explained.as_ref().map(|r| &r.walk.via);
    let describe = |i: PackageId| {
        let p = &lock.packages[i];
        format!("{} from {}", p.display_id(), p.source)
    };
    let edges = |i: PackageId| {
        via.ok()
            .and_then(|via| via.get(&i))
            .map(|v| {
                v.iter()
                    .map(|(from, marker)| {
                        let mut d = match from {
                            EdgeFrom::Package(f) => lock.packages[*f].display_id(),
                            EdgeFrom::Manifest => "the workspace root".to_string(),
                        };
                        if let Some(m) = marker {
                            d.push_str(&format!(" [{}]", m.raw));
                        }
                        d
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| "a root".to_string())
    };
    ResolveError::Conflict {
        name: lock.packages[second].name.to_string(),
        target: target.to_string(),
        first: describe(first),
        first_edges: edges(first),
        second: describe(second),
        second_edges: edges(second),
    }
}

/// A finished walk's edges per source (its `edges` and `from_starts`).
struct OutEdges<'a> {
    edges: &'a [(EdgeFrom, PackageId, Edge)],
    starts: &'a [usize],
}

impl<'a> OutEdges<'a> {
    /// The edges leaving the package of lock index `id`: (to, edge).
    fn of(&self, id: PackageId) -> impl Iterator<Item = (PackageId, &'a Edge)> + 'a {
        self.edges[self.starts[id]..self.starts[id + 1]]
            .iter()
            .map(|(_, to, e)| (*to, e))
    }

    /// The edges of the `[manifest]` entries: (to, edge).
    fn manifest(&self) -> impl Iterator<Item = (PackageId, &'a Edge)> + 'a {
        let start = self.starts[self.starts.len() - 1];
        self.edges[start..].iter().map(|(_, to, e)| (*to, e))
    }
}

/// Everything `pkg[extra]` adds: the targets of its extra edges, and recursively the extras they ask for.
fn expand(
    out_edges: &OutEdges<'_>,
    memo: &mut HashMap<(PackageId, ExtraName), BTreeSet<PackageId>>,
    pkg: PackageId,
    extra: &ExtraName,
    stack: &mut Vec<(PackageId, ExtraName)>,
) -> BTreeSet<PackageId> {
    let key = (pkg, extra.clone());
    if let Some(done) = memo.get(&key) {
        return done.clone();
    }
    if stack.contains(&key) {
        return BTreeSet::new();
    }
    stack.push(key.clone());
    let mut out = BTreeSet::new();
    for (to, edge) in out_edges.of(pkg) {
        if matches!(&edge.kind, EdgeKind::Extra(e) if e == extra) {
            out.insert(to);
            for e in &edge.extras {
                out.extend(expand(out_edges, memo, to, e, stack));
            }
        }
    }
    stack.pop();
    memo.insert(key, out.clone());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a pass in ascending order with a map finds: the first repeat, and the one before it.
    fn first_repeated_by_map(keys: &[u8]) -> Option<(usize, usize)> {
        let mut seen = BTreeMap::new();
        for (id, k) in keys.iter().enumerate() {
            if let Some(&other) = seen.get(k) {
                return Some((other, id));
            }
            seen.insert(k, id);
        }
        None
    }

    #[test]
    fn first_repeated_is_a_passes_first() {
        // every sequence of 6 keys from 4 values
        for n in 0..4u32.pow(6) {
            let keys: Vec<u8> = (0..6).map(|i| (n / 4u32.pow(i) % 4) as u8).collect();
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]).then(a.cmp(&b)));
            assert_eq!(
                first_repeated(&order, |i| keys[i]),
                first_repeated_by_map(&keys),
                "{keys:?}"
            );
        }
    }

    #[test]
    fn version_text_is_display() {
        let mut versions: Vec<Version> = [
            "0",
            "1.2.3",
            "1!2.0",
            "1.0rc1",
            "1.0a2",
            "1.0.post1",
            "1.0.dev3",
            "1.0+local.7",
            "2024.10.1",
            "1.0.0.0.0",
            "18446744073709551615",
        ]
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        for dir in ["locks/top-1500", "locks/workspace-mixed"] {
            let lock = lock2nix_lock::read_lock(&root.join(dir).join("uv.lock")).unwrap();
            versions.extend(lock.packages.iter().filter_map(|p| p.version.clone()));
        }
        assert!(versions.len() > 1500);
        for v in &versions {
            assert_eq!(version_text(v), v.to_string());
        }
    }
}
