//! Reading the real authentik-subset TSV as it is.
mod common;

use lock2nix_nixpkgs::{Index, IndexSource, NameMap, Via};

#[test]
fn reads_all_249_names() {
    let idx = Index::read(common::authentik_tsv()).expect("reads");
    assert_eq!(idx.meta.source, IndexSource::Tsv);
    assert_eq!(idx.pypi_names().len(), 249);
    let missing = idx.missing().count();
    assert_eq!(idx.len() + missing, 249);
    // rows with an empty attr column in the file
    let text = std::fs::read_to_string(common::authentik_tsv()).unwrap();
    let empty_attr = text
        .lines()
        .skip(1)
        .filter(|l| l.split('\t').nth(1) == Some(""))
        .count();
    assert_eq!(missing, empty_attr);
    assert!(missing > 10, "{missing}");
}

#[test]
fn missing_row() {
    let idx = Index::read(common::authentik_tsv()).unwrap();
    let m = idx
        .missing_entry("ansicon")
        .expect("ansicon is a missing row");
    assert!(m.note.as_deref().unwrap().starts_with("missing"));
    assert!(idx.get("ansicon").is_none());
    assert!(NameMap::new(&idx).lookup("ansicon").is_none());
}

#[test]
fn merge_conflict_row() {
    let idx = Index::read(common::authentik_tsv()).unwrap();
    let e = idx.get("asgiref").unwrap();
    assert_eq!(e.version.as_deref(), Some("3.7.2"));
    assert_eq!(
        e.nixpkgs_commit.as_deref(),
        Some("05924f714f31ff83bd10ed1710638688999c3725")
    );
    assert!(e
        .note
        .as_deref()
        .unwrap()
        .contains("merge-conflict markers (HEAD side 3.7.2, other side 3.6.0)"));
}

#[test]
fn expression_rows_are_non_literal() {
    let idx = Index::read(common::authentik_tsv()).unwrap();
    let e = idx.get("opentelemetry-sdk").unwrap();
    assert_eq!(e.version, None);
    assert_eq!(
        e.version_expr.as_deref(),
        Some("inherited from opentelemetry-api (inherit (opentelemetry-api) version src)")
    );
    let p = idx.get("protobuf").unwrap();
    assert!(p.is_non_literal());
    assert!(p
        .version_expr
        .as_deref()
        .unwrap()
        .starts_with("inherit (protobuf) name src version"));
    let non_literal: Vec<&str> = idx
        .iter()
        .filter(|e| e.version.is_none())
        .map(|e| e.attr.as_str())
        .collect();
    assert_eq!(
        non_literal,
        [
            "opentelemetry-sdk",
            "protobuf",
            "ruff",
            "ua-parser-builtins"
        ]
    );
    assert!(idx
        .iter()
        .filter(|e| e.version.is_none())
        .all(|e| e.version_expr.is_some()));
}

#[test]
fn pname_and_attr_differences() {
    let idx = Index::read(common::authentik_tsv()).unwrap();
    assert_eq!(idx.get("automat").unwrap().pname, "Automat");
    // no pname in the old copy: defaults to the attribute
    assert_eq!(idx.get("wcwidth").unwrap().pname, "wcwidth");
    let m = NameMap::new(&idx).lookup("Django").unwrap();
    assert_eq!((m.attr.as_str(), m.via), ("django_5", Via::Table));
    let m = NameMap::new(&idx).lookup("PyOpenSSL").unwrap();
    assert_eq!((m.attr.as_str(), m.via), ("pyopenssl", Via::Exact));
    let m = NameMap::new(&idx).lookup("typing_extensions").unwrap();
    assert_eq!((m.attr.as_str(), m.via), ("typing-extensions", Via::Exact));
    // every present row maps back to its own attribute
    let map = NameMap::new(&idx);
    for e in idx.iter() {
        let name = e.pypi_name.as_deref().unwrap();
        assert_eq!(
            map.lookup(name).map(|m| m.attr),
            Some(e.attr.clone()),
            "{name}"
        );
    }
}

#[test]
fn converts_to_own_format_and_back() {
    let idx = Index::read(common::authentik_tsv()).unwrap();
    let text = idx.to_tsv();
    let again = Index::parse(&text, "converted").unwrap();
    assert_eq!(again, idx);
    assert_eq!(again.to_tsv(), text);
}
