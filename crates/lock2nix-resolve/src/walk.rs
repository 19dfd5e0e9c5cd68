//! Following the lock's edges from the roots on one target, the way `uv sync --frozen` does
//! (uv's `to_resolution`), conflict markers included.
//!
//! uv encodes the chosen projects, extras and groups as synthetic extras (`project-<len>-<pkg>`,
//! `extra-<len>-<pkg>-<extra>`, `group-<len>-<pkg>-<group>`) and evaluates every edge marker with
//! the set of them that is active. The set is found first, in a breadth-first pass over the lock
//! that starts from the roots' chosen extras and groups and adds, whenever an edge's marker holds,
//! the extras the edge itself activates on its target (`{ name = "b", extra = ["x"] }` activates
//! `b[x]`, and its own marker is evaluated with `b[x]` counted as active). A second pass then
//! follows every edge whose marker holds with that final set. Both passes only happen when the
//! lock declares `conflicts`; without them no marker mentions a synthetic extra and one pass is
//! enough. The order of the queue is uv's: the roots in name order, each root's chosen extras,
//! then each root's chosen groups (evaluated once, right away), the lock's `[manifest]`
//! requirements and chosen `[manifest.dependency-groups]`, then breadth first.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use lock2nix_lock::{ConflictKind, Dependency, GroupName, Lock, LockRequirement, PackageId};
use pep508_rs::{ExtraName, MarkerEnvironment, MarkerTree, PackageName};
use rustc_hash::FxHashMap;

use crate::{conflict_extra, conflict_group, conflict_project, Edge, EdgeKind, ResolveError};

/// Where an edge starts: a package, or the workspace root itself (`[manifest]` requirements and
/// dependency groups, which belong to no package).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeFrom {
    /// A package of the lock.
    Package(PackageId),
    /// The workspace root (a `[manifest]` entry).
    Manifest,
}

/// What a walk reached.
#[derive(Debug, Default)]
pub(crate) struct Walk<'a> {
    /// Reached package → its active extras.
    pub reached: Reached,
    /// (from, to, edge) for every edge whose marker held, one per (from, to, kind), sorted by
    /// that (recorded in batches while walking, sorted once at the end).
    pub edges: Vec<(EdgeFrom, PackageId, Edge)>,
    /// Once finished, per source: `edges[from_starts[id]..from_starts[id + 1]]` leave the package
    /// of lock index `id`; from `from_starts[packages]` on they are the `[manifest]` entries'.
    pub from_starts: Vec<usize>,
    /// While walking: where the current batch of `edges` starts. Every edge of one (from, kind)
    /// is recorded in one batch (while one queued item, one root's group or one `[manifest]`
    /// list is followed), so an edge is found again among its batch's only …
    batch_start: usize,
    /// … through the last edge recorded to each package (by lock index; an index into `edges`,
    /// this batch's when at or after `batch_start`).
    last_to: Vec<usize>,
    /// For conflict errors, when asked for: package → the first (at most 3) edges that reached
    /// it.
    pub via: FxHashMap<PackageId, Vec<(EdgeFrom, Option<&'a lock2nix_lock::Marker>)>>,
    /// Is `via` kept?
    explain: bool,
    /// Are the edges' markers kept ([`Edge::marker`]; else `None`)?
    markers: bool,
    /// The package the walk stopped at (an `unfit` one), leaving the rest of the lock unvisited.
    pub stopped_at: Option<PackageId>,
}

/// The reached packages with their active extras, by lock index: a walk reaches much of the
/// lock, so a slot per package (found without a search) is not much larger than a map.
#[derive(Debug, Default)]
pub(crate) struct Reached {
    /// Per lock index: its active extras once it is reached.
    extras: Vec<Option<BTreeSet<ExtraName>>>,
}

impl Reached {
    fn new(packages: usize) -> Self {
        let mut extras = Vec::new();
        extras.resize_with(packages, || None);
        Self { extras }
    }

