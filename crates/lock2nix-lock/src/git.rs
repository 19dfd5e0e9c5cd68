//! Decoding uv's git source URLs.

use percent_encoding::percent_decode_str;

use crate::model::{GitReference, GitSource};

/// Decode `https://host/repo?subdirectory=..&path=..&lfs=true&rev=..#<commit>`.
///
/// Query values are form-encoded and percent-decoded here; unknown query keys are ignored; the
/// fragment must be a full 40-digit commit; a `rev` that is itself a full commit must equal it.
pub fn parse_git_source(raw: &str) -> Result<GitSource, String> {
    let (before_fragment, fragment) = raw
        .split_once('#')
        .ok_or_else(|| "missing the `#<commit>` fragment with the resolved commit".to_string())?;
    if fragment.is_empty() {
        return Err("the `#<commit>` fragment is empty".to_string());
    }
    if !is_full_sha(fragment) {
        return Err(format!(
            "the fragment `{}` is not a full 40-digit hexadecimal commit",
            crate::error::quote(fragment).trim_matches('"')
        ));
    }
    let commit = fragment.to_ascii_lowercase();
    let (repository, query) = match before_fragment.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (before_fragment, None),
    };
    if repository.is_empty() {
        return Err("the repository URL is empty".to_string());
    }
    if !repository.contains("://") && !repository.starts_with("git@") {
        return Err(
            "the repository is not a URL (expected e.g. `https://host/owner/repo`)".to_string(),
        );
    }
    let mut subdirectory = None;
    let mut path = None;
    let mut lfs = false;
    let mut reference = GitReference::DefaultBranch;
    if let Some(query) = query {
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode_form(value)?;
            match key {
                "subdirectory" => subdirectory = Some(value),
                "path" => path = Some(value),
                "lfs" => lfs = value == "true",
                "rev" => reference = GitReference::Rev(value),
                "tag" => reference = GitReference::Tag(value),
                "branch" => reference = GitReference::Branch(value),
                _ => {}
            }
        }
    }
    if let GitReference::Rev(rev) = &reference {
        if is_full_sha(rev) && !rev.eq_ignore_ascii_case(&commit) {
            return Err(format!(
                "`rev={rev}` is a full commit but differs from the locked commit {commit}"
            ));
        }
    }
    Ok(GitSource {
        raw: raw.to_string(),
        repository: repository.to_string(),
        reference,
        subdirectory,
        path,
        lfs,
        commit,
    })
}

fn decode_form(value: &str) -> Result<String, String> {
    let plus_fixed = value.replace('+', " ");
    percent_decode_str(&plus_fixed)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| format!("query value `{value}` is not UTF-8 after percent-decoding"))
}

fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "f94a429e17b450ac2d3432f46492416ac2cf58ad";

    #[test]
    fn decodes_the_documented_forms() {
        let g =
            parse_git_source(&format!("https://github.com/pypa/pip.git?tag=20.3.1#{SHA}")).unwrap();
        assert_eq!(g.repository, "https://github.com/pypa/pip.git");
        assert_eq!(g.reference, GitReference::Tag("20.3.1".into()));
        assert_eq!(g.commit, SHA);

        let g = parse_git_source(&format!(
            "https://github.com/pypa/hatch.git?subdirectory=backend&lfs=true&rev=hatchling-v1.27.0#{SHA}"
        ))
        .unwrap();
        assert_eq!(g.subdirectory.as_deref(), Some("backend"));
        assert!(g.lfs);
        assert_eq!(g.reference, GitReference::Rev("hatchling-v1.27.0".into()));

        let g = parse_git_source(&format!(
            "https://h/r?branch=feature%2Fx&path=dist%2Fa+b.tar.gz&unknown=1#{SHA}"
        ))
        .unwrap();
        assert_eq!(g.reference, GitReference::Branch("feature/x".into()));
        assert_eq!(g.path.as_deref(), Some("dist/a b.tar.gz"));
        let g = parse_git_source(&format!("https://h/r#{SHA}")).unwrap();
        assert_eq!(g.reference, GitReference::DefaultBranch);
    }

    #[test]
    fn rejects_bad_fragments_and_mismatched_revs() {
        assert!(parse_git_source("https://h/r")
            .unwrap_err()
            .contains("missing"));
        assert!(parse_git_source("https://h/r#")
            .unwrap_err()
            .contains("empty"));
        assert!(parse_git_source("https://h/r#abc")
            .unwrap_err()
            .contains("40-digit"));
        let other = "0".repeat(40);
        assert!(parse_git_source(&format!("https://h/r?rev={other}#{SHA}"))
            .unwrap_err()
            .contains("differs"));
        assert!(parse_git_source(&format!("https://h/r?rev={SHA}#{SHA}")).is_ok());
    }
}
