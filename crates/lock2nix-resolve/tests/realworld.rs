//! Issue 14 on the locks uv wrote for it (`fixtures/realworld/`): conflict markers that count the
//! extras their own edge activates, the dependency groups of a workspace root that is not a
//! project, the macOS deployment target, and the choice of the interpreter.
//! (`differential.rs` compares every extra/group combination of these locks with `uv export`.)

mod common;

use common::*;
use lock2nix_resolve::{reach, resolve, PythonVersion, ResolveError};
use lock2nix_wheel::System::{self, *};

fn realworld(case: &str) -> std::sync::Arc<lock2nix_lock::Lock> {
    fixture_lock(&format!("realworld/{case}"))
}

fn with(
    system: System,
    python: &str,
    extras: &[&str],
    groups: &[&str],
) -> lock2nix_resolve::Target {
    let mut t = target(system, python);
    t.extras = extras.iter().map(|e| extra(e)).collect();
    t.groups = groups.iter().map(|g| extra(g)).collect();
    t
}

/// Problem 2: `app[use-a]` → `lib[a]` holds only when `lib[a]`, which the edge itself activates,
/// counts as active (uv: 3 packages; lock2nix before: 2).
#[test]
fn conflict_marker_counts_the_extras_of_its_own_edge() {
    let lock = realworld("conflict-edge-extra");
    for (extras, want) in [
        (&["use-a"][..], Some("iniconfig==2.0.0")),
        (&["use-b"][..], Some("iniconfig==2.1.0")),
        (&[][..], None),
    ] {
        let res = resolve(&lock, &with(X86_64Linux, "3.12", extras, &[])).unwrap();
        let p = pins(&res);
        assert_eq!(
            p.len(),
            2 + usize::from(want.is_some()),
            "{extras:?}: {p:?}"
        );
        if let Some(w) = want {
            assert!(p.contains(w), "{extras:?}: {p:?}");
        }
    }
    // `lib[a]` active through `app[use-a]` and `lib[b]` chosen directly: uv sync refuses
    let e = resolve(&lock, &with(X86_64Linux, "3.12", &["use-a", "b"], &[])).unwrap_err();
    assert!(
        matches!(&e, ResolveError::DeclaredConflict { items } if items.contains("extra `a` of lib") && items.contains("extra `b` of lib")),
        "{e}"
    );
}

/// Problem 3: `[manifest.dependency-groups]` are groups the target can choose; what they bring in
/// is in `manifest_groups`, and `why` can explain it.
#[test]
fn groups_of_a_workspace_root_that_is_no_project() {
    let lock = realworld("manifest-groups");
    let res = resolve(&lock, &with(X86_64Linux, "3.10", &[], &["dev"])).unwrap();
    assert_eq!(
        pins(&res).into_iter().collect::<Vec<_>>(),
        [
            "alpha==0.1.0",
            "beta==0.2.0",
            "iniconfig==2.3.1",
            "tomli==2.5.0"
        ]
    );
    let names = |v: &[usize]| {
        v.iter()
            .map(|&i| res.packages[i].name.to_string())
            .collect::<Vec<_>>()
    };
    // `alpha[cli]` brings tomli with it
    assert_eq!(
        names(&res.manifest_groups[&extra("dev")]),
        ["alpha", "iniconfig", "tomli"]
    );
    assert!(res.manifest_requirements.is_empty());
    // --all-groups: the members' and the root's groups
    let mut all = target(X86_64Linux, "3.10");
    all.all_groups = true;
    let res = resolve(&lock, &all).unwrap();
    assert_eq!(
        res.manifest_groups
            .keys()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["dev", "docs", "lint"]
    );
    assert!(pins(&res).contains("packaging==26.4"));
    // uv sync's default groups: `dev` where it exists
    let mut d = target(X86_64Linux, "3.12");
    d.default_groups = vec![extra("dev"), extra("nonexistent")];
    assert!(pins(&resolve(&lock, &d).unwrap()).contains("iniconfig==2.3.1"));
    // an unknown group names the root's groups too
    let e = resolve(&lock, &with(X86_64Linux, "3.10", &[], &["nope"])).unwrap_err();
    assert!(
        e.to_string()
            .contains("the workspace root's groups dev, docs, lint"),
        "{e}"
    );
    // why: the workspace root starts the path
    let r = reach(&lock, &with(X86_64Linux, "3.10", &[], &["docs"])).unwrap();
    let tomli = lock.packages_named(&name("tomli")).next().unwrap().0;
    let paths = r.paths_to(tomli, 10);
    assert_eq!(paths.len(), 1);
    assert_eq!(paths[0].len(), 1);
    let edge = paths[0][0].edge.as_ref().unwrap();
    assert_eq!(edge.marker.as_deref(), Some("python_full_version < '3.11'"));
}

