//! The decisions: one pass over the resolution, then the family rule.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use lock2nix_lock::{Lock, LockRequirement, RequirementSource};
use lock2nix_nixpkgs::{nixpkgs_version_matches, Entry, Index, NameMap, Scope, VersionMatch};
use lock2nix_resolve::{ArchiveKind, Artifact, Location, Resolution, ResolvedPackage};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerEnvironment, PackageName};

use crate::custom::{Customization, PackageCustom};
use crate::src::Src;
use crate::{
    Action, BuildSystemOrigin, CargoDeps, Deps, Format, Fresh, NixpkgsRef, Note, Plan, PlanInputs,
    PlannedPackage, Policy, Recipe,
};

/// The build-system bootstrap set: nixpkgs builds every Python package with these, so replacing
/// one rebuilds (and can break) the whole set. They are nixpkgs' own unless the configuration
/// sets a policy for the package.
pub const BOOTSTRAP: [&str; 21] = [
    "build",
    "calver",
    "cffi",
    "cython",
    "editables",
    "flit-core",
    "hatch-vcs",
    "hatchling",
    "installer",
    "maturin",
    "packaging",
    "pathspec",
    "pdm-backend",
    "pip",
    "pluggy",
    "poetry-core",
    "pyproject-hooks",
    "setuptools",
    "setuptools-scm",
    "trove-classifiers",
    "wheel",
];

/// Native build tools carried over from nixpkgs' recipe to a fresh source build when the recipe
/// lists them (top-level attributes every nixpkgs has). Hooks and Rust tooling are not carried:
/// a fresh derivation brings its own.
pub const NATIVE_TOOLS: [&str; 10] = [
    "cmake",
    "gfortran",
    "meson",
    "ninja",
    "nasm",
    "perl",
    "pkg-config",
    "swig",
    "which",
    "yasm",
];

/// Build requirements whose presence marks a Rust extension.
const RUST_BACKENDS: [&str; 2] = ["maturin", "setuptools-rust"];

/// Map build requirements (PEP 508 strings) to Python package attributes: the normalised name,
/// without versions, extras or markers; `wheel` is dropped (nixpkgs' build hooks provide it).
pub fn build_requirement_attrs(requires: &[String]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for r in requires {
        let name_end = r
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(r.len());
        if let Ok(n) = r[..name_end].parse::<PackageName>() {
            let n = n.to_string();
            if n != "wheel" {
                out.insert(n);
            }
        }
    }
    out.into_iter().collect()
}

struct Ctx<'a> {
    lock: &'a Lock,
    res: &'a Resolution,
    inputs: &'a PlanInputs<'a>,
    index: &'a Index,
    names: NameMap<'a>,
    env: Option<MarkerEnvironment>,
    github_hosts: Vec<&'a str>,
    /// package index → the packages that depend on it (found when first asked for: only
    /// comparisons with nixpkgs' versions need them).
    dependents: std::cell::OnceCell<Dependents>,
    assumed_build_system: Vec<String>,
    notes: Vec<Note>,
}

/// Decide every package's action and recipe.
pub fn plan(lock: &Lock, res: &Resolution, inputs: &PlanInputs<'_>) -> Plan {
    let empty = Index::new(lock2nix_nixpkgs::IndexMeta::new(
        lock2nix_nixpkgs::IndexSource::Tsv,
    ));
    let index = inputs.index.unwrap_or(&empty);
    let github_hosts: Vec<&str> = if inputs.github_hosts.is_empty() {
        vec!["github.com"]
    } else {
        inputs.github_hosts.iter().map(String::as_str).collect()
    };
    let mut ctx = Ctx {
        lock,
        res,
        inputs,
        index,
        names: NameMap::new(index).with_overrides(inputs.attr_overrides.clone()),
        env: res.target.marker_environment().ok(),
        github_hosts,
        dependents: std::cell::OnceCell::new(),
        assumed_build_system: Vec::new(),
        notes: Vec::new(),
    };
    let mut packages: Vec<PlannedPackage> =
        (0..res.packages.len()).map(|i| ctx.decide(i)).collect();
    ctx.family_rule(&mut packages);
    ctx.check_bootstrap(&packages);
    if let Some(lock_dir) = &inputs.lock_dir {
        for p in &mut packages {
            if let Some(src) = p.recipe.src_mut() {
                rebase(src, lock_dir);
            }
        }
    }
    for p in &mut packages {
        match &p.recipe {
            Recipe::Reuse { nixpkgs_attr } if nixpkgs_attr == &p.attr && p.custom.is_empty() => {
                p.recipe = Recipe::Untouched;
            }
            // the swap's dependency lists already hold the configuration's
            Recipe::Swap { .. } => {
                if let Some(custom) = p.custom.get_mut() {
                    custom.dependencies.clear();
                    custom.python_remove_deps.clear();
                }
            }
            _ => {}
        }
    }
    let mut notes = std::mem::take(&mut ctx.notes);
    if !ctx.assumed_build_system.is_empty() {
        ctx.assumed_build_system.sort();
        ctx.assumed_build_system.dedup();
        notes.push(Note::AssumedBuildSystem {
            packages: ctx.assumed_build_system,
        });
    }
    notes.sort();
    notes.dedup();
    Plan {
        system: res.target.system,
        python: res.target.python,
        packages,
        policy: inputs.policy,
        notes,
    }
}