    /// Mark `id` reached; its active extras.
    fn entry(&mut self, id: PackageId) -> &mut BTreeSet<ExtraName> {
        self.extras[id].get_or_insert_with(BTreeSet::new)
    }

    /// The reached packages with their active extras, in lock order.
    pub fn iter(&self) -> impl Iterator<Item = (PackageId, &BTreeSet<ExtraName>)> + '_ {
        self.extras
            .iter()
            .enumerate()
            .filter_map(|(id, e)| e.as_ref().map(|e| (id, e)))
    }

    pub fn contains(&self, id: PackageId) -> bool {
        self.get(id).is_some()
    }

    /// The active extras of `id`, `None` when it is not reached.
    pub fn get(&self, id: PackageId) -> Option<&BTreeSet<ExtraName>> {
        self.extras.get(id).and_then(Option::as_ref)
    }
}

/// The chosen selection, per root.
pub(crate) struct Selection<'s> {
    pub roots: &'s [PackageId],
    pub root_extras: &'s BTreeMap<PackageId, Vec<ExtraName>>,
    pub root_groups: &'s BTreeMap<PackageId, Vec<GroupName>>,
    /// Chosen `[manifest.dependency-groups]`.
    pub manifest_groups: &'s [GroupName],
}

/// The active synthetic extras, as a set and as the slice marker evaluation takes.
#[derive(Default)]
struct Active {
    set: BTreeSet<ExtraName>,
    list: Vec<ExtraName>,
    /// Marker → whether it holds with `list`: a lock repeats a few dozen markers on thousands of
    /// edges, and pep508_rs walks the whole tree on every evaluation.
    memo: FxHashMap<MarkerTree, bool>,
}

impl Active {
    fn insert(&mut self, e: ExtraName) -> bool {
        if self.set.insert(e.clone()) {
            self.list.push(e);
            self.memo.clear();
            true
        } else {
            false
        }
    }

    /// The extras `dep` activates on its target that are not active yet.
    fn newly(&self, lock: &Lock, dep: &Dependency) -> Vec<ExtraName> {
        let name = &lock.packages[dep.target].name;
        dep.extras
            .iter()
            .filter_map(|e| conflict_extra(name, e))
            .filter(|e| !self.set.contains(e))
            .collect()
    }

    /// Does `dep`'s marker hold, counting `newly` as active?
    fn holds(&mut self, env: &MarkerEnvironment, dep: &Dependency, newly: &[ExtraName]) -> bool {
        let Some(m) = &dep.marker else { return true };
        if newly.is_empty() {
            if let Some(&holds) = self.memo.get(&m.tree) {
                return holds;
            }
            let holds = m.tree.evaluate(env, &self.list);
            self.memo.insert(m.tree.clone(), holds);
            holds
        } else {
            let mut all = self.list.clone();
            all.extend(newly.iter().cloned());
            m.tree.evaluate(env, &all)
        }
    }
}

type Item = (PackageId, Option<ExtraName>);

/// The items queued so far: a flag per package for the package itself, a set for its extras
/// (extra names are the lock's text: a randomly seeded hasher, so that a hostile lock cannot
/// make them collide).
#[derive(Clone)]
struct Seen {
    plain: Vec<bool>,
    extras: foldhash::HashSet<(PackageId, ExtraName)>,
}

impl Seen {
    fn new(packages: usize) -> Self {
        Self {
            plain: vec![false; packages],
            extras: foldhash::HashSet::default(),
        }
    }

    /// Mark the item; `true` when it was not marked yet.
    fn insert(&mut self, id: PackageId, extra: Option<&ExtraName>) -> bool {
        match extra {
            None => !std::mem::replace(&mut self.plain[id], true),
            Some(e) => self.extras.insert((id, e.clone())),
        }
    }
}

