//! Core metadata (`METADATA`, PEP 658 `.metadata`): RFC 822-style headers, and finding `METADATA` in a
//! wheel.

use std::io::{Read, Seek};

/// Requirements read from core metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoreMetadata {
    /// `Requires-Dist` values, in file order.
    pub requires_dist: Vec<String>,
    /// The first `Requires-Python` value.
    pub requires_python: Option<String>,
}

/// Parses the header section of a core-metadata file (everything before the first empty line).
/// Header names are case-insensitive; continuation lines (starting with space or tab) are joined to
/// the previous value with a single space. Lines that are neither headers nor continuations are errors.
pub fn parse_core_metadata(bytes: &[u8]) -> Result<CoreMetadata, String> {
    let text = String::from_utf8_lossy(bytes);
    let mut headers: Vec<(String, String)> = Vec::new();
    for (n, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            break; // end of headers; the body (description) follows
        }
        if line.starts_with([' ', '\t']) {
            match headers.last_mut() {
                Some((_, value)) => {
                    let cont = line.trim();
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(cont);
                }
                None => {
                    return Err(format!(
                        "line {}: continuation line before any header",
                        n + 1
                    ))
                }
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!(
                "line {}: not a `Name: value` header: {line:?}",
                n + 1
            ));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    if !headers.iter().any(|(n, _)| n == "metadata-version") {
        return Err("no Metadata-Version header".to_string());
    }
    let mut out = CoreMetadata::default();
    for (name, value) in headers {
        match name.as_str() {
            "requires-dist" => out.requires_dist.push(value),
            "requires-python" if out.requires_python.is_none() => out.requires_python = Some(value),
            _ => {}
        }
    }
    Ok(out)
}

/// Normalised project name (PEP 503), used to pick the right `.dist-info` directory.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Reads `<name>-<version>.dist-info/METADATA` from a wheel. When several top-level `.dist-info`
/// directories exist, the one whose name part matches `package` is used.
pub fn read_wheel_metadata<R: Read + Seek>(wheel: R, package: &str) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(wheel).map_err(|e| format!("not a zip file: {e}"))?;
    let mut candidates: Vec<(usize, String)> = Vec::new();
    for (i, raw) in zip.file_names_raw().enumerate() {
        let name = String::from_utf8_lossy(raw);
        let mut parts = name.split('/');
        if let (Some(dir), Some("METADATA"), None) = (parts.next(), parts.next(), parts.next()) {
            if let Some(stem) = dir.strip_suffix(".dist-info") {
                candidates.push((i, stem.to_string()));
            }
        }
    }
    let want = normalize(package);
    let chosen = match candidates.len() {
        0 => return Err("no *.dist-info/METADATA in the wheel".to_string()),
        1 => candidates[0].0,
        _ => candidates
            .iter()
            .find(|(_, stem)| normalize(stem.split('-').next().unwrap_or(stem)) == want)
            .map(|(i, _)| *i)
            .ok_or_else(|| {
                format!(
                    "several .dist-info directories and none is for {package}: {}",
                    candidates
                        .iter()
                        .map(|(_, s)| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?,
    };
    let file = zip.by_index(chosen).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    file.take(64 * 1024 * 1024)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_with_continuations_and_body() {
        let text = b"Metadata-Version: 2.1\r\nName: foo\r\nRequires-Python: >=3.8\r\nrequires-dist: bar (>=1.0)\r\nRequires-Dist: baz[x] ;\r\n  extra == \"test\"\r\nSummary: a\r\n\tcontinued\r\n\r\nRequires-Dist: not-a-header-in-body\r\n";
        let m = parse_core_metadata(text).unwrap();
        assert_eq!(
            m.requires_dist,
            vec!["bar (>=1.0)", "baz[x] ; extra == \"test\""]
        );
        assert_eq!(m.requires_python.as_deref(), Some(">=3.8"));
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_core_metadata(b"<html>not found</html>").is_err());
        assert!(parse_core_metadata(b" leading continuation\n").is_err());
        assert!(parse_core_metadata(b"Name: x\n").is_err());
    }

    #[test]
    fn normalizes() {
        assert_eq!(normalize("Foo_Bar.baz"), "foo-bar-baz");
        assert_eq!(normalize("foo__bar"), "foo-bar");
    }
}
