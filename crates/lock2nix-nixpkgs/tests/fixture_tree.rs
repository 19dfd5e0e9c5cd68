//! The static scan and the Nix-evaluated index of fixtures/nixpkgs-mini agree.
mod common;

use lock2nix_nixpkgs::{
    index_from_nix, index_from_nix_with, index_from_source_tree, Index, IndexSource,
    NixEvalOptions, PythonVersion, Scope,
};

const PY313: PythonVersion = PythonVersion::new(3, 13);

fn scanned() -> Index {
    index_from_source_tree(common::mini()).expect("scan")
}

#[test]
fn scan_finds_literals_expressions_aliases_and_by_name_apps() {
    let s = scanned();
    assert_eq!(s.meta.source, IndexSource::Scan);
    let attrs: Vec<&str> = s.iter().map(|e| e.attr.as_str()).collect();
    assert_eq!(
        attrs,
        [
            "attrs",
            "automat",
            "cffi",
            "concurrent-interpreters",
            "cryptography",
            "django",
            "django_4",
            "django_5",
            "djangoql",
            "httpie",
            "multidict",
            "opencv4",
            "opentelemetry-api",
            "opentelemetry-sdk",
            "opentelemetry-semantic-conventions",
            "orjson",
            "protobuf",
            "psycopg",
            "psycopg-c",
            "psycopg-pool",
            "pycrypto",
            "pycuda",
            "pydantic-core",
            "pyjwt",
            "requests",
            "setuptools",
            "tensorboard-data-server",
            "typing-extensions",
            "typing_extensions",
            "ua-parser",
            "ua-parser-builtins",
            "zope-interface",
        ]
    );
    let e = |a: &str| s.get(a).unwrap_or_else(|| panic!("{a}"));
    assert_eq!(
        (e("automat").pname.as_str(), e("automat").version.as_deref()),
        ("Automat", Some("25.4.16"))
    );
    assert_eq!(e("pyjwt").pname, "PyJWT");
    assert_eq!(e("attrs").version.as_deref(), Some("24.3.0")); // finalAttrs form
    assert_eq!(e("psycopg").version.as_deref(), Some("3.2.3")); // inherit from a literal let
                                                                // alias resolved to its target's literal values
    assert_eq!(e("django").version.as_deref(), Some("5.1.4"));
    assert!(e("django")
        .note
        .as_deref()
        .unwrap()
        .contains("alias of django_5"));
    assert_eq!(e("typing_extensions").version.as_deref(), Some("4.12.2"));
    // expressions are reported, never guessed
    assert_eq!(e("protobuf").version, None);
    assert_eq!(
        e("protobuf").version_expr.as_deref(),
        Some("\"${major}.${minor}\"")
    );
    assert_eq!(
        e("opentelemetry-sdk").version_expr.as_deref(),
        Some("inherit (opentelemetry-api) version")
    );
    // a passthru child is read from its parent's recipe (its version is a literal `let` there)
    assert_eq!(e("psycopg-c").version.as_deref(), Some("3.2.3"));
    assert!(e("psycopg-c")
        .note
        .as_deref()
        .unwrap()
        .contains("passthru child of psycopg (defined as `psycopg.c`)"));
    assert!(e("opencv4")
        .note
        .as_deref()
        .unwrap()
        .contains("toPythonModule"));
    // broken / disabled
    assert_eq!(e("pycrypto").broken, Some(true));
    assert_eq!(e("requests").broken, Some(false));
    assert_eq!(e("concurrent-interpreters").disabled, None);
    assert!(e("concurrent-interpreters")
        .note
        .as_deref()
        .unwrap()
        .contains("pythonOlder \"3.14\""));
    // by-name python app is top-level; the non-Python by-name package is not listed
    let h = s.get_in("httpie", Scope::TopLevel).unwrap();
    assert_eq!(h.version.as_deref(), Some("3.2.4"));
    assert!(s.get("hello").is_none());
    // throwing aliases (python-aliases.nix) are not part of python-packages.nix
    assert!(s.get("pytorch").is_none());
}

#[test]
fn scan_is_deterministic() {
    assert_eq!(scanned().to_tsv(), scanned().to_tsv());
}

