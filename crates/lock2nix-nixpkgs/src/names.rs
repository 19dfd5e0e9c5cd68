//! PyPI name → nixpkgs attribute mapping.
//!
//! Lookup order (first hit wins), all on the PEP 503-normalised PyPI name:
//! 1. **Override**: a per-package configuration entry ([`NameMap::with_overrides`]); used as given, even when
//!    the index does not have that attribute (the user said so).
//! 2. **Table**: the documented table of known exceptions, `src/known-names.tsv` (each row says why). A row
//!    applies when the index has its attribute, or else one of its listed alternatives.
//! 3. **Exact**: the normalised name is itself an attribute of the index.
//! 4. **Pname**: an entry whose normalised `pname` equals the normalised name. When several do (e.g.
//!    `django_4` and `django_5` both have pname `django`), the choice is: not failed, then a literal version,
//!    then the highest PEP 440 version, then the smallest attribute name.
//!
//! Steps 3 and 4 prefer the Python package set over top-level attributes (`pkgs/by-name` applications);
//! [`Match::scope`] says which one was found.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::index::{normalize_name, Entry, Index, Scope};

/// The embedded known-names table (see the module docs).
pub const KNOWN_NAMES_TSV: &str = include_str!("known-names.tsv");

/// One row of the known-names table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownName {
    /// The PEP 503-normalised PyPI name.
    pub pypi_name: String,
    /// The preferred nixpkgs attribute.
    pub attr: String,
    /// Other attributes that provide the same distribution.
    pub alternatives: Vec<String>,
    /// Why (the row's comment).
    pub reason: String,
}

/// Parses a known-names table (`pypi_name \t attr \t alternatives|- \t # reason`, `#` comment lines).
pub fn parse_known_names(text: &str) -> Result<Vec<KnownName>> {
    let mut rows: Vec<KnownName> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let err = |detail: String| Error::NameTable {
            line: line_no,
            detail,
        };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        let [pypi, attr, alts, reason] = cells.as_slice() else {
            return Err(err(format!(
                "expected 4 tab-separated cells, found {}",
                cells.len()
            )));
        };
        let Some(reason) = reason
            .strip_prefix('#')
            .map(str::trim)
            .filter(|r| !r.is_empty())
        else {
            return Err(err("the 4th cell must be a `# why` comment".to_string()));
        };
        if pypi.is_empty() || attr.is_empty() {
            return Err(err("empty pypi_name or attr".to_string()));
        }
        if normalize_name(pypi) != *pypi {
            return Err(err(format!("pypi_name {pypi:?} is not PEP 503-normalised")));
        }
        if rows.iter().any(|r| r.pypi_name == *pypi) {
            return Err(err(format!("duplicate pypi_name {pypi:?}")));
        }
        let alternatives = if *alts == "-" {
            Vec::new()
        } else {
            alts.split(',').map(|s| s.trim().to_string()).collect()
        };
        rows.push(KnownName {
            pypi_name: pypi.to_string(),
            attr: attr.to_string(),
            alternatives,
            reason: reason.to_string(),
        });
    }
    Ok(rows)
}

/// The embedded table, parsed once.
pub fn known_names() -> &'static [KnownName] {
    static TABLE: OnceLock<Vec<KnownName>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The table is compiled in and checked by a unit test; a parse error here is a build defect.
        parse_known_names(KNOWN_NAMES_TSV).expect("embedded known-names.tsv is valid")
    })
}

/// How a [`Match`] was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Via {
    /// The normalised name is an attribute.
    Exact,
    /// An entry's normalised `pname` equals the normalised name.
    Pname,
    /// The known-names table.
    Table,
    /// A per-package override.
    Override,
}

/// A nixpkgs attribute for a PyPI name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The attribute.
    pub attr: String,
    /// How it was found.
    pub via: Via,
    /// Where the attribute lives (for overrides: the scope of that attribute in the index, else
    /// [`Scope::PythonPackages`]).
    pub scope: Scope,
    /// Other attributes of the index that provide the same distribution (from the table, or other
    /// entries with the same pname), sorted.
    pub alternatives: Vec<String>,
}

