//! The authentik example and the flakes, evaluated against the nixpkgs stub (issue: "Overrides, the
//! authentik backend end to end, the flake and nix/").

use std::path::{Path, PathBuf};
use std::process::Command;

use lock2nix_testkit::{nix_eval_json, nix_path, nix_str, repo_root, require_tool, stub_dir};
use serde_json::Value;

fn lock2nix(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lock2nix"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run lock2nix");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The stub's index list from the index the example uses (`fixtures/nixpkgs-index/authentik.tsv`),
/// recipe features included: nixpkgs' recipes fail in the stub where their builds would.
fn index_json(dir: &Path) -> PathBuf {
    let index =
        lock2nix_nixpkgs::Index::read(repo_root().join("fixtures/nixpkgs-index/authentik.tsv"))
            .unwrap();
    let path = dir.join("index.json");
    lock2nix_testkit::write_index_json(&index, &path).unwrap();
    path
}

const WEBUI: &str = "(final: prev: { authentik-webui = final.stdenv.mkDerivation { name = \"authentik-webui\"; }; })";

/// Both committed overlays (the example and its DRF-fork variant) are what translate writes now,
/// with every hash known (no `lib.fakeHash`, no `--allow-missing-hashes`), and translate has
/// nothing to warn about (the lock agrees with its pyproject.toml files, every build system is
/// known).
#[test]
fn committed_example_overlays_are_current_and_byte_identical() {
    let root = repo_root();
    for dir in ["examples/authentik", "examples/authentik/drf-fork"] {
        let config = format!("{dir}/lock2nix.toml");
        let (code, out, err) = lock2nix(&root, &["check", "--config", &config]);
        assert_eq!(code, 0, "lock2nix check failed: {out}{err}");
        // regenerate from the example's directory so that workspaceRoot is the same relative path
        let example = root.join(dir);
        let (code, text, err) = lock2nix(
            &example,
            &["translate", "--config", "lock2nix.toml", "--out", "-"],
        );
        assert_eq!(code, 0, "{err}");
        assert!(
            !err.contains("warning:") && !err.contains("note:"),
            "{dir}: translate should print no warning:\n{err}"
        );
        let committed = std::fs::read_to_string(example.join("python-overlay.nix")).unwrap();
        assert_eq!(
            text, committed,
            "{dir}/python-overlay.nix is not what translate writes now; regenerate it"
        );
        assert!(!committed.contains("fakeHash") && !committed.contains("lock2nixMissingHashes"));
    }
}

