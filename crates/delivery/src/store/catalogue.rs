//! Programmes (funder, budget, period, pillars, targets) and courses (kind, modality,
//! hours, credits, modules and the standards they serve, prerequisites, assessments and
//! the completion rule). Both belong to the deployment as a whole: everyone logged in
//! reads them, those whose role permits [`Action::ManageProgrammes`] create them.

use super::{collect, fail_if_any, may, optional_date, optional_text};
use chrono::{NaiveDate, Utc};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_domain::delivery::{CourseKind, Measure, Modality};
use opencpd_domain::registry::{self as vocab, PositionRole, Sex};
use opencpd_kernel::paging::{Page, Paged, Sorts};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx};

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{
    Assessment, AssessmentInput, Course, CourseDetail, CourseInput, Module, ModuleInput, Programme, ProgrammeInput,
    ProgrammeTarget, Standard, TargetInput,
};

opencpd_kernel::from_row! {
    Standard { id, framework, code, name_en, name_fr }
    Course { id, code, title, programme_id, kind, modality, hours, credits, accrediting_body, target_roles, min_attendance_pct, require_assessments_passed, min_final_grade, certificate_months }
    Assessment { id, module_id, code, title, max_score, pass_score, weight }
}

/// The framework modules map to when a standard is named by code alone.
pub const DEFAULT_FRAMEWORK: &str = "rw-school-leadership";

/// A stored target as read, its roles comma-separated.
#[derive(sqlx::FromRow)]
struct TargetRow {
    id: i64,
    label: String,
    measure: String,
    value: i64,
    due_date: Option<NaiveDate>,
    sex: Option<String>,
    roles: String,
    unit_id: Option<i64>,
    unit_path: Option<String>,
    unit_code: Option<String>,
}

