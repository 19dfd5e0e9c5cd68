//! The NAR format itself: an in-memory [`Tree`] and the byte-exact writer.
//!
//! Grammar (every token is a *string*: little-endian `u64` length, the bytes,
//! zero padding to a multiple of 8):
//!
//! ```text
//! nar       = "nix-archive-1" node
//! node      = "(" "type" ( regular | symlink | directory ) ")"
//! regular   = "regular" [ "executable" "" ] "contents" <bytes>
//! symlink   = "symlink" "target" <bytes>
//! directory = "directory" { "entry" "(" "name" <bytes> "node" node ")" }
//! ```
//!
//! Directory entries appear sorted bytewise by name, each name at most once.

use std::collections::BTreeMap;
use std::io::{self, Write};

use sha2::Digest as _;

use crate::error::{lossy, NarError};
use crate::hash::NarHash;

/// A file system tree as NAR sees it: no owners, times or permission bits
/// other than "executable".
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Tree {
    /// A regular file.
    File {
        /// Whether the owner-execute bit is set.
        executable: bool,
        /// The file's bytes.
        contents: Vec<u8>,
    },
    /// A symbolic link; the target is raw bytes and never resolved.
    Symlink {
        /// The link target (raw bytes).
        target: Vec<u8>,
    },
    /// A directory; the map's byte order is the NAR order.
    Directory(BTreeMap<Vec<u8>, Tree>),
}

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tree::File {
                executable,
                contents,
            } => f
                .debug_struct("File")
                .field("executable", executable)
                .field("len", &contents.len())
                .field("contents", &LossyBytes(contents))
                .finish(),
            Tree::Symlink { target } => f
                .debug_struct("Symlink")
                .field("target", &LossyBytes(target))
                .finish(),
            Tree::Directory(entries) => f
                .debug_map()
                .entries(entries.iter().map(|(k, v)| (LossyBytes(k), v)))
                .finish(),
        }
    }
}

struct LossyBytes<'a>(&'a [u8]);
impl std::fmt::Debug for LossyBytes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.len() > 64 {
            write!(f, "{:?}…", String::from_utf8_lossy(&self.0[..64]))
        } else {
            write!(f, "{:?}", String::from_utf8_lossy(self.0))
        }
    }
}

impl Tree {
    /// A non-executable regular file.
    pub fn file(contents: impl Into<Vec<u8>>) -> Self {
        Tree::File {
            executable: false,
            contents: contents.into(),
        }
    }

    /// An executable regular file.
    pub fn executable(contents: impl Into<Vec<u8>>) -> Self {
        Tree::File {
            executable: true,
            contents: contents.into(),
        }
    }

    /// A symlink.
    pub fn symlink(target: impl Into<Vec<u8>>) -> Self {
        Tree::Symlink {
            target: target.into(),
        }
    }

    /// A directory from `(name, child)` pairs (a later duplicate name wins).
    pub fn dir<N: Into<Vec<u8>>>(entries: impl IntoIterator<Item = (N, Tree)>) -> Self {
        Tree::Directory(entries.into_iter().map(|(n, t)| (n.into(), t)).collect())
    }

    /// An empty directory.
    pub fn empty_dir() -> Self {
        Tree::Directory(BTreeMap::new())
    }