#[test]
fn example_overlay_evaluates_like_nixpkgs_authentik() {
    if require_tool("nix-instantiate").is_none() {
        return;
    }
    let root = repo_root();
    let tmp = tempfile::tempdir().unwrap();
    let index = index_json(tmp.path());
    // What the plan says per package (action, versions).
    let (code, plan, err) = lock2nix(
        &root,
        &[
            "plan",
            "--config",
            "examples/authentik/lock2nix.toml",
            "--system",
            "x86_64-linux",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&plan).unwrap();
    let names: Vec<String> = plan["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    let expr = format!(
        r#"let
  pkgs = import {stub} {{
    system = "x86_64-linux";
    overlays = [ {webui} (import {overlay}) ];
    index = builtins.fromJSON (builtins.readFile {index});
  }};
  ps = pkgs.authentikPython.pkgs;
  a = pkgs.authentik-django;
  names = builtins.fromJSON {names};
  inTree = [ "ak-guardian" "authentik" "django-channels-postgres" "django-dramatiq-postgres" "django-postgres-cache" ];
in {{
  versions = builtins.listToAttrs (map (n: {{ name = n; value = ps.${{n}}.version; }}) names);
  outPaths = map (n: ps.${{n}}.outPath) names;
  buildSystems = builtins.listToAttrs (map (n: {{ name = n; value = map (d: d.pname) ps.${{n}}.drvArgs.build-system; }}) inTree);
  srcs = builtins.listToAttrs (map (n: {{ name = n; value = toString ps.${{n}}.drvArgs.src; }}) inTree);
  top = a.outPath == ps.authentik.outPath;
  postPatch = a.drvArgs.postPatch;
  postInstall = a.drvArgs.postInstall;
  imports = a.drvArgs.pythonImportsCheck;
  relax = a.drvArgs.pythonRelaxDeps;
  remove = a.drvArgs.pythonRemoveDeps;
  deps = map (d: d.pname) a.drvArgs.dependencies;
  git = ps.opencontainers.drvArgs.src.args or {{}};
  dramatiqSrc = ps.dramatiq.drvArgs.src.args.url;
  dramatiqFormat = ps.dramatiq.drvArgs.format;
  globalUntouched = !(pkgs.python313.pkgs ? ak-guardian);
}}"#,
        stub = nix_path(&stub_dir()),
        webui = WEBUI,
        overlay = nix_path(&root.join("examples/authentik/python-overlay.nix")),
        index = nix_path(&index),
        names = nix_str(&serde_json::to_string(&names).unwrap()),
    );
    let v = nix_eval_json(&expr)
        .unwrap_or_else(|e| panic!("evaluation failed: {}", e.stderr().unwrap_or_default()));
    // every package of the closure resolves, with the version the plan says; a version nixpkgs
    // writes as an expression is its family parent's (`inherit (opentelemetry-api) version`), else
    // the stub's stand-in
    let nixpkgs =
        lock2nix_nixpkgs::Index::read(root.join("fixtures/nixpkgs-index/authentik.tsv")).unwrap();
    for p in plan["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let expected = if p["action"] == "reuse" {
            p["nixpkgs_version"].as_str().unwrap_or_else(|| {
                let attr = p["nixpkgs_attr"].as_str().unwrap();
                let family = nixpkgs.get(attr).unwrap().features.family.as_deref();
                family
                    .and_then(|f| nixpkgs.get(f)?.version.as_deref())
                    .unwrap_or("0-unknown")
            })
        } else {
            p["version"].as_str().unwrap()
        };
        assert_eq!(v["versions"][name], expected, "{name} ({})", p["action"]);
    }
    assert_eq!(v["versions"]["dramatiq"], "1.17.1");
    // the lock's wheel: nothing of nixpkgs' 2.x recipe (its tests) is kept
    assert!(v["dramatiqSrc"]
        .as_str()
        .unwrap()
        .ends_with("dramatiq-1.17.1-py3-none-any.whl"));
    assert_eq!(v["dramatiqFormat"], "wheel");
    assert_eq!(v["globalUntouched"], true, "a private interpreter");
    assert_eq!(v["top"], true);
    // the in-tree members use hatchling and their own directories
    for (name, bs) in v["buildSystems"].as_object().unwrap() {
        assert_eq!(bs, &serde_json::json!(["hatchling"]), "{name}");
    }
    for (name, src) in v["srcs"].as_object().unwrap() {
        assert!(
            src.as_str().unwrap_or_default().starts_with("/nix/store/"),
            "{name}: {src}"
        );
    }
    // the four substitutions and the copy steps
    let post_patch = v["postPatch"].as_str().unwrap();
    for file in [
        "authentik/root/settings.py",
        "authentik/lib/default.yml",
        "authentik/stages/email/utils.py",
        "authentik/admin/files/backends/file.py",
    ] {
        assert!(
            post_patch.contains(&format!("substituteInPlace {file} --replace-fail")),
            "{file}: {post_patch}"
        );
    }
    assert!(post_patch.contains("'Path(__file__).absolute().parent.parent.parent'"));
    assert!(
        post_patch.contains("-authentik-webui/"),
        "the web UI path is a store path: {post_patch}"
    );
    let post_install = v["postInstall"].as_str().unwrap();
    for step in [
        "cp -r lifecycle \"$out/lib/python3.13/site-packages\"/lifecycle",
        "cp -r manage.py",
        "cp -r blueprints \"$out\"/blueprints",
        "$out/web/",
    ] {
        assert!(post_install.contains(step), "{step}: {post_install}");
    }
    assert_eq!(v["imports"], serde_json::json!(["authentik"]));
    assert_eq!(v["relax"], true);
    assert_eq!(v["remove"], serde_json::json!(["dumb-init"]));
    let deps: Vec<&str> = v["deps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        !deps.contains(&"dumb-init"),
        "dumb-init is removed, not a dependency"
    );
    for helper in [
        "ak-guardian",
        "django-channels-postgres",
        "django-dramatiq-postgres",
        "django-postgres-cache",
        "djangorestframework",
    ] {
        assert!(deps.contains(&helper), "{helper} in {deps:?}");
    }
    assert_eq!(v["git"]["owner"], "vsoch");
    assert_eq!(v["git"]["repo"], "oci-python");
    assert_eq!(v["git"]["rev"], "ceb4fcc090851717a3069d78e85ceb1e86c2740c");
}

