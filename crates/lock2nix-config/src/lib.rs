//! `lock2nix.toml`: the per-project configuration of lock2nix.
//!
//! ```toml
//! extends = "../lock2nix.toml"          # optional: start from another configuration; what this
//!                                        # file sets replaces it (lists whole, packages key by key)
//! lock = "uv.lock"                       # relative to this file (default: uv.lock beside it)
//! output = "nix/python-overlay.nix"      # default: nix/python-overlay.nix beside the lock
//! hashes = "lock2nix-hashes.toml"        # the prefetch sidecar (default: beside the lock)
//! source-root = "../.."                  # local sources must stay inside this directory (relative
//!                                        # to this file; default: the lock's git repository, else
//!                                        # the lock's directory)
//!
//! [target]
//! systems = ["x86_64-linux", "aarch64-linux"]
//! python = "3.13"
//! roots = ["authentik"]
//! extras = []
//! groups = []
//! all-groups = false
//! default-groups = false                 # true: also uv sync's default groups (`dev`, or tool.uv.default-groups)
//! prefer = "wheel"                       # or "sdist"
//! macos-deployment-target = "14.0"       # oldest macOS the Darwin systems must run on (default: nixpkgs' 14.0)
//! no-binary-package = []
//! no-build-package = []
//!
//! [nixpkgs]
//! index = "nixpkgs-index.tsv"
//! policy = "compatible"                  # exact | compatible (default) | nixpkgs
//! scope = "authentikPython"              # the private interpreter's name (default: <root>Python)
//! global = false                         # true: extend nixpkgs' own Python sets instead (pythonPackagesExtensions)
//!
//! [envs.docs]                            # an environment `<scope>.envs.docs` (and `docs-editable`);
//!                                        # `default` (the roots) and `dev` (uv sync's default groups)
//!                                        # exist unless redefined here
//! groups = ["docs"]                      # dependency groups
//! extras = ["cli"]                       # extras of the roots
//! default-groups = false                 # also uv sync's default groups
//! all-groups = false
//! all-extras = false
//! editable = true                        # also `docs-editable`: workspace members from $REPO_ROOT
//!
//! [packages.django]
//! attr = "django_5"                      # nixpkgs attribute to use
//! top-level = "django-app"               # for a root: its top-level attribute (default: its name)
//! src = { git = "https://github.com/o/django", rev = "<40-hex commit>", version = "5.2.9" }
//!                                        # or { url = "…", hash = "sha256-…", version } / { path = "vendor/x", version }:
//!                                        # take the package from there (the lock's dependencies stay)
//! policy = "nixpkgs"
//! build-system = ["hatchling"]           # Python attributes
//! native-build-inputs = ["pkg-config"]   # top-level nixpkgs attribute paths
//! build-inputs = ["libxml2", "xorg.libX11"]
//! propagated-build-inputs = []
//! dependencies = []                      # extra Python attributes
//! patches = ["nix/patches/fix.patch"]    # relative to the workspace root
//! post-patch = "rm -f setup.cfg"         # shell line(s) (escaped), and/or post-patch-nix = '"… ${…} …"' (Nix)
//! substitute = [{ file = "a.py", from = "x", to = "y" }, { file = "b.py", from = "/data", to-nix = '"${placeholder "out"}/data"' }]
//! post-install-substitute = [ … ]        # same, on the installed files under site-packages
//! post-install = ["…", "…"]              # shell lines (escaped), and/or post-install-nix = ['"…${…}"'] (Nix)
//! copy = [{ from = "lifecycle", to = "site-packages/lifecycle" }, { from = "blueprints", to = "blueprints" }]
//! python-relax-deps = true               # or a list of names
//! python-remove-deps = ["dumb-init"]
//! do-check = false
//! python-imports-check = ["authentik"]
//! outputs = ["dist"]
//! application = true                     # buildPythonApplication
//! version = "2026.2.0rc1"                # the version the derivation carries
//! extra-attrs = { dontStrip = "true" }   # attribute → Nix (trusted)
//! ```
//!
//! Unknown keys are errors that name the closest valid key. [`set_package_value`] edits the file
//! with `toml_edit`, keeping comments and layout.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lock2nix_lock::pep508_rs::{ExtraName, PackageName};
use lock2nix_plan::{
    Copy, Customization, EnvSpec, PackageSource, Policy, SrcOverride, Substitution, Value,
};
use lock2nix_resolve::Prefer;
use lock2nix_wheel::System;

/// `sha256-` and 43 base64 characters and `=`.
fn is_sri_sha256(s: &str) -> bool {
    s.strip_prefix("sha256-").is_some_and(|b| {
        b.len() == 44
            && b.ends_with('=')
            && b[..43]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
    })
}
use toml_edit::{Document, Item, Table};

/// A read configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The file (for resolving relative paths and messages).
    pub path: PathBuf,
    /// `extends`: the configuration this one builds on (already merged in; see [`read`]).
    pub extends: Option<PathBuf>,
    /// Every file read: this one, then the ones it extends (for hashing what shaped the output).
    pub files: Vec<PathBuf>,
    pub lock: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// The prefetch sidecar.
    pub hashes: Option<PathBuf>,
    /// `source-root`: the directory local sources must stay inside, as written, with the file
    /// that wrote it (the value is relative to that file's directory, also through `extends`).
    pub source_root: Option<(PathBuf, String)>,
    pub target: TargetConfig,
    pub nixpkgs: NixpkgsConfig,
    /// `[envs.NAME]`: environments besides (or replacing) `default` and `dev`.
    pub envs: BTreeMap<String, EnvSpec>,
    /// `[packages.NAME]`, by the name as written (checked to be a package name).
    pub packages: BTreeMap<String, PackageConfig>,
}

/// `[target]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetConfig {
    pub systems: Vec<System>,
    /// CPython `X.Y` or `X.Y.Z` as written (checked to be one; what `X.Y` means depends on the
    /// lock's requires-python).
    pub python: Option<String>,
    pub roots: Vec<PackageName>,
    /// Extras of the roots.
    pub extras: Vec<ExtraName>,
    /// Dependency groups of the roots.
    pub groups: Vec<ExtraName>,
    pub all_groups: bool,
    /// `default-groups`: also the groups `uv sync` installs by default.
    pub default_groups: bool,
    /// `macos-deployment-target`: the oldest macOS (`MAJOR.MINOR`) the Darwin systems must run on.
    pub macos_deployment_target: Option<(u32, u32)>,
    pub prefer: Option<Prefer>,
    /// No wheels for these.
    pub no_binary_package: Vec<PackageName>,
    /// No builds for these.
    pub no_build_package: Vec<PackageName>,
}

