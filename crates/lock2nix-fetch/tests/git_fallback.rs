//! The generic-git path falls back to fetching all refs when the server refuses fetching a commit by
//! id. Git protocol v0 over file:// refuses unadvertised objects, so this test forces protocol v0 via
//! `GIT_CONFIG_*` environment variables; it lives in its own test binary (process) so that setting them
//! cannot affect other tests.

mod common;

use std::sync::Arc;

use common::{git, Captured};
use lock2nix_fetch::{GitFetcher, LineProgress, Options, PrefetchItem, Prefetcher, Sidecar};

#[test]
fn falls_back_to_full_fetch_when_fetch_by_sha_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let bare = root.path().join("remote.git");
    std::fs::create_dir(&bare).unwrap();
    git(&bare, &["init", "-q", "--bare"]);
    let work = root.path().join("work");
    std::fs::create_dir(&work).unwrap();
    git(&work, &["init", "-q"]);
    std::fs::write(work.join("a.txt"), "first\n").unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "one"]);
    let first = git(&work, &["rev-parse", "HEAD"]);
    std::fs::write(work.join("a.txt"), "second\n").unwrap();
    git(&work, &["commit", "-q", "-am", "two"]);
    git(&work, &["tag", "v2"]);
    git(
        &work,
        &["push", "-q", bare.to_str().unwrap(), "HEAD:refs/heads/main"],
    );
    let url = format!("file://{}", bare.display());

    // Reference tree: the first commit without .git, hashed by lock2nix-nar (the nix-hash
    // differential of this path is in tests/prefetch.rs).
    let reference = root.path().join("reference");
    git(
        root.path(),
        &["clone", "-q", &url, reference.to_str().unwrap()],
    );
    git(&reference, &["checkout", "-q", &first]);
    std::fs::remove_dir_all(reference.join(".git")).unwrap();
    let expected = lock2nix_nar::hash_path(&reference).unwrap().to_sri();

    std::env::set_var("GIT_CONFIG_COUNT", "1");
    std::env::set_var("GIT_CONFIG_KEY_0", "protocol.version");
    std::env::set_var("GIT_CONFIG_VALUE_0", "0");

    let item = PrefetchItem::Git {
        url,
        commit: first,
        subdirectory: None,
        lfs: false,
    };
    let cap = Captured::default();
    let p =
        Prefetcher::new(Options::default()).with_progress(Arc::new(LineProgress::new(cap.clone())));
    let mut sidecar = Sidecar::new();
    let report = p.run(std::slice::from_ref(&item), &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);
    let entry = &sidecar.git[&item.key()];
    assert_eq!(entry.hash, expected);
    assert_eq!(entry.fetcher, GitFetcher::Git);
    let text = cap.text();
    assert!(
        text.contains("fetching all branches and tags") && text.contains("unadvertised"),
        "the shallow fetch by id should have been refused: {text}"
    );
}
