//! Writing lock2nix's output files (the sidecar, and through the CLI the overlay): only over
//! regular files, atomically, with the mode the umask gives, and without leaving temporary
//! files behind for long.
//!
//! - [`existing_output`] says what is at the output path without opening it (opening a FIFO
//!   blocks, `/dev/stdout` is a link to a pipe, a device is not a file one can replace): nothing,
//!   a regular file, or an [`OutputError`] for anything else. A symbolic link is refused too:
//!   the rename would replace the link itself, and writing through it would write wherever it
//!   points, so the message names the target to pass instead.
//! - [`write_atomic`] writes a temporary `.lock2nix-*.tmp` file in the same directory (created
//!   with mode `0o666`, so the umask decides, as for any file a program creates; `tempfile`'s
//!   default is `0o600`), syncs it and renames it over the output. The temporary file is
//!   `flock`ed while it exists, so that a later run can tell a dead writer's leftover (unlocked,
//!   and older than [`STALE_AFTER`]) from another run's file in progress, and removes it.

use std::fs::{File, Metadata};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Temporary files of lock2nix start with this.
pub const TEMP_PREFIX: &str = ".lock2nix-";
/// Temporary files of lock2nix end with this.
pub const TEMP_SUFFIX: &str = ".tmp";
/// An unlocked temporary file older than this is a leftover of an interrupted run.
pub const STALE_AFTER: Duration = Duration::from_secs(60);

/// Why a path cannot be an output file.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The path is a symbolic link to a regular file (or to nothing).
    #[error("{} is a symbolic link to {}; lock2nix replaces its outputs atomically and does not write through links: give the file it points to instead (e.g. `--out {}`), or remove the link", path.display(), target.display(), target.display())]
    Symlink {
        /// The output path.
        path: PathBuf,
        /// Where the link points.
        target: PathBuf,
    },
    /// The path is a symbolic link to something that is not a regular file (`/dev/stdout`).
    #[error("{} is a symbolic link to {} (a {kind}); lock2nix only replaces regular files: use `--out -` for standard output, or give a file name", path.display(), target.display())]
    SymlinkToSpecial {
        /// The output path.
        path: PathBuf,
        /// Where the link points.
        target: PathBuf,
        /// What it resolves to.
        kind: &'static str,
    },
    /// The path is a directory.
    #[error("{} is a directory; give a file name", path.display())]
    Directory {
        /// The output path.
        path: PathBuf,
    },
    /// The path is a FIFO, a device or a socket.
    #[error("{} is not a regular file (it is a {kind}); lock2nix only replaces regular files: use `--out -` for standard output, or give a file name", path.display())]
    NotAFile {
        /// The output path.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// The path could not be inspected (permissions, I/O).
    #[error("cannot inspect {}: {source}", path.display())]
    Inspect {
        /// The output path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// What is at `path`, without following a final symbolic link and without opening it: `None`
/// when nothing is there, the metadata of a regular file, or an error for anything else.
pub fn existing_output(path: &Path) -> Result<Option<Metadata>, OutputError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(OutputError::Inspect {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(Some(meta));
    }
    if ft.is_symlink() {
        let target = std::fs::read_link(path).unwrap_or_default();
        // what it resolves to (stat, not open: a FIFO would block)
        return Err(match std::fs::metadata(path) {
            Ok(m) if !m.is_file() => OutputError::SymlinkToSpecial {
                path: path.to_path_buf(),
                target,
                kind: if m.is_dir() {
                    "directory"
                } else {
                    special_kind(&m.file_type())
                },
            },
            _ => OutputError::Symlink {
                path: path.to_path_buf(),
                target,
            },
        });
    }
    if ft.is_dir() {
        return Err(OutputError::Directory {
            path: path.to_path_buf(),
        });
    }
    Err(OutputError::NotAFile {
        path: path.to_path_buf(),
        kind: special_kind(&ft),
    })
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "FIFO"
    } else if ft.is_char_device() {
        "character device"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "special file"
}

/// The directory `path` is in (`.` for a bare file name).
fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Write `bytes` to `path` atomically (see the module docs). The caller checks what is at `path`
/// first ([`existing_output`]). Returns how many stale temporary files were removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<usize> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// [`write_atomic`] of what `write` writes into the temporary file (e.g. a text in pieces,
/// without joining them first).
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<usize> {
    let dir = dir_of(path);
    std::fs::create_dir_all(&dir)?;
    let removed = remove_stale_temporaries(&dir);
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // created with 0o666 & !umask, as `open(2)` does for any new file
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(&dir)?;
    // held until the file is renamed or removed (or the process dies); see `is_stale`
    lock(tmp.as_file(), false);
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // make the rename durable; not every platform lets a directory be opened, so best effort
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(removed)
}

/// Take an exclusive lock on `file` without waiting; whether it was taken.
#[cfg(unix)]
fn lock(file: &File, _probe: bool) -> bool {
    rustix::fs::flock(file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok()
}

#[cfg(not(unix))]
fn lock(_: &File, probe: bool) -> bool {
    // without flock, an old enough file counts as a leftover
    probe
}

/// Whether a temporary file is a leftover: no process holds its lock, and it is older than
/// [`STALE_AFTER`] (a writer locks its file right after creating it; the age covers that gap).
fn is_stale(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    let old = meta
        .modified()
        .ok()
        .and_then(|m| m.elapsed().ok())
        .is_some_and(|age| age > STALE_AFTER);
    if !meta.is_file() || !old {
        return false;
    }
    File::open(path).is_ok_and(|f| lock(&f, true))
}

/// Remove the leftover `.lock2nix-*.tmp` files in `dir` (best effort); how many.
pub fn remove_stale_temporaries(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let path = entry.path();
        if is_stale(&path) && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        assert!(existing_output(&file).unwrap().is_none());
        std::fs::write(&file, "x").unwrap();
        assert!(existing_output(&file).unwrap().is_some());
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let e = existing_output(&link).unwrap_err().to_string();
        assert!(
            e.contains("symbolic link") && e.contains(&*file.to_string_lossy()),
            "{e}"
        );
        assert!(matches!(
            existing_output(dir.path()),
            Err(OutputError::Directory { .. })
        ));
        assert!(matches!(
            existing_output(Path::new("/dev/null")),
            Err(OutputError::NotAFile {
                kind: "character device",
                ..
            })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn writes_with_the_umask_and_cleans_up_leftovers() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o.nix");
        // a leftover of a killed run: old and unlocked
        let stale = dir.path().join(".lock2nix-dead.tmp");
        std::fs::write(&stale, "partial").unwrap();
        let old = std::time::SystemTime::now() - Duration::from_secs(3600);
        File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        // another run's file in progress: locked
        let busy = dir.path().join(".lock2nix-busy.tmp");
        let held = File::create(&busy).unwrap();
        held.set_modified(old).unwrap();
        assert!(lock(&held, false));
        // a fresh unlocked file (a writer between create and lock)
        let fresh = dir.path().join(".lock2nix-fresh.tmp");
        std::fs::write(&fresh, "").unwrap();
        assert_eq!(write_atomic(&out, b"text").unwrap(), 1);
        assert!(!stale.exists() && busy.exists() && fresh.exists());
        assert_eq!(std::fs::read(&out).unwrap(), b"text");
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let umask = status
            .lines()
            .find_map(|l| l.strip_prefix("Umask:"))
            .map(|u| u32::from_str_radix(u.trim(), 8).unwrap())
            .unwrap();
        assert_eq!(mode, 0o666 & !umask, "mode {mode:o}, umask {umask:o}");
    }
}
