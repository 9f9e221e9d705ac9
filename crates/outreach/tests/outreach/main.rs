//! Outreach through the real server on both databases, on the small demo (the whole app
//! from `opencpd-testapp`): events with their participants and schools reached, resources
//! and their checks, awards, the outreach import, and their scope and small-cell rules.

mod outreach;
