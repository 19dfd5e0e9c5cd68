//! Cycles, cut edges, topological order and shortest paths.

use std::collections::VecDeque;

use petgraph::algo::{toposort, TarjanScc};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{EdgeFiltered, EdgeRef, Reversed, ReversedEdgeReference};

use crate::{Edge, EdgeFrom, Reach, ReachStep, Resolution, ResolvedPackage};

/// A dependency cycle (a strongly connected component of the run-time dependency relation) and the
/// edges cut to break it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// The packages in the cycle, sorted by name (indices into [`Resolution::packages`]).
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
/// search per edge made the whole pass O(n⁴)).
pub(crate) type CutEdges = rustc_hash::FxHashSet<(usize, usize)>;

/// The [`nix_edges`] as a graph: node `i` is `packages[i]`, each package's edges in ascending
/// order of their targets.
fn run_time_graph(packages: &[ResolvedPackage]) -> DiGraph<usize, ()> {
    let mut g: DiGraph<usize, ()> = DiGraph::with_capacity(packages.len(), packages.len() * 4);
    for i in 0..packages.len() {
        g.add_node(i);
    }
    let mut merged: Vec<usize> = Vec::new();
    for (i, p) in packages.iter().enumerate() {
        // (`dependencies` are sorted and distinct; only a root's groups add to them)
        let targets = if p.group_dependencies.is_empty() {
            debug_assert!(p.dependencies.windows(2).all(|w| w[0] < w[1]));
            &p.dependencies
        } else {
            merged.clear();
            merged.extend(nix_edges(p));
            merged.sort_unstable();
            merged.dedup();
            &merged
        };
        for &t in targets {
            g.add_edge(NodeIndex::new(i), NodeIndex::new(t), ());
        }
    }
    g
}

/// The cycles (with their cut edges, also returned as a set) and a topological order.
pub(crate) fn cycles_and_order(packages: &[ResolvedPackage]) -> (Vec<Cycle>, CutEdges, Vec<usize>) {
    let g = run_time_graph(packages);
    let mut cycles = Vec::new();
    // (each component handed over as it is found: most are single packages, not worth a list)
    TarjanScc::new().run(&g, |scc| {
        let self_loop = scc.len() == 1 && g.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            return;
        }
        let mut members: Vec<usize> = scc.iter().map(|n| n.index()).collect();
        members.sort_unstable();
        let in_scc = |x: usize| members.binary_search(&x).is_ok();
        // iterative DFS from the first member (packages are sorted by name, so indices are too)
        let mut state = vec![0u8; packages.len()]; // 0 new, 1 on stack, 2 done
        let mut cut = Vec::new();
        let succ = |n: usize| -> Vec<usize> {
            let mut s: Vec<usize> = nix_edges(&packages[n]).filter(|&t| in_scc(t)).collect();
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
    let cut_edges: CutEdges = cycles.iter().flat_map(|c| c.cut.iter().copied()).collect();
    let order = dependencies_first(&g, &cut_edges);
    (cycles, cut_edges, order)
}

/// A topological order of `g` with the `cut` edges removed, dependencies first (all packages in
/// their order when that still has a cycle).
fn dependencies_first(g: &DiGraph<usize, ()>, cut: &CutEdges) -> Vec<usize> {
    // `g` read reversed in place (its nodes, and each node's incoming edges, come in the order
    // a reversed copy would list them), without the cut edges
    let order = if cut.is_empty() {
        toposort(Reversed(g), None)
    } else {
        // (an edge of the reversed view runs from the original edge's target to its source)
        let kept = |e: ReversedEdgeReference<petgraph::graph::EdgeReference<'_, ()>>| {
            !cut.contains(&(e.target().index(), e.source().index()))
        };
        toposort(&EdgeFiltered::from_fn(Reversed(g), kept), None)
    };
    order
        .map(|v| v.into_iter().map(NodeIndex::index).collect())
        .unwrap_or_else(|_| (0..g.node_count()).collect())
}

/// One step of a path: the package and the edge that led to it (none for the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStep {
    /// The package (index into [`Resolution::packages`]).
    pub package: usize,
    /// The edge from the previous step.
    pub edge: Option<Edge>,
}

