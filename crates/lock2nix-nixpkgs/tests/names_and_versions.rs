//! Name mapping and version comparison.
use std::collections::BTreeMap;
use std::str::FromStr;

use lock2nix_nixpkgs::{
    known_names, nixpkgs_version_matches, normalize_name, Entry, Index, IndexMeta, IndexSource,
    NameMap, Scope, VersionMatch, Via,
};
use pep440_rs::Version;

fn index(entries: &[(&str, &str, Option<&str>)]) -> Index {
    let mut idx = Index::new(IndexMeta::new(IndexSource::Eval));
    for (attr, pname, v) in entries {
        idx.insert(Entry::new(*attr, *pname, v.map(str::to_string)));
    }
    idx
}

#[test]
fn pep503_normalisation() {
    assert_eq!(normalize_name("Zope.Interface"), "zope-interface");
    assert_eq!(normalize_name("typing__extensions"), "typing-extensions");
    assert_eq!(normalize_name("ruamel.yaml.clib"), "ruamel-yaml-clib");
    assert_eq!(normalize_name("PyJWT"), "pyjwt");
}

#[test]
fn lookup_order_override_table_exact_pname() {
    let idx = index(&[
        ("opencv4", "opencv", Some("4.10.0")),
        ("opencv-python", "opencv-python", Some("4.10.0")),
        ("torch", "torch", Some("2.5.1")),
        ("torch-bin", "torch", Some("2.5.1")),
        ("automat", "Automat", Some("25.4.16")),
        ("zope_interface", "zope.interface", Some("7.2")),
        ("django_4", "django", Some("4.2.17")),
        ("django_5", "django", Some("5.1.4")),
    ]);
    let map = NameMap::new(&idx);
    // table: opencv-python -> opencv4 (even though an opencv-python meta package exists)
    let m = map.lookup("opencv_python").unwrap();
    assert_eq!(
        (m.attr.as_str(), m.via, m.alternatives.clone()),
        ("opencv4", Via::Table, vec!["opencv-python".to_string()])
    );
    // table row whose attr exists; -bin alternative reported
    let m = map.lookup("torch").unwrap();
    assert_eq!((m.attr.as_str(), m.via), ("torch", Via::Table));
    assert_eq!(m.alternatives, ["torch-bin"]);
    // old PyPI name from python-aliases.nix
    assert_eq!(map.lookup("pytorch").unwrap().attr, "torch");
    // exact
    let m = map.lookup("Automat").unwrap();
    assert_eq!((m.attr.as_str(), m.via), ("automat", Via::Exact));
    // pname (names with dots, old attribute spelling)
    let m = map.lookup("zope.interface").unwrap();
    assert_eq!((m.attr.as_str(), m.via), ("zope_interface", Via::Pname));
    // table row django -> django_5
    let m = map.lookup("Django").unwrap();
    assert_eq!((m.attr.as_str(), m.via), ("django_5", Via::Table));
    assert_eq!(m.alternatives, ["django_4"]);
    // override beats everything, normalised key
    let map = NameMap::new(&idx).with_overrides(BTreeMap::from([(
        "Django".to_string(),
        "django_4".to_string(),
    )]));
    let m = map.lookup("django").unwrap();
    assert_eq!((m.attr.as_str(), m.via), ("django_4", Via::Override));
    assert!(map.lookup("not-in-nixpkgs").is_none());
}

#[test]
fn table_rows_only_apply_when_the_attribute_exists() {
    // psycopg2-binary: psycopg2 absent, the meta package present -> alternative is used
    let idx = index(&[("psycopg2-binary", "psycopg2-binary", Some("2.9.10"))]);
    let m = NameMap::new(&idx).lookup("psycopg2-binary").unwrap();
    assert_eq!((m.attr.as_str(), m.via), ("psycopg2-binary", Via::Table));
    let idx = index(&[("psycopg2", "psycopg2", Some("2.9.10"))]);
    let m = NameMap::new(&idx).lookup("psycopg2_binary").unwrap();
    assert_eq!((m.attr.as_str(), m.via), ("psycopg2", Via::Table));
    // tensorflow-cpu with only tensorflow-bin
    let idx = index(&[("tensorflow-bin", "tensorflow", Some("2.18.0"))]);
    let m = NameMap::new(&idx).lookup("tensorflow-cpu").unwrap();
    assert_eq!(m.attr, "tensorflow-bin");
    // nothing from the table present: no match, not a dangling attribute
    let idx = index(&[]);
    assert!(NameMap::new(&idx).lookup("tensorflow-cpu").is_none());
}

#[test]
fn pname_ties_prefer_highest_version_and_python_scope() {
    let mut idx = index(&[
        ("foo_1", "foo", Some("1.0")),
        ("foo_2", "foo", Some("2.0")),
        ("foo_git", "foo", None),
    ]);
    let m = NameMap::new(&idx).lookup("foo").unwrap();
    assert_eq!((m.attr.as_str(), m.via), ("foo_2", Via::Pname));
    assert_eq!(m.alternatives, ["foo_1", "foo_git"]);
    let mut app = Entry::new("bar", "bar", Some("1".to_string()));
    app.scope = Scope::TopLevel;
    idx.insert(app);
    let m = NameMap::new(&idx).lookup("bar").unwrap();
    assert_eq!((m.scope, m.via), (Scope::TopLevel, Via::Exact));
}

#[test]
fn known_names_table_is_valid_and_documented() {
    let t = known_names();
    assert!(t.len() >= 10);
    for row in t {
        assert_eq!(normalize_name(&row.pypi_name), row.pypi_name);
        assert!(row.reason.len() > 20, "{row:?}");
    }
    assert!(lock2nix_nixpkgs::names::parse_known_names("a\tb\t-\n").is_err());
    assert!(lock2nix_nixpkgs::names::parse_known_names("A\tb\t-\t# why\n").is_err());
}

#[test]
fn version_matching() {
    let v = |s: &str| Version::from_str(s).unwrap();
    assert_eq!(
        nixpkgs_version_matches(&v("1.0"), "1.0.0"),
        VersionMatch::Equal
    );
    assert_eq!(
        nixpkgs_version_matches(&v("1.0rc1"), "1.0.rc1"),
        VersionMatch::Equal
    );
    assert_eq!(
        nixpkgs_version_matches(&v("2.8.0"), "2.10.1"),
        VersionMatch::Different(v("2.10.1"))
    );
    assert_eq!(
        nixpkgs_version_matches(&v("1.0"), "unstable-2022-01-01"),
        VersionMatch::NotPep440
    );
    assert_eq!(
        nixpkgs_version_matches(&v("0"), "0-unstable-2024-05-01"),
        VersionMatch::NotPep440
    );
    assert_eq!(
        nixpkgs_version_matches(&v("1.0"), "2022-01-01"),
        VersionMatch::NotPep440
    );
    assert_eq!(
        nixpkgs_version_matches(&v("1.0"), ""),
        VersionMatch::NotPep440
    );
}
