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

/// Run lock2nix in `dir` with at most 4 GiB of address space, killing it after `limit`; returns
/// its output and how long it ran. (Before the fixes below, these inputs took gigabytes, or
/// aborted on a stack overflow.)
fn run_bounded(
    dir: &Path,
    args: &[&str],
    limit: std::time::Duration,
) -> (Output, std::time::Duration) {
    let start = std::time::Instant::now();
    let mut child = Command::new("sh")
        .current_dir(dir)
        .arg("-c")
        .arg("ulimit -v 4194304; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_lock2nix"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run lock2nix");
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("wait");
    (out, start.elapsed())
}

/// A lock whose top-level `resolution-markers` holds `marker`.
fn marker_lock(marker: &str) -> String {
    format!(
        "version = 1\nrevision = 3\nrequires-python = \">=3.12\"\nresolution-markers = [\"{marker}\"]\n\n[[package]]\nname = \"a\"\nversion = \"1.0\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n"
    )
}

fn expect_marker_refused(dir: &Path, file: &str, what: &str) {
    let (out, took) = run_bounded(
        dir,
        &["inspect", "--lock", "uv.lock"],
        std::time::Duration::from_secs(20),
    );
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{what}: {:?} after {took:?}: {err}",
        out.status
    );
    assert!(
        took < std::time::Duration::from_secs(5),
        "{what}: took {took:?}"
    );
    assert!(err.contains(file), "{what}: not located: {err}");
    assert!(err.len() < 4_000, "{what}: {} bytes of stderr", err.len());
}

/// Item 3: a 50,000-term `or` marker (1.1 MB) made pep508_rs build its decision diagram
/// quadratically (4,000 terms: 3 GB; 50,000: killed by the OOM killer), in uv.lock and in
/// pyproject requirements alike. Now it is refused in well under a second, as are shapes whose
/// diagram is exponential.
#[test]
fn item3_huge_markers_are_refused_quickly() {
    let terms: Vec<String> = (0..50_000).map(|i| format!("extra == 'e{i}'")).collect();
    let wide = terms.join(" or ");
    let pairs: Vec<String> = (0..40)
        .map(|i| format!("(extra == 'a{i:03}' and extra == 'z{i:03}')"))
        .collect();
    let pairs = pairs.join(" or ");
    let mid: Vec<String> = (0..4_000).map(|i| format!("extra == 'e{i}'")).collect();
    let mid = mid.join(" or ");
    for (what, marker) in [
        ("50,000 terms", &wide),
        ("4,000 terms", &mid),
        ("40 pairs", &pairs),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("uv.lock"), marker_lock(marker)).unwrap();
        expect_marker_refused(dir.path(), "uv.lock:4:", what);
        // the same marker in a pyproject requirement next to a good lock
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("uv.lock"),
            marker_lock("python_version >= '3.12'"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            format!(
                "[project]\nname = \"a\"\nversion = \"1.0\"\ndependencies = [\"b ; {marker}\"]\n"
            ),
        )
        .unwrap();
        expect_marker_refused(dir.path(), "pyproject.toml:4:", what);
    }
}

/// Item 5: 5,000 nested parentheses in a marker (10 KB) overflowed pep508_rs's recursive
/// parser: abort, exit 134. Now a located error.
#[test]
fn item5_deeply_nested_marker_is_a_located_error() {
    let deep = format!("{}os_name == 'nt'{}", "(".repeat(5_000), ")".repeat(5_000));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("uv.lock"), marker_lock(&deep)).unwrap();
    expect_marker_refused(dir.path(), "uv.lock:4:", "5,000 parentheses");
    let (out, _) = run_bounded(
        dir.path(),
        &["inspect", "--lock", "uv.lock"],
        std::time::Duration::from_secs(20),
    );
    assert!(
        text(&out.stderr).contains("nest more than 32 deep"),
        "{}",
        text(&out.stderr)
    );
}

/// Item 7: cut edges were looked up in lists (`Vec::contains` per edge, while building the
/// topological order and in `is_cut`), O(n⁴) on a dense graph: 300 packages that all depend on
/// each other took 61 s in this (debug) build, 500 took 12.9 s in a release build. Now 500 take a
/// few seconds here.
#[test]
fn item7_dense_graph_translates_quickly() {
    let dir = tempfile::tempdir().unwrap();
    lock2nix_bench::dense_project(500)
        .write_to(dir.path())
        .unwrap();
    let (out, took) = run_bounded(
        dir.path(),
        &[
            "translate",
            "--lock",
            "uv.lock",
            "--python",
            "3.12",
            "--system",
            "x86_64-linux",
            "--allow-missing-hashes",
            "--out",
            "overlay.nix",
        ],
        std::time::Duration::from_secs(60),
    );
    assert!(
        out.status.success(),
        "{:?} after {took:?}: {}",
        out.status,
        text(&out.stderr)
    );
    assert!(took < std::time::Duration::from_secs(30), "took {took:?}");
    let overlay = std::fs::read_to_string(dir.path().join("overlay.nix")).unwrap();
    assert!(overlay.contains("p0499"));
}
