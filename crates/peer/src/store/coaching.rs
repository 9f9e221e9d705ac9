//! Coaching: relations coach → coachee within a programme (cascades of any depth, never a
//! loop), visits, the feedback bands of rubric domains and the feedback of a visit, and a
//! coach's visit plan.
//!
//! A relation belongs to the coachee's place when it was made: officers whose scope covers
//! the coachee set it up ([`Action::ManageCohorts`]); whoever reads that place reads it, and
//! so do the coach and the coachee. A visit is recorded by the coach themselves, or by
//! someone who may facilitate where the coachee is, and the visitor named must be the
//! coachee's coach in the programme on the day; it is dated today or before, its next visit
//! on or after it, and a visit sent again with the same client id is stored once. Its
//! observation is named by id, or by the client id it was sent with (the field app's way).

use super::{Known, Place, check_ids, collect, fail_if_any, free_text, not_found, optional_text, unknown};
use crate::model::*;
use chrono::{NaiveDate, Utc};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_domain::peer::{self, Band, CoacheeVisits};
use opencpd_domain::registry::{parse_date, parse_name};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, audit, on_db, on_tx};
use std::collections::{HashMap, HashSet};

const RELATION_SQL: &str = "SELECT r.id, r.programme_id, r.coach_id, a.given_name || ' ' || a.family_name AS coach_name, \
     r.coachee_id, b.given_name || ' ' || b.family_name AS coachee_name, r.start_on, r.end_on \
     FROM coaching_relations r JOIN people a ON a.id = r.coach_id JOIN people b ON b.id = r.coachee_id";

/// The condition reading the relations (or visits, with the same columns) the actor may
/// read: by the coachee's place, or as coach or coachee.
pub(crate) fn readable(actor: &Actor, people: &[i64], alias: &str) -> String {
    let place = ListScope::of(actor).sql(
        Columns::path(&format!("{alias}.coachee_path"))
            .school(&format!("{alias}.coachee_school_id"))
            .person(&format!("{alias}.coachee_id")),
    );
    if people.is_empty() {
        place
    } else {
        let ids: Vec<String> = people.iter().map(i64::to_string).collect();
        format!("({place} OR {alias}.coach_id IN ({}))", ids.join(", "))
    }
}

pub async fn create_relation(db: &Db, actor: &Actor, input: &RelationInput) -> Result<Relation> {
    super::may(actor, Action::ManageCohorts)?;
    let mut problems = Vec::new();
    let start = collect(&mut problems, "start_on", parse_date(&input.start_on));
    let programme = super::programme_id(db, &input.programme_code).await?;
    if programme.is_none() {
        problems.push(unknown("unknown-programme", "programme_code", input.programme_code.trim()));
    }
    let found = super::existing(db, Known::People, &[input.coach_id, input.coachee_id]).await?;
    for (field, id) in [("coach_id", input.coach_id), ("coachee_id", input.coachee_id)] {
        if !found.contains(&id) {
            problems.push(unknown("unknown-person-id", field, id));
        }
    }
    let places = super::places(db, &[input.coachee_id]).await?;
    let place = places.get(&input.coachee_id).cloned();
    if found.contains(&input.coachee_id)
        && !super::person_may(db, actor, Action::ManageCohorts, input.coachee_id).await?
    {
        problems.push(Problem::new("out-of-scope").in_column("coachee_id").with_value(input.coachee_id.to_string()));
    }
    if let Some(programme) = programme {
        let pairs: Vec<(i64, i64)> = on_db!(db, |p| sqlx::query_as(
            "SELECT coach_id, coachee_id FROM coaching_relations WHERE programme_id = $1 AND end_on IS NULL"
        )
        .bind(programme)
        .fetch_all(p)
        .await)?;
        if pairs.contains(&(input.coach_id, input.coachee_id)) {
            return Err(Error::Conflict(
                Problem::new("relation-exists").in_column("coach_id").with_value(input.coach_id.to_string()),
            ));
        }
        if let Some(way) = peer::would_cycle(&pairs, input.coach_id, input.coachee_id) {
            let names = super::names(db, &way).await?;
            let shown: Vec<String> =
                way.iter().map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_string())).collect();
            let mut shown = shown;
            shown.push(shown[0].clone());
            problems.push(Problem::new("coaching-cycle").in_column("coachee_id").arg("loop", shown.join(" › ")));
        }
    }
    fail_if_any(problems)?;
    let Place { path, school_id } = place.unwrap_or(Place { path: "/".into(), school_id: None });
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO coaching_relations (programme_id, coach_id, coachee_id, start_on, coachee_path, coachee_school_id, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(programme)
    .bind(input.coach_id)
    .bind(input.coachee_id)
    .bind(start)
    .bind(&path)
    .bind(school_id)
    .bind(Utc::now())
    .fetch_one(&mut *c)
    .await)
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &input.coach_id.to_string()))?;
    audit::record(
        &mut tx,
        actor,
        "create",
        "coaching_relation",
        &id.to_string(),
        &format!("coaching {} › {}", input.coach_id, input.coachee_id),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    let sql = format!("{RELATION_SQL} WHERE r.id = $1");
    let r: Option<Relation> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    not_found(r)
}

