//! Environments: which Python environments the overlay offers (`uv sync` in Nix) and what each
//! holds on every system.
//!
//! Two exist unless the configuration redefines them: `default` (the roots and their runtime
//! closure) and `dev` (the roots with `uv sync`'s default groups: `dev`, or
//! `tool.uv.default-groups`, with an editable variant `dev-editable`). More come from
//! `--env NAME=SPEC` and `[envs.NAME]` in `lock2nix.toml`. A spec is `;`-separated `key=value`
//! items: `groups=a,b`, `extras=x,y`, `default-groups`, `all-groups`, `all-extras`,
//! `editable=false`; a bare `NAME` means `groups=NAME`.
//!
//! The overlay is resolved once per system for the union of every environment's extras and
//! groups ([`resolution_target`]); each environment is then cut from that resolution by
//! [`lock2nix_resolve::environment`], so every package it installs is a package the overlay
//! defines, with markers evaluated for the system.

// `ResolveError` carries its whole explanation; it is returned once, on a path that ends the
// command, as `lock2nix-resolve` does.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use lock2nix_lock::{DefaultGroups, GroupName, Lock, SourceKind, Workspace};
use lock2nix_resolve::{Artifact, EnvSelection, Resolution, ResolveError, Target};
use lock2nix_wheel::System;
use pep508_rs::ExtraName;

use crate::{Plan, Recipe};

/// What an environment installs, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvSpec {
    /// The attribute name under `envs`.
    pub name: String,
    /// Extras of the roots.
    pub extras: Vec<ExtraName>,
    /// Every extra of the roots.
    pub all_extras: bool,
    /// Dependency groups.
    pub groups: Vec<GroupName>,
    /// `uv sync`'s default groups (`dev`, or `tool.uv.default-groups`).
    pub default_groups: bool,
    /// Every dependency group.
    pub all_groups: bool,
    /// Also offer `NAME-editable`, with the workspace members installed editable.
    pub editable: bool,
}

impl EnvSpec {
    /// An environment of the roots alone.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            extras: Vec::new(),
            all_extras: false,
            groups: Vec::new(),
            default_groups: false,
            all_groups: false,
            editable: true,
        }
    }

    /// The environments that exist without configuration: `default` (no editable variant) and
    /// `dev` (default groups, with `dev-editable`).
    pub fn defaults() -> Vec<EnvSpec> {
        vec![
            EnvSpec {
                editable: false,
                ..EnvSpec::new("default")
            },
            EnvSpec {
                default_groups: true,
                ..EnvSpec::new("dev")
            },
        ]
    }

    /// The defaults with `configured` added; a configured environment of a default's name
    /// replaces it. Sorted by name.
    pub fn with_defaults(configured: impl IntoIterator<Item = EnvSpec>) -> Vec<EnvSpec> {
        let mut by_name: BTreeMap<String, EnvSpec> = Self::defaults()
            .into_iter()
            .map(|s| (s.name.clone(), s))
            .collect();
        for s in configured {
            by_name.insert(s.name.clone(), s);
        }
        by_name.into_values().collect()
    }

    /// The attribute of the editable variant.
    pub fn editable_name(&self) -> String {
        format!("{}-editable", self.name)
    }

    /// The spec in `--env` syntax (without the name), for messages and `plan`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.groups.is_empty() {
            parts.push(format!("groups={}", join(&self.groups)));
        }
        if !self.extras.is_empty() {
            parts.push(format!("extras={}", join(&self.extras)));
        }
        for (on, what) in [
            (self.default_groups, "default-groups"),
            (self.all_groups, "all-groups"),
            (self.all_extras, "all-extras"),
        ] {
            if on {
                parts.push(what.to_string());
            }
        }
        if parts.is_empty() {
            parts.push("the roots".to_string());
        }
        parts.join(";")
    }
}

