//! `lock2nix inspect`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Result;
use serde_json::{json, Value};

use crate::args::{Format, LockArgs};
use crate::commands::emit;
use crate::project::Project;

pub fn run(args: &LockArgs, format: Format) -> Result<()> {
    let project = Project::load(args)?;
    let lock = &project.lock;
    let counts = lock.source_counts();
    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &lock.packages {
        versions
            .entry(p.name.to_string())
            .or_default()
            .push(p.version_string());
    }
    let multi: BTreeMap<String, Vec<String>> =
        versions.into_iter().filter(|(_, v)| v.len() > 1).collect();
    // Workspace members with their build backend (from their pyproject.toml when present).
    let mut members = Vec::new();
    for id in lock.member_ids() {
        let p = &lock.packages[id];
        let dir = p.source.local_path().unwrap_or(".").to_string();
        let py = project.workspace.as_ref().and_then(|ws| ws.member_at(&dir));
        let backend = py.map(|py| match &py.build_system {
            Some(bs) => bs
                .build_backend
                .clone()
                .unwrap_or_else(|| "setuptools.build_meta:__legacy__ (PEP 517 default)".into()),
            None => "setuptools.build_meta:__legacy__ (no [build-system]: PEP 517 default)".into(),
        });
        let requires = py
            .and_then(|py| py.build_system.as_ref())
            .map(|bs| {
                bs.requires
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        members.push(json!({
            "name": p.name.to_string(),
            "version": p.version.as_ref().map(ToString::to_string),
            "source": p.source.kind().as_str(),
            "path": dir,
            "build_backend": backend,
            "build_requires": requires,
        }));
    }
    match format {
        Format::Json => {
            let out = json!({
                "file": project.lock_path.display().to_string(),
                "version": lock.version,
                "revision": lock.revision,
                "requires_python": lock.requires_python_raw,
                "packages": lock.packages.len(),
                "sources": counts.iter().map(|(k, v)| (k.as_str().to_string(), json!(v))).collect::<serde_json::Map<String, Value>>(),
                "wheels": lock.packages.iter().map(|p| p.wheels.len()).sum::<usize>(),
                "sdists": lock.packages.iter().filter(|p| p.sdist.is_some()).count(),
                "multiple_versions": multi,
                "resolution_markers": lock.resolution_markers.iter().map(|m| m.raw.clone()).collect::<Vec<_>>(),
                "supported_markers": lock.supported_markers.iter().map(|m| m.raw.clone()).collect::<Vec<_>>(),
                "members": members,
                "warnings": lock.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            });
            emit(&format!("{}\n", serde_json::to_string_pretty(&out)?))
        }
        Format::Text => {
            let mut s = String::new();
            writeln!(s, "{}", project.lock_path.display())?;
            writeln!(
                s,
                "  lock version   {} (revision {})",
                lock.version, lock.revision
            )?;
            writeln!(
                s,
                "  requires-python {}",
                lock.requires_python_raw.as_deref().unwrap_or("(any)")
            )?;
            writeln!(
                s,
                "  packages       {} ({} wheels, {} sdists)",
                lock.packages.len(),
                lock.packages.iter().map(|p| p.wheels.len()).sum::<usize>(),
                lock.packages.iter().filter(|p| p.sdist.is_some()).count()
            )?;
            let by_kind: Vec<String> = counts
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            writeln!(s, "  sources        {}", by_kind.join(", "))?;
            if multi.is_empty() {
                writeln!(s, "  several versions: none")?;
            } else {
                writeln!(s, "  several versions: {} names", multi.len())?;
                for (name, vs) in &multi {
                    writeln!(s, "    {name}: {}", vs.join(", "))?;
                }
            }
            if lock.resolution_markers.is_empty() {
                writeln!(s, "  forks          none")?;
            } else {
                writeln!(s, "  forks          {}", lock.resolution_markers.len())?;
                for m in &lock.resolution_markers {
                    writeln!(s, "    {m}")?;
                }
            }
            if !lock.supported_markers.is_empty() {
                writeln!(s, "  supported environments")?;
                for m in &lock.supported_markers {
                    writeln!(s, "    {m}")?;
                }
            }
            writeln!(s, "  workspace members {}", members.len())?;
            for m in &members {
                writeln!(
                    s,
                    "    {} {} ({}, {}) built with {}",
                    m["name"].as_str().unwrap_or_default(),
                    m["version"].as_str().unwrap_or("(dynamic)"),
                    m["source"].as_str().unwrap_or_default(),
                    m["path"].as_str().unwrap_or_default(),
                    m["build_backend"]
                        .as_str()
                        .unwrap_or("(unknown: no pyproject.toml beside the lock)")
                )?;
            }
            emit(&s)
        }
    }
}