/// The relations of a programme the actor reads, by coach then coachee.
pub async fn relations(db: &Db, actor: &Actor, programme_code: &str) -> Result<Vec<Relation>> {
    let programme = super::programme_id(db, programme_code)
        .await?
        .ok_or_else(|| unknown("unknown-programme", "programme", programme_code.trim()))?;
    let people = super::actor_people(db, actor).await?;
    let sql = format!(
        "{RELATION_SQL} WHERE r.programme_id = $1 AND {} ORDER BY a.family_name, r.coach_id, b.family_name, r.coachee_id",
        readable(actor, &people, "r")
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(programme).fetch_all(p).await)?)
}

type VisitRow =
    (i64, String, i64, i64, i64, NaiveDate, Option<i64>, Option<String>, Option<NaiveDate>, String, Option<i64>);
const VISIT_SQL: &str = "SELECT id, uuid, programme_id, coach_id, coachee_id, visited_on, submission_id, agreed_actions, \
     next_visit_on, coachee_path, coachee_school_id FROM coaching_visits";

/// Records a visit (see the module's rules). Answers the visit and whether it was stored now
/// (false when this client id was stored before: nothing is written again).
pub async fn record_visit(db: &Db, actor: &Actor, input: &VisitInput, lang: &str) -> Result<(Visit, bool)> {
    let mut problems = Vec::new();
    let uuid = collect(
        &mut problems,
        "uuid",
        uuid::Uuid::parse_str(input.uuid.trim()).map_err(|_| Problem::new("bad-uuid").with_value(input.uuid.trim())),
    );
    if let Some(u) = uuid {
        let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM coaching_visits WHERE uuid = $1")
            .bind(u.to_string())
            .fetch_optional(p)
            .await)?;
        if let Some(id) = id {
            return Ok((visit(db, actor, id, lang).await?, false));
        }
    }
    let today = opencpd_kernel::today();
    let visited_on = collect(&mut problems, "visited_on", parse_date(&input.visited_on));
    if let Some(d) = visited_on
        && d > today
    {
        problems.push(Problem::new("in-the-future").in_column("visited_on").with_value(d.to_string()));
    }
    let next = match optional_text(&input.next_visit_on) {
        Some(d) => collect(&mut problems, "next_visit_on", parse_date(d)),
        None => None,
    };
    if let (Some(n), Some(v)) = (next, visited_on)
        && n < v
    {
        problems.push(Problem::new("before-visit").in_column("next_visit_on").with_value(n.to_string()));
    }
    let agreed = free_text(&mut problems, "agreed_actions", &input.agreed_actions);
    let programme = super::programme_id(db, &input.programme_code).await?;
    if programme.is_none() {
        problems.push(unknown("unknown-programme", "programme_code", input.programme_code.trim()));
    }
    let found = super::existing(db, Known::People, &[input.coach_id, input.coachee_id]).await?;
    if !found.contains(&input.coachee_id) {
        problems.push(unknown("unknown-person-id", "coachee_id", input.coachee_id));
    }
    // Who may record it: the coach, or someone who may facilitate where the coachee is.
    let own = super::actor_people(db, actor).await?;
    if found.contains(&input.coachee_id)
        && !own.contains(&input.coach_id)
        && !super::person_may(db, actor, Action::Facilitate, input.coachee_id).await?
    {
        return Err(if super::person_may(db, actor, Action::Read, input.coachee_id).await? {
            Error::Forbidden
        } else {
            Error::NotFound
        });
    }
    let mut relation: Option<(i64, String, Option<i64>)> = None;
    if let (Some(programme), Some(day)) = (programme, visited_on) {
        relation = on_db!(db, |p| sqlx::query_as(
            "SELECT id, coachee_path, coachee_school_id FROM coaching_relations WHERE programme_id = $1 \
             AND coach_id = $2 AND coachee_id = $3 AND start_on <= $4 AND (end_on IS NULL OR end_on >= $4)"
        )
        .bind(programme)
        .bind(input.coach_id)
        .bind(input.coachee_id)
        .bind(day)
        .fetch_optional(p)
        .await)?;
        if relation.is_none() {
            problems.push(Problem::new("not-the-coach").in_column("coach_id").with_value(input.coach_id.to_string()));
        }
    }
    check_ids(db, &mut problems, Known::Standards, "focus", &input.focus).await?;
    if let Some(s) = input.submission_id
        && super::existing(db, Known::Submissions, &[s]).await?.is_empty()
    {
        problems.push(unknown("unknown-submission", "submission_id", s));
    }
    let submission_id = match optional_text(&input.submission_uuid) {
        Some(u) => {
            let by_uuid: Option<i64> =
                on_db!(db, |p| sqlx::query_scalar("SELECT id FROM submissions WHERE uuid = $1")
                    .bind(u.to_lowercase())
                    .fetch_optional(p)
                    .await)?;
            match by_uuid {
                None => {
                    problems.push(unknown("unknown-submission", "submission_uuid", u));
                    None
                }
                Some(id) if input.submission_id.is_some_and(|s| s != id) => {
                    problems.push(Problem::new("submission-mismatch").in_column("submission_uuid").with_value(u));
                    None
                }
                Some(id) => Some(id),
            }
        }
        None => input.submission_id,
    };
    fail_if_any(problems)?;
    let (relation_id, path, school_id) = relation.expect("checked");
    let uuid = uuid.expect("checked").to_string();
    let mut tx = db.begin().await?;
    let id: Option<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO coaching_visits (uuid, relation_id, programme_id, coach_id, coachee_id, coachee_path, \
         coachee_school_id, visited_on, submission_id, agreed_actions, next_visit_on, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (uuid) DO NOTHING RETURNING id"
    )
    .bind(&uuid)
    .bind(relation_id)
    .bind(programme)
    .bind(input.coach_id)
    .bind(input.coachee_id)
    .bind(&path)
    .bind(school_id)
    .bind(visited_on)
    .bind(submission_id)
    .bind(&agreed)
    .bind(next)
    .bind(Utc::now())
    .fetch_optional(&mut *c)
    .await)?;
    let Some(id) = id else {
        // Sent twice at once: the other one stored it.
        drop(tx);
        let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM coaching_visits WHERE uuid = $1")
            .bind(&uuid)
            .fetch_optional(p)
            .await)?;
        return Ok((visit(db, actor, not_found(id)?, lang).await?, false));
    };
    let mut seen = HashSet::new();
    for s in input.focus.iter().filter(|s| seen.insert(**s)) {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO coaching_visit_standards (visit_id, standard_id) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(*s)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    audit::record(
        &mut tx,
        actor,
        "create",
        "coaching_visit",
        &id.to_string(),
        &format!("visit of {} by {}", input.coachee_id, input.coach_id),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    Ok((visit(db, actor, id, lang).await?, true))
}

/// A visit with its generated feedback in `lang`, when the actor reads it.
pub async fn visit(db: &Db, actor: &Actor, id: i64, lang: &str) -> Result<Visit> {
    let sql = format!("{VISIT_SQL} WHERE id = $1");
    let row: Option<VisitRow> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    let (
        id,
        uuid,
        programme_id,
        coach_id,
        coachee_id,
        visited_on,
        submission_id,
        agreed_actions,
        next_visit_on,
        path,
        school,
    ) = not_found(row)?;
    let own = super::actor_people(db, actor).await?;
    let schools: Vec<i64> = school.into_iter().collect();
    let paths = vec![path];
    let target = Target::Person { id: coachee_id, school_ids: &schools, paths: &paths };
    if !own.contains(&coach_id) && !own.contains(&coachee_id) && !actor.allows(Action::Read, &target) {
        return Err(Error::NotFound);
    }
    let focus: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT standard_id FROM coaching_visit_standards WHERE visit_id = $1 ORDER BY standard_id"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    let feedback = match submission_id {
        Some(s) => feedback(db, s, lang).await?,
        None => Vec::new(),
    };
    Ok(Visit {
        id,
        uuid,
        programme_id,
        coach_id,
        coachee_id,
        visited_on,
        focus,
        submission_id,
        agreed_actions,
        next_visit_on,
        feedback,
    })
}

