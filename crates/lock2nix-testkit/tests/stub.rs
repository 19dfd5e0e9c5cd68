//! The nixpkgs stub, evaluated with the real nix-instantiate.

use std::path::Path;

use lock2nix_nixpkgs::{index_from_source_tree, Index};
use lock2nix_testkit::{
    fixture, index_json, nix_eval_file_json, nix_eval_json, nix_parse, nix_str, require_tool,
    shared_fixture, stub_dir, stub_expr, write_index_json, NixArg, NixError, Overlay,
};
use serde_json::{json, Value};

fn have_nix() -> bool {
    require_tool("nix-instantiate").is_some()
}

#[test]
fn selftest_returns_true() {
    if !have_nix() {
        return;
    }
    let v = nix_eval_file_json(&stub_dir().join("selftest.nix"), None, &[]).unwrap();
    assert_eq!(v, Value::Bool(true));
}

#[test]
fn failure_cases_fail_with_their_messages() {
    if !have_nix() {
        return;
    }
    let cases = [
        ("missing-dependency", "attribute 'no-such-package' missing"),
        (
            "no-format",
            "python3.13-foo-1.0 does not configure a `format`",
        ),
        (
            "pyproject-and-format",
            "`pyproject` and `format` are mutually exclusive",
        ),
        ("build-system-not-list", "`build-system` must be a list"),
        (
            "dependency-not-derivation",
            "an element of `dependencies` is a string",
        ),
        (
            "fetchurl-no-hash",
            "fetchurl: no hash given for https://example.org/a.tar.gz",
        ),
        ("fetchurl-hex-hash", "must be an SRI hash"),
        (
            "fetchurl-percent-name",
            "contains characters Nix store names reject: '%'",
        ),
        ("fetchurl-no-url", "requires either `url` or `urls`"),
        ("github-no-rev", "requires one of either `rev` or `tag`"),
        ("github-rev-and-tag", "(not both)"),
        ("bad-version-name", "reject: '!'"),
        ("broken", "is marked as broken"),
        (
            "non-python-in-set",
            "openssl should use `buildPythonPackage` or `toPythonModule`",
        ),
        (
            "wrong-interpreter",
            "a package for Python 3.12, but this package is built for Python 3.13",
        ),
        (
            "recipe-stale-cargo-deps",
            "python3.13-rusty-46.0.1: cargoDeps are vendored from the src of nixpkgs' rusty 45.0.4, but src is now rusty-46.0.1.tar.gz from fetchurl",
        ),
        (
            "recipe-patches-on-another-version",
            "python3.13-patched-5.2.8: patches written for nixpkgs' patched 5.1.4 (patched-5.1.4-nixpkgs.patch) would be applied to version 5.2.8",
        ),
        (
            "recipe-source-edit-on-another-version",
            "python3.13-edited-8.0: postPatch of nixpkgs' edited 7.2 edits its files in place",
        ),
        (
            "recipe-source-root-in-an-sdist",
            "python3.13-rooted-2.1: sourceRoot \"source/rooted\" is a directory of nixpkgs' rooted 2.0's src, a fetchFromGitHub checkout; the src is now a release archive (fetchurl)",
        ),
        (
            "recipe-eval-assert",
            "python3.13-protobuf-6.31.1: the recipe of nixpkgs' protobuf 5.29.3 asserts at evaluation time",
        ),
        (
            "recipe-wheel-in-a-source-recipe",
            "python3.13-plain-1.0: a wheel in nixpkgs' plain 1.0's source recipe",
        ),
        (
            "recipe-tests-kept",
            "python3.13-tested-2.2.0: a version swap of nixpkgs' tested 2.1.0 to version 2.2.0 (src tested-2.2.0.tar.gz from fetchurl) keeps nixpkgs' tests (check inputs written for 2.1.0)",
        ),
        (
            "recipe-custom-check-kept",
            "keeps nixpkgs' tests (a custom check phase, check inputs written for 0.17.1)",
        ),
        (
            "family-passthru-child-swapped-alone",
            "python3.13-psycopg-c-3.2.10: psycopg-c 3.2.10 and psycopg 3.2.3 must have one version: in nixpkgs psycopg's recipe builds psycopg-c from its own version and src (psycopg.c)",
        ),
        (
            "family-passthru-child-src-swapped",
            "python3.13-psycopg-c-3.2.3: in nixpkgs psycopg-c is psycopg.c, built from psycopg's own version and src",
        ),
        (
            "family-parent-swapped-alone",
            "python3.13-psycopg-c-3.2.3: psycopg-c 3.2.3 and psycopg 3.2.10 must have one version",
        ),
        (
            "family-inherited-source-swapped-alone",
            "opentelemetry-sdk 1.38.0 and opentelemetry-api 1.29.0 must have one version: in nixpkgs opentelemetry-sdk takes its version and src from opentelemetry-api",
        ),
        (
            "family-inherited-source-src-swapped",
            "python3.13-opentelemetry-sdk-1.29.0: in nixpkgs opentelemetry-sdk takes its src and version from opentelemetry-api; swapping it alone",
        ),
        (
            "family-parent-moved-to-an-sdist",
            "python3.13-opentelemetry-sdk-1.38.0: sourceRoot \"opentelemetry-api-1.38.0.tar.gz/opentelemetry-sdk\" is a directory of nixpkgs' opentelemetry-sdk 1.29.0's src",
        ),
        (
            "bootstrap-replaced",
            "python3.13-setuptools-80.9.1: the overlay replaces setuptools, a build-system bootstrap package, in a Python package set (nixpkgs' 80.9.0, replaced by 80.9.1)",
        ),
        (
            "bootstrap-replaced-by-a-fresh-build",
            "the overlay replaces wheel, a build-system bootstrap package, in a Python package set (nixpkgs' 0.46.1, replaced by another derivation of it)",
        ),
        (
            "top-level-shadowed",
            "authentik: the overlay redefines the top-level attribute `authentik`, which nixpkgs already has (authentik-2025.10.1)",
        ),
        (
            "missing-input-in-a-string",
            "foo needs `no-such-input`: give it in an overlay",
        ),
        ("missing-input-in-a-list", "foo needs `other-input`"),
        (
            "function-attribute",
            "python3.13-foo-1.0: cannot coerce a function to a string (the attribute `postPatch`)",
        ),
        (
            "set-in-a-list",
            "python3.13-foo-1.0: cannot coerce a set to a string (an element of the attribute `pythonRelaxDeps`",
        ),
        ("mk-derivation-missing-input", "app needs `webui`"),
        (
            "index-entry-failed",
            "broken-eval: evaluating it fails in this nixpkgs",
        ),
    ];
    let file = stub_dir().join("failures.nix");
    for (case, expected) in cases {
        let err = nix_eval_file_json(&file, None, &[NixArg::Str("case".into(), case.into())])
            .expect_err(case);
        let stderr = err.stderr().unwrap_or_else(|| panic!("{case}: {err}"));
        assert!(
            stderr.contains(expected),
            "{case}: expected {expected:?} in:\n{stderr}"
        );
    }
    // An unknown case name is itself an error, so the list above cannot silently go stale.
    let err =
        nix_eval_file_json(&file, None, &[NixArg::Str("case".into(), "nope".into())]).unwrap_err();
    assert!(err.stderr().unwrap_or("").contains("no case named nope"));
}

