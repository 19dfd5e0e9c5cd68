//! `hash_path` / `dump_path` on generated trees, checked against the real
//! `nix-hash`, `nix hash path` and `nix-store --dump`.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;

use common::*;
use lock2nix_nar::{dump_path, hash_path, hash_tree, nar_bytes, NarError, NarHash, Tree};

fn nested(depth: usize) -> Tree {
    let mut t = Tree::dir([("leaf.txt", Tree::file("bottom\n"))]);
    for i in (0..depth).rev() {
        t = Tree::dir([(format!("level{i}"), t)]);
    }
    t
}

fn cases() -> Vec<(&'static str, Tree)> {
    let mut by_len = Vec::new();
    for len in 0..=17usize {
        by_len.push((format!("len{len:02}"), Tree::file(vec![b'x'; len])));
    }
    by_len.push(("len64".into(), Tree::file(vec![b'y'; 64])));
    by_len.push(("len65".into(), Tree::executable(vec![b'z'; 65])));
    vec![
        ("empty_dir", Tree::empty_dir()),
        ("single_file", Tree::dir([("a", Tree::file("hello\n"))])),
        (
            "single_executable",
            Tree::dir([("run.sh", Tree::executable("#!/bin/sh\necho hi\n"))]),
        ),
        (
            "symlink_to_file",
            Tree::dir([
                ("target.txt", Tree::file("t")),
                ("link", Tree::symlink("target.txt")),
            ]),
        ),
        (
            "symlink_to_dir",
            Tree::dir([
                ("d", Tree::dir([("x", Tree::file("x"))])),
                ("link-to-d", Tree::symlink("d")),
                ("abs-link", Tree::symlink("/usr/bin")),
            ]),
        ),
        (
            "dangling_symlink",
            Tree::dir([("nowhere", Tree::symlink("does/not/exist"))]),
        ),
        (
            "empty_subdirectories",
            Tree::dir([
                ("a", Tree::empty_dir()),
                ("b", Tree::dir([("c", Tree::empty_dir())])),
                ("z", Tree::dir([("f", Tree::file(""))])),
            ]),
        ),
        ("nested_50_levels", nested(50)),
        (
            "names_with_spaces",
            Tree::dir([
                ("with space", Tree::file("1")),
                (" leading", Tree::file("2")),
                ("trailing ", Tree::file("3")),
                ("dir with space", Tree::dir([("in side", Tree::file("4"))])),
            ]),
        ),
        (
            "unicode_nfc_nfd",
            Tree::dir([
                ("caf\u{e9}", Tree::file("nfc")),
                ("cafe\u{301}", Tree::file("nfd")),
                ("日本語", Tree::dir([("ファイル", Tree::file("jp"))])),
                ("emoji-😀", Tree::symlink("caf\u{e9}")),
            ]),
        ),
        (
            "dashes_and_leading_dots",
            Tree::dir([
                ("-", Tree::file("dash")),
                ("-rf", Tree::file("dash-rf")),
                ("--", Tree::empty_dir()),
                (".hidden", Tree::file("h")),
                ("..double", Tree::file("d")),
                ("...", Tree::file("three")),
                (".config", Tree::dir([(".inner", Tree::file("i"))])),
            ]),
        ),
        (
            "bytewise_vs_case_insensitive_order",
            Tree::dir(
                [
                    "B", "a", "Z", "_", "~", "A1", "a1", "aa", "a.b", "a-b", "a b", "Ab", "aB",
                    "0", "9", "[", "{",
                ]
                .map(|n| (n, Tree::file(n))),
            ),
        ),
        (
            "file_over_10_mib",
            Tree::dir([
                (
                    "big.bin",
                    Tree::file(pseudo_random_bytes(7, 10 * 1024 * 1024 + 3)),
                ),
                ("small", Tree::file("s")),
            ]),
        ),
        (
            "zero_byte_files",
            Tree::dir([
                ("empty", Tree::file("")),
                ("empty-exec", Tree::executable("")),
                ("sub", Tree::dir([("also-empty", Tree::file(""))])),
            ]),
        ),
        ("lengths_mod_8", Tree::dir(by_len)),
        ("top_level_file", Tree::file("just a file\n")),
        ("top_level_executable", Tree::executable("#!/bin/sh\n")),
        ("top_level_symlink", Tree::symlink("some/where")),
        (
            "odd_symlink_targets",
            Tree::dir([
                ("long", Tree::symlink("x".repeat(300))),
                ("spaces", Tree::symlink("a b/c d")),
                ("dotdot", Tree::symlink("../../etc/passwd")),
                ("unicode", Tree::symlink("caf\u{e9}/日本")),
                ("self", Tree::symlink("self")),
            ]),
        ),
        (
            "mix",
            Tree::dir([
                (
                    "bin",
                    Tree::dir([
                        ("tool", Tree::executable(pseudo_random_bytes(1, 1000))),
                        ("tool-link", Tree::symlink("tool")),
                    ]),
                ),
                (
                    "lib",
                    Tree::dir([
                        (
                            "python3.11",
                            Tree::dir([("site-packages", Tree::empty_dir())]),
                        ),
                        ("libx.so", Tree::file(pseudo_random_bytes(2, 4097))),
                    ]),
                ),
                ("README.md", Tree::file("# readme\n")),
                (".gitignore", Tree::file("target\n")),
                ("share", Tree::symlink("../share")),
            ]),
        ),
    ]
}

