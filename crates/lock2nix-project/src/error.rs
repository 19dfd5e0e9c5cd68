//! What can go wrong before the overlay is written; the CLI prints each with its causes.

use std::path::PathBuf;

/// A failure of loading a project, merging settings or translating.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{} does not exist: pass --lock PATH (or set `lock` in lock2nix.toml), or run `uv lock` in the project first", .0.display())]
    NoLock(PathBuf),
    #[error("cannot read {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Lock(Box<lock2nix_lock::Error>),
    #[error(transparent)]
    Config(Box<lock2nix_config::ConfigError>),
    #[error("cannot check the local sources of {}", lock.display())]
    SourceRoot {
        lock: PathBuf,
        #[source]
        source: lock2nix_lock::SourceRootError,
    },
    #[error("{}: [packages.{name}] configures a package that is not in {}; remove the section or fix the name", config.display(), lock.display())]
    UnknownPackage {
        config: PathBuf,
        lock: PathBuf,
        name: String,
    },
    /// A command-line value (flag and value) that is not what the flag takes.
    #[error("{flag} {value}: {expected}")]
    Flag {
        flag: &'static str,
        value: String,
        expected: String,
    },
    #[error("{0}")]
    Python(String),
    #[error("cannot read the nixpkgs index {}", path.display())]
    Index {
        path: PathBuf,
        #[source]
        source: lock2nix_nixpkgs::Error,
    },
    #[error("cannot read the prefetch sidecar {}", path.display())]
    Sidecar {
        path: PathBuf,
        #[source]
        source: lock2nix_fetch::SidecarError,
    },
    #[error("cannot resolve {} for {target}{advice}", lock.display())]
    Resolve {
        lock: PathBuf,
        target: String,
        /// What to try, when something would work (starts with `; ` or is empty).
        advice: String,
        #[source]
        source: Box<lock2nix_resolve::ResolveError>,
    },
    #[error(transparent)]
    Layout(#[from] lock2nix_plan::LayoutError),
    #[error(transparent)]
    Env(#[from] lock2nix_plan::EnvError),
    #[error(transparent)]
    Emit(#[from] lock2nix_emit::EmitError),
    #[error("{} source(s) lack what a fixed-output derivation needs:\n  {}\nrun `lock2nix prefetch` to record git hashes and Cargo.lock files in {} (a file the lock gives no hash for cannot be prefetched: lock it with hashes), or pass --allow-missing-hashes to write lib.fakeHash (the build then fails and prints the right hash)", .missing.len(), .missing.join("\n  "), .sidecar.display())]
    MissingHashes {
        missing: Vec<String>,
        sidecar: PathBuf,
    },
    #[error("this command takes one --system")]
    OneSystem,
    #[error("no target could be resolved:\n  {}\npass --system and --python for a target the lock supports", .0.join("\n  "))]
    NothingResolves(Vec<String>),
}

impl From<lock2nix_lock::Error> for Error {
    fn from(e: lock2nix_lock::Error) -> Self {
        Error::Lock(Box::new(e))
    }
}

impl From<lock2nix_config::ConfigError> for Error {
    fn from(e: lock2nix_config::ConfigError) -> Self {
        Error::Config(Box::new(e))
    }
}

impl Error {
    /// `project`'s lock does not resolve for `target` (a system that was asked for).
    pub fn resolve(
        project: &crate::Project,
        target: &lock2nix_resolve::Target,
        e: lock2nix_resolve::ResolveError,
    ) -> Self {
        Error::Resolve {
            lock: project.lock_path.clone(),
            target: target.to_string(),
            advice: String::new(),
            source: Box::new(e),
        }
    }

    /// A "what to do" line, when the error has one that would work.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Lock(e) => e.hint(),
            _ => None,
        }
    }
}
