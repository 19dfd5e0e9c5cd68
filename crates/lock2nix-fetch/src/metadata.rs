//! Core metadata (`METADATA`, PEP 658 `.metadata`): RFC 822-style headers, and finding `METADATA` in a
//! wheel. Only the header section is kept ([`HeaderSink`]): the body (the long description) is
//! neither needed nor held, so a `.metadata` file or a `METADATA` of any size costs at most
//! [`MAX_HEADER_BYTES`] of memory.

use std::io::{Read, Seek, Write};

/// Most bytes of a core-metadata header section kept (real ones have a few KiB; an old-style
/// `Description:` header with continuation lines can have a few hundred).
pub const MAX_HEADER_BYTES: usize = 4 * 1024 * 1024;

/// Most bytes of a core-metadata file read at all (its body is hashed and dropped).
pub const MAX_METADATA_BYTES: u64 = 64 * 1024 * 1024;

/// A [`Write`] sink that keeps the header section of a core-metadata file (everything up to and
/// including the first blank line, as [`parse_core_metadata`] reads it) and drops the rest.
#[derive(Debug, Default)]
pub struct HeaderSink {
    kept: Vec<u8>,
    /// Where the line being read starts in `kept`.
    line_start: usize,
    /// The blank line was seen: the rest is dropped.
    done: bool,
    /// The header section is longer than [`MAX_HEADER_BYTES`].
    overflow: bool,
}

impl HeaderSink {
    /// The header section, or an error when it was longer than [`MAX_HEADER_BYTES`].
    pub fn into_headers(self) -> Result<Vec<u8>, String> {
        if self.overflow {
            Err(format!(
                "the header section is longer than {MAX_HEADER_BYTES} bytes"
            ))
        } else {
            Ok(self.kept)
        }
    }
}

impl Write for HeaderSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.done || self.overflow {
            return Ok(buf.len());
        }
        let mut rest = buf;
        while !rest.is_empty() {
            let (chunk, newline) = match memchr_newline(rest) {
                Some(i) => (&rest[..=i], true),
                None => (rest, false),
            };
            if self.kept.len() + chunk.len() > MAX_HEADER_BYTES {
                self.overflow = true;
                self.kept = Vec::new();
                return Ok(buf.len());
            }
            self.kept.extend_from_slice(chunk);
            rest = &rest[chunk.len()..];
            if newline {
                let line = &self.kept[self.line_start..];
                if String::from_utf8_lossy(line).trim().is_empty() {
                    self.done = true;
                    return Ok(buf.len());
                }
                self.line_start = self.kept.len();
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// A line of hostile input for a message: at most 120 characters, debug-quoted.
fn shown_line(line: &str) -> String {
    const MAX: usize = 120;
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}… ({} bytes)", &line[..cut], line.len()),
        None => format!("{line:?}"),
    }
}

