//! NAR hashes of archives (tar, tar.gz, tar.bz2, tar.xz, zip) computed from
//! the byte stream, without unpacking to disk, with `fetchzip`'s `stripRoot`.
//!
//! # What is modelled
//!
//! The result is the NAR hash of the tree that nixpkgs' `fetchzip` (and so
//! `fetchFromGitHub`, `fetchFromGitLab`, …) leaves in `$out`: the archive is
//! unpacked by `unpackFile` (GNU tar / unzip, run as an unprivileged build
//! user), then with `stripRoot = true`:
//!
//! * the unpack directory must hold **exactly one** entry (dot-files count,
//!   as `ls -A` is used); zero or several entries → [`NarError::StripRootNotSingle`];
//! * that entry is a **directory** → it becomes the result (its name is dropped);
//! * that entry is a **regular file** → the result is a directory holding that
//!   one file under its own name (fetchzip does `mkdir $out; mv file $out`);
//! * that entry is a **symlink** → [`NarError::StripRootSymlink`]: fetchzip would
//!   move the bare link to `$out` and its final `chmod 755 $out` then fails
//!   (the link dangles after the move) or refuses; no hash can come out of it;
//! * a single name containing a newline counts as several (`ls -A | wc -l`).
//!
//! With `stripRoot = false` the whole unpack directory is the result (it may
//! be empty).
//!
//! # How entries become a tree
//!
//! * Paths are split on `/`; empty and `.` components are dropped (so
//!   `./a//b` is `a/b` and a leading `/` is stripped, as GNU tar does); a `..`
//!   component is refused ([`NarError::UnsafePath`]).
//! * Parent directories implied by a path are created; an explicit directory
//!   entry for an existing directory keeps its contents.
//! * Later entries for the same path replace earlier ones ("last wins", as an
//!   unpacker overwriting files); a path whose ancestor is a file or symlink is
//!   refused ([`NarError::NotADirectory`]), as extraction would fail there.
//! * Executable = owner-execute bit (`mode & 0o100`) of the tar header or of
//!   the zip entry's unix mode (high 16 bits of the external attributes); zip
//!   entries without unix attributes (DOS/Windows) are not executable.
//! * Tar: GNU long names/links and PAX `path`/`linkpath` records are honoured;
//!   the `pax_global_header` (type `g`, GitHub puts the commit id there) and
//!   GNU volume headers are not files and are skipped; hard links copy the
//!   current content and mode of an earlier entry; a regular entry whose name
//!   ends in `/` is a directory (old tar); devices and FIFOs are refused.
//!   GNU sparse files are expanded (old GNU headers, and PAX sparse format
//!   1.0, GNU tar's default for `--format=pax -S`; the older PAX sparse
//!   formats 0.0/0.1 are refused with [`NarError::UnsupportedEntry`]).
//! * The decompressed stream is read to its end after the tar end marker, so
//!   a truncated or corrupt `.gz`/`.bz2`/`.xz` is an error, as it is for
//!   `tar` piping from the decompressor.
//! * Zip: names ending in `/` are directories; unix mode `S_IFLNK` marks a
//!   symlink whose data is the target; names are taken as raw bytes (no
//!   CP437 transcoding); only stored and deflated entries are supported.
//!
//! # Memory
//!
//! NAR needs entries in sorted order while archives are in any order, so file
//! contents are buffered, one `Vec` per file. [`ArchiveOptions::max_total_bytes`]
//! (default 2 GiB) bounds the sum of all buffered contents (hard-link copies
//! count again); zip needs random access, so a zip's compressed bytes are
//! buffered as well and count against the same limit.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use crate::error::{lossy, NarError};
use crate::hash::NarHash;
use crate::nar::{hash_tree, validate_symlink_target, Tree};

/// Archive container/compression formats understood by [`hash_archive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArchiveKind {
    /// Uncompressed tar.
    Tar,
    /// gzip-compressed tar (`.tar.gz`, `.tgz`); concatenated gzip members are read.
    TarGz,
    /// bzip2-compressed tar (`.tar.bz2`, `.tbz2`, `.tbz`).
    TarBz2,
    /// xz-compressed tar (`.tar.xz`, `.txz`).
    TarXz,
    /// zip (stored or deflated entries).
    Zip,
}

