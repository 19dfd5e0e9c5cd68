//! Wheel file name parser: valid and invalid tables, and property tests (never panics,
//! round-trips canonical names).

use lock2nix_wheel::{WheelFilename, WheelFilenameError as E};
use proptest::prelude::*;

#[test]
fn valid_names() {
    // (file name, name, version, build (number, suffix), python, abi, platform, pure)
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        Option<(u64, &'static str)>,
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
        bool,
    );
    let rows: &[Row] = &[
        (
            "numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "numpy",
            "2.1.3",
            None,
            &["cp312"],
            &["cp312"],
            &["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
            false,
        ),
        (
            "pydantic_core-2.50.5-cp311-cp311-macosx_11_0_arm64.whl",
            "pydantic-core",
            "2.50.5",
            None,
            &["cp311"],
            &["cp311"],
            &["macosx_11_0_arm64"],
            false,
        ),
        (
            "Zope.Interface-7.0-cp312-cp312-win_amd64.whl",
            "zope-interface",
            "7.0",
            None,
            &["cp312"],
            &["cp312"],
            &["win_amd64"],
            false,
        ),
        (
            "a__b._c-1-py2.py3-none-any.whl",
            "a-b-c",
            "1",
            None,
            &["py2", "py3"],
            &["none"],
            &["any"],
            true,
        ),
        (
            "jpype1-1.7.1-1-cp312-cp312-macosx_11_0_universal2.whl",
            "jpype1",
            "1.7.1",
            Some((1, "")),
            &["cp312"],
            &["cp312"],
            &["macosx_11_0_universal2"],
            false,
        ),
        (
            "foo-1.0-2b_x-py3-none-any.whl",
            "foo",
            "1.0",
            Some((2, "b_x")),
            &["py3"],
            &["none"],
            &["any"],
            true,
        ),
        (
            "torch-2.4.1%2Bcpu-cp312-cp312-linux_x86_64.whl",
            "torch",
            "2.4.1+cpu",
            None,
            &["cp312"],
            &["cp312"],
            &["linux_x86_64"],
            false,
        ),
        (
            "Foo-1.0rc1.post2.dev3-PY3-NONE-ANY.whl",
            "foo",
            "1.0rc1.post2.dev3",
            None,
            &["py3"],
            &["none"],
            &["any"],
            true,
        ),
        (
            "cryptography-50.0.2-cp315-abi3.abi3t-manylinux_2_34_aarch64.whl",
            "cryptography",
            "50.0.2",
            None,
            &["cp315"],
            &["abi3", "abi3t"],
            &["manylinux_2_34_aarch64"],
            false,
        ),
        (
            "mixed-1.0-py3-none-any.manylinux1_x86_64.whl",
            "mixed",
            "1.0",
            None,
            &["py3"],
            &["none"],
            &["any", "manylinux1_x86_64"],
            false,
        ),
    ];
    for (file, name, version, build, py, abi, plat, pure) in rows {
        let w = WheelFilename::parse(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(w.name(), *name, "{file}");
        assert_eq!(w.version().to_string(), *version, "{file}");
        assert_eq!(
            w.build_tag().map(|b| (b.number, b.suffix.as_str())),
            *build,
            "{file}"
        );
        assert_eq!(w.python_tags(), *py, "{file}");
        assert_eq!(w.abi_tags(), *abi, "{file}");
        assert_eq!(w.platform_tags(), *plat, "{file}");
        assert_eq!(w.is_pure(), *pure, "{file}");
        assert_eq!(w.tag_triples().count(), py.len() * abi.len() * plat.len());
        assert_eq!(file.parse::<WheelFilename>().unwrap(), w);
    }
    let w = WheelFilename::parse("six-1.16.0-py2.py3-none-any.whl").unwrap();
    let triples: Vec<_> = w.tag_triples().collect();
    assert_eq!(triples, [("py2", "none", "any"), ("py3", "none", "any")]);
    assert_eq!(w.to_string(), "six-1.16.0-py2.py3-none-any.whl");
}

#[test]
fn url_basenames() {
    let w = WheelFilename::parse_url_basename(
        "https://download.pytorch.org/whl/cpu/torch-2.4.1%2Bcpu-cp312-cp312-linux_x86_64.whl#sha256=00",
    )
    .unwrap();
    assert_eq!(
        (w.name(), w.version().to_string().as_str()),
        ("torch", "2.4.1+cpu")
    );
    assert_eq!(
        w.to_string(),
        "torch-2.4.1+cpu-cp312-cp312-linux_x86_64.whl"
    );
    let w = WheelFilename::parse_url_basename(
        "https://files.pythonhosted.org/packages/aa/bb/six-1.16.0-py2.py3-none-any.whl?x=a/b",
    )
    .unwrap();
    assert_eq!(w.name(), "six");
    assert!(WheelFilename::parse_url_basename("six-1.16.0-py2.py3-none-any.whl").is_ok());
    assert!(matches!(
        WheelFilename::parse_url_basename("https://example.org/simple/six/"),
        Err(E::NoFileNameInUrl { .. })
    ));
    assert!(matches!(
        WheelFilename::parse_url_basename("https://example.org/six-1.16.0.tar.gz"),
        Err(E::NotAWheel { .. })
    ));
}

#[test]
fn invalid_names() {
    type Case = (&'static str, fn(&E) -> bool);
    let cases: &[Case] = &[
        ("numpy-2.1.3.tar.gz", |e| matches!(e, E::NotAWheel { .. })),
        ("numpy-2.1.3-py3-none-any.WHL", |e| {
            matches!(e, E::NotAWheel { .. })
        }),
        ("", |e| matches!(e, E::NotAWheel { .. })),
        (".whl", |e| {
            matches!(e, E::WrongNumberOfParts { found: 1, .. })
        }),
        ("numpy-2.1.3-cp312.whl", |e| {
            matches!(e, E::WrongNumberOfParts { found: 3, .. })
        }),
        ("a-1-2-3-4-5-6.whl", |e| {
            matches!(e, E::WrongNumberOfParts { found: 7, .. })
        }),
        ("-1.0-py3-none-any.whl", |e| {
            matches!(e, E::InvalidName { .. })
        }),
        ("ü-1.0-py3-none-any.whl", |e| {
            matches!(e, E::InvalidName { .. })
        }),
        ("foo+bar-1.0-py3-none-any.whl", |e| {
            matches!(e, E::InvalidName { .. })
        }),
        ("foo-not_a_version-py3-none-any.whl", |e| {
            matches!(e, E::InvalidVersion { .. })
        }),
        ("foo--py3-none-any.whl", |e| {
            matches!(e, E::InvalidVersion { .. })
        }),
        ("foo-1.0-x1-py3-none-any.whl", |e| {
            matches!(e, E::InvalidBuildTag { .. })
        }),
        ("foo-1.0--py3-none-any.whl", |e| {
            matches!(e, E::InvalidBuildTag { .. })
        }),
        ("foo-1.0-99999999999999999999999-py3-none-any.whl", |e| {
            matches!(e, E::InvalidBuildTag { .. })
        }),
        ("foo-1.0-py2..py3-none-any.whl", |e| {
            matches!(
                e,
                E::EmptyTag {
                    field: "python",
                    ..
                }
            )
        }),
        ("foo-1.0-py3--any.whl", |e| {
            matches!(e, E::EmptyTag { field: "abi", .. })
        }),
        ("foo-1.0-py3-none-.whl", |e| {
            matches!(
                e,
                E::EmptyTag {
                    field: "platform",
                    ..
                }
            )
        }),
        ("foo-1.0-py3-none-any..whl", |e| {
            matches!(
                e,
                E::EmptyTag {
                    field: "platform",
                    ..
                }
            )
        }),
        ("foo-1.0-py3-none-any!.whl", |e| {
            matches!(
                e,
                E::InvalidTag {
                    field: "platform",
                    ..
                }
            )
        }),
        ("foo-1.0-py3-n/one-any.whl", |e| {
            matches!(e, E::InvalidTag { field: "abi", .. })
        }),
        ("foo-1.0-pý3-none-any.whl", |e| {
            matches!(
                e,
                E::InvalidTag {
                    field: "python",
                    ..
                }
            )
        }),
        ("foo%FF-1.0-py3-none-any.whl", |e| {
            matches!(e, E::InvalidPercentEncoding { .. })
        }),
    ];
    for (input, check) in cases {
        let err = WheelFilename::parse(input).expect_err(input);
        assert!(check(&err), "{input:?}: unexpected error {err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("{input:?}")),
            "{input:?}: message does not name the input: {msg}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics_on_arbitrary_strings(s in ".*") {
        let _ = WheelFilename::parse(&s);
        let _ = WheelFilename::parse_url_basename(&s);
    }

    #[test]
    fn parse_never_panics_on_wheelish_strings(s in "[a-zA-Z0-9._%+!éü-]{0,40}(\\.whl)?") {
        if let Ok(w) = WheelFilename::parse(&s) {
            // Whatever parses, its canonical form parses to the same value.
            prop_assert_eq!(WheelFilename::parse(&w.to_string()).unwrap(), w);
        }
    }

    #[test]
    fn canonical_names_round_trip(
        name in "[a-z][a-z0-9]{0,5}(_[a-z0-9]{1,5}){0,2}",
        version in "(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){0,3}((a|b|rc)(0|[1-9][0-9]?))?(\\.post[1-9])?(\\.dev[1-9])?(\\+[a-z][a-z0-9]{0,4})?",
        build in proptest::option::of("[1-9][0-9]{0,3}[a-z_]{0,2}"),
        py in proptest::collection::vec("(py|cp)[0-9]{1,3}", 1..3),
        abi in proptest::collection::vec("none|abi3|cp3[0-9]{1,2}t?", 1..3),
        plat in proptest::collection::vec("any|linux_x86_64|manylinux_2_[0-9]{1,2}_aarch64|macosx_1[0-5]_0_(arm64|x86_64)", 1..4),
    ) {
        let mut s = format!("{name}-{version}");
        if let Some(b) = &build {
            s.push('-');
            s.push_str(b);
        }
        s.push_str(&format!("-{}-{}-{}.whl", py.join("."), abi.join("."), plat.join(".")));
        let w = WheelFilename::parse(&s).unwrap();
        prop_assert_eq!(w.to_string(), s.clone());
        prop_assert_eq!(w.name(), name.replace('_', "-"));
        prop_assert_eq!(w.build_tag().map(|b| b.as_str().to_string()), build);
        prop_assert_eq!(w.tag_triples().count(), py.len() * abi.len() * plat.len());
        prop_assert_eq!(w.is_pure(), plat.iter().all(|p| p == "any"));
        prop_assert_eq!(WheelFilename::parse(&w.to_string()).unwrap(), w);
    }
}

#[test]
fn a_known_version_is_reused_only_when_written_the_same_way() {
    use lock2nix_wheel::WheelFilename;
    use pep440_rs::Version;
    use std::str::FromStr;
    let known = Version::from_str("2.4.1+cpu").unwrap();
    // same text (after percent-decoding): the known version, and the same value as a fresh parse
    let w = WheelFilename::parse_url_basename_with(
        "https://download.pytorch.org/whl/cpu/torch-2.4.1%2Bcpu-cp312-cp312-linux_x86_64.whl",
        Some(("2.4.1+cpu", &known)),
    )
    .unwrap();
    assert_eq!(w.version(), &known);
    assert_eq!(
        w,
        WheelFilename::parse("torch-2.4.1+cpu-cp312-cp312-linux_x86_64.whl").unwrap()
    );
    // different text: the file name's own version is parsed (a wrong hint cannot leak in)
    let w = WheelFilename::parse_with(
        "torch-2.4.0-cp312-cp312-linux_x86_64.whl",
        Some(("2.4.1+cpu", &known)),
    )
    .unwrap();
    assert_eq!(w.version().to_string(), "2.4.0");
    // and an invalid version is still an error
    assert!(
        WheelFilename::parse_with("torch-x.y-py3-none-any.whl", Some(("2.4.1+cpu", &known)))
            .is_err()
    );
}

#[test]
fn tag_sets_read_the_compressed_fields_in_order() {
    let w = lock2nix_wheel::WheelFilename::parse(
        "Foo-1.0-PY2.py3-NONE-manylinux_2_17_x86_64.MANYLINUX2014_X86_64.whl",
    )
    .unwrap();
    assert_eq!(w.python_tags(), ["py2", "py3"]);
    assert_eq!(w.python_tags().len(), 2);
    assert_eq!(w.abi_tags(), ["none"]);
    assert_eq!(w.abi_tags().as_str(), "none");
    assert!(w.platform_tags().contains("manylinux2014_x86_64"));
    assert!(!w.platform_tags().contains("manylinux2014"));
    assert_eq!(
        w.to_string(),
        "foo-1.0-py2.py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    );
}
