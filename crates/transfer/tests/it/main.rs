//! The one integration-test binary of `opencpd-transfer`: hostile spreadsheets made in the
//! test, refused with one problem naming the sheet and the limit.

mod fuzz;
mod hostile;

/// Any reader that tries to hold more than 1 GiB at once fails the run (the fuzz tests
/// find unbounded allocations, not only panics).
#[global_allocator]
static ALLOCATOR: opencpd_transfer::capped::Capped = opencpd_transfer::capped::Capped::new(1 << 30);
