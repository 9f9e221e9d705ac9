//! All of this area's SQL.

pub mod dashboard;
pub mod dhis2;
pub mod engine;
pub mod flows;
pub mod kept;
pub mod learners;
pub mod outcomes;
pub mod plans;
pub mod reference;
pub mod rollup;
pub mod unit_cells;

pub use opencpd_kernel::settings::small_cell_threshold;
