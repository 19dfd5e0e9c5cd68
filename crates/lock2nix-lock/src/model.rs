//! The validated model of a `uv.lock`.

use std::collections::BTreeMap;
use std::fmt;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerTree, PackageName};

use crate::hash::Hash;

/// A PEP 508 marker as written in the lock, with its parsed tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Marker {
    /// The text as the lock wrote it.
    pub raw: String,
    /// The parsed marker.
    pub tree: MarkerTree,
}

impl fmt::Display for Marker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// A dependency-group name (PEP 735), normalised like a package name.
pub type GroupName = ExtraName;

/// The index of a package in [`Lock::packages`].
pub type PackageId = usize;

/// A read `uv.lock`.
#[derive(Debug, Clone)]
pub struct Lock {
    /// Major version (always 1).
    pub version: u32,
    /// Minor revision (0 when absent).
    pub revision: u32,
    /// `requires-python`.
    pub requires_python: Option<VersionSpecifiers>,
    /// `requires-python` as written.
    pub requires_python_raw: Option<String>,
    /// Top-level fork markers.
    pub resolution_markers: Vec<Marker>,
    /// `supported-markers` (from `tool.uv.environments`).
    pub supported_markers: Vec<Marker>,
    /// `required-markers` (from `tool.uv.required-environments`).
    pub required_markers: Vec<Marker>,
    /// `conflicts`: sets of mutually exclusive extras/groups/projects.
    pub conflicts: Vec<Vec<ConflictItem>>,
    /// `[options]`, kept as key → TOML text.
    pub options: BTreeMap<String, String>,
    /// `[manifest]`.
    pub manifest: Manifest,
    /// Every `[[package]]`, in file order.
    pub packages: Vec<Package>,
    /// Non-fatal findings.
    pub warnings: Vec<crate::Warning>,
}

/// One entry of a `conflicts` set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConflictItem {
    pub package: PackageName,
    /// What conflicts.
    pub kind: ConflictKind,
}

/// Extra, group, or the whole project.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConflictKind {
    /// `{ package, extra }`.
    Extra(ExtraName),
    /// `{ package, group }`.
    Group(GroupName),
    /// `{ package }`.
    Project,
}

/// `[manifest]`: the resolver inputs.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// Workspace member names.
    pub members: Vec<PackageName>,
    /// Requirements not tied to a member.
    pub requirements: Vec<LockRequirement>,
    pub constraints: Vec<LockRequirement>,
    /// Overrides that apply to every dependent (`override-dependencies`).
    pub overrides: Vec<LockRequirement>,
    /// Overrides scoped to one dependent package (`{ package = { name, version }, dependencies }`).
    pub scoped_overrides: Vec<ScopedOverride>,
    /// Names excluded from every dependent (`exclude-dependencies`, written as strings).
    pub excludes: Vec<PackageName>,
    /// Exclusions scoped to one dependent package (`{ package = { name, version }, dependencies }`).
    pub scoped_excludes: Vec<ScopedExclude>,
    pub build_constraints: Vec<LockRequirement>,
    /// Dependency groups of a virtual root.
    pub dependency_groups: BTreeMap<GroupName, Vec<LockRequirement>>,
    /// Static metadata entries.
    pub dependency_metadata: Vec<DependencyMetadata>,
}

/// `[[manifest.dependency-metadata]]`: static metadata given in `tool.uv.dependency-metadata`, which
/// uv used instead of the package's own.
#[derive(Debug, Clone)]
pub struct DependencyMetadata {
    pub name: PackageName,
    /// Version (absent: the entry applies to every version).
    pub version: Option<Version>,
    /// `requires-dist`: uv writes PEP 508 strings here (not the requirement tables of
    /// `[package.metadata]`); both are read.
    pub requires_dist: Vec<LockRequirement>,
    /// `requires-python`, as written.
    pub requires_python: Option<String>,
    /// `provides-extras` (uv's spelling) or `provides-extra`.
    pub provides_extras: Vec<ExtraName>,
}

/// An override of `[manifest] overrides` scoped to one dependent package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedOverride {
    /// The dependent package whose requirements are overridden.
    pub package: PackageName,
    /// Its version (absent: every version).
    pub version: Option<Version>,
    /// The replacement requirements.
    pub dependencies: Vec<LockRequirement>,
}

