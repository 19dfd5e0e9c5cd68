//! Bindings written with `Printed::push_direct` are the text `Printed::push` gives for the
//! equivalent tree, escaping included: names that must be quoted, strings with quotes,
//! backslashes, `${`, line breaks and non-ASCII text, comments with line breaks, control and
//! bidirectional characters, lists of none, one and several items (attribute paths too), a
//! variable applied to a set (`bySystem { … }`), at several indentations;
//! and a NUL is the same error, with nothing written.

use lock2nix_nix::{Binding, Direct, Expr, PrintError, Printed};

const NAMES: [&str; 7] = ["a", "pkg-name_2", "1up", "if", "a.b", "é", "x\"${y}"];
const STRINGS: [&str; 6] = [
    "",
    "plain",
    "q\"uote\\back${x}$y$${z}",
    "line\nbreak\r\ttab",
    "é✓\u{202e}",
    "https://files.example/very/long/path/that/goes/well/past/any/line/width/one/might/expect/from/a/formatter/package-1.0.0-py3-none-any.whl",
];
const COMMENTS: [&str; 5] = [
    "build: no nixpkgs index given",
    "trailing spaces   ",
    "two\nlines\r\nthree",
    "esc \u{1b}[31m bidi \u{202e} sep \u{2028}",
    "",
];

/// Attribute paths of `final` (names separated by dots): keywords, an empty name, non-ASCII.
const PATHS: [&[&str]; 3] = [
    &[],
    &["autoPatchelfHook"],
    &["stdenv.cc.cc.lib", "if.then", "a..b", "é.x", "1up"],
];

fn sel(attr: &str) -> Expr<'_> {
    Expr::var("python-final").attr(attr)
}

/// `name = python-final.f { pname = s; version = s; src = final.fetchurl { url = s; hash =
/// lib.fakeHash; }; by = bySystem { name = s; x86_64-linux = lib.fakeHash; }; flag = true;
/// paths = [final.a.b ...]; deps = [...]; extras = {...}; strings = [...]; };` as a tree.
fn tree<'a>(
    name: &'a str,
    s: &'a str,
    comments: &[&str],
    deps: &'a [&'a str],
    extras: &'a [(&'a str, &'a [&'a str])],
    paths: &'a [&'a str],
) -> Binding<'a> {
    let mut b = vec![
        Binding::assign("pname", Expr::string(s)),
        Binding::assign(name, Expr::string(s)),
        Binding::assign(
            "src",
            Expr::var("final").attr("fetchurl").apply(Expr::attrs([
                Binding::assign("url", Expr::string(s)),
                Binding::assign("hash", Expr::var("lib").attr("fakeHash")),
            ])),
        ),
        Binding::assign(
            "by",
            Expr::var("bySystem").apply(Expr::attrs([
                Binding::assign(name, Expr::string(s)),
                Binding::assign("x86_64-linux", Expr::var("lib").attr("fakeHash")),
            ])),
        ),
        Binding::assign("flag", Expr::bool(true)),
        Binding::assign(
            "paths",
            Expr::list(
                paths
                    .iter()
                    .map(|p| Expr::var("final").select(p.split('.'))),
            ),
        ),
        Binding::assign("deps", Expr::list(deps.iter().map(|d| sel(d)))),
    ];
    if !extras.is_empty() {
        b.push(Binding::assign(
            "extras",
            Expr::attrs(
                extras
                    .iter()
                    .map(|(k, v)| Binding::assign(*k, Expr::list(v.iter().map(|d| sel(d))))),
            ),
        ));
    }
    b.push(Binding::assign(
        "strings",
        Expr::list(deps.iter().map(|d| Expr::string(*d))),
    ));
    let mut bnd = Binding::assign(name, sel(name).apply(Expr::attrs(b)));
    bnd.comments = comments.iter().map(|c| c.to_string()).collect();
    bnd
}

fn direct(
    w: &mut Direct<'_>,
    name: &str,
    s: &str,
    comments: &[String],
    deps: &[&str],
    extras: &[(&str, &[&str])],
    paths: &[&str],
) -> Result<(), PrintError> {
    w.comments(comments)?;
    w.open_apply(name, "python-final", name)?;
    w.string("pname", s)?;
    w.string(name, s)?;
    w.open_apply("src", "final", "fetchurl")?;
    w.string("url", s)?;
    w.select("hash", "lib", "fakeHash")?;
    w.close();
    w.open_apply_var("by", "bySystem")?;
    w.string(name, s)?;
    w.select("x86_64-linux", "lib", "fakeHash")?;
    w.close();
    w.bool("flag", true)?;
    w.path_list("paths", "final", paths)?;
    w.select_list("deps", "python-final", deps)?;
    match extras {
        [] => {}
        [(k, v)] => w.one_select_list_set("extras", k, "python-final", v)?,
        more => {
            w.open_set("extras")?;
            for (k, v) in more {
                w.select_list(k, "python-final", v)?;
            }
            w.close();
        }
    }
    w.string_list("strings", deps)?;
    w.close();
    Ok(())
}

#[test]
fn direct_bindings_are_the_trees_text() {
    let lists: [&[&str]; 4] = [&[], &["one"], &["1up", "b-c", "if"], &NAMES];
    let extras: [&[(&str, &[&str])]; 5] = [
        &[],
        &[("fast", &[])],
        &[("2x", &["a"])],
        &[("fast", &["a", "if"])],
        &[("fast", &["a"]), ("slow", &[]), ("x y", &["b", "c"])],
    ];
    let mut cases = 0;
    for level in [0, 1, 3, 40] {
        for (i, name) in NAMES.iter().enumerate() {
            for (j, s) in STRINGS.iter().enumerate() {
                let comments: Vec<&str> = COMMENTS.iter().copied().take((i + j) % 4).collect();
                let owned: Vec<String> = comments.iter().map(|c| c.to_string()).collect();
                let deps = lists[(i + j) % lists.len()];
                let ex = extras[(i * 3 + j) % extras.len()];
                let paths = PATHS[(i + 2 * j) % PATHS.len()];
                let mut want = Printed::new(level);
                want.push(&tree(name, s, &comments, deps, ex, paths))
                    .unwrap();
                let mut got = Printed::new(level);
                got.push_direct(|w| direct(w, name, s, &owned, deps, ex, paths))
                    .unwrap();
                assert_eq!(got, want, "{name:?} {s:?} at {level}");
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 4 * NAMES.len() * STRINGS.len());
}

#[test]
fn a_nul_is_the_trees_error_and_writes_nothing() {
    for (s, comment) in [("a\0b", "ok"), ("ok", "bad\0comment")] {
        let mut want = Printed::new(2);
        want.push(&tree("a", "x", &[], &[], &[], &[])).unwrap();
        let mut got = want.clone();
        let tree_err = want
            .push(&tree("b", s, &[comment], &["d"], &[], &["p.q"]))
            .unwrap_err();
        let direct_err = got
            .push_direct(|w| direct(w, "b", s, &[comment.to_string()], &["d"], &[], &["p.q"]))
            .unwrap_err();
        assert_eq!(direct_err.to_string(), tree_err.to_string());
        assert_eq!(got, want);
    }
}
