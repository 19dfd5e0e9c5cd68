//! `read_workspace`, `parse_pyproject` and `stale_warnings` on the real workspaces, and the
//! pyproject features (dependency groups, `[tool.uv]`) on small inputs.

mod common;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lock2nix_lock::pep508_rs::PackageName;
use lock2nix_lock::{
    parse_pyproject, read_lock, read_workspace, stale_findings, stale_warnings, ConflictItem,
    ConflictKind, ErrorKind, Position, PyProject, StaleFinding, UvSource, UvSourceKind, Warning,
};

fn backend(p: &PyProject) -> &str {
    p.build_system
        .as_ref()
        .and_then(|b| b.build_backend.as_deref())
        .unwrap_or("<none>")
}

fn names(list: &[PackageName]) -> Vec<&str> {
    list.iter().map(AsRef::as_ref).collect()
}

#[test]
fn authentik_workspace() {
    let ws = read_workspace(&common::fixture("authentik")).unwrap();
    let projects: Vec<(&str, String, &str)> = ws
        .projects()
        .map(|(dir, p)| {
            (
                dir,
                p.project.as_ref().unwrap().name.to_string(),
                backend(p),
            )
        })
        .collect();
    assert_eq!(
        projects,
        [
            (".", "authentik".to_string(), "hatchling.build"),
            (
                "packages/ak-guardian",
                "ak-guardian".into(),
                "hatchling.build"
            ),
            (
                "packages/django-channels-postgres",
                "django-channels-postgres".into(),
                "hatchling.build"
            ),
            (
                "packages/django-dramatiq-postgres",
                "django-dramatiq-postgres".into(),
                "hatchling.build"
            ),
            (
                "packages/django-postgres-cache",
                "django-postgres-cache".into(),
                "hatchling.build"
            ),
        ]
    );
    let root = &ws.root_project;
    assert_eq!(names(&root.tool_uv.no_binary_package), ["lxml", "xmlsec"]);
    assert_eq!(
        root.project
            .as_ref()
            .unwrap()
            .version
            .as_ref()
            .unwrap()
            .to_string(),
        "2026.5.0rc1"
    );
    let src = |n: &str| &root.tool_uv.sources[&PackageName::from_str(n).unwrap()];
    assert_eq!(src("ak-guardian")[0].kind, UvSourceKind::Workspace);
    assert_eq!(
        src("opencontainers")[0].kind,
        UvSourceKind::Git {
            git: "https://github.com/vsoch/oci-python".into(),
            rev: Some("ceb4fcc090851717a3069d78e85ceb1e86c2740c".into()),
            tag: None,
            branch: None,
            subdirectory: None,
            lfs: false
        }
    );
    assert_eq!(root.tool_uv.sources.len(), 5);
    assert_eq!(root.tool_uv.workspace_members.as_ref().unwrap().len(), 4);
    assert_eq!(
        root.project.as_ref().unwrap().scripts["ak"],
        "lifecycle.ak:main"
    );
    let name = PackageName::from_str("django-postgres-cache").unwrap();
    assert_eq!(
        ws.member_named(&name).unwrap().path,
        common::fixture("authentik/packages/django-postgres-cache/pyproject.toml")
    );
    assert!(ws.member_at("packages/ak-guardian/").is_some());
    assert!(ws.member_at("packages/nope").is_none());
}

