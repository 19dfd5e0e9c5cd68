//! Each rule of the plan on a small lock made for it: the version-swap strategies, the
//! build-system bootstrap set, the family rule, `compatible` with and without prefetched
//! metadata, Rust sdists, and what is left to the renderer.

use std::path::Path;

use lock2nix_lock::parse_lock;
use lock2nix_nixpkgs::{
    Entry, Index, IndexMeta, IndexSource, RecipeFeatures, RecipeFormat, Scope, SrcFetcher,
};
use lock2nix_plan::{
    plan, Action, CargoDeps, Customization, Facts, Format, Missing, Note, Plan, PlanInputs,
    PlannedPackage, Policy, Recipe, SdistFact, Src,
};
use lock2nix_resolve::{resolve, PythonVersion, Target};
use lock2nix_wheel::System;

fn hash(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

/// A registry package with a pure wheel and an sdist (hashes `w` and `s`), and dependencies.
fn pkg(name: &str, version: &str, w: char, s: char, deps: &[&str]) -> String {
    let deps: String = deps
        .iter()
        .map(|d| format!("    {{ name = \"{d}\" }},\n"))
        .collect();
    format!(
        r#"[[package]]
name = "{name}"
version = "{version}"
source = {{ registry = "https://pypi.org/simple" }}
dependencies = [
{deps}]
sdist = {{ url = "https://files.example/{name}-{version}.tar.gz", hash = "{sh}" }}
wheels = [{{ url = "https://files.example/{under}-{version}-py3-none-any.whl", hash = "{wh}" }}]

"#,
        under = name.replace('-', "_"),
        sh = hash(s),
        wh = hash(w),
    )
}

/// A lock whose virtual root `app` depends on `roots`, with `packages`.
fn lock_text(roots: &[&str], packages: &[String]) -> String {
    let deps: String = roots
        .iter()
        .map(|d| format!("    {{ name = \"{d}\" }},\n"))
        .collect();
    format!(
        "version = 1\nrevision = 3\nrequires-python = \">=3.12\"\n\n[[package]]\nname = \"app\"\nversion = \"1.0\"\nsource = {{ virtual = \".\" }}\ndependencies = [\n{deps}]\n\n[package.metadata]\nrequires-dist = [{}]\n\n{}",
        roots
            .iter()
            .map(|r| format!("{{ name = \"{r}\" }}"))
            .collect::<Vec<_>>()
            .join(", "),
        packages.concat()
    )
}

fn safe() -> RecipeFeatures {
    RecipeFeatures {
        src_fetcher: Some(SrcFetcher::FetchPypi),
        rust_vendor: Some(false),
        patches: Some(false),
        source_root: Some(false),
        substitutions: Some(false),
        custom_check: Some(false),
        eval_assert: Some(false),
        family: None,
        family_passthru: None,
        runs_tests: Some(true),
        format: Some(RecipeFormat::Pyproject),
        native_build_inputs: Some(vec![
            "pkg-config".into(),
            "rustPlatform.cargoSetupHook".into(),
        ]),
        build_inputs: Some(vec!["openssl".into()]),
    }
}

fn entry(attr: &str, version: &str, features: RecipeFeatures) -> Entry {
    let mut e = Entry::new(attr, attr, Some(version.to_string()));
    e.features = features;
    e
}

fn index(entries: Vec<Entry>) -> Index {
    let mut i = Index::new(IndexMeta::new(IndexSource::Tsv));
    for e in entries {
        i.insert(e);
    }
    i
}

fn run(text: &str, inputs: &PlanInputs<'_>) -> Plan {
    let lock = parse_lock(text, Path::new("uv.lock")).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let res = resolve(
        &lock,
        &Target::new(System::X86_64Linux, PythonVersion::new(3, 12)),
    )
    .unwrap();
    plan(&lock, &res, inputs)
}

fn get<'a>(p: &'a Plan, name: &str) -> &'a PlannedPackage {
    p.packages
        .iter()
        .find(|x| x.name.as_ref() == name)
        .unwrap_or_else(|| panic!("{name} not planned"))
}