#[test]
fn scan_and_evaluation_agree() {
    if !common::nix_available("scan_and_evaluation_agree") {
        return;
    }
    let s = scanned();
    let ev = index_from_nix(common::mini().to_str().unwrap(), PY313).expect("nix evaluation");
    assert_eq!(ev.meta.source, IndexSource::Eval);
    assert_eq!(ev.meta.python, Some(PY313));
    assert_eq!(
        ev.meta.nixpkgs.as_deref(),
        Some("version-25.11pre-nixpkgs-mini")
    );

    // The throwing attribute is recorded as failed, not fatal; throwing aliases are skipped.
    let pycuda = ev.get("pycuda").unwrap();
    assert!(pycuda.failed && pycuda.version.is_none());
    assert!(ev.get("pytorch").is_none());
    assert!(ev.get("PyJWT").is_none(), "aliases are off");
    // Non-derivations and non-modules are skipped.
    for skipped in [
        "pkgs",
        "python",
        "callPackage",
        "buildPythonPackage",
        "pythonImportsCheckHook",
        "lib",
    ] {
        assert!(ev.get(skipped).is_none(), "{skipped}");
    }

    let mut compared = 0;
    let mut non_literal = 0;
    for se in s.iter().filter(|e| e.scope == Scope::PythonPackages) {
        let ee = ev
            .get_in(&se.attr, Scope::PythonPackages)
            .unwrap_or_else(|| panic!("{} not evaluated", se.attr));
        if ee.failed {
            continue;
        }
        match &se.version {
            Some(v) => {
                assert_eq!(ee.version.as_ref(), Some(v), "{}", se.attr);
                assert_eq!(ee.pname, se.pname, "{}", se.attr);
                if let Some(b) = se.broken {
                    assert_eq!(ee.broken, Some(b), "{}", se.attr);
                }
                if let Some(d) = se.disabled {
                    assert_eq!(ee.disabled, Some(d), "{}", se.attr);
                }
                compared += 1;
            }
            None => {
                // the scanner says non-literal; the evaluator has the real value
                assert!(ee.version.is_some(), "{}", se.attr);
                non_literal += 1;
            }
        }
    }
    assert_eq!(compared, 26); // 31 Python attributes but 4 non-literal and pycuda (throws)
    assert_eq!(non_literal, 4); // protobuf, opentelemetry-sdk, ua-parser-builtins, opencv4
    assert_eq!(
        ev.get("protobuf").unwrap().version.as_deref(),
        Some("5.29.3")
    );
    assert_eq!(
        ev.get("opentelemetry-sdk").unwrap().version.as_deref(),
        Some("1.29.0")
    );
    // every evaluated attribute is known to the scanner too
    for ee in ev.iter() {
        assert!(
            s.get_in(&ee.attr, Scope::PythonPackages).is_some(),
            "{}",
            ee.attr
        );
    }
    // disabled for 3.13 (pythonOlder "3.14"), enabled for 3.14
    assert_eq!(
        ev.get("concurrent-interpreters").unwrap().disabled,
        Some(true)
    );
    let ev314 =
        index_from_nix(common::mini().to_str().unwrap(), PythonVersion::new(3, 14)).unwrap();
    assert_eq!(
        ev314.get("concurrent-interpreters").unwrap().disabled,
        Some(false)
    );
}

