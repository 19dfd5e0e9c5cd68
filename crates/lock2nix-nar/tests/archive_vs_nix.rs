//! `hash_archive` against `nix-hash` of the unpacked tree, for archives built
//! both with Rust crates and with the real `tar`, `zip` and `git archive` CLIs.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::io::{Cursor, Read, Write};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use lock2nix_nar::{
    archive_to_tree, hash_archive, hash_archive_with, hash_path, hash_tree, ArchiveKind,
    ArchiveOptions, NarError, NarHash, StripRoot, Tree,
};

const ALL_KINDS: [ArchiveKind; 5] = [
    ArchiveKind::Tar,
    ArchiveKind::TarGz,
    ArchiveKind::TarBz2,
    ArchiveKind::TarXz,
    ArchiveKind::Zip,
];

fn long_name(n: usize) -> String {
    "n".repeat(n)
}

fn sample_trees() -> Vec<(&'static str, Tree)> {
    let mut deep = Tree::dir([("bottom", Tree::executable("b"))]);
    for i in 0..50 {
        deep = Tree::dir([(format!("d{i}"), deep)]);
    }
    vec![
        (
            "mix",
            Tree::dir([
                (
                    "bin",
                    Tree::dir([
                        ("tool", Tree::executable(pseudo_random_bytes(3, 5000))),
                        ("tool-link", Tree::symlink("tool")),
                    ]),
                ),
                ("empty-dir", Tree::empty_dir()),
                ("README.md", Tree::file("# hi\n")),
                (".hidden", Tree::file("")),
                ("caf\u{e9}", Tree::file("nfc")),
                ("cafe\u{301}", Tree::file("nfd")),
                ("B", Tree::file("B")),
                ("a", Tree::file("a")),
                ("dangling", Tree::symlink("no/such/file")),
                ("dir-link", Tree::symlink("bin")),
            ]),
        ),
        ("nested_50", deep),
        (
            "long_names",
            Tree::dir([
                (long_name(150), Tree::file("150")),
                (
                    long_name(120),
                    Tree::dir([(long_name(200), Tree::executable("deep long"))]),
                ),
                ("short-link-to-long".into(), Tree::symlink(long_name(150))),
                ("long-target".into(), Tree::symlink("t".repeat(180))),
            ]),
        ),
        (
            "lengths",
            Tree::dir((0..=17usize).map(|n| (format!("f{n}"), Tree::file(vec![b'q'; n])))),
        ),
        ("single_file_inside", Tree::dir([("only", Tree::file("x"))])),
        ("empty_top_dir", Tree::empty_dir()),
    ]
}

/// Appends `tree` to a tar builder under `path` (explicit directory entries).
fn append_tree<W: Write>(b: &mut tar::Builder<W>, path: &str, tree: &Tree) {
    let mut h = tar::Header::new_gnu();
    h.set_mtime(1_700_000_000);
    match tree {
        Tree::File {
            executable,
            contents,
        } => {
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(if *executable { 0o755 } else { 0o644 });
            h.set_size(contents.len() as u64);
            b.append_data(&mut h, path, contents.as_slice()).unwrap();
        }
        Tree::Symlink { target } => {
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_mode(0o777);
            h.set_size(0);
            b.append_link(&mut h, path, OsStr::from_bytes(target))
                .unwrap();
        }
        Tree::Directory(entries) => {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_size(0);
            b.append_data(&mut h, format!("{path}/"), std::io::empty())
                .unwrap();
            for (name, child) in entries {
                let name = std::str::from_utf8(name).unwrap();
                append_tree(b, &format!("{path}/{name}"), child);
            }
        }
    }
}

fn tar_of(top: &str, tree: &Tree) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    append_tree(&mut b, top, tree);
    b.into_inner().unwrap()
}

fn compress(kind: ArchiveKind, tar: Vec<u8>) -> Vec<u8> {
    match kind {
        ArchiveKind::Tar => tar,
        ArchiveKind::TarGz => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(&tar).unwrap();
            e.finish().unwrap()
        }
        ArchiveKind::TarBz2 => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            e.write_all(&tar).unwrap();
            e.finish().unwrap()
        }
        ArchiveKind::TarXz => {
            let mut e =
                lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6))
                    .unwrap();
            e.write_all(&tar).unwrap();
            e.finish().unwrap()
        }
        ArchiveKind::Zip => unreachable!("zip is built by zip_of"),
    }
}

