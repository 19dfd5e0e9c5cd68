//! Parsing wheel file names (`{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`).

use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;

/// Why a string is not a valid wheel file name. Every variant names the offending input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WheelFilenameError {
    /// The name does not end in `.whl`.
    #[error("{filename:?} is not a wheel file name: it does not end in `.whl`")]
    NotAWheel {
        /// The input.
        filename: String,
    },
    /// Splitting the stem on `-` gave neither 5 nor 6 parts.
    #[error(
        "{filename:?} has {found} `-`-separated parts; a wheel name has 5 \
         (name-version-python-abi-platform) or 6 (with a build tag)"
    )]
    WrongNumberOfParts {
        /// The input.
        filename: String,
        /// How many parts were found.
        found: usize,
    },
    /// The distribution name is empty or contains characters other than ASCII letters,
    /// digits, `_` and `.`.
    #[error("{filename:?} has an invalid distribution name {name:?} (allowed: ASCII letters, digits, `_`, `.`)")]
    InvalidName {
        /// The input.
        filename: String,
        /// The name part.
        name: String,
    },
    /// The version part is not a PEP 440 version.
    #[error("{filename:?} has an invalid version {version:?}: {message}")]
    InvalidVersion {
        /// The input.
        filename: String,
        /// The version part.
        version: String,
        /// The PEP 440 parser's explanation.
        message: String,
    },
    /// The build tag does not start with a digit, or its number does not fit in 64 bits.
    #[error("{filename:?} has an invalid build tag {build_tag:?}: it must start with a digit (and the number must fit in 64 bits)")]
    InvalidBuildTag {
        /// The input.
        filename: String,
        /// The build tag part.
        build_tag: String,
    },
    /// A tag field (or one member of a compressed tag set such as `py2.py3`) is empty.
    #[error("{filename:?} has an empty {field} tag in {value:?}")]
    EmptyTag {
        /// The input.
        filename: String,
        /// `python`, `abi` or `platform`.
        field: &'static str,
        /// The whole (possibly compressed) field.
        value: String,
    },
    /// A tag contains a character other than ASCII letters, digits and `_`.
    #[error(
        "{filename:?} has an invalid {field} tag {tag:?} (allowed: ASCII letters, digits, `_`)"
    )]
    InvalidTag {
        /// The input.
        filename: String,
        /// `python`, `abi` or `platform`.
        field: &'static str,
        /// The offending tag.
        tag: String,
    },
    /// Percent-decoding produced bytes that are not UTF-8.
    #[error("{filename:?} is not valid UTF-8 after percent-decoding")]
    InvalidPercentEncoding {
        /// The input.
        filename: String,
    },
    /// The URL has no last path segment to take a file name from.
    #[error("URL {url:?} has no file name in its last path segment")]
    NoFileNameInUrl {
        /// The input URL.
        url: String,
    },
}

/// A wheel build tag: a leading number plus an optional suffix, ordered as the
/// binary-distribution spec says (numerically by the number, then by the suffix string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BuildTag {
    /// The leading decimal digits as a number.
    pub number: u64,
    /// Whatever follows the digits (often empty).
    pub suffix: String,
    // `raw` is last so that it only breaks ties between e.g. `1` and `01`.
    raw: String,
}

impl BuildTag {
    /// The build tag exactly as written in the file name.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl fmt::Display for BuildTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// A parsed wheel file name.
///
/// The distribution name is normalised per PEP 503 (lower-case, runs of `-_.` become
/// `-`); tags are lower-cased (as `packaging.tags.Tag` does) and compressed tag sets are
/// read as [`TagSet`]s. [`Display`](fmt::Display) writes the canonical file name
/// (`-` in the name written as `_`), so parsing a canonical name and displaying it
/// round-trips.
///
/// It is compact (a lock holds thousands): the name and the three tag sets share one string,
/// and the build tag, rare, is boxed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WheelFilename {
    /// The normalised name, then `python-abi-platform` lower-cased.
    text: Box<str>,
    version: Version,
    build_tag: Option<Box<BuildTag>>,
    /// Where the python, abi and platform sets start in `text`.
    python_at: u32,
    abi_at: u32,
    platform_at: u32,
}

