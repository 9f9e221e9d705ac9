//! CPD delivery through the real server on both databases, on the small demo (the whole
//! app from `opencpd-testapp`): programmes and courses with their targets and completion
//! rules, cohorts and enrolment, sessions and attendance, certificates and their
//! verification, CPD records, reach, programmes' costs, and the area's commands.

mod catalogue;
mod costs;
mod delivery;
