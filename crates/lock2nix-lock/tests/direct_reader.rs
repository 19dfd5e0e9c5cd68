//! The direct reader of `[[package]]` text against the tree path: on every real lock it reads
//! (nearly) every package, and whenever it reads one — real, mutated or hostile — the package and
//! its warnings are the tree path's; a whole lock reads the same with it (split parse) and
//! without it (single parse), errors included.

use std::path::{Path, PathBuf};

use lock2nix_lock::{direct_reader_agrees, parse_lock_with, Limits};
use proptest::prelude::*;

mod common;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn real_locks() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["top-300", "top-1000", "top-1500", "workspace-mixed"]
        .iter()
        .map(|d| repo().join("fixtures/locks").join(d).join("uv.lock"))
        .collect();
    out.push(repo().join("fixtures/authentik/uv.lock"));
    out.retain(|p| p.exists());
    out
}

/// The split parse (direct reader) and the single parse (tree only), described.
fn both_ways(text: &str, limits: &Limits) -> (String, String) {
    let describe = |r: Result<lock2nix_lock::Lock, lock2nix_lock::Error>| match r {
        Ok(lock) => format!("{lock:#?}"),
        Err(e) => format!("error: {e}"),
    };
    let file = Path::new("uv.lock");
    let split = describe(parse_lock_with(text, file, limits));
    let single = describe(parse_lock_with(
        text,
        file,
        &Limits {
            force_single_parse: true,
            ..limits.clone()
        },
    ));
    (split, single)
}

#[test]
fn every_real_lock_is_read_directly_as_through_the_tree() {
    let locks = real_locks();
    assert!(locks.len() >= 4, "expected the real locks, found {locks:?}");
    for f in &locks {
        let text = std::fs::read_to_string(f).unwrap();
        let packages = text.matches("\n[[package]]\n").count();
        let read = direct_reader_agrees(&text)
            .unwrap_or_else(|e| panic!("{}: {}", f.display(), &e[..e.len().min(4000)]));
        // every package, `[package.metadata]` (workspace members) included
        assert!(
            read >= packages,
            "{}: {read} of {packages} packages read directly",
            f.display()
        );
        let (split, single) = both_ways(&text, &Limits::default());
        assert!(
            split == single,
            "{}: split and single parse differ",
            f.display()
        );
    }
}

/// A lock of `n` registry packages, `p0` … `p{n-1}`, each with two wheels, an sdist and a
/// dependency on the next; `edit` rewrites package `k`'s text.
fn generated(n: usize, edit: impl Fn(usize, String) -> String) -> String {
    let mut text = String::from("version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n\n");
    for k in 0..n {
        let deps = if k + 1 < n {
            format!(
                "dependencies = [\n    {{ name = \"p{}\", marker = \"python_full_version >= '3.10'\" }},\n]\n",
                k + 1
            )
        } else {
            String::new()
        };
        let h = format!("sha256:{:064x}", k);
        let package = format!(
            "[[package]]\nname = \"p{k}\"\nversion = \"1.{k}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n{deps}\
             sdist = {{ url = \"https://x/p{k}-1.{k}.tar.gz\", hash = \"{h}\", size = {k}, upload-time = \"2024-01-01T00:00:00Z\" }}\n\
             wheels = [\n    {{ url = \"https://x/p{k}-1.{k}-py3-none-any.whl\", hash = \"{h}\", size = 1{k}, upload-time = \"2024-01-01T00:00:00Z\" }},\n    \
             {{ url = \"https://x/p{k}-1.{k}-cp312-cp312-manylinux_2_17_x86_64.whl\", hash = \"{h}\", size = 2 }},\n]\n\n"
        );
        text.push_str(&edit(k, package));
    }
    text
}

#[test]
fn generated_locks_are_read_directly() {
    let text = generated(70, |_, p| p);
    assert_eq!(direct_reader_agrees(&text), Ok(70));
    let (split, single) = both_ways(&text, &Limits::default());
    assert_eq!(split, single);
}

