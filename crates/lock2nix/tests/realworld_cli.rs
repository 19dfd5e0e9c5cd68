//! Issue 14 and issue 19 (item 2) through the command line, on the locks uv wrote for them
//! (`fixtures/realworld/`): one test per numbered problem of issue 14, the source root, and
//! `why` on a target that does not resolve.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn realworld(case: &str) -> PathBuf {
    lock2nix_testkit::fixture("realworld").join(case)
}

fn lock(case: &str) -> String {
    realworld(case).join("uv.lock").display().to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lock2nix"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run lock2nix")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn ok(o: Output) -> Output {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    o
}

fn fails(o: Output) -> Output {
    assert_eq!(o.status.code(), Some(1), "stdout: {}", stdout(&o));
    o
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The `name version` pairs of `resolve`'s text output.
fn rows(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect()
}

/// Problem 1: a lock with `[[manifest.dependency-metadata]]` is read by every command.
#[test]
fn dependency_metadata_lock_is_read() {
    let l = lock("dependency-metadata");
    let o = ok(run(&["inspect", "--lock", &l]));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let o = ok(run(&[
        "resolve",
        "--lock",
        &l,
        "--system",
        "x86_64-linux",
        "--python",
        "3.12",
        "--extra",
        "tools",
    ]));
    assert_eq!(
        rows(&stdout(&o)),
        [
            "dm-app 0.1.0",
            "iniconfig 2.3.1",
            "packaging 26.4",
            "tomli 2.5.0"
        ]
    );
}

/// Problem 2: the extras an edge activates count for its own conflict marker.
#[test]
fn conflict_marker_of_an_edge_that_activates_the_extra() {
    let l = lock("conflict-edge-extra");
    let o = ok(run(&[
        "resolve",
        "--lock",
        &l,
        "--system",
        "x86_64-linux",
        "--extra",
        "use-a",
    ]));
    assert_eq!(
        rows(&stdout(&o)),
        ["app 0.1.0", "iniconfig 2.0.0", "lib 0.1.0"]
    );
    let o = ok(run(&[
        "why",
        "iniconfig",
        "--lock",
        &l,
        "--system",
        "x86_64-linux",
        "--extra",
        "use-a",
    ]));
    assert!(
        stdout(&o).contains("iniconfig 2.0.0 is needed on"),
        "{}",
        stdout(&o)
    );
}

/// Problem 3: `--group`, `--all-groups`, `--default-groups` and `why` with the groups of a
/// workspace root that is not a project.
#[test]
fn groups_of_the_workspace_root() {
    let l = lock("manifest-groups");
    let base = [
        "--lock",
        l.as_str(),
        "--system",
        "x86_64-linux",
        "--python",
        "3.12",
    ];
    let resolve = |extra: &[&str]| {
        let mut a = vec!["resolve"];
        a.extend(base);
        a.extend(extra);
        rows(&stdout(&ok(run(&a))))
    };
    assert_eq!(resolve(&[]), ["alpha 0.1.0", "beta 0.2.0"]);
    assert_eq!(
        resolve(&["--group", "dev"]),
        [
            "alpha 0.1.0",
            "beta 0.2.0",
            "iniconfig 2.3.1",
            "tomli 2.5.0"
        ]
    );
    assert_eq!(resolve(&["--default-groups"]), resolve(&["--group", "dev"]));
    assert_eq!(resolve(&["--all-groups"]).len(), 5);
    let mut a = vec!["why", "packaging"];
    a.extend(base);
    a.extend(["--group", "lint"]);
    let o = ok(run(&a));
    assert!(
        stdout(&o).contains("the workspace root -[group lint]-> packaging 26.4"),
        "{}",
        stdout(&o)
    );
    let o = ok(run(&["inspect", "--lock", &l]));
    assert!(stdout(&o).contains("workspace root groups dev, docs, lint"));
}

/// Problem 4: nixpkgs' macOS 14.0 by default; a lower target is refused with the wheel and the
/// version it needs, on the command line and in lock2nix.toml.
#[test]
fn macos_deployment_target() {
    let l = lock("macos-target");
    let o = ok(run(&[
        "resolve",
        "--lock",
        &l,
        "--system",
        "aarch64-darwin",
    ]));
    assert!(stdout(&o).contains("mlx-0.22.1-cp313-cp313-macosx_14_0_arm64.whl"));
    let o = fails(run(&[
        "resolve",
        "--lock",
        &l,
        "--system",
        "aarch64-darwin",
        "--macos-deployment-target",
        "11.0",
    ]));
    let err = stderr(&o);
    assert!(
        err.contains("`mlx-0.22.1-cp313-cp313-macosx_13_0_arm64.whl` needs macOS 13.0 and the deployment target is 11.0"),
        "{err}"
    );
    assert!(err.contains("--macos-deployment-target 13.0"), "{err}");
    // the same from the configuration
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    copy_dir(&realworld("macos-target"), &dir);
    std::fs::write(
        dir.join("lock2nix.toml"),
        "[target]\nmacos-deployment-target = \"11.0\"\n",
    )
    .unwrap();
    let dl = dir.join("uv.lock").display().to_string();
    let o = fails(run(&[
        "resolve",
        "--lock",
        &dl,
        "--system",
        "aarch64-darwin",
    ]));
    assert!(stderr(&o).contains("needs macOS 13.0"), "{}", stderr(&o));
    // and a lower target makes sdists of packages whose wheels need more, with a warning each
    let o = ok(run(&[
        "resolve",
        "--lock",
        &l,
        "--system",
        "x86_64-darwin",
        "--macos-deployment-target",
        "10.9",
    ]));
    let err = stderr(&o);
    let warnings: Vec<&str> = err.lines().collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].starts_with("warning: numpy 2.5.5 is built from its sdist on x86_64-darwin")
    );
    let o = run(&[
        "resolve",
        "--lock",
        &l,
        "--system",
        "aarch64-darwin",
        "--macos-deployment-target",
        "fourteen",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--macos-deployment-target fourteen: expected a macOS version MAJOR.MINOR such as \"14.0\""),
        "{}",
        stderr(&o)
    );
}

