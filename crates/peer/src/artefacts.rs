//! Where the files of lesson studies (lesson plans, digitised lessons, photos) are kept:
//! the one file store, [`opencpd_kernel::files::Files`], named by their content. The
//! database holds what each file is (name, type, size, digest); the store holds the bytes.
//!
//! [`limits`] decides what is taken: a size limit, and a list of types each recognised by
//! the file's first bytes, not by its name or the type the sender claims.

pub use opencpd_kernel::files::{Files, Limits};
use opencpd_kernel::files::{JPEG, PDF, PNG, ZIP};

/// 20 MB of PDF, PNG, JPEG, or the Office formats (a zip: .docx, .pptx, .xlsx).
pub fn limits() -> Limits {
    Limits::new(20 * 1024 * 1024, &[PDF, PNG, JPEG, ZIP])
}
