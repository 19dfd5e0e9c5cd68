//! The command-line flags the pipeline takes (clap derives; the CLI flattens them into its
//! commands). [`crate::Settings`] merges them with `lock2nix.toml` once per command.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Where the lock is.
#[derive(Debug, Args, Clone)]
pub struct LockArgs {
    /// The uv.lock to read; its directory is the workspace root (pyproject.toml files are read from
    /// there) [default: the config's `lock`, else ./uv.lock].
    #[arg(long, value_name = "PATH")]
    pub lock: Option<PathBuf>,
    /// The lock2nix.toml to use [default: lock2nix.toml beside the lock or in the current directory,
    /// when there is one].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// Target selection.
#[derive(Debug, Args, Clone)]
pub struct TargetArgs {
    /// The lock and its project.
    #[command(flatten)]
    pub lock: LockArgs,
    /// Nix system: x86_64-linux, aarch64-linux, x86_64-darwin or aarch64-darwin (repeatable for
    /// translate) [default: the machine's own system; for translate, all four].
    #[arg(long = "system", value_name = "SYSTEM")]
    pub systems: Vec<String>,
    /// CPython version, X.Y or X.Y.Z; X.Y means the patch nixpkgs ships for it, or the nearest one
    /// requires-python allows [default: nixpkgs' python3 (3.13, or the nixpkgs index's interpreter)
    /// when requires-python allows it, else the newest of 3.10-3.14 it allows].
    #[arg(long, value_name = "X.Y[.Z]")]
    pub python: Option<String>,
    /// Root package (repeatable) [default: the workspace members, or the project].
    #[arg(long = "root", value_name = "NAME")]
    pub roots: Vec<String>,
    /// Extra of the roots to install (repeatable).
    #[arg(long = "extra", value_name = "EXTRA")]
    pub extras: Vec<String>,
    /// Dependency group of the roots to install (repeatable).
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    /// Install every dependency group of the roots (and of a workspace root that is not a project).
    #[arg(long)]
    pub all_groups: bool,
    /// Also install the groups `uv sync` installs by default (`dev`, or tool.uv.default-groups),
    /// where they exist [default: no group unless asked].
    #[arg(long)]
    pub default_groups: bool,
    /// The oldest macOS (MAJOR.MINOR) the Darwin systems must run on: wheels for a newer macOS are
    /// not used [default: the config's, else 14.0, nixpkgs' darwinMinVersion].
    #[arg(long, value_name = "MAJOR.MINOR")]
    pub macos_deployment_target: Option<String>,
    /// Prefer wheels (uv's default) or sdists when a package has both [default: wheel].
    #[arg(long, value_enum)]
    pub prefer: Option<PreferArg>,
    /// Never use wheels for this package (repeatable; adds to tool.uv.no-binary-package).
    #[arg(long = "no-binary-package", value_name = "NAME")]
    pub no_binary_package: Vec<String>,
    /// Never build this package from source (repeatable; adds to tool.uv.no-build-package).
    #[arg(long = "no-build-package", value_name = "NAME")]
    pub no_build_package: Vec<String>,
}

impl TargetArgs {
    /// No target flag given: everything from the configuration or the defaults.
    pub fn for_lock(lock: LockArgs) -> Self {
        Self {
            lock,
            systems: vec![],
            python: None,
            roots: vec![],
            extras: vec![],
            groups: vec![],
            all_groups: false,
            default_groups: false,
            macos_deployment_target: None,
            prefer: None,
            no_binary_package: vec![],
            no_build_package: vec![],
        }
    }
}

/// Wheel or sdist first.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PreferArg {
    /// The best compatible wheel, else the sdist.
    Wheel,
    /// The sdist, else the best wheel.
    Sdist,
}

/// What nixpkgs has and when to reuse it.
#[derive(Debug, Args, Clone)]
pub struct NixpkgsArgs {
    /// The nixpkgs index to compare with (`lock2nix index` writes one; the authentik-subset TSV format
    /// is read too). Without it nothing is reused: every package is built from the lock.
    #[arg(long, value_name = "FILE")]
    pub index: Option<PathBuf>,
    /// When nixpkgs' version is good enough: exact (same version), compatible (satisfies every known
    /// specifier), nixpkgs (whatever nixpkgs has).
    /// [default: the config's, else compatible]
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<lock2nix_plan::Policy>,
}

/// Which environments the overlay offers.
#[derive(Debug, Args, Clone, Default)]
pub struct EnvArgs {
    /// An environment `<scope>.envs.NAME` (repeatable; adds to `[envs.NAME]` of lock2nix.toml
    /// and to the defaults `default` and `dev`): `NAME` (the group NAME), or
    /// `NAME=groups=a,b;extras=x;default-groups;all-groups;all-extras;editable=false`.
    #[arg(long = "env", value_name = "NAME[=SPEC]")]
    pub envs: Vec<String>,
}

/// `translate`.
#[derive(Debug, Args, Clone)]
pub struct TranslateArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// The environments.
    #[command(flatten)]
    pub envs: EnvArgs,
    /// The nixpkgs choices.
    #[command(flatten)]
    pub nixpkgs: NixpkgsArgs,
    /// Where to write the overlay; `-` for stdout [default: nix/python-overlay.nix beside the lock].
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// The private interpreter's name [default: <root>Python, e.g. authentikPython].
    #[arg(long, value_name = "NAME", conflicts_with = "global")]
    pub scope: Option<String>,
    /// Extend nixpkgs' own Python package sets of the interpreter (pythonPackagesExtensions)
    /// instead of adding a private interpreter: every package of that nixpkgs sees the overrides.
    #[arg(long)]
    pub global: bool,
    /// The prefetch sidecar [default: lock2nix-hashes.toml beside the lock].
    #[arg(long, value_name = "PATH")]
    pub hashes: Option<PathBuf>,
    /// Write lib.fakeHash (listed in the file) where a hash or Cargo.lock was not prefetched.
    #[arg(long)]
    pub allow_missing_hashes: bool,
    /// Overwrite an output file that lock2nix did not generate.
    #[arg(long)]
    pub force: bool,
}
