//! Every way resolution can fail, with the message a person acts on.

mod common;

use common::*;
use lock2nix_resolve::{resolve, PythonVersion, ResolveError};
use lock2nix_wheel::System::*;

#[test]
fn python_outside_requires_python() {
    let lock = fixture_lock("authentik");
    for py in ["3.12", "3.14", "3.12.99"] {
        let err = resolve(&lock, &target(X86_64Linux, py)).unwrap_err();
        let want_py = py_full(py);
        assert_eq!(
            err,
            ResolveError::PythonNotAllowed {
                python: want_py.clone(),
                requires_python: "==3.13.*".into()
            }
        );
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("CPython {want_py}")) && msg.contains("--python"),
            "{msg}"
        );
    }
    let lock = fixture_lock("locks/top-1000");
    assert!(matches!(
        resolve(&lock, &target(Aarch64Darwin, "3.10")),
        Err(ResolveError::PythonNotAllowed { .. })
    ));
    // the boundary is inclusive and checked against the full version
    assert!(resolve(&fixture_lock("authentik"), &target(X86_64Linux, "3.13.0")).is_ok());
    assert_eq!(
        PythonVersion::default_for(&fixture_lock("authentik"), None),
        Some(py("3.13"))
    );
}

fn py_full(s: &str) -> String {
    py(s).full()
}

const SUPPORTED: &str = r#"
version = 1
revision = 3
requires-python = ">=3.11"
supported-markers = [
    "sys_platform == 'linux'",
    "platform_machine == 'arm64' and sys_platform == 'darwin'",
]

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
"#;

#[test]
fn target_outside_supported_markers() {
    let lock = lock_from_str(SUPPORTED);
    assert!(resolve(&lock, &target(X86_64Linux, "3.12")).is_ok());
    assert!(resolve(&lock, &target(Aarch64Linux, "3.12")).is_ok());
    assert!(resolve(&lock, &target(Aarch64Darwin, "3.12")).is_ok());
    let err = resolve(&lock, &target(X86_64Darwin, "3.12")).unwrap_err();
    let ResolveError::Unsupported { target: t, markers } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(t, "x86_64-darwin with CPython 3.12.12");
    assert_eq!(
        markers,
        "sys_platform == 'linux' | platform_machine == 'arm64' and sys_platform == 'darwin'"
    );
    assert!(err.to_string().contains("tool.uv.environments"), "{err}");
}

#[test]
fn unknown_root_extra_group() {
    let lock = fixture_lock("locks/workspace-mixed");
    let mut t = target(X86_64Linux, "3.12");
    t.roots = vec![name("no-such-package")];
    assert_eq!(
        resolve(&lock, &t).unwrap_err(),
        ResolveError::UnknownRoot("no-such-package".into())
    );

    let mut t = target(X86_64Linux, "3.12");
    t.extras = vec![extra("cli"), extra("nope")];
    let err = resolve(&lock, &t).unwrap_err();
    assert_eq!(
        err,
        ResolveError::UnknownExtra {
            extra: "nope".into(),
            roots: "mixed-core, mixed-plugin, mixed-root, mixed-utils".into()
        }
    );
    // an extra of a member is fine when that member is a root: mixed-utils[fast]
    let mut t = target(X86_64Linux, "3.12");
    t.extras = vec![extra("fast")];
    let res = resolve(&lock, &t).unwrap();
    assert!(res.index_of(&name("orjson")).is_some());
    // ... but not when only mixed-root is the root
    t.roots = vec![name("mixed-root")];
    assert!(matches!(
        resolve(&lock, &t),
        Err(ResolveError::UnknownExtra { ref extra, ref roots }) if extra == "fast" && roots == "mixed-root"
    ));

    let mut t = target(X86_64Linux, "3.12");
    t.groups = vec![extra("docs")];
    let err = resolve(&lock, &t).unwrap_err();
    assert!(
        matches!(&err, ResolveError::UnknownGroup { group, .. } if group == "docs"),
        "{err:?}"
    );
    assert!(err.to_string().contains("dependency group `docs`"), "{err}");

    let no_roots = lock_from_str(
        r#"
version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "six"
version = "1.17.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://example.org/six-1.17.0.tar.gz" }
"#,
    );
    assert_eq!(
        resolve(&no_roots, &target(X86_64Linux, "3.12")).unwrap_err(),
        ResolveError::NoRoots
    );
}

/// Two edges to `lib` with overlapping markers (uv would never write this; hand-edited or
/// ancient locks can): both versions survive on linux with CPython < 3.13.
const OVERLAP: &str = r#"
version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "lib", version = "1.0", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version < '3.13'" },
    { name = "mid" },
]

[[package]]
name = "lib"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://example.org/lib-1.0.tar.gz" }

[[package]]
name = "lib"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://example.org/lib-2.0.tar.gz" }

[[package]]
name = "mid"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "lib", version = "2.0", source = { registry = "https://pypi.org/simple" }, marker = "sys_platform == 'linux'" },
]
sdist = { url = "https://example.org/mid-1.0.tar.gz" }
"#;

