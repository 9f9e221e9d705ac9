//! Instruments and submissions. An instrument is a versioned form (imported from an
//! XLSForm by `opencpd-forms`); a submission is one filled form about a subject (a school,
//! a person, a cohort or a session of a cohort), sent with a UUID its collector made: the
//! same UUID sent again returns what was stored and stores nothing new, so a field device
//! may retry a sync as often as it likes.
//!
//! Who may submit about what:
//! - a school or a person: whoever may read it (an officer in scope, a school leader for
//!   their school, a teacher about themselves);
//! - a cohort or a session: whoever may facilitate at the cohort's unit
//!   ([`Action::Facilitate`]), a person named among the cohort's facilitators, and a
//!   participant enrolled in the cohort (a teacher answering the reaction survey after a
//!   session). Anyone else, and an unknown cohort or session, gets one problem naming
//!   `subject.id` (the same for both, so ids cannot be probed), and nothing is stored.
//!   Such submissions are filed under the cohort's unit: those who read submissions there
//!   read them; a participant reads their own.

use chrono::{DateTime, Utc};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_forms::{Context, DomainScore, Form};
use opencpd_kernel::accounts::Vouch;
use opencpd_kernel::cache::Cache;
use opencpd_kernel::files::Files;
use opencpd_kernel::paging::{Page, Paged, Sorts};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, audit, on_db, on_tx, today};

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{About, Instrument, Submission, SubmissionInput};
pub use export::{ExportRequest, Wording, export};

opencpd_kernel::from_row! {
    Instrument { id, code, version, title, kind, source_name, retired, created_at }
}

/// The kinds of instrument.
pub const KINDS: &[&str] = &["survey", "test", "observation", "needs_assessment", "checklist"];

pub mod export;
pub mod field;
pub mod files;
mod intake;
pub mod listing;
pub mod summary;
pub mod survey_scores;

const INSTRUMENT_SQL: &str = "SELECT id, code, version, title, kind, source_name, retired, created_at FROM instruments";

/// Whether the actor may publish or retire instruments: checked before an XLSForm is read.
pub fn may_edit(actor: &Actor) -> Result<()> {
    actor.require_role(Action::EditInstruments)
}

/// Publishes a new instrument version from an XLSForm. Every problem in the form comes
/// back with its sheet, row and column, and nothing is stored.
pub async fn import(db: &Db, actor: &Actor, file_name: &str, bytes: &[u8], kind: &str) -> Result<Instrument> {
    let (form, kind) = read_form(actor, file_name, bytes, kind)?;
    let id = publish(db, actor, file_name, &form, &kind, &[]).await?;
    instrument(db, id).await
}