fn join<T: fmt::Display>(v: &[T]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Why an environment spec or name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvSpecError {
    /// The name is not usable as an attribute.
    #[error("environment name `{0}` is not a Nix identifier (letters, digits, `_`, `-`, `'`; not starting with a digit or `-`), or ends in `-editable` (the editable variants' names)")]
    Name(String),
    /// An item of the spec is unknown or malformed.
    #[error("`{item}` in the environment spec of `{name}`: {message}; a spec is `;`-separated items: groups=a,b  extras=x,y  default-groups  all-groups  all-extras  editable=false")]
    Item {
        /// The environment.
        name: String,
        /// The item.
        item: String,
        /// What is wrong.
        message: String,
    },
}

/// Check an environment name.
pub fn check_env_name(name: &str) -> Result<(), EnvSpecError> {
    if !lock2nix_nix::is_identifier(name) || name.ends_with("-editable") || name.len() > 100 {
        return Err(EnvSpecError::Name(name.to_string()));
    }
    Ok(())
}

fn parse_list<T: FromStr>(name: &str, item: &str, value: &str) -> Result<Vec<T>, EnvSpecError>
where
    T::Err: fmt::Display,
{
    let mut out = Vec::new();
    for v in value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        out.push(T::from_str(v).map_err(|e| EnvSpecError::Item {
            name: name.to_string(),
            item: item.to_string(),
            message: e.to_string(),
        })?);
    }
    Ok(out)
}

impl FromStr for EnvSpec {
    type Err = EnvSpecError;

    /// `NAME` (the group of that name) or `NAME=ITEM;ITEM…`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, spec) = match s.split_once('=') {
            Some((n, spec)) => (n.trim(), Some(spec)),
            None => (s.trim(), None),
        };
        check_env_name(name)?;
        let mut out = EnvSpec::new(name);
        let Some(spec) = spec else {
            out.groups = parse_list(name, name, name)?;
            return Ok(out);
        };
        for item in spec.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            let (key, value) = match item.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (item, None),
            };
            let flag = |v: Option<&str>| -> Result<bool, EnvSpecError> {
                match v {
                    None | Some("true") => Ok(true),
                    Some("false") => Ok(false),
                    Some(other) => Err(EnvSpecError::Item {
                        name: name.to_string(),
                        item: item.to_string(),
                        message: format!("expected true or false, found `{other}`"),
                    }),
                }
            };
            match (key, value) {
                ("groups" | "group", Some(v)) => out.groups.extend(parse_list(name, item, v)?),
                ("extras" | "extra", Some(v)) => out.extras.extend(parse_list(name, item, v)?),
                ("default-groups", v) => out.default_groups = flag(v)?,
                ("all-groups", v) => out.all_groups = flag(v)?,
                ("all-extras", v) => out.all_extras = flag(v)?,
                ("editable", v) => out.editable = flag(v)?,
                _ => {
                    return Err(EnvSpecError::Item {
                        name: name.to_string(),
                        item: item.to_string(),
                        message: "unknown item".to_string(),
                    })
                }
            }
        }
        Ok(out)
    }
}

/// `uv sync`'s default groups for the workspace: `tool.uv.default-groups` of the root
/// pyproject, else `dev`; `(all groups?, groups)`.
pub fn uv_default_groups(workspace: Option<&Workspace>) -> (bool, Vec<GroupName>) {
    match workspace.and_then(|ws| ws.root_project.tool_uv.default_groups.clone()) {
        Some(DefaultGroups::All) => (true, Vec::new()),
        Some(DefaultGroups::List(groups)) => (false, groups),
        None => (false, GroupName::from_str("dev").into_iter().collect()),
    }
}

/// The resolver's selection for `spec`.
pub fn selection(spec: &EnvSpec, workspace: Option<&Workspace>) -> EnvSelection {
    let mut sel = EnvSelection {
        extras: spec.extras.clone(),
        all_extras: spec.all_extras,
        groups: spec.groups.clone(),
        all_groups: spec.all_groups,
        default_groups: Vec::new(),
    };
    if spec.default_groups {
        let (all, groups) = uv_default_groups(workspace);
        sel.all_groups |= all;
        sel.default_groups = groups;
    }
    sel
}