#[test]
fn two_versions_surviving_is_a_conflict_naming_both_and_the_edges() {
    let lock = lock_from_str(OVERLAP);
    let err = resolve(&lock, &target(X86_64Linux, "3.12")).unwrap_err();
    let ResolveError::Conflict {
        name: n,
        target: t,
        first,
        first_edges,
        second,
        second_edges,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(n, "lib");
    assert_eq!(t, "x86_64-linux with CPython 3.12.12");
    assert_eq!(first, "lib==1.0 from registry+https://pypi.org/simple");
    assert_eq!(first_edges, "app==0.1.0 [python_full_version < '3.13']");
    assert_eq!(second, "lib==2.0 from registry+https://pypi.org/simple");
    assert_eq!(second_edges, "mid==1.0 [sys_platform == 'linux']");
    // markers disjoint on these targets: one version each
    let res = resolve(&lock, &target(X86_64Linux, "3.13")).unwrap();
    assert_eq!(
        pins(&res),
        ["app==0.1.0", "lib==2.0", "mid==1.0"]
            .map(String::from)
            .into()
    );
    let res = resolve(&lock, &target(Aarch64Darwin, "3.12")).unwrap();
    assert_eq!(
        pins(&res),
        ["app==0.1.0", "lib==1.0", "mid==1.0"]
            .map(String::from)
            .into()
    );
}

/// The `conflicts` fixture declares extras `old`/`new` and extra `old`/group `lint` as
/// conflicting; like `uv sync`, choosing both is refused before walking, naming both.
#[test]
fn declared_conflicts_are_refused() {
    let lock = fixture_lock("tests/fixtures/conflicts");
    let mut t = target(X86_64Linux, "3.12");
    t.extras = vec![extra("old"), extra("new")];
    assert_eq!(
        resolve(&lock, &t).unwrap_err(),
        ResolveError::DeclaredConflict {
            items: "extra `new` of conflicted and extra `old` of conflicted".into()
        }
    );
    let mut t = target(X86_64Linux, "3.12");
    t.extras = vec![extra("old")];
    t.all_groups = true;
    let err = resolve(&lock, &t).unwrap_err();
    assert_eq!(
        err,
        ResolveError::DeclaredConflict {
            items: "extra `old` of conflicted and group `lint` of conflicted".into()
        }
    );
    assert!(err.to_string().contains("tool.uv.conflicts"), "{err}");
    // each alone is fine, and picks its own idna
    for (e, idna) in [("old", "idna==3.7"), ("new", "idna==3.10")] {
        let mut t = target(Aarch64Darwin, "3.11");
        t.extras = vec![extra(e)];
        assert!(pins(&resolve(&lock, &t).unwrap()).contains(idna), "{e}");
    }
    // old + the non-conflicting group test
    let mut t = target(X86_64Linux, "3.12");
    t.extras = vec![extra("old")];
    t.groups = vec![extra("test")];
    let p = pins(&resolve(&lock, &t).unwrap());
    assert!(
        p.contains("packaging==23.2") && p.contains("iniconfig==2.3.1"),
        "{p:?}"
    );
}

#[test]
fn python_version_parsing() {
    assert_eq!(py("3.12").full(), "3.12.12");
    assert_eq!(py("3.13.2").full(), "3.13.2");
    assert_eq!(py("3.9").full(), "3.9.0");
    for bad in ["3", "three.twelve", "3.12.1.1", "", "3.-1"] {
        let err = bad.parse::<PythonVersion>().unwrap_err();
        assert!(err.contains("is not a Python version"), "{bad}: {err}");
    }
}

/// A system no artifact of a reached package fits is given up on at the first such package the
/// walk reaches: the package named is one `reach` (which follows the whole lock) reaches, its
/// error is the full one (every rejected wheel), and the systems where everything fits resolve.
#[test]
fn an_uninstallable_system_names_a_reached_package_without_artifacts() {
    for dir in ["locks/top-1000", "locks/top-1500"] {
        let lock = fixture_lock(dir);
        for system in [X86_64Darwin, Aarch64Darwin] {
            let t = target(system, "3.12");
            let err = resolve(&lock, &t).unwrap_err();
            let ResolveError::NoArtifact {
                package, rejected, ..
            } = &err
            else {
                panic!("{dir} on {system}: {err}");
            };
            let reach = lock2nix_resolve::reach(&lock, &t).unwrap();
            let reached = lock
                .packages
                .iter()
                .enumerate()
                .any(|(id, p)| p.display_id() == *package && reach.contains(id));
            assert!(reached, "{dir} on {system}: {package} is not reached");
            let p = lock
                .packages
                .iter()
                .find(|p| p.display_id() == *package)
                .unwrap();
            assert_eq!(rejected.len(), p.wheels.len(), "{err}");
        }
        for system in [X86_64Linux, Aarch64Linux] {
            assert!(resolve(&lock, &target(system, "3.12")).is_ok(), "{dir}");
        }
    }
}
