//! Hardening (issue 9): the fuzz corpora and crash regressions replayed through the fuzz target
//! bodies, determinism of `lock2nix translate` under reordered lock tables and thread counts,
//! atomic output (write errors, a process killed mid-write, refusing to overwrite foreign files),
//! and the documented input limits (including a lock with 5,000 versions of one name).
//!
//! The fuzz target bodies live in `fuzz/bodies.rs` and are compiled into this test as they are into
//! the cargo-fuzz binaries; see `docs/fuzzing.md`.

#[path = "../../../fuzz/bodies.rs"]
mod bodies;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use lock2nix_lock::{parse_lock, parse_lock_with, parse_pyproject, ErrorKind, Limits};
use sha2::Digest as _;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

// ---------------------------------------------------------------------------------------------
// Fuzz corpus and regression replay
// ---------------------------------------------------------------------------------------------

type Body = fn(&[u8]);

const TARGETS: &[(&str, Body)] = &[
    ("lock", bodies::lock),
    ("pyproject", bodies::pyproject),
    ("git_url", bodies::git_url),
    ("wheel_name", bodies::wheel_name),
    ("nar", bodies::nar),
    ("nix_string", bodies::nix_string),
    ("index_tsv", bodies::index_tsv),
    ("nixpkgs_scan", bodies::nixpkgs_scan),
    ("source_path", bodies::source_path),
    ("marker", bodies::marker),
    ("marker_shape", bodies::marker_shape),
    ("sdist", bodies::sdist),
    ("env_spec", bodies::env_spec),
];

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Run every file of `fuzz/corpus/<target>` and `fuzz/regressions/<target>` through the target's
/// body; collect the failures with their file names.
fn replay(target: &str, body: Body) -> (usize, Vec<String>) {
    let fuzz = repo().join("fuzz");
    let mut files = files_in(&fuzz.join("corpus").join(target));
    assert!(
        !files.is_empty(),
        "fuzz/corpus/{target} is empty: the replay would prove nothing"
    );
    files.extend(files_in(&fuzz.join("regressions").join(target)));
    let mut failures = Vec::new();
    for file in &files {
        let data = std::fs::read(file).expect("read a corpus file");
        if let Err(panic) = std::panic::catch_unwind(|| body(&data)) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {message}", file.display()));
        }
    }
    (files.len(), failures)
}

#[test]
fn fuzz_corpora_and_regressions_replay_without_failures() {
    for &(target, body) in TARGETS {
        let (count, failures) = replay(target, body);
        assert!(
            failures.is_empty(),
            "{target}: {} of {count} inputs fail:\n{}",
            failures.len(),
            failures.join("\n")
        );
        eprintln!("{target}: {count} inputs replayed");
    }
}

/// The replay is only meaningful if the bodies check something: known-bad inputs must trip them.
#[test]
fn the_target_bodies_catch_violations() {
    // A NAR reader that accepted anything would make the `nar` round trip vacuous.
    assert!(bodies::read_nar(b"garbage").is_none());
    let good = lock2nix_nar::nar_bytes(&lock2nix_nar::Tree::dir([(
        "a",
        lock2nix_nar::Tree::file("x"),
    )]))
    .unwrap();
    assert!(bodies::read_nar(&good).is_some());
    let mut trailing = good.clone();
    trailing.extend_from_slice(&[0; 8]);
    assert!(bodies::read_nar(&trailing).is_none());
    // The seed locks of the corpus reach emit: at least one resolves and prints parseable Nix.
    let corpus = repo().join("fuzz/corpus/lock");
    let emitted = files_in(&corpus)
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).ok()?;
            let lock = parse_lock(&text, f).ok()?;
            bodies::pipeline(&lock)
        })
        .count();
    assert!(
        emitted >= 10,
        "only {emitted} corpus locks reach emit; the lock target barely covers the pipeline"
    );
    // The index corpus reads (so the round trip is exercised), and a written index that does not
    // read back would trip the body.
    let indexes = files_in(&repo().join("fuzz/corpus/index_tsv"))
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            lock2nix_nixpkgs::Index::parse(&text, "x").is_ok_and(|i| i.len() > 10)
        })
        .count();
    assert!(indexes >= 5, "only {indexes} index corpus files read");
    // The scan corpus reaches recipes with features: nixpkgs-mini as one input has them all.
    let mini = std::fs::read(repo().join("fuzz/corpus/nixpkgs_scan/nixpkgs-mini")).unwrap();
    let files = bodies::scan_files(std::str::from_utf8(&mini).unwrap());
    let index =
        lock2nix_nixpkgs::index_from_files(&files, &lock2nix_nixpkgs::ScanLimits::default())
            .unwrap();
    let featured = index.iter().filter(|e| e.features.known()).count();
    assert!(
        featured >= 30,
        "only {featured} recipes with features in the scan corpus"
    );
}

