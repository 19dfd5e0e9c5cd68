//! A one-pass parser for the subset of TOML that uv writes, with the `toml` crate as the
//! authority for everything else.
//!
//! uv writes `uv.lock` with a fixed layout: `key = value` lines, `[table]` and `[[array]]`
//! headers of bare keys, basic strings, integers, booleans, arrays (one per line or inline) and
//! single-line inline tables. This parser reads exactly that, in one pass over the bytes,
//! borrowing every string that has no escape, and builds the same [`tree`](crate::tree) the
//! `toml` crate's tree converts to — spans included.
//!
//! It never decides that a document is *invalid*: on anything outside the subset (multi-line or
//! escaped-in-new-ways strings, floats, date-times, dotted keys, a `\r`, a table defined
//! twice, a duplicate key, a tab-less control character, nesting deeper than [`MAX_NESTING`], …)
//! it returns `None`, and the caller parses the text with the `toml` crate, which accepts it or
//! reports the error. So the fast path can only be faster, never different: a document it
//! accepts is one the `toml` crate accepts with the same tree (a property tested against the
//! real locks, the bad-lock fixtures and the fuzzing corpora).

use std::borrow::Cow;

use std::cmp::Ordering;

use crate::tree::{key_order, Array, Item, Key, Map, Origin, Spanned};

/// Deepest nesting of inline arrays/tables, and most segments in a header, that the fast path
/// reads (uv writes at most 4 and 4); deeper documents go to the `toml` crate.
pub(crate) const MAX_NESTING: usize = 64;

/// Parse `text`, or `None` when it is not in the subset (then the `toml` crate decides).
pub(crate) fn parse(text: &str) -> Option<Spanned<Map<'_>>> {
    let mut p = Parser::new(text);
    let mut root = Map::new(Origin::Root);
    // entry indices from the root to the table that `key = value` lines go to
    let mut current: Vec<usize> = Vec::new();
    loop {
        p.skip_ws();
        let Some(b) = p.peek() else { break };
        match b {
            b'\n' => {
                p.pos += 1;
                continue;
            }
            b'#' => p.comment()?,
            b'[' => current = p.header(&mut root)?,
            _ => {
                let (key, value) = p.key_value(0)?;
                let table = table_at(&mut root, &current)?;
                if table.contains_key(key.get_ref()) {
                    return None;
                }
                table.entries.push((key, value));
            }
        }
        p.end_of_line()?;
    }
    finish_all(&mut root);
    Some(Spanned::new(0..0, root))
}

pub(crate) struct Parser<'i> {
    text: &'i str,
    bytes: &'i [u8],
    pub(crate) pos: usize,
    /// The text has no control character but tab and newline, so a basic string's plain run
    /// ends at the first `"`, `\\` or newline (found with [`RunEnd`]).
    plain: bool,
    /// The searcher for those three bytes, set up once per parser.
    run_end: RunEnd,
    /// Elements of the inline arrays being read (a stack: nested arrays push above their
    /// parent's elements and take theirs off when they end), so that each array is allocated
    /// once, at its final size.
    items: Vec<Spanned<Item<'i>>>,
    /// The same for the entries of inline tables.
    entries: Vec<(Key<'i>, Spanned<Item<'i>>)>,
}

/// The table at `path` (entry indices; arrays of tables step into their last element).
fn table_at<'m, 'i>(root: &'m mut Map<'i>, path: &[usize]) -> Option<&'m mut Map<'i>> {
    let mut t = root;
    for &i in path {
        t = header_table(t.entries.get_mut(i)?.1.get_mut())?;
    }
    Some(t)
}

/// The table a header can reach through `item`: a table not written inline, or the last element
/// of an array of tables.
fn header_table<'m, 'i>(item: &'m mut Item<'i>) -> Option<&'m mut Map<'i>> {
    match item {
        Item::Table(m) if m.origin != Origin::Inline => Some(m),
        Item::Array(a) if a.of_tables => match a.items.last_mut()?.get_mut() {
            Item::Table(m) => Some(m),
            _ => None,
        },
        _ => None,
    }
}

