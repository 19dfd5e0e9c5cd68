//! The `Cargo.lock` of a Rust sdist: where it is in the archive, what `importCargoLock` cannot
//! vendor from it, and where `lock2nix prefetch` stores it.
//!
//! The overlay builds a Rust sdist with `cargoDeps = rustPlatform.importCargoLock { lockFile =
//! ./cargo-locks/<name>-<version>.lock; }`: nixpkgs then fetches every crate by the checksum the
//! lock records, and `cargoSetupHook` checks that the sdist's own `Cargo.lock` (in `cargoRoot`) is
//! the same file. Crates from git or another registry have no such checksum: `importCargoLock`
//! needs `outputHashes` for them, which lock2nix does not compute; they are reported
//! ([`CargoLockEntry::unsupported`](crate::CargoLockEntry)) and the plan treats the lock as
//! missing rather than emitting a derivation that fails.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Largest `Cargo.lock` extracted (real ones have at most a few hundred KiB).
pub const MAX_CARGO_LOCK_BYTES: u64 = 4 * 1024 * 1024;

/// Most `Cargo.toml` / `Cargo.lock` members of one sdist considered (a vendored Rust
/// workspace has tens).
pub(crate) const MAX_CARGO_CANDIDATES: usize = 10_000;

/// Deepest directory, below the sdist's top, searched for `Cargo.toml` and `Cargo.lock`.
pub(crate) const MAX_CARGO_DEPTH: usize = 3;

/// The directory, next to the overlay, that `lock2nix prefetch` stores Cargo.lock files in.
pub const CARGO_LOCK_DIR: &str = "cargo-locks";

/// The crates.io index, as `Cargo.lock` names it (git and sparse protocols).
const CRATES_IO: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// Whether a path component is safe in a file name and a Nix path literal: ASCII letters,
/// digits, `.`, `_`, `+`, `-`, not starting with `.`.
fn safe_component(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= 200
        && !c.starts_with('.')
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-'))
}

/// Checks a sidecar `cargo-lock` path: relative, `/`-separated safe components (no `..`, no
/// leading `.`), inside a `cargo-locks` directory, ending in `.lock`. A hostile sidecar can so
/// name no file but a lock file lock2nix stored.
pub fn check_cargo_lock_path(path: &str) -> Result<(), String> {
    let parts: Vec<&str> = path.split('/').collect();
    let ok = parts.len() >= 2
        && parts.iter().all(|c| safe_component(c))
        && parts[parts.len() - 2] == CARGO_LOCK_DIR
        && parts[parts.len() - 1].ends_with(".lock");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "cargo-lock {:?} is not a relative path `…/{CARGO_LOCK_DIR}/<name>.lock` of plain components",
            crate::sdist::clip(path)
        ))
    }
}

/// Checks a `cargo-root`: a relative `/`-separated path of safe components.
pub fn check_cargo_root(root: &str) -> Result<(), String> {
    if !root.is_empty() && root.split('/').all(safe_component) {
        Ok(())
    } else {
        Err(format!(
            "cargo-root {:?} is not a relative directory of plain components",
            crate::sdist::clip(root)
        ))
    }
}

/// The file name a Cargo.lock of `package` `version` is stored under: both with every character
/// outside `[A-Za-z0-9._+-]` replaced by `_`.
pub fn cargo_lock_file_name(package: &str, version: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .trim_start_matches('.')
            .to_string()
    };
    let name = clean(package);
    let name = if name.is_empty() { "_".into() } else { name };
    let mut file = format!("{name}-{}", clean(version));
    file.truncate(190);
    file.push_str(".lock");
    file
}

/// What [`analyze`] found in a `Cargo.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CargoLockFacts {
    /// What `importCargoLock` cannot vendor without `outputHashes`, one line each, sorted.
    pub unsupported: Vec<String>,
}