fn zip_add(z: &mut zip::ZipWriter<Cursor<Vec<u8>>>, path: &str, tree: &Tree) {
    use zip::write::SimpleFileOptions;
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    match tree {
        Tree::File {
            executable,
            contents,
        } => {
            let mode = if *executable { 0o755 } else { 0o644 };
            z.start_file(path, opts.unix_permissions(mode)).unwrap();
            z.write_all(contents).unwrap();
        }
        Tree::Symlink { target } => {
            z.add_symlink(path, std::str::from_utf8(target).unwrap(), opts)
                .unwrap();
        }
        Tree::Directory(entries) => {
            z.add_directory(format!("{path}/"), opts).unwrap();
            for (name, child) in entries {
                let name = std::str::from_utf8(name).unwrap();
                zip_add(z, &format!("{path}/{name}"), child);
            }
        }
    }
}

fn zip_of(top: &str, tree: &Tree) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip_add(&mut z, top, tree);
    z.finish().unwrap().into_inner()
}

fn archive_of(kind: ArchiveKind, top: &str, tree: &Tree) -> Vec<u8> {
    match kind {
        ArchiveKind::Zip => zip_of(top, tree),
        k => compress(k, tar_of(top, tree)),
    }
}

/// The hash the archive must have: `nix-hash` of the materialised tree when
/// Nix is there (else `hash_path`, itself checked against Nix elsewhere).
fn expected_hashes(dirs: &[PathBuf], nix: bool) -> Vec<NarHash> {
    let ours: Vec<NarHash> = dirs.iter().map(|d| hash_path(d).unwrap()).collect();
    if nix {
        let theirs = nix_hash_base32(dirs);
        for (o, t) in ours.iter().zip(&theirs) {
            assert_eq!(&o.to_nix_base32(), t, "hash_path disagrees with nix-hash");
        }
    }
    ours
}

