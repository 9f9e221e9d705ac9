//! Lesson study cycles: a group (a PLC) plans a lesson on a subject, grade and topic, one
//! teacher teaches it while the others observe (each observer's observation is a
//! submission), then they reflect, revise and share it. Stages move forward only. Artefacts
//! are files kept by an [`ArtefactStore`] within [`Limits`]; videos are links with their
//! source. Belongs to its PLC: read and written as the PLC is; listed ([`lesson_list`]) for
//! the PLCs the reader reads or belongs to.

use super::plcs::{plc, plc_by_code, plc_to_run};
use super::{Known, check_ids, collect, fail_if_any, not_found, optional_text, unknown};
use crate::artefacts::{Files, Limits};
use crate::model::*;
use chrono::{NaiveDate, Utc};
use opencpd_domain::Problem;
use opencpd_domain::registry::{parse_code, parse_date, parse_name};
use opencpd_kernel::{Actor, Db, Error, Result, audit, on_db, on_tx};
use std::collections::HashSet;

type StudyRow = (i64, String, i64, Option<i64>, String, String, String, Option<i64>, Option<NaiveDate>, i64);

pub async fn create_lesson_study(db: &Db, actor: &Actor, input: &LessonStudyInput) -> Result<LessonStudy> {
    let mut problems = Vec::new();
    let group = match plc_by_code(db, actor, &input.plc_code).await {
        Ok(g) => Some(plc_to_run(db, actor, g.id).await?),
        Err(Error::NotFound) => {
            problems.push(unknown("unknown-plc", "plc_code", input.plc_code.trim()));
            None
        }
        Err(e) => return Err(e),
    };
    let code = collect(&mut problems, "code", parse_code(&input.code));
    let grade = collect(&mut problems, "grade", parse_name(&input.grade));
    let topic = collect(&mut problems, "topic", parse_name(&input.topic));
    let lesson_on = match optional_text(&input.lesson_on) {
        Some(d) => collect(&mut problems, "lesson_on", parse_date(d)),
        None => None,
    };
    let subject = match optional_text(&input.subject_code) {
        Some(code) => {
            let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM subjects WHERE code = $1")
                .bind(code)
                .fetch_optional(p)
                .await)?;
            if id.is_none() {
                problems.push(unknown("unknown-subject", "subject_code", code));
            }
            id
        }
        None => None,
    };
    if let Some(t) = input.teacher_id
        && super::existing(db, Known::People, &[t]).await?.is_empty()
    {
        problems.push(unknown("unknown-person-id", "teacher_id", t));
    }
    check_ids(db, &mut problems, Known::People, "observers", &input.observers).await?;
    fail_if_any(problems)?;
    let (g, code) = (group.expect("checked"), code.expect("checked"));
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO lesson_studies (code, plc_id, subject_id, grade, topic, stage, teacher_id, lesson_on, unit_path, \
         school_id, created_at) VALUES ($1, $2, $3, $4, $5, 'plan', $6, $7, $8, $9, $10) RETURNING id"
    )
    .bind(&code)
    .bind(g.id)
    .bind(subject)
    .bind(grade.as_deref())
    .bind(topic.as_deref())
    .bind(input.teacher_id)
    .bind(lesson_on)
    .bind(&g.unit_path)
    .bind(g.school_id)
    .bind(Utc::now())
    .fetch_one(&mut *c)
    .await
    })
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &code))?;
    let mut seen = HashSet::new();
    for person in input.observers.iter().filter(|p| seen.insert(**p)) {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO lesson_study_observers (lesson_study_id, person_id) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(*person)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    audit::record(
        &mut tx,
        actor,
        "create",
        "lesson_study",
        &id.to_string(),
        &format!("lesson study {code}"),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    lesson_study(db, actor, id).await
}

async fn study_row(db: &Db, id: i64) -> Result<StudyRow> {
    let row: Option<StudyRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, code, plc_id, subject_id, grade, topic, stage, teacher_id, lesson_on, version FROM lesson_studies \
         WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await
    })?;
    not_found(row)
}

