//! End-to-end prefetch tests against a local HTTP server on 127.0.0.1 and local git repositories.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{
    git, nix_available, nix_sri, sha256_hex, tar_gz, zip_file, Captured, Member, Reply, Server,
};
use lock2nix_fetch::{
    BuildSystemSource, FetchError, GitFetcher, LineProgress, MetadataHint, MetadataSource, Options,
    PrefetchItem, Prefetcher, Sidecar,
};

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn options(server: &Server) -> Options {
    Options {
        jobs: 4,
        backoff: Duration::from_millis(5),
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(20),
        github_archive_base: server.url("/gh"),
        token_env: None,
        ..Options::default()
    }
}

fn prefetcher(opts: Options) -> (Prefetcher, Captured) {
    let cap = Captured::default();
    let p = Prefetcher::new(opts).with_progress(Arc::new(LineProgress::new(cap.clone())));
    (p, cap)
}

fn sdist(package: &str, url: String, bytes: &[u8]) -> PrefetchItem {
    PrefetchItem::Sdist {
        package: package.into(),
        version: "1.0".into(),
        url,
        sha256: sha256_hex(bytes),
    }
}

fn wheel(package: &str, url: String, bytes: &[u8], hint: Option<MetadataHint>) -> PrefetchItem {
    PrefetchItem::Wheel {
        package: package.into(),
        version: "1.0".into(),
        url,
        sha256: sha256_hex(bytes),
        core_metadata: hint,
    }
}

fn github_item(repo: &str) -> PrefetchItem {
    PrefetchItem::Git {
        url: format!("https://github.com/owner/{repo}.git"),
        commit: COMMIT.into(),
        subdirectory: None,
        lfs: false,
    }
}

fn github_archive() -> Vec<u8> {
    let top = format!("repo-{COMMIT}");
    let f = |p: &str| format!("{top}/{p}");
    let (readme, setup, init, script, link, docs, empty) = (
        f("README.md"),
        f("pyproject.toml"),
        f("src/pkg/__init__.py"),
        f("bin/run.sh"),
        f("LICENSE.txt"),
        f("docs/"),
        f("empty/"),
    );
    tar_gz(
        &[
            Member::Dir(&format!("{top}/")),
            Member::File(&readme, b"# repo\n"),
            Member::File(
                &setup,
                b"[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
            ),
            Member::File(&init, b"__version__ = '1.0'\n"),
            Member::Exec(&script, b"#!/bin/sh\necho hi\n"),
            Member::Symlink(&link, "README.md"),
            Member::Dir(&docs),
            Member::Dir(&empty),
            Member::File(&format!("{top}/docs/index.rst"), "Ünïcode\n".as_bytes()),
        ],
        Some(COMMIT),
    )
}

#[test]
fn github_archive_hash_matches_nix_hash_of_unpacked_tree() {
    if !nix_available("github_archive_hash_matches_nix_hash_of_unpacked_tree") {
        return;
    }
    let server = Server::start();
    let archive = github_archive();
    let path = format!("/gh/owner/repo/archive/{COMMIT}.tar.gz");
    server.route(&path, vec![Reply::ok(archive.clone())]);
    let mut item = github_item("repo");
    if let PrefetchItem::Git { subdirectory, .. } = &mut item {
        *subdirectory = Some("src/pkg".into());
    }
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(options(&server));
    let report = p.run(std::slice::from_ref(&item), &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);
    assert_eq!(server.count(&path), 1);

    // Unpack with GNU tar, as fetchzip does, and let nix-hash hash the single top-level directory.
    let dir = tempfile::tempdir().unwrap();
    let tgz = dir.path().join("a.tar.gz");
    std::fs::write(&tgz, &archive).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let st = std::process::Command::new("tar")
        .arg("xzf")
        .arg(&tgz)
        .arg("-C")
        .arg(&out_dir)
        .status()
        .unwrap();
    assert!(st.success());
    let mut tops: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    tops.sort();
    assert_eq!(
        tops,
        vec![format!("repo-{COMMIT}")],
        "pax_global_header is not a file"
    );
    let expected = nix_sri(&out_dir.join(&tops[0]));

    let entry = &sidecar.git[&item.key()];
    assert_eq!(entry.hash, expected);
    assert_eq!(entry.fetcher, GitFetcher::GitHub);
    assert_eq!(
        item.key(),
        format!("https://github.com/owner/repo.git#{COMMIT}")
    );
}

