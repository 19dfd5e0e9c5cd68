//! The normalised-name lookups ([`Index::by_pypi_name`], [`Index::missing_entry`], [`Index::by_pname`])
//! use maps built as the index is filled. These tests check them against the plain definition (a
//! scan over every entry, the first match in sorted order wins) on the real authentik subset, on
//! spellings of its names, and on hand-made collisions, replacements and re-insertions.
mod common;

use lock2nix_nixpkgs::{normalize_name, Entry, Index, IndexMeta, IndexSource, Missing, Scope};

/// The definition of `by_pypi_name`: the first entry (attribute, then scope order) whose
/// normalised `pypi_name` equals the normalised `name`.
fn scan_by_pypi_name<'a>(idx: &'a Index, name: &str) -> Option<&'a Entry> {
    let n = normalize_name(name);
    idx.iter()
        .find(|e| e.pypi_name.as_deref().map(normalize_name).as_deref() == Some(n.as_str()))
}

/// The definition of `missing_entry`: the name spelled exactly so, else the first (sorted) whose
/// normalised spelling matches.
fn scan_missing<'a>(idx: &'a Index, name: &str) -> Option<&'a Missing> {
    let n = normalize_name(name);
    idx.missing()
        .find(|m| m.pypi_name == name)
        .or_else(|| idx.missing().find(|m| normalize_name(&m.pypi_name) == n))
}

/// The definition of `by_pname`: every entry whose normalised pname matches, sorted by attribute.
fn scan_by_pname<'a>(idx: &'a Index, name: &str) -> Vec<&'a Entry> {
    let n = normalize_name(name);
    idx.iter()
        .filter(|e| normalize_name(&e.pname) == n)
        .collect()
}

/// Spellings that normalise alike (and some that do not).
fn spellings(name: &str) -> Vec<String> {
    vec![
        name.to_string(),
        name.to_uppercase(),
        name.replace('-', "_"),
        name.replace('-', "."),
        name.replace('-', "-_-"),
        format!("{name}x"),
    ]
}

fn check_all(idx: &Index, names: &[String]) -> usize {
    let mut hits = 0;
    for name in names {
        for s in spellings(name) {
            let fast = idx.by_pypi_name(&s).map(|e| (&e.attr, e.scope));
            let slow = scan_by_pypi_name(idx, &s).map(|e| (&e.attr, e.scope));
            assert_eq!(fast, slow, "by_pypi_name({s:?})");
            let fast = idx.missing_entry(&s).map(|m| &m.pypi_name);
            let slow = scan_missing(idx, &s).map(|m| &m.pypi_name);
            assert_eq!(fast, slow, "missing_entry({s:?})");
            let fast: Vec<_> = idx
                .by_pname(&s)
                .iter()
                .map(|e| (&e.attr, e.scope))
                .collect();
            let slow: Vec<_> = scan_by_pname(idx, &s)
                .iter()
                .map(|e| (&e.attr, e.scope))
                .collect();
            assert_eq!(fast, slow, "by_pname({s:?})");
            hits += usize::from(!fast.is_empty() || idx.missing_entry(&s).is_some());
        }
    }
    hits
}

#[test]
fn authentik_subset_lookups_match_a_full_scan() {
    let idx = Index::read(common::authentik_tsv()).expect("reads");
    let names: Vec<String> = idx.pypi_names().into_iter().map(str::to_string).collect();
    assert_eq!(names.len(), 249);
    let hits = check_all(&idx, &names);
    // every name is found under its own and its separator/case variants
    assert!(hits >= 249 * 4, "{hits}");
    // a name recorded as present resolves to its row; a missing one to its missing row
    assert_eq!(
        idx.by_pypi_name("AioHTTP_Retry").map(|e| e.attr.as_str()),
        Some("aiohttp-retry")
    );
    assert_eq!(
        idx.missing_entry("Ansicon").map(|m| m.pypi_name.as_str()),
        Some("ansicon")
    );
    assert!(idx.by_pypi_name("ansicon").is_none());
}

