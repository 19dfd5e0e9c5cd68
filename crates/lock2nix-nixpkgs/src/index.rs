//! The [`Index`] data model: one [`Entry`] per nixpkgs attribute, plus metadata.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A CPython `major.minor` version, e.g. 3.13 (nixpkgs attribute `python313`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PythonVersion {
    /// Major version (3).
    pub major: u8,
    /// Minor version (13).
    pub minor: u8,
}

impl PythonVersion {
    /// A version from its parts.
    pub const fn new(major: u8, minor: u8) -> Self {
        Self { major, minor }
    }

    /// The nixpkgs interpreter attribute, e.g. `python313`.
    pub fn nix_attr(&self) -> String {
        format!("python{}{}", self.major, self.minor)
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for PythonVersion {
    type Err = Error;

    /// Accepts `3.13`, `313` is not accepted (ambiguous); `python313` / `python3.13` are.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::PythonVersion(s.to_string());
        let rest = s.strip_prefix("python").unwrap_or(s);
        if let Some((maj, min)) = rest.split_once('.') {
            let major = maj.parse().map_err(|_| bad())?;
            let minor = min.parse().map_err(|_| bad())?;
            return Ok(Self { major, minor });
        }
        if rest.len() != s.len() && rest.len() >= 2 && rest.bytes().all(|b| b.is_ascii_digit()) {
            // `python313`: first digit is the major version.
            let major = rest[..1].parse().map_err(|_| bad())?;
            let minor = rest[1..].parse().map_err(|_| bad())?;
            return Ok(Self { major, minor });
        }
        Err(bad())
    }
}

/// Where an attribute lives in nixpkgs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// In the interpreter's package set (`python313Packages.<attr>` / `python313.pkgs.<attr>`).
    PythonPackages,
    /// A top-level package (`pkgs.<attr>`), e.g. a `pkgs/by-name` Python application. It is *not* in the
    /// Python package set; an overlay cannot reuse it as a library dependency without `toPythonModule`.
    TopLevel,
}

impl Scope {
    /// The spelling used in index files: `python` or `top-level`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Scope::PythonPackages => "python",
            Scope::TopLevel => "top-level",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "python" => Some(Scope::PythonPackages),
            "top-level" => Some(Scope::TopLevel),
            _ => None,
        }
    }
}

/// How an [`Index`] was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IndexSource {
    /// Evaluated with Nix (`nix/index.nix`).
    Eval,
    /// Static scan of a nixpkgs source tree, nothing evaluated.
    Scan,
    /// Read from a hand-made or foreign TSV (e.g. the authentik subset fixture).
    Tsv,
}

impl IndexSource {
    /// The spelling used in index files.
    pub fn as_str(&self) -> &'static str {
        match self {
            IndexSource::Eval => "eval",
            IndexSource::Scan => "scan",
            IndexSource::Tsv => "tsv",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "eval" => Some(IndexSource::Eval),
            "scan" => Some(IndexSource::Scan),
            "tsv" => Some(IndexSource::Tsv),
            _ => None,
        }
    }
}

/// Metadata of an [`Index`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexMeta {
    /// The interpreter the index describes, when known.
    pub python: Option<PythonVersion>,
    /// The nixpkgs revision / commit / version string, when known.
    pub nixpkgs: Option<String>,
    /// How the index was made.
    pub source: IndexSource,
}

impl IndexMeta {
    /// Metadata with only the source known.
    pub fn new(source: IndexSource) -> Self {
        Self {
            python: None,
            nixpkgs: None,
            source,
        }
    }
}

/// One nixpkgs attribute.
///
/// Empty strings are never stored: `Some("")` is normalised to `None` by [`Index::insert`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The attribute name, e.g. `django_5`.
    pub attr: String,
    /// Where the attribute lives.
    pub scope: Scope,
    /// The derivation's `pname` as written in nixpkgs (not normalised), e.g. `Automat`.
    /// Defaults to the attribute name when the recipe has none.
    pub pname: String,
    /// The raw nixpkgs version string, `None` when it is not a literal (or unknown).
    pub version: Option<String>,
    /// The expression text when the version is not a literal (e.g. `"${major}.${minor}"`,
    /// `inherit (foo) version`). Never a guessed value.
    pub version_expr: Option<String>,
    /// `meta.broken`, when known.
    pub broken: Option<bool>,
    /// Whether the package is disabled for the index's interpreter, when known.
    pub disabled: Option<bool>,
    /// Evaluating the attribute failed (threw); the other fields are then mostly unknown.
    pub failed: bool,
    /// The PyPI name this row was collected for (only in hand-made indexes such as the authentik subset).
    pub pypi_name: Option<String>,
    /// The nixpkgs commit this row was read from, when rows come from different commits.
    pub nixpkgs_commit: Option<String>,
    /// Free text: aliases, parse problems, why the version is unknown, ...
    pub note: Option<String>,
    /// What the recipe does that decides whether a version swap builds (unknown by default).
    pub features: crate::RecipeFeatures,
}

