//! Cycles, cut edges, topological order and shortest paths.

use std::collections::VecDeque;

use crate::{Edge, EdgeFrom, Reach, ReachStep, ResolvedPackage};

/// A dependency cycle (a strongly connected component of the run-time dependency relation) and the
/// edges cut to break it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// The packages in the cycle, sorted by name (indices into [`crate::Resolution::packages`]).
    pub members: Vec<usize>,
    /// The edges `(from, to)` the overlay leaves out so that Nix propagation is acyclic.
    ///
    /// Chosen deterministically: a depth-first search inside the component, starting at the
    /// member whose name sorts first and following dependencies in name order; every edge that
    /// closes a cycle (a back edge) is cut. Every member stays reachable from the first one, so the
    /// closure of anything that depends on the cycle is unchanged.
    pub cut: Vec<(usize, usize)>,
}

/// The run-time relation Nix propagation follows: `dependencies` and, for roots, group dependencies.
fn nix_edges(p: &ResolvedPackage) -> impl Iterator<Item = usize> + '_ {
    p.dependencies
        .iter()
        .chain(p.group_dependencies.values().flatten())
        .copied()
}

/// Every cut edge of `cycles`, for constant-time lookups (a dense graph cuts O(n²) edges; a list
/// search per edge made the whole pass O(n⁴)); an edge between packages not both in a cycle is
/// answered without a look-up.
#[derive(Debug, Clone, Default)]
pub(crate) struct CutEdges {
    /// Per package: is it a member of a cycle?
    in_cycle: Vec<bool>,
    /// The cut edges (from, to).
    edges: rustc_hash::FxHashSet<(usize, usize)>,
}

impl CutEdges {
    /// Is `from → to` cut?
    pub(crate) fn contains(&self, from: usize, to: usize) -> bool {
        let member = |i: usize| self.in_cycle.get(i).copied().unwrap_or(false);
        member(from) && member(to) && self.edges.contains(&(from, to))
    }
}

/// The [`nix_edges`] as adjacency lists: `targets[starts[i]..starts[i + 1]]` are package `i`'s
/// edges, in ascending order of their targets, without repeats.
struct RunTime {
    starts: Vec<usize>,
    targets: Vec<usize>,
}

impl RunTime {
    fn new(packages: &[ResolvedPackage]) -> Self {
        let mut starts = Vec::with_capacity(packages.len() + 1);
        let mut targets = Vec::with_capacity(packages.iter().map(|p| p.dependencies.len()).sum());
        starts.push(0);
        for p in packages {
            // (`dependencies` are sorted and distinct; only a root's groups add to them)
            let from = targets.len();
            if p.group_dependencies.is_empty() {
                // (nearly every package: its list as it is, copied at once)
                targets.extend_from_slice(&p.dependencies);
            } else {
                targets.extend(nix_edges(p));
                targets[from..].sort_unstable();
                let mut kept = from;
                for k in from..targets.len() {
                    if kept == from || targets[k] != targets[kept - 1] {
                        targets[kept] = targets[k];
                        kept += 1;
                    }
                }
                targets.truncate(kept);
            }
            debug_assert!(targets[from..].windows(2).all(|w| w[0] < w[1]));
            starts.push(targets.len());
        }
        Self { starts, targets }
    }

    fn of(&self, i: usize) -> &[usize] {
        &self.targets[self.starts[i]..self.starts[i + 1]]
    }

    fn len(&self) -> usize {
        self.starts.len() - 1
    }
}

