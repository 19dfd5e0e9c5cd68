//! Issue 14 and issue 19 (item 2) on the locks uv wrote for them (`fixtures/realworld/`): the
//! tables uv writes, the hint of a damaged lock, stale detection as `uv lock --check` does it,
//! the build backends of local sources outside the workspace, and the source root.

mod common;

use std::path::{Path, PathBuf};

use lock2nix_lock::{
    looks_uv_written, parse_lock, read_local_builds, read_lock, read_workspace, stale_findings,
    ErrorKind, LocalBuild, LocalSourceKind, RequirementSource, RootPath, SourceRoot,
    SourceRootError,
};

fn realworld(case: &str) -> PathBuf {
    common::fixture("realworld").join(case)
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

/// Problem 1: `requires-dist` of `[[manifest.dependency-metadata]]` is PEP 508 strings.
#[test]
fn dependency_metadata_with_pep508_strings_is_read() {
    let lock = read_lock(&realworld("dependency-metadata/uv.lock")).unwrap();
    let dm = &lock.manifest.dependency_metadata;
    assert_eq!(dm.len(), 1);
    assert_eq!(dm[0].name.as_ref(), "iniconfig");
    assert_eq!(dm[0].version.as_ref().unwrap().to_string(), "2.3.1");
    let reqs: Vec<String> = dm[0]
        .requires_dist
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        reqs,
        [
            "packaging>=24 ; python_full_version >= '3.12'",
            "tomli>=2 ; extra == 'toml'"
        ]
    );
    assert!(matches!(
        &dm[0].requires_dist[0].source,
        RequirementSource::Registry { specifier, .. } if specifier.to_string() == ">=24"
    ));
    let extras: Vec<&str> = dm[0].provides_extras.iter().map(AsRef::as_ref).collect();
    assert_eq!(extras, ["toml"]);
    // the spelling serde also accepts
    let text = std::fs::read_to_string(realworld("dependency-metadata/uv.lock"))
        .unwrap()
        .replace(
            "provides-extras = [\"toml\"]",
            "provides-extra = [\"toml\"]",
        );
    let lock = parse_lock(&text, Path::new("uv.lock")).unwrap();
    assert_eq!(
        lock.manifest.dependency_metadata[0].provides_extras.len(),
        1
    );
}

/// Scoped overrides and exclusions (`{ package = { name, version }, dependencies }`) and plain
/// ones, as uv writes them in `[manifest]`.
#[test]
fn scoped_overrides_and_excludes_are_read() {
    let text = r#"version = 1
revision = 3
requires-python = ">=3.10"

[manifest]
overrides = [
    { name = "idna", specifier = "==3.10" },
    { package = { name = "requests", version = "2.32.0" }, dependencies = [{ name = "urllib3", specifier = "<2" }] },
]
excludes = ["colorama", { package = { name = "click" }, dependencies = ["colorama"] }]

[[package]]
name = "a"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
"#;
    let lock = parse_lock(text, Path::new("uv.lock")).unwrap();
    let m = &lock.manifest;
    assert_eq!(m.overrides.len(), 1);
    assert_eq!(m.overrides[0].to_string(), "idna==3.10");
    assert_eq!(m.scoped_overrides.len(), 1);
    assert_eq!(m.scoped_overrides[0].package.as_ref(), "requests");
    assert_eq!(
        m.scoped_overrides[0].dependencies[0].to_string(),
        "urllib3<2"
    );
    assert_eq!(m.excludes.len(), 1);
    assert_eq!(m.scoped_excludes[0].package.as_ref(), "click");
    assert_eq!(m.scoped_excludes[0].version, None);
}