/// Two packages of one repository and commit: one download, each directory's build system; a
/// later run asking for a third directory fetches again and keeps the first two.
#[test]
fn one_archive_serves_every_package_directory() {
    let server = Server::start();
    let path = format!("/gh/owner/repo/archive/{COMMIT}.tar.gz");
    server.route(&path, vec![Reply::ok(github_archive())]);
    let at = |dir: Option<&str>| {
        let mut item = github_item("repo");
        if let PrefetchItem::Git { subdirectory, .. } = &mut item {
            *subdirectory = dir.map(str::to_string);
        }
        item
    };
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(options(&server));
    let report = p.run(&[at(Some("src/pkg")), at(None)], &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);
    assert_eq!((report.total, server.count(&path)), (1, 1));
    let entry = &sidecar.git[&at(None).key()];
    assert_eq!(entry.build_systems["."].backend, "hatchling.build");
    assert_eq!(
        entry.build_systems["src/pkg"].source,
        lock2nix_fetch::BuildSystemSource::DefaultNoPyproject
    );
    // a complete sidecar: no request
    let report = p.run(&[at(Some("src/pkg/")), at(Some("."))], &mut sidecar);
    assert_eq!((report.already_present, server.count(&path)), (1, 1));
    // a new directory: fetched once more, the others kept
    let report = p.run(&[at(Some("docs"))], &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);
    assert_eq!(server.count(&path), 2);
    let dirs: Vec<&String> = sidecar.git[&at(None).key()].build_systems.keys().collect();
    assert_eq!(dirs, [".", "docs", "src/pkg"]);
    // the sidecar round-trips them
    let text = sidecar.to_toml_string();
    assert!(text.contains("build-systems.\"src/pkg\"]"), "{text}");
    assert_eq!(
        Sidecar::parse(&text, std::path::Path::new("h.toml")).unwrap(),
        sidecar
    );
}

#[test]
fn github_missing_subdirectory_and_lfs_are_errors() {
    let server = Server::start();
    let path = format!("/gh/owner/repo/archive/{COMMIT}.tar.gz");
    server.route(&path, vec![Reply::ok(github_archive())]);
    let mut item = github_item("repo");
    if let PrefetchItem::Git { subdirectory, .. } = &mut item {
        *subdirectory = Some("nope".into());
    }
    let lfs = PrefetchItem::Git {
        url: "https://github.com/owner/big".into(),
        commit: COMMIT.into(),
        subdirectory: None,
        lfs: true,
    };
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(options(&server));
    let report = p.run(&[item, lfs], &mut sidecar);
    assert_eq!(report.failed.len(), 2);
    assert!(sidecar.is_empty());
    let msgs: Vec<String> = report.failed.iter().map(|f| f.error.to_string()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("unsupported") && m.contains("LFS")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("\"nope\" does not exist")),
        "{msgs:?}"
    );
    assert_eq!(
        server.count("/gh/owner/big/archive/0123456789abcdef0123456789abcdef01234567.tar.gz"),
        0
    );
}

#[test]
fn sdists_with_and_without_pyproject_in_tar_gz_and_zip() {
    let server = Server::start();
    let with_tgz = tar_gz(
        &[
            Member::File("foo-1.0/setup.py", b"raise SystemExit\n"),
            Member::File(
                "foo-1.0/pyproject.toml",
                b"[project]\nname = \"foo\"\n[build-system]\nrequires = [\"setuptools>=61\", \"wheel\"]\nbuild-backend = \"backend\"\nbackend-path = [\"_custom_build\"]\n",
            ),
            // A nested pyproject.toml must not be taken for the sdist's own.
            Member::File(
                "foo-1.0/vendor/x/pyproject.toml",
                b"[build-system]\nrequires = [\"wrong\"]\n",
            ),
        ],
        None,
    );
    let without_tgz = tar_gz(&[Member::File("bar-1.0/setup.py", b"setup()\n")], None);
    let with_zip = zip_file(&[
        ("baz-1.0/PKG-INFO", b"Metadata-Version: 2.1\n"),
        (
            "baz-1.0/pyproject.toml",
            b"[build-system]\nrequires = [\"flit_core >=3.2,<4\"]\nbuild-backend = \"flit_core.buildapi\"\n",
        ),
    ]);
    let without_zip = zip_file(&[("qux-1.0/setup.py", b"setup()\n")]);
    let no_table_tgz = tar_gz(
        &[Member::File(
            "nt-1.0/pyproject.toml",
            b"[tool.black]\nline-length = 99\n",
        )],
        None,
    );
    let items = vec![
        sdist("foo", server.url("/files/foo-1.0.tar.gz"), &with_tgz),
        sdist("bar", server.url("/files/bar-1.0.tar.gz"), &without_tgz),
        sdist("baz", server.url("/files/baz-1.0.zip"), &with_zip),
        sdist("qux", server.url("/files/qux-1.0.zip"), &without_zip),
        sdist("nt", server.url("/files/nt-1.0.tgz"), &no_table_tgz),
    ];
    server.route("/files/foo-1.0.tar.gz", vec![Reply::ok(with_tgz.clone())]);
    server.route(
        "/files/bar-1.0.tar.gz",
        vec![Reply::ok(without_tgz.clone())],
    );
    server.route("/files/baz-1.0.zip", vec![Reply::ok(with_zip.clone())]);
    server.route("/files/qux-1.0.zip", vec![Reply::ok(without_zip.clone())]);
    server.route("/files/nt-1.0.tgz", vec![Reply::ok(no_table_tgz.clone())]);
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(options(&server));
    let report = p.run(&items, &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);
    assert_eq!(report.fetched.len(), 5);

    let bs = |i: usize| &sidecar.sdist[&items[i].key()].build_system;
    assert_eq!(bs(0).backend, "backend");
    assert_eq!(bs(0).requires, vec!["setuptools>=61", "wheel"]);
    assert_eq!(bs(0).backend_path, Some(vec!["_custom_build".to_string()]));
    assert_eq!(bs(0).source, BuildSystemSource::Pyproject);
    assert_eq!(bs(1).backend, "setuptools.build_meta:__legacy__");
    assert_eq!(bs(1).requires, vec!["setuptools>=40.8.0"]);
    assert_eq!(bs(1).source, BuildSystemSource::DefaultNoPyproject);
    assert_eq!(bs(2).backend, "flit_core.buildapi");
    assert_eq!(bs(2).requires, vec!["flit_core >=3.2,<4"]);
    assert_eq!(bs(2).backend_path, None);
    assert_eq!(bs(3).source, BuildSystemSource::DefaultNoPyproject);
    assert_eq!(bs(4).source, BuildSystemSource::DefaultNoBuildSystem);
    assert_eq!(bs(4).backend, "setuptools.build_meta:__legacy__");
    assert_eq!(
        sidecar.sdist[&items[2].key()].url,
        server.url("/files/baz-1.0.zip")
    );

    // The written file reads back identically and records the default as such.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lock2nix-hashes.toml");
    assert!(sidecar.write_if_changed(&path).unwrap());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("build-system-source = \"default:no-pyproject\""));
    assert!(text.contains("backend-path = [\n    \"_custom_build\",\n]"));
    assert_eq!(Sidecar::read(&path).unwrap(), sidecar);
}