fn entry(attr: &str, scope: Scope, pypi: Option<&str>, pname: &str) -> Entry {
    let mut e = Entry::new(attr, pname, Some("1.0".to_string()));
    e.scope = scope;
    e.pypi_name = pypi.map(str::to_string);
    e
}

#[test]
fn collisions_replacements_and_first_match_order() {
    let mut idx = Index::new(IndexMeta::new(IndexSource::Tsv));
    // inserted out of order: the answer is the first in attribute order, not insertion order
    idx.insert(entry(
        "zope-b",
        Scope::PythonPackages,
        Some("Zope.Thing"),
        "zope",
    ));
    idx.insert(entry("zope-a", Scope::TopLevel, Some("zope_thing"), "Zope"));
    idx.insert(entry(
        "zope-a",
        Scope::PythonPackages,
        Some("zope-thing"),
        "zope",
    ));
    idx.insert(entry("other", Scope::PythonPackages, None, "zope.thing"));
    idx.insert(entry("blank", Scope::PythonPackages, Some(""), ""));
    idx.insert_missing(Missing {
        pypi_name: "Foo_Bar".to_string(),
        note: None,
    });
    idx.insert_missing(Missing {
        pypi_name: "foo-bar".to_string(),
        note: Some("".to_string()),
    });
    idx.insert_missing(Missing {
        pypi_name: "FOO.bar".to_string(),
        note: Some("x".to_string()),
    });
    let names: Vec<String> = ["zope-thing", "zope", "foo-bar", "blank", "other", ""]
        .into_iter()
        .map(str::to_string)
        .collect();
    check_all(&idx, &names);
    assert_eq!(
        idx.by_pypi_name("ZOPE__thing")
            .map(|e| (e.attr.as_str(), e.scope)),
        Some(("zope-a", Scope::PythonPackages))
    );
    // the exact spelling wins, else the first sorted ("FOO.bar" < "Foo_Bar" < "foo-bar")
    assert_eq!(
        idx.missing_entry("Foo_Bar").map(|m| m.pypi_name.as_str()),
        Some("Foo_Bar")
    );
    assert_eq!(
        idx.missing_entry("foo.BAR").map(|m| m.pypi_name.as_str()),
        Some("FOO.bar")
    );
    // an empty pypi_name is not stored, so nothing is found under ""
    assert!(idx.by_pypi_name("").is_none());

    // replacing an entry moves it in the maps: its old pypi name and pname no longer find it
    idx.insert(entry(
        "zope-a",
        Scope::PythonPackages,
        Some("other-name"),
        "renamed",
    ));
    check_all(&idx, &names);
    assert_eq!(
        idx.by_pypi_name("zope-thing")
            .map(|e| (e.attr.as_str(), e.scope)),
        Some(("zope-a", Scope::TopLevel))
    );
    assert_eq!(
        idx.by_pypi_name("Other.Name").map(|e| e.attr.as_str()),
        Some("zope-a")
    );
    assert!(idx.by_pname("renamed").iter().all(|e| e.attr == "zope-a"));
    // re-inserting a missing name does not duplicate it
    idx.insert_missing(Missing {
        pypi_name: "foo-bar".to_string(),
        note: None,
    });
    check_all(&idx, &names);
    assert_eq!(idx.missing().count(), 3);
}

#[test]
fn indexes_filled_in_different_orders_are_equal_and_answer_alike() {
    let idx = Index::read(common::authentik_tsv()).expect("reads");
    let mut rev = Index::new(idx.meta.clone());
    for e in idx.iter().collect::<Vec<_>>().into_iter().rev() {
        rev.insert(e.clone());
    }
    for m in idx.missing().collect::<Vec<_>>().into_iter().rev() {
        rev.insert_missing(m.clone());
    }
    assert_eq!(rev, idx);
    for name in idx.pypi_names() {
        assert_eq!(
            rev.by_pypi_name(name).map(|e| &e.attr),
            idx.by_pypi_name(name).map(|e| &e.attr)
        );
    }
}
