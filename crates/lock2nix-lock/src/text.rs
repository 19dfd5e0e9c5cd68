//! Text from untrusted files shown on a terminal.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal (or a reviewer's eyes) raw: control characters (C0 but
/// newline and tab, DEL, C1: ESC starts terminal escape sequences, BEL rings, CR overwrites the
/// line), the Unicode bidirectional controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069:
/// "Trojan Source" reordering), and the line and paragraph separators U+2028/U+2029.
pub fn is_unsafe_for_display(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `s` with every character of [`is_unsafe_for_display`] written as `\u{…}`, for messages
/// printed to a terminal (errors, warnings, progress).
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_for_display) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe_for_display(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_act_on() {
        assert_eq!(terminal_safe("plain\ttext\nok"), "plain\ttext\nok");
        assert_eq!(
            terminal_safe("a\u{1b}[2Jb\u{7}c\rd\u{202e}e\u{85}f\u{2066}"),
            "a\\u{1b}[2Jb\\u{7}c\\u{d}d\\u{202e}e\\u{85}f\\u{2066}"
        );
        assert!(matches!(terminal_safe("é ü ✓"), Cow::Borrowed(_)));
    }
}
