//! Shared helpers for the integration tests: running the real Nix tools and
//! materialising `Tree`s on disk.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

use lock2nix_nar::Tree;

/// `true` when the Nix differential checks must run. With
/// `LOCK2NIX_SKIP_NIX_TESTS=1` prints a skip notice and returns `false`;
/// otherwise panics if `nix-hash` / `nix` are missing.
pub fn nix_enabled(test: &str) -> bool {
    if std::env::var("LOCK2NIX_SKIP_NIX_TESTS").as_deref() == Ok("1") {
        eprintln!("SKIPPED Nix differential checks in {test} (LOCK2NIX_SKIP_NIX_TESTS=1)");
        return false;
    }
    for tool in ["nix-hash", "nix", "nix-store"] {
        let ok = Command::new(tool)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            ok,
            "`{tool}` is required for this test (install Debian's nix-bin) \
             or set LOCK2NIX_SKIP_NIX_TESTS=1 to skip"
        );
    }
    true
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn lines(out: Vec<u8>) -> Vec<String> {
    String::from_utf8(out)
        .expect("nix prints ASCII")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `nix-hash --type sha256 --base32 P...` (one line per path).
pub fn nix_hash_base32<P: AsRef<OsStr>>(paths: &[P]) -> Vec<String> {
    if paths.is_empty() {
        return vec![];
    }
    let out = run(Command::new("nix-hash")
        .args(["--type", "sha256", "--base32"])
        .args(paths));
    let l = lines(out);
    assert_eq!(l.len(), paths.len());
    l
}

/// `nix hash path P...` (SRI, one line per path).
pub fn nix_hash_path_sri<P: AsRef<OsStr>>(paths: &[P]) -> Vec<String> {
    if paths.is_empty() {
        return vec![];
    }
    let out = run(Command::new("nix")
        .args([
            "--extra-experimental-features",
            "nix-command",
            "hash",
            "path",
        ])
        .args(paths));
    let l = lines(out);
    assert_eq!(l.len(), paths.len());
    l
}

/// `nix-store --dump P` (the NAR bytes).
pub fn nix_store_dump(path: &Path) -> Vec<u8> {
    run(Command::new("nix-store").arg("--dump").arg(path))
}

/// `nix-store --restore DEST < nar`.
pub fn nix_store_restore(nar: &[u8], dest: &Path) {
    use std::io::Write as _;
    let mut child = Command::new("nix-store")
        .arg("--restore")
        .arg(dest)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn nix-store --restore");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(nar)
        .expect("write NAR to nix-store");
    let out = child.wait_with_output().expect("wait nix-store");
    assert!(
        out.status.success(),
        "nix-store --restore failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Creates `tree` at `path` (which must not exist). Files get mode 0755 or
/// 0644; directories are created as needed.
pub fn materialize(tree: &Tree, path: &Path) {
    match tree {
        Tree::File {
            executable,
            contents,
        } => {
            fs::write(path, contents).unwrap();
            let mode = if *executable { 0o755 } else { 0o644 };
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
        }
        Tree::Symlink { target } => {
            std::os::unix::fs::symlink(OsStr::from_bytes(target), path).unwrap();
        }
        Tree::Directory(entries) => {
            fs::create_dir(path).unwrap();
            for (name, child) in entries {
                materialize(child, &path.join(OsStr::from_bytes(name)));
            }
        }
    }
}

/// A deterministic pseudo-random byte string of length `len`.
pub fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}