/// Reads a `Cargo.lock` (TOML, at most [`MAX_CARGO_LOCK_BYTES`]): it must have `[[package]]`
/// entries with a name and version; crates from git, from another registry, or without a
/// checksum are listed as unsupported.
pub fn analyze(bytes: &[u8]) -> Result<CargoLockFacts, String> {
    if bytes.len() as u64 > MAX_CARGO_LOCK_BYTES {
        return Err(format!(
            "Cargo.lock is larger than {MAX_CARGO_LOCK_BYTES} bytes"
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "Cargo.lock is not UTF-8".to_string())?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("Cargo.lock is not TOML: {}", e.message().trim()))?;
    let packages = match doc.get("package") {
        None => &Vec::new(),
        Some(p) => p
            .as_array()
            .ok_or("Cargo.lock: `package` is not an array of tables")?,
    };
    // version 1 lock files keep checksums in [metadata]
    let legacy = doc.get("metadata").and_then(|m| m.as_table());
    let mut unsupported = Vec::new();
    for p in packages {
        let t = p
            .as_table()
            .ok_or("Cargo.lock: a `package` entry is not a table")?;
        let field = |k: &str| t.get(k).and_then(|v| v.as_str());
        let (Some(name), Some(version)) = (field("name"), field("version")) else {
            return Err("Cargo.lock: a package has no name or version".to_string());
        };
        let Some(source) = field("source") else {
            continue; // a member of the workspace: built from the sdist itself
        };
        let what = || {
            format!(
                "{} {} from {}",
                crate::sdist::clip(name),
                crate::sdist::clip(version),
                lock2nix_lock::strip_url_credentials(&crate::sdist::clip(source))
            )
        };
        if source.starts_with("git+") {
            unsupported.push(format!("git dependency {}", what()));
        } else if !CRATES_IO.contains(&source) {
            unsupported.push(format!("crate of another registry {}", what()));
        } else if field("checksum").is_none()
            && !legacy
                .is_some_and(|m| m.contains_key(&format!("checksum {name} {version} ({source})")))
        {
            unsupported.push(format!("crate without a checksum {}", what()));
        }
    }
    unsupported.sort();
    unsupported.dedup();
    Ok(CargoLockFacts { unsupported })
}

/// Where prefetch stores Cargo.lock files: `<sidecar dir>/<dir>/`, `dir` relative and plain
/// (default: the overlay's directory's [`CARGO_LOCK_DIR`], e.g. `nix/cargo-locks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CargoLockStore {
    /// The sidecar's directory; sidecar paths are relative to it.
    pub base: PathBuf,
    /// The directory under `base`, `/`-separated, ending in [`CARGO_LOCK_DIR`].
    pub dir: String,
}

impl CargoLockStore {
    /// A store in `<base>/<dir>`; `dir` must be relative, of plain components, and end in
    /// [`CARGO_LOCK_DIR`].
    pub fn new(base: PathBuf, dir: &str) -> Result<Self, String> {
        check_cargo_lock_path(&format!("{dir}/x.lock"))?;
        Ok(CargoLockStore {
            base,
            dir: dir.to_string(),
        })
    }

    /// The store for a sidecar at `sidecar` and an overlay in `overlay_dir`: `<overlay
    /// dir>/cargo-locks` when the overlay's directory is the sidecar's or below it (by their
    /// paths, made absolute against the working directory) through plain components, else
    /// `cargo-locks` beside the sidecar.
    pub fn for_overlay(sidecar: &Path, overlay_dir: &Path) -> Self {
        let base = sidecar
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let absolute = |p: &Path| lock2nix_lock::absolute_lexical(p).ok();
        let below = absolute(&base)
            .zip(absolute(overlay_dir))
            .and_then(|(b, o)| {
                let rest = o.strip_prefix(&b).ok()?;
                let parts: Vec<String> = rest
                    .components()
                    .map(|c| c.as_os_str().to_str().map(str::to_string))
                    .collect::<Option<_>>()?;
                let mut dir = parts.join("/");
                if !dir.is_empty() {
                    dir.push('/');
                }
                dir.push_str(CARGO_LOCK_DIR);
                Some(dir)
            });
        match below.and_then(|dir| Self::new(base.clone(), &dir).ok()) {
            Some(store) => store,
            None => CargoLockStore {
                base,
                dir: CARGO_LOCK_DIR.to_string(),
            },
        }
    }