/// One (possibly compressed) tag set of a wheel file name, e.g. `py2.py3`: its tags in file-name
/// order, lower-cased.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TagSet<'a>(&'a str);

impl<'a> TagSet<'a> {
    /// The tags, in file-name order.
    pub fn iter(&self) -> TagIter<'a> {
        TagIter { rest: Some(self.0) }
    }

    /// How many tags (at least one).
    pub fn len(&self) -> usize {
        self.0.bytes().filter(|&b| b == b'.').count() + 1
    }

    /// Never true: a tag set has at least one tag.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The set as written, e.g. `py2.py3`.
    pub fn as_str(&self) -> &'a str {
        self.0
    }

    /// Whether `tag` is one of the set's tags.
    pub fn contains(&self, tag: &str) -> bool {
        self.iter().any(|t| t == tag)
    }
}

impl<'a> IntoIterator for TagSet<'a> {
    type Item = &'a str;
    type IntoIter = TagIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The tags of a [`TagSet`], in file-name order: its text split at `.` (as `str::split('.')`
/// does, in a plain byte loop: tags are a few ASCII bytes long).
#[derive(Debug, Clone)]
pub struct TagIter<'a> {
    /// What is left, `None` once the last tag was returned.
    rest: Option<&'a str>,
}

impl<'a> Iterator for TagIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        match s.as_bytes().iter().position(|&b| b == b'.') {
            Some(i) => {
                // `.` is ASCII: both cuts are on character boundaries
                self.rest = s.get(i + 1..);
                s.get(..i)
            }
            None => {
                self.rest = None;
                Some(s)
            }
        }
    }
}

impl fmt::Debug for TagSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq<[&str]> for TagSet<'_> {
    fn eq(&self, other: &[&str]) -> bool {
        self.iter().eq(other.iter().copied())
    }
}

impl PartialEq<&[&str]> for TagSet<'_> {
    fn eq(&self, other: &&[&str]) -> bool {
        self == *other
    }
}

impl<const N: usize> PartialEq<[&str; N]> for TagSet<'_> {
    fn eq(&self, other: &[&str; N]) -> bool {
        self == &other[..]
    }
}

/// PEP 503 normalisation: lower-case, every run of `-`, `_`, `.` replaced by one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            // ASCII (the usual case) without the Unicode case tables
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
            in_sep = false;
        }
    }
    out
}

/// Check a (possibly compressed) tag set: non-empty members of ASCII letters, digits and `_`.
fn check_tag_set(
    filename: &str,
    field: &'static str,
    value: &str,
) -> Result<(), WheelFilenameError> {
    for tag in value.split('.') {
        if tag.is_empty() {
            return Err(WheelFilenameError::EmptyTag {
                filename: filename.to_string(),
                field,
                value: value.to_string(),
            });
        }
        if !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(WheelFilenameError::InvalidTag {
                filename: filename.to_string(),
                field,
                tag: tag.to_string(),
            });
        }
    }
    Ok(())
}

/// Append `name` (already checked to be ASCII letters, digits, `_` and `.`) with every run of
/// `-`, `_` and `.` replaced by one `-`: [`normalize_name`] but for the case, which the caller
/// lowers.
fn push_normalized_ascii_name(out: &mut String, name: &str) {
    let is_sep = |b: &u8| matches!(b, b'-' | b'_' | b'.');
    let mut rest = name;
    while !rest.is_empty() {
        let run = rest
            .as_bytes()
            .iter()
            .position(is_sep)
            .unwrap_or(rest.len());
        out.push_str(&rest[..run]);
        rest = &rest[run..];
        let seps = rest
            .as_bytes()
            .iter()
            .position(|b| !is_sep(b))
            .unwrap_or(rest.len());
        if seps > 0 {
            out.push('-');
            rest = &rest[seps..];
        }
    }
}

