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
//! 5. the closure becomes a `petgraph` graph whose cycles are reported with the edges the emitter
//!    will cut (chosen deterministically), and a topological order (dependencies first).
//!
//! The public API: [`resolve`] (`&Lock, &Target -> Result<Resolution, ResolveError>`),
//! [`root_ids`], [`shortest_paths`] (for `lock2nix why`), the synthetic-extra names
//! [`conflict_extra`], [`conflict_group`], [`conflict_project`], and the data types [`Target`],
//! [`PythonVersion`], [`Prefer`], [`PackageSet`], [`Resolution`], [`ResolvedPackage`], [`Edge`],
//! [`EdgeKind`], [`Artifact`], [`Cycle`], [`PathStep`]. Results never depend on the order of
//! the lock's packages.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// `ResolveError` carries the whole explanation (names, targets, edges) as text; it is built once,
// on a path that ends resolution, so its size does not matter.
#![allow(clippy::result_large_err)]

mod artifact;
mod graph;
mod target;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::str::FromStr;

use lock2nix_lock::{GroupName, Lock, Marker, PackageId, SourceKind};
use lock2nix_wheel::TargetTags;
use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerEnvironment, PackageName};
use petgraph::graph::DiGraph;

pub use artifact::{ArchiveKind, Artifact, Location};
pub use graph::{shortest_paths, Cycle, PathStep};
/// The `petgraph` version [`Resolution::graph`] is built with, for callers that walk the graph.
pub use petgraph;
pub use target::{PackageSet, Prefer, PythonVersion, Target, PYTHON_VERSIONS};

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
        "no artifact of {package} (from {registry}) fits {target}: {sdist}; rejected wheels: {}",
        summarize_rejected(rejected)
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
    },
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
    /// Name.
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
            .map_or_else(|| "0.0.0".to_string(), ToString::to_string)
    }
}

/// The closure of a lock for one target.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// The target.
    pub target: Target,
    /// The packages, sorted by name.
    pub packages: Vec<ResolvedPackage>,
    /// Indices of the roots.
    pub roots: Vec<usize>,
    /// The graph: node `i` is `packages[i]`; one edge per (from, to, kind).
    pub graph: DiGraph<usize, Edge>,
    /// Dependency cycles and the edges cut to break them.
    pub cycles: Vec<Cycle>,
    /// Packages in an order where dependencies come first (cut edges ignored).
    pub topo_order: Vec<usize>,
}

impl Resolution {
    /// The index of the package named `name`.
    pub fn index_of(&self, name: &PackageName) -> Option<usize> {
        self.packages.binary_search_by(|p| p.name.cmp(name)).ok()
    }

