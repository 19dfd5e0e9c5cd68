//! Input that `pep508_rs` 0.9.2 panics on, refused before it runs.
//!
//! Its marker parser measures the word after a complete expression in characters and slices
//! the text in bytes, so a non-ASCII character there (`'3'\u{feff} and …`, `… oré …`) panics
//! instead of failing. PEP 508 allows non-ASCII only inside quoted strings (names, operators and
//! whitespace are ASCII), so a marker with a non-ASCII character outside quotes is refused with a
//! typed error first. Package names and extras ending in `-`, `.` or `_` followed by more text
//! (`foo-[x]`, `foo- >=1`, `foo[test-]`) panic too ("… validation should match PEP 508 parsing":
//! its name scan and `PackageName`/`ExtraName` disagree).

/// The first non-ASCII character outside a `'…'` or `"…"` string of a PEP 508 marker.
fn non_ascii_outside_quotes(marker: &str) -> Option<char> {
    let mut quote: Option<char> = None;
    for c in marker.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if !c.is_ascii() => return Some(c),
            None => {}
        }
    }
    None
}

/// A PEP 508 requirement string cut before its marker: the text before the `;` and the marker
/// after it, or `None` without a marker. The `;` is the first one, or after a URL (`name @ url`,
/// and URLs may contain `;`) the first one after whitespace, as `pep508_rs` reads it: the text
/// before never holds a marker for it.
pub(crate) fn split_requirement(requirement: &str) -> Option<(&str, &str)> {
    let semi = requirement.find(';')?;
    let at = if requirement[..semi].contains('@') {
        requirement
            .char_indices()
            .zip(requirement.chars().skip(1))
            .find(|((_, c), next)| c.is_whitespace() && *next == ';')
            .map(|((i, c), _)| i + c.len_utf8())?
    } else {
        semi
    };
    Some((requirement.get(..at)?, requirement.get(at + 1..)?))
}

/// The marker of a PEP 508 requirement string (see [`split_requirement`]), or `None`.
fn requirement_marker(requirement: &str) -> Option<&str> {
    split_requirement(requirement).map(|(_, marker)| marker)
}

/// Why `marker` must not reach `pep508_rs`, as the end of an error message.
pub(crate) fn refuse_marker(marker: &str) -> Option<String> {
    non_ascii_outside_quotes(marker).map(|c| {
        format!(
            "non-ASCII character {c:?} outside a quoted string (a marker's names, operators and spaces are ASCII)"
        )
    })
}

/// A character of a name as `pep508_rs` scans it.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

fn ends_badly(name: &str) -> bool {
    name.ends_with(['-', '.', '_'])
}

/// The requirement's leading package name and the text after it.
fn split_name(requirement: &str) -> (&str, &str) {
    let rest = requirement.trim_start();
    let end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
    rest.split_at(end)
}

/// The last character of the requirement's leading package name when it is `.`, `-` or `_` and
/// more text follows, e.g. `foo-[x]` or `foo- >=1`.
fn name_with_bad_end(requirement: &str) -> Option<char> {
    let (name, rest) = split_name(requirement);
    (ends_badly(name) && !rest.is_empty())
        .then(|| name.chars().next_back())
        .flatten()
}

/// An extra of a requirement string's `[…]` that ends in `-`, `.` or `_` (`foo[test-]`).
fn extra_with_bad_end(requirement: &str) -> Option<&str> {
    let inner = split_name(requirement).1.trim_start().strip_prefix('[')?;
    let inner = inner.split(']').next().unwrap_or(inner);
    // every run of name characters (pep508_rs reads an extra as such a run, whatever follows):
    // in a valid list these are the extras, none of which ends badly
    inner
        .split(|c: char| !is_name_char(c))
        .find(|e| ends_badly(e))
}