impl ArchiveKind {
    /// Guesses the kind from a file name or URL path by its extension
    /// (case-insensitive; a `?query` or `#fragment` is ignored).
    pub fn from_file_name(name: &str) -> Option<Self> {
        let name = name.split(['?', '#']).next().unwrap_or(name);
        let lower = name.to_ascii_lowercase();
        const TABLE: &[(&str, ArchiveKind)] = &[
            (".tar.gz", ArchiveKind::TarGz),
            (".tgz", ArchiveKind::TarGz),
            (".tar.bz2", ArchiveKind::TarBz2),
            (".tbz2", ArchiveKind::TarBz2),
            (".tbz", ArchiveKind::TarBz2),
            (".tar.xz", ArchiveKind::TarXz),
            (".txz", ArchiveKind::TarXz),
            (".tar", ArchiveKind::Tar),
            (".zip", ArchiveKind::Zip),
        ];
        TABLE
            .iter()
            .find(|(ext, _)| lower.ends_with(ext))
            .map(|&(_, kind)| kind)
    }

    /// Short name for messages (`tar.gz`, `zip`, …).
    pub fn label(self) -> &'static str {
        match self {
            ArchiveKind::Tar => "tar",
            ArchiveKind::TarGz => "tar.gz",
            ArchiveKind::TarBz2 => "tar.bz2",
            ArchiveKind::TarXz => "tar.xz",
            ArchiveKind::Zip => "zip",
        }
    }
}

/// Whether to strip the single top-level directory like `fetchzip`'s
/// `stripRoot` (see the [module docs](self) for the exact rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StripRoot {
    /// `stripRoot = true` (fetchzip's and fetchFromGitHub's default).
    Yes,
    /// `stripRoot = false`: the unpacked top level is the result.
    No,
}

/// Resource limits for archive hashing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveOptions {
    /// Maximum total bytes of buffered file contents (plus, for zip, the
    /// compressed archive itself). Default 2 GiB.
    pub max_total_bytes: u64,
    /// Maximum number of archive entries. Default 1,000,000.
    pub max_entries: u64,
    /// Maximum path depth in components. Default 2,048 (a Linux path is at
    /// most 4,096 bytes, so an unpacker cannot go deeper).
    pub max_depth: usize,
    /// Memory limit for the xz decoder's dictionary, in KiB. Default 1 GiB.
    pub xz_mem_limit_kib: u32,
}

impl Default for ArchiveOptions {
    fn default() -> Self {
        ArchiveOptions {
            max_total_bytes: 2 << 30,
            max_entries: 1_000_000,
            max_depth: 2048,
            xz_mem_limit_kib: 1 << 20,
        }
    }
}

/// NAR hash of the tree `fetchzip` would produce from the archive in
/// `reader`, with default [`ArchiveOptions`].
pub fn hash_archive<R: Read>(
    reader: R,
    kind: ArchiveKind,
    strip: StripRoot,
) -> Result<NarHash, NarError> {
    hash_archive_with(reader, kind, strip, &ArchiveOptions::default())
}

/// [`hash_archive`] with explicit limits.
pub fn hash_archive_with<R: Read>(
    reader: R,
    kind: ArchiveKind,
    strip: StripRoot,
    options: &ArchiveOptions,
) -> Result<NarHash, NarError> {
    let tree = archive_to_tree(reader, kind, strip, options)?;
    let hash = hash_tree(&tree);
    drop_tree(tree);
    hash
}

/// The in-memory tree `fetchzip` would produce from the archive (the input of
/// [`hash_archive`]); useful for inspection and tests.
pub fn archive_to_tree<R: Read>(
    reader: R,
    kind: ArchiveKind,
    strip: StripRoot,
    options: &ArchiveOptions,
) -> Result<Tree, NarError> {
    let mut b = Builder::new(options, kind);
    match kind {
        ArchiveKind::Tar => read_tar(reader, &mut b)?,
        ArchiveKind::TarGz => read_tar(flate2::read::MultiGzDecoder::new(reader), &mut b)?,
        ArchiveKind::TarBz2 => read_tar(bzip2::read::MultiBzDecoder::new(reader), &mut b)?,
        ArchiveKind::TarXz => read_tar(
            lzma_rust2::XzReader::new_mem_limit(reader, true, options.xz_mem_limit_kib),
            &mut b,
        )?,
        ArchiveKind::Zip => read_zip(reader, &mut b)?,
    }
    let root = std::mem::take(&mut b.root);
    match strip {
        StripRoot::No => Ok(Tree::Directory(root)),
        StripRoot::Yes => strip_root(root),
    }
}

