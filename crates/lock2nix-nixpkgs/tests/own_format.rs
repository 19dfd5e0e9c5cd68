//! The own `lock2nix-index v2` format (and `v1`, still read): round trips, error messages, limits.
mod common;

use lock2nix_nixpkgs::{
    Entry, Index, IndexMeta, IndexSource, Missing, PythonVersion, ReadLimits, RecipeFeatures,
    RecipeFormat, Scope, SrcFetcher, SwapBlocker,
};

const SAMPLE_V1: &str = "# lock2nix-index v1 python=3.13 nixpkgs=0123abc source=scan
attr\tscope\tpname\tversion\tversion_expr\tbroken\tdisabled\tfailed\tpypi_name\tnixpkgs_commit\tnote
automat\tpython\tAutomat\t25.4.16\t\tfalse\tfalse\t\t\t\t
httpie\ttop-level\thttpie\t3.2.4\t\tfalse\tfalse\t\t\t\ttop-level package
protobuf\tpython\tprotobuf\t\t\"${major}.${minor}\"\tfalse\tfalse\t\t\t\t
pycuda\tpython\tpycuda\t\t\t\t\ttrue\t\t\tevaluation failed\\twith a tab\\nand a newline \\\\ backslash
\t\t\t\t\t\t\t\tansicon\t\tmissing
";

/// The same rows in `v2`, with features for two of them (cryptography's and psycopg-c's shapes).
const SAMPLE: &str = "# lock2nix-index v2 python=3.13 nixpkgs=0123abc source=scan
attr\tscope\tpname\tversion\tversion_expr\tbroken\tdisabled\tfailed\tpypi_name\tnixpkgs_commit\tsrc_fetcher\trust_vendor\tpatches\tsource_root\tsubstitutions\tcustom_check\truns_tests\teval_assert\tfamily\tfamily_passthru\tformat\tnative_build_inputs\tbuild_inputs\tnote
automat\tpython\tAutomat\t25.4.16\t\tfalse\tfalse\t\t\t\tfetchPypi\tfalse\tfalse\tfalse\tfalse\tfalse\ttrue\tfalse\t\t\tpyproject\t-\t-\t
cryptography\tpython\tcryptography\t45.0.4\t\tfalse\tfalse\t\t\t\tfetchPypi\ttrue\tfalse\tfalse\ttrue\tfalse\ttrue\tfalse\t\t\tsetuptools\tcargo pkg-config rustPlatform.cargoSetupHook rustc\topenssl\t
httpie\ttop-level\thttpie\t3.2.4\t\tfalse\tfalse\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\ttop-level package
protobuf\tpython\tprotobuf\t\t\"${major}.${minor}\"\tfalse\tfalse\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t
psycopg-c\tpython\tpsycopg-c\t3.2.3\t\tfalse\tfalse\t\t\t\tfetchFromGitHub\tfalse\ttrue\tfalse\tfalse\tfalse\tfalse\tfalse\tpsycopg\tc\tpyproject\tpostgresql\t-\tpassthru child of psycopg
pycuda\tpython\tpycuda\t\t\t\t\ttrue\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tevaluation failed\\twith a tab\\nand a newline \\\\ backslash
\t\t\t\t\t\t\t\tansicon\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tmissing
";

