//! Snapshots of printed representative trees; each is also checked to parse (rnix) and to be an alejandra fixed
//! point.
mod common;
use common::*;
use lock2nix_nix::*;

fn check(text: &str) {
    assert_parses(text);
    assert_alejandra_fixed_point(text);
}

#[test]
fn overlay_shape_snapshot() {
    let text = print_file(&overlay_shape()).unwrap();
    check(&text);
    insta::assert_snapshot!("overlay_shape", text);
}

#[test]
fn precedence_and_parentheses() {
    let a = || Expr::var("a");
    let b = || Expr::var("b");
    let c = || Expr::var("c");
    let cases = vec![
        (
            "left assoc",
            a().binop(BinOp::Sub, b()).binop(BinOp::Sub, c()),
        ),
        (
            "left assoc, right nested",
            a().binop(BinOp::Sub, b().binop(BinOp::Sub, c())),
        ),
        ("right assoc", a().update(b().update(c()))),
        ("right assoc, left nested", a().update(b()).update(c())),
        (
            "mixed",
            a().add(b()).eq(c()).and(a().or(b())).implies(c().not()),
        ),
        ("not of binop", a().eq(b()).not()),
        ("binop of not", a().not().add(b())),
        ("non-assoc eq", a().eq(b()).eq(c())),
        (
            "apply in list",
            Expr::list([
                a().apply(b()),
                a().attr("x"),
                Expr::Int(-1),
                Expr::lambda_ident("x", b()),
            ]),
        ),
        (
            "apply args",
            a().apply(b().apply(c()))
                .apply(Expr::Int(-3))
                .apply(a().select_or(["x"], b())),
        ),
        (
            "select base",
            a().apply(b()).attr("out").add(Expr::list([]).attr("x")),
        ),
        (
            "or default",
            a().select_or(["x", "y"], Expr::Null).eq(Expr::Null),
        ),
        (
            "has attr",
            a().has_attr(["x", "if"])
                .and(a().apply(b()).has_attr(["y"])),
        ),
        (
            "lambda as operand",
            a().concat(Expr::lambda_ident("x", Expr::var("x"))),
        ),
        ("int min", Expr::Int(i64::MIN).add(Expr::Int(1))),
        (
            "if in apply",
            a().apply(Expr::if_then_else(b(), c(), Expr::Null)),
        ),
        ("with", Expr::with(a(), Expr::list([b(), c()]))),
        ("assert", Expr::assert(a().eq(b()), c())),
    ];
    let mut out = String::new();
    for (name, e) in cases {
        let text = print_expr(&e).unwrap();
        check(&text);
        out.push_str(&format!("# {name}\n{text}\n\n"));
    }
    insta::assert_snapshot!("precedence", out);
}

#[test]
fn hostile_names_strings_and_paths() {
    let e = Expr::attrs(vec![
        Binding::assign(
            "plain-name_1'",
            Expr::string("a \"quoted\" \\ ${interpolation} $${x} $$ $"),
        ),
        Binding::assign("if", Expr::string("keyword as name")),
        Binding::assign("or", Expr::string("or too")),
        Binding::assign("1abc", Expr::string("starts with a digit")),
        Binding::assign("a.b", Expr::string("dotted name is one attribute")),
        Binding::assign("${x}", Expr::string("interpolation-looking name")),
        Binding::assign("", Expr::string("empty name")),
        Binding::assign("ünïcødé", Expr::string("tab\tnewline\ncr\r bell\u{7} é 😀")),
        Binding::assign("path-ok", Expr::path("./packages/ak-guardian")),
        Binding::assign("path-space", Expr::path("./my dir/x")),
        Binding::assign("path-parent", Expr::path("../a b")),
        Binding::assign("path-abs", Expr::path("/nix/store/x y")),
        Binding::assign(
            "script",
            Expr::indented(
                "set -e\necho \"${out}\" '' $HOME\nif [ -n \"$x\" ]; then\n  exit 1\nfi\n",
            ),
        ),
        Binding::assign(
            "not-indentable",
            Expr::indented("  only indented lines\n  here\n"),
        ),
        Binding::assign("trailing-space", Expr::indented("a \nb")),
        Binding::assign_path(["nested", "attr path", "x"], Expr::Int(1))
            .comment("a comment\nwith a line break and a ${injection}")
            .comment(""),
        Binding::inherit(["lib", "stdenv"]),
        Binding::inherit_from(Expr::var("prev").attr("pkgs"), ["hello"]),
        Binding::assign(
            "dyn",
            Expr::var("attrs").select_or([AttrName::dynamic(Expr::var("system"))], Expr::Null),
        ),
        Binding::assign(
            "msg",
            Expr::Interpolated(vec![
                StrPart::Lit("unsupported $".into()),
                StrPart::Interp(Expr::var("system")),
                StrPart::Lit(" \"quoted\"".into()),
            ]),
        ),
    ]);
    let text = print_file(&File::new(["hostile input, escaped"], e)).unwrap();
    check(&text);
    insta::assert_snapshot!("hostile", text);
}

