//! The source root: the one directory that every local source of a lock (path, directory,
//! editable and virtual sources, and local package indexes) must stay inside, after symlinks are
//! followed.
//!
//! A lock names local sources by paths relative to its own directory (`editable = "../checkpoint"`).
//! Whatever those paths reach is copied into the world-readable Nix store when the overlay is
//! evaluated, so a hostile lock must not reach `/etc` or `~/.ssh`; a monorepo whose lock lives in
//! `libs/app/` must still reach `libs/checkpoint`. The rule: every local source resolves, with
//! symlinks followed, to a directory or file inside the source root, which is
//!
//! 1. `source-root` in `lock2nix.toml` (relative to that file), when set; else
//! 2. the enclosing git repository of the lock (the nearest ancestor with a `.git` entry); else
//! 3. the lock's own directory.
//!
//! Paths inside the root are [`RootPath`]s: validated, `/`-separated, relative to the root, with
//! no `.`, `..` or empty components. The overlay renders a local source as
//! `sourceRoot + "/<RootPath>"`.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use pep508_rs::PackageName;

use crate::model::{Lock, PackageId, RegistrySource, SdistLocator, Source, WheelLocator};

/// A path inside the source root: `/`-separated components, none of them empty, `.` or `..`, no
/// leading or trailing `/`, valid UTF-8 without NUL. The empty path is the root itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RootPath(String);

impl RootPath {
    /// The root itself.
    pub fn root() -> Self {
        Self(String::new())
    }

    /// Validate a `/`-separated path relative to the root.
    pub fn new(path: &str) -> Option<Self> {
        if path.is_empty() {
            return Some(Self::root());
        }
        let ok = path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\0'));
        ok.then(|| Self(path.to_string()))
    }

    /// The path as text (`""` for the root itself).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Is this the root itself?
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The path with a leading `/` (`""` for the root): what the overlay appends to `sourceRoot`.
    pub fn suffix(&self) -> String {
        if self.0.is_empty() {
            String::new()
        } else {
            format!("/{}", self.0)
        }
    }

    /// The path relative to `base` when it is inside `base` (`a/b` relative to `a` is `b`).
    pub fn strip_prefix(&self, base: &RootPath) -> Option<RootPath> {
        if base.is_root() {
            return Some(self.clone());
        }
        if self.0 == base.0 {
            return Some(Self::root());
        }
        self.0
            .strip_prefix(&base.0)
            .and_then(|rest| rest.strip_prefix('/'))
            .map(|rest| Self(rest.to_string()))
    }
}

impl fmt::Display for RootPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str(".")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// Where the source root came from (for messages: the setting to change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceRootOrigin {
    /// `source-root = "…"` in a `lock2nix.toml`.
    Configured {
        /// The configuration file.
        file: PathBuf,
        /// The value as written.
        value: String,
    },
    /// The default: the git repository enclosing the lock.
    GitRepository,
    /// The default: the lock's directory (it is in no git repository).
    LockDirectory,
}

/// Why a source root could not be set up, or a local source is outside it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceRootError {
    /// A directory could not be read (canonicalized).
    #[error("cannot resolve {path}: {message}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// The configured source root does not contain the lock.
    #[error("the lock's directory {lock_dir} is outside the source root {root} ({setting}); set `source-root` in lock2nix.toml to a directory that contains both the lock and its local sources")]
    LockOutside {
        /// The lock's directory.
        lock_dir: PathBuf,
        /// The source root.
        root: PathBuf,
        /// The setting that chose the root.
        setting: String,
    },
    /// A path that is not valid UTF-8 (the overlay cannot name it).
    #[error("{path} is not valid UTF-8; lock2nix can only name UTF-8 paths in Nix")]
    NotUtf8 {
        /// The path.
        path: PathBuf,
    },
    /// A local source given as an absolute path.
    #[error("package `{package}` has the absolute local source path {path:?}; lock2nix only builds local sources inside the source root {root} ({setting}): make the path relative in tool.uv.sources and run `uv lock`")]
    Absolute {
        /// The package.
        package: String,
        /// The path as the lock wrote it.
        path: String,
        /// The source root.
        root: PathBuf,
        /// The setting that chose the root.
        setting: String,
    },
    /// A local source outside the source root (after following symlinks).
    #[error("package `{package}` has the local source {path:?}, which resolves to {resolved}, outside the source root {root} ({setting}); if that directory belongs to the project, set `source-root` in lock2nix.toml to a directory that contains it")]
    Escapes {
        /// The package.
        package: String,
        /// The path as the lock wrote it.
        path: String,
        /// Where it leads.
        resolved: PathBuf,
        /// The source root.
        root: PathBuf,
        /// The setting that chose the root.
        setting: String,
    },
}

