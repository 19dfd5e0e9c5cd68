//! `lock2nix hash-path`: the NAR hash of a file or directory, as `nix-hash --type sha256` computes it.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

/// `lock2nix hash-path`.
#[derive(Debug, Args, Clone)]
pub struct HashPathArgs {
    /// The file, symlink or directory to hash (a directory is hashed as Nix would store it: its
    /// name does not matter, executable bits and symlinks do).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Print Nix base32 (as `nix-hash --type sha256 --base32`) instead of SRI (`sha256-<base64>`).
    #[arg(long)]
    pub base32: bool,
}

/// The hash text `hash-path` prints for `args`.
pub fn hash_text(args: &HashPathArgs) -> Result<String> {
    let hash = lock2nix_nar::hash_path(&args.path)
        .with_context(|| format!("cannot hash {}", args.path.display()))?;
    Ok(if args.base32 {
        hash.to_nix_base32()
    } else {
        hash.to_sri()
    })
}

/// Run `lock2nix hash-path`.
pub fn run(args: &HashPathArgs) -> Result<()> {
    crate::commands::emit(&format!("{}\n", hash_text(args)?))
}