impl<'a> Walk<'a> {
    /// Count `dep` from `from` among the (at most 3) edges that reached its target.
    fn explain_edge(&mut self, from: EdgeFrom, dep: &'a Dependency) {
        let via = self.via.entry(dep.target).or_default();
        if via.len() < 3 {
            via.push((from, dep.marker.as_ref()));
        }
    }

    /// Start a batch: the edges of one (from, kind) follow, and no other edges of it come later.
    fn batch(&mut self) {
        self.batch_start = self.edges.len();
    }

    /// The edge from `from` to `to` of `kind` (the current batch's source and kind), created by
    /// `new` if it is not there yet.
    fn edge(
        &mut self,
        from: EdgeFrom,
        to: PackageId,
        kind: &EdgeKind,
        new: impl FnOnce() -> Edge,
    ) -> &mut Edge {
        let last = self.last_to[to];
        let i = if (self.batch_start..self.edges.len()).contains(&last) && self.edges[last].1 == to
        {
            debug_assert!(self.edges[last].0 == from && self.edges[last].2.kind == *kind);
            last
        } else {
            let i = self.edges.len();
            self.last_to[to] = i;
            self.edges.push((from, to, new()));
            i
        };
        &mut self.edges[i].2
    }

    /// Sort the edges by (from, to, kind) (their order as a map), dropping the index;
    /// `packages` is the lock's number of packages.
    fn finish(mut self, packages: usize) -> Self {
        self.last_to = Vec::new();
        self.from_starts = sort_edges(&mut self.edges, packages);
        debug_assert!(
            self.edges
                .windows(2)
                .all(|w| (w[0].0, w[0].1, &w[0].2.kind) != (w[1].0, w[1].1, &w[1].2.kind)),
            "an edge recorded in two batches"
        );
        self
    }
}

/// Sort `edges` (distinct by (from, to, kind), every `from` package below `packages`) by
/// (from, to, kind): first into one bucket per `from` in place, each edge swapped at most once
/// into its bucket (an edge is large, and a comparison sort moves it about log n times), then
/// each bucket (a package's few edges) by (to, kind). Returns where each bucket starts (the
/// packages', then the workspace root's).
fn sort_edges(edges: &mut [(EdgeFrom, PackageId, Edge)], packages: usize) -> Vec<usize> {
    // bucket of a `from`: a package's index, the workspace root after all packages
    let bucket = |from: EdgeFrom| match from {
        EdgeFrom::Package(id) => id,
        EdgeFrom::Manifest => packages,
    };
    // `next[b]`: where bucket `b`'s next edge goes; `ends[b]`: where the bucket ends
    let mut next = vec![0usize; packages + 1];
    for e in edges.iter() {
        next[bucket(e.0)] += 1;
    }
    let mut at = 0;
    for n in &mut next {
        let count = *n;
        *n = at;
        at += count;
    }
    let starts = next.clone();
    let mut ends = next[1..].to_vec();
    ends.push(edges.len());
    for b in 0..next.len() {
        while next[b] < ends[b] {
            let t = bucket(edges[next[b]].0);
            if t == b {
                next[b] += 1;
            } else {
                // (`t > b`: the buckets before `b` are complete)
                edges.swap(next[b], next[t]);
                next[t] += 1;
            }
        }
    }
    let mut start = 0;
    for end in ends {
        edges[start..end].sort_unstable_by(|a, b| (a.1, &a.2.kind).cmp(&(b.1, &b.2.kind)));
        start = end;
    }
    starts
}

/// The package a `[manifest]` requirement names on this target: the entry of that name whose
/// `resolution-markers` hold (or that has none); `None` when there is none or several.
fn find_by_markers(lock: &Lock, name: &PackageName, env: &MarkerEnvironment) -> Option<PackageId> {
    let mut found = None;
    for (id, p) in lock.packages_named(name) {
        if p.resolution_markers.is_empty()
            || p.resolution_markers
                .iter()
                .any(|m| m.tree.evaluate(env, &[]))
        {
            if found.is_some() {
                return None;
            }
            found = Some(id);
        }
    }
    found
}

