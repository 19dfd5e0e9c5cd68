//! The input of a prefetch run: one [`PrefetchItem`] per source the lock needs more facts about.

/// PEP 658 / PEP 714 hint that the index serves a core-metadata file next to a wheel
/// (`<wheel url>.metadata`), as given by the index (`data-dist-info-metadata` / `core-metadata`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetadataHint {
    /// Hex sha256 of the metadata file when the index states it; checked when present.
    pub sha256: Option<String>,
}

/// One source to prefetch. The CLI maps uv.lock packages onto these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrefetchItem {
    /// A git source, pinned to a commit.
    Git {
        /// Repository URL (no `git+` prefix, no `?rev=`/`#commit` parts).
        url: String,
        /// Full 40-hex commit id.
        commit: String,
        /// Directory of the package inside the repository (checked to exist; it does not change the hash,
        /// which is always of the whole tree, as fetchgit/fetchFromGitHub produce it).
        subdirectory: Option<String>,
        /// Whether the source needs git LFS (unsupported: reported as an error).
        lfs: bool,
    },
    /// A source distribution from a registry.
    Sdist {
        /// Package name as in the lock.
        package: String,
        /// Version as in the lock.
        version: String,
        /// Download URL.
        url: String,
        /// Hex sha256 the lock records for this file.
        sha256: String,
    },
    /// A wheel from a registry.
    Wheel {
        /// Package name as in the lock.
        package: String,
        /// Version as in the lock.
        version: String,
        /// Download URL.
        url: String,
        /// Hex sha256 the lock records for this file.
        sha256: String,
        /// Present when the index says a PEP 658 metadata file exists.
        core_metadata: Option<MetadataHint>,
    },
}

/// Which table of the sidecar an item's facts go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemKind {
    /// `[git."<url>#<commit>"]`
    Git,
    /// `[sdist."sha256:<hex>"]`
    Sdist,
    /// `[wheel."sha256:<hex>"]`
    Wheel,
}

impl PrefetchItem {
    /// The sidecar key: `<url>#<commit>` for git, `sha256:<hex>` (lower-case) for files.
    pub fn key(&self) -> String {
        match self {
            PrefetchItem::Git { url, commit, .. } => git_key(url, commit),
            PrefetchItem::Sdist { sha256, .. } | PrefetchItem::Wheel { sha256, .. } => {
                file_key(sha256)
            }
        }
    }

    /// The sidecar table the item belongs to.
    pub fn kind(&self) -> ItemKind {
        match self {
            PrefetchItem::Git { .. } => ItemKind::Git,
            PrefetchItem::Sdist { .. } => ItemKind::Sdist,
            PrefetchItem::Wheel { .. } => ItemKind::Wheel,
        }
    }

    /// A short human description used in progress lines and errors, e.g. `sdist foo 1.0`.
    pub fn describe(&self) -> String {
        match self {
            PrefetchItem::Git { url, commit, .. } => {
                format!("git {}#{}", crate::http::redact_url(url), commit)
            }
            PrefetchItem::Sdist {
                package, version, ..
            } => format!("sdist {package} {version}"),
            PrefetchItem::Wheel {
                package, version, ..
            } => format!("wheel {package} {version}"),
        }
    }
}

/// Sidecar key of a git source: `<url>#<commit>`, the URL without credentials
/// ([`lock2nix_lock::strip_url_credentials`]; the sidecar is committed to version control). The
/// overlay must look hashes up with the same key.
pub fn git_key(url: &str, commit: &str) -> String {
    lock2nix_lock::git_source_key(url, commit)
}

/// A git key read from a sidecar, with credentials stripped as [`git_key`] does (sidecars
/// written before lock2nix stripped them).
pub(crate) fn strip_git_key(key: String) -> String {
    match key.rsplit_once('#') {
        Some((url, commit)) => match lock2nix_lock::strip_url_credentials(url) {
            std::borrow::Cow::Borrowed(_) => key,
            std::borrow::Cow::Owned(url) => format!("{url}#{commit}"),
        },
        None => key,
    }
}

/// Sidecar key of a registry file.
pub fn file_key(sha256_hex: &str) -> String {
    format!("sha256:{}", sha256_hex.to_ascii_lowercase())
}

/// True for exactly `n` ASCII hex digits.
pub(crate) fn is_hex(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit())
}
