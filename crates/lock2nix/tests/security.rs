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

// ---------------------------------------------------------------------------------------------
// outputs (item 6 and the output parts of item 10)

/// A small valid project (two packages that depend on each other) in `dir`.
fn small_project(dir: &Path) {
    lock2nix_bench::dense_project(2).write_to(dir).unwrap();
}

fn translate_to(dir: &Path, out: &str, extra: &[&str]) -> (Output, std::time::Duration) {
    let mut args = vec![
        "translate",
        "--lock",
        "uv.lock",
        "--python",
        "3.12",
        "--system",
        "x86_64-linux",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    run_bounded(dir, &args, std::time::Duration::from_secs(30))
}

const GENERATED: &str = "# @generated by lock2nix";

/// Item 6: the `--force` guard failed open. An unreadable hand-written file was replaced without
/// `--force` (any read error counted as "no file"); the marker text anywhere in the first 4 KiB
/// counted as generated; a character device given as `--out` was itself replaced with `--force`.
#[test]
fn item6_force_guard_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    small_project(dir.path());
    use std::os::unix::fs::PermissionsExt;

    // unreadable (as a user: the tests run as root here, who reads anything)
    let hand = dir.path().join("hand.nix");
    std::fs::write(&hand, "{ my = \"hand-written\"; }\n").unwrap();
    std::fs::set_permissions(&hand, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    for f in ["uv.lock", "pyproject.toml"] {
        std::fs::set_permissions(dir.path().join(f), std::fs::Permissions::from_mode(0o644))
            .unwrap();
    }
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_lock2nix"))
        .args([
            "translate",
            "--lock",
            "uv.lock",
            "--python",
            "3.12",
            "--system",
            "x86_64-linux",
            "--out",
            "hand.nix",
        ])
        .current_dir(dir.path())
        .output()
        .expect("setpriv (util-linux) runs lock2nix as nobody");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot read") && err.contains("refusing"),
        "{err}"
    );
    std::fs::set_permissions(&hand, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(
        std::fs::read_to_string(&hand).unwrap(),
        "{ my = \"hand-written\"; }\n",
        "replaced"
    );

    // the marker text, but not as the first line
    let quoted = dir.path().join("quoted.nix");
    let body = format!("{{ }}\n# this file is not {} output\n", &GENERATED[2..]);
    std::fs::write(&quoted, &body).unwrap();
    let (out, _) = translate_to(dir.path(), "quoted.nix", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not generated by lock2nix"));
    assert_eq!(std::fs::read_to_string(&quoted).unwrap(), body);
    // a real header line is replaced, and --force replaces the other
    let (out, _) = translate_to(dir.path(), "fresh.nix", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(dir.path().join("fresh.nix"))
        .unwrap()
        .starts_with(GENERATED));
    let (out, _) = translate_to(dir.path(), "quoted.nix", &["--force"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // a device node is not an output, even with --force
    let dev = dir.path().join("null");
    let made = Command::new("mknod")
        .arg(&dev)
        .args(["c", "1", "3"])
        .status()
        .expect("mknod");
    assert!(made.success(), "mknod needs root");
    let (out, _) = translate_to(dir.path(), "null", &["--force"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&dev)
        .unwrap()
        .file_type()
        .is_char_device());
}

/// Item 10: `--out link.nix` replaced the symbolic link with a file. Links are refused (lock2nix
/// replaces outputs by renaming, and does not write through links: the message names the target
/// to give instead); `--out /dev/stdout` (a link to the pipe) and a FIFO hung reading the "old
/// output"; now both are refused at once.
#[test]
fn item10_links_fifos_and_dev_stdout_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    small_project(dir.path());
    let (out, _) = translate_to(dir.path(), "target.nix", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = std::fs::read(dir.path().join("target.nix")).unwrap();
    std::os::unix::fs::symlink("target.nix", dir.path().join("link.nix")).unwrap();
    let (out, _) = translate_to(dir.path(), "link.nix", &["--force"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("symbolic link to target.nix") && err.contains("--out target.nix"),
        "{err}"
    );
    assert!(std::fs::symlink_metadata(dir.path().join("link.nix"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read(dir.path().join("target.nix")).unwrap(),
        before
    );

    assert!(Command::new("mkfifo")
        .arg(dir.path().join("fifo"))
        .status()
        .unwrap()
        .success());
    let (out, took) = translate_to(dir.path(), "fifo", &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{:?} after {took:?}",
        out.status
    );
    assert!(text(&out.stderr).contains("FIFO"), "{}", text(&out.stderr));

    // stdout is a pipe here, as in `lock2nix translate --out /dev/stdout | cat`
    let (out, took) = translate_to(dir.path(), "/dev/stdout", &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{:?} after {took:?}",
        out.status
    );
    assert!(
        text(&out.stderr).contains("--out -"),
        "{}",
        text(&out.stderr)
    );
}

/// Item 10: outputs were written 0600 (the temporary file's mode) whatever the umask.
#[test]
fn item10_outputs_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    small_project(dir.path());
    let out = Command::new("sh")
        .current_dir(dir.path())
        .arg("-c")
        .arg("umask 022; exec \"$0\" translate --lock uv.lock --python 3.12 --system x86_64-linux --out o.nix")
        .arg(env!("CARGO_BIN_EXE_lock2nix"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mode = std::fs::metadata(dir.path().join("o.nix"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644, "{mode:o}");
}

/// Item 10: a run killed while writing left `.lock2nix-*.tmp` files forever. The next run
/// removes those no process holds (and older than a minute: a writer locks its file right after
/// creating it).
#[test]
fn item10_leftover_temporary_files_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    small_project(dir.path());
    let stale = dir.path().join(".lock2nix-AbC123.tmp");
    std::fs::write(&stale, "half an overlay").unwrap();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let fresh = dir.path().join(".lock2nix-XyZ789.tmp");
    std::fs::write(&fresh, "another run, just created").unwrap();
    let (out, _) = translate_to(dir.path(), "o.nix", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!stale.exists(), "the leftover is still there");
    assert!(fresh.exists(), "a fresh temporary file was removed");
}

/// Item 10: the lock was read whole before the 256 MiB limit was checked (a 4 GiB sparse lock:
/// 25 s and 4.2 GB). Now its size refuses it before it is read.
#[test]
fn item10_huge_lock_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let lock = std::fs::File::create(dir.path().join("uv.lock")).unwrap();
    lock.set_len(4 << 30).unwrap();
    let (out, took) = run_bounded(
        dir.path(),
        &["inspect", "--lock", "uv.lock"],
        std::time::Duration::from_secs(60),
    );
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{:?} after {took:?}: {err}",
        out.status
    );
    assert!(err.contains("over the limit"), "{err}");
    assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
}

/// Item 10: ESC, BEL and U+202E from a lock reached the terminal raw in error messages.
#[test]
fn item10_control_and_bidi_characters_are_escaped_on_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("uv.lock"),
        // ESC and BEL as TOML escapes (TOML strings cannot hold them raw)
        marker_lock("python_version >< '\u{202e}3.8\u{2066}\\u0007\\u001b[2J'"),
    )
    .unwrap();
    let out = run_in(dir.path(), &["inspect", "--lock", "uv.lock"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("uv.lock:4:"), "{err}");
    for c in ['\u{1b}', '\u{7}', '\u{202e}', '\u{2066}'] {
        assert!(!err.contains(c), "{c:?} reached the terminal: {err:?}");
    }
    assert!(err.contains("\\u{202e}3.8"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// prefetch (item 8 and the prefetch parts of item 10)

/// A lock with `packages` (already formatted `[[package]]` tables).
fn lock_of(packages: &[String]) -> String {
    format!(
        "version = 1\nrevision = 3\nrequires-python = \">=3.12\"\n{}",
        packages.concat()
    )
}

fn git_package(name: &str, url: &str, commit: &str) -> String {
    format!(
        "\n[[package]]\nname = \"{name}\"\nversion = \"1.0\"\nsource = {{ git = \"{url}?rev=main#{commit}\" }}\n"
    )
}

fn wheel_package(name: &str, base: &str) -> String {
    use sha2::Digest as _;
    // a distinct hash per wheel (prefetch keys files by hash)
    let sha = hex::encode(sha2::Sha256::digest(name.as_bytes()));
    format!(
        "\n[[package]]\nname = \"{name}\"\nversion = \"1.0\"\nsource = {{ registry = \"{base}/simple\" }}\nwheels = [{{ url = \"{base}/files/{name}-1.0-py3-none-any.whl\", hash = \"sha256:{sha}\" }}]\n"
    )
}

/// `lock2nix ARGS` in `dir` under GNU time: the output and the peak RSS in KiB.
fn run_measured(dir: &Path, args: &[&str]) -> (Output, u64) {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "peak-rss-kib %M", "--"])
        .arg(env!("CARGO_BIN_EXE_lock2nix"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("GNU time (/usr/bin/time) measures the peak RSS");
    let err = text(&out.stderr);
    let rss = err
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak-rss-kib "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in {err}"));
    (out, rss)
}

/// Item 8: a GitHub archive was unpacked into memory to be hashed (6 archives of 1.5 MB, 1.5 GiB
/// unpacked: 15 GB). Now only the tree's shape is in memory: 600 MiB unpacked stays far below
/// that.
#[test]
fn item8_archives_are_hashed_without_unpacking_into_memory() {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for i in 0..3 {
        let mut h = tar::Header::new_gnu();
        h.set_size(200 << 20);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(
            &mut h,
            format!("big-{COMMIT}/zeros{i}"),
            std::io::Read::take(std::io::repeat(0), 200 << 20),
        )
        .unwrap();
    }
    let tgz = b.into_inner().unwrap().finish().unwrap();
    let server = lock2nix_testkit::TestServer::start([(
        format!("/acme/big/archive/{COMMIT}.tar.gz"),
        vec![lock2nix_testkit::Response::ok(tgz)],
    )])
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("uv.lock"),
        lock_of(&[git_package("big", "https://github.com/acme/big", COMMIT)]),
    )
    .unwrap();
    let base = server.url("");
    let (out, rss) = run_measured(
        dir.path(),
        &[
            "prefetch",
            "--lock",
            "uv.lock",
            "--all",
            "--github-archive-base",
            &base,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sidecar = std::fs::read_to_string(dir.path().join("lock2nix-hashes.toml")).unwrap();
    assert!(sidecar.contains("hash = \"sha256-"), "{sidecar}");
    assert!(rss < 200 * 1024, "peak RSS {} MiB", rss / 1024);
}

/// Item 8: PEP 658 `.metadata` bodies were buffered whole (up to the 2 GiB download limit), and a
/// bad line was printed whole, twice (a 20 MiB body gave 40 MiB of stderr). Now the header
/// section is streamed and kept (at most 4 MiB), a body over 64 MiB is refused, and messages are
/// short.
#[test]
fn item8_metadata_is_streamed_and_messages_are_short() {
    let mut huge = b"Metadata-Version: 2.1\nName: huge\n".to_vec();
    huge.resize(200 << 20, b'z');
    let mut long_line = b"Metadata-Version: 2.1\n".to_vec();
    long_line.resize(1 << 20, b'z');
    long_line.extend_from_slice(b"\n\n");
    let mut long_headers = b"Metadata-Version: 2.1\n".to_vec();
    long_headers.extend(std::iter::repeat_n(b"Requires-Dist: x\n".as_slice(), 400_000).flatten());
    let meta = |name: &str| format!("/files/{name}-1.0-py3-none-any.whl.metadata");
    let server = lock2nix_testkit::TestServer::start([
        (meta("huge"), vec![lock2nix_testkit::Response::ok(huge)]),
        (
            meta("longline"),
            vec![lock2nix_testkit::Response::ok(long_line)],
        ),
        (
            meta("longheaders"),
            vec![lock2nix_testkit::Response::ok(long_headers)],
        ),
    ])
    .unwrap();
    let base = server.url("");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("uv.lock"),
        lock_of(&[
            wheel_package("huge", &base),
            wheel_package("longline", &base),
            wheel_package("longheaders", &base),
        ]),
    )
    .unwrap();
    let (out, rss) = run_measured(
        dir.path(),
        &[
            "prefetch",
            "--lock",
            "uv.lock",
            "--all",
            "--metadata-host",
            "127.0.0.1",
        ],
    );
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        &err[..err.len().min(2000)]
    );
    assert!(err.len() < 20_000, "{} bytes of stderr", err.len());
    assert!(err.contains("larger than the download limit"), "{err}");
    assert!(err.contains("not a `Name: value` header"), "{err}");
    assert!(err.contains("header section is longer than"), "{err}");
    assert!(rss < 150 * 1024, "peak RSS {} MiB", rss / 1024);
}

/// A server on 127.0.0.1 that answers every request with headers promising 1,000 bytes, then
/// sends one byte every `drip` (never, with `None`), holding the connection for a minute.
fn slow_server(drip: Option<std::time::Duration>) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut conn = conn;
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
                let start = std::time::Instant::now();
                while start.elapsed() < std::time::Duration::from_secs(60) {
                    match drip {
                        Some(d) => {
                            std::thread::sleep(d);
                            if conn.write_all(b"x").is_err() {
                                return;
                            }
                        }
                        None => std::thread::sleep(std::time::Duration::from_millis(200)),
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// Item 8/10: no idle timeout (15 min per attempt, 4 attempts) and no flag. Now `--timeout`
/// bounds each wait for data, and `--max-time` a server that sends a byte now and then.
#[test]
fn item8_slow_servers_time_out() {
    let stalled = slow_server(None);
    let dripping = slow_server(Some(std::time::Duration::from_millis(300)));
    for (base, want) in [(&stalled, "timed out"), (&dripping, "took longer than 3 s")] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("uv.lock"),
            lock_of(&[git_package("slow", "https://github.com/acme/slow", COMMIT)]),
        )
        .unwrap();
        let (out, took) = run_bounded(
            dir.path(),
            &[
                "prefetch",
                "--lock",
                "uv.lock",
                "--all",
                "--github-archive-base",
                base,
                "--timeout",
                "1",
                "--max-time",
                "3",
            ],
            std::time::Duration::from_secs(60),
        );
        let err = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{:?} after {took:?}: {err}",
            out.status
        );
        assert!(err.contains(want), "{err}");
        assert!(took < std::time::Duration::from_secs(30), "took {took:?}");
    }
}

/// A git repository with one commit in `dir`; its commit id.
fn git_repo(dir: &Path) -> String {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    std::fs::create_dir_all(dir).unwrap();
    git(&["init", "-q"]);
    std::fs::write(dir.join("setup.py"), "").unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "one"]);
    git(&["rev-parse", "HEAD"]).trim().to_string()
}

/// Item 10: URL credentials were written into the sidecar's table keys (and so into version
/// control and, through the overlay, the Nix store).
#[test]
fn item10_credentials_never_reach_the_sidecar() {
    let dir = tempfile::tempdir().unwrap();
    let commit = git_repo(&dir.path().join("repo"));
    let url = "https://builder:s3cretpw@git.example.org/acme/pkg";
    std::fs::write(
        dir.path().join("uv.lock"),
        lock_of(&[git_package("pkg", url, &commit)]),
    )
    .unwrap();
    let rewrite = format!("{url}=file://{}", dir.path().join("repo").display());
    let out = run_in(
        dir.path(),
        &[
            "prefetch",
            "--lock",
            "uv.lock",
            "--all",
            "--git-rewrite",
            &rewrite,
        ],
    );
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    let sidecar = std::fs::read_to_string(dir.path().join("lock2nix-hashes.toml")).unwrap();
    assert!(
        sidecar.contains(&format!(
            "[git.\"https://git.example.org/acme/pkg#{commit}\"]"
        )),
        "{sidecar}"
    );
    assert!(
        !sidecar.contains("s3cretpw") && !sidecar.contains("builder"),
        "{sidecar}"
    );
    assert!(!err.contains("s3cretpw"), "{err}");
}

/// Item 10: `http://` and `git://` git sources were prefetched silently, though their NAR hash is
/// then trust-on-first-use over an unauthenticated channel. Now prefetch warns.
#[test]
fn item10_unauthenticated_git_sources_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("uv.lock"),
        lock_of(&[
            git_package("plain", "http://127.0.0.1:9/acme/plain", COMMIT),
            git_package("gitproto", "git://127.0.0.1:9/acme/gitproto", COMMIT),
        ]),
    )
    .unwrap();
    let (out, _) = run_bounded(
        dir.path(),
        // nothing listens on port 9: both fail at once
        &["prefetch", "--lock", "uv.lock", "--all"],
        std::time::Duration::from_secs(60),
    );
    let err = text(&out.stderr);
    for scheme in ["over http (unauthenticated)", "over git (unauthenticated)"] {
        assert!(
            err.contains("warning: git ") && err.contains(scheme),
            "{err}"
        );
    }
}

