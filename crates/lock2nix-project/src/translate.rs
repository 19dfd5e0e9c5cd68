//! The pipeline of `translate`: resolve every system, read the prefetched facts, plan, lay out
//! the attribute names, and render — decide, then render (nothing is written here).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lock2nix_emit::{emit, Overlay};
use lock2nix_plan::{
    layout, plan, Action, Facts, GitFact, GitFetcher, LayoutInputs, Mode, Plan, SdistFact,
};
use lock2nix_resolve::{resolve, Resolution};
use rayon::prelude::*;
use sha2::Digest;

use crate::header::{Inputs, OverlayHeader, VERSION};
use crate::project::Project;
use crate::settings::Settings;
use crate::Error;

/// A rendered overlay and what to tell the person who asked for it.
pub struct Translation {
    pub text: String,
    pub header: OverlayHeader,
    /// One line each: stale parts of the lock, systems left out.
    pub warnings: Vec<String>,
    /// The plan's notes (bootstrap mismatches, assumed build systems), deduplicated.
    pub notes: Vec<String>,
    /// Per system: its package count by action.
    pub summary: Vec<String>,
    pub resolutions: Vec<Resolution>,
    pub plans: Vec<Plan>,
}

/// The sidecar's facts, as the plan reads them (an absent sidecar has none), and the sha256 of
/// its bytes (`None` when there is no sidecar).
pub fn read_facts(path: &Path) -> Result<(Facts, Option<String>), Error> {
    let sidecar = lock2nix_fetch::Sidecar::read(path).map_err(|source| Error::Sidecar {
        path: path.to_path_buf(),
        source,
    })?;
    let sha = match std::fs::read(path) {
        Ok(bytes) => Some(hex::encode(sha2::Sha256::digest(bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
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
    Ok((facts, sha))
}

/// The index file's name and the sha256 of its bytes.
fn index_stamp(path: &Path) -> Result<(String, String), Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((name, hex::encode(sha2::Sha256::digest(bytes))))
}

/// The hashed inputs of `project` with `settings` as they are now (what `check` compares with
/// an overlay's header).
pub fn current_inputs(
    project: &Project,
    sidecar: &Path,
    index: Option<&Path>,
) -> Result<Inputs, Error> {
    let sidecar_sha256 = match std::fs::read(sidecar) {
        Ok(bytes) => Some(hex::encode(sha2::Sha256::digest(bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(Error::Io {
                path: sidecar.to_path_buf(),
                source,
            })
        }
    };
    Ok(Inputs {
        lock_sha256: project.lock_sha256.clone(),
        config_sha256: project.config_sha256.clone(),
        sidecar_sha256,
        index: index.map(index_stamp).transpose()?,
    })
}

/// Resolve, plan and render the overlay of `project` for `settings`.
pub fn translate(project: &Project, settings: &Settings) -> Result<Translation, Error> {
    let index = match &settings.index {
        Some(path) => Some(
            lock2nix_nixpkgs::Index::read(path).map_err(|source| Error::Index {
                path: path.clone(),
                source,
            })?,
        ),
        None => None,
    };
    let targets = settings
        .systems
        .iter()
        .map(|&system| project.target_for(&settings.target, system))
        .collect::<Result<Vec<_>, _>>()?;
    // The systems are independent: resolve them in parallel (results stay in system order),
    // next to the stale-lock check.
    let (stale, results): (_, Vec<_>) = rayon::join(
        || project.stale_warnings(),
        || {
            targets
                .par_iter()
                .map(|target| resolve(&project.lock, target))
                .collect()
        },
    );
    let mut warnings: Vec<String> = stale.iter().map(ToString::to_string).collect();
    let mut resolutions = Vec::with_capacity(targets.len());
    let mut skipped = Vec::new();
    for (target, result) in targets.into_iter().zip(results) {
        match result {
            Ok(res) => resolutions.push(res),
            // of the default four, a system the lock cannot be installed on (e.g. CUDA-only
            // wheels on Darwin) is left out with a warning
            Err(e) if !settings.systems_explicit => skipped.push((target.to_string(), e)),
            Err(e) => {
                return Err(Error::Resolve {
                    lock: project.lock_path.clone(),
                    target: target.to_string(),
                    advice: String::new(),
                    source: Box::new(e),
                })
            }
        }
    }
    for (target, e) in &skipped {
        warnings.push(format!("leaving out {target}: {e}"));
    }
    if resolutions.is_empty() {
        let (target, e) = skipped.swap_remove(0);
        return Err(Error::Resolve {
            lock: project.lock_path.clone(),
            target,
            advice: " (nor for any other system); the default Python is the newest the lock allows: try an older one with --python".to_string(),
            source: Box::new(e),
        });
    }
    let (facts, sidecar_sha256) = read_facts(&settings.sidecar)?;
    let inputs = project.plan_inputs(index.as_ref(), settings.policy, facts);
    let plans: Vec<Plan> = resolutions
        .par_iter()
        .map(|r| plan(&project.lock, r, &inputs))
        .collect();
    let missing: BTreeSet<lock2nix_plan::Missing> =
        plans.iter().flat_map(|p| p.missing()).collect();
    if !missing.is_empty() && !settings.allow_missing_hashes {
        return Err(Error::MissingHashes {
            missing: missing.iter().map(ToString::to_string).collect(),
            sidecar: settings.sidecar.clone(),
        });
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
        index: settings.index.as_deref().map(index_stamp).transpose()?,
        target: target_line(&resolutions, &the_layout),
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
    let text = emit(&Overlay {
        plans: &plans,
        layout: &the_layout,
        workspace_root: &workspace_root,
        header: &header.lines(),
    })?;
    let summary = resolutions
        .iter()
        .zip(&plans)
        .map(|(res, plan)| {
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
        })
        .collect();
    Ok(Translation {
        text,
        header,
        warnings,
        notes,
        summary,
        resolutions,
        plans,
    })
}

/// `CPython 3.13 (3.13.9); systems: …; roots: …; extras: …; groups: …` for the header.
fn target_line(resolutions: &[Resolution], the_layout: &lock2nix_plan::Layout) -> String {
    let first = &resolutions[0].target;
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
    let abs = |p: &Path| -> std::io::Result<PathBuf> {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()?.join(p)
        };
        // normalise without requiring existence
        let mut out = PathBuf::new();
        for c in p.components() {
            match c {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                std::path::Component::CurDir => {}
                other => out.push(other.as_os_str()),
            }
        }
        Ok(out)
    };
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
