//! Outreach: events (maths camps, science caravans, award ceremonies, broadcasts…) with
//! their participants by category and sex and the schools reached, the deployment's kinds
//! of event and the import of event files; resources delivered to schools and the later
//! checks of their state; awards to teachers.
//!
//! - [`model`]: its request and answer shapes.
//! - [`store`]: all its SQL, scoped and audited.
//! - [`web`]: its pages and `/api/v1` routes, as an `opencpd_http::Area`.
//!
//! It stands on the kernel, the registry and http, and on nothing of delivery's code:
//! what it reads of delivery's tables (a programme by its code, the programmes a form
//! lists) is plain SQL in its own [`store`]. So the dependency runs one way: delivery
//! (`opencpd-delivery`) depends on this crate and its programme report reads the
//! targets measured in outreach (`outreach_participants`, `schools_reached`) through
//! [`store::outreach::figures`], as it did before the move. The other way round — this
//! crate calling delivery — would have needed a provider registered at startup to break
//! the cycle, for no gain: outreach needs only rows of delivery's tables.
//!
//! Decisions where the issue is silent:
//! - Outreach events are placed at a school (its unit is the place) or a unit and belong
//!   there: officers whose scope covers the place record and edit them (`ManageCohorts`),
//!   whoever reads the place reads them; a school leader reads those at their school. A
//!   broadcast (radio, TV, online) may have no place: it is the deployment's, read by all
//!   and recorded by those who manage programmes. The schools reached must each be
//!   readable by whoever records the event; the school it was held at counts as reached.
//!   Participants are counted by category (learners, teachers, parents, officials,
//!   others) and sex, never negative. Targets may count `outreach_participants` (of one
//!   sex when the target says so; a target's role does not apply) and `schools_reached`
//!   (distinct schools), over the programme's events in the reader's scope and the
//!   target's unit.
//! - Resources belong to their school (`ManageCohorts` there records deliveries and
//!   checks; whoever reads the school reads them). A delivery is dated today or before; a
//!   check is dated on or after the delivery and not in the future; the latest check
//!   gives the current state.
//! - Awards belong to their person: officers whose scope covers the person record them,
//!   whoever reads the person reads them (on the person page and the CPD record).

pub mod model;
pub mod store;
pub mod web;