#[test]
fn workspace_mixed_members_and_backends() {
    let ws = read_workspace(&common::fixture("locks/workspace-mixed")).unwrap();
    let projects: Vec<(&str, String, &str)> = ws
        .projects()
        .map(|(dir, p)| {
            (
                dir,
                p.project.as_ref().unwrap().name.to_string(),
                backend(p),
            )
        })
        .collect();
    assert_eq!(
        projects,
        [
            (".", "mixed-root".to_string(), "hatchling.build"),
            (
                "packages/mixed-core",
                "mixed-core".into(),
                "hatchling.build"
            ),
            (
                "packages/mixed-plugin",
                "mixed-plugin".into(),
                "flit_core.buildapi"
            ),
            (
                "packages/mixed-utils",
                "mixed-utils".into(),
                "setuptools.build_meta"
            ),
        ]
    );
    // vendor/ holds a project, but it is a path dependency, not a member
    assert!(
        common::fixture("locks/workspace-mixed/vendor/mixed-vendored/pyproject.toml").is_file()
    );
    assert!(ws
        .member_named(&PackageName::from_str("mixed-vendored").unwrap())
        .is_none());
    let utils = ws.member_at("packages/mixed-utils").unwrap();
    assert_eq!(
        utils.tool_uv.sources[&PackageName::from_str("mixed-vendored").unwrap()][0].kind,
        UvSourceKind::Path {
            path: "../../vendor/mixed-vendored".into(),
            editable: None,
            package: None
        }
    );
    let plugin = ws.member_at("packages/mixed-plugin").unwrap();
    let reqs: Vec<String> = plugin
        .build_system
        .as_ref()
        .unwrap()
        .requires
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(reqs, ["flit-core>=3.9,<4"]);
    let root = &ws.root_project;
    let dev: Vec<String> = root.dependency_groups[&"dev".parse().unwrap()]
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        dev,
        ["pytest>=8", "ruff", "mypy>=1.10", "mixed-plugin[test]"]
    );
}

fn stale_members(findings: &[StaleFinding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            let m = f
                .subject
                .strip_prefix("workspace member `")
                .unwrap_or_else(|| panic!("{f:?}"));
            m.split('`').next().unwrap().to_string()
        })
        .collect()
}

#[test]
fn authentik_pyprojects_are_stale_against_its_lock() {
    let dir = common::fixture("authentik");
    let ws = read_workspace(&dir).unwrap();
    let lock = read_lock(&dir.join("uv.lock")).unwrap();
    let findings = stale_findings(&lock, &ws);
    // SOURCE.md: every pyproject but django-postgres-cache's differs from the lock
    assert_eq!(
        stale_members(&findings),
        [
            "ak-guardian",
            "authentik",
            "django-channels-postgres",
            "django-dramatiq-postgres"
        ]
    );
    // the marker-only difference of ak-guardian (python_version<'3.13' vs python_full_version <
    // '3.15'), within requires-python ==3.13.*: the first never holds, the second always does
    assert_eq!(
        findings[0].added,
        ["`typing-extensions>=4.12.0 ; <never>`"],
        "{:?}",
        findings[0]
    );
    assert_eq!(findings[0].removed, ["`typing-extensions>=4.12.0`"]);
    assert_eq!(
        findings[0].file,
        dir.join("packages/ak-guardian/pyproject.toml")
    );
    assert!(findings[1].added.contains(&"`django==5.2.12`".to_string()));
    assert!(findings[1].removed.contains(&"`django==5.2.9`".to_string()));
    assert!(
        findings[1].changed.contains(
            &"version 2026.2.0rc1 in the lock, 2026.5.0rc1 in pyproject.toml".to_string()
        ),
        "{:?}",
        findings[1].changed
    );
    assert!(findings[2]
        .added
        .contains(&"`psycopg[pool]<4,>=3.3.4`".to_string()));
    assert!(findings[2]
        .removed
        .contains(&"`psycopg[pool]<4,>=3`".to_string()));
    assert!(findings[3]
        .removed
        .contains(&"`dramatiq[watch]<1.18,>=1.17`".to_string()));
    assert!(findings[3].added.contains(&"`dramatiq<3,>=2`".to_string()));
    // one short line per stale member: counts, not lists
    let warnings = stale_warnings(&lock, &ws);
    assert_eq!(warnings.len(), 4);
    assert_eq!(
        warnings[0].message,
        "the lock is stale for workspace member `ak-guardian` (packages/ak-guardian): 1 requirement added, 1 requirement removed; using it as it is (`uv lock` refreshes it; `lock2nix inspect --stale` lists the differences)"
    );
    assert!(
        warnings.iter().all(|w| w.message.len() < 300),
        "{warnings:?}"
    );
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

#[test]
fn workspace_mixed_copy_matches_its_lock_until_a_member_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().join("ws");
    copy_dir(&common::fixture("locks/workspace-mixed"), &dir);
    let lock = read_lock(&dir.join("uv.lock")).unwrap();
    let ws = read_workspace(&dir).unwrap();
    assert_eq!(ws.members.len(), 3);
    assert_eq!(stale_warnings(&lock, &ws), Vec::<Warning>::new());

    // change one bound of mixed-core and one extra of the root: exactly those members are stale
    let core = dir.join("packages/mixed-core/pyproject.toml");
    let text = std::fs::read_to_string(&core)
        .unwrap()
        .replace("attrs>=23", "attrs>=24");
    std::fs::write(&core, text).unwrap();
    let root = dir.join("pyproject.toml");
    let text = std::fs::read_to_string(&root)
        .unwrap()
        .replace("yaml = [\"pyyaml>=6\"]", "yaml = [\"pyyaml>=6.0.1\"]");
    std::fs::write(&root, text).unwrap();
    let ws = read_workspace(&dir).unwrap();
    let findings = stale_findings(&lock, &ws);
    assert_eq!(stale_members(&findings), ["mixed-core", "mixed-root"]);
    assert_eq!(findings[0].added, ["`attrs>=24`"]);
    assert_eq!(findings[0].removed, ["`attrs>=23`"]);
    assert_eq!(findings[1].added, ["`pyyaml>=6.0.1 ; extra == 'yaml'`"]);
}

