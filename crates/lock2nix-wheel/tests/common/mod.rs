//! Shared helpers for the integration tests: the Python `packaging` oracle and the
//! checked-in wheel lists.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use lock2nix_wheel::PackagingCompat;

/// Path of a file under the crate's `tests/` directory.
pub fn test_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(rel)
}

/// Output of `tests/py/oracle.py`, or `None` (after printing why) when
/// `LOCK2NIX_SKIP_PY_TESTS=1`. Any failure to run the oracle fails the test.
pub struct Oracle {
    /// `packaging.__version__`.
    pub packaging_version: String,
    /// The remaining output lines, split on tabs.
    pub lines: Vec<Vec<String>>,
}

impl Oracle {
    /// The tag order of the installed `packaging`.
    pub fn compat(&self) -> PackagingCompat {
        let mut parts = self
            .packaging_version
            .split(|c: char| !c.is_ascii_digit())
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let major = parts.next().unwrap_or(0);
        let minor = parts.next().unwrap_or(0);
        if (major, minor) >= (26, 3) {
            PackagingCompat::Since26_3
        } else {
            PackagingCompat::Before26_3
        }
    }
}

pub fn run_oracle(test: &str, args: &[&str]) -> Option<Oracle> {
    if std::env::var("LOCK2NIX_SKIP_PY_TESTS").as_deref() == Ok("1") {
        eprintln!("{test}: skipped (LOCK2NIX_SKIP_PY_TESTS=1): needs python3 with `packaging`");
        return None;
    }
    let script = test_path("py/oracle.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{test}: cannot run python3 ({e}); install python3 and `pip install packaging`, \
                 or set LOCK2NIX_SKIP_PY_TESTS=1"
            )
        });
    assert!(
        out.status.success(),
        "{test}: python3 {} {args:?} failed ({}); is `packaging` installed?\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("oracle output is UTF-8");
    let mut lines = stdout
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>());
    let first = lines.next().expect("oracle printed nothing");
    assert_eq!(first[0], "packaging", "unexpected oracle header {first:?}");
    Some(Oracle {
        packaging_version: first[1].clone(),
        lines: lines.collect(),
    })
}

/// One `[[package]]` entry of a lock: (name, version) → wheel basenames, in lock order.
pub type Entries = BTreeMap<(String, String), Vec<String>>;

/// Reads a `name<TAB>version<TAB>basename` list from `tests/data/`.
pub fn read_wheel_list(file: &str) -> Entries {
    let path = test_path(&format!("data/{file}"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut entries = Entries::new();
    for line in text.lines() {
        let mut it = line.split('\t');
        let (Some(name), Some(version), Some(basename), None) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            panic!("malformed line in {file}: {line:?}");
        };
        entries
            .entry((name.to_string(), version.to_string()))
            .or_default()
            .push(basename.to_string());
    }
    entries
}