/// The strongly connected components of `g` (Tarjan's algorithm, iterative: a lock's chains may
/// be long), each handed to `found` (in no particular order).
fn components(g: &RunTime, mut found: impl FnMut(&[usize])) {
    // `index[x]`: NEW until visited, then its visit number while on the stack, then DONE once its
    // component is handed out (DONE is above every visit number, so taking the minimum with it
    // changes nothing: no separate on-stack flag)
    const NEW: usize = usize::MAX;
    const DONE: usize = usize::MAX - 1;
    let n = g.len();
    let (starts, targets) = (g.starts.as_slice(), g.targets.as_slice());
    let mut index = vec![NEW; n];
    let mut low = vec![0usize; n];
    let mut stack: Vec<usize> = Vec::new();
    // (node, position in its edges, end of its edges)
    let mut calls: Vec<(usize, usize, usize)> = Vec::new();
    let mut next = 0;
    for s in 0..n {
        if index[s] != NEW {
            continue;
        }
        index[s] = next;
        low[s] = next;
        next += 1;
        stack.push(s);
        calls.push((s, starts[s], starts[s + 1]));
        'calls: while let Some(&mut (v, ref mut pos, end)) = calls.last_mut() {
            // v's edges up to the first to a new node (its low kept here meanwhile)
            let mut lv = low[v];
            while *pos < end {
                let w = targets[*pos];
                *pos += 1;
                let iw = index[w];
                if iw == NEW {
                    low[v] = lv;
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    calls.push((w, starts[w], starts[w + 1]));
                    continue 'calls;
                }
                // (on the stack: a DONE node's index is above every low)
                lv = lv.min(iw);
            }
            low[v] = lv;
            calls.pop();
            if let Some(&(u, _, _)) = calls.last() {
                low[u] = low[u].min(lv);
            }
            if lv == index[v] {
                let at = stack
                    .iter()
                    .rposition(|&x| x == v)
                    .expect("a component's root is on the stack");
                for &x in &stack[at..] {
                    index[x] = DONE;
                }
                found(&stack[at..]);
                stack.truncate(at);
            }
        }
    }
}

/// The cycles (with their cut edges, also returned as a set) and a topological order.
pub(crate) fn cycles_and_order(packages: &[ResolvedPackage]) -> (Vec<Cycle>, CutEdges, Vec<usize>) {
    cycles_and_order_of(&RunTime::new(packages))
}

/// [`cycles_and_order`] of the run-time graph `g`.
fn cycles_and_order_of(g: &RunTime) -> (Vec<Cycle>, CutEdges, Vec<usize>) {
    let n = g.len();
    let mut cycles = Vec::new();
    components(g, |scc| {
        let self_loop = scc.len() == 1 && g.of(scc[0]).binary_search(&scc[0]).is_ok();
        if scc.len() < 2 && !self_loop {
            return;
        }
        let mut members: Vec<usize> = scc.to_vec();
        members.sort_unstable();
        let in_scc = |x: usize| members.binary_search(&x).is_ok();
        // iterative DFS from the first member (packages are sorted by name, so indices are too)
        let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
        let mut cut = Vec::new();
        // (the edges are sorted and distinct already)
        let succ =
            |n: usize| -> Vec<usize> { g.of(n).iter().copied().filter(|&t| in_scc(t)).collect() };
        let start = members[0];
        let mut stack: Vec<(usize, Vec<usize>, usize)> = vec![(start, succ(start), 0)];
        state[start] = 1;
        while let Some((node, children, pos)) = stack.last_mut() {
            if *pos < children.len() {
                let child = children[*pos];
                *pos += 1;
                let node = *node;
                match state[child] {
                    0 => {
                        state[child] = 1;
                        let c = succ(child);
                        stack.push((child, c, 0));
                    }
                    1 => cut.push((node, child)),
                    _ => {}
                }
            } else {
                state[*node] = 2;
                stack.pop();
            }
        }
        cut.sort_unstable();
        cycles.push(Cycle { members, cut });
    });
    cycles.sort_by(|a, b| a.members.cmp(&b.members));
    let mut in_cycle = vec![false; n];
    for c in &cycles {
        for &m in &c.members {
            in_cycle[m] = true;
        }
    }
    let cut_edges = CutEdges {
        in_cycle,
        edges: cycles.iter().flat_map(|c| c.cut.iter().copied()).collect(),
    };
    let order = dependencies_first(g, &cut_edges);
    (cycles, cut_edges, order)
}

