//! Credentials in URLs.

use std::borrow::Cow;

/// `url` without the credentials in its authority, for everything lock2nix writes (the overlay,
/// the prefetch sidecar, comments), since written files end up in world-readable places (the Nix
/// store, `.drv` files, version control):
///
/// - `http`, `https`, `git+https`, … (any scheme without `ssh` in it): the whole `user:password@`
///   goes, since a user name there is often a token (`https://<token>@github.com/…`);
/// - `ssh`, `git+ssh`, `ssh+git`: the user name stays (ssh needs it, e.g. `git@`, and it is no
///   secret) and the password goes: `ssh://git:pw@host/r` → `ssh://git@host/r`.
///
/// Text without `://` is returned as is. Messages show URLs with `***` instead
/// (`lock2nix_fetch::redact_url`), which keeps the hint that credentials were there.
pub fn strip_url_credentials(url: &str) -> Cow<'_, str> {
    // the common case, no `@` anywhere: nothing to strip
    if memchr::memchr(b'@', url.as_bytes()).is_none() {
        return Cow::Borrowed(url);
    }
    let Some(scheme_end) = url.find("://") else {
        return Cow::Borrowed(url);
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return Cow::Borrowed(url);
    };
    let userinfo = &rest[..at];
    let keep = if url[..scheme_end].to_ascii_lowercase().contains("ssh") {
        match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}@"),
            None => return Cow::Borrowed(url),
        }
    } else {
        String::new()
    };
    Cow::Owned(format!(
        "{}{keep}{}",
        &url[..authority_start],
        &rest[at + 1..]
    ))
}

#[cfg(test)]
mod tests {
    use super::strip_url_credentials as strip;
    use std::borrow::Cow;

    #[test]
    fn a_url_without_an_at_sign_is_borrowed_as_it_is() {
        for url in ["https://h/a-1.0.tar.gz", "no-scheme", "https://h/x?y=z"] {
            assert!(matches!(strip(url), Cow::Borrowed(u) if u == url), "{url}");
        }
        // with one, the full parse decides (and keeps what is not a credential)
        assert_eq!(
            strip("https://u:p@h/a-1.0.tar.gz"),
            "https://h/a-1.0.tar.gz"
        );
        assert_eq!(strip("ssh://git@h/r"), "ssh://git@h/r");
        assert_eq!(strip("https://h/x?y=@z"), "https://h/x?y=@z");
        assert_eq!(strip("no-scheme@h"), "no-scheme@h");
    }

    #[test]
    fn strips_what_is_secret() {
        for (from, to) in [
            ("https://user:pw@example.org/a/b", "https://example.org/a/b"),
            ("https://token@github.com/o/r", "https://github.com/o/r"),
            ("git+https://u:p@h/r.git", "git+https://h/r.git"),
            (
                "http://u:p@127.0.0.1:8080/x?y=@z",
                "http://127.0.0.1:8080/x?y=@z",
            ),
            ("https://a@b:c@host/x", "https://host/x"),
            ("ssh://git@github.com/o/r", "ssh://git@github.com/o/r"),
            ("ssh://git:secret@host/r", "ssh://git@host/r"),
            ("git+ssh://git:secret@host/r", "git+ssh://git@host/r"),
            ("https://example.org/a@b", "https://example.org/a@b"),
            ("https://example.org", "https://example.org"),
            ("file:///srv/repo", "file:///srv/repo"),
            ("not a url", "not a url"),
            ("git@github.com:o/r", "git@github.com:o/r"),
        ] {
            assert_eq!(strip(from), to, "{from}");
        }
    }
}