/// What nixpkgs' entry is for a lock package, when it can stand in for it in the Python set.
enum Nixpkgs<'a> {
    /// Not in nixpkgs (or no index).
    None(String),
    /// In nixpkgs, but not usable as a Python dependency here.
    Unusable(&'a Entry, String),
    Usable(&'a Entry),
}

/// Per package, the packages that depend on it (through their dependencies, extras or
/// groups), in one list: `list[starts[i]..ends[i]]` are package `i`'s, sorted and distinct.
struct Dependents {
    list: Vec<usize>,
    starts: Vec<usize>,
    ends: Vec<usize>,
}

impl Dependents {
    fn new(res: &Resolution) -> Self {
        let n = res.packages.len();
        let each = |i: usize| {
            let rp = &res.packages[i];
            let groups = rp.group_dependencies.values().flatten();
            let extras = rp.optional_dependencies.values().flatten();
            rp.dependencies
                .iter()
                .chain(groups)
                .chain(extras)
                .copied()
                .filter(move |&d| d != i)
        };
        // room for every edge (repeats included), then each dependent in ascending order, a
        // repeat of the last one skipped
        let mut starts = vec![0usize; n + 1];
        for i in 0..n {
            for d in each(i) {
                starts[d + 1] += 1;
            }
        }
        for d in 0..n {
            starts[d + 1] += starts[d];
        }
        let mut list = vec![0usize; starts[n]];
        let mut ends = starts[..n].to_vec();
        for i in 0..n {
            for d in each(i) {
                if ends[d] == starts[d] || list[ends[d] - 1] != i {
                    list[ends[d]] = i;
                    ends[d] += 1;
                }
            }
        }
        Self { list, starts, ends }
    }
}

impl<'a> Ctx<'a> {
    /// The packages that depend on package `i` (indices), sorted.
    fn dependents(&self, i: usize) -> &[usize] {
        let d = self.dependents.get_or_init(|| Dependents::new(self.res));
        &d.list[d.starts[i]..d.ends[i]]
    }

    fn rp(&self, i: usize) -> &'a ResolvedPackage {
        &self.res.packages[i]
    }

    fn attr(&self, i: usize) -> String {
        // (the name's text, copied without the formatting machinery of `to_string`)
        self.res.packages[i].name.as_ref().to_owned()
    }

    fn lookup(&self, name: &PackageName) -> Nixpkgs<'a> {
        if self.inputs.index.is_none() {
            return Nixpkgs::None("no nixpkgs index given".to_string());
        }
        let Some(m) = self.names.lookup(name.as_ref()) else {
            return Nixpkgs::None(match self.index.missing_entry(name.as_ref()) {
                Some(lock2nix_nixpkgs::Missing {
                    note: Some(note), ..
                }) if !note.is_empty() => format!("not in nixpkgs ({note})"),
                _ => "not in nixpkgs".to_string(),
            });
        };
        let Some(e) = self.index.get(&m.attr) else {
            return Nixpkgs::None(format!(
                "the configured attribute {} is not in the nixpkgs index",
                m.attr
            ));
        };
        if e.scope == Scope::TopLevel {
            return Nixpkgs::Unusable(
                e,
                format!(
                    "nixpkgs has {} only as a top-level application, not in the Python set",
                    e.attr
                ),
            );
        }
        if !e.is_usable() {
            let why = if e.failed {
                "fails to evaluate"
            } else if e.broken == Some(true) {
                "is marked broken"
            } else {
                "is disabled for this Python"
            };
            return Nixpkgs::Unusable(e, format!("nixpkgs' {} {why}", e.attr));
        }
        Nixpkgs::Usable(e)
    }

    fn decide(&mut self, i: usize) -> PlannedPackage {
        let rp = self.rp(i);
        let custom = PackageCustom::new(self.inputs.custom.get(&rp.name).cloned());
        let version = rp.version_string();
        let mut p = PlannedPackage {
            index: i,
            name: rp.name.clone(),
            attr: self.attr(i),
            derivation_version: custom.version.clone().unwrap_or_else(|| version.clone()),
            version,
            nixpkgs: None,
            action: Action::Build,
            recipe: Recipe::Untouched,
            reason: String::new(),
            custom,
        };
        if let Some(configured) = self.inputs.sources.get(&rp.name) {
            self.configured_source(i, &mut p, configured);
            return p;
        }
        match &rp.artifact {
            Artifact::Virtual(dir) => {
                p.action = Action::InTree;
                p.reason = format!(
                    "virtual project at {dir} (not built; an environment of its dependencies)"
                );
                p.recipe = Recipe::Meta {
                    deps: self.deps(i, &p.custom),
                };
            }
            Artifact::Editable(dir) | Artifact::Directory(dir) => {
                p.action = Action::InTree;
                p.reason = match &rp.artifact {
                    Artifact::Editable(_) => format!("workspace member at {dir}"),
                    _ => format!("local directory {dir}"),
                };
                let member = self
                    .inputs
                    .workspace
                    .and_then(|ws| ws.member_at(dir))
                    .map(|py| {
                        py.build_system
                            .clone()
                            .unwrap_or_else(lock2nix_lock::BuildSystem::pep517_default)
                    });
                let (requires, origin) = match member {
                    Some(bs) => (
                        bs.requires.iter().map(ToString::to_string).collect(),
                        BuildSystemOrigin::Pyproject,
                    ),
                    None => self.assumed(&p.attr, &p.custom),
                };
                let src = Src::Tree {
                    path: dir.clone(),
                    name: format!("{}-source", rp.name),
                    base: crate::Base::Workspace,
                };
                p.recipe = self.fresh_source(i, &mut p.custom, src, requires, origin, None, None);
            }
            Artifact::Git(g) => {
                p.action = Action::Vcs;
                p.reason = format!(
                    "git source {} at {}",
                    lock2nix_lock::strip_url_credentials(&g.repository),
                    g.commit
                );
                if let Nixpkgs::Usable(e) | Nixpkgs::Unusable(e, _) = self.lookup(&rp.name) {
                    p.nixpkgs = Some(nixpkgs_ref(e));
                    p.reason.push_str(" (replaces nixpkgs' package)");
                }
                let (requires, origin) = self.git_build_system(
                    &format!("{}#{}", g.repository, g.commit),
                    g.subdirectory.as_deref(),
                    &p.attr,
                    &p.custom,
                );
                let src = Src::git(g, &self.inputs.facts, &self.github_hosts);
                let key = format!("{}#{}", g.repository, g.commit);
                let cargo = self.git_cargo(&key, g.subdirectory.as_deref(), &requires);
                p.recipe = self
                    .fresh_source(
                        i,
                        &mut p.custom,
                        src,
                        requires,
                        origin,
                        g.subdirectory.clone(),
                        None,
                    )
                    .with_cargo(cargo, None);
            }
            Artifact::Url { url, .. } => {
                p.action = Action::Build;
                p.reason = format!("direct URL {}", lock2nix_lock::strip_url_credentials(url));
                p.recipe = self.fresh_artifact(i, &mut p.custom, None);
            }
            Artifact::Path { path, .. } => {
                p.action = Action::Build;
                p.reason = format!("local file {path}");
                p.recipe = self.fresh_artifact(i, &mut p.custom, None);
            }
            Artifact::Wheel { .. } | Artifact::Sdist { .. } => self.decide_registry(i, &mut p),
        }
        p
    }

    /// A package the configuration takes from another source: a fresh derivation of that source
    /// at the configured version, with the lock's dependencies.
    fn configured_source(&mut self, i: usize, p: &mut PlannedPackage, cfg: &crate::PackageSource) {
        use crate::SrcOverride;
        let rp = self.rp(i);
        if let Nixpkgs::Usable(e) | Nixpkgs::Unusable(e, _) = self.lookup(&rp.name) {
            p.nixpkgs = Some(nixpkgs_ref(e));
        }
        if p.custom.version.is_none() {
            p.derivation_version = cfg.version.clone();
        }
        let (what, src, subdirectory, wheel) = match &cfg.source {
            SrcOverride::Git {
                url,
                rev,
                subdirectory,
            } => {
                p.action = Action::Vcs;
                let src = match lock2nix_lock::parse_git_source(&format!("{url}#{rev}")) {
                    Ok(g) => Src::git(&g, &self.inputs.facts, &self.github_hosts),
                    // the configuration reader checked both; keep the plan total anyway
                    Err(_) => Src::Git {
                        name: None,
                        url: lock2nix_lock::strip_url_credentials(url).into_owned(),
                        rev: rev.clone(),
                        hash: crate::SrcHash::Missing,
                        key: lock2nix_lock::git_source_key(url, rev),
                    },
                };
                (
                    format!("git {} at {rev}", lock2nix_lock::strip_url_credentials(url)),
                    src,
                    subdirectory.clone(),
                    false,
                )
            }
            SrcOverride::Url { url, hash } => {
                p.action = Action::Build;
                let src = Src::Url {
                    name: crate::store_name_for_url(url),
                    url: lock2nix_lock::strip_url_credentials(url).into_owned(),
                    hash: crate::SrcHash::Sri(hash.clone()),
                };
                let wheel = url
                    .split(['?', '#'])
                    .next()
                    .is_some_and(|u| u.to_ascii_lowercase().ends_with(".whl"));
                (
                    format!("URL {}", lock2nix_lock::strip_url_credentials(url)),
                    src,
                    None,
                    wheel,
                )
            }
            SrcOverride::Path { path } => {
                p.action = Action::InTree;
                let lower = path.to_ascii_lowercase();
                let archive = [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"]
                    .iter()
                    .any(|x| lower.ends_with(x));
                let src = if archive {
                    Src::File {
                        path: path.clone(),
                        base: crate::Base::Workspace,
                    }
                } else {
                    Src::Tree {
                        path: path.clone(),
                        name: format!("{}-source", rp.name),
                        base: crate::Base::Workspace,
                    }
                };
                (format!("path {path}"), src, None, lower.ends_with(".whl"))
            }
        };
        p.reason = format!(
            "src from {}: {what}, version {} (the lock has {}, a {} package)",
            cfg.origin,
            cfg.version,
            p.version,
            rp.source.as_str()
        );
        p.recipe = if wheel {
            let mut f = Fresh {
                application: p.custom.application,
                src,
                format: Format::Wheel,
                deps: self.deps(i, &p.custom),
                carry_build_inputs_from: None,
                native_build_inputs: Vec::new(),
                build_inputs: Vec::new(),
                cargo: None,
            };
            merge_custom_lists(&mut f, &mut p.custom);
            Recipe::Fresh(f)
        } else {
            let (requires, origin, cargo) = match &src {
                Src::GitHub { key, .. } | Src::Git { key, .. } => {
                    let key = key.clone();
                    let (requires, origin) =
                        self.git_build_system(&key, subdirectory.as_deref(), &p.attr, &p.custom);
                    let cargo = self.git_cargo(&key, subdirectory.as_deref(), &requires);
                    (requires, origin, cargo)
                }
                _ => {
                    let (requires, origin) = self.assumed(&p.attr, &p.custom);
                    (requires, origin, None)
                }
            };
            self.fresh_source(i, &mut p.custom, src, requires, origin, subdirectory, None)
                .with_cargo(cargo, None)
        };
    }

    /// A registry package: bootstrap, reuse, swap or fresh.
    fn decide_registry(&mut self, i: usize, p: &mut PlannedPackage) {
        let rp = self.rp(i);
        let explicit_policy = self.inputs.package_policy.get(&rp.name).copied();
        let policy = explicit_policy.unwrap_or(self.inputs.policy);
        let found = self.lookup(&rp.name);
        if BOOTSTRAP.contains(&p.attr.as_str()) && explicit_policy.is_none() {
            let (attr, version) = match &found {
                Nixpkgs::Usable(e) | Nixpkgs::Unusable(e, _) => (e.attr.clone(), e.version.clone()),
                Nixpkgs::None(_) => (p.attr.clone(), None),
            };
            p.nixpkgs = Some(NixpkgsRef {
                attr: attr.clone(),
                version: version.clone(),
            });
            p.action = Action::Reuse;
            p.reason = format!(
                "build-system bootstrap package: nixpkgs' own {}",
                version
                    .as_deref()
                    .map_or(attr.clone(), |v| format!("{attr} {v}"))
            );
            p.recipe = Recipe::Reuse { nixpkgs_attr: attr };
            return;
        }
        let e = match found {
            Nixpkgs::None(why) => {
                p.action = Action::Build;
                p.reason = why;
                p.recipe = self.fresh_artifact(i, &mut p.custom, None);
                return;
            }
            Nixpkgs::Unusable(e, why) => {
                p.nixpkgs = Some(nixpkgs_ref(e));
                p.action = Action::Build;
                p.reason = format!("{why}; built from the lock");
                p.recipe = self.fresh_artifact(i, &mut p.custom, None);
                return;
            }
            Nixpkgs::Usable(e) => e,
        };
        p.nixpkgs = Some(nixpkgs_ref(e));
        let equal = match (&e.version, &rp.version) {
            (Some(nv), Some(lv)) => nixpkgs_version_matches(lv, nv) == VersionMatch::Equal,
            _ => false,
        };
        let verdict = if equal {
            Ok(format!("nixpkgs has the same version ({})", e.attr))
        } else {
            match policy {
                Policy::Nixpkgs => Ok(format!("policy nixpkgs: nixpkgs has {}", describe(e))),
                Policy::Exact => Err(mismatch(e, &p.version)),
                Policy::Compatible => self.compatible(i, e, &p.version),
            }
        };
        match verdict {
            Ok(reason) => {
                p.action = Action::Reuse;
                p.reason = reason;
                p.recipe = Recipe::Reuse {
                    nixpkgs_attr: e.attr.clone(),
                };
            }
            Err(why) => self.swap(i, p, e, why),
        }
    }

    /// nixpkgs has another version: keep its recipe when that is known to build, else a fresh
    /// derivation.
    fn swap(&mut self, i: usize, p: &mut PlannedPackage, e: &'a Entry, why: String) {
        let rp = self.rp(i);
        let blockers = e.features.swap_blockers();
        let sdist = self.lock_sdist(i);
        if blockers.is_empty() {
            if let Some(src) = sdist {
                p.action = Action::Override;
                p.reason = format!("{why}; nixpkgs' recipe takes the lock's sdist");
                p.recipe = Recipe::Swap {
                    nixpkgs_attr: e.attr.clone(),
                    src,
                    deps: self.deps(i, &p.custom),
                };
                return;
            }
        }
        let because = if blockers.is_empty() {
            "the lock has no sdist for nixpkgs' recipe".to_string()
        } else if !e.features.known() {
            "the index does not describe nixpkgs' recipe, so a version swap of it is not trusted"
                .to_string()
        } else {
            let list: Vec<String> = blockers.iter().map(ToString::to_string).collect();
            format!(
                "nixpkgs' recipe would not survive a version swap ({})",
                list.join(", ")
            )
        };
        p.action = Action::Build;
        p.recipe = self.fresh_artifact(i, &mut p.custom, Some(e));
        let from = match &rp.artifact {
            Artifact::Wheel { .. } => "the lock's wheel",
            _ => "the lock's sdist",
        };
        p.reason = format!("{why}; {because}: fresh from {from}");
    }

    /// Whether a direct wheel (URL or file) holds no compiled code, from the file name the lock
    /// parsed; unknown counts as compiled (it is patched like a binary wheel).
    fn lock_wheel_is_pure(&self, i: usize) -> bool {
        self.lock.packages[self.rp(i).id]
            .wheels
            .first()
            .is_some_and(|w| w.filename.is_pure())
    }

    /// The lock's sdist of a registry package, unless the target forbids building it.
    fn lock_sdist(&self, i: usize) -> Option<Src> {
        let rp = self.rp(i);
        if self.res.target.no_build.contains(&rp.name) {
            return None;
        }
        let s = self.lock.packages[rp.id].sdist.as_ref()?;
        let location = match &s.locator {
            lock2nix_lock::SdistLocator::Url(u) => Location::Url(u.clone()),
            lock2nix_lock::SdistLocator::Path(p) => Location::Path(p.clone()),
            lock2nix_lock::SdistLocator::Metadata => return None,
        };
        Some(Src::registry_file(&location, s.hash.as_ref()))
    }

    /// `compatible`: nixpkgs' version is reusable when every dependent's requirement on the
    /// package accepts it; an edge whose requirement is unknown counts as exact.
    fn compatible(&self, i: usize, e: &Entry, lock_version: &str) -> Result<String, String> {
        let Some(nv) = e.version.as_deref() else {
            return Err(mismatch(e, lock_version));
        };
        let Ok(nv) = Version::from_str(nv) else {
            return Err(format!(
                "nixpkgs has {}, which is not a PEP 440 version; the lock pins {lock_version}",
                describe(e)
            ));
        };
        let name = &self.rp(i).name;
        let mut failing = Vec::new();
        let mut unknown = Vec::new();
        let mut checked = 0usize;
        for &d in self.dependents(i) {
            match self.requirement_on(d, name) {
                Some(specs) => {
                    checked += 1;
                    for s in specs {
                        if !s.contains(&nv) {
                            failing.push(format!("{} requires {s}", self.attr(d)));
                        }
                    }
                }
                None => unknown.push(self.attr(d)),
            }
        }
        if !failing.is_empty() {
            return Err(format!(
                "nixpkgs has {}, but {}",
                describe(e),
                failing.join(", ")
            ));
        }
        if !unknown.is_empty() {
            return Err(format!(
                "nixpkgs has {}, the lock pins {lock_version}, and the requirements of {} on it are not known (`lock2nix prefetch` records them)",
                describe(e),
                abbreviate(&unknown, 3)
            ));
        }
        Ok(if checked == 0 {
            format!(
                "policy compatible: nixpkgs has {} and nothing in the closure depends on it",
                describe(e)
            )
        } else {
            format!(
                "policy compatible: nixpkgs has {}, which all {checked} dependent(s) accept",
                describe(e)
            )
        })
    }

    /// The build requirements whose marker holds on this target (`tomli; python_version <
    /// '3.11'` is left out for 3.13); one that does not parse is kept as it is.
    fn applicable(&self, requires: Vec<String>) -> Vec<String> {
        let Some(env) = &self.env else {
            return requires;
        };
        // read within the marker limits, as the sidecar's reader did
        let reader = lock2nix_lock::RequirementReader::new(&lock2nix_lock::Limits::default());
        requires
            .into_iter()
            .filter(|t| {
                reader
                    .parse(t)
                    .map_or(true, |r| r.marker.evaluate(env, &[]))
            })
            .collect()
    }

    /// The specifiers package `d` puts on `name` on this target (empty = any version), or `None`
    /// when `d`'s requirements are not known.
    fn requirement_on(&self, d: usize, name: &PackageName) -> Option<Vec<VersionSpecifiers>> {
        let rp = self.rp(d);
        let extras: Vec<ExtraName> = rp.extras.iter().cloned().collect();
        let pkg = &self.lock.packages[rp.id];
        let holds_lock = |r: &LockRequirement| match (&r.marker, &self.env) {
            (None, _) => true,
            (Some(m), Some(env)) => m.tree.evaluate(env, &extras),
            (Some(_), None) => true,
        };
        if let Some(meta) = &pkg.metadata {
            let reqs = meta
                .requires_dist
                .iter()
                .chain(meta.requires_dev.values().flatten());
            let specs = reqs
                .filter(|r| &r.name == name && holds_lock(r))
                .filter_map(|r| match &r.source {
                    RequirementSource::Registry { specifier, .. } => Some(specifier.clone()),
                    _ => None,
                })
                .collect();
            return Some(specs);
        }
        let texts = match &rp.artifact {
            Artifact::Wheel { hash: Some(h), .. } => self.inputs.facts.wheel_requires.get(&h.hex()),
            Artifact::Sdist { hash: Some(h), .. } => self
                .inputs
                .facts
                .sdist
                .get(&h.hex())
                .and_then(|s| s.requires_dist.as_ref()),
            _ => None,
        }?;
        let mut specs = Vec::new();
        // the sidecar's reader validated these within the marker limits; they are read the
        // same bounded way again (one that does not parse makes the requirements unknown)
        let reader = lock2nix_lock::RequirementReader::new(&lock2nix_lock::Limits::default());
        for t in texts {
            let r = reader.parse(t).ok()?;
            if &r.name != name {
                continue;
            }
            if let Some(env) = &self.env {
                if !r.marker.evaluate(env, &extras) {
                    continue;
                }
            }
            if let Some(pep508_rs::VersionOrUrl::VersionSpecifier(s)) = r.version_or_url {
                specs.push(s);
            } else {
                specs.push(VersionSpecifiers::empty());
            }
        }
        Some(specs)
    }

    /// Report dependents whose requirement excludes nixpkgs' version of a bootstrap package it
    /// keeps. Only dependents the overlay builds count (a reused one is nixpkgs' concern), and
    /// not when the dependent relaxes that requirement (`pythonRelaxDeps`).
    fn check_bootstrap(&mut self, packages: &[PlannedPackage]) {
        let mut notes = std::mem::take(&mut self.notes);
        for p in packages {
            let (Some(n), true) = (&p.nixpkgs, BOOTSTRAP.contains(&p.attr.as_str())) else {
                continue;
            };
            if p.action != Action::Reuse {
                continue;
            }
            let Some(Ok(nv)) = n.version.as_deref().map(Version::from_str) else {
                continue;
            };
            for &d in self.dependents(p.index) {
                let dependent = &packages[d];
                let relaxed = match &dependent.custom.python_relax_deps {
                    Some(names) => names.is_empty() || names.iter().any(|x| x == &p.attr),
                    None => false,
                };
                if dependent.action == Action::Reuse || relaxed {
                    continue;
                }
                for s in self.requirement_on(d, &p.name).unwrap_or_default() {
                    if !s.contains(&nv) {
                        notes.push(Note::BootstrapMismatch {
                            package: p.attr.clone(),
                            nixpkgs_version: nv.to_string(),
                            requirement: format!("{} requires {s}", dependent.attr),
                        });
                    }
                }
            }
        }
        self.notes = notes;
    }

    /// `cargoDeps` of a git package directory: `None` unless it is Rust (a Rust build backend,
    /// or a Cargo.lock was extracted for it).
    fn git_cargo(
        &self,
        key: &str,
        subdirectory: Option<&str>,
        requires: &[String],
    ) -> Option<CargoDeps> {
        let fact = self
            .inputs
            .facts
            .git_cargo_locks
            .get(&(key.to_string(), dir_key(subdirectory)));
        let rust = build_requirement_attrs(requires)
            .iter()
            .any(|r| RUST_BACKENDS.contains(&r.as_str()))
            || fact.is_some();
        rust.then(|| cargo_deps(fact))
    }

    /// The build system `lock2nix prefetch` read from a git checkout's package directory, else
    /// as [`Ctx::assumed`].
    fn git_build_system(
        &mut self,
        key: &str,
        subdirectory: Option<&str>,
        attr: &str,
        custom: &Customization,
    ) -> (Vec<String>, BuildSystemOrigin) {
        match self
            .inputs
            .facts
            .git_build_requires
            .get(&(key.to_string(), dir_key(subdirectory)))
        {
            Some(requires) => (requires.clone(), BuildSystemOrigin::Prefetched),
            None => self.assumed(attr, custom),
        }
    }

    /// Nothing tells the build system: the configuration's when it names one, else PEP 517's
    /// default (setuptools), which the plan reports.
    fn assumed(&mut self, attr: &str, custom: &Customization) -> (Vec<String>, BuildSystemOrigin) {
        if !custom.build_system.is_empty() {
            return (Vec::new(), BuildSystemOrigin::Configured);
        }
        self.assumed_build_system.push(attr.to_string());
        (vec!["setuptools".to_string()], BuildSystemOrigin::Assumed)
    }

    fn deps(&self, i: usize, custom: &Customization) -> Deps {
        let rp = self.rp(i);
        let removed = |d: usize| custom.python_remove_deps.iter().any(|r| *r == self.attr(d));
        let mut deps = Deps::default();
        deps.dependencies
            .reserve(rp.dependencies.len() + custom.dependencies.len());
        for &d in &rp.dependencies {
            if removed(d) {
                continue;
            }
            if self.res.is_cut(i, d) {
                deps.cut.push(self.attr(d));
            } else {
                deps.dependencies.push(self.attr(d));
            }
        }
        deps.dependencies
            .extend(custom.dependencies.iter().cloned());
        for (extra, v) in &rp.optional_dependencies {
            if v.is_empty() {
                continue;
            }
            deps.optional.push((
                extra.to_string(),
                v.iter()
                    .filter(|&&d| !self.res.is_cut(i, d))
                    .map(|&d| self.attr(d))
                    .collect(),
            ));
        }
        if !deps.cut.is_empty() || !custom.python_remove_deps.is_empty() {
            deps.remove = deps.cut.clone();
            deps.remove
                .extend(custom.python_remove_deps.iter().cloned());
            deps.remove.sort();
            deps.remove.dedup();
        }
        deps
    }

    /// A fresh derivation of the resolution's artifact (wheel, sdist, URL or file); `nixpkgs`
    /// is nixpkgs' recipe for the package, whose native inputs are carried over.
    fn fresh_artifact(
        &mut self,
        i: usize,
        custom: &mut PackageCustom,
        nixpkgs: Option<&Entry>,
    ) -> Recipe {
        let rp = self.rp(i);
        let (src, wheel, pure, subdirectory) = match &rp.artifact {
            Artifact::Wheel {
                location,
                hash,
                pure,
                ..
            } => (
                Src::registry_file(location, hash.as_ref()),
                true,
                *pure,
                None,
            ),
            Artifact::Sdist { location, hash } => (
                Src::registry_file(location, hash.as_ref()),
                false,
                true,
                None,
            ),
            Artifact::Url {
                url,
                hash,
                kind,
                subdirectory,
            } => (
                Src::url(url, hash.as_ref()),
                *kind == ArchiveKind::Wheel,
                self.lock_wheel_is_pure(i),
                subdirectory.clone(),
            ),
            Artifact::Path { path, kind, .. } => (
                Src::File {
                    path: path.clone(),
                    base: crate::Base::Workspace,
                },
                *kind == ArchiveKind::Wheel,
                self.lock_wheel_is_pure(i),
                None,
            ),
            // not reached: the callers handle source trees and git
            Artifact::Git(_)
            | Artifact::Directory(_)
            | Artifact::Editable(_)
            | Artifact::Virtual(_) => {
                return Recipe::Meta {
                    deps: self.deps(i, custom),
                }
            }
        };
        let carry = nixpkgs.map(carry_path);
        if wheel {
            let linux = self.res.target.system.is_linux();
            let native = !pure && linux;
            let mut f = Fresh {
                application: custom.application,
                src,
                format: Format::Wheel,
                deps: self.deps(i, custom),
                carry_build_inputs_from: if native { carry } else { None },
                native_build_inputs: if native {
                    vec!["autoPatchelfHook".to_string()]
                } else {
                    Vec::new()
                },
                build_inputs: if native {
                    vec!["stdenv.cc.cc.lib".to_string()]
                } else {
                    Vec::new()
                },
                cargo: None,
            };
            merge_custom_lists(&mut f, custom);
            return Recipe::Fresh(f);
        }
        let hash_hex = rp.artifact.hash().map(|h| h.hex());
        let fact = hash_hex
            .as_deref()
            .and_then(|h| self.inputs.facts.sdist.get(h));
        let (requires, origin) = match fact {
            Some(f) => (f.build_requires.clone(), BuildSystemOrigin::Prefetched),
            None => {
                let attr = self.attr(i);
                self.assumed(&attr, custom)
            }
        };
        let requires = self.applicable(requires);
        let requires_attrs = build_requirement_attrs(&requires);
        let rust = nixpkgs.is_some_and(|e| e.features.rust_vendor == Some(true))
            || requires_attrs
                .iter()
                .any(|r| RUST_BACKENDS.contains(&r.as_str()))
            || fact.is_some_and(|f| f.cargo_lock.is_some());
        let cargo = rust.then(|| cargo_deps(fact.and_then(|f| f.cargo_lock.as_ref())));
        self.fresh_source(i, custom, src, requires, origin, subdirectory, nixpkgs)
            .with_cargo(cargo, carry)
    }

    /// A fresh PEP 517 build of a source tree or archive.
    #[allow(clippy::too_many_arguments)]
    fn fresh_source(
        &self,
        i: usize,
        custom: &mut PackageCustom,
        src: Src,
        requires: Vec<String>,
        origin: BuildSystemOrigin,
        subdirectory: Option<String>,
        nixpkgs: Option<&Entry>,
    ) -> Recipe {
        let requires = self.applicable(requires);
        let native_build_inputs = nixpkgs
            .and_then(|e| e.features.native_build_inputs.as_ref())
            .map(|ids| {
                ids.iter()
                    .filter(|id| NATIVE_TOOLS.contains(&id.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let mut f = Fresh {
            application: custom.application,
            src,
            format: Format::Pyproject {
                build_system: build_requirement_attrs(&requires),
                origin,
                subdirectory,
            },
            deps: self.deps(i, custom),
            carry_build_inputs_from: nixpkgs.map(carry_path),
            native_build_inputs,
            build_inputs: Vec::new(),
            cargo: None,
        };
        merge_custom_lists(&mut f, custom);
        Recipe::Fresh(f)
    }

    /// The family rule: where nixpkgs' recipes share a source, swap them as one unit.
    fn family_rule(&mut self, packages: &mut [PlannedPackage]) {
        // attribute → planned index, for the closure's packages nixpkgs has
        let by_attr: BTreeMap<String, usize> = packages
            .iter()
            .enumerate()
            .filter_map(|(k, p)| p.nixpkgs.as_ref().map(|n| (n.attr.clone(), k)))
            .collect();
        // union-find over family links
        let mut parent: Vec<usize> = (0..packages.len()).collect();
        fn find(parent: &mut [usize], x: usize) -> usize {
            let mut r = x;
            while parent[r] != r {
                r = parent[r];
            }
            let mut y = x;
            while parent[y] != r {
                let next = parent[y];
                parent[y] = r;
                y = next;
            }
            r
        }
        let mut linked = false;
        for (k, p) in packages.iter().enumerate() {
            let Some(n) = &p.nixpkgs else { continue };
            let Some(family) = self
                .index
                .get(&n.attr)
                .and_then(|e| e.features.family.clone())
            else {
                continue;
            };
            if let Some(&other) = by_attr.get(&family) {
                let (a, b) = (find(&mut parent, k), find(&mut parent, other));
                parent[a] = b;
                linked = true;
            }
        }
        if !linked {
            return;
        }
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (k, p) in packages.iter().enumerate() {
            if p.nixpkgs.is_some() {
                groups.entry(find(&mut parent, k)).or_default().push(k);
            }
        }
        for members in groups.values().filter(|m| m.len() > 1) {
            let registry = |p: &PlannedPackage| {
                matches!(
                    self.res.packages[p.index].artifact,
                    Artifact::Wheel { .. } | Artifact::Sdist { .. }
                )
            };
            let all_reused = members
                .iter()
                .all(|&k| matches!(packages[k].action, Action::Reuse));
            if all_reused {
                continue;
            }
            let names: Vec<String> = members.iter().map(|&k| packages[k].attr.clone()).collect();
            for &k in members {
                if !registry(&packages[k]) || packages[k].action == Action::Build {
                    continue;
                }
                let i = packages[k].index;
                let entry = packages[k]
                    .nixpkgs
                    .as_ref()
                    .and_then(|n| self.index.get(&n.attr));
                let mut custom = std::mem::take(&mut packages[k].custom);
                let recipe = self.fresh_artifact(i, &mut custom, entry);
                let p = &mut packages[k];
                p.custom = custom;
                p.recipe = recipe;
                p.action = Action::Build;
                p.reason = format!(
                    "{}; nixpkgs builds {} from one source, so they are swapped together: fresh from the lock",
                    p.reason,
                    names.join(", ")
                );
            }
        }
    }
}

impl Recipe {
    fn with_cargo(mut self, cargo: Option<CargoDeps>, carry: Option<String>) -> Recipe {
        if let Recipe::Fresh(f) = &mut self {
            if cargo.is_some() {
                for tool in ["rustPlatform.cargoSetupHook", "cargo", "rustc"] {
                    if !f.native_build_inputs.iter().any(|t| t == tool) {
                        f.native_build_inputs.push(tool.to_string());
                    }
                }
            }
            f.cargo = cargo;
            if f.carry_build_inputs_from.is_none() {
                f.carry_build_inputs_from = carry;
            }
        }
        self
    }
}

/// The `sidecar` key of a package directory: `.` or `a/b`.
fn dir_key(subdirectory: Option<&str>) -> String {
    let dir: Vec<&str> = subdirectory
        .unwrap_or("")
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if dir.is_empty() {
        ".".to_string()
    } else {
        dir.join("/")
    }
}

/// `cargoDeps` of a Rust package from its extracted Cargo.lock, if any.
fn cargo_deps(lock: Option<&crate::CargoLockFact>) -> CargoDeps {
    match lock {
        None => CargoDeps::Missing,
        Some(c) if !c.unsupported.is_empty() => CargoDeps::Unsupported(c.unsupported.clone()),
        Some(c) => CargoDeps::Lock {
            path: c.path.clone(),
            root: c.root.clone(),
        },
    }
}

/// A fresh derivation writes whole lists: the configuration's build systems, native inputs and
/// dependencies join the recipe's (and are not rendered again). Without a customisation the
/// recipe's lists stay as built (its build systems are already sorted and unique).
fn merge_custom_lists(f: &mut Fresh, custom: &mut PackageCustom) {
    let Some(custom) = custom.get_mut() else {
        return;
    };
    if let Format::Pyproject { build_system, .. } = &mut f.format {
        build_system.append(&mut custom.build_system);
        build_system.sort();
        build_system.dedup();
    } else {
        custom.build_system.clear();
    }
    for n in custom.native_build_inputs.drain(..) {
        if !f.native_build_inputs.contains(&n) {
            f.native_build_inputs.push(n);
        }
    }
    for n in custom.build_inputs.drain(..) {
        if !f.build_inputs.contains(&n) {
            f.build_inputs.push(n);
        }
    }
    // deps() already added the configuration's dependencies
    custom.dependencies.clear();
    custom.python_remove_deps.clear();
}

fn nixpkgs_ref(e: &Entry) -> NixpkgsRef {
    NixpkgsRef {
        attr: e.attr.clone(),
        version: e.version.clone(),
    }
}

fn describe(e: &Entry) -> String {
    match &e.version {
        Some(v) => format!("{} {v}", e.attr),
        None => format!("{} (version not a literal)", e.attr),
    }
}

fn mismatch(e: &Entry, lock_version: &str) -> String {
    match &e.version {
        Some(v) => format!("nixpkgs has {} {v}, the lock pins {lock_version}", e.attr),
        None => format!(
            "nixpkgs' {} version is an expression ({}), so it cannot be shown equal to {lock_version}",
            e.attr,
            e.version_expr.as_deref().unwrap_or("unknown")
        ),
    }
}

fn abbreviate(items: &[String], n: usize) -> String {
    let mut s = items.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > n {
        s.push_str(&format!(" and {} more", items.len() - n));
    }
    s
}

/// A project path that leaves the lock's directory is written from the source root instead (no
/// `workspaceRoot + "/../x"`, which fails once `workspaceRoot` is a store path).
fn rebase(src: &mut Src, lock_dir: &str) {
    if let Src::File { path, base } | Src::Tree { path, base, .. } = src {
        if let Some(from_root) = crate::src::outside_lock_dir(lock_dir, path) {
            *path = from_root;
            *base = crate::Base::SourceRoot;
        }
    }
}

/// Where nixpkgs' recipe of `e` is found in the Python set before the overlay: its attribute,
/// or for a passthru child (`psycopg-c = psycopg.c;` in python-packages.nix, evaluated in the
/// final set) the parent's passthru attribute, which stays nixpkgs' own when the overlay
/// replaces the parent.
fn carry_path(e: &Entry) -> String {
    match (&e.features.family, &e.features.family_passthru) {
        (Some(parent), Some(child)) if parent != &e.attr => format!("{parent}.{child}"),
        _ => e.attr.clone(),
    }
}