#[test]
fn a_swap_keeps_nixpkgs_recipe_only_when_it_is_known_to_survive() {
    let text = lock_text(&["foo"], &[pkg("foo", "2.0", 'a', 'b', &[])]);
    // known and safe: nixpkgs' recipe with the lock's sdist
    let idx = index(vec![entry("foo", "1.0", safe())]);
    let inputs = PlanInputs {
        index: Some(&idx),
        policy: Policy::Exact,
        ..PlanInputs::default()
    };
    let p = run(&text, &inputs);
    let foo = get(&p, "foo");
    assert_eq!(foo.action, Action::Override);
    let Recipe::Swap {
        src, nixpkgs_attr, ..
    } = &foo.recipe
    else {
        panic!("{:?}", foo.recipe)
    };
    assert_eq!(nixpkgs_attr, "foo");
    assert_eq!(src.describe(), "https://files.example/foo-2.0.tar.gz");
    // each blocker alone makes it a fresh derivation from the lock's wheel
    let blocked: Vec<(&str, RecipeFeatures)> = vec![
        (
            "Rust",
            RecipeFeatures {
                rust_vendor: Some(true),
                ..safe()
            },
        ),
        (
            "patches",
            RecipeFeatures {
                patches: Some(true),
                ..safe()
            },
        ),
        (
            "sourceRoot",
            RecipeFeatures {
                source_root: Some(true),
                ..safe()
            },
        ),
        (
            "edits",
            RecipeFeatures {
                substitutions: Some(true),
                ..safe()
            },
        ),
        (
            "check",
            RecipeFeatures {
                custom_check: Some(true),
                ..safe()
            },
        ),
        (
            "assert",
            RecipeFeatures {
                eval_assert: Some(true),
                ..safe()
            },
        ),
        (
            "github",
            RecipeFeatures {
                src_fetcher: Some(SrcFetcher::FetchFromGitHub),
                ..safe()
            },
        ),
        (
            "wheel recipe",
            RecipeFeatures {
                format: Some(RecipeFormat::Wheel),
                ..safe()
            },
        ),
        ("unknown", RecipeFeatures::default()),
    ];
    for (what, f) in blocked {
        let idx = index(vec![entry("foo", "1.0", f)]);
        let inputs = PlanInputs {
            index: Some(&idx),
            policy: Policy::Exact,
            ..PlanInputs::default()
        };
        let p = run(&text, &inputs);
        let foo = get(&p, "foo");
        assert_eq!(foo.action, Action::Build, "{what}");
        assert_eq!(
            foo.swap_strategy(),
            Some("fresh from the lock's wheel"),
            "{what}"
        );
        let Recipe::Fresh(f) = &foo.recipe else {
            panic!("{what}: {:?}", foo.recipe)
        };
        assert_eq!(f.format, Format::Wheel, "{what}");
        assert!(
            foo.reason.contains("nixpkgs has foo 1.0"),
            "{what}: {}",
            foo.reason
        );
    }
    // with no sdist to swap in, the lock's wheel is built fresh (never dropped into the recipe)
    let wheel_only = text.replace(
        "sdist = { url = \"https://files.example/foo-2.0.tar.gz\", hash = \"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\" }\n",
        "",
    );
    assert_ne!(wheel_only, text);
    let idx = index(vec![entry("foo", "1.0", safe())]);
    let inputs = PlanInputs {
        index: Some(&idx),
        policy: Policy::Exact,
        ..PlanInputs::default()
    };
    let foo_plan = run(&wheel_only, &inputs);
    let foo = get(&foo_plan, "foo");
    assert_eq!(foo.action, Action::Build);
    assert!(foo.reason.contains("no sdist"), "{}", foo.reason);
}

