//! An allocator for test binaries that fuzz the readers: the system's, refusing any
//! allocation that would take the memory held past a ceiling. A reader that tries to
//! hold an unbounded amount (a grid built from a declared dimension, a line kept whole)
//! then fails its test (the allocation error ends the binary) instead of passing on a
//! machine with memory to spare.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator with a ceiling on the bytes held at once.
pub struct Capped {
    held: AtomicUsize,
    ceiling: usize,
}

impl Capped {
    pub const fn new(ceiling: usize) -> Capped {
        Capped { held: AtomicUsize::new(0), ceiling }
    }

    /// Bytes held now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

// SAFETY: every call is passed to the system allocator unchanged; a refusal returns null,
// which callers of `alloc` must handle.
unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let before = self.held.fetch_add(layout.size(), Ordering::Relaxed);
        if before + layout.size() > self.ceiling {
            self.held.fetch_sub(layout.size(), Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        // SAFETY: the layout is the caller's, valid for `alloc`.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            self.held.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was given by `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        self.held.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let grow = new_size - layout.size();
            let before = self.held.fetch_add(grow, Ordering::Relaxed);
            if before + grow > self.ceiling {
                self.held.fetch_sub(grow, Ordering::Relaxed);
                return std::ptr::null_mut();
            }
            // SAFETY: as `GlobalAlloc::realloc` requires of its caller.
            let p = unsafe { System.realloc(ptr, layout, new_size) };
            if p.is_null() {
                self.held.fetch_sub(grow, Ordering::Relaxed);
            }
            p
        } else {
            // SAFETY: as `GlobalAlloc::realloc` requires of its caller.
            let p = unsafe { System.realloc(ptr, layout, new_size) };
            if !p.is_null() {
                self.held.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
            p
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allocation_past_the_ceiling_is_refused_and_what_is_freed_counts_again() {
        let capped = Capped::new(4096);
        let small = Layout::from_size_align(3000, 8).unwrap();
        // SAFETY: a valid layout; what is given is freed with it.
        unsafe {
            let a = capped.alloc(small);
            assert!(!a.is_null());
            assert_eq!(capped.held(), 3000);
            assert!(capped.alloc(small).is_null(), "6000 bytes would pass 4096");
            let b = capped.realloc(a, small, 4000);
            assert!(!b.is_null());
            assert!(capped.realloc(b, Layout::from_size_align(4000, 8).unwrap(), 5000).is_null());
            capped.dealloc(b, Layout::from_size_align(4000, 8).unwrap());
            assert_eq!(capped.held(), 0);
            let c = capped.alloc(small);
            assert!(!c.is_null());
            capped.dealloc(c, small);
        }
    }
}