    /// Is the edge `from → to` cut to break a cycle?
    pub fn is_cut(&self, from: usize, to: usize) -> bool {
        self.cycles.iter().any(|c| c.cut.contains(&(from, to)))
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

fn marker_holds(m: &Option<Marker>, env: &MarkerEnvironment, extras: &[ExtraName]) -> bool {
    m.as_ref().is_none_or(|m| m.tree.evaluate(env, extras))
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

#[derive(Default)]
struct Walk<'a> {
    /// reached package → active extras
    reached: BTreeMap<PackageId, BTreeSet<ExtraName>>,
    /// (from, to, kind) → edge
    edges: BTreeMap<(PackageId, PackageId, EdgeKind), Edge>,
    /// for conflict errors: package → the first (at most 3) edges that reached it (source and
    /// marker), formatted only when an error is reported
    via: HashMap<PackageId, Vec<(PackageId, Option<&'a Marker>)>>,
}

/// Does any edge marker of the lock mention `extra`? When none does, uv's synthetic conflict
/// extras cannot change any marker's value, and one walk suffices.
fn markers_mention_extra(lock: &Lock) -> bool {
    lock.packages.iter().any(|p| {
        p.dependencies
            .iter()
            .chain(p.optional_dependencies.values().flatten())
            .chain(p.dev_dependencies.values().flatten())
            .any(|d| d.marker.as_ref().is_some_and(|m| m.raw.contains("extra")))
    })
}

/// Resolve `lock` for `target`.
pub fn resolve(lock: &Lock, target: &Target) -> Result<Resolution, ResolveError> {
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
    for extra in &target.extras {
        let mut found = false;
        for &r in &roots {
            let p = &lock.packages[r];
            let declared = p.optional_dependencies.contains_key(extra)
                || p.metadata
                    .as_ref()
                    .is_some_and(|m| m.provides_extras.contains(extra));
            if declared {
                root_extras.entry(r).or_default().push(extra.clone());
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
    for &r in &roots {
        let p = &lock.packages[r];
        if target.all_groups {
            root_groups
                .entry(r)
                .or_default()
                .extend(p.dev_dependencies.keys().cloned());
        }
    }
    for group in &target.groups {
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
        if !found {
            return Err(ResolveError::UnknownGroup {
                group: group.to_string(),
                roots: root_names(),
            });
        }
    }

    check_declared_conflicts(lock, &roots, &root_extras, &root_groups)?;

    // Walk until the set of uv's synthetic extras (the chosen projects and groups, and every
    // activated (package, extra) pair), which feeds the conflict markers, stops growing. The set
    // only grows, so this ends even on a lock whose markers would make it oscillate.
    let mut synthetic: BTreeSet<ExtraName> = BTreeSet::new();
    for &r in &roots {
        synthetic.extend(conflict_project(&lock.packages[r].name));
    }
    for (r, groups) in &root_groups {
        for g in groups {
            synthetic.extend(conflict_group(&lock.packages[*r].name, g));
        }
    }
    for (r, extras) in &root_extras {
        for e in extras {
            synthetic.extend(conflict_extra(&lock.packages[*r].name, e));
        }
    }
    let iterate = markers_mention_extra(lock);
    let walk = loop {
        let current: Vec<ExtraName> = synthetic.iter().cloned().collect();
        let walk = walk_once(lock, &env, &current, &roots, &root_extras, &root_groups);
        if !iterate {
            break walk;
        }
        let before = synthetic.len();
        for (id, extras) in &walk.reached {
            for e in extras {
                synthetic.extend(conflict_extra(&lock.packages[*id].name, e));
            }
        }
        if synthetic.len() == before {
            break walk;
        }
    };

    // One package per name.
    let mut by_name: BTreeMap<&PackageName, PackageId> = BTreeMap::new();
    for &id in walk.reached.keys() {
        let name = &lock.packages[id].name;
        if let Some(&other) = by_name.get(name) {
            let describe = |i: PackageId| {
                let p = &lock.packages[i];
                format!("{} from {}", p.display_id(), p.source)
            };
            let edges = |i: PackageId| {
                walk.via
                    .get(&i)
                    .map(|v| {
                        v.iter()
                            .map(|(from, marker)| {
                                let mut d = lock.packages[*from].display_id();
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
            return Err(ResolveError::Conflict {
                name: name.to_string(),
                target: target.to_string(),
                first: describe(other),
                first_edges: edges(other),
                second: describe(id),
                second_edges: edges(id),
            });
        }
        by_name.insert(name, id);
    }

    // Artifacts.
    let tags = artifact::Tags::new(TargetTags::new(
        target.system,
        (target.python.major, target.python.minor),
        target.tag_policy,
    ));
    let order: Vec<PackageId> = by_name.values().copied().collect();
    // lock index → index in `packages` (a Vec: lock indices are dense)
    let mut index_of: Vec<Option<usize>> = vec![None; lock.packages.len()];
    for (i, &id) in order.iter().enumerate() {
        index_of[id] = Some(i);
    }
    let mut packages = Vec::with_capacity(order.len());
    for &id in &order {
        let p = &lock.packages[id];
        packages.push(ResolvedPackage {
            id,
            name: p.name.clone(),
            version: p.version.clone(),
            source: p.source.kind(),
            artifact: artifact::choose(p, target, &tags)?,
            extras: walk.reached[&id].clone(),
            dependencies: Vec::new(),
            optional_dependencies: BTreeMap::new(),
            group_dependencies: BTreeMap::new(),
            is_root: roots.contains(&id),
        });
    }

    // Flattened dependency lists.
    let mut out_edges: OutEdges<'_> = vec![Vec::new(); lock.packages.len()];
    for (key, edge) in &walk.edges {
        out_edges[key.0].push((key, edge));
    }
    let mut memo: HashMap<(PackageId, ExtraName), BTreeSet<PackageId>> = HashMap::new();
    for (i, &id) in order.iter().enumerate() {
        let mut deps: BTreeSet<PackageId> = BTreeSet::new();
        let mut groups: BTreeMap<GroupName, BTreeSet<PackageId>> = BTreeMap::new();
        for ((_, to, kind), edge) in &out_edges[id] {
            let mut with_extras = BTreeSet::new();
            with_extras.insert(*to);
            for e in &edge.extras {
                with_extras.extend(expand(&out_edges, &mut memo, *to, e, &mut Vec::new()));
            }
            match kind {
                EdgeKind::Normal => deps.extend(with_extras),
                EdgeKind::Extra(_) => {}
                EdgeKind::Group(g) => groups.entry(g.clone()).or_default().extend(with_extras),
            }
        }
        if let Some(extras) = root_extras.get(&id) {
            for e in extras {
                deps.extend(expand(&out_edges, &mut memo, id, e, &mut Vec::new()));
            }
        }
        deps.remove(&id);
        let to_indices = |set: BTreeSet<PackageId>| -> Vec<usize> {
            let mut v: Vec<usize> = set.iter().filter_map(|&d| index_of[d]).collect();
            v.sort_unstable();
            v
        };
        let mut optional = BTreeMap::new();
        for e in &walk.reached[&id] {
            let mut set = expand(&out_edges, &mut memo, id, e, &mut Vec::new());
            set.remove(&id);
            optional.insert(e.clone(), to_indices(set));
        }
        packages[i].dependencies = to_indices(deps);
        packages[i].optional_dependencies = optional;
        packages[i].group_dependencies = groups
            .into_iter()
            .map(|(g, mut s)| {
                s.remove(&id);
                (g, to_indices(s))
            })
            .collect();
    }

    // The graph.
    let mut graph: DiGraph<usize, Edge> = DiGraph::with_capacity(packages.len(), walk.edges.len());
    for i in 0..packages.len() {
        graph.add_node(i);
    }
    for ((from, to, _), edge) in &walk.edges {
        if let (Some(a), Some(b)) = (index_of[*from], index_of[*to]) {
            graph.add_edge(
                petgraph::graph::NodeIndex::new(a),
                petgraph::graph::NodeIndex::new(b),
                edge.clone(),
            );
        }
    }
    let root_indices: Vec<usize> = roots.iter().filter_map(|&r| index_of[r]).collect();
    let (cycles, topo_order) = graph::cycles_and_order(&packages);
    Ok(Resolution {
        target: target.clone(),
        packages,
        roots: root_indices,
        graph,
        cycles,
        topo_order,
    })
}

/// Per lock index, the walk's edges leaving that package.
type OutEdges<'a> = Vec<Vec<(&'a (PackageId, PackageId, EdgeKind), &'a Edge)>>;

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
    for ((_, to, kind), edge) in &out_edges[pkg] {
        if matches!(kind, EdgeKind::Extra(e) if e == extra) {
            out.insert(*to);
            for e in &edge.extras {
                out.extend(expand(out_edges, memo, *to, e, stack));
            }
        }
    }
    stack.pop();
    memo.insert(key, out.clone());
    out
}

fn walk_once<'a>(
    lock: &'a Lock,
    env: &MarkerEnvironment,
    synthetic: &[ExtraName],
    roots: &[PackageId],
    root_extras: &BTreeMap<PackageId, Vec<ExtraName>>,
    root_groups: &BTreeMap<PackageId, Vec<GroupName>>,
) -> Walk<'a> {
    enum Work {
        Package(PackageId),
        Extra(PackageId, ExtraName),
        Group(PackageId, GroupName),
    }
    let mut walk = Walk::default();
    let mut queue: VecDeque<Work> = VecDeque::new();
    let visit =
        |walk: &mut Walk, queue: &mut VecDeque<Work>, id: PackageId, extras: &[ExtraName]| {
            let entry = walk.reached.entry(id);
            let set = match entry {
                std::collections::btree_map::Entry::Vacant(v) => {
                    queue.push_back(Work::Package(id));
                    v.insert(BTreeSet::new())
                }
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            };
            for e in extras {
                if set.insert(e.clone()) {
                    queue.push_back(Work::Extra(id, e.clone()));
                }
            }
        };
    for &r in roots {
        visit(
            &mut walk,
            &mut queue,
            r,
            root_extras.get(&r).map(Vec::as_slice).unwrap_or(&[]),
        );
        for g in root_groups.get(&r).map(Vec::as_slice).unwrap_or(&[]) {
            queue.push_back(Work::Group(r, g.clone()));
        }
    }
    while let Some(work) = queue.pop_front() {
        let (from, deps, kind) = match &work {
            Work::Package(id) => (
                *id,
                lock.packages[*id].dependencies.as_slice(),
                EdgeKind::Normal,
            ),
            Work::Extra(id, e) => (
                *id,
                lock.packages[*id]
                    .optional_dependencies
                    .get(e)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
                EdgeKind::Extra(e.clone()),
            ),
            Work::Group(id, g) => (
                *id,
                lock.packages[*id]
                    .dev_dependencies
                    .get(g)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
                EdgeKind::Group(g.clone()),
            ),
        };
        for dep in deps {
            if !marker_holds(&dep.marker, env, synthetic) {
                continue;
            }
            let key = (from, dep.target, kind.clone());
            let edge = walk.edges.entry(key).or_insert_with(|| Edge {
                kind: kind.clone(),
                marker: dep.marker.as_ref().map(|m| m.raw.clone()),
                extras: Vec::new(),
            });
            for e in &dep.extras {
                if !edge.extras.contains(e) {
                    edge.extras.push(e.clone());
                }
            }
            edge.extras.sort();
            let via = walk.via.entry(dep.target).or_default();
            if via.len() < 3 {
                via.push((from, dep.marker.as_ref()));
            }
            visit(&mut walk, &mut queue, dep.target, &dep.extras);
        }
    }
    walk
}