// ---------------------------------------------------------------------------------------------
// Determinism under shuffling
// ---------------------------------------------------------------------------------------------

/// A small deterministic PRNG (xorshift64*), so that failures reproduce from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// One `[table]` / `[[array]]` section: its header line and its key/value items (an item is a key
/// line with its continuation lines, e.g. a multi-line array).
struct Section {
    header: String,
    items: Vec<String>,
}

fn table_name(header: &str) -> &str {
    header.trim_matches(|c| c == '[' || c == ']').trim()
}

/// Reorder a uv.lock as TOML allows without changing its content: the `[[package]]` tables (each
/// with its `[package.…]` sub-tables), the other top-level tables among themselves, sub-tables
/// (parents before children), and the keys inside every table and at the top level. Arrays keep
/// their order (it is content), and keys inside inline tables are left alone.
fn shuffle_lock(text: &str, seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut root_items: Vec<String> = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let items = match sections.last_mut() {
            Some(s) => &mut s.items,
            None => &mut root_items,
        };
        if line.starts_with('[') {
            sections.push(Section {
                header: line.to_string(),
                items: Vec::new(),
            });
        } else if line.starts_with(|c: char| c.is_whitespace() || c == ']' || c == '}') {
            items
                .last_mut()
                .expect("a continuation line follows a key")
                .push_str(&format!("\n{line}"));
        } else {
            items.push(line.to_string());
        }
    }
    // groups: a table and its dotted sub-tables
    let mut groups: Vec<Vec<Section>> = Vec::new();
    for s in sections {
        let child = groups.last().is_some_and(|g| {
            !s.header.starts_with("[[")
                && table_name(&s.header).starts_with(&format!("{}.", table_name(&g[0].header)))
        });
        if child {
            groups.last_mut().expect("a group").push(s);
        } else {
            groups.push(vec![s]);
        }
    }
    let (mut packages, mut others): (Vec<_>, Vec<_>) = groups
        .into_iter()
        .partition(|g| g[0].header == "[[package]]");
    rng.shuffle(&mut root_items);
    rng.shuffle(&mut others);
    rng.shuffle(&mut packages);
    let mut out = String::new();
    for item in &root_items {
        out.push_str(item);
        out.push('\n');
    }
    for mut group in others.into_iter().chain(packages) {
        let mut children = group.split_off(1);
        rng.shuffle(&mut children);
        children.sort_by_key(|s| table_name(&s.header).matches('.').count());
        group.extend(children);
        for mut section in group {
            rng.shuffle(&mut section.items);
            out.push('\n');
            out.push_str(&section.header);
            out.push('\n');
            for item in &section.items {
                out.push_str(item);
                out.push('\n');
            }
        }
    }
    out
}

/// What a lock holds, independent of order: sorted package identities with their edges.
fn lock_summary(text: &str) -> Vec<String> {
    let lock = parse_lock(text, Path::new("uv.lock")).expect("the lock parses");
    let mut out: Vec<String> = lock
        .packages
        .iter()
        .map(|p| {
            let mut deps: Vec<String> = p
                .dependencies
                .iter()
                .map(|d| lock.packages[d.target].display_id())
                .collect();
            deps.sort();
            format!(
                "{} {} {:?} -> {}",
                p.display_id(),
                p.source,
                p.wheels.len(),
                deps.join(",")
            )
        })
        .collect();
    out.sort();
    out
}

