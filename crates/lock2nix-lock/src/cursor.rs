//! Walking a parsed TOML tree with key paths and spans, producing located errors.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use crate::tree::{Array, Item, Map, Spanned};

use crate::error::{Error, ErrorKind, Position};

/// A key path, built on the stack and rendered only for errors.
#[derive(Clone, Copy)]
pub(crate) enum KeyPath<'a> {
    Root,
    Key(&'a KeyPath<'a>, &'a str),
    Index(&'a KeyPath<'a>, usize),
}

impl KeyPath<'_> {
    pub(crate) fn key<'b>(&'b self, key: &'b str) -> KeyPath<'b> {
        KeyPath::Key(self, key)
    }
    pub(crate) fn index(&self, i: usize) -> KeyPath<'_> {
        KeyPath::Index(self, i)
    }
}

impl fmt::Display for KeyPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyPath::Root => Ok(()),
            KeyPath::Key(parent, key) => {
                if !matches!(parent, KeyPath::Root) {
                    write!(f, "{parent}.")?;
                }
                if key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    && !key.is_empty()
                {
                    f.write_str(key)
                } else {
                    write!(f, "{}", crate::error::quote(key))
                }
            }
            KeyPath::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// The file being read.
pub(crate) struct Ctx<'s> {
    /// The whole file.
    pub(crate) text: &'s str,
    pub(crate) file: &'s Path,
    /// Where the TOML fragment being walked starts in `text` (spans are relative to it).
    pub(crate) base: usize,
    /// The marker work left for the file, shared between fragments.
    pub(crate) markers: &'s crate::bounded_marker::MarkerBudget,
}

impl<'s> Ctx<'s> {
    /// Parse `s` with `FromStr`; a failure becomes `kind(quoted value, the parser's message)`.
    pub(crate) fn parse_value<T>(
        &self,
        s: &str,
        span: Range<usize>,
        path: &KeyPath<'_>,
        kind: fn(String, String) -> ErrorKind,
    ) -> Result<T, Error>
    where
        T: std::str::FromStr,
        T::Err: fmt::Display,
    {
        self.located(T::from_str(s), s, span, path, kind)
    }

    /// `parsed`, the result of parsing `s`, with its failure located as [`Self::parse_value`]
    /// locates it.
    fn located<T, E: fmt::Display>(
        &self,
        parsed: Result<T, E>,
        s: &str,
        span: Range<usize>,
        path: &KeyPath<'_>,
        kind: fn(String, String) -> ErrorKind,
    ) -> Result<T, Error> {
        parsed.map_err(|e| {
            self.error(
                span,
                path,
                kind(crate::error::quote(s), one_line(&e.to_string())),
            )
        })
    }

    /// A package name, as [`Self::parse_name`] reads it (same name, same error), but built with
    /// `PackageName::new`, which keeps an already normalised name's copy as it is instead of
    /// building it byte by byte as `from_str` does (a lock holds thousands of names).
    pub(crate) fn parse_package_name(
        &self,
        s: &str,
        span: Range<usize>,
        path: &KeyPath<'_>,
    ) -> Result<pep508_rs::PackageName, Error> {
        self.located(
            pep508_rs::PackageName::new(s.to_owned()),
            s,
            span,
            path,
            |name, message| ErrorKind::InvalidName { name, message },
        )
    }

    /// A PEP 508 marker, located on failure: input `pep508_rs` would panic on is refused first,
    /// and the marker is read within the file's limits ([`crate::bounded_marker`]).
    pub(crate) fn parse_marker(
        &self,
        s: &str,
        span: Range<usize>,
        path: &KeyPath<'_>,
    ) -> Result<pep508_rs::MarkerTree, Error> {
        let kind = |message| ErrorKind::InvalidMarker {
            marker: crate::error::quote(s),
            message,
        };
        if let Some(message) = crate::pep508_guard::refuse_marker(s) {
            return Err(self.error(span, path, kind(message)));
        }
        crate::bounded_marker::parse(s, self.markers).map_err(|refusal| {
            use crate::bounded_marker::Refusal;
            let kind = match refusal {
                Refusal::Invalid(message) => kind(message),
                Refusal::Limit(message) => kind(format!("{message}; refused")),
                Refusal::FileBudget { limit } => ErrorKind::MarkerBudget { limit },
            };
            self.error(span, path, kind)
        })
    }

