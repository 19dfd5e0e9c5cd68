//! Property tests and limits: no input panics, the parallel (split) parse and the single parse
//! agree exactly, and the documented [`Limits`] are enforced with located errors.

mod common;

use std::path::Path;

use lock2nix_lock::{parse_lock, parse_lock_with, read_lock_with, ErrorKind, Limits, Position};
use proptest::prelude::*;

fn single() -> Limits {
    Limits {
        force_single_parse: true,
        ..Limits::default()
    }
}

/// Both parses of `text`, rendered with `Debug` (the whole lock or the whole error).
fn both(text: &str) -> (String, String) {
    let split = format!(
        "{:?}",
        parse_lock_with(text, Path::new("uv.lock"), &Limits::default())
    );
    let one = format!(
        "{:?}",
        parse_lock_with(text, Path::new("uv.lock"), &single())
    );
    (split, one)
}

fn real_text(rel: &str) -> String {
    std::fs::read_to_string(common::fixture(rel).join("uv.lock")).unwrap()
}

#[test]
fn split_and_single_parse_agree_on_every_real_lock() {
    for (label, dir) in common::real_locks() {
        let text = std::fs::read_to_string(dir.join("uv.lock")).unwrap();
        let (split, one) = both(&text);
        assert!(
            split.starts_with("Ok("),
            "{label}: {}",
            &split[..split.len().min(300)]
        );
        assert!(
            split == one,
            "{label}: the split and the single parse differ"
        );
    }
}

#[test]
fn a_multiline_string_in_the_header_disables_the_split_and_changes_nothing() {
    let text = real_text("locks/top-1000");
    let tricked = text.replacen("\n\n", "\nnote = '''\n'''\n\n", 1);
    assert_ne!(text, tricked);
    let a = parse_lock(&text, Path::new("uv.lock")).unwrap();
    let mut b = parse_lock(&tricked, Path::new("uv.lock")).unwrap();
    for p in &mut b.packages {
        p.line -= 2; // the two inserted lines
    }
    assert!(format!("{:?}", a.packages) == format!("{:?}", b.packages));
    assert_eq!(a.packages.len(), 1168);
}

/// Edges are resolved on rayon's pool, a task per run of packages: of two broken edges far
/// apart, the first in file order is reported, whichever task finishes first.
#[test]
fn the_first_broken_edge_in_file_order_is_reported() {
    let text = real_text("locks/top-1000");
    let break_edge_after = |text: &str, at: usize, name: &str| {
        let i = at + text[at..].find("dependencies = [\n").unwrap() + "dependencies = [\n".len();
        format!("{}    {{ name = \"{name}\" }},\n{}", &text[..i], &text[i..])
    };
    let late = break_edge_after(&text, text.len() * 9 / 10, "no-such-package-late");
    let both_broken = break_edge_after(&late, text.len() / 10, "no-such-package-early");
    let (split, one) = both(&both_broken);
    assert!(split == one, "the split and the single parse differ");
    let e = parse_lock(&both_broken, Path::new("uv.lock")).unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::MissingPackage { to, .. } if to == "no-such-package-early"),
        "{e}"
    );
}