/// The stub's store-name rule against the real Nix: a derivation with that name either
/// instantiates (in read-only mode) or fails, and the stub's fetchurl must agree.
#[test]
fn store_name_rule_matches_real_nix() {
    if !have_nix() {
        return;
    }
    // A derivation's name also names `<name>.drv`: 207 is the longest that works.
    let long_ok = "a".repeat(207);
    let too_long = "a".repeat(208);
    let names = [
        "ok-1.0",
        "a%2Bb",
        "x!y",
        "a+b=c?d_e",
        "a b",
        "a~b",
        "1.0+local.1",
        "-x",
        "",
        "café",
        "a/b",
        "a:b",
        long_ok.as_str(),
        too_long.as_str(),
    ];
    let stub = stub_expr("x86_64-linux", Overlay::None, None);
    for name in names {
        let real = nix_eval_json(&format!(
            "(builtins.derivation {{ name = {}; builder = \"x\"; system = \"x\"; }}).drvPath",
            nix_str(name)
        ))
        .is_ok();
        let stubbed = nix_eval_json(&format!(
            "(builtins.tryEval ({stub}.fetchurl {{ url = \"https://h/x\"; name = {}; hash = {stub}.lib.fakeHash; }}).outPath).success",
            nix_str(name)
        ))
        .unwrap();
        assert_eq!(
            stubbed,
            Value::Bool(real),
            "name {name:?}: real Nix accepts = {real}"
        );
    }
}

