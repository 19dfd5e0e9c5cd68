//! Is the lock stale against the workspace's `pyproject.toml` files? The checks `uv lock --check`
//! makes that can be made without building anything: the workspace members, each member's name,
//! version, requirements, extras and dependency groups, and the dependency groups of a workspace
//! root that is not a project.
//!
//! Requirements are compared as uv compares them: names and extras normalised, specifier sets as
//! sets, markers canonical and simplified within the lock's `requires-python` (so
//! `python_version < '3.11'` equals uv's `python_full_version < '3.11'`), optional dependencies as
//! `extra == '…'`-qualified requirements; a requirement with a `tool.uv.sources` entry is split as
//! uv splits it (one requirement per source, with the source's marker, plus the rest of the
//! environments on the registry when the markers do not cover them all), and a requirement on a
//! package's own extras (`pkg[extra]` inside `pkg`) is a plain requirement. Requirements that a
//! build computes (`dynamic = ["dependencies"]`) cannot be compared without building and are not.

use std::collections::BTreeSet;
use std::ops::Bound;
use std::path::PathBuf;
use std::str::FromStr;

use pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement};

use crate::model::{Lock, LockRequirement, RequirementSource};
use crate::pyproject::{PyProject, UvSource, UvSourceKind, Workspace};

/// One stale part of the lock: which pyproject, what, and every difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleFinding {
    /// The `pyproject.toml` that differs from the lock.
    pub file: PathBuf,
    /// What is stale, e.g. ``workspace member `alpha` (packages/alpha)``.
    pub subject: String,
    /// Requirements the pyproject declares that the lock does not record.
    pub added: Vec<String>,
    /// Requirements the lock records that the pyproject no longer declares.
    pub removed: Vec<String>,
    /// Other differences (name, version, extras, members), one sentence each.
    pub changed: Vec<String>,
}

impl StaleFinding {
    /// One short line: what differs, counted.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        if !self.added.is_empty() {
            parts.push(format!(
                "{} requirement{} added",
                self.added.len(),
                plural(self.added.len())
            ));
        }
        if !self.removed.is_empty() {
            parts.push(format!(
                "{} requirement{} removed",
                self.removed.len(),
                plural(self.removed.len())
            ));
        }
        parts.extend(self.changed.iter().cloned());
        format!(
            "the lock is stale for {}: {}; using it as it is (`uv lock` refreshes it; `lock2nix inspect --stale` lists the differences)",
            self.subject,
            parts.join(", ")
        )
    }

    /// Every difference, one per line (for `inspect --stale`).
    pub fn details(&self) -> Vec<String> {
        let mut out: Vec<String> = self.changed.clone();
        out.extend(self.added.iter().map(|r| format!("pyproject declares {r}")));
        out.extend(self.removed.iter().map(|r| format!("lock records {r}")));
        out
    }

    /// [`StaleFinding::summary`] as a warning on the pyproject.
    pub fn to_warning(&self) -> crate::Warning {
        crate::Warning {
            file: self.file.clone(),
            position: None,
            key_path: String::new(),
            message: self.summary(),
        }
    }
}

/// The warnings of [`stale_findings`], one short line per stale member.
pub fn stale_warnings(lock: &Lock, workspace: &Workspace) -> Vec<crate::Warning> {
    stale_findings(lock, workspace)
        .iter()
        .map(StaleFinding::to_warning)
        .collect()
}

/// Every way `workspace` differs from what `lock` recorded (empty when `uv lock --check` would
/// pass on what can be checked without building). Sources outside the workspace are not
/// compared; [`stale_findings_with`] compares them too.
pub fn stale_findings(lock: &Lock, workspace: &Workspace) -> Vec<StaleFinding> {
    stale_findings_with(lock, workspace, &std::collections::BTreeMap::new())
}