/// Problem 4: nixpkgs' deployment target (14.0) takes the macOS 14 wheels; an older one is
/// told which wheel needs which version and how to raise it.
#[test]
fn macos_deployment_target() {
    let lock = realworld("macos-target");
    let res = resolve(&lock, &target(Aarch64Darwin, "3.13")).unwrap();
    let mlx = &res.packages[res.index_of(&name("mlx")).unwrap()];
    assert_eq!(
        mlx.artifact.filename().as_deref(),
        Some("mlx-0.22.1-cp313-cp313-macosx_14_0_arm64.whl")
    );
    let mut old = target(Aarch64Darwin, "3.13");
    old.tag_policy.macos = (11, 0);
    let e = resolve(&lock, &old).unwrap_err();
    let ResolveError::NoArtifact {
        macos: Some(need), ..
    } = &e
    else {
        panic!("{e}");
    };
    assert_eq!(need.version, (13, 0));
    assert_eq!(need.wheel, "mlx-0.22.1-cp313-cp313-macosx_13_0_arm64.whl");
    let text = e.to_string();
    assert!(
        text.contains("needs macOS 13.0 and the deployment target is 11.0"),
        "{text}"
    );
    assert!(text.contains("--macos-deployment-target 13.0"), "{text}");
    assert_eq!(
        e.summary(),
        "no artifact of mlx==0.22.1 fits macOS 11.0 (mlx-0.22.1-cp313-cp313-macosx_13_0_arm64.whl needs 13.0)"
    );
    assert!(e
        .advice()
        .unwrap()
        .contains("macos-deployment-target = \"13.0\""));
    // an sdist chosen because the wheels need a newer macOS is reported
    let mut older = target(X86_64Darwin, "3.13");
    older.tag_policy.macos = (10, 9);
    let res = resolve(&lock, &older).unwrap();
    let fallbacks: Vec<String> = res
        .macos_fallbacks
        .iter()
        .map(|(i, n)| format!("{} {}", res.packages[*i].name, n.wheel))
        .collect();
    assert_eq!(
        fallbacks,
        [
            "numpy numpy-2.5.5-cp313-cp313-macosx_10_13_x86_64.whl",
            "opencv-python-headless opencv_python_headless-4.11.0.86-cp37-abi3-macosx_13_0_x86_64.whl"
        ]
    );
    // a system whose only obstacle cannot be fixed here has no advice
    let torch = realworld("default-python");
    let e = resolve(&torch, &target(X86_64Darwin, "3.13")).unwrap_err();
    assert!(
        matches!(e, ResolveError::NoArtifact { macos: None, .. }),
        "{e}"
    );
    assert_eq!(e.advice(), None);
}

/// Problems 6 and 8: `X.Y` picks a patch `requires-python` allows; the default is nixpkgs'
/// python3 when the lock allows it.
#[test]
fn interpreter_choice() {
    let pinned = realworld("python-pinned");
    let rp = pinned.requires_python.as_ref();
    assert_eq!(
        PythonVersion::for_minor(3, 12, rp).unwrap().full(),
        "3.12.8"
    );
    assert_eq!(PythonVersion::for_minor(3, 13, rp), None);
    assert_eq!(
        PythonVersion::default_for(&pinned, None).unwrap().full(),
        "3.12.8"
    );
    let floor = realworld("python-patch-floor");
    assert_eq!(
        PythonVersion::default_for(&floor, None).unwrap().full(),
        "3.13.14"
    );
    let t = lock2nix_resolve::Target::new(
        X86_64Linux,
        PythonVersion::default_for(&floor, None).unwrap(),
    );
    assert_eq!(pins(&resolve(&floor, &t).unwrap()).len(), 3);
    // torch 2.6 has no cp314 wheel and no sdist: nixpkgs' python3 (3.13) installs it
    let torch = realworld("default-python");
    let default = PythonVersion::default_for(&torch, None).unwrap();
    assert_eq!(default.full(), "3.13.9");
    resolve(&torch, &lock2nix_resolve::Target::new(X86_64Linux, default)).unwrap();
    assert!(resolve(&torch, &target(X86_64Linux, "3.14")).is_err());
    // an index that says its interpreter is 3.12
    assert_eq!(
        PythonVersion::default_for(&torch, Some((3, 12)))
            .unwrap()
            .full(),
        "3.12.12"
    );
    // a lock that does not allow 3.13: the newest it allows
    let allowed: Vec<String> = PythonVersion::allowed(&pinned)
        .iter()
        .map(|p| p.full())
        .collect();
    assert_eq!(allowed, ["3.12.8"]);
}

/// `why`'s walk still works where `resolve` fails.
#[test]
fn reach_explains_where_resolution_fails() {
    let lock = realworld("default-python");
    let t = target(X86_64Linux, "3.14");
    assert!(resolve(&lock, &t).is_err());
    let r = reach(&lock, &t).unwrap();
    let torch = lock.packages_named(&name("torch")).next().unwrap().0;
    let paths = r.paths_to(torch, 10);
    assert_eq!(paths.len(), 1);
    assert_eq!(
        lock.packages[paths[0][0].package].name.as_ref(),
        "torch-app"
    );
    assert_eq!(paths[0][1].package, torch);
}
