//! What the emitter's integration tests share: a lock's resolutions and plans, as translate
//! makes them (read → resolve → plan), for the systems and roots a test names.

use std::path::Path;
use std::str::FromStr;

use lock2nix_lock::{read_lock, read_workspace};
use lock2nix_nixpkgs::Index;
use lock2nix_plan::{plan, Plan, PlanInputs};
use lock2nix_resolve::{resolve, PythonVersion, Resolution, Target};
use lock2nix_wheel::System;

pub fn sys(s: &str) -> System {
    System::ALL
        .into_iter()
        .find(|x| x.as_str() == s)
        .expect("system")
}

/// `lock` resolved for CPython `python` on `systems` (from `roots` when some are given) and
/// planned with `index`; its directory is the workspace root when it has a pyproject.toml.
pub fn resolve_and_plan(
    lock: &Path,
    python: &str,
    systems: &[&str],
    index: Option<&Index>,
    roots: &[&str],
) -> (Vec<Resolution>, Vec<Plan>) {
    let l = read_lock(lock).unwrap_or_else(|e| panic!("{}: {e}", lock.display()));
    let dir = lock.parent().unwrap();
    let ws = dir
        .join("pyproject.toml")
        .is_file()
        .then(|| read_workspace(dir).unwrap());
    let py = PythonVersion::from_str(python).unwrap();
    let resolutions: Vec<Resolution> = systems
        .iter()
        .map(|s| {
            let mut t = Target::new(sys(s), py);
            if !roots.is_empty() {
                t.roots = roots.iter().map(|r| r.parse().unwrap()).collect();
            }
            resolve(&l, &t).unwrap_or_else(|e| panic!("{} {s}: {e}", lock.display()))
        })
        .collect();
    let inputs = PlanInputs {
        index,
        workspace: ws.as_ref(),
        ..PlanInputs::default()
    };
    let plans = resolutions.iter().map(|r| plan(&l, r, &inputs)).collect();
    (resolutions, plans)
}