impl From<TargetRow> for ProgrammeTarget {
    fn from(t: TargetRow) -> ProgrammeTarget {
        ProgrammeTarget {
            id: t.id,
            label: t.label,
            measure: t.measure,
            value: t.value,
            due_date: t.due_date,
            sex: t.sex,
            roles: t.roles.split(',').filter(|r| !r.is_empty()).map(str::to_string).collect(),
            unit_id: t.unit_id,
            unit_path: t.unit_path,
            unit_code: t.unit_code,
        }
    }
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

/// A programme's fields once checked, for creating or editing it.
struct CheckedProgramme {
    code: String,
    name: String,
    start: NaiveDate,
    end: Option<NaiveDate>,
    currency: Option<String>,
    pillars: Vec<String>,
    targets: Vec<CheckedTarget>,
}

struct CheckedTarget {
    id: Option<i64>,
    label: String,
    measure: &'static str,
    value: i64,
    due: Option<NaiveDate>,
    sex: Option<Sex>,
    roles: Vec<PositionRole>,
    unit: Option<(i64, String)>,
}

/// Checks every field of a programme and reports every problem at once. `targets` are the
/// ids of the programme's targets when it is edited: a target naming one changes it.
async fn check_programme(db: &Db, input: &ProgrammeInput, targets: &[i64]) -> Result<CheckedProgramme> {
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
    let mut checked = Vec::new();
    for (i, t) in input.targets.iter().enumerate() {
        let col = |f: &str| format!("targets[{i}].{f}");
        if let Some(id) = t.id
            && (!targets.contains(&id) || input.targets[..i].iter().any(|o| o.id == Some(id)))
        {
            problems.push(Problem::new("unknown-target").in_column(col("id")).with_value(id.to_string()));
        }
        let label = collect(&mut problems, &col("label"), vocab::parse_name(&t.label));
        let measure = collect(&mut problems, &col("measure"), Measure::parse(&t.measure).map(Measure::key));
        if t.value <= 0 {
            problems.push(Problem::new("not-positive").in_column(col("value")).with_value(t.value.to_string()));
        }
        let due = optional_date(&mut problems, &col("due_date"), &t.due_date);
        let sex = optional_text(&t.sex).and_then(|s| collect(&mut problems, &col("sex"), Sex::parse(s)));
        let mut roles: Vec<PositionRole> = Vec::new();
        let named = t.roles.iter().enumerate().map(|(j, r)| (format!("roles[{j}]"), r));
        for (column, r) in named.chain(t.role.iter().map(|r| ("role".to_string(), r))) {
            if !r.trim().is_empty()
                && let Some(role) = collect(&mut problems, &col(&column), PositionRole::parse(r.trim()))
                && !roles.contains(&role)
            {
                roles.push(role);
            }
        }
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
        if let (Some(label), Some(measure)) = (label, measure) {
            checked.push(CheckedTarget { id: t.id, label, measure, value: t.value, due, sex, roles, unit });
        }
    }
    fail_if_any(problems)?;
    Ok(CheckedProgramme {
        code: code.expect("checked"),
        name: name.expect("checked"),
        start: start.expect("checked"),
        end,
        currency,
        pillars,
        targets: checked,
    })
}

/// Writes a programme's targets: those naming an id change it, the others are added.
async fn write_targets(tx: &mut Tx, programme_id: i64, targets: &[CheckedTarget]) -> Result<()> {
    for t in targets {
        let sql = if t.id.is_some() {
            "UPDATE programme_targets SET label = $2, measure = $3, value = $4, due_date = $5, sex = $6, roles = $7, \
             unit_id = $8, unit_path = $9 WHERE programme_id = $1 AND id = $10"
        } else {
            "INSERT INTO programme_targets (programme_id, label, measure, value, due_date, sex, roles, unit_id, unit_path) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        };
        on_tx!(&mut *tx, |c| {
            let q = sqlx::query(sql)
                .bind(programme_id)
                .bind(&t.label)
                .bind(t.measure)
                .bind(t.value)
                .bind(t.due)
                .bind(t.sex.map(|s| s.key()))
                .bind(t.roles.iter().map(|r| r.key()).collect::<Vec<_>>().join(","))
                .bind(t.unit.as_ref().map(|u| u.0))
                .bind(t.unit.as_ref().map(|u| u.1.clone()));
            let q = if let Some(id) = t.id { q.bind(id) } else { q };
            q.execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

pub async fn create_programme(db: &Db, actor: &Actor, input: &ProgrammeInput) -> Result<Programme> {
    may(actor, Action::ManageProgrammes)?;
    let p = check_programme(db, input, &[]).await?;
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO programmes (code, name, funder, budget, currency, start_date, end_date, pillars_json, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    )
    .bind(&p.code)
    .bind(&p.name)
    .bind(optional_text(&input.funder))
    .bind(input.budget)
    .bind(&p.currency)
    .bind(p.start)
    .bind(p.end)
    .bind(serde_json::to_string(&p.pillars).map_err(anyhow::Error::from)?)
    .bind(Utc::now())
    .fetch_one(&mut *c)
    .await
    })
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &p.code))?;
    write_targets(&mut tx, id, &p.targets).await?;
    audit::record(
        &mut tx,
        actor,
        "create",
        "programme",
        &id.to_string(),
        &format!("programme {}", p.code),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    programme(db, actor, id).await
}

/// Changes a programme: its fields, and its targets as listed (a target with an id
/// changes that target, one without is added, a target left out is removed). Reach reads
/// targets when it is asked, so reports follow at once.
pub async fn update_programme(db: &Db, actor: &Actor, id: i64, input: &ProgrammeInput) -> Result<Programme> {
    may(actor, Action::ManageProgrammes)?;
    let before = programme(db, actor, id).await?;
    let ids: Vec<i64> = before.targets.iter().map(|t| t.id).collect();
    let p = check_programme(db, input, &ids).await?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query(
            "UPDATE programmes SET code = $1, name = $2, funder = $3, budget = $4, currency = $5, start_date = $6, \
         end_date = $7, pillars_json = $8 WHERE id = $9",
        )
        .bind(&p.code)
        .bind(&p.name)
        .bind(optional_text(&input.funder))
        .bind(input.budget)
        .bind(&p.currency)
        .bind(p.start)
        .bind(p.end)
        .bind(serde_json::to_string(&p.pillars).map_err(anyhow::Error::from)?)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
    })
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &p.code))?;
    for gone in ids.iter().filter(|t| !p.targets.iter().any(|k| k.id == Some(**t))) {
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM programme_targets WHERE id = $1")
            .bind(*gone)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    write_targets(&mut tx, id, &p.targets).await?;
    audit::record(
        &mut tx,
        actor,
        "update",
        "programme",
        &id.to_string(),
        &format!("programme {}", p.code),
        Some(&before),
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
    let targets: Vec<TargetRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT t.id, t.label, t.measure, t.value, t.due_date, t.sex, t.roles, t.unit_id, t.unit_path, u.code AS unit_code \
         FROM programme_targets t LEFT JOIN units u ON u.id = t.unit_id WHERE t.programme_id = $1 ORDER BY t.id"
    )
    .bind(id)
    .fetch_all(p)
    .await
    })?;
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
        targets: targets.into_iter().map(ProgrammeTarget::from).collect(),
    })
}

