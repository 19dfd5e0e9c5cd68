//! A bump arena backed by transparent huge pages, for the allocations made while a project is
//! read ([`during`]) and, up to a budget, while it is translated ([`during_at_most`]).
//!
//! Reading a lock builds its model: ~2.5× the lock's size in tens of thousands of small
//! allocations (10.4 MiB in 61k on top-1000's 4.1 MiB lock), nearly all of which live until the
//! process exits. From mimalloc each fresh 4 KiB page of them costs a page fault (~2,700 on
//! top-1000, at 1-2 µs each in a VM: the trap, clearing the page, charging it to the memory
//! cgroup). Bumped through a region that asks for 2 MiB pages, the same bytes cost one fault per
//! 2 MiB. The region is dense (no size classes, no per-thread pages), so resident memory stays
//! what was allocated, rounded up to the huge page; memory freed back to it is not reused (the
//! parse frees little; later phases free more, hence their budget), and nothing outside an
//! opening allocates from it.
//!
//! Each thread bumps through a block of its own ([`BLOCK`]), taken from the region with one
//! atomic add, so threads do not contend per allocation. An allocation of [`LARGE`] or more takes
//! a range of whole pages of its own, which grows in place while it is the last range taken (an
//! array that grows after others were taken leaves its earlier copies behind: at most its final
//! size, as it doubles). Once the region (or the opening's budget) is used up, or when it could
//! not be reserved, allocations go to mimalloc: the arena only ever changes where memory comes
//! from, never whether it does.

#![allow(unsafe_code)]

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Address space reserved for the arena (not committed: pages are backed when first touched). The
/// largest lock read (256 MiB) builds a model of ~2.5× that: past this, mimalloc takes over.
#[cfg(target_pointer_width = "64")]
const RESERVE: usize = 1 << 30;
#[cfg(not(target_pointer_width = "64"))]
const RESERVE: usize = 0;

/// A thread's block: big enough that taking one is rare, small enough that the blocks left
/// partly used when the arena closes (one per thread) waste little.
const BLOCK: usize = 256 << 10;

/// Allocations at least this big take a range of their own instead of a place in a block.
pub const LARGE: usize = 64 << 10;

/// The transparent huge page size the region is aligned to and asks for.
const HUGE_PAGE: usize = 2 << 20;

static OPEN: AtomicBool = AtomicBool::new(false);
static START: AtomicUsize = AtomicUsize::new(0);
static END: AtomicUsize = AtomicUsize::new(0);
/// The end of what the current opening may hand out (`END`, or less for [`during_at_most`]).
static LIMIT: AtomicUsize = AtomicUsize::new(0);
/// The start of the next block to hand out (never past `LIMIT`).
static NEXT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The thread's block: the next free byte and the block's end (`(0, 0)`: none yet).
    static BUMP: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Run `f` with the arena serving the small allocations of every thread (`f`'s and rayon's jobs')
/// until it returns. The region is reserved on the first call; a later call goes on where the
/// last one stopped. Not nested: the inner call's end would close the arena for the outer.
pub fn during<T>(f: impl FnOnce() -> T) -> T {
    during_at_most(usize::MAX, f)
}

/// [`during`], taking at most `budget` bytes of fresh blocks (what is left of each thread's
/// block from an earlier opening is used too); past it, every allocation goes to mimalloc. For
/// phases that allocate and free as they go: the arena never reuses what is freed, so the budget
/// bounds the memory it keeps resident for nothing.
pub fn during_at_most<T>(budget: usize, f: impl FnOnce() -> T) -> T {
    /// Closes the arena when `f` returns or unwinds.
    struct Close;
    impl Drop for Close {
        fn drop(&mut self) {
            OPEN.store(false, Ordering::Release);
            trim();
        }
    }
    if reserve() {
        let end = END.load(Ordering::Acquire);
        let from = NEXT.load(Ordering::Relaxed).min(end);
        LIMIT.store(from.saturating_add(budget).min(end), Ordering::Release);
        OPEN.store(true, Ordering::Release);
    }
    let _close = Close;
    f()
}

/// Give back the part of the last huge page that no block reached (up to 2 MiB of resident
/// memory): later blocks start at the next huge page.
fn trim() {
    let end = END.load(Ordering::Acquire);
    if end == 0 {
        return;
    }
    let next = NEXT.load(Ordering::Relaxed);
    let boundary = next.next_multiple_of(HUGE_PAGE);
    if boundary > end {
        return;
    }
    // Taking `[next, boundary)` (a block taken meanwhile makes this fail: then nothing is
    // trimmed) keeps it from being handed out while it is given back.
    if NEXT
        .compare_exchange(next, boundary, Ordering::Relaxed, Ordering::Relaxed)
        .is_err()
    {
        return;
    }
    let from = next.next_multiple_of(4096);
    if from < boundary {
        #[cfg(target_os = "linux")]
        // SAFETY: `[from, boundary)` lies in the region and was never handed out; dropping its
        // pages makes a later touch read zeros, as a fresh mapping does.
        unsafe {
            libc::madvise(
                from as *mut libc::c_void,
                boundary - from,
                libc::MADV_DONTNEED,
            );
        }
    }
}

/// Reserve the region once; whether there is one.
fn reserve() -> bool {
    if END.load(Ordering::Acquire) != 0 {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        if RESERVE == 0 {
            return false;
        }
        // SAFETY: a fresh private anonymous mapping that nothing else refers to; it is never
        // unmapped (its memory is handed out until the process exits).
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                RESERVE + HUGE_PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return false;
        }
        let start = (p as usize).next_multiple_of(HUGE_PAGE);
        // A hint: where huge pages are off it is refused and the region is ordinary memory.
        // SAFETY: the range lies inside the mapping made above.
        let _ = unsafe { libc::madvise(start as *mut libc::c_void, RESERVE, libc::MADV_HUGEPAGE) };
        START.store(start, Ordering::Relaxed);
        NEXT.store(start, Ordering::Relaxed);
        END.store(start + RESERVE, Ordering::Release);
        true
    }
    #[cfg(not(target_os = "linux"))]
    false
}