/// Item 10: a sidecar `build-requires = ["\"bar"]` was not checked and the overlay got
/// `python-final.""`. Now reading the sidecar fails at the entry.
#[test]
fn item10_sidecar_build_requires_are_validated() {
    let dir = tempfile::tempdir().unwrap();
    let sha = "cd".repeat(32);
    std::fs::write(
        dir.path().join("uv.lock"),
        lock_of(&[format!(
            "\n[[package]]\nname = \"sdistpkg\"\nversion = \"1.0\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\nsdist = {{ url = \"https://files.example.org/sdistpkg-1.0.tar.gz\", hash = \"sha256:{sha}\" }}\n"
        )]),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("lock2nix-hashes.toml"),
        format!("version = 1\n\n[sdist.\"sha256:{sha}\"]\nurl = \"u\"\nbuild-backend = \"setuptools.build_meta\"\nbuild-requires = [\n    \"\\\"bar\",\n]\nbuild-system-source = \"pyproject.toml\"\n"),
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &[
            "translate",
            "--lock",
            "uv.lock",
            "--root",
            "sdistpkg",
            "--python",
            "3.12",
            "--system",
            "x86_64-linux",
            "--out",
            "-",
        ],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}\n{}", text(&out.stdout));
    assert!(err.contains("lock2nix-hashes.toml:7:5"), "{err}");
    assert!(err.contains("not a PEP 508 requirement"), "{err}");
    assert!(!text(&out.stdout).contains("python-final.\"\""));
}