/// A lesson study with its observers, artefacts and videos, read as its PLC is.
pub async fn lesson_study(db: &Db, actor: &Actor, id: i64) -> Result<LessonStudy> {
    let (id, code, plc_id, subject_id, grade, topic, stage, teacher_id, lesson_on, version) = study_row(db, id).await?;
    plc(db, actor, plc_id).await?;
    let observers: Vec<Observer> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT o.person_id, p.given_name || ' ' || p.family_name AS name, o.submission_id, s.uuid AS submission_uuid \
         FROM lesson_study_observers o JOIN people p ON p.id = o.person_id LEFT JOIN submissions s ON s.id = o.submission_id \
         WHERE o.lesson_study_id = $1 ORDER BY p.family_name, p.id"
    )
    .bind(id)
    .fetch_all(p)
    .await
    })?;
    let artefacts: Vec<Artefact> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, kind, file_name, content_type, size_bytes, sha256, storage_key FROM lesson_study_artefacts \
         WHERE lesson_study_id = $1 ORDER BY id"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    let videos: Vec<Video> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, url, title, source FROM lesson_study_videos WHERE lesson_study_id = $1 ORDER BY id"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    Ok(LessonStudy {
        id,
        code,
        plc_id,
        subject_id,
        grade,
        topic,
        stage,
        teacher_id,
        lesson_on,
        version,
        observers,
        artefacts,
        videos,
    })
}

/// The lesson study, when the actor may run its PLC.
async fn study_to_run(db: &Db, actor: &Actor, id: i64) -> Result<StudyRow> {
    let row = study_row(db, id).await?;
    plc_to_run(db, actor, row.2).await?;
    Ok(row)
}

/// Moves the cycle to a later stage (or keeps it); going back is refused.
pub async fn set_stage(db: &Db, actor: &Actor, id: i64, input: &StageInput) -> Result<LessonStudy> {
    let row = study_to_run(db, actor, id).await?;
    let stage = LessonStudyStage::parse(&input.stage).map_err(|p| p.in_column("stage"))?;
    let current = LessonStudyStage::parse(&row.6).unwrap_or(LessonStudyStage::Plan);
    if stage < current {
        return Err(Problem::new("stage-back")
            .in_column("stage")
            .with_value(stage.key())
            .arg("current", current.key())
            .into());
    }
    let mut tx = db.begin().await?;
    let changed = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE lesson_studies SET stage = $1, version = version + 1 WHERE id = $2 AND version = $3"
    )
    .bind(stage.key())
    .bind(id)
    .bind(input.version)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(Error::Conflict(
            Problem::new("conflict")
                .in_column("version")
                .arg("detail", format!("version {} is not the latest ({})", input.version, row.9)),
        ));
    }
    audit::record(
        &mut tx,
        actor,
        "update",
        "lesson_study",
        &id.to_string(),
        &format!("lesson study {} at {stage}", row.1),
        Some(&row.6),
        Some(&stage),
    )
    .await?;
    tx.commit().await?;
    lesson_study(db, actor, id).await
}

