//! Pre-printed bindings (`Printed`) splice into a tree exactly as the tree would have printed
//! them, and only at the indentation they were printed for.

use lock2nix_nix::{print_file, Binding, Expr, File, PrintError, Printed};

fn bindings() -> Vec<Binding<'static>> {
    vec![
        Binding::assign("a", Expr::string("x\n${y}")).comment("a comment"),
        Binding::assign(
            "b",
            Expr::var("f").apply(Expr::attrs([
                Binding::assign("url", Expr::string("https://example.org/a.tar.gz")),
                Binding::assign("hash", Expr::string("sha256-AAAA")),
            ])),
        ),
        Binding::assign("c", Expr::list([Expr::var("d"), Expr::var("e")])),
        Binding::assign("__lock2nix_overrides_a", Expr::Null),
    ]
}

/// `final: prev: let x = 1; in { <bindings> }`: the set's bindings sit at indentation 1.
fn file(set: Vec<Binding>) -> File {
    File::new(
        ["@generated"],
        Expr::lambda_ident(
            "final",
            Expr::lambda_ident(
                "prev",
                Expr::let_in([Binding::assign("x", Expr::int(1))], Expr::attrs(set)),
            ),
        ),
    )
}

#[test]
fn printed_bindings_print_like_the_tree() {
    let whole = print_file(&file(bindings())).unwrap();
    // in two runs, as parallel chunks would be
    let all = bindings();
    let mut first = Printed::new(1);
    for b in &all[..2] {
        first.push(b).unwrap();
    }
    let mut second = Printed::new(1);
    for b in &all[2..] {
        second.push(b).unwrap();
    }
    let spliced = print_file(&file(vec![
        Binding::printed(first.clone()),
        Binding::printed(second.clone()),
    ]))
    .unwrap();
    assert_eq!(spliced, whole);
    first.append(second).unwrap();
    assert_eq!(
        print_file(&file(vec![Binding::printed(first)])).unwrap(),
        whole
    );
}

#[test]
fn printed_bindings_refuse_another_indentation() {
    let mut p = Printed::new(3);
    p.push(&bindings()[0]).unwrap();
    let err = print_file(&file(vec![Binding::printed(p.clone())])).unwrap_err();
    assert!(
        matches!(
            err,
            PrintError::PrintedLevel {
                expected: 3,
                found: 1,
                ..
            }
        ),
        "{err}"
    );
    let mut q = Printed::new(1);
    assert!(q.append(p.clone()).is_err());
    assert!(q.push(&Binding::printed(p)).is_err());
}