/// Sort every table's entries (recursively: the parser bounds the nesting).
fn finish_all(map: &mut Map<'_>) {
    map.finish();
    for (_, v) in &mut map.entries {
        finish_item(v.get_mut());
    }
}

fn finish_item(item: &mut Item<'_>) {
    match item {
        // inline tables and inline arrays (and all they hold) were finished as they ended
        Item::Table(m) if m.origin != Origin::Inline => finish_all(m),
        Item::Array(a) if a.of_tables => {
            for x in &mut a.items {
                finish_item(x.get_mut());
            }
        }
        _ => {}
    }
}

/// Bytes of bare keys: ASCII letters, digits, `-` and `_`.
static BARE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        b += 1;
    }
    t
};

pub(crate) fn is_bare(b: u8) -> bool {
    BARE[usize::from(b)]
}

/// A byte TOML does not allow in strings or comments (control characters other than tab).
fn is_control(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

/// Whether `bytes` holds a control character other than tab and newline (TOML allows none
/// anywhere; the parser then checks every byte of strings and comments itself).
///
/// Three running minimums, one vector instruction each per 16 bytes (no compares, no early exit
/// within a block): of the bytes (below 9: a control before tab), of the bytes less 11, wrapping
/// (below 21: one of 11–31; tab and newline wrap to 254 and 255, the lower controls to 245–253),
/// and of the bytes xor 0x7f (0: a DEL).
fn has_stray_control(bytes: &[u8]) -> bool {
    bytes.chunks(4096).any(|chunk| {
        let (mut low, mut mid, mut del) = (u8::MAX, u8::MAX, u8::MAX);
        for &b in chunk {
            low = low.min(b);
            mid = mid.min(b.wrapping_sub(11));
            del = del.min(b ^ 0x7f);
        }
        low < 9 || mid < 21 || del == 0
    })
}

/// Finds `"`, `\\` or a newline: with the AVX2 searcher itself where the CPU has it (set up once,
/// not on each call as `memchr3` does, ~30 instructions a string), else with `memchr3`.
#[derive(Clone, Copy)]
struct RunEnd {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::Three>,
}

impl RunEnd {
    fn new() -> Self {
        Self {
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::Three::new(b'"', b'\\', b'\n'),
        }
    }

    /// The first offset of `"`, `\\` or a newline in `haystack`.
    #[inline]
    fn find(&self, haystack: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(three) = &self.avx2 {
            return three.find(haystack);
        }
        memchr::memchr3(b'"', b'\\', b'\n', haystack)
    }
}

/// The first offset at or after `from` whose byte ends a plain run of a basic string: `"`, `\\`,
/// or a control character (tab included: the caller lets it through), else `bytes.len()`.
///
/// Eight bytes at a time: a byte is flagged when it is below 0x20 or equal to `"`, `\\` or 0x7f
/// (the usual zero-byte test on `x ^ pattern`); borrows only run upwards, so the lowest flag is
/// exact.
#[cold]
#[inline(never)]
fn special_byte(bytes: &[u8], from: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(LO) & !v;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let x = u64::from_le_bytes(word);
        let flags = (zero(x ^ (LO * u64::from(b'"')))
            | zero(x ^ (LO * u64::from(b'\\')))
            | zero(x ^ (LO * 0x7f))
            | (x.wrapping_sub(LO * 0x20) & !x))
            & HI;
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f {
            return i;
        }
        i += 1;
    }
    i
}

