//! Environments (`<scope>.envs.NAME`, issue 15), evaluated under the nixpkgs stub: each holds
//! exactly what the real uv installs for the same extras and groups on the same system
//! (`fixtures/envs/*/*.txt`, written by `fixtures/envs/regenerate.py` from `uv export` with the
//! markers evaluated by `packaging`), and the editable variants import the workspace members
//! from `$REPO_ROOT` with every other package the built environment's own derivation.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use lock2nix_testkit::{nix_eval_json, nix_path, repo_root, require_tool, stub_dir};
use serde_json::Value;

const SYSTEMS: [&str; 2] = ["x86_64-linux", "aarch64-darwin"];

struct Case {
    fixture: &'static str,
    dir: &'static str,
    scope: &'static str,
    /// `--env` specs beyond the defaults.
    envs: &'static [&'static str],
    /// Every environment with the editable members and the directory each is imported from.
    editable: &'static [(&'static str, &'static [(&'static str, &'static str)])],
}

const AUTHENTIK_MEMBERS: &[(&str, &str)] = &[
    ("ak-guardian", "$REPO_ROOT/packages/ak-guardian"),
    ("authentik", "$REPO_ROOT"),
    (
        "django-channels-postgres",
        "$REPO_ROOT/packages/django-channels-postgres",
    ),
    (
        "django-dramatiq-postgres",
        "$REPO_ROOT/packages/django-dramatiq-postgres",
    ),
    (
        "django-postgres-cache",
        "$REPO_ROOT/packages/django-postgres-cache",
    ),
];
const MIXED_MEMBERS: &[(&str, &str)] = &[
    ("mixed-core", "$REPO_ROOT/packages/mixed-core/src"),
    ("mixed-plugin", "$REPO_ROOT/packages/mixed-plugin"),
    ("mixed-root", "$REPO_ROOT/src"),
    ("mixed-utils", "$REPO_ROOT/packages/mixed-utils/src"),
];
const MIXED_CLI_MEMBERS: &[(&str, &str)] = &[
    ("mixed-core", "$REPO_ROOT/packages/mixed-core/src"),
    ("mixed-plugin", "$REPO_ROOT/packages/mixed-plugin"),
    ("mixed-root", "$REPO_ROOT/src"),
    ("mixed-utils", "$REPO_ROOT/packages/mixed-utils/src"),
];
const MULTI_MEMBERS: &[(&str, &str)] = &[("multi-group", "$REPO_ROOT/src")];

const CASES: [Case; 3] = [
    Case {
        fixture: "authentik",
        dir: "fixtures/authentik",
        scope: "authentikPython",
        envs: &[],
        editable: &[("dev", AUTHENTIK_MEMBERS)],
    },
    Case {
        fixture: "workspace-mixed",
        dir: "fixtures/locks/workspace-mixed",
        scope: "mixedRootPython",
        envs: &["cli=extras=cli,yaml"],
        editable: &[("dev", MIXED_MEMBERS), ("cli", MIXED_CLI_MEMBERS)],
    },
    Case {
        fixture: "multi-group",
        dir: "fixtures/locks/multi-group",
        scope: "multiGroupPython",
        envs: &[
            "docs=groups=docs;extras=yaml",
            "ci=groups=ci;all-extras",
            "lint",
        ],
        editable: &[
            ("dev", MULTI_MEMBERS),
            ("docs", MULTI_MEMBERS),
            ("ci", MULTI_MEMBERS),
            ("lint", MULTI_MEMBERS),
        ],
    },
];