/// Follow the edges; with `unfit`, stop (in the final pass) at the first package reached that
/// it calls unfit; with `explain`, keep [`Walk::via`]; with `markers`, each edge's marker text.
pub(crate) fn walk<'a>(
    lock: &'a Lock,
    env: &MarkerEnvironment,
    sel: &Selection<'_>,
    unfit: Option<&dyn Fn(PackageId) -> bool>,
    explain: bool,
    markers: bool,
) -> Result<Walk<'a>, ResolveError> {
    // (room for the lock's normal dependencies: most of what a walk records)
    let deps = lock.packages.iter().map(|p| p.dependencies.len()).sum();
    let mut walk = Walk {
        explain,
        markers,
        reached: Reached::new(lock.packages.len()),
        edges: Vec::with_capacity(deps),
        last_to: vec![0; lock.packages.len()],
        ..Walk::default()
    };
    let mut active = Active::default();
    for &r in sel.roots {
        let name = &lock.packages[r].name;
        active.extend(conflict_project(name));
        for e in sel.root_extras.get(&r).map(Vec::as_slice).unwrap_or(&[]) {
            // uv activates the chosen extras that have dependencies in the lock
            if lock.packages[r].optional_dependencies.contains_key(e) {
                active.extend(conflict_extra(name, e));
            }
        }
        for g in sel.root_groups.get(&r).map(Vec::as_slice).unwrap_or(&[]) {
            active.extend(conflict_group(name, g));
        }
    }

    // (an item per package and per queued extra: room for the packages at least)
    let mut queue: VecDeque<Item> = VecDeque::with_capacity(lock.packages.len());
    let mut seen = Seen::new(lock.packages.len());
    let visit = |walk: &mut Walk<'a>, id: PackageId| {
        walk.reached.entry(id);
    };
    for &r in sel.roots {
        visit(&mut walk, r);
        queue.push_back((r, None));
        let p = &lock.packages[r];
        for e in p.optional_dependencies.keys() {
            if sel.root_extras.get(&r).is_some_and(|v| v.contains(e)) {
                queue.push_back((r, Some(e.clone())));
                walk.reached.entry(r).insert(e.clone());
            }
        }
        // extras chosen but without dependencies are still the root's active extras
        for e in sel.root_extras.get(&r).map(Vec::as_slice).unwrap_or(&[]) {
            walk.reached.entry(r).insert(e.clone());
        }
    }
    // The roots' groups, evaluated once with what is active now (as uv does).
    for &r in sel.roots {
        let p = &lock.packages[r];
        for (g, deps) in &p.dev_dependencies {
            if !sel.root_groups.get(&r).is_some_and(|v| v.contains(g)) {
                continue;
            }
            walk.batch();
            for dep in deps {
                let newly = active.newly(lock, dep);
                if !active.holds(env, dep, &newly) {
                    continue;
                }
                for e in newly {
                    active.insert(e);
                }
                record(
                    &mut walk,
                    EdgeFrom::Package(r),
                    dep,
                    &EdgeKind::Group(g.clone()),
                );
                push(&mut queue, &mut seen, dep);
            }
        }
    }
    // `[manifest] requirements` (e.g. a script's) and the chosen groups of a workspace root that is
    // not a project.
    let manifest = |reqs: &'a [LockRequirement],
                    kind: EdgeKind,
                    activate: bool,
                    walk: &mut Walk<'a>,
                    queue: &mut VecDeque<Item>,
                    seen: &mut Seen,
                    active: &mut Active| {
        walk.batch();
        for req in reqs {
            if !req
                .marker
                .as_ref()
                .is_none_or(|m| m.tree.evaluate(env, &[]))
            {
                continue;
            }
            let Some(id) = find_by_markers(lock, &req.name, env) else {
                continue;
            };
            let marker = req.marker.as_ref().filter(|_| walk.markers);
            let edge = walk.edge(EdgeFrom::Manifest, id, &kind, || Edge {
                kind: kind.clone(),
                marker: marker.map(|m| m.raw.clone()),
                extras: Vec::new(),
            });
            for e in &req.extras {
                if !edge.extras.contains(e) {
                    edge.extras.push(e.clone());
                }
            }
            edge.extras.sort();
            if walk.explain {
                walk.via
                    .entry(id)
                    .or_default()
                    .push((EdgeFrom::Manifest, req.marker.as_ref()));
            }
            walk.reached.entry(id);
            if seen.insert(id, None) {
                queue.push_back((id, None));
            }
            for e in &req.extras {
                if activate {
                    active.extend(conflict_extra(&req.name, e));
                }
                if seen.insert(id, Some(e)) {
                    queue.push_back((id, Some(e.clone())));
                    walk.reached.entry(id).insert(e.clone());
                }
            }
        }
    };
    manifest(
        &lock.manifest.requirements,
        EdgeKind::Normal,
        false,
        &mut walk,
        &mut queue,
        &mut seen,
        &mut active,
    );
    for g in sel.manifest_groups {
        if let Some(reqs) = lock.manifest.dependency_groups.get(g) {
            manifest(
                reqs,
                EdgeKind::Group(g.clone()),
                true,
                &mut walk,
                &mut queue,
                &mut seen,
                &mut active,
            );
        }
    }

    // First pass: which extras end up active.
    if !lock.conflicts.is_empty() {
        let mut queue = queue.clone();
        let mut seen = seen.clone();
        while let Some((id, extra)) = queue.pop_front() {
            for dep in deps_of(lock, id, extra.as_ref()) {
                let newly = active.newly(lock, dep);
                if !active.holds(env, dep, &newly) {
                    continue;
                }
                for e in newly {
                    active.insert(e);
                }
                push(&mut queue, &mut seen, dep);
            }
        }
        check_activated(lock, &active.set)?;
    }

    // Second pass: the edges that hold with the final set.
    // (A root's items are queued first without being marked seen, so a dependency on a root
    // queues them again: an item followed a second time finds the same edges, targets already
    // checked and queued; only the explanation counts its edges again.)
    let mut followed = Seen::new(lock.packages.len());
    while let Some((id, extra)) = queue.pop_front() {
        if !followed.insert(id, extra.as_ref()) {
            if walk.explain {
                for dep in deps_of(lock, id, extra.as_ref()) {
                    if active.holds(env, dep, &[]) {
                        walk.explain_edge(EdgeFrom::Package(id), dep);
                    }
                }
            }
            continue;
        }
        let kind = match &extra {
            None => EdgeKind::Normal,
            Some(e) => EdgeKind::Extra(e.clone()),
        };
        walk.batch();
        for dep in deps_of(lock, id, extra.as_ref()) {
            if !active.holds(env, dep, &[]) {
                continue;
            }
            record(&mut walk, EdgeFrom::Package(id), dep, &kind);
            if unfit.is_some_and(|unfit| unfit(dep.target)) {
                walk.stopped_at = Some(dep.target);
                return Ok(walk);
            }
            push(&mut queue, &mut seen, dep);
        }
    }
    Ok(walk.finish(lock.packages.len()))
}

