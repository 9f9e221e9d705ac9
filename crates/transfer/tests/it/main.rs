//! The one integration-test binary of `opencpd-transfer`: hostile spreadsheets made in the
//! test, refused with one problem naming the sheet and the limit.

mod fuzz;
mod hostile;
