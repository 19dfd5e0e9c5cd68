//! The crate's error type.

use std::path::PathBuf;

/// Shows raw bytes (file names, link targets) lossily as UTF-8 for messages, at most 200
/// characters (archive paths can be megabytes long).
pub(crate) fn lossy(bytes: &[u8]) -> String {
    clip(&String::from_utf8_lossy(bytes))
}

/// At most 200 characters of `s`, with `…` when cut.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 200;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// Everything that can go wrong while serialising or hashing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NarError {
    /// A directory entry name Nix refuses (empty, `.`, `..`, containing `/` or NUL).
    #[error("invalid file name {name:?} in NAR: {reason}")]
    InvalidName {
        /// The name, lossily decoded.
        name: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A symlink target that cannot exist on a file system (empty or containing NUL).
    #[error("invalid symlink target {target:?}: {reason}")]
    InvalidSymlinkTarget {
        /// The target, lossily decoded.
        target: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// Writing the NAR to the output failed.
    #[error("writing NAR output failed: {0}")]
    Write(#[source] std::io::Error),
    /// A file system operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done (`reading directory`, `opening`, ...).
        op: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file type NAR cannot represent (socket, FIFO, device).
    #[error("{path}: unsupported file type ({kind}); NAR only holds regular files, symlinks and directories")]
    UnsupportedFileType {
        /// The path involved.
        path: PathBuf,
        /// A description of the type.
        kind: &'static str,
    },
    /// A file changed size while it was being hashed.
    #[error("{path}: file changed while hashing (expected {expected} bytes, read {actual})")]
    FileChanged {
        /// The path involved.
        path: PathBuf,
        /// Size from `lstat`.
        expected: u64,
        /// Bytes actually read.
        actual: u64,
    },
    /// The archive stream could not be decompressed or parsed.
    #[error("reading {kind} archive: {source}")]
    Archive {
        /// Archive kind, for the message.
        kind: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A zip-specific parse error.
    #[error("reading zip archive: {0}")]
    Zip(String),
    /// The tree's shape (names, link targets) exceeds the configured memory limit.
    #[error("the archive's file names and link targets exceed the limit of {limit} bytes (raise ArchiveOptions::max_metadata_bytes if this is expected)")]
    MetadataLimit {
        /// The limit in bytes.
        limit: u64,
    },
    /// The temporary file that holds the archive's contents failed.
    #[error("the temporary file for the archive's contents: {0}")]
    Spool(#[source] std::io::Error),
    /// The archive's contents exceed the configured limit.
    #[error("archive contents exceed the limit of {limit} bytes (raise ArchiveOptions::max_total_bytes if this is expected)")]
    SizeLimit {
        /// The limit in bytes.
        limit: u64,
    },
    /// The archive has more entries than allowed.
    #[error("archive has more than {limit} entries (raise ArchiveOptions::max_entries if this is expected)")]
    EntryLimit {
        /// The limit.
        limit: u64,
    },
    /// A path in the archive is nested deeper than allowed.
    #[error("archive path {path:?} is nested deeper than {limit} components")]
    TooDeep {
        /// The path, lossily decoded.
        path: String,
        /// The limit.
        limit: usize,
    },
    /// A path (or hard-link target) in the archive that an unpacker refuses, e.g. containing `..`.
    #[error("archive entry {path:?} is unsafe: {reason}")]
    UnsafePath {
        /// The path, lossily decoded.
        path: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// An archive path goes through something that is not a directory.
    #[error("archive entry {path:?} needs {parent:?} to be a directory, but it is a {found}")]
    NotADirectory {
        /// The entry path.
        path: String,
        /// The conflicting ancestor.
        parent: String,
        /// What the ancestor is (`file`, `symlink`).
        found: &'static str,
    },
    /// A tar hard link whose target is not (yet) in the archive.
    #[error(
        "tar hard link {path:?} points to {target:?}, which is not an earlier entry of the archive"
    )]
    HardLinkTargetMissing {
        /// The link entry.
        path: String,
        /// Its target.
        target: String,
    },
    /// An archive entry type an unpacker would not turn into a file, symlink or directory.
    #[error("archive entry {path:?} has unsupported type {kind}")]
    UnsupportedEntry {
        /// The entry path.
        path: String,
        /// A description of the type.
        kind: String,
    },
    /// `StripRoot::Yes` on an archive whose top level is not exactly one entry
    /// (fetchzip: "zip file must contain a single file or directory").
    #[error("cannot strip the root: the archive has {count} top-level entries ({names}), fetchzip requires exactly one; use StripRoot::No (stripRoot = false)")]
    StripRootNotSingle {
        /// Number of top-level entries.
        count: usize,
        /// The first few names, for the message.
        names: String,
    },
    /// `StripRoot::Yes` on an archive whose single top-level entry is a symlink.
    #[error("cannot strip the root: the single top-level entry {name:?} is a symlink (fetchzip would move the bare symlink to $out and then fail on `chmod`)")]
    StripRootSymlink {
        /// The entry name.
        name: String,
    },
}