/// Rows of the real nixpkgs index TSV that name an attribute, as the stub's `index` JSON.
fn index_from_tsv(tsv: &str) -> Vec<Value> {
    tsv.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let (attr, pname, version) = (cols.get(1)?, cols.get(2)?, cols.get(3)?);
            (!attr.is_empty() && !version.is_empty())
                .then(|| json!({ "attr": attr, "pname": pname, "version": version }))
        })
        .collect()
}

#[test]
fn real_index_becomes_packages_in_every_interpreter() {
    if !have_nix() {
        return;
    }
    // the copy in the repository (fixtures/nixpkgs-index/README.md gives its provenance)
    let tsv = std::fs::read_to_string(fixture("nixpkgs-index/authentik-subset.tsv")).unwrap();
    let index = index_from_tsv(&tsv);
    assert!(index.len() > 150, "only {} index rows", index.len());
    let dir = tempfile::tempdir().unwrap();
    let index_path = dir.path().join("index.json");
    std::fs::write(&index_path, serde_json::to_string(&index).unwrap()).unwrap();

    let pkgs = stub_expr("x86_64-linux", Overlay::None, Some(&index_path));
    let attrs: Vec<String> = index
        .iter()
        .map(|e| e["attr"].as_str().unwrap_or_default().to_string())
        .collect();
    let list = attrs
        .iter()
        .map(|a| nix_str(a))
        .collect::<Vec<_>>()
        .join(" ");
    let got = nix_eval_json(&format!(
        "let p = {pkgs}; in map (a: {{ inherit a; v312 = p.python312.pkgs.${{a}}.version; v313 = p.python313.pkgs.${{a}}.version; pname = p.python3.pkgs.${{a}}.pname; deps = p.python3.pkgs.${{a}}.dependencies; out = p.python313.pkgs.${{a}}.outPath; }}) [ {list} ]"
    ))
    .unwrap();
    let got = got.as_array().unwrap();
    let mut outs = std::collections::BTreeSet::new();
    // listToAttrs keeps the first of duplicate attrs; compare against first occurrences.
    let mut first = std::collections::BTreeMap::new();
    for e in &index {
        first
            .entry(e["attr"].as_str().unwrap().to_string())
            .or_insert(e.clone());
    }
    for g in got {
        let e = &first[g["a"].as_str().unwrap()];
        assert_eq!(g["v312"], e["version"]);
        assert_eq!(g["v313"], e["version"]);
        assert_eq!(g["pname"], e["pname"]);
        assert_eq!(g["deps"], json!([]));
        let out = g["out"].as_str().unwrap();
        assert!(
            out.starts_with("/nix/store/")
                && out.ends_with(&format!(
                    "-python3.13-{}-{}",
                    e["pname"].as_str().unwrap(),
                    e["version"].as_str().unwrap()
                )),
            "{out}"
        );
        outs.insert(out.to_string());
    }
    assert_eq!(outs.len(), first.len(), "outPaths must be distinct");
}

