//! Where a derivation's `src` comes from: the fetcher, its arguments and hash, decided here and
//! only printed by the renderer.

use lock2nix_lock::{GitSource, Hash};
use lock2nix_resolve::Location;

use crate::facts::{Facts, GitFetcher};

/// A fixed-output hash, or its absence (the renderer writes `lib.fakeHash` and lists it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SrcHash {
    /// An SRI hash.
    Sri(String),
    /// Not known: the lock gives none (a file) or `lock2nix prefetch` has not recorded it (git).
    Missing,
}

impl SrcHash {
    fn of_file(hash: Option<&Hash>) -> SrcHash {
        hash.map_or(SrcHash::Missing, |h| SrcHash::Sri(h.to_sri()))
    }
}

/// A derivation's source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Src {
    /// `fetchurl { name?; url; hash; }`.
    Url {
        /// The store name, when Nix's default (the URL's last component) is not the file's name.
        name: Option<String>,
        /// The URL.
        url: String,
        /// The hash.
        hash: SrcHash,
    },
    /// `fetchFromGitHub { owner; repo; rev; hash; githubBase?; }`.
    GitHub {
        /// `githubBase` when it is not `github.com`.
        host: Option<String>,
        /// Owner.
        owner: String,
        /// Repository.
        repo: String,
        /// Full commit.
        rev: String,
        /// The hash.
        hash: SrcHash,
        /// The `<url>#<commit>` key the hash is recorded under.
        key: String,
    },
    /// `fetchgit { name?; url; rev; hash; }`.
    Git {
        /// The store name, when nixpkgs' default would not be a valid one.
        name: Option<String>,
        /// The repository URL.
        url: String,
        /// Full commit.
        rev: String,
        /// The hash.
        hash: SrcHash,
        /// The `<url>#<commit>` key the hash is recorded under.
        key: String,
    },
    /// A file in the project: `workspaceRoot + "/<path>"` (or `sourceRoot + …`).
    File {
        /// Relative to `base`, `/`-separated, without `..` when `base` is the source root.
        path: String,
        base: Base,
    },
    /// A directory of the project, copied to the store with the VCS/cache filter:
    /// `builtins.path { path = workspaceRoot + "/<path>"; name; filter = sourceFilter; }`.
    Tree {
        /// Relative to `base`, `/`-separated (`.` for the base itself).
        path: String,
        /// The store name (`<package>-source`).
        name: String,
        base: Base,
    },
}

/// What a project path is relative to in the overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Base {
    /// `workspaceRoot`: the lock's directory.
    #[default]
    Workspace,
    /// `sourceRoot`: the directory every local source is inside (a monorepo's root), for sources
    /// outside the lock's directory. A flake passes one input for it, and `workspaceRoot`
    /// follows.
    SourceRoot,
}

