//! `lock2nix translate`: settings merged once, the library's pipeline, then the file.

use anyhow::Result;
use lock2nix_emit::GENERATED_MARKER;
use lock2nix_project::{translate, Output, Settings};

use crate::args::TranslateArgs;
use crate::commands::print_warnings;
use crate::output::write_generated;

pub fn run(args: &TranslateArgs) -> Result<()> {
    let timer = crate::timing::Timer::from_env();
    let project = crate::commands::load_quiet(&args.target.lock)?;

    timer.mark("read lock, workspace and config");
    let settings = Settings::for_translate(&project, args)?;
    // Resolving, planning and emitting allocate up to ~3× the lock's size, most of which lives
    // until the end: that much comes from the arena too (top-1000: ~2,000 page faults fewer,
    // 2,534 -> 511, for ~3.5 MiB more at the peak; the budget bounds what freed memory keeps
    // resident, since the arena does not reuse it: at 50k entries, 5.5× -> 5.9× the lock).
    let t = crate::arena::during_at_most(project.lock_len.saturating_mul(3), || {
        translate(&project, &settings).map_err(anyhow::Error::from)
    })?;
    timer.mark("resolve, plan, emit");
    print_warnings(&t.warnings);
    for n in &t.notes {
        eprintln!("note: {}", lock2nix_lock::terminal_safe(n));
    }
    // the summary goes to stderr (stdout may be the overlay)
    let summary = t.summary.join("\n");
    // the overlay's pieces, written one after the other (never copied into one text)
    let text = t.text.pieces();
    match &settings.output {
        Output::Stdout => {
            write_stdout(&text)?;
            eprintln!("{summary}");
        }
        Output::File(out) => {
            let changed = write_generated(out, &text, GENERATED_MARKER, args.force)?;
            eprintln!("{summary}");
            eprintln!(
                "{} {}",
                if changed { "wrote" } else { "unchanged:" },
                out.display()
            );
        }
    }
    timer.mark("write");
    // Everything is written: leave the large structures to the OS instead of freeing them one
    // allocation at a time (a few ms on big locks).
    drop(text);
    std::mem::forget((project, t));
    Ok(())
}

/// Write `text`'s pieces to stdout, treating a closed pipe (e.g. `| head`) as success (as
/// [`crate::commands::emit`] does for one text).
fn write_stdout(text: &[&str]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match text
        .iter()
        .try_for_each(|p| out.write_all(p.as_bytes()))
        .and_then(|()| out.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}
