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
    check_repository_url(repository)?;
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

/// The URL schemes a git repository may have: what uv writes after stripping `git+` (and what
/// `GIT_ALLOW_PROTOCOL` lets through when prefetching). `ext::`, `fd::` and other transports that
/// run programs are not among them.
pub const GIT_SCHEMES: [&str; 5] = ["https", "http", "ssh", "git", "file"];

/// Refuse a repository URL that could be taken for an option or another transport by `git` or a
/// Nix fetcher: it must be `SCHEME://…` with a scheme of [`GIT_SCHEMES`], or scp-like `git@host:path`,
/// contain no whitespace or control characters, and neither it, its host nor its path may start
/// with `-`.
pub fn check_repository_url(repository: &str) -> Result<(), String> {
    if repository.is_empty() {
        return Err("the repository URL is empty".to_string());
    }
    if let Some(c) = repository
        .chars()
        .find(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "the repository URL contains {}, which no git URL has",
            crate::error::quote(&c.to_string())
        ));
    }
    if repository.starts_with('-') {
        return Err(
            "the repository URL starts with `-`, so git would take it for an option".to_string(),
        );
    }
    if let Some((scheme, rest)) = repository.split_once("://") {
        if !GIT_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
            return Err(format!(
                "the repository URL's scheme `{}` is not one of {} (git transports such as `ext::` run programs)",
                crate::error::quote(scheme).trim_matches('"'),
                GIT_SCHEMES.join(", ")
            ));
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if scheme.eq_ignore_ascii_case("file") {
            if !authority.is_empty() && !authority.eq_ignore_ascii_case("localhost") {
                return Err("a file:// repository URL must be file:///path (no host)".to_string());
            }
        } else if host.is_empty() || host.starts_with('-') {
            return Err("the repository URL has no host, or one starting with `-`".to_string());
        }
        if path.starts_with('-') {
            return Err("the repository URL's path starts with `-`".to_string());
        }
        return Ok(());
    }
    // scp-like syntax, as uv writes for `git+ssh` with a user: git@host:owner/repo
    if let Some(rest) = repository.strip_prefix("git@") {
        if let Some((host, path)) = rest.split_once(':') {
            if !host.is_empty()
                && !host.starts_with('-')
                && !host.contains('/')
                && !path.is_empty()
                && !path.starts_with('-')
            {
                return Ok(());
            }
        }
        return Err("the repository is not `git@host:path`".to_string());
    }
    Err("the repository is not a URL (expected e.g. `https://host/owner/repo`)".to_string())
}

/// A repository that GitHub serves as commit archives (what `fetchFromGitHub` fetches).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GitHubRepo {
    /// The host, as the URL wrote it (`github.com`, or a GitHub Enterprise host).
    pub host: String,
    pub owner: String,
    /// The repository, without `.git`.
    pub repo: String,
}

/// The one rule for "is this repository on GitHub", used by prefetching and by the overlay so
/// that both agree on the fetcher (and so on the hash): `https://` (or `http://`) with a host of
/// `hosts` (case-insensitive), no user information, and a path of exactly `owner/repo` (optionally
/// `.git`, optionally a trailing `/`). Anything else, ssh URLs included, is fetched as a generic
/// git checkout, whose NAR hash can differ from GitHub's archive (`export-ignore`).
pub fn github_repo(url: &str, hosts: &[&str]) -> Option<GitHubRepo> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    if host.contains('@') || !hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return None;
    }
    let path = path.strip_suffix('/').unwrap_or(path);
    let (owner, repo) = path.split_once('/')?;
    let repo = repo.strip_suffix(".git").unwrap_or(repo);
    let ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && !s.starts_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    };
    (ok(owner) && ok(repo)).then(|| GitHubRepo {
        host: host.to_string(),
        owner: owner.to_string(),
        repo: repo.to_string(),
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

/// The key a git source's prefetched facts are recorded under (in the sidecar) and looked up
/// with (by the plan): `<url>#<commit>`, the URL without credentials (the sidecar is committed to
/// version control), the commit in lower case.
pub fn git_source_key(url: &str, commit: &str) -> String {
    format!(
        "{}#{}",
        crate::strip_url_credentials(url),
        commit.to_ascii_lowercase()
    )
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
    fn refuses_urls_git_could_take_for_options_or_transports() {
        for bad in [
            "--upload-pack=id > PWNED;://x",
            "-oProxyCommand=id",
            "ext::sh -c id",
            "ext::sh://x",
            "fd::3://x",
            "https://-oProxyCommand=id/x",
            "ssh://-oProxyCommand=id/x",
            "https://host/-x",
            "https://ho st/x",
            "https://host/x\nid",
            "git@-oProxyCommand=id:x",
            "git@host:-x",
            "git@host",
            "file://evil.example/x",
            "https:///x",
            "/srv/repo",
        ] {
            assert!(
                parse_git_source(&format!("{bad}#{SHA}")).is_err(),
                "accepted {bad:?}"
            );
        }
        for good in [
            "https://github.com/a/b.git",
            "http://git.example/a",
            "ssh://git@github.com/a/b",
            "git://git.example/a",
            "file:///srv/repo",
            "git@github.com:a/b.git",
        ] {
            assert!(parse_git_source(&format!("{good}#{SHA}")).is_ok(), "{good}");
        }
    }

    #[test]
    fn github_rule() {
        let hosts = ["github.com"];
        let g = github_repo("https://github.com/vsoch/oci-python.git", &hosts).unwrap();
        assert_eq!((g.owner.as_str(), g.repo.as_str()), ("vsoch", "oci-python"));
        assert!(github_repo("https://GitHub.com/a/b/", &hosts).is_some());
        for no in [
            "https://github.com/a/b/tree/x",
            "https://gitlab.com/a/b",
            "ssh://git@github.com/a/b",
            "git@github.com:a/b.git",
            "https://u@github.com/a/b",
            "https://github.com/a",
            "https://github.com/-a/b",
        ] {
            assert_eq!(github_repo(no, &hosts), None, "{no}");
        }
        assert!(github_repo("https://ghe.corp/a/b", &["ghe.corp"]).is_some());
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