/// What one pass over a file name's bytes finds (see [`scan`]).
#[derive(Debug, PartialEq, Eq)]
struct Scan {
    /// The offsets of the first five `-`.
    dashes: [usize; 5],
    /// How many `-` there are.
    count: usize,
    /// Whether there is a `%`.
    percent: bool,
    /// The first byte that is not an ASCII letter, digit, `-`, `.` or `_` (the length if none).
    first_other: usize,
    /// The last such byte.
    last_other: Option<usize>,
    /// Whether there is an ASCII upper-case letter.
    upper: bool,
    /// The first `.` or `_` (the length if none).
    first_dot_or_underscore: usize,
    /// The last offset whose byte and the one before it are both `-` or `.`.
    last_double_separator: Option<usize>,
}

/// One pass over `bytes`: where its dashes are, and the few facts about its other bytes that
/// decide whether a wheel file name needs the slow checks, lower-casing or name normalisation.
///
/// Eight bytes at a time, each byte's facts in its high bit: a byte equal to a given one, or in a
/// range of ASCII bytes, is flagged exactly (the sums that flag them cannot carry from one byte
/// into the next). The last few bytes are read as a word padded with `a`, which flags nothing.
fn scan(bytes: &[u8]) -> Scan {
    const LO: u64 = 0x0101_0101_0101_0101;
    const SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut out = Scan {
        dashes: [0; 5],
        count: 0,
        percent: false,
        first_other: bytes.len(),
        last_other: None,
        upper: false,
        first_dot_or_underscore: bytes.len(),
        last_double_separator: None,
    };
    // the high bit of each byte of `x` that is `b`
    fn equal(x: u64, b: u8) -> u64 {
        let y = x ^ (LO * u64::from(b));
        !(((y & SEVEN) + SEVEN) | y | SEVEN)
    }
    fn first(flags: u64) -> usize {
        (flags.trailing_zeros() / 8) as usize
    }
    fn last(flags: u64) -> usize {
        (7 - flags.leading_zeros() / 8) as usize
    }
    /// The word `x` at offset `at` of a text `len` bytes long; `separators_before` holds the
    /// previous word's separator flags.
    #[inline(always)]
    fn word_at(out: &mut Scan, len: usize, separators_before: &mut u64, at: usize, x: u64) {
        let low = x & SEVEN;
        let ascii = !x & HI;
        // the high bit of each ASCII byte of `x` in `lo..=hi`
        let range = |lo: u8, hi: u8| {
            (low + LO * u64::from(0x80 - lo)) & !(low + LO * u64::from(0x7f - hi)) & ascii
        };
        let upper = range(b'A', b'Z');
        let dash = equal(x, b'-');
        let dot = equal(x, b'.');
        let underscore = equal(x, b'_');
        let known = range(b'0', b'9') | upper | range(b'a', b'z') | dash | dot | underscore;
        let other = !known & HI;
        let separators = dash | dot;
        // a separator right after another (the previous word's last byte included)
        let doubles = separators & ((separators << 8) | ((*separators_before >> 56) & 0x80));
        *separators_before = separators;
        if other != 0 {
            if out.first_other == len {
                out.first_other = at + first(other);
            }
            out.last_other = Some(at + last(other));
            out.percent |= equal(x, b'%') != 0;
        }
        out.upper |= upper != 0;
        if doubles != 0 {
            out.last_double_separator = Some(at + last(doubles));
        }
        let dot_or_underscore = dot | underscore;
        if dot_or_underscore != 0 && out.first_dot_or_underscore == len {
            out.first_dot_or_underscore = at + first(dot_or_underscore);
        }
        let mut dashes = dash;
        while dashes != 0 {
            if let Some(slot) = out.dashes.get_mut(out.count) {
                *slot = at + first(dashes);
            }
            out.count += 1;
            dashes &= dashes - 1;
        }
    }
    let len = bytes.len();
    let mut separators_before = 0u64;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        word_at(
            &mut out,
            len,
            &mut separators_before,
            at,
            u64::from_le_bytes(word),
        );
        at += 8;
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut word = [b'a'; 8];
        word[..rest.len()].copy_from_slice(rest);
        word_at(
            &mut out,
            len,
            &mut separators_before,
            at,
            u64::from_le_bytes(word),
        );
    }
    out
}

