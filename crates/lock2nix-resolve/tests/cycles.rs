//! Cycles, cut edges and the topological order.

mod common;

use std::collections::BTreeMap;

use common::*;
use lock2nix_resolve::petgraph::algo::is_cyclic_directed;
use lock2nix_resolve::petgraph::graph::{DiGraph, NodeIndex};
use lock2nix_resolve::{resolve, EdgeKind, Resolution};
use lock2nix_wheel::System::*;

const HEADER: &str = "version = 1\nrevision = 3\nrequires-python = \">=3.11\"\n";

/// One `[[package]]` per entry, joined in the given order.
const PACKAGES: &[&str] = &[
    // the root
    r#"name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "a" },
    { name = "e", extra = ["all"] },
    { name = "p" },
]"#,
    // a 3-cycle: a -> b -> c -> a
    r#"name = "a"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "b" }]
sdist = { url = "https://example.org/a-1.0.tar.gz" }"#,
    r#"name = "b"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "c" }]
sdist = { url = "https://example.org/b-1.0.tar.gz" }"#,
    r#"name = "c"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "a" }]
sdist = { url = "https://example.org/c-1.0.tar.gz" }"#,
    // a self-loop through an extra: e[all] -> e[x] -> h
    r#"name = "e"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://example.org/e-1.0.tar.gz" }

[package.optional-dependencies]
all = [{ name = "e", extra = ["x"] }]
x = [{ name = "h" }]"#,
    r#"name = "h"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://example.org/h-1.0.tar.gz" }"#,
    // a cycle through an extra: p -> q[x]; q[x] -> r; r -> p
    r#"name = "p"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "q", extra = ["x"] }]
sdist = { url = "https://example.org/p-1.0.tar.gz" }"#,
    r#"name = "q"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://example.org/q-1.0.tar.gz" }

[package.optional-dependencies]
x = [{ name = "r" }]"#,
    r#"name = "r"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "p" }]
sdist = { url = "https://example.org/r-1.0.tar.gz" }"#,
];

fn lock_text(order: &[usize]) -> String {
    let mut s = HEADER.to_string();
    for &i in order {
        s.push_str("\n[[package]]\n");
        s.push_str(PACKAGES[i]);
        s.push('\n');
    }
    s
}

fn names(res: &Resolution, idx: &[usize]) -> Vec<String> {
    idx.iter()
        .map(|&i| res.packages[i].name.to_string())
        .collect()
}