#[test]
fn missing_member_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("pyproject.toml"),
        "[project]\nname = \"r\"\n[tool.uv.workspace]\nmembers = [\"libs/*\"]\nexclude = [\"libs/skip\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(tmp.path().join("libs/a")).unwrap();
    std::fs::create_dir_all(tmp.path().join("libs/skip")).unwrap();
    let e = read_workspace(tmp.path()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::MissingMember("libs/a".into()));
    assert!(e.hint().unwrap().contains("members"));
    std::fs::write(
        tmp.path().join("libs/a/pyproject.toml"),
        "[project]\nname = \"a\"\n",
    )
    .unwrap();
    let ws = read_workspace(tmp.path()).unwrap();
    assert_eq!(ws.members.len(), 1, "libs/skip is excluded");
}

const GROUPS: &str = r#"[project]
name = "demo"
dependencies = ["requests>=2"]

[dependency-groups]
test = ["pytest>=8", { include-group = "lint" }]
lint = ["ruff"]
all = [{ include-group = "test" }, "mypy"]
"#;

#[test]
fn include_group_is_expanded() {
    let p = parse_pyproject(GROUPS, Path::new("pyproject.toml")).unwrap();
    let g = |n: &str| -> Vec<String> {
        p.dependency_groups[&n.parse().unwrap()]
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(g("lint"), ["ruff"]);
    assert_eq!(g("test"), ["pytest>=8", "ruff"]);
    assert_eq!(g("all"), ["pytest>=8", "ruff", "mypy"]);
}

#[test]
fn include_group_cycle_and_unknown_group_are_errors() {
    let text = "[dependency-groups]\na = [\"x\", { include-group = \"b\" }]\nb = [{ include-group = \"a\" }]\n";
    let e = parse_pyproject(text, Path::new("pyproject.toml")).unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::InvalidValue { found, .. } if found.contains("a → b → a")),
        "{e}"
    );
    assert_eq!(
        e.position,
        Some(Position {
            line: 3,
            column: 24
        })
    );
    assert_eq!(e.key_path, "dependency-groups.b");
    let text = "[dependency-groups]\na = [{ include-group = \"nope\" }]\n";
    let e = parse_pyproject(text, Path::new("pyproject.toml")).unwrap_err();
    assert!(e.to_string().contains("\"nope\""), "{e}");
    assert_eq!(
        e.position,
        Some(Position {
            line: 2,
            column: 24
        })
    );
    let text = "[dependency-groups]\na = [{ include-group = \"a\" }]\n";
    let e = parse_pyproject(text, Path::new("pyproject.toml")).unwrap_err();
    assert!(e.to_string().contains("a → a"), "{e}");
}