/// Requirements read from core metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoreMetadata {
    /// `Requires-Dist` values, in file order.
    pub requires_dist: Vec<String>,
    /// The first `Requires-Python` value.
    pub requires_python: Option<String>,
    /// `Metadata-Version`.
    pub metadata_version: String,
    /// `Dynamic` values (metadata 2.2+), lower-cased.
    pub dynamic: Vec<String>,
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
                "line {}: not a `Name: value` header: {}",
                n + 1,
                shown_line(line)
            ));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let Some((_, version)) = headers.iter().find(|(n, _)| n == "metadata-version") else {
        return Err("no Metadata-Version header".to_string());
    };
    let mut out = CoreMetadata {
        metadata_version: version.clone(),
        ..CoreMetadata::default()
    };
    for (name, value) in headers {
        match name.as_str() {
            "requires-dist" => out.requires_dist.push(value),
            "requires-python" if out.requires_python.is_none() => out.requires_python = Some(value),
            "dynamic" => out.dynamic.push(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    Ok(out)
}

/// What an sdist's `PKG-INFO` header section says about the requirements of the wheels built
/// from it: PEP 643 makes `Requires-Dist` binding from metadata 2.2 on, unless it is listed in
/// `Dynamic`. Every requirement must be a PEP 508 requirement within the marker limits.
pub fn sdist_requires_dist(
    pkg_info: Option<&[u8]>,
) -> (crate::SdistMetadataSource, Option<Vec<String>>) {
    use crate::SdistMetadataSource as S;
    let Some(bytes) = pkg_info else {
        return (S::NoPkgInfo, None);
    };
    let Ok(meta) = parse_core_metadata(bytes) else {
        return (S::Invalid, None);
    };
    let at_least_2_2 = {
        let mut it = meta.metadata_version.trim().split('.');
        let major = it.next().and_then(|m| m.parse::<u32>().ok());
        let minor = it.next().map_or(Some(0), |m| m.parse::<u32>().ok());
        match (major, minor) {
            (Some(major), Some(minor)) => (major, minor) >= (2, 2),
            _ => return (S::Invalid, None),
        }
    };
    if !at_least_2_2 {
        return (S::Old, None);
    }
    if meta.dynamic.iter().any(|d| d == "requires-dist") {
        return (S::Dynamic, None);
    }
    let reader = lock2nix_lock::RequirementReader::new(&lock2nix_lock::Limits::default());
    if meta.requires_dist.iter().any(|r| reader.parse(r).is_err()) {
        return (S::Invalid, None);
    }
    (S::PkgInfo, Some(meta.requires_dist))
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

/// Reads the header section of `<name>-<version>.dist-info/METADATA` from a wheel (see
/// [`HeaderSink`]). When several top-level `.dist-info` directories exist, the one whose name
/// part matches `package` is used.
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
    let mut sink = HeaderSink::default();
    std::io::copy(&mut file.take(MAX_METADATA_BYTES), &mut sink).map_err(|e| e.to_string())?;
    sink.into_headers()
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
    fn header_sink_keeps_the_headers_only() {
        let text = b"Metadata-Version: 2.1\r\nName: foo\r\nRequires-Dist: a\r\n  ; b\r\n\r\nbody\nRequires-Dist: x\n";
        // any split of the input gives the same headers
        for chunk in [1, 2, 3, 7, 100] {
            let mut sink = HeaderSink::default();
            for part in text.chunks(chunk) {
                sink.write_all(part).unwrap();
            }
            let kept = sink.into_headers().unwrap();
            let end = text.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            assert_eq!(kept, &text[..end], "{chunk}");
            assert_eq!(
                parse_core_metadata(&kept).unwrap(),
                parse_core_metadata(text).unwrap()
            );
        }
        let mut sink = HeaderSink::default();
        sink.write_all(&vec![b'x'; MAX_HEADER_BYTES + 1]).unwrap();
        assert!(sink.into_headers().is_err());
        // a huge body costs nothing
        let mut sink = HeaderSink::default();
        sink.write_all(b"Metadata-Version: 2.1\n\n").unwrap();
        for _ in 0..100 {
            sink.write_all(&[b'y'; 1 << 20]).unwrap();
        }
        assert_eq!(sink.into_headers().unwrap().len(), 23);
    }

    #[test]
    fn bad_lines_are_shortened() {
        let mut text = b"Metadata-Version: 2.1\n".to_vec();
        text.extend(std::iter::repeat_n(b'z', 20 << 20));
        let e = parse_core_metadata(&text).unwrap_err();
        assert!(e.len() < 300, "{}", e.len());
        assert!(e.contains("20971520 bytes"), "{e}");
    }

    #[test]
    fn sdist_requirements_follow_pep_643() {
        use crate::SdistMetadataSource as S;
        let static22 = b"Metadata-Version: 2.2\nName: a\nVersion: 1\nRequires-Dist: b>=1\nRequires-Dist: c ; extra == 'x'\n\nbody\n";
        assert_eq!(
            sdist_requires_dist(Some(static22)),
            (
                S::PkgInfo,
                Some(vec!["b>=1".into(), "c ; extra == 'x'".into()])
            )
        );
        let none = b"Metadata-Version: 2.4\nName: a\nVersion: 1\n";
        assert_eq!(sdist_requires_dist(Some(none)), (S::PkgInfo, Some(vec![])));
        let dynamic = b"Metadata-Version: 2.2\nName: a\nDynamic: Requires-Dist\nRequires-Dist: b\n";
        assert_eq!(sdist_requires_dist(Some(dynamic)), (S::Dynamic, None));
        let old = b"Metadata-Version: 2.1\nName: a\nRequires-Dist: b\n";
        assert_eq!(sdist_requires_dist(Some(old)), (S::Old, None));
        let ten = b"Metadata-Version: 2.10\nName: a\n";
        assert_eq!(sdist_requires_dist(Some(ten)).0, S::PkgInfo);
        assert_eq!(sdist_requires_dist(None), (S::NoPkgInfo, None));
        for bad in [
            &b"<html>"[..],
            b"Metadata-Version: two\n",
            b"Metadata-Version: 2.2\nRequires-Dist: \"bar\n",
        ] {
            assert_eq!(
                sdist_requires_dist(Some(bad)),
                (S::Invalid, None),
                "{bad:?}"
            );
        }
        // a marker far over the limits is refused quickly, not parsed quadratically
        let mut huge = b"Metadata-Version: 2.2\nRequires-Dist: b ; ".to_vec();
        for i in 0..50_000 {
            huge.extend_from_slice(format!("python_version == '3.{i}' or ").as_bytes());
        }
        huge.extend_from_slice(b"os_name == 'x'\n");
        let t = std::time::Instant::now();
        assert_eq!(sdist_requires_dist(Some(&huge)), (S::Invalid, None));
        assert!(t.elapsed().as_secs() < 10);
    }

    #[test]
    fn normalizes() {
        assert_eq!(normalize("Foo_Bar.baz"), "foo-bar-baz");
        assert_eq!(normalize("foo__bar"), "foo-bar");
    }
}