fn cut_names(res: &Resolution) -> Vec<Vec<(String, String)>> {
    res.cycles
        .iter()
        .map(|c| {
            c.cut
                .iter()
                .map(|&(a, b)| {
                    (
                        res.packages[a].name.to_string(),
                        res.packages[b].name.to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

/// The run-time relation (what Nix propagates): dependencies and group dependencies.
fn runtime_edges(res: &Resolution) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, p) in res.packages.iter().enumerate() {
        for &d in p
            .dependencies
            .iter()
            .chain(p.group_dependencies.values().flatten())
        {
            out.push((i, d));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Cut edges break every cycle, and `topo_order` puts dependencies first.
fn check_acyclic_and_order(res: &Resolution) {
    let mut g: DiGraph<(), ()> = DiGraph::new();
    for _ in &res.packages {
        g.add_node(());
    }
    let edges: Vec<(usize, usize)> = runtime_edges(res)
        .into_iter()
        .filter(|&(a, b)| !res.is_cut(a, b))
        .collect();
    for &(a, b) in &edges {
        g.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
    }
    assert!(
        !is_cyclic_directed(&g),
        "cycles remain after cutting {:?}",
        cut_names(res)
    );
    let mut sorted = res.topo_order.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (0..res.packages.len()).collect::<Vec<_>>(),
        "topo_order is a permutation"
    );
    let pos: BTreeMap<usize, usize> = res
        .topo_order
        .iter()
        .enumerate()
        .map(|(p, &i)| (i, p))
        .collect();
    for (a, b) in edges {
        assert!(
            pos[&b] < pos[&a],
            "{} depends on {} but comes first",
            res.packages[a].name,
            res.packages[b].name
        );
    }
}

#[test]
fn three_cycle_and_cycle_through_an_extra() {
    let lock = lock_from_str(&lock_text(&(0..PACKAGES.len()).collect::<Vec<_>>()));
    let res = resolve(&lock, &target(X86_64Linux, "3.12")).unwrap();
    assert_eq!(
        names(&res, &(0..res.packages.len()).collect::<Vec<_>>()),
        ["a", "app", "b", "c", "e", "h", "p", "q", "r"]
    );
    let members: Vec<Vec<String>> = res.cycles.iter().map(|c| names(&res, &c.members)).collect();
    assert_eq!(members, [vec!["a", "b", "c"], vec!["p", "r"]]);
    // DFS from the first member by name, children in name order: the edge closing the cycle
    assert_eq!(
        cut_names(&res),
        [
            vec![("c".into(), "a".into())],
            vec![("r".into(), "p".into())]
        ]
    );
    check_acyclic_and_order(&res);

    // the self-loop through an extra is an edge of the graph, but no run-time cycle: e's own
    // dependencies do not include itself, and app (which asked for e[all]) gets h
    let e = res.index_of(&name("e")).unwrap();
    let h = res.index_of(&name("h")).unwrap();
    let app = res.index_of(&name("app")).unwrap();
    assert!(res
        .graph
        .as_ref()
        .expect("resolve builds the graph")
        .edges_connecting(NodeIndex::new(e), NodeIndex::new(e))
        .any(|edge| edge.weight().kind == EdgeKind::Extra(extra("all"))
            && edge.weight().extras == [extra("x")]));
    assert!(res.packages[e].dependencies.is_empty());
    assert_eq!(
        res.packages[e]
            .extras
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["all", "x"]
    );
    assert_eq!(res.packages[e].optional_dependencies[&extra("all")], [h]);
    assert!(res.packages[app].dependencies.contains(&h));
    // p needs q with its extra x, so p's run-time dependencies are q and r
    let (p, q, r) = (
        res.index_of(&name("p")).unwrap(),
        res.index_of(&name("q")).unwrap(),
        res.index_of(&name("r")).unwrap(),
    );
    assert_eq!(res.packages[p].dependencies, [q, r]);
    assert_eq!(res.packages[r].dependencies, [p]);
}

#[test]
fn shuffled_lock_gives_identical_results() {
    let base = lock_from_str(&lock_text(&(0..PACKAGES.len()).collect::<Vec<_>>()));
    let want = resolve(&base, &target(Aarch64Darwin, "3.13")).unwrap();
    let orders: [&[usize]; 4] = [
        &[8, 7, 6, 5, 4, 3, 2, 1, 0],
        &[3, 0, 6, 2, 8, 4, 1, 7, 5],
        &[2, 3, 1, 8, 6, 7, 0, 5, 4],
        &[5, 4, 7, 1, 0, 8, 3, 6, 2],
    ];
    for order in orders {
        let lock = lock_from_str(&lock_text(order));
        let res = resolve(&lock, &target(Aarch64Darwin, "3.13")).unwrap();
        assert_eq!(pins(&res), pins(&want), "{order:?}");
        assert_eq!(res.cycles, want.cycles, "{order:?}");
        assert_eq!(res.topo_order, want.topo_order, "{order:?}");
        assert_eq!(res.roots, want.roots);
        for (a, b) in res.packages.iter().zip(&want.packages) {
            assert_eq!(a.dependencies, b.dependencies, "{}", a.name);
            assert_eq!(
                a.optional_dependencies, b.optional_dependencies,
                "{}",
                a.name
            );
            assert_eq!(a.extras, b.extras, "{}", a.name);
        }
        let edges = |r: &Resolution| {
            let mut v: Vec<(usize, usize, String)> = r
                .graph
                .as_ref()
                .expect("resolve builds the graph")
                .raw_edges()
                .iter()
                .map(|e| {
                    (
                        e.source().index(),
                        e.target().index(),
                        format!("{:?}", e.weight),
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(edges(&res), edges(&want), "{order:?}");
        check_acyclic_and_order(&res);
    }
}

/// The real locks: which have run-time cycles, and the cuts always leave an acyclic graph.
#[test]
fn cycles_in_the_real_locks() {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for dir in [
        "authentik",
        "locks/top-300",
        "locks/top-1000",
        "locks/top-1500",
        "locks/workspace-mixed",
    ] {
        let lock = fixture_lock(dir);
        let python = if dir == "authentik" { "3.13" } else { "3.12" };
        let mut t = target(X86_64Linux, python);
        t.extras = all_root_extras(&lock, &t);
        t.all_groups = true;
        let res = resolve(&lock, &t).unwrap_or_else(|e| panic!("{dir}: {e}"));
        check_acyclic_and_order(&res);
        for c in &res.cycles {
            let cut: Vec<String> = c
                .cut
                .iter()
                .map(|&(a, b)| format!("{} -> {}", res.packages[a].name, res.packages[b].name))
                .collect();
            found.entry(dir.to_string()).or_default().push(format!(
                "{{{}}} cut [{}]",
                names(&res, &c.members).join(", "),
                cut.join(", ")
            ));
        }
    }
    for (dir, cycles) in &found {
        for c in cycles {
            eprintln!("{dir}: {c}");
        }
    }
    insta::assert_debug_snapshot!(found);
}

/// Without the graph, a resolution is the same in everything else (packages, dependency lists,
/// cycles and cuts, order, roots, fallbacks), on every real lock and system, with and without
/// every extra and group.
#[test]
fn a_resolution_without_its_graph_is_the_same_otherwise() {
    let mut compared = 0;
    for dir in [
        "authentik",
        "locks/top-300",
        "locks/top-1000",
        "locks/workspace-mixed",
    ] {
        let lock = fixture_lock(dir);
        let python = if dir == "authentik" { "3.13" } else { "3.12" };
        for system in [X86_64Linux, Aarch64Linux, Aarch64Darwin] {
            for everything in [false, true] {
                let mut t = target(system, python);
                if everything {
                    t.extras = all_root_extras(&lock, &t);
                    t.all_groups = true;
                }
                let with = resolve(&lock, &t);
                let without = lock2nix_resolve::resolve_without_graph(&lock, &t);
                match (with, without) {
                    (Ok(mut with), Ok(without)) => {
                        assert!(with.graph.is_some() && without.graph.is_none());
                        assert!(with.graph.as_ref().is_some_and(|g| g.edge_count() > 0));
                        with.graph = None;
                        assert_eq!(
                            format!("{with:?}"),
                            format!("{without:?}"),
                            "{dir} {system}"
                        );
                        compared += 1;
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{dir} {system}"),
                    (a, b) => panic!("{dir} {system}: {:?} vs {:?}", a.err(), b.err()),
                }
            }
        }
    }
    assert!(compared >= 10, "{compared}");
}
