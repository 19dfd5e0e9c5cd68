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
//! # Memory and limits
//!
//! NAR needs entries in sorted order while archives are in any order, so
//! file contents cannot go straight from the stream into the hash. They go to
//! one anonymous temporary file (the *spool*, in `$TMPDIR`), and only the
//! tree's shape (names, modes, symlink targets, and where each file's bytes
//! are in the spool) stays in memory; the NAR is then streamed into the hash
//! in sorted order, each file read back from the spool through a fixed buffer.
//! [`ArchiveOptions::max_total_bytes`] (default 2 GiB) bounds the spooled
//! contents (hard-link copies count again, as they are hashed again; a zip is
//! spooled whole first, since it needs random access, and counts too);
//! [`ArchiveOptions::max_metadata_bytes`] bounds the shape in memory, and
//! [`ArchiveOptions::max_header_bytes`] what the `tar` crate buffers for one
//! entry's extension headers (GNU long names and links, PAX records, old GNU
//! sparse maps), which it otherwise reads whole, whatever their size.

use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};

use sha2::Digest as _;

use crate::error::{clip, lossy, NarError};
use crate::hash::NarHash;
use crate::nar::{validate_name, validate_symlink_target, NarSink, Tree};

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
    /// Maximum total bytes of file contents (hashed and spooled to a temporary
    /// file; hard-link copies count again), plus, for zip, the compressed
    /// archive itself. Default 2 GiB.
    pub max_total_bytes: u64,
    /// Maximum number of archive entries. Default 1,000,000.
    pub max_entries: u64,
    /// Maximum path depth in components. Default 2,048 (a Linux path is at
    /// most 4,096 bytes, so an unpacker cannot go deeper).
    pub max_depth: usize,
    /// Memory limit for the xz decoder's dictionary, in KiB. Default 1 GiB.
    pub xz_mem_limit_kib: u32,
    /// Maximum memory for the tree's shape: names, symlink targets and 64
    /// bytes per node. Default 256 MiB (a Linux kernel tarball needs ~10 MiB).
    pub max_metadata_bytes: u64,
    /// Maximum bytes the `tar` crate reads (and buffers) between two entries:
    /// headers, GNU long names and links, PAX records, GNU sparse maps.
    /// Default 1 MiB (real ones take a few hundred bytes).
    pub max_header_bytes: u64,
}

impl Default for ArchiveOptions {
    fn default() -> Self {
        ArchiveOptions {
            max_total_bytes: 2 << 30,
            max_entries: 1_000_000,
            max_depth: 2048,
            xz_mem_limit_kib: 1 << 20,
            max_metadata_bytes: 256 << 20,
            max_header_bytes: 1 << 20,
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

/// [`hash_archive`] with explicit limits. Only the tree's shape is held in
/// memory (see the [module docs](self)).
pub fn hash_archive_with<R: Read>(
    reader: R,
    kind: ArchiveKind,
    strip: StripRoot,
    options: &ArchiveOptions,
) -> Result<NarHash, NarError> {
    let (root, spool) = unpack(reader, kind, strip, options)?;
    let mut hasher = sha2::Sha256::new();
    let result = write_shape_nar(&root, &spool, &mut hasher);
    drop_node(root);
    result?;
    Ok(NarHash::from_bytes(hasher.finalize().into()))
}

/// The in-memory tree `fetchzip` would produce from the archive (the input of
/// [`hash_archive`]); useful for inspection and tests. Unlike
/// [`hash_archive`], this holds every file's contents in memory.
pub fn archive_to_tree<R: Read>(
    reader: R,
    kind: ArchiveKind,
    strip: StripRoot,
    options: &ArchiveOptions,
) -> Result<Tree, NarError> {
    let (root, spool) = unpack(reader, kind, strip, options)?;
    let tree = to_tree(&root, &spool);
    drop_node(root);
    tree
}

/// Reads the archive into a shape and a spool, then strips the root.
fn unpack<R: Read>(
    reader: R,
    kind: ArchiveKind,
    strip: StripRoot,
    options: &ArchiveOptions,
) -> Result<(Node, Spool), NarError> {
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
    let spool = std::mem::take(&mut b.spool);
    let node = match strip {
        StripRoot::No => Node::Directory(root),
        StripRoot::Yes => strip_root(root)?,
    };
    Ok((node, spool))
}

/// A node of the unpacked tree's shape: a file is a range of the spool.
enum Node {
    File {
        executable: bool,
        /// Offset in the spool.
        at: u64,
        len: u64,
    },
    Symlink {
        target: Vec<u8>,
    },
    Directory(BTreeMap<Vec<u8>, Node>),
}

impl Node {
    fn empty_dir() -> Self {
        Node::Directory(BTreeMap::new())
    }

    fn kind_name(&self) -> &'static str {
        match self {
            Node::File { .. } => "file",
            Node::Symlink { .. } => "symlink",
            Node::Directory(_) => "directory",
        }
    }
}

/// Tears a shape down without deep recursion (the derived drop of a very deep
/// tree would recurse once per level).
fn drop_node(node: Node) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if let Node::Directory(entries) = node {
            stack.extend(entries.into_values());
        }
    }
}

