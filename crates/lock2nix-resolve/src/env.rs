//! Environments: what `uv sync` installs for a choice of extras and dependency groups, cut from
//! a resolution made for the union of every environment's choices.

use std::collections::BTreeSet;

use lock2nix_lock::{GroupName, Lock, PackageId};
use pep508_rs::ExtraName;

use crate::{reach, reach_until, root_ids, Follow, Reach, Resolution, ResolveError, Target};

/// What an environment installs besides the roots (and the extras of the resolution's target,
/// which are part of the roots' dependencies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvSelection {
    /// Extras of the roots (each must be declared by one of them).
    pub extras: Vec<ExtraName>,
    /// Every extra the roots declare (`uv sync --all-extras`).
    pub all_extras: bool,
    /// Dependency groups (each must be defined by a root or the workspace root).
    pub groups: Vec<GroupName>,
    /// Every dependency group (`uv sync --all-groups`).
    pub all_groups: bool,
    /// Groups taken where they exist and skipped elsewhere (`uv sync`'s default groups).
    pub default_groups: Vec<GroupName>,
}

/// One environment on one target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvClosure {
    /// What the environment lists (indices into [`Resolution::packages`], sorted): the roots,
    /// what the chosen extras and groups of the roots add directly (the extras they ask of their
    /// targets expanded), and the workspace root's own requirements and chosen groups. Their
    /// dependencies follow from the packages' own dependency lists.
    pub requires: Vec<usize>,
    /// Everything installed: `requires` and all their dependencies (indices, sorted).
    pub packages: Vec<usize>,
}

/// Every extra the roots of `target` declare, sorted.
pub fn declared_extras(lock: &Lock, target: &Target) -> Result<Vec<ExtraName>, ResolveError> {
    let mut out: BTreeSet<ExtraName> = BTreeSet::new();
    for r in root_ids(lock, target)? {
        let p = &lock.packages[r];
        out.extend(p.optional_dependencies.keys().cloned());
        if let Some(m) = &p.metadata {
            out.extend(m.provides_extras.iter().cloned());
        }
    }
    Ok(out.into_iter().collect())
}

/// Do two walks start from the same roots with the same extras and groups chosen?
fn same_choice(a: &Reach<'_>, b: &Reach<'_>) -> bool {
    a.roots == b.roots
        && a.root_extras == b.root_extras
        && a.root_groups == b.root_groups
        && a.manifest_groups == b.manifest_groups
}

/// Would walks of `a` and `b` follow the same edges: the same system and Python, and the same
/// roots, extras and groups chosen, however they were asked for (a default group that no root
/// defines chooses nothing)? With the same artifact settings too (`prefer`, `no-binary`,
/// `no-build`, the tag policy), [`crate::resolve`] then fails on both alike or on neither.
/// `false` when either choice is invalid.
pub fn same_walk(lock: &Lock, a: &Target, b: &Target) -> bool {
    let same_artifacts = a.prefer == b.prefer
        && a.no_binary == b.no_binary
        && a.no_build == b.no_build
        && a.tag_policy == b.tag_policy;
    if a.system != b.system || a.python != b.python || !same_artifacts {
        return false;
    }
    match (
        reach_until(lock, a, Follow::Nothing),
        reach_until(lock, b, Follow::Nothing),
    ) {
        (Ok(a), Ok(b)) => same_choice(&a, &b),
        _ => false,
    }
}

/// The environment `sel` on the target of `res`: its packages are found by walking the lock from
/// the same roots with the environment's extras and groups (markers evaluated for the target,
/// as [`crate::resolve`] does), and must all be in `res` ([`ResolveError::OutsideResolution`]
/// otherwise: resolve with [`Target::environment_extras`] and the union of the groups).
pub fn environment(
    lock: &Lock,
    res: &Resolution,
    sel: &EnvSelection,
) -> Result<EnvClosure, ResolveError> {
    let mut target = res.target.clone();
    let mut extras = target.extras.clone();
    let chosen: Vec<ExtraName> = if sel.all_extras {
        declared_extras(lock, &target)?
    } else {
        sel.extras.clone()
    };
    for e in &chosen {
        if !extras.contains(e) {
            extras.push(e.clone());
        }
    }
    target.extras = extras;
    target.environment_extras = Vec::new();
    target.groups = sel.groups.clone();
    target.all_groups = sel.all_groups;
    target.default_groups = sel.default_groups.clone();
    // The walk is decided by the roots and their chosen extras and groups: when they are the
    // resolution's, it would reach exactly the resolution's packages.
    let chosen = reach_until(lock, &target, Follow::Nothing)?;
    let resolved = reach_until(lock, &res.target, Follow::Nothing)?;
    let same_walk = same_choice(&chosen, &resolved);
    let reach = if same_walk {
        chosen
    } else {
        reach(lock, &target)?
    };
    // lock index → index in `res.packages` (a slot per lock package: lock indices are dense; an
    // id outside the lock has no slot and is never found)
    let mut index: Vec<Option<usize>> = vec![None; lock.packages.len()];
    for (i, p) in res.packages.iter().enumerate() {
        if let Some(slot) = index.get_mut(p.id) {
            *slot = Some(i);
        }
    }
    let index_of = |id: PackageId| index.get(id).copied().flatten();
    // per index in `res.packages`: is it installed?
    let mut installed = vec![same_walk; res.packages.len()];
    for (id, _) in reach.packages() {
        match index_of(id) {
            Some(i) => installed[i] = true,
            None => {
                return Err(ResolveError::OutsideResolution {
                    package: lock.packages[id].display_id(),
                    target: res.target.to_string(),
                })
            }
        }
    }
    let packages: Vec<usize> = if same_walk {
        (0..res.packages.len()).collect()
    } else {
        (0..res.packages.len()).filter(|&i| installed[i]).collect()
    };
    let mut requires: Vec<usize> = res.roots.clone();
    for (id, root_extras) in &reach.root_extras {
        let Some(i) = index_of(*id) else { continue };
        let p = &res.packages[i];
        for e in root_extras
            .iter()
            .filter(|e| !res.target.extras.contains(e))
        {
            requires.extend(p.optional_dependencies.get(e).into_iter().flatten());
        }
    }
    for (id, groups) in &reach.root_groups {
        let Some(i) = index_of(*id) else { continue };
        let p = &res.packages[i];
        for g in groups {
            requires.extend(p.group_dependencies.get(g).into_iter().flatten());
        }
    }
    requires.extend(&res.manifest_requirements);
    for g in &reach.manifest_groups {
        requires.extend(res.manifest_groups.get(g).into_iter().flatten());
    }
    requires.sort_unstable();
    requires.dedup();
    Ok(EnvClosure { requires, packages })
}