/// Tears a tree down without deep recursion (the derived drop of a very deep
/// `Tree` would recurse once per level).
fn drop_tree(tree: Tree) {
    let mut stack = vec![tree];
    while let Some(node) = stack.pop() {
        if let Tree::Directory(entries) = node {
            stack.extend(entries.into_values());
        }
    }
}

fn strip_root(mut root: BTreeMap<Vec<u8>, Tree>) -> Result<Tree, NarError> {
    let newline_lines: usize = root
        .keys()
        .map(|k| 1 + k.iter().filter(|&&b| b == b'\n').count())
        .sum();
    if root.len() != 1 || newline_lines != 1 {
        let names: Vec<String> = root.keys().take(5).map(|k| lossy(k)).collect();
        let mut names = names.join(", ");
        if root.len() > 5 {
            names.push_str(", …");
        }
        if root.is_empty() {
            names.push_str("none");
        }
        return Err(NarError::StripRootNotSingle {
            count: newline_lines,
            names,
        });
    }
    let Some((name, node)) = root.pop_first() else {
        return Err(NarError::StripRootNotSingle {
            count: 0,
            names: "none".into(),
        });
    };
    match node {
        Tree::Directory(_) => Ok(node),
        Tree::File { .. } => Ok(Tree::Directory(BTreeMap::from([(name, node)]))),
        Tree::Symlink { .. } => Err(NarError::StripRootSymlink { name: lossy(&name) }),
    }
}

/// Accumulates archive entries into a directory tree.
struct Builder<'o> {
    root: BTreeMap<Vec<u8>, Tree>,
    options: &'o ArchiveOptions,
    kind: ArchiveKind,
    total_bytes: u64,
    entries: u64,
}

impl Drop for Builder<'_> {
    fn drop(&mut self) {
        drop_tree(Tree::Directory(std::mem::take(&mut self.root)));
    }
}

impl<'o> Builder<'o> {
    fn new(options: &'o ArchiveOptions, kind: ArchiveKind) -> Self {
        Builder {
            root: BTreeMap::new(),
            options,
            kind,
            total_bytes: 0,
            entries: 0,
        }
    }

    fn count_entry(&mut self) -> Result<(), NarError> {
        self.entries += 1;
        if self.entries > self.options.max_entries {
            return Err(NarError::EntryLimit {
                limit: self.options.max_entries,
            });
        }
        Ok(())
    }

    /// Reserves `n` bytes of the content budget.
    fn reserve(&mut self, n: u64) -> Result<(), NarError> {
        match self.total_bytes.checked_add(n) {
            Some(t) if t <= self.options.max_total_bytes => {
                self.total_bytes = t;
                Ok(())
            }
            _ => Err(NarError::SizeLimit {
                limit: self.options.max_total_bytes,
            }),
        }
    }