/// The anonymous temporary file holding the archive's file contents, created
/// on the first non-empty file.
#[derive(Default)]
struct Spool {
    file: Option<std::fs::File>,
    len: u64,
}

impl Spool {
    fn file(&mut self) -> Result<&mut std::fs::File, NarError> {
        if self.file.is_none() {
            self.file = Some(tempfile::tempfile().map_err(NarError::Spool)?);
        }
        self.file
            .as_mut()
            .ok_or_else(|| NarError::Spool(std::io::Error::other("no spool file")))
    }

    /// Appends up to `n` bytes of `r`; the offset they start at and how many
    /// there were.
    fn append(&mut self, r: &mut impl Read, n: u64) -> Result<(u64, u64), (u64, std::io::Error)> {
        let at = self.len;
        if n == 0 {
            return Ok((at, 0));
        }
        let file = self.file().map_err(|e| match e {
            NarError::Spool(e) => (0, e),
            other => (0, std::io::Error::other(other.to_string())),
        })?;
        let (copied, flushed) = {
            let mut w = std::io::BufWriter::with_capacity(64 << 10, file);
            let copied = std::io::copy(&mut r.take(n), &mut w);
            (copied, w.flush())
        };
        match (copied, flushed) {
            (Ok(got), Ok(())) => {
                self.len += got;
                Ok((at, got))
            }
            (Err(e), _) | (_, Err(e)) => Err((at, e)),
        }
    }

    /// Appends `n` zero bytes.
    fn append_zeros(&mut self, n: u64) -> Result<(), NarError> {
        let mut zeros = std::io::repeat(0).take(n);
        match self.append(&mut zeros, n) {
            Ok(_) => Ok(()),
            Err((_, e)) => Err(NarError::Spool(e)),
        }
    }

    /// Streams `len` bytes from offset `at` into `out`.
    fn copy_out(
        &self,
        at: u64,
        len: u64,
        out: &mut impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), NarError> {
        if len == 0 {
            return Ok(());
        }
        let file = self
            .file
            .as_ref()
            .ok_or_else(|| NarError::Spool(std::io::Error::other("no spool file")))?;
        let mut buf = vec![0u8; 64 << 10];
        let mut done = 0u64;
        while done < len {
            let want = usize::try_from((len - done).min(buf.len() as u64)).unwrap_or(buf.len());
            let n = read_at(file, &mut buf[..want], at + done).map_err(NarError::Spool)?;
            if n == 0 {
                return Err(NarError::Spool(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the spool file is shorter than what was written to it",
                )));
            }
            out(&buf[..n]).map_err(NarError::Write)?;
            done += n as u64;
        }
        Ok(())
    }
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    use std::os::unix::fs::FileExt;
    loop {
        match file.read_at(buf, offset) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(windows)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    use std::os::windows::fs::FileExt;
    file.seek_read(buf, offset)
}

