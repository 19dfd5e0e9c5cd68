//! Pre-printed bindings (`Printed`) splice into a tree exactly as the tree would have printed
//! them, and only at the indentation they were printed for.

use lock2nix_nix::{print_file, print_file_spliced, Binding, Expr, File, PrintError, Printed};

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

/// The bindings in two parts at indentation `level`.
fn parts(level: usize) -> (Printed, Printed) {
    let all = bindings();
    let mut first = Printed::new(level);
    for b in &all[..2] {
        first.push(b).unwrap();
    }
    let mut second = Printed::new(level);
    for b in &all[2..] {
        second.push(b).unwrap();
    }
    (first, second)
}

#[test]
fn a_file_printed_in_pieces_is_the_file() {
    let whole = print_file(&file(bindings())).unwrap();
    let (first, second) = parts(1);
    let f = file(vec![
        Binding::printed(first),
        Binding::assign("between", Expr::int(2)),
        Binding::printed(second),
    ]);
    let spliced = print_file_spliced(&f, 0).unwrap();
    // the parts are not copied: head, part, head, part, head
    assert_eq!(spliced.pieces().len(), 5);
    assert_eq!(spliced.len(), print_file(&f).unwrap().len());
    assert_eq!(spliced.to_string(), print_file(&f).unwrap());
    assert_ne!(spliced.to_string(), whole);
    let mut written = Vec::new();
    spliced.write_to(&mut written).unwrap();
    assert_eq!(written, print_file(&f).unwrap().as_bytes());
    assert_eq!(spliced.into_string(), print_file(&f).unwrap());
}

#[test]
fn parts_the_layout_looks_into_are_copied() {
    // `y = g {…};` in a let: whether the application stays on the binding's line depends on
    // the lines of its argument, the parts among them (and so does the parts' indentation)
    let mut printed = 0;
    for level in [2, 3] {
        let (first, second) = parts(level);
        for text in [
            Expr::string("plain"),
            // an indented string's lines start at column 0
            Expr::string("line one\nline two\n"),
        ] {
            let mut odd = Printed::new(level);
            odd.push(&Binding::assign("s", text)).unwrap();
            let f = File::new(
                ["@generated"],
                Expr::let_in(
                    [Binding::assign(
                        "y",
                        Expr::var("g").apply(Expr::attrs([
                            Binding::printed(first.clone()),
                            Binding::printed(odd),
                            Binding::printed(second.clone()),
                        ])),
                    )],
                    Expr::var("y"),
                ),
            );
            let spliced = print_file_spliced(&f, 0);
            match (&spliced, print_file(&f)) {
                (Ok(s), Ok(whole)) => {
                    assert_eq!(s.pieces().len(), 1);
                    assert_eq!(s.to_string(), whole);
                    printed += 1;
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("{a:?} != {b:?}"),
            }
        }
    }
    assert_eq!(printed, 2);
}

#[test]
fn a_part_at_another_indentation_is_refused_in_pieces_too() {
    let (first, _) = parts(3);
    assert!(matches!(
        print_file_spliced(&file(vec![Binding::printed(first)]), 0),
        Err(PrintError::PrintedLevel { .. })
    ));
}