/// Maps PyPI names to nixpkgs attributes of one [`Index`]. See the module docs for the order.
#[derive(Debug, Clone)]
pub struct NameMap<'a> {
    index: &'a Index,
    overrides: BTreeMap<String, String>,
    table: BTreeMap<String, KnownName>,
}

fn pick_best(mut cands: Vec<&Entry>) -> Option<&Entry> {
    cands.sort_by(|a, b| {
        let key = |e: &Entry| {
            (
                e.failed,
                e.version.is_none(),
                std::cmp::Reverse(
                    e.version
                        .as_deref()
                        .and_then(|v| pep440_rs::Version::from_str(v).ok()),
                ),
            )
        };
        key(a).cmp(&key(b)).then_with(|| a.attr.cmp(&b.attr))
    });
    cands.into_iter().next()
}

impl<'a> NameMap<'a> {
    /// A map over `index` with the embedded known-names table and no overrides.
    pub fn new(index: &'a Index) -> Self {
        Self {
            index,
            overrides: BTreeMap::new(),
            table: known_names()
                .iter()
                .map(|k| (k.pypi_name.clone(), k.clone()))
                .collect(),
        }
    }

    /// Adds per-package overrides (PyPI name → attribute). Keys are normalised; later keys win.
    pub fn with_overrides(mut self, overrides: BTreeMap<String, String>) -> Self {
        for (k, v) in overrides {
            self.overrides.insert(normalize_name(&k), v);
        }
        self
    }

    /// Replaces the known-names table (e.g. for a project-specific table).
    pub fn with_table(mut self, table: Vec<KnownName>) -> Self {
        self.table = table
            .into_iter()
            .map(|k| (normalize_name(&k.pypi_name), k))
            .collect();
        self
    }

    /// The attribute for a PyPI name, or `None` when nixpkgs (as far as the index knows) has none.
    pub fn lookup(&self, pypi_name: &str) -> Option<Match> {
        let n = normalize_name(pypi_name);
        if let Some(attr) = self.overrides.get(&n) {
            let scope = self
                .index
                .get(attr)
                .map(|e| e.scope)
                .unwrap_or(Scope::PythonPackages);
            return Some(Match {
                attr: attr.clone(),
                via: Via::Override,
                scope,
                alternatives: Vec::new(),
            });
        }
        if let Some(row) = self.table.get(&n) {
            let present: Vec<&Entry> = std::iter::once(&row.attr)
                .chain(row.alternatives.iter())
                .filter_map(|a| self.index.get(a))
                .collect();
            if let Some(first) = present.first() {
                let mut alternatives: Vec<String> =
                    present[1..].iter().map(|e| e.attr.clone()).collect();
                alternatives.sort();
                alternatives.dedup();
                return Some(Match {
                    attr: first.attr.clone(),
                    via: Via::Table,
                    scope: first.scope,
                    alternatives,
                });
            }
        }
        let same_pname = self.index.by_pname(&n);
        let others = |attr: &str, scope: Scope| -> Vec<String> {
            same_pname
                .iter()
                .filter(|e| !(e.attr == attr && e.scope == scope))
                .map(|e| e.attr.clone())
                .collect()
        };
        for scope in [Scope::PythonPackages, Scope::TopLevel] {
            if let Some(e) = self.index.get_in(&n, scope) {
                return Some(Match {
                    attr: e.attr.clone(),
                    via: Via::Exact,
                    scope,
                    alternatives: others(&e.attr, scope),
                });
            }
            let cands: Vec<&Entry> = same_pname
                .iter()
                .copied()
                .filter(|e| e.scope == scope)
                .collect();
            if let Some(e) = pick_best(cands) {
                return Some(Match {
                    attr: e.attr.clone(),
                    via: Via::Pname,
                    scope,
                    alternatives: others(&e.attr, scope),
                });
            }
        }
        None
    }
}