/// [`scan`] for the end of a wheel file name from the dash after its version,
/// `-{python}-{abi}-{platform}.whl`, where only the common case counts: the offsets of its three
/// dashes and whether it has an ASCII upper-case letter; `None` when it has a byte other than an
/// ASCII letter, digit, `-`, `.` or `_`, a `-` or `.` right after another, or other than three
/// dashes.
fn scan_tail(bytes: &[u8]) -> Option<([usize; 3], bool)> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HI: u64 = 0x8080_8080_8080_8080;
    fn equal(x: u64, b: u8) -> u64 {
        let y = x ^ (LO * u64::from(b));
        !(((y & SEVEN) + SEVEN) | y | SEVEN)
    }
    let mut dashes = [0usize; 3];
    let mut count = 0;
    let mut upper = false;
    let mut separators_before = 0u64;
    let mut word_at = |at: usize, x: u64| -> Option<()> {
        let ascii = !x & HI;
        // the high bit of each ASCII byte of `y` whose low seven bits are in `lo..=hi`
        let range = |y: u64, lo: u8, hi: u8| {
            let low = y & SEVEN;
            (low + LO * u64::from(0x80 - lo)) & !(low + LO * u64::from(0x7f - hi)) & ascii
        };
        // a letter of either case is in `a..=z` once `0x20` is set
        let letter = range(x | (LO * 0x20), b'a', b'z');
        let dash = equal(x, b'-');
        let dot = equal(x, b'.');
        let known = letter | range(x, b'0', b'9') | dash | dot | equal(x, b'_');
        let separators = dash | dot;
        let doubles = separators & ((separators << 8) | ((separators_before >> 56) & 0x80));
        separators_before = separators;
        if !known & HI != 0 || doubles != 0 {
            return None;
        }
        // an upper-case letter has `0x20` clear (moved up to the byte's high bit)
        upper |= letter & (!x << 2) != 0;
        let mut d = dash;
        while d != 0 {
            *dashes.get_mut(count)? = at + (d.trailing_zeros() / 8) as usize;
            count += 1;
            d &= d - 1;
        }
        Some(())
    };
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let word = <[u8; 8]>::try_from(word).ok()?;
        word_at(at, u64::from_le_bytes(word))?;
        at += 8;
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut word = [b'a'; 8];
        word[..rest.len()].copy_from_slice(rest);
        word_at(at, u64::from_le_bytes(word))?;
    }
    (count == 3).then_some((dashes, upper))
}

/// The last path segment of `url`, without its query or fragment (empty when the path ends in
/// `/`).
fn url_basename(url: &str) -> &str {
    let bytes = url.as_bytes();
    let end = memchr::memchr2(b'?', b'#', bytes).unwrap_or(bytes.len());
    // `?`, `#` and `/` are ASCII, so both cuts are on character boundaries
    let path = url.get(..end).unwrap_or(url);
    let start = memchr::memrchr(b'/', path.as_bytes()).map_or(0, |i| i + 1);
    path.get(start..).unwrap_or(path)
}

fn parse_build_tag(filename: &str, raw: &str) -> Result<BuildTag, WheelFilenameError> {
    let digits_end = raw
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(raw.len());
    let err = || WheelFilenameError::InvalidBuildTag {
        filename: filename.to_string(),
        build_tag: raw.to_string(),
    };
    // `digits_end` indexes an ASCII byte boundary, so the split cannot panic.
    let (digits, suffix) = raw.split_at(digits_end);
    if digits.is_empty() {
        return Err(err());
    }
    let number = digits.parse::<u64>().map_err(|_| err())?;
    Ok(BuildTag {
        number,
        suffix: suffix.to_string(),
        raw: raw.to_string(),
    })
}

impl WheelFilename {
    /// Parses a wheel file name (just the file name, not a path or URL).
    ///
    /// Percent-encoded names such as `torch-2.4.1%2Bcpu-cp312-cp312-linux_x86_64.whl` are
    /// decoded first (`%` can never appear in a valid wheel name, so this is unambiguous).
    /// Never panics.
    pub fn parse(filename: &str) -> Result<WheelFilename, WheelFilenameError> {
        Self::parse_with(filename, None)
    }