/// An overlay file in the generated shape (a functor with `override`), applied through
/// `stub_expr`, in default mode and `--scope` mode.
#[test]
fn generated_shape_overlay_file_evaluates() {
    if !have_nix() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("packages/member")).unwrap();
    std::fs::write(
        dir.path().join("packages/member/pyproject.toml"),
        "[project]\nname = \"member\"\n",
    )
    .unwrap();
    let overlay = r#"
let
  mkOverlay = { workspaceRoot ? ./. }: final: prev:
    let
      inherit (prev) lib;
      system = prev.stdenv.hostPlatform.system;
      bySystem = attrs: attrs.${system} or (throw "lock2nix: not generated for ${system}");
      pythonOverrides = python-final: python-prev: {
        django = python-final.django_5;
        member = python-final.buildPythonPackage {
          pname = "member";
          version = "0.1.0";
          pyproject = true;
          src = lib.fileset.toSource { root = workspaceRoot + "/packages/member"; fileset = lib.fileset.unions [ (workspaceRoot + "/packages/member/pyproject.toml") ]; };
          build-system = [ python-final.hatchling ];
          dependencies = [ python-final.django python-final.wheelonly ];
        };
        wheelonly = python-final.buildPythonPackage {
          pname = "wheelonly";
          version = "2.0";
          format = "wheel";
          src = bySystem {
            x86_64-linux = final.fetchurl { url = "https://files.example/wheelonly-2.0-py3-none-manylinux_2_17_x86_64.whl"; hash = lib.fakeHash; };
            aarch64-linux = final.fetchurl { url = "https://files.example/wheelonly-2.0-py3-none-manylinux_2_17_aarch64.whl"; hash = lib.fakeHash; };
          };
          nativeBuildInputs = lib.optionals prev.stdenv.hostPlatform.isLinux [ final.autoPatchelfHook ];
        };
      };
    in {
      pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [
        (python-final: python-prev:
          lib.optionalAttrs (python-prev.python.pythonVersion == "3.13") (pythonOverrides python-final python-prev))
      ];
      member = final.python313.pkgs.member;
      scoped = prev.python312.override { self = final.scoped; packageOverrides = pythonOverrides; };
    };
in {
  __functor = self: mkOverlay { };
  override = args: { __functor = self: mkOverlay args; };
}
"#;
    let path = dir.path().join("python-overlay.nix");
    std::fs::write(&path, overlay).unwrap();
    nix_parse(&path).unwrap();
    let index = dir.path().join("index.json");
    std::fs::write(&index, r#"[{"attr":"django","pname":"django","version":"4.2"},{"attr":"django_5","pname":"django","version":"5.2.1"}]"#).unwrap();

    let p = stub_expr("aarch64-linux", Overlay::File(&path), Some(&index));
    let v = nix_eval_json(&format!(
        "let p = {p}; in {{ out = p.member; deps = map (d: d.name) p.member.dependencies; src = p.member.src.name; wheel = p.python313.pkgs.wheelonly.src.url; hooks = map (h: h.name) p.python313.pkgs.wheelonly.nativeBuildInputs; untouched = p.python312.pkgs ? member; scoped = p.scoped.pkgs.member.name; }}"
    ))
    .unwrap();
    assert!(
        v["out"]
            .as_str()
            .unwrap()
            .ends_with("-python3.13-member-0.1.0"),
        "{v}"
    );
    assert_eq!(
        v["deps"],
        json!(["python3.13-django-5.2.1", "python3.13-wheelonly-2.0"])
    );
    assert_eq!(v["src"], json!("source"));
    assert_eq!(
        v["wheel"],
        json!("https://files.example/wheelonly-2.0-py3-none-manylinux_2_17_aarch64.whl")
    );
    assert_eq!(v["hooks"], json!(["python3-3.13.5", "auto-patchelf-hook"]));
    assert_eq!(v["untouched"], json!(false));
    assert_eq!(v["scoped"], json!("python3.12-member-0.1.0"));

    // A system the overlay was not generated for fails with its own message.
    let err = nix_eval_json(&format!(
        "{}.python313.pkgs.wheelonly.outPath",
        stub_expr("x86_64-darwin", Overlay::File(&path), Some(&index))
    ))
    .unwrap_err();
    assert!(
        err.stderr()
            .unwrap_or("")
            .contains("not generated for x86_64-darwin"),
        "{err}"
    );
}

