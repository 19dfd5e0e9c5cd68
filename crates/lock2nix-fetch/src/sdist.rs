//! Reading `[build-system]` from an sdist (tar.gz or zip).

use std::io::{Read, Seek};

use crate::sidecar::{BuildSystem, BuildSystemSource};

/// Largest `pyproject.toml` read from an archive.
const MAX_PYPROJECT_BYTES: u64 = 4 * 1024 * 1024;

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