#[derive(serde::Deserialize)]
struct DomainScore {
    domain: String,
    score: f64,
    max: f64,
}

/// The feedback of an observation: each domain's score as a percent of its maximum, the
/// band it falls in among the domain's bands in `lang` (else the bands for every domain,
/// `*`; else English), and that band's text.
pub async fn feedback(db: &Db, submission_id: i64, lang: &str) -> Result<Vec<Feedback>> {
    let scores: Option<String> =
        on_db!(db, |p| sqlx::query_scalar("SELECT scores_json FROM submissions WHERE id = $1")
            .bind(submission_id)
            .fetch_optional(p)
            .await)?;
    let scores: Vec<DomainScore> = serde_json::from_str(&not_found(scores)?).map_err(anyhow::Error::from)?;
    let all = all_bands(db).await?;
    let lang = opencpd_domain::i18n::resolve(lang);
    let pick = |domain: &str| -> Vec<Band> {
        for (d, l) in [(domain, lang), ("*", lang), (domain, "en"), ("*", "en")] {
            if let Some(b) = all.get(&(d.to_string(), l.to_string())) {
                return b.clone();
            }
        }
        Vec::new()
    };
    Ok(scores
        .into_iter()
        .map(|s| {
            let percent = if s.max > 0.0 { (s.score * 1000.0 / s.max).round() / 10.0 } else { 0.0 };
            let bands = pick(&s.domain);
            let band = (s.max > 0.0).then(|| peer::band_for(&bands, percent).cloned()).flatten();
            Feedback {
                domain: s.domain,
                score: s.score,
                max: s.max,
                percent,
                band: band.as_ref().map(|b| b.label.clone()),
                text: band.map(|b| b.feedback),
            }
        })
        .collect())
}