/// The columns the list of programmes sorts by (newest first unless asked otherwise).
pub const PROGRAMME_SORTS: Sorts = &[
    ("start_date", "start_date"),
    ("code", "code"),
    ("name", "name"),
    ("end_date", "end_date"),
    ("funder", "COALESCE(funder, '')"),
];

/// The programmes, one page, searched by code, name or funder; newest first unless a sort
/// is given. Everyone logged in reads them.
pub async fn programme_list(db: &Db, actor: &Actor, page: &Page) -> Result<Paged<Programme>> {
    let page = match page.sort {
        None => Page { sort: Some("start_date".into()), dir: page.dir.clone().or(Some("desc".into())), ..page.clone() },
        Some(_) => page.clone(),
    };
    let c = page.check(PROGRAMME_SORTS)?;
    let filter = "WHERE ($1 IS NULL OR LOWER(code) LIKE $1 ESCAPE '\\' OR LOWER(name) LIKE $1 ESCAPE '\\' \
                  OR LOWER(COALESCE(funder, '')) LIKE $1 ESCAPE '\\')";
    let count = format!("SELECT COUNT(*) FROM programmes {filter}");
    let sql = format!("SELECT id FROM programmes {filter} {} LIMIT $2 OFFSET $3", c.order_by("id"));
    let total: i64 =
        on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())).bind(&c.pattern).fetch_one(p).await)?;
    let ids: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        items.push(programme(db, actor, id).await?);
    }
    Ok(c.answer(total, items))
}

/// Every programme, newest first: the choices of a form (a deployment runs a handful).
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

pub async fn standards(db: &Db) -> Result<Vec<Standard>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, framework, code, name_en, name_fr FROM standards ORDER BY framework, code"
    )
    .fetch_all(p)
    .await)?)
}

// ---------------------------------------------------------------------------------------
// Courses

const COURSE_SQL: &str = "SELECT id, code, title, programme_id, kind, modality, hours, credits, accrediting_body, \
     target_roles, min_attendance_pct, require_assessments_passed, min_final_grade, certificate_months FROM courses";

fn check_number(problems: &mut Vec<Problem>, column: &str, v: f64, max: f64) {
    if !(v.is_finite() && (0.0..=max).contains(&v)) {
        problems.push(Problem::new("out-of-range").in_column(column).with_value(v.to_string()).arg("max", max));
    }
}

/// A course's fields once checked, for creating or editing it.
struct CheckedCourse {
    code: String,
    title: String,
    programme_id: Option<i64>,
    kind: &'static str,
    modality: &'static str,
    min_attendance: f64,
    roles: Vec<&'static str>,
    prerequisites: Vec<i64>,
    /// Code, title, hours and the standards served, in order.
    modules: Vec<(String, String, f64, Vec<i64>)>,
}

