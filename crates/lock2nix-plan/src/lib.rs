//! The translation plan: for each package of a [`Resolution`], one [`Action`].
//!
//! | action | when | what the overlay does |
//! |---|---|---|
//! | `reuse` | nixpkgs has the package and the [`Policy`] accepts its version | nothing (or an alias when the attribute name differs) |
//! | `override` | nixpkgs has a recipe at another version | `overridePythonAttrs` with the lock's `version` and `src` |
//! | `build` | nixpkgs lacks it (or its recipe is broken/disabled here) | `buildPythonPackage` from the lock's wheel, sdist or URL |
//! | `in-tree` | a workspace member or local directory | `buildPythonPackage` from the project tree with its own build backend |
//! | `vcs` | a git source (a fork or a commit pin) | `buildPythonPackage` from `fetchFromGitHub`/`fetchgit` |
//!
//! Policies ([`Policy`]): `exact` (reuse only on equal PEP 440 versions — the default),
//! `compatible` (reuse when nixpkgs' version satisfies every specifier the closure is known to put on
//! the package: the workspace members' `requires-dist` and any [`PlanInputs::requirements`] the
//! prefetched metadata adds), `nixpkgs` (reuse whenever nixpkgs has it, like nixpkgs' hand-written
//! authentik package). Policies can be set per package.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use lock2nix_lock::{BuildSystem, Lock, RequirementSource, Workspace};
use lock2nix_nixpkgs::{nixpkgs_version_matches, Index, NameMap, VersionMatch};
use lock2nix_resolve::{Artifact, Resolution};
use pep440_rs::VersionSpecifiers;
use pep508_rs::PackageName;

/// What the overlay does with one package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Take nixpkgs' package as it is.
    Reuse,
    /// Keep nixpkgs' recipe, replace `version` and `src`.
    Override,
    /// Build from the lock's artifact.
    Build,
    /// Build a workspace member / local directory from the project tree.
    InTree,
    /// Build from a git checkout.
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

/// When nixpkgs' version is good enough to reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Policy {
    /// Only the same version (PEP 440 normalised).
    #[default]
    Exact,
    /// Any version that satisfies every known specifier on the package.
    Compatible,
    /// Whatever nixpkgs has.
    Nixpkgs,
}

impl Policy {
    /// `exact`, `compatible` or `nixpkgs`.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Exact => "exact",
            Policy::Compatible => "compatible",
            Policy::Nixpkgs => "nixpkgs",
        }
    }
}

impl FromStr for Policy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "exact" => Ok(Policy::Exact),
            "compatible" => Ok(Policy::Compatible),
            "nixpkgs" => Ok(Policy::Nixpkgs),
            other => Err(format!(
                "unknown policy `{other}`: expected exact, compatible or nixpkgs"
            )),
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the plan reads besides the resolution.
#[derive(Debug, Clone, Default)]
pub struct PlanInputs<'a> {
    /// The nixpkgs index (none: nixpkgs is treated as empty, everything is built).
    pub index: Option<&'a Index>,
    /// The default policy.
    pub policy: Policy,
    /// Per-package policies.
    pub package_policy: BTreeMap<PackageName, Policy>,
    /// Per-package nixpkgs attribute names (configuration).
    pub attr_overrides: BTreeMap<String, String>,
    /// Extra requirement specifiers known for packages (e.g. from prefetched wheel metadata):
    /// (package, specifier, who asks).
    pub requirements: Vec<(PackageName, VersionSpecifiers, String)>,
    /// The workspace (for in-tree build systems).
    pub workspace: Option<&'a Workspace>,
}

/// The decision for one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPackage {
    /// Index into [`Resolution::packages`].
    pub index: usize,
    /// The PyPI name (normalised).
    pub name: PackageName,
    /// The lock's version (`0.0.0` for dynamic versions).
    pub version: String,
    /// What to do.
    pub action: Action,
    /// The attribute the overlay defines or uses in the Python package set (the normalised name).
    pub attr: String,
    /// nixpkgs' attribute for it, when nixpkgs has one.
    pub nixpkgs_attr: Option<String>,
    /// nixpkgs' version, when known.
    pub nixpkgs_version: Option<String>,
    /// Why this action.
    pub reason: String,
    /// The artifact the overlay uses as `src` (for override: the sdist when the lock has one).
    pub src: Option<Artifact>,
    /// For in-tree packages: the member's `[build-system]`.
    pub build_system: Option<BuildSystem>,
}