/// A workspace member's `[package.metadata]` as uv writes it, every kind of requirement in it.
const METADATA: &str = r#"[package.metadata]
requires-dist = [
    { name = "p41" },
    { name = "p42", specifier = ">=1.0,<2" },
    { name = "p43", extras = ["a", "b"], marker = "sys_platform == 'linux'" },
    { name = "p44", marker = "extra == 'x'", editable = "packages/p44" },
    { name = "p45", directory = "../p45" },
    { name = "p46", git = "https://github.com/x/y?rev=abc" },
    { name = "p47", url = "https://x/p47.tar.gz", subdirectory = "sub" },
    { name = "p48", path = "dist/p48.whl" },
    { name = "p49", virtual = "p49" },
    { name = "p50", marker = "sys_platform == 'darwin'", specifier = ">=2", index = "https://pypi.org/simple" },
    { name = "p51", groups = ["dev"] },
    { name = "P_52", url = "https://x/p52.tar.gz" },
]
provides-extras = ["x", "y"]

[package.metadata.requires-dev]
dev = [{ name = "p53", extras = ["z"] }]
docs = [
    { name = "p54" },
    { name = "p55", specifier = "==1.*" },
]

"#;

/// Limits under which a package with `[package.metadata.requires-dev]` is too deep (its
/// requirements' extras nest 9 deep).
fn shallow() -> Limits {
    Limits {
        max_depth: 8,
        ..Limits::default()
    }
}

/// `[package.metadata]` (and `requires-dev`) on every tenth package: each is read directly,
/// as through the tree, and the lock reads alike split or single (also when too deep).
#[test]
fn metadata_is_read_directly() {
    let text = generated(70, |k, p| if k % 10 == 3 { p + METADATA } else { p });
    assert_eq!(direct_reader_agrees(&text), Ok(70));
    // the proptest's sample, unmutated, is read directly
    assert_eq!(direct_reader_agrees(&metadata_sample()), Ok(3));
    for limits in [Limits::default(), shallow()] {
        let (split, single) = both_ways(&text, &limits);
        assert!(split == single, "split and single parse differ");
    }
    let lock = parse_lock_with(&text, Path::new("uv.lock"), &Limits::default()).unwrap();
    let m = lock.packages[3].metadata.as_ref().expect("metadata read");
    assert_eq!(
        (
            m.requires_dist.len(),
            m.provides_extras.len(),
            m.requires_dev.len()
        ),
        (12, 2, 2)
    );
}