fn run_ok(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn crate_built_archives_of_all_kinds() {
    let nix = nix_enabled("crate_built_archives_of_all_kinds");
    let tmp = tempfile::tempdir().unwrap();
    let trees = sample_trees();
    let dirs: Vec<PathBuf> = trees
        .iter()
        .map(|(name, tree)| {
            let p = tmp.path().join(name);
            materialize(tree, &p);
            p
        })
        .collect();
    let expected = expected_hashes(&dirs, nix);
    for ((name, tree), want) in trees.iter().zip(&expected) {
        for kind in ALL_KINDS {
            let top = format!("{name}-1.0");
            let bytes = archive_of(kind, &top, tree);
            let got = hash_archive(bytes.as_slice(), kind, StripRoot::Yes)
                .unwrap_or_else(|e| panic!("{name} {kind:?}: {e}"));
            assert_eq!(&got, want, "{name} as {kind:?}, stripRoot = true");
            // stripRoot = false keeps the top directory.
            let unstripped = hash_archive(bytes.as_slice(), kind, StripRoot::No).unwrap();
            let wrapped = Tree::dir([(top.as_str(), tree.clone())]);
            assert_eq!(
                unstripped,
                hash_tree(&wrapped).unwrap(),
                "{name} as {kind:?}, stripRoot = false"
            );
        }
    }
}

#[test]
fn cli_built_archives_tar_gnu_pax_and_zip() {
    let nix = nix_enabled("cli_built_archives_tar_gnu_pax_and_zip");
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir(&src).unwrap();
    let trees = sample_trees();
    let mut dirs = Vec::new();
    for (name, tree) in &trees {
        let p = src.join(name);
        materialize(tree, &p);
        dirs.push(p);
    }
    let expected = expected_hashes(&dirs, nix);
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    for ((name, _), want) in trees.iter().zip(&expected) {
        let variants: [(&str, &[&str], ArchiveKind); 6] = [
            ("gnu.tar", &["--format=gnu", "-cf"], ArchiveKind::Tar),
            ("pax.tar.gz", &["--format=pax", "-czf"], ArchiveKind::TarGz),
            (
                "gnu.tar.bz2",
                &["--format=gnu", "-cjf"],
                ArchiveKind::TarBz2,
            ),
            ("pax.tar.xz", &["--format=pax", "-cJf"], ArchiveKind::TarXz),
            ("ustar-ok.tar", &["--format=posix", "-cf"], ArchiveKind::Tar),
            ("gnu.tgz", &["-czf"], ArchiveKind::TarGz),
        ];
        for (suffix, flags, kind) in variants {
            let file = out.join(format!("{name}.{suffix}"));
            assert_eq!(ArchiveKind::from_file_name(suffix), Some(kind));
            run_ok(
                Command::new("tar")
                    .arg("-C")
                    .arg(&src)
                    .args(flags)
                    .arg(&file)
                    .arg(name),
            );
            let got = hash_archive(fs::File::open(&file).unwrap(), kind, StripRoot::Yes)
                .unwrap_or_else(|e| panic!("{name}.{suffix}: {e}"));
            assert_eq!(&got, want, "{name}.{suffix}");
        }
        let zip_file = out.join(format!("{name}.zip"));
        run_ok(
            Command::new("zip")
                .current_dir(&src)
                .args(["-q", "-r", "-y"])
                .arg(&zip_file)
                .arg(name),
        );
        let got = hash_archive(
            fs::File::open(&zip_file).unwrap(),
            ArchiveKind::Zip,
            StripRoot::Yes,
        )
        .unwrap_or_else(|e| panic!("{name}.zip: {e}"));
        assert_eq!(&got, want, "{name}.zip (zip -r -y)");
    }
}

/// Unpacks with GNU tar into a fresh directory and returns it.
fn gnu_untar(archive: &Path, into: &Path) -> PathBuf {
    fs::create_dir_all(into).unwrap();
    run_ok(
        Command::new("tar")
            .arg("-C")
            .arg(into)
            .arg("-xf")
            .arg(archive),
    );
    into.to_path_buf()
}

/// The single entry of `dir` (what fetchzip's stripRoot moves to $out).
fn only_entry(dir: &Path) -> PathBuf {
    let entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries.into_iter().next().unwrap()
}

#[test]
fn github_style_tarball_from_git_archive() {
    let nix = nix_enabled("github_style_tarball_from_git_archive");
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let tree = Tree::dir([
        (
            "setup.py",
            Tree::file("from setuptools import setup\nsetup()\n"),
        ),
        (
            "bin",
            Tree::dir([("cli", Tree::executable("#!/usr/bin/env python\n"))]),
        ),
        ("docs-link", Tree::symlink("docs")),
        ("docs", Tree::dir([("index.md", Tree::file("# docs\n"))])),
        (".github", Tree::dir([("ci.yml", Tree::file("on: push\n"))])),
        (long_name(140).as_str(), Tree::file("long")),
    ]);
    materialize(&tree, &repo);
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t.invalid",
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .output()
            .expect("git is needed for this test");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "init"]);
    let sha = git(&["rev-parse", "HEAD"]).trim().to_owned();
    let tarball = tmp.path().join(format!("{sha}.tar.gz"));
    git(&[
        "archive",
        "--format=tar.gz",
        &format!("--prefix=repo-{sha}/"),
        "-o",
        tarball.to_str().unwrap(),
        "HEAD",
    ]);
    // It really is a GitHub-style tarball: a pax global header carrying the commit.
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(fs::File::open(&tarball).unwrap())
        .read_to_end(&mut raw)
        .unwrap();
    assert_eq!(&raw[..17], b"pax_global_header");
    assert_eq!(raw[156], b'g');
    assert!(raw
        .windows(sha.len() + 8)
        .any(|w| w == format!("comment={sha}").as_bytes()));

    let got = hash_archive(
        fs::File::open(&tarball).unwrap(),
        ArchiveKind::from_file_name(tarball.to_str().unwrap()).unwrap(),
        StripRoot::Yes,
    )
    .unwrap();
    assert_eq!(got, hash_tree(&tree).unwrap());
    let unpacked = only_entry(&gnu_untar(&tarball, &tmp.path().join("unpacked")));
    assert_eq!(
        unpacked.file_name().unwrap().to_str().unwrap(),
        format!("repo-{sha}")
    );
    let expected = expected_hashes(&[unpacked], nix);
    assert_eq!(got, expected[0]);
}

fn raw_tar_entry(
    b: &mut tar::Builder<Vec<u8>>,
    ty: tar::EntryType,
    name: &[u8],
    mode: u32,
    data: &[u8],
) {
    // Writes the name straight into the header so tests can use names the
    // tar crate's builder would refuse (`..`, `pax_global_header`, ...).
    let mut h = tar::Header::new_ustar();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_entry_type(ty);
    h.set_mode(mode);
    h.set_size(data.len() as u64);
    h.set_mtime(0);
    h.set_cksum();
    b.append(&h, data).unwrap();
}

