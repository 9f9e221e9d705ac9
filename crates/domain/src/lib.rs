//! OpenCPD's domain: the words of continuous professional development as types, and the
//! rules that need no input or output.
//!
//! Everything here is pure: no database, no files, no network, no clock (callers pass
//! "today" in). Parsing of user input lives here as `parse` constructors so that the web
//! pages, the JSON API and the command line accept and reject exactly the same values.
//!
//! Not here: how things are stored (`opencpd-kernel` and the area crates), how files are read
//! (`opencpd-transfer`), how they are shown (`opencpd-web`).

pub mod access;
pub mod completion;
pub mod delivery;
pub mod evaluation;
pub mod i18n;
pub mod import;
pub mod indicators;
pub mod input;
pub mod password;
pub mod peer;
pub mod registry;
pub mod seen;
pub mod suppression;
pub mod table;
pub mod vocabulary;

pub use access::{AccountRole, Grant, Scope};
pub use registry::{Ownership, PositionRole, SchoolLevel, Sex, SubSystem};
pub use table::{Problem, Table, TableRow};