    /// Checks every entry name and symlink target (iteratively, so deep trees
    /// do not overflow the stack). Called by the writers before any output.
    pub fn validate(&self) -> Result<(), NarError> {
        let mut stack: Vec<&Tree> = vec![self];
        while let Some(node) = stack.pop() {
            match node {
                Tree::File { .. } => {}
                Tree::Symlink { target } => validate_symlink_target(target)?,
                Tree::Directory(entries) => {
                    for (name, child) in entries {
                        validate_name(name)?;
                        stack.push(child);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Checks a directory entry name with Nix's rules: not empty, not `.` or
/// `..`, no `/`, no NUL byte.
pub fn validate_name(name: &[u8]) -> Result<(), NarError> {
    let reason = if name.is_empty() {
        "empty name"
    } else if name == b"." || name == b".." {
        "`.` and `..` are not allowed"
    } else if name.contains(&b'/') {
        "contains `/`"
    } else if name.contains(&0) {
        "contains a NUL byte"
    } else {
        return Ok(());
    };
    Err(NarError::InvalidName {
        name: lossy(name),
        reason,
    })
}

/// Symlink targets must be creatable: non-empty and without NUL bytes.
pub(crate) fn validate_symlink_target(target: &[u8]) -> Result<(), NarError> {
    let reason = if target.is_empty() {
        "empty target"
    } else if target.contains(&0) {
        "contains a NUL byte"
    } else {
        return Ok(());
    };
    Err(NarError::InvalidSymlinkTarget {
        target: lossy(target),
        reason,
    })
}

const PAD: [u8; 8] = [0; 8];

fn padding(len: u64) -> &'static [u8] {
    let rem = (len % 8) as usize;
    if rem == 0 {
        &[]
    } else {
        &PAD[..8 - rem]
    }
}

/// Low-level NAR token writer shared by the tree and disk serialisers.
pub(crate) struct NarSink<W: Write> {
    w: W,
}

impl<W: Write> NarSink<W> {
    pub(crate) fn new(w: W) -> Self {
        NarSink { w }
    }

    pub(crate) fn into_inner(self) -> W {
        self.w
    }

    pub(crate) fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.w.write_all(bytes)
    }

    pub(crate) fn string(&mut self, s: &[u8]) -> io::Result<()> {
        let len = s.len() as u64;
        self.w.write_all(&len.to_le_bytes())?;
        self.w.write_all(s)?;
        self.w.write_all(padding(len))
    }

    pub(crate) fn magic(&mut self) -> io::Result<()> {
        self.string(b"nix-archive-1")
    }

    /// Everything of a regular file up to (and including) the contents length;
    /// the caller then writes exactly `len` bytes with [`NarSink::raw`] and
    /// calls [`NarSink::regular_end`].
    pub(crate) fn regular_start(&mut self, executable: bool, len: u64) -> io::Result<()> {
        self.string(b"(")?;
        self.string(b"type")?;
        self.string(b"regular")?;
        if executable {
            self.string(b"executable")?;
            self.string(b"")?;
        }
        self.string(b"contents")?;
        self.w.write_all(&len.to_le_bytes())
    }

    pub(crate) fn regular_end(&mut self, len: u64) -> io::Result<()> {
        self.w.write_all(padding(len))?;
        self.string(b")")
    }

    pub(crate) fn symlink(&mut self, target: &[u8]) -> io::Result<()> {
        self.string(b"(")?;
        self.string(b"type")?;
        self.string(b"symlink")?;
        self.string(b"target")?;
        self.string(target)?;
        self.string(b")")
    }

    pub(crate) fn dir_start(&mut self) -> io::Result<()> {
        self.string(b"(")?;
        self.string(b"type")?;
        self.string(b"directory")
    }

    pub(crate) fn entry_start(&mut self, name: &[u8]) -> io::Result<()> {
        self.string(b"entry")?;
        self.string(b"(")?;
        self.string(b"name")?;
        self.string(name)?;
        self.string(b"node")
    }

    /// Closes a directory node or a directory entry (both are `")"`).
    pub(crate) fn close(&mut self) -> io::Result<()> {
        self.string(b")")
    }
}

/// Writes the node of `tree` (without the magic) iteratively.
fn write_node<W: Write>(sink: &mut NarSink<W>, tree: &Tree) -> io::Result<()> {
    let mut stack = Vec::new();
    // Emits a node; returns the directory iterator to descend into, if any.
    fn leaf_or_open<'a, W: Write>(
        sink: &mut NarSink<W>,
        t: &'a Tree,
    ) -> io::Result<Option<std::collections::btree_map::Iter<'a, Vec<u8>, Tree>>> {
        match t {
            Tree::File {
                executable,
                contents,
            } => {
                let len = contents.len() as u64;
                sink.regular_start(*executable, len)?;
                sink.raw(contents)?;
                sink.regular_end(len)?;
                Ok(None)
            }
            Tree::Symlink { target } => {
                sink.symlink(target)?;
                Ok(None)
            }
            Tree::Directory(entries) => {
                sink.dir_start()?;
                Ok(Some(entries.iter()))
            }
        }
    }
    if let Some(it) = leaf_or_open(sink, tree)? {
        stack.push(it);
    }
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some((name, child)) => {
                sink.entry_start(name)?;
                match leaf_or_open(sink, child)? {
                    Some(it) => stack.push(it),
                    None => sink.close()?, // entry
                }
            }
            None => {
                stack.pop();
                sink.close()?; // directory node
                if !stack.is_empty() {
                    sink.close()?; // the entry holding it
                }
            }
        }
    }
    Ok(())
}

