//! The printer's fast paths give the same text as the plain definitions:
//!
//! * string escaping copies runs between the few special bytes; checked against the rule written
//!   character by character (the lexer's view), on hostile strings, including NUL positions;
//! * [`print_vertical_binding_into`] appends exactly what [`print_vertical_binding`] returns and
//!   leaves the buffer alone on error; bindings printed one by one and concatenated are the set
//!   printed whole (what the emitter's splice relies on), also for values whose layout depends on
//!   alejandra's "second through penultimate line indented" check.
mod common;
use common::*;
use lock2nix_nix::*;
use proptest::prelude::*;

/// The escaping rule, one character at a time.
fn escape_by_chars(s: &str) -> Result<String, PrintError> {
    if let Some(offset) = s.find('\0') {
        return Err(PrintError::Nul {
            context: "string literal",
            offset,
        });
    }
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    Ok(out)
}

fn with_nul() -> impl Strategy<Value = String> {
    (hostile_string(), 0usize..20).prop_map(|(s, at)| {
        let mut cut = at.min(s.len());
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}\0{}", &s[..cut], &s[cut..])
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn escaping_in_runs_matches_the_character_rule(s in hostile_string()) {
        let fast = escape_string(&s).expect("no NUL");
        prop_assert_eq!(&fast, &escape_by_chars(&s).expect("no NUL"));
        prop_assert_eq!(quote_string(&s).expect("no NUL"), format!("\"{fast}\""));
    }

    #[test]
    fn nul_is_reported_at_its_offset(s in with_nul()) {
        let fast = escape_string(&s).expect_err("NUL");
        let slow = escape_by_chars(&s).expect_err("NUL");
        prop_assert_eq!(fast.to_string(), slow.to_string());
        prop_assert!(print_expr(&Expr::string(s.clone())).is_err());
    }
}

#[test]
fn escaping_examples() {
    for (s, want) in [
        ("", ""),
        ("plain", "plain"),
        ("${x}", "\\${x}"),
        ("$${x}", "$\\${x}"),
        ("$", "$"),
        ("a$", "a$"),
        ("\"q\"\\", "\\\"q\\\"\\\\"),
        ("tab\there\r\n", "tab\\there\\r\\n"),
        ("é${ü}\"", "é\\${ü}\\\""),
    ] {
        assert_eq!(escape_string(s).unwrap(), want, "{s:?}");
        assert_eq!(escape_by_chars(s).unwrap(), want, "{s:?}");
    }
}

/// Definitions shaped like the emitter's: applications whose argument is a set, a function of
/// `old`, lists, `let … in`, interpolations, comments.
fn sample_bindings() -> Vec<Binding<'static>> {
    let fetch = |url: &'static str| {
        Expr::var("final").attr("fetchurl").apply(Expr::attrs([
            Binding::assign("url", Expr::string(url)),
            Binding::assign("hash", Expr::string("sha256-AAAA")),
        ]))
    };
    vec![
        Binding::assign(
            "aiohttp",
            Expr::var("python-final")
                .attr("buildPythonPackage")
                .apply(Expr::attrs([
                    Binding::assign("pname", Expr::string("aiohttp")),
                    Binding::assign("src", fetch("https://x/a b.tar.gz?x=${y}")),
                    Binding::assign(
                        "dependencies",
                        Expr::list([
                            Expr::var("python-final").attr("yarl"),
                            Expr::var("python-final").attr("multidict"),
                        ]),
                    ),
                ])),
        )
        .comment("build: no nixpkgs package"),
        Binding::assign(
            "django",
            Expr::var("python-prev")
                .attr("django")
                .attr("overridePythonAttrs")
                .apply(Expr::lambda_ident(
                    "old",
                    Expr::attrs([
                        Binding::assign("version", Expr::string("5.0")),
                        Binding::assign("src", fetch("https://x/django.tar.gz")),
                    ]),
                )),
        ),
        Binding::assign("six", Expr::var("python-prev").attr("six")),
        Binding::assign(
            "with-let",
            Expr::let_in(
                [Binding::assign("src", fetch("https://x/s.tar.gz"))],
                Expr::var("python-final")
                    .attr("buildPythonPackage")
                    .apply(Expr::attrs([
                        Binding::inherit(["src"]),
                        Binding::assign(
                            "sourceRoot",
                            Expr::Interpolated(vec![
                                StrPart::Interp(Expr::var("src").attr("name")),
                                StrPart::Lit("/sub$".into()),
                            ]),
                        ),
                    ])),
            ),
        ),
        Binding::assign(
            "by-system",
            Expr::var("bySystem").apply(Expr::attrs([
                Binding::assign("x86_64-linux", fetch("https://x/l.whl")),
                Binding::assign("aarch64-darwin", fetch("https://x/d.whl")),
            ])),
        ),
    ]
}

#[test]
fn bindings_printed_one_by_one_splice_into_the_whole_set() {
    let bindings = sample_bindings();
    for level in 0..4 {
        let mut appended = String::new();
        for b in &bindings {
            let single = print_vertical_binding(b, level).unwrap();
            let before = appended.len();
            print_vertical_binding_into(&mut appended, b, level).unwrap();
            assert_eq!(&appended[before..], single);
        }
        // the whole set at the same depth: `{` + bindings + newline + closing brace
        let mut nested = Expr::attrs(bindings.clone());
        for _ in 0..level.saturating_sub(1) {
            nested = Expr::attrs([
                Binding::assign("a", nested),
                Binding::assign("b", Expr::Null),
            ]);
        }
        if level == 0 {
            continue;
        }
        let whole = print_expr(&nested).unwrap();
        assert!(
            whole.contains(&appended),
            "level {level}:\n{whole}\n---\n{appended}"
        );
    }
}

#[test]
fn appending_leaves_the_buffer_alone_on_error() {
    let mut out = String::from("kept");
    let bad = Binding::assign("x", Expr::string("a\0b"));
    let err = print_vertical_binding_into(&mut out, &bad, 1).unwrap_err();
    assert!(matches!(err, PrintError::Nul { .. }), "{err}");
    assert_eq!(out, "kept");
    print_vertical_binding_into(&mut out, &sample_bindings()[2], 1).unwrap();
    assert_eq!(out, "kept\n  six = python-prev.six;");
}
