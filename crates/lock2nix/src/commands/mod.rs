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

/// A "what to do" line for errors that have one.
pub fn hint_for(e: &anyhow::Error) -> Option<&'static str> {
    e.chain().find_map(|cause| {
        if let Some(pe) = cause.downcast_ref::<lock2nix_project::Error>() {
            pe.hint()
        } else {
            cause.downcast_ref::<lock2nix_lock::Error>()?.hint()
        }
    })
}

/// Print warnings to stderr, one line each, control characters escaped.
pub fn print_warnings<T: ToString>(warnings: &[T]) {
    for w in warnings {
        eprintln!("warning: {}", lock2nix_lock::terminal_safe(&w.to_string()));
    }
}

/// Load the project and print what loading found: the lock's warnings, unknown build backends
/// and how the lock differs from the pyproject.toml files.
pub fn load(args: &crate::args::LockArgs) -> Result<lock2nix_project::Project> {
    let project = load_quiet(args)?;
    print_warnings(&project.stale_warnings());
    Ok(project)
}

/// Like [`load`], without the stale-lock check (for callers that run it alongside other work).
pub fn load_quiet(args: &crate::args::LockArgs) -> Result<lock2nix_project::Project> {
    // Start rayon's threads while this one reads the files, so that the parse that follows
    // begins on running threads (starting them costs ~0.4 ms, otherwise on the critical path).
    rayon::spawn(|| {});
    // the model lives until the process exits: built in huge pages, densely
    let project = crate::arena::during(|| {
        lock2nix_project::Project::load(args).map_err(anyhow::Error::from)
    })?;
    print_warnings(&project.load_warnings());
    Ok(project)
}