    /// [`parse`](Self::parse), reusing `known.1` as the version when the file name's version is
    /// written exactly as `known.0` (the usual case: a lock's wheels carry their package's
    /// version), which saves parsing and storing it once per wheel.
    pub fn parse_with(
        filename: &str,
        known: Option<(&str, &Version)>,
    ) -> Result<WheelFilename, WheelFilenameError> {
        let decoded;
        let mut scanned = scan(filename.as_bytes());
        let input = if scanned.percent {
            decoded = percent_encoding::percent_decode_str(filename)
                .decode_utf8()
                .map_err(|_| WheelFilenameError::InvalidPercentEncoding {
                    filename: filename.to_string(),
                })?;
            // what the decoded text holds is what counts
            scanned = scan(decoded.as_bytes());
            decoded.as_ref()
        } else {
            filename
        };
        let Some(stem) = input.strip_suffix(".whl") else {
            return Err(WheelFilenameError::NotAWheel {
                filename: filename.to_string(),
            });
        };
        // The `-` positions (at most 5 are kept; more is an error that needs only the count) are
        // those of `stem`: `.whl` has none.
        let Scan { dashes, count, .. } = scanned;
        // name, version, [build,] then the three tag sets; `py_at` is where the python tags start
        let (version_end, build, py_at) = match count {
            4 => (dashes[1], None, dashes[1] + 1),
            5 => (
                dashes[1],
                Some(&stem[dashes[1] + 1..dashes[2]]),
                dashes[2] + 1,
            ),
            _ => {
                return Err(WheelFilenameError::WrongNumberOfParts {
                    filename: filename.to_string(),
                    found: count + 1,
                })
            }
        };
        let name = &stem[..dashes[0]];
        let version = &stem[dashes[0] + 1..version_end];
        let tags_text = &stem[py_at..];
        let (py_len, abi_len) = {
            let d = &dashes[count - 2..count];
            (d[0] - py_at, d[1] - d[0] - 1)
        };
        // the name has no `-` (the first ends it): it is valid when it has no other byte
        if name.is_empty() || scanned.first_other < name.len() {
            return Err(WheelFilenameError::InvalidName {
                filename: filename.to_string(),
                name: name.to_string(),
            });
        }
        let parsed_version = match known {
            Some((text, v)) if text == version => v.clone(),
            _ => Version::from_str(version).map_err(|e| WheelFilenameError::InvalidVersion {
                filename: filename.to_string(),
                version: version.to_string(),
                message: e.to_string(),
            })?,
        };
        let build_tag = build
            .map(|b| parse_build_tag(filename, b).map(Box::new))
            .transpose()?;
        // The tag sets are valid when they hold only letters, digits, `_`, `.` and `-` and no
        // tag is empty: no separator right after the `-` before them, after another, or last
        // (then it is followed by the `.` of `.whl`). Otherwise the slow path names the first
        // offending set and tag.
        let tags_ok = scanned.last_other.is_none_or(|i| i < py_at)
            && scanned.last_double_separator.is_none_or(|i| i < py_at);
        if !tags_ok {
            let (py, rest) = tags_text.split_at(py_len);
            let (abi, plat) = rest[1..].split_at(abi_len);
            check_tag_set(filename, "python", py)?;
            check_tag_set(filename, "abi", abi)?;
            check_tag_set(filename, "platform", &plat[1..])?;
        }
        let too_long = || WheelFilenameError::WrongNumberOfParts {
            filename: filename.to_string(),
            found: count + 1,
        };
        let mut text = String::with_capacity(name.len() + tags_text.len());
        if scanned.first_dot_or_underscore < name.len() {
            push_normalized_ascii_name(&mut text, name);
        } else {
            text.push_str(name);
        }
        let name_len = text.len();
        text.push_str(tags_text);
        if scanned.upper {
            text.make_ascii_lowercase();
        }
        let python_at = u32::try_from(name_len).map_err(|_| too_long())?;
        let abi_at = u32::try_from(name_len + py_len + 1).map_err(|_| too_long())?;
        let platform_at = u32::try_from(name_len + py_len + abi_len + 2).map_err(|_| too_long())?;
        Ok(WheelFilename {
            text: text.into_boxed_str(),
            version: parsed_version,
            build_tag,
            python_at,
            abi_at,
            platform_at,
        })
    }