/// Problem 5: local sources outside the workspace are built with their own backend; one that
/// cannot be read is a warning naming the package and the lock2nix.toml setting, and none once
/// the setting is there.
#[test]
fn build_backends_outside_the_workspace() {
    let l = realworld("monorepo/libs/app").join("uv.lock");
    let o = ok(run(&[
        "inspect",
        "--lock",
        l.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let local: Vec<(String, String)> = v["local_sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["build_backend"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(local[0], ("checkpoint".into(), "hatchling.build".into()));
    assert_eq!(local[1], ("flitpkg".into(), "flit_core.buildapi".into()));
    assert!(local[2].1.starts_with("setuptools.build_meta:__legacy__"));
    assert_eq!(v["source_root"]["lock_dir"], "libs/app");
    assert_eq!(v["warnings"], serde_json::json!([]));

    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("monorepo");
    copy_dir(&realworld("monorepo"), &repo);
    std::fs::remove_dir_all(repo.join("libs/checkpoint")).unwrap();
    let l = repo.join("libs/app/uv.lock").display().to_string();
    let o = ok(run(&["inspect", "--lock", &l]));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("the build backend of `checkpoint` (../checkpoint) is unknown"),
        "{err}"
    );
    assert!(err.contains("[packages.checkpoint] build-system"), "{err}");
    let cfg = repo.join("libs/app/lock2nix.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        format!("{text}\n[packages.checkpoint]\nbuild-system = [\"hatchling\"]\n"),
    )
    .unwrap();
    let o = ok(run(&["inspect", "--lock", &l]));
    assert_eq!(stderr(&o), "");
}

/// Problems 6 and 8: the interpreter.
#[test]
fn interpreter_choice() {
    let first = |args: &[&str]| stdout(&ok(run(args))).lines().next().unwrap().to_string();
    let pinned = lock("python-pinned");
    assert!(first(&["resolve", "--lock", &pinned]).contains("CPython 3.12.8"));
    assert!(first(&["resolve", "--lock", &pinned, "--python", "3.12"]).contains("CPython 3.12.8"));
    let o = fails(run(&["resolve", "--lock", &pinned, "--python", "3.13"]));
    assert!(
        stderr(&o).contains("no CPython 3.13.x satisfies the lock's requires-python `==3.12.8`; it allows 3.12 (3.12.8)"),
        "{}",
        stderr(&o)
    );
    let floor = lock("python-patch-floor");
    assert!(first(&["resolve", "--lock", &floor]).contains("CPython 3.13.14"));
    assert!(first(&["resolve", "--lock", &floor, "--python", "3.13"]).contains("CPython 3.13.14"));
    // torch 2.6: nixpkgs' python3 by default, which installs it
    let torch = lock("default-python");
    assert!(
        first(&["resolve", "--lock", &torch, "--system", "x86_64-linux"])
            .contains("CPython 3.13.9")
    );
    // asked for 3.14: no hint about the default
    let o = fails(run(&[
        "resolve",
        "--lock",
        &torch,
        "--system",
        "x86_64-linux",
        "--python",
        "3.14",
    ]));
    assert!(!stderr(&o).contains("lock2nix's default"), "{}", stderr(&o));
    // an index for 3.14 makes 3.14 the default: the hint names what resolves instead
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("t");
    copy_dir(&realworld("default-python"), &dir);
    std::fs::write(
        dir.join("index.tsv"),
        "# lock2nix-index v1 python=3.14 source=tsv\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("lock2nix.toml"),
        "[nixpkgs]\nindex = \"index.tsv\"\n",
    )
    .unwrap();
    let l = dir.join("uv.lock").display().to_string();
    let o = fails(run(&["resolve", "--lock", &l, "--system", "x86_64-linux"]));
    let err = stderr(&o);
    assert!(
        err.contains("CPython 3.14 is lock2nix's default; the lock resolves here with 3.13, 3.12, 3.11, 3.10: pass --python 3.13"),
        "{err}"
    );
}

/// Problem 7: no warning where `uv lock --check` passes; one short line for a renamed root; the
/// details in `inspect --stale` and in the JSON `warnings`.
#[test]
fn stale_lock_warnings() {
    for case in ["stale-dynamic", "stale-self-extra", "stale-marker-sources"] {
        let o = ok(run(&["inspect", "--lock", &lock(case)]));
        assert_eq!(stderr(&o), "", "{case}");
    }
    let l = lock("stale-renamed-root");
    let o = ok(run(&["resolve", "--lock", &l, "--system", "x86_64-linux"]));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.len() < 400, "{err}");
    assert!(
        err.contains("named `newname` in pyproject.toml but `oldname` in the lock"),
        "{err}"
    );
    let o = ok(run(&["inspect", "--lock", &l, "--stale"]));
    assert_eq!(stderr(&o), "");
    assert!(stdout(&o).contains("workspace member `oldname` (.)"));
    let o = ok(run(&["inspect", "--lock", &l, "--format", "json"]));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let w = &v["warnings"][0];
    assert_eq!(w["kind"], "stale");
    assert_eq!(
        w["changed"][0],
        "the project is named `newname` in pyproject.toml but `oldname` in the lock"
    );
}

/// `why` explains a package on a target where resolution fails (exit 0, with a note).
#[test]
fn why_where_resolution_fails() {
    let l = lock("default-python");
    let o = ok(run(&[
        "why",
        "torch",
        "--lock",
        &l,
        "--system",
        "x86_64-linux",
        "--python",
        "3.14",
    ]));
    let out = stdout(&o);
    assert!(out.contains("torch-app 0.1.0 -> torch 2.6.0"), "{out}");
    assert!(out.contains("note: the lock does not resolve on x86_64-linux with CPython 3.14.0: no artifact of torch==2.6.0"), "{out}");
}

/// Issue 19 item 2: a lock whose local source leaves the source root is refused by every
/// command, naming the package, the path and the setting; the monorepo's siblings are fine.
#[test]
fn source_root_is_enforced() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(tmp.path().join("secrets")).unwrap();
    std::fs::write(
        project.join("uv.lock"),
        "version = 1\nrevision = 3\nrequires-python = \">=3.10\"\n\n[[package]]\nname = \"evil\"\nversion = \"1.0\"\nsource = { editable = \"../secrets\" }\n",
    )
    .unwrap();
    let l = project.join("uv.lock").display().to_string();
    for cmd in ["inspect", "resolve", "translate"] {
        let o = fails(run(&[cmd, "--lock", &l, "--system", "x86_64-linux"]
            [..if cmd == "inspect" { 3 } else { 5 }]));
        let err = stderr(&o);
        assert!(
            err.contains("`evil`") && err.contains("\"../secrets\""),
            "{cmd}: {err}"
        );
        assert!(err.contains("source-root"), "{cmd}: {err}");
    }
    // with `source-root = ".."` beside it, the sibling is inside
    std::fs::write(project.join("lock2nix.toml"), "source-root = \"..\"\n").unwrap();
    ok(run(&["inspect", "--lock", &l]));
    // the fixture monorepo resolves with its own configuration
    let m = realworld("monorepo/libs/app").join("uv.lock");
    let o = ok(run(&[
        "resolve",
        "--lock",
        m.to_str().unwrap(),
        "--system",
        "x86_64-linux",
    ]));
    assert!(stdout(&o).contains("checkpoint"));
}

/// Problem 7: lock2nix calls a lock stale exactly when `uv lock --check` does, on the fixtures uv
/// wrote and on edited copies of them (uv runs offline on its own cache; a case uv cannot decide
/// offline is reported and left out, never counted as agreement).
#[test]
fn staleness_agrees_with_uv_lock_check() {
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
    // (case, lock directory inside it, file to edit, from, to)
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        ("stale-dynamic", "", "", "", ""),
        ("stale-self-extra", "", "", "", ""),
        ("stale-marker-sources", "", "", "", ""),
        ("stale-renamed-root", "", "", "", ""),
        ("manifest-groups", "", "", "", ""),
        ("conflict-edge-extra", "", "", "", ""),
        ("monorepo", "libs/app", "", "", ""),
        ("default-python", "", "", "", ""),
        (
            "stale-self-extra",
            "",
            "pyproject.toml",
            "all = [\"selfref[a,b]\"]",
            "all = [\"selfref[a]\"]",
        ),
        (
            "stale-marker-sources",
            "",
            "pyproject.toml",
            "{ index = \"pypi-explicit\", marker = \"sys_platform == 'darwin'\" }",
            "{ index = \"pypi-explicit\", marker = \"sys_platform == 'win32'\" }",
        ),
        (
            "manifest-groups",
            "",
            "pyproject.toml",
            "lint = [\"packaging>=24\"]",
            "lint = [\"packaging>=24\", \"iniconfig\"]",
        ),
        (
            "monorepo",
            "libs/app",
            "libs/checkpoint/pyproject.toml",
            "dependencies = [\"iniconfig\"]",
            "dependencies = [\"iniconfig>=2\"]",
        ),
        (
            "conflict-edge-extra",
            "",
            "lib/pyproject.toml",
            "b = [\"iniconfig==2.1.0\"]",
            "b = [\"iniconfig==2.1.0\", \"packaging\"]",
        ),
    ];
    let (mut agreed, mut stale) = (0, 0);
    for (n, &(case, sub, file, from, to)) in cases.iter().enumerate() {
        let copy = tmp.path().join(format!("{n}-{case}"));
        copy_dir(&realworld(case), &copy);
        if !file.is_empty() {
            let path = copy.join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains(from), "{case}: {from}");
            std::fs::write(&path, text.replace(from, to)).unwrap();
        }
        let dir = copy.join(sub);
        // offline first (uv's cache); when uv cannot decide without the index, online
        let check = |offline: bool| {
            let mut args = vec!["lock", "--check", "--no-progress"];
            if offline {
                args.push("--offline");
            }
            Command::new(&uv)
                .args(&args)
                .current_dir(&dir)
                .env("UV_NO_CONFIG", "1")
                .output()
                .unwrap()
        };
        let decide = |out: &Output| {
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            if out.status.success() {
                Some((false, err))
            } else if err.contains("needs to be updated") {
                Some((true, err))
            } else {
                None
            }
        };
        let decided = decide(&check(true)).or_else(|| decide(&check(false)));
        let Some((uv_stale, err)) = decided else {
            eprintln!("{case} (edit {n}): uv cannot decide (no index reachable?)");
            continue;
        };
        let l = dir.join("uv.lock").display().to_string();
        let o = ok(run(&[
            "inspect", "--lock", &l, "--stale", "--format", "json",
        ]));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let ours = !v["stale"].as_array().unwrap().is_empty();
        assert_eq!(ours, uv_stale, "{case} (edit {n}): lock2nix {v}, uv: {err}");
        agreed += 1;
        stale += usize::from(ours);
    }
    eprintln!(
        "{agreed} of {} cases agree with uv lock --check ({stale} stale)",
        cases.len()
    );
    // without any index, uv decides only the untouched locks it can check from the lock alone
    assert!(agreed >= 5, "{agreed} {stale}");
}