/// Streams the NAR of `root` (contents from `spool`) into `out`, iteratively.
fn write_shape_nar<W: Write>(root: &Node, spool: &Spool, out: &mut W) -> Result<(), NarError> {
    let mut sink = NarSink::new(out);
    sink.magic().map_err(NarError::Write)?;
    // Emits a node; returns the directory iterator to descend into, if any.
    fn leaf_or_open<'a, W: Write>(
        sink: &mut NarSink<W>,
        spool: &Spool,
        node: &'a Node,
    ) -> Result<Option<std::collections::btree_map::Iter<'a, Vec<u8>, Node>>, NarError> {
        match node {
            Node::File {
                executable,
                at,
                len,
            } => {
                sink.regular_start(*executable, *len)
                    .map_err(NarError::Write)?;
                spool.copy_out(*at, *len, &mut |bytes| sink.raw(bytes))?;
                sink.regular_end(*len).map_err(NarError::Write)?;
                Ok(None)
            }
            Node::Symlink { target } => {
                validate_symlink_target(target)?;
                sink.symlink(target).map_err(NarError::Write)?;
                Ok(None)
            }
            Node::Directory(entries) => {
                sink.dir_start().map_err(NarError::Write)?;
                Ok(Some(entries.iter()))
            }
        }
    }
    let mut stack = Vec::new();
    if let Some(it) = leaf_or_open(&mut sink, spool, root)? {
        stack.push(it);
    }
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some((name, child)) => {
                validate_name(name)?;
                sink.entry_start(name).map_err(NarError::Write)?;
                match leaf_or_open(&mut sink, spool, child)? {
                    Some(it) => stack.push(it),
                    None => sink.close().map_err(NarError::Write)?,
                }
            }
            None => {
                stack.pop();
                sink.close().map_err(NarError::Write)?;
                if !stack.is_empty() {
                    sink.close().map_err(NarError::Write)?;
                }
            }
        }
    }
    sink.into_inner().flush().map_err(NarError::Write)
}

/// The [`Tree`] of a shape, contents read back from the spool.
fn to_tree(node: &Node, spool: &Spool) -> Result<Tree, NarError> {
    Ok(match node {
        Node::File {
            executable,
            at,
            len,
        } => {
            let mut contents = Vec::with_capacity(usize::try_from(*len).unwrap_or(0));
            spool.copy_out(*at, *len, &mut |b| {
                contents.extend_from_slice(b);
                Ok(())
            })?;
            Tree::File {
                executable: *executable,
                contents,
            }
        }
        Node::Symlink { target } => Tree::Symlink {
            target: target.clone(),
        },
        Node::Directory(entries) => {
            let mut out = BTreeMap::new();
            for (name, child) in entries {
                out.insert(name.clone(), to_tree(child, spool)?);
            }
            Tree::Directory(out)
        }
    })
}

fn strip_root(mut root: BTreeMap<Vec<u8>, Node>) -> Result<Node, NarError> {
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
        drop_node(Node::Directory(root));
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
        Node::Directory(_) => Ok(node),
        Node::File { .. } => Ok(Node::Directory(BTreeMap::from([(name, node)]))),
        Node::Symlink { .. } => Err(NarError::StripRootSymlink { name: lossy(&name) }),
    }
}

/// Memory charged per node of the shape, besides its name and link target.
const NODE_OVERHEAD: u64 = 64;

/// Accumulates archive entries into a shape and a spool.
struct Builder<'o> {
    root: BTreeMap<Vec<u8>, Node>,
    spool: Spool,
    options: &'o ArchiveOptions,
    kind: ArchiveKind,
    total_bytes: u64,
    metadata_bytes: u64,
    entries: u64,
}

impl Drop for Builder<'_> {
    fn drop(&mut self) {
        drop_node(Node::Directory(std::mem::take(&mut self.root)));
    }
}