#[test]
fn built_from_the_lock_alone_the_closure_is_the_locks() {
    if require_tool("nix-instantiate").is_none() {
        return;
    }
    let root = repo_root();
    let lock = root.join("fixtures/authentik/uv.lock");
    let lock = lock.to_str().unwrap();
    let (code, text, err) = lock2nix(
        &root,
        &[
            "translate",
            "--lock",
            lock,
            "--python",
            "3.13",
            "--system",
            "x86_64-linux",
            "--allow-missing-hashes",
            "--out",
            "-",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let overlay = tmp.path().join("overlay.nix");
    std::fs::write(&overlay, &text).unwrap();
    let expr = format!(
        r#"let
  pkgs = import {stub} {{
    system = "x86_64-linux";
    overlays = [ ((import {overlay}).override {{ workspaceRoot = {ws}; }}) ];
  }};
  app = pkgs.authentikPython.pkgs.authentik;
  closure = builtins.genericClosure {{
    # the private interpreter's package: without an index lock2nix cannot know that nixpkgs has
    # a top-level `authentik` (the server), which the stub refuses to see redefined
    startSet = [ {{ key = app.outPath; drv = app; }} ];
    operator = item: map (d: {{ key = d.outPath; drv = d; }}) (item.drv.drvArgs.dependencies or [ ]);
  }};
in map (i: "${{i.drv.pname}}==${{i.drv.version}}") closure"#,
        stub = nix_path(&stub_dir()),
        overlay = nix_path(&overlay),
        ws = nix_path(&root.join("fixtures/authentik")),
    );
    let v = nix_eval_json(&expr)
        .unwrap_or_else(|e| panic!("evaluation failed: {}", e.stderr().unwrap_or_default()));
    let mut got: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    got.sort();
    let target = [
        "--lock",
        lock,
        "--python",
        "3.13",
        "--system",
        "x86_64-linux",
        "--root",
        "authentik",
        "--format",
        "json",
    ];
    let json = |cmd: &str| -> Value {
        let mut args = vec![cmd];
        args.extend(target);
        let (code, out, err) = lock2nix(&root, &args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let (res, plan) = (json("resolve"), json("plan"));
    // The lock's closure, except that build-system bootstrap packages are nixpkgs' own (their
    // versions and dependencies are nixpkgs'): walk the resolved graph, not into reused packages.
    let reused: std::collections::BTreeSet<&str> = plan["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["action"] == "reuse")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let by_name: std::collections::BTreeMap<&str, &Value> = res["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p))
        .collect();
    let mut want = std::collections::BTreeSet::new();
    let mut todo = vec!["authentik"];
    while let Some(n) = todo.pop() {
        if !want.insert(n) || reused.contains(n) {
            continue;
        }
        for d in by_name[n]["dependencies"].as_array().unwrap() {
            todo.push(d.as_str().unwrap());
        }
    }
    let got_names: std::collections::BTreeSet<&str> =
        got.iter().map(|g| g.split("==").next().unwrap()).collect();
    assert_eq!(got_names, want);
    assert!(
        reused.contains("cffi") && reused.contains("setuptools"),
        "{reused:?}"
    );
    for g in &got {
        let (name, version) = g.split_once("==").unwrap();
        if !reused.contains(name) {
            assert_eq!(
                version, by_name[name]["version"],
                "{name}: the lock's version"
            );
        }
    }
    assert!(got.len() > 170, "{}", got.len());
}

#[test]
fn flakes_evaluate_against_stub_inputs() {
    if require_tool("nix-instantiate").is_none() {
        return;
    }
    let root = repo_root();
    let tmp = tempfile::tempdir().unwrap();
    let index = index_json(tmp.path());
    // a nixpkgs (the stub) whose packages are the index's
    let indexed = tmp.path().join("nixpkgs");
    std::fs::create_dir_all(&indexed).unwrap();
    std::fs::write(
        indexed.join("default.nix"),
        format!(
            "args: import {} (args // {{ index = builtins.fromJSON (builtins.readFile {}); }})\n",
            nix_path(&stub_dir()),
            nix_path(&index)
        ),
    )
    .unwrap();
    for f in [
        "flake.nix",
        "nix/package.nix",
        "nix/lib.nix",
        "nix/template/flake.nix",
        "examples/authentik/flake.nix",
    ] {
        lock2nix_testkit::nix_parse(&root.join(f)).unwrap_or_else(|e| panic!("{f}: {e:?}"));
    }
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
  flake = import {flake};
  self = flake.outputs {{ inherit self nixpkgs; }} // {{ outPath = toString {root}; }};
  withOverlay = import stubDir {{ system = "aarch64-darwin"; overlays = [ self.overlays.default ]; }};
  example = import {example};
  # the example's nixpkgs knows the index's packages (its environments use nixpkgs' own)
  exNixpkgs = nixpkgs // {{ outPath = toString {indexed}; }};
  exSelf = example.outputs {{
    self = exSelf;
    nixpkgs = exNixpkgs;
    authentik-src = {{ outPath = toString {authentik}; }};
  }};
  pkg = self.packages.x86_64-linux.default;
  webuiStandIn = {webui};
  index = builtins.fromJSON (builtins.readFile {index});
in {{
  name = pkg.name;
  lockFile = pathExists pkg.drvAttrs.cargoLock.lockFile;
  buildFlags = pkg.drvAttrs.cargoBuildFlags;
  program = self.apps.aarch64-linux.default.program;
  overlayName = withOverlay.lock2nix.name;
  shell = map (p: p.name) self.devShells.x86_64-linux.default.drvAttrs.packages;
  template = pathExists self.templates.default.path && pathExists (self.templates.default.path + "/flake.nix");
  libIsFunction = builtins.isFunction self.lib.overlayFor;
  systems = builtins.attrNames self.packages;
  authentikDjango = exSelf.packages.x86_64-linux.authentik-django.name;
  authentikSrc = toString exSelf.packages.x86_64-linux.authentik-django.drvArgs.src;
  exampleSystems = builtins.attrNames exSelf.packages;
  examplePackages = builtins.attrNames exSelf.packages.x86_64-linux;
  # the dev shell: authentik's dev group, the workspace members editable from $REPO_ROOT
  exShell = let
    env = builtins.head exSelf.devShells.x86_64-linux.default.drvAttrs.packages;
    closure = map (x: x.drv) (builtins.genericClosure {{
      startSet = map (d: {{ key = d.outPath; drv = d; }}) env.extraLibs;
      operator = x: map (d: {{ key = d.outPath; drv = d; }}) (x.drv.dependencies or [ ]);
    }});
  in {{
    libs = map (d: d.pname) closure;
    editable = builtins.sort (a: b: a < b) (map (d: d.editableRoot) (builtins.filter (d: d ? editableRoot) closure));
    hook = exSelf.devShells.x86_64-linux.default.drvAttrs.shellHook;
  }};
  # the fork variant: DRF 3.16.0 from the fork's commit, the rest as the base
  drf = let ps = (import stubDir {{ system = "x86_64-linux"; overlays = [ webuiStandIn exSelf.overlays.drf-fork ]; inherit index; }}).authentikPython.pkgs; in {{
    inherit (ps.djangorestframework) version;
    src = ps.djangorestframework.src.args;
    out = ps.djangorestframework.outPath;
    baseVersion = (import stubDir {{ system = "x86_64-linux"; overlays = [ webuiStandIn exSelf.overlays.default ]; inherit index; }}).authentikPython.pkgs.djangorestframework.src.fetcher;
    app = (import stubDir {{ system = "x86_64-linux"; overlays = [ webuiStandIn exSelf.overlays.drf-fork ]; inherit index; }}).authentik-django.drvPath;
  }};
}}"#,
        stub = nix_path(&stub_dir()),
        root = nix_path(&root),
        flake = nix_path(&root.join("flake.nix")),
        example = nix_path(&root.join("examples/authentik/flake.nix")),
        authentik = nix_path(&root.join("fixtures/authentik-aligned")),
        webui = WEBUI,
        index = nix_path(&index),
        indexed = nix_path(&indexed),
    )
    .replace("pathExists", "builtins.pathExists");
    let v = nix_eval_json(&expr)
        .unwrap_or_else(|e| panic!("evaluation failed: {}", e.stderr().unwrap_or_default()));
    let version = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(version.contains("version = \"0.1.0\""));
    assert_eq!(v["name"], "lock2nix-0.1.0");
    assert_eq!(v["lockFile"], true);
    assert_eq!(
        v["buildFlags"],
        serde_json::json!(["--package", "lock2nix"])
    );
    assert!(
        v["program"]
            .as_str()
            .unwrap()
            .ends_with("-lock2nix-0.1.0/bin/lock2nix"),
        "{}",
        v["program"]
    );
    assert_eq!(v["overlayName"], "lock2nix-0.1.0");
    assert!(v["shell"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p.as_str().unwrap().starts_with("uv-")));
    assert_eq!(v["template"], true);
    assert_eq!(v["libIsFunction"], true);
    assert_eq!(
        v["systems"],
        serde_json::json!([
            "aarch64-darwin",
            "aarch64-linux",
            "x86_64-darwin",
            "x86_64-linux"
        ])
    );
    assert_eq!(v["authentikDjango"], "python3.13-authentik-2026.2.0rc1");
    assert!(v["authentikSrc"]
        .as_str()
        .unwrap()
        .starts_with("/nix/store/"));
    assert_eq!(
        v["exampleSystems"],
        serde_json::json!(["aarch64-linux", "x86_64-linux"])
    );
    assert_eq!(
        v["examplePackages"],
        serde_json::json!(["authentik-django", "authentik-django-drf-fork", "default"])
    );
    let libs = v["exShell"]["libs"].as_array().unwrap();
    for p in ["authentik", "pytest", "black", "ak-guardian"] {
        assert!(
            libs.iter().any(|l| l == p),
            "{p} in the dev shell: {libs:?}"
        );
    }
    assert_eq!(
        v["exShell"]["editable"],
        serde_json::json!([
            "$REPO_ROOT",
            "$REPO_ROOT/packages/ak-guardian",
            "$REPO_ROOT/packages/django-channels-postgres",
            "$REPO_ROOT/packages/django-dramatiq-postgres",
            "$REPO_ROOT/packages/django-postgres-cache"
        ])
    );
    assert!(v["exShell"]["hook"]
        .as_str()
        .unwrap()
        .contains("REPO_ROOT is not set"));
    assert_eq!(v["drf"]["version"], "3.16.0");
    // the base example reuses nixpkgs' djangorestframework (policy nixpkgs), whose recipe fetches
    // its GitHub tag (the index says so)
    assert_eq!(v["drf"]["baseVersion"], "fetchFromGitHub");
    assert_eq!(v["drf"]["src"]["owner"], "authentik-community");
    assert_eq!(v["drf"]["src"]["repo"], "django-rest-framework");
    assert_eq!(
        v["drf"]["src"]["rev"],
        "896722bab969fabc74a08b827da59409cf9f1a4e"
    );
    assert_eq!(
        v["drf"]["src"]["hash"],
        "sha256-YrEDEU3qtw/iyQM3CoB8wYx57zuPNXiJx6ZjrIwnCNU="
    );
    assert!(v["drf"]["app"].as_str().unwrap().ends_with(".drv"));
}

/// The example flake's `authentik-django` with and without an overlay that gives the web UI:
/// without it, instantiating the package stops with the flake's own message (the stub coerces
/// every attribute the way Nix does, so the `throw` in the web UI's place is reached).
#[test]
fn evaluation_of_the_authentik_example_without_the_web_ui_fails_with_the_flakes_message() {
    if require_tool("nix-instantiate").is_none() {
        return;
    }
    let root = repo_root();
    let tmp = tempfile::tempdir().unwrap();
    let index = index_json(tmp.path());
    let flake_text = std::fs::read_to_string(root.join("examples/authentik/flake.nix")).unwrap();
    // the first line of the flake's message, as the flake writes it
    let message = flake_text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("authentik-django needs `authentik-webui`"))
        .expect("the flake's message for a missing web UI");
    let eval = |overlays: &str| {
        let expr = format!(
            r#"let
  stubDir = {stub};
  lib = import (stubDir + "/lib.nix");
  nixpkgs = {{ outPath = toString stubDir; inherit lib; }};
  example = import {example};
  exSelf = example.outputs {{
    self = exSelf;
    inherit nixpkgs;
    authentik-src = {{ outPath = toString {authentik}; }};
  }};
  index = builtins.fromJSON (builtins.readFile {index});
in {{
  default = (import stubDir {{ system = "x86_64-linux"; overlays = {overlays} [ exSelf.overlays.default ]; inherit index; }}).authentik-django.drvPath;
  drf-fork = (import stubDir {{ system = "aarch64-linux"; overlays = {overlays} [ exSelf.overlays.drf-fork ]; inherit index; }}).authentik-django.drvPath;
}}"#,
            stub = nix_path(&stub_dir()),
            example = nix_path(&root.join("examples/authentik/flake.nix")),
            authentik = nix_path(&root.join("fixtures/authentik-aligned")),
            index = nix_path(&index),
        );
        nix_eval_json(&expr)
    };
    let with = eval(&format!("[ {WEBUI} ] ++"))
        .unwrap_or_else(|e| panic!("with the web UI: {}", e.stderr().unwrap_or(&e.to_string())));
    for variant in ["default", "drf-fork"] {
        assert!(
            with[variant]
                .as_str()
                .unwrap()
                .ends_with("-authentik-2026.2.0rc1.drv"),
            "{variant}: {with}"
        );
    }
    let err = eval("").expect_err("authentik-django without the web UI must not instantiate");
    let stderr = err.stderr().unwrap_or_default();
    assert!(stderr.contains(message), "{stderr}");
}