#[test]
fn a_fresh_sdist_build_carries_nixpkgs_native_inputs_and_vendors_rust() {
    let text = lock_text(&["rusty"], &[pkg("rusty", "2.0", 'a', 'b', &[])]);
    let mut idx = index(vec![entry(
        "rusty",
        "1.0",
        RecipeFeatures {
            rust_vendor: Some(true),
            ..safe()
        },
    )]);
    let mut target = Target::new(System::X86_64Linux, PythonVersion::new(3, 12));
    target.no_binary.all = true;
    let lock = parse_lock(&text, Path::new("uv.lock")).unwrap();
    let res = resolve(&lock, &target).unwrap();
    let mut facts = Facts::default();
    facts.sdist.insert(
        "b".repeat(64),
        SdistFact {
            build_requires: vec!["maturin>=1.5,<2".into()],
            build_backend: "maturin".into(),
            requires_dist: None,
            cargo_lock: Some(lock2nix_plan::CargoLockFact {
                path: "cargo-locks/rusty-2.0.lock".into(),
                root: None,
                unsupported: vec![],
            }),
        },
    );
    let inputs = PlanInputs {
        index: Some(&idx),
        policy: Policy::Exact,
        facts: facts.clone(),
        ..PlanInputs::default()
    };
    let p = plan(&lock, &res, &inputs);
    let r = get(&p, "rusty");
    let Recipe::Fresh(f) = &r.recipe else {
        panic!("{:?}", r.recipe)
    };
    assert_eq!(
        f.format,
        Format::Pyproject {
            build_system: vec!["maturin".into()],
            origin: lock2nix_plan::BuildSystemOrigin::Prefetched,
            subdirectory: None
        }
    );
    assert_eq!(
        f.cargo,
        Some(CargoDeps::Lock {
            path: "cargo-locks/rusty-2.0.lock".into(),
            root: None
        })
    );
    assert_eq!(f.carry_build_inputs_from.as_deref(), Some("rusty"));
    // pkg-config is carried; nixpkgs' own cargo hook is replaced by ours
    assert_eq!(
        f.native_build_inputs,
        [
            "pkg-config",
            "rustPlatform.cargoSetupHook",
            "cargo",
            "rustc"
        ]
    );
    assert_eq!(
        r.swap_strategy(),
        Some("fresh from the lock's sdist (Rust, vendored from its Cargo.lock)")
    );
    assert!(p.missing().is_empty());
    // without the extracted Cargo.lock the plan says what is missing
    facts.sdist.values_mut().for_each(|s| s.cargo_lock = None);
    let inputs = PlanInputs {
        index: Some(&idx),
        policy: Policy::Exact,
        facts,
        ..PlanInputs::default()
    };
    let p = plan(&lock, &res, &inputs);
    assert_eq!(
        p.missing(),
        vec![Missing::CargoLock {
            package: "rusty".into(),
            version: "2.0".into()
        }]
    );
    // a broken nixpkgs package is never reused
    let mut broken = idx.get("rusty").unwrap().clone();
    broken.broken = Some(true);
    broken.version = Some("2.0".into());
    idx.insert(broken);
    let inputs = PlanInputs {
        index: Some(&idx),
        ..PlanInputs::default()
    };
    let p = plan(&lock, &res, &inputs);
    assert_eq!(get(&p, "rusty").action, Action::Build);
    assert!(get(&p, "rusty").reason.contains("is marked broken"));
}

