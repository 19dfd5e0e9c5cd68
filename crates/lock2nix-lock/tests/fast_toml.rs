//! The one-pass TOML parser against the `toml` crate: on every real file it reads the document
//! (the fast path is taken), and whenever it reads a document — real, malformed, mutated or
//! generated — its tree (values, key order and every span) is the `toml` crate's.

use std::path::{Path, PathBuf};

use lock2nix_lock::fast_parser_agrees;
use proptest::prelude::*;

mod common;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files(dir: &Path, pred: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, pred, out);
        } else if pred(&p) {
            out.push(p);
        }
    }
}

fn real_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    files(
        &repo().join("fixtures"),
        &|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            (name == "uv.lock" || name == "pyproject.toml")
                && !p.starts_with(repo().join("fixtures/bad-locks"))
        },
        &mut out,
    );
    out.sort();
    out
}

#[test]
fn every_real_lock_and_pyproject_takes_the_fast_path_with_the_toml_crates_tree() {
    let files = real_files();
    let locks = files.iter().filter(|p| p.ends_with("uv.lock")).count();
    assert!(locks >= 5, "expected the 5 real locks, found {locks}");
    assert!(
        files.len() >= 15,
        "expected the fixtures' pyproject files too"
    );
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        // the pyproject.toml files written for fixtures/realworld use TOML forms uv never writes
        // (a table after its sub-tables, dotted keys): those may go to the toml crate
        let hand_written =
            f.starts_with(repo().join("fixtures/realworld")) && f.ends_with("pyproject.toml");
        match fast_parser_agrees(&text) {
            Ok(true) => {}
            Ok(false) if hand_written => {}
            Ok(false) => panic!("{}: the fast parser declined a real file", f.display()),
            Err(e) => panic!("{}: {}", f.display(), &e[..e.len().min(4000)]),
        }
    }
}

#[test]
fn bad_locks_are_read_alike_or_left_to_the_toml_crate() {
    let mut bad = Vec::new();
    files(
        &repo().join("fixtures/bad-locks"),
        &|p| p.extension().is_some_and(|e| e == "lock"),
        &mut bad,
    );
    assert!(bad.len() >= 60);
    let mut declined = 0;
    for f in &bad {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        match fast_parser_agrees(&text) {
            Ok(true) => {}
            Ok(false) => declined += 1,
            Err(e) => panic!("{}: {}", f.display(), &e[..e.len().min(4000)]),
        }
    }
    // the TOML-level bad locks (duplicate keys, tables defined twice, bad escapes, …) go to the
    // toml crate, which reports them
    assert!(
        declined >= 3,
        "only {declined} bad locks were left to the toml crate"
    );
}

/// Each case: (document, whether the fast path must read it).
const CASES: &[(&str, bool)] = &[
    ("", true),
    ("a = 1\n", true),
    ("a = 1", true),
    ("a = -12\nb = 0\n", true),
    ("a = \"x\" # c\n# d\n", true),
    ("a = 'lit \\ eral'\n", true),
    ("\"quoted key\" = 1\n'lit key' = 2\n\"\" = 3\n", true),
    ("a = \"\\u00e9\\U0001F600\\t\\n\\\"\\\\\\b\\f\\r\"\n", true),
    ("a = [\n  1, # one\n  2,\n]\n", true),
    ("a = [ [1, [2]], [] ]\n", true),
    ("a = { b = 1, c = { d = [true, false] } }\n", true),
    ("a = {}\nb = { }\n", true),
    ("[t]\nx = 1\n[t.u]\ny = 2\n[v.w.x]\n", true),
    ("[[p]]\na = 1\n[p.m]\nb = 2\n[p.m.n]\n[[p]]\na = 2\n", true),
    ("[ a . \"b\" ]\n[[ c ]]\n", true),
    ("\t a\t=\t1\t\n", true),
    ("a = \"é ü 中\"\n", true),
    // left to the toml crate: outside the subset, or invalid
    ("a = 1.5\n", false),
    ("a = 1e3\n", false),
    ("a = 1_000\n", false),
    ("a = +1\n", false),
    ("a = 0x1f\n", false),
    ("a = 007\n", false),
    ("a = -0\n", false),
    ("a = inf\n", false),
    ("a = 1979-05-27\n", false),
    ("a = 1979-05-27T07:32:00Z\n", false),
    ("a = \"\"\"x\"\"\"\n", false),
    ("a = '''x'''\n", false),
    ("a = \"\\e\"\n", false),
    ("a = \"\\x41\"\n", false),
    ("a = \"\\uD800\"\n", false),
    ("a = \"tab\there\"\n", true),
    ("a = \"nul\u{1}\"\n", false),
    ("a = 1\r\n", false),
    ("a.b = 1\n", false),
    ("a = 1\na = 2\n", false),
    ("a = { b = 1, b = 2 }\n", false),
    ("a = { b = 1, }\n", false),
    ("a = { b = 1,\n c = 2 }\n", false),
    ("[t]\n[t]\n", false),
    ("[t.u]\n[t]\n", false),
    ("a = 1\n[a]\n", false),
    ("a = {}\n[a.b]\n", false),
    ("a = []\n[[a]]\n", false),
    ("[[a]]\n[a]\n", false),
    ("a = 1 b = 2\n", false),
    ("a = truex\n", false),
    ("a = 12abc\n", false),
    ("[a\n", false),
    ("[[a]\n", false),
    ("[[a] ]\n", false),
    ("a = [1 2]\n", false),
    ("a =\n", false),
    ("= 1\n", false),
    ("\u{feff}a = 1\n", false),
    ("a = 1 # bad \u{7f} comment\n", false),
];