#[test]
fn handcrafted_github_tarball_with_global_header() {
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let mut b = tar::Builder::new(Vec::new());
    let comment = format!("comment={sha}\n");
    let record = format!("{} {comment}", comment.len() + 3);
    raw_tar_entry(
        &mut b,
        tar::EntryType::XGlobalHeader,
        b"pax_global_header",
        0o666,
        record.as_bytes(),
    );
    let tree = Tree::dir([
        ("pkg", Tree::dir([("__init__.py", Tree::file("x = 1\n"))])),
        ("run", Tree::executable("#!/bin/sh\n")),
    ]);
    append_tree(&mut b, &format!("repo-{sha}"), &tree);
    let tarball = compress(ArchiveKind::TarGz, b.into_inner().unwrap());
    let got = hash_archive(tarball.as_slice(), ArchiveKind::TarGz, StripRoot::Yes).unwrap();
    assert_eq!(got, hash_tree(&tree).unwrap());
    // Not stripping: the global header must still not appear as a file.
    let t = archive_to_tree(
        tarball.as_slice(),
        ArchiveKind::TarGz,
        StripRoot::No,
        &ArchiveOptions::default(),
    )
    .unwrap();
    assert_eq!(t, Tree::dir([(format!("repo-{sha}"), tree)]));
}

#[test]
fn duplicates_hard_links_and_implied_directories_agree_with_gnu_tar() {
    let nix = nix_enabled("duplicates_hard_links_and_implied_directories_agree_with_gnu_tar");
    let tmp = tempfile::tempdir().unwrap();
    let mut b = tar::Builder::new(Vec::new());
    use tar::EntryType as E;
    // No directory entries at all: parents are implied.
    raw_tar_entry(&mut b, E::Regular, b"top/a/b/c.txt", 0o644, b"deep");
    // Duplicate: last wins, including the mode.
    raw_tar_entry(&mut b, E::Regular, b"top/dup", 0o644, b"first version");
    raw_tar_entry(&mut b, E::Regular, b"top/dup", 0o755, b"second");
    // Hard link to an earlier file: same contents and mode.
    raw_tar_entry(&mut b, E::Regular, b"top/orig.sh", 0o700, b"#!/bin/sh\n");
    let mut h = tar::Header::new_ustar();
    h.as_old_mut().name[..12].copy_from_slice(b"top/hard.sh\0");
    h.set_entry_type(E::Link);
    h.set_link_name("top/orig.sh").unwrap();
    h.set_size(0);
    h.set_mode(0o644); // ignored by unpackers for hard links
    h.set_cksum();
    b.append(&h, std::io::empty()).unwrap();
    // Explicit directory entry after its contents keeps them.
    raw_tar_entry(&mut b, E::Directory, b"top/a/", 0o755, b"");
    // `./`-prefixed and doubled slashes.
    raw_tar_entry(&mut b, E::Regular, b"./top//x//y", 0o644, b"xy");
    // Old-style directory: regular type flag with trailing slash.
    raw_tar_entry(&mut b, E::Regular, b"top/olddir/", 0o755, b"");
    let tar_bytes = b.into_inner().unwrap();

    let expected_tree = Tree::dir([
        (
            "a",
            Tree::dir([("b", Tree::dir([("c.txt", Tree::file("deep"))]))]),
        ),
        ("dup", Tree::executable("second")),
        ("orig.sh", Tree::executable("#!/bin/sh\n")),
        ("hard.sh", Tree::executable("#!/bin/sh\n")),
        ("x", Tree::dir([("y", Tree::file("xy"))])),
        ("olddir", Tree::empty_dir()),
    ]);
    let got = hash_archive(tar_bytes.as_slice(), ArchiveKind::Tar, StripRoot::Yes).unwrap();
    assert_eq!(got, hash_tree(&expected_tree).unwrap());

    // A real unpacker agrees.
    let file = tmp.path().join("t.tar");
    fs::write(&file, &tar_bytes).unwrap();
    let unpacked = only_entry(&gnu_untar(&file, &tmp.path().join("u")));
    assert_eq!(got, expected_hashes(&[unpacked], nix)[0]);

    // A GNU-tar-made archive of real hard links.
    let src = tmp.path().join("hl");
    fs::create_dir_all(src.join("top/sub")).unwrap();
    fs::write(src.join("top/one"), "shared").unwrap();
    fs::set_permissions(
        src.join("top/one"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    fs::hard_link(src.join("top/one"), src.join("top/sub/two")).unwrap();
    fs::hard_link(src.join("top/one"), src.join("top/three")).unwrap();
    let hl_tar = tmp.path().join("hl.tar.xz");
    run_ok(
        Command::new("tar")
            .arg("-C")
            .arg(&src)
            .arg("-cJf")
            .arg(&hl_tar)
            .arg("top"),
    );
    let listing = Command::new("tar")
        .arg("-tvf")
        .arg(&hl_tar)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&listing.stdout).contains("link to"),
        "GNU tar should have stored hard links"
    );
    let got = hash_archive(
        fs::File::open(&hl_tar).unwrap(),
        ArchiveKind::TarXz,
        StripRoot::Yes,
    )
    .unwrap();
    assert_eq!(got, expected_hashes(&[src.join("top")], nix)[0]);
}

