//! `lock2nix-nix`: a small typed Nix syntax tree and an injection-safe, deterministic printer.
//!
//! The emitter builds a tree of [`Expr`] values (with the builders on [`Expr`], [`Binding`], [`Param`] and the
//! [`attrs!`] / [`list!`] macros) and prints it with [`print_file`] or [`print_expr`].
//!
//! Guarantees:
//!
//! * **Injection safety.** Every string that can come from outside (string values, attribute names, paths,
//!   comments) is escaped: a printed `"…"` literal evaluates to exactly the original text, an attribute name is
//!   printed bare only when it is an identifier and not a keyword, a path that is not a plain path literal is
//!   printed as `./. + "…"`, and comment text is split at line breaks. The only way to get verbatim Nix into the
//!   output is [`Expr::Trusted`], reserved for Nix from the user's own config file. Text that cannot be
//!   represented (NUL) is a typed [`PrintError`], never silently altered.
//! * **Correct parenthesisation** by Nix operator precedence ([`BinOp::precedence`]).
//! * **Formatting**: the output is a fixed point of the `alejandra` formatter (3.1): the printer mirrors
//!   alejandra's layout rules (for input without comments), choosing where alejandra keeps the input's layout:
//!   lists and sets with more than one element (or one that does not fit on a line) one element per line, `[x]`
//!   and `{a = 1;}` compact, `let … in` always vertical.
//!   Known exception: alejandra 3.1 drops the parentheses of `(1).a` / `(./p).a` (selecting from a number or a
//!   path literal, which is meaningless anyway); the printer writes them correctly.
//! * **Determinism**: equal trees print to equal text; nothing depends on hash order.
//!
//! Public API: the tree ([`Expr`], [`StrPart`], [`BinOp`], [`AttrName`], [`Binding`], [`BindingKind`], [`Param`],
//! [`PatEntry`], [`File`]), the printers ([`print_expr`], [`print_file`], and [`print_vertical_binding`] /
//! [`print_vertical_binding_into`] for printing a large set's bindings separately, e.g. in parallel), the escaping helpers in [`escape`]
//! ([`escape_string`], [`quote_string`], [`escape_indented_string`], [`is_identifier`], [`escape::path_form`]) and
//! [`PrintError`].

#![forbid(unsafe_code)]

mod ast;
mod error;
pub mod escape;
mod print;

pub use ast::*;
pub use error::PrintError;
pub use escape::{escape_indented_string, escape_string, is_identifier, quote_string};
pub use print::{
    print_expr, print_file, print_file_sized, print_file_spliced, print_vertical_binding,
    print_vertical_binding_into, Direct, Printed, PrintedFile,
};