impl<'i> Parser<'i> {
    /// A parser at the start of `text` (its primitives also serve [`crate::lock`]'s direct reader).
    pub(crate) fn new(text: &'i str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            plain: !has_stray_control(text.as_bytes()),
            run_end: RunEnd::new(),
            items: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// The text being read.
    pub(crate) fn text(&self) -> &'i str {
        self.text
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub(crate) fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Whitespace, newlines and comments (inside arrays).
    pub(crate) fn skip_ws_comments_newlines(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n') => self.pos += 1,
                Some(b'#') => self.comment()?,
                _ => return Some(()),
            }
        }
    }

    /// `# …` up to (not including) the newline.
    pub(crate) fn comment(&mut self) -> Option<()> {
        self.pos += 1;
        while let Some(b) = self.peek() {
            if b == b'\n' {
                break;
            }
            if is_control(b) {
                return None;
            }
            self.pos += 1;
        }
        Some(())
    }

    /// Optional whitespace and comment, then a newline or the end.
    pub(crate) fn end_of_line(&mut self) -> Option<()> {
        self.skip_ws();
        if self.peek() == Some(b'#') {
            self.comment()?;
        }
        match self.peek() {
            None => Some(()),
            Some(b'\n') => {
                self.pos += 1;
                Some(())
            }
            _ => None,
        }
    }

    /// A bare or quoted key (not dotted).
    fn key(&mut self) -> Option<Key<'i>> {
        let start = self.pos;
        match self.peek()? {
            b'"' => {
                let s = self.basic_string()?;
                Some(Spanned::new(start..self.pos, s))
            }
            b'\'' => {
                let s = self.literal_string()?;
                Some(Spanned::new(start..self.pos, s))
            }
            b if is_bare(b) => {
                self.pos += self.bytes[self.pos..]
                    .iter()
                    .position(|&b| !is_bare(b))
                    .unwrap_or(self.bytes.len() - self.pos);
                Some(Spanned::new(
                    start..self.pos,
                    Cow::Borrowed(&self.text[start..self.pos]),
                ))
            }
            _ => None,
        }
    }

    /// `key = value` (the key not dotted), the value at nesting `depth`.
    fn key_value(&mut self, depth: usize) -> Option<(Key<'i>, Spanned<Item<'i>>)> {
        let key = self.key()?;
        self.skip_ws();
        if self.peek()? != b'=' {
            return None;
        }
        self.pos += 1;
        self.skip_ws();
        let value = self.value(depth)?;
        Some((key, value))
    }

    fn value(&mut self, depth: usize) -> Option<Spanned<Item<'i>>> {
        let start = self.pos;
        let item = match self.peek()? {
            b'"' => Item::String(self.basic_string()?),
            b'\'' => Item::String(self.literal_string()?),
            b'[' => Item::Array(self.array(depth + 1)?),
            b'{' => Item::Table(self.inline_table(depth + 1)?),
            b't' if self.bytes[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Item::Boolean(true)
            }
            b'f' if self.bytes[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Item::Boolean(false)
            }
            b'-' | b'0'..=b'9' => self.integer()?,
            _ => return None,
        };
        // a value runs up to a delimiter: `12abc`, `1.5`, `1e3`, `1979-05-27`, `truex` are not ours
        match self.peek() {
            None | Some(b' ' | b'\t' | b'\n' | b',' | b']' | b'}' | b'#') => {}
            _ => return None,
        }
        Some(Spanned::new(start..self.pos, item))
    }

    /// A decimal integer without underscores or `+`: `0`, `12`, `-3`.
    fn integer(&mut self) -> Option<Item<'i>> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let n = self.pos - digits;
        // no digits, or a leading zero (`-0`, `007`: the toml crate decides)
        if n == 0 || (self.bytes[digits] == b'0' && (n > 1 || digits > start)) {
            return None;
        }
        Some(Item::Integer(crate::tree::Number::new(
            Cow::Borrowed(&self.text[start..self.pos]),
            10,
        )))
    }

    /// `"…"`, not `"""…"""`; escapes `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`.
    pub(crate) fn basic_string(&mut self) -> Option<Cow<'i, str>> {
        if self.bytes[self.pos..].starts_with(b"\"\"\"") {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        loop {
            self.pos = if self.plain {
                self.run_end
                    .find(&self.bytes[self.pos..])
                    .map_or(self.bytes.len(), |i| self.pos + i)
            } else {
                special_byte(self.bytes, self.pos)
            };
            // the run ends at a quote, a backslash or a control character (tab included)
            match self.peek()? {
                b'"' => {
                    let s = &self.text[start..self.pos];
                    self.pos += 1;
                    return Some(Cow::Borrowed(s));
                }
                b'\\' => return self.escaped_string(start),
                b'\t' => self.pos += 1,
                _ => return None,
            }
        }
    }

    /// A non-empty basic string at `pos` without escapes or control characters (the usual short
    /// value, such as an upload time), its end found eight bytes at a time; `None`, and the parser
    /// where it was, for any other (which [`Self::basic_string`] reads or refuses).
    pub(crate) fn plain_string(&mut self) -> Option<&'i str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.pos + 1;
        let end = special_byte(self.bytes, start);
        // empty (or the start of `"""`): the general reader decides
        if end == start || self.bytes.get(end) != Some(&b'"') {
            return None;
        }
        self.pos = end + 1;
        self.text.get(start..end)
    }

    /// The rest of a basic string from its first backslash (at `pos`; the string's text starts
    /// at `start`), decoded into an owned string (out of line: few strings have escapes).
    #[cold]
    #[inline(never)]
    fn escaped_string(&mut self, start: usize) -> Option<Cow<'i, str>> {
        let mut out = String::with_capacity(self.pos - start + 16);
        out.push_str(&self.text[start..self.pos]);
        loop {
            let run = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || is_control(b) {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run..self.pos]);
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    self.pos += 1;
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        b'b' => out.push('\u{8}'),
                        b't' => out.push('\t'),
                        b'n' => out.push('\n'),
                        b'f' => out.push('\u{c}'),
                        b'r' => out.push('\r'),
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'u' => out.push(self.hex_char(4)?),
                        b'U' => out.push(self.hex_char(8)?),
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    /// `n` hex digits naming a Unicode scalar value.
    fn hex_char(&mut self, n: usize) -> Option<char> {
        let digits = self.bytes.get(self.pos..self.pos + n)?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let text = std::str::from_utf8(digits).ok()?;
        let c = char::from_u32(u32::from_str_radix(text, 16).ok()?)?;
        self.pos += n;
        Some(c)
    }

    /// `'…'`, not `'''…'''`.
    pub(crate) fn literal_string(&mut self) -> Option<Cow<'i, str>> {
        if self.bytes[self.pos..].starts_with(b"'''") {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        loop {
            let b = self.peek()?;
            if b == b'\'' {
                let s = &self.text[start..self.pos];
                self.pos += 1;
                return Some(Cow::Borrowed(s));
            }
            if is_control(b) {
                return None;
            }
            self.pos += 1;
        }
    }

    fn array(&mut self, depth: usize) -> Option<Array<'i>> {
        if depth > MAX_NESTING {
            return None;
        }
        self.pos += 1;
        let mark = self.items.len();
        loop {
            self.skip_ws_comments_newlines()?;
            if self.peek()? == b']' {
                self.pos += 1;
                break;
            }
            let value = self.value(depth)?;
            self.items.push(value);
            self.skip_ws_comments_newlines()?;
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    break;
                }
                _ => return None,
            }
        }
        Some(Array {
            items: self.items.drain(mark..).collect(),
            of_tables: false,
        })
    }

    /// `{ k = v, … }` on one line, without a trailing comma.
    fn inline_table(&mut self, depth: usize) -> Option<Map<'i>> {
        if depth > MAX_NESTING {
            return None;
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(Map::from_sorted(Vec::new(), Origin::Inline));
        }
        // the entries are kept in key order as they come (a duplicate is found on the way)
        let mark = self.entries.len();
        loop {
            self.skip_ws();
            let (key, value) = self.key_value(depth)?;
            let k: &str = key.get_ref();
            let mut at = self.entries.len();
            for (i, (other, _)) in self.entries[mark..].iter().enumerate() {
                match key_order(other.get_ref(), k) {
                    Ordering::Less => {}
                    Ordering::Equal => return None,
                    Ordering::Greater => {
                        at = mark + i;
                        break;
                    }
                }
            }
            self.entries.insert(at, (key, value));
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(Map::from_sorted(
                        self.entries.drain(mark..).collect(),
                        Origin::Inline,
                    ));
                }
                _ => return None,
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`: create or find the table and return its path.
    fn header(&mut self, root: &mut Map<'i>) -> Option<Vec<usize>> {
        let start = self.pos;
        let array = self.bytes.get(self.pos + 1) == Some(&b'[');
        self.pos += if array { 2 } else { 1 };
        let mut keys: Vec<Key<'i>> = Vec::new();
        loop {
            self.skip_ws();
            keys.push(self.key()?);
            if keys.len() > MAX_NESTING {
                return None;
            }
            self.skip_ws();
            match self.peek()? {
                b'.' => self.pos += 1,
                b']' => break,
                _ => return None,
            }
        }
        if array {
            if !self.bytes[self.pos..].starts_with(b"]]") {
                return None;
            }
            self.pos += 2;
        } else {
            self.pos += 1;
        }
        let span = start..self.pos;
        let (last, prefix) = keys.split_last_mut()?;
        let mut path = Vec::with_capacity(prefix.len() + 1);
        let mut table = root;
        for key in prefix.iter_mut() {
            let i = match table.position(key.get_ref()) {
                Some(i) => i,
                None => {
                    let key = std::mem::replace(key, Spanned::new(0..0, Cow::Borrowed("")));
                    let span = key.span();
                    table.entries.push((
                        key,
                        Spanned::new(span, Item::Table(Map::new(Origin::Implicit))),
                    ));
                    table.entries.len() - 1
                }
            };
            path.push(i);
            table = header_table(table.entries[i].1.get_mut())?;
        }
        let last = std::mem::replace(last, Spanned::new(0..0, Cow::Borrowed("")));
        match table.position(last.get_ref()) {
            None => {
                let element = Spanned::new(span.clone(), Item::Table(Map::new(Origin::Header)));
                let value = if array {
                    Spanned::new(
                        span,
                        Item::Array(Array {
                            items: vec![element],
                            of_tables: true,
                        }),
                    )
                } else {
                    element
                };
                table.entries.push((last, value));
                path.push(table.entries.len() - 1);
            }
            Some(i) => match table.entries[i].1.get_mut() {
                Item::Array(a) if array && a.of_tables => {
                    a.items
                        .push(Spanned::new(span, Item::Table(Map::new(Origin::Header))));
                    path.push(i);
                }
                // a table defined twice, or made implicitly and now explicitly: the toml crate
                // decides (the second is an error, the first valid but rare)
                _ => return None,
            },
        }
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_controls_are_found_anywhere() {
        let naive = |bytes: &[u8]| {
            bytes
                .iter()
                .any(|&b| (b < 0x20 && b != b'\t' && b != b'\n') || b == 0x7f)
        };
        let base: Vec<u8> = b"name = \"x\"\n\tversion = \"1.0\" # \xc3\xa9\n"
            .iter()
            .copied()
            .cycle()
            .take(9000)
            .collect();
        assert!(!has_stray_control(&base));
        for b in 0..=255u8 {
            for at in [0, 1, 15, 16, 17, 4095, 4096, 4097, 8999] {
                let mut text = base.clone();
                text[at] = b;
                assert_eq!(has_stray_control(&text), naive(&text), "{b:#x} at {at}");
                assert_eq!(has_stray_control(&text[at..]), naive(&text[at..]));
            }
        }
    }

    #[test]
    fn a_basic_string_ends_at_its_first_special_byte_at_any_length() {
        for len in 0..90 {
            let body = "u".repeat(len);
            for (end, expected) in [
                ("\"", Some(Cow::Borrowed(body.as_str()))),
                ("\\n\"", Some(Cow::Owned(format!("{body}\n")))),
                ("\tt\"", Some(Cow::Owned(format!("{body}\tt")))),
                ("é\"", Some(Cow::Owned(format!("{body}é")))),
                ("\n\"", None),
                ("\u{1}\"", None),
                ("\u{7f}\"", None),
                ("", None),
            ] {
                for tail in ["", " = 1\n", "\u{1}"] {
                    let text = format!("\"{body}{end}{tail}");
                    let mut p = Parser::new(&text);
                    let s = p.basic_string();
                    assert_eq!(s.as_deref(), expected.as_deref(), "{text:?}");
                    if s.is_some() {
                        assert_eq!(&text[p.pos..], tail, "{text:?}");
                    }
                }
            }
        }
    }
}