#[test]
fn tool_uv_sources_of_every_form() {
    let text = r#"
[project]
name = "demo"
dependencies = ["a", "b", "c", "d", "e", "f", "g", "h"]

[tool.uv]
no-binary-package = ["lxml", "Xmlsec"]
no-build-package = ["numpy"]
no-binary = true
package = false
dev-dependencies = ["pytest"]
environments = ["sys_platform == 'linux'", "sys_platform == 'darwin' and platform_machine == 'arm64'"]
conflicts = [
  [{ extra = "cpu" }, { extra = "cu124" }],
  [{ package = "other", group = "g1" }, { package = "other", group = "g2" }],
]

[tool.uv.sources]
a = { git = "https://github.com/o/a", rev = "abc123", subdirectory = "sub", lfs = true }
b = { git = "https://github.com/o/b", tag = "v1" }
c = { git = "https://github.com/o/c", branch = "main" }
d = { url = "https://example.com/d-1.0.tar.gz", subdirectory = "pkg" }
e = { path = "../e", editable = true }
f = { path = "vendor/f", package = false }
g = { index = "pytorch" }
h = [
  { index = "cu", marker = "sys_platform == 'linux'" },
  { workspace = true, marker = "sys_platform != 'linux'", extra = "x", group = "y" },
]
"#;
    let p = parse_pyproject(text, Path::new("pyproject.toml")).unwrap();
    let uv = &p.tool_uv;
    let s = |n: &str| uv.sources[&PackageName::from_str(n).unwrap()].clone();
    let plain = |kind| {
        vec![UvSource {
            kind,
            marker: None,
            extra: None,
            group: None,
        }]
    };
    assert_eq!(
        s("a"),
        plain(UvSourceKind::Git {
            git: "https://github.com/o/a".into(),
            rev: Some("abc123".into()),
            tag: None,
            branch: None,
            subdirectory: Some("sub".into()),
            lfs: true
        })
    );
    assert!(
        matches!(&s("b")[0].kind, UvSourceKind::Git { tag: Some(t), rev: None, .. } if t == "v1")
    );
    assert!(matches!(&s("c")[0].kind, UvSourceKind::Git { branch: Some(b), .. } if b == "main"));
    assert_eq!(
        s("d"),
        plain(UvSourceKind::Url {
            url: "https://example.com/d-1.0.tar.gz".into(),
            subdirectory: Some("pkg".into())
        })
    );
    assert_eq!(
        s("e"),
        plain(UvSourceKind::Path {
            path: "../e".into(),
            editable: Some(true),
            package: None
        })
    );
    assert_eq!(
        s("f"),
        plain(UvSourceKind::Path {
            path: "vendor/f".into(),
            editable: None,
            package: Some(false)
        })
    );
    assert_eq!(s("g"), plain(UvSourceKind::Index("pytorch".into())));
    assert_eq!(
        s("h"),
        vec![
            UvSource {
                kind: UvSourceKind::Index("cu".into()),
                marker: Some("sys_platform == 'linux'".into()),
                extra: None,
                group: None
            },
            UvSource {
                kind: UvSourceKind::Workspace,
                marker: Some("sys_platform != 'linux'".into()),
                extra: Some("x".into()),
                group: Some("y".into())
            },
        ]
    );
    assert_eq!(names(&uv.no_binary_package), ["lxml", "xmlsec"]);
    assert_eq!(names(&uv.no_build_package), ["numpy"]);
    assert!(uv.no_binary && !uv.no_build);
    assert_eq!(uv.package, Some(false));
    assert_eq!(uv.dev_dependencies.len(), 1);
    let envs: Vec<&str> = uv.environments.iter().map(|m| m.raw.as_str()).collect();
    assert_eq!(
        envs,
        [
            "sys_platform == 'linux'",
            "sys_platform == 'darwin' and platform_machine == 'arm64'"
        ]
    );
    let demo = PackageName::from_str("demo").unwrap();
    let other = PackageName::from_str("other").unwrap();
    assert_eq!(
        uv.conflicts,
        vec![
            vec![
                ConflictItem {
                    package: demo.clone(),
                    kind: ConflictKind::Extra("cpu".parse().unwrap())
                },
                ConflictItem {
                    package: demo,
                    kind: ConflictKind::Extra("cu124".parse().unwrap())
                },
            ],
            vec![
                ConflictItem {
                    package: other.clone(),
                    kind: ConflictKind::Group("g1".parse().unwrap())
                },
                ConflictItem {
                    package: other,
                    kind: ConflictKind::Group("g2".parse().unwrap())
                },
            ],
        ]
    );
    // a single environment string is accepted too
    let p = parse_pyproject(
        "[tool.uv]\nenvironments = \"sys_platform == 'linux'\"\n",
        Path::new("p"),
    )
    .unwrap();
    assert_eq!(p.tool_uv.environments.len(), 1);
}