/// An exclusion of `[manifest] excludes` scoped to one dependent package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedExclude {
    /// The dependent package.
    pub package: PackageName,
    /// Its version (absent: every version).
    pub version: Option<Version>,
    /// The dependencies removed from it.
    pub dependencies: Vec<PackageName>,
}

/// A requirement as recorded in `[manifest]` or `[package.metadata]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRequirement {
    pub name: PackageName,
    /// Requested extras.
    pub extras: Vec<ExtraName>,
    /// Requested dependency groups of the named package (`groups`, used by uv for requirements on
    /// a project's own groups).
    pub groups: Vec<GroupName>,
    pub marker: Option<Marker>,
    /// Where it comes from.
    pub source: RequirementSource,
}

/// The source form of a [`LockRequirement`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequirementSource {
    /// A version specifier (possibly empty), with an optional index.
    Registry {
        /// The specifiers.
        specifier: VersionSpecifiers,
        /// `index`.
        index: Option<String>,
        /// `conflict`: the extra or group this requirement's index is tied to (uv's conflicting
        /// indexes).
        conflict: Option<ConflictItem>,
    },
    /// A git URL (without the commit fragment).
    Git(String),
    /// A direct URL with an optional subdirectory.
    Url {
        /// The URL.
        url: String,
        /// `subdirectory`.
        subdirectory: Option<String>,
    },
    /// A local file.
    Path(String),
    /// A local directory.
    Directory(String),
    /// An editable directory.
    Editable(String),
    /// A virtual directory.
    Virtual(String),
}

impl fmt::Display for LockRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if !self.extras.is_empty() {
            let extras: Vec<&str> = self.extras.iter().map(ExtraName::as_ref).collect();
            write!(f, "[{}]", extras.join(","))?;
        }
        match &self.source {
            RequirementSource::Registry { specifier, .. } => {
                if !specifier.is_empty() {
                    write!(f, "{specifier}")?;
                }
            }
            RequirementSource::Git(u) => write!(f, " @ git+{u}")?,
            RequirementSource::Url { url, .. } => write!(f, " @ {url}")?,
            RequirementSource::Path(p)
            | RequirementSource::Directory(p)
            | RequirementSource::Editable(p)
            | RequirementSource::Virtual(p) => write!(f, " @ {p}")?,
        }
        if let Some(m) = &self.marker {
            write!(f, " ; {m}")?;
        }
        Ok(())
    }
}

/// One `[[package]]`.
#[derive(Debug, Clone)]
pub struct Package {
    /// Normalised name.
    pub name: PackageName,
    /// Version (absent for dynamic-version source trees).
    pub version: Option<Version>,
    /// Where it comes from.
    pub source: Source,
    /// The fork markers under which this entry was chosen.
    pub resolution_markers: Vec<Marker>,
    pub dependencies: Vec<Dependency>,
    /// Extras → dependencies.
    pub optional_dependencies: BTreeMap<ExtraName, Vec<Dependency>>,
    /// Groups → dependencies.
    pub dev_dependencies: BTreeMap<GroupName, Vec<Dependency>>,
    /// The source distribution.
    pub sdist: Option<Sdist>,
    pub wheels: Vec<Wheel>,
    /// `[package.metadata]`.
    pub metadata: Option<PackageMetadata>,
    /// 1-based line of the `[[package]]` header.
    pub line: usize,
}

impl Package {
    /// `name==version` (or just the name), for messages.
    pub fn display_id(&self) -> String {
        match &self.version {
            Some(v) => format!("{}=={}", self.name, v),
            None => self.name.to_string(),
        }
    }

    /// The version as a string, `0.0.0` for dynamic versions (as uv2nix does).
    pub fn version_string(&self) -> String {
        self.version
            .as_ref()
            .map_or_else(|| "0.0.0".to_string(), ToString::to_string)
    }
}

/// A dependency edge.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// The name as written.
    pub name: PackageName,
    /// `version`, written only for ambiguous names.
    pub version: Option<Version>,
    /// `source`, written only for ambiguous names (boxed: most edges have none, and a lock has
    /// ten times more edges than packages).
    pub source: Option<Box<Source>>,
    /// Extras of the dependency that this edge activates.
    pub extras: Vec<ExtraName>,
    /// The edge marker.
    pub marker: Option<Marker>,
    /// The package this edge resolves to.
    pub target: PackageId,
}