impl<'o> Builder<'o> {
    fn new(options: &'o ArchiveOptions, kind: ArchiveKind) -> Self {
        Builder {
            root: BTreeMap::new(),
            spool: Spool::default(),
            options,
            kind,
            total_bytes: 0,
            metadata_bytes: 0,
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

    /// Reserves `n` bytes of the shape's memory budget.
    fn reserve_metadata(&mut self, n: u64) -> Result<(), NarError> {
        match self.metadata_bytes.checked_add(n) {
            Some(t) if t <= self.options.max_metadata_bytes => {
                self.metadata_bytes = t;
                Ok(())
            }
            _ => Err(NarError::MetadataLimit {
                limit: self.options.max_metadata_bytes,
            }),
        }
    }

    /// Spools an entry's contents (declared `size` bytes) within the budget;
    /// where they are.
    fn read_contents(&mut self, r: &mut impl Read, size: u64) -> Result<(u64, u64), NarError> {
        self.reserve(size)?;
        let (at, got) = self
            .spool
            .append(r, size)
            .map_err(|(_, e)| self.archive_err(e))?;
        if got != size {
            return Err(self.archive_err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("entry data is truncated ({got} of {size} bytes)"),
            )));
        }
        Ok((at, size))
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
            if out.len() > self.options.max_depth {
                return Err(NarError::TooDeep {
                    path: lossy(raw),
                    limit: self.options.max_depth,
                });
            }
        }
        Ok(out)
    }

    /// The directory that holds `comps`' last component, creating implied
    /// parents (charged to the metadata budget).
    fn parent_dir(
        &mut self,
        raw: &[u8],
        comps: &[Vec<u8>],
    ) -> Result<&mut BTreeMap<Vec<u8>, Node>, NarError> {
        let parents = comps.split_last().map(|(_, p)| p).unwrap_or(&[]);
        // charge the directories this entry creates before creating them
        let mut new_bytes = 0u64;
        {
            let mut cur = Some(&self.root);
            for c in parents {
                match cur.and_then(|m| m.get(c)) {
                    Some(Node::Directory(m)) => cur = Some(m),
                    Some(_) => break, // reported below
                    None => {
                        cur = None;
                        new_bytes += c.len() as u64 + NODE_OVERHEAD;
                    }
                }
            }
        }
        self.reserve_metadata(new_bytes)?;
        let mut cur = &mut self.root;
        for (depth, c) in parents.iter().enumerate() {
            let node = cur.entry(c.clone()).or_insert_with(Node::empty_dir);
            cur = match node {
                Node::Directory(m) => m,
                other => {
                    return Err(NarError::NotADirectory {
                        path: lossy(raw),
                        parent: lossy(&comps[..=depth].join(&b'/')),
                        found: other.kind_name(),
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
        let charge = last.len() as u64 + NODE_OVERHEAD;
        self.reserve_metadata(charge)?;
        let dir = self.parent_dir(raw, &comps)?;
        match dir.get(&last) {
            Some(Node::Directory(_)) => {}
            _ => {
                if let Some(old) = dir.insert(last, Node::empty_dir()) {
                    drop_node(old);
                }
            }
        }
        Ok(())
    }

    fn add_leaf(&mut self, raw: &[u8], node: Node) -> Result<(), NarError> {
        let comps = self.components(raw)?;
        let Some(last) = comps.last().cloned() else {
            return Err(NarError::UnsafePath {
                path: lossy(raw),
                reason: "a file or link entry needs a name",
            });
        };
        let target = match &node {
            Node::Symlink { target } => target.len() as u64,
            _ => 0,
        };
        self.reserve_metadata(last.len() as u64 + target + NODE_OVERHEAD)?;
        let dir = self.parent_dir(raw, &comps)?;
        if let Some(old) = dir.insert(last, node) {
            drop_node(old);
        }
        Ok(())
    }

    fn lookup(&self, comps: &[Vec<u8>]) -> Option<&Node> {
        let (last, parents) = comps.split_last()?;
        let mut cur = &self.root;
        for c in parents {
            match cur.get(c)? {
                Node::Directory(m) => cur = m,
                _ => return None,
            }
        }
        cur.get(last)
    }

    fn add_hard_link(&mut self, raw: &[u8], target_raw: &[u8]) -> Result<(), NarError> {
        let target = self.components(target_raw)?;
        let node = match self.lookup(&target) {
            Some(Node::File {
                executable,
                at,
                len,
            }) => Node::File {
                executable: *executable,
                at: *at,
                len: *len,
            },
            Some(Node::Symlink { target }) => Node::Symlink {
                target: target.clone(),
            },
            Some(Node::Directory(_)) => {
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
        // the copy is hashed again
        if let Node::File { len, .. } = &node {
            self.reserve(*len)?;
        }
        self.add_leaf(raw, node)
    }
}

/// A reader that lets the `tar` crate read at most a set number of bytes
/// between two entries (see [`ArchiveOptions::max_header_bytes`]), and any
/// number while an entry's data is read.
pub struct HeaderLimited<R> {
    inner: R,
    /// Bytes left while headers are read; `None` while data is read.
    left: std::rc::Rc<std::cell::Cell<Option<u64>>>,
    limit: u64,
}

impl<R: Read> Read for HeaderLimited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.left.get() {
            None => self.inner.read(buf),
            Some(0) => Err(std::io::Error::other(format!(
                "the headers of one entry (GNU long names and links, PAX records, sparse maps) take more than {} bytes",
                self.limit
            ))),
            Some(left) => {
                let max = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
                let n = self.inner.read(&mut buf[..max])?;
                self.left.set(Some(left - n as u64));
                Ok(n)
            }
        }
    }
}

/// Calls `each` on every entry of the tar stream `reader`, with at most
/// `header_limit` bytes read by the `tar` crate between two entries (it
/// buffers GNU long names, PAX records and sparse maps whole). The rest of
/// each entry's data is skipped after `each` returns; `each` returns whether
/// to go on. Read errors become `E` with `io`. Returns the reader, positioned
/// after the last entry read.
pub fn for_each_tar_entry<R, E>(
    reader: R,
    header_limit: u64,
    io: impl Fn(std::io::Error) -> E,
    mut each: impl FnMut(&mut tar::Entry<'_, HeaderLimited<R>>) -> Result<bool, E>,
) -> Result<R, E>
where
    R: Read,
{
    let left = std::rc::Rc::new(std::cell::Cell::new(Some(header_limit)));
    let mut archive = tar::Archive::new(HeaderLimited {
        inner: reader,
        left: std::rc::Rc::clone(&left),
        limit: header_limit,
    });
    {
        let mut entries = archive.entries().map_err(&io)?;
        loop {
            left.set(Some(header_limit));
            let next = entries.next();
            left.set(None);
            let Some(entry) = next else { break };
            let mut entry = entry.map_err(&io)?;
            let go_on = each(&mut entry)?;
            // read the rest here, so that the next header read does not count it
            std::io::copy(&mut entry, &mut std::io::sink()).map_err(&io)?;
            if !go_on {
                break;
            }
        }
    }
    Ok(archive.into_inner().inner)
}

fn read_tar<R: Read>(reader: R, b: &mut Builder<'_>) -> Result<(), NarError> {
    use tar::EntryType;
    let kind = b.kind.label();
    let io = move |source: std::io::Error| NarError::Archive { kind, source };
    let header_limit = b.options.max_header_bytes;
    let rest = for_each_tar_entry(
        reader,
        header_limit,
        io,
        |entry| -> Result<bool, NarError> {
            b.count_entry()?;
            let header = entry.header();
            let ty = header.entry_type();
            let path = entry.path_bytes().into_owned();
            match ty {
                EntryType::XGlobalHeader | EntryType::XHeader => {}
                EntryType::GNULongName | EntryType::GNULongLink => {}
                _ if ty.as_byte() == b'V' => {} // GNU volume label
                EntryType::Directory => b.add_dir(&path)?,
                EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                    if ty == EntryType::Regular && path.ends_with(b"/") {
                        b.add_dir(&path)?;
                        return Ok(true);
                    }
                    let mode = header.mode().map_err(io)?;
                    let size = entry.size();
                    let sparse = pax_sparse_info(entry).map_err(io)?;
                    let (path, at, len) = match sparse {
                        None => {
                            let (at, len) = b.read_contents(entry, size)?;
                            (path, at, len)
                        }
                        Some(info) => {
                            let path = info.name.clone().unwrap_or(path);
                            let (at, len) = spool_pax_sparse_1_0(b, entry, &path, &info, size)?;
                            (path, at, len)
                        }
                    };
                    b.add_leaf(
                        &path,
                        Node::File {
                            executable: mode & 0o100 != 0,
                            at,
                            len,
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
                    b.add_leaf(&path, Node::Symlink { target })?;
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
            Ok(true)
        },
    )?;
    // Read the stream to its end, as `tar` piping from `gzip -d` does: this
    // checks the compressor's trailer (CRC, size), so a truncated or corrupt
    // download is an error even when the tar end marker came before the damage.
    let limit = b.options.max_total_bytes;
    let drained = std::io::copy(
        &mut rest.take(limit.saturating_add(1)),
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

/// One decimal number and its newline from `r` (`None` if it is not one, or the map would pass
/// `limit` bytes), counting the bytes read in `consumed`.
fn read_decimal_line(
    r: &mut dyn Read,
    consumed: &mut u64,
    limit: u64,
) -> std::io::Result<Option<u64>> {
    let mut digits = Vec::with_capacity(20);
    let mut byte = [0u8; 1];
    loop {
        if *consumed >= limit {
            return Ok(None);
        }
        let n = r.read(&mut byte)?;
        *consumed += 1;
        match (n, byte[0]) {
            (0, _) => return Ok(None),
            (_, b'\n') => break,
            (_, d) if d.is_ascii_digit() && digits.len() < 20 => digits.push(d),
            _ => return Ok(None),
        }
    }
    Ok(std::str::from_utf8(&digits)
        .ok()
        .and_then(|d| d.parse::<u64>().ok()))
}

/// Spools a file stored in GNU's PAX sparse format 1.0: the entry's data
/// starts with a decimal map (`count`, then `offset`/`size` pairs, one per
/// line, padded to 512 bytes), followed by the data of each chunk in order.
/// The chunks must be in increasing, non-overlapping order (GNU tar writes
/// them so); the holes are spooled as zeros. Where the file is in the spool.
fn spool_pax_sparse_1_0(
    b: &mut Builder<'_>,
    r: &mut impl Read,
    path: &[u8],
    info: &PaxSparse,
    size: u64,
) -> Result<(u64, u64), NarError> {
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
    let mut r = r.take(size);
    // the map is read into memory: at most `max_header_bytes` of it
    let map_limit = b.options.max_header_bytes;
    let mut consumed = 0u64;
    let mut next = |r: &mut dyn Read| -> Result<u64, NarError> {
        read_decimal_line(r, &mut consumed, map_limit)
            .map_err(|e| b.archive_err(e))?
            .ok_or_else(|| unsupported("bad sparse map"))
    };
    let count = next(&mut r)?;
    let mut chunks = Vec::new();
    for _ in 0..count {
        let off = next(&mut r)?;
        let len = next(&mut r)?;
        chunks.push((off, len));
    }
    // the data starts at the next 512-byte boundary
    let pad = consumed.div_ceil(512) * 512 - consumed;
    std::io::copy(&mut (&mut r).take(pad), &mut std::io::sink()).map_err(|e| b.archive_err(e))?;
    b.reserve(realsize)?;
    let start = b.spool.len;
    let mut pos = 0u64;
    for (off, len) in chunks {
        let end = off
            .checked_add(len)
            .filter(|&end| end <= realsize)
            .ok_or_else(|| unsupported("chunk beyond the real size"))?;
        if off < pos {
            return Err(unsupported("chunks out of order or overlapping"));
        }
        b.spool.append_zeros(off - pos)?;
        let (_, got) = b
            .spool
            .append(&mut r, len)
            .map_err(|(_, e)| b.archive_err(e))?;
        if got != len {
            return Err(unsupported("chunk data truncated"));
        }
        pos = end;
    }
    b.spool.append_zeros(realsize - pos)?;
    Ok((start, realsize))
}

fn read_zip<R: Read>(reader: R, b: &mut Builder<'_>) -> Result<(), NarError> {
    const S_IFMT: u32 = 0o170000;
    const S_IFLNK: u32 = 0o120000;
    const S_IFDIR: u32 = 0o040000;
    let limit = b.options.max_total_bytes;
    // zip needs random access: spool the archive itself first
    let mut archive = tempfile::tempfile().map_err(NarError::Spool)?;
    let size = std::io::copy(&mut reader.take(limit.saturating_add(1)), &mut archive)
        .map_err(|e| b.archive_err(e))?;
    b.reserve(size)?;
    archive
        .seek(std::io::SeekFrom::Start(0))
        .map_err(NarError::Spool)?;
    let zip_err = |e: zip::result::ZipError| NarError::Zip(clip(&e.to_string()));
    let mut za = zip::ZipArchive::new(std::io::BufReader::new(archive)).map_err(zip_err)?;
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
        if file_type == Some(S_IFLNK) {
            // the data is the target: it is kept in memory, within the metadata budget
            let room = b
                .options
                .max_metadata_bytes
                .saturating_sub(b.metadata_bytes);
            if size > room {
                return Err(NarError::MetadataLimit {
                    limit: b.options.max_metadata_bytes,
                });
            }
            let mut target = Vec::new();
            (&mut f)
                .take(size)
                .read_to_end(&mut target)
                .map_err(|e| b.archive_err(e))?;
            if let Err(e) = validate_symlink_target(&target) {
                return Err(NarError::UnsupportedEntry {
                    path: lossy(&name),
                    kind: format!("symlink: {e}"),
                });
            }
            b.add_leaf(&name, Node::Symlink { target })?;
        } else {
            let (at, len) = b.read_contents(&mut f, size)?;
            let executable = mode.is_some_and(|m| m & 0o100 != 0);
            b.add_leaf(
                &name,
                Node::File {
                    executable,
                    at,
                    len,
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
        let file = |executable| Node::File {
            executable,
            at: 0,
            len: 0,
        };
        let tree = |n: Node| to_tree(&n, &Spool::default()).unwrap();
        let one_dir = BTreeMap::from([(
            b"r".to_vec(),
            Node::Directory(BTreeMap::from([(b"a".to_vec(), file(false))])),
        )]);
        assert_eq!(
            tree(strip_root(one_dir).unwrap()),
            Tree::dir([("a", Tree::file(""))])
        );
        let one_file = BTreeMap::from([(b"f".to_vec(), file(true))]);
        assert_eq!(
            tree(strip_root(one_file).unwrap()),
            Tree::dir([("f", Tree::executable(""))])
        );
        assert!(matches!(
            strip_root(BTreeMap::new()),
            Err(NarError::StripRootNotSingle { count: 0, .. })
        ));
        let two = BTreeMap::from([
            (b"a".to_vec(), Node::empty_dir()),
            (b".b".to_vec(), Node::empty_dir()),
        ]);
        assert!(matches!(
            strip_root(two),
            Err(NarError::StripRootNotSingle { count: 2, .. })
        ));
        let nl = BTreeMap::from([(b"a\nb".to_vec(), Node::empty_dir())]);
        assert!(matches!(
            strip_root(nl),
            Err(NarError::StripRootNotSingle { count: 2, .. })
        ));
        let link = BTreeMap::from([(
            b"l".to_vec(),
            Node::Symlink {
                target: b"x".to_vec(),
            },
        )]);
        assert!(matches!(
            strip_root(link),
            Err(NarError::StripRootSymlink { .. })
        ));
    }
}