impl Entry {
    /// A plain entry in the Python package set with a literal version.
    pub fn new(attr: impl Into<String>, pname: impl Into<String>, version: Option<String>) -> Self {
        Self {
            attr: attr.into(),
            scope: Scope::PythonPackages,
            pname: pname.into(),
            version,
            version_expr: None,
            broken: None,
            disabled: None,
            failed: false,
            pypi_name: None,
            nixpkgs_commit: None,
            note: None,
            features: Default::default(),
        }
    }

    /// True when the version is known only as an expression (or not at all).
    pub fn is_non_literal(&self) -> bool {
        self.version.is_none()
    }

    /// Whether an overlay can use this attribute as-is for the index's interpreter:
    /// not failed, not known-broken, not known-disabled.
    pub fn is_usable(&self) -> bool {
        !self.failed && self.broken != Some(true) && self.disabled != Some(true)
    }

    fn normalise(&mut self) {
        // no Nix string holds a NUL, and the index file refuses one
        for s in [&mut self.attr, &mut self.pname].into_iter().chain(
            [
                &mut self.version,
                &mut self.version_expr,
                &mut self.pypi_name,
                &mut self.nixpkgs_commit,
                &mut self.note,
            ]
            .into_iter()
            .flatten(),
        ) {
            if s.contains('\0') {
                *s = s.replace('\0', "\u{fffd}");
            }
        }
        for f in [
            &mut self.version,
            &mut self.version_expr,
            &mut self.pypi_name,
            &mut self.nixpkgs_commit,
            &mut self.note,
        ] {
            if f.as_deref() == Some("") {
                *f = None;
            }
        }
        if self.pname.is_empty() {
            self.pname = self.attr.clone();
        }
        self.features.normalise();
    }
}

/// A PyPI name known to have *no* nixpkgs attribute (rows with an empty attribute in hand-made indexes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub pypi_name: String,
    /// Why it is missing / how that was established.
    pub note: Option<String>,
}

/// PEP 503 normalisation: lowercase, runs of `-`, `_`, `.` become one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            pending_sep = true;
        } else {
            if pending_sep && !out.is_empty() {
                out.push('-');
            }
            pending_sep = false;
            out.extend(c.to_lowercase());
        }
    }
    if pending_sep && out.is_empty() {
        // a name made only of separators: keep one so it is not empty
        out.push('-');
    }
    out
}

/// What nixpkgs' Python package set has: entries keyed by attribute, with lookups by attribute and by
/// PEP 503-normalised `pname`. Iteration is sorted by attribute (then scope).
///
/// The lookups by normalised name ([`Index::by_pname`], [`Index::by_pypi_name`],
/// [`Index::missing_entry`]) use maps kept up to date by [`Index::insert`] and
/// [`Index::insert_missing`], so each costs O(log n), not a scan of every entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Metadata.
    pub meta: IndexMeta,
    entries: BTreeMap<(String, Scope), Entry>,
    missing: BTreeMap<String, Missing>,
    /// Normalised `pname` → the keys of the entries with it, sorted.
    by_pname: BTreeMap<String, Vec<(String, Scope)>>,
    /// Normalised `pypi_name` → the keys of the entries with it, sorted (the first is the answer).
    by_pypi: BTreeMap<String, Vec<(String, Scope)>>,
    /// Normalised missing name → the missing names (keys of `missing`) with it, sorted.
    missing_by_norm: BTreeMap<String, Vec<String>>,
}

/// Remove `key` from the sorted list under `norm`, dropping the list when it becomes empty.
fn unlink<K: Ord>(map: &mut BTreeMap<String, Vec<K>>, norm: &str, key: &K) {
    if let Some(v) = map.get_mut(norm) {
        if let Ok(pos) = v.binary_search(key) {
            v.remove(pos);
        }
        if v.is_empty() {
            map.remove(norm);
        }
    }
}

/// Add `key` to the sorted list under `norm` (once).
fn link<K: Ord>(map: &mut BTreeMap<String, Vec<K>>, norm: String, key: K) {
    let v = map.entry(norm).or_default();
    if let Err(pos) = v.binary_search(&key) {
        v.insert(pos, key);
    }
}

