//! Escaping of string literals, identifiers and paths.
//!
//! The rules follow the Nix lexer (`src/libexpr/lexer.l`), checked against `nix-instantiate --eval` by the
//! crate's tests:
//!
//! * In `"…"` strings, `\` starts an escape (`\n`, `\r`, `\t`, otherwise the next character itself), `"` ends the
//!   string and `${` starts an interpolation. A `$` that is not followed by `{` is literal, so `$$` and a trailing
//!   `$` need no escape; `$${` lexes as `$$` + `{`, i.e. the literal text `$${` (no interpolation), but we never rely on that and always
//!   write `\${` for a `$` that is followed by `{`. A literal carriage return would be normalised to a newline by
//!   the lexer, so it is written `\r`; newline and tab are written `\n` and `\t` for readability. Every other
//!   character, including other control characters and any Unicode, is written as is. NUL cannot be represented
//!   (the lexer works on C strings) and is an error.
//! * In `''…''` strings, `''` is written `'''`, `${` is written `''${`, and a carriage return `''\r`; see
//!   [`indented_string_lines`] for when an indented string is used at all.

use crate::PrintError;

/// Nix keywords that can never be bare identifiers or bare attribute names.
/// (`__curPos` is a token of its own in the Nix lexer, so it is treated like a keyword.)
pub const KEYWORDS: &[&str] = &[
    "assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with", "__curPos",
];

/// Whether `s` is a valid Nix identifier (`[a-zA-Z_][a-zA-Z0-9_'-]*`) that is not a keyword.
pub fn is_identifier(s: &str) -> bool {
    // Every allowed character is ASCII, so bytes will do: any byte of a non-ASCII character is
    // >= 0x80 and rejected.
    let mut bytes = s.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {}
        _ => return false,
    }
    bytes.all(|b| IDENTIFIER_REST[usize::from(b)]) && !is_keyword(s)
}

/// Whether `s` is one of [`KEYWORDS`] (a `match`, which tells most names apart by their length
/// alone; `is_keyword_is_keywords` checks it lists the same words).
fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "assert"
            | "else"
            | "if"
            | "in"
            | "inherit"
            | "let"
            | "or"
            | "rec"
            | "then"
            | "with"
            | "__curPos"
    )
}

/// The bytes an identifier may have after its first: `[a-zA-Z0-9_'-]`.
const IDENTIFIER_REST: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'\'' | b'-');
        b += 1;
    }
    t
};

fn check_nul(s: &str, context: &'static str) -> Result<(), PrintError> {
    match s.find('\0') {
        Some(offset) => Err(PrintError::Nul { context, offset }),
        None => Ok(()),
    }
}

/// Escape `s` as the contents of a `"…"` Nix string literal (without the surrounding quotes).
///
/// The literal `"` + result + `"` evaluates in Nix to exactly `s`. Errors on NUL.
pub fn escape_string(s: &str) -> Result<String, PrintError> {
    escape_string_in(s, "string literal")
}

pub(crate) fn escape_string_in(s: &str, context: &'static str) -> Result<String, PrintError> {
    let mut out = String::with_capacity(s.len() + 2);
    escape_string_into(&mut out, s, context)?;
    Ok(out)
}

/// What `b` is written as inside a `"…"` literal when not as itself (`$` only before `{`; a NUL
/// is refused, see [`escape_string_into`]).
const fn escaped(b: u8) -> Option<&'static str> {
    match b {
        b'\\' => Some("\\\\"),
        b'"' => Some("\\\""),
        b'\n' => Some("\\n"),
        b'\r' => Some("\\r"),
        b'\t' => Some("\\t"),
        b'$' => Some("\\$"),
        _ => None,
    }
}

/// The bytes [`escape_string_into`] stops at: those [`escaped`] names, and NUL.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b == 0 || escaped(b as u8).is_some();
        b += 1;
    }
    t
};

/// Append the escaped contents of a `"…"` literal for `s` to `out` (see [`escape_string`]).
///
/// Only a few ASCII bytes need an escape, so the text between them is copied in runs. On error
/// (NUL) `out` may hold part of the text.
pub(crate) fn escape_string_into(
    out: &mut String,
    s: &str,
    context: &'static str,
) -> Result<(), PrintError> {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // eight bytes at a time past text without a special byte (most strings have none)
        let end = match bytes.get(i..i + 8) {
            Some(chunk) => {
                let mut word = [0; 8];
                word.copy_from_slice(chunk);
                if !may_be_special(u64::from_le_bytes(word)) {
                    i += 8;
                    continue;
                }
                i + 8
            }
            None => bytes.len(),
        };
        while i < end {
            let b = bytes[i];
            i += 1;
            if !SPECIAL[usize::from(b)] {
                continue;
            }
            if b == 0 {
                return Err(PrintError::Nul {
                    context,
                    offset: i - 1,
                });
            }
            let Some(with) = escaped(b) else { continue };
            if b == b'$' && bytes.get(i) != Some(&b'{') {
                continue;
            }
            // `i - 1` is the index of an ASCII byte, hence a char boundary (UTF-8 continuation
            // and lead bytes are never ASCII): these slices cannot split a character.
            out.push_str(&s[start..i - 1]);
            out.push_str(with);
            start = i;
        }
    }
    out.push_str(&s[start..]);
    Ok(())
}