const METADATA_IN_WHEEL: &[u8] = b"Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0\nRequires-Python: >=3.8\nRequires-Dist: requests (>=2.0)\nRequires-Dist: pytest ;\n  extra == \"test\"\nDescription-Content-Type: text/markdown\n\nRequires-Dist: body-is-not-a-header\n";

fn wheel_bytes() -> Vec<u8> {
    zip_file(&[
        ("foo_bar/__init__.py", b""),
        ("foo_bar-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n"),
        ("foo_bar-1.0.dist-info/METADATA", METADATA_IN_WHEEL),
        ("foo_bar-1.0.dist-info/RECORD", b""),
    ])
}

#[test]
fn wheels_with_and_without_core_metadata_files() {
    let server = Server::start();
    let whl = wheel_bytes();
    // The .metadata file deliberately differs from the wheel's, to see which one was read.
    let meta_file = b"Metadata-Version: 2.3\r\nName: foo-bar\r\nRequires-Dist: idna>=3\r\nRequires-Dist: urllib3<3,\r\n\t>=1.21\r\n\r\n".to_vec();
    server.route(
        "/w/a/foo_bar-1.0-py3-none-any.whl",
        vec![Reply::ok(whl.clone())],
    );
    server.route(
        "/w/a/foo_bar-1.0-py3-none-any.whl.metadata",
        vec![Reply::ok(meta_file.clone())],
    );
    server.route(
        "/w/b/foo_bar-1.0-py3-none-any.whl",
        vec![Reply::ok(whl.clone())],
    );
    // c: the index claims a .metadata file but it is 404 → fall back to the wheel.
    let whl_c = zip_file(&[
        ("foo_bar-1.0.dist-info/METADATA", METADATA_IN_WHEEL),
        ("foo_bar-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n"),
    ]);
    server.route(
        "/w/c/foo_bar-1.0-py3-none-any.whl",
        vec![Reply::ok(whl_c.clone())],
    );
    let items = vec![
        wheel(
            "foo-bar",
            server.url("/w/a/foo_bar-1.0-py3-none-any.whl"),
            &whl,
            Some(MetadataHint {
                sha256: Some(sha256_hex(&meta_file)),
            }),
        ),
        wheel(
            "foo-bar",
            server.url("/w/c/foo_bar-1.0-py3-none-any.whl"),
            &whl_c,
            Some(MetadataHint { sha256: None }),
        ),
    ];
    let mut sidecar = Sidecar::new();
    let (p, cap) = prefetcher(options(&server));
    let report = p.run(&items, &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);

    let a = &sidecar.wheel[&items[0].key()];
    assert_eq!(a.metadata_source, MetadataSource::CoreMetadataFile);
    assert_eq!(a.requires_dist, vec!["idna>=3", "urllib3<3, >=1.21"]);
    assert_eq!(a.requires_python, None);
    assert_eq!(
        server.count("/w/a/foo_bar-1.0-py3-none-any.whl"),
        0,
        "wheel not downloaded"
    );

    let c = &sidecar.wheel[&items[1].key()];
    assert_eq!(c.metadata_source, MetadataSource::Wheel);
    assert_eq!(
        c.requires_dist,
        vec!["requests (>=2.0)", "pytest ; extra == \"test\""]
    );
    assert_eq!(c.requires_python.as_deref(), Some(">=3.8"));
    assert_eq!(
        server.count("/w/c/foo_bar-1.0-py3-none-any.whl.metadata"),
        1
    );
    assert!(
        cap.text()
            .contains("not found; reading METADATA from the wheel"),
        "{}",
        cap.text()
    );

    // Without any hint, METADATA comes from the wheel and no .metadata request is made.
    let mut sidecar = Sidecar::new();
    let item = wheel(
        "foo-bar",
        server.url("/w/b/foo_bar-1.0-py3-none-any.whl"),
        &whl,
        None,
    );
    let report = p.run(std::slice::from_ref(&item), &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);
    let b = &sidecar.wheel[&item.key()];
    assert_eq!(b.metadata_source, MetadataSource::Wheel);
    assert_eq!(b.requires_dist.len(), 2);
    assert_eq!(
        server.count("/w/b/foo_bar-1.0-py3-none-any.whl.metadata"),
        0
    );
}

