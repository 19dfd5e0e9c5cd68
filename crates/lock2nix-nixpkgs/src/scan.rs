//! Building an [`Index`] by statically scanning a nixpkgs source tree with `rnix`.

use std::path::Path;

use crate::error::{Error, Result};
use crate::index::Index;

/// Scans a nixpkgs checkout (see the crate docs).
pub fn index_from_source_tree(path: impl AsRef<Path>) -> Result<Index> {
    Err(Error::NotNixpkgs {
        path: path.as_ref().to_path_buf(),
        detail: "not implemented yet".into(),
    })
}
