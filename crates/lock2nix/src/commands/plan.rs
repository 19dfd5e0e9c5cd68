//! `lock2nix plan`.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use lock2nix_plan::{
    plan, plan_envs, resolve_for_envs, Action, BuildSystemOrigin, Format, Plan, PlannedPackage,
    Recipe, Src,
};
use serde_json::json;

use crate::args::{EnvArgs, Format as OutFormat, NixpkgsArgs, TargetArgs};
use crate::commands::emit;

/// What a recipe builds from, for people: `wheel`, `sdist`, `git (fetchFromGitHub)`, …
fn recipe_summary(p: &PlannedPackage) -> String {
    let src = |s: &Src| match s {
        Src::Url { .. } => "fetchurl",
        Src::GitHub { .. } => "fetchFromGitHub",
        Src::Git { .. } => "fetchgit",
        Src::File { .. } => "project file",
        Src::Tree { .. } => "project tree",
    };
    match &p.recipe {
        Recipe::Untouched => "nixpkgs".to_string(),
        Recipe::Reuse { nixpkgs_attr } if nixpkgs_attr == &p.attr => {
            "nixpkgs, customised".to_string()
        }
        Recipe::Reuse { nixpkgs_attr } => format!("nixpkgs' {nixpkgs_attr}"),
        Recipe::Swap { src: s, .. } => format!("nixpkgs' recipe, {} sdist", src(s)),
        Recipe::Meta { .. } => "meta package".to_string(),
        Recipe::Fresh(f) => match &f.format {
            Format::Wheel => format!("wheel ({})", src(&f.src)),
            Format::Pyproject {
                build_system,
                origin,
                ..
            } => format!(
                "{} ({}), build system {}{}{}",
                match &f.src {
                    Src::Tree { .. } => "tree",
                    Src::GitHub { .. } | Src::Git { .. } => "git",
                    _ => "sdist",
                },
                src(&f.src),
                if build_system.is_empty() {
                    "-".to_string()
                } else {
                    build_system.join(" ")
                },
                match origin {
                    BuildSystemOrigin::Pyproject => "",
                    BuildSystemOrigin::Prefetched => " (prefetched)",
                    BuildSystemOrigin::Configured => " (configured)",
                    BuildSystemOrigin::Assumed => " (assumed)",
                },
                if f.cargo.is_some() { ", Rust" } else { "" }
            ),
        },
    }
}

/// The plan summary: counts per action, the version swaps with their strategy, then the
/// packages grouped by action, then the notes.
pub fn render_text(plan: &Plan, header: &str) -> Result<String> {
    let mut s = String::new();
    let counts = plan.counts();
    writeln!(s, "{header}")?;
    writeln!(
        s,
        "{}",
        Action::ALL
            .iter()
            .map(|a| format!("{} {}", a, counts.get(a).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    let width = plan
        .packages
        .iter()
        .map(|p| p.attr.len())
        .max()
        .unwrap_or(0);
    let vwidth = plan
        .packages
        .iter()
        .map(|p| p.version.len())
        .max()
        .unwrap_or(0);
    let nix = |p: &PlannedPackage| match (p.nixpkgs_attr(), p.nixpkgs_version()) {
        (Some(a), Some(v)) => format!("{a} {v}"),
        (Some(a), None) => format!("{a} ?"),
        _ => "-".to_string(),
    };
    let swaps: Vec<_> = plan
        .packages
        .iter()
        .filter_map(|p| p.swap_strategy().map(|how| (p, how)))
        .collect();
    if !swaps.is_empty() {
        writeln!(
            s,
            "\nversion swaps: nixpkgs has another version ({})",
            swaps.len()
        )?;
        for (p, how) in swaps {
            writeln!(
                s,
                "  {:width$}  {:vwidth$}  nixpkgs: {:24}  {how}",
                p.attr,
                p.version,
                nix(p)
            )?;
        }
    }
    for action in Action::ALL {
        let rows: Vec<_> = plan
            .packages
            .iter()
            .filter(|p| p.action == action)
            .collect();
        if rows.is_empty() {
            continue;
        }
        writeln!(s, "\n{action} ({})", rows.len())?;
        for p in rows {
            writeln!(
                s,
                "  {:width$}  {:vwidth$}  nixpkgs: {:24}  {}  [{}]",
                p.attr,
                p.version,
                nix(p),
                p.reason,
                recipe_summary(p)
            )?;
        }
    }
    if !plan.notes.is_empty() {
        writeln!(s)?;
        for n in &plan.notes {
            writeln!(s, "note: {n}")?;
        }
    }
    Ok(s)
}

pub fn run(
    args: &TargetArgs,
    nixpkgs: &NixpkgsArgs,
    env_args: &EnvArgs,
    format: OutFormat,
) -> Result<()> {
    let project = crate::commands::load(&args.lock)?;
    let specs = lock2nix_project::env_specs(project.config.as_ref(), env_args)?;
    let target = project.target(args, None)?;
    let index = project.read_index(nixpkgs)?;
    let (res, envs_failed) =
        resolve_for_envs(&project.lock, &target, &specs, project.workspace.as_ref()).with_context(
            || {
                format!(
                    "cannot resolve {} for {target}",
                    project.lock_path.display()
                )
            },
        )?;
    if let Some(e) = envs_failed {
        eprintln!(
            "warning: only the roots resolve, not every environment's groups and extras ({})",
            e.summary()
        );
    }
    let mut warnings = Vec::new();
    let (facts, _) = lock2nix_project::read_facts(
        &project.hashes_path(None),
        &project.default_overlay_dir(),
        &mut warnings,
    )?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let inputs = project.plan_inputs(index.as_ref(), project.policy(nixpkgs), facts);
    let plan = plan(&project.lock, &res, &inputs);
    let (envs, _) = plan_envs(
        &project.lock,
        std::slice::from_ref(&res),
        std::slice::from_ref(&plan),
        &specs,
        project.workspace.as_ref(),
    )?;
    match format {
        OutFormat::Json => {
            let out = json!({
                "system": target.system.as_str(),
                "python": target.python.full(),
                "policy": plan.policy.as_str(),
                "counts": plan.counts().iter().map(|(a, n)| (a.as_str().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
                "packages": plan.packages.iter().map(|p| json!({
                    "name": p.name.to_string(),
                    "version": p.version,
                    "action": p.action.as_str(),
                    "attr": p.attr,
                    "nixpkgs_attr": p.nixpkgs_attr(),
                    "nixpkgs_version": p.nixpkgs_version(),
                    "strategy": p.swap_strategy(),
                    "recipe": recipe_summary(p),
                    "reason": p.reason,
                })).collect::<Vec<_>>(),
                "notes": plan.notes.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "envs": envs.iter().map(|e| json!({
                    "name": e.name(),
                    "spec": e.spec.describe(),
                    "unavailable": e.systems[0].unavailable,
                    "requires": e.systems[0].requires,
                    "packages": e.systems[0].packages,
                    "editable": e.editable.iter().map(|m| json!({"attr": m.attr, "path": m.path})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            emit(&format!("{}\n", serde_json::to_string_pretty(&out)?))
        }
        OutFormat::Text => {
            let mut text = render_text(
                &plan,
                &format!(
                    "# plan for {} on {target}, policy {}",
                    project.lock_path.display(),
                    plan.policy
                ),
            )?;
            text.push('\n');
            for line in lock2nix_project::env_summary(&envs) {
                text.push_str(&line);
                text.push('\n');
            }
            emit(&text)
        }
    }
}