async fn all_bands(db: &Db) -> Result<HashMap<(String, String), Vec<Band>>> {
    let rows: Vec<(String, String, f64, f64, String, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT domain, lang, min_score, max_score, label, feedback FROM feedback_bands ORDER BY domain, lang, position"
    )
    .fetch_all(p)
    .await
    })?;
    let mut out: HashMap<(String, String), Vec<Band>> = HashMap::new();
    for (domain, lang, min, max, label, feedback) in rows {
        out.entry((domain, lang)).or_default().push(Band { min, max, label, feedback });
    }
    Ok(out)
}

/// Replaces the bands of one domain in one language (those who manage programmes).
pub async fn save_bands(db: &Db, actor: &Actor, input: &BandsInput) -> Result<Vec<Band>> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let mut problems = Vec::new();
    let domain = if input.domain.trim() == "*" {
        Some("*".to_string())
    } else {
        collect(&mut problems, "domain", parse_name(&input.domain))
    };
    let lang = input.lang.trim().to_lowercase();
    if !opencpd_domain::i18n::LANGUAGES.iter().any(|(code, _)| *code == lang) {
        let allowed: Vec<&str> = opencpd_domain::i18n::LANGUAGES.iter().map(|(c, _)| *c).collect();
        problems.push(
            Problem::new("bad-choice")
                .in_column("lang")
                .with_value(input.lang.trim())
                .arg("allowed", allowed.join(", ")),
        );
    }
    let mut bands = Vec::new();
    for (i, b) in input.bands.iter().enumerate() {
        let label = collect(&mut problems, &format!("bands[{i}].label"), parse_name(&b.label));
        let text = free_text(&mut problems, &format!("bands[{i}].feedback"), &Some(b.feedback.clone()));
        if text.is_none() && b.feedback.trim().is_empty() {
            problems.push(Problem::new("required").in_column(format!("bands[{i}].feedback")));
        }
        bands.push(Band {
            min: b.min,
            max: b.max,
            label: label.unwrap_or_default(),
            feedback: text.unwrap_or_default(),
        });
    }
    if problems.is_empty()
        && let Err(found) = peer::check_bands(&bands)
    {
        problems.extend(found);
    }
    fail_if_any(problems)?;
    let domain = domain.expect("checked");
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query("DELETE FROM feedback_bands WHERE domain = $1 AND lang = $2")
        .bind(&domain)
        .bind(&lang)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    for (i, b) in bands.iter().enumerate() {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO feedback_bands (domain, lang, position, min_score, max_score, label, feedback) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(&domain)
        .bind(&lang)
        .bind(i as i64 + 1)
        .bind(b.min)
        .bind(b.max)
        .bind(&b.label)
        .bind(&b.feedback)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    audit::record(
        &mut tx,
        actor,
        "update",
        "feedback_bands",
        &format!("{domain}/{lang}"),
        &format!("feedback bands of {domain} ({lang})"),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    Ok(bands)
}

/// A coach's visit plan for `term` (see `opencpd_domain::peer::visit_plan`): read by the
/// coach, and by whoever reads the coach's record.
pub async fn visit_plan(db: &Db, actor: &Actor, coach_id: i64, term: &Term) -> Result<Vec<PlanEntry>> {
    let own = super::actor_people(db, actor).await?;
    if !own.contains(&coach_id) && !super::person_may(db, actor, Action::Read, coach_id).await? {
        return Err(Error::NotFound);
    }
    let today = opencpd_kernel::today();
    let coachees: Vec<(i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT DISTINCT r.coachee_id, b.given_name || ' ' || b.family_name FROM coaching_relations r \
         JOIN people b ON b.id = r.coachee_id WHERE r.coach_id = $1 AND (r.end_on IS NULL OR r.end_on >= $2)"
    )
    .bind(coach_id)
    .bind(today)
    .fetch_all(p)
    .await)?;
    let visits: Vec<(i64, NaiveDate, Option<NaiveDate>)> = on_db!(db, |p| sqlx::query_as(
        "SELECT coachee_id, visited_on, next_visit_on FROM coaching_visits WHERE coach_id = $1"
    )
    .bind(coach_id)
    .fetch_all(p)
    .await)?;
    let mut by_coachee: HashMap<i64, CoacheeVisits> =
        coachees.iter().map(|(id, _)| (*id, CoacheeVisits { coachee: *id, visits: Vec::new() })).collect();
    for (coachee, day, next) in visits {
        if let Some(c) = by_coachee.get_mut(&coachee) {
            c.visits.push((day, next));
        }
    }
    let list: Vec<CoacheeVisits> = by_coachee.into_values().collect();
    let names: HashMap<i64, String> = coachees.into_iter().collect();
    let term = peer::Term { start: term.start_on, end: term.end_on };
    Ok(peer::visit_plan(&list, &term, today)
        .into_iter()
        .map(|l| PlanEntry {
            coachee_id: l.coachee,
            coachee_name: names.get(&l.coachee).cloned().unwrap_or_default(),
            visits_this_term: l.visits_this_term as i64,
            last_visit: l.last_visit,
            next_visit: l.next_visit,
            overdue: l.overdue,
        })
        .collect())
}

