//! The grades, subjects and learner groups a deployment defines, which outcome rows refer
//! to by code: listed, added ([`add`]) and edited ([`edit`]: a name, a subject's maximum
//! score, a grade's position, with the version read). Not here: the forms and routes
//! (`crate::web::reference`).

use crate::model::{Grade, LearnerGroup, NewReference, ReferenceEdit, Subject};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_domain::registry::{parse_code, parse_name};
use opencpd_kernel::error::{collect, fail_if_any, stale, unique_violation};
use opencpd_kernel::{Actor, Db, Error, Result, RowLock, Tx, audit, on_db, on_tx};

pub async fn grades(db: &Db) -> Result<Vec<Grade>> {
    let rows: Vec<(i64, String, String, i64, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, code, name, position, version FROM outcome_grades ORDER BY position"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name, position, version)| Grade { id, code, name, position, version })
        .collect())
}

pub async fn subjects(db: &Db) -> Result<Vec<Subject>> {
    let rows: Vec<(i64, String, String, f64, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, code, name, max_score, version FROM outcome_subjects ORDER BY code"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name, max_score, version)| Subject { id, code, name, max_score, version })
        .collect())
}

pub async fn groups(db: &Db) -> Result<Vec<LearnerGroup>> {
    let rows: Vec<(i64, String, String, i64)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code, name, version FROM learner_groups ORDER BY code")
            .fetch_all(p)
            .await)?;
    Ok(rows.into_iter().map(|(id, code, name, version)| LearnerGroup { id, code, name, version }).collect())
}

/// Which list a new reference goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Grade,
    Subject,
    Group,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Grade => "outcome_grade",
            Kind::Subject => "outcome_subject",
            Kind::Group => "learner_group",
        }
    }

    /// The kind as the messages name it (`problem-reference-not-taken`).
    fn key(self) -> &'static str {
        match self {
            Kind::Grade => "grade",
            Kind::Subject => "subject",
            Kind::Group => "group",
        }
    }
}

/// A field `kind` does not take (`max_score` is for subjects, `position` for grades).
fn not_taken(kind: Kind, field: &str) -> Problem {
    Problem::new("reference-not-taken").in_column(field).with_value(field).arg("kind", kind.key())
}

/// The problems of the fields only some kinds take: a subject's maximum score (required,
/// above zero), a grade's position (from 1, required when `position_required`), and either
/// given to a kind that does not take it.
fn kind_fields(
    kind: Kind,
    max_score: Option<f64>,
    position: Option<i64>,
    position_required: bool,
    problems: &mut Vec<Problem>,
) {
    if kind == Kind::Subject && !max_score.is_some_and(|m| m.is_finite() && m > 0.0) {
        let value = max_score.map(|m| m.to_string()).unwrap_or_default();
        problems.push(Problem::new("bad-max-score").in_column("max_score").with_value(value));
    }
    if kind != Kind::Subject && max_score.is_some() {
        problems.push(not_taken(kind, "max_score"));
    }
    if kind != Kind::Grade && position.is_some() {
        problems.push(not_taken(kind, "position"));
    }
    if kind == Kind::Grade && position_required && position.is_none() {
        problems.push(Problem::new("required").in_column("position"));
    }
    if let Some(p) = position.filter(|p| *p < 1) {
        problems.push(Problem::new("bad-position").in_column("position").with_value(p.to_string()));
    }
}