    /// Reads an entry's contents (declared `size` bytes) within the budget.
    fn read_contents(&mut self, r: &mut impl Read, size: u64) -> Result<Vec<u8>, NarError> {
        self.reserve(size)?;
        let mut buf = Vec::with_capacity(usize::try_from(size.min(64 << 20)).unwrap_or(0));
        let got = r
            .take(size)
            .read_to_end(&mut buf)
            .map_err(|e| self.archive_err(e))?;
        if got as u64 != size {
            return Err(self.archive_err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("entry data is truncated ({got} of {size} bytes)"),
            )));
        }
        Ok(buf)
    }

    fn archive_err(&self, source: std::io::Error) -> NarError {
        NarError::Archive {
            kind: self.kind.label(),
            source,
        }
    }

    /// Splits a raw archive path into components (see module docs).
    fn components(&self, raw: &[u8]) -> Result<Vec<Vec<u8>>, NarError> {
        let mut out = Vec::new();
        for c in raw.split(|&b| b == b'/') {
            match c {
                b"" | b"." => {}
                b".." => {
                    return Err(NarError::UnsafePath {
                        path: lossy(raw),
                        reason: "contains a `..` component",
                    })
                }
                _ if c.contains(&0) => {
                    return Err(NarError::UnsafePath {
                        path: lossy(raw),
                        reason: "contains a NUL byte",
                    })
                }
                _ => out.push(c.to_vec()),
            }
        }
        if out.len() > self.options.max_depth {
            return Err(NarError::TooDeep {
                path: lossy(raw),
                limit: self.options.max_depth,
            });
        }
        Ok(out)
    }

    /// The directory that holds `comps`' last component, creating implied parents.
    fn parent_dir(
        &mut self,
        raw: &[u8],
        comps: &[Vec<u8>],
    ) -> Result<&mut BTreeMap<Vec<u8>, Tree>, NarError> {
        let mut cur = &mut self.root;
        let parents = comps.split_last().map(|(_, p)| p).unwrap_or(&[]);
        for (depth, c) in parents.iter().enumerate() {
            let node = cur.entry(c.clone()).or_insert_with(Tree::empty_dir);
            cur = match node {
                Tree::Directory(m) => m,
                Tree::File { .. } | Tree::Symlink { .. } => {
                    let found = if matches!(node, Tree::File { .. }) {
                        "file"
                    } else {
                        "symlink"
                    };
                    return Err(NarError::NotADirectory {
                        path: lossy(raw),
                        parent: lossy(&comps[..=depth].join(&b'/')),
                        found,
                    });
                }
            };
        }
        Ok(cur)
    }

    fn add_dir(&mut self, raw: &[u8]) -> Result<(), NarError> {
        let comps = self.components(raw)?;
        let Some(last) = comps.last().cloned() else {
            return Ok(()); // "./" — the unpack directory itself
        };
        let dir = self.parent_dir(raw, &comps)?;
        match dir.get(&last) {
            Some(Tree::Directory(_)) => {}
            _ => {
                if let Some(old) = dir.insert(last, Tree::empty_dir()) {
                    drop_tree(old);
                }
            }
        }
        Ok(())
    }

    fn add_leaf(&mut self, raw: &[u8], node: Tree) -> Result<(), NarError> {
        let comps = self.components(raw)?;
        let Some(last) = comps.last().cloned() else {
            return Err(NarError::UnsafePath {
                path: lossy(raw),
                reason: "a file or link entry needs a name",
            });
        };
        let dir = self.parent_dir(raw, &comps)?;
        if let Some(old) = dir.insert(last, node) {
            drop_tree(old);
        }
        Ok(())
    }

    fn lookup(&self, comps: &[Vec<u8>]) -> Option<&Tree> {
        let (last, parents) = comps.split_last()?;
        let mut cur = &self.root;
        for c in parents {
            match cur.get(c)? {
                Tree::Directory(m) => cur = m,
                _ => return None,
            }
        }
        cur.get(last)
    }

    fn add_hard_link(&mut self, raw: &[u8], target_raw: &[u8]) -> Result<(), NarError> {
        let target = self.components(target_raw)?;
        let node = match self.lookup(&target) {
            Some(t @ (Tree::File { .. } | Tree::Symlink { .. })) => t.clone(),
            Some(Tree::Directory(_)) => {
                return Err(NarError::UnsupportedEntry {
                    path: lossy(raw),
                    kind: format!("hard link to directory {:?}", lossy(target_raw)),
                })
            }
            None => {
                return Err(NarError::HardLinkTargetMissing {
                    path: lossy(raw),
                    target: lossy(target_raw),
                })
            }
        };
        if let Tree::File { contents, .. } = &node {
            self.reserve(contents.len() as u64)?;
        }
        self.add_leaf(raw, node)
    }
}

fn read_tar<R: Read>(reader: R, b: &mut Builder<'_>) -> Result<(), NarError> {
    use tar::EntryType;
    let mut archive = tar::Archive::new(reader);
    let entries = archive.entries().map_err(|e| b.archive_err(e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| b.archive_err(e))?;
        b.count_entry()?;
        let header = entry.header();
        let ty = header.entry_type();
        let path = entry.path_bytes().into_owned();
        match ty {
            EntryType::XGlobalHeader | EntryType::XHeader => continue,
            EntryType::GNULongName | EntryType::GNULongLink => continue,
            _ if ty.as_byte() == b'V' => continue, // GNU volume label
            EntryType::Directory => b.add_dir(&path)?,
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                if ty == EntryType::Regular && path.ends_with(b"/") {
                    b.add_dir(&path)?;
                    continue;
                }
                let mode = header.mode().map_err(|e| b.archive_err(e))?;
                let size = entry.size();
                let sparse = pax_sparse_info(&mut entry).map_err(|e| b.archive_err(e))?;
                let (path, contents) = match sparse {
                    None => (path, b.read_contents(&mut entry, size)?),
                    Some(info) => {
                        let raw = b.read_contents(&mut entry, size)?;
                        let path = info.name.clone().unwrap_or(path);
                        let contents = expand_pax_sparse_1_0(b, &path, &info, &raw)?;
                        (path, contents)
                    }
                };
                b.add_leaf(
                    &path,
                    Tree::File {
                        executable: mode & 0o100 != 0,
                        contents,
                    },
                )?;
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                if let Err(e) = validate_symlink_target(&target) {
                    return Err(NarError::UnsupportedEntry {
                        path: lossy(&path),
                        kind: format!("symlink: {e}"),
                    });
                }
                b.add_leaf(&path, Tree::Symlink { target })?;
            }
            EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                b.add_hard_link(&path, &target)?;
            }
            other => {
                let kind = match other {
                    EntryType::Char => "character device".to_owned(),
                    EntryType::Block => "block device".to_owned(),
                    EntryType::Fifo => "FIFO".to_owned(),
                    o => format!("tar type flag {:?}", o.as_byte() as char),
                };
                return Err(NarError::UnsupportedEntry {
                    path: lossy(&path),
                    kind,
                });
            }
        }
    }
    // Read the stream to its end, as `tar` piping from `gzip -d` does: this
    // checks the compressor's trailer (CRC, size), so a truncated or corrupt
    // download is an error even when the tar end marker came before the damage.
    let limit = b.options.max_total_bytes;
    let drained = std::io::copy(
        &mut archive.into_inner().take(limit.saturating_add(1)),
        &mut std::io::sink(),
    )
    .map_err(|e| b.archive_err(e))?;
    if drained > limit {
        return Err(NarError::SizeLimit { limit });
    }
    Ok(())
}