/// The "edited by hand or damaged" hint only for a lock that is not laid out as uv writes it;
/// an unknown shape in an untouched layout says that lock2nix may not read it yet.
#[test]
fn damaged_file_hint_only_when_the_layout_is_not_uvs() {
    let text = std::fs::read_to_string(realworld("dependency-metadata/uv.lock")).unwrap();
    assert!(looks_uv_written(&text));
    for case in [
        "conflict-edge-extra",
        "manifest-groups",
        "monorepo/libs/app",
    ] {
        let t = std::fs::read_to_string(realworld(case).join("uv.lock")).unwrap();
        assert!(looks_uv_written(&t), "{case}");
    }
    // a shape lock2nix does not know (a number where uv writes requirements), in uv's layout
    let unknown = text.replace(
        "requires-dist = [\"packaging>=24 ; python_full_version >= '3.12'\", \"tomli>=2 ; extra == 'toml'\"]",
        "requires-dist = [7]",
    );
    let e = parse_lock(&unknown, Path::new("uv.lock")).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::WrongType { .. }), "{e}");
    assert!(e.uv_layout);
    let hint = e.hint().unwrap();
    assert!(hint.contains("does not read yet"), "{hint}");
    assert!(!hint.contains("edited by hand or damaged"), "{hint}");
    // the same with a comment added by hand: the damaged-file hint
    let edited = format!("{unknown}# checked by hand\n");
    assert!(!looks_uv_written(&edited));
    let e = parse_lock(&edited, Path::new("uv.lock")).unwrap_err();
    assert!(e.hint().unwrap().contains("edited by hand or damaged"));
    // and a value uv never writes (a malformed hash) stays "damaged" in any layout
    let bad = text.replacen("hash = \"sha256:", "hash = \"sha256:zz", 1);
    let e = parse_lock(&bad, Path::new("uv.lock")).unwrap_err();
    assert!(e.hint().unwrap().contains("edited by hand or damaged"));
}

/// Problem 7: what `uv lock --check` accepts is not stale: dependencies computed by a build,
/// a project requiring its own extras and groups, list-form sources with markers.
#[test]
fn locks_uv_accepts_are_not_stale() {
    for case in [
        "stale-dynamic",
        "stale-self-extra",
        "stale-marker-sources",
        "conflict-edge-extra",
        "dependency-metadata",
        "manifest-groups",
        "macos-target",
        "monorepo/libs/app",
        "python-pinned",
        "python-patch-floor",
        "default-python",
    ] {
        let dir = realworld(case);
        let lock = read_lock(&dir.join("uv.lock")).unwrap();
        let ws = read_workspace(&dir).unwrap();
        assert_eq!(stale_findings(&lock, &ws), [], "{case}");
    }
    // workspace-mixed and authentik's django-postgres-cache stay as they were
    let dir = common::fixture("locks/workspace-mixed");
    let lock = read_lock(&dir.join("uv.lock")).unwrap();
    assert_eq!(stale_findings(&lock, &read_workspace(&dir).unwrap()), []);
}

/// Problem 7: a renamed root is stale (uv refuses to export it), in one short line.
#[test]
fn renamed_root_is_stale() {
    let dir = realworld("stale-renamed-root");
    let lock = read_lock(&dir.join("uv.lock")).unwrap();
    let f = stale_findings(&lock, &read_workspace(&dir).unwrap());
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        f[0].changed,
        ["the project is named `newname` in pyproject.toml but `oldname` in the lock"]
    );
    assert!(!f[0].summary().contains('\n'));
}

/// Problem 7: real differences are still found, counted, in every kind of place.
#[test]
fn changes_to_the_fixtures_are_found() {
    let tmp = tempfile::tempdir().unwrap();
    let check = |case: &str, file: &str, from: &str, to: &str| {
        let dir = tmp.path().join(case.replace('/', "_"));
        copy_dir(&realworld(case), &dir);
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{case}/{file}: {from}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
        let lock = read_lock(&dir.join("uv.lock")).unwrap();
        stale_findings(&lock, &read_workspace(&dir).unwrap())
    };
    // a marker-split source that no longer covers darwin
    let f = check(
        "stale-marker-sources",
        "pyproject.toml",
        "{ index = \"pypi-explicit\", marker = \"sys_platform == 'darwin'\" }",
        "{ index = \"pypi-explicit\", marker = \"sys_platform == 'win32'\" }",
    );
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].added.len(), f[0].removed.len()), (2, 2), "{f:?}");
    // a self-extra changed
    let f = check(
        "stale-self-extra",
        "pyproject.toml",
        "all = [\"selfref[a,b]\"]",
        "all = [\"selfref[a]\"]",
    );
    assert_eq!(f[0].added, ["`selfref[a] ; extra == 'all'`"]);
    // a group of a workspace root that is not a project
    let f = check(
        "manifest-groups",
        "pyproject.toml",
        "lint = [\"packaging>=24\"]",
        "lint = [\"packaging>=25\"]",
    );
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].subject, "the dependency groups of the workspace root");
    // a new workspace member
    let dir = tmp.path().join("members");
    copy_dir(&realworld("manifest-groups"), &dir);
    std::fs::create_dir_all(dir.join("packages/gamma")).unwrap();
    std::fs::write(
        dir.join("packages/gamma/pyproject.toml"),
        "[project]\nname = \"gamma\"\nversion = \"1.0\"\n",
    )
    .unwrap();
    let lock = read_lock(&dir.join("uv.lock")).unwrap();
    let f = stale_findings(&lock, &read_workspace(&dir).unwrap());
    assert_eq!(f[0].changed, ["members not in the lock: `gamma`"]);
    // a dynamic project's version is not compared, its groups are
    let f = check(
        "stale-dynamic",
        "pyproject.toml",
        "dev = [\"packaging\"]",
        "dev = [\"packaging>=20\"]",
    );
    assert_eq!(f[0].added, ["`(group dev) packaging>=20`"]);
}