/// Adds a grade, subject or group: deployment-wide, so its administrators only (every
/// country of the deployment shares the lists). Every problem is named by its field and
/// nothing is written: an empty or bad code or name, a code already held (in any case:
/// imports find codes regardless of case), a subject without a maximum score above zero, a
/// grade's position taken or below 1, and a field the kind does not take (`max_score` is
/// for subjects, `position` for grades).
pub async fn add(db: &Db, actor: &Actor, kind: Kind, new: &NewReference) -> Result<i64> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let mut problems = Vec::new();
    let code = collect(&mut problems, "code", parse_code(&new.code));
    let name = collect(&mut problems, "name", parse_name(&new.name));
    kind_fields(kind, new.max_score, new.position, false, &mut problems);
    if let Some(code) = &code {
        let held: i64 = match kind {
            Kind::Grade => {
                on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM outcome_grades WHERE LOWER(code) = LOWER($1)")
                    .bind(code)
                    .fetch_one(p)
                    .await)?
            }
            Kind::Subject => on_db!(db, |p| sqlx::query_scalar(
                "SELECT COUNT(*) FROM outcome_subjects WHERE LOWER(code) = LOWER($1)"
            )
            .bind(code)
            .fetch_one(p)
            .await)?,
            Kind::Group => {
                on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM learner_groups WHERE LOWER(code) = LOWER($1)")
                    .bind(code)
                    .fetch_one(p)
                    .await)?
            }
        };
        if held > 0 {
            problems.push(Problem::new("exists").in_column("code").with_value(code.as_str()));
        }
    }
    if kind == Kind::Grade
        && let Some(position) = new.position.filter(|p| *p >= 1)
    {
        let taken: i64 = on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM outcome_grades WHERE position = $1")
            .bind(position)
            .fetch_one(p)
            .await)?;
        if taken > 0 {
            problems.push(position_taken(position));
        }
    }
    fail_if_any(problems)?;
    let (code, name) = (code.expect("checked"), name.expect("checked"));
    let mut tx = db.begin().await?;
    let id: i64 = match kind {
        Kind::Grade => {
            let next: i64 =
                on_tx!(&mut tx, |c| sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM outcome_grades")
                    .fetch_one(&mut *c)
                    .await)?;
            on_tx!(&mut tx, |c| sqlx::query_scalar(
                "INSERT INTO outcome_grades (code, name, position) VALUES ($1, $2, $3) RETURNING id"
            )
            .bind(&code)
            .bind(&name)
            .bind(new.position.unwrap_or(next))
            .fetch_one(&mut *c)
            .await)
        }
        Kind::Subject => on_tx!(&mut tx, |c| sqlx::query_scalar(
            "INSERT INTO outcome_subjects (code, name, max_score) VALUES ($1, $2, $3) RETURNING id"
        )
        .bind(&code)
        .bind(&name)
        .bind(new.max_score)
        .fetch_one(&mut *c)
        .await),
        Kind::Group => on_tx!(&mut tx, |c| sqlx::query_scalar(
            "INSERT INTO learner_groups (code, name) VALUES ($1, $2) RETURNING id"
        )
        .bind(&code)
        .bind(&name)
        .fetch_one(&mut *c)
        .await),
    }
    .map_err(|e| unique_violation(e, &code))?;
    audit::record(
        &mut tx,
        actor,
        "create",
        kind.as_str(),
        &id.to_string(),
        &code,
        None::<&()>,
        Some(&serde_json::json!({ "code": code, "name": name })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A grade, subject or group as stored, whichever its list: what an edit checks against.
#[derive(Debug, serde::Serialize)]
struct Stored {
    code: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<i64>,
    version: i64,
}

/// The grade, subject or group `id` of `kind`'s list, read in the edit's transaction.
async fn stored(tx: &mut Tx, kind: Kind, id: i64) -> Result<Option<Stored>> {
    Ok(match kind {
        Kind::Grade => {
            let row: Option<(String, String, i64, i64)> = on_tx!(&mut *tx, |c| sqlx::query_as(
                "SELECT code, name, position, version FROM outcome_grades WHERE id = $1"
            )
            .bind(id)
            .fetch_optional(&mut *c)
            .await)?;
            row.map(|(code, name, position, version)| Stored {
                code,
                name,
                max_score: None,
                position: Some(position),
                version,
            })
        }
        Kind::Subject => {
            // Held until the edit ends: an import of scores checks them against the maximum
            // it reads under a share lock of the same row (`outcomes::Maxima`), so one of the
            // two waits for the other and then sees its scores or its maximum.
            let sql = format!(
                "SELECT code, name, max_score, version FROM outcome_subjects WHERE id = $1{}",
                tx.locking(RowLock::Update)
            );
            let row: Option<(String, String, f64, i64)> =
                on_tx!(&mut *tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(id)
                    .fetch_optional(&mut *c)
                    .await)?;
            row.map(|(code, name, max_score, version)| Stored {
                code,
                name,
                max_score: Some(max_score),
                position: None,
                version,
            })
        }
        Kind::Group => {
            let row: Option<(String, String, i64)> =
                on_tx!(&mut *tx, |c| sqlx::query_as("SELECT code, name, version FROM learner_groups WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *c)
                    .await)?;
            row.map(|(code, name, version)| Stored { code, name, max_score: None, position: None, version })
        }
    })
}

/// The scores stored for a subject above `max`: outcome rows whose mean score is, learners'
/// records whose score is, and the highest of them.
async fn scores_above(tx: &mut Tx, subject_id: i64, max: f64) -> Result<(i64, i64, Option<f64>)> {
    Ok(on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM learner_outcomes WHERE subject_id = $1 AND mean_score > $2), \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM learner_scores WHERE subject_id = $1 AND score > $2), \
         (SELECT MAX(s) FROM (SELECT MAX(mean_score) AS s FROM learner_outcomes WHERE subject_id = $1 \
          UNION ALL SELECT MAX(score) FROM learner_scores WHERE subject_id = $1) x)"
    )
    .bind(subject_id)
    .bind(max)
    .fetch_one(&mut *c)
    .await)?)
}

