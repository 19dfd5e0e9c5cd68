//! PEP 508 requirement strings from untrusted files (pyproject.toml, the prefetch sidecar, an
//! sdist's `[build-system] requires`): the guards of [`crate::pep508_guard`], `pep508_rs` for the
//! text before the marker, and the marker within limits ([`crate::bounded_marker`]).

use std::str::FromStr;

use pep508_rs::Requirement;

use crate::bounded_marker::{MarkerBudget, Refusal};
use crate::Limits;

/// Why a requirement string was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequirementError {
    /// Not a PEP 508 requirement, or over a limit of one marker; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// The markers of the file together exceed the per-file budget
    /// ([`Limits::max_marker_cost_per_file`]).
    #[error(
        "the markers of this file need more than {limit} steps together (far beyond any real file)"
    )]
    MarkerBudget {
        /// The budget.
        limit: u64,
    },
}

/// Reads the requirement strings of one file; their markers share the file's marker budget.
#[derive(Debug)]
pub struct RequirementReader {
    budget: MarkerBudget,
}

impl RequirementReader {
    /// A reader with `limits`' marker limits.
    pub fn new(limits: &Limits) -> Self {
        Self {
            budget: MarkerBudget::of(limits),
        }
    }

    /// Parse one PEP 508 requirement string.
    pub fn parse(&self, requirement: &str) -> Result<Requirement, RequirementError> {
        parse_requirement(requirement, &self.budget)
    }
}

/// Parse a PEP 508 requirement, its marker charged to `budget`.
pub(crate) fn parse_requirement(
    s: &str,
    budget: &MarkerBudget,
) -> Result<Requirement, RequirementError> {
    if let Some(message) = crate::pep508_guard::refuse_requirement(s) {
        return Err(RequirementError::Invalid(message));
    }
    let invalid = |e: pep508_rs::Pep508Error| {
        RequirementError::Invalid(crate::cursor::one_line(&e.message.to_string()))
    };
    // pep508_rs reads the marker after the first `;` (after a URL: the first `;` after
    // whitespace); it reads the text before, which holds no marker for it, and the marker is
    // read within the limits
    let Some((head, marker)) = crate::pep508_guard::split_requirement(s) else {
        return Requirement::from_str(s).map_err(invalid);
    };
    let mut requirement = Requirement::from_str(head).map_err(invalid)?;
    requirement.marker = crate::bounded_marker::parse(marker, budget).map_err(|r| match r {
        Refusal::Invalid(m) => RequirementError::Invalid(format!("invalid marker: {m}")),
        Refusal::Limit(m) => RequirementError::Invalid(format!("marker {m}; refused")),
        Refusal::FileBudget { limit } => RequirementError::MarkerBudget { limit },
    })?;
    Ok(requirement)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where pep508_rs can read the whole string, the result is the same.
    #[test]
    fn same_as_pep508_rs() {
        let reader = RequirementReader::new(&Limits::default());
        for s in [
            "foo",
            "foo>=1.0",
            "foo[bar,baz] >=1, <2 ; python_version >= '3.8' and os_name == 'nt'",
            "foo ; extra == 'test'",
            "foo @ https://example.org/foo-1.0-py3-none-any.whl ; sys_platform == 'linux'",
            "foo @ https://example.org/a;b/foo-1.0.tar.gz",
            "foo @ https://example.org/a;b/foo-1.0.tar.gz ; os_name == 'nt'",
            "foo;python_version<'3'",
            "foo (>=1.0) ; os_name == 'nt'",
        ] {
            let theirs = Requirement::<pep508_rs::VerbatimUrl>::from_str(s).unwrap();
            assert_eq!(reader.parse(s).unwrap(), theirs, "{s:?}");
        }
        for s in [
            "\"bar",
            "foo ; ",
            "foo ;; os_name == 'nt'",
            "foo >= ; os_name == 'nt'",
            "",
            "foo ; os_name = 'nt'",
        ] {
            assert!(reader.parse(s).is_err(), "{s:?}");
            assert!(
                Requirement::<pep508_rs::VerbatimUrl>::from_str(s).is_err(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn huge_markers_are_refused() {
        let terms: Vec<String> = (0..20_000).map(|i| format!("extra == 'e{i}'")).collect();
        let s = format!("foo ; {}", terms.join(" or "));
        let e = RequirementReader::new(&Limits::default())
            .parse(&s)
            .unwrap_err();
        assert!(e.to_string().contains("more than 10000 expressions"), "{e}");
    }
}

#[cfg(test)]
mod fuzz_found {
    use super::*;

    /// Found by the `sdist` fuzz target: pep508_rs sliced inside a multi-byte character.
    #[test]
    fn quotes_and_multibyte_characters_do_not_panic() {
        let r = format!(
            "ec ; extra == 'x{}''{}''\"\"\"\u{fffd}\u{fffd}\"\"\"\"\u{fffd}\u{fffd}\"\"\"\"\"'",
            "\"".repeat(45),
            "\"".repeat(55)
        );
        let reader = RequirementReader::new(&Limits::default());
        let _ = reader.parse(&r);
    }
}
