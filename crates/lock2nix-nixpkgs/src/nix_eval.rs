//! Building an [`Index`] by evaluating `nix/index.nix` with Nix.

use crate::error::{Error, Result};
use crate::index::{Index, PythonVersion};

/// The Nix expression, embedded so the installed tool does not depend on the repository.
pub const INDEX_NIX: &str = include_str!("../../../nix/index.nix");

/// Options for [`index_from_nix_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NixEvalOptions {
    /// Also force each package's `outPath` to learn whether it is disabled for the interpreter.
    pub check_out_path: bool,
}

impl Default for NixEvalOptions {
    fn default() -> Self {
        Self {
            check_out_path: true,
        }
    }
}

/// Evaluates `nixpkgs` (a path, `<nixpkgs>`, or a flake reference) with default options.
pub fn index_from_nix(nixpkgs: &str, python: PythonVersion) -> Result<Index> {
    index_from_nix_with(nixpkgs, python, &NixEvalOptions::default())
}

/// Evaluates `nixpkgs` with explicit options.
pub fn index_from_nix_with(
    nixpkgs: &str,
    python: PythonVersion,
    options: &NixEvalOptions,
) -> Result<Index> {
    let _ = (nixpkgs, python, options);
    Err(Error::NixOutput {
        command: "nix-instantiate".into(),
        detail: "not implemented yet".into(),
    })
}
