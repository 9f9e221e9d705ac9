//! OpenCPD's areas that have not yet moved to crates of their own: CPD delivery and
//! backups.
//!
//! They stand on `opencpd-kernel` (the database on either backend, actors, the audit
//! trail, the list-scope filter), re-exported here under the names they had.
//!
//! Not here: HTTP, HTML, file formats.

pub mod delivery;

/// The registry is an area crate of its own; the areas still here reach it by the names
/// they had.
pub use opencpd_registry::store::{self as registry, exports, imports};

/// So are instruments, submissions and field sync.
pub use opencpd_instruments::store::{self as instruments, field};

pub use opencpd_kernel::{
    Actor, Backend, Db, DbIdentity, Error, IfMissing, Result, Tx, TxConn, accounts, audit, backup, bulk, cache,
    derived, describe_url, error, import, on_db, on_tx, paging, scope, sqlite_file, today,
};