/// The kind of a [`LocalSource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LocalSourceKind {
    /// `source = { path = … }`: an archive (sdist or wheel).
    Path,
    /// `source = { directory = … }`.
    Directory,
    /// `source = { editable = … }`.
    Editable,
    /// `source = { virtual = … }`.
    Virtual,
    /// `source = { registry = "<local directory>" }`: a local index or find-links directory.
    LocalIndex,
    /// An sdist or wheel file of a local index (`sdist = { path = … }`, `wheels = [{ path = … }]`).
    LocalIndexFile,
}

/// A local source of a lock, resolved inside the source root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSource {
    /// The package (index into [`Lock::packages`]).
    pub package: PackageId,
    /// Its name.
    pub name: PackageName,
    /// What the path is.
    pub kind: LocalSourceKind,
    /// The path as the lock wrote it (relative to the lock's directory; for local index files,
    /// the index directory and the file joined with `/`).
    pub lock_path: String,
    /// Where it is, relative to the source root.
    pub path: RootPath,
}

/// The source root of one lock; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRoot {
    dir: PathBuf,
    lock_dir: RootPath,
    lock_dir_abs: PathBuf,
    origin: SourceRootOrigin,
}

fn canonical(path: &Path) -> Result<PathBuf, SourceRootError> {
    std::fs::canonicalize(path).map_err(|e| SourceRootError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// `path` (absolute, canonical) relative to `root` (absolute, canonical), as a [`RootPath`].
fn root_relative(root: &Path, path: &Path) -> Result<Option<RootPath>, SourceRootError> {
    let Ok(rest) = path.strip_prefix(root) else {
        return Ok(None);
    };
    let mut parts = Vec::new();
    for c in rest.components() {
        match c {
            Component::Normal(s) => match s.to_str() {
                Some(s) => parts.push(s),
                None => {
                    return Err(SourceRootError::NotUtf8 {
                        path: path.to_path_buf(),
                    })
                }
            },
            // canonical paths have none of the others
            _ => return Ok(None),
        }
    }
    Ok(RootPath::new(&parts.join("/")))
}

impl SourceRoot {
    /// The default source root of a lock in `lock_dir`: its enclosing git repository, else
    /// `lock_dir` itself.
    pub fn discover(lock_dir: &Path) -> Result<Self, SourceRootError> {
        let lock_abs = canonical(lock_dir)?;
        let repo = lock_abs
            .ancestors()
            .find(|dir| dir.join(".git").symlink_metadata().is_ok());
        let (dir, origin) = match repo {
            Some(r) => (r.to_path_buf(), SourceRootOrigin::GitRepository),
            None => (lock_abs.clone(), SourceRootOrigin::LockDirectory),
        };
        Self::with(dir, lock_abs, origin)
    }

    /// The source root set by `source-root = value` in the configuration file `config_file`
    /// (relative to the file's directory).
    pub fn configured(
        lock_dir: &Path,
        config_file: &Path,
        value: &str,
    ) -> Result<Self, SourceRootError> {
        let base = match config_file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = canonical(&base.join(value))?;
        let lock_abs = canonical(lock_dir)?;
        Self::with(
            dir,
            lock_abs,
            SourceRootOrigin::Configured {
                file: config_file.to_path_buf(),
                value: value.to_string(),
            },
        )
    }

    fn with(
        dir: PathBuf,
        lock_abs: PathBuf,
        origin: SourceRootOrigin,
    ) -> Result<Self, SourceRootError> {
        let setting = describe_origin(&origin, &dir);
        let lock_dir =
            root_relative(&dir, &lock_abs)?.ok_or_else(|| SourceRootError::LockOutside {
                lock_dir: lock_abs.clone(),
                root: dir.clone(),
                setting,
            })?;
        Ok(Self {
            dir,
            lock_dir,
            lock_dir_abs: lock_abs,
            origin,
        })
    }

    /// The source root directory (absolute, symlinks resolved).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The lock's directory, relative to the source root.
    pub fn lock_dir(&self) -> &RootPath {
        &self.lock_dir
    }

    /// Where the source root came from.
    pub fn origin(&self) -> &SourceRootOrigin {
        &self.origin
    }

    /// The setting that chose the root, for messages: `source-root = "../.." in lock2nix.toml`,
    /// or the default that applied.
    pub fn setting(&self) -> String {
        describe_origin(&self.origin, &self.dir)
    }

    /// Resolve the local source `path` of `package` (relative to the lock's directory, as the lock
    /// writes it), following symlinks, to a path inside the source root.
    pub fn resolve(&self, package: &str, path: &str) -> Result<RootPath, SourceRootError> {
        let p = Path::new(path);
        if p.is_absolute() || path.starts_with('/') || path.starts_with('\\') || has_drive(path) {
            return Err(SourceRootError::Absolute {
                package: package.to_string(),
                path: path.to_string(),
                root: self.dir.clone(),
                setting: self.setting(),
            });
        }
        // Walk the components: after every step, a path that exists is replaced by its canonical
        // form (so a symlink leads where the OS would go, and `..` after it is its real parent);
        // a part that does not exist is applied lexically until the path exists again.
        let mut current = self.lock_dir_abs.clone();
        for c in p.components() {
            match c {
                Component::CurDir => continue,
                Component::ParentDir => {
                    if !current.pop() {
                        return Err(self.escapes(package, path, current));
                    }
                }
                Component::Normal(s) => current.push(s),
                Component::RootDir | Component::Prefix(_) => {
                    return Err(SourceRootError::Absolute {
                        package: package.to_string(),
                        path: path.to_string(),
                        root: self.dir.clone(),
                        setting: self.setting(),
                    })
                }
            }
            if let Ok(real) = std::fs::canonicalize(&current) {
                current = real;
            }
        }
        match root_relative(&self.dir, &current)? {
            Some(rel) => Ok(rel),
            None => Err(self.escapes(package, path, current)),
        }
    }

    fn escapes(&self, package: &str, path: &str, resolved: PathBuf) -> SourceRootError {
        SourceRootError::Escapes {
            package: package.to_string(),
            path: path.to_string(),
            resolved,
            root: self.dir.clone(),
            setting: self.setting(),
        }
    }

    /// Every local source of `lock`, resolved inside the source root, in package order; the first
    /// that is absolute or outside is the error.
    pub fn local_sources(&self, lock: &Lock) -> Result<Vec<LocalSource>, SourceRootError> {
        let mut out = Vec::new();
        for (id, pkg) in lock.packages.iter().enumerate() {
            let name = pkg.name.as_ref();
            let mut push = |kind, lock_path: String| -> Result<(), SourceRootError> {
                let path = self.resolve(name, &lock_path)?;
                out.push(LocalSource {
                    package: id,
                    name: pkg.name.clone(),
                    kind,
                    lock_path,
                    path,
                });
                Ok(())
            };
            match &pkg.source {
                Source::Path(p) => push(LocalSourceKind::Path, p.clone())?,
                Source::Directory(p) => push(LocalSourceKind::Directory, p.clone())?,
                Source::Editable(p) => push(LocalSourceKind::Editable, p.clone())?,
                Source::Virtual(p) => push(LocalSourceKind::Virtual, p.clone())?,
                Source::Registry(RegistrySource::Path(index)) => {
                    push(LocalSourceKind::LocalIndex, index.clone())?;
                    let join = |file: &str| format!("{}/{file}", index.trim_end_matches('/'));
                    if let Some(sd) = &pkg.sdist {
                        if let SdistLocator::Path(f) = &sd.locator {
                            push(LocalSourceKind::LocalIndexFile, join(f))?;
                        }
                    }
                    for w in &pkg.wheels {
                        if let WheelLocator::Path(f) = &w.locator {
                            push(LocalSourceKind::LocalIndexFile, join(f))?;
                        }
                    }
                }
                Source::Registry(RegistrySource::Url(_)) | Source::Git(_) | Source::Url { .. } => {}
            }
        }
        Ok(out)
    }
}

/// `C:` or `C:\…` (a Windows drive), which uv may write for sources on another drive.
fn has_drive(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

fn describe_origin(origin: &SourceRootOrigin, dir: &Path) -> String {
    match origin {
        SourceRootOrigin::Configured { file, value } => {
            format!("`source-root = {value:?}` in {}", file.display())
        }
        SourceRootOrigin::GitRepository => format!(
            "the default: the git repository at {} that contains the lock; `source-root` in lock2nix.toml changes it",
            dir.display()
        ),
        SourceRootOrigin::LockDirectory => {
            "the default: the lock's directory, which is in no git repository; `source-root` in lock2nix.toml changes it".to_string()
        }
    }
}