/// The visit plans the field app's package carries: one for each person of the actor's who
/// coaches someone today, in the term today falls in ([`visit_plan`]); none without a term.
pub async fn field_visit_plans(db: &Db, actor: &Actor) -> Result<Vec<FieldVisitPlan>> {
    let own = super::actor_people(db, actor).await?;
    let today = opencpd_kernel::today();
    let Some(term) = super::plcs::term_on(db, today).await? else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for coach_id in own {
        let coaches: Option<i64> = on_db!(db, |p| {
            sqlx::query_scalar(
            "SELECT id FROM coaching_relations WHERE coach_id = $1 AND start_on <= $2 AND (end_on IS NULL OR end_on >= $2) \
             LIMIT 1"
        )
        .bind(coach_id)
        .bind(today)
        .fetch_optional(p)
        .await
        })?;
        if coaches.is_some() {
            let entries = visit_plan(db, actor, coach_id, &term).await?;
            out.push(FieldVisitPlan { coach_id, term: term.clone(), entries });
        }
    }
    Ok(out)
}

/// One visit of a coach, as exported: the coachee, the instrument of its observation, the
/// focus standards, what was agreed and the next visit.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitLine {
    pub visited_on: NaiveDate,
    pub programme: String,
    pub coachee_id: i64,
    pub coachee_name: String,
    /// `code version` of the instrument the observation was made with.
    pub instrument: Option<String>,
    pub submission_id: Option<i64>,
    pub focus: Vec<String>,
    pub agreed_actions: Option<String>,
    pub next_visit_on: Option<NaiveDate>,
}

