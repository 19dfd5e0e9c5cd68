//! The pipeline of `translate`: resolve every system, read the prefetched facts, plan, lay out
//! the attribute names, and render — decide, then render (nothing is written here).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use lock2nix_emit::{emit_spliced_with, Overlay, PrintedFile};
use lock2nix_nixpkgs::Index;
use lock2nix_plan::{
    layout, plan, plan_envs, resolve_for_envs, Action, Env, Facts, GitFact, GitFetcher,
    LayoutInputs, Mode, Plan, SdistFact,
};
use lock2nix_resolve::{Resolution, Target};
use sha2::Digest;

use crate::header::{Inputs, OverlayHeader, VERSION};
use crate::project::Project;
use crate::settings::Settings;
use crate::Error;

/// A rendered overlay and what to tell the person who asked for it.
pub struct Translation {
    /// The overlay, in pieces (written one after the other; `to_string` gives it whole).
    pub text: PrintedFile,
    pub header: OverlayHeader,
    /// One line each: stale parts of the lock, systems left out.
    pub warnings: Vec<String>,
    /// The plan's notes (bootstrap mismatches, assumed build systems), deduplicated.
    pub notes: Vec<String>,
    /// Per system: its package count by action.
    pub summary: Vec<String>,
    pub resolutions: Vec<Resolution>,
    pub plans: Vec<Plan>,
    /// The environments, as the overlay offers them.
    pub envs: Vec<Env>,
}