/// Whether one of the eight bytes of `w` may be [`SPECIAL`]: one below 0x20 (NUL, `\t`, `\n`,
/// `\r` and other controls), `"`, `$` or `\\`. Never false for a word that has one.
fn may_be_special(w: u64) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // the high bit of each byte of `x` below `n` (n <= 0x80), and maybe of bytes after one
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let zero = |x: u64| below(x, 1);
    (below(w, 0x20)
        | zero(w ^ (ONES * u64::from(b'"')))
        | zero(w ^ (ONES * u64::from(b'$')))
        | zero(w ^ (ONES * u64::from(b'\\'))))
        != 0
}

/// Quote `s` as a complete `"…"` literal.
pub fn quote_string(s: &str) -> Result<String, PrintError> {
    let mut out = String::with_capacity(s.len() + 2);
    quote_string_into(&mut out, s, "string literal")?;
    Ok(out)
}

/// Append `s` as a complete `"…"` literal to `out`.
pub(crate) fn quote_string_into(
    out: &mut String,
    s: &str,
    context: &'static str,
) -> Result<(), PrintError> {
    out.push('"');
    escape_string_into(out, s, context)?;
    out.push('"');
    Ok(())
}

/// Escape one line of an indented string (the text between line breaks, without the indentation).
///
/// `''` becomes `'''`, `${` becomes `''${`, a carriage return becomes `''\r`. A lone `'` is written as is,
/// except where the text after it starts with `'` (one of those escapes, or the closing `''` when this is the
/// very end of the string, `last`): the lexer takes the longest match, so `'` + `''${` would lex as `'''` + `${`;
/// there it is written as the interpolation `${"'"}` (Nix's own escape `''\'` is misparsed by rnix 0.10, which
/// alejandra uses, when another `''` follows). A `$` is written as is, except where the text after it starts
/// with `{` or `${` (`$${` is plain text to the lexer), where it is written `''$`.
///
/// Each character's form depends on the form of the text after it, so the line is encoded from right to left
/// (encoding left to right and patching missed chains such as `$'$'` + CR, found by cargo fuzz).
fn escape_indented_line(line: &str, last: bool) -> String {
    enum Tok {
        QuotePair,
        Quote,
        Dollar,
        Cr,
        Other(char),
    }
    let chars: Vec<char> = line.chars().collect();
    let mut toks = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let tok = match chars[i] {
            '\'' if chars.get(i + 1) == Some(&'\'') => {
                i += 1;
                Tok::QuotePair
            }
            '\'' => Tok::Quote,
            '$' => Tok::Dollar,
            '\r' => Tok::Cr,
            c => Tok::Other(c),
        };
        toks.push(tok);
        i += 1;
    }
    // The encodings, right to left, and the first two characters of the text after the current token.
    let mut encoded: Vec<std::borrow::Cow<'static, str>> = Vec::with_capacity(toks.len());
    let mut ahead: Vec<char> = if last { vec!['\'', '\''] } else { Vec::new() };
    for tok in toks.iter().rev() {
        let enc: std::borrow::Cow<'static, str> = match tok {
            Tok::QuotePair => "'''".into(),
            Tok::Cr => "''\\r".into(),
            Tok::Other(c) => c.to_string().into(),
            Tok::Dollar => {
                if ahead.first() == Some(&'{') || ahead.starts_with(&['$', '{']) {
                    "''$".into()
                } else {
                    "$".into()
                }
            }
            Tok::Quote => {
                if ahead.first() == Some(&'\'') {
                    "${\"'\"}".into()
                } else {
                    "'".into()
                }
            }
        };
        let mut next_ahead: Vec<char> = enc.chars().take(2).collect();
        let room = 2 - next_ahead.len();
        next_ahead.extend(ahead.iter().take(room));
        ahead = next_ahead;
        encoded.push(enc);
    }
    let mut out = String::with_capacity(line.len() + 2);
    for enc in encoded.iter().rev() {
        out.push_str(enc);
    }
    out
}

