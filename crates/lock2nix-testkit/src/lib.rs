//! Test helpers shared by the lock2nix crates' test suites (a dev-dependency; never published).
//!
//! The crate's job is to make tests that touch the outside world short and honest:
//!
//! * **Paths** — [`repo_root`], [`fixture`], [`stub_dir`] and [`shared_fixture`] (the read-only
//!   real data in `shared/fixtures/`, found beside the repository or through `LOCK2NIX_SHARED`).
//! * **Tools** — [`require_tool`] and [`python3_with_packaging`] return the tool, or — only when
//!   `LOCK2NIX_SKIP_NIX_TESTS=1` / `LOCK2NIX_SKIP_PY_TESTS=1` is set — print a skip line and
//!   return `None`; otherwise they panic with install instructions, so a missing tool fails CI.
//! * **Nix evaluation** — [`nix_eval_json`], [`nix_eval_file_json`] and [`nix_parse`] run
//!   `nix-instantiate` (read-only mode, `NIX_PATH` unset, a private state directory and `HOME`
//!   per call, so tests run in parallel as any user) and return typed [`NixError`]s carrying
//!   Nix's stderr. [`stub_expr`] builds the expression that imports the nixpkgs stub
//!   (`fixtures/nixpkgs-stub/`) with an [`Overlay`] and an index applied; [`nix_str`] and
//!   [`nix_path`] quote values for such expressions.
//! * **HTTP** — [`TestServer`], a tiny scripted HTTP/1.1 server on `127.0.0.1:0` for fetch tests
//!   (per-path response scripts such as "500, then 200 with these bytes", request counters,
//!   shut down on drop).

#![forbid(unsafe_code)]

mod http;
mod nix;
mod paths;
mod tools;

pub use http::{Response, TestServer};
pub use nix::{
    nix_eval_file_json, nix_eval_json, nix_parse, nix_path, nix_str, stub_expr, NixArg, NixError,
    Overlay,
};
pub use paths::{fixture, repo_root, shared_fixture, shared_root, stub_dir, SHARED_ENV};
pub use tools::{
    find_in_path, python3_with_packaging, require_tool, resolve_tool, ToolMissing, SKIP_NIX_ENV,
    SKIP_PY_ENV,
};
