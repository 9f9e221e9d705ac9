//! Programmes (funder, budget, period, pillars, targets) and courses (kind, modality,
//! hours, credits, modules and the standards they serve, prerequisites, assessments and
//! the completion rule). Both belong to the deployment as a whole: everyone logged in
//! reads them, those whose role permits [`Action::ManageProgrammes`] create them.

use super::{choice, collect, fail_if_any, may, optional_date, optional_text};
use crate::{Actor, Db, Error, Result, audit, on_db, on_tx};
use chrono::{NaiveDate, Utc};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_domain::registry::{self as vocab, PositionRole, Sex};
use serde::{Deserialize, Serialize};

pub const COURSE_KINDS: &[&str] = &["diploma", "certificate", "short_training"];
pub const MODALITIES: &[&str] = &["face_to_face", "online", "blended"];
/// What a target counts: people enrolled, people who completed, people certified;
/// participants in the programme's outreach events, schools those events reached.
pub const MEASURES: &[&str] = &["enrolled", "completed", "certified", "outreach_participants", "schools_reached"];
/// The framework modules map to when a standard is named by code alone.
pub const DEFAULT_FRAMEWORK: &str = "rw-school-leadership";

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Programme {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub funder: Option<String>,
    pub budget: Option<f64>,
    pub currency: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub pillars: Vec<String>,
    pub targets: Vec<ProgrammeTarget>,
}

/// What a programme promised: `value` people `measure`d by `due_date`, optionally only
/// of one sex, one role or in one unit.
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProgrammeTarget {
    pub id: i64,
    pub label: String,
    pub measure: String,
    pub value: i64,
    pub due_date: Option<NaiveDate>,
    pub sex: Option<String>,
    pub role: Option<String>,
    pub unit_id: Option<i64>,
    pub unit_path: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgrammeInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub funder: Option<String>,
    #[serde(default)]
    pub budget: Option<f64>,
    /// ISO 4217, e.g. RWF, XAF, USD.
    #[serde(default)]
    pub currency: Option<String>,
    pub start_date: String,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub pillars: Vec<String>,
    #[serde(default)]
    pub targets: Vec<TargetInput>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TargetInput {
    pub label: String,
    /// enrolled, completed or certified.
    pub measure: String,
    pub value: i64,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub sex: Option<String>,
    /// A position role (teacher, head_teacher, …).
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub unit_code: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ProgrammeRow {
    id: i64,
    code: String,
    name: String,
    funder: Option<String>,
    budget: Option<f64>,
    currency: Option<String>,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    pillars_json: String,
}

const PROGRAMME_SQL: &str =
    "SELECT id, code, name, funder, budget, currency, start_date, end_date, pillars_json FROM programmes";

async fn unit_of_code(db: &Db, code: &str) -> Result<Option<(i64, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as("SELECT id, path FROM units WHERE code = $1")
        .bind(code.trim())
        .fetch_optional(p)
        .await)?)
}

