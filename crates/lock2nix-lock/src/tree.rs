//! The TOML tree the readers walk: values with their byte spans, tables as sorted vectors.
//!
//! Two parsers produce it: [`crate::fast_toml`] (a single pass over the subset of TOML that uv
//! writes, borrowing every string it can) and, for anything else, the `toml` crate, whose tree is
//! converted by [`from_toml`]. Both give the same tree for the same text, spans included (tested
//! on every real lock and on the fuzzing corpora), so errors point at the same place whichever
//! parser read the file.
//!
//! Spans follow the `toml` crate: a scalar's span is its token (quotes included), an inline
//! array or table runs from its opening to its closing bracket, a table opened by a header
//! (`[a.b]` or `[[a]]`) spans the header, a table created implicitly by a header's prefix spans
//! that key, and a key's span is its token (quotes included). The root table's span is empty.

use std::borrow::Cow;
use std::ops::Range;

/// A value with the byte range it was read from (relative to the parsed text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spanned<T> {
    start: u32,
    end: u32,
    value: T,
}

impl<T> Spanned<T> {
    /// Wrap `value` read from `span` (offsets above 4 GiB are clamped; files are far smaller).
    pub(crate) fn new(span: Range<usize>, value: T) -> Self {
        Self {
            start: u32::try_from(span.start).unwrap_or(u32::MAX),
            end: u32::try_from(span.end).unwrap_or(u32::MAX),
            value,
        }
    }

    /// The value.
    pub(crate) fn get_ref(&self) -> &T {
        &self.value
    }

    /// The value, mutably.
    pub(crate) fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// Where it was read.
    pub(crate) fn span(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A key of a table.
pub(crate) type Key<'i> = Spanned<Cow<'i, str>>;

/// A value of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item<'i> {
    /// A string (escapes decoded).
    String(Cow<'i, str>),
    /// An integer as written (sign and digits, underscores removed) with its radix.
    Integer(Number<'i>),
    /// A float as written.
    Float(Number<'i>),
    Boolean(bool),
    /// An offset/local date-time, date or time, in its canonical text form.
    Datetime(String),
    /// An array (inline or of tables).
    Array(Array<'i>),
    /// A table (root, header, implicit or inline).
    Table(Map<'i>),
}

/// The text of an integer or float, with the integer's radix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Number<'i> {
    text: Cow<'i, str>,
    radix: u32,
}

impl<'i> Number<'i> {
    pub(crate) fn new(text: Cow<'i, str>, radix: u32) -> Self {
        Self { text, radix }
    }

    /// The digits (with sign, without prefix or underscores).
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// 10, 16, 8 or 2 for integers; 10 for floats.
    pub(crate) fn radix(&self) -> u32 {
        self.radix
    }
}

/// An array; `of_tables` marks `[[…]]` arrays (which later headers may extend).
#[derive(Debug, Clone, Default)]
pub(crate) struct Array<'i> {
    pub(crate) items: Vec<Spanned<Item<'i>>>,
    pub(crate) of_tables: bool,
}

impl PartialEq for Array<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl Eq for Array<'_> {}

impl<'i> std::ops::Deref for Array<'i> {
    type Target = [Spanned<Item<'i>>];
    fn deref(&self) -> &Self::Target {
        &self.items
    }
}

/// How a table came to be; it decides what later headers may do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Origin {
    /// The document.
    #[default]
    Root,
    /// `[a.b]`, or an element of `[[a.b]]`.
    Header,
    /// Created as the prefix of a header (`a` of `[a.b]`).
    Implicit,
    /// `{ … }`.
    Inline,
}

/// A table: entries sorted by key once it is complete, so lookups are binary searches and
/// iteration is in key order (as the `toml` crate's maps iterate).
#[derive(Debug, Clone, Default)]
pub(crate) struct Map<'i> {
    pub(crate) entries: Vec<(Key<'i>, Spanned<Item<'i>>)>,
    pub(crate) origin: Origin,
    sorted: bool,
}

impl PartialEq for Map<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl Eq for Map<'_> {}

impl<'i> Map<'i> {
    pub(crate) fn new(origin: Origin) -> Self {
        Self {
            entries: Vec::new(),
            origin,
            sorted: false,
        }
    }

    /// A finished table of `entries` that are already sorted by key, without duplicates.
    pub(crate) fn from_sorted(entries: Vec<(Key<'i>, Spanned<Item<'i>>)>, origin: Origin) -> Self {
        debug_assert!(entries
            .windows(2)
            .all(|w| key_order(w[0].0.get_ref(), w[1].0.get_ref()).is_lt()));
        Self {
            entries,
            origin,
            sorted: true,
        }
    }

    /// Sort the entries by key; keys are unique (both parsers reject duplicates).
    pub(crate) fn finish(&mut self) {
        if !self.sorted {
            self.entries
                .sort_unstable_by(|a, b| key_order(a.0.get_ref(), b.0.get_ref()));
            self.sorted = true;
        }
    }

    /// The entry for `key` (binary search once finished, a scan while it is being built).
    pub(crate) fn get(&self, key: &str) -> Option<&Spanned<Item<'i>>> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    pub(crate) fn position(&self, key: &str) -> Option<usize> {
        // small tables (a wheel's, a dependency's): a scan
        if self.entries.len() <= 8 || !self.sorted {
            let k = key.as_bytes();
            self.entries
                .iter()
                .position(|(e, _)| same_key(e.get_ref().as_bytes(), k))
        } else {
            self.entries
                .binary_search_by(|(k, _)| k.get_ref().as_ref().cmp(key))
                .ok()
        }
    }

    /// The entries for `keys`, in their order: what a [`get`](Self::get) per key returns, from
    /// one pass over the entries (for small tables whose keys are all wanted, as a wheel's).
    pub(crate) fn get_all<const N: usize>(
        &self,
        keys: [&str; N],
    ) -> [Option<&Spanned<Item<'i>>>; N] {
        let mut found = [None; N];
        for (k, v) in &self.entries {
            let k = k.get_ref().as_bytes();
            if let Some(i) = keys.iter().position(|key| same_key(key.as_bytes(), k)) {
                found[i] = Some(v);
            }
        }
        found
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Entries in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Key<'i>, &Spanned<Item<'i>>)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Values in key order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Spanned<Item<'i>>> {
        self.entries.iter().map(|(_, v)| v)
    }
}

/// Whether two keys are equal, comparing the length and the first byte before the rest (`hash`,
/// `size`, `path` and `zstd` share a length).
fn same_key(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.first() == b.first() && a == b
}

/// The order of a table's keys: byte order (as the `toml` crate's maps iterate), comparing the
/// first byte before the rest (keys of one table mostly differ there).
pub(crate) fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.first().cmp(&b.first()).then_with(|| a.cmp(b))
}

