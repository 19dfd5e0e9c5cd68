//! Wheel file names, Nix systems, and wheel-tag compatibility for lock2nix.
//!
//! lock2nix turns a `uv.lock` into a Nix overlay; for every package and every Nix system it
//! must choose which of the locked wheels (if any) to use. This crate provides the pieces:
//!
//! * [`System`]: the four Nix systems (`x86_64-linux`, `aarch64-linux`, `x86_64-darwin`,
//!   `aarch64-darwin`) and the PEP 508 marker values each implies
//!   ([`System::sys_platform`], [`System::platform_system`], [`System::platform_machine`],
//!   [`System::os_name`]).
//! * [`WheelFilename`]: a typed, never-panicking parser for wheel file names
//!   ([`WheelFilename::parse`], [`WheelFilename::parse_url_basename`]) with precise
//!   [`WheelFilenameError`]s.
//! * [`TargetTags`]: the ordered list of tags CPython X.Y supports on a system — exactly the
//!   order `packaging.tags.sys_tags()` produces — with O(1) [`TargetTags::priority`] lookups,
//!   [`TargetTags::best`] wheel selection and [`TargetTags::explain_incompatible`].
//!
//! Assumptions, all configurable through [`TagPolicy`]:
//! * Linux targets use glibc [`DEFAULT_GLIBC`] (2.40, nixpkgs' glibc); `musllinux` wheels are
//!   never compatible because nixpkgs' default stdenv is glibc-based.
//! * Darwin targets run macOS [`DEFAULT_MACOS`] (11.0, the oldest macOS nixpkgs supports).
//! * The interpreter is the default GIL-enabled, non-debug CPython: free-threaded ABIs
//!   (`cp313t`, `abi3t`) are incompatible.
//! * The tag order mirrors `packaging` >= 26.3 by default ([`PackagingCompat`]).
//!
//! ```
//! use lock2nix_wheel::{System, TagPolicy, TargetTags, WheelFilename};
//!
//! let tags = TargetTags::new(System::X86_64Linux, (3, 12), TagPolicy::default());
//! let wheels = [
//!     "numpy-2.1.3-cp312-cp312-macosx_14_0_arm64.whl",
//!     "numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
//! ]
//! .map(|w| WheelFilename::parse(w).unwrap());
//! assert_eq!(tags.best(wheels.iter()), Some(1));
//! assert!(tags.priority(&wheels[0]).is_none());
//! ```

#![forbid(unsafe_code)]

mod filename;
mod system;
mod tags;

pub use filename::{normalize_name, BuildTag, TagIter, TagSet, WheelFilename, WheelFilenameError};
pub use system::{Arch, System, UnknownSystemError};
pub use tags::{
    is_free_threaded_abi, linux_platforms, mac_platforms, manylinux_platforms, platforms,
    preferred, PackagingCompat, TagPolicy, TargetTags, DEFAULT_GLIBC, DEFAULT_MACOS,
};