/// `[package.metadata]`.
#[derive(Debug, Clone, Default)]
pub struct PackageMetadata {
    /// `requires-dist`.
    pub requires_dist: Vec<LockRequirement>,
    /// `provides-extras`.
    pub provides_extras: Vec<ExtraName>,
    /// `requires-dev`.
    pub requires_dev: BTreeMap<GroupName, Vec<LockRequirement>>,
}

/// The source of a package.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// A registry: index URL, or a path to a local index / find-links directory.
    Registry(RegistrySource),
    /// A git repository at a commit.
    Git(GitSource),
    /// A direct URL to an archive.
    Url {
        /// The URL.
        url: String,
        /// Subdirectory inside the archive.
        subdirectory: Option<String>,
    },
    /// A local archive file.
    Path(String),
    /// A local source tree, not editable.
    Directory(String),
    /// A local source tree installed editable (workspace members).
    Editable(String),
    /// A local source tree that is not built (virtual roots).
    Virtual(String),
}

/// A registry source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegistrySource {
    /// A remote index URL.
    Url(String),
    /// A local index directory.
    Path(String),
}

/// The kind of a [`Source`], as named in lock2nix's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    Registry,
    Git,
    Url,
    Path,
    Directory,
    Editable,
    Virtual,
}

impl SourceKind {
    /// Every kind, in a fixed order.
    pub const ALL: [SourceKind; 7] = [
        SourceKind::Registry,
        SourceKind::Git,
        SourceKind::Url,
        SourceKind::Path,
        SourceKind::Directory,
        SourceKind::Editable,
        SourceKind::Virtual,
    ];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Registry => "registry",
            SourceKind::Git => "git",
            SourceKind::Url => "url",
            SourceKind::Path => "path",
            SourceKind::Directory => "directory",
            SourceKind::Editable => "editable",
            SourceKind::Virtual => "virtual",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Source {
    /// The kind.
    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Registry(_) => SourceKind::Registry,
            Source::Git(_) => SourceKind::Git,
            Source::Url { .. } => SourceKind::Url,
            Source::Path(_) => SourceKind::Path,
            Source::Directory(_) => SourceKind::Directory,
            Source::Editable(_) => SourceKind::Editable,
            Source::Virtual(_) => SourceKind::Virtual,
        }
    }

    /// True for sources that are local source trees (directory, editable, virtual).
    pub fn is_source_tree(&self) -> bool {
        matches!(
            self,
            Source::Directory(_) | Source::Editable(_) | Source::Virtual(_)
        )
    }

    /// The local path of directory/editable/virtual/path sources.
    pub fn local_path(&self) -> Option<&str> {
        match self {
            Source::Path(p) | Source::Directory(p) | Source::Editable(p) | Source::Virtual(p) => {
                Some(p)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Registry(RegistrySource::Url(u)) => write!(f, "registry+{u}"),
            Source::Registry(RegistrySource::Path(p)) => write!(f, "registry+{p}"),
            Source::Git(g) => write!(f, "git+{}", g.raw),
            Source::Url { url, subdirectory } => {
                write!(f, "url+{url}")?;
                if let Some(s) = subdirectory {
                    write!(f, " (subdirectory {s})")?;
                }
                Ok(())
            }
            Source::Path(p) => write!(f, "path+{p}"),
            Source::Directory(p) => write!(f, "directory+{p}"),
            Source::Editable(p) => write!(f, "editable+{p}"),
            Source::Virtual(p) => write!(f, "virtual+{p}"),
        }
    }
}

/// A decoded git source: `https://host/repo?subdirectory=..&rev=..#<commit>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GitSource {
    /// The whole string as the lock wrote it.
    pub raw: String,
    /// The repository URL, without query and fragment.
    pub repository: String,
    /// The requested reference.
    pub reference: GitReference,
    /// `subdirectory=` (percent-decoded).
    pub subdirectory: Option<String>,
    /// `path=`: an archive inside the repository (percent-decoded).
    pub path: Option<String>,
    /// `lfs=true`.
    pub lfs: bool,
    /// The resolved full commit (40 lower-case hex digits).
    pub commit: String,
}

/// The reference a git source asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GitReference {
    /// `rev=`.
    Rev(String),
    /// `tag=`.
    Tag(String),
    /// `branch=`.
    Branch(String),
    DefaultBranch,
}

/// A source distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sdist {
    /// Where it is.
    pub locator: SdistLocator,
    /// Its hash.
    pub hash: Option<Hash>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// `upload-time` (RFC 3339 text).
    pub upload_time: Option<UploadTime>,
}