/// `[nixpkgs]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NixpkgsConfig {
    pub index: Option<PathBuf>,
    /// The default policy.
    pub policy: Option<Policy>,
    /// The private interpreter's name.
    pub scope: Option<String>,
    /// Extend nixpkgs' own Python package sets (`pythonPackagesExtensions`) instead of adding a
    /// private interpreter.
    pub global: bool,
}

/// `[packages.NAME]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageConfig {
    /// The nixpkgs attribute to compare with and reuse (default: found by name in the index).
    pub attr: Option<String>,
    /// The policy for this package.
    pub policy: Option<Policy>,
    /// The top-level attribute a root is exposed under (default: its name).
    pub top_level: Option<String>,
    /// Another source than the lock's (`src = { git, rev, version }` / `{ url, hash, version }` /
    /// `{ path, version }`).
    pub src: Option<PackageSource>,
    /// What the derivation gets.
    pub custom: Customization,
}

/// A configuration error with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// The dotted key path (`packages.lxml.policy`).
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((l, c)) = self.position {
            write!(f, ":{l}:{c}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": at `{}`", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

fn position(text: &str, offset: usize) -> (usize, usize) {
    let p = lock2nix_lock::Position::of_offset(text, offset);
    (p.line, p.column)
}

/// Levenshtein distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn closest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|v| (distance(key, v), *v))
        .filter(|(d, v)| *d <= (v.len() / 2).max(2))
        .min()
        .map(|(_, v)| v)
}

struct Reader<'a> {
    text: &'a str,
    file: &'a Path,
}

