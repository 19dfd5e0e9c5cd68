//! The pipeline stages as `lock2nix translate` runs them, shared by `pipeline.rs` and `scale.rs`.

#![allow(dead_code)]

use std::path::Path;

use lock2nix_emit::{emit, Overlay};
use lock2nix_lock::{Lock, Workspace};
use lock2nix_plan::{layout, plan, LayoutInputs, Plan, PlanInputs};
use lock2nix_resolve::{resolve, PythonVersion, Resolution, Target};
use lock2nix_wheel::System;

/// The four Nix systems, in `translate`'s order.
pub const SYSTEMS: [System; 4] = System::ALL;

/// The targets `translate` would resolve for `lock` (no flags), on `systems`.
pub fn targets(python: PythonVersion, systems: &[System]) -> Vec<Target> {
    systems.iter().map(|&s| Target::new(s, python)).collect()
}

/// The systems of `SYSTEMS` on which `lock` resolves (the top-N locks have Linux-only wheels
/// without an sdist, so they do not resolve on Darwin).
pub fn resolvable(lock: &Lock, python: PythonVersion) -> Vec<System> {
    SYSTEMS
        .into_iter()
        .filter(|&s| resolve(lock, &Target::new(s, python)).is_ok())
        .collect()
}

/// Resolve every target.
pub fn resolve_all(lock: &Lock, targets: &[Target]) -> Vec<Resolution> {
    targets
        .iter()
        .map(|t| resolve(lock, t).unwrap_or_else(|e| panic!("{t}: {e}")))
        .collect()
}

/// Plan every resolution (no nixpkgs index: everything is built).
pub fn plan_all(lock: &Lock, ws: Option<&Workspace>, res: &[Resolution]) -> Vec<Plan> {
    let inputs = PlanInputs {
        workspace: ws,
        ..PlanInputs::default()
    };
    res.iter().map(|r| plan(lock, r, &inputs)).collect()
}

/// Emit the overlay (missing hashes become `lib.fakeHash`, as with `--allow-missing-hashes`).
pub fn emit_all(res: &[Resolution], plans: &[Plan]) -> String {
    let the_layout = layout(&LayoutInputs::for_roots(&res[0])).unwrap_or_else(|e| panic!("{e}"));
    emit(&Overlay {
        plans,
        layout: &the_layout,
        workspace_root: ".",
        source_root: None,
        header: &[],
        envs: &[],
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// read (lock from disk, workspace) → resolve → plan → emit, as `translate` does.
pub fn translate(dir: &Path, python: PythonVersion, systems: &[System]) -> String {
    let lock = lock2nix_lock::read_lock(&dir.join("uv.lock")).unwrap_or_else(|e| panic!("{e}"));
    let ws = dir
        .join("pyproject.toml")
        .is_file()
        .then(|| lock2nix_lock::read_workspace(dir).unwrap_or_else(|e| panic!("{e}")));
    let res = resolve_all(&lock, &targets(python, systems));
    let plans = plan_all(&lock, ws.as_ref(), &res);
    emit_all(&res, &plans)
}
