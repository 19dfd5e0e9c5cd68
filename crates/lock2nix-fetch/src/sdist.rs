//! Reading `[build-system]` from an sdist (tar.gz or zip).

use std::io::{Read, Seek};

use crate::sidecar::{BuildSystem, BuildSystemSource};

/// Largest `pyproject.toml` read from an archive.
pub(crate) const MAX_PYPROJECT_BYTES: u64 = 4 * 1024 * 1024;

/// Archive formats an sdist can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdistFormat {
    /// `.tar.gz` / `.tgz`
    TarGz,
    /// `.zip`
    Zip,
}

/// The archive format from a URL's file name (query and fragment ignored), if supported.
pub fn format_of_url(url: &str) -> Option<SdistFormat> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        Some(SdistFormat::TarGz)
    } else if name.ends_with(".zip") {
        Some(SdistFormat::Zip)
    } else {
        None
    }
}

/// At most 200 characters of a hostile string, for messages.
pub(crate) fn clip(s: &str) -> String {
    match s.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// Splits an archive member path into normal components (dropping `.` and empty ones).
fn components(path: &str) -> Vec<&str> {
    path.split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

/// Whether an archive member is `<top>/<rel>` for some single top-level directory.
pub(crate) fn is_top_level_member(path: &str, rel: &[&str]) -> bool {
    let c = components(path);
    c.len() == rel.len() + 1 && c[1..] == *rel
}

/// Finds `<top>/pyproject.toml` in an sdist and returns its bytes (`None` when absent).
pub fn read_pyproject<R: Read + Seek>(
    archive: R,
    format: SdistFormat,
) -> Result<Option<Vec<u8>>, String> {
    read_member(archive, format, &["pyproject.toml"])
}

/// Finds `<top>/<rel...>` in a tar.gz or zip archive and returns its bytes.
pub(crate) fn read_member<R: Read + Seek>(
    archive: R,
    format: SdistFormat,
    rel: &[&str],
) -> Result<Option<Vec<u8>>, String> {
    match format {
        SdistFormat::TarGz => {
            let gz = flate2::read::GzDecoder::new(archive);
            let mut found: Result<Option<Vec<u8>>, String> = Ok(None);
            lock2nix_nar::archive::for_each_tar_entry(
                gz,
                lock2nix_nar::ArchiveOptions::default().max_header_bytes,
                |e| e.to_string(),
                |entry| -> Result<bool, String> {
                    if !entry.header().entry_type().is_file() {
                        return Ok(true);
                    }
                    let path = entry.path().map_err(|e| e.to_string())?;
                    let path = path.to_string_lossy().into_owned();
                    if !is_top_level_member(&path, rel) {
                        return Ok(true);
                    }
                    let mut buf = Vec::new();
                    entry
                        .take(MAX_PYPROJECT_BYTES + 1)
                        .read_to_end(&mut buf)
                        .map_err(|e| e.to_string())?;
                    found = if buf.len() as u64 > MAX_PYPROJECT_BYTES {
                        Err(format!(
                            "{} is larger than {MAX_PYPROJECT_BYTES} bytes",
                            clip(&path)
                        ))
                    } else {
                        Ok(Some(buf))
                    };
                    Ok(false)
                },
            )?;
            found
        }
        SdistFormat::Zip => {
            let mut zip = zip::ZipArchive::new(archive).map_err(|e| e.to_string())?;
            let found = zip.file_names_raw().enumerate().find_map(|(i, raw)| {
                let name = String::from_utf8_lossy(raw);
                (!name.ends_with('/') && is_top_level_member(&name, rel))
                    .then(|| (i, name.into_owned()))
            });
            let Some((i, name)) = found else {
                return Ok(None);
            };
            let file = zip.by_index(i).map_err(|e| e.to_string())?;
            let mut buf = Vec::new();
            file.take(MAX_PYPROJECT_BYTES + 1)
                .read_to_end(&mut buf)
                .map_err(|e| e.to_string())?;
            if buf.len() as u64 > MAX_PYPROJECT_BYTES {
                return Err(format!(
                    "{} is larger than {MAX_PYPROJECT_BYTES} bytes",
                    clip(&name)
                ));
            }
            Ok(Some(buf))
        }
    }
}

/// What one pass over an sdist (or a GitHub archive) found below `<top>/<base>/`.
#[derive(Debug, Default)]
pub struct ArchiveScan {
    /// The top-level directory (of the first regular file).
    pub top: Option<String>,
    /// `pyproject.toml`.
    pub pyproject: Option<Vec<u8>>,
    /// The header section of `PKG-INFO` (sdists).
    pub pkg_info: Option<Vec<u8>>,
    /// Directories (relative to the base, `/`-joined, `""` for the base) holding a regular
    /// `Cargo.toml`, at most [`crate::cargo::MAX_CARGO_DEPTH`] deep.
    pub cargo_tomls: Vec<String>,
    /// The same for `Cargo.lock`.
    pub cargo_locks: Vec<String>,
}

/// The components of a member path; `None` when one is `..` (the member is never used).
fn member_components(path: &str) -> Option<Vec<&str>> {
    let c = components(path);
    (!c.contains(&"..")).then_some(c)
}

impl ArchiveScan {
    /// Records member `c` (all components, top first) when it is one the scan looks for;
    /// returns which file it is so that the caller reads it.
    fn classify(&mut self, c: &[&str], base: &[&str]) -> Option<Wanted> {
        if c.len() < 2 {
            return None;
        }
        match &self.top {
            None => self.top = Some(c[0].to_string()),
            // a second top-level directory: Nix's unpacker refuses such an sdist anyway
            Some(t) if t != c[0] => return None,
            Some(_) => {}
        }
        let rel = c[1..].strip_prefix(base)?;
        match rel {
            ["pyproject.toml"] => return Some(Wanted::Pyproject),
            ["PKG-INFO"] if base.is_empty() => return Some(Wanted::PkgInfo),
            _ => {}
        }
        let (last, dir) = rel.split_last()?;
        if dir.len() > crate::cargo::MAX_CARGO_DEPTH
            || self.cargo_tomls.len() + self.cargo_locks.len() >= crate::cargo::MAX_CARGO_CANDIDATES
        {
            return None;
        }
        match *last {
            "Cargo.toml" => self.cargo_tomls.push(dir.join("/")),
            "Cargo.lock" => self.cargo_locks.push(dir.join("/")),
            _ => {}
        }
        None
    }
}

enum Wanted {
    Pyproject,
    PkgInfo,
}

fn read_capped(mut r: impl Read, max: u64, what: &str) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    (&mut r)
        .take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > max {
        return Err(format!("{} is larger than {max} bytes", clip(what)));
    }
    Ok(buf)
}

fn read_headers(r: impl Read) -> Result<Vec<u8>, String> {
    let mut sink = crate::metadata::HeaderSink::default();
    std::io::copy(&mut r.take(crate::metadata::MAX_METADATA_BYTES), &mut sink)
        .map_err(|e| e.to_string())?;
    sink.into_headers()
}

/// Whether a zip entry is a symbolic link (by its Unix mode).
fn zip_is_symlink(file: &zip::read::ZipFile<'_, impl Read>) -> bool {
    file.unix_mode().is_some_and(|m| m & 0o170000 == 0o120000)
}

/// One pass over a tar.gz or zip archive: `pyproject.toml` and (for `base` empty) `PKG-INFO`
/// of `<top>/<base>/`, and where `Cargo.toml` / `Cargo.lock` files are. Only regular files
/// count (symbolic and hard links, devices are skipped), members with a `..` component or under a
/// second top-level directory are ignored, and the archive caps of `lock2nix-nar` apply.
pub fn scan_archive<R: Read + Seek>(
    archive: R,
    format: SdistFormat,
    base: &[&str],
) -> Result<ArchiveScan, String> {
    let limits = lock2nix_nar::ArchiveOptions::default();
    let mut scan = ArchiveScan::default();
    match format {
        SdistFormat::TarGz => {
            let gz = flate2::read::MultiGzDecoder::new(archive);
            let mut entries = 0u64;
            lock2nix_nar::archive::for_each_tar_entry(
                gz,
                limits.max_header_bytes,
                |e| e.to_string(),
                |entry| -> Result<bool, String> {
                    entries += 1;
                    if entries > limits.max_entries {
                        return Err(format!(
                            "the archive has more than {} entries",
                            limits.max_entries
                        ));
                    }
                    if !entry.header().entry_type().is_file() {
                        return Ok(true);
                    }
                    let path = entry.path().map_err(|e| e.to_string())?;
                    let path = path.to_string_lossy().into_owned();
                    let Some(c) = member_components(&path) else {
                        return Ok(true);
                    };
                    match scan.classify(&c, base) {
                        Some(Wanted::Pyproject) => {
                            scan.pyproject = Some(read_capped(entry, MAX_PYPROJECT_BYTES, &path)?)
                        }
                        Some(Wanted::PkgInfo) => scan.pkg_info = Some(read_headers(entry)?),
                        None => {}
                    }
                    Ok(true)
                },
            )?;
        }
        SdistFormat::Zip => {
            let mut zip = zip::ZipArchive::new(archive).map_err(|e| e.to_string())?;
            if zip.len() as u64 > limits.max_entries {
                return Err(format!(
                    "the archive has more than {} entries",
                    limits.max_entries
                ));
            }
            let names: Vec<String> = zip
                .file_names_raw()
                .map(|raw| String::from_utf8_lossy(raw).into_owned())
                .collect();
            for (i, name) in names.iter().enumerate() {
                if name.ends_with('/') {
                    continue;
                }
                let Some(c) = member_components(name) else {
                    continue;
                };
                // classify first (it records Cargo files); a symlink must not count either
                let is_link = zip_is_symlink(&zip.by_index_raw(i).map_err(|e| e.to_string())?);
                if is_link {
                    continue;
                }
                match scan.classify(&c, base) {
                    Some(Wanted::Pyproject) => {
                        let f = zip.by_index(i).map_err(|e| e.to_string())?;
                        scan.pyproject = Some(read_capped(f, MAX_PYPROJECT_BYTES, name)?);
                    }
                    Some(Wanted::PkgInfo) => {
                        let f = zip.by_index(i).map_err(|e| e.to_string())?;
                        scan.pkg_info = Some(read_headers(f)?);
                    }
                    None => {}
                }
            }
        }
    }
    scan.cargo_tomls.sort();
    scan.cargo_tomls.dedup();
    scan.cargo_locks.sort();
    scan.cargo_locks.dedup();
    Ok(scan)
}

/// Whether `<tree>/<subdir>` is a directory reached through directories only (no symbolic
/// link on the way: a checkout's link may point anywhere).
pub(crate) fn real_dir(tree: &std::path::Path, subdir: &[&str]) -> bool {
    let mut at = tree.to_path_buf();
    subdir.iter().all(|part| {
        at.push(part);
        std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_dir())
    })
}