/// Memory for `size` bytes aligned to `align` (a power of two) from the arena, or `None` when it
/// is closed or the region (or the opening's budget) is used up. The memory is zeroed: the region
/// is fresh from the kernel and never handed out twice.
#[inline]
pub fn alloc(size: usize, align: usize) -> Option<*mut u8> {
    if !OPEN.load(Ordering::Acquire) {
        return None;
    }
    if size >= LARGE {
        // a range of its own, on a page boundary (blocks are taken whole pages at a time, so
        // `NEXT` is always on one)
        let start = take((size + align.saturating_sub(4096)).next_multiple_of(4096))?;
        return Some(start.next_multiple_of(align) as *mut u8);
    }
    BUMP.try_with(|bump| {
        let (next, end) = bump.get();
        let at = next.next_multiple_of(align);
        if next != 0 && at + size <= end {
            bump.set((at + size, end));
            return Some(at as *mut u8);
        }
        if size + align > BLOCK / 4 {
            // (only an alignment near `LARGE` gets here) a range of its own, leaving the
            // thread's block as it is
            let start = take((size + align).next_multiple_of(4096))?;
            return Some(start.next_multiple_of(align) as *mut u8);
        }
        // a new block (the rest of the old one is left unused)
        let start = take(BLOCK)?;
        let at = start.next_multiple_of(align);
        bump.set((at + size, start + BLOCK));
        Some(at as *mut u8)
    })
    .ok()
    .flatten()
}

/// The start of `need` fresh bytes of the region, or `None` when the opening's limit leaves no
/// room for them (then nothing is taken).
fn take(need: usize) -> Option<usize> {
    let limit = LIMIT.load(Ordering::Relaxed);
    NEXT.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |next| {
        next.checked_add(need).filter(|&end| end <= limit)
    })
    .ok()
}