#[test]
fn pyproject_errors_are_located() {
    let cases: &[(&str, &str, (usize, usize))] = &[
        (
            "[project]\nname = \"x\"\ndependencies = [\"requests >>= 2\"]\n",
            "project.dependencies[0]",
            (3, 17),
        ),
        (
            "[tool.uv]\nenvironments = [\"sys_platform = 'linux'\"]\n",
            "tool.uv.environments[0]",
            (2, 17),
        ),
        (
            "[tool.uv.sources]\nx = { branch = \"main\" }\n",
            "tool.uv.sources.x",
            (2, 5),
        ),
        (
            "[tool.uv]\nconflicts = [[{ extra = \"a\" }]]\n",
            "tool.uv.conflicts[0][0]",
            (2, 15),
        ),
        ("[project]\nversion = \"1.0\"\n", "project", (1, 1)),
        (
            "[project]\nname = \"x\"\nrequires-python = \">=3.x\"\n",
            "project.requires-python",
            (3, 19),
        ),
    ];
    for (text, key_path, (line, column)) in cases {
        let e = parse_pyproject(text, Path::new("pyproject.toml")).unwrap_err();
        assert_eq!(&e.key_path, key_path, "{e}");
        assert_eq!(
            e.position,
            Some(Position {
                line: *line,
                column: *column
            }),
            "{e}"
        );
    }
}

/// Where an editable install imports a project from: its backend's declared package
/// directories, else `src` for the src layout, else the project itself; paths that leave the
/// project are ignored.
#[test]
fn editable_roots_follow_the_build_backend() {
    let root = |text: &str| {
        parse_pyproject(text, Path::new("pyproject.toml"))
            .unwrap()
            .editable_root()
            .to_string()
    };
    assert_eq!(
        root("[tool.hatch.build.targets.wheel]\npackages = [\"src/foo\"]\n"),
        "src"
    );
    assert_eq!(
        root("[tool.hatch.build.targets.wheel]\npackages = [\"foo\"]\n"),
        ""
    );
    assert_eq!(
        root("[tool.setuptools]\npackage-dir = { \"\" = \"lib\" }\n"),
        "lib"
    );
    assert_eq!(
        root("[tool.setuptools.packages.find]\nwhere = [\"./src/\"]\n"),
        "src"
    );
    assert_eq!(
        root("[tool.uv.build-backend]\nmodule-name = \"x\"\n"),
        "src"
    );
    assert_eq!(root("[tool.uv.build-backend]\nmodule-root = \"\"\n"), "");
    assert_eq!(
        root("[tool.poetry]\npackages = [{ include = \"x\", from = \"python\" }]\n"),
        "python"
    );
    assert_eq!(root("[tool.pdm.build]\npackage-dir = \"src\"\n"), "src");
    // leaving the project, or another shape, counts as nothing declared
    assert_eq!(
        root("[tool.setuptools.packages.find]\nwhere = [\"../elsewhere\"]\n"),
        ""
    );
    assert_eq!(root("[tool.hatch.build.targets.wheel]\npackages = 3\n"), "");
    // the src layout, found on disk by read_pyproject
    let ws = read_workspace(&common::fixture("locks/workspace-mixed")).unwrap();
    let roots: Vec<(&str, &str)> = ws.projects().map(|(d, p)| (d, p.editable_root())).collect();
    assert_eq!(
        roots,
        [
            (".", "src"),
            ("packages/mixed-core", "src"),
            ("packages/mixed-plugin", ""),
            ("packages/mixed-utils", "src"),
        ]
    );
}
