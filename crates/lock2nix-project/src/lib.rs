//! The pipeline behind the commands: a [`Project`] (the lock, its workspace, the configuration),
//! command-line flags merged with the configuration once ([`Settings`]), and
//! [`translate`](translate::translate): resolve every system → plan → lay out → emit, with the
//! overlay's [`OverlayHeader`], which `check` reads back. Nothing here prints or writes the
//! overlay; the CLI does.

#![forbid(unsafe_code)]
// Errors carry positions and sources and are returned once per command, never in a loop.
#![allow(clippy::result_large_err)]

mod error;
pub mod flags;
pub mod header;
pub mod prefetch;
pub mod project;
pub mod settings;
pub mod translate;

pub use error::Error;
pub use header::{HeaderError, Inputs, OverlayHeader};
pub use project::{host_system, parse_system, Project};
pub use settings::{env_specs, Output, Settings, TargetSettings};
pub use translate::{
    current_inputs, env_summary, environments, read_facts, relative_path, translate, Translation,
};