/// The three forms of `sdist`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdistLocator {
    /// `{ url = … }`.
    Url(String),
    /// `{ path = … }` relative to a local registry.
    Path(String),
    /// `{ hash = … }` only: the source itself is the file.
    Metadata,
}

/// A wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wheel {
    /// Where it is.
    pub locator: WheelLocator,
    /// The parsed file name.
    pub filename: lock2nix_wheel::WheelFilename,
    /// Its hash (absent for git/path sources).
    pub hash: Option<Hash>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// `upload-time`.
    pub upload_time: Option<UploadTime>,
    /// The zstd-compressed variant's hash and size (rare: boxed).
    pub zstd: Option<Box<(Option<Hash>, Option<u64>)>>,
}

/// An `upload-time` exactly as the lock writes it (its text is what [`fmt::Display`] writes).
///
/// A lock has one per file (11,128 wheels on top-1000): a UTC time in the form uv writes,
/// `YYYY-MM-DDTHH:MM:SS[.F]Z` with one to nine fraction digits, is kept as its digits, in
/// place; any other text (a TOML date-time, another offset, anything a hand-edited lock holds) is
/// kept boxed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UploadTime(UploadRepr);

/// The two forms of an [`UploadTime`]; a text has exactly one (the digits when it fits them), so
/// equal texts are equal values.
#[derive(Clone, PartialEq, Eq, Hash)]
enum UploadRepr {
    /// `YYYY-MM-DDTHH:MM:SS[.F]Z`: the digits of `YYYY-MM-DDTHH:MM` one per nibble in `head`
    /// (the first lowest; the separators' nibbles are always the same), the seconds' two in
    /// `seconds`, and the fraction's value with how many digits it has (leading zeros included;
    /// none: no `.F` part).
    Utc {
        head: u64,
        fraction: u32,
        seconds: u8,
        fraction_digits: u8,
    },
    /// Any other text (a box of a box: the common form above stays two words).
    Text(Box<Box<str>>),
}

/// The first sixteen bytes of the UTC form (`0` where a digit goes).
const UTC_HEAD: &[u8; 16] = b"0000-00-00T00:00";

/// Each byte of `x` (sixteen of them) where `pick` has `0xff`, every other `0`.
const fn bytes_where(pick: [bool; 16], x: u8) -> u128 {
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        if pick[i] {
            out[i] = x;
        }
        i += 1;
    }
    u128::from_le_bytes(out)
}

/// Which of [`UTC_HEAD`]'s bytes are digits.
const UTC_DIGITS: [bool; 16] = {
    let mut d = [false; 16];
    let mut i = 0;
    while i < 16 {
        d[i] = UTC_HEAD[i] == b'0';
        i += 1;
    }
    d
};

impl UploadTime {
    /// `text` in the compact form when it is in uv's UTC form: sixteen bytes checked and packed
    /// at once, as one 128-bit word (the reader meets one per file).
    fn utc(text: &str) -> Option<UploadRepr> {
        // masks of the sixteen bytes (computed when compiling)
        const ALL: [bool; 16] = [true; 16];
        const SEPARATORS: [bool; 16] = {
            let mut s = [false; 16];
            let mut i = 0;
            while i < 16 {
                s[i] = !UTC_DIGITS[i];
                i += 1;
            }
            s
        };
        const SEPARATOR_BYTES: u128 = bytes_where(SEPARATORS, 0xff);
        const SEPARATOR_VALUES: u128 = u128::from_le_bytes(*UTC_HEAD) & SEPARATOR_BYTES;
        const DIGIT_BYTES: u128 = bytes_where(UTC_DIGITS, 0xff);
        const LOW: u128 = bytes_where(ALL, 0x0f);
        const HIGH: u128 = bytes_where(ALL, 0xf0);
        const THREES: u128 = bytes_where(ALL, 0x30);
        const SIXES: u128 = bytes_where(ALL, 0x06);
        const CARRIES: u128 = bytes_where(ALL, 0x10);
        let b = text.as_bytes();
        let (&b'Z', body) = b.split_last()? else {
            return None;
        };
        let (head, rest) = body.split_first_chunk::<16>()?;
        let [b':', s1, s0, fraction @ ..] = rest else {
            return None;
        };
        let word = u128::from_le_bytes(*head);
        if word & SEPARATOR_BYTES != SEPARATOR_VALUES {
            return None;
        }
        // a digit byte is `0x3_` with a low nibble under ten: its high nibble is 3 and adding
        // six to its low nibble does not carry into the next (no byte carries into another)
        let low = word & LOW;
        if (word ^ THREES) & HIGH & DIGIT_BYTES != 0 || (low + SIXES) & CARRIES & DIGIT_BYTES != 0 {
            return None;
        }
        // the sixteen low nibbles, in order, into 64 bits
        let mut t = (low | (low >> 4)) & 0x00ff_00ff_00ff_00ff_00ff_00ff_00ff_00ff;
        t = (t | (t >> 8)) & 0x0000_ffff_0000_ffff_0000_ffff_0000_ffff;
        t = (t | (t >> 16)) & 0x0000_0000_ffff_ffff_0000_0000_ffff_ffff;
        let head = (t | (t >> 32)) as u64;
        if !s1.is_ascii_digit() || !s0.is_ascii_digit() {
            return None;
        }
        let seconds = (s1 & 0x0f) << 4 | (s0 & 0x0f);
        let (fraction, fraction_digits) = match fraction {
            [] => (0, 0),
            [b'.', f @ ..] if (1..=9).contains(&f.len()) => {
                let mut value = 0u32;
                for &c in f {
                    if !c.is_ascii_digit() {
                        return None;
                    }
                    value = value * 10 + u32::from(c - b'0');
                }
                (value, f.len() as u8)
            }
            _ => return None,
        };
        Some(UploadRepr::Utc {
            head,
            fraction,
            seconds,
            fraction_digits,
        })
    }

