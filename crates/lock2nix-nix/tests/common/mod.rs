//! Helpers shared by the integration tests: alejandra, rnix, nix-instantiate, and representative trees.
#![allow(dead_code)]

use lock2nix_nix::*;

/// Format `text` with alejandra 3.1 (in memory). Panics with the parse error if alejandra cannot parse it.
pub fn alejandra(text: &str) -> String {
    match alejandra::format::in_memory("<test>".to_owned(), text.to_owned()) {
        (alejandra::format::Status::Error(e), _) => {
            panic!("alejandra cannot parse:\n{text}\nerror: {e}")
        }
        (_, out) => out,
    }
}

/// Assert that `text` is a fixed point of alejandra, with the first differing lines otherwise.
pub fn assert_alejandra_fixed_point(text: &str) {
    // alejandra ends a file with a newline; `print_expr` does not.
    let owned;
    let text = if text.ends_with('\n') {
        text
    } else {
        owned = format!("{text}\n");
        &owned
    };
    let formatted = alejandra(text);
    if formatted != text {
        let a: Vec<&str> = text.lines().collect();
        let b: Vec<&str> = formatted.lines().collect();
        let first = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let from = first.saturating_sub(6);
        panic!(
            "not an alejandra fixed point (first difference at line {}).\n--- printed ---\n{}\n--- alejandra ---\n{}\n---",
            first + 1,
            a[from..(first + 8).min(a.len())].join("\n"),
            b[from..(first + 8).min(b.len())].join("\n"),
        );
    }
}

/// Parse with rnix 0.15 and assert there are no errors.
pub fn assert_parses(text: &str) -> rnix::Root {
    let parse = rnix::Root::parse(text);
    let errors = parse.errors();
    assert!(errors.is_empty(), "rnix errors {errors:?} in:\n{text}");
    parse.tree()
}

/// The representative overlay from docs/overlay-shape.md, built with the public API.
pub fn overlay_shape() -> File<'static> {
    let pf = || Expr::var("python-final");
    let pp = || Expr::var("python-prev");
    let fetchurl = |url: &'static str, hash: &'static str| {
        Expr::dotted("final.fetchurl").apply(attrs! {
            "url" => Expr::string(url),
            "hash" => Expr::string(hash),
        })
    };
    let overrides = Expr::lambda_ident(
        "python-final",
        Expr::lambda_ident(
            "python-prev",
            Expr::attrs(vec![
                Binding::assign("django", pf().attr("django_5")).comment("reuse with another attribute name"),
                Binding::assign(
                    "dramatiq",
                    pp().attr("dramatiq").attr("overridePythonAttrs").apply(Expr::lambda_ident(
                        "old",
                        attrs! {
                            "version" => Expr::string("1.17.1"),
                            "src" => fetchurl(
                                "https://files.pythonhosted.org/packages/dramatiq-1.17.1.tar.gz",
                                "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                            ),
                        },
                    )),
                )
                .comment("override: keep the nixpkgs recipe, replace version + src"),
                Binding::assign(
                    "foo",
                    pf().attr("buildPythonPackage").apply(attrs! {
                        "pname" => Expr::string("foo"),
                        "version" => Expr::string("1.0"),
                        "format" => Expr::string("wheel"),
                        "src" => fetchurl("https://example.org/foo-1.0-py3-none-any.whl", "sha256-BBBB="),
                        "nativeBuildInputs" => Expr::list([Expr::dotted("final.autoPatchelfHook")]),
                        "dependencies" => Expr::list([pf().attr("bar"), pf().attr("baz")]),
                        "optional-dependencies" => attrs! { "fast" => Expr::list([pf().attr("orjson")]) },
                    }),
                )
                .comment("build: nixpkgs lacks it"),
                Binding::assign(
                    "ak-guardian",
                    pf().attr("buildPythonPackage").apply(attrs! {
                        "pname" => Expr::string("ak-guardian"),
                        "version" => Expr::string("3.2.0"),
                        "pyproject" => Expr::bool(true),
                        "src" => Expr::dotted("builtins.path").apply(attrs! {
                            "path" => Expr::var("workspaceRoot").add(Expr::string("/packages/ak-guardian")),
                            "name" => Expr::string("ak-guardian-source"),
                        }),
                        "build-system" => Expr::list([pf().attr("hatchling")]),
                        "dependencies" => Expr::list([]),
                        "postPatch" => Expr::indented("substituteInPlace pyproject.toml \\\n  --replace-fail '${x}' ''\n"),
                    }),
                )
                .comment("in-tree: a workspace member, built with its own build backend"),
                Binding::assign(
                    "opencontainers",
                    pf().attr("buildPythonPackage").apply(attrs! {
                        "pname" => Expr::string("opencontainers"),
                        "version" => Expr::string("0.0.14"),
                        "format" => Expr::string("setuptools"),
                        "src" => Expr::dotted("final.fetchFromGitHub").apply(attrs! {
                            "owner" => Expr::string("vsoch"),
                            "repo" => Expr::string("oci-python"),
                            "rev" => Expr::string("0123456789abcdef0123456789abcdef01234567"),
                            "hash" => Expr::string("sha256-CCCC="),
                        }),
                    }),
                )
                .comment("vcs: a git source"),
            ]),
        ),
    );
    let extension = Expr::lambda_ident(
        "python-final",
        Expr::lambda_ident(
            "python-prev",
            Expr::dotted("lib.optionalAttrs")
                .apply(Expr::dotted("python-prev.python.pythonVersion").eq(Expr::string("3.13")))
                .apply(Expr::var("pythonOverrides").apply_all([pf(), pp()])),
        ),
    );
    let overlay_body = Expr::attrs(vec![
        Binding::assign(
            "pythonPackagesExtensions",
            Expr::dotted("prev.pythonPackagesExtensions").concat(Expr::list([extension])),
        )
        .comment("default mode: every interpreter's package set")
        .comment("the overrides are only applied to the interpreter the lock was resolved for."),
        Binding::assign("authentik", Expr::dotted("final.python313.pkgs.authentik"))
            .comment("roots at the top level"),
    ]);
    let inner = Expr::let_in(
        vec![
            Binding::inherit_from(Expr::var("prev"), ["lib"]),
            Binding::assign("system", Expr::dotted("prev.stdenv.hostPlatform.system")),
            Binding::assign(
                "bySystem",
                Expr::lambda_ident(
                    "attrs",
                    Expr::var("attrs").select_or(
                        [AttrName::from("${system}")],
                        Expr::var("throw").apply(Expr::Interpolated(vec![
                            StrPart::Lit(
                                "lock2nix: this overlay was generated for other systems, not "
                                    .into(),
                            ),
                            StrPart::Interp(Expr::var("system")),
                        ])),
                    ),
                ),
            )
            .comment("per-system choice without evaluating PEP 508 markers in Nix:"),
            Binding::assign("pythonOverrides", overrides),
        ],
        overlay_body,
    );
    let mk_overlay = Expr::lambda(
        Param::pattern(vec![PatEntry::with_default(
            "workspaceRoot",
            Expr::path("./.."),
        )]),
        Expr::lambda_ident("final", Expr::lambda_ident("prev", inner)),
    );
    let body = Expr::let_in(
        vec![Binding::assign("mkOverlay", mk_overlay).comment(
            "The workspace root: the directory the uv.lock lives in, relative to this file.",
        )],
        attrs! {
            "__functor" => Expr::lambda_ident("self", Expr::var("mkOverlay").apply(Expr::attrs([]))),
            "override" => Expr::lambda_ident("args", Expr::var("mkOverlay").apply(Expr::var("args"))),
        },
    );
    File::new(
        [
            "@generated by lock2nix 0.1.0. Do not edit: run `lock2nix translate` to regenerate.",
            "uv.lock sha256: 0000   config sha256: none",
            "target: python 3.13; systems: x86_64-linux aarch64-linux; roots: authentik",
        ],
        body,
    )
}