    /// Stores `bytes` as `<dir>/<file_name>` and returns the path relative to `base`. An
    /// existing file is replaced only when `ours` says lock2nix wrote it (its sha256 is
    /// recorded in the sidecar) or it has this content; anything but a regular file there, a
    /// directory on the way that is a symbolic link, or a read error is an error (fail closed).
    pub fn store(
        &self,
        file_name: &str,
        bytes: &[u8],
        ours: &dyn Fn(&str) -> bool,
    ) -> Result<String, String> {
        let rel = format!("{}/{file_name}", self.dir);
        check_cargo_lock_path(&rel)?;
        // every directory on the way below `base` is a real directory (or not there yet)
        let mut at = self.base.clone();
        for part in self.dir.split('/') {
            at.push(part);
            match std::fs::symlink_metadata(&at) {
                Ok(m) if m.file_type().is_dir() => {}
                Ok(_) => {
                    return Err(format!(
                        "{} is not a directory (a symbolic link or a file); lock2nix stores Cargo.lock files in a real directory",
                        at.display()
                    ))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(format!("cannot inspect {}: {e}", at.display())),
            }
        }
        let path = self.base.join(&rel);
        let sha = hex::encode(Sha256::digest(bytes));
        match crate::atomic::existing_output(&path).map_err(|e| e.to_string())? {
            None => {}
            Some(meta) => {
                let current = read_capped(&path, meta.len())?;
                let current_sha = hex::encode(Sha256::digest(&current));
                if current_sha == sha {
                    return Ok(rel);
                }
                if !ours(&current_sha) {
                    return Err(format!(
                        "{} exists and lock2nix did not write it (its content is not a Cargo.lock the sidecar records); move it away",
                        path.display()
                    ));
                }
            }
        }
        crate::atomic::write_atomic(&path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(rel)
    }
}

fn read_capped(path: &Path, len: u64) -> Result<Vec<u8>, String> {
    if len > MAX_CARGO_LOCK_BYTES {
        return Err(format!(
            "{} is larger than {MAX_CARGO_LOCK_BYTES} bytes",
            path.display()
        ));
    }
    let mut out = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CARGO_LOCK_BYTES + 1).read_to_end(&mut out))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(out)
}

/// Removes the Cargo.lock files `before` records and `after` no longer does (the entries a
/// prefetch run dropped), each only when it still has the recorded content; `base` is the
/// sidecar's directory. Returns the paths removed (relative to `base`).
pub fn remove_unused_cargo_locks(
    base: &Path,
    before: &crate::Sidecar,
    after: &crate::Sidecar,
) -> Vec<String> {
    let recorded = |s: &crate::Sidecar| -> std::collections::BTreeSet<(String, String)> {
        s.cargo_lock_entries()
            .map(|c| (c.path.clone(), c.sha256.clone()))
            .collect()
    };
    let kept: std::collections::BTreeSet<String> =
        recorded(after).into_iter().map(|(p, _)| p).collect();
    let mut removed = Vec::new();
    for (path, sha) in recorded(before) {
        if kept.contains(&path) {
            continue;
        }
        if read_stored_cargo_lock(base, &path, &sha).is_ok()
            && std::fs::remove_file(base.join(&path)).is_ok()
        {
            removed.push(path);
        }
    }
    removed
}