/// Every shortest path from a root to `target` (at most `limit`), in name order.
pub fn shortest_paths(res: &Resolution, target: usize, limit: usize) -> Vec<Vec<PathStep>> {
    let n = res.packages.len();
    let mut dist = vec![usize::MAX; n];
    let mut parents: Vec<Vec<(usize, Edge)>> = vec![Vec::new(); n];
    let mut queue = VecDeque::new();
    let mut roots = res.roots.clone();
    roots.sort_unstable();
    for &r in &roots {
        dist[r] = 0;
        queue.push_back(r);
    }
    while let Some(u) = queue.pop_front() {
        let mut outs: Vec<(usize, &Edge)> = res
            .graph
            .edges(NodeIndex::new(u))
            .map(|e| (e.target().index(), e.weight()))
            .collect();
        outs.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.kind.cmp(&b.1.kind)));
        for (v, edge) in outs {
            if dist[v] == usize::MAX {
                dist[v] = dist[u] + 1;
                queue.push_back(v);
            }
            if dist[v] == dist[u] + 1
                && !parents[v]
                    .iter()
                    .any(|(p, e)| *p == u && e.kind == edge.kind)
            {
                parents[v].push((u, edge.clone()));
            }
        }
    }
    if target >= n || dist[target] == usize::MAX {
        return Vec::new();
    }
    // enumerate paths backwards
    let mut out: Vec<Vec<PathStep>> = Vec::new();
    let mut stack: Vec<(usize, Vec<PathStep>)> = vec![(
        target,
        vec![PathStep {
            package: target,
            edge: None,
        }],
    )];
    while let Some((node, path)) = stack.pop() {
        if out.len() >= limit {
            break;
        }
        if dist[node] == 0 {
            let mut p = path;
            p.reverse();
            // move each edge onto the step it leads to
            let mut fixed: Vec<PathStep> = Vec::with_capacity(p.len());
            for (i, step) in p.iter().enumerate() {
                let edge = if i == 0 { None } else { p[i - 1].edge.clone() };
                fixed.push(PathStep {
                    package: step.package,
                    edge,
                });
            }
            out.push(fixed);
            continue;
        }
        let mut ps = parents[node].clone();
        ps.sort_by_key(|p| std::cmp::Reverse(p.0));
        for (parent, edge) in ps {
            let mut p = path.clone();
            p.push(PathStep {
                package: parent,
                edge: Some(edge),
            });
            stack.push((parent, p));
        }
    }
    out.sort_by(|a, b| {
        let ka: Vec<usize> = a.iter().map(|s| s.package).collect();
        let kb: Vec<usize> = b.iter().map(|s| s.package).collect();
        ka.cmp(&kb)
    });
    out
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

    /// The order of a reversed copy of `g` without the `cut` edges (what [`dependencies_first`]
    /// computed before it read `g` reversed in place).
    fn copy_order(g: &DiGraph<usize, ()>, cut: &CutEdges) -> Vec<usize> {
        let mut dag: DiGraph<usize, ()> = DiGraph::new();
        for i in 0..g.node_count() {
            dag.add_node(i);
        }
        for e in g.edge_references() {
            if !cut.contains(&(e.source().index(), e.target().index())) {
                dag.add_edge(e.target(), e.source(), ());
            }
        }
        toposort(&dag, None)
            .map(|v| v.into_iter().map(NodeIndex::index).collect())
            .unwrap_or_else(|_| (0..g.node_count()).collect())
    }

    /// Reading `g` reversed orders like a reversed copy: random graphs (edges added in random
    /// order, some with cycles) and the real locks' run-time graphs.
    #[test]
    fn reversed_view_orders_like_a_reversed_copy() {
        let mut state = 11u64;
        let mut next = |m: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % m
        };
        for round in 0..2000 {
            let n = 1 + next(12);
            let mut g: DiGraph<usize, ()> = DiGraph::new();
            for i in 0..n {
                g.add_node(i);
            }
            for _ in 0..next(3 * n + 1) {
                let (a, b) = (next(n), next(n));
                // mostly acyclic (a → b only with a < b), a cycle now and then
                if a < b || round % 7 == 0 {
                    g.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
                }
            }
            let want = copy_order(&g, &CutEdges::default());
            assert_eq!(
                dependencies_first(&g, &CutEdges::default()),
                want,
                "round {round}"
            );
            // some edges cut (the edges between their nodes in both directions, if any)
            let cut: CutEdges = g
                .edge_references()
                .map(|e| (e.source().index(), e.target().index()))
                .filter(|_| next(3) == 0)
                .collect();
            assert_eq!(
                dependencies_first(&g, &cut),
                copy_order(&g, &cut),
                "round {round}"
            );
        }
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
                let g = run_time_graph(&res.packages);
                let cut = &res.cut_edges;
                assert_eq!(
                    dependencies_first(&g, cut),
                    copy_order(&g, cut),
                    "{dir} on {system}"
                );
                checked += 1;
                with_cuts += usize::from(!cut.is_empty());
            }
        }
        assert!(checked >= 4 && with_cuts >= 1, "{checked} {with_cuts}");
    }
}