#[test]
fn strip_root_follows_fetchzip() {
    let nix = nix_enabled("strip_root_follows_fetchzip");
    let tmp = tempfile::tempdir().unwrap();
    use tar::EntryType as E;
    // Several top-level entries: error with stripRoot, fine without.
    let mut b = tar::Builder::new(Vec::new());
    raw_tar_entry(&mut b, E::Regular, b"a.txt", 0o644, b"a");
    raw_tar_entry(&mut b, E::Directory, b"dir/", 0o755, b"");
    raw_tar_entry(&mut b, E::Regular, b".dotfile", 0o644, b"d");
    let multi = b.into_inner().unwrap();
    let err = hash_archive(multi.as_slice(), ArchiveKind::Tar, StripRoot::Yes).unwrap_err();
    assert!(
        matches!(err, NarError::StripRootNotSingle { count: 3, .. }),
        "{err}"
    );
    let file = tmp.path().join("multi.tar");
    fs::write(&file, &multi).unwrap();
    let unpacked = gnu_untar(&file, &tmp.path().join("multi"));
    assert_eq!(
        hash_archive(multi.as_slice(), ArchiveKind::Tar, StripRoot::No).unwrap(),
        expected_hashes(&[unpacked], nix)[0]
    );

    // A lone file: $out becomes a directory holding it.
    let mut b = tar::Builder::new(Vec::new());
    raw_tar_entry(&mut b, E::Regular, b"tool", 0o755, b"#!/bin/sh\n");
    let lone = b.into_inner().unwrap();
    let got = hash_archive(lone.as_slice(), ArchiveKind::Tar, StripRoot::Yes).unwrap();
    assert_eq!(
        got,
        hash_tree(&Tree::dir([("tool", Tree::executable("#!/bin/sh\n"))])).unwrap()
    );

    // A lone symlink: an error.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(E::Symlink);
    h.set_size(0);
    h.set_mode(0o777);
    b.append_link(&mut h, "link", "target").unwrap();
    let link = b.into_inner().unwrap();
    assert!(matches!(
        hash_archive(link.as_slice(), ArchiveKind::Tar, StripRoot::Yes),
        Err(NarError::StripRootSymlink { .. })
    ));

    // An empty archive: error with stripRoot, empty directory without.
    let empty = tar::Builder::new(Vec::new()).into_inner().unwrap();
    assert!(matches!(
        hash_archive(empty.as_slice(), ArchiveKind::Tar, StripRoot::Yes),
        Err(NarError::StripRootNotSingle { count: 0, .. })
    ));
    assert_eq!(
        hash_archive(empty.as_slice(), ArchiveKind::Tar, StripRoot::No).unwrap(),
        hash_tree(&Tree::empty_dir()).unwrap()
    );
}

fn python_zip(script: &str, out: &Path) {
    let status = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(out)
        .status()
        .expect("python3 is needed for this test");
    assert!(status.success());
}

