//! The commands.

mod check;
pub(crate) mod hash_path;
pub(crate) mod index;
mod inspect;
mod plan;
pub(crate) mod prefetch;
mod resolve;
mod translate;

use std::process::ExitCode;

use anyhow::Result;

use crate::args::{Cli, Command};

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Inspect {
            lock,
            format,
            stale,
        } => inspect::run(&lock, format, stale),
        Command::Resolve { target, format } => resolve::resolve(&target, format),
        Command::Why { package, target } => resolve::why(&package, &target),
        Command::Plan {
            target,
            nixpkgs,
            envs,
            format,
        } => plan::run(&target, &nixpkgs, &envs, format),
        Command::Translate(args) => translate::run(&args),
        Command::Check { lock, out } => return check::run(&lock, out.as_deref()),
        Command::Override(cmd) => check::override_cmd(&cmd),
        Command::Graph { target, format } => resolve::graph(&target, format),
        Command::Prefetch(args) => prefetch::run(&args),
        Command::HashPath(args) => hash_path::run(&args),
        Command::Index(args) => index::run(&args),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// Write to stdout, treating a closed pipe (e.g. `| head`) as success.
pub fn emit(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}