/// Whether the Nix tests should be skipped (`LOCK2NIX_SKIP_NIX_TESTS=1`); otherwise `nix-instantiate` must exist.
pub fn skip_nix_tests(test: &str) -> bool {
    if std::env::var("LOCK2NIX_SKIP_NIX_TESTS").as_deref() == Ok("1") {
        eprintln!("{test}: skipped (LOCK2NIX_SKIP_NIX_TESTS=1)");
        return true;
    }
    false
}

/// Evaluate `expr` with `nix-instantiate --eval --strict --json` (in `dir`) and parse the JSON result.
/// Panics (fails the test) if nix-instantiate is missing or the evaluation fails.
pub fn nix_eval_json(expr: &str, dir: &std::path::Path) -> serde_json::Value {
    let file = dir.join("expr.nix");
    std::fs::write(&file, expr).expect("write expr.nix");
    let out = std::process::Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(&file)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run nix-instantiate ({e}); install nix or set LOCK2NIX_SKIP_NIX_TESTS=1")
        });
    assert!(
        out.status.success(),
        "nix-instantiate failed: {}\non:\n{}",
        String::from_utf8_lossy(&out.stderr),
        if expr.len() > 4000 {
            &expr[..expr.char_indices().nth(4000).map_or(expr.len(), |(i, _)| i)]
        } else {
            expr
        }
    );
    serde_json::from_slice(&out.stdout).expect("nix-instantiate printed JSON")
}

/// Hostile text fragments for string tests.
pub const FRAGMENTS: &[&str] = &[
    "\"",
    "\\",
    "${",
    "$${",
    "$$",
    "$",
    "''",
    "'''",
    "'",
    "''$",
    "''\\",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "#",
    " ",
    "  ",
    "{",
    "}",
    "a",
    "x y",
    "\u{1}",
    "\u{7f}",
    "\u{1b}[0m",
    "é",
    "😀",
    "\u{2028}",
    "\u{a0}",
    "\u{3000}",
    "\\n",
    "\\$",
    "/*",
    "*/",
    ";",
    "=",
    "./",
    "..",
    "@",
    "or",
    "if",
];

/// A proptest strategy for hostile strings (no NUL): concatenations of [`FRAGMENTS`] and arbitrary characters.
pub fn hostile_string() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        3 => proptest::sample::select(FRAGMENTS).prop_map(str::to_owned),
        1 => any::<char>().prop_filter("no NUL", |c| *c != '\0').prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..16).prop_map(|v| v.concat())
}

/// The literal text of a string node as rnix 0.15 unescapes it (panics on interpolations).
pub fn rnix_string_value(s: &rnix::ast::Str) -> String {
    let mut out = String::new();
    for part in s.normalized_parts() {
        match part {
            rnix::ast::InterpolPart::Literal(l) => out.push_str(&l),
            // The printer writes a lone quote next to an escape as `${"'"}`: resolve plain string interpolations.
            rnix::ast::InterpolPart::Interpolation(i) => match i.expr() {
                Some(rnix::ast::Expr::Str(inner)) => out.push_str(&rnix_string_value(&inner)),
                other => panic!("unexpected interpolation {other:?}"),
            },
        }
    }
    out
}