    /// Parses the wheel file name at the end of a URL: drops any `?query` and `#fragment`,
    /// takes the last `/`-separated path segment and percent-decodes it, e.g.
    /// `https://download.pytorch.org/whl/cpu/torch-2.4.1%2Bcpu-cp312-cp312-linux_x86_64.whl`.
    pub fn parse_url_basename(url: &str) -> Result<WheelFilename, WheelFilenameError> {
        Self::parse_url_basename_with(url, None)
    }

    /// [`parse_url_basename`](Self::parse_url_basename) with a known version (see
    /// [`parse_with`](Self::parse_with)).
    pub fn parse_url_basename_with(
        url: &str,
        known: Option<(&str, &Version)>,
    ) -> Result<WheelFilename, WheelFilenameError> {
        let basename = url_basename(url);
        if basename.is_empty() {
            return Err(WheelFilenameError::NoFileNameInUrl {
                url: url.to_string(),
            });
        }
        WheelFilename::parse_with(basename, known)
    }

    /// [`parse_url_basename_with`](Self::parse_url_basename_with) for a wheel of the package
    /// whose normalised name is `name`: the same result, but when the file name starts with that
    /// name as wheels write it (`-` as `_`), then `-`, the known version's text and `-` (as nearly
    /// every wheel of a lock does), only the rest of it is scanned.
    pub fn parse_url_basename_for(
        url: &str,
        name: &str,
        known: Option<(&str, &Version)>,
    ) -> Result<WheelFilename, WheelFilenameError> {
        if let Some(filename) = Self::parse_known_prefix(url_basename(url), name, known) {
            return Ok(filename);
        }
        Self::parse_url_basename_with(url, known)
    }

    /// The file name `filename` when it is `{name}-{version}-{python}-{abi}-{platform}.whl` with
    /// `name` and the version's text as known (see [`parse_url_basename_for`]
    /// (Self::parse_url_basename_for)) and the tags valid; `None` for anything else (which
    /// [`parse_with`](Self::parse_with) then reads, or refuses).
    ///
    /// It is what `parse_with` returns: the name part, `name` with `_` for `-` (lower-case
    /// letters, digits and single `-` only), has no byte that needs decoding, lower-casing,
    /// checking or more than the `_`-to-`-` normalisation, which gives `name` back; the version's
    /// text has no `-` or `%`, so the dashes that end it and the name are the first two; the
    /// rest, from that second dash on, is scanned as `parse_with` scans the whole name.
    fn parse_known_prefix(
        filename: &str,
        name: &str,
        known: Option<(&str, &Version)>,
    ) -> Option<WheelFilename> {
        let (version_text, version) = known?;
        let bytes = filename.as_bytes();
        let name_len = name.len();
        let version_end = name_len + 1 + version_text.len();
        let head = bytes.get(..version_end + 1)?;
        let mut previous_dash = true;
        for (&b, &n) in head.iter().zip(name.as_bytes()) {
            let dash = n == b'-';
            if dash {
                if previous_dash || b != b'_' {
                    return None;
                }
            } else if b != n || !(n.is_ascii_lowercase() || n.is_ascii_digit()) {
                return None;
            }
            previous_dash = dash;
        }
        if name_len == 0
            || head[name_len] != b'-'
            || &head[name_len + 1..version_end] != version_text.as_bytes()
            || head[version_end] != b'-'
            || version_text.bytes().any(|b| b == b'-' || b == b'%')
        {
            return None;
        }
        // from the dash before the python tags on: `-{python}-{abi}-{platform}.whl`
        let tail = filename.get(version_end..)?;
        let stem = tail.strip_suffix(".whl")?;
        let ([_, abi_dash, platform_dash], upper) = scan_tail(tail.as_bytes())?;
        let tags_text = stem.get(1..)?;
        let py_len = abi_dash - 1;
        let abi_len = platform_dash - abi_dash - 1;
        let mut text = String::with_capacity(name_len + tags_text.len());
        text.push_str(name);
        text.push_str(tags_text);
        if upper {
            text.make_ascii_lowercase();
        }
        let python_at = u32::try_from(name_len).ok()?;
        let abi_at = u32::try_from(name_len + py_len + 1).ok()?;
        let platform_at = u32::try_from(name_len + py_len + abi_len + 2).ok()?;
        Some(WheelFilename {
            text: text.into_boxed_str(),
            version: version.clone(),
            build_tag: None,
            python_at,
            abi_at,
            platform_at,
        })
    }

