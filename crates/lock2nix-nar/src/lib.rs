//! NAR (Nix ARchive) serialisation and NAR hashing, byte for byte as Nix does it.
//!
//! lock2nix needs the hashes Nix fetchers expect: `fetchFromGitHub` /
//! `fetchzip` want the NAR hash of the *unpacked* archive, `fetchgit` the NAR
//! hash of a checkout, and `uv.lock`'s `sha256:<hex>` file hashes must be
//! rewritten as SRI. This crate provides all of that without Nix:
//!
//! * [`Tree`], [`write_nar`], [`nar_bytes`], [`hash_tree`]: an in-memory tree and
//!   its exact NAR serialisation (as `nix-store --dump` prints). Invalid entry
//!   names (empty, `.`, `..`, containing `/` or NUL) and symlink targets that
//!   cannot exist on disk (empty, containing NUL) are a typed error; nothing
//!   panics, and deep trees are walked iteratively.
//! * [`hash_path`], [`dump_path`]: the NAR hash / NAR of a file, symlink or
//!   directory on disk (as `nix-hash --type sha256 PATH` / `nix hash path`),
//!   streamed: contents go through a fixed buffer.
//! * [`hash_archive`], [`hash_archive_with`], [`archive_to_tree`]: the NAR hash
//!   of what `fetchzip` (with `stripRoot`) makes of a tar / tar.gz / tar.bz2 /
//!   tar.xz / zip stream, computed in memory without unpacking to disk; see the
//!   [`archive`] module for the exact rules and limits.
//! * [`NarHash`] and the conversion functions in [`hash`]: a sha256 digest in
//!   hex, SRI (`sha256-<base64>`) and Nix base32 (alphabet
//!   `0123456789abcdfghijklmnpqrsvwxyz`, bits in Nix's reversed order).
//!
//! ```
//! use lock2nix_nar::{hash_tree, Tree, sha256_hex_to_sri};
//! let tree = Tree::dir([("hello", Tree::file("hi\n")), ("run", Tree::executable("#!/bin/sh\n"))]);
//! let h = hash_tree(&tree).unwrap();
//! assert!(h.to_sri().starts_with("sha256-"));
//! assert_eq!(h.to_nix_base32().len(), 52);
//! assert_eq!(
//!     sha256_hex_to_sri("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").unwrap(),
//!     "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
//! );
//! ```

#![forbid(unsafe_code)]

pub mod archive;
#[cfg(unix)]
mod disk;
mod error;
pub mod hash;
mod nar;

pub use archive::{
    archive_to_tree, hash_archive, hash_archive_with, ArchiveKind, ArchiveOptions, StripRoot,
};
#[cfg(unix)]
pub use disk::{dump_path, hash_path};
pub use error::NarError;
pub use hash::{
    nix_base32_to_sha256_hex, nix_base32_to_sri, sha256_hex_to_nix_base32, sha256_hex_to_sri,
    sri_to_nix_base32, sri_to_sha256_hex, HashParseError, NarHash,
};
pub use nar::{hash_tree, nar_bytes, validate_name, write_nar, Tree};