/// Split `s` into the escaped lines of an indented string, or `None` when an indented string cannot represent
/// `s` faithfully with the printer's layout (then a `"…"` literal is used instead).
///
/// The printer writes `''`, a newline, every line of `s` indented by the same prefix (empty lines stay empty),
/// and the closing `''` on its own line when `s` ends with a newline, otherwise right after the last line. Nix
/// strips the smallest indentation of the non-blank lines and drops a final blank line; alejandra re-indents by
/// the smallest indentation of the non-blank lines and trims trailing whitespace. So this is faithful iff `s`
/// contains a newline, some line starts with a non-whitespace character (so the common prefix is exactly the
/// printer's, for Nix and alejandra alike) and no line ends with whitespace. NUL is an error.
///
/// Returns the escaped lines and whether the string ends with a newline.
pub fn indented_string_lines(s: &str) -> Result<Option<(Vec<String>, bool)>, PrintError> {
    check_nul(s, "indented string")?;
    if !s.contains('\n') {
        return Ok(None);
    }
    let (body, trailing_newline) = match s.strip_suffix('\n') {
        Some(b) => (b, true),
        None => (s, false),
    };
    let lines: Vec<&str> = body.split('\n').collect();
    let mut anchored = false;
    for line in &lines {
        if line.ends_with(char::is_whitespace) {
            return Ok(None);
        }
        if line.starts_with(|c: char| !c.is_whitespace()) {
            anchored = true;
        }
    }
    if !anchored {
        return Ok(None);
    }
    let n = lines.len();
    Ok(Some((
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| escape_indented_line(l, i + 1 == n && !trailing_newline))
            .collect(),
        trailing_newline,
    )))
}

/// Escape `s` as a complete indented string `''…''` that starts on a line indented by `indent` spaces: the text
/// lines are indented by `indent + 2` spaces and a closing `''` on its own line by `indent` (alejandra's layout).
/// Returns `None` when `s` is better printed as a `"…"` literal (see [`indented_string_lines`]).
pub fn escape_indented_string(s: &str, indent: usize) -> Result<Option<String>, PrintError> {
    let Some((lines, trailing_newline)) = indented_string_lines(s)? else {
        return Ok(None);
    };
    let pad = " ".repeat(indent + 2);
    let mut out = String::from("''");
    for line in &lines {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    if trailing_newline {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push_str("''");
    Ok(Some(out))
}

/// Whether `p` can be printed as a Nix path literal: `./`, `../` or `/` followed by components made of
/// `[a-zA-Z0-9._+-]`, no empty component, no trailing slash.
pub fn is_path_literal(p: &str) -> bool {
    let rest = if let Some(r) = p.strip_prefix("./") {
        r
    } else if let Some(r) = p.strip_prefix("../") {
        r
    } else if let Some(r) = p.strip_prefix('/') {
        r
    } else {
        return false;
    };
    !rest.is_empty()
        && rest.split('/').all(|c| {
            !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '+' | '-'))
        })
}

/// How a path is printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathForm {
    /// A path literal, printed as is (`./foo/bar`, `../x`, `/nix/store`).
    Literal(String),
    /// `base + "rest"`: `base` is `./.` (relative) or `/.` (absolute) and `rest` starts with `/`. Nix canonicalises
    /// the concatenation to the same path the literal would denote.
    Concat {
        /// `./.` or `/.`
        base: &'static str,
        /// The remainder, starting with `/` (escaped when printed as a string literal).
        rest: String,
    },
}

/// Decide how to print a path: a literal when [`is_path_literal`], otherwise `./. + "/rest"` for a relative path
/// (`./x`, `../x`, `.`, `..`) and `/. + "/rest"` for an absolute one. Errors on NUL and on paths that start with
/// none of `./`, `../`, `/`.
pub fn path_form(p: &str) -> Result<PathForm, PrintError> {
    check_nul(p, "path")?;
    if is_path_literal(p) {
        return Ok(PathForm::Literal(p.to_owned()));
    }
    if p == "." || p == "./" {
        return Ok(PathForm::Literal("./.".to_owned()));
    }
    if let Some(rest) = p.strip_prefix("./") {
        return Ok(PathForm::Concat {
            base: "./.",
            rest: format!("/{rest}"),
        });
    }
    if p.starts_with("../") || p == ".." {
        return Ok(PathForm::Concat {
            base: "./.",
            rest: format!("/{p}"),
        });
    }
    if p == "/" {
        return Ok(PathForm::Literal("/.".to_owned()));
    }
    if let Some(rest) = p.strip_prefix('/') {
        return Ok(PathForm::Concat {
            base: "/.",
            rest: format!("/{rest}"),
        });
    }
    Err(PrintError::InvalidPath { path: p.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn may_be_special_finds_every_special_byte_anywhere() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut word = [b'a'; 8];
                word[at] = b;
                let flagged = may_be_special(u64::from_le_bytes(word));
                let special = b < 0x20 || matches!(b, b'"' | b'$' | b'\\');
                assert_eq!(flagged, special, "byte {b:#x} at {at}");
            }
        }
    }

    #[test]
    fn is_keyword_is_keywords() {
        for k in KEYWORDS {
            assert!(is_keyword(k));
        }
        assert!(!is_keyword("src") && !is_keyword("iff"));
    }
}