    /// A PEP 440 version, located on failure.
    pub(crate) fn parse_version(
        &self,
        s: &str,
        span: Range<usize>,
        path: &KeyPath<'_>,
    ) -> Result<pep440_rs::Version, Error> {
        self.parse_value(s, span, path, |version, message| {
            ErrorKind::InvalidVersion { version, message }
        })
    }

    /// PEP 440 version specifiers, located on failure.
    pub(crate) fn parse_specifiers(
        &self,
        s: &str,
        span: Range<usize>,
        path: &KeyPath<'_>,
    ) -> Result<pep440_rs::VersionSpecifiers, Error> {
        self.parse_value(s, span, path, |specifier, message| {
            ErrorKind::InvalidSpecifier { specifier, message }
        })
    }

    /// A package, extra or group name (`PackageName`, `ExtraName`), located on failure.
    pub(crate) fn parse_name<T>(
        &self,
        s: &str,
        span: Range<usize>,
        path: &KeyPath<'_>,
    ) -> Result<T, Error>
    where
        T: std::str::FromStr,
        T::Err: fmt::Display,
    {
        self.parse_value(s, span, path, |name, message| ErrorKind::InvalidName {
            name,
            message,
        })
    }

    pub(crate) fn error(&self, span: Range<usize>, path: &KeyPath<'_>, kind: ErrorKind) -> Error {
        Error {
            uv_layout: false,
            file: self.file.to_path_buf(),
            position: Some(self.position(span.start)),
            key_path: path.to_string(),
            kind,
        }
    }

    pub(crate) fn warning(
        &self,
        span: Range<usize>,
        path: &KeyPath<'_>,
        message: String,
    ) -> crate::Warning {
        crate::Warning {
            file: self.file.to_path_buf(),
            position: Some(self.position(span.start)),
            key_path: path.to_string(),
            message,
        }
    }

    pub(crate) fn new(
        text: &'s str,
        file: &'s Path,
        base: usize,
        markers: &'s crate::bounded_marker::MarkerBudget,
    ) -> Self {
        Self {
            text,
            file,
            base,
            markers,
        }
    }

    pub(crate) fn position(&self, relative_offset: usize) -> Position {
        Position::of_offset(self.text, self.base + relative_offset)
    }
}

pub(crate) type Value<'i> = Spanned<Item<'i>>;

pub(crate) fn type_name(v: &Item<'_>) -> &'static str {
    match v {
        Item::String(_) => "a string",
        Item::Integer(_) => "an integer",
        Item::Float(_) => "a float",
        Item::Boolean(_) => "a boolean",
        Item::Datetime(_) => "a date-time",
        Item::Array(_) => "an array",
        Item::Table(_) => "a table",
    }
}

/// A table with its span and path, for typed lookups.
pub(crate) struct Table<'a, 'i> {
    pub(crate) table: &'a Map<'i>,
    pub(crate) span: Range<usize>,
}

impl<'a, 'i> Table<'a, 'i> {
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value<'i>> {
        self.table.get(key)
    }

    /// The values of `keys`, in their order, from one pass over the table (see [`Map::get_all`]).
    pub(crate) fn get_all<const N: usize>(&self, keys: [&str; N]) -> [Option<&'a Value<'i>>; N] {
        self.table.get_all(keys)
    }

    pub(crate) fn get_first(&self, keys: &[&'static str]) -> Option<(&'static str, &'a Value<'i>)> {
        keys.iter().find_map(|k| self.table.get(k).map(|v| (*k, v)))
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = (&'a Spanned<Cow<'i, str>>, &'a Value<'i>)> {
        self.table.iter()
    }
}

/// `expected`, but the value is `found`.
pub(crate) fn wrong_type(
    ctx: &Ctx<'_>,
    span: Range<usize>,
    found: &Item<'_>,
    path: &KeyPath<'_>,
    expected: &'static str,
) -> Error {
    ctx.error(
        span,
        path,
        ErrorKind::WrongType {
            expected,
            found: type_name(found),
        },
    )
}

pub(crate) fn as_table<'a, 'i>(
    ctx: &Ctx<'_>,
    v: &'a Value<'i>,
    path: &KeyPath<'_>,
    expected: &'static str,
) -> Result<Table<'a, 'i>, Error> {
    match v.get_ref() {
        Item::Table(t) => Ok(Table {
            table: t,
            span: v.span(),
        }),
        other => Err(wrong_type(ctx, v.span(), other, path, expected)),
    }
}

pub(crate) fn as_array<'a, 'i>(
    ctx: &Ctx<'_>,
    v: &'a Value<'i>,
    path: &KeyPath<'_>,
    expected: &'static str,
) -> Result<&'a Array<'i>, Error> {
    match v.get_ref() {
        Item::Array(a) => Ok(a),
        other => Err(wrong_type(ctx, v.span(), other, path, expected)),
    }
}

pub(crate) fn as_str<'a>(
    ctx: &Ctx<'_>,
    v: &'a Value<'_>,
    path: &KeyPath<'_>,
    expected: &'static str,
) -> Result<&'a str, Error> {
    match v.get_ref() {
        Item::String(s) => Ok(s.as_ref()),
        other => Err(wrong_type(ctx, v.span(), other, path, expected)),
    }
}