#[test]
fn parse_errors_are_reported_with_stderr() {
    if !have_nix() {
        return;
    }
    nix_parse(&stub_dir().join("default.nix")).unwrap();
    nix_parse(&stub_dir().join("lib.nix")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.nix");
    std::fs::write(&bad, "{ a = ; }").unwrap();
    match nix_parse(&bad) {
        Err(NixError::Failed { stderr, .. }) => {
            assert!(stderr.contains("syntax error"), "{stderr}")
        }
        other => panic!("expected a parse failure, got {other:?}"),
    }
    let err = nix_eval_json("throw \"boom from test\"").unwrap_err();
    assert!(err.to_string().contains("boom from test"), "{err}");
}

/// The benchmark's scale: an overlay of 1,200 built packages (each with dependencies, a fetched
/// src and a build backend) plus overrides of index packages, all outPaths forced.
#[test]
fn twelve_hundred_packages_evaluate() {
    if !have_nix() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let n: usize = 1200;
    let index: Vec<Value> = (0..n)
        .map(|i| json!({ "attr": format!("idx{i}"), "pname": format!("idx{i}"), "version": "1.0" }))
        .collect();
    let index_path = dir.path().join("index.json");
    std::fs::write(&index_path, serde_json::to_string(&index).unwrap()).unwrap();
    let mut body = String::new();
    for i in 0..n {
        let deps: String = (i.saturating_sub(5)..i)
            .map(|j| format!(" pf.p{j}"))
            .collect();
        body.push_str(&format!(
            "p{i} = pf.buildPythonPackage {{ pname = \"p{i}\"; version = \"1.{i}\"; pyproject = true; build-system = [ pf.setuptools ]; src = final.fetchurl {{ url = \"https://files.example/p{i}-1.{i}.tar.gz\"; hash = final.lib.fakeHash; }}; dependencies = [{deps} pf.idx{i} ]; }};\n"
        ));
        if i % 10 == 0 {
            body.push_str(&format!("idx{i} = pp.idx{i}.overridePythonAttrs (old: {{ version = \"2.0\"; src = final.fetchurl {{ url = \"https://files.example/idx{i}-2.0.tar.gz\"; hash = final.lib.fakeHash; }}; }});\n"));
        }
    }
    let overlay = format!("final: prev: {{ pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [ (pf: pp: {{\n{body}}}) ]; }}");
    let path = dir.path().join("overlay.nix");
    std::fs::write(&path, overlay).unwrap();
    let p = stub_expr("x86_64-linux", Overlay::File(&path), Some(&index_path));
    let started = std::time::Instant::now();
    let v = nix_eval_json(&format!(
        "let p = {p}; in map (i: p.python313.pkgs.\"p${{toString i}}\".outPath) (builtins.genList (i: i) {n})"
    ))
    .unwrap();
    eprintln!(
        "evaluated {n} packages in {:?} (wall, including nix start-up)",
        started.elapsed()
    );
    let outs: std::collections::BTreeSet<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(outs.len(), n);
    let idx = nix_eval_json(&format!("{p}.python313.pkgs.idx10.name")).unwrap();
    assert_eq!(idx, json!("python3.13-idx10-2.0"));
}

/// The index nixpkgs-mini's scan gives, as the stub's index: the recipes keep their features,
/// nixpkgs' packages evaluate as they are, and the overrides an older lock2nix wrote fail where a
/// real nixpkgs build would, while fresh derivations of the same versions build.
#[test]
fn a_scanned_index_with_features_drives_the_stub() {
    if !have_nix() {
        return;
    }
    let scanned = index_from_source_tree(fixture("nixpkgs-mini")).unwrap();
    let json = index_json(&scanned);
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), scanned.len());
    let row = |a: &str| rows.iter().find(|r| r["attr"] == a).unwrap().clone();
    assert_eq!(row("cryptography")["features"]["rustVendor"], json!(true));
    assert_eq!(row("psycopg-c")["features"]["familyPassthru"], json!("c"));
    assert_eq!(
        row("opencv4")["features"],
        Value::Null,
        "no recipe read: a plain package"
    );
    assert_eq!(row("httpie")["scope"], json!("top-level"));
    assert_eq!(row("opentelemetry-sdk")["version"], Value::Null);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.json");
    write_index_json(&scanned, &path).unwrap();

    // every nixpkgs package evaluates as it is (but the broken pycrypto; opencv4 is no recipe)
    let pkgs = stub_expr("x86_64-linux", Overlay::None, Some(&path));
    let broken = nix_eval_json(&format!("{pkgs}.python313.pkgs.pycrypto.outPath")).unwrap_err();
    assert!(broken
        .stderr()
        .unwrap_or_default()
        .contains("is marked as broken"));
    let python: Vec<String> = scanned
        .iter()
        .filter(|e| {
            e.scope == lock2nix_nixpkgs::Scope::PythonPackages
                && e.attr != "opencv4"
                && e.broken != Some(true)
        })
        .map(|e| nix_str(&e.attr))
        .collect();
    let v = nix_eval_json(&format!(
        "let p = {pkgs}; in {{ outs = map (a: p.python313.pkgs.${{a}}.outPath) [ {} ]; sdk = p.python313.pkgs.opentelemetry-sdk.version; child = p.python313.pkgs.psycopg-c.version; httpie = p.httpie.version; }}",
        python.join(" ")
    ))
    .unwrap();
    assert_eq!(v["outs"].as_array().unwrap().len(), python.len());
    assert_eq!(v["sdk"], json!("1.29.0"), "the family's version");
    assert_eq!(v["child"], json!("3.2.3"));
    assert_eq!(v["httpie"], json!("3.2.4"));

    // the shape an older lock2nix wrote for a version swap: overridePythonAttrs of version + src
    let swap = |attr: &str, version: &str, extra: &str| {
        format!(
            "final: prev: {{ pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [ (pf: pp: {{ {attr} = pp.{attr}.overridePythonAttrs (old: {{ version = \"{version}\"; src = final.fetchurl {{ url = \"https://files.example/{attr}-{version}.tar.gz\"; hash = final.lib.fakeHash; }}; {extra} }}); }}) ]; }}"
        )
    };
    let fresh = |attr: &str, version: &str| {
        format!(
            "final: prev: {{ pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [ (pf: pp: {{ {attr} = pf.buildPythonPackage {{ pname = \"{attr}\"; version = \"{version}\"; pyproject = true; build-system = [ pf.setuptools ]; src = final.fetchurl {{ url = \"https://files.example/{attr}-{version}.tar.gz\"; hash = final.lib.fakeHash; }}; }}; }}) ]; }}"
        )
    };
    let out = |overlay: &str, attr: &str| {
        nix_eval_json(&format!(
            "{}.python313.pkgs.{attr}.outPath",
            stub_expr("x86_64-linux", Overlay::Expr(overlay), Some(&path))
        ))
    };
    let cases = [
        (
            "cryptography",
            "46.0.1",
            "doCheck = false;",
            "cargoDeps are vendored from the src of nixpkgs' cryptography 45.0.4",
        ),
        (
            "django_5",
            "5.2.8",
            "doCheck = false;",
            "patches written for nixpkgs' django_5 5.1.4",
        ),
        (
            "zope-interface",
            "8.0",
            "",
            "postPatch of nixpkgs' zope-interface 7.2 edits its files in place",
        ),
        (
            "ua-parser-builtins",
            "1.0.2",
            "",
            "ua-parser-builtins 1.0.2 and ua-parser 1.0.1 must have one version",
        ),
        // the scan has no literal version for protobuf ("${major}.${minor}"): the stub's stand-in
        (
            "protobuf",
            "6.31.1",
            "",
            "the recipe of nixpkgs' protobuf 0-unknown asserts at evaluation time",
        ),
        (
            "djangoql",
            "0.18.2",
            "",
            "keeps nixpkgs' tests (a custom check phase",
        ),
        (
            "psycopg",
            "3.2.10",
            "",
            "psycopg-c 3.2.3 and psycopg 3.2.10 must have one version",
        ),
        (
            "setuptools",
            "80.9.1",
            "doCheck = false; patches = [ ];",
            "the overlay replaces setuptools, a build-system bootstrap package",
        ),
    ];
    for (attr, version, extra, expected) in cases {
        let err = out(&swap(attr, version, extra), attr).expect_err(attr);
        let stderr = err.stderr().unwrap_or_default();
        assert!(
            stderr.contains(expected),
            "{attr}: expected {expected:?} in:\n{stderr}"
        );
        // a fresh derivation of the same version is fine (psycopg's child must follow, below)
        if !matches!(attr, "psycopg" | "setuptools" | "ua-parser-builtins") {
            out(&fresh(attr, version), attr).unwrap_or_else(|e| panic!("{attr} fresh: {e}"));
        }
    }
    // requests has nothing that blocks a swap: it builds
    out(&swap("requests", "2.32.5", "doCheck = false;"), "requests").unwrap();
}

