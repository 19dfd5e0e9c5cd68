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
        if path == "." {
            ".".to_string()
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