/// Checks every field of a course and reports every problem at once. `editing` is the
/// course being changed: it may not become its own prerequisite (directly or through
/// others), an assessment with grades keeps a maximum at or above its best grade and may
/// not be removed.
async fn check_course(db: &Db, input: &CourseInput, editing: Option<i64>) -> Result<CheckedCourse> {
    let mut problems = Vec::new();
    let code = collect(&mut problems, "code", vocab::parse_code(&input.code));
    let title = collect(&mut problems, "title", vocab::parse_name(&input.title));
    let kind = collect(&mut problems, "kind", CourseKind::parse(&input.kind).map(CourseKind::key));
    let modality = collect(&mut problems, "modality", Modality::parse(&input.modality).map(Modality::key));
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
    let links: Vec<(i64, i64)> = match editing {
        Some(_) => on_db!(db, |p| sqlx::query_as("SELECT course_id, prerequisite_id FROM course_prerequisites")
            .fetch_all(p)
            .await)?,
        None => Vec::new(),
    };
    let mut prerequisites = Vec::new();
    for (i, c) in input.prerequisites.iter().enumerate() {
        let found: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM courses WHERE code = $1")
            .bind(c.trim())
            .fetch_optional(p)
            .await)?;
        match found {
            Some(id) if editing.is_some_and(|me| leads_to(&links, id, me)) => problems
                .push(Problem::new("prerequisite-cycle").in_column(format!("prerequisites[{i}]")).with_value(c.trim())),
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
        if let (Some(c), Some(t)) = (mcode, mtitle) {
            modules.push((c, t, m.hours, ids));
        }
    }
    // The best grade given on each of the course's assessments, by code.
    let graded: Vec<(String, f64)> = match editing {
        Some(id) => on_db!(db, |p| sqlx::query_as(
            "SELECT a.code, MAX(g.score) FROM assessments a JOIN grades g ON g.assessment_id = a.id \
             WHERE a.course_id = $1 GROUP BY a.code"
        )
        .bind(id)
        .fetch_all(p)
        .await)?,
        None => Vec::new(),
    };
    let mut assessment_codes: Vec<String> = Vec::new();
    for (i, a) in input.assessments.iter().enumerate() {
        let col = |f: &str| format!("assessments[{i}].{f}");
        if let Some(c) = collect(&mut problems, &col("code"), vocab::parse_code(&a.code)) {
            if assessment_codes.iter().any(|k| k.eq_ignore_ascii_case(&c)) {
                problems.push(Problem::new("exists").in_column(col("code")).with_value(&c));
            }
            if let Some((_, best)) = graded.iter().find(|(k, _)| k.eq_ignore_ascii_case(&c))
                && a.max_score.is_finite()
                && a.max_score < *best
            {
                problems.push(
                    Problem::new("max-below-grades")
                        .in_column(col("max_score"))
                        .with_value(a.max_score.to_string())
                        .arg("best", *best),
                );
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
    for (code, _) in &graded {
        if !assessment_codes.iter().any(|k| k.eq_ignore_ascii_case(code)) {
            problems.push(Problem::new("assessment-graded").in_column("assessments").with_value(code));
        }
    }
    fail_if_any(problems)?;
    Ok(CheckedCourse {
        code: code.expect("checked"),
        title: title.expect("checked"),
        programme_id,
        kind: kind.expect("checked"),
        modality: modality.expect("checked"),
        min_attendance,
        roles,
        prerequisites,
        modules,
    })
}

/// Whether `from` is `to` or has it among its prerequisites, however far down.
fn leads_to(links: &[(i64, i64)], from: i64, to: i64) -> bool {
    let mut seen = vec![from];
    let mut next = vec![from];
    while let Some(c) = next.pop() {
        if c == to {
            return true;
        }
        for (_, p) in links.iter().filter(|(k, _)| *k == c) {
            if !seen.contains(p) {
                seen.push(*p);
                next.push(*p);
            }
        }
    }
    false
}

/// Writes a course's prerequisites, modules (with their standards) and assessments as
/// listed. Modules and assessments are matched by code: one already there is changed in
/// place (grades keep pointing at it), a new code is added, a code left out is removed.
async fn write_course_parts(tx: &mut Tx, id: i64, c: &CheckedCourse, input: &CourseInput) -> Result<()> {
    on_tx!(&mut *tx, |x| sqlx::query("DELETE FROM course_prerequisites WHERE course_id = $1")
        .bind(id)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?;
    for pid in &c.prerequisites {
        on_tx!(&mut *tx, |x| sqlx::query(
            "INSERT INTO course_prerequisites (course_id, prerequisite_id) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(*pid)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?;
    }
    let old_modules: Vec<(i64, String)> =
        on_tx!(&mut *tx, |x| sqlx::query_as("SELECT id, code FROM course_modules WHERE course_id = $1")
            .bind(id)
            .fetch_all(&mut *x)
            .await)?;
    let mut module_ids: Vec<(String, i64)> = Vec::new();
    for (position, (mcode, mtitle, hours, standard_ids)) in c.modules.iter().enumerate() {
        let found = old_modules.iter().find(|(_, k)| k.eq_ignore_ascii_case(mcode)).map(|(m, _)| *m);
        let mid: i64 = match found {
            Some(mid) => {
                on_tx!(&mut *tx, |x| sqlx::query(
                    "UPDATE course_modules SET position = $1, code = $2, title = $3, hours = $4 WHERE id = $5"
                )
                .bind(position as i64 + 1)
                .bind(mcode)
                .bind(mtitle)
                .bind(*hours)
                .bind(mid)
                .execute(&mut *x)
                .await
                .map(|r| r.rows_affected()))?;
                on_tx!(&mut *tx, |x| sqlx::query("DELETE FROM module_standards WHERE module_id = $1")
                    .bind(mid)
                    .execute(&mut *x)
                    .await
                    .map(|r| r.rows_affected()))?;
                mid
            }
            None => on_tx!(&mut *tx, |x| sqlx::query_scalar(
                "INSERT INTO course_modules (course_id, position, code, title, hours) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id"
            )
            .bind(id)
            .bind(position as i64 + 1)
            .bind(mcode)
            .bind(mtitle)
            .bind(*hours)
            .fetch_one(&mut *x)
            .await)?,
        };
        module_ids.push((mcode.to_lowercase(), mid));
        for sid in standard_ids {
            on_tx!(&mut *tx, |x| sqlx::query("INSERT INTO module_standards (module_id, standard_id) VALUES ($1, $2)")
                .bind(mid)
                .bind(*sid)
                .execute(&mut *x)
                .await
                .map(|r| r.rows_affected()))?;
        }
    }
    let existing: Vec<(i64, String)> =
        on_tx!(&mut *tx, |x| sqlx::query_as("SELECT id, code FROM assessments WHERE course_id = $1")
            .bind(id)
            .fetch_all(&mut *x)
            .await)?;
    let mut kept = Vec::new();
    for a in &input.assessments {
        let module_id = optional_text(&a.module_code)
            .and_then(|m| module_ids.iter().find(|(k, _)| *k == m.to_lowercase()).map(|(_, id)| *id));
        let found = existing.iter().find(|(_, k)| k.eq_ignore_ascii_case(a.code.trim())).map(|(x, _)| *x);
        let sql = if found.is_some() {
            "UPDATE assessments SET module_id = $2, code = $3, title = $4, max_score = $5, pass_score = $6, weight = $7 \
             WHERE course_id = $1 AND id = $8"
        } else {
            "INSERT INTO assessments (course_id, module_id, code, title, max_score, pass_score, weight) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        };
        on_tx!(&mut *tx, |x| {
            let q = sqlx::query(sql)
                .bind(id)
                .bind(module_id)
                .bind(a.code.trim())
                .bind(a.title.trim())
                .bind(a.max_score)
                .bind(a.pass_score)
                .bind(a.weight.unwrap_or(1.0));
            let q = if let Some(aid) = found { q.bind(aid) } else { q };
            q.execute(&mut *x).await.map(|r| r.rows_affected())
        })?;
        kept.extend(found);
    }
    for (gone, code) in existing.iter().filter(|(x, _)| !kept.contains(x)) {
        // Grades given since the check keep their assessment: the edit is refused.
        let removed = on_tx!(&mut *tx, |x| {
            sqlx::query(
            "DELETE FROM assessments WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM grades g WHERE g.assessment_id = $1)"
        )
        .bind(*gone)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected())
        })?;
        if removed == 0 {
            return Err(Problem::new("assessment-graded").in_column("assessments").with_value(code).into());
        }
    }
    for (gone, _) in old_modules.iter().filter(|(m, _)| !module_ids.iter().any(|(_, w)| w == m)) {
        on_tx!(&mut *tx, |x| sqlx::query("DELETE FROM course_modules WHERE id = $1")
            .bind(*gone)
            .execute(&mut *x)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

pub async fn create_course(db: &Db, actor: &Actor, input: &CourseInput) -> Result<CourseDetail> {
    may(actor, Action::ManageProgrammes)?;
    let c = check_course(db, input, None).await?;
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |x| sqlx::query_scalar(
        "INSERT INTO courses (code, title, programme_id, kind, modality, hours, credits, accrediting_body, target_roles, \
         min_attendance_pct, require_assessments_passed, min_final_grade, certificate_months, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id"
    )
    .bind(&c.code)
    .bind(&c.title)
    .bind(c.programme_id)
    .bind(c.kind)
    .bind(c.modality)
    .bind(input.hours)
    .bind(input.credits)
    .bind(optional_text(&input.accrediting_body))
    .bind(c.roles.join(","))
    .bind(c.min_attendance)
    .bind(input.require_assessments_passed.unwrap_or(true))
    .bind(input.min_final_grade)
    .bind(input.certificate_months)
    .bind(Utc::now())
    .fetch_one(&mut *x)
    .await)
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &c.code))?;
    write_course_parts(&mut tx, id, &c, input).await?;
    audit::record(
        &mut tx,
        actor,
        "create",
        "course",
        &id.to_string(),
        &format!("course {}", c.code),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    course(db, id).await
}

/// Changes a course: its fields, prerequisites, modules and assessments as listed (see
/// [`write_course_parts`]). Completion is computed again for every cohort of the course
/// in the same transaction, so a changed rule shows at once in funnels, reach and records;
/// a course moved to another programme moves its participants' reach with it.
pub async fn update_course(db: &Db, actor: &Actor, id: i64, input: &CourseInput) -> Result<CourseDetail> {
    may(actor, Action::ManageProgrammes)?;
    let before = course(db, id).await?;
    let c = check_course(db, input, Some(id)).await?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |x| sqlx::query(
        "UPDATE courses SET code = $1, title = $2, programme_id = $3, kind = $4, modality = $5, hours = $6, credits = $7, \
         accrediting_body = $8, target_roles = $9, min_attendance_pct = $10, require_assessments_passed = $11, \
         min_final_grade = $12, certificate_months = $13 WHERE id = $14"
    )
    .bind(&c.code)
    .bind(&c.title)
    .bind(c.programme_id)
    .bind(c.kind)
    .bind(c.modality)
    .bind(input.hours)
    .bind(input.credits)
    .bind(optional_text(&input.accrediting_body))
    .bind(c.roles.join(","))
    .bind(c.min_attendance)
    .bind(input.require_assessments_passed.unwrap_or(true))
    .bind(input.min_final_grade)
    .bind(input.certificate_months)
    .bind(id)
    .execute(&mut *x)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &c.code))?;
    write_course_parts(&mut tx, id, &c, input).await?;
    let cohorts: Vec<i64> = on_tx!(&mut tx, |x| sqlx::query_scalar("SELECT id FROM cohorts WHERE course_id = $1")
        .bind(id)
        .fetch_all(&mut *x)
        .await)?;
    for cohort in cohorts {
        let changed = super::completion::recompute(&mut tx, cohort).await?;
        if changed == 0 && before.course.programme_id != c.programme_id {
            tx.changed(&super::reports::PARTICIPANTS, super::reports::cohort_changed(cohort));
        }
        // Who attended enough follows the course's minimum, which may have changed.
        tx.changed(&super::reports::FUNNEL_COUNTS, super::reports::cohort_changed(cohort));
    }
    audit::record(
        &mut tx,
        actor,
        "update",
        "course",
        &id.to_string(),
        &format!("course {}", c.code),
        Some(&before),
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

/// The columns the list of courses sorts by.
pub const COURSE_SORTS: Sorts =
    &[("code", "code"), ("title", "title"), ("kind", "kind"), ("modality", "modality"), ("hours", "hours")];

/// The courses, one page, searched by code or title; optionally those of one programme.
/// Everyone logged in reads them.
pub async fn course_list(db: &Db, programme_id: Option<i64>, page: &Page) -> Result<Paged<Course>> {
    let c = page.check(COURSE_SORTS)?;
    let filter = "WHERE ($1 IS NULL OR programme_id = $1) \
                  AND ($2 IS NULL OR LOWER(code) LIKE $2 ESCAPE '\\' OR LOWER(title) LIKE $2 ESCAPE '\\')";
    let count = format!("SELECT COUNT(*) FROM courses {filter}");
    let sql = format!("{COURSE_SQL} {filter} {} LIMIT $3 OFFSET $4", c.order_by("id"));
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
        .bind(programme_id)
        .bind(&c.pattern)
        .fetch_one(p)
        .await)?;
    let items = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(programme_id)
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, items))
}

/// Every course, by code; optionally those of one programme: the choices of a form and a
/// programme's own courses.
pub async fn courses(db: &Db, programme_id: Option<i64>) -> Result<Vec<Course>> {
    let sql = format!("{COURSE_SQL} WHERE ($1 IS NULL OR programme_id = $1) ORDER BY code");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(programme_id).fetch_all(p).await)?)
}
