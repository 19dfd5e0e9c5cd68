//! Reading an input file whole, bounded by a size limit.
//!
//! A big file (a `uv.lock` of thousands of packages is several MiB) is read into an anonymous
//! mapping that asks the kernel for transparent huge pages: reading 4.1 MiB into fresh 4 KiB pages
//! costs ~1,050 page faults (each clears a page and charges it to the memory cgroup), about as
//! much as parsing a tenth of the file, on the critical path; with huge pages it is a handful. The
//! mapping is private and anonymous (the file is *copied* into it, as `read` does into a `Vec`),
//! so nothing another process does to the file afterwards can change the bytes being parsed. Where
//! huge pages are off or unavailable the mapping is ordinary memory and nothing is lost.

use std::io::Read;
use std::ops::Deref;
use std::path::Path;

use crate::error::{Error, ErrorKind};
use crate::io_error;

/// The size of a transparent huge page on x86-64 and (with 4 KiB pages) aarch64.
const HUGE_PAGE: usize = 2 << 20;

/// Files at least this big (one huge page) are read into a huge-page mapping.
const MAPPED_MIN: u64 = HUGE_PAGE as u64;

/// The bytes of a file read whole.
pub struct FileBytes(Buffer);

enum Buffer {
    Heap(Vec<u8>),
    /// The first `len` bytes of the mapping.
    Mapped {
        map: memmap2::MmapMut,
        len: usize,
    },
}

impl Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Buffer::Heap(v) => v,
            Buffer::Mapped { map, len } => &map[..*len],
        }
    }
}

impl std::fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileBytes({} bytes)", self.len())
    }
}

impl From<FileBytes> for Vec<u8> {
    fn from(b: FileBytes) -> Vec<u8> {
        match b.0 {
            Buffer::Heap(v) => v,
            Buffer::Mapped { .. } => b.to_vec(),
        }
    }
}

/// Read a file, refusing files over `limit` bytes: by their size before reading, and by what
/// was read (a file that grows, a pipe, a device) after at most `limit + 1` bytes.
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<FileBytes, Error> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let meta = file.metadata().ok();
    let size = meta.as_ref().map_or(0, std::fs::Metadata::len);
    if size > limit {
        return Err(too_large(path, size, limit));
    }
    if meta.is_some_and(|m| m.is_file()) && size >= MAPPED_MIN {
        if let Some(bytes) = read_mapped(&file, size).map_err(|e| io_error(path, e))? {
            return Ok(bytes);
        }
        // it grew while being read (or no mapping could be made): read it again, the bounded way
        return read_heap(
            std::fs::File::open(path).map_err(|e| io_error(path, e))?,
            0,
            path,
            limit,
        );
    }
    read_heap(file, size, path, limit)
}

fn read_heap(file: std::fs::File, size: u64, path: &Path, limit: u64) -> Result<FileBytes, Error> {
    // at most 64 MiB up front: a pipe or a device says 0, a growing file more
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(64 << 20)).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path, bytes.len() as u64, limit));
    }
    Ok(FileBytes(Buffer::Heap(bytes)))
}