/// Both builders read the same recipe features from nixpkgs-mini: wherever the scan knows a
/// feature, the evaluation sees the same; every feature is `true` for some recipe and `false`
/// for another, so the comparison cannot pass by comparing unknowns.
#[test]
fn scan_and_evaluation_agree_on_recipe_features() {
    if !common::nix_available("scan_and_evaluation_agree_on_recipe_features") {
        return;
    }
    let s = scanned();
    let ev = index_from_nix(common::mini().to_str().unwrap(), PY313).expect("nix evaluation");
    let last = |v: &Vec<String>| -> Vec<String> {
        let mut out: Vec<String> = v
            .iter()
            .map(|x| x.rsplit('.').next().unwrap_or(x).to_string())
            .collect();
        out.sort();
        out
    };
    // feature name -> (values seen true, values seen false)
    let mut seen: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    let mut note = |name: &'static str, v: bool| {
        let e = seen.entry(name).or_default();
        if v {
            e.0 += 1
        } else {
            e.1 += 1
        }
    };
    let mut compared = 0;
    for se in s.iter().filter(|e| e.scope == Scope::PythonPackages) {
        let ee = ev.get_in(&se.attr, Scope::PythonPackages).unwrap();
        if ee.failed || !se.features.known() {
            continue;
        }
        compared += 1;
        let (sf, ef) = (&se.features, &ee.features);
        assert!(ef.known(), "{}: the evaluation read no features", se.attr);
        assert_eq!(sf.src_fetcher, ef.src_fetcher, "{}: src_fetcher", se.attr);
        let bools = [
            ("rust_vendor", sf.rust_vendor, ef.rust_vendor),
            ("patches", sf.patches, ef.patches),
            ("source_root", sf.source_root, ef.source_root),
            ("substitutions", sf.substitutions, ef.substitutions),
            ("custom_check", sf.custom_check, ef.custom_check),
            ("runs_tests", sf.runs_tests, ef.runs_tests),
            ("eval_assert", sf.eval_assert, ef.eval_assert),
        ];
        for (name, sv, evv) in bools {
            if let Some(v) = sv {
                assert_eq!(Some(v), evv, "{}: {name}", se.attr);
                note(name, v);
            }
        }
        assert_eq!(sf.family, ef.family, "{}: family", se.attr);
        assert_eq!(
            sf.family_passthru, ef.family_passthru,
            "{}: family_passthru",
            se.attr
        );
        note("family", sf.family.is_some());
        assert_eq!(sf.format, ef.format, "{}: format", se.attr);
        for (name, sl, el) in [
            (
                "native_build_inputs",
                &sf.native_build_inputs,
                &ef.native_build_inputs,
            ),
            ("build_inputs", &sf.build_inputs, &ef.build_inputs),
        ] {
            let (Some(sl), Some(el)) = (sl, el) else {
                panic!("{}: {name} unknown", se.attr);
            };
            assert_eq!(last(sl), *el, "{}: {name}", se.attr);
            note(name, !sl.is_empty());
        }
    }
    assert_eq!(compared, 29); // all 31 Python attributes but opencv4 (not a recipe) and pycuda (throws)
    for (name, (t, f)) in &seen {
        assert!(
            *t > 0 && *f > 0,
            "{name}: {t} true, {f} false: not exercised both ways"
        );
    }
    assert_eq!(seen.len(), 10);
    let e = |a: &str| s.get(a).unwrap().features.clone();
    // what the recipes exhibit, by name
    assert_eq!(e("psycopg-c").family.as_deref(), Some("psycopg"));
    assert_eq!(e("psycopg-pool").family.as_deref(), Some("psycopg"));
    assert_eq!(e("psycopg-pool").family_passthru.as_deref(), Some("pool"));
    assert_eq!(e("opentelemetry-sdk").family_passthru, None);
    assert_eq!(
        e("opentelemetry-sdk").family.as_deref(),
        Some("opentelemetry-api")
    );
    assert_eq!(
        e("opentelemetry-semantic-conventions").family.as_deref(),
        Some("opentelemetry-api")
    );
    assert_eq!(e("ua-parser-builtins").family.as_deref(), Some("ua-parser"));
    assert_eq!(e("protobuf").eval_assert, Some(true));
    assert_eq!(e("djangoql").custom_check, Some(true));
    assert_eq!(
        e("tensorboard-data-server").format,
        Some(lock2nix_nixpkgs::RecipeFormat::Wheel)
    );
    for rust in ["cryptography", "orjson", "pydantic-core"] {
        assert_eq!(e(rust).rust_vendor, Some(true), "{rust}");
    }
    // cffi's source edit is Darwin-only: the scan does not know, the evaluation (Linux) says no
    assert_eq!(e("cffi").substitutions, None);
    assert_eq!(ev.get("cffi").unwrap().features.substitutions, Some(false));
    // the evaluation's families agree for aliases too: django is django_5, no family
    assert_eq!(ev.get("django").unwrap().features.family, None);
    // what a swap would be blocked by
    use lock2nix_nixpkgs::SwapBlocker;
    assert_eq!(ev.get("requests").unwrap().features.swap_blockers(), vec![]);
    assert_eq!(
        ev.get("protobuf").unwrap().features.swap_blockers(),
        vec![SwapBlocker::EvalAssert]
    );
}

#[test]
fn check_out_path_detects_disabled_without_attribute() {
    if !common::nix_available("check_out_path_detects_disabled_without_attribute") {
        return;
    }
    let opts = NixEvalOptions {
        check_out_path: true,
        ..NixEvalOptions::default()
    };
    let ev = index_from_nix_with(common::mini().to_str().unwrap(), PY313, &opts).unwrap();
    // opencv4 comes from stdenv.mkDerivation: no `disabled` attribute, outPath evaluates
    assert_eq!(ev.get("opencv4").unwrap().disabled, Some(false));
    let ev = index_from_nix(common::mini().to_str().unwrap(), PY313).unwrap();
    assert_eq!(ev.get("opencv4").unwrap().disabled, None);
}

