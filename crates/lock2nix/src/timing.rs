//! `LOCK2NIX_TIMINGS=1`: print how long each phase took, and the process's memory after it
//! (resident now and at its peak, from `/proc/self/status`; the read arena's blocks handed out;
//! the page faults so far, from `/proc/self/stat`; where there are such files), to stderr.

use std::cell::Cell;
use std::time::Instant;

/// Phase timer; silent unless `LOCK2NIX_TIMINGS` is set.
pub struct Timer {
    last: Option<Cell<Instant>>,
}

impl Timer {
    /// Enabled when the environment asks for it.
    pub fn from_env() -> Self {
        Self {
            last: std::env::var_os("LOCK2NIX_TIMINGS").map(|_| Cell::new(Instant::now())),
        }
    }

    /// Print the time since the previous mark.
    pub fn mark(&self, phase: &str) {
        if let Some(last) = &self.last {
            let now = Instant::now();
            eprintln!(
                "timing: {phase}: {:.1} ms{}",
                (now - last.get()).as_secs_f64() * 1000.0,
                memory()
            );
            last.set(now);
        }
    }
}

/// `, RSS N MiB (peak M MiB, arena A MiB), F page faults`, or nothing where `/proc/self/status`
/// cannot be read.
fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: f64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024.0)
    };
    let faults = minor_faults().map_or(String::new(), |n| format!(", {n} page faults"));
    let arena = crate::arena::used() as f64 / f64::from(1 << 20);
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(now), Some(peak)) => {
            format!(", RSS {now:.1} MiB (peak {peak:.1} MiB, arena {arena:.1} MiB){faults}")
        }
        _ => String::new(),
    }
}

/// The process's minor page faults so far: field 10 of `/proc/self/stat` (counted after the
/// command name, which is in parentheses and may hold spaces).
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(7)?.parse().ok()
}