/// `rel` (relative to the lock's directory, as the lock writes it) seen from the source root,
/// when it leaves the lock's directory: `libs/app` + `../checkpoint` → `libs/checkpoint`. `None`
/// when it stays inside (or climbs above the source root, which loading the project refused).
pub fn outside_lock_dir(lock_dir: &str, rel: &str) -> Option<String> {
    let rel = rel.trim_start_matches("./");
    if !rel.starts_with("..") {
        return None;
    }
    let mut parts: Vec<&str> = lock_dir
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

impl Src {
    /// The hash, for fetched sources.
    pub fn hash(&self) -> Option<&SrcHash> {
        match self {
            Src::Url { hash, .. } | Src::GitHub { hash, .. } | Src::Git { hash, .. } => Some(hash),
            Src::File { .. } | Src::Tree { .. } => None,
        }
    }

    /// What the missing hash is called in messages (the URL, or the git `<url>#<commit>`).
    pub fn describe(&self) -> String {
        match self {
            Src::Url { url, .. } => url.clone(),
            Src::GitHub { key, .. } | Src::Git { key, .. } => key.clone(),
            Src::File { path, .. } | Src::Tree { path, .. } => path.clone(),
        }
    }

    /// A registry file (wheel or sdist).
    pub fn registry_file(location: &Location, hash: Option<&Hash>) -> Src {
        match location {
            Location::Url(url) => Src::url(url, hash),
            Location::Path(path) => Src::File {
                path: path.clone(),
                base: Base::Workspace,
            },
        }
    }

    /// `fetchurl` of a URL with the lock's hash.
    /// Credentials in the URL (`https://user:token@…`) are left out: the overlay is committed
    /// and its URLs reach world-readable `.drv` files (Nix's fetchers read `netrc` instead).
    pub fn url(url: &str, hash: Option<&Hash>) -> Src {
        let url = lock2nix_lock::strip_url_credentials(url);
        Src::Url {
            name: store_name_for_url(&url),
            url: url.into_owned(),
            hash: SrcHash::of_file(hash),
        }
    }

    /// A git source: the fetcher the sidecar recorded with its hash, else lock2nix's one GitHub
    /// rule ([`lock2nix_lock::github_repo`] with `github_hosts`).
    pub fn git(g: &GitSource, facts: &Facts, github_hosts: &[&str]) -> Src {
        let key = lock2nix_lock::git_source_key(&g.repository, &g.commit);
        let fact = facts.git.get(&key);
        let hash = fact.map_or(SrcHash::Missing, |f| SrcHash::Sri(f.hash.clone()));
        let github = match fact.map(|f| f.fetcher) {
            // recorded as a checkout: fetchgit, whatever the host (the hash is a checkout's)
            Some(GitFetcher::Git) => None,
            // recorded as an archive: it came from a GitHub host (the prefetcher's hosts may be
            // wider than the default; accept any host the URL names)
            Some(GitFetcher::GitHub) => url_host(&g.repository)
                .and_then(|host| lock2nix_lock::github_repo(&g.repository, &[host])),
            None => lock2nix_lock::github_repo(&g.repository, github_hosts),
        };
        match github {
            Some(gh) => Src::GitHub {
                host: (!gh.host.eq_ignore_ascii_case("github.com")).then_some(gh.host),
                owner: gh.owner,
                repo: gh.repo,
                rev: g.commit.clone(),
                hash,
                key,
            },
            None => Src::Git {
                name: (!git_default_name_ok(&g.repository, &g.commit))
                    .then(|| "source".to_string()),
                url: lock2nix_lock::strip_url_credentials(&g.repository).into_owned(),
                rev: g.commit.clone(),
                hash,
                key,
            },
        }
    }
}

fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// Characters Nix accepts in store names.
fn store_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '_' | '?' | '=')
}

/// [`store_char`] of every byte, as a table.
const STORE_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.' | b'_' | b'?' | b'=');
        b += 1;
    }
    t
};

/// The `name` to give `fetchurl` for `url`, when the default (Nix's `baseNameOf url`) is not the
/// file's name: the last path component without query and fragment, percent-decoded (installers
/// check wheel file names), with characters Nix store names reject replaced by `_`. `None` when
/// the default is already right.
pub fn store_name_for_url(url: &str) -> Option<String> {
    // The common case, decided without decoding or allocating: no query or fragment, and a last
    // component that is already a store name (no `%` either), so it is the default.
    let bytes = url.as_bytes();
    if memchr::memchr2(b'?', b'#', bytes).is_none() {
        let mut end = bytes.len();
        while end > 0 && bytes[end - 1] == b'/' {
            end -= 1;
        }
        let trimmed = &bytes[..end];
        let base = memchr::memrchr(b'/', trimmed).map_or(trimmed, |i| &trimmed[i + 1..]);
        // every byte looked up without a branch per byte (the loop unrolls)
        let all_store = base
            .iter()
            .fold(true, |ok, &b| ok & STORE_BYTES[usize::from(b)]);
        if all_store && !matches!(base, b"" | b"." | b"..") {
            return None;
        }
    }
    store_name_decoded(url)
}

/// [`store_name_for_url`] without its fast path.
fn store_name_decoded(url: &str) -> Option<String> {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let path = url.get(..end)?;
    let base = path.trim_end_matches('/').rsplit('/').next()?;
    let decoded = percent_encoding::percent_decode_str(base).decode_utf8_lossy();
    let mut name: String = decoded
        .chars()
        .map(|c| if store_char(c) { c } else { '_' })
        .collect();
    if name.is_empty() || name == "." || name == ".." {
        name = "source".to_string();
    }
    // what fetchurl derives without a name: baseNameOf of the whole URL
    let default = url.trim_end_matches('/').rsplit('/').next().unwrap_or(url);
    (name != default).then_some(name)
}