/// Problem 5: the build backends of sources outside the workspace come from their own
/// pyproject.toml; what cannot be read is unknown, never a default.
#[test]
fn local_builds_outside_the_workspace() {
    let dir = realworld("monorepo/libs/app");
    let lock = read_lock(&dir.join("uv.lock")).unwrap();
    let ws = read_workspace(&dir).unwrap();
    let root = SourceRoot::discover(&dir).unwrap();
    let locals = root.local_sources(&lock).unwrap();
    let builds = read_local_builds(&locals, Some(&ws), &root);
    let backend = |p: &str| {
        builds
            .get(p)
            .and_then(LocalBuild::build_system)
            .and_then(|b| b.build_backend)
    };
    assert_eq!(backend(".").as_deref(), Some("hatchling.build"));
    assert_eq!(backend("../checkpoint").as_deref(), Some("hatchling.build"));
    assert_eq!(backend("../flitpkg").as_deref(), Some("flit_core.buildapi"));
    assert_eq!(builds.get("../legacy"), Some(&LocalBuild::Pep517Default));
    assert_eq!(
        backend("../legacy").as_deref(),
        Some("setuptools.build_meta:__legacy__")
    );
    assert!(builds.unknown.is_empty());
    // a source that is not checked out: unknown, with a warning naming it and the setting
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("monorepo");
    copy_dir(&realworld("monorepo"), &copy);
    std::fs::remove_dir_all(copy.join("libs/flitpkg")).unwrap();
    let dir = copy.join("libs/app");
    let root = SourceRoot::configured(&dir, &dir.join("lock2nix.toml"), "../..").unwrap();
    let locals = root.local_sources(&lock).unwrap();
    let builds = read_local_builds(&locals, Some(&read_workspace(&dir).unwrap()), &root);
    assert!(matches!(
        builds.get("../flitpkg"),
        Some(LocalBuild::Unknown(_))
    ));
    assert_eq!(builds.unknown.len(), 1);
    let (name, path, why) = &builds.unknown[0];
    let w = lock2nix_lock::LocalBuilds::warning(name, path, why);
    assert!(w.contains("`flitpkg` (../flitpkg)"), "{w}");
    assert!(w.contains("does not exist"), "{w}");
    assert!(w.contains("[packages.flitpkg] build-system"), "{w}");
}

/// Issue 19 item 2: the monorepo's sources are inside the source root, with paths relative to it.
#[test]
fn source_root_of_a_monorepo() {
    let dir = realworld("monorepo/libs/app");
    let lock = read_lock(&dir.join("uv.lock")).unwrap();
    let root = SourceRoot::configured(&dir, &dir.join("lock2nix.toml"), "../..").unwrap();
    assert_eq!(root.dir(), realworld("monorepo").canonicalize().unwrap());
    assert_eq!(root.lock_dir().as_str(), "libs/app");
    let locals = root.local_sources(&lock).unwrap();
    let paths: Vec<(String, LocalSourceKind, String)> = locals
        .iter()
        .map(|s| (s.name.to_string(), s.kind, s.path.as_str().to_string()))
        .collect();
    assert_eq!(
        paths,
        [
            ("app".into(), LocalSourceKind::Editable, "libs/app".into()),
            (
                "checkpoint".into(),
                LocalSourceKind::Editable,
                "libs/checkpoint".into()
            ),
            (
                "flitpkg".into(),
                LocalSourceKind::Directory,
                "libs/flitpkg".into()
            ),
            (
                "legacy".into(),
                LocalSourceKind::Directory,
                "libs/legacy".into()
            ),
        ]
    );
    // the default is the enclosing git repository (this one)
    let default = SourceRoot::discover(&dir).unwrap();
    assert_eq!(
        default.lock_dir().as_str(),
        "fixtures/realworld/monorepo/libs/app"
    );
    assert_eq!(
        default.local_sources(&lock).unwrap()[1].path.as_str(),
        "fixtures/realworld/monorepo/libs/checkpoint"
    );
    assert_eq!(
        RootPath::new("libs/checkpoint")
            .unwrap()
            .strip_prefix(root.lock_dir()),
        None
    );
}

