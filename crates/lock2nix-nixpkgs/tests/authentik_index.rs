//! `fixtures/nixpkgs-index/authentik.tsv`: the v2 index with recipe features for authentik's closure.
mod common;

use lock2nix_nixpkgs::{Index, RecipeFormat, Scope, SrcFetcher, SwapBlocker};

fn index() -> Index {
    Index::read(common::repo().join("fixtures/nixpkgs-index/authentik.tsv")).unwrap()
}

#[test]
fn reads_and_writes_back_byte_identical() {
    let path = common::repo().join("fixtures/nixpkgs-index/authentik.tsv");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# lock2nix-index v2 source=tsv\n"));
    assert_eq!(index().to_tsv(), text);
}

#[test]
fn covers_the_subsets_attributes_with_features() {
    let idx = index();
    let subset = Index::read(common::authentik_tsv()).unwrap();
    let python: Vec<_> = idx
        .iter()
        .filter(|e| e.scope == Scope::PythonPackages)
        .collect();
    // every attribute of the subset; the recipes of the default closure's 172 were read, the
    // rest (the dev group's) keep unknown features
    assert_eq!(python.len(), 234);
    assert_eq!(python.len(), subset.len());
    let read: Vec<_> = python.iter().filter(|e| e.features.known()).collect();
    assert_eq!(read.len(), 172, "the default closure's recipes were read");
    for e in python.iter().filter(|e| !e.features.known()) {
        assert_eq!(
            e.features,
            Default::default(),
            "{}: nothing half-read",
            e.attr
        );
        assert!(
            e.note
                .as_deref()
                .unwrap_or("")
                .contains("recipe features not read"),
            "{}",
            e.attr
        );
    }
    // the same attributes, versions and commits as the subset (protobuf: 6.nix, see PROVENANCE.md)
    for e in &python {
        let s = subset
            .get(&e.attr)
            .unwrap_or_else(|| panic!("{} not in the subset", e.attr));
        assert_eq!(s.pypi_name, e.pypi_name, "{}", e.attr);
        if e.attr != "protobuf" {
            assert_eq!(
                (&s.version, &s.nixpkgs_commit),
                (&e.version, &e.nixpkgs_commit),
                "{}",
                e.attr
            );
        }
    }
    assert_eq!(idx.missing().count(), subset.missing().count());
    let top = idx.get_in("authentik", Scope::TopLevel).unwrap();
    assert_eq!(top.version.as_deref(), Some("2025.2.3"));
    assert!(!top.features.known());
}

#[test]
fn what_blocks_a_swap_in_authentiks_closure() {
    let idx = index();
    let f = |a: &str| idx.get(a).unwrap_or_else(|| panic!("{a}")).features.clone();
    let rust: Vec<&str> = idx
        .iter()
        .filter(|e| e.features.rust_vendor == Some(true))
        .map(|e| e.attr.as_str())
        .collect();
    assert_eq!(
        rust,
        [
            "bcrypt",
            "cryptography",
            "orjson",
            "pydantic-core",
            "python-kadmin-rs",
            "rpds-py",
            "watchfiles"
        ]
    );
    let family: Vec<(&str, &str)> = idx
        .iter()
        .filter_map(|e| Some((e.attr.as_str(), e.features.family.as_deref()?)))
        .collect();
    assert_eq!(
        family,
        [
            ("opentelemetry-sdk", "opentelemetry-api"),
            ("opentelemetry-semantic-conventions", "opentelemetry-api"),
            ("psycopg-c", "psycopg"),
            ("psycopg-pool", "psycopg"),
            ("ua-parser-builtins", "ua-parser")
        ]
    );
    assert_eq!(f("psycopg-c").family_passthru.as_deref(), Some("c"));
    assert_eq!(f("protobuf").swap_blockers(), vec![SwapBlocker::EvalAssert]);
    assert_eq!(f("djangoql").custom_check, Some(true));
    assert_eq!(f("django_5").patches, Some(true));
    // the recipes a plain override may swap: a release archive and nothing else in the way
    let safe: Vec<&str> = idx
        .iter()
        .filter(|e| e.features.known() && e.features.swap_blockers().is_empty())
        .map(|e| e.attr.as_str())
        .collect();
    assert_eq!(safe.len(), 49);
    for a in &safe {
        let f = f(a);
        assert!(matches!(
            f.src_fetcher,
            Some(SrcFetcher::FetchPypi | SrcFetcher::Fetchurl)
        ));
        assert!(matches!(
            f.format,
            Some(RecipeFormat::Pyproject | RecipeFormat::Setuptools)
        ));
    }
    assert!(safe.contains(&"requests") && !safe.contains(&"cryptography"));
}
