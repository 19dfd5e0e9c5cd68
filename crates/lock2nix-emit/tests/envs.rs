//! The environments' Nix (`mkEnvs`, `<scope>.envs` or `<root>Envs` with `--global`), from real
//! locks through the library, as snapshots; and strings of a hostile project (console scripts,
//! versions) come back from Nix unchanged.

use std::path::Path;

use lock2nix_emit::{emit, Overlay};
use lock2nix_lock::{read_lock, read_workspace};
use lock2nix_plan::{layout, plan, plan_envs, resolve_for_envs, EnvSpec, LayoutInputs, PlanInputs};
use lock2nix_resolve::{PythonVersion, Target};
use lock2nix_testkit::{fixture, nix_eval_json, nix_parse, nix_path, require_tool, stub_dir};
use lock2nix_wheel::System;

fn overlay(dir: &Path, systems: &[System], specs: &[&str], global: bool) -> String {
    let lock = read_lock(&dir.join("uv.lock")).unwrap();
    let ws = read_workspace(dir).unwrap();
    let specs = EnvSpec::with_defaults(specs.iter().map(|s| s.parse().unwrap()));
    let python = PythonVersion::new(3, 13);
    let resolutions: Vec<_> = systems
        .iter()
        .map(|&s| {
            resolve_for_envs(&lock, &Target::new(s, python), &specs, Some(&ws))
                .unwrap()
                .0
        })
        .collect();
    let inputs = PlanInputs {
        workspace: Some(&ws),
        ..PlanInputs::default()
    };
    let plans: Vec<_> = resolutions
        .iter()
        .map(|r| plan(&lock, r, &inputs))
        .collect();
    let (envs, skipped) = plan_envs(&lock, &resolutions, &plans, &specs, Some(&ws)).unwrap();
    assert!(skipped.is_empty());
    let the_layout = layout(&LayoutInputs {
        global,
        ..LayoutInputs::for_roots(&resolutions[0])
    })
    .unwrap();
    emit(&Overlay {
        plans: &plans,
        layout: &the_layout,
        workspace_root: "./.",
        header: &[],
        source_root: None,
        envs: &envs,
    })
    .unwrap()
}

/// From `mkEnvs =` to the end of the file: the environments and where they are exposed.
fn envs_part(text: &str) -> &str {
    &text[text.find("    mkEnvs =").expect("mkEnvs")..]
}

#[test]
fn multi_group_environments() {
    let text = overlay(
        &fixture("locks/multi-group"),
        &[System::X86_64Linux, System::Aarch64Darwin],
        &[
            "docs=groups=docs;extras=yaml",
            "ci=groups=ci;all-extras;editable=false",
        ],
        false,
    );
    insta::assert_snapshot!(envs_part(&text));
}

#[test]
fn workspace_environments_in_global_mode() {
    let text = overlay(
        &fixture("locks/workspace-mixed"),
        &[System::X86_64Linux],
        &[],
        true,
    );
    assert!(text.contains("mixedRootEnvs = mkEnvs final.python313;"));
    insta::assert_snapshot!(envs_part(&text));
}

/// Console scripts, versions and paths of a hostile workspace member reach Nix as strings; a
/// member whose directory is not a plain path is not made editable.
#[test]
fn hostile_member_strings_stay_strings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let evil = r#"x"; y = builtins.readFile /etc/passwd; z = "${builtins.currentSystem}'$(touch /tmp/pwned)"#;
    std::fs::write(
        dir.join("pyproject.toml"),
        format!(
            "[project]\nname = \"app\"\nversion = \"1.0\"\n[project.scripts]\n\"{}\" = \"{}\"\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n[tool.hatch.build.targets.wheel]\npackages = [\"src/a'b\"]\n",
            evil.replace('\\', "\\\\").replace('"', "\\\""),
            evil.replace('\\', "\\\\").replace('"', "\\\"")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("uv.lock"),
        "version = 1\nrevision = 3\nrequires-python = \">=3.11\"\n\n[[package]]\nname = \"app\"\nversion = \"1.0\"\nsource = { editable = \".\" }\n",
    )
    .unwrap();
    let text = overlay(dir, &[System::X86_64Linux], &[], false);
    let file = dir.join("overlay.nix");
    std::fs::write(&file, &text).unwrap();
    nix_parse(&file).unwrap();
    if require_tool("nix-instantiate").is_none() {
        return;
    }
    let expr = format!(
        r#"let
  pkgs = import {stub} {{ system = "x86_64-linux"; overlays = [ (import {file}) ]; }};
  env = pkgs.appPython.envs.dev-editable;
  app = builtins.head env.extraLibs;
in {{ scripts = app.editableScripts; root = app.editableRoot; names = env.scripts; }}"#,
        stub = nix_path(&stub_dir()),
        file = nix_path(&file),
    );
    let v = nix_eval_json(&expr).unwrap();
    assert_eq!(v["scripts"][evil], evil);
    assert_eq!(v["names"], serde_json::json!([evil]));
    // `src/a'b` declares the import root `src`, a plain path
    assert_eq!(v["root"], "$REPO_ROOT/src");
}