pub(crate) fn as_int(
    ctx: &Ctx<'_>,
    v: &Value<'_>,
    path: &KeyPath<'_>,
    expected: &'static str,
) -> Result<i64, Error> {
    match v.get_ref() {
        Item::Integer(i) => {
            let parsed = i64::from_str_radix(i.as_str(), i.radix()).ok();
            parsed.ok_or_else(|| {
                ctx.error(
                    v.span(),
                    path,
                    ErrorKind::InvalidValue {
                        expected: format!("{expected} in the 64-bit range"),
                        found: i.as_str().to_string(),
                    },
                )
            })
        }
        other => Err(wrong_type(ctx, v.span(), other, path, expected)),
    }
}

pub(crate) fn as_bool(
    ctx: &Ctx<'_>,
    v: &Value<'_>,
    path: &KeyPath<'_>,
    expected: &'static str,
) -> Result<bool, Error> {
    match v.get_ref() {
        Item::Boolean(b) => Ok(*b),
        other => Err(wrong_type(ctx, v.span(), other, path, expected)),
    }
}

/// A required key.
pub(crate) fn required<'a, 'i>(
    ctx: &Ctx<'_>,
    t: &Table<'a, 'i>,
    key: &'static str,
    path: &KeyPath<'_>,
    expected: &'static str,
) -> Result<&'a Value<'i>, Error> {
    t.get(key).ok_or_else(|| {
        ctx.error(
            t.span.clone(),
            path,
            ErrorKind::MissingKey {
                key: key.to_string(),
                expected,
            },
        )
    })
}

/// An optional string key.
pub(crate) fn opt_str<'a>(
    ctx: &Ctx<'_>,
    t: &Table<'a, '_>,
    key: &'static str,
    path: &KeyPath<'_>,
    expected: &'static str,
) -> Result<Option<&'a str>, Error> {
    match t.get(key) {
        None => Ok(None),
        Some(v) => as_str(ctx, v, &path.key(key), expected).map(Some),
    }
}

/// An optional array of strings.
pub(crate) fn opt_str_array<'a>(
    ctx: &Ctx<'_>,
    t: &Table<'a, '_>,
    key: &'static str,
    path: &KeyPath<'_>,
    expected: &'static str,
) -> Result<Vec<(&'a str, Range<usize>)>, Error> {
    let Some(v) = t.get(key) else {
        return Ok(Vec::new());
    };
    let p = path.key(key);
    let arr = as_array(ctx, v, &p, expected)?;
    let mut out = Vec::with_capacity(arr.len());
    for (i, item) in arr.iter().enumerate() {
        out.push((as_str(ctx, item, &p.index(i), expected)?, item.span()));
    }
    Ok(out)
}

/// The first line of a parser message, without a trailing `:` (pep440_rs appends the input and
/// carets on further lines, which the error already shows quoted), at most 300 characters.
pub(crate) fn one_line(message: &str) -> String {
    const MAX: usize = 300;
    let line = message
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end()
        .trim_end_matches(':');
    // parser messages may repeat the (possibly huge) input
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}
