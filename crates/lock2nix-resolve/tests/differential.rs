//! Differential tests: `resolve` against an independent Python resolver (`tests/py/resolve.py`,
//! `tomllib` + PyPA `packaging`) and against `uv export` itself, on every real fixture lock, for
//! all four Nix systems and at least two CPython versions per lock.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use common::*;
use lock2nix_resolve::{resolve, Artifact, Resolution, Target};
use serde_json::{json, Value};

/// How the roots' extras and groups are chosen for one comparison.
#[derive(Clone, Copy, Debug)]
struct Sel {
    name: &'static str,
    /// Every extra of the roots and every group.
    everything: bool,
    extras: &'static [&'static str],
    groups: &'static [&'static str],
}

const DEFAULT: Sel = Sel {
    name: "default",
    everything: false,
    extras: &[],
    groups: &[],
};
const EVERYTHING: Sel = Sel {
    name: "all-extras-all-groups",
    everything: true,
    extras: &[],
    groups: &[],
};
const fn sel(
    name: &'static str,
    extras: &'static [&'static str],
    groups: &'static [&'static str],
) -> Sel {
    Sel {
        name,
        everything: false,
        extras,
        groups,
    }
}

struct LockCase {
    dir: &'static str,
    pythons: &'static [&'static str],
    selections: &'static [Sel],
}

const LOCKS: &[LockCase] = &[
    LockCase {
        dir: "authentik",
        pythons: &["3.13.0", "3.13.9"],
        selections: &[DEFAULT, EVERYTHING],
    },
    LockCase {
        dir: "locks/top-300",
        pythons: &["3.10.19", "3.12.12", "3.14.0"],
        selections: &[DEFAULT, EVERYTHING],
    },
    LockCase {
        dir: "locks/top-1000",
        pythons: &["3.11.14", "3.12.12", "3.13.9"],
        selections: &[DEFAULT, EVERYTHING],
    },
    LockCase {
        dir: "locks/top-1500",
        pythons: &["3.11.14", "3.12.12", "3.14.0"],
        selections: &[DEFAULT, EVERYTHING],
    },
    LockCase {
        dir: "locks/workspace-mixed",
        pythons: &["3.10.19", "3.12.12", "3.13.9"],
        selections: &[
            DEFAULT,
            EVERYTHING,
            sel("cli-plugins-dev", &["cli", "plugins"], &["dev"]),
        ],
    },
    // uv `conflicts`: edge markers use the synthetic extras.
    LockCase {
        dir: "tests/fixtures/conflicts",
        pythons: &["3.10.0", "3.10.19", "3.12.12"],
        selections: &[
            DEFAULT,
            sel("old", &["old"], &[]),
            sel("new", &["new"], &[]),
            sel("lint", &[], &["lint"]),
            sel("test", &[], &["test"]),
            sel("new-lint", &["new"], &["lint"]),
            sel("old-test", &["old"], &["test"]),
        ],
    },
];

/// A copy of `lock` in which every registry package without an sdist gets a placeholder one, so
/// that `resolve` never fails on artifacts and the closure itself can be compared. Since wheels
/// are preferred, a package only gets the placeholder when no wheel fits: those are reported by
/// [`uninstallable`].
fn with_placeholder_sdists(lock: &lock2nix_lock::Lock) -> lock2nix_lock::Lock {
    let mut lock = lock.clone();
    for p in &mut lock.packages {
        if p.sdist.is_none() && matches!(p.source, lock2nix_lock::Source::Registry(_)) {
            p.sdist = Some(lock2nix_lock::Sdist {
                locator: lock2nix_lock::SdistLocator::Url("placeholder:no-artifact".into()),
                hash: None,
                size: None,
                upload_time: None,
            });
        }
    }
    lock
}

/// Packages of `res` that only resolved thanks to the placeholder sdist.
fn uninstallable(res: &Resolution) -> Vec<String> {
    res.packages
        .iter()
        .filter(|p| p.artifact.url() == Some("placeholder:no-artifact"))
        .map(|p| format!("{}=={}", p.name, p.version_string()))
        .collect()
}

fn build_target(
    lock: &lock2nix_lock::Lock,
    system: lock2nix_wheel::System,
    python: &str,
    sel: Sel,
) -> Target {
    let mut t = target(system, python);
    if sel.everything {
        t.extras = all_root_extras(lock, &t);
        t.all_groups = true;
    }
    t.extras.extend(sel.extras.iter().map(|e| extra(e)));
    t.groups.extend(sel.groups.iter().map(|g| extra(g)));
    t
}