/// Hostile layouts that the split must not get wrong (each one differs from a single parse if
/// the split trusted the text blindly).
#[test]
fn split_layout_traps() {
    let text = real_text("authentik");
    let first = text.find("[[package]]").unwrap();
    let traps = [
        // a `package` key in the header: a single parse rejects the later [[package]]
        format!("{}package = []\n\n{}", &text[..first], &text[first..]),
        format!("{}[package.x]\ny = 1\n\n{}", &text[..first], &text[first..]),
        // an unclosed array just before a [[package]] header deep in the file
        text.replacen(
            "\n]\n\n[[package]]\nname = \"django-channels-postgres\"",
            "\n\n[[package]]\nname = \"django-channels-postgres\"",
            1,
        ),
        // a TOML error late in the file and a semantic error early: TOML is reported first
        text.replacen("version = \"3.11.18\"", "version = \"3.11.x\"", 1)
            .replacen("name = \"zope-interface\"", "name = \"zope-interface", 1),
        // a duplicate [manifest] after the packages
        format!("{text}\n[manifest]\n"),
    ];
    for (i, t) in traps.iter().enumerate() {
        assert_ne!(t, &text, "trap {i} changed nothing");
        let (split, one) = both(t);
        // (the toml crate accepts `package = []` followed by `[[package]]`; whatever it
        // decides, both parses must decide the same)
        if i != 0 {
            assert!(
                split.starts_with("Err("),
                "trap {i} must fail: {}",
                &split[..split.len().min(200)]
            );
        }
        assert!(
            split == one,
            "trap {i}: split {} / single {}",
            &split[..split.len().min(300)],
            &one[..one.len().min(300)]
        );
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SetChar(usize, char),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let chars = prop::sample::select(vec![
        '"', '\'', '[', ']', '{', '}', '=', ',', '.', '#', '\n', ' ', '\\', 'a', 'Z', '0', '9',
        '-', ':', '<', '>', '~', 'é', '\u{0}',
    ]);
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), chars).prop_map(|(i, c)| Mutation::SetChar(i, c)),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    for m in mutations {
        match *m {
            Mutation::DeleteLine(i) if !lines.is_empty() => {
                let i = i % lines.len();
                lines.remove(i);
            }
            Mutation::DuplicateLine(i) if !lines.is_empty() => {
                let i = i % lines.len();
                lines.insert(i, lines[i].clone());
            }
            Mutation::SetChar(i, c) if !lines.is_empty() => {
                let l = i % lines.len();
                let chars: Vec<char> = lines[l].chars().collect();
                let at = (i / lines.len()) % chars.len().max(1);
                let mut s: String = chars.iter().take(at).collect();
                s.push(c);
                s.extend(chars.iter().skip(at + 1));
                lines[l] = s;
            }
            _ => {}
        }
    }
    lines.concat()
}

fn no_panic(text: &str) -> Result<(), TestCaseError> {
    let r = std::panic::catch_unwind(|| {
        let _ = parse_lock(text, Path::new("uv.lock"));
    });
    prop_assert!(r.is_ok(), "parse_lock panicked");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        no_panic(&String::from_utf8_lossy(&bytes))?;
        let tmp = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(tmp.path(), &bytes).unwrap();
        let r = std::panic::catch_unwind(|| { let _ = read_lock_with(tmp.path(), &Limits::default()); });
        prop_assert!(r.is_ok());
    }

    #[test]
    fn toml_shaped_noise_never_panics(parts in prop::collection::vec(prop::sample::select(vec![
        "version = 1\n", "revision = 3\n", "[[package]]\n", "[[distribution]]\n", "name = \"a\"\n",
        "name = \"b\"\n", "version = \"1.0\"\n", "source = { registry = \"https://x\" }\n",
        "source = { editable = \".\" }\n", "source = \"registry+x\"\n",
        "dependencies = [{ name = \"a\" }]\n", "dependencies = [{ name = \"b\", marker = \"os_name == 'nt'\" }]\n",
        "[package.optional-dependencies]\nx = [{ name = \"b\", extra = [\"y\"] }]\n",
        "[package.dev-dependencies]\ndev = [{ name = \"a\" }]\n", "[package.metadata]\nrequires-dist = [{ name = \"a\", specifier = \">=1\" }]\n",
        "wheels = [{ url = \"https://x/a-1.0-py3-none-any.whl\", hash = \"sha256:00\" }]\n",
        "sdist = { url = \"https://x/a-1.0.tar.gz\", size = 1 }\n", "[manifest]\nmembers = [\"a\"]\n",
        "resolution-markers = [\"python_full_version >= '3.12'\"]\n", "conflicts = [[{ package = \"a\", extra = \"x\" }]]\n",
        "x = [[[[[[[[[[]]]]]]]]]]\n", "\n", "# comment\n", "[options]\nfoo = 1\n",
    ]), 0..60)) {
        no_panic(&parts.concat())?;
    }

    #[test]
    fn mutations_of_a_small_real_lock_never_panic(ms in prop::collection::vec(mutation(), 1..6)) {
        let text = real_text("locks/workspace-mixed");
        no_panic(&apply(&text, &ms))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    /// authentik has 254 packages, so the reader splits it; any mutation must give the same
    /// result (lock or error) as the single parse.
    #[test]
    fn mutated_split_parse_equals_single_parse(ms in prop::collection::vec(mutation(), 1..4)) {
        let text = apply(&real_text("authentik"), &ms);
        let (split, one) = both(&text);
        prop_assert!(split == one, "split: {}\nsingle: {}", &split[..split.len().min(400)], &one[..one.len().min(400)]);
    }
}