/// Why the requirement string must not reach `pep508_rs`, as the end of an error message.
pub(crate) fn refuse_requirement(requirement: &str) -> Option<String> {
    if let Some(last) = name_with_bad_end(requirement) {
        return Some(format!(
            "a package name must end with a letter or digit, not `{last}`"
        ));
    }
    if let Some(extra) = extra_with_bad_end(requirement) {
        return Some(format!(
            "an extra name must end with a letter or digit, not `{extra}`"
        ));
    }
    requirement_marker(requirement).and_then(refuse_marker)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn finds_non_ascii_outside_quotes_only() {
        assert_eq!(non_ascii_outside_quotes("python_version > 'é'"), None);
        assert_eq!(non_ascii_outside_quotes("'é' == \"ü\""), None);
        assert_eq!(
            non_ascii_outside_quotes("python_version > '3'\u{feff} and os_name == 'nt'"),
            Some('\u{feff}')
        );
        assert_eq!(non_ascii_outside_quotes("a > '3' oré b"), Some('é'));
        // an unterminated quote swallows the rest: pep508_rs reports it
        assert_eq!(non_ascii_outside_quotes("a > 'é"), None);
    }

    #[test]
    fn finds_extras_that_end_badly() {
        for (req, bad) in [
            ("mixed-plugin[test-", Some("test-")),
            ("foo[a, b_]", Some("b_")),
            ("foo [x.] >=1", Some("x.")),
            ("foo[test]", None),
            ("d[eprecated. Use select.:x", Some("eprecated.")),
            ("foo[a,b]>=1; os_name == 'nt'", None),
            ("foo>=1", None),
        ] {
            assert_eq!(extra_with_bad_end(req), bad, "{req:?}");
        }
        // why: pep508_rs panics on the refused ones, and parses the others
        let parse = |req: &'static str| {
            std::panic::catch_unwind(|| {
                pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(req).is_ok()
            })
        };
        assert!(parse("d[eprecated. Use]").is_err());
        assert!(
            parse("foo[test-]").is_err(),
            "pep508_rs no longer panics: drop the guard"
        );
        for req in ["foo[test]", "foo[a,b]>=1", "foo[a, b] ; os_name == 'nt'"] {
            assert_eq!(parse(req).ok(), Some(true), "{req:?}");
        }
    }

    #[test]
    fn finds_the_marker_of_a_requirement() {
        assert_eq!(
            requirement_marker("foo>=1 ; os_name == 'nt'"),
            Some(" os_name == 'nt'")
        );
        assert_eq!(requirement_marker("foo>=1"), None);
        assert_eq!(
            requirement_marker("foo @ https://x/a;b.whl ; os_name == 'nt'"),
            Some(" os_name == 'nt'")
        );
        assert_eq!(requirement_marker("foo @ https://x/a;b.whl"), None);
    }

    /// What is refused is exactly what would panic or fail, on the inputs the fuzzer found and
    /// their neighbours; what is accepted parses.
    #[test]
    fn refused_markers_are_those_pep508_rs_panics_or_fails_on() {
        for m in [
            "python_version > '3'\u{feff} and os_name == 'nt'",
            "(python_version > '3')é",
            "python_version > '3' oré os_name == 'nt'",
            "python_versioné > '3'",
        ] {
            assert!(refuse_marker(m).is_some(), "{m:?}");
            // pep508_rs panics on these or rejects them
            let parsed = std::panic::catch_unwind(|| pep508_rs::MarkerTree::from_str(m).is_ok());
            assert_ne!(parsed.ok(), Some(true), "{m:?}");
        }
        assert!(
            std::panic::catch_unwind(|| pep508_rs::MarkerTree::from_str(
                "python_version > '3'\u{feff} and os_name == 'nt'"
            ))
            .is_err(),
            "pep508_rs no longer panics: drop the guard"
        );
        for m in [
            "python_version > 'é'",
            "'é' == python_version",
            "python_version > '3' and os_name == 'nt'",
        ] {
            assert!(refuse_marker(m).is_none(), "{m:?}");
            assert!(pep508_rs::MarkerTree::from_str(m).is_ok(), "{m:?}");
        }
    }
}
