//! Serialising a path on disk (file, symlink or directory tree) as NAR,
//! streaming: file contents go through a fixed buffer, never whole into memory.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use sha2::Digest as _;

use crate::error::NarError;
use crate::hash::NarHash;
use crate::nar::NarSink;

const BUF_SIZE: usize = 64 * 1024;

/// NAR hash of `path` (what `nix-hash --type sha256 PATH` and
/// `nix hash path PATH` print), streamed into SHA-256.
///
/// `path` itself may be a directory, a regular file or a symlink (a symlink is
/// hashed as a symlink, never followed; the same holds inside directories).
/// Regular files are executable when the owner-execute bit is set. Sockets,
/// FIFOs and devices are an error.
pub fn hash_path(path: impl AsRef<Path>) -> Result<NarHash, NarError> {
    let mut hasher = sha2::Sha256::new();
    dump_path(path, &mut hasher)?;
    Ok(NarHash::from_bytes(hasher.finalize().into()))
}

/// Writes the NAR serialisation of `path` to `out` (what `nix-store --dump
/// PATH` prints). Output already written stays written when an error occurs
/// part way.
pub fn dump_path<W: Write>(path: impl AsRef<Path>, out: &mut W) -> Result<(), NarError> {
    let path = path.as_ref();
    let mut sink = NarSink::new(out);
    let mut buf = vec![0u8; BUF_SIZE];
    sink.magic().map_err(NarError::Write)?;

    struct Frame {
        dir: PathBuf,
        names: std::vec::IntoIter<Vec<u8>>,
    }
    let mut stack: Vec<Frame> = Vec::new();

    if let Some(frame) = dump_node(&mut sink, path, &mut buf)? {
        stack.push(frame_for(path, frame));
    }
    while let Some(top) = stack.last_mut() {
        match top.names.next() {
            Some(name) => {
                let child = top.dir.join(std::ffi::OsStr::from_bytes(&name));
                sink.entry_start(&name).map_err(NarError::Write)?;
                match dump_node(&mut sink, &child, &mut buf)? {
                    Some(names) => stack.push(frame_for(&child, names)),
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
    sink.into_inner().flush().map_err(NarError::Write)?;
    return Ok(());

    fn frame_for(dir: &Path, names: Vec<Vec<u8>>) -> Frame {
        Frame {
            dir: dir.to_path_buf(),
            names: names.into_iter(),
        }
    }
}

/// Emits one node. For a directory, emits its header and returns its entry
/// names sorted bytewise; the caller emits the entries and closes it.
fn dump_node<W: Write>(
    sink: &mut NarSink<W>,
    path: &Path,
    buf: &mut [u8],
) -> Result<Option<Vec<Vec<u8>>>, NarError> {
    let io = |op: &'static str| {
        move |source: std::io::Error| NarError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    };
    let meta = fs::symlink_metadata(path).map_err(io("lstat"))?;
    let ft = meta.file_type();
    if ft.is_symlink() {
        let target = fs::read_link(path).map_err(io("reading symlink"))?;
        sink.symlink(target.as_os_str().as_bytes())
            .map_err(NarError::Write)?;
        Ok(None)
    } else if ft.is_file() {
        let file = fs::File::open(path).map_err(io("opening"))?;
        let meta = file.metadata().map_err(io("fstat"))?;
        let executable = meta.permissions().mode() & 0o100 != 0;
        let len = meta.len();
        sink.regular_start(executable, len)
            .map_err(NarError::Write)?;
        let mut reader = file.take(len);
        let mut done: u64 = 0;
        loop {
            let n = match reader.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io("reading")(e)),
            };
            sink.raw(&buf[..n]).map_err(NarError::Write)?;
            done += n as u64;
        }
        if done != len {
            return Err(NarError::FileChanged {
                path: path.to_path_buf(),
                expected: len,
                actual: done,
            });
        }
        sink.regular_end(len).map_err(NarError::Write)?;
        Ok(None)
    } else if ft.is_dir() {
        let mut names = Vec::new();
        for entry in fs::read_dir(path).map_err(io("reading directory"))? {
            let entry = entry.map_err(io("reading directory"))?;
            names.push(entry.file_name().as_bytes().to_vec());
        }
        names.sort_unstable();
        sink.dir_start().map_err(NarError::Write)?;
        Ok(Some(names))
    } else {
        let kind = if ft.is_fifo() {
            "FIFO"
        } else if ft.is_socket() {
            "socket"
        } else if ft.is_block_device() {
            "block device"
        } else if ft.is_char_device() {
            "character device"
        } else {
            "unknown"
        };
        Err(NarError::UnsupportedFileType {
            path: path.to_path_buf(),
            kind,
        })
    }
}
