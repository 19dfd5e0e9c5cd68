//! `lock2nix index`, end to end on `fixtures/nixpkgs-mini/`: the static scan and the Nix evaluation
//! write index files that agree on every literal entry, and `plan --index FILE` reads them.

use std::path::Path;
use std::process::{Command, Output};

use lock2nix_nixpkgs::{index_from_source_tree, Index, IndexSource, PythonVersion, Scope};
use lock2nix_testkit::{fixture, require_tool};
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lock2nix"))
        .args(args)
        .output()
        .expect("run lock2nix")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn mini() -> String {
    fixture("nixpkgs-mini").display().to_string()
}

fn scan_to(out: &Path) -> Index {
    let o = run(&[
        "index",
        "--scan",
        &mini(),
        "--out",
        &out.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("source: scan"), "{stderr}");
    assert!(
        stderr.contains(&format!("wrote {}", out.display())),
        "{stderr}"
    );
    Index::read(out).expect("the written index reads back")
}

/// `None` when the Nix tests are skipped (`LOCK2NIX_SKIP_NIX_TESTS=1`).
fn eval_to(out: &Path) -> Option<Index> {
    require_tool("nix-instantiate")?;
    let o = run(&[
        "index",
        "--nixpkgs",
        &mini(),
        "--python",
        "3.13",
        "--out",
        &out.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("source: eval, python: 3.13"), "{stderr}");
    Some(Index::read(out).expect("the written index reads back"))
}

#[test]
fn scan_writes_what_the_library_scans() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scan.tsv");
    let read = scan_to(&file);
    let lib = index_from_source_tree(fixture("nixpkgs-mini")).unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), lib.to_tsv());
    assert_eq!(read.to_tsv(), lib.to_tsv());
    assert_eq!(read.meta.source, IndexSource::Scan);
    assert_eq!(
        read.get("attrs").unwrap().version.as_deref(),
        Some("24.3.0")
    );
    assert!(read.get("protobuf").unwrap().version.is_none());

    // `--out -` prints the same text
    let o = run(&["index", "--scan", &mini(), "--out", "-"]);
    assert!(o.status.success());
    assert_eq!(text(&o.stdout), lib.to_tsv());
}

#[test]
fn scan_and_evaluation_agree_on_literal_entries() {
    let dir = tempfile::tempdir().unwrap();
    let scanned = scan_to(&dir.path().join("scan.tsv"));
    let Some(evaluated) = eval_to(&dir.path().join("eval.tsv")) else {
        return;
    };
    assert_eq!(evaluated.meta.source, IndexSource::Eval);
    assert_eq!(evaluated.meta.python, Some(PythonVersion::new(3, 13)));
    let mut compared = Vec::new();
    for se in scanned.iter().filter(|e| e.scope == Scope::PythonPackages) {
        let Some(version) = &se.version else { continue };
        let ee = evaluated
            .get_in(&se.attr, Scope::PythonPackages)
            .unwrap_or_else(|| panic!("{} is in the scan, not in the evaluation", se.attr));
        if ee.failed {
            continue;
        }
        assert_eq!(ee.version.as_ref(), Some(version), "{}", se.attr);
        assert_eq!(ee.pname, se.pname, "{}", se.attr);
        if let Some(b) = se.broken {
            assert_eq!(ee.broken, Some(b), "{}", se.attr);
        }
        compared.push(se.attr.clone());
    }
    assert!(compared.len() >= 10, "{compared:?}");
    for attr in ["attrs", "requests", "django_5", "pyjwt", "pycrypto"] {
        assert!(compared.iter().any(|a| a == attr), "{attr} not compared");
    }
    // what only the evaluation knows
    assert_eq!(
        evaluated.get("protobuf").unwrap().version.as_deref(),
        Some("5.29.3")
    );
    assert!(scanned.get("protobuf").unwrap().version.is_none());
}

const LOCK: &str = r#"version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "demo"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "attrs" },
    { name = "protobuf" },
    { name = "pycrypto" },
    { name = "requests" },
]

[[package]]
name = "attrs"
version = "24.3.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/attrs-24.3.0.tar.gz", hash = "sha256:8f5c07333d543103541ba7be0e2ce16eeee8130cb0b3f9238ab904ce1e85baff" }

[[package]]
name = "protobuf"
version = "5.29.3"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/protobuf-5.29.3.tar.gz", hash = "sha256:5da0f41edaf117bde316404bad1a486cb4ededf8e4a54891296f648e8e076620" }

[[package]]
name = "pycrypto"
version = "2.6.1"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/pycrypto-2.6.1.tar.gz", hash = "sha256:f2ce1e989b272cfcb677616763e0a2e7ec659effa67a88aa92b3a65528f60a3c" }

[[package]]
name = "requests"
version = "2.31.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/requests-2.31.0.tar.gz", hash = "sha256:942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1" }
"#;

/// `plan --index FILE --format json`: action per package.
fn plan_actions(lock: &Path, index: &Path) -> Vec<(String, String)> {
    let o = run(&[
        "plan",
        "--lock",
        &lock.display().to_string(),
        "--index",
        &index.display().to_string(),
        "--system",
        "x86_64-linux",
        "--python",
        "3.13",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn plan_reads_the_written_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("uv.lock");
    std::fs::write(&lock, LOCK).unwrap();
    let scan = dir.path().join("scan.tsv");
    scan_to(&scan);
    let expect = |protobuf: &str| {
        vec![
            ("attrs".to_string(), "reuse".to_string()),
            ("demo".to_string(), "in-tree".to_string()),
            ("protobuf".to_string(), protobuf.to_string()),
            // broken in nixpkgs: built from the lock
            ("pycrypto".to_string(), "build".to_string()),
            // nixpkgs has 2.32.3, the lock pins 2.31.0; both indexes describe the recipe (a plain
            // fetchPypi build, nothing version-bound), so nixpkgs' recipe is swapped to the lock's
            ("requests".to_string(), "override".to_string()),
        ]
    };
    // the scan cannot show protobuf's version (an expression) equal to the lock's
    assert_eq!(plan_actions(&lock, &scan), expect("build"));
    let eval = dir.path().join("eval.tsv");
    if eval_to(&eval).is_some() {
        // the evaluation knows it is 5.29.3
        assert_eq!(plan_actions(&lock, &eval), expect("reuse"));
    }
}

#[test]
fn usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.tsv").display().to_string();
    // neither source
    let o = run(&["index", "--out", &out]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    // both
    let o = run(&[
        "index",
        "--scan",
        &mini(),
        "--nixpkgs",
        &mini(),
        "--python",
        "3.13",
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(2));
    // --nixpkgs needs --python; --scan takes none
    let o = run(&["index", "--nixpkgs", &mini(), "--out", &out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--python"), "{}", text(&o.stderr));
    let o = run(&[
        "index",
        "--scan",
        &mini(),
        "--python",
        "3.13",
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(2));
    // a bad --python is a user error naming the flag
    let o = run(&[
        "index",
        "--nixpkgs",
        &mini(),
        "--python",
        "three",
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("--python \"three\""),
        "{}",
        text(&o.stderr)
    );
    // not a nixpkgs tree
    let o = run(&[
        "index",
        "--scan",
        &dir.path().display().to_string(),
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("cannot scan the nixpkgs tree"), "{stderr}");
    assert!(stderr.contains("python-packages.nix"), "{stderr}");
    assert!(!Path::new(&out).exists());
}
