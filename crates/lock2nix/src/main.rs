//! `lock2nix`: the command-line shell over the lock2nix library crates.
//!
//! Every command is a thin layer: it parses arguments, calls the libraries and prints. Exit codes:
//! 0 on success, 1 on a user error (bad input, unsatisfiable target, stale overlay), 2 on a usage
//! error (unknown flag, missing argument).

#![forbid(unsafe_code)]

mod args;
mod commands;
mod output;
mod project;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: fewer page faults and no glibc arena growth (mprotect) on rayon's threads; see
/// docs/performance.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = e.source();
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            if let Some(hint) = project::hint_for(&e) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(1)
        }
    }
}