#[test]
fn zip_executable_bits_need_unix_attributes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("attrs.zip");
    // create_system 0 = MS-DOS (DOS attribute byte only, never executable),
    // 3 = Unix (mode in the high 16 bits of the external attributes).
    python_zip(
        r##"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    def add(name, data, system, attr):
        i = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
        i.create_system = system
        i.external_attr = attr
        i.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(i, data)
    add("top/", b"", 0, 0x10)
    add("top/dos.exe", b"MZ", 0, 0x20)
    add("top/unix-exec", b"#!", 3, (0o100755 << 16))
    add("top/unix-plain", b"p", 3, (0o100644 << 16))
    add("top/unix-no-attrs", b"n", 3, 0)
    add("top/implied/file", b"i", 3, (0o100700 << 16))
    add("top/link", b"unix-exec", 3, (0o120777 << 16))
    add("top/dup", b"one", 3, (0o100644 << 16))
    add("top/dup", b"two", 3, (0o100755 << 16))
"##,
        &out,
    );
    let t = archive_to_tree(
        fs::File::open(&out).unwrap(),
        ArchiveKind::Zip,
        StripRoot::Yes,
        &ArchiveOptions::default(),
    )
    .unwrap();
    assert_eq!(
        t,
        Tree::dir([
            ("dos.exe", Tree::file("MZ")),
            ("unix-exec", Tree::executable("#!")),
            ("unix-plain", Tree::file("p")),
            ("unix-no-attrs", Tree::file("n")),
            ("implied", Tree::dir([("file", Tree::executable("i"))])),
            ("link", Tree::symlink("unix-exec")),
            ("dup", Tree::executable("two")),
        ])
    );
}

#[test]
fn limits_and_unsafe_input_are_typed_errors() {
    use tar::EntryType as E;
    let small = ArchiveOptions {
        max_total_bytes: 1000,
        ..ArchiveOptions::default()
    };
    let big = Tree::dir([("big", Tree::file(vec![0u8; 5000]))]);
    for kind in ALL_KINDS {
        let bytes = archive_of(kind, "top", &big);
        let err = hash_archive_with(bytes.as_slice(), kind, StripRoot::Yes, &small).unwrap_err();
        assert!(
            matches!(err, NarError::SizeLimit { limit: 1000 }),
            "{kind:?}: {err}"
        );
        assert!(hash_archive(bytes.as_slice(), kind, StripRoot::Yes).is_ok());
    }
    let few = ArchiveOptions {
        max_entries: 2,
        ..ArchiveOptions::default()
    };
    let three = tar_of(
        "top",
        &Tree::dir([("a", Tree::file("")), ("b", Tree::file(""))]),
    );
    assert!(matches!(
        hash_archive_with(three.as_slice(), ArchiveKind::Tar, StripRoot::Yes, &few),
        Err(NarError::EntryLimit { limit: 2 })
    ));

    let mut b = tar::Builder::new(Vec::new());
    raw_tar_entry(&mut b, E::Regular, b"top/../../etc/evil", 0o644, b"x");
    let evil = b.into_inner().unwrap();
    assert!(matches!(
        hash_archive(evil.as_slice(), ArchiveKind::Tar, StripRoot::Yes),
        Err(NarError::UnsafePath { .. })
    ));

    let mut b = tar::Builder::new(Vec::new());
    raw_tar_entry(&mut b, E::Regular, b"top/f", 0o644, b"x");
    raw_tar_entry(&mut b, E::Regular, b"top/f/g", 0o644, b"y");
    let through_file = b.into_inner().unwrap();
    assert!(matches!(
        hash_archive(through_file.as_slice(), ArchiveKind::Tar, StripRoot::Yes),
        Err(NarError::NotADirectory { .. })
    ));

    let mut b = tar::Builder::new(Vec::new());
    raw_tar_entry(&mut b, E::Fifo, b"top/pipe", 0o644, b"");
    let fifo = b.into_inner().unwrap();
    assert!(matches!(
        hash_archive(fifo.as_slice(), ArchiveKind::Tar, StripRoot::Yes),
        Err(NarError::UnsupportedEntry { .. })
    ));

    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.as_old_mut().name[..8].copy_from_slice(b"top/hard");
    h.set_entry_type(E::Link);
    h.set_link_name("top/missing").unwrap();
    h.set_size(0);
    h.set_cksum();
    b.append(&h, std::io::empty()).unwrap();
    let dangling_hard = b.into_inner().unwrap();
    assert!(matches!(
        hash_archive(dangling_hard.as_slice(), ArchiveKind::Tar, StripRoot::Yes),
        Err(NarError::HardLinkTargetMissing { .. })
    ));

    let deep_opts = ArchiveOptions {
        max_depth: 10,
        ..ArchiveOptions::default()
    };
    let mut b = tar::Builder::new(Vec::new());
    raw_tar_entry(&mut b, E::Regular, "d/".repeat(11).as_bytes(), 0o644, b"");
    let deep = b.into_inner().unwrap();
    assert!(matches!(
        hash_archive_with(
            deep.as_slice(),
            ArchiveKind::Tar,
            StripRoot::Yes,
            &deep_opts
        ),
        Err(NarError::TooDeep { limit: 10, .. })
    ));
}