/// A monorepo whose lock is in `libs/app` with sources in `libs/*`: the overlay writes those from
/// `sourceRoot` (never `workspaceRoot + "/../x"`, which breaks once `workspaceRoot` is a store
/// path), and pointing `sourceRoot` at a copy of the repository (a flake input) moves every
/// source, the lock's directory included.
#[test]
fn monorepo_sources_come_from_the_source_root() {
    if lock2nix_testkit::require_tool("nix-instantiate").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("overlay.nix");
    let config = realworld("monorepo/libs/app").join("lock2nix.toml");
    ok(run(&[
        "translate",
        "--config",
        config.to_str().unwrap(),
        "--system",
        "x86_64-linux",
        "--python",
        "3.12",
        "--allow-missing-hashes",
        "--out",
        out.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        !text.contains("\"/.."),
        "a path climbs out of a base:\n{text}"
    );
    assert!(
        text.contains("workspaceRoot ? sourceRoot + \"/libs/app\""),
        "{text}"
    );
    assert!(text.contains("sourceRoot + \"/libs/checkpoint\""), "{text}");
    // the repository elsewhere, as a flake input would be
    let input = tmp.path().join("input");
    copy_dir(&realworld("monorepo"), &input);
    let store = |dir: &Path, name: &str| {
        format!(
            "builtins.path {{ path = {}; name = \"{name}\"; }}",
            lock2nix_testkit::nix_path(dir)
        )
    };
    let expr = format!(
        r#"let
  overlay = (import {overlay}).override {{ sourceRoot = {input}; }};
  pkgs = {stub};
  ps = pkgs.appPython.pkgs;
in {{
  checkpoint = ps.checkpoint.src == {checkpoint};
  flitpkg = ps.flitpkg.src == {flitpkg};
  app = ps.app.src == {app};
}}"#,
        overlay = lock2nix_testkit::nix_path(&out),
        input = lock2nix_testkit::nix_path(&input),
        stub = lock2nix_testkit::stub_expr(
            "x86_64-linux",
            lock2nix_testkit::Overlay::Expr("overlay"),
            None
        ),
        checkpoint = store(&input.join("libs/checkpoint"), "checkpoint-source"),
        flitpkg = store(&input.join("libs/flitpkg"), "flitpkg-source"),
        app = store(&input.join("libs/app"), "app-source"),
    );
    let v = lock2nix_testkit::nix_eval_json(&expr)
        .unwrap_or_else(|e| panic!("{}", e.stderr().unwrap_or_default()));
    assert_eq!(
        v,
        serde_json::json!({ "checkpoint": true, "flitpkg": true, "app": true }),
        "{text}"
    );
}