/// `[package.metadata]` near what uv writes on package 40 of a split lock: the direct reader
/// reads it (`true`) or leaves it to the tree (`false`), the package is the tree's either way,
/// and the lock reads (or fails) as the single parse has it.
#[test]
fn metadata_near_uv_layout_reads_as_through_the_tree() {
    let edits: Vec<(&str, bool, Edit)> = vec![
        ("as uv writes it", true, Box::new(|m| m)),
        (
            "only requires-dist, one line",
            true,
            Box::new(|_| "[package.metadata]\nrequires-dist = [{ name = \"p41\" }]\n".into()),
        ),
        ("empty", true, Box::new(|_| "[package.metadata]\n\n".into())),
        (
            "comments and blank lines",
            true,
            Box::new(|m| {
                m.replace(
                    "    { name = \"p41\" },\n",
                    "    # c\n\n    { name = \"p41\" }, # d\n",
                )
                .replace("[package.metadata]\n", "[package.metadata] # e\n")
            }),
        ),
        (
            "git beside a bad specifier (the tree reads only git)",
            true,
            Box::new(|m| m.replace("?rev=abc\"", "?rev=abc\", specifier = \">=>\"")),
        ),
        (
            "literal and escaped strings",
            true,
            Box::new(|m| {
                m.replace("\"p41\"", "'p41'")
                    .replace("\"p42\"", "\"p\\u0034\"")
            }),
        ),
        (
            "metadata twice",
            false,
            Box::new(|m| m + "[package.metadata]\nrequires-dist = []\n"),
        ),
        (
            "requires-dev before metadata",
            false,
            Box::new(|m| {
                let (a, b) = m.split_at(m.find("[package.metadata.requires-dev]").unwrap());
                format!("{b}\n{a}")
            }),
        ),
        (
            "requires-dev without metadata",
            false,
            Box::new(|m| m[m.find("[package.metadata.requires-dev]").unwrap()..].to_string()),
        ),
        (
            "dependency-groups spelling",
            false,
            Box::new(|m| m.replace("metadata.requires-dev]", "metadata.dependency-groups]")),
        ),
        (
            "requires-dev inline",
            false,
            Box::new(|m| {
                m.replace(
                    "[package.metadata.requires-dev]\ndev = ",
                    "requires-dev.dev = ",
                )
                .replace("docs = [", "x = [")
            }),
        ),
        (
            "inline metadata",
            false,
            Box::new(|_| "metadata = { requires-dist = [{ name = \"p41\" }] }\n".into()),
        ),
        (
            "unknown metadata key",
            false,
            Box::new(|m| {
                m.replace(
                    "provides-extras",
                    "requires-python = \">=3\"\nprovides-extras",
                )
            }),
        ),
        (
            "requires-dist twice",
            false,
            Box::new(|m| m.replace("provides-extras", "requires-dist = []\nprovides-extras")),
        ),
        (
            "unknown requirement key",
            false,
            Box::new(|m| m.replace("{ name = \"p41\" }", "{ name = \"p41\", foo = \"x\" }")),
        ),
        (
            "conflict",
            false,
            Box::new(|m| {
                m.replace(
                    "{ name = \"p41\" }",
                    "{ name = \"p41\", conflict = { package = \"p0\", extra = \"x\" } }",
                )
            }),
        ),
        (
            "PEP 508 string",
            false,
            Box::new(|m| m.replace("{ name = \"p41\" }", "\"p41>=1\"")),
        ),
        (
            "no name",
            false,
            Box::new(|m| m.replace("{ name = \"p41\" }", "{ specifier = \">=1\" }")),
        ),
        (
            "empty requirement",
            false,
            Box::new(|m| m.replace("{ name = \"p41\" }", "{}")),
        ),
        (
            "name twice",
            false,
            Box::new(|m| m.replace("{ name = \"p41\" }", "{ name = \"p41\", name = \"p42\" }")),
        ),
        (
            "bad name",
            false,
            Box::new(|m| m.replace("\"p41\"", "\"p 41\"")),
        ),
        (
            "bad specifier",
            false,
            Box::new(|m| m.replace(">=1.0,<2", ">=>1")),
        ),
        (
            "bad marker",
            false,
            Box::new(|m| m.replace("sys_platform == 'linux'", "sys_platform >>= 'linux'")),
        ),
        (
            "bad extra",
            false,
            Box::new(|m| m.replace("[\"a\", \"b\"]", "[\"a\", \"b c\"]")),
        ),
        (
            "extra not a string",
            false,
            Box::new(|m| m.replace("[\"a\", \"b\"]", "[\"a\", 1]")),
        ),
        (
            "source not a string",
            false,
            Box::new(|m| m.replace("\"packages/p44\"", "1")),
        ),
        (
            "unnormalised group",
            false,
            Box::new(|m| m.replace("\ndev = [", "\nDev = [")),
        ),
        (
            "group twice",
            false,
            Box::new(|m| m.replace("\ndocs = [", "\ndev = [")),
        ),
        (
            "requires-dist not an array",
            false,
            Box::new(|m| m.replace("requires-dist = [", "requires-dist = 1\nx = [")),
        ),
        (
            "unterminated array",
            false,
            Box::new(|m| m.replace("\n]\nprovides-extras", "\nprovides-extras")),
        ),
        (
            "trailing comma in table",
            false,
            Box::new(|m| m.replace("{ name = \"p41\" }", "{ name = \"p41\", }")),
        ),
    ];
    let plain = generated(70, |_, p| p);
    for (what, direct, edit) in &edits {
        let text = generated(70, |k, p| {
            if k == 40 {
                p + &edit(METADATA.to_string())
            } else {
                p
            }
        });
        let read = direct_reader_agrees(&text)
            .unwrap_or_else(|e| panic!("{what}: {}", &e[..e.len().min(3000)]));
        // the other 69 are read directly whatever package 40 says
        assert_eq!(read, 69 + usize::from(*direct), "{what}: read directly");
        assert_ne!(text, plain, "{what}: the edit changed nothing");
        for limits in [Limits::default(), shallow()] {
            let (split, single) = both_ways(&text, &limits);
            assert!(
                split == single,
                "{what}: split and single parse differ\nsplit: {}\nsingle: {}",
                &split[..split.len().min(2000)],
                &single[..single.len().min(2000)]
            );
        }
    }
}

