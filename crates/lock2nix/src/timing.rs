//! `LOCK2NIX_TIMINGS=1`: print how long each phase took, to stderr.

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
                "timing: {phase}: {:.1} ms",
                (now - last.get()).as_secs_f64() * 1000.0
            );
            last.set(now);
        }
    }
}