/// A topological order of `g` with only the edges (from, to) that `kept` keeps, dependencies
/// first (all packages in their order when that still has a cycle): the order
/// `petgraph::algo::toposort` gives for the reversed graph that `petgraph` would build from `g`
/// (whose lists of incoming edges run from the last edge added to the first, so from the
/// highest source down).
fn dependencies_first(g: &RunTime, cut: &CutEdges) -> Vec<usize> {
    let n = g.len();
    // (only an edge out of a cycle's member may be cut: the others are kept without a look-up)
    let kept = |u: usize, v: usize| !cut.contains(u, v);
    let in_cycle = |u: usize| cut.in_cycle.get(u).copied().unwrap_or(false);
    // the reversed graph without the cut edges: `from[at[v]..at[v + 1]]` are the packages that
    // depend on `v`, highest first
    let mut at = vec![0usize; n + 1];
    for u in 0..n {
        if in_cycle(u) {
            for &v in g.of(u) {
                if kept(u, v) {
                    at[v + 1] += 1;
                }
            }
        } else {
            for &v in g.of(u) {
                at[v + 1] += 1;
            }
        }
    }
    for v in 0..n {
        at[v + 1] += at[v];
    }
    let mut fill = at.clone();
    let mut from = vec![0usize; at[n]];
    for u in (0..n).rev() {
        let check = in_cycle(u);
        for &v in g.of(u) {
            if !check || kept(u, v) {
                from[fill[v]] = u;
                fill[v] += 1;
            }
        }
    }
    let neighbors = |v: usize| &from[at[v]..at[v + 1]];
    // toposort's first pass, step by step: a depth-first search whose stack holds a node once per
    // time it was pushed; a node is finished when it is popped after its first visit
    let mut discovered = vec![false; n];
    let mut finished = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<usize> = Vec::new();
    for i in 0..n {
        if discovered[i] {
            continue;
        }
        stack.push(i);
        while let Some(&x) = stack.last() {
            if !discovered[x] {
                discovered[x] = true;
                for &s in neighbors(x) {
                    if s == x {
                        // (a self loop: a cycle)
                        return (0..n).collect();
                    }
                    if !discovered[s] {
                        stack.push(s);
                    }
                }
            } else {
                stack.pop();
                if !finished[x] {
                    finished[x] = true;
                    order.push(x);
                }
            }
        }
    }
    order.reverse();
    // toposort's second pass finds a cycle when there is one; then no order puts every edge
    // forward, so checking the edges is the same test
    let mut position = vec![0usize; n];
    for (k, &v) in order.iter().enumerate() {
        position[v] = k;
    }
    let forward = (0..n).all(|v| neighbors(v).iter().all(|&s| position[v] < position[s]));
    if forward {
        order
    } else {
        (0..n).collect()
    }
}

