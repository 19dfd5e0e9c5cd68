//! Helpers shared by the resolver's integration tests.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use lock2nix_lock::{parse_lock, read_lock, Lock};
use lock2nix_resolve::{PythonVersion, Resolution, Target};
use lock2nix_wheel::System;
use pep508_rs::{ExtraName, PackageName};

/// The four Nix systems.
pub const SYSTEMS: [System; 4] = [
    System::X86_64Linux,
    System::Aarch64Linux,
    System::X86_64Darwin,
    System::Aarch64Darwin,
];

/// The fixture's `uv.lock` (see [`fixture_dir`]), read once per test process.
pub fn fixture_lock(rel: &str) -> Arc<Lock> {
    static CACHE: OnceLock<Mutex<BTreeMap<String, Arc<Lock>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(l) = cache.lock().unwrap().get(rel) {
        return l.clone();
    }
    let path = lock_path(rel);
    let lock = Arc::new(read_lock(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    cache.lock().unwrap().insert(rel.to_string(), lock.clone());
    lock
}

/// The directory of a fixture: `tests/...` is relative to this crate, anything else to the
/// repository's `fixtures/`.
pub fn fixture_dir(rel: &str) -> PathBuf {
    if rel.starts_with("tests/") {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
    } else {
        lock2nix_testkit::fixture(rel)
    }
}

/// The path of the fixture's `uv.lock`.
pub fn lock_path(rel: &str) -> PathBuf {
    fixture_dir(rel).join("uv.lock")
}

/// Parse a hand-written lock.
pub fn lock_from_str(text: &str) -> Lock {
    parse_lock(text, Path::new("test/uv.lock")).unwrap_or_else(|e| panic!("test lock: {e}"))
}

pub fn py(v: &str) -> PythonVersion {
    PythonVersion::from_str(v).unwrap()
}

pub fn name(s: &str) -> PackageName {
    PackageName::from_str(s).unwrap()
}

pub fn extra(s: &str) -> ExtraName {
    ExtraName::from_str(s).unwrap()
}

pub fn target(system: System, python: &str) -> Target {
    Target::new(system, py(python))
}

/// Every extra the roots of `target` declare (optional-dependencies keys and provides-extras).
pub fn all_root_extras(lock: &Lock, target: &Target) -> Vec<ExtraName> {
    let roots = lock2nix_resolve::root_ids(lock, target).unwrap();
    let mut out = BTreeSet::new();
    for r in roots {
        let p = &lock.packages[r];
        out.extend(p.optional_dependencies.keys().cloned());
        if let Some(m) = &p.metadata {
            out.extend(m.provides_extras.iter().cloned());
        }
    }
    out.into_iter().collect()
}

/// `name==version` of every resolved package.
pub fn pins(res: &Resolution) -> BTreeSet<String> {
    res.packages
        .iter()
        .map(|p| format!("{}=={}", p.name, p.version_string()))
        .collect()
}

/// Active extras per package (only packages with at least one).
pub fn active_extras(res: &Resolution) -> BTreeMap<String, Vec<String>> {
    res.packages
        .iter()
        .filter(|p| !p.extras.is_empty())
        .map(|p| {
            (
                p.name.to_string(),
                p.extras.iter().map(ToString::to_string).collect(),
            )
        })
        .collect()
}

/// The symmetric difference of two sets, for failure messages.
pub fn diff(ours: &BTreeSet<String>, theirs: &BTreeSet<String>) -> String {
    let only_ours: Vec<_> = ours.difference(theirs).collect();
    let only_theirs: Vec<_> = theirs.difference(ours).collect();
    format!("only lock2nix: {only_ours:?}\nonly reference: {only_theirs:?}")
}

/// The reference resolver script.
pub fn reference_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/resolve.py")
}

/// Run the reference resolver on `job` (JSON); `None` when Python tests are skipped.
pub fn run_reference(job: &serde_json::Value) -> Option<Vec<serde_json::Value>> {
    let python = lock2nix_testkit::python3_with_packaging()?;
    let mut child = Command::new(python)
        .arg(reference_script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(job.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "reference resolver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("reference output is JSON"))
}