#[test]
fn lambdas_and_patterns() {
    let body = Expr::var("x");
    let e = Expr::list([
        Expr::lambda(Param::pattern(vec![]), body.clone()),
        Expr::lambda(Param::pattern(vec![PatEntry::new("a")]), body.clone()),
        Expr::lambda(
            Param::pattern(vec![PatEntry::new("a")]).with_ellipsis(),
            body.clone(),
        ),
        Expr::lambda(
            Param::pattern(vec![
                PatEntry::new("lib"),
                PatEntry::with_default("workspaceRoot", Expr::path("./..")),
                PatEntry::with_default(
                    "extra",
                    attrs! { "a" => Expr::Int(1), "b" => Expr::Int(2) },
                ),
            ])
            .with_ellipsis()
            .bind_as("args"),
            Expr::let_in([Binding::assign("y", Expr::var("args"))], Expr::var("y")),
        ),
        Expr::lambda_ident(
            "final",
            Expr::lambda_ident("prev", attrs! { "a" => Expr::Int(1) }),
        ),
        Expr::lambda_ident(
            "x",
            Expr::if_then_else(
                Expr::var("x"),
                attrs! { "a" => Expr::Int(1), "b" => Expr::Null },
                Expr::Null,
            ),
        ),
    ]);
    let text = print_expr(&e).unwrap();
    check(&text);
    insta::assert_snapshot!("lambdas", text);
}

#[test]
fn printing_is_deterministic() {
    let f = overlay_shape();
    assert_eq!(print_file(&f).unwrap(), print_file(&f.clone()).unwrap());
}

/// Printing a vertical set's bindings one by one (as the emitter does in parallel) gives the same
/// text as printing the set.
#[test]
fn bindings_printed_one_by_one_equal_the_whole_set() {
    use lock2nix_nix::{print_expr, print_vertical_binding, Binding, Expr};
    let bindings = vec![
        Binding::assign("a", Expr::string("x\"${y}")).comment("first"),
        Binding::assign(
            "b",
            Expr::var("f").apply(Expr::attrs([
                Binding::assign("s", Expr::IndentedStr("line one\n  two ''${x}\n".into())),
                Binding::assign("l", Expr::list([Expr::int(1), Expr::var("z")])),
            ])),
        ),
        Binding::assign("c", Expr::list([Expr::string("only")])),
        Binding::assign("weird name", Expr::Null).comment("a\nmulti-line comment"),
    ];
    for level in 0..4 {
        // the set nested `level` deep inside other vertical sets
        let mut e = Expr::attrs(bindings.clone());
        for _ in 0..level {
            e = Expr::attrs([Binding::assign("n", e), Binding::assign("m", Expr::Null)]);
        }
        let whole = print_expr(&e).unwrap();
        let pieces: String = bindings
            .iter()
            .map(|b| print_vertical_binding(b, level + 1).unwrap())
            .collect();
        assert!(
            whole.contains(&pieces),
            "level {level}:\n{whole}\n---\n{pieces}"
        );
    }
}