/// Every shortest path (at most `limit`) to `target` in a [`Reach`]: breadth first from the roots
/// and the `[manifest]` entries (the packages the workspace root itself names), over lock indices.
pub(crate) fn reach_paths(reach: &Reach<'_>, target: usize, limit: usize) -> Vec<Vec<ReachStep>> {
    use std::collections::BTreeMap;
    let mut out_edges: BTreeMap<usize, Vec<(usize, &Edge)>> = BTreeMap::new();
    let mut starts: BTreeMap<usize, Option<Edge>> = BTreeMap::new();
    for (from, to, edge) in reach.edges() {
        match from {
            EdgeFrom::Package(f) => out_edges.entry(f).or_default().push((to, edge)),
            EdgeFrom::Manifest => {
                starts.entry(to).or_insert_with(|| Some(edge.clone()));
            }
        }
    }
    for &r in &reach.roots {
        starts.insert(r, None);
    }
    let mut dist: BTreeMap<usize, usize> = BTreeMap::new();
    let mut parents: BTreeMap<usize, Vec<(usize, Edge)>> = BTreeMap::new();
    let mut queue = VecDeque::new();
    for &s in starts.keys() {
        dist.insert(s, 0);
        queue.push_back(s);
    }
    while let Some(u) = queue.pop_front() {
        let du = dist[&u];
        let mut outs: Vec<(usize, &Edge)> = out_edges.get(&u).cloned().unwrap_or_default();
        outs.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.kind.cmp(&b.1.kind)));
        for (v, edge) in outs {
            let dv = *dist.entry(v).or_insert_with(|| {
                queue.push_back(v);
                du + 1
            });
            if dv == du + 1
                && !parents
                    .get(&v)
                    .is_some_and(|ps| ps.iter().any(|(p, e)| *p == u && e.kind == edge.kind))
            {
                parents.entry(v).or_default().push((u, edge.clone()));
            }
        }
    }
    if !dist.contains_key(&target) {
        return Vec::new();
    }
    // enumerate backwards: (node, the steps after it, the edge that led into the last pushed)
    let mut out: Vec<Vec<ReachStep>> = Vec::new();
    let mut stack: Vec<(usize, Vec<ReachStep>)> = vec![(target, Vec::new())];
    while let Some((node, after)) = stack.pop() {
        if out.len() >= limit {
            break;
        }
        if dist[&node] == 0 {
            let mut path = vec![ReachStep {
                package: node,
                edge: starts.get(&node).cloned().flatten(),
            }];
            path.extend(after.into_iter().rev());
            out.push(path);
            continue;
        }
        let mut ps = parents.get(&node).cloned().unwrap_or_default();
        ps.sort_by_key(|p| std::cmp::Reverse(p.0));
        for (parent, edge) in ps {
            let mut a = after.clone();
            a.push(ReachStep {
                package: node,
                edge: Some(edge),
            });
            stack.push((parent, a));
        }
    }
    out.sort_by(|a, b| {
        let ka: Vec<usize> = a.iter().map(|s| s.package).collect();
        let kb: Vec<usize> = b.iter().map(|s| s.package).collect();
        ka.cmp(&kb)
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use petgraph::algo::{toposort, TarjanScc};
    use petgraph::graph::{DiGraph, NodeIndex};
    use petgraph::visit::{EdgeFiltered, EdgeRef, Reversed, ReversedEdgeReference};

    /// What [`cycles_and_order_of`] computed with `petgraph` before (Tarjan's components of a
    /// `DiGraph` built from `g`, `toposort` of its reversed view without the cut edges).
    fn with_petgraph(
        rt: &RunTime,
    ) -> (
        Vec<Cycle>,
        rustc_hash::FxHashSet<(usize, usize)>,
        Vec<usize>,
    ) {
        let n = rt.len();
        let mut g: DiGraph<usize, ()> = DiGraph::with_capacity(n, rt.targets.len());
        for i in 0..n {
            g.add_node(i);
        }
        for i in 0..n {
            for &t in rt.of(i) {
                g.add_edge(NodeIndex::new(i), NodeIndex::new(t), ());
            }
        }
        let mut cycles = Vec::new();
        TarjanScc::new().run(&g, |scc| {
            let self_loop = scc.len() == 1 && g.contains_edge(scc[0], scc[0]);
            if scc.len() < 2 && !self_loop {
                return;
            }
            let mut members: Vec<usize> = scc.iter().map(|n| n.index()).collect();
            members.sort_unstable();
            let in_scc = |x: usize| members.binary_search(&x).is_ok();
            let mut state = vec![0u8; n];
            let mut cut = Vec::new();
            let succ = |n: usize| -> Vec<usize> {
                let mut s: Vec<usize> = rt.of(n).iter().copied().filter(|&t| in_scc(t)).collect();
                s.sort_unstable();
                s.dedup();
                s
            };
            let start = members[0];
            let mut stack: Vec<(usize, Vec<usize>, usize)> = vec![(start, succ(start), 0)];
            state[start] = 1;
            while let Some((node, children, pos)) = stack.last_mut() {
                if *pos < children.len() {
                    let child = children[*pos];
                    *pos += 1;
                    let node = *node;
                    match state[child] {
                        0 => {
                            state[child] = 1;
                            let c = succ(child);
                            stack.push((child, c, 0));
                        }
                        1 => cut.push((node, child)),
                        _ => {}
                    }
                } else {
                    state[*node] = 2;
                    stack.pop();
                }
            }
            cut.sort_unstable();
            cycles.push(Cycle { members, cut });
        });
        cycles.sort_by(|a, b| a.members.cmp(&b.members));
        let cut: rustc_hash::FxHashSet<(usize, usize)> =
            cycles.iter().flat_map(|c| c.cut.iter().copied()).collect();
        let order = if cut.is_empty() {
            toposort(Reversed(&g), None)
        } else {
            let kept = |e: ReversedEdgeReference<petgraph::graph::EdgeReference<'_, ()>>| {
                !cut.contains(&(e.target().index(), e.source().index()))
            };
            toposort(&EdgeFiltered::from_fn(Reversed(&g), kept), None)
        };
        let order = order
            .map(|v| v.into_iter().map(NodeIndex::index).collect())
            .unwrap_or_else(|_| (0..n).collect());
        (cycles, cut, order)
    }

    fn from_lists(lists: &[Vec<usize>]) -> RunTime {
        let mut starts = vec![0];
        let mut targets = Vec::new();
        for l in lists {
            targets.extend(l);
            starts.push(targets.len());
        }
        RunTime { starts, targets }
    }

    /// The same cycles, cut edges and order as `petgraph`'s algorithms: random graphs (some
    /// with cycles and self loops) and the real locks' run-time graphs.
    #[test]
    fn cycles_and_order_are_petgraphs() {
        let mut state = 11u64;
        let mut next = |m: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % m
        };
        let mut with_cycles = 0;
        for round in 0..3000 {
            let n = 1 + next(14);
            let mut lists: Vec<Vec<usize>> = vec![Vec::new(); n];
            for _ in 0..next(3 * n + 1) {
                let (a, b) = (next(n), next(n));
                // mostly acyclic (a → b only with a < b), cycles (and self loops) now and then
                if a < b || round % 5 == 0 || (round % 11 == 0 && a == b) {
                    lists[a].push(b);
                }
            }
            for l in &mut lists {
                l.sort_unstable();
                l.dedup();
            }
            let g = from_lists(&lists);
            let (cycles, cut, order) = cycles_and_order_of(&g);
            let (want_cycles, want_cut, want_order) = with_petgraph(&g);
            with_cycles += usize::from(!cycles.is_empty());
            assert_eq!(cycles, want_cycles, "round {round}: {lists:?}");
            assert_eq!(cut.edges, want_cut, "round {round}: {lists:?}");
            for (a, l) in lists.iter().enumerate() {
                for &b in l {
                    assert_eq!(
                        cut.contains(a, b),
                        want_cut.contains(&(a, b)),
                        "round {round}"
                    );
                }
            }
            assert_eq!(order, want_order, "round {round}: {lists:?}");
        }
        assert!(with_cycles > 300, "{with_cycles}");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let (mut checked, mut with_cuts) = (0, 0);
        for dir in [
            "locks/top-300",
            "locks/top-1000",
            "locks/top-1500",
            "locks/workspace-mixed",
        ] {
            let lock = lock2nix_lock::read_lock(&root.join(dir).join("uv.lock")).unwrap();
            for system in [
                lock2nix_wheel::System::X86_64Linux,
                lock2nix_wheel::System::Aarch64Darwin,
            ] {
                let target = crate::Target::new(system, crate::PythonVersion::new(3, 12));
                let Ok(res) = crate::resolve(&lock, &target) else {
                    continue;
                };
                let g = RunTime::new(&res.packages);
                let want = with_petgraph(&g);
                assert_eq!(res.cycles, want.0, "{dir} on {system}");
                assert_eq!(res.cut_edges.edges, want.1, "{dir} on {system}");
                assert_eq!(res.topo_order, want.2, "{dir} on {system}");
                checked += 1;
                with_cuts += usize::from(!res.cut_edges.edges.is_empty());
            }
        }
        assert!(checked >= 4 && with_cuts >= 1, "{checked} {with_cuts}");
    }
}