#[test]
fn the_subset_is_what_the_documentation_says() {
    for (doc, fast) in CASES {
        match fast_parser_agrees(doc) {
            Ok(took) => assert_eq!(took, *fast, "{doc:?}: fast path taken = {took}"),
            Err(e) => panic!("{doc:?}: {e}"),
        }
    }
}

#[test]
fn deep_nesting_is_left_to_the_toml_crate() {
    let deep = format!("a = {}1{}\n", "[".repeat(200), "]".repeat(200));
    assert_eq!(fast_parser_agrees(&deep), Ok(false));
    let header = format!("[{}]\n", vec!["k"; 200].join("."));
    assert_eq!(fast_parser_agrees(&header), Ok(false));
    let ok = format!("a = {}1{}\n", "[".repeat(20), "]".repeat(20));
    assert_eq!(fast_parser_agrees(&ok), Ok(true));
}

/// The first ~6 KB of the authentik lock, cut before a `[[package]]` header so that it is a whole
/// document (header, several packages with wheels, extras, metadata).
fn sample() -> String {
    let text = std::fs::read_to_string(repo().join("fixtures/authentik/uv.lock")).unwrap();
    let end = text[..6000]
        .rfind("\n[[package]]")
        .expect("a package header in the first 6 KB");
    let sample = text[..end + 1].to_string();
    assert_eq!(fast_parser_agrees(&sample), Ok(true));
    sample
}

/// Bytes that matter to TOML's grammar.
const INTERESTING: &[u8] = b"[]{}\"'=,.#\n\r\t \\-_0123456789aeEtf+:ux";

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn mutated_real_text_is_read_alike_or_left_to_the_toml_crate(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<prop::sample::Index>()), 1..6)
    ) {
        if let Some(text) = common::mutate(sample(), edits, INTERESTING) {
            if let Err(e) = fast_parser_agrees(&text) {
                prop_assert!(false, "{}\n--- document ---\n{}", &e[..e.len().min(3000)], text);
            }
        }
    }

    #[test]
    fn generated_documents_are_read_alike_or_left_to_the_toml_crate(
        lines in proptest::collection::vec(line(), 0..30)
    ) {
        let text = lines.concat();
        if let Err(e) = fast_parser_agrees(&text) {
            prop_assert!(false, "{}\n--- document ---\n{}", &e[..e.len().min(3000)], text);
        }
    }
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c]{1,2}",
        Just("a-b_1".to_string()),
        "\"[a-c .é]{0,3}\"",
        "'[a-c .]{0,2}'",
        "[a-c]\\.[a-c]",
    ]
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{1,4}",
        "\"[a-z \\\\\"'é]{0,6}\"",
        "'[a-z \"]{0,6}'",
        Just("true".to_string()),
        Just("false".to_string()),
        Just("1.5".to_string()),
        Just("1979-05-27".to_string()),
        Just("\"\\u00e9\"".to_string()),
    ]
}

fn value() -> impl Strategy<Value = String> {
    scalar().prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("[{}]", v.join(", "))),
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("[\n  {},\n]", v.join(",\n  "))),
            proptest::collection::vec((key(), inner), 0..4).prop_map(|v| {
                let kv: Vec<String> = v.into_iter().map(|(k, x)| format!("{k} = {x}")).collect();
                format!("{{ {} }}", kv.join(", "))
            }),
        ]
    })
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (key(), value()).prop_map(|(k, v)| format!("{k} = {v}\n")),
        1 => proptest::collection::vec(key(), 1..4).prop_map(|k| format!("[{}]\n", k.join("."))),
        1 => proptest::collection::vec(key(), 1..4).prop_map(|k| format!("[[{}]]\n", k.join("."))),
        1 => Just("# comment\n".to_string()),
        1 => Just("\n".to_string()),
    ]
}
