//! Which artifact `resolve` chooses: real wheel names from the fixture locks, for every system.
//!
//! The expected file names were worked out with `packaging.tags` (`cpython_tags` +
//! `compatible_tags` over manylinux 2.40 → 2.5 / macOS 11.0 platforms, lowest index wins) and then
//! written down here, so a change in tag priority shows up as a failing row.

mod common;

use common::*;
use lock2nix_lock::read_workspace;
use lock2nix_resolve::{resolve, Artifact, Prefer, ResolveError};
use lock2nix_wheel::System::{self, *};

/// `None` = the sdist.
type Row = (
    &'static str,
    System,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const TOP_1000: &[Row] = &[
    // (root, system, python, expected version, expected wheel)
    ("numpy", X86_64Linux, "3.12", "2.5.5", Some("numpy-2.5.5-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl")),
    ("numpy", Aarch64Linux, "3.12", "2.5.5", Some("numpy-2.5.5-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl")),
    ("numpy", X86_64Darwin, "3.12", "2.5.5", Some("numpy-2.5.5-cp312-cp312-macosx_10_13_x86_64.whl")),
    ("numpy", Aarch64Darwin, "3.12", "2.5.5", Some("numpy-2.5.5-cp312-cp312-macosx_11_0_arm64.whl")),
    ("numpy", X86_64Linux, "3.11", "2.4.6", Some("numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl")),
    ("numpy", X86_64Darwin, "3.11", "2.4.6", Some("numpy-2.4.6-cp311-cp311-macosx_10_9_x86_64.whl")),
    ("numpy", Aarch64Darwin, "3.13", "2.5.5", Some("numpy-2.5.5-cp313-cp313-macosx_11_0_arm64.whl")),
    ("cryptography", X86_64Linux, "3.12", "50.0.2", Some("cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl")),
    ("cryptography", Aarch64Linux, "3.12", "50.0.2", Some("cryptography-50.0.2-cp311-abi3-manylinux_2_34_aarch64.whl")),
    // no x86_64 or universal2 macOS wheel in 50.0.2: the sdist
    ("cryptography", X86_64Darwin, "3.12", "50.0.2", None),
    // cp311-abi3 beats cp39-abi3 (abi3 tags run from cp312 downwards)
    ("cryptography", Aarch64Darwin, "3.12", "50.0.2", Some("cryptography-50.0.2-cp311-abi3-macosx_11_0_arm64.whl")),
    ("pydantic-core", X86_64Linux, "3.12", "2.50.5", Some("pydantic_core-2.50.5-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl")),
    ("pydantic-core", Aarch64Linux, "3.12", "2.50.5", Some("pydantic_core-2.50.5-cp312-cp312-manylinux2014_aarch64.manylinux_2_17_aarch64.whl")),
    ("pydantic-core", X86_64Darwin, "3.12", "2.50.5", Some("pydantic_core-2.50.5-cp312-cp312-macosx_10_12_x86_64.whl")),
    ("pydantic-core", Aarch64Darwin, "3.12", "2.50.5", Some("pydantic_core-2.50.5-cp312-cp312-macosx_11_0_arm64.whl")),
    ("lxml", X86_64Linux, "3.12", "6.1.3", Some("lxml-6.1.3-cp312-cp312-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl")),
    ("lxml", Aarch64Linux, "3.12", "6.1.3", Some("lxml-6.1.3-cp312-cp312-manylinux_2_26_aarch64.manylinux_2_28_aarch64.whl")),
    ("lxml", X86_64Darwin, "3.12", "6.1.3", Some("lxml-6.1.3-cp312-cp312-macosx_10_13_x86_64.whl")),
    // the universal2 wheel is the only one for arm64 macOS
    ("lxml", Aarch64Darwin, "3.12", "6.1.3", Some("lxml-6.1.3-cp312-cp312-macosx_10_13_universal2.whl")),
    ("lxml", Aarch64Darwin, "3.11", "6.1.3", Some("lxml-6.1.3-cp311-cp311-macosx_10_9_universal2.whl")),
    ("orjson", X86_64Linux, "3.12", "3.13.0", Some("orjson-3.13.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")),
    ("orjson", Aarch64Linux, "3.12", "3.13.0", Some("orjson-3.13.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl")),
    ("orjson", X86_64Darwin, "3.12", "3.13.0", Some("orjson-3.13.0-cp312-cp312-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl")),
    ("orjson", Aarch64Darwin, "3.12", "3.13.0", Some("orjson-3.13.0-cp312-cp312-macosx_10_15_x86_64.macosx_11_0_arm64.macosx_10_15_universal2.whl")),
    ("torch", X86_64Linux, "3.12", "2.9.1", Some("torch-2.9.1-cp312-cp312-manylinux_2_28_x86_64.whl")),
    ("torch", Aarch64Linux, "3.12", "2.9.1", Some("torch-2.9.1-cp312-cp312-manylinux_2_28_aarch64.whl")),
    ("torch", Aarch64Darwin, "3.12", "2.9.1", Some("torch-2.9.1-cp312-none-macosx_11_0_arm64.whl")),
    // 3.13: the GIL build never takes the cp313t wheel
    ("torch", X86_64Linux, "3.13", "2.9.1", Some("torch-2.9.1-cp313-cp313-manylinux_2_28_x86_64.whl")),
    ("torch", Aarch64Darwin, "3.13", "2.9.1", Some("torch-2.9.1-cp313-none-macosx_11_0_arm64.whl")),
    // the 3.11.5+ fork pins torch 2.5.1, whose x86_64 wheel is manylinux1
    ("torch", X86_64Linux, "3.11", "2.5.1", Some("torch-2.5.1-cp311-cp311-manylinux1_x86_64.whl")),
    ("torch", Aarch64Linux, "3.11", "2.5.1", Some("torch-2.5.1-cp311-cp311-manylinux2014_aarch64.whl")),
];

fn check_rows(lock_dir: &str, rows: &[Row]) {
    let lock = fixture_lock(lock_dir);
    let mut failures = Vec::new();
    for &(root, system, python, version, want) in rows {
        let mut t = target(system, python);
        t.roots = vec![name(root)];
        let res = resolve(&lock, &t).unwrap_or_else(|e| panic!("{root} on {t}: {e}"));
        let i = res.index_of(&name(root)).unwrap();
        let p = &res.packages[i];
        assert_eq!(p.version_string(), version, "{root} on {t}");
        let got = match &p.artifact {
            Artifact::Wheel { filename, .. } => Some(filename.as_str()),
            Artifact::Sdist { .. } => None,
            other => panic!("{root} on {t}: {other:?}"),
        };
        if got != want {
            failures.push(format!("{root} on {t}: chose {got:?}, expected {want:?}"));
        }
        // the artifact carries the lock's URL and hash of that very file
        let (url, hash) = (p.artifact.url().unwrap(), p.artifact.hash().unwrap());
        let lp = &lock.packages[p.id];
        match &p.artifact {
            Artifact::Wheel { index, .. } => {
                let w = &lp.wheels[*index];
                assert_eq!(Some(hash), w.hash.as_ref());
                assert!(url.ends_with(&w.filename.to_string()), "{url}");
            }
            _ => assert_eq!(Some(hash), lp.sdist.as_ref().and_then(|s| s.hash.as_ref())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn wheel_choice_table_top_1000() {
    check_rows("locks/top-1000", TOP_1000);
}

#[test]
fn torch_on_intel_mac_has_no_artifact_and_every_wheel_is_explained() {
    let lock = fixture_lock("locks/top-1000");
    let mut t = target(X86_64Darwin, "3.12");
    t.roots = vec![name("torch")];
    match resolve(&lock, &t) {
        Err(ResolveError::NoArtifact {
            package,
            rejected,
            sdist,
            registry,
            ..
        }) => {
            assert_eq!(package, "torch==2.9.1");
            assert_eq!(registry, "https://pypi.org/simple");
            assert_eq!(sdist, "the lock has no sdist");
            assert_eq!(rejected.len(), 18, "{rejected:#?}");
            let arm = rejected
                .iter()
                .find(|r| r.starts_with("torch-2.9.1-cp312-none-macosx_11_0_arm64.whl: "))
                .unwrap();
            assert!(
                arm.contains("macosx_11_0_arm64 is not for x86_64-darwin"),
                "{arm}"
            );
            let cp313t = rejected
                .iter()
                .find(|r| r.starts_with("torch-2.9.1-cp313-cp313t-manylinux_2_28_x86_64.whl: "))
                .unwrap();
            assert!(cp313t.contains("not for x86_64-darwin"), "{cp313t}");
            // the reason is not repeated with the file name and target
            assert!(
                rejected
                    .iter()
                    .all(|r| !r.contains("is not compatible with")),
                "{rejected:#?}"
            );
        }
        other => panic!("expected NoArtifact, got {other:?}"),
    }
}

#[test]
fn tree_sitter_languages_has_no_wheel_for_python_313() {
    let lock = fixture_lock("locks/top-1000");
    let mut t = target(X86_64Linux, "3.13");
    t.roots = vec![name("tree-sitter-languages")];
    let Err(ResolveError::NoArtifact { rejected, .. }) = resolve(&lock, &t) else {
        panic!("expected NoArtifact");
    };
    let r = rejected
        .iter()
        .find(|r| r.starts_with("tree_sitter_languages-1.10.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl: "))
        .unwrap();
    assert!(r.ends_with("cp312 wheel for CPython 3.13"), "{r}");
    // the same package on 3.12 takes that wheel
    let t = {
        let mut t = target(X86_64Linux, "3.12");
        t.roots = vec![name("tree-sitter-languages")];
        t
    };
    let res = resolve(&lock, &t).unwrap();
    let p = &res.packages[res.index_of(&name("tree-sitter-languages")).unwrap()];
    assert_eq!(
        p.artifact.filename().as_deref(),
        Some("tree_sitter_languages-1.10.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    );
}

/// authentik's root pyproject sets `tool.uv.no-binary-package = ["lxml", "xmlsec"]`; built into
/// the target the way the CLI does, both become sdists; `psycopg-c` has only an sdist.
#[test]
fn authentik_no_binary_packages_and_sdist_only() {
    let lock = fixture_lock("authentik");
    let ws = read_workspace(&fixture_dir("authentik")).unwrap();
    let uv = &ws.root_project.tool_uv;
    assert!(!uv.no_binary);
    for &system in &SYSTEMS {
        let mut t = target(system, "3.13");
        t.no_binary
            .names
            .extend(uv.no_binary_package.iter().cloned());
        t.extras = all_root_extras(&lock, &t);
        t.all_groups = true;
        let res = resolve(&lock, &t).unwrap_or_else(|e| panic!("{t}: {e}"));
        for n in ["lxml", "xmlsec", "psycopg-c"] {
            let i = res
                .index_of(&name(n))
                .unwrap_or_else(|| panic!("{n} not in the closure on {t}"));
            let p = &res.packages[i];
            let Artifact::Sdist { location, hash } = &p.artifact else {
                panic!("{n} on {t}: {:?}", p.artifact);
            };
            let sdist = lock.packages[p.id].sdist.as_ref().unwrap();
            assert_eq!(hash, &sdist.hash);
            assert!(
                matches!(location, lock2nix_resolve::Location::Url(u) if u.ends_with(".tar.gz")),
                "{location:?}"
            );
        }
        // without the setting, lxml and xmlsec take wheels; psycopg-c still builds
        let mut plain = t.clone();
        plain.no_binary = Default::default();
        let res = resolve(&lock, &plain).unwrap();
        let kind = |n: &str| {
            res.packages[res.index_of(&name(n)).unwrap()]
                .artifact
                .kind()
        };
        assert_eq!(
            (kind("lxml"), kind("xmlsec"), kind("psycopg-c")),
            ("wheel", "wheel", "sdist"),
            "{t}"
        );
        // --prefer sdist: everything with an sdist builds
        let mut sdists = plain.clone();
        sdists.prefer = Prefer::Sdist;
        let res = resolve(&lock, &sdists).unwrap();
        for p in &res.packages {
            let has_sdist = lock.packages[p.id].sdist.is_some();
            if has_sdist {
                assert_eq!(p.artifact.kind(), "sdist", "{}", p.name);
            }
        }
    }
    let mut t = target(X86_64Linux, "3.13.9");
    t.no_binary
        .names
        .extend(uv.no_binary_package.iter().cloned());
    let res = resolve(&lock, &t).unwrap();
    let lxml = &res.packages[res.index_of(&name("lxml")).unwrap()];
    assert_eq!(
        lxml.artifact.filename().as_deref(),
        Some("lxml-6.0.0.tar.gz")
    );
}

const NO_ARTIFACT_LOCK: &str = r#"
version = 1
revision = 3
requires-python = ">=3.10"

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "winonly" },
    { name = "nobuild" },
]

[[package]]
name = "nobuild"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://example.org/nobuild-1.0.tar.gz", hash = "sha256:0000000000000000000000000000000000000000000000000000000000000000" }

[[package]]
name = "winonly"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://example.org/winonly-2.0-cp312-cp312-win_amd64.whl", hash = "sha256:1111111111111111111111111111111111111111111111111111111111111111" },
    { url = "https://example.org/winonly-2.0-cp312-cp312-musllinux_1_2_x86_64.whl", hash = "sha256:2222222222222222222222222222222222222222222222222222222222222222" },
    { url = "https://example.org/winonly-2.0-cp311-cp311-manylinux_2_17_x86_64.whl", hash = "sha256:3333333333333333333333333333333333333333333333333333333333333333" },
    { url = "https://example.org/winonly-2.0-cp312-cp312t-manylinux_2_17_x86_64.whl", hash = "sha256:4444444444444444444444444444444444444444444444444444444444444444" },
    { url = "https://example.org/winonly-2.0-cp312-cp312-manylinux_2_99_x86_64.whl", hash = "sha256:5555555555555555555555555555555555555555555555555555555555555555" },
]
"#;

#[test]
fn no_artifact_lists_every_rejected_wheel_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("uv.lock");
    std::fs::write(&path, NO_ARTIFACT_LOCK).unwrap();
    let lock = lock2nix_lock::read_lock(&path).unwrap();
    let mut t = target(X86_64Linux, "3.12");
    t.roots = vec![name("winonly")];
    let err = resolve(&lock, &t).unwrap_err();
    let ResolveError::NoArtifact {
        package,
        target: tgt,
        rejected,
        sdist,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(package, "winonly==2.0");
    assert_eq!(tgt, "x86_64-linux with CPython 3.12.12");
    assert_eq!(sdist, "the lock has no sdist");
    let expect = [
        ("winonly-2.0-cp311-cp311-manylinux_2_17_x86_64.whl", "cp311"),
        (
            "winonly-2.0-cp312-cp312-manylinux_2_99_x86_64.whl",
            "glibc 2.99",
        ),
        ("winonly-2.0-cp312-cp312-musllinux_1_2_x86_64.whl", "musl"),
        (
            "winonly-2.0-cp312-cp312-win_amd64.whl",
            "win_amd64 is not for x86_64-linux",
        ),
        (
            "winonly-2.0-cp312-cp312t-manylinux_2_17_x86_64.whl",
            "cp312t",
        ),
    ];
    assert_eq!(rejected.len(), expect.len(), "{rejected:#?}");
    for ((file, why), line) in expect.iter().zip(rejected) {
        assert!(line.starts_with(&format!("{file}: ")), "{line}");
        assert!(line.contains(why), "{line} should mention {why}");
    }
    let msg = err.to_string();
    assert!(msg.contains("no artifact of winonly==2.0"), "{msg}");
    assert!(msg.contains("win_amd64"), "{msg}");

    // no-build on an sdist-only package
    let mut t = target(X86_64Linux, "3.12");
    t.roots = vec![name("nobuild")];
    t.no_build.names.insert(name("nobuild"));
    let Err(ResolveError::NoArtifact {
        sdist, rejected, ..
    }) = resolve(&lock, &t)
    else {
        panic!()
    };
    assert_eq!(sdist, "the sdist may not be built (no-build)");
    assert!(rejected.is_empty());
    // no-binary on a wheel-only package
    let mut t = target(Aarch64Darwin, "3.12");
    t.roots = vec![name("winonly")];
    t.no_binary.all = true;
    let Err(ResolveError::NoArtifact { rejected, .. }) = resolve(&lock, &t) else {
        panic!()
    };
    assert!(rejected
        .iter()
        .all(|r| r.ends_with("wheels are disabled for this package (no-binary)")));
}

/// The artifact keeps the published file name (`PyJWT-…`), not the parser's normalised form.
#[test]
fn wheel_filename_is_the_published_one() {
    let lock = fixture_lock("authentik");
    let mut t = target(X86_64Linux, "3.13");
    t.roots = vec![name("pyjwt")];
    let res = resolve(&lock, &t).unwrap();
    let p = &res.packages[res.index_of(&name("pyjwt")).unwrap()];
    assert_eq!(
        p.artifact.filename().as_deref(),
        Some("PyJWT-2.10.1-py3-none-any.whl")
    );
    assert!(p
        .artifact
        .url()
        .unwrap()
        .ends_with("/PyJWT-2.10.1-py3-none-any.whl"));
}
