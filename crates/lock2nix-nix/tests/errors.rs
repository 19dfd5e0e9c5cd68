//! Typed errors: input that cannot be printed faithfully is rejected, never altered.
use lock2nix_nix::*;

#[test]
fn nul_is_an_error_everywhere() {
    let nul = "a\0b".to_owned();
    let cases = vec![
        (Expr::string(nul.clone()), "string literal"),
        (Expr::indented(format!("x\n{nul}")), "indented string"),
        (
            Expr::attrs([Binding::assign(nul.clone(), Expr::Null)]),
            "attribute name",
        ),
        (Expr::path(format!("./{nul}")), "path"),
        (
            Expr::attrs([Binding::assign("a", Expr::Null).comment(nul.clone())]),
            "comment",
        ),
        (
            Expr::Interpolated(vec![StrPart::Lit(nul.clone().into())]),
            "string literal",
        ),
    ];
    for (e, context) in cases {
        match print_expr(&e) {
            Err(PrintError::Nul { context: c, offset }) => {
                assert_eq!(c, context);
                assert!(offset <= 3, "offset {offset}");
            }
            other => panic!("{e:?}: expected a NUL error, got {other:?}"),
        }
    }
    assert!(matches!(
        print_file(&File::new([nul], Expr::Null)),
        Err(PrintError::Nul {
            context: "comment",
            ..
        })
    ));
}

#[test]
fn invalid_identifiers_are_errors() {
    for bad in ["", "1a", "a b", "if", "or", "a.b", "${x}", "é"] {
        assert_eq!(
            print_expr(&Expr::var(bad)),
            Err(PrintError::InvalidIdentifier {
                name: bad.to_owned()
            }),
            "{bad:?}"
        );
        assert!(print_expr(&Expr::lambda_ident(bad, Expr::Null)).is_err());
        assert!(print_expr(&Expr::lambda(
            Param::pattern(vec![PatEntry::new(bad)]),
            Expr::Null
        ))
        .is_err());
    }
    for good in ["a", "_", "a'", "python-final", "x_1-2'", "true", "null"] {
        assert_eq!(print_expr(&Expr::var(good)).unwrap(), good);
    }
}

#[test]
fn inherit_requires_identifiers() {
    let e = Expr::attrs([Binding::inherit(["ok", "not ok"])]);
    assert_eq!(
        print_expr(&e),
        Err(PrintError::InheritNonIdentifier {
            name: "not ok".to_owned()
        })
    );
}

#[test]
fn empty_attr_paths_and_bad_paths_are_errors() {
    let empty: Vec<AttrName> = vec![];
    assert!(matches!(
        print_expr(&Expr::var("a").select(empty.clone())),
        Err(PrintError::EmptyAttrPath { .. })
    ));
    assert!(matches!(
        print_expr(&Expr::attrs([Binding::assign_path(empty, Expr::Null)])),
        Err(PrintError::EmptyAttrPath { .. })
    ));
    for bad in ["foo", "~/x", "", "x/./y"] {
        assert_eq!(
            print_expr(&Expr::path(bad)),
            Err(PrintError::InvalidPath {
                path: bad.to_owned()
            })
        );
    }
}

#[test]
fn trusted_text_is_verbatim_but_checked() {
    let e = attrs! { "a" => Expr::trusted("pkgs.lib.mkForce 1"), "b" => Expr::var("f").apply(Expr::trusted("x: x")) };
    assert_eq!(
        print_expr(&e).unwrap(),
        "{\n  a = pkgs.lib.mkForce 1;\n  b = f (x: x);\n}"
    );
    assert!(matches!(
        print_expr(&Expr::trusted("  ")),
        Err(PrintError::InvalidTrusted { .. })
    ));
    assert!(matches!(
        print_expr(&Expr::trusted("x # comment")),
        Err(PrintError::InvalidTrusted { .. })
    ));
}

#[test]
fn escaping_examples() {
    assert_eq!(
        escape_string("a\"b\\c${d}$e$").unwrap(),
        "a\\\"b\\\\c\\${d}$e$"
    );
    assert_eq!(escape_string("$${x}").unwrap(), "$\\${x}");
    assert_eq!(escape_string("\n\r\t\u{1}").unwrap(), "\\n\\r\\t\u{1}");
    assert_eq!(quote_string("").unwrap(), "\"\"");
    // Single-line text never becomes an indented string.
    assert_eq!(escape_indented_string("no newline", 2).unwrap(), None);
    // Lines that all start with spaces cannot keep their indentation in an indented string.
    assert_eq!(escape_indented_string("  a\n  b", 2).unwrap(), None);
    assert_eq!(
        print_expr(&Expr::indented("a\n'")).unwrap(),
        "''\n  a\n  ${\"'\"}''"
    );
    assert_eq!(
        print_expr(&Expr::indented("a\n''${b}")).unwrap(),
        "''\n  a\n  '''''${b}''"
    );
    assert_eq!(
        print_expr(&Expr::indented("a\n$'${b}")).unwrap(),
        "''\n  a\n  ''$${\"'\"}''${b}''"
    );
}

#[test]
fn attr_names() {
    assert!(AttrName::from("foo-bar").is_bare());
    assert!(!AttrName::from("if").is_bare());
    assert!(!AttrName::from("__curPos").is_bare());
    assert!(!AttrName::from("1").is_bare());
    assert!(!AttrName::dynamic(Expr::var("x")).is_bare());
    assert_eq!(
        print_expr(&Expr::var("a").select(["b", "c d", "1"])).unwrap(),
        "a.b.\"c d\".\"1\""
    );
}

#[test]
fn escape_indented_string_matches_the_printer() {
    let s = "set -e\necho ''${x}\n";
    let nested = attrs! { "a" => attrs! { "b" => Expr::indented(s), "c" => Expr::Null } };
    let printed = print_expr(&nested).unwrap();
    let standalone = escape_indented_string(s, 4).unwrap().unwrap();
    assert!(
        printed.contains(&format!("b = {standalone};")),
        "{printed}\n---\n{standalone}"
    );
}