fn translate(case: &Case, out: &Path) -> String {
    let root = repo_root();
    let mut args = vec![
        "translate".to_string(),
        "--lock".into(),
        format!("{}/uv.lock", case.dir),
        "--out".into(),
        out.display().to_string(),
        "--allow-missing-hashes".into(),
    ];
    for s in SYSTEMS {
        args.extend(["--system".to_string(), s.to_string()]);
    }
    for e in case.envs {
        args.extend(["--env".to_string(), e.to_string()]);
    }
    let o = Command::new(env!("CARGO_BIN_EXE_lock2nix"))
        .current_dir(&root)
        .args(&args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    stderr
}

fn expected(fixture: &str, env: &str, system: &str) -> Vec<String> {
    let path = repo_root().join(format!("fixtures/envs/{fixture}/{env}.{system}.txt"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_string)
        .collect()
}

/// Per environment: the normalised names of its closure, and for the editable variants the
/// members' roots and whether every other package is the built environment's derivation.
fn evaluate(case: &Case, overlay: &Path, system: &str) -> Value {
    let expr = format!(
        r#"let
  pkgs = import {stub} {{ system = "{system}"; overlays = [ (import {overlay}) ]; index = [ ]; }};
  envs = pkgs.{scope}.envs;
  norm = s: builtins.replaceStrings [ "_" "." ] [ "-" "-" ] s;
  deps = d: (d.dependencies or [ ]) ++ (d.propagatedBuildInputs or [ ]);
  closure = env: map (x: x.drv) (builtins.genericClosure {{
    startSet = map (d: {{ key = d.outPath; drv = d; }}) env.extraLibs;
    operator = x: map (d: {{ key = d.outPath; drv = d; }}) (deps x.drv);
  }});
  names = env: pkgs.lib.unique (map (d: norm d.pname) (closure env));
  editable = env: builtins.listToAttrs (map (d: {{ name = d.pname; value = d.editableRoot; }})
    (builtins.filter (d: d ? editableRoot) (closure env)));
  others = env: map (d: d.outPath) (builtins.filter (d: !(d ? editableRoot)) (closure env));
in builtins.mapAttrs (name: env: {{
  names = names env;
  scripts = env.scripts;
}} // pkgs.lib.optionalAttrs (env ? shellHook) {{
  editable = editable env;
  same = let built = envs.${{builtins.substring 0 (builtins.stringLength name - 9) name}}; in
    builtins.all (p: builtins.elem p (others built)) (others env);
  builtMembers = builtins.filter (d: builtins.elem (norm d.pname) (builtins.attrNames (editable env)))
    (builtins.filter (d: !(d ? editableRoot)) (closure env)) == [ ];
  shellHook = env.shellHook;
}}) envs"#,
        stub = nix_path(&stub_dir()),
        overlay = nix_path(overlay),
        scope = case.scope,
    );
    nix_eval_json(&expr).unwrap_or_else(|e| {
        panic!(
            "{} on {system}: {}",
            case.fixture,
            e.stderr().unwrap_or_default()
        )
    })
}

fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn environments_hold_what_uv_installs_and_editable_members_point_at_repo_root() {
    if require_tool("nix-instantiate").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for case in &CASES {
        let overlay = tmp.path().join(format!("{}.nix", case.fixture));
        let stderr = translate(case, &overlay);
        for system in SYSTEMS {
            let v = evaluate(case, &overlay, system);
            let envs = v.as_object().unwrap();
            let mut plain: Vec<&str> = vec!["default", "dev"];
            plain.extend(case.envs.iter().map(|e| e.split('=').next().unwrap()));
            for env in &plain {
                let want = expected(case.fixture, env, system);
                let got = sorted(&envs[*env]["names"]);
                assert_eq!(got, want, "{} {env} on {system}", case.fixture);
                assert!(
                    stderr.contains(&format!("{system} {}", want.len())),
                    "translate reports the size of {env}: {stderr}"
                );
                let editable = format!("{env}-editable");
                let members = case
                    .editable
                    .iter()
                    .find(|(e, _)| e == env)
                    .map(|(_, m)| *m);
                let Some(members) = members else {
                    assert!(!envs.contains_key(&editable), "{editable}");
                    continue;
                };
                let e = &envs[&editable];
                assert_eq!(
                    sorted(&e["names"]),
                    want,
                    "{} {editable} on {system} installs the same packages",
                    case.fixture
                );
                let roots: BTreeMap<String, String> =
                    serde_json::from_value(e["editable"].clone()).unwrap();
                let want_roots: BTreeMap<String, String> = members
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect();
                assert_eq!(roots, want_roots, "{} {editable}", case.fixture);
                assert_eq!(
                    e["same"], true,
                    "{editable}: every non-member is the built environment's derivation"
                );
                assert_eq!(
                    e["builtMembers"], true,
                    "{editable}: no member is installed built"
                );
            }
        }
    }
}

