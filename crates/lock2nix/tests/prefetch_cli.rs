//! `lock2nix prefetch` and `lock2nix hash-path`, end to end: the binary against a scripted HTTP server
//! on 127.0.0.1 (GitHub archives, sdists, wheels and PEP 658 `.metadata` files), then `translate`
//! reading what prefetch recorded.
//!
//! The live test against the real PyPI file host is `#[ignore]`d; run it with
//! `LOCK2NIX_LIVE_REGISTRY=1 cargo test -p lock2nix --test prefetch_cli -- --ignored live_`.

use std::io::Write;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lock2nix_fetch::{BuildSystemSource, GitFetcher, MetadataSource, Sidecar};
use lock2nix_testkit::{require_tool, Response, TestServer};
use sha2::{Digest, Sha256};

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lock2nix"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run lock2nix")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------------------------
// archives

/// The source tree of the git package, as GitHub would put it in an archive.
fn write_git_tree(dir: &Path) {
    std::fs::create_dir_all(dir.join("gitpkg")).unwrap();
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    std::fs::write(
        dir.join("pyproject.toml"),
        "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"gitpkg\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("gitpkg/__init__.py"), "VALUE = 1\n").unwrap();
    let script = dir.join("gitpkg/run.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    symlink("gitpkg/__init__.py", dir.join("link.py")).unwrap();
}

/// `tar.gz` of `dir` under the top-level directory `top` (symlinks kept as symlinks).
fn tar_gz(dir: &Path, top: &str) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(enc);
    b.follow_symlinks(false);
    b.append_dir_all(top, dir).unwrap();
    b.into_inner().unwrap().finish().unwrap()
}

/// A tar.gz sdist with `files` under `top/`.
fn sdist(top: &str, files: &[(&str, &str)]) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(enc);
    for (name, content) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, format!("{top}/{name}"), content.as_bytes())
            .unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

