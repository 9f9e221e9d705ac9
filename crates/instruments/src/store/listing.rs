//! The submissions a person may read, a page at a time: what an instrument's page lists
//! and what a picker searches (a coach linking a visit to the observation they made). The
//! rule is the one a single submission is read by: one's own, or those about a school or
//! person in scope for a reader of submissions.

use super::export::SUBJECT_LABEL_SQL;
use crate::model::{SubmissionFilter, SubmissionLine};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_kernel::paging::{Page, Paged, Sorts};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, on_db};

/// The columns the list of submissions sorts by; newest first unless a sort is given.
pub const SUBMISSION_SORTS: Sorts =
    &[("collected_at", "s.collected_at"), ("received_at", "s.received_at"), ("instrument", "i.code")];

opencpd_kernel::from_row! {
    SubmissionLine {
        id, uuid, instrument_id, instrument_code, instrument_title, instrument_kind, collected_at, collected_by,
        subject_kind, subject_id, subject
    }
}

/// One page of the submissions `actor` may read that match `filter`; `q` searches the
/// instrument's code and title and the name of the school or person it is about.
pub async fn submissions(
    db: &Db,
    actor: &Actor,
    filter: &SubmissionFilter,
    page: &Page,
) -> Result<Paged<SubmissionLine>> {
    let page = match page.sort {
        None => {
            Page { sort: Some("collected_at".into()), dir: page.dir.clone().or(Some("desc".into())), ..page.clone() }
        }
        Some(_) => page.clone(),
    };
    let c = page.check(SUBMISSION_SORTS)?;
    let mut problems = Vec::new();
    if let Some(kind) = &filter.kind
        && !["survey", "test", "observation", "needs_assessment", "checklist"].contains(&kind.as_str())
    {
        let allowed = "survey, test, observation, needs_assessment, checklist";
        problems.push(Problem::new("bad-choice").in_column("kind").with_value(kind).arg("allowed", allowed));
    }
    if let Some(kind) = &filter.subject_kind
        && !["school", "person", "cohort", "session"].contains(&kind.as_str())
    {
        let allowed = "school, person, cohort, session";
        problems.push(Problem::new("bad-choice").in_column("subject_kind").with_value(kind).arg("allowed", allowed));
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let own = actor.user_id.unwrap_or(-1);
    // One's own always; others' in scope for a reader of submissions.
    let readable = if actor.may(Action::ReadSubmissions) {
        format!("({} OR s.collected_by = {own})", ListScope::of(actor).sql(Columns::path("s.subject_path")))
    } else {
        format!("s.collected_by = {own}")
    };
    let filter_sql = format!(
        "WHERE {readable} \
         AND ($1 IS NULL OR s.instrument_id = $1) AND ($2 IS NULL OR i.kind = $2) \
         AND ($3 IS NULL OR s.subject_kind = $3) AND ($4 IS NULL OR s.subject_id = $4) \
         AND ($5 = 0 OR s.collected_by = {own}) \
         AND ($6 IS NULL OR LOWER(i.code) LIKE $6 ESCAPE '\\' OR LOWER(i.title) LIKE $6 ESCAPE '\\' \
              OR (s.subject_kind = 'person' AND EXISTS (SELECT 1 FROM people x WHERE x.id = s.subject_id \
                  AND LOWER(x.given_name || ' ' || x.family_name) LIKE $6 ESCAPE '\\')) \
              OR (s.subject_kind = 'school' AND EXISTS (SELECT 1 FROM schools x WHERE x.id = s.subject_id \
                  AND LOWER(x.name) LIKE $6 ESCAPE '\\')))"
    );
    let from = "FROM submissions s JOIN instruments i ON i.id = s.instrument_id";
    let count = format!("SELECT COUNT(*) {from} {filter_sql}");
    let sql = format!(
        "SELECT s.id, s.uuid, s.instrument_id, i.code AS instrument_code, i.title AS instrument_title, \
         i.kind AS instrument_kind, s.collected_at, u.username AS collected_by, s.subject_kind, s.subject_id, \
         {SUBJECT_LABEL_SQL} AS subject {from} LEFT JOIN users u ON u.id = s.collected_by {filter_sql} {} \
         LIMIT $7 OFFSET $8",
        c.order_by("s.id")
    );
    let mine = i64::from(filter.mine.unwrap_or(false));
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
        .bind(filter.instrument_id)
        .bind(&filter.kind)
        .bind(&filter.subject_kind)
        .bind(filter.subject_id)
        .bind(mine)
        .bind(&c.pattern)
        .fetch_one(p)
        .await)?;
    let items: Vec<SubmissionLine> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(filter.instrument_id)
        .bind(&filter.kind)
        .bind(&filter.subject_kind)
        .bind(filter.subject_id)
        .bind(mine)
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, items))
}

/// The name of the account that collected a submission, as its page shows it.
pub async fn collector(db: &Db, user_id: i64) -> Result<Option<String>> {
    let name: Option<(String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT username, display_name FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(p)
            .await)?;
    Ok(name.map(|(username, display)| if display.trim().is_empty() { username } else { display }))
}