/// The plan for one target.
#[derive(Debug, Clone)]
pub struct Plan {
    /// One entry per resolved package, in the resolution's (name) order.
    pub packages: Vec<PlannedPackage>,
    /// The default policy used.
    pub policy: Policy,
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
}

/// Specifiers the closure places on each package: the lock's `[package.metadata] requires-dist` of
/// every resolved source-tree package, plus `extra`.
fn known_specifiers(
    lock: &Lock,
    res: &Resolution,
    extra: &[(PackageName, VersionSpecifiers, String)],
) -> BTreeMap<PackageName, Vec<(VersionSpecifiers, String)>> {
    let mut out: BTreeMap<PackageName, Vec<(VersionSpecifiers, String)>> = BTreeMap::new();
    for rp in &res.packages {
        let pkg = &lock.packages[rp.id];
        let Some(meta) = &pkg.metadata else { continue };
        for req in &meta.requires_dist {
            if let RequirementSource::Registry { specifier, .. } = &req.source {
                if !specifier.is_empty() {
                    out.entry(req.name.clone())
                        .or_default()
                        .push((specifier.clone(), pkg.name.to_string()));
                }
            }
        }
    }
    for (name, spec, who) in extra {
        out.entry(name.clone())
            .or_default()
            .push((spec.clone(), who.clone()));
    }
    out
}

/// The sdist of a registry package, for overriding a nixpkgs recipe (which builds from source).
fn sdist_of(lock: &Lock, res: &Resolution, index: usize) -> Option<Artifact> {
    let rp = &res.packages[index];
    if res.target.no_build.contains(&rp.name) {
        return None;
    }
    let pkg = &lock.packages[rp.id];
    let s = pkg.sdist.as_ref()?;
    let (url, path) = match &s.locator {
        lock2nix_lock::SdistLocator::Url(u) => (Some(u.clone()), None),
        lock2nix_lock::SdistLocator::Path(p) => (None, Some(p.clone())),
        lock2nix_lock::SdistLocator::Metadata => return None,
    };
    Some(Artifact::Sdist {
        url,
        path,
        hash: s.hash.clone(),
    })
}