impl Reader<'_> {
    /// `[envs.NAME]`.
    fn env(&self, envs: &Table, name: &str, item: &Item) -> Result<EnvSpec, ConfigError> {
        let path = format!("envs.{name}");
        lock2nix_plan::check_env_name(name)
            .map_err(|e| self.err(envs.key(name).and_then(|k| k.span()), &path, e.to_string()))?;
        let t = self.table(item, &path)?;
        self.check_keys(t, &path, ENV_KEYS)?;
        fn names<T: std::str::FromStr>(
            r: &Reader<'_>,
            t: &Table,
            key: &str,
            path: &str,
        ) -> Result<Vec<T>, ConfigError>
        where
            T::Err: fmt::Display,
        {
            r.strings(t, key, path)?
                .iter()
                .map(|s| {
                    T::from_str(s).map_err(|e| {
                        r.err(
                            t.get(key).and_then(Item::span),
                            &join(path, key),
                            format!("`{s}` is not a valid name: {e}"),
                        )
                    })
                })
                .collect()
        }
        Ok(EnvSpec {
            name: name.to_string(),
            groups: names(self, t, "groups", &path)?,
            extras: names(self, t, "extras", &path)?,
            default_groups: self.boolean(t, "default-groups", &path)?.unwrap_or(false),
            all_groups: self.boolean(t, "all-groups", &path)?.unwrap_or(false),
            all_extras: self.boolean(t, "all-extras", &path)?.unwrap_or(false),
            editable: self.boolean(t, "editable", &path)?.unwrap_or(true),
        })
    }

    fn err(
        &self,
        span: Option<Range<usize>>,
        key: &str,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: self.file.to_path_buf(),
            position: span.map(|s| position(self.text, s.start)),
            key: key.to_string(),
            message: message.into(),
        }
    }

    fn check_keys(&self, table: &Table, path: &str, valid: &[&str]) -> Result<(), ConfigError> {
        for (k, _) in table.iter() {
            if !valid.contains(&k) {
                let span = table.key(k).and_then(|key| key.span());
                let full = if path.is_empty() {
                    k.to_string()
                } else {
                    format!("{path}.{k}")
                };
                let hint = match closest(k, valid) {
                    Some(c) => format!("; did you mean `{c}`?"),
                    None => format!("; valid keys here: {}", valid.join(", ")),
                };
                return Err(self.err(span, &full, format!("unknown key `{k}`{hint}")));
            }
        }
        Ok(())
    }

    fn table<'t>(&self, item: &'t Item, key: &str) -> Result<&'t Table, ConfigError> {
        item.as_table().ok_or_else(|| {
            self.err(
                item.span(),
                key,
                format!("expected a table, found {}", item.type_name()),
            )
        })
    }

    fn string(&self, t: &Table, key: &str, path: &str) -> Result<Option<String>, ConfigError> {
        match t.get(key) {
            None => Ok(None),
            Some(item) => item.as_str().map(|s| Some(s.to_string())).ok_or_else(|| {
                self.err(
                    item.span(),
                    &join(path, key),
                    format!("expected a string, found {}", item.type_name()),
                )
            }),
        }
    }

    fn boolean(&self, t: &Table, key: &str, path: &str) -> Result<Option<bool>, ConfigError> {
        match t.get(key) {
            None => Ok(None),
            Some(item) => item.as_bool().map(Some).ok_or_else(|| {
                self.err(
                    item.span(),
                    &join(path, key),
                    format!("expected true or false, found {}", item.type_name()),
                )
            }),
        }
    }

    fn strings(&self, t: &Table, key: &str, path: &str) -> Result<Vec<String>, ConfigError> {
        let Some(item) = t.get(key) else {
            return Ok(Vec::new());
        };
        let arr = item.as_array().ok_or_else(|| {
            self.err(
                item.span(),
                &join(path, key),
                format!("expected an array of strings, found {}", item.type_name()),
            )
        })?;
        arr.iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    self.err(
                        v.span(),
                        &format!("{}[{i}]", join(path, key)),
                        format!("expected a string, found {}", v.type_name()),
                    )
                })
            })
            .collect()
    }

    /// A string value checked by `parse` (its error says what was expected), at the value's
    /// position.
    fn parsed<T>(
        &self,
        t: &Table,
        key: &str,
        path: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        let Some(v) = self.string(t, key, path)? else {
            return Ok(None);
        };
        parse(&v).map(Some).map_err(|m| {
            self.err(
                t.get(key).and_then(Item::span),
                &join(path, key),
                format!("{m}, found {v:?}"),
            )
        })
    }

    /// A list of strings each checked by `parse`, an error at the item's position.
    fn parsed_list<T>(
        &self,
        t: &Table,
        key: &str,
        path: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, ConfigError> {
        let values = self.strings(t, key, path)?;
        let items = t.get(key).and_then(Item::as_array);
        values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                parse(v).map_err(|m| {
                    self.err(
                        items.and_then(|a| a.get(i)).and_then(|x| x.span()),
                        &format!("{}[{i}]", join(path, key)),
                        format!("{m}, found {v:?}"),
                    )
                })
            })
            .collect()
    }

    fn value_pair(
        &self,
        t: &dyn TableLike,
        plain: &str,
        nix: &str,
        path: &str,
        span: Option<Range<usize>>,
        required: bool,
    ) -> Result<Option<Value>, ConfigError> {
        let p = t
            .get_str(plain)
            .map_err(|(s, m)| self.err(s, &join(path, plain), m))?;
        let n = t
            .get_str(nix)
            .map_err(|(s, m)| self.err(s, &join(path, nix), m))?;
        match (p, n) {
            (Some(_), Some(_)) => {
                Err(self.err(span, path, format!("give `{plain}` or `{nix}`, not both")))
            }
            (Some(s), None) => Ok(Some(Value::Str(s))),
            (None, Some(s)) => Ok(Some(Value::Nix(s))),
            (None, None) if required => Err(self.err(
                span,
                path,
                format!("missing `{plain}` (a string) or `{nix}` (a Nix expression)"),
            )),
            (None, None) => Ok(None),
        }
    }

    /// Shell lines: `plain` (a string or an array of strings, escaped) and/or `nix` (Nix string
    /// expressions, trusted); literal lines first.
    fn lines(
        &self,
        t: &Table,
        plain: &str,
        nix: &str,
        path: &str,
    ) -> Result<Vec<Value>, ConfigError> {
        let mut out = Vec::new();
        for (key, wrap) in [
            (plain, Value::Str as fn(String) -> Value),
            (nix, Value::Nix as fn(String) -> Value),
        ] {
            let Some(item) = t.get(key) else { continue };
            if let Some(s) = item.as_str() {
                out.push(wrap(s.to_string()));
            } else if item.is_array() {
                out.extend(self.strings(t, key, path)?.into_iter().map(wrap));
            } else {
                return Err(self.err(
                    item.span(),
                    &join(path, key),
                    format!(
                        "expected a string or an array of strings, found {}",
                        item.type_name()
                    ),
                ));
            }
        }
        Ok(out)
    }

    fn substitutions(
        &self,
        t: &Table,
        key: &str,
        path: &str,
    ) -> Result<Vec<Substitution>, ConfigError> {
        let Some(item) = t.get(key) else {
            return Ok(Vec::new());
        };
        let kp = join(path, key);
        let mut out = Vec::new();
        let tables: Vec<(&dyn TableLike, Option<Range<usize>>)> = match item {
            Item::Value(toml_edit::Value::Array(a)) => a
                .iter()
                .map(|v| match v.as_inline_table() {
                    Some(it) => Ok((it as &dyn TableLike, v.span())),
                    None => Err(self.err(
                        v.span(),
                        &kp,
                        format!(
                            "expected `{{ file, from, to }}` tables, found {}",
                            v.type_name()
                        ),
                    )),
                })
                .collect::<Result<_, _>>()?,
            Item::ArrayOfTables(a) => a.iter().map(|t| (t as &dyn TableLike, t.span())).collect(),
            other => {
                return Err(self.err(
                    other.span(),
                    &kp,
                    format!(
                        "expected an array of `{{ file, from, to }}` tables, found {}",
                        other.type_name()
                    ),
                ))
            }
        };
        for (i, (tl, span)) in tables.into_iter().enumerate() {
            let ip = format!("{kp}[{i}]");
            for k in tl.keys() {
                if !["file", "from", "to", "to-nix"].contains(&k.as_str()) {
                    return Err(self.err(
                        span.clone(),
                        &ip,
                        format!("unknown key `{k}` (valid: file, from, to, to-nix)"),
                    ));
                }
            }
            let file = tl
                .get_str("file")
                .map_err(|(s, m)| self.err(s, &ip, m))?
                .ok_or_else(|| self.err(span.clone(), &ip, "missing `file`"))?;
            let from = tl
                .get_str("from")
                .map_err(|(s, m)| self.err(s, &ip, m))?
                .ok_or_else(|| self.err(span.clone(), &ip, "missing `from`"))?;
            let to = self
                .value_pair(tl, "to", "to-nix", &ip, span.clone(), true)?
                .unwrap_or(Value::Str(String::new()));
            out.push(Substitution { file, from, to });
        }
        Ok(out)
    }

    fn copies(&self, t: &Table, key: &str, path: &str) -> Result<Vec<Copy>, ConfigError> {
        let Some(item) = t.get(key) else {
            return Ok(Vec::new());
        };
        let kp = join(path, key);
        let arr = item.as_array().ok_or_else(|| {
            self.err(
                item.span(),
                &kp,
                format!(
                    "expected an array of `{{ from, to }}` tables, found {}",
                    item.type_name()
                ),
            )
        })?;
        let mut out = Vec::new();
        for (i, v) in arr.iter().enumerate() {
            let ip = format!("{kp}[{i}]");
            let it = v
                .as_inline_table()
                .ok_or_else(|| self.err(v.span(), &ip, "expected `{ from, to }`"))?;
            for (k, _) in it.iter() {
                if !["from", "to"].contains(&k) {
                    return Err(self.err(
                        v.span(),
                        &ip,
                        format!("unknown key `{k}` (valid: from, to)"),
                    ));
                }
            }
            let get = |k: &str| -> Result<String, ConfigError> {
                it.get(k)
                    .and_then(|x| x.as_str())
                    .map(str::to_string)
                    .ok_or_else(|| self.err(v.span(), &ip, format!("missing `{k}` (a string)")))
            };
            out.push(Copy {
                from: get("from")?,
                to: get("to")?,
            });
        }
        Ok(out)
    }

    /// `src = { git = URL, rev = COMMIT, version = V, subdirectory? }`, `{ url, hash, version }`
    /// or `{ path, version }`.
    fn src(&self, t: &Table, path: &str) -> Result<Option<PackageSource>, ConfigError> {
        let Some(item) = t.get("src") else {
            return Ok(None);
        };
        let kp = join(path, "src");
        let span = item.span();
        let tl: &dyn TableLike = match item {
            Item::Table(tt) => tt,
            Item::Value(toml_edit::Value::InlineTable(it)) => it,
            other => {
                return Err(self.err(
                    other.span(),
                    &kp,
                    format!(
                        "expected a table {{ git, rev, version }}, {{ url, hash, version }} or {{ path, version }}, found {}",
                        other.type_name()
                    ),
                ))
            }
        };
        let valid = [
            "git",
            "rev",
            "subdirectory",
            "url",
            "hash",
            "path",
            "version",
        ];
        for k in tl.keys() {
            if !valid.contains(&k.as_str()) {
                let hint =
                    closest(&k, &valid).map_or(String::new(), |c| format!("; did you mean `{c}`?"));
                return Err(self.err(span.clone(), &kp, format!("unknown key `{k}`{hint}")));
            }
        }
        let get = |k: &str| {
            tl.get_str(k)
                .map_err(|(s, m)| self.err(s.or_else(|| span.clone()), &join(&kp, k), m))
        };
        let version = get("version")?.ok_or_else(|| {
            self.err(
                span.clone(),
                &kp,
                "missing `version`: the version of the package at that source",
            )
        })?;
        if version.parse::<pep440_rs::Version>().is_err() {
            return Err(self.err(
                span.clone(),
                &join(&kp, "version"),
                format!("`{version}` is not a PEP 440 version"),
            ));
        }
        let (git, url, local) = (get("git")?, get("url")?, get("path")?);
        let bad = |m: String| self.err(span.clone(), &kp, m);
        let source = match (git, url, local) {
            (Some(g), None, None) => {
                let rev = get("rev")?.ok_or_else(|| {
                    bad("a git source needs `rev`, the full 40-digit commit".to_string())
                })?;
                if get("hash")?.is_some() {
                    return Err(bad(
                        "a git source's hash comes from `lock2nix prefetch`, not from `hash`"
                            .to_string(),
                    ));
                }
                lock2nix_lock::parse_git_source(&format!("{g}#{rev}"))
                    .map_err(|m| bad(format!("git source: {m}")))?;
                SrcOverride::Git {
                    url: g,
                    rev: rev.to_ascii_lowercase(),
                    subdirectory: get("subdirectory")?,
                }
            }
            (None, Some(u), None) => {
                let hash = get("hash")?.ok_or_else(|| {
                    bad("a URL source needs `hash`, its SRI sha256 (`sha256-…`)".to_string())
                })?;
                if !is_sri_sha256(&hash) {
                    return Err(self.err(
                        span.clone(),
                        &join(&kp, "hash"),
                        format!("`{hash}` is not an SRI sha256 hash (`sha256-` and 44 base64 characters)"),
                    ));
                }
                if !(u.starts_with("https://") || u.starts_with("http://")) {
                    return Err(bad(format!("`{u}` is not an http(s) URL")));
                }
                SrcOverride::Url { url: u, hash }
            }
            (None, None, Some(p)) => {
                if p.starts_with('/') || p.split('/').any(|c| c == "..") {
                    return Err(bad(format!(
                        "`{p}` must be a path inside the workspace, relative to it"
                    )));
                }
                SrcOverride::Path { path: p }
            }
            _ => {
                return Err(bad(
                    "give exactly one of `git` (with `rev`), `url` (with `hash`) or `path`"
                        .to_string(),
                ))
            }
        };
        // the file's name, not the path it was given by: the overlay must not depend on the
        // directory translate ran in
        let name = self.file.file_name().map_or_else(
            || self.file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let origin = match span.as_ref().map(|s| position(self.text, s.start)) {
            Some((l, _)) => format!("{name}:{l}"),
            None => name,
        };
        Ok(Some(PackageSource {
            source,
            version,
            origin,
        }))
    }

    fn package(&self, name: &str, item: &Item) -> Result<PackageConfig, ConfigError> {
        let path = format!("packages.{name}");
        let t = self.table(item, &path)?;
        self.check_keys(t, &path, PACKAGE_KEYS)?;
        let mut c = Customization {
            build_system: self.strings(t, "build-system", &path)?,
            native_build_inputs: self.strings(t, "native-build-inputs", &path)?,
            build_inputs: self.strings(t, "build-inputs", &path)?,
            propagated_build_inputs: self.strings(t, "propagated-build-inputs", &path)?,
            dependencies: self.strings(t, "dependencies", &path)?,
            patches: self.strings(t, "patches", &path)?,
            substitutions: self.substitutions(t, "substitute", &path)?,
            post_install_substitutions: self.substitutions(t, "post-install-substitute", &path)?,
            copy: self.copies(t, "copy", &path)?,
            python_remove_deps: self.strings(t, "python-remove-deps", &path)?,
            do_check: self.boolean(t, "do-check", &path)?,
            python_imports_check: self.strings(t, "python-imports-check", &path)?,
            outputs: self.strings(t, "outputs", &path)?,
            application: self.boolean(t, "application", &path)?.unwrap_or(false),
            version: self.string(t, "version", &path)?,
            ..Customization::default()
        };
        c.post_patch = self.lines(t, "post-patch", "post-patch-nix", &path)?;
        c.post_install = self.lines(t, "post-install", "post-install-nix", &path)?;
        if let Some(item) = t.get("python-relax-deps") {
            c.python_relax_deps = Some(match item.as_bool() {
                Some(true) => Vec::new(),
                Some(false) => {
                    return Err(self.err(
                        item.span(),
                        &join(&path, "python-relax-deps"),
                        "`false` is the default; leave the key out",
                    ))
                }
                None => {
                    let v = self.strings(t, "python-relax-deps", &path)?;
                    if v.is_empty() {
                        return Err(self.err(
                            item.span(),
                            &join(&path, "python-relax-deps"),
                            "give `true` or a non-empty list of names",
                        ));
                    }
                    v
                }
            });
        }
        if let Some(item) = t.get("extra-attrs") {
            let kp = join(&path, "extra-attrs");
            let tl: &dyn TableLike = match item {
                Item::Table(tt) => tt,
                Item::Value(toml_edit::Value::InlineTable(it)) => it,
                other => {
                    return Err(self.err(
                        other.span(),
                        &kp,
                        format!(
                            "expected a table of attribute = Nix expression, found {}",
                            other.type_name()
                        ),
                    ))
                }
            };
            for k in tl.keys() {
                let v = tl
                    .get_str(&k)
                    .map_err(|(s, m)| self.err(s, &join(&kp, &k), m))?
                    .unwrap_or_default();
                c.extra_attrs.insert(k, v);
            }
        }
        let policy = self.parsed(t, "policy", &path, parse_policy)?;
        Ok(PackageConfig {
            attr: self.string(t, "attr", &path)?,
            policy,
            top_level: self.string(t, "top-level", &path)?,
            src: self.src(t, &path)?,
            custom: c,
        })
    }
}