/// `<tree>/<subdir>/<name>` when it is a regular file reached without a symbolic link, at most
/// `max` bytes (`None` when there is none).
pub(crate) fn read_tree_file(
    tree: &std::path::Path,
    subdir: &[&str],
    name: &str,
    max: u64,
) -> Result<Option<Vec<u8>>, String> {
    if subdir
        .iter()
        .chain([&name])
        .any(|c| *c == ".." || c.is_empty())
        || !real_dir(tree, subdir)
    {
        return Ok(None);
    }
    let mut path = tree.to_path_buf();
    path.extend(subdir);
    path.push(name);
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_file() => {}
        _ => return Ok(None),
    }
    let file = std::fs::File::open(&path).map_err(|e| format!("cannot read {name}: {e}"))?;
    read_capped(file, max, name).map(Some)
}

/// [`scan_archive`] for a checkout on disk: `<tree>/<base>/pyproject.toml`, and the
/// `Cargo.toml` / `Cargo.lock` files below it (directories only, no symbolic links followed).
pub fn scan_tree(tree: &std::path::Path, base: &[&str]) -> Result<ArchiveScan, String> {
    let mut scan = ArchiveScan {
        top: Some(String::new()),
        pyproject: read_tree_file(tree, base, "pyproject.toml", MAX_PYPROJECT_BYTES)?,
        ..ArchiveScan::default()
    };
    let mut root = tree.to_path_buf();
    root.extend(base);
    if !real_dir(tree, base) {
        return Ok(scan);
    }
    // breadth first, at most MAX_CARGO_DEPTH directories deep below the package's
    let mut dirs: Vec<(std::path::PathBuf, Vec<String>)> = vec![(root, Vec::new())];
    let mut seen = 0usize;
    while let Some((dir, rel)) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            seen += 1;
            if seen > 1_000_000 {
                return Err("the checkout has more than 1000000 entries".to_string());
            }
            let Ok(ft) = e.file_type() else { continue };
            let Some(name) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if ft.is_dir() && rel.len() < crate::cargo::MAX_CARGO_DEPTH && name != ".git" {
                let mut r = rel.clone();
                r.push(name);
                dirs.push((e.path(), r));
            } else if ft.is_file()
                && scan.cargo_tomls.len() + scan.cargo_locks.len()
                    < crate::cargo::MAX_CARGO_CANDIDATES
            {
                match name.as_str() {
                    "Cargo.toml" => scan.cargo_tomls.push(rel.join("/")),
                    "Cargo.lock" => scan.cargo_locks.push(rel.join("/")),
                    _ => {}
                }
            }
        }
    }
    scan.cargo_tomls.sort();
    scan.cargo_locks.sort();
    Ok(scan)
}

