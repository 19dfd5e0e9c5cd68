//! Git sources: GitHub archives (fetchFromGitHub) and generic checkouts with the `git` CLI (fetchgit).

use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::error::FetchError;
use crate::http::redact_url;

/// `(owner, repo)` when `url` is on GitHub by lock2nix's one rule ([`lock2nix_lock::github_repo`]),
/// with `hosts` as GitHub's hosts.
pub fn parse_github_url(url: &str, hosts: &[String]) -> Option<(String, String)> {
    let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
    lock2nix_lock::github_repo(url, &hosts).map(|g| (g.owner, g.repo))
}

/// Applies the longest matching prefix rewrite (`from` → `to`), like git's `url.<to>.insteadOf`.
pub fn rewrite_url(url: &str, rewrites: &[(String, String)]) -> String {
    rewrites
        .iter()
        .filter(|(from, _)| !from.is_empty() && url.starts_with(from.as_str()))
        .max_by_key(|(from, _)| from.len())
        .map(|(from, to)| format!("{to}{}", &url[from.len()..]))
        .unwrap_or_else(|| url.to_string())
}

/// The transports `git` may use when prefetching (lock URLs are checked against
/// [`lock2nix_lock::GIT_SCHEMES`]; `file` serves `--git-rewrite` mirrors).
const GIT_ALLOW_PROTOCOL: &str = "https:http:ssh:git:file";

/// Refuse a URL that `git` could read as an option or a program-running transport (after
/// `--git-rewrite`, which the user controls but the lock's URL feeds).
fn check_fetch_url(subject: &str, url: &str) -> Result<(), FetchError> {
    lock2nix_lock::check_repository_url(url).map_err(|message| FetchError::InvalidItem {
        subject: subject.to_string(),
        message: format!("git URL {}: {message}", redact_url(url)),
    })
}

/// How long `git` may take: it is told to give up on an HTTP transfer that moves less than a
/// byte a second for `idle`, and it is killed (with its helpers) after `total`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GitTimeouts {
    pub idle: Duration,
    pub total: Duration,
}

impl Default for GitTimeouts {
    fn default() -> Self {
        GitTimeouts {
            idle: Duration::from_secs(60),
            total: Duration::from_secs(15 * 60),
        }
    }
}

/// Most bytes of git's stdout kept (the commands whose output is used print a line).
const MAX_GIT_STDOUT: usize = 1 << 20;
/// Most bytes of git's stderr kept, from the end (a server can send any amount of `remote:`
/// lines; the error is at the end).
const MAX_GIT_STDERR: usize = 16 << 10;

/// Reads `r` to its end in a thread, keeping its first `head` or last `tail` bytes.
fn drain(
    r: Option<impl Read + Send + 'static>,
    head: usize,
    tail: usize,
) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let Some(mut r) = r else { return kept };
        let mut buf = [0u8; 8192];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            kept.extend_from_slice(&buf[..n]);
            if head > 0 && kept.len() > head {
                kept.truncate(head);
            } else if tail > 0 && kept.len() > 2 * tail {
                kept.drain(..kept.len() - tail);
            }
        }
        if tail > 0 && kept.len() > tail {
            kept.drain(..kept.len() - tail);
        }
        kept
    })
}

/// Kills `child` and every process of its group (git runs `git-remote-https`, `ssh`, …).
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
}