/// The editable variant's shell hook refuses to start without `$REPO_ROOT`, or with one that
/// is not the workspace, and starts with the fixture's directory.
#[test]
fn editable_shell_hook_requires_repo_root() {
    let Some(bash) = require_tool("bash") else {
        return;
    };
    if require_tool("nix-instantiate").is_none() {
        return;
    }
    let case = &CASES[1];
    let tmp = tempfile::tempdir().unwrap();
    let overlay = tmp.path().join("o.nix");
    translate(case, &overlay);
    let v = evaluate(case, &overlay, "x86_64-linux");
    let hook = v["dev-editable"]["shellHook"].as_str().unwrap().to_string();
    let run = |repo_root: Option<&Path>| {
        let mut c = Command::new(&bash);
        c.arg("-c").arg(&hook).env_remove("REPO_ROOT");
        if let Some(r) = repo_root {
            c.env("REPO_ROOT", r);
        }
        let o = c.output().unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (ok, err) = run(None);
    assert!(!ok && err.contains("REPO_ROOT is not set"), "{err}");
    assert!(
        err.contains("mixed-core, mixed-plugin, mixed-root, mixed-utils"),
        "{err}"
    );
    let (ok, err) = run(Some(tmp.path()));
    assert!(
        !ok && err.contains("packages/mixed-core/pyproject.toml is missing"),
        "{err}"
    );
    let (ok, err) = run(Some(&repo_root().join(case.dir)));
    assert!(ok, "{err}");
}

/// The flake template, with an overlay translated from a lock of it (`fixtures/template/uv.lock`,
/// written by uv for the template's pyproject), evaluated with the stub for nixpkgs: the package,
/// the dev shell with the editable environment, and an app per console script.
#[test]
fn template_flake_exposes_package_dev_shell_and_apps() {
    if require_tool("nix-instantiate").is_none() {
        return;
    }
    let root = repo_root();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path().join("project");
    copy_dir(&root.join("nix/template"), &t);
    std::fs::copy(root.join("fixtures/template/uv.lock"), t.join("uv.lock")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_lock2nix"))
        .current_dir(&t)
        .arg("translate")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let expr = format!(
        r#"let
  stubDir = {stub};
  lib = import (stubDir + "/lib.nix");
  systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
  nixpkgs = {{
    outPath = toString stubDir;
    inherit lib;
    legacyPackages = lib.genAttrs systems (system: import stubDir {{ inherit system; }});
  }};
  lock2nix = {{
    lib = import {lib};
    packages = lib.genAttrs systems (system: {{ default = {{ type = "derivation"; name = "lock2nix"; outPath = "/nix/store/00000000000000000000000000000000-lock2nix"; }}; }});
  }};
  flake = import {flake};
  self = flake.outputs {{ inherit self nixpkgs lock2nix; }} // {{ outPath = toString {dir}; }};
  shell = self.devShells.aarch64-darwin.default;
  env = builtins.head shell.drvAttrs.packages;
in {{
  package = self.packages.x86_64-linux.default.pname;
  envLibs = map (d: d.pname) self.packages.x86_64-linux.env.extraLibs;
  shellLibs = map (d: d.pname) env.extraLibs;
  editableRoot = (builtins.head (builtins.filter (d: d.pname == "my-project") env.extraLibs)).editableRoot;
  shellHook = shell.drvAttrs.shellHook;
  apps = builtins.mapAttrs (n: a: a.type) self.apps.x86_64-linux;
  program = self.apps.x86_64-linux.my-project.program;
  envOut = self.packages.x86_64-linux.env.outPath;
}}"#,
        stub = nix_path(&stub_dir()),
        lib = nix_path(&root.join("nix/lib.nix")),
        flake = nix_path(&t.join("flake.nix")),
        dir = nix_path(&t),
    );
    let v = nix_eval_json(&expr)
        .unwrap_or_else(|e| panic!("evaluation failed: {}", e.stderr().unwrap_or_default()));
    assert_eq!(v["package"], "my-project");
    assert_eq!(v["envLibs"], serde_json::json!(["my-project"]));
    assert_eq!(v["shellLibs"], serde_json::json!(["my-project", "pytest"]));
    assert_eq!(v["editableRoot"], "$REPO_ROOT/src");
    let hook = v["shellHook"].as_str().unwrap();
    assert!(hook.contains("export REPO_ROOT=\"$PWD\""), "{hook}");
    assert!(hook.contains("REPO_ROOT is not set"), "{hook}");
    assert_eq!(
        v["apps"],
        serde_json::json!({"lock": "app", "my-project": "app"})
    );
    assert_eq!(
        v["program"].as_str().unwrap(),
        format!("{}/bin/my-project", v["envOut"].as_str().unwrap())
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
