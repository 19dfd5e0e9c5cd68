//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Translate a uv.lock into a nixpkgs Python overlay that reuses nixpkgs where it agrees with the lock.
#[derive(Debug, Parser)]
#[command(name = "lock2nix", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print what a uv.lock holds: format version, packages, sources, forks, workspace members.
    Inspect {
        /// The lock and its project.
        #[command(flatten)]
        lock: LockArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Print only how the lock differs from the pyproject.toml files (every difference; exit 0
        /// either way).
        #[arg(long)]
        stale: bool,
    },
    /// Resolve the lock for one target: the closure, one package per row, with the chosen artifact.
    Resolve {
        /// The target.
        #[command(flatten)]
        target: TargetArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Show every shortest path from a root to a package, with the markers that held.
    Why {
        /// The package to explain.
        package: String,
        /// The target.
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Decide per package: reuse nixpkgs, override its version, build, in-tree, or git (vcs).
    Plan {
        /// The target.
        #[command(flatten)]
        target: TargetArgs,
        /// The nixpkgs choices.
        #[command(flatten)]
        nixpkgs: NixpkgsArgs,
        /// The environments.
        #[command(flatten)]
        envs: EnvArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write the nixpkgs overlay for the lock: reuse nixpkgs where it agrees, build the rest.
    Translate(TranslateArgs),
    /// Fail when the overlay no longer matches the uv.lock or lock2nix.toml it was generated from (for CI).
    Check {
        /// The lock and its project.
        #[command(flatten)]
        lock: LockArgs,
        /// The overlay [default: the config's `output`, else nix/python-overlay.nix beside the lock].
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Edit lock2nix.toml: add per-package overrides, keeping its comments.
    #[command(subcommand)]
    Override(OverrideCommand),
    /// Download what the lock does not say (git NAR hashes, sdist build systems, wheel
    /// requirements) into the sidecar lock2nix-hashes.toml.
    Prefetch(crate::commands::prefetch::PrefetchArgs),
    /// Print the NAR hash of a file or directory (as `nix-hash --type sha256`), SRI by default.
    HashPath(crate::commands::hash_path::HashPathArgs),
    /// Write a nixpkgs index file: evaluate nixpkgs with Nix (--nixpkgs) or scan its tree (--scan).
    Index(crate::commands::index::IndexArgs),
    /// Print the resolved dependency graph (cycles and cut edges marked).
    Graph {
        /// The target.
        #[command(flatten)]
        target: TargetArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
}

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

/// Text or JSON.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// For people.
    Text,
    /// For programs.
    Json,
}

/// DOT or JSON.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    /// Graphviz.
    Dot,
    /// JSON nodes and edges.
    Json,
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
    /// [default: the config's, else exact]
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<String>,
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
    /// The target.
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

/// `override`.
#[derive(Debug, Subcommand, Clone)]
pub enum OverrideCommand {
    /// Add to `[packages.PKG]` in lock2nix.toml (created beside the lock when missing).
    Add {
        /// The package (its name in the lock).
        package: String,
        /// The configuration file [default: lock2nix.toml in the current directory].
        #[arg(long, value_name = "PATH", default_value = "lock2nix.toml")]
        config: PathBuf,
        /// The nixpkgs attribute to use.
        #[arg(long)]
        attr: Option<String>,
        /// The version policy for this package (exact, compatible, nixpkgs).
        #[arg(long)]
        policy: Option<String>,
        /// A Python build requirement (attribute), repeatable.
        #[arg(long = "build-system", value_name = "ATTR")]
        build_system: Vec<String>,
        /// A native build input (top-level nixpkgs attribute path), repeatable.
        #[arg(long = "native-build-input", value_name = "ATTR")]
        native_build_inputs: Vec<String>,
        /// A build input (top-level nixpkgs attribute path), repeatable.
        #[arg(long = "build-input", value_name = "ATTR")]
        build_inputs: Vec<String>,
        /// A dependency to remove from the package's metadata, repeatable.
        #[arg(long = "remove-dep", value_name = "NAME")]
        remove_deps: Vec<String>,
        /// Run (or skip) the package's checks.
        #[arg(long = "do-check", value_name = "BOOL")]
        do_check: Option<bool>,
    },
}