    /// The PEP 503-normalised distribution name, e.g. `pydantic-core`.
    pub fn name(&self) -> &str {
        self.text.get(..self.python_at as usize).unwrap_or_default()
    }

    /// The version.
    pub fn version(&self) -> &Version {
        &self.version
    }

    /// The optional build tag.
    pub fn build_tag(&self) -> Option<&BuildTag> {
        self.build_tag.as_deref()
    }

    /// The (lower-cased) python tags, e.g. `py2.py3`.
    pub fn python_tags(&self) -> TagSet<'_> {
        TagSet(
            self.text
                .get(self.python_at as usize..self.abi_at as usize - 1)
                .unwrap_or_default(),
        )
    }

    /// The (lower-cased) ABI tags, e.g. `cp312` or `abi3`.
    pub fn abi_tags(&self) -> TagSet<'_> {
        TagSet(
            self.text
                .get(self.abi_at as usize..self.platform_at as usize - 1)
                .unwrap_or_default(),
        )
    }

    /// The (lower-cased) platform tags, e.g. `manylinux_2_17_x86_64.manylinux2014_x86_64`.
    pub fn platform_tags(&self) -> TagSet<'_> {
        TagSet(
            self.text
                .get(self.platform_at as usize..)
                .unwrap_or_default(),
        )
    }

    /// `true` if every platform tag is `any` (a platform-independent wheel).
    pub fn is_pure(&self) -> bool {
        self.platform_tags().iter().all(|p| p == "any")
    }

    /// Every `(python, abi, platform)` triple the (possibly compressed) tag sets expand to,
    /// in file-name order (python outermost, platform innermost).
    pub fn tag_triples(&self) -> impl Iterator<Item = (&str, &str, &str)> + '_ {
        self.python_tags().iter().flat_map(move |py| {
            self.abi_tags()
                .iter()
                .flat_map(move |abi| self.platform_tags().iter().map(move |plat| (py, abi, plat)))
        })
    }
}

