//! `lock2nix resolve`, `why` and `graph`.

use std::fmt::Write as _;
use std::str::FromStr;

use anyhow::{Context, Result};
use lock2nix_lock::pep508_rs::PackageName;
use lock2nix_resolve::{resolve as resolve_lock, Artifact, EdgeKind, Resolution};
use serde_json::{json, Value};

use crate::args::{Format, GraphFormat, TargetArgs};
use crate::commands::emit;
use lock2nix_project::Project;

fn load(args: &TargetArgs) -> Result<(Project, Resolution)> {
    let project = crate::commands::load(&args.lock)?;
    let target = project.target(args, None)?;
    let res =
        resolve_lock(&project.lock, &target).map_err(|e| failure(&project, args, &target, e))?;
    for (i, need) in &res.macos_fallbacks {
        eprintln!(
            "warning: {} {} is built from its sdist on {}: {need}",
            res.packages[*i].name,
            res.packages[*i].version_string(),
            res.target
        );
    }
    Ok((project, res))
}

/// The error for a target that does not resolve, with the interpreters that would when the
/// interpreter was lock2nix's choice.
fn failure(
    project: &Project,
    args: &TargetArgs,
    target: &lock2nix_resolve::Target,
    e: lock2nix_resolve::ResolveError,
) -> anyhow::Error {
    let mut context = format!(
        "cannot resolve {} for {target}",
        project.lock_path.display()
    );
    if let Some(hint) = project.python_hint(args, target, &[target.system]) {
        context.push_str(&format!(" ({hint})"));
    }
    anyhow::Error::new(e).context(context)
}

/// JSON for one artifact.
pub fn artifact_json(a: &Artifact) -> Value {
    let mut v = json!({ "kind": a.kind() });
    if let Some(url) = a.url() {
        v["url"] = json!(url);
    }
    if let Some(f) = a.filename() {
        v["filename"] = json!(f);
    }
    if let Some(h) = a.hash() {
        v["hash"] = json!(h.to_string());
        v["sri"] = json!(h.to_sri());
    }
    match a {
        Artifact::Git(g) => {
            v["commit"] = json!(g.commit);
            if let Some(s) = &g.subdirectory {
                v["subdirectory"] = json!(s);
            }
        }
        Artifact::Url {
            subdirectory: Some(s),
            ..
        } => v["subdirectory"] = json!(s),
        Artifact::Path { path, .. }
        | Artifact::Directory(path)
        | Artifact::Editable(path)
        | Artifact::Virtual(path) => v["path"] = json!(path),
        _ => {}
    }
    v
}