/// File lines in and near the one-line layout uv writes (which the direct reader reads without
/// its key dispatch): each lock reads as through the tree, split or single.
#[test]
fn file_lines_near_uv_layout_read_as_through_the_tree() {
    let time = "upload-time = \"2024-01-01T00:00:00Z\"";
    let edits = [
        (time, "upload-time = \"2024-01-01T00:00:00.123456789Z\""),
        (time, "upload-time = \"2024-01-01T00:00:00.1Z\""),
        (time, "upload-time = \"2024-01-01T00:00:00.1234567890Z\""),
        (time, "upload-time = \"2024-01-01T00:00:00.Z\""),
        (time, "upload-time = \"2024-01-01T00:00:00.12Z3\""),
        (time, "upload-time = \"2024-01-01T00:00:00Z \""),
        (time, "upload-time = \"2024-01-01 00:00:00Z\""),
        (time, "upload-time = \"2024-01-01T00:00:0aZ\""),
        (time, "upload-time = \"\""),
        (time, "upload-time = \"2024-01-01T00:00:00+01:00\""),
        (time, "upload-time = \"2024-01-01T00:00:00\\u005a\""),
        (time, "upload-time = 2024-01-01T00:00:00Z"),
        (time, "upload-time = '2024-01-01T00:00:00Z'"),
        ("size = 1", "size = 01"),
        ("size = 1", "size = 0"),
        ("size = 1", "size = 123456789012345678"),
        ("size = 1", "size = 1234567890123456789"),
        ("size = 1", "size = 99999999999999999999"),
        ("size = 1", "size = -1"),
        ("size = 1", "size = 1_0"),
        ("size = 1", "size = 1.5"),
        ("hash = \"sha256:00", "hash = \"sha256:AB"),
        ("hash = \"sha256:00", "hash = \"sha256:0g"),
        ("hash = \"sha256:00", "hash = \"sha256:000"),
        ("hash = \"sha256:", "hash = \"sha512:"),
        ("{ url = \"", "{url = \""),
        ("{ url = \"", "{ url = '"),
        ("\", hash = ", "\",hash = "),
        ("Z\" }", "Z\"}"),
        ("Z\" }", "Z\" } # c"),
        ("Z\" }", "Z\", }"),
        ("{ url = \"https://x/", "{ url = \"https://x/\\u0070"),
        ("{ url = \"https://x/", "{ url = \"\thttps://x/"),
        // dependencies that are only a name, near the layout read without the key dispatch
        (", marker = \"python_full_version >= '3.10'\" }", " }"),
        (", marker = \"python_full_version >= '3.10'\" }", " } # c"),
        (", marker = \"python_full_version >= '3.10'\" }", " }x"),
        (", marker = \"python_full_version >= '3.10'\" }", "}"),
        (", marker = \"python_full_version >= '3.10'\" }", "  }"),
        (", marker = \"python_full_version >= '3.10'\" }", ", }"),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"p1\" }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"p1\" } # c",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"p1\" }x",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"p1\"}",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"p1\"  }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"p1\", }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"P1\" }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"P_p1\" }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"-p1\" }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"p1.\" }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"p\\u0031\" }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"p 1\" }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"\" }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = 'p1' }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{name = \"p1\" }",
        ),
        (
            "{ name = \"p1\", marker = \"python_full_version >= '3.10'\" }",
            "{ name = \"p1\" }\n]\nx = [",
        ),
    ];
    for (from, to) in edits {
        let text = generated(40, |_, p| p).replace(from, to);
        if let Err(e) = direct_reader_agrees(&text) {
            panic!("{to}: {}", &e[..e.len().min(3000)]);
        }
        let (split, single) = both_ways(&text, &Limits::default());
        assert_eq!(split, single, "{to}");
    }
    // dependencies that are only a name are read directly
    let plain = generated(40, |_, p| p).replace(edits[33].0, edits[33].1);
    assert!(plain.contains("{ name = \"p1\" }"));
    assert_eq!(direct_reader_agrees(&plain), Ok(40));
}