/// A wheel holding one module and its `.dist-info/METADATA`.
fn wheel(dist_info: &str, metadata: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("module.py", opts).unwrap();
    zip.write_all(b"X = 1\n").unwrap();
    zip.start_file(format!("{dist_info}/METADATA"), opts)
        .unwrap();
    zip.write_all(metadata.as_bytes()).unwrap();
    zip.start_file(format!("{dist_info}/WHEEL"), opts).unwrap();
    zip.write_all(b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        .unwrap();
    zip.finish().unwrap().into_inner()
}

const META_METAPKG: &str = "Metadata-Version: 2.1\nName: metapkg\nVersion: 1.0\nRequires-Python: >=3.9\nRequires-Dist: attrs>=22\nRequires-Dist: colorama ; sys_platform == \"win32\"\n\nA description.\n";
const META_PLAINPKG: &str =
    "Metadata-Version: 2.1\nName: plainpkg\nVersion: 2.0\nRequires-Dist: idna (>=3)\n";
const META_WINPKG: &str = "Metadata-Version: 2.1\nName: winpkg\nVersion: 3.0\n";
const SDIST_PYPROJECT: &str = "[build-system]\nrequires = [\"flit_core >=3.2,<4\"]\nbuild-backend = \"flit_core.buildapi\"\n\n[project]\nname = \"sdistpkg\"\nversion = \"1.0\"\n";

// ---------------------------------------------------------------------------------------------
// the project

/// A project served by a scripted server: a lock with a GitHub git source, an sdist (no wheels: the
/// plan builds it), a wheel with a PEP 658 `.metadata` file, a wheel without one, and a Windows-only
/// wheel outside every closure.
struct Fixture {
    server: TestServer,
    dir: tempfile::TempDir,
    /// The NAR hash (SRI) of the git tree, computed independently.
    git_hash: String,
    sdist_sha: String,
    metapkg_sha: String,
    plainpkg_sha: String,
    winpkg_sha: String,
    /// The lock's path, as text.
    lock_str: String,
}

const ARCHIVE: &str = "/acme/gitpkg/archive/0123456789abcdef0123456789abcdef01234567.tar.gz";
const SDIST: &str = "/files/sdistpkg-1.0.tar.gz";
const METAPKG: &str = "/files/metapkg-1.0-py3-none-any.whl";
const METAPKG_META: &str = "/files/metapkg-1.0-py3-none-any.whl.metadata";
const PLAINPKG: &str = "/files/plainpkg-2.0-py3-none-any.whl";
const PLAINPKG_META: &str = "/files/plainpkg-2.0-py3-none-any.whl.metadata";
const WINPKG: &str = "/files/winpkg-3.0-py3-none-any.whl";
const WINPKG_META: &str = "/files/winpkg-3.0-py3-none-any.whl.metadata";
const ALL_PATHS: [&str; 8] = [
    ARCHIVE,
    SDIST,
    METAPKG,
    METAPKG_META,
    PLAINPKG,
    PLAINPKG_META,
    WINPKG,
    WINPKG_META,
];

/// The NAR hash of `dir` as Nix computes it (`nix-hash`), or — only when the Nix tests are skipped —
/// lock2nix-nar's.
fn nar_hash_sri(dir: &Path) -> String {
    match require_tool("nix-hash") {
        Some(nix_hash) => {
            let out = Command::new(nix_hash)
                .args(["--type", "sha256", "--base32"])
                .arg(dir)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", text(&out.stderr));
            lock2nix_nar::nix_base32_to_sri(text(&out.stdout).trim()).unwrap()
        }
        None => lock2nix_nar::hash_path(dir).unwrap().to_sri(),
    }
}

impl Fixture {
    /// `serve_sdist: false` leaves the sdist's path unrouted (404).
    fn new(serve_sdist: bool) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        write_git_tree(&tree);
        let git_hash = nar_hash_sri(&tree);
        let archive = tar_gz(&tree, &format!("gitpkg-{COMMIT}"));
        std::fs::remove_dir_all(&tree).unwrap();

        let sdist_bytes = sdist(
            "sdistpkg-1.0",
            &[
                ("pyproject.toml", SDIST_PYPROJECT),
                (
                    "PKG-INFO",
                    "Metadata-Version: 2.1\nName: sdistpkg\nVersion: 1.0\n",
                ),
                ("sdistpkg/__init__.py", ""),
            ],
        );
        let metapkg = wheel("metapkg-1.0.dist-info", META_METAPKG);
        let plainpkg = wheel("plainpkg-2.0.dist-info", META_PLAINPKG);
        let winpkg = wheel("winpkg-3.0.dist-info", META_WINPKG);
        let (sdist_sha, metapkg_sha, plainpkg_sha, winpkg_sha) = (
            sha256_hex(&sdist_bytes),
            sha256_hex(&metapkg),
            sha256_hex(&plainpkg),
            sha256_hex(&winpkg),
        );
        let mut routes = vec![
            (ARCHIVE, vec![Response::ok(archive)]),
            (METAPKG, vec![Response::ok(metapkg)]),
            (METAPKG_META, vec![Response::ok(META_METAPKG)]),
            (PLAINPKG, vec![Response::ok(plainpkg)]),
            (WINPKG, vec![Response::ok(winpkg)]),
            (WINPKG_META, vec![Response::ok(META_WINPKG)]),
        ];
        if serve_sdist {
            routes.push((SDIST, vec![Response::ok(sdist_bytes)]));
        }
        let server = TestServer::start(routes).unwrap();
        let lock = format!(
            r#"version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "demo"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "gitpkg" }},
    {{ name = "metapkg" }},
    {{ name = "plainpkg" }},
    {{ name = "sdistpkg" }},
    {{ name = "winpkg", marker = "sys_platform == 'win32'" }},
]

[[package]]
name = "gitpkg"
version = "0.1.0"
source = {{ git = "https://github.com/acme/gitpkg?rev={COMMIT}#{COMMIT}" }}

[[package]]
name = "metapkg"
version = "1.0"
source = {{ registry = "https://pypi.org/simple" }}
wheels = [
    {{ url = "{metapkg_url}", hash = "sha256:{metapkg_sha}" }},
]

[[package]]
name = "plainpkg"
version = "2.0"
source = {{ registry = "https://pypi.org/simple" }}
wheels = [
    {{ url = "{plainpkg_url}", hash = "sha256:{plainpkg_sha}" }},
]

[[package]]
name = "sdistpkg"
version = "1.0"
source = {{ registry = "https://pypi.org/simple" }}
sdist = {{ url = "{sdist_url}", hash = "sha256:{sdist_sha}" }}

[[package]]
name = "winpkg"
version = "3.0"
source = {{ registry = "https://pypi.org/simple" }}
wheels = [
    {{ url = "{winpkg_url}", hash = "sha256:{winpkg_sha}" }},
]
"#,
            metapkg_url = server.url(METAPKG),
            plainpkg_url = server.url(PLAINPKG),
            sdist_url = server.url(SDIST),
            winpkg_url = server.url(WINPKG),
        );
        std::fs::write(dir.path().join("uv.lock"), lock).unwrap();
        let lock_str = dir.path().join("uv.lock").display().to_string();
        Fixture {
            lock_str,
            server,
            dir,
            git_hash,
            sdist_sha,
            metapkg_sha,
            plainpkg_sha,
            winpkg_sha,
        }
    }

    fn sidecar_path(&self) -> PathBuf {
        self.dir.path().join("lock2nix-hashes.toml")
    }

    fn sidecar(&self) -> Sidecar {
        Sidecar::read(&self.sidecar_path()).unwrap()
    }

    fn hits(&self) -> Vec<(&'static str, usize)> {
        ALL_PATHS
            .iter()
            .map(|p| (*p, self.server.hits(p)))
            .collect()
    }

    fn total_hits(&self) -> usize {
        self.hits().iter().map(|(_, n)| n).sum()
    }

    /// `prefetch` with the server standing in for GitHub and for a PEP 658 index.
    fn prefetch(&self, extra: &[&str]) -> Output {
        let base = self.server.url("");
        let mut args = vec![
            "prefetch",
            "--lock",
            &self.lock_str,
            "--github-archive-base",
            &base,
            "--metadata-host",
            "127.0.0.1",
            "--jobs",
            "3",
        ];
        args.extend_from_slice(extra);
        run(&args)
    }
}

