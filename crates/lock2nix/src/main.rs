//! `lock2nix`: the command-line shell over the lock2nix library crates.
//!
//! Every command is a thin layer: it parses arguments, calls the libraries and prints. Exit codes:
//! 0 on success, 1 on a user error (bad input, unsatisfiable target, stale overlay), 2 on a usage
//! error (unknown flag, missing argument).

#![deny(unsafe_code)]

mod arena;
mod args;
mod commands;
mod output;

mod timing;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc (fewer page faults and no glibc arena growth (mprotect) on rayon's threads), and
/// while a project is read the huge-page [`arena`]; see docs/performance.md.
#[global_allocator]
static GLOBAL: Mimalloc = Mimalloc;

/// mimalloc through its plain entry points where the alignment asked for is one `mi_malloc`
/// already gives (as `std`'s `System` allocator does with `malloc`); the `mimalloc` crate's
/// allocator always takes the aligned ones, about twice the instructions per allocation (~5 M of
/// a translate's ~190 M on top-1000).
struct Mimalloc;

/// The alignment of every `mi_malloc` block: its size classes are whole machine words (1 to 8
/// words, then even numbers of words) and pages start word-aligned. 16-byte alignment holds only
/// for some sizes (a 24-byte block is 8-aligned), so alignments above a word take the aligned calls.
const MI_MIN_ALIGN: usize = std::mem::size_of::<usize>();

#[allow(unsafe_code)]
// SAFETY: every path returns memory with the layout's size and an alignment that meets the
// layout's, either from the arena (a range of its region handed out once, aligned as asked,
// zeroed, never freed) or from mimalloc: the plain calls only where `align <= MI_MIN_ALIGN`,
// which every block meets, the aligned calls otherwise; `mi_free` accepts both. Freeing and
// resizing tell the two apart by address (the arena's region is one fixed range).
unsafe impl std::alloc::GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if let Some(p) = arena::alloc(layout.size(), layout.align()) {
            return p;
        }
        if layout.align() <= MI_MIN_ALIGN {
            libmimalloc_sys::mi_malloc(layout.size()).cast()
        } else {
            libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // the arena's memory is always zeroed
        if let Some(p) = arena::alloc(layout.size(), layout.align()) {
            return p;
        }
        if layout.align() <= MI_MIN_ALIGN {
            libmimalloc_sys::mi_zalloc(layout.size()).cast()
        } else {
            libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        if arena::contains(ptr) {
            return;
        }
        libmimalloc_sys::mi_free(ptr.cast());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if arena::contains(ptr) {
            if arena::resize_in_place(ptr, layout.size(), new_size) {
                return ptr;
            }
            // SAFETY (of the layout): `realloc`'s caller guarantees that `new_size`, rounded up
            // to `layout.align()`, does not overflow `isize`.
            let new = self.alloc(std::alloc::Layout::from_size_align_unchecked(
                new_size,
                layout.align(),
            ));
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            }
            return new;
        }
        if layout.align() <= MI_MIN_ALIGN {
            libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast()
        } else {
            libmimalloc_sys::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
        }
    }
}

// mimalloc v3's option numbers (include/mimalloc.h).
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Commit arena memory on demand, and give freed memory back after 10 ms instead of mimalloc v3's
/// 1 s. With mimalloc's defaults (commit a whole arena chunk up front, purge after a second) a
/// translate of top-1000's 4.1 MiB lock peaks at ~66 MiB; committing on demand brings it to
/// ~35 MiB, and the short purge delay (the memory of the parse, freed before resolving, is
/// returned) to ~30 MiB, for ~6% more time on a 126 MiB lock and none measurable on top-1000.
///
/// This must run before the first allocation (the Rust runtime allocates before `main`): the
/// first arena is reserved then, and eagerly committed unless the option is already off. So it is
/// a static constructor (`.init_array` on ELF systems, `__mod_init_func` on macOS), which the
/// loader runs before the Rust runtime starts; elsewhere it runs at the start of `main`, later
/// but harmless. Setting an option marks it initialised, so mimalloc's own start-up (which reads
/// `MIMALLOC_*` variables) does not override it, whichever of the two runs first.
#[allow(unsafe_code)]
extern "C" fn tune_allocator() {
    // SAFETY: mi_option_set only stores a value in mimalloc's option table (a static array); it
    // is called before any thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 10);
    }
}

/// Turn purging off for the rest of the process: mimalloc's exit handler collects the heap, and
/// with purging on it hands each free range back to the OS (an `madvise` apiece, ~0.3 ms on
/// top-1000) just before the OS takes the whole address space back anyway.
#[allow(unsafe_code)]
fn skip_exit_purge() {
    // SAFETY: mi_option_set only stores a value in mimalloc's option table; concurrent
    // allocations on rayon's threads read it with an atomic load.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
#[allow(unsafe_code)]
#[used]
#[link_section = ".init_array"]
static TUNE_ALLOCATOR_EARLY: extern "C" fn() = tune_allocator;

#[cfg(target_os = "macos")]
#[allow(unsafe_code)]
#[used]
#[link_section = "__DATA,__mod_init_func"]
static TUNE_ALLOCATOR_EARLY: extern "C" fn() = tune_allocator;

fn main() -> ExitCode {
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "macos"
    )))]
    tune_allocator();
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = commands::run(cli);
    skip_exit_purge();
    match result {
        Ok(code) => code,
        Err(e) => {
            // messages quote input files: control and bidi characters are shown escaped
            let safe = |s: String| lock2nix_lock::terminal_safe(&s).into_owned();
            eprintln!("error: {}", safe(e.to_string()));
            let mut source = e.source();
            while let Some(s) = source {
                eprintln!("  caused by: {}", safe(s.to_string()));
                source = s.source();
            }
            if let Some(hint) = commands::hint_for(&e) {
                eprintln!("hint: {}", safe(hint.to_string()));
            }
            ExitCode::from(1)
        }
    }
}