/// Links an observer's observation submission to the research lesson (adding the observer
/// when they were not listed).
pub async fn link_observation(db: &Db, actor: &Actor, id: i64, input: &ObservationLink) -> Result<LessonStudy> {
    let row = study_to_run(db, actor, id).await?;
    let mut problems = Vec::new();
    if super::existing(db, Known::People, &[input.person_id]).await?.is_empty() {
        problems.push(unknown("unknown-person-id", "person_id", input.person_id));
    }
    if super::existing(db, Known::Submissions, &[input.submission_id]).await?.is_empty() {
        problems.push(unknown("unknown-submission", "submission_id", input.submission_id));
    }
    fail_if_any(problems)?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO lesson_study_observers (lesson_study_id, person_id, submission_id) VALUES ($1, $2, $3) \
         ON CONFLICT (lesson_study_id, person_id) DO UPDATE SET submission_id = excluded.submission_id"
    )
    .bind(id)
    .bind(input.person_id)
    .bind(input.submission_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record(
        &mut tx,
        actor,
        "update",
        "lesson_study",
        &id.to_string(),
        &format!("observation linked to lesson study {}", row.1),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    lesson_study(db, actor, id).await
}

pub async fn add_video(db: &Db, actor: &Actor, id: i64, input: &VideoInput) -> Result<LessonStudy> {
    let row = study_to_run(db, actor, id).await?;
    let mut problems = Vec::new();
    let url = input.url.trim();
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        problems.push(Problem::new("bad-url").in_column("url").with_value(url.chars().take(80).collect::<String>()));
    }
    let title = collect(&mut problems, "title", parse_name(&input.title));
    let source = collect(&mut problems, "source", parse_name(&input.source));
    fail_if_any(problems)?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO lesson_study_videos (lesson_study_id, url, title, source, created_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(id)
    .bind(url)
    .bind(title.as_deref())
    .bind(source.as_deref())
    .bind(Utc::now())
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record(
        &mut tx,
        actor,
        "update",
        "lesson_study",
        &id.to_string(),
        &format!("video added to lesson study {}", row.1),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    lesson_study(db, actor, id).await
}

/// An uploaded artefact: its kind, the name it came with, and its bytes.
pub struct Upload<'a> {
    pub kind: &'a str,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// Keeps an artefact: checked against `limits` (size, type read from its content), written
/// to `files` (under its digest: the same file twice is kept once), then described in the
/// database with its audit event; a file no row names after a failed write is removed again.
pub async fn add_artefact(
    db: &Db,
    actor: &Actor,
    files: &Files,
    limits: &Limits,
    id: i64,
    upload: &Upload<'_>,
) -> Result<Artefact> {
    let row = study_to_run(db, actor, id).await?;
    let mut problems = Vec::new();
    let kind = collect(&mut problems, "kind", ArtefactKind::parse(upload.kind));
    let file_name = collect(&mut problems, "file_name", parse_name(upload.file_name));
    let head = &upload.bytes[..upload.bytes.len().min(opencpd_kernel::files::HEAD)];
    let file_type = collect(&mut problems, "file", limits.check(head, upload.bytes.len() as u64, "file"));
    fail_if_any(problems)?;
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(upload.bytes))]);
    let kept = files.keep(db, body, limits, "file", None).await?;
    let (sha256, key) = (&kept.sha256, &kept.sha256);
    let stored = async {
        let mut tx = db.begin().await?;
        let artefact_id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO lesson_study_artefacts (lesson_study_id, kind, file_name, content_type, size_bytes, sha256, \
             storage_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        )
        .bind(id)
        .bind(kind.expect("checked").key())
        .bind(file_name.as_deref())
        .bind(file_type.expect("checked").mime)
        .bind(upload.bytes.len() as i64)
        .bind(sha256)
        .bind(key)
        .bind(Utc::now())
        .fetch_one(&mut *c)
        .await
        })?;
        audit::record(
            &mut tx,
            actor,
            "create",
            "lesson_study_artefact",
            &artefact_id.to_string(),
            &format!("artefact {} of lesson study {}", file_name.as_deref().unwrap_or(""), row.1),
            None::<&()>,
            Some(&(kind, &file_name, upload.bytes.len(), &sha256)),
        )
        .await?;
        tx.commit().await?;
        Ok::<i64, Error>(artefact_id)
    }
    .await;
    // Refused after its file was kept: the file goes again unless a row names it.
    let artefact_id = opencpd_kernel::files::or_forget(db, files, std::slice::from_ref(&kept), stored).await?;
    let study = lesson_study(db, actor, id).await?;
    not_found(study.artefacts.into_iter().find(|a| a.id == artefact_id))
}