pub fn resolve(args: &TargetArgs, format: Format) -> Result<()> {
    let (_, res) = load(args)?;
    match format {
        Format::Json => {
            let packages: Vec<Value> = res
                .packages
                .iter()
                .map(|p| {
                    json!({
                        "name": p.name.to_string(),
                        "version": p.version_string(),
                        "source": p.source.as_str(),
                        "artifact": artifact_json(&p.artifact),
                        "extras": p.extras.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "dependencies": p.dependencies.iter().map(|&d| res.packages[d].name.to_string()).collect::<Vec<_>>(),
                        "group_dependencies": p.group_dependencies.iter().map(|(g, ds)| (g.to_string(), json!(ds.iter().map(|&d| res.packages[d].name.to_string()).collect::<Vec<_>>()))).collect::<serde_json::Map<String, Value>>(),
                        "root": p.is_root,
                    })
                })
                .collect();
            let out = json!({
                "system": res.target.system.as_str(),
                "python": res.target.python.full(),
                "roots": res.roots.iter().map(|&r| res.packages[r].name.to_string()).collect::<Vec<_>>(),
                "manifest_requirements": res.manifest_requirements.iter().map(|&d| res.packages[d].name.to_string()).collect::<Vec<_>>(),
                "manifest_groups": res.manifest_groups.iter().map(|(g, ds)| (g.to_string(), json!(ds.iter().map(|&d| res.packages[d].name.to_string()).collect::<Vec<_>>()))).collect::<serde_json::Map<String, Value>>(),
                "packages": packages,
                "cycles": res.cycles.iter().map(|c| json!({
                    "members": c.members.iter().map(|&m| res.packages[m].name.to_string()).collect::<Vec<_>>(),
                    "cut": c.cut.iter().map(|(a, b)| json!([res.packages[*a].name.to_string(), res.packages[*b].name.to_string()])).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            emit(&format!("{}\n", serde_json::to_string_pretty(&out)?))
        }
        Format::Text => {
            let mut s = String::new();
            writeln!(
                s,
                "# {} packages for {} (roots: {})",
                res.packages.len(),
                res.target,
                res.roots
                    .iter()
                    .map(|&r| res.packages[r].name.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
            let width = res
                .packages
                .iter()
                .map(|p| p.name.as_ref().len())
                .max()
                .unwrap_or(0);
            let vwidth = res
                .packages
                .iter()
                .map(|p| p.version_string().len())
                .max()
                .unwrap_or(0);
            for p in &res.packages {
                let detail = match &p.artifact {
                    Artifact::Git(g) => format!("{} @ {}", g.repository, g.commit),
                    Artifact::Directory(d) | Artifact::Editable(d) | Artifact::Virtual(d) => {
                        d.clone()
                    }
                    a => a.filename().unwrap_or_default(),
                };
                writeln!(
                    s,
                    "{:width$}  {:vwidth$}  {:9}  {:8}  {}",
                    p.name.as_ref(),
                    p.version_string(),
                    p.source.as_str(),
                    p.artifact.kind(),
                    detail
                )?;
            }
            for c in &res.cycles {
                writeln!(
                    s,
                    "# cycle: {} (cut: {})",
                    c.members
                        .iter()
                        .map(|&m| res.packages[m].name.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    c.cut
                        .iter()
                        .map(|(a, b)| format!(
                            "{} -> {}",
                            res.packages[*a].name, res.packages[*b].name
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
            }
            emit(&s)
        }
    }
}

fn edge_label(
    kind: &EdgeKind,
    marker: Option<&str>,
    extras: &[lock2nix_lock::pep508_rs::ExtraName],
) -> String {
    let mut parts = Vec::new();
    match kind {
        EdgeKind::Normal => {}
        EdgeKind::Extra(e) => parts.push(format!("extra {e}")),
        EdgeKind::Group(g) => parts.push(format!("group {g}")),
    }
    if !extras.is_empty() {
        parts.push(format!(
            "with [{}]",
            extras
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    if let Some(m) = marker {
        parts.push(format!("if {m}"));
    }
    parts.join("; ")
}

pub fn why(package: &str, args: &TargetArgs) -> Result<()> {
    let name = PackageName::from_str(package)
        .map_err(|e| anyhow::anyhow!("`{package}` is not a package name ({e})"))?;
    let project = crate::commands::load(&args.lock)?;
    let target = project.target(args, None)?;
    let lock = &project.lock;
    // The walk, not the full resolution: `why` must explain a package also (above all) when
    // resolution fails on the target.
    let reach = lock2nix_resolve::reach(lock, &target).with_context(|| {
        format!(
            "cannot follow {} from its roots on {target}",
            project.lock_path.display()
        )
    })?;
    let ids: Vec<usize> = lock
        .packages_named(&name)
        .map(|(i, _)| i)
        .filter(|&i| reach.contains(i))
        .collect();
    let failure = resolve_lock(lock, &target).err();
    let mut s = String::new();
    if ids.is_empty() {
        if lock.packages.iter().any(|p| p.name == name) {
            anyhow::bail!(
                "{name} is in the lock but not needed on {target} (no edge to it holds there)"
            );
        }
        anyhow::bail!("{name} is not in the lock");
    }
    for id in ids {
        let p = &lock.packages[id];
        writeln!(
            s,
            "{} {} is needed on {target}:",
            p.name,
            p.version_string()
        )?;
        if reach.roots.contains(&id) {
            writeln!(s, "  it is a root")?;
        }
        for path in reach.paths_to(id, 50) {
            if path.len() == 1 && path[0].edge.is_none() {
                continue;
            }
            let mut line = String::from("  ");
            for (i, step) in path.iter().enumerate() {
                let pkg = &lock.packages[step.package];
                let label = step
                    .edge
                    .as_ref()
                    .map(|e| edge_label(&e.kind, e.marker.as_deref(), &e.extras))
                    .unwrap_or_default();
                if i == 0 {
                    if step.edge.is_some() {
                        line.push_str("the workspace root");
                        if label.is_empty() {
                            line.push_str(" -> ");
                        } else {
                            write!(line, " -[{label}]-> ")?;
                        }
                    }
                } else if label.is_empty() {
                    line.push_str(" -> ");
                } else {
                    write!(line, " -[{label}]-> ")?;
                }
                write!(line, "{} {}", pkg.name, pkg.version_string())?;
            }
            writeln!(s, "{line}")?;
        }
    }
    if let Some(e) = failure {
        writeln!(s, "note: the lock does not resolve on {target}: {e}")?;
    }
    emit(&s)
}

fn dot_id(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn graph(args: &TargetArgs, format: GraphFormat) -> Result<()> {
    use petgraph_visit::EdgeRef;
    let (_, res) = load(args)?;
    // `resolve` builds it (only `resolve_without_graph` does not)
    let graph = res
        .graph
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("internal error: the resolution has no graph"))?;
    let in_cycle = |i: usize| res.cycles.iter().any(|c| c.members.contains(&i));
    match format {
        GraphFormat::Dot => {
            let mut s = String::new();
            writeln!(s, "digraph lock2nix {{")?;
            writeln!(s, "  label={};", dot_id(&format!("{}", res.target)))?;
            writeln!(s, "  node [shape=box, fontname=\"monospace\"];")?;
            for (i, p) in res.packages.iter().enumerate() {
                let mut attrs = vec![format!(
                    "label={}",
                    dot_id(&format!("{}\n{}", p.name, p.version_string()))
                )];
                if p.is_root {
                    attrs.push("style=bold".into());
                }
                if in_cycle(i) {
                    attrs.push("color=red".into());
                }
                writeln!(s, "  n{i} [{}];", attrs.join(", "))?;
            }
            let mut edges: Vec<(usize, usize, String, bool)> = graph
                .edge_references()
                .map(|e| {
                    let (a, b) = (e.source().index(), e.target().index());
                    let w = e.weight();
                    (
                        a,
                        b,
                        edge_label(&w.kind, w.marker.as_deref(), &w.extras),
                        res.is_cut(a, b),
                    )
                })
                .collect();
            edges.sort();
            for (a, b, label, cut) in edges {
                let mut attrs = Vec::new();
                if !label.is_empty() {
                    attrs.push(format!("label={}", dot_id(&label)));
                }
                if cut {
                    attrs.push("style=dashed, color=red, xlabel=\"cut\"".into());
                }
                if attrs.is_empty() {
                    writeln!(s, "  n{a} -> n{b};")?;
                } else {
                    writeln!(s, "  n{a} -> n{b} [{}];", attrs.join(", "))?;
                }
            }
            writeln!(s, "}}")?;
            emit(&s)
        }
        GraphFormat::Json => {
            let nodes: Vec<Value> = res
                .packages
                .iter()
                .enumerate()
                .map(|(i, p)| json!({"id": i, "name": p.name.to_string(), "version": p.version_string(), "root": p.is_root, "in_cycle": in_cycle(i)}))
                .collect();
            let mut edges: Vec<Value> = graph
                .edge_references()
                .map(|e| {
                    let (a, b) = (e.source().index(), e.target().index());
                    let w = e.weight();
                    json!({
                        "from": res.packages[a].name.to_string(),
                        "to": res.packages[b].name.to_string(),
                        "kind": match &w.kind { EdgeKind::Normal => "normal".to_string(), EdgeKind::Extra(x) => format!("extra:{x}"), EdgeKind::Group(g) => format!("group:{g}") },
                        "marker": w.marker,
                        "extras": w.extras.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "cut": res.is_cut(a, b),
                    })
                })
                .collect();
            edges.sort_by_cached_key(ToString::to_string);
            let out = json!({"system": res.target.system.as_str(), "python": res.target.python.full(), "nodes": nodes, "edges": edges});
            emit(&format!("{}\n", serde_json::to_string_pretty(&out)?))
        }
    }
}

mod petgraph_visit {
    pub use lock2nix_resolve::petgraph::visit::EdgeRef;
}