/// The committed authentik index (`fixtures/nixpkgs-index/authentik.tsv`) through `index_json`:
/// every package of it evaluates in the stub as nixpkgs has it.
#[test]
fn the_authentik_index_evaluates_in_the_stub() {
    if !have_nix() {
        return;
    }
    let index = Index::read(fixture("nixpkgs-index/authentik.tsv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.json");
    write_index_json(&index, &path).unwrap();
    let pkgs = stub_expr("x86_64-linux", Overlay::None, Some(&path));
    let python: Vec<String> = index
        .iter()
        .filter(|e| e.scope == lock2nix_nixpkgs::Scope::PythonPackages && !e.failed)
        .map(|e| nix_str(&e.attr))
        .collect();
    assert!(python.len() > 170, "{}", python.len());
    let v = nix_eval_json(&format!(
        "let p = {pkgs}; in {{ outs = map (a: p.python313.pkgs.${{a}}.outPath) [ {} ]; top = p.authentik.version; }}",
        python.join(" ")
    ))
    .unwrap();
    let outs: std::collections::BTreeSet<&str> = v["outs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // aliases share a derivation with their target
    assert!(outs.len() > 165, "{}", outs.len());
    assert_eq!(
        v["top"],
        json!(index
            .get_in("authentik", lock2nix_nixpkgs::Scope::TopLevel)
            .unwrap()
            .version
            .clone()
            .unwrap())
    );
}

/// `shared_fixture` finds `$LOCK2NIX_SHARED/fixtures/<rel>` (the tests themselves use the copies
/// in the repository's `fixtures/`, so that a clone runs without `shared/` beside it).
#[test]
fn shared_fixtures_are_found() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("fixtures/authentik")).unwrap();
    std::fs::write(
        dir.path().join("fixtures/authentik/uv.lock"),
        "version = 1\n",
    )
    .unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "shared_fixture_probe",
            "--nocapture",
            "--include-ignored",
        ])
        .env("LOCK2NIX_SHARED", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("probe found fixtures/authentik/uv.lock"),
        "{stdout}"
    );
}