fn parse_system(v: &str) -> Result<System, String> {
    v.parse().map_err(|_| {
        "expected x86_64-linux, aarch64-linux, x86_64-darwin or aarch64-darwin".to_string()
    })
}

fn parse_policy(v: &str) -> Result<Policy, String> {
    v.parse()
        .map_err(|_| "expected exact, compatible or nixpkgs".to_string())
}

fn parse_prefer(v: &str) -> Result<Prefer, String> {
    match v {
        "wheel" => Ok(Prefer::Wheel),
        "sdist" => Ok(Prefer::Sdist),
        _ => Err("expected \"wheel\" or \"sdist\"".to_string()),
    }
}

fn parse_package(v: &str) -> Result<PackageName, String> {
    PackageName::from_str(v).map_err(|e| format!("expected a package name ({e})"))
}

fn parse_extra(v: &str) -> Result<ExtraName, String> {
    ExtraName::from_str(v).map_err(|e| format!("expected an extra or group name ({e})"))
}

/// `X.Y` or `X.Y.Z`, CPython 3.
fn parse_python(v: &str) -> Result<String, String> {
    let parts: Vec<&str> = v.split('.').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
    if numeric && (2..=3).contains(&parts.len()) && parts[0] == "3" {
        Ok(v.to_string())
    } else {
        Err("expected a CPython version X.Y or X.Y.Z such as \"3.13\"".to_string())
    }
}