/// Convert the `toml` crate's tree (the fallback parser's) into ours.
///
/// Recursion is bounded: the `toml` parser refuses deeper nesting than its own recursion limit.
pub(crate) fn from_toml(doc: toml::Spanned<toml::de::DeTable<'_>>) -> Spanned<Map<'_>> {
    let span = doc.span();
    Spanned::new(span, convert_table(doc.into_inner(), Origin::Root))
}

fn convert_table(t: toml::de::DeTable<'_>, origin: Origin) -> Map<'_> {
    let mut map = Map::new(origin);
    map.entries.reserve(t.len());
    for (k, v) in t {
        let key = Spanned::new(k.span(), k.into_inner());
        map.entries.push((key, convert_value(v)));
    }
    map.finish();
    map
}

fn convert_value(v: toml::Spanned<toml::de::DeValue<'_>>) -> Spanned<Item<'_>> {
    use toml::de::DeValue;
    let span = v.span();
    let item = match v.into_inner() {
        DeValue::String(s) => Item::String(s),
        DeValue::Integer(i) => {
            Item::Integer(Number::new(Cow::Owned(i.as_str().to_string()), i.radix()))
        }
        DeValue::Float(f) => Item::Float(Number::new(Cow::Owned(f.as_str().to_string()), 10)),
        DeValue::Boolean(b) => Item::Boolean(b),
        DeValue::Datetime(d) => Item::Datetime(d.to_string()),
        DeValue::Array(a) => Item::Array(Array {
            items: a.into_iter().map(convert_value).collect(),
            of_tables: false,
        }),
        // the origin of converted tables no longer matters: the tree is complete
        DeValue::Table(t) => Item::Table(convert_table(t, Origin::Inline)),
    };
    Spanned::new(span, item)
}

/// Deepest nesting of arrays/tables, and the start offset of the first (in file order) value at
/// that depth (iterative, so that hostile input cannot overflow the stack).
pub(crate) fn max_depth(root: &Map<'_>) -> (usize, usize) {
    let mut max = (1, 0);
    let mut stack: Vec<(&Spanned<Item<'_>>, usize)> = root.values().map(|v| (v, 2)).collect();
    while let Some((v, d)) = stack.pop() {
        let start = v.span().start;
        if d > max.0 || (d == max.0 && start < max.1) {
            max = (d, start);
        }
        match v.get_ref() {
            Item::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
            Item::Table(t) => stack.extend(t.values().map(|x| (x, d + 1))),
            _ => {}
        }
    }
    max
}

impl<'a, 'i> IntoIterator for &'a Array<'i> {
    type Item = &'a Spanned<Item<'i>>;
    type IntoIter = std::slice::Iter<'a, Spanned<Item<'i>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}