/// A rewrite of one package's text.
type Edit = Box<dyn Fn(String) -> String>;

/// Hostile or wrong packages in the middle of a split lock: the direct reader declines them
/// and the lock reads (or fails) exactly as the single parse has it.
#[test]
fn hostile_packages_read_as_the_single_parse_has_them() {
    let tight = Limits {
        max_wheels_per_package: 1,
        max_dependencies_per_package: 0,
        ..Limits::default()
    };
    let edits: Vec<(&str, Edit)> = vec![
        (
            "duplicate key",
            Box::new(|p| p.replace("version = ", "name = \"x\"\nversion = ")),
        ),
        (
            "unterminated string",
            Box::new(|p| p.replace("1.40\"\n", "1.40\n")),
        ),
        (
            "escaped url",
            Box::new(|p| p.replace("https://x/p40-1.40-py3", "https://x/p40-1.40\\u002dpy3")),
        ),
        (
            "wrong wheel name",
            Box::new(|p| p.replace("p40-1.40-py3", "q40-2.0-py3")),
        ),
        (
            "bad hash",
            Box::new(|p| p.replacen("sha256:", "sha256:zz", 1)),
        ),
        (
            "upper-case hash",
            Box::new(|p| p.replacen("sha256:00", "sha256:AB", 1)),
        ),
        (
            "escaped hash digit",
            Box::new(|p| p.replacen("sha256:00", "sha256:\\u00300", 1)),
        ),
        (
            "hash then no delimiter",
            Box::new(|p| p.replacen("\", size = 40,", "\"x, size = 40,", 1)),
        ),
        (
            "hash of 65 digits",
            Box::new(|p| p.replacen("sha256:00", "sha256:000", 1)),
        ),
        (
            "negative size",
            Box::new(|p| p.replace("size = 40,", "size = -40,")),
        ),
        (
            "huge size",
            Box::new(|p| p.replace("size = 40,", "size = 99999999999999999999,")),
        ),
        (
            "leading zero",
            Box::new(|p| p.replace("size = 40,", "size = 040,")),
        ),
        (
            "quoted key",
            Box::new(|p| p.replace("name = ", "\"name\" = ")),
        ),
        (
            "no source",
            Box::new(|p| p.replace("source = { registry = \"https://pypi.org/simple\" }\n", "")),
        ),
        (
            "no version",
            Box::new(|p| p.replace("version = \"1.40\"\n", "")),
        ),
        (
            "editable, no version",
            Box::new(|p| {
                p.replace("version = \"1.40\"\n", "")
                    .replace("registry = \"https://pypi.org/simple\"", "editable = \".\"")
            }),
        ),
        (
            "unknown key",
            Box::new(|p| p.replace("sdist = {", "x = 1\nsdist = {")),
        ),
        (
            "zstd",
            Box::new(|p| {
                p.replace(
                    "size = 2 }",
                    "size = 2, zstd = { hash = \"sha256:00\", size = 1 } }",
                )
            }),
        ),
        (
            "bad marker",
            Box::new(|p| {
                p.replace(
                    "python_full_version >= '3.10'",
                    "python_full_version >>= '3.10'",
                )
            }),
        ),
        (
            "deep marker",
            Box::new(|p| {
                p.replace(
                    "python_full_version >= '3.10'",
                    &format!("{}python_version > '3'{}", "(".repeat(200), ")".repeat(200)),
                )
            }),
        ),
        (
            "deep value",
            Box::new(|p| {
                p.replace(
                    "sdist = {",
                    &format!("x = {}1{}\nsdist = {{", "[".repeat(40), "]".repeat(40)),
                )
            }),
        ),
        (
            "extras",
            Box::new(|p| {
                p + "[package.optional-dependencies]\nfoo = [{ name = \"p1\" }]\nFoo = [{ name = \"p2\" }]\n"
            }),
        ),
        (
            "extra twice",
            Box::new(|p| {
                p + "[package.optional-dependencies]\nfoo = []\n[package.optional-dependencies]\nbar = []\n"
            }),
        ),
        (
            "missing dependency",
            Box::new(|p| p.replace("name = \"p41\"", "name = \"nope\"")),
        ),
        (
            "control character",
            Box::new(|p| {
                p.replace(
                    "https://x/p40-1.40.tar.gz",
                    "https://x/p40\u{1}-1.40.tar.gz",
                )
            }),
        ),
        (
            "carriage return",
            Box::new(|p| p.replace("size = 2 }", "size = 2 }\r")),
        ),
        (
            "tab and comment",
            Box::new(|p| p.replace("size = 2 }", "size\t=\t2 } # c")),
        ),
        (
            "inline table over lines",
            Box::new(|p| {
                p.replace(
                    "{ url = \"https://x/p40-1.40-cp312",
                    "{\nurl = \"https://x/p40-1.40-cp312",
                )
            }),
        ),
        (
            "trailing comma in table",
            Box::new(|p| p.replace("size = 2 }", "size = 2, }")),
        ),
    ];
    for (what, edit) in &edits {
        let text = generated(70, |k, p| if k == 40 { edit(p) } else { p });
        assert_ne!(
            text,
            generated(70, |_, p| p),
            "{what}: the edit changed nothing"
        );
        if let Err(e) = direct_reader_agrees(&text) {
            panic!("{what}: {}", &e[..e.len().min(3000)]);
        }
        for limits in [Limits::default(), tight.clone()] {
            let (split, single) = both_ways(&text, &limits);
            assert!(
                split == single,
                "{what}: split and single parse differ\nsplit: {}\nsingle: {}",
                &split[..split.len().min(2000)],
                &single[..single.len().min(2000)]
            );
        }
    }
}

