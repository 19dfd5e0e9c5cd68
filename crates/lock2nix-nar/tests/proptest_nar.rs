//! Random trees: the in-memory NAR, the on-disk NAR and Nix must all agree.

mod common;

use std::cell::RefCell;
use std::path::PathBuf;

use common::*;
use lock2nix_nar::{dump_path, hash_path, hash_tree, nar_bytes, NarHash, Tree};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn name() -> impl Strategy<Value = Vec<u8>> {
    // Letters of both cases, digits, punctuation, NFC/NFD-relevant code points,
    // CJK and a newline: anything a file name may hold.
    proptest::collection::vec(
        proptest::sample::select(vec![
            "a", "b", "B", "Z", "z", "0", "9", "_", "-", ".", " ", "~", "é", "e\u{301}", "日", "\n",
        ]),
        1..6,
    )
    .prop_map(|parts| parts.concat().into_bytes())
    .prop_filter("not . or ..", |n| n != b"." && n != b"..")
}

fn leaf() -> impl Strategy<Value = Tree> {
    prop_oneof![
        3 => (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(executable, contents)| Tree::File { executable, contents }),
        1 => proptest::collection::vec(
                proptest::sample::select(b"abc/.. \xc3\xa9".to_vec()), 1..20)
            .prop_map(|target| Tree::Symlink { target }),
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    leaf().prop_recursive(4, 40, 6, |inner| {
        proptest::collection::btree_map(name(), inner, 0..6).prop_map(Tree::Directory)
    })
}

#[test]
fn random_trees_roundtrip_through_disk_and_nix() {
    let keep = tempfile::tempdir().unwrap();
    let samples: RefCell<Vec<(PathBuf, NarHash, Vec<u8>)>> = RefCell::new(Vec::new());
    let counter = RefCell::new(0usize);
    let mut runner = TestRunner::new(Config {
        cases: 160,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&tree(), |t| {
            let nar = nar_bytes(&t).unwrap();
            let want = NarHash::sha256_of(&nar);
            prop_assert_eq!(hash_tree(&t).unwrap(), want);
            let mut i = counter.borrow_mut();
            *i += 1;
            let path = keep.path().join(format!("case{}", *i));
            materialize(&t, &path);
            prop_assert_eq!(hash_path(&path).unwrap(), want);
            let mut dumped = Vec::new();
            dump_path(&path, &mut dumped).unwrap();
            prop_assert!(dumped == nar, "dump_path differs from nar_bytes");
            if *i % 4 == 0 {
                samples.borrow_mut().push((path, want, nar));
            } else if path.is_dir() {
                std::fs::remove_dir_all(&path).unwrap();
            } else {
                std::fs::remove_file(&path).unwrap();
            }
            Ok(())
        })
        .unwrap();
    let samples = samples.into_inner();
    assert!(samples.len() >= 30);
    if !nix_enabled("random_trees_roundtrip_through_disk_and_nix") {
        return;
    }
    let paths: Vec<&PathBuf> = samples.iter().map(|(p, _, _)| p).collect();
    let b32 = nix_hash_base32(&paths);
    for ((path, want, _), theirs) in samples.iter().zip(&b32) {
        assert_eq!(&want.to_nix_base32(), theirs, "{}", path.display());
    }
    // Nix's own NAR parser accepts what we write and restores the same tree.
    for (k, (_, want, nar)) in samples.iter().take(12).enumerate() {
        let dest = keep.path().join(format!("restored{k}"));
        nix_store_restore(nar, &dest);
        assert_eq!(&hash_path(&dest).unwrap(), want);
    }
}
