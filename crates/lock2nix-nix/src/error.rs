//! Typed printer errors.

/// Why a tree could not be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// A string contained a NUL character, which no Nix string can hold.
    #[error("string {context} contains a NUL character at byte {offset}; Nix strings cannot contain NUL")]
    Nul {
        /// Which kind of value held the NUL (string literal, attribute name, path, comment).
        context: &'static str,
        /// Byte offset of the NUL in the original value.
        offset: usize,
    },
    /// A variable or lambda parameter name is not a valid Nix identifier.
    #[error(
        "{name:?} is not a valid Nix identifier (expected [a-zA-Z_][a-zA-Z0-9_'-]*, not a keyword)"
    )]
    InvalidIdentifier {
        /// The offending name.
        name: String,
    },
    /// A path that is neither relative (`./…`, `../…`) nor absolute (`/…`).
    #[error("path {path:?} must start with ./, ../ or /")]
    InvalidPath {
        /// The offending path.
        path: String,
    },
    /// A select, has-attr or assignment with an empty attribute path.
    #[error("empty attribute path in {context}")]
    EmptyAttrPath {
        /// Where the empty path was found.
        context: &'static str,
    },
    /// An `inherit` of a name that is not an identifier (it can only be written as `name = from.name;`).
    #[error("cannot inherit {name:?}: not a valid Nix identifier; write an assignment instead")]
    InheritNonIdentifier {
        /// The offending name.
        name: String,
    },
    /// [`crate::Expr::Trusted`] text that cannot be embedded safely.
    #[error("trusted Nix text {text:?} is unusable: {reason}")]
    InvalidTrusted {
        /// The text.
        text: String,
        /// Why.
        reason: &'static str,
    },
    /// Pre-printed bindings ([`crate::Printed`]) placed where they would print differently.
    #[error(
        "pre-printed bindings for indentation {expected} placed at indentation {found}: {reason}"
    )]
    PrintedLevel {
        /// The indentation they were printed for.
        expected: usize,
        /// Where the tree put them.
        found: usize,
        /// What was wrong.
        reason: &'static str,
    },
}
