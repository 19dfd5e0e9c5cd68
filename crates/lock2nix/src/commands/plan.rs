//! `lock2nix plan`.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use lock2nix_nixpkgs::Index;
use lock2nix_plan::{plan, Action, Plan};
use lock2nix_resolve::resolve;
use serde_json::json;

use crate::args::{Format, NixpkgsArgs, TargetArgs};
use crate::commands::emit;
use crate::project::Project;

/// Read the index named on the command line or in the configuration.
pub fn read_index(project: &Project, args: &NixpkgsArgs) -> Result<Option<Index>> {
    project
        .index_path(args)
        .map(|p| {
            Index::read(&p)
                .with_context(|| format!("cannot read the nixpkgs index {}", p.display()))
        })
        .transpose()
}

/// The plan summary table: counts per action, then the packages grouped by action.
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
            let nix = match (&p.nixpkgs_attr, &p.nixpkgs_version) {
                (Some(a), Some(v)) => format!("{a} {v}"),
                (Some(a), None) => format!("{a} ?"),
                _ => "-".to_string(),
            };
            writeln!(
                s,
                "  {:width$}  {:vwidth$}  nixpkgs: {:24}  {}",
                p.attr, p.version, nix, p.reason
            )?;
        }
    }
    Ok(s)
}

pub fn run(args: &TargetArgs, nixpkgs: &NixpkgsArgs, format: Format) -> Result<()> {
    let project = Project::load(&args.lock)?;
    let target = project.target(args, None)?;
    let index = read_index(&project, nixpkgs)?;
    let res = resolve(&project.lock, &target).with_context(|| {
        format!(
            "cannot resolve {} for {target}",
            project.lock_path.display()
        )
    })?;
    let inputs = project.plan_inputs(index.as_ref(), project.policy(nixpkgs)?)?;
    let plan = plan(&project.lock, &res, &inputs);
    match format {
        Format::Json => {
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
                    "nixpkgs_attr": p.nixpkgs_attr,
                    "nixpkgs_version": p.nixpkgs_version,
                    "reason": p.reason,
                })).collect::<Vec<_>>(),
            });
            emit(&format!("{}\n", serde_json::to_string_pretty(&out)?))
        }
        Format::Text => emit(&render_text(
            &plan,
            &format!(
                "# plan for {} on {target}, policy {}",
                project.lock_path.display(),
                plan.policy
            ),
        )?),
    }
}