#[test]
fn bootstrap_packages_stay_nixpkgs_unless_configured() {
    let text = lock_text(
        &["setuptools", "needs-new"],
        &[
            pkg("setuptools", "80.9.0", 'a', 'b', &[]),
            pkg("needs-new", "1.0", 'c', 'd', &["setuptools"]),
        ],
    );
    // no index at all: still nixpkgs' setuptools
    let p = run(&text, &PlanInputs::default());
    let st = get(&p, "setuptools");
    assert_eq!(st.action, Action::Reuse);
    assert_eq!(st.recipe, Recipe::Untouched);
    assert!(st.reason.contains("bootstrap"), "{}", st.reason);
    // nixpkgs' version excluded by a dependent: reported (the dependent's metadata is prefetched)
    let idx = index(vec![entry("setuptools", "75.0.0", safe())]);
    let mut facts = Facts::default();
    facts
        .wheel_requires
        .insert("c".repeat(64), vec!["setuptools>=80".into()]);
    let inputs = PlanInputs {
        index: Some(&idx),
        facts,
        ..PlanInputs::default()
    };
    let p = run(&text, &inputs);
    assert_eq!(get(&p, "setuptools").action, Action::Reuse);
    assert_eq!(
        p.notes,
        vec![Note::BootstrapMismatch {
            package: "setuptools".into(),
            nixpkgs_version: "75.0.0".into(),
            requirement: "needs-new requires >=80".into()
        }]
    );
    let note = p.notes[0].to_string();
    assert!(
        note.contains("[packages.setuptools] policy = \"exact\""),
        "{note}"
    );
    // asked for in the configuration: the lock's version
    let mut inputs = PlanInputs {
        index: Some(&idx),
        ..PlanInputs::default()
    };
    inputs
        .package_policy
        .insert("setuptools".parse().unwrap(), Policy::Exact);
    let p = run(&text, &inputs);
    assert_eq!(get(&p, "setuptools").action, Action::Override);
}

#[test]
fn compatible_uses_every_dependent_s_requirement_and_falls_back_to_exact() {
    // app (the lock's metadata: any version) and lib-a (a registry package) depend on shared
    let text = lock_text(
        &["shared", "lib-a"],
        &[
            pkg("shared", "2.1", 'a', 'b', &[]),
            pkg("lib-a", "1.0", 'c', 'd', &["shared"]),
        ],
    );
    let idx = index(vec![entry("shared", "2.0", safe())]);
    // without lib-a's metadata the edge counts as exact
    let inputs = PlanInputs {
        index: Some(&idx),
        ..PlanInputs::default()
    };
    assert_eq!(inputs.policy, Policy::Compatible, "the default");
    let p = run(&text, &inputs);
    let s = get(&p, "shared");
    assert_eq!(s.action, Action::Override);
    assert!(s.reason.contains("requirements of lib-a"), "{}", s.reason);
    // lib-a accepts 2.0: reused
    for (req, reused) in [
        ("shared>=2", true),
        ("shared>=2.1", false),
        ("shared>=3 ; sys_platform == 'win32'", true),
        ("shared", true),
    ] {
        let mut facts = Facts::default();
        facts
            .wheel_requires
            .insert("c".repeat(64), vec![req.into(), "unrelated>=1".into()]);
        let inputs = PlanInputs {
            index: Some(&idx),
            facts,
            ..PlanInputs::default()
        };
        let p = run(&text, &inputs);
        let s = get(&p, "shared");
        assert_eq!(s.action == Action::Reuse, reused, "{req}: {}", s.reason);
        if !reused {
            assert!(s.reason.contains("lib-a requires >=2.1"), "{}", s.reason);
        }
    }
}

#[test]
fn families_are_swapped_together() {
    let text = lock_text(
        &["psycopg", "psycopg-c"],
        &[
            pkg("psycopg", "3.2.9", 'a', 'b', &[]),
            pkg("psycopg-c", "3.2.9", 'c', 'd', &[]),
        ],
    );
    let child = RecipeFeatures {
        family: Some("psycopg".into()),
        ..safe()
    };
    // nixpkgs has the lock's version of both: both reused
    let same = index(vec![
        entry("psycopg", "3.2.9", safe()),
        entry("psycopg-c", "3.2.9", child.clone()),
    ]);
    let inputs = PlanInputs {
        index: Some(&same),
        ..PlanInputs::default()
    };
    let p = run(&text, &inputs);
    assert_eq!(get(&p, "psycopg").action, Action::Reuse);
    assert_eq!(get(&p, "psycopg-c").action, Action::Reuse);
    // the parent differs (its recipe alone would be overridden): both become fresh derivations
    let other = index(vec![
        entry("psycopg", "3.2.1", safe()),
        entry("psycopg-c", "3.2.9", child),
    ]);
    let inputs = PlanInputs {
        index: Some(&other),
        policy: Policy::Exact,
        ..PlanInputs::default()
    };
    let p = run(&text, &inputs);
    for n in ["psycopg", "psycopg-c"] {
        let x = get(&p, n);
        assert_eq!(x.action, Action::Build, "{n}: {}", x.reason);
        assert!(x.reason.contains("swapped together"), "{n}: {}", x.reason);
        assert!(matches!(x.recipe, Recipe::Fresh(_)), "{n}");
    }
}