fn key(sha: &str) -> String {
    format!("sha256:{sha}")
}

fn git_key() -> String {
    format!("https://github.com/acme/gitpkg#{COMMIT}")
}

// ---------------------------------------------------------------------------------------------
// tests

#[test]
fn prefetch_records_git_sdist_and_wheels_then_makes_no_request_and_translate_uses_them() {
    let fx = Fixture::new(true);
    let out = fx.prefetch(&[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("4 item(s): 0 already known, 4 fetched, 0 failed, 0 missing"),
        "{stdout}"
    );
    assert!(stdout.contains("wrote "), "{stdout}");

    let sc = fx.sidecar();
    // git: the NAR hash of the tree, as nix-hash computes it, for fetchFromGitHub
    let g = &sc.git[&git_key()];
    assert_eq!(g.hash, fx.git_hash);
    assert_eq!(g.fetcher, GitFetcher::GitHub);
    // and the checkout's build system
    let b = &g.build_systems["."];
    assert_eq!(b.backend, "hatchling.build");
    assert_eq!(b.requires, vec!["hatchling"]);
    assert_eq!(b.source, BuildSystemSource::Pyproject);
    // the sdist's declared build system
    let s = &sc.sdist[&key(&fx.sdist_sha)];
    assert_eq!(s.build_system.backend, "flit_core.buildapi");
    assert_eq!(s.build_system.requires, vec!["flit_core >=3.2,<4"]);
    assert_eq!(s.build_system.source, BuildSystemSource::Pyproject);
    assert_eq!(s.url, fx.server.url(SDIST));
    // the wheel with a .metadata file: read from it, the wheel itself never downloaded
    let m = &sc.wheel[&key(&fx.metapkg_sha)];
    assert_eq!(m.metadata_source, MetadataSource::CoreMetadataFile);
    assert_eq!(
        m.requires_dist,
        vec!["attrs>=22", "colorama ; sys_platform == \"win32\""]
    );
    assert_eq!(m.requires_python.as_deref(), Some(">=3.9"));
    // the wheel without one: the 404 falls back to the wheel's METADATA
    let p = &sc.wheel[&key(&fx.plainpkg_sha)];
    assert_eq!(p.metadata_source, MetadataSource::Wheel);
    assert_eq!(p.requires_dist, vec!["idna (>=3)"]);
    assert_eq!(p.requires_python, None);
    // the Windows-only package is in no closure of the four systems
    assert!(!sc.wheel.contains_key(&key(&fx.winpkg_sha)));
    assert_eq!(sc.len(), 4, "git, sdist, two wheels");

    assert_eq!(
        fx.hits(),
        vec![
            (ARCHIVE, 1),
            (SDIST, 1),
            (METAPKG, 0),
            (METAPKG_META, 1),
            (PLAINPKG, 1),
            (PLAINPKG_META, 1),
            (WINPKG, 0),
            (WINPKG_META, 0),
        ]
    );

    // A second run: nothing is fetched, nothing written.
    let before = std::fs::read(fx.sidecar_path()).unwrap();
    let hits = fx.total_hits();
    let out = fx.prefetch(&[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(fx.total_hits(), hits, "the second run made requests");
    assert!(
        stdout.contains("4 item(s): 4 already known, 0 fetched"),
        "{stdout}"
    );
    assert!(stdout.contains("unchanged: "), "{stdout}");
    assert_eq!(std::fs::read(fx.sidecar_path()).unwrap(), before);

    // translate reads the sidecar beside the lock: the recorded git hash, the sdist's backend.
    let out = run(&["translate", "--lock", &fx.lock_str, "--out", "-"]);
    let nix = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!nix.contains("fakeHash"), "{nix}");
    assert!(
        nix.contains(&format!("hash = \"{}\"", fx.git_hash)),
        "{nix}"
    );
    let sdistpkg = package_block(&nix, "sdistpkg");
    assert!(
        sdistpkg.contains("build-system = [python-final.flit-core];"),
        "{sdistpkg}"
    );
    // the git checkout's build system, not PEP 517's default
    let gitpkg = package_block(&nix, "gitpkg");
    assert!(
        gitpkg.contains("build-system = [python-final.hatchling];"),
        "{gitpkg}"
    );
    // PKG-INFO before metadata 2.2 is not binding: nothing recorded
    let s = &sc.sdist[&key(&fx.sdist_sha)];
    assert_eq!(
        s.metadata_source,
        Some(lock2nix_fetch::SdistMetadataSource::Old)
    );
    assert_eq!(s.requires_dist, None);

    // Without the sidecar the same lock gets lib.fakeHash and PEP 517's default backend: the
    // values above came from the sidecar.
    let out = run(&[
        "translate",
        "--lock",
        &fx.lock_str,
        "--out",
        "-",
        "--hashes",
        &fx.dir.path().join("absent.toml").display().to_string(),
        "--allow-missing-hashes",
    ]);
    let nix = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(nix.contains("fakeHash"), "{nix}");
    let sdistpkg = package_block(&nix, "sdistpkg");
    assert!(
        sdistpkg.contains("build-system = [python-final.setuptools];"),
        "{sdistpkg}"
    );
}

/// The definition of `attr` in the overlay: from its `attr = ` line to the `};` closing it (same
/// indentation).
fn package_block(nix: &str, attr: &str) -> String {
    let lines: Vec<&str> = nix.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with(&format!("{attr} = ")))
        .unwrap_or_else(|| panic!("no `{attr} = ` in\n{nix}"));
    let indent = lines[start].len() - lines[start].trim_start().len();
    let close = format!("{}}};", " ".repeat(indent));
    let end = lines[start..]
        .iter()
        .position(|l| *l == close)
        .unwrap_or_else(|| panic!("`{attr}` is not closed in\n{nix}"));
    lines[start..=start + end].join("\n")
}

#[test]
fn offline_reports_what_is_missing_without_a_request() {
    let fx = Fixture::new(true);
    let out = fx.prefetch(&["--offline"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(fx.total_hits(), 0);
    assert!(
        stdout.contains("4 item(s): 0 already known, 0 fetched, 0 failed, 4 missing"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "missing: git https://github.com/acme/gitpkg#{COMMIT}"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("missing: sdist sdistpkg 1.0 (sha256:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("missing: wheel metapkg 1.0 (sha256:"),
        "{stderr}"
    );
    assert!(stderr.contains("--offline made no request"), "{stderr}");
    assert!(!fx.sidecar_path().exists(), "an empty sidecar was created");

    // after an online run, offline is complete and exits 0
    assert!(fx.prefetch(&[]).status.success());
    let hits = fx.total_hits();
    let out = fx.prefetch(&["--offline"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(fx.total_hits(), hits);
}

#[test]
fn a_failure_exits_1_and_the_sidecar_keeps_every_success() {
    let fx = Fixture::new(false);
    let out = fx.prefetch(&[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("failed: sdist sdistpkg 1.0: "), "{stderr}");
    assert!(stderr.contains("404"), "{stderr}");
    assert!(
        stderr.contains("1 of 4 item(s) could not be prefetched"),
        "{stderr}"
    );
    let sc = fx.sidecar();
    assert!(sc.sdist.is_empty());
    assert_eq!(sc.git[&git_key()].hash, fx.git_hash);
    assert!(sc.wheel.contains_key(&key(&fx.metapkg_sha)));
    assert!(sc.wheel.contains_key(&key(&fx.plainpkg_sha)));
    // a 404 is not retried
    assert_eq!(fx.server.hits(SDIST), 1);
    // the retry asks only for what failed
    let before = fx.total_hits();
    let out = fx.prefetch(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fx.total_hits(), before + 1);
    assert_eq!(fx.server.hits(SDIST), 2);
}

#[test]
fn all_takes_every_file_and_unused_entries_are_dropped_unless_keep() {
    let fx = Fixture::new(true);
    let out = fx.prefetch(&["--all"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sc = fx.sidecar();
    assert_eq!(sc.len(), 5);
    assert_eq!(
        sc.wheel[&key(&fx.winpkg_sha)].metadata_source,
        MetadataSource::CoreMetadataFile
    );

    let hits = fx.total_hits();
    let out = fx.prefetch(&["--keep"]);
    assert!(out.status.success());
    assert!(!text(&out.stdout).contains("dropped"));
    assert_eq!(fx.sidecar().len(), 5);

    // offline only says what a run would drop
    let before = std::fs::read(fx.sidecar_path()).unwrap();
    let out = fx.prefetch(&["--offline"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("would drop (without --offline) 1 unused entry"),
        "{stdout}"
    );
    assert!(stdout.contains("offline, not written: "), "{stdout}");
    assert_eq!(std::fs::read(fx.sidecar_path()).unwrap(), before);

    let out = fx.prefetch(&[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("dropped 1 unused entry"), "{stdout}");
    assert!(stdout.contains("wrote "), "{stdout}");
    let sc = fx.sidecar();
    assert_eq!(sc.len(), 4);
    assert!(!sc.wheel.contains_key(&key(&fx.winpkg_sha)));
    assert_eq!(fx.total_hits(), hits, "pruning made requests");
}

#[test]
fn explicit_hashes_path_and_one_system() {
    let fx = Fixture::new(true);
    let elsewhere = fx.dir.path().join("sub/hashes.toml");
    std::fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    let out = fx.prefetch(&[
        "--hashes",
        &elsewhere.display().to_string(),
        "--system",
        "aarch64-darwin",
        "--python",
        "3.12",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!fx.sidecar_path().exists());
    let sc = Sidecar::read(&elsewhere).unwrap();
    assert_eq!(sc.len(), 4);
}

#[test]
fn the_configuration_names_the_sidecar_and_the_systems() {
    let fx = Fixture::new(true);
    std::fs::create_dir_all(fx.dir.path().join("facts")).unwrap();
    std::fs::write(
        fx.dir.path().join("lock2nix.toml"),
        "hashes = \"facts/h.toml\"\n\n[target]\nsystems = [\"x86_64-linux\"]\n",
    )
    .unwrap();
    let out = fx.prefetch(&[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = fx.dir.path().join("facts/h.toml");
    assert!(
        stdout.contains(&format!("wrote {}", written.display())),
        "{stdout}"
    );
    assert!(!fx.sidecar_path().exists());
    assert_eq!(Sidecar::read(&written).unwrap().len(), 4);
    // translate finds it through the same configuration
    let out = run(&["translate", "--lock", &fx.lock_str, "--out", "-"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&fx.git_hash));
}

#[test]
fn bad_flags_are_errors_that_say_what_to_pass() {
    let fx = Fixture::new(true);
    let out = fx.prefetch(&["--git-rewrite", "no-equals-sign"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("expected FROM=TO"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&[
        "prefetch",
        "--lock",
        &fx.lock_str,
        "--github-archive-base",
        "ftp://mirror",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("expected an http(s) URL"));
    let out = fx.prefetch(&["--system", "sparc-solaris"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("unknown system"));
    // a corrupt sidecar is reported, not overwritten
    std::fs::write(fx.sidecar_path(), "version = 1\n[git.\"nope\"]\nhash = 3\n").unwrap();
    let out = fx.prefetch(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot read the prefetch sidecar"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(fx.sidecar_path()).unwrap(),
        "version = 1\n[git.\"nope\"]\nhash = 3\n"
    );
    assert_eq!(fx.total_hits(), 0);
}

// ---------------------------------------------------------------------------------------------
// hash-path

#[test]
fn hash_path_agrees_with_nix_hash() {
    let Some(nix_hash) = require_tool("nix-hash") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write_git_tree(&tree);
    std::fs::write(tree.join("ünïcode name.txt"), "x").unwrap();
    std::fs::write(tree.join("empty-file"), "").unwrap();
    let single = tree.join("gitpkg/run.sh");
    for path in [&tree, &single, &tree.join("gitpkg")] {
        let p = path.display().to_string();
        let nix = Command::new(&nix_hash)
            .args(["--type", "sha256", "--base32", &p])
            .output()
            .unwrap();
        assert!(nix.status.success());
        let nix_b32 = text(&nix.stdout).trim().to_string();
        let ours = run(&["hash-path", "--base32", &p]);
        assert!(ours.status.success(), "{}", text(&ours.stderr));
        assert_eq!(text(&ours.stdout).trim(), nix_b32, "{p}");
        let sri = run(&["hash-path", &p]);
        assert!(sri.status.success());
        assert_eq!(
            text(&sri.stdout).trim(),
            lock2nix_nar::nix_base32_to_sri(&nix_b32).unwrap(),
            "{p}"
        );
    }
    // hex from nix-hash without --base32 is the same digest
    let nix_hex = Command::new(&nix_hash)
        .args(["--type", "sha256"])
        .arg(&tree)
        .output()
        .unwrap();
    let sri = text(&run(&["hash-path", &tree.display().to_string()]).stdout);
    assert_eq!(
        lock2nix_nar::sri_to_sha256_hex(sri.trim()).unwrap(),
        text(&nix_hex.stdout).trim()
    );
}

#[test]
fn hash_path_of_a_missing_path_is_an_error() {
    let out = run(&["hash-path", "/nonexistent/lock2nix/path"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot hash /nonexistent/lock2nix/path"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

// ---------------------------------------------------------------------------------------------
// the live test (PyPI)

/// Set to `1` to run the tests that talk to the real PyPI file host.
const LIVE_ENV: &str = "LOCK2NIX_LIVE_REGISTRY";

fn live_enabled(test: &str) -> bool {
    if std::env::var(LIVE_ENV).as_deref() == Ok("1") {
        return true;
    }
    eprintln!("SKIPPED {test}: set {LIVE_ENV}=1 to run it against the real PyPI file host");
    false
}

/// Prefetch authentik's real lock for the plan `lock2nix plan --index authentik-subset.tsv --python
/// 3.13` makes (all four systems): the sdists it builds or overrides and the closure's wheels come
/// from files.pythonhosted.org; the git source is on GitHub, which may be unreachable, and must then
/// be reported as failed with nothing recorded for it.
///
/// With `LOCK2NIX_LIVE_WRITE=PATH`, the sidecar is written there (this is how
/// `examples/authentik/lock2nix-hashes.toml` was made).
#[test]
#[ignore = "needs the network: LOCK2NIX_LIVE_REGISTRY=1"]
fn live_authentik_prefetch_from_pypi() {
    if !live_enabled("live_authentik_prefetch_from_pypi") {
        return;
    }
    let root = lock2nix_testkit::repo_root();
    let dir = tempfile::tempdir().unwrap();
    let hashes = match std::env::var("LOCK2NIX_LIVE_WRITE") {
        Ok(p) if !p.is_empty() => PathBuf::from(p),
        _ => dir.path().join("lock2nix-hashes.toml"),
    };
    let lock = root.join("fixtures/authentik/uv.lock");
    let index = root.join("fixtures/nixpkgs-index/authentik-subset.tsv");
    let out = run(&[
        "prefetch",
        "--lock",
        &lock.display().to_string(),
        "--index",
        &index.display().to_string(),
        "--python",
        "3.13",
        "--hashes",
        &hashes.display().to_string(),
        "--jobs",
        "8",
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let sc = Sidecar::read(&hashes).unwrap();
    let git_key = "https://github.com/vsoch/oci-python#ceb4fcc090851717a3069d78e85ceb1e86c2740c";
    let failed: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("failed: "))
        .collect();
    if sc.git.contains_key(git_key) {
        // GitHub was reachable
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(failed.is_empty());
    } else {
        // only the git source may fail, and it must be reported
        assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
        assert_eq!(failed.len(), 1, "{failed:#?}");
        assert!(
            failed[0].starts_with("failed: git https://github.com/vsoch/oci-python#ceb4fcc0"),
            "{failed:#?}"
        );
        assert!(sc.git.is_empty());
    }
    assert!(stdout.contains("0 missing"), "{stdout}");

    let by_url = |name: &str| {
        sc.sdist
            .values()
            .find(|e| {
                e.url
                    .rsplit('/')
                    .next()
                    .is_some_and(|f| f.starts_with(&format!("{name}-")))
            })
            .unwrap_or_else(|| panic!("no sdist entry for {name}"))
    };
    // what these sdists declare (read from the released files)
    let lxml = by_url("lxml");
    assert_eq!(lxml.build_system.source, BuildSystemSource::Pyproject);
    assert!(
        lxml.build_system
            .requires
            .iter()
            .any(|r| r.starts_with("Cython")),
        "{lxml:?}"
    );
    assert!(lxml
        .build_system
        .backend
        .starts_with("setuptools.build_meta"));
    let xmlsec = by_url("xmlsec");
    assert!(
        xmlsec
            .build_system
            .requires
            .iter()
            .any(|r| r.starts_with("lxml")),
        "{xmlsec:?}"
    );
    // psycopg-c builds with its own in-tree backend
    let psycopg_c = by_url("psycopg_c");
    assert_eq!(psycopg_c.build_system.backend, "cython_backend");
    assert_eq!(
        psycopg_c.build_system.backend_path.as_deref(),
        Some(&["build_backend".to_string()][..])
    );
    // sdists without [build-system] get PEP 517's default, with the reason
    assert!(sc
        .sdist
        .values()
        .any(|e| e.build_system.source == BuildSystemSource::DefaultNoPyproject));
    // wheels from PyPI: a PEP 658 metadata file where PyPI has one (not for every file: the
    // others fell back to the wheel's own METADATA after a 404)
    assert!(sc.wheel.len() > 100, "{}", sc.wheel.len());
    let from_file = sc
        .wheel
        .values()
        .filter(|w| w.metadata_source == MetadataSource::CoreMetadataFile)
        .count();
    assert!(from_file > 50, "{from_file} of {}", sc.wheel.len());
    assert!(sc
        .wheel
        .values()
        .all(|w| w.url.starts_with("https://files.pythonhosted.org/")));
    let django = sc
        .wheel
        .values()
        .find(|w| w.url.contains("/django-5.2.9-"))
        .expect("django's wheel");
    assert!(
        django
            .requires_dist
            .iter()
            .any(|r| r.starts_with("asgiref")),
        "{django:?}"
    );
    assert_eq!(django.requires_python.as_deref(), Some(">=3.10"));

    // a second run asks nothing of PyPI (offline makes no request; the sidecar is complete)
    let again = run(&[
        "prefetch",
        "--lock",
        &lock.display().to_string(),
        "--index",
        &index.display().to_string(),
        "--python",
        "3.13",
        "--hashes",
        &hashes.display().to_string(),
        "--offline",
    ]);
    let again_out = text(&again.stdout);
    let missing = if sc.git.contains_key(git_key) { 0 } else { 1 };
    assert!(
        again_out.contains(&format!("{missing} missing")),
        "{again_out}"
    );
}