/// The top-1000 lock's first ~40 KB, cut before a `[[package]]` header.
fn sample() -> String {
    let text = std::fs::read_to_string(repo().join("fixtures/locks/top-1000/uv.lock")).unwrap();
    let end = text[..40_000].rfind("\n[[package]]").unwrap();
    text[..end + 1].to_string()
}

/// Bytes that matter to TOML's grammar and to the values.
const INTERESTING: &[u8] = b"[]{}\"'=,.#\n\r\t \\-_0123456789aeEtf+:uxAZ;<>!~*@/";

/// Three packages with [`METADATA`], the first a workspace member.
fn metadata_sample() -> String {
    let text = generated(3, |_, p| p + METADATA);
    text.replacen(
        "source = { registry = \"https://pypi.org/simple\" }",
        "source = { editable = \".\" }",
        1,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, .. ProptestConfig::default() })]

    #[test]
    fn mutated_real_packages_are_read_alike_or_left_to_the_tree(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<prop::sample::Index>()), 1..6)
    ) {
        if let Some(text) = common::mutate(sample(), edits, INTERESTING) {
            if let Err(e) = direct_reader_agrees(&text) {
                prop_assert!(false, "{}\n--- document ---\n{}", &e[..e.len().min(3000)], text);
            }
        }
    }

    #[test]
    fn mutated_metadata_is_read_alike_or_left_to_the_tree(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<prop::sample::Index>()), 1..6)
    ) {
        if let Some(text) = common::mutate(metadata_sample(), edits, INTERESTING) {
            if let Err(e) = direct_reader_agrees(&text) {
                prop_assert!(false, "{}\n--- document ---\n{}", &e[..e.len().min(3000)], text);
            }
        }
    }
}