/// The columns of [`VisitLine`] in an export.
pub const VISIT_COLUMNS: &[&str] = &[
    "visited_on",
    "programme",
    "coachee_id",
    "coachee",
    "instrument",
    "submission_id",
    "focus",
    "agreed_actions",
    "next_visit_on",
];

impl VisitLine {
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.visited_on.to_string(),
            self.programme.clone(),
            self.coachee_id.to_string(),
            self.coachee_name.clone(),
            self.instrument.clone().unwrap_or_default(),
            self.submission_id.map(|s| s.to_string()).unwrap_or_default(),
            self.focus.join(" "),
            self.agreed_actions.clone().unwrap_or_default(),
            self.next_visit_on.map(|d| d.to_string()).unwrap_or_default(),
        ]
    }
}

/// A coach's visits in `term` that the actor reads, oldest first: for the coach, and for
/// whoever reads the coach's record (then only the visits whose coachee they read).
pub async fn coach_visits(db: &Db, actor: &Actor, coach_id: i64, term: &Term) -> Result<Vec<VisitLine>> {
    let own = super::actor_people(db, actor).await?;
    if !own.contains(&coach_id) && !super::person_may(db, actor, Action::Read, coach_id).await? {
        return Err(Error::NotFound);
    }
    type Row = (i64, NaiveDate, String, i64, String, Option<String>, Option<i64>, Option<String>, Option<NaiveDate>);
    let sql = format!(
        "SELECT v.id, v.visited_on, g.code, v.coachee_id, b.given_name || ' ' || b.family_name, \
         i.code || ' ' || i.version, v.submission_id, v.agreed_actions, v.next_visit_on \
         FROM coaching_visits v JOIN programmes g ON g.id = v.programme_id JOIN people b ON b.id = v.coachee_id \
         LEFT JOIN submissions s ON s.id = v.submission_id LEFT JOIN instruments i ON i.id = s.instrument_id \
         WHERE v.coach_id = $1 AND v.visited_on >= $2 AND v.visited_on <= $3 AND {} ORDER BY v.visited_on, v.id",
        readable(actor, &own, "v")
    );
    let rows: Vec<Row> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(coach_id)
        .bind(term.start_on)
        .bind(term.end_on)
        .fetch_all(p)
        .await)?;
    let focus: Vec<(i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT f.visit_id, s.code FROM coaching_visit_standards f JOIN standards s ON s.id = f.standard_id \
         JOIN coaching_visits v ON v.id = f.visit_id WHERE v.coach_id = $1 ORDER BY s.code"
    )
    .bind(coach_id)
    .fetch_all(p)
    .await)?;
    let mut by_visit: HashMap<i64, Vec<String>> = HashMap::new();
    for (visit, code) in focus {
        by_visit.entry(visit).or_default().push(code);
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, visited_on, programme, coachee_id, coachee_name, instrument, submission_id, agreed_actions, next)| {
                VisitLine {
                    visited_on,
                    programme,
                    coachee_id,
                    coachee_name,
                    instrument,
                    submission_id,
                    focus: by_visit.remove(&id).unwrap_or_default(),
                    agreed_actions,
                    next_visit_on: next,
                }
            },
        )
        .collect())
}