impl Active {
    fn extend(&mut self, e: Option<ExtraName>) {
        if let Some(e) = e {
            self.insert(e);
        }
    }
}

fn deps_of<'a>(lock: &'a Lock, id: PackageId, extra: Option<&ExtraName>) -> &'a [Dependency] {
    let p = &lock.packages[id];
    match extra {
        None => &p.dependencies,
        Some(e) => p
            .optional_dependencies
            .get(e)
            .map(Vec::as_slice)
            .unwrap_or(&[]),
    }
}

fn push(queue: &mut VecDeque<Item>, seen: &mut Seen, dep: &Dependency) {
    if seen.insert(dep.target, None) {
        queue.push_back((dep.target, None));
    }
    for e in &dep.extras {
        if seen.insert(dep.target, Some(e)) {
            queue.push_back((dep.target, Some(e.clone())));
        }
    }
}

fn record<'a>(walk: &mut Walk<'a>, from: EdgeFrom, dep: &'a Dependency, kind: &EdgeKind) {
    let marker = dep.marker.as_ref().filter(|_| walk.markers);
    let edge = walk.edge(from, dep.target, kind, || Edge {
        kind: kind.clone(),
        marker: marker.map(|m| m.raw.clone()),
        extras: Vec::new(),
    });
    if !dep.extras.is_empty() {
        for e in &dep.extras {
            if !edge.extras.contains(e) {
                edge.extras.push(e.clone());
            }
        }
        edge.extras.sort();
    }
    if walk.explain {
        walk.explain_edge(from, dep);
    }
    let set = walk.reached.entry(dep.target);
    for e in &dep.extras {
        set.insert(e.clone());
    }
}