/// Serialises `tree` as a NAR into `out`, byte for byte as `nix-store --dump`
/// would for the same tree on disk. The tree is validated first, so nothing is
/// written when it contains an invalid name or symlink target.
pub fn write_nar<W: Write>(tree: &Tree, out: &mut W) -> Result<(), NarError> {
    tree.validate()?;
    let mut sink = NarSink::new(out);
    sink.magic().map_err(NarError::Write)?;
    write_node(&mut sink, tree).map_err(NarError::Write)?;
    sink.into_inner().flush().map_err(NarError::Write)
}

/// The NAR serialisation of `tree` as bytes.
pub fn nar_bytes(tree: &Tree) -> Result<Vec<u8>, NarError> {
    let mut out = Vec::new();
    write_nar(tree, &mut out)?;
    Ok(out)
}

/// SHA-256 of the NAR serialisation of `tree`, computed without building the
/// NAR in memory.
pub fn hash_tree(tree: &Tree) -> Result<NarHash, NarError> {
    let mut hasher = sha2::Sha256::new();
    write_nar(tree, &mut hasher)?;
    Ok(NarHash::from_bytes(hasher.finalize().into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_padding() {
        let mut s = NarSink::new(Vec::new());
        s.string(b"abc").unwrap();
        assert_eq!(s.into_inner(), b"\x03\0\0\0\0\0\0\0abc\0\0\0\0\0");
        let mut s = NarSink::new(Vec::new());
        s.string(b"").unwrap();
        assert_eq!(s.into_inner(), b"\0\0\0\0\0\0\0\0");
    }

    #[test]
    fn invalid_names_rejected_without_output() {
        for bad in [&b""[..], b".", b"..", b"a/b", b"a\0b"] {
            let t = Tree::dir([(bad.to_vec(), Tree::file("x"))]);
            let mut out = Vec::new();
            let err = write_nar(&t, &mut out).unwrap_err();
            assert!(matches!(err, NarError::InvalidName { .. }), "{err}");
            assert!(out.is_empty());
        }
        for bad in [&b""[..], b"a\0"] {
            assert!(matches!(
                nar_bytes(&Tree::symlink(bad)),
                Err(NarError::InvalidSymlinkTarget { .. })
            ));
        }
    }

    #[test]
    fn deep_tree_does_not_overflow() {
        let mut t = Tree::file("leaf");
        for _ in 0..100_000 {
            t = Tree::dir([("d", t)]);
        }
        let h = hash_tree(&t).unwrap();
        assert_eq!(h.as_bytes().len(), 32);
        // Tear down iteratively too (the default recursive drop would overflow).
        let mut cur = t;
        while let Tree::Directory(mut m) = cur {
            cur = m.pop_first().map(|(_, v)| v).unwrap_or(Tree::file(""));
        }
    }
}