/// Reads the regular file `<top>/<rel>` of an archive, at most `max` bytes (`None` when
/// absent).
pub fn extract_member<R: Read + Seek>(
    archive: R,
    format: SdistFormat,
    top: &str,
    rel: &[&str],
    max: u64,
) -> Result<Option<Vec<u8>>, String> {
    let wanted = |path: &str| {
        member_components(path)
            .is_some_and(|c| c.len() == rel.len() + 1 && c[0] == top && c[1..] == *rel)
    };
    match format {
        SdistFormat::TarGz => {
            let gz = flate2::read::MultiGzDecoder::new(archive);
            let mut found = None;
            lock2nix_nar::archive::for_each_tar_entry(
                gz,
                lock2nix_nar::ArchiveOptions::default().max_header_bytes,
                |e| e.to_string(),
                |entry| -> Result<bool, String> {
                    if !entry.header().entry_type().is_file() {
                        return Ok(true);
                    }
                    let path = entry.path().map_err(|e| e.to_string())?;
                    let path = path.to_string_lossy().into_owned();
                    if !wanted(&path) {
                        return Ok(true);
                    }
                    found = Some(read_capped(entry, max, &path)?);
                    Ok(false)
                },
            )?;
            Ok(found)
        }
        SdistFormat::Zip => {
            let mut zip = zip::ZipArchive::new(archive).map_err(|e| e.to_string())?;
            let index = zip.file_names_raw().enumerate().find_map(|(i, raw)| {
                let name = String::from_utf8_lossy(raw);
                (!name.ends_with('/') && wanted(&name)).then_some(i)
            });
            let Some(i) = index else { return Ok(None) };
            let f = zip.by_index(i).map_err(|e| e.to_string())?;
            if zip_is_symlink(&f) {
                return Ok(None);
            }
            read_capped(f, max, &rel.join("/")).map(Some)
        }
    }
}