/// Issue 17: prefetch and the overlay used two GitHub rules; for an ssh GitHub URL prefetch
/// hashed a checkout while the overlay wrote `fetchFromGitHub` (another hash whenever
/// `export-ignore`/`export-subst` apply). Now both follow one rule: the ssh URL is a checkout on
/// both sides, and the overlay uses the hash prefetch recorded, with `fetchgit`.
#[test]
fn ssh_github_sources_agree_between_prefetch_and_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let commit = git_repo(&repo);
    let url = "ssh://git@github.com/acme/pkg";
    std::fs::write(
        dir.path().join("uv.lock"),
        lock_of(&[git_package("pkg", url, &commit)]),
    )
    .unwrap();
    // the "server": the same repository on disk (git's insteadOf)
    let rewrite = format!("{url}=file://{}", repo.display());
    let out = run_in(
        dir.path(),
        &[
            "prefetch",
            "--lock",
            "uv.lock",
            "--all",
            "--git-rewrite",
            &rewrite,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sidecar = std::fs::read_to_string(dir.path().join("lock2nix-hashes.toml")).unwrap();
    let entry = sidecar
        .split(&format!("[git.\"{url}#{commit}\"]"))
        .nth(1)
        .unwrap_or_else(|| panic!("no entry for the ssh source:\n{sidecar}"));
    assert!(entry.contains("fetcher = \"git\""), "{sidecar}");
    let hash = entry
        .lines()
        .find_map(|l| l.strip_prefix("hash = \""))
        .and_then(|h| h.strip_suffix('"'))
        .unwrap()
        .to_string();
    // the checkout's NAR hash, as nix-hash computes it (what fetchgit will check)
    let out = run_in(
        dir.path(),
        &[
            "translate",
            "--lock",
            "uv.lock",
            "--system",
            "x86_64-linux",
            "--python",
            "3.12",
            "--root",
            "pkg",
            "--out",
            "-",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let overlay = text(&out.stdout);
    let pkg = overlay
        .split("pkg = ")
        .nth(1)
        .unwrap_or_else(|| panic!("{overlay}"));
    assert!(pkg.contains("final.fetchgit {"), "{pkg}");
    assert!(!overlay.contains("fetchFromGitHub"), "{overlay}");
    assert!(pkg.contains(&format!("url = \"{url}\";")), "{pkg}");
    assert!(pkg.contains(&format!("hash = \"{hash}\";")), "{pkg}");
}
