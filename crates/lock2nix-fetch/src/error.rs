//! Typed errors. No message ever contains the configured auth token, and URLs in messages have any
//! `user:password@` part removed.

use std::path::PathBuf;

/// Errors reading or writing the sidecar file.
#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The sidecar path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid sidecar TOML.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse {
        /// The sidecar path.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column (in characters) of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The sidecar path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Why one item could not be prefetched. `subject` is the item's description (`sdist foo 1.0`,
/// `git <url>#<commit>`).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The item itself is malformed (bad commit id, bad sha256, unparseable URL).
    #[error("{subject}: invalid input: {message}")]
    InvalidItem {
        /// Item description.
        subject: String,
        /// What is wrong.
        message: String,
    },
    /// The server answered with an error status (4xx are not retried; 5xx only after all tries).
    #[error("{subject}: GET {url} failed with HTTP status {status} (after {attempts} attempt(s))")]
    Status {
        /// Item description.
        subject: String,
        /// Requested URL.
        url: String,
        /// HTTP status code.
        status: u16,
        /// Number of attempts made.
        attempts: u32,
    },
    /// Connection error, timeout or broken transfer, after all tries.
    #[error("{subject}: GET {url} failed after {attempts} attempt(s): {message}")]
    Network {
        /// Item description.
        subject: String,
        /// Requested URL.
        url: String,
        /// Number of attempts made.
        attempts: u32,
        /// The last error.
        message: String,
    },
    /// The downloaded bytes do not have the hash the lock (or index) states.
    #[error("{subject}: sha256 mismatch for {url}: expected {expected}, got {actual}")]
    HashMismatch {
        /// Item description.
        subject: String,
        /// Requested URL.
        url: String,
        /// Hex sha256 expected.
        expected: String,
        /// Hex sha256 of the bytes received.
        actual: String,
    },
    /// The download exceeded the configured size limit.
    #[error("{subject}: {url} is larger than the download limit of {limit} bytes")]
    TooLarge {
        /// Item description.
        subject: String,
        /// Requested URL.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A downloaded archive could not be read.
    #[error("{subject}: cannot read archive {url}: {message}")]
    Archive {
        /// Item description.
        subject: String,
        /// Where it came from.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// Core metadata (METADATA / `.metadata`) could not be found or parsed.
    #[error("{subject}: bad core metadata from {url}: {message}")]
    Metadata {
        /// Item description.
        subject: String,
        /// Where it came from.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// Something lock2nix does not support (git LFS, submodules).
    #[error("{subject}: unsupported: {message}")]
    Unsupported {
        /// Item description.
        subject: String,
        /// What is unsupported and what to do.
        message: String,
    },
    /// The `git` command failed.
    #[error("{subject}: `git {command}` failed: {message}")]
    Git {
        /// Item description.
        subject: String,
        /// The git sub-command (without URL credentials).
        command: String,
        /// git's stderr or the spawn error.
        message: String,
    },
    /// Hashing the tree (NAR serialisation) failed.
    #[error("{subject}: cannot compute the NAR hash: {message}")]
    Nar {
        /// Item description.
        subject: String,
        /// What went wrong.
        message: String,
    },
    /// Local I/O (temporary files) failed.
    #[error("{subject}: {context}: {source}")]
    Io {
        /// Item description.
        subject: String,
        /// What was being done.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {message}")]
    Client {
        /// What went wrong.
        message: String,
    },
}