impl Index {
    /// An empty index.
    pub fn new(meta: IndexMeta) -> Self {
        Self {
            meta,
            entries: BTreeMap::new(),
            missing: BTreeMap::new(),
            by_pname: BTreeMap::new(),
            by_pypi: BTreeMap::new(),
            missing_by_norm: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) an entry; returns the replaced one.
    pub fn insert(&mut self, mut entry: Entry) -> Option<Entry> {
        entry.normalise();
        let key = (entry.attr.clone(), entry.scope);
        let pname = normalize_name(&entry.pname);
        let pypi = entry.pypi_name.as_deref().map(normalize_name);
        let old = self.entries.insert(key.clone(), entry);
        if let Some(old) = &old {
            unlink(&mut self.by_pname, &normalize_name(&old.pname), &key);
            if let Some(p) = &old.pypi_name {
                unlink(&mut self.by_pypi, &normalize_name(p), &key);
            }
        }
        if let Some(p) = pypi {
            link(&mut self.by_pypi, p, key.clone());
        }
        link(&mut self.by_pname, pname, key);
        old
    }

    /// Records a PyPI name known to be missing from nixpkgs.
    pub fn insert_missing(&mut self, mut missing: Missing) -> Option<Missing> {
        if missing.note.as_deref() == Some("") {
            missing.note = None;
        }
        for s in std::iter::once(&mut missing.pypi_name).chain(missing.note.as_mut()) {
            if s.contains('\0') {
                *s = s.replace('\0', "\u{fffd}");
            }
        }
        let name = missing.pypi_name.clone();
        link(
            &mut self.missing_by_norm,
            normalize_name(&name),
            name.clone(),
        );
        self.missing.insert(name, missing)
    }

    /// The entry for an attribute, preferring the Python package set over a top-level attribute of the
    /// same name.
    pub fn get(&self, attr: &str) -> Option<&Entry> {
        self.get_in(attr, Scope::PythonPackages)
            .or_else(|| self.get_in(attr, Scope::TopLevel))
    }

    /// The entry for an attribute in one scope.
    pub fn get_in(&self, attr: &str, scope: Scope) -> Option<&Entry> {
        self.entries.get(&(attr.to_string(), scope))
    }

    /// All entries whose PEP 503-normalised `pname` equals the normalised `name`, sorted by attribute.
    pub fn by_pname(&self, name: &str) -> Vec<&Entry> {
        self.by_pname
            .get(&normalize_name(name))
            .map(|keys| keys.iter().filter_map(|k| self.entries.get(k)).collect())
            .unwrap_or_default()
    }

    /// The entry whose `pypi_name` column is `name` (hand-made indexes), compared normalised; when
    /// several match, the first in attribute (then scope) order.
    pub fn by_pypi_name(&self, name: &str) -> Option<&Entry> {
        self.by_pypi
            .get(&normalize_name(name))
            .and_then(|keys| keys.first())
            .and_then(|k| self.entries.get(k))
    }

    /// A PyPI name recorded as missing: the one spelled exactly `name`, else the first (sorted) whose
    /// normalised spelling equals `name`'s.
    pub fn missing_entry(&self, name: &str) -> Option<&Missing> {
        self.missing.get(name).or_else(|| {
            self.missing_by_norm
                .get(&normalize_name(name))
                .and_then(|names| names.first())
                .and_then(|n| self.missing.get(n))
        })
    }

    /// Entries sorted by attribute, then scope.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// Names recorded as missing, sorted.
    pub fn missing(&self) -> impl Iterator<Item = &Missing> {
        self.missing.values()
    }

    /// Every PyPI name the index mentions (entry `pypi_name`s and missing names), sorted and deduplicated.
    pub fn pypi_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .entries
            .values()
            .filter_map(|e| e.pypi_name.as_deref())
            .chain(self.missing.keys().map(String::as_str))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The family `attr` belongs to: the attribute it shares its source with
    /// ([`crate::RecipeFeatures::family`], or `attr` itself when it has none) and every entry whose
    /// family is that attribute, sorted by attribute (then scope). Only `attr`'s own entry when it
    /// is in no family; empty when the index has no such attribute.
    pub fn family(&self, attr: &str) -> Vec<&Entry> {
        let Some(entry) = self.get(attr) else {
            return Vec::new();
        };
        let root = entry.features.family.as_deref().unwrap_or(attr);
        self.entries
            .values()
            .filter(|e| e.attr == root || e.features.family.as_deref() == Some(root))
            .collect()
    }

    /// Number of entries (attributes).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