/// A prefetched build requirement whose marker does not hold on the target is no build input
/// (psycopg-c's `tomli >= 2.0.1; python_version < '3.11'` on CPython 3.12).
#[test]
fn build_requirements_follow_their_markers() {
    let text = lock_text(&["cext"], &[pkg("cext", "1.0", 'a', 'b', &[])]);
    let mut target = Target::new(System::X86_64Linux, PythonVersion::new(3, 12));
    target.no_binary.all = true;
    let lock = parse_lock(&text, Path::new("uv.lock")).unwrap();
    let res = resolve(&lock, &target).unwrap();
    let mut facts = Facts::default();
    facts.sdist.insert(
        "b".repeat(64),
        SdistFact {
            build_requires: vec![
                "setuptools >= 49.2.0".into(),
                "wheel >= 0.37".into(),
                "tomli >= 2.0.1; python_version < '3.11'".into(),
                "cython >= 3.0; python_version >= '3.11'".into(),
            ],
            build_backend: "setuptools.build_meta".into(),
            requires_dist: None,
            cargo_lock: None,
        },
    );
    let inputs = PlanInputs {
        facts,
        ..PlanInputs::default()
    };
    let p = plan(&lock, &res, &inputs);
    let r = get(&p, "cext");
    let Recipe::Fresh(f) = &r.recipe else {
        panic!("{:?}", r.recipe)
    };
    let Format::Pyproject { build_system, .. } = &f.format else {
        panic!("{:?}", f.format)
    };
    assert_eq!(build_system, &["cython", "setuptools"]);
}

/// A passthru child built fresh takes nixpkgs' native inputs from the parent's passthru in the
/// set before the overlay (`python-prev.psycopg.c`): nixpkgs' `psycopg-c = psycopg.c` is read
/// from the final set, where the overlay's fresh `psycopg` has no `c`.
#[test]
fn a_fresh_passthru_child_carries_inputs_from_the_parents_passthru() {
    let text = lock_text(
        &["psycopg", "psycopg-c", "psycopg-pool"],
        &[
            pkg("psycopg", "3.2.9", 'a', 'b', &[]),
            pkg("psycopg-c", "3.2.9", 'c', 'd', &[]),
            pkg("psycopg-pool", "3.3.0", 'e', 'f', &[]),
        ],
    );
    let child = |name: &str| RecipeFeatures {
        family: Some("psycopg".into()),
        family_passthru: Some(name.into()),
        ..safe()
    };
    let idx = index(vec![
        entry("psycopg", "3.1.3", safe()),
        entry("psycopg-c", "3.1.3", child("c")),
        entry("psycopg-pool", "3.1.3", child("pool")),
    ]);
    let mut target = Target::new(System::X86_64Linux, PythonVersion::new(3, 12));
    target.no_binary.all = true;
    let lock = parse_lock(&text, Path::new("uv.lock")).unwrap();
    let res = resolve(&lock, &target).unwrap();
    let inputs = PlanInputs {
        index: Some(&idx),
        policy: Policy::Exact,
        ..PlanInputs::default()
    };
    let p = plan(&lock, &res, &inputs);
    for (name, carried) in [
        ("psycopg", "psycopg"),
        ("psycopg-c", "psycopg.c"),
        ("psycopg-pool", "psycopg.pool"),
    ] {
        let x = get(&p, name);
        let Recipe::Fresh(f) = &x.recipe else {
            panic!("{name}: {:?}", x.recipe)
        };
        assert_eq!(
            f.carry_build_inputs_from.as_deref(),
            Some(carried),
            "{name}"
        );
    }
}