#[test]
fn the_assert_probe_can_be_switched_off() {
    if !common::nix_available("the_assert_probe_can_be_switched_off") {
        return;
    }
    let opts = NixEvalOptions {
        skip_assert_probe: true,
        ..NixEvalOptions::default()
    };
    let ev = index_from_nix_with(common::mini().to_str().unwrap(), PY313, &opts).unwrap();
    assert!(ev.iter().all(|e| e.features.eval_assert.is_none()));
    // the rest is read as before
    let protobuf = &ev.get("protobuf").unwrap().features;
    assert_eq!(
        protobuf.src_fetcher,
        Some(lock2nix_nixpkgs::SrcFetcher::FetchPypi)
    );
    assert_eq!(
        protobuf.swap_blockers(),
        vec![lock2nix_nixpkgs::SwapBlocker::Unknown("asserts")]
    );
}

#[test]
fn evaluation_errors_are_reported() {
    if !common::nix_available("evaluation_errors_are_reported") {
        return;
    }
    let err =
        index_from_nix(common::mini().to_str().unwrap(), PythonVersion::new(3, 9)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("nix-instantiate") && msg.contains("python39"),
        "{msg}"
    );
    let err = index_from_nix("/nonexistent/nixpkgs", PY313).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/nixpkgs"), "{err}");
}

#[test]
fn evaluated_index_round_trips() {
    if !common::nix_available("evaluated_index_round_trips") {
        return;
    }
    let ev = index_from_nix(common::mini().to_str().unwrap(), PY313).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("eval.tsv");
    ev.write(&p).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.starts_with(
        "# lock2nix-index v2 python=3.13 nixpkgs=version-25.11pre-nixpkgs-mini source=eval\n"
    ));
    let back = Index::read(&p).unwrap();
    assert_eq!(back, ev);
    assert_eq!(back.to_tsv(), text);
}

#[test]
fn not_a_nixpkgs_tree() {
    let dir = tempfile::tempdir().unwrap();
    let err = index_from_source_tree(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("python-packages.nix") && err.contains("nixpkgs source tree"),
        "{err}"
    );
}

#[test]
fn recipe_parse_errors_are_notes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("pkgs/top-level")).unwrap();
    std::fs::create_dir_all(root.join("pkgs/development/python-modules/good")).unwrap();
    std::fs::create_dir_all(root.join("pkgs/development/python-modules/bad")).unwrap();
    std::fs::write(
        root.join("pkgs/top-level/python-packages.nix"),
        "self: super: with self; {\n  good = callPackage ../development/python-modules/good { };\n  bad = callPackage ../development/python-modules/bad { };\n  gone = callPackage ../development/python-modules/gone { };\n  old = throw \"removed\";\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("pkgs/development/python-modules/good/default.nix"),
        "{ buildPythonPackage }: buildPythonPackage { pname = \"good\"; version = \"1.0\"; }",
    )
    .unwrap();
    std::fs::write(
        root.join("pkgs/development/python-modules/bad/default.nix"),
        "{ buildPythonPackage }:\nbuildPythonPackage {\n  pname = \"bad\";\n  version = \"1.0\"\n}\n",
    )
    .unwrap();
    let idx = index_from_source_tree(root).unwrap();
    assert_eq!(idx.get("good").unwrap().version.as_deref(), Some("1.0"));
    let bad = idx.get("bad").unwrap();
    assert_eq!(bad.version, None);
    let note = bad.note.as_deref().unwrap();
    assert!(
        note.starts_with("parse error in ") && note.contains("bad/default.nix:"),
        "{note}"
    );
    assert!(idx
        .get("gone")
        .unwrap()
        .note
        .as_deref()
        .unwrap()
        .contains("not found"));
    assert!(idx.get("old").is_none());
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
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

#[test]
fn flake_reference_is_evaluated_with_nix_eval() {
    if !common::nix_available("flake_reference_is_evaluated_with_nix_eval") {
        return;
    }
    // a local `path:` flake works offline (github: needs network, which the build machines lack)
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("nixpkgs");
    copy_dir(&common::mini(), &tree);
    std::fs::write(tree.join("flake.nix"), "{ outputs = { self }: { }; }\n").unwrap();
    let via_flake = index_from_nix(&format!("path:{}", tree.display()), PY313).expect("nix eval");
    let via_path = index_from_nix(common::mini().to_str().unwrap(), PY313).unwrap();
    assert_eq!(via_flake.to_tsv(), via_path.to_tsv());
    let err = index_from_nix(&format!("path:{}/absent", tree.display()), PY313).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("`nix --extra-experimental-features"),
        "{err}"
    );
}