/// Issue 19 item 2: sources outside the root, absolute, or leaving it through a symlink are
/// errors naming the package, the path and the setting.
#[test]
fn sources_outside_the_source_root_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().canonicalize().unwrap();
    let project = base.join("project");
    std::fs::create_dir_all(project.join("inner")).unwrap();
    std::fs::create_dir_all(base.join("secrets")).unwrap();
    std::os::unix::fs::symlink(base.join("secrets"), project.join("inner/linked")).unwrap();
    let lock_with = |source: &str| {
        let text = format!(
            "version = 1\nrevision = 3\nrequires-python = \">=3.10\"\n\n[[package]]\nname = \"evil\"\nversion = \"1.0\"\nsource = {{ {source} }}\n"
        );
        parse_lock(&text, Path::new("uv.lock")).unwrap()
    };
    // no git repository: the lock's directory is the root
    let root = SourceRoot::discover(&project).unwrap();
    assert_eq!(root.dir(), project);
    let err = |source: &str| root.local_sources(&lock_with(source)).unwrap_err();

    let e = err("editable = \"../secrets\"");
    assert!(matches!(e, SourceRootError::Escapes { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("`evil`") && text.contains("\"../secrets\""),
        "{text}"
    );
    assert!(text.contains("source-root"), "{text}");

    let e = err("directory = \"inner/linked\"");
    assert!(
        matches!(&e, SourceRootError::Escapes { resolved, .. } if resolved == &base.join("secrets")),
        "{e}"
    );
    let e = err("editable = \"/etc\"");
    assert!(matches!(e, SourceRootError::Absolute { .. }), "{e}");
    let e = err("path = \"/etc/passwd\"");
    assert!(matches!(e, SourceRootError::Absolute { .. }), "{e}");
    let e = err("path = \"inner/../../secrets/id_rsa\"");
    assert!(matches!(e, SourceRootError::Escapes { .. }), "{e}");
    let e = err("registry = \"../index\"");
    assert!(matches!(e, SourceRootError::Escapes { .. }), "{e}");
    // inside is fine, also through a symlink that stays inside and a path not checked out
    std::os::unix::fs::symlink(project.join("inner"), project.join("alias")).unwrap();
    for ok in [
        "editable = \".\"",
        "directory = \"alias\"",
        "path = \"dist/x-1.0.tar.gz\"",
    ] {
        root.local_sources(&lock_with(ok)).unwrap();
    }
    let s = root
        .local_sources(&lock_with("directory = \"alias\""))
        .unwrap();
    assert_eq!(s[0].path.as_str(), "inner");
    // a configured root that does not contain the lock
    let e = SourceRoot::configured(&project, &base.join("secrets/lock2nix.toml"), ".").unwrap_err();
    assert!(matches!(e, SourceRootError::LockOutside { .. }), "{e}");
    // a configured root one level up allows the sibling
    let up = SourceRoot::configured(&project, &project.join("lock2nix.toml"), "..").unwrap();
    let s = up
        .local_sources(&lock_with("editable = \"../secrets\""))
        .unwrap();
    assert_eq!(s[0].path.as_str(), "secrets");
    assert_eq!(up.lock_dir().as_str(), "project");
}

/// RootPath only holds what the overlay can append to `sourceRoot`.
#[test]
fn root_paths_are_validated() {
    for bad in ["/a", "a/", "a//b", "./a", "a/../b", "..", ".", "a\0b"] {
        assert_eq!(RootPath::new(bad), None, "{bad:?}");
    }
    assert_eq!(RootPath::new("").unwrap().suffix(), "");
    assert_eq!(RootPath::new("libs/app").unwrap().suffix(), "/libs/app");
}

/// A symlink reached after a part that does not exist is still followed (`missing/../out`).
#[test]
fn symlinks_after_a_missing_part_are_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().canonicalize().unwrap();
    let project = base.join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(base.join("outside")).unwrap();
    std::os::unix::fs::symlink(base.join("outside"), project.join("out")).unwrap();
    let root = SourceRoot::discover(&project).unwrap();
    for p in [
        "missing/../out",
        "missing/../out/x",
        "a/b/../../out/y",
        "out",
    ] {
        let e = root.resolve("evil", p).unwrap_err();
        assert!(matches!(e, SourceRootError::Escapes { .. }), "{p}: {e}");
    }
    assert_eq!(root.resolve("ok", "missing/../x").unwrap().as_str(), "x");
}