/// Decide every package's action.
pub fn plan(lock: &Lock, res: &Resolution, inputs: &PlanInputs<'_>) -> Plan {
    let empty = Index::new(lock2nix_nixpkgs::IndexMeta::new(
        lock2nix_nixpkgs::IndexSource::Tsv,
    ));
    let index = inputs.index.unwrap_or(&empty);
    let names = NameMap::new(index).with_overrides(inputs.attr_overrides.clone());
    let specifiers = known_specifiers(lock, res, &inputs.requirements);
    let mut packages = Vec::with_capacity(res.packages.len());
    for (i, rp) in res.packages.iter().enumerate() {
        let attr = rp.name.to_string();
        let version = rp.version_string();
        let policy = inputs
            .package_policy
            .get(&rp.name)
            .copied()
            .unwrap_or(inputs.policy);
        let lookup = if inputs.index.is_some() {
            names.lookup(rp.name.as_ref())
        } else {
            None
        };
        let entry = lookup.as_ref().and_then(|m| index.get(&m.attr));
        let nixpkgs_attr = entry.map(|e| e.attr.clone());
        let nixpkgs_version = entry.and_then(|e| e.version.clone());
        let mut planned = PlannedPackage {
            index: i,
            name: rp.name.clone(),
            version: version.clone(),
            action: Action::Build,
            attr,
            nixpkgs_attr,
            nixpkgs_version: nixpkgs_version.clone(),
            reason: String::new(),
            src: Some(rp.artifact.clone()),
            build_system: None,
        };
        match &rp.artifact {
            Artifact::Editable(dir) | Artifact::Directory(dir) | Artifact::Virtual(dir) => {
                planned.action = Action::InTree;
                planned.build_system =
                    inputs.workspace.and_then(|ws| ws.member_at(dir)).map(|py| {
                        py.build_system
                            .clone()
                            .unwrap_or_else(BuildSystem::pep517_default)
                    });
                planned.reason = match &rp.artifact {
                    Artifact::Editable(_) => format!("workspace member at {dir}"),
                    Artifact::Virtual(_) => format!(
                        "virtual project at {dir} (not built; an environment of its dependencies)"
                    ),
                    _ => format!("local directory {dir}"),
                };
            }
            Artifact::Git(g) => {
                planned.action = Action::Vcs;
                planned.reason = format!("git source {} at {}", g.repository, g.commit);
                if planned.nixpkgs_attr.is_some() {
                    planned.reason.push_str(" (replaces nixpkgs' package)");
                }
            }
            Artifact::Url { url, .. } => {
                planned.action = Action::Build;
                planned.reason = format!("direct URL {url}");
            }
            Artifact::Path { path, .. } => {
                planned.action = Action::Build;
                planned.reason = format!("local file {path}");
            }
            Artifact::Wheel { .. } | Artifact::Sdist { .. } => {
                match entry {
                    None => {
                        planned.action = Action::Build;
                        planned.reason = match index.missing_entry(rp.name.as_ref()) {
                            Some(lock2nix_nixpkgs::Missing {
                                note: Some(note), ..
                            }) if !note.is_empty() => format!("not in nixpkgs ({note})"),
                            _ if inputs.index.is_none() => "no nixpkgs index given".to_string(),
                            _ => "not in nixpkgs".to_string(),
                        };
                    }
                    Some(e) if !e.is_usable() => {
                        planned.action = Action::Build;
                        let why = if e.failed {
                            "fails to evaluate"
                        } else if e.broken == Some(true) {
                            "is marked broken"
                        } else {
                            "is disabled for this Python"
                        };
                        planned.reason = format!("nixpkgs' {} {why}; built from the lock", e.attr);
                    }
                    Some(e) => {
                        let cmp = e
                            .version
                            .as_deref()
                            .map(|v| rp.version.as_ref().map(|lv| nixpkgs_version_matches(lv, v)));
                        let equal = matches!(cmp, Some(Some(VersionMatch::Equal)));
                        let (reuse, reason) = match policy {
                            Policy::Nixpkgs => {
                                (true, format!("policy nixpkgs: nixpkgs has {}", describe(e)))
                            }
                            Policy::Exact => {
                                if equal {
                                    (true, format!("nixpkgs has the same version ({})", e.attr))
                                } else {
                                    (false, mismatch_reason(e, &version))
                                }
                            }
                            Policy::Compatible => {
                                if equal {
                                    (true, format!("nixpkgs has the same version ({})", e.attr))
                                } else {
                                    match e.version.as_deref().map(pep440_rs::Version::from_str) {
                                        Some(Ok(nv)) => {
                                            let specs = specifiers
                                                .get(&rp.name)
                                                .map(Vec::as_slice)
                                                .unwrap_or(&[]);
                                            let failing: Vec<String> = specs
                                                .iter()
                                                .filter(|(s, _)| !s.contains(&nv))
                                                .map(|(s, who)| format!("{who} requires {s}"))
                                                .collect();
                                            if failing.is_empty() {
                                                let known = if specs.is_empty() {
                                                    "no specifier is known on it".to_string()
                                                } else {
                                                    format!(
                                                        "{} satisfies every known specifier",
                                                        nv
                                                    )
                                                };
                                                (true, format!("policy compatible: nixpkgs has {} and {known}", describe(e)))
                                            } else {
                                                (
                                                    false,
                                                    format!(
                                                        "nixpkgs has {}, but {}",
                                                        describe(e),
                                                        failing.join(", ")
                                                    ),
                                                )
                                            }
                                        }
                                        _ => (false, mismatch_reason(e, &version)),
                                    }
                                }
                            }
                        };
                        if reuse {
                            planned.action = Action::Reuse;
                            planned.src = None;
                            planned.reason = reason;
                        } else {
                            planned.action = Action::Override;
                            planned.reason = reason;
                            if let Some(sdist) = sdist_of(lock, res, i) {
                                planned.src = Some(sdist);
                            }
                        }
                    }
                }
            }
        }
        packages.push(planned);
    }
    Plan {
        packages,
        policy: inputs.policy,
    }
}

fn describe(e: &lock2nix_nixpkgs::Entry) -> String {
    match &e.version {
        Some(v) => format!("{} {v}", e.attr),
        None => format!("{} (version not a literal)", e.attr),
    }
}

fn mismatch_reason(e: &lock2nix_nixpkgs::Entry, lock_version: &str) -> String {
    match &e.version {
        Some(v) => format!("nixpkgs has {} {v}, the lock pins {lock_version}", e.attr),
        None => format!(
            "nixpkgs' {} version is an expression ({}), so it cannot be shown equal to {lock_version}",
            e.attr,
            e.version_expr.as_deref().unwrap_or("unknown")
        ),
    }
}