pub async fn create_programme(db: &Db, actor: &Actor, input: &ProgrammeInput) -> Result<Programme> {
    may(actor, Action::ManageProgrammes)?;
    let mut problems = Vec::new();
    let code = collect(&mut problems, "code", vocab::parse_code(&input.code));
    let name = collect(&mut problems, "name", vocab::parse_name(&input.name));
    let start = collect(&mut problems, "start_date", vocab::parse_date(&input.start_date));
    let end = optional_date(&mut problems, "end_date", &input.end_date);
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        problems.push(Problem::new("ends-before-start").in_column("end_date").arg("start", s));
    }
    if let Some(b) = input.budget
        && !(b >= 0.0 && b.is_finite())
    {
        problems.push(Problem::new("bad-number").in_column("budget").with_value(b.to_string()));
    }
    let currency = optional_text(&input.currency).map(|c| c.to_uppercase());
    if let Some(c) = &currency
        && (c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()))
    {
        problems.push(Problem::new("bad-currency").in_column("currency").with_value(c));
    }
    let pillars: Vec<String> = input
        .pillars
        .iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    let mut targets = Vec::new();
    for (i, t) in input.targets.iter().enumerate() {
        let col = |f: &str| format!("targets[{i}].{f}");
        let label = collect(&mut problems, &col("label"), vocab::parse_name(&t.label));
        let measure = collect(&mut problems, &col("measure"), choice(&t.measure, MEASURES));
        if t.value <= 0 {
            problems.push(Problem::new("not-positive").in_column(col("value")).with_value(t.value.to_string()));
        }
        let due = optional_date(&mut problems, &col("due_date"), &t.due_date);
        let sex = optional_text(&t.sex).and_then(|s| collect(&mut problems, &col("sex"), Sex::parse(s)));
        let role = optional_text(&t.role).and_then(|r| collect(&mut problems, &col("role"), PositionRole::parse(r)));
        let unit = match optional_text(&t.unit_code) {
            Some(code) => match unit_of_code(db, code).await? {
                Some(u) => Some(u),
                None => {
                    problems.push(Problem::new("unknown-unit").in_column(col("unit_code")).with_value(code));
                    None
                }
            },
            None => None,
        };
        targets.push((label, measure, t.value, due, sex, role, unit));
    }
    fail_if_any(problems)?;
    let code = code.expect("checked");
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO programmes (code, name, funder, budget, currency, start_date, end_date, pillars_json, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    )
    .bind(&code)
    .bind(name.as_deref())
    .bind(optional_text(&input.funder))
    .bind(input.budget)
    .bind(&currency)
    .bind(start)
    .bind(end)
    .bind(serde_json::to_string(&pillars).map_err(anyhow::Error::from)?)
    .bind(Utc::now())
    .fetch_one(&mut *c)
    .await
    })
    .map_err(|e| crate::error::unique_violation(e, &code))?;
    for (label, measure, value, due, sex, role, unit) in &targets {
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO programme_targets (programme_id, label, measure, value, due_date, sex, role, unit_id, unit_path) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )
        .bind(id)
        .bind(label.as_deref())
        .bind(*measure)
        .bind(*value)
        .bind(*due)
        .bind(sex.map(|s| s.key()))
        .bind(role.map(|r| r.key()))
        .bind(unit.as_ref().map(|u| u.0))
        .bind(unit.as_ref().map(|u| u.1.clone()))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
    }
    audit::record(
        &mut tx,
        actor,
        "create",
        "programme",
        &id.to_string(),
        &format!("programme {code}"),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    programme(db, actor, id).await
}

/// A programme with its targets; everyone logged in may read it.
pub async fn programme(db: &Db, _actor: &Actor, id: i64) -> Result<Programme> {
    let sql = format!("{PROGRAMME_SQL} WHERE id = $1");
    let row: Option<ProgrammeRow> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    let row = row.ok_or(Error::NotFound)?;
    let targets: Vec<ProgrammeTarget> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, label, measure, value, due_date, sex, role, unit_id, unit_path FROM programme_targets \
         WHERE programme_id = $1 ORDER BY id"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    Ok(Programme {
        id: row.id,
        code: row.code,
        name: row.name,
        funder: row.funder,
        budget: row.budget,
        currency: row.currency,
        start_date: row.start_date,
        end_date: row.end_date,
        pillars: serde_json::from_str(&row.pillars_json).unwrap_or_default(),
        targets,
    })
}

pub async fn programmes(db: &Db, actor: &Actor) -> Result<Vec<Programme>> {
    let ids: Vec<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM programmes ORDER BY start_date DESC, code")
        .fetch_all(p)
        .await)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(programme(db, actor, id).await?);
    }
    Ok(out)
}

pub async fn programme_by_code(db: &Db, code: &str) -> Result<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar("SELECT id FROM programmes WHERE code = $1")
        .bind(code.trim())
        .fetch_optional(p)
        .await)?)
}

// ---------------------------------------------------------------------------------------
// Standards

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Standard {
    pub id: i64,
    pub framework: String,
    pub code: String,
    pub name_en: String,
    pub name_fr: String,
}

pub async fn standards(db: &Db) -> Result<Vec<Standard>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, framework, code, name_en, name_fr FROM standards ORDER BY framework, code"
    )
    .fetch_all(p)
    .await)?)
}