#[test]
fn reuse_is_untouched_an_alias_or_customised() {
    let text = lock_text(
        &["django", "plain", "tuned"],
        &[
            pkg("django", "5.2.9", 'a', 'b', &[]),
            pkg("plain", "1.0", 'c', 'd', &[]),
            pkg("tuned", "1.0", 'e', 'f', &[]),
        ],
    );
    let idx = index(vec![
        entry("django_5", "5.2.9", safe()),
        entry("plain", "1.0", safe()),
        entry("tuned", "1.0", safe()),
    ]);
    let mut inputs = PlanInputs {
        index: Some(&idx),
        ..PlanInputs::default()
    };
    inputs
        .attr_overrides
        .insert("django".into(), "django_5".into());
    inputs.custom.insert(
        "tuned".parse().unwrap(),
        Customization {
            do_check: Some(false),
            ..Customization::default()
        },
    );
    let p = run(&text, &inputs);
    assert_eq!(
        get(&p, "django").recipe,
        Recipe::Reuse {
            nixpkgs_attr: "django_5".into()
        }
    );
    assert_eq!(get(&p, "plain").recipe, Recipe::Untouched);
    assert_eq!(
        get(&p, "tuned").recipe,
        Recipe::Reuse {
            nixpkgs_attr: "tuned".into()
        }
    );
    // a top-level application is not a Python dependency
    let mut app = entry("plain", "1.0", safe());
    app.scope = Scope::TopLevel;
    let idx = index(vec![app]);
    let inputs = PlanInputs {
        index: Some(&idx),
        ..PlanInputs::default()
    };
    let p = run(&text, &inputs);
    assert_eq!(get(&p, "plain").action, Action::Build);
    assert!(get(&p, "plain").reason.contains("top-level application"));
}

#[test]
fn fresh_builds_merge_the_configuration_s_lists() {
    let text = lock_text(
        &["foo", "bar"],
        &[
            pkg("foo", "1.0", 'a', 'b', &["bar"]),
            pkg("bar", "1.0", 'c', 'd', &[]),
        ],
    );
    let mut inputs = PlanInputs::default();
    inputs.custom.insert(
        "foo".parse().unwrap(),
        Customization {
            build_inputs: vec!["libxml2".into()],
            native_build_inputs: vec!["pkg-config".into()],
            dependencies: vec!["extra-dep".into()],
            python_remove_deps: vec!["bar".into()],
            patches: vec!["nix/fix.patch".into()],
            ..Customization::default()
        },
    );
    let p = run(&text, &inputs);
    let foo = get(&p, "foo");
    let Recipe::Fresh(f) = &foo.recipe else {
        panic!("{:?}", foo.recipe)
    };
    assert_eq!(
        f.deps.dependencies,
        ["extra-dep"],
        "bar removed, extra added"
    );
    assert_eq!(f.deps.remove, ["bar"]);
    assert_eq!(f.build_inputs, ["libxml2"]);
    assert_eq!(f.native_build_inputs, ["pkg-config"]);
    // what the recipe holds is not rendered twice; the rest is
    assert!(foo.custom.build_inputs.is_empty() && foo.custom.dependencies.is_empty());
    assert_eq!(foo.custom.patches, ["nix/fix.patch"]);
    assert!(matches!(f.src, Src::Url { .. }));
    // built from a wheel: no build system needed, no note
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    // from an sdist without a prefetched build system: setuptools is assumed, and said
    let sdist_only = text.replace(
        &format!(
            "wheels = [{{ url = \"https://files.example/foo-1.0-py3-none-any.whl\", hash = \"{}\" }}]\n",
            hash('a')
        ),
        "",
    );
    assert_ne!(sdist_only, text);
    let p = run(&sdist_only, &inputs);
    let Recipe::Fresh(f) = &get(&p, "foo").recipe else {
        panic!()
    };
    assert!(matches!(
        &f.format,
        Format::Pyproject { build_system, origin: lock2nix_plan::BuildSystemOrigin::Assumed, .. } if build_system == &["setuptools"]
    ));
    assert_eq!(
        p.notes,
        vec![Note::AssumedBuildSystem {
            packages: vec!["foo".into()]
        }]
    );
}