/// An artefact's description and bytes, read as its lesson study is.
pub async fn artefact(db: &Db, actor: &Actor, files: &Files, artefact_id: i64) -> Result<(Artefact, Vec<u8>)> {
    let study: Option<i64> =
        on_db!(db, |p| sqlx::query_scalar("SELECT lesson_study_id FROM lesson_study_artefacts WHERE id = $1")
            .bind(artefact_id)
            .fetch_optional(p)
            .await)?;
    let study = lesson_study(db, actor, not_found(study)?).await?;
    let a = not_found(study.artefacts.into_iter().find(|a| a.id == artefact_id))?;
    let bytes = files.read(&a.storage_key, u64::MAX).await?;
    Ok((a, bytes))
}

/// The columns the list of lesson studies sorts by (by code unless asked otherwise).
pub const STUDY_SORTS: opencpd_kernel::paging::Sorts = &[
    ("code", "ls.code"),
    ("plc", "g.name"),
    ("grade", "ls.grade"),
    ("topic", "ls.topic"),
    ("stage", "ls.stage"),
    ("lesson_on", "ls.lesson_on"),
];

const STUDY_LINE_SQL: &str = "SELECT ls.id, ls.code, ls.plc_id, g.name AS plc_name, sj.code AS subject_code, ls.grade, \
     ls.topic, ls.stage, ls.lesson_on FROM lesson_studies ls JOIN plcs g ON g.id = ls.plc_id \
     LEFT JOIN subjects sj ON sj.id = ls.subject_id";

/// The lesson studies the actor reads (by their PLC's place, or as one of its people), one
/// page, searched by code, topic, grade or group.
pub async fn lesson_list(
    db: &Db,
    actor: &Actor,
    page: &opencpd_kernel::paging::Page,
) -> Result<opencpd_kernel::paging::Paged<LessonStudyLine>> {
    use opencpd_kernel::scope::{Columns, ListScope};
    let c = page.check(STUDY_SORTS)?;
    let people = super::actor_people(db, actor).await?;
    let own = if people.is_empty() {
        String::new()
    } else {
        let ids: Vec<String> = people.iter().map(i64::to_string).collect();
        format!(" OR ls.plc_id IN (SELECT plc_id FROM plc_people WHERE person_id IN ({}))", ids.join(", "))
    };
    let filter = format!(
        "WHERE ({}{own}) AND ($1 IS NULL OR LOWER(ls.code) LIKE $1 ESCAPE '\\' OR LOWER(ls.topic) LIKE $1 ESCAPE '\\' \
         OR LOWER(ls.grade) LIKE $1 ESCAPE '\\' OR LOWER(g.name) LIKE $1 ESCAPE '\\')",
        ListScope::of(actor).sql(Columns::path("ls.unit_path").school("ls.school_id"))
    );
    let count = format!("SELECT COUNT(*) FROM lesson_studies ls JOIN plcs g ON g.id = ls.plc_id {filter}");
    let sql = format!("{STUDY_LINE_SQL} {filter} {} LIMIT $2 OFFSET $3", c.order_by("ls.id"));
    let total: i64 =
        on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())).bind(&c.pattern).fetch_one(p).await)?;
    let items = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, items))
}

/// The lesson studies of a PLC, newest first, read as the PLC is.
pub async fn studies_of_plc(db: &Db, actor: &Actor, plc_id: i64) -> Result<Vec<LessonStudyLine>> {
    plc(db, actor, plc_id).await?;
    let sql = format!("{STUDY_LINE_SQL} WHERE ls.plc_id = $1 ORDER BY ls.id DESC");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(plc_id).fetch_all(p).await)?)
}

/// The subjects a lesson study is on: (code, English name, French name), by code.
pub async fn subjects(db: &Db) -> Result<Vec<(String, String, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as("SELECT code, name_en, name_fr FROM subjects ORDER BY code").fetch_all(p).await)?)
}

/// A subject by id: (code, English name, French name).
pub async fn subjects_by_id(db: &Db, id: i64) -> Result<Option<(String, String, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as("SELECT code, name_en, name_fr FROM subjects WHERE id = $1")
        .bind(id)
        .fetch_optional(p)
        .await)?)
}