/// Publishes a new instrument version from an XLSForm sent with its attachments (`files`,
/// each by the name the form gives it): the form and every file are checked first, as
/// [`import`] checks a form and [`files::upload_attachment`] a file (one the form names, of
/// the size and type its name says, a CSV holding the columns its questions read), every
/// problem reported with the file's name as its column, and nothing is stored unless all
/// are taken; then the files are kept and the instrument and its attachments written in
/// one transaction, and when that fails (the same version published meanwhile) the files
/// this request kept are removed again unless a row names them ([`opencpd_kernel::files::or_forget`]). A
/// file not sent may be uploaded after, as ever.
pub async fn import_with_attachments(
    db: &Db,
    store: &Files,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    kind: &str,
    attachments: &[(&str, &[u8])],
) -> Result<Instrument> {
    let (form, kind) = read_form(actor, file_name, bytes, kind)?;
    let mut problems = Vec::new();
    let mut read = form.clone();
    for (i, (name, content)) in attachments.iter().enumerate() {
        let name = name.trim();
        if !form.attachments.iter().any(|a| a == name) {
            let allowed = if form.attachments.is_empty() { "-".to_string() } else { form.attachments.join(", ") };
            problems.push(Problem::new("form-not-attachment").in_column(name).with_value(name).arg("allowed", allowed));
            continue;
        }
        if attachments[..i].iter().any(|(before, _)| before.trim() == name) {
            problems.push(Problem::new("form-attachment-twice").in_column(name).with_value(name));
            continue;
        }
        let head = &content[..content.len().min(64)];
        if let Err(p) = files::attachment_limits(name).check(head, content.len() as u64, name) {
            problems.push(p);
            continue;
        }
        if Form::is_read_attachment(name)
            && let Err(found) = read.load_file(name, content)
        {
            problems.extend(found);
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let mut kept = Vec::new();
    let published = async {
        let mut rows = Vec::new();
        for (name, content) in attachments {
            let body = futures_util::stream::iter([Ok::<_, std::io::Error>(::bytes::Bytes::copy_from_slice(content))]);
            let name = name.trim();
            let stored = store.keep(db, body, &files::attachment_limits(name), name, None).await?;
            rows.push((name.to_string(), stored.sha256.clone(), stored.size));
            kept.push(stored);
        }
        publish(db, actor, file_name, &form, &kind, &rows).await
    }
    .await;
    let id = opencpd_kernel::files::or_forget(db, store, &kept, published).await?;
    instrument(db, id).await
}

/// The form an XLSForm holds and the instrument's kind, checked: nothing is stored.
fn read_form(actor: &Actor, file_name: &str, bytes: &[u8], kind: &str) -> Result<(Form, String)> {
    may_edit(actor)?;
    let kind = kind.trim().to_lowercase();
    if !KINDS.contains(&kind.as_str()) {
        return Err(Problem::new("bad-choice")
            .in_column("kind")
            .with_value(&kind)
            .arg("allowed", KINDS.join(", "))
            .into());
    }
    if bytes.is_empty() {
        return Err(Problem::new("empty-file").into());
    }
    let form = opencpd_forms::parse_xlsform(file_name, bytes).map_err(Error::Invalid)?;
    Ok((form, kind))
}

/// Writes a checked form as a new instrument version with the attachments kept for it
/// (name, digest, size), in one transaction with its audit event.
async fn publish(
    db: &Db,
    actor: &Actor,
    file_name: &str,
    form: &Form,
    kind: &str,
    attachments: &[(String, String, u64)],
) -> Result<i64> {
    let version =
        if form.version.trim().is_empty() { today().format("%Y-%m-%d").to_string() } else { form.version.clone() };
    let title = if form.title.trim().is_empty() {
        form.form_id.clone()
    } else {
        opencpd_domain::registry::parse_name(&form.title).map_err(|p| p.in_column("settings!form_title"))?
    };
    let form_json = serde_json::to_string(&form).map_err(anyhow::Error::from)?;
    let mut tx = db.begin().await?;
    let now = Utc::now();
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO instruments (code, version, title, kind, source_name, retired, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(&form.form_id)
    .bind(&version)
    .bind(&title)
    .bind(kind)
    .bind(file_name)
    .bind(false)
    .bind(now)
    .fetch_one(&mut *c)
    .await)
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &format!("{} {version}", form.form_id)))?;
    on_tx!(&mut tx, |c| sqlx::query("INSERT INTO instrument_forms (instrument_id, form_json) VALUES ($1, $2)")
        .bind(id)
        .bind(&form_json)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    for (name, sha256, _) in attachments {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO instrument_attachments (instrument_id, name, sha256, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(id)
        .bind(name)
        .bind(sha256)
        .bind(actor.user_id)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    let mut summary = format!("instrument {} version {version} ({} items)", form.form_id, form.all_items().len());
    let after = (!attachments.is_empty()).then(|| {
        let files: Vec<_> = attachments
            .iter()
            .map(|(name, sha256, size)| serde_json::json!({ "name": name, "sha256": sha256, "size_bytes": size }))
            .collect();
        serde_json::json!({ "attachments": files })
    });
    if !attachments.is_empty() {
        summary.push_str(&format!(" with {} files", attachments.len()));
    }
    audit::record(&mut tx, actor, "create", "instrument", &id.to_string(), &summary, None::<&()>, after.as_ref())
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn instrument(db: &Db, id: i64) -> Result<Instrument> {
    let sql = format!("{INSTRUMENT_SQL} WHERE id = $1");
    let found: Option<Instrument> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    found.ok_or(Error::NotFound)
}

/// The forms of the instruments that took submissions lately, by database and id. A
/// published version never changes, so its parsed form is kept; retiring it here removes
/// it at once, and a retirement by another process is caught by the insert itself (see
/// [`store_new`] and [`retired_since`]).
static PUBLISHED: Cache<i64, std::sync::Arc<Form>> = Cache::new("published forms", 256, None);

/// The form of the instrument a submission names, with its CSV attachments read in;
/// refused when unknown, retired, or missing attachments.
async fn published(db: &Db, files: &Files, id: i64) -> Result<std::sync::Arc<Form>> {
    PUBLISHED.get_or_compute(db, id, || read_published(db, files, id)).await
}

async fn read_published(db: &Db, files: &Files, id: i64) -> Result<std::sync::Arc<Form>> {
    let row: Option<(String, String, bool, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT i.code, i.version, i.retired, f.form_json FROM instruments i \
         JOIN instrument_forms f ON f.instrument_id = i.id WHERE i.id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    let Some((code, version, retired, json)) = row else {
        return Err(Problem::new("unknown-instrument").in_column("instrument_id").with_value(id.to_string()).into());
    };
    if retired {
        return Err(retired_problem(&code, &version));
    }
    let form: Form = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
    Ok(std::sync::Arc::new(files::collectable(db, files, id, form).await?))
}

fn retired_problem(code: &str, version: &str) -> Error {
    Problem::new("retired-instrument").in_column("instrument_id").with_value(format!("{code} {version}")).into()
}

/// Why an insert stored nothing though its UUID is free: the instrument was retired since
/// its form was cached (by another process). The cached form goes.
async fn retired_since(db: &Db, id: i64) -> Error {
    PUBLISHED.remove(db, &id);
    match instrument(db, id).await {
        Ok(i) if i.retired => retired_problem(&i.code, &i.version),
        // In use after all: the subject moved twice while the submission was stored.
        Ok(_) => Error::Conflict(Problem::new("conflict").arg("detail", "the subject moved meanwhile; send it again")),
        Err(e) => e,
    }
}

pub async fn form(db: &Db, id: i64) -> Result<Form> {
    let json: Option<String> =
        on_db!(db, |p| sqlx::query_scalar("SELECT form_json FROM instrument_forms WHERE instrument_id = $1")
            .bind(id)
            .fetch_optional(p)
            .await)?;
    let json = json.ok_or(Error::NotFound)?;
    Ok(serde_json::from_str(&json).map_err(anyhow::Error::from)?)
}

/// Every instrument, newest first; retired ones only when asked.
pub async fn list(db: &Db, include_retired: bool) -> Result<Vec<Instrument>> {
    let sql = format!("{INSTRUMENT_SQL} WHERE retired = $1 OR $2 ORDER BY code, created_at DESC");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(false)
        .bind(include_retired)
        .fetch_all(p)
        .await)?)
}

/// The columns the list of instruments sorts by.
pub const INSTRUMENT_SORTS: Sorts =
    &[("code", "code"), ("title", "title"), ("version", "version"), ("kind", "kind"), ("created_at", "created_at")];

/// The instruments, one page, retired ones too when asked, searched by code or title.
/// Everyone logged in reads them.
pub async fn instrument_list(db: &Db, include_retired: bool, page: &Page) -> Result<Paged<Instrument>> {
    let c = page.check(INSTRUMENT_SORTS)?;
    let filter = "WHERE (retired = $1 OR $2) \
                  AND ($3 IS NULL OR LOWER(code) LIKE $3 ESCAPE '\\' OR LOWER(title) LIKE $3 ESCAPE '\\')";
    let count = format!("SELECT COUNT(*) FROM instruments {filter}");
    let sql = format!("{INSTRUMENT_SQL} {filter} {} LIMIT $4 OFFSET $5", c.order_by("id"));
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
        .bind(false)
        .bind(include_retired)
        .bind(&c.pattern)
        .fetch_one(p)
        .await)?;
    let items = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(false)
        .bind(include_retired)
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, items))
}