#[test]
fn a_configured_source_replaces_the_lock_s_and_keeps_its_edges() {
    let text = lock_text(
        &["djangorestframework"],
        &[
            pkg("djangorestframework", "3.16.1", 'a', 'b', &["django"]),
            pkg("django", "5.2.9", 'c', 'd', &[]),
        ],
    );
    let rev = "896722bab969fabc74a08b827da59409cf9f1a4e";
    let url = "https://github.com/authentik-community/django-rest-framework";
    let mut inputs = PlanInputs::default();
    inputs.sources.insert(
        "djangorestframework".parse().unwrap(),
        lock2nix_plan::PackageSource {
            source: lock2nix_plan::SrcOverride::Git {
                url: url.into(),
                rev: rev.into(),
                subdirectory: None,
            },
            version: "3.16.0".into(),
            origin: "lock2nix.toml:40".into(),
        },
    );
    inputs.custom.insert(
        "djangorestframework".parse().unwrap(),
        Customization {
            build_system: vec!["setuptools".into()],
            ..Customization::default()
        },
    );
    let p = run(&text, &inputs);
    let drf = get(&p, "djangorestframework");
    assert_eq!(drf.action, Action::Vcs);
    assert_eq!(drf.derivation_version, "3.16.0");
    assert_eq!(
        drf.version, "3.16.1",
        "the lock's version is still reported"
    );
    assert!(
        drf.reason.starts_with("src from lock2nix.toml:40: git"),
        "{}",
        drf.reason
    );
    let Recipe::Fresh(f) = &drf.recipe else {
        panic!("{:?}", drf.recipe)
    };
    assert!(
        matches!(&f.src, Src::GitHub { owner, rev: r, .. } if owner == "authentik-community" && r == rev)
    );
    assert_eq!(f.deps.dependencies, ["django"], "the lock's edges");
    assert!(matches!(
        &f.format,
        Format::Pyproject { origin: lock2nix_plan::BuildSystemOrigin::Configured, build_system, .. } if build_system == &["setuptools"]
    ));
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    assert_eq!(
        p.missing(),
        vec![Missing::GitHash {
            package: "djangorestframework".into(),
            key: format!("{url}#{rev}")
        }]
    );
    // prefetched
    inputs.facts.git.insert(
        format!("{url}#{rev}"),
        lock2nix_plan::GitFact {
            hash: "sha256-YrEDEU3qtw/iyQM3CoB8wYx57zuPNXiJx6ZjrIwnCNU=".into(),
            fetcher: lock2nix_plan::GitFetcher::GitHub,
        },
    );
    assert!(run(&text, &inputs).missing().is_empty());
    // the checkout's build system, as prefetch read it, replaces the assumption
    inputs.facts.git_build_requires.insert(
        (format!("{url}#{rev}"), ".".into()),
        vec!["hatchling>=1.0".into()],
    );
    let p = run(&text, &inputs);
    let Recipe::Fresh(f) = &get(&p, "djangorestframework").recipe else {
        panic!()
    };
    assert!(
        matches!(
            &f.format,
            Format::Pyproject { origin: lock2nix_plan::BuildSystemOrigin::Prefetched, build_system, .. }
                if build_system == &["hatchling", "setuptools"]
        ),
        "{:?}",
        f.format
    );
    assert_eq!(f.cargo, None, "not Rust");
    // a Rust checkout: its extracted Cargo.lock, or missing
    inputs
        .facts
        .git_build_requires
        .insert((format!("{url}#{rev}"), ".".into()), vec!["maturin".into()]);
    let p = run(&text, &inputs);
    assert_eq!(
        p.missing(),
        vec![Missing::CargoLock {
            package: "djangorestframework".into(),
            version: "3.16.1".into()
        }]
    );
    inputs.facts.git_cargo_locks.insert(
        (format!("{url}#{rev}"), ".".into()),
        lock2nix_plan::CargoLockFact {
            path: "cargo-locks/drf.lock".into(),
            root: None,
            unsupported: vec![],
        },
    );
    let p = run(&text, &inputs);
    let Recipe::Fresh(f) = &get(&p, "djangorestframework").recipe else {
        panic!()
    };
    assert_eq!(
        f.cargo,
        Some(CargoDeps::Lock {
            path: "cargo-locks/drf.lock".into(),
            root: None
        })
    );
    assert!(p.missing().is_empty());
}

