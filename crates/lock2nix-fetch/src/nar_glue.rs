//! The bridge to `lock2nix-nar` and a directory probe over tar.gz archives.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use lock2nix_nar::{hash_archive, hash_path, ArchiveKind, StripRoot};

/// SRI NAR hash of what `fetchzip` (and so `fetchFromGitHub`) makes of a tar.gz: unpacked, with the
/// single top-level directory stripped.
pub(crate) fn hash_tar_gz(file: &File) -> Result<String, String> {
    hash_archive(BufReader::new(file), ArchiveKind::TarGz, StripRoot::Yes)
        .map(|h| h.to_sri())
        .map_err(|e| e.to_string())
}

/// SRI NAR hash of a directory on disk (what `fetchgit` records for a checkout without `.git`).
pub(crate) fn hash_dir(dir: &Path) -> Result<String, String> {
    hash_path(dir)
        .map(|h| h.to_sri())
        .map_err(|e| e.to_string())
}

/// Whether a tar.gz has a directory `<top>/<subdir...>` (explicit, or implied by a member path).
pub(crate) fn tar_gz_has_dir(file: &File, subdir: &[&str]) -> Result<bool, String> {
    let gz = flate2::read::MultiGzDecoder::new(BufReader::new(file));
    let mut found = false;
    lock2nix_nar::archive::for_each_tar_entry(
        gz,
        lock2nix_nar::ArchiveOptions::default().max_header_bytes,
        |e| e.to_string(),
        |entry| -> Result<bool, String> {
            let ty = entry.header().entry_type();
            if ty.is_pax_global_extensions() || ty.is_pax_local_extensions() {
                return Ok(true);
            }
            let path = entry.path().map_err(|e| e.to_string())?;
            let path = path.to_string_lossy();
            let comps: Vec<&str> = path
                .split('/')
                .filter(|c| !c.is_empty() && *c != ".")
                .collect();
            let is_dir_here =
                comps.len() > subdir.len() + 1 || (comps.len() == subdir.len() + 1 && ty.is_dir());
            found = is_dir_here && comps.get(1..=subdir.len()) == Some(subdir);
            Ok(!found)
        },
    )?;
    Ok(found)
}