/// A coach's relations still running today, each with its programme's code: read by the
/// coach, and by whoever reads the coach's record (then only the coachees they read).
pub async fn coach_relations(db: &Db, actor: &Actor, coach_id: i64) -> Result<Vec<(Relation, String)>> {
    let own = super::actor_people(db, actor).await?;
    if !own.contains(&coach_id) && !super::person_may(db, actor, Action::Read, coach_id).await? {
        return Err(Error::NotFound);
    }
    let sql = format!(
        "{RELATION_SQL} WHERE r.coach_id = $1 AND (r.end_on IS NULL OR r.end_on >= $2) AND {} \
         ORDER BY b.family_name, r.coachee_id, r.programme_id",
        readable(actor, &own, "r")
    );
    let relations: Vec<Relation> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(coach_id)
        .bind(opencpd_kernel::today())
        .fetch_all(p)
        .await)?;
    let codes: Vec<(i64, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code FROM programmes").fetch_all(p).await)?;
    let codes: HashMap<i64, String> = codes.into_iter().collect();
    Ok(relations
        .into_iter()
        .map(|r| {
            let code = codes.get(&r.programme_id).cloned().unwrap_or_default();
            (r, code)
        })
        .collect())
}

/// A person's name, when the actor reads them or is them.
pub async fn person_name(db: &Db, actor: &Actor, id: i64) -> Result<String> {
    let own = super::actor_people(db, actor).await?;
    if !own.contains(&id) && !super::person_may(db, actor, Action::Read, id).await? {
        return Err(Error::NotFound);
    }
    not_found(super::names(db, &[id]).await?.remove(&id))
}

/// The programmes that have coaching relations, as (code, name), by code.
pub async fn coaching_programmes(db: &Db) -> Result<Vec<(String, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT g.code, g.name FROM programmes g \
         WHERE EXISTS (SELECT 1 FROM coaching_relations r WHERE r.programme_id = g.id) ORDER BY g.code"
    )
    .fetch_all(p)
    .await)?)
}

/// A coaching visit to someone on a school's staff, as the school's home shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct SchoolVisit {
    pub visited_on: NaiveDate,
    pub coach_name: String,
    pub coachee_id: i64,
    pub coachee_name: String,
    pub next_visit_on: Option<NaiveDate>,
}

/// The visits to a school's staff (its head among them: a visit belongs to the school its
/// coachee was at) from `from` to `to` that the actor reads, newest first; and the next
/// visit planned at the school, from `today` on (the earliest next visit any visit agreed).
pub async fn school_visits(
    db: &Db,
    actor: &Actor,
    school_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<(Vec<SchoolVisit>, Option<SchoolVisit>)> {
    let own = super::actor_people(db, actor).await?;
    let sql = format!(
        "SELECT v.visited_on, a.given_name || ' ' || a.family_name AS coach_name, v.coachee_id, \
         b.given_name || ' ' || b.family_name AS coachee_name, v.next_visit_on \
         FROM coaching_visits v JOIN people a ON a.id = v.coach_id JOIN people b ON b.id = v.coachee_id \
         WHERE v.coachee_school_id = $1 AND {}",
        readable(actor, &own, "v")
    );
    let within = format!("{sql} AND v.visited_on >= $2 AND v.visited_on <= $3 ORDER BY v.visited_on DESC, v.id DESC");
    let visits: Vec<SchoolVisit> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(within.clone()))
        .bind(school_id)
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await)?;
    let next = format!("{sql} AND v.next_visit_on >= $2 ORDER BY v.next_visit_on, v.id LIMIT 1");
    let next: Option<SchoolVisit> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(next.clone()))
        .bind(school_id)
        .bind(today)
        .fetch_optional(p)
        .await)?;
    Ok((visits, next))
}