fn translate_to_stdout(dir: &Path, threads: usize, args: &[String]) -> String {
    let start = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_lock2nix"))
        .args([
            "translate",
            "--allow-missing-hashes",
            "--out",
            "-",
            "--lock",
        ])
        .arg(dir.join("uv.lock"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .current_dir(dir)
        .output()
        .expect("run lock2nix");
    assert!(
        output.status.success(),
        "lock2nix translate failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "translate ({threads} threads): {:.1} s",
        start.elapsed().as_secs_f64()
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The overlay with its `uv.lock sha256` header line checked against the file and removed: that
/// line is the lock file's byte hash (for staleness checks), so it must change when the bytes do.
fn without_lock_hash(overlay: &str, lock: &Path) -> String {
    let sha = hex::encode(sha2::Sha256::digest(std::fs::read(lock).expect("lock")));
    let line = format!("uv.lock sha256: {sha}");
    let hits = overlay.lines().filter(|l| l.contains(&line)).count();
    assert_eq!(hits, 1, "the overlay names the lock's sha256 once");
    overlay
        .lines()
        .filter(|l| !l.contains(&line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A copy of the fixture project `src_dir` (pyproject files, members) with `lock_text` as its lock.
fn project_copy(src_dir: &Path, lock_text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(src_dir, dir.path());
    std::fs::write(dir.path().join("uv.lock"), lock_text).expect("write lock");
    dir
}

/// `lock2nix translate` on the original lock of `fixture` and on `runs` reordered copies (tables
/// and keys), with 1, 2 and 8 rayon threads: one overlay, byte for byte (but for the lock-hash
/// header line, checked to be each file's own hash).
fn check_shuffled_translations(fixture: &str, args: &[String], runs: u64) {
    let src = repo().join(fixture);
    let original = std::fs::read_to_string(src.join("uv.lock")).expect("lock");
    let summary = lock_summary(&original);
    let base_dir = project_copy(&src, &original);
    let reference = without_lock_hash(
        &translate_to_stdout(base_dir.path(), 1, args),
        &base_dir.path().join("uv.lock"),
    );
    assert!(reference.contains("@generated by lock2nix"));
    assert!(rnix::Root::parse(&reference).errors().is_empty());
    let start = Instant::now();
    for seed in 1..=runs {
        let shuffled = shuffle_lock(&original, seed);
        assert_ne!(
            shuffled, original,
            "seed {seed}: the shuffle changed nothing"
        );
        assert_eq!(
            lock_summary(&shuffled),
            summary,
            "seed {seed}: the shuffle changed the lock's content"
        );
        let dir = project_copy(&src, &shuffled);
        let threads = [1, 2, 8][(seed % 3) as usize];
        let out = without_lock_hash(
            &translate_to_stdout(dir.path(), threads, args),
            &dir.path().join("uv.lock"),
        );
        if out != reference {
            let line = out
                .lines()
                .zip(reference.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{fixture}, seed {seed}, {threads} threads: the overlay differs from the reference at line {}:\n  got:      {:?}\n  expected: {:?}",
                line + 1,
                out.lines().nth(line),
                reference.lines().nth(line)
            );
        }
    }
    eprintln!(
        "{fixture}: {runs} shuffled runs in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

fn runs_from_env(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The top-1000 lock (1,168 entries; CPython 3.12 and both Linux systems, since some packages
/// have no darwin wheels): 20 shuffled runs (about 0.5 s each in the test profile, whose
/// dependencies are optimised; `LOCK2NIX_SHUFFLE_RUNS_TOP1000=N` changes the count).
#[test]
fn translate_top_1000_is_deterministic_under_shuffled_tables_and_thread_counts() {
    let args: Vec<String> = [
        "--python",
        "3.12",
        "--system",
        "x86_64-linux",
        "--system",
        "aarch64-linux",
    ]
    .map(String::from)
    .to_vec();
    check_shuffled_translations(
        "fixtures/locks/top-1000",
        &args,
        runs_from_env("LOCK2NIX_SHUFFLE_RUNS_TOP1000", 20),
    );
}

/// authentik's lock (workspace members, a git source, forks) with the nixpkgs index (reuse and
/// override decisions), all four systems: 20 shuffled runs.
#[test]
fn translate_authentik_is_deterministic_under_shuffled_tables_and_thread_counts() {
    let index = repo().join("fixtures/nixpkgs-index/authentik-subset.tsv");
    let args = vec!["--index".to_string(), index.display().to_string()];
    check_shuffled_translations(
        "fixtures/authentik",
        &args,
        runs_from_env("LOCK2NIX_SHUFFLE_RUNS_AUTHENTIK", 20),
    );
}

#[test]
fn the_shuffle_moves_tables_and_keys() {
    let text = "version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n\n[options]\nexclude-newer = \"x\"\n\n[manifest]\nmembers = [\n    \"a\",\n    \"b\",\n]\n\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { virtual = \".\" }\n\n[package.metadata]\nrequires-dist = []\n\n[package.metadata.requires-dev]\ndev = []\n\n[[package]]\nname = \"b\"\nversion = \"2\"\nsource = { virtual = \"b\" }\n";
    let mut seen = std::collections::BTreeSet::new();
    for seed in 1..=16 {
        let s = shuffle_lock(text, seed);
        assert_eq!(lock_summary(&s), lock_summary(text), "{s}");
        // the sub-tables stay with their package, parents first
        let a = s.find("name = \"a\"").unwrap();
        let meta = s.find("[package.metadata]").unwrap();
        let dev = s.find("[package.metadata.requires-dev]").unwrap();
        let b = s.find("name = \"b\"").unwrap();
        assert!(meta < dev);
        assert!(a < meta, "{s}");
        assert!(!(a < b && b < dev), "package b inside package a: {s}");
        seen.insert(s);
    }
    assert!(seen.len() > 8, "the shuffle hardly varies: {}", seen.len());
}

// ---------------------------------------------------------------------------------------------
// Atomic output
// ---------------------------------------------------------------------------------------------

fn lock2nix() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lock2nix"))
}

/// A small project: the workspace-mixed fixture (members, git, editable, directory sources).
fn small_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&repo().join("fixtures/locks/workspace-mixed"), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// `translate --out OUT` for the project, optionally through `sh` with a file-size limit of
/// `fsize_blocks` 512-byte blocks (and SIGXFSZ ignored or not).
fn translate_out(
    project: &Path,
    out: &Path,
    extra: &[&str],
    fsize: Option<(u32, bool)>,
) -> std::process::Output {
    let bin = env!("CARGO_BIN_EXE_lock2nix");
    let mut args: Vec<String> = vec![
        "translate".into(),
        "--allow-missing-hashes".into(),
        "--lock".into(),
        project.join("uv.lock").display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut cmd = match fsize {
        None => {
            let mut c = lock2nix();
            c.args(&args);
            c
        }
        Some((blocks, ignore_signal)) => {
            let trap = if ignore_signal { "trap '' XFSZ; " } else { "" };
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("{trap}ulimit -f {blocks} && exec \"$0\" \"$@\""))
                .arg(bin)
                .args(&args);
            c
        }
    };
    cmd.current_dir(project).output().expect("run lock2nix")
}

/// An existing overlay, then a run that cannot finish writing (the file-size limit makes write()
/// fail with EFBIG): the run fails with a message, the old overlay is intact, no temporary file is
/// left.
#[test]
fn a_failed_write_keeps_the_old_overlay_and_leaves_no_temp_file() {
    let project = small_project();
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = out_dir.path().join("overlay.nix");
    let first = translate_out(project.path(), &out, &["--system", "x86_64-linux"], None);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let old = std::fs::read(&out).expect("the first overlay");
    assert!(old.len() > 8192, "the overlay is too small for the limit");

    // all four systems: a different (larger) text, so it must be written
    let failed = translate_out(project.path(), &out, &[], Some((16, true)));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success(), "the write should fail: {stderr}");
    assert!(
        stderr.contains("cannot write") && stderr.contains("overlay.nix"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&out).expect("old overlay"), old);
    assert_eq!(names_in(out_dir.path()), vec!["overlay.nix".to_string()]);

    // without the limit the same run replaces it
    let ok = translate_out(project.path(), &out, &[], None);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_ne!(std::fs::read(&out).expect("new overlay"), old);
    assert_eq!(names_in(out_dir.path()), vec!["overlay.nix".to_string()]);
}

/// A run killed mid-write (SIGXFSZ at the file-size limit: the kernel kills it inside write())
/// leaves the old overlay intact; the partial text is only ever in the hidden temporary file
/// `.lock2nix-*.tmp`, which a killed process cannot remove (documented in docs/fuzzing.md).
#[test]
fn a_run_killed_mid_write_keeps_the_old_overlay() {
    use std::os::unix::process::ExitStatusExt as _;
    let project = small_project();
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = out_dir.path().join("overlay.nix");
    let first = translate_out(project.path(), &out, &["--system", "x86_64-linux"], None);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let old = std::fs::read(&out).expect("the first overlay");

    let killed = translate_out(project.path(), &out, &[], Some((16, false)));
    assert_eq!(
        killed.status.signal(),
        Some(25),
        "expected death by SIGXFSZ: {killed:?}"
    );
    assert_eq!(std::fs::read(&out).expect("old overlay"), old);
    let names = names_in(out_dir.path());
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[1], "overlay.nix");
    assert!(
        names[0].starts_with(".lock2nix-") && names[0].ends_with(".tmp"),
        "{names:?}"
    );
    // the temporary file holds exactly the prefix that was written before the kill
    let partial = std::fs::read(out_dir.path().join(&names[0])).expect("temp file");
    assert_eq!(partial.len(), 16 * 512);
}

/// `--out` names an existing directory: the rename fails, nothing in the directory or next to it
/// changes, and no temporary file is left.
#[test]
fn out_pointing_at_a_directory_fails_cleanly() {
    let project = small_project();
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = out_dir.path().join("overlay.nix");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("keep"), "x").expect("write");
    let run = translate_out(project.path(), &out, &["--system", "x86_64-linux"], None);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(stderr.contains("overlay.nix"), "{stderr}");
    assert_eq!(names_in(out_dir.path()), vec!["overlay.nix".to_string()]);
    assert_eq!(names_in(&out), vec!["keep".to_string()]);
}

/// A file lock2nix did not write (no `@generated` header) is never replaced without --force.
#[test]
fn translate_refuses_to_overwrite_a_foreign_file_without_force() {
    let project = small_project();
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = out_dir.path().join("overlay.nix");
    let mine = "{ pkgs }: pkgs # hand-written, precious\n";
    std::fs::write(&out, mine).expect("write");
    let refused = translate_out(project.path(), &out, &["--system", "x86_64-linux"], None);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("refusing") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&out).expect("read"), mine);
    assert_eq!(names_in(out_dir.path()), vec!["overlay.nix".to_string()]);

    let forced = translate_out(
        project.path(),
        &out,
        &["--system", "x86_64-linux", "--force"],
        None,
    );
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("read");
    assert!(text.contains("@generated by lock2nix"));
    // and a generated file is replaced without --force
    let again = translate_out(project.path(), &out, &[], None);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_ne!(std::fs::read_to_string(&out).expect("read"), text);
}

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

const HEADER: &str = "version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n";

fn package(name: &str, version: &str, extra: &str) -> String {
    format!(
        "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n{extra}"
    )
}

fn limits() -> Limits {
    Limits {
        max_file_size: 4096,
        max_depth: 8,
        max_packages: 3,
        max_wheels_per_package: 2,
        max_dependencies_per_package: 2,
        max_members: 2,
        force_single_parse: false,
        ..Limits::default()
    }
}

/// Parse with `limits`, expecting an error within `within`; returns the error.
fn fails_fast(text: &str, limits: &Limits, within: Duration) -> lock2nix_lock::Error {
    let start = Instant::now();
    let result = parse_lock_with(text, Path::new("uv.lock"), limits);
    let took = start.elapsed();
    assert!(took < within, "took {took:?}");
    result.expect_err("over the limit")
}

#[test]
fn inputs_over_the_limits_fail_with_clear_errors() {
    let second = Duration::from_secs(1);
    // file size
    let big = format!("{HEADER}{}", "# padding\n".repeat(500));
    let e = fails_fast(&big, &limits(), second);
    assert!(
        matches!(e.kind, ErrorKind::TooLarge { limit: 4096, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("4096"), "{e}");

    // packages (both the single and the split parse)
    let many: String = (0..70)
        .map(|i| package(&format!("p{i}"), "1", ""))
        .collect();
    for single in [false, true] {
        let l = Limits {
            max_file_size: u64::MAX,
            force_single_parse: single,
            ..limits()
        };
        let e = fails_fast(&format!("{HEADER}{many}"), &l, second);
        assert!(
            matches!(
                e.kind,
                ErrorKind::TooMany {
                    count: 70,
                    limit: 3,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("packages"), "{e}");
    }

    // wheels of one package
    let wheel = |t: &str| {
        format!(
            "    {{ url = \"https://x/a-1-py3-none-{t}.whl\", hash = \"sha256:{}\" }},\n",
            "0".repeat(64)
        )
    };
    let wheels = package(
        "a",
        "1",
        &format!(
            "wheels = [\n{}{}{}]\n",
            wheel("any"),
            wheel("linux_x86_64"),
            wheel("win32")
        ),
    );
    let e = fails_fast(&format!("{HEADER}{wheels}"), &limits(), second);
    assert!(
        matches!(
            e.kind,
            ErrorKind::TooMany {
                count: 3,
                limit: 2,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("wheels"), "{e}");
    assert!(e.key_path.contains("wheels"), "{e}");

    // dependencies of one package
    let deps = package(
        "a",
        "1",
        "dependencies = [\n    { name = \"b\" },\n    { name = \"c\" },\n    { name = \"d\" },\n]\n",
    );
    let e = fails_fast(&format!("{HEADER}{deps}"), &limits(), second);
    assert!(
        matches!(
            e.kind,
            ErrorKind::TooMany {
                count: 3,
                limit: 2,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("dependencies"), "{e}");

    // depth (over the configured limit, within TOML's)
    let nested = format!(
        "{HEADER}[options]\nx = {}1{}\n",
        "[".repeat(12),
        "]".repeat(12)
    );
    let e = fails_fast(&nested, &limits(), second);
    assert!(matches!(e.kind, ErrorKind::TooDeep { limit: 8, .. }), "{e}");
    assert!(e.position.is_some(), "{e}");
}

/// Nesting far beyond anything (arrays, inline tables, dotted keys, 100,000 deep) fails with an
/// error, not a stack overflow, in the lock and the pyproject reader, with the default limits.
#[test]
fn deep_nesting_fails_cleanly() {
    let n = 100_000;
    let cases = [
        format!("x = {}{}\n", "[".repeat(n), "]".repeat(n)),
        format!("x = {}{}\n", "{ a = ".repeat(n), "}".repeat(n)),
        format!("{} = 1\n", vec!["a"; n].join(".")),
        format!("[{}]\n", vec!["a"; n].join(".")),
    ];
    for text in &cases {
        let start = Instant::now();
        let lock = parse_lock(&format!("{HEADER}{text}"), Path::new("uv.lock"));
        assert!(lock.is_err());
        let pyproject = parse_pyproject(text, Path::new("pyproject.toml"));
        assert!(pyproject.is_err());
        let message = lock.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(!message.is_empty());
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?} for {}…",
            start.elapsed(),
            &text[..20]
        );
    }
}

/// 5,000 versions of one name (distinct versions), each required by its own dependent with a
/// pinned version: the duplicate check and edge resolution in `link()` stay fast, and a real
/// duplicate among them is still found.
#[test]
fn five_thousand_versions_of_one_name_parse_fast() {
    let n = 5_000;
    let mut text = String::from(HEADER);
    for i in 0..n {
        text.push_str(&package("many", &format!("1.0.{i}"), ""));
    }
    for i in 0..n {
        text.push_str(&package(
            &format!("user{i}"),
            "1",
            &format!("dependencies = [\n    {{ name = \"many\", version = \"1.0.{i}\", source = {{ registry = \"https://pypi.org/simple\" }} }},\n]\n"),
        ));
    }
    let start = Instant::now();
    let lock = parse_lock(&text, Path::new("uv.lock")).expect("parses");
    let took = start.elapsed();
    assert_eq!(lock.packages.len(), 2 * n);
    let user = &lock.packages[n + 1234];
    assert_eq!(
        lock.packages[user.dependencies[0].target].version_string(),
        "1.0.1234"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    eprintln!("{} packages parsed and linked in {took:?}", 2 * n);

    // `1.0.4999` again, spelled differently (`1.0.4999.0` is the same PEP 440 version)
    let dup = format!("{text}{}", package("many", "1.0.4999.0", ""));
    let start = Instant::now();
    let e = parse_lock(&dup, Path::new("uv.lock")).expect_err("duplicate");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(matches!(e.kind, ErrorKind::DuplicatePackage(_)), "{e}");
    assert!(e.to_string().contains("many"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// The escaper against real Nix
// ---------------------------------------------------------------------------------------------

/// Every `nix_string` corpus and regression input (without NUL), printed as a `"…"` literal and
/// as an `''…''` literal nested in a set, evaluates in `nix-instantiate` to exactly the input
/// (the fuzz target checks this with rnix; this is the differential check against Nix itself).
#[test]
fn nix_string_corpus_evaluates_to_itself_in_nix() {
    if lock2nix_testkit::require_tool("nix-instantiate").is_none() {
        return;
    }
    let fuzz = repo().join("fuzz");
    let mut inputs: Vec<String> = Vec::new();
    for dir in ["corpus", "regressions"] {
        for file in files_in(&fuzz.join(dir).join("nix_string")) {
            if let Ok(s) = String::from_utf8(std::fs::read(&file).expect("read")) {
                if !s.contains('\0') {
                    inputs.push(s);
                }
            }
        }
    }
    assert!(inputs.len() > 20, "too few inputs: {}", inputs.len());
    let mut expr = String::from("[\n");
    for s in &inputs {
        let literal = lock2nix_nix::print_expr(&lock2nix_nix::Expr::string(s.as_str()))
            .expect("print a string");
        let nested = lock2nix_nix::Expr::attrs([lock2nix_nix::Binding::assign(
            "a",
            lock2nix_nix::Expr::attrs([lock2nix_nix::Binding::assign(
                "b",
                lock2nix_nix::Expr::indented(s.as_str()),
            )]),
        )]);
        let indented = lock2nix_nix::print_expr(&nested).expect("print an indented string");
        expr.push_str(&format!("({literal})\n(({indented}).a.b)\n"));
    }
    expr.push_str("]\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("strings.nix");
    std::fs::write(&file, &expr).expect("write");
    let value = lock2nix_testkit::nix_eval_file_json(&file, None, &[]).expect("nix evaluates");
    let got: Vec<String> = serde_json::from_value(value).expect("a list of strings");
    assert_eq!(got.len(), inputs.len() * 2);
    for (i, s) in inputs.iter().enumerate() {
        assert_eq!(&got[2 * i], s, "\"…\" literal of {s:?}");
        assert_eq!(&got[2 * i + 1], s, "''…'' literal of {s:?}");
    }
}

/// `pep508_rs` 0.9.2 panics on a requirement whose name ends in `.`, `-` or `_` and is followed by
/// more text (found by the `pyproject` fuzz target); the reader refuses them with a located error.
#[test]
fn requirements_with_a_name_ending_in_punctuation_are_errors_not_panics() {
    for req in [
        "google-cloud-[bigquery]",
        "foo- >=1",
        "bar_;python_version<'3'",
        "baz.(>=1)",
        "  qux-[x]",
        "end-",
    ] {
        let text = format!(
            "[project]\nname = \"p\"\nversion = \"1\"\ndependencies = [{}]\n",
            toml_quote(req)
        );
        let e = parse_pyproject(&text, Path::new("pyproject.toml")).expect_err(req);
        let message = e.to_string();
        assert!(message.contains("dependencies"), "{message}");
        assert!(
            message.contains("letter or digit") || message.contains("alphanumeric"),
            "{message}"
        );
    }
    // the same names without the trailing punctuation are fine
    let text = "[project]\nname = \"p\"\nversion = \"1\"\ndependencies = [\"google-cloud[bigquery]\", \"foo >=1\"]\n";
    assert!(parse_pyproject(text, Path::new("pyproject.toml")).is_ok());
}

fn toml_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
