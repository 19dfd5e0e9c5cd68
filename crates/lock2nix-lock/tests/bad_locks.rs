//! The corpus of malformed and hostile locks in `fixtures/bad-locks/`: each file must give exactly
//! the error kind, position and key path of `EXPECTED.tsv` (or read fine: `Ok`), and nothing
//! may panic. Set `LOCK2NIX_PRINT_BAD_LOCKS=1` to print what each file gives.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use lock2nix_lock::{read_lock, ErrorKind};

/// The variant name of an [`ErrorKind`] (`MissingKey`, `Toml`, …).
fn variant(kind: &ErrorKind) -> String {
    let debug = format!("{kind:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap()
        .to_string()
}

/// What reading a file gives, as a TSV row: kind, line, column, key path (`-` when empty/absent).
fn outcome(path: &Path) -> Result<(String, String, String, String, String), String> {
    let result = catch_unwind(AssertUnwindSafe(|| read_lock(path).map_err(Box::new)))
        .map_err(|_| format!("{}: read_lock panicked", path.display()))?;
    Ok(match result {
        Ok(lock) => (
            "Ok".into(),
            "-".into(),
            "-".into(),
            "-".into(),
            format!("{} packages", lock.packages.len()),
        ),
        Err(e) => {
            let (line, col) = e.position.map_or(("-".into(), "-".into()), |p| {
                (p.line.to_string(), p.column.to_string())
            });
            let kp = if e.key_path.is_empty() {
                "-".to_string()
            } else {
                e.key_path.clone()
            };
            (variant(&e.kind), line, col, kp, e.to_string())
        }
    })
}

#[test]
fn every_bad_lock_gives_its_expected_error() {
    let dir = common::fixture("bad-locks");
    let manifest = std::fs::read_to_string(dir.join("EXPECTED.tsv")).unwrap();
    let mut expected = std::collections::BTreeMap::new();
    for (n, line) in manifest.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            cols.len(),
            5,
            "EXPECTED.tsv line {}: want 5 tab-separated columns",
            n + 1
        );
        assert!(
            expected
                .insert(
                    cols[0].to_string(),
                    cols[1..].iter().map(|s| s.to_string()).collect::<Vec<_>>()
                )
                .is_none(),
            "{} listed twice",
            cols[0]
        );
    }
    let print = std::env::var("LOCK2NIX_PRINT_BAD_LOCKS").as_deref() == Ok("1");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".lock"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "the corpus has {} files", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let (kind, line, col, kp, display) = match outcome(&dir.join(file)) {
            Ok(o) => o,
            Err(panic) => {
                failures.push(panic);
                continue;
            }
        };
        if print {
            println!("{file}\t{kind}\t{line}\t{col}\t{kp}\t{display}");
        }
        let Some(exp) = expected.remove(file) else {
            failures.push(format!(
                "{file}: not in EXPECTED.tsv (it gives {kind} {line}:{col} {kp})"
            ));
            continue;
        };
        let key_ok = if exp[3] == "-" {
            kp == "-"
        } else {
            kp.contains(&exp[3])
        };
        if exp[0] != kind || exp[1] != line || exp[2] != col || !key_ok {
            failures.push(format!(
                "{file}: expected {} {}:{} `{}`, got {kind} {line}:{col} `{kp}` ({display})",
                exp[0], exp[1], exp[2], exp[3]
            ));
        }
        // every error names the file it is in
        if kind != "Ok" {
            assert!(
                display.starts_with(&dir.join(file).display().to_string()),
                "{display}"
            );
        }
    }
    for file in expected.keys() {
        failures.push(format!("{file}: in EXPECTED.tsv but not in the directory"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