// ---------------------------------------------------------------------------------------
// Courses

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Course {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub programme_id: Option<i64>,
    pub kind: String,
    pub modality: String,
    pub hours: f64,
    pub credits: f64,
    pub accrediting_body: Option<String>,
    /// Position roles the course is meant for, comma-separated.
    pub target_roles: String,
    /// Completion rule: share of the cohort's sessions attended (present or late).
    pub min_attendance_pct: f64,
    /// Completion rule: every assessment at or above its pass score.
    pub require_assessments_passed: bool,
    /// Completion rule: weighted final grade (0-100) at least this.
    pub min_final_grade: Option<f64>,
    /// Certificates expire this many months after issue; never when empty.
    pub certificate_months: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CourseDetail {
    #[serde(flatten)]
    pub course: Course,
    pub modules: Vec<Module>,
    pub assessments: Vec<Assessment>,
    /// Codes of the courses to complete first.
    pub prerequisites: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Module {
    pub id: i64,
    pub position: i64,
    pub code: String,
    pub title: String,
    pub hours: f64,
    /// Codes of the professional standards the module serves.
    pub standards: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Assessment {
    pub id: i64,
    pub module_id: Option<i64>,
    pub code: String,
    pub title: String,
    pub max_score: f64,
    pub pass_score: f64,
    pub weight: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CourseInput {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub programme_code: Option<String>,
    /// diploma, certificate or short_training.
    pub kind: String,
    /// face_to_face, online or blended.
    pub modality: String,
    pub hours: f64,
    #[serde(default)]
    pub credits: f64,
    #[serde(default)]
    pub accrediting_body: Option<String>,
    #[serde(default)]
    pub target_roles: Vec<String>,
    /// Default 80.
    #[serde(default)]
    pub min_attendance_pct: Option<f64>,
    /// Default true.
    #[serde(default)]
    pub require_assessments_passed: Option<bool>,
    #[serde(default)]
    pub min_final_grade: Option<f64>,
    #[serde(default)]
    pub certificate_months: Option<i64>,
    #[serde(default)]
    pub prerequisites: Vec<String>,
    #[serde(default)]
    pub modules: Vec<ModuleInput>,
    #[serde(default)]
    pub assessments: Vec<AssessmentInput>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ModuleInput {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub hours: f64,
    /// Standard codes (SL1…SL5 of the default framework, or framework:code).
    #[serde(default)]
    pub standards: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssessmentInput {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub module_code: Option<String>,
    pub max_score: f64,
    pub pass_score: f64,
    #[serde(default)]
    pub weight: Option<f64>,
}

const COURSE_SQL: &str = "SELECT id, code, title, programme_id, kind, modality, hours, credits, accrediting_body, \
     target_roles, min_attendance_pct, require_assessments_passed, min_final_grade, certificate_months FROM courses";

fn check_number(problems: &mut Vec<Problem>, column: &str, v: f64, max: f64) {
    if !(v.is_finite() && (0.0..=max).contains(&v)) {
        problems.push(Problem::new("out-of-range").in_column(column).with_value(v.to_string()).arg("max", max));
    }
}

pub async fn create_course(db: &Db, actor: &Actor, input: &CourseInput) -> Result<CourseDetail> {
    may(actor, Action::ManageProgrammes)?;
    let mut problems = Vec::new();
    let code = collect(&mut problems, "code", vocab::parse_code(&input.code));
    let title = collect(&mut problems, "title", vocab::parse_name(&input.title));
    let kind = collect(&mut problems, "kind", choice(&input.kind, COURSE_KINDS));
    let modality = collect(&mut problems, "modality", choice(&input.modality, MODALITIES));
    check_number(&mut problems, "hours", input.hours, 10_000.0);
    check_number(&mut problems, "credits", input.credits, 1_000.0);
    let min_attendance = input.min_attendance_pct.unwrap_or(80.0);
    check_number(&mut problems, "min_attendance_pct", min_attendance, 100.0);
    if let Some(g) = input.min_final_grade {
        check_number(&mut problems, "min_final_grade", g, 100.0);
    }
    if let Some(m) = input.certificate_months
        && !(1..=600).contains(&m)
    {
        problems.push(
            Problem::new("out-of-range").in_column("certificate_months").with_value(m.to_string()).arg("max", 600),
        );
    }
    let programme_id = match optional_text(&input.programme_code) {
        Some(c) => {
            let id = programme_by_code(db, c).await?;
            if id.is_none() {
                problems.push(Problem::new("unknown-programme").in_column("programme_code").with_value(c));
            }
            id
        }
        None => None,
    };
    let mut roles = Vec::new();
    for (i, r) in input.target_roles.iter().enumerate() {
        if let Some(role) = collect(&mut problems, &format!("target_roles[{i}]"), PositionRole::parse(r)) {
            roles.push(role.key());
        }
    }
    let mut prerequisites = Vec::new();
    for (i, c) in input.prerequisites.iter().enumerate() {
        let found: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM courses WHERE code = $1")
            .bind(c.trim())
            .fetch_optional(p)
            .await)?;
        match found {
            Some(id) => prerequisites.push(id),
            None => problems
                .push(Problem::new("unknown-course").in_column(format!("prerequisites[{i}]")).with_value(c.trim())),
        }
    }
    let all_standards = standards(db).await?;
    let mut modules = Vec::new();
    let mut module_codes: Vec<String> = Vec::new();
    for (i, m) in input.modules.iter().enumerate() {
        let col = |f: &str| format!("modules[{i}].{f}");
        let mcode = collect(&mut problems, &col("code"), vocab::parse_code(&m.code));
        let mtitle = collect(&mut problems, &col("title"), vocab::parse_name(&m.title));
        check_number(&mut problems, &col("hours"), m.hours, 10_000.0);
        if let Some(c) = &mcode {
            if module_codes.iter().any(|k| k.eq_ignore_ascii_case(c)) {
                problems.push(Problem::new("exists").in_column(col("code")).with_value(c));
            }
            module_codes.push(c.clone());
        }
        let mut ids = Vec::new();
        for s in &m.standards {
            let (framework, scode) = s.trim().split_once(':').unwrap_or((DEFAULT_FRAMEWORK, s.trim()));
            match all_standards.iter().find(|x| x.framework == framework && x.code.eq_ignore_ascii_case(scode)) {
                Some(x) => ids.push(x.id),
                None => {
                    problems.push(Problem::new("unknown-standard").in_column(col("standards")).with_value(s.trim()))
                }
            }
        }
        modules.push((mcode, mtitle, m.hours, ids));
    }
    let mut assessment_codes: Vec<String> = Vec::new();
    for (i, a) in input.assessments.iter().enumerate() {
        let col = |f: &str| format!("assessments[{i}].{f}");
        if let Some(c) = collect(&mut problems, &col("code"), vocab::parse_code(&a.code)) {
            if assessment_codes.iter().any(|k| k.eq_ignore_ascii_case(&c)) {
                problems.push(Problem::new("exists").in_column(col("code")).with_value(&c));
            }
            assessment_codes.push(c);
        }
        collect(&mut problems, &col("title"), vocab::parse_name(&a.title));
        if !(a.max_score.is_finite() && a.max_score > 0.0) {
            problems.push(Problem::new("not-positive").in_column(col("max_score")).with_value(a.max_score.to_string()));
        } else if !(0.0..=a.max_score).contains(&a.pass_score) {
            problems.push(
                Problem::new("score-above-max")
                    .in_column(col("pass_score"))
                    .with_value(a.pass_score.to_string())
                    .arg("max", a.max_score),
            );
        }
        if let Some(w) = a.weight
            && !(w.is_finite() && w > 0.0)
        {
            problems.push(Problem::new("not-positive").in_column(col("weight")).with_value(w.to_string()));
        }
        if let Some(m) = optional_text(&a.module_code)
            && !module_codes.iter().any(|k| k.eq_ignore_ascii_case(m))
        {
            problems.push(Problem::new("unknown-module").in_column(col("module_code")).with_value(m));
        }
    }
    fail_if_any(problems)?;
    let code = code.expect("checked");
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO courses (code, title, programme_id, kind, modality, hours, credits, accrediting_body, target_roles, \
         min_attendance_pct, require_assessments_passed, min_final_grade, certificate_months, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id"
    )
    .bind(&code)
    .bind(title.as_deref())
    .bind(programme_id)
    .bind(kind)
    .bind(modality)
    .bind(input.hours)
    .bind(input.credits)
    .bind(optional_text(&input.accrediting_body))
    .bind(roles.join(","))
    .bind(min_attendance)
    .bind(input.require_assessments_passed.unwrap_or(true))
    .bind(input.min_final_grade)
    .bind(input.certificate_months)
    .bind(Utc::now())
    .fetch_one(&mut *c)
    .await)
    .map_err(|e| crate::error::unique_violation(e, &code))?;
    let mut module_ids: Vec<(String, i64)> = Vec::new();
    for (position, (mcode, mtitle, hours, standard_ids)) in modules.iter().enumerate() {
        let mid: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO course_modules (course_id, position, code, title, hours) VALUES ($1, $2, $3, $4, $5) RETURNING id"
        )
        .bind(id)
        .bind(position as i64 + 1)
        .bind(mcode.as_deref())
        .bind(mtitle.as_deref())
        .bind(*hours)
        .fetch_one(&mut *c)
        .await
        })?;
        module_ids.push((mcode.clone().unwrap_or_default().to_lowercase(), mid));
        for sid in standard_ids {
            on_tx!(&mut tx, |c| sqlx::query("INSERT INTO module_standards (module_id, standard_id) VALUES ($1, $2)")
                .bind(mid)
                .bind(*sid)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
        }
    }
    for pid in &prerequisites {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO course_prerequisites (course_id, prerequisite_id) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(*pid)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    for a in &input.assessments {
        let module_id = optional_text(&a.module_code)
            .and_then(|m| module_ids.iter().find(|(k, _)| *k == m.to_lowercase()).map(|(_, id)| *id));
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO assessments (course_id, module_id, code, title, max_score, pass_score, weight) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(id)
        .bind(module_id)
        .bind(a.code.trim())
        .bind(a.title.trim())
        .bind(a.max_score)
        .bind(a.pass_score)
        .bind(a.weight.unwrap_or(1.0))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    audit::record(
        &mut tx,
        actor,
        "create",
        "course",
        &id.to_string(),
        &format!("course {code}"),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    course(db, id).await
}

pub(crate) async fn course_row(db: &Db, id: i64) -> Result<Course> {
    let sql = format!("{COURSE_SQL} WHERE id = $1");
    let found: Option<Course> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    found.ok_or(Error::NotFound)
}

/// A course with its modules, assessments and prerequisites; everyone logged in reads it.
pub async fn course(db: &Db, id: i64) -> Result<CourseDetail> {
    let course = course_row(db, id).await?;
    let module_rows: Vec<(i64, i64, String, String, f64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, position, code, title, hours FROM course_modules WHERE course_id = $1 ORDER BY position"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    let links: Vec<(i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT ms.module_id, s.code FROM module_standards ms JOIN standards s ON s.id = ms.standard_id \
         JOIN course_modules m ON m.id = ms.module_id WHERE m.course_id = $1 ORDER BY s.code"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    let modules = module_rows
        .into_iter()
        .map(|(mid, position, code, title, hours)| Module {
            id: mid,
            position,
            code,
            title,
            hours,
            standards: links.iter().filter(|(m, _)| *m == mid).map(|(_, s)| s.clone()).collect(),
        })
        .collect();
    let assessments = assessments(db, id).await?;
    let prerequisites: Vec<String> = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT c.code FROM course_prerequisites x JOIN courses c ON c.id = x.prerequisite_id WHERE x.course_id = $1 ORDER BY c.code"
    )
    .bind(id)
    .fetch_all(p)
    .await
    })?;
    Ok(CourseDetail { course, modules, assessments, prerequisites })
}

pub(crate) async fn assessments(db: &Db, course_id: i64) -> Result<Vec<Assessment>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, module_id, code, title, max_score, pass_score, weight FROM assessments WHERE course_id = $1 ORDER BY id"
    )
    .bind(course_id)
    .fetch_all(p)
    .await
    })?)
}

/// Every course, by code; optionally those of one programme.
pub async fn courses(db: &Db, programme_id: Option<i64>) -> Result<Vec<Course>> {
    let sql = format!("{COURSE_SQL} WHERE ($1 IS NULL OR programme_id = $1) ORDER BY code");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(programme_id).fetch_all(p).await)?)
}