/// Edits a grade, subject or group ([`ReferenceEdit`]): its name, a subject's maximum
/// score, a grade's position; its code stays. The deployment's administrators only, as
/// [`add`]. A version other than the latest is a conflict, whatever the fields. Every
/// problem is named by its field and nothing is written: a bad name, a maximum score not
/// above zero or below a score stored for the subject (the subject, the new maximum, how
/// many outcome rows and learners' scores exceed it and the highest named), a position
/// below 1 or another grade's, a field the kind does not take.
///
/// Checked and written in one transaction, which on SQLite holds the write lock, so no
/// score is stored between the check and the write. On PostgreSQL the subject's row is
/// held from the check to the end: an import of scores, which checks its highest score
/// against the maximum under a share lock of that row before it commits, either commits
/// first (and the check here counts its scores) or reads the new maximum. A new maximum or position changes
/// what is computed from the schools' outcome totals without writing them (scores as a
/// share of the maximum, flows in the grades' order), so their stamp is renewed with it:
/// nothing kept from them before is served again.
pub async fn edit(db: &Db, actor: &Actor, kind: Kind, id: i64, edit: &ReferenceEdit) -> Result<()> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let mut tx = db.begin().await?;
    let before = stored(&mut tx, kind, id).await?.ok_or(Error::NotFound)?;
    if edit.version != before.version {
        return Err(stale(edit.version, before.version));
    }
    let mut problems = Vec::new();
    let name = collect(&mut problems, "name", parse_name(&edit.name));
    kind_fields(kind, edit.max_score, edit.position, true, &mut problems);
    let lowered =
        edit.max_score.filter(|m| m.is_finite() && *m > 0.0).filter(|m| before.max_score.is_some_and(|was| *m < was));
    if kind == Kind::Subject
        && let Some(max) = lowered
    {
        let (rows, learners, highest) = scores_above(&mut tx, id, max).await?;
        if rows + learners > 0 {
            problems.push(
                Problem::new("max-score-below-stored")
                    .in_column("max_score")
                    .with_value(max.to_string())
                    .arg("subject", &before.code)
                    .arg("rows", rows)
                    .arg("learners", learners)
                    .arg("highest", highest.unwrap_or(max)),
            );
        }
    }
    let moved = edit.position.filter(|p| *p >= 1 && Some(*p) != before.position);
    if kind == Kind::Grade
        && let Some(position) = moved
    {
        let taken: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM outcome_grades WHERE position = $1 AND id <> $2"
        )
        .bind(position)
        .bind(id)
        .fetch_one(&mut *c)
        .await)?;
        if taken > 0 {
            problems.push(position_taken(position));
        }
    }
    fail_if_any(problems)?;
    let name = name.expect("checked");
    let updated = match kind {
        Kind::Grade => on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE outcome_grades SET name = $1, position = $2, version = version + 1 WHERE id = $3 AND version = $4"
        )
        .bind(&name)
        .bind(edit.position)
        .bind(id)
        .bind(edit.version)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())),
        Kind::Subject => on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE outcome_subjects SET name = $1, max_score = $2, version = version + 1 WHERE id = $3 AND version = $4"
        )
        .bind(&name)
        .bind(edit.max_score)
        .bind(id)
        .bind(edit.version)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())),
        Kind::Group => on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE learner_groups SET name = $1, version = version + 1 WHERE id = $2 AND version = $3"
        )
        .bind(&name)
        .bind(id)
        .bind(edit.version)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())),
    }
    .map_err(|e| match &e {
        // Another grade took the position meanwhile (PostgreSQL: the check above ran
        // before that grade's transaction committed).
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            Error::Invalid(vec![position_taken(edit.position.unwrap_or_default())])
        }
        _ => Error::Database(e),
    })?;
    if updated == 0 {
        // Saved by another meanwhile (PostgreSQL: after this transaction read it).
        return Err(stale(edit.version, before.version + 1));
    }
    let after = Stored {
        code: before.code.clone(),
        name,
        max_score: edit.max_score.filter(|_| kind == Kind::Subject),
        position: edit.position.filter(|_| kind == Kind::Grade),
        version: before.version + 1,
    };
    if after.max_score != before.max_score || after.position != before.position {
        opencpd_kernel::stamps::renew(&mut tx, super::rollup::TOTALS.table).await?;
    }
    audit::record(&mut tx, actor, "update", kind.as_str(), &id.to_string(), &before.code, Some(&before), Some(&after))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A grade's position another grade holds.
fn position_taken(position: i64) -> Problem {
    Problem::new("position-taken").in_column("position").with_value(position.to_string())
}
