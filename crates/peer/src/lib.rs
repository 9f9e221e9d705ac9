//! Peer learning and coaching (issue #18): professional learning communities (PLCs) with
//! their model, people, meetings and action points; lesson study cycles with observers,
//! artefacts and videos; coaching relations forming cascades, coaching visits and the
//! feedback generated from their observations; and the coverage reports managers read.
//!
//! - [`model`]: the request and answer shapes (every request refuses unknown fields).
//! - [`store`]: all the SQL, scoped and audited (see its module doc).
//! - [`artefacts`]: where uploaded files are kept (a directory by default) and what is taken.
//! - [`web`]: the `/api/v1` routes, as an `opencpd_http::Area`.
//! - [`cli`]: `opencpd peer …`, the commands.
//!
//! The rules with no IO (loops in a cascade, feedback bands, the visit plan's order,
//! coverage, regularity, action points on time and carried over) are in
//! `opencpd_domain::peer`.
//!
//! Decisions where the issue is silent:
//! - People are named by id everywhere (the field app picks them from its package);
//!   places, programmes, PLCs and subjects by code.
//! - "This term" is one of the deployment's terms (`peer_terms`): a report names one, or
//!   reads the term today falls in (else the last begun).
//! - A PLC plans `meetings_per_term` meetings a term; regularity over a term still running
//!   counts the share of them due by today.
//! - Feedback bands are written against a domain's score as a percent of its maximum, per
//!   domain and language (`*` for every domain without its own; English when a language has
//!   none).
//! - A PLC's facilitators and supporting officers hold a current position at its place,
//!   inside it or over it (a district officer may support a sector PLC; someone of another
//!   sector may not); members may come from anywhere. An edit gives the PLC in full (people
//!   left out are removed) with the version read; its code stays.
//! - The same file may be an artefact of several lesson studies (kept once by the store).
//! - A relation and its visits are placed where the coachee was when the relation was made.
//! - Counts of people (head teachers, visited, members present, action points of owners)
//!   are suppressed for readers without row-level rights; counts of meetings and PLCs are
//!   shown. The cascade tree names people the reader may read, so its per-coach counts are
//!   shown; its per-level totals are suppressed.
//! - A coach's export lists the visits of a term the reader may read (the coach reads all
//!   theirs), with the instrument (`code version`) of each visit's observation.
//! - Artefacts are kept by the kernel's one file store (`opencpd_kernel::files`).

pub mod artefacts;
pub mod cli;
pub mod model;
pub mod store;
pub mod web;