    /// `text` when it is in uv's UTC form (what [`From<&str>`] keeps in place), else `None`.
    pub(crate) fn utc_form(text: &str) -> Option<Self> {
        Self::utc(text).map(Self)
    }
}

impl From<&str> for UploadTime {
    fn from(text: &str) -> Self {
        Self(Self::utc(text).unwrap_or_else(|| UploadRepr::Text(Box::new(text.into()))))
    }
}

impl From<String> for UploadTime {
    fn from(text: String) -> Self {
        Self(Self::utc(&text).unwrap_or_else(|| UploadRepr::Text(Box::new(text.into()))))
    }
}

impl fmt::Display for UploadTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            UploadRepr::Text(text) => f.write_str(text),
            &UploadRepr::Utc {
                head,
                mut fraction,
                seconds,
                fraction_digits,
            } => {
                // `YYYY-MM-DDTHH:MM:SS.FFFFFFFFFZ` at the longest
                let mut buf = [0u8; 30];
                for (i, (out, &t)) in buf.iter_mut().zip(UTC_HEAD).enumerate() {
                    *out = if UTC_DIGITS[i] {
                        b'0' + ((head >> (4 * i)) & 0x0f) as u8
                    } else {
                        t
                    };
                }
                buf[16] = b':';
                buf[17] = b'0' + (seconds >> 4);
                buf[18] = b'0' + (seconds & 0x0f);
                let n = usize::from(fraction_digits);
                let len = if n == 0 { 20 } else { 21 + n };
                if n > 0 {
                    buf[19] = b'.';
                    for c in buf[20..20 + n].iter_mut().rev() {
                        *c = b'0' + (fraction % 10) as u8;
                        fraction /= 10;
                    }
                }
                buf[len - 1] = b'Z';
                f.write_str(std::str::from_utf8(&buf[..len]).map_err(|_| fmt::Error)?)
            }
        }
    }
}

impl fmt::Debug for UploadTime {
    /// As its text is (a string's `Debug`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

/// The locator of a wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WheelLocator {
    /// A remote URL.
    Url(String),
    /// A path relative to a local registry.
    Path(String),
    /// The file name of a `path` source that is itself a wheel.
    Filename(String),
}

impl WheelLocator {
    /// The URL, path or file name.
    pub fn as_str(&self) -> &str {
        match self {
            WheelLocator::Url(s) | WheelLocator::Path(s) | WheelLocator::Filename(s) => s,
        }
    }
}

