//! Prefetching what a `uv.lock` does not say, and the sidecar file that records it.
//!
//! A uv.lock has sha256 hashes for registry files but not what the generated Nix needs for git sources
//! (the NAR hash of the unpacked tree), not the build backend of an sdist, and not the requirements of
//! registry wheels. `lock2nix prefetch` finds them once and records them in
//! [`lock2nix-hashes.toml`](SIDECAR_FILE_NAME), next to the lock.
//!
//! # API
//!
//! * Input: [`PrefetchItem`] (`Git`, `Sdist`, `Wheel`), whose [`PrefetchItem::key`] is the sidecar
//!   key: `<url>#<commit>` for git, `sha256:<hex>` for files. The CLI maps lock packages onto items;
//!   this crate does not read uv.lock.
//! * The sidecar: [`Sidecar`] with [`Sidecar::read`] (typed errors with line/column),
//!   [`Sidecar::to_toml_string`] (deterministic, sorted, header comment),
//!   [`Sidecar::write_if_changed`] (atomic; the file is untouched when the content is equal) and
//!   [`Sidecar::retain`] (drop entries no longer used).
//! * Fetching: [`Prefetcher::new`]`(`[`Options`]`)`, [`Prefetcher::with_progress`], and
//!   [`Prefetcher::run`]`(&items, &mut sidecar) -> `[`Report`]. Only entries the sidecar lacks are
//!   fetched (a complete sidecar makes no request); [`Options::offline`] never touches the network and
//!   reports what is missing; one failing item does not affect the others (every success is
//!   recorded).
//!
//! # What is fetched, and how
//!
//! * **git on GitHub** (`https://github.com/<owner>/<repo>(.git)?`, hosts configurable):
//!   `<github_archive_base>/<owner>/<repo>/archive/<commit>.tar.gz`, hashed by `lock2nix-nar` with
//!   fetchzip semantics (single top-level directory stripped): the hash
//!   `fetchFromGitHub { owner; repo; rev; hash; }` expects, recorded as `fetcher = "github"`.
//!   Submodules are invisible in GitHub archives: the emitted fetcher must not set `fetchSubmodules`.
//!   The optional token (from the environment variable named by [`Options::token_env`]) is sent as
//!   `Authorization: Bearer` to the archive base only, marked sensitive, and never printed.
//! * **other git hosts** (or [`Options::git_cli_for_github`]): the `git` CLI fetches the commit
//!   (`--depth 1`, falling back to all branches and tags when the server refuses fetching by SHA)
//!   into a temporary directory with user/system git configuration disabled; `.git` is removed and the
//!   tree hashed: the hash `fetchgit { url; rev; hash; }` expects (`fetcher = "git"`). A commit with
//!   `.gitmodules` is an "unsupported" error, as is `lfs = true` on any git source.
//! * **sdists** (`.tar.gz`, `.tgz`, `.zip`): downloaded, sha256-checked, and `<top>/pyproject.toml`'s
//!   `[build-system]` recorded; without one, PEP 517's default (`setuptools.build_meta:__legacy__`,
//!   `setuptools>=40.8.0`) with the reason in `build-system-source`. `<top>/PKG-INFO`'s
//!   `Requires-Dist` is recorded when binding (metadata 2.2+, not `Dynamic`; see
//!   [`sdist_requires_dist`]). For a Rust sdist, with [`Options::cargo_locks`] set, its
//!   `Cargo.lock` is found ([`locate_cargo_lock`]), checked ([`analyze_cargo_lock`]) and stored
//!   ([`CargoLockStore`]); the sidecar records its path, sha256, `cargoRoot` and the crates
//!   `importCargoLock` cannot fetch. One streamed pass reads the archive, a second the Cargo.lock;
//!   only regular files under the single top directory count, with `lock2nix-nar`'s caps.
//! * **git build systems**: each package directory's `pyproject.toml` `[build-system]` (from the
//!   archive or the checkout; links are not followed), keyed by subdirectory (`.` for the top),
//!   and, for a Rust directory, its Cargo.lock as for sdists.
//!   Items of one repository and commit are fetched once.
//! * **wheels**: the PEP 658 `<url>.metadata` file when the caller's [`MetadataHint`] says the index
//!   has one (falling back to the wheel on 404), else `*.dist-info/METADATA` from the downloaded,
//!   sha256-checked wheel; `Requires-Dist` and `Requires-Python` are recorded.
//!
//! Downloads stream to anonymous temporary files while being hashed; a sha256 mismatch is an error
//! naming the item, URL, expected and actual hash, and nothing is recorded for the item. Requests have
//! connect and total timeouts, a size limit, and up to [`Options::max_tries`] attempts with
//! exponential back-off on 5xx, connection errors and timeouts (never on 4xx). Items are fetched by
//! [`Options::jobs`] worker threads.

#![forbid(unsafe_code)]

pub mod atomic;
mod cargo;
mod error;
mod git;
mod http;
mod item;
mod metadata;
mod nar_glue;
mod prefetch;
mod progress;
mod sdist;
mod sidecar;

pub use cargo::{
    analyze as analyze_cargo_lock, cargo_lock_file_name, check_cargo_lock_path, check_cargo_root,
    read_stored_cargo_lock, remove_unused_cargo_locks, CargoLockFacts, CargoLockStore,
    CARGO_LOCK_DIR, MAX_CARGO_LOCK_BYTES,
};
pub use error::{FetchError, SidecarError};
pub use git::{parse_github_url, rewrite_url};
pub use http::{is_remote_plain_http, redact_url};
pub use item::{file_key, git_key, ItemKind, MetadataHint, PrefetchItem};
pub use metadata::{
    parse_core_metadata, read_wheel_metadata, sdist_requires_dist, CoreMetadata, HeaderSink,
    MAX_HEADER_BYTES, MAX_METADATA_BYTES,
};
pub use prefetch::{Failure, Options, Prefetcher, Report, DEFAULT_TOKEN_ENV};
pub use progress::{
    default_progress, shown, BarProgress, LineProgress, NoProgress, ProgressSink, MAX_MESSAGE_CHARS,
};
pub use sdist::{
    build_system_from_pyproject, extract_member, format_of_url, locate_cargo_lock, read_pyproject,
    scan_archive, ArchiveScan, CargoLocation, SdistFormat,
};
pub use sidecar::{
    is_sri_sha256, subdirectory_key, BuildSystem, BuildSystemSource, CargoLockEntry, GitEntry,
    GitFetcher, MetadataSource, SdistEntry, SdistMetadataSource, Sidecar, WheelEntry,
    DEFAULT_BUILD_BACKEND, DEFAULT_BUILD_REQUIRES, SIDECAR_FILE_NAME, SIDECAR_VERSION,
};
