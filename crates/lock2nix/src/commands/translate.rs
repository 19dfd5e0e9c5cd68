//! `lock2nix translate`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use lock2nix_emit::{emit, Overlay, GENERATED_MARKER};
use lock2nix_plan::{
    layout, plan, Action, Facts, GitFact, GitFetcher, LayoutInputs, Mode, SdistFact,
};
use lock2nix_wheel::System;
use rayon::prelude::*;

use crate::args::TranslateArgs;
use crate::commands::plan::read_index;
use crate::output::{relative_path, write_generated};
use crate::project::Project;

/// The sidecar's facts, as the plan reads them (an absent sidecar has none).
pub fn read_facts(path: &Path) -> Result<Facts> {
    let sidecar = lock2nix_fetch::Sidecar::read(path)
        .with_context(|| format!("cannot read the prefetch sidecar {}", path.display()))?;
    let mut facts = Facts::default();
    for (key, entry) in &sidecar.git {
        facts.git.insert(
            key.clone(),
            GitFact {
                hash: entry.hash.clone(),
                fetcher: match entry.fetcher {
                    lock2nix_fetch::GitFetcher::GitHub => GitFetcher::GitHub,
                    lock2nix_fetch::GitFetcher::Git => GitFetcher::Git,
                },
            },
        );
    }
    for (key, entry) in &sidecar.sdist {
        let hex = key.strip_prefix("sha256:").unwrap_or(key).to_string();
        facts.sdist.insert(
            hex,
            SdistFact {
                build_requires: entry.build_system.requires.clone(),
                build_backend: entry.build_system.backend.clone(),
                requires_dist: None,
                cargo_lock: None,
            },
        );
    }
    for (key, entry) in &sidecar.wheel {
        let hex = key.strip_prefix("sha256:").unwrap_or(key).to_string();
        facts
            .wheel_requires
            .insert(hex, entry.requires_dist.clone());
    }
    Ok(facts)
}