/// Resize the arena block `ptr` of `old` bytes to `new` in place: always when shrinking (the
/// tail is left unused, never handed out again: memory the arena hands out must be zeroed), and
/// when growing if it is the last allocation of this thread's block and the block has room, or
/// (a large one) the last range taken from the region, with room under the opening's limit.
#[inline]
pub fn resize_in_place(ptr: *mut u8, old: usize, new: usize) -> bool {
    if new <= old {
        return true;
    }
    if old >= LARGE {
        // a range of its own: grows in place while it is the last one taken
        let at = ptr as usize;
        let (end, grown) = (
            (at + old).next_multiple_of(4096),
            (at + new).next_multiple_of(4096),
        );
        let limit = LIMIT.load(Ordering::Relaxed);
        return OPEN.load(Ordering::Acquire)
            && grown <= limit
            && NEXT
                .compare_exchange(end, grown, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
    }
    BUMP.try_with(|bump| {
        let (next, end) = bump.get();
        let at = ptr as usize;
        if next == at + old && new < LARGE && at + new <= end {
            bump.set((at + new, end));
            true
        } else {
            false
        }
    })
    .unwrap_or(false)
}

/// Whether `ptr` came from the arena (freeing it is then a no-op).
#[inline]
pub fn contains(ptr: *mut u8) -> bool {
    let p = ptr as usize;
    p >= START.load(Ordering::Relaxed) && p < END.load(Ordering::Relaxed)
}

/// The bytes handed out in blocks so far, rounded up to the huge page once the arena has closed
/// (for `LOCK2NIX_TIMINGS`).
pub fn used() -> usize {
    let start = START.load(Ordering::Relaxed);
    NEXT.load(Ordering::Relaxed)
        .min(END.load(Ordering::Relaxed))
        .saturating_sub(start)
}

#[cfg(all(test, target_os = "linux", target_pointer_width = "64"))]
mod tests {
    use super::*;
    use rayon::prelude::*;

    /// `during` opens and closes the arena for the whole process: one test at a time.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn from_arena<T: ?Sized>(p: *const T) -> bool {
        contains(p.cast::<u8>().cast_mut())
    }

    #[test]
    fn small_allocations_made_during_come_from_the_arena_and_outlive_it() {
        let _serial = serial();
        let inside = during(|| Box::new([7u64; 16]));
        let outside = Box::new([7u64; 16]);
        assert!(from_arena(&*inside));
        assert!(!from_arena(&*outside));
        assert_eq!(*inside, [7; 16]);
        // freeing it is a no-op; the memory stays readable to the end
        drop(inside);
    }

    #[test]
    fn large_allocations_take_page_aligned_ranges_and_grow_in_place_at_the_top() {
        let _serial = serial();
        let (v, w, grew, moved) = during(|| {
            let v = vec![1u8; LARGE];
            let mut w: Vec<u64> = Vec::with_capacity(LARGE / 8);
            w.extend(0..LARGE as u64);
            // the last range taken grows where it is (nothing else takes one in between: other
            // tests' threads would have to take a block within these two calls)
            let p = alloc(LARGE + 1, 8).unwrap();
            let grew = resize_in_place(p, LARGE + 1, 3 * LARGE);
            let q = alloc(LARGE, 8).unwrap();
            let moved = !resize_in_place(p, 3 * LARGE, 4 * LARGE);
            assert!(q as usize >= p as usize + 3 * LARGE);
            (v, w, grew, moved)
        });
        assert!(from_arena(v.as_ptr()) && from_arena(w.as_ptr()));
        assert_eq!(v.as_ptr() as usize % 4096, 0);
        assert!(v.iter().all(|&b| b == 1));
        assert!(w.iter().enumerate().all(|(i, &x)| x == i as u64));
        assert!(grew);
        // no longer the last range: growing it needs a copy
        assert!(moved);
    }

    #[test]
    fn alignments_are_met() {
        let _serial = serial();
        for align in [1, 2, 8, 16, 64, 4096, 32 << 10] {
            let layout = std::alloc::Layout::from_size_align(24, align).unwrap();
            let p = during(|| {
                // SAFETY: a non-zero size; the block is never freed (the arena's are not).
                unsafe { std::alloc::alloc(layout) }
            });
            assert!(!p.is_null());
            assert_eq!(p as usize % align, 0, "align {align}");
            assert!(contains(p), "align {align}");
        }
    }

    #[test]
    fn zeroed_memory_is_zero_and_growing_keeps_the_contents() {
        let _serial = serial();
        let (zeros, grown) = during(|| {
            let zeros = vec![0u32; 3000];
            let mut grown: Vec<u64> = Vec::new();
            for i in 0..3000 {
                grown.push(i * 3);
            }
            grown.shrink_to_fit();
            (zeros, grown)
        });
        assert!(from_arena(zeros.as_ptr()));
        assert!(zeros.iter().all(|&z| z == 0));
        // 24 KB: grown in the arena (in place while it was the thread's last allocation)
        assert!(from_arena(grown.as_ptr()));
        assert!(grown.iter().enumerate().all(|(i, &v)| v == i as u64 * 3));
    }

    #[test]
    fn the_last_allocation_grows_in_place() {
        let _serial = serial();
        let (moved, v) = during(|| {
            let mut v: Vec<u32> = Vec::with_capacity(4);
            v.push(1);
            let at = v.as_ptr();
            v.extend(2..=2000);
            (v.as_ptr() != at, v)
        });
        assert!(!moved);
        assert!(from_arena(v.as_ptr()));
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u32 + 1));
    }

    #[test]
    fn memory_given_back_by_shrinking_is_not_handed_out_again() {
        let _serial = serial();
        let (shrunk, zeros) = during(|| {
            let mut v: Vec<u8> = vec![0xff; 4000];
            v.truncate(10);
            v.shrink_to_fit();
            (v, vec![0u8; 3990])
        });
        assert!(from_arena(shrunk.as_ptr()) && from_arena(zeros.as_ptr()));
        assert_eq!(shrunk, [0xff; 10]);
        assert!(zeros.iter().all(|&b| b == 0));
    }

    #[test]
    fn a_panic_inside_closes_the_arena() {
        let _serial = serial();
        let caught = std::panic::catch_unwind(|| during(|| panic!("inside")));
        assert!(caught.is_err());
        let after = Box::new(1u32);
        assert!(!from_arena(&*after));
    }

    #[test]
    fn growing_past_large_moves_the_contents_to_a_range_of_their_own() {
        let _serial = serial();
        let v = during(|| {
            let mut v: Vec<u8> = Vec::with_capacity(100);
            assert!(from_arena(v.as_ptr()));
            v.extend((0..LARGE + 1).map(|i| (i % 251) as u8));
            v
        });
        assert!(from_arena(v.as_ptr()));
        assert_eq!(v.as_ptr() as usize % 4096, 0);
        assert!(v.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    }

    /// `n` boxes of 1 KiB allocated on a fresh thread (which has no block of its own yet).
    #[allow(clippy::vec_box)] // each box is an allocation under test
    fn boxes_on_a_new_thread(n: usize) -> Vec<Box<[u8; 1024]>> {
        std::thread::spawn(move || (0..n).map(|_| Box::new([3u8; 1024])).collect())
            .join()
            .unwrap()
    }

    #[test]
    fn a_budget_bounds_the_blocks_an_opening_takes() {
        let _serial = serial();
        // (other tests' threads may take blocks while the arena is open: the bounds hold anyway)
        let (boxes, within) = during_at_most(BLOCK, || {
            let boxes = boxes_on_a_new_thread(3 * BLOCK / 1024);
            let within = NEXT.load(Ordering::Relaxed) <= LIMIT.load(Ordering::Relaxed);
            (boxes, within)
        });
        let inside = boxes.iter().filter(|b| from_arena(&***b)).count();
        // at most a block's worth from the arena, then mimalloc; failing to take a block took
        // nothing
        assert!(inside <= BLOCK / 1024, "{inside}");
        assert!(!from_arena(&**boxes.last().unwrap()));
        assert!(within);
        assert!(boxes.iter().all(|b| **b == [3u8; 1024]));

        let none = during_at_most(0, || boxes_on_a_new_thread(10));
        assert!(none.iter().all(|b| !from_arena(&**b)));
    }

    #[test]
    fn threads_take_blocks_of_their_own() {
        let _serial = serial();
        let strings: Vec<String> = during(|| {
            (0..20_000)
                .into_par_iter()
                .map(|i| format!("package-{i}"))
                .collect()
        });
        assert!(strings.iter().all(|s| from_arena(s.as_ptr())));
        assert!(strings
            .iter()
            .enumerate()
            .all(|(i, s)| *s == format!("package-{i}")));
        // no two strings overlap
        let mut ranges: Vec<(usize, usize)> = strings
            .iter()
            .map(|s| (s.as_ptr() as usize, s.as_ptr() as usize + s.len()))
            .collect();
        ranges.sort_unstable();
        assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0));
    }
}
