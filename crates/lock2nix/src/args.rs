//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub use lock2nix_project::flags::{EnvArgs, LockArgs, NixpkgsArgs, TargetArgs, TranslateArgs};

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
