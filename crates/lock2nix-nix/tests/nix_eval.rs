//! Differential tests against the real Nix evaluator (`nix-instantiate --eval`).
mod common;
use common::*;
use lock2nix_nix::*;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

fn sample<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).expect("generate").current())
        .collect()
}

/// The lexer facts the escaper relies on, checked on hand-written literals.
#[test]
fn nix_lexer_rules_for_dollar_and_quotes() {
    if skip_nix_tests("nix_lexer_rules_for_dollar_and_quotes") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Each pair: Nix source of a string literal, the value it must evaluate to.
    let cases: &[(&str, &str)] = &[
        (r#""$${x}""#, "$${x}"), // `$$` is literal (both dollars), so `$${` is the text `$${`, no interpolation
        (r#""$$""#, "$$"),       // no escape needed
        (r#""a$""#, "a$"),       // trailing `$` before the closing quote
        (r#""\${x}""#, "${x}"),  // the escape we use
        (r#""$\${x}""#, "$${x}"), // `$` then escaped `${`
        (r#""\\\"""#, "\\\""),   // backslash and quote
        ("\"a\u{1}b\u{7f}\u{1b}\"", "a\u{1}b\u{7f}\u{1b}"), // control characters pass through literally
        ("\"a\tb\"", "a\tb"),                               // literal tab too
        ("\"a\rb\"", "a\nb"), // but a literal CR is normalised to LF: we must write \r
        ("\"a\r\nb\"", "a\nb"),
        (r#""\r\n\t""#, "\r\n\t"),
        ("''\n  a'''b\n''", "a''b\n"),       // indented: ''' is ''
        ("''\n  a''${x}\n''", "a${x}\n"),    // ''$ is $
        ("''\n  a''\\rb''", "a\rb"),         // ''\r is CR
        ("''\n  x'''''\\'\n''", "x'''\n"),   // '' (as ''') then a lone ' (as ''\')
        ("''\n  a$''", "a$"),                // trailing $ before the closing ''
        ("''\n  ''\\'''${x}''", "'${x}"), // Nix's escape for a lone ' before ''${ (rnix 0.10 misparses it)
        ("''\n  '''${x}''", "''X"),       // what happens without it: ''' then an interpolation
        ("''\n  ${\"'\"}''${x}''", "'${x}"), // the form we print instead
    ];
    let list = cases
        .iter()
        .map(|(src, _)| format!("({src})"))
        .collect::<Vec<_>>()
        .join("\n");
    let got = nix_eval_json(&format!("let x = \"X\"; in [\n{list}\n]"), dir.path());
    let got = got.as_array().unwrap();
    for ((src, want), got) in cases.iter().zip(got) {
        assert_eq!(got.as_str().unwrap(), *want, "literal {src:?}");
    }
}

/// ~300 hostile strings printed as `"…"` and as indented strings, and as attribute names, in one evaluation.
#[test]
fn hostile_strings_and_attr_names_evaluate_to_the_original() {
    if skip_nix_tests("hostile_strings_and_attr_names_evaluate_to_the_original") {
        return;
    }
    let strings = sample(hostile_string(), 300);
    let mut items = Vec::new();
    for s in &strings {
        items.push(Expr::string(s.clone()));
        items.push(Expr::indented(s.clone()));
        // multi-line variants that take the indented path
        let multi = format!("first line\n{s}\nlast ${{x}} '' line\n");
        items.push(Expr::indented(multi));
        items.push(Expr::Interpolated(vec![
            StrPart::Lit(s.clone().into()),
            StrPart::Interp(Expr::string("<i>")),
            StrPart::Lit(s.clone().into()),
        ]));
    }
    let mut names: Vec<String> = strings.clone();
    names.push("if".into());
    names.push("or".into());
    names.push("__curPos".into());
    names.push("true".into());
    names.sort();
    names.dedup();
    let set = Expr::attrs(
        names
            .iter()
            // The hostile text is also a comment on its binding: comment injection would change the result.
            .map(|n| Binding::assign(n.clone(), Expr::string(n.clone())).comment(n.clone())),
    );
    let tree = attrs! {
        "strings" => Expr::List(items.clone()),
        "names" => Expr::dotted("builtins.attrNames").apply(set.clone()),
        "values" => Expr::dotted("builtins.attrValues").apply(set),
    };
    let text = print_file(&File::new(["hostile strings"], tree)).unwrap();
    assert_parses(&text);
    assert_alejandra_fixed_point(&text);
    let dir = tempfile::tempdir().unwrap();
    let got = nix_eval_json(&text, dir.path());

    let got_strings = got["strings"].as_array().unwrap();
    assert_eq!(got_strings.len(), items.len());
    for (item, got) in items.iter().zip(got_strings) {
        let want = match item {
            Expr::Str(s) | Expr::IndentedStr(s) => s.to_string(),
            Expr::Interpolated(parts) => parts
                .iter()
                .map(|p| match p {
                    StrPart::Lit(s) => s.to_string(),
                    StrPart::Interp(_) => "<i>".to_owned(),
                })
                .collect(),
            _ => unreachable!(),
        };
        assert_eq!(
            got.as_str().unwrap(),
            want,
            "printed as {}",
            print_expr(item).unwrap()
        );
    }
    // Nix sorts attribute names bytewise, like Rust's String ordering.
    let got_names: Vec<&str> = got["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(got_names, names);
    let got_values: Vec<&str> = got["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(got_values, names);
}

/// Hostile relative paths: printed as literals or `./. + "…"`, both resolve to the same file name.
#[test]
fn hostile_paths_resolve_to_the_original() {
    if skip_nix_tests("hostile_paths_resolve_to_the_original") {
        return;
    }
    use proptest::prelude::*;
    let component = prop_oneof![
        2 => "[a-zA-Z0-9._+-]{1,8}",
        1 => hostile_string().prop_filter("a path component", |s| {
            !s.is_empty() && s != "." && s != ".." && !s.contains('/')
        }),
    ]
    .prop_filter("not . or ..", |s| s != "." && s != "..");
    let paths = sample(proptest::collection::vec(component, 1..4), 200);
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(dir.path()).unwrap();
    let exprs: Vec<Expr> = paths
        .iter()
        .map(|cs| Expr::var("toString").apply(Expr::path(format!("./{}", cs.join("/")))))
        .collect();
    let mut all = exprs.clone();
    all.push(Expr::var("toString").apply(Expr::path("./..")));
    all.push(Expr::var("toString").apply(Expr::path("../x y/z")));
    let text = print_expr(&Expr::List(all)).unwrap();
    assert_parses(&text);
    assert_alejandra_fixed_point(&text);
    let got = nix_eval_json(&text, &base);
    let got = got.as_array().unwrap();
    for (cs, got) in paths.iter().zip(got) {
        assert_eq!(
            got.as_str().unwrap(),
            format!("{}/{}", base.display(), cs.join("/"))
        );
    }
    let parent = base.parent().unwrap();
    assert_eq!(
        got[paths.len()].as_str().unwrap(),
        parent.display().to_string()
    );
    assert_eq!(
        got[paths.len() + 1].as_str().unwrap(),
        format!("{}/x y/z", parent.display())
    );
}

/// Random operator trees over ints and bools: the printed text evaluates to what Rust computes, so the
/// parenthesisation matches Nix's precedence and associativity.
#[test]
fn operator_precedence_matches_nix() {
    if skip_nix_tests("operator_precedence_matches_nix") {
        return;
    }
    let trees = sample(arith_tree(), 250);
    let text = print_expr(&Expr::List(trees.iter().map(|(e, _)| e.clone()).collect())).unwrap();
    assert_parses(&text);
    assert_alejandra_fixed_point(&text);
    let dir = tempfile::tempdir().unwrap();
    let got = nix_eval_json(&text, dir.path());
    for ((e, want), got) in trees.iter().zip(got.as_array().unwrap()) {
        let want_json = match want {
            Val::Int(i) => serde_json::json!(i),
            Val::Bool(b) => serde_json::json!(b),
            Val::List(l) => serde_json::json!(l),
        };
        assert_eq!(got, &want_json, "{}", print_expr(e).unwrap());
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Int(i64),
    Bool(bool),
    List(Vec<i64>),
}

fn arith_tree() -> impl Strategy<Value = (Expr<'static>, Val)> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        (-4i64..6).prop_map(|i| (Expr::Int(i), Val::Int(i))),
        any::<bool>().prop_map(|b| (Expr::Bool(b), Val::Bool(b))),
        proptest::collection::vec(-3i64..4, 0..3).prop_map(|l| (
            Expr::List(l.iter().map(|i| Expr::Int(*i)).collect()),
            Val::List(l)
        )),
    ];
    leaf.prop_recursive(5, 40, 2, |inner| {
        (inner.clone(), inner, 0u8..12).prop_map(|((a, va), (b, vb), k)| combine(a, va, b, vb, k))
    })
}

/// Combine two typed trees with an operator that fits their types (falls back to the left tree).
fn combine<'a>(a: Expr<'a>, va: Val, b: Expr<'a>, vb: Val, k: u8) -> (Expr<'a>, Val) {
    use Val::*;
    match (&va, &vb) {
        (Int(x), Int(y)) => match k % 6 {
            0 => (a.add(b), Int(x + y)),
            1 => (a.binop(BinOp::Sub, b), Int(x - y)),
            2 => (a.binop(BinOp::Mul, b), Int(x.wrapping_mul(*y))),
            3 => (a.eq(b), Bool(x == y)),
            4 => (a.binop(BinOp::Lt, b), Bool(x < y)),
            _ => (a.ne(b), Bool(x != y)),
        },
        (Bool(x), Bool(y)) => match k % 5 {
            0 => (a.and(b), Bool(*x && *y)),
            1 => (a.or(b), Bool(*x || *y)),
            2 => (a.implies(b), Bool(!*x || *y)),
            3 => (a.not(), Bool(!*x)),
            _ => (a.eq(b), Bool(x == y)),
        },
        (List(x), List(y)) => match k % 2 {
            0 => (a.concat(b), List(x.iter().chain(y).copied().collect())),
            _ => (a.eq(b), Bool(x == y)),
        },
        (Int(x), Bool(_)) => (a.binop(BinOp::Sub, Expr::Int(-1)), Int(x + 1)),
        (Bool(x), _) => (a.not(), Bool(!*x)),
        (List(x), _) => (
            Expr::dotted("builtins.length")
                .apply(a)
                .add(Expr::Int(-1000)),
            Int(x.len() as i64 - 1000),
        ),
        (Int(_), List(_)) => (a, va),
    }
}