/// GNU tar's sparse-file records carried in PAX headers (`GNU.sparse.*`).
struct PaxSparse {
    major: Option<u64>,
    minor: Option<u64>,
    name: Option<Vec<u8>>,
    realsize: Option<u64>,
}

fn pax_sparse_info<R: Read>(entry: &mut tar::Entry<'_, R>) -> std::io::Result<Option<PaxSparse>> {
    let Some(exts) = entry.pax_extensions()? else {
        return Ok(None);
    };
    let mut info = PaxSparse {
        major: None,
        minor: None,
        name: None,
        realsize: None,
    };
    let mut any = false;
    for ext in exts {
        let ext = ext?;
        let key = ext.key_bytes();
        let Some(sub) = key.strip_prefix(b"GNU.sparse.") else {
            continue;
        };
        any = true;
        let num = || {
            std::str::from_utf8(ext.value_bytes())
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        match sub {
            b"major" => info.major = num(),
            b"minor" => info.minor = num(),
            b"name" => info.name = Some(ext.value_bytes().to_vec()),
            b"realsize" => info.realsize = num(),
            _ => {}
        }
    }
    Ok(any.then_some(info))
}

/// Rebuilds a file stored in GNU's PAX sparse format 1.0: the data starts
/// with a decimal map (`count`, then `offset`/`size` pairs, one per line,
/// padded to 512 bytes), followed by the data of each chunk in order.
fn expand_pax_sparse_1_0(
    b: &mut Builder<'_>,
    path: &[u8],
    info: &PaxSparse,
    raw: &[u8],
) -> Result<Vec<u8>, NarError> {
    let unsupported = |why: &str| NarError::UnsupportedEntry {
        path: lossy(path),
        kind: format!("GNU sparse file in PAX format: {why}"),
    };
    if (info.major, info.minor) != (Some(1), Some(0)) {
        return Err(unsupported(
            "only sparse format 1.0 (GNU tar's default) is supported",
        ));
    }
    let realsize = info
        .realsize
        .ok_or_else(|| unsupported("missing GNU.sparse.realsize"))?;
    let mut pos = 0usize;
    let mut next_number = || -> Option<u64> {
        let rest = raw.get(pos..)?;
        let nl = rest.iter().position(|&c| c == b'\n')?;
        let v = std::str::from_utf8(&rest[..nl]).ok()?.parse::<u64>().ok()?;
        pos += nl + 1;
        Some(v)
    };
    let count = next_number().ok_or_else(|| unsupported("bad sparse map"))?;
    let mut chunks = Vec::new();
    for _ in 0..count {
        let off = next_number().ok_or_else(|| unsupported("bad sparse map"))?;
        let len = next_number().ok_or_else(|| unsupported("bad sparse map"))?;
        chunks.push((off, len));
    }
    let data_start = pos.div_ceil(512) * 512;
    b.reserve(realsize)?;
    let mut out = vec![0u8; usize::try_from(realsize).map_err(|_| unsupported("too large"))?];
    let mut src = data_start;
    for (off, len) in chunks {
        let (Ok(off), Ok(len)) = (usize::try_from(off), usize::try_from(len)) else {
            return Err(unsupported("chunk out of range"));
        };
        let dst = off
            .checked_add(len)
            .and_then(|end| out.get_mut(off..end))
            .ok_or_else(|| unsupported("chunk beyond the real size"))?;
        let from = src
            .checked_add(len)
            .and_then(|end| raw.get(src..end))
            .ok_or_else(|| unsupported("chunk data truncated"))?;
        dst.copy_from_slice(from);
        src += len;
    }
    Ok(out)
}

fn read_zip<R: Read>(reader: R, b: &mut Builder<'_>) -> Result<(), NarError> {
    const S_IFMT: u32 = 0o170000;
    const S_IFLNK: u32 = 0o120000;
    const S_IFDIR: u32 = 0o040000;
    let limit = b.options.max_total_bytes;
    let mut data = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| b.archive_err(e))?;
    b.reserve(data.len() as u64)?;
    let zip_err = |e: zip::result::ZipError| NarError::Zip(e.to_string());
    let mut za = zip::ZipArchive::new(Cursor::new(data)).map_err(zip_err)?;
    for i in 0..za.len() {
        b.count_entry()?;
        let mut f = za.by_index(i).map_err(zip_err)?;
        let name = f.name_raw().to_vec();
        let mode = f.unix_mode();
        let file_type = mode.map(|m| m & S_IFMT);
        if name.ends_with(b"/") || file_type == Some(S_IFDIR) {
            b.add_dir(&name)?;
            continue;
        }
        let size = f.size();
        let contents = b.read_contents(&mut f, size)?;
        if file_type == Some(S_IFLNK) {
            if let Err(e) = validate_symlink_target(&contents) {
                return Err(NarError::UnsupportedEntry {
                    path: lossy(&name),
                    kind: format!("symlink: {e}"),
                });
            }
            b.add_leaf(&name, Tree::Symlink { target: contents })?;
        } else {
            let executable = mode.is_some_and(|m| m & 0o100 != 0);
            b.add_leaf(
                &name,
                Tree::File {
                    executable,
                    contents,
                },
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_from_name() {
        assert_eq!(
            ArchiveKind::from_file_name("x-1.0.tar.gz"),
            Some(ArchiveKind::TarGz)
        );
        assert_eq!(
            ArchiveKind::from_file_name("https://h/a/b.TGZ?x=1"),
            Some(ArchiveKind::TarGz)
        );
        assert_eq!(
            ArchiveKind::from_file_name("a.tar.bz2"),
            Some(ArchiveKind::TarBz2)
        );
        assert_eq!(
            ArchiveKind::from_file_name("a.tar.xz"),
            Some(ArchiveKind::TarXz)
        );
        assert_eq!(ArchiveKind::from_file_name("a.tar"), Some(ArchiveKind::Tar));
        assert_eq!(ArchiveKind::from_file_name("a.zip"), Some(ArchiveKind::Zip));
        assert_eq!(ArchiveKind::from_file_name("a.whl"), None);
        assert_eq!(ArchiveKind::from_file_name("a.gz"), None);
    }

    #[test]
    fn strip_rules() {
        let one_dir = BTreeMap::from([(b"r".to_vec(), Tree::dir([("a", Tree::file("x"))]))]);
        assert_eq!(
            strip_root(one_dir).unwrap(),
            Tree::dir([("a", Tree::file("x"))])
        );
        let one_file = BTreeMap::from([(b"f".to_vec(), Tree::executable("x"))]);
        assert_eq!(
            strip_root(one_file).unwrap(),
            Tree::dir([("f", Tree::executable("x"))])
        );
        assert!(matches!(
            strip_root(BTreeMap::new()),
            Err(NarError::StripRootNotSingle { count: 0, .. })
        ));
        let two = BTreeMap::from([
            (b"a".to_vec(), Tree::empty_dir()),
            (b".b".to_vec(), Tree::empty_dir()),
        ]);
        assert!(matches!(
            strip_root(two),
            Err(NarError::StripRootNotSingle { count: 2, .. })
        ));
        let nl = BTreeMap::from([(b"a\nb".to_vec(), Tree::empty_dir())]);
        assert!(matches!(
            strip_root(nl),
            Err(NarError::StripRootNotSingle { count: 2, .. })
        ));
        let link = BTreeMap::from([(b"l".to_vec(), Tree::symlink("x"))]);
        assert!(matches!(
            strip_root(link),
            Err(NarError::StripRootSymlink { .. })
        ));
    }
}