/// The file's `size` bytes in a huge-page mapping (fewer if it shrank meanwhile); `None` when it
/// has more than `size` (it grew), or when no mapping can be made.
fn read_mapped(mut file: &std::fs::File, size: u64) -> std::io::Result<Option<FileBytes>> {
    let Ok(len) = usize::try_from(size) else {
        return Ok(None);
    };
    // A mapping of whole huge pages is placed on a huge-page boundary (Linux aligns anonymous
    // mappings only then).
    let Some(mapped) = len.checked_next_multiple_of(HUGE_PAGE) else {
        return Ok(None);
    };
    let Ok(mut map) = memmap2::MmapMut::map_anon(mapped) else {
        return Ok(None);
    };
    // a hint: refused (no THP in this kernel) it changes nothing
    #[cfg(target_os = "linux")]
    let _ = map.advise_range(memmap2::Advice::HugePage, 0, huge_part(len));
    let mut filled = 0;
    while filled < len {
        match file.read(&mut map[filled..len]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if filled == len {
        let mut probe = [0u8; 1];
        loop {
            match file.read(&mut probe) {
                Ok(0) => break,
                Ok(_) => return Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(Some(FileBytes(Buffer::Mapped { map, len: filled })))
}

/// How much of a mapping for `len` bytes asks for huge pages: the file's whole huge pages, and
/// its tail's too when the tail fills at least a quarter of one (top-1500's 1 MiB tail: ~260
/// faults fewer on the critical path, for at most 1.5 MiB more resident memory while the lock is
/// parsed, well below the run's later peak); a smaller tail stays in small pages, so resident
/// memory is then the file's size.
fn huge_part(len: usize) -> usize {
    let whole = len / HUGE_PAGE * HUGE_PAGE;
    if len - whole >= HUGE_PAGE / 4 {
        whole + HUGE_PAGE
    } else {
        whole
    }
}

fn too_large(path: &Path, size: u64, limit: u64) -> Error {
    Error {
        uv_layout: false,
        file: path.to_path_buf(),
        position: None,
        key_path: String::new(),
        kind: ErrorKind::TooLarge { size, limit },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(len: usize) -> (tempfile::NamedTempFile, Vec<u8>) {
        let bytes: Vec<u8> = (0..len).map(|i| b"[]ab\n= \"x"[i % 9]).collect();
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&bytes).unwrap();
        f.flush().unwrap();
        (f, bytes)
    }

    #[test]
    fn a_big_file_is_read_whole_into_a_mapping() {
        let len = MAPPED_MIN as usize + 12_345;
        let (f, bytes) = file_of(len);
        let read = read_limited(f.path(), 64 << 20).unwrap();
        assert!(matches!(read.0, Buffer::Mapped { .. }));
        assert_eq!(&*read, &bytes[..]);
        assert_eq!(Vec::from(read), bytes);
    }

    #[test]
    fn a_tail_of_a_quarter_huge_page_or_more_asks_for_a_huge_page() {
        assert_eq!(huge_part(HUGE_PAGE), HUGE_PAGE);
        assert_eq!(huge_part(HUGE_PAGE + HUGE_PAGE / 4 - 1), HUGE_PAGE);
        assert_eq!(huge_part(HUGE_PAGE + HUGE_PAGE / 4), 2 * HUGE_PAGE);
        assert_eq!(huge_part(2 * HUGE_PAGE - 1), 2 * HUGE_PAGE);
        assert_eq!(huge_part(HUGE_PAGE / 4), HUGE_PAGE);
        assert_eq!(huge_part(HUGE_PAGE / 4 - 1), 0);
        // never past the mapping (whole huge pages)
        for len in [1, 4095, HUGE_PAGE + 1, 5_250_462, usize::MAX / 4] {
            assert!(huge_part(len) <= len.next_multiple_of(HUGE_PAGE));
        }
    }

    #[test]
    fn a_small_file_is_read_onto_the_heap() {
        let (f, bytes) = file_of(1000);
        let read = read_limited(f.path(), 64 << 20).unwrap();
        assert!(matches!(read.0, Buffer::Heap(_)));
        assert_eq!(&*read, &bytes[..]);
    }

    #[test]
    fn the_limit_holds_for_mapped_sizes() {
        let len = MAPPED_MIN as usize + 1;
        let (f, _) = file_of(len);
        let e = read_limited(f.path(), MAPPED_MIN).unwrap_err();
        assert!(
            matches!(e.kind, ErrorKind::TooLarge { size, limit } if size == len as u64 && limit == MAPPED_MIN)
        );
    }

    #[test]
    fn a_file_that_grew_after_its_size_was_taken_is_not_cut_short() {
        // `read_mapped` is given a size below the file's: it must say so, not return a prefix
        let (f, _) = file_of(MAPPED_MIN as usize + 10);
        let file = std::fs::File::open(f.path()).unwrap();
        assert!(read_mapped(&file, MAPPED_MIN).unwrap().is_none());
    }

    #[test]
    fn a_file_that_shrank_is_what_is_left_of_it() {
        let (f, bytes) = file_of(MAPPED_MIN as usize);
        let file = std::fs::File::open(f.path()).unwrap();
        let read = read_mapped(&file, MAPPED_MIN + 100).unwrap().unwrap();
        assert_eq!(&*read, &bytes[..]);
    }
}
