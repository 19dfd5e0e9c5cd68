//! Progress reporting: an injectable [`ProgressSink`], with a plain line writer, an `indicatif` bar,
//! and [`default_progress`] choosing between them by whether stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

use crate::error::FetchError;

/// A message for the terminal: control and bidi characters escaped
/// ([`lock2nix_lock::terminal_safe`]), at most [`MAX_MESSAGE_CHARS`] characters (messages quote
/// what servers sent).
pub fn shown(message: &str) -> String {
    let safe = lock2nix_lock::terminal_safe(message);
    match safe.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}… ({} bytes in all)", &safe[..cut], safe.len()),
        None => safe.into_owned(),
    }
}

/// The longest message [`shown`] prints.
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// Receives progress events from [`crate::Prefetcher::run`]; called from worker threads.
pub trait ProgressSink: Send + Sync {
    /// The run starts; `to_fetch` items will be fetched (of `total`).
    fn begin(&self, total: usize, to_fetch: usize);
    /// One item finished (successfully or not).
    fn item_done(&self, description: &str, outcome: Result<(), &FetchError>);
    /// A notice (a retry, a fallback).
    fn note(&self, message: &str);
    /// The run ended.
    fn end(&self, summary: &str);
}

/// Discards all progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn begin(&self, _: usize, _: usize) {}
    fn item_done(&self, _: &str, _: Result<(), &FetchError>) {}
    fn note(&self, _: &str) {}
    fn end(&self, _: &str) {}
}

/// Writes one plain line per event (for logs, CI, and tests).
pub struct LineProgress<W: Write + Send> {
    out: Mutex<(W, usize, usize)>,
}

impl<W: Write + Send> LineProgress<W> {
    /// Writes lines to `out`.
    pub fn new(out: W) -> Self {
        LineProgress {
            out: Mutex::new((out, 0, 0)),
        }
    }

    fn with(&self, f: impl FnOnce(&mut (W, usize, usize))) {
        let mut guard = match self.out.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard);
    }
}

impl<W: Write + Send> ProgressSink for LineProgress<W> {
    fn begin(&self, total: usize, to_fetch: usize) {
        self.with(|s| {
            s.1 = 0;
            s.2 = to_fetch;
            let _ = writeln!(
                s.0,
                "prefetch: {to_fetch} of {total} item(s) to fetch, {} already known",
                total - to_fetch
            );
        });
    }
    fn item_done(&self, description: &str, outcome: Result<(), &FetchError>) {
        self.with(|s| {
            s.1 += 1;
            let _ = match outcome {
                Ok(()) => writeln!(s.0, "[{}/{}] ok {}", s.1, s.2, shown(description)),
                Err(e) => writeln!(s.0, "[{}/{}] FAILED {}", s.1, s.2, shown(&e.to_string())),
            };
        });
    }
    fn note(&self, message: &str) {
        self.with(|s| {
            let _ = writeln!(s.0, "note: {}", shown(message));
        });
    }
    fn end(&self, summary: &str) {
        self.with(|s| {
            let _ = writeln!(s.0, "prefetch: {}", shown(summary));
            let _ = s.0.flush();
        });
    }
}

/// An `indicatif` progress bar on stderr.
pub struct BarProgress {
    bar: indicatif::ProgressBar,
}

impl Default for BarProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl BarProgress {
    /// A hidden bar until [`ProgressSink::begin`] sets its length.
    pub fn new() -> Self {
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {wide_msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix("prefetch");
        BarProgress { bar }
    }
}

impl ProgressSink for BarProgress {
    fn begin(&self, _total: usize, to_fetch: usize) {
        self.bar.set_length(to_fetch as u64);
    }
    fn item_done(&self, description: &str, outcome: Result<(), &FetchError>) {
        if let Err(e) = outcome {
            self.bar
                .println(format!("FAILED {}", shown(&e.to_string())));
        }
        self.bar.set_message(shown(description));
        self.bar.inc(1);
    }
    fn note(&self, message: &str) {
        self.bar.println(format!("note: {}", shown(message)));
    }
    fn end(&self, summary: &str) {
        self.bar.finish_and_clear();
        eprintln!("prefetch: {}", shown(summary));
    }
}

/// A bar when stderr is a terminal, plain lines on stderr otherwise.
pub fn default_progress() -> Arc<dyn ProgressSink> {
    if std::io::stderr().is_terminal() {
        Arc::new(BarProgress::new())
    } else {
        Arc::new(LineProgress::new(std::io::stderr()))
    }
}