/// [`stale_findings`], also comparing the directory and editable sources outside the workspace
/// whose `pyproject.toml` is in `outside` (by the lock's path, as
/// [`crate::LocalBuilds::projects`] has them): uv checks their static metadata too.
pub fn stale_findings_with(
    lock: &Lock,
    workspace: &Workspace,
    outside: &std::collections::BTreeMap<String, PyProject>,
) -> Vec<StaleFinding> {
    let ctx = Ctx::new(lock, workspace);
    let mut out = Vec::new();
    let root_file = workspace.root.join("pyproject.toml");

    // The members the lock was made for.
    if !lock.manifest.members.is_empty() {
        let expected: BTreeSet<String> = workspace
            .projects()
            .filter_map(|(_, p)| p.project.as_ref().map(|pr| pr.name.to_string()))
            .collect();
        let actual: BTreeSet<String> = lock
            .manifest
            .members
            .iter()
            .map(ToString::to_string)
            .collect();
        if expected != actual {
            let mut changed = Vec::new();
            let new: Vec<&String> = expected.difference(&actual).collect();
            let gone: Vec<&String> = actual.difference(&expected).collect();
            if !new.is_empty() {
                changed.push(format!("members not in the lock: {}", join(&new)));
            }
            if !gone.is_empty() {
                changed.push(format!("members only in the lock: {}", join(&gone)));
            }
            out.push(StaleFinding {
                file: root_file.clone(),
                subject: "the workspace".into(),
                added: Vec::new(),
                removed: Vec::new(),
                changed,
            });
        }
    }

    for pkg in &lock.packages {
        if !pkg.source.is_source_tree() {
            continue;
        }
        let Some(dir) = pkg.source.local_path() else {
            continue;
        };
        let (py, subject) = match workspace.member_at(dir) {
            Some(py) => (py, format!("workspace member `{}` ({dir})", pkg.name)),
            None => match outside.get(dir) {
                Some(py) => (py, format!("local source `{}` ({dir})", pkg.name)),
                None => continue,
            },
        };
        let Some(project) = &py.project else { continue };
        // a renamed project (uv refuses to export such a lock)
        if project.name != pkg.name {
            out.push(StaleFinding {
                file: py.path.clone(),
                subject,
                added: Vec::new(),
                removed: Vec::new(),
                changed: vec![format!(
                    "the project is named `{}` in pyproject.toml but `{}` in the lock",
                    project.name, pkg.name
                )],
            });
            continue;
        }
        let mut changed = Vec::new();
        let dynamic = |field: &str| project.dynamic.iter().any(|d| d == field);
        if let (Some(declared), Some(locked)) = (&project.version, &pkg.version) {
            if !dynamic("version") && declared != locked {
                changed.push(format!(
                    "version {locked} in the lock, {declared} in pyproject.toml"
                ));
            }
        }
        let requirements_static = !dynamic("dependencies") && !dynamic("optional-dependencies");
        let no_metadata = crate::model::PackageMetadata::default();
        let meta = pkg.metadata.as_ref().unwrap_or(&no_metadata);
        if requirements_static {
            let declared: BTreeSet<&ExtraName> = project.optional_dependencies.keys().collect();
            let locked: BTreeSet<&ExtraName> = meta.provides_extras.iter().collect();
            if pkg.metadata.is_some() && declared != locked {
                let new: Vec<&&ExtraName> = declared.difference(&locked).collect();
                let gone: Vec<&&ExtraName> = locked.difference(&declared).collect();
                if !new.is_empty() {
                    changed.push(format!("extras not in the lock: {}", join(&new)));
                }
                if !gone.is_empty() {
                    changed.push(format!("extras only in the lock: {}", join(&gone)));
                }
            }
        }
        let mut locked = KeySet::default();
        let mut declared = KeySet::default();
        if requirements_static {
            for r in &meta.requires_dist {
                locked.insert(ctx.lock_key("", r));
            }
            for r in &project.dependencies {
                declared.extend(ctx.pyproject_keys(py, Some(&project.name), "", r, None));
            }
            for (extra, reqs) in &project.optional_dependencies {
                for r in reqs {
                    declared.extend(ctx.pyproject_keys(
                        py,
                        Some(&project.name),
                        "",
                        r,
                        Some(extra),
                    ));
                }
            }
        }
        for (group, reqs) in &meta.requires_dev {
            for r in reqs {
                locked.insert(ctx.lock_key(group.as_ref(), r));
            }
        }
        for (group, reqs) in &py.dependency_groups {
            for r in reqs {
                declared.extend(ctx.pyproject_keys(
                    py,
                    Some(&project.name),
                    group.as_ref(),
                    r,
                    None,
                ));
            }
        }
        for r in &py.tool_uv.dev_dependencies {
            declared.extend(ctx.pyproject_keys(py, Some(&project.name), "dev", r, None));
        }
        if pkg.metadata.is_none() && meta.requires_dev.is_empty() {
            // uv wrote no metadata (e.g. an old lock): nothing to compare requirements with
            locked = declared.clone();
        }
        let added = declared.missing_from(&locked);
        let removed = locked.missing_from(&declared);
        if !added.is_empty() || !removed.is_empty() || !changed.is_empty() {
            out.push(StaleFinding {
                file: py.path.clone(),
                subject,
                added,
                removed,
                changed,
            });
        }
    }

    // The dependency groups of a workspace root that is not a project.
    if workspace.root_project.project.is_none() {
        let root = &workspace.root_project;
        let mut locked = KeySet::default();
        for (group, reqs) in &lock.manifest.dependency_groups {
            for r in reqs {
                locked.insert(ctx.lock_key(group.as_ref(), r));
            }
        }
        let mut declared = KeySet::default();
        for (group, reqs) in &root.dependency_groups {
            for r in reqs {
                declared.extend(ctx.pyproject_keys(root, None, group.as_ref(), r, None));
            }
        }
        if locked != declared {
            out.push(StaleFinding {
                file: root_file,
                subject: "the dependency groups of the workspace root".into(),
                added: declared.missing_from(&locked),
                removed: locked.missing_from(&declared),
                changed: Vec::new(),
            });
        }
    }
    out
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A set of [`Key`]s: hashed (a workspace declares thousands of requirements and compares them
/// once) with a randomly seeded hasher (foldhash: several times faster than std's SipHash on
/// these short keys, and still not one a hostile lock can make collide), its differences listed
/// in [`Key`] order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct KeySet(foldhash::HashSet<Key>);

impl KeySet {
    fn insert(&mut self, key: Key) {
        self.0.insert(key);
    }

    /// The keys of `self` that `other` lacks, sorted, as text.
    fn missing_from(&self, other: &KeySet) -> Vec<String> {
        let mut keys: Vec<&Key> = self.0.iter().filter(|k| !other.0.contains(*k)).collect();
        keys.sort_unstable();
        keys.into_iter().map(ToString::to_string).collect()
    }
}

impl Extend<Key> for KeySet {
    fn extend<I: IntoIterator<Item = Key>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

/// A requirement reduced to what is compared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    /// Dependency group ("" for the project's own requirements).
    group: String,
    name: String,
    extras: Vec<String>,
    /// Sorted specifiers, or `None` for a direct (non-registry) source.
    specifiers: Option<Vec<String>>,
    /// The canonical marker, `None` when always true.
    marker: Option<String>,
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("`")?;
        if !self.group.is_empty() {
            write!(f, "(group {}) ", self.group)?;
        }
        f.write_str(&self.name)?;
        if !self.extras.is_empty() {
            write!(f, "[{}]", self.extras.join(","))?;
        }
        match &self.specifiers {
            None => f.write_str(" @ <source>")?,
            Some(s) => f.write_str(&s.join(","))?,
        }
        if let Some(m) = &self.marker {
            write!(f, " ; {m}")?;
        }
        f.write_str("`")
    }
}

struct Ctx<'a> {
    workspace: &'a Workspace,
    lower: Bound<Version>,
    upper: Bound<Version>,
}