#[test]
fn round_trip_is_byte_identical() {
    let sample = SAMPLE.to_string();
    let idx = Index::parse(&sample, "sample.tsv").expect("parses");
    assert_eq!(idx.len(), 6);
    assert_eq!(
        idx.get("pycuda").unwrap().note.as_deref(),
        Some("evaluation failed\twith a tab\nand a newline \\ backslash")
    );
    assert!(idx.get("pycuda").unwrap().failed);
    assert_eq!(idx.get("httpie").unwrap().scope, Scope::TopLevel);
    assert_eq!(idx.meta.python, Some(PythonVersion::new(3, 13)));
    let c = &idx.get("cryptography").unwrap().features;
    assert_eq!(
        (
            c.src_fetcher.clone(),
            c.rust_vendor,
            c.substitutions,
            c.runs_tests
        ),
        (
            Some(SrcFetcher::FetchPypi),
            Some(true),
            Some(true),
            Some(true)
        )
    );
    assert_eq!(c.format, Some(RecipeFormat::Setuptools));
    assert_eq!(
        c.native_build_inputs.as_deref(),
        Some(
            &[
                "cargo",
                "pkg-config",
                "rustPlatform.cargoSetupHook",
                "rustc"
            ]
            .map(String::from)[..]
        )
    );
    assert_eq!(
        c.build_inputs.as_deref(),
        Some(&["openssl".to_string()][..])
    );
    assert_eq!(
        c.swap_blockers(),
        vec![SwapBlocker::RustVendor, SwapBlocker::Substitutions]
    );
    let child = &idx.get("psycopg-c").unwrap().features;
    assert_eq!(child.family.as_deref(), Some("psycopg"));
    assert_eq!(child.family_passthru.as_deref(), Some("c"));
    assert_eq!(child.build_inputs, Some(vec![]));
    assert_eq!(
        idx.family("psycopg-c")
            .iter()
            .map(|e| e.attr.as_str())
            .collect::<Vec<_>>(),
        ["psycopg-c"]
    );
    // an empty feature cell is unknown; a row without any is not known at all
    assert!(!idx.get("protobuf").unwrap().features.known());
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
fn v1_files_still_read_with_features_unknown() {
    let idx = Index::parse(SAMPLE_V1, "old.tsv").expect("v1 parses");
    assert_eq!(idx.len(), 4);
    assert!(idx.iter().all(|e| !e.features.known()));
    assert_eq!(
        idx.get("automat").unwrap().version.as_deref(),
        Some("25.4.16")
    );
    // written again, it is v2 with empty feature cells, and that reads back to the same index
    let v2 = idx.to_tsv();
    assert!(v2.starts_with("# lock2nix-index v2 python=3.13 nixpkgs=0123abc source=scan\n"));
    assert_eq!(Index::parse(&v2, "new.tsv").unwrap(), idx);
    let new = Index::parse(SAMPLE, "new.tsv").unwrap();
    for attr in ["automat", "httpie", "protobuf", "pycuda"] {
        let (a, b) = (idx.get(attr).unwrap(), new.get(attr).unwrap());
        assert_eq!(
            (&a.version, &a.note, a.failed),
            (&b.version, &b.note, b.failed),
            "{attr}"
        );
    }
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
    let mut rust = Entry::new("orjson", "orjson", Some("3.10.18".into()));
    rust.features = RecipeFeatures {
        src_fetcher: Some(SrcFetcher::Other("fetchFromGitea".into())),
        rust_vendor: Some(true),
        family: Some("".into()),
        // unsorted, repeated and unwritable items are normalised away
        native_build_inputs: Some(vec![
            "maturinBuildHook".into(),
            "cargoSetupHook".into(),
            "maturinBuildHook".into(),
            "a b".into(),
            "-".into(),
        ]),
        ..RecipeFeatures::default()
    };
    idx.insert(rust);
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
    # lock2nix-index v2 python=3.12 nixpkgs=/some\spath/with\sspace source=eval
    attr	scope	pname	version	version_expr	broken	disabled	failed	pypi_name	nixpkgs_commit	src_fetcher	rust_vendor	patches	source_root	substitutions	custom_check	runs_tests	eval_assert	family	family_passthru	format	native_build_inputs	build_inputs	note
    aiohttp	python	aiohttp	3.11.0																				
    aiohttp	top-level	aiohttp	0																				
    orjson	python	orjson	3.10.18							fetchFromGitea	true										cargoSetupHook maturinBuildHook		
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
    insta::assert_snapshot!(err("hello\n"), @"bad.tsv:1:1: expected `# lock2nix-index v2 ...` (or `v1`) or the header `pypi_name\\tattr\\tpname\\tversion\\tnixpkgs_commit\\tnote`, found \"hello\"");
    insta::assert_snapshot!(err("# lock2nix-index v3 source=eval\n"), @r#"bad.tsv:1:18: expected format version `v2` or `v1`, found "v3 source=eval""#);
    insta::assert_snapshot!(err("# lock2nix-index v2 source=eval\nattr\tscope\tpname\tversion\tversion_expr\tbroken\tdisabled\tfailed\tpypi_name\tnixpkgs_commit\tnote\n"), @"bad.tsv:2:87: expected the header `attr\\tscope\\tpname\\tversion\\tversion_expr\\tbroken\\tdisabled\\tfailed\\tpypi_name\\tnixpkgs_commit\\tsrc_fetcher\\trust_vendor\\tpatches\\tsource_root\\tsubstitutions\\tcustom_check\\truns_tests\\teval_assert\\tfamily\\tfamily_passthru\\tformat\\tnative_build_inputs\\tbuild_inputs\\tnote`, found \"note\"");
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

/// A `v2` row: the ten common cells of `a`, then `features` (12 cells, tab-separated), a note.
fn v2(features: &str) -> String {
    let head = HEADER_V2.join("\t");
    format!("# lock2nix-index v2 source=scan\n{head}\na\tpython\ta\t1\t\t\t\t\t\t\t{features}\t\n")
}

const HEADER_V2: [&str; 24] = lock2nix_nixpkgs::format::HEADER;

#[test]
fn feature_cell_errors_point_at_the_cell() {
    let ok = "fetchPypi\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\t\t\tpyproject\t-\t-";
    assert!(Index::parse(&v2(ok), "ok.tsv").is_ok());
    insta::assert_snapshot!(err(&v2("fetchPypi\tyes\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\t\t\tpyproject\t-\t-")), @r#"bad.tsv:3:30: expected `true`, `false` or an empty cell, found "yes""#);
    insta::assert_snapshot!(err(&v2("fetchPypi\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\t\t\tegg\t-\t-")), @r#"bad.tsv:3:74: expected `pyproject`, `setuptools`, `wheel`, `other` or an empty cell, found "egg""#);
    insta::assert_snapshot!(err(&v2("fetchPypi\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\t\t\tpyproject\tcargo  rustc\t-")), @r#"bad.tsv:3:90: expected identifiers or derivation names separated by single spaces (`-` for none), found nothing"#);
    insta::assert_snapshot!(err(&v2("fetchPypi\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\t\t\tpyproject\trustc cargo\t-")), @r#"bad.tsv:3:84: expected sorted items without repeats, found "rustc cargo""#);
    insta::assert_snapshot!(err(&v2("fetchPypi\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\tfalse\t\t\tpyproject\t-\tlib$ssl")), @r#"bad.tsv:3:86: expected identifiers or derivation names separated by single spaces (`-` for none), found "lib$ssl""#);
    insta::assert_snapshot!(err(&v2("fetchPypi\tfalse")), @r#"bad.tsv:3:36: expected 24 tab-separated cells, found "13 cells""#);
}

#[test]
fn limits_stop_the_reader_with_a_located_error() {
    let limits = ReadLimits {
        max_bytes: 10_000,
        max_rows: 3,
        max_cell_chars: 40,
        max_list_items: 2,
    };
    let parse = |t: &str| {
        Index::parse_with_limits(t, "big.tsv", &limits)
            .unwrap_err()
            .to_string()
    };
    let head = format!(
        "# lock2nix-index v2 source=scan\n{}\n",
        HEADER_V2.join("\t")
    );
    let row = |a: &str| format!("{a}\tpython\t{a}\t1{}\n", "\t".repeat(20));
    let rows: String = ["a", "b", "c", "d"].iter().map(|a| row(a)).collect();
    assert_eq!(
        parse(&format!("{head}{rows}")),
        "big.tsv:6:1: the file has more rows than the limit of 3 rows"
    );
    let long = "x".repeat(41);
    assert_eq!(
        parse(&format!("{head}{}", row(&long))),
        "big.tsv:3:1: a cell is longer than the limit of 40 characters"
    );
    let list = v2("\t\t\t\t\t\t\t\t\t\t\ta b c\t-");
    assert_eq!(
        parse(&list),
        "big.tsv:3:35: a list has more items than the limit of 2 items"
    );
    assert_eq!(
        parse(&"x".repeat(10_001)),
        "big.tsv:1:1: the text is larger than the limit of 10000 bytes"
    );
    // read_with_limits refuses a large file before reading it whole
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.tsv");
    std::fs::write(&p, format!("{head}{}", row("a").repeat(1000))).unwrap();
    let e = Index::read_with_limits(&p, &limits)
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with(":1:1: the file is larger than the limit of 10000 bytes"),
        "{e}"
    );
    // the subset format has the same row limit
    let subset_rows: String = ["a", "b", "c", "d"]
        .iter()
        .map(|n| format!("{n}\t{n}\t{n}\t1\t\t\n"))
        .collect();
    let subset = format!("pypi_name\tattr\tpname\tversion\tnixpkgs_commit\tnote\n{subset_rows}");
    let wide = ReadLimits {
        max_cell_chars: 80,
        ..limits.clone()
    };
    assert_eq!(
        Index::parse_with_limits(&subset, "big.tsv", &wide)
            .unwrap_err()
            .to_string(),
        "big.tsv:5:1: the file has more rows than the limit of 3 rows"
    );
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

/// Input nobody writes by accident: every case ends in an error (located, displayable) or an
/// index, quickly, and never in a panic.
#[test]
fn hostile_index_text_is_refused_cleanly() {
    let started = std::time::Instant::now();
    let head = format!(
        "# lock2nix-index v2 source=scan\n{}\n",
        HEADER_V2.join("\t")
    );
    let long_line = format!("{head}{}\n", "a".repeat(5_000_000));
    let many_tabs = format!("{head}a{}\n", "\t".repeat(1_000_000));
    let huge_list = v2(&format!(
        "\t\t\t\t\t\t\t\t\t\t\t{}\t-",
        (0..5000)
            .map(|i| format!("i{i:05}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    let cases: Vec<(&str, String)> = vec![
        (
            "nul bytes",
            format!("{head}a\0b\tpython\ta\t1{}\n", "\t".repeat(20)),
        ),
        ("a 5 MB cell", long_line),
        ("a million tabs", many_tabs),
        ("5,000 inputs", huge_list),
        ("CR line ends", head.replace('\n', "\r\n")),
        (
            "escapes at the end",
            format!("{head}a\\{}\n", "\t".repeat(23)),
        ),
        ("only a header", head.clone()),
        (
            "metadata with spaces",
            "# lock2nix-index v2  source=scan\n".to_string(),
        ),
        (
            "a megabyte of newlines",
            format!("{head}{}", "\n".repeat(1 << 20)),
        ),
        (
            "bytes of every kind",
            (0u8..=255).map(|b| b as char).collect::<String>(),
        ),
    ];
    for (what, text) in cases {
        match Index::parse(&text, "hostile.tsv") {
            Ok(idx) => assert!(
                matches!(what, "only a header" | "a megabyte of newlines"),
                "{what}: read {} entries",
                idx.len()
            ),
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.starts_with("hostile.tsv:"), "{what}: {msg}");
            }
        }
    }
    // invalid UTF-8 in a file is an I/O error naming the file
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.tsv");
    std::fs::write(&p, [b'#', b' ', 0xff, 0xfe, b'\n']).unwrap();
    let e = Index::read(&p).unwrap_err().to_string();
    assert!(e.contains("bad.tsv") && e.contains("not UTF-8"), "{e}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
