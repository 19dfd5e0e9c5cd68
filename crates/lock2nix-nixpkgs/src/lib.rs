//! # lock2nix-nixpkgs
//!
//! What nixpkgs' Python package set has, and how PyPI names map onto it.
//!
//! A later planning step asks this crate: *does nixpkgs have PyPI package X, under which attribute, at which
//! version, and is it broken or disabled for Python 3.Y?* and then decides to reuse, override or build.
//!
//! ## The index
//! An [`Index`] holds one [`Entry`] per nixpkgs attribute (`attr`, `pname`, literal `version` or the
//! `version_expr` text, `broken`, `disabled`, `failed`, `note`, ...) plus [`IndexMeta`] (nixpkgs revision,
//! Python version, how it was made). Lookups: [`Index::get`] (attribute), [`Index::by_pname`] (PEP 503-
//! normalised pname). [`Index::iter`] is sorted by attribute. There are three ways to get one:
//!
//! * **Saved index file**: [`Index::read`] / [`Index::write`] (atomic). The own format is the
//!   `lock2nix-index v1` TSV documented in `docs/index-format.md`; [`Index::read`] also reads the
//!   authentik-subset TSV (`pypi_name attr pname version nixpkgs_commit note`) as it is.
//! * **Evaluated with Nix**: [`index_from_nix`] runs `nix/index.nix` (embedded in the binary) with
//!   `nix-instantiate --eval --strict --json`, or `nix eval --json --impure --expr` for flake references.
//! * **Static scan without evaluation**: [`index_from_source_tree`] reads
//!   `pkgs/top-level/python-packages.nix`, the referenced `pkgs/development/python-modules/*` recipes and
//!   Python applications under `pkgs/by-name` with `rnix`, taking only literal values.
//!
//! ## Name mapping
//! [`NameMap::lookup`] maps a PyPI name to an attribute: per-package override, then the known-names table
//! (`src/known-names.tsv`), then the normalised name as an attribute, then a normalised pname match (see
//! [`names`] for details).
//!
//! ## Versions
//! [`nixpkgs_version_matches`] compares a locked PEP 440 version with a nixpkgs version string.

#![forbid(unsafe_code)]

pub mod error;
pub mod features;
pub mod format;
pub mod index;
pub mod names;
pub mod nix_eval;
pub mod scan;
pub mod version;

use std::path::Path;

pub use error::{Error, Result};
pub use features::{RecipeFeatures, RecipeFormat, SrcFetcher, SwapBlocker};
pub use index::{
    normalize_name, Entry, Index, IndexMeta, IndexSource, Missing, PythonVersion, Scope,
};
pub use names::{known_names, KnownName, Match, NameMap, Via};
pub use nix_eval::{index_from_nix, index_from_nix_with, NixEvalOptions, INDEX_NIX};
pub use scan::index_from_source_tree;
pub use version::{nixpkgs_version_matches, VersionMatch};

impl Index {
    /// Reads an index file: the own `lock2nix-index v1` format or the authentik-subset TSV.
    /// Parse errors carry file, line, column and what was expected.
    pub fn read(path: impl AsRef<Path>) -> Result<Index> {
        format::read(path.as_ref())
    }

    /// Parses index text (either format); `file` names the source in error messages.
    pub fn parse(text: &str, file: &str) -> Result<Index> {
        format::parse(text, file)
    }

    /// Writes the index in the own format, atomically (temporary file in the same directory, fsync,
    /// rename).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        format::write(self, path.as_ref())
    }

    /// The own-format text [`Index::write`] writes.
    pub fn to_tsv(&self) -> String {
        format::to_string(self)
    }
}
