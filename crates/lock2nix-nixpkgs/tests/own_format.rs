//! The own `lock2nix-index v1` format: round trips and error messages.
mod common;

use lock2nix_nixpkgs::{Entry, Index, IndexMeta, IndexSource, Missing, PythonVersion, Scope};

const SAMPLE: &str = "# lock2nix-index v1 python=3.13 nixpkgs=0123abc source=scan
attr\tscope\tpname\tversion\tversion_expr\tbroken\tdisabled\tfailed\tpypi_name\tnixpkgs_commit\tnote
automat\tpython\tAutomat\t25.4.16\t\tfalse\tfalse\t\t\t\t
httpie\ttop-level\thttpie\t3.2.4\t\tfalse\tfalse\t\t\t\ttop-level package
protobuf\tpython\tprotobuf\t\t\"${major}.${minor}\"\tfalse\tfalse\t\t\t\t
pycuda\tpython\tpycuda\t\t\t\t\ttrue\t\t\tevaluation failed\\twith a tab\\nand a newline \\\\ backslash
\t\t\t\t\t\t\t\tansicon\t\tmissing
";

#[test]
fn round_trip_is_byte_identical() {
    let sample = SAMPLE.to_string();
    let idx = Index::parse(&sample, "sample.tsv").expect("parses");
    assert_eq!(idx.len(), 4);
    assert_eq!(
        idx.get("pycuda").unwrap().note.as_deref(),
        Some("evaluation failed\twith a tab\nand a newline \\ backslash")
    );
    assert!(idx.get("pycuda").unwrap().failed);
    assert_eq!(idx.get("httpie").unwrap().scope, Scope::TopLevel);
    assert_eq!(idx.meta.python, Some(PythonVersion::new(3, 13)));
    assert_eq!(idx.to_tsv(), sample);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.tsv");
    idx.write(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), sample);
    let back = Index::read(&path).unwrap();
    assert_eq!(back, idx);
    // no temporary files are left behind
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn write_sorts_and_escapes() {
    let mut idx = Index::new(IndexMeta {
        python: Some(PythonVersion::new(3, 12)),
        nixpkgs: Some("/some path/with space".into()),
        source: IndexSource::Eval,
    });
    idx.insert(Entry::new(
        "zope-interface",
        "zope.interface",
        Some("7.2".into()),
    ));
    idx.insert(Entry::new("aiohttp", "aiohttp", Some("3.11.0".into())));
    let mut top = Entry::new("aiohttp", "aiohttp", Some("0".into()));
    top.scope = Scope::TopLevel;
    idx.insert(top);
    idx.insert_missing(Missing {
        pypi_name: "b-missing".into(),
        note: None,
    });
    idx.insert_missing(Missing {
        pypi_name: "a-missing".into(),
        note: Some("".into()),
    });
    let text = idx.to_tsv();
    insta::assert_snapshot!(text, @r"
    # lock2nix-index v1 python=3.12 nixpkgs=/some\spath/with\sspace source=eval
    attr	scope	pname	version	version_expr	broken	disabled	failed	pypi_name	nixpkgs_commit	note
    aiohttp	python	aiohttp	3.11.0							
    aiohttp	top-level	aiohttp	0							
    zope-interface	python	zope.interface	7.2							
    								a-missing		
    								b-missing		
    ");
    let back = Index::parse(&text, "x").unwrap();
    assert_eq!(back, idx);
    assert_eq!(back.meta.nixpkgs.as_deref(), Some("/some path/with space"));
    assert_eq!(back.by_pname("Zope_Interface").len(), 1);
}

fn err(text: &str) -> String {
    Index::parse(text, "bad.tsv").unwrap_err().to_string()
}

const HEAD: &str = "attr\tscope\tpname\tversion\tversion_expr\tbroken\tdisabled\tfailed\tpypi_name\tnixpkgs_commit\tnote\n";

#[test]
fn error_messages_point_at_line_and_column() {
    insta::assert_snapshot!(err("hello\n"), @"bad.tsv:1:1: expected `# lock2nix-index v1 ...` or the header `pypi_name\\tattr\\tpname\\tversion\\tnixpkgs_commit\\tnote`, found \"hello\"");
    insta::assert_snapshot!(err("# lock2nix-index v2 source=eval\n"), @r#"bad.tsv:1:18: expected format version `v1`, found "v2 source=eval""#);
    insta::assert_snapshot!(err("# lock2nix-index v1 python=three source=eval\n"), @r#"bad.tsv:1:28: expected a Python version like `3.13`, found "three""#);
    insta::assert_snapshot!(err("# lock2nix-index v1 python=3.13\n"), @"bad.tsv:1:32: expected `source=...`, found nothing");
    insta::assert_snapshot!(err("# lock2nix-index v1 source=eval\nattr\tscope\tpname\n"), @"bad.tsv:2:17: expected the header `attr\\tscope\\tpname\\tversion\\tversion_expr\\tbroken\\tdisabled\\tfailed\\tpypi_name\\tnixpkgs_commit\\tnote`, found nothing");
    let t = format!("# lock2nix-index v1 source=eval\n{HEAD}a\tpython\ta\t1\t\tmaybe\t\t\t\t\t\n");
    insta::assert_snapshot!(err(&t), @r#"bad.tsv:3:15: expected `true`, `false` or an empty cell, found "maybe""#);
    let t = format!("# lock2nix-index v1 source=eval\n{HEAD}a\tpython\ta\t1\n");
    insta::assert_snapshot!(err(&t), @r#"bad.tsv:3:13: expected 11 tab-separated cells, found "4 cells""#);
    let t = format!("# lock2nix-index v1 source=eval\n{HEAD}a\tpython\ta\t1\t\t\t\t\t\t\t\nb\tsomewhere\tb\t1\t\t\t\t\t\t\t\n");
    insta::assert_snapshot!(err(&t), @r#"bad.tsv:4:3: expected `python` or `top-level`, found "somewhere""#);
    let t = format!("# lock2nix-index v1 source=eval\n{HEAD}a\tpython\ta\t1\\x\t\t\t\t\t\t\t\n");
    insta::assert_snapshot!(err(&t), @r#"bad.tsv:3:12: expected a valid escape (\\, \t, \n, \r), found "\\x""#);
    let t = format!("# lock2nix-index v1 source=eval\n{HEAD}a\tpython\ta\t1\t\t\t\t\t\t\t\na\tpython\ta\t2\t\t\t\t\t\t\t\n");
    insta::assert_snapshot!(err(&t), @r#"bad.tsv:4:1: expected each (attr, scope) once, found "a""#);
}

#[test]
fn subset_format_errors() {
    let head = "pypi_name\tattr\tpname\tversion\tnixpkgs_commit\tnote\n";
    insta::assert_snapshot!(err(&format!("{head}foo\tfoo\tfoo\t1.0\n")), @r#"bad.tsv:2:16: expected 6 tab-separated cells, found "4 cells""#);
    insta::assert_snapshot!(err(&format!("{head}foo\t\tfoo\t1.0\t\tmissing\n")), @r#"bad.tsv:2:6: expected an empty `pname` cell in a row without attr (a missing package), found "foo""#);
    insta::assert_snapshot!(err(&format!("{head}foo\tfoo\tfoo\t1\t\t\nFoo\tbar\tbar\t1\t\t\n")), @r#"bad.tsv:3:1: expected each pypi_name once, found "Foo""#);
}

#[test]
fn missing_file_is_an_io_error() {
    let e = Index::read("/nonexistent/index.tsv")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("cannot read /nonexistent/index.tsv:"), "{e}");
}
