//! The `uv.lock` and `pyproject.toml` model of lock2nix.
//!
//! This crate reads what the files say and validates it; it decides nothing about targets or Nix.
//!
//! - [`read_lock`] / [`parse_lock`]: the whole `uv.lock` format uv writes (version 1, any revision, the
//!   legacy `[[distribution]]` and `dependency-groups` spellings), into [`Lock`]: packages with typed
//!   [`Source`]s (git URLs decoded into [`GitSource`]), [`Marker`]s parsed with `pep508_rs`, versions
//!   and specifiers with `pep440_rs`, [`Hash`]es convertible to Nix SRI form, wheel file names parsed
//!   with `lock2nix-wheel`, and every dependency edge resolved to the [`PackageId`] it points at.
//! - [`read_workspace`]: the PEP 621 / PEP 735 / `[tool.uv]` view of a project and its workspace members;
//!   [`stale_warnings`] compares the members with what the lock recorded (a stale lock is a warning,
//!   never an error: the lock is the truth).
//! - TOML is read by a one-pass parser for the layout uv writes, with the `toml` crate for anything
//!   else (the two give the same tree; [`fast_parser_agrees`] checks that for any text).
//!   A `[[package]]` of that layout is read without a tree, straight into the model, and
//!   anything else through the tree ([`direct_reader_agrees`] checks they agree).
//! - Every error is an [`Error`] with the file, 1-based line and column, the key path (e.g.
//!   `package[17].wheels[3].hash`), and what was found and expected. No input panics; sizes are
//!   bounded by [`Limits`].

#![forbid(unsafe_code)]
// `Error` (about 150 bytes) is returned by value on purpose: it is the cold path, and the public
// API hands it to callers as is.
#![allow(clippy::result_large_err)]

mod bounded_marker;
mod cursor;
mod error;
mod fast_toml;
mod file;
mod git;
mod hash;
mod limits;
mod local_build;
mod lock;
mod model;
mod pep508_guard;
mod pyproject;
mod requirement;
mod source_root;
mod stale;
mod text;
mod tree;
mod url;

use std::path::Path;

pub use bounded_marker::{marker_agrees, requirement_agrees};
pub use error::{looks_uv_written, Error, ErrorKind, IoSource, Position, Warning};
pub use file::FileBytes;
pub use git::{
    check_repository_url, git_source_key, github_repo, parse_git_source, GitHubRepo, GIT_SCHEMES,
};
pub use hash::{Hash, HashAlgorithm, HashError};
pub use limits::Limits;
pub use local_build::{read_local_builds, LocalBuild, LocalBuilds};
pub use lock::{
    direct_reader_agrees, parse_lock, parse_lock_with, read_lock, read_lock_bytes, read_lock_with,
    SUPPORTED_VERSIONS,
};
pub use model::*;
pub use pyproject::*;
pub use requirement::{RequirementError, RequirementReader};
pub use source_root::{
    LocalSource, LocalSourceKind, RootPath, SourceRoot, SourceRootError, SourceRootOrigin,
};
pub use stale::{stale_findings, stale_findings_with, stale_warnings, StaleFinding};
pub use text::{is_unsafe_for_display, terminal_safe};
pub use url::strip_url_credentials;

pub use pep440_rs;

/// Testing and fuzzing aid: whether the one-pass TOML parser read `text` (`Ok(true)`), left it to
/// the `toml` crate (`Ok(false)`), or read it *differently* from the `toml` crate (`Err`, with
/// what differs) — which must never happen.
#[doc(hidden)]
pub fn fast_parser_agrees(text: &str) -> Result<bool, String> {
    let Some(fast) = fast_toml::parse(text) else {
        return Ok(false);
    };
    match toml::de::DeTable::parse(text) {
        Err(e) => Err(format!(
            "the fast parser accepted a document the toml crate rejects: {}",
            e.message()
        )),
        Ok(doc) => {
            let slow = tree::from_toml(doc);
            if slow == fast {
                Ok(true)
            } else {
                Err(format!(
                    "the trees differ:\nfast: {fast:#?}\ntoml: {slow:#?}"
                ))
            }
        }
    }
}
pub use pep508_rs;

/// `path` made absolute (against the working directory) and normalised lexically: `.` dropped,
/// `..` removing the part before it, without touching the file system (the path need not
/// exist; links are not followed).
pub fn absolute_lexical(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    let mut out = std::path::PathBuf::new();
    for c in full.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    Ok(out)
}

pub(crate) use file::read_limited;

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error {
        uv_layout: false,
        file: path.to_path_buf(),
        position: None,
        key_path: String::new(),
        kind: ErrorKind::Io(e.into()),
    }
}

/// Check UTF-8, reporting the position of the first bad byte.
pub(crate) fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, Error> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        // the prefix is valid UTF-8 by construction
        let prefix = std::str::from_utf8(good).unwrap_or_default();
        Error {
            uv_layout: false,
            file: path.to_path_buf(),
            position: Some(Position::of_offset(prefix, prefix.len())),
            key_path: String::new(),
            kind: ErrorKind::Utf8(format!(
                "invalid byte sequence at byte offset {}",
                e.valid_up_to()
            )),
        }
    })
}

/// Parse TOML text into the readers' tree: the one-pass parser for what uv writes, the `toml`
/// crate for anything else (see [`fast_toml`]).
pub(crate) fn parse_tree<'i>(
    ctx: &cursor::Ctx<'_>,
    fragment: &'i str,
) -> Result<tree::Spanned<tree::Map<'i>>, Error> {
    match fast_toml::parse(fragment) {
        Some(tree) => Ok(tree),
        None => parse_toml(ctx, fragment).map(tree::from_toml),
    }
}

/// Parse TOML text with the `toml` crate.
pub(crate) fn parse_toml<'i>(
    ctx: &cursor::Ctx<'_>,
    fragment: &'i str,
) -> Result<toml::Spanned<toml::de::DeTable<'i>>, Error> {
    toml::de::DeTable::parse(fragment).map_err(|e| {
        let mut message = e.message().trim().to_string();
        let span = e.span();
        // name the offending key: toml says only "duplicate key"
        if message == "duplicate key" {
            if let Some(key) = span.as_ref().and_then(|s| fragment.get(s.clone())) {
                message = format!(
                    "duplicate key {} (a key or table is defined twice)",
                    error::quote(key.trim())
                );
            }
        }
        if message.contains("recursion") {
            message.push_str(
                " (keys, tables or arrays nest deeper than the TOML parser allows; a uv.lock nests about 9 deep)",
            );
        }
        Error {
uv_layout: false,
            file: ctx.file.to_path_buf(),
            position: span.map(|s| ctx.position(s.start)),
            key_path: String::new(),
            kind: ErrorKind::Toml(message),
        }
    })
}

/// Fail with [`ErrorKind::TooDeep`] at the deepest value when `table` nests deeper than allowed.
pub(crate) fn check_depth(
    ctx: &cursor::Ctx<'_>,
    depth: (usize, usize),
    limits: &Limits,
) -> Result<(), Error> {
    if depth.0 > limits.max_depth {
        return Err(Error {
            uv_layout: false,
            file: ctx.file.to_path_buf(),
            position: Some(ctx.position(depth.1)),
            key_path: String::new(),
            kind: ErrorKind::TooDeep {
                depth: depth.0,
                limit: limits.max_depth,
            },
        });
    }
    Ok(())
}