#[test]
fn generated_trees_match_nix() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = cases();
    assert!(cases.len() >= 15);
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut ours = Vec::new();
    for (name, tree) in &cases {
        let p = tmp.path().join(name);
        materialize(tree, &p);
        let from_disk = hash_path(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
        let from_tree = hash_tree(tree).unwrap();
        assert_eq!(from_disk, from_tree, "{name}: disk vs in-memory tree");
        let mut dumped = Vec::new();
        dump_path(&p, &mut dumped).unwrap();
        assert_eq!(dumped, nar_bytes(tree).unwrap(), "{name}: NAR bytes");
        assert_eq!(NarHash::sha256_of(&dumped), from_disk, "{name}");
        paths.push(p);
        ours.push(from_disk);
    }
    if !nix_enabled("generated_trees_match_nix") {
        return;
    }
    let b32 = nix_hash_base32(&paths);
    let sri = nix_hash_path_sri(&paths);
    for (i, (name, _)) in cases.iter().enumerate() {
        assert_eq!(ours[i].to_nix_base32(), b32[i], "{name}: nix-hash --base32");
        assert_eq!(ours[i].to_sri(), sri[i], "{name}: nix hash path");
        let nix_nar = nix_store_dump(&paths[i]);
        let mut our_nar = Vec::new();
        dump_path(&paths[i], &mut our_nar).unwrap();
        assert!(
            our_nar == nix_nar,
            "{name}: NAR bytes differ from nix-store --dump"
        );
    }
}

#[test]
fn executable_means_owner_execute_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("modes");
    fs::create_dir(&root).unwrap();
    // (name, mode, expected executable)
    let modes = [
        ("u_rwx", 0o700, true),
        ("u_rx_readonly", 0o500, true),
        ("u_x_only", 0o100, true),
        ("g_x_only", 0o654, false),
        ("o_x_only", 0o645, false),
        ("all_x", 0o755, true),
        ("setuid", 0o4755, true),
        ("plain", 0o644, false),
        ("readonly", 0o444, false),
    ];
    let mut expected = Vec::new();
    for (name, mode, exec) in modes {
        let p = root.join(name);
        fs::write(&p, name).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
        expected.push((
            name,
            Tree::File {
                executable: exec,
                contents: name.into(),
            },
        ));
    }
    // Directory permissions never matter.
    let d = root.join("dir700");
    fs::create_dir(&d).unwrap();
    fs::set_permissions(&d, fs::Permissions::from_mode(0o700)).unwrap();
    expected.push(("dir700", Tree::empty_dir()));
    let ours = hash_path(&root).unwrap();
    assert_eq!(ours, hash_tree(&Tree::dir(expected)).unwrap());
    if nix_enabled("executable_means_owner_execute_bit") {
        assert_eq!(ours.to_nix_base32(), nix_hash_base32(&[&root])[0]);
    }
}

#[test]
fn fifo_is_an_error_and_missing_path_is_io_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("with-fifo");
    fs::create_dir(&root).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(root.join("pipe"))
        .status()
        .expect("mkfifo (coreutils) is needed");
    assert!(status.success());
    let err = hash_path(&root).unwrap_err();
    assert!(
        matches!(err, NarError::UnsupportedFileType { kind: "FIFO", .. }),
        "{err}"
    );
    let err = hash_path(tmp.path().join("missing")).unwrap_err();
    assert!(matches!(err, NarError::Io { .. }), "{err}");
}