/// uv refuses an install in which two extras of one `conflicts` set end up active (through the
/// roots' selection or through `pkg[extra]` edges).
fn check_activated(lock: &Lock, active: &BTreeSet<ExtraName>) -> Result<(), ResolveError> {
    for set in &lock.conflicts {
        let on: Vec<String> = set
            .iter()
            .filter_map(|item| match &item.kind {
                ConflictKind::Extra(e) => conflict_extra(&item.package, e)
                    .filter(|x| active.contains(x))
                    .map(|_| format!("extra `{e}` of {}", item.package)),
                _ => None,
            })
            .collect();
        if on.len() > 1 {
            return Err(ResolveError::DeclaredConflict {
                items: on.join(" and "),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bucket sort orders like a comparison sort, for edges in every order of a few shapes.
    #[test]
    fn sort_edges_is_sort_by_from_to_kind() {
        let extra = |s: &str| EdgeKind::Extra(s.parse().unwrap());
        let kinds = [EdgeKind::Normal, extra("a"), extra("b")];
        let mut all = Vec::new();
        for from in [
            EdgeFrom::Package(0),
            EdgeFrom::Package(3),
            EdgeFrom::Manifest,
        ] {
            for to in [0, 2, 3] {
                for kind in &kinds {
                    all.push((from, to, kind.clone()));
                }
            }
        }
        let edge = |(from, to, kind): &(EdgeFrom, PackageId, EdgeKind)| {
            let e = Edge {
                kind: kind.clone(),
                marker: None,
                extras: Vec::new(),
            };
            (*from, *to, e)
        };
        let key = |e: &(EdgeFrom, PackageId, Edge)| (e.0, e.1, e.2.kind.clone());
        // a deterministic shuffle (a linear congruential generator), subsets and all
        let mut state = 7u64;
        for round in 0..500 {
            let mut v: Vec<(EdgeFrom, PackageId, Edge)> = all
                .iter()
                .filter(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    round % 2 == 0 || state >> 62 != 0
                })
                .map(edge)
                .collect();
            for i in (1..v.len()).rev() {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                v.swap(i, (state >> 33) as usize % (i + 1));
            }
            let mut want: Vec<_> = v.iter().map(key).collect();
            want.sort();
            let starts = sort_edges(&mut v, 4);
            assert_eq!(v.iter().map(key).collect::<Vec<_>>(), want, "round {round}");
            // each bucket starts at the first edge of its source (or where it would be)
            let bucket = |e: &(EdgeFrom, PackageId, Edge)| match e.0 {
                EdgeFrom::Package(id) => id,
                EdgeFrom::Manifest => 4,
            };
            let want_starts: Vec<usize> = (0..=4)
                .map(|b| v.iter().take_while(|e| bucket(e) < b).count())
                .collect();
            assert_eq!(starts, want_starts, "round {round}");
        }
    }
}
