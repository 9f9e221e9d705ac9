//! CPD delivery: what a programme team runs, from the programme's targets to the
//! certificate a teacher shows an employer.
//!
//! - [`costs`]: what a programme spent each year, by category, in the deployment's one
//!   currency; managed by `ManageProgrammes`, read by those who read reach.
//! - [`catalogue`]: programmes (funder, budget, period, pillars, targets) and courses
//!   (kind, modality, hours, credits, modules and the professional standards they serve,
//!   prerequisites, assessments, completion rule). Deployment-wide; managed by those
//!   whose role permits [`Action::ManageProgrammes`], read by everyone logged in.
//! - [`cohorts`]: cohorts (a course run at a venue unit, with capacity and facilitators),
//!   enrolment one by one, from a file of staff numbers, or by criteria, and applications
//!   approved or rejected with a reason. A cohort belongs to its unit: officers manage
//!   those in their scope ([`Action::ManageCohorts`]).
//! - [`attendance`]: sessions, the deployment's attendance statuses, marking a whole
//!   cohort in one request, attendance files ([`Action::Facilitate`]).
//! - [`completion`]: grades, and completion computed from attendance and grades by the
//!   course's rule (never typed), cached on the enrolment so reports read one table.
//! - [`certificates`]: serial numbers, public verification codes, expiry, revocation,
//!   re-issue, batch issue.
//! - [`documents`]: certificates on paper: the wording a deployment changes (per language,
//!   default or per course, placeholders checked) and the filled page drawn by
//!   `opencpd-documents`; the holder and readers of the cohort may download it.
//! - [`sheets`]: the printable sign-in sheet of a session and its marks typed back by row
//!   number ("1-14, 16"), previewed by name and saved through the marking function.
//! - [`checkin`]: QR self check-in with a code that changes every minute.
//! - [`record`]: each person's CPD record (hours and credits per year) and thresholds
//!   per role.
//! - [`reports`]: reach against targets with disaggregation, completion funnels, and the
//!   deployment's small-cell threshold for report pages and exports.
//! - [`outreach`], [`resources`], [`awards`]: re-exported from `opencpd-outreach`, the
//!   area crate they moved to; the programme report reads outreach's figures there.
//!
//! Decisions where the issue is silent:
//! - Scope: programmes, courses, standards, attendance statuses and CPD thresholds are the
//!   deployment's (read by all, changed by `ManageProgrammes`: system admins and national
//!   officers). A cohort is placed by its venue unit; `ManageCohorts` (admins, national,
//!   district and sector officers) opens cohorts, enrols, decides applications and issues
//!   certificates there; `Facilitate` (the same plus facilitators) schedules sessions,
//!   marks attendance and grades. Whoever reads a cohort reads its participants.
//! - Who may be enrolled: anyone the actor may read (registry rules). People enrolled keep
//!   the sex, role, school and unit path they had when enrolled: reports count them there.
//! - Applications: made for oneself or for someone the actor may read (a head teacher
//!   nominating staff), by cohort code; a rejection needs a reason; an approval goes
//!   through every enrolment check.
//! - Criteria enrolment leaves out (and counts) people enrolled already or lacking a
//!   prerequisite; one by one and from files, those are problems and nothing is written.
//!   Capacity is all or nothing everywhere, and checked again inside the transaction.
//! - Completion: attended (a status that counts as present) at least the course's share
//!   of all the cohort's sessions, every assessment passed when the course asks it, the
//!   weighted final grade at least the course's minimum when it has one. The completion
//!   date is the day the rule was first met; hours and credits count in that year.
//! - Attendance is taken on the day of the session or after, never before; marking again
//!   replaces a participant's mark.
//! - Certificates: serial `COURSE-YEAR-NNNNN`, a 12-character verification code without
//!   look-alike characters; re-issue revokes the old one ("re-issued as …").
//! - Reach counts people (once per programme), placed where they were when enrolled, and
//!   only those inside the reader's scope; school leaders and teachers get no reach report.
//! - Editing a cohort changes its name, venue, dates, capacity and facilitators (its code,
//!   course and unit stay); the capacity never goes below the people enrolled and not
//!   withdrawn, checked again inside the transaction; a stale version is a conflict.
//! - Withdrawal: dated (on or after the enrolment, not in the future) and with a reason;
//!   withdrawing twice is refused, reinstating needs a free place. The enrolment stays:
//!   reach's "enrolled" counts everyone ever enrolled, "completed" and "certified" only
//!   those not withdrawn; a cohort's funnel shows everyone enrolled, then a "withdrawn"
//!   count, and its later steps (attended enough, completed, certified) leave the
//!   withdrawn out. Capacity counts only those not withdrawn. Attendance and grades of a
//!   withdrawn person are kept as they were.
//! - Small cells: in report pages and exports, a split's counts from 1 to below the
//!   deployment's threshold (default 5, 0 turns it off) show as "<5"; when that hides a
//!   single cell of a column, the smallest other cell of the column is hidden too ("x"),
//!   so no hidden count can be had by subtracting the others from the total. Totals and
//!   targets are exact. The JSON API answers the counts themselves, with the threshold,
//!   for those who analyse them; it is under the same scope as the pages.
//!
//! Not here: HTTP, HTML, file formats (tables arrive already read).