fn case_json(t: &Target) -> Value {
    json!({
        "system": t.system.as_str(),
        "python": t.python.full(),
        "roots": t.roots.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "extras": t.extras.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "groups": t.groups.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "all_groups": t.all_groups,
    })
}

/// Every lock × system × Python × selection: the same `name==version` set and the same active
/// extras per package as the Python reference.
#[test]
fn matches_python_reference_on_every_fixture() {
    let mut compared = 0;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut no_artifact: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for lc in LOCKS {
        let lock = with_placeholder_sdists(&fixture_lock(lc.dir));
        let mut targets = Vec::new();
        for &system in &SYSTEMS {
            for py in lc.pythons {
                for &sel in lc.selections {
                    targets.push((build_target(&lock, system, py, sel), sel));
                }
            }
        }
        let job = json!({
            "lock": lock_path(lc.dir),
            "cases": targets.iter().map(|(t, _)| case_json(t)).collect::<Vec<_>>(),
        });
        let Some(reference) = run_reference(&job) else {
            return;
        };
        assert_eq!(reference.len(), targets.len());
        for ((t, sel), want) in targets.iter().zip(&reference) {
            let what = format!("{} {t} {}", lc.dir, sel.name);
            assert_eq!(want["ok"], json!(true), "{what}: reference failed: {want}");
            let res = resolve(&lock, t).unwrap_or_else(|e| panic!("{what}: {e}"));
            let missing = uninstallable(&res);
            if !missing.is_empty() {
                no_artifact.insert(what.clone(), missing);
            }
            let ours = pins(&res);
            let theirs: BTreeSet<String> = want["packages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            assert_eq!(ours, theirs, "{what}:\n{}", diff(&ours, &theirs));
            let their_extras: BTreeMap<String, Vec<String>> =
                serde_json::from_value(want["extras"].clone()).unwrap();
            assert_eq!(active_extras(&res), their_extras, "{what}: active extras");
            if t.system == lock2nix_wheel::System::X86_64Linux && t.python.full() == "3.12.12" {
                counts.insert(format!("{} {}", lc.dir, sel.name), res.packages.len());
            }
            compared += 1;
        }
    }
    // The README's numbers (uv sync --frozen --dry-run on x86_64-linux, CPython 3.12, all extras
    // and groups), each plus the root.
    assert_eq!(counts["locks/top-300 all-extras-all-groups"], 358 + 1);
    assert_eq!(counts["locks/top-1000 all-extras-all-groups"], 1105 + 1);
    assert_eq!(counts["locks/top-1500 all-extras-all-groups"], 1611 + 1);
    assert_eq!(
        counts["locks/workspace-mixed all-extras-all-groups"],
        30 + 5
    );
    assert!(compared >= 5 * 4 * 2 * 2, "only {compared} comparisons");
    eprintln!("compared {compared} resolutions with the Python reference");
    // Real targets where the closure is fine but some package has no usable artifact (uv sync
    // fails there too): printed for the record, and spot-checked.
    for (what, pkgs) in &no_artifact {
        let shown: Vec<&str> = pkgs.iter().take(4).map(String::as_str).collect();
        eprintln!(
            "no artifact on {what}: {} ({} in all)",
            shown.join(", "),
            pkgs.len()
        );
    }
    let key = "locks/top-1000 x86_64-darwin with CPython 3.12.12 default";
    assert!(
        no_artifact
            .get(key)
            .is_some_and(|v| v.contains(&"torch==2.9.1".to_string())),
        "torch 2.9.1 has no x86_64 macOS wheel and no sdist: {no_artifact:?}"
    );
    assert!(
        no_artifact
            .keys()
            .all(|k| !k.contains("authentik") && !k.contains("workspace-mixed")),
        "{no_artifact:?}"
    );
}

/// The line `uv export --format requirements-txt --no-hashes --no-annotate` writes for a package.
fn uv_export_line(res: &Resolution, i: usize) -> Option<String> {
    let p = &res.packages[i];
    let local = |path: &str| {
        if path == "." || path.starts_with("../") {
            path.to_string()
        } else {
            format!("./{path}")
        }
    };
    Some(match &p.artifact {
        Artifact::Wheel { .. } | Artifact::Sdist { .. } => {
            format!("{}=={}", p.name, p.version_string())
        }
        Artifact::Editable(path) => format!("-e {}", local(path)),
        Artifact::Directory(path) => local(path),
        Artifact::Virtual(_) => return None,
        Artifact::Url { url, .. } => format!("{} @ {url}", p.name),
        Artifact::Git(g) => {
            let mut s = format!("{} @ git+{}@{}", p.name, g.repository, g.commit);
            if let Some(sub) = &g.subdirectory {
                s.push_str(&format!("#subdirectory={sub}"));
            }
            s
        }
        Artifact::Path { path, .. } => local(path),
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// `uv export --frozen` (universal requirements with markers), the markers evaluated with
/// `packaging` for each target, against `resolve` on the same target.
///
/// uv writes one universal file for the whole lock; evaluating its markers for a target gives the
/// set uv would install there, so this compares with uv's own graph walk. `--all-packages` is
/// passed because lock2nix's default roots are all workspace members (uv's default is the project
/// at the workspace root only; for authentik and workspace-mixed the root depends on the members
/// anyway, except behind extras). Virtual roots are never exported by uv and are skipped.
#[test]
fn matches_uv_export_on_every_fixture() {
    let Some(python) = lock2nix_testkit::python3_with_packaging() else {
        return;
    };
    let uv = match lock2nix_testkit::resolve_tool(
        "uv",
        &std::env::var_os("PATH").unwrap_or_default(),
        std::env::var(lock2nix_testkit::SKIP_PY_ENV).as_deref() == Ok("1"),
        lock2nix_testkit::SKIP_PY_ENV,
    ) {
        Ok(Some(uv)) => uv,
        Ok(None) => {
            eprintln!("SKIPPED: uv is not installed and LOCK2NIX_SKIP_PY_TESTS=1 is set");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for lc in LOCKS {
        let lock = with_placeholder_sdists(&fixture_lock(lc.dir));
        let dir = tmp.path().join(lc.dir);
        copy_dir(&fixture_dir(lc.dir), &dir);
        for &sel in lc.selections {
            let mut args = vec![
                "export",
                "--frozen",
                "--offline",
                "--no-progress",
                "--format",
                "requirements-txt",
                "--no-hashes",
                "--no-annotate",
                "--no-header",
                "--all-packages",
            ];
            if sel.everything {
                args.extend(["--all-extras", "--all-groups"]);
            } else {
                // uv exports the `dev` group by default (like `uv sync`); lock2nix includes no
                // group unless asked.
                args.push("--no-default-groups");
            }
            for e in sel.extras {
                args.extend(["--extra", e]);
            }
            for g in sel.groups {
                args.extend(["--group", g]);
            }
            let out = Command::new(&uv)
                .args(&args)
                .current_dir(&dir)
                .env("UV_NO_CONFIG", "1")
                .env("UV_CACHE_DIR", tmp.path().join("uv-cache"))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "uv {args:?} in {}: {}",
                lc.dir,
                String::from_utf8_lossy(&out.stderr)
            );
            let file = dir.join(format!("export-{}.txt", sel.name));
            std::fs::write(&file, &out.stdout).unwrap();
            let mut cmd = Command::new(&python);
            cmd.arg(reference_script()).arg("--uv-export").arg(&file);
            let mut targets = Vec::new();
            for &system in &SYSTEMS {
                for py in lc.pythons {
                    let t = build_target(&lock, system, py, sel);
                    cmd.arg(format!("{}:{}", system.as_str(), t.python.full()));
                    targets.push(t);
                }
            }
            let out = cmd.output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let by_target: BTreeMap<String, BTreeSet<String>> =
                serde_json::from_slice(&out.stdout).unwrap();
            for t in &targets {
                let what = format!("{} {t} {}", lc.dir, sel.name);
                let res = resolve(&lock, t).unwrap_or_else(|e| panic!("{what}: {e}"));
                let ours: BTreeSet<String> = (0..res.packages.len())
                    .filter_map(|i| uv_export_line(&res, i))
                    .collect();
                let theirs = &by_target[&format!("{}:{}", t.system.as_str(), t.python.full())];
                assert_eq!(
                    &ours,
                    theirs,
                    "{what} vs uv export:\n{}",
                    diff(&ours, theirs)
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 5 * 4 * 2 * 2);
    eprintln!("compared {compared} resolutions with uv export");
}

/// The fixtures uv wrote for issue 14 (`fixtures/realworld/`): directory of the lock, the
/// directory to copy for `uv export` (relative to the fixture root), and CPython versions.
const REALWORLD: &[(&str, &str, &[&str])] = &[
    ("conflict-edge-extra", "", &["3.10.19", "3.12.12", "3.13.9"]),
    (
        "dependency-metadata",
        "",
        &["3.10.19", "3.11.14", "3.12.12", "3.13.9"],
    ),
    ("manifest-groups", "", &["3.10.19", "3.12.12"]),
    ("macos-target", "", &["3.11.14", "3.13.9"]),
    ("monorepo", "libs/app", &["3.12.12"]),
    ("python-pinned", "", &["3.12.8"]),
    ("python-patch-floor", "", &["3.13.14"]),
    ("stale-dynamic", "", &["3.10.19", "3.12.12"]),
    ("stale-self-extra", "", &["3.10.19", "3.12.12"]),
    ("stale-marker-sources", "", &["3.10.19", "3.12.12"]),
    ("default-python", "", &["3.12.12", "3.13.9"]),
];

/// Every subset of `items` (they are few).
fn subsets<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    (0..1u32 << items.len())
        .map(|mask| {
            items
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, x)| x.clone())
                .collect()
        })
        .collect()
}

/// The roots' extras and groups, and the workspace root's own groups, of a lock.
fn selectable(lock: &lock2nix_lock::Lock) -> (Vec<String>, Vec<String>) {
    let t = target(lock2nix_wheel::System::X86_64Linux, "3.12");
    let roots = lock2nix_resolve::root_ids(lock, &t).unwrap();
    let mut extras = BTreeSet::new();
    let mut groups = BTreeSet::new();
    for r in roots {
        let p = &lock.packages[r];
        extras.extend(p.optional_dependencies.keys().map(ToString::to_string));
        if let Some(m) = &p.metadata {
            extras.extend(m.provides_extras.iter().map(ToString::to_string));
        }
        groups.extend(p.dev_dependencies.keys().map(ToString::to_string));
    }
    groups.extend(
        lock.manifest
            .dependency_groups
            .keys()
            .map(ToString::to_string),
    );
    (extras.into_iter().collect(), groups.into_iter().collect())
}

/// Issue 14: on every fixture uv wrote for it, for every combination of the roots' extras and
/// groups (and the workspace root's groups), every system and the fixture's CPython versions:
/// `resolve` equals `uv export --frozen` with its markers evaluated by `packaging`, and equals
/// the Python reference; a combination uv refuses (declared conflicts) is refused by `resolve`.
#[test]
fn realworld_fixtures_match_uv_export_for_every_selection() {
    let Some(python) = lock2nix_testkit::python3_with_packaging() else {
        return;
    };
    let uv = match lock2nix_testkit::resolve_tool(
        "uv",
        &std::env::var_os("PATH").unwrap_or_default(),
        std::env::var(lock2nix_testkit::SKIP_PY_ENV).as_deref() == Ok("1"),
        lock2nix_testkit::SKIP_PY_ENV,
    ) {
        Ok(Some(uv)) => uv,
        Ok(None) => {
            eprintln!("SKIPPED: uv is not installed and LOCK2NIX_SKIP_PY_TESTS=1 is set");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let tmp = tempfile::tempdir().unwrap();
    let (mut compared, mut refused, mut selections) = (0, 0, 0);
    for &(case, sub, pythons) in REALWORLD {
        let rel = if sub.is_empty() {
            format!("realworld/{case}")
        } else {
            format!("realworld/{case}/{sub}")
        };
        let lock = with_placeholder_sdists(&fixture_lock(&rel));
        let copy = tmp.path().join(case);
        copy_dir(&fixture_dir(&format!("realworld/{case}")), &copy);
        let dir = if sub.is_empty() { copy } else { copy.join(sub) };
        let (extras, groups) = selectable(&lock);
        for chosen_extras in subsets(&extras) {
            for chosen_groups in subsets(&groups) {
                selections += 1;
                let name = format!("extras {chosen_extras:?} groups {chosen_groups:?}");
                let mut args = vec![
                    "export",
                    "--frozen",
                    "--offline",
                    "--no-progress",
                    "--format",
                    "requirements-txt",
                    "--no-hashes",
                    "--no-annotate",
                    "--no-header",
                    "--all-packages",
                    "--no-default-groups",
                ];
                for e in &chosen_extras {
                    args.extend(["--extra", e.as_str()]);
                }
                for g in &chosen_groups {
                    args.extend(["--group", g.as_str()]);
                }
                let out = Command::new(&uv)
                    .args(&args)
                    .current_dir(&dir)
                    .env("UV_NO_CONFIG", "1")
                    .env("UV_CACHE_DIR", tmp.path().join("uv-cache"))
                    .output()
                    .unwrap();
                let build = |system, py: &str| {
                    let mut t = target(system, py);
                    t.extras = chosen_extras.iter().map(|e| extra(e)).collect();
                    t.groups = chosen_groups.iter().map(|g| extra(g)).collect();
                    t
                };
                if !out.status.success() {
                    let err = String::from_utf8_lossy(&out.stderr);
                    assert!(
                        err.contains("incompatible with the declared conflicts")
                            || err.contains("conflict"),
                        "{case} {name}: uv export failed: {err}"
                    );
                    let t = build(lock2nix_wheel::System::X86_64Linux, pythons[0]);
                    assert!(
                        matches!(
                            resolve(&lock, &t),
                            Err(lock2nix_resolve::ResolveError::DeclaredConflict { .. })
                        ),
                        "{case} {name}: uv refuses, resolve does not: {:?}",
                        resolve(&lock, &t).map(|r| pins(&r))
                    );
                    refused += 1;
                    continue;
                }
                // uv export does not check which extras end up active together; uv sync does
                // (and refuses), and so does resolve: the export then has two versions of a name
                let t0 = build(lock2nix_wheel::System::X86_64Linux, pythons[0]);
                if let Err(e @ lock2nix_resolve::ResolveError::DeclaredConflict { .. }) =
                    resolve(&lock, &t0)
                {
                    let text = String::from_utf8_lossy(&out.stdout);
                    let mut names: Vec<&str> = text
                        .lines()
                        .filter_map(|l| l.split("==").nth(1).and(l.split("==").next()))
                        .collect();
                    let n = names.len();
                    names.sort_unstable();
                    names.dedup();
                    assert!(names.len() < n, "{case} {name}: resolve refuses ({e}) but uv export has one version per name:\n{text}");
                    let mut sync: Vec<&str> = vec![
                        "sync",
                        "--frozen",
                        "--offline",
                        "--dry-run",
                        "--no-progress",
                        "--all-packages",
                        "--no-default-groups",
                    ];
                    sync.extend(args[11..].iter().copied());
                    let out = Command::new(&uv)
                        .args(&sync)
                        .current_dir(&dir)
                        .env("UV_NO_CONFIG", "1")
                        .env("UV_CACHE_DIR", tmp.path().join("uv-cache"))
                        .output()
                        .unwrap();
                    let err = String::from_utf8_lossy(&out.stderr);
                    assert!(
                        !out.status.success() && err.contains("conflicting extras"),
                        "{case} {name}: resolve refuses ({e}), uv sync does not: {err}"
                    );
                    refused += 1;
                    continue;
                }
                let file = dir.join("export.txt");
                std::fs::write(&file, &out.stdout).unwrap();
                let mut cmd = Command::new(&python);
                cmd.arg(reference_script()).arg("--uv-export").arg(&file);
                let mut targets = Vec::new();
                for &system in &SYSTEMS {
                    for py in pythons {
                        let t = build(system, py);
                        cmd.arg(format!("{}:{}", system.as_str(), t.python.full()));
                        targets.push(t);
                    }
                }
                let out = cmd.output().unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let by_target: BTreeMap<String, BTreeSet<String>> =
                    serde_json::from_slice(&out.stdout).unwrap();
                let job = json!({
                    "lock": lock_path(&rel),
                    "cases": targets.iter().map(case_json).collect::<Vec<_>>(),
                });
                let reference = run_reference(&job).unwrap();
                for (t, want) in targets.iter().zip(&reference) {
                    let what = format!("{case} {t} {name}");
                    let res = resolve(&lock, t).unwrap_or_else(|e| panic!("{what}: {e}"));
                    let ours: BTreeSet<String> = (0..res.packages.len())
                        .filter_map(|i| uv_export_line(&res, i))
                        .collect();
                    let theirs = &by_target[&format!("{}:{}", t.system.as_str(), t.python.full())];
                    assert_eq!(
                        &ours,
                        theirs,
                        "{what} vs uv export:\n{}",
                        diff(&ours, theirs)
                    );
                    assert_eq!(want["ok"], json!(true), "{what}: reference failed: {want}");
                    let reference: BTreeSet<String> = want["packages"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap().to_string())
                        .collect();
                    assert_eq!(
                        pins(&res),
                        reference,
                        "{what} vs the Python reference:\n{}",
                        diff(&pins(&res), &reference)
                    );
                    compared += 1;
                }
            }
        }
    }
    eprintln!(
        "realworld: {selections} selections, {compared} closures equal to uv export and the Python reference, {refused} refused by resolve and by uv (export or sync)"
    );
    assert!(compared >= 400, "only {compared} comparisons");
    assert!(refused >= 4, "only {refused} refusals");
}