/// Run by `shared_fixtures_are_found` in a child process with `LOCK2NIX_SHARED` set.
#[test]
#[ignore = "run by shared_fixtures_are_found with LOCK2NIX_SHARED set"]
fn shared_fixture_probe() {
    let lock = shared_fixture("authentik/uv.lock");
    assert!(lock.is_file());
    assert!(Path::new(&lock).ends_with("fixtures/authentik/uv.lock"));
    println!("probe found fixtures/authentik/uv.lock");
}

/// The stub's `lib` (written on builtins so that the stub needs nothing outside the repository)
/// against nixpkgs' real `lib` from `shared/nixpkgs-lib` where that is beside the repository:
/// every function the generated overlays and the stub use gives the same results.
#[test]
fn stub_lib_agrees_with_nixpkgs_lib() {
    if !have_nix() {
        return;
    }
    let Some(real) = lock2nix_testkit::shared_root()
        .map(|s| s.join("nixpkgs-lib/lib"))
        .filter(|p| p.join("default.nix").is_file())
    else {
        eprintln!("stub_lib_agrees_with_nixpkgs_lib: skipped (no shared/nixpkgs-lib beside the repository)");
        return;
    };
    let probes = r#"lib: {
      fix = (lib.fix (self: { a = 1; b = self.a + 1; })).b;
      extends = (lib.fix (lib.extends (lib.composeManyExtensions [ (f: p: { a = p.a + 1; }) (f: p: { a = p.a * 10; b = f.a; }) ]) (_: { a = 1; })));
      composeExtensions = (lib.fix (lib.extends (lib.composeExtensions (f: p: { x = [ "one" ]; }) (f: p: { x = p.x ++ [ "two" ]; })) (_: { }))).x;
      override = (((lib.makeOverridable ({ a, b ? 2 }: { s = a + b; })) { a = 1; }).override { b = 5; }).s;
      overrideFn = (((lib.makeOverridable ({ a, b ? 2 }: { s = a + b; })) { a = 1; }).override (old: { b = old.a + 10; })).s;
      majorMinor = map lib.versions.majorMinor [ "3.13.5" "1.2.3.4" ];
      major = lib.versions.major "6.31.1";
      versionOlder = [ (lib.versionOlder "5.29.3" "6.31") (lib.versionOlder "6.31" "5.29.3") (lib.versionAtLeast "5.30.0" "5.29.3") ];
      unique = lib.unique [ 3 1 3 2 1 ];
      attrByPath = [ (lib.attrByPath [ "a" "b" ] 0 { a.b = 7; }) (lib.attrByPath [ "a" "c" ] 0 { a.b = 7; }) ];
      hasAttrByPath = lib.hasAttrByPath [ "a" "b" ] { a.b = null; };
      optionals = [ (lib.optionals true [ 1 ]) (lib.optionals false [ 1 ]) (lib.optional true 2) (lib.optionalString false "x") (lib.optionalAttrs true { a = 1; }) ];
      strings = [ (lib.hasPrefix "ab" "abc") (lib.hasSuffix "bc" "abc") (lib.removePrefix "a" "abc") (lib.removeSuffix ".git" "x.git") ];
      escapeShellArg = map lib.escapeShellArg [ "plain/path-1.0" "it's" "a b" "$x" ];
      concatLines = lib.concatLines [ "a" "b" ];
      genAttrs = lib.genAttrs [ "x" "y" ] (n: n + n);
      filterAttrs = lib.filterAttrs (n: v: v > 1) { a = 1; b = 2; };
      isFunction = [ (lib.isFunction (x: x)) (lib.isFunction { __functor = self: x: x; }) (lib.isFunction { }) ];
      last = lib.last [ 1 2 3 ];
      toList = [ (lib.toList 1) (lib.toList [ 1 ]) ];
      fakeHash = [ lib.fakeHash lib.fakeSha256 lib.fakeSha512 ];
      licenses = [ lib.licenses.mit.spdxId lib.licenses.asl20.spdxId lib.licenses.bsd3.spdxId ];
    }"#;
    let stub = nix_eval_json(&format!(
        "({probes}) (import {})",
        lock2nix_testkit::nix_path(&stub_dir().join("lib.nix"))
    ))
    .unwrap();
    let nixpkgs = nix_eval_json(&format!(
        "({probes}) (import {})",
        lock2nix_testkit::nix_path(&real)
    ))
    .unwrap();
    assert_eq!(stub, nixpkgs);
    assert_eq!(stub["extends"], json!({ "a": 20, "b": 20 }));
}