/// The target the overlay is resolved for: `base` with every environment's groups and extras
/// added (extras as [`Target::environment_extras`], so that the roots' own derivations keep
/// `base`'s extras only).
pub fn resolution_target(
    base: &Target,
    specs: &[EnvSpec],
    lock: &Lock,
    workspace: Option<&Workspace>,
) -> Result<Target, ResolveError> {
    let mut t = base.clone();
    for spec in specs {
        let sel = selection(spec, workspace);
        let extras = if sel.all_extras {
            lock2nix_resolve::declared_extras(lock, base)?
        } else {
            sel.extras
        };
        for e in extras {
            if !t.extras.contains(&e) && !t.environment_extras.contains(&e) {
                t.environment_extras.push(e);
            }
        }
        for g in sel.groups {
            if !t.groups.contains(&g) {
                t.groups.push(g);
            }
        }
        for g in sel.default_groups {
            if !t.default_groups.contains(&g) {
                t.default_groups.push(g);
            }
        }
        t.all_groups |= sel.all_groups;
    }
    Ok(t)
}

/// Resolve `base` for the overlay with every environment of `specs` (see
/// [`resolution_target`]). When that fails on this system for a reason of the lock (no artifact
/// of a group's package fits, two versions needed together) but the roots alone resolve, the
/// roots' resolution is returned with the reason: the environments that need more are then
/// unavailable on this system ([`EnvOnSystem::unavailable`]). Mistakes of the selection (an
/// unknown group or extra, declared conflicts) are errors. The resolution's
/// [`Resolution::graph`] is `None` ([`lock2nix_resolve::resolve_without_graph`]): planning reads
/// the dependency lists.
pub fn resolve_for_envs(
    lock: &Lock,
    base: &Target,
    specs: &[EnvSpec],
    workspace: Option<&Workspace>,
) -> Result<(Resolution, Option<ResolveError>), ResolveError> {
    let target = resolution_target(base, specs, lock, workspace)?;
    // the environments add nothing to `base`: its resolution would fail the same way
    let adds_nothing = target.extras == base.extras
        && target.environment_extras == base.environment_extras
        && target.groups == base.groups
        && target.all_groups == base.all_groups
        && target.default_groups == base.default_groups;
    match lock2nix_resolve::resolve_without_graph(lock, &target) {
        Ok(res) => Ok((res, None)),
        // (nor when they add nothing that changes the walk, e.g. a default group no root has)
        Err(e @ (ResolveError::NoArtifact { .. } | ResolveError::Conflict { .. }))
            if !adds_nothing && !lock2nix_resolve::same_walk(lock, base, &target) =>
        {
            match lock2nix_resolve::resolve_without_graph(lock, base) {
                Ok(res) => Ok((res, Some(e))),
                Err(_) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// An environment on one system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvOnSystem {
    /// The system.
    pub system: System,
    /// Why the environment cannot be installed here (its packages do not resolve on this
    /// system); the overlay throws this when it is used.
    pub unavailable: Option<String>,
    /// What `withPackages` lists (Python attributes, sorted): the roots, what the chosen
    /// extras and groups add directly, and the lock's dependencies of packages that are
    /// nixpkgs' own (whose derivations propagate nixpkgs' lists).
    pub requires: Vec<String>,
    /// Everything installed (Python attributes, sorted).
    pub packages: Vec<String>,
}

/// A workspace member installed editable in the editable variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditableMember {
    /// Its Python attribute (and pname).
    pub attr: String,
    /// The version its metadata carries.
    pub version: String,
    /// The directory put on `sys.path`, relative to the workspace root (`/`-separated; empty
    /// for the root itself): the member's directory and its import root.
    pub path: String,
    /// The member's directory relative to the workspace root (`.` for the root).
    pub dir: String,
    /// `[project.scripts]`.
    pub scripts: BTreeMap<String, String>,
    /// `[project.gui-scripts]`.
    pub gui_scripts: BTreeMap<String, String>,
    /// Its dependencies per system (Python attributes, sorted).
    pub dependencies: Vec<(System, Vec<String>)>,
}

/// One environment the overlay offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    /// The spec.
    pub spec: EnvSpec,
    /// Per system, in the plans' order.
    pub systems: Vec<EnvOnSystem>,
    /// The members the editable variant installs editable (empty: no editable variant), sorted.
    pub editable: Vec<EditableMember>,
    /// The roots' console scripts (for flake apps), sorted.
    pub scripts: Vec<String>,
}

impl Env {
    /// The attribute name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }
}

/// Why the environments could not be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment `{env}` on {system}: {source}")]
pub struct EnvError {
    /// The environment.
    pub env: String,
    /// The system.
    pub system: String,
    /// Why.
    pub source: ResolveError,
}

/// A relative path that is safe in a Nix string, a shell word and a Python string literal.
fn plain_path(p: &str) -> bool {
    p.len() <= 1024
        && p.split('/').all(|c| {
            !c.is_empty()
                && c != ".."
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b))
        })
}