/// `MAJOR.MINOR` of a macOS release (10 to 99).
pub fn parse_macos(v: &str) -> Result<(u32, u32), String> {
    v.split_once('.')
        .filter(|(a, b)| {
            [a, b]
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|c| c.is_ascii_digit()))
        })
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .filter(|(major, _)| (10..100).contains(major))
        .ok_or_else(|| "expected a macOS version MAJOR.MINOR such as \"14.0\"".to_string())
}

/// A small common view of tables and inline tables.
trait TableLike {
    fn keys(&self) -> Vec<String>;
    fn get_str(&self, key: &str) -> Result<Option<String>, (Option<Range<usize>>, String)>;
}

impl TableLike for Table {
    fn keys(&self) -> Vec<String> {
        self.iter().map(|(k, _)| k.to_string()).collect()
    }
    fn get_str(&self, key: &str) -> Result<Option<String>, (Option<Range<usize>>, String)> {
        match self.get(key) {
            None => Ok(None),
            Some(i) => i.as_str().map(|s| Some(s.to_string())).ok_or((
                i.span(),
                format!("expected a string, found {}", i.type_name()),
            )),
        }
    }
}

impl TableLike for toml_edit::InlineTable {
    fn keys(&self) -> Vec<String> {
        self.iter().map(|(k, _)| k.to_string()).collect()
    }
    fn get_str(&self, key: &str) -> Result<Option<String>, (Option<Range<usize>>, String)> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.as_str().map(|s| Some(s.to_string())).ok_or((
                v.span(),
                format!("expected a string, found {}", v.type_name()),
            )),
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

const TOP_KEYS: &[&str] = &[
    "extends",
    "lock",
    "output",
    "hashes",
    "source-root",
    "target",
    "nixpkgs",
    "packages",
    "envs",
];
const ENV_KEYS: &[&str] = &[
    "groups",
    "extras",
    "default-groups",
    "all-groups",
    "all-extras",
    "editable",
];
const TARGET_KEYS: &[&str] = &[
    "systems",
    "python",
    "roots",
    "extras",
    "groups",
    "all-groups",
    "default-groups",
    "prefer",
    "macos-deployment-target",
    "no-binary-package",
    "no-build-package",
];
const NIXPKGS_KEYS: &[&str] = &["index", "policy", "scope", "global"];
const PACKAGE_KEYS: &[&str] = &[
    "attr",
    "policy",
    "top-level",
    "src",
    "build-system",
    "native-build-inputs",
    "build-inputs",
    "propagated-build-inputs",
    "dependencies",
    "patches",
    "post-patch",
    "post-patch-nix",
    "substitute",
    "post-install-substitute",
    "post-install",
    "post-install-nix",
    "copy",
    "python-relax-deps",
    "python-remove-deps",
    "do-check",
    "python-imports-check",
    "outputs",
    "application",
    "version",
    "extra-attrs",
];

/// Parse configuration text; `file` is used for messages and relative paths.
pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigError> {
    let r = Reader { text, file };
    let doc = Document::parse(text)
        .map_err(|e| r.err(e.span(), "", format!("invalid TOML: {}", e.message())))?;
    let root = doc.as_table();
    r.check_keys(root, "", TOP_KEYS)?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let rel = |s: Option<String>| s.map(|s| dir.join(s));
    let mut cfg = Config {
        path: file.to_path_buf(),
        extends: rel(r.string(root, "extends", "")?),
        files: vec![file.to_path_buf()],
        lock: rel(r.string(root, "lock", "")?),
        output: rel(r.string(root, "output", "")?),
        hashes: rel(r.string(root, "hashes", "")?),
        source_root: r
            .string(root, "source-root", "")?
            .map(|v| (file.to_path_buf(), v)),
        ..Config::default()
    };
    if let Some(item) = root.get("target") {
        let t = r.table(item, "target")?;
        r.check_keys(t, "target", TARGET_KEYS)?;
        cfg.target = TargetConfig {
            systems: r.parsed_list(t, "systems", "target", parse_system)?,
            python: r.parsed(t, "python", "target", parse_python)?,
            roots: r.parsed_list(t, "roots", "target", parse_package)?,
            extras: r.parsed_list(t, "extras", "target", parse_extra)?,
            groups: r.parsed_list(t, "groups", "target", parse_extra)?,
            all_groups: r.boolean(t, "all-groups", "target")?.unwrap_or(false),
            default_groups: r.boolean(t, "default-groups", "target")?.unwrap_or(false),
            macos_deployment_target: r.parsed(
                t,
                "macos-deployment-target",
                "target",
                parse_macos,
            )?,
            prefer: r.parsed(t, "prefer", "target", parse_prefer)?,
            no_binary_package: r.parsed_list(t, "no-binary-package", "target", parse_package)?,
            no_build_package: r.parsed_list(t, "no-build-package", "target", parse_package)?,
        };
    }
    if let Some(item) = root.get("nixpkgs") {
        let t = r.table(item, "nixpkgs")?;
        r.check_keys(t, "nixpkgs", NIXPKGS_KEYS)?;
        cfg.nixpkgs = NixpkgsConfig {
            index: rel(r.string(t, "index", "nixpkgs")?),
            policy: r.parsed(t, "policy", "nixpkgs", parse_policy)?,
            scope: r.string(t, "scope", "nixpkgs")?,
            global: r.boolean(t, "global", "nixpkgs")?.unwrap_or(false),
        };
    }
    if let Some(item) = root.get("envs") {
        let t = r.table(item, "envs")?;
        for (name, eitem) in t.iter() {
            cfg.envs.insert(name.to_string(), r.env(t, name, eitem)?);
        }
    }
    if let Some(item) = root.get("packages") {
        let t = r.table(item, "packages")?;
        for (name, pitem) in t.iter() {
            parse_package(name).map_err(|m| {
                r.err(
                    t.key(name).and_then(|k| k.span()),
                    &format!("packages.{name}"),
                    format!("{m}, found {name:?}"),
                )
            })?;
            cfg.packages
                .insert(name.to_string(), r.package(name, pitem)?);
        }
    }
    Ok(cfg)
}

/// Read a configuration file.
pub fn read(path: &Path) -> Result<Config, ConfigError> {
    read_extending(path, &mut Vec::new())
}

/// How deep `extends` may chain.
const MAX_EXTENDS: usize = 8;

fn read_extending(path: &Path, seen: &mut Vec<PathBuf>) -> Result<Config, ConfigError> {
    let error = |message: String| ConfigError {
        file: path.to_path_buf(),
        position: None,
        key: String::new(),
        message,
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| error(format!("cannot read the file: {e}")))?;
    let cfg = parse(&text, path)?;
    let Some(base_path) = cfg.extends.clone() else {
        return Ok(cfg);
    };
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if seen.contains(&canonical) {
        return Err(error(
            "`extends` comes back to this file (a cycle)".to_string(),
        ));
    }
    if seen.len() >= MAX_EXTENDS {
        return Err(error(format!(
            "`extends` chains more than {MAX_EXTENDS} files"
        )));
    }
    seen.push(canonical);
    let base = read_extending(&base_path, seen)?;
    Ok(merge(base, cfg))
}

/// The child's list when it has one (a configured list replaces the base's whole).
fn list<T>(base: Vec<T>, child: Vec<T>) -> Vec<T> {
    if child.is_empty() {
        base
    } else {
        child
    }
}

/// `child` on top of `base`: a value the child sets replaces the base's (a list replaces the
/// whole list); packages merge key by key; relative paths stay relative to the file that wrote
/// them.
fn merge(base: Config, child: Config) -> Config {
    let mut files = child.files;
    files.extend(base.files);
    let mut packages = base.packages;
    for (name, c) in child.packages {
        let merged = match packages.remove(&name) {
            None => c,
            Some(b) => PackageConfig {
                attr: c.attr.or(b.attr),
                policy: c.policy.or(b.policy),
                top_level: c.top_level.or(b.top_level),
                src: c.src.or(b.src),
                custom: merge_custom(b.custom, c.custom),
            },
        };
        packages.insert(name, merged);
    }
    let mut envs = base.envs;
    envs.extend(child.envs);
    Config {
        path: child.path,
        extends: child.extends,
        envs,
        files,
        lock: child.lock.or(base.lock),
        output: child.output.or(base.output),
        hashes: child.hashes.or(base.hashes),
        source_root: child.source_root.or(base.source_root),
        target: TargetConfig {
            systems: list(base.target.systems, child.target.systems),
            python: child.target.python.or(base.target.python),
            roots: list(base.target.roots, child.target.roots),
            extras: list(base.target.extras, child.target.extras),
            groups: list(base.target.groups, child.target.groups),
            all_groups: child.target.all_groups || base.target.all_groups,
            default_groups: child.target.default_groups || base.target.default_groups,
            macos_deployment_target: child
                .target
                .macos_deployment_target
                .or(base.target.macos_deployment_target),
            prefer: child.target.prefer.or(base.target.prefer),
            no_binary_package: list(
                base.target.no_binary_package,
                child.target.no_binary_package,
            ),
            no_build_package: list(base.target.no_build_package, child.target.no_build_package),
        },
        nixpkgs: NixpkgsConfig {
            index: child.nixpkgs.index.or(base.nixpkgs.index),
            policy: child.nixpkgs.policy.or(base.nixpkgs.policy),
            scope: child.nixpkgs.scope.or(base.nixpkgs.scope),
            global: child.nixpkgs.global || base.nixpkgs.global,
        },
        packages,
    }
}

fn merge_custom(b: Customization, c: Customization) -> Customization {
    let mut extra_attrs = b.extra_attrs;
    extra_attrs.extend(c.extra_attrs);
    Customization {
        build_system: list(b.build_system, c.build_system),
        native_build_inputs: list(b.native_build_inputs, c.native_build_inputs),
        build_inputs: list(b.build_inputs, c.build_inputs),
        propagated_build_inputs: list(b.propagated_build_inputs, c.propagated_build_inputs),
        dependencies: list(b.dependencies, c.dependencies),
        patches: list(b.patches, c.patches),
        post_patch: list(b.post_patch, c.post_patch),
        substitutions: list(b.substitutions, c.substitutions),
        post_install_substitutions: list(
            b.post_install_substitutions,
            c.post_install_substitutions,
        ),
        post_install: list(b.post_install, c.post_install),
        copy: list(b.copy, c.copy),
        python_relax_deps: c.python_relax_deps.or(b.python_relax_deps),
        python_remove_deps: list(b.python_remove_deps, c.python_remove_deps),
        do_check: c.do_check.or(b.do_check),
        python_imports_check: list(b.python_imports_check, c.python_imports_check),
        outputs: list(b.outputs, c.outputs),
        application: c.application || b.application,
        version: c.version.or(b.version),
        extra_attrs,
    }
}

/// Set `packages.<package>.<key>` to a string or a list of strings, keeping the rest of the file
/// (comments, order, formatting) as it is. Returns the new text.
pub fn set_package_value(
    text: &str,
    package: &str,
    key: &str,
    value: SetValue,
) -> Result<String, ConfigError> {
    let file = Path::new("lock2nix.toml");
    let r = Reader { text, file };
    if !PACKAGE_KEYS.contains(&key) {
        let hint = closest(key, PACKAGE_KEYS)
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default();
        return Err(r.err(
            None,
            &format!("packages.{package}.{key}"),
            format!("unknown key `{key}`{hint}"),
        ));
    }
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        r.err(e.span(), "", format!("invalid TOML: {}", e.message()))
    })?;
    let packages = doc
        .entry("packages")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| r.err(None, "packages", "`packages` is not a table"))?;
    let pkg = packages
        .entry(package)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| r.err(None, &format!("packages.{package}"), "not a table"))?;
    match value {
        SetValue::Str(s) => {
            pkg.insert(key, toml_edit::value(s));
        }
        SetValue::Bool(b) => {
            pkg.insert(key, toml_edit::value(b));
        }
        SetValue::Append(items) => {
            let entry = pkg
                .entry(key)
                .or_insert_with(|| toml_edit::value(toml_edit::Array::new()));
            let arr = entry.as_array_mut().ok_or_else(|| {
                r.err(
                    None,
                    &format!("packages.{package}.{key}"),
                    "is not an array",
                )
            })?;
            for it in items {
                if !arr.iter().any(|v| v.as_str() == Some(it.as_str())) {
                    arr.push(it);
                }
            }
        }
    }
    let out = doc.to_string();
    parse(&out, file)?;
    Ok(out)
}