fn run_git(
    subject: &str,
    dir: &Path,
    args: &[&str],
    shown: &str,
    timeouts: GitTimeouts,
) -> Result<String, FetchError> {
    let idle = timeouts.idle.as_secs().max(1).to_string();
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "core.autocrlf=false",
            "-c",
            "advice.detachedHead=false",
            // an HTTP transfer slower than 1 byte/s for `idle` seconds fails
            "-c",
            "http.lowSpeedLimit=1",
            "-c",
        ])
        .arg(format!("http.lowSpeedTime={idle}"))
        .args(args)
        // Behave like the Nix sandbox: no user or system configuration changes what is checked out.
        .env("GIT_CONFIG_NOSYSTEM", "1")
        // Only transports that move data; `ext::` and `fd::` run programs.
        .env("GIT_ALLOW_PROTOCOL", GIT_ALLOW_PROTOCOL)
        .env("GIT_PROTOCOL_FROM_USER", "0")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // its own process group, so that a timeout kills its helpers too
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let spawn_err = |e: std::io::Error| FetchError::Git {
        subject: subject.to_string(),
        command: args.first().copied().unwrap_or("").to_string(),
        message: format!("cannot run git: {e}"),
    };
    let mut child = command.spawn().map_err(spawn_err)?;
    let stdout = drain(child.stdout.take(), MAX_GIT_STDOUT, 0);
    let stderr = drain(child.stderr.take(), 0, MAX_GIT_STDERR);
    let start = std::time::Instant::now();
    let status = loop {
        match child.try_wait().map_err(spawn_err)? {
            Some(status) => break Some(status),
            None if start.elapsed() > timeouts.total => {
                kill_group(&mut child);
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let shown_command = || -> String {
        args.iter()
            .map(|a| {
                if a.contains("://") {
                    shown.to_string()
                } else {
                    a.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    match status {
        Some(status) if status.success() => Ok(String::from_utf8_lossy(&stdout).into_owned()),
        Some(_) => {
            let stderr = String::from_utf8_lossy(&stderr).trim().to_string();
            Err(FetchError::Git {
                subject: subject.to_string(),
                command: shown_command(),
                message: redact_message(&stderr),
            })
        }
        None => Err(FetchError::Git {
            subject: subject.to_string(),
            command: shown_command(),
            message: format!("timed out after {} s (killed)", timeouts.total.as_secs()),
        }),
    }
}

/// Redacts `user:password@` in every URL-looking word of git's stderr.
fn redact_message(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            if w.contains("://") {
                redact_url(w)
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fetches `commit` of `url` into `dir` (an empty directory), checks it out, refuses submodules, and
/// removes `.git`, leaving the tree fetchgit would produce (without `fetchSubmodules`/`leaveDotGit`).
pub(crate) fn checkout(
    subject: &str,
    url: &str,
    commit: &str,
    dir: &Path,
    note: &dyn Fn(&str),
    timeouts: GitTimeouts,
) -> Result<(), FetchError> {
    check_fetch_url(subject, url)?;
    if !(commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit())) {
        return Err(FetchError::InvalidItem {
            subject: subject.to_string(),
            message: format!("commit {commit:?} is not a 40-digit hex id"),
        });
    }
    let shown = redact_url(url);
    let run_git =
        |dir: &Path, args: &[&str], shown: &str| run_git(subject, dir, args, shown, timeouts);
    run_git(dir, &["init", "-q"], &shown)?;
    let shallow = run_git(
        dir,
        &[
            "fetch",
            "-q",
            "--no-tags",
            "--depth",
            "1",
            "--",
            url,
            commit,
        ],
        &shown,
    );
    if let Err(e) = shallow {
        // Servers that refuse fetching by SHA: fetch all branches and tags, then look for the commit.
        note(&format!(
            "{subject}: fetching {commit} by id failed ({}); fetching all branches and tags",
            match &e {
                FetchError::Git { message, .. } => message.lines().last().unwrap_or(""),
                _ => "",
            }
        ));
        run_git(
            dir,
            &[
                "fetch",
                "-q",
                "--no-tags",
                "--",
                url,
                "+refs/heads/*:refs/remotes/origin/*",
                "+refs/tags/*:refs/tags/*",
            ],
            &shown,
        )?;
    }
    run_git(dir, &["checkout", "-q", "--detach", commit], &shown).map_err(|e| match e {
        FetchError::Git { message, .. } => FetchError::Git {
            subject: subject.to_string(),
            command: format!("checkout {commit}"),
            message: format!("commit not found in {shown}: {message}"),
        },
        other => other,
    })?;
    let head = run_git(dir, &["rev-parse", "HEAD"], &shown)?;
    if !head.trim().eq_ignore_ascii_case(commit) {
        return Err(FetchError::Git {
            subject: subject.to_string(),
            command: "rev-parse HEAD".to_string(),
            message: format!("checked out {} instead of {commit}", head.trim()),
        });
    }
    if dir.join(".gitmodules").exists() {
        return Err(FetchError::Unsupported {
            subject: subject.to_string(),
            message: format!(
                "{shown} at {commit} has submodules (.gitmodules); submodules are not supported"
            ),
        });
    }
    std::fs::remove_dir_all(dir.join(".git")).map_err(|source| FetchError::Io {
        subject: subject.to_string(),
        context: "cannot remove .git from the checkout".to_string(),
        source,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_urls() {
        let hosts = vec!["github.com".to_string()];
        assert_eq!(
            parse_github_url("https://github.com/vsoch/oci-python.git", &hosts),
            Some(("vsoch".into(), "oci-python".into()))
        );
        assert_eq!(parse_github_url("ssh://git@github.com/a/b", &hosts), None);
    }

    /// The lock's URL reaches git as the repository operand, never as an option; a URL that
    /// would be one is refused before git runs. (Issue 19, item 1.)
    #[test]
    fn an_option_shaped_url_runs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("t");
        std::fs::create_dir(&tree).unwrap();
        let pwned = dir.path().join("PWNED");
        let url = format!("--upload-pack=touch {} ;://x", pwned.display());
        let err = checkout(
            "x",
            &url,
            &"a".repeat(40),
            &tree,
            &|_| {},
            GitTimeouts::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("invalid input: git URL"), "{err}");
        let err = checkout(
            "x",
            "--upload-pack=id://x",
            &"a".repeat(40),
            &tree,
            &|_| {},
            GitTimeouts::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("starts with `-`"), "{err}");
        assert!(!pwned.exists());
        // Even past the URL check (a rewrite target is the user's), `--` keeps it an operand:
        // git fails to find a repository and runs no program.
        let r = run_git(
            "x",
            &tree,
            &["fetch", "-q", "--", &url, &"a".repeat(40)],
            "x",
            GitTimeouts::default(),
        );
        let _ = run_git("x", &tree, &["init", "-q"], "x", GitTimeouts::default());
        let r2 = run_git(
            "x",
            &tree,
            &["fetch", "-q", "--", &url, &"a".repeat(40)],
            "x",
            GitTimeouts::default(),
        );
        assert!(r.is_err() && r2.is_err());
        assert!(!pwned.exists());
        // ext:: transports are not allowed
        let ext = format!("ext::sh -c touch% {}", pwned.display());
        let r3 = run_git(
            "x",
            &tree,
            &["fetch", "-q", "--", &ext, "HEAD"],
            "x",
            GitTimeouts::default(),
        );
        assert!(r3.is_err());
        assert!(!pwned.exists());
    }

    #[test]
    fn rewrites_longest_prefix() {
        let r = vec![
            (
                "https://git.example/".to_string(),
                "file:///mirror/".to_string(),
            ),
            (
                "https://git.example/special/".to_string(),
                "file:///s/".to_string(),
            ),
        ];
        assert_eq!(
            rewrite_url("https://git.example/a/b", &r),
            "file:///mirror/a/b"
        );
        assert_eq!(
            rewrite_url("https://git.example/special/b", &r),
            "file:///s/b"
        );
        assert_eq!(rewrite_url("https://other/x", &r), "https://other/x");
    }
}
