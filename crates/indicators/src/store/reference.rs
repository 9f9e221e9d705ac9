//! The grades, subjects and learner groups a deployment defines, which outcome rows refer
//! to by code.

use crate::model::{Grade, LearnerGroup, NewReference, Subject};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_domain::registry::{parse_code, parse_name};
use opencpd_kernel::error::{collect, fail_if_any, unique_violation};
use opencpd_kernel::{Actor, Db, Result, audit, on_db, on_tx};

pub async fn grades(db: &Db) -> Result<Vec<Grade>> {
    let rows: Vec<(i64, String, String, i64)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code, name, position FROM outcome_grades ORDER BY position")
            .fetch_all(p)
            .await)?;
    Ok(rows.into_iter().map(|(id, code, name, position)| Grade { id, code, name, position }).collect())
}

pub async fn subjects(db: &Db) -> Result<Vec<Subject>> {
    let rows: Vec<(i64, String, String, f64)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code, name, max_score FROM outcome_subjects ORDER BY code")
            .fetch_all(p)
            .await)?;
    Ok(rows.into_iter().map(|(id, code, name, max_score)| Subject { id, code, name, max_score }).collect())
}

pub async fn groups(db: &Db) -> Result<Vec<LearnerGroup>> {
    let rows: Vec<(i64, String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code, name FROM learner_groups ORDER BY code").fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(id, code, name)| LearnerGroup { id, code, name }).collect())
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
    let not_taken = |field: &str| {
        let kind = match kind {
            Kind::Grade => "grade",
            Kind::Subject => "subject",
            Kind::Group => "group",
        };
        Problem::new("reference-not-taken").in_column(field).with_value(field).arg("kind", kind)
    };
    if kind == Kind::Subject && !new.max_score.is_some_and(|m| m.is_finite() && m > 0.0) {
        let value = new.max_score.map(|m| m.to_string()).unwrap_or_default();
        problems.push(Problem::new("bad-max-score").in_column("max_score").with_value(value));
    }
    if kind != Kind::Subject && new.max_score.is_some() {
        problems.push(not_taken("max_score"));
    }
    if kind != Kind::Grade && new.position.is_some() {
        problems.push(not_taken("position"));
    }
    if let Some(p) = new.position.filter(|p| *p < 1) {
        problems.push(Problem::new("bad-position").in_column("position").with_value(p.to_string()));
    }
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
            problems.push(Problem::new("position-taken").in_column("position").with_value(position.to_string()));
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
