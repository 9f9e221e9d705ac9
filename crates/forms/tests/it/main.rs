//! The one integration-test binary of `opencpd-forms`: workbooks built in code from the
//! XLSForm spec, and the real forms of the shared reference data (`../shared/data/xlsforms`).

mod corpus;
mod expressions;
mod fixtures;
mod fuzz;
mod import;
mod odk_types;
mod real_forms;
mod scoring;
mod validation;

/// Any reader that tries to hold more than 1 GiB at once fails the run (the fuzz tests
/// find unbounded allocations, not only panics).
#[global_allocator]
static ALLOCATOR: opencpd_transfer::capped::Capped = opencpd_transfer::capped::Capped::new(1 << 30);