/// Retires an instrument version: it takes no new submissions; those stored stay.
pub async fn retire(db: &Db, actor: &Actor, id: i64) -> Result<Instrument> {
    may_edit(actor)?;
    let before = instrument(db, id).await?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query("UPDATE instruments SET retired = $1 WHERE id = $2")
        .bind(true)
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    let summary = format!("retire instrument {} version {}", before.code, before.version);
    audit::record(&mut tx, actor, "retire", "instrument", &id.to_string(), &summary, Some(&before), None::<&()>)
        .await?;
    tx.commit().await?;
    PUBLISHED.remove(db, &id);
    instrument(db, id).await
}

/// What a device is told once its submission is stored: enough to mark it sent and show
/// its scores (the answers it holds already).
#[derive(Debug, Clone)]
pub struct Receipt {
    pub id: i64,
    pub uuid: String,
    /// Scores per domain, as stored.
    pub scores: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct SubmissionRow {
    id: i64,
    uuid: String,
    instrument_id: i64,
    collected_by: Option<i64>,
    collected_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    subject_kind: String,
    subject_id: i64,
    subject_path: String,
    answers_json: String,
    scores_json: String,
}

impl SubmissionRow {
    fn into_submission(self) -> Submission {
        Submission {
            id: self.id,
            uuid: self.uuid,
            instrument_id: self.instrument_id,
            collected_by: self.collected_by,
            collected_at: self.collected_at,
            received_at: self.received_at,
            subject: About { kind: self.subject_kind, id: self.subject_id },
            answers: serde_json::from_str(&self.answers_json).unwrap_or_default(),
            scores: serde_json::from_str(&self.scores_json).unwrap_or_default(),
            files: Vec::new(),
        }
    }
}

const SUBMISSION_SQL: &str = "SELECT id, uuid, instrument_id, collected_by, collected_at, received_at, subject_kind, \
     subject_id, subject_path, answers_json, scores_json FROM submissions";

async fn by_uuid(db: &Db, uuid: &str) -> Result<Option<SubmissionRow>> {
    let sql = format!("{SUBMISSION_SQL} WHERE uuid = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(uuid).fetch_optional(p).await)?)
}

/// The kinds of subject a submission can be about.
pub const SUBJECT_KINDS: &[&str] = &["school", "person", "cohort", "session"];

/// Where a subject is (the unit path submissions about it are filed under) and what the
/// scope check needs, read in one round trip.
struct Place {
    path: String,
    schools: Vec<i64>,
    paths: Vec<String>,
}

/// A cohort's or a session's cohort's unit, and whether the user takes part in it.
const COHORT_PLACE_SQL: &str = "SELECT c.unit_path, \
     (EXISTS (SELECT 1 FROM users u JOIN enrolments e ON e.person_id = u.person_id WHERE u.id = $2 AND e.cohort_id = c.id) \
      OR EXISTS (SELECT 1 FROM users u JOIN cohort_facilitators f ON f.person_id = u.person_id \
                 WHERE u.id = $2 AND f.cohort_id = c.id)) AS participant";

/// The unit path of each school that submissions were lately about, by database and id.
/// A school that moved since is caught by the insert, which stores a submission about a
/// school only under the school's current path; the entry is then dropped and the
/// submission tried once more (see [`submit`]).
static SCHOOL_PLACES: Cache<i64, String> = Cache::new("school places", 100_000, None);

/// Forgets where a subject was cached to be; whether there was anything to forget.
fn forget_place(db: &Db, subject: &About) -> bool {
    subject.kind == "school" && SCHOOL_PLACES.remove(db, &subject.id)
}

async fn place_of(db: &Db, actor: &Actor, subject: &About) -> Result<Place> {
    let not_found = || Problem::new("not-found").in_column("subject.id").with_value(subject.id.to_string());
    match subject.kind.as_str() {
        "school" => {
            let read = || async {
                let path: Option<String> =
                    on_db!(db, |p| sqlx::query_scalar("SELECT unit_path FROM schools WHERE id = $1")
                        .bind(subject.id)
                        .fetch_optional(p)
                        .await)?;
                Ok(path.ok_or_else(not_found)?)
            };
            let path = SCHOOL_PLACES.get_or_compute(db, subject.id, read).await?;
            Ok(Place { path: path.clone(), schools: vec![subject.id], paths: vec![path] })
        }
        "person" => {
            // One row per position, newest first; one row of nulls for a person without any.
            let rows: Vec<(Option<i64>, Option<String>)> = on_db!(db, |p| sqlx::query_as(
                "SELECT pos.school_id, pos.path FROM people p LEFT JOIN positions pos ON pos.person_id = p.id \
                 WHERE p.id = $1 ORDER BY pos.start_date DESC, pos.id DESC"
            )
            .bind(subject.id)
            .fetch_all(p)
            .await)?;
            if rows.is_empty() {
                return Err(not_found().into());
            }
            let schools = rows.iter().filter_map(|(s, _)| *s).collect();
            let paths: Vec<String> = rows.into_iter().filter_map(|(_, p)| p).collect();
            Ok(Place { path: paths.first().cloned().unwrap_or_else(|| "/".into()), schools, paths })
        }
        kind @ ("cohort" | "session") => {
            let sql = if kind == "cohort" {
                format!("{COHORT_PLACE_SQL} FROM cohorts c WHERE c.id = $1")
            } else {
                format!("{COHORT_PLACE_SQL} FROM sessions_held s JOIN cohorts c ON c.id = s.cohort_id WHERE s.id = $1")
            };
            let row: Option<(String, bool)> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(subject.id)
                .bind(actor.user_id.unwrap_or(-1))
                .fetch_optional(p)
                .await)?;
            let not_yours = || {
                Problem::new("not-participant")
                    .in_column("subject.id")
                    .with_value(subject.id.to_string())
                    .arg("kind", kind)
            };
            // Unknown and not one's own answer alike, so ids cannot be probed.
            let (path, participant) = row.ok_or_else(not_yours)?;
            if !participant && !actor.allows(Action::Facilitate, &Target::Unit { path: &path }) {
                return Err(not_yours().into());
            }
            Ok(Place { path: path.clone(), schools: Vec::new(), paths: vec![path] })
        }
        other => Err(Problem::new("bad-choice")
            .in_column("subject.kind")
            .with_value(other)
            .arg("allowed", SUBJECT_KINDS.join(", "))
            .into()),
    }
}

/// Stores a submission once. Returns its receipt and whether it had been stored before.
///
/// `vouch` is given when `actor` came from the cache of credentials
/// ([`opencpd_kernel::accounts::vouched`]): the insert then stores nothing unless the credential
/// still holds and the actor's grants are unchanged.
///
/// The common case, a new submission of an instrument in use lately, about a school
/// submitted about lately, by a collector who sent one lately, costs no round trip of its
/// own: the actor, the school's place and the form are cached, and it has its share of one
/// `INSERT … ON CONFLICT (uuid) DO NOTHING RETURNING` ([`intake`]). Another subject
/// costs one round trip for its place. Only when that insert stores nothing, or when a
/// check refuses the submission, is the stored one read: a UUID stored before answers with
/// what was stored (to its collector; anyone else gets a conflict) even if its instrument
/// has been retired or its subject moved since. Any outcome but a stored row is reached
/// with the actor read afresh: a cached actor is read again and the submission tried again
/// (so a revoked credential learns nothing, and a refusal made on stale grants is made
/// again on current ones). Nothing stored and no submission under the UUID means the
/// instrument was retired or the school moved meanwhile: a cached school place is read
/// afresh and the submission tried once more (the same after a refusal of scope, since the
/// school may have moved into the collector's scope).
pub async fn submit(
    db: &Db,
    files: &Files,
    actor: &Actor,
    vouch: Option<&Vouch>,
    input: &SubmissionInput,
) -> Result<(Receipt, bool)> {
    let uuid = uuid::Uuid::parse_str(input.uuid.trim())
        .map_err(|_| Problem::new("bad-uuid").in_column("uuid").with_value(input.uuid.trim()))?
        .hyphenated()
        .to_string();
    let mut actor = std::borrow::Cow::Borrowed(actor);
    let mut vouch = vouch.cloned();
    // A school's place read from the cache is read afresh once, when the insert stored
    // nothing or a check refused the school: it may have moved, into the scope or out.
    let mut place_read = false;
    let mut forget_place_once = || !std::mem::replace(&mut place_read, true) && forget_place(db, &input.subject);
    loop {
        let refused = match store_new(db, files, &actor, vouch.as_ref(), input, &uuid).await {
            Ok(Some(stored)) => return Ok((stored, false)),
            Ok(None) => None,
            Err(e) => Some(e),
        };
        // Only a stored row had its credential checked (by the insert itself): any other
        // answer is given to a credential read afresh (401 when it stands for no one now).
        if let Some(cached) = vouch.take() {
            let now = opencpd_kernel::accounts::reread(db, &cached).await?.ok_or(Error::Unauthorized)?;
            actor = std::borrow::Cow::Owned(now);
            continue;
        }
        if matches!(refused, Some(Error::NotFound | Error::Forbidden)) && forget_place_once() {
            continue;
        }
        match by_uuid(db, &uuid).await {
            Ok(Some(stored)) if stored.collected_by != actor.user_id => {
                return Err(Error::Conflict(
                    Problem::new("conflict").arg("detail", "this uuid belongs to another collector"),
                ));
            }
            Ok(Some(stored)) => {
                let scores = serde_json::from_str(&stored.scores_json).unwrap_or_default();
                return Ok((Receipt { id: stored.id, uuid: stored.uuid, scores }, true));
            }
            Ok(None) => match refused {
                Some(e) => return Err(e),
                // Nothing stored and the UUID free: what the insert checked had changed.
                None if forget_place_once() => continue,
                None => return Err(retired_since(db, input.instrument_id).await),
            },
            Err(e) => return Err(refused.unwrap_or(e)),
        }
    }
}

/// Checks, validates, scores and inserts a submission; `None` when nothing was inserted:
/// its UUID is taken, or the instrument was retired since its form was cached (the insert
/// stores nothing unless the instrument is still in use; [`submit`] tells the two apart).
async fn store_new(
    db: &Db,
    files: &Files,
    actor: &Actor,
    vouch: Option<&Vouch>,
    input: &SubmissionInput,
    uuid: &str,
) -> Result<Option<Receipt>> {
    let form = published(db, files, input.instrument_id).await?;
    let place = place_of(db, actor, &input.subject).await?;
    match input.subject.kind.as_str() {
        "school" => actor.require(Action::Read, &Target::School { id: input.subject.id, unit_path: &place.path })?,
        "person" => actor.require(
            Action::Read,
            &Target::Person { id: input.subject.id, school_ids: &place.schools, paths: &place.paths },
        )?,
        // A cohort or a session: `place_of` let through only participants and whoever may
        // facilitate at the cohort's unit.
        _ => {}
    }
    let form = &*form;
    let now = Utc::now();
    let ctx = Context { today: today(), now: now.naive_utc() };
    let validated = opencpd_forms::validate(form, &input.answers, &ctx).map_err(Error::Invalid)?;
    let named = files::answer_files(db, files, form, &validated.answers, &input.files).await?;
    let scores: Vec<DomainScore> = opencpd_forms::score(form, &validated);
    let answers_json = serde_json::to_string(&validated.answers).map_err(anyhow::Error::from)?;
    let scores_json = serde_json::to_string(&scores).map_err(anyhow::Error::from)?;
    let row = intake::NewSubmission {
        uuid: uuid.to_string(),
        instrument_id: input.instrument_id,
        collected_by: actor.user_id,
        collected_at: input.collected_at,
        received_at: now,
        subject_kind: input.subject.kind.clone(),
        subject_id: input.subject.id,
        subject_path: place.path,
        answers_json,
        scores_json,
        likert: opencpd_forms::score::has_likert(form),
        vouch: vouch.cloned(),
    };
    // A submission naming files is stored with them in one transaction; the others join
    // the queue of submissions stored together.
    let id = if named.is_empty() {
        intake::store(db, row).await?
    } else {
        intake::store_with_files(db, row, &named).await?
    };
    let Some(id) = id else { return Ok(None) };
    Ok(Some(Receipt {
        id,
        uuid: uuid.to_string(),
        scores: serde_json::to_value(&scores).map_err(anyhow::Error::from)?,
    }))
}

fn target_of(row: &SubmissionRow) -> (Vec<i64>, Vec<String>) {
    let schools = if row.subject_kind == "school" { vec![row.subject_id] } else { Vec::new() };
    (schools, vec![row.subject_path.clone()])
}

/// A stored submission, for its collector or whoever may read submissions about its subject.
pub async fn submission(db: &Db, actor: &Actor, uuid: &str) -> Result<Submission> {
    let row = by_uuid(db, uuid.trim()).await?.ok_or(Error::NotFound)?;
    let (schools, paths) = target_of(&row);
    let own = row.collected_by.is_some() && row.collected_by == actor.user_id;
    let target = Target::Person {
        id: if row.subject_kind == "person" { row.subject_id } else { 0 },
        school_ids: &schools,
        paths: &paths,
    };
    if !own && !actor.allows(Action::ReadSubmissions, &target) {
        return Err(Error::NotFound);
    }
    let id = row.id;
    Ok(Submission { files: files::submission_files(db, id).await?, ..row.into_submission() })
}

/// How many submissions of each instrument the actor may read.
pub async fn submission_counts(db: &Db, actor: &Actor) -> Result<std::collections::HashMap<i64, i64>> {
    let own = actor.user_id.unwrap_or(-1);
    let scope = if actor.may(Action::ReadSubmissions) {
        ListScope::of(actor).sql(Columns::path("subject_path"))
    } else {
        "1 = 0".to_string()
    };
    let sql = format!(
        "SELECT instrument_id, COUNT(*) FROM submissions WHERE {scope} OR collected_by = $1 GROUP BY instrument_id"
    );
    let rows: Vec<(i64, i64)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(own).fetch_all(p).await)?;
    Ok(rows.into_iter().collect())
}

/// Whether the actor may publish and retire instruments.
pub fn can_edit(actor: &Actor) -> bool {
    may_edit(actor).is_ok()
}