#[test]
fn huge_strings_are_rejected_with_short_messages() {
    let base = real_text("locks/workspace-mixed");
    let huge = "x".repeat(2 * 1024 * 1024);
    // a 2 MiB package name (not a valid name: it contains a space) and a 2 MiB marker
    let t = base.replacen("name = \"attrs\"", &format!("name = \"attrs {huge}\""), 1);
    let e = parse_lock(&t, Path::new("uv.lock")).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::InvalidName { .. }), "{e}");
    assert!(
        e.to_string().len() < 2_000,
        "message is {} bytes",
        e.to_string().len()
    );
    let t = base.replacen("marker = \"", &format!("marker = \"{huge} "), 1);
    let e = parse_lock(&t, Path::new("uv.lock")).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::InvalidMarker { .. }), "{e}");
    assert!(e.to_string().len() < 2_000);
    // a 2 MiB valid-looking URL is accepted as data
    let t = base.replacen(
        "https://files.pythonhosted.org/packages/",
        &format!("https://files.pythonhosted.org/{huge}/"),
        1,
    );
    assert!(parse_lock(&t, Path::new("uv.lock")).is_ok());
}

#[test]
fn split_and_single_parse_agree_on_packages_of_a_few_bytes() {
    // each package's text is smaller than what it takes read: the split parse reads every chunk
    // into an array of its own, then leaves the lock to the single parse
    let mut text = String::from("version = 1\nrevision = 3\nrequires-python = \">=3.12\"\n");
    for i in 0..200 {
        text.push_str(&format!(
            "\n[[package]]\nname = \"p{i}\"\nsource = {{ virtual = \"p{i}\" }}\n"
        ));
    }
    let (split, one) = both(&text);
    assert!(split.starts_with("Ok"), "{split}");
    assert_eq!(split, one);
    let bad = text.replacen("name = \"p150\"", "name = \"p 150\"", 1);
    let (split, one) = both(&bad);
    assert!(split.starts_with("Err"), "{split}");
    assert_eq!(split, one);
}

#[test]
fn limits_are_enforced_with_positions() {
    let dir = common::fixture("locks/top-300");
    let path = dir.join("uv.lock");
    let e = read_lock_with(
        &path,
        &Limits {
            max_file_size: 1000,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::TooLarge {
            size: 2_676_418,
            limit: 1000
        }
    );

    let text = real_text("locks/top-300");
    let first_pkg_line = text[..text.find("[[package]]").unwrap()].lines().count() + 1;
    for force in [false, true] {
        let limits = Limits {
            max_packages: 100,
            force_single_parse: force,
            ..Limits::default()
        };
        let e = parse_lock_with(&text, Path::new("uv.lock"), &limits).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::TooMany {
                what: "packages",
                count: 433,
                limit: 100
            },
            "force={force}"
        );
        assert_eq!(
            e.position,
            Some(Position {
                line: first_pkg_line,
                column: 1
            }),
            "force={force}"
        );
        assert_eq!(e.key_path, "package");
    }
    let a = real_text("authentik");
    let e = parse_lock_with(
        &a,
        Path::new("uv.lock"),
        &Limits {
            max_wheels_per_package: 20,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            e.kind,
            ErrorKind::TooMany {
                what: "wheels of one package",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.key_path.ends_with(".wheels"), "{e}");
    let e = parse_lock_with(
        &a,
        Path::new("uv.lock"),
        &Limits {
            max_dependencies_per_package: 3,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            e.kind,
            ErrorKind::TooMany {
                what: "dependencies of one package",
                ..
            }
        ),
        "{e}"
    );
    let e = parse_lock_with(
        &a,
        Path::new("uv.lock"),
        &Limits {
            max_depth: 4,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(e.kind, ErrorKind::TooDeep { depth: 9, limit: 4 }),
        "package[i].metadata.requires-dev.<group>[j].extras[k] is 9 levels: {e}"
    );
    assert!(e.position.is_some());
    assert!(parse_lock_with(
        &a,
        Path::new("uv.lock"),
        &Limits {
            max_depth: 9,
            ..Limits::default()
        }
    )
    .is_ok());
}