/// Where a Rust package's `Cargo.lock` is, from a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CargoLocation {
    /// Not a Rust package: no Rust backend, no `Cargo.toml`, no `manifest-path`.
    NotRust,
    /// The directory (relative to the package's, `""` for it) holding the `Cargo.lock`.
    Found(String),
    /// A Rust package without a usable `Cargo.lock`; why.
    Missing(String),
}

/// Finds the `Cargo.lock` of a package: the one next to `[tool.maturin] manifest-path`'s
/// `Cargo.toml` or in a directory above it; else next to (or above) the shallowest `Cargo.toml`
/// (`rust/` first among equals); else, for a Rust backend, one at the top or in `rust/`.
pub fn locate_cargo_lock(scan: &ArchiveScan, rust_backend: bool) -> CargoLocation {
    let manifest = scan
        .pyproject
        .as_deref()
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|d| {
            d.get("tool")?
                .get("maturin")?
                .get("manifest-path")?
                .as_str()
                .map(str::to_string)
        });
    let up_from = |dir: &str| -> Option<String> {
        let mut parts: Vec<&str> = components(dir);
        loop {
            let d = parts.join("/");
            if scan.cargo_locks.contains(&d) {
                return Some(d);
            }
            parts.pop()?;
        }
    };
    if let Some(m) = manifest {
        if m.starts_with(['/', '\\']) || components(&m).contains(&"..") {
            return CargoLocation::Missing(format!(
                "[tool.maturin] manifest-path {:?} leaves the package",
                clip(&m)
            ));
        }
        let c = components(&m);
        let dir = c[..c.len().saturating_sub(1)].join("/");
        return match up_from(&dir) {
            Some(d) => CargoLocation::Found(d),
            None => CargoLocation::Missing(format!(
                "no Cargo.lock next to the manifest-path {:?} or above it",
                clip(&m)
            )),
        };
    }
    if scan.cargo_tomls.is_empty() && !rust_backend {
        return CargoLocation::NotRust;
    }
    let mut tomls: Vec<&String> = scan.cargo_tomls.iter().collect();
    let depth = |d: &str| {
        if d.is_empty() {
            0
        } else {
            d.split('/').count()
        }
    };
    tomls.sort_by_key(|d| (depth(d), *d != "rust", (*d).clone()));
    for t in tomls {
        if let Some(d) = up_from(t) {
            return CargoLocation::Found(d);
        }
    }
    for d in ["", "rust"] {
        if scan.cargo_locks.iter().any(|l| l == d) {
            return CargoLocation::Found(d.to_string());
        }
    }
    CargoLocation::Missing(if scan.cargo_tomls.is_empty() {
        "a Rust build backend, and no Cargo.toml or Cargo.lock in the package".to_string()
    } else {
        format!(
            "no Cargo.lock next to {}/Cargo.toml or above it",
            scan.cargo_tomls[0]
        )
    })
}

