//! Helpers shared by the integration tests of lock2nix-lock.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// `fixtures/<rel>` in the repository.
pub fn fixture(rel: &str) -> PathBuf {
    repo_root().join("fixtures").join(rel)
}

/// Every real lock: (label, directory holding `uv.lock`).
pub fn real_locks() -> Vec<(&'static str, PathBuf)> {
    vec![
        ("authentik", fixture("authentik")),
        ("top-300", fixture("locks/top-300")),
        ("top-1000", fixture("locks/top-1000")),
        ("top-1500", fixture("locks/top-1500")),
        ("workspace-mixed", fixture("locks/workspace-mixed")),
    ]
}

/// True when the Python tests must be skipped (`LOCK2NIX_SKIP_PY_TESTS=1`); prints why.
pub fn skip_py(test: &str) -> bool {
    if std::env::var("LOCK2NIX_SKIP_PY_TESTS").as_deref() == Ok("1") {
        eprintln!("{test}: skipped (LOCK2NIX_SKIP_PY_TESTS=1)");
        return true;
    }
    false
}

/// Run a script of `tests/py/` with `python3` and return its stdout. Panics (fails the test) when
/// python3 or the `packaging` module is missing: set `LOCK2NIX_SKIP_PY_TESTS=1` to skip instead.
pub fn run_py(script: &str, args: &[&std::ffi::OsStr]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/py")
        .join(script);
    let out = Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}); install Python 3.11+ with `packaging`, or set LOCK2NIX_SKIP_PY_TESTS=1")
        });
    assert!(
        out.status.success(),
        "{} failed ({}); it needs Python 3.11+ (tomllib) and `packaging` (or set LOCK2NIX_SKIP_PY_TESTS=1):\n{}",
        path.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("python output is UTF-8")
}

/// One edit of [`mutate`]: where (an index into the text), what (0 overwrite, 1 insert, 2
/// remove, else remove a run of up to 40 bytes) and which byte of the interesting ones.
pub type Edit = (proptest::sample::Index, u8, proptest::sample::Index);

/// `text` with `edits` applied, the bytes put in drawn from `interesting`; `None` when the
/// result is not UTF-8.
pub fn mutate(text: String, edits: Vec<Edit>, interesting: &[u8]) -> Option<String> {
    let mut bytes = text.into_bytes();
    for (at, op, what) in edits {
        if bytes.is_empty() {
            break;
        }
        let i = at.index(bytes.len());
        let b = interesting[what.index(interesting.len())];
        match op {
            0 => bytes[i] = b,
            1 => bytes.insert(i, b),
            2 => {
                bytes.remove(i);
            }
            _ => {
                let j = (i + 1 + what.index(40)).min(bytes.len());
                bytes.drain(i..j);
            }
        }
    }
    String::from_utf8(bytes).ok()
}