/// A value for [`set_package_value`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetValue {
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// Strings appended to a list (duplicates skipped).
    Append(Vec<String>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_root_macos_target_and_default_groups() {
        let c = parse(
            "source-root = \"../..\"\n[target]\nmacos-deployment-target = \"13.0\"\ndefault-groups = true\n",
            Path::new("libs/app/l.toml"),
        )
        .unwrap();
        assert_eq!(
            c.source_root,
            Some((PathBuf::from("libs/app/l.toml"), "../..".to_string()))
        );
        assert_eq!(c.target.macos_deployment_target, Some((13, 0)));
        assert!(c.target.default_groups);
        let e = parse(
            "[target]\nmacos-deployment-target = \"14\"\n",
            Path::new("l.toml"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "l.toml:2:27: at `target.macos-deployment-target`: expected a macOS version MAJOR.MINOR such as \"14.0\", found \"14\""
        );
        let e = parse("source-roots = \".\"\n", Path::new("l.toml")).unwrap_err();
        assert!(e.to_string().contains("did you mean `source-root`"), "{e}");
    }

    #[test]
    fn envs_are_typed_with_positions() {
        let c = parse(
            "[envs.docs]\ngroups = [\"docs\", \"lint\"]\nextras = [\"cli\"]\neditable = false\n[envs.ci]\nall-groups = true\nall-extras = true\ndefault-groups = true\n",
            Path::new("l.toml"),
        )
        .unwrap();
        let docs = &c.envs["docs"];
        assert_eq!(docs.name, "docs");
        assert_eq!(docs.describe(), "groups=docs,lint;extras=cli");
        assert!(!docs.editable);
        let ci = &c.envs["ci"];
        assert!(ci.all_groups && ci.all_extras && ci.default_groups && ci.editable);
        for (text, want) in [
            (
                "[envs.docs]\ngroup = [\"docs\"]\n",
                "l.toml:2:1: at `envs.docs.group`: unknown key `group`; did you mean `groups`?",
            ),
            (
                "[envs.docs]\ngroups = \"docs\"\n",
                "l.toml:2:10: at `envs.docs.groups`: expected an array of strings, found string",
            ),
            (
                "[envs.docs]\ngroups = [\"no spaces\"]\n",
                "l.toml:2:10: at `envs.docs.groups`: `no spaces` is not a valid name",
            ),
            (
                "[envs.dev-editable]\ngroups = [\"dev\"]\n",
                "l.toml:1:7: at `envs.dev-editable`: environment name `dev-editable`",
            ),
            (
                "[envs.\"a b\"]\n",
                "l.toml:1:7: at `envs.a b`: environment name `a b` is not a Nix identifier",
            ),
        ] {
            let e = parse(text, Path::new("l.toml")).unwrap_err().to_string();
            assert!(e.starts_with(want), "{e}\nwanted: {want}");
        }
    }

    #[test]
    fn extends_merges_envs_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("base.toml"),
            "[envs.docs]\ngroups = [\"docs\"]\n[envs.lint]\ngroups = [\"lint\"]\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("l.toml"),
            "extends = \"base.toml\"\n[envs.docs]\ngroups = [\"docs\"]\nextras = [\"yaml\"]\n",
        )
        .unwrap();
        let c = read(&dir.path().join("l.toml")).unwrap();
        let names: Vec<&str> = c.envs.keys().map(String::as_str).collect();
        assert_eq!(names, ["docs", "lint"]);
        assert_eq!(
            c.envs["docs"].describe(),
            "groups=docs;extras=yaml",
            "the child's replaces the base's"
        );
        assert_eq!(c.envs["lint"].describe(), "groups=lint");
    }

    #[test]
    fn unknown_keys_name_the_closest() {
        let e = parse("[target]\npyhton = \"3.13\"\n", Path::new("l.toml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "l.toml:2:1: at `target.pyhton`: unknown key `pyhton`; did you mean `python`?"
        );
        let e = parse(
            "[packages.lxml]\nbuild-input = [\"libxml2\"]\n",
            Path::new("l.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("did you mean `build-inputs`"), "{e}");
        assert_eq!(e.position, Some((2, 1)));
    }

    #[test]
    fn wrong_types_are_reported_with_positions() {
        let e = parse(
            "[target]\nsystems = \"x86_64-linux\"\n",
            Path::new("l.toml"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "l.toml:2:11: at `target.systems`: expected an array of strings, found string"
        );
        let e = parse("[packages.x]\ndo-check = \"no\"\n", Path::new("l.toml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "l.toml:2:12: at `packages.x.do-check`: expected true or false, found string"
        );
    }

    /// Values are typed where they are read: a bad one is reported at its own position.
    #[test]
    fn bad_values_are_reported_at_their_position() {
        for (text, expected) in [
            (
                "[nixpkgs]\npolicy = \"loose\"\n",
                "l.toml:2:10: at `nixpkgs.policy`: expected exact, compatible or nixpkgs, found \"loose\"",
            ),
            (
                "[packages.lxml]\npolicy = \"exactly\"\n",
                "l.toml:2:10: at `packages.lxml.policy`: expected exact, compatible or nixpkgs, found \"exactly\"",
            ),
            (
                "[target]\nprefer = \"wheels\"\n",
                "l.toml:2:10: at `target.prefer`: expected \"wheel\" or \"sdist\", found \"wheels\"",
            ),
            (
                "[target]\npython = \"3.x\"\n",
                "l.toml:2:10: at `target.python`: expected a CPython version X.Y or X.Y.Z such as \"3.13\", found \"3.x\"",
            ),
            (
                "[target]\nsystems = [\"x86_64-linux\", \"riscv64-linux\"]\n",
                "l.toml:2:28: at `target.systems[1]`: expected x86_64-linux, aarch64-linux, x86_64-darwin or aarch64-darwin, found \"riscv64-linux\"",
            ),
            (
                "[target]\nroots = [\"a b\"]\n",
                "l.toml:2:10: at `target.roots[0]`: expected a package name",
            ),
            (
                "[target]\nmacos-deployment-target = \"9.0\"\n",
                "l.toml:2:27: at `target.macos-deployment-target`: expected a macOS version MAJOR.MINOR such as \"14.0\", found \"9.0\"",
            ),
            (
                "[packages.\"no pe\"]\nattr = \"x\"\n",
                "l.toml:1:11: at `packages.no pe`: expected a package name",
            ),
        ] {
            let e = parse(text, Path::new("l.toml")).unwrap_err().to_string();
            assert!(e.starts_with(expected), "{text:?}:\n{e}\n{expected}");
        }
    }

    #[test]
    fn reads_every_package_key() {
        let text = r#"
[packages.authentik]
application = true
python-relax-deps = true
python-remove-deps = ["dumb-init"]
substitute = [
  { file = "authentik/lib/default.yml", from = "/blueprints", to-nix = '"${placeholder "out"}/blueprints"' },
  { file = "a.py", from = "x", to = "y" },
]
copy = [{ from = "lifecycle", to = "site-packages/lifecycle" }]
post-install-nix = '"ln -s x y"'
extra-attrs = { dontStrip = "true" }
"#;
        let c = parse(text, Path::new("l.toml")).unwrap();
        let p = &c.packages["authentik"].custom;
        assert!(p.application);
        assert_eq!(p.python_relax_deps, Some(vec![]));
        assert_eq!(p.substitutions.len(), 2);
        assert_eq!(
            p.substitutions[0].to,
            Value::Nix("\"${placeholder \"out\"}/blueprints\"".into())
        );
        assert_eq!(p.substitutions[1].to, Value::Str("y".into()));
        assert_eq!(p.copy[0].to, "site-packages/lifecycle");
        assert_eq!(p.post_install, vec![Value::Nix("\"ln -s x y\"".into())]);
        assert_eq!(p.extra_attrs["dontStrip"], "true");
    }

    #[test]
    fn package_sources() {
        let rev = "896722bab969fabc74a08b827da59409cf9f1a4e";
        let text = format!(
            "[packages.djangorestframework]\nsrc = {{ git = \"https://github.com/authentik-community/django-rest-framework\", rev = \"{rev}\", version = \"3.16.0\" }}\n\n[packages.x]\nsrc = {{ url = \"https://example.org/x-1.0.tar.gz\", hash = \"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\", version = \"1.0\" }}\n\n[packages.y.src]\npath = \"vendor/y\"\nversion = \"2\"\n"
        );
        let c = parse(&text, Path::new("l.toml")).unwrap();
        let drf = c.packages["djangorestframework"].src.as_ref().unwrap();
        assert_eq!(drf.version, "3.16.0");
        assert_eq!(drf.origin, "l.toml:2");
        assert_eq!(
            drf.source,
            SrcOverride::Git {
                url: "https://github.com/authentik-community/django-rest-framework".into(),
                rev: rev.into(),
                subdirectory: None
            }
        );
        assert!(matches!(
            c.packages["x"].src.as_ref().unwrap().source,
            SrcOverride::Url { .. }
        ));
        assert_eq!(
            c.packages["y"].src.as_ref().unwrap().source,
            SrcOverride::Path {
                path: "vendor/y".into()
            }
        );
        // each mistake is located and says what to write
        for (bad, want) in [
            ("{ git = \"https://h/r\", version = \"1\" }", "needs `rev`"),
            ("{ git = \"https://h/r\", rev = \"main\", version = \"1\" }", "40-digit"),
            ("{ git = \"--upload-pack=x://y\", rev = \"0123456789abcdef0123456789abcdef01234567\", version = \"1\" }", "starts with `-`"),
            ("{ url = \"https://h/a.tar.gz\", version = \"1\" }", "needs `hash`"),
            ("{ url = \"https://h/a.tar.gz\", hash = \"md5:00\", version = \"1\" }", "not an SRI sha256"),
            ("{ path = \"../outside\", version = \"1\" }", "inside the workspace"),
            ("{ path = \"/etc\", version = \"1\" }", "inside the workspace"),
            ("{ path = \"v\" }", "missing `version`"),
            ("{ path = \"v\", version = \"not a version\" }", "not a PEP 440 version"),
            ("{ path = \"v\", url = \"https://h/a\", version = \"1\" }", "exactly one of"),
            ("{ pth = \"v\", version = \"1\" }", "did you mean `path`"),
            ("\"https://h/a\"", "expected a table"),
        ] {
            let text = format!("[packages.p]\nsrc = {bad}\n");
            let e = parse(&text, Path::new("l.toml")).unwrap_err();
            assert!(e.to_string().contains(want), "{bad}: {e}");
            assert_eq!(e.position.map(|p| p.0), Some(2), "{bad}: {e}");
        }
    }

    #[test]
    fn extends_layers_a_variant_on_a_base() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("variant")).unwrap();
        std::fs::write(
            dir.path().join("base.toml"),
            "lock = \"uv.lock\"\n[target]\nsystems = [\"x86_64-linux\"]\npython = \"3.13\"\n[packages.app]\npython-relax-deps = true\npatches = [\"a.patch\"]\n[packages.django]\nattr = \"django_5\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("variant/lock2nix.toml"),
            "extends = \"../base.toml\"\noutput = \"o.nix\"\n[target]\npython = \"3.12\"\n[packages.app]\npatches = [\"b.patch\"]\n[packages.drf]\ndo-check = false\n",
        )
        .unwrap();
        let c = read(&dir.path().join("variant/lock2nix.toml")).unwrap();
        // paths stay relative to the file that wrote them
        assert_eq!(c.lock, Some(dir.path().join("variant/../uv.lock")));
        assert_eq!(c.output, Some(dir.path().join("variant/o.nix")));
        assert_eq!(c.target.python.as_deref(), Some("3.12"));
        assert_eq!(c.target.systems, [System::X86_64Linux]);
        let app = &c.packages["app"].custom;
        assert_eq!(app.patches, ["b.patch"], "a list replaces the base's");
        assert_eq!(app.python_relax_deps, Some(vec![]), "kept from the base");
        assert_eq!(c.packages["django"].attr.as_deref(), Some("django_5"));
        assert_eq!(c.packages["drf"].custom.do_check, Some(false));
        assert_eq!(c.files.len(), 2);
        // a cycle is refused
        std::fs::write(
            dir.path().join("base.toml"),
            "extends = \"variant/lock2nix.toml\"\n",
        )
        .unwrap();
        let e = read(&dir.path().join("variant/lock2nix.toml")).unwrap_err();
        assert!(e.to_string().contains("cycle"), "{e}");
        // an error in the base names the base
        std::fs::write(dir.path().join("base.toml"), "[target]\npyhton = \"3\"\n").unwrap();
        let e = read(&dir.path().join("variant/lock2nix.toml")).unwrap_err();
        assert_eq!(e.file, dir.path().join("variant/../base.toml"));
        assert_eq!(e.position, Some((2, 1)));
    }

    #[test]
    fn editing_keeps_comments() {
        let text = "# my project\n[target]\npython = \"3.13\" # pinned\n";
        let out = set_package_value(
            text,
            "lxml",
            "build-inputs",
            SetValue::Append(vec!["libxml2".into()]),
        )
        .unwrap();
        assert!(
            out.starts_with("# my project\n[target]\npython = \"3.13\" # pinned\n"),
            "{out}"
        );
        let c = parse(&out, Path::new("l.toml")).unwrap();
        assert_eq!(
            c.packages["lxml"].custom.build_inputs,
            vec!["libxml2".to_string()]
        );
        let out2 = set_package_value(
            &out,
            "lxml",
            "build-inputs",
            SetValue::Append(vec!["libxml2".into(), "libxslt".into()]),
        )
        .unwrap();
        let c = parse(&out2, Path::new("l.toml")).unwrap();
        assert_eq!(
            c.packages["lxml"].custom.build_inputs,
            vec!["libxml2".to_string(), "libxslt".to_string()]
        );
        assert!(
            set_package_value(text, "lxml", "bild-inputs", SetValue::Bool(true))
                .unwrap_err()
                .to_string()
                .contains("did you mean `build-inputs`")
        );
    }
}