/// Plan every environment of `specs` for each system: `resolutions[i]` (resolved for
/// [`resolution_target`]) and `plans[i]` belong together. Returns the environments, sorted by
/// name, and the workspace members left out of the editable variants because their directory
/// is not a plain relative path.
pub fn plan_envs(
    lock: &Lock,
    resolutions: &[Resolution],
    plans: &[Plan],
    specs: &[EnvSpec],
    workspace: Option<&Workspace>,
) -> Result<(Vec<Env>, Vec<String>), EnvError> {
    use rayon::prelude::*;
    let mut envs = Vec::with_capacity(specs.len());
    let mut skipped: BTreeSet<String> = BTreeSet::new();
    // Each distinct selection is walked once per system (`dev-editable` is `dev`'s), in parallel.
    let mut distinct: Vec<EnvSelection> = Vec::new();
    let which: Vec<usize> = specs
        .iter()
        .map(|spec| {
            let sel = selection(spec, workspace);
            distinct.iter().position(|d| *d == sel).unwrap_or_else(|| {
                distinct.push(sel);
                distinct.len() - 1
            })
        })
        .collect();
    let closures: Vec<Vec<Result<_, ResolveError>>> = distinct
        .par_iter()
        .map(|sel| {
            resolutions
                .par_iter()
                .map(|res| lock2nix_resolve::environment(lock, res, sel))
                .collect()
        })
        .collect();
    for (spec, &d) in specs.iter().zip(&which) {
        let mut systems = Vec::with_capacity(resolutions.len());
        let mut members: BTreeMap<String, EditableMember> = BTreeMap::new();
        let mut scripts: BTreeSet<String> = BTreeSet::new();
        for ((res, plan), closure) in resolutions.iter().zip(plans).zip(&closures[d]) {
            let closure = match closure {
                Ok(c) => c,
                Err(ResolveError::OutsideResolution { .. }) => {
                    systems.push(EnvOnSystem {
                        system: res.target.system,
                        unavailable: Some(format!(
                            "lock2nix: the environment {} does not resolve on {}; `lock2nix translate` warned why",
                            spec.name, res.target.system
                        )),
                        requires: Vec::new(),
                        packages: Vec::new(),
                    });
                    continue;
                }
                Err(source) => {
                    return Err(EnvError {
                        env: spec.name.clone(),
                        system: res.target.system.to_string(),
                        source: source.clone(),
                    })
                }
            };
            let attr = |i: usize| plan.packages[i].attr.clone();
            // nixpkgs' own derivations propagate nixpkgs' dependency lists, not the lock's: what
            // the lock says they need is listed, so that it is in the environment either way.
            let mut listed: BTreeSet<usize> = closure.requires.iter().copied().collect();
            for &i in &closure.packages {
                if matches!(
                    plan.packages[i].recipe,
                    Recipe::Untouched | Recipe::Reuse { .. }
                ) {
                    listed.extend(
                        res.packages[i]
                            .dependencies
                            .iter()
                            .filter(|d| closure.packages.binary_search(d).is_ok()),
                    );
                }
            }
            let mut requires: Vec<String> = listed.iter().map(|&i| attr(i)).collect();
            requires.sort();
            let mut packages: Vec<String> = closure.packages.iter().map(|&i| attr(i)).collect();
            packages.sort();
            for &r in &res.roots {
                let dir = match &res.packages[r].artifact {
                    Artifact::Editable(d) | Artifact::Directory(d) | Artifact::Virtual(d) => d,
                    _ => continue,
                };
                if let Some(p) = workspace.and_then(|ws| ws.member_at(dir)) {
                    if let Some(project) = &p.project {
                        scripts.extend(project.scripts.keys().cloned());
                        scripts.extend(project.gui_scripts.keys().cloned());
                    }
                }
            }
            if spec.editable {
                for &i in &closure.packages {
                    let rp = &res.packages[i];
                    let (SourceKind::Editable, Artifact::Editable(dir)) = (rp.source, &rp.artifact)
                    else {
                        continue;
                    };
                    let planned = &plan.packages[i];
                    let Recipe::Fresh(fresh) = &planned.recipe else {
                        continue;
                    };
                    let pyproject = workspace.and_then(|ws| ws.member_at(dir));
                    let dir = dir.trim_end_matches('/');
                    let dir = if dir.is_empty() { "." } else { dir };
                    let import_root = pyproject.map_or("", |p| p.editable_root());
                    let path = [dir, import_root]
                        .iter()
                        .flat_map(|p| p.split('/'))
                        .filter(|c| !c.is_empty() && *c != ".")
                        .collect::<Vec<_>>()
                        .join("/");
                    if !(path.is_empty() || plain_path(&path)) {
                        skipped.insert(format!("{} ({dir})", planned.attr));
                        continue;
                    }
                    let project = pyproject.and_then(|p| p.project.as_ref());
                    let m = members
                        .entry(planned.attr.clone())
                        .or_insert_with(|| EditableMember {
                            attr: planned.attr.clone(),
                            version: planned.derivation_version.clone(),
                            path,
                            dir: dir.to_string(),
                            scripts: project.map(|p| p.scripts.clone()).unwrap_or_default(),
                            gui_scripts: project.map(|p| p.gui_scripts.clone()).unwrap_or_default(),
                            dependencies: Vec::new(),
                        });
                    let mut deps = fresh.deps.dependencies.clone();
                    deps.sort();
                    m.dependencies.push((res.target.system, deps));
                }
            }
            systems.push(EnvOnSystem {
                system: res.target.system,
                unavailable: None,
                requires,
                packages,
            });
        }
        envs.push(Env {
            spec: spec.clone(),
            systems,
            editable: members.into_values().collect(),
            scripts: scripts.into_iter().collect(),
        });
    }
    envs.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
    Ok((envs, skipped.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        let s: EnvSpec = "docs=groups=docs,lint;extras=cli;editable=false"
            .parse()
            .unwrap();
        assert_eq!(s.name, "docs");
        assert_eq!(join(&s.groups), "docs,lint");
        assert_eq!(join(&s.extras), "cli");
        assert!(!s.editable);
        let s: EnvSpec = "test".parse().unwrap();
        assert_eq!(join(&s.groups), "test");
        assert!(s.editable);
        let s: EnvSpec = "ci=default-groups;all-extras".parse().unwrap();
        assert!(s.default_groups && s.all_extras && !s.all_groups);
        assert_eq!(s.describe(), "default-groups;all-extras");
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, needle) in [
            ("1x=groups=a", "not a Nix identifier"),
            ("a-editable", "-editable"),
            ("a=colour=red", "unknown item"),
            ("a=editable=maybe", "expected true or false"),
            ("a=groups=no spaces", "no spaces"),
            ("a\"b=groups=x", "not a Nix identifier"),
        ] {
            let e = spec.parse::<EnvSpec>().unwrap_err().to_string();
            assert!(e.contains(needle), "{spec}: {e}");
        }
    }

    #[test]
    fn configured_replaces_a_default_of_its_name() {
        let specs = EnvSpec::with_defaults(["dev=groups=test".parse().unwrap()]);
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["default", "dev"]);
        assert!(!specs[1].default_groups);
        assert_eq!(join(&specs[1].groups), "test");
    }

    #[test]
    fn editable_paths_must_be_plain() {
        for ok in ["packages/ak-guardian/src", "a", "a.b/c_d"] {
            assert!(plain_path(ok), "{ok}");
        }
        for bad in [
            "a/../b", "/abs", "a'b", "a\"b", "a b", "a$b", "a\\b", "a//b", "a\n",
        ] {
            assert!(!plain_path(bad), "{bad}");
        }
    }
}