pub fn run(args: &TranslateArgs) -> Result<()> {
    let timer = crate::timing::Timer::from_env();
    let project = Project::load_quiet_about_staleness(&args.target.lock)?;
    timer.mark("read lock, workspace and config");
    let systems: Vec<System> = project.systems(&args.target)?;
    let index = read_index(&project, &args.nixpkgs)?;
    let pol = project.policy(&args.nixpkgs)?;
    // Systems named on the command line or in the config must resolve; of the default four, those
    // the lock cannot be installed on (e.g. CUDA-only wheels on Darwin) are left out with a warning.
    let explicit = project.systems_explicit(&args.target);
    let mut resolutions = Vec::with_capacity(systems.len());
    let mut skipped = Vec::new();
    // The systems are independent: resolve them in parallel (results stay in system order).
    let specs = project.env_specs(&args.envs)?;
    let base_target = project.target(&args.target, Some(systems[0]))?;
    let targets = systems
        .iter()
        .map(|&system| project.target(&args.target, Some(system)))
        .collect::<Result<Vec<_>>>()?;
    // ResolveError is large (it names packages and edges); it is only moved, never hot.
    #[allow(clippy::result_large_err)]
    let (stale, results): (_, Vec<_>) = rayon::join(
        || project.stale_warnings(),
        || {
            targets
                .par_iter()
                .map(|target| {
                    lock2nix_plan::resolve_for_envs(
                        &project.lock,
                        target,
                        &specs,
                        project.workspace.as_ref(),
                    )
                })
                .collect()
        },
    );
    crate::project::print_warnings(&stale);
    for (target, result) in targets.into_iter().zip(results) {
        match result {
            Ok((res, envs_failed)) => {
                if let Some(e) = envs_failed {
                    eprintln!("warning: on {target} only the roots resolve, not every environment's groups and extras ({}); the environments that need more throw there", e.summary());
                }
                resolutions.push(res)
            }
            Err(e) if !explicit => skipped.push((target.to_string(), e)),
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "cannot resolve {} for {target}",
                    project.lock_path.display()
                )))
            }
        }
    }
    for (target, e) in &skipped {
        eprintln!("warning: leaving out {target}: {e}");
    }
    if resolutions.is_empty() {
        let (target, e) = skipped.swap_remove(0);
        return Err(anyhow::Error::new(e).context(format!(
            "cannot resolve {} for {target} (nor for any other system); the default Python is the newest the lock allows: try an older one with --python",
            project.lock_path.display()
        )));
    }
    let systems: Vec<System> = resolutions.iter().map(|r| r.target.system).collect();
    timer.mark("resolve");
    let cfg = project.config.as_ref();
    let hashes_path = project.hashes_path(args.hashes.as_deref());
    let facts = read_facts(&hashes_path)?;
    let inputs = project.plan_inputs(index.as_ref(), pol, facts)?;
    let plans: Vec<_> = resolutions
        .par_iter()
        .map(|r| plan(&project.lock, r, &inputs))
        .collect();
    let missing: std::collections::BTreeSet<lock2nix_plan::Missing> =
        plans.iter().flat_map(|p| p.missing()).collect();
    if !missing.is_empty() && !args.allow_missing_hashes {
        let list: Vec<String> = missing.iter().map(ToString::to_string).collect();
        bail!(
            "{} source(s) lack what a fixed-output derivation needs:\n  {}\nrun `lock2nix prefetch` to record git hashes and Cargo.lock files in {} (a file the lock gives no hash for cannot be prefetched: lock it with hashes), or pass --allow-missing-hashes to write lib.fakeHash (the build then fails and prints the right hash)",
            missing.len(),
            list.join("\n  "),
            hashes_path.display()
        );
    }
    let (envs, not_editable) = lock2nix_plan::plan_envs(
        &project.lock,
        &resolutions,
        &plans,
        &specs,
        project.workspace.as_ref(),
    )?;
    if !not_editable.is_empty() {
        eprintln!(
            "warning: installed built, not editable, in the editable environments (their directory is not a plain relative path): {}",
            not_editable.join(", ")
        );
    }
    let mut notes: Vec<&lock2nix_plan::Note> = plans.iter().flat_map(|p| &p.notes).collect();
    notes.sort();
    notes.dedup();
    for n in notes {
        eprintln!("note: {n}");
    }
    timer.mark("plan");
    let to_stdout = args.out.as_deref() == Some(Path::new("-"));
    let out: PathBuf = match (&args.out, cfg.and_then(|c| c.output.clone())) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => p,
        (None, None) => project.root.join("nix").join("python-overlay.nix"),
    };
    let out_dir = if to_stdout {
        std::env::current_dir()?
    } else {
        out.parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."))
    };
    let workspace_root = relative_path(&out_dir, &project.root)?;
    let first = &base_target;
    let mut top_level = std::collections::BTreeMap::new();
    if let Some(c) = cfg {
        for (name, pc) in &c.packages {
            if let (Some(t), Ok(n)) = (
                &pc.top_level,
                name.parse::<lock2nix_lock::pep508_rs::PackageName>(),
            ) {
                top_level.insert(n, t.clone());
            }
        }
    }
    let the_layout = layout(&LayoutInputs {
        scope: args
            .scope
            .clone()
            .or_else(|| cfg.and_then(|c| c.nixpkgs.scope.clone())),
        global: args.global || cfg.is_some_and(|c| c.nixpkgs.global),
        top_level,
        index: index.as_ref(),
        ..LayoutInputs::for_roots(&resolutions[0])
    })?;
    let lock_sha = project.lock_sha256.clone();
    let roots: Vec<String> = the_layout.exports.iter().map(|e| e.attr.clone()).collect();
    let list_or_dash = |v: Vec<String>| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    };
    let header = vec![
        format!("uv.lock sha256: {lock_sha}"),
        format!(
            "lock2nix.toml sha256: {}",
            project.config_sha256.as_deref().unwrap_or("none")
        ),
        format!(
            "target: CPython {} ({}); systems: {}; roots: {}; extras: {}; groups: {}",
            first.python,
            first.python.full(),
            systems
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            roots.join(", "),
            list_or_dash(first.extras.iter().map(ToString::to_string).collect()),
            if first.all_groups {
                "all".to_string()
            } else {
                list_or_dash(first.groups.iter().map(ToString::to_string).collect())
            },
        ),
        format!(
            "nixpkgs index: {}; policy: {}; mode: {}",
            project
                .index_path(&args.nixpkgs)
                .and_then(|p| p.file_name().map(|f| f.to_string_lossy().to_string()))
                .unwrap_or_else(|| "none".to_string()),
            pol,
            match &the_layout.mode {
                Mode::Global => "pythonPackagesExtensions".to_string(),
                Mode::Scope(s) => format!("scope {s}"),
            },
        ),
    ];
    let text = emit(&Overlay {
        plans: &plans,
        layout: &the_layout,
        workspace_root: &workspace_root,
        header: &header,
        envs: &envs,
    })?;
    timer.mark("emit and print");
    // Summary on stderr (stdout may be the overlay).
    let mut summary = String::new();
    for (res, plan) in resolutions.iter().zip(&plans) {
        let counts = plan.counts();
        summary.push_str(&format!(
            "{}: {} packages: {}\n",
            res.target,
            plan.packages.len(),
            Action::ALL
                .iter()
                .map(|a| format!("{} {}", a, counts.get(a).copied().unwrap_or(0)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    summary.push_str(&crate::commands::plan::env_summary(&envs));
    if to_stdout {
        crate::commands::emit(&text)?;
        eprint!("{summary}");
    } else {
        let changed = write_generated(&out, &text, GENERATED_MARKER, args.force)?;
        eprint!("{summary}");
        eprintln!(
            "{} {}",
            if changed { "wrote" } else { "unchanged:" },
            out.display()
        );
    }
    // Everything is written: leave the large structures to the OS instead of freeing them one
    // allocation at a time (a few ms on big locks).
    std::mem::forget((project, resolutions, plans, text));
    Ok(())
}
