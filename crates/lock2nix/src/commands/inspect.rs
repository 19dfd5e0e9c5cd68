//! `lock2nix inspect`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Result;
use serde_json::{json, Value};

use crate::args::{Format, LockArgs};
use crate::commands::emit;

pub fn run(args: &LockArgs, format: Format, stale_only: bool) -> Result<()> {
    let project = crate::commands::load_quiet(args)?;
    let findings = project.stale_findings();
    if !stale_only {
        crate::commands::print_warnings(
            &findings
                .iter()
                .map(lock2nix_lock::StaleFinding::to_warning)
                .collect::<Vec<_>>(),
        );
    }
    let stale_json: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "kind": "stale",
                "file": f.file.display().to_string(),
                "subject": f.subject,
                "message": f.summary(),
                "changed": f.changed,
                "added": f.added,
                "removed": f.removed,
            })
        })
        .collect();
    if stale_only {
        return match format {
            Format::Json => emit(&format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({ "stale": stale_json }))?
            )),
            Format::Text => {
                let mut s = String::new();
                if findings.is_empty() {
                    writeln!(
                        s,
                        "the lock matches the pyproject.toml files (what can be checked without building)"
                    )?;
                }
                for f in &findings {
                    writeln!(s, "{} ({})", f.subject, f.file.display())?;
                    for d in f.details() {
                        writeln!(s, "  {d}")?;
                    }
                }
                emit(&s)
            }
        };
    }
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
        let build = project.local_builds.get(&dir);
        let requires = build
            .and_then(lock2nix_lock::LocalBuild::build_system)
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
            "build_backend": build.map(lock2nix_lock::LocalBuild::describe),
            "build_requires": requires,
        }));
    }
    // Local sources outside the workspace members.
    let member_ids = lock.member_ids();
    let local: Vec<Value> = project
        .local_sources
        .iter()
        .filter(|s| !member_ids.contains(&s.package))
        .map(|s| {
            json!({
                "name": s.name.to_string(),
                "kind": format!("{:?}", s.kind).to_lowercase(),
                "path": s.lock_path,
                "source_root_path": s.path.as_str(),
                "build_backend": project.local_builds.get(&s.lock_path).map(lock2nix_lock::LocalBuild::describe),
            })
        })
        .collect();
    let mut warnings: Vec<Value> = lock
        .warnings
        .iter()
        .map(|w| json!({ "kind": "lock", "message": w.to_string() }))
        .collect();
    warnings.extend(stale_json);
    warnings.extend(
        project
            .unknown_build_warnings()
            .into_iter()
            .map(|m| json!({ "kind": "build-backend", "message": m })),
    );
    // what `translate` would offer as environments (`<scope>.envs`), with their sizes
    let target_args = lock2nix_project::flags::TargetArgs::for_lock(args.clone());
    let target = lock2nix_project::TargetSettings::merge(
        &target_args,
        project.config.as_ref().map(|c| &c.target),
    )?;
    let specs = lock2nix_project::env_specs(project.config.as_ref(), &Default::default())?;
    let envs =
        lock2nix_project::environments(&project, &target, &project.systems(&target_args)?, &specs)?;
    match format {
        Format::Json => {
            let out = json!({
                "environments": envs.iter().map(|e| json!({
                    "name": e.name(),
                    "spec": e.spec.describe(),
                    "packages": e.systems.iter().map(|s| (s.system.as_str().to_string(), json!(s.unavailable.as_ref().map_or(Some(s.packages.len()), |_| None)))).collect::<serde_json::Map<String, Value>>(),
                    "editable": e.editable.iter().map(|m| json!({"name": m.attr, "path": m.path})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
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
                "source_root": {
                    "dir": project.source_root.dir().display().to_string(),
                    "lock_dir": project.source_root.lock_dir().as_str(),
                    "setting": project.source_root.setting(),
                },
                "members": members,
                "local_sources": local,
                "dependency_groups": lock.manifest.dependency_groups.keys().map(ToString::to_string).collect::<Vec<_>>(),
                "warnings": warnings,
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
            if !lock.manifest.dependency_groups.is_empty() {
                writeln!(
                    s,
                    "  workspace root groups {}",
                    lock.manifest
                        .dependency_groups
                        .keys()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
            }
            writeln!(s, "  environments (lock2nix translate: <scope>.envs.NAME)")?;
            for line in lock2nix_project::env_summary(&envs) {
                writeln!(s, "    {}", line.trim_start_matches("env "))?;
            }
            if !local.is_empty() {
                writeln!(
                    s,
                    "  local sources outside the workspace {} (source root {})",
                    local.len(),
                    project.source_root.dir().display()
                )?;
                for l in &local {
                    writeln!(
                        s,
                        "    {} ({}, {}) built with {}",
                        l["name"].as_str().unwrap_or_default(),
                        l["kind"].as_str().unwrap_or_default(),
                        l["path"].as_str().unwrap_or_default(),
                        l["build_backend"].as_str().unwrap_or("nothing (not built)")
                    )?;
                }
            }
            emit(&s)
        }
    }
}
