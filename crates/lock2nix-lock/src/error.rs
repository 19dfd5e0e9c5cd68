//! Errors and warnings of the reader, with positions a person can act on.

use std::fmt;
use std::path::PathBuf;

/// A position in an input file, 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Position {
    /// The position of byte offset `offset` in `text` (clamped to the text).
    pub fn of_offset(text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Self { line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The operating system's error, kept whole (its kind and its chain) in an error that is
/// cloned and compared: equal when kind and message are.
#[derive(Debug, Clone)]
pub struct IoSource(pub std::sync::Arc<std::io::Error>);

impl IoSource {
    pub fn kind(&self) -> std::io::ErrorKind {
        self.0.kind()
    }
}

impl From<std::io::Error> for IoSource {
    fn from(e: std::io::Error) -> Self {
        Self(std::sync::Arc::new(e))
    }
}

impl PartialEq for IoSource {
    fn eq(&self, other: &Self) -> bool {
        self.0.kind() == other.0.kind() && self.0.to_string() == other.0.to_string()
    }
}

impl Eq for IoSource {}

impl fmt::Display for IoSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for IoSource {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// What went wrong, without the location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// The file could not be read.
    #[error("cannot read the file")]
    Io(#[source] IoSource),
    /// The file is not UTF-8.
    #[error("the file is not valid UTF-8 ({0})")]
    Utf8(String),
    /// The file is larger than the reader accepts.
    #[error("the file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// Size found.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Nesting deeper than the reader accepts.
    #[error("tables or arrays nest {depth} deep, over the limit of {limit}")]
    TooDeep {
        /// Depth found.
        depth: usize,
        /// The limit.
        limit: usize,
    },
    /// TOML syntax error (including duplicate keys).
    #[error("invalid TOML: {0}")]
    Toml(String),
    /// The lock's `version` is not one this reader supports.
    #[error("unsupported lock version {found}: lock2nix reads uv.lock version {supported} (any revision); a newer uv wrote this lock, so upgrade lock2nix or re-lock with a uv that writes version 1")]
    UnsupportedVersion {
        /// The version found.
        found: i64,
        /// The versions supported.
        supported: &'static str,
    },
    /// A required key is absent.
    #[error("missing key `{key}`: expected {expected}")]
    MissingKey {
        /// The key.
        key: String,
        /// What it should hold.
        expected: &'static str,
    },
    /// A value has the wrong TOML type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// A value has the right type but is not acceptable.
    #[error("invalid value {found}: expected {expected}")]
    InvalidValue {
        /// What was expected.
        expected: String,
        /// The offending value, quoted and shortened.
        found: String,
    },
    /// A PEP 508 marker does not parse.
    #[error("invalid PEP 508 marker {marker}: {message}")]
    InvalidMarker {
        /// The marker (quoted, shortened).
        marker: String,
        /// The parser's message.
        message: String,
    },
    /// The markers of one file together need more work than
    /// [`Limits::max_marker_cost_per_file`](crate::Limits::max_marker_cost_per_file) allows.
    #[error("the markers of this file need more than {limit} steps together (far beyond any real file); this one is over the budget")]
    MarkerBudget {
        /// The budget.
        limit: u64,
    },
    /// A PEP 440 version does not parse.
    #[error("invalid PEP 440 version {version}: {message}")]
    InvalidVersion {
        /// The version (quoted, shortened).
        version: String,
        /// The parser's message.
        message: String,
    },
    /// A PEP 440 specifier set does not parse.
    #[error("invalid PEP 440 version specifier {specifier}: {message}")]
    InvalidSpecifier {
        /// The specifier (quoted, shortened).
        specifier: String,
        /// The parser's message.
        message: String,
    },
    /// A package or extra name is not a valid PEP 508 name.
    #[error("invalid name {name}: {message}")]
    InvalidName {
        /// The name (quoted, shortened).
        name: String,
        /// Why.
        message: String,
    },
    /// A `sha256:<hex>`-style hash is malformed.
    #[error("invalid hash {hash}: {message}")]
    InvalidHash {
        /// The hash (quoted, shortened).
        hash: String,
        /// Why.
        message: String,
    },
    /// A git source URL is malformed.
    #[error("invalid git source {url}: {message}")]
    InvalidGitSource {
        /// The URL (quoted, shortened).
        url: String,
        /// Why.
        message: String,
    },
    /// A wheel file name is malformed.
    #[error("invalid wheel file name {filename}: {message}")]
    InvalidWheelName {
        /// The file name (quoted, shortened).
        filename: String,
        /// Why.
        message: String,
    },
    /// A dependency edge names a package the lock does not have.
    #[error("package {from} depends on {to}, but the lock has no such package")]
    MissingPackage {
        /// The dependent, `name==version`.
        from: String,
        /// The dependency as written.
        to: String,
    },
    /// A dependency edge matches several packages.
    #[error("package {from} depends on {to}, which matches {count} packages ({candidates}); the edge needs `version` and `source` to choose one")]
    AmbiguousDependency {
        /// The dependent.
        from: String,
        /// The dependency as written.
        to: String,
        /// How many matched.
        count: usize,
        /// The candidates.
        candidates: String,
    },
    /// The same package (name, version, source) appears twice; the text says which and where the
    /// first one is.
    #[error("package {0}")]
    DuplicatePackage(String),
    /// A limit on counts was exceeded.
    #[error("{what}: {count} is over the limit of {limit}")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// How many.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A workspace member is missing on disk.
    #[error("workspace member {0} has no pyproject.toml")]
    MissingMember(String),
    /// A glob pattern is invalid.
    #[error("invalid glob pattern {pattern}: {message}")]
    InvalidGlob {
        /// The pattern.
        pattern: String,
        /// Why.
        message: String,
    },
}

/// An error with its file, position and key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The file the error is in (empty when reading from a string).
    pub file: PathBuf,
    /// Where in the file, when known.
    pub position: Option<Position>,
    /// The key path, e.g. `package[17].wheels[3].hash` (empty for whole-file errors).
    pub key_path: String,
    /// What went wrong.
    pub kind: ErrorKind,
    /// Whether the whole file is laid out exactly as uv writes a `uv.lock` (no comments, uv's
    /// spacing and quoting; see [`looks_uv_written`]). A value of the wrong shape in such a file is
    /// more likely a part of uv's format this reader does not know than a hand edit, and
    /// [`Error::hint`] says so instead of calling the file damaged.
    pub uv_layout: bool,
}

impl Error {
    /// A hint for the user: what to do about it.
    pub fn hint(&self) -> Option<&'static str> {
        const EDITED: &str = "the file was edited by hand or damaged: fix it at the position shown, or regenerate it (`uv lock` rewrites a uv.lock)";
        const UNKNOWN_SHAPE: &str = "the lock is laid out exactly as uv writes it, so this is likely a part of uv's lock format that lock2nix does not read yet: please report it with the lock's `revision` and the uv version that wrote it (if the value was changed by hand, `uv lock` rewrites it)";
        match &self.kind {
            ErrorKind::MissingKey { .. } | ErrorKind::WrongType { .. } | ErrorKind::InvalidValue { .. }
                if self.uv_layout =>
            {
                Some(UNKNOWN_SHAPE)
            }
            ErrorKind::Io(_) => Some("check that the file exists and is readable"),
            ErrorKind::Toml(_) | ErrorKind::Utf8(_) => {
                Some("the file is damaged; regenerate it with `uv lock` (or restore it from version control)")
            }
            ErrorKind::TooLarge { .. }
            | ErrorKind::TooDeep { .. }
            | ErrorKind::TooMany { .. }
            | ErrorKind::MarkerBudget { .. } => {
                Some("this is far beyond any real uv.lock or pyproject.toml; check that the right file was given")
            }
            ErrorKind::UnsupportedVersion { .. } => None,
            ErrorKind::MissingPackage { .. }
            | ErrorKind::AmbiguousDependency { .. }
            | ErrorKind::DuplicatePackage(_) => {
                Some("the lock is inconsistent; run `uv lock` to rewrite it")
            }
            ErrorKind::InvalidGitSource { .. } => Some(
                "a locked git source is `<repository>?<rev|tag|branch>=…#<full commit sha>`; run `uv lock` to resolve the reference and record its commit",
            ),
            ErrorKind::MissingMember(_) => {
                Some("check `tool.uv.workspace.members` and that the member directories exist")
            }
            ErrorKind::InvalidGlob { .. } => {
                Some("fix the pattern in `tool.uv.workspace` (glob syntax: `*`, `?`, `[…]`)")
            }
            ErrorKind::MissingKey { .. }
            | ErrorKind::WrongType { .. }
            | ErrorKind::InvalidValue { .. }
            | ErrorKind::InvalidMarker { .. }
            | ErrorKind::InvalidVersion { .. }
            | ErrorKind::InvalidSpecifier { .. }
            | ErrorKind::InvalidName { .. }
            | ErrorKind::InvalidHash { .. }
            | ErrorKind::InvalidWheelName { .. } => Some(EDITED),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.as_os_str().is_empty() {
            write!(f, "{}", self.file.display())?;
            if let Some(p) = self.position {
                write!(f, ":{p}")?;
            }
            write!(f, ": ")?;
        } else if let Some(p) = self.position {
            write!(f, "{p}: ")?;
        }
        if !self.key_path.is_empty() {
            write!(f, "at `{}`: ", self.key_path)?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

/// A problem that does not stop reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub file: PathBuf,
    /// Where, when known.
    pub position: Option<Position>,
    pub key_path: String,
    /// What was noticed.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.as_os_str().is_empty() {
            write!(f, "{}", self.file.display())?;
            if let Some(p) = self.position {
                write!(f, ":{p}")?;
            }
            write!(f, ": ")?;
        }
        if !self.key_path.is_empty() {
            write!(f, "at `{}`: ", self.key_path)?;
        }
        write!(f, "{}", self.message)
    }
}

/// Whether `text` is laid out exactly as uv's lock writer lays out a `uv.lock`: it starts with
/// `version = 1`, and every line is blank, a `[table]` / `[[package]]` header, a `key = value` line
/// with one space on each side of `=`, an array element indented by four spaces, or a closing
/// `]`; strings use double quotes; there are no comments, tabs, carriage returns or trailing
/// spaces. A hand edit usually breaks one of these; uv's own output never does.
pub fn looks_uv_written(text: &str) -> bool {
    if !text.starts_with("version = 1\n") {
        return false;
    }
    text.split('\n').all(|line| {
        if line.is_empty() {
            return true;
        }
        if line.ends_with(' ') || line.contains('\t') || line.contains('\r') {
            return false;
        }
        if line.starts_with('[') {
            // a header, or a one-line array value's continuation never starts a line
            return line.ends_with(']') && !line.contains(" = ") && !line.contains('#');
        }
        if line == "]" || line == "]]" || line.starts_with("], [") {
            return true;
        }
        let body = line.strip_prefix("    ").unwrap_or(line);
        if body.starts_with(' ') || body.starts_with('#') || body.starts_with('\'') {
            return false;
        }
        if line.starts_with("    ") {
            // array elements: strings, inline tables, nested arrays
            return body.starts_with('"') || body.starts_with('{') || body.starts_with('[');
        }
        match line.split_once(" = ") {
            Some((key, value)) => {
                !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    && !value.starts_with('\'')
                    && !value.starts_with(' ')
            }
            None => false,
        }
    })
}

/// Quote and shorten a value for an error message (at most 80 characters shown).
pub(crate) fn quote(s: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::with_capacity(s.len().min(MAX) + 8);
    out.push('"');
    for (i, c) in s.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&c.escape_default().to_string()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
