//! What builds each local source of a lock: workspace members and the path, directory and
//! editable sources outside the workspace (`editable = "../checkpoint"`), read from their own
//! `pyproject.toml`.

use std::collections::BTreeMap;

use pep508_rs::PackageName;

use crate::pyproject::{read_pyproject, BuildSystem, Workspace};
use crate::source_root::{LocalSource, LocalSourceKind, SourceRoot};

/// How one local source is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalBuild {
    /// The `[build-system]` of its `pyproject.toml`.
    Declared(BuildSystem),
    /// A source tree without a `[build-system]` table (a `pyproject.toml` without one, or a
    /// `setup.py` project): PEP 517's default, setuptools' legacy backend
    /// ([`BuildSystem::pep517_default`]).
    Pep517Default,
    /// A wheel file: installed, never built.
    Wheel,
    /// Nothing could be read; the text says why (e.g. the directory is not checked out, or it is
    /// an sdist archive, whose backend lock2nix does not read).
    Unknown(String),
}

impl LocalBuild {
    /// The build system to use, when known (`Pep517Default` gives setuptools' legacy backend).
    pub fn build_system(&self) -> Option<BuildSystem> {
        match self {
            LocalBuild::Declared(bs) => Some(bs.clone()),
            LocalBuild::Pep517Default => Some(BuildSystem::pep517_default()),
            LocalBuild::Wheel | LocalBuild::Unknown(_) => None,
        }
    }

    /// One line for people: the backend, or why it is unknown.
    pub fn describe(&self) -> String {
        match self {
            LocalBuild::Declared(bs) => bs
                .build_backend
                .clone()
                .unwrap_or_else(|| "setuptools.build_meta:__legacy__ (PEP 517 default)".into()),
            LocalBuild::Pep517Default => {
                "setuptools.build_meta:__legacy__ (no [build-system]: PEP 517 default)".into()
            }
            LocalBuild::Wheel => "none (a wheel)".into(),
            LocalBuild::Unknown(why) => format!("unknown: {why}"),
        }
    }
}

/// The build of every local source of a lock; see [`read_local_builds`].
#[derive(Debug, Clone, Default)]
pub struct LocalBuilds {
    /// By the source path as the lock writes it (`.`, `packages/a`, `../checkpoint`).
    pub by_path: BTreeMap<String, LocalBuild>,
    /// The packages whose build is [`LocalBuild::Unknown`]: name, lock path, why.
    pub unknown: Vec<(PackageName, String, String)>,
    /// The `pyproject.toml` of each directory or editable source outside the workspace, by the
    /// lock's path (what [`crate::stale_findings_with`] compares with the lock).
    pub projects: BTreeMap<String, crate::PyProject>,
}

impl LocalBuilds {
    /// The build of the local source at `lock_path` (as the lock writes it).
    pub fn get(&self, lock_path: &str) -> Option<&LocalBuild> {
        self.by_path.get(lock_path)
    }

    /// The warning for one unknown build: it names the package, says why, and how to set the
    /// build system in `lock2nix.toml`.
    pub fn warning(name: &PackageName, lock_path: &str, why: &str) -> String {
        format!(
            "the build backend of `{name}` ({lock_path}) is unknown: {why}; set it in lock2nix.toml: `[packages.{name}] build-system = [\"<python attribute, e.g. hatchling>\"]`"
        )
    }
}

/// Read the build of every directory, editable and path source in `locals` (from
/// [`SourceRoot::local_sources`]): a workspace member's from the pyproject `workspace` already read,
/// any other's from `<source>/pyproject.toml` under the source root. Virtual sources are never
/// built and are left out; wheels are [`LocalBuild::Wheel`]; sdist archives are unknown.
pub fn read_local_builds(
    locals: &[LocalSource],
    workspace: Option<&Workspace>,
    source_root: &SourceRoot,
) -> LocalBuilds {
    let mut out = LocalBuilds::default();
    for src in locals {
        let build = match src.kind {
            LocalSourceKind::Virtual
            | LocalSourceKind::LocalIndex
            | LocalSourceKind::LocalIndexFile => continue,
            LocalSourceKind::Path => {
                if src.lock_path.ends_with(".whl") {
                    LocalBuild::Wheel
                } else {
                    LocalBuild::Unknown(
                        "it is a source archive, and lock2nix does not read the build system inside archives".into(),
                    )
                }
            }
            LocalSourceKind::Directory | LocalSourceKind::Editable => {
                match workspace.and_then(|ws| member_pyproject(ws, &src.lock_path)) {
                    Some(py) => declared(py.build_system.clone()),
                    None => {
                        let (build, py) = read_tree(source_root, src);
                        if let Some(py) = py {
                            out.projects.insert(src.lock_path.clone(), py);
                        }
                        build
                    }
                }
            }
        };
        if let LocalBuild::Unknown(why) = &build {
            out.unknown
                .push((src.name.clone(), src.lock_path.clone(), why.clone()));
        }
        out.by_path.insert(src.lock_path.clone(), build);
    }
    out
}

/// The already-read pyproject of the workspace member at `lock_path`, when it is one.
fn member_pyproject<'a>(ws: &'a Workspace, lock_path: &str) -> Option<&'a crate::PyProject> {
    let dir = lock_path.trim_end_matches('/');
    let dir = dir.strip_prefix("./").unwrap_or(dir);
    ws.member_at(dir)
}

fn declared(bs: Option<BuildSystem>) -> LocalBuild {
    match bs {
        Some(bs) => LocalBuild::Declared(bs),
        None => LocalBuild::Pep517Default,
    }
}

fn read_tree(
    source_root: &SourceRoot,
    src: &LocalSource,
) -> (LocalBuild, Option<crate::PyProject>) {
    let dir = source_root.dir().join(src.path.as_str());
    let file = dir.join("pyproject.toml");
    if file.is_file() {
        return match read_pyproject(&file) {
            Ok(py) => (declared(py.build_system.clone()), Some(py)),
            Err(e) => (
                LocalBuild::Unknown(format!("its pyproject.toml cannot be read ({e})")),
                None,
            ),
        };
    }
    if dir.join("setup.py").is_file() || dir.join("setup.cfg").is_file() {
        return (LocalBuild::Pep517Default, None);
    }
    let why = if dir.is_dir() {
        format!("{} has no pyproject.toml or setup.py", dir.display())
    } else {
        format!("{} does not exist here", dir.display())
    };
    (LocalBuild::Unknown(why), None)
}
