//! `lock2nix`: the command-line shell over the lock2nix library crates.
//!
//! Every command is a thin layer: it parses arguments, calls the libraries and prints. Exit codes:
//! 0 on success, 1 on a user error (bad input, unsatisfiable target, stale overlay), 2 on a usage
//! error (unknown flag, missing argument).

#![deny(unsafe_code)]

mod args;
mod commands;
mod output;
mod project;
mod timing;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: fewer page faults and no glibc arena growth (mprotect) on rayon's threads; see
/// docs/performance.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Commit arena memory on demand and return freed pages at once: with mimalloc's defaults a
/// translate of a 4 MiB lock peaks at ~90 MiB, with these at ~45 MiB, at the same speed.
#[allow(unsafe_code)]
fn tune_allocator() {
    // mimalloc v3's option numbers (include/mimalloc.h): arena_eager_commit = 4, purge_delay = 15.
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: mi_option_set only stores a value in mimalloc's option table; it is called once, at
    // the start of main, before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

fn main() -> ExitCode {
    tune_allocator();
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
