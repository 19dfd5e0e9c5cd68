//! The full `Display` (and hint) of representative errors, as a person sees them (insta inline
//! snapshots): file:line:column, key path, what was found and what was expected.

mod common;

use std::path::Path;

use lock2nix_lock::{parse_lock, parse_pyproject, read_lock, Error};

fn shown(e: &Error) -> String {
    match e.hint() {
        Some(h) => format!("{e}\nhint: {h}"),
        None => e.to_string(),
    }
}

/// The error of a corpus file, parsed as `uv.lock` (so the path in the message is stable).
fn message(file: &str) -> String {
    let text = std::fs::read_to_string(common::fixture("bad-locks").join(file)).unwrap();
    shown(&parse_lock(&text, Path::new("uv.lock")).unwrap_err())
}

#[test]
fn missing_edge_target() {
    insta::assert_snapshot!(message("edge-missing.lock"), @r"
    uv.lock:10:5: at `package[0].dependencies[0]`: package a==1.0 depends on b, but the lock has no such package
    hint: the lock is inconsistent; run `uv lock` to rewrite it
    ");
}

#[test]
fn ambiguous_edge() {
    insta::assert_snapshot!(message("edge-ambiguous.lock"), @r"
    uv.lock:10:5: at `package[0].dependencies[0]`: package a==1.0 depends on b, which matches 2 packages (b==2.0 from registry+https://pypi.org/simple, b==3.0 from registry+https://pypi.org/simple); the edge needs `version` and `source` to choose one
    hint: the lock is inconsistent; run `uv lock` to rewrite it
    ");
}

#[test]
fn git_rev_differs_from_commit() {
    insta::assert_snapshot!(message("git-rev-mismatch.lock"), @r#"
    uv.lock:8:18: at `package[0].source.git`: invalid git source "https://github.com/vsoch/oci-python?rev=0000000000000000000000000000000000000000…": `rev=0000000000000000000000000000000000000000` is a full commit but differs from the locked commit ceb4fcc090851717a3069d78e85ceb1e86c2740c
    hint: a locked git source is `<repository>?<rev|tag|branch>=…#<full commit sha>`; run `uv lock` to resolve the reference and record its commit
    "#);
}

#[test]
fn short_hash() {
    insta::assert_snapshot!(message("hash-short.lock"), @r#"
    uv.lock:12:62: at `package[0].sdist.hash`: invalid hash "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde": a sha256 digest has 64 hex digits, this one has 63
    hint: the file was edited by hand or damaged: fix it at the position shown, or regenerate it (`uv lock` rewrites a uv.lock)
    "#);
}

#[test]
fn future_lock_version() {
    insta::assert_snapshot!(message("version-2.lock"), @"uv.lock:1:11: at `version`: unsupported lock version 2: lock2nix reads uv.lock version 1 (any revision); a newer uv wrote this lock, so upgrade lock2nix or re-lock with a uv that writes version 1");
}

#[test]
fn bad_marker() {
    insta::assert_snapshot!(message("bad-marker.lock"), @r#"
    uv.lock:10:28: at `package[0].dependencies[0].marker`: invalid PEP 508 marker "python_version >< '3.8'": Expected a valid marker operator (such as `>=` or `not in`), found `><`
    hint: the file was edited by hand or damaged: fix it at the position shown, or regenerate it (`uv lock` rewrites a uv.lock)
    "#);
}

#[test]
fn duplicate_key_and_duplicate_package() {
    insta::assert_snapshot!(message("duplicate-key.lock"), @r#"
    uv.lock:19:1: invalid TOML: duplicate key "name" (a key or table is defined twice)
    hint: the file is damaged; regenerate it with `uv lock` (or restore it from version control)
    "#);
    insta::assert_snapshot!(message("duplicate-package.lock"), @r"
    uv.lock:22:1: at `package[2]`: package b==2.0 from registry+https://pypi.org/simple appears more than once (first at line 17)
    hint: the lock is inconsistent; run `uv lock` to rewrite it
    ");
}

#[test]
fn too_deep_and_bad_wheel_name() {
    insta::assert_snapshot!(message("deep-arrays.lock"), @r"
    uv.lock:5:44: tables or arrays nest 41 deep, over the limit of 32
    hint: this is far beyond any real uv.lock or pyproject.toml; check that the right file was given
    ");
    insta::assert_snapshot!(message("wheel-bad-name.lock"), @r#"
    uv.lock:14:13: at `package[0].wheels[0].url`: invalid wheel file name "a-1.0.tar.gz": "a-1.0.tar.gz" is not a wheel file name: it does not end in `.whl`
    hint: the file was edited by hand or damaged: fix it at the position shown, or regenerate it (`uv lock` rewrites a uv.lock)
    "#);
}

#[test]
fn not_utf8() {
    let e = read_lock(Path::new("../../fixtures/bad-locks/invalid-utf8.lock")).unwrap_err();
    insta::assert_snapshot!(shown(&e), @r"
    ../../fixtures/bad-locks/invalid-utf8.lock:4:12: the file is not valid UTF-8 (invalid byte sequence at byte offset 36)
    hint: the file is damaged; regenerate it with `uv lock` (or restore it from version control)
    ");
}

#[test]
fn include_group_cycle() {
    let text = "[dependency-groups]\na = [\"x\", { include-group = \"b\" }]\nb = [{ include-group = \"a\" }]\n";
    let e = parse_pyproject(text, Path::new("pyproject.toml")).unwrap_err();
    insta::assert_snapshot!(shown(&e), @r#"
    pyproject.toml:3:24: at `dependency-groups.b`: invalid value `{ include-group = "a" }`, which closes the cycle a → b → a: expected a group that does not include itself
    hint: the file was edited by hand or damaged: fix it at the position shown, or regenerate it (`uv lock` rewrites a uv.lock)
    "#);
}