/// The build system a `pyproject.toml` declares (PEP 517/518), or PEP 517's default.
///
/// * no file → default, [`BuildSystemSource::DefaultNoPyproject`]
/// * not UTF-8 / not TOML → default, [`BuildSystemSource::DefaultInvalidPyproject`]
/// * no `[build-system]` → default, [`BuildSystemSource::DefaultNoBuildSystem`]
/// * `[build-system]` without `build-backend` → `setuptools.build_meta:__legacy__` with the declared
///   `requires` (PEP 517); without `requires` → `setuptools>=40.8.0`.
///
/// Wrongly-typed `requires` / `build-backend` / `backend-path` values are errors.
pub fn build_system_from_pyproject(bytes: Option<&[u8]>) -> Result<BuildSystem, String> {
    let Some(bytes) = bytes else {
        return Ok(BuildSystem::pep517_default(
            BuildSystemSource::DefaultNoPyproject,
        ));
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(BuildSystem::pep517_default(
            BuildSystemSource::DefaultInvalidPyproject,
        ));
    };
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Ok(BuildSystem::pep517_default(
            BuildSystemSource::DefaultInvalidPyproject,
        ));
    };
    let Some(bs) = doc.get("build-system") else {
        return Ok(BuildSystem::pep517_default(
            BuildSystemSource::DefaultNoBuildSystem,
        ));
    };
    let bs = bs
        .as_table()
        .ok_or("pyproject.toml: `build-system` is not a table")?;
    let strings = |key: &str| -> Result<Option<Vec<String>>, String> {
        match bs.get(key) {
            None => Ok(None),
            Some(v) => {
                let arr = v.as_array().ok_or_else(|| {
                    format!("pyproject.toml: `build-system.{key}` is not an array")
                })?;
                arr.iter()
                    .map(|x| {
                        x.as_str().map(str::to_string).ok_or_else(|| {
                            format!("pyproject.toml: `build-system.{key}` has a non-string element")
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            }
        }
    };
    let requires = strings("requires")?
        .unwrap_or_else(|| vec![crate::sidecar::DEFAULT_BUILD_REQUIRES.to_string()]);
    // the overlay turns them into attribute names (and the sidecar reader checks them too)
    let reader = lock2nix_lock::RequirementReader::new(&lock2nix_lock::Limits::default());
    for r in &requires {
        reader.parse(r).map_err(|e| {
            format!(
                "pyproject.toml: `build-system.requires` entry {:?} is not a PEP 508 requirement: {e}",
                clip(r)
            )
        })?;
    }
    let backend_path = strings("backend-path")?;
    let backend = match bs.get("build-backend") {
        None => crate::sidecar::DEFAULT_BUILD_BACKEND.to_string(),
        Some(v) => v
            .as_str()
            .ok_or("pyproject.toml: `build-system.build-backend` is not a string")?
            .to_string(),
    };
    Ok(BuildSystem {
        backend,
        requires,
        backend_path,
        source: BuildSystemSource::Pyproject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(
            format_of_url("https://x/a-1.0.tar.gz"),
            Some(SdistFormat::TarGz)
        );
        assert_eq!(
            format_of_url("https://x/a-1.0.ZIP?x=1#f"),
            Some(SdistFormat::Zip)
        );
        assert_eq!(format_of_url("https://x/a-1.0.tar.bz2"), None);
    }

    #[test]
    fn members() {
        assert!(is_top_level_member(
            "a-1.0/pyproject.toml",
            &["pyproject.toml"]
        ));
        assert!(is_top_level_member(
            "./a-1.0/pyproject.toml",
            &["pyproject.toml"]
        ));
        assert!(!is_top_level_member(
            "a-1.0/sub/pyproject.toml",
            &["pyproject.toml"]
        ));
        assert!(!is_top_level_member("pyproject.toml", &["pyproject.toml"]));
    }

    #[test]
    fn build_systems() {
        let b = build_system_from_pyproject(Some(
            b"[build-system]\nrequires = [\"flit_core >=3.2,<4\"]\nbuild-backend = \"flit_core.buildapi\"\nbackend-path = [\".\"]\n",
        ))
        .unwrap();
        assert_eq!(b.backend, "flit_core.buildapi");
        assert_eq!(b.requires, vec!["flit_core >=3.2,<4"]);
        assert_eq!(b.backend_path, Some(vec![".".to_string()]));
        assert_eq!(b.source, BuildSystemSource::Pyproject);

        let b = build_system_from_pyproject(Some(
            b"[build-system]\nrequires = [\"setuptools\", \"wheel\"]\n",
        ))
        .unwrap();
        assert_eq!(b.backend, "setuptools.build_meta:__legacy__");
        assert_eq!(b.requires, vec!["setuptools", "wheel"]);

        let b = build_system_from_pyproject(Some(b"[tool.black]\nline-length = 1\n")).unwrap();
        assert_eq!(
            b,
            BuildSystem::pep517_default(BuildSystemSource::DefaultNoBuildSystem)
        );
        let b = build_system_from_pyproject(Some(b"[[[")).unwrap();
        assert_eq!(b.source, BuildSystemSource::DefaultInvalidPyproject);
        let b = build_system_from_pyproject(None).unwrap();
        assert_eq!(b.requires, vec!["setuptools>=40.8.0"]);
        assert!(build_system_from_pyproject(Some(b"[build-system]\nrequires = \"x\"\n")).is_err());
        // issue 19: a requirement that is not one became `python-final.""` in the overlay
        let e = build_system_from_pyproject(Some(b"[build-system]\nrequires = [\"\\\"bar\"]\n"))
            .unwrap_err();
        assert!(e.contains("not a PEP 508 requirement"), "{e}");
    }
}