/// Reads a stored Cargo.lock (`rel` relative to `base`, checked by [`check_cargo_lock_path`])
/// and checks its sha256: the file translate points the overlay at. Symbolic links and special
/// files are refused.
pub fn read_stored_cargo_lock(base: &Path, rel: &str, sha256: &str) -> Result<Vec<u8>, String> {
    check_cargo_lock_path(rel)?;
    let path = base.join(rel);
    let meta = std::fs::symlink_metadata(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.file_type().is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    let bytes = read_capped(&path, meta.len())?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != sha256 {
        return Err(format!(
            "{} has sha256 {actual}, the sidecar records {sha256}: run `lock2nix prefetch` again",
            path.display()
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(check_cargo_lock_path("nix/cargo-locks/foo-1.0.lock").is_ok());
        assert!(check_cargo_lock_path("cargo-locks/foo-1.0+x.lock").is_ok());
        for bad in [
            "cargo-locks/../x.lock",
            "/etc/cargo-locks/x.lock",
            "nix/cargo-locks/.x.lock",
            "nix/other/x.lock",
            "nix/cargo-locks/x.txt",
            "nix//cargo-locks/x.lock",
            "x.lock",
            "nix/cargo-locks/a b.lock",
            "nix\\cargo-locks/x.lock",
        ] {
            assert!(check_cargo_lock_path(bad).is_err(), "{bad}");
        }
        assert_eq!(cargo_lock_file_name("foo", "1.0"), "foo-1.0.lock");
        assert_eq!(cargo_lock_file_name("../x", "1!2/3"), "_x-1_2_3.lock");
        assert_eq!(cargo_lock_file_name("", ""), "_-.lock");
        assert!(check_cargo_lock_path(&format!(
            "cargo-locks/{}",
            cargo_lock_file_name("../..", "../")
        ))
        .is_ok());
        assert!(check_cargo_root("rust").is_ok());
        assert!(check_cargo_root("../rust").is_err());
        assert!(check_cargo_root("").is_err());
    }

    #[test]
    fn unsupported_crates() {
        let lock = br#"version = 3

[[package]]
name = "ours"
version = "0.1.0"
dependencies = ["a", "g"]

[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "0000000000000000000000000000000000000000000000000000000000000000"

[[package]]
name = "g"
version = "0.2.0"
source = "git+https://user:pw@example.org/g.git?rev=abc#0123456789abcdef0123456789abcdef01234567"

[[package]]
name = "r"
version = "0.3.0"
source = "registry+https://example.org/index"
checksum = "00"

[[package]]
name = "n"
version = "0.4.0"
source = "sparse+https://index.crates.io/"
"#;
        let f = analyze(lock).unwrap();
        assert_eq!(f.unsupported.len(), 3, "{:?}", f.unsupported);
        assert!(f.unsupported[0].starts_with("crate of another registry r 0.3.0"));
        assert!(f.unsupported[1].starts_with("crate without a checksum n 0.4.0"));
        assert!(f.unsupported[2]
            .starts_with("git dependency g 0.2.0 from git+https://example.org/g.git"));
        assert!(!f.unsupported.iter().any(|u| u.contains("pw")));
        assert!(analyze(b"[[package]]\nversion = \"1\"\n").is_err());
        assert!(analyze(b"package = 1").is_err());
        assert!(analyze(&vec![b'#'; MAX_CARGO_LOCK_BYTES as usize + 1]).is_err());
        // version 1: checksums in [metadata]
        let v1 = b"[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[metadata]\n\"checksum a 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)\" = \"00\"\n";
        assert_eq!(analyze(v1).unwrap().unsupported, Vec::<String>::new());
    }

    #[test]
    fn beside_the_overlay() {
        let d = Path::new("/p");
        let s = CargoLockStore::for_overlay(&d.join("lock2nix-hashes.toml"), &d.join("nix"));
        assert_eq!((s.base.as_path(), s.dir.as_str()), (d, "nix/cargo-locks"));
        let s = CargoLockStore::for_overlay(&d.join("lock2nix-hashes.toml"), d);
        assert_eq!(s.dir, "cargo-locks");
        // elsewhere, or through a name that cannot be a Nix path literal: beside the sidecar
        for o in ["/elsewhere/nix", "/p/my nix", "/p/.hidden"] {
            let s = CargoLockStore::for_overlay(&d.join("lock2nix-hashes.toml"), Path::new(o));
            assert_eq!(s.dir, "cargo-locks", "{o}");
        }
        let s = CargoLockStore::for_overlay(&d.join("x/../lock2nix-hashes.toml"), &d.join("a/./b"));
        assert_eq!(s.dir, "a/b/cargo-locks");
    }

    #[test]
    fn store_never_replaces_a_file_it_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = CargoLockStore::new(dir.path().to_path_buf(), "nix/cargo-locks").unwrap();
        let rel = store.store("a-1.lock", b"one", &|_| false).unwrap();
        assert_eq!(rel, "nix/cargo-locks/a-1.lock");
        // same content: fine; other content over a file the sidecar does not record: refused
        store.store("a-1.lock", b"one", &|_| false).unwrap();
        let e = store.store("a-1.lock", b"two", &|_| false).unwrap_err();
        assert!(e.contains("did not write it"), "{e}");
        let one = hex::encode(Sha256::digest(b"one"));
        store.store("a-1.lock", b"two", &|s| s == one).unwrap();
        assert_eq!(std::fs::read(dir.path().join(&rel)).unwrap(), b"two");
        let two = hex::encode(Sha256::digest(b"two"));
        assert_eq!(
            read_stored_cargo_lock(dir.path(), &rel, &two).unwrap(),
            b"two"
        );
        assert!(read_stored_cargo_lock(dir.path(), &rel, &one).is_err());
        // a symbolic link in place of the file, or of the directory, is refused
        #[cfg(unix)]
        {
            let target = dir.path().join("elsewhere");
            std::fs::create_dir(&target).unwrap();
            std::os::unix::fs::symlink(
                dir.path().join("nix/cargo-locks/a-1.lock"),
                dir.path().join("nix/cargo-locks/b-1.lock"),
            )
            .unwrap();
            assert!(store.store("b-1.lock", b"x", &|_| true).is_err());
            assert!(read_stored_cargo_lock(dir.path(), "nix/cargo-locks/b-1.lock", &two).is_err());
            std::os::unix::fs::symlink(&target, dir.path().join("cargo-locks")).unwrap();
            let s2 = CargoLockStore::new(dir.path().to_path_buf(), "cargo-locks").unwrap();
            assert!(s2.store("c-1.lock", b"x", &|_| true).is_err());
            assert!(std::fs::read_dir(&target).unwrap().next().is_none());
        }
        assert!(CargoLockStore::new(dir.path().to_path_buf(), "../cargo-locks").is_err());
    }

    #[test]
    fn unused_cargo_locks_are_removed_when_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let store = CargoLockStore::new(dir.path().to_path_buf(), "cargo-locks").unwrap();
        let entry = |name: &str, body: &[u8]| crate::SdistEntry {
            url: "u".into(),
            build_system: crate::BuildSystem::pep517_default(
                crate::BuildSystemSource::DefaultNoPyproject,
            ),
            metadata_source: Some(crate::SdistMetadataSource::NoPkgInfo),
            requires_dist: None,
            cargo_lock: Some(crate::CargoLockEntry {
                path: store.store(name, body, &|_| false).unwrap(),
                sha256: hex::encode(Sha256::digest(body)),
                root: None,
                unsupported: vec![],
            }),
        };
        let mut before = crate::Sidecar::new();
        before
            .sdist
            .insert("sha256:a".into(), entry("a-1.lock", b"a"));
        before
            .sdist
            .insert("sha256:b".into(), entry("b-1.lock", b"b"));
        before
            .sdist
            .insert("sha256:c".into(), entry("c-1.lock", b"c"));
        let mut after = before.clone();
        after.retain(|k| k == "sha256:a");
        // edited by hand since: kept
        std::fs::write(dir.path().join("cargo-locks/c-1.lock"), "edited").unwrap();
        let removed = remove_unused_cargo_locks(dir.path(), &before, &after);
        assert_eq!(removed, ["cargo-locks/b-1.lock"]);
        assert!(dir.path().join("cargo-locks/a-1.lock").exists());
        assert!(dir.path().join("cargo-locks/c-1.lock").exists());
    }
}