/// One line per environment: its spec and its size on each system (for `translate` and
/// `plan`).
pub fn env_summary(envs: &[Env]) -> Vec<String> {
    envs.iter()
        .map(|e| {
            let sizes: Vec<String> = e
                .systems
                .iter()
                .map(|s| match &s.unavailable {
                    Some(_) => format!("{} unavailable", s.system),
                    None => format!("{} {}", s.system, s.packages.len()),
                })
                .collect();
            let editable = if e.editable.is_empty() {
                String::new()
            } else {
                format!(
                    "; {}: {} editable",
                    e.spec.editable_name(),
                    e.editable
                        .iter()
                        .map(|m| m.attr.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            format!(
                "env {} ({}): packages: {}{editable}",
                e.name(),
                e.spec.describe(),
                sizes.join(", ")
            )
        })
        .collect()
}

/// The sidecar's facts, as the plan reads them (an absent sidecar has none), and the sha256 of
/// its bytes (`None` when there is no sidecar). Paths of stored Cargo.lock files become relative
/// to `overlay_dir`; one that is gone or changed counts as not extracted, with a warning.
pub fn read_facts(
    path: &Path,
    overlay_dir: &Path,
    warnings: &mut Vec<String>,
) -> Result<(Facts, Option<String>), Error> {
    let (sidecar, sha) = read_sidecar(path)?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut facts = Facts::default();
    for (key, entry) in &sidecar.git {
        for (dir, b) in &entry.build_systems {
            facts
                .git_build_requires
                .insert((key.clone(), dir.clone()), b.requires.clone());
        }
        for (dir, c) in &entry.cargo_locks {
            if let Some(fact) = stored_cargo_lock(base, overlay_dir, c, key, warnings)? {
                facts
                    .git_cargo_locks
                    .insert((key.clone(), dir.clone()), fact);
            }
        }
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
                requires_dist: entry.requires_dist.clone(),
                cargo_lock: match &entry.cargo_lock {
                    None => None,
                    Some(c) => stored_cargo_lock(base, overlay_dir, c, &entry.url, warnings)?,
                },
            },
        );
    }
    for (key, entry) in &sidecar.wheel {
        let hex = key.strip_prefix("sha256:").unwrap_or(key).to_string();
        facts
            .wheel_requires
            .insert(hex, entry.requires_dist.clone());
    }
    Ok((facts, sha))
}

/// A stored Cargo.lock as the plan reads it (its path relative to `overlay_dir`), or `None`
/// with a warning naming `what` when the file is gone or changed.
fn stored_cargo_lock(
    base: &Path,
    overlay_dir: &Path,
    c: &lock2nix_fetch::CargoLockEntry,
    what: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<lock2nix_plan::CargoLockFact>, Error> {
    match lock2nix_fetch::read_stored_cargo_lock(base, &c.path, &c.sha256) {
        Ok(_) => Ok(Some(lock2nix_plan::CargoLockFact {
            path: relative_path(overlay_dir, &base.join(&c.path)).map_err(|source| Error::Io {
                path: overlay_dir.to_path_buf(),
                source,
            })?,
            root: c.root.clone(),
            unsupported: c.unsupported.clone(),
        })),
        Err(e) => {
            warnings.push(format!("{}: {e}", lock2nix_lock::terminal_safe(what)));
            Ok(None)
        }
    }
}

/// The sidecar and the sha256 of its bytes, from one bounded read.
fn read_sidecar(path: &Path) -> Result<(lock2nix_fetch::Sidecar, Option<String>), Error> {
    lock2nix_fetch::Sidecar::read_with_sha256(path).map_err(|source| Error::Sidecar {
        path: path.to_path_buf(),
        source,
    })
}

/// The index, and its file name with the sha256 of its bytes, from one bounded read.
fn read_index(path: &Path) -> Result<(Index, (String, String)), Error> {
    let index_error = |source| Error::Index {
        path: path.to_path_buf(),
        source,
    };
    let limits = lock2nix_nixpkgs::ReadLimits::default();
    let text = lock2nix_nixpkgs::format::read_text(path, &limits).map_err(index_error)?;
    let sha = hex::encode(sha2::Sha256::digest(text.as_bytes()));
    let index = Index::parse_with_limits(&text, &path.display().to_string(), &limits)
        .map_err(index_error)?;
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((index, (name, sha)))
}

/// The hashed inputs of `project` as they are now (what `check` compares with an overlay's
/// header); the sidecar and the index are read (and so checked) as translate reads them.
pub fn current_inputs(
    project: &Project,
    sidecar: &Path,
    index: Option<&Path>,
) -> Result<Inputs, Error> {
    Ok(Inputs {
        lock_sha256: project.lock_sha256.clone(),
        config_sha256: project.config_sha256.clone(),
        sidecar_sha256: read_sidecar(sidecar)?.1,
        index: index.map(read_index).transpose()?.map(|(_, stamp)| stamp),
    })
}

/// Resolve, plan and render the overlay of `project` for `settings`.
pub fn translate(project: &Project, settings: &Settings) -> Result<Translation, Error> {
    let (index, index_stamp) = match settings.index.as_deref().map(read_index).transpose()? {
        Some((index, stamp)) => (Some(index), Some(stamp)),
        None => (None, None),
    };
    let targets = settings
        .systems
        .iter()
        .map(|&system| project.target_for(&settings.target, system))
        .collect::<Result<Vec<_>, _>>()?;
    let mut fact_warnings = Vec::new();
    let (facts, sidecar_sha256) = read_facts(
        &settings.sidecar,
        &settings.output.dir(),
        &mut fact_warnings,
    )?;
    let inputs = project.plan_inputs(index.as_ref(), settings.policy, facts);
    // The systems are independent: each is resolved and planned on its own (results stay in
    // system order), so that a system's plan starts as soon as its resolution is done instead of
    // after every system's. Taken first come, first served (`scope_fifo`), so that the systems
    // start before a system that fails early: two resolvable systems run side by side instead of
    // one after the other behind the short jobs.
    let resolved: Vec<std::sync::OnceLock<_>> =
        targets.iter().map(|_| std::sync::OnceLock::new()).collect();
    let inputs = &inputs;
    rayon::scope_fifo(|s| {
        for (target, slot) in targets.iter().zip(&resolved) {
            s.spawn_fifo(move |_| {
                let result = resolve_for_envs(
                    &project.lock,
                    target,
                    &settings.envs,
                    project.workspace.as_ref(),
                )
                .map(|(res, envs_failed)| {
                    let plan = plan(&project.lock, &res, inputs);
                    // what needs only this system's plan is taken here, next to the other
                    // systems' jobs, while the plan is at hand
                    let missing = plan.missing();
                    let summary = system_summary(&res, &plan);
                    (res, plan, envs_failed, missing, summary)
                });
                let _ = slot.set(result);
            });
        }
    });
    let results = resolved.into_iter().map(|r| {
        r.into_inner()
            .expect("every system's job ran before the scope ended")
    });
    // the stale-lock check's lines go first (it runs below)
    let mut warnings: Vec<String> = Vec::new();
    let mut resolutions = Vec::with_capacity(targets.len());
    let mut plans: Vec<Plan> = Vec::with_capacity(targets.len());
    let mut missing: BTreeSet<lock2nix_plan::Missing> = BTreeSet::new();
    let mut summary: Vec<String> = Vec::with_capacity(targets.len());
    let mut skipped = Vec::new();
    let base_target = targets[0].clone();
    for (target, result) in targets.into_iter().zip(results) {
        match result {
            Ok((res, plan, envs_failed, plan_missing, plan_summary)) => {
                if let Some(e) = envs_failed {
                    warnings.push(format!("on {target} only the roots resolve, not every environment's groups and extras ({}); the environments that need more throw there", e.summary()));
                }
                resolutions.push(res);
                plans.push(plan);
                missing.extend(plan_missing);
                summary.push(plan_summary);
            }
            // of the default four, a system the lock cannot be installed on (e.g. CUDA-only
            // wheels on Darwin) is left out with a warning
            Err(e) if !settings.systems_explicit => {
                skipped.push((target.to_string(), target.system, e))
            }
            Err(e) => return Err(Error::resolve(project, &target, e)),
        }
    }
    for (target, system, e) in &skipped {
        // one short line: the full explanation (every rejected wheel) is `resolve`'s
        let advice = e.advice().map(|a| format!("; {a}")).unwrap_or_default();
        warnings.push(format!(
            "leaving out {target}: {}{advice} (`lock2nix resolve --system {system}` with the same options shows why)",
            e.summary()
        ));
    }
    if resolutions.is_empty() {
        let (target, _, e) = skipped.swap_remove(0);
        return Err(Error::Resolve {
            lock: project.lock_path.clone(),
            target,
            advice: " (nor for any other system); the default Python is the newest the lock allows: try an older one with --python".to_string(),
            source: Box::new(e),
        });
    }
    if !missing.is_empty() && !settings.allow_missing_hashes {
        return Err(Error::MissingHashes {
            // why a stored Cargo.lock was not used
            missing: missing
                .iter()
                .map(ToString::to_string)
                .chain(fact_warnings)
                .collect(),
            sidecar: settings.sidecar.clone(),
        });
    }
    warnings.extend(fact_warnings);
    // The definitions depend on the plans alone: they are printed while the environments are
    // planned and the lock is checked for stale parts (the file around them waits for all
    // three). The check, one task that cannot be split, starts first; the definitions' chunks
    // fill the threads around it. An environment's error comes first, as when they were
    // planned before the definitions.
    let (stale, (planned_envs, definitions)) = rayon::join(
        || project.stale_warnings(),
        || {
            rayon::join(
                || {
                    plan_envs(
                        &project.lock,
                        &resolutions,
                        &plans,
                        &settings.envs,
                        project.workspace.as_ref(),
                    )
                    .map(|(envs, not_editable)| {
                        let summary = env_summary(&envs);
                        (envs, not_editable, summary)
                    })
                },
                || lock2nix_emit::Definitions::print(&plans),
            )
        },
    );
    warnings.splice(0..0, stale.iter().map(ToString::to_string));
    let (envs, not_editable, envs_summary) = planned_envs?;
    if !not_editable.is_empty() {
        warnings.push(format!(
            "installed built, not editable, in the editable environments (their directory is not a plain relative path): {}",
            not_editable.join(", ")
        ));
    }
    let mut notes: Vec<String> = plans
        .iter()
        .flat_map(|p| &p.notes)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(ToString::to_string)
        .collect();
    notes.dedup();
    let cfg = project.config.as_ref();
    let mut top_level = BTreeMap::new();
    for (name, pc) in cfg.iter().flat_map(|c| &c.packages) {
        if let (Some(t), Ok(n)) = (
            &pc.top_level,
            name.parse::<lock2nix_lock::pep508_rs::PackageName>(),
        ) {
            top_level.insert(n, t.clone());
        }
    }
    let the_layout = layout(&LayoutInputs {
        scope: settings.scope.clone(),
        global: settings.global,
        top_level,
        index: index.as_ref(),
        ..LayoutInputs::for_roots(&resolutions[0])
    })?;
    let header = OverlayHeader {
        version: VERSION.to_string(),
        lock_sha256: project.lock_sha256.clone(),
        config_sha256: project.config_sha256.clone(),
        sidecar_sha256,
        index: index_stamp,
        target: target_line(&base_target, &resolutions, &the_layout),
        policy: settings.policy.to_string(),
        mode: match &the_layout.mode {
            Mode::Global => "pythonPackagesExtensions".to_string(),
            Mode::Scope(s) => format!("scope {s}"),
        },
    };
    let out_dir = settings.output.dir();
    let workspace_root = relative_path(&out_dir, &project.root).map_err(|source| Error::Io {
        path: out_dir.clone(),
        source,
    })?;
    let source_root =
        relative_path(&out_dir, project.source_root.dir()).map_err(|source| Error::Io {
            path: out_dir.clone(),
            source,
        })?;
    let text = emit_spliced_with(
        &Overlay {
            plans: &plans,
            layout: &the_layout,
            workspace_root: &workspace_root,
            source_root: Some((&source_root, project.source_root.lock_dir().as_str())),
            header: &header.lines(),
            envs: &envs,
        },
        definitions?,
    )?;
    summary.extend(envs_summary);
    Ok(Translation {
        text,
        header,
        warnings,
        notes,
        summary,
        resolutions,
        plans,
        envs,
    })
}

/// A system's line of the summary: its target, its package count and the count by action.
fn system_summary(res: &Resolution, plan: &Plan) -> String {
    let counts = plan.counts();
    format!(
        "{}: {} packages: {}",
        res.target,
        plan.packages.len(),
        Action::ALL
            .iter()
            .map(|a| format!("{} {}", a, counts.get(a).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The environments of `project` on each of `systems` (for `inspect`): resolved like
/// [`translate`] does, planned without a nixpkgs index (the sizes do not depend on it). A system
/// the roots do not resolve on is left out.
pub fn environments(
    project: &Project,
    target: &crate::TargetSettings,
    systems: &[lock2nix_wheel::System],
    specs: &[lock2nix_plan::EnvSpec],
) -> Result<Vec<Env>, Error> {
    let mut resolutions = Vec::new();
    for &system in systems {
        let t = project.target_for(target, system)?;
        if let Ok((res, _)) = resolve_for_envs(&project.lock, &t, specs, project.workspace.as_ref())
        {
            resolutions.push(res);
        }
    }
    let inputs = lock2nix_plan::PlanInputs {
        workspace: project.workspace.as_ref(),
        ..Default::default()
    };
    let plans: Vec<Plan> = resolutions
        .iter()
        .map(|r| plan(&project.lock, r, &inputs))
        .collect();
    let (envs, _) = plan_envs(
        &project.lock,
        &resolutions,
        &plans,
        specs,
        project.workspace.as_ref(),
    )?;
    Ok(envs)
}

/// `CPython 3.13 (3.13.9); systems: …; roots: …; extras: …; groups: …` for the header.
/// `first` is the target as asked (the resolutions' add the environments' groups and extras).
fn target_line(
    first: &Target,
    resolutions: &[Resolution],
    the_layout: &lock2nix_plan::Layout,
) -> String {
    let list_or_dash = |v: Vec<String>| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    };
    format!(
        "CPython {} ({}); systems: {}; roots: {}; extras: {}; groups: {}",
        first.python,
        first.python.full(),
        resolutions
            .iter()
            .map(|r| r.target.system.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        the_layout
            .exports
            .iter()
            .map(|e| e.attr.clone())
            .collect::<Vec<_>>()
            .join(", "),
        list_or_dash(first.extras.iter().map(ToString::to_string).collect()),
        if first.all_groups {
            "all".to_string()
        } else {
            list_or_dash(first.groups.iter().map(ToString::to_string).collect())
        },
    )
}

/// `to` relative to the directory `from` (both made absolute), with `/` separators.
pub fn relative_path(from_dir: &Path, to: &Path) -> std::io::Result<String> {
    let abs = lock2nix_lock::absolute_lexical;
    let from = abs(from_dir)?;
    let to = abs(to)?;
    let fc: Vec<_> = from.components().collect();
    let tc: Vec<_> = to.components().collect();
    let common = fc.iter().zip(&tc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..fc.len() {
        parts.push("..".to_string());
    }
    for c in &tc[common..] {
        parts.push(c.as_os_str().to_string_lossy().to_string());
    }
    if parts.is_empty() {
        Ok("./.".to_string())
    } else if parts[0] == ".." {
        Ok(parts.join("/"))
    } else {
        Ok(format!("./{}", parts.join("/")))
    }
}