#[test]
fn garbage_and_truncated_input_never_panics() {
    let tree = sample_trees().remove(0).1;
    for kind in ALL_KINDS {
        for seed in 0..20u64 {
            let junk = pseudo_random_bytes(seed, (seed as usize) * 97);
            let r = hash_archive(junk.as_slice(), kind, StripRoot::Yes);
            // Some junk might parse as an empty tar; the rest must be errors.
            if let Ok(h) = r {
                assert_eq!(kind, ArchiveKind::Tar, "{kind:?} accepted junk: {h}");
            }
        }
        let good = archive_of(kind, "top", &tree);
        for cut in [1, good.len() / 3, good.len() / 2, good.len() - 1] {
            let r = hash_archive(&good[..cut], kind, StripRoot::Yes);
            if kind == ArchiveKind::Tar && cut > good.len() - 1024 {
                // Only the end-of-archive zero blocks are cut; GNU tar accepts that too.
                assert_eq!(r.unwrap(), hash_tree(&tree).unwrap());
            } else {
                assert!(
                    r.is_err(),
                    "{kind:?} truncated at {cut}/{} accepted",
                    good.len()
                );
            }
        }
        // Flipped bytes: any outcome but a panic.
        for seed in 0..20u64 {
            let mut bad = good.clone();
            let noise = pseudo_random_bytes(seed + 100, 8);
            for (k, n) in noise.iter().enumerate() {
                let idx = (usize::from(*n) * 131 + k * 977 + seed as usize * 7) % bad.len();
                bad[idx] ^= 0x5a;
            }
            let _ = hash_archive(bad.as_slice(), kind, StripRoot::Yes);
        }
    }
}

#[test]
fn hash_of_archive_stream_from_reader_is_streamed() {
    // A reader that hands out one byte at a time must give the same answer.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }
    let tree = sample_trees().remove(0).1;
    for kind in ALL_KINDS {
        let bytes = archive_of(kind, "top", &tree);
        assert_eq!(
            hash_archive(Trickle(&bytes), kind, StripRoot::Yes).unwrap(),
            hash_tree(&tree).unwrap(),
            "{kind:?}"
        );
    }
}

#[test]
fn gnu_sparse_files() {
    use std::io::{Seek, SeekFrom};
    let nix = nix_enabled("gnu_sparse_files");
    let tmp = tempfile::tempdir().unwrap();
    let top = tmp.path().join("src/top");
    fs::create_dir_all(&top).unwrap();
    let mut f = fs::File::create(top.join("sparse")).unwrap();
    f.set_len(3 << 20).unwrap();
    f.seek(SeekFrom::Start(1_000_000)).unwrap();
    f.write_all(b"island of data").unwrap();
    f.seek(SeekFrom::Start(3 << 20)).unwrap();
    f.write_all(b"tail").unwrap();
    drop(f);
    let want = expected_hashes(std::slice::from_ref(&top), nix)[0];
    for (name, flags) in [
        ("gnu.tar", &["--format=gnu", "-cSf"][..]),
        ("oldgnu.tar", &["--format=oldgnu", "-cSf"][..]),
        ("pax.tar", &["--format=pax", "-cSf"][..]),
    ] {
        let file = tmp.path().join(name);
        run_ok(
            Command::new("tar")
                .arg("-C")
                .arg(tmp.path().join("src"))
                .args(flags)
                .arg(&file)
                .arg("top"),
        );
        let got = hash_archive(
            fs::File::open(&file).unwrap(),
            ArchiveKind::Tar,
            StripRoot::Yes,
        );
        match got {
            Ok(h) => assert_eq!(h, want, "{name}"),
            Err(e) => panic!("{name}: {e}"),
        }
    }
}