impl FromStr for WheelFilename {
    type Err = WheelFilenameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WheelFilename::parse(s)
    }
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.name().replace('-', "_"), self.version)?;
        if let Some(build) = &self.build_tag {
            write!(f, "-{build}")?;
        }
        let tags = self.text.get(self.python_at as usize..).unwrap_or_default();
        write!(f, "-{tags}.whl")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`scan`] as plain byte loops, one fact at a time.
    fn scan_by_loops(bytes: &[u8]) -> Scan {
        let len = bytes.len();
        let dashes: Vec<usize> = (0..len).filter(|&i| bytes[i] == b'-').collect();
        let mut first = [0; 5];
        for (slot, &d) in first.iter_mut().zip(&dashes) {
            *slot = d;
        }
        let other = |b: u8| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        let sep = |b: u8| matches!(b, b'-' | b'.');
        Scan {
            dashes: first,
            count: dashes.len(),
            percent: bytes.contains(&b'%'),
            first_other: (0..len).find(|&i| other(bytes[i])).unwrap_or(len),
            last_other: (0..len).rev().find(|&i| other(bytes[i])),
            upper: bytes.iter().any(u8::is_ascii_uppercase),
            first_dot_or_underscore: (0..len)
                .find(|&i| matches!(bytes[i], b'.' | b'_'))
                .unwrap_or(len),
            last_double_separator: (1..len).rev().find(|&i| sep(bytes[i - 1]) && sep(bytes[i])),
        }
    }

    #[test]
    fn scan_finds_what_byte_loops_find() {
        // every length up to 24, two bytes of interest (ASCII or not) at each pair of positions
        let interesting = [
            b'-', b'%', b'.', b'_', b'a', b'Z', b'0', b'+', 0x2c, 0x7f, 0x80, 0xad, 0xff, 0,
        ];
        for len in 0..24 {
            for at in 0..len {
                for next in at..len {
                    for &b in &interesting {
                        for &c in &[b'-', b'.', b'A', b'%', 0xc3] {
                            for fill in [b'-', b'x', b'.', 0xac] {
                                let mut bytes = vec![fill; len];
                                bytes[at] = b;
                                bytes[next] = c;
                                assert_eq!(scan(&bytes), scan_by_loops(&bytes), "{bytes:?}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn known_prefix_reads_what_parse_with_reads() {
        let names = [
            "abc", "a-b", "a--b", "-a", "a-", "", "a-b-c", "a.b", "A-b", "ab1",
        ];
        let name_parts = [
            "abc", "a_b", "a-b", "A_b", "a.b", "a__b", "a%5Fb", "ab1", "a_b_c", "_a", "a_", "",
        ];
        let versions = [
            "1.0",
            "1.0-1",
            "1%2B0",
            "1.0+cpu",
            "1.0RC1",
            "1.0.post1",
            "x",
            "",
        ];
        let tails = [
            "-py3-none-any.whl",
            "-1-py3-none-any.whl",
            "-1a-py3-none-any.whl",
            "-py3--any.whl",
            "-py3-none-any..whl",
            "-py3-none-.whl",
            "-py3-none-Any.whl",
            "-PY2.py3-none-any.whl",
            "-py3-none-any.WHL",
            "-py3-none-a%20y.whl",
            "-py3-none-any",
            "-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "-.py3-none-any.whl",
            "-py3-none-any.whl?x=1",
            "-py3-none-a+y.whl",
            "-py3-none-any-x.whl",
            "-py3-none.whl",
            "-py3.-none-any.whl",
            "-py3-none-any.whl#frag",
        ];
        for name in names {
            for part in name_parts {
                for known_text in versions {
                    let known = Version::from_str(known_text).ok();
                    for written in versions {
                        for tail in tails {
                            let file = format!("{part}-{written}{tail}");
                            for url in [file.clone(), format!("https://h/p/{file}")] {
                                let k = known.as_ref().map(|v| (known_text, v));
                                let general = WheelFilename::parse_url_basename_with(&url, k);
                                let fast = WheelFilename::parse_url_basename_for(&url, name, k);
                                assert_eq!(fast, general, "{url} for {name} {known_text}");
                                if let (Ok(f), Ok(g)) = (&fast, &general) {
                                    assert_eq!(f.to_string(), g.to_string());
                                    assert_eq!(f.name(), g.name());
                                    assert_eq!(f.python_tags(), g.python_tags());
                                    assert_eq!(f.abi_tags(), g.abi_tags());
                                    assert_eq!(f.platform_tags(), g.platform_tags());
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn known_prefix_reads_lock_wheels() {
        let v = Version::from_str("2.0.1").unwrap();
        for (file, name) in [
            (
                "pydantic_core-2.0.1-cp312-cp312-manylinux_2_17_x86_64.whl",
                "pydantic-core",
            ),
            ("abc-2.0.1-py2.PY3-none-any.whl", "abc"),
        ] {
            let fast = WheelFilename::parse_known_prefix(file, name, Some(("2.0.1", &v)));
            assert_eq!(fast, Some(WheelFilename::parse(file).unwrap()), "{file}");
        }
    }

    #[test]
    fn scan_reads_a_file_name() {
        let s = scan(b"Pydantic_core-2.0-cp312-abi3-manylinux_2_17.x86_64.whl");
        assert_eq!(s.dashes, [13, 17, 23, 28, 0]);
        assert_eq!(s.count, 4);
        assert!(s.upper && !s.percent);
        assert_eq!(s.first_other, 54);
        assert_eq!(s.first_dot_or_underscore, 8);
        assert_eq!(s.last_double_separator, None);
    }
}