/// Issue 13 item 5: an sdist's static `Requires-Dist` (PKG-INFO) counts like a wheel's.
#[test]
fn compatible_reads_an_sdist_s_requirements() {
    let text = lock_text(
        &["shared", "lib-a"],
        &[
            pkg("shared", "2.1", 'a', 'b', &[]),
            pkg("lib-a", "1.0", 'c', 'd', &["shared"]),
        ],
    );
    let lock = parse_lock(&text, Path::new("uv.lock")).unwrap();
    let mut target = Target::new(System::X86_64Linux, PythonVersion::new(3, 12));
    target.no_binary.all = true;
    let res = resolve(&lock, &target).unwrap();
    let idx = index(vec![entry("shared", "2.0", safe())]);
    for (requires, reused) in [
        (None, false),
        (Some(vec!["shared>=2".to_string()]), true),
        (Some(vec!["shared>=2.1".to_string()]), false),
        (Some(vec![]), true),
    ] {
        let mut facts = Facts::default();
        facts.sdist.insert(
            "d".repeat(64),
            SdistFact {
                build_requires: vec!["setuptools".into()],
                build_backend: "setuptools.build_meta".into(),
                requires_dist: requires.clone(),
                cargo_lock: None,
            },
        );
        let inputs = PlanInputs {
            index: Some(&idx),
            facts,
            ..PlanInputs::default()
        };
        let p = plan(&lock, &res, &inputs);
        let s = get(&p, "shared");
        assert_eq!(
            s.action == Action::Reuse,
            reused,
            "{requires:?}: {}",
            s.reason
        );
        if requires.is_none() {
            assert!(s.reason.contains("requirements of lib-a"), "{}", s.reason);
        }
    }
}

/// A Cargo.lock in a sub-directory sets `cargoRoot`; one with git crates is reported missing.
#[test]
fn cargo_lock_roots_and_crates_import_cargo_lock_cannot_fetch() {
    let text = lock_text(&["rusty"], &[pkg("rusty", "2.0", 'a', 'b', &[])]);
    let lock = parse_lock(&text, Path::new("uv.lock")).unwrap();
    let mut target = Target::new(System::X86_64Linux, PythonVersion::new(3, 12));
    target.no_binary.all = true;
    let res = resolve(&lock, &target).unwrap();
    let fact = |unsupported: Vec<String>| {
        let mut facts = Facts::default();
        facts.sdist.insert(
            "b".repeat(64),
            SdistFact {
                build_requires: vec!["setuptools".into(), "setuptools-rust".into()],
                build_backend: "setuptools.build_meta".into(),
                requires_dist: None,
                cargo_lock: Some(lock2nix_plan::CargoLockFact {
                    path: "../cargo-locks/rusty-2.0.lock".into(),
                    root: Some("rust".into()),
                    unsupported,
                }),
            },
        );
        PlanInputs {
            facts,
            ..PlanInputs::default()
        }
    };
    let p = plan(&lock, &res, &fact(vec![]));
    let Recipe::Fresh(f) = &get(&p, "rusty").recipe else {
        panic!()
    };
    assert_eq!(
        f.cargo,
        Some(CargoDeps::Lock {
            path: "../cargo-locks/rusty-2.0.lock".into(),
            root: Some("rust".into())
        })
    );
    assert!(p.missing().is_empty());
    let git = "git dependency g 0.1.0 from git+https://example.org/g#0123".to_string();
    let p = plan(&lock, &res, &fact(vec![git.clone()]));
    assert_eq!(
        p.missing(),
        vec![Missing::CargoOutputHashes {
            package: "rusty".into(),
            version: "2.0".into(),
            crates: vec![git.clone()],
        }]
    );
    assert!(p.missing()[0].to_string().contains(&git));
}
