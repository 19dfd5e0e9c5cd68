//! `lock2nix-spawn-time OUT ERR CMD...`: run CMD once, its stdout into the file OUT and its
//! stderr into ERR, and print `<wall µs> <peak RSS KiB>`; exit 1 (saying why) when CMD fails.
//!
//! The wall time runs from just before the process is spawned to when `wait4` hands it back, and
//! the peak RSS is the kernel's `ru_maxrss` from that `wait4` (what GNU time's `%M` prints): the
//! process alone. Timed from a shell with `date` before and after, through /usr/bin/time, a run
//! also counts two `date` processes and /usr/bin/time's own start: ~2.5 ms on the benchmark
//! machine (/bin/true: 2.96 ms that way), added to both sides of every ratio. This program is
//! small, so the memory it has before the command's `exec` (which `ru_maxrss` counts, as it does
//! /usr/bin/time's) stays below any command measured here; a Python spawner's would not.

#![deny(unsafe_code)]

use std::fs::File;
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let [out, err, cmd @ ..] = &args[..] else {
        eprintln!("usage: lock2nix-spawn-time OUT ERR CMD...");
        return ExitCode::from(2);
    };
    let Some((program, rest)) = cmd.split_first() else {
        eprintln!("usage: lock2nix-spawn-time OUT ERR CMD...");
        return ExitCode::from(2);
    };
    let (stdout, stderr) = match (File::create(out), File::create(err)) {
        (Ok(o), Ok(e)) => (o, e),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("lock2nix-spawn-time: cannot create the output files: {e}");
            return ExitCode::FAILURE;
        }
    };
    let start = Instant::now();
    let child = match Command::new(program)
        .args(rest)
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "lock2nix-spawn-time: cannot run {}: {e}",
                program.to_string_lossy()
            );
            return ExitCode::FAILURE;
        }
    };
    let (status, maxrss_kib) = match wait4(child.id()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lock2nix-spawn-time: wait4: {e}");
            return ExitCode::FAILURE;
        }
    };
    let micros = start.elapsed().as_micros();
    if status != 0 {
        eprintln!(
            "lock2nix-spawn-time: {} failed (wait status {status})",
            program.to_string_lossy()
        );
        return ExitCode::FAILURE;
    }
    println!("{micros} {maxrss_kib}");
    ExitCode::SUCCESS
}

/// Reap `pid`: its raw wait status and its peak resident set in KiB.
#[allow(unsafe_code)]
fn wait4(pid: u32) -> std::io::Result<(i32, i64)> {
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live locals of the right types; `pid` is our child, which
        // nothing else waits for (its `Child` handle is never waited on).
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage.ru_maxrss));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}