pub mod attendance;
pub mod catalogue;
pub mod certificates;
pub mod checkin;
pub mod cohorts;
pub mod completion;
pub mod costs;
pub mod documents;
pub mod files;
pub mod record;
pub mod reports;
pub mod sheets;

/// Outreach, resources and awards are an area crate of their own (`opencpd-outreach`);
/// delivery's programme report reaches them by the names they had.
pub use opencpd_outreach::store::{awards, outreach, resources};

use chrono::NaiveDate;
use opencpd_domain::access::Action;
use opencpd_kernel::{Actor, Db, Result, on_db};
use std::collections::HashMap;

/// Refuses outright someone whose roles never permit `action`, anywhere.
pub(crate) fn may(actor: &Actor, action: Action) -> Result<()> {
    actor.require_role(action)
}

pub(crate) use opencpd_kernel::error::{collect, fail_if_any, optional_text};

pub(crate) use opencpd_domain::input::choice;
pub(crate) use opencpd_kernel::error::optional_date;
pub(crate) use opencpd_registry::store::people_by_staff_number;

/// Where a person works, for the scope check and for reports: every position (reads see
/// the whole history) and the one that places them today.
#[derive(Debug, Clone, Default)]
pub(crate) struct Placement {
    pub sex: String,
    pub school_ids: Vec<i64>,
    pub paths: Vec<String>,
    /// The current position (the latest started, if several), else the latest held.
    pub role: Option<String>,
    pub school_id: Option<i64>,
    pub path: String,
}

impl Placement {
    pub fn target(&self, id: i64) -> opencpd_domain::access::Target<'_> {
        opencpd_domain::access::Target::Person { id, school_ids: &self.school_ids, paths: &self.paths }
    }
}

#[derive(sqlx::FromRow)]
struct PositionRow {
    person_id: i64,
    sex: String,
    role: Option<String>,
    school_id: Option<i64>,
    path: Option<String>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
}

/// The placements of people, by id; people who do not exist are absent.
pub(crate) async fn placements(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Placement>> {
    let today = opencpd_kernel::today();
    let mut out: HashMap<i64, (Placement, Option<(bool, NaiveDate)>)> = HashMap::new();
    for chunk in ids.chunks(5000) {
        let rows: Vec<PositionRow> = on_db!(db, |p| {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT p.id AS person_id, p.sex, x.role, x.school_id, x.path, x.start_date, x.end_date \
                 FROM people p LEFT JOIN positions x ON x.person_id = p.id WHERE p.id IN (",
            );
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(p).await
        })?;
        for r in rows {
            let entry = out
                .entry(r.person_id)
                .or_insert_with(|| (Placement { sex: r.sex.clone(), path: "/".into(), ..Default::default() }, None));
            let (Some(path), Some(start)) = (r.path, r.start_date) else { continue };
            entry.0.school_ids.extend(r.school_id);
            entry.0.paths.push(path.clone());
            let current = start <= today && r.end_date.is_none_or(|e| e >= today);
            let better = match entry.1 {
                None => true,
                Some((was_current, was_start)) => (current, start) > (was_current, was_start),
            };
            if better {
                entry.1 = Some((current, start));
                entry.0.role = r.role;
                entry.0.school_id = r.school_id;
                entry.0.path = path;
            }
        }
    }
    Ok(out.into_iter().map(|(id, (p, _))| (id, p)).collect())
}

/// Whether the actor may manage delivery for a person (record an award, say).
pub async fn may_manage_person(db: &Db, actor: &Actor, person_id: i64) -> Result<bool> {
    let places = placements(db, &[person_id]).await?;
    Ok(places.get(&person_id).is_some_and(|p| actor.allows(Action::ManageCohorts, &p.target(person_id))))
}