impl Lock {
    /// Indices of the packages with this name.
    pub fn packages_named<'a>(
        &'a self,
        name: &'a PackageName,
    ) -> impl Iterator<Item = (PackageId, &'a Package)> + 'a {
        self.packages
            .iter()
            .enumerate()
            .filter(move |(_, p)| &p.name == name)
    }

    /// Count of packages per source kind, every kind present (zero when absent).
    pub fn source_counts(&self) -> BTreeMap<SourceKind, usize> {
        let mut counts: BTreeMap<SourceKind, usize> =
            SourceKind::ALL.iter().map(|k| (*k, 0)).collect();
        for p in &self.packages {
            *counts.entry(p.source.kind()).or_default() += 1;
        }
        counts
    }

    /// The workspace members: `[manifest] members`, or, when absent, the editable/virtual/directory
    /// packages at the root (`.`).
    pub fn member_ids(&self) -> Vec<PackageId> {
        if !self.manifest.members.is_empty() {
            let mut ids: Vec<PackageId> = self
                .packages
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    self.manifest.members.contains(&p.name)
                        && matches!(
                            p.source,
                            Source::Editable(_) | Source::Virtual(_) | Source::Directory(_)
                        )
                })
                .map(|(i, _)| i)
                .collect();
            ids.sort_by(|a, b| self.packages[*a].name.cmp(&self.packages[*b].name));
            return ids;
        }
        self.packages
            .iter()
            .enumerate()
            .filter(
                |(_, p)| matches!(&p.source, Source::Editable(s) | Source::Virtual(s) if s == "."),
            )
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_time_prints_back_as_written() {
        let compact = [
            "2025-06-18T09:00:10.843Z",
            "2025-06-18T09:00:10Z",
            "2025-06-18T09:00:10.8Z",
            "2025-06-18T09:00:10.05Z",
            "2025-06-18T09:00:10.000000001Z",
            "2025-06-18T09:00:10.123456789Z",
            "0000-00-00T00:00:00.0Z",
            "9999-99-99T99:99:99.999999999Z",
        ];
        for text in compact {
            let t = UploadTime::from(text);
            assert!(matches!(t.0, UploadRepr::Utc { .. }), "{text}");
            assert_eq!(t.to_string(), text);
            assert_eq!(format!("{t:?}"), format!("{text:?}"));
            assert_eq!(t, UploadTime::from(text.to_string()));
        }
        let other = [
            "",
            "Z",
            "2025-06-18T09:00:10",
            "2025-06-18 09:00:10Z",
            "2025-06-18t09:00:10Z",
            "2025-06-18T09:00:10z",
            "2025-06-18T09:00:10.Z",
            "2025-06-18T09:00:10.1234567890Z",
            "2025-06-18T09:00:10+00:00",
            "2025-06-18T09:00:10.5+01:00",
            "2025-6-18T09:00:10Z",
            "02025-06-18T09:00:10Z",
            "2025-06-18T09:00:1aZ",
            "2025-06-18T09:00:10.1a3Z",
            "2025-06-18T09:00:10.843ZZ",
            "2025-06-18T09-00:10Z",
            "２025-06-18T09:00:10Z",
            "2025-06-18T09:00:10.843Z\0",
            "1979-05-27",
        ];
        for text in other {
            let t = UploadTime::from(text);
            assert!(matches!(t.0, UploadRepr::Text(_)), "{text:?}");
            assert_eq!(t.to_string(), text);
            assert_eq!(t, UploadTime::from(text.to_string()));
        }
        // every single-byte change of a compact text: compact exactly when the reference says
        let reference = |t: &str| {
            let b = t.as_bytes();
            let n = b.len();
            (20..=30).contains(&n)
                && n != 21
                && b.iter().enumerate().all(|(i, &c)| match i {
                    4 | 7 => c == b'-',
                    10 => c == b'T',
                    13 | 16 => c == b':',
                    19 if n > 20 => c == b'.',
                    _ if i == n - 1 => c == b'Z',
                    _ => c.is_ascii_digit(),
                })
        };
        for base in compact {
            for i in 0..base.len() {
                for c in 0..=127u8 {
                    let mut b = base.as_bytes().to_vec();
                    b[i] = c;
                    let text = String::from_utf8(b).unwrap();
                    let t = UploadTime::from(text.as_str());
                    assert_eq!(
                        matches!(t.0, UploadRepr::Utc { .. }),
                        reference(&text),
                        "{text:?}"
                    );
                    assert_eq!(t.to_string(), text);
                }
            }
        }
        // equal texts are equal values, different texts different ones
        assert_ne!(
            UploadTime::from("2025-06-18T09:00:10.8Z"),
            UploadTime::from("2025-06-18T09:00:10.80Z")
        );
        // no bigger than the `Option<String>` it replaces, and smaller
        assert_eq!(std::mem::size_of::<Option<UploadTime>>(), 16);
    }
}
