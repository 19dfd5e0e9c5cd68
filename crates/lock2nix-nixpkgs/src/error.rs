//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while reading, writing or building an [`crate::Index`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A file could not be written (or atomically renamed into place).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// An index file is malformed. `line` and `column` are 1-based; the column counts characters.
    #[error("{file}:{line}:{column}: expected {expected}, found {found}")]
    Parse {
        /// The file name (or `<string>` for in-memory text).
        file: String,
        /// 1-based line number.
        line: usize,
        /// 1-based column (in characters) where the offending cell starts.
        column: usize,
        /// What the reader expected there.
        expected: String,
        /// What it found instead (shortened).
        found: String,
    },
    /// An input is larger than a reader's limit (see [`crate::ReadLimits`] and
    /// [`crate::ScanLimits`]). `line` and `column` are 1-based; both are 1 for a whole file.
    #[error("{file}:{line}:{column}: {what} than the limit of {limit} {unit}")]
    Limit {
        /// The file name (or `<string>` for in-memory text).
        file: String,
        /// 1-based line number.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What is too large, e.g. "the file has more rows".
        what: String,
        /// The limit.
        limit: usize,
        /// The limit's unit (`rows`, `bytes`, `characters`, `items`).
        unit: String,
    },
    /// A Python version string such as `3.13` or `python313` could not be understood.
    #[error("invalid Python version {0:?}: expected `3.13` or `python313`")]
    PythonVersion(String),
    /// A Nix program could not be started.
    #[error("cannot run `{program}` (is Nix installed and on PATH?): {source}")]
    NixSpawn {
        /// The program, e.g. `nix-instantiate`.
        program: String,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A Nix program ran but failed.
    #[error("`{command}` failed with {status}:\n{stderr}")]
    NixFailed {
        /// The command line (for the person reading the error).
        command: String,
        /// The exit status.
        status: String,
        /// Nix's error output.
        stderr: String,
    },
    /// Nix printed something that is not the JSON shape `nix/index.nix` produces.
    #[error("unexpected output from `{command}`: {detail}")]
    NixOutput {
        /// The command line.
        command: String,
        /// What was wrong.
        detail: String,
    },
    /// A directory is not a nixpkgs source tree (the static scanner needs
    /// `pkgs/top-level/python-packages.nix`).
    #[error("{}: {detail}", path.display())]
    NotNixpkgs {
        /// The directory or file.
        path: PathBuf,
        /// What is missing or wrong.
        detail: String,
    },
    /// A name-mapping table is malformed.
    #[error("known-names table line {line}: {detail}")]
    NameTable {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        detail: String,
    },
}

/// Short alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