/// Whether nixpkgs' default `fetchgit` name for `url` at `rev` (the repository's base name
/// without `.git`, plus `-` and 7 characters of a hex commit) is a valid Nix store name.
fn git_default_name_ok(url: &str, rev: &str) -> bool {
    let base = url.trim_end_matches('/').rsplit('/').next().unwrap_or(url);
    let base = base.rsplit(':').next().unwrap_or(base);
    let base = base.strip_suffix(".git").unwrap_or(base);
    let short: String = rev.chars().take(7).collect();
    let name = format!("{base}-{short}");
    !base.is_empty() && name.len() <= 207 && name.chars().all(store_char)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::GitFact;

    const SHA: &str = "ceb4fcc090851717a3069d78e85ceb1e86c2740c";

    fn git(url: &str) -> GitSource {
        lock2nix_lock::parse_git_source(&format!("{url}#{SHA}")).unwrap()
    }

    #[test]
    fn store_name_fast_path_agrees_with_decoding() {
        for url in [
            "https://h/a-1.0.tar.gz",
            "https://h/dir/",
            "https://h/",
            "https://h/./",
            "https://h/..",
            "https://h/a%20b.whl",
            "https://h/a+b=c.whl",
            "https://h/a?b.whl",
            "https://h/é.whl",
            "file:///x/y.tar.gz",
            "a-1.0.whl",
            "a-1.0.whl/",
            "https://h/a:b.whl",
            "https://h/a\u{7f}.whl",
        ] {
            assert_eq!(store_name_for_url(url), store_name_decoded(url), "{url}");
        }
    }

    #[test]
    fn store_bytes_are_store_chars() {
        for b in 0..=255u8 {
            assert_eq!(
                STORE_BYTES[usize::from(b)],
                store_char(char::from(b)),
                "{b}"
            );
        }
    }

    #[test]
    fn store_names() {
        assert_eq!(store_name_for_url("https://h/a-1.0.tar.gz"), None);
        assert_eq!(
            store_name_for_url("https://h/foo%2Bbar-1.0.tar.gz"),
            Some("foo+bar-1.0.tar.gz".into())
        );
        assert_eq!(
            store_name_for_url("https://h/a-1.0.tar.gz#sha256=00"),
            Some("a-1.0.tar.gz".into())
        );
        assert_eq!(
            store_name_for_url("https://h/a b.whl"),
            Some("a_b.whl".into())
        );
    }

    /// The ssh form of a GitHub URL is fetched as a checkout by prefetch, so the overlay must
    /// use fetchgit too (issue 17: the two used to disagree, and the hashes with them).
    #[test]
    fn ssh_github_is_a_checkout_on_both_sides() {
        let facts = Facts::default();
        let hosts = ["github.com"];
        assert!(matches!(
            Src::git(
                &git("ssh://git@github.com/vsoch/oci-python"),
                &facts,
                &hosts
            ),
            Src::Git { .. }
        ));
        assert!(matches!(
            Src::git(&git("git@github.com:vsoch/oci-python.git"), &facts, &hosts),
            Src::Git { .. }
        ));
        assert!(matches!(
            Src::git(&git("https://github.com/vsoch/oci-python"), &facts, &hosts),
            Src::GitHub { .. }
        ));
    }

    #[test]
    fn the_recorded_fetcher_wins() {
        let url = "https://github.com/vsoch/oci-python";
        let key = format!("{url}#{SHA}");
        let mut facts = Facts::default();
        facts.git.insert(
            key.clone(),
            GitFact {
                hash: "sha256-Q6SJed0K6eIrqQ9mNAD4RGx+YCJvnI5E+0KGp5fBtTU=".into(),
                fetcher: GitFetcher::Git,
            },
        );
        let src = Src::git(&git(url), &facts, &["github.com"]);
        assert!(
            matches!(&src, Src::Git { hash: SrcHash::Sri(h), .. } if h.starts_with("sha256-")),
            "{src:?}"
        );
        // an archive recorded for a GitHub Enterprise host keeps its host
        let ghe = "https://ghe.corp/o/r";
        facts.git.insert(
            format!("{ghe}#{SHA}"),
            GitFact {
                hash: "sha256-Q6SJed0K6eIrqQ9mNAD4RGx+YCJvnI5E+0KGp5fBtTU=".into(),
                fetcher: GitFetcher::GitHub,
            },
        );
        let src = Src::git(&git(ghe), &facts, &["github.com"]);
        assert!(
            matches!(&src, Src::GitHub { host: Some(h), .. } if h == "ghe.corp"),
            "{src:?}"
        );
    }
}