#[test]
fn metadata_file_hash_is_checked() {
    let server = Server::start();
    server.route(
        "/m/x-1.0-py3-none-any.whl.metadata",
        vec![Reply::ok(&b"Metadata-Version: 2.1\n"[..])],
    );
    let item = wheel(
        "x",
        server.url("/m/x-1.0-py3-none-any.whl"),
        b"whatever",
        Some(MetadataHint {
            sha256: Some("ab".repeat(32)),
        }),
    );
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(options(&server));
    let report = p.run(&[item], &mut sidecar);
    assert!(sidecar.is_empty());
    match &report.failed[0].error {
        FetchError::HashMismatch { expected, url, .. } => {
            assert_eq!(expected, &"ab".repeat(32));
            assert!(url.ends_with(".whl.metadata"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn server_error_recovers_on_retry() {
    let server = Server::start();
    let tgz = tar_gz(&[Member::File("r-1.0/setup.py", b"")], None);
    server.route(
        "/files/r-1.0.tar.gz",
        vec![
            Reply::status(500),
            Reply::status(503),
            Reply::ok(tgz.clone()),
        ],
    );
    let item = sdist("r", server.url("/files/r-1.0.tar.gz"), &tgz);
    let mut sidecar = Sidecar::new();
    let (p, cap) = prefetcher(options(&server));
    let report = p.run(std::slice::from_ref(&item), &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);
    assert_eq!(server.count("/files/r-1.0.tar.gz"), 3);
    assert!(sidecar.sdist.contains_key(&item.key()));
    let text = cap.text();
    assert!(
        text.contains("HTTP 500") && text.contains("HTTP 503"),
        "{text}"
    );
    assert!(
        text.contains("attempt 2/4") && text.contains("attempt 3/4"),
        "{text}"
    );
}

#[test]
fn persistent_server_error_gives_up_after_max_tries() {
    let server = Server::start();
    server.route("/files/s-1.0.tar.gz", vec![Reply::status(502)]);
    let item = sdist("s", server.url("/files/s-1.0.tar.gz"), b"x");
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(options(&server));
    let report = p.run(&[item], &mut sidecar);
    assert_eq!(server.count("/files/s-1.0.tar.gz"), 4);
    assert!(matches!(
        report.failed[0].error,
        FetchError::Status {
            status: 502,
            attempts: 4,
            ..
        }
    ));
}

#[test]
fn not_found_is_not_retried_and_names_package_url_status() {
    let server = Server::start();
    let item = sdist(
        "missing-pkg",
        server.url("/files/missing-pkg-1.0.tar.gz"),
        b"x",
    );
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(options(&server));
    let report = p.run(&[item], &mut sidecar);
    assert_eq!(
        server.count("/files/missing-pkg-1.0.tar.gz"),
        1,
        "4xx must not be retried"
    );
    let msg = report.failed[0].error.to_string();
    assert!(msg.contains("missing-pkg"), "{msg}");
    assert!(
        msg.contains(&server.url("/files/missing-pkg-1.0.tar.gz")),
        "{msg}"
    );
    assert!(msg.contains("404"), "{msg}");
    assert!(sidecar.is_empty());
}

#[test]
fn hash_mismatch_records_nothing_but_keeps_other_successes() {
    let server = Server::start();
    let good = tar_gz(&[Member::File("good-1.0/setup.py", b"")], None);
    let served = tar_gz(&[Member::File("bad-1.0/setup.py", b"tampered")], None);
    let expected_bytes = tar_gz(&[Member::File("bad-1.0/setup.py", b"original")], None);
    server.route("/files/good-1.0.tar.gz", vec![Reply::ok(good.clone())]);
    server.route("/files/bad-1.0.tar.gz", vec![Reply::ok(served.clone())]);
    let items = vec![
        sdist("bad", server.url("/files/bad-1.0.tar.gz"), &expected_bytes),
        sdist("good", server.url("/files/good-1.0.tar.gz"), &good),
    ];
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(options(&server));
    let report = p.run(&items, &mut sidecar);
    assert_eq!(report.fetched, vec![items[1].key()]);
    assert_eq!(report.failed.len(), 1);
    assert!(!sidecar.contains(&items[0].key()));
    assert!(sidecar.contains(&items[1].key()));
    let msg = report.failed[0].error.to_string();
    assert!(msg.contains("sdist bad 1.0"), "{msg}");
    assert!(msg.contains(&server.url("/files/bad-1.0.tar.gz")), "{msg}");
    assert!(msg.contains(&sha256_hex(&expected_bytes)), "{msg}");
    assert!(msg.contains(&sha256_hex(&served)), "{msg}");
    assert_eq!(
        server.count("/files/bad-1.0.tar.gz"),
        1,
        "a mismatch is not retried"
    );
}

#[test]
fn complete_sidecar_makes_no_request_and_offline_reports_missing() {
    let server = Server::start();
    let tgz = tar_gz(&[Member::File("a-1.0/setup.py", b"")], None);
    let whl = wheel_bytes();
    server.route("/files/a-1.0.tar.gz", vec![Reply::ok(tgz.clone())]);
    server.route(
        "/files/foo_bar-1.0-py3-none-any.whl",
        vec![Reply::ok(whl.clone())],
    );
    server.route(
        &format!("/gh/owner/repo/archive/{COMMIT}.tar.gz"),
        vec![Reply::ok(github_archive())],
    );
    let items = vec![
        sdist("a", server.url("/files/a-1.0.tar.gz"), &tgz),
        wheel(
            "foo-bar",
            server.url("/files/foo_bar-1.0-py3-none-any.whl"),
            &whl,
            None,
        ),
        github_item("repo"),
    ];
    // Offline with an empty sidecar: nothing fetched, everything missing, no request.
    let mut sidecar = Sidecar::new();
    let (offline, _) = prefetcher(Options {
        offline: true,
        ..options(&server)
    });
    let report = offline.run(&items, &mut sidecar);
    let mut keys: Vec<String> = items.iter().map(|i| i.key()).collect();
    keys.sort();
    assert_eq!(report.missing, keys);
    assert!(!report.is_complete());
    assert_eq!(server.total_requests(), 0);

    let (p, _) = prefetcher(options(&server));
    let report = p.run(&items, &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);
    let after_first = server.total_requests();
    assert_eq!(after_first, 3);

    // Round-trip through the file, then run again: zero requests.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lock2nix-hashes.toml");
    sidecar.write_if_changed(&path).unwrap();
    let mut again = Sidecar::read(&path).unwrap();
    let report = p.run(&items, &mut again);
    assert!(report.is_complete());
    assert_eq!(report.already_present, 3);
    assert!(report.fetched.is_empty());
    assert_eq!(server.total_requests(), after_first);
    assert!(
        !again.write_if_changed(&path).unwrap(),
        "unchanged sidecar is not rewritten"
    );

    // Offline with a complete sidecar: complete.
    assert!(offline.run(&items, &mut again).is_complete());

    // Dropping entries no longer used.
    let used = [items[0].key()];
    assert_eq!(again.retain(|k| used.iter().any(|u| u == k)), 2);
    assert_eq!(again.len(), 1);
}

#[test]
fn token_is_sent_to_the_archive_base_only_and_never_printed() {
    const TOKEN: &str = "ghp_SuperSecretTokenValue1234567890";
    let env_name = "LOCK2NIX_TEST_TOKEN_FOR_FETCH_TESTS";
    std::env::set_var(env_name, TOKEN);
    let server = Server::start();
    let ok_path = format!("/gh/owner/repo/archive/{COMMIT}.tar.gz");
    server.route(&ok_path, vec![Reply::ok(github_archive())]);
    let gone = format!("/gh/owner/gone/archive/{COMMIT}.tar.gz");
    server.route(&gone, vec![Reply::status(404)]);
    let flaky = format!("/gh/owner/flaky/archive/{COMMIT}.tar.gz");
    server.route(&flaky, vec![Reply::status(500)]);
    let tgz = tar_gz(&[Member::File("a-1.0/setup.py", b"")], None);
    server.route("/files/a-1.0.tar.gz", vec![Reply::ok(tgz.clone())]);
    let items = vec![
        github_item("repo"),
        github_item("gone"),
        github_item("flaky"),
        sdist("a", server.url("/files/a-1.0.tar.gz"), b"mismatch"),
    ];
    let mut sidecar = Sidecar::new();
    let (p, cap) = prefetcher(Options {
        token_env: Some(env_name.to_string()),
        ..options(&server)
    });
    let report = p.run(&items, &mut sidecar);
    assert_eq!(report.fetched.len(), 1);
    assert_eq!(report.failed.len(), 3);

    // Sent where it belongs…
    assert_eq!(
        server.header_values(&ok_path, "authorization"),
        vec![format!("Bearer {TOKEN}")]
    );
    // …and nowhere else.
    for (path, _) in server.all_header_values("authorization") {
        assert!(path.starts_with("/gh/"), "token sent to {path}");
    }
    // Never shown.
    let mut shown = cap.text();
    for f in &report.failed {
        shown.push_str(&f.error.to_string());
        shown.push_str(&format!("{:?}", f.error));
        shown.push_str(&format!("{f:?}"));
    }
    shown.push_str(&format!("{report:?}"));
    shown.push_str(&sidecar.to_toml_string());
    shown.push_str(&format!("{:?}", p.options()));
    assert!(
        shown.contains("404") && shown.contains("HTTP 500"),
        "{shown}"
    );
    assert!(!shown.contains(TOKEN), "token leaked: {shown}");
    assert!(!shown.contains("SuperSecret"), "token leaked: {shown}");
}

#[test]
fn size_limit_and_timeouts() {
    let server = Server::start();
    server.route("/files/big-1.0.tar.gz", vec![Reply::ok(vec![0u8; 4096])]);
    server.route(
        "/files/slow-1.0.tar.gz",
        vec![Reply::ok(&b"x"[..]).delayed(Duration::from_millis(1500))],
    );
    let items = vec![
        sdist("big", server.url("/files/big-1.0.tar.gz"), &[0u8; 4096]),
        sdist("slow", server.url("/files/slow-1.0.tar.gz"), b"x"),
    ];
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(Options {
        max_download_bytes: 1000,
        timeout: Duration::from_millis(300),
        max_tries: 2,
        ..options(&server)
    });
    let report = p.run(&items, &mut sidecar);
    assert!(sidecar.is_empty());
    let big = report
        .failed
        .iter()
        .find(|f| f.description == "sdist big 1.0")
        .unwrap();
    assert!(
        matches!(big.error, FetchError::TooLarge { limit: 1000, .. }),
        "{}",
        big.error
    );
    assert_eq!(server.count("/files/big-1.0.tar.gz"), 1);
    let slow = report
        .failed
        .iter()
        .find(|f| f.description == "sdist slow 1.0")
        .unwrap();
    assert!(
        matches!(slow.error, FetchError::Network { attempts: 2, .. }),
        "{}",
        slow.error
    );
    assert!(
        slow.error.to_string().contains("timed out"),
        "{}",
        slow.error
    );
    assert_eq!(server.count("/files/slow-1.0.tar.gz"), 2);
}

#[test]
fn results_do_not_depend_on_parallelism() {
    let server = Server::start();
    let mut items = Vec::new();
    for i in 0..12 {
        let name = format!("p{i}");
        let body = tar_gz(
            &[Member::File(
                &format!("{name}-1.0/pyproject.toml"),
                format!("[build-system]\nrequires = [\"req{i}\"]\nbuild-backend = \"b{i}\"\n")
                    .as_bytes(),
            )],
            None,
        );
        let path = format!("/files/{name}-1.0.tar.gz");
        server.route(&path, vec![Reply::ok(body.clone())]);
        items.push(sdist(&name, server.url(&path), &body));
    }
    let mut serial = Sidecar::new();
    let (p1, _) = prefetcher(Options {
        jobs: 1,
        ..options(&server)
    });
    assert!(p1.run(&items, &mut serial).is_complete());
    let mut parallel = Sidecar::new();
    let (p8, _) = prefetcher(Options {
        jobs: 8,
        ..options(&server)
    });
    let mut reversed = items.clone();
    reversed.reverse();
    assert!(p8.run(&reversed, &mut parallel).is_complete());
    assert_eq!(serial.to_toml_string(), parallel.to_toml_string());
    for (i, item) in items.iter().enumerate() {
        assert_eq!(
            serial.sdist[&item.key()].build_system.backend,
            format!("b{i}")
        );
    }
}

fn make_bare_repo(root: &std::path::Path) -> (std::path::PathBuf, String, String) {
    let bare = root.join("remote.git");
    std::fs::create_dir(&bare).unwrap();
    git(&bare, &["init", "-q", "--bare"]);
    let work = root.join("work");
    std::fs::create_dir(&work).unwrap();
    git(&work, &["init", "-q"]);
    std::fs::create_dir_all(work.join("python/pkg")).unwrap();
    std::fs::write(work.join("README.md"), "hello\n").unwrap();
    std::fs::write(
        work.join("python/pyproject.toml"),
        "[build-system]\nrequires = [\"maturin\"]\n",
    )
    .unwrap();
    std::fs::write(work.join("python/pkg/__init__.py"), "").unwrap();
    std::fs::write(work.join("run.sh"), "#!/bin/sh\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(work.join("run.sh"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        std::os::unix::fs::symlink("README.md", work.join("link")).unwrap();
    }
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "one"]);
    let first = git(&work, &["rev-parse", "HEAD"]);
    // A later commit with a submodule declaration.
    std::fs::write(
        work.join(".gitmodules"),
        "[submodule \"x\"]\n\tpath = x\n\turl = https://example.invalid/x\n",
    )
    .unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "two"]);
    let second = git(&work, &["rev-parse", "HEAD"]);
    git(
        &work,
        &["push", "-q", bare.to_str().unwrap(), "HEAD:refs/heads/main"],
    );
    (bare, first, second)
}

#[test]
fn generic_git_hash_matches_nix_hash_of_checkout() {
    if !nix_available("generic_git_hash_matches_nix_hash_of_checkout") {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let (bare, first, second) = make_bare_repo(root.path());
    let url = format!("file://{}", bare.display());

    // Reference: a plain clone checked out at the commit, without .git.
    let reference = root.path().join("reference");
    git(
        root.path(),
        &["clone", "-q", &url, reference.to_str().unwrap()],
    );
    git(&reference, &["checkout", "-q", &first]);
    std::fs::remove_dir_all(reference.join(".git")).unwrap();
    let expected = nix_sri(&reference);

    let items = vec![
        PrefetchItem::Git {
            url: url.clone(),
            commit: first.clone(),
            subdirectory: Some("python".into()),
            lfs: false,
        },
        PrefetchItem::Git {
            url: url.clone(),
            commit: second.clone(),
            subdirectory: None,
            lfs: false,
        },
        PrefetchItem::Git {
            url: url.clone(),
            commit: "f".repeat(40),
            subdirectory: None,
            lfs: false,
        },
    ];
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(Options {
        jobs: 2,
        ..Options::default()
    });
    let report = p.run(&items, &mut sidecar);
    let entry = &sidecar.git[&items[0].key()];
    assert_eq!(entry.hash, expected);
    assert_eq!(entry.fetcher, GitFetcher::Git);
    // the package directory's build system (PEP 517's backend default, its requires)
    let b = &entry.build_systems["python"];
    assert_eq!(b.requires, vec!["maturin"]);
    assert_eq!(b.backend, "setuptools.build_meta:__legacy__");
    assert_eq!(entry.build_systems.len(), 1);
    assert_eq!(report.fetched, vec![items[0].key()]);
    assert_eq!(report.failed.len(), 2);
    let msg = |k: &str| {
        report
            .failed
            .iter()
            .find(|f| f.key == k)
            .map(|f| f.error.to_string())
            .unwrap()
    };
    let sub = msg(&items[1].key());
    assert!(sub.contains("submodules are not supported"), "{sub}");
    let nf = msg(&items[2].key());
    assert!(nf.contains("git") && nf.contains(&"f".repeat(40)), "{nf}");

    // A URL rewrite sends the fetch to the mirror while the key keeps the original URL.
    let item = PrefetchItem::Git {
        url: "https://git.example.invalid/team/remote.git".into(),
        commit: first.clone(),
        subdirectory: None,
        lfs: false,
    };
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(Options {
        git_rewrites: vec![(
            "https://git.example.invalid/team/".into(),
            format!("file://{}/", root.path().display()),
        )],
        ..Options::default()
    });
    let report = p.run(std::slice::from_ref(&item), &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);
    assert_eq!(sidecar.git[&item.key()].hash, expected);
    assert!(item
        .key()
        .starts_with("https://git.example.invalid/team/remote.git#"));
}

#[test]
fn invalid_items_are_reported_without_fetching() {
    let server = Server::start();
    let items = vec![
        PrefetchItem::Git {
            url: "https://github.com/o/r".into(),
            commit: "main".into(),
            subdirectory: None,
            lfs: false,
        },
        PrefetchItem::Sdist {
            package: "x".into(),
            version: "1".into(),
            url: server.url("/files/x-1.tar.gz"),
            sha256: "nothex".into(),
        },
        PrefetchItem::Sdist {
            package: "y".into(),
            version: "1".into(),
            url: server.url("/files/y-1.tar.bz2"),
            sha256: "a".repeat(64),
        },
    ];
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(options(&server));
    let report = p.run(&items, &mut sidecar);
    assert_eq!(report.failed.len(), 3);
    assert_eq!(server.total_requests(), 0);
    let all: Vec<String> = report.failed.iter().map(|f| f.error.to_string()).collect();
    assert!(
        all.iter().any(|m| m.contains("not a 40-digit hex id")),
        "{all:?}"
    );
    assert!(
        all.iter().any(|m| m.contains("not 64 hex digits")),
        "{all:?}"
    );
    assert!(
        all.iter().any(|m| m.contains(".tar.gz, .tgz or .zip")),
        "{all:?}"
    );
}

#[test]
fn credentials_in_file_urls_are_not_recorded_or_shown() {
    let server = Server::start();
    let tgz = tar_gz(&[Member::File("c-1.0/setup.py", b"")], None);
    server.route("/files/c-1.0.tar.gz", vec![Reply::ok(tgz.clone())]);
    let with_creds = |p: &str| server.url(p).replace("http://", "http://user:hunter2pw@");
    let items = vec![
        sdist("c", with_creds("/files/c-1.0.tar.gz"), &tgz),
        sdist("d", with_creds("/files/d-1.0.tar.gz"), b"404s"),
    ];
    let mut sidecar = Sidecar::new();
    let (p, cap) = prefetcher(options(&server));
    let report = p.run(&items, &mut sidecar);
    assert_eq!(report.fetched, vec![items[0].key()]);
    // The credentials were used for the request (basic auth)…
    assert_eq!(
        server
            .header_values("/files/c-1.0.tar.gz", "authorization")
            .len(),
        1
    );
    // …but neither recorded (stripped: the sidecar is committed) nor shown (redacted).
    let text = sidecar.to_toml_string();
    assert!(text.contains("url = \"http://127.0.0.1:"), "{text}");
    assert!(!text.contains("user"), "{text}");
    let shown = format!("{text}{}{}", cap.text(), report.failed[0].error);
    assert!(!shown.contains("hunter2pw"), "{shown}");
}

const CARGO_LOCK: &str = "version = 3\n\n[[package]]\nname = \"r\"\nversion = \"0.1.0\"\n";

/// A Rust package directory of a git source (checkout or GitHub archive): its Cargo.lock is
/// stored and recorded per directory; a linked directory is not followed.
#[test]
fn rust_directories_of_git_sources_get_their_cargo_lock() {
    let root = tempfile::tempdir().unwrap();
    let store_dir = root.path().join("project");
    std::fs::create_dir(&store_dir).unwrap();
    let store = lock2nix_fetch::CargoLockStore::new(store_dir.clone(), "nix/cargo-locks").unwrap();
    let pyproject = "[build-system]\nrequires = [\"maturin>=1\"]\nbuild-backend = \"maturin\"\n";

    // a checkout
    let bare = root.path().join("remote.git");
    std::fs::create_dir(&bare).unwrap();
    git(&bare, &["init", "-q", "--bare"]);
    let work = root.path().join("work");
    std::fs::create_dir_all(work.join("py/rust")).unwrap();
    git(&work, &["init", "-q"]);
    std::fs::write(work.join("py/pyproject.toml"), pyproject).unwrap();
    std::fs::write(work.join("py/rust/Cargo.toml"), "[package]\nname = \"r\"\n").unwrap();
    std::fs::write(work.join("py/rust/Cargo.lock"), CARGO_LOCK).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/", work.join("py/up")).unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "one"]);
    let commit = git(&work, &["rev-parse", "HEAD"]);
    git(
        &work,
        &["push", "-q", bare.to_str().unwrap(), "HEAD:refs/heads/main"],
    );
    let url = format!("file://{}", bare.display());
    let item = PrefetchItem::Git {
        url: url.clone(),
        commit: commit.clone(),
        subdirectory: Some("py".into()),
        lfs: false,
    };
    let mut sidecar = Sidecar::new();
    let (p, _) = prefetcher(Options {
        cargo_locks: Some(store.clone()),
        ..Options::default()
    });
    let report = p.run(std::slice::from_ref(&item), &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);
    let entry = &sidecar.git[&item.key()];
    let c = &entry.cargo_locks["py"];
    assert_eq!(
        c.path,
        format!("nix/cargo-locks/remote-py-{}.lock", &commit[..12])
    );
    assert_eq!(c.root.as_deref(), Some("rust"));
    assert_eq!(
        std::fs::read_to_string(store_dir.join(&c.path)).unwrap(),
        CARGO_LOCK
    );
    assert_eq!(entry.build_systems["py"].backend, "maturin");

    // a GitHub archive
    let server = Server::start();
    let path = format!("/gh/owner/repo/archive/{COMMIT}.tar.gz");
    let top = format!("repo-{COMMIT}");
    let (pp, ct, cl) = (
        format!("{top}/py/pyproject.toml"),
        format!("{top}/py/rust/Cargo.toml"),
        format!("{top}/py/rust/Cargo.lock"),
    );
    server.route(
        &path,
        vec![Reply::ok(tar_gz(
            &[
                Member::File(&pp, pyproject.as_bytes()),
                Member::File(&ct, b"[package]\nname = \"r\"\n"),
                Member::File(&cl, CARGO_LOCK.as_bytes()),
            ],
            Some(COMMIT),
        ))],
    );
    let mut item = github_item("repo");
    if let PrefetchItem::Git { subdirectory, .. } = &mut item {
        *subdirectory = Some("py".into());
    }
    let (p, _) = prefetcher(Options {
        cargo_locks: Some(store),
        ..options(&server)
    });
    let report = p.run(std::slice::from_ref(&item), &mut sidecar);
    assert!(report.is_complete(), "{:?}", report.failed);
    let c = &sidecar.git[&item.key()].cargo_locks["py"];
    assert_eq!(c.path, "nix/cargo-locks/repo-py-0123456789ab.lock");
    assert_eq!(c.root.as_deref(), Some("rust"));
    // and the sidecar round-trips them
    let text = sidecar.to_toml_string();
    assert_eq!(
        Sidecar::parse(&text, std::path::Path::new("h.toml")).unwrap(),
        sidecar
    );
}