impl<'a> Ctx<'a> {
    fn new(lock: &Lock, workspace: &'a Workspace) -> Self {
        let (lower, upper) = lock
            .requires_python
            .as_ref()
            .map_or((Bound::Unbounded, Bound::Unbounded), python_bounds);
        Self {
            workspace,
            lower,
            upper,
        }
    }

    /// The canonical marker text, simplified within `requires-python`.
    fn marker(&self, m: &MarkerTree) -> Option<String> {
        let simple = m
            .clone()
            .simplify_python_versions(self.lower.as_ref(), self.upper.as_ref());
        if simple.is_false() {
            return Some("<never>".into());
        }
        simple.try_to_string()
    }

    fn lock_key(&self, group: &str, r: &LockRequirement) -> Key {
        let specifiers = match &r.source {
            RequirementSource::Registry { specifier, .. } => Some(sorted_specs(specifier)),
            _ => None,
        };
        Key {
            group: group.to_string(),
            name: r.name.to_string(),
            extras: sorted(r.extras.iter().map(ToString::to_string)),
            specifiers,
            marker: r.marker.as_ref().and_then(|m| self.marker(&m.tree)),
        }
    }

    /// The sources uv applies to `name` for `py`: the member's own, else the workspace root's.
    fn sources(&self, py: &'a PyProject, name: &PackageName) -> Option<&'a Vec<UvSource>> {
        py.tool_uv
            .sources
            .get(name)
            .or_else(|| self.workspace.root_project.tool_uv.sources.get(name))
    }

    /// The requirement(s) uv records for `r`, declared by `py` (named `own`) in `group` or extra.
    fn pyproject_keys(
        &self,
        py: &PyProject,
        own: Option<&PackageName>,
        group: &str,
        r: &Requirement,
        extra: Option<&ExtraName>,
    ) -> Vec<Key> {
        let mut marker = r.marker.clone();
        if let Some(extra) = extra {
            if let Ok(e) = MarkerTree::from_str(&format!("extra == '{extra}'")) {
                marker.and(e);
            }
        }
        let registry_specs = match &r.version_or_url {
            Some(pep508_rs::VersionOrUrl::Url(_)) => None,
            Some(pep508_rs::VersionOrUrl::VersionSpecifier(s)) => Some(sorted_specs(s)),
            None => Some(Vec::new()),
        };
        let key = |marker: &MarkerTree, specifiers: Option<Vec<String>>| Key {
            group: group.to_string(),
            name: r.name.to_string(),
            extras: sorted(r.extras.iter().map(ToString::to_string)),
            specifiers,
            marker: self.marker(marker),
        };
        // a package's requirement on its own extras is recorded as a plain requirement
        if own == Some(&r.name) {
            return vec![key(&marker, registry_specs)];
        }
        let direct = |s: &UvSource| !matches!(s.kind, UvSourceKind::Index(_));
        let specs_for = |s: &UvSource| {
            if direct(s) {
                None
            } else {
                registry_specs.clone()
            }
        };
        match self.sources(py, &r.name) {
            None => {
                let is_member = self.workspace.member_named(&r.name).is_some();
                vec![key(&marker, if is_member { None } else { registry_specs })]
            }
            Some(list) if list.len() == 1 && list[0].marker.is_none() => {
                vec![key(&marker, specs_for(&list[0]))]
            }
            Some(list) => {
                let mut out = Vec::new();
                let mut covered = MarkerTree::FALSE;
                for s in list {
                    let m = s
                        .marker
                        .as_deref()
                        .and_then(|t| MarkerTree::from_str(t).ok())
                        .unwrap_or(MarkerTree::TRUE);
                    covered.or(m.clone());
                    let mut both = marker.clone();
                    both.and(m);
                    out.push(key(&both, specs_for(s)));
                }
                if !covered.is_true() {
                    let mut rest = marker.clone();
                    rest.and(covered.negate());
                    out.push(key(&rest, registry_specs.clone()));
                }
                out
            }
        }
    }
}

fn sorted(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = items.collect();
    v.sort();
    v.dedup();
    v
}

fn sorted_specs(s: &VersionSpecifiers) -> Vec<String> {
    sorted(s.iter().map(ToString::to_string))
}

/// The lower and upper bounds of a `requires-python` specifier set (the tightest of each).
fn python_bounds(specs: &VersionSpecifiers) -> (Bound<Version>, Bound<Version>) {
    let mut lower: Bound<Version> = Bound::Unbounded;
    let mut upper: Bound<Version> = Bound::Unbounded;
    let raise = |lower: &mut Bound<Version>, b: Bound<Version>| {
        let tighter = match (&*lower, &b) {
            (Bound::Unbounded, _) => true,
            (Bound::Included(a) | Bound::Excluded(a), Bound::Included(v) | Bound::Excluded(v)) => {
                v > a || (v == a && matches!(b, Bound::Excluded(_)))
            }
            (_, Bound::Unbounded) => false,
        };
        if tighter {
            *lower = b;
        }
    };
    let lower_upper = |upper: &mut Bound<Version>, b: Bound<Version>| {
        let tighter = match (&*upper, &b) {
            (Bound::Unbounded, _) => true,
            (Bound::Included(a) | Bound::Excluded(a), Bound::Included(v) | Bound::Excluded(v)) => {
                v < a || (v == a && matches!(b, Bound::Excluded(_)))
            }
            (_, Bound::Unbounded) => false,
        };
        if tighter {
            *upper = b;
        }
    };
    let bump = |release: &[u64], at: usize| -> Version {
        let mut r: Vec<u64> = release.iter().take(at + 1).copied().collect();
        while r.len() <= at {
            r.push(0);
        }
        r[at] += 1;
        Version::new(r)
    };
    for s in specs.iter() {
        let v = s.version().clone();
        let release = v.release().to_vec();
        match s.operator() {
            Operator::GreaterThanEqual => raise(&mut lower, Bound::Included(v)),
            Operator::GreaterThan => raise(&mut lower, Bound::Excluded(v)),
            Operator::LessThan => lower_upper(&mut upper, Bound::Excluded(v)),
            Operator::LessThanEqual => lower_upper(&mut upper, Bound::Included(v)),
            Operator::Equal | Operator::ExactEqual => {
                raise(&mut lower, Bound::Included(v.clone()));
                lower_upper(&mut upper, Bound::Included(v));
            }
            Operator::EqualStar => {
                raise(&mut lower, Bound::Included(v));
                if !release.is_empty() {
                    lower_upper(
                        &mut upper,
                        Bound::Excluded(bump(&release, release.len() - 1)),
                    );
                }
            }
            Operator::TildeEqual => {
                raise(&mut lower, Bound::Included(v));
                if release.len() >= 2 {
                    lower_upper(
                        &mut upper,
                        Bound::Excluded(bump(&release, release.len() - 2)),
                    );
                }
            }
            Operator::NotEqual | Operator::NotEqualStar => {}
        }
    }
    (lower, upper)
}

/// For tests of this module's helpers.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_of_common_requires_python() {
        let b = |s: &str| python_bounds(&VersionSpecifiers::from_str(s).unwrap());
        let v = |s: &str| Version::from_str(s).unwrap();
        assert_eq!(b(">=3.10"), (Bound::Included(v("3.10")), Bound::Unbounded));
        assert_eq!(
            b("==3.13.*"),
            (Bound::Included(v("3.13")), Bound::Excluded(v("3.14")))
        );
        assert_eq!(
            b(">=3.13.14, <3.14"),
            (Bound::Included(v("3.13.14")), Bound::Excluded(v("3.14")))
        );
        assert_eq!(
            b("==3.12.8"),
            (Bound::Included(v("3.12.8")), Bound::Included(v("3.12.8")))
        );
        assert_eq!(
            b("~=3.11"),
            (Bound::Included(v("3.11")), Bound::Excluded(v("4")))
        );
    }
}
