//! A dense dependency graph: `n` registry packages, each depending on every other one, and a
//! virtual root depending on all of them (issue 19, item 7: cut edges were searched linearly, so
//! such a graph cost O(n⁴); 1,000 packages took more than two minutes).
//!
//! Every package is one big cycle; its edges are what the cycle breaker cuts. Each package has
//! one pure wheel, so the plan installs wheels and the overlay lists every remaining edge.

use std::fmt::Write as _;

use crate::SynthProject;

/// `uv.lock` and `pyproject.toml` of `n` packages (`p0000`, `p0001`, …) that all depend on each
/// other, under a virtual root `dense-root`.
pub fn dense_project(n: usize) -> SynthProject {
    let names: Vec<String> = (0..n).map(|i| format!("p{i:04}")).collect();
    let mut lock = String::with_capacity(n * n * 24 + n * 300);
    lock.push_str("version = 1\nrevision = 3\nrequires-python = \">=3.11\"\n\n");
    lock.push_str(
        "[[package]]\nname = \"dense-root\"\nversion = \"0.1.0\"\nsource = { virtual = \".\" }\ndependencies = [\n",
    );
    for name in &names {
        let _ = writeln!(lock, "    {{ name = \"{name}\" }},");
    }
    lock.push_str("]\n\n[package.metadata]\nrequires-dist = [\n");
    for name in &names {
        let _ = writeln!(lock, "    {{ name = \"{name}\" }},");
    }
    lock.push_str("]\n");
    let mut edges = n;
    for (i, name) in names.iter().enumerate() {
        let _ = write!(
            lock,
            "\n[[package]]\nname = \"{name}\"\nversion = \"1.0.0\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\ndependencies = [\n"
        );
        for (j, other) in names.iter().enumerate() {
            if i != j {
                let _ = writeln!(lock, "    {{ name = \"{other}\" }},");
                edges += 1;
            }
        }
        let _ = writeln!(
            lock,
            "]\nwheels = [\n    {{ url = \"https://files.pythonhosted.org/packages/{name}-1.0.0-py3-none-any.whl\", hash = \"sha256:{i:064x}\", size = 1000 }},\n]"
        );
    }
    let mut pyproject = String::from(
        "[project]\nname = \"dense-root\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [\n",
    );
    for name in &names {
        let _ = writeln!(pyproject, "    \"{name}\",");
    }
    pyproject.push_str("]\n");
    SynthProject {
        lock,
        pyproject,
        root: "dense-root".to_string(),
        entries: n + 1,
        edges,
        wheels: n,
    }
}
