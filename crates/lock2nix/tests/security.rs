//! Hostile input (issue 19): each numbered problem of the security probe, reproduced through the
//! binary. Every test here failed before its fix. The threat model and the defences are in
//! `docs/security.md`.

use std::path::Path;
use std::process::{Command, Output};

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lock2nix"))
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run lock2nix")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A lock with one git package whose source is `git`.
fn git_lock(git: &str) -> String {
    format!(
        r#"version = 1
revision = 3
requires-python = ">=3.12"

[[package]]
name = "evil"
version = "1.0"
source = {{ git = "{git}#{COMMIT}" }}
"#
    )
}

/// Item 1 (critical): a git URL that starts with an option made `lock2nix prefetch` run a command.
/// Now every command refuses the lock with a located error, and nothing runs.
#[test]
fn item1_option_shaped_git_url_runs_nothing() {
    for url in [
        "--upload-pack=touch PWNED;://x",
        "-c core.sshCommand=touch PWNED;://x",
        "ext::sh -c touch% PWNED",
        "ssh://-oProxyCommand=touch PWNED/x",
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("uv.lock"), git_lock(url)).unwrap();
        for cmd in [
            &["prefetch", "--lock", "uv.lock"][..],
            &["inspect", "--lock", "uv.lock"][..],
            &[
                "translate",
                "--lock",
                "uv.lock",
                "--python",
                "3.12",
                "--allow-missing-hashes",
                "--out",
                "-",
            ][..],
        ] {
            let out = run_in(dir.path(), cmd);
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{cmd:?} {url}: {err}");
            assert!(
                err.contains("uv.lock:8:"),
                "{cmd:?} {url}: not located: {err}"
            );
            assert!(
                err.contains("git")
                    && (err.contains("`-`")
                        || err.contains("scheme")
                        || err.contains("whitespace")
                        || err.contains("contains")),
                "{cmd:?} {url}: {err}"
            );
            assert!(
                !dir.path().join("PWNED").exists(),
                "{cmd:?} {url}: the command ran"
            );
        }
    }
}
